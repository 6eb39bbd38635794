//! Every context of the app, created in the order they depend on each other and provided
//! together; each `use_…` function hands a component the one it asks for, and nothing else.
//!
//! Provided as one value: each context type looked up on its own costs the download about
//! 0.8 KB (the lookup is generic over the type), for no gain in what a component can reach.

use leptos::html::Main;
use leptos::prelude::*;

use super::config::Config;
use super::notices::Notices;
use super::people::{Account, AccountDeps};
use super::prefs::Prefs;
use super::sending::Sending;
use super::store::Store;
use super::threads::Threads;
use super::top_up::TopUp;
use super::window::ThreadWindow;

/// The handles of every context. `Copy`.
#[derive(Clone, Copy)]
pub struct Contexts {
    /// The database handle, and why it could not be opened.
    pub store: Store,
    /// The notice line.
    pub notices: Notices,
    /// The language and theme.
    pub prefs: Prefs,
    /// The provider settings, the first visit and the PIN.
    pub config: Config,
    /// The window over the thread on screen.
    pub window: ThreadWindow,
    /// The thread list and the thread on screen.
    pub threads: Threads,
    /// The signed-in user and everyone else.
    pub account: Account,
    /// The input box and the turn in flight.
    pub sending: Sending,
    /// The top-up form.
    pub top_up: TopUp,
}

/// Creates every context (nothing loaded yet) and provides them. `scroller` is the element
/// the thread scrolls in, from the view.
pub fn provide_contexts(scroller: NodeRef<Main>) -> Contexts {
    let store = Store::new();
    let notices = Notices::new();
    let prefs = Prefs::new(store, notices);
    let config = Config::new(store);
    let window = ThreadWindow::new(store, notices, scroller);
    let threads = Threads::new(store, notices, window);
    let account = Account::new(AccountDeps {
        store,
        notices,
        lang: prefs.lang,
        threads,
        window,
    });
    let contexts = Contexts {
        store,
        notices,
        prefs,
        config,
        window,
        threads,
        account,
        sending: Sending::new(),
        top_up: TopUp::new(store, account, config),
    };
    provide_context(contexts);
    contexts
}

fn contexts() -> Contexts {
    expect_context::<Contexts>()
}

/// The database handle provided by [`provide_contexts`].
pub fn use_store() -> Store {
    contexts().store
}

/// The notice line provided by [`provide_contexts`].
pub fn use_notices() -> Notices {
    contexts().notices
}

/// The language and theme provided by [`provide_contexts`].
pub fn use_prefs() -> Prefs {
    contexts().prefs
}

/// The provider settings provided by [`provide_contexts`].
pub fn use_config() -> Config {
    contexts().config
}

/// The window over the thread provided by [`provide_contexts`].
pub fn use_thread_window() -> ThreadWindow {
    contexts().window
}

/// The threads provided by [`provide_contexts`].
pub fn use_threads() -> Threads {
    contexts().threads
}

/// The account provided by [`provide_contexts`].
pub fn use_account() -> Account {
    contexts().account
}

/// The turn in flight provided by [`provide_contexts`].
pub fn use_sending() -> Sending {
    contexts().sending
}

/// The top-up form provided by [`provide_contexts`].
pub fn use_top_up() -> TopUp {
    contexts().top_up
}

/// What a chat turn reads and writes. `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub store: Store,
    pub notices: Notices,
    /// The signed-in user, whose balance the turn debits.
    pub account: Account,
    /// The provider settings the request is made with.
    pub config: Config,
    /// The thread list, a new thread, and where the context began.
    pub threads: Threads,
    /// The window over the thread on screen, moved to the newest exchange.
    pub window: ThreadWindow,
    /// The input box, the pending exchange and the request Stop aborts.
    pub sending: Sending,
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
