// The page's one script before the app (release builds only; scripts/offline.mjs copies
// it next to index.html and loads it before the app's loader).
//
// - Opens the app's IndexedDB database while the WASM downloads and compiles, so the app's
//   own open later finds the storage started (it creates nothing: no database yet, or an
//   upgrade, and it steps aside for the app).
// - The page side of the service worker (sw.js): registers it once the app has started and
//   the page has loaded, so the next visit opens with no network; says when a newer build
//   is installed and waiting (`pocketChatUpdate.ready`, and the window event
//   `pocket-chat-update`); reloads into it only when the app asks, after the user agreed,
//   keeping the text in the box for the reloaded page; says when a new build could not
//   be installed because the site sent a wrong file (`pocketChatUpdate.refused`, and the
//   window event `pocket-chat-refused`). Not in a debug build: under
//   `trunk serve` a cached build would hide each rebuild.
// The database's name, written in by scripts/offline.mjs from src/storage/schema.rs.
const DB = '@DB_NAME@';
// How long the early connection stays open: the app's own is open long before.
const EARLY_DB_MS = 10_000;

try {
  const open = globalThis.indexedDB?.open(DB);
  if (open) {
    // No database yet (or a browser that would make one here): the app makes it itself,
    // with its stores; aborting leaves nothing behind.
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = (event) => event.preventDefault();
    open.onsuccess = () => {
      const db = open.result;
      // The app's upgrade (or a newer tab's) must never wait on this connection.
      db.onversionchange = () => db.close();
      setTimeout(() => db.close(), EARLY_DB_MS);
    };
  }
} catch { /* storage refused here: the app says so itself */ }

const DRAFT = 'pocket-chat-draft-after-update';
// How often an open page asks for a newer build, besides each load and when the network
// comes back.
const CHECK_EVERY_MS = 30 * 60 * 1000;

const update = {
  ready: false,
  /** `{ file, kept }` once a build's install was refused: the path of the file the site
   *  sent wrong, and whether a version installed before stays (and works offline). */
  refused: null,
  registration: null,
  /** Reloads into the waiting build with `draft` kept: the new worker takes over first
   *  (every tab gets the new build's files from then on; an old tab runs on until it
   *  reloads), then this page reloads. */
  accept(draft) {
    try {
      if (draft) sessionStorage.setItem(DRAFT, draft);
      else sessionStorage.removeItem(DRAFT);
    } catch { /* no session storage: the draft cannot be kept */ }
    const waiting = update.registration?.waiting;
    if (!waiting) return location.reload(); // another tab already let it take over
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    waiting.postMessage('skip-waiting');
  },
  /** The user dismissed the refusal of `file`: that refusal is not said again here (a
   *  reload has the browser try the same build once more, and be refused once more). */
  dismiss(file) {
    update.refused = null;
    try {
      localStorage.setItem(DISMISSED, file);
    } catch { /* no local storage: said again after a reload */ }
  },
  /** The draft an update's reload kept, once. */
  takeDraft() {
    try {
      const draft = sessionStorage.getItem(DRAFT);
      sessionStorage.removeItem(DRAFT);
      return draft;
    } catch {
      return null;
    }
  },
};
window.pocketChatUpdate = update;

// The worker's word that it refused a build (sw.js: a file came wrong). Heard from the
// start, as the browser checks for a new worker while the page loads. Every worker of
// this origin may speak: only this page's own scope counts.
const SCOPE = new URL('./', new URL('sw.js', document.baseURI)).href;
// The refused file the user dismissed last, for this scope.
const DISMISSED = `pocket-chat-refused-dismissed ${SCOPE}`;
const dismissed = () => {
  try {
    return localStorage.getItem(DISMISSED);
  } catch {
    return null;
  }
};
try {
  navigator.serviceWorker?.addEventListener('message', (event) => {
    const said = event.data;
    if (said?.type !== 'pocket-chat-refused' || said.scope !== SCOPE || typeof said.file !== 'string') return;
    if (said.file === dismissed()) return;
    update.refused = { file: said.file, kept: !!navigator.serviceWorker.controller };
    dispatchEvent(new Event('pocket-chat-refused'));
  });
  navigator.serviceWorker?.startMessages();
} catch { /* no service workers here */ }

async function start() {
  let reg;
  try {
    reg = await navigator.serviceWorker.register('sw.js');
  } catch { /* no worker (a host without sw.js, a browser that refuses): online only */ }
  if (!reg) return; // (some automation answers with nothing)
  update.registration = reg;
  // The first install (no controller yet) is not an update.
  const announce = () => {
    if (update.ready || !navigator.serviceWorker.controller) return;
    update.ready = true;
    dispatchEvent(new Event('pocket-chat-update'));
  };
  if (reg.waiting) announce();
  reg.addEventListener('updatefound', () => {
    const worker = reg.installing;
    worker?.addEventListener('statechange', () => { if (worker.state === 'installed') announce(); });
  });
  const check = () => reg.update().catch(() => { /* offline: try later */ });
  setInterval(check, CHECK_EVERY_MS);
  addEventListener('online', check);
}

/** Called by the app once its start-up is over (the first paint, the linked thread): the
 *  worker's install downloads the whole build, which must not compete with that. */
update.register = () => {
  if (!('serviceWorker' in navigator) || update.registering) return;
  update.registering = true;
  if (document.readyState === 'complete') start();
  else addEventListener('load', start, { once: true });
};
