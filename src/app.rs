//! The app: provides the state, lays out the header, panels, thread and composer.

use leptos::prelude::*;

use crate::state::provide_app_state;
use crate::ui::{
    composer::Composer, data_panel::DataPanel, header::Header, notice_line::NoticeLine,
    settings_panel::SettingsPanel, thread_view::ThreadView,
};

#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    let data_open = RwSignal::new(false);
    let settings_open = RwSignal::new(false);
    view! {
        <div class="shell">
            <Header data_open=data_open settings_open=settings_open />
            <SettingsPanel open=settings_open />
            <DataPanel open=data_open />
            <NoticeLine />
            <main class="thread" aria-live="polite">
                <ThreadView />
            </main>
            <Composer />
        </div>
    }
}
