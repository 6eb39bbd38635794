//! Sync's side of IndexedDB: a user's records as sync documents, what this device knows
//! of each document on the server (rows of the `meta` store, keyed `sync/{user}/d/{id}`),
//! and a pulled batch applied in one transaction that also recomputes the balance.

use std::collections::HashMap;

use pocket_chat_core::markdown;
use pocket_chat_core::records::{Branch, Message, Millis, Missing, Payment, Thread, User};
use pocket_chat_core::sync::check::{held, Here};
use pocket_chat_core::sync::{
    bonus_id, is_erased, ledger_delta, looks_ours, resolve, to_push, Leaf, Moved, Record, Settled,
    Synced,
};
use rexie::{KeyRange, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{BRANCHES, MESSAGES, META, PAYMENTS, SEARCH, THREADS, USERS};
use super::{all_from_js, commit_or_abort, from_js, get_required, only, search, to_js};
use super::{Database, StorageError};

/// A `meta` row: what this device knows of one document.
#[derive(Serialize, Deserialize)]
struct Row {
    key: String,
    #[serde(flatten)]
    synced: Synced,
}

/// The `meta` row of a user's sync position: the server's `_changes` sequence pulled to.
#[derive(Serialize, Deserialize)]
struct Position {
    key: String,
    last_seq: serde_json::Value,
}

fn doc_key(user_id: &str, doc_id: &str) -> String {
    format!("sync/{user_id}/d/{doc_id}")
}

fn position_key(user_id: &str) -> String {
    format!("sync/{user_id}/position")
}

/// Every `meta` key of `user_id`'s sync under `within` (`d/`: the documents; empty: all).
fn rows_of(user_id: &str, within: &str) -> Result<KeyRange, StorageError> {
    let lower = JsValue::from_str(&format!("sync/{user_id}/{within}"));
    let upper = JsValue::from_str(&format!("sync/{user_id}/{within}\u{ffff}"));
    Ok(KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?)
}

/// A user's records as sync documents, and what this device knows of each.
pub struct Local {
    /// `(doc id, is the sign-up bonus, record)`.
    pub records: Vec<(String, bool, Record)>,
    pub synced: HashMap<String, Synced>,
}

/// Reads `user_id`'s records and sync rows in one read-only transaction (a consistent
/// snapshot). `streaming` is the exchange whose reply is arriving now: it syncs finished.
pub async fn read_local(
    db: &Database,
    user_id: &str,
    streaming: Option<&str>,
) -> Result<Local, StorageError> {
    let tx = db.transaction(
        &[USERS, PAYMENTS, THREADS, BRANCHES, MESSAGES, META],
        TransactionMode::ReadOnly,
    )?;
    let result = async {
        let key = JsValue::from_str(user_id);
        let user: User = get_required(&tx.store(USERS)?, USERS, key.clone(), Missing::User).await?;
        let by_user = |store: &'static str| {
            let tx = &tx;
            let key = key.clone();
            async move {
                let index = tx.store(store)?.index("user_id")?;
                Ok::<_, StorageError>(index.get_all(Some(only(&key)?), None).await?)
            }
        };
        let mut records = Vec::new();
        let payments: Vec<Payment> = all_from_js(PAYMENTS, by_user(PAYMENTS).await?)?;
        let bonus = bonus_id(&payments, &user).map(str::to_owned);
        for p in payments {
            let is_bonus = bonus.as_deref() == Some(p.payment_id.as_str());
            records.push(entry(Record::Payment(p), is_bonus));
        }
        let threads = tx.store(THREADS)?.index("user_thread")?;
        let threads = threads
            .get_all(Some(super::starting_with(user_id)?), None)
            .await?;
        for t in all_from_js::<Thread>(THREADS, threads)? {
            records.push(entry(Record::Thread(t), false));
        }
        for b in all_from_js(BRANCHES, by_user(BRANCHES).await?)? {
            records.push(entry(Record::Branch(b), false));
        }
        for m in all_from_js::<Message>(MESSAGES, by_user(MESSAGES).await?)? {
            if Some(m.message_id.as_str()) != streaming {
                records.push(entry(Record::Message(m), false));
            }
        }
        records.push(entry(Record::Profile(user), false));
        let rows = tx
            .store(META)?
            .get_all(Some(rows_of(user_id, "d/")?), None)
            .await?;
        let prefix = doc_key(user_id, "");
        let synced = all_from_js::<Row>(META, rows)?
            .into_iter()
            .filter_map(|r| Some((r.key.strip_prefix(&prefix)?.to_owned(), r.synced)))
            .collect();
        Ok(Local { records, synced })
    }
    .await;
    commit_or_abort(tx, result).await
}

