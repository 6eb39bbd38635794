//! The `payments` store: credits. A top-up writes the payment, the new balance and
//! `is_charged_once` in one transaction.

use pocket_chat_core::ledger;
use pocket_chat_core::records::{Millis, Missing, Payment, User};
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{PAYMENTS, USERS};
use super::{
    all_from_js, commit_or_abort, finish, get_required, only, to_js, Database, StorageError,
};

/// Adds `tokens` to the user's balance, recording `amount` paid (in the user's currency,
/// 0 when not given), as payment `payment_id`. Returns the user as stored afterwards.
pub async fn top_up(
    db: &Database,
    payment_id: String,
    user_id: &str,
    tokens: i64,
    amount: f64,
    now: Millis,
) -> Result<User, StorageError> {
    if !(amount.is_finite() && amount >= 0.0) {
        return Err(StorageError::InvalidAmount);
    }
    let payment = Payment {
        payment_id,
        user_id: user_id.to_owned(),
        amount,
        charged_token: tokens,
        created_at: now,
        bonus: false,
    };
    credit(db, payment, now).await
}

/// Writes a credit and the balance it gives, in one transaction. A `payment_id` that is
/// already taken fails the whole transaction (nothing is written).
pub async fn credit(db: &Database, payment: Payment, now: Millis) -> Result<User, StorageError> {
    let tx = db.transaction(&[USERS, PAYMENTS], TransactionMode::ReadWrite)?;
    let result = async {
        let users = tx.store(USERS)?;
        let mut user: User = get_required(
            &users,
            USERS,
            JsValue::from_str(&payment.user_id),
            Missing::User,
        )
        .await?;
        // Read-modify-write inside the transaction: a debit from another tab waits for it.
        user.num_token = ledger::credit(user.num_token, payment.charged_token)?;
        user.is_charged_once = true;
        user.updated_at = now;
        users.put(&to_js(USERS, &user)?, None).await?;
        tx.store(PAYMENTS)?
            .add(&to_js(PAYMENTS, &payment)?, None)
            .await?;
        Ok(user)
    }
    .await;
    let user = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: user.user_id.clone(),
    });
    Ok(user)
}

/// A user's payments, oldest first.
pub async fn for_user(db: &Database, user_id: &str) -> Result<Vec<Payment>, StorageError> {
    let tx = db.transaction(&[PAYMENTS], TransactionMode::ReadOnly)?;
    let values = tx
        .store(PAYMENTS)?
        .index("user_id")?
        .get_all(Some(only(&JsValue::from_str(user_id))?), None)
        .await?;
    finish(tx).await?;
    all_from_js(PAYMENTS, values)
}
