//! Which stretch of a long thread is on screen: a run of consecutive exchanges, with how
//! many come before and after it, moved a page at a time as the reader scrolls. The page
//! never holds more than [`MAX`] exchanges, and nothing here needs the whole thread (not
//! even its ids), so opening or scrolling costs the same for 20 or 20,000 exchanges.

use crate::format;
use crate::i18n::Lang;
use crate::records::Message;

/// Exchanges shown when a thread opens: enough to fill a tall screen, few enough to paint
/// at once; scrolling back reads more before the reader reaches the top.
pub const OPENING: usize = 15;
/// Exchanges read at a time while scrolling.
pub const PAGE: usize = 30;
/// The most exchanges on screen at once; beyond it, the far end drops off.
pub const MAX: usize = 90;

/// A run of consecutive exchanges `items` (oldest first), with `earlier` exchanges of the
/// thread before it and `later` after it (known from the exchanges' depths on the path,
/// without counting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<T> {
    items: Vec<T>,
    earlier: usize,
    later: usize,
}

impl<T> Default for Window<T> {
    fn default() -> Self {
        Window {
            items: Vec::new(),
            earlier: 0,
            later: 0,
        }
    }
}

impl<T: Clone> Window<T> {
    /// The run `items` with `earlier` and `later` around it, cut to [`MAX`]: at the start
    /// when `keep_end` (the reader is at the newest end), else at the end.
    pub fn settle(mut items: Vec<T>, earlier: usize, later: usize, keep_end: bool) -> Self {
        let extra = items.len().saturating_sub(MAX);
        if keep_end {
            items.drain(..extra);
            Window {
                items,
                earlier: earlier + extra,
                later,
            }
        } else {
            items.truncate(MAX);
            Window {
                items,
                earlier,
                later: later + extra,
            }
        }
    }

    /// The exchanges on screen, oldest first.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// Exchanges before the window (not on screen).
    pub fn earlier(&self) -> usize {
        self.earlier
    }

    /// Exchanges after the window (not on screen).
    pub fn later(&self) -> usize {
        self.later
    }

    /// How many to read before the window for the next page back (0: at the start).
    pub fn back_size(&self) -> usize {
        PAGE.min(self.earlier)
    }

    /// How many to read after the window for the next page on (0: at the newest).
    pub fn forward_size(&self) -> usize {
        PAGE.min(self.later)
    }

    /// With `read` — the exchanges just before the window, oldest first — added in front;
    /// the newest drop off beyond [`MAX`].
    pub fn with_earlier(&self, mut read: Vec<T>) -> Self {
        let earlier = self.earlier.saturating_sub(read.len());
        read.extend(self.items.iter().cloned());
        Window::settle(read, earlier, self.later, false)
    }

    /// With `read` — the exchanges just after the window — added behind; the oldest drop
    /// off beyond [`MAX`].
    pub fn with_later(&self, read: Vec<T>) -> Self {
        let later = self.later.saturating_sub(read.len());
        let mut items = self.items.clone();
        items.extend(read);
        Window::settle(items, self.earlier, later, true)
    }
}

/// Within this many pixels of an end, the next page is read before the reader gets there.
pub const PRELOAD_PX: i32 = 600;
/// Within this many pixels of the bottom, the reader is following the newest exchange.
pub const PINNED_PX: i32 = 80;

/// Which exchanges of the path on screen to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// The newest `n`.
    Newest(u32),
    /// Depths `from..to` (through the newest with `to: None`).
    Depths { from: u32, to: Option<u32> },
}

impl Span {
    /// The newest page a thread opens on.
    pub const OPENING: Span = Span::Newest(OPENING as u32);

    /// The depths `from..to` this span covers of a path `len` exchanges long.
    pub fn depths(self, len: u32) -> (u32, u32) {
        match self {
            Span::Newest(n) => (len.saturating_sub(n), len),
            Span::Depths { from, to } => (from, to.map_or(len, |t| t.min(len))),
        }
    }

    /// An opening page with the exchange at `depth` in its middle (a search result).
    pub fn around(depth: u32) -> Span {
        let from = depth.saturating_sub(OPENING as u32 / 2);
        Span::Depths {
            from,
            to: Some(from + OPENING as u32),
        }
    }
}

/// What to read for the next window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A stretch of the path, as the new window.
    Span(Span),
    /// A page of `n` before depth `d`, added in front of the window.
    Before(u32, u32),
    /// A page of `n` from depth `d`, added behind the window.
    After(u32, u32),
}

