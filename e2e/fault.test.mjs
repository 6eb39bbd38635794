// The fault suite: every way a call, the storage or the user's input can go wrong, tried
// in the built app (target/dist-e2e) against the mock provider. Each case checks what the
// user notices: (a) the exact sentence on screen, (b) nothing typed or stored lost (the
// prompt back in the box, or the exchange kept as interrupted; every earlier record still
// in IndexedDB), (c) the ledger invariant afterwards. README's "Reliability" table lists
// these cases; the last test keeps the two the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DIST, DIST_E2E, SCREENSHOTS, dumpDb, ledgerProblems } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';
import { BLOCKED, closeAndUpgrade, openVersion1, version1Records } from './upgrade.mjs';

const ROOT = resolve(import.meta.dirname, '..');

// Each page is watched for dialogs, page errors, CSP complaints on the console, CSP
// violations and requests to any origin but the app's and the mock's; `assertClean` also
// checks that no script ran (`window.__pwned`).
const fx = fixture({
  dist: DIST_E2E,
  mock: { azureDeployments: ['gpt-35-turbo', 'dep-4o'] },
  watch: ['dialogs', 'pageErrors', 'cspConsole', 'foreignRequests', 'cspViolations'],
});

/** Every case of this file as README's table lists it: [area, name]. */
const ROWS = [];
/** Registers a case for the README table; returns its name for `test`. */
function row(area, name) {
  ROWS.push([area, name]);
  return name;
}

/** An app with a balance of 5,100 and one finished exchange, and the records as stored. */
async function withHistory(options = {}) {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  await app.waitBalance('5,100 tokens');
  await app.say('first message');
  await app.waitReply('Echo: first message');
  if (options.base) await app.configure({ base: options.base });
  // Once the reply's HTML is kept (the data worker renders it when it first shows).
  const before = await app.dumpUntil((d) => d.messages[0]?.html, 'the first reply kept formatted');
  assert.equal(before.messages.length, 1);
  return { app, before };
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
  offlineLine: 'You are offline. Your chats are all here, and a model on this computer still answers; others answer once the connection is back.',
  stopped: 'Stopped before the reply began. Your message is back in the box.',
};

/**
 * Provider faults. `kept`: 'box' (the prompt is back in the input, nothing stored),
 * 'interrupted' (what arrived is stored as an interrupted exchange, debited by estimate) or
 * 'complete'. `fault` is queued on the mock; `idle` shortens the app's idle timeout (ms).
 */
