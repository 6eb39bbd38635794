//! The stretch of the current thread's path on screen: read by key range a page at a time
//! and moved as the reader scrolls (see `pocket_chat_core::window`), kept in place while
//! pages come and go, and pinned to the newest exchange while the reader is at the bottom.
//! With it, the thread's version tree, so each exchange can say `2 / 3`.
//!
//! What to read is core's (`pocket_chat_core::window`); this reads it, drops reads that a
//! later one overtook, and says where the reader goes. The view owns the DOM: it hands over
//! the element the thread scrolls in and each exchange's element (as `NodeRef`s) to
//! [`scroll`]; nothing here looks elements up by selector.

mod scroll;

use leptos::html::{Li, Main};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::Message;
use pocket_chat_core::tree::{Segment, Tree, Versions};
use pocket_chat_core::window::{Read, Span, Window};

use super::latest::Latest;
use super::notices::Notices;
use super::reading::Reading;
use super::store::Store;
use crate::storage::messages::{self, PathRead};
use crate::storage::StorageError;
use scroll::Scroll;

/// The window over the current thread and its bookkeeping. `Copy`.
#[derive(Clone, Copy)]
pub struct ThreadWindow {
    /// The stretch of the current thread's exchanges on screen, and how many are not.
    window: RwSignal<Window<Message>>,
    /// The thread's version tree and the path on screen, read with the window.
    path: RwSignal<Path>,
    /// While an exchange at this depth is edited or regenerated, the path is shown only up
    /// to it (the new version streams below).
    held: StoredValue<Option<u32>>,
    /// What the whole current thread used (summed in the background).
    tally: RwSignal<Tally>,
    /// The thread the window was last asked to show; a read for another one is dropped.
    wanted: StoredValue<Option<String>>,
    /// The thread `window` belongs to.
    shown_thread: StoredValue<Option<String>>,
    /// Whether the reader is at the newest exchange, so new text keeps it in view.
    pinned: StoredValue<bool>,
    /// True while a page is read, so scrolling asks for one page at a time.
    moving: StoredValue<bool>,
    /// Counts window reads, so that of two overlapping ones only the later one shows.
    window_reads: Latest,
    /// Counts usage sums, likewise.
    tally_reads: Latest,
    /// The linked thread's newest page, read early at start-up.
    prefetch: StoredValue<Prefetch>,
    /// The elements the view handed over: the thread's and each exchange's.
    scroll: Scroll,
    store: Store,
    notices: Notices,
}

impl ThreadWindow {
    /// An empty window over the thread the view scrolls in `scroller`.
    pub(super) fn new(store: Store, notices: Notices, scroller: NodeRef<Main>) -> ThreadWindow {
        ThreadWindow {
            window: RwSignal::new(Window::default()),
            path: RwSignal::new(Path::default()),
            held: StoredValue::new(None),
            tally: RwSignal::new(Tally::default()),
            wanted: StoredValue::new(None),
            shown_thread: StoredValue::new(None),
            pinned: StoredValue::new(true),
            moving: StoredValue::new(false),
            window_reads: Latest::new(),
            tally_reads: Latest::new(),
            prefetch: StoredValue::new(Prefetch::Done),
            scroll: Scroll::new(scroller),
            store,
            notices,
        }
    }

    /// The exchanges on screen and the counts around them (tracked).
    pub fn window(&self) -> Reading<Window<Message>> {
        Reading::of(self.window)
    }

    /// The versions of the exchange at `depth` on the path on screen (tracked).
    pub fn versions(&self, depth: u32) -> Versions {
        self.path
            .with(|p| p.tree.as_ref().map(|t| t.versions(&p.segments, depth)))
            .unwrap_or(Versions {
                members: Vec::new(),
                position: 0,
            })
    }

    /// The newest exchange of the path, when it is on screen (untracked).
    pub fn newest_exchange(&self) -> Option<String> {
        self.window
            .with_untracked(|w| w.newest_exchange().map(str::to_owned))
    }

    /// Shows the path only up to `depth` (an edit or regenerate of the exchange there is
    /// under way), until [`ThreadWindow::release`].
    pub fn hold(&self, depth: u32) {
        self.held.set_value(Some(depth));
        self.window.update(|w| *w = w.held_at(depth));
    }

    /// Shows the whole path again after [`ThreadWindow::hold`].
    pub fn release(&self) {
        self.held.set_value(None);
    }

    /// What the whole thread on screen used (tracked).
    pub fn tally(&self) -> Reading<Tally> {
        Reading::of(self.tally)
    }

