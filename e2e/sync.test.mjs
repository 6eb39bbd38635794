// Sync between devices, as people use it: two browser profiles (two devices) of one user
// syncing through a real CouchDB-compatible server (PouchDB Server, in memory, on
// loopback); checked on screen, in IndexedDB on both devices, and in what the server
// holds and was sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_E2E, ledgerProblems } from './support.mjs';
import { fixture } from './fixture.mjs';
import { waitText } from './pocket_chat_page.mjs';
import { startCouch } from './couch.mjs';

const fx = fixture({
  dist: DIST_E2E,
  context: { viewport: { width: 1100, height: 900 }, colorScheme: 'light' },
  watch: ['dialogs', 'pageErrors'],
});

let couch;
before(async () => { couch = await startCouch(); });
after(async () => { await couch?.close(); });

let databases = 0;
/** A new empty database on the server: its name and its URL as the app reaches it. */
async function newDatabase() {
  const name = `pocketchat-${++databases}`;
  return { name, url: await couch.database(name) };
}

/** A device: a fresh profile with the app configured and `tokens` more to spend. */
async function device(tokens = 50000) {
  const app = await fx.open();
  await app.configure();
  if (tokens) await app.topUp(tokens);
  return app;
}

async function chat(app, ...prompts) {
  for (const text of prompts) {
    await app.say(text);
    await app.waitReply(`Echo: ${text}`);
  }
}

const listed = async (app) => (await app.threadLinks.allInnerTexts()).map((t) => t.trim()).sort();

/** Waits until `app`'s thread list shows `want` (any order). */
async function waitListed(app, want) {
  const deadline = Date.now() + 10_000;
  let seen;
  while (Date.now() < deadline) {
    seen = await listed(app);
    if (JSON.stringify(seen) === JSON.stringify([...want].sort())) return;
    await app.page.waitForTimeout(25);
  }
  assert.deepEqual(seen, [...want].sort());
}

/** The records a device holds that sync: what must be equal on every device. */
function synced(dump) {
  const ids = (rows, key) => rows.map((r) => r[key]).sort();
  return {
    threads: dump.threads.map(({ user_id, ...t }) => t).sort((a, b) => a.thread_id.localeCompare(b.thread_id)),
    branches: ids(dump.branches, 'branch_id'),
    messages: dump.messages.map(({ user_id, html, ...m }) => m).sort((a, b) => a.message_id.localeCompare(b.message_id)),
    payments: dump.payments.map(({ user_id, ...p }) => p).sort((a, b) => a.payment_id.localeCompare(b.payment_id)),
    balance: dump.users[0].num_token,
  };
}

// Guards against a second device that does not get the first's threads, versions,
// payments and balance; against the sign-up bonus counted twice; against the API key or
// the provider settings reaching the sync server.
test('A chats, edits and tops up, syncs; B syncs and shows the same threads, versions and balance', async () => {
  const db = await newDatabase();
  const a = await device();
  await chat(a, 'one', 'two');
  await a.editPrompt(1, 'two, edited');
  await a.waitReply('Echo: two, edited');
  await a.testId('new-thread').click();
  await chat(a, 'another thread');
  const line = await a.syncWith(db.url);
  assert.match(line, /^Last synced at .+: \d+ sent, 0 received\.$/);
  const aDump = await a.dump();
  assert.deepEqual(ledgerProblems(aDump), []);

  const b = await device(0);
  await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\./ });
  await b.testId('settings-close').click();
  await waitListed(b, await listed(a));
  await b.openThread('one');
  await b.waitPrompts(['one', 'two, edited']);
  await waitText(b.versionPosition(1), '2 / 2');
  await waitText(b.balance, (await a.balance.innerText()).trim());
  const bDump = await b.assertLedger();
  assert.deepEqual(synced(bDump), synced(aDump));
  // The older version is there too, one click away.
  await b.switchVersion(1);
  await b.waitPrompts(['one', 'two']);
  // One bonus: B's own was replaced by A's.
  assert.equal(bDump.payments.filter((p) => p.amount === 0 && p.charged_token === 100).length, 1);
  await b.screenshot('sync-second-device');

  // Nothing of the provider reached the sync server.
  assert.ok(couch.requests.length > 0);
  for (const r of couch.requests) {
    const seen = JSON.stringify(r);
    assert.ok(!seen.includes('sk-test'), `the API key went to the sync server: ${r.method} ${r.path}`);
    assert.ok(!seen.includes(fx.mock.url), `the provider's address went to the sync server: ${r.method} ${r.path}`);
  }
  const docs = await couch.docs(db.name);
  assert.ok(docs.every((d) => !('user_id' in d) && !('num_token' in d) && !('api_key' in d)));
});

