// Storage and the token ledger as a person meets them: the balance in view, data that
// survives reloads, two tabs, export and import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, DIST_E2E, SCREENSHOTS, ledgerProblems, stored } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

// The release build, and (`hooked`) the build with the test hooks. A page that logs a
// console error, throws, or has a request fail or answered with an HTTP error is broken
// even if it looks fine.
const fx = fixture({
  dist: DIST,
  sites: { hooked: DIST_E2E },
  context: { viewport: { width: 1100, height: 760 }, colorScheme: 'light' },
  watch: ['consoleErrors', 'pageErrors', 'failedRequests', 'httpErrors'],
});
const hooked = () => fx.sites.hooked.url;

// Guards against a first visit without the 100-token bonus, or a bonus not in the ledger,
// or a user that is not the same after a reload.
test('a first visit gets a user with 100 tokens that survives a reload', async () => {
  const app = await fx.open();
  const dump = await app.dump();
  assert.equal(dump.users.length, 1);
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token, p.user_id]), [[0, 100, dump.users[0].user_id]]);
  assert.deepEqual(dump.meta.filter((m) => m.key === 'schema').map((m) => [m.key, m.version]), [['schema', 5]]);
  await app.reload();
  await app.waitBalance('100 tokens');
  assert.deepEqual((await app.dump()).users, dump.users);
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against lost or doubled debits when two tabs debit one user at the same time,
// and against a tab that keeps showing a stale balance.
test('two pages racing 50 debits each end with the exact balance on both screens', async () => {
  const context = await fx.newContext();
  const a = await fx.open({ context, url: hooked() });
  const b = await fx.open({ context, url: hooked() });

  await a.topUp(10000);
  await b.waitBalance('10,100 tokens');

  const [lastA, lastB] = await Promise.all([a.debit(50, 3), b.debit(50, 7)]);
  const want = 10100 - 50 * 3 - 50 * 7;
  assert.ok(Math.min(lastA, lastB) === want, `the later of the two ends at ${want}: ${lastA}, ${lastB}`);
  await a.waitBalance('9,600 tokens');
  await b.waitBalance('9,600 tokens');
  const dump = await a.dump();
  assert.equal(dump.messages.length, 100);
  assert.equal(dump.users[0].num_token, want);
  assert.deepEqual(ledgerProblems(dump), []);
  await context.close();
});

// Guards against an export that cannot be imported into a fresh browser as it was.
test('export everything, import into an empty browser with Replace: same records', async () => {
  const app = await fx.open({ url: hooked() });
  await app.topUp(2500);
  await app.debit(4, 11);
  await app.waitBalance('2,556 tokens');
  const original = await app.dump();

  await app.openData();
  const file = await app.exportAll(join(SCREENSHOTS, '..', 'export.json'));
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.format, 'pocket-chat-export');
  assert.deepEqual(exported.users, original.users);
  await waitText(app.notice, /Exported 1 user, 1 thread and 4 messages/);
  await app.screenshot('data-panel-exported');
  await app.close();

  const fresh = await fx.open();
  await fresh.openData();
  await fresh.chooseImport(file);
  await waitText(fresh.importConfirm, /1 user, 1 thread, 4 messages and 2 payments/);
  await fresh.screenshot('data-panel-import-confirm');
  await fresh.confirmImportReplace();
  await waitText(fresh.notice, /Imported 1 user, 1 thread, 4 messages and 2 payments/);
  await fresh.waitBalance('2,556 tokens');
  const after = await fresh.dump();
  for (const store of ['users', 'payments', 'threads', 'messages']) {
    assert.deepEqual(stored(after[store]), stored(original[store]), `store ${store} differs after the round trip`);
  }
  assert.deepEqual(fresh.problems, []);
  await fresh.close();
});

