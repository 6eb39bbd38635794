//! The stretch of the current thread on screen: read by key range a page at a time and
//! moved as the reader scrolls (see `pocket_chat_core::window`), kept in place while pages
//! come and go, and pinned to the newest exchange while the reader is at the bottom.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::Message;
use pocket_chat_core::window::{Window, OPENING};

use super::AppState;
use crate::storage::{messages, StorageError};

/// Within this many pixels of an end, the next page is read before the reader gets there.
const PRELOAD_PX: i32 = 600;
/// Within this many pixels of the bottom, the reader is following the newest exchange.
const PINNED_PX: i32 = 80;

/// Reads the current thread's exchanges again (after a reply, another tab, an import):
/// the same stretch stays on screen; a new thread opens on its newest page, at the bottom.
pub async fn reload_thread(state: AppState) {
    let Some(thread_id) = state.thread.get_untracked() else {
        state.shown_thread.set_value(None);
        state.window.set(Window::default());
        state.tally.set(Tally::default());
        return;
    };
    let same = state.shown_thread.get_value() == Some(thread_id);
    let span = state
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
    if show(state, thread_id, read, place).await {
        // The sum never holds up the paint of the window.
        after_paint(move || count_usage(state, thread_id));
    }
}

/// Puts the reader at the newest exchange, reading the newest page first when the window
/// is scrolled back past it (before sending: the prompt and reply appear there).
pub async fn to_newest(state: AppState) {
    state.pinned.set_value(true);
    let Some(thread_id) = state.thread.get_untracked() else {
        return;
    };
    if state.window.with_untracked(|w| w.later() == 0) {
        request_animation_frame(move || follow(state));
        return;
    }
    show(state, thread_id, Read::Newest, Place::Bottom).await;
}

/// Reads the page before the window (or after, with `forward`), keeping what the reader
/// looks at where it is.
pub fn step(state: AppState, forward: bool) {
    if state.moving.get_value() {
        return;
    }
    let Some(thread_id) = state.shown_thread.get_value() else {
        return;
    };
    // The exchange at the window's edge is on screen before and after: it stays put.
    let next = state.window.with_untracked(|w| {
        if forward {
            let (id, size) = (last_id(w)?, w.forward_size());
            (size > 0).then_some((Read::After { id, size }, id))
        } else {
            let (id, size) = (first_id(w)?, w.back_size());
            (size > 0).then_some((Read::Before { id, size }, id))
        }
    });
    let Some((read, anchor)) = next else { return };
    state.moving.set_value(true);
    spawn_local(async move {
        show(state, thread_id, read, Place::Anchor(anchor)).await;
        state.moving.set_value(false);
    });
}

/// Called on every scroll of the thread: notes whether the reader follows the newest
/// exchange, and reads the next page when an end comes near.
pub fn on_scroll(state: AppState) {
    let Some(scroller) = scroller() else { return };
    let top = scroller.scroll_top();
    let from_bottom = scroller.scroll_height() - top - scroller.client_height();
    let (earlier, later) = state.window.with_untracked(|w| (w.earlier(), w.later()));
    state
        .pinned
        .set_value(from_bottom <= PINNED_PX && later == 0);
    if top < PRELOAD_PX && earlier > 0 {
        step(state, false);
    } else if from_bottom < PRELOAD_PX && later > 0 {
        step(state, true);
    }
}

/// Scrolls to the newest exchange if the reader is following it (after new text).
pub fn follow(state: AppState) {
    if state.pinned.get_value() {
        if let Some(scroller) = scroller() {
            scroller.set_scroll_top(scroller.scroll_height());
        }
    }
}

/// The newest page of a linked thread, read while start-up reads the user and their
/// threads: the first read of a thread's messages is the slow one (the browser opens its
/// storage files), and this overlaps it with the others.
#[derive(Debug, Clone, Default)]
pub enum Prefetch {
    /// Nothing asked for, or already used (a later read must not take an old page).
    #[default]
    Done,
    /// Being read for this thread.
    Reading(u64),
    /// Read for this thread, not shown yet.
    Ready(u64, Window<Message>),
}

/// Starts reading the newest page of `thread_id` (the page's link) before it is asked for.
pub fn prefetch(state: AppState, thread_id: u64) {
    state.prefetch.set_value(Prefetch::Reading(thread_id));
    spawn_local(async move {
        let Some(db) = state.db() else { return };
        let read = messages::newest(&db, thread_id, OPENING).await;
        state.prefetch.update_value(|p| {
            if let (Prefetch::Reading(id), Ok((rows, more))) = (&*p, read) {
                if *id == thread_id {
                    *p = Prefetch::Ready(thread_id, Window::uncounted(rows, more, false, true));
                }
            }
        });
    });
}

