//! Export and import: every store (or one user's records) to a versioned JSON file, and
//! back. An import is validated whole before anything is written, then written in one
//! transaction, so a bad file changes nothing.

use pocket_chat_core::export::{self, ExportFile, ImportError};
use pocket_chat_core::records::{Branch, Message, Millis, Payment, Setting, Thread, User};
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{BRANCHES, MESSAGES, META, PAYMENTS, SEARCH, SETTINGS, THREADS, USERS};
use super::search;
use super::{all_from_js, commit_or_abort, to_js, Database, StorageError};

const DATA_STORES: [&str; 6] = [USERS, PAYMENTS, THREADS, BRANCHES, MESSAGES, SETTINGS];

pub use pocket_chat_core::export::ImportMode;

/// Why an import failed: the file (nothing written) or storage (nothing written either).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    File(#[from] ImportError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub users: usize,
    pub threads: usize,
    pub messages: usize,
    pub payments: usize,
}

/// Reads every store (or one user's records) in one read-only transaction, a consistent
/// snapshot. API keys are left out unless `include_secrets`.
pub async fn export(
    db: &Database,
    only_user: Option<&str>,
    include_secrets: bool,
    now: Millis,
) -> Result<ExportFile, StorageError> {
    let tx = db.transaction(&DATA_STORES, TransactionMode::ReadOnly)?;
    let result = async {
        let mut file = ExportFile::new(now, only_user.map(str::to_owned));
        let mine = |user_id: &str| only_user.is_none_or(|only| only == user_id);
        let users: Vec<User> = all_from_js(USERS, tx.store(USERS)?.get_all(None, None).await?)?;
        file.users = users.into_iter().filter(|u| mine(&u.user_id)).collect();
        let payments: Vec<Payment> =
            all_from_js(PAYMENTS, tx.store(PAYMENTS)?.get_all(None, None).await?)?;
        file.payments = payments.into_iter().filter(|p| mine(&p.user_id)).collect();
        let threads: Vec<Thread> =
            all_from_js(THREADS, tx.store(THREADS)?.get_all(None, None).await?)?;
        file.threads = threads.into_iter().filter(|t| mine(&t.user_id)).collect();
        let branches: Vec<Branch> =
            all_from_js(BRANCHES, tx.store(BRANCHES)?.get_all(None, None).await?)?;
        file.branches = branches.into_iter().filter(|b| mine(&b.user_id)).collect();
        let messages: Vec<Message> =
            all_from_js(MESSAGES, tx.store(MESSAGES)?.get_all(None, None).await?)?;
        // Without their HTML: derived, and never read from a file.
        file.messages = messages
            .into_iter()
            .filter(|m| mine(&m.user_id))
            .map(|mut m| {
                m.html.clear();
                m
            })
            .collect();
        // Settings belong to the browser, not to a user.
        if only_user.is_none() {
            file.settings = all_from_js(SETTINGS, tx.store(SETTINGS)?.get_all(None, None).await?)?;
        }
        Ok(file)
    }
    .await;
    let mut file = commit_or_abort(tx, result).await?;
    if !include_secrets {
        file.remove_secrets();
    }
    Ok(file)
}

/// Parses, validates and writes an import file in one transaction.
pub async fn import_text(
    db: &Database,
    text: &str,
    mode: ImportMode,
) -> Result<Imported, TransferError> {
    let file = parse_file(text)?;
    import(db, &file, mode).await
}

