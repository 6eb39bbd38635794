//! One chat turn as a deterministic state machine, in the manner of quinn-proto: no
//! clock, no IO, no browser. The caller starts it with what it read (the user's balance
//! and model, the provider settings, the history, the prompt, `now`), then feeds it what
//! happens — the response head, body text or stream bytes in any split, Stop, a lost
//! connection, the passing of time — and applies the [`Effect`]s it hands out: requests
//! to send, text to show, checkpoint rows to save, and at the end the finished exchange
//! with its status and debit, or the prompt given back with the reason.
//!
//! Every rule of a turn lives here: the pre-flight and reply cap, the retry without
//! `stream_options`, the outcome → status → debit mapping, "nothing arrived: the prompt
//! goes back", the once-a-second checkpoint and the idle timeout.

use std::collections::VecDeque;

use crate::chat_api::{parse_completion, StreamReply, StreamStep, Usage};
use crate::context::{self, TooLong};
use crate::i18n::{Key, Lang, Localize};
use crate::ledger::{self, Allowance, DebitKind, LedgerError};
use crate::params::ModelParams;
use crate::provider::{
    classify, CallError, CallSpec, HttpRequest, ProviderKind, ProviderSettings, SettingsError,
};
use crate::records::{Message, MessageStatus, Millis};
use crate::sse::SseDecoder;
use crate::tokens;

/// How long a streamed reply may send nothing before it is given up: 60,000 ms.
pub const IDLE_TIMEOUT_MS: u32 = 60_000;
/// A whole (not streamed) reply arrives only when the model has finished, so it may stay
/// silent this many times as long as a stream.
pub const WHOLE_REPLY_FACTOR: u32 = 10;
/// A streaming reply is saved at most this often, in milliseconds, so a tab closed
/// mid-stream keeps what had arrived.
pub const CHECKPOINT_EVERY_MS: Millis = 1_000;
/// A thread's title is its first prompt's first line, cut to this many characters.
pub const TITLE_CHARS: usize = 40;

/// Decides how much of a thread's history to read for a call: read newest first, and
/// stop once the exchanges read exceed the model's whole window (older ones could not be
/// sent anyway). The context window then picks what fits exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryBudget {
    room: u64,
    seen: u64,
}

impl HistoryBudget {
    /// A budget of a context window of `window` tokens.
    pub fn new(window: u64) -> HistoryBudget {
        HistoryBudget {
            room: window,
            seen: 0,
        }
    }

    /// Counts `exchange` (read newest first); true once enough has been read.
    pub fn enough(&mut self, exchange: &Message) -> bool {
        self.seen = self
            .seen
            .saturating_add(tokens::estimate_text(&exchange.prompt))
            .saturating_add(tokens::estimate_text(&exchange.completion));
        self.seen > self.room
    }
}

/// A thread's title: the first line of its first prompt, shortened.
pub fn title_from(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or("").trim();
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

/// What a turn starts from.
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    pub settings: &'a ProviderSettings,
    pub user_id: &'a str,
    /// The user's balance as stored now, in tokens.
    pub balance: i64,
    /// The model the user has chosen.
    pub model: &'a str,
    /// The user's parameters for that model.
    pub params: ModelParams,
    /// The system message: the text of the thread's persona (empty: none).
    pub system: &'a str,
    /// The newest exchanges of the thread, oldest first (read with a [`HistoryBudget`]).
    pub history: &'a [Message],
    /// How many older exchanges were not read.
    pub unread: usize,
    pub prompt: &'a str,
    /// A streamed reply's idle timeout in milliseconds ([`IDLE_TIMEOUT_MS`] unless a test
    /// shortens it).
    pub idle_timeout_ms: u32,
}

/// Why a turn was refused before any request: the prompt goes back in the box.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    TooLong(#[from] TooLong),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl Localize for Refusal {
    fn localize(&self, lang: Lang) -> String {
        match self {
            Refusal::TooLong(e) => e.localize(lang),
            Refusal::Ledger(e) => e.localize(lang),
            Refusal::Settings(e) => e.localize(lang),
        }
    }
}

