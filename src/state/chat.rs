//! One chat turn: context, ledger pre-flight, the provider call (streamed or whole), Stop,
//! and the exchange stored with its debit. Failures become sentences; the prompt is never
//! lost (back in the input box, or kept in the stored exchange).

use std::rc::Rc;

use leptos::prelude::*;
use pocket_chat_core::chat_api::{parse_completion, StreamReply, StreamStep, Usage};
use pocket_chat_core::context::{self, Turn};
use pocket_chat_core::i18n::Key;
use pocket_chat_core::ledger::{self, DebitKind};
use pocket_chat_core::provider::{
    classify, CallError, CallSpec, HttpRequest, ProviderKind, ProviderSettings,
};
use pocket_chat_core::records::{Message, MessageStatus};
use pocket_chat_core::sse::SseDecoder;
use pocket_chat_core::tokens;

use super::clock::now;
use super::config::Config;
use super::contexts::use_account;
use super::contexts::use_config;
use super::contexts::use_notices;
use super::contexts::use_sending;
use super::contexts::use_store;
use super::contexts::use_thread_window;
use super::contexts::use_threads;
use super::error::StateError;
use super::notices::Notices;
use super::people::Account;
use super::sending::{Pending, Sending};
use super::store::Store;
use super::text::key;
use super::threads::Threads;
use super::window::ThreadWindow;
use crate::providers::{self, Transport};
use crate::storage::{messages, threads as thread_store, users};

/// How a call ended.
enum Outcome {
    /// The whole reply arrived.
    Complete { text: String, usage: Option<Usage> },
    /// Part of a reply arrived: stopped by the user, or cut by a fault.
    Partial {
        text: String,
        usage: Option<Usage>,
        error: Option<CallError>,
    },
    /// Nothing was consumed: an HTTP error or no connection.
    Failed(CallError),
}

/// What a chat turn reads and writes. `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub store: Store,
    pub notices: Notices,
    /// The signed-in user, whose balance the turn debits.
    pub account: Account,
    /// The provider settings the request is made with.
    pub config: Config,
    /// The thread list, a new thread, and where the context began.
    pub threads: Threads,
    /// The window over the thread on screen, moved to the newest exchange.
    pub window: ThreadWindow,
    /// The input box, the pending exchange and the request Stop aborts.
    pub sending: Sending,
}

/// The contexts a chat turn uses, from the component that sends.
pub fn use_chat() -> Chat {
    Chat {
        store: use_store(),
        notices: use_notices(),
        account: use_account(),
        config: use_config(),
        threads: use_threads(),
        window: use_thread_window(),
        sending: use_sending(),
    }
}

