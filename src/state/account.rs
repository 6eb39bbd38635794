//! The people sharing this browser and the signed-in one: loading them (the last active
//! user, or a new one), switching, creating (with the sign-up bonus), renaming and
//! deleting users, and switching a user's model. The signed-in user's record carries their
//! balance, so the header's balance reads from here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::params::ModelParams;
use pocket_chat_core::persona::Persona;
use pocket_chat_core::records::User;

use super::clock::now;
use super::error::StateError;
use super::latest::Latest;
use super::notices::Notices;
use super::reading::Reading;
use super::store::Store;
use super::text::Text;
use super::threads::{self, Threads};
use super::window::ThreadWindow;
use crate::ids::record_id;
use crate::storage::broadcast::{Change, Listener};
use crate::storage::settings::CURRENT_USER;
use crate::storage::users::NewUser;
use crate::storage::{settings, threads as thread_store, users};

/// The models a new user starts with; switchable per user.
pub const DEFAULT_MODELS: [&str; 2] = ["gpt-4o-mini", "gpt-4o"];

/// The signed-in user and everyone else using this browser. `Copy`.
#[derive(Clone, Copy)]
pub struct Account {
    /// The user whose threads and balance are on screen; when set, also in `users`, the
    /// same record (written only through [`Account::show`]).
    user: RwSignal<Option<User>>,
    /// Everyone using this browser.
    users: RwSignal<Vec<User>>,
    /// Counts user loads, so that of two overlapping loads only the later one shows.
    loads: Latest,
    /// The language a first user's name is given in.
    lang: Reading<Lang>,
    store: &'static Store,
    notices: &'static Notices,
    threads: &'static Threads,
    window: &'static ThreadWindow,
}

impl Account {
    /// No user loaded yet.
    pub(super) fn new(deps: AccountDeps) -> Account {
        Account {
            user: RwSignal::new(None),
            users: RwSignal::new(Vec::new()),
            loads: Latest::new(),
            lang: deps.lang,
            store: deps.store,
            notices: deps.notices,
            threads: deps.threads,
            window: deps.window,
        }
    }

    /// The user whose threads and balance are on screen (tracked where read).
    pub fn user(&self) -> Reading<Option<User>> {
        Reading::of(self.user)
    }

    /// Everyone using this browser, the signed-in user's record as [`Account::user`]'s.
    pub fn users(&self) -> Reading<Vec<User>> {
        Reading::of(self.users)
    }

    /// Shows `fresh`, a user's record just written or read: as the signed-in user when
    /// it is theirs, and in the list of everyone, so the header and the users panel never
    /// tell two balances.
    pub(super) fn show(&self, fresh: User) {
        self.users.update(|all| {
            if let Some(entry) = all.iter_mut().find(|u| u.user_id == fresh.user_id) {
                *entry = fresh.clone();
            }
        });
        if self.user_id().as_deref() == Some(fresh.user_id.as_str()) {
            self.user.set(Some(fresh));
        }
    }

    /// The signed-in user's id, without tracking.
    pub fn user_id(&self) -> Option<String> {
        self.user
            .with_untracked(|u| u.as_ref().map(|u| u.user_id.clone()))
    }

    /// Reads the current user again (after this or another tab changed it).
    pub fn load_in_background(&self) {
        let this = *self;
        spawn_local(async move {
            if let Err(e) = this.load().await {
                this.notices.fail(e);
            }
        });
    }

    /// Reads the signed-in user's record again — its balance after a debit — without
    /// reloading their threads or the window (the caller has read those).
    pub async fn reread_user(&self) -> Result<(), StateError> {
        let (Some(db), Some(user_id)) = (self.store.db(), self.user_id()) else {
            return Ok(());
        };
        let Some(fresh) = users::get(&db, &user_id).await? else {
            // Deleted meanwhile (in another tab): a full load picks who is left.
            return self.load().await;
        };
        // Switched to someone else meanwhile: their load has the last word.
        if self.user_id().as_deref() != Some(user_id.as_str()) {
            return Ok(());
        }
        self.show(fresh);
        Ok(())
    }

