//! App state shared through context: the database, the current user, the notice line.
//! Components read signals; everything that touches storage goes through here.

pub mod chat;
pub mod commands;
pub mod connection;
pub mod data;
#[cfg(feature = "e2e-hooks")]
pub mod e2e_hooks;
pub mod error;
pub mod network;
pub mod people;
pub mod prefs;
pub mod tabs;
pub mod text;
pub mod threads;
pub mod window;

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::provider::{ProviderSettings, SETTINGS_KEY};
use pocket_chat_core::records::{Message, Setting, Thread, User};
use pocket_chat_core::window::Window;

use self::error::StateError;
use self::prefs::Theme;
use self::text::Text;
pub use self::window::reload_thread;
use crate::providers::InFlight;
use crate::storage::broadcast::{Change, Listener};
use crate::storage::settings::CURRENT_USER;
use crate::storage::users::NewUser;
use crate::storage::{
    request_persistence, settings, threads as thread_store, users, Database, StorageError,
};

/// The models a new user starts with; switchable per user.
pub const DEFAULT_MODELS: [&str; 2] = ["gpt-4o-mini", "gpt-4o"];

/// A sentence shown above the thread: what went wrong (or right) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Error(Text),
    Info(Text),
}

/// The exchange being sent: its prompt on screen while the reply streams in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub prompt: String,
    /// Earlier exchanges left out of the context because the window is full.
    pub omitted: usize,
}

/// A command's answer shown in the thread, under what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadNote {
    pub typed: String,
    pub answer: Text,
}

/// A top-up that waits for its form (tokens and amount paid, or the PIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRequest {
    /// Already typed with the command, when it was.
    pub tokens: Option<i64>,
}

/// Handles every component may use. All are `Copy`.
#[derive(Clone, Copy)]
pub struct AppState {
    db: StoredValue<Option<Rc<Database>>, LocalStorage>,
    /// The user whose threads and balance are on screen.
    pub user: RwSignal<Option<User>>,
    pub notice: RwSignal<Option<Notice>>,
    /// False until the database is open and a user is loaded.
    pub ready: RwSignal<bool>,
    /// The provider, key and endpoint.
    pub settings: RwSignal<ProviderSettings>,
    /// The language every text is shown in.
    pub lang: RwSignal<Lang>,
    /// Light, dark, or as the system says.
    pub theme: RwSignal<Theme>,
    /// True on a first visit, until provider settings are saved or the welcome card is
    /// put off with "Later".
    pub first_run: RwSignal<bool>,
    /// The optional top-up PIN; empty when none is set.
    pub pin: RwSignal<String>,
    /// Everyone using this browser.
    pub users: RwSignal<Vec<User>>,
    /// The current user's threads, most recently active first.
    pub threads: RwSignal<Vec<Thread>>,
    /// The thread on screen; `None` until the first message of a new thread.
    pub thread: RwSignal<Option<u64>>,
    /// Answers to commands typed in this thread (not stored; not sent to the model).
    pub thread_notes: RwSignal<Vec<ThreadNote>>,
    /// The top-up form, when a top-up needs more input.
    pub top_up: RwSignal<Option<TopUpRequest>>,
    /// The stretch of the current thread's exchanges on screen, and how many are not.
    pub window: RwSignal<Window<Message>>,
    /// What the whole current thread used (summed in the background).
    pub tally: RwSignal<Tally>,
    /// The thread `window` belongs to.
    shown_thread: StoredValue<Option<u64>>,
    /// Whether the reader is at the newest exchange, so new text keeps it in view.
    pinned: StoredValue<bool>,
    /// True while a page is read, so scrolling asks for one page at a time.
    moving: StoredValue<bool>,
    /// Counts window reads, so that of two overlapping ones only the later one shows.
    window_seq: StoredValue<u64>,
    /// Counts usage sums, likewise.
    tally_seq: StoredValue<u64>,
    /// The linked thread's newest page, read early at start-up.
    prefetch: StoredValue<window::Prefetch>,
    pub pending: RwSignal<Option<Pending>>,
    /// The stored row of the reply streaming now (saved as it arrives), which the thread
    /// shows as the pending exchange instead.
    pub streaming_row: RwSignal<Option<u64>>,
    /// The oldest exchange the last call sent, when older ones were left out.
    pub first_in_context: RwSignal<Option<u64>>,
    /// The text in the input box; a failed send puts its prompt back here.
    pub draft: RwSignal<String>,
    in_flight: StoredValue<Option<InFlight>, LocalStorage>,
    /// Why the database could not be opened, if it could not.
    open_failed: StoredValue<Option<StorageError>>,
    /// Counts user loads, so that of two overlapping loads only the later one shows.
    load_seq: StoredValue<u64>,
}

