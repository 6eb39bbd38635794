//! The app: provides the state, lays out the header, panels, thread list, thread and
//! composer, and lets Escape close whatever panel is open.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;
use wasm_bindgen::JsCast;

use crate::state::{provide_app_state, use_app_state, window};
use crate::ui::{
    composer::Composer,
    data_panel::DataPanel,
    header::{Header, Panels},
    notice_line::NoticeLine,
    offline_line::OfflineLine,
    settings_panel::SettingsPanel,
    sidebar::Sidebar,
    thread_bar::ThreadBar,
    thread_view::ThreadView,
    users_panel::UsersPanel,
};

/// Moves the keyboard focus to the element with id `id`, if it is on the page.
pub fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    let state = use_app_state();
    let panels = Panels {
        users: RwSignal::new(false),
        data: RwSignal::new(false),
        settings: RwSignal::new(false),
        threads: RwSignal::new(false),
    };
    // Escape closes the open panel (or the top-up form), as keyboard users expect.
    let on_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" || ev.is_composing() {
            return;
        }
        if let Some(button) = panels.close_one() {
            ev.prevent_default();
            // Focus inside the closed panel would fall to the page: give it back to the
            // button that opened the panel.
            focus(button);
        } else if state.top_up.get_untracked().is_some() {
            state.top_up.set(None);
            focus("composer-input");
        }
    });
    // The listener lives as long as the page.
    std::mem::forget(on_key);
    view! {
        <div class="shell">
            <Header panels=panels />
            <div class="body">
                <Sidebar open=panels.threads />
                <div class="main-column">
                    <UsersPanel open=panels.users />
                    <SettingsPanel open=panels.settings />
                    <DataPanel open=panels.data />
                    <OfflineLine />
                    <NoticeLine />
                    <ThreadBar />
                    <main class="thread" on:scroll=move |_| window::on_scroll(state) aria-live="polite" aria-label=state.tr(Key::Conversation)>
                        <ThreadView />
                    </main>
                    <Composer />
                </div>
            </div>
        </div>
    }
}