/// Sends `prompt` in thread `thread` (`None`: a new thread, created with the first
/// exchange). `on_text` appends streamed text to the screen as it arrives (the UI passes a
/// function that adds a text node, so nothing re-renders).
pub async fn send(chat: Chat, thread: Option<u64>, prompt: String, on_text: Rc<dyn Fn(&str)>) {
    let Chat {
        store,
        notices,
        account,
        config,
        threads,
        window,
        sending,
    } = chat;
    let restore = |err: StateError| {
        sending.draft.set(prompt.clone());
        notices.fail(err);
    };
    let (Some(db), Some(shown)) = (store.db(), account.user.get_untracked()) else {
        let why = store.open_failed();
        return restore(why.map_or(StateError::StillOpeningToSend, StateError::Storage));
    };
    // The balance as stored now: another tab may have spent or added tokens meanwhile.
    let user = match users::get(&db, &shown.user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return restore(StateError::UserGone),
        Err(e) => return restore(e.into()),
    };
    let settings = config.provider.get_untracked();
    // The reply goes under the newest exchange, even from a window scrolled back.
    window.to_newest(thread).await;
    // The newest exchanges that may fit the model's window, read from storage: the screen
    // holds only part of a long thread.
    let room = context::limits(&user.model).window;
    let mut seen = 0u64;
    let (history, unread) = match thread {
        Some(thread_id) => {
            let read = messages::newest_until(&db, thread_id, |m| {
                seen = seen
                    .saturating_add(tokens::estimate_text(&m.prompt))
                    .saturating_add(tokens::estimate_text(&m.completion));
                seen > room
            });
            match read.await {
                Ok(read) => read,
                Err(e) => return restore(e.into()),
            }
        }
        None => (Vec::new(), 0),
    };
    let history: Vec<&Message> = history
        .iter()
        .filter(|m| m.status != MessageStatus::Failed)
        .collect();
    let turns: Vec<Turn> = history
        .iter()
        .map(|m| Turn {
            prompt: &m.prompt,
            completion: &m.completion,
        })
        .collect();
    let ctx = match context::build(&user.model, &settings.system_prompt, &turns, &prompt) {
        Ok(ctx) => ctx,
        Err(e) => return restore(e.into()),
    };
    let allowance = match ledger::preflight(user.num_token, ctx.prompt_estimate, ctx.reply_reserve)
    {
        Ok(a) => a,
        Err(e) => return restore(e.into()),
    };
    let spec = CallSpec {
        model: user.model.clone(),
        messages: ctx.messages,
        reply_cap: allowance.reply_cap,
        stream: settings.stream,
    };
    let request = match settings.request(&spec) {
        Ok(r) => r,
        Err(e) => return restore(e.into()),
    };
    notices.clear();
    let omitted = unread + ctx.omitted;
    let first_kept = (omitted > 0)
        .then(|| history.get(ctx.omitted).and_then(|m| m.message_id))
        .flatten();
    // The prompt shows at once; a new thread is created while it does.
    sending.pending.set(Some(Pending {
        prompt: prompt.clone(),
        omitted,
    }));
    let thread_id = match thread {
        Some(id) => id,
        None => match thread_store::create(&db, &user.user_id, &title_from(&prompt), now()).await {
            Ok(t) => {
                let id = t.thread_id.unwrap_or_default();
                threads.open(id);
                id
            }
            Err(e) => {
                sending.pending.set(None);
                return restore(e.into());
            }
        },
    };

    let mut checkpoint = Checkpoint {
        db: db.clone(),
        row: Message {
            message_id: None,
            thread_id,
            user_id: user.user_id.clone(),
            prompt: prompt.clone(),
            completion: String::new(),
            total: 0,
            prompt_tokens: allowance.prompt_estimate,
            completion_tokens: 0,
            debit_kind: DebitKind::Estimated,
            model: user.model.clone(),
            status: MessageStatus::Interrupted,
            created_at: now(),
        },
        last_saved: 0.0,
    };
    let mut outcome = call(
        sending,
        &request,
        &settings,
        &spec,
        on_text.clone(),
        &mut checkpoint,
    )
    .await;
    // Some compatible servers reject stream_options: retry once without it, and remember.
    if let Outcome::Failed(CallError::BadRequest { detail }) = &outcome {
        if settings.kind == ProviderKind::Compatible
            && spec.stream
            && !settings.omit_stream_options
            && detail
                .as_deref()
                .is_some_and(|d| d.contains("stream_options"))
        {
            let mut relaxed = settings.clone();
            relaxed.omit_stream_options = true;
            if let Ok(retry) = relaxed.request(&spec) {
                outcome = call(sending, &retry, &relaxed, &spec, on_text, &mut checkpoint).await;
                if let Err(e) = config.save(relaxed).await {
                    notices.fail(e);
                }
            }
        }
    }
    sending.set_in_flight(None);

    let (text, usage, status, error) = match outcome {
        Outcome::Failed(e) => {
            sending.pending.set(None);
            return restore(e.into());
        }
        Outcome::Partial { text, error, .. } if text.is_empty() => {
            // Nothing of the reply arrived: nothing to keep or debit; the prompt goes back.
            sending.pending.set(None);
            return match error {
                Some(e) => restore(e.into()),
                None => {
                    sending.draft.set(prompt);
                    notices.inform(key(Key::StoppedBeforeReply));
                }
            };
        }
        Outcome::Complete { text, usage } => (text, usage, MessageStatus::Complete, None),
        Outcome::Partial { text, usage, error } => (text, usage, MessageStatus::Interrupted, error),
    };
    // Exact usage when the provider sent it; otherwise our estimate, marked as such.
    let (prompt_tokens, completion_tokens, total, debit_kind) = match usage {
        Some(u) => (
            u.prompt_tokens,
            u.completion_tokens,
            u.total_tokens,
            DebitKind::Exact,
        ),
        None => {
            let completion = tokens::estimate_text(&text);
            (
                allowance.prompt_estimate,
                completion,
                allowance.prompt_estimate + completion,
                DebitKind::Estimated,
            )
        }
    };
    let message = Message {
        message_id: checkpoint.row.message_id,
        thread_id,
        user_id: user.user_id.clone(),
        prompt,
        completion: text,
        total,
        prompt_tokens,
        completion_tokens,
        debit_kind,
        model: user.model.clone(),
        status,
        created_at: now(),
    };
    let recorded = match message.message_id {
        // Saved while streaming: finish that row, moving the balance by the difference.
        Some(_) => messages::update_exchange(&db, &message, now()).await,
        None => messages::record_exchange(&db, &message, now()).await,
    };
    // The stored exchange replaces the pending one on screen without a gap.
    window.refresh().await;
    sending.pending.set(None);
    sending.streaming_row.set(None);
    match recorded {
        Ok(recorded) => {
            // Mark where the context began: the oldest exchange sent, or this one.
            threads
                .context_start
                .set((omitted > 0).then(|| first_kept.unwrap_or(recorded.message_id)));
            if let Some(e) = error {
                notices.fail(e);
            }
        }
        Err(e) => {
            // The reply could not be stored: keep the prompt to send again.
            sending.draft.set(message.prompt.clone());
            notices.fail(e);
        }
    }
    // The list and the balance of whoever is signed in now.
    if let Some(user_id) = account.user_id() {
        if let Err(e) = threads.reload(&user_id).await {
            notices.fail(e);
        }
    }
    account.reload();
}

