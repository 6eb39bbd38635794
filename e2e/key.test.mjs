// The API key goes to the configured endpoint and nowhere else: not to another origin, not
// into the address bar, not to the console, not into an export unless asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST, SCREENSHOTS, configure, launchBrowser, serveStatic, waitText } from './support.mjs';

const KEY = 'sk-test';
let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST);
  mock = await startMockProvider({ apiKey: KEY });
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});

// Guards against the key leaking to another origin, the URL, the console or an export.
test('the key is sent only to the endpoint origin and kept out of URLs, console and exports', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? '' }));
  const consoleText = [];
  page.on('console', (m) => consoleText.push(m.text()));
  await page.goto(site.url);
  await waitText(page.getByTestId('balance'), '100 tokens');
  await configure(page, { base: mock.url, key: KEY });
  await page.getByTestId('composer-input').fill('hello [[mock:status=401]]');
  await page.getByTestId('composer-input').press('Enter');
  await waitText(page.getByTestId('notice'), /HTTP 401/);
  await page.getByTestId('composer-input').fill('hello again');
  await page.getByTestId('composer-input').press('Enter');
  await waitText(page.getByTestId('reply').last(), 'Echo: hello again');

  const endpoint = new URL(mock.url).origin;
  const carrying = seen.filter((r) => JSON.stringify(r).includes(KEY));
  assert.ok(carrying.length >= 2, 'the calls carried the key');
  assert.deepEqual([...new Set(carrying.map((r) => new URL(r.url).origin))], [endpoint]);
  assert.ok(carrying.every((r) => r.headers.authorization === `Bearer ${KEY}` && !r.url.includes(KEY) && !r.body.includes(KEY)));
  assert.ok(!page.url().includes(KEY));
  assert.deepEqual(consoleText.filter((t) => t.includes(KEY)), []);

  await page.getByTestId('data-button').click();
  const exportFile = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
    const path = join(SCREENSHOTS, '..', `key-export-${Date.now()}.json`);
    await download.saveAs(path);
    return readFile(path, 'utf8');
  };
  assert.ok(!(await exportFile()).includes(KEY), 'a plain export leaves the key out');
  await page.getByTestId('include-keys').check();
  assert.ok((await exportFile()).includes(KEY), 'asked for, the export includes the key');
  await context.close();
});