const PROVIDER_CASES = [
  { name: 'HTTP 400', prompt: 'q [[mock:status=400]]', sentence: 'The provider refused the request (HTTP 400): Mock fault: bad request. Check the model and the settings, then send it again.', kept: 'box' },
  { name: 'HTTP 401', prompt: 'q [[mock:status=401]]', sentence: SAY.key(401), kept: 'box' },
  { name: 'HTTP 403', prompt: 'q [[mock:status=403]]', sentence: SAY.key(403), kept: 'box' },
  { name: 'HTTP 404', prompt: 'q [[mock:status=404]]', sentence: 'The provider has no model or deployment called “gpt-4o-mini” (HTTP 404). Check the model name in Settings.', kept: 'box' },
  { name: 'HTTP 408', prompt: 'q [[mock:status=408]]', sentence: 'The provider took too long to answer (HTTP 408). Send the message again.', kept: 'box' },
  { name: 'HTTP 429 with Retry-After: 7', prompt: 'q [[mock:status=429,retryAfter=7]]', sentence: "The provider's rate limit was reached (HTTP 429). Wait 7 seconds. Your message was kept; send it again then.", kept: 'box', shot: 'fault-429' },
  { name: 'HTTP 500', prompt: 'q [[mock:status=500]]', sentence: SAY.down(500), kept: 'box' },
  { name: 'HTTP 502', prompt: 'q [[mock:status=502]]', sentence: SAY.down(502), kept: 'box' },
  { name: 'HTTP 503', prompt: 'q [[mock:status=503]]', sentence: SAY.down(503), kept: 'box' },
  { name: 'HTTP 200 with a non-JSON body', prompt: 'q [[mock:nonJsonBody]]', sentence: SAY.malformed, kept: 'box' },
  { name: 'error JSON of unexpected shape (HTTP 400)', prompt: 'q', fault: { status: 400, errorBody: { error: 'overloaded', detail: [1, 2] }, times: 1 }, sentence: 'The provider refused the request (HTTP 400): It gave no reason. Check the model and the settings, then send it again.', kept: 'box' },
  { name: 'error JSON of unexpected shape (HTTP 418)', prompt: 'q', fault: { status: 418, errorBody: { message: { nested: true } }, times: 1 }, sentence: 'The provider answered with HTTP 418.', kept: 'box' },
  // Chunks 50 ms apart, as a network delivers them: a browser drops body bytes still
  // queued when the connection breaks, so the last chunk before the cut may not arrive.
  { name: 'stream cut after 3 chunks', prompt: 'one two three four five six [[mock:dropAfterChunks=3,chunkDelayMs=50]]', sentence: SAY.cut, kept: 'interrupted', reply: /^Echo: one (two )?$/ },
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
    const { app, before } = await withHistory({ base: c.base });
    if (c.stream === false) await app.configure({ stream: false, base: c.base ?? fx.mock.url });
    const start = c.stream === false ? await app.dump() : before;
    if (c.idle) await app.setIdleTimeout(c.idle);
    if (c.fault) fx.mock.setFault(c.fault);
    await app.say(c.prompt);
    if (c.stop) {
      // Stop once the request is out and the reply has begun (its role chunk arrived).
      await app.stopButton.waitFor();
      while (!fx.mock.requests.some((r) => r.status === 200)) await app.page.waitForTimeout(25);
      await app.stopButton.click();
    }
    if (c.sentence) {
      await waitText(app.noticeText, c.sentence);
    } else {
      // No sentence to wait for: wait for the exchange to be stored complete.
      await app.dumpUntil((d) => d.messages.length === start.messages.length + 1 && d.messages.at(-1).status === 'complete', 'the finished exchange');
      await waitText(app.sendButton, 'Send');
      assert.equal(await app.notice.count(), 0);
    }
    if (c.shot) await app.screenshot(c.shot);
    await app.sendButton.waitFor();
    const after = await app.dump();
    assertPriorKept(start, after);
    assert.deepEqual(ledgerProblems(after), []);
    const added = after.messages.filter((m) => !start.messages.some((o) => o.message_id === m.message_id));
    if (c.kept === 'box') {
      assert.equal(await app.input.inputValue(), c.prompt);
      assert.deepEqual(added, []);
      assert.deepEqual(after.users, start.users, 'nothing debited');
    } else {
      assert.equal(added.length, 1);
      const [m] = added;
      assert.equal(m.prompt, c.prompt);
      assert.equal(await app.input.inputValue(), '');
      if (c.kept === 'interrupted') {
        assert.deepEqual([m.status, m.debit_kind], ['interrupted', 'estimated']);
        assert.match(m.completion, c.reply);
        assert.ok(m.total > 0, 'what was consumed is debited');
        await app.waitReply(m.completion.trim());
        await waitText(app.replyNote, /Stopped early/);
      } else {
        assert.deepEqual([m.status, m.debit_kind], ['complete', 'exact']);
        assert.equal(m.completion.length, 1024 * 1024);
        const shown = await app.reply.innerText();
        assert.equal(shown.trim(), m.completion.trim(), 'the whole reply is on screen');
      }
    }
    await waitText(app.balance, `${after.users[0].num_token.toLocaleString('en-US')} tokens`);
    // The configured endpoint is the one other place requests may go.
    await app.assertClean(app.problems.filter((p) => !(c.base && p.startsWith(`request to ${c.base}/`))));
    await app.close();
  });
}

