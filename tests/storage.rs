//! IndexedDB through rexie in a real browser: schema and upgrades, every repository
//! operation, atomic ledger writes, versions of exchanges, export and import.
#![cfg(target_arch = "wasm32")]

#[path = "fixtures/schema_v1.rs"]
mod schema_v1;
#[path = "fixtures/schema_v2.rs"]
#[allow(dead_code)]
mod schema_v2;
#[path = "fixtures/schema_v3.rs"]
#[allow(dead_code)]
mod schema_v3;
#[path = "fixtures/schema_v4.rs"]
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

// Guards against a schema that forgets a store (rexie would drop it and its records).
#[wasm_bindgen_test]
async fn opens_with_every_store_at_the_schema_version() {
    let db = fresh("t-schema").await;
    assert_eq!(db.version(), Ok(schema::VERSION));
    assert_eq!(schema::VERSION, 5);
    let mut want: Vec<String> = schema::ALL_STORES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(db.store_names(), want);
    assert!(want.contains(&"branches".to_string()));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    assert_eq!(
        settings::record_schema(&db, T0).await,
        Ok(Some(schema::VERSION))
    );
    // The full upgrade (the data worker's) leaves an index to build, here of nothing.
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(true)));
    assert_eq!(
        search::build_step(&db, 10).await,
        Ok(Some(search::Progress { done: 0, total: 0 }))
    );
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(false)));
    db.close();

    // A first visit: no data to rewrite, so the page records the version itself, with no
    // data worker.
    let db = fresh("t-schema-first").await;
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(false)));
    let mark = meta_record("t-schema-first", "schema")
        .await
        .expect("recorded");
    assert_eq!(mark["version"].as_f64(), Some(f64::from(schema::VERSION)));
    assert_eq!(
        settings::record_schema(&db, T0).await,
        Ok(Some(schema::VERSION))
    );
    db.close();
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

/// `row` without the fields `keys`.
fn without(row: &Value, keys: &[&str]) -> Value {
    let mut row = row.clone();
    for key in keys {
        row.as_object_mut().expect("a record").remove(*key);
    }
    row
}

/// `rows` in a fixed order, to compare sets of records.
fn sorted(rows: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut rows: Vec<Value> = rows.into_iter().collect();
    rows.sort_by_key(|r| r.to_string());
    rows
}

fn rows<'a>(file: &'a Value, store: &str) -> &'a [Value] {
    file[store].as_array().map_or(&[], Vec::as_slice)
}

/// Checks that the records of `fixture` (an old schema's, numeric ids) are stored in the
/// layout of schema version 3: users and settings as they were; payments, threads and
/// messages with every field as it was but new ids; each thread's messages at depths 0, 1,
/// … in the order of their old ids on the thread's first branch (which has the thread's
/// new id), read back in that order as the thread's path; one root branch per thread; the
/// ledger invariant for every user. Returns old thread ids with their new ids.
async fn check_rewritten(db: &Database, fixture: &Value) -> HashMap<u64, String> {
    let now = serde_json::to_value(snapshot(db).await).expect("serialise");
    assert_eq!(
        now["users"], fixture["users"],
        "users changed in the upgrade"
    );
    assert_eq!(
        now["settings"], fixture["settings"],
        "settings changed in the upgrade"
    );

    let mut seen = HashSet::new();
    let mut new_id = |row: &Value, key: &str| -> String {
        let id = row[key].as_str().unwrap_or_default().to_owned();
        assert!(is_id(&id), "{key} {id:?} is not a new id: {row}");
        assert!(seen.insert(id.clone()), "{key} {id} given twice");
        id
    };
    for p in rows(&now, "payments") {
        new_id(p, "payment_id");
    }
    assert_eq!(
        sorted(
            rows(&now, "payments")
                .iter()
                .map(|p| without(p, &["payment_id"]))
        ),
        sorted(
            rows(fixture, "payments")
                .iter()
                .map(|p| without(p, &["payment_id"]))
        ),
        "payments changed in the upgrade (ids aside)"
    );

    // Each old thread is the stored thread with every other field equal.
    let mut thread_ids = HashMap::new();
    for old in rows(fixture, "threads") {
        let same: Vec<&Value> = rows(&now, "threads")
            .iter()
            .filter(|t| without(t, &["thread_id"]) == without(old, &["thread_id"]))
            .collect();
        assert_eq!(same.len(), 1, "thread {old} is not stored once: {same:?}");
        let id = new_id(same[0], "thread_id");
        thread_ids.insert(old["thread_id"].as_u64().expect("old id"), id);
    }
    assert_eq!(rows(&now, "threads").len(), thread_ids.len());

    let mut expected_branches = Vec::new();
    let mut expected_messages = Vec::new();
    let mut paths: HashMap<String, Vec<Value>> = HashMap::new();
    for old in rows(fixture, "threads") {
        let id = &thread_ids[&old["thread_id"].as_u64().expect("old id")];
        let user_id = old["user_id"].as_str().expect("user");
        let created_at = old["created_at"].as_i64().expect("time");
        expected_branches
            .push(serde_json::to_value(tree::root(id, user_id, created_at)).expect("root"));
        let mut line: Vec<&Value> = rows(fixture, "messages")
            .iter()
            .filter(|m| m["thread_id"] == old["thread_id"])
            .collect();
        line.sort_by_key(|m| m["message_id"].as_u64());
        let path: Vec<Value> = line
            .iter()
            .enumerate()
            .map(|(depth, m)| {
                let mut row = without(m, &["message_id"]);
                row["thread_id"] = json!(id);
                row["branch"] = json!(id);
                row["depth"] = json!(depth);
                row
            })
            .collect();
        expected_messages.extend(path.iter().cloned());
        paths.insert(id.clone(), path);
    }
    for m in rows(&now, "messages") {
        new_id(m, "message_id");
    }
    assert_eq!(
        sorted(
            rows(&now, "messages")
                .iter()
                .map(|m| without(m, &["message_id"]))
        ),
        sorted(expected_messages),
        "messages changed in the upgrade (ids and places aside)"
    );
    assert_eq!(
        sorted(rows(&now, "branches").iter().cloned()),
        sorted(expected_branches),
        "not one root branch per thread"
    );

    for (id, path) in &paths {
        let read = messages::read_path(db, id, Span::Depths { from: 0, to: None })
            .await
            .expect("read the path");
        assert_eq!(read.len as usize, path.len(), "path length of {id}");
        let got: Vec<Value> = read
            .rows
            .iter()
            .map(|m| without(&serde_json::to_value(m).expect("json"), &["message_id"]))
            .collect();
        assert_eq!(&got, path, "path of thread {id}");
        assert_eq!(read.segments.len(), 1, "one branch in {id}");
        let newest = messages::read_path(db, id, Span::Newest(2))
            .await
            .expect("newest");
        assert_eq!(newest.rows.len(), path.len().min(2));
        assert_eq!(newest.first_depth() as usize, path.len().saturating_sub(2));
    }

    for user in rows(fixture, "users") {
        let user_id = user["user_id"].as_str().expect("user id");
        assert_eq!(
            audit::check_user(db, user_id).await,
            Ok(user["num_token"].as_i64().expect("balance")),
            "ledger of {user_id} after the upgrade"
        );
    }
    thread_ids
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

// Guards against an upgrade that loses records: data written by schema version 1 (the
// fixture), opened as the app opens it (`Database::open`, then `settings::record_schema`
// before any read), is at the current version with every record intact (ids rewritten),
// the index added by version 2 built, and the paths of version 3 in place.
#[wasm_bindgen_test]
async fn version_one_data_survives_the_upgrade() {
    let name = "t-upgrade";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v1::builder(name),
        schema_v1::VERSION,
        schema_v1::RECORDS,
        &[],
    )
    .await;
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    let thread_ids = check_rewritten(&db, &fixture).await;
    assert_eq!(thread_ids.len(), 2);
    // The index added by version 2 covers the old rows: Ann's threads, latest first.
    let titles: Vec<String> = threads::for_user(&db, "u-ann")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Recipes", "Rust のライフタイム"]);
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(5051));
    // An upgraded thread goes on as any other: the next exchange at the end of its path.
    let recipes = &thread_ids[&2];
    let (row, balance) = send(&db, "u-ann", recipes, 51, T0).await;
    assert_eq!(
        (row.branch.as_str(), row.depth, balance),
        (recipes.as_str(), 2, 5000)
    );
    db.close();
}

// Guards against losing the one system prompt of version 3 when personas came (4): data
// written by schema version 3 (the fixture: a system prompt in the provider setting, the
// language Japanese, two users, a thread with two versions, a deleted thread), opened as the
// app opens it, has every record as it was, except that the prompt left the setting and is
// each user's default persona, named in Japanese and chosen in every one of their threads;
// a second open changes nothing.
#[wasm_bindgen_test]
async fn version_three_system_prompt_becomes_each_users_default_persona() {
    let name = "t-upgrade-v3";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v3::builder(name),
        schema_v3::VERSION,
        schema_v3::RECORDS,
        &schema_v3::ALL_STORES,
    )
    .await;
    // Data to rewrite: the page leaves it to the data worker, which runs `record_schema`.
    assert_eq!(settings::is_current(&db, T0).await, Ok(None));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(Some(3)));
    assert_eq!(
        settings::is_current(&db, T0).await,
        Ok(Some(true)),
        "the index is to be built"
    );
    let now = serde_json::to_value(snapshot(&db).await).expect("serialise");
    for store in ["payments", "branches"] {
        assert_eq!(
            sorted(rows(&now, store).to_vec()),
            sorted(rows(&fixture, store).to_vec()),
            "{store}"
        );
    }
    // Exports leave the kept HTML out; the rows keep it.
    let no_html = |rows: &[Value]| sorted(rows.iter().map(|m| without(m, &["html"])));
    assert_eq!(
        no_html(rows(&now, "messages")),
        no_html(rows(&fixture, "messages"))
    );
    let kept = thread_rows(&db, "01KB0A0000TTTTTTTTTTTTTTT1")
        .await
        .expect("rows");
    assert_eq!(kept[0].html, "<p>参照が有効な範囲です。</p>\n");

    let prompt = "あなたは丁寧な Rust の先生です。";
    let mut persona_of = HashMap::new();
    for (user, old) in rows(&now, "users").iter().zip(rows(&fixture, "users")) {
        let personas = user["personas"].as_array().expect("personas");
        assert_eq!(personas.len(), 1, "{user}");
        let id = personas[0]["persona_id"].as_str().expect("id").to_owned();
        assert!(is_id(&id), "{id}");
        assert_eq!(
            (personas[0]["name"].as_str(), personas[0]["text"].as_str()),
            (Some("既定"), Some(prompt))
        );
        assert_eq!(user["default_persona"].as_str(), Some(id.as_str()));
        // Everything else of the user (the balance, the parameters) as it was.
        assert_eq!(without(user, &["personas", "default_persona"]), *old);
        persona_of.insert(user["user_id"].as_str().expect("user").to_owned(), id);
    }
    assert_ne!(
        persona_of["u-ann"], persona_of["u-ken"],
        "each user has their own"
    );
    for (thread, old) in rows(&now, "threads").iter().zip(rows(&fixture, "threads")) {
        let owner = thread["user_id"].as_str().expect("owner");
        assert_eq!(
            thread["persona"].as_str(),
            Some(persona_of[owner].as_str()),
            "{thread}"
        );
        assert_eq!(without(thread, &["persona"]), *old);
    }
    let provider = now["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "provider"))
        .expect("the provider setting");
    let mut want = fixture["settings"][2]["value"].clone();
    want.as_object_mut()
        .expect("object")
        .remove("system_prompt");
    assert_eq!(
        provider["value"], want,
        "the rest of the provider setting stays"
    );
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(4993));
    assert_eq!(audit::check_user(&db, "u-ken").await, Ok(1085));
    let upgraded = snapshot(&db).await;
    db.close();

    // Done once: the next open finds no prompt to adopt and changes nothing.
    let db = Database::open(name).await.expect("open again");
    assert_eq!(
        settings::record_schema(&db, T0 + 1).await,
        Ok(Some(schema::VERSION))
    );
    assert_eq!(snapshot(&db).await, upgraded);
    db.close();
}