/// The prefetched page of `thread_id` if it is ready; either way, no later read takes it.
fn take_prefetch(state: AppState, thread_id: u64) -> Option<Window<Message>> {
    let mut taken = None;
    state.prefetch.update_value(|p| {
        if let Prefetch::Ready(id, window) = std::mem::take(p) {
            taken = (id == thread_id).then_some(window);
        }
    });
    taken
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
        state: AppState,
        thread_id: u64,
    ) -> Result<Window<Message>, StorageError> {
        let Some(db) = state.db() else {
            return Ok(Window::default());
        };
        Ok(match self {
            Read::Newest => {
                if let Some(window) = take_prefetch(state, thread_id) {
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
                state.window.with_untracked(|w| w.with_earlier(read))
            }
            Read::After { id, size } => {
                let read = messages::after(&db, thread_id, id, size).await?;
                state.window.with_untracked(|w| w.with_later(read))
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

/// Reads the window `read` names and puts it on screen, placing the reader as `place`
/// says. Returns whether it was shown: a later call, or a switch to another thread, wins.
async fn show(state: AppState, thread_id: u64, read: Read, place: Place) -> bool {
    let seq = state.window_seq.get_value() + 1;
    state.window_seq.set_value(seq);
    let window = match read.window(state, thread_id).await {
        Ok(window) => window,
        Err(e) => {
            state.fail(e);
            return false;
        }
    };
    if state.thread.get_untracked() != Some(thread_id) || state.window_seq.get_value() != seq {
        return false;
    }
    let anchor = match place {
        Place::Anchor(id) => top_of(id).map(|top| (id, top)),
        _ => None,
    };
    if let Place::Bottom = place {
        state.pinned.set_value(true);
    }
    let counted = window.counted();
    state.shown_thread.set_value(Some(thread_id));
    state.window.set(window);

    // The list renders before the next frame: restore the anchor, or follow the newest.
    request_animation_frame(move || match (anchor, place) {
        (Some((id, top)), _) => {
            if let (Some(now), Some(scroller)) = (top_of(id), scroller()) {
                scroller.set_scroll_top(scroller.scroll_top() + (now - top).round() as i32);
            }
            // Still near an end (a short page, a tall screen): read on.
            on_scroll(state);
        }
        (None, Place::Bottom) => {
            state.pinned.set_value(true);
            follow(state);
        }
        (None, _) => follow(state),
    });
    if !counted {
        after_paint(move || recount(state, thread_id, seq));
    }
    true
}

/// Counts the exchanges before and after the window just shown, after it is on screen
/// (counting takes time in proportion to the thread); dropped if another window came.
fn recount(state: AppState, thread_id: u64, seq: u64) {
    let span = state
        .window
        .with_untracked(|w| Some((first_id(w)?, last_id(w)?)));
    let Some((first, last)) = span else {
        // Nothing on screen: nothing before or after it either.
        return state.window.update(|w| *w = w.recounted(0, 0));
    };
    spawn_local(async move {
        let Some(db) = state.db() else { return };
        match messages::around(&db, thread_id, first, last).await {
            Ok((earlier, later)) if state.window_seq.get_value() == seq => {
                state.window.update(|w| *w = w.recounted(earlier, later));
            }
            Ok(_) => {}
            Err(e) => state.fail(e),
        }
    });
}

/// Sums the thread's usage in the background: the bar shows it once read.
fn count_usage(state: AppState, thread_id: u64) {
    let seq = state.tally_seq.get_value() + 1;
    state.tally_seq.set_value(seq);
    spawn_local(async move {
        let Some(db) = state.db() else { return };
        match messages::tally(&db, thread_id).await {
            // Unless another thread or a newer count took over meanwhile.
            Ok(tally)
                if state.shown_thread.get_value() == Some(thread_id)
                    && state.tally_seq.get_value() == seq =>
            {
                state.tally.set(tally)
            }
            Ok(_) => {}
            Err(e) => state.fail(e),
        }
    });
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

/// The element the thread scrolls in.
fn scroller() -> Option<web_sys::Element> {
    web_sys::window()?
        .document()?
        .query_selector("main.thread")
        .ok()
        .flatten()
}

/// Where the exchange `id` is on screen, in pixels from the viewport's top.
fn top_of(id: u64) -> Option<f64> {
    let el = web_sys::window()?
        .document()?
        .query_selector(&format!("[data-exchange=\"{id}\"]"))
        .ok()
        .flatten()?;
    Some(el.get_bounding_client_rect().top())
}
