//! The `search` store: the index of what a user said and was told, one key per term of an
//! exchange (its prompt and reply) or of a thread's title: `[user_id, term, id]`, where
//! `id` is the exchange's id, or `#` and the thread's id for a title. It is written in the
//! same transaction as what it indexes, so at every commit it holds the terms of what is
//! stored (history from before schema 5 once the data worker's steps are through); a query
//! checks each hit against its row all the same (see `query`), so no result ever shows
//! what the rows do not say.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use js_sys::Array;
use pocket_chat_core::records::{Message, Thread};
use pocket_chat_core::search::{
    candidates, find, fold, index_terms, lookups, parse, snippet_html, Hit, Lookup, Part, Reach,
    Read,
};
use rexie::{KeyRange, TransactionMode};
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
    let (before, after) = (terms_of(old), index_terms(new));
    let (was, is): (HashSet<&String>, HashSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    for term in before.iter().filter(|t| !is.contains(t)) {
        store.delete(key(user_id, term, id)).await?;
    }
    // Queued together, a batch at a time, the last of each awaited (a failed one aborts
    // the transaction): a round trip each held a reply's stream ~0.2 ms a new word at its
    // save, and thousands queued at once (a long prompt) are one long task of the page.
    let added: Vec<&String> = after.iter().filter(|t| !was.contains(t)).collect();
    let mark = JsValue::from(1);
    for batch in added.chunks(PUT_BATCH) {
        store
            .put_all(
                batch
                    .iter()
                    .map(|t| (mark.clone(), Some(key(user_id, t, id)))),
            )
            .await?;
    }
    LAST.with(|last| *last.borrow_mut() = (new.to_owned(), Rc::new(after)));
    Ok(())
}

/// Index keys queued at a time by [`reindex`]: a few milliseconds of the page's thread.
const PUT_BATCH: usize = 200;

thread_local! {
    /// The text [`reindex`] last moved to, and its terms: a streaming reply is saved once a
    /// second, each time from what the previous save indexed, which then is not tokenized
    /// again.
    static LAST: RefCell<(String, Rc<Vec<String>>)> = RefCell::default();
}

