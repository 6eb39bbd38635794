//! The current thread's messages, or an empty state that says what to do.

use leptos::prelude::*;

use crate::app::Draft;

#[component]
pub fn ThreadView(drafts: ReadSignal<Vec<Draft>>) -> impl IntoView {
    view! {
        <Show
            when=move || !drafts.with(Vec::is_empty)
            fallback=|| view! {
                <div class="empty" data-testid="empty-thread">
                    <p class="empty-title">"Start a conversation"</p>
                    <p class="empty-hint">"Type a message below. Enter sends, Shift+Enter starts a new line."</p>
                </div>
            }
        >
            <ol class="messages" data-testid="messages">
                <For each=move || drafts.get() key=|d| d.id let:draft>
                    <li class="message user" data-testid="message-user">
                        <div class="bubble">{draft.text}</div>
                        <p class="note">"Not sent: connecting to a model comes with provider settings."</p>
                    </li>
                </For>
            </ol>
        </Show>
    }
}
