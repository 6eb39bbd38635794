// Personas as a person uses them: saved in Settings (a name and what the model is told),
// one chosen per thread in the thread bar, a new thread starting with the default, and the
// one system prompt of an older version kept as each user's default persona.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';
import { version3Records, writeVersion3 } from './upgrade.mjs';

const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: { width: 1100, height: 900 }, colorScheme: 'light' },
  watch: ['dialogs', 'pageErrors', 'foreignRequests', 'consoleErrors'],
});

const TUTOR = 'Answer as a patient tutor.';
const POET = '俳句で答えてください。';

/** The system messages of the last chat request the mock got. */
function systemOfLast() {
  return fx.chats('openai').at(-1).body.messages.filter((m) => m.role === 'system').map((m) => m.content);
}

/** The name of the persona the thread bar shows as chosen. */
function shownPersona(app) {
  return app.personaSelect.evaluate((s) => s.selectedOptions[0]?.textContent ?? '');
}

// Guards against a persona that is not the system message of its thread, one that leaks
// into another thread, a new thread that does not start with the default, a choice that
// is not kept, and a persona typed wrong saved as it is.
test('a persona\'s text is the system message of its thread only; a new thread starts with the default', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(50000);
  // No persona yet: the thread bar shows no chooser, and calls have no system message.
  assert.equal(await app.personaSelect.isHidden(), true);
  await app.say('before');
  await app.waitReply('Echo: before');
  assert.deepEqual(systemOfLast(), []);

  await app.openSettings();
  await app.addPersona('Tutor', TUTOR);
  await app.addPersona('詩人', POET);
  await app.defaultPersona.selectOption({ label: 'Tutor' });
  await app.screenshot('settings-personas-en');
  await app.saveSettings();

  // The thread made before any persona keeps none until one is chosen for it.
  assert.equal(await shownPersona(app), 'No persona');
  await app.newThread();
  assert.equal(await shownPersona(app), 'Tutor');
  await app.say('first');
  await app.waitReply('Echo: first');
  assert.deepEqual(systemOfLast(), [TUTOR]);
  assert.equal(fx.chats('openai').at(-1).body.messages[0].role, 'system');

  // Another persona chosen for a new thread, before its first message.
  await app.newThread();
  await app.personaSelect.selectOption({ label: '詩人' });
  await app.say('second');
  await app.waitReply('Echo: second');
  assert.deepEqual(systemOfLast(), [POET]);
  await app.newThread();
  await app.personaSelect.selectOption({ label: 'No persona' });
  await app.say('third');
  await app.waitReply('Echo: third');
  assert.deepEqual(systemOfLast(), []);

  // Back in the first thread: still its own persona; changed, from its next call on.
  await app.openThread('first');
  assert.equal(await shownPersona(app), 'Tutor');
  await app.say('again');
  await app.waitReply('Echo: again');
  assert.deepEqual(systemOfLast(), [TUTOR]);
  await app.personaSelect.selectOption({ label: '詩人' });
  await app.say('once more');
  await app.waitReply('Echo: once more');
  assert.deepEqual(systemOfLast(), [POET]);
  await app.screenshot('thread-persona-en');

  // Stored: the user's personas and default, each thread's choice.
  const dump = await app.dump();
  const [user] = dump.users;
  assert.deepEqual(user.personas.map((p) => [p.name, p.text]), [['Tutor', TUTOR], ['詩人', POET]]);
  const id = Object.fromEntries(user.personas.map((p) => [p.name, p.persona_id]));
  assert.equal(user.default_persona, id.Tutor);
  const chosen = Object.fromEntries(dump.threads.map((t) => [t.title, t.persona ?? null]));
  assert.deepEqual(chosen, { before: null, first: id['詩人'], second: id['詩人'], third: null });

  // After a reload, in Japanese: the same choice shown, the same text sent.
  await app.reload();
  await app.languageButton.click();
  await app.openThread('first');
  await waitText(app.threadTitle, 'first');
  assert.equal(await shownPersona(app), '詩人');
  await app.say('もう一度');
  await app.waitReply('Echo: もう一度');
  assert.deepEqual(systemOfLast(), [POET]);
  await app.screenshot('thread-persona-ja');
  // On a phone the bar keeps the chooser beside the title, nothing cut off.
  await app.page.setViewportSize({ width: 390, height: 740 });
  const fits = await app.page.evaluate(() => {
    const bar = document.querySelector('.thread-bar');
    return bar.scrollWidth <= bar.clientWidth;
  });
  assert.ok(fits, 'the thread bar overflows on a phone');
  await app.screenshot('thread-persona-phone');
  await app.page.setViewportSize({ width: 1100, height: 900 });

  // A persona typed wrong is a sentence in both languages, and nothing is saved.
  await app.openSettings();
  await app.personaNames.first().fill('  ');
  await app.saveSettingsButton.click();
  await waitText(app.settingsResult, '1 番目のペルソナに名前がありません。名前を付けるか、削除してください。');
  await app.languageButton.click();
  await waitText(app.settingsResult, 'Persona 1 has no name. Give it one, or remove it.');
  await app.personaNames.first().fill('詩人');
  await app.saveSettingsButton.click();
  await waitText(app.settingsResult, 'Two personas are called “詩人”. Give each its own name.');
  await app.screenshot('settings-personas-error-en');
  assert.deepEqual((await app.dump()).users[0].personas, user.personas);

  // Removing a persona: the threads that had it are told nothing from then on.
  await app.personaRemoveButtons.last().click();
  await app.personaNames.first().fill('Tutor');
  await app.saveSettings();
  await app.openThread('first');
  assert.equal(await shownPersona(app), 'No persona');
  await app.say('after removal');
  await app.waitReply('Echo: after removal');
  assert.deepEqual(systemOfLast(), []);
  await app.assertLedger();
  await app.assertClean();
  await app.close();
});

