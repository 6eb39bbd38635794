//! The browser driver of a chat turn: reads what a turn starts from, moves bytes between
//! `fetch` and the pure [`ChatTurn`] of `pocket_chat_core::turn`, and applies its effects
//! to storage and the screen. Every rule of a turn lives in the core.

use std::rc::Rc;

use leptos::prelude::*;
use pocket_chat_core::turn::{ChatTurn, Effect, GiveBack, HistoryBudget, Input, Outcome, Start};

use super::clock::now;
pub use super::contexts::{use_chat, Chat};
use super::error::StateError;
use crate::providers::{self, Call};
use crate::storage::{messages, threads as thread_store, users, Database};

/// Sends `prompt` in thread `thread` (`None`: a new thread, created with the first
/// exchange). `on_text` appends streamed text to the screen as it arrives (the UI passes a
/// function that adds a text node, so nothing re-renders).
pub async fn send(chat: Chat, thread: Option<u64>, prompt: String, on_text: Rc<dyn Fn(&str)>) {
    let (db, user_id, mut turn) = match start(chat, thread, &prompt).await {
        Ok(started) => started,
        Err(why) => return give_back(chat, prompt, why),
    };
    chat.notices.clear();
    // The prompt shows at once; a new thread is created while it does.
    chat.sending.pending.set(Some(turn.pending()));
    let thread_id = match thread {
        Some(id) => id,
        None => match thread_store::create(&db, &user_id, &turn.title(), now()).await {
            Ok(t) => {
                let id = t.thread_id.unwrap_or_default();
                chat.threads.open(id);
                id
            }
            Err(e) => {
                chat.sending.pending.set(None);
                return give_back(chat, prompt, e.into());
            }
        },
    };
    turn.begin(thread_id, now());
    let outcome = run(chat, &db, &mut turn, on_text).await;
    chat.sending.set_in_flight(None);
    finish(chat, &db, outcome).await;
}

/// Reads what a turn starts from — the balance as stored now (another tab may have spent
/// or added tokens), the newest exchanges that may fit the model's window (the screen
/// holds only part of a long thread) — and starts it.
async fn start(
    chat: Chat,
    thread: Option<u64>,
    prompt: &str,
) -> Result<(Rc<Database>, String, ChatTurn), StateError> {
    let shown = chat.account.user_id();
    let (Some(db), Some(user_id)) = (chat.store.db(), shown) else {
        let why = chat.store.open_failed();
        return Err(why.map_or(StateError::StillOpeningToSend, StateError::Storage));
    };
    let user = users::get(&db, &user_id)
        .await?
        .ok_or(StateError::UserGone)?;
    // The reply goes under the newest exchange, even from a window scrolled back.
    chat.window.to_newest(thread).await;
    let (history, unread) = match thread {
        Some(thread_id) => {
            let mut budget = HistoryBudget::new(&user.model);
            messages::newest_until(&db, thread_id, |m| budget.enough(m)).await?
        }
        None => (Vec::new(), 0),
    };
    let settings = chat.config.provider.get_untracked();
    let turn = ChatTurn::start(Start {
        settings: &settings,
        user_id: &user_id,
        balance: user.num_token,
        model: &user.model,
        history: &history,
        unread,
        prompt,
        idle_timeout_ms: providers::idle_timeout_ms(),
    })?;
    Ok((db, user_id, turn))
}

/// Feeds the turn what the call brings and applies its effects, until it is over.
async fn run(chat: Chat, db: &Database, turn: &mut ChatTurn, on_text: Rc<dyn Fn(&str)>) -> Outcome {
    let lost = || providers::lost();
    let mut call: Option<Call> = None;
    loop {
        let Some(effect) = turn.poll() else {
            let deadline = turn.poll_timeout();
            let Some(call) = call.as_mut() else {
                // Nothing in flight to wait for: said as a request that did not go out.
                turn.handle(lost(), now());
                continue;
            };
            call.flight().set_deadline(deadline.map(|at| at - now()));
            match call.next().await.input() {
                Some(input) => turn.handle(input, now()),
                // The timer fired at the deadline: a wall clock that stepped back must not
                // leave the aborted call waiting.
                None => turn.handle_timeout(now().max(deadline.unwrap_or_default())),
            }
            continue;
        };
        match effect {
            Effect::Send(request) => match Call::start(&request) {
                Ok(started) => {
                    chat.sending.set_in_flight(Some(started.flight()));
                    call = Some(started);
                }
                Err(_) => turn.handle(lost(), now()),
            },
            Effect::ReadWhole => call.iter_mut().for_each(Call::read_whole),
            Effect::ReadStream => call.iter_mut().for_each(Call::read_stream),
            Effect::Show(text) => on_text(&text),
            Effect::Checkpoint(row) => {
                // Our own save is not the provider's silence: no deadline while it runs.
                call.iter().for_each(|c| c.flight().set_deadline(None));
                let saved = messages::save_exchange(db, &row, now()).await.ok();
                let saved = saved.map(|r| r.message_id);
                if saved.is_some() {
                    chat.sending.streaming_row.set(saved);
                }
                turn.handle(Input::Saved(saved), now());
            }
            Effect::SaveSettings(relaxed) => {
                if let Err(e) = chat.config.save(relaxed).await {
                    chat.notices.fail(e);
                }
            }
            Effect::Cancel => call.iter().for_each(|c| c.flight().abort()),
            Effect::Done(outcome) => return outcome,
        }
    }
}

/// Applies how the turn ended: the exchange stored with its debit, or the prompt back.
async fn finish(chat: Chat, db: &Database, outcome: Outcome) {
    let (exchange, error, context) = match outcome {
        Outcome::GaveBack { prompt, reason } => {
            chat.sending.pending.set(None);
            return match reason {
                GiveBack::Failed(e) => give_back(chat, prompt, e.into()),
                stopped => {
                    chat.sending.draft.set(prompt);
                    chat.notices.inform(stopped);
                }
            };
        }
        Outcome::Finished {
            exchange,
            error,
            context,
        } => (exchange, error, context),
    };
    let recorded = messages::save_exchange(db, &exchange, now()).await;
    // The stored exchange replaces the pending one on screen without a gap.
    chat.window.refresh().await;
    chat.sending.pending.set(None);
    chat.sending.streaming_row.set(None);
    match recorded {
        Ok(recorded) => {
            let marker = context.marker(recorded.message_id);
            chat.threads.context_start.set(marker);
            if let Some(e) = error {
                chat.notices.fail(e);
            }
        }
        // The reply could not be stored: keep the prompt to send again.
        Err(e) => give_back(chat, exchange.prompt, e.into()),
    }
    // The list and the balance of whoever is signed in now; the window was read above.
    if let Some(user_id) = chat.account.user_id() {
        if let Err(e) = chat.threads.reload(&user_id).await {
            chat.notices.fail(e);
        }
    }
    if let Err(e) = chat.account.refresh_user().await {
        chat.notices.fail(e);
    }
}

/// Puts `prompt` back in the input box and says why it was not sent.
fn give_back(chat: Chat, prompt: String, why: StateError) {
    chat.sending.draft.set(prompt);
    chat.notices.fail(why);
}
