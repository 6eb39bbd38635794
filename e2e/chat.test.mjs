// Chatting as a person would, against the project's mock of the OpenAI and Azure wire
// formats: settings typed into the form, messages typed into the box, replies read off
// the screen, requests read off the mock, rows read out of IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

// Each page is watched for dialogs, page errors and requests to any origin but the app's
// and the mock's.
const fx = fixture({
  dist: DIST_E2E,
  mock: { azureDeployments: ['gpt-35-turbo', 'dep-4o'] },
  watch: ['dialogs', 'pageErrors', 'foreignRequests'],
});

const providers = {
  openai: { path: '/v1/chat/completions', query: {}, auth: ['authorization', 'Bearer sk-test'], model: 'gpt-4o-mini', cap: 'max_completion_tokens' },
  azure: { path: '/openai/deployments/gpt-35-turbo/chat/completions', query: { 'api-version': '2024-10-21' }, auth: ['api-key', 'sk-test'], model: undefined, cap: 'max_tokens' },
  compatible: { path: '/chat/completions', query: {}, auth: null, model: 'gpt-4o-mini', cap: 'max_tokens' },
};
for (const [kind, want] of Object.entries(providers)) {
  for (const stream of [true, false]) {
    // Guards against the wrong URL, auth header, body or cap for each provider, a context
    // that misses the thread's earlier turn, and a reply that is not both on screen and
    // stored with its exact debit.
    test(`${kind}, ${stream ? 'streaming' : 'whole reply'}: exact request, reply on screen and stored, debit`, async () => {
      const app = await fx.open();
      await app.configure({ kind, stream, key: kind === 'compatible' ? '' : 'sk-test' });
      await app.say('Hello there, model');
      await app.waitReply('Echo: Hello there, model');
      await app.topUp(50000);
      await app.say('And again');
      await app.waitReply('Echo: And again');
      const reqs = fx.chats(kind);
      assert.equal(reqs.length, 2);
      for (const req of reqs) {
        assert.equal(req.method, 'POST');
        assert.equal(req.path, want.path);
        assert.deepEqual(req.query, want.query);
        const sent = ['authorization', 'api-key'].filter((h) => req.headers[h] !== undefined).map((h) => [h, req.headers[h]]);
        assert.deepEqual(sent, want.auth ? [want.auth] : []);
        assert.equal(req.body.model, want.model);
        assert.equal(req.body.stream, stream);
        assert.deepEqual(req.body.stream_options, stream ? { include_usage: true } : undefined);
        const caps = ['max_tokens', 'max_completion_tokens'].filter((c) => req.body[c] !== undefined);
        assert.deepEqual(caps, [want.cap]);
      }
      // The first call: what the 100-token balance covers after the prompt estimate.
      const firstCap = reqs[0].body[want.cap];
      assert.ok(firstCap > 60 && firstCap < 100, `cap ${firstCap}`);
      // The second: the balance covers gpt-4o-mini's whole reply reserve.
      assert.equal(reqs[1].body[want.cap], 16384);
      assert.deepEqual(reqs[0].body.messages, [{ role: 'user', content: 'Hello there, model' }]);
      assert.deepEqual(reqs[1].body.messages, [
        { role: 'user', content: 'Hello there, model' },
        { role: 'assistant', content: 'Echo: Hello there, model' },
        { role: 'user', content: 'And again' },
      ]);
      const dump = await app.assertLedger();
      const [m] = dump.messages;
      assert.deepEqual([m.prompt, m.completion, m.status, m.debit_kind], ['Hello there, model', 'Echo: Hello there, model', 'complete', 'exact']);
      // The mock's usage: prompt Σ(4 + ⌈len/4⌉) + 3 = 4 + 5 + 3, completion 4 words.
      assert.deepEqual([m.prompt_tokens, m.completion_tokens, m.total], [12, 4, 16]);
      assert.equal(dump.users[0].num_token, 100 + 50000 - dump.messages.reduce((s, x) => s + x.total, 0));
      await app.screenshot(`chat-${kind}-${stream ? 'stream' : 'json'}`);
      await app.close();
    });
  }
}

// Provider faults (HTTP statuses, cut and malformed streams, an unreachable endpoint, …)
// are e2e/fault.test.mjs's table.

