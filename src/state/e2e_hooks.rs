//! Test hooks, compiled only with the `e2e-hooks` feature: functions end-to-end tests call
//! (through Trunk's `window.wasmBindings`) to drive the real storage operations where no
//! screen does so yet, such as many debits racing from two pages.

use pocket_chat_core::ledger::DebitKind;
use pocket_chat_core::records::{Message, MessageStatus, Missing};
use wasm_bindgen::prelude::*;

use super::clock::now;
use crate::ids::record_id;
use crate::storage::broadcast::{announce_to_all, Change};
use crate::storage::settings::CURRENT_USER;
use crate::storage::{messages, payments, schema, settings, threads, Database, StorageError};

async fn current_user(db: &Database) -> Result<String, StorageError> {
    settings::get(db, CURRENT_USER)
        .await?
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or(StorageError::NotFound(Missing::NoUser))
}

fn js(err: StorageError) -> JsValue {
    JsValue::from_str(&err.to_string())
}

/// Records `count` exchanges of `total` tokens each for the current user, one
/// transaction per exchange, in a thread of their own. Returns the balance after the last.
#[wasm_bindgen]
pub async fn e2e_debit(count: u32, total: u32) -> Result<f64, JsValue> {
    let db = Database::open(schema::DB_NAME).await.map_err(js)?;
    let user_id = current_user(&db).await.map_err(js)?;
    let thread = threads::create(&db, record_id(now()), &user_id, "e2e debits", None, now())
        .await
        .map_err(js)?;
    let mut balance = 0;
    for i in 0..count {
        let message = Message {
            message_id: record_id(now()),
            thread_id: thread.thread_id.clone(),
            user_id: user_id.clone(),
            branch: thread.thread_id.clone(),
            depth: i,
            prompt: format!("debit {i}"),
            completion: String::new(),
            reasoning: String::new(),
            html: String::new(),
            total: u64::from(total),
            prompt_tokens: u64::from(total),
            completion_tokens: 0,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Exact,
            model: "e2e".into(),
            status: MessageStatus::Complete,
            created_at: now(),
            deleted_at: None,
        };
        balance = messages::save_exchange(&db, &message, None, now())
            .await
            .map_err(js)?
            .balance;
    }
    db.close();
    // Written as another tab would write: this page refreshes too.
    announce_to_all(&Change::User { user_id });
    Ok(balance as f64)
}

/// Sets how long, in milliseconds, a streamed reply may send nothing before it is given up
/// (a minute otherwise), so the timeout can be tested in seconds.
#[wasm_bindgen]
pub fn e2e_set_idle_timeout(ms: u32) {
    crate::providers::set_idle_timeout_ms(ms);
}

/// Sets how long, in seconds, one request to the sync server may take before it is
/// abandoned (30 otherwise), so a server that never answers can be tested in seconds.
#[wasm_bindgen]
pub fn e2e_set_sync_timeout(seconds: u32) {
    super::sync::set_timeout_seconds(seconds);
}

/// Tops up the current user by `tokens`. Returns the new balance.
#[wasm_bindgen]
pub async fn e2e_top_up(tokens: u32) -> Result<f64, JsValue> {
    let db = Database::open(schema::DB_NAME).await.map_err(js)?;
    let user_id = current_user(&db).await.map_err(js)?;
    let user = payments::top_up(
        &db,
        record_id(now()),
        &user_id,
        i64::from(tokens),
        0.0,
        now(),
    )
    .await
    .map_err(js)?;
    db.close();
    announce_to_all(&Change::User { user_id });
    Ok(user.num_token as f64)
}
