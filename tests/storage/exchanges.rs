//! Exchanges on the path: rendered HTML kept per Markdown, updates moving the balance, a long path read by key ranges, versions stored, switched and deleted.

use super::*;

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