/// A record with its document id, and whether it is the sign-up bonus.
fn entry(record: Record, bonus: bool) -> (String, bool, Record) {
    (record.doc_id(bonus), bonus, record)
}

/// Records that the server took these documents at these revisions.
pub async fn mark_pushed(
    db: &Database,
    user_id: &str,
    pushed: &[(String, Synced)],
) -> Result<(), StorageError> {
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let result = async {
        let meta = tx.store(META)?;
        for (doc_id, synced) in pushed {
            let row = Row {
                key: doc_key(user_id, doc_id),
                synced: synced.clone(),
            };
            meta.put(&to_js(META, &row)?, None).await?;
        }
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await
}

/// What this device knows of each of `doc_ids`: its row, or for a record never pushed
/// from here, the revision its first push makes, so a push whose reply was lost (the
/// server has it) is not fetched back.
pub async fn known(
    db: &Database,
    user_id: &str,
    doc_ids: &[String],
) -> Result<HashMap<String, Synced>, StorageError> {
    let tx = db.transaction(
        &[USERS, PAYMENTS, THREADS, BRANCHES, MESSAGES, META],
        TransactionMode::ReadOnly,
    )?;
    let result = async {
        let meta = tx.store(META)?;
        let user: User = get_required(
            &tx.store(USERS)?,
            USERS,
            JsValue::from_str(user_id),
            Missing::User,
        )
        .await?;
        let mut known = HashMap::new();
        for id in doc_ids {
            if let Some(v) = meta.get(JsValue::from_str(&doc_key(user_id, id))).await? {
                known.insert(id.clone(), from_js::<Row>(META, v)?.synced);
            } else if let Some(Some(record)) = local_record(&tx, id, &user).await? {
                let bonus = id == pocket_chat_core::sync::BONUS_DOC;
                if let Some((_, first)) = to_push(&record, bonus, None) {
                    known.insert(id.clone(), first);
                }
            }
        }
        Ok(known)
    }
    .await;
    commit_or_abort(tx, result).await
}

/// The `meta` row of a user's last sync: when, and what it moved.
#[derive(Serialize, Deserialize)]
struct Last {
    key: String,
    at: Millis,
    #[serde(flatten)]
    moved: Moved,
}

fn last_key(user_id: &str) -> String {
    format!("sync/{user_id}/last")
}

/// Records that `user_id`'s sync finished at `at`, having moved `moved`.
pub async fn record_last(
    db: &Database,
    user_id: &str,
    at: Millis,
    moved: Moved,
) -> Result<(), StorageError> {
    let row = Last {
        key: last_key(user_id),
        at,
        moved,
    };
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let result = async {
        Ok(tx
            .store(META)?
            .put(&to_js(META, &row)?, None)
            .await
            .map(|_| ())?)
    }
    .await;
    commit_or_abort(tx, result).await
}

/// When `user_id` last synced and what it moved; `None`: never.
pub async fn last(db: &Database, user_id: &str) -> Result<Option<(Millis, Moved)>, StorageError> {
    let row: Option<Last> = meta_row(db, &last_key(user_id)).await?;
    Ok(row.map(|r| (r.at, r.moved)))
}

/// The `_changes` sequence `user_id` pulled to (`None`: never synced).
pub async fn position(
    db: &Database,
    user_id: &str,
) -> Result<Option<serde_json::Value>, StorageError> {
    let row: Option<Position> = meta_row(db, &position_key(user_id)).await?;
    Ok(row.map(|r| r.last_seq))
}

/// The `meta` row under `key`, read as `T`; `None`: there is none.
async fn meta_row<T: serde::de::DeserializeOwned>(
    db: &Database,
    key: &str,
) -> Result<Option<T>, StorageError> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let result = async {
        match tx.store(META)?.get(JsValue::from_str(key)).await? {
            Some(v) => Ok(Some(from_js(META, v)?)),
            None => Ok(None),
        }
    }
    .await;
    commit_or_abort(tx, result).await
}

