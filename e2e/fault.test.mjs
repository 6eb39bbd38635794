// The fault suite: every way a call, the storage or the user's input can go wrong, tried
// in the built app (target/dist-e2e) against the mock provider. Each case checks what the
// user notices: (a) the exact sentence on screen, (b) nothing typed or stored lost (the
// prompt back in the box, or the exchange kept as interrupted; every earlier record still
// in IndexedDB), (c) the ledger invariant afterwards. README's "Reliability" table lists
// these cases; the last test keeps the two the same.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST, DIST_E2E, SCREENSHOTS, configure as configureWith, dumpDb, launchBrowser, ledgerProblems, serveStatic, waitText } from './support.mjs';

const ROOT = resolve(import.meta.dirname, '..');

let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST_E2E);
  mock = await startMockProvider({ azureDeployments: ['gpt-35-turbo', 'dep-4o'] });
  await mkdir(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});
beforeEach(() => mock.reset());

/** Every case of this file as README's table lists it: [area, name]. */
const ROWS = [];
/** Registers a case for the README table; returns its name for `test`. */
function row(area, name) {
  ROWS.push([area, name]);
  return name;
}

const configure = (page, options = {}) => configureWith(page, { base: mock.url, endpoint: mock.url, ...options });
const notice = (page) => page.getByTestId('notice').locator('p');
const input = (page) => page.getByTestId('composer-input');
const balance = (page) => page.getByTestId('balance');

/**
 * A fresh browser profile on the app, watching for dialogs, page errors, script that ran
 * (`window.__pwned`), CSP violations and requests to any origin but the app's and the mock's.
 */
