// The original bot's functions as a person uses them: the four command phrases, threads,
// the model switch, the balance, several users on one browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, ledgerProblems } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';

// Each page is watched for page errors and dialogs; Azure is set up with the two
// deployments the mock serves.
const fx = fixture({
  dist: DIST,
  mock: { azureDeployments: ['dep-mini', 'dep-4o'] },
  watch: ['pageErrors', 'dialogs'],
  settings: { deployA: 'dep-mini', deployB: 'dep-4o' },
});

const chatRequests = () => fx.mock.requests.filter((r) => r.kind !== 'preflight');

// Guards against 会話を始める leaving the old thread's turns in the next context.
test('会話を始める starts a new thread: the next message is sent alone', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('first thread message');
  await app.waitReply('Echo: first thread message');
  await app.say('会話を始める');
  await app.waitAnswer(/Started a new thread/);
  await app.say('second thread message');
  await app.waitReply('Echo: second thread message');
  const reqs = chatRequests();
  assert.equal(reqs.length, 2, 'the command itself never reached the provider');
  assert.deepEqual(reqs[1].body.messages, [{ role: 'user', content: 'second thread message' }]);
  assert.deepEqual(await app.threadLinks.allInnerTexts(), ['second thread message', 'first thread message']);
  await app.screenshot('people-two-threads');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against a model switch that the next request, the header or a reload ignores.
for (const kind of ['openai', 'azure']) {
  test(`モデルを切り替える (${kind}): the next request uses the other model, shown and kept after reload`, async () => {
    const app = await fx.open();
    await app.configure({ kind });
    await waitText(app.model, 'gpt-4o-mini');
    await app.say('モデルを切り替える');
    await app.waitAnswer(/Now using gpt-4o\./);
    await waitText(app.model, 'gpt-4o');
    await app.say('which model?');
    await app.waitReply('Echo: which model?');
    const [req] = chatRequests();
    if (kind === 'azure') assert.equal(req.path, '/openai/deployments/dep-4o/chat/completions');
    else assert.equal(req.body.model, 'gpt-4o');
    await app.reload();
    await waitText(app.model, 'gpt-4o');
    const dump = await app.dump();
    assert.equal(dump.users[0].model, 'gpt-4o');
    assert.equal(dump.messages[0].model, 'gpt-4o');
    // By name: the named model is picked; a click on the header switches back.
    await app.say('/model gpt-4o-mini');
    await waitText(app.model, 'gpt-4o-mini');
    await app.model.click();
    await waitText(app.model, 'gpt-4o');
    assert.deepEqual(app.problems, []);
    await app.close();
  });
}

// Guards against a top-up that misses its payment row or flag, and against balance
// commands reaching (and being charged by) the model.
test('残高を加える 5000 and 残高を見る: exact figures, one payment, nothing sent', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('残高を加える 5000');
  await app.waitAnswer('Added 5,000 tokens. Balance: 5,100 tokens.');
  await app.waitBalance('5,100 tokens');
  await app.say('残高を見る');
  await app.waitAnswer('Balance: 5,100 tokens. Used in this thread: 0 tokens; in all threads: 0 tokens.');
  // Full-width forms and trailing punctuation are the same phrase.
  await app.say('／ｂａｌａｎｃｅ！');
  await app.waitAnswer(/^Balance: 5,100 tokens\./);
  assert.equal(chatRequests().length, 0);
  const dump = await app.dump();
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token]), [[0, 100], [0, 5000]]);
  assert.equal(dump.users[0].is_charged_once, true);
  assert.deepEqual(ledgerProblems(dump), []);
  await app.screenshot('people-balance-commands');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against the users panel telling an older balance than the header: a top-up and
