import { launchBrowser, serveStatic, DIST } from '/work/main/e2e/support.mjs';
const browser = await launchBrowser();
const site = await serveStatic(DIST);
const { chromium } = await import('playwright-core'); const context = await chromium.launchPersistentContext('/tmp/pc-profile-' + Date.now(), { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu'] });
const page = await context.newPage();
await page.goto(site.url);
await page.waitForTimeout(500);
const cdp = await context.newCDPSession(page);
console.log(await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(site.url).origin, quotaSize: 1024 }));
console.log(await page.evaluate(() => navigator.storage.estimate()));
console.log(await page.evaluate(async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open('pocket-chat'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  return await new Promise((ok) => {
    const tx = db.transaction('settings', 'readwrite');
    const req = tx.objectStore('settings').put({ key: 'pad', value: 'x'.repeat(5_000_000) });
    req.onerror = () => ok('request error ' + req.error);
    tx.onabort = () => ok('abort ' + tx.error);
    tx.oncomplete = () => ok('complete');
  });
}));
await browser.close(); await site.close();
