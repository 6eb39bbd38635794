//! The data worker: export and import, the endpoint's model list, the Markdown renderer and
//! the rewrites of data an earlier version stored, in a Web Worker the page starts at the
//! first of them, so that the first load carries none of their code (the file format, its
//! validation, the version-1 conversion: about a tenth of the app; the list's request,
//! reply and failures; the renderer, a tenth more; the schema upgrades).
//! A reply is rendered once, when it first shows, and kept with the exchange.
//!
//! The page (`state::data_client`) posts `{id, op, …}` and gets `{id, ok}` or
//! `{id, error: {en, ja}}` back. Errors cross as sentences in every language: typed, they
//! would bring their decoding back into the page's download.

use std::cell::RefCell;
use std::rc::Rc;

use pocket_chat_core::export::ExportFile;
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::markdown;
use pocket_chat_core::models::{listing_failed, parse_models, ListError};
use pocket_chat_core::provider::{CallError, ProviderKind, ProviderSettings};
use pocket_chat_core::records::Missing;
use pocket_chat_core::share;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Response, WorkerGlobalScope};

use crate::js::{field, set};
use crate::replication::{self, SyncFailed};
use crate::storage::messages::{self, Span};
use crate::storage::schema::DB_NAME;
use crate::storage::search as storage_search;
use crate::storage::sync as sync_storage;
use crate::storage::transfer::{self, ImportMode, TransferError};
use crate::storage::{settings, threads, Database, StorageError};

thread_local! {
    /// The file the last `parse` read, kept for the `import` that confirms it.
    static PARSED: RefCell<Option<ExportFile>> = const { RefCell::new(None) };
    /// The database, opened at the first request that reads it and kept: an open is two
    /// round trips, most of a query's time. A newer version opening in another tab closes
    /// it (see [`Database::open_watched`]), and the next request opens it again.
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
}

