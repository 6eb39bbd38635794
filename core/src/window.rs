//! Which stretch of a long thread is on screen: a window over the thread's exchange ids,
//! moved a page at a time as the reader scrolls, so the page never holds more than [`MAX`]
//! exchanges however long the thread grows.

/// Exchanges read and shown at a time: the newest page when a thread opens.
pub const PAGE: usize = 30;
/// The most exchanges on screen at once; beyond it, the far end drops off.
pub const MAX: usize = 90;

/// A contiguous run `start..end` of a thread's exchange ids (ascending, as stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    ids: Vec<u64>,
    start: usize,
    end: usize,
}

impl Window {
    /// The newest page of a thread whose exchange ids, oldest first, are `ids`.
    pub fn newest(ids: Vec<u64>) -> Self {
        let end = ids.len();
        Window {
            start: end.saturating_sub(PAGE),
            end,
            ids,
        }
    }

    /// The ids on screen, oldest first.
    pub fn shown(&self) -> &[u64] {
        &self.ids[self.start..self.end]
    }

    /// Every id of the thread, oldest first.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// Exchanges before the window (not on screen).
    pub fn earlier(&self) -> usize {
        self.start
    }

    /// Exchanges after the window (not on screen).
    pub fn later(&self) -> usize {
        self.ids.len() - self.end
    }

    /// The first and last id on screen: the key range to read.
    pub fn span(&self) -> Option<(u64, u64)> {
        Some((*self.shown().first()?, *self.shown().last()?))
    }

    /// One page further back; the newest drop off beyond [`MAX`]. `None` at the start.
    pub fn back(&self) -> Option<Window> {
        if self.start == 0 {
            return None;
        }
        let start = self.start.saturating_sub(PAGE);
        Some(Window {
            ids: self.ids.clone(),
            start,
            end: self.end.min(start + MAX),
        })
    }

    /// One page further on; the oldest drop off beyond [`MAX`]. `None` at the end.
    pub fn forward(&self) -> Option<Window> {
        if self.later() == 0 {
            return None;
        }
        let end = (self.end + PAGE).min(self.ids.len());
        Some(Window {
            ids: self.ids.clone(),
            start: self.start.max(end.saturating_sub(MAX)),
            end,
        })
    }

    /// The window after the thread changed (a reply, another tab) and now has `ids`: the
    /// first exchange on screen stays first, so nothing jumps; a window that reached the
    /// newest exchange reaches the newest again.
    pub fn refreshed(&self, ids: Vec<u64>) -> Window {
        let Some((first, last)) = self.span() else {
            return Window::newest(ids);
        };
        let start = ids.partition_point(|&id| id < first);
        let end = if self.later() == 0 {
            ids.len()
        } else {
            ids.partition_point(|&id| id <= last)
        };
        if start >= end {
            // Everything that was on screen is gone (deleted elsewhere).
            return Window::newest(ids);
        }
        Window {
            start: start.max(end.saturating_sub(MAX)),
            end,
            ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(n: u64) -> Vec<u64> {
        (1..=n).map(|i| i * 3).collect()
    }

    // Guards against opening a long thread with all of it on screen, or without its
    // newest exchange.
    #[test]
    fn a_thread_opens_on_its_newest_page() {
        let w = Window::newest(ids(2_000));
        assert_eq!(w.shown().len(), PAGE);
        assert_eq!(w.shown().last(), Some(&6_000));
        assert_eq!((w.earlier(), w.later()), (1_970, 0));
        let short = Window::newest(ids(3));
        assert_eq!((short.shown(), short.earlier()), (&[3, 6, 9][..], 0));
        assert_eq!(Window::newest(Vec::new()).span(), None);
    }

    // Guards against a window that grows without bound while the reader scrolls back.
    #[test]
    fn scrolling_back_keeps_at_most_max_on_screen() {
        let mut w = Window::newest(ids(2_000));
        for _ in 0..5 {
            w = w
                .back()
                .unwrap_or_else(|| unreachable!("more to go back to"));
        }
        assert_eq!(w.shown().len(), MAX);
        assert_eq!(w.earlier(), 2_000 - 6 * PAGE);
        assert_eq!(w.later(), 6 * PAGE - MAX);
        let on = w
            .forward()
            .unwrap_or_else(|| unreachable!("more to go on to"));
        assert_eq!(on.later(), w.later() - PAGE);
        assert_eq!(on.shown().len(), MAX);
    }

    // Guards against a reply or another tab's write making the thread jump: the first
    // exchange on screen stays first, and a window at the newest follows new ones.
    #[test]
    fn refreshing_keeps_the_first_on_screen_and_follows_the_end() {
        let w = Window::newest(ids(100));
        let first = w.shown()[0];
        let grown = w.refreshed(ids(102));
        assert_eq!(grown.shown()[0], first);
        assert_eq!(grown.shown().last(), Some(&306));

        let long = Window::newest(ids(300));
        let back = long.back().and_then(|w| w.back()).and_then(|w| w.back());
        let back = back.unwrap_or_else(|| unreachable!("three pages back"));
        assert!(back.later() > 0);
        let kept = back.refreshed(ids(302));
        assert_eq!(kept.shown(), back.shown());
        assert_eq!(kept.later(), back.later() + 2);

        // The rows on screen were deleted in another tab: back to the newest page.
        let gone = back.refreshed((1_000..1_010).collect());
        assert_eq!(gone, Window::newest((1_000..1_010).collect()));
    }

    proptest! {
        // Guards against a window out of bounds, larger than MAX, or one that cannot
        // reach every exchange by scrolling.
        #[test]
        fn any_walk_stays_in_bounds_and_reaches_every_exchange(
            n in 0u64..400,
            moves in proptest::collection::vec(0u8..3, 0..40),
            grow in 0u64..50,
        ) {
            let mut w = Window::newest(ids(n));
            let mut seen: std::collections::BTreeSet<u64> = w.shown().iter().copied().collect();
            for m in moves {
                w = match m {
                    0 => w.back().unwrap_or(w),
                    1 => w.forward().unwrap_or(w),
                    _ => w.refreshed(ids(n + grow)),
                };
                prop_assert!(w.start <= w.end && w.end <= w.ids.len());
                prop_assert!(w.shown().len() <= MAX);
                seen.extend(w.shown().iter().copied());
            }
            while let Some(b) = w.back() { w = b; seen.extend(w.shown().iter().copied()); }
            prop_assert_eq!(w.earlier(), 0);
            while let Some(f) = w.forward() { w = f; seen.extend(w.shown().iter().copied()); }
            prop_assert_eq!(w.later(), 0);
            prop_assert!(w.ids().iter().all(|id| seen.contains(id)));
        }
    }
}
