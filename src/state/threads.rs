//! The current user's threads: the list, opening one (also from a `#/thread/N` link, which
//! works on any static host because the part after `#` never reaches the server), a new
//! thread, and deleting one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::records::Thread;
use wasm_bindgen::prelude::*;

use super::{now, reload_thread, AppState};
use crate::storage::settings::CURRENT_USER;
use crate::storage::{settings, threads};

/// The link of a thread, relative to the page: works from a subpath too.
pub fn link(thread_id: u64) -> String {
    format!("#/thread/{thread_id}")
}

/// The thread a `#/thread/N` hash names.
pub fn parse_link(hash: &str) -> Option<u64> {
    hash.strip_prefix("#/thread/")?.parse().ok()
}

/// Reads the current user's threads again.
pub async fn reload_threads(state: AppState) {
    let (Some(db), Some(user_id)) = (state.db(), state.user_id()) else {
        return;
    };
    match threads::for_user(&db, &user_id).await {
        Ok(list) => state.threads.set(list),
        Err(e) => state.fail(e),
    }
}

/// Shows thread `thread_id` and puts its link in the address bar.
pub fn open(state: AppState, thread_id: u64) {
    set_hash(&link(thread_id));
    show(state, Some(thread_id));
}

/// Starts a new thread: the next message begins a fresh context.
pub fn start_new(state: AppState) {
    set_hash("#/");
    show(state, None);
}

fn show(state: AppState, thread_id: Option<u64>) {
    // Already shown (the hash change that follows our own link change lands here too).
    if state.thread.get_untracked() == thread_id {
        return;
    }
    state.thread.set(thread_id);
    state.first_in_context.set(None);
    state.thread_notes.set(Vec::new());
    spawn_local(reload_thread(state));
}

/// Deletes a thread (its debits stay in the ledger); a new thread opens if it was shown.
pub fn delete(state: AppState, thread_id: u64) {
    spawn_local(async move {
        let Some(db) = state.db() else { return };
        if let Err(e) = threads::delete(&db, thread_id, now()).await {
            return state.fail(e);
        }
        if state.thread.get_untracked() == Some(thread_id) {
            start_new(state);
        }
        reload_threads(state).await;
    });
}

/// The thread the page's address links to, if it names one (not checked against storage).
pub fn linked_id() -> Option<u64> {
    parse_link(&web_sys::window()?.location().hash().ok()?)
}

/// The thread a link names, if it exists and is not deleted. With `adopt_user`, its user
/// becomes the current user, so a link opens the right person's thread on a shared browser.
pub async fn from_link(state: AppState, adopt_user: bool) -> Option<Thread> {
    let id = linked_id()?;
    let db = state.db()?;
    let thread = threads::get(&db, id).await.ok().flatten()?;
    if thread.deleted_at.is_some() {
        return None;
    }
    if adopt_user && state.user_id().as_deref() != Some(thread.user_id.as_str()) {
        settings::put(&db, CURRENT_USER, thread.user_id.clone().into())
            .await
            .ok()?;
    }
    Some(thread)
}

/// Follows the back and forward buttons between thread links.
pub fn follow_hash_changes(state: AppState) {
    let on_change = Closure::<dyn FnMut()>::new(move || {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        match parse_link(&hash) {
            Some(id)
                if state
                    .threads
                    .with_untracked(|ts| ts.iter().any(|t| t.thread_id == Some(id))) =>
            {
                show(state, Some(id))
            }
            Some(_) => state.reload_user(),
            None if hash.is_empty() || hash == "#/" => show(state, None),
            None => {}
        }
    });
    if let Some(window) = web_sys::window() {
        window.set_onhashchange(Some(on_change.as_ref().unchecked_ref()));
    }
    // The handler lives as long as the page.
    on_change.forget();
}

fn set_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        let current = window.location().hash().unwrap_or_default();
        if current != hash && !(hash == "#/" && current.is_empty()) {
            let _ = window.location().set_hash(hash);
        }
    }
}
