//! Export to a downloaded JSON file and import from a chosen file: the actions behind the
//! data panel.

use pocket_chat_core::export::ExportFile;
use pocket_chat_core::i18n;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::clock::now;
use super::config::Config;
use super::error::StateError;
use super::notices::Notices;
use super::people::Account;
use super::store::Store;
use super::text::Text;
use crate::storage::transfer;
pub use crate::storage::transfer::ImportMode;

/// Exports everything (or, with `only_user`, that user's records) and offers the file as
/// a download.
pub async fn download_export(
    store: &'static Store,
    notices: &'static Notices,
    only_user: Option<String>,
    include_secrets: bool,
) {
    let Some(db) = store.db() else { return };
    let file = match transfer::export(&db, only_user.as_deref(), include_secrets, now()).await {
        Ok(file) => file,
        Err(e) => return notices.fail(e),
    };
    let date = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let name = format!(
        "pocket-chat-export-{}.json",
        date.get(..10).unwrap_or("today")
    );
    let text = match transfer::file_text(&file) {
        Ok(text) => text,
        Err(e) => return notices.fail(e),
    };
    match offer_download(&name, &text) {
        Ok(()) => {
            let (users, threads, messages) =
                (file.users.len(), file.threads.len(), file.messages.len());
            notices.inform(Text::new(move |lang| {
                i18n::exported(lang, users, threads, messages, &name)
            }));
        }
        Err(_) => notices.fail(StateError::DownloadBlocked),
    }
}

/// Reads and validates a chosen file; nothing is written yet.
pub async fn read_import(file: web_sys::File) -> Result<ExportFile, StateError> {
    let text = JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(StateError::FileUnreadable)?;
    Ok(transfer::parse_file(&text)?)
}

/// What an import changes besides storage: the settings it may bring, and the user and
/// threads on screen.
#[derive(Clone, Copy)]
pub struct ImportTarget {
    pub store: &'static Store,
    pub notices: &'static Notices,
    pub account: &'static Account,
    pub config: &'static Config,
}

/// Writes a validated import and shows what it did.
pub async fn apply_import(to: ImportTarget, file: &ExportFile, mode: ImportMode) {
    let Some(db) = to.store.db() else { return };
    match transfer::import(&db, file, mode).await {
        Ok(n) => {
            to.notices.inform(Text::new(move |lang| {
                i18n::imported(lang, n.users, n.threads, n.messages, n.payments)
            }));
            // An import may bring provider settings: a first visit ends with them.
            if let Err(e) = to.config.reload().await {
                to.notices.fail(e);
            }
            to.account.reload();
        }
        Err(e) => to.notices.fail(e),
    }
}

/// Hands `text` to the browser as a file download called `name`.
fn offer_download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Revoked a moment later: revoking at once can cancel the download in some browsers.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            10_000,
        )?;
    }
    Ok(())
}
