//! The `search` store: the index of what a user said and was told, one key per term of an
//! exchange (its prompt and reply) or of a thread's title: `[user_id, term, id]`, where
//! `id` is the exchange's id, or `#` and the thread's id for a title. It is written in the
//! same transaction as what it indexes, so at every commit it holds the terms of what is
//! stored (history from before schema 5 once the data worker's steps are through); a query
//! checks each hit against its row all the same (see `query`), so no result ever shows
//! what the rows do not say.

use std::collections::HashSet;

use js_sys::Array;
use pocket_chat_core::records::{Message, Thread};
use pocket_chat_core::search::{
    candidates, find, fold, index_terms, lookups, parse, snippet_html, Hit, Lookup,
};
use rexie::{Direction, KeyRange, TransactionMode};
use wasm_bindgen::JsValue;

use super::schema::{MESSAGES, META, SEARCH, THREADS};
use super::{all_from_js, commit_or_abort, finish, Database, StorageError};

/// What an index key of a title starts its id with.
pub const TITLE: char = '#';

/// The text of `message` the index keeps: what was asked and answered (not the reasoning);
/// nothing of a deleted exchange.
pub fn message_text(message: &Message) -> String {
    if message.deleted_at.is_some() {
        return String::new();
    }
    format!("{}\n{}", message.prompt, message.completion)
}

/// The index id of thread `thread_id`'s title.
pub fn title_id(thread_id: &str) -> String {
    format!("{TITLE}{thread_id}")
}

fn key(user_id: &str, term: &str, id: &str) -> JsValue {
    Array::of3(
        &JsValue::from_str(user_id),
        &JsValue::from_str(term),
        &JsValue::from_str(id),
    )
    .into()
}

/// Moves the index of `id` (of `user_id`) from `old` text to `new` in `store` (the
/// `search` store of a readwrite transaction): the terms that left are removed, the new
/// ones added, the rest untouched, so a reply saved once a second costs what changed.
pub async fn reindex(
    store: &rexie::Store,
    user_id: &str,
    id: &str,
    old: &str,
    new: &str,
) -> Result<(), StorageError> {
    let (before, after) = (index_terms(old), index_terms(new));
    let (was, is): (HashSet<&String>, HashSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    for term in before.iter().filter(|t| !is.contains(t)) {
        store.delete(key(user_id, term, id)).await?;
    }
    // Queued together, the last one awaited (a failed one aborts the transaction): a
    // round trip each held a reply's stream ~0.2 ms a new word at its save.
    let added = after.iter().filter(|t| !was.contains(t));
    let mark = JsValue::from(1);
    store
        .put_all(added.map(|t| (mark.clone(), Some(key(user_id, t, id)))))
        .await?;
    Ok(())
}

/// [`reindex`] of a thread's title.
pub async fn reindex_title(
    store: &rexie::Store,
    thread: &Thread,
    old: &str,
) -> Result<(), StorageError> {
    let new = if thread.deleted_at.is_some() {
        ""
    } else {
        &thread.title
    };
    reindex(
        store,
        &thread.user_id,
        &title_id(&thread.thread_id),
        old,
        new,
    )
    .await
}

/// [`reindex`] of an exchange whose row was `old` (`None`: new) and is now `new`.
pub async fn reindex_message(
    store: &rexie::Store,
    old: Option<&Message>,
    new: &Message,
) -> Result<(), StorageError> {
    let before = old.map(message_text).unwrap_or_default();
    reindex(
        store,
        &new.user_id,
        &new.message_id,
        &before,
        &message_text(new),
    )
    .await
}

/// Indexes every title of `threads` and every exchange of `messages`, none of which is in
/// the index yet (the data worker's build, an import).
pub async fn add_rows(
    store: &rexie::Store,
    threads: &[Thread],
    messages: &[Message],
) -> Result<(), StorageError> {
    for thread in threads {
        reindex_title(store, thread, "").await?;
    }
    for message in messages {
        reindex_message(store, None, message).await?;
    }
    Ok(())
}

/// Removes every key of `user_id` (a deleted user) from `store`.
pub async fn forget_user(store: &rexie::Store, user_id: &str) -> Result<(), StorageError> {
    let lower = Array::of1(&JsValue::from_str(user_id));
    let upper = Array::of2(&JsValue::from_str(user_id), &Array::new());
    let range = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
    store.delete(range.into()).await?;
    Ok(())
}

/// The `meta` record of an index still being built for what was stored before schema 5:
/// the id of the last exchange indexed (empty: titles first). Gone once it is built.
pub const PENDING: &str = "search_index";

/// How far building the index is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Exchanges indexed so far.
    pub done: u32,
    /// Exchanges stored.
    pub total: u32,
}

/// Marks the index as to be built (inside `tx`, spanning `meta`): the upgrade to schema 5.
pub async fn mark_pending(tx: &rexie::Transaction) -> Result<(), StorageError> {
    let record = js_sys::Object::new();
    crate::js::set(&record, "key", &JsValue::from_str(PENDING));
    crate::js::set(&record, "after", &JsValue::from_str(""));
    crate::js::set(&record, "done", &JsValue::from(0));
    tx.store(META)?.put(&record, None).await?;
    Ok(())
}

