//! The chat turn driven as the browser drives it, on virtual time: every provider fault of
//! README's Reliability table fed as the bytes the mock sends, each stream split at every
//! byte, Stop at each point, and each outcome's status and debit.

use pocket_chat_core::chat_api::Role;
use pocket_chat_core::context;
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::ledger::{DebitKind, LedgerError};
use pocket_chat_core::params::{Effort, ModelParams};
use pocket_chat_core::provider::{CallError, ProviderKind, ProviderSettings};
use pocket_chat_core::records::{Message, MessageStatus};
use pocket_chat_core::turn::{
    title_from, ChatTurn, ContextStart, Effect, GiveBack, HistoryBudget, Input, Outcome, Refusal,
    Slot, Start, CHECKPOINT_EVERY_MS, IDLE_TIMEOUT_MS,
};

const T0: i64 = 1_700_000_000_000;
const MODEL: &str = "gpt-4o-mini";
const PROMPT: &str = "Tell me about the sea";

fn settings(kind: ProviderKind, stream: bool) -> ProviderSettings {
    ProviderSettings {
        kind,
        api_key: "sk-test".into(),
        base_url: "http://127.0.0.1:9/v1".into(),
        azure_endpoint: "https://res.openai.azure.com".into(),
        stream,
        ..ProviderSettings::default()
    }
}

fn exchange(id: u64, prompt: &str, completion: &str, status: MessageStatus) -> Message {
    Message {
        message_id: format!("M{id}"),
        thread_id: "T7".into(),
        user_id: "u1".into(),
        branch: "T7".into(),
        depth: u32::try_from(id).unwrap_or(0),
        prompt: prompt.into(),
        completion: completion.into(),
        reasoning: String::new(),
        html: String::new(),
        total: 10,
        prompt_tokens: 5,
        completion_tokens: 5,
        reasoning_tokens: 0,
        debit_kind: DebitKind::Exact,
        model: MODEL.into(),
        status,
        created_at: T0 - 1_000,
        deleted_at: None,
    }
}

/// Where the tests' exchange is stored: row M41 at depth 3 of a branch of thread T7.
fn slot() -> Slot {
    Slot {
        message_id: "M41".into(),
        thread_id: "T7".into(),
        branch: "B2".into(),
        depth: 3,
    }
}

/// What a turn starts from in these tests: user u1 with 100,000 tokens, no history,
/// [`PROMPT`], the real idle timeout; each test changes what it is about.
fn base(settings: &ProviderSettings) -> Start<'_> {
    Start {
        settings,
        user_id: "u1",
        balance: 100_000,
        model: MODEL,
        params: Default::default(),
        system: "",
        history: &[],
        unread: 0,
        prompt: PROMPT,
        idle_timeout_ms: IDLE_TIMEOUT_MS,
    }
}

fn start_with(settings: &ProviderSettings, balance: i64, history: &[Message]) -> ChatTurn {
    let turn = ChatTurn::start(Start {
        balance,
        history,
        ..base(settings)
    });
    match turn {
        Ok(turn) => turn,
        Err(e) => panic!("refused: {e}"),
    }
}

/// A started turn whose request went out at `T0`.
fn begun(settings: &ProviderSettings) -> ChatTurn {
    let mut turn = start_with(settings, 100_000, &[]);
    turn.begin(slot(), T0);
    turn
}

/// What the browser did and saw, effect by effect.
#[derive(Debug, Default)]
struct Trace {
    sent: Vec<String>,
    shown: String,
    thought: String,
    checkpoints: Vec<Message>,
    saved_settings: Vec<ProviderSettings>,
    cancelled: bool,
    reads: Vec<&'static str>,
    outcome: Option<Outcome>,
}

/// Applies every effect the turn hands out; checkpoints are stored.
fn drain(turn: &mut ChatTurn, trace: &mut Trace, now: i64) {
    while let Some(effect) = turn.poll() {
        match effect {
            Effect::Send(request) => trace.sent.push(request.body),
            Effect::ReadWhole => trace.reads.push("whole"),
            Effect::ReadStream => trace.reads.push("stream"),
            Effect::Show(text) => trace.shown.push_str(&text),
            Effect::Think(text) => trace.thought.push_str(&text),
            Effect::Checkpoint(row) => {
                trace.checkpoints.push(row);
                turn.handle(Input::Saved, now);
            }
            Effect::SaveSettings(s) => trace.saved_settings.push(s),
            Effect::Cancel => trace.cancelled = true,
            Effect::Done(outcome) => trace.outcome = Some(outcome),
        }
    }
}

/// A call answered with `status` and the whole `body`.
fn whole(settings: &ProviderSettings, status: u16, retry_after: Option<&str>, body: &str) -> Trace {
    let mut turn = begun(settings);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0);
    turn.handle(
        Input::Head {
            status,
            retry_after,
        },
        T0 + 10,
    );
    drain(&mut turn, &mut trace, T0 + 10);
    turn.handle(Input::Body(body), T0 + 20);
    drain(&mut turn, &mut trace, T0 + 20);
    trace
}