/// One pulled document: its revisions as the server gave them, and those left on the
/// server for being over [`pocket_chat_core::sync::DOC_LIMIT`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    pub id: String,
    pub docs: Vec<serde_json::Value>,
    pub large: Vec<String>,
}

impl Fetched {
    pub fn new(id: &str) -> Fetched {
        Fetched {
            id: id.to_owned(),
            ..Fetched::default()
        }
    }
}

/// A `meta` row of a pulled document that waits on this device (`sync/{user}/w/{id}`):
/// this version cannot read it, or it refers to records not here yet, or it is too large
/// to fetch. Kept, never dropped, and tried again with every batch.
#[derive(Serialize, Deserialize)]
struct Waiting {
    key: String,
    /// The revisions as the server gave them, as JSON text; empty for one too large.
    docs: String,
    /// The revisions left on the server for their size.
    #[serde(default)]
    large: Vec<String>,
}

fn wait_key(user_id: &str, doc_id: &str) -> String {
    format!("sync/{user_id}/w/{doc_id}")
}

/// What a pulled batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Documents whose record here changed.
    pub records: usize,
    /// Documents left out: not pocket-chat's, or they name a record of another user of
    /// this browser.
    pub foreign: usize,
    /// Documents waiting on this device after the batch to be read or to fit, and the
    /// first of them.
    pub waiting: usize,
    pub first_waiting: String,
    /// Documents left on the server for their size.
    pub large: usize,
}

/// A document of the batch, read.
enum Read {
    /// Its server revisions.
    Leaves(Vec<Leaf>),
    /// This version cannot read it, but it is pocket-chat's: it waits.
    Unreadable,
    /// Too large to fetch: it waits, named.
    Large,
    /// Not pocket-chat's: left out.
    Foreign,
}

fn read_doc(fetched: &Fetched, user_id: &str) -> Read {
    if !fetched.large.is_empty() {
        return Read::Large;
    }
    let leaves: Result<Vec<Leaf>, _> = fetched
        .docs
        .iter()
        .map(|doc| Leaf::from_doc(doc, user_id))
        .collect();
    match leaves {
        Ok(leaves) if !leaves.is_empty() => Read::Leaves(leaves),
        _ if fetched.docs.iter().any(looks_ours) => Read::Unreadable,
        _ => Read::Foreign,
    }
}

