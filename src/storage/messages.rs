//! The `messages` store: exchanges (prompt + completion), their debits, and their places
//! in their thread's version tree (see `pocket_chat_core::tree`).
//!
//! Saving an exchange writes the row and moves the balance in ONE readwrite transaction,
//! so a crash or a second tab can never lose or double a debit. The path on screen is read
//! by key range on `[thread_id, branch, depth]`, one range per branch it crosses, so a
//! page costs the same in a thread of 20 or 20,000 exchanges, with or without versions.

use js_sys::Array;
use pocket_chat_core::ledger::{self, Debit};
use pocket_chat_core::pricing::Tally;
use pocket_chat_core::records::{Branch, Message, Millis, Missing, Thread, User};
use pocket_chat_core::tree::{ranges, with_front, Segment, Tree};
use rexie::{Direction, TransactionMode};
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{BRANCHES, MESSAGES, PATH, SEARCH, THREADS, THREAD_MESSAGE, USERS};
use super::search;
use super::{
    all_from_js, commit_or_abort, finish, from_js, get_required, only, to_js, Database,
    StorageError,
};

/// What saving an exchange gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The user's balance after the debit.
    pub balance: i64,
}

/// One rendered reply to keep: the exchange, the Markdown that was rendered, its HTML.
pub struct Rendered {
    pub message_id: String,
    pub completion: String,
    pub html: String,
}

