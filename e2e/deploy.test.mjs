// The container recipe's server, checked as far as this machine goes: Debian's nginx runs
// deploy/nginx.conf (its root, port and scratch paths swapped for a test folder on
// loopback) over the release build at the site's root and the /pocket-chat/ build under
// its subpath, as one origin. The headers each file gets, a missing file's 404, and the app
// installed from it, then opened with no network. Skipped where /usr/sbin/nginx is missing
// (scripts/setup.sh --test installs it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIST, DIST_SUBPATH } from './support.mjs';
import { fixture } from './fixture.mjs';
import { PocketChat, waitText } from './pocket_chat_page.mjs';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const CONF = resolve(import.meta.dirname, '..', 'deploy', 'nginx.conf');
const skip = existsSync(NGINX) ? false : `no ${NGINX} (scripts/setup.sh --test installs Debian's nginx)`;

const fx = fixture({ watch: ['pageErrors', 'cspConsole'] });

/** nginx with deploy/nginx.conf, serving `root` on a free loopback port. */
async function startNginx(root) {
  const dir = await mkdtemp(join(tmpdir(), 'pocket-chat-nginx-'));
  const port = await new Promise((ok) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const { port: p } = probe.address(); probe.close(() => ok(p)); });
  });
  const swaps = [
    ['listen 8080;', `listen 127.0.0.1:${port};`],
    ['root /usr/share/nginx/html;', `root ${root};`],
    ['pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`],
    ['/tmp/nginx-', `${dir}/`],
    ['access_log /dev/stdout;', 'access_log off;'],
  ];
  let conf = await readFile(CONF, 'utf8');
  for (const [from, to] of swaps) {
    assert.ok(conf.includes(from), `deploy/nginx.conf has "${from}"`);
    conf = conf.replaceAll(from, to);
  }
  await writeFile(join(dir, 'nginx.conf'), conf);
  const server = spawn(NGINX, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`nginx exited ${server.exitCode}: ${log}`);
    if (await fetch(url).then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer: ${log}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    url,
    log: () => log,
    close: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((ok) => server.once('exit', ok));
        server.kill('SIGQUIT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let site = null;
let root = null;

before(async () => {
  if (skip) return;
  // One origin, two deployments: the root build, and the subpath build in pocket-chat/,
  // as deploy/Dockerfile lays them out (readable by nginx's unprivileged workers).
  root = await mkdtemp(join(tmpdir(), 'pocket-chat-www-'));
  await cp(DIST, root, { recursive: true });
  await cp(DIST_SUBPATH, join(root, 'pocket-chat'), { recursive: true });
  await chmod(root, 0o755);
  site = await startNginx(root);
});
after(async () => {
  await site?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const HASHED = /-[0-9a-f]{8,16}(_bg\.wasm|_loader\.js|\.js|\.css)$/;
const TYPE = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  wasm: 'application/wasm',
  css: 'text/css; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  png: 'image/png',
};
const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

// Guards against a config that serves the build with types a browser refuses (a .wasm as
// octet-stream, a manifest as text), caches index.html or sw.js for long (a deployment
// unseen) or a hashed file for short, answers a missing file with the index page, or adds
// a header CSP that fights the page's own.
test('nginx with deploy/nginx.conf: every file of both builds with its type and cache rule, a missing file 404', { skip }, async () => {
  for (const [base, dir] of [['', DIST], ['pocket-chat/', DIST_SUBPATH]]) {
    const names = await readdir(dir);
    assert.ok(names.some((n) => n.endsWith('.wasm')) && names.includes('sw.js'));
    for (const name of ['', ...names]) {
      const r = await fetch(`${site.url}${base}${name}`);
      const where = `/${base}${name}`;
      assert.equal(r.status, 200, where);
      const ext = name === '' ? 'html' : name.split('.').pop();
      assert.equal(r.headers.get('content-type'), TYPE[ext], where);
      assert.equal(r.headers.get('cache-control'), HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache', where);
      for (const [header, value] of Object.entries(SECURITY)) assert.equal(r.headers.get(header), value, `${where} ${header}`);
      assert.equal(r.headers.get('content-security-policy'), null, `${where}: the CSP is index.html's own`);
      await r.arrayBuffer();
    }
    // The files browsers revalidate at each use, by name.
    for (const name of ['index.html', 'sw.js', 'manifest.webmanifest', 'icon-192.png', 'icon-512.png', 'icon-maskable-512.png', 'apple-touch-icon.png', 'favicon-32.png']) {
      assert.ok(names.includes(name), name);
    }
    for (const missing of ['missing.wasm', 'pocket-chat-0123456789abcdef_bg.wasm', 'missing/', 'thread/42']) {
      const r = await fetch(`${site.url}${base}${missing}`);
      assert.equal(r.status, 404, `/${base}${missing}`);
      assert.doesNotMatch(await r.text(), /pocket-chat/, `/${base}${missing} is not the index page`);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  }
  // The subpath without its slash: a redirect to it, on the same host and port.
  const r = await fetch(`${site.url}pocket-chat`, { redirect: 'manual' });
  assert.equal(r.status, 301);
  assert.equal(new URL(r.headers.get('location'), site.url).href, `${site.url}pocket-chat/`);
});

// Guards against headers that keep the app from installing its worker or starting (a
// refused type, a policy that blocks the WASM or the worker) on this server, and against a
// deployment that does not open with no network from it.
for (const [where, path] of [['at the root', ''], ['under /pocket-chat/', 'pocket-chat/']]) {
  test(`nginx with deploy/nginx.conf, ${where}: the app installs, then opens with no network with its thread`, { skip }, async () => {
    const url = `${site.url}${path}`;
    const context = await fx.newContext();
    const app = await PocketChat.open(context, { url, site: { url }, mock: fx.mock, watch: ['pageErrors', 'cspConsole'] });
    await app.configure({ base: fx.mock.url });
    await app.say(`served by nginx ${where}`);
    await app.waitReply(`Echo: served by nginx ${where}`);
    await app.offlineReady();
    assert.equal(await app.page.evaluate(async () => (await navigator.serviceWorker.ready).scope), url);
    await context.setOffline(true);
    const served = app.page.waitForResponse((r) => r.request().isNavigationRequest());
    await app.reload();
    assert.ok((await served).fromServiceWorker(), 'the page came from the service worker');
    await waitText(app.balance, /^\d[\d,]* tokens$/);
    await waitText(app.offlineNotice, /^You are offline\./);
    assert.deepEqual((await app.threadLinks.allInnerTexts()).map((t) => t.split('\n')[0]), [`served by nginx ${where}`]);
    assert.deepEqual(app.problems, []);
    assert.doesNotMatch(site.log(), /\[(emerg|alert|crit|error)\]/);
  });
}