// Guards against a send while offline failing without saying why, losing the prompt, or
// the app not sending again once the connection is back.
test(row('provider', 'browser offline, then back online'), async () => {
  const { app, before } = await withHistory();
  await app.context.setOffline(true);
  await waitText(app.offlineNotice, SAY.offlineLine);
  await app.say('sent while offline');
  await waitText(app.noticeText, SAY.offline);
  await app.screenshot('fault-offline');
  assert.equal(await app.input.inputValue(), 'sent while offline');
  assert.deepEqual(await app.dump(), before);
  await app.context.setOffline(false);
  await app.offlineNotice.waitFor({ state: 'detached' });
  await app.input.press('Enter');
  await app.waitReply('Echo: sent while offline');
  const after = await app.dump();
  assertPriorKept(before, after);
  assert.equal(after.messages.length, 2);
  assert.deepEqual(ledgerProblems(after), []);
  await app.assertClean();
  await app.close();
});

// Guards against losing a reply (and its cost) when the tab is closed while it streams: what
// arrived was saved as it came, and a new tab shows it as an interrupted, debited exchange.
test(row('provider', 'tab closed mid-stream'), async () => {
  const { app, before } = await withHistory();
  const words = Array.from({ length: 60 }, (_, i) => `c${i}`).join(' ');
  await app.say(`${words} [[mock:chunkDelayMs=100]]`);
  const saved = await app.dumpUntil((d) => d.messages.length === 2 && d.messages[1].completion.includes('c3'), 'the streaming reply saved');
  assert.deepEqual(app.problems, []);
  await app.page.close();
  // A new tab of the same profile, looked at without watching.
  const next = await fx.open({ context: app.context, watch: [], ready: null });
  await next.waitReply(/^Echo: c0 c1 c2 c3/);
  await waitText(next.replyNote, /Stopped early/);
  const after = await next.dump();
  assertPriorKept(before, after);
  const [m] = after.messages.slice(1);
  assert.deepEqual([after.messages.length, m.status, m.debit_kind], [2, 'interrupted', 'estimated']);
  assert.ok(m.completion.startsWith(saved.messages[1].completion.trimEnd()), 'nothing saved was lost');
  assert.ok(!m.completion.includes('c59'), 'the stream was cut by the close');
  assert.ok(m.total > m.prompt_tokens, `debited ${m.total} for prompt ${m.prompt_tokens} and the partial reply`);
  assert.deepEqual(ledgerProblems(after), []);
  await next.waitBalance(`${after.users[0].num_token.toLocaleString('en-US')} tokens`);
  await app.close();
});

// Guards against the new sentences (offline, timeout, blocked upgrade, updated elsewhere)
// staying English for a Japanese user.
test(row('provider', 'the same sentences in Japanese: offline, idle timeout'), async () => {
  const { app, before } = await withHistory();
  await app.languageButton.click();
  await app.waitBalance('5,086 トークン');
  await app.setIdleTimeout(2000);
  await app.say('wait [[mock:hang]]');
  await waitText(app.noticeText, 'プロバイダーから 2 秒間何も届かなかったため、待つのをやめました。届いた部分は残してあります。もう一度送ると再試行できます。');
  assert.equal(await app.input.inputValue(), 'wait [[mock:hang]]');
  await app.context.setOffline(true);
  await waitText(app.offlineNotice, 'オフラインです。チャットはすべて残っています。このコンピューター上のモデルには送れます。ほかのモデルには接続が戻れば送れます。');
  await app.input.press('Enter');
  await waitText(app.noticeText, 'このブラウザーはオフラインのため、メッセージを送りませんでした。入力欄に残してあるので、接続が戻ったらもう一度送ってください。');
  await app.screenshot('fault-offline-ja');
  await app.context.setOffline(false);
  const after = await app.dump();
  assert.deepEqual(after.messages, before.messages);
  assert.deepEqual(after.users, before.users);
  assert.deepEqual(ledgerProblems(after), []);
  await app.assertClean();
  await app.close();
});

