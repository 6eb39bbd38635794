//! The app: provides the state, lays out the header, panels, thread list, thread and
//! composer, and lets Escape close whatever panel is open.

use leptos::html::Main;
use leptos::prelude::*;
use pocket_chat_core::i18n::Key;

use crate::state::use_prefs;
use crate::state::use_top_up;
use crate::state::{provide_app, use_thread_window};
use crate::ui::{
    composer::Composer,
    data_panel::DataPanel,
    focus::focus,
    header::{Header, Panels},
    notice_line::NoticeLine,
    offline_line::OfflineLine,
    settings_panel::SettingsPanel,
    sidebar::Sidebar,
    thread_bar::ThreadBar,
    thread_view::ThreadView,
    update_line::UpdateLine,
    users_panel::UsersPanel,
};

#[component]
pub fn App() -> impl IntoView {
    // The element the thread scrolls in: the window over the thread keeps its place there.
    let scroller = NodeRef::<Main>::new();
    provide_app(scroller);
    let prefs = use_prefs();
    let window = use_thread_window();
    let top_up = use_top_up();
    let panels = Panels {
        users: RwSignal::new(false),
        data: RwSignal::new(false),
        settings: RwSignal::new(false),
        threads: RwSignal::new(false),
    };
    // Escape closes the open panel (or the top-up form), as keyboard users expect; Ctrl+K
    // (⌘K) goes to the search box, as in other chat apps.
    let on_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            panels.threads.set(true);
            focus("search-input");
            // Again once the list, opening on a phone, can take the focus.
            return request_animation_frame(|| focus("search-input"));
        }
        if ev.key() != "Escape" || ev.is_composing() {
            return;
        }
        if let Some(button) = panels.close_one() {
            ev.prevent_default();
            // Focus inside the closed panel would fall to the page: give it back to the
            // button that opened the panel.
            focus(button);
        } else if top_up.close() {
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
                    <UpdateLine />
                    <NoticeLine />
                    <ThreadBar />
                    <main class="thread" node_ref=scroller on:scroll=move |_| window.on_scroll() aria-live="polite" aria-label=prefs.tr(Key::Conversation)
                        // Reachable by keyboard, to scroll it, also when nothing in it is
                        // (an empty thread under an open panel).
                        tabindex="0">
                        <ThreadView />
                    </main>
                    <Composer />
                </div>
            </div>
        </div>
    }
}

/// Mounts the app on the page's body. Here rather than in `main.rs`, so the whole view is
/// compiled in this crate: mounted from the binary, the view's generic code and closures
/// were compiled a second time there (two copies of much of it: 17.7 KB gzip of the download).
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