// Guards against losing or scrambling records in the rewrite of version 3: data written
// by schema version 2 (the fixture: numeric ids, a deleted thread), opened as the app
// opens it (`Database::open`, then `settings::record_schema`), has every record there
// under a new id, every thread a path of its messages in their old order, and a second
// open does not rewrite again.
#[wasm_bindgen_test]
async fn version_two_data_is_rewritten_once_into_paths() {
    let name = "t-upgrade-v2";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v2::builder(name),
        schema_v2::VERSION,
        schema_v2::RECORDS,
        &schema_v2::ALL_STORES,
    )
    .await;
    // The version-2 app recorded its schema; the current one records its own.
    assert_eq!(settings::record_schema(&db, T0).await, Ok(Some(2)));
    let thread_ids = check_rewritten(&db, &fixture).await;
    assert_eq!(thread_ids.len(), 3);

    // The five exchanges of the first thread, in the order they were written.
    let long = &thread_ids[&1];
    let path = newest(&db, long, 10).await;
    assert_eq!(path.len, 5);
    assert_eq!(depths(&path.rows), [0, 1, 2, 3, 4]);
    assert_eq!(totals(&path.rows), [21, 30, 44, 25, 8]);
    assert!(path.rows.iter().all(|m| m.branch == *long));
    assert_eq!(path.tree.versions(&path.segments, 3).count(), 1);
    // The deleted thread stays deleted, its texts erased, its debits counted.
    let deleted = threads::get(&db, &thread_ids[&2])
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(
        (deleted.title.as_str(), deleted.deleted_at),
        ("", Some(1_764_001_400_000))
    );
    let titles: Vec<String> = threads::for_user(&db, "u-ann")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Rust のライフタイム"]);
    let erased = thread_rows(&db, &thread_ids[&2]).await.expect("rows");
    assert_eq!(totals(&erased), [12, 9]);
    assert!(erased
        .iter()
        .all(|m| m.prompt.is_empty() && m.completion.is_empty()));
    // Ken's thread: his two exchanges, apart from Ann's written between them.
    let recipes = thread_rows(&db, &thread_ids[&3]).await.expect("rows");
    assert_eq!(totals(&recipes), [15, 18]);
    assert_eq!(
        messages::tally(&db, &thread_ids[&3])
            .await
            .map(|t| t.tokens),
        Ok(33)
    );
    let rewritten = snapshot(&db).await;
    db.close();

    // Done once: opening again as the app opens (open, then record the schema) finds the
    // same records under the same ids.
    let mark = meta_record(name, "schema")
        .await
        .expect("the schema is recorded");
    assert_eq!(
        mark["version"].as_f64(),
        Some(f64::from(schema::VERSION)),
        "{mark}"
    );
    let db = Database::open(name).await.expect("open again");
    assert_eq!(snapshot(&db).await, rewritten);
    assert_eq!(
        settings::record_schema(&db, T0 + 1).await,
        Ok(Some(schema::VERSION))
    );
    assert_eq!(snapshot(&db).await, rewritten);
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(4951));
    assert_eq!(audit::check_user(&db, "u-ken").await, Ok(1067));
    db.close();
    let db = Database::open(name).await.expect("and again");
    assert_eq!(snapshot(&db).await, rewritten);
    db.close();
}

// Guards against a record that does not come back identical after the connection closes
// (non-ASCII text, arrays, 64-bit numbers).
#[wasm_bindgen_test]
async fn user_round_trips_through_indexed_db() {
    let name = "t-users-round-trip";
    let db = fresh(name).await;
    assert_eq!(users::get(&db, "u-alice").await, Ok(None));
    let alice = User {
        user_id: "u-alice".into(),
        display_name: "アリス".into(),
        num_token: 100,
        is_charged_once: false,
        model: "gpt-4o-mini".into(),
        models: models(),
        created_at: T0,
        updated_at: T0,
        params: Default::default(),
        personas: vec![Persona {
            persona_id: record_id(T0),
            name: "先生".into(),
            text: "Explain like a teacher.\n改行も".into(),
        }],
        default_persona: Some(record_id(T0)),
        edited_at: 0,
    };
    users::put(&db, &alice).await.expect("put");
    db.close();
    let db = Database::open(name).await.expect("reopen");
    assert_eq!(users::get(&db, "u-alice").await, Ok(Some(alice.clone())));
    assert_eq!(users::all(&db).await, Ok(vec![alice]));
    db.close();
}

// Guards against a new user without the sign-up bonus, or a bonus that is not in the
// ledger history (the invariant would then fail).
#[wasm_bindgen_test]
async fn a_new_user_gets_the_bonus_as_a_payment_of_amount_zero() {
    let db = fresh("t-create").await;
    let bonus_id = record_id(T0);
    let user = users::create(
        &db,
        NewUser {
            user_id: "u1",
            display_name: "u1",
            models: models(),
            bonus_id: bonus_id.clone(),
        },
        T0,
    )
    .await
    .expect("create");
    assert_eq!(
        (user.num_token, user.is_charged_once, user.model.as_str()),
        (100, false, "gpt-4o-mini")
    );
    let paid = payments::for_user(&db, "u1").await.expect("payments");
    assert_eq!(paid.len(), 1);
    assert_eq!(
        (
            paid[0].payment_id.as_str(),
            paid[0].amount,
            paid[0].charged_token
        ),
        (bonus_id.as_str(), 0.0, 100)
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(100));
    // Creating the same user again must not reset their balance, nor add a bonus.
    let before = snapshot(&db).await;
    assert!(users::create(
        &db,
        NewUser {
            user_id: "u1",
            display_name: "again",
            models: models(),
            bonus_id: record_id(T0),
        },
        T0
    )
    .await
    .is_err());
    assert_eq!(
        users::get(&db, "u1")
            .await
            .map(|u| u.map(|u| u.display_name)),
        Ok(Some("u1".into()))
    );
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against a top-up that credits without a payment row, or forgets is_charged_once,
// or accepts nonsense amounts.
#[wasm_bindgen_test]
async fn top_up_writes_payment_balance_and_flag_together() {
    let db = fresh("t-top-up").await;
    new_user(&db, "u1").await;
    let payment_id = record_id(T0 + 1);
    let user = payments::top_up(&db, payment_id.clone(), "u1", 5000, 500.0, T0 + 1)
        .await
        .expect("top up");
    assert_eq!((user.num_token, user.is_charged_once), (5100, true));
    let paid = payments::for_user(&db, "u1").await.expect("payments");
    assert_eq!(
        paid.iter()
            .map(|p| (p.amount, p.charged_token))
            .collect::<Vec<_>>(),
        [(0.0, 100), (500.0, 5000)]
    );
    assert_eq!(paid[1].payment_id, payment_id);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(5100));

    let before = snapshot(&db).await;
    assert_eq!(
        payments::top_up(&db, record_id(T0), "u1", 0, 0.0, T0)
            .await
            .map(|_| ()),
        Err(StorageError::Ledger(LedgerError::InvalidTopUp { given: 0 }))
    );
    assert_eq!(
        payments::top_up(&db, record_id(T0), "u1", -5, 0.0, T0)
            .await
            .map(|_| ()),
        Err(StorageError::Ledger(LedgerError::InvalidTopUp {
            given: -5
        }))
    );
    assert_eq!(
        payments::top_up(&db, record_id(T0), "u1", 10, -1.0, T0)
            .await
            .map(|_| ()),
        Err(StorageError::InvalidAmount)
    );
    assert_eq!(
        payments::top_up(&db, record_id(T0), "u1", 10, f64::NAN, T0)
            .await
            .map(|_| ()),
        Err(StorageError::InvalidAmount)
    );
    assert!(matches!(
        payments::top_up(&db, record_id(T0), "nobody", 10, 0.0, T0).await,
        Err(StorageError::NotFound(_))
    ));
    // A payment id already taken fails the top-up whole.
    assert!(payments::top_up(&db, payment_id, "u1", 10, 0.0, T0)
        .await
        .is_err());
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against a debit without its message or a message without its debit.
#[wasm_bindgen_test]
async fn recording_an_exchange_stores_the_message_and_debits_together() {
    let db = fresh("t-exchange").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "first").await;
    let other = new_thread(&db, "u1", "second").await;
    let row = exchange("u1", &thread_id, 37);
    let recorded = messages::save_exchange(&db, &row, None, T0 + 50)
        .await
        .expect("record");
    assert_eq!(recorded.balance, 63);
    let stored = thread_rows(&db, &thread_id).await.expect("messages");
    assert_eq!(stored, std::slice::from_ref(&row));
    assert_eq!(thread_rows(&db, &other).await, Ok(vec![]));
    assert_eq!(
        users::get(&db, "u1").await.map(|u| u.map(|u| u.num_token)),
        Ok(Some(63))
    );
    // The first save makes the exchange's branch the path the thread shows.
    let thread = threads::get(&db, &thread_id)
        .await
        .expect("get")
        .expect("thread");
    assert_eq!(thread.path, std::slice::from_ref(&thread_id));
    assert_eq!(thread.updated_at, T0 + 50);
    // The thread just used comes first in the list.
    let order: Vec<_> = threads::for_user(&db, "u1")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(order, ["first", "second"]);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(63));
    // An estimated overrun is owed: the balance goes below zero, the invariant holds.
    let mut over = exchange("u1", &thread_id, 80);
    over.depth = 1;
    over.debit_kind = DebitKind::Estimated;
    assert_eq!(balance_after(&db, &over, None, T0 + 60).await, Ok(-17));
    assert_eq!(audit::check_user(&db, "u1").await, Ok(-17));
    assert_eq!(
        thread_rows(&db, &thread_id).await.map(|r| totals(&r)),
        Ok(vec![37, 80])
    );
    // A thread that is gone, or another user's, takes no exchange and no debit.
    new_user(&db, "u2").await;
    let before = snapshot(&db).await;
    assert_eq!(
        messages::save_exchange(
            &db,
            &exchange("u1", "01KB0000000000000000GHOST1", 5),
            None,
            T0
        )
        .await,
        Err(StorageError::NotFound(Missing::Thread))
    );
    assert_eq!(
        messages::save_exchange(&db, &exchange("u2", &thread_id, 5), None, T0).await,
        Err(StorageError::NotFound(Missing::ForeignThread))
    );
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against half-written transactions: a write that fails after the balance (and the
// row) were already changed inside the transaction must leave every store as it was.
#[wasm_bindgen_test]
async fn a_transaction_failing_midway_changes_nothing() {
    let db = fresh("t-atomic").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    send(&db, "u1", &thread_id, 10, T0 + 1).await;
    let before = snapshot(&db).await;

    // The row cannot be stored (a count no JavaScript number holds) after the debit was
    // written.
    let mut bad = exchange("u1", &thread_id, 25);
    bad.depth = 1;
    bad.prompt_tokens = 1 << 60;
    assert!(matches!(
        messages::save_exchange(&db, &bad, None, T0 + 2).await,
        Err(StorageError::Corrupt { .. })
    ));
    assert_eq!(snapshot(&db).await, before);

    // The new branch cannot be stored after the debit and the row were written.
    let path = newest(&db, &thread_id, 0).await;
    let place = path
        .tree
        .fork(&path.segments, 0, record_id(T0), "u1", i64::MAX);
    let mut version = exchange("u1", &thread_id, 25);
    version.branch = place.branch;
    version.depth = place.depth;
    assert!(matches!(
        messages::save_exchange(&db, &version, place.fork.as_ref(), T0 + 2).await,
        Err(StorageError::Corrupt { .. })
    ));
    assert_eq!(snapshot(&db).await, before);

    // The payment insert fails (its id is taken) after the credit was written.
    let bonus = payments::for_user(&db, "u1").await.expect("payments");
    let clash = pocket_chat_core::records::Payment {
        payment_id: bonus[0].payment_id.clone(),
        user_id: "u1".into(),
        amount: 9.0,
        charged_token: 900,
        created_at: T0 + 3,
        bonus: false,
    };
    assert!(payments::credit(&db, clash, T0 + 3).await.is_err());
    assert_eq!(snapshot(&db).await, before);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(90));
    db.close();
}

