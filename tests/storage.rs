//! IndexedDB through rexie in a real browser: schema and upgrade, every repository
//! operation, atomic ledger writes, export and import.
#![cfg(target_arch = "wasm32")]

#[path = "fixtures/schema_v1.rs"]
mod schema_v1;

use pocket_chat::storage::transfer::{self, ImportMode, TransferError};
use pocket_chat::storage::users::NewUser;
use pocket_chat::storage::{
    audit, messages, payments, schema, settings, threads, users, Database, StorageError,
};
use pocket_chat_core::export::{ExportFile, ImportError};
use pocket_chat_core::ledger::{DebitKind, LedgerError};
use pocket_chat_core::records::{Message, MessageStatus, User};
use serde::Serialize;
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
    };
    users::create(db, new, T0).await.expect("create user")
}

/// A new thread's id.
async fn new_thread(db: &Database, user_id: &str, title: &str) -> u64 {
    let thread = threads::create(db, user_id, title, T0)
        .await
        .expect("thread");
    thread.thread_id.expect("id")
}

fn exchange(user_id: &str, thread_id: u64, total: u64) -> Message {
    Message {
        message_id: None,
        thread_id,
        user_id: user_id.into(),
        prompt: "こんにちは".into(),
        completion: "Echo: こんにちは".into(),
        total,
        prompt_tokens: total / 2,
        completion_tokens: total - total / 2,
        debit_kind: DebitKind::Exact,
        model: "gpt-4o-mini".into(),
        status: MessageStatus::Complete,
        created_at: T0 + 10,
    }
}

/// A thread's exchanges, oldest first: the whole stretch, as the app reads a window.
async fn thread_rows(db: &Database, thread_id: u64) -> Result<Vec<Message>, StorageError> {
    messages::stretch(db, thread_id, 0, None)
        .await
        .map(|(rows, _, _)| rows)
}

/// Everything stored, as an export file with a fixed time, for before/after comparisons.
async fn snapshot(db: &Database) -> ExportFile {
    transfer::export(db, None, true, 0).await.expect("export")
}

// Guards against a schema that forgets a store (rexie would drop it and its records).
#[wasm_bindgen_test]
async fn opens_with_every_store_at_the_schema_version() {
    let db = fresh("t-schema").await;
    assert_eq!(db.version(), Ok(schema::VERSION));
    let mut want: Vec<String> = schema::ALL_STORES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(db.store_names(), want);
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    assert_eq!(
        settings::record_schema(&db, T0).await,
        Ok(Some(schema::VERSION))
    );
    db.close();
}

