//! The provider settings (provider, key, endpoint, …), whether this is a first visit, and
//! the optional top-up PIN: read at start, stored when the user saves them.

use leptos::prelude::*;
use pocket_chat_core::context::ModelLimits;
use pocket_chat_core::provider::{ProviderSettings, SETTINGS_KEY};
use pocket_chat_core::records::Setting;

use super::error::StateError;
use super::store::Store;
use crate::storage::{settings, Database, StorageError};

/// The settings key of the optional top-up PIN.
pub const PIN_KEY: &str = "topup_pin";

/// The provider settings and the PIN. `Copy`.
#[derive(Clone, Copy)]
pub struct Config {
    /// The provider, key and endpoint.
    provider: RwSignal<ProviderSettings>,
    /// True on a first visit, until provider settings are saved or the welcome card is
    /// put off with "Later".
    first_run: RwSignal<bool>,
    /// The optional top-up PIN; empty when none is set.
    pin: RwSignal<String>,
    store: &'static Store,
}

impl Config {
    /// The defaults, until the stored settings are read.
    pub(super) fn new(store: &'static Store) -> Config {
        Config {
            provider: RwSignal::new(ProviderSettings::default()),
            first_run: RwSignal::new(false),
            pin: RwSignal::new(String::new()),
            store,
        }
    }

    /// Takes the stored provider settings and PIN (from every setting, read at start);
    /// without provider settings this is a first visit.
    pub fn load(&self, stored: &[Setting]) {
        let value = |key: &str| stored.iter().find(|s| s.key == key).map(|s| &s.value);
        match value(SETTINGS_KEY) {
            Some(v) => self.provider.set(decode(v.clone())),
            None => self.first_run.set(true),
        }
        if let Some(pin) = value(PIN_KEY).and_then(|v| v.as_str()) {
            self.pin.set(pin.to_owned());
        }
    }

    /// Stores new provider settings and uses them from the next call on.
    pub async fn save(&self, new: ProviderSettings) -> Result<(), StateError> {
        let db = self.store.open_db()?;
        let value = serde_json::to_value(&new).unwrap_or_default();
        settings::put(&db, SETTINGS_KEY, value).await?;
        self.provider.set(new);
        // Saved settings end the first visit, from any form.
        self.first_run.set(false);
        Ok(())
    }

    /// Reads the provider settings again (after an import), ending the first visit if some
    /// came with it.
    pub async fn reread(&self) -> Result<(), StateError> {
        let Some(db) = self.store.db() else {
            return Ok(());
        };
        if let Some(loaded) = load_settings(&db).await? {
            self.provider.set(loaded);
            self.first_run.set(false);
        }
        Ok(())
    }

    /// The provider settings in use (untracked: read when a call starts or a form opens).
    pub fn provider(&self) -> ProviderSettings {
        self.provider.get_untracked()
    }

    /// The limits `model` has with the provider settings in use.
    pub fn limits(&self, model: &str) -> ModelLimits {
        self.provider.with_untracked(|s| s.limits(model))
    }

    /// Whether this is a first visit (tracked).
    pub fn first_run(&self) -> bool {
        self.first_run.get()
    }

    /// Puts the welcome card off ("Later"): the app opens as after a visit.
    pub fn later(&self) {
        self.first_run.set(false);
    }

    /// The top-up PIN, when one is set.
    pub fn pin(&self) -> Option<String> {
        Some(self.pin.get_untracked()).filter(|p| !p.is_empty())
    }

    /// Whether a PIN is set (tracked).
    pub fn has_pin(&self) -> bool {
        !self.pin.with(String::is_empty)
    }

    /// Stores the top-up PIN (empty: none).
    pub async fn set_pin(&self, pin: String) -> Result<(), StateError> {
        let db = self.store.open_db()?;
        settings::put(&db, PIN_KEY, pin.clone().into()).await?;
        self.pin.set(pin);
        Ok(())
    }
}

/// The stored provider settings; `None` on a first visit, when none were ever saved.
async fn load_settings(db: &Database) -> Result<Option<ProviderSettings>, StorageError> {
    Ok(settings::get(db, SETTINGS_KEY).await?.map(decode))
}

/// Stored provider settings as settings; a record that no longer reads (an older shape)
/// gives the defaults, to be saved again from the form.
fn decode(value: serde_json::Value) -> ProviderSettings {
    serde_json::from_value(value).unwrap_or_default()
}
