// Sync between devices, as people use it: two browser profiles (two devices) of one user
// syncing through a real CouchDB-compatible server (PouchDB Server, in memory, on
// loopback); checked on screen, in IndexedDB on both devices, and in what the server
// holds and was sent.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DIST_E2E, SCREENSHOTS, ledgerProblems } from './support.mjs';
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
beforeEach(() => couch.reset());

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

/** A device whose signed-in user has the benchmark's history: `threads` threads, the
 *  last of `messages` exchanges. */
async function seededDevice(threads, messages) {
  const app = await device();
  await app.seedHistory(threads, messages);
  await app.reload();
  await waitText(app.balance, /tokens$/);
  return app;
}

async function chat(app, ...prompts) {
  for (const text of prompts) {
    await app.say(text);
    await app.waitReply(`Echo: ${text}`);
  }
}

/** The exchange of `prompt` on the server, once it is there (15 s at most: the automatic
 *  sync follows a change by a few seconds); `undefined` if it never comes. */
async function serverExchange(db, prompt) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const doc = (await couch.docs(db.name)).find((d) => d.prompt === prompt);
    if (doc) return doc;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return undefined;
}

const listed = async (app) => (await app.threadLinks.allInnerTexts()).map((t) => t.trim()).sort();

/** Waits until `app`'s thread list shows `want` (any order). */
const waitListed = (app, want) => app.waitListed(want, { anyOrder: true });

/** `dump` with only the signed-in user's records. */
function mine(dump) {
  const current = dump.settings.find((s) => s.key === 'current_user')?.value ?? dump.users[0].user_id;
  const of = (rows) => rows.filter((r) => r.user_id === current);
  return { ...dump, users: of(dump.users), payments: of(dump.payments), threads: of(dump.threads), branches: of(dump.branches), messages: of(dump.messages) };
}

/** The records of the signed-in user that sync: what must be equal on every device. */
function synced(all) {
  const dump = mine(all);
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
  await a.newThread();
  await chat(a, 'another thread');
  const line = await a.syncWith(db.url);
  assert.match(line, /^Last synced at .+: \d+ sent, 0 received\.$/);
  await a.screenshot('sync-settings');
  const aDump = await a.dump();
  assert.deepEqual(ledgerProblems(aDump), []);

  const b = await device(0);
  await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\./ });
  await b.closeSettings();
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

// Guards against a change that waits for "Sync now": once a URL is saved, a finished
// exchange reaches the server by itself, and the other device's next sync brings it.
test('once set up, a finished exchange syncs by itself', async () => {
  const db = await newDatabase();
  const a = await device();
  await a.syncWith(db.url);
  await a.closeSettings();
  await chat(a, 'synced by itself');
  const doc = await serverExchange(db, 'synced by itself');
  assert.ok(doc, 'the exchange reached the server without Sync now');
  assert.equal(doc.completion, 'Echo: synced by itself');
  assert.equal(doc.status, 'complete');
  // Settings say so, under the line of the sync the user asked for.
  await a.openSettings();
  await waitText(a.syncSince, /^Since then it synced by itself at .+: [1-9]\d* sent, 0 received\.$/);
  await a.screenshot('sync-since');
  assert.match(await a.syncStatus.innerText(), /^Last synced at .+: [1-9]\d* sent, 0 received\.$/);
});

// Guards against an exchange pushed per streamed token, or half: a sync while a reply
// streams leaves it out; once finished it is pushed once, whole.
test('a reply still streaming is not synced; finished, it is pushed once, whole', async () => {
  const db = await newDatabase();
  const a = await device();
  await a.syncWith(db.url);
  await a.closeSettings();
  const prompt = 'one two three four five six seven eight nine ten';
  fx.mock.setFault({ chunkDelayMs: 400, times: 1 });
  await a.say(prompt);
  await a.streamingReply.waitFor();
  // The reply has been saved as it streams (once a second) by now.
  await a.dumpUntil((d) => d.messages.some((m) => m.prompt === prompt && m.completion), 'the streaming reply saved');
  await a.syncNow();
  assert.ok(!(await couch.docs(db.name)).some((d) => d.prompt === prompt), 'the streaming exchange was pushed');
  await a.closeSettings();
  await a.waitReply(`Echo: ${prompt}`);
  const doc = await serverExchange(db, prompt);
  assert.ok(doc, 'the finished exchange reached the server');
  assert.equal(doc.completion, `Echo: ${prompt}`);
  assert.ok(doc._rev.startsWith('1-'), `pushed more than once: ${doc._rev}`);
});

