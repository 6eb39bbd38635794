// Mock chat-completions provider for tests (plain node:http, no dependencies).
// Owns: the OpenAI / OpenAI-compatible / Azure OpenAI chat-completions wire formats
// (routes, auth, body validation, JSON and SSE replies, each route's error shape),
// CORS, request recording, the /__mock/* control routes and on-demand faults
// (queued via setFault or POST /__mock/fault, or per request via a [[mock:...]]
// directive in the last user message). See README.md for the contract.

import http from 'node:http';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const ROLES = ['system', 'user', 'assistant', 'developer', 'tool'];
const FAULT_KEYS = ['status', 'errorBody', 'retryAfter', 'delayMs', 'dropAfterChunks', 'malformedAfterChunks',
  'noUsage', 'nonJsonBody', 'hang', 'times', 'code', 'chunkDelayMs', 'hangAfterChunks', 'replyBytes', 'reasoning',
  'reasoningField'];
const NUMERIC_FAULT_KEYS = ['retryAfter', 'delayMs', 'dropAfterChunks', 'malformedAfterChunks', 'times', 'chunkDelayMs',
  'hangAfterChunks', 'replyBytes'];
// DeepSeek, vLLM and llama.cpp stream reasoning as `reasoning_content`, OpenRouter as `reasoning`.
const REASONING_FIELDS = ['reasoning_content', 'reasoning'];
// OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 but not gpt-5-chat), also as Azure deployments.
const REASONING_MODEL_RE = /^(o\d(?!\d)|gpt-5(?!-chat))/i;
const API_VERSION_RE = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const AZURE_PATH_RE = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
const DIRECTIVE_RE = /\[\[mock:([^\]]*)\]\]/;
const DEFAULT_ALLOW_HEADERS = 'authorization, api-key, content-type';
const EXPOSE_HEADERS = 'retry-after, x-request-id';

const MISSING_KEY_MESSAGE = "You didn't provide an API key. You need to provide your API key in an Authorization header "
  + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
  + "accessing the API from your browser and are prompted for a username and password. You can obtain an API key from "
  + 'https://platform.openai.com/account/api-keys.';
const AZURE_401_MESSAGE = 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a '
  + 'valid key for an active subscription and use a correct regional API endpoint for your resource.';
const BAD_JSON_MESSAGE = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
  + 'your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you '
  + 'have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)';

// ---------------------------------------------------------------- error shapes

function openaiError(message, type = 'invalid_request_error', code = null, param = null) {
  return { error: { message, type, param, code } };
}

function azureError(code, message) {
  return { error: { code, message } };
}

const invalid = (message, param = null, code = null) => ({ status: 400, body: openaiError(message, 'invalid_request_error', code, param) });

/** OpenAI masks all but the start (and, for long keys, the end) of a rejected key. */
export function maskKey(key) {
  if (key.length <= 8) {
    const keep = Math.min(4, Math.floor(key.length / 2));
    return key.slice(0, keep) + '*'.repeat(key.length - keep);
  }
  return key.slice(0, 3) + '*'.repeat(key.length - 7) + key.slice(-4);
}

