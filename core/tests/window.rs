//! The window's reads over a path of stored exchanges, answered as storage answers a span:
//! what to read next, how a page joins the window, what an edit holds back, and what a
//! scroll asks.

use pocket_chat_core::ledger::DebitKind;
use pocket_chat_core::records::{Message, MessageStatus};
use pocket_chat_core::window::{Read, Span, Window, MAX, OPENING, PINNED_PX, PRELOAD_PX};
use proptest::prelude::*;

fn exchange(depth: u32) -> Message {
    Message {
        message_id: format!("M{depth}"),
        thread_id: "T1".into(),
        user_id: "U1".into(),
        branch: "T1".into(),
        depth,
        prompt: format!("question {depth}"),
        completion: format!("answer {depth}"),
        reasoning: String::new(),
        html: String::new(),
        total: 10,
        prompt_tokens: 4,
        completion_tokens: 6,
        reasoning_tokens: 0,
        debit_kind: DebitKind::Exact,
        model: "gpt-4o-mini".into(),
        status: MessageStatus::Complete,
        created_at: 1_000 + i64::from(depth),
        deleted_at: None,
    }
}

/// A path `len` exchanges long, read as `storage::messages::read_path` reads it.
struct Path(u32);

impl Path {
    /// The rows of `span` and the depth of the first (the path's length when none).
    fn read(&self, span: Span) -> (Vec<Message>, u32) {
        let (from, to) = span.depths(self.0);
        let rows: Vec<Message> = (from..to).map(exchange).collect();
        let first = rows.first().map_or(self.0, |m| m.depth);
        (rows, first)
    }

    fn show(&self, read: Read, shown: &Window<Message>) -> Window<Message> {
        let (rows, first) = self.read(read.span());
        read.joined(shown, rows, first, self.0, true)
    }
}

fn depths(w: &Window<Message>) -> Vec<u32> {
    w.items().iter().map(|m| m.depth).collect()
}

// Guards against a thread opening anywhere but its newest page.
#[test]
fn the_opening_read_is_the_newest_page() {
    let path = Path(2_000);
    let w = path.show(Read::Span(Span::OPENING), &Window::default());
    assert_eq!(
        depths(&w),
        (2_000 - OPENING as u32..2_000).collect::<Vec<_>>()
    );
    assert_eq!((w.earlier(), w.later()), (2_000 - OPENING, 0));
    assert_eq!(w.newest_exchange(), Some("M1999"));
    assert!(Read::Span(Span::OPENING).is_opening());
    assert!(!Read::Before(10, 5).is_opening());
}

// Guards against a reread that loses the stretch on screen, or misses what arrived after
// it when it reached the newest.
#[test]
fn a_reread_keeps_the_stretch_and_grows_at_the_newest_end() {
    let path = Path(100);
    let w = path.show(Read::Span(Span::OPENING), &Window::default());
    assert_eq!(w.reread(), Some(Span::Depths { from: 85, to: None }));
    let grown = Path(102).show(Read::Span(w.reread().unwrap()), &w);
    assert_eq!(depths(&grown), (85..102).collect::<Vec<_>>());
    let back = path.show(
        Read::Span(Span::Depths {
            from: 10,
            to: Some(25),
        }),
        &w,
    );
    assert_eq!(
        back.reread(),
        Some(Span::Depths {
            from: 10,
            to: Some(25)
        })
    );
    assert_eq!(Window::<Message>::default().reread(), None);
}

// Guards against a search result opening with its exchange off screen.
#[test]
fn a_result_opens_in_the_middle_of_its_page() {
    let path = Path(300);
    let w = path.show(Read::Span(Span::around(150)), &Window::default());
    assert_eq!(w.items().len(), OPENING);
    assert_eq!(w.at_depth(150), Some("M150"));
    assert_eq!(w.items()[OPENING / 2].depth, 150);
    assert_eq!(w.newest_exchange(), None, "the newest is not on screen");
    let near_start = path.show(Read::Span(Span::around(2)), &Window::default());
    assert_eq!(near_start.items().first().map(|m| m.depth), Some(0));
}

