// Storage and the token ledger as a person meets them: the balance in view, data that
// survives reloads, two tabs, export and import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, DIST_E2E, SCREENSHOTS, dumpDb, launchBrowser, ledgerProblems, openPage, serveStatic, waitText } from './support.mjs';

let browser;
let site;
let hooked;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST);
  hooked = await serveStatic(DIST_E2E);
  await mkdir(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await site?.close();
  await hooked?.close();
  await browser?.close();
});

const balance = (page) => page.getByTestId('balance');

// Guards against a first visit without the 100-token bonus, or a bonus not in the ledger,
// or a user that is not the same after a reload.
test('a first visit gets a user with 100 tokens that survives a reload', async () => {
  const { page, context, problems } = await openPage(browser, site.url);
  await waitText(balance(page), '100 tokens');
  const dump = await dumpDb(page);
  assert.equal(dump.users.length, 1);
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token, p.user_id]), [[0, 100, dump.users[0].user_id]]);
  assert.deepEqual(dump.meta.map((m) => [m.key, m.version]), [['schema', 2]]);
  await page.reload();
  await waitText(balance(page), '100 tokens');
  assert.deepEqual((await dumpDb(page)).users, dump.users);
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against lost or doubled debits when two tabs debit one user at the same time,
// and against a tab that keeps showing a stale balance.
test('two pages racing 50 debits each end with the exact balance on both screens', async () => {
  const context = await browser.newContext();
  const a = await context.newPage();
  await a.goto(hooked.url);
  await waitText(balance(a), '100 tokens');
  const b = await context.newPage();
  await b.goto(hooked.url);
  await waitText(balance(b), '100 tokens');

  await a.evaluate(() => window.wasmBindings.e2e_top_up(10000));
  await waitText(balance(b), '10,100 tokens');

  const [lastA, lastB] = await Promise.all([
    a.evaluate(() => window.wasmBindings.e2e_debit(50, 3)),
    b.evaluate(() => window.wasmBindings.e2e_debit(50, 7)),
  ]);
  const want = 10100 - 50 * 3 - 50 * 7;
  assert.ok(Math.min(lastA, lastB) === want, `the later of the two ends at ${want}: ${lastA}, ${lastB}`);
  await waitText(balance(a), '9,600 tokens');
  await waitText(balance(b), '9,600 tokens');
  const dump = await dumpDb(a);
  assert.equal(dump.messages.length, 100);
  assert.equal(dump.users[0].num_token, want);
  assert.deepEqual(ledgerProblems(dump), []);
  await context.close();
});

// Guards against an export that cannot be imported into a fresh browser as it was.
test('export everything, import into an empty browser with Replace: same records', async () => {
  const { page, context } = await openPage(browser, hooked.url);
  await waitText(balance(page), '100 tokens');
  await page.evaluate(() => window.wasmBindings.e2e_top_up(2500));
  await page.evaluate(() => window.wasmBindings.e2e_debit(4, 11));
  await waitText(balance(page), '2,556 tokens');
  const original = await dumpDb(page);

  await page.getByTestId('data-button').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
  const file = join(SCREENSHOTS, '..', 'export.json');
  await download.saveAs(file);
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.format, 'pocket-chat-export');
  assert.deepEqual(exported.users, original.users);
  await waitText(page.getByTestId('notice'), /Exported 1 user, 1 thread and 4 messages/);
  await page.screenshot({ path: join(SCREENSHOTS, 'data-panel-exported.png') });
  await context.close();

  const fresh = await openPage(browser, site.url);
  await waitText(balance(fresh.page), '100 tokens');
  await fresh.page.getByTestId('data-button').click();
  await fresh.page.getByTestId('import-file').setInputFiles(file);
  await waitText(fresh.page.getByTestId('import-confirm'), /1 user, 1 thread, 4 messages and 2 payments/);
  await fresh.page.screenshot({ path: join(SCREENSHOTS, 'data-panel-import-confirm.png') });
  await fresh.page.getByTestId('import-replace').click();
  await waitText(fresh.page.getByTestId('notice'), /Imported 1 user, 1 thread, 4 messages and 2 payments/);
  await waitText(balance(fresh.page), '2,556 tokens');
  const after = await dumpDb(fresh.page);
  for (const store of ['users', 'payments', 'threads', 'messages']) {
    assert.deepEqual(after[store], original[store], `store ${store} differs after the round trip`);
  }
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

// Guards against a bad file changing anything, or failing without a sentence.
test('a damaged import file is refused with a sentence and changes nothing', async () => {
  const { page, context } = await openPage(browser, site.url);
  await waitText(balance(page), '100 tokens');
  const before = await dumpDb(page);
  await page.getByTestId('data-button').click();
  const bad = join(SCREENSHOTS, '..', 'bad-export.json');
  await writeFile(bad, '{"format":"pocket-chat-export","version":1,"users":[{"user_id":');
  await page.getByTestId('import-file').setInputFiles(bad);
  await waitText(page.getByTestId('notice'), /not valid JSON .*Nothing was imported\./);
  assert.equal(await page.getByTestId('import-confirm').count(), 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'data-panel-bad-import.png') });
  assert.deepEqual(await dumpDb(page), before);
  await waitText(balance(page), '100 tokens');
  await context.close();
});