    /// Registers the element of exchange `id` (the view calls this for each exchange it
    /// shows); the returned token unregisters it with [`ThreadWindow::forget_exchange`].
    pub fn track_exchange(&self, id: &str, element: NodeRef<Li>) -> u64 {
        self.scroll.track(id, element)
    }

    /// Unregisters exchange `id`, unless a newer view of it registered since.
    pub fn forget_exchange(&self, id: &str, token: u64) {
        self.scroll.forget(id, token);
    }
}

impl ThreadWindow {
    /// Shows `thread` (`None`: a new thread, not stored yet), or reads it again (after a
    /// reply, another tab, a switch of versions, an import): the same stretch stays on
    /// screen; a newly shown thread opens on its newest page, at the bottom. From this
    /// call on, reads for any other thread are dropped.
    pub fn show_thread(self, thread: Option<String>) -> impl std::future::Future<Output = ()> {
        self.wanted.set_value(thread.clone());
        async move {
            let Some(thread_id) = thread else {
                self.shown_thread.set_value(None);
                self.window.set(Window::default());
                self.path.set(Path::default());
                self.tally.set(Tally::default());
                return;
            };
            let same = self.shown_thread.get_value().as_deref() == Some(thread_id.as_str());
            let reread = self.window.with_untracked(Window::reread);
            let (read, place) = match reread.filter(|_| same) {
                Some(span) => (Read::Span(span), Place::FollowIfPinned),
                None => (Read::Span(Span::OPENING), Place::Bottom),
            };
            if self.show(&thread_id, read, place).await {
                // The sum never holds up the paint of the window.
                after_paint(move || self.count_usage(thread_id));
            }
        }
    }

    /// Shows thread `thread_id` with the exchange at `at.depth` of its path in the middle
    /// of the screen, `at.parts` highlighted in it (a search result); the pages around it
    /// are read as the reader scrolls.
    pub async fn show_at(self, thread_id: String, at: Opened) {
        let depth = at.depth;
        self.wanted.set_value(Some(thread_id.clone()));
        self.pinned.set_value(false);
        let read = Read::Span(Span::around(depth));
        if self
            .show(&thread_id, read, Place::Depth(depth, at.parts))
            .await
        {
            after_paint(move || self.count_usage(thread_id));
        }
    }

    /// Reads the thread last asked for again (after a reply was stored).
    pub async fn reread(self) {
        self.show_thread(self.wanted.get_value()).await;
    }

    /// Puts the reader at the newest exchange of `thread` (the one on screen), reading the
    /// newest page first when the window is scrolled back past it (before sending: the
    /// prompt and reply appear there).
    pub async fn to_newest(self, thread: Option<&str>) {
        self.pinned.set_value(true);
        let Some(thread_id) = thread else {
            return;
        };
        if self.window.with_untracked(|w| w.later() == 0) {
            request_animation_frame(move || self.follow());
            return;
        }
        self.show(thread_id, Read::Span(Span::OPENING), Place::Bottom)
            .await;
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
        let next = self.window.with_untracked(|w| w.step(forward));
        let Some((read, anchor)) = next else { return };
        self.moving.set_value(true);
        spawn_local(async move {
            self.show(&thread_id, read, Place::Anchor(anchor)).await;
            self.moving.set_value(false);
        });
    }

    /// Called on every scroll of the thread: notes whether the reader follows the newest
    /// exchange, and reads the next page when an end comes near.
    pub fn on_scroll(self) {
        let Some((top, from_bottom)) = self.scroll.position() else {
            return;
        };
        let scrolled = self.window.with_untracked(|w| w.scrolled(top, from_bottom));
        self.pinned.set_value(scrolled.pinned);
        if let Some(forward) = scrolled.step {
            self.step(forward);
        }
    }

    /// Scrolls to the newest exchange if the reader is following it (after new text).
    pub fn follow(self) {
        if self.pinned.get_value() {
            self.scroll.scroll_to_bottom();
        }
    }