/// A 200 stream whose body arrives as `chunks`, `gap` ms apart, then `end` (the input that
/// closes it: End, Stopped, Lost, or None for a timeout after the last chunk).
fn streamed(chunks: &[&[u8]], gap: i64, end: Option<Input<'_>>) -> Trace {
    let settings = settings(ProviderKind::OpenAi, true);
    let mut turn = begun(&settings);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0);
    turn.handle(
        Input::Head {
            status: 200,
            retry_after: None,
        },
        T0,
    );
    drain(&mut turn, &mut trace, T0);
    let mut now = T0;
    for chunk in chunks {
        now += gap;
        turn.handle(Input::Bytes(chunk), now);
        drain(&mut turn, &mut trace, now);
    }
    match end {
        Some(input) => turn.handle(input, now + 1),
        None => {
            let at = turn.poll_timeout().unwrap_or(i64::MAX);
            turn.handle_timeout(at - 1);
            assert_eq!(turn.poll(), None, "no timeout before the deadline");
            turn.handle_timeout(at);
        }
    }
    drain(&mut turn, &mut trace, now + 1);
    trace
}

fn chunk(content: &str) -> String {
    format!(
        "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{}}},\"finish_reason\":null}}]}}\n\n",
        serde_json::to_string(content).unwrap_or_default()
    )
}

const ROLE: &str = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
const FINISH: &str =
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
const USAGE: &str = "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n";
const DONE: &str = "data: [DONE]\n\n";

/// The mock's full stream of "The sea is wide." with usage.
fn full_stream() -> String {
    [
        ROLE,
        &chunk("The "),
        &chunk("sea "),
        &chunk("is wide.")[..],
        FINISH,
        USAGE,
        DONE,
    ]
    .concat()
}

fn outcome(trace: &Trace) -> &Outcome {
    match &trace.outcome {
        Some(o) => o,
        None => panic!("the turn did not end: {trace:?}"),
    }
}

fn gave_back(trace: &Trace) -> &GiveBack {
    match outcome(trace) {
        Outcome::GaveBack { prompt, reason } => {
            assert_eq!(prompt, PROMPT, "the prompt goes back as typed");
            reason
        }
        other => panic!("expected the prompt back, got {other:?}"),
    }
}

fn finished(trace: &Trace) -> (&Message, &Option<CallError>) {
    match outcome(trace) {
        Outcome::Finished {
            exchange, error, ..
        } => (exchange, error),
        other => panic!("expected a finished exchange, got {other:?}"),
    }
}

// Guards against an HTTP error being stored, debited, or losing the prompt: rows 1–12 of
// the Reliability table, each status with its exact sentence, in both languages.
#[test]
fn error_statuses_give_the_prompt_back_with_their_sentence() {
    let openai = settings(ProviderKind::OpenAi, true);
    let azure = settings(ProviderKind::Azure, true);
    let reason =
        r#"{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error"}}"#;
    // (settings, status, Retry-After, body, the English sentence, part of the Japanese one)
    type Case<'a> = (
        &'a ProviderSettings,
        u16,
        Option<&'a str>,
        &'a str,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (&openai, 400, None, reason,
         "The provider refused the request (HTTP 400): Invalid value for 'temperature'. Check the model and the settings, then send it again.",
         "プロバイダーがリクエストを拒否しました（HTTP 400）"),
        (&openai, 401, None, r#"{"error":{"message":"bad key"}}"#,
         "The provider rejected the API key (HTTP 401). Check the key in Settings.",
         "API キーを拒否しました（HTTP 401）"),
        (&openai, 403, None, "",
         "The provider rejected the API key (HTTP 403). Check the key in Settings.",
         "（HTTP 403）"),
        (&openai, 404, None, "{}",
         "The provider has no model or deployment called “gpt-4o-mini” (HTTP 404). Check the model name in Settings.",
         "「gpt-4o-mini」"),
        (&azure, 404, None, "{}",
         "The provider has no model or deployment called “gpt-4o-mini” (HTTP 404). Check the model name and its deployment in Settings.",
         "とそのデプロイ名"),
        (&openai, 408, None, "",
         "The provider took too long to answer (HTTP 408). Send the message again.",
         "（HTTP 408）"),
        (&openai, 429, Some("7"), r#"{"error":{"message":"slow down"}}"#,
         "The provider's rate limit was reached (HTTP 429). Wait 7 seconds. Your message was kept; send it again then.",
         "7 秒待ってください"),
        (&openai, 429, Some("1"), "",
         "The provider's rate limit was reached (HTTP 429). Wait 1 second. Your message was kept; send it again then.",
         "1 秒待ってください"),
        (&openai, 429, None, "",
         "The provider's rate limit was reached (HTTP 429). Wait a moment. Your message was kept; send it again then.",
         "しばらく待ってください"),
        (&openai, 429, None, r#"{"error":{"code":"insufficient_quota","message":"no"}}"#,
         "Your provider account has no quota left (HTTP 429). Check your plan and billing with the provider.",
         "クォータ"),
        (&openai, 500, None, "oops",
         "The provider had an error (HTTP 500). This is on their side; try again in a moment.",
         "（HTTP 500）"),
        (&openai, 502, None, "<html>bad gateway</html>",
         "The provider had an error (HTTP 502). This is on their side; try again in a moment.",
         "（HTTP 502）"),
        (&openai, 503, None, "",
         "The provider had an error (HTTP 503). This is on their side; try again in a moment.",
         "（HTTP 503）"),
        (&openai, 400, None, r#"{"detail":[1,2,3]}"#,
         "The provider refused the request (HTTP 400): It gave no reason. Check the model and the settings, then send it again.",
         "（HTTP 400）"),
        (&openai, 418, None, r#"["teapot"]"#,
         "The provider answered with HTTP 418.",
         "HTTP 418 で応答しました。"),
    ];
    for (settings, status, retry_after, body, en, ja) in cases {
        let trace = whole(settings, status, retry_after, body);
        let reason = gave_back(&trace);
        assert_eq!(reason.localize(Lang::En), en, "HTTP {status} {body}");
        assert!(
            reason.localize(Lang::Ja).contains(ja),
            "HTTP {status}: {}",
            reason.localize(Lang::Ja)
        );
        assert_eq!(
            trace.reads,
            ["whole"],
            "an error body is read whole to say why"
        );
        assert!(trace.checkpoints.is_empty() && trace.shown.is_empty());
    }
}