impl Read {
    /// The stretch of the path this read asks storage for.
    pub fn span(self) -> Span {
        match self {
            Read::Span(span) => span,
            Read::Before(d, n) => Span::Depths {
                from: d.saturating_sub(n),
                to: Some(d),
            },
            Read::After(d, n) => Span::Depths {
                from: d,
                to: Some(d + n),
            },
        }
    }

    /// Whether a page read early at start-up can answer it: only the newest page can.
    pub fn is_opening(self) -> bool {
        matches!(self, Read::Span(Span::Newest(_)))
    }

    /// The window after this read answered `rows` (the first at depth `first`, of a path
    /// `len` exchanges long) over `shown`; `same_path` says whether the path is the one
    /// `shown` is on: when another tab switched versions meanwhile, a page does not join
    /// the window but replaces it.
    pub fn joined(
        self,
        shown: &Window<Message>,
        rows: Vec<Message>,
        first: u32,
        len: u32,
        same_path: bool,
    ) -> Window<Message> {
        match self {
            Read::Before(..) | Read::After(..) if !same_path => whole(rows, first, len, true),
            Read::Before(..) => shown.with_earlier(rows),
            Read::After(..) => shown.with_later(rows),
            Read::Span(Span::Depths { to, .. }) => whole(rows, first, len, to.is_none()),
            Read::Span(Span::Newest(_)) => whole(rows, first, len, true),
        }
    }
}

/// The window of `rows`, the first at depth `first` of a path `len` exchanges long.
fn whole(rows: Vec<Message>, first: u32, len: u32, keep_end: bool) -> Window<Message> {
    let later = len.saturating_sub(first + rows.len() as u32);
    Window::settle(rows, first as usize, later as usize, keep_end)
}

impl Window<Message> {
    /// The same stretch read again, grown by whatever arrived after it if it reached the
    /// newest; `None` when nothing is on screen.
    pub fn reread(&self) -> Option<Span> {
        let (first, last) = (self.items.first()?.depth, self.items.last()?.depth);
        Some(Span::Depths {
            from: first,
            to: (self.later != 0).then_some(last + 1),
        })
    }

    /// The window without the exchanges from `depth` on (an edit or regenerate of the
    /// exchange there is under way: the new version streams below).
    pub fn held_at(&self, depth: u32) -> Window<Message> {
        let items = self
            .items
            .iter()
            .filter(|m| m.depth < depth)
            .cloned()
            .collect();
        Window::settle(items, self.earlier, 0, true)
    }

    /// The next page back (or on, with `forward`), and the exchange at the window's edge
    /// that is on screen before and after it, to stay put; `None` at that end.
    pub fn step(&self, forward: bool) -> Option<(Read, String)> {
        let (edge, size) = if forward {
            (self.items.last()?, self.forward_size())
        } else {
            (self.items.first()?, self.back_size())
        };
        let read = if forward {
            Read::After(edge.depth + 1, size as u32)
        } else {
            Read::Before(edge.depth, size as u32)
        };
        (size > 0).then(|| (read, edge.message_id.clone()))
    }

    /// The newest exchange of the path, when it is on screen.
    pub fn newest_exchange(&self) -> Option<&str> {
        let newest = self.items.last().filter(|_| self.later == 0)?;
        Some(&newest.message_id)
    }

    /// The exchange at `depth`, when it is on screen.
    pub fn at_depth(&self, depth: u32) -> Option<&str> {
        let m = self.items.iter().find(|m| m.depth == depth)?;
        Some(&m.message_id)
    }
}

/// What a scroll of the thread means, from where it is: `top` pixels scrolled, `from_bottom`
/// pixels left below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scrolled {
    /// The reader follows the newest exchange: new text keeps it in view.
    pub pinned: bool,
    /// The page to read next: `Some(false)` back, `Some(true)` on.
    pub step: Option<bool>,
}

impl<T> Window<T> {
    /// What a scroll to `top`, `from_bottom` pixels from the bottom, asks of this window.
    pub fn scrolled(&self, top: i32, from_bottom: i32) -> Scrolled {
        let step = if top < PRELOAD_PX && self.earlier > 0 {
            Some(false)
        } else if from_bottom < PRELOAD_PX && self.later > 0 {
            Some(true)
        } else {
            None
        };
        Scrolled {
            pinned: from_bottom <= PINNED_PX && self.later == 0,
            step,
        }
    }
}

/// The button above the exchanges on screen, when older ones of a long thread are not;
/// with how many.
pub fn earlier_exchanges(lang: Lang, n: usize) -> String {
    let n = format::tokens(i64::try_from(n).unwrap_or(i64::MAX));
    match lang {
        Lang::En => format!("Show earlier messages ({n} more)"),
        Lang::Ja => format!("前のメッセージを表示（あと {n} 件）"),
    }
}