// Guards against lost debits when two connections (as two tabs have) debit one user at
// the same time: each read-modify-write must see the other's committed balance.
#[wasm_bindgen_test]
async fn two_connections_racing_debits_lose_none() {
    let name = "t-race";
    let a = fresh(name).await;
    let b = Database::open(name).await.expect("second connection");
    new_user(&a, "u1").await;
    payments::top_up(&a, record_id(T0), "u1", 10_000, 0.0, T0)
        .await
        .expect("top up");
    let thread_id = new_thread(&a, "u1", "race").await;
    let run = |db: &'static Database, total: u64, parity: u32| {
        let thread_id = thread_id.clone();
        async move {
            for i in 0..50 {
                let mut row = exchange("u1", &thread_id, total);
                row.depth = 2 * i + parity;
                messages::save_exchange(db, &row, None, T0)
                    .await
                    .expect("debit");
            }
        }
    };
    // The connections live for the rest of the test run, like a tab's would.
    let a: &'static Database = Box::leak(Box::new(a));
    let b: &'static Database = Box::leak(Box::new(b));
    futures::future::join(run(a, 3, 0), run(b, 7, 1)).await;
    assert_eq!(
        audit::check_user(a, "u1").await,
        Ok(10_100 - 50 * 3 - 50 * 7)
    );
    let read = newest(b, &thread_id, 1000).await;
    assert_eq!((read.len, read.rows.len()), (100, 100));
    assert_eq!(depths(&read.rows), (0..100).collect::<Vec<_>>());
}

// Guards against deleting a user leaving orphans behind (branches too), or taking another
// user's rows.
#[wasm_bindgen_test]
async fn deleting_a_user_deletes_their_rows_only() {
    let db = fresh("t-delete").await;
    for id in ["u1", "u2"] {
        new_user(&db, id).await;
        let thread_id = new_thread(&db, id, "t").await;
        send(&db, id, &thread_id, 5, T0).await;
        send(&db, id, &thread_id, 5, T0).await;
        new_version(&db, id, &thread_id, 1, 5, T0 + 1).await;
        payments::top_up(&db, record_id(T0), id, 50, 1.0, T0)
            .await
            .expect("top up");
    }
    let everything = snapshot(&db).await;
    assert_eq!(everything.branches.len(), 4);
    let before_u2 = transfer::export(&db, Some("u2"), true, 0)
        .await
        .expect("export u2");
    assert_eq!(before_u2.branches.len(), 2);
    users::delete(&db, "u1").await.expect("delete");
    assert_eq!(users::get(&db, "u1").await, Ok(None));
    assert_eq!(payments::for_user(&db, "u1").await, Ok(vec![]));
    assert_eq!(messages::for_user(&db, "u1").await, Ok(vec![]));
    assert_eq!(threads::for_user(&db, "u1").await, Ok(vec![]));
    let after = snapshot(&db).await;
    assert!(after.branches.iter().all(|b| b.user_id == "u2"));
    assert!(after.threads.iter().all(|t| t.user_id == "u2"));
    assert_eq!(
        transfer::export(&db, Some("u2"), true, 0).await,
        Ok(before_u2)
    );
    assert_eq!(audit::check_user(&db, "u2").await, Ok(135));
    db.close();
}

// Guards against renames or model switches overwriting a balance changed meanwhile.
#[wasm_bindgen_test]
async fn rename_and_model_switch_keep_the_balance() {
    let db = fresh("t-update").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    send(&db, "u1", &thread_id, 30, T0).await;
    let renamed = users::rename(&db, "u1", "花子", T0 + 5)
        .await
        .expect("rename");
    assert_eq!(
        (
            renamed.display_name.as_str(),
            renamed.num_token,
            renamed.updated_at
        ),
        ("花子", 70, T0 + 5)
    );
    let switched = users::set_model(&db, "u1", "gpt-4o", T0 + 6)
        .await
        .expect("switch");
    assert_eq!(
        (switched.model.as_str(), switched.num_token),
        ("gpt-4o", 70)
    );
    assert_eq!(users::get(&db, "u1").await, Ok(Some(switched)));
    assert!(matches!(
        users::rename(&db, "ghost", "x", T0).await,
        Err(StorageError::NotFound(_))
    ));
    db.close();
}

// Guards against settings that do not persist, or keys that leak into exports.
#[wasm_bindgen_test]
async fn settings_persist_and_keys_stay_out_of_exports() {
    let db = fresh("t-settings").await;
    assert_eq!(settings::get(&db, "provider").await, Ok(None));
    let provider = json!({"kind": "openai", "api_key": "sk-secret-123"});
    settings::put(&db, "provider", provider.clone())
        .await
        .expect("put");
    assert_eq!(settings::get(&db, "provider").await, Ok(Some(provider)));
    let plain = transfer::export(&db, None, false, T0)
        .await
        .expect("export");
    assert!(!transfer::file_text(&plain)
        .expect("json")
        .contains("sk-secret-123"));
    let with_keys = transfer::export(&db, None, true, T0).await.expect("export");
    assert!(transfer::file_text(&with_keys)
        .expect("json")
        .contains("sk-secret-123"));
    db.close();
}

/// Fills a database with two users and some history: u1's thread has two exchanges and a
/// second version of the second (shown), u2's one exchange.
async fn populate(db: &Database) {
    for (id, totals) in [("u1", vec![12u64, 30]), ("u2", vec![7])] {
        new_user(db, id).await;
        payments::top_up(db, record_id(T0 + 1), id, 1000, 3.5, T0 + 1)
            .await
            .expect("top up");
        let thread_id = new_thread(db, id, &format!("{id} thread")).await;
        for total in totals {
            send(db, id, &thread_id, total, T0 + 2).await;
        }
        if id == "u1" {
            new_version(db, id, &thread_id, 1, 9, T0 + 3).await;
        }
    }
    settings::put(db, "provider", json!({"kind": "azure", "api_key": "k"}))
        .await
        .expect("settings");
}

/// The id of `user_id`'s only thread.
async fn only_thread(db: &Database, user_id: &str) -> String {
    let threads = threads::for_user(db, user_id).await.expect("threads");
    assert_eq!(threads.len(), 1, "{user_id}'s threads");
    threads[0].thread_id.clone()
}

// Guards against an export/import round trip that changes a record, an id or a path.
#[wasm_bindgen_test]
async fn export_wipe_import_gives_identical_stores() {
    let name = "t-round-trip";
    let db = fresh(name).await;
    populate(&db).await;
    let before = snapshot(&db).await;
    assert_eq!(before.branches.len(), 3);
    let u1_thread = only_thread(&db, "u1").await;
    let shown = thread_rows(&db, &u1_thread).await.expect("path");
    assert_eq!(totals(&shown), [12, 9]);
    let text = before.to_json();
    db.close();

    let db = fresh(name).await;
    assert_eq!(users::all(&db).await, Ok(vec![]));
    let imported = transfer::import_text(&db, &text, ImportMode::Replace)
        .await
        .expect("import");
    assert_eq!(
        (
            imported.users,
            imported.threads,
            imported.messages,
            imported.payments
        ),
        (2, 2, 4, 4)
    );
    assert_eq!(snapshot(&db).await, before);
    // The same path shows, with the same versions.
    let read = newest(&db, &u1_thread, 10).await;
    assert_eq!(read.rows, shown);
    assert_eq!(read.tree.versions(&read.segments, 1).count(), 2);
    // New rows go on next to the imported ones.
    let next = new_thread(&db, "u1", "after import").await;
    send(&db, "u1", &next, 1, T0 + 9).await;
    assert_eq!(threads::for_user(&db, "u1").await.map(|t| t.len()), Ok(2));
    assert_eq!(
        audit::check_user(&db, "u1").await,
        Ok(1100 - 12 - 30 - 9 - 1)
    );
    db.close();
}

