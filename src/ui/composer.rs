//! The input box and send button. Enter sends, Shift+Enter is a new line, and the Enter
//! that confirms an IME conversion never sends.

use leptos::prelude::*;
use pocket_chat_core::input::{is_send_key, prompt_to_send};

#[component]
pub fn Composer(on_send: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let (text, set_text) = signal(String::new());
    let can_send = move || text.with(|t| prompt_to_send(t).is_some());
    let send = move || {
        let Some(prompt) = text.with(|t| prompt_to_send(t).map(str::to_owned)) else {
            return;
        };
        on_send(prompt);
        set_text.set(String::new());
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="visually-hidden" for="composer-input">"Message"</label>
            <textarea
                id="composer-input"
                data-testid="composer-input"
                rows="1"
                placeholder="Message pocket-chat"
                prop:value=text
                on:input=move |ev| set_text.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if is_send_key(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button type="submit" data-testid="send-button" disabled=move || !can_send()>"Send"</button>
        </form>
    }
}
