//! IndexedDB through rexie: opening the `pocket-chat` database, and this layer's errors.
//!
//! One repository per store lives under `storage/`; the schema (every store and index,
//! and the version) is listed in one place, `storage/schema.rs`, because rexie drops any
//! store not named when the database is opened.

pub mod audit;
pub mod broadcast;
pub mod error;
pub mod guard;
pub mod messages;
pub mod payments;
pub mod schema;
pub mod search;
pub mod settings;
pub mod sync;
pub mod threads;
pub mod transfer;
pub mod upgrade;
pub mod users;
pub mod versions;

use std::cell::RefCell;
use std::rc::Rc;

use pocket_chat_core::records::Missing;
use rexie::{KeyRange, Rexie, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

pub use error::StorageError;

/// The opened database.
pub struct Database {
    /// `None` once another tab's newer version made this tab close it.
    rexie: guard::Shared,
    watch: Option<guard::VersionWatch>,
}

impl Database {
    /// Opens (creating or upgrading) the database called `name`; the app uses
    /// [`schema::DB_NAME`], tests use a name of their own.
    pub async fn open(name: &str) -> Result<Database, StorageError> {
        Database::open_watched(name, Rc::new(|| {}), Rc::new(|| {})).await
    }

    /// Opens `name` as [`Database::open`] does. `on_blocked` runs when an older tab keeps
    /// the upgrade waiting (the open goes on when that tab closes); `on_closed` runs when a
    /// newer version opens in another tab, after this connection closed to let it.
    pub async fn open_watched(
        name: &str,
        on_blocked: Rc<dyn Fn()>,
        on_closed: Rc<dyn Fn()>,
    ) -> Result<Database, StorageError> {
        // From the global scope: a page's window, or the data worker's scope.
        let factory: web_sys::IdbFactory =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))
                .ok()
                .and_then(|f| wasm_bindgen::JsCast::dyn_into(f).ok())
                .ok_or(StorageError::Unavailable)?;
        let probed = guard::probe(&factory, name, schema::VERSION, on_blocked.clone()).await?;
        let rexie = schema::builder(name).build().await?;
        let watcher = match probed {
            guard::Probe::Open(db) => db,
            // Upgraded by rexie just now: this open finds the current version at once.
            guard::Probe::UpgradeNeeded => {
                match guard::probe(&factory, name, schema::VERSION, on_blocked).await? {
                    guard::Probe::Open(db) => db,
                    guard::Probe::UpgradeNeeded => {
                        return Err(StorageError::Backend("the upgrade did not finish".into()))
                    }
                }
            }
        };
        let rexie = Rc::new(RefCell::new(Some(rexie)));
        let watch = guard::VersionWatch::new(watcher, rexie.clone(), on_closed);
        Ok(Database {
            rexie,
            watch: Some(watch),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Rexie) -> T) -> Result<T, StorageError> {
        self.rexie
            .borrow()
            .as_ref()
            .map(f)
            .ok_or(StorageError::Closed)
    }

    /// Whether the connection is open still: a newer version opening elsewhere closes it.
    pub fn is_open(&self) -> bool {
        self.rexie.borrow().is_some()
    }

    /// The browser's own connection kept beside rexie's, for what rexie cannot ask.
    pub(crate) fn raw(&self) -> Result<&web_sys::IdbDatabase, StorageError> {
        match &self.watch {
            Some(watch) if self.is_open() => Ok(watch.db()),
            _ => Err(StorageError::Closed),
        }
    }

    /// The schema version of the opened database.
    pub fn version(&self) -> Result<u32, StorageError> {
        Ok(self.with(|r| r.version())??)
    }

    /// The names of the object stores, sorted.
    pub fn store_names(&self) -> Vec<String> {
        let mut names = self.with(|r| r.store_names()).unwrap_or_default();
        names.sort();
        names
    }

    /// Closes the connection so another version can open (and tests can delete it).
    pub fn close(mut self) {
        self.watch.take();
        if let Some(r) = self.rexie.borrow_mut().take() {
            r.close();
        }
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
        Ok(self.with(|r| r.transaction(stores, mode))??)
    }
}

/// Commits `tx` when `result` is `Ok`, aborts it otherwise, so that a failure inside a
/// transaction leaves nothing half-written.
pub(crate) async fn commit_or_abort<T>(
    tx: rexie::Transaction,
    result: Result<T, StorageError>,
) -> Result<T, StorageError> {
    match result {
        Ok(value) => match tx.done().await? {
            TransactionResult::Committed => Ok(value),
            TransactionResult::Aborted => Err(StorageError::Backend(
                "the browser cancelled the transaction".into(),
            )),
        },
        Err(err) => {
            // Already aborted when a request failed; aborting again only errors.
            let _ = tx.abort().await;
            Err(err)
        }
    }
}

/// Waits for a read-only transaction to finish.
pub(crate) async fn finish(tx: rexie::Transaction) -> Result<(), StorageError> {
    commit_or_abort(tx, Ok(())).await
}

/// The key range of one exact key (a `user_id`, say) for index look-ups.
pub(crate) fn only(key: &JsValue) -> Result<KeyRange, StorageError> {
    Ok(KeyRange::only(key).map_err(rexie::Error::from)?)
}

/// The key range of every compound key `[first, *]` of an index on `[first, second]`.
pub(crate) fn starting_with(first: &str) -> Result<KeyRange, StorageError> {
    // `[first]` sorts before every `[first, x]`, and an array after every number and string.
    let lower = js_sys::Array::of1(&JsValue::from_str(first));
    let upper = js_sys::Array::of2(&JsValue::from_str(first), &js_sys::Array::new());
    Ok(KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?)
}

/// The record under `key` in `store` (of an open transaction, named `name`); when there is
/// none, [`StorageError::NotFound`] of `missing`.
pub(crate) async fn get_required<T: serde::de::DeserializeOwned>(
    store: &rexie::Store,
    name: &'static str,
    key: JsValue,
    missing: Missing,
) -> Result<T, StorageError> {
    match store.get(key).await? {
        Some(v) => from_js(name, v),
        None => Err(StorageError::NotFound(missing)),
    }
}

/// Reads every value of `values` as a record of `store`.
pub(crate) fn all_from_js<T: serde::de::DeserializeOwned>(
    store: &'static str,
    values: Vec<JsValue>,
) -> Result<Vec<T>, StorageError> {
    values.into_iter().map(|v| from_js(store, v)).collect()
}

/// Asks the browser to keep pocket-chat's data under storage pressure. Returns whether
/// it agreed; browsers may say no (Chromium decides by site engagement).
pub async fn request_persistence() -> bool {
    let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
        return false;
    };
    let Ok(promise) = storage.persist() else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
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
