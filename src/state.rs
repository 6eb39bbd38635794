//! App state in narrow contexts, each named for what it owns: the database handle
//! ([`store`]), the notice line ([`notices`]), the language and theme ([`prefs`]), the
//! provider settings and PIN ([`config`]), the window over the thread on screen
//! ([`window`]), the thread list and the thread on screen ([`threads`]), the signed-in user
//! and everyone else ([`account`]), the turn in flight ([`sending`]) and the top-up form
//! ([`top_up`]). Components take only the contexts they use; everything that touches
//! storage goes through here.

pub mod account;
pub mod chat;
pub mod clock;
pub mod commands;
pub mod config;
pub mod connection;
pub mod contexts;
pub mod data;
pub mod data_client;
#[cfg(feature = "e2e-hooks")]
pub mod e2e_hooks;
pub mod error;
pub mod latest;
pub mod models;
pub mod network;
pub mod notices;
pub mod prefs;
pub mod reading;
pub mod render;
pub mod search;
pub mod sending;
pub mod store;
pub mod sync;
pub mod tabs;
pub mod text;
pub mod threads;
pub mod top_up;
pub mod update;
pub mod versions;
pub mod window;

use leptos::html::Main;
use leptos::prelude::*;
use leptos::task::spawn_local;

use self::clock::now;
use self::contexts::Contexts;
pub use self::contexts::{
    use_account, use_config, use_notices, use_prefs, use_search, use_sending, use_store, use_sync,
    use_thread_window, use_threads, use_top_up, use_update,
};
use self::error::StateError;
use crate::storage::{request_persistence, settings, Database, StorageError};

/// Creates every context and provides it, then starts opening the database and loading
/// the user. `scroller` is the element the thread scrolls in, from the view.
pub fn provide_app(scroller: NodeRef<Main>) {
    let Contexts {
        store,
        notices,
        prefs,
        config,
        window,
        threads,
        account,
        update,
        search,
        sync,
        ..
    } = contexts::provide_contexts(scroller);
    update.follow();
    spawn_local(async move {
        let db = match tabs::open_database(notices).await {
            Ok(db) => db,
            Err(e) => {
                store.opened(Err(e.clone()));
                update.register();
                return notices.fail(e);
            }
        };
        // First: data an earlier version wrote is brought up to date, before any read.
        let index_pending = match upgrade(&db).await {
            Ok(pending) => {
                store.opened(Ok(db));
                pending
            }
            Err(e) => {
                store.opened(Err(StorageError::NotUpgraded));
                // Said in the user's language: the settings are read as they are.
                if let Ok(stored) = settings::all(&db).await {
                    prefs.load(&stored);
                }
                update.register();
                return notices.fail(match e {
                    StateError::WorkerUnavailable => StorageError::NotUpgraded.into(),
                    other => other,
                });
            }
        };
        // Reads overlap from here: the linked thread's page comes in meanwhile.
        if let Some(id) = threads::linked_id() {
            window.prefetch(id);
        }
        // Every setting in one read: the first paint waits on each round trip. The
        // language comes before the user loads, so a first user gets their name in it.
        if let Some(db) = store.db() {
            match settings::all(&db).await {
                Ok(stored) => {
                    prefs.load(&stored);
                    config.load(&stored);
                    sync.load(&stored);
                }
                Err(e) => notices.fail(e),
            }
        }
        // A thread link names its user: make them current before loading.
        threads::from_link(store, true, account.user_id().as_deref()).await;
        if let Err(e) = account.load().await {
            notices.fail(e);
        }
        // What was stored before the index existed is indexed in the background.
        if index_pending {
            search.build_index();
        }
        // Start-up is over: a page read early must not stand in for a later read, and the
        // service worker may download the build for offline use.
        window.end_prefetch();
        update.register();
        account.follow_other_tabs();
        sync.follow(account, threads);
        threads.follow_hash_changes(move || account.load_in_background());
        // Best effort: without it the browser may evict data under pressure.
        request_persistence().await;
    });
}

/// Brings data an earlier version wrote up to date, before anything reads it: in the data
/// worker, which carries the rewrites (old data is met once a browser; the first load need
/// not carry them). Returns whether the search index is still to be built.
async fn upgrade(db: &Database) -> Result<bool, StateError> {
    if let Some(pending) = settings::is_current(db, now()).await? {
        return Ok(pending);
    }
    data_client::ask(data_client::request("upgrade", &[])).await?;
    // Data from before schema 5 always has an index to build.
    Ok(true)
}