// ------------------------------------------------------------------ storage faults

const UPDATED = 'pocket-chat was updated in another tab. Reload this page to keep working; nothing you saved is lost.';

// Guards against a page that hangs blank while an old tab blocks the schema upgrade, that
// does not go on once the tab is closed, or loses the old version's records in the upgrade.
test(row('storage', 'upgrade blocked by an old tab'), async () => {
  const v1 = await version1Records();
  const context = await fx.newContext();
  // The old tab: schema version 1 (as tests/fixtures/schema_v1.rs), with its records, and
  // no versionchange handler, as an old build had.
  const old = await context.newPage();
  await old.goto(`${fx.site.url}old-tab`);
  await openVersion1(old, v1);
  const app = await fx.open({ context, ready: false });
  await waitText(app.noticeText, BLOCKED);
  await app.screenshot('fault-upgrade-blocked');
  // Closing the old tab lets the upgrade run; the page goes on by itself.
  const after = await closeAndUpgrade(app, old, v1);
  const shown = after.users.find((u) => u.user_id === after.settings.find((s) => s.key === 'current_user')?.value);
  await waitText(app.balance, `${shown.num_token.toLocaleString('en-US')} tokens`);
  await app.assertClean();
  await app.close();
});

// Guards against a reply that cannot be saved (storage full) failing silently, half-writing
// (a debit without its exchange), or losing the prompt. Chromium's quota override does not
// apply to test profiles, so IndexedDB writes are made to fail as a full quota fails them.
test(row('storage', 'storage full when a reply is saved'), async () => {
  const context = await fx.newContext({ quotaSwitch: true });
  const app = await fx.open({ context });
  await app.configure();
  await app.topUp(5000);
  await app.say('first message');
  await app.waitReply('Echo: first message');
  const before = await app.settledDump();
  await app.fillStorage(true);
  await app.say('one two three four five six seven [[mock:chunkDelayMs=200]]');
  await waitText(app.noticeText, "The browser's storage for pocket-chat is full. Export and delete old threads, or free disk space, then try again. Nothing was changed.");
  assert.equal(await app.input.inputValue(), 'one two three four five six seven [[mock:chunkDelayMs=200]]');
  await app.fillStorage(false);
  const after = await app.dump();
  assert.deepEqual(after, before);
  assert.deepEqual(ledgerProblems(after), []);
  await waitText(app.balance, `${after.users[0].num_token.toLocaleString('en-US')} tokens`);
  await app.assertClean();
  await app.close();
});

// Guards against this tab blocking a newer version opened in another tab (the other tab
// would hang), and against this tab carrying on silently with a closed database.
test(row('storage', 'a newer version opened in another tab is not blocked by this one'), async () => {
  const app = await fx.open();
  await app.say('/balance');
  await app.waitAnswer(/100 tokens/);
  const before = await app.dump();
  const newer = await app.context.newPage();
  await newer.goto(`${fx.site.url}new-tab`);
  // One above the version this build opens, whatever that is.
  const current = await newer.evaluate(() => new Promise((ok) => {
    const req = indexedDB.open('pocket-chat');
    req.onsuccess = () => { req.result.close(); ok(req.result.version); };
  }));
  const outcome = await newer.evaluate((version) => new Promise((ok) => {
    const req = indexedDB.open('pocket-chat', version);
    req.onblocked = () => ok('blocked');
    req.onsuccess = () => { req.result.close(); ok('opened'); };
    req.onerror = () => ok(`error ${req.error}`);
  }), current + 1);
  assert.equal(outcome, 'opened');
  await waitText(app.noticeText, UPDATED);
  // Sending now keeps the prompt and says the same.
  await app.dismissNotice.click();
  await app.say('after the update');
  await waitText(app.noticeText, UPDATED);
  assert.equal(await app.input.inputValue(), 'after the update');
  const after = await dumpDb(newer);
  for (const store of ['users', 'payments', 'threads', 'messages', 'settings']) assert.deepEqual(after[store], before[store]);
  // This (older) page reloaded meets the newer database: the same sentence, not a raw error.
  await app.reload();
  await waitText(app.noticeText, UPDATED);
  await app.assertClean();
  await app.close();
});