/// What happens next in a call; fed with [`ChatTurn::handle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// The response head arrived.
    Head {
        status: u16,
        retry_after: Option<&'a str>,
    },
    /// The whole body, after [`Effect::ReadWhole`].
    Body(&'a str),
    /// Bytes of the body, after [`Effect::ReadStream`], split anywhere.
    Bytes(&'a [u8]),
    /// The streamed body ended.
    End,
    /// The user pressed Stop; the request is aborted.
    Stopped,
    /// The request or its body failed in transport (network, DNS, CORS); `offline` when
    /// the browser says it has no network.
    Lost { offline: bool },
    /// The checkpoint row of [`Effect::Checkpoint`] was stored, or could not be — not
    /// fatal: the end of the turn writes and reports again.
    Saved,
}

/// What the caller must do, in the order [`ChatTurn::poll`] hands them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send this request (the first, or a retry replacing the one before).
    Send(HttpRequest),
    /// Read the body as one text and feed [`Input::Body`].
    ReadWhole,
    /// Read the body chunk by chunk, feeding [`Input::Bytes`] and then [`Input::End`].
    ReadStream,
    /// Append this text of the reply to the screen.
    Show(String),
    /// Append this text of the model's reasoning to the screen.
    Think(String),
    /// Save this row (inserted the first time, then updated), then feed [`Input::Saved`].
    Checkpoint(Message),
    /// Store these provider settings: the endpoint rejected `stream_options`, so it is
    /// left out from now on.
    SaveSettings(ProviderSettings),
    /// Abort the request in flight (it timed out).
    Cancel,
    /// The turn is over.
    Done(Outcome),
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Some or all of a reply arrived: store `exchange` (its checkpoint row, finished),
    /// then show `error` if there is one.
    Finished {
        exchange: Box<Message>,
        error: Option<CallError>,
        context: ContextStart,
    },
    /// Nothing of a reply arrived: nothing to keep or debit; the prompt goes back in the box.
    GaveBack { prompt: String, reason: GiveBack },
}

/// Why the prompt went back in the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiveBack {
    /// Stop before any of the reply arrived (said as information, not as a failure).
    Stopped,
    /// The call failed.
    Failed(CallError),
}

impl Localize for GiveBack {
    fn localize(&self, lang: Lang) -> String {
        match self {
            GiveBack::Stopped => Key::StoppedBeforeReply.localize(lang),
            GiveBack::Failed(e) => e.localize(lang),
        }
    }
}

/// Where the context that was sent began, so the thread can mark it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextStart {
    /// Earlier exchanges that were left out.
    pub omitted: usize,
    /// The oldest exchange that was sent, when it was an earlier one.
    pub first_kept: Option<String>,
}

impl ContextStart {
    /// The exchange to mark as the start of the context, given the id the new exchange
    /// was stored under: none when nothing was left out.
    pub fn marker(self, stored_id: &str) -> Option<String> {
        (self.omitted > 0).then(|| self.first_kept.unwrap_or_else(|| stored_id.to_owned()))
    }
}

/// The prompt on screen while the reply comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub prompt: String,
    /// Earlier exchanges left out of the context because the window is full.
    pub omitted: usize,
}

/// Where a turn is.
#[derive(Debug)]
enum Phase {
    /// Started; waiting for [`ChatTurn::begin`].
    Ready,
    /// The request is out; waiting for the response head.
    Requesting,
    /// An error status: reading the body that says why.
    ReadingError {
        status: u16,
        retry_after: Option<String>,
    },
    /// A whole reply: reading its body.
    ReadingWhole,
    /// A streamed reply arriving.
    Streaming {
        decoder: SseDecoder,
        reply: StreamReply,
        any_event: bool,
    },
    /// A checkpoint is being saved; the stream goes on after [`Input::Saved`].
    Saving {
        decoder: SseDecoder,
        reply: StreamReply,
    },
    Over,
}

/// Where the exchange of a turn is stored: its id, its thread, and its place in the
/// thread's version tree (see [`crate::tree`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    pub message_id: String,
    pub thread_id: String,
    pub branch: String,
    pub depth: u32,
}