// Guards against a 200 that is not a reply (an HTML page, a proxy's text) being stored as
// an empty exchange: row 10, for a whole reply and for a stream.
#[test]
fn a_body_that_is_not_a_reply_is_malformed() {
    let trace = whole(
        &settings(ProviderKind::OpenAi, false),
        200,
        None,
        "<html>hello</html>",
    );
    assert_eq!(gave_back(&trace), &GiveBack::Failed(CallError::Malformed));
    let page = b"<html><body>Service unavailable</body></html>";
    let trace = streamed(&[page], 5, Some(Input::End));
    assert_eq!(gave_back(&trace), &GiveBack::Failed(CallError::Malformed));
    assert_eq!(
        gave_back(&trace).localize(Lang::En),
        "The provider sent a reply pocket-chat could not read. Try again; if it keeps happening, check the endpoint in Settings."
    );
}

// Guards against a stream decoded differently depending on how the network split it: the
// same text, status and exact debit for every split point, and byte by byte.
#[test]
fn a_stream_split_at_every_byte_gives_the_same_exchange() {
    let body = full_stream();
    let bytes = body.as_bytes();
    let check = |trace: &Trace, how: &str| {
        let (row, error) = finished(trace);
        assert_eq!(row.completion, "The sea is wide.", "{how}");
        assert_eq!(trace.shown, "The sea is wide.", "{how}");
        assert_eq!(row.status, MessageStatus::Complete, "{how}");
        assert_eq!((row.total, row.debit_kind), (15, DebitKind::Exact), "{how}");
        assert_eq!((row.prompt_tokens, row.completion_tokens), (12, 3), "{how}");
        assert_eq!(error, &None, "{how}");
    };
    for at in 0..=bytes.len() {
        let (a, b) = bytes.split_at(at);
        check(
            &streamed(&[a, b], 1, Some(Input::End)),
            &format!("split at {at}"),
        );
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    check(&streamed(&singles, 1, Some(Input::End)), "byte by byte");
}

// Guards against Stop losing what arrived, or keeping an empty exchange: rows 15 and 24.
// Stopped after every byte: nothing of the text yet → the prompt back; else the text up
// to the last whole event, kept as interrupted and debited by estimate.
#[test]
fn stop_at_each_point_keeps_exactly_what_arrived() {
    let body = full_stream();
    let bytes = body.as_bytes();
    for at in 0..=bytes.len() {
        let trace = streamed(&[&bytes[..at]], 1, Some(Input::Stopped));
        let arrived = trace.shown.clone();
        match outcome(&trace) {
            Outcome::GaveBack { reason, .. } => {
                assert_eq!(reason, &GiveBack::Stopped, "stopped at {at}");
                assert_eq!(arrived, "", "stopped at {at}");
                assert_eq!(
                    reason.localize(Lang::En),
                    "Stopped before the reply began. Your message is back in the box."
                );
            }
            Outcome::Finished {
                exchange, error, ..
            } => {
                assert_eq!(exchange.completion, arrived, "stopped at {at}");
                assert!(!arrived.is_empty());
                assert_eq!(error, &None, "Stop is not a failure");
                assert_eq!(exchange.message_id, "M41", "finishes its checkpoint row");
                if exchange.status == MessageStatus::Interrupted {
                    // Usage comes after the text: until it arrives, an estimate.
                    assert!(
                        exchange.debit_kind == DebitKind::Estimated || exchange.total == 15,
                        "stopped at {at}: {exchange:?}"
                    );
                }
            }
        }
    }
    // Before the response head, too.
    let mut turn = begun(&settings(ProviderKind::OpenAi, true));
    turn.handle(Input::Stopped, T0 + 5);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0 + 5);
    assert_eq!(gave_back(&trace), &GiveBack::Stopped);
}