// ------------------------------------------------------------------ bad input

const HINT = 'Type a whole number from 1 to 1,000,000,000,000, like 残高を加える 5000.';

/** Typed top-ups: the answer under the thread, and the tokens it adds (0: none, nothing stored). */
const TOP_UPS = [
  ['/topup 0', `“0” is less than 1 token. ${HINT}`, 0],
  ['/topup -5', `“-5” is less than 1 token. ${HINT}`, 0],
  ['/topup abc', `“abc” is not a whole number of tokens. ${HINT}`, 0],
  ['/topup 1.5', `“1.5” is not a whole number of tokens. ${HINT}`, 0],
  ['/topup 99999999999999999999', `“99999999999999999999” is more than 1,000,000,000,000 tokens. ${HINT}`, 0],
  ['残高を加える １０００', 'Added 1,000 tokens. Balance: 1,100 tokens.', 1000],
];
for (const [typed, answer, adds] of TOP_UPS) {
  // Guards against a nonsense amount reaching the ledger, a refusal without a sentence, and
  // full-width digits (a Japanese IME's default) being refused.
  test(row('input', `top-up “${typed}”`), async () => {
    const app = await fx.open();
    const before = await app.dump();
    await app.say(typed);
    await app.waitAnswer(answer);
    const after = adds ? await app.dumpUntil((d) => d.payments.length === 2, 'the top-up') : await app.dump();
    if (adds) {
      assertPriorKept(before, after);
      assert.deepEqual(after.payments.at(-1).charged_token, adds);
      await waitText(app.balance, `${(100 + adds).toLocaleString('en-US')} tokens`);
    } else {
      assert.deepEqual(after, before);
    }
    assert.deepEqual(ledgerProblems(after), []);
    await app.assertClean();
    await app.close();
  });
}

// Guards against an amount paid that is not a number being stored in a payment.
test(row('input', 'top-up form: amount paid “abc”'), async () => {
  const app = await fx.open();
  const before = await app.dump();
  await app.say('/topup');
  await app.submitTopUp({ tokens: '100', amount: 'abc' });
  await waitText(app.topUpProblem, 'The amount paid must be a number of 0 or more, or left empty.');
  assert.equal(await app.topUpAmount.inputValue(), 'abc');
  assert.deepEqual(await app.dump(), before);
  await app.assertClean();
  await app.close();
});

// Guards against empty or blank messages being sent, stored or charged.
test(row('input', 'empty and whitespace-only messages'), async () => {
  const { app } = await withHistory();
  const before = await app.dump();
  for (const blank of ['', '   ', '\n\n\t ']) {
    await app.input.fill(blank);
    assert.equal(await app.sendButton.isDisabled(), true);
    await app.input.press('Enter');
    assert.equal(await app.input.inputValue(), blank);
  }
  assert.deepEqual(await app.dump(), before);
  assert.equal(fx.chats('openai').length, 1);
  await app.assertClean();
  await app.close();
});

// Guards against a huge paste being sent (and charged) when no model takes it, or the
// paste being lost from the box when it is refused.
test(row('input', 'a 1 MB paste'), async () => {
  const { app, before } = await withHistory();
  const paste = 'lorem ipsum dolor sit amet '.repeat(40_000).slice(0, 1024 * 1024);
  await app.input.fill(paste);
  await app.input.press('Enter');
  await waitText(app.noticeText, /^This message is too long for gpt-4o-mini \(about [\d,]+ tokens; the model takes [\d,]+ besides its reply\)\. Shorten it or split it\.$/);
  assert.equal((await app.input.inputValue()).length, paste.length);
  assert.deepEqual(await app.dump(), before);
  assert.equal(fx.chats('openai').length, 1, 'nothing was sent');
  await app.assertClean();
  await app.close();
});