/// Applies one pulled batch — each document's server revisions, settled with the record
/// here by [`resolve`] — together with the documents that waited here, and moves
/// `user_id`'s position to `last_seq`, all in one transaction that also moves the balance
/// by the ledger rows it wrote: after every batch the balance is what the ledger rows add
/// up to, and a batch cut short changes nothing. A record that does not fit with what is
/// here ([`held`]), or that this version cannot read, is kept to wait, not dropped, so
/// the position never moves past a document that was not kept.
pub async fn apply(
    db: &Database,
    user_id: &str,
    batch: &[Fetched],
    last_seq: &serde_json::Value,
) -> Result<Applied, StorageError> {
    let tx = db.transaction(
        &[USERS, PAYMENTS, THREADS, BRANCHES, MESSAGES, SEARCH, META],
        TransactionMode::ReadWrite,
    )?;
    let result = async {
        let meta = tx.store(META)?;
        let users = tx.store(USERS)?;
        let index = tx.store(SEARCH)?;
        let mut user: User =
            get_required(&users, USERS, JsValue::from_str(user_id), Missing::User).await?;
        let mut applied = Applied::default();
        // The documents that waited, unless the batch brings them anew.
        let mut docs: Vec<Fetched> = batch.to_vec();
        let waited = meta.get_all(Some(rows_of(user_id, "w/")?), None).await?;
        let prefix = wait_key(user_id, "");
        for row in all_from_js::<Waiting>(META, waited)? {
            let Some(id) = row.key.strip_prefix(&prefix) else {
                continue;
            };
            if docs.iter().any(|f| f.id == id) {
                continue;
            }
            let mut fetched = Fetched::new(id);
            fetched.large = row.large;
            fetched.docs = serde_json::from_str(&row.docs).unwrap_or_default();
            docs.push(fetched);
        }
        // Settled, then checked together against what is here.
        let mut settled: Vec<(String, Option<Record>, Record, Synced)> = Vec::new();
        let mut waits: Vec<&Fetched> = Vec::new();
        for fetched in &docs {
            let doc_id = fetched.id.as_str();
            let leaves = match read_doc(fetched, user_id) {
                Read::Leaves(leaves) => leaves,
                Read::Unreadable | Read::Large => {
                    waits.push(fetched);
                    continue;
                }
                Read::Foreign => {
                    applied.foreign += 1;
                    meta.delete(JsValue::from_str(&wait_key(user_id, doc_id)))
                        .await?;
                    continue;
                }
            };
            let key = doc_key(user_id, doc_id);
            let synced = match meta.get(JsValue::from_str(&key)).await? {
                Some(v) => Some(from_js::<Row>(META, v)?.synced),
                None => None,
            };
            let Some(here) = local_record(&tx, doc_id, &user).await? else {
                applied.foreign += 1;
                meta.delete(JsValue::from_str(&wait_key(user_id, doc_id)))
                    .await?;
                continue;
            };
            match resolve(here.as_ref().map(|r| (r, synced.as_ref())), &leaves) {
                Settled::Apply { record, synced } => {
                    settled.push((doc_id.to_owned(), here, record, synced))
                }
                Settled::Keep => {
                    meta.delete(JsValue::from_str(&wait_key(user_id, doc_id)))
                        .await?;
                }
            }
        }
        let records: Vec<Record> = settled.iter().map(|(_, _, r, _)| r.clone()).collect();
        let here = referred(&tx, user_id, &records).await?;
        let holds = held(&records, &here);
        // Threads before their branches and exchanges, so an exchange arriving with its
        // thread deleted is erased.
        let mut order: Vec<usize> = (0..settled.len()).collect();
        order.sort_by_key(|&i| rank(&settled[i].2));
        let mut balance_delta: i128 = 0;
        for i in order {
            let (doc_id, here, record, synced) = &settled[i];
            if holds[i].is_some() {
                let fetched = docs.iter().find(|f| &f.id == doc_id);
                if let Some(fetched) = fetched {
                    waits.push(fetched);
                }
                continue;
            }
            // Compared as documents: a reply's HTML or the balance is no change.
            if here.as_ref().map(Record::hash) != Some(record.hash()) {
                balance_delta += ledger_delta(here.as_ref(), record);
                write(&tx, &index, &mut user, here.as_ref(), record.clone()).await?;
                applied.records += 1;
            }
            let row = Row {
                key: doc_key(user_id, doc_id),
                synced: synced.clone(),
            };
            meta.put(&to_js(META, &row)?, None).await?;
            meta.delete(JsValue::from_str(&wait_key(user_id, doc_id)))
                .await?;
        }
        for fetched in waits {
            let docs = serde_json::Value::Array(fetched.docs.clone()).to_string();
            let row = Waiting {
                key: wait_key(user_id, &fetched.id),
                docs,
                large: fetched.large.clone(),
            };
            meta.put(&to_js(META, &row)?, None).await?;
        }
        // What waits now, for the line.
        let waiting = meta.get_all(Some(rows_of(user_id, "w/")?), None).await?;
        let waiting = all_from_js::<Waiting>(META, waiting)?;
        let (large, unread): (Vec<Waiting>, Vec<Waiting>) =
            waiting.into_iter().partition(|w| !w.large.is_empty());
        applied.waiting = unread.len();
        applied.large = large.len();
        applied.first_waiting = unread
            .first()
            .and_then(|w| w.key.strip_prefix(&prefix))
            .unwrap_or_default()
            .to_owned();
        // The balance is the ledger's, here and on every other device: what it was (it
        // matched the ledger) moved by the ledger rows this batch wrote.
        let balance = i128::from(user.num_token) + balance_delta;
        user.num_token =
            i64::try_from(balance).unwrap_or(if balance < 0 { i64::MIN } else { i64::MAX });
        users.put(&to_js(USERS, &user)?, None).await?;
        let position = Position {
            key: position_key(user_id),
            last_seq: last_seq.clone(),
        };
        meta.put(&to_js(META, &position)?, None).await?;
        Ok(applied)
    }
    .await;
    let applied = commit_or_abort(tx, result).await?;
    if applied.records > 0 {
        announce(&Change::User {
            user_id: user_id.to_owned(),
        });
    }
    Ok(applied)
}