// a debit each change both.
test('after a top-up and a reply, the users panel shows the balance the header shows', async () => {
  const app = await fx.open();
  await app.configure();
  await app.openUsers();
  await waitText(app.userBalance('You'), '100 tokens');
  await app.openUsers();
  await app.say('残高を加える 5000');
  await app.waitBalance('5,100 tokens');
  await app.openUsers();
  await waitText(app.userBalance('You'), '5,100 tokens');
  await app.openUsers();
  await app.say('hello');
  await app.waitReply('Echo: hello');
  const dump = await app.settledDump();
  const left = `${dump.users[0].num_token.toLocaleString('en-US')} tokens`;
  assert.notEqual(left, '5,100 tokens', 'the reply was debited');
  await app.waitBalance(left);
  await app.openUsers();
  await waitText(app.userBalance('You'), left);
  await app.screenshot('people-users-panel-balance');
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against a top-up with nonsense amounts, and a PIN that does not guard.
test('残高を加える asks for what is missing, refuses bad numbers and checks the PIN', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('残高を加える -5');
  await app.waitAnswer(/“-5” is less than 1 token\./);
  await app.say('残高を加える');
  await app.topUpForm.waitFor();
  await app.submitTopUp({ tokens: '１，０００', amount: '500' });
  await app.waitAnswer('Added 1,000 tokens. Balance: 1,100 tokens.');
  let dump = await app.dump();
  assert.deepEqual(dump.payments.map((p) => [p.amount, p.charged_token]), [[0, 100], [500, 1000]]);

  await app.openSettings();
  await app.topUpPinSetting.fill('4321');
  await app.saveSettingsButton.click();
  await waitText(app.notice, /Settings saved/);
  await app.say('/topup 50');
  await app.submitTopUp({ pin: '0000' });
  await waitText(app.topUpProblem, /That PIN is not right/);
  await app.submitTopUp({ pin: '4321' });
  await app.waitAnswer('Added 50 tokens. Balance: 1,150 tokens.');
  dump = await app.dump();
  assert.equal(dump.payments.length, 3);
  assert.deepEqual(ledgerProblems(dump), []);
  await app.close();
});

// Guards against a sentence that merely contains a phrase being taken as the command.
test('"会話を始める方法を教えて" goes to the model as a normal message', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('会話を始める方法を教えて');
  await app.waitReply('Echo: 会話を始める方法を教えて');
  const [req] = chatRequests();
  assert.deepEqual(req.body.messages, [{ role: 'user', content: '会話を始める方法を教えて' }]);
  assert.equal(await app.threadNote.count(), 0);
  await app.close();
});

// Guards against users seeing each other's threads or balances, and a delete that takes
// more (or less) than the one user.
test('two users: each sees their own threads and balance; deleting one keeps the other', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('from the first user');
  await app.waitReply('Echo: from the first user');
  // The stored balance after the debit: the header may still show the one before it.
  const firstBalance = `${(await app.dump()).users[0].num_token.toLocaleString('en-US')} tokens`;
  await app.waitBalance(firstBalance);

  await app.openUsers();
  await app.createUser('花子');
  await waitText(app.userName, '花子');
  await app.waitBalance('100 tokens');
  assert.equal(await app.threadLinks.count(), 0);
  await app.say('残高を加える 300');
  await app.waitBalance('400 tokens');
  await app.say('from hanako');
  await app.waitReply('Echo: from hanako');
  assert.deepEqual(await app.threadLinks.allInnerTexts(), ['from hanako']);

  await app.openUsers();
  await app.screenshot('people-users-panel');
  await app.switchUser('You');
  await waitText(app.userName, 'You');
  await app.waitBalance(firstBalance);
  assert.deepEqual(await app.threadLinks.allInnerTexts(), ['from the first user']);

  // Rename: the new name shows in the list and the header of that user.
  await app.openUsers();
  await app.renameUser('花子', 'はなこ');
  await waitText(app.userLabel('はなこ'), 'はなこ');
  assert.equal((await app.dump()).users.filter((u) => u.display_name === 'はなこ').length, 1);
  await app.deleteUser('はなこ');
  await waitText(app.notice, /Deleted はなこ with all their threads, messages and payments\./);
  const dump = await app.dump();
  assert.deepEqual(dump.users.map((u) => u.display_name), ['You']);
  assert.ok(dump.threads.every((t) => t.user_id === dump.users[0].user_id));
  assert.ok(dump.payments.every((p) => p.user_id === dump.users[0].user_id));
  assert.equal(dump.messages.length, 1);
  assert.deepEqual(ledgerProblems(dump), []);
  await app.waitBalance(firstBalance);
  assert.deepEqual(app.problems, []);
  await app.close();
});

// Guards against thread links that break on reload or on a static host, and a deleted
// thread whose debits vanish from the ledger.
test('a thread link survives a reload; deleting a thread keeps its debits', async () => {
  const app = await fx.open();
  await app.configure();
  await app.say('keep this thread');
  await app.waitReply('Echo: keep this thread');
  await app.say('/new');
  await app.say('another thread');
  await app.waitReply('Echo: another thread');
  const link = app.threadLinks.filter({ hasText: 'keep this thread' });
  await link.click();
  await waitText(app.threadTitle, 'keep this thread');
  assert.match(app.page.url(), /#\/thread\/[0-9A-Z]{26}$/);
  const url = app.page.url();
  await app.page.goto('about:blank');
  await app.page.goto(url);
  await waitText(app.threadTitle, 'keep this thread');
  assert.deepEqual(await app.prompts.allInnerTexts(), ['keep this thread']);

  const before = await app.dump();
  await app.deleteThread('another thread');
  await app.threadLinks.filter({ hasText: 'another thread' }).waitFor({ state: 'detached' });
  const after = await app.dump();
  assert.equal(after.messages.length, before.messages.length);
  const erased = after.messages.find((m) => m.prompt === '');
  assert.ok(erased && erased.total > 0, 'the deleted thread keeps its debit, not its text');
  assert.deepEqual(ledgerProblems(after), []);
  assert.equal(after.users[0].num_token, before.users[0].num_token);
  assert.deepEqual(app.problems, []);
  await app.close();
});
