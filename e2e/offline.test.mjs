// Installable and offline: the release build's manifest, icons and service worker in
// Chromium, the app opened with no network, chatting with a model on this computer while
// offline, and a new deployment taken only when the user agrees. At the site's root and
// under the /pocket-chat/ subpath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, DIST_SUBPATH, SCREENSHOTS, launchProfile, serveStatic } from './support.mjs';
import { fixture } from './fixture.mjs';
import { PocketChat, waitText } from './pocket_chat_page.mjs';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { writeServiceWorker } from '../scripts/offline.mjs';
import { BLOCKED, closeAndUpgrade, openVersion1, version1Records } from './upgrade.mjs';

const fx = fixture({ dist: DIST, watch: ['pageErrors', 'consoleErrors'] });

const BUILDS = [
  { where: 'at the root', dist: DIST, prefix: '/' },
  { where: 'under /pocket-chat/', dist: DIST_SUBPATH, prefix: '/pocket-chat/' },
];

const OFFLINE_SENT = 'This browser is offline, so the message was not sent. It is kept in the box; send it again when the connection is back.';

/** The app on `site` in a fresh profile, watched for errors, the provider set up. */
async function openOn(site, options = {}) {
  const context = await fx.newContext(options);
  const app = await PocketChat.open(context, { url: site.url, site, mock: fx.mock, watch: ['pageErrors'] });
  await app.configure({ base: fx.mock.url });
  return app;
}

/** Every URL in the page's Cache Storage, by cache. */
const cached = (page) => page.evaluate(async () => {
  const out = {};
  for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
  return out;
});

/** The URLs of every file of the build in `dir` served at `base`, and the scope itself. */
async function buildFiles(dir, base) {
  return [base, ...(await readdir(dir)).filter((f) => f !== 'sw.js').map((f) => new URL(f, base).href)].sort();
}

/** Two threads: "Alpha one" (two exchanges) and "Beta one" (one). */
async function twoThreads(app) {
  await app.say('Alpha one');
  await app.waitReply('Echo: Alpha one');
  await app.say('Alpha two');
  await app.waitReply('Echo: Alpha two');
  await app.newThread();
  await app.say('Beta one');
  await app.waitReply('Echo: Beta one');
}