impl AppState {
    /// The open database, or `None` while opening or when it could not be opened.
    pub fn db(&self) -> Option<Rc<Database>> {
        self.db.get_value()
    }

    /// The current user's id.
    pub fn user_id(&self) -> Option<String> {
        self.user
            .with_untracked(|u| u.as_ref().map(|u| u.user_id.clone()))
    }

    /// The open database; else why not: it could not be opened, or is still opening.
    pub fn open_db(&self) -> Result<Rc<Database>, StateError> {
        self.db().ok_or_else(|| match self.open_failed() {
            Some(e) => StateError::Storage(e),
            None => StateError::StillOpening,
        })
    }

    /// Why nothing can be stored, when the database could not be opened.
    pub fn open_failed(&self) -> Option<StorageError> {
        self.open_failed.get_value()
    }

    /// Shows a failure as a sentence, in the language current when it is read.
    pub fn fail(&self, err: impl Into<Text>) {
        self.notice.set(Some(Notice::Error(err.into())));
    }

    /// Shows what was done as a sentence.
    pub fn inform(&self, text: impl Into<Text>) {
        self.notice.set(Some(Notice::Info(text.into())));
    }

    /// The text of `key` in the current language, as a reactive closure for views.
    pub fn tr(&self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || i18n::t(lang.get(), key)
    }

    /// Reads the current user again (after this or another tab changed it).
    pub fn reload_user(&self) {
        let state = *self;
        spawn_local(async move {
            if let Err(e) = state.load_user().await {
                state.fail(e);
            }
        });
    }

    /// Loads the last active user; when none is left, the first user, or a new one.
    async fn load_user(&self) -> Result<(), StorageError> {
        let Some(db) = self.db() else { return Ok(()) };
        let seq = self.load_seq.get_value() + 1;
        self.load_seq.set_value(seq);
        let remembered = settings::get(&db, CURRENT_USER).await?;
        let remembered = remembered.as_ref().and_then(|v| v.as_str());
        let mut everyone = users::all(&db).await?;
        let user = everyone
            .iter()
            .find(|u| Some(u.user_id.as_str()) == remembered)
            .or_else(|| everyone.first())
            .cloned();
        let user = match user {
            Some(user) => user,
            None => {
                let id = new_id();
                let new = NewUser {
                    user_id: &id,
                    display_name: i18n::t(self.lang.get_untracked(), Key::DefaultUserName),
                    models: DEFAULT_MODELS.map(str::to_owned),
                };
                let user = users::create(&db, new, now()).await?;
                everyone.push(user.clone());
                user
            }
        };
        if remembered != Some(user.user_id.as_str()) {
            settings::put(&db, CURRENT_USER, user.user_id.clone().into()).await?;
        }
        let list = thread_store::for_user(&db, &user.user_id).await?;
        // A thread link wins; else the user's most recent thread.
        let linked = threads::from_link(*self, false)
            .await
            .filter(|t| t.user_id == user.user_id);
        // A load that started later (another tab's change, a switch) has the last word;
        // from here on nothing awaits, so no other load can interleave.
        if self.load_seq.get_value() != seq {
            return Ok(());
        }
        if self.user_id().as_deref() != Some(user.user_id.as_str()) {
            let shown = linked
                .or_else(|| list.first().cloned())
                .and_then(|t| t.thread_id);
            self.thread.set(shown);
            self.thread_notes.set(Vec::new());
            self.first_in_context.set(None);
        }
        self.threads.set(list);
        self.users.set(everyone);
        self.user.set(Some(user));
        reload_thread(*self).await;
        Ok(())
    }
}

/// Takes the stored language, theme, provider settings and PIN (read at start); without
/// provider settings this is a first visit. Applied before the user loads, so a first user
/// gets their name in the right language.
fn apply_settings(state: AppState, stored: &[Setting]) {
    prefs::load(state, stored);
    let value = |key: &str| stored.iter().find(|s| s.key == key).map(|s| &s.value);
    match value(SETTINGS_KEY) {
        Some(v) => state
            .settings
            .set(serde_json::from_value(v.clone()).unwrap_or_default()),
        None => state.first_run.set(true),
    }
    if let Some(pin) = value(commands::PIN_KEY).and_then(|v| v.as_str()) {
        state.pin.set(pin.to_owned());
    }
}