// Guards against a cut or broken stream being stored as complete, or dropped: rows 13, 14
// and 20 — what arrived is kept as interrupted with the sentence that says why.
#[test]
fn a_cut_or_broken_stream_keeps_what_arrived() {
    let cut = [ROLE, &chunk("one "), &chunk("two "), &chunk("three ")[..]].concat();
    let trace = streamed(&[cut.as_bytes()], 1, Some(Input::End));
    let (row, error) = finished(&trace);
    assert_eq!(
        (row.completion.as_str(), row.status),
        ("one two three ", MessageStatus::Interrupted)
    );
    assert_eq!(row.debit_kind, DebitKind::Estimated);
    assert_eq!(error, &Some(CallError::StreamCut));
    assert_eq!(
        CallError::StreamCut.localize(Lang::En),
        "The reply was cut off before it finished. What arrived is kept; send again to retry."
    );

    // The connection dropped mid-body reads the same.
    let trace = streamed(&[cut.as_bytes()], 1, Some(Input::Lost { offline: false }));
    assert_eq!(finished(&trace).1, &Some(CallError::StreamCut));

    let broken = [
        ROLE,
        &chunk("one "),
        &chunk("two "),
        "data: {not json\n\n",
        &chunk("never"),
    ]
    .concat();
    let trace = streamed(&[broken.as_bytes()], 1, Some(Input::End));
    let (row, error) = finished(&trace);
    assert_eq!(row.completion, "one two ");
    assert_eq!(
        trace.shown, "one two ",
        "what arrived before the broken event shows"
    );
    assert_eq!(error, &Some(CallError::Malformed));

    let in_stream = [
        ROLE,
        &chunk("half "),
        "data: {\"error\":{\"message\":\"The server had an error\"}}\n\n",
    ]
    .concat();
    let trace = streamed(&[in_stream.as_bytes()], 1, Some(Input::End));
    let (row, error) = finished(&trace);
    assert_eq!(row.completion, "half ");
    assert_eq!(
        error.as_ref().map(|e| e.localize(Lang::En)),
        Some("The provider reported an error while answering: The server had an error".into())
    );

    // A megabyte of reply in kilobyte chunks: all of it, exactly.
    let piece = "x".repeat(1023) + " ";
    let mut big = vec![ROLE.to_owned()];
    big.extend((0..1024).map(|_| chunk(&piece)));
    big.extend([FINISH.to_owned(), DONE.to_owned()]);
    let big: Vec<&[u8]> = big.iter().map(|c| c.as_bytes()).collect();
    let trace = streamed(&big, 1, Some(Input::End));
    let (row, error) = finished(&trace);
    assert_eq!(row.completion.len(), 1024 * 1024);
    assert_eq!((row.status, error), (MessageStatus::Complete, &None));
    assert_eq!(row.debit_kind, DebitKind::Estimated, "no usage: estimated");
}

