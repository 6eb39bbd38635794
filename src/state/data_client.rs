//! The page's side of the data worker (`crate::data_worker`): starts it at the first
//! export or import, sends it requests and awaits their answers. Until then none of its
//! code is downloaded.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use super::error::StateError;
use crate::js::{field, set};

/// The worker's loader, next to the page: the post-build hook (scripts/offline.mjs) names
/// it by its content and says the name in index.html's `pocket-chat-data-worker` meta tag,
/// so a tab keeps loading its own build's worker after a newer build is deployed.
fn loader() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("meta[name=pocket-chat-data-worker]")
        .ok()
        .flatten()?
        .get_attribute("content")
}

/// A started worker and the requests waiting for its answers.
struct Link {
    worker: Worker,
    /// Resolves once the worker said it is ready.
    ready: Promise,
    /// Each waiting request's `(resolve, reject)`, by id.
    waiting: Rc<RefCell<HashMap<u32, (Function, Function)>>>,
    next_id: RefCell<u32>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

thread_local! {
    static LINK: RefCell<Option<Rc<Link>>> = const { RefCell::new(None) };
}

/// Sends `request` (its `op` and fields) to the worker and returns its `ok`; its error, or
/// a worker that could not start, as a [`StateError`].
pub async fn ask(request: js_sys::Object) -> Result<JsValue, StateError> {
    let link = link()?;
    JsFuture::from(link.ready.clone())
        .await
        .map_err(|_| forget_link())?;
    let id = {
        let mut next = link.next_id.borrow_mut();
        *next += 1;
        *next
    };
    let waiting = link.waiting.clone();
    let answer = Promise::new(&mut |resolve, reject| {
        waiting.borrow_mut().insert(id, (resolve, reject));
    });
    set(&request, "id", &f64::from(id).into());
    if link.worker.post_message(&request).is_err() {
        link.waiting.borrow_mut().remove(&id);
        return Err(forget_link());
    }
    let reply = JsFuture::from(answer).await.map_err(|_| forget_link())?;
    let error = field(&reply, "error");
    if error.is_object() {
        let said = |lang: &str| field(&error, lang).as_string().unwrap_or_default();
        return Err(StateError::Worker {
            en: said("en"),
            ja: said("ja"),
        });
    }
    Ok(field(&reply, "ok"))
}

/// The worker, started now if it is not yet.
fn link() -> Result<Rc<Link>, StateError> {
    if let Some(link) = LINK.with(|l| l.borrow().clone()) {
        return Ok(link);
    }
    let loader = loader().ok_or(StateError::WorkerUnavailable)?;
    let worker = Worker::new(&loader).map_err(|_| StateError::WorkerUnavailable)?;
    let waiting: Rc<RefCell<HashMap<u32, (Function, Function)>>> = Rc::default();
    let mut ready_fns: Option<(Function, Function)> = None;
    let ready = Promise::new(&mut |resolve, reject| ready_fns = Some((resolve, reject)));
    let Some((ready_ok, ready_fail)) = ready_fns else {
        return Err(StateError::WorkerUnavailable);
    };
    let answers = waiting.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        if data.as_string().as_deref() == Some("ready") {
            let _ = ready_ok.call0(&JsValue::NULL);
            return;
        }
        let id = field(&data, "id").as_f64().unwrap_or(-1.0) as u32;
        if let Some((resolve, _)) = answers.borrow_mut().remove(&id) {
            let _ = resolve.call1(&JsValue::NULL, &data);
        }
    });
    // A worker that fails to load or dies: every waiting request fails, and the next one
    // starts a new worker.
    let failed = waiting.clone();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let _ = ready_fail.call1(&JsValue::NULL, &e);
        for (_, (_, reject)) in failed.borrow_mut().drain() {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let link = Rc::new(Link {
        worker,
        ready,
        waiting,
        next_id: RefCell::new(0),
        _on_message: on_message,
        _on_error: on_error,
    });
    LINK.with(|l| *l.borrow_mut() = Some(link.clone()));
    Ok(link)
}

/// Drops a worker that failed, so the next request starts a new one.
fn forget_link() -> StateError {
    if let Some(link) = LINK.with(|l| l.borrow_mut().take()) {
        link.worker.terminate();
    }
    StateError::WorkerUnavailable
}

/// A request for the worker: `op` and its fields.
pub fn request(op: &str, fields: &[(&str, JsValue)]) -> js_sys::Object {
    let request = js_sys::Object::new();
    set(&request, "op", &op.into());
    for (name, value) in fields {
        set(&request, name, value);
    }
    request
}
