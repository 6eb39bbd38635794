// End to end: a long thread (seeded through the app's own storage code) opens at its newest
// exchange with a bounded page on screen, scrolls back a page at a time without the text
// under the reader moving, and still sends the model the whole context it can take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const fx = fixture({ dist: DIST_E2E, watch: ['pageErrors'] });

const MESSAGES = 300;
const OPENING = 15;
const PAGE = 30;
const MAX = 90;

/** A fresh profile with 3 short threads and one of MESSAGES exchanges, showing that one. */
async function onLongThread() {
  const app = await fx.open();
  await app.configure();
  await app.openThread(await app.seedHistory(3, MESSAGES));
  return app;
}

const last = (n) => `Question ${n} in thread 3`;
const prompts = (app) => app.shownPrompts();
/** Waits until the thread is scrolled to its newest exchange. */
const atBottom = (app) => app.page.waitForFunction(() => {
  const m = document.querySelector('main.thread');
  return m.scrollHeight - m.scrollTop - m.clientHeight < 2;
});

/** Scrolls the thread to its top and waits for the page before to arrive; returns how far
 *  the exchange that was first on screen moved on the screen meanwhile, in pixels. */
async function scrollBack(app, expectFirst) {
  const { page } = app;
  const firstBefore = await app.exchanges.first().getAttribute('data-exchange');
  const topBefore = await page.evaluate((id) => {
    document.querySelector('main.thread').scrollTop = 0;
    return document.querySelector(`[data-exchange="${id}"]`).getBoundingClientRect().top;
  }, firstBefore);
  await waitText(app.prompts.first(), expectFirst);
  // The anchor is restored in the frame the page arrives in.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const topAfter = await page.evaluate((id) => document.querySelector(`[data-exchange="${id}"]`).getBoundingClientRect().top, firstBefore);
  return Math.abs(topAfter - topBefore);
}

test('a long thread opens at its newest exchange with one page on screen, at the bottom', async () => {
  const app = await onLongThread();
  await waitText(app.prompts.last(), last(MESSAGES - 1));
  assert.equal((await prompts(app)).length, OPENING);
  assert.equal((await prompts(app))[0], last(MESSAGES - OPENING));
  await waitText(app.showEarlier, `Show earlier messages (${MESSAGES - OPENING} more)`);
  await atBottom(app);
  // The bar counts the whole thread, not the page: 300 exchanges of 120 tokens.
  // gpt-4o-mini: 300 × (20 × $0.15 + 100 × $0.60) per million tokens.
  await waitText(app.threadUsed, `${(MESSAGES * 120).toLocaleString('en-US')} tokens · $0.0189`);
  await app.screenshot('long-thread-newest');
  // Opened by its link (read early, while the rest of start-up runs): the same page.
  assert.match(app.page.url(), /#\/thread\/[0-9A-Z]{26}$/);
  await app.reload();
  await waitText(app.prompts.last(), last(MESSAGES - 1));
  assert.equal((await prompts(app)).length, OPENING);
  await waitText(app.showEarlier, `Show earlier messages (${MESSAGES - OPENING} more)`);
  await atBottom(app);
  assert.deepEqual(app.problems, []);
  await app.close();
});

test('scrolling back reads a page at a time, keeps the text in place and at most 90 on screen', async () => {
  const app = await onLongThread();
  await waitText(app.prompts.last(), last(MESSAGES - 1));
  let first = MESSAGES - OPENING;
  for (let step = 1; step <= 4; step++) {
    first -= PAGE;
    const moved = await scrollBack(app, last(first));
    assert.ok(moved < 2, `step ${step}: the text under the reader moved ${moved}px`);
    const shown = await prompts(app);
    assert.equal(shown.length, Math.min(OPENING + PAGE * step, MAX), `step ${step}: exchanges on screen`);
    assert.equal(shown[0], last(first));
  }
  // Four pages back: the newest dropped off, and the thread offers them again.
  await waitText(app.showLater, `Show newer messages (${MESSAGES - first - MAX} more)`);
  assert.ok((await app.page.evaluate(() => document.getElementsByTagName('*').length)) < 5000);
  await app.screenshot('long-thread-scrolled-back');

  // Scrolling down brings them back, a page at a time.
  await app.page.locator('main.thread').evaluate((m) => { m.scrollTop = m.scrollHeight; });
  await waitText(app.prompts.last(), last(first + MAX + PAGE - 1));
  assert.deepEqual(app.problems, []);
  await app.close();
});

test('sending from a thread scrolled back: the reply goes under the newest, with the whole context', async () => {
  const app = await onLongThread();
  await waitText(app.prompts.last(), last(MESSAGES - 1));
  // Four pages back, the newest are off the window.
  for (let step = 1; step <= 4; step++) await scrollBack(app, last(MESSAGES - OPENING - step * PAGE));
  await app.showLater.waitFor();
  await app.say('One more question');
  await app.waitReply('Echo: One more question');
  const shown = await prompts(app);
  assert.deepEqual(shown.slice(-2), [last(MESSAGES - 1), 'One more question']);
  assert.ok(shown.length <= MAX, `${shown.length} exchanges on screen`);
  await atBottom(app);
  // The model got every stored exchange (they fit gpt-4o-mini's window), not just the page.
  const sent = fx.chats('openai').at(-1).body.messages;
  assert.equal(sent.length, 2 * MESSAGES + 1);
  assert.equal(sent[0].content, last(0));
  assert.equal(sent.at(-1).content, 'One more question');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against a long thread list that is cut short, out of order, or drawn all at once
// before the thread opened can show: the first 40 come with the first paint, the rest
// follow a chunk per frame, newest first.
test('a user with 150 threads gets every one of them listed, newest first', async () => {
  const app = await fx.open();
  await app.configure();
  const longTitle = await app.seedHistory(150, 20);
  await app.reload();
  await waitText(app.balance, /tokens$/);
  const dump = await app.dump();
  const user = dump.settings.find((s) => s.key === 'current_user').value;
  // As the list keeps them: the newest change first, then the later id.
  const mine = dump.threads.filter((t) => t.user_id === user && !t.deleted_at)
    .sort((a, b) => b.updated_at - a.updated_at || (a.thread_id < b.thread_id ? 1 : -1));
  assert.ok(mine.length > 150, `${mine.length} threads`);
  await app.waitThreadLinks(mine.length, { polling: 50, timeout: 10_000 });
  const shown = await app.threadLinks.allInnerTexts();
  assert.deepEqual(shown, mine.map((t) => t.title));
  assert.ok(shown.includes(longTitle));
  await app.openThread(mine.at(-1).title);
});