/** Two devices of one user, synced once: A's threads 'one' (two exchanges) and 'two'. */
async function twoSyncedDevices() {
  const db = await newDatabase();
  const a = await device();
  await chat(a, 'one', 'one more');
  await a.newThread();
  await chat(a, 'two');
  await a.syncWith(db.url);
  await a.closeSettings();
  const b = await device(0);
  await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\./ });
  await b.closeSettings();
  await waitListed(b, ['one', 'two']);
  return { db, a, b };
}

async function rename(app, from, to) {
  await app.openThread(from);
  await app.threadRenameButton.click();
  const input = app.threadTitleInput;
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
  await b.newThread();
  await chat(b, 'B, apart');
  // Both go on in the same thread: each device's exchange stays, in one order on both.
  await a.openThread('one');
  await chat(a, 'one, from A');
  await b.openThread('one');
  await chat(b, 'one, from B');
  // The server down is a sentence; nothing is lost.
  const down = await a.syncNow(/could not be reached/);
  assert.equal(down, 'The sync server could not be reached. Nothing was lost; pocket-chat syncs again when it can.');
  await a.closeSettings();
  couch.down = false;

  await a.syncNow();
  await a.closeSettings();
  await b.syncNow();
  await b.closeSettings();
  await a.syncNow();
  await a.closeSettings();
  for (const app of [a, b]) await waitListed(app, ['one', 'renamed on B', 'B, apart']);
  const [da, db] = [await a.assertLedger(), await b.assertLedger()];
  assert.deepEqual(synced(db), synced(da));
  // Every exchange of both.
  assert.deepEqual(da.messages.map((m) => m.prompt).sort(),
    ['A, apart', 'B, apart', 'one', 'one more', 'one, from A', 'one, from B', 'two'].sort());
  for (const app of [a, b]) {
    await app.openThread('one');
    await app.waitPrompts(['one', 'one more', 'one, from A', 'one, from B']);
  }
  await waitText(b.balance, (await a.balance.innerText()).trim());
});

// Guards against a balance that two devices spending apart pushed below zero being
// hidden, differing between them, or still letting a call through.
test('both devices spend apart past the balance: below zero on both, shown, and the next call refused until a top-up', async () => {
  const db = await newDatabase();
  const a = await device(0);
  await a.syncWith(db.url);
  await a.closeSettings();
  const b = await device(0);
  await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\./ });
  await b.closeSettings();
  await waitText(b.balance, '100 tokens');
  couch.down = true;
  await a.debit(1, 80);
  await b.debit(1, 80);
  await waitText(a.balance, '20 tokens');
  couch.down = false;
  for (const app of [a, b, a]) {
    await app.syncNow();
    await app.closeSettings();
  }
  for (const app of [a, b]) {
    await waitText(app.balance, '-60 tokens');
    const dump = await app.assertLedger();
    assert.equal(dump.users[0].num_token, -60);
  }
  const asked = fx.chats('openai').length;
  await b.say('one more?');
  await waitText(b.noticeText, /balance of -60 tokens does not cover this message/);
  assert.equal(fx.chats('openai').length, asked, 'a call went out below zero');
  assert.equal(await b.input.inputValue(), 'one more?', 'the prompt is kept');
  await b.topUp(1000);
  await waitText(b.balance, '940 tokens');
  await chat(b, 'after the top-up');
});

// Guards against a deleted thread coming back from another device (NextChat #2837).
test('a thread deleted on A stays deleted on B, also after both sync again', async () => {
  const { a, b } = await twoSyncedDevices();
  await a.deleteThread('two');
  await waitListed(a, ['one']);
  await a.syncNow();
  await a.closeSettings();
  await b.syncNow();
  await b.closeSettings();
  await waitListed(b, ['one']);
  // B's copy was erased too, its debit kept.
  const gone = (await b.dump()).messages.find((m) => m.total > 0 && m.prompt === '' && m.completion === '');
  assert.ok(gone, 'the deleted thread\'s exchange is erased on B');
  await b.syncNow();
  await b.closeSettings();
  await a.syncNow();
  await a.closeSettings();
  for (const app of [a, b]) {
    await waitListed(app, ['one']);
    const dump = await app.assertLedger();
    assert.equal(dump.threads.filter((t) => t.deleted_at).length, 1);
    assert.ok(!dump.messages.some((m) => m.prompt === 'two' || m.completion === 'Echo: two'));
  }
});

