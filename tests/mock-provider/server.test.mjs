// Tests for the mock chat-completions provider (server.mjs): routes, auth, validation,
// replies and usage, SSE streaming, CORS, recording, control routes, faults, close, CLI.
// Run: node --test tests/mock-provider/

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockProvider } from './server.mjs';

const KEY = 'sk-test';
const AZURE = '/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01';
const AZURE_401 = {
  error: {
    code: '401',
    message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key '
      + 'for an active subscription and use a correct regional API endpoint for your resource.',
  },
};

let mock;
before(async () => { mock = await startMockProvider(); });
after(() => mock.close());
beforeEach(() => mock.reset());

const chat = (content, extra = {}) => ({ model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });

function post(path, body, headers = {}, base = mock.url) {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const openai = (body, headers = {}) => post('/v1/chat/completions', body, { authorization: `Bearer ${KEY}`, ...headers });
const azure = (body, headers = {}, path = AZURE) => post(path, body, { 'api-key': KEY, ...headers });

/** SSE text -> list of raw `data:` payloads (strings). */
function ssePayloads(text) {
  return text.split('\n\n').filter(Boolean).map((event) => {
    assert.equal(event.slice(0, 6), 'data: ', `not an SSE data event: ${JSON.stringify(event)}`);
    return event.slice(6);
  });
}

/** Reads a body until it ends or the connection breaks. */
async function readUntilEnd(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: null };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** Reads until `count` complete SSE events arrived; returns the reader to keep going. */
async function readEvents(res, count) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\n\n').length - 1 < count) {
    const { done, value } = await reader.read();
    assert.equal(done, false, 'stream ended early');
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

// ------------------------------------------------------------------ startup

test('startMockProvider reports a usable url and port', async () => {
  // Bug: the url/port handed to tests point at the requested port 0 instead of the bound one.
  assert.equal(typeof mock.port, 'number');
  assert.notEqual(mock.port, 0);
  assert.equal(mock.url, `http://127.0.0.1:${mock.port}`);
  const res = await openai(chat('ping'));
  assert.equal(res.status, 200);
});

// ------------------------------------------------------------------ replies and usage

test('non-streaming OpenAI reply has the chat.completion shape, echo text and usage', async () => {
  // Bug: reply shape drifts from OpenAI's (wrong object/id/finish_reason/usage) so clients parse mock-only JSON.
  const before = Math.floor(Date.now() / 1000);
  const res = await openai({
    model: 'gpt-4o',
    messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'hello world' }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const body = await res.json();
  assert.ok(body.created >= before && body.created <= Math.floor(Date.now() / 1000), `created=${body.created}`);
  assert.deepEqual({ ...body, created: 0 }, {
    id: 'chatcmpl-mock-1',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: hello world' }, logprobs: null, finish_reason: 'stop' }],
    // prompt: (4 + ceil(14/4)=4) + (4 + ceil(11/4)=3) + 3 = 18; completion: "Echo: ", "hello ", "world" = 3
    usage: { prompt_tokens: 18, completion_tokens: 3, total_tokens: 21 },
  });
});

test('echo uses the last user message and counts content-part arrays', async () => {
  // Bug: echo picks the first user message, or array content (text parts) crashes / counts as zero.
  const res = await openai({
    model: 'gpt-4o',
    messages: [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'text', text: 'efgh' }] },
    ],
  });
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Echo: abcd\nefgh');
  // prompt: (4+2) + (4+1) + (4+ceil(9/4)=3) + 3 = 21; completion: "Echo: ", "abcd\n", "efgh" = 3
  assert.deepEqual(body.usage, { prompt_tokens: 21, completion_tokens: 3, total_tokens: 24 });
});

test('max_tokens / max_completion_tokens truncate the reply with finish_reason length', async () => {
  // Bug: token limits are ignored, so clients never see a "length" finish and its handling goes untested.
  const three = await (await openai(chat('one two three four', { max_tokens: 3 }))).json();
  assert.equal(three.choices[0].message.content, 'Echo: one two ');
  assert.equal(three.choices[0].finish_reason, 'length');
  assert.equal(three.usage.completion_tokens, 3);

  const two = await (await openai(chat('one two three four', { max_completion_tokens: 2 }))).json();
  assert.equal(two.choices[0].message.content, 'Echo: one ');
  assert.equal(two.choices[0].finish_reason, 'length');

  const roomy = await (await openai(chat('one two', { max_tokens: 10 }))).json();
  assert.equal(roomy.choices[0].message.content, 'Echo: one two');
  assert.equal(roomy.choices[0].finish_reason, 'stop');
  assert.equal(roomy.usage.completion_tokens, 3);
});

// ------------------------------------------------------------------ streaming