function invalidKeyMessage(key) {
  return `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
}

/** Body of a fault `status` on an OpenAI or compatible route. */
function openaiFaultBody(status, { code, model, retryAfter, key }) {
  switch (status) {
    case 400: return openaiError('Mock fault: bad request.', 'invalid_request_error', code ?? null);
    case 401: return openaiError(invalidKeyMessage(key || ''), 'invalid_request_error', code ?? 'invalid_api_key');
    case 403: return openaiError('Country, region, or territory not supported', 'request_forbidden',
      code ?? 'unsupported_country_region_territory');
    case 404: return openaiError(`The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error', code ?? 'model_not_found');
    case 408: return openaiError('Request timed out.', 'server_error', code ?? 'timeout');
    case 429:
      if (code === 'insufficient_quota') {
        return openaiError('You exceeded your current quota, please check your plan and billing details. For more '
          + 'information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        'insufficient_quota', 'insufficient_quota');
      }
      return openaiError(`Rate limit reached for ${model} in organization org-mock on requests per min (RPM): Limit 3, `
        + `Used 3, Requested 1. Please try again in ${retryAfter ?? 20}s. Visit `
        + 'https://platform.openai.com/account/rate-limits to learn more.', 'requests', code ?? 'rate_limit_exceeded');
    case 500: return openaiError('The server had an error while processing your request. Sorry about that!',
      'server_error', code ?? null);
    case 502: return openaiError('Bad gateway.', 'cf_bad_gateway', code ?? null);
    case 503: return openaiError('The engine is currently overloaded, please try again later.', 'server_error', code ?? null);
    default: return openaiError(`Mock fault: HTTP ${status}.`, status >= 500 ? 'server_error' : 'invalid_request_error',
      code ?? null);
  }
}

/** Body of a fault `status` on the Azure route. */
function azureFaultBody(status, { code, apiVersion, retryAfter }) {
  const table = {
    400: ['BadRequest', 'Mock fault: bad request.'],
    401: ['401', AZURE_401_MESSAGE],
    403: ['403', 'Access denied due to Virtual Network/Firewall rules.'],
    404: ['404', 'Resource not found'],
    408: ['Timeout', 'The operation was timeout.'],
    429: ['429', `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${apiVersion} have `
      + 'exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after '
      + `${retryAfter ?? 60} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further `
      + 'increase the default rate limit.'],
    500: ['InternalServerError', 'The server had an error while processing your request. Sorry about that!'],
    502: ['BadGateway', 'Bad gateway.'],
    503: ['ServiceUnavailable', 'The service is temporarily unable to process your request. Please try again later.'],
  };
  const [defaultCode, message] = table[status] ?? [String(status), `Mock fault: HTTP ${status}.`];
  return azureError(code ?? defaultCode, message);
}

// ---------------------------------------------------------------- faults

/** Validates a fault object (from setFault, POST /__mock/fault or a directive); throws TypeError. */
export function normalizeFault(fault) {
  if (fault === null || typeof fault !== 'object' || Array.isArray(fault)) {
    throw new TypeError('fault must be a JSON object');
  }
  for (const key of Object.keys(fault)) {
    if (!FAULT_KEYS.includes(key)) throw new TypeError(`unknown fault key '${key}' (known: ${FAULT_KEYS.join(', ')})`);
  }
  if (fault.status !== undefined && !(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599)) {
    throw new TypeError(`fault.status must be an integer HTTP status, got ${JSON.stringify(fault.status)}`);
  }
  for (const key of NUMERIC_FAULT_KEYS) {
    if (fault[key] !== undefined && !(typeof fault[key] === 'number' && fault[key] >= 0)) {
      throw new TypeError(`fault.${key} must be a non-negative number, got ${JSON.stringify(fault[key])}`);
    }
  }
  if (fault.reasoning !== undefined && !(fault.reasoning === true || typeof fault.reasoning === 'string')) {
    throw new TypeError('fault.reasoning must be true or a string');
  }
  if (fault.reasoningField !== undefined && !REASONING_FIELDS.includes(fault.reasoningField)) {
    throw new TypeError(`fault.reasoningField must be one of ${REASONING_FIELDS.join(', ')}`);
  }
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 1)) {
    throw new TypeError('fault.times must be a positive integer');
  }
  return { ...fault };
}

function parseDirectiveValue(raw) {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** `[[mock:status=429,retryAfter=7]]` -> { status: 429, retryAfter: 7 }; bare keys mean true. */
export function parseDirective(text) {
  const match = DIRECTIVE_RE.exec(text);
  if (!match) return null;
  const fault = {};
  for (const part of match[1].split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq < 0) fault[item] = true;
    else fault[item.slice(0, eq).trim()] = parseDirectiveValue(item.slice(eq + 1).trim());
  }
  return normalizeFault(fault);
}

