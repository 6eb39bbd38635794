// pocket-chat's service worker (the body of the build's sw.js; scripts/offline.mjs puts
// VERSION and FILES, this build's files, in front of it).
//
// - Install: fetch every file of the build, past the HTTP cache, and check each answer: a
//   success, of the type its name says (a host that answers a missing file with its index
//   page must not have that page kept as the WASM). Only if every file is right do they
//   go into a cache of this version; otherwise the install fails, the version before
//   stays, and the page is told which file was wrong. It then waits: a new version takes
//   over only when the page asks, after the user agreed (the page's "new version" line),
//   never by itself mid-chat.
// - Fetch: the build's files come from the cache (then the network if the cache lost
//   them). Nothing else is touched: not a provider's API (another origin, or a POST), not
//   a path the build does not have.
// - Activate: drop this scope's caches older than the one before this version, which an
//   open tab of the old version may still need (its data worker loads on first export).
//   Caches are named by scope, so a deployment at the site's root and one under a subpath
//   of the same origin never drop each other's.
const SCOPE = new URL('./', self.location).href;
const PREFIX = `pocket-chat ${new URL(SCOPE).pathname} `;
const CACHE = PREFIX + VERSION;
const OWN = new Set(FILES.map((f) => new URL(f, SCOPE).href));
// An older build's data worker, still asked for by a tab of that build.
const OLD_WORKER = /^data-worker-[0-9a-f]{16}(_loader\.js|\.js|_bg\.wasm)$/;

/** The content type each of the build's files must come with, by its name's ending (the
 *  scope itself is the app's page); other names: anything but a page. */
const TYPES = [
  [/\/$|\.html$/, /^text\/html$/],
  [/\.wasm$/, /^application\/wasm$/],
  [/\.m?js$/, /^(text|application)\/(x-)?(javascript|ecmascript)$/],
  [/\.css$/, /^text\/css$/],
  [/\.(webmanifest|json)$/, /^application\/([a-z.+-]*\+)?(json|manifest)$/],
  [/\.png$/, /^image\/png$/],
  [/\.svg$/, /^image\/svg\+xml$/],
];

/** Whether `response` is what the build's file at `url` must be. */
function fits(url, response) {
  if (!response.ok) return false;
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const rule = TYPES.find(([name]) => name.test(new URL(url).pathname));
  return rule ? rule[1].test(type) : type !== 'text/html';
}

/** Every file of the build, checked, then cached all at once: nothing is kept of a build
 *  that has a wrong file. */
async function precache() {
  const answers = await Promise.all([...OWN].map(async (url) => [url, await fetch(new Request(url, { cache: 'reload' }))]));
  const wrong = answers.find(([url, response]) => !fits(url, response));
  if (wrong) {
    await tell({ type: 'pocket-chat-refused', scope: SCOPE, file: new URL(wrong[0]).pathname });
    throw new Error(`${wrong[0]}: HTTP ${wrong[1].status}, ${wrong[1].headers.get('content-type')}`);
  }
  const cache = await caches.open(CACHE);
  await Promise.all(answers.map(([url, response]) => cache.put(url, response)));
}

/** Posts `message` to every page of this origin (a page checks the scope is its own). */
async function tell(message) {
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) client.postMessage(message);
}

self.addEventListener('install', (event) => {
  event.waitUntil(Promise.all([precache(), addRoutes(event)]));
});

/**
 * The same rules, declared to the browser (the static routing API, where it has it), so
 * that it need not start this worker for them: a provider's request goes straight to the
 * network, and the build's files straight from this version's cache. Without the API, the
 * fetch handler below does the same.
 */
function addRoutes(event) {
  if (!event.addRoutes) return null;
  const here = new URL(SCOPE);
  const sameOrigin = { protocol: here.protocol.slice(0, -1), hostname: here.hostname, port: here.port };
  const rules = [
    { condition: { not: { urlPattern: sameOrigin } }, source: 'network' },
    { condition: { not: { requestMethod: 'get' } }, source: 'network' },
    ...[...OWN].map((url) => ({ condition: { urlPattern: new URL(url).href, requestMethod: 'get' }, source: { cacheName: CACHE } })),
  ];
  try {
    return event.addRoutes(rules).catch(() => null);
  } catch {
    return null; // a browser with an older form of the API: the fetch handler serves
  }
}

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then(async (keys) => {
      const ours = [];
      for (const k of keys) if (k !== CACHE && (await mine(k))) ours.push(k);
      // Keys come in the order the caches were made: keep the newest of the others.
      return Promise.all(ours.slice(0, -1).map((k) => caches.delete(k)));
    }),
  );
});

/** Whether cache `name` is one of this scope's: named so, or named as builds before the
 *  scope was in the name (`pocket-chat-<version>`) and holding this scope's page. */
async function mine(name) {
  if (name.startsWith(PREFIX)) return /^[0-9a-f]{16}$/.test(name.slice(PREFIX.length));
  if (!/^pocket-chat-[0-9a-f]{16}$/.test(name)) return false;
  return !!(await (await caches.open(name)).match(SCOPE));
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  const navigation = request.mode === 'navigate';
  if (navigation) url.search = '';
  const own = OWN.has(url.href);
  const name = url.href.startsWith(SCOPE) ? url.href.slice(SCOPE.length) : null;
  if (!own && !(name !== null && OLD_WORKER.test(name))) return;
  const key = navigation ? new URL('index.html', SCOPE).href : url.href;
  event.respondWith(fromCache(key).then((hit) => hit ?? fetch(request)));
});

/** This version's copy, else an older version's (an old tab's own files). */
async function fromCache(key) {
  const mine = await (await caches.open(CACHE)).match(key);
  return mine ?? (await caches.match(key)) ?? null;
}