test('streaming sends role chunk, one chunk per token, finish chunk, then [DONE]', async () => {
  // Bug: SSE framing or chunk order differs from OpenAI (missing role chunk, finish chunk or [DONE]).
  const res = await openai(chat('hello world', { stream: true }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const payloads = ssePayloads(await res.text());
  assert.equal(payloads.at(-1), '[DONE]');
  const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
  assert.equal(chunks.length, 5);
  for (const c of chunks) {
    assert.equal(c.id, 'chatcmpl-mock-1');
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, 'gpt-4o');
    assert.equal('usage' in c, false, 'usage must be absent without include_usage');
  }
  assert.deepEqual(chunks[0].choices, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  assert.deepEqual(chunks.slice(1, 4).map((c) => c.choices[0].delta), [{ content: 'Echo: ' }, { content: 'hello ' }, { content: 'world' }]);
  assert.deepEqual(chunks.slice(1, 4).map((c) => c.choices[0].finish_reason), [null, null, null]);
  assert.deepEqual(chunks[4].choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
});

test('stream_options.include_usage adds usage:null to chunks and a final usage chunk', async () => {
  // Bug: usage chunk missing/misplaced, or earlier chunks lack the usage:null key OpenAI sends.
  const res = await openai(chat('hello world', { stream: true, stream_options: { include_usage: true } }));
  const payloads = ssePayloads(await res.text());
  assert.equal(payloads.at(-1), '[DONE]');
  const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
  assert.equal(chunks.length, 6);
  assert.deepEqual(chunks.slice(0, 5).map((c) => c.usage), [null, null, null, null, null]);
  assert.equal(chunks[4].choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks[5].choices, []);
  // prompt: 4 + ceil(11/4)=3 + 3 = 10; completion 3
  assert.deepEqual(chunks[5].usage, { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
});

test('streaming honours max_tokens with finish_reason length', async () => {
  // Bug: streaming path ignores the token limit that the JSON path applies.
  const res = await openai(chat('a b c d', { stream: true, max_tokens: 2 }));
  const chunks = ssePayloads(await res.text()).slice(0, -1).map((p) => JSON.parse(p));
  assert.deepEqual(chunks.slice(1, -1).map((c) => c.choices[0].delta.content), ['Echo: ', 'a ']);
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
});

test('chunkDelayMs option (and fault) spaces out stream chunks', async () => {
  // Bug: chunk delay ignored, so clients' incremental rendering / timeouts can't be exercised.
  const slow = await startMockProvider({ chunkDelayMs: 40 });
  try {
    const t0 = performance.now();
    const res = await post('/v1/chat/completions', chat('a b', { stream: true }), { authorization: `Bearer ${KEY}` }, slow.url);
    const payloads = ssePayloads(await res.text());
    const elapsed = performance.now() - t0;
    assert.equal(payloads.length, 6); // role, 3 content, finish, [DONE]
    assert.ok(elapsed >= 40 * 4, `4 delayed chunks should take >= 160ms, took ${elapsed}`);
  } finally {
    await slow.close();
  }
  mock.setFault({ chunkDelayMs: 30, times: 1 });
  const t0 = performance.now();
  await (await openai(chat('a b', { stream: true }))).text();
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 30 * 4, `fault chunkDelayMs: expected >= 120ms, took ${elapsed}`);
});

// ------------------------------------------------------------------ routes and auth

test('compatible route: key optional, but a present Authorization must be Bearer <non-empty>', async () => {
  // Bug: compatible route demands the OpenAI key (breaks keyless local servers) or accepts junk auth headers.
  const keyless = await post('/chat/completions', chat('hi'));
  assert.equal(keyless.status, 200);
  assert.equal((await keyless.json()).choices[0].message.content, 'Echo: hi');
  assert.equal((await post('/chat/completions', chat('hi'), { authorization: 'Bearer any-key' })).status, 200);
  for (const authorization of ['Basic abc', 'Bearer ', 'sk-test']) {
    const res = await post('/chat/completions', chat('hi'), { authorization });
    assert.equal(res.status, 401, authorization);
    assert.equal((await res.json()).error.message.slice(0, 30), "You didn't provide an API key.");
  }
  assert.deepEqual(mock.requests.map((r) => r.kind), Array(5).fill('compatible'));
});

test('compatible route requires a model like OpenAI', async () => {
  // Bug: model check only on /v1, so a client omitting model passes against the mock but fails on real servers.
  const res = await post('/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.message, 'you must provide a model parameter');
});

test('OpenAI route: missing key -> 401 with the exact OpenAI body', async () => {
  // Bug: auth error body differs from OpenAI so the client's "no key" message can't be tested.
  const res = await post('/v1/chat/completions', chat('hi'));
  assert.equal(res.status, 401);
  const body = await res.json();
  assert.equal(body.error.message.slice(0, 63), "You didn't provide an API key. You need to provide your API key");
  assert.deepEqual({ ...body.error, message: '' }, { message: '', type: 'invalid_request_error', param: null, code: null });
});

test('OpenAI route: wrong key -> 401 invalid_api_key with the key masked', async () => {
  // Bug: wrong key accepted, or the error leaks the whole key / lacks code invalid_api_key.
  const res = await openai(chat('hi'), { authorization: 'Bearer sk-wrong' });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    error: {
      message: 'Incorrect API key provided: sk-w****. You can find your API key at https://platform.openai.com/account/api-keys.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  });
  const long = await openai(chat('hi'), { authorization: 'Bearer sk-proj-abcdefghijklmnop1234' });
  assert.equal((await long.json()).error.message,
    'Incorrect API key provided: sk-*********************1234. You can find your API key at https://platform.openai.com/account/api-keys.');
});

test('apiKey option changes the accepted key on OpenAI and Azure routes', async () => {
  // Bug: the key is hard-coded to sk-test so suites using another key can't authenticate.
  const custom = await startMockProvider({ apiKey: 'sk-custom' });
  try {
    const ok = await post('/v1/chat/completions', chat('hi'), { authorization: 'Bearer sk-custom' }, custom.url);
    assert.equal(ok.status, 200);
    const old = await post('/v1/chat/completions', chat('hi'), { authorization: 'Bearer sk-test' }, custom.url);
    assert.equal(old.status, 401);
    assert.equal((await post(AZURE, chat('hi'), { 'api-key': 'sk-custom' }, custom.url)).status, 200);
    assert.equal((await post(AZURE, chat('hi'), { 'api-key': 'sk-test' }, custom.url)).status, 401);
  } finally {
    await custom.close();
  }
});

test('Azure route: api-key auth, deployment as model, no model needed, -preview versions', async () => {
  // Bug: Azure URL/header format not recognised, or the reply model is not the deployment.
  const res = await azure({ messages: [{ role: 'user', content: 'hi azure' }] });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.model, 'gpt-4o');
  assert.equal(body.choices[0].message.content, 'Echo: hi azure');
  const preview = await azure(chat('hi'), {}, '/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-01-preview');
  assert.equal(preview.status, 200);
  assert.deepEqual(mock.requests.map((r) => [r.kind, r.deployment, r.query['api-version'], r.status]),
    [['azure', 'gpt-4o', '2024-06-01', 200], ['azure', 'gpt-35-turbo', '2024-10-01-preview', 200]]);
});

test('Azure route: missing api-version -> 404 Resource not found, malformed -> 400', async () => {
  // Bug: a client that forgets api-version works against the mock but gets 404 from Azure.
  const missing = await azure(chat('hi'), {}, '/openai/deployments/gpt-4o/chat/completions');
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: { code: '404', message: 'Resource not found' } });
  const bad = await azure(chat('hi'), {}, '/openai/deployments/gpt-4o/chat/completions?api-version=latest');
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: { code: 'BadRequest', message: 'API version not supported' } });
});

test('Azure route: unknown deployment -> 404 DeploymentNotFound; azureDeployments option', async () => {
  // Bug: any deployment name accepted, so a misconfigured deployment is never surfaced.
  const res = await azure(chat('hi'), {}, '/openai/deployments/nope/chat/completions?api-version=2024-06-01');
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, 'DeploymentNotFound');
  assert.equal(body.error.message.slice(0, 51), 'The API deployment for this resource does not exist');
  const custom = await startMockProvider({ azureDeployments: ['my-dep'] });
  try {
    const mine = await post('/openai/deployments/my-dep/chat/completions?api-version=2024-06-01', chat('hi'), { 'api-key': KEY }, custom.url);
    assert.equal(mine.status, 200);
    assert.equal((await post(AZURE, chat('hi'), { 'api-key': KEY }, custom.url)).status, 404);
  } finally {
    await custom.close();
  }
});