/// Stores new provider settings and uses them from the next call on.
pub async fn save_settings(state: AppState, new: ProviderSettings) -> Result<(), StateError> {
    let db = state.open_db()?;
    let value = serde_json::to_value(&new).unwrap_or_default();
    settings::put(&db, SETTINGS_KEY, value).await?;
    state.settings.set(new);
    // Saved settings end the first visit, from any form.
    state.first_run.set(false);
    Ok(())
}

/// The stored provider settings; `None` on a first visit, when none were ever saved.
async fn load_settings(db: &Database) -> Result<Option<ProviderSettings>, StorageError> {
    Ok(settings::get(db, SETTINGS_KEY)
        .await?
        .map(|v| serde_json::from_value(v).unwrap_or_default()))
}

/// Reads the provider settings again (after an import), ending the first visit if some
/// came with it.
pub async fn reload_settings(state: AppState) {
    let Some(db) = state.db() else { return };
    match load_settings(&db).await {
        Ok(Some(loaded)) => {
            state.settings.set(loaded);
            state.first_run.set(false);
        }
        Ok(None) => {}
        Err(e) => state.fail(e),
    }
}

/// Creates the state, provides it as context and starts opening the database.
pub fn provide_app_state() -> AppState {
    let state = AppState {
        db: StoredValue::new_local(None),
        user: RwSignal::new(None),
        notice: RwSignal::new(None),
        ready: RwSignal::new(false),
        settings: RwSignal::new(ProviderSettings::default()),
        lang: RwSignal::new(prefs::browser_lang()),
        theme: RwSignal::new(Theme::System),
        first_run: RwSignal::new(false),
        pin: RwSignal::new(String::new()),
        users: RwSignal::new(Vec::new()),
        threads: RwSignal::new(Vec::new()),
        thread: RwSignal::new(None),
        thread_notes: RwSignal::new(Vec::new()),
        top_up: RwSignal::new(None),
        window: RwSignal::new(Window::default()),
        tally: RwSignal::new(Tally::default()),
        shown_thread: StoredValue::new(None),
        pinned: StoredValue::new(true),
        moving: StoredValue::new(false),
        window_seq: StoredValue::new(0),
        tally_seq: StoredValue::new(0),
        prefetch: StoredValue::new(window::Prefetch::Done),
        pending: RwSignal::new(None),
        streaming_row: RwSignal::new(None),
        first_in_context: RwSignal::new(None),
        draft: RwSignal::new(String::new()),
        in_flight: StoredValue::new_local(None),
        open_failed: StoredValue::new(None),
        load_seq: StoredValue::new(0),
    };
    provide_context(state);
    prefs::apply_to_page(state);
    spawn_local(async move {
        match tabs::open_database(state).await {
            Ok(db) => {
                // First: data migrations, when a version needs one, run before any read.
                if let Err(e) = settings::record_schema(&db, now()).await {
                    state.fail(e);
                }
                state.db.set_value(Some(Rc::new(db)));
                // Reads overlap from here: the linked thread's page comes in meanwhile.
                if let Some(id) = threads::linked_id() {
                    window::prefetch(state, id);
                }
                // Every setting in one read: the first paint waits on each round trip.
                if let Some(db) = state.db() {
                    match settings::all(&db).await {
                        Ok(stored) => apply_settings(state, &stored),
                        Err(e) => state.fail(e),
                    }
                }
                // A thread link names its user: make them current before loading.
                threads::from_link(state, true).await;
                match state.load_user().await {
                    Ok(()) => state.ready.set(true),
                    Err(e) => state.fail(e),
                }
                // Start-up is over: a page read early must not stand in for a later read.
                state.prefetch.set_value(window::Prefetch::Done);
                listen_to_other_tabs(state);
                threads::follow_hash_changes(state);
                // Best effort: without it the browser may evict data under pressure.
                request_persistence().await;
            }
            Err(e) => {
                state.open_failed.set_value(Some(e.clone()));
                state.fail(e);
            }
        }
    });
    state
}

/// Keeps the screen current when another tab writes.
fn listen_to_other_tabs(state: AppState) {
    let listener = Listener::new(move |change| {
        let mine = state
            .user
            .with_untracked(|u| u.as_ref().map(|u| u.user_id.clone()));
        match change {
            Change::User { user_id } if Some(&user_id) != mine.as_ref() => {}
            _ => state.reload_user(),
        }
    });
    // The listener lives as long as the page.
    std::mem::forget(listener);
}

/// The state provided by [`provide_app_state`].
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh random id (a UUID where the browser has `crypto.randomUUID`).
pub fn new_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("u-{}-{}", now(), (js_sys::Math::random() * 1e9) as u64))
}
