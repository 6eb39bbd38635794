// How the app looks and reads: Japanese and English (from the browser or the header's
// switch), light and dark (from the system or the header's switch), a desktop and a
// 375-px phone, the keyboard, and the first-run card. Screenshots of every combination
// land in target/screenshots/look-{lang}-{theme}-{size}.png.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST_E2E, SCREENSHOTS, configure, dumpDb, launchBrowser, serveStatic, waitText } from './support.mjs';

let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST_E2E);
  mock = await startMockProvider();
  await mkdir(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});
beforeEach(() => mock.reset());

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 740 } };

/** What each language shows where the tests look. */
const WORDS = {
  en: { switchTo: '日本語', placeholder: 'Message pocket-chat', send: 'Send', start: 'Start chatting', settings: 'Settings', tokens: /^\d[\d,]* tokens$/ },
  ja: { switchTo: 'English', placeholder: 'pocket-chat にメッセージを送る', send: '送信', start: 'チャットを始める', settings: '設定', tokens: /^\d[\d,]* トークン$/ },
};

/** Prompts with a code block in the second reply (the mock echoes each prompt). */
const PROMPTS = {
  en: ['What is pocket-chat?', 'Show me a tiny Rust program:\n\n```rust\nfn main() {\n    println!("Hello from pocket-chat");\n}\n```'],
  ja: ['pocket-chat とは何ですか？', '小さな Rust のプログラムを見せて：\n\n```rust\nfn main() {\n    println!("こんにちは");\n}\n```'],
};

/**
 * A fresh profile on the app. `locale` is the browser's language, `colorScheme` the
 * system's theme; problems collects page errors and failed requests.
 */
async function open({ size = 'desktop', locale = 'en-US', colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: SIZES[size], locale, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(site.url);
  // The user (and their 100-token bonus) is loaded: the app is ready.
  await waitText(page.getByTestId('balance'), /^100 /);
  return { page, context, problems };
}

const htmlAttr = (page, name) => page.evaluate((n) => document.documentElement.getAttribute(n), name);
const pageBackground = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)'
  ? getComputedStyle(document.documentElement).backgroundColor : getComputedStyle(document.body).backgroundColor);
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Waits until the element with data-testid `testid` has the keyboard focus. */
async function waitFocus(page, testid) {
  await page.waitForFunction((id) => document.activeElement?.dataset.testid === id, testid, { timeout: 10_000 });
}

