//! The data panel: export everything or the current user to a JSON file, and import one
//! back — validated first, then merged or replacing, as the user chooses.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;
use wasm_bindgen::JsCast;

use crate::state::data::{
    apply_import, download_export, read_import, Counts, ImportMode, ImportTarget,
};
use crate::state::use_account;
use crate::state::use_config;
use crate::state::use_notices;
use crate::state::use_prefs;

#[component]
pub fn DataPanel(open: RwSignal<bool>) -> impl IntoView {
    let target = ImportTarget {
        notices: use_notices(),
        account: use_account(),
        config: use_config(),
    };
    let (notices, prefs) = (target.notices, use_prefs());
    let include_keys = RwSignal::new(false);
    let pending = RwSignal::new(None::<Counts>);
    // Everything, or (with `only_user`) the signed-in user's records.
    let export = move |only_user: bool| {
        let only = only_user.then(|| target.account.user_id()).flatten();
        spawn_local(download_export(notices, only, include_keys.get_untracked()))
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        let Some(input) = input else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // Let the same file be chosen again after a fix.
        input.set_value("");
        spawn_local(async move {
            match read_import(file).await {
                Ok(parsed) => {
                    notices.clear();
                    pending.set(Some(parsed));
                }
                Err(e) => {
                    pending.set(None);
                    notices.fail(e);
                }
            }
        });
    };
    let import = move |mode| {
        if pending.get_untracked().is_none() {
            return;
        }
        pending.set(None);
        spawn_local(apply_import(target, mode));
    };
    let lang = prefs.lang();
    let tr = move |k: Key| prefs.tr(k);
    view! {
        <Show when=move || open.get()>
            <section id="data-panel" class="panel" data-testid="data-panel" aria-labelledby="data-title">
                <h2 id="data-title">{tr(Key::YourData)}</h2>
                <p class="hint">{tr(Key::DataHint)}</p>
                <div class="row">
                    <button type="button" data-testid="export-all" on:click=move |_| export(false)>
                        {tr(Key::ExportEverything)}
                    </button>
                    <button type="button" data-testid="export-user" on:click=move |_| export(true)>
                        {tr(Key::ExportThisUser)}
                    </button>
                    <label class="check">
                        <input type="checkbox" data-testid="include-keys" prop:checked=include_keys
                            on:change=move |ev| include_keys.set(event_target_checked(&ev)) />
                        {tr(Key::IncludeKeys)}
                    </label>
                </div>
                // The browser's own file button speaks the browser's language, not the app's:
                // the input is hidden and its label is the button.
                <label class="file-button">
                    <input type="file" class="visually-hidden" accept="application/json,.json" data-testid="import-file" on:change=on_file />
                    <span>{tr(Key::ImportFile)}</span>
                </label>
                {move || pending.get().map(|n| {
                    let summary = move || pocket_chat_core::export::file_holds(lang.get(), n.users, n.threads, n.messages, n.payments);
                    view! {
                        <div class="confirm" data-testid="import-confirm">
                            <p>{summary}</p>
                            <p class="hint">
                                {tr(Key::ImportHintMerge)}
                                {tr(Key::ImportHintReplace)}
                            </p>
                            <div class="row">
                                <button type="button" data-testid="import-merge" on:click=move |_| import(ImportMode::Merge)>{tr(Key::Merge)}</button>
                                <button type="button" class="danger" data-testid="import-replace" on:click=move |_| import(ImportMode::Replace)>{tr(Key::Replace)}</button>
                                <button type="button" class="ghost" on:click=move |_| pending.set(None)>{tr(Key::Cancel)}</button>
                            </div>
                        </div>
                    }
                })}
            </section>
        </Show>
    }
}
