//! The `messages` store: exchanges (prompt + completion) and their debits. Recording an
//! exchange inserts the message and debits the balance in ONE readwrite transaction, so a
//! crash or a second tab can never lose or double a debit.

use pocket_chat_core::ledger::{self, Debit};
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::{Message, Millis, Missing, Thread, User};
use rexie::{Direction, TransactionMode};
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{MESSAGES, THREADS, USERS};
use super::{
    all_from_js, commit_or_abort, finish, from_js, get_required, key_to_id, only, to_js, Database,
    StorageError,
};

/// What recording an exchange gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub message_id: u64,
    /// The user's balance after the debit.
    pub balance: i64,
}

/// Stores `message` and debits its `total` from its user, and marks its thread active,
/// all in one transaction. `message.message_id` is normally `None` (the store assigns
/// it); an id that is already taken fails the whole transaction and writes nothing.
pub async fn record_exchange(
    db: &Database,
    message: &Message,
    now: Millis,
) -> Result<Recorded, StorageError> {
    let tx = db.transaction(&[USERS, THREADS, MESSAGES], TransactionMode::ReadWrite)?;
    let result = async {
        let users = tx.store(USERS)?;
        let mut user: User = get_required(
            &users,
            USERS,
            JsValue::from_str(&message.user_id),
            Missing::User,
        )
        .await?;
        let threads = tx.store(THREADS)?;
        let mut thread: Thread = match threads
            .get(JsValue::from_f64(message.thread_id as f64))
            .await?
        {
            Some(v) => from_js(THREADS, v)?,
            None => return Err(StorageError::NotFound(Missing::Thread)),
        };
        if thread.user_id != user.user_id {
            return Err(StorageError::NotFound(Missing::ForeignThread));
        }
        // Read-modify-write of the balance inside the transaction: IndexedDB runs
        // overlapping readwrite transactions one after another, across tabs too.
        user.num_token = ledger::debit(
            user.num_token,
            Debit {
                total: message.total,
                kind: message.debit_kind,
            },
        );
        user.updated_at = now;
        users.put(&to_js(USERS, &user)?, None).await?;
        let key = tx
            .store(MESSAGES)?
            .add(&to_js(MESSAGES, message)?, None)
            .await?;
        thread.updated_at = now;
        threads.put(&to_js(THREADS, &thread)?, None).await?;
        Ok(Recorded {
            message_id: key_to_id(MESSAGES, &key)?,
            balance: user.num_token,
        })
    }
    .await;
    commit_and_announce(tx, result, &message.user_id).await
}

/// Stores an exchange: inserted when it has no id yet ([`record_exchange`]), else
/// finished in place ([`update_exchange`]).
pub async fn save_exchange(
    db: &Database,
    message: &Message,
    now: Millis,
) -> Result<Recorded, StorageError> {
    match message.message_id {
        Some(_) => update_exchange(db, message, now).await,
        None => record_exchange(db, message, now).await,
    }
}

/// Rewrites a stored exchange (a reply saved while it streams, then finished) and moves
/// the balance by the difference of its `total`, in one transaction: at every commit the
/// ledger adds up, so a tab closed mid-stream leaves the part that arrived, debited.
pub async fn update_exchange(
    db: &Database,
    message: &Message,
    now: Millis,
) -> Result<Recorded, StorageError> {
    let Some(message_id) = message.message_id else {
        return Err(StorageError::NotFound(Missing::UnsavedExchange));
    };
    let tx = db.transaction(&[USERS, THREADS, MESSAGES], TransactionMode::ReadWrite)?;
    let result = async {
        let rows = tx.store(MESSAGES)?;
        let old: Message = get_required(
            &rows,
            MESSAGES,
            JsValue::from_f64(message_id as f64),
            Missing::Exchange,
        )
        .await?;
        if old.user_id != message.user_id || old.thread_id != message.thread_id {
            return Err(StorageError::NotFound(Missing::ForeignExchange));
        }
        let users = tx.store(USERS)?;
        let mut user: User = get_required(
            &users,
            USERS,
            JsValue::from_str(&message.user_id),
            Missing::User,
        )
        .await?;
        let delta = i64::try_from(message.total).unwrap_or(i64::MAX)
            - i64::try_from(old.total).unwrap_or(i64::MAX);
        user.num_token = user.num_token.saturating_sub(delta);
        user.updated_at = now;
        users.put(&to_js(USERS, &user)?, None).await?;
        rows.put(&to_js(MESSAGES, message)?, None).await?;
        let threads = tx.store(THREADS)?;
        if let Some(v) = threads
            .get(JsValue::from_f64(message.thread_id as f64))
            .await?
        {
            let mut thread: Thread = from_js(THREADS, v)?;
            thread.updated_at = now;
            threads.put(&to_js(THREADS, &thread)?, None).await?;
        }
        Ok(Recorded {
            message_id,
            balance: user.num_token,
        })
    }
    .await;
    commit_and_announce(tx, result, &message.user_id).await
}

