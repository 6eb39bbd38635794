// Accessibility, checked by axe-core (from npm) injected into the page: the first-run card,
// Settings over an empty thread, the main screen with a thread (in both languages),
// Settings with a model's parameters open and a persona, the thread bar's persona chooser,
// and the thread list on a phone, in light and dark. No serious or critical violation may
// remain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DIST_E2E } from './support.mjs';
import { fixture } from './fixture.mjs';

const AXE = await readFile(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const fx = fixture({ dist: DIST_E2E, watch: ['pageErrors'], context: { viewport: { width: 1100, height: 800 } } });

/** axe-core's serious and critical violations on the page as it is now. */
async function violations(page) {
  // Evaluated through DevTools: the page's Content-Security-Policy does not apply to it.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** A thread of Markdown, code, math and reasoning, in a configured app. */
async function withThread(app) {
  await app.topUp(50000);
  for (const text of ['Show me **Markdown** and `code`:\n\n```js\nlet x = 1;\n```', '[[mock:reasoning]] and $x^2$ math']) {
    await app.say(text);
    await app.waitReply(/Echo:/);
  }
  await app.page.locator('.code-block').waitFor();
  await app.page.locator('math').first().waitFor();
}

for (const scheme of ['light', 'dark']) {
  // Guards against controls without names, text without contrast, regions a keyboard
  // cannot reach, and the like, on every screen a user sees first.
  test(`axe: no serious or critical violations (${scheme})`, async () => {
    const app = await fx.open({ contextOptions: { colorScheme: scheme } });
    const found = {};
    await app.firstRun.waitFor();
    found['first-run card'] = await violations(app.page);
    await app.firstRunLater.click();
    // Settings over an empty thread: nothing in the thread to reach by keyboard.
    await app.configure();
    await app.openSettings();
    found['Settings, empty thread'] = await violations(app.page);
    await app.closeSettingsByKeyboard();
    await withThread(app);
    found['main screen'] = await violations(app.page);
    await app.languageButton.click();
    found['main screen, Japanese'] = await violations(app.page);
    await app.languageButton.click();
    await app.openSettings();
    await app.params('a').locator('summary').click();
    await app.addPersonaButton.click();
    await app.personaNames.fill('Tutor');
    await app.personaTexts.fill('Answer as a patient tutor.');
    found.Settings = await violations(app.page);
    await app.saveSettingsButton.click();
    await app.personaSelect.waitFor();
    found['main screen, persona chooser'] = await violations(app.page);
    await app.page.setViewportSize({ width: 390, height: 740 });
    await app.threadsToggle.click();
    await app.sidebar.waitFor();
    found['thread list (phone)'] = await violations(app.page);
    assert.deepEqual(found, {
      'first-run card': [], 'Settings, empty thread': [], 'main screen': [], 'main screen, Japanese': [], Settings: [],
      'main screen, persona chooser': [], 'thread list (phone)': [],
    });
  });
}