/// Reads an import file's text, checked and validated as `ExportFile::parse` does, but
/// with the browser's JSON parser: serde_json's tree of every record type would add about
/// 15 KB to the download for a feature used now and then.
pub fn parse_file(text: &str) -> Result<ExportFile, ImportError> {
    // Syntax first, with a line and column for the sentence; `IgnoredAny` builds nothing.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(export::not_json)?;
    let value = js_sys::JSON::parse(text).map_err(|_| ImportError::NotAnExport)?;
    // `Reflect.get` throws on a number or string: that is not an export either.
    let field = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok();
    let format = field("format").and_then(|v| v.as_string());
    let version = field("version")
        .and_then(|v| v.as_f64())
        .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= u32::MAX as f64)
        .map(|v| v as u64);
    export::check_header(format.as_deref(), version)?;
    if version == Some(1) {
        // Written before versions of exchanges: converted, with ids unique across devices.
        let old: export::FileV1 =
            serde_wasm_bindgen::from_value(value).map_err(|e| ImportError::Malformed {
                detail: e.to_string(),
            })?;
        let mut file = old.upgrade(&mut crate::ids::record_id)?;
        file.adopt_system_prompt(&mut crate::ids::record_id);
        return Ok(file);
    }
    let mut file: ExportFile =
        serde_wasm_bindgen::from_value(value).map_err(|e| ImportError::Malformed {
            detail: e.to_string(),
        })?;
    file.validate()?;
    // Written before personas: its system prompt becomes each user's default persona.
    file.adopt_system_prompt(&mut crate::ids::record_id);
    Ok(file)
}

/// An export file as indented JSON text, written by the browser's JSON (see
/// [`parse_file`]).
pub fn file_text(file: &ExportFile) -> Result<String, StorageError> {
    let value = to_js("export", file)?;
    js_sys::JSON::stringify_with_replacer_and_space(&value, &JsValue::NULL, &JsValue::from(2))
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| StorageError::Corrupt {
            store: "export",
            detail: "the export could not be written as JSON".into(),
        })
}

/// Where the records of an import come from, which decides whether a reply's HTML may
/// be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A file: untrusted, its HTML never stored.
    File,
    /// History this app wrote and rendered itself (the test hooks' seed): kept as it is.
    #[cfg(feature = "e2e-hooks")]
    Own,
}

/// Writes a validated export file in one transaction. A reply's HTML in it is dropped:
/// the page would show it as it is; the reply is formatted here from its Markdown.
pub async fn import(
    db: &Database,
    file: &ExportFile,
    mode: ImportMode,
) -> Result<Imported, TransferError> {
    write(db, file, mode, Source::File).await
}

/// [`import`] of history this app made and rendered itself (`seed.rs`), its HTML kept
/// as a returning user's is. Never for a file.
#[cfg(feature = "e2e-hooks")]
pub async fn import_own(
    db: &Database,
    file: &ExportFile,
    mode: ImportMode,
) -> Result<Imported, TransferError> {
    write(db, file, mode, Source::Own).await
}

async fn write(
    db: &Database,
    file: &ExportFile,
    mode: ImportMode,
    source: Source,
) -> Result<Imported, TransferError> {
    file.validate()?;
    let mut stores = DATA_STORES.to_vec();
    stores.extend([SEARCH, META]);
    let tx = db.transaction(&stores, TransactionMode::ReadWrite)?;
    // The outer error is storage's; the inner one a merge the data here refuses.
    let result: Result<Result<Imported, ImportError>, StorageError> = async {
        let existing: Vec<User> = all_from_js(USERS, tx.store(USERS)?.get_all(None, None).await?)?;
        match mode {
            ImportMode::Merge => {
                if let Err(refused) = file.check_merge(existing.iter().map(|u| u.user_id.as_str()))
                {
                    return Ok(Err(refused));
                }
                if let Err(taken) = write_merged(&tx, file, source).await? {
                    return Ok(Err(taken));
                }
            }
            ImportMode::Replace => {
                match &file.only_user {
                    None => {
                        for store in DATA_STORES.iter().chain([&SEARCH]) {
                            tx.store(store)?.clear().await?;
                        }
                        // The data is the file's now, not what the server was synced
                        // with: every position and known revision goes, so the next sync
                        // pulls everything again and pushes only what the server lacks.
                        super::sync::forget_all(&tx).await?;
                    }
                    Some(user_id) => {
                        super::users::delete_rows(&tx, user_id).await?;
                        super::sync::forget(&tx, user_id).await?;
                    }
                }
                write_as_is(&tx, file, source).await?;
            }
        }
        Ok(Ok(Imported {
            users: file.users.len(),
            threads: file.threads.len(),
            messages: file.messages.len(),
            payments: file.payments.len(),
        }))
    }
    .await;
    let imported = match result {
        Ok(Ok(imported)) => commit_or_abort(tx, Ok(imported)).await?,
        Ok(Err(refused)) => {
            let _ = tx.abort().await;
            return Err(refused.into());
        }
        Err(failed) => commit_or_abort(tx, Err(failed)).await?,
    };
    announce(&Change::All);
    Ok(imported)
}