// Guards against a bad file half-importing: each is refused with its own sentence and the
// stores stay exactly as they were.
#[wasm_bindgen_test]
async fn malformed_imports_are_refused_and_change_nothing() {
    let db = fresh("t-bad-import").await;
    populate(&db).await;
    let before = snapshot(&db).await;
    let good = before.to_json();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&good).expect("json");
        f(&mut v);
        v.to_string()
    };
    let cases = [
        (
            "truncated JSON",
            good[..good.len() / 3].to_owned(),
            "not valid JSON",
        ),
        (
            "wrong version",
            edit(&|v| v["version"] = 99.into()),
            "newer pocket-chat",
        ),
        (
            "negative total",
            edit(&|v| v["messages"][0]["total"] = (-5).into()),
            "damaged",
        ),
        (
            "duplicate ids",
            edit(&|v| v["threads"][1]["thread_id"] = v["threads"][0]["thread_id"].clone()),
            "share the id",
        ),
        (
            "thread of an unknown user",
            edit(&|v| v["threads"][0]["user_id"] = "ghost".into()),
            "user ghost",
        ),
        (
            "message on a branch of no thread",
            edit(&|v| v["messages"][0]["branch"] = "01KB0000000000000000GHOST2".into()),
            "01KB0000000000000000GHOST2",
        ),
        (
            "random bytes",
            "\u{1}\u{7f}garbage".to_owned(),
            "not valid JSON",
        ),
    ];
    for (what, text, sentence) in cases {
        for mode in [ImportMode::Replace, ImportMode::Merge] {
            let err = transfer::import_text(&db, &text, mode)
                .await
                .expect_err(what);
            let shown = err.to_string();
            assert!(
                shown.contains(sentence) && shown.ends_with("Nothing was imported."),
                "{what}: {shown}"
            );
            assert_eq!(snapshot(&db).await, before, "{what} changed the stores");
        }
    }
    db.close();
}

// Guards against importing a version tree that does not hold together (a path through it
// would loop or leave the thread): refused as a tree problem, nothing written.
#[wasm_bindgen_test]
async fn an_import_with_a_broken_version_tree_is_refused() {
    let db = fresh("t-bad-tree").await;
    populate(&db).await;
    let before = snapshot(&db).await;
    let u1_thread = only_thread(&db, "u1").await;
    let u2_thread = only_thread(&db, "u2").await;
    let fork = before
        .branches
        .iter()
        .position(|b| b.from.is_some())
        .expect("u1's second version");
    let fork_id = before.branches[fork].branch_id.clone();

    // Two branches, each from the other.
    let mut cycle = before.clone();
    let other = Branch {
        branch_id: record_id(T0 + 4),
        from: Some(fork_id.clone()),
        ..before.branches[fork].clone()
    };
    cycle.branches[fork].from = Some(other.branch_id.clone());
    cycle.branches.push(other);
    // A branch from the first branch of another thread.
    let mut foreign = before.clone();
    foreign.branches[fork].from = Some(u2_thread.clone());

    let cases = [
        (
            "cycle",
            cycle,
            TreeError::Cycle {
                branch_id: fork_id.clone(),
            },
        ),
        (
            "from another thread",
            foreign,
            TreeError::ForeignParent {
                branch_id: fork_id.clone(),
                from: u2_thread.clone(),
            },
        ),
    ];
    for (what, file, problem) in cases {
        let want = TransferError::File(ImportError::Tree {
            thread_id: u1_thread.clone(),
            problem,
        });
        let text = file.to_json();
        for mode in [ImportMode::Replace, ImportMode::Merge] {
            let refused = transfer::import_text(&db, &text, mode).await;
            assert_eq!(refused.as_ref().err(), Some(&want), "{what} from text");
            assert!(
                want.to_string().ends_with("Nothing was imported."),
                "{want}"
            );
            assert_eq!(snapshot(&db).await, before, "{what} changed the stores");
            // Handed over as a file already read, it is checked all the same.
            assert_eq!(
                transfer::import(&db, &file, mode).await.err(),
                Some(want.clone()),
                "{what}"
            );
            assert_eq!(snapshot(&db).await, before, "{what} changed the stores");
        }
    }
    // Into an empty database neither is written either.
    db.close();
    let db = fresh("t-bad-tree").await;
    let mut foreign = before.clone();
    foreign.branches[fork].from = Some(u2_thread.clone());
    assert!(matches!(
        transfer::import(&db, &foreign, ImportMode::Replace).await,
        Err(TransferError::File(ImportError::Tree { .. }))
    ));
    assert_eq!(snapshot(&db).await.users, vec![]);
    assert_eq!(snapshot(&db).await.branches, vec![]);
    db.close();
}

