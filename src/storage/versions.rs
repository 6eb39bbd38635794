//! Versions of an exchange: which one the thread shows (its path), and deleting one with
//! everything that followed it. The rules are `pocket_chat_core::tree`'s; this writes them
//! in one transaction each, after checking that the exchange the user acted on is still
//! where they saw it (another tab may have switched the path meanwhile).

use pocket_chat_core::records::{Branch, Millis, Missing, Thread};
use pocket_chat_core::tree::{with_front, Segment, Tree};
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::messages::{path_of, rows_between};
use super::schema::{BRANCHES, MESSAGES, PATH, SEARCH, THREADS};
use super::search;
use super::{commit_or_abort, from_js, to_js, Database, StorageError};

/// Shows version `member` (an index into the exchange's versions) of the exchange
/// `message_id` at `depth` of thread `thread_id`: the thread's path goes through it.
pub async fn switch(
    db: &Database,
    thread_id: &str,
    depth: u32,
    message_id: &str,
    member: usize,
) -> Result<(), StorageError> {
    let tx = db.transaction(&[THREADS, BRANCHES, MESSAGES], TransactionMode::ReadWrite)?;
    let result = async {
        let (mut thread, tree, segments) = shown(&tx, thread_id, depth, message_id).await?;
        thread.path = tree
            .switched(&thread.path, &segments, depth, member)
            .ok_or(StorageError::NotFound(Missing::Exchange))?;
        Ok(thread)
    }
    .await;
    store_path(tx, result).await
}

/// Makes the path of thread `thread_id` go through branch `branch` at `depth` (a search
/// result on a version not on screen): unchanged when it does already. Not activity.
pub async fn show_branch(
    db: &Database,
    thread_id: &str,
    branch: &str,
    depth: u32,
) -> Result<(), StorageError> {
    let tx = db.transaction(&[THREADS, BRANCHES], TransactionMode::ReadWrite)?;
    let result = async {
        let (mut thread, _, segments) = path_of(&tx, thread_id).await?;
        let on_path = segments
            .iter()
            .any(|s| s.branch == branch && s.from <= depth && s.to.is_none_or(|to| depth < to));
        if !on_path {
            thread.path = with_front(&thread.path, branch);
        }
        Ok(thread)
    }
    .await;
    store_path(tx, result).await
}

/// Deletes the version `message_id` at `depth` of thread `thread_id` and every exchange
/// that followed it: hidden and their text erased; the rows stay with their token counts,
/// so the ledger still adds up. The path then shows the next remaining version.
pub async fn delete(
    db: &Database,
    thread_id: &str,
    depth: u32,
    message_id: &str,
    now: Millis,
) -> Result<(), StorageError> {
    let tx = db.transaction(
        &[THREADS, BRANCHES, MESSAGES, SEARCH],
        TransactionMode::ReadWrite,
    )?;
    let result = async {
        let (mut thread, tree, segments) = shown(&tx, thread_id, depth, message_id).await?;
        let index_store = tx.store(SEARCH)?;
        let deletion = tree
            .delete(&thread.path, &segments, depth)
            .ok_or(StorageError::NotFound(Missing::Exchange))?;
        let branches = tx.store(BRANCHES)?;
        let rows = tx.store(MESSAGES)?;
        let index = rows.index(PATH)?;
        for (branch_id, cut, was) in &deletion.cuts {
            let mut branch: Branch = match branches.get(JsValue::from_str(branch_id)).await? {
                Some(v) => from_js(BRANCHES, v)?,
                // The first branch of a thread stored before it had a record.
                None => pocket_chat_core::tree::root(thread_id, &thread.user_id, thread.created_at),
            };
            branch.cut = Some(*cut);
            branches.put(&to_js(BRANCHES, &branch)?, None).await?;
            let gone = [Segment {
                branch: branch_id.clone(),
                from: *cut,
                to: *was,
            }];
            let upto = was.unwrap_or(u32::MAX);
            for mut row in rows_between(&index, thread_id, &gone, *cut, upto).await? {
                let old = row.clone();
                row.erase_text();
                row.deleted_at = Some(now);
                rows.put(&to_js(MESSAGES, &row)?, None).await?;
                search::reindex_message(&index_store, Some(&old), &row).await?;
            }
        }
        thread.path = deletion.path;
        thread.updated_at = now;
        Ok(thread)
    }
    .await;
    store_path(tx, result).await
}

/// Stores `thread` with its new path in `tx` and commits it (or aborts it on `Err`), then
/// tells the other tabs.
async fn store_path(
    tx: rexie::Transaction,
    thread: Result<Thread, StorageError>,
) -> Result<(), StorageError> {
    let result = async {
        let thread = thread?;
        tx.store(THREADS)?
            .put(&to_js(THREADS, &thread)?, None)
            .await?;
        Ok(thread.user_id)
    }
    .await;
    let user_id = commit_or_abort(tx, result).await?;
    announce(&Change::User { user_id });
    Ok(())
}

/// The thread, its tree and its path, once the exchange at `depth` of that path is checked
/// to be `message_id`.
async fn shown(
    tx: &rexie::Transaction,
    thread_id: &str,
    depth: u32,
    message_id: &str,
) -> Result<(Thread, Tree, Vec<Segment>), StorageError> {
    let (thread, tree, segments) = path_of(tx, thread_id).await?;
    let index = tx.store(MESSAGES)?.index(PATH)?;
    let found = rows_between(&index, thread_id, &segments, depth, depth + 1).await?;
    match found.first() {
        Some(m) if m.message_id == message_id => Ok((thread, tree, segments)),
        _ => Err(StorageError::NotFound(Missing::Exchange)),
    }
}
