// The low-level pieces under the end-to-end fixture (e2e/fixture.mjs) and page object
// (e2e/pocket_chat_page.mjs), also used by bench/run.mjs: where the builds are, a static
// host for a build (optionally under a subpath), a headless Debian Chromium driven by
// playwright-core, IndexedDB read with the browser's own API, the ledger invariant,
// waiting for a text, and the settings form.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..');
export const DIST = resolve(ROOT, process.env.DIST_DIR ?? 'dist');
export const DIST_SUBPATH = resolve(ROOT, process.env.DIST_SUBPATH_DIR ?? 'target/dist-subpath');
export const DIST_E2E = resolve(ROOT, process.env.DIST_E2E_DIR ?? 'target/dist-e2e');
export const SCREENSHOTS = resolve(ROOT, 'target/screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `dir` at `prefix` on 127.0.0.1 as a plain static host would: no rewrites, 404 for
 * anything missing. Records every path asked for, so tests can spot stray requests.
 *
 * `dir` may instead map several prefixes to their builds, `{ '/': DIST, '/pocket-chat/':
 * DIST_SUBPATH }`, as one origin with two deployments (the longest prefix serves a path;
 * `url` is then the origin's root). With `fallback`, a missing file is answered as some
 * hosts do: with its deployment's `index.html`, HTTP 200, text/html.
 */
export async function serveStatic(dir, { prefix = '/', fallback = false } = {}) {
  const mounts = Object.entries(typeof dir === 'string' ? { [prefix]: dir } : dir)
    .sort(([a], [b]) => b.length - a.length);
  const requested = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requested.push(path);
    const mount = mounts.find(([at]) => path.startsWith(at));
    if (!mount) return notFound(res);
    const [at, root] = mount;
    let rel = normalize(path.slice(at.length));
    if (rel.startsWith('..')) return notFound(res);
    if (rel === '.' || rel === '' || rel.endsWith('/')) rel = join(rel, 'index.html');
    const send = async (file) => {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    };
    try {
      await send(join(root, rel));
    } catch {
      if (fallback) await send(join(root, 'index.html')).catch(() => notFound(res));
      else notFound(res);
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${typeof dir === 'string' ? prefix : '/'}`,
    requested,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

/** Headless Debian Chromium with the flags this closed network needs. */
const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

/** A browser whose contexts are fresh, incognito-like profiles. */
export function launchBrowser() {
  return chromium.launch(CHROMIUM);
}

/** One real (not incognito) profile kept in `dir`: what Chromium installs apps from. */
export function launchProfile(dir) {
  return chromium.launchPersistentContext(dir, CHROMIUM);
}

/** Waits until `page`'s service worker is active, its build cached: a first visit's end. */
export function serviceWorkerReady(page, timeout = 30_000) {
  return page.waitForFunction(() => navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated'),
    null, { polling: 50, timeout });
}

/**
 * Every record of the app's IndexedDB database, read with the browser's own IndexedDB API
 * (not the app's code), so tests check what is really stored.
 */
export function dumpDb(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, fail) => {
      const req = indexedDB.open('pocket-chat');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const out = {};
    for (const name of db.objectStoreNames) {
      out[name] = await new Promise((ok, fail) => {
        const req = db.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(req.error);
      });
    }
    db.close();
    return out;
  });
}

/** Checks num_token == Σ charged_token − Σ total for every stored user. */
/** Drops the kept HTML of every exchange (of thread `threadId` when given), as a reply
 *  stored before replies kept their HTML has none. */
export function forgetHtml(page, threadId = null) {
  return page.evaluate((only) => new Promise((resolve, reject) => {
    const open = indexedDB.open('pocket-chat');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('messages', 'readwrite');
      const store = tx.objectStore('messages');
      store.getAll().onsuccess = (e) => {
        for (const row of e.target.result) {
          if (row.html && (only === null || row.thread_id === only)) {
            delete row.html;
            store.put(row);
          }
        }
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), threadId);
}

/** `rows` without what is derived from them: a reply's HTML, which exports leave out and
 *  the app renders again when the reply shows. */
export function stored(rows) {
  return rows.map(({ html, ...row }) => row);
}

export function ledgerProblems(dump) {
  return dump.users
    .map((u) => {
      const credits = dump.payments.filter((p) => p.user_id === u.user_id).reduce((s, p) => s + p.charged_token, 0);
      const debits = dump.messages.filter((m) => m.user_id === u.user_id).reduce((s, m) => s + m.total, 0);
      return credits - debits === u.num_token ? null : `${u.user_id}: ${u.num_token} != ${credits} - ${debits}`;
    })
    .filter(Boolean);
}

/**
 * Waits until `locator`'s (first match's) text equals `want` or matches the RegExp, polling
 * the page for up to 10 s; fails with what the screen shows instead.
 */
export async function waitText(locator, want) {
  const matches = (t) => (want instanceof RegExp ? want.test(t) : t === want);
  let text = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    text = (await locator.count()) ? (await locator.first().innerText()).trim() : '';
    if (matches(text)) return;
    await locator.page().waitForTimeout(25);
  }
  throw new Error(`expected ${want}, screen shows ${JSON.stringify(text)}`);
}

/** Fills the settings form as a person would and saves it. */
export async function configure(page, { kind = 'openai', key = 'sk-test', base, endpoint, apiVersion = '2024-10-21',
  deployA = 'gpt-35-turbo', deployB = 'dep-4o', stream = true } = {}) {
  await page.getByTestId('settings-button').click();
  await page.getByTestId('provider-kind').selectOption(kind);
  await page.getByTestId('api-key').fill(key);
  if (kind === 'azure') {
    await page.getByTestId('azure-endpoint').fill(endpoint);
    await page.getByTestId('api-version').fill(apiVersion);
    await page.getByTestId('deployment-a').fill(deployA);
    await page.getByTestId('deployment-b').fill(deployB);
  } else {
    await page.getByTestId('base-url').fill(base);
  }
  const box = page.getByTestId('stream');
  if ((await box.isChecked()) !== stream) await box.click();
  await page.getByTestId('save-settings').click();
  await waitText(page.getByTestId('notice'), /Settings saved\./);
}

/** Installed before any app code (and, by `PocketChat.fillStorage`, in the page's data
 *  worker): while `globalThis.__quotaFull`, IndexedDB put and add throw the
 *  QuotaExceededError a full quota throws. (Chromium's quota override does not apply to
 *  test profiles.) */
export function QUOTA_SWITCH() {
  if (globalThis.__quotaSwitch) return;
  globalThis.__quotaSwitch = true;
  for (const method of ['put', 'add']) {
    const real = IDBObjectStore.prototype[method];
    IDBObjectStore.prototype[method] = function (...args) {
      if (globalThis.__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return real.apply(this, args);
    };
  }
}