// Guards against a merge that overwrites users here, changes the ids of what it adds, or
// half-writes a file whose ids are already taken here.
#[wasm_bindgen_test]
async fn merge_keeps_ids_and_refuses_existing_users_or_taken_ids() {
    let source = fresh("t-merge-source").await;
    populate(&source).await;
    let one_user = transfer::export(&source, Some("u2"), false, T0)
        .await
        .expect("export u2")
        .to_json();
    let everything = snapshot(&source).await.to_json();
    let u2_thread = only_thread(&source, "u2").await;
    let u2_rows = thread_rows(&source, &u2_thread).await.expect("rows");
    source.close();

    let db = fresh("t-merge-target").await;
    new_user(&db, "u9").await;
    let own = new_thread(&db, "u9", "mine").await;
    send(&db, "u9", &own, 4, T0).await;
    transfer::import_text(&db, &one_user, ImportMode::Merge)
        .await
        .expect("merge");
    // The imported records keep their ids: made on another device, they meet none here.
    assert_eq!(only_thread(&db, "u2").await, u2_thread);
    assert_eq!(thread_rows(&db, &u2_thread).await, Ok(u2_rows));
    assert_eq!(only_thread(&db, "u9").await, own);
    assert_eq!(
        thread_rows(&db, &own).await.map(|r| totals(&r)),
        Ok(vec![4])
    );
    assert_eq!(audit::check_user(&db, "u2").await, Ok(1093));
    assert_eq!(audit::check_user(&db, "u9").await, Ok(96));

    let before = snapshot(&db).await;
    let refused = transfer::import_text(&db, &everything, ImportMode::Merge).await;
    assert_eq!(
        refused,
        Err(TransferError::File(ImportError::UserExists {
            user_id: "u2".into()
        }))
    );
    assert_eq!(snapshot(&db).await, before);
    // A new user whose records' ids are taken here: refused whole, nothing written.
    let taken = one_user.replace("\"u2\"", "\"u3\"");
    assert_ne!(taken, one_user);
    let refused = transfer::import_text(&db, &taken, ImportMode::Merge).await;
    // Said as what it is: the file was imported before.
    assert!(
        matches!(
            refused,
            Err(TransferError::File(ImportError::Taken {
                store: "payment",
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(users::get(&db, "u3").await, Ok(None));
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against a reply saved while streaming being debited twice, or its final usage
// not replacing the running estimate, or a later save switching the path back to it.
// Guards against HTML kept for a reply that changed or was deleted meanwhile (it would
// show words the reply no longer has), and against a render that moves the ledger.
#[wasm_bindgen_test]
async fn a_replys_html_is_kept_only_for_the_markdown_it_was_rendered_from() {
    let db = fresh("t-html").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    let row = exchange("u1", &thread_id, 30);
    messages::save_exchange(&db, &row, None, T0)
        .await
        .expect("save");
    let rendered = |completion: &str, html: &str| Rendered {
        message_id: row.message_id.clone(),
        completion: completion.into(),
        html: html.into(),
    };
    // Rendered from what the row still says: kept.
    messages::set_html(&db, &[rendered(&row.completion, "<p>Echo</p>")])
        .await
        .expect("keep");
    let stored = thread_rows(&db, &thread_id).await.expect("rows");
    assert_eq!(stored[0].html, "<p>Echo</p>");
    // Rendered from an older text (the reply streamed on meanwhile): not kept.
    messages::set_html(&db, &[rendered("Ech", "<p>Ech</p>")])
        .await
        .expect("ignored");
    assert_eq!(
        thread_rows(&db, &thread_id).await.expect("rows")[0].html,
        "<p>Echo</p>"
    );
    // A rewrite of the reply (finished after a checkpoint) drops the old HTML with it.
    let mut longer = row.clone();
    longer.completion = "Echo: more".into();
    messages::save_exchange(&db, &longer, None, T0 + 1)
        .await
        .expect("save");
    assert_eq!(
        thread_rows(&db, &thread_id).await.expect("rows")[0].html,
        ""
    );
    // A row that no longer exists, or was deleted: nothing written, no error.
    messages::set_html(
        &db,
        &[Rendered {
            message_id: "gone".into(),
            completion: String::new(),
            html: "x".into(),
        }],
    )
    .await
    .expect("nothing to keep");
    assert_eq!(audit::check_user(&db, "u1").await, Ok(70));
}

#[wasm_bindgen_test]
async fn updating_an_exchange_moves_the_balance_by_the_difference() {
    let db = fresh("t-update-exchange").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    let mut row = exchange("u1", &thread_id, 30);
    row.status = MessageStatus::Interrupted;
    row.debit_kind = DebitKind::Estimated;
    let first = messages::save_exchange(&db, &row, None, T0)
        .await
        .expect("save");
    assert_eq!(first.balance, 70);
    row.total = 45;
    row.completion = "Echo: more".into();
    assert_eq!(balance_after(&db, &row, None, T0 + 1).await, Ok(55));
    // The provider's usage turns out lower than the estimate: the difference comes back.
    row.total = 40;
    row.status = MessageStatus::Complete;
    row.debit_kind = DebitKind::Exact;
    assert_eq!(balance_after(&db, &row, None, T0 + 2).await, Ok(60));
    let stored = thread_rows(&db, &thread_id).await.expect("messages");
    assert_eq!(stored, std::slice::from_ref(&row));
    assert_eq!(
        (stored[0].total, stored[0].status),
        (40, MessageStatus::Complete)
    );
    assert_eq!(rows_of(&db, "u1").await.len(), 1);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(60));
    // The same id saved for another thread or another user: refused, nothing moves.
    new_user(&db, "u2").await;
    let other = new_thread(&db, "u1", "other").await;
    let before = snapshot(&db).await;
    let mut elsewhere = row.clone();
    elsewhere.thread_id = other.clone();
    elsewhere.branch = other;
    assert_eq!(
        messages::save_exchange(&db, &elsewhere, None, T0).await,
        Err(StorageError::NotFound(Missing::ForeignExchange))
    );
    let mut theirs = row.clone();
    theirs.user_id = "u2".into();
    assert_eq!(
        messages::save_exchange(&db, &theirs, None, T0).await,
        Err(StorageError::NotFound(Missing::ForeignExchange))
    );
    assert_eq!(snapshot(&db).await, before);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(60));

    // A new version streaming: its first save shows its path; the user switches back to
    // the first version; the version's next save must not switch the path again.
    let (mut version, fork) = new_version(&db, "u1", &thread_id, 0, 5, T0 + 3).await;
    assert_eq!(
        thread_rows(&db, &thread_id).await.map(|r| totals(&r)),
        Ok(vec![5])
    );
    versions::switch(&db, &thread_id, 0, &version.message_id, 0)
        .await
        .expect("switch");
    version.total = 6;
    assert_eq!(
        balance_after(&db, &version, Some(&fork), T0 + 4).await,
        Ok(54)
    );
    let read = newest(&db, &thread_id, 5).await;
    assert_eq!(ids(&read.rows), [row.message_id.as_str()]);
    assert_eq!(
        read.thread.path,
        [thread_id.clone(), fork.branch_id.clone()]
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(54));
    db.close();
}

// Guards against a page read that crosses into another thread or another version, skips
// or repeats an exchange at a page edge or where the path changes branch, or gets the
// path's length wrong: the thread on screen is read only by these.
#[wasm_bindgen_test]
async fn a_long_path_is_read_by_key_ranges() {
    let db = fresh("t-pages").await;
    new_user(&db, "u1").await;
    payments::top_up(&db, record_id(T0), "u1", 100_000, 0.0, T0)
        .await
        .expect("top up");
    let a = new_thread(&db, "u1", "long").await;
    let b = new_thread(&db, "u1", "interleaved").await;
    let mut in_b = 0;
    // Depths 0..30 on the first branch; 20..30 there become the other versions.
    for depth in 0..30u64 {
        let total = if depth < 20 { depth + 1 } else { 1000 + depth };
        let (row, _) = send(&db, "u1", &a, total, T0 + 100).await;
        assert_eq!(
            (row.branch.as_str(), u64::from(row.depth)),
            (a.as_str(), depth)
        );
        if depth % 3 == 0 {
            send(&db, "u1", &b, 1000, T0 + 100).await;
            in_b += 1;
        }
    }
    // A second version of depth 20, and the path goes on through it to depth 44.
    let (version, fork) = new_version(&db, "u1", &a, 20, 21, T0 + 200).await;
    assert_eq!(version.depth, 20);
    for depth in 21..45u64 {
        let (row, _) = send(&db, "u1", &a, depth + 1, T0 + 300).await;
        assert_eq!(
            (row.branch.as_str(), u64::from(row.depth)),
            (fork.branch_id.as_str(), depth)
        );
        if depth % 3 == 0 {
            send(&db, "u1", &b, 1000, T0 + 300).await;
            in_b += 1;
        }
    }

    let read = |span| {
        let db = &db;
        let a = a.clone();
        async move { messages::read_path(db, &a, span).await.expect("read") }
    };
    // The newest page comes with the path's length: no count of the rest is needed.
    let newest = read(Span::Newest(15)).await;
    assert_eq!(newest.len, 45);
    assert_eq!(totals(&newest.rows), (31..=45).collect::<Vec<_>>());
    assert_eq!(depths(&newest.rows), (30..45).collect::<Vec<_>>());
    assert_eq!(newest.first_depth(), 30);
    assert!(newest.rows.iter().all(|m| m.branch == fork.branch_id));
    assert_eq!(newest.segments.len(), 2);
    let none = read(Span::Newest(0)).await;
    assert_eq!((none.len, none.rows.len(), none.first_depth()), (45, 0, 45));

    let back = read(Span::Depths {
        from: 0,
        to: Some(30),
    })
    .await;
    assert_eq!(totals(&back.rows), (1..=30).collect::<Vec<_>>());
    assert_eq!(depths(&back.rows), (0..30).collect::<Vec<_>>());
    // The page edge where the path changes branch.
    let edge = read(Span::Depths {
        from: 19,
        to: Some(21),
    })
    .await;
    assert_eq!(totals(&edge.rows), [20, 21]);
    assert_eq!(
        edge.rows
            .iter()
            .map(|m| m.branch.as_str())
            .collect::<Vec<_>>(),
        [a.as_str(), fork.branch_id.as_str()]
    );
    let mid = read(Span::Depths {
        from: 9,
        to: Some(20),
    })
    .await;
    assert_eq!(totals(&mid.rows), (10..=20).collect::<Vec<_>>());
    let tail = read(Span::Depths { from: 39, to: None }).await;
    assert_eq!(totals(&tail.rows), (40..=45).collect::<Vec<_>>());
    let all = read(Span::Depths {
        from: 0,
        to: Some(1000),
    })
    .await;
    assert_eq!(depths(&all.rows), (0..45).collect::<Vec<_>>());
    assert!(all.rows.iter().all(|m| m.thread_id == a));
    let past = read(Span::Depths { from: 45, to: None }).await;
    assert_eq!((past.len, past.rows.len()), (45, 0));
    let empty = read(Span::Depths {
        from: 30,
        to: Some(30),
    })
    .await;
    assert_eq!(empty.rows.len(), 0);
    assert_eq!(read(Span::Newest(1000)).await.rows, all.rows);

    // The context of an exchange: the path before it.
    let (context, unread) = messages::history(&db, &a, &all.segments, 30, |_| false)
        .await
        .expect("history");
    assert_eq!(
        (totals(&context), unread),
        ((1..=30).collect::<Vec<_>>(), 0)
    );
    // Every version counts in the tally: the path and the first branch's 20..30.
    let tally = messages::tally(&db, &a).await.expect("tally");
    assert_eq!(
        (tally.tokens, tally.exchanges),
        ((1..=45).sum::<u64>() + (1020..1030).sum::<u64>(), 55)
    );
    let other = messages::read_path(&db, &b, Span::Newest(100))
        .await
        .expect("b");
    assert_eq!((other.len, other.rows.len()), (in_b, in_b as usize));
    assert!(other
        .rows
        .iter()
        .all(|m| m.thread_id == b && m.total == 1000));
    // A thread without exchanges; a thread that is not there.
    let c = new_thread(&db, "u1", "empty").await;
    let blank = messages::read_path(&db, &c, Span::Newest(15))
        .await
        .expect("empty thread");
    assert_eq!(
        (blank.len, blank.rows.len(), blank.first_depth()),
        (0, 0, 0)
    );
    assert!(matches!(
        messages::read_path(&db, "01KB0000000000000000GHOST3", Span::Newest(15)).await,
        Err(StorageError::NotFound(Missing::Thread))
    ));
    assert_eq!(
        audit::check_user(&db, "u1").await,
        Ok(100_100 - tally.tokens as i64 - 1000 * i64::from(in_b))
    );
    db.close();
}

// Guards against versions that are not stored as the tree says: a new version's path, the
// choice of version surviving a reload, a deleted version's texts left behind or its
// debit undone, the path not moving on to the remaining version.
#[wasm_bindgen_test]
async fn versions_are_stored_switched_and_deleted() {
    let name = "t-versions";
    let db = fresh(name).await;
    new_user(&db, "u1").await;
    let t = new_thread(&db, "u1", "versions").await;
    let mut first = Vec::new();
    for total in [10, 20, 30] {
        first.push(send(&db, "u1", &t, total, T0 + 1).await.0);
    }
    assert_eq!(depths(&first), [0, 1, 2]);
    assert!(first.iter().all(|m| m.branch == t));
    let first_ids = ids(&first);

    // A new version of depth 1 (an edit), on a branch from the first.
    let path = newest(&db, &t, 10).await;
    let fork_id = record_id(T0 + 2);
    let place = path
        .tree
        .fork(&path.segments, 1, fork_id.clone(), "u1", T0 + 2);
    assert_eq!((place.branch.as_str(), place.depth), (fork_id.as_str(), 1));
    let fork = place.fork.clone().expect("a new branch");
    assert_eq!((fork.from.as_deref(), fork.depth), (Some(t.as_str()), 1));
    let mut edited = exchange("u1", &t, 7);
    edited.branch = place.branch.clone();
    edited.depth = 1;
    edited.prompt = "edited".into();
    assert_eq!(
        balance_after(&db, &edited, Some(&fork), T0 + 2).await,
        Ok(33)
    );
    let read = newest(&db, &t, 10).await;
    assert_eq!(ids(&read.rows), [first_ids[0], edited.message_id.as_str()]);
    assert_eq!(read.len, 2);
    let at_1 = read.tree.versions(&read.segments, 1);
    assert_eq!((at_1.position, at_1.count()), (1, 2));
    assert_eq!(at_1.members, [t.clone(), fork_id.clone()]);
    assert_eq!(read.tree.versions(&read.segments, 0).count(), 1);
    assert_eq!(read.thread.path, [fork_id.clone(), t.clone()]);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(33));

    // Back to the first version: the original three.
    versions::switch(&db, &t, 1, &edited.message_id, 0)
        .await
        .expect("switch");
    let read = newest(&db, &t, 10).await;
    assert_eq!(ids(&read.rows), first_ids);
    assert_eq!(read.len, 3);
    assert_eq!(read.tree.versions(&read.segments, 1).position, 0);
    // A switch from a stale view (depth 1 no longer shows `edited`) is refused.
    assert_eq!(
        versions::switch(&db, &t, 1, &edited.message_id, 1).await,
        Err(StorageError::NotFound(Missing::Exchange))
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(33));

    // The choice is stored: a reload shows the same path.
    db.close();
    let db = Database::open(name).await.expect("reopen");
    let read = newest(&db, &t, 10).await;
    assert_eq!(ids(&read.rows), first_ids);
    assert_eq!(read.thread.path, [t.clone(), fork_id.clone()]);

    // Deleting the first version of depth 1 takes depth 2 with it; the edit remains.
    versions::delete(&db, &t, 1, first_ids[1], T0 + 3)
        .await
        .expect("delete");
    let read = newest(&db, &t, 10).await;
    assert_eq!(ids(&read.rows), [first_ids[0], edited.message_id.as_str()]);
    let at_1 = read.tree.versions(&read.segments, 1);
    assert_eq!((at_1.position, at_1.members), (0, vec![fork_id.clone()]));
    let all = rows_of(&db, "u1").await;
    assert_eq!(all.len(), 4, "deleted rows stay");
    for m in &all {
        let gone = m.branch == t && m.depth >= 1;
        if gone {
            assert!(
                m.prompt.is_empty() && m.completion.is_empty() && m.reasoning.is_empty(),
                "text of {m:?} kept"
            );
            assert_eq!(m.deleted_at, Some(T0 + 3));
        } else {
            assert!(!m.prompt.is_empty() && !m.completion.is_empty());
            assert_eq!(m.deleted_at, None);
        }
    }
    let mut erased: Vec<(u32, u64)> = all
        .iter()
        .filter(|m| m.deleted_at.is_some())
        .map(|m| (m.depth, m.total))
        .collect();
    erased.sort();
    assert_eq!(erased, [(1, 20), (2, 30)]);
    let branches = snapshot(&db).await.branches;
    let root = branches.iter().find(|b| b.branch_id == t).expect("root");
    assert_eq!(root.cut, Some(1));
    // Its debits stay: the balance does not move.
    assert_eq!(
        users::get(&db, "u1").await.map(|u| u.map(|u| u.num_token)),
        Ok(Some(33))
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(33));
    // Deleting again what is gone is refused.
    assert_eq!(
        versions::delete(&db, &t, 1, first_ids[1], T0 + 4).await,
        Err(StorageError::NotFound(Missing::Exchange))
    );

    // The next exchange goes on the edit's branch.
    let (next, balance) = send(&db, "u1", &t, 4, T0 + 5).await;
    assert_eq!(
        (next.branch.as_str(), next.depth, balance),
        (fork_id.as_str(), 2, 29)
    );
    // Deleting the last version of depth 1: the path ends before it, and what is sent
    // next goes on a new branch at depth 1 (the deleted rows keep their places).
    versions::delete(&db, &t, 1, &edited.message_id, T0 + 6)
        .await
        .expect("delete the edit");
    let read = newest(&db, &t, 10).await;
    assert_eq!((ids(&read.rows), read.len), (vec![first_ids[0]], 1));
    assert_eq!(rows_of(&db, "u1").await.len(), 5);
    assert_eq!(audit::check_user(&db, "u1").await, Ok(29));
    let (again, balance) = send(&db, "u1", &t, 2, T0 + 7).await;
    assert_ne!(again.branch, t);
    assert_ne!(again.branch, fork_id);
    assert_eq!((again.depth, balance), (1, 27));
    let read = newest(&db, &t, 10).await;
    assert_eq!(ids(&read.rows), [first_ids[0], again.message_id.as_str()]);
    assert_eq!(read.tree.versions(&read.segments, 1).count(), 1);
    assert_eq!(
        rows_of(&db, "u1")
            .await
            .iter()
            .filter(|m| m.deleted_at.is_some())
            .count(),
        4
    );
    // Balance = payments − every row's total, every version.
    assert_eq!(
        audit::check_user(&db, "u1").await,
        Ok(100 - 10 - 20 - 30 - 7 - 4 - 2)
    );
    // A save of a version deleted meanwhile (another tab deleted it while it streamed
    // here) is refused: the row stays erased, the cut stays, the balance does not move.
    let before = snapshot(&db).await;
    let mut late = edited.clone();
    late.total = 6;
    assert_eq!(
        messages::save_exchange(&db, &late, Some(&fork), T0 + 8).await,
        Err(StorageError::NotFound(Missing::Exchange))
    );
    // And a save never moves a stored row to another place.
    let mut moved = again.clone();
    moved.depth = 7;
    assert_eq!(
        messages::save_exchange(&db, &moved, None, T0 + 8).await,
        Err(StorageError::NotFound(Missing::ForeignExchange))
    );
    assert_eq!(snapshot(&db).await, before);
    // The whole tree survives an export and an import.
    let file = snapshot(&db).await;
    assert_eq!(ExportFile::parse(&file.to_json(), &mut record_id), Ok(file));
    db.close();
}

// Guards against the browser's JSON reading of import files drifting from the core's:
// every hostile file gets the same refusal, a written file reads back the same, and a
// version-1 file is converted the same way.
#[wasm_bindgen_test]
async fn import_files_read_by_the_browser_match_the_core_parser() {
    let db = fresh("t-json").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "a thread").await;
    send(&db, "u1", &thread_id, 7, T0 + 1).await;
    new_version(&db, "u1", &thread_id, 0, 3, T0 + 2).await;
    let file = snapshot(&db).await;
    let text = transfer::file_text(&file).expect("json");
    assert_eq!(transfer::parse_file(&text), Ok(file.clone()));
    assert_eq!(ExportFile::parse(&text, &mut record_id), Ok(file));
    let version = format!(
        r#"{{"format":"{}","version":99}}"#,
        pocket_chat_core::export::FORMAT
    );
    let wrong_type = text.replacen("\"total\": 7", "\"total\": \"seven\"", 1);
    assert_ne!(wrong_type, text);
    for hostile in [
        "",
        "{\"format\":",
        "\u{0}\u{1}binary",
        "[]",
        "\"text\"",
        "42",
        "null",
        "{}",
        r#"{"format":"something else","version":1}"#,
        version.as_str(),
        wrong_type.as_str(),
    ] {
        let browser = transfer::parse_file(hostile);
        assert!(browser.is_err(), "accepted {hostile:?}");
        let kind = |r: &Result<ExportFile, ImportError>| {
            std::mem::discriminant(r.as_ref().err().unwrap_or(&ImportError::NotAnExport))
        };
        assert_eq!(
            kind(&browser),
            kind(&ExportFile::parse(hostile, &mut record_id)),
            "{hostile:?}"
        );
    }

    // A version-1 file (numeric ids): converted with new ids, each thread a path.
    let mut v1: Value = serde_json::from_str(schema_v1::RECORDS).expect("fixture");
    v1["format"] = json!(pocket_chat_core::export::FORMAT);
    v1["version"] = json!(1);
    v1["exported_at"] = json!(T0);
    let v1 = v1.to_string();
    let browser = transfer::parse_file(&v1).expect("browser reads version 1");
    let core = ExportFile::parse(&v1, &mut record_id).expect("core reads version 1");
    let shape = |f: &ExportFile| {
        (
            f.version,
            f.users.clone(),
            f.settings.clone(),
            f.payments
                .iter()
                .map(|p| p.charged_token)
                .collect::<Vec<_>>(),
            f.threads
                .iter()
                .map(|t| t.title.clone())
                .collect::<Vec<_>>(),
            f.messages
                .iter()
                .map(|m| (m.depth, m.total, m.prompt.clone()))
                .collect::<Vec<_>>(),
            f.branches.len(),
        )
    };
    assert_eq!(shape(&browser), shape(&core));
    assert_eq!(browser.version, 2);
    assert!(browser
        .messages
        .iter()
        .all(|m| is_id(&m.message_id) && m.branch == m.thread_id));
    transfer::import_text(&db, &v1, ImportMode::Replace)
        .await
        .expect("import version 1");
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(5051));
    let recipes = threads::for_user(&db, "u-ann").await.expect("threads");
    assert_eq!(
        thread_rows(&db, &recipes[0].thread_id)
            .await
            .map(|r| totals(&r)),
        Ok(vec![20, 8])
    );
    db.close();
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

// Guards against an index that says more or less than the rows: after an exchange is
// recorded, saved again as it streams, finished, after a version is deleted, a thread is
// renamed and deleted, an import, a user deleted, and a save refused midway, the index
// holds exactly the terms of what is stored, and another user's identical text is never
// found.
#[wasm_bindgen_test]
async fn the_index_agrees_with_the_messages_through_every_write() {
    let db = fresh("t-search").await;
    new_user(&db, "ann").await;
    new_user(&db, "ken").await;
    let t = new_thread(&db, "ann", "Rust のライフタイム").await;
    index_agrees(&db).await;
    let mut row = exchange("ann", &t, 10);
    row.prompt = "ライフタイムとは何ですか".into();
    row.completion = "途中まで".into();
    messages::save_exchange(&db, &row, None, T0)
        .await
        .expect("checkpoint");
    index_agrees(&db).await;
    assert_eq!(found(&db, "ann", "途中").await, [row.message_id.clone()]);
    row.completion = "参照が有効な範囲です。The borrow checker checks it.".into();
    messages::save_exchange(&db, &row, None, T0 + 1)
        .await
        .expect("finish");
    index_agrees(&db).await;
    assert!(
        found(&db, "ann", "途中").await.is_empty(),
        "the streamed text is gone"
    );
    assert_eq!(
        found(&db, "ann", "有効 \"borrow checker\"").await,
        [row.message_id.clone()]
    );
    assert_eq!(
        found(&db, "ann", "ライフタイム").await.len(),
        2,
        "the exchange and the title"
    );

    // Ken says the same in his own thread: each finds only their own.
    let k = new_thread(&db, "ken", "Ken's").await;
    let mut his = exchange("ken", &k, 5);
    his.completion = row.completion.clone();
    messages::save_exchange(&db, &his, None, T0 + 2)
        .await
        .expect("ken");
    assert_eq!(found(&db, "ken", "有効").await, [his.message_id.clone()]);
    assert_eq!(found(&db, "ann", "有効").await, [row.message_id.clone()]);
    index_agrees(&db).await;

    // A save refused midway (another user's thread) writes no index either.
    let mut foreign = exchange("ann", &k, 3);
    foreign.completion = "ぜったいに見つからない".into();
    assert!(messages::save_exchange(&db, &foreign, None, T0 + 3)
        .await
        .is_err());
    index_agrees(&db).await;
    assert!(found(&db, "ann", "ぜったい").await.is_empty());

    // Renamed, then the version deleted: the title's and the exchange's terms go.
    threads::rename(&db, &t, "Borrowing", 5)
        .await
        .expect("rename");
    index_agrees(&db).await;
    assert_eq!(found(&db, "ann", "borrowing").await, [format!("title {t}")]);
    versions::delete(&db, &t, 0, &row.message_id, T0 + 4)
        .await
        .expect("delete");
    index_agrees(&db).await;
    assert!(found(&db, "ann", "有効").await.is_empty());

    // An import indexes what it writes; a deleted thread and a deleted user leave nothing.
    let mut file = snapshot(&db).await;
    file.only_user = Some("ken".into());
    file.users.retain(|u| u.user_id == "ken");
    file.payments.retain(|p| p.user_id == "ken");
    file.threads.retain(|t| t.user_id == "ken");
    file.branches.retain(|b| b.user_id == "ken");
    file.messages.retain(|m| m.user_id == "ken");
    let other = fresh("t-search-import").await;
    transfer::import(&other, &file, ImportMode::Merge)
        .await
        .expect("import");
    index_agrees(&other).await;
    assert_eq!(found(&other, "ken", "有効").await, [his.message_id.clone()]);
    other.close();
    threads::delete(&db, &k, T0 + 5)
        .await
        .expect("delete thread");
    index_agrees(&db).await;
    assert!(found(&db, "ken", "有効").await.is_empty());
    users::delete(&db, "ann").await.expect("delete user");
    index_agrees(&db).await;
    assert!(search::keys(&db)
        .await
        .expect("keys")
        .iter()
        .all(|(u, _, _)| u != "ann"));
    db.close();
}

// Guards against history stored before search that cannot be found: data written by
// schema version 4 (no index), opened as the app opens it, is indexed in steps by the data
// worker's `build_step` until every exchange and title is, and found then; a second open
// builds nothing again.
#[wasm_bindgen_test]
async fn version_four_history_is_indexed_in_steps_after_the_upgrade() {
    let name = "t-upgrade-v4";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v4::builder(name),
        schema_v4::VERSION,
        schema_v4::RECORDS,
        &schema_v4::ALL_STORES,
    )
    .await;
    assert_eq!(settings::is_current(&db, T0).await, Ok(None));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(Some(4)));
    assert_eq!(
        settings::is_current(&db, T0).await,
        Ok(Some(true)),
        "to build"
    );
    assert!(
        found(&db, "u-ann", "ライフタイム").await.is_empty(),
        "nothing indexed yet"
    );
    let mut steps = Vec::new();
    while let Some(p) = search::build_step(&db, 2).await.expect("step") {
        steps.push((p.done, p.total));
    }
    assert_eq!(steps, [(2, 5), (4, 5), (5, 5)]);
    assert_eq!(
        settings::is_current(&db, T0).await,
        Ok(Some(false)),
        "built"
    );
    index_agrees(&db).await;
    // Mid-sentence Japanese: Ann's exchange and her title; Ken's identical word is his.
    let ann = found(&db, "u-ann", "ライフタイム").await;
    assert_eq!(
        ann,
        [
            "01KB0A0000MMMMMMMMMMMMMMM1",
            "title 01KB0A0000TTTTTTTTTTTTTTT1"
        ]
    );
    assert_eq!(
        found(&db, "u-ken", "ライフタイム").await,
        ["01KB0A0000MMMMMMMMMMMMMMM3"]
    );
    assert_eq!(
        found(&db, "u-ann", "holder").await,
        ["01KB0A0000MMMMMMMMMMMMMMM5"],
        "another version"
    );
    // Every record as it was: the index is all the upgrade added.
    let now = serde_json::to_value(snapshot(&db).await).expect("serialise");
    for store in ["users", "payments", "threads", "branches"] {
        assert_eq!(
            sorted(rows(&now, store).to_vec()),
            sorted(rows(&fixture, store).to_vec()),
            "{store}"
        );
    }
    db.close();
    let db = Database::open(name).await.expect("open again");
    assert_eq!(settings::record_schema(&db, T0 + 1).await, Ok(Some(5)));
    assert_eq!(settings::is_current(&db, T0 + 1).await, Ok(Some(false)));
    db.close();
}

