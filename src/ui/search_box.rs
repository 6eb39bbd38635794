//! The search box over the thread list (Ctrl+K or ⌘K from anywhere): as-you-type results
//! from everything the user said or was told, grouped by thread, each with its snippet and
//! the matches marked; a result opens its thread at that exchange. While earlier messages
//! are indexed, a line says how far.

use leptos::prelude::*;
use pocket_chat_core::i18n::{self, Key};

use crate::state::search::Group;
use crate::state::use_account;
use crate::state::use_prefs;
use crate::state::use_search;

#[component]
pub fn SearchBox(open: RwSignal<bool>) -> impl IntoView {
    let prefs = use_prefs();
    let search = use_search();
    let account = use_account();
    let lang = prefs.lang;
    let tr = move |k| prefs.tr(k);
    // Another user signed in: the box starts empty (results are the user's own).
    Effect::new(move |was: Option<Option<String>>| {
        let now = account.user.with(|u| u.as_ref().map(|u| u.user_id.clone()));
        if was.is_some_and(|was| was != now) {
            search.clear();
        }
        now
    });
    let typed = move |ev| {
        if let Some(user_id) = account.user_id() {
            search.run(user_id, event_target_value(&ev));
        }
    };
    let indexing = move || {
        search
            .indexing
            .get()
            .map(|(done, total)| i18n::indexing(lang.get(), done, total))
    };
    let group = move |g: Group| {
        let title = if g.title.is_empty() {
            i18n::t(lang.get_untracked(), Key::Untitled).to_owned()
        } else {
            g.title.clone()
        };
        let thread_id = g.thread_id.clone();
        let hits = g
            .hits
            .into_iter()
            .map(|hit| {
                let (thread_id, snippet) = (thread_id.clone(), hit.snippet.clone());
                let in_title = hit.message_id.is_empty();
                view! {
                    <li>
                        <button type="button" class="search-result" data-testid="search-result"
                            on:click=move |_| { search.open(thread_id.clone(), hit.clone()); open.set(false); }>
                            {in_title.then(|| view! { <span class="search-where">{tr(Key::TitleMatch)}</span> })}
                            <span class="search-snippet" data-testid="search-snippet" inner_html=snippet></span>
                        </button>
                    </li>
                }
            })
            .collect_view();
        view! {
            <li class="search-group" data-testid="search-group">
                <p class="search-thread">{title}</p>
                <ul>{hits}</ul>
            </li>
        }
    };
    let results = move || {
        search.results.get().map(|groups| {
            let none = groups.is_empty();
            view! {
                <div class="search-results" role="region" aria-label=tr(Key::SearchResults) data-testid="search-results">
                    {none.then(|| view! { <p class="hint" data-testid="no-search-results">{tr(Key::NoSearchResults)}</p> })}
                    <ul>{groups.into_iter().map(group).collect_view()}</ul>
                </div>
            }
        })
    };
    view! {
        <input type="search" id="search-input" class="search-input" data-testid="search-input"
            aria-label=tr(Key::SearchLabel) placeholder=tr(Key::SearchPlaceholder) autocomplete="off"
            prop:value=search.query on:input=typed
            on:keydown=move |ev| if ev.key() == "Escape" && !search.query.with_untracked(String::is_empty) {
                ev.stop_propagation();
                search.clear();
            } />
        <p class="hint" data-testid="search-indexing" hidden=move || search.indexing.with(Option::is_none)>{indexing}</p>
        {results}
    }
}