for (const { where, dist, prefix } of BUILDS) {
  // Guards against a manifest or worker Chromium would not install: fields missing, an
  // icon that does not load, a worker without a fetch handler, a scope that misses the app.
  test(`${where}: Chromium reports the app installable, with its manifest and icons`, async () => {
    const site = await serveStatic(dist, { prefix });
    // A real profile: Chromium never installs from an incognito one, which test contexts are.
    const dir = await mkdtemp(join(tmpdir(), 'pocket-chat-profile-'));
    const context = await launchProfile(dir);
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(site.url);
      const app = new PocketChat(page, { context, site, mock: fx.mock });
      await waitText(app.balance, '100 tokens');
      await app.offlineReady();
      const cdp = await context.newCDPSession(page);
      assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, []);
      const { url, errors, data } = await cdp.send('Page.getAppManifest');
      assert.equal(url, `${site.url}manifest.webmanifest`);
      assert.deepEqual(errors, []);
      const manifest = JSON.parse(data);
      assert.equal(manifest.name, 'pocket-chat');
      assert.equal(manifest.short_name, 'pocket-chat');
      assert.equal(manifest.display, 'standalone');
      assert.equal(new URL(manifest.start_url, url).href, site.url);
      assert.equal(new URL(manifest.scope, url).href, site.url);
      assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/);
      // Each icon loads, is a PNG, and is the size the manifest says.
      const icons = [...manifest.icons, { src: 'apple-touch-icon.png', sizes: '180x180' }, { src: 'favicon-32.png', sizes: '32x32' }];
      for (const icon of icons) {
        const head = await page.evaluate(async (src) => {
          const r = await fetch(src);
          return [r.status, [...new Uint8Array(await r.arrayBuffer()).slice(0, 24)]];
        }, new URL(icon.src, url).href);
        assert.equal(head[0], 200, icon.src);
        const bytes = Buffer.from(head[1]);
        assert.equal(bytes.subarray(1, 4).toString(), 'PNG', icon.src);
        assert.equal(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`, icon.sizes, icon.src);
      }
      assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
      // Light and dark theme colours for the window's frame.
      assert.deepEqual(await page.$$eval('meta[name=theme-color]', (ms) => ms.map((m) => m.media)),
        ['(prefers-color-scheme: light)', '(prefers-color-scheme: dark)']);
      // The worker is the build's, scoped to the app, and it handles fetches.
      const worker = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return { scope: reg.scope, script: reg.active.scriptURL };
      });
      assert.deepEqual(worker, { scope: site.url, script: `${site.url}sw.js` });
      // Exactly the build's files, in one cache.
      assert.deepEqual(Object.values(await cached(page)), [await buildFiles(dist, site.url)]);
      await page.reload();
      await waitText(app.balance, '100 tokens');
      assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'a reload is served by the worker');
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
      await site.close();
    }
  });

  // Guards against the browser's error page on a reload with no network, a thread that
  // is not there offline, and a send to a remote endpoint that fails silently or loses
  // the prompt while offline.
  test(`${where}: with no network the app opens with every thread; a send to a remote endpoint says it is offline`, async () => {
    const site = await serveStatic(dist, { prefix });
    try {
      const app = await openOn(site);
      await twoThreads(app);
      await app.offlineReady();
      const before = await app.settledDump();
      const asked = fx.mock.requests.length;
      await app.context.setOffline(true);
      const served = app.page.waitForResponse((r) => r.url() === site.url);
      await app.reload();
      assert.ok((await served).fromServiceWorker(), 'the page came from the service worker');
      await waitText(app.balance, /^\d[\d,]* tokens$/);
      await waitText(app.offlineNotice, /^You are offline\./);
      assert.deepEqual((await app.threadLinks.allInnerTexts()).map((t) => t.split('\n')[0]), ['Beta one', 'Alpha one']);
      await app.openThread('Alpha one');
      await app.waitPrompts(['Alpha one', 'Alpha two']);
      await app.screenshot(`offline-reload-${prefix === '/' ? 'root' : 'subpath'}`);
      await app.openThread('Beta one');
      await app.waitPrompts(['Beta one']);
      await app.say('sent while offline');
      await waitText(app.noticeText, OFFLINE_SENT);
      assert.equal(await app.input.inputValue(), 'sent while offline');
      assert.equal(fx.mock.requests.length, asked, 'nothing reached the endpoint');
      assert.deepEqual(await app.dump(), before);
      // Back online, the same prompt goes through.
      await app.context.setOffline(false);
      await app.input.press('Enter');
      await app.waitReply('Echo: sent while offline');
      assert.deepEqual(app.problems, []);
    } finally {
      await site.close();
    }
  });
}

// Guards against the worker standing between the page and a provider (a cached reply, a
// request it answers itself) and against a send to a model on this computer being refused
// while the rest of the network is gone. The site's host is down; only loopback answers.
test('offline, a model on this computer still answers, straight from the network', async () => {
  const site = await serveStatic(DIST);
  const remote = await startMockProvider();
  try {
    const app = await openOn(site);
    await app.say('online');
    await app.waitReply('Echo: online');
    await app.offlineReady();
    await site.close();
    // Chromium's own offline mode for everything but the local model's address, and the
    // page told it is offline, as on a laptop with no network and a model it runs itself.
    const cdp = await app.context.newCDPSession(app.page);
    await cdp.send('Network.enable');
    const open = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
    await cdp.send('Network.emulateNetworkConditionsByRule', {
      matchedNetworkConditions: [
        { ...open, urlPattern: `${fx.mock.url.replace(/\/$/, '')}/*`, offline: false },
        { ...open, urlPattern: '', offline: true },
      ],
    });
    await cdp.send('Network.overrideNetworkState', { ...open, offline: true });
    await app.reload();
    await waitText(app.balance, /^\d[\d,]* tokens$/);
    await waitText(app.offlineNotice, /^You are offline\./);
    const replies = [];
    app.page.on('response', (r) => { if (r.url().startsWith(fx.mock.url)) replies.push(r); });
    await app.say('offline, local');
    await app.waitReply('Echo: offline, local');
    assert.ok(replies.length > 0 && replies.every((r) => !r.fromServiceWorker()), 'the reply came from the network');
    const chats = fx.chats('openai');
    assert.equal(chats.at(-1).body.messages.at(-1).content, 'offline, local');
    const after = await app.dump();
    assert.ok(after.messages.some((m) => m.completion === 'Echo: offline, local' && m.status === 'complete'));
    // Nothing of the chat was cached: the cache holds the build's files only.
    assert.deepEqual(Object.values(await cached(app.page)), [await buildFiles(DIST, site.url)]);
    // A remote endpoint, meanwhile, is offline.
    await app.configure({ base: remote.url });
    await app.newThread();
    await app.say('remote');
    await waitText(app.noticeText, OFFLINE_SENT);
    // Chromium's emulation lets the CORS preflight out; the chat request itself never left.
    assert.deepEqual(remote.requests.filter((r) => r.method !== 'OPTIONS').map((r) => [r.method, r.path]), []);
    await app.screenshot('offline-local-model');
    assert.deepEqual(app.problems, []);
  } finally {
    await remote.close();
    await site.close().catch(() => {});
  }
});

// Guards against a build served by the worker skipping the schema upgrade, or hanging
// blank instead of saying which tab blocks it. Offline, so the app can only come from the
// worker's cache.
test('offline, the app from the worker still upgrades old storage, and says when an old tab blocks it', async () => {
  const v1 = await version1Records();
  const context = await fx.newContext();
  const first = await PocketChat.open(context, { site: fx.site, mock: fx.mock });
  await first.offlineReady();
  await first.page.close();
  // An old build's tab: its version-1 database in place of what the first visit made. (A
  // page the build does not have: the worker leaves it to the host, which has none.)
  const old = await context.newPage();
  await old.goto(`${fx.site.url}old-tab`);
  await old.evaluate(() => new Promise((ok, fail) => {
    const req = indexedDB.deleteDatabase('pocket-chat');
    req.onsuccess = ok;
    req.onerror = () => fail(req.error);
  }));
  await openVersion1(old, v1);
  await context.setOffline(true);
  const app = await PocketChat.open(context, { site: fx.site, mock: fx.mock, watch: ['pageErrors'], ready: false });
  await waitText(app.noticeText, BLOCKED);
  assert.ok(await app.page.evaluate(() => !!navigator.serviceWorker.controller), 'the app came from the worker');
  await closeAndUpgrade(app, old, v1);
  assert.deepEqual(app.problems, []);
});

/**
 * A second build of `from` written to `to`, as a deployment with changes would be: its
 * stylesheet changed (a new name, index.html's link and integrity with it), its data worker
 * rebuilt (new names), and a new service worker listing the new files.
 */
async function nextBuild(from, to) {
  await cp(from, to, { recursive: true });
  const files = await readdir(to);
  let html = await readFile(join(to, 'index.html'), 'utf8');
  const css = files.find((f) => /^main-[0-9a-f]+\.css$/.test(f));
  const style = `${await readFile(join(to, css), 'utf8')}\n:root { --build: "next"; }\n`;
  const newCss = `main-${createHash('sha256').update(style).digest('hex').slice(0, 16)}.css`;
  await rm(join(to, css));
  await writeFile(join(to, newCss), style);
  const integrity = `sha384-${createHash('sha384').update(style).digest('base64')}`;
  html = html.replace(new RegExp(`${css}" integrity="[^"]+"`), `${newCss}" integrity="${integrity}"`);
  const stem = files.find((f) => /^data-worker-[0-9a-f]{16}_loader\.js$/.test(f)).replace('_loader.js', '');
  const next = `data-worker-${createHash('sha256').update(`${stem} next`).digest('hex').slice(0, 16)}`;
  await rename(join(to, `${stem}.js`), join(to, `${next}.js`));
  await rename(join(to, `${stem}_bg.wasm`), join(to, `${next}_bg.wasm`));
  await rm(join(to, `${stem}_loader.js`));
  await writeFile(join(to, `${next}_loader.js`), `importScripts("./${next}.js");wasm_bindgen("./${next}_bg.wasm");`);
  html = html.replace(`${stem}_loader.js`, `${next}_loader.js`);
  await writeFile(join(to, 'index.html'), html);
  await writeServiceWorker(to);
}

/** Replaces what `live` serves with `build`'s files, as a deployment does. */
async function deploy(build, live) {
  for (const f of await readdir(live)) await rm(join(live, f), { recursive: true });
  await cp(build, live, { recursive: true });
}

const buildMark = (page) => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--build').trim());

for (const { where, dist, prefix } of BUILDS) {
  // Guards against an update that reloads by itself (mid-stream, or losing the draft),
  // one never noticed, an old tab broken by the new files, and storage lost on the way.
  test(`${where}: a new deployment is offered, taken only when the user agrees, with the draft and every record kept`, async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'pocket-chat-deploy-'));
    const live = join(scratch, 'live');
    const next = join(scratch, 'next');
    await cp(dist, live, { recursive: true });
    await nextBuild(dist, next);
    const site = await serveStatic(live, { prefix });
    try {
      const app = await openOn(site);
      await app.say('before the update');
      await app.waitReply('Echo: before the update');
      await app.offlineReady();
      assert.equal(await app.updateLine.isVisible(), false, 'no line before a new version');
      // A second tab of the old version, left open.
      const old = await PocketChat.open(app.context, { url: site.url, site, mock: fx.mock, watch: ['pageErrors'], ready: /tokens$/ });
      await deploy(next, live);
      // The browser checks for a new worker at each navigation: this reload comes from the
      // old build's cache and finds the new one.
      await app.reload();
      await waitText(app.balance, /^\d[\d,]* tokens$/);
      assert.equal(await buildMark(app.page), '');
      await app.updateLine.waitFor();
      await waitText(app.updateLine.locator('p'), 'A new version of pocket-chat is ready. Reload to use it; what you typed stays in the box.');
      // Not while a reply streams: the button waits for it.
      await app.say('one two three four five six [[mock:chunkDelayMs=150]]');
      await app.streamingReply.waitFor();
      assert.equal(await app.updateReload.isDisabled(), true);
      assert.equal(await app.updateReload.getAttribute('title'), 'Reload once the reply has finished.');
      await waitText(app.updateWait, 'Reload once the reply has finished.');
      if (prefix === '/') await app.screenshot('update-ready-streaming');
      await app.waitReply(/^Echo: one two three four five six/);
      await app.waitUpdateReloadEnabled();
      assert.equal(await app.updateWait.isVisible(), false);
      await app.input.fill('a draft typed before the update');
      await app.screenshot(`update-ready-${prefix === '/' ? 'root' : 'subpath'}`);
      await app.languageButton.click();
      await waitText(app.updateLine.locator('p'), 'pocket-chat の新しいバージョンの準備ができました。再読み込みすると切り替わります。入力中の文章はそのまま残ります。');
      await app.screenshot(`update-ready-ja-${prefix === '/' ? 'root' : 'subpath'}`);
      await app.languageButton.click();
      await waitText(app.updateReload, 'Reload');
      if (prefix === '/') {
        // On a phone the line wraps, its buttons still in reach.
        await app.page.setViewportSize({ width: 390, height: 760 });
        await app.screenshot('update-ready-phone');
        await app.page.setViewportSize({ width: 1280, height: 720 });
      }
      const before = await app.dump();
      await app.reloadFromUpdateLine();
      await waitText(app.balance, /^\d[\d,]* tokens$/);
      assert.equal(await buildMark(app.page), '"next"', 'the new version runs');
      assert.equal(await app.input.inputValue(), 'a draft typed before the update');
      assert.equal(await app.updateLine.isVisible(), false);
      assert.deepEqual(await app.dump(), before);
      // The old tab runs on, its data worker (gone from the host) from its own cache.
      assert.equal(await buildMark(old.page), '');
      await old.openData();
      const exported = JSON.parse(await readFile(await old.exportAll(join(SCREENSHOTS, '..', `old-tab-export-${prefix.length}.json`)), 'utf8'));
      assert.equal(exported.messages.length, 2);
      await old.reload();
      await waitText(old.balance, /^\d[\d,]* tokens$/);
      assert.equal(await buildMark(old.page), '"next"', 'reloaded, the old tab runs the new version');
      assert.deepEqual(app.problems, []);
      assert.deepEqual(old.problems, []);
    } finally {
      await site.close();
      await rm(scratch, { recursive: true, force: true });
    }
  });
}

