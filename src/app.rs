//! The app shell: layout and the state the shell's components share.

use leptos::prelude::*;

use crate::state::provide_app_state;
use crate::ui::{
    composer::Composer, data_panel::DataPanel, header::Header, notice_line::NoticeLine,
    thread_view::ThreadView,
};

/// A prompt shown in the thread view. Sending to a provider arrives with the chat issue;
/// until then the shell keeps typed prompts on screen so nothing typed is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: u32,
    pub text: String,
}

/// The shell: header, the current thread, the composer.
#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    let data_open = RwSignal::new(false);
    let (drafts, set_drafts) = signal(Vec::<Draft>::new());
    let on_send = move |text: String| {
        set_drafts.update(|list| {
            let id = list.last().map_or(1, |d| d.id + 1);
            list.push(Draft { id, text });
        });
    };
    view! {
        <div class="shell">
            <Header data_open=data_open />
            <DataPanel open=data_open />
            <NoticeLine />
            <main class="thread" aria-live="polite">
                <ThreadView drafts=drafts />
            </main>
            <Composer on_send=on_send />
        </div>
    }
}
