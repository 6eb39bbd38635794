//! The `threads` store: a user's conversations, each created with its first branch.

use pocket_chat_core::records::{Message, Millis, Missing, Thread};
use pocket_chat_core::thread_list;
use pocket_chat_core::tree;
use rexie::TransactionMode;
use wasm_bindgen::JsValue;

use super::broadcast::{announce, Change};
use super::schema::{BRANCHES, MESSAGES, SEARCH, THREADS, THREAD_MESSAGE};
use super::search;
use super::{
    all_from_js, commit_or_abort, finish, from_js, get_required, starting_with, to_js, Database,
    StorageError,
};

/// Starts thread `thread_id` for `user_id` with `persona` (see [`Thread::persona`]), with
/// its first branch.
pub async fn create(
    db: &Database,
    thread_id: String,
    user_id: &str,
    title: &str,
    persona: Option<String>,
    now: Millis,
) -> Result<Thread, StorageError> {
    let thread = Thread {
        thread_id,
        user_id: user_id.to_owned(),
        title: title.to_owned(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        path: Vec::new(),
        pinned: false,
        persona,
        edited_at: 0,
    };
    let root = tree::root(&thread.thread_id, user_id, now);
    let tx = db.transaction(&[THREADS, BRANCHES, SEARCH], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(THREADS)?
            .add(&to_js(THREADS, &thread)?, None)
            .await?;
        search::reindex_title(&tx.store(SEARCH)?, &thread, "").await?;
        tx.store(BRANCHES)?
            .add(&to_js(BRANCHES, &root)?, None)
            .await?;
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await?;
    Ok(thread)
}

/// The thread with `thread_id`, if there is one.
pub async fn get(db: &Database, thread_id: &str) -> Result<Option<Thread>, StorageError> {
    let tx = db.transaction(&[THREADS], TransactionMode::ReadOnly)?;
    let value = tx.store(THREADS)?.get(JsValue::from_str(thread_id)).await?;
    finish(tx).await?;
    value.map(|v| from_js(THREADS, v)).transpose()
}

/// A user's threads that are not deleted: pinned first, then the others, each most
/// recently active first.
pub async fn for_user(db: &Database, user_id: &str) -> Result<Vec<Thread>, StorageError> {
    let tx = db.transaction(&[THREADS], TransactionMode::ReadOnly)?;
    // One request, reversed here: a cursor would cost a round trip per thread.
    let rows = tx
        .store(THREADS)?
        .index("user_updated")?
        .get_all(Some(starting_with(user_id)?), None)
        .await?;
    finish(tx).await?;
    let threads: Vec<Thread> = all_from_js(THREADS, rows)?;
    Ok(thread_list::arrange(
        threads
            .into_iter()
            .rev()
            .filter(|t| t.deleted_at.is_none())
            .collect(),
    ))
}

/// Renames thread `thread_id` to `title` (already checked). Its place among the threads
/// stays: a rename is not activity.
pub async fn rename(
    db: &Database,
    thread_id: &str,
    title: &str,
    now: Millis,
) -> Result<(), StorageError> {
    update(db, thread_id, now, &mut |t| t.title = title.to_owned()).await
}

/// Pins thread `thread_id` (listed first) or unpins it.
pub async fn set_pinned(
    db: &Database,
    thread_id: &str,
    pinned: bool,
    now: Millis,
) -> Result<(), StorageError> {
    update(db, thread_id, now, &mut |t| t.pinned = pinned).await
}

/// Makes `persona` (see [`Thread::persona`]) the persona of thread `thread_id`: its next
/// calls are told that persona's text.
pub async fn set_persona(
    db: &Database,
    thread_id: &str,
    persona: Option<String>,
    now: Millis,
) -> Result<(), StorageError> {
    update(db, thread_id, now, &mut |t| t.persona = persona.clone()).await
}

/// Reads, changes and writes one thread in one transaction (a reply saved meanwhile in
/// another tab is never undone), and tells the other tabs. `change` is a `dyn`: one copy
/// of this code for every change, not one each (1.4 KB of the first load).
async fn update(
    db: &Database,
    thread_id: &str,
    now: Millis,
    change: &mut dyn FnMut(&mut Thread),
) -> Result<(), StorageError> {
    let tx = db.transaction(&[THREADS, SEARCH], TransactionMode::ReadWrite)?;
    let result = async {
        let threads = tx.store(THREADS)?;
        let mut thread = stored(&threads, thread_id).await?;
        if thread.deleted_at.is_some() {
            return Err(StorageError::NotFound(Missing::Thread));
        }
        let title = thread.title.clone();
        change(&mut thread);
        thread.edited_at = now;
        threads.put(&to_js(THREADS, &thread)?, None).await?;
        // A rename moves the title's index; a pin or persona leaves it as it was.
        search::reindex_title(&tx.store(SEARCH)?, &thread, &title).await?;
        Ok(thread.user_id)
    }
    .await;
    let user_id = commit_or_abort(tx, result).await?;
    announce(&Change::User { user_id });
    Ok(())
}

/// Thread `thread_id` from the threads store of a transaction; missing is an error.
async fn stored(threads: &rexie::Store, thread_id: &str) -> Result<Thread, StorageError> {
    get_required(
        threads,
        THREADS,
        JsValue::from_str(thread_id),
        Missing::Thread,
    )
    .await
}

/// Deletes a thread as the user sees it: hidden, title and messages' text erased. The
/// rows stay, with their token counts, so the ledger history still adds up.
pub async fn delete(db: &Database, thread_id: &str, now: Millis) -> Result<(), StorageError> {
    let tx = db.transaction(&[THREADS, MESSAGES, SEARCH], TransactionMode::ReadWrite)?;
    let result = async {
        let threads = tx.store(THREADS)?;
        let index = tx.store(SEARCH)?;
        let mut thread = stored(&threads, thread_id).await?;
        let title = std::mem::take(&mut thread.title);
        search::reindex_title(&index, &thread, &title).await?;
        thread.deleted_at = Some(now);
        thread.updated_at = now;
        threads.put(&to_js(THREADS, &thread)?, None).await?;
        erase_messages(&tx, &index, thread_id).await?;
        Ok(thread.user_id)
    }
    .await;
    let user_id = commit_or_abort(tx, result).await?;
    announce(&Change::User { user_id });
    Ok(())
}

/// Erases the text of every exchange of a deleted thread (their debits stay), in `tx`,
/// with `index` its `search` store.
pub(crate) async fn erase_messages(
    tx: &rexie::Transaction,
    index: &rexie::Store,
    thread_id: &str,
) -> Result<(), StorageError> {
    let messages = tx.store(MESSAGES)?;
    let rows = super::messages::all_of_thread(&messages.index(THREAD_MESSAGE)?, thread_id).await?;
    for row in rows {
        let mut message: Message = from_js(MESSAGES, row)?;
        if pocket_chat_core::sync::is_erased(&message) {
            continue;
        }
        let old = message.clone();
        message.erase_text();
        messages.put(&to_js(MESSAGES, &message)?, None).await?;
        search::reindex_message(index, Some(&old), &message).await?;
    }
    Ok(())
}
