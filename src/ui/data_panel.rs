//! The data panel: export everything or the current user to a JSON file, and import one
//! back — validated first, then merged or replacing, as the user chooses.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::export::ExportFile;
use pocket_chat_core::format::count;
use wasm_bindgen::JsCast;

use crate::state::data::{apply_import, download_export, read_import, Scope};
use crate::state::use_app_state;
use crate::storage::transfer::ImportMode;

#[component]
pub fn DataPanel(open: RwSignal<bool>) -> impl IntoView {
    let state = use_app_state();
    let include_keys = RwSignal::new(false);
    let pending = RwSignal::new(None::<ExportFile>);
    let export =
        move |scope| spawn_local(download_export(state, scope, include_keys.get_untracked()));
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
                    state.notice.set(None);
                    pending.set(Some(parsed));
                }
                Err(sentence) => {
                    pending.set(None);
                    state.fail(sentence);
                }
            }
        });
    };
    let import = move |mode| {
        let Some(file) = pending.get_untracked() else {
            return;
        };
        pending.set(None);
        spawn_local(async move { apply_import(state, &file, mode).await });
    };
    view! {
        <Show when=move || open.get()>
            <section id="data-panel" class="panel" data-testid="data-panel" aria-label="Your data">
                <h2>"Your data"</h2>
                <p class="hint">"Everything stays in this browser. Export a file to keep a copy or to move to another browser."</p>
                <div class="row">
                    <button type="button" data-testid="export-all" on:click=move |_| export(Scope::Everything)>
                        "Export everything"
                    </button>
                    <button type="button" data-testid="export-user" on:click=move |_| export(Scope::CurrentUser)>
                        "Export this user"
                    </button>
                    <label class="check">
                        <input type="checkbox" data-testid="include-keys" prop:checked=include_keys
                            on:change=move |ev| include_keys.set(event_target_checked(&ev)) />
                        "Include API keys"
                    </label>
                </div>
                <label class="file">
                    "Import a file: "
                    <input type="file" accept="application/json,.json" data-testid="import-file" on:change=on_file />
                </label>
                {move || pending.get().map(|file| {
                    let summary = format!(
                        "This file holds {}, {}, {} and {}.",
                        count(file.users.len(), "user"),
                        count(file.threads.len(), "thread"),
                        count(file.messages.len(), "message"),
                        count(file.payments.len(), "payment"),
                    );
                    view! {
                        <div class="confirm" data-testid="import-confirm">
                            <p>{summary}</p>
                            <p class="hint">
                                "Merge adds its users next to yours and keeps your settings. "
                                "Replace deletes what is here first (for a one-user file, only that user)."
                            </p>
                            <div class="row">
                                <button type="button" data-testid="import-merge" on:click=move |_| import(ImportMode::Merge)>"Merge"</button>
                                <button type="button" class="danger" data-testid="import-replace" on:click=move |_| import(ImportMode::Replace)>"Replace"</button>
                                <button type="button" class="ghost" on:click=move |_| pending.set(None)>"Cancel"</button>
                            </div>
                        </div>
                    }
                })}
            </section>
        </Show>
    }
}