/** Every record of `dump` that syncs, as the number of documents it makes. */
const documents = (all) => {
  const dump = mine(all);
  return 1 + dump.payments.length + dump.threads.length + dump.branches.length + dump.messages.length;
};

// Guards against a sync cut mid-batch that, resumed, sends again what the server already
// took, or fetches again what this device already applied: nothing moves twice.
test('a sync cut midway and resumed moves nothing twice, both ways', async () => {
  const db = await newDatabase();
  const a = await seededDevice(3, 240);
  const aDump = await a.dump();
  // The server takes the first batch, and its reply is lost; the server stays down until
  // the test looks, so no sync that runs by itself finishes the job meanwhile.
  couch.dropReplyOf = `POST /${db.name}/_bulk_docs`;
  couch.downAfterDrop = true;
  assert.match(await a.syncWith(db.url, { want: /could not be reached/ }), /Nothing was lost/);
  assert.equal(couch.bulkDocs(db.name).length, 1);
  couch.down = false;
  await a.syncNow(/^Last synced at .+: \d+ sent, 0 received\.$/);
  const sent = couch.bulkDocs(db.name).flatMap((b) => b.docs.map((d) => d._id));
  assert.equal(sent.length, documents(aDump));
  assert.equal(new Set(sent).size, sent.length, 'a document was sent twice');
  const docs = await couch.docs(db.name);
  assert.equal(docs.length, documents(aDump));
  assert.ok(docs.every((d) => d._rev.startsWith('1-')), 'a document has a second revision');
  // A is closed: a sync A runs by itself must not take the cut meant for B's checkpoint.
  await a.close();

  // B: its checkpoint's reply is lost after the first batch was applied.
  const b = await device(0);
  couch.requests.length = 0;
  couch.dropReplyOf = `PUT /${db.name}/_local/`;
  await b.syncWith(db.url, { want: /could not be reached/ });
  const afterCut = (await b.dump()).messages.length;
  assert.ok(afterCut > 0 && afterCut < mine(aDump).messages.length, `B applied ${afterCut} exchanges before the cut`);
  couch.down = false;
  couch.downAfterDrop = false;
  await b.syncNow(/^Last synced at .+: \d+ sent, \d+ received\.$/);
  const fetched = couch.requests
    .filter((r) => r.path.startsWith(`/${db.name}/_bulk_get`))
    .flatMap((r) => JSON.parse(r.body).docs.map((d) => d.id));
  assert.equal(new Set(fetched).size, fetched.length, 'a document was fetched twice');
  const bDump = await b.assertLedger();
  assert.deepEqual(synced(bDump), synced(aDump));
});

// Guards against a checkpoint another tab of the same user moved on meanwhile (HTTP 409)
// stopping a sync, or sending it back to the start.
test('a 409 on the checkpoint, another tab having synced meanwhile: the sync carries on', async () => {
  const db = await newDatabase();
  const a = await seededDevice(2, 150);
  await a.syncWith(db.url);
  // A is closed: only B's requests reach the server from here on.
  const aSynced = synced(await a.dump());
  await a.close();
  const b = await device(0);
  let moved = 0;
  couch.beforeForward = async ({ method, path }) => {
    // Before B's second checkpoint write, the checkpoint moves on under it.
    if (method === 'PUT' && path.startsWith(`/${db.name}/_local/`) && ++moved === 2) {
      const id = decodeURIComponent(path.slice(`/${db.name}/`.length));
      const now = await couch.admin('GET', `${db.name}/${id}`);
      await couch.admin('PUT', `${db.name}/${id}`, { ...now, last_seq: now.last_seq });
    }
  };
  try {
    await b.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, \d+ received\.$/ });
  } finally {
    couch.beforeForward = null;
  }
  assert.deepEqual(couch.hookErrors, []);
  assert.ok(moved >= 3, 'the checkpoint was written again after the conflict');
  // The checkpoint stands where B's pull ended.
  const put = couch.requests.filter((r) => r.method === 'PUT' && r.path.includes('/_local/')).at(-1);
  const checkpoint = await couch.admin('GET', `${db.name}/${decodeURIComponent(put.path.slice(`/${db.name}/`.length))}`);
  assert.equal(checkpoint.last_seq, JSON.parse(put.body).last_seq);
  assert.ok(checkpoint.last_seq > 100, `the checkpoint is past the first batch: ${checkpoint.last_seq}`);
  assert.deepEqual(synced(await b.assertLedger()), aSynced);
});

