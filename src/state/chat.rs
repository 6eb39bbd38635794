//! The browser driver of a chat turn: reads what a turn starts from, moves bytes between
//! `fetch` and the pure [`ChatTurn`] of `pocket_chat_core::turn`, and applies its effects
//! to storage and the screen. Every rule of a turn lives in the core.

use std::rc::Rc;

use leptos::prelude::*;
use pocket_chat_core::persona;
use pocket_chat_core::records::{Branch, Missing};
use pocket_chat_core::tree::Place;
use pocket_chat_core::turn::{
    ChatTurn, Effect, GiveBack, HistoryBudget, Input, Outcome, Slot, Start,
};

use super::clock::now;
pub use super::contexts::{use_chat, Chat};
use super::error::StateError;
use crate::ids::record_id;
use crate::providers::{self, Call};
use crate::storage::messages::{self, Span};
use crate::storage::{threads as thread_store, users, Database, StorageError};

/// Where a turn's exchange goes, and where its prompt was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// At the end of the path on screen: a send from the input box.
    Send,
    /// A new version of the exchange `message_id` at `depth` of the path, with the
    /// exchanges before it as context: its prompt edited in place.
    Edit { depth: u32, message_id: String },
    /// The same, with the same prompt: a regenerate (nothing was typed).
    Regenerate { depth: u32 },
}

impl Ask {
    /// The depth of the exchange this makes a new version of.
    fn version_of(&self) -> Option<u32> {
        match self {
            Ask::Send => None,
            Ask::Edit { depth, .. } | Ask::Regenerate { depth } => Some(*depth),
        }
    }
}

/// Which part of a reply streamed text belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The reply itself.
    Reply,
    /// The model's reasoning before it, shown in the Thinking block.
    Reasoning,
}

/// Appends streamed text of a part to the screen (the view owns the DOM).
pub type OnText = Rc<dyn Fn(Stream, &str)>;

/// Sends `prompt` in thread `thread` (`None`: a new thread, created with the first
/// exchange). `on_text` appends streamed text to the screen as it arrives (the UI passes a
/// function that adds a text node, so nothing re-renders).
pub async fn send(chat: Chat, thread: Option<String>, prompt: String, on_text: OnText) {
    ask(chat, thread, Ask::Send, prompt, None, on_text).await;
}

/// Asks `prompt` as `how` says, in thread `thread`, of `model` (`None`: the user's model
/// in use). A prompt that cannot be sent goes back where it was typed, with the reason.
pub async fn ask(
    chat: Chat,
    thread: Option<String>,
    how: Ask,
    prompt: String,
    model: Option<String>,
    on_text: OnText,
) {
    let Started {
        db,
        user_id,
        mut turn,
        spot,
        persona,
    } = match start(chat, thread.as_deref(), &how, &prompt, model).await {
        Ok(started) => started,
        Err(why) => return give_back(chat, &how, prompt, why),
    };
    chat.notices.clear();
    if let Some(depth) = how.version_of() {
        chat.window.hold(depth);
    }
    // The prompt shows at once; a new thread is created while it does.
    chat.sending.show_pending(turn.pending());
    let now_ms = now();
    let (thread_id, place) = match (thread, spot) {
        (Some(id), Some(place)) => (id, place),
        _ => {
            let id = record_id(now_ms);
            match thread_store::create(&db, id.clone(), &user_id, &turn.title(), persona, now_ms)
                .await
            {
                Ok(_) => {
                    chat.threads.open(id.clone());
                    let first = Place {
                        branch: id.clone(),
                        depth: 0,
                        fork: None,
                    };
                    (id, first)
                }
                Err(e) => {
                    chat.sending.settle();
                    return give_back(chat, &how, prompt, e.into());
                }
            }
        }
    };
    turn.begin(
        Slot {
            message_id: record_id(now_ms),
            thread_id,
            branch: place.branch,
            depth: place.depth,
        },
        now(),
    );
    let outcome = run(chat, &db, &mut turn, place.fork.as_ref(), on_text).await;
    chat.sending.set_in_flight(None);
    finish(chat, &db, &how, outcome, place.fork.as_ref()).await;
}

/// A turn started, and what its first save needs.
struct Started {
    db: Rc<Database>,
    user_id: String,
    turn: ChatTurn,
    /// Where the exchange goes; `None`: first in a thread not created yet.
    spot: Option<Place>,
    /// The new thread's persona (an existing thread keeps its own).
    persona: Option<String>,
}