// Guards against control characters or a lone surrogate crashing the page, breaking the
// request body, or being stored as something else than what was sent.
test(row('input', 'control characters and a lone surrogate'), async () => {
  const { app, before } = await withHistory();
  const typed = 'bell\u0007 esc\u001b[31m nul\u0000 del\u007f rtl\u202e lone\ud800 end';
  await app.say(typed);
  const after = await app.dumpUntil((d) => d.messages.length === 2 && d.messages[1].status === 'complete', 'the exchange');
  const [req] = fx.chats('openai').slice(-1);
  // What the box holds (a textarea may normalise some characters), with the lone surrogate,
  // which is not Unicode, as U+FFFD (the replacement character).
  const boxed = await app.page.evaluate((t) => { const el = document.createElement('textarea'); el.value = t; return el.value; }, typed);
  const want = boxed.replace('\ud800', '\ufffd');
  assert.ok(want.includes('\u0007') && want.includes('\u202e') && want.includes('\ufffd'), JSON.stringify(want));
  assert.equal(req.body.messages.at(-1).content, want);
  assert.equal(after.messages[1].prompt, want);
  assert.equal(after.messages[1].completion, `Echo: ${want}`);
  assertPriorKept(before, after);
  assert.deepEqual(ledgerProblems(after), []);
  await app.assertClean();
  await app.close();
});

const BAD_URLS = ['not a url', 'ftp://example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'http://', 'https://user:pw@example.com'];
for (const url of BAD_URLS) {
  // Guards against saving an endpoint the app could never call (or one that runs script).
  test(row('input', `endpoint URL “${url}”`), async () => {
    const app = await fx.open();
    const before = await app.dump();
    await app.openSettings();
    await app.apiKey.fill('sk-test');
    await app.baseUrl.fill(url);
    await app.saveSettingsButton.click();
    await waitText(app.settingsResult, `“${url}” is not a web address. Enter one that starts with https:// (or http:// for a server on this computer).`);
    assert.deepEqual(await app.dump(), before);
    assert.equal(await app.notice.count(), 0, 'nothing said "saved"');
    await app.assertClean();
    await app.close();
  });
}

/** `n` bytes of noise, the same on every run (a linear congruential generator). */
function noise(n) {
  const bytes = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    bytes[i] = x >> 16;
  }
  return bytes;
}

const BAD_FILES = [
  ['random bytes', noise(4096), /^This file is not valid JSON \(line \d+, column \d+\); it may be cut short\. Nothing was imported\.$/],
  ['a JSON array', '[1,2,3]', 'This file is not a pocket-chat export. Nothing was imported.'],
  ['a balance minted without payments', JSON.stringify({
    format: 'pocket-chat-export', version: 1, exported_at: 0,
    users: [{ user_id: 'mallory', display_name: 'M', num_token: 1000000, is_charged_once: true, model: 'gpt-4o', models: ['gpt-4o', 'gpt-4o-mini'], created_at: 0, updated_at: 0 }],
    payments: [], threads: [], messages: [], settings: [],
  }), 'This export is damaged: user mallory has a balance of 1000000 tokens but a history that gives 0. Nothing was imported.'],
  ['a message in another user’s thread', JSON.stringify({
    format: 'pocket-chat-export', version: 1, exported_at: 0,
    users: [{ user_id: 'a', display_name: 'A', num_token: 100, is_charged_once: false, model: 'm', models: ['m', 'n'], created_at: 0, updated_at: 0 }],
    payments: [{ payment_id: 1, user_id: 'a', amount: 0, charged_token: 100, created_at: 0 }],
    threads: [], messages: [{ message_id: 1, thread_id: 99, user_id: 'a', prompt: 'p', completion: 'c', total: 0, prompt_tokens: 0, completion_tokens: 0, debit_kind: 'exact', model: 'm', status: 'complete', created_at: 0 }],
    settings: [],
  }), /^This export is damaged: message 1 belongs to thread 99, which is not in the file or belongs to another user\. Nothing was imported\.$/],
];
for (const [what, content, sentence] of BAD_FILES) {
  // Guards against a bad or hostile file changing anything, or failing without a sentence.
  test(row('input', `import file: ${what}`), async () => {
    const app = await fx.open();
    const before = await app.dump();
    const file = join(SCREENSHOTS, '..', `import-${what.replace(/\W+/g, '-')}.json`);
    await writeFile(file, content);
    await app.openData();
    await app.chooseImport(file);
    await waitText(app.noticeText, sentence);
    assert.equal(await app.importConfirm.count(), 0);
    assert.deepEqual(await app.dump(), before);
    await app.assertClean();
    await app.close();
  });
}