/** Reloads `app` to find the deployed version and takes it from the update line. */
async function takeUpdate(app) {
  await app.reload();
  await waitText(app.balance, /^\d[\d,]* tokens$/);
  await app.updateLine.waitFor();
  await app.reloadFromUpdateLine();
  await waitText(app.balance, /^\d[\d,]* tokens$/);
  assert.equal(await buildMark(app.page), '"next"', 'the new version runs');
}

/** Reloads `app` with no network: it comes from the worker, with `threads` listed and the
 *  build `mark` running. */
async function reloadOffline(app, threads, mark) {
  const served = app.page.waitForResponse((r) => r.request().isNavigationRequest());
  await app.reload();
  assert.ok((await served).fromServiceWorker(), 'the page came from the service worker');
  await waitText(app.balance, /^\d[\d,]* tokens$/);
  await waitText(app.offlineNotice, /^You are offline\./);
  await app.waitThreadLinks(threads.length);
  assert.deepEqual((await app.threadLinks.allInnerTexts()).map((t) => t.split('\n')[0]), threads);
  assert.equal(await buildMark(app.page), mark);
}

/** Every cache's URLs, sorted, as strings: compared regardless of the caches' names. */
const cachedBuilds = async (page) => Object.values(await cached(page)).map((urls) => urls.join(' ')).sort();
const builds = async (...lists) => (await Promise.all(lists)).map((urls) => urls.join(' ')).sort();

