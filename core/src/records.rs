//! The records pocket-chat stores, one type per IndexedDB object store.
//!
//! They mirror the original LINE bot's tables (user, payment, thread, message). Times are
//! milliseconds since the Unix epoch, passed in by the caller: nothing here reads a clock.

use serde::{Deserialize, Serialize};

use crate::i18n::{t, Key, Lang, Localize};
use crate::ledger::DebitKind;
use crate::params::ModelParams;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// One of a user's saved system prompts (see [`crate::persona`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Persona {
    /// Made by [`crate::ids::new_id`]; threads name their persona by it.
    pub persona_id: String,
    pub name: String,
    /// Sent as the system message of every call in a thread with this persona.
    pub text: String,
}

/// A person using this browser, with their own threads, models and token balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    pub display_name: String,
    /// The balance in tokens; equals Σ payment.charged_token − Σ message.total.
    pub num_token: i64,
    /// Set by the first paid top-up (the sign-up bonus does not count).
    pub is_charged_once: bool,
    /// The model in use, one of `models`.
    pub model: String,
    /// The user's two models, switched by モデルを切り替える.
    pub models: [String; 2],
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The user's parameters of each model they set any for, one entry per model. A list,
    /// not a map: a user has a few, and a map's code costs the first load 2 KB more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ModelEntry>,
    /// The user's saved system prompts ([`crate::persona`]), in the order they listed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub personas: Vec<Persona>,
    /// The persona a new thread starts with, one of `personas`; `None`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_persona: Option<String>,
    /// When the user last changed their name, models, parameters or personas (0: not
    /// since they were created). A debit or a top-up is not such a change. A sync keeps
    /// the later of two devices' changes by it.
    #[serde(default, skip_serializing_if = "is_never")]
    pub edited_at: Millis,
}

/// One model's parameters in a user's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    pub model: String,
    pub params: ModelParams,
}

impl User {
    /// The parameters of `model` (none set: the provider's defaults).
    pub fn params_of(&self, model: &str) -> ModelParams {
        self.params
            .iter()
            .find(|e| e.model == model)
            .map_or_else(ModelParams::default, |e| e.params)
    }

    /// Sets the parameters of `model`; the provider's defaults leave it no entry.
    pub fn set_params(&mut self, model: &str, params: ModelParams) {
        self.params.retain(|e| e.model != model);
        if params != ModelParams::default() {
            self.params.push(ModelEntry {
                model: model.to_owned(),
                params,
            });
        }
    }
}

/// A credit: the sign-up bonus (amount 0) or a top-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Made by [`crate::ids::new_id`].
    pub payment_id: String,
    pub user_id: String,
    /// What was paid, in the user's currency; 0 for the bonus.
    pub amount: f64,
    pub charged_token: i64,
    pub created_at: Millis,
    /// The sign-up bonus, made with the user: one per user, also once their devices
    /// sync. Payments stored before sync have `false`; see [`crate::sync::bonus_id`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub bonus: bool,
}

/// A conversation; only the current thread goes into the model's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Made by [`crate::ids::new_id`]; also the id of the thread's first branch.
    pub thread_id: String,
    pub user_id: String,
    pub title: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Set when the user deleted the thread: it is hidden and its messages' text is
    /// erased, but the rows stay so that their debits stay in the ledger history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Millis>,
    /// The branches whose paths were shown, the one on screen first (see
    /// [`crate::tree`]); empty: the thread's first branch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// Pinned by the user: listed before the others.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// The user's persona whose text is the thread's system message; `None` (or one the
    /// user removed since): no system message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// When the user last renamed or pinned the thread or chose its persona (0: not since
    /// it began); `updated_at` is its last activity. A sync keeps the later of two
    /// devices' changes by each.
    #[serde(default, skip_serializing_if = "is_never")]
    pub edited_at: Millis,
}

