// The schema upgrade as an old tab meets it, shared by the fault suite and the offline
// tests: the version-1 records (tests/fixtures/v1-records.json), a page holding a version-1
// database open as an old build did, the blocked sentence, and the check that every
// version-1 record is there as the current schema keeps it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ledgerProblems, waitText } from './support.mjs';

const ROOT = resolve(import.meta.dirname, '..');

export const BLOCKED = 'pocket-chat is open in another tab that keeps it from updating its storage. Close the other pocket-chat tabs (or reload them); this page then continues by itself.';

/** The version-1 fixture's records, by store. */
export async function version1Records() {
  return JSON.parse(await readFile(join(ROOT, 'tests/fixtures/v1-records.json'), 'utf8'));
}

/** In `page` (not the app): creates schema version 1 (as tests/fixtures/schema_v1.rs) with
 *  `records`, and keeps it open with no versionchange handler, as an old build did. */
export function openVersion1(page, records) {
  return page.evaluate((records) => new Promise((ok, fail) => {
    const req = indexedDB.open('pocket-chat', 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('users', { keyPath: 'user_id' });
      db.createObjectStore('payments', { keyPath: 'payment_id', autoIncrement: true }).createIndex('user_id', 'user_id');
      db.createObjectStore('threads', { keyPath: 'thread_id', autoIncrement: true }).createIndex('user_thread', ['user_id', 'thread_id']);
      const messages = db.createObjectStore('messages', { keyPath: 'message_id', autoIncrement: true });
      messages.createIndex('thread_message', ['thread_id', 'message_id']);
      messages.createIndex('user_id', 'user_id');
      db.createObjectStore('settings', { keyPath: 'key' });
      db.createObjectStore('meta', { keyPath: 'key' });
      for (const store of ['users', 'payments', 'threads', 'messages', 'settings']) {
        for (const r of records[store] ?? []) req.transaction.objectStore(store).add(r);
      }
    };
    req.onsuccess = () => { window.oldDb = req.result; ok(); };
    req.onerror = () => fail(req.error);
  }), records);
}

/** Closes `old`, the tab that blocks the upgrade, and checks that `app` then goes on by
 *  itself: the sentence gone, a balance shown, every version-1 record of `v1` upgraded to
 *  the current schema with the ledger whole. Returns the records after. */
export async function closeAndUpgrade(app, old, v1) {
  await old.close();
  await app.notice.waitFor({ state: 'detached' });
  await waitText(app.balance, /^\d[\d,]* tokens$/);
  const after = await app.dump();
  assertUpgraded(v1, after);
  assert.deepEqual(after.meta.filter((m) => m.key === 'schema').map((m) => [m.key, m.version]), [['schema', 5]]);
  assert.deepEqual(ledgerProblems(after), []);
  return after;
}

/** Checks that `after` holds every record of the version-1 `v1` as the current schema keeps it:
 * the same fields; ids unique across devices; each thread one path of its messages, in
 * the order they were written. */
export function assertUpgraded(v1, after) {
  const isId = (id) => typeof id === 'string' && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id);
  const without = (r, key) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));
  assert.deepEqual(after.users, v1.users);
  const same = (store, key) => {
    const byTime = (a, b) => a.created_at - b.created_at || JSON.stringify(a).localeCompare(JSON.stringify(b));
    assert.ok(after[store].every((r) => isId(r[key])), `${store} ids: ${after[store].map((r) => r[key])}`);
    assert.deepEqual(after[store].map((r) => without(r, key)).sort(byTime), v1[store].map((r) => without(r, key)).sort(byTime));
  };
  same('payments', 'payment_id');
  same('threads', 'thread_id');
  const newThread = new Map(v1.threads.map((t) => [t.thread_id, after.threads.find((n) => n.title === t.title && n.created_at === t.created_at).thread_id]));
  assert.equal(after.messages.length, v1.messages.length);
  const depth = new Map();
  for (const old of [...v1.messages].sort((a, b) => a.message_id - b.message_id)) {
    const thread = newThread.get(old.thread_id);
    const d = depth.get(thread) ?? 0;
    depth.set(thread, d + 1);
    const now = after.messages.find((m) => m.prompt === old.prompt && m.created_at === old.created_at && m.thread_id === thread);
    assert.ok(now && isId(now.message_id), `message ${old.message_id} after the upgrade`);
    // A reply's kept HTML is derived (the data worker may have rendered it by now).
    assert.deepEqual(without(now, 'html'), { ...old, message_id: now.message_id, thread_id: thread, branch: thread, depth: d });
  }
  assert.deepEqual(after.branches.map((b) => b.branch_id).sort(), [...newThread.values()].sort());
}

/** The version-3 fixture's records (tests/fixtures/v3-records.json), by store. */
export async function version3Records() {
  return JSON.parse(await readFile(join(ROOT, 'tests/fixtures/v3-records.json'), 'utf8'));
}

/** In `page` (not the app): creates schema version 3 (as tests/fixtures/schema_v3.rs)
 *  with `records`, and closes it, as a version-3 build left it. */
export function writeVersion3(page, records) {
  return page.evaluate((records) => new Promise((ok, fail) => {
    const req = indexedDB.open('pocket-chat', 3);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('users', { keyPath: 'user_id' });
      db.createObjectStore('payments', { keyPath: 'payment_id', autoIncrement: true }).createIndex('user_id', 'user_id');
      const threads = db.createObjectStore('threads', { keyPath: 'thread_id', autoIncrement: true });
      threads.createIndex('user_thread', ['user_id', 'thread_id']);
      threads.createIndex('user_updated', ['user_id', 'updated_at']);
      const messages = db.createObjectStore('messages', { keyPath: 'message_id', autoIncrement: true });
      messages.createIndex('thread_message', ['thread_id', 'message_id']);
      messages.createIndex('path', ['thread_id', 'branch', 'depth']);
      messages.createIndex('user_id', 'user_id');
      const branches = db.createObjectStore('branches', { keyPath: 'branch_id' });
      branches.createIndex('thread_id', 'thread_id');
      branches.createIndex('user_id', 'user_id');
      db.createObjectStore('settings', { keyPath: 'key' });
      db.createObjectStore('meta', { keyPath: 'key' });
      for (const [store, rows] of Object.entries(records)) {
        for (const r of rows) req.transaction.objectStore(store).add(r);
      }
    };
    req.onsuccess = () => { req.result.close(); ok(); };
    req.onerror = () => fail(req.error);
  }), records);
}