// Guards against documents on the server that are not pocket-chat's stopping the sync or
// being taken for records, and against one of ours that cannot be read being dropped.
test('a malformed document from the server is left out or kept waiting, with a sentence; the rest syncs', async () => {
  const { db, a } = await twoSyncedDevices();
  await couch.admin('PUT', `${db.name}/thread:NOT-OURS`, { kind: 'thread', title: 42 });
  await couch.admin('PUT', `${db.name}/shopping-list`, { kind: 'spaceship' });
  await chat(a, 'after the damage');
  await a.syncNow();
  const c = await device(0);
  const line = await c.syncWith(db.url, { want: /left out/ });
  assert.match(line, /^Last synced at .+: \d+ sent, \d+ received\. 1 document from the server was not pocket-chat's and left out\. 1 document from the server waits on this device \(first: thread:NOT-OURS\): this version cannot read it, or it refers to records not here yet\. Each sync tries again\.$/);
  await c.closeSettings();
  await waitListed(c, ['one', 'two']);
  const dump = await c.assertLedger();
  assert.ok(dump.messages.some((m) => m.prompt === 'after the damage'));
  assert.ok(!dump.threads.some((t) => t.thread_id === 'NOT-OURS'));
  // The next sync carries on past them; the one kept still waits, and says so.
  await c.syncNow(/^Last synced at .+: 0 sent, 0 received\. 1 document from the server waits on this device \(first: thread:NOT-OURS\)/);
  // Once the document can be read (here: written again as a thread), it arrives.
  const damaged = await couch.admin('GET', `${db.name}/thread:NOT-OURS`);
  await couch.admin('PUT', `${db.name}/thread:NOT-OURS`, {
    _rev: damaged._rev, kind: 'thread', thread_id: 'NOT-OURS', title: 'readable now', created_at: 1, updated_at: 1,
  });
  await c.syncNow(/^Last synced at .+: 0 sent, 1 received\.$/);
  await c.closeSettings();
  await waitListed(c, ['one', 'two', 'readable now']);
  await c.assertLedger();
});

// Guards against a full local store leaving half a pull behind, or losing it.
test('a full local store: a sentence, nothing half-written; once there is room, everything arrives', async () => {
  const { db, a } = await twoSyncedDevices();
  const context = await fx.newContext({ quotaSwitch: true });
  const c = await fx.open({ context });
  await c.configure();
  couch.down = true;
  await c.syncWith(db.url, { want: /could not be reached/ });
  couch.down = false;
  const before = await c.dump();
  await c.fillStorage(true);
  assert.match(await c.syncNow(/storage/), /full/);
  await c.fillStorage(false);
  assert.deepEqual((await c.dump()).threads, before.threads);
  await c.syncNow(/^Last synced at .+: \d+ sent, \d+ received\.$/);
  await c.closeSettings();
  await waitListed(c, ['one', 'two']);
  assert.deepEqual(synced(await c.assertLedger()), synced(await a.dump()));
});

// Guards against a refused password that is not said, or that loses what was to sync.
test('a wrong password is a sentence; the right one syncs, and is never shown again', async () => {
  const guarded = await startCouch();
  try {
    const url = await guarded.database('alice');
    await guarded.admin('PUT', '_config/admins/alice', 'secret');
    await guarded.admin('PUT', 'alice/_security', { admins: { names: [], roles: [] }, members: { names: ['alice'], roles: [] } }, 'alice:secret');
    const a = await device();
    await chat(a, 'guarded');
    const refused = await a.syncWith(url, { user: 'alice', password: 'wrong', want: /refused/ });
    assert.equal(refused, 'The sync server refused the user name or password (HTTP 401). Check them in Settings.');
    await a.screenshot('sync-refused');
    await a.syncWith(url, { user: 'alice', password: 'secret' });
    const docs = await guarded.docs('alice', 'alice:secret');
    assert.ok(docs.some((d) => d.prompt === 'guarded'));
    assert.ok(guarded.requests.every((r) => r.headers.authorization?.startsWith('Basic ')));
    // Settings opened again, as anyone at the browser would: the password is in no field
    // and nowhere in the page, and Sync now still syncs with it.
    await a.closeSettings();
    await a.openSettings();
    assert.equal(await a.syncPassword.inputValue(), '');
    assert.ok(!(await a.page.content()).includes('secret'), 'the password is not in the page');
    await a.closeSettings();
    await chat(a, 'guarded again');
    await a.syncNow();
    assert.ok((await guarded.docs('alice', 'alice:secret')).some((d) => d.prompt === 'guarded again'));
  } finally {
    await guarded.close();
  }
});

/** A device with the seeded history that has pushed it all to a new database, then
 *  closed (so none of its syncs reach the server later), and what must arrive elsewhere. */
async function seededServer(threads, messages) {
  const db = await newDatabase();
  const a = await seededDevice(threads, messages);
  await a.syncWith(db.url);
  const want = synced(await a.dump());
  await a.close();
  couch.requests.length = 0;
  return { db, want };
}

/** The checkpoint writes the app sent since `couch.requests` was emptied. */
const checkpointWrites = () => couch.requests.filter((r) => r.method === 'PUT' && r.path.includes('/_local/'));

// Guards against a pull that moves its checkpoint past a document the server could not
// give (a `_bulk_get` error): the batch fails with a sentence, nothing of it is applied,
// the checkpoint stays, and the next sync brings everything.
test('a _bulk_get error mid-pull: a sentence, the checkpoint stays, the next sync brings it all', async () => {
  const { db, want } = await seededServer(2, 150);
  let asked = 0;
  couch.alterReply = ({ method, path }, text) => {
    if (method !== 'POST' || !path.startsWith(`/${db.name}/_bulk_get`) || ++asked !== 2) return undefined;
    const reply = JSON.parse(text);
    const victim = reply.results.at(-1);
    victim.docs = [{ error: { id: victim.id, rev: victim.docs[0].ok._rev, error: 'not_found', reason: 'missing' } }];
    // Down from here, so no sync by itself gets past it before the test looks.
    couch.down = true;
    return JSON.stringify(reply);
  };
  const b = await device(0);
  let line;
  try {
    line = await b.syncWith(db.url, { want: /could not give the document/ });
  } finally {
    couch.alterReply = null;
  }
  assert.match(line, /^The sync server could not give the document \S+ \(not_found: missing\)\. Nothing was lost; the next sync asks for it again\.$/);
  await b.screenshot('sync-bulk-get-error');
  // One checkpoint, after the first batch: not past the failed second one.
  const writes = checkpointWrites();
  assert.equal(writes.length, 1);
  const partial = await b.assertLedger();
  assert.ok(mine(partial).messages.length < want.messages.length);
  couch.down = false;
  await b.syncNow(/^Last synced at .+: \d+ sent, \d+ received\.$/);
  // The second batch was asked for again from the first's checkpoint, and arrived.
  assert.deepEqual(synced(await b.assertLedger()), want);
});

// Guards against a Replace import that keeps the sync position: after restoring an older
// export, what the server has newer must come back, and the older content must not be
// pushed over it.
test('a Replace import of an older export, then sync: the newer exchange and title come back from the server', async () => {
  const db = await newDatabase();
  const a = await device();
  await chat(a, 'one', 'one more');
  await a.syncWith(db.url);
  await a.openData();
  const file = await a.exportAll(join(SCREENSHOTS, '..', 'sync-before-replace.json'));
  // After the export: an exchange and a rename, synced.
  await a.openThread('one');
  await chat(a, 'after the export');
  await rename(a, 'one', 'uno');
  await a.syncNow(/^Last synced at .+: [1-9]\d* sent, 0 received\.$/);
  const newer = synced(await a.dump());
  // The older export back, replacing everything.
  await a.openData();
  await a.chooseImport(file);
  await a.confirmImportReplace();
  await waitText(a.notice, /Imported /);
  await waitListed(a, ['one']);
  couch.requests.length = 0;
  const before = new Set((await couch.docs(db.name)).map((d) => `${d._id} ${d._rev}`));
  // Sync settings are the browser's and not in an export: typed again.
  await a.syncWith(db.url, { want: /^Last synced at .+: \d+ sent, [1-9]\d* received\.$/ });
  await a.closeSettings();
  await waitListed(a, ['uno']);
  await a.openThread('uno');
  await a.waitPrompts(['one', 'one more', 'after the export']);
  const after = await a.assertLedger();
  assert.deepEqual(synced(after), newer);
  // Nothing the server had was sent back, and nothing older went over it.
  const sent = couch.bulkDocs(db.name).flatMap((b) => b.docs.map((d) => `${d._id} ${d._rev}`));
  assert.deepEqual(sent.filter((d) => before.has(d)), []);
  const docs = await couch.docs(db.name);
  assert.equal(docs.find((d) => d.kind === 'thread').title, 'uno');
});

// Guards against a sync that waits forever on a server that takes a request and never
// answers: the busy flag stuck, "Sync now" disabled until a reload.
test('a server that never answers _changes: the line says so within the timeout, and Sync now works again', async () => {
  const db = await newDatabase();
  const a = await device();
  await a.setSyncTimeout(2);
  couch.hang = `GET /${db.name}/_changes`;
  let line;
  const started = Date.now();
  try {
    line = await a.syncWith(db.url, { want: /did not answer/ });
  } finally {
    couch.hang = null;
  }
  assert.equal(line, 'The sync server did not answer within 2 seconds. Nothing was lost; the next sync carries on.');
  assert.ok(Date.now() - started < 20_000, 'the sync gave up long after its timeout');
  await a.screenshot('sync-timeout');
  assert.equal(await a.syncNowButton.isEnabled(), true);
  await a.syncNow(/^Last synced at .+: [1-9]\d* sent, 0 received\.$/);
  assert.ok((await couch.docs(db.name)).some((d) => d._id === 'profile'));
});

// Guards against a change feed that gives changes without moving on being read forever.
test('a _changes feed whose last_seq never moves: a sentence, not an endless sync', async () => {
  const { db, want } = await seededServer(1, 20);
  couch.alterReply = ({ method, path }, text) => {
    if (method !== 'GET' || !path.startsWith(`/${db.name}/_changes`)) return undefined;
    const since = new URL(path, 'http://x').searchParams.get('since');
    return JSON.stringify({ ...JSON.parse(text), last_seq: Number.isNaN(Number(since)) ? since : Number(since) });
  };
  const b = await device(0);
  let line;
  try {
    line = await b.syncWith(db.url, { want: /does not move on/ });
  } finally {
    couch.alterReply = null;
  }
  assert.equal(line, "The sync server's list of changes does not move on (it repeated 0). Nothing was lost; check the server, then sync again.");
  assert.equal(couch.requests.filter((r) => r.path.startsWith(`/${db.name}/_changes`)).length, 1);
  await b.syncNow(/^Last synced at .+: \d+ sent, \d+ received\.$/);
  assert.deepEqual(synced(await b.assertLedger()), want);
});

// Guards against one huge document on the server filling the device's memory or
// stopping every sync: it is left on the server with a sentence, the rest arrives.
test('a document of 20 MB on the server is left there with a sentence; the rest arrives', async () => {
  const { db, want } = await seededServer(1, 10);
  await couch.admin('PUT', `${db.name}/message:HUGE`, { kind: 'message', prompt: 'x'.repeat(20 << 20) });
  const b = await device(0);
  const line = await b.syncWith(db.url, { want: /larger than/ });
  assert.match(line, /^Last synced at .+: \d+ sent, \d+ received\. 1 document is larger than 4 MB and left on the server\.$/);
  await b.screenshot('sync-large-document');
  assert.deepEqual(synced(await b.assertLedger()), want);
  // The next sync says it again, and fetches it no more.
  couch.requests.length = 0;
  await b.syncNow(/^Last synced at .+: 0 sent, 0 received\. 1 document is larger than 4 MB/);
  assert.ok(!couch.requests.some((r) => r.path.includes('HUGE')));
});
