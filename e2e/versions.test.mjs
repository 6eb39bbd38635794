// Versions of an exchange, as a person uses them: edit a prompt and resend it, regenerate a
// reply, switch between versions, copy, delete; checked on screen, in the requests the
// mock provider received, and in IndexedDB (every version debited, the ledger whole).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST_E2E, SCREENSHOTS, ledgerProblems, stored } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: { width: 1100, height: 800 }, colorScheme: 'light' },
  watch: ['dialogs', 'pageErrors', 'foreignRequests', 'consoleErrors'],
});

/** A configured app with tokens to spare and the thread one, two, three. */
async function threeExchanges(options) {
  const app = await fx.open(options);
  await app.configure();
  await app.topUp(50000);
  for (const text of ['one', 'two', 'three']) {
    await app.say(text);
    await app.waitReply(`Echo: ${text}`);
  }
  return app;
}

const turn = (prompt) => [
  { role: 'user', content: prompt },
  { role: 'assistant', content: `Echo: ${prompt}` },
];

// Guards against an edit whose context is not the path before it, an old branch that is
// lost or not one click away, a regenerate that asks something else, a chosen path that
// a reload or another tab does not show, and a version that is not debited.
test('edit the second of three, switch back, regenerate the third: requests, path, tabs and ledger', async () => {
  const app = await threeExchanges();
  await app.editPrompt(1, 'two, edited');
  await app.waitPrompts(['one', 'two, edited']);
  await app.waitReply('Echo: two, edited');
  let reqs = fx.chats('openai');
  assert.equal(reqs.length, 4);
  assert.deepEqual(reqs[3].body.messages, [...turn('one'), { role: 'user', content: 'two, edited' }]);
  await waitText(app.versionPosition(1), '2 / 2');
  await app.screenshot('versions-edited');

  // The old branch, its third exchange intact.
  await app.switchVersion(1);
  await app.waitPrompts(['one', 'two', 'three']);
  await waitText(app.versionPosition(1), '1 / 2');
  await waitText(app.exchangeReply(2), 'Echo: three');

  // Regenerate the third: the same request as the first time.
  await app.regenerate(2);
  await waitText(app.versionPosition(2), '2 / 2');
  reqs = fx.chats('openai');
  assert.equal(reqs.length, 5);
  assert.deepEqual(reqs[4].body.messages, reqs[2].body.messages);
  assert.deepEqual(reqs[4].body.messages, [...turn('one'), ...turn('two'), { role: 'user', content: 'three' }]);
  await app.waitPrompts(['one', 'two', 'three']);

  // Every version is its own debited exchange; the invariant counts them all.
  const dump = await app.assertLedger();
  assert.equal(dump.messages.length, 5);
  assert.equal(dump.users[0].num_token, 100 + 50000 - dump.messages.reduce((s, m) => s + m.total, 0));
  assert.ok(dump.messages.every((m) => m.total > 0));
  assert.equal(dump.branches.length, 3, 'the first branch and one per new version');

  // A reload and a second tab show the chosen path.
  await app.reload();
  await waitText(app.balance, `${dump.users[0].num_token.toLocaleString('en-US')} tokens`);
  await app.waitPrompts(['one', 'two', 'three']);
  await waitText(app.versionPosition(1), '1 / 2');
  await waitText(app.versionPosition(2), '2 / 2');
  const tab = await fx.open({ context: app.context, ready: /tokens$/ });
  await tab.waitPrompts(['one', 'two', 'three']);
  await waitText(tab.versionPosition(2), '2 / 2');
  // A switch in one tab shows in the other.
  await app.switchVersion(1, true);
  await app.waitPrompts(['one', 'two, edited']);
  await tab.waitPrompts(['one', 'two, edited']);
  await waitText(tab.versionPosition(1), '2 / 2');
  assert.deepEqual(app.problems, []);
  assert.deepEqual(tab.problems, []);
  await app.close();
});

