// Replies formatted by the data worker and kept: a reply's Markdown becomes HTML once, in
// the worker, when it first shows; the HTML is stored with the exchange, so a thread opened
// again shows it at once, without the worker (whose renderer is not in the first load).
// Without the worker, a reply reads as plain text and the user is told; nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, forgetHtml } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

// Without the service worker: once one is registered, Chromium loads a page's worker
// scripts where Playwright's routes and request events do not see them.
const fx = fixture({ dist: DIST, watch: ['pageErrors'], context: { serviceWorkers: 'block', viewport: { width: 1100, height: 800 } } });

const LOADER = '**/data-worker-*_loader.js';
const PROMPT = 'Some **bold** words';

/** Counts the page's requests for the data worker's loader. */
function countWorkerLoads(page) {
  const seen = { loads: 0 };
  page.on('request', (r) => { if (/data-worker-[0-9a-f]{16}_loader\.js$/.test(r.url())) seen.loads += 1; });
  return seen;
}

// Guards against a reply shown unformatted, HTML that is not kept (every open would need
// the worker), and a page that cannot show a kept reply without the worker.
test('a reply is formatted by the data worker once and kept: opened again, it shows formatted with no worker', async () => {
  const app = await fx.open();
  await app.configure();
  const seen = countWorkerLoads(app.page);
  await app.say(PROMPT);
  await waitText(app.reply.locator('strong'), 'bold');
  assert.equal(seen.loads, 1, 'the worker was started to format the reply');
  const [row] = (await app.dump()).messages;
  assert.equal(row.completion, `Echo: ${PROMPT}`);
  assert.equal(row.html, '<p>Echo: Some <strong>bold</strong> words</p>\n');

  // The worker's files gone (a host that lost them): the kept HTML still shows.
  await app.page.route(LOADER, (route) => route.fulfill({ status: 404, body: '' }));
  seen.loads = 0;
  await app.reload();
  await waitText(app.reply.locator('strong'), 'bold');
  assert.equal(seen.loads, 0, 'no worker needed for a kept reply');
  assert.equal(await app.notice.count(), 0);
  assert.deepEqual(app.problems, []);
});

// Guards against a reply stored without HTML (before this version) never being formatted,
// and a missing worker that loses a reply or fails silently.
test('a reply kept without HTML reads as plain text until formatted, then keeps its HTML; without the worker the user is told', async () => {
  const app = await fx.open({ watch: [] });
  await app.configure();
  await app.say(PROMPT);
  await waitText(app.reply.locator('strong'), 'bold');
  await forgetHtml(app.page);

  await app.page.route(LOADER, (route) => route.fulfill({ status: 404, body: '' }));
  await app.reload();
  await waitText(app.noticeText, 'Some replies show as plain text: the part of pocket-chat that formats them could not be loaded. Check the connection and reload the page; nothing is lost.');
  await waitText(app.reply, `Echo: ${PROMPT}`);
  assert.equal(await app.reply.locator('strong').count(), 0);
  await app.screenshot('render-unavailable');
  assert.equal((await app.dump()).messages[0].completion, `Echo: ${PROMPT}`);

  await app.page.unroute(LOADER);
  await app.reload();
  await waitText(app.reply.locator('strong'), 'bold');
  const [row] = (await app.dumpUntil((d) => d.messages[0]?.html, 'the HTML kept again')).messages;
  assert.equal(row.html, '<p>Echo: Some <strong>bold</strong> words</p>\n');
});

// Guards against math shown as raw LaTeX, or drawn by anything but the browser's MathML
// (no script, no font from elsewhere).
test('math in a reply: $…$ inline and $$…$$ as a block, drawn as MathML', async () => {
  const app = await fx.open();
  await app.configure();
  const prompt = 'Euler: $e^{i\\pi} + 1 = 0$, and $$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$ for every $n \\geq 1$.';
  await app.say(prompt);
  const inline = app.reply.locator('math:not([display])');
  const block = app.reply.locator('math[display="block"]');
  await block.waitFor();
  assert.equal(await inline.count(), 2);
  assert.equal(await block.locator('munderover mo').first().textContent(), '∑');
  assert.equal(await block.locator('mfrac').count(), 1);
  assert.equal(await inline.first().locator('msup mi').first().textContent(), 'e');
  // Drawn: the block has a real size, taller than a line of text.
  const box = await block.boundingBox();
  assert.ok(box && box.height > 30, `block math ${JSON.stringify(box)}`);
  assert.ok(!(await app.reply.innerText()).includes('\\frac'), 'no raw LaTeX left');
  await app.screenshot('math-en');
  await app.languageButton.click();
  await app.screenshot('math-ja');
  assert.deepEqual(app.problems, []);
});
