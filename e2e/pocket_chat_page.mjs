// The page object for pocket-chat: one browser page of the app, driven as a person drives
// it (configure, say, read the reply and the balance, open a thread, export, import) and
// read behind the screen as a test reads it (IndexedDB, the ledger invariant, what the
// page logged). It is the one place that knows the app's data-testids: a test file reaches
// every control through a getter or method here, never by its data-testid
// (scripts/check-testids.mjs, run by scripts/test.sh, refuses one that does).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { QUOTA_SWITCH, SCREENSHOTS, configure, dumpDb, ledgerProblems, serviceWorkerReady, waitText } from './support.mjs';

export { waitText };

/**
 * What a page can be watched for, by name; each records a line in `problems`. A test
 * file picks the ones its assertions are about (see `fixture`).
 */
const WATCHES = {
  /** A dialog the page opened (dismissed at once). */
  dialogs: (page, problems) => page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); }),
  /** An uncaught exception. */
  pageErrors: (page, problems) => page.on('pageerror', (e) => problems.push(`page error: ${e.message}`)),
  /** Anything logged to the console as an error. */
  consoleErrors: (page, problems) => page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); }),
  /** A console line about the Content-Security-Policy, of any level. */
  cspConsole: (page, problems) => page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`); }),
  /** A request to any origin but the app's and the mock provider's. */
  foreignRequests: (page, problems, allowed) => page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && !allowed.includes(new URL(url).origin)) problems.push(`request to ${url}`);
  }),
  /**
   * A request that failed at the network. Not the browser's own favicon fetch cut short
   * by a reload or a close (it fetches the icon again when the address changes): that is
   * no request of the app's, and nothing a person sees.
   */
  failedRequests: (page, problems) => page.on('requestfailed', (r) => {
    const browsersOwn = /\/favicon-32\.png$/.test(new URL(r.url()).pathname) && r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!browsersOwn) problems.push(`request failed: ${r.url()}`);
  }),
  /** A response of HTTP 400 or more. */
  httpErrors: (page, problems) => page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); }),
  /** CSP violations, kept in `window.__violations` for `assertClean` (not in `problems`). */
  cspViolations: (page) => page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  }),
};

export class PocketChat {
  /**
   * A new page in `context`, watched for `watch` (names of WATCHES), at `url`; waits until
   * the balance reads `ready` (a string or RegExp; null or false: does not wait).
   * `settings` are defaults for `configure`, under what the call passes.
   */
  static async open(context, { url, site, mock, watch = [], ready = '100 tokens', settings = {} }) {
    const page = await context.newPage();
    const app = new PocketChat(page, { context, site, mock, settings });
    const allowed = [new URL(site.url).origin, new URL(mock.url).origin];
    for (const name of watch) {
      if (!WATCHES[name]) throw new TypeError(`no watch called ${name}`);
      await WATCHES[name](page, app.problems, allowed);
    }
    await page.goto(url ?? site.url);
    if (ready) await waitText(app.balance, ready);
    return app;
  }

  constructor(page, { context, site, mock, settings = {} }) {
    this.page = page;
    this.context = context;
    this.site = site;
    this.mock = mock;
    this.settings = settings;
    /** What the watches saw go wrong. */
    this.problems = [];
    /** Every request the page made: url, headers and body. */
    this.requests = [];
    /** Every console line's text. */
    this.consoleLines = [];
    page.on('request', (r) => this.requests.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? '' }));
    page.on('console', (m) => this.consoleLines.push(m.text()));
  }

  // ---------------------------------------------------------------- what is on screen

  /** The element(s) with data-testid `id`: what every getter and method here builds on. */
  testId(id) { return this.page.getByTestId(id); }
  /** The message box. */
  get input() { return this.testId('composer-input'); }
  get sendButton() { return this.testId('send-button'); }
  get stopButton() { return this.testId('stop-button'); }
  /** The balance in the header, e.g. "5,100 tokens". */
  get balance() { return this.testId('balance'); }
  /** The model in the header; a click switches to the other one. */
  get model() { return this.testId('model'); }
  /** The app's name in the header. */
  get appName() { return this.testId('app-name'); }
  get userName() { return this.testId('user-name'); }
  get languageButton() { return this.testId('language-button'); }
  get themeButton() { return this.testId('theme-button'); }
  get settingsButton() { return this.testId('settings-button'); }
  get dataButton() { return this.testId('data-button'); }
  /** The notice over the thread, with its Dismiss button. */
  get notice() { return this.testId('notice'); }
  /** The notice's sentence alone. */
  get noticeText() { return this.notice.locator('p'); }
  get dismissNotice() { return this.notice.getByRole('button', { name: 'Dismiss' }); }
  get offlineNotice() { return this.testId('offline-notice'); }
  /** The line saying a new version is ready, with its Reload and Later buttons. */
  get updateLine() { return this.testId('update-ready'); }
  /** The update line's Reload button. */
  get updateReload() { return this.testId('update-reload'); }
  /** The update line's sentence while a reply streams ("Reload once the reply has finished."). */
  get updateWait() { return this.testId('update-wait'); }
  /** The line saying a new version could not be installed (the site sent a wrong file). */
  get updateRefused() { return this.testId('update-refused'); }
  /** The newest stored reply. */
  get reply() { return this.testId('reply').last(); }
  get replies() { return this.testId('reply'); }
  /** The code blocks of the stored replies. */
  get replyCodeBlocks() { return this.page.locator('[data-testid=reply] .code-block'); }
  /** Style elements in the thread or in a reply (the app puts none there). */
  get threadStyles() { return this.page.locator('main style, [data-testid="reply"] style'); }
  /** The note under the newest reply ("Stopped early", "estimated: …"). */
  get replyNote() { return this.testId('reply-note').last(); }
  get streamingReply() { return this.testId('streaming-reply'); }
  /** The exchange on its way (prompt sent, reply not stored yet). */
  get pending() { return this.testId('pending'); }
  /** The reasoning block of the exchange on its way. */
  get pendingReasoning() { return this.pending.getByTestId('reasoning'); }
  /** The newest answer to a command (残高を見る, /topup, …) under the thread. */
  get answer() { return this.testId('note-answer').last(); }
  /** A command's note in the thread. */
  get threadNote() { return this.testId('thread-note'); }
  get exchanges() { return this.testId('exchange'); }
  /** Every prompt on screen. */
  get prompts() { return this.testId('prompt'); }
  /** The line saying the exchanges above it no longer fit the model's context. */
  get contextStart() { return this.testId('context-start'); }
  /** "Show earlier messages (n more)" above a long thread's page. */
  get showEarlier() { return this.testId('show-earlier'); }
  /** "Show newer messages (n more)" under a page scrolled back. */
  get showLater() { return this.testId('show-later'); }
  get threadTitle() { return this.testId('thread-title'); }
  /** The thread bar's tokens and cost of the whole thread. */
  get threadUsed() { return this.testId('thread-used'); }
  get threadLinks() { return this.testId('thread-link'); }
  threadLink(title) { return this.threadLinks.filter({ hasText: title }); }
  /** The thread list's entries (link, pin mark, delete button). */
  get threadItems() { return this.testId('thread-item'); }
  /** The thread list's entry of the thread titled `title`. */
  threadItem(title) { return this.threadItems.filter({ hasText: title }); }
  /** The thread list itself (gone while search results show). */
  get threadList() { return this.testId('thread-list'); }
  /** The thread list's panel (a drawer on a phone), its ☰ button and its close button. */
  get sidebar() { return this.testId('sidebar'); }
  get threadsToggle() { return this.testId('threads-toggle'); }
  get closeSidebarButton() { return this.testId('close-sidebar'); }
  get newThreadButton() { return this.testId('new-thread'); }
  get threadFilter() { return this.testId('thread-filter'); }
  /** The sentence when the filter matches no title. */
  get noThreadMatch() { return this.testId('no-thread-match'); }
  /** The thread bar's title box (while renaming), Rename, Pin and persona chooser. */
  get threadTitleInput() { return this.testId('thread-title-input'); }
  get threadRenameButton() { return this.testId('thread-rename'); }
  get threadPin() { return this.testId('thread-pin'); }
  get personaSelect() { return this.testId('persona-select'); }
  get emptyThread() { return this.testId('empty-thread'); }
  get settingsResult() { return this.testId('settings-result'); }
  /** The first visit's welcome card, its fields and buttons. */
  get firstRun() { return this.testId('first-run'); }
  get firstRunName() { return this.firstRun.getByTestId('first-run-name'); }
  get firstRunKind() { return this.firstRun.getByTestId('first-run-kind'); }
  get firstRunBase() { return this.firstRun.getByTestId('first-run-base'); }
  get firstRunKey() { return this.firstRun.getByTestId('first-run-key'); }
  get firstRunModel() { return this.firstRun.getByTestId('first-run-model'); }
  /** The card's sentence about the endpoint's models. */
  get firstRunListing() { return this.firstRun.getByTestId('first-run-listing'); }
  get firstRunProblem() { return this.firstRun.getByTestId('first-run-problem'); }
  get firstRunStart() { return this.firstRun.getByTestId('first-run-start'); }
  get firstRunLater() { return this.testId('first-run-later'); }
  /** The top-up form (残高を加える without a number), its fields and its problem line. */
  get topUpForm() { return this.testId('top-up-form'); }
  get topUpTokens() { return this.testId('top-up-tokens'); }
  get topUpAmount() { return this.testId('top-up-amount'); }
  get topUpPin() { return this.testId('top-up-pin'); }
  get topUpSubmit() { return this.testId('top-up-submit'); }
  get topUpProblem() { return this.testId('top-up-problem'); }

  // Settings.
  get settingsPanel() { return this.testId('settings-panel'); }
  get settingsClose() { return this.testId('settings-close'); }
  get providerKind() { return this.testId('provider-kind'); }
  get apiKey() { return this.testId('api-key'); }
  get baseUrl() { return this.testId('base-url'); }
  get saveSettingsButton() { return this.testId('save-settings'); }
  get testConnectionButton() { return this.testId('test-connection'); }
  get clearKeyButton() { return this.testId('clear-key'); }
  /** The line under the empty key field while a key is saved. */
  get keySaved() { return this.testId('key-saved'); }
  get listModelsButton() { return this.testId('list-models'); }
  /** The model field of slot `which` ('a': the first model, 'b': the other one). */
  modelField(which) { return this.testId(`model-${which}`); }
  /** The folded parameters of model `which` ('a' or 'b'), and their fields. */
  params(which) { return this.testId(`params-${which}`); }
  temperature(which) { return this.testId(`temperature-${which}`); }
  topP(which) { return this.testId(`top-p-${which}`); }
  replyCap(which) { return this.testId(`reply-cap-${which}`); }
  effort(which) { return this.testId(`effort-${which}`); }
  /** The PIN a top-up asks for. */
  get topUpPinSetting() { return this.testId('topup-pin-setting'); }
  /** Personas: Add, and each persona's name, text and Remove; the default's chooser. */
  get addPersonaButton() { return this.testId('add-persona'); }
  get personaNames() { return this.testId('persona-name'); }
  get personaTexts() { return this.testId('persona-text'); }
  get personaRemoveButtons() { return this.testId('persona-remove'); }
  get defaultPersona() { return this.testId('default-persona'); }
  get syncNowButton() { return this.testId('sync-now'); }
  get syncPassword() { return this.testId('sync-password'); }

  // The data panel.
  get dataPanel() { return this.testId('data-panel'); }
  get exportAllButton() { return this.testId('export-all'); }
  /** "Include API keys" for the export. */
  get includeKeys() { return this.testId('include-keys'); }
  /** What an import file holds, with Replace and Merge. */
  get importConfirm() { return this.testId('import-confirm'); }

  // Search.
  get searchInput() { return this.testId('search-input'); }
  /** The results' panel (in place of the thread list). */
  get searchResultsPanel() { return this.testId('search-results'); }
  /** Each result. */
  get searchResults() { return this.testId('search-result'); }
  /** The snippet of each result (read through the results). */
  get searchResultSnippets() { return this.searchResults.getByTestId('search-snippet'); }
  /** Every snippet on the page. */
  get searchSnippets() { return this.testId('search-snippet'); }
  /** The results of one thread, under its title. */
  get searchGroups() { return this.testId('search-group'); }
  /** The sentence when nothing has every word. */
  get noSearchResults() { return this.testId('no-search-results'); }

  // The users panel.
  get newUserName() { return this.testId('new-user-name'); }
  get createUserButton() { return this.testId('create-user'); }
  /** The users panel's row of the user named `name`. */
  userRow(name) { return this.testId('user-row').filter({ hasText: name }); }
  /** The name shown in `name`'s row. */
  userLabel(name) { return this.userRow(name).getByTestId('user-label'); }

  /** The `n`-th exchange on screen (0: the first), and its controls. */
  exchange(n) { return this.exchanges.nth(n); }
  /** The exchange on screen at `depth` in its thread (0: the first). */
  exchangeAtDepth(depth) { return this.page.locator(`[data-testid=exchange][data-depth="${depth}"]`); }
  /** The `2 / 3` of the `n`-th exchange on screen. */
  versionPosition(n) { return this.exchange(n).getByTestId('version-position'); }
  /** The ‹ (or, with `next`, the ›) of the `n`-th exchange on screen. */
  versionArrow(n, next = false) { return this.exchange(n).getByTestId(next ? 'version-next' : 'version-prev'); }
  /** The stored reply of the `n`-th exchange on screen. */
  exchangeReply(n) { return this.exchange(n).getByTestId('reply'); }
  /** The folded reasoning above the `n`-th exchange's reply, and the note counting it. */
  reasoning(n) { return this.exchange(n).getByTestId('reasoning'); }
  reasoningNote(n) { return this.exchange(n).getByTestId('reasoning-note'); }
  /** The `n`-th exchange's Edit button, and its box while editing. */
  editPromptButton(n) { return this.exchange(n).getByTestId('edit-prompt'); }
  editInput(n) { return this.exchange(n).getByTestId('edit-input'); }
  /** The `n`-th exchange's Regenerate (`other`: with the other model). */
  regenerateButton(n, other = false) { return this.exchange(n).getByTestId(other ? 'regenerate-other' : 'regenerate'); }
  copyReplyButton(n) { return this.exchange(n).getByTestId('copy-reply'); }
  /** The prompts on screen, in order: the path the thread shows. */
  shownPrompts() { return this.prompts.allTextContents(); }
  /** The prompts of the exchanges on screen as they read (innerText), in order. */
  exchangePrompts() { return this.page.locator('[data-testid=exchange] [data-testid=prompt]').allInnerTexts(); }
  /** For each exchange on screen: whether the context-start line is in it. */
  contextStarts() {
    return this.exchanges.evaluateAll((els) => els.map((e) => !!e.querySelector('[data-testid=context-start]')));
  }

  /** The data-testid of the element with the keyboard focus. */
  focusedTestId() { return this.page.evaluate(() => document.activeElement?.dataset.testid); }
  /** Waits until the element with data-testid `id` has the keyboard focus. */
  waitFocus(id, options) {
    return this.page.waitForFunction((i) => document.activeElement?.dataset.testid === i, id, options);
  }
  /** Waits until the thread list's New thread button has the focus (`options`: waitForFunction's). */
  waitNewThreadFocused(options) { return this.waitFocus('new-thread', options); }
  /** Waits until the ☰ button has the focus. */
  waitThreadsToggleFocused(options) { return this.waitFocus('threads-toggle', options); }
  /** Waits until the search box has the focus. */
  waitSearchFocused(options) { return this.waitFocus('search-input', options); }
  /** The Settings button has the focus (as Escape from Settings leaves it). */
  async assertSettingsButtonFocused() {
    assert.equal(await this.focusedTestId(), 'settings-button');
  }

  // ---------------------------------------------------------------- what a person does

  /** Fills the settings form and saves it: the mock provider, `settings`, then `options`. */
  configure(options = {}) {
    return configure(this.page, { base: this.mock.url, endpoint: this.mock.url, ...this.settings, ...options });
  }

  /** Types `text` into the message box and presses Enter. */
  async say(text) {
    await this.input.fill(text);
    await this.input.press('Enter');
  }

  /** Edits the prompt of the `n`-th exchange on screen to `text` and sends it (Enter). */
  async editPrompt(n, text) {
    await this.editPromptButton(n).click();
    const box = this.editInput(n);
    await box.fill(text);
    await box.press('Enter');
  }

  /** Cancels the edit of the `n`-th exchange's prompt. */
  cancelEdit(n) { return this.exchange(n).getByTestId('edit-cancel').click(); }
  /** Copies the prompt of the `n`-th exchange. */
  copyPrompt(n) { return this.exchange(n).getByTestId('copy-prompt').click(); }
  /** Regenerates the reply of the `n`-th exchange on screen (`other`: with the other model). */
  regenerate(n, other = false) { return this.regenerateButton(n, other).click(); }
  /** Shows the previous (or, with `next`, the next) version of the `n`-th exchange. */
  switchVersion(n, next = false) { return this.versionArrow(n, next).click(); }
  /** Deletes the version of the `n`-th exchange on screen (with what followed it). */
  deleteVersion(n) { return this.exchange(n).getByTestId('delete-version').click(); }
  /** Waits until the prompts on screen are `want`. */
  async waitPrompts(want) {
    const deadline = Date.now() + 10_000;
    let shown;
    while (Date.now() < deadline) {
      shown = await this.shownPrompts();
      if (JSON.stringify(shown) === JSON.stringify(want)) return;
      await this.page.waitForTimeout(25);
    }
    assert.deepEqual(shown, want, 'the path on screen');
  }

  /** Waits until the newest stored reply reads `want` (a string or RegExp). */
  waitReply(want) { return waitText(this.reply, want); }
  /** Waits until the header's balance reads `want`. */
  waitBalance(want) { return waitText(this.balance, want); }
  /** Waits until the newest command answer reads `want`. */
  waitAnswer(want) { return waitText(this.answer, want); }

  /** Waits until the thread list shows the titles `want` (trimmed), in order; with
   *  `anyOrder`, in any order. */
  async waitListed(want, { anyOrder = false } = {}) {
    const expected = anyOrder ? [...want].sort() : want;
    const deadline = Date.now() + 10_000;
    let seen;
    while (Date.now() < deadline) {
      seen = (await this.threadLinks.allInnerTexts()).map((t) => t.trim());
      if (anyOrder) seen.sort();
      if (JSON.stringify(seen) === JSON.stringify(expected)) return;
      await this.page.waitForTimeout(25);
    }
    assert.deepEqual(seen, expected);
  }

  /** Waits until the thread list has `n` links (`options`: waitForFunction's). */
  waitThreadLinks(n, options) {
    return this.page.waitForFunction((k) => document.querySelectorAll('[data-testid=thread-link]').length === k, n, options);
  }

  /** Goes to the thread listed as `title` and waits until it shows. */
  async openThread(title) {
    await this.threadLink(title).click();
    await waitText(this.threadTitle, title);
  }

  /** "New thread" in the thread list. */
  newThread() { return this.newThreadButton.click(); }

  /** Deletes the thread listed as `title` from the list (without `title`: the one
   *  thread's delete button). */
  deleteThread(title) {
    const button = title === undefined ? this.testId('delete-thread') : this.threadItem(title).getByTestId('delete-thread');
    return button.click();
  }

  /** The thread bar's Markdown export; resolves to the download. */
  async exportThread() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.testId('export-thread').click()]);
    return download;
  }

  openSettings() { return this.settingsButton.click(); }
  openData() { return this.dataButton.click(); }
  openUsers() { return this.userName.click(); }
  /** In the open users panel: the balance shown on `name`'s row. */
  userBalance(name) { return this.testId('user-row').filter({ hasText: name }).getByTestId('user-balance'); }

  /** Settings' ✕ (the panel closes). */
  closeSettings() { return this.settingsClose.click(); }

  /** Closes Settings as a keyboard user does: Escape from a field, and waits until the
   *  panel is gone. */
  async closeSettingsByKeyboard() {
    await this.apiKey.focus();
    await this.page.keyboard.press('Escape');
    await this.settingsPanel.waitFor({ state: 'detached' });
  }

  /** Save in Settings, and waits until the notice says it saved. */
  async saveSettings() {
    await this.saveSettingsButton.click();
    await waitText(this.noticeText, /Settings saved\./);
  }

  /** In open Settings: opens model `which`'s parameters unless open; returns them. */
  async openParams(which) {
    const params = this.params(which);
    if (!(await params.evaluate((d) => d.open))) await params.locator('summary').click();
    return params;
  }

  /** In open Settings: adds a persona, its name and text. */
  async addPersona(name, text) {
    await this.addPersonaButton.click();
    await this.personaNames.last().fill(name);
    await this.personaTexts.last().fill(text);
  }

  /** The first-run card's Start, and waits until the card is gone. */
  async startFromFirstRun() {
    await this.firstRunStart.click();
    await this.firstRun.waitFor({ state: 'detached' });
  }

  /** In the open users panel: a new user named `name`. */
  async createUser(name) {
    await this.newUserName.fill(name);
    await this.createUserButton.click();
  }

  /** In the open users panel: switches to the user named `name`. */
  switchUser(name) { return this.userRow(name).getByTestId('switch-user').click(); }

  /** In the open users panel: renames the user named `name` to `to`. */
  async renameUser(name, to) {
    await this.userRow(name).getByTestId('rename-user').click();
    await this.testId('rename-input').fill(to);
    await this.testId('rename-save').click();
  }

  /** In the open users panel: deletes the user named `name`, confirmed. */
  async deleteUser(name) {
    const row = this.userRow(name);
    await row.getByTestId('delete-user').click();
    await row.getByTestId('confirm-delete-user').click();
  }

  /** Types `query` into the search box and waits for the first result. */
  async search(query) {
    await this.searchInput.fill(query);
    await this.searchResults.first().waitFor();
  }

  /** Empties the search box and waits until the thread list is back. */
  async clearSearch() {
    await this.searchInput.fill('');
    await this.threadList.waitFor();
  }

  /** In the open data panel: Export everything, saved to `path`; returns `path`. */
  async exportAll(path) {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.exportAllButton.click()]);
    await download.saveAs(path);
    return path;
  }

  /** In the open data panel: picks `path` as the file to import. */
  chooseImport(path) { return this.testId('import-file').setInputFiles(path); }

  /** The import's Replace (everything here by the file), once it asks. */
  confirmImportReplace() { return this.testId('import-replace').click(); }
  /** The import's Merge (the file's records with these), once it asks. */
  confirmImportMerge() { return this.testId('import-merge').click(); }

  /** The top-up form, filled and submitted (a field left undefined is left as it is). */
  async submitTopUp({ tokens, amount, pin } = {}) {
    if (tokens !== undefined) await this.topUpTokens.fill(tokens);
    if (amount !== undefined) await this.topUpAmount.fill(amount);
    if (pin !== undefined) await this.topUpPin.fill(pin);
    await this.topUpSubmit.click();
  }

  /** Settings' sync: the database `url` and credentials typed, then "Sync now" (see
   *  `syncNow`). Settings stay open. */
  async syncWith(url, { user = '', password = '', want } = {}) {
    if (!(await this.testId('sync-url').count())) await this.openSettings();
    await this.testId('sync-url').fill(url);
    await this.testId('sync-user').fill(user);
    await this.testId('sync-password').fill(password);
    return this.syncNow(want);
  }

  /** "Sync now" in Settings (opened if closed); waits until this sync ended (the line
   *  counts the syncs the user asked for) and returns the line, which must match `want`
   *  (by default: it synced). A sync that runs by itself never changes that line. */
  async syncNow(want = /^Last synced at/) {
    if (!(await this.syncNowButton.count())) await this.openSettings();
    const before = Number(await this.syncStatus.getAttribute('data-asked'));
    await this.syncNowButton.click();
    await this.page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="sync-status"]')?.dataset.asked) > n,
      before,
      { timeout: 120_000, polling: 50 },
    );
    const line = (await this.syncStatus.innerText()).trim();
    const matches = want instanceof RegExp ? want.test(line) : line === want;
    if (!matches) throw new Error(`expected ${want}, the sync line says ${JSON.stringify(line)}`);
    return line;
  }

  /** The line under "Sync now". */
  get syncStatus() { return this.testId('sync-status'); }

  /** Under it: how a sync that ran by itself since went. */
  get syncSince() { return this.testId('sync-since'); }

  /** Requests to the sync server give up after `seconds` (30 otherwise). */
  setSyncTimeout(seconds) { return this.page.evaluate((n) => window.wasmBindings.e2e_set_sync_timeout(n), seconds); }

  reload() { return this.page.reload(); }

  /** The update line's Reload: resolves once the new version's page has loaded. */
  async reloadFromUpdateLine() {
    await Promise.all([this.page.waitForEvent('load'), this.updateReload.click()]);
  }

  /** Waits until the update line's Reload can be pressed (no reply streaming). */
  waitUpdateReloadEnabled() {
    return this.page.waitForFunction(() => !document.querySelector('[data-testid=update-reload]').disabled);
  }

  /** Waits until the service worker is active, its build cached: a first visit's end. */
  offlineReady() { return serviceWorkerReady(this.page); }

  /** A screenshot in target/screenshots/`name`.png. */
  screenshot(name, options = {}) {
    return this.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...options });
  }

  close() { return this.context.close(); }

  // ---------------------------------------------------------------- test hooks (target/dist-e2e)

  /** Adds `tokens` to the current user's balance (e2e_top_up). */
  topUp(tokens) { return this.page.evaluate((n) => window.wasmBindings.e2e_top_up(n), tokens); }
  /** Records `count` exchanges of `tokens` each, one transaction each, in a thread of their
   *  own; resolves to the last balance (e2e_debit). */
  debit(count, tokens) { return this.page.evaluate(([n, k]) => window.wasmBindings.e2e_debit(n, k), [count, tokens]); }
  /** The app gives up on a silent provider after `ms` milliseconds (e2e_set_idle_timeout). */
  setIdleTimeout(ms) { return this.page.evaluate((n) => window.wasmBindings.e2e_set_idle_timeout(n), ms); }
  /** Seeds `threads` threads, the last of `messages` exchanges (its path changing branch
   *  every `branchEvery`, when given); resolves to its title. */
  seedHistory(threads, messages, branchEvery = 0) {
    return this.page.evaluate(([t, m, b]) => window.wasmBindings.e2e_seed_history(t, m, b), [threads, messages, branchEvery]);
  }
  /** Makes IndexedDB writes fail as a full quota does (needs `fixture.newContext({ quotaSwitch })`),
   *  in the page and in the workers it started by now (the data worker, once it exports or
   *  imports). */
  async fillStorage(full = true) {
    await this.page.evaluate((f) => { window.__quotaFull = f; }, full);
    for (const worker of this.page.workers()) {
      await worker.evaluate(QUOTA_SWITCH);
      await worker.evaluate((f) => { globalThis.__quotaFull = f; }, full);
    }
  }

  // ---------------------------------------------------------------- behind the screen

  /** Every record of the app's IndexedDB, read with the browser's own API. */
  dump() { return dumpDb(this.page); }

  /** Polls IndexedDB until `check(dump)` holds (10 s at most); returns that dump. */
  async dumpUntil(check, what) {
    const deadline = Date.now() + 10_000;
    let dump;
    while (Date.now() < deadline) {
      dump = await this.dump();
      if (check(dump)) return dump;
      await this.page.waitForTimeout(50);
    }
    throw new Error(`IndexedDB never showed ${what}: ${JSON.stringify(dump).slice(0, 500)}`);
  }

  /** A dump once every finished reply has its formatted HTML kept (the data worker
   *  writes it just after the reply shows): a state nothing rewrites by itself later. */
  settledDump() {
    return this.dumpUntil(
      (d) => d.messages.every((m) => !m.completion || m.status !== 'complete' || m.html),
      'every finished reply kept formatted',
    );
  }

  /** The ledger as stored: the invariant holds, the stored balance is on screen, no problems. */
  async assertLedger() {
    const dump = await this.dump();
    assert.deepEqual(ledgerProblems(dump), []);
    await this.waitBalance(`${dump.users[0].num_token.toLocaleString('en-US')} tokens`);
    assert.deepEqual(this.problems, []);
    return dump;
  }

  /** Nothing went wrong behind the screen: no script ran, no CSP violation, no `problems`. */
  async assertClean(problems = this.problems) {
    const flags = await this.page.evaluate(() => ({ pwned: window.__pwned ?? null, violations: window.__violations ?? [] }));
    assert.deepEqual(flags, { pwned: null, violations: [] });
    assert.deepEqual(problems, []);
  }
}