// Guards against an export file's own HTML reaching the page: a reply's `html` in the
// file (a style that repaints the page, a link posing as the reply) is never stored; the
// reply shows as its Markdown formats here.
test('an import file whose reply carries its own HTML shows the reply, never that HTML', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('**hello** there');
  await app.waitReply('Echo: hello there');
  await app.openData();
  const file = await app.exportAll(join(SCREENSHOTS, '..', 'export-html.json'));
  await app.close();
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.messages.length, 1);
  exported.messages[0].html = '<style>body{background:red !important}</style><a href="https://evil.example/" data-injected>Session expired: sign in again</a>';
  const injected = join(SCREENSHOTS, '..', 'export-html-injected.json');
  await writeFile(injected, JSON.stringify(exported));

  const fresh = await fx.open();
  const background = () => fresh.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const before = await background();
  await fresh.openData();
  await fresh.chooseImport(injected);
  await fresh.confirmImportReplace();
  await waitText(fresh.notice, /Imported 1 user, 1 thread, 1 message/);
  for (const when of ['after the import', 'after a reload']) {
    if (when === 'after a reload') await fresh.reload();
    await fresh.openThread('**hello** there');
    await waitText(fresh.reply, 'Echo: hello there');
    // Formatted here from the Markdown: the bold is the app's own <strong>.
    await fresh.reply.locator('strong').waitFor();
    assert.equal(await fresh.page.locator('[data-injected], a[href^="https://evil"]').count(), 0, when);
    assert.equal(await background(), before, `the file's style repainted the page ${when}`);
    assert.equal(await fresh.threadStyles.count(), 0, when);
  }
  await fresh.screenshot('import-html-refused');
  assert.ok((await fresh.dump()).messages.every((m) => !m.html.includes('evil.example')));
  assert.deepEqual(fresh.problems, []);
  await fresh.close();
});

// Guards against a bad file changing anything, or failing without a sentence.
test('a damaged import file is refused with a sentence and changes nothing', async () => {
  const app = await fx.open();
  const before = await app.dump();
  await app.openData();
  const bad = join(SCREENSHOTS, '..', 'bad-export.json');
  await writeFile(bad, '{"format":"pocket-chat-export","version":1,"users":[{"user_id":');
  await app.chooseImport(bad);
  await waitText(app.notice, /not valid JSON .*Nothing was imported\./);
  assert.equal(await app.importConfirm.count(), 0);
  await app.screenshot('data-panel-bad-import');
  assert.deepEqual(await app.dump(), before);
  await app.waitBalance('100 tokens');
  await app.close();
});

// Guards against a blank or crashing page where IndexedDB is missing (some private
// windows): the user must be told, in a sentence, what to do.
test('without IndexedDB the page says so and still takes input', async () => {
  const context = await fx.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  const app = await fx.open({ context, ready: null });
  await waitText(app.notice, /does not let pocket-chat store data .*Open pocket-chat in a normal window/);
  await app.input.fill('still here');
  // Nothing can be sent or stored, and the typed text stays in the box.
  await app.dismissNotice.click();
  await app.notice.waitFor({ state: 'detached' });
  await app.input.press('Enter');
  await waitText(app.notice, /does not let pocket-chat store data/);
  assert.equal(await app.input.inputValue(), 'still here');
  await app.close();
});

// Guards against a full storage quota failing silently or half-writing. Chromium's quota
// override does not apply to test profiles, so the test makes IndexedDB writes fail the way
// a full quota does: with a QuotaExceededError DOMException.
test('a full storage quota is reported as a sentence and writes nothing', async () => {
  const context = await fx.newContext({ quotaSwitch: true });
  const app = await fx.open({ context, url: hooked() });
  const before = await app.dump();
  await app.fillStorage(true);
  const refused = await app.page.evaluate(() => window.wasmBindings.e2e_top_up(500).then(() => 'stored', (e) => String(e)));
  assert.match(refused, /storage for pocket-chat is full\. .*Nothing was changed\./);
  const file = join(SCREENSHOTS, '..', 'small-import.json');
  await writeFile(file, JSON.stringify({ format: 'pocket-chat-export', version: 1, exported_at: 0, users: [], payments: [], threads: [], messages: [], settings: [{ key: 'theme', value: 'dark' }] }));
  await app.openData();
  await app.chooseImport(file);
  // Reading the file started the data worker (which does the import): its writes fail too.
  await app.importConfirm.waitFor();
  await app.fillStorage(true);
  await app.confirmImportMerge();
  await waitText(app.notice, /storage for pocket-chat is full\. .*Nothing was changed\./);
  await app.screenshot('quota-full');
  await app.fillStorage(false);
  assert.deepEqual(await app.dump(), before);
  await app.waitBalance('100 tokens');
  await app.close();
});
