//! Pulled sync batches: applied in one transaction with the ledger and the index; documents that do not fit yet wait and apply later.

use super::*;

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