// Guards against a keyboard user who cannot revise the last prompt, an Escape that loses
// nothing, and an edit that costs more than it says.
test('↑ in the empty box edits the last prompt; Escape leaves it as it was', async () => {
  const app = await threeExchanges();
  await app.input.press('ArrowUp');
  const box = app.editInput(2);
  await box.waitFor();
  assert.equal(await box.inputValue(), 'three');
  assert.ok(await box.evaluate((el) => el === document.activeElement), 'the edit box has the focus');
  await box.press('Escape');
  await box.waitFor({ state: 'detached' });
  await app.waitPrompts(['one', 'two', 'three']);
  assert.equal(fx.chats('openai').length, 3);
  // Text in the box: ↑ moves the cursor as usual, no edit opens.
  await app.input.fill('draft');
  await app.input.press('ArrowUp');
  assert.equal(await app.editInput(2).count(), 0);
  await app.input.fill('');
  await app.input.press('ArrowUp');
  await box.fill('three, from the keyboard');
  await box.press('Enter');
  await app.waitPrompts(['one', 'two', 'three, from the keyboard']);
  await app.waitReply('Echo: three, from the keyboard');
  await waitText(app.versionPosition(2), '2 / 2');
  await app.assertLedger();
  await app.close();
});

// Guards against a copy that takes the rendered text instead of the Markdown source, or
// the wrong exchange's.
test('copy a prompt and a reply: the clipboard holds the exact source', async () => {
  const app = await threeExchanges({ contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
  await app.say('**bold** and `code` please');
  await app.waitReply(/bold/);
  await app.copyReplyButton(3).click();
  await waitText(app.copyReplyButton(3), 'Copied');
  assert.equal(await app.page.evaluate(() => navigator.clipboard.readText()), 'Echo: **bold** and `code` please');
  await app.copyPrompt(1);
  assert.equal(await app.page.evaluate(() => navigator.clipboard.readText()), 'two');
  await app.close();
});

// Guards against a delete that leaves what followed the version on screen, loses another
// version, erases a debit, or leaves text behind in storage; and against a send after it
// that lands on the deleted rows' place.
test('delete a version: what followed goes with it, the debits stay, the next version shows', async () => {
  const app = await threeExchanges();
  await app.editPrompt(1, 'two, edited');
  await app.waitReply('Echo: two, edited');
  await app.switchVersion(1);
  await app.waitPrompts(['one', 'two', 'three']);
  const before = await app.dump();
  // Deleting "two" takes "three" with it; the edited version shows, alone.
  await app.deleteVersion(1);
  await app.waitPrompts(['one', 'two, edited']);
  await waitText(app.noticeText, 'The version was deleted. The tokens it used stay in your usage.');
  assert.equal(await app.versionPosition(1).count(), 0, 'one version left: no switcher');
  const after = await app.dump();
  const gone = after.messages.filter((m) => m.deleted_at);
  assert.deepEqual(gone.map((m) => [m.prompt, m.completion]).sort(), [['', ''], ['', '']]);
  const was = (m) => before.messages.find((b) => b.message_id === m.message_id);
  assert.deepEqual(gone.map((m) => was(m).prompt).sort(), ['three', 'two']);
  assert.deepEqual(gone.map((m) => m.total), gone.map((m) => was(m).total), 'the debits stay');
  assert.equal(after.users[0].num_token, before.users[0].num_token);
  assert.deepEqual(ledgerProblems(after), []);
  // The last version of an exchange: the path ends before it; a send takes its place.
  await app.deleteVersion(1);
  await app.waitPrompts(['one']);
  await app.say('two again');
  await app.waitReply('Echo: two again');
  await app.waitPrompts(['one', 'two again']);
  assert.deepEqual(fx.chats('openai').at(-1).body.messages, [...turn('one'), { role: 'user', content: 'two again' }]);
  await app.reload();
  await app.waitPrompts(['one', 'two again']);
  await app.assertLedger();
  await app.close();
});

// Guards against a regenerate or an edit that the balance does not cover reaching the
// provider, or losing the edited text.
test('a version the balance does not cover is refused before any request', async () => {
  const app = await threeExchanges();
  const dump = await app.dump();
  await app.debit(1, dump.users[0].num_token);
  await app.waitBalance('0 tokens');
  await app.input.fill('a draft of mine');
  await app.regenerate(2);
  await waitText(app.noticeText, /balance/i);
  await app.dismissNotice.click();
  await app.editPrompt(1, 'two, but poorer');
  await waitText(app.noticeText, /balance/i);
  // Nothing typed is lost: the edit stays in its box, the draft in the input box.
  assert.equal(await app.editInput(1).inputValue(), 'two, but poorer');
  assert.equal(await app.input.inputValue(), 'a draft of mine');
  await app.screenshot('versions-refused');
  assert.equal(fx.chats('openai').length, 3);
  await app.cancelEdit(1);
  await app.waitPrompts(['one', 'two', 'three']);
  assert.equal(await app.versionPosition(1).count(), 0);
  const after = await app.dump();
  assert.equal(after.messages.length, 4, 'the three and the debit that spent the balance');
  assert.deepEqual(after.branches.length, 2, 'no new branch');
  assert.deepEqual(ledgerProblems(after), []);
  await app.close();
});

// Guards against controls that do not fit a phone, or that are not in Japanese.
test('an exchange with versions, in both languages and on a phone', async () => {
  const app = await threeExchanges();
  await app.regenerate(2);
  await waitText(app.versionPosition(2), '2 / 2');
  await app.editPrompt(1, 'two, edited');
  await app.waitReply('Echo: two, edited');
  await app.regenerate(1);
  await waitText(app.versionPosition(1), '3 / 3');
  await app.screenshot('versions-en');
  await app.languageButton.click();
  await waitText(app.regenerateButton(1), '再生成');
  await app.screenshot('versions-ja');
  const phone = await fx.open({ context: app.context, ready: /トークン|tokens/ });
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await waitText(phone.versionPosition(1), '3 / 3');
  const box = await phone.versionArrow(1, true).boundingBox();
  assert.ok(box && box.x + box.width <= 390, `the switcher fits: ${JSON.stringify(box)}`);
  assert.ok(box.width >= 24 && box.height >= 24, `a target a finger can hit: ${JSON.stringify(box)}`);
  await phone.screenshot('versions-phone');
  await app.close();
});

// Guards against a regenerate with the other model that asks the model in use, or that
// switches the user's model for good.
test('regenerate with the other model asks that model, once', async () => {
  const app = await threeExchanges();
  await waitText(app.regenerateButton(2, true), 'Ask gpt-4o');
  await app.regenerate(2, true);
  await waitText(app.versionPosition(2), '2 / 2');
  const reqs = fx.chats('openai');
  assert.deepEqual(reqs.map((r) => r.body.model), ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']);
  assert.deepEqual(reqs[3].body.messages, reqs[2].body.messages);
  await waitText(app.model, 'gpt-4o-mini');
  const dump = await app.assertLedger();
  assert.deepEqual(dump.messages.map((m) => m.model).sort(), ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini']);
  await app.close();
});

// Guards against an export that drops versions or the chosen path, and an import that
// takes a version tree that does not hold together.
test('versions and the chosen path go through export and import; a broken tree is refused', async () => {
  const app = await threeExchanges();
  await app.editPrompt(1, 'two, edited');
  await app.waitReply('Echo: two, edited');
  await app.switchVersion(1);
  await app.waitPrompts(['one', 'two', 'three']);
  const original = await app.dump();
  await app.openData();
  const file = await app.exportAll(join(SCREENSHOTS, '..', 'versions-export.json'));
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.version, 2);
  assert.equal(exported.branches.length, 2);
  await app.close();

  const fresh = await fx.open();
  await fresh.openData();
  await fresh.chooseImport(file);
  await fresh.confirmImportReplace();
  await waitText(fresh.notice, /Imported 1 user, 1 thread, 4 messages and 2 payments/);
  await fresh.openThread('one');
  await fresh.waitPrompts(['one', 'two', 'three']);
  await waitText(fresh.versionPosition(1), '1 / 2');
  const after = await fresh.dump();
  for (const store of ['users', 'payments', 'threads', 'branches', 'messages']) {
    assert.deepEqual(stored(after[store]), stored(original[store]), `store ${store} differs after the round trip`);
  }

  // A branch that comes from itself through another: refused, with where, and nothing written.
  const broken = structuredClone(exported);
  const fork = broken.branches.find((b) => b.from);
  broken.branches.push({ ...fork, branch_id: 'LOOP', from: fork.branch_id });
  fork.from = 'LOOP';
  const bad = join(SCREENSHOTS, '..', 'versions-broken.json');
  await writeFile(bad, JSON.stringify(broken));
  await fresh.chooseImport(bad);
  await waitText(fresh.notice, new RegExp(`in thread ${exported.threads[0].thread_id}, branch .* comes from itself through other branches\\. Nothing was imported\\.`));
  assert.equal(await fresh.importConfirm.count(), 0);
  await fresh.screenshot('versions-broken-import');
  assert.deepEqual(await fresh.dump(), after);
  await fresh.close();
});
