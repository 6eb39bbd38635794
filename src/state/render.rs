//! Replies as HTML. The data worker renders a reply's Markdown once, when it first shows,
//! and the HTML is kept with its exchange: the page carries no Markdown renderer (45 KB of
//! the first load), and a thread opened again shows what is kept at once. A reply without
//! HTML yet (just finished, or stored before this) shows as plain text until it arrives.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use super::data_client::{ask, request};
use super::error::StateError;
use super::notices::Notices;
use super::store::Store;
use crate::storage::messages::{self, Rendered};

/// A reply on screen waiting for its HTML.
struct Wanted {
    message_id: String,
    completion: String,
    html: RwSignal<String>,
}

thread_local! {
    /// The replies drawn since the last request to the worker: asked for together.
    static WANTED: RefCell<Vec<Wanted>> = const { RefCell::new(Vec::new()) };
    /// Whether a request for them is on its way.
    static ASKING: Cell<bool> = const { Cell::new(false) };
    /// Whether the user was told the renderer could not start (once is enough).
    static TOLD: Cell<bool> = const { Cell::new(false) };
}

/// Asks for the HTML of reply `completion` of exchange `message_id`, which `html` gets
/// when it comes; it is then kept with the exchange. All replies drawn in one pass go in
/// one request.
pub fn want(
    store: &'static Store,
    notices: &'static Notices,
    message_id: &str,
    completion: &str,
    html: RwSignal<String>,
) {
    if completion.is_empty() {
        return;
    }
    WANTED.with(|w| {
        w.borrow_mut().push(Wanted {
            message_id: message_id.to_owned(),
            completion: completion.to_owned(),
            html,
        })
    });
    if !ASKING.replace(true) {
        spawn_local(ask_worker(store, notices));
    }
}

/// Sends the replies waiting to the worker, shows and keeps what it renders.
async fn ask_worker(store: &'static Store, notices: &'static Notices) {
    let wanted = WANTED.with(|w| std::mem::take(&mut *w.borrow_mut()));
    ASKING.set(false);
    let texts: js_sys::Array = wanted
        .iter()
        .map(|w| JsValue::from_str(&w.completion))
        .collect();
    let answer = match ask(request("render", &[("texts", texts.into())])).await {
        Ok(answer) => js_sys::Array::from(&answer),
        Err(_) => {
            // The replies stay readable as plain text; a later draw asks again.
            if !TOLD.replace(true) {
                notices.fail(StateError::RendererUnavailable);
            }
            return;
        }
    };
    let mut kept = Vec::with_capacity(wanted.len());
    for (w, html) in wanted.into_iter().zip(answer.iter()) {
        let Some(html) = html.as_string() else {
            continue;
        };
        // The reply may have scrolled away meanwhile: it is kept all the same.
        if !w.html.is_disposed() {
            w.html.set(html.clone());
        }
        kept.push(Rendered {
            message_id: w.message_id,
            completion: w.completion,
            html,
        });
    }
    // Not kept (a full disk, say): rendered again when it shows next time.
    if let Some(db) = store.db() {
        let _ = messages::set_html(&db, &kept).await;
    }
}
