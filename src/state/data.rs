//! Export to a downloaded JSON file and import from a chosen file: the actions behind the
//! data panel. The work itself runs in the data worker (`crate::data_worker`), loaded at
//! the first export or import.

use pocket_chat_core::i18n::Lang;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::account::Account;
use super::clock::now;
use super::config::Config;
use super::data_client::{ask, request};
use super::error::StateError;
use super::notices::Notices;
use super::text::Text;
use crate::js::field;

pub use pocket_chat_core::export::ImportMode;

/// How many records a file holds (or an import wrote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub users: usize,
    pub threads: usize,
    pub messages: usize,
    pub payments: usize,
}

impl Counts {
    fn of(answer: &JsValue) -> Counts {
        let n = |name: &str| field(answer, name).as_f64().unwrap_or(0.0) as usize;
        Counts {
            users: n("users"),
            threads: n("threads"),
            messages: n("messages"),
            payments: n("payments"),
        }
    }
}

/// Exports everything (or, with `only_user`, that user's records) and offers the file as
/// a download.
pub async fn download_export(
    notices: &'static Notices,
    only_user: Option<String>,
    include_secrets: bool,
) {
    let only = only_user.map_or(JsValue::UNDEFINED, JsValue::from);
    let asked = request(
        "export",
        &[
            ("only_user", only),
            ("include_secrets", include_secrets.into()),
            ("now", (now() as f64).into()),
        ],
    );
    let answer = match ask(asked).await {
        Ok(answer) => answer,
        Err(e) => return notices.fail(e),
    };
    let text = field(&answer, "text").as_string().unwrap_or_default();
    let date = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let name = format!(
        "pocket-chat-export-{}.json",
        date.get(..10).unwrap_or("today")
    );
    match offer_download(&name, &text, "application/json") {
        Ok(()) => {
            let n = Counts::of(&answer);
            notices.inform(Text::new(move |lang| {
                pocket_chat_core::export::exported(lang, n.users, n.threads, n.messages, &name)
            }));
        }
        Err(_) => notices.fail(StateError::DownloadBlocked),
    }
}

/// Offers thread `thread_id` as a Markdown file: the path it shows, whole (the worker reads
/// it, however long), speakers named in `lang`.
pub async fn download_thread(notices: &'static Notices, thread_id: String, lang: Lang) {
    let lang_tag = match lang {
        Lang::En => "en",
        Lang::Ja => "ja",
    };
    let asked = request(
        "thread-md",
        &[("thread_id", thread_id.into()), ("lang", lang_tag.into())],
    );
    let answer = match ask(asked).await {
        Ok(answer) => answer,
        Err(e) => return notices.fail(e),
    };
    let text = field(&answer, "text").as_string().unwrap_or_default();
    let name = field(&answer, "name").as_string().unwrap_or_default();
    match offer_download(&name, &text, "text/markdown") {
        Ok(()) => notices.inform(Text::new(move |lang| {
            pocket_chat_core::share::thread_exported(lang, &name)
        })),
        Err(_) => notices.fail(StateError::DownloadBlocked),
    }
}

/// Reads and validates a chosen file (the worker keeps it for [`apply_import`]); nothing
/// is written yet.
pub async fn read_import(file: web_sys::File) -> Result<Counts, StateError> {
    let text = JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(StateError::FileUnreadable)?;
    let answer = ask(request("parse", &[("text", text.into())])).await?;
    Ok(Counts::of(&answer))
}

/// What an import changes besides storage: the settings it may bring, and the user and
/// threads on screen.
#[derive(Clone, Copy)]
pub struct ImportTarget {
    pub notices: &'static Notices,
    pub account: &'static Account,
    pub config: &'static Config,
}

/// Writes the file [`read_import`] read and shows what it did.
pub async fn apply_import(to: ImportTarget, mode: ImportMode) {
    match ask(request("import", &[("mode", mode.code().into())])).await {
        Ok(answer) => {
            let n = Counts::of(&answer);
            to.notices.inform(Text::new(move |lang| {
                pocket_chat_core::export::imported(lang, n.users, n.threads, n.messages, n.payments)
            }));
            // An import may bring provider settings: a first visit ends with them.
            if let Err(e) = to.config.reread().await {
                to.notices.fail(e);
            }
            to.account.load_in_background();
        }
        Err(e) => to.notices.fail(e),
    }
}

/// Hands `text` to the browser as a file download called `name`, of type `mime`.
fn offer_download(name: &str, text: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
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
