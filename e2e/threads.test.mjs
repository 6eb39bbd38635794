// Threads made one's own, as a person uses them: renamed (double-click or Rename), pinned
// (listed first), found by a filter over titles, and exported as a Markdown file that
// says what the screen shows; checked on screen, in IndexedDB and in a second tab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST_E2E, SCREENSHOTS } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: { width: 1100, height: 800 }, colorScheme: 'light' },
  watch: ['dialogs', 'pageErrors', 'consoleErrors'],
});

const TITLES = ['Trip to Kyoto', 'Rust lifetimes', 'GPT-4o pricing'];

/** A configured app with three threads, oldest first as TITLES. */
async function threeThreads() {
  const app = await fx.open();
  await app.configure();
  await app.topUp(50000);
  for (const title of TITLES) {
    await app.newThread();
    await app.say(title);
    await app.waitReply(`Echo: ${title}`);
  }
  return app;
}

// Guards against a rename that is not stored, not shown everywhere the title shows (list,
// bar, another tab), moves the thread, or accepts an empty title.
test('rename by double-click or Rename: stored, shown in the list and another tab, not moved; an empty name is refused', async () => {
  const app = await threeThreads();
  const other = await fx.open({ context: app.context, ready: await app.balance.innerText() });
  await other.waitListed([...TITLES].reverse());
  await app.threadLink('Rust lifetimes').dblclick();
  const input = app.threadTitleInput;
  await input.waitFor();
  assert.equal(await input.inputValue(), 'Rust lifetimes');
  assert.equal(await input.evaluate((el) => document.activeElement === el && el.selectionEnd - el.selectionStart), 'Rust lifetimes'.length);
  await app.screenshot('thread-rename-en');
  await input.fill('Rust: borrowing');
  await input.press('Enter');
  await waitText(app.threadTitle, 'Rust: borrowing');
  const renamed = ['GPT-4o pricing', 'Rust: borrowing', 'Trip to Kyoto'];
  await app.waitListed(renamed);
  await other.waitListed(renamed);
  const dump = await app.dump();
  assert.deepEqual(dump.threads.map((t) => t.title).sort(), [...renamed].sort());

  // Rename from the bar: empty is a sentence, Escape keeps the name.
  await app.threadRenameButton.click();
  await input.fill('  ');
  await input.press('Enter');
  await waitText(app.noticeText, 'A thread needs a title. Type one, or press Escape to keep “Rust: borrowing”.');
  await input.press('Escape');
  await waitText(app.threadTitle, 'Rust: borrowing');
  assert.deepEqual((await app.dump()).threads, dump.threads);
  await app.reload();
  await app.waitListed(renamed);
  await app.assertLedger();
});

// Guards against a pin that is not stored or not listed first, and an unpinned thread
// that does not go back to its place.
test('pin: the thread is listed first with its mark, after a reload too; unpinned, it goes back', async () => {
  const app = await threeThreads();
  await app.waitListed(['GPT-4o pricing', 'Rust lifetimes', 'Trip to Kyoto']);
  await app.openThread('Trip to Kyoto');
  const pin = app.threadPin;
  assert.equal(await pin.getAttribute('aria-pressed'), 'false');
  await pin.click();
  await app.waitListed(['Trip to Kyoto', 'GPT-4o pricing', 'Rust lifetimes']);
  await waitText(pin, 'Unpin');
  assert.equal(await pin.getAttribute('aria-pressed'), 'true');
  assert.equal(await app.threadItems.first().locator('.pin-mark').getAttribute('aria-label'), 'Pinned');
  assert.deepEqual((await app.dump()).threads.filter((t) => t.pinned).map((t) => t.title), ['Trip to Kyoto']);
  await app.screenshot('threads-pinned-en');
  await app.reload();
  await app.waitListed(['Trip to Kyoto', 'GPT-4o pricing', 'Rust lifetimes']);
  await app.languageButton.click();
  await waitText(app.threadItems.first().locator('a'), 'Trip to Kyoto');
  assert.equal(await app.threadItems.first().locator('.pin-mark').getAttribute('aria-label'), 'ピン留め中');
  await app.screenshot('threads-pinned-ja');
  await app.languageButton.click();
  await app.openThread('Trip to Kyoto');
  await app.threadPin.click();
  await app.waitListed(['GPT-4o pricing', 'Rust lifetimes', 'Trip to Kyoto']);
  assert.deepEqual((await app.dump()).threads.filter((t) => t.pinned), []);
});

// Guards against a filter that misses by case or width, needs the words in order, or
// leaves an empty list without a word.
test('the filter finds titles by every word, in any case and width, and says when none has them', async () => {
  const app = await threeThreads();
  const filter = app.threadFilter;
  await filter.fill('kyoto');
  await app.waitListed(['Trip to Kyoto']);
  await filter.fill('ＲＵＳＴ');
  await app.waitListed(['Rust lifetimes']);
  await filter.fill('pricing gpt');
  await app.waitListed(['GPT-4o pricing']);
  await filter.fill('rust kyoto');
  await app.waitListed([]);
  await waitText(app.noThreadMatch, 'No thread title has those words.');
  await app.screenshot('threads-filter-none');
  await filter.fill('');
  await app.waitListed(['GPT-4o pricing', 'Rust lifetimes', 'Trip to Kyoto']);
  assert.equal(await app.noThreadMatch.isVisible(), false);
});

// Guards against an export that is not what the thread shows: another version than the
// one on screen, a prompt or reply missing or changed, the wrong name.
test('export .md: the file holds the title and the path on screen, prompt by prompt and reply by reply', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(50000);
  for (const text of ['Rust lifetimes', 'why?', 'and then?']) {
    await app.say(text);
    await app.waitReply(`Echo: ${text}`);
  }
  await app.editPrompt(1, 'why, really?');
  await app.waitPrompts(['Rust lifetimes', 'why, really?']);
  const download = await app.exportThread();
  assert.equal(download.suggestedFilename(), 'Rust-lifetimes.md');
  const path = join(SCREENSHOTS, '..', 'thread-export.md');
  await download.saveAs(path);
  await waitText(app.noticeText, 'The thread was saved as Rust-lifetimes.md.');
  // What the screen shows, as the file should say it.
  const title = await app.threadTitle.innerText();
  const prompts = await app.shownPrompts();
  const replies = (await app.replies.allInnerTexts()).map((r) => r.trim());
  const want = `# ${title}\n`
    + prompts.map((p, i) => `\n## You\n\n${p}\n\n## gpt-4o-mini\n\n${replies[i]}\n`).join('');
  assert.equal(await readFile(path, 'utf8'), want);
  assert.ok(!want.includes('and then?'), 'the other version is not on screen');
});