/// Commits an exchange's transaction (or aborts it on `Err`) and, once committed, tells the
/// other tabs that `user_id`'s balance and threads changed.
async fn commit_and_announce(
    tx: rexie::Transaction,
    result: Result<Recorded, StorageError>,
    user_id: &str,
) -> Result<Recorded, StorageError> {
    let recorded = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: user_id.to_owned(),
    });
    Ok(recorded)
}

/// The newest `n` exchanges of a thread, oldest first, and whether older ones exist.
/// Reads only those, however long the thread (counting the rest is [`around`]'s job).
pub async fn newest(
    db: &Database,
    thread_id: u64,
    n: usize,
) -> Result<(Vec<Message>, bool), StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
    let from = nth_from_end(&index, ids_range(thread_id, FIRST, LAST)?, n).await?;
    let lower = from.map_or(FIRST, |id| (id, false));
    let rows = get_all(&index, ids_range(thread_id, lower, LAST)?, None).await?;
    let more = match from {
        Some(id) => any(&index, ids_range(thread_id, FIRST, (id, true))?).await?,
        None => false,
    };
    finish(tx).await?;
    Ok((all_from_js(MESSAGES, rows)?, more))
}

/// Up to `n` exchanges of a thread just before exchange `id`, oldest first.
pub async fn before(
    db: &Database,
    thread_id: u64,
    id: u64,
    n: usize,
) -> Result<Vec<Message>, StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
    let upper = (id, true);
    let from = nth_from_end(&index, ids_range(thread_id, FIRST, upper)?, n).await?;
    let lower = from.map_or(FIRST, |id| (id, false));
    let rows = get_all(&index, ids_range(thread_id, lower, upper)?, None).await?;
    finish(tx).await?;
    all_from_js(MESSAGES, rows)
}

/// Up to `n` exchanges of a thread just after exchange `id`, oldest first.
pub async fn after(
    db: &Database,
    thread_id: u64,
    id: u64,
    n: usize,
) -> Result<Vec<Message>, StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
    let limit = Some(u32::try_from(n).unwrap_or(u32::MAX));
    let rows = get_all(&index, ids_range(thread_id, (id, true), LAST)?, limit).await?;
    finish(tx).await?;
    all_from_js(MESSAGES, rows)
}

/// A thread's exchanges from id `first` through `last` (through the newest with `None`),
/// oldest first, and whether there are more before and after them.
pub async fn stretch(
    db: &Database,
    thread_id: u64,
    first: u64,
    last: Option<u64>,
) -> Result<(Vec<Message>, bool, bool), StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
    let upper = last.map_or(LAST, |id| (id, false));
    let values = get_all(&index, ids_range(thread_id, (first, false), upper)?, None).await?;
    let before = any(&index, ids_range(thread_id, FIRST, (first, true))?).await?;
    let after = match last {
        Some(id) => any(&index, ids_range(thread_id, (id, true), LAST)?).await?,
        None => false,
    };
    finish(tx).await?;
    Ok((all_from_js(MESSAGES, values)?, before, after))
}

/// How many exchanges of a thread come before exchange `first` and after `last`. Takes
/// time in proportion to the thread (IndexedDB counts by walking), so the window shows
/// first and counts after.
pub async fn around(
    db: &Database,
    thread_id: u64,
    first: u64,
    last: u64,
) -> Result<(usize, usize), StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
    let before = count(&index, ids_range(thread_id, FIRST, (first, true))?).await?;
    let after = count(&index, ids_range(thread_id, (last, true), LAST)?).await?;
    finish(tx).await?;
    Ok((before, after))
}

/// What a thread's exchanges used, read a slice at a time (only the fields it needs are
/// converted), so a thread of any length is summed without holding it in memory or
/// holding up the page.
pub async fn tally(db: &Database, thread_id: u64) -> Result<Tally, StorageError> {
    /// Just what the tally needs; serde skips the texts.
    #[derive(serde::Deserialize)]
    struct Used {
        message_id: u64,
        model: String,
        prompt_tokens: u64,
        completion_tokens: u64,
        total: u64,
    }
    let mut tally = Tally::default();
    let mut after = FIRST;
    loop {
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
        let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
        let values = get_all(
            &index,
            ids_range(thread_id, after, LAST)?,
            Some(TALLY_SLICE),
        )
        .await?;
        finish(tx).await?;
        let read = values.len();
        for value in values {
            let used: Used = from_js(MESSAGES, value)?;
            tally.add(
                &used.model,
                used.prompt_tokens,
                used.completion_tokens,
                used.total,
            );
            after = (used.message_id, true);
        }
        if read < TALLY_SLICE as usize {
            return Ok(tally);
        }
        // Let the page paint and take input between slices: no long task, however long
        // the thread.
        next_task().await;
    }
}

/// Exchanges summed per read by [`tally`].
const TALLY_SLICE: u32 = 250;

