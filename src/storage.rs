//! IndexedDB through rexie: opening the `pocket-chat` database, and this layer's errors.
//!
//! One repository per store lives under `storage/`; the schema (every store and index,
//! and the version) is listed in one place, `storage/schema.rs`, because rexie drops any
//! store not named when the database is opened.

pub mod audit;
pub mod broadcast;
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

use pocket_chat_core::export::store_ja;
use pocket_chat_core::i18n::{Key, Lang, Localize};
use pocket_chat_core::records::Missing;
use rexie::{KeyRange, Rexie, TransactionMode, TransactionResult};
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
    /// A record the operation needs is not there (deleted in another tab, say).
    #[error("{0} Reload the page to see the current data.")]
    NotFound(Missing),
    /// The ledger refused (a top-up of a nonsense amount, say).
    #[error(transparent)]
    Ledger(#[from] pocket_chat_core::ledger::LedgerError),
    /// The stored balance does not match the ledger history.
    #[error(transparent)]
    Invariant(#[from] pocket_chat_core::ledger::InvariantViolation),
    /// An amount paid that is negative or not a number.
    #[error("The amount paid must be zero or a positive number.")]
    InvalidAmount,
    /// Another tab opened a newer version of the database, so this tab let go of it.
    #[error(
        "pocket-chat was updated in another tab. Reload this page to keep working; nothing \
         you saved is lost."
    )]
    Closed,
    /// Data an earlier version stored could not be brought up to date (the data worker,
    /// which does it, did not load or failed), so this tab stores nothing.
    #[error(
        "pocket-chat could not update the data an earlier version kept in this browser, so \
         it saves nothing for now. Check the connection and reload the page; nothing is lost."
    )]
    NotUpgraded,
    /// Any other IndexedDB failure; the transaction was rolled back.
    #[error("Saving or reading your data failed ({0}). Nothing was changed; try again.")]
    Backend(String),
}

impl Localize for StorageError {
    fn localize(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            StorageError::Ledger(e) => e.localize(lang),
            StorageError::Invariant(e) => e.localize(lang),
            StorageError::Closed => Key::UpdatedElsewhere.localize(lang),
            StorageError::NotUpgraded => Key::NotUpgraded.localize(lang),
            StorageError::Unavailable => {
                "このブラウザーでは pocket-chat がデータを保存できません（一部のプライベートウィンドウのように、IndexedDB が使えません）。チャットを残すには、通常のウィンドウで pocket-chat を開いてください。"
                    .to_owned()
            }
            StorageError::QuotaExceeded => {
                "ブラウザーの pocket-chat 用の保存領域がいっぱいです。古いスレッドをエクスポートして削除するか、ディスクの空きを増やしてから、もう一度試してください。何も変更していません。"
                    .to_owned()
            }
            StorageError::Corrupt { store, detail } => format!(
                "保存されている{}レコードを読めませんでした（{detail}）。データをエクスポートして、この問題を報告してください。",
                store_ja(store)
            ),
            StorageError::NotFound(what) => format!(
                "{}ページを再読み込みして、最新のデータを表示してください。",
                what.localize(lang)
            ),
            StorageError::InvalidAmount => "支払った金額は 0 以上の数にしてください。".to_owned(),
            StorageError::Backend(detail) => format!(
                "データの保存または読み込みに失敗しました（{detail}）。何も変更していません。もう一度試してください。"
            ),
        }
    }
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
