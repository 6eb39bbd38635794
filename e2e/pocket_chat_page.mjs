// The page object for pocket-chat: one browser page of the app, driven as a person drives
// it (configure, say, read the reply and the balance, open a thread, export, import) and
// read behind the screen as a test reads it (IndexedDB, the ledger invariant, what the
// page logged). It is the one place that knows the app's data-testids; a test file that
// needs a control used nowhere else reaches it through `page`.
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

  testId(id) { return this.page.getByTestId(id); }
  /** The message box. */
  get input() { return this.testId('composer-input'); }
  get sendButton() { return this.testId('send-button'); }
  get stopButton() { return this.testId('stop-button'); }
  /** The balance in the header, e.g. "5,100 tokens". */
  get balance() { return this.testId('balance'); }
  /** The model in the header; a click switches to the other one. */
  get model() { return this.testId('model'); }
  get userName() { return this.testId('user-name'); }
  get languageButton() { return this.testId('language-button'); }
  get themeButton() { return this.testId('theme-button'); }
  /** The notice over the thread, with its Dismiss button. */
  get notice() { return this.testId('notice'); }
  /** The notice's sentence alone. */
  get noticeText() { return this.notice.locator('p'); }
  get dismissNotice() { return this.notice.getByRole('button', { name: 'Dismiss' }); }
  get offlineNotice() { return this.testId('offline-notice'); }
  /** The line saying a new version is ready, with its Reload and Later buttons. */
  get updateLine() { return this.testId('update-ready'); }
  /** The line saying a new version could not be installed (the site sent a wrong file). */
  get updateRefused() { return this.testId('update-refused'); }
  /** The newest stored reply. */
  get reply() { return this.testId('reply').last(); }
  get replies() { return this.testId('reply'); }
  /** The note under the newest reply ("Stopped early", "estimated: …"). */
  get replyNote() { return this.testId('reply-note').last(); }
  get streamingReply() { return this.testId('streaming-reply'); }
  /** The newest answer to a command (残高を見る, /topup, …) under the thread. */
  get answer() { return this.testId('note-answer').last(); }
  get exchanges() { return this.testId('exchange'); }
  get threadTitle() { return this.testId('thread-title'); }
  get threadLinks() { return this.testId('thread-link'); }
  threadLink(title) { return this.threadLinks.filter({ hasText: title }); }
  get emptyThread() { return this.testId('empty-thread'); }
  get settingsResult() { return this.testId('settings-result'); }
  /** The first visit's welcome card. */
  get firstRun() { return this.testId('first-run'); }
  get topUpProblem() { return this.testId('top-up-problem'); }

  /** The `n`-th exchange on screen (0: the first), and its controls. */
  exchange(n) { return this.exchanges.nth(n); }
  /** The `2 / 3` of the `n`-th exchange on screen. */
  versionPosition(n) { return this.exchange(n).getByTestId('version-position'); }
  /** The prompts on screen, in order: the path the thread shows. */
  shownPrompts() { return this.testId('prompt').allTextContents(); }

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
    await this.exchange(n).getByTestId('edit-prompt').click();
    const box = this.exchange(n).getByTestId('edit-input');
    await box.fill(text);
    await box.press('Enter');
  }

  /** Regenerates the reply of the `n`-th exchange on screen (`other`: with the other model). */
  regenerate(n, other = false) { return this.exchange(n).getByTestId(other ? 'regenerate-other' : 'regenerate').click(); }
  /** Shows the previous (or, with `next`, the next) version of the `n`-th exchange. */
  switchVersion(n, next = false) { return this.exchange(n).getByTestId(next ? 'version-next' : 'version-prev').click(); }
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

  /** Goes to the thread listed as `title` and waits until it shows. */
  async openThread(title) {
    await this.threadLink(title).click();
    await waitText(this.threadTitle, title);
  }

  openSettings() { return this.testId('settings-button').click(); }
  openData() { return this.testId('data-button').click(); }
  openUsers() { return this.userName.click(); }
  /** In the open users panel: the balance shown on `name`'s row. */
  userBalance(name) { return this.testId('user-row').filter({ hasText: name }).getByTestId('user-balance'); }

  /** In the open data panel: Export everything, saved to `path`; returns `path`. */
  async exportAll(path) {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.testId('export-all').click()]);
    await download.saveAs(path);
    return path;
  }

  /** In the open data panel: picks `path` as the file to import. */
  chooseImport(path) { return this.testId('import-file').setInputFiles(path); }

  /** The top-up form, filled and submitted (a field left undefined is left as it is). */
  async submitTopUp({ tokens, amount, pin } = {}) {
    if (tokens !== undefined) await this.testId('top-up-tokens').fill(tokens);
    if (amount !== undefined) await this.testId('top-up-amount').fill(amount);
    if (pin !== undefined) await this.testId('top-up-pin').fill(pin);
    await this.testId('top-up-submit').click();
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
    if (!(await this.testId('sync-now').count())) await this.openSettings();
    const before = Number(await this.syncStatus.getAttribute('data-asked'));
    await this.testId('sync-now').click();
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
