//! Export files and version trees: a version-1 file (one line of messages per thread,
//! numeric ids) converted on import, and the sentences of a refused tree.

use std::collections::HashSet;

use pocket_chat_core::export::{ExportFile, FileV1, ImportError, VERSION};
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::ids::{is_id, new_id};
use pocket_chat_core::records::Millis;
use pocket_chat_core::tree::{root, Tree, TreeError};
use serde_json::{json, Value};

/// A version-1 file as the app wrote it: threads 1 and 2 of user a, with their messages
/// out of id order in the file (a merge or a rewrite could leave them so), thread 4 of b.
fn v1() -> Value {
    let msg = |id: u64, thread: u64, user: &str, total: u64, at: Millis| {
        json!({
            "message_id": id, "thread_id": thread, "user_id": user,
            "prompt": format!("prompt {id}"), "completion": format!("reply {id}"),
            "total": total, "prompt_tokens": total / 2, "completion_tokens": total - total / 2,
            "debit_kind": "exact", "model": "gpt-4o-mini", "status": "complete",
            "created_at": at
        })
    };
    let user = |id: &str, num_token: i64| {
        json!({
            "user_id": id, "display_name": id.to_uppercase(), "num_token": num_token,
            "is_charged_once": false, "model": "gpt-4o-mini",
            "models": ["gpt-4o-mini", "gpt-4o"], "created_at": 1, "updated_at": 2
        })
    };
    json!({
        "format": "pocket-chat-export",
        "version": 1,
        "exported_at": 99,
        "users": [user("a", 100 + 5000 - 10 - 20 - 30 - 40), user("b", 100 - 7)],
        "payments": [
            {"payment_id": 1, "user_id": "a", "amount": 0.0, "charged_token": 100, "created_at": 10},
            {"payment_id": 2, "user_id": "a", "amount": 500.0, "charged_token": 5000, "created_at": 11},
            {"payment_id": 3, "user_id": "b", "amount": 0.0, "charged_token": 100, "created_at": 12}
        ],
        "threads": [
            {"thread_id": 1, "user_id": "a", "title": "one", "created_at": 20, "updated_at": 21},
            {"thread_id": 2, "user_id": "a", "title": "two", "created_at": 22, "updated_at": 23,
             "deleted_at": 24},
            {"thread_id": 4, "user_id": "b", "title": "b's", "created_at": 25, "updated_at": 26}
        ],
        "messages": [
            msg(7, 1, "a", 30, 33),
            msg(3, 1, "a", 10, 31),
            msg(5, 2, "a", 40, 34),
            msg(4, 1, "a", 20, 32),
            msg(6, 4, "b", 7, 35)
        ],
        "settings": [{"key": "theme", "value": "dark"}]
    })
}

/// Ids as the browser makes them, with a counter for randomness; remembers each call.
fn generator(calls: &mut Vec<(Millis, String)>) -> impl FnMut(Millis) -> String + '_ {
    move |at| {
        let n = u8::try_from(calls.len()).unwrap();
        let id = new_id(at, [n; 10]);
        calls.push((at, id.clone()));
        id
    }
}

fn parse(value: &Value, calls: &mut Vec<(Millis, String)>) -> Result<ExportFile, ImportError> {
    ExportFile::parse(&value.to_string(), &mut generator(calls))
}

