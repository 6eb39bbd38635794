//! The stretch of the current thread on screen: read by key range a page at a time and
//! moved as the reader scrolls (see `pocket_chat_core::window`), kept in place while pages
//! come and go, and pinned to the newest exchange while the reader is at the bottom.
//!
//! The view owns the DOM: it hands over the element the thread scrolls in and each
//! exchange's element (as `NodeRef`s); nothing here looks elements up by selector.

use leptos::html::{Li, Main};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::Message;
use pocket_chat_core::window::{Window, OPENING};

use super::notices::Notices;
use super::store::Store;
use crate::storage::{messages, StorageError};

/// Within this many pixels of an end, the next page is read before the reader gets there.
const PRELOAD_PX: i32 = 600;
/// Within this many pixels of the bottom, the reader is following the newest exchange.
const PINNED_PX: i32 = 80;

/// The window over the current thread and its bookkeeping. `Copy`.
#[derive(Clone, Copy)]
pub struct ThreadWindow {
    /// The stretch of the current thread's exchanges on screen, and how many are not.
    window: RwSignal<Window<Message>>,
    /// What the whole current thread used (summed in the background).
    tally: RwSignal<Tally>,
    /// The thread the window was last asked to show; a read for another one is dropped.
    wanted: StoredValue<Option<u64>>,
    /// The thread `window` belongs to.
    shown_thread: StoredValue<Option<u64>>,
    /// Whether the reader is at the newest exchange, so new text keeps it in view.
    pinned: StoredValue<bool>,
    /// True while a page is read, so scrolling asks for one page at a time.
    moving: StoredValue<bool>,
    /// Counts window reads, so that of two overlapping ones only the later one shows.
    window_seq: StoredValue<u64>,
    /// Counts usage sums, likewise.
    tally_seq: StoredValue<u64>,
    /// The linked thread's newest page, read early at start-up.
    prefetch: StoredValue<Prefetch>,
    /// The element the thread scrolls in, from the view.
    scroller: NodeRef<Main>,
    /// Each exchange's element on screen, from the view: (exchange id, token of the view
    /// that registered it, element). At most a window's worth, so a list is quick enough.
    exchanges: StoredValue<Vec<(u64, u64, NodeRef<Li>)>, LocalStorage>,
    /// The next registration token.
    next_token: StoredValue<u64>,
    store: Store,
    notices: Notices,
}

impl ThreadWindow {
    /// An empty window over the thread the view scrolls in `scroller`.
    pub(super) fn new(store: Store, notices: Notices, scroller: NodeRef<Main>) -> ThreadWindow {
        ThreadWindow {
            window: RwSignal::new(Window::default()),
            tally: RwSignal::new(Tally::default()),
            wanted: StoredValue::new(None),
            shown_thread: StoredValue::new(None),
            pinned: StoredValue::new(true),
            moving: StoredValue::new(false),
            window_seq: StoredValue::new(0),
            tally_seq: StoredValue::new(0),
            prefetch: StoredValue::new(Prefetch::Done),
            scroller,
            exchanges: StoredValue::new_local(Vec::new()),
            next_token: StoredValue::new(0),
            store,
            notices,
        }
    }

    /// The exchanges on screen and the counts around them (tracked).
    pub fn window(&self) -> ReadSignal<Window<Message>> {
        self.window.read_only()
    }

    /// What the whole thread on screen used (tracked).
    pub fn tally(&self) -> ReadSignal<Tally> {
        self.tally.read_only()
    }

    /// Registers the element of exchange `id` (the view calls this for each exchange it
    /// shows); the returned token unregisters it with [`ThreadWindow::forget_exchange`].
    pub fn track_exchange(&self, id: u64, element: NodeRef<Li>) -> u64 {
        let token = self.next_token.get_value();
        self.next_token.set_value(token + 1);
        self.exchanges.update_value(|list| {
            list.retain(|(other, _, _)| *other != id);
            list.push((id, token, element));
        });
        token
    }

