//! The CouchDB replication protocol, spoken by the data worker over `fetch`: pull what
//! changed on the server since this device's checkpoint (`_changes`, `_bulk_get`), then
//! push what changed here (`_revs_diff`, `_bulk_docs` with revisions). Any CouchDB
//! replication peer — CouchDB, Cloudant, PouchDB — reads and writes the same documents.
//! Only the data worker links this, so users who never sync never download it.

use std::collections::HashMap;

use pocket_chat_core::sync::{
    self as rules, BulkGet, Changes, Leaf, Missing, Moved, SyncError, Synced, Written, BATCH,
};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Headers, ReferrerPolicy, RequestCredentials, RequestInit, Response, WorkerGlobalScope,
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
}

impl Server {
    pub fn new(url: &str, user: &str, password: &str) -> Result<Server, SyncError> {
        Ok(Server {
            url: rules::database_url(url)?,
            auth: (!user.is_empty()).then(|| rules::basic_auth(user, password)),
        })
    }

    /// `method path` with a JSON `body`: the status and the reply's text.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), SyncError> {
        let unreachable = || {
            let online =
                crate::js::field(&crate::js::field(&js_sys::global(), "navigator"), "onLine");
            SyncError::Unreachable {
                offline: online.as_bool() == Some(false),
            }
        };
        let init = RequestInit::new();
        init.set_method(method);
        // Basic auth only: no cookies of the app's origin, no referrer.
        init.set_credentials(RequestCredentials::Omit);
        init.set_referrer_policy(ReferrerPolicy::NoReferrer);
        let headers = Headers::new().map_err(|_| unreachable())?;
        headers
            .set("Accept", "application/json")
            .map_err(|_| unreachable())?;
        if let Some(auth) = &self.auth {
            headers
                .set("Authorization", auth)
                .map_err(|_| unreachable())?;
        }
        if let Some(body) = body {
            headers
                .set("Content-Type", "application/json")
                .map_err(|_| unreachable())?;
            init.set_body(&body.to_string().into());
        }
        init.set_headers(&headers);
        let url = if path.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{path}", self.url)
        };
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let response: Response = JsFuture::from(scope.fetch_with_str_and_init(&url, &init))
            .await
            .map_err(|_| unreachable())?
            .unchecked_into();
        let text = response.text().map_err(|_| unreachable())?;
        let text = JsFuture::from(text).await.map_err(|_| unreachable())?;
        Ok((response.status(), text.as_string().unwrap_or_default()))
    }

    /// `method path` whose reply must be a success, read as `T`.
    async fn ask<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, SyncError> {
        let (status, text) = self.send(method, path, body).await?;
        read(status, &text)
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
    let (status, text) = server.send("GET", &checkpoint, None).await?;
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
    loop {
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
            break;
        }
        let ids: Vec<String> = changes.results.iter().map(|c| c.id.clone()).collect();
        let known = local::known(db, user_id, &ids).await?;
        let wanted: Vec<Value> = changes
            .results
            .iter()
            .filter(|c| {
                // Only the revision this device has: nothing to fetch.
                !(c.changes.len() == 1
                    && known.get(&c.id).is_some_and(|s| s.rev == c.changes[0].rev))
            })
            .flat_map(|c| c.changes.iter().map(|r| json!({"id": c.id, "rev": r.rev})))
            .collect();
        let mut pulled: Vec<(String, Vec<Leaf>)> = Vec::new();
        if !wanted.is_empty() {
            let got: BulkGet = server
                .ask(
                    "POST",
                    "_bulk_get?revs=true",
                    Some(&json!({ "docs": wanted })),
                )
                .await?;
            for result in got.results {
                let leaves: Result<Vec<Leaf>, _> = result
                    .docs
                    .iter()
                    .filter_map(|d| d.ok.as_ref())
                    .map(|doc| Leaf::from_doc(doc, user_id))
                    .collect();
                match leaves {
                    Ok(leaves) if !leaves.is_empty() => pulled.push((result.id, leaves)),
                    // Not a pocket-chat record: left out, and the sync carries on.
                    _ => moved.skipped += 1,
                }
            }
        }
        let applied = local::apply(db, user_id, &pulled, &changes.last_seq).await?;
        moved.received += applied.records;
        moved.skipped += applied.foreign;
        since = changes.last_seq.clone();
        checkpoint_rev = Some(put_checkpoint(server, &checkpoint, checkpoint_rev, &since).await?);
        if changes.results.len() < BATCH {
            break;
        }
    }
    Ok(())
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
        let (status, text) = server.send("PUT", id, Some(&doc)).await?;
        if status == 409 && retry {
            let (_, now) = server.send("GET", id, None).await?;
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
        let diff: HashMap<String, Missing> = server
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