// Guards against losing a version-1 export, or importing it with its numeric ids (which
// would meet another device's) or its messages out of order.
#[test]
fn a_version_1_file_becomes_one_path_per_thread() {
    let mut calls = Vec::new();
    let file = parse(&v1(), &mut calls).expect("a good version-1 file imports");
    assert_eq!(file.version, VERSION);
    assert_eq!(file.exported_at, 99);
    assert_eq!(file.users.len(), 2);
    assert_eq!(file.settings.len(), 1);

    // One fresh id per payment, thread and message, each made at that record's time.
    assert_eq!(calls.len(), 3 + 3 + 5);
    let fresh: HashSet<&String> = calls.iter().map(|(_, id)| id).collect();
    assert_eq!(fresh.len(), calls.len(), "ids repeat");
    let made_at = |id: &str, at: Millis| {
        assert!(is_id(id), "{id}");
        assert!(
            calls.contains(&(at, id.to_owned())),
            "{id} not made at {at}"
        );
    };
    for p in &file.payments {
        made_at(&p.payment_id, p.created_at);
    }
    for t in &file.threads {
        made_at(&t.thread_id, t.created_at);
        assert!(t.path.is_empty());
    }
    for m in &file.messages {
        made_at(&m.message_id, m.created_at);
    }
    assert_eq!(file.threads[1].deleted_at, Some(24));

    // Each thread: its root, and its messages on it at 0, 1, 2, … in old id order.
    assert_eq!(file.branches.len(), 3);
    for t in &file.threads {
        let own: Vec<_> = file
            .branches
            .iter()
            .filter(|b| b.thread_id == t.thread_id)
            .cloned()
            .collect();
        assert_eq!(own, vec![root(&t.thread_id, &t.user_id, t.created_at)]);
        assert!(Tree::check(&t.thread_id, &own).is_ok());
    }
    let line = |title: &str| {
        let t = file.threads.iter().find(|t| t.title == title).unwrap();
        let mut on: Vec<_> = file
            .messages
            .iter()
            .filter(|m| m.thread_id == t.thread_id)
            .inspect(|m| assert_eq!(m.branch, t.thread_id))
            .map(|m| (m.depth, m.prompt.as_str(), m.user_id.as_str()))
            .collect();
        on.sort();
        on
    };
    assert_eq!(
        line("one"),
        vec![
            (0, "prompt 3", "a"),
            (1, "prompt 4", "a"),
            (2, "prompt 7", "a")
        ]
    );
    assert_eq!(line("two"), vec![(0, "prompt 5", "a")]);
    assert_eq!(line("b's"), vec![(0, "prompt 6", "b")]);

    // Passes validation as a version-2 file: written out, it reads back as itself.
    assert_eq!(file.validate(), Ok(()));
    let again = ExportFile::parse(&file.to_json(), &mut |_| panic!("no new ids"));
    assert_eq!(again, Ok(file.clone()));

    // The browser reads the old shape itself, then upgrades it: the same file.
    let mut replay = Vec::new();
    let old: FileV1 = serde_json::from_value(v1()).unwrap();
    assert_eq!(old.upgrade(&mut generator(&mut replay)), Ok(file));
    assert_eq!(replay, calls);
}

// Guards against a conversion that hides damage: a version-1 file is refused as it was
// before, naming its own (old) ids.
#[test]
fn a_damaged_version_1_file_is_refused() {
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = v1();
        f(&mut v);
        v
    };
    let cases = [
        (
            edit(&|v| v["users"][0]["num_token"] = json!(999)),
            ImportError::BalanceMismatch {
                user_id: "a".into(),
                stored: 999,
                expected: 5000,
            },
        ),
        (
            edit(&|v| v["users"][1]["num_token"] = json!(100)),
            ImportError::BalanceMismatch {
                user_id: "b".into(),
                stored: 100,
                expected: 93,
            },
        ),
        (
            edit(&|v| v["messages"][1]["message_id"] = json!(7)),
            ImportError::DuplicateId {
                store: "message",
                id: "7".into(),
            },
        ),
        (
            edit(&|v| v["threads"][1]["thread_id"] = json!(1)),
            ImportError::DuplicateId {
                store: "thread",
                id: "1".into(),
            },
        ),
        (
            edit(&|v| {
                v["payments"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("payment_id");
            }),
            ImportError::MissingId { store: "payment" },
        ),
        (
            edit(&|v| v["messages"][0]["thread_id"] = json!(9)),
            ImportError::UnknownThread {
                message_id: "7".into(),
                thread_id: "9".into(),
            },
        ),
        // b's message in a's thread.
        (
            edit(&|v| v["messages"][4]["thread_id"] = json!(1)),
            ImportError::UnknownThread {
                message_id: "6".into(),
                thread_id: "1".into(),
            },
        ),
        (
            edit(&|v| v["payments"][2]["user_id"] = json!("ghost")),
            ImportError::UnknownUser {
                store: "payment",
                user_id: "ghost".into(),
            },
        ),
    ];
    for (value, want) in cases {
        let mut calls = Vec::new();
        let got = parse(&value, &mut calls);
        assert_eq!(got, Err(want));
        let sentence = got.unwrap_err().to_string();
        assert!(sentence.ends_with("Nothing was imported."), "{sentence}");
    }

    // A version-1 file keeps the version-1 shape: string ids are damage there.
    let mut calls = Vec::new();
    let got = parse(
        &edit(&|v| v["threads"][0]["thread_id"] = json!("x")),
        &mut calls,
    );
    assert!(matches!(got, Err(ImportError::Malformed { .. })), "{got:?}");
}