    /// Unregisters exchange `id`, unless a newer view of it registered since.
    pub fn forget_exchange(&self, id: u64, token: u64) {
        self.exchanges
            .update_value(|list| list.retain(|entry| (entry.0, entry.1) != (id, token)));
    }

    /// Where the exchange `id` is on screen, in pixels from the viewport's top.
    fn top_of(&self, id: u64) -> Option<f64> {
        let element = self
            .exchanges
            .with_value(|list| list.iter().find(|entry| entry.0 == id).map(|entry| entry.2))?
            .get_untracked()?;
        Some(element.get_bounding_client_rect().top())
    }

    /// The element the thread scrolls in, once on the page.
    fn scroller(&self) -> Option<web_sys::HtmlElement> {
        self.scroller.get_untracked()
    }
}

impl ThreadWindow {
    /// Shows `thread` (`None`: a new thread, not stored yet), or reads it again (after a
    /// reply, another tab, an import): the same stretch stays on screen; a newly shown
    /// thread opens on its newest page, at the bottom. From this call on, reads for any
    /// other thread are dropped.
    pub fn reload(self, thread: Option<u64>) -> impl std::future::Future<Output = ()> {
        self.wanted.set_value(thread);
        async move {
            let Some(thread_id) = thread else {
                self.shown_thread.set_value(None);
                self.window.set(Window::default());
                self.tally.set(Tally::default());
                return;
            };
            let same = self.shown_thread.get_value() == Some(thread_id);
            let span = self
                .window
                .with_untracked(|w| Some((first_id(w)?, last_id(w)?, w.later() == 0)));
            let (read, place) = match span.filter(|_| same) {
                // The same stretch, grown by whatever arrived after it if it reached the newest.
                Some((first, last, at_end)) => (
                    Read::Stretch {
                        first,
                        last: (!at_end).then_some(last),
                    },
                    Place::FollowIfPinned,
                ),
                None => (Read::Newest, Place::Bottom),
            };
            if self.show(thread_id, read, place).await {
                // The sum never holds up the paint of the window.
                after_paint(move || self.count_usage(thread_id));
            }
        }
    }

    /// Reads the thread last asked for again (after a reply was stored).
    pub async fn refresh(self) {
        self.reload(self.wanted.get_value()).await;
    }

    /// Puts the reader at the newest exchange of `thread` (the one on screen), reading the
    /// newest page first when the window is scrolled back past it (before sending: the
    /// prompt and reply appear there).
    pub async fn to_newest(self, thread: Option<u64>) {
        self.pinned.set_value(true);
        let Some(thread_id) = thread else {
            return;
        };
        if self.window.with_untracked(|w| w.later() == 0) {
            request_animation_frame(move || self.follow());
            return;
        }
        self.show(thread_id, Read::Newest, Place::Bottom).await;
    }

    /// Reads the page before the window (or after, with `forward`), keeping what the reader
    /// looks at where it is.
    pub fn step(self, forward: bool) {
        if self.moving.get_value() {
            return;
        }
        let Some(thread_id) = self.shown_thread.get_value() else {
            return;
        };
        // The exchange at the window's edge is on screen before and after: it stays put.
        let next = self.window.with_untracked(|w| {
            if forward {
                let (id, size) = (last_id(w)?, w.forward_size());
                (size > 0).then_some((Read::After { id, size }, id))
            } else {
                let (id, size) = (first_id(w)?, w.back_size());
                (size > 0).then_some((Read::Before { id, size }, id))
            }
        });
        let Some((read, anchor)) = next else { return };
        self.moving.set_value(true);
        spawn_local(async move {
            self.show(thread_id, read, Place::Anchor(anchor)).await;
            self.moving.set_value(false);
        });
    }

