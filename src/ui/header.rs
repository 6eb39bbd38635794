//! The header: the app's name, the current user and their balance, always in view.

use leptos::prelude::*;
use pocket_chat_core::format;

use crate::state::use_app_state;

#[component]
pub fn Header(data_open: RwSignal<bool>, settings_open: RwSignal<bool>) -> impl IntoView {
    let state = use_app_state();
    let name = move || {
        state
            .user
            .with(|u| u.as_ref().map(|u| u.display_name.clone()))
    };
    let balance = move || state.user.with(|u| u.as_ref().map(|u| u.num_token));
    let model = move || state.user.with(|u| u.as_ref().map(|u| u.model.clone()));
    view! {
        <header class="header">
            <h1 class="brand" data-testid="app-name">"pocket-chat"</h1>
            <div class="account">
                <span class="user-name" data-testid="user-name">{name}</span>
                <span class="model" data-testid="model" title="The model in use">{model}</span>
                <span
                    class="balance"
                    class:negative=move || balance().is_some_and(|b| b < 0)
                    data-testid="balance"
                    title="Your token balance"
                >
                    {move || balance().map(|b| format!("{} tokens", format::tokens(b)))}
                </span>
                <button
                    type="button"
                    class="ghost"
                    data-testid="data-button"
                    aria-expanded=move || data_open.get().to_string()
                    aria-controls="data-panel"
                    on:click=move |_| data_open.update(|open| *open = !*open)
                >
                    "Data"
                </button>
                <button
                    type="button"
                    class="ghost"
                    data-testid="settings-button"
                    aria-expanded=move || settings_open.get().to_string()
                    on:click=move |_| settings_open.update(|open| *open = !*open)
                >
                    "Settings"
                </button>
            </div>
        </header>
    }
}
