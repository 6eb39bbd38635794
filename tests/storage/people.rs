//! Users, payments and the ledger: records round-trip, the bonus and top-ups written with the balance, exchanges debited atomically, racing connections, deletes, renames, settings; storage errors in both languages.

use super::*;

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
