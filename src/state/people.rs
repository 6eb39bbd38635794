//! The people sharing this browser: switching, creating (with the sign-up bonus),
//! renaming and deleting users, and switching a user's model.

use leptos::prelude::*;
use pocket_chat_core::i18n;
use pocket_chat_core::records::User;

use super::error::StateError;
use super::text::Text;
use super::{new_id, now, AppState, DEFAULT_MODELS};
use crate::storage::settings::CURRENT_USER;
use crate::storage::users::NewUser;
use crate::storage::{settings, users};

/// Makes `user_id` the current user and shows their most recent thread.
pub async fn switch_to(state: AppState, user_id: &str) {
    let Some(db) = state.db() else { return };
    if let Err(e) = settings::put(&db, CURRENT_USER, user_id.into()).await {
        return state.fail(e);
    }
    super::threads::start_new(state);
    if let Err(e) = state.load_user().await {
        state.fail(e);
    }
}

/// Creates a user with the 100-token bonus and the current user's two models, and
/// switches to them.
pub async fn create(state: AppState, name: &str) {
    let Some(db) = state.db() else { return };
    let name = name.trim();
    if name.is_empty() {
        return state.fail(StateError::NoNewUserName);
    }
    let models = state
        .user
        .get_untracked()
        .map(|u| u.models)
        .unwrap_or_else(|| DEFAULT_MODELS.map(str::to_owned));
    let id = new_id();
    let new = NewUser {
        user_id: &id,
        display_name: name,
        models,
    };
    match users::create(&db, new, now()).await {
        Ok(user) => {
            switch_to(state, &user.user_id).await;
            let name = user.display_name;
            state.inform(Text::new(move |lang| i18n::welcome_user(lang, &name)));
        }
        Err(e) => state.fail(e),
    }
}

/// Renames a user.
pub async fn rename(state: AppState, user_id: &str, name: &str) -> Result<(), StateError> {
    let db = state.open_db()?;
    let name = name.trim();
    if name.is_empty() {
        return Err(StateError::EmptyName);
    }
    users::rename(&db, user_id, name, now()).await?;
    state.reload_user();
    Ok(())
}

/// Deletes a user with their threads, messages and payments, after checking the PIN when
/// one is set. When it was the current user, another one (or a new one) takes over.
pub async fn delete(state: AppState, user_id: &str, typed_pin: &str) {
    let Some(db) = state.db() else { return };
    if let Some(pin) = super::commands::pin(state) {
        if typed_pin != pin {
            return state.fail(StateError::WrongPin);
        }
    }
    let name = state.users.with_untracked(|us| {
        us.iter()
            .find(|u| u.user_id == user_id)
            .map(|u| u.display_name.clone())
    });
    if let Err(e) = users::delete(&db, user_id).await {
        return state.fail(e);
    }
    if state.user_id().as_deref() == Some(user_id) {
        super::threads::start_new(state);
        state.user.set(None);
    }
    if let Err(e) = state.load_user().await {
        return state.fail(e);
    }
    state.inform(Text::new(move |lang| {
        i18n::deleted_user(lang, name.as_deref())
    }));
}

/// Switches the current user's model: to `name` when given (it becomes one of their two
/// models), else to the other of their two.
pub async fn switch_model(state: AppState, name: Option<&str>) -> Result<User, StateError> {
    let db = state.open_db()?;
    let user = state.user.get_untracked().ok_or(StateError::StillOpening)?;
    let target = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => name.to_owned(),
        None => user
            .models
            .iter()
            .find(|m| **m != user.model)
            .cloned()
            .unwrap_or_else(|| user.models[0].clone()),
    };
    let result = if user.models.contains(&target) {
        users::set_model(&db, &user.user_id, &target, now()).await
    } else {
        // A new model takes the place of the one not in use.
        let keep = user.model.clone();
        let models = if user.models[0] == keep {
            [keep, target.clone()]
        } else {
            [target.clone(), keep]
        };
        match users::set_models(&db, &user.user_id, models, now()).await {
            Ok(_) => users::set_model(&db, &user.user_id, &target, now()).await,
            Err(e) => Err(e),
        }
    };
    let updated = result?;
    state.user.set(Some(updated.clone()));
    Ok(updated)
}
