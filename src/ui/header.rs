//! The header: the app's name; later the user, model switch and balance.

use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="header">
            <h1 class="brand" data-testid="app-name">"pocket-chat"</h1>
        </header>
    }
}
