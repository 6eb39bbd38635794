// A model's own parameters and a reasoning model's thinking, as a person uses them: set in
// Settings per model, sent in each provider's fields (and left out where the model
// rejects them: the mock refuses what api.openai.com refuses), and a reply's reasoning
// shown folded above it, stored, debited and never sent back.
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

// Guards against a parameter the user set that is not sent, one sent to a model that
// rejects it (the mock answers 400 as OpenAI does), a cap that is not the reply's cap, and
// a typo saved as a silent default.
test('a model\'s temperature, top-p and cap go in its requests; a reasoning model gets its effort and no sampling fields', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(50000);
  await app.openSettings();
  await app.modelField('b').fill('o3-mini');
  await app.openParams('a');
  await app.temperature('a').fill('0.3');
  await app.topP('a').fill('0.9');
  await app.replyCap('a').fill('300');
  await app.openParams('b');
  await app.temperature('b').fill('0.5');
  await app.effort('b').selectOption('high');
  await app.screenshot('settings-params-en');
  await app.saveSettings();

  await app.say('first');
  await app.waitReply('Echo: first');
  const chat = fx.chats('openai').at(-1).body;
  assert.equal(chat.model, 'gpt-4o-mini');
  assert.deepEqual([chat.temperature, chat.top_p, chat.max_completion_tokens, chat.reasoning_effort], [0.3, 0.9, 300, undefined]);

  await app.say('モデルを切り替える');
  await waitText(app.model, 'o3-mini');
  await app.say('second');
  await app.waitReply('Echo: second');
  const reasoning = fx.chats('openai').at(-1).body;
  assert.equal(reasoning.model, 'o3-mini');
  assert.equal(reasoning.reasoning_effort, 'high');
  for (const key of ['temperature', 'top_p', 'max_tokens']) assert.equal(reasoning[key], undefined, key);
  assert.ok(reasoning.max_completion_tokens > 0);

  // Stored with the user, and shown back as typed.
  const dump = await app.dump();
  assert.deepEqual(dump.users[0].params, [
    { model: 'gpt-4o-mini', params: { temperature: 0.3, top_p: 0.9, max_reply: 300 } },
    { model: 'o3-mini', params: { temperature: 0.5, reasoning_effort: 'high' } },
  ]);
  await app.openSettings();
  await app.openParams('a');
  assert.deepEqual(
    await Promise.all([app.temperature('a'), app.topP('a'), app.replyCap('a')].map((box) => box.inputValue())),
    ['0.3', '0.9', '300'],
  );
  await app.openParams('b');
  assert.equal(await app.effort('b').inputValue(), 'high');

  // A typo is a sentence naming the model and the field, and nothing is saved.
  await app.temperature('a').fill('hot');
  await app.saveSettingsButton.click();
  await waitText(app.settingsResult, 'The temperature of gpt-4o-mini must be a number from 0 to 2, such as 0.7 (“hot” is not). Leave it empty for the provider\'s default.');
  await app.languageButton.click();
  await waitText(app.settingsResult, 'gpt-4o-mini の温度は 0 から 2 までの数（0.7 など）にしてください（「hot」は使えません）。空欄にするとプロバイダーの既定値になります。');
  await app.screenshot('settings-params-error-ja');
  assert.deepEqual((await app.dump()).users[0].params, dump.users[0].params);
  await app.languageButton.click();
  await app.assertLedger();
});

// Guards against reasoning that is lost, shown as the reply, sent back as context or not
// debited; for both fields providers stream it in.
for (const [kind, field] of [['openai', 'reasoning_content'], ['compatible', 'reasoning']]) {
  test(`a reasoning reply (${field}): folded above the reply, stored, debited, not in the next request`, async () => {
    const app = await fx.open();
    await app.configure({ kind });
    await app.topUp(50000);
    const directive = field === 'reasoning' ? '[[mock:reasoning,reasoningField=reasoning]]' : '[[mock:reasoning]]';
    const prompt = `${directive} why is the sea wide`;
    await app.say(prompt);
    await app.waitReply(`Echo: ${prompt}`);
    const block = app.reasoning(0);
    await waitText(block.locator('summary'), 'Thinking');
    assert.equal(await block.evaluate((d) => d.open), false, 'folded');
    assert.equal(await block.locator('.reasoning-text').textContent(), `Thinking about: ${prompt}`);
    // Above the reply, not inside it.
    assert.equal((await app.exchangeReply(0).textContent()).trim(), `Echo: ${prompt}`);
    await block.locator('summary').click();
    await app.screenshot(`reasoning-${kind}-en`);

    const dump = await app.dump();
    const [row] = dump.messages;
    const words = `Thinking about: ${prompt}`.match(/\s*\S+\s*/g).length;
    assert.equal(row.reasoning, `Thinking about: ${prompt}`);
    assert.equal(row.reasoning_tokens, words);
    assert.equal(row.total, row.prompt_tokens + row.completion_tokens);
    assert.ok(row.completion_tokens > words, 'the reasoning is part of the reply tokens debited');
    await waitText(app.reasoningNote(0), `${row.total} tokens, ${words} of them reasoning`);

    await app.say('and then');
    await app.waitReply('Echo: and then');
    const sent = fx.chats(kind).at(-1).body.messages;
    assert.deepEqual(sent.map((m) => m.content), [prompt, `Echo: ${prompt}`, 'and then']);

    // A reload shows it again, folded; in Japanese too.
    await app.reload();
    await app.languageButton.click();
    const again = app.reasoning(0);
    await waitText(again.locator('summary'), '思考');
    assert.equal(await again.evaluate((d) => d.open), false);
    await waitText(app.reasoningNote(0), `${row.total} トークン（うち推論 ${words}）`);
    if (kind === 'openai') await app.screenshot('reasoning-folded-ja');
    await app.languageButton.click();
    await app.assertLedger();
  });
}

// Guards against a Stop while the model only thinks losing what it thought (and billed).
test('Stop while a model thinks keeps its reasoning as an interrupted exchange, debited', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(50000);
  fx.mock.setFault({ reasoning: 'one two three four five six seven eight nine ten', hangAfterChunks: 0 });
  await app.say('think long');
  // The block appears with the first word of thinking; unfolded, it shows it all.
  const live = app.pendingReasoning;
  await live.locator('summary').click();
  await waitText(live.locator('.reasoning-text'), 'one two three four five six seven eight nine ten');
  await app.screenshot('reasoning-live-en');
  await app.stopButton.click();
  const row = (await app.dumpUntil((d) => d.messages.length === 1 && d.messages[0].status === 'interrupted', 'the stopped exchange')).messages[0];
  assert.equal(row.reasoning, 'one two three four five six seven eight nine ten');
  assert.equal(row.completion, '');
  assert.equal(row.debit_kind, 'estimated');
  assert.ok(row.completion_tokens > 0);
  const kept = app.reasoning(0);
  await kept.locator('summary').click();
  await waitText(kept.locator('.reasoning-text'), row.reasoning);
  await app.assertLedger();
});
