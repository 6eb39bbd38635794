//! IndexedDB through rexie in a real browser: schema and upgrades, every repository
//! operation, atomic ledger writes, versions of exchanges, export and import, search, and
//! pulled sync batches; one module per repository, the shared helpers here.
#![cfg(target_arch = "wasm32")]

#[path = "../fixtures/schema_v1.rs"]
mod schema_v1;
#[path = "../fixtures/schema_v2.rs"]
#[allow(dead_code)]
mod schema_v2;
#[path = "../fixtures/schema_v3.rs"]
#[allow(dead_code)]
mod schema_v3;
#[path = "../fixtures/schema_v4.rs"]
#[allow(dead_code)]
mod schema_v4;

use std::collections::{HashMap, HashSet};

use pocket_chat::ids::record_id;
use pocket_chat::storage::messages::{self, PathRead, Rendered, Span};
use pocket_chat::storage::transfer::{self, ImportMode, TransferError};
use pocket_chat::storage::users::NewUser;
use pocket_chat::storage::{
    audit, payments, schema, search, settings, threads, users, versions, Database, StorageError,
};
use pocket_chat_core::export::{ExportFile, ImportError};
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::ids::is_id;
use pocket_chat_core::ledger::{DebitKind, LedgerError};
use pocket_chat_core::persona::Persona;
use pocket_chat_core::records::{Branch, Message, MessageStatus, Millis, Missing, User};
use pocket_chat_core::tree::{self, TreeError};
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod exchanges;
mod files;
mod index;
mod people;
mod pulled;
mod upgrades;

const T0: i64 = 1_764_000_000_000;

/// A new, empty database of its own for one test.
async fn fresh(name: &str) -> Database {
    Database::delete(name)
        .await
        .expect("delete old test database");
    Database::open(name).await.expect("open")
}

fn models() -> [String; 2] {
    ["gpt-4o-mini".into(), "gpt-4o".into()]
}

async fn new_user(db: &Database, id: &str) -> User {
    let new = NewUser {
        user_id: id,
        display_name: id,
        models: models(),
        bonus_id: record_id(T0),
    };
    users::create(db, new, T0).await.expect("create user")
}

/// A new thread's id.
async fn new_thread(db: &Database, user_id: &str, title: &str) -> String {
    let thread = threads::create(db, record_id(T0), user_id, title, None, T0)
        .await
        .expect("thread");
    thread.thread_id
}

/// An exchange of `total` tokens at depth 0 of the thread's first branch, with a new id.
fn exchange(user_id: &str, thread_id: &str, total: u64) -> Message {
    Message {
        message_id: record_id(T0),
        thread_id: thread_id.into(),
        user_id: user_id.into(),
        branch: thread_id.into(),
        depth: 0,
        prompt: "こんにちは".into(),
        completion: "Echo: こんにちは".into(),
        // A reasoning model's thinking: stored with the exchange, erased with its text.
        reasoning: "挨拶ですね。".into(),
        html: String::new(),
        total,
        prompt_tokens: total / 2,
        completion_tokens: total - total / 2,
        reasoning_tokens: 0,
        debit_kind: DebitKind::Exact,
        model: "gpt-4o-mini".into(),
        status: MessageStatus::Complete,
        created_at: T0 + 10,
        deleted_at: None,
    }
}

/// Sends an exchange of `total` tokens at the end of the path the thread shows, placed as
/// the app places it (`Tree::append`); returns it with the balance after.
async fn send(
    db: &Database,
    user_id: &str,
    thread_id: &str,
    total: u64,
    now: i64,
) -> (Message, i64) {
    let path = newest(db, thread_id, 0).await;
    let leaf = path.tree.leaf(&path.thread.path).to_owned();
    let place = path
        .tree
        .append(&leaf, path.len, record_id(now), user_id, now);
    let mut row = exchange(user_id, thread_id, total);
    row.branch = place.branch;
    row.depth = place.depth;
    let recorded = messages::save_exchange(db, &row, place.fork.as_ref(), now)
        .await
        .expect("save");
    (row, recorded.balance)
}

/// Sends a new version (an edit) of the exchange at `depth` of the path the thread shows,
/// on a new branch made by `Tree::fork`; returns it with its branch.
async fn new_version(
    db: &Database,
    user_id: &str,
    thread_id: &str,
    depth: u32,
    total: u64,
    now: i64,
) -> (Message, Branch) {
    let path = newest(db, thread_id, 0).await;
    let place = path
        .tree
        .fork(&path.segments, depth, record_id(now), user_id, now);
    let fork = place.fork.expect("a version starts a branch");
    let mut row = exchange(user_id, thread_id, total);
    row.branch = place.branch;
    row.depth = place.depth;
    row.prompt = format!("edited at depth {depth}");
    messages::save_exchange(db, &row, Some(&fork), now)
        .await
        .expect("save version");
    (row, fork)
}

/// The whole path a thread shows, oldest first.
async fn thread_rows(db: &Database, thread_id: &str) -> Result<Vec<Message>, StorageError> {
    messages::read_path(db, thread_id, Span::Depths { from: 0, to: None })
        .await
        .map(|read| read.rows)
}

/// Opens `name` (written by an older schema) at the current version, which must have every
/// current store.
async fn open_upgraded(name: &str) -> Database {
    let db = Database::open(name).await.expect("open at current version");
    assert_eq!(db.version(), Ok(schema::VERSION));
    let mut want: Vec<String> = schema::ALL_STORES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(db.store_names(), want);
    db
}

