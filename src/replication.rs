//! The CouchDB replication protocol, spoken by the data worker over `fetch`: pull what
//! changed on the server since this device's checkpoint (`_changes`, `_bulk_get`), then
//! push what changed here (`_revs_diff`, `_bulk_docs` with revisions). Any CouchDB
//! replication peer — CouchDB, Cloudant, PouchDB — reads and writes the same documents.
//! Only the data worker links this, so users who never sync never download it.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use pocket_chat_core::sync::{
    self as rules, BulkGet, Changes, Moved, SyncError, Synced, Written, BATCH, DOC_LIMIT,
    MAX_BATCHES, REPLY_LIMIT,
};
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStreamDefaultReader, RequestCache, Response, WorkerGlobalScope,
};

use crate::storage::sync as local;
use crate::storage::{Database, StorageError};

/// Why a sync stopped: the server, or storage here. Either way what was done before
/// stays, and the next sync carries on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncFailed {
    #[error(transparent)]
    Server(#[from] SyncError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A user's database on a CouchDB server.
pub struct Server {
    /// The database's URL, checked by [`rules::database_url`].
    url: String,
    /// The `Authorization` header; `None`: no credentials.
    auth: Option<String>,
    /// How long one request may take, in seconds ([`rules::TIMEOUT_SECONDS`] unless a
    /// test shortens it).
    timeout_seconds: u32,
}

impl Server {
    pub fn new(
        url: &str,
        user: &str,
        password: &str,
        timeout_seconds: u32,
    ) -> Result<Server, SyncError> {
        Ok(Server {
            url: rules::database_url(url)?,
            auth: (!user.is_empty()).then(|| rules::basic_auth(user, password)),
            timeout_seconds: timeout_seconds.max(1),
        })
    }

    /// `method path` with a JSON `body`: the status and the reply's text, of at most
    /// `limit` bytes. Abandoned (aborted) after the server's timeout.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        limit: usize,
    ) -> Result<(u16, String), SyncError> {
        let unreachable = || SyncError::Unreachable {
            offline: !crate::fetch::online(),
        };
        // Basic auth only (the fetch policy sends no cookies of the app's origin).
        let mut headers = vec![("Accept", "application/json")];
        if let Some(auth) = &self.auth {
            headers.push(("Authorization", auth));
        }
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let init = crate::fetch::init(method, headers).map_err(|_| unreachable())?;
        // Every answer fresh from the server: a cached `_changes` or checkpoint would
        // replay an old state of the database.
        init.set_cache(RequestCache::NoStore);
        if let Some(body) = body {
            init.set_body(&body.to_string().into());
        }
        let controller = AbortController::new().map_err(|_| unreachable())?;
        init.set_signal(Some(&controller.signal()));
        let url = if path.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{path}", self.url)
        };
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let deadline = Deadline::arm(&scope, &controller, self.timeout_seconds);
        let failed = |deadline: &Deadline| {
            if deadline.fired() {
                SyncError::Timeout {
                    seconds: self.timeout_seconds,
                }
            } else {
                unreachable()
            }
        };
        let response: Response = JsFuture::from(scope.fetch_with_str_and_init(&url, &init))
            .await
            .map_err(|_| failed(&deadline))?
            .unchecked_into();
        let too_large = || SyncError::TooLarge {
            megabytes: limit >> 20,
        };
        let declared = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|n| n.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            controller.abort();
            return Err(too_large());
        }
        let mut bytes: Vec<u8> = Vec::new();
        if let Some(stream) = response.body() {
            let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
            loop {
                let chunk = JsFuture::from(reader.read())
                    .await
                    .map_err(|_| failed(&deadline))?;
                if crate::js::field(&chunk, "done").as_bool() != Some(false) {
                    break;
                }
                let value = js_sys::Uint8Array::new(&crate::js::field(&chunk, "value"));
                if bytes.len() + value.length() as usize > limit {
                    controller.abort();
                    return Err(too_large());
                }
                let start = bytes.len();
                bytes.resize(start + value.length() as usize, 0);
                value.copy_to(&mut bytes[start..]);
            }
        }
        let text = String::from_utf8(bytes).map_err(|_| SyncError::Unreadable {
            detail: "not UTF-8 text".into(),
        })?;
        Ok((response.status(), text))
    }

    /// `method path` whose reply must be a success, read as `T`.
    async fn ask<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, SyncError> {
        let (status, text) = self.send(method, path, body, REPLY_LIMIT).await?;
        read(status, &text)
    }
}