/// Saves a streaming reply as it arrives (about once a second) as an interrupted exchange
/// debited by estimate; the end of the call then finishes the same row.
struct Checkpoint {
    db: Rc<crate::storage::Database>,
    row: Message,
    last_saved: f64,
}

impl Checkpoint {
    /// Whether a second has passed since the last save (or nothing was saved yet).
    fn due(&self) -> bool {
        js_sys::Date::now() - self.last_saved >= 1_000.0
    }

    async fn save(&mut self, sending: Sending, text: &str) {
        self.last_saved = js_sys::Date::now();
        let completion = tokens::estimate_text(text);
        self.row.completion = text.to_owned();
        self.row.completion_tokens = completion;
        self.row.total = self.row.prompt_tokens + completion;
        let saved = match self.row.message_id {
            Some(_) => messages::update_exchange(&self.db, &self.row, now()).await,
            None => messages::record_exchange(&self.db, &self.row, now()).await,
        };
        // A failed save is not fatal here: the end of the call writes (and reports) again.
        if let Ok(recorded) = saved {
            self.row.message_id = Some(recorded.message_id);
            sending.streaming_row.set(Some(recorded.message_id));
        }
    }
}

/// Stops the call in flight, keeping what arrived.
pub fn stop(sending: Sending) {
    sending.abort();
}

/// A thread's title: the first line of its first prompt, shortened.
fn title_from(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or("").trim();
    let mut title: String = line.chars().take(40).collect();
    if line.chars().count() > 40 {
        title.push('…');
    }
    title
}

