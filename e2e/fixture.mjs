// The one fixture of the end-to-end files: a headless Chromium, the built app on a static
// host and the mock provider (tests/mock-provider/), started once before a file's tests
// and closed after them. Before each test the mock forgets its requests and faults; after
// each, any browser context the test left open is closed. `fx.open()` hands a test a
// PocketChat (e2e/pocket_chat_page.mjs) on a fresh browser profile.
import { before, after, beforeEach, afterEach } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST, QUOTA_SWITCH, SCREENSHOTS, launchBrowser, serveStatic } from './support.mjs';
import { PocketChat } from './pocket_chat_page.mjs';

/**
 * Registers the file's before/after hooks and returns the fixture; its `browser`, `site`,
 * `sites` and `mock` are there once the tests run.
 *
 * - `dist`: the build to serve as `site` (DIST, DIST_E2E, …).
 * - `sites`: more builds to serve, by name: `{ hooked: DIST_E2E }` → `fx.sites.hooked`.
 * - `mock`: options for startMockProvider.
 * - `watch`: what `open` watches each page for (names in pocket_chat_page.mjs's WATCHES).
 * - `context`: options for each browser context `open` makes (viewport, locale, …).
 * - `ready`: the balance `open` waits for, by default; null: none.
 * - `settings`: defaults for `PocketChat.configure`, e.g. Azure deployments.
 */
export function fixture({ dist = DIST, sites = {}, mock = {}, watch = [], context = {}, ready = '100 tokens', settings = {} } = {}) {
  const contexts = [];
  const fx = {
    browser: null,
    site: null,
    sites: {},
    mock: null,

    /** A fresh browser profile, closed after the test at the latest. With `quotaSwitch`,
     *  its pages can make IndexedDB writes fail as a full quota does (`fillStorage`). */
    async newContext({ quotaSwitch = false, ...options } = {}) {
      const made = await fx.browser.newContext(options);
      contexts.push(made);
      if (quotaSwitch) await made.addInitScript(QUOTA_SWITCH);
      return made;
    },

    /**
     * The app in a new page: of `context` if given, else of a fresh profile made with the
     * fixture's `context` options under `contextOptions`. `url` defaults to the site;
     * `watch` and `ready` to the fixture's.
     */
    async open({ context: into, contextOptions = {}, url, watch: watching = watch, ready: readyFor = ready } = {}) {
      into ??= await fx.newContext({ ...context, ...contextOptions });
      return PocketChat.open(into, { url, site: fx.site, mock: fx.mock, watch: watching, ready: readyFor, settings });
    },

    /** The chat requests the mock got for provider `kind` ('openai', 'azure', 'compatible'). */
    chats: (kind) => fx.mock.requests.filter((r) => r.kind === kind),
  };

  before(async () => {
    fx.browser = await launchBrowser();
    fx.site = await serveStatic(dist);
    for (const [name, dir] of Object.entries(sites)) fx.sites[name] = await serveStatic(dir);
    fx.mock = await startMockProvider(mock);
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await fx.mock?.close();
    for (const s of Object.values(fx.sites)) await s.close();
    await fx.site?.close();
    await fx.browser?.close();
  });
  beforeEach(() => fx.mock.reset());
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  return fx;
}