/// The order a batch is written in: what others refer to first.
fn rank(record: &Record) -> u8 {
    match record {
        Record::Profile(_) => 0,
        Record::Payment(_) => 1,
        Record::Thread(_) => 2,
        Record::Branch(_) => 3,
        Record::Message(_) => 4,
    }
}

/// The threads and branches of `user_id` stored here that `records` refer to.
async fn referred(
    tx: &rexie::Transaction,
    user_id: &str,
    records: &[Record],
) -> Result<Here, StorageError> {
    let mut here = Here::default();
    let (mut thread_ids, mut branch_ids): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for record in records {
        match record {
            Record::Thread(t) => branch_ids.extend(t.path.iter().map(String::as_str)),
            Record::Branch(b) => {
                thread_ids.push(&b.thread_id);
                branch_ids.extend(b.from.as_deref());
            }
            Record::Message(m) => {
                thread_ids.push(&m.thread_id);
                branch_ids.push(&m.branch);
            }
            Record::Profile(_) | Record::Payment(_) => {}
        }
    }
    here.threads = owned(tx, THREADS, &thread_ids, user_id, |t: &Thread| &t.user_id).await?;
    here.branches = owned(tx, BRANCHES, &branch_ids, user_id, |b: &Branch| &b.user_id).await?;
    Ok(here)
}

/// The records of `store` under `ids` that are `user_id`'s, by id.
async fn owned<T: serde::de::DeserializeOwned>(
    tx: &rexie::Transaction,
    store: &'static str,
    ids: &[&str],
    user_id: &str,
    owner: impl Fn(&T) -> &String,
) -> Result<HashMap<String, T>, StorageError> {
    let rows = tx.store(store)?;
    let mut out = HashMap::new();
    for &id in ids {
        if out.contains_key(id) {
            continue;
        }
        if let Some(v) = rows.get(JsValue::from_str(id)).await? {
            let record: T = from_js(store, v)?;
            if owner(&record) == user_id {
                out.insert(id.to_owned(), record);
            }
        }
    }
    Ok(out)
}

/// This device's record of `doc_id`: `Some(None)` when there is none yet, `None` when the
/// id is another user's record here (never overwritten).
async fn local_record(
    tx: &rexie::Transaction,
    doc_id: &str,
    user: &User,
) -> Result<Option<Option<Record>>, StorageError> {
    if doc_id == pocket_chat_core::sync::PROFILE_DOC {
        return Ok(Some(Some(Record::Profile(user.clone()))));
    }
    if doc_id == pocket_chat_core::sync::BONUS_DOC {
        let key = JsValue::from_str(&user.user_id);
        let rows = tx
            .store(PAYMENTS)?
            .index("user_id")?
            .get_all(Some(only(&key)?), None)
            .await?;
        let payments: Vec<Payment> = all_from_js(PAYMENTS, rows)?;
        let bonus = bonus_id(&payments, user).map(str::to_owned);
        let bonus = payments
            .into_iter()
            .find(|p| bonus.as_deref() == Some(p.payment_id.as_str()));
        return Ok(Some(bonus.map(Record::Payment)));
    }
    let Some((kind, id)) = doc_id.split_once(':') else {
        return Ok(None);
    };
    let store = match kind {
        "payment" => PAYMENTS,
        "thread" => THREADS,
        "branch" => BRANCHES,
        "message" => MESSAGES,
        _ => return Ok(None),
    };
    let Some(value) = tx.store(store)?.get(JsValue::from_str(id)).await? else {
        return Ok(Some(None));
    };
    let record = match store {
        PAYMENTS => Record::Payment(from_js(store, value)?),
        THREADS => Record::Thread(from_js(store, value)?),
        BRANCHES => Record::Branch(from_js(store, value)?),
        _ => Record::Message(from_js(store, value)?),
    };
    let owner = match &record {
        Record::Payment(r) => &r.user_id,
        Record::Thread(r) => &r.user_id,
        Record::Branch(r) => &r.user_id,
        Record::Message(r) => &r.user_id,
        Record::Profile(r) => &r.user_id,
    };
    Ok((owner == &user.user_id).then_some(Some(record)))
}