/// Resolves in a later task of the event loop (after pending input and paint).
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let later = web_sys::window().map(|w| w.set_timeout_with_callback(&resolve));
        if !matches!(later, Some(Ok(_))) {
            // No timer to wait for: go on at once rather than never.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The newest exchanges of a thread, oldest first, read backwards a slice at a time until
/// `enough` says they are enough (or none are left); with how many older ones were not read.
pub async fn newest_until(
    db: &Database,
    thread_id: u64,
    mut enough: impl FnMut(&Message) -> bool,
) -> Result<(Vec<Message>, usize), StorageError> {
    let (mut read, mut more) = newest(db, thread_id, HISTORY_SLICE).await?;
    while more && !read.iter().rev().any(&mut enough) {
        let Some(first) = read.first().and_then(|m| m.message_id) else {
            break;
        };
        let mut slice = before(db, thread_id, first, HISTORY_SLICE).await?;
        more = slice.len() == HISTORY_SLICE;
        slice.append(&mut read);
        read = slice;
    }
    // Counted only when some were left unread (the thread says how many).
    let unread = match (more, read.first().and_then(|m| m.message_id)) {
        (true, Some(first)) => around(db, thread_id, first, u64::MAX).await?.0,
        _ => 0,
    };
    Ok((read, unread))
}

/// Exchanges read per step by [`newest_until`].
const HISTORY_SLICE: usize = 200;

/// The index of messages by `[thread_id, message_id]`.
const THREAD_MESSAGE: &str = "thread_message";
/// Bounds of [`ids_range`]: from the first id, through the last.
const FIRST: (u64, bool) = (0, false);
const LAST: (u64, bool) = (u64::MAX, false);

/// The id of the `n`-th exchange from the end of `range` (the oldest of its last `n`), or
/// `None` when it holds fewer. A cursor that skips `n − 1` entries in one step rather than
/// stepping `n` times: every step is a round trip to the browser's storage process.
async fn nth_from_end(
    index: &rexie::StoreIndex,
    range: Option<rexie::KeyRange>,
    n: usize,
) -> Result<Option<u64>, StorageError> {
    let (Some(range), true) = (range, n > 0) else {
        return Ok(None);
    };
    let skip = (n > 1).then(|| u32::try_from(n - 1).unwrap_or(u32::MAX));
    let found = index
        .scan(Some(range), Some(1), skip, Some(Direction::Prev))
        .await?;
    // The index key is `[thread_id, message_id]`.
    found
        .first()
        .map(|(key, _)| key_to_id(MESSAGES, &js_sys::Array::from(key).get(1)))
        .transpose()
}

async fn count(
    index: &rexie::StoreIndex,
    range: Option<rexie::KeyRange>,
) -> Result<usize, StorageError> {
    match range {
        Some(range) => Ok(index.count(Some(range)).await? as usize),
        None => Ok(0),
    }
}

/// Whether `range` holds any message: one key read, however many there are.
async fn any(
    index: &rexie::StoreIndex,
    range: Option<rexie::KeyRange>,
) -> Result<bool, StorageError> {
    match range {
        Some(range) => Ok(!index.get_all_keys(Some(range), Some(1)).await?.is_empty()),
        None => Ok(false),
    }
}

/// Up to `limit` messages of `range` (every one with `None`), oldest first.
async fn get_all(
    index: &rexie::StoreIndex,
    range: Option<rexie::KeyRange>,
    limit: Option<u32>,
) -> Result<Vec<JsValue>, StorageError> {
    match range {
        Some(range) => Ok(index.get_all(Some(range), limit).await?),
        None => Ok(Vec::new()),
    }
}

/// Every message of a thread, by the `thread_message` index.
pub(crate) async fn all_of_thread(
    index: &rexie::StoreIndex,
    thread_id: u64,
) -> Result<Vec<JsValue>, StorageError> {
    get_all(index, ids_range(thread_id, FIRST, LAST)?, None).await
}

/// The key range of a thread's messages with ids from `lower` to `upper`, each given as
/// `(id, excluded)`; `u64::MAX` stands for "no end". `None` when no id can be in it
/// (IndexedDB refuses such a range instead of matching nothing).
fn ids_range(
    thread_id: u64,
    lower: (u64, bool),
    upper: (u64, bool),
) -> Result<Option<rexie::KeyRange>, StorageError> {
    if lower.0 > upper.0 || (lower.0 == upper.0 && (lower.1 || upper.1)) {
        return Ok(None);
    }
    let id = JsValue::from_f64(thread_id as f64);
    let bound = |n: u64| match n {
        u64::MAX => JsValue::from_f64(f64::INFINITY),
        n => JsValue::from_f64(n as f64),
    };
    let lo = js_sys::Array::of2(&id, &bound(lower.0));
    let hi = js_sys::Array::of2(&id, &bound(upper.0));
    Ok(Some(
        rexie::KeyRange::bound(&lo, &hi, Some(lower.1), Some(upper.1))
            .map_err(rexie::Error::from)?,
    ))
}

/// A user's exchanges in all threads, by id.
pub async fn for_user(db: &Database, user_id: &str) -> Result<Vec<Message>, StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let values = tx
        .store(MESSAGES)?
        .index("user_id")?
        .get_all(Some(only(&JsValue::from_str(user_id))?), None)
        .await?;
    finish(tx).await?;
    all_from_js(MESSAGES, values)
}
