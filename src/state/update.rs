//! A new version of the app, from the page side of the service worker
//! (`scripts/page.js`, in release builds): whether one is waiting, reloading into
//! it when the user agrees, the draft that reload kept, and a version the worker refused
//! to install because the site sent a wrong file.

use js_sys::Function;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::js::field;

/// Whether a new version is installed and waiting. `Copy`.
#[derive(Clone, Copy)]
pub struct Update {
    /// True once a newer build waits to take over, until the user says "Later".
    ready: RwSignal<bool>,
    /// The site's path of the file a new version's install found wrong, and whether a
    /// version installed before stays (`None`: nothing refused).
    refused: RwSignal<Option<(String, bool)>>,
}

impl Update {
    pub(super) fn new() -> Update {
        Update {
            ready: RwSignal::new(false),
            refused: RwSignal::new(None),
        }
    }

    /// Registers the service worker: called once start-up is over, since its install
    /// downloads the whole build.
    pub(super) fn register(&self) {
        call(&page_script(), "register", &JsValue::UNDEFINED);
    }

    /// Follows the page script's word that a new version is waiting, or was refused
    /// (said before the app started, or later).
    pub(super) fn follow(&'static self) {
        if field(&page_script(), "ready").is_truthy() {
            self.ready.set(true);
        }
        let refused = move || {
            let said = field(&page_script(), "refused");
            if let Some(file) = field(&said, "file").as_string() {
                self.refused
                    .set(Some((file, field(&said, "kept").is_truthy())));
            }
        };
        refused();
        let heard =
            window_event_listener_untyped("pocket-chat-update", move |_| self.ready.set(true));
        let heard_refused =
            window_event_listener_untyped("pocket-chat-refused", move |_| refused());
        // The listeners live as long as the page.
        std::mem::forget((heard, heard_refused));
    }

    /// Whether a newer build waits to take over and the user has not put it off (tracked).
    pub fn ready(&self) -> bool {
        self.ready.get()
    }

    /// Puts the waiting version off ("Later"): the line goes until the next one is said.
    pub fn later(&self) {
        self.ready.set(false);
    }

    /// The file a new version's install found wrong, and whether the version before stays
    /// (tracked; `None`: nothing refused).
    pub fn refused(&self) -> Option<(String, bool)> {
        self.refused.get()
    }

    /// Puts the refused version's line away: the same refusal is not said again here.
    pub fn dismiss(&self) {
        if let Some((file, _)) = self.refused.get_untracked() {
            call(&page_script(), "dismiss", &JsValue::from_str(&file));
        }
        self.refused.set(None);
    }

    /// Reloads into the waiting version, keeping `draft` for the reloaded page.
    pub fn accept(&self, draft: &str) {
        call(&page_script(), "accept", &JsValue::from_str(draft));
    }
}

/// The draft an update's reload kept, taken once (the next reload starts empty).
pub fn saved_draft() -> Option<String> {
    call(&page_script(), "takeDraft", &JsValue::UNDEFINED).as_string()
}

/// `window.pocketChatUpdate` (`undefined` in a debug build, which has no page script).
fn page_script() -> JsValue {
    field(&js_sys::global(), "pocketChatUpdate")
}

/// `target[name](arg)`, `undefined` when there is no such function or it throws.
fn call(target: &JsValue, name: &str, arg: &JsValue) -> JsValue {
    field(target, name)
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call1(target, arg).ok())
        .unwrap_or(JsValue::UNDEFINED)
}
