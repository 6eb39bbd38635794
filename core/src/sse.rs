//! Server-sent events: turns the raw bytes of a streamed chat response into events.
//!
//! [`SseDecoder`] follows the WHATWG HTML "Parsing an event stream" rules
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>)
//! and is fed whatever byte chunks the network hands over: a chunk may end anywhere,
//! inside a line ending or inside a multi-byte UTF-8 character.
//!
//! What it does, rule by rule:
//! - A UTF-8 byte order mark at the very start of the stream is skipped (once).
//! - Lines end with LF, CRLF or a lone CR; a CR that ends one chunk and an LF that starts
//!   the next are one line ending, not two.
//! - Bytes are buffered until a line is complete and only complete lines are decoded;
//!   invalid UTF-8 becomes U+FFFD, never a panic.
//! - `data:` lines are joined with `\n`; one space after the colon is removed; a line
//!   starting with `:` is a comment; a line without a colon is a field with an empty value.
//! - `event:` sets the type of the next event only; `id:` sets the last event id, which
//!   carries over to later events until another `id:` changes it (an id containing
//!   U+0000 is ignored); `retry:` and unknown fields are ignored (the app does not
//!   reconnect by itself).
//! - A blank line dispatches the event; one with no `data:` field is not dispatched.
//! - At the end of the stream an event not closed by a blank line is discarded, as the
//!   spec says ([`SseDecoder::finish`]).
//!
//! Memory is bounded: a line longer than [`MAX_LINE_BYTES`] is dropped whole (it is
//! treated as if it had never been sent), and an event whose data grows past
//! [`MAX_LINE_BYTES`] is dropped whole at its blank line, instead of buffering without
//! limit.

/// The longest line kept, in bytes (8 MiB), not counting its line ending; a longer one
/// is dropped. The same bound applies to the joined data of one event.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field of this event; `None` when absent or empty (the default
    /// `message` type).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n` (no trailing newline).
    pub data: String,
    /// The last event id in force when the event was dispatched (it carries over from
    /// earlier events); `None` when no id was set or it was reset by an empty `id:`.
    pub id: Option<String>,
}

/// An incremental event-stream decoder: [`push`](SseDecoder::push) bytes as they arrive,
/// [`finish`](SseDecoder::finish) at the end of the stream.
#[derive(Debug, Clone)]
pub struct SseDecoder {
    /// Bytes of the line not yet terminated.
    line: Vec<u8>,
    /// The current line went past the limit: skip it up to its line ending.
    discarding_line: bool,
    /// The previous line ended with CR: an LF right after it belongs to that ending.
    skip_lf: bool,
    /// Still at the start of the stream, where a BOM may stand.
    bom_pending: bool,
    /// Data buffer of the event being built (each line followed by `\n`).
    data: String,
    /// The data of the event being built went past the limit: drop the event.
    data_overflow: bool,
    /// Event type buffer.
    event_type: String,
    /// Last event id buffer (persists across events).
    last_id: String,
    /// Limit for one line and for one event's data.
    max_bytes: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::with_max_bytes(MAX_LINE_BYTES)
    }

    fn with_max_bytes(max_bytes: usize) -> Self {
        Self {
            line: Vec::new(),
            discarding_line: false,
            skip_lf: false,
            bom_pending: true,
            data: String::new(),
            data_overflow: false,
            event_type: String::new(),
            last_id: String::new(),
            max_bytes,
        }
    }

    /// Feeds the next chunk of the stream and returns every event that these bytes
    /// completed, in order. Bytes of an unfinished line are kept for the next call.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.skip_lf {
                self.skip_lf = false;
                if rest[0] == b'\n' {
                    rest = &rest[1..];
                    continue;
                }
            }
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    self.append(&rest[..i]);
                    self.skip_lf = rest[i] == b'\r';
                    rest = &rest[i + 1..];
                    self.end_line(&mut out);
                }
                None => {
                    self.append(rest);
                    rest = &[];
                }
            }
        }
        out
    }

    /// Ends the stream. Per the spec, an event not closed by a blank line (including an
    /// unterminated last line) is discarded, so this returns no events; it exists so
    /// callers need not know that, and it resets the decoder for a new stream.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        *self = Self::with_max_bytes(self.max_bytes);
        Vec::new()
    }

    /// Adds bytes to the current line, skipping a leading BOM and enforcing the limit.
    fn append(&mut self, bytes: &[u8]) {
        if self.discarding_line {
            return;
        }
        self.line.extend_from_slice(bytes);
        if self.bom_pending && self.line.len() >= BOM.len() {
            self.bom_pending = false;
            if self.line.starts_with(BOM) {
                self.line.drain(..BOM.len());
            }
        }
        if self.line.len() > self.max_bytes {
            self.line = Vec::new();
            self.discarding_line = true;
        }
    }

    /// Processes the completed current line.
    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        // A first line shorter than a BOM cannot hold one.
        self.bom_pending = false;
        if self.discarding_line {
            self.discarding_line = false;
            return;
        }
        let bytes = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&bytes);
        if text.is_empty() {
            if let Some(event) = self.dispatch() {
                out.push(event);
            }
        } else if !text.starts_with(':') {
            let (field, value) = match text.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (&*text, ""),
            };
            self.field(field, value);
        }
        // Reuse the allocation for the next line.
        self.line = bytes;
        self.line.clear();
    }

    fn field(&mut self, name: &str, value: &str) {
        match name {
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            "data" => {
                if self.data_overflow {
                    return;
                }
                if self.data.len() + value.len() + 1 > self.max_bytes {
                    self.data = String::new();
                    self.data_overflow = true;
                    return;
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            // An id containing U+0000 is ignored.
            "id" if !value.contains('\0') => {
                self.last_id.clear();
                self.last_id.push_str(value);
            }
            _ => {}
        }
    }

    /// Handles a blank line: builds the event if it has data, and resets the buffers.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let event_type = std::mem::take(&mut self.event_type);
        let overflow = std::mem::replace(&mut self.data_overflow, false);
        let mut data = std::mem::take(&mut self.data);
        if overflow || data.is_empty() {
            return None;
        }
        if data.ends_with('\n') {
            data.pop();
        }
        Some(SseEvent {
            event: (!event_type.is_empty()).then_some(event_type),
            data,
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
        })
    }
}