    /// Called on every scroll of the thread: notes whether the reader follows the newest
    /// exchange, and reads the next page when an end comes near.
    pub fn on_scroll(self) {
        let Some(scroller) = self.scroller() else {
            return;
        };
        let top = scroller.scroll_top();
        let from_bottom = scroller.scroll_height() - top - scroller.client_height();
        let (earlier, later) = self.window.with_untracked(|w| (w.earlier(), w.later()));
        self.pinned
            .set_value(from_bottom <= PINNED_PX && later == 0);
        if top < PRELOAD_PX && earlier > 0 {
            self.step(false);
        } else if from_bottom < PRELOAD_PX && later > 0 {
            self.step(true);
        }
    }

    /// Scrolls to the newest exchange if the reader is following it (after new text).
    pub fn follow(self) {
        if self.pinned.get_value() {
            if let Some(scroller) = self.scroller() {
                scroller.set_scroll_top(scroller.scroll_height());
            }
        }
    }

    /// Starts reading the newest page of `thread_id` (the page's link) before it is asked
    /// for.
    pub fn prefetch(self, thread_id: u64) {
        self.prefetch.set_value(Prefetch::Reading(thread_id));
        spawn_local(async move {
            let Some(db) = self.store.db() else { return };
            let read = messages::newest(&db, thread_id, OPENING).await;
            self.prefetch.update_value(|p| {
                if let (Prefetch::Reading(id), Ok((rows, more))) = (&*p, read) {
                    if *id == thread_id {
                        *p = Prefetch::Ready(thread_id, Window::uncounted(rows, more, false, true));
                    }
                }
            });
        });
    }

    /// Ends start-up: a page read early must not stand in for a later read.
    pub fn end_prefetch(self) {
        self.prefetch.set_value(Prefetch::Done);
    }

    /// The prefetched page of `thread_id` if it is ready; either way, no later read takes it.
    fn take_prefetch(self, thread_id: u64) -> Option<Window<Message>> {
        let mut taken = None;
        self.prefetch.update_value(|p| {
            if let Prefetch::Ready(id, window) = std::mem::take(p) {
                taken = (id == thread_id).then_some(window);
            }
        });
        taken
    }

    /// Reads the window `read` names and puts it on screen, placing the reader as `place`
    /// says. Returns whether it was shown: a later call, or a switch to another thread, wins.
    async fn show(self, thread_id: u64, read: Read, place: Place) -> bool {
        let seq = self.window_seq.get_value() + 1;
        self.window_seq.set_value(seq);
        let window = match read.window(self, thread_id).await {
            Ok(window) => window,
            Err(e) => {
                self.notices.fail(e);
                return false;
            }
        };
        if self.wanted.get_value() != Some(thread_id) || self.window_seq.get_value() != seq {
            return false;
        }
        let anchor = match place {
            Place::Anchor(id) => self.top_of(id).map(|top| (id, top)),
            _ => None,
        };
        if let Place::Bottom = place {
            self.pinned.set_value(true);
        }
        let counted = window.counted();
        self.shown_thread.set_value(Some(thread_id));
        self.window.set(window);

        // The list renders before the next frame: restore the anchor, or follow the newest.
        request_animation_frame(move || match (anchor, place) {
            (Some((id, top)), _) => {
                if let (Some(now), Some(scroller)) = (self.top_of(id), self.scroller()) {
                    scroller.set_scroll_top(scroller.scroll_top() + (now - top).round() as i32);
                }
                // Still near an end (a short page, a tall screen): read on.
                self.on_scroll();
            }
            (None, Place::Bottom) => {
                self.pinned.set_value(true);
                self.follow();
            }
            (None, _) => self.follow(),
        });
        if !counted {
            after_paint(move || self.recount(thread_id, seq));
        }
        true
    }