// Guards against a blank or crashing page where IndexedDB is missing (some private
// windows): the user must be told, in a sentence, what to do.
test('without IndexedDB the page says so and still takes input', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  const page = await context.newPage();
  await page.goto(site.url);
  await waitText(page.getByTestId('notice'), /does not let pocket-chat store data .*Open pocket-chat in a normal window/);
  await page.getByTestId('composer-input').fill('still here');
  // Nothing can be sent or stored, and the typed text stays in the box.
  await page.getByTestId('notice').getByRole('button', { name: 'Dismiss' }).click();
  await page.getByTestId('notice').waitFor({ state: 'detached' });
  await page.getByTestId('composer-input').press('Enter');
  await waitText(page.getByTestId('notice'), /does not let pocket-chat store data/);
  assert.equal(await page.getByTestId('composer-input').inputValue(), 'still here');
  await context.close();
});

// Guards against a full storage quota failing silently or half-writing. Chromium's quota
// override does not apply to test profiles, so the test makes IndexedDB writes fail the way
// a full quota does: with a QuotaExceededError DOMException.
test('a full storage quota is reported as a sentence and writes nothing', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    for (const method of ['put', 'add']) {
      const real = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function (...args) {
        if (window.__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return real.apply(this, args);
      };
    }
  });
  const page = await context.newPage();
  await page.goto(hooked.url);
  await waitText(balance(page), '100 tokens');
  const before = await dumpDb(page);
  await page.evaluate(() => { window.__quotaFull = true; });
  const refused = await page.evaluate(() => window.wasmBindings.e2e_top_up(500).then(() => 'stored', (e) => String(e)));
  assert.match(refused, /storage for pocket-chat is full\. .*Nothing was changed\./);
  const file = join(SCREENSHOTS, '..', 'small-import.json');
  await writeFile(file, JSON.stringify({ format: 'pocket-chat-export', version: 1, exported_at: 0, users: [], payments: [], threads: [], messages: [], settings: [{ key: 'theme', value: 'dark' }] }));
  await page.getByTestId('data-button').click();
  await page.getByTestId('import-file').setInputFiles(file);
  await page.getByTestId('import-merge').click();
  await waitText(page.getByTestId('notice'), /storage for pocket-chat is full\. .*Nothing was changed\./);
  await page.screenshot({ path: join(SCREENSHOTS, 'quota-full.png') });
  await page.evaluate(() => { window.__quotaFull = false; });
  assert.deepEqual(await dumpDb(page), before);
  await waitText(balance(page), '100 tokens');
  await context.close();
});
