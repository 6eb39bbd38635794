//! Benchmark seeding, compiled only with the `e2e-hooks` feature: fills the database with a
//! long history through the app's own storage code (one import transaction), so that the
//! benchmark measures the real record format.

use pocket_chat_core::export::ExportFile;
use pocket_chat_core::ledger::{DebitKind, SIGNUP_BONUS};
use pocket_chat_core::records::{Branch, Message, MessageStatus, Payment, Thread};
use pocket_chat_core::tree;
use wasm_bindgen::prelude::*;

use crate::ids::record_id;
use crate::storage::settings::CURRENT_USER;
use crate::storage::transfer::{self, ImportMode};
use crate::storage::{schema, settings, users, Database};

/// About 400 characters of Markdown, English with a Japanese sentence; every tenth message
/// carries a code block.
fn body(i: u32) -> String {
    const CITIES: [&str; 8] = [
        "東京",
        "大阪",
        "京都",
        "札幌",
        "福岡",
        "名古屋",
        "横浜",
        "神戸",
    ];
    const TOPICS: [&str; 8] = [
        "天気", "料理", "歴史", "電車", "音楽", "映画", "仕事", "旅行",
    ];
    let (city, topic) = (CITIES[i as usize % 8], TOPICS[i as usize / 8 % 8]);
    // One reply of a long thread says a word no other does, mid-sentence (search finds it).
    let rare = if i == RARE_AT {
        "南極の皇帝ペンギンの子育て"
    } else {
        topic
    };
    let mut text = format!(
        "## Answer {i}\n\nThis is message **{i}** of a long thread. It has *emphasis*, a [link](https://example.com/{i}) \
         and a list:\n\n- first point about item {i}\n- second point, with `inline code`\n- third point\n\n\
         {city}の{rare}について、{i}番目の答えで少し詳しく説明します。A closing paragraph."
    );
    if i % 10 == 0 {
        text.push_str("\n\n```rust\nfn main() {\n    println!(\"hello {}\", 42);\n}\n```\n");
    }
    text
}

/// The exchange of a long seeded thread whose reply alone says 皇帝ペンギン.
pub const RARE_AT: u32 = 123;

/// Adds `threads` short threads and one thread of `messages` exchanges (last in the list
/// by id, first by activity) to the current user, and a top-up that pays for them.
/// With `branch_every` > 0 the long thread's path changes branch every that many
/// exchanges, counted back from the newest: each time, the exchange there has a second
/// version, and the path goes on through the newer one. Returns the long thread's title.
#[wasm_bindgen]
pub async fn e2e_seed_history(
    threads: u32,
    messages: u32,
    branch_every: u32,
) -> Result<String, JsValue> {
    let err = |e: String| JsValue::from_str(&e);
    let db = Database::open(schema::DB_NAME)
        .await
        .map_err(|e| err(e.to_string()))?;
    let user_id = settings::get(&db, CURRENT_USER)
        .await
        .map_err(|e| err(e.to_string()))?
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| err("no current user".into()))?;
    let mut user = users::get(&db, &user_id)
        .await
        .map_err(|e| err(e.to_string()))?
        .ok_or_else(|| err("no such user".into()))?;
    // Seeded as a separate user, then merged: the import validates it like any file.
    user.user_id = format!("{user_id}-seed");
    user.display_name = "Seeded".into();
    let now = js_sys::Date::now() as i64;
    let mut file = ExportFile::new(now, None);
    let mut spent = 0u64;
    let long_title = format!("Long thread of {messages} messages");
    for t in 0..=threads {
        let long = t == threads;
        let thread_id = record_id(now - 1_000_000 + i64::from(t));
        file.branches
            .push(tree::root(&thread_id, &user.user_id, now));
        let count = if long { messages } else { 2 };
        let mut branch = thread_id.clone();
        for m in 0..count {
            // Counted from the end, so the newest exchange (on screen when the thread
            // opens) is one with two versions.
            let forks = long && branch_every > 0 && m > 0 && (messages - 1 - m) % branch_every == 0;
            let mut row = |branch: &str, text: String| {
                spent += 120;
                Message {
                    message_id: record_id(now - 1_000_000 + i64::from(m)),
                    thread_id: thread_id.clone(),
                    user_id: user.user_id.clone(),
                    branch: branch.to_owned(),
                    depth: m,
                    prompt: format!("Question {m} in thread {t}"),
                    // Rendered, as the app keeps a reply once the data worker has seen it.
                    html: pocket_chat_core::markdown::render_stored(&text),
                    completion: text,
                    reasoning: String::new(),
                    total: 120,
                    prompt_tokens: 20,
                    completion_tokens: 100,
                    reasoning_tokens: 0,
                    debit_kind: DebitKind::Exact,
                    model: "gpt-4o-mini".into(),
                    status: MessageStatus::Complete,
                    created_at: now - 1_000_000 + i64::from(m),
                    deleted_at: None,
                }
            };
            if forks {
                // The first version stays on the branch so far; the path goes on through
                // a second one.
                let first = row(&branch, format!("First version of answer {m}"));
                file.messages.push(first);
                let fork = record_id(now);
                file.branches.push(Branch {
                    branch_id: fork.clone(),
                    thread_id: thread_id.clone(),
                    user_id: user.user_id.clone(),
                    from: Some(branch.clone()),
                    depth: m,
                    cut: None,
                    created_at: now - 1_000_000 + i64::from(m),
                });
                branch = fork;
            }
            let shown = row(&branch, body(m));
            file.messages.push(shown);
        }
        file.threads.push(Thread {
            thread_id: thread_id.clone(),
            user_id: user.user_id.clone(),
            title: if long {
                long_title.clone()
            } else {
                format!("Short thread {t}")
            },
            created_at: now - 1_000_000 + i64::from(t),
            updated_at: now - if long { 0 } else { 1_000 - i64::from(t) },
            deleted_at: None,
            path: if branch == thread_id {
                Vec::new()
            } else {
                vec![branch]
            },
            pinned: false,
            persona: None,
            edited_at: 0,
        });
    }
    let charged = i64::try_from(spent).unwrap_or(i64::MAX) + 1_000_000;
    for (bonus, amount) in [(true, 0.0), (false, 10.0)] {
        file.payments.push(Payment {
            payment_id: record_id(now),
            user_id: user.user_id.clone(),
            amount,
            charged_token: if bonus { SIGNUP_BONUS } else { charged },
            created_at: now,
            bonus,
        });
    }
    user.num_token = SIGNUP_BONUS + charged - i64::try_from(spent).unwrap_or(i64::MAX);
    user.is_charged_once = true;
    file.users.push(user.clone());
    transfer::import_own(&db, &file, ImportMode::Merge)
        .await
        .map_err(|e| err(e.to_string()))?;
    settings::put(&db, CURRENT_USER, user.user_id.clone().into())
        .await
        .map_err(|e| err(e.to_string()))?;
    db.close();
    crate::storage::broadcast::announce_to_all(&crate::storage::broadcast::Change::All);
    Ok(long_title)
}