/// True when the event is the OpenAI end-of-stream marker: data exactly `[DONE]`.
pub fn is_done(event: &SseEvent) -> bool {
    event.data == "[DONE]"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: Option<&str>, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
        }
    }

    fn msg(data: &str) -> SseEvent {
        ev(None, data, None)
    }

    fn whole(input: &[u8]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = d.push(input);
        out.extend(d.finish());
        out
    }

    fn chunked<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(d.push(chunk));
        }
        out.extend(d.finish());
        out
    }

    /// Asserts the expected events for the whole input, for every two-chunk split, and
    /// for one byte at a time.
    fn check_all_splits(name: &str, input: &[u8], want: &[SseEvent]) {
        assert_eq!(whole(input), want, "{name}: whole");
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(chunked([a, b]), want, "{name}: split at byte {at}");
        }
        assert_eq!(chunked(input.chunks(1)), want, "{name}: one byte at a time");
    }

    // Guards against any stream in the table decoding differently when the network cuts
    // it into chunks (inside CRLF, inside a UTF-8 character, inside the BOM).
    #[test]
    fn table_same_events_for_every_split() {
        let openai = concat!(
            "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n",
            "data: [DONE]\n\n",
        );
        let japanese = "data: {\"content\":\"こんにちは、世界🌏\"}\n\n";
        let cases: Vec<(&str, Vec<u8>, Vec<SseEvent>)> = vec![
            (
                "openai chunks",
                openai.as_bytes().to_vec(),
                vec![
                    msg("{\"id\":\"c1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}"),
                    msg("{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}"),
                    msg("[DONE]"),
                ],
            ),
            (
                "crlf",
                b"data: one\r\n\r\ndata: two\r\n\r\n".to_vec(),
                vec![msg("one"), msg("two")],
            ),
            (
                "lone cr",
                b"data: one\r\rdata: two\rdata: three\r\r".to_vec(),
                vec![msg("one"), msg("two\nthree")],
            ),
            (
                "mixed endings",
                b"data: a\r\ndata: b\rdata: c\n\r\n".to_vec(),
                vec![msg("a\nb\nc")],
            ),
            (
                "keep-alive comments",
                b": keep-alive\n\n: ping\ndata: x\n: inside\n\n:\n\n".to_vec(),
                vec![msg("x")],
            ),
            (
                "multi-line data",
                b"data: first\ndata:second\ndata:  third\ndata\ndata:\n\n".to_vec(),
                vec![msg("first\nsecond\n third\n\n")],
            ),
            (
                "event and id",
                b"event: delta\nid: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n".to_vec(),
                vec![
                    ev(Some("delta"), "a", Some("7")),
                    ev(None, "b", Some("7")),
                    ev(None, "c", None),
                ],
            ),
            (
                "done marker",
                b"data: {\"x\":1}\n\ndata: [DONE]\n\n".to_vec(),
                vec![msg("{\"x\":1}"), msg("[DONE]")],
            ),
            (
                "bom",
                b"\xEF\xBB\xBFdata: after bom\n\n".to_vec(),
                vec![msg("after bom")],
            ),
            (
                "bom only once",
                b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\ndata: c\n\n".to_vec(),
                vec![msg("a"), msg("c")],
            ),
            (
                "japanese",
                japanese.as_bytes().to_vec(),
                vec![msg("{\"content\":\"こんにちは、世界🌏\"}")],
            ),
            (
                "empty events not dispatched",
                b"\n\nevent: x\n\nid: 3\n\ndata: y\n\n".to_vec(),
                vec![ev(None, "y", Some("3"))],
            ),
            (
                "unterminated last event dropped",
                b"data: kept\n\ndata: lost\n".to_vec(),
                vec![msg("kept")],
            ),
            (
                "invalid utf-8",
                b"data: a\xFFb\xE3\x81\n\n".to_vec(),
                vec![msg("a\u{FFFD}b\u{FFFD}")],
            ),
            (
                "fields and colons",
                b"data:a:b\nretry: 10\nfoo: bar\nid: x\0y\ndata: : c\n\n".to_vec(),
                vec![msg("a:b\n: c")],
            ),
        ];
        for (name, input, want) in &cases {
            check_all_splits(name, input, want);
        }
    }

    // Guards against a CR at the end of one chunk and the LF starting the next being
    // read as two line endings (which would dispatch an extra blank line).
    #[test]
    fn cr_then_lf_across_chunks_is_one_ending() {
        let mut d = SseDecoder::new();
        assert_eq!(d.push(b"data: a\r"), vec![]);
        assert_eq!(d.push(b"\ndata: b\r"), vec![]);
        assert_eq!(d.push(b"\n\r"), vec![msg("a\nb")]);
        assert_eq!(d.push(b"\n"), vec![]);
        assert_eq!(d.push(b"data: c\n\n"), vec![msg("c")]);
    }

    // Guards against events arriving late: an event is returned by the push that
    // completes its blank line, even when that line ends with a lone CR.
    #[test]
    fn events_returned_as_soon_as_complete() {
        let mut d = SseDecoder::new();
        assert_eq!(d.push(b"data: one\n"), vec![]);
        assert_eq!(d.push(b"\r"), vec![msg("one")]);
        assert_eq!(
            d.push(b"data: two\n\ndata: three\n\n"),
            vec![msg("two"), msg("three")]
        );
    }

    // Guards against a half-received event leaking out at the end of the stream.
    #[test]
    fn finish_discards_unterminated_event_and_resets() {
        let mut d = SseDecoder::new();
        assert_eq!(d.push(b"id: 1\ndata: partial\n"), vec![]);
        assert_eq!(d.finish(), vec![]);
        // After finish the decoder starts a new stream: no id, data or BOM state carried.
        assert_eq!(d.push(b"\xEF\xBB\xBFdata: new\n\n"), vec![msg("new")]);
    }

    // Guards against a BOM-prefix at the start being eaten when it is not a full BOM.
    #[test]
    fn partial_bom_is_not_stripped() {
        assert_eq!(whole(b"\xEF\xBBdata: x\n\n"), vec![]);
        assert_eq!(whole(b"\xEF\n\ndata: x\n\n"), vec![msg("x")]);
        assert_eq!(whole(b"\xEF\xBB\xBF\n\ndata: x\n\n"), vec![msg("x")]);
    }

    // Guards against unbounded memory: an over-long line is dropped whole and decoding
    // resumes at the next line.
    #[test]
    fn over_long_line_dropped() {
        let mut d = SseDecoder::with_max_bytes(16);
        assert_eq!(d.push(b"data: 0123456789"), vec![]); // exactly 16 bytes: kept so far
        assert_eq!(d.push(b"X"), vec![]); // 17: dropped
        assert!(d.line.is_empty());
        assert_eq!(d.push(b"YYYYYYYYYYYYYYYYYYYY\n"), vec![]);
        assert_eq!(d.push(b"\n"), vec![]); // the dropped line left no data behind
        assert_eq!(d.push(b"data: 0123456789\n\n"), vec![msg("0123456789")]);
    }

    // Guards against the real 8 MiB limit being off by one or not applied.
    #[test]
    fn real_limit_is_8_mib() {
        assert_eq!(MAX_LINE_BYTES, 8 * 1024 * 1024);
        let mut line = b"data: ".to_vec();
        line.resize(MAX_LINE_BYTES, b'a');
        let mut d = SseDecoder::new();
        assert_eq!(d.push(&line), vec![]);
        assert_eq!(d.line.len(), MAX_LINE_BYTES);
        assert_eq!(d.push(b"a"), vec![]);
        assert!(d.line.is_empty());
        assert_eq!(d.push(b"\n\ndata: ok\n\n"), vec![msg("ok")]);
    }

    // Guards against many data lines growing one event without limit.
    #[test]
    fn over_long_event_data_dropped() {
        let mut d = SseDecoder::with_max_bytes(16);
        assert_eq!(
            d.push(b"data: 12345\ndata: 12345\n\n"),
            vec![msg("12345\n12345")]
        );
        assert_eq!(d.push(b"data: 12345\ndata: 12345\ndata: 12345\n\n"), vec![]);
        assert_eq!(d.push(b"data: next\n\n"), vec![msg("next")]);
    }

    // Guards against treating anything but the exact marker as the end of the stream.
    #[test]
    fn done_marker_exact() {
        assert!(is_done(&msg("[DONE]")));
        assert!(is_done(&ev(Some("x"), "[DONE]", Some("1"))));
        assert!(!is_done(&msg(" [DONE]")));
        assert!(!is_done(&msg("[DONE]\n")));
        assert!(!is_done(&msg("[done]")));
        assert!(!is_done(&msg("")));
    }

    /// One line of a generated stream.
    #[derive(Debug, Clone)]
    enum Line {
        Data(String),
        Event(String),
        Id(String),
        Comment(String),
        Blank,
    }

    fn value() -> impl Strategy<Value = String> {
        // Text without line breaks or NUL, with multi-byte characters.
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just(' '),
                Just(':'),
                Just('{'),
                Just('"'),
                Just('é'),
                Just('日'),
                Just('本'),
                Just('🌏'),
                Just('\u{FEFF}'),
            ],
            0..8,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn line() -> impl Strategy<Value = Line> {
        prop_oneof![
            4 => value().prop_map(Line::Data),
            1 => value().prop_map(Line::Event),
            1 => value().prop_map(Line::Id),
            1 => value().prop_map(Line::Comment),
            3 => Just(Line::Blank),
        ]
    }

    /// Renders lines to bytes and computes the events the spec gives for them.
    fn render(lines: &[(Line, u8)], bom: bool) -> (Vec<u8>, Vec<SseEvent>) {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(BOM);
        }
        let (mut data, mut event, mut id) = (Vec::<String>::new(), String::new(), String::new());
        let mut want = Vec::new();
        let mut prev_cr = false;
        for (line, ending) in lines {
            match line {
                Line::Data(v) => {
                    bytes.extend_from_slice(format!("data: {v}").as_bytes());
                    data.push(v.clone());
                }
                Line::Event(v) => {
                    bytes.extend_from_slice(format!("event: {v}").as_bytes());
                    event = v.clone();
                }
                Line::Id(v) => {
                    bytes.extend_from_slice(format!("id: {v}").as_bytes());
                    id = v.clone();
                }
                Line::Comment(v) => bytes.extend_from_slice(format!(":{v}").as_bytes()),
                Line::Blank => {
                    if !data.is_empty() {
                        want.push(SseEvent {
                            event: (!event.is_empty()).then(|| event.clone()),
                            data: data.join("\n"),
                            id: (!id.is_empty()).then(|| id.clone()),
                        });
                    }
                    data.clear();
                    event.clear();
                }
            }
            // After a lone CR, an empty line ending in LF would read as CRLF.
            let ending: &[u8] = match ending % 3 {
                0 if prev_cr && matches!(line, Line::Blank) => b"\r\n",
                0 => b"\n",
                1 => b"\r\n",
                _ => b"\r",
            };
            prev_cr = ending == b"\r";
            bytes.extend_from_slice(ending);
        }
        (bytes, want)
    }

    proptest! {
        // Guards against chunk boundaries changing the decoded events of any well-formed
        // stream (line endings, UTF-8 characters and the BOM split at random).
        #[test]
        fn random_splits_same_events(
            lines in proptest::collection::vec((line(), any::<u8>()), 0..24),
            bom in any::<bool>(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let (bytes, want) = render(&lines, bom);
            prop_assert_eq!(&whole(&bytes), &want);
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            at.push(0);
            at.push(bytes.len());
            at.sort_unstable();
            let chunks = at.windows(2).map(|w| &bytes[w[0]..w[1]]);
            prop_assert_eq!(chunked(chunks), want);
        }
    }
}