/// The button below the exchanges on screen, when newer ones are not (scrolled back).
pub fn later_exchanges(lang: Lang, n: usize) -> String {
    let n = format::tokens(i64::try_from(n).unwrap_or(i64::MAX));
    match lang {
        Lang::En => format!("Show newer messages ({n} more)"),
        Lang::Ja => format!("新しいメッセージを表示（あと {n} 件）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A thread of `n` exchanges with ids 1..=n, as storage would answer.
    struct Thread(usize);

    impl Thread {
        fn newest(&self) -> Window<usize> {
            let first = self.0.saturating_sub(OPENING);
            Window::settle((first + 1..=self.0).collect(), first, 0, true)
        }
        fn before(&self, w: &Window<usize>) -> Vec<usize> {
            let first = w.items().first().copied().unwrap_or(self.0 + 1);
            (first.saturating_sub(w.back_size())..first).collect()
        }
        fn after(&self, w: &Window<usize>) -> Vec<usize> {
            let last = w.items().last().copied().unwrap_or(0);
            (last + 1..=last + w.forward_size()).collect()
        }
        fn back(&self, w: &Window<usize>) -> Window<usize> {
            w.with_earlier(self.before(w))
        }
        fn on(&self, w: &Window<usize>) -> Window<usize> {
            w.with_later(self.after(w))
        }
    }

    // Guards against opening a long thread with all of it on screen, or without its
    // newest exchange.
    #[test]
    fn a_thread_opens_on_its_newest_page() {
        let w = Thread(2_000).newest();
        assert_eq!(w.items().len(), OPENING);
        assert_eq!(w.items().last(), Some(&2_000));
        assert_eq!((w.earlier(), w.later()), (2_000 - OPENING, 0));
        let short = Thread(3).newest();
        assert_eq!((short.items(), short.earlier()), (&[1, 2, 3][..], 0));
        assert_eq!(short.back_size(), 0);
    }

    // Guards against a window that grows without bound while the reader scrolls back.
    #[test]
    fn scrolling_back_keeps_at_most_max_on_screen() {
        let t = Thread(2_000);
        let mut w = t.newest();
        for _ in 0..5 {
            w = t.back(&w);
        }
        assert_eq!(w.items().len(), MAX);
        assert_eq!(w.earlier(), 2_000 - OPENING - 5 * PAGE);
        assert_eq!(w.later(), OPENING + 5 * PAGE - MAX);
        assert_eq!(w.items()[0], w.earlier() + 1);
        let on = t.on(&w);
        assert_eq!(on.later(), w.later() - PAGE);
        assert_eq!(on.items().len(), MAX);
    }

    // Guards against a refresh (a reply, another tab) that loses the newest end or lets
    // the window grow past MAX.
    #[test]
    fn settling_cuts_the_far_end() {
        let at_end = Window::settle((1..=100).collect::<Vec<_>>(), 5, 0, true);
        assert_eq!(
            (at_end.items()[0], at_end.earlier(), at_end.later()),
            (11, 15, 0)
        );
        let back = Window::settle((1..=100).collect::<Vec<_>>(), 5, 2, false);
        assert_eq!(
            (back.items().last(), back.earlier(), back.later()),
            (Some(&90), 5, 12)
        );
    }

    proptest! {
        // Guards against a window whose counts drift from the thread, larger than MAX,
        // or one that cannot reach every exchange by scrolling.
        #[test]
        fn any_walk_stays_consistent_and_reaches_every_exchange(
            n in 0usize..400,
            moves in proptest::collection::vec(any::<bool>(), 0..40),
        ) {
            let t = Thread(n);
            let mut w = t.newest();
            let mut seen: std::collections::BTreeSet<usize> = w.items().iter().copied().collect();
            let consistent = |w: &Window<usize>| {
                w.items().len() <= MAX
                    && w.earlier() + w.items().len() + w.later() == n
                    && w.items().iter().enumerate().all(|(i, id)| *id == w.earlier() + i + 1)
            };
            for back in moves {
                w = if back { t.back(&w) } else { t.on(&w) };
                prop_assert!(consistent(&w));
                seen.extend(w.items().iter().copied());
            }
            while w.back_size() > 0 { w = t.back(&w); prop_assert!(consistent(&w)); seen.extend(w.items().iter().copied()); }
            while w.forward_size() > 0 { w = t.on(&w); prop_assert!(consistent(&w)); seen.extend(w.items().iter().copied()); }
            prop_assert_eq!(seen.len(), n);
        }
    }
}
