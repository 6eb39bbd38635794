//! Which stretch of a long thread is on screen: a run of consecutive exchanges, with how
//! many come before and after it, moved a page at a time as the reader scrolls. The page
//! never holds more than [`MAX`] exchanges, and nothing here needs the whole thread (not
//! even its ids), so opening or scrolling costs the same for 20 or 20,000 exchanges.

use crate::format;
use crate::i18n::Lang;

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
