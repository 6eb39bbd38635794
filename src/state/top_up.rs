//! Adding tokens (残高を加える): at once when the count was typed and no PIN is set, else
//! through the top-up form (the count, the amount paid, the PIN), which this context opens
//! and closes.

use leptos::prelude::*;

use super::account::Account;
use super::clock::now;
use super::config::Config;
use super::error::StateError;
use super::store::Store;
use super::text::Text;
use crate::ids::record_id;
use crate::storage::payments;

/// A top-up that waits for its form (tokens and amount paid, or the PIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRequest {
    /// Already typed with the command, when it was.
    pub tokens: Option<i64>,
}

/// The top-up form, when open, and what a top-up writes. `Copy`.
#[derive(Clone, Copy)]
pub struct TopUp {
    /// The form, when a top-up needs more input.
    form: RwSignal<Option<TopUpRequest>>,
    store: &'static Store,
    account: &'static Account,
    config: &'static Config,
}

impl TopUp {
    /// The form closed.
    pub(super) fn new(
        store: &'static Store,
        account: &'static Account,
        config: &'static Config,
    ) -> TopUp {
        TopUp {
            form: RwSignal::new(None),
            store,
            account,
            config,
        }
    }

    /// The form's request, while it is open (tracked).
    pub fn form(&self) -> Option<TopUpRequest> {
        self.form.get()
    }

    /// Whether the form is open (tracked).
    pub fn is_open(&self) -> bool {
        self.form.with(Option::is_some)
    }

    /// Opens the form, with `tokens` filled in when they were typed.
    pub fn ask(&self, tokens: Option<i64>) {
        self.form.set(Some(TopUpRequest { tokens }));
    }

    /// Closes the form. Returns whether it was open.
    pub fn close(&self) -> bool {
        let open = self.form.with_untracked(Option::is_some);
        if open {
            self.form.set(None);
        }
        open
    }

    /// Whether a top-up asks for the PIN (tracked).
    pub fn needs_pin(&self) -> bool {
        self.config.has_pin()
    }

    /// Adds `tokens` (with `amount` paid) to the signed-in user, checking `typed_pin` when a
    /// PIN is set. The sentence says what happened.
    pub async fn add(
        &self,
        tokens: i64,
        amount: f64,
        typed_pin: Option<&str>,
    ) -> Result<Text, StateError> {
        let (Some(db), Some(user_id)) = (self.store.db(), self.account.user_id()) else {
            return Err(StateError::StillOpening);
        };
        if let Some(pin) = self.config.pin() {
            if typed_pin != Some(pin.as_str()) {
                return Err(StateError::WrongPin);
            }
        }
        let user = payments::top_up(&db, record_id(now()), &user_id, tokens, amount, now()).await?;
        let balance = user.num_token;
        self.account.show(user);
        Ok(Text::new(move |lang| {
            pocket_chat_core::commands::added_tokens(lang, tokens, balance)
        }))
    }
}
