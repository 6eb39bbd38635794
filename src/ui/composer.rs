//! The input box and Send / Stop. Enter sends, Shift+Enter is a new line, the Enter that
//! confirms an IME conversion never sends, and ↑ in the empty box edits the last prompt.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;
use pocket_chat_core::input::{is_send_key, prompt_to_send};

use crate::state::chat::{self, use_chat};
use crate::state::commands::{self, use_commands};
use crate::state::use_prefs;
use crate::ui::thread_view::streamer;

#[component]
pub fn Composer() -> impl IntoView {
    let chat = use_chat();
    let commands = use_commands();
    let prefs = use_prefs();
    let (turn, threads, window) = (chat.sending, chat.threads, chat.window);
    let text = turn.draft();
    let sending = move || turn.busy();
    let can_send = move || text.with(|t| prompt_to_send(t).is_some());
    let send = move || {
        if sending() {
            return;
        }
        let Some(prompt) = text.with_untracked(|t| prompt_to_send(t).map(str::to_owned)) else {
            return;
        };
        turn.set_draft(String::new());
        // Sent in the thread on screen when Enter was pressed.
        let thread = threads.current_untracked();
        // Command phrases run here and never reach the model.
        match commands::parse(&prompt) {
            Some(command) => spawn_local(commands::run(commands, thread, command, prompt)),
            None => spawn_local(chat::send(chat, thread, prompt, streamer(window))),
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="visually-hidden" for="composer-input">{prefs.tr(Key::MessageLabel)}</label>
            <textarea
                id="composer-input"
                data-testid="composer-input"
                rows="1"
                placeholder=prefs.tr(Key::ComposerPlaceholder)
                prop:value=move || text.get()
                on:input=move |ev| turn.set_draft(event_target_value(&ev))
                on:keydown=move |ev| {
                    if is_send_key(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    } else if ev.key() == "ArrowUp" && !ev.is_composing() && !ev.shift_key()
                        && !ev.alt_key() && !ev.ctrl_key() && !ev.meta_key()
                        && text.with_untracked(String::is_empty) && !sending()
                    {
                        // ↑ in an empty box edits the last prompt, as in other chat apps.
                        if let Some(id) = window.newest_exchange() {
                            ev.prevent_default();
                            turn.edit(Some(id));
                        }
                    }
                }
            ></textarea>
            <Show
                when=sending
                fallback=move || view! {
                    <button type="submit" data-testid="send-button" disabled=move || !can_send()>{prefs.tr(Key::Send)}</button>
                }
            >
                <button type="button" class="stop" data-testid="stop-button" on:click=move |_| turn.abort()>{prefs.tr(Key::Stop)}</button>
            </Show>
        </form>
    }
}