// ------------------------------------------------------------------ untrusted model output

/** Each payload, if it worked, would set window.__pwned, open a dialog or load evil.example. */
const XSS = [
  '<script>window.__pwned=1</script>',
  '<script src="https://evil.example/x.js"></script>',
  '<img src=x onerror="window.__pwned=2">',
  '<img src="https://evil.example/p.png">',
  '<svg onload="window.__pwned=3"><circle r="1"/></svg>',
  '<svg><script>window.__pwned=4</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=5">',
  '<iframe src="https://evil.example/"></iframe>',
  '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>',
  '<object data="https://evil.example/x.swf"></object>',
  '<embed src="https://evil.example/x.swf">',
  '<a href="javascript:window.__pwned=7">click</a>',
  '<a href="JaVaScRiPt:alert(8)">click</a>',
  '[md link](javascript:window.__pwned=9)',
  '[md link spaced](  javascript:alert(10)  )',
  '[entity link](&#106;avascript:window.__pwned=11)',
  '[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xMzwvc2NyaXB0Pg==)',
  '[vbscript link](vbscript:msgbox(14))',
  '![image](https://evil.example/track.png)',
  '![image quote](x" onerror="window.__pwned=15)',
  '![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '[ref link][r]\n\n[r]: javascript:window.__pwned=16',
  '<javascript:window.__pwned=17>',
  '<details open ontoggle="window.__pwned=18">x</details>',
  '<body onload="window.__pwned=19">',
  '<input autofocus onfocus="window.__pwned=20">',
  '<video src=x onerror="window.__pwned=21"></video>',
  '<audio src=x onerror="alert(22)"></audio>',
  '<style>@import "https://evil.example/x.css"; body{background:url(https://evil.example/bg.png)}</style>',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<base href="https://evil.example/">',
  '<form action="https://evil.example/"><button>go</button></form>',
  '<div style="background:url(https://evil.example/bg.png)">styled</div>',
  '&lt;script&gt;window.__pwned=23&lt;/script&gt;',
  '&#60;img src=x onerror=window.__pwned=24&#62;',
  '`<script>window.__pwned=25</script>` in code',
  '```html\n<script>window.__pwned=26</script>\n```',
  '<scr<script>ipt>window.__pwned=27</scr</script>ipt>',
  '<a href="https://ok.example/" onclick="window.__pwned=28">ok</a>',
  '"><script>window.__pwned=29</script>',
  '<noscript><p title="</noscript><img src=x onerror=window.__pwned=30>">',
  '<template><script>window.__pwned=31</script></template>',
  '<isindex type=image src=1 onerror=alert(32)>',
];

/** Whatever in `reply` could run script or load something. */
function activeContent(root) {
  const found = [];
  for (const el of root.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'img', 'svg', 'math', 'style', 'link', 'meta', 'base', 'form', 'input', 'video', 'audio', 'template', 'details', 'body', 'noscript'].includes(tag)) found.push(`<${tag}>`);
    for (const a of el.attributes) {
      if (/^on/i.test(a.name) || a.name === 'style' || a.name === 'srcdoc' || a.name === 'src') found.push(`${tag}[${a.name}]`);
      if (a.name === 'href' && !/^https?:\/\//i.test(a.value)) found.push(`${tag}[href=${a.value}]`);
    }
  }
  return found;
}