    /// Counts the exchanges before and after the window just shown, after it is on screen
    /// (counting takes time in proportion to the thread); dropped if another window came.
    fn recount(self, thread_id: u64, seq: u64) {
        let span = self
            .window
            .with_untracked(|w| Some((first_id(w)?, last_id(w)?)));
        let Some((first, last)) = span else {
            // Nothing on screen: nothing before or after it either.
            return self.window.update(|w| *w = w.recounted(0, 0));
        };
        spawn_local(async move {
            let Some(db) = self.store.db() else { return };
            match messages::around(&db, thread_id, first, last).await {
                Ok((earlier, later)) if self.window_seq.get_value() == seq => {
                    self.window.update(|w| *w = w.recounted(earlier, later));
                }
                Ok(_) => {}
                Err(e) => self.notices.fail(e),
            }
        });
    }

    /// Sums the thread's usage in the background: the bar shows it once read.
    fn count_usage(self, thread_id: u64) {
        let seq = self.tally_seq.get_value() + 1;
        self.tally_seq.set_value(seq);
        spawn_local(async move {
            let Some(db) = self.store.db() else { return };
            match messages::tally(&db, thread_id).await {
                // Unless another thread or a newer count took over meanwhile.
                Ok(tally)
                    if self.shown_thread.get_value() == Some(thread_id)
                        && self.tally_seq.get_value() == seq =>
                {
                    self.tally.set(tally)
                }
                Ok(_) => {}
                Err(e) => self.notices.fail(e),
            }
        });
    }
}

/// The newest page of a linked thread, read while start-up reads the user and their
/// threads: the first read of a thread's messages is the slow one (the browser opens its
/// storage files), and this overlaps it with the others.
#[derive(Debug, Clone, Default)]
enum Prefetch {
    /// Nothing asked for, or already used (a later read must not take an old page).
    #[default]
    Done,
    /// Being read for this thread.
    Reading(u64),
    /// Read for this thread, not shown yet.
    Ready(u64, Window<Message>),
}

/// What to read for the next window.
#[derive(Clone, Copy)]
enum Read {
    /// The newest page.
    Newest,
    /// The exchanges from `first` through `last` (through the newest with `None`).
    Stretch { first: u64, last: Option<u64> },
    /// A page before exchange `id`, added in front of the window.
    Before { id: u64, size: usize },
    /// A page after exchange `id`, added behind the window.
    After { id: u64, size: usize },
}

impl Read {
    async fn window(
        self,
        owner: ThreadWindow,
        thread_id: u64,
    ) -> Result<Window<Message>, StorageError> {
        let Some(db) = owner.store.db() else {
            return Ok(Window::default());
        };
        Ok(match self {
            Read::Newest => {
                if let Some(window) = owner.take_prefetch(thread_id) {
                    return Ok(window);
                }
                let (rows, more) = messages::newest(&db, thread_id, OPENING).await?;
                Window::uncounted(rows, more, false, true)
            }
            Read::Stretch { first, last } => {
                let (rows, before, after) = messages::stretch(&db, thread_id, first, last).await?;
                Window::uncounted(rows, before, after, last.is_none())
            }
            Read::Before { id, size } => {
                let read = messages::before(&db, thread_id, id, size).await?;
                owner.window.with_untracked(|w| w.with_earlier(read))
            }
            Read::After { id, size } => {
                let read = messages::after(&db, thread_id, id, size).await?;
                owner.window.with_untracked(|w| w.with_later(read))
            }
        })
    }
}

/// Where the reader is put when a window goes on screen.
#[derive(Clone, Copy)]
enum Place {
    /// The exchange of this id stays where it was on screen.
    Anchor(u64),
    /// At the newest exchange, following what comes next.
    Bottom,
    /// At the newest exchange if the reader was following it; else where they were.
    FollowIfPinned,
}

/// Runs `f` once the next frame has painted (a frame callback runs before its paint, so
/// one inside another runs after).
fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || request_animation_frame(f));
}

fn first_id(w: &Window<Message>) -> Option<u64> {
    w.items().first()?.message_id
}

fn last_id(w: &Window<Message>) -> Option<u64> {
    w.items().last()?.message_id
}
