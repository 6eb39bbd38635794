//! Benchmark seeding, compiled only with the `e2e-hooks` feature: fills the database with a
//! long history through the app's own storage code (one import transaction), so that the
//! benchmark measures the real record format.

use pocket_chat_core::export::ExportFile;
use pocket_chat_core::ledger::{DebitKind, SIGNUP_BONUS};
use pocket_chat_core::records::{Message, MessageStatus, Payment, Thread};
use wasm_bindgen::prelude::*;

use crate::storage::settings::CURRENT_USER;
use crate::storage::transfer::{self, ImportMode};
use crate::storage::{schema, settings, users, Database};

/// About 400 characters of Markdown; every tenth message carries a code block.
fn body(i: u32) -> String {
    let mut text = format!(
        "## Answer {i}\n\nThis is message **{i}** of a long thread. It has *emphasis*, a [link](https://example.com/{i}) \
         and a list:\n\n- first point about item {i}\n- second point, with `inline code`\n- third point\n\n\
         A closing paragraph that makes the message about four hundred characters long in total."
    );
    if i % 10 == 0 {
        text.push_str("\n\n```rust\nfn main() {\n    println!(\"hello {}\", 42);\n}\n```\n");
    }
    text
}

/// Adds `threads` short threads and one thread of `messages` exchanges (last in the list
/// by id, first by activity) to the current user, and a top-up that pays for them.
/// Returns the long thread's title.
#[wasm_bindgen]
pub async fn e2e_seed_history(threads: u32, messages: u32) -> Result<String, JsValue> {
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
        let id = u64::from(t) + 1;
        let long = t == threads;
        file.threads.push(Thread {
            thread_id: Some(id),
            user_id: user.user_id.clone(),
            title: if long {
                long_title.clone()
            } else {
                format!("Short thread {t}")
            },
            created_at: now - 1_000_000 + i64::from(t),
            updated_at: now - if long { 0 } else { 1_000 - i64::from(t) },
            deleted_at: None,
        });
        let count = if long { messages } else { 2 };
        for m in 0..count {
            let message_id = file.messages.len() as u64 + 1;
            file.messages.push(Message {
                message_id: Some(message_id),
                thread_id: id,
                user_id: user.user_id.clone(),
                prompt: format!("Question {m} in thread {t}"),
                completion: body(m),
                total: 120,
                prompt_tokens: 20,
                completion_tokens: 100,
                debit_kind: DebitKind::Exact,
                model: "gpt-4o-mini".into(),
                status: MessageStatus::Complete,
                created_at: now - 1_000_000 + i64::from(m),
            });
            spent += 120;
        }
    }
    let charged = i64::try_from(spent).unwrap_or(i64::MAX) + 1_000_000;
    for (pid, amount) in [(1u64, 0.0), (2, 10.0)] {
        file.payments.push(Payment {
            payment_id: Some(pid),
            user_id: user.user_id.clone(),
            amount,
            charged_token: if pid == 1 { SIGNUP_BONUS } else { charged },
            created_at: now,
        });
    }
    user.num_token = SIGNUP_BONUS + charged - i64::try_from(spent).unwrap_or(i64::MAX);
    user.is_charged_once = true;
    file.users.push(user.clone());
    transfer::import(&db, &file, ImportMode::Merge)
        .await
        .map_err(|e| err(e.to_string()))?;
    settings::put(&db, CURRENT_USER, user.user_id.clone().into())
        .await
        .map_err(|e| err(e.to_string()))?;
    db.close();
    crate::storage::broadcast::announce_to_all(&crate::storage::broadcast::Change::All);
    Ok(long_title)
}