    /// Loads the last active user; when none is left, the first user, or a new one; then
    /// their threads and the thread on screen.
    pub async fn load(&self) -> Result<(), StateError> {
        let Some(db) = self.store.db() else {
            return Ok(());
        };
        let ticket = self.loads.start();
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
                let id = record_id(now());
                let new = NewUser {
                    user_id: &id,
                    display_name: i18n::t(self.lang.get_untracked(), Key::DefaultUserName),
                    models: DEFAULT_MODELS.map(str::to_owned),
                    bonus_id: record_id(now()),
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
        let linked = threads::from_link(self.store, false, None)
            .await
            .filter(|t| t.user_id == user.user_id);
        // A load that started later (another tab's change, a switch) has the last word;
        // from here on nothing awaits until the window is read, so no other load can
        // interleave.
        if !self.loads.is_latest(ticket) {
            return Ok(());
        }
        let shown = if self.user_id().as_deref() != Some(user.user_id.as_str()) {
            let shown = linked
                .or_else(|| list.first().cloned())
                .map(|t| t.thread_id);
            self.threads.switch(shown.clone());
            shown
        } else {
            self.threads.current_untracked()
        };
        self.threads.set_list(list);
        self.users.set(everyone);
        self.user.set(Some(user));
        self.window.show_thread(shown).await;
        Ok(())
    }

    /// Keeps the screen current when another tab writes.
    pub fn follow_other_tabs(&self) {
        let this = *self;
        let listener = Listener::new(move |change| match change {
            Change::User { user_id } if Some(&user_id) != this.user_id().as_ref() => {}
            _ => this.load_in_background(),
        });
        // The listener lives as long as the page.
        std::mem::forget(listener);
    }

    /// Makes `user_id` the current user and shows their most recent thread.
    pub async fn switch_to(&self, user_id: &str) {
        let Some(db) = self.store.db() else { return };
        if let Err(e) = settings::put(&db, CURRENT_USER, user_id.into()).await {
            return self.notices.fail(e);
        }
        self.threads.start_new();
        if let Err(e) = self.load().await {
            self.notices.fail(e);
        }
    }

    /// Creates a user with the 100-token bonus and the current user's two models, and
    /// switches to them.
    pub async fn create(&self, name: &str) {
        let Some(db) = self.store.db() else { return };
        let name = name.trim();
        if name.is_empty() {
            return self.notices.fail(StateError::NoNewUserName);
        }
        let models = self
            .user
            .get_untracked()
            .map(|u| u.models)
            .unwrap_or_else(|| DEFAULT_MODELS.map(str::to_owned));
        let id = record_id(now());
        let new = NewUser {
            user_id: &id,
            display_name: name,
            models,
            bonus_id: record_id(now()),
        };
        match users::create(&db, new, now()).await {
            Ok(user) => {
                self.switch_to(&user.user_id).await;
                let name = user.display_name;
                self.notices.inform(Text::new(move |lang| {
                    pocket_chat_core::records::welcome_user(lang, &name)
                }));
            }
            Err(e) => self.notices.fail(e),
        }
    }

    /// Renames a user.
    pub async fn rename(&self, user_id: &str, name: &str) -> Result<(), StateError> {
        let db = self.store.open_db()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StateError::EmptyName);
        }
        users::rename(&db, user_id, name, now()).await?;
        self.load_in_background();
        Ok(())
    }

    /// Deletes a user with their threads, messages and payments, after checking
    /// `typed_pin` against the top-up PIN when one is set (`pin`). When it was the current
    /// user, another one (or a new one) takes over.
    pub async fn delete(&self, user_id: &str, typed_pin: &str, pin: Option<String>) {
        let Some(db) = self.store.db() else { return };
        if pin.is_some_and(|pin| typed_pin != pin) {
            return self.notices.fail(StateError::WrongPin);
        }
        let name = self.users.with_untracked(|us| {
            us.iter()
                .find(|u| u.user_id == user_id)
                .map(|u| u.display_name.clone())
        });
        if let Err(e) = users::delete(&db, user_id).await {
            return self.notices.fail(e);
        }
        if self.user_id().as_deref() == Some(user_id) {
            self.threads.start_new();
            self.user.set(None);
        }
        if let Err(e) = self.load().await {
            return self.notices.fail(e);
        }
        self.notices.inform(Text::new(move |lang| {
            pocket_chat_core::records::deleted_user(lang, name.as_deref())
        }));
    }

    /// Switches the current user's model: to `name` when given (it becomes one of their two
    /// models), else to the other of their two.
    pub async fn switch_model(&self, name: Option<&str>) -> Result<User, StateError> {
        let db = self.store.open_db()?;
        let user = self.user.get_untracked().ok_or(StateError::StillOpening)?;
        let target = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => name.to_owned(),
            None => user
                .models
                .iter()
                .find(|m| **m != user.model)
                .cloned()
                .unwrap_or_else(|| user.models[0].clone()),
        };
        let updated = if user.models.contains(&target) {
            users::set_model(&db, &user.user_id, &target, now()).await?
        } else {
            // A new model takes the place of the one not in use.
            let keep = user.model.clone();
            let models = if user.models[0] == keep {
                [keep, target.clone()]
            } else {
                [target.clone(), keep]
            };
            users::set_models(&db, &user.user_id, models, None, now()).await?;
            users::set_model(&db, &user.user_id, &target, now()).await?
        };
        self.show(updated.clone());
        Ok(updated)
    }

    /// Sets the signed-in user's two models and, when given, their parameters (from
    /// Settings), when they changed.
    pub async fn set_models(
        &self,
        models: [String; 2],
        params: Option<[ModelParams; 2]>,
    ) -> Result<(), StateError> {
        let (Some(db), Some(user)) = (self.store.db(), self.user.get_untracked()) else {
            return Ok(());
        };
        let same_params = params.is_none_or(|params| {
            models
                .iter()
                .zip(&params)
                .all(|(m, p)| user.params_of(m) == *p)
        });
        if user.models != models || !same_params {
            let updated = users::set_models(&db, &user.user_id, models, params, now()).await?;
            self.show(updated);
        }
        Ok(())
    }

    /// Sets the signed-in user's personas (checked) and default (from Settings), when
    /// they changed.
    pub async fn set_personas(
        &self,
        personas: Vec<Persona>,
        default: Option<String>,
    ) -> Result<(), StateError> {
        let (Some(db), Some(user)) = (self.store.db(), self.user.get_untracked()) else {
            return Ok(());
        };
        if user.personas != personas || user.default_persona != default {
            let updated = users::set_personas(&db, &user.user_id, personas, default, now()).await?;
            self.show(updated);
        }
        Ok(())
    }
}

/// What the account reads and moves: the store, the notices, the language of a first
/// user's name, the thread list and the window over the thread on screen.
pub struct AccountDeps {
    pub store: &'static Store,
    pub notices: &'static Notices,
    pub lang: Reading<Lang>,
    pub threads: &'static Threads,
    pub window: &'static ThreadWindow,
}