// Guards against one deployment's update dropping the caches of another deployment on the
// same origin (the site's root and a subpath), which then opens as the browser's error page
// with no network.
test('two deployments on one origin, at the root and under /pocket-chat/: after each update both open offline with their threads', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'pocket-chat-two-'));
  const [root, sub, rootNext, subNext] = ['root', 'sub', 'root-next', 'sub-next'].map((d) => join(scratch, d));
  await cp(DIST, root, { recursive: true });
  await cp(DIST_SUBPATH, sub, { recursive: true });
  await nextBuild(DIST, rootNext);
  await nextBuild(DIST_SUBPATH, subNext);
  const site = await serveStatic({ '/': root, '/pocket-chat/': sub });
  const rootUrl = site.url;
  const subUrl = `${site.url}pocket-chat/`;
  try {
    // One browser: both deployments share the origin's storage, so both list every thread.
    const context = await fx.newContext();
    const open = (url) => PocketChat.open(context, { url, site, mock: fx.mock, watch: ['pageErrors'], ready: /tokens$/ });
    // The subpath's worker installs first, so its cache is the older of the two.
    const atSub = await open(subUrl);
    await atSub.configure({ base: fx.mock.url });
    await atSub.say('Under the subpath');
    await atSub.waitReply('Echo: Under the subpath');
    await atSub.offlineReady();
    const atRoot = await open(rootUrl);
    await atRoot.newThread();
    await atRoot.say('At the root');
    await atRoot.waitReply('Echo: At the root');
    await atRoot.offlineReady();
    const threads = ['At the root', 'Under the subpath'];
    assert.deepEqual(await cachedBuilds(atRoot.page), await builds(buildFiles(DIST, rootUrl), buildFiles(DIST_SUBPATH, subUrl)));
    await deploy(rootNext, root);
    await deploy(subNext, sub);

    // The root's update taken: the subpath's build is still cached, and both open offline.
    await takeUpdate(atRoot);
    assert.deepEqual(await cachedBuilds(atRoot.page),
      await builds(buildFiles(DIST, rootUrl), buildFiles(rootNext, rootUrl), buildFiles(DIST_SUBPATH, subUrl)));
    await context.setOffline(true);
    await reloadOffline(atSub, threads, '');
    await reloadOffline(atRoot, threads, '"next"');
    await context.setOffline(false);

    // Then the subpath's: each keeps its current build and the one before, and both open offline.
    await takeUpdate(atSub);
    assert.deepEqual(await cachedBuilds(atSub.page), await builds(
      buildFiles(DIST, rootUrl), buildFiles(rootNext, rootUrl), buildFiles(DIST_SUBPATH, subUrl), buildFiles(subNext, subUrl)));
    await context.setOffline(true);
    await reloadOffline(atRoot, threads, '"next"');
    await reloadOffline(atSub, threads, '"next"');
    await atSub.screenshot('offline-two-deployments-subpath');
    assert.deepEqual(atRoot.problems, []);
    assert.deepEqual(atSub.problems, []);
  } finally {
    await site.close();
    await rm(scratch, { recursive: true, force: true });
  }
});