/// Reads what a turn starts from — the balance as stored now (another tab may have spent
/// or added tokens), the path's exchanges before the new one that may fit the model's
/// window (the screen holds only part of a long thread), where the new one goes, the
/// thread's persona (a new thread's: the one chosen for it, or the user's default) — and
/// starts it.
async fn start(
    chat: Chat,
    thread: Option<&str>,
    how: &Ask,
    prompt: &str,
    model: Option<String>,
) -> Result<Started, StateError> {
    let shown = chat.account.user_id();
    let (Some(db), Some(user_id)) = (chat.store.db(), shown) else {
        let why = chat.store.open_failed();
        return Err(why.map_or(StateError::StillOpeningToSend, StateError::Storage));
    };
    let user = users::get(&db, &user_id)
        .await?
        .ok_or(StateError::UserGone)?;
    let model = model.unwrap_or_else(|| user.model.clone());
    if *how == Ask::Send {
        // The reply goes under the newest exchange, even from a window scrolled back.
        chat.window.to_newest(thread).await;
    }
    let (history, unread, spot, persona) = match thread {
        Some(thread_id) => {
            let path = messages::read_path(&db, thread_id, Span::Newest(0)).await?;
            let now_ms = now();
            let (end, place) = path
                .tree
                .place_turn(
                    &path.thread.path,
                    &path.segments,
                    path.len,
                    how.version_of(),
                    record_id(now_ms),
                    &user_id,
                    now_ms,
                )
                .ok_or(StorageError::NotFound(Missing::Exchange))?;
            let window = chat.config.limits(&model).window;
            let mut budget = HistoryBudget::new(window);
            let (history, unread) =
                messages::history(&db, thread_id, &path.segments, end, |m| budget.enough(m))
                    .await?;
            (history, unread, Some(place), path.thread.persona)
        }
        None => {
            let persona = untrack(|| chat.threads.new_persona()).persona(&user);
            (Vec::new(), 0, None, persona)
        }
    };
    let settings = chat.config.provider();
    let turn = ChatTurn::start(Start {
        settings: &settings,
        user_id: &user_id,
        balance: user.num_token,
        model: &model,
        params: user.params_of(&model),
        system: persona::system_text(&user.personas, persona.as_deref()),
        history: &history,
        unread,
        prompt,
        idle_timeout_ms: providers::idle_timeout_ms(),
    })?;
    Ok(Started {
        db,
        user_id,
        turn,
        spot,
        persona,
    })
}

/// Feeds the turn what the call brings and applies its effects, until it is over.
async fn run(
    chat: Chat,
    db: &Database,
    turn: &mut ChatTurn,
    fork: Option<&Branch>,
    on_text: OnText,
) -> Outcome {
    let lost = || providers::lost();
    let mut call: Option<Call> = None;
    let mut forked = false;
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
            Effect::Show(text) => on_text(Stream::Reply, &text),
            Effect::Think(text) => on_text(Stream::Reasoning, &text),
            Effect::Checkpoint(row) => {
                // Our own save is not the provider's silence: no deadline while it runs.
                call.iter().for_each(|c| c.flight().set_deadline(None));
                if messages::save_exchange(db, &row, fork, now()).await.is_ok() {
                    chat.sending.streams_into(row.message_id);
                    // A new version's path is the thread's from its first save: show it
                    // (the row itself streams as the pending exchange).
                    if fork.is_some() && !forked {
                        forked = true;
                        chat.window.release();
                        chat.window.reread().await;
                    }
                }
                turn.handle(Input::Saved, now());
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
async fn finish(chat: Chat, db: &Database, how: &Ask, outcome: Outcome, fork: Option<&Branch>) {
    let (exchange, error, context) = match outcome {
        Outcome::GaveBack { prompt, reason } => {
            chat.sending.settle();
            // Nothing was stored: the path shows as it was.
            chat.window.release();
            chat.window.reread().await;
            return match reason {
                GiveBack::Failed(e) => give_back(chat, how, prompt, e.into()),
                stopped => {
                    put_back(chat, how, prompt);
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
    let recorded = messages::save_exchange(db, &exchange, fork, now()).await;
    chat.window.release();
    // The stored exchange replaces the pending one on screen without a gap.
    chat.window.reread().await;
    chat.sending.settle();
    match recorded {
        Ok(_) => {
            let marker = context.marker(&exchange.message_id);
            chat.threads.mark_context_start(marker);
            if let Some(e) = error {
                chat.notices.fail(e);
            }
        }
        // The reply could not be stored: keep the prompt to send again.
        Err(e) => give_back(chat, how, exchange.prompt, e.into()),
    }
    // The list and the balance of whoever is signed in now; the window was read above.
    if let Some(user_id) = chat.account.user_id() {
        if let Err(e) = chat.threads.reread(&user_id).await {
            chat.notices.fail(e);
        }
    }
    if let Err(e) = chat.account.reread_user().await {
        chat.notices.fail(e);
    }
}

/// Puts `prompt` back where it was typed and says why it was not sent.
fn give_back(chat: Chat, how: &Ask, prompt: String, why: StateError) {
    put_back(chat, how, prompt);
    chat.notices.fail(why);
}

/// Puts `prompt` back where it was typed: the input box, or the edit box of the exchange
/// it edits (so a draft in the input box is not overwritten); a regenerate typed nothing.
fn put_back(chat: Chat, how: &Ask, prompt: String) {
    match how {
        Ask::Send => chat.sending.set_draft(prompt),
        Ask::Edit { message_id, .. } => chat.sending.reopen_edit(message_id.clone(), prompt),
        Ask::Regenerate { .. } => {}
    }
}
