//! The search box over the thread list (Ctrl+K or ⌘K from anywhere): as-you-type results
//! from everything the user said or was told, grouped by thread, each with its snippet and
//! the matches marked; a result opens its thread at that exchange. While earlier messages
//! are indexed, a line says how far.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;

use wasm_bindgen::JsCast;
use web_sys::{Element, MouseEvent};

use crate::state::search::Found;
use crate::state::use_account;
use crate::state::use_prefs;
use crate::state::use_search;

#[component]
pub fn SearchBox(open: RwSignal<bool>) -> impl IntoView {
    let prefs = use_prefs();
    let search = use_search();
    let account = use_account();
    let lang = prefs.lang();
    let tr = move |k| prefs.tr(k);
    // Another user signed in: the box starts empty (results are the user's own).
    Effect::new(move |was: Option<Option<String>>| {
        let now = account
            .user()
            .with(|u| u.as_ref().map(|u| u.user_id.clone()));
        if was.is_some_and(|was| was != now) {
            search.clear();
        }
        now
    });
    let typed = move |ev| {
        if let Some(user_id) = account.user_id() {
            search.run(
                user_id,
                event_target_value(&ev),
                lang.get_untracked().code(),
            );
        }
    };
    let indexing = move || {
        search
            .indexing()
            .map(|(done, total)| pocket_chat_core::search::indexing(lang.get(), done, total))
    };
    // The list is the data worker's HTML; each result's button says what it opens.
    let clicked = move |ev: MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|e| e.closest(".search-result").ok().flatten())
        else {
            return;
        };
        let data = |name| button.get_attribute(name).unwrap_or_default();
        let hit = Found {
            message_id: data("data-message"),
            branch: data("data-branch"),
            depth: data("data-depth").parse().unwrap_or(0),
        };
        search.open(data("data-thread"), hit);
        open.set(false);
    };
    let results = move || {
        search.results().map(|html| {
            view! {
                <div class="search-results" role="region" aria-label=tr(Key::SearchResults) data-testid="search-results"
                    on:click=clicked inner_html=html></div>
            }
        })
    };
    view! {
        <input type="search" id="search-input" class="search-input" data-testid="search-input"
            aria-label=tr(Key::SearchLabel) placeholder=tr(Key::SearchPlaceholder) autocomplete="off"
            prop:value=move || search.query().get() on:input=typed
            on:keydown=move |ev| if ev.key() == "Escape" && !search.query().with_untracked(String::is_empty) {
                ev.stop_propagation();
                search.clear();
            } />
        <p class="hint" data-testid="search-indexing" hidden=move || search.indexing().is_none()>{indexing}</p>
        {results}
    }
}