/// Replace: records keep their ids, so export → wipe → import is exact.
async fn write_as_is(
    tx: &rexie::Transaction,
    file: &ExportFile,
    source: Source,
) -> Result<(), StorageError> {
    write_records(tx, file, source).await?;
    put_all(tx, SETTINGS, &file.settings).await
}

/// Merge: every record written with its id, once none of them is here (one that is
/// refuses the import, and nothing is written). Settings here win.
async fn write_merged(
    tx: &rexie::Transaction,
    file: &ExportFile,
    source: Source,
) -> Result<Result<(), ImportError>, StorageError> {
    let stores: [(&str, &'static str, Vec<&str>); 5] = [
        (
            USERS,
            "user",
            file.users.iter().map(|r| r.user_id.as_str()).collect(),
        ),
        (
            PAYMENTS,
            "payment",
            file.payments
                .iter()
                .map(|r| r.payment_id.as_str())
                .collect(),
        ),
        (
            THREADS,
            "thread",
            file.threads.iter().map(|r| r.thread_id.as_str()).collect(),
        ),
        (
            BRANCHES,
            "branch",
            file.branches.iter().map(|r| r.branch_id.as_str()).collect(),
        ),
        (
            MESSAGES,
            "message",
            file.messages
                .iter()
                .map(|r| r.message_id.as_str())
                .collect(),
        ),
    ];
    for (store, noun, ids) in stores {
        let s = tx.store(store)?;
        for id in ids {
            if s.get(JsValue::from_str(id)).await?.is_some() {
                let id = id.to_owned();
                return Ok(Err(ImportError::Taken { store: noun, id }));
            }
        }
    }
    write_records(tx, file, source).await?;
    let settings = tx.store(SETTINGS)?;
    for s in &file.settings {
        if settings.get(JsValue::from_str(&s.key)).await?.is_none() {
            settings.add(&to_js::<Setting>(SETTINGS, s)?, None).await?;
        }
    }
    Ok(Ok(()))
}

/// Writes the file's users, payments, threads, branches and messages as they are, and
/// indexes the threads' titles and the exchanges for search.
async fn write_records(
    tx: &rexie::Transaction,
    file: &ExportFile,
    source: Source,
) -> Result<(), StorageError> {
    put_all(tx, USERS, &file.users).await?;
    put_all(tx, PAYMENTS, &file.payments).await?;
    put_all(tx, THREADS, &file.threads).await?;
    put_all(tx, BRANCHES, &file.branches).await?;
    // A reply's HTML goes into the page as it is: never taken from a file, whichever
    // path read it. Replies without it are shown as text and formatted here.
    let messages = tx.store(MESSAGES)?;
    for m in &file.messages {
        let value = if m.html.is_empty() || source != Source::File {
            to_js(MESSAGES, m)?
        } else {
            to_js(
                MESSAGES,
                &Message {
                    html: String::new(),
                    ..m.clone()
                },
            )?
        };
        messages.put(&value, None).await?;
    }
    // None of these ids is in the index yet (new, or their user's keys were removed).
    search::add_rows(&tx.store(SEARCH)?, &file.threads, &file.messages).await?;
    Ok(())
}

async fn put_all<T: serde::Serialize>(
    tx: &rexie::Transaction,
    store: &'static str,
    rows: &[T],
) -> Result<(), StorageError> {
    let s = tx.store(store)?;
    for row in rows {
        s.put(&to_js(store, row)?, None).await?;
    }
    Ok(())
}