// Guards against losing the one system prompt of version 3 in the upgrade to personas:
// each user's threads go on being told it, as their default persona, in a new thread too.
test('the system prompt of an older version is each user\'s default persona after the upgrade', async () => {
  const v3 = await version3Records();
  const provider = v3.settings.find((s) => s.key === 'provider');
  provider.value.base_url = fx.mock.url;
  provider.value.api_key = 'sk-test';
  const context = await fx.newContext();
  const old = await context.newPage();
  await old.goto(`${fx.site.url}old-tab`);
  await writeVersion3(old, v3);
  await old.close();

  const app = await fx.open({ context, ready: false });
  await app.waitBalance('4,993 トークン');
  await app.topUp(50000);
  // The fixture chose Japanese; the adopted persona is named in it.
  await app.openThread('Rust のライフタイム');
  assert.equal(await shownPersona(app), '既定');
  await app.say('続けて');
  await app.waitReply('Echo: 続けて');
  assert.deepEqual(systemOfLast(), [provider.value.system_prompt]);
  await app.newThread();
  assert.equal(await shownPersona(app), '既定');
  await app.say('新しい話');
  await app.waitReply('Echo: 新しい話');
  assert.deepEqual(systemOfLast(), [provider.value.system_prompt]);
  await app.screenshot('persona-upgraded-ja');
  // Schema 5: the history is indexed by the data worker in the background, then found.
  await app.dumpUntil((d) => !d.meta.some((m) => m.key === 'search_index'), 'the index built');
  await app.search('ライフタイム');
  assert.equal(await app.searchResults.count(), 2, 'the exchange and the title');
  await app.searchInput.fill('');

  const dump = await app.dump();
  assert.deepEqual(dump.meta.filter((m) => m.key === 'schema').map((m) => [m.key, m.version]), [['schema', 5]]);
  assert.equal(dump.settings.find((s) => s.key === 'provider').value.system_prompt, undefined);
  for (const user of dump.users) {
    assert.deepEqual(user.personas.map((p) => [p.name, p.text]), [['既定', provider.value.system_prompt]]);
  }
  await app.languageButton.click();
  await app.assertLedger();
  await app.assertClean();
  await app.close();
});

const LOADER = '**/data-worker-*_loader.js';
const NOT_UPGRADED_JA = '以前のバージョンがこのブラウザーに保存したデータを更新できなかったため、今は何も保存しません。接続を確かめてページを再読み込みしてください。何も失われていません。';

// Guards against a page that reads (or writes over) data an earlier version stored when
// the data worker, which brings it up to date, cannot load: it says so, keeps what was
// typed, changes nothing, and upgrades at the next visit.
test('old data with the data worker unreachable: a sentence, nothing changed, upgraded at the next visit', async () => {
  const v3 = await version3Records();
  const provider = v3.settings.find((s) => s.key === 'provider');
  Object.assign(provider.value, { base_url: fx.mock.url, api_key: 'sk-test' });
  const context = await fx.newContext();
  const old = await context.newPage();
  await old.goto(`${fx.site.url}old-tab`);
  await writeVersion3(old, v3);
  await old.close();
  await context.route(LOADER, (route) => route.fulfill({ status: 404, body: '' }));

  const app = await fx.open({ context, ready: false, watch: ['pageErrors'] });
  await waitText(app.noticeText, NOT_UPGRADED_JA);
  await app.screenshot('not-upgraded-ja');
  await app.input.fill('消えないで');
  await app.input.press('Enter');
  await waitText(app.noticeText, NOT_UPGRADED_JA);
  assert.equal(await app.input.inputValue(), '消えないで');
  const kept = await app.dump();
  for (const store of Object.keys(v3)) {
    const byKey = (rows) => rows.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(byKey(kept[store]), byKey(v3[store]), store);
  }

  // The worker back: the next visit upgrades and goes on.
  await context.unroute(LOADER);
  await app.reload();
  await app.waitBalance('4,993 トークン');
  await app.openThread('Rust のライフタイム');
  assert.equal(await shownPersona(app), '既定');
  assert.deepEqual((await app.dump()).meta.filter((m) => m.key === 'schema').map((m) => [m.key, m.version]), [['schema', 5]]);
  assert.deepEqual(app.problems, []);
  await app.close();
});
