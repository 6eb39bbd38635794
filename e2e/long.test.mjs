// End to end: a long thread (seeded through the app's own storage code) opens at its newest
// exchange with a bounded page on screen, scrolls back a page at a time without the text
// under the reader moving, and still sends the model the whole context it can take.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST_E2E, SCREENSHOTS, configure, launchBrowser, serveStatic, waitText } from './support.mjs';

let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST_E2E);
  mock = await startMockProvider();
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});
beforeEach(() => mock.reset());

const MESSAGES = 300;
const OPENING = 15;
const PAGE = 30;
const MAX = 90;

/** A fresh profile with 3 short threads and one of MESSAGES exchanges, showing that one. */
async function openLongThread() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(site.url);
  await waitText(page.getByTestId('balance'), '100 tokens');
  await configure(page, { base: mock.url });
  const title = await page.evaluate((n) => window.wasmBindings.e2e_seed_history(3, n), MESSAGES);
  await page.getByTestId('thread-link').filter({ hasText: title }).click();
  await waitText(page.getByTestId('thread-title'), title);
  return { context, page, errors };
}

const last = (n) => `Question ${n} in thread 3`;
const prompts = (page) => page.getByTestId('prompt').allTextContents();
/** Waits until the thread is scrolled to its newest exchange. */
const atBottom = (page) => page.waitForFunction(() => {
  const m = document.querySelector('main.thread');
  return m.scrollHeight - m.scrollTop - m.clientHeight < 2;
});

/** Scrolls the thread to its top and waits for the page before to arrive; returns how far
 *  the exchange that was first on screen moved on the screen meanwhile, in pixels. */
async function scrollBack(page, expectFirst) {
  const firstBefore = await page.getByTestId('exchange').first().getAttribute('data-exchange');
  const topBefore = await page.evaluate((id) => {
    document.querySelector('main.thread').scrollTop = 0;
    return document.querySelector(`[data-exchange="${id}"]`).getBoundingClientRect().top;
  }, firstBefore);
  await waitText(page.getByTestId('prompt').first(), expectFirst);
  // The anchor is restored in the frame the page arrives in.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const topAfter = await page.evaluate((id) => document.querySelector(`[data-exchange="${id}"]`).getBoundingClientRect().top, firstBefore);
  return Math.abs(topAfter - topBefore);
}

test('a long thread opens at its newest exchange with one page on screen, at the bottom', async () => {
  const { context, page, errors } = await openLongThread();
  await waitText(page.getByTestId('prompt').last(), last(MESSAGES - 1));
  assert.equal((await prompts(page)).length, OPENING);
  assert.equal((await prompts(page))[0], last(MESSAGES - OPENING));
  await waitText(page.getByTestId('show-earlier'), `Show earlier messages (${MESSAGES - OPENING} more)`);
  await atBottom(page);
  // The bar counts the whole thread, not the page: 300 exchanges of 120 tokens.
  // gpt-4o-mini: 300 × (20 × $0.15 + 100 × $0.60) per million tokens.
  await waitText(page.getByTestId('thread-used'), `${(MESSAGES * 120).toLocaleString('en-US')} tokens · $0.0189`);
  await page.screenshot({ path: join(SCREENSHOTS, 'long-thread-newest.png') });
  // Opened by its link (read early, while the rest of start-up runs): the same page.
  assert.match(page.url(), /#\/thread\/\d+$/);
  await page.reload();
  await waitText(page.getByTestId('prompt').last(), last(MESSAGES - 1));
  assert.equal((await prompts(page)).length, OPENING);
  await waitText(page.getByTestId('show-earlier'), `Show earlier messages (${MESSAGES - OPENING} more)`);
  await atBottom(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('scrolling back reads a page at a time, keeps the text in place and at most 90 on screen', async () => {
  const { context, page, errors } = await openLongThread();
  await waitText(page.getByTestId('prompt').last(), last(MESSAGES - 1));
  let first = MESSAGES - OPENING;
  for (let step = 1; step <= 4; step++) {
    first -= PAGE;
    const moved = await scrollBack(page, last(first));
    assert.ok(moved < 2, `step ${step}: the text under the reader moved ${moved}px`);
    const shown = await prompts(page);
    assert.equal(shown.length, Math.min(OPENING + PAGE * step, MAX), `step ${step}: exchanges on screen`);
    assert.equal(shown[0], last(first));
  }
  // Four pages back: the newest dropped off, and the thread offers them again.
  await waitText(page.getByTestId('show-later'), `Show newer messages (${MESSAGES - first - MAX} more)`);
  assert.ok((await page.evaluate(() => document.getElementsByTagName('*').length)) < 5000);
  await page.screenshot({ path: join(SCREENSHOTS, 'long-thread-scrolled-back.png') });

  // Scrolling down brings them back, a page at a time.
  await page.locator('main.thread').evaluate((m) => { m.scrollTop = m.scrollHeight; });
  await waitText(page.getByTestId('prompt').last(), last(first + MAX + PAGE - 1));
  assert.deepEqual(errors, []);
  await context.close();
});

test('sending from a thread scrolled back: the reply goes under the newest, with the whole context', async () => {
  const { context, page, errors } = await openLongThread();
  await waitText(page.getByTestId('prompt').last(), last(MESSAGES - 1));
  // Four pages back, the newest are off the window.
  for (let step = 1; step <= 4; step++) await scrollBack(page, last(MESSAGES - OPENING - step * PAGE));
  await page.getByTestId('show-later').waitFor();
  await page.getByTestId('composer-input').fill('One more question');
  await page.getByTestId('composer-input').press('Enter');
  await waitText(page.getByTestId('reply').last(), 'Echo: One more question');
  const shown = await prompts(page);
  assert.deepEqual(shown.slice(-2), [last(MESSAGES - 1), 'One more question']);
  assert.ok(shown.length <= MAX, `${shown.length} exchanges on screen`);
  await atBottom(page);
  // The model got every stored exchange (they fit gpt-4o-mini's window), not just the page.
  const sent = mock.requests.filter((r) => r.kind === 'openai').at(-1).body.messages;
  assert.equal(sent.length, 2 * MESSAGES + 1);
  assert.equal(sent[0].content, last(0));
  assert.equal(sent.at(-1).content, 'One more question');
  assert.deepEqual(errors, []);
  await context.close();
});