/// Whether the index is still to be built (the page then asks the data worker to).
pub async fn pending(db: &Database) -> Result<bool, StorageError> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let found = tx.store(META)?.get(JsValue::from_str(PENDING)).await?;
    finish(tx).await?;
    Ok(found.is_some())
}

/// Indexes the next `batch` exchanges stored before the index was (every title first),
/// in one transaction, so chat goes on between steps; `None` once the index is built.
pub async fn build_step(db: &Database, batch: u32) -> Result<Option<Progress>, StorageError> {
    let tx = db.transaction(
        &[META, MESSAGES, THREADS, SEARCH],
        TransactionMode::ReadWrite,
    )?;
    let result = async {
        let meta = tx.store(META)?;
        let Some(record) = meta.get(JsValue::from_str(PENDING)).await? else {
            return Ok(None);
        };
        let after = crate::js::field(&record, "after")
            .as_string()
            .unwrap_or_default();
        let done = crate::js::field(&record, "done").as_f64().unwrap_or(0.0) as u32;
        let index = tx.store(SEARCH)?;
        let threads: Vec<Thread> = if after.is_empty() {
            all_from_js(THREADS, tx.store(THREADS)?.get_all(None, None).await?)?
        } else {
            Vec::new()
        };
        let messages = tx.store(MESSAGES)?;
        let range = if after.is_empty() {
            None
        } else {
            let from = JsValue::from_str(&after);
            Some(KeyRange::lower_bound(&from, Some(true)).map_err(rexie::Error::from)?)
        };
        let rows: Vec<Message> =
            all_from_js(MESSAGES, messages.get_all(range, Some(batch)).await?)?;
        add_rows(&index, &threads, &rows).await?;
        let total = messages.count(None).await?;
        let done = done + rows.len() as u32;
        match rows.last() {
            Some(last) if rows.len() as u32 == batch => {
                crate::js::set(&record, "after", &JsValue::from_str(&last.message_id));
                crate::js::set(&record, "done", &JsValue::from(done));
                meta.put(&record, None).await?;
            }
            _ => meta.delete(JsValue::from_str(PENDING)).await?,
        }
        Ok(Some(Progress { done, total }))
    }
    .await;
    commit_or_abort(tx, result).await
}

/// At most this many results a query gives.
pub const MAX_HITS: usize = 40;
/// Index keys read for one term: at most the newest this many exchanges that have it.
const SCAN: u32 = 400;
/// Index keys read for the start of a word (every word it starts).
const PREFIX_SCAN: u32 = 4000;

/// `user_id`'s exchanges and titles that have every part of `query` (as typed so far:
/// `typing` reads its last word as half typed), newest first, at most [`MAX_HITS`], each
/// checked against its row (so a stale key never shows) with its snippet.
pub async fn query(
    db: &Database,
    user_id: &str,
    query: &str,
    typing: bool,
) -> Result<Vec<Hit>, StorageError> {
    let parts = parse(query);
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let tx = db.transaction(&[SEARCH, MESSAGES, THREADS], TransactionMode::ReadOnly)?;
    let result = async {
        let index = tx.store(SEARCH)?;
        // Each lookup's ids, newest first, and how far back that is all of them, the
        // requests of every lookup queued together. The start of a word only when nothing
        // else narrows: every hit is checked against its text anyway.
        let mut wanted = lookups(&parts, typing);
        if wanted.iter().any(|l| !l.prefix) {
            wanted.retain(|l| !l.prefix);
        }
        let sets = futures::future::try_join_all(wanted.iter().map(|l| ids_of(&index, user_id, l)))
            .await?;
        let candidates = candidates(sets);
        let (messages, threads) = (tx.store(MESSAGES)?, tx.store(THREADS)?);
        let mut hits = Vec::new();
        // The threads read so far (`None`: deleted, or another user's).
        let mut seen: Vec<(String, Option<Thread>)> = Vec::new();
        // The rows of the candidates, a batch of requests at a time (queued together, not a
        // round trip each), until enough are hits.
        for batch in candidates.chunks(MAX_HITS) {
            if hits.len() == MAX_HITS {
                break;
            }
            let rows = futures::future::try_join_all(batch.iter().map(|id| {
                let key = id.strip_prefix(TITLE).unwrap_or(id);
                let store = if id.starts_with(TITLE) {
                    &threads
                } else {
                    &messages
                };
                store.get(JsValue::from_str(key))
            }))
            .await?;
            for (id, row) in batch.iter().zip(rows) {
                if hits.len() == MAX_HITS {
                    break;
                }
                let Some(row) = row else { continue };
                if id.starts_with(TITLE) {
                    let thread: Thread = super::from_js(THREADS, row)?;
                    if thread.user_id != user_id || thread.deleted_at.is_some() {
                        continue;
                    }
                    if let Some(found) = find(&parts, &fold(&thread.title)) {
                        hits.push(Hit {
                            thread_id: thread.thread_id.clone(),
                            title: thread.title.clone(),
                            message_id: String::new(),
                            branch: String::new(),
                            depth: 0,
                            at: thread.updated_at,
                            snippet: snippet_html(&thread.title, &found),
                        });
                    }
                    continue;
                }
                let row: Message = super::from_js(MESSAGES, row)?;
                if row.user_id != user_id {
                    continue;
                }
                let text = message_text(&row);
                let Some(found) = find(&parts, &fold(&text)) else {
                    continue;
                };
                let Some(thread) = thread_of(&threads, &mut seen, &row.thread_id, user_id).await?
                else {
                    continue;
                };
                hits.push(Hit {
                    thread_id: row.thread_id,
                    title: thread.title,
                    message_id: row.message_id,
                    branch: row.branch,
                    depth: row.depth,
                    at: row.created_at,
                    snippet: snippet_html(&text, &found),
                });
            }
        }
        Ok(hits)
    }
    .await;
    commit_or_abort(tx, result).await
}

