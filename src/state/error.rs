//! The state layer's failures, as data: what went wrong below (storage, a provider call,
//! the settings, a file) or in the state's own rules (a wrong PIN, an empty name). Each
//! language words them through [`Localize`]; `Display` is the English sentence.

use std::fmt;

use pocket_chat_core::commands::TopUpProblem;
use pocket_chat_core::context::TooLong;
use pocket_chat_core::i18n::{self, Key, Lang, Localize};
use pocket_chat_core::ledger::LedgerError;
use pocket_chat_core::params::ParamError;
use pocket_chat_core::persona::PersonaError;
use pocket_chat_core::provider::{CallError, SettingsError};
use pocket_chat_core::thread_list::TitleError;
use pocket_chat_core::turn::Refusal;

use crate::storage::StorageError;

/// Why something the user asked for did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum StateError {
    /// Reading or writing the browser's storage failed.
    Storage(StorageError),
    /// The data worker (export and import) could not do what it was asked: its own
    /// sentence, in each language (it words its errors itself; see `crate::data_worker`).
    Worker { en: String, ja: String },
    /// The data worker could not be started (or stopped working).
    WorkerUnavailable,
    /// The data worker could not be started to render replies: they show as plain text.
    RendererUnavailable,
    /// The provider call failed.
    Call(CallError),
    /// The provider settings cannot make a request.
    Settings(SettingsError),
    /// The ledger refused (the balance does not cover the message).
    Ledger(LedgerError),
    /// The message alone is too long for the model.
    TooLong(TooLong),
    /// A typed top-up count that cannot be added.
    TopUp(TopUpProblem),
    /// The top-up form's count was left empty.
    NoTopUpCount,
    /// The amount paid is not a number of 0 or more.
    BadAmount,
    /// The database is not open yet: try again in a moment.
    StillOpening,
    /// The database is not open yet: send again in a moment.
    StillOpeningToSend,
    /// The signed-in user was deleted (in another tab, say).
    UserGone,
    /// The typed PIN is not the top-up PIN.
    WrongPin,
    /// A rename to an empty name.
    EmptyName,
    /// A new user without a name.
    NoNewUserName,
    /// Settings without a name for each of the two models.
    BothModels,
    /// A compatible server without an address.
    NoBaseUrl,
    /// A model parameter typed in Settings is not a valid value.
    Param(ParamError),
    /// A thread title typed that cannot be one.
    Title(TitleError),
    /// Personas typed in Settings that cannot be saved.
    Persona(PersonaError),
    /// The chosen file could not be read.
    FileUnreadable,
    /// The browser refused the export download.
    DownloadBlocked,
}

/// `From` for the errors of the layers below, so `?` carries them up.
macro_rules! from_below {
    ($($error:ty => $variant:ident),* $(,)?) => {$(
        impl From<$error> for StateError {
            fn from(err: $error) -> StateError {
                StateError::$variant(err)
            }
        }
    )*};
}

from_below! {
    StorageError => Storage,
    CallError => Call,
    SettingsError => Settings,
    LedgerError => Ledger,
    TooLong => TooLong,
    ParamError => Param,
    TitleError => Title,
    PersonaError => Persona,
}

/// A turn refused before any request says why as what refused it.
impl From<Refusal> for StateError {
    fn from(refusal: Refusal) -> StateError {
        match refusal {
            Refusal::TooLong(e) => StateError::TooLong(e),
            Refusal::Ledger(e) => StateError::Ledger(e),
            Refusal::Settings(e) => StateError::Settings(e),
        }
    }
}

impl StateError {
    /// The catalog text of a state rule's own failure; `None` for failures from below.
    fn key(&self) -> Option<Key> {
        Some(match self {
            StateError::NoTopUpCount => Key::TypeTokenCount,
            StateError::BadAmount => Key::BadAmount,
            StateError::StillOpening => Key::StillOpeningTry,
            StateError::StillOpeningToSend => Key::StillOpeningSend,
            StateError::UserGone => Key::UserGone,
            StateError::WrongPin => Key::WrongPin,
            StateError::EmptyName => Key::EmptyName,
            StateError::NoNewUserName => Key::EnterNewUserName,
            StateError::BothModels => Key::BothModels,
            StateError::NoBaseUrl => Key::EnterBaseUrl,
            StateError::FileUnreadable => Key::FileUnreadable,
            StateError::DownloadBlocked => Key::DownloadBlocked,
            StateError::WorkerUnavailable => Key::WorkerUnavailable,
            StateError::RendererUnavailable => Key::RendererUnavailable,
            _ => return None,
        })
    }
}

impl Localize for StateError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            StateError::Storage(e) => e.localize(lang),
            StateError::Worker { en, ja } => match lang {
                Lang::En => en.clone(),
                Lang::Ja => ja.clone(),
            },
            StateError::Call(e) => e.localize(lang),
            StateError::Settings(e) => e.localize(lang),
            StateError::Ledger(e) => e.localize(lang),
            StateError::TooLong(e) => e.localize(lang),
            StateError::TopUp(e) => e.localize(lang),
            StateError::Param(e) => e.localize(lang),
            StateError::Title(e) => e.localize(lang),
            StateError::Persona(e) => e.localize(lang),
            other => other
                .key()
                .map(|key| i18n::t(lang, key).to_owned())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.localize(Lang::En))
    }
}

impl std::error::Error for StateError {}