/// One chat turn. See the module documentation.
#[derive(Debug)]
pub struct ChatTurn {
    settings: ProviderSettings,
    /// The first request, until [`ChatTurn::begin`] sends it.
    request: Option<HttpRequest>,
    spec: CallSpec,
    user_id: String,
    prompt: String,
    allowance: Allowance,
    context: ContextStart,
    idle_timeout_ms: u32,
    slot: Slot,
    /// When the turn began: the checkpoint row's time.
    began_at: Millis,
    phase: Phase,
    deadline: Option<Millis>,
    last_saved: Option<Millis>,
    effects: VecDeque<Effect>,
}

impl ChatTurn {
    /// Builds the context and checks the ledger; refuses when the prompt does not fit the
    /// model, the balance does not cover it, or the settings cannot make a request.
    pub fn start(start: Start<'_>) -> Result<ChatTurn, Refusal> {
        // Failed exchanges never reached the model: they are not context either.
        let history: Vec<&Message> = start
            .history
            .iter()
            .filter(|m| m.status != MessageStatus::Failed)
            .collect();
        let turns: Vec<context::Turn> = history
            .iter()
            .map(|m| context::Turn {
                prompt: &m.prompt,
                completion: &m.completion,
            })
            .collect();
        // The user's own reply cap lowers the model's; the pre-flight reserves no more.
        let mut limits = start.settings.limits(start.model);
        if let Some(cap) = start.params.max_reply {
            limits.max_reply = limits.max_reply.min(cap);
        }
        let ctx = context::build(start.model, limits, start.system, &turns, start.prompt)?;
        let allowance = ledger::preflight(start.balance, ctx.prompt_estimate, ctx.reply_reserve)?;
        let spec = CallSpec {
            model: start.model.to_owned(),
            messages: ctx.messages,
            reply_cap: allowance.reply_cap,
            stream: start.settings.stream,
            params: start.params,
        };
        // Built now, so a settings problem refuses before anything shows.
        let request = start.settings.request(&spec)?;
        let omitted = start.unread + ctx.omitted;
        let first_kept = (omitted > 0)
            .then(|| history.get(ctx.omitted).map(|m| m.message_id.clone()))
            .flatten();
        Ok(ChatTurn {
            settings: start.settings.clone(),
            request: Some(request),
            spec,
            user_id: start.user_id.to_owned(),
            prompt: start.prompt.to_owned(),
            allowance,
            context: ContextStart {
                omitted,
                first_kept,
            },
            idle_timeout_ms: start.idle_timeout_ms.max(1),
            slot: Slot::default(),
            began_at: 0,
            phase: Phase::Ready,
            deadline: None,
            last_saved: None,
            effects: VecDeque::new(),
        })
    }

    /// The prompt to show at once, and how many earlier exchanges the context leaves out.
    pub fn pending(&self) -> Pending {
        Pending {
            prompt: self.prompt.clone(),
            omitted: self.context.omitted,
        }
    }

    /// The title of a new thread begun by this turn.
    pub fn title(&self) -> String {
        title_from(&self.prompt)
    }

    /// The reply cap sent, from the pre-flight, in tokens.
    pub fn reply_cap(&self) -> u64 {
        self.allowance.reply_cap
    }

    /// Sends the request for the exchange stored as `slot` says (its thread created by now
    /// if it was new).
    pub fn begin(&mut self, slot: Slot, now: Millis) {
        let (Phase::Ready, Some(request)) = (&self.phase, self.request.take()) else {
            return;
        };
        self.slot = slot;
        self.began_at = now;
        self.effects.push_back(Effect::Send(request));
        self.phase = Phase::Requesting;
        self.arm(now);
    }

    /// The next thing to do, until the turn is over.
    pub fn poll(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// When the turn gives up unless something arrives before: a time in the caller's
    /// clock (milliseconds), or `None` while nothing is awaited.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.deadline
    }