async function open({ context, ready = true } = {}) {
  context ??= await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  const allowed = [new URL(site.url).origin, new URL(mock.url).origin];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && !allowed.includes(new URL(url).origin)) problems.push(`request to ${url}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(site.url);
  if (ready) await waitText(balance(page), '100 tokens');
  return { page, context, problems };
}

async function say(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

/** Polls IndexedDB from Node until `check(dump)` holds (10 s at most); returns that dump. */
async function dbUntil(page, check, what) {
  const deadline = Date.now() + 10_000;
  let dump;
  while (Date.now() < deadline) {
    dump = await dumpDb(page);
    if (check(dump)) return dump;
    await page.waitForTimeout(50);
  }
  throw new Error(`IndexedDB never showed ${what}: ${JSON.stringify(dump).slice(0, 500)}`);
}

/** Nothing went wrong behind the screen: no script ran, no CSP violation, no stray request. */
async function assertClean(page, problems) {
  const flags = await page.evaluate(() => ({ pwned: window.__pwned ?? null, violations: window.__violations ?? [] }));
  assert.deepEqual(flags, { pwned: null, violations: [] });
  assert.deepEqual(problems, []);
}

/** An app with a balance of 5,100 and one finished exchange, and the records as stored. */
async function withHistory(options = {}) {
  const opened = await open();
  const { page } = opened;
  await configure(page);
  await page.evaluate(() => window.wasmBindings.e2e_top_up(5000));
  await waitText(balance(page), '5,100 tokens');
  await say(page, 'first message');
  await waitText(page.getByTestId('reply').last(), 'Echo: first message');
  if (options.base) await configure(page, { base: options.base });
  const before = await dumpDb(page);
  assert.equal(before.messages.length, 1);
  return { ...opened, before };
}

/** The records of `before` are all still there, unchanged. */
const KEYS = { users: 'user_id', payments: 'payment_id', threads: 'thread_id', messages: 'message_id', settings: 'key' };
function assertPriorKept(before, after) {
  for (const [store, key] of Object.entries(KEYS)) {
    for (const old of before[store]) {
      const id = JSON.stringify(old);
      const now = after[store].find((r) => r[key] === old[key]);
      assert.ok(now, `${store} record ${old[key]} is gone`);
      // A thread and a user move on with a new exchange; everything else stays as it was.
      if (store !== 'threads' && store !== 'users') assert.equal(JSON.stringify(now), id, `${store} record ${old[key]} changed`);
    }
  }
}

// ------------------------------------------------------------------ provider faults

const SAY = {
  key: (s) => `The provider rejected the API key (HTTP ${s}). Check the key in Settings.`,
  down: (s) => `The provider had an error (HTTP ${s}). This is on their side; try again in a moment.`,
  malformed: 'The provider sent a reply pocket-chat could not read. Try again; if it keeps happening, check the endpoint in Settings.',
  cut: 'The reply was cut off before it finished. What arrived is kept; send again to retry.',
  stalled: (n) => `The provider sent nothing for ${n} seconds, so pocket-chat stopped waiting. Anything that arrived is kept; send the message again to retry.`,
  unreachable: 'The endpoint could not be reached. Check your connection and the address in Settings; a server on another site must allow this page (CORS).',
  offline: 'This browser is offline, so the message was not sent. It is kept in the box; send it again when the connection is back.',
  offlineLine: 'You are offline. Your chats are all here; sending works again once the connection is back.',
  stopped: 'Stopped before the reply began. Your message is back in the box.',
};

/**
 * Provider faults. `kept`: 'box' (the prompt is back in the input, nothing stored),
 * 'interrupted' (what arrived is stored as an interrupted exchange, debited by estimate) or
 * 'complete'. `fault` is queued on the mock; `idle` shortens the app's idle timeout (ms).
 */
const PROVIDER_CASES = [
  { name: 'HTTP 400', prompt: 'q [[mock:status=400]]', sentence: 'The provider refused the request (HTTP 400): Mock fault: bad request.', kept: 'box' },
  { name: 'HTTP 401', prompt: 'q [[mock:status=401]]', sentence: SAY.key(401), kept: 'box' },
  { name: 'HTTP 403', prompt: 'q [[mock:status=403]]', sentence: SAY.key(403), kept: 'box' },
  { name: 'HTTP 404', prompt: 'q [[mock:status=404]]', sentence: 'The provider has no model or deployment called “gpt-4o-mini” (HTTP 404). Check the model name in Settings.', kept: 'box' },
  { name: 'HTTP 408', prompt: 'q [[mock:status=408]]', sentence: 'The provider took too long to answer (HTTP 408). Send the message again.', kept: 'box' },
  { name: 'HTTP 429 with Retry-After: 7', prompt: 'q [[mock:status=429,retryAfter=7]]', sentence: "The provider's rate limit was reached (HTTP 429). Wait 7 seconds. Your message was kept; send it again then.", kept: 'box', shot: 'fault-429' },
  { name: 'HTTP 500', prompt: 'q [[mock:status=500]]', sentence: SAY.down(500), kept: 'box' },
  { name: 'HTTP 502', prompt: 'q [[mock:status=502]]', sentence: SAY.down(502), kept: 'box' },
  { name: 'HTTP 503', prompt: 'q [[mock:status=503]]', sentence: SAY.down(503), kept: 'box' },
  { name: 'HTTP 200 with a non-JSON body', prompt: 'q [[mock:nonJsonBody]]', sentence: SAY.malformed, kept: 'box' },
  { name: 'error JSON of unexpected shape (HTTP 400)', prompt: 'q', fault: { status: 400, errorBody: { error: 'overloaded', detail: [1, 2] }, times: 1 }, sentence: 'The provider refused the request (HTTP 400): no reason given', kept: 'box' },
  { name: 'error JSON of unexpected shape (HTTP 418)', prompt: 'q', fault: { status: 418, errorBody: { message: { nested: true } }, times: 1 }, sentence: 'The provider answered with HTTP 418.', kept: 'box' },
  // Chunks 50 ms apart, as a network delivers them: a browser drops body bytes still
  // queued when the connection breaks, so a cut right behind the last chunk shows nothing.
  { name: 'stream cut after 3 chunks', prompt: 'one two three four five six [[mock:dropAfterChunks=3,chunkDelayMs=50]]', sentence: SAY.cut, kept: 'interrupted', reply: /^Echo: one two $/ },
  { name: 'malformed SSE chunk', prompt: 'alpha beta gamma delta [[mock:malformedAfterChunks=2]]', sentence: SAY.malformed, kept: 'interrupted', reply: /^Echo: alpha $/ },
  { name: 'stream that never ends: Stop', prompt: 'wait [[mock:hang]]', stop: true, sentence: SAY.stopped, kept: 'box' },
  { name: 'stream that never ends: idle timeout', prompt: 'wait [[mock:hang]]', idle: 2000, sentence: SAY.stalled(2), kept: 'box' },
  { name: 'stream that stalls after 3 chunks: idle timeout', prompt: 'one two three four five [[mock:hangAfterChunks=3]]', idle: 2000, sentence: SAY.stalled(2), kept: 'interrupted', reply: /^Echo: one two $/ },
  { name: 'whole reply that never comes: idle timeout', prompt: 'wait [[mock:hang]]', stream: false, idle: 200, sentence: SAY.stalled(2), kept: 'box' },
  { name: 'endpoint down', prompt: 'anyone there?', base: 'http://127.0.0.1:9', sentence: SAY.unreachable, kept: 'box' },
  { name: '1 MB reply', prompt: 'big [[mock:replyBytes=1048576]]', sentence: null, kept: 'complete' },
];

for (const c of PROVIDER_CASES) {
  // Guards against a failure without its sentence, a lost prompt or reply, a debit for
  // nothing (or none for what was consumed), and earlier records touched by a failure.
  test(row('provider', c.name), { timeout: 60_000 }, async () => {
    const { page, context, problems, before } = await withHistory({ base: c.base });
    if (c.stream === false) await configure(page, { stream: false, base: c.base ?? mock.url });
    const start = c.stream === false ? await dumpDb(page) : before;
    if (c.idle) await page.evaluate((ms) => window.wasmBindings.e2e_set_idle_timeout(ms), c.idle);
    if (c.fault) mock.setFault(c.fault);
    await say(page, c.prompt);
    if (c.stop) {
      // Stop once the request is out and the reply has begun (its role chunk arrived).
      await page.getByTestId('stop-button').waitFor();
      while (!mock.requests.some((r) => r.status === 200)) await page.waitForTimeout(25);
      await page.getByTestId('stop-button').click();
    }
    if (c.sentence) {
      await waitText(notice(page), c.sentence);
    } else {
      await waitText(page.getByTestId('send-button'), 'Send');
      assert.equal(await page.getByTestId('notice').count(), 0);
    }
    if (c.shot) await page.screenshot({ path: join(SCREENSHOTS, `${c.shot}.png`) });
    await page.getByTestId('send-button').waitFor();
    const after = await dumpDb(page);
    assertPriorKept(start, after);
    assert.deepEqual(ledgerProblems(after), []);
    const added = after.messages.filter((m) => !start.messages.some((o) => o.message_id === m.message_id));
    if (c.kept === 'box') {
      assert.equal(await input(page).inputValue(), c.prompt);
      assert.deepEqual(added, []);
      assert.deepEqual(after.users, start.users, 'nothing debited');
    } else {
      assert.equal(added.length, 1);
      const [m] = added;
      assert.equal(m.prompt, c.prompt);
      assert.equal(await input(page).inputValue(), '');
      if (c.kept === 'interrupted') {
        assert.deepEqual([m.status, m.debit_kind], ['interrupted', 'estimated']);
        assert.match(m.completion, c.reply);
        assert.ok(m.total > 0, 'what was consumed is debited');
        await waitText(page.getByTestId('reply').last(), m.completion.trim());
        await waitText(page.getByTestId('reply-note').last(), /Stopped early/);
      } else {
        assert.deepEqual([m.status, m.debit_kind], ['complete', 'exact']);
        assert.equal(m.completion.length, 1024 * 1024);
        const shown = await page.getByTestId('reply').last().innerText();
        assert.equal(shown.trim(), m.completion.trim(), 'the whole reply is on screen');
      }
    }
    await waitText(balance(page), `${after.users[0].num_token.toLocaleString('en-US')} tokens`);
    // The configured endpoint is the one other place requests may go.
    await assertClean(page, problems.filter((p) => !(c.base && p.startsWith(`request to ${c.base}/`))));
    await context.close();
  });
}

// Guards against a send while offline failing without saying why, losing the prompt, or
// the app not sending again once the connection is back.
test(row('provider', 'browser offline, then back online'), async () => {
  const { page, context, problems, before } = await withHistory();
  await context.setOffline(true);
  await waitText(page.getByTestId('offline-notice'), SAY.offlineLine);
  await say(page, 'sent while offline');
  await waitText(notice(page), SAY.offline);
  await page.screenshot({ path: join(SCREENSHOTS, 'fault-offline.png') });
  assert.equal(await input(page).inputValue(), 'sent while offline');
  assert.deepEqual(await dumpDb(page), before);
  await context.setOffline(false);
  await page.getByTestId('offline-notice').waitFor({ state: 'detached' });
  await input(page).press('Enter');
  await waitText(page.getByTestId('reply').last(), 'Echo: sent while offline');
  const after = await dumpDb(page);
  assertPriorKept(before, after);
  assert.equal(after.messages.length, 2);
  assert.deepEqual(ledgerProblems(after), []);
  await assertClean(page, problems);
  await context.close();
});

// ------------------------------------------------------------------ storage faults

const BLOCKED = 'pocket-chat is open in another tab that keeps it from updating its storage. Close the other pocket-chat tabs (or reload them); this page then continues by itself.';
const UPDATED = 'pocket-chat was updated in another tab. Reload this page to keep working; nothing you saved is lost.';

// Guards against a page that hangs blank while an old tab blocks the schema upgrade, that
// does not go on once the tab is closed, or loses the old version's records in the upgrade.
test(row('storage', 'upgrade blocked by an old tab'), async () => {
  const fixture = JSON.parse(await readFile(join(ROOT, 'tests/fixtures/v1-records.json'), 'utf8'));
  const context = await browser.newContext();
  // The old tab: schema version 1 (as tests/fixtures/schema_v1.rs), with its records, and
  // no versionchange handler, as an old build had.
  const old = await context.newPage();
  await old.goto(`${site.url}old-tab`);
  await old.evaluate((records) => new Promise((ok, fail) => {
    const req = indexedDB.open('pocket-chat', 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('users', { keyPath: 'user_id' });
      db.createObjectStore('payments', { keyPath: 'payment_id', autoIncrement: true }).createIndex('user_id', 'user_id');
      db.createObjectStore('threads', { keyPath: 'thread_id', autoIncrement: true }).createIndex('user_thread', ['user_id', 'thread_id']);
      const messages = db.createObjectStore('messages', { keyPath: 'message_id', autoIncrement: true });
      messages.createIndex('thread_message', ['thread_id', 'message_id']);
      messages.createIndex('user_id', 'user_id');
      db.createObjectStore('settings', { keyPath: 'key' });
      db.createObjectStore('meta', { keyPath: 'key' });
      for (const store of ['users', 'payments', 'threads', 'messages', 'settings']) {
        for (const r of records[store] ?? []) req.transaction.objectStore(store).add(r);
      }
    };
    req.onsuccess = () => { window.oldDb = req.result; ok(); };
    req.onerror = () => fail(req.error);
  }), fixture);
  const { page, problems } = await open({ context, ready: false });
  await waitText(notice(page), BLOCKED);
  await page.screenshot({ path: join(SCREENSHOTS, 'fault-upgrade-blocked.png') });
  // Closing the old tab lets the upgrade run; the page goes on by itself.
  await old.close();
  await page.getByTestId('notice').waitFor({ state: 'detached' });
  await waitText(balance(page), /^\d[\d,]* tokens$/);
  const after = await dumpDb(page);
  for (const store of ['users', 'payments', 'threads', 'messages']) {
    assert.deepEqual(after[store], fixture[store], `store ${store} changed in the upgrade`);
  }
  assert.deepEqual(after.meta.map((m) => [m.key, m.version]), [['schema', 2]]);
  assert.deepEqual(ledgerProblems(after), []);
  const shown = after.users.find((u) => u.user_id === after.settings.find((s) => s.key === 'current_user')?.value);
  await waitText(balance(page), `${shown.num_token.toLocaleString('en-US')} tokens`);
  await assertClean(page, problems);
  await context.close();
});

// Guards against this tab blocking a newer version opened in another tab (the other tab
// would hang), and against this tab carrying on silently with a closed database.
test(row('storage', 'a newer version opened in another tab is not blocked by this one'), async () => {
  const context = await browser.newContext();
  const { page, problems } = await open({ context });
  await say(page, '/balance');
  await waitText(page.getByTestId('note-answer').last(), /100 tokens/);
  const before = await dumpDb(page);
  const newer = await context.newPage();
  await newer.goto(`${site.url}new-tab`);
  const outcome = await newer.evaluate(() => new Promise((ok) => {
    const req = indexedDB.open('pocket-chat', 3);
    req.onblocked = () => ok('blocked');
    req.onsuccess = () => { req.result.close(); ok('opened'); };
    req.onerror = () => ok(`error ${req.error}`);
  }));
  assert.equal(outcome, 'opened');
  await waitText(notice(page), UPDATED);
  // Sending now keeps the prompt and says the same.
  await page.getByTestId('notice').getByRole('button', { name: 'Dismiss' }).click();
  await say(page, 'after the update');
  await waitText(notice(page), UPDATED);
  assert.equal(await input(page).inputValue(), 'after the update');
  const after = await dumpDb(newer);
  for (const store of ['users', 'payments', 'threads', 'messages', 'settings']) assert.deepEqual(after[store], before[store]);
  await assertClean(page, problems);
  await context.close();
});
