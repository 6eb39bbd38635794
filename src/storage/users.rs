//! The `users` store: one record per person using this browser.

use pocket_chat_core::records::User;
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::{from_js, schema::USERS, to_js, Database, StorageError};

/// Writes `user`, replacing a stored user with the same `user_id`.
pub async fn put(db: &Database, user: &User) -> Result<(), StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadWrite)?;
    tx.store(USERS)?.put(&to_js(USERS, user)?, None).await?;
    tx.done().await?;
    Ok(())
}

/// The user with `user_id`, if there is one.
pub async fn get(db: &Database, user_id: &str) -> Result<Option<User>, StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadOnly)?;
    let value = tx.store(USERS)?.get(JsValue::from_str(user_id)).await?;
    tx.done().await?;
    value.map(|v| from_js(USERS, v)).transpose()
}

/// Every user, ordered by `user_id`.
pub async fn all(db: &Database) -> Result<Vec<User>, StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadOnly)?;
    let values = tx.store(USERS)?.get_all(None, None).await?;
    tx.done().await?;
    values.into_iter().map(|v| from_js(USERS, v)).collect()
}
