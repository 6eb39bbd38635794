//! The `users` store: one record per person using this browser, created with the sign-up
//! bonus and deleted with everything that belongs to them.

use pocket_chat_core::ledger::SIGNUP_BONUS;
use pocket_chat_core::params::ModelParams;
use pocket_chat_core::persona::Persona;
use pocket_chat_core::records::{Millis, Missing, Payment, User};
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{BRANCHES, MESSAGES, META, PAYMENTS, SEARCH, THREADS, USERS};
use super::search;
use super::{
    all_from_js, commit_or_abort, finish, from_js, get_required, only, starting_with, to_js,
    Database, StorageError,
};

/// What a new user starts with.
pub struct NewUser<'a> {
    pub user_id: &'a str,
    pub display_name: &'a str,
    /// The user's two models; the first is in use.
    pub models: [String; 2],
    /// The id of the sign-up bonus payment.
    pub bonus_id: String,
}

/// Creates a user with the 100-token sign-up bonus, recorded as a payment of amount 0,
/// in one transaction.
pub async fn create(db: &Database, new: NewUser<'_>, now: Millis) -> Result<User, StorageError> {
    let user = User {
        user_id: new.user_id.to_owned(),
        display_name: new.display_name.to_owned(),
        num_token: SIGNUP_BONUS,
        is_charged_once: false,
        model: new.models[0].clone(),
        models: new.models,
        created_at: now,
        updated_at: now,
        params: Default::default(),
        personas: Vec::new(),
        default_persona: None,
        edited_at: 0,
    };
    let bonus = Payment {
        payment_id: new.bonus_id,
        user_id: user.user_id.clone(),
        amount: 0.0,
        charged_token: SIGNUP_BONUS,
        created_at: now,
        bonus: true,
    };
    let tx = db.transaction(&[USERS, PAYMENTS], TransactionMode::ReadWrite)?;
    let result = async {
        // `add`, not `put`: creating must never overwrite an existing user.
        tx.store(USERS)?.add(&to_js(USERS, &user)?, None).await?;
        tx.store(PAYMENTS)?
            .add(&to_js(PAYMENTS, &bonus)?, None)
            .await?;
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await?;
    announce(&Change::All);
    Ok(user)
}

/// Writes `user`, replacing a stored user with the same `user_id`.
pub async fn put(db: &Database, user: &User) -> Result<(), StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(USERS)?.put(&to_js(USERS, user)?, None).await?;
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await
}

/// The user with `user_id`, if there is one.
pub async fn get(db: &Database, user_id: &str) -> Result<Option<User>, StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadOnly)?;
    let value = tx.store(USERS)?.get(JsValue::from_str(user_id)).await?;
    finish(tx).await?;
    value.map(|v| from_js(USERS, v)).transpose()
}

/// Every user, ordered by `user_id`.
pub async fn all(db: &Database) -> Result<Vec<User>, StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadOnly)?;
    let values = tx.store(USERS)?.get_all(None, None).await?;
    finish(tx).await?;
    all_from_js(USERS, values)
}

/// Changes a user's display name.
pub async fn rename(
    db: &Database,
    user_id: &str,
    name: &str,
    now: Millis,
) -> Result<User, StorageError> {
    update(db, user_id, now, |user| user.display_name = name.to_owned()).await
}

/// Makes `model` the user's model in use.
pub async fn set_model(
    db: &Database,
    user_id: &str,
    model: &str,
    now: Millis,
) -> Result<User, StorageError> {
    update(db, user_id, now, |user| user.model = model.to_owned()).await
}

/// Sets the user's two models and, when given, their parameters (a model with none set
/// has no entry); the model in use follows when it is no longer one of them.
pub async fn set_models(
    db: &Database,
    user_id: &str,
    models: [String; 2],
    params: Option<[ModelParams; 2]>,
    now: Millis,
) -> Result<User, StorageError> {
    update(db, user_id, now, |user| {
        if !models.contains(&user.model) {
            user.model = models[0].clone();
        }
        for (model, params) in models.iter().zip(params.into_iter().flatten()) {
            user.set_params(model, params);
        }
        user.models = models;
    })
    .await
}

/// Sets the user's personas and the default of a new thread (one of them, or none).
pub async fn set_personas(
    db: &Database,
    user_id: &str,
    personas: Vec<Persona>,
    default: Option<String>,
    now: Millis,
) -> Result<User, StorageError> {
    update(db, user_id, now, |user| {
        user.personas = personas;
        user.default_persona = default;
    })
    .await
}

/// Reads, changes and writes one user inside one transaction, so a change made in another
/// tab meanwhile (a debit, say) is never overwritten.
async fn update(
    db: &Database,
    user_id: &str,
    now: Millis,
    change: impl FnOnce(&mut User),
) -> Result<User, StorageError> {
    let tx = db.transaction(&[USERS], TransactionMode::ReadWrite)?;
    let result = async {
        let store = tx.store(USERS)?;
        let mut user: User =
            get_required(&store, USERS, JsValue::from_str(user_id), Missing::User).await?;
        change(&mut user);
        user.updated_at = now;
        user.edited_at = now;
        store.put(&to_js(USERS, &user)?, None).await?;
        Ok(user)
    }
    .await;
    let user = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: user.user_id.clone(),
    });
    Ok(user)
}

/// Deletes a user with all their threads, messages and payments, in one transaction.
pub async fn delete(db: &Database, user_id: &str) -> Result<(), StorageError> {
    let tx = db.transaction(
        &[USERS, PAYMENTS, THREADS, MESSAGES, BRANCHES, SEARCH, META],
        TransactionMode::ReadWrite,
    )?;
    let result = async {
        delete_rows(&tx, user_id).await?;
        // What this device knew of their sync: their records are gone from here.
        super::sync::forget(&tx, user_id).await
    }
    .await;
    commit_or_abort(tx, result).await?;
    announce(&Change::All);
    Ok(())
}

/// Deletes a user's record, payments, threads, branches, messages and their index inside
/// `tx`, which must span those six stores.
pub(crate) async fn delete_rows(
    tx: &rexie::Transaction,
    user_id: &str,
) -> Result<(), StorageError> {
    let id = JsValue::from_str(user_id);
    for store_name in [PAYMENTS, MESSAGES, BRANCHES] {
        let store = tx.store(store_name)?;
        let keys = store
            .index("user_id")?
            .get_all_keys(Some(only(&id)?), None)
            .await?;
        for key in keys {
            store.delete(key).await?;
        }
    }
    let threads = tx.store(THREADS)?;
    let keys = threads
        .index("user_thread")?
        .get_all_keys(Some(starting_with(user_id)?), None)
        .await?;
    for key in keys {
        threads.delete(key).await?;
    }
    search::forget_user(&tx.store(SEARCH)?, user_id).await?;
    tx.store(USERS)?.delete(id).await?;
    Ok(())
}
