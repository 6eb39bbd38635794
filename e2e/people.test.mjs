// The original bot's functions as a person uses them: the four command phrases, threads,
// the model switch, the balance, several users on one browser.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMockProvider } from '../tests/mock-provider/server.mjs';
import { DIST, SCREENSHOTS, configure, dumpDb, launchBrowser, ledgerProblems, serveStatic, waitText } from './support.mjs';

let browser;
let site;
let mock;
before(async () => {
  browser = await launchBrowser();
  site = await serveStatic(DIST);
  mock = await startMockProvider({ azureDeployments: ['dep-mini', 'dep-4o'] });
});
after(async () => {
  await mock?.close();
  await site?.close();
  await browser?.close();
});
beforeEach(() => mock.reset());

async function open({ kind = 'openai' } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog ${d.message()}`); d.dismiss(); });
  await page.goto(site.url);
  await waitText(page.getByTestId('balance'), '100 tokens');
  await configure(page, { kind, base: mock.url, endpoint: mock.url, deployA: 'dep-mini', deployB: 'dep-4o' });
  return { page, context, problems };
}

async function say(page, text) {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

const lastNote = (page) => page.getByTestId('note-answer').last();
const chatRequests = () => mock.requests.filter((r) => r.kind !== 'preflight');

// Guards against 会話を始める leaving the old thread's turns in the next context.
test('会話を始める starts a new thread: the next message is sent alone', async () => {
  const { page, context, problems } = await open();
  await say(page, 'first thread message');
  await waitText(page.getByTestId('reply').last(), 'Echo: first thread message');
  await say(page, '会話を始める');
  await waitText(lastNote(page), /Started a new thread/);
  await say(page, 'second thread message');
  await waitText(page.getByTestId('reply').last(), 'Echo: second thread message');
  const reqs = chatRequests();
  assert.equal(reqs.length, 2, 'the command itself never reached the provider');
  assert.deepEqual(reqs[1].body.messages, [{ role: 'user', content: 'second thread message' }]);
  assert.deepEqual(await page.getByTestId('thread-link').allInnerTexts(), ['second thread message', 'first thread message']);
  await page.screenshot({ path: join(SCREENSHOTS, 'people-two-threads.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against a model switch that the next request, the header or a reload ignores.
for (const kind of ['openai', 'azure']) {
  test(`モデルを切り替える (${kind}): the next request uses the other model, shown and kept after reload`, async () => {
    const { page, context, problems } = await open({ kind });
    await waitText(page.getByTestId('model'), 'gpt-4o-mini');
    await say(page, 'モデルを切り替える');
    await waitText(lastNote(page), /Now using gpt-4o\./);
    await waitText(page.getByTestId('model'), 'gpt-4o');
    await say(page, 'which model?');
    await waitText(page.getByTestId('reply').last(), 'Echo: which model?');
    const [req] = chatRequests();
    if (kind === 'azure') assert.equal(req.path, '/openai/deployments/dep-4o/chat/completions');
    else assert.equal(req.body.model, 'gpt-4o');
    await page.reload();
    await waitText(page.getByTestId('model'), 'gpt-4o');
    const dump = await dumpDb(page);
    assert.equal(dump.users[0].model, 'gpt-4o');
    assert.equal(dump.messages[0].model, 'gpt-4o');
    // By name: the named model is picked; a click on the header switches back.
    await say(page, '/model gpt-4o-mini');
    await waitText(page.getByTestId('model'), 'gpt-4o-mini');
    await page.getByTestId('model').click();
    await waitText(page.getByTestId('model'), 'gpt-4o');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// Guards against a top-up that misses its payment row or flag, and against balance
// commands reaching (and being charged by) the model.
test('残高を加える 5000 and 残高を見る: exact figures, one payment, nothing sent', async () => {
  const { page, context, problems } = await open();
  await say(page, '残高を加える 5000');
  await waitText(lastNote(page), 'Added 5,000 tokens. Balance: 5,100 tokens.');
  await waitText(page.getByTestId('balance'), '5,100 tokens');
  await say(page, '残高を見る');
  await waitText(lastNote(page), 'Balance: 5,100 tokens. Used in this thread: 0 tokens; in all threads: 0 tokens.');
  // Full-width forms and trailing punctuation are the same phrase.
  await say(page, '／ｂａｌａｎｃｅ！');
  await waitText(lastNote(page), /^Balance: 5,100 tokens\./);
  assert.equal(chatRequests().length, 0);
  const dump = await dumpDb(page);
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token]), [[0, 100], [0, 5000]]);
  assert.equal(dump.users[0].is_charged_once, true);
  assert.deepEqual(ledgerProblems(dump), []);
  await page.screenshot({ path: join(SCREENSHOTS, 'people-balance-commands.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against a top-up with nonsense amounts, and a PIN that does not guard.
test('残高を加える asks for what is missing, refuses bad numbers and checks the PIN', async () => {
  const { page, context } = await open();
  await say(page, '残高を加える -5');
  await waitText(lastNote(page), /“-5” is less than 1 token\./);
  await say(page, '残高を加える');
  await page.getByTestId('top-up-form').waitFor();
  await page.getByTestId('top-up-tokens').fill('１，０００');
  await page.getByTestId('top-up-amount').fill('500');
  await page.getByTestId('top-up-submit').click();
  await waitText(lastNote(page), 'Added 1,000 tokens. Balance: 1,100 tokens.');
  let dump = await dumpDb(page);
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token]), [[0, 100], [500, 1000]]);

  await page.getByTestId('settings-button').click();
  await page.getByTestId('topup-pin-setting').fill('4321');
  await page.getByTestId('save-settings').click();
  await waitText(page.getByTestId('notice'), /Settings saved/);
  await say(page, '/topup 50');
  await page.getByTestId('top-up-pin').fill('0000');
  await page.getByTestId('top-up-submit').click();
  await waitText(page.getByTestId('top-up-problem'), /That PIN is not right/);
  await page.getByTestId('top-up-pin').fill('4321');
  await page.getByTestId('top-up-submit').click();
  await waitText(lastNote(page), 'Added 50 tokens. Balance: 1,150 tokens.');
  dump = await dumpDb(page);
  assert.equal(dump.payments.length, 3);
  assert.deepEqual(ledgerProblems(dump), []);
  await context.close();
});

// Guards against a sentence that merely contains a phrase being taken as the command.
test('"会話を始める方法を教えて" goes to the model as a normal message', async () => {
  const { page, context } = await open();
  await say(page, '会話を始める方法を教えて');
  await waitText(page.getByTestId('reply').last(), 'Echo: 会話を始める方法を教えて');
  const [req] = chatRequests();
  assert.deepEqual(req.body.messages, [{ role: 'user', content: '会話を始める方法を教えて' }]);
  assert.equal(await page.getByTestId('thread-note').count(), 0);
  await context.close();
});

// Guards against users seeing each other's threads or balances, and a delete that takes
// more (or less) than the one user.
test('two users: each sees their own threads and balance; deleting one keeps the other', async () => {
  const { page, context, problems } = await open();
  await say(page, 'from the first user');
  await waitText(page.getByTestId('reply').last(), 'Echo: from the first user');
  // The stored balance after the debit: the header may still show the one before it.
  const firstBalance = `${(await dumpDb(page)).users[0].num_token.toLocaleString('en-US')} tokens`;
  await waitText(page.getByTestId('balance'), firstBalance);

  await page.getByTestId('user-name').click();
  await page.getByTestId('new-user-name').fill('花子');
  await page.getByTestId('create-user').click();
  await waitText(page.getByTestId('user-name'), '花子');
  await waitText(page.getByTestId('balance'), '100 tokens');
  assert.equal(await page.getByTestId('thread-link').count(), 0);
  await say(page, '残高を加える 300');
  await waitText(page.getByTestId('balance'), '400 tokens');
  await say(page, 'from hanako');
  await waitText(page.getByTestId('reply').last(), 'Echo: from hanako');
  assert.deepEqual(await page.getByTestId('thread-link').allInnerTexts(), ['from hanako']);

  await page.getByTestId('user-name').click();
  await page.screenshot({ path: join(SCREENSHOTS, 'people-users-panel.png') });
  await page.getByTestId('user-row').filter({ hasText: 'You' }).getByTestId('switch-user').click();
  await waitText(page.getByTestId('user-name'), 'You');
  await waitText(page.getByTestId('balance'), firstBalance);
  assert.deepEqual(await page.getByTestId('thread-link').allInnerTexts(), ['from the first user']);

  // Rename: the new name shows in the list and the header of that user.
  await page.getByTestId('user-name').click();
  await page.getByTestId('user-row').filter({ hasText: '花子' }).getByTestId('rename-user').click();
  await page.getByTestId('rename-input').fill('はなこ');
  await page.getByTestId('rename-save').click();
  await waitText(page.getByTestId('user-row').filter({ hasText: 'はなこ' }).getByTestId('user-label'), 'はなこ');
  assert.equal((await dumpDb(page)).users.filter((u) => u.display_name === 'はなこ').length, 1);
  const hanako = page.getByTestId('user-row').filter({ hasText: 'はなこ' });
  await hanako.getByTestId('delete-user').click();
  await hanako.getByTestId('confirm-delete-user').click();
  await waitText(page.getByTestId('notice'), /Deleted はなこ with all their threads, messages and payments\./);
  const dump = await dumpDb(page);
  assert.deepEqual(dump.users.map((u) => u.display_name), ['You']);
  assert.ok(dump.threads.every((t) => t.user_id === dump.users[0].user_id));
  assert.ok(dump.payments.every((p) => p.user_id === dump.users[0].user_id));
  assert.equal(dump.messages.length, 1);
  assert.deepEqual(ledgerProblems(dump), []);
  await waitText(page.getByTestId('balance'), firstBalance);
  assert.deepEqual(problems, []);
  await context.close();
});

// Guards against thread links that break on reload or on a static host, and a deleted
// thread whose debits vanish from the ledger.
test('a thread link survives a reload; deleting a thread keeps its debits', async () => {
  const { page, context, problems } = await open();
  await say(page, 'keep this thread');
  await waitText(page.getByTestId('reply').last(), 'Echo: keep this thread');
  await say(page, '/new');
  await say(page, 'another thread');
  await waitText(page.getByTestId('reply').last(), 'Echo: another thread');
  const link = page.getByTestId('thread-link').filter({ hasText: 'keep this thread' });
  await link.click();
  await waitText(page.getByTestId('thread-title'), 'keep this thread');
  assert.match(page.url(), /#\/thread\/\d+$/);
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await waitText(page.getByTestId('thread-title'), 'keep this thread');
  assert.deepEqual(await page.getByTestId('prompt').allInnerTexts(), ['keep this thread']);

  const before = await dumpDb(page);
  await page.getByTestId('thread-item').filter({ hasText: 'another thread' }).getByTestId('delete-thread').click();
  await page.getByTestId('thread-link').filter({ hasText: 'another thread' }).waitFor({ state: 'detached' });
  const after = await dumpDb(page);
  assert.equal(after.messages.length, before.messages.length);
  const erased = after.messages.find((m) => m.prompt === '');
  assert.ok(erased && erased.total > 0, 'the deleted thread keeps its debit, not its text');
  assert.deepEqual(ledgerProblems(after), []);
  assert.equal(after.users[0].num_token, before.users[0].num_token);
  assert.deepEqual(problems, []);
  await context.close();
});