// ---------------------------------------------------------------- replies and token counting

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** Each word with its trailing whitespace is one chunk (= one completion token). */
export function splitTokens(text) {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

export function countPromptTokens(messages) {
  return messages.reduce((sum, m) => sum + 4 + Math.ceil(contentText(m.content).length / 4), 0) + 3;
}

function lastUserText(messages) {
  const lastUser = messages.findLast((m) => m.role === 'user');
  return lastUser ? contentText(lastUser.content) : '';
}

/**
 * `Echo: <text>`, then (with `replyBytes: N`) filler words `w1 w2 …` up to N bytes in all,
 * sent as pieces of about 1 KB each so a megabyte is a thousand chunks, not 170,000.
 */
function replyPieces(body, replyBytes) {
  const echo = `Echo: ${lastUserText(body.messages)}`;
  if (!replyBytes) return splitTokens(echo);
  const words = [echo];
  let size = Buffer.byteLength(echo) + 1;
  for (let i = 1; size < replyBytes; i++) {
    const word = `w${i}`;
    words.push(word);
    size += word.length + 1;
  }
  const text = words.join(' ').slice(0, replyBytes);
  const pieces = [];
  for (let at = 0; at < text.length; at += 1024) pieces.push(text.slice(at, at + 1024));
  return pieces;
}

/**
 * The reply; with `reasoning` (true: `Thinking about: <text>`, or the string given) also its
 * reasoning, one token per word, counted in `completion_tokens` and in
 * `completion_tokens_details.reasoning_tokens` as OpenAI counts them.
 */
function buildReply(body, replyBytes, reasoning) {
  const all = replyPieces(body, replyBytes);
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const pieces = limit != null && all.length > limit ? all.slice(0, limit) : all;
  const promptTokens = countPromptTokens(body.messages);
  const thought = reasoning === true ? `Thinking about: ${lastUserText(body.messages)}` : (reasoning || '');
  const thoughtPieces = splitTokens(thought);
  const completion = pieces.length + thoughtPieces.length;
  const usage = { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
  if (thought) usage.completion_tokens_details = { reasoning_tokens: thoughtPieces.length };
  return {
    pieces,
    text: pieces.join(''),
    thoughtPieces,
    thought,
    finishReason: pieces.length < all.length ? 'length' : 'stop',
    usage,
  };
}

// ---------------------------------------------------------------- validation

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'decimal number';
  return typeof v;
}

/** Returns { status, body } for an invalid chat body, else null. */
function validateChatBody(kind, body, deployment) {
  if (typeName(body) !== 'object') return invalid(`Invalid type for request body: expected an object, but got ${typeName(body)} instead.`);
  if (kind !== 'azure' && !(typeof body.model === 'string' && body.model)) return invalid('you must provide a model parameter');
  const { messages } = body;
  if (messages === undefined) return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) {
    return invalid(`Invalid type for 'messages': expected an array of objects, but got ${typeName(messages)} instead.`, 'messages', 'invalid_type');
  }
  if (messages.length === 0) {
    return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (typeName(m) !== 'object') return invalid(`Invalid type for '${at}': expected an object, but got ${typeName(m)} instead.`, at, 'invalid_type');
    if (typeof m.role !== 'string') return invalid(`Missing required parameter: '${at}.role'.`, `${at}.role`, 'missing_required_parameter');
    if (!ROLES.includes(m.role)) {
      return invalid(`Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'developer', and 'tool'.`, `${at}.role`, 'invalid_value');
    }
    const toolCallTurn = m.role === 'assistant' && Array.isArray(m.tool_calls);
    if (!('content' in m) && !toolCallTurn) return invalid(`Missing required parameter: '${at}.content'.`, `${at}.content`, 'missing_required_parameter');
    if ('content' in m && !['string', 'array', 'null'].includes(typeName(m.content))) {
      return invalid(`Invalid type for '${at}.content': expected one of a string or array of objects, but got ${typeName(m.content)} instead.`, `${at}.content`, 'invalid_type');
    }
  }
  if (body.stream_options != null && body.stream !== true) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const v = body[key];
    if (v == null) continue;
    if (!Number.isInteger(v)) return invalid(`Invalid type for '${key}': expected an integer, but got ${typeName(v)} instead.`, key, 'invalid_type');
    if (v < 1) return invalid(`Invalid '${key}': integer below minimum value. Expected a value >= 1, but got ${v} instead.`, key, 'integer_below_min_value');
  }
  for (const [key, max] of [['temperature', 2], ['top_p', 1]]) {
    const v = body[key];
    if (v == null) continue;
    if (typeof v !== 'number') return invalid(`Invalid type for '${key}': expected a decimal, but got ${typeName(v)} instead.`, key, 'invalid_type');
    if (v < 0 || v > max) return invalid(`Invalid '${key}': decimal out of range. Expected a value between 0 and ${max}, but got ${v} instead.`, key, 'decimal_out_of_range');
  }
  if (body.reasoning_effort != null && !['minimal', 'low', 'medium', 'high'].includes(body.reasoning_effort)) {
    return invalid(`Invalid value: '${body.reasoning_effort}'. Supported values are: 'minimal', 'low', 'medium', and 'high'.`, 'reasoning_effort', 'invalid_value');
  }
  // What api.openai.com (and Azure's deployments of the same models) refuse by model family.
  if (kind !== 'compatible') {
    const model = kind === 'azure' ? deployment : body.model;
    const unsupported = (key, hint = '') => invalid(`Unsupported parameter: '${key}' is not supported with this model.${hint}`, key, 'unsupported_parameter');
    if (REASONING_MODEL_RE.test(model ?? '')) {
      if (body.max_tokens != null) return unsupported('max_tokens', " Use 'max_completion_tokens' instead.");
      for (const key of ['temperature', 'top_p']) if (body[key] != null) return unsupported(key);
    } else if (body.reasoning_effort != null) {
      return invalid('Unrecognized request argument supplied: reasoning_effort', null, null);
    }
  }
  return null;
}

