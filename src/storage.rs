//! IndexedDB through rexie: opening the `pocket-chat` database, and this layer's errors.
//!
//! One repository per store lives under `storage/`; the schema (every store and index,
//! and the version) is listed in one place, `storage/schema.rs`, because rexie drops any
//! store not named when the database is opened.

pub mod schema;
pub mod users;

use rexie::{Rexie, TransactionMode};
use thiserror::Error;
use wasm_bindgen::JsValue;

/// What went wrong in storage, as a sentence the user can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StorageError {
    /// IndexedDB is missing or refused (some private windows).
    #[error(
        "This browser does not let pocket-chat store data (IndexedDB is unavailable, as in \
         some private windows). Open pocket-chat in a normal window to keep your chats."
    )]
    Unavailable,
    /// The browser's storage quota is full.
    #[error(
        "The browser's storage for pocket-chat is full. Export and delete old threads, or \
         free disk space, then try again. Nothing was changed."
    )]
    QuotaExceeded,
    /// A stored record could not be read back as the type it should be.
    #[error(
        "A stored {store} record could not be read ({detail}). Export your data and report this."
    )]
    Corrupt { store: &'static str, detail: String },
    /// Any other IndexedDB failure; the transaction was rolled back.
    #[error("Saving or reading your data failed ({0}). Nothing was changed; try again.")]
    Backend(String),
}

impl From<rexie::Error> for StorageError {
    fn from(err: rexie::Error) -> Self {
        let detail = format!("{err:?}");
        if detail.contains("QuotaExceededError") {
            StorageError::QuotaExceeded
        } else {
            StorageError::Backend(detail)
        }
    }
}

/// The opened database.
pub struct Database {
    rexie: Rexie,
}

impl Database {
    /// Opens (creating or upgrading) the database called `name`; the app uses
    /// [`schema::DB_NAME`], tests use a name of their own.
    pub async fn open(name: &str) -> Result<Database, StorageError> {
        let has_indexed_db = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .is_some();
        if !has_indexed_db {
            return Err(StorageError::Unavailable);
        }
        let rexie = schema::builder(name).build().await?;
        Ok(Database { rexie })
    }

    /// The schema version of the opened database.
    pub fn version(&self) -> Result<u32, StorageError> {
        Ok(self.rexie.version()?)
    }

    /// The names of the object stores, sorted.
    pub fn store_names(&self) -> Vec<String> {
        let mut names = self.rexie.store_names();
        names.sort();
        names
    }

    /// Closes the connection so another version can open (and tests can delete it).
    pub fn close(self) {
        self.rexie.close();
    }

    /// Deletes the database called `name` with everything in it.
    pub async fn delete(name: &str) -> Result<(), StorageError> {
        Ok(Rexie::delete(name).await?)
    }

    pub(crate) fn transaction(
        &self,
        stores: &[&str],
        mode: TransactionMode,
    ) -> Result<rexie::Transaction, StorageError> {
        Ok(self.rexie.transaction(stores, mode)?)
    }
}

/// Converts a record to the JavaScript object stored in IndexedDB.
pub(crate) fn to_js<T: serde::Serialize>(
    store: &'static str,
    value: &T,
) -> Result<JsValue, StorageError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| StorageError::Corrupt {
            store,
            detail: e.to_string(),
        })
}

/// Reads a stored JavaScript object back as a record.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(
    store: &'static str,
    value: JsValue,
) -> Result<T, StorageError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| StorageError::Corrupt {
        store,
        detail: e.to_string(),
    })
}