// Guards against an edit of an exchange still showing the versions below it.
#[test]
fn an_edit_holds_the_path_back_to_its_exchange() {
    let path = Path(40);
    let w = path.show(Read::Span(Span::OPENING), &Window::default());
    let held = w.held_at(30);
    assert_eq!(depths(&held), (25..30).collect::<Vec<_>>());
    assert_eq!((held.earlier(), held.later()), (25, 0));
    assert_eq!(held.newest_exchange(), Some("M29"));
}

// Guards against a page read while another tab switched versions being glued to a window
// of the old path.
#[test]
fn a_page_of_another_path_replaces_the_window() {
    let path = Path(200);
    let w = path.show(Read::Span(Span::OPENING), &Window::default());
    let (read, _) = w.step(false).unwrap();
    let (rows, first) = path.read(read.span());
    let replaced = read.joined(&w, rows, first, 200, false);
    assert_eq!(depths(&replaced), (155..185).collect::<Vec<_>>());
    assert_eq!((replaced.earlier(), replaced.later()), (155, 15));
}

// Guards against a scroll that reads nothing near an end, or pins a reader who scrolled up.
#[test]
fn a_scroll_near_an_end_reads_the_next_page() {
    let mid = Path(500).show(Read::Span(Span::around(250)), &Window::default());
    assert_eq!(mid.scrolled(PRELOAD_PX - 1, 5_000).step, Some(false));
    assert_eq!(mid.scrolled(5_000, PRELOAD_PX - 1).step, Some(true));
    assert_eq!(mid.scrolled(5_000, 5_000).step, None);
    assert!(
        !mid.scrolled(5_000, 0).pinned,
        "the newest is not on screen"
    );
    let newest = Path(500).show(Read::Span(Span::OPENING), &Window::default());
    assert!(newest.scrolled(5_000, PINNED_PX).pinned);
    assert!(!newest.scrolled(5_000, PINNED_PX + 1).pinned);
    assert_eq!(
        newest.scrolled(5_000, 0).step,
        None,
        "nothing after the newest"
    );
    let short = Path(3).show(Read::Span(Span::OPENING), &Window::default());
    assert_eq!(
        short.scrolled(0, 0),
        pocket_chat_core::window::Scrolled {
            pinned: true,
            step: None
        }
    );
}

proptest! {
    // Guards against steps that drift from the path, grow past MAX, lose the anchor
    // exchange, or cannot reach every exchange.
    #[test]
    fn steps_stay_on_the_path_and_keep_their_anchor(
        len in 0u32..400,
        moves in proptest::collection::vec(any::<bool>(), 0..40),
    ) {
        let path = Path(len);
        let mut w = path.show(Read::Span(Span::OPENING), &Window::default());
        let mut seen: std::collections::BTreeSet<u32> = depths(&w).into_iter().collect();
        let consistent = |w: &Window<Message>| {
            w.items().len() <= MAX
                && (w.earlier() + w.items().len() + w.later()) as u32 == len
                && w.items().iter().enumerate().all(|(i, m)| m.depth == (w.earlier() + i) as u32)
        };
        let step = |w: &mut Window<Message>, forward: bool| -> bool {
            let Some((read, anchor)) = w.step(forward) else { return false };
            *w = path.show(read, w);
            assert!(w.items().iter().any(|m| m.message_id == anchor), "the anchor stays on screen");
            true
        };
        for forward in moves {
            step(&mut w, forward);
            prop_assert!(consistent(&w));
            seen.extend(depths(&w));
        }
        while step(&mut w, false) { prop_assert!(consistent(&w)); seen.extend(depths(&w)); }
        while step(&mut w, true) { prop_assert!(consistent(&w)); seen.extend(depths(&w)); }
        prop_assert_eq!(seen.len() as u32, len);
    }
}