// Guards against a reply without usage being debited nothing, or marked exact.
test('no usage in the reply: debited by estimate and marked so', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('count me [[mock:noUsage]]');
  await app.waitReply(/^Echo: count me/);
  const dump = await app.assertLedger();
  assert.deepEqual([dump.messages[0].status, dump.messages[0].debit_kind], ['complete', 'estimated']);
  assert.ok(dump.messages[0].total >= 10, `estimate ${dump.messages[0].total}`);
  await waitText(app.replyNote, /estimated: the provider sent no usage/);
  await app.close();
});

// Guards against Stop losing the text that already arrived, or leaving the request open.
test('Stop keeps what arrived and stores it as interrupted', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
  await app.say(`${words} [[mock:chunkDelayMs=150]]`);
  await waitText(app.streamingReply, /Echo: w0 w1/);
  await app.screenshot('chat-streaming');
  await app.stopButton.click();
  await waitText(app.replyNote, /Stopped early/);
  const dump = await app.assertLedger();
  const [m] = dump.messages;
  assert.equal(m.status, 'interrupted');
  assert.match(m.completion, /^Echo: w0 w1 /);
  assert.ok(!m.completion.includes('w39'), 'the reply stopped early');
  assert.equal(await app.sendButton.isVisible(), true);
  await app.close();
});

// Guards against a reply that stays off screen: a top-up just before a send re-reads the
// thread; when the count after that read came once the reply's row was saved, it took the
// row as "later", and the read when the reply finished stopped short of it (until a
// reload). The race needs the two to interleave, so it is tried ten times here; the host
// test window::a_window_at_the_newest_stays_there_when_rows_arrive_before_the_count pins
// the rule itself.
test('a send right after a top-up: every reply shows', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  for (let round = 1; round <= 10; round++) {
    await app.topUp(10);
    await app.say(`round ${round}`);
    await app.waitReply(`Echo: round ${round}`);
    assert.equal(await app.exchanges.count(), round);
  }
  const dump = await app.assertLedger();
  assert.equal(dump.messages.filter((m) => m.status === 'complete').length, 10);
  await app.close();
});

// Guards against a balance that cannot cover the prompt still calling the provider.
test('a balance that does not cover the prompt: refused before any request', async () => {
  const app = await fx.open();
  await app.configure();
  const long = 'lorem ipsum dolor sit amet '.repeat(40).trim();
  await app.say(long);
  await waitText(app.notice, /does not cover this message .*残高を加える/);
  assert.equal(fx.chats('openai').length, 0);
  assert.equal(await app.input.inputValue(), long);
  await app.assertLedger();
  await app.close();
});

// Guards against model output running script, loading remote content or opening dialogs.
test('a reply full of HTML and script tricks renders as inert text', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  const payload = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    '[click](javascript:alert(3))',
    '<iframe src="https://evil.example/"></iframe>',
    '![pixel](https://evil.example/p.png)',
    '<svg onload=alert(4)></svg>',
    '<a href="javascript:alert(5)">x</a>',
  ].join('\n\n');
  await app.say(payload);
  const reply = app.reply;
  await waitText(reply, /alert\(1\)/);
  assert.equal(await reply.locator('script, iframe, img, svg, object, embed').count(), 0);
  const hrefs = await reply.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs.filter((h) => !/^https?:/.test(h)), []);
  assert.match(await reply.innerText(), /<script>alert\(1\)<\/script>/);
  await app.screenshot('chat-xss-inert');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against a code block without its copy button, or a button that copies nothing.
test('code blocks render with a working Copy button', async () => {
  const app = await fx.open();
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(fx.site.url).origin });
  await app.configure();
  await app.topUp(5000);
  await app.say('code:\n\n```rust\nfn main() {}\n```');
  const block = app.replyCodeBlocks.last();
  await block.waitFor();
  assert.equal(await block.locator('code').innerText(), 'fn main() {}\n');
  await block.locator('[data-copy]').click();
  await waitText(block.locator('[data-copy]'), 'Copied');
  assert.equal(await app.page.evaluate(() => navigator.clipboard.readText()), 'fn main() {}\n');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against "Test connection" that reports success for a bad key, or says nothing.
