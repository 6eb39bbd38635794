// Search as a person uses it: Ctrl+K, a Japanese word typed that one reply of a long
// thread says mid-sentence, the result with its snippet, opened at that exchange with the
// match highlighted, in both languages; another user's identical text never found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: { width: 1100, height: 900 }, colorScheme: 'light' },
  watch: ['dialogs', 'pageErrors', 'foreignRequests', 'consoleErrors'],
});

const MESSAGES = 300;
// src/seed.rs: the exchange whose reply alone says it.
const RARE_AT = 123;

/** The highlighted text in the page, as the CSS Custom Highlight registry holds it. */
function highlighted(app) {
  return app.page.evaluate(() => [...(CSS.highlights.get('search-hit') ?? [])].map((r) => r.toString()));
}

// Guards against a search that misses a word inside a Japanese sentence, finds another
// user's text, opens its thread anywhere but at the exchange, or highlights nothing.
test('a Japanese word mid-sentence in one reply of a long thread is found, opened at its exchange and highlighted', async () => {
  const app = await fx.open();
  await app.configure();
  // Two users with the same history: the first seeded, then seeded again from it.
  await app.seedHistory(3, MESSAGES);
  const title = await app.seedHistory(3, MESSAGES);
  await app.reload();
  await waitText(app.balance, /tokens$/);
  const dump = await app.dump();
  const me = dump.settings.find((s) => s.key === 'current_user').value;
  const mine = new Set(dump.threads.filter((t) => t.user_id === me).map((t) => t.thread_id));
  const theirs = dump.messages.filter((m) => m.user_id !== me && m.completion.includes('皇帝ペンギン'));
  assert.equal(theirs.length, 1, 'the other user says the same');

  await app.page.keyboard.press('Control+k');
  await app.waitSearchFocused();
  await app.page.keyboard.type('ペンギン');
  const result = app.searchResults;
  await result.first().waitFor();
  assert.equal(await result.count(), 1, 'one reply says it, and only this user\'s is found');
  await waitText(app.searchResultSnippets, /南極の皇帝ペンギンの子育てについて/);
  assert.equal(await result.locator('mark').allTextContents().then((m) => m.join('|')), 'ペンギン');
  assert.equal(await app.searchGroups.locator('.search-thread').textContent(), title);
  await app.screenshot('search-results-en');

  await result.click();
  await waitText(app.threadTitle, title);
  const exchange = app.exchangeAtDepth(RARE_AT);
  await exchange.waitFor();
  const id = await exchange.getAttribute('data-exchange');
  assert.ok(mine.has(dump.messages.find((m) => m.message_id === id)?.thread_id), 'this user\'s thread');
  assert.ok(await exchange.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const view = document.querySelector('main.thread').getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom;
  }), 'the exchange is on screen');
  await app.page.waitForFunction(() => (CSS.highlights.get('search-hit')?.size ?? 0) > 0);
  assert.deepEqual(await highlighted(app), ['ペンギン']);
  // Not at the newest: the reader can scroll both ways from there.
  const depths = await app.exchanges.evaluateAll((els) => els.map((e) => Number(e.dataset.depth)));
  assert.ok(Math.min(...depths) < RARE_AT && Math.max(...depths) > RARE_AT && Math.max(...depths) < MESSAGES - 1, `${depths[0]}…${depths.at(-1)}`);
  await app.screenshot('search-opened-en');

  // In Japanese, with a phrase, two words and full-width letters.
  await app.languageButton.click();
  // Each query from an empty box, so no earlier query's results stand in for its own.
  const ask = async (query) => {
    await app.clearSearch();
    await app.searchInput.fill(query);
    await app.searchResultsPanel.waitFor();
  };
  await ask('"皇帝ペンギン" ＡＮＳＷＥＲ');
  await waitText(app.searchSnippets.first(), /皇帝ペンギン/);
  assert.equal(await app.searchResults.count(), 1);
  await ask('皇帝ペンギン 存在しない言葉');
  await waitText(app.noSearchResults, 'その言葉をすべて含むメッセージはありません。綴りを確かめるか、言葉を減らしてください。');
  await ask('名古屋の天気');
  await app.searchResults.first().waitFor();
  assert.ok(await app.searchResults.count() > 1);
  await app.screenshot('search-results-ja');
  // Escape empties the box and the thread list is back.
  await app.searchInput.press('Escape');
  await app.threadList.waitFor();
  assert.equal(await app.searchInput.inputValue(), '');
  await app.assertClean();
  await app.close();
});

// Guards against an exchange that is not found the moment it is stored, a title not
// found, and a deleted thread that still is.
test('a new exchange and a thread title are found at once; a deleted thread no longer is', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  await app.say('Tell me about the albatross');
  await app.waitReply('Echo: Tell me about the albatross');
  await app.search('albat');
  // The title (the first line of the first message) and the exchange.
  assert.equal(await app.searchResults.count(), 2);
  await app.clearSearch();
  await app.deleteThread();
  await app.searchInput.fill('albatross');
  await app.noSearchResults.waitFor();
  await app.assertClean();
  await app.close();
});
