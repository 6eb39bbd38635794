//! App state shared through context: the database, the current user, the notice line.
//! Components read signals; everything that touches storage goes through here.

pub mod data;
#[cfg(feature = "e2e-hooks")]
pub mod e2e_hooks;

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::records::User;

use crate::storage::broadcast::{Change, Listener};
use crate::storage::settings::CURRENT_USER;
use crate::storage::users::NewUser;
use crate::storage::{request_persistence, schema, settings, users, Database, StorageError};

/// The models a new user starts with; switchable per user.
pub const DEFAULT_MODELS: [&str; 2] = ["gpt-4o-mini", "gpt-4o"];

/// A sentence shown above the thread: what went wrong (or right) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Error(String),
    Info(String),
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
}

impl AppState {
    /// The open database, or `None` while opening or when it could not be opened.
    pub fn db(&self) -> Option<Rc<Database>> {
        self.db.get_value()
    }

    /// Shows a failure as a sentence.
    pub fn fail(&self, err: impl std::fmt::Display) {
        self.notice.set(Some(Notice::Error(err.to_string())));
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
        let remembered = settings::get(&db, CURRENT_USER).await?;
        let remembered = remembered.as_ref().and_then(|v| v.as_str());
        let mut user = match remembered {
            Some(id) => users::get(&db, id).await?,
            None => None,
        };
        if user.is_none() {
            user = users::all(&db).await?.into_iter().next();
        }
        let user = match user {
            Some(user) => user,
            None => {
                let id = new_id();
                let new = NewUser {
                    user_id: &id,
                    display_name: "You",
                    models: DEFAULT_MODELS.map(str::to_owned),
                };
                users::create(&db, new, now()).await?
            }
        };
        if remembered != Some(user.user_id.as_str()) {
            settings::put(&db, CURRENT_USER, user.user_id.clone().into()).await?;
        }
        self.user.set(Some(user));
        Ok(())
    }
}

/// Creates the state, provides it as context and starts opening the database.
pub fn provide_app_state() -> AppState {
    let state = AppState {
        db: StoredValue::new_local(None),
        user: RwSignal::new(None),
        notice: RwSignal::new(None),
        ready: RwSignal::new(false),
    };
    provide_context(state);
    spawn_local(async move {
        match Database::open(schema::DB_NAME).await {
            Ok(db) => {
                if let Err(e) = settings::record_schema(&db, now()).await {
                    state.fail(e);
                }
                state.db.set_value(Some(Rc::new(db)));
                match state.load_user().await {
                    Ok(()) => state.ready.set(true),
                    Err(e) => state.fail(e),
                }
                listen_to_other_tabs(state);
                // Best effort: without it the browser may evict data under pressure.
                request_persistence().await;
            }
            Err(e) => state.fail(e),
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