    /// Time has passed: gives up when the deadline of [`ChatTurn::poll_timeout`] is reached.
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.deadline.is_none_or(|at| now < at) {
            return;
        }
        self.deadline = None;
        self.effects.push_back(Effect::Cancel);
        let stalled = CallError::Stalled {
            seconds: self.timeout_ms().div_ceil(1000),
        };
        match std::mem::replace(&mut self.phase, Phase::Over) {
            Phase::Requesting | Phase::ReadingWhole => self.give_back(GiveBack::Failed(stalled)),
            Phase::ReadingError {
                status,
                retry_after,
            } => self.failed_status(status, retry_after.as_deref(), "", now),
            Phase::Streaming { reply, .. } => self.partial(reply, Some(stalled), now),
            phase => self.phase = phase,
        }
    }

    /// Takes what happened; `now` is the caller's clock in milliseconds.
    pub fn handle(&mut self, input: Input<'_>, now: Millis) {
        let phase = std::mem::replace(&mut self.phase, Phase::Over);
        match (phase, input) {
            (
                Phase::Requesting,
                Input::Head {
                    status,
                    retry_after,
                },
            ) => {
                if !(200..300).contains(&status) {
                    self.phase = Phase::ReadingError {
                        status,
                        retry_after: retry_after.map(str::to_owned),
                    };
                    self.effects.push_back(Effect::ReadWhole);
                } else if self.spec.stream {
                    self.phase = Phase::Streaming {
                        decoder: SseDecoder::new(),
                        reply: StreamReply::default(),
                        any_event: false,
                    };
                    self.effects.push_back(Effect::ReadStream);
                } else {
                    self.phase = Phase::ReadingWhole;
                    self.effects.push_back(Effect::ReadWhole);
                }
                self.arm(now);
            }
            (Phase::Requesting | Phase::ReadingWhole, Input::Stopped) => {
                self.give_back(GiveBack::Stopped)
            }
            (Phase::Requesting | Phase::ReadingWhole, Input::Lost { offline }) => {
                self.give_back(GiveBack::Failed(CallError::not_reached(offline)))
            }
            (
                Phase::ReadingError {
                    status,
                    retry_after,
                },
                input,
            ) => {
                // An error body that cannot be read still gives its status.
                let body = match input {
                    Input::Body(body) => body,
                    _ => "",
                };
                self.failed_status(status, retry_after.as_deref(), body, now);
            }
            (Phase::ReadingWhole, Input::Body(body)) => match parse_completion(body) {
                Ok(reply) => {
                    if !reply.reasoning.is_empty() {
                        self.effects
                            .push_back(Effect::Think(reply.reasoning.clone()));
                    }
                    if !reply.text.is_empty() {
                        self.effects.push_back(Effect::Show(reply.text.clone()));
                    }
                    let whole = StreamReply {
                        text: reply.text,
                        reasoning: reply.reasoning,
                        finish_reason: reply.finish_reason,
                        usage: reply.usage,
                        done: true,
                    };
                    self.finish(whole, MessageStatus::Complete, None, now);
                }
                Err(_) => self.give_back(GiveBack::Failed(CallError::Malformed)),
            },
            (
                Phase::Streaming {
                    decoder,
                    reply,
                    any_event,
                },
                input,
            ) => self.stream(decoder, reply, any_event, input, now),
            (Phase::Saving { decoder, reply }, Input::Saved) => {
                self.phase = Phase::Streaming {
                    decoder,
                    reply,
                    any_event: true,
                };
                self.arm(now);
            }
            // Stop or a lost connection while a checkpoint is saved: the save still
            // reports, and the stream ends as it would have.
            (Phase::Saving { reply, .. }, Input::Stopped) => self.partial(reply, None, now),
            (Phase::Saving { reply, .. }, Input::Lost { .. }) => {
                self.partial(reply, Some(CallError::StreamCut), now)
            }
            // Anything else does not belong to this phase: ignored.
            (phase, _) => self.phase = phase,
        }
    }

    /// One input of a streamed reply.
    fn stream(
        &mut self,
        mut decoder: SseDecoder,
        mut reply: StreamReply,
        mut any_event: bool,
        input: Input<'_>,
        now: Millis,
    ) {
        match input {
            Input::Bytes(bytes) => {
                // The text of all events in this read goes on screen at once: a burst of
                // events costs one change on screen.
                let shown = (reply.text.len(), reply.reasoning.len());
                for event in decoder.push(bytes) {
                    any_event = true;
                    let error = match reply.apply(&event) {
                        Ok(StreamStep::ProviderError(body)) => CallError::in_stream(&body),
                        Err(_) => CallError::Malformed,
                        Ok(_) => continue,
                    };
                    self.show_from(&reply, shown);
                    return self.partial(reply, Some(error), now);
                }
                self.show_from(&reply, shown);
                let due = self
                    .last_saved
                    .is_none_or(|at| now - at >= CHECKPOINT_EVERY_MS);
                if !nothing_arrived(&reply) && due {
                    self.last_saved = Some(now);
                    self.effects
                        .push_back(Effect::Checkpoint(self.checkpoint_row(&reply)));
                    // The save is not the provider's silence: no deadline until it reports.
                    self.deadline = None;
                    self.phase = Phase::Saving { decoder, reply };
                } else {
                    self.phase = Phase::Streaming {
                        decoder,
                        reply,
                        any_event,
                    };
                    self.arm(now);
                }
            }
            // A 200 whose body is not an event stream (an HTML error page, say).
            Input::End if !any_event => self.give_back(GiveBack::Failed(CallError::Malformed)),
            Input::End if reply.is_complete() => {
                self.finish(reply, MessageStatus::Complete, None, now)
            }
            Input::End => self.partial(reply, Some(CallError::StreamCut), now),
            Input::Stopped => self.partial(reply, None, now),
            Input::Lost { .. } => self.partial(reply, Some(CallError::StreamCut), now),
            _ => {
                self.phase = Phase::Streaming {
                    decoder,
                    reply,
                    any_event,
                }
            }
        }
    }

    /// An error status: retried once without `stream_options` when a compatible server
    /// rejects them, else the prompt goes back with the reason.
    fn failed_status(&mut self, status: u16, retry_after: Option<&str>, body: &str, now: Millis) {
        let error = classify(
            self.settings.kind,
            status,
            retry_after,
            body,
            &self.spec.model,
        );
        let rejects_options = matches!(&error, CallError::BadRequest { detail: Some(d) } if d.contains("stream_options"));
        if rejects_options
            && self.settings.kind == ProviderKind::Compatible
            && self.spec.stream
            && !self.settings.omit_stream_options
        {
            let mut relaxed = self.settings.clone();
            relaxed.omit_stream_options = true;
            if let Ok(retry) = relaxed.request(&self.spec) {
                self.settings = relaxed.clone();
                self.effects.push_back(Effect::SaveSettings(relaxed));
                self.effects.push_back(Effect::Send(retry));
                self.phase = Phase::Requesting;
                self.arm(now);
                return;
            }
        }
        self.give_back(GiveBack::Failed(error));
    }

    /// A reply that ended early: kept as interrupted when any text or reasoning arrived
    /// (the provider bills reasoning too), else the prompt goes back.
    fn partial(&mut self, reply: StreamReply, error: Option<CallError>, now: Millis) {
        if nothing_arrived(&reply) {
            return self.give_back(error.map_or(GiveBack::Stopped, GiveBack::Failed));
        }
        self.finish(reply, MessageStatus::Interrupted, error, now);
    }

    /// The exchange as it ended, debited by the provider's usage when it sent one, else by
    /// our estimate marked as such.
    fn finish(
        &mut self,
        reply: StreamReply,
        status: MessageStatus,
        error: Option<CallError>,
        now: Millis,
    ) {
        // The provider's usage when it sent one, else the estimate a checkpoint has.
        let usage: Option<Usage> = reply.usage;
        let estimated = self.row(reply.text, reply.reasoning, status, now);
        let exchange = match usage {
            Some(u) => Message {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: u.completion_tokens,
                reasoning_tokens: u.reasoning_tokens(),
                total: u.total_tokens,
                debit_kind: DebitKind::Exact,
                ..estimated
            },
            None => estimated,
        };
        self.end(Outcome::Finished {
            exchange: Box::new(exchange),
            error,
            context: self.context.clone(),
        });
    }

    fn give_back(&mut self, reason: GiveBack) {
        let prompt = self.prompt.clone();
        self.end(Outcome::GaveBack { prompt, reason });
    }

    fn end(&mut self, outcome: Outcome) {
        self.phase = Phase::Over;
        self.deadline = None;
        self.effects.push_back(Effect::Done(outcome));
    }

    /// The reply so far as an interrupted exchange debited by estimate: what survives a
    /// tab closed mid-stream.
    fn checkpoint_row(&self, reply: &StreamReply) -> Message {
        self.row(
            reply.text.clone(),
            reply.reasoning.clone(),
            MessageStatus::Interrupted,
            self.began_at,
        )
    }

    /// This turn's exchange with `completion` and `reasoning`, debited by estimate (the
    /// reasoning is billed as reply tokens).
    fn row(
        &self,
        completion: String,
        reasoning: String,
        status: MessageStatus,
        created_at: Millis,
    ) -> Message {
        let completion_tokens =
            tokens::estimate_text(&completion) + tokens::estimate_text(&reasoning);
        let prompt_tokens = self.allowance.prompt_estimate;
        Message {
            message_id: self.slot.message_id.clone(),
            thread_id: self.slot.thread_id.clone(),
            user_id: self.user_id.clone(),
            branch: self.slot.branch.clone(),
            depth: self.slot.depth,
            prompt: self.prompt.clone(),
            completion,
            reasoning,
            html: String::new(),
            total: prompt_tokens + completion_tokens,
            prompt_tokens,
            completion_tokens,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Estimated,
            model: self.spec.model.clone(),
            status,
            created_at,
            deleted_at: None,
        }
    }

    /// What arrived of `reply` since it had `shown` bytes of (text, reasoning).
    fn show_from(&mut self, reply: &StreamReply, shown: (usize, usize)) {
        if let Some(new) = reply.reasoning.get(shown.1..).filter(|t| !t.is_empty()) {
            self.effects.push_back(Effect::Think(new.to_owned()));
        }
        if let Some(new) = reply.text.get(shown.0..).filter(|t| !t.is_empty()) {
            self.effects.push_back(Effect::Show(new.to_owned()));
        }
    }

    /// The idle timeout of this call, in milliseconds.
    fn timeout_ms(&self) -> u32 {
        if self.spec.stream {
            self.idle_timeout_ms
        } else {
            self.idle_timeout_ms.saturating_mul(WHOLE_REPLY_FACTOR)
        }
    }

    fn arm(&mut self, now: Millis) {
        self.deadline = Some(now.saturating_add(Millis::from(self.timeout_ms())));
    }
}

