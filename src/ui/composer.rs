//! The input box and Send / Stop. Enter sends, Shift+Enter is a new line, and the Enter
//! that confirms an IME conversion never sends.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;
use pocket_chat_core::input::{is_send_key, prompt_to_send};

use crate::state::{chat, commands, use_app_state};
use crate::ui::thread_view::append_streamed;

#[component]
pub fn Composer() -> impl IntoView {
    let state = use_app_state();
    let text = state.draft;
    let sending = move || state.pending.with(Option::is_some);
    let can_send = move || text.with(|t| prompt_to_send(t).is_some());
    let send = move || {
        if sending() {
            return;
        }
        let Some(prompt) = text.with_untracked(|t| prompt_to_send(t).map(str::to_owned)) else {
            return;
        };
        text.set(String::new());
        // Command phrases run here and never reach the model.
        match commands::parse(&prompt) {
            Some(command) => spawn_local(commands::run(state, command, prompt)),
            None => spawn_local(chat::send(
                state,
                prompt,
                Rc::new(move |t: &str| append_streamed(state, t)),
            )),
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="visually-hidden" for="composer-input">{state.tr(Key::MessageLabel)}</label>
            <textarea
                id="composer-input"
                data-testid="composer-input"
                rows="1"
                placeholder=state.tr(Key::ComposerPlaceholder)
                prop:value=text
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if is_send_key(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <Show
                when=sending
                fallback=move || view! {
                    <button type="submit" data-testid="send-button" disabled=move || !can_send()>{state.tr(Key::Send)}</button>
                }
            >
                <button type="button" class="stop" data-testid="stop-button" on:click=move |_| chat::stop(state)>{state.tr(Key::Stop)}</button>
            </Show>
        </form>
    }
}