// Guards against an upgrade that loses records: data written by schema version 1 (the
// fixture) opens at the current version with every record intact and the new index built.
#[wasm_bindgen_test]
async fn version_one_data_survives_the_upgrade() {
    let name = "t-upgrade";
    Database::delete(name).await.expect("delete");
    let fixture: serde_json::Value =
        serde_json::from_str(schema_v1::RECORDS).expect("fixture JSON");
    let old = schema_v1::builder(name).build().await.expect("open v1");
    let stores = ["users", "payments", "threads", "messages", "settings"];
    let tx = old
        .transaction(&stores, rexie::TransactionMode::ReadWrite)
        .expect("tx");
    for store in stores {
        for row in fixture[store].as_array().expect("rows") {
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
    tx.done().await.expect("commit v1 data");
    old.close();

    let db = Database::open(name).await.expect("open at current version");
    assert_eq!(db.version(), Ok(schema::VERSION));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    let now = serde_json::to_value(snapshot(&db).await).expect("serialise");
    for store in stores {
        assert_eq!(
            now[store], fixture[store],
            "store {store} changed in the upgrade"
        );
    }
    // The index added by version 2 covers the old rows: Ann's threads, latest first.
    let titles: Vec<String> = threads::for_user(&db, "u-ann")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Recipes", "Rust のライフタイム"]);
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(5051));
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
    let user = new_user(&db, "u1").await;
    assert_eq!(
        (user.num_token, user.is_charged_once, user.model.as_str()),
        (100, false, "gpt-4o-mini")
    );
    let paid = payments::for_user(&db, "u1").await.expect("payments");
    assert_eq!(paid.len(), 1);
    assert_eq!((paid[0].amount, paid[0].charged_token), (0.0, 100));
    assert_eq!(audit::check_user(&db, "u1").await, Ok(100));
    // Creating the same user again must not reset their balance.
    assert!(users::create(
        &db,
        NewUser {
            user_id: "u1",
            display_name: "again",
            models: models()
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
    db.close();
}

// Guards against a top-up that credits without a payment row, or forgets is_charged_once,
// or accepts nonsense amounts.
#[wasm_bindgen_test]
async fn top_up_writes_payment_balance_and_flag_together() {
    let db = fresh("t-top-up").await;
    new_user(&db, "u1").await;
    let (user, payment_id) = payments::top_up(&db, "u1", 5000, 500.0, T0 + 1)
        .await
        .expect("top up");
    assert_eq!((user.num_token, user.is_charged_once), (5100, true));
    let paid = payments::for_user(&db, "u1").await.expect("payments");
    assert_eq!(
        paid.iter()
            .map(|p| (p.payment_id, p.charged_token))
            .collect::<Vec<_>>(),
        [(Some(1), 100), (Some(payment_id), 5000)]
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(5100));

    let before = snapshot(&db).await;
    assert_eq!(
        payments::top_up(&db, "u1", 0, 0.0, T0).await.map(|_| ()),
        Err(StorageError::Ledger(LedgerError::InvalidTopUp { given: 0 }))
    );
    assert_eq!(
        payments::top_up(&db, "u1", -5, 0.0, T0).await.map(|_| ()),
        Err(StorageError::Ledger(LedgerError::InvalidTopUp {
            given: -5
        }))
    );
    assert_eq!(
        payments::top_up(&db, "u1", 10, -1.0, T0).await.map(|_| ()),
        Err(StorageError::InvalidAmount)
    );
    assert_eq!(
        payments::top_up(&db, "u1", 10, f64::NAN, T0)
            .await
            .map(|_| ()),
        Err(StorageError::InvalidAmount)
    );
    assert!(matches!(
        payments::top_up(&db, "nobody", 10, 0.0, T0).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against a debit without its message or a message without its debit.
#[wasm_bindgen_test]
async fn recording_an_exchange_stores_the_message_and_debits_together() {
    let db = fresh("t-exchange").await;
    new_user(&db, "u1").await;
    let thread = threads::create(&db, "u1", "first", T0)
        .await
        .expect("thread");
    let other = threads::create(&db, "u1", "second", T0)
        .await
        .expect("thread");
    let thread_id = thread.thread_id.expect("id");
    let recorded = messages::record_exchange(&db, &exchange("u1", thread_id, 37), T0 + 50)
        .await
        .expect("record");
    assert_eq!(recorded.balance, 63);
    let stored = thread_rows(&db, thread_id).await.expect("messages");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].message_id, Some(recorded.message_id));
    assert_eq!(stored[0].total, 37);
    assert_eq!(
        thread_rows(&db, other.thread_id.expect("id")).await,
        Ok(vec![])
    );
    assert_eq!(
        users::get(&db, "u1").await.map(|u| u.map(|u| u.num_token)),
        Ok(Some(63))
    );
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
    let mut over = exchange("u1", thread_id, 80);
    over.debit_kind = DebitKind::Estimated;
    assert_eq!(
        messages::record_exchange(&db, &over, T0 + 60)
            .await
            .map(|r| r.balance),
        Ok(-17)
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(-17));
    db.close();
}

// Guards against half-written transactions: a write that fails after the balance was
// already changed inside the transaction must leave every store as it was.
#[wasm_bindgen_test]
async fn a_transaction_failing_midway_changes_nothing() {
    let db = fresh("t-atomic").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    let first = messages::record_exchange(&db, &exchange("u1", thread_id, 10), T0 + 1)
        .await
        .expect("record");
    let before = snapshot(&db).await;

    // The message insert fails (its id is taken) after the debit was written.
    let mut clash = exchange("u1", thread_id, 25);
    clash.message_id = Some(first.message_id);
    assert!(messages::record_exchange(&db, &clash, T0 + 2)
        .await
        .is_err());
    assert_eq!(snapshot(&db).await, before);

    // The payment insert fails (its id is taken) after the credit was written.
    let clash = pocket_chat_core::records::Payment {
        payment_id: Some(1),
        user_id: "u1".into(),
        amount: 9.0,
        charged_token: 900,
        created_at: T0 + 3,
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
    payments::top_up(&a, "u1", 10_000, 0.0, T0)
        .await
        .expect("top up");
    let thread_id = new_thread(&a, "u1", "race").await;
    let run = |db: &'static Database, total: u64| async move {
        for _ in 0..50 {
            messages::record_exchange(db, &exchange("u1", thread_id, total), T0)
                .await
                .expect("debit");
        }
    };
    // The connections live for the rest of the test run, like a tab's would.
    let a: &'static Database = Box::leak(Box::new(a));
    let b: &'static Database = Box::leak(Box::new(b));
    futures::future::join(run(a, 3), run(b, 7)).await;
    assert_eq!(
        audit::check_user(a, "u1").await,
        Ok(10_100 - 50 * 3 - 50 * 7)
    );
    assert_eq!(thread_rows(b, thread_id).await.map(|m| m.len()), Ok(100));
}

// Guards against deleting a user leaving orphans behind, or taking another user's rows.
#[wasm_bindgen_test]
async fn deleting_a_user_deletes_their_rows_only() {
    let db = fresh("t-delete").await;
    for id in ["u1", "u2"] {
        new_user(&db, id).await;
        let thread_id = new_thread(&db, id, "t").await;
        messages::record_exchange(&db, &exchange(id, thread_id, 5), T0)
            .await
            .expect("record");
        payments::top_up(&db, id, 50, 1.0, T0)
            .await
            .expect("top up");
    }
    let before_u2 = transfer::export(&db, Some("u2"), true, 0)
        .await
        .expect("export u2");
    users::delete(&db, "u1").await.expect("delete");
    assert_eq!(users::get(&db, "u1").await, Ok(None));
    assert_eq!(payments::for_user(&db, "u1").await, Ok(vec![]));
    assert_eq!(messages::for_user(&db, "u1").await, Ok(vec![]));
    assert_eq!(threads::for_user(&db, "u1").await, Ok(vec![]));
    assert_eq!(
        transfer::export(&db, Some("u2"), true, 0).await,
        Ok(before_u2)
    );
    assert_eq!(audit::check_user(&db, "u2").await, Ok(145));
    db.close();
}

// Guards against renames or model switches overwriting a balance changed meanwhile.
#[wasm_bindgen_test]
async fn rename_and_model_switch_keep_the_balance() {
    let db = fresh("t-update").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    messages::record_exchange(&db, &exchange("u1", thread_id, 30), T0)
        .await
        .expect("record");
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
    let provider = serde_json::json!({"kind": "openai", "api_key": "sk-secret-123"});
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

/// Fills a database with two users and some history.
async fn populate(db: &Database) {
    for (id, totals) in [("u1", vec![12u64, 30]), ("u2", vec![7])] {
        new_user(db, id).await;
        payments::top_up(db, id, 1000, 3.5, T0 + 1)
            .await
            .expect("top up");
        let thread_id = new_thread(db, id, &format!("{id} thread")).await;
        for total in totals {
            messages::record_exchange(db, &exchange(id, thread_id, total), T0 + 2)
                .await
                .expect("record");
        }
    }
    settings::put(
        db,
        "provider",
        serde_json::json!({"kind": "azure", "api_key": "k"}),
    )
    .await
    .expect("settings");
}

// Guards against an export/import round trip that changes a record or an id.
#[wasm_bindgen_test]
async fn export_wipe_import_gives_identical_stores() {
    let name = "t-round-trip";
    let db = fresh(name).await;
    populate(&db).await;
    let before = snapshot(&db).await;
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
        (2, 2, 3, 4)
    );
    assert_eq!(snapshot(&db).await, before);
    // New rows get ids after the imported ones, not on top of them.
    let next = threads::create(&db, "u1", "after import", T0)
        .await
        .expect("thread");
    assert_eq!(next.thread_id, Some(3));
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
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&good).expect("json");
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

// Guards against a merge that overwrites users here or mixes up thread ids.
#[wasm_bindgen_test]
async fn merge_adds_users_with_new_ids_and_refuses_existing_ones() {
    let source = fresh("t-merge-source").await;
    populate(&source).await;
    let one_user = transfer::export(&source, Some("u2"), false, T0)
        .await
        .expect("export u2")
        .to_json();
    let everything = snapshot(&source).await.to_json();
    source.close();

    let db = fresh("t-merge-target").await;
    new_user(&db, "u9").await;
    let own = threads::create(&db, "u9", "mine", T0)
        .await
        .expect("thread");
    assert_eq!(own.thread_id, Some(1));
    transfer::import_text(&db, &one_user, ImportMode::Merge)
        .await
        .expect("merge");
    let merged = threads::for_user(&db, "u2").await.expect("threads");
    assert_eq!(merged.len(), 1);
    let new_id = merged[0].thread_id.expect("id");
    assert_ne!(
        new_id, 1,
        "the imported thread must not take the existing thread's id"
    );
    let msgs = thread_rows(&db, new_id).await.expect("messages");
    assert_eq!(msgs.iter().map(|m| m.total).collect::<Vec<_>>(), [7]);
    assert_eq!(audit::check_user(&db, "u2").await, Ok(1093));
    assert_eq!(audit::check_user(&db, "u9").await, Ok(100));

    let before = snapshot(&db).await;
    let refused = transfer::import_text(&db, &everything, ImportMode::Merge).await;
    assert_eq!(
        refused,
        Err(TransferError::File(ImportError::UserExists {
            user_id: "u2".into()
        }))
    );
    assert_eq!(snapshot(&db).await, before);
    db.close();
}

// Guards against a reply saved while streaming being debited twice, or its final usage
// not replacing the running estimate.
#[wasm_bindgen_test]
async fn updating_an_exchange_moves_the_balance_by_the_difference() {
    let db = fresh("t-update-exchange").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "t").await;
    let mut row = exchange("u1", thread_id, 30);
    row.status = MessageStatus::Interrupted;
    row.debit_kind = DebitKind::Estimated;
    let first = messages::record_exchange(&db, &row, T0)
        .await
        .expect("save");
    assert_eq!(first.balance, 70);
    row.message_id = Some(first.message_id);
    row.total = 45;
    row.completion = "Echo: more".into();
    assert_eq!(
        messages::update_exchange(&db, &row, T0 + 1)
            .await
            .map(|r| r.balance),
        Ok(55)
    );
    // The provider's usage turns out lower than the estimate: the difference comes back.
    row.total = 40;
    row.status = MessageStatus::Complete;
    row.debit_kind = DebitKind::Exact;
    assert_eq!(
        messages::update_exchange(&db, &row, T0 + 2)
            .await
            .map(|r| r.balance),
        Ok(60)
    );
    let stored = thread_rows(&db, thread_id).await.expect("messages");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].total, stored[0].status),
        (40, MessageStatus::Complete)
    );
    assert_eq!(audit::check_user(&db, "u1").await, Ok(60));
    let mut ghost = row.clone();
    ghost.message_id = Some(999);
    assert!(matches!(
        messages::update_exchange(&db, &ghost, T0).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(audit::check_user(&db, "u1").await, Ok(60));
    db.close();
}

// Guards against a page read that crosses into another thread, skips or repeats an
// exchange at a page edge, or counts the rest of the thread wrong: the thread on screen
// is read only by these.
#[wasm_bindgen_test]
async fn a_long_thread_is_read_by_pages_with_counts_around_them() {
    let db = fresh("t-pages").await;
    new_user(&db, "u1").await;
    let a = new_thread(&db, "u1", "long").await;
    let b = new_thread(&db, "u1", "interleaved").await;
    let mut ids = Vec::new();
    for i in 1..=45u64 {
        let recorded = messages::record_exchange(&db, &exchange("u1", a, i), T0 + 100)
            .await
            .expect("record");
        ids.push(recorded.message_id);
        if i % 3 == 0 {
            messages::record_exchange(&db, &exchange("u1", b, 1000), T0 + 100)
                .await
                .expect("record");
        }
    }
    let totals = |rows: &[Message]| rows.iter().map(|m| m.total).collect::<Vec<_>>();
    let (newest, more) = messages::newest(&db, a, 15).await.expect("newest");
    assert_eq!((totals(&newest), more), ((31..=45).collect(), true));
    assert_eq!(
        messages::around(&db, a, ids[30], ids[44]).await,
        Ok((30, 0))
    );
    let back = messages::before(&db, a, ids[30], 30).await.expect("before");
    assert_eq!(totals(&back), (1..=30).collect::<Vec<_>>());
    assert_eq!(messages::before(&db, a, ids[0], 30).await, Ok(Vec::new()));
    let on = messages::after(&db, a, ids[29], 30).await.expect("after");
    assert_eq!(totals(&on), (31..=45).collect::<Vec<_>>());
    let (mid, before, after) = messages::stretch(&db, a, ids[9], Some(ids[19]))
        .await
        .expect("stretch");
    assert_eq!(
        (totals(&mid), before, after),
        ((10..=20).collect(), true, true)
    );
    assert_eq!(messages::around(&db, a, ids[9], ids[19]).await, Ok((9, 25)));
    let (tail, before, after) = messages::stretch(&db, a, ids[39], None)
        .await
        .expect("stretch");
    assert_eq!(
        (totals(&tail), before, after),
        ((40..=45).collect(), true, false)
    );
    let (all, before, after) = messages::stretch(&db, a, ids[0], Some(ids[44]))
        .await
        .expect("stretch");
    assert_eq!((all.len(), before, after), (45, false, false));
    let tally = messages::tally(&db, a).await.expect("tally");
    assert_eq!((tally.tokens, tally.exchanges), ((1..=45).sum(), 45));
    assert_eq!(thread_rows(&db, b).await.map(|m| m.len()), Ok(15));
    let (none, more) = messages::newest(&db, 999, 15).await.expect("empty thread");
    assert_eq!((none.len(), more), (0, false));
    db.close();
}

// Guards against the browser's JSON reading of import files drifting from the core's:
// every hostile file gets the same refusal, and a written file reads back the same.
#[wasm_bindgen_test]
async fn import_files_read_by_the_browser_match_the_core_parser() {
    let db = fresh("t-json").await;
    new_user(&db, "u1").await;
    let thread_id = new_thread(&db, "u1", "a thread").await;
    messages::record_exchange(&db, &exchange("u1", thread_id, 7), T0 + 1)
        .await
        .expect("record");
    let file = snapshot(&db).await;
    let text = transfer::file_text(&file).expect("json");
    assert_eq!(transfer::parse_file(&text), Ok(file.clone()));
    assert_eq!(ExportFile::parse(&text), Ok(file));
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
            kind(&ExportFile::parse(hostile)),
            "{hostile:?}"
        );
    }
    db.close();
}
