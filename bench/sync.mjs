// Sync's figures (printed, never asserted): the benchmark's history (200 threads, 2,000
// exchanges by default) pushed from one browser to an empty PouchDB Server database, then
// pulled into an empty second browser; the time from "Sync now" to the line saying it
// synced, and the bytes each way through the server's pass-through, as on the wire (the
// request bodies as sent; PouchDB Server gzips its replies). Then a sync with nothing to
// move.
//
//   node bench/sync.mjs [--messages 2000] [--threads 200] [--runs 1]
import { parseArgs } from 'node:util';
import { launchBrowser, serveStatic, configure, DIST_E2E, waitText } from '../e2e/support.mjs';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { startCouch } from '../e2e/couch.mjs';

const { values: opts } = parseArgs({
  options: { messages: { type: 'string', default: '2000' }, threads: { type: 'string', default: '200' }, runs: { type: 'string', default: '1' } },
  strict: false,
});
const browser = await launchBrowser();
const site = await serveStatic(DIST_E2E);
const mock = await startMockProvider({});
const couch = await startCouch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
const record = (name, value) => (results[name] ??= []).push(value);

/** "Sync now" with `url` typed; ms until the line says it synced, the bytes, the line. */
async function sync(page, url) {
  if (!(await page.getByTestId('sync-url').count())) await page.getByTestId('settings-button').click();
  await page.getByTestId('sync-url').fill(url);
  const before = { ...couch.bytes };
  const t0 = performance.now();
  await page.getByTestId('sync-now').click();
  const status = page.getByTestId('sync-status');
  for (;;) {
    const text = (await status.innerText()).trim();
    if (/^Last synced at/.test(text)) break;
    if (/could not|refused|full/.test(text)) throw new Error(text);
    await page.waitForTimeout(20);
  }
  const ms = performance.now() - t0;
  return { ms, sent: couch.bytes.sent - before.sent, received: couch.bytes.received - before.received, line: (await status.innerText()).trim() };
}

async function device() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.url);
  await waitText(page.getByTestId('balance'), /tokens$/);
  await configure(page, { base: mock.url });
  return { context, page };
}

try {
  for (let run = 0; run < Number(opts.runs); run++) {
    const url = await couch.database(`bench-${run}`);
    const a = await device();
    await a.page.evaluate(([t, m]) => window.wasmBindings.e2e_seed_history(t, m, 0), [Number(opts.threads), Number(opts.messages)]);
    await a.page.reload();
    await waitText(a.page.getByTestId('balance'), /tokens$/);
    const up = await sync(a.page, url);
    record('push the history to an empty database (ms)', up.ms);
    record('push: bytes sent (KB)', up.sent / 1000);
    record('push: bytes received (KB)', up.received / 1000);
    const b = await device();
    const down = await sync(b.page, url);
    record('pull it into an empty second browser (ms)', down.ms);
    record('pull: bytes received (KB)', down.received / 1000);
    record('pull: bytes sent (KB)', down.sent / 1000);
    const again = await sync(b.page, url);
    record('sync again with nothing to move (ms)', again.ms);
    console.error(`run ${run + 1}: ${up.line} / ${down.line} / ${again.line}`);
    await a.context.close();
    await b.context.close();
  }
  for (const [name, xs] of Object.entries(results)) {
    console.log(`${name.padEnd(48)} ${median(xs).toFixed(1).padStart(10)}   (${xs.map((x) => x.toFixed(0)).join(', ')})`);
  }
} finally {
  await couch.close();
  await mock.close();
  await site.close();
  await browser.close();
}