/// Whether nothing of a reply has arrived yet: no text and no reasoning.
fn nothing_arrived(reply: &StreamReply) -> bool {
    reply.text.is_empty() && reply.reasoning.is_empty()
}

/// The button that asks the user's other model again.
pub fn regenerate_with(lang: Lang, model: &str) -> String {
    match lang {
        Lang::En => format!("Ask {model}"),
        Lang::Ja => format!("{model} で再生成"),
    }
}

/// Under a reply that was stopped or cut off.
pub fn stopped_note(lang: Lang, total: u64) -> String {
    match lang {
        Lang::En => format!("Stopped early · about {total} tokens (estimated)"),
        Lang::Ja => format!("途中で停止 · 約 {total} トークン（推定）"),
    }
}

/// Under a reply the provider sent no usage for.
pub fn estimated_note(lang: Lang, total: u64) -> String {
    match lang {
        Lang::En => format!("About {total} tokens (estimated: the provider sent no usage)"),
        Lang::Ja => format!("約 {total} トークン（推定：プロバイダーが使用量を返しませんでした）"),
    }
}

/// Under a reply whose usage counted reasoning tokens.
pub fn reasoning_note(lang: Lang, total: u64, reasoning: u64) -> String {
    match lang {
        Lang::En => format!("{total} tokens, {reasoning} of them reasoning"),
        Lang::Ja => format!("{total} トークン（うち推論 {reasoning}）"),
    }
}
