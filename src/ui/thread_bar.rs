//! Above the messages: the thread's title and what it has used, in tokens and, where the
//! model's price is known, in money.

use leptos::prelude::*;
use pocket_chat_core::i18n::{self, Key};
use pocket_chat_core::pricing;

use crate::state::use_prefs;
use crate::state::use_thread_window;
use crate::state::use_threads;

#[component]
pub fn ThreadBar() -> impl IntoView {
    let prefs = use_prefs();
    let threads = use_threads();
    let tally = use_thread_window().tally();
    let lang = prefs.lang;
    let title = move || {
        let id = threads.current();
        threads.list.with(|ts| {
            ts.iter()
                .find(|t| Some(&t.thread_id) == id.as_ref())
                .map(|t| t.title.clone())
                .unwrap_or_else(|| i18n::t(lang.get(), Key::NewThread).to_owned())
        })
    };
    let used = move || {
        tally.with(|t| {
            let tokens = i18n::tokens_u(lang.get(), t.tokens);
            match t.shown_cost() {
                Some(c) => format!("{tokens} · {}", pricing::usd(c)),
                None => tokens,
            }
        })
    };
    view! {
        <div class="thread-bar">
            <span class="thread-title" data-testid="thread-title">{title}</span>
            <span class="thread-used" data-testid="thread-used" title=prefs.tr(Key::UsedInThread)>{used}</span>
        </div>
    }
}
