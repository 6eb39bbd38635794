//! The notice line: one sentence saying what went wrong (or what was done), dismissible.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;

use crate::state::notices::Notice;
use crate::state::use_notices;
use crate::state::use_prefs;

#[component]
pub fn NoticeLine() -> impl IntoView {
    let notices = use_notices();
    let prefs = use_prefs();
    move || {
        notices.get().map(|notice| {
            let (class, role, text) = match notice {
                Notice::Error(text) => ("notice error", "alert", text),
                Notice::Info(text) => ("notice info", "status", text),
            };
            view! {
                <div class=class role=role data-testid="notice">
                    <p>{move || text.get(prefs.lang().get())}</p>
                    <button type="button" class="ghost icon-button" aria-label=prefs.tr(Key::Dismiss) title=prefs.tr(Key::Dismiss)
                        on:click=move |_| notices.clear()>
                        <span aria-hidden="true">"×"</span>
                    </button>
                </div>
            }
        })
    }
}
