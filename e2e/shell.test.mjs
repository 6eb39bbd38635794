// The app shell from the release build, used as a person would: load, type, send, read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST, DIST_SUBPATH, SCREENSHOTS, configure, launchBrowser, openPage, serveStatic, waitText } from './support.mjs';

let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST);
  mock = await startMockProvider();
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});

/** The shell on a fresh profile, pointed at the mock provider. */
async function ready(url = site.url) {
  const opened = await openPage(browser, url);
  await waitText(opened.page.getByTestId('balance'), '100 tokens');
  await configure(opened.page, { base: mock.url });
  return opened;
}

const prompts = (page) => page.locator('[data-testid=exchange] [data-testid=prompt]').allInnerTexts();

// Guards against a build that serves but never starts (the WASM dying at start-up, as
// Debian's wasm-opt makes it do) or logs errors while starting.
test('the release build loads and shows the shell ready for input', async () => {
  const { page, context, problems } = await openPage(browser, site.url);
  const input = page.getByTestId('composer-input');
  await input.waitFor();
  assert.equal(await page.getByTestId('app-name').textContent(), 'pocket-chat');
  // A first visit opens on the welcome card; "Later" shows the empty thread behind it.
  await page.getByTestId('first-run').waitFor();
  await page.getByTestId('first-run-later').click();
  assert.match(await page.getByTestId('empty-thread').innerText(), /Start a conversation/);
  assert.equal(await page.getByTestId('send-button').isDisabled(), true);
  assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 1);
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'shell-empty.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against a send button that loses the typed text or a composer that ignores it.
test('typing and clicking Send puts the message in the thread and empties the box', async () => {
  const { page, context, problems } = await ready();
  const input = page.getByTestId('composer-input');
  await input.fill('  こんにちは、pocket-chat  ');
  assert.equal(await page.getByTestId('send-button').isEnabled(), true);
  await page.getByTestId('send-button').click();
  await waitText(page.getByTestId('reply'), 'Echo: こんにちは、pocket-chat');
  assert.deepEqual(await prompts(page), ['こんにちは、pocket-chat']);
  assert.equal(await input.inputValue(), '');
  assert.equal(await page.getByTestId('empty-thread').count(), 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'shell-message.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against Shift+Enter sending, or Enter not sending, or whitespace being sent.
test('Enter sends, Shift+Enter adds a line, whitespace alone sends nothing', async () => {
  const { page, context } = await ready();
  const input = page.getByTestId('composer-input');
  await input.click();
  const oneLine = (await input.boundingBox()).height;
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await input.inputValue(), 'first line\nsecond line');
  // The box grows with its text.
  const twoLines = (await input.boundingBox()).height;
  assert.ok(twoLines > oneLine + 10, `height ${oneLine} → ${twoLines}`);
  assert.equal(await page.getByTestId('exchange').count(), 0);
  await page.keyboard.press('Enter');
  await waitText(page.getByTestId('reply'), 'Echo: first line\nsecond line');
  assert.deepEqual(await prompts(page), ['first line\nsecond line']);
  await page.keyboard.type('   ');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByTestId('pending').count(), 0);
  assert.equal(await page.getByTestId('exchange').count(), 1);
  await context.close();
});

// Guards against the Enter that confirms a Japanese IME conversion sending the message.
test('the Enter that confirms an IME conversion does not send; the next Enter does', async () => {
  const { page, context } = await ready();
  const input = page.getByTestId('composer-input');
  await input.fill('にほんご');
  await input.dispatchEvent('compositionstart', {});
  await input.evaluate((el) => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Process', keyCode: 229, bubbles: true, cancelable: true }));
  });
  await input.dispatchEvent('compositionend', { data: '日本語' });
  assert.equal(await page.getByTestId('pending').count(), 0);
  assert.equal(await page.getByTestId('exchange').count(), 0);
  assert.equal(await input.inputValue(), 'にほんご');
  await input.press('Enter');
  await waitText(page.getByTestId('reply'), 'Echo: にほんご');
  assert.deepEqual(await prompts(page), ['にほんご']);
  await context.close();
});

// Guards against asset URLs that only work at the site root: a release built with
// --public-url /pocket-chat/ must load every file from under that path.
test('a build for a subpath works when served from that subpath', async () => {
  const sub = await serveStatic(DIST_SUBPATH, { prefix: '/pocket-chat/' });
  try {
    const { page, context, problems } = await ready(sub.url);
    await page.getByTestId('composer-input').fill('from a subpath');
    await page.keyboard.press('Enter');
    await waitText(page.getByTestId('reply'), 'Echo: from a subpath');
    assert.deepEqual(problems, []);
    const outside = sub.requested.filter((p) => !p.startsWith('/pocket-chat/'));
    assert.deepEqual(outside, []);
    assert.ok(sub.requested.some((p) => p.endsWith('.wasm')), `no WASM requested: ${sub.requested}`);
    await context.close();
  } finally {
    await sub.close();
  }
});