/** Two devices of one user, synced once: A's threads 'one' (two exchanges) and 'two'. */
async function twoSyncedDevices() {
  const db = await newDatabase();
  const a = await device();
  await chat(a, 'one', 'one more');
  await a.testId('new-thread').click();
  await chat(a, 'two');
  await a.syncWith(db.url);
  await a.testId('settings-close').click();
  const b = await device(0);
  await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\./ });
  await b.testId('settings-close').click();
  await waitListed(b, ['one', 'two']);
  return { db, a, b };
}

async function rename(app, from, to) {
  await app.openThread(from);
  await app.testId('thread-rename').click();
  const input = app.testId('thread-title-input');
  await input.fill(to);
  await input.press('Enter');
  await waitText(app.threadTitle, to);
}

// Guards against spending on two devices apart losing a debit or counting one twice,
// against balances that differ once both synced, and against a rename settled
// differently on the two devices.
test('both devices apart: each spends and renames, both sync: every exchange on both, balances equal, the later rename wins', async () => {
  const { a, b } = await twoSyncedDevices();
  couch.down = true;
  await rename(a, 'two', 'renamed on A');
  await chat(a, 'A, apart');
  await a.topUp(1000);
  await b.page.waitForTimeout(5); // B's rename is the later one, by the clock both share.
  await rename(b, 'two', 'renamed on B');
  await b.testId('new-thread').click();
  await chat(b, 'B, apart');
  // The server down is a sentence; nothing is lost.
  const down = await a.syncNow(/could not be reached/);
  assert.equal(down, 'The sync server could not be reached. Nothing was lost; pocket-chat syncs again when it can.');
  await a.testId('settings-close').click();
  couch.down = false;

  await a.syncNow();
  await a.testId('settings-close').click();
  await b.syncNow();
  await b.testId('settings-close').click();
  await a.syncNow();
  await a.testId('settings-close').click();
  for (const app of [a, b]) await waitListed(app, ['one', 'renamed on B', 'B, apart']);
  const [da, db] = [await a.assertLedger(), await b.assertLedger()];
  assert.deepEqual(synced(db), synced(da));
  // Every exchange: A's five and B's one.
  assert.deepEqual(da.messages.map((m) => m.prompt).sort(), ['A, apart', 'B, apart', 'one', 'one more', 'two'].sort());
  await waitText(b.balance, (await a.balance.innerText()).trim());
});

// Guards against a deleted thread coming back from another device (NextChat #2837).
test('a thread deleted on A stays deleted on B, also after both sync again', async () => {
  const { a, b } = await twoSyncedDevices();
  await a.testId('thread-item').filter({ hasText: 'two' }).getByTestId('delete-thread').click();
  await waitListed(a, ['one']);
  await a.syncNow();
  await a.testId('settings-close').click();
  await b.syncNow();
  await b.testId('settings-close').click();
  await waitListed(b, ['one']);
  // B's copy was erased too, its debit kept.
  const gone = (await b.dump()).messages.find((m) => m.total > 0 && m.prompt === '' && m.completion === '');
  assert.ok(gone, 'the deleted thread\'s exchange is erased on B');
  await b.syncNow();
  await b.testId('settings-close').click();
  await a.syncNow();
  await a.testId('settings-close').click();
  for (const app of [a, b]) {
    await waitListed(app, ['one']);
    const dump = await app.assertLedger();
    assert.equal(dump.threads.filter((t) => t.deleted_at).length, 1);
    assert.ok(!dump.messages.some((m) => m.prompt === 'two' || m.completion === 'Echo: two'));
  }
});
