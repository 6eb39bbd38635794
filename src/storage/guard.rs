//! Living with other tabs at other schema versions, which rexie does not expose: a raw
//! IndexedDB open before rexie's sees whether an older tab blocks the upgrade (and says so
//! while it waits), and a raw connection kept beside rexie's closes both when a newer
//! version opens elsewhere, so this tab never blocks that one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use rexie::Rexie;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, IdbDatabase, IdbFactory, IdbOpenDbRequest};

use super::error::StorageError;

/// What a probe open found.
pub enum Probe {
    /// The database is at `version` already: this connection can watch for newer ones.
    Open(IdbDatabase),
    /// The database needs creating or upgrading; the probe's upgrade was cancelled so that
    /// rexie runs the real one.
    UpgradeNeeded,
}

/// Opens `name` at `version` with the browser's own API. `on_blocked` runs when another
/// tab's connection keeps the upgrade waiting; the open then goes on by itself once that
/// connection closes.
pub async fn probe(
    factory: &IdbFactory,
    name: &str,
    version: u32,
    on_blocked: Rc<dyn Fn()>,
) -> Result<Probe, StorageError> {
    let request: IdbOpenDbRequest = factory
        .open_with_u32(name, version)
        .map_err(|_| StorageError::Unavailable)?;
    let upgrading = Rc::new(Cell::new(false));
    // The handlers live until the request settles, then are taken off it.
    let mut handlers: Vec<Closure<dyn FnMut(Event)>> = Vec::new();
    let settled = js_sys::Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| {
                let db = request.result().unwrap_or(JsValue::NULL);
                let _ = resolve.call1(&JsValue::NULL, &db);
            })
        };
        let on_error = {
            let request = request.clone();
            let upgrading = upgrading.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| {
                let why = if upgrading.get() {
                    JsValue::from_str("upgrade")
                } else {
                    request
                        .error()
                        .ok()
                        .flatten()
                        .map(|e| JsValue::from(e.name()))
                        .unwrap_or(JsValue::NULL)
                };
                let _ = reject.call1(&JsValue::NULL, &why);
            })
        };
        let on_upgrade = {
            let request = request.clone();
            let upgrading = upgrading.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| {
                upgrading.set(true);
                if let Some(tx) = request.transaction() {
                    let _ = tx.abort();
                }
            })
        };
        let blocked = on_blocked.clone();
        let on_blocked = Closure::<dyn FnMut(Event)>::new(move |_| blocked());
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));
        handlers.extend([on_success, on_error, on_upgrade, on_blocked]);
    });
    let result = JsFuture::from(settled).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    request.set_onupgradeneeded(None);
    request.set_onblocked(None);
    drop(handlers);
    match result {
        Ok(db) => db
            .dyn_into::<IdbDatabase>()
            .map(Probe::Open)
            .map_err(|_| StorageError::Unavailable),
        Err(_) if upgrading.get() => Ok(Probe::UpgradeNeeded),
        // The database is newer than this page: a newer pocket-chat opened it in another tab.
        Err(why) if why.as_string().as_deref() == Some("VersionError") => Err(StorageError::Closed),
        Err(why) => Err(StorageError::Backend(
            why.as_string()
                .unwrap_or_else(|| "the database did not open".into()),
        )),
    }
}

/// The rexie connection, shared with the watch that closes it.
pub type Shared = Rc<RefCell<Option<Rexie>>>;

/// A raw connection that listens for `versionchange` (another tab opening a newer version,
/// or deleting the database) and then closes itself and the rexie connection.
pub struct VersionWatch {
    db: IdbDatabase,
    _handler: Closure<dyn FnMut(Event)>,
}

impl VersionWatch {
    /// The raw connection, for what rexie cannot ask (see `search::newest_ids`).
    pub fn db(&self) -> &IdbDatabase {
        &self.db
    }

    /// Watches with `db`; on a version change closes it and `rexie`, then runs `on_closed`.
    pub fn new(db: IdbDatabase, rexie: Shared, on_closed: Rc<dyn Fn()>) -> VersionWatch {
        let watcher = db.clone();
        let handler = Closure::<dyn FnMut(Event)>::new(move |_| {
            watcher.close();
            if let Some(r) = rexie.borrow_mut().take() {
                r.close();
            }
            on_closed();
        });
        db.set_onversionchange(Some(handler.as_ref().unchecked_ref()));
        VersionWatch {
            db,
            _handler: handler,
        }
    }
}

impl Drop for VersionWatch {
    fn drop(&mut self) {
        self.db.set_onversionchange(None);
        self.db.close();
    }
}
