// How the app looks and reads: Japanese and English (from the browser or the header's
// switch), light and dark (from the system or the header's switch), a desktop and a
// 375-px phone, the keyboard, and the first-run card. Screenshots of every combination
// land in target/screenshots/look-{lang}-{theme}-{size}.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 740 } };

// A page opens on a desktop, in English, in a light system theme unless a test says
// otherwise, and is ready once the user (and their 100-token bonus) is loaded, in either
// language. Page errors and console errors are problems.
const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: SIZES.desktop, locale: 'en-US', colorScheme: 'light' },
  ready: /^100 /,
  watch: ['pageErrors', 'consoleErrors'],
});

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

const htmlAttr = (app, name) => app.page.evaluate((n) => document.documentElement.getAttribute(n), name);
const pageBackground = (app) => app.page.evaluate(() => getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)'
  ? getComputedStyle(document.documentElement).backgroundColor : getComputedStyle(document.body).backgroundColor);
const overflow = (app) => app.page.evaluate(() => document.documentElement.scrollWidth);

/** Clicks the header's theme button until the page is in `want`. */
async function chooseTheme(app, want) {
  for (let i = 0; i < 3 && (await htmlAttr(app, 'data-theme')) !== want; i++) {
    await app.themeButton.click();
  }
  assert.equal(await htmlAttr(app, 'data-theme'), want);
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
    const app = await fx.open({ contextOptions: { viewport: SIZES[c.size], locale: c.locale, colorScheme: systemScheme } });
    const words = WORDS[c.lang];
    if (c.byUi.includes('lang')) {
      const other = c.lang === 'en' ? 'ja' : 'en';
      await waitText(app.languageButton, WORDS[other].switchTo);
      await app.languageButton.click();
    }
    await waitText(app.languageButton, words.switchTo);
    if (c.byUi.includes('theme')) await chooseTheme(app, c.theme);
    else assert.equal(await htmlAttr(app, 'data-theme'), 'system');

    // The first visit's card, in the chosen language, pointed at the mock provider.
    await waitText(app.firstRunStart, words.start);
    await app.firstRunKind.selectOption('compatible');
    await app.firstRunBase.fill(fx.mock.url);
    await app.screenshot(`first-run-${c.lang}-${c.theme}-${c.size}`);
    await app.startFromFirstRun();
    await app.topUp(5000);
    for (const prompt of PROMPTS[c.lang]) {
      await app.say(prompt);
      await app.waitReply(/^Echo: /);
    }
    await app.replyCodeBlocks.waitFor();
    await app.waitBalance(words.tokens);

    assert.equal(await htmlAttr(app, 'lang'), c.lang);
    assert.equal(await htmlAttr(app, 'data-theme'), c.byUi.includes('theme') ? c.theme : 'system');
    assert.equal(await app.input.getAttribute('placeholder'), words.placeholder);
    await waitText(app.sendButton, words.send);
    await waitText(app.settingsButton, words.settings);
    assert.equal(await app.page.locator('.code-block [data-copy]').innerText(), c.lang === 'en' ? 'Copy' : 'コピー');
    const dark = c.theme === 'dark';
    assert.equal(await pageBackground(app), dark ? 'rgb(22, 23, 27)' : 'rgb(247, 247, 248)');
    if (c.size === 'phone') {
      assert.ok((await overflow(app)) <= 375, `page is ${await overflow(app)} px wide`);
      // The composer stays at the bottom of the screen.
      const box = await app.input.boundingBox();
      assert.ok(box && box.y + box.height <= 740 && box.y > 600, `composer at ${JSON.stringify(box)}`);
    }
    await app.screenshot(`look-${c.lang}-${c.theme}-${c.size}`);
    assert.deepEqual(app.problems, []);
    await app.close();
  });
}