/// Stores a settled record over `old`, keeping the search index and a reply's HTML with
/// it; a thread deleted elsewhere erases its exchanges here too.
async fn write(
    tx: &rexie::Transaction,
    index: &rexie::Store,
    user: &mut User,
    old: Option<&Record>,
    record: Record,
) -> Result<(), StorageError> {
    match record {
        Record::Profile(mut p) => {
            // The balance is recomputed at the end of the batch; the id is this device's.
            p.num_token = user.num_token;
            *user = p;
        }
        Record::Payment(p) => {
            let payments = tx.store(PAYMENTS)?;
            // Another device's bonus replaces this one's: the user has one.
            if let Some(Record::Payment(mine)) = old {
                if mine.payment_id != p.payment_id {
                    payments.delete(JsValue::from_str(&mine.payment_id)).await?;
                }
            }
            payments.put(&to_js(PAYMENTS, &p)?, None).await?;
        }
        Record::Thread(t) => {
            let old_title = match old {
                Some(Record::Thread(o)) if o.deleted_at.is_none() => o.title.clone(),
                _ => String::new(),
            };
            search::reindex_title(index, &t, &old_title).await?;
            tx.store(THREADS)?.put(&to_js(THREADS, &t)?, None).await?;
            if t.deleted_at.is_some() {
                super::threads::erase_messages(tx, index, &t.thread_id).await?;
            }
        }
        Record::Branch(b) => {
            tx.store(BRANCHES)?.put(&to_js(BRANCHES, &b)?, None).await?;
        }
        Record::Message(mut m) => {
            let old = match old {
                Some(Record::Message(o)) => Some(o),
                _ => None,
            };
            // Its thread deleted here first: what arrives stays erased.
            let thread = tx
                .store(THREADS)?
                .get(JsValue::from_str(&m.thread_id))
                .await?;
            if let Some(t) = thread {
                if from_js::<Thread>(THREADS, t)?.deleted_at.is_some() {
                    m.erase_text();
                }
            }
            m.html = match old {
                Some(o) if o.completion == m.completion => o.html.clone(),
                _ if is_erased(&m) => String::new(),
                _ => markdown::render_stored(&m.completion),
            };
            search::reindex_message(index, old, &m).await?;
            tx.store(MESSAGES)?.put(&to_js(MESSAGES, &m)?, None).await?;
        }
    }
    Ok(())
}

/// Forgets what this device knew of every user's sync (all sync rows in `meta`).
pub async fn forget_all(tx: &rexie::Transaction) -> Result<(), StorageError> {
    let lower = JsValue::from_str("sync/");
    let upper = JsValue::from_str("sync/\u{ffff}");
    let all = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
    tx.store(META)?.delete(all.into()).await?;
    Ok(())
}

/// Forgets what this device knew of `user_id`'s sync (their rows in `meta`).
pub async fn forget(tx: &rexie::Transaction, user_id: &str) -> Result<(), StorageError> {
    tx.store(META)?.delete(rows_of(user_id, "")?.into()).await?;
    Ok(())
}
