//! The thread list: the search box (its results in place of the list while it has a
//! query), the current user's threads, pinned first, then newest first, a filter over
//! their titles, a New thread button, and a delete button per thread (a double-click
//! on one opens it to rename it). On a phone it slides over the thread from the header's ☰
//! button and closes after a choice, on its × button, on a tap beside it, or on Escape.

use std::time::Duration;

use leptos::prelude::*;
use pocket_chat_core::i18n::{self, Key};
use pocket_chat_core::thread_list::title_matches;

use crate::state::threads::link;
use crate::state::use_prefs;
use crate::state::use_search;
use crate::state::use_threads;
use crate::ui::focus::focus;
use crate::ui::search_box::SearchBox;

/// Threads drawn with the first paint: more than a sidebar shows at once. The rest follow,
/// [`CHUNK`] a frame, so a user with hundreds of threads does not wait for all of them to
/// see the thread they opened (200 threads drawn at once cost the open ~60 ms).
const FIRST: usize = 40;
const CHUNK: usize = 40;

#[component]
pub fn Sidebar(open: RwSignal<bool>) -> impl IntoView {
    let prefs = use_prefs();
    let threads = use_threads();
    let search = use_search();
    let current = move || threads.current();
    let lang = prefs.lang();
    let drawn = RwSignal::new(FIRST);
    let filter = RwSignal::new(String::new());
    // The threads the filter lets through, as many as are drawn yet.
    let listed = move || {
        filter.with(|q| {
            threads.list().with(|l| {
                l.iter()
                    .filter(|t| title_matches(&t.title, q))
                    .take(drawn.get())
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    };
    let none_match = move || {
        filter.with(|q| {
            !q.trim().is_empty()
                && threads
                    .list()
                    .with(|l| !l.iter().any(|t| title_matches(&t.title, q)))
        })
    };
    Effect::new(move |_| {
        if drawn.get() < threads.list().with(Vec::len) {
            // After the next frame is painted, not in it: the thread opened comes first.
            request_animation_frame(move || {
                set_timeout(move || drawn.update(|n| *n += CHUNK), Duration::ZERO)
            });
        }
    });
    // On a phone the list opens over the thread: the keyboard goes into it, and back to
    // the ☰ button when it closes from inside.
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        if now_open && was_open == Some(false) {
            // Unless the keyboard went into the list already (Ctrl+K to the search box).
            request_animation_frame(|| {
                if !focus_in_sidebar_control() {
                    focus("new-thread")
                }
            });
        } else if !now_open && was_open == Some(true) && focus_inside_sidebar() {
            focus("threads-toggle");
        }
        now_open
    });
    view! {
        <div class="scrim" class:open=move || open.get() aria-hidden="true" on:click=move |_| open.set(false)></div>
        <aside id="sidebar" class="sidebar" class:open=move || open.get() data-testid="sidebar"
            aria-label=prefs.tr(Key::ThreadsToggle)>
            <div class="sidebar-head">
                <button type="button" id="new-thread" class="new-thread" data-testid="new-thread"
                    on:click=move |_| { threads.start_new(); open.set(false); }>
                    {prefs.tr(Key::NewThreadButton)}
                </button>
                <button type="button" class="ghost icon-button close-sidebar" data-testid="close-sidebar"
                    aria-label=prefs.tr(Key::CloseThreads) title=prefs.tr(Key::CloseThreads)
                    on:click=move |_| open.set(false)>
                    <span aria-hidden="true">"×"</span>
                </button>
            </div>
            <SearchBox open=open />
            <div class="thread-part" hidden=move || search.has_results()>
            <input type="search" class="thread-filter" data-testid="thread-filter" aria-label=prefs.tr(Key::FilterThreads)
                placeholder=prefs.tr(Key::FilterThreads) prop:value=filter on:input=move |ev| filter.set(event_target_value(&ev)) />
            <p class="hint no-match" data-testid="no-thread-match" hidden=move || !none_match()>{prefs.tr(Key::NoThreadMatches)}</p>
            <ul class="thread-list" data-testid="thread-list">
                <For each=listed key=|t| (t.thread_id.clone(), t.title.clone(), t.pinned) let:thread>
                    {
                        let id = StoredValue::new(thread.thread_id.clone());
                        let owner = thread.user_id.clone();
                        let title = thread.title.clone();
                        let shown = {
                            let title = title.clone();
                            move || if title.is_empty() { i18n::t(lang.get(), Key::Untitled).to_owned() } else { title.clone() }
                        };
                        let shown2 = shown.clone();
                        let label = move || pocket_chat_core::thread_list::delete_thread(lang.get(), &shown2());
                        let pinned = thread.pinned;
                        view! {
                            <li class="thread-item" class:active=move || current() == Some(id.get_value()) class:pinned=pinned data-testid="thread-item">
                                <a href=link(&thread.thread_id) data-testid="thread-link"
                                    aria-current=move || (current() == Some(id.get_value())).then_some("page")
                                    on:click=move |ev| { ev.prevent_default(); threads.open(id.get_value()); open.set(false); }
                                    on:dblclick=move |ev| {
                                        ev.prevent_default();
                                        threads.open(id.get_value());
                                        threads.set_renaming(Some(title.clone()));
                                    }>
                                    // Drawn, not an emoji: not every system has an emoji font.
                                    {pinned.then(|| view! {
                                        <span class="pin-mark" role="img" aria-label=prefs.tr(Key::Pinned)>
                                            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                                                <path fill="currentColor" d="M10 1l5 5-1.4 1.4-.9-.9-2.8 2.8.3 3.3-1.4 1.4-2.6-2.6L2.6 15 1 13.4l3.6-3.6L2 7.2l1.4-1.4 3.3.3 2.8-2.8-.9-.9z" />
                                            </svg>
                                        </span>
                                    })}
                                    {shown}
                                </a>
                                <button type="button" class="icon" aria-label=label.clone() title=label data-testid="delete-thread"
                                    on:click=move |_| threads.delete(owner.clone(), id.get_value())>
                                    <span aria-hidden="true">"×"</span>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            </div>
        </aside>
    }
}

/// True when a control of the thread list has the keyboard focus.
fn focus_in_sidebar_control() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|a| a.closest("#sidebar").ok().flatten())
        .is_some()
}

/// True when the keyboard focus is in the thread list, or was lost to the page.
fn focus_inside_sidebar() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let body: Option<web_sys::Element> = document.body().map(Into::into);
    match document.active_element() {
        Some(active) => active.closest("#sidebar").ok().flatten().is_some() || Some(active) == body,
        None => true,
    }
}