/// Keeps each reply's HTML with its exchange, in one transaction, where the exchange still
/// has the Markdown it was rendered from (a reply rewritten or deleted meanwhile keeps
/// what it has). Nobody is told: the HTML is what the Markdown already said.
pub async fn set_html(db: &Database, rendered: &[Rendered]) -> Result<(), StorageError> {
    let tx = db.transaction(&[MESSAGES], TransactionMode::ReadWrite)?;
    let result = async {
        let rows = tx.store(MESSAGES)?;
        for r in rendered {
            let Some(value) = rows.get(JsValue::from_str(&r.message_id)).await? else {
                continue;
            };
            let mut row: Message = from_js(MESSAGES, value)?;
            if row.completion == r.completion && row.deleted_at.is_none() && row.html != r.html {
                row.html.clone_from(&r.html);
                rows.put(&to_js(MESSAGES, &row)?, None).await?;
            }
        }
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await
}

/// Stores `message` — inserted the first time, rewritten after (a reply saved while it
/// streams, then finished) — and moves its user's balance by what its `total` adds, in one
/// transaction: at every commit the ledger adds up, so a tab closed mid-stream leaves the
/// part that arrived, debited. `fork` is the new branch the exchange starts (an edit or a
/// regenerate), stored with its first save. A first save also makes the exchange's path
/// the one the thread shows.
pub async fn save_exchange(
    db: &Database,
    message: &Message,
    fork: Option<&Branch>,
    now: Millis,
) -> Result<Recorded, StorageError> {
    let tx = db.transaction(
        &[USERS, THREADS, MESSAGES, BRANCHES, SEARCH],
        TransactionMode::ReadWrite,
    )?;
    let result = async {
        let rows = tx.store(MESSAGES)?;
        let old: Option<Message> = match rows.get(JsValue::from_str(&message.message_id)).await? {
            Some(v) => Some(from_js(MESSAGES, v)?),
            None => None,
        };
        if let Some(old) = &old {
            // The same exchange, in the same place: a save never moves a row.
            let moved = old.branch != message.branch || old.depth != message.depth;
            if old.user_id != message.user_id || old.thread_id != message.thread_id || moved {
                return Err(StorageError::NotFound(Missing::ForeignExchange));
            }
            // Deleted meanwhile (in another tab, while it streamed here): it stays deleted.
            if old.deleted_at.is_some() {
                return Err(StorageError::NotFound(Missing::Exchange));
            }
        }
        let users = tx.store(USERS)?;
        let mut user: User = get_required(
            &users,
            USERS,
            JsValue::from_str(&message.user_id),
            Missing::User,
        )
        .await?;
        let threads = tx.store(THREADS)?;
        let mut thread: Thread = get_required(
            &threads,
            THREADS,
            JsValue::from_str(&message.thread_id),
            Missing::Thread,
        )
        .await?;
        if thread.user_id != user.user_id {
            return Err(StorageError::NotFound(Missing::ForeignThread));
        }
        // Read-modify-write of the balance inside the transaction: IndexedDB runs
        // overlapping readwrite transactions one after another, across tabs too.
        user.num_token = match &old {
            None => ledger::debit(
                user.num_token,
                Debit {
                    total: message.total,
                    kind: message.debit_kind,
                },
            ),
            Some(old) => {
                let delta = i64::try_from(message.total).unwrap_or(i64::MAX)
                    - i64::try_from(old.total).unwrap_or(i64::MAX);
                user.num_token.saturating_sub(delta)
            }
        };
        user.updated_at = now;
        users.put(&to_js(USERS, &user)?, None).await?;
        rows.put(&to_js(MESSAGES, message)?, None).await?;
        search::reindex_message(&tx.store(SEARCH)?, old.as_ref(), message).await?;
        if let Some(fork) = fork {
            // Stored with the first save only: a later one must not undo a cut made since.
            let branches = tx.store(BRANCHES)?;
            if branches
                .get(JsValue::from_str(&fork.branch_id))
                .await?
                .is_none()
            {
                branches.add(&to_js(BRANCHES, fork)?, None).await?;
            }
        }
        if old.is_none() {
            thread.path = with_front(&thread.path, &message.branch);
        }
        thread.updated_at = now;
        threads.put(&to_js(THREADS, &thread)?, None).await?;
        Ok(Recorded {
            balance: user.num_token,
        })
    }
    .await;
    commit_and_announce(tx, result, &message.user_id).await
}

/// Commits a transaction (or aborts it on `Err`) and, once committed, tells the other tabs
/// that `user_id`'s balance, threads or paths changed.
async fn commit_and_announce<T>(
    tx: rexie::Transaction,
    result: Result<T, StorageError>,
    user_id: &str,
) -> Result<T, StorageError> {
    let done = commit_or_abort(tx, result).await?;
    announce(&Change::User {
        user_id: user_id.to_owned(),
    });
    Ok(done)
}

/// Which exchanges of the path on screen to read (the window's rule, in core).
pub use pocket_chat_core::window::Span;

/// A read of the path a thread shows: the thread, its tree, the path's segments and
/// length, and the exchanges asked for, oldest first.
#[derive(Debug, Clone)]
pub struct PathRead {
    pub thread: Thread,
    pub tree: Tree,
    pub segments: Vec<Segment>,
    /// Exchanges on the path.
    pub len: u32,
    pub rows: Vec<Message>,
}

impl PathRead {
    /// The depth of the first row read (the number of exchanges before it).
    pub fn first_depth(&self) -> u32 {
        self.rows.first().map_or(self.len, |m| m.depth)
    }
}

/// Reads `span` of the path thread `thread_id` shows, with its tree, in one transaction:
/// a few key ranges, however long the thread.
pub async fn read_path(
    db: &Database,
    thread_id: &str,
    span: Span,
) -> Result<PathRead, StorageError> {
    let tx = db.transaction(&[THREADS, BRANCHES, MESSAGES], TransactionMode::ReadOnly)?;
    let result: Result<PathRead, StorageError> = async {
        let (thread, tree, segments) = path_of(&tx, thread_id).await?;
        let index = tx.store(MESSAGES)?.index(PATH)?;
        let len = path_len(&index, thread_id, &segments).await?;
        let (from, to) = span.depths(len);
        let rows = rows_between(&index, thread_id, &segments, from, to).await?;
        Ok(PathRead {
            thread,
            tree,
            segments,
            len,
            rows,
        })
    }
    .await;
    let read = result?;
    finish(tx).await?;
    Ok(read)
}

/// Thread `thread_id`, its tree, and the segments of the path it shows.
pub(crate) async fn path_of(
    tx: &rexie::Transaction,
    thread_id: &str,
) -> Result<(Thread, Tree, Vec<Segment>), StorageError> {
    let thread: Thread = get_required(
        &tx.store(THREADS)?,
        THREADS,
        JsValue::from_str(thread_id),
        Missing::Thread,
    )
    .await?;
    let tree = read_tree(tx, thread_id).await?;
    let segments = tree.segments(tree.leaf(&thread.path));
    Ok((thread, tree, segments))
}

/// The exchanges at depths `from..to` of the path `segments`, oldest first: one key range
/// per branch it crosses.
pub(crate) async fn rows_between(
    index: &rexie::StoreIndex,
    thread_id: &str,
    segments: &[Segment],
    from: u32,
    to: u32,
) -> Result<Vec<Message>, StorageError> {
    let mut rows = Vec::new();
    if from < to {
        for r in ranges(segments, from, Some(to)) {
            let values = index.get_all(Some(depths(thread_id, &r)?), None).await?;
            rows.extend(all_from_js::<Message>(MESSAGES, values)?);
        }
    }
    Ok(rows)
}

/// The branches of thread `thread_id`, as its tree.
async fn read_tree(tx: &rexie::Transaction, thread_id: &str) -> Result<Tree, StorageError> {
    let values = tx
        .store(BRANCHES)?
        .index("thread_id")?
        .get_all(Some(only(&JsValue::from_str(thread_id))?), None)
        .await?;
    Ok(Tree::new(thread_id, all_from_js(BRANCHES, values)?))
}

/// How many exchanges the path `segments` holds: one key read at the end of its last
/// segment.
async fn path_len(
    index: &rexie::StoreIndex,
    thread_id: &str,
    segments: &[Segment],
) -> Result<u32, StorageError> {
    let Some(last) = segments.last() else {
        return Ok(0);
    };
    let found = index
        .scan(
            Some(depths(thread_id, last)?),
            Some(1),
            None,
            Some(Direction::Prev),
        )
        .await?;
    // The index key is `[thread_id, branch, depth]`.
    match found.first() {
        Some((key, _)) => Array::from(key)
            .get(2)
            .as_f64()
            .map(|d| d as u32 + 1)
            .ok_or_else(|| StorageError::Corrupt {
                store: MESSAGES,
                detail: "a depth is not a number".into(),
            }),
        None => Ok(last.from),
    }
}

/// The key range of `segment`'s depths on the `path` index.
fn depths(thread_id: &str, segment: &Segment) -> Result<rexie::KeyRange, StorageError> {
    let key = |depth: f64| {
        Array::of3(
            &JsValue::from_str(thread_id),
            &JsValue::from_str(&segment.branch),
            &JsValue::from_f64(depth),
        )
    };
    let upper = segment.to.map_or(f64::INFINITY, f64::from);
    Ok(rexie::KeyRange::bound(
        &key(f64::from(segment.from)),
        &key(upper),
        Some(false),
        Some(segment.to.is_some()),
    )
    .map_err(rexie::Error::from)?)
}

/// The key range of thread `thread_id`'s rows on the `thread_message` index, after the
/// row `after` when given.
fn thread_rows(thread_id: &str, after: Option<&str>) -> Result<rexie::KeyRange, StorageError> {
    let thread = JsValue::from_str(thread_id);
    // `[thread]` sorts before every `[thread, id]`, and an array after every string id.
    let lower = match after {
        Some(id) => Array::of2(&thread, &JsValue::from_str(id)),
        None => Array::of1(&thread),
    };
    let upper = Array::of2(&thread, &Array::new());
    Ok(
        rexie::KeyRange::bound(&lower, &upper, Some(after.is_some()), Some(false))
            .map_err(rexie::Error::from)?,
    )
}

/// Every row of a thread (all versions, deleted ones too), by the `thread_message` index.
pub(crate) async fn all_of_thread(
    index: &rexie::StoreIndex,
    thread_id: &str,
) -> Result<Vec<JsValue>, StorageError> {
    Ok(index
        .get_all(Some(thread_rows(thread_id, None)?), None)
        .await?)
}

/// What a thread's exchanges used, read a slice at a time (only the fields it needs are
/// converted), so a thread of any length is summed without holding it in memory or
/// holding up the page.
pub async fn tally(db: &Database, thread_id: &str) -> Result<Tally, StorageError> {
    /// Just what the tally needs; serde skips the texts.
    #[derive(serde::Deserialize)]
    struct Used {
        message_id: String,
        model: String,
        prompt_tokens: u64,
        completion_tokens: u64,
        total: u64,
    }
    let mut tally = Tally::default();
    let mut after: Option<String> = None;
    loop {
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
        let index = tx.store(MESSAGES)?.index(THREAD_MESSAGE)?;
        let values = index
            .get_all(
                Some(thread_rows(thread_id, after.as_deref())?),
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
            after = Some(used.message_id);
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

/// The exchanges before depth `end` of the path `segments` (of thread `thread_id`, just
/// read with [`read_path`]), oldest first, read backwards a slice at a time until `enough`
/// says they are enough (or none are left); with how many earlier ones were not read.
/// What a turn sends as context: the path on screen up to the exchange being sent, edited
/// or regenerated.
pub async fn history(
    db: &Database,
    thread_id: &str,
    segments: &[Segment],
    end: u32,
    mut enough: impl FnMut(&Message) -> bool,
) -> Result<(Vec<Message>, usize), StorageError> {
    let mut read: Vec<Message> = Vec::new();
    let mut upto = end;
    while upto > 0 {
        let from = upto.saturating_sub(HISTORY_SLICE);
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly)?;
        let index = tx.store(MESSAGES)?.index(PATH)?;
        let mut slice = rows_between(&index, thread_id, segments, from, upto).await?;
        finish(tx).await?;
        let done = slice.iter().rev().any(&mut enough);
        slice.append(&mut read);
        read = slice;
        upto = from;
        if done {
            break;
        }
    }
    Ok((read, upto as usize))
}

/// Exchanges read per step by [`history`].
const HISTORY_SLICE: u32 = 200;

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