/// The kept database, opened if it is not (or was closed).
async fn database() -> Result<Rc<Database>, StorageError> {
    if let Some(db) = DB.with(|db| db.borrow().clone()).filter(|db| db.is_open()) {
        return Ok(db);
    }
    let db = Rc::new(Database::open(DB_NAME).await?);
    DB.with(|kept| *kept.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// Listens for the page's requests and says it is ready (messages posted before the
/// WASM started would be lost, so the page waits for this).
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let replies = replies.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let request = ev.data();
            let reply = answer(&request).await;
            set(&reply, "id", &field(&request, "id"));
            let _ = replies.post_message(&reply);
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}

/// One request's answer: `{ok}` or `{error: {en, ja}}`.
async fn answer(request: &JsValue) -> JsValue {
    let op = field(request, "op").as_string().unwrap_or_default();
    let result = match op.as_str() {
        "export" => export(request).await.map_err(|e| said(&e)),
        "parse" => parse(request).map_err(|e| said(&e)),
        "import" => import(request).await.map_err(|e| said(&e)),
        "models" => models(request).await.map_err(|e| said(&e)),
        "render" => Ok(render(request)),
        "thread-md" => thread_md(request).await.map_err(|e| said(&e)),
        "upgrade" => upgrade().await.map_err(|e| said(&e)),
        "search" => search(request).await.map_err(|e| said(&e)),
        "index" => index().await.map_err(|e| said(&e)),
        "sync" => sync(request).await.map_err(|e| said(&e)),
        "sync-last" => sync_last(request).await.map_err(|e| said(&e)),
        _ => Err(said(&TransferError::Storage(
            crate::storage::StorageError::Backend(format!(
                "the data worker has no operation {op:?}"
            )),
        ))),
    };
    let reply = js_sys::Object::new();
    match result {
        Ok(ok) => set(&reply, "ok", &ok),
        Err(error) => set(&reply, "error", &error),
    };
    reply.into()
}

/// An error as the page shows it: `{en, ja}`.
fn said(e: &impl Localize) -> JsValue {
    let said = js_sys::Object::new();
    set(&said, "en", &e.localize(Lang::En).into());
    set(&said, "ja", &e.localize(Lang::Ja).into());
    said.into()
}

/// `{}` → the schema version recorded before: rewrites the data an earlier version wrote
/// ([`settings::record_schema`]) for the page, which waits for it before reading.
async fn upgrade() -> Result<JsValue, StorageError> {
    let before = settings::record_schema(&*database().await?, js_sys::Date::now() as i64).await?;
    Ok(before.map_or(JsValue::NULL, JsValue::from))
}

/// `{user_id, query, typing, lang}` → `{html, parts}`: the user's results, grouped by
/// thread, newest first, as the list the page shows ([`results_html`] in `lang`), and
/// what the query looks for, folded (for the page to highlight).
///
/// [`results_html`]: pocket_chat_core::search::results_html
async fn search(request: &JsValue) -> Result<JsValue, StorageError> {
    let text = |name| field(request, name).as_string().unwrap_or_default();
    let typing = field(request, "typing").as_bool().unwrap_or(false);
    let lang = Lang::from_code(&text("lang")).unwrap_or(Lang::En);
    let db = database().await?;
    let hits = storage_search::query(&db, &text("user_id"), &text("query"), typing).await?;
    let groups = pocket_chat_core::search::group(hits);
    let parts: js_sys::Array = pocket_chat_core::search::parse(&text("query"))
        .into_iter()
        .map(|p| JsValue::from(p.text))
        .collect();
    let out = js_sys::Object::new();
    let html = pocket_chat_core::search::results_html(&groups, lang);
    set(&out, "html", &html.into());
    set(&out, "parts", &parts);
    Ok(out.into())
}

/// `{}` → `{done, total}` after indexing the next exchanges stored before the index, or
/// `null` once it is built.
async fn index() -> Result<JsValue, StorageError> {
    let step = storage_search::build_step(&*database().await?, 500).await;
    Ok(match step? {
        Some(p) => {
            let out = js_sys::Object::new();
            set(&out, "done", &p.done.into());
            set(&out, "total", &p.total.into());
            out.into()
        }
        None => JsValue::NULL,
    })
}

/// `{user_id, url, user, password, timeout, streaming?}` → the last sync (see
/// [`last_js`]): pulls the user's changes from their CouchDB database, then pushes this
/// device's ([`replication::sync`]). The page asks for one sync at a time.
async fn sync(request: &JsValue) -> Result<JsValue, SyncFailed> {
    let text = |name| field(request, name).as_string().unwrap_or_default();
    let timeout = field(request, "timeout")
        .as_f64()
        .map_or(pocket_chat_core::sync::TIMEOUT_SECONDS, |s| s as u32);
    let server = replication::Server::new(&text("url"), &text("user"), &text("password"), timeout)?;
    let user_id = text("user_id");
    let streaming = field(request, "streaming").as_string();
    let db = database().await?;
    let moved = replication::sync(&db, &server, &user_id, streaming.as_deref()).await?;
    let at = js_sys::Date::now() as i64;
    sync_storage::record_last(&db, &user_id, at, moved.clone()).await?;
    Ok(last_js(at, &moved))
}

/// `{user_id}` → the user's last sync (see [`last_js`]), or `null`.
async fn sync_last(request: &JsValue) -> Result<JsValue, StorageError> {
    let user_id = field(request, "user_id").as_string().unwrap_or_default();
    let last = sync_storage::last(&*database().await?, &user_id).await?;
    Ok(last.map_or(JsValue::NULL, |(at, moved)| last_js(at, &moved)))
}

/// `{at, en, ja, since_en, since_ja}`: when a sync ended, and its lines in each language
/// (Settings' line after a sync the user asked for, and the one under it after a sync
/// that ran by itself), so the page's first load carries none of their sentences.
fn last_js(at: i64, moved: &pocket_chat_core::sync::Moved) -> JsValue {
    use pocket_chat_core::sync::{last_line, left_behind, since_line};
    let out = js_sys::Object::new();
    set(&out, "at", &(at as f64).into());
    let date = js_sys::Date::new(&JsValue::from_f64(at as f64));
    for lang in [Lang::En, Lang::Ja] {
        let time = date
            .to_locale_time_string(lang.code())
            .as_string()
            .unwrap_or_default();
        let (sent, received) = (moved.sent, moved.received);
        let tail = left_behind(lang, moved);
        let line = last_line(lang, &time, sent, received) + &tail;
        let since = since_line(lang, &time, sent, received) + &tail;
        set(&out, lang.code(), &line.into());
        set(&out, &format!("since_{}", lang.code()), &since.into());
    }
    out.into()
}

/// `{thread_id, lang}` → `{text, name}`: the thread's path as a Markdown file.
async fn thread_md(request: &JsValue) -> Result<JsValue, TransferError> {
    let thread_id = field(request, "thread_id").as_string().unwrap_or_default();
    let lang = match field(request, "lang").as_string().as_deref() {
        Some("ja") => Lang::Ja,
        _ => Lang::En,
    };
    let db = database().await?;
    let read = async {
        let thread = threads::get(&db, &thread_id)
            .await?
            .filter(|t| t.deleted_at.is_none())
            .ok_or(StorageError::NotFound(Missing::Thread))?;
        let path = messages::read_path(&db, &thread_id, Span::Depths { from: 0, to: None }).await?;
        Ok::<_, StorageError>((thread, path.rows))
    }
    .await;
    let (thread, rows) = read?;
    let out = js_sys::Object::new();
    set(
        &out,
        "text",
        &share::thread_markdown(&thread.title, &rows, lang).into(),
    );
    set(&out, "name", &share::file_name(&thread.title).into());
    Ok(out.into())
}

/// `{texts: [markdown]}` → `[html]`: each reply as inert HTML for the page to show and keep.
fn render(request: &JsValue) -> JsValue {
    let texts = js_sys::Array::from(&field(request, "texts"));
    texts
        .iter()
        .map(|text| {
            JsValue::from(markdown::render_stored(
                &text.as_string().unwrap_or_default(),
            ))
        })
        .collect::<js_sys::Array>()
        .into()
}

/// `{kind, base_url, api_key}` → `[{id, context?}]`: the endpoint's models (`GET …/models`).
/// Here rather than in the page: the list is not needed for the first paint.
async fn models(request: &JsValue) -> Result<JsValue, ListError> {
    let text = |name| field(request, name).as_string().unwrap_or_default();
    let settings = ProviderSettings {
        kind: match text("kind").as_str() {
            "compatible" => ProviderKind::Compatible,
            "azure" => ProviderKind::Azure,
            _ => ProviderKind::OpenAi,
        },
        base_url: text("base_url"),
        api_key: text("api_key"),
        ..ProviderSettings::default()
    };
    let asked = settings.models_request()?;
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let offline = || ListError::Call(CallError::not_reached(!crate::fetch::online()));
    let headers = asked.headers.iter().map(|(n, v)| (*n, v.as_str()));
    let init = crate::fetch::init(asked.method, headers).map_err(|_| offline())?;
    let response: Response = JsFuture::from(scope.fetch_with_str_and_init(&asked.url, &init))
        .await
        .map_err(|_| offline())?
        .unchecked_into();
    if !response.ok() {
        return Err(listing_failed(response.status()));
    }
    let body = response.text().map_err(|_| ListError::Unreadable)?;
    let body = JsFuture::from(body).await.map_err(|_| offline())?;
    let listed = parse_models(&body.as_string().unwrap_or_default())?;
    let out = js_sys::Array::new();
    for model in listed {
        let entry = js_sys::Object::new();
        set(&entry, "id", &model.id.into());
        if let Some(window) = model.context {
            set(&entry, "context", &(window as f64).into());
        }
        out.push(&entry);
    }
    Ok(out.into())
}

/// `{only_user?, include_secrets, now}` → `{text, users, threads, messages}`.
async fn export(request: &JsValue) -> Result<JsValue, TransferError> {
    let only_user = field(request, "only_user").as_string();
    let secrets = field(request, "include_secrets").as_bool().unwrap_or(false);
    let now = field(request, "now").as_f64().unwrap_or(0.0) as i64;
    let file = transfer::export(&*database().await?, only_user.as_deref(), secrets, now).await?;
    let out = counts_of(&file);
    set(&out, "text", &transfer::file_text(&file)?.into());
    Ok(out.into())
}

/// `{text}` → `{users, threads, messages, payments}`; the file is kept for `import`.
fn parse(request: &JsValue) -> Result<JsValue, TransferError> {
    let text = field(request, "text").as_string().unwrap_or_default();
    let file = transfer::parse_file(&text)?;
    let out = counts_of(&file);
    PARSED.with(|p| *p.borrow_mut() = Some(file));
    Ok(out.into())
}

/// `{mode: "merge" | "replace"}` → what was written, as `parse` counts it.
async fn import(request: &JsValue) -> Result<JsValue, TransferError> {
    let mode = ImportMode::from_code(&field(request, "mode").as_string().unwrap_or_default());
    let Some(file) = PARSED.with(|p| p.borrow_mut().take()) else {
        return Err(TransferError::File(
            pocket_chat_core::export::ImportError::NotAnExport,
        ));
    };
    let n = transfer::import(&*database().await?, &file, mode).await?;
    Ok(counts(n.users, n.threads, n.messages, n.payments).into())
}

/// How many records a file holds (or an import wrote), as the page reads it.
fn counts(users: usize, threads: usize, messages: usize, payments: usize) -> js_sys::Object {
    let out = js_sys::Object::new();
    for (name, n) in [
        ("users", users),
        ("threads", threads),
        ("messages", messages),
        ("payments", payments),
    ] {
        set(&out, name, &(n as f64).into());
    }
    out
}

/// The counts of `file`.
fn counts_of(file: &ExportFile) -> js_sys::Object {
    counts(
        file.users.len(),
        file.threads.len(),
        file.messages.len(),
        file.payments.len(),
    )
}

impl Localize for SyncFailed {
    fn localize(&self, lang: Lang) -> String {
        match self {
            SyncFailed::Server(e) => e.localize(lang),
            SyncFailed::Storage(e) => e.localize(lang),
        }
    }
}

impl Localize for TransferError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            TransferError::File(e) => e.localize(lang),
            TransferError::Storage(e) => e.localize(lang),
        }
    }
}
