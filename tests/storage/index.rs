//! The search index: equal to the terms of what is stored after every write, built in steps after an upgrade, queries over many exchanges.

use super::*;

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