test('Azure route: missing or wrong api-key (or a Bearer header) -> 401 Azure shape', async () => {
  // Bug: Azure auth uses the OpenAI header/shape, so clients send the key the wrong way unnoticed.
  for (const headers of [{}, { 'api-key': 'sk-wrong' }]) {
    const res = await post(AZURE, chat('hi'), headers);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), AZURE_401);
  }
  const bearer = await post(AZURE, chat('hi'), { authorization: `Bearer ${KEY}` });
  assert.equal(bearer.status, 401);
});

test('unknown routes and wrong methods -> 404 OpenAI shape, recorded as unknown', async () => {
  // Bug: typos in client URLs get a 200 or a non-JSON 404, hiding the mistake.
  const res = await fetch(`${mock.url}/v1/engines`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { error: { message: 'Invalid URL (GET /v1/engines)', type: 'invalid_request_error', param: null, code: null } });
  const get = await fetch(`${mock.url}/v1/chat/completions`);
  assert.equal(get.status, 404);
  assert.deepEqual(mock.requests.map((r) => [r.kind, r.status]), [['unknown', 404], ['unknown', 404]]);
});

// ------------------------------------------------------------------ validation

test('body validation errors match OpenAI (400, invalid_request_error, param/code)', async () => {
  // Bug: malformed requests succeed against the mock and only fail in production.
  const cases = [
    ['{oops', null, null],
    [{ messages: [{ role: 'user', content: 'x' }] }, null, null],
    [{ model: 'm' }, 'messages', 'missing_required_parameter'],
    [{ model: 'm', messages: 'hi' }, 'messages', 'invalid_type'],
    [{ model: 'm', messages: [] }, 'messages', 'empty_array'],
    [{ model: 'm', messages: ['hi'] }, 'messages[0]', 'invalid_type'],
    [{ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role', 'missing_required_parameter'],
    [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'user' }] }, 'messages[1].content', 'missing_required_parameter'],
    [{ ...chat('x'), stream_options: { include_usage: true } }, 'stream_options', null],
    [{ ...chat('x'), stream: false, stream_options: { include_usage: true } }, 'stream_options', null],
    [{ ...chat('x'), max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
    [{ ...chat('x'), max_tokens: 1.5 }, 'max_tokens', 'invalid_type'],
    [{ ...chat('x'), max_tokens: '3' }, 'max_tokens', 'invalid_type'],
    [{ ...chat('x'), max_completion_tokens: -1 }, 'max_completion_tokens', 'integer_below_min_value'],
  ];
  for (const [body, param, code] of cases) {
    const res = await openai(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.type, 'invalid_request_error', JSON.stringify(body));
    assert.equal(error.param, param, JSON.stringify(body));
    assert.equal(error.code, code, JSON.stringify(body));
  }
  const messages = mock.requests.map((r) => r.status);
  assert.deepEqual(messages, Array(cases.length).fill(400));
});

test('validation messages carry OpenAI wording for JSON, model and stream_options', async () => {
  // Bug: client code that matches on OpenAI error text behaves differently against the mock.
  const notJson = await (await openai('{oops')).json();
  assert.equal(notJson.error.message.slice(0, 49), 'We could not parse the JSON body of your request.');
  const noModel = await (await openai({ messages: [{ role: 'user', content: 'x' }] })).json();
  assert.equal(noModel.error.message, 'you must provide a model parameter');
  const opts = await (await openai({ ...chat('x'), stream_options: { include_usage: true } })).json();
  assert.equal(opts.error.message, "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  const azureNoMessages = await azure({});
  assert.equal(azureNoMessages.status, 400);
  assert.equal((await azureNoMessages.json()).error.param, 'messages');
});

test('assistant tool-call turns may omit content; developer and tool roles are accepted', async () => {
  // Bug: valid multi-turn tool conversations rejected by an over-strict content check.
  const res = await openai({
    model: 'gpt-4o',
    messages: [
      { role: 'developer', content: 'be nice' },
      { role: 'user', content: 'weather?' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ],
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'Echo: weather?');
});

// ------------------------------------------------------------------ CORS

test('every response carries CORS headers, echoing Origin when sent', async () => {
  // Bug: browser clients can't read mock responses (or error bodies / retry-after) for lack of CORS headers.
  const plain = await openai(chat('hi'));
  assert.equal(plain.headers.get('access-control-allow-origin'), '*');
  assert.equal(plain.headers.get('access-control-expose-headers'), 'retry-after, x-request-id');
  assert.match(plain.headers.get('x-request-id'), /^req_mock_\d+$/);
  const origin = 'http://localhost:5173';
  const error = await post('/v1/chat/completions', chat('hi'), { origin });
  assert.equal(error.status, 401);
  assert.equal(error.headers.get('access-control-allow-origin'), origin);
  const control = await fetch(`${mock.url}/__mock/requests`, { headers: { origin } });
  assert.equal(control.headers.get('access-control-allow-origin'), origin);
  const unknown = await fetch(`${mock.url}/nope`);
  assert.equal(unknown.headers.get('access-control-allow-origin'), '*');
});

test('OPTIONS preflight on any path -> 204 with CORS headers, recorded as preflight', async () => {
  // Bug: browser preflight fails (wrong status/headers), so no browser request ever reaches the mock.
  const echoed = await fetch(`${mock.url}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-stainless-os' },
  });
  assert.equal(echoed.status, 204);
  assert.equal(echoed.headers.get('access-control-allow-origin'), 'http://app.test');
  assert.equal(echoed.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  assert.equal(echoed.headers.get('access-control-allow-headers'), 'authorization,x-stainless-os');
  assert.equal(echoed.headers.get('access-control-max-age'), '600');
  assert.equal(echoed.headers.get('access-control-expose-headers'), 'retry-after, x-request-id');
  const plain = await fetch(`${mock.url}/anything/at/all`, { method: 'OPTIONS' });
  assert.equal(plain.status, 204);
  assert.equal(plain.headers.get('access-control-allow-headers'), 'authorization, api-key, content-type');
  assert.equal(plain.headers.get('access-control-allow-origin'), '*');
  const control = await fetch(`${mock.url}/__mock/fault`, { method: 'OPTIONS' });
  assert.equal(control.status, 204);
  assert.deepEqual(mock.requests.map((r) => [r.method, r.path, r.kind, r.status]),
    [['OPTIONS', '/v1/chat/completions', 'preflight', 204], ['OPTIONS', '/anything/at/all', 'preflight', 204]]);
});

// ------------------------------------------------------------------ recording and control routes

test('requests are recorded with method, path, query, headers, body, rawBody, kind, status, at', async () => {
  // Bug: tests can't assert what the client actually sent (headers/body lost or mis-parsed).
  const t0 = Date.now();
  const raw = JSON.stringify(chat('record me'));
  await post('/v1/chat/completions?trace=1', raw, { authorization: `Bearer ${KEY}`, 'X-Custom': 'Yes' });
  await post('/chat/completions', '{broken');
  const t1 = Date.now();
  const [ok, broken] = mock.requests;
  assert.equal(mock.requests.length, 2);
  assert.equal(ok.method, 'POST');
  assert.equal(ok.path, '/v1/chat/completions');
  assert.deepEqual(ok.query, { trace: '1' });
  assert.equal(ok.headers['x-custom'], 'Yes');
  assert.equal(ok.headers.authorization, `Bearer ${KEY}`);
  assert.deepEqual(ok.body, chat('record me'));
  assert.equal(ok.rawBody, raw);
  assert.equal(ok.kind, 'openai');
  assert.equal(ok.status, 200);
  assert.equal('deployment' in ok, false);
  assert.ok(ok.at >= t0 && ok.at <= t1, `at=${ok.at} not in [${t0}, ${t1}]`);
  assert.deepEqual([broken.kind, broken.body, broken.rawBody, broken.status], ['compatible', null, '{broken', 400]);
});

test('GET /__mock/requests returns the records; control routes are not recorded', async () => {
  // Bug: browser tests can't inspect requests, or control traffic pollutes the recorded list.
  await openai(chat('one'));
  await fetch(`${mock.url}/__mock/requests`);
  const res = await fetch(`${mock.url}/__mock/requests`);
  assert.equal(res.status, 200);
  const list = await res.json();
  assert.equal(list.length, 1);
  assert.deepEqual([list[0].path, list[0].kind, list[0].status, list[0].body.messages[0].content], ['/v1/chat/completions', 'openai', 200, 'one']);
  assert.equal(mock.requests.length, 1);
});

test('POST /__mock/fault queues a fault; bad fault bodies are rejected with 400', async () => {
  // Bug: browser tests can't steer faults over HTTP, or a typo in a fault silently does nothing.
  const set = await post('/__mock/fault', { status: 503, times: 1 });
  assert.equal(set.status, 200);
  assert.deepEqual(await set.json(), { ok: true, queued: 1 });
  assert.equal((await openai(chat('hi'))).status, 503);
  assert.equal((await openai(chat('hi'))).status, 200);
  const typo = await post('/__mock/fault', { stauts: 500 });
  assert.equal(typo.status, 400);
  assert.equal((await typo.json()).error.message.slice(0, 43), "Invalid mock fault: unknown fault key 'stau");
  const notJson = await post('/__mock/fault', 'nope');
  assert.equal(notJson.status, 400);
  assert.equal(mock.requests.length, 2);
});

test('POST /__mock/reset and reset() clear requests and faults, keeping the same requests array', async () => {
  // Bug: state leaks between tests, or a test holding mock.requests sees a stale array after reset.
  const list = mock.requests;
  mock.setFault({ status: 500 });
  await openai(chat('hi'));
  assert.equal(list.length, 1);
  const res = await post('/__mock/reset', {});
  assert.deepEqual(await res.json(), { ok: true });
  assert.equal(list.length, 0);
  assert.equal((await openai(chat('hi'))).status, 200);
  assert.equal(mock.requests, list);
  assert.equal(list.length, 1);
});

// ------------------------------------------------------------------ faults

test('status faults on OpenAI routes use OpenAI error types and codes', async () => {
  // Bug: the client's error mapping is tested against bodies the real API never sends.
  const expected = {
    400: ['invalid_request_error', null],
    401: ['invalid_request_error', 'invalid_api_key'],
    403: ['request_forbidden', 'unsupported_country_region_territory'],
    404: ['invalid_request_error', 'model_not_found'],
    408: ['server_error', 'timeout'],
    429: ['requests', 'rate_limit_exceeded'],
    500: ['server_error', null],
    502: ['cf_bad_gateway', null],
    503: ['server_error', null],
  };
  for (const [status, [type, code]] of Object.entries(expected)) {
    mock.setFault({ status: Number(status), times: 1 });
    const res = await openai(chat('hi'));
    assert.equal(res.status, Number(status));
    assert.equal(res.headers.get('content-type'), 'application/json');
    const { error } = await res.json();
    assert.deepEqual([error.type, error.code, error.param], [type, code, null], `status ${status}`);
    assert.equal(typeof error.message, 'string');
    assert.notEqual(error.message, '');
  }
  mock.setFault({ status: 404, times: 1 });
  assert.equal((await (await openai(chat('hi'))).json()).error.message,
    'The model `gpt-4o` does not exist or you do not have access to it.');
  mock.setFault({ status: 429, code: 'insufficient_quota', times: 1 });
  const quota = (await (await openai(chat('hi'))).json()).error;
  assert.deepEqual([quota.type, quota.code], ['insufficient_quota', 'insufficient_quota']);
  assert.equal(quota.message.slice(0, 37), 'You exceeded your current quota, plea');
});

test('status faults on Azure use the Azure {code,message} shape', async () => {
  // Bug: Azure error parsing is tested against OpenAI-shaped bodies.
  mock.setFault({ status: 429, retryAfter: 12, times: 1 });
  const limited = await azure(chat('hi'));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '12');
  const body = await limited.json();
  assert.deepEqual(Object.keys(body.error), ['code', 'message']);
  assert.equal(body.error.code, '429');
  assert.match(body.error.message, /API version 2024-06-01 .*Please retry after 12 seconds/);
  mock.setFault({ status: 500, times: 1 });
  assert.deepEqual((await (await azure(chat('hi'))).json()).error.code, 'InternalServerError');
  const steered = await azure(chat('hi [[mock:status=503]]'));
  assert.equal(steered.status, 503);
  assert.equal((await steered.json()).error.code, 'ServiceUnavailable');
});

test('retryAfter sets Retry-After; errorBody overrides the body verbatim', async () => {
  // Bug: the client's backoff can't be tested (no Retry-After) or custom upstream bodies can't be replayed.
  mock.setFault({ status: 429, retryAfter: 3, times: 1 });
  const limited = await openai(chat('hi'));
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.match((await limited.json()).error.message, /Please try again in 3s\./);
  mock.setFault({ status: 500, errorBody: 'upstream exploded', times: 1 });
  const text = await openai(chat('hi'));
  assert.equal(text.status, 500);
  assert.equal(await text.text(), 'upstream exploded');
  mock.setFault({ status: 400, errorBody: { error: { message: 'custom', type: 'x', param: 'p', code: 'c' } }, times: 1 });
  const obj = await openai(chat('hi'));
  assert.deepEqual(await obj.json(), { error: { message: 'custom', type: 'x', param: 'p', code: 'c' } });
});

test('times limits a fault; queued faults apply in order; untimed faults persist until cleared', async () => {
  // Bug: a fault leaks into later requests (or ends early), making retry tests lie.
  mock.setFault({ status: 500, times: 2 });
  mock.setFault({ status: 503, times: 1 });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await openai(chat('hi'))).status);
  assert.deepEqual(statuses, [500, 500, 503, 200]);
  mock.setFault({ status: 502 });
  const persistent = [];
  for (let i = 0; i < 3; i++) persistent.push((await openai(chat('hi'))).status);
  assert.deepEqual(persistent, [502, 502, 502]);
  mock.clearFaults();
  assert.equal((await openai(chat('hi'))).status, 200);
});

test('faults are consumed only by requests that pass auth and validation', async () => {
  // Bug: a rejected request swallows the queued fault, so the request under test never sees it.
  mock.setFault({ status: 500, times: 1 });
  assert.equal((await openai(chat('hi'), { authorization: 'Bearer sk-wrong' })).status, 401);
  assert.equal((await openai({ model: 'gpt-4o' })).status, 400);
  assert.equal((await openai(chat('hi'))).status, 500);
  assert.equal((await openai(chat('hi'))).status, 200);
});

test('delayMs waits before answering', async () => {
  // Bug: delay ignored, so client timeouts/spinners can't be exercised.
  mock.setFault({ delayMs: 150, times: 1 });
  const t0 = performance.now();
  const res = await openai(chat('hi'));
  const elapsed = performance.now() - t0;
  assert.equal(res.status, 200);
  assert.ok(elapsed >= 150, `expected >= 150ms, took ${elapsed}`);
});

test('dropAfterChunks: stream sends N content chunks then the connection dies without [DONE]', { timeout: 5000 }, async () => {
  // Bug: a mid-stream disconnect is reported as a normal end, so the client's partial-stream handling is untested.
  mock.setFault({ dropAfterChunks: 2, times: 1 });
  const res = await openai(chat('one two three four', { stream: true }));
  assert.equal(res.status, 200);
  const { text, error } = await readUntilEnd(res);
  assert.notEqual(error, null, 'body should fail, not end cleanly');
  const payloads = ssePayloads(text);
  assert.equal(payloads.includes('[DONE]'), false);
  assert.deepEqual(payloads.map((p) => JSON.parse(p).choices[0].delta.content), ['', 'Echo: ', 'one ']);
  assert.equal(mock.requests[0].status, 200);
  mock.setFault({ dropAfterChunks: 0, times: 1 });
  await assert.rejects(openai(chat('hi')), TypeError, 'non-streaming drop closes the socket without a response');
});

test('malformedAfterChunks inserts a broken data line and then continues', async () => {
  // Bug: the client's SSE parser crashes on a bad event instead of skipping/erroring gracefully.
  mock.setFault({ malformedAfterChunks: 1, times: 1 });
  const payloads = ssePayloads(await (await openai(chat('a b', { stream: true }))).text());
  assert.equal(payloads[2], '{not json');
  assert.equal(payloads.at(-1), '[DONE]');
  const contents = payloads.filter((p) => p !== '{not json' && p !== '[DONE]').map((p) => JSON.parse(p).choices[0].delta.content ?? '');
  assert.equal(contents.join(''), 'Echo: a b');
  mock.setFault({ malformedAfterChunks: 0, times: 1 });
  const plain = await openai(chat('hi'));
  assert.equal(plain.status, 200);
  assert.equal(await plain.text(), '{not json');
});

test('noUsage drops usage from JSON replies and from streams even when include_usage is asked', async () => {
  // Bug: client assumes usage is always present and crashes on providers that omit it.
  mock.setFault({ noUsage: true, times: 2 });
  const body = await (await openai(chat('hi'))).json();
  assert.equal('usage' in body, false);
  assert.equal(body.choices[0].message.content, 'Echo: hi');
  const payloads = ssePayloads(await (await openai(chat('hi', { stream: true, stream_options: { include_usage: true } }))).text());
  const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
  assert.equal(payloads.at(-1), '[DONE]');
  assert.deepEqual(chunks.map((c) => c.choices.length), [1, 1, 1, 1]);
  assert.equal(chunks.some((c) => c.usage), false);
});

test('nonJsonBody answers 200 text/html', async () => {
  // Bug: client assumes a 200 is always JSON and crashes on a proxy's HTML page.
  mock.setFault({ nonJsonBody: true, times: 2 });
  for (const stream of [false, true]) {
    const res = await openai(chat('hi', { stream }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html');
    assert.equal(await res.text(), '<html>Bad gateway</html>');
  }
});

test('hang sends headers (and the role chunk) then never finishes until reset()', { timeout: 5000 }, async () => {
  // Bug: hung upstreams can't be simulated, or hung sockets survive reset and leak into the next test.
  mock.setFault({ hang: true, times: 2 });
  const plain = await openai(chat('hi'));
  assert.equal(plain.status, 200);
  const stream = await openai(chat('hi', { stream: true }));
  assert.equal(stream.status, 200);
  const { text, reader } = await readEvents(stream, 1);
  assert.deepEqual(JSON.parse(ssePayloads(text)[0]).choices[0].delta, { role: 'assistant', content: '' });
  const plainBody = plain.text();
  mock.reset();
  await assert.rejects(plainBody, TypeError);
  await assert.rejects(reader.read(), TypeError);
});

test('hangAfterChunks sends N content chunks, then nothing until reset()', { timeout: 5000 }, async () => {
  // Bug: a stream that stalls after some text can't be simulated, so an idle timeout that
  // loses the text that arrived goes unnoticed.
  mock.setFault({ hangAfterChunks: 2, times: 1 });
  const res = await openai(chat('one two three four', { stream: true }));
  const { text, reader } = await readEvents(res, 3);
  assert.deepEqual(ssePayloads(text).map((p) => JSON.parse(p).choices[0].delta.content), ['', 'Echo: ', 'one ']);
  mock.reset();
  await assert.rejects(reader.read(), TypeError);
});

test('replyBytes makes a reply of exactly N bytes in 1 KB pieces, streamed or whole', async () => {
  // Bug: a client that truncates or chokes on a large reply can't be caught without one.
  const size = 1024 * 1024;
  mock.setFault({ replyBytes: size, times: 2 });
  const whole = await (await openai(chat('big'))).json();
  const text = whole.choices[0].message.content;
  assert.equal(text.length, size);
  assert.match(text, /^Echo: big w1 w2 w3 /);
  assert.equal(whole.usage.completion_tokens, size / 1024);
  const payloads = ssePayloads(await (await openai(chat('big', { stream: true }))).text());
  const streamed = payloads.slice(0, -1).map((p) => JSON.parse(p).choices[0].delta.content ?? '').join('');
  assert.equal(streamed, text);
});

test('close() resolves promptly even with a hung stream and keep-alive sockets open', { timeout: 5000 }, async () => {
  // Bug: close() waits forever on hung/keep-alive sockets, so test suites never exit.
  const own = await startMockProvider();
  await post('/v1/chat/completions', chat('warm'), { authorization: `Bearer ${KEY}` }, own.url); // leaves a keep-alive socket
  own.setFault({ hang: true });
  const hung = await post('/v1/chat/completions', chat('hi', { stream: true }), { authorization: `Bearer ${KEY}` }, own.url);
  const body = hung.text();
  const t0 = performance.now();
  await own.close();
  assert.ok(performance.now() - t0 < 1000, 'close took too long');
  await assert.rejects(body, TypeError);
  await assert.rejects(fetch(`${own.url}/v1/chat/completions`, { method: 'POST' }), TypeError);
});

test('[[mock:...]] directive in the last user message steers that request only', async () => {
  // Bug: browser e2e tests can't trigger per-request faults through typed prompt text.
  const limited = await openai(chat('please [[mock:status=429,retryAfter=7]]'));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.equal((await limited.json()).error.code, 'rate_limit_exceeded');
  assert.equal((await openai(chat('next'))).status, 200);

  const noUsage = await (await openai(chat('hi [[mock:noUsage]]'))).json();
  assert.equal(noUsage.choices[0].message.content, 'Echo: hi [[mock:noUsage]]');
  assert.equal('usage' in noUsage, false);

  const dropped = await readUntilEnd(await openai(chat('a b c d [[mock:dropAfterChunks=3]]', { stream: true })));
  assert.notEqual(dropped.error, null);
  assert.deepEqual(ssePayloads(dropped.text).map((p) => JSON.parse(p).choices[0].delta.content), ['', 'Echo: ', 'a ', 'b ']);

  const earlier = await openai({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: '[[mock:status=500]]' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'fine' }],
  });
  assert.equal(earlier.status, 200);
});

test('a directive with an unknown key is a 400 rather than silently ignored', async () => {
  // Bug: a typo in a steering directive makes an e2e test pass without the fault it meant to inject.
  const res = await openai(chat('[[mock:stauts=500]]'));
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.message.slice(0, 54), "Invalid mock directive: unknown fault key 'stauts' (kn");
});

// ------------------------------------------------------------------ robustness

test('internal errors answer 500 in OpenAI shape and the server keeps serving', async () => {
  // Bug: an exception inside a handler crashes the mock or leaves the request hanging.
  mock.setFault({ status: 418, errorBody: { n: 1n }, times: 1 }); // BigInt can't be serialised
  const res = await openai(chat('hi'));
  assert.equal(res.status, 500);
  const { error } = await res.json();
  assert.equal(error.type, 'server_error');
  assert.equal(error.message.slice(0, 30), 'Mock provider internal error: ');
  assert.equal(mock.requests[0].status, 500);
  assert.equal((await openai(chat('hi'))).status, 200);
});

test('a client aborting mid-stream does not crash the server', { timeout: 5000 }, async () => {
  // Bug: writing to a destroyed response throws an unhandled error and kills the mock.
  mock.setFault({ chunkDelayMs: 20, times: 1 });
  const res = await openai(chat('a b c d e f', { stream: true }));
  const { reader } = await readEvents(res, 1);
  await reader.cancel(); // undici tears the connection down while the mock is still writing
  const after = await openai(chat('still alive'));
  assert.equal(after.status, 200);
  assert.equal((await after.json()).choices[0].message.content, 'Echo: still alive');
});

// ------------------------------------------------------------------ CLI

test('CLI prints the listening line and serves until killed', { timeout: 5000 }, async () => {
  // Bug: the documented `node server.mjs --port N` entry point doesn't start or prints a different line.
  const script = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    for await (const chunk of child.stdout) {
      out += chunk;
      if (out.includes('\n')) break;
    }
    const match = /^mock provider listening on (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
    assert.notEqual(match, null, `unexpected output: ${JSON.stringify(out)}`);
    const res = await post('/v1/chat/completions', chat('cli'), { authorization: `Bearer ${KEY}` }, match[1]);
    assert.equal((await res.json()).choices[0].message.content, 'Echo: cli');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('GET /models lists the models, answers a set failure, and needs the key on the OpenAI route', async () => {
  const mock = await startMockProvider({ models: [{ id: 'local-7b', object: 'model', meta: { n_ctx_train: 4096 } }] });
  try {
    const listed = await fetch(`${mock.url}/models`);
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), { object: 'list', data: [{ id: 'local-7b', object: 'model', meta: { n_ctx_train: 4096 } }] });
    assert.equal((await fetch(`${mock.url}/v1/models`)).status, 401);
    assert.equal((await fetch(`${mock.url}/v1/models`, { headers: { authorization: 'Bearer sk-test' } })).status, 200);
    mock.setModels({ status: 404, body: { error: { message: 'no listing here' } } });
    const failed = await fetch(`${mock.url}/models`);
    assert.deepEqual([failed.status, await failed.json()], [404, { error: { message: 'no listing here' } }]);
    mock.reset();
    assert.equal((await (await fetch(`${mock.url}/models`)).json()).data[0].id, 'local-7b');
    assert.deepEqual(mock.requests.map((r) => [r.method, r.path, r.kind]), [['GET', '/models', 'compatible-models']]);
  } finally {
    await mock.close();
  }
});

test('reasoning: streamed before the reply in reasoning_content (or reasoning), counted in usage', async () => {
  // Bug: the app's reasoning reader tested against a shape no provider sends.
  const res = await openai(chat('[[mock:reasoning]] hi', { stream: true, stream_options: { include_usage: true } }));
  const chunks = ssePayloads(await res.text()).slice(0, -1).map((p) => JSON.parse(p));
  const deltas = chunks.map((c) => c.choices[0]?.delta).filter(Boolean);
  const thought = deltas.map((d) => d.reasoning_content ?? '').join('');
  assert.equal(thought, 'Thinking about: [[mock:reasoning]] hi');
  const firstText = deltas.findIndex((d) => d.content);
  assert.ok(deltas.slice(firstText).every((d) => d.reasoning_content === undefined), 'reasoning comes first');
  // prompt 4 + ceil(22/4)=6 + 3 = 13; reply "Echo: [[mock:reasoning]] hi" 3 tokens, reasoning 4.
  assert.deepEqual(chunks.at(-1).usage, {
    prompt_tokens: 13, completion_tokens: 7, total_tokens: 20, completion_tokens_details: { reasoning_tokens: 4 },
  });
  const whole = await (await post('/chat/completions', chat('hi'), {}, mock.url)).json();
  assert.equal(whole.choices[0].message.reasoning_content, undefined, 'no reasoning unless asked');
  mock.setFault({ reasoning: 'Seas are big.', reasoningField: 'reasoning', times: 1 });
  const routed = await (await post('/chat/completions', chat('hi'), {}, mock.url)).json();
  assert.equal(routed.choices[0].message.reasoning, 'Seas are big.');
  assert.equal(routed.usage.completion_tokens_details.reasoning_tokens, 3);
  assert.throws(() => mock.setFault({ reasoningField: 'thoughts' }), TypeError);
});

test('OpenAI and Azure refuse what their reasoning and chat models reject; compatible servers take all', async () => {
  // Bug: the app's per-family fields tested against a mock that accepts anything.
  const cases = [
    [openai(chat('x', { model: 'o3-mini', temperature: 0.5 })), 400, "Unsupported parameter: 'temperature' is not supported with this model."],
    [openai(chat('x', { model: 'gpt-5-mini', top_p: 0.5 })), 400, "Unsupported parameter: 'top_p' is not supported with this model."],
    [openai(chat('x', { model: 'o1', max_tokens: 5 })), 400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."],
    [openai(chat('x', { model: 'gpt-4o', reasoning_effort: 'low' })), 400, 'Unrecognized request argument supplied: reasoning_effort'],
    [openai(chat('x', { model: 'gpt-4o', temperature: 2.5 })), 400, "Invalid 'temperature': decimal out of range. Expected a value between 0 and 2, but got 2.5 instead."],
    [openai(chat('x', { model: 'o4-mini', reasoning_effort: 'extreme' })), 400, "Invalid value: 'extreme'. Supported values are: 'minimal', 'low', 'medium', and 'high'."],
    [openai(chat('x', { model: 'o3-mini', reasoning_effort: 'high', max_completion_tokens: 50 })), 200],
    [openai(chat('x', { model: 'gpt-5-chat-latest', temperature: 0.2 })), 200],
    [post('/chat/completions', chat('x', { model: 'o3-mini', temperature: 0.5, reasoning_effort: 'low' })), 200],
  ];
  for (const [request, status, message] of cases) {
    const res = await request;
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    if (message) assert.equal(body.error.message, message);
  }
  const o3 = '/openai/deployments/o3-mini/chat/completions?api-version=2024-10-21';
  const deployed = await startMockProvider({ azureDeployments: ['o3-mini'] });
  try {
    const refused = await post(o3, { messages: [{ role: 'user', content: 'x' }], max_tokens: 9 }, { 'api-key': KEY }, deployed.url);
    assert.equal(refused.status, 400);
    const taken = await post(o3, { messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 9, reasoning_effort: 'low' }, { 'api-key': KEY }, deployed.url);
    assert.equal(taken.status, 200);
  } finally {
    await deployed.close();
  }
});