/// `n` exchanges of a new user bob in one thread, the `i`th's prompt and reply `text(i)`,
/// each a millisecond newer than the one before, written as an import writes them (the
/// rows and their index in one transaction).
async fn bobs_exchanges(
    db: &Database,
    n: u32,
    text: impl Fn(u32) -> (String, String),
) -> Vec<Message> {
    new_user(db, "bob").await;
    let t = new_thread(db, "bob", "Bob's").await;
    let rows: Vec<Message> = (0..n)
        .map(|i| {
            let mut row = exchange("bob", &t, 0);
            row.message_id = pocket_chat_core::ids::new_id(T0 + i64::from(i), [0; 10]);
            row.depth = i;
            (row.prompt, row.completion) = text(i);
            row
        })
        .collect();
    let mut file = snapshot(db).await;
    file.messages = rows.clone();
    transfer::import(db, &file, ImportMode::Replace)
        .await
        .expect("import");
    rows
}

// Guards against a word being typed showing its oldest exchanges: the start of a word
// reads the first keys of the words it starts, in the order of the words and then of
// age, so a word in more exchanges than that is read from its oldest; its newest are read
// too, so that the whole word typed shows them.
#[wasm_bindgen_test]
async fn a_word_typed_whole_shows_its_newest_exchanges() {
    let db = fresh("t-search-typed").await;
    let rows = bobs_exchanges(&db, 4100, |_| ("paragraph".into(), String::new())).await;
    let typed = search::query(&db, "bob", "paragraph", true)
        .await
        .expect("query");
    let newest: Vec<String> = (4100 - search::MAX_HITS..4100)
        .rev()
        .map(|i| rows[i].message_id.clone())
        .collect();
    let shown: Vec<String> = typed.into_iter().map(|h| h.message_id).collect();
    assert_eq!(shown, newest);
    db.close();
}

