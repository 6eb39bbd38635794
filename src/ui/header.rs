//! The header, always in view: the current user (opens the switcher), their model (a click
//! switches to their other one), their balance, and the Data and Settings buttons.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::format;

use crate::state::{people, use_app_state};

/// Which panel is open under the header.
#[derive(Clone, Copy)]
pub struct Panels {
    pub users: RwSignal<bool>,
    pub data: RwSignal<bool>,
    pub settings: RwSignal<bool>,
    pub threads: RwSignal<bool>,
}

#[component]
pub fn Header(panels: Panels) -> impl IntoView {
    let state = use_app_state();
    let name = move || {
        state
            .user
            .with(|u| u.as_ref().map(|u| u.display_name.clone()))
    };
    let balance = move || state.user.with(|u| u.as_ref().map(|u| u.num_token));
    let model = move || state.user.with(|u| u.as_ref().map(|u| u.model.clone()));
    let other_model = move || {
        state.user.with(|u| {
            u.as_ref()
                .and_then(|u| u.models.iter().find(|m| **m != u.model).cloned())
                .map(|m| format!("Switch to {m}"))
        })
    };
    // Opening one panel closes the others.
    let toggle = move |which: RwSignal<bool>| {
        let was = which.get_untracked();
        for p in [panels.users, panels.data, panels.settings] {
            p.set(false);
        }
        which.set(!was);
    };
    view! {
        <header class="header">
            <button type="button" class="ghost threads-toggle" aria-label="Threads" data-testid="threads-toggle"
                on:click=move |_| panels.threads.update(|o| *o = !*o)>"☰"</button>
            <h1 class="brand" data-testid="app-name">"pocket-chat"</h1>
            <div class="account">
                <button type="button" class="ghost user-name" data-testid="user-name"
                    aria-expanded=move || panels.users.get().to_string() title="Switch user"
                    on:click=move |_| toggle(panels.users)>{name}</button>
                <button type="button" class="model" data-testid="model" title=other_model
                    on:click=move |_| { spawn_local(async move { people::switch_model(state, None).await; }); }>
                    {model}
                </button>
                <span class="balance" class:negative=move || balance().is_some_and(|b| b < 0)
                    data-testid="balance" title="Your token balance">
                    {move || balance().map(|b| format!("{} tokens", format::tokens(b)))}
                </span>
                <button type="button" class="ghost" data-testid="data-button"
                    aria-expanded=move || panels.data.get().to_string() on:click=move |_| toggle(panels.data)>"Data"</button>
                <button type="button" class="ghost" data-testid="settings-button"
                    aria-expanded=move || panels.settings.get().to_string() on:click=move |_| toggle(panels.settings)>"Settings"</button>
            </div>
        </header>
    }
}