// Guards against model output running script, opening a dialog or loading anything.
test(row('output', `XSS corpus of ${XSS.length} payloads as a model reply`), async () => {
  const { app } = await withHistory();
  await app.say(XSS.join('\n\n'));
  const reply = app.reply;
  await waitText(reply, /^Echo: <script>window\.__pwned=1<\/script>/);
  assert.deepEqual(await reply.evaluate(activeContent), []);
  // Rendered again from storage, as after a reload.
  await app.reload();
  await app.waitReply(/window\.__pwned=31/);
  assert.deepEqual(await app.reply.evaluate(activeContent), []);
  await app.screenshot('fault-xss-corpus', { fullPage: true });
  await app.assertClean();
  await app.close();
});

// ------------------------------------------------------------------ Content-Security-Policy

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-src 'none'; connect-src 'self' http: https:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src 'self'; manifest-src 'self'";

// Guards against a build without the policy, a loader left inline (the app would not start
// under the policy), a policy the app breaks while it loads and chats, and a policy that
// lets injected script run.
test(row('output', 'Content-Security-Policy: in every build, no violations, inline script blocked'), async () => {
  for (const dir of [DIST, DIST_E2E, join(ROOT, 'target/dist-subpath')]) {
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
    if (html === null && dir !== DIST_E2E) continue; // a targeted run may not have built it
    const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(metas, [CSP], `${dir}/index.html`);
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]) || m[2].trim());
    assert.deepEqual(inline.map((m) => m[0]), [], `${dir}/index.html has inline script`);
  }
  const { app } = await withHistory();
  // The app loaded and chatted (withHistory); now someone injects script into the page.
  await app.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__pwned = "inline"';
    document.head.append(s);
    // A string run as code later, outside this evaluation (which DevTools lets eval).
    setTimeout('window.__pwned = "eval"', 0);
  });
  let flags;
  const deadline = Date.now() + 10_000;
  do {
    flags = await app.page.evaluate(() => ({ pwned: window.__pwned ?? null, violations: window.__violations ?? [] }));
    if (flags.violations.length >= 2) break;
    await app.page.waitForTimeout(25);
  } while (Date.now() < deadline);
  assert.equal(flags.pwned, null);
  assert.deepEqual(flags.violations.map((v) => v.split(' ')[1]).sort(), ['eval', 'inline']);
  // The two blocked attempts are the only complaints.
  assert.equal(app.problems.filter((p) => /violates the following Content Security Policy/.test(p)).length, 2);
  assert.deepEqual(app.problems.filter((p) => !/violates the following Content Security Policy/.test(p)), []);
  await app.close();
});

// ------------------------------------------------------------------ README

// Guards against README's "Reliability" table drifting from what is tested: its rows for
// this file are exactly the cases above, every other row names a test of its file, every
// row says 0 records lost, and the count above the table is the number of rows.
test('README: the Reliability table lists exactly the cases tried', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Reliability\n')[1]?.split('\n## ')[0];
  assert.ok(section, 'README has a Reliability section');
  const table = section.split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => l.slice(2, -2).split(' | '));
  assert.deepEqual(table.map(([n]) => Number(n)), table.map((_, i) => i + 1), 'rows are numbered 1..N');
  const mine = table.filter((cells) => cells[6] === 'e2e/fault.test.mjs').map(([, area, name]) => [area, name]);
  assert.deepEqual(mine, ROWS);
  for (const [, , name, , , lost, file] of table) {
    assert.equal(lost, '0', `${name}: records lost`);
    if (file === 'e2e/fault.test.mjs') continue;
    const source = await readFile(join(ROOT, file), 'utf8');
    assert.ok(source.includes(`test('${name}'`), `${file} has no test '${name}'`);
  }
  assert.match(section, new RegExp(`\\*\\*${table.length} cases tried, 0 records lost\\.\\*\\*`));
});