// Guards against a language or theme choice that a reload forgets, or a browser language
// that overrides what the user chose.
test('the chosen language and theme survive a reload and win over the browser', async () => {
  const app = await fx.open({ contextOptions: { locale: 'ja-JP', colorScheme: 'light' } });
  await waitText(app.languageButton, 'English');
  await waitText(app.userName, 'あなた');
  await app.waitBalance('100 トークン');
  await app.languageButton.click();
  await chooseTheme(app, 'dark');
  await app.waitBalance('100 tokens');
  await app.reload();
  await waitText(app.languageButton, '日本語');
  await app.waitBalance('100 tokens');
  assert.equal(await htmlAttr(app, 'lang'), 'en');
  assert.equal(await htmlAttr(app, 'data-theme'), 'dark');
  const stored = Object.fromEntries((await app.dump()).settings.map((s) => [s.key, s.value]));
  assert.deepEqual([stored.ui_language, stored.ui_theme], ['en', 'dark']);
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against an error sentence fixed in the language it was first shown in: a notice
// must follow the language switch.
test('an error notice follows the language switch', async () => {
  const app = await fx.open({ contextOptions: { locale: 'ja-JP' } });
  await app.firstRunLater.click();
  await app.say('hello');
  const notice = app.noticeText;
  await waitText(notice, '設定で API キーを入力すると、チャットを始められます。');
  await app.languageButton.click();
  await waitText(notice, 'Add your API key in Settings to start chatting.');
  assert.equal(await app.input.inputValue(), 'hello');
  await app.languageButton.click();
  await waitText(notice, /^設定で API キー/);
  await app.notice.getByRole('button', { name: '閉じる' }).click();
  await app.notice.waitFor({ state: 'detached' });
  await app.close();
});

// Guards against a first visit that leaves the user facing an empty screen, a card whose
// name or provider is not kept, or a card that comes back after setting up.
test('first run: name, provider and key on one card, then chatting; gone after a reload', async () => {
  const app = await fx.open();
  const card = app.firstRun;
  await card.waitFor();
  assert.equal(await app.emptyThread.count(), 0);
  assert.equal(await app.firstRunName.inputValue(), 'You');
  // A missing key is said on the card, in a sentence.
  await app.firstRunStart.click();
  await waitText(app.firstRunProblem, 'Add your API key in Settings to start chatting.');
  await app.firstRunName.fill('Aiko');
  await app.firstRunKind.selectOption('compatible');
  await app.firstRunBase.fill(fx.mock.url);
  await app.firstRunKey.fill('sk-local');
  await app.startFromFirstRun();
  await waitText(app.userName, 'Aiko');
  // The input box has the focus, ready for the first message.
  assert.equal(await app.page.evaluate(() => document.activeElement?.id), 'composer-input');
  await app.page.keyboard.type('hello from the first run');
  await app.page.keyboard.press('Enter');
  await app.waitReply('Echo: hello from the first run');
  const [req] = fx.chats('compatible');
  assert.equal(req.headers.authorization, 'Bearer sk-local');
  await app.reload();
  await waitText(app.userName, 'Aiko');
  await app.waitReply('Echo: hello from the first run');
  assert.equal(await app.firstRun.count(), 0);
  const dump = await app.dump();
  assert.deepEqual(dump.users.map((u) => u.display_name), ['Aiko']);
  assert.equal(dump.settings.find((s) => s.key === 'provider')?.value.kind, 'compatible');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against "Later" trapping the user: the card closes, Settings still works, and
// saving there ends the first run too.
test('first run: Later closes the card; Settings works while it shows', async () => {
  const app = await fx.open();
  await app.firstRun.waitFor();
  await app.firstRunLater.click();
  await waitText(app.emptyThread, /Start a conversation/);
  await app.reload();
  await app.firstRun.waitFor();
  await app.configure();
  assert.equal(await app.firstRun.count(), 0);
  await waitText(app.emptyThread, /Start a conversation/);
  await app.close();
});

// Guards against controls a keyboard cannot reach, focus that cannot be seen, controls
// without a name, and panels that Escape does not close.
test('keyboard: every control is named, reached by Tab with a visible ring; Escape closes panels', async () => {
  const app = await fx.open();
  await app.configure();
  await app.topUp(5000);
  await app.say('code:\n\n```js\nlet x = 1;\n```');
  await app.page.locator('.code-block').waitFor();
  await app.openSettings();
  await app.settingsPanel.waitFor();

  const controls = 'button:not([disabled]), input, select, textarea, a[href], summary';
  const visible = await app.page.locator(controls).evaluateAll((els) => els
    // On screen: not hidden, and not inside a closed <details> (its summary is reached).
    .filter((el) => el.checkVisibility({ visibilityProperty: true }))
    .map((el) => el.outerHTML.slice(0, 80)));
  const reached = new Set();
  const unnamed = [];
  const ringless = [];
  await app.page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < visible.length + 5; i++) {
    await app.page.keyboard.press('Tab');
    const seen = await app.page.evaluate(() => {
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
  await app.closeSettingsByKeyboard();
  await app.assertSettingsButtonFocused();
  await app.dataButton.focus();
  await app.page.keyboard.press('Enter');
  await app.dataPanel.waitFor();
  await app.page.keyboard.press('Escape');
  await app.dataPanel.waitFor({ state: 'detached' });
  await app.close();
});

// Guards against a phone where the thread list cannot be opened, stays over the thread
// after a choice, or pushes the page sideways.
test('phone: ☰ opens the thread list, a choice or Escape closes it, nothing scrolls sideways', async () => {
  const app = await fx.open({ contextOptions: { viewport: SIZES.phone } });
  await app.configure();
  await app.topUp(5000);
  await app.say('first thread');
  await app.waitReply('Echo: first thread');
  await app.say('/new');
  await app.say('second thread with a very long first line that goes on and on past the width of any phone');
  await app.waitReply(/^Echo: second thread/);
  const sidebar = app.sidebar;
  assert.equal(await sidebar.isVisible(), false);
  const toggle = app.page.getByRole('button', { name: 'Threads', exact: true });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  await sidebar.waitFor({ state: 'visible' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await app.screenshot('look-phone-threads-open');
  await app.threadLink('first thread').click();
  await sidebar.waitFor({ state: 'hidden' });
  await waitText(app.threadTitle, 'first thread');
  // From the keyboard: the list takes the focus, Escape closes it and gives it back.
  await toggle.focus();
  await app.page.keyboard.press('Enter');
  await sidebar.waitFor({ state: 'visible' });
  await app.waitNewThreadFocused({ timeout: 10_000 });
  await app.page.keyboard.press('Escape');
  await sidebar.waitFor({ state: 'hidden' });
  await app.waitThreadsToggleFocused({ timeout: 10_000 });
  await toggle.click();
  await app.closeSidebarButton.click();
  await sidebar.waitFor({ state: 'hidden' });
  // Every panel fits the width.
  const panels = { 'user-name': app.userName, 'data-button': app.dataButton, 'settings-button': app.settingsButton };
  for (const [button, opener] of Object.entries(panels)) {
    await opener.click();
    assert.ok((await overflow(app)) <= 375, `${button}: page is ${await overflow(app)} px wide`);
    await app.screenshot(`look-phone-${button}`);
    await app.page.keyboard.press('Escape');
  }
  assert.deepEqual(app.problems, []);
  await app.close();
});
