//! The thread list: the current user's threads, newest first, a New thread button, and a
//! delete button per thread. On a phone it opens from the header.

use leptos::prelude::*;

use crate::state::{threads, use_app_state};

#[component]
pub fn Sidebar(open: RwSignal<bool>) -> impl IntoView {
    let state = use_app_state();
    let current = state.thread;
    view! {
        <aside class="sidebar" class:open=move || open.get() data-testid="sidebar" aria-label="Threads">
            <button type="button" class="new-thread" data-testid="new-thread"
                on:click=move |_| { threads::start_new(state); open.set(false); }>
                "+ New thread"
            </button>
            <ul class="thread-list" data-testid="thread-list">
                <For each=move || state.threads.get() key=|t| (t.thread_id, t.title.clone()) let:thread>
                    {
                        let id = thread.thread_id.unwrap_or_default();
                        let title = if thread.title.is_empty() { "Untitled".to_owned() } else { thread.title.clone() };
                        let label = format!("Delete thread “{title}”");
                        view! {
                            <li class="thread-item" class:active=move || current.get() == Some(id) data-testid="thread-item">
                                <a href=threads::link(id) data-testid="thread-link"
                                    aria-current=move || (current.get() == Some(id)).then_some("page")
                                    on:click=move |ev| { ev.prevent_default(); threads::open(state, id); open.set(false); }>
                                    {title}
                                </a>
                                <button type="button" class="icon" aria-label=label data-testid="delete-thread"
                                    on:click=move |_| threads::delete(state, id)>"×"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </aside>
    }
}