async function say(page, text) {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

/** Clicks the header's theme button until the page is in `want`. */
async function chooseTheme(page, want) {
  for (let i = 0; i < 3 && (await htmlAttr(page, 'data-theme')) !== want; i++) {
    await page.getByTestId('theme-button').click();
  }
  assert.equal(await htmlAttr(page, 'data-theme'), want);
}

// Every combination, with the language and the theme each chosen one of the two ways.
const CASES = [
  { lang: 'en', theme: 'light', size: 'desktop', locale: 'en-US', byUi: [] },
  { lang: 'en', theme: 'light', size: 'phone', locale: 'ja-JP', byUi: ['lang', 'theme'] },
  { lang: 'en', theme: 'dark', size: 'desktop', locale: 'en-US', byUi: ['theme'] },
  { lang: 'en', theme: 'dark', size: 'phone', locale: 'en-US', byUi: [] },
  { lang: 'ja', theme: 'light', size: 'desktop', locale: 'ja-JP', byUi: [] },
  { lang: 'ja', theme: 'light', size: 'phone', locale: 'en-GB', byUi: ['lang', 'theme'] },
  { lang: 'ja', theme: 'dark', size: 'desktop', locale: 'ja-JP', byUi: [] },
  { lang: 'ja', theme: 'dark', size: 'phone', locale: 'ja', byUi: ['theme'] },
];

for (const c of CASES) {
  const how = `${c.byUi.includes('lang') ? 'language by switch' : `language from ${c.locale}`}, ${c.byUi.includes('theme') ? 'theme by switch' : 'theme from the system'}`;
  // Guards against a screen left half in the other language, a theme that does not
  // apply, and a phone layout that scrolls sideways or hides the composer.
  test(`look ${c.lang} ${c.theme} ${c.size} (${how})`, async () => {
    const systemScheme = c.byUi.includes('theme') ? (c.theme === 'dark' ? 'light' : 'dark') : c.theme;
    const { page, context, problems } = await open({ size: c.size, locale: c.locale, colorScheme: systemScheme });
    const words = WORDS[c.lang];
    if (c.byUi.includes('lang')) {
      const other = c.lang === 'en' ? 'ja' : 'en';
      await waitText(page.getByTestId('language-button'), WORDS[other].switchTo);
      await page.getByTestId('language-button').click();
    }
    await waitText(page.getByTestId('language-button'), words.switchTo);
    if (c.byUi.includes('theme')) await chooseTheme(page, c.theme);
    else assert.equal(await htmlAttr(page, 'data-theme'), 'system');

    // The first visit's card, in the chosen language, pointed at the mock provider.
    const card = page.getByTestId('first-run');
    await waitText(card.getByTestId('first-run-start'), words.start);
    await card.getByTestId('first-run-kind').selectOption('compatible');
    await card.getByTestId('first-run-base').fill(mock.url);
    await page.screenshot({ path: join(SCREENSHOTS, `first-run-${c.lang}-${c.theme}-${c.size}.png`) });
    await card.getByTestId('first-run-start').click();
    await card.waitFor({ state: 'detached' });
    await page.evaluate(() => window.wasmBindings.e2e_top_up(5000));
    for (const prompt of PROMPTS[c.lang]) {
      await say(page, prompt);
      await waitText(page.getByTestId('reply').last(), /^Echo: /);
    }
    await page.locator('[data-testid=reply] .code-block').waitFor();
    await waitText(page.getByTestId('balance'), words.tokens);

    assert.equal(await htmlAttr(page, 'lang'), c.lang);
    assert.equal(await htmlAttr(page, 'data-theme'), c.byUi.includes('theme') ? c.theme : 'system');
    assert.equal(await page.getByTestId('composer-input').getAttribute('placeholder'), words.placeholder);
    await waitText(page.getByTestId('send-button'), words.send);
    await waitText(page.getByTestId('settings-button'), words.settings);
    assert.equal(await page.locator('.code-block [data-copy]').innerText(), c.lang === 'en' ? 'Copy' : 'コピー');
    const dark = c.theme === 'dark';
    assert.equal(await pageBackground(page), dark ? 'rgb(22, 23, 27)' : 'rgb(247, 247, 248)');
    if (c.size === 'phone') {
      assert.ok((await overflow(page)) <= 375, `page is ${await overflow(page)} px wide`);
      // The composer stays at the bottom of the screen.
      const box = await page.getByTestId('composer-input').boundingBox();
      assert.ok(box && box.y + box.height <= 740 && box.y > 600, `composer at ${JSON.stringify(box)}`);
    }
    await page.screenshot({ path: join(SCREENSHOTS, `look-${c.lang}-${c.theme}-${c.size}.png`) });
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// Guards against a language or theme choice that a reload forgets, or a browser language
// that overrides what the user chose.
test('the chosen language and theme survive a reload and win over the browser', async () => {
  const { page, context, problems } = await open({ locale: 'ja-JP', colorScheme: 'light' });
  await waitText(page.getByTestId('language-button'), 'English');
  await waitText(page.getByTestId('user-name'), 'あなた');
  await waitText(page.getByTestId('balance'), '100 トークン');
  await page.getByTestId('language-button').click();
  await chooseTheme(page, 'dark');
  await waitText(page.getByTestId('balance'), '100 tokens');
  await page.reload();
  await waitText(page.getByTestId('language-button'), '日本語');
  await waitText(page.getByTestId('balance'), '100 tokens');
  assert.equal(await htmlAttr(page, 'lang'), 'en');
  assert.equal(await htmlAttr(page, 'data-theme'), 'dark');
  const stored = Object.fromEntries((await dumpDb(page)).settings.map((s) => [s.key, s.value]));
  assert.deepEqual([stored.ui_language, stored.ui_theme], ['en', 'dark']);
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against an error sentence fixed in the language it was first shown in: a notice
// must follow the language switch.
test('an error notice follows the language switch', async () => {
  const { page, context } = await open({ locale: 'ja-JP' });
  await page.getByTestId('first-run-later').click();
  await say(page, 'hello');
  const notice = page.getByTestId('notice').locator('p');
  await waitText(notice, '設定で API キーを入力すると、チャットを始められます。');
  await page.getByTestId('language-button').click();
  await waitText(notice, 'Add your API key in Settings to start chatting.');
  assert.equal(await page.getByTestId('composer-input').inputValue(), 'hello');
  await page.getByTestId('language-button').click();
  await waitText(notice, /^設定で API キー/);
  await page.getByTestId('notice').getByRole('button', { name: '閉じる' }).click();
  await page.getByTestId('notice').waitFor({ state: 'detached' });
  await context.close();
});

// Guards against a first visit that leaves the user facing an empty screen, a card whose
// name or provider is not kept, or a card that comes back after setting up.
test('first run: name, provider and key on one card, then chatting; gone after a reload', async () => {
  const { page, context, problems } = await open();
  const card = page.getByTestId('first-run');
  await card.waitFor();
  assert.equal(await page.getByTestId('empty-thread').count(), 0);
  assert.equal(await card.getByTestId('first-run-name').inputValue(), 'You');
  // A missing key is said on the card, in a sentence.
  await card.getByTestId('first-run-start').click();
  await waitText(card.getByTestId('first-run-problem'), 'Add your API key in Settings to start chatting.');
  await card.getByTestId('first-run-name').fill('Aiko');
  await card.getByTestId('first-run-kind').selectOption('compatible');
  await card.getByTestId('first-run-base').fill(mock.url);
  await card.getByTestId('first-run-key').fill('sk-local');
  await card.getByTestId('first-run-start').click();
  await card.waitFor({ state: 'detached' });
  await waitText(page.getByTestId('user-name'), 'Aiko');
  // The input box has the focus, ready for the first message.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-input');
  await page.keyboard.type('hello from the first run');
  await page.keyboard.press('Enter');
  await waitText(page.getByTestId('reply').last(), 'Echo: hello from the first run');
  const [req] = mock.requests.filter((r) => r.kind === 'compatible');
  assert.equal(req.headers.authorization, 'Bearer sk-local');
  await page.reload();
  await waitText(page.getByTestId('user-name'), 'Aiko');
  await waitText(page.getByTestId('reply').last(), 'Echo: hello from the first run');
  assert.equal(await page.getByTestId('first-run').count(), 0);
  const dump = await dumpDb(page);
  assert.deepEqual(dump.users.map((u) => u.display_name), ['Aiko']);
  assert.equal(dump.settings.find((s) => s.key === 'provider')?.value.kind, 'compatible');
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against "Later" trapping the user: the card closes, Settings still works, and
// saving there ends the first run too.
test('first run: Later closes the card; Settings works while it shows', async () => {
  const { page, context } = await open();
  await page.getByTestId('first-run').waitFor();
  await page.getByTestId('first-run-later').click();
  await waitText(page.getByTestId('empty-thread'), /Start a conversation/);
  await page.reload();
  await page.getByTestId('first-run').waitFor();
  await configure(page, { base: mock.url });
  assert.equal(await page.getByTestId('first-run').count(), 0);
  await waitText(page.getByTestId('empty-thread'), /Start a conversation/);
  await context.close();
});

// Guards against controls a keyboard cannot reach, focus that cannot be seen, controls
// without a name, and panels that Escape does not close.
test('keyboard: every control is named, reached by Tab with a visible ring; Escape closes panels', async () => {
  const { page, context } = await open();
  await configure(page, { base: mock.url });
  await page.evaluate(() => window.wasmBindings.e2e_top_up(5000));
  await say(page, 'code:\n\n```js\nlet x = 1;\n```');
  await page.locator('.code-block').waitFor();
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-panel').waitFor();

  const controls = 'button:not([disabled]), input, select, textarea, a[href]';
  const visible = await page.locator(controls).evaluateAll((els) => els
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .map((el) => el.outerHTML.slice(0, 80)));
  const reached = new Set();
  const unnamed = [];
  const ringless = [];
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < visible.length + 5; i++) {
    await page.keyboard.press('Tab');
    const seen = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const labelled = el.getAttribute('aria-label') || el.labels?.[0]?.innerText || el.closest('label')?.innerText
        || (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && el.innerText.trim()) || '';
      return { html: el.outerHTML.slice(0, 80), name: labelled.trim(), ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
    });
    if (!seen) continue;
    reached.add(seen.html);
    if (!seen.name) unnamed.push(seen.html);
    if (!seen.ring) ringless.push(seen.html);
  }
  assert.deepEqual(visible.filter((h) => !reached.has(h)), [], 'not reached by Tab');
  assert.deepEqual(unnamed, [], 'focused without a name');
  assert.deepEqual(ringless, [], 'focused without a visible ring');

  // Escape from inside a panel closes it and hands the focus back to its button.
  await page.getByTestId('api-key').focus();
  await page.keyboard.press('Escape');
  await page.getByTestId('settings-panel').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'settings-button');
  await page.getByTestId('data-button').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('data-panel').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('data-panel').waitFor({ state: 'detached' });
  await context.close();
});

// Guards against a phone where the thread list cannot be opened, stays over the thread
// after a choice, or pushes the page sideways.
test('phone: ☰ opens the thread list, a choice or Escape closes it, nothing scrolls sideways', async () => {
  const { page, context, problems } = await open({ size: 'phone' });
  await configure(page, { base: mock.url });
  await page.evaluate(() => window.wasmBindings.e2e_top_up(5000));
  await say(page, 'first thread');
  await waitText(page.getByTestId('reply').last(), 'Echo: first thread');
  await say(page, '/new');
  await say(page, 'second thread with a very long first line that goes on and on past the width of any phone');
  await waitText(page.getByTestId('reply').last(), /^Echo: second thread/);
  const sidebar = page.getByTestId('sidebar');
  assert.equal(await sidebar.isVisible(), false);
  const toggle = page.getByRole('button', { name: 'Threads', exact: true });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  await sidebar.waitFor({ state: 'visible' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.screenshot({ path: join(SCREENSHOTS, 'look-phone-threads-open.png') });
  await page.getByTestId('thread-link').filter({ hasText: 'first thread' }).click();
  await sidebar.waitFor({ state: 'hidden' });
  await waitText(page.getByTestId('thread-title'), 'first thread');
  // From the keyboard: the list takes the focus, Escape closes it and gives it back.
  await toggle.focus();
  await page.keyboard.press('Enter');
  await sidebar.waitFor({ state: 'visible' });
  await waitFocus(page, 'new-thread');
  await page.keyboard.press('Escape');
  await sidebar.waitFor({ state: 'hidden' });
  await waitFocus(page, 'threads-toggle');
  await toggle.click();
  await page.getByTestId('close-sidebar').click();
  await sidebar.waitFor({ state: 'hidden' });
  // Every panel fits the width.
  for (const button of ['user-name', 'data-button', 'settings-button']) {
    await page.getByTestId(button).click();
    assert.ok((await overflow(page)) <= 375, `${button}: page is ${await overflow(page)} px wide`);
    await page.screenshot({ path: join(SCREENSHOTS, `look-phone-${button}.png`) });
    await page.keyboard.press('Escape');
  }
  assert.deepEqual(problems, []);
  await context.close();
});
