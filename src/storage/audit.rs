//! The ledger invariant checked against what is stored, in one read-only snapshot.

use pocket_chat_core::ledger;
use pocket_chat_core::records::{Message, Missing, Payment, User};
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::schema::{MESSAGES, PAYMENTS, USERS};
use super::{all_from_js, commit_or_abort, get_required, only, Database, StorageError};

/// Checks `num_token == Σ payment.charged_token − Σ message.total` for `user_id`, reading
/// the user, their payments and their messages in one transaction. Returns the balance.
pub async fn check_user(db: &Database, user_id: &str) -> Result<i64, StorageError> {
    let tx = db.transaction(&[USERS, PAYMENTS, MESSAGES], TransactionMode::ReadOnly)?;
    let result = async {
        let id = JsValue::from_str(user_id);
        let user: User = get_required(&tx.store(USERS)?, USERS, id.clone(), Missing::User).await?;
        let payments: Vec<Payment> = all_from_js(
            PAYMENTS,
            tx.store(PAYMENTS)?
                .index("user_id")?
                .get_all(Some(only(&id)?), None)
                .await?,
        )?;
        let messages: Vec<Message> = all_from_js(
            MESSAGES,
            tx.store(MESSAGES)?
                .index("user_id")?
                .get_all(Some(only(&id)?), None)
                .await?,
        )?;
        ledger::check_invariant(
            user.num_token,
            payments.iter().map(|p| p.charged_token),
            messages.iter().map(|m| m.total),
        )?;
        Ok(user.num_token)
    }
    .await;
    commit_or_abort(tx, result).await
}