    /// Starts reading the newest page of `thread_id` (the page's link) before it is asked
    /// for.
    pub fn prefetch(self, thread_id: String) {
        self.prefetch
            .set_value(Prefetch::Reading(thread_id.clone()));
        spawn_local(async move {
            let Some(db) = self.store.db() else { return };
            let read = messages::read_path(&db, &thread_id, Span::OPENING).await;
            self.prefetch.update_value(|p| {
                if let (Prefetch::Reading(id), Ok(read)) = (&*p, read) {
                    if *id == thread_id {
                        *p = Prefetch::Ready(thread_id, Box::new(read));
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
    fn take_prefetch(self, thread_id: &str) -> Option<PathRead> {
        let mut taken = None;
        self.prefetch.update_value(|p| {
            if let Prefetch::Ready(id, read) = std::mem::take(p) {
                taken = (id == thread_id).then_some(*read);
            }
        });
        taken
    }

    /// Reads the window `read` names and puts it on screen, placing the reader as `place`
    /// says. Returns whether it was shown: a later call, or a switch to another thread, wins.
    async fn show(self, thread_id: &str, read: Read, place: Place) -> bool {
        let ticket = self.window_reads.start();
        let (window, path) = match read_window(self, read, thread_id).await {
            Ok(read) => read,
            Err(e) => {
                self.notices.fail(e);
                return false;
            }
        };
        if self.wanted.get_value().as_deref() != Some(thread_id)
            || !self.window_reads.is_latest(ticket)
        {
            return false;
        }
        let anchor = match &place {
            Place::Anchor(id) => self.scroll.top_of(id).map(|top| (id.clone(), top)),
            _ => None,
        };
        if let Place::Bottom = place {
            self.pinned.set_value(true);
        }
        self.shown_thread.set_value(Some(thread_id.to_owned()));
        let window = match self.held.get_value() {
            Some(depth) => window.held_at(depth),
            None => window,
        };
        self.path.set(path);
        self.window.set(window);

        // The list renders before the next frame: restore the anchor, or follow the newest.
        request_animation_frame(move || match (anchor, place) {
            (Some((id, top)), _) => {
                self.scroll.keep_at(&id, top);
                // Still near an end (a short page, a tall screen): read on.
                self.on_scroll();
            }
            (None, Place::Bottom) => {
                self.pinned.set_value(true);
                self.follow();
            }
            (None, Place::Depth(depth, parts)) => {
                let id = self
                    .window
                    .with_untracked(|w| w.at_depth(depth).map(str::to_owned));
                if let Some(id) = id {
                    self.scroll.center(&id, &parts);
                }
                self.on_scroll();
            }
            (None, _) => self.follow(),
        });
        true
    }

    /// Sums the thread's usage (every version) in the background: the bar shows it once
    /// read.
    fn count_usage(self, thread_id: String) {
        let ticket = self.tally_reads.start();
        spawn_local(async move {
            let Some(db) = self.store.db() else { return };
            match messages::tally(&db, &thread_id).await {
                // Unless another thread or a newer count took over meanwhile.
                Ok(tally)
                    if self.shown_thread.get_value().as_deref() == Some(thread_id.as_str())
                        && self.tally_reads.is_latest(ticket) =>
                {
                    self.tally.set(tally)
                }
                Ok(_) => {}
                Err(e) => self.notices.fail(e),
            }
        });
    }
}

/// The thread's version tree and the path on screen.
#[derive(Debug, Clone, Default)]
struct Path {
    tree: Option<Tree>,
    segments: Vec<Segment>,
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
    Reading(String),
    /// Read for this thread, not shown yet.
    Ready(String, Box<PathRead>),
}

/// A search result to open: the exchange's branch and depth, and what to highlight in it
/// (folded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub branch: String,
    pub depth: u32,
    pub parts: Vec<String>,
}

/// Reads what `read` asks of thread `thread_id` for the window of `owner`: the page read
/// early at start-up when it answers, and the window it makes with the tree and path.
async fn read_window(
    owner: ThreadWindow,
    read: Read,
    thread_id: &str,
) -> Result<(Window<Message>, Path), StorageError> {
    let Some(db) = owner.store.db() else {
        return Ok((Window::default(), Path::default()));
    };
    let prefetched = read
        .is_opening()
        .then(|| owner.take_prefetch(thread_id))
        .flatten();
    let path_read = match prefetched {
        Some(path_read) => path_read,
        None => messages::read_path(&db, thread_id, read.span()).await?,
    };
    let same_path = owner
        .path
        .with_untracked(|p| p.segments == path_read.segments);
    let first = path_read.first_depth();
    let PathRead {
        tree,
        segments,
        len,
        rows,
        ..
    } = path_read;
    let window = owner
        .window
        .with_untracked(|shown| read.joined(shown, rows, first, len, same_path));
    let path = Path {
        segments,
        tree: Some(tree),
    };
    Ok((window, path))
}

/// Where the reader is put when a window goes on screen.
#[derive(Clone)]
enum Place {
    /// The exchange of this id stays where it was on screen.
    Anchor(String),
    /// At the newest exchange, following what comes next.
    Bottom,
    /// At the newest exchange if the reader was following it; else where they were.
    FollowIfPinned,
    /// The exchange at this depth in the middle of the screen, these (folded) highlighted.
    Depth(u32, Vec<String>),
}

/// Runs `f` once the next frame has painted (a frame callback runs before its paint, so
/// one inside another runs after).
fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || request_animation_frame(f));
}