// Guards against a refused tree shown half in English to a Japanese reader, or without
// the thread it is in.
#[test]
fn tree_problems_are_worded_in_japanese() {
    let problems = [
        TreeError::NoRoot {
            thread_id: "T1".into(),
        },
        TreeError::ForeignParent {
            branch_id: "B1".into(),
            from: "B9".into(),
        },
        TreeError::Cycle {
            branch_id: "B1".into(),
        },
        TreeError::BadDepth {
            branch_id: "B1".into(),
        },
        TreeError::Misplaced {
            message_id: "M1".into(),
            branch: "B1".into(),
        },
        TreeError::SamePlace {
            first: "M1".into(),
            second: "M2".into(),
            branch: "B1".into(),
            depth: 3,
        },
    ];
    let mut seen = HashSet::new();
    let errors = problems
        .into_iter()
        .map(|problem| ImportError::Tree {
            thread_id: "T1".into(),
            problem,
        })
        .chain([
            ImportError::BranchThread {
                branch_id: "B1".into(),
                thread_id: "T9".into(),
            },
            ImportError::DuplicateId {
                store: "branch",
                id: "B1".into(),
            },
            ImportError::MissingId { store: "branch" },
            ImportError::UnknownUser {
                store: "branch",
                user_id: "ghost".into(),
            },
        ]);
    for err in errors {
        let en = err.localize(Lang::En);
        assert_eq!(en, err.to_string());
        let ja = err.localize(Lang::Ja);
        assert!(ja.ends_with("何もインポートしていません。"), "{ja}");
        assert!(!ja.contains("。。"), "{ja}");
        // Only ids are in Latin letters.
        let words: Vec<&str> = ja
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1 && *w != "id" && *w != "ghost")
            .collect();
        assert!(words.is_empty(), "{words:?} in {ja}");
        if let ImportError::Tree { .. } = err {
            assert!(ja.contains("T1"), "{ja}");
        }
        assert!(seen.insert(ja.clone()), "{ja} twice");
    }
}

// Guards against importing a thread whose remembered path names a branch it does not have
// (the path on screen would silently fall back to the first branch).
#[test]
fn a_path_through_a_branch_not_in_the_thread_is_refused() {
    let mut calls = Vec::new();
    let mut file = parse(&v1(), &mut calls).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.validate(), Ok(()));
    let thread_id = file.threads[0].thread_id.clone();
    file.threads[0].path = vec!["NOT-A-BRANCH".into()];
    assert_eq!(
        file.validate(),
        Err(ImportError::Tree {
            thread_id: thread_id.clone(),
            problem: TreeError::UnknownPath {
                branch_id: "NOT-A-BRANCH".into()
            }
        })
    );
    let said = file.validate().map_err(|e| e.to_string());
    assert_eq!(
        said,
        Err(format!("This export is damaged: in thread {thread_id}, the thread shows branch NOT-A-BRANCH, which is not in it. Nothing was imported."))
    );
    let ja = file.validate().map_err(|e| e.localize(Lang::Ja));
    assert!(ja.is_err_and(|s| s.contains("NOT-A-BRANCH") && !s.contains("the thread")));
}
