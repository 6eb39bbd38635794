// pocket-chat's page side of its service worker (sw.js), in release builds only (a debug
// build under `trunk serve` would be hidden behind its cached self): registers the worker
// once the page has loaded, so the next visit opens with no network; says when a newer
// build is installed and waiting (`pocketChatUpdate.ready`, and the window event
// `pocket-chat-update`); and reloads into it only when the app asks, after the user
// agreed, keeping the text in the box for the reloaded page.
const DRAFT = 'pocket-chat-draft-after-update';
// How often an open page asks for a newer build, besides each load and when the network
// comes back.
const CHECK_EVERY_MS = 30 * 60 * 1000;

const update = {
  ready: false,
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

if ('serviceWorker' in navigator) {
  if (document.readyState === 'complete') start();
  else addEventListener('load', start, { once: true });
}
