//! The update line: a new version is ready; Reload switches to it (not while a reply is
//! streaming, and the line says so then), Later hides the line until the next load. And
//! the line saying a new version could not be installed (the site sent a wrong file), with
//! Dismiss.
//!
//! Always in the page and hidden when there is nothing to say: a line that comes and goes
//! as a view costs the first load 1.5 KB more (gzip).

use leptos::prelude::*;
use pocket_chat_core::i18n::{Key, Lang};

use crate::state::{use_prefs, use_sending, use_update};

#[component]
pub fn UpdateLine() -> impl IntoView {
    let prefs = use_prefs();
    let update = use_update();
    let sending = use_sending();
    let busy = move || sending.busy();
    let refused = move || {
        update
            .refused()
            .map(|(file, kept)| update_refused(prefs.lang().get(), &file, kept))
    };
    view! {
        <div class="notice status" role="status" data-testid="update-refused" hidden=move || update.refused().is_none()>
            <p>{refused}</p>
            <button type="button" class="ghost" on:click=move |_| update.dismiss()>
                {prefs.tr(Key::Dismiss)}
            </button>
        </div>
        <div class="notice status" role="status" data-testid="update-ready" hidden=move || !update.ready()>
            <p>
                {prefs.tr(Key::UpdateReady)}
                <span data-testid="update-wait" hidden=move || !busy()>" " {prefs.tr(Key::UpdateAfterReply)}</span>
            </p>
            <button type="button" class="primary" data-testid="update-reload" disabled=busy
                title=move || busy().then(|| prefs.tr(Key::UpdateAfterReply)())
                on:click=move |_| update.accept(&sending.draft().get_untracked())>
                {prefs.tr(Key::ReloadNow)}
            </button>
            <button type="button" class="ghost" data-testid="update-later" on:click=move |_| update.later()>
                {prefs.tr(Key::Later)}
            </button>
        </div>
    }
}

/// A new build's install was refused: the site sent something else for its file `file`
/// (the path on the site); `kept`: a version installed before stays, offline too.
fn update_refused(lang: Lang, file: &str, kept: bool) -> String {
    match (lang, kept) {
        (Lang::En, true) => format!("pocket-chat could not install its new version: the site sent something other than the file {file}. The version you have stays, and works offline as before."),
        (Lang::En, false) => format!("pocket-chat could not save itself for use offline: the site sent something other than the file {file}. It works while you are online."),
        (Lang::Ja, true) => format!("pocket-chat の新しいバージョンをインストールできませんでした。サイトがファイル {file} の代わりに別のものを送ってきました。今のバージョンがそのまま残り、これまでどおりオフラインでも使えます。"),
        (Lang::Ja, false) => format!("pocket-chat をオフライン用に保存できませんでした。サイトがファイル {file} の代わりに別のものを送ってきました。オンラインのあいだは使えます。"),
    }
}
