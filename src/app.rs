//! The app: provides the state, lays out the header, panels, thread list, thread and
//! composer.

use leptos::prelude::*;

use crate::state::provide_app_state;
use crate::ui::{
    composer::Composer,
    data_panel::DataPanel,
    header::{Header, Panels},
    notice_line::NoticeLine,
    settings_panel::SettingsPanel,
    sidebar::Sidebar,
    thread_bar::ThreadBar,
    thread_view::ThreadView,
    users_panel::UsersPanel,
};

#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    let panels = Panels {
        users: RwSignal::new(false),
        data: RwSignal::new(false),
        settings: RwSignal::new(false),
        threads: RwSignal::new(false),
    };
    view! {
        <div class="shell">
            <Header panels=panels />
            <div class="body">
                <Sidebar open=panels.threads />
                <div class="main-column">
                    <UsersPanel open=panels.users />
                    <SettingsPanel open=panels.settings />
                    <DataPanel open=panels.data />
                    <NoticeLine />
                    <ThreadBar />
                    <main class="thread" aria-live="polite">
                        <ThreadView />
                    </main>
                    <Composer />
                </div>
            </div>
        </div>
    }
}