async fn call(
    sending: Sending,
    request: &HttpRequest,
    settings: &ProviderSettings,
    spec: &CallSpec,
    on_text: Rc<dyn Fn(&str)>,
    checkpoint: &mut Checkpoint,
) -> Outcome {
    let (handle, reply) = providers::start(request, providers::idle_timeout_ms(spec.stream));
    sending.set_in_flight(Some(handle));
    let reply = match reply.await {
        Ok(r) => r,
        Err(Transport::Aborted) => {
            return Outcome::Partial {
                text: String::new(),
                usage: None,
                error: None,
            }
        }
        Err(failure) => return Outcome::Failed(providers::call_error(failure)),
    };
    if !reply.ok() {
        let status = reply.status();
        let retry_after = reply.header("retry-after");
        let body = reply.text().await.unwrap_or_default();
        return Outcome::Failed(classify(
            settings.kind,
            status,
            retry_after.as_deref(),
            &body,
            &spec.model,
        ));
    }
    if !spec.stream {
        return match reply.text().await {
            Ok(body) => match parse_completion(&body) {
                Ok(r) => {
                    on_text(&r.text);
                    Outcome::Complete {
                        text: r.text,
                        usage: r.usage,
                    }
                }
                Err(_) => Outcome::Failed(CallError::Malformed),
            },
            Err(Transport::Aborted) => Outcome::Partial {
                text: String::new(),
                usage: None,
                error: None,
            },
            Err(failure) => Outcome::Failed(providers::call_error(failure)),
        };
    }
    let mut chunks = match reply.chunks() {
        Ok(c) => c,
        Err(_) => return Outcome::Failed(CallError::Malformed),
    };
    let mut decoder = SseDecoder::new();
    let mut stream = StreamReply::default();
    let mut any_event = false;
    loop {
        let bytes = match chunks.next().await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => break,
            Err(Transport::Aborted) => {
                return Outcome::Partial {
                    text: stream.text,
                    usage: stream.usage,
                    error: None,
                }
            }
            Err(failure) => {
                let error = match failure {
                    Transport::Stalled(_) => providers::call_error(failure),
                    _ => CallError::StreamCut,
                };
                return Outcome::Partial {
                    text: stream.text,
                    usage: stream.usage,
                    error: Some(error),
                };
            }
        };
        // The text of all events in this read goes on screen at once: a burst of events
        // costs one DOM change, a paced stream one per event as before.
        let shown = stream.text.len();
        let show_new = |stream: &StreamReply| {
            if let Some(new) = stream.text.get(shown..).filter(|t| !t.is_empty()) {
                on_text(new);
            }
        };
        let events = decoder.push(&bytes);
        for event in events {
            any_event = true;
            let step = stream.apply(&event);
            if matches!(step, Ok(StreamStep::ProviderError(_)) | Err(_)) {
                show_new(&stream);
            }
            match step {
                Ok(StreamStep::Text(_) | StreamStep::Nothing | StreamStep::Done) => {}
                Ok(StreamStep::ProviderError(body)) => {
                    return Outcome::Partial {
                        text: stream.text,
                        usage: stream.usage,
                        error: Some(CallError::in_stream(&body)),
                    };
                }
                Err(_) => {
                    return Outcome::Partial {
                        text: stream.text,
                        usage: stream.usage,
                        error: Some(CallError::Malformed),
                    };
                }
            }
        }
        show_new(&stream);
        // Save what arrived so far: a tab closed mid-stream keeps it.
        if !stream.text.is_empty() && checkpoint.due() {
            checkpoint.save(sending, &stream.text).await;
        }
    }
    if !any_event {
        // A 200 whose body is not an event stream (an HTML error page, say).
        return Outcome::Failed(CallError::Malformed);
    }
    if stream.is_complete() {
        Outcome::Complete {
            text: stream.text,
            usage: stream.usage,
        }
    } else {
        Outcome::Partial {
            text: stream.text,
            usage: stream.usage,
            error: Some(CallError::StreamCut),
        }
    }
}
