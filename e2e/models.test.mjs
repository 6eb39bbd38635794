// The endpoint's models: listed in the first-run card for a compatible server (llama.cpp,
// Ollama, vLLM…) and in Settings, picked or typed, sent as the request's model, and a listed
// context window used for the context; a listing that fails is a sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const fx = fixture({ dist: DIST, watch: ['pageErrors', 'consoleErrors'], context: { viewport: { width: 1100, height: 800 } } });

/** The first-run card pointed at the mock as a compatible server; the listing asked for. */
async function firstRunCompatible(app) {
  await app.firstRun.waitFor();
  await app.firstRunKind.selectOption('compatible');
  await app.firstRunBase.fill(fx.mock.url);
  // Leaving the address field asks the server for its models.
  await app.firstRunBase.press('Tab');
}

const options = (page, id) => page.locator(`datalist#${id} option`).evaluateAll((os) => os.map((o) => o.value));

// Guards against a first message that asks a local server for a model it does not have
// (the card proposed none), and against the picked model not being the one sent.
test('first run with a local server: pick one of the models it lists, and chat with it', async () => {
  fx.mock.setModels([{ id: 'qwen2.5:7b', object: 'model' }, { id: 'llama3.1:8b', object: 'model', meta: { n_ctx_train: 8192 } }]);
  const app = await fx.open();
  await firstRunCompatible(app);
  await waitText(app.firstRunListing, 'The endpoint lists 2 models; pick one or type its name.');
  // The user's default (gpt-4o-mini) is not there: the first listed model is proposed.
  assert.equal(await app.firstRunModel.inputValue(), 'llama3.1:8b');
  assert.deepEqual(await options(app.page, 'first-run-models'), ['llama3.1:8b', 'qwen2.5:7b']);
  await app.screenshot('first-run-models-en');
  await app.firstRunModel.fill('qwen2.5:7b');
  await app.startFromFirstRun();
  await waitText(app.model, 'qwen2.5:7b');
  await app.say('hello, local model');
  await app.waitReply('Echo: hello, local model');
  const listing = fx.mock.requests.filter((r) => r.kind === 'compatible-models');
  assert.deepEqual(listing.map((r) => [r.method, r.path]), [['GET', '/models']]);
  assert.equal(fx.chats('compatible').at(-1).body.model, 'qwen2.5:7b');
  const dump = await app.dump();
  assert.deepEqual([dump.users[0].model, dump.users[0].models], ['qwen2.5:7b', ['qwen2.5:7b', 'llama3.1:8b']]);
  // The window llama.cpp gave is kept for that model.
  assert.deepEqual(dump.settings.find((s) => s.key === 'provider').value.context_lengths, { 'llama3.1:8b': 8192 });
  assert.deepEqual(app.problems, []);
});

// Guards against a failed listing that leaves an empty picker with no word, or that keeps
// the user from typing the model.
test('first run: a server that lists no models says so, and a typed model is used', async () => {
  fx.mock.setModels({ status: 404, body: { error: { message: 'Not found' } } });
  const app = await fx.open({ watch: ['pageErrors'] });
  await app.languageButton.click();
  await firstRunCompatible(app);
  await waitText(app.firstRunListing, 'エンドポイントがモデルの一覧を返しませんでした（HTTP 404）。モデル名を入力してください。');
  await app.screenshot('first-run-models-failed-ja');
  await app.languageButton.click();
  await waitText(app.firstRunListing, "The endpoint did not list its models (HTTP 404). Type the model's name instead.");
  assert.deepEqual(await options(app.page, 'first-run-models'), []);
  await app.firstRunModel.fill('my-own-model');
  await app.startFromFirstRun();
  await app.say('typed model');
  await app.waitReply('Echo: typed model');
  assert.equal(fx.chats('compatible').at(-1).body.model, 'my-own-model');
});

// Guards against Settings offering no list, a listing sent without the key, and a window
// the endpoint gave that the context ignores (a prompt it cannot take would be sent).
test('Settings lists the endpoint\'s models, and a listed window limits the context', async () => {
  // (The unreachable endpoint at the end logs a failed request on the console.)
  const app = await fx.open({ watch: ['pageErrors'] });
  await app.configure();
  await app.openSettings();
  await app.listModelsButton.click();
  await waitText(app.settingsResult, 'The endpoint lists 2 models; pick one or type its name.');
  assert.deepEqual(await options(app.page, 'endpoint-models'), ['gpt-4o', 'gpt-4o-mini']);
  const [listing] = fx.mock.requests.filter((r) => r.kind === 'openai-models');
  assert.equal(listing.headers.authorization, 'Bearer sk-test');
  await app.screenshot('settings-models');
  // A server with a small window (as OpenRouter gives context_length).
  fx.mock.setModels([{ id: 'tiny-window', context_length: 64 }]);
  await app.providerKind.selectOption('compatible');
  await app.baseUrl.fill(fx.mock.url);
  await app.listModelsButton.click();
  await waitText(app.settingsResult, 'The endpoint lists 1 model; pick one or type its name.');
  await app.modelField('a').fill('tiny-window');
  await app.saveSettings();
  await waitText(app.model, 'tiny-window');
  const asked = fx.chats('compatible').length;
  await app.say('word '.repeat(60));
  // 64 tokens, half kept for the reply: 32 for the prompt.
  await waitText(app.noticeText, /^This message is too long for tiny-window \(about \d+ tokens; the model takes 32 besides its reply\)\. Shorten it or split it\.$/);
  assert.equal(fx.chats('compatible').length, asked);
  await app.say('short');
  await app.waitReply('Echo: short');
  assert.equal(fx.chats('compatible').at(-1).body.model, 'tiny-window');
  // An endpoint that cannot be reached: a sentence, and the list stays as it was.
  await app.openSettings();
  await app.baseUrl.fill('http://127.0.0.1:9/v1');
  await app.listModelsButton.click();
  await waitText(app.settingsResult, /^The endpoint could not be reached\./);
  assert.deepEqual(app.problems, []);
});
