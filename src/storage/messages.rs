//! The `messages` store: exchanges (prompt + completion) and their debits. Recording an
//! exchange inserts the message and debits the balance in ONE readwrite transaction, so a
//! crash or a second tab can never lose or double a debit.

use pocket_chat_core::ledger::{self, Debit};
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::{Message, Millis, Thread, User};
use rexie::TransactionMode;
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
            "This user no longer exists.",
        )
        .await?;
        let threads = tx.store(THREADS)?;
        let mut thread: Thread = match threads
            .get(JsValue::from_f64(message.thread_id as f64))
            .await?
        {
            Some(v) => from_js(THREADS, v)?,
            None => return Err(StorageError::NotFound("This thread no longer exists.")),
        };
        if thread.user_id != user.user_id {
            return Err(StorageError::NotFound(
                "This thread belongs to another user.",
            ));
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
    let recorded = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: message.user_id.clone(),
    });
    Ok(recorded)
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
        return Err(StorageError::NotFound("This exchange was never stored."));
    };
    let tx = db.transaction(&[USERS, THREADS, MESSAGES], TransactionMode::ReadWrite)?;
    let result = async {
        let rows = tx.store(MESSAGES)?;
        let old: Message = get_required(
            &rows,
            MESSAGES,
            JsValue::from_f64(message_id as f64),
            "This exchange no longer exists.",
        )
        .await?;
        if old.user_id != message.user_id || old.thread_id != message.thread_id {
            return Err(StorageError::NotFound(
                "This exchange belongs to another thread.",
            ));
        }
        let users = tx.store(USERS)?;
        let mut user: User = get_required(
            &users,
            USERS,
            JsValue::from_str(&message.user_id),
            "This user no longer exists.",
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
    let recorded = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: message.user_id.clone(),
    });
    Ok(recorded)
}

/// A thread's exchanges, oldest first.
pub async fn for_thread(db: &Database, thread_id: u64) -> Result<Vec<Message>, StorageError> {
    read_range(db, thread_range(thread_id)?).await
}

/// The ids of a thread's exchanges, oldest first: keys only, so cheap however long the
/// thread is.
pub async fn ids(db: &Database, thread_id: u64) -> Result<Vec<u64>, StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let keys = tx
        .store(MESSAGES)?
        .index("thread_message")?
        .get_all_keys(Some(thread_range(thread_id)?), None)
        .await?;
    finish(tx).await?;
    keys.iter().map(|k| key_to_id(MESSAGES, k)).collect()
}

/// A thread's exchanges from id `first` to id `last` (both included), oldest first.
pub async fn span(
    db: &Database,
    thread_id: u64,
    first: u64,
    last: u64,
) -> Result<Vec<Message>, StorageError> {
    read_range(db, span_range(thread_id, first, last)?).await
}

/// What a thread's exchanges used, read a slice at a time (only the four fields it needs
/// are converted), so a thread of any length is summed without holding it in memory.
pub async fn tally(db: &Database, thread_id: u64, ids: &[u64]) -> Result<Tally, StorageError> {
    /// Just what the tally needs; serde skips the texts.
    #[derive(serde::Deserialize)]
    struct Used {
        model: String,
        prompt_tokens: u64,
        completion_tokens: u64,
        total: u64,
    }
    let mut tally = Tally::default();
    for slice in ids.chunks(TALLY_SLICE) {
        let (Some(first), Some(last)) = (slice.first(), slice.last()) else {
            continue;
        };
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
        let values = tx
            .store(MESSAGES)?
            .index("thread_message")?
            .get_all(Some(span_range(thread_id, *first, *last)?), None)
            .await?;
        finish(tx).await?;
        for value in values {
            let used: Used = from_js(MESSAGES, value)?;
            tally.add(
                &used.model,
                used.prompt_tokens,
                used.completion_tokens,
                used.total,
            );
        }
    }
    Ok(tally)
}

/// Exchanges summed per read by [`tally`].
const TALLY_SLICE: usize = 1_000;

/// The newest exchanges of a thread, oldest first, read backwards a slice at a time until
/// `enough` says they are enough (or none are left); with how many older ones were not read.
pub async fn newest_until(
    db: &Database,
    thread_id: u64,
    mut enough: impl FnMut(&Message) -> bool,
) -> Result<(Vec<Message>, usize), StorageError> {
    let all = ids(db, thread_id).await?;
    let mut end = all.len();
    let mut read: Vec<Message> = Vec::new();
    while end > 0 {
        let start = end.saturating_sub(HISTORY_SLICE);
        let mut slice = span(db, thread_id, all[start], all[end - 1]).await?;
        end = start;
        let done = slice.iter().rev().any(&mut enough);
        slice.append(&mut read);
        read = slice;
        if done {
            break;
        }
    }
    Ok((read, end))
}

/// Exchanges read per step by [`newest_until`].
const HISTORY_SLICE: usize = 200;

async fn read_range(db: &Database, range: rexie::KeyRange) -> Result<Vec<Message>, StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
    let values = tx
        .store(MESSAGES)?
        .index("thread_message")?
        .get_all(Some(range), None)
        .await?;
    finish(tx).await?;
    all_from_js(MESSAGES, values)
}

/// The key range of a thread's messages in the `thread_message` index.
pub(crate) fn thread_range(thread_id: u64) -> Result<rexie::KeyRange, StorageError> {
    span_range(thread_id, 0, u64::MAX)
}

/// The key range of a thread's messages with ids `first..=last`.
fn span_range(thread_id: u64, first: u64, last: u64) -> Result<rexie::KeyRange, StorageError> {
    let id = JsValue::from_f64(thread_id as f64);
    let bound = |n: u64| match n {
        u64::MAX => JsValue::from_f64(f64::INFINITY),
        n => JsValue::from_f64(n as f64),
    };
    let lower = js_sys::Array::of2(&id, &bound(first));
    let upper = js_sys::Array::of2(&id, &bound(last));
    Ok(rexie::KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?)
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