/// A line of versions in a thread: exchanges at depths `depth`, `depth + 1`, … each
/// answering the one before. A thread's first branch has the thread's id; every other
/// begins with another version of the exchange at `depth` on branch `from`'s path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub branch_id: String,
    pub thread_id: String,
    pub user_id: String,
    /// The branch holding the exchange this one's first exchange is a version of; `None`
    /// for the thread's first branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The depth of its first exchange (0: the thread's first exchange).
    pub depth: u32,
    /// The exchanges from this depth on were deleted (with all that followed them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<u32>,
    pub created_at: Millis,
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Complete,
    Interrupted,
    Failed,
}

/// One exchange: the user's prompt and the model's completion, and its debit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Made by [`crate::ids::new_id`].
    pub message_id: String,
    pub thread_id: String,
    pub user_id: String,
    /// The branch it is on, and its depth there: its place in the thread's version tree.
    pub branch: String,
    pub depth: u32,
    pub prompt: String,
    pub completion: String,
    /// The model's reasoning before the reply, when it sent any; shown, never sent back.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    /// `completion` as HTML ([`crate::markdown::render_stored`]), rendered by the data
    /// worker and kept so that the page never carries the Markdown renderer; empty until
    /// then. Derived: exports leave it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub html: String,
    /// Tokens debited for this exchange.
    pub total: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// The reasoning tokens among `completion_tokens`, as the provider reported them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reasoning_tokens: u64,
    /// Whether `total` is the provider's usage or an estimate.
    pub debit_kind: DebitKind,
    pub model: String,
    pub status: MessageStatus,
    pub created_at: Millis,
    /// Set when the user deleted this version: its text is erased, its debit stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Millis>,
}

impl Message {
    /// Erases what was said (the prompt, the reply, its reasoning) of a deleted exchange;
    /// its debit stays.
    pub fn erase_text(&mut self) {
        self.prompt.clear();
        self.completion.clear();
        self.reasoning.clear();
        self.html.clear();
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_never(at: &Millis) -> bool {
    *at == 0
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One setting (provider, key, theme, …), stored under its `key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub key: String,
    pub value: serde_json::Value,
}

/// A record an operation needed that is not there (deleted in another tab, say); `Display`
/// says so in English, [`Localize`] in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The user was deleted.
    User,
    /// No user exists yet.
    NoUser,
    /// The thread was deleted.
    Thread,
    /// The thread is another user's.
    ForeignThread,
    /// An exchange was to be updated before it was ever stored.
    UnsavedExchange,
    /// The exchange was deleted.
    Exchange,
    /// The exchange is in another thread.
    ForeignExchange,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::User => "This user no longer exists.",
            Missing::NoUser => "No user yet.",
            Missing::Thread => "This thread no longer exists.",
            Missing::ForeignThread => "This thread belongs to another user.",
            Missing::UnsavedExchange => "This exchange was never stored.",
            Missing::Exchange => "This exchange no longer exists.",
            Missing::ForeignExchange => "This exchange belongs to another thread.",
        })
    }
}

impl Localize for Missing {
    fn localize(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            Missing::User => "このユーザーはもう存在しません。",
            Missing::Thread => "このスレッドはもう存在しません。",
            Missing::ForeignThread => "このスレッドは別のユーザーのものです。",
            Missing::NoUser => "まだユーザーがいません。",
            Missing::UnsavedExchange | Missing::Exchange | Missing::ForeignExchange => {
                "必要なデータが見つかりません。"
            }
        }
        .to_owned()
    }
}

/// After creating a user.
pub fn welcome_user(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Welcome, {name}: you start with 100 tokens."),
        Lang::Ja => format!("ようこそ、{name} さん。100 トークンから始められます。"),
    }
}

/// The question before deleting a user.
pub fn delete_user_question(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Delete {name} and all their threads, messages and payments?"),
        Lang::Ja => format!("{name} と、そのスレッド・メッセージ・支払いをすべて削除しますか？"),
    }
}

/// After deleting a user; `None` when their name was not known.
pub fn deleted_user(lang: Lang, name: Option<&str>) -> String {
    let name = name.unwrap_or(t(lang, Key::TheUser));
    match lang {
        Lang::En => format!("Deleted {name} with all their threads, messages and payments."),
        Lang::Ja => format!("{name} を、そのスレッド・メッセージ・支払いとともに削除しました。"),
    }
}
