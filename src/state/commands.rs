//! The phrases typed in the input box that run functions instead of going to the model:
//! 会話を始める, 残高を見る, 残高を加える [N], モデルを切り替える [name] and their aliases.
//! They are never sent to the model and cost nothing; their answers show in the thread.

use leptos::prelude::*;
use pocket_chat_core::commands::{self, Command, TopUpArg};
use pocket_chat_core::i18n::Key;

use super::account::Account;
use super::contexts::use_account;
use super::contexts::use_notices;
use super::contexts::use_store;
use super::contexts::use_threads;
use super::contexts::use_top_up;
use super::error::StateError;
use super::notices::Notices;
use super::store::Store;
use super::text::{key, Text};
use super::threads::Threads;
use super::top_up::TopUp;
use crate::storage::messages;

/// Unicode NFKC folding by the browser (`String.prototype.normalize`), which costs the
/// page nothing, where a Rust table would add about 60 KB.
pub fn nfkc(text: &str) -> String {
    js_sys::JsString::from(text)
        .normalize("NFKC")
        .as_string()
        .unwrap_or_else(|| text.to_owned())
}

/// The command `text` runs, if it is one.
pub fn parse(text: &str) -> Option<Command> {
    commands::parse(text, nfkc)
}

/// What commands read and change. `Copy`.
#[derive(Clone, Copy)]
pub struct Commands {
    pub store: &'static Store,
    pub notices: &'static Notices,
    /// The signed-in user: the balance, the model.
    pub account: &'static Account,
    /// The thread on screen: a new one, and the notes answers go to.
    pub threads: &'static Threads,
    pub top_up: &'static TopUp,
}

/// The contexts commands use, from the component where they are typed.
pub fn use_commands() -> Commands {
    Commands {
        store: use_store(),
        notices: use_notices(),
        account: use_account(),
        threads: use_threads(),
        top_up: use_top_up(),
    }
}

/// Runs a command typed as `typed` in thread `thread` (the one on screen).
pub async fn run(cx: Commands, thread: Option<String>, command: Command, typed: String) {
    let answer = match command {
        Command::NewThread => {
            cx.threads.start_new();
            key(Key::StartedThread)
        }
        Command::ShowBalance => match balance_report(cx, thread).await {
            Ok(report) => report,
            Err(e) => return cx.notices.fail(e),
        },
        Command::TopUp(TopUpArg::Tokens(tokens)) => {
            if untrack(|| cx.top_up.needs_pin()) {
                cx.top_up.ask(Some(tokens));
                key(Key::EnterPinToAdd)
            } else {
                match cx.top_up.add(tokens, 0.0, None).await {
                    Ok(sentence) => sentence,
                    Err(e) => e.into(),
                }
            }
        }
        Command::TopUp(TopUpArg::Missing) => {
            cx.top_up.ask(None);
            key(Key::AskTopUp)
        }
        Command::TopUp(invalid) => match invalid.fault() {
            Some(problem) => StateError::TopUp(problem).into(),
            None => key(Key::AskTopUp),
        },
        Command::SwitchModel(name) => match cx.account.switch_model(name.as_deref()).await {
            Ok(user) => Text::new(move |lang| {
                pocket_chat_core::commands::now_using(lang, &user.model, &user.models)
            }),
            Err(e) => return cx.notices.fail(e),
        },
    };
    cx.threads.note(typed, answer);
}

/// The balance, tokens used in `thread` and in total.
async fn balance_report(cx: Commands, thread: Option<String>) -> Result<Text, StateError> {
    let db = cx.store.open_db()?;
    let user = cx
        .account
        .user()
        .get_untracked()
        .ok_or(StateError::StillOpening)?;
    // Summed now rather than taken from the bar, whose sum may still be on its way.
    let in_thread = match thread {
        Some(thread_id) => messages::tally(&db, &thread_id).await?.tokens,
        None => 0,
    };
    let all = messages::for_user(&db, &user.user_id).await?;
    let total: u64 = all.iter().map(|m| m.total).sum();
    let balance = user.num_token;
    Ok(Text::new(move |lang| {
        pocket_chat_core::commands::balance_report(lang, balance, in_thread, total)
    }))
}

/// The top-up form's fields read by the rules of typing 残高を加える N: the tokens to add
/// and the amount paid (empty: 0).
pub fn read_top_up_form(tokens: &str, amount: &str) -> Result<(i64, f64), StateError> {
    let count = match parse(&format!("/topup {tokens}")) {
        Some(Command::TopUp(TopUpArg::Tokens(n))) => n,
        Some(Command::TopUp(other)) => {
            return Err(other
                .fault()
                .map_or(StateError::NoTopUpCount, StateError::TopUp))
        }
        _ => return Err(StateError::NoTopUpCount),
    };
    let paid = amount.trim();
    let paid = if paid.is_empty() {
        Ok(0.0)
    } else {
        paid.replace(',', "").parse::<f64>()
    };
    let paid = paid
        .ok()
        .filter(|p| p.is_finite() && *p >= 0.0)
        .ok_or(StateError::BadAmount)?;
    Ok((count, paid))
}