/// Thread `thread_id` if it is `user_id`'s and not deleted, read once per query.
async fn thread_of(
    threads: &rexie::Store,
    seen: &mut Vec<(String, Option<Thread>)>,
    thread_id: &str,
    user_id: &str,
) -> Result<Option<Thread>, StorageError> {
    if let Some((_, t)) = seen.iter().find(|(k, _)| k == thread_id) {
        return Ok(t.clone());
    }
    let t: Option<Thread> = threads
        .get(JsValue::from_str(thread_id))
        .await?
        .map(|v| super::from_js(THREADS, v))
        .transpose()?;
    let t = t.filter(|t| t.deleted_at.is_none() && t.user_id == user_id);
    seen.push((thread_id.to_owned(), t.clone()));
    Ok(t)
}

/// The ids under `lookup`'s keys of `user_id`, newest first, and how far back they are
/// all of them: `None` when they are all (any age), `Some(oldest)` when only those from
/// id `oldest` on were read; `Some("")` when they may be any (a start of words with more
/// keys than read).
async fn ids_of(
    index: &rexie::Store,
    user_id: &str,
    lookup: &Lookup,
) -> Result<(Vec<String>, Option<String>), StorageError> {
    let user = JsValue::from_str(user_id);
    let term = JsValue::from_str(&lookup.term);
    // `[user, term]` sorts before each of its keys; `[user, term, []]` after them (an array
    // after every string); the start of words ends before `term` + U+FFFF.
    let upper = || -> JsValue {
        if lookup.prefix {
            Array::of2(
                &user,
                &JsValue::from_str(&format!("{}\u{FFFF}", lookup.term)),
            )
            .into()
        } else {
            Array::of3(&user, &term, &Array::new()).into()
        }
    };
    let range =
        |lower: &JsValue| KeyRange::bound(lower, &upper(), None, None).map_err(rexie::Error::from);
    let start: JsValue = Array::of2(&user, &term).into();
    let id = |key: &JsValue| Array::from(key).get(2).as_string().unwrap_or_default();
    let ids = |keys: Vec<JsValue>| {
        let mut ids: Vec<String> = keys.iter().map(id).collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        ids
    };
    // One request for the oldest few; most terms have fewer keys than that.
    let limit = if lookup.prefix { PREFIX_SCAN } else { SCAN };
    let keys = index
        .get_all_keys(Some(range(&start)?), Some(limit + 1))
        .await?;
    if keys.len() <= limit as usize {
        return Ok((ids(keys), None));
    }
    if lookup.prefix {
        return Ok((ids(keys), Some(String::new())));
    }
    // More: the newest `SCAN`, from the key `SCAN` before the end (a cursor from the end
    // skips there in one step), in one more request.
    let at = index
        .scan(
            Some(range(&start)?),
            Some(1),
            Some(SCAN - 1),
            Some(Direction::Prev),
        )
        .await?;
    let Some((from, _)) = at.into_iter().next() else {
        return Ok((ids(keys), Some(String::new())));
    };
    let newest = ids(index.get_all_keys(Some(range(&from)?), None).await?);
    let oldest = newest.last().cloned().unwrap_or_default();
    Ok((newest, Some(oldest)))
}

/// Every key of the index, as `(user_id, term, id)`, in key order: what the tests compare
/// with the rows.
pub async fn keys(db: &Database) -> Result<Vec<(String, String, String)>, StorageError> {
    let tx = db.transaction(&[SEARCH], TransactionMode::ReadOnly)?;
    let keys = tx.store(SEARCH)?.get_all_keys(None, None).await?;
    finish(tx).await?;
    let part = |a: &Array, i| a.get(i).as_string().unwrap_or_default();
    Ok(keys
        .iter()
        .map(|k| {
            let a = Array::from(k);
            (part(&a, 0), part(&a, 1), part(&a, 2))
        })
        .collect())
}
