//! Every context of the app, created in the order they depend on each other and provided
//! together; each `use_…` function hands a component the one it asks for, and nothing else.
//!
//! Provided as one value: each context type looked up on its own costs the download about
//! 0.8 KB (the lookup is generic over the type), for no gain in what a component can reach.
//!
//! Each context is created once for the life of the page and handed out as a `&'static`
//! reference, also where one context holds another (the account holds the threads and the
//! window): a closure that captures one copies a word, not the hundreds of bytes of signal
//! handles nested inside, which saved the download about 3.5 KB.

use leptos::html::Main;
use leptos::prelude::*;

use super::account::{Account, AccountDeps};
use super::config::Config;
use super::notices::Notices;
use super::prefs::Prefs;
use super::search::Search;
use super::sending::Sending;
use super::store::Store;
use super::sync::Syncer;
use super::threads::Threads;
use super::top_up::TopUp;
use super::update::Update;
use super::window::ThreadWindow;

/// Every context, each kept for the life of the page. `Copy`.
#[derive(Clone, Copy)]
pub struct Contexts {
    /// The database handle, and why it could not be opened.
    pub store: &'static Store,
    /// The notice line.
    pub notices: &'static Notices,
    /// The language and theme.
    pub prefs: &'static Prefs,
    /// The provider settings, the first visit and the PIN.
    pub config: &'static Config,
    /// The window over the thread on screen.
    pub window: &'static ThreadWindow,
    /// The thread list and the thread on screen.
    pub threads: &'static Threads,
    /// The signed-in user and everyone else.
    pub account: &'static Account,
    /// The input box and the turn in flight.
    pub sending: &'static Sending,
    /// The top-up form.
    pub top_up: &'static TopUp,
    /// The service worker, and a new version waiting.
    pub update: &'static Update,
    /// The search box, its results, the index being built.
    pub search: &'static Search,
    /// Sync between devices: each user's settings, the last sync's line.
    pub sync: &'static Syncer,
}

/// Creates every context (nothing loaded yet) and provides them. `scroller` is the element
/// the thread scrolls in, from the view.
pub fn provide_contexts(scroller: NodeRef<Main>) -> Contexts {
    let store = leak(Store::new());
    let notices = leak(Notices::new());
    let prefs = leak(Prefs::new(store, notices));
    let config = leak(Config::new(store));
    let window = leak(ThreadWindow::new(*store, *notices, scroller));
    let threads = leak(Threads::new(store, notices, window));
    let account = leak(Account::new(AccountDeps {
        store,
        notices,
        lang: prefs.lang(),
        threads,
        window,
    }));
    let sending = leak(Sending::new());
    let contexts = Contexts {
        store,
        notices,
        prefs,
        config,
        window,
        threads,
        account,
        sending,
        top_up: leak(TopUp::new(store, account, config)),
        update: leak(Update::new()),
        search: leak(Search::new(notices, threads)),
        sync: leak(Syncer::new(store, sending)),
    };
    provide_context(contexts);
    contexts
}

/// Keeps `context` for the life of the page, so the handles that hold it stay one word.
fn leak<T>(context: T) -> &'static T {
    Box::leak(Box::new(context))
}

fn contexts() -> Contexts {
    expect_context::<Contexts>()
}

/// The search box provided by [`provide_contexts`].
pub fn use_search() -> &'static Search {
    contexts().search
}

/// Sync between devices provided by [`provide_contexts`].
pub fn use_sync() -> &'static Syncer {
    contexts().sync
}

/// The database handle provided by [`provide_contexts`].
pub fn use_store() -> &'static Store {
    contexts().store
}

/// The notice line provided by [`provide_contexts`].
pub fn use_notices() -> &'static Notices {
    contexts().notices
}

/// The language and theme provided by [`provide_contexts`].
pub fn use_prefs() -> &'static Prefs {
    contexts().prefs
}

/// The provider settings provided by [`provide_contexts`].
pub fn use_config() -> &'static Config {
    contexts().config
}

/// The window over the thread provided by [`provide_contexts`].
pub fn use_thread_window() -> &'static ThreadWindow {
    contexts().window
}

/// The threads provided by [`provide_contexts`].
pub fn use_threads() -> &'static Threads {
    contexts().threads
}

/// The account provided by [`provide_contexts`].
pub fn use_account() -> &'static Account {
    contexts().account
}

/// The turn in flight provided by [`provide_contexts`].
pub fn use_sending() -> &'static Sending {
    contexts().sending
}

/// The top-up form provided by [`provide_contexts`].
pub fn use_top_up() -> &'static TopUp {
    contexts().top_up
}

/// The service worker's state provided by [`provide_contexts`].
pub fn use_update() -> &'static Update {
    contexts().update
}

/// What a chat turn reads and writes. `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub store: &'static Store,
    pub notices: &'static Notices,
    /// The signed-in user, whose balance the turn debits.
    pub account: &'static Account,
    /// The provider settings the request is made with.
    pub config: &'static Config,
    /// The thread list, a new thread, and where the context began.
    pub threads: &'static Threads,
    /// The window over the thread on screen, moved to the newest exchange.
    pub window: &'static ThreadWindow,
    /// The input box, the pending exchange and the request Stop aborts.
    pub sending: &'static Sending,
}

/// The contexts a chat turn uses, from the component that sends.
pub fn use_chat() -> Chat {
    let c = contexts();
    Chat {
        store: c.store,
        notices: c.notices,
        account: c.account,
        config: c.config,
        threads: c.threads,
        window: c.window,
        sending: c.sending,
    }
}