// Guards against a common word making a query slow or wrong: with more exchanges having
// a term than a query reads at a time, its newest are read first (from the end of its
// keys), then older ones while results are too few, so that a rare word beside it finds
// its oldest exchange, and two common words seldom together find where they are. Read
// whole, as where the browser reads keys forwards only, the results are the same.
#[wasm_bindgen_test]
async fn a_query_reads_a_common_words_newest_exchanges_then_older_ones() {
    let db = fresh("t-search-common").await;
    let rows = bobs_exchanges(&db, 900, |i| {
        let north = if i < 440 { "north" } else { "" };
        let south = if i >= 430 { "south" } else { "" };
        let answer = if i % 100 == 0 {
            "a rare answer"
        } else {
            "an answer"
        };
        (
            format!("common question {i} {north} {south}"),
            answer.into(),
        )
    })
    .await;
    index_agrees(&db).await;
    let id = |i: usize| rows[i].message_id.clone();
    let ids = |from: usize, to: usize| (from..to).rev().map(id).collect::<Vec<_>>();
    // "common" is in all 900, more than a term reads at a time; "rare" in nine, down to
    // exchange 0, far older than the newest "common" ones.
    let rare: Vec<String> = (0..9).rev().map(|i| id(i * 100)).collect();
    assert_eq!(found(&db, "bob", "common rare").await, rare);
    assert_eq!(found(&db, "bob", "rare").await, rare);
    let common = found(&db, "bob", "common").await;
    assert_eq!(common, ids(900 - search::MAX_HITS, 900), "the newest");
    // 440 and 470 exchanges, together in ten of them, older than the newest of "south".
    assert_eq!(found(&db, "bob", "north south").await, ids(430, 440));
    assert_eq!(found(&db, "bob", "south").await.len(), search::MAX_HITS);
    for query in ["common rare", "rare", "common", "north south", "sout"] {
        let forwards = search::query_reading(&db, "bob", query, true, false).await;
        let backwards = search::query_reading(&db, "bob", query, true, true).await;
        assert_eq!(forwards, backwards, "{query}");
        assert!(!backwards.expect("query").is_empty(), "{query}");
    }
    db.close();
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

// Guards against a pulled batch that leaves the balance off the ledger, keeps a second
// sign-up bonus, misses the search index, or brings a deleted thread's text back; and
// against a device pushing back what it just pulled.
#[wasm_bindgen_test]
async fn a_pulled_batch_applies_with_the_ledgers_balance_and_the_index() {
    use pocket_chat::storage::sync as sync_storage;
    use pocket_chat_core::records::{Payment, Thread};
    use pocket_chat_core::sync::{to_push, Record};
    let db = fresh("pc-test-sync-apply").await;
    new_user(&db, "u-b").await;
    // Device A's records: its bonus (older than B's), a top-up, a thread and an exchange.
    let payment = |id: &str, tokens: i64, at: i64, bonus: bool| Payment {
        payment_id: id.into(),
        user_id: "u-a".into(),
        amount: 0.0,
        charged_token: tokens,
        created_at: at,
        bonus,
    };
    let thread = Thread {
        thread_id: "T-A".into(),
        user_id: "u-a".into(),
        title: "東京の天気".into(),
        created_at: T0 - 500,
        updated_at: T0 - 400,
        deleted_at: None,
        path: Vec::new(),
        pinned: false,
        persona: None,
        edited_at: 0,
    };
    let mut message = exchange("u-a", "T-A", 42);
    message.prompt = "ペンギンは寒さに強い？".into();
    let root = Branch {
        branch_id: "T-A".into(),
        thread_id: "T-A".into(),
        user_id: "u-a".into(),
        from: None,
        depth: 0,
        cut: None,
        created_at: T0 - 500,
    };
    let records = [
        (
            Record::Payment(payment("PAY-BONUS-A", 100, T0 - 1_000, true)),
            true,
        ),
        (
            Record::Payment(payment("PAY-TOPUP-A", 500, T0 - 900, false)),
            false,
        ),
        (Record::Thread(thread.clone()), false),
        (Record::Branch(root), false),
        (Record::Message(message.clone()), false),
    ];
    let mut pulled = Vec::new();
    let mut known = HashMap::new();
    for (record, bonus) in &records {
        let (id, fetched, synced) = pulled_leaf(record, *bonus, None);
        known.insert(id, synced);
        pulled.push(fetched);
    }
    let applied = sync_storage::apply(&db, "u-b", &pulled, &json!(4))
        .await
        .expect("apply");
    assert_eq!((applied.records, applied.waiting), (5, 0));
    // One bonus, A's; the balance is the ledger's.
    let payments = payments::for_user(&db, "u-b").await.expect("payments");
    let mut ids: Vec<&str> = payments.iter().map(|p| p.payment_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["PAY-BONUS-A", "PAY-TOPUP-A"]);
    assert_eq!(audit::check_user(&db, "u-b").await, Ok(100 + 500 - 42));
    assert_eq!(
        found(&db, "u-b", "ペンギン").await,
        [message.message_id.clone()]
    );
    index_agrees(&db).await;
    assert_eq!(sync_storage::position(&db, "u-b").await, Ok(Some(json!(4))));
    // Nothing pulled is pushed back.
    let local = sync_storage::read_local(&db, "u-b", None)
        .await
        .expect("read");
    for (id, bonus, record) in &local.records {
        if known.contains_key(id) {
            assert_eq!(
                to_push(record, *bonus, local.synced.get(id)),
                None,
                "{id} pushed back"
            );
        }
    }

    // A deletes the thread: here its exchange is erased, its debit kept.
    let mut deleted = thread.clone();
    deleted.deleted_at = Some(T0 + 5);
    deleted.title.clear();
    let (_, fetched, _) = pulled_leaf(&Record::Thread(deleted), false, known.get("thread:T-A"));
    sync_storage::apply(&db, "u-b", &[fetched], &json!(5))
        .await
        .expect("apply the deletion");
    let rows = thread_rows(&db, "T-A").await.expect("rows");
    assert_eq!((rows[0].prompt.as_str(), rows[0].total), ("", 42));
    assert!(found(&db, "u-b", "ペンギン").await.is_empty());
    index_agrees(&db).await;
    assert_eq!(audit::check_user(&db, "u-b").await, Ok(558));
    // A user deleted here: what this device knew of their sync goes with them.
    users::delete(&db, "u-b").await.expect("delete user");
    assert_eq!(sync_storage::position(&db, "u-b").await, Ok(None));
    db.close();
}

// Guards against an export file's own HTML reaching the page: a reply's `html` in a file
// (a style that repaints the page, a link posing as the reply) is never stored, whichever
// mode or reader takes the file; the reply is formatted here from its Markdown.
#[wasm_bindgen_test]
async fn an_import_never_stores_html_from_the_file() {
    const INJECTED: &str = "<style>body{background:red}</style><a href=\"https://evil.example/\">Session expired: sign in again</a>";
    let source = fresh("t-html-source").await;
    populate(&source).await;
    let mut file = snapshot(&source).await;
    source.close();
    for m in &mut file.messages {
        m.html = INJECTED.into();
    }
    let text = file.to_json();
    assert!(text.contains("Session expired"));
    // The browser's reader, the parsed file (the data worker's path), and both modes.
    for (name, mode, parsed) in [
        ("t-html-replace", ImportMode::Replace, false),
        ("t-html-merge", ImportMode::Merge, false),
        ("t-html-parsed", ImportMode::Replace, true),
    ] {
        let db = fresh(name).await;
        if parsed {
            transfer::import(&db, &file, mode).await.expect(name);
        } else {
            transfer::import_text(&db, &text, mode).await.expect(name);
        }
        let stored = snapshot(&db).await;
        assert_eq!(stored.messages.len(), file.messages.len(), "{name}");
        let kept: Vec<&str> = stored
            .messages
            .iter()
            .map(|m| m.html.as_str())
            .filter(|h| !h.is_empty())
            .collect();
        assert!(kept.is_empty(), "{name} stored the file's HTML: {kept:?}");
        // Read the way the thread view reads them: no HTML either.
        let u1 = only_thread(&db, "u1").await;
        let read = thread_rows(&db, &u1).await.expect("rows");
        assert!(read.iter().all(|m| m.html.is_empty()), "{name}");
        db.close();
    }
}

// Guards against a Replace import that keeps the old sync position: after restoring an
// old export, newer server documents would never be pulled again.
#[wasm_bindgen_test]
async fn a_replace_import_forgets_every_sync_position_and_revision() {
    use pocket_chat::storage::sync as sync_storage;
    use pocket_chat_core::sync::Record;
    let db = fresh("t-replace-sync").await;
    populate(&db).await;
    let file = snapshot(&db).await;
    // u1 and u2 have synced: a position and what the server holds of a record each.
    for user_id in ["u1", "u2"] {
        let local = sync_storage::read_local(&db, user_id, None)
            .await
            .expect("read");
        let profile = local
            .records
            .iter()
            .find(|(_, _, r)| matches!(r, Record::Profile(_)))
            .map(|(_, _, r)| r.clone())
            .expect("profile");
        let (_, fetched, _) = pulled_leaf(&profile, false, None);
        sync_storage::apply(&db, user_id, &[fetched], &json!(7))
            .await
            .expect("apply");
        let (_, pushed) = pocket_chat_core::sync::to_push(&profile, false, None).expect("push");
        sync_storage::mark_pushed(&db, user_id, &[("profile".into(), pushed)])
            .await
            .expect("mark");
        assert_eq!(
            sync_storage::position(&db, user_id).await,
            Ok(Some(json!(7)))
        );
    }
    // The whole file, then one user's.
    transfer::import(&db, &file, ImportMode::Replace)
        .await
        .expect("replace all");
    for user_id in ["u1", "u2"] {
        assert_eq!(
            sync_storage::position(&db, user_id).await,
            Ok(None),
            "{user_id}"
        );
        let local = sync_storage::read_local(&db, user_id, None)
            .await
            .expect("read");
        assert!(local.synced.is_empty(), "{user_id} keeps known revisions");
    }
    sync_storage::apply(&db, "u2", &[], &json!(9))
        .await
        .expect("apply");
    let u2 = transfer::export(&db, Some("u2"), true, 0)
        .await
        .expect("export");
    transfer::import(&db, &u2, ImportMode::Replace)
        .await
        .expect("replace one");
    assert_eq!(sync_storage::position(&db, "u2").await, Ok(None));
    db.close();
}

// Guards against a pull that drops what it cannot take: a document this version cannot
// read and records that refer to ones not here yet are kept on the device (the position
// moves, nothing is lost), counted, and applied by a later batch once they fit; the
// balance is the ledger's throughout.
#[wasm_bindgen_test]
async fn pulled_documents_that_do_not_fit_yet_wait_and_apply_later() {
    use pocket_chat::storage::sync::{self as sync_storage, Fetched};
    use pocket_chat_core::records::Thread;
    use pocket_chat_core::sync::Record;
    let db = fresh("t-sync-waiting").await;
    new_user(&db, "u-w").await;
    let branch = |id: &str, from: Option<&str>, depth: u32| Branch {
        branch_id: id.into(),
        thread_id: "T-W".into(),
        user_id: "u-a".into(),
        from: from.map(str::to_owned),
        depth,
        cut: None,
        created_at: T0,
    };
    let thread = Thread {
        thread_id: "T-W".into(),
        user_id: "u-a".into(),
        title: "待っている".into(),
        created_at: T0,
        updated_at: T0,
        deleted_at: None,
        path: vec!["B-W2".into()],
        pinned: false,
        persona: None,
        edited_at: 0,
    };
    let on = |id: &str, branch: &str, depth: u32, total: u64| Message {
        message_id: id.into(),
        branch: branch.into(),
        depth,
        ..exchange("u-a", "T-W", total)
    };
    let doc = |record: Record| pulled_leaf(&record, false, None).1;
    // A document of a newer version: a status this one does not know.
    let mut future = doc(Record::Message(on("M-FUTURE", "T-W", 0, 3)));
    future.docs[0]["status"] = json!("pondering");
    let raw_future = future.docs[0].clone();
    let mut foreign = Fetched::new("shopping-list");
    foreign
        .docs
        .push(json!({"_id": "shopping-list", "_rev": "1-abc", "kind": "spaceship"}));
    // Batch 1: the thread's path goes through a branch of batch 2.
    let first = [
        doc(Record::Thread(thread)),
        doc(Record::Branch(branch("T-W", None, 0))),
        doc(Record::Message(on("M-1", "T-W", 0, 10))),
        future,
        foreign,
    ];
    let applied = sync_storage::apply(&db, "u-w", &first, &json!(1))
        .await
        .expect("batch 1");
    assert_eq!(
        (applied.records, applied.waiting, applied.foreign),
        (0, 4, 1)
    );
    assert_eq!(sync_storage::position(&db, "u-w").await, Ok(Some(json!(1))));
    assert_eq!(audit::check_user(&db, "u-w").await, Ok(100));
    assert!(threads::for_user(&db, "u-w")
        .await
        .expect("threads")
        .is_empty());
    let kept = meta_record("t-sync-waiting", "sync/u-w/w/message:M-FUTURE")
        .await
        .expect("the unreadable document is kept");
    let kept: Value = serde_json::from_str(kept["docs"].as_str().expect("docs")).expect("json");
    assert_eq!(kept, json!([raw_future]));

    // Batch 2 brings the branch: everything that waited for it applies.
    let second = [
        doc(Record::Branch(branch("B-W2", Some("T-W"), 1))),
        doc(Record::Message(on("M-2", "B-W2", 1, 5))),
    ];
    let applied = sync_storage::apply(&db, "u-w", &second, &json!(2))
        .await
        .expect("batch 2");
    assert_eq!((applied.records, applied.waiting), (5, 1));
    assert_eq!(applied.first_waiting, "message:M-FUTURE");
    assert_eq!(audit::check_user(&db, "u-w").await, Ok(100 - 15));
    let path = thread_rows(&db, "T-W").await.expect("path");
    assert_eq!(ids(&path), ["M-1", "M-2"]);
    index_agrees(&db).await;
    // What waits stays out of the export, which stays importable.
    let file = transfer::export(&db, None, true, 0).await.expect("export");
    assert_eq!(file.validate(), Ok(()));
    assert!(meta_record("t-sync-waiting", "sync/u-w/w/thread:T-W")
        .await
        .is_none());
    db.close();
}

// Guards against a storage failure shown in English to a Japanese user, or losing what is
// gone and what to do.
#[wasm_bindgen_test]
fn storage_errors_in_japanese() {
    let full = StorageError::QuotaExceeded.localize(Lang::Ja);
    assert!(
        full.contains("保存領域がいっぱい") && full.contains("何も変更していません"),
        "{full}"
    );
    let gone = StorageError::NotFound(Missing::User).localize(Lang::Ja);
    assert!(
        gone.starts_with("このユーザーはもう存在しません。ページを再読み込み"),
        "{gone}"
    );
    let corrupt = StorageError::Corrupt {
        store: "messages",
        detail: "x".into(),
    }
    .localize(Lang::Ja);
    assert!(corrupt.contains("メッセージレコード"), "{corrupt}");
    assert_eq!(
        StorageError::QuotaExceeded.localize(Lang::En),
        StorageError::QuotaExceeded.to_string()
    );
}
