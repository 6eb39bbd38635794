//! The notice line: one sentence saying what went wrong (or what was done), dismissible.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;

use crate::state::{use_app_state, Notice};

#[component]
pub fn NoticeLine() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.notice.get().map(|notice| {
            let (class, role, text) = match notice {
                Notice::Error(text) => ("notice error", "alert", text),
                Notice::Info(text) => ("notice info", "status", text),
            };
            view! {
                <div class=class role=role data-testid="notice">
                    <p>{move || text.get(state.lang.get())}</p>
                    <button type="button" class="ghost icon-button" aria-label=state.tr(Key::Dismiss) title=state.tr(Key::Dismiss)
                        on:click=move |_| state.notice.set(None)>
                        <span aria-hidden="true">"×"</span>
                    </button>
                </div>
            }
        })
    }
}