test('Test connection reports a working setup and a rejected key, and Clear empties the key', async () => {
  const app = await fx.open();
  const key = app.apiKey;
  await app.openSettings();
  await key.fill('sk-test');
  await app.baseUrl.fill(fx.mock.url);
  assert.equal(await key.getAttribute('type'), 'password');
  await app.testConnectionButton.click();
  await waitText(app.settingsResult, 'Connection works: gpt-4o-mini answered through OpenAI.');
  const [probe] = fx.chats('openai');
  assert.equal(probe.body.max_completion_tokens, 1);
  await key.fill('sk-wrong');
  await app.testConnectionButton.click();
  await waitText(app.settingsResult, /rejected the API key \(HTTP 401\)/);
  await app.screenshot('settings-test-connection');
  await app.clearKeyButton.click();
  assert.equal(await key.inputValue(), '');
  await app.testConnectionButton.click();
  await waitText(app.settingsResult, 'Add your API key in Settings to start chatting.');
  // Testing costs the balance nothing.
  await app.assertLedger();
  await app.waitBalance('100 tokens');
  await app.close();
});

// Guards against a compatible server that rejects stream_options breaking chat for good.
test('a compatible server rejecting stream_options: retried without it, and remembered', async () => {
  const app = await fx.open();
  await app.configure({ kind: 'compatible', key: '' });
  fx.mock.setFault({ status: 400, errorBody: { error: { message: "Unrecognized request argument supplied: stream_options", type: 'invalid_request_error', param: null, code: null } }, times: 1 });
  await app.say('first');
  await app.waitReply('Echo: first');
  await app.say('second');
  await app.waitReply('Echo: second');
  const reqs = fx.chats('compatible');
  assert.deepEqual(reqs.map((r) => [r.status, r.body.stream, r.body.stream_options]), [
    [400, true, { include_usage: true }],
    [200, true, undefined],
    [200, true, undefined],
  ]);
  // Without usage in the stream, the debit is our estimate, marked so.
  const dump = await app.assertLedger();
  assert.deepEqual(dump.messages.map((m) => m.debit_kind), ['estimated', 'estimated']);
  await app.close();
});

// Guards against a context longer than the model's window, and against leaving out
// earlier exchanges without saying so.
test('older exchanges that no longer fit the window are left out, and the thread says so', async () => {
  const app = await fx.open();
  await app.topUp(1000000);
  await app.openSettings();
  await app.modelField('a').fill('tiny-local-model');
  await app.apiKey.fill('sk-test');
  await app.baseUrl.fill(fx.mock.url);
  await app.saveSettingsButton.click();
  await waitText(app.model, 'tiny-local-model');
  // About 4,000 tokens: it fits an 8k window alone, but not with its reply and a new prompt.
  const long = Array.from({ length: 4000 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][i % 4]).join(' ');
  await app.say(long);
  await app.waitReply(/^Echo: alpha beta/);
  await app.say('short follow-up');
  await app.waitReply('Echo: short follow-up');
  const reqs = fx.chats('openai');
  assert.equal(reqs[0].body.model, 'tiny-local-model');
  assert.deepEqual(reqs[1].body.messages, [{ role: 'user', content: 'short follow-up' }]);
  await waitText(app.contextStart, /no longer fit in the model's context/);
  const starts = await app.contextStarts();
  assert.deepEqual(starts, [false, true]);
  await app.assertLedger();
  await app.close();
});

// Guards against losing a reply (and its cost) when the tab is reloaded or closed while it
// streams: what arrived is saved as it comes, as an interrupted exchange debited by estimate.
test('reloading mid-stream keeps what arrived as an interrupted, debited exchange', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  const words = Array.from({ length: 60 }, (_, i) => `r${i}`).join(' ');
  await app.say(`${words} [[mock:chunkDelayMs=100]]`);
  await waitText(app.streamingReply, /Echo: r0 r1 r2 r3/);
  // Wait until a save (about one a second) holds a few words, then leave mid-stream.
  const deadline = Date.now() + 10_000;
  let saved = [];
  while (Date.now() < deadline) {
    saved = (await app.dump()).messages;
    if (saved.length === 1 && saved[0].completion.includes('r3')) break;
    await app.page.waitForTimeout(50);
  }
  assert.match(saved[0]?.completion ?? '', /r3/, 'the streaming reply was saved while it arrived');
  await app.reload();
  await app.waitReply(/^Echo: r0 r1/);
  await waitText(app.replyNote, /Stopped early/);
  const dump = await app.assertLedger();
  const [m] = dump.messages;
  assert.deepEqual([dump.messages.length, m.status, m.debit_kind], [1, 'interrupted', 'estimated']);
  assert.match(m.completion, /^Echo: r0 r1 /);
  assert.ok(!m.completion.includes('r59'), 'the stream was cut by the reload');
  assert.ok(m.total > m.prompt_tokens, `debited ${m.total} for prompt ${m.prompt_tokens} and the partial reply`);
  await app.close();
});