/// A database `name` written by an older schema (opened by its `builder` at `version`)
/// with the fixture's `records`, then opened at the current version, and those records.
async fn upgraded_fixture(
    name: &str,
    builder: rexie::RexieBuilder,
    version: u32,
    records: &str,
    stores: &[&str],
) -> (Database, Value) {
    Database::delete(name).await.expect("delete");
    let fixture: Value = serde_json::from_str(records).expect("fixture JSON");
    let old = builder.build().await.expect("open the old version");
    assert_eq!(old.version().expect("version"), version);
    write_old(old, &fixture).await;
    let db = open_upgraded(name).await;
    for store in stores {
        assert!(schema::ALL_STORES.contains(store), "store {store} dropped");
    }
    (db, fixture)
}

/// The newest `n` exchanges of `thread_id`'s path, read as the window reads them.
async fn newest(db: &Database, thread_id: &str, n: u32) -> PathRead {
    messages::read_path(db, thread_id, Span::Newest(n))
        .await
        .expect("path")
}

/// Saves `row` as the turn does (with `fork` the first time) and returns the balance after.
async fn balance_after(
    db: &Database,
    row: &Message,
    fork: Option<&Branch>,
    now: Millis,
) -> Result<i64, StorageError> {
    messages::save_exchange(db, row, fork, now)
        .await
        .map(|saved| saved.balance)
}

fn ids(rows: &[Message]) -> Vec<&str> {
    rows.iter().map(|m| m.message_id.as_str()).collect()
}

fn totals(rows: &[Message]) -> Vec<u64> {
    rows.iter().map(|m| m.total).collect()
}

fn depths(rows: &[Message]) -> Vec<u32> {
    rows.iter().map(|m| m.depth).collect()
}

/// Everything stored, as an export file with a fixed time, for before/after comparisons.
async fn snapshot(db: &Database) -> ExportFile {
    transfer::export(db, None, true, 0).await.expect("export")
}

/// Every row of every version of a user's exchanges, by id.
async fn rows_of(db: &Database, user_id: &str) -> Vec<Message> {
    messages::for_user(db, user_id).await.expect("rows")
}

/// The ids `user_id` finds for `query`, newest first.
async fn found(db: &Database, user_id: &str, query: &str) -> Vec<String> {
    search::query(db, user_id, query, false)
        .await
        .expect("query")
        .into_iter()
        .map(|h| {
            if h.message_id.is_empty() {
                format!("title {}", h.thread_id)
            } else {
                h.message_id
            }
        })
        .collect()
}

/// Checks that the search index holds exactly the terms of every exchange's text and every
/// thread's title as stored now (deleted ones: none), each under its user: the index and the
/// messages agree.
async fn index_agrees(db: &Database) {
    let rows = snapshot(db).await;
    let mut want: Vec<(String, String, String)> = Vec::new();
    let terms_of = pocket_chat_core::search::index_terms;
    for t in &rows.threads {
        let title = if t.deleted_at.is_some() {
            ""
        } else {
            t.title.as_str()
        };
        for term in terms_of(title) {
            want.push((t.user_id.clone(), term, search::title_id(&t.thread_id)));
        }
    }
    for m in &rows.messages {
        for term in terms_of(&search::message_text(m)) {
            want.push((m.user_id.clone(), term, m.message_id.clone()));
        }
    }
    want.sort();
    let mut have = search::keys(db).await.expect("index keys");
    have.sort();
    assert_eq!(have, want, "the index and the rows disagree");
}

/// The document a server would return for `record` pushed over `parent` (none: a new
/// record).
fn pulled_leaf(
    record: &pocket_chat_core::sync::Record,
    bonus: bool,
    parent: Option<&pocket_chat_core::sync::Synced>,
) -> (
    String,
    pocket_chat::storage::sync::Fetched,
    pocket_chat_core::sync::Synced,
) {
    use pocket_chat_core::sync::to_push;
    let (docs, synced) = to_push(record, bonus, parent).expect("a change to push");
    let id = record.doc_id(bonus);
    let mut fetched = pocket_chat::storage::sync::Fetched::new(&id);
    fetched.docs.push(docs[0].clone());
    (id, fetched, synced)
}

/// The `meta` record `key` of database `name`, read without the app's code.
async fn meta_record(name: &str, key: &str) -> Option<Value> {
    let raw = schema::builder(name).build().await.expect("open raw");
    let tx = raw
        .transaction(&[schema::META], rexie::TransactionMode::ReadOnly)
        .expect("tx");
    let value = tx
        .store(schema::META)
        .expect("meta")
        .get(JsValue::from_str(key))
        .await
        .expect("get");
    tx.done().await.expect("finish");
    raw.close();
    value.map(|v| serde_wasm_bindgen::from_value(v).expect("a meta record"))
}

fn rows<'a>(file: &'a Value, store: &str) -> &'a [Value] {
    file[store].as_array().map_or(&[], Vec::as_slice)
}

/// `rows` in a fixed order, to compare sets of records.
fn sorted(rows: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut rows: Vec<Value> = rows.into_iter().collect();
    rows.sort_by_key(|r| r.to_string());
    rows
}

/// Writes `records` (rows per store name) into `old`, a database an old schema opened, as
/// that version's app wrote them, and closes it.
async fn write_old(old: rexie::Rexie, records: &Value) {
    let stores: Vec<&str> = records
        .as_object()
        .expect("rows per store")
        .keys()
        .map(String::as_str)
        .collect();
    let tx = old
        .transaction(&stores[..], rexie::TransactionMode::ReadWrite)
        .expect("tx");
    for store in &stores {
        for row in records[*store].as_array().expect("rows") {
            let value = row
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .expect("to js");
            tx.store(store)
                .expect("store")
                .add(&value, None)
                .await
                .expect("add");
        }
    }
    tx.done().await.expect("commit old data");
    old.close();
}
