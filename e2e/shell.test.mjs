// The app shell from the release build, used as a person would: load, type, send, read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, DIST_SUBPATH, SCREENSHOTS, serveStatic } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

// A page that logs a console error, throws, or has a request fail or answered with an
// HTTP error is broken even if it looks fine.
const fx = fixture({
  dist: DIST,
  context: { viewport: { width: 1100, height: 760 }, colorScheme: 'light' },
  watch: ['consoleErrors', 'pageErrors', 'failedRequests', 'httpErrors'],
});

const prompts = (app) => app.exchangePrompts();

// Guards against a build that serves but never starts (the WASM dying at start-up, as
// Debian's wasm-opt makes it do) or logs errors while starting.
test('the release build loads and shows the shell ready for input', async () => {
  const app = await fx.open({ ready: null });
  await app.input.waitFor();
  assert.equal(await app.appName.textContent(), 'pocket-chat');
  // A first visit opens on the welcome card; "Later" shows the empty thread behind it.
  await app.firstRun.waitFor();
  await app.firstRunLater.click();
  assert.match(await app.emptyThread.innerText(), /Start a conversation/);
  assert.equal(await app.sendButton.isDisabled(), true);
  assert.equal(await app.page.getByRole('textbox', { name: 'Message' }).count(), 1);
  await app.screenshot('shell-empty');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against a send button that loses the typed text or a composer that ignores it.
test('typing and clicking Send puts the message in the thread and empties the box', async () => {
  const app = await fx.open();
  await app.configure();
  await app.input.fill('  こんにちは、pocket-chat  ');
  assert.equal(await app.sendButton.isEnabled(), true);
  await app.sendButton.click();
  await waitText(app.replies, 'Echo: こんにちは、pocket-chat');
  assert.deepEqual(await prompts(app), ['こんにちは、pocket-chat']);
  assert.equal(await app.input.inputValue(), '');
  assert.equal(await app.emptyThread.count(), 0);
  await app.screenshot('shell-message');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against Shift+Enter sending, or Enter not sending, or whitespace being sent.
test('Enter sends, Shift+Enter adds a line, whitespace alone sends nothing', async () => {
  const app = await fx.open();
  await app.configure();
  const { input, page } = app;
  await input.click();
  const oneLine = (await input.boundingBox()).height;
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await input.inputValue(), 'first line\nsecond line');
  // The box grows with its text.
  const twoLines = (await input.boundingBox()).height;
  assert.ok(twoLines > oneLine + 10, `height ${oneLine} → ${twoLines}`);
  assert.equal(await app.exchanges.count(), 0);
  await page.keyboard.press('Enter');
  await waitText(app.replies, 'Echo: first line\nsecond line');
  assert.deepEqual(await prompts(app), ['first line\nsecond line']);
  await page.keyboard.type('   ');
  await page.keyboard.press('Enter');
  assert.equal(await app.pending.count(), 0);
  assert.equal(await app.exchanges.count(), 1);
  await app.close();
});

// Guards against the Enter that confirms a Japanese IME conversion sending the message.
test('the Enter that confirms an IME conversion does not send; the next Enter does', async () => {
  const app = await fx.open();
  await app.configure();
  const { input } = app;
  await input.fill('にほんご');
  await input.dispatchEvent('compositionstart', {});
  await input.evaluate((el) => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Process', keyCode: 229, bubbles: true, cancelable: true }));
  });
  await input.dispatchEvent('compositionend', { data: '日本語' });
  assert.equal(await app.pending.count(), 0);
  assert.equal(await app.exchanges.count(), 0);
  assert.equal(await input.inputValue(), 'にほんご');
  await input.press('Enter');
  await waitText(app.replies, 'Echo: にほんご');
  assert.deepEqual(await prompts(app), ['にほんご']);
  await app.close();
});

// Guards against asset URLs that only work at the site root: a release built with
// --public-url /pocket-chat/ must load every file from under that path.
test('a build for a subpath works when served from that subpath', async () => {
  const sub = await serveStatic(DIST_SUBPATH, { prefix: '/pocket-chat/' });
  try {
    const app = await fx.open({ url: sub.url });
    await app.configure();
    // The data worker (the renderer, export and import) is not part of the first load; it
    // loads, from under the subpath too, when the first reply is formatted. (The service
    // worker fetches it too, in the background, for offline use: not the page's load.)
    const loaded = () => app.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(!(await loaded()).some((p) => p.includes('data-worker')), `loaded early: ${await loaded()}`);
    await app.input.fill('from a **subpath**');
    await app.page.keyboard.press('Enter');
    await waitText(app.replies.locator('strong'), 'subpath');
    await app.openData();
    const exported = await app.exportAll(join(SCREENSHOTS, '..', 'subpath-export.json'));
    assert.equal(JSON.parse(await readFile(exported, 'utf8')).messages[0].prompt, 'from a **subpath**');
    assert.ok(sub.requested.some((p) => /^\/pocket-chat\/data-worker-[0-9a-f]{16}_bg\.wasm$/.test(p)), `no data worker: ${sub.requested}`);
    assert.deepEqual(app.problems, []);
    const outside = sub.requested.filter((p) => !p.startsWith('/pocket-chat/'));
    assert.deepEqual(outside, []);
    assert.ok(sub.requested.some((p) => p.endsWith('.wasm')), `no WASM requested: ${sub.requested}`);
    await app.close();
  } finally {
    await sub.close();
  }
});

// Guards against export and import failing silently when their worker cannot load (a host
// that lacks the file, a dropped connection): the user is told, and the next try works.
test('export says so when the data worker cannot be loaded, and works once it can', async () => {
  // Without the service worker: once one is registered, Chromium loads a page's worker
  // scripts where Playwright's routes do not see them.
  const app = await fx.open({ contextOptions: { serviceWorkers: 'block' } });
  await app.page.route('**/data-worker-*_loader.js', (route) => route.fulfill({ status: 404, body: '' }));
  await app.openData();
  await app.exportAllButton.click();
  await waitText(app.noticeText, 'The export and import part of pocket-chat could not be loaded. Check the connection, reload the page and try again. Nothing was changed.');
  await app.screenshot('data-worker-unavailable');
  await app.page.unroute('**/data-worker-*_loader.js');
  await app.dismissNotice.click();
  const exported = await app.exportAll(join(SCREENSHOTS, '..', 'after-worker-failure.json'));
  assert.equal(JSON.parse(await readFile(exported, 'utf8')).format, 'pocket-chat-export');
  // The one failure seen is the refused worker file.
  assert.deepEqual(app.problems.filter((p) => !/data-worker-[0-9a-f]{16}_loader\.js/.test(p)), []);
  await app.close();
});