// ---------------------------------------------------------------- server

/** GET /models by default: two OpenAI models, as api.openai.com lists them. */
const DEFAULT_MODELS = [
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
];

function classify(method, pathname) {
  if (method === 'OPTIONS') return { kind: 'preflight' };
  if (method === 'POST' && pathname === '/v1/chat/completions') return { kind: 'openai' };
  if (method === 'POST' && pathname === '/chat/completions') return { kind: 'compatible' };
  if (method === 'GET' && pathname === '/v1/models') return { kind: 'openai-models' };
  if (method === 'GET' && pathname === '/models') return { kind: 'compatible-models' };
  const azure = method === 'POST' && AZURE_PATH_RE.exec(pathname);
  if (azure) {
    let deployment = azure[1];
    try { deployment = decodeURIComponent(deployment); } catch { /* keep the raw segment */ }
    return { kind: 'azure', deployment };
  }
  return { kind: 'unknown' };
}

function parseUrl(rawUrl) {
  try {
    return new URL(rawUrl.startsWith('/') ? `http://mock${rawUrl}` : 'http://mock/');
  } catch {
    return new URL('http://mock/');
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves after `ms`, or earlier if the response closes. */
function wait(ms, res) {
  if (!ms) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); res.off('close', done); resolve(); };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

export function startMockProvider({
  port = 0,
  host = '127.0.0.1',
  apiKey = 'sk-test',
  azureDeployments = ['gpt-35-turbo', 'gpt-4o'],
  chunkDelayMs = 0,
  models = DEFAULT_MODELS,
} = {}) {
  const requests = [];
  // What GET /models answers: the `data` of an OpenAI model list, or { status, body }.
  let listing = models;
  function setModels(next) { listing = next; }
  const faults = []; // queue of { fault, remaining }
  const sockets = new Set();
  const hanging = new Set();
  const counters = { request: 0, completion: 0 };

  function setFault(fault) {
    const f = normalizeFault(fault);
    faults.push({ fault: f, remaining: f.times ?? Infinity });
    return faults.length;
  }
  function clearFaults() { faults.length = 0; }
  function takeFault() {
    const head = faults[0];
    if (!head) return null;
    head.remaining -= 1;
    if (head.remaining <= 0) faults.shift();
    return head.fault;
  }
  function reset() {
    requests.length = 0;
    clearFaults();
    listing = models;
    counters.request = 0;
    counters.completion = 0;
    for (const res of hanging) res.destroy();
    hanging.clear();
  }

  // --- response helpers (ctx = { req, res, record })
  const writable = (ctx) => !ctx.res.writableEnded && !ctx.res.destroyed;
  function writeHead(ctx, status, headers) {
    if (ctx.record) ctx.record.status = status;
    ctx.res.writeHead(status, headers);
  }
  function sendJson(ctx, status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    let contentType = 'application/json';
    if (typeof body === 'string') {
      try { JSON.parse(body); } catch { contentType = 'text/plain; charset=utf-8'; }
    }
    writeHead(ctx, status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
    ctx.res.end(text);
  }
  /** Writes if still possible; ctx.flushed resolves once the data reached the OS. */
  function write(ctx, text) {
    if (writable(ctx)) ctx.flushed = new Promise((resolve) => ctx.res.write(text, () => resolve()));
  }
  /** Kills the connection mid-response, after what was written has actually left. */
  async function drop(ctx) {
    await ctx.flushed;
    ctx.req.socket.destroy();
  }
  function hang(ctx) {
    ctx.res.flushHeaders();
    hanging.add(ctx.res);
    ctx.res.on('close', () => hanging.delete(ctx.res));
  }

  function setCorsHeaders(req, res) {
    const origin = req.headers.origin;
    res.setHeader('access-control-allow-origin', origin || '*');
    if (origin) res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  }
  function sendPreflight(ctx) {
    writeHead(ctx, 204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ctx.req.headers['access-control-request-headers'] || DEFAULT_ALLOW_HEADERS,
      'access-control-max-age': '600',
    });
    ctx.res.end();
  }

  // --- control routes (never recorded)
  function handleControl(ctx, pathname, rawBody) {
    const { method } = ctx.req;
    if (method === 'OPTIONS') return sendPreflight(ctx);
    if (method === 'GET' && pathname === '/__mock/requests') return sendJson(ctx, 200, requests);
    if (method === 'POST' && pathname === '/__mock/reset') { reset(); return sendJson(ctx, 200, { ok: true }); }
    if (method === 'POST' && pathname === '/__mock/fault') {
      try {
        const queued = setFault(JSON.parse(rawBody));
        return sendJson(ctx, 200, { ok: true, queued });
      } catch (err) {
        return sendJson(ctx, 400, openaiError(`Invalid mock fault: ${err.message}`));
      }
    }
    return sendJson(ctx, 404, openaiError(`Invalid URL (${method} ${pathname})`));
  }

  /** Route-level checks before the body: Azure api-version, auth, deployment. */
  function checkAccess(ctx, kind, deployment, url) {
    const { headers } = ctx.req;
    if (kind === 'azure') {
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) return { status: 404, body: azureError('404', 'Resource not found') };
      if (!API_VERSION_RE.test(apiVersion)) return { status: 400, body: azureError('BadRequest', 'API version not supported') };
      if (headers['api-key'] !== apiKey) return { status: 401, body: azureError('401', AZURE_401_MESSAGE) };
      if (!azureDeployments.includes(deployment)) {
        return { status: 404, body: azureError('DeploymentNotFound', 'The API deployment for this resource does not exist. '
          + 'If you created the deployment within the last 5 minutes, please wait a moment and try again.') };
      }
      return null;
    }
    const auth = headers.authorization;
    if (kind === 'compatible' && auth === undefined) return null;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth ?? '');
    if (!bearer) return { status: 401, body: openaiError(MISSING_KEY_MESSAGE) };
    if (kind === 'openai' && bearer[1] !== apiKey) {
      return { status: 401, body: openaiError(invalidKeyMessage(bearer[1]), 'invalid_request_error', 'invalid_api_key') };
    }
    ctx.key = bearer[1];
    return null;
  }

  async function serveCompletion(ctx, kind, body, fault, model, apiVersion) {
    const f = fault ?? {};
    if (f.delayMs) await wait(f.delayMs, ctx.res);
    if (!writable(ctx)) return;
    const extra = f.retryAfter != null ? { 'retry-after': String(f.retryAfter) } : {};

    if (f.status != null && f.status !== 200) {
      const shape = { code: f.code, model, retryAfter: f.retryAfter, key: ctx.key ?? ctx.req.headers['api-key'], apiVersion };
      const errorBody = f.errorBody ?? (kind === 'azure' ? azureFaultBody(f.status, shape) : openaiFaultBody(f.status, shape));
      return sendJson(ctx, f.status, errorBody, extra);
    }
    if (f.nonJsonBody) {
      writeHead(ctx, 200, { 'content-type': 'text/html', ...extra });
      return ctx.res.end('<html>Bad gateway</html>');
    }

    const reply = buildReply(body, f.replyBytes, f.reasoning);
    const reasoningField = f.reasoningField ?? 'reasoning_content';
    const id = `chatcmpl-mock-${++counters.completion}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      if (f.dropAfterChunks != null) return ctx.req.socket.destroy();
      if (f.hang) { writeHead(ctx, 200, { 'content-type': 'application/json', ...extra }); return hang(ctx); }
      if (f.malformedAfterChunks != null) return sendJson(ctx, 200, '{not json', { 'content-type': 'application/json', ...extra });
      const completion = {
        id, object: 'chat.completion', created, model,
        choices: [{
          index: 0, logprobs: null, finish_reason: reply.finishReason,
          message: { role: 'assistant', content: reply.text, ...(reply.thought ? { [reasoningField]: reply.thought } : {}) },
        }],
      };
      if (!f.noUsage) completion.usage = reply.usage;
      return sendJson(ctx, 200, completion, extra);
    }

    const includeUsage = body.stream_options?.include_usage === true && !f.noUsage;
    const delay = f.chunkDelayMs ?? chunkDelayMs;
    const chunk = (choices, usage) => {
      const c = { id, object: 'chat.completion.chunk', created, model, choices };
      if (includeUsage) c.usage = usage;
      return `data: ${JSON.stringify(c)}\n\n`;
    };
    const choice = (delta, finishReason = null) => [{ index: 0, delta, logprobs: null, finish_reason: finishReason }];

    writeHead(ctx, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...extra });
    write(ctx, chunk(choice({ role: 'assistant', content: '' }), null));
    if (f.hang) return hang(ctx);

    for (const piece of reply.thoughtPieces) {
      await wait(delay, ctx.res);
      write(ctx, chunk(choice({ content: null, [reasoningField]: piece }), null));
    }
    const n = reply.pieces.length;
    const malformedAt = f.malformedAfterChunks != null ? Math.min(f.malformedAfterChunks, n) : -1;
    const dropAt = f.dropAfterChunks != null ? Math.min(f.dropAfterChunks, n) : -1;
    const hangAt = f.hangAfterChunks != null ? Math.min(f.hangAfterChunks, n) : -1;
    for (let i = 0; i <= n; i++) {
      if (i === malformedAt) write(ctx, 'data: {not json\n\n');
      if (i === dropAt) return drop(ctx);
      if (i === hangAt) return hang(ctx);
      if (i === n) break;
      await wait(delay, ctx.res);
      write(ctx, chunk(choice({ content: reply.pieces[i] }), null));
    }
    await wait(delay, ctx.res);
    write(ctx, chunk(choice({}, reply.finishReason), null));
    if (includeUsage) {
      await wait(delay, ctx.res);
      write(ctx, chunk([], reply.usage));
    }
    write(ctx, 'data: [DONE]\n\n');
    if (writable(ctx)) ctx.res.end();
  }

  async function handle(ctx) {
    const { req, res } = ctx;
    res.on('error', () => {}); // a client that went away must never crash the mock
    const at = Date.now();
    setCorsHeaders(req, res);
    res.setHeader('x-request-id', `req_mock_${++counters.request}`);
    const url = parseUrl(req.url);
    const rawBody = await readBody(req);
    if (url.pathname.startsWith('/__mock/')) return handleControl(ctx, url.pathname, rawBody);

    const { kind, deployment } = classify(req.method, url.pathname);
    const record = {
      method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers }, body: null, rawBody, kind, status: null, at,
    };
    if (kind === 'azure') record.deployment = deployment;
    requests.push(record);
    ctx.record = record;

    if (kind === 'preflight') return sendPreflight(ctx);
    if (kind === 'unknown') return sendJson(ctx, 404, openaiError(`Invalid URL (${req.method} ${url.pathname})`));

    const denied = checkAccess(ctx, kind.replace('-models', ''), deployment, url);
    if (denied) return sendJson(ctx, denied.status, denied.body);
    if (kind.endsWith('-models')) {
      if (!Array.isArray(listing)) return sendJson(ctx, listing.status, listing.body);
      return sendJson(ctx, 200, { object: 'list', data: listing });
    }

    let body;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return sendJson(ctx, 400, openaiError(BAD_JSON_MESSAGE));
    }
    record.body = body;
    const bad = validateChatBody(kind, body, deployment);
    if (bad) return sendJson(ctx, bad.status, bad.body);

    let directive = null;
    try {
      directive = parseDirective(lastUserText(body.messages));
    } catch (err) {
      return sendJson(ctx, 400, openaiError(`Invalid mock directive: ${err.message}`));
    }
    const queued = takeFault();
    const fault = directive ? { ...queued, ...directive } : queued;
    const model = typeof body.model === 'string' && body.model ? body.model : deployment;
    return serveCompletion(ctx, kind, body, fault, model, url.searchParams.get('api-version'));
  }

  function internalError(ctx, err) {
    if (ctx.res.headersSent) return ctx.res.destroy();
    try {
      sendJson(ctx, 500, openaiError(`Mock provider internal error: ${err?.message ?? err}`, 'server_error'));
    } catch {
      ctx.res.destroy();
    }
  }

  const server = http.createServer((req, res) => {
    const ctx = { req, res, record: null };
    handle(ctx).catch((err) => internalError(ctx, err));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let closing = null;
  function close() {
    closing ??= new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actualPort = server.address().port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${actualPort}`, port: actualPort, requests, setFault, clearFaults, setModels, reset, close });
    });
  });
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv) {
  const opts = {};
  const names = { '--port': 'port', '--host': 'host', '--api-key': 'apiKey', '--chunk-delay-ms': 'chunkDelayMs' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = names[flag];
    if (!key) throw new Error(`unknown argument ${argv[i]} (known: ${Object.keys(names).join(', ')})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    opts[key] = key === 'port' || key === 'chunkDelayMs' ? Number(value) : value;
  }
  return opts;
}

async function main() {
  const mock = await startMockProvider(parseArgs(process.argv.slice(2)));
  console.log(`mock provider listening on ${mock.url}`);
  const stop = () => mock.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  main().catch((err) => {
    console.error(`mock provider: ${err.message}`);
    process.exit(1);
  });
}
