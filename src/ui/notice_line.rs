//! The notice line: one sentence saying what went wrong (or what was done), dismissible.

use leptos::prelude::*;

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
                    <p>{text}</p>
                    <button type="button" class="ghost" aria-label="Dismiss" on:click=move |_| state.notice.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}