// Guards against waiting forever on a silent provider: rows 16, 17, 18 — the idle timeout
// gives the prompt back (nothing arrived) or keeps what did, with the seconds waited.
#[test]
fn the_idle_timeout_gives_up_with_the_seconds_waited() {
    // No head at all.
    let mut turn = begun(&settings(ProviderKind::OpenAi, true));
    assert_eq!(turn.poll_timeout(), Some(T0 + 60_000));
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0);
    turn.handle_timeout(T0 + 59_999);
    drain(&mut turn, &mut trace, T0 + 59_999);
    assert!(trace.outcome.is_none(), "not before a minute");
    turn.handle_timeout(T0 + 60_000);
    drain(&mut turn, &mut trace, T0 + 60_000);
    assert!(trace.cancelled, "the request is aborted");
    assert_eq!(
        gave_back(&trace),
        &GiveBack::Failed(CallError::Stalled { seconds: 60 })
    );
    assert_eq!(
        gave_back(&trace).localize(Lang::En),
        "The provider sent nothing for 60 seconds, so pocket-chat stopped waiting. Anything that arrived is kept; send the message again to retry."
    );

    // A stream that stalls after three chunks keeps them; each chunk re-arms the deadline.
    let stalled = [ROLE, &chunk("one "), &chunk("two ")[..]].concat();
    let trace = streamed(&[stalled.as_bytes()], 1, None);
    let (row, error) = finished(&trace);
    assert_eq!(
        (row.completion.as_str(), row.status),
        ("one two ", MessageStatus::Interrupted)
    );
    assert_eq!(error, &Some(CallError::Stalled { seconds: 60 }));
    // A stream that never sends a byte gives the prompt back.
    let trace = streamed(&[], 1, None);
    assert_eq!(
        gave_back(&trace),
        &GiveBack::Failed(CallError::Stalled { seconds: 60 })
    );

    // A whole reply may be silent ten times as long; a test's 2 s become 20 s.
    let quick = settings(ProviderKind::OpenAi, false);
    let mut turn = ChatTurn::start(Start {
        balance: 1_000,
        idle_timeout_ms: 2_000,
        ..base(&quick)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    turn.begin(slot(), T0);
    turn.handle(
        Input::Head {
            status: 200,
            retry_after: None,
        },
        T0 + 100,
    );
    assert_eq!(turn.poll_timeout(), Some(T0 + 100 + 20_000));
    turn.handle_timeout(T0 + 20_100);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0 + 20_100);
    assert_eq!(
        gave_back(&trace),
        &GiveBack::Failed(CallError::Stalled { seconds: 20 })
    );
}

// Guards against an unreachable endpoint or an offline browser losing the prompt: rows 19,
// 21 and 23, with the Japanese sentences.
#[test]
fn an_unreachable_endpoint_gives_the_prompt_back() {
    for (offline, error, ja) in [
        (
            false,
            CallError::Unreachable,
            "エンドポイントに接続できませんでした。",
        ),
        (
            true,
            CallError::Offline,
            "このブラウザーはオフラインのため、",
        ),
    ] {
        let mut turn = begun(&settings(ProviderKind::OpenAi, true));
        turn.handle(Input::Lost { offline }, T0 + 3);
        let mut trace = Trace::default();
        drain(&mut turn, &mut trace, T0 + 3);
        let reason = gave_back(&trace);
        assert_eq!(reason, &GiveBack::Failed(error));
        assert!(
            reason.localize(Lang::Ja).starts_with(ja),
            "{}",
            reason.localize(Lang::Ja)
        );
    }
    assert!(CallError::Stalled { seconds: 2 }
        .localize(Lang::Ja)
        .starts_with("プロバイダーから 2 秒間何も届かなかったため、"));
}

// Guards against a tab closed mid-stream losing the reply, and against saving on every
// chunk: rows 22 and 25 — the reply is saved about once a second as an interrupted,
// estimated row, and the end finishes that same row.
#[test]
fn a_streaming_reply_is_saved_once_a_second_and_finished_in_place() {
    let mut chunks = vec![ROLE.to_owned()];
    chunks.extend((0..30).map(|i| chunk(&format!("w{i} "))));
    chunks.extend([FINISH.to_owned(), USAGE.to_owned(), DONE.to_owned()]);
    let chunks: Vec<&[u8]> = chunks.iter().map(|c| c.as_bytes()).collect();
    // 100 ms apart: 3.3 s of text.
    let trace = streamed(&chunks, 100, Some(Input::End));
    let saved_at: Vec<usize> = trace
        .checkpoints
        .iter()
        .map(|r| r.completion.split(' ').count() - 1)
        .collect();
    // The first text, then once a second (the finish event at 3.2 s adds no text but is due).
    let every = (CHECKPOINT_EVERY_MS / 100) as usize;
    assert_eq!(saved_at, [1, 1 + every, 1 + 2 * every, 30]);
    for row in &trace.checkpoints {
        assert_eq!(
            (row.status, row.debit_kind),
            (MessageStatus::Interrupted, DebitKind::Estimated)
        );
        assert_eq!(row.total, row.prompt_tokens + row.completion_tokens);
        assert_eq!(row.created_at, T0);
        assert_eq!(
            (
                row.thread_id.as_str(),
                row.user_id.as_str(),
                row.prompt.as_str()
            ),
            ("T7", "u1", PROMPT)
        );
        // Every save is the same row at the same place: inserted once, then updated.
        assert_eq!(
            (row.message_id.as_str(), row.branch.as_str(), row.depth),
            ("M41", "B2", 3)
        );
    }
    let (row, _) = finished(&trace);
    assert_eq!(
        (row.message_id.as_str(), row.branch.as_str(), row.depth),
        ("M41", "B2", 3)
    );
    assert_eq!(
        (row.status, row.total, row.debit_kind),
        (MessageStatus::Complete, 15, DebitKind::Exact)
    );

    // A save that failed is tried again on the next read, and the end inserts.
    let settings = settings(ProviderKind::OpenAi, true);
    let mut turn = begun(&settings);
    turn.handle(
        Input::Head {
            status: 200,
            retry_after: None,
        },
        T0,
    );
    let one = chunk("one ");
    turn.handle(Input::Bytes(one.as_bytes()), T0 + 1);
    let mut saves = 0;
    while let Some(effect) = turn.poll() {
        if let Effect::Checkpoint(_) = effect {
            saves += 1;
            turn.handle(Input::Saved, T0 + 2);
        }
    }
    turn.handle(Input::End, T0 + 3);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0 + 3);
    assert_eq!(saves, 1);
    assert_eq!(finished(&trace).0.message_id, "M41");
}