const REFUSED = (file) => `pocket-chat could not install its new version: the site sent something other than the file ${file}. The version you have stays, and works offline as before.`;
const REFUSED_JA = (file) => `pocket-chat の新しいバージョンをインストールできませんでした。サイトがファイル ${file} の代わりに別のものを送ってきました。今のバージョンがそのまま残り、これまでどおりオフラインでも使えます。`;
const REFUSED_FIRST = (file) => `pocket-chat could not save itself for use offline: the site sent something other than the file ${file}. It works while you are online.`;

/** The data worker's WASM in the build in `dir`, removed: a deployment that lost a file. */
async function loseWasm(dir) {
  const wasm = (await readdir(dir)).find((f) => /^data-worker-[0-9a-f]{16}_bg\.wasm$/.test(f));
  await rm(join(dir, wasm));
  return wasm;
}

/** What the host answers for `url`: its status and type. */
const answer = (page, url) => page.evaluate(async (u) => {
  const r = await fetch(u, { cache: 'no-store' });
  return `${r.status} ${r.headers.get('content-type')}`;
}, url);

// Guards against a host's index page (what some hosts answer for a missing file, HTTP 200)
// kept under a new version's WASM name, which takes over and then cannot start its data
// worker offline, and against that failure going unsaid.
test('a host that answers a missing file with its index page: the new version is refused with a sentence; the old one stays and works offline', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'pocket-chat-refused-'));
  const live = join(scratch, 'live');
  const next = join(scratch, 'next');
  await cp(DIST, live, { recursive: true });
  await nextBuild(DIST, next);
  const site = await serveStatic(live, { fallback: true });
  try {
    const app = await openOn(site);
    await twoThreads(app);
    await app.offlineReady();
    const old = await buildFiles(DIST, site.url);
    const wasm = await loseWasm(next);
    await deploy(next, live);
    assert.equal(await answer(app.page, `${site.url}${wasm}`), '200 text/html; charset=utf-8');
    await app.reload();
    await waitText(app.balance, /^\d[\d,]* tokens$/);
    const line = app.updateRefused;
    await waitText(line.locator('p'), REFUSED(`/${wasm}`));
    assert.equal(await line.locator('p *').count(), 0, 'the sentence is text');
    // The new worker is gone, nothing of it cached, no new version offered.
    await app.page.waitForFunction(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return reg.active && !reg.installing && !reg.waiting;
    });
    assert.equal(await app.updateLine.isVisible(), false);
    assert.deepEqual(Object.values(await cached(app.page)), [old]);
    await app.screenshot('update-refused');
    await app.languageButton.click();
    await waitText(line.locator('p'), REFUSED_JA(`/${wasm}`));
    await app.screenshot('update-refused-ja');
    await app.languageButton.click();
    await line.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal(await line.isVisible(), false);
    // Dismissed, it stays so: a reload has the browser try the same build again, and the
    // refusal it meets again is not said again.
    await app.reload();
    await waitText(app.balance, /^\d[\d,]* tokens$/);
    await app.page.waitForFunction(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return reg.active && !reg.installing && !reg.waiting;
    });
    assert.equal(await line.isVisible(), false);
    // With no network the old version opens from its cache, every thread there, and its
    // data worker (still cached) exports.
    await app.context.setOffline(true);
    await reloadOffline(app, ['Beta one', 'Alpha one'], '');
    await app.openData();
    const exported = JSON.parse(await readFile(await app.exportAll(join(SCREENSHOTS, '..', 'refused-export.json')), 'utf8'));
    assert.equal(exported.messages.length, 3);
    assert.equal(await line.isVisible(), false);
    assert.deepEqual(app.problems, []);
  } finally {
    await site.close();
    await rm(scratch, { recursive: true, force: true });
  }
});

// Guards against a first visit caching a host's index page as one of the build's files
// (here an icon: the app still starts), and against that going unsaid.
test('a first visit to a host that answers a missing file with its index page: nothing cached, a sentence, the app works online', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'pocket-chat-refused-first-'));
  await cp(DIST, scratch, { recursive: true, force: true });
  const icon = 'icon-maskable-512.png';
  await rm(join(scratch, icon));
  const site = await serveStatic(scratch, { fallback: true });
  try {
    const app = await openOn(site);
    await waitText(app.updateRefused.locator('p'), REFUSED_FIRST(`/${icon}`));
    await app.say('online still');
    await app.waitReply('Echo: online still');
    assert.deepEqual(await cached(app.page), {});
    assert.equal(await app.page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.active), false);
    assert.deepEqual(app.problems, []);
  } finally {
    await site.close();
    await rm(scratch, { recursive: true, force: true });
  }
});