/// `text`'s [`index_terms`], from [`LAST`] when it is that text.
fn terms_of(text: &str) -> Rc<Vec<String>> {
    LAST.with(|last| {
        let last = last.borrow();
        if last.0 == text {
            last.1.clone()
        } else {
            Rc::new(index_terms(text))
        }
    })
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
pub const MAX_HITS: usize = 20;
/// Index keys read at a time for one term: the newest this many exchanges that have it,
/// then the next older as many, while results are too few.
const SCAN: u32 = 200;
/// Index keys read for the start of a word (every word it starts).
const PREFIX_SCAN: u32 = 4000;
/// At most this many reads further back a query makes: terms each in many exchanges but
/// seldom together stop there (with the newest results of what was read).
const MAX_ROUNDS: usize = 25;

/// `user_id`'s exchanges and titles that have every part of `query` (as typed so far:
/// `typing` reads its last word as half typed), newest first, at most [`MAX_HITS`], each
/// checked against its row (so a stale key never shows) with its snippet.
pub async fn query(
    db: &Database,
    user_id: &str,
    query: &str,
    typing: bool,
) -> Result<Vec<Hit>, StorageError> {
    query_reading(db, user_id, query, typing, true).await
}

/// [`query`], reading each term's keys from its newest `backwards` a part at a time where
/// the browser can (IndexedDB 3's `getAllKeys` with a direction), or else whole (as with
/// `false`, which the tests compare it with).
pub async fn query_reading(
    db: &Database,
    user_id: &str,
    query: &str,
    typing: bool,
    backwards: bool,
) -> Result<Vec<Hit>, StorageError> {
    let parts = parse(query);
    // The start of a word only when nothing else narrows: every hit is checked against its
    // text anyway.
    let mut wanted = lookups(&parts, typing);
    if wanted.iter().any(|l| !l.prefix) {
        wanted.retain(|l| !l.prefix);
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let backwards = backwards && reads_backwards();
    // Every lookup's newest keys, their requests queued together.
    let mut reads = futures::future::try_join_all(
        wanted
            .iter()
            .map(|l| read_keys(db, user_id, l, None, backwards)),
    )
    .await?;
    let mut found = Found::default();
    for _ in 0..MAX_ROUNDS {
        let (ids, further) = candidates(&reads);
        let fresh: Vec<String> = ids
            .into_iter()
            .filter(|id| found.checked.insert(id.clone()))
            .collect();
        check(db, user_id, &parts, &fresh, &mut found).await?;
        // Older candidates are older than every hit so far: newest first still.
        let (Some(i), true) = (further, found.hits.len() < MAX_HITS) else {
            break;
        };
        let Reach::Since(from) = reads[i].reach.clone() else {
            break;
        };
        let older = read_keys(db, user_id, &wanted[i], Some(&from), backwards).await?;
        reads[i].ids.extend(older.ids);
        reads[i].reach = older.reach;
    }
    Ok(found.hits)
}

/// What a query found so far.
#[derive(Default)]
struct Found {
    hits: Vec<Hit>,
    /// The ids whose rows were read.
    checked: HashSet<String>,
    /// The threads read (`None`: deleted, or another user's).
    threads: Vec<(String, Option<Thread>)>,
}

/// Reads the rows of `ids` (index ids, newest first), a batch of requests at a time
/// (queued together, not a round trip each), and adds those that have every one of
/// `parts` to `found`'s hits, until there are [`MAX_HITS`].
async fn check(
    db: &Database,
    user_id: &str,
    parts: &[Part],
    ids: &[String],
    found: &mut Found,
) -> Result<(), StorageError> {
    if ids.is_empty() || found.hits.len() >= MAX_HITS {
        return Ok(());
    }
    let tx = db.transaction(&[MESSAGES, THREADS], TransactionMode::ReadOnly)?;
    let result = async {
        let (messages, threads) = (tx.store(MESSAGES)?, tx.store(THREADS)?);
        for batch in ids.chunks(MAX_HITS) {
            if found.hits.len() >= MAX_HITS {
                break;
            }
            let rows = futures::future::try_join_all(batch.iter().map(|id| {
                let (store, key) = match id.strip_prefix(TITLE) {
                    Some(thread_id) => (&threads, thread_id),
                    None => (&messages, id.as_str()),
                };
                store.get(JsValue::from_str(key))
            }))
            .await?;
            for (id, row) in batch.iter().zip(rows) {
                if found.hits.len() >= MAX_HITS {
                    break;
                }
                let Some(row) = row else { continue };
                let hit = if id.starts_with(TITLE) {
                    title_hit(super::from_js(THREADS, row)?, user_id, parts)
                } else {
                    let row: Message = super::from_js(MESSAGES, row)?;
                    match thread_of(&threads, &mut found.threads, &row.thread_id, user_id).await? {
                        Some(thread) => exchange_hit(row, thread, user_id, parts),
                        None => None,
                    }
                };
                found.hits.extend(hit);
            }
        }
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await
}

/// `thread`'s title as a hit, if it is `user_id`'s, not deleted, and has every part.
fn title_hit(thread: Thread, user_id: &str, parts: &[Part]) -> Option<Hit> {
    if thread.user_id != user_id || thread.deleted_at.is_some() {
        return None;
    }
    let found = find(parts, &fold(&thread.title))?;
    Some(Hit {
        snippet: snippet_html(&thread.title, &found),
        thread_id: thread.thread_id,
        title: thread.title,
        message_id: String::new(),
        branch: String::new(),
        depth: 0,
        at: thread.updated_at,
    })
}

/// Exchange `row` of `thread` as a hit, if it is `user_id`'s and has every part.
fn exchange_hit(row: Message, thread: Thread, user_id: &str, parts: &[Part]) -> Option<Hit> {
    if row.user_id != user_id {
        return None;
    }
    let text = message_text(&row);
    let found = find(parts, &fold(&text))?;
    Some(Hit {
        thread_id: row.thread_id,
        title: thread.title,
        message_id: row.message_id,
        branch: row.branch,
        depth: row.depth,
        at: row.created_at,
        snippet: snippet_html(&text, &found),
    })
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

/// How many of a lookup's keys a read takes.
fn limit_of(lookup: &Lookup) -> u32 {
    if lookup.prefix {
        PREFIX_SCAN
    } else {
        SCAN
    }
}

/// The keys of `lookup` of `user_id`, older than id `before` if given.
fn range_of(
    user_id: &str,
    lookup: &Lookup,
    before: Option<&str>,
) -> Result<KeyRange, StorageError> {
    let user = JsValue::from_str(user_id);
    let term = JsValue::from_str(&lookup.term);
    // `[user, term]` sorts before each of its keys; `[user, term, []]` after them (an array
    // after every string); the start of words ends before `term` + U+FFFF.
    let upper: JsValue = match before {
        Some(id) => Array::of3(&user, &term, &JsValue::from_str(id)).into(),
        None if lookup.prefix => {
            let past = format!("{}\u{FFFF}", lookup.term);
            Array::of2(&user, &JsValue::from_str(&past)).into()
        }
        None => Array::of3(&user, &term, &Array::new()).into(),
    };
    let lower: JsValue = Array::of2(&user, &term).into();
    Ok(
        KeyRange::bound(&lower, &upper, None, Some(before.is_some()))
            .map_err(rexie::Error::from)?,
    )
}

/// The ids of `keys` (index keys), newest first, each once.
fn ids(keys: impl Iterator<Item = JsValue>) -> Vec<String> {
    let mut ids: Vec<String> = keys
        .map(|key| Array::from(&key).get(2).as_string().unwrap_or_default())
        .collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    ids
}

/// Whether this browser's `getAllKeys` reads from the end (IndexedDB 3's direction, which
/// came with `getAllRecords`: no other sign of it can be read).
/// A property of the browser, read from the prototype: no transaction per query.
fn reads_backwards() -> bool {
    let get = |of: &JsValue, name: &str| js_sys::Reflect::get(of, &name.into()).ok();
    get(&js_sys::global(), "IDBObjectStore")
        .and_then(|class| get(&class, "prototype"))
        .is_some_and(|p| js_sys::Reflect::has(&p, &"getAllRecords".into()).unwrap_or(false))
}

/// What went wrong with a request of the browser's own API, as a storage error.
fn failed(e: JsValue) -> StorageError {
    use wasm_bindgen::JsCast;
    StorageError::Backend(e.dyn_ref::<js_sys::Error>().map_or_else(
        || "the search index could not be read".into(),
        |e| e.message().into(),
    ))
}

/// `lookup`'s ids of `user_id` (older than id `before`, if given), newest first: with
/// `backwards`, the newest [`SCAN`] in one request of the browser's own `getAllKeys` from
/// the end, else all of them (rexie reads forwards only). The start of words reads its
/// first [`PREFIX_SCAN`] keys either way (their order is the words', not age), and with
/// `backwards` the newest [`SCAN`] of the word as typed so far too.
async fn read_keys(
    db: &Database,
    user_id: &str,
    lookup: &Lookup,
    before: Option<&str>,
    backwards: bool,
) -> Result<Read, StorageError> {
    let range = range_of(user_id, lookup, before)?;
    // Forwards, a term's keys are read whole: its newest come last.
    let limit = if backwards || lookup.prefix {
        limit_of(lookup)
    } else {
        u32::MAX - 1
    };
    let mut newest = Vec::new();
    let keys: Vec<JsValue> = if backwards && lookup.prefix {
        // Its first keys are of the words first in order, the oldest of each first: the
        // newest of the word as typed so far come along (a word typed whole shows them).
        let word = Lookup {
            term: lookup.term.clone(),
            prefix: false,
        };
        let (first, last) = futures::future::try_join(
            keys_from_end(db, range, limit + 1, "next"),
            keys_from_end(db, range_of(user_id, &word, None)?, SCAN, "prev"),
        )
        .await?;
        newest = last;
        first
    } else if backwards {
        keys_from_end(db, range, limit + 1, "prev").await?
    } else {
        let tx = db.transaction(&[SEARCH], TransactionMode::ReadOnly)?;
        let most = lookup.prefix.then_some(limit + 1);
        let keys = tx.store(SEARCH)?.get_all_keys(Some(range), most).await;
        finish(tx).await?;
        keys?
    };
    // One more than the limit asked for: whether there are more.
    let whole = keys.len() <= limit as usize;
    let ids = ids(keys.into_iter().take(limit as usize).chain(newest));
    let reach = match ids.last() {
        Some(oldest) if !whole && !lookup.prefix => Reach::Since(oldest.clone()),
        _ if !whole => Reach::Part,
        _ => Reach::All,
    };
    Ok(Read { ids, reach })
}

/// At most `count` keys of `range` in `SEARCH`, read from its start (`direction`
/// `"next"`) or its end (`"prev"`) in one request of the browser's own `getAllKeys`.
async fn keys_from_end(
    db: &Database,
    range: KeyRange,
    count: u32,
    direction: &str,
) -> Result<Vec<JsValue>, StorageError> {
    use wasm_bindgen::JsCast;
    let tx = db.raw()?.transaction_with_str(SEARCH).map_err(failed)?;
    let store = tx.object_store(SEARCH).map_err(failed)?;
    let get_all_keys: js_sys::Function = js_sys::Reflect::get(&store, &"getAllKeys".into())
        .map_err(failed)?
        .unchecked_into();
    let options = js_sys::Object::new();
    crate::js::set(&options, "query", &range.into());
    crate::js::set(&options, "count", &count.into());
    crate::js::set(&options, "direction", &direction.into());
    let request: web_sys::IdbRequest = get_all_keys
        .call1(&store, &options)
        .map_err(failed)?
        .unchecked_into();
    Ok(Array::from(&settled(&request).await.map_err(failed)?)
        .iter()
        .collect())
}

/// What `request` gives once it succeeds, or its error.
async fn settled(request: &web_sys::IdbRequest) -> Result<JsValue, JsValue> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    // The handlers live until the request settles, then are taken off it.
    let mut handlers: Vec<Closure<dyn FnMut(web_sys::Event)>> = Vec::new();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let on_success = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::NULL));
        });
        let failed = request.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let why = failed
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::NULL, JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &why);
        });
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        handlers.extend([on_success, on_error]);
    });
    let result = wasm_bindgen_futures::JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    result
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
