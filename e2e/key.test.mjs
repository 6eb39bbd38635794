// The API key goes to the configured endpoint and nowhere else: not to another origin, not
// into the address bar, not to the console, not into an export unless asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, SCREENSHOTS } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

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
