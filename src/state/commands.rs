//! The phrases typed in the input box that run functions instead of going to the model:
//! 会話を始める, 残高を見る, 残高を加える [N], モデルを切り替える [name] and their aliases.
//! They are never sent to the model and cost nothing; their answers show in the thread.

use leptos::prelude::*;
use pocket_chat_core::commands::{self, Command, TopUpArg};
use pocket_chat_core::i18n::{self, Key};

use super::error::StateError;
use super::text::{key, Text};
use super::{now, people, threads, AppState, ThreadNote, TopUpRequest};
use crate::storage::{messages, payments, settings};

/// The settings key of the optional top-up PIN.
pub const PIN_KEY: &str = "topup_pin";

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

/// Runs a command typed as `typed`.
pub async fn run(state: AppState, command: Command, typed: String) {
    let answer = match command {
        Command::NewThread => {
            threads::start_new(state);
            key(Key::StartedThread)
        }
        Command::ShowBalance => match balance_report(state).await {
            Ok(report) => report,
            Err(e) => return state.fail(e),
        },
        Command::TopUp(TopUpArg::Tokens(tokens)) => {
            if pin(state).is_some() {
                state.top_up.set(Some(TopUpRequest {
                    tokens: Some(tokens),
                }));
                key(Key::EnterPinToAdd)
            } else {
                match top_up(state, tokens, 0.0, None).await {
                    Ok(sentence) => sentence,
                    Err(e) => e.into(),
                }
            }
        }
        Command::TopUp(TopUpArg::Missing) => {
            state.top_up.set(Some(TopUpRequest { tokens: None }));
            key(Key::AskTopUp)
        }
        Command::TopUp(invalid) => match invalid.fault() {
            Some(problem) => StateError::TopUp(problem).into(),
            None => key(Key::AskTopUp),
        },
        Command::SwitchModel(name) => match people::switch_model(state, name.as_deref()).await {
            Ok(user) => Text::new(move |lang| i18n::now_using(lang, &user.model, &user.models)),
            Err(e) => return state.fail(e),
        },
    };
    note(state, typed, answer);
}

/// Adds a note under the thread.
pub fn note(state: AppState, typed: String, answer: Text) {
    state
        .thread_notes
        .update(|notes| notes.push(ThreadNote { typed, answer }));
}

/// The balance, tokens used in this thread and in total.
async fn balance_report(state: AppState) -> Result<Text, StateError> {
    let db = state.open_db()?;
    let user = state.user.get_untracked().ok_or(StateError::StillOpening)?;
    // Summed now rather than taken from the bar, whose sum may still be on its way.
    let in_thread = match state.thread.get_untracked() {
        Some(thread_id) => messages::tally(&db, thread_id).await?.tokens,
        None => 0,
    };
    let all = messages::for_user(&db, &user.user_id).await?;
    let total: u64 = all.iter().map(|m| m.total).sum();
    let balance = user.num_token;
    Ok(Text::new(move |lang| {
        i18n::balance_report(lang, balance, in_thread, total)
    }))
}

/// The top-up PIN, when one is set.
pub fn pin(state: AppState) -> Option<String> {
    Some(state.pin.get_untracked()).filter(|p| !p.is_empty())
}

/// Stores the top-up PIN (empty: none).
pub async fn set_pin(state: AppState, pin: String) {
    let Some(db) = state.db() else { return };
    match settings::put(&db, PIN_KEY, pin.clone().into()).await {
        Ok(()) => state.pin.set(pin),
        Err(e) => state.fail(e),
    }
}

/// Adds `tokens` (with `amount` paid), checking the PIN when one is set. The sentence says
/// what happened.
pub async fn top_up(
    state: AppState,
    tokens: i64,
    amount: f64,
    typed_pin: Option<&str>,
) -> Result<Text, StateError> {
    let (Some(db), Some(user_id)) = (state.db(), state.user_id()) else {
        return Err(StateError::StillOpening);
    };
    if let Some(pin) = pin(state) {
        if typed_pin != Some(pin.as_str()) {
            return Err(StateError::WrongPin);
        }
    }
    let (user, _) = payments::top_up(&db, &user_id, tokens, amount, now()).await?;
    let balance = user.num_token;
    state.user.set(Some(user));
    Ok(Text::new(move |lang| {
        i18n::added_tokens(lang, tokens, balance)
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
