//! Export and import: export → wipe → import, malformed and broken files refused, merge rules, the browser read agreeing with the core parser, no HTML from a file, a Replace forgetting sync positions.

use super::*;

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