/// Aborts a request when its time is up, and remembers that it did; disarmed when
/// dropped, so a finished request is never aborted later.
struct Deadline {
    scope: WorkerGlobalScope,
    id: Option<i32>,
    fired: Rc<Cell<bool>>,
    // Kept alive until the timer is cleared.
    _on_fire: Closure<dyn FnMut()>,
}

impl Deadline {
    fn arm(scope: &WorkerGlobalScope, controller: &AbortController, seconds: u32) -> Deadline {
        let fired = Rc::new(Cell::new(false));
        let (flag, controller) = (fired.clone(), controller.clone());
        let on_fire = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            controller.abort();
        });
        let ms = i32::try_from(u64::from(seconds) * 1000).unwrap_or(i32::MAX);
        let id = scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                on_fire.as_ref().unchecked_ref(),
                ms,
            )
            .ok();
        Deadline {
            scope: scope.clone(),
            id,
            fired,
            _on_fire: on_fire,
        }
    }

    fn fired(&self) -> bool {
        self.fired.get()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.scope.clear_timeout_with_handle(id);
        }
    }
}

/// A reply of `status` with body `text`, read as `T` when it is a success.
fn read<T: serde::de::DeserializeOwned>(status: u16, text: &str) -> Result<T, SyncError> {
    if !(200..300).contains(&status) {
        return Err(rules::status_error(status, text));
    }
    serde_json::from_str(text).map_err(|e| SyncError::Unreadable {
        detail: e.to_string(),
    })
}

/// Syncs `user_id`'s records with `server`: pulls, then pushes, each in batches of
/// [`BATCH`] committed one by one, so a sync cut anywhere resumes where it stopped.
/// `streaming` is the exchange whose reply is arriving: it is pushed once finished.
pub async fn sync(
    db: &Database,
    server: &Server,
    user_id: &str,
    streaming: Option<&str>,
) -> Result<Moved, SyncFailed> {
    // The database must exist: a mistyped address is a sentence, not a created database.
    server.ask::<Value>("GET", "", None).await?;
    let mut moved = Moved::default();
    pull(db, server, user_id, &mut moved).await?;
    push(db, server, user_id, streaming, &mut moved).await?;
    Ok(moved)
}

/// The checkpoint's `_local` document: one per user of this device (ids are unique
/// across devices).
fn checkpoint_id(user_id: &str) -> String {
    format!("_local/pocket-chat-{}", rules::hash(user_id))
}

