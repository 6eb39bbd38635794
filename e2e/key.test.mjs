// The API key goes to the configured endpoint and nowhere else: not to another origin, not
// into the address bar, not to the console, not into an export unless asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, SCREENSHOTS } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';
import { startMockProvider } from '../tests/mock-provider/server.mjs';

const KEY = 'sk-test';
const fx = fixture({ dist: DIST, mock: { apiKey: KEY } });

// Guards against the key leaking to another origin, the URL, the console or an export.
test('the key is sent only to the endpoint origin and kept out of URLs, console and exports', async () => {
  // Every request the page makes and every console line it logs are kept (app.requests,
  // app.consoleLines).
  const app = await fx.open({ contextOptions: { acceptDownloads: true } });
  await app.configure({ key: KEY });
  await app.say('hello [[mock:status=401]]');
  await waitText(app.notice, /HTTP 401/);
  await app.say('hello again');
  await app.waitReply('Echo: hello again');

  const endpoint = new URL(fx.mock.url).origin;
  const carrying = app.requests.filter((r) => JSON.stringify(r).includes(KEY));
  assert.ok(carrying.length >= 2, 'the calls carried the key');
  assert.deepEqual([...new Set(carrying.map((r) => new URL(r.url).origin))], [endpoint]);
  assert.ok(carrying.every((r) => r.headers.authorization === `Bearer ${KEY}` && !r.url.includes(KEY) && !r.body.includes(KEY)));
  assert.ok(!app.page.url().includes(KEY));
  assert.deepEqual(app.consoleLines.filter((t) => t.includes(KEY)), []);

  await app.openData();
  const exportFile = async () => readFile(await app.exportAll(join(SCREENSHOTS, '..', `key-export-${Date.now()}.json`)), 'utf8');
  assert.ok(!(await exportFile()).includes(KEY), 'a plain export leaves the key out');
  await app.includeKeys.check();
  assert.ok((await exportFile()).includes(KEY), 'asked for, the export includes the key');
  await app.close();
});

// Guards against Settings putting the saved key back into a field (where anyone at the
// browser can copy it out), and against an address typed there receiving the saved key
// (listing, testing, saving and chatting).
test('Settings never shows the saved key, and an address typed there never gets it', async () => {
  const other = await startMockProvider({ apiKey: 'sk-other' });
  try {
    const app = await fx.open();
    await app.configure({ key: KEY });
    await app.openSettings();
    assert.equal(await app.apiKey.inputValue(), '', 'the field is empty');
    await waitText(app.keySaved, 'A key is saved. It is never shown again: type a new one to replace it.');
    assert.ok(!(await app.page.content()).includes(KEY), 'the key is nowhere in the page');
    const values = await app.page.$$eval('input, textarea, select', (els) => els.map((e) => e.value));
    assert.ok(!values.some((v) => v.includes(KEY)), 'nor in any field');
    await app.screenshot('settings-key-saved');
    // Saved again with the field empty, for the same address: the key stays.
    await app.saveSettings();
    await app.say('still keyed');
    await app.waitReply('Echo: still keyed');
    assert.equal(fx.chats('openai').at(-1).headers.authorization, `Bearer ${KEY}`);

    // Someone points Settings at their own server: listing, testing and chatting reach it
    // with no key.
    await app.openSettings();
    await app.providerKind.selectOption('compatible');
    await app.baseUrl.fill(other.url);
    await waitText(app.keySaved, `The saved key is only sent to ${fx.mock.url}. Type a key for this address.`);
    await app.listModelsButton.click();
    await waitText(app.settingsResult, /^The endpoint lists \d+ models; pick one or type its name\.$/);
    await app.testConnectionButton.click();
    await waitText(app.settingsResult, /^Connection works: /);
    await app.saveSettings();
    await app.say('where does it go');
    await app.waitReply('Echo: where does it go');
    const seen = other.requests.filter((r) => r.kind !== 'preflight');
    assert.deepEqual(seen.map((r) => r.kind), ['compatible-models', 'compatible', 'compatible']);
    assert.ok(seen.every((r) => r.headers.authorization === undefined), 'no key in any request there');
    assert.deepEqual(other.requests.filter((r) => JSON.stringify(r).includes(KEY)), []);
    // Back in Settings: no key is saved any more, so no line says one is.
    await app.openSettings();
    assert.equal(await app.apiKey.inputValue(), '');
    assert.ok(await app.keySaved.isHidden());
    await app.close();
  } finally {
    await other.close();
  }
});
