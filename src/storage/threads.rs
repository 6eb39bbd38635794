//! The `threads` store: a user's conversations.

use pocket_chat_core::records::{Millis, Thread};
use rexie::{Direction, TransactionMode};
use wasm_bindgen::JsValue;

use super::schema::THREADS;
use super::{
    commit_or_abort, finish, from_js, key_to_id, starting_with, to_js, Database, StorageError,
};

/// Starts a thread for `user_id`; returns it with its new id.
pub async fn create(
    db: &Database,
    user_id: &str,
    title: &str,
    now: Millis,
) -> Result<Thread, StorageError> {
    let mut thread = Thread {
        thread_id: None,
        user_id: user_id.to_owned(),
        title: title.to_owned(),
        created_at: now,
        updated_at: now,
    };
    let tx = db.transaction(&[THREADS], TransactionMode::ReadWrite)?;
    let result = async {
        let key = tx
            .store(THREADS)?
            .add(&to_js(THREADS, &thread)?, None)
            .await?;
        key_to_id(THREADS, &key)
    }
    .await;
    thread.thread_id = Some(commit_or_abort(tx, result).await?);
    Ok(thread)
}

/// The thread with `thread_id`, if there is one.
pub async fn get(db: &Database, thread_id: u64) -> Result<Option<Thread>, StorageError> {
    let tx = db.transaction(&[THREADS], TransactionMode::ReadOnly)?;
    let value = tx
        .store(THREADS)?
        .get(JsValue::from_f64(thread_id as f64))
        .await?;
    finish(tx).await?;
    value.map(|v| from_js(THREADS, v)).transpose()
}

/// A user's threads, most recently active first.
pub async fn for_user(db: &Database, user_id: &str) -> Result<Vec<Thread>, StorageError> {
    let tx = db.transaction(&[THREADS], TransactionMode::ReadOnly)?;
    let rows = tx
        .store(THREADS)?
        .index("user_updated")?
        .scan(
            Some(starting_with(user_id)?),
            None,
            None,
            Some(Direction::Prev),
        )
        .await?;
    finish(tx).await?;
    rows.into_iter().map(|(_, v)| from_js(THREADS, v)).collect()
}