async fn pull(
    db: &Database,
    server: &Server,
    user_id: &str,
    moved: &mut Moved,
) -> Result<(), SyncFailed> {
    let checkpoint = checkpoint_id(user_id);
    let (status, text) = server.send("GET", &checkpoint, None, REPLY_LIMIT).await?;
    let remote: Option<Value> = match status {
        404 => None,
        200..=299 => serde_json::from_str(&text).ok(),
        other => return Err(rules::status_error(other, &text).into()),
    };
    let mut checkpoint_rev = remote
        .as_ref()
        .and_then(|d| d.get("_rev"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    // Both sides must agree on where the last sync stopped (a database recreated on the
    // server has no checkpoint); otherwise from the start, which fetches only documents
    // this device lacks.
    let here = local::position(db, user_id).await?;
    let there = remote.as_ref().and_then(|d| d.get("last_seq")).cloned();
    let mut since = match (here, there) {
        (Some(a), Some(b)) if a == b => a,
        _ => Value::from(0),
    };
    for round in 0..MAX_BATCHES {
        let since_text = match &since {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let path = format!(
            "_changes?style=all_docs&limit={BATCH}&since={}",
            js_sys::encode_uri_component(&since_text)
        );
        let changes: Changes = server.ask("GET", &path, None).await?;
        if changes.results.is_empty() {
            if round == 0 {
                // Nothing new: documents waiting here are still tried (a newer version
                // may read them now).
                let applied = local::apply(db, user_id, &[], &since).await?;
                moved.received += applied.records;
                note_waiting(moved, &applied);
            }
            break;
        }
        // A feed that gives changes without moving on would be read forever.
        if changes.last_seq == since {
            return Err(SyncError::NoProgress { since: since_text }.into());
        }
        let ids: Vec<String> = changes.results.iter().map(|c| c.id.clone()).collect();
        let known = local::known(db, user_id, &ids).await?;
        let mut wanted: Vec<(String, String)> = Vec::new();
        for c in &changes.results {
            // Only the revision this device has: nothing to fetch.
            if c.changes.len() == 1 && known.get(&c.id).is_some_and(|s| s.rev == c.changes[0].rev) {
                continue;
            }
            let (revs, trimmed) = rules::leaves_to_read(&c.changes);
            moved.trimmed += usize::from(trimmed);
            wanted.extend(revs.into_iter().map(|r| (c.id.clone(), r.to_owned())));
        }
        let fetched = fetch(server, &wanted).await?;
        let applied = local::apply(db, user_id, &fetched, &changes.last_seq).await?;
        moved.received += applied.records;
        moved.skipped += applied.foreign;
        note_waiting(moved, &applied);
        since = changes.last_seq.clone();
        checkpoint_rev = Some(put_checkpoint(server, &checkpoint, checkpoint_rev, &since).await?);
        if changes.results.len() < BATCH {
            break;
        }
    }
    Ok(())
}

/// What waits on this device after a batch: the line says it after the sync.
fn note_waiting(moved: &mut Moved, applied: &local::Applied) {
    moved.waiting = applied.waiting;
    moved.first_waiting = applied.first_waiting.clone();
    moved.large = applied.large;
}

/// The documents of `wanted` (`(id, rev)`), each id's revisions together: a `_bulk_get`
/// of at most [`BATCH`] at a time, or, when its reply is over [`REPLY_LIMIT`], one
/// document at a time, where one over [`DOC_LIMIT`] is left on the server and named. A
/// revision the server cannot give fails the batch: nothing of it is applied, the
/// checkpoint stays, and the next sync asks again.
async fn fetch(
    server: &Server,
    wanted: &[(String, String)],
) -> Result<Vec<local::Fetched>, SyncError> {
    let mut out: Vec<local::Fetched> = Vec::new();
    let mut add = |id: &str, doc: Option<Value>, rev: &str| {
        let at = match out.iter().position(|f| f.id == id) {
            Some(at) => at,
            None => {
                out.push(local::Fetched::new(id));
                out.len() - 1
            }
        };
        match doc {
            Some(doc) if doc.to_string().len() <= DOC_LIMIT => out[at].docs.push(doc),
            _ => out[at].large.push(rev.to_owned()),
        }
    };
    for chunk in wanted.chunks(BATCH) {
        let docs: Vec<Value> = chunk
            .iter()
            .map(|(id, rev)| json!({"id": id, "rev": rev}))
            .collect();
        let asked = server
            .ask::<BulkGet>(
                "POST",
                "_bulk_get?revs=true",
                Some(&json!({ "docs": docs })),
            )
            .await;
        match asked {
            Ok(got) => {
                for result in got.results {
                    for doc in result.docs {
                        if let Some(reason) = doc.failure() {
                            return Err(SyncError::Fetch {
                                id: result.id,
                                reason,
                            });
                        }
                        let rev = doc
                            .ok
                            .as_ref()
                            .and_then(|d| d.get("_rev"))
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        add(&result.id, doc.ok, &rev);
                    }
                }
            }
            Err(SyncError::TooLarge { .. }) => {
                for (id, rev) in chunk {
                    let path = format!(
                        "{}?revs=true&rev={}",
                        js_sys::encode_uri_component(id),
                        js_sys::encode_uri_component(rev)
                    );
                    match server.send("GET", &path, None, DOC_LIMIT).await {
                        Ok((200..=299, text)) => {
                            let doc: Value =
                                serde_json::from_str(&text).map_err(|e| SyncError::Unreadable {
                                    detail: e.to_string(),
                                })?;
                            add(id, Some(doc), rev);
                        }
                        Ok((status, text)) => {
                            return Err(SyncError::Fetch {
                                id: id.clone(),
                                reason: match rules::status_error(status, &text) {
                                    SyncError::Status { reason, .. } if !reason.is_empty() => {
                                        reason
                                    }
                                    _ => format!("HTTP {status}"),
                                },
                            })
                        }
                        Err(SyncError::TooLarge { .. }) => add(id, None, rev),
                        Err(other) => return Err(other),
                    }
                }
            }
            Err(other) => return Err(other),
        }
    }
    Ok(out)
}

/// Writes the checkpoint `_local` document at `since` over revision `rev`; returns its new
/// revision. Another tab of this user syncing meanwhile moved it on (HTTP 409): it is read
/// again and written over once more.
async fn put_checkpoint(
    server: &Server,
    id: &str,
    mut rev: Option<String>,
    since: &Value,
) -> Result<String, SyncError> {
    #[derive(serde::Deserialize)]
    struct Put {
        rev: String,
    }
    for retry in [true, false] {
        let mut doc = json!({ "last_seq": since });
        if let Some(rev) = &rev {
            doc["_rev"] = Value::from(rev.as_str());
        }
        let (status, text) = server.send("PUT", id, Some(&doc), REPLY_LIMIT).await?;
        if status == 409 && retry {
            let (_, now) = server.send("GET", id, None, REPLY_LIMIT).await?;
            rev = serde_json::from_str::<Value>(&now)
                .ok()
                .and_then(|d| d.get("_rev").and_then(Value::as_str).map(str::to_owned));
            continue;
        }
        return read::<Put>(status, &text).map(|p| p.rev);
    }
    Err(rules::status_error(409, ""))
}

async fn push(
    db: &Database,
    server: &Server,
    user_id: &str,
    streaming: Option<&str>,
    moved: &mut Moved,
) -> Result<(), SyncFailed> {
    let here = local::read_local(db, user_id, streaming).await?;
    let changed: Vec<(String, Vec<Value>, Synced)> = here
        .records
        .iter()
        .filter_map(|(id, bonus, record)| {
            rules::to_push(record, *bonus, here.synced.get(id))
                .map(|(docs, s)| (id.clone(), docs, s))
        })
        .collect();
    let mut refused: Vec<String> = Vec::new();
    for batch in changed.chunks(BATCH) {
        // Revisions the server has already (sent before a cut) are not sent again.
        let mut asked = serde_json::Map::new();
        for (id, docs, _) in batch {
            let revs: Vec<Value> = docs.iter().filter_map(|d| d.get("_rev").cloned()).collect();
            asked.insert(id.clone(), Value::Array(revs));
        }
        let diff: HashMap<String, rules::RevsDiff> = server
            .ask("POST", "_revs_diff", Some(&Value::Object(asked)))
            .await?;
        let mut sending = Vec::new();
        for (id, docs, _) in batch {
            let missing = diff
                .get(id)
                .map(|m| m.missing.as_slice())
                .unwrap_or_default();
            sending.extend(
                docs.iter()
                    .filter(|d| {
                        d.get("_rev")
                            .and_then(Value::as_str)
                            .is_some_and(|r| missing.iter().any(|m| m == r))
                    })
                    .cloned(),
            );
        }
        let mut failed: Vec<String> = Vec::new();
        if !sending.is_empty() {
            let count = sending.len();
            let body = json!({ "new_edits": false, "docs": sending });
            let written: Vec<Written> = server.ask("POST", "_bulk_docs", Some(&body)).await?;
            for w in written.into_iter().filter(|w| w.error.is_some()) {
                let id = w.id.unwrap_or_default();
                refused.push(format!(
                    "{id}: {}",
                    w.reason.or(w.error).unwrap_or_default()
                ));
                failed.push(id);
            }
            moved.sent += count - failed.len();
        }
        let taken: Vec<(String, Synced)> = batch
            .iter()
            .filter(|(id, _, _)| !failed.contains(id))
            .map(|(id, _, s)| (id.clone(), s.clone()))
            .collect();
        local::mark_pushed(db, user_id, &taken).await?;
    }
    match refused.first() {
        Some(first) => Err(SyncError::Refused {
            count: refused.len(),
            first: first.clone(),
        }
        .into()),
        None => Ok(()),
    }
}