// Guards against a balance that cannot pay being called anyway, and against a reply cap
// above what it covers: row 26 and the pre-flight rule.
#[test]
fn the_ledger_refuses_or_caps_before_any_request() {
    let openai = settings(ProviderKind::OpenAi, false);
    let refused = ChatTurn::start(Start {
        balance: 3,
        ..base(&openai)
    });
    match refused {
        Err(Refusal::Ledger(LedgerError::InsufficientBalance { balance: 3, needed })) => {
            assert!(needed > 3);
            let sentence = Refusal::Ledger(LedgerError::InsufficientBalance { balance: 3, needed })
                .localize(Lang::En);
            assert!(sentence.starts_with("Your balance of 3 tokens does not cover this message"));
            assert!(sentence.contains("残高を加える"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A balance of 100 caps the reply at what is left after the prompt.
    let mut turn = start_with(&openai, 100, &[]);
    assert!(turn.reply_cap() < 100 && turn.reply_cap() > 0);
    turn.begin(slot(), T0);
    let sent = match turn.poll() {
        Some(Effect::Send(r)) => r,
        other => panic!("expected the request, got {other:?}"),
    };
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap_or_default();
    assert_eq!(body["max_completion_tokens"], turn.reply_cap(), "{body}");
    // A prompt too long for the model is refused whatever the balance.
    let huge = "word ".repeat(200_000);
    let too_long = ChatTurn::start(Start {
        balance: i64::MAX,
        prompt: &huge,
        ..base(&openai)
    });
    assert!(matches!(too_long, Err(Refusal::TooLong(_))));
    // Settings that cannot make a request refuse with their sentence.
    let mut no_url = settings(ProviderKind::OpenAi, true);
    no_url.base_url.clear();
    let bad = ChatTurn::start(Start {
        balance: 100,
        ..base(&no_url)
    });
    assert!(matches!(bad, Err(Refusal::Settings(_))), "{bad:?}");
}

// Guards against each outcome being debited wrongly: exact usage when sent, our estimate
// (marked) when not; a whole reply shows and stores its text.
#[test]
fn each_outcome_has_its_status_and_debit() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
    let trace = whole(&settings(ProviderKind::OpenAi, false), 200, None, body);
    let (row, error) = finished(&trace);
    assert_eq!(trace.shown, "Hello there");
    assert_eq!(
        (row.status, row.total, row.debit_kind, error),
        (MessageStatus::Complete, 11, DebitKind::Exact, &None)
    );
    assert_eq!(row.created_at, T0 + 20, "stored at the time it finished");

    let no_usage = r#"{"choices":[{"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}]}"#;
    let trace = whole(&settings(ProviderKind::OpenAi, false), 200, None, no_usage);
    let (row, _) = finished(&trace);
    assert_eq!(row.debit_kind, DebitKind::Estimated);
    assert_eq!(row.total, row.prompt_tokens + row.completion_tokens);
    assert!(row.completion_tokens >= 2);

    // A stream that ends with a finish reason but no [DONE] (some servers) is complete.
    let no_done = [ROLE, &chunk("ok"), FINISH].concat();
    let trace = streamed(&[no_done.as_bytes()], 1, Some(Input::End));
    assert_eq!(finished(&trace).0.status, MessageStatus::Complete);
}

// Guards against a compatible server that rejects `stream_options` failing every send:
// the turn retries once without them and remembers; OpenAI is never retried.
#[test]
fn a_rejected_stream_options_is_retried_once_without_it() {
    let rejects =
        r#"{"error":{"message":"Unrecognized request argument supplied: stream_options"}}"#;
    let compatible = settings(ProviderKind::Compatible, true);
    let mut turn = begun(&compatible);
    let mut trace = Trace::default();
    drain(&mut turn, &mut trace, T0);
    turn.handle(
        Input::Head {
            status: 400,
            retry_after: None,
        },
        T0 + 1,
    );
    drain(&mut turn, &mut trace, T0 + 1);
    turn.handle(Input::Body(rejects), T0 + 2);
    drain(&mut turn, &mut trace, T0 + 2);
    assert_eq!(trace.sent.len(), 2, "one retry");
    assert!(trace.sent[0].contains("stream_options"));
    assert!(!trace.sent[1].contains("stream_options"));
    assert_eq!(trace.saved_settings.len(), 1);
    assert!(trace.saved_settings[0].omit_stream_options);
    assert!(trace.outcome.is_none(), "waits for the retry");
    // The retry is rejected too: no third request, the prompt back.
    turn.handle(
        Input::Head {
            status: 400,
            retry_after: None,
        },
        T0 + 3,
    );
    turn.handle(Input::Body(rejects), T0 + 4);
    drain(&mut turn, &mut trace, T0 + 4);
    assert_eq!(trace.sent.len(), 2);
    assert!(matches!(
        gave_back(&trace),
        GiveBack::Failed(CallError::BadRequest { .. })
    ));

    let trace = whole(&settings(ProviderKind::OpenAi, true), 400, None, rejects);
    assert_eq!(
        trace.sent.len(),
        1,
        "OpenAI accepts stream_options: never retried"
    );
}

// Guards against the context leaving out the wrong exchanges or sending failed ones.
#[test]
fn the_context_is_the_newest_history_that_fits_without_failed_exchanges() {
    let history = vec![
        exchange(1, "first question", "first answer", MessageStatus::Complete),
        exchange(2, "broken question", "", MessageStatus::Failed),
        exchange(
            3,
            "second question",
            "second answer",
            MessageStatus::Interrupted,
        ),
    ];
    let openai = settings(ProviderKind::OpenAi, false);
    let turn = start_with(&openai, 100_000, &history);
    assert_eq!(turn.pending().omitted, 0);
    let body = first_body(turn);
    assert_eq!(
        fields(&body, "content"),
        [
            "first question",
            "first answer",
            "second question",
            "second answer",
            PROMPT
        ]
    );
    assert_eq!(body["messages"][0]["role"], serde_json::json!(Role::User));

    // A thread's persona is its system message, first and once; none: no system message.
    let told = ChatTurn::start(Start {
        history: &history,
        system: "Answer as a patient tutor.",
        ..base(&openai)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let body = first_body(told);
    assert_eq!(
        fields(&body, "role"),
        ["system", "user", "assistant", "user", "assistant", "user"]
    );
    assert_eq!(body["messages"][0]["content"], "Answer as a patient tutor.");

    // Older exchanges left unread count as omitted; the marker is the oldest one sent.
    let turn = ChatTurn::start(Start {
        history: &history,
        unread: 5,
        ..base(&openai)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(turn.pending().omitted, 5);
    let start = ContextStart {
        omitted: 5,
        first_kept: Some("M1".into()),
    };
    assert_eq!(start.marker("M99"), Some("M1".into()));
    assert_eq!(
        ContextStart {
            omitted: 0,
            first_kept: None
        }
        .marker("M99"),
        None
    );
    assert_eq!(
        ContextStart {
            omitted: 2,
            first_kept: None
        }
        .marker("M99"),
        Some("M99".into())
    );
}

// Guards against reading a whole long thread for every call: reading stops once the
// exchanges read exceed the model's window.
#[test]
fn the_history_budget_stops_at_the_window() {
    let long = "word ".repeat(10_000);
    let row = exchange(1, &long, &long, MessageStatus::Complete);
    let mut budget = HistoryBudget::new(context::limits("unknown-local-model").window);
    assert!(!budget.enough(&exchange(1, "hi", "hello", MessageStatus::Complete)));
    assert!(
        budget.enough(&row),
        "8k window: one long exchange is enough"
    );
    let mut budget = HistoryBudget::new(context::limits(MODEL).window);
    let read = (0..100).take_while(|_| !budget.enough(&row)).count();
    assert!(
        (5..=7).contains(&read),
        "128k window: about six long exchanges, read {read}"
    );
}

// Guards against titles cut inside a character or spanning lines.
#[test]
fn a_title_is_the_first_line_cut_at_forty_characters() {
    assert_eq!(title_from("  Hello\nworld"), "Hello");
    assert_eq!(
        title_from(&"あ".repeat(41)),
        format!("{}…", "あ".repeat(40))
    );
    assert_eq!(title_from(&"a".repeat(40)), "a".repeat(40));
    assert_eq!(title_from(""), "");
}

fn thought(field: &str, text: &str) -> String {
    format!(
        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":null,\"{field}\":{}}},\"finish_reason\":null}}]}}\n\n",
        serde_json::to_string(text).unwrap_or_default()
    )
}

#[test]
fn reasoning_is_shown_stored_debited_and_never_sent_back() {
    let usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21,\"completion_tokens_details\":{\"reasoning_tokens\":6}}}\n\n";
    for field in ["reasoning_content", "reasoning"] {
        let body = [
            ROLE,
            &thought(field, "The user asks "),
            &thought(field, "about the sea."),
            &chunk("The sea "),
            &chunk("is wide."),
            FINISH,
            usage,
            DONE,
        ]
        .concat();
        let trace = streamed(&[body.as_bytes()], 10, Some(Input::End));
        assert_eq!(trace.thought, "The user asks about the sea.", "{field}");
        assert_eq!(trace.shown, "The sea is wide.");
        let (row, error) = finished(&trace);
        assert_eq!(error, &None);
        assert_eq!(row.reasoning, "The user asks about the sea.");
        assert_eq!(row.completion, "The sea is wide.");
        assert_eq!(
            (row.total, row.completion_tokens, row.reasoning_tokens),
            (21, 9, 6)
        );
        assert_eq!(row.debit_kind, DebitKind::Exact);

        // The next turn's context holds the reply, not the reasoning.
        let settings = settings(ProviderKind::OpenAi, true);
        let mut next = start_with(&settings, 100_000, std::slice::from_ref(row));
        next.begin(slot(), T0);
        let Some(Effect::Send(request)) = next.poll() else {
            panic!("no request");
        };
        assert!(request.body.contains("The sea is wide."));
        assert!(!request.body.contains("about the sea."), "{}", request.body);
    }
}

#[test]
fn stop_while_the_model_thinks_keeps_the_reasoning_and_debits_it() {
    let body = [
        ROLE,
        &thought("reasoning_content", "Let me think about this at length"),
    ]
    .concat();
    let trace = streamed(&[body.as_bytes()], 10, Some(Input::Stopped));
    let (row, error) = finished(&trace);
    assert_eq!(error, &None);
    assert_eq!(row.status, MessageStatus::Interrupted);
    assert_eq!(row.completion, "");
    assert_eq!(row.reasoning, "Let me think about this at length");
    assert!(
        row.completion_tokens > 0,
        "the reasoning is estimated as reply tokens"
    );
    assert_eq!(row.total, row.prompt_tokens + row.completion_tokens);
    assert_eq!(row.debit_kind, DebitKind::Estimated);
    // A checkpoint was saved with the reasoning so far: a closed tab keeps it.
    assert_eq!(
        trace.checkpoints.last().map(|c| c.reasoning.as_str()),
        Some(row.reasoning.as_str())
    );
}

#[test]
fn a_whole_reply_shows_its_reasoning_first() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":"Wide.","reasoning_content":"Seas are big."},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9,"completion_tokens_details":{"reasoning_tokens":3}}}"#;
    let trace = whole(&settings(ProviderKind::Compatible, false), 200, None, body);
    assert_eq!(
        (trace.thought.as_str(), trace.shown.as_str()),
        ("Seas are big.", "Wide.")
    );
    let (row, _) = finished(&trace);
    assert_eq!(
        (row.reasoning.as_str(), row.reasoning_tokens, row.total),
        ("Seas are big.", 3, 9)
    );
}

/// The JSON body of the first request of a turn for `model` with `params`.
fn request_body(kind: ProviderKind, model: &str, params: ModelParams) -> serde_json::Value {
    let settings = settings(kind, true);
    let turn = ChatTurn::start(Start {
        model,
        params,
        ..base(&settings)
    });
    first_body(turn.unwrap_or_else(|e| panic!("refused: {e}")))
}

/// The JSON body of the request `turn` sends first.
fn first_body(mut turn: ChatTurn) -> serde_json::Value {
    turn.begin(slot(), T0);
    match turn.poll() {
        Some(Effect::Send(request)) => serde_json::from_str(&request.body).unwrap_or_default(),
        other => panic!("no request: {other:?}"),
    }
}

/// Field `name` of each message of a request `body`.
fn fields<'a>(body: &'a serde_json::Value, name: &str) -> Vec<&'a str> {
    body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m[name].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn a_models_parameters_go_in_its_requests_and_its_cap_limits_the_reply() {
    let params = ModelParams {
        temperature: Some(0.3),
        top_p: Some(0.9),
        max_reply: Some(200),
        reasoning_effort: Some(Effort::High),
    };
    let chat = request_body(ProviderKind::OpenAi, "gpt-4o", params);
    assert_eq!(chat["temperature"], serde_json::json!(0.3));
    assert_eq!(chat["top_p"], serde_json::json!(0.9));
    assert_eq!(chat["max_completion_tokens"], serde_json::json!(200));
    assert_eq!(chat.get("reasoning_effort"), None);

    let reasoning = request_body(ProviderKind::OpenAi, "o3-mini", params);
    assert_eq!(reasoning["reasoning_effort"], serde_json::json!("high"));
    assert_eq!(reasoning.get("temperature"), None);
    assert_eq!(reasoning.get("top_p"), None);

    // No cap of the user's own: the model's (within what the balance allows).
    let uncapped = request_body(ProviderKind::OpenAi, "gpt-4o", ModelParams::default());
    assert_eq!(uncapped["max_completion_tokens"], serde_json::json!(16_384));
    for key in ["temperature", "top_p", "reasoning_effort"] {
        assert_eq!(uncapped.get(key), None, "{key}");
    }
}
