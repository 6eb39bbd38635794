//! What a user does to one exchange of the path on screen: edit its prompt and send it,
//! regenerate its reply, switch between its versions, delete a version, copy a prompt or
//! a reply. Sending goes through the chat turn (`state::chat`); the tree rules are the
//! core's (`pocket_chat_core::tree`).

use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;

use super::chat::{self, Ask, Chat, OnText};
use super::clock::now;
use crate::storage::versions;

/// One exchange on screen, as the user acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnScreen {
    pub thread_id: String,
    pub message_id: String,
    pub depth: u32,
}

/// Sends `prompt` as a new version of the exchange `at` (an edit), with the exchanges
/// before it as context; the old version and what followed it stay, one switch away.
pub fn edit(chat: Chat, at: OnScreen, prompt: String, on_text: OnText) {
    chat.sending.edit(None);
    if chat.sending.busy() {
        return;
    }
    let how = Ask::Edit {
        depth: at.depth,
        message_id: at.message_id,
    };
    spawn_local(chat::ask(
        chat,
        Some(at.thread_id),
        how,
        prompt,
        None,
        on_text,
    ));
}

/// Asks the prompt of exchange `at` again with the same context, of `model` (`None`: the
/// model in use): another version of it.
pub fn regenerate(
    chat: Chat,
    at: OnScreen,
    prompt: String,
    model: Option<String>,
    on_text: OnText,
) {
    if chat.sending.busy() {
        return;
    }
    let how = Ask::Regenerate { depth: at.depth };
    spawn_local(chat::ask(
        chat,
        Some(at.thread_id),
        how,
        prompt,
        model,
        on_text,
    ));
}

/// Shows version `member` (0-based) of the exchange `at`; the choice is stored, so it
/// survives a reload and shows in the other tabs.
pub fn switch(chat: Chat, at: OnScreen, member: usize) {
    spawn_local(async move {
        let Some(db) = chat.store.db() else { return };
        match versions::switch(&db, &at.thread_id, at.depth, &at.message_id, member).await {
            Ok(()) => chat.window.reread().await,
            Err(e) => {
                chat.notices.fail(e);
                chat.window.reread().await;
            }
        }
    });
}

/// Deletes the version `at` and every exchange that followed it (their debits stay).
pub fn delete(chat: Chat, at: OnScreen) {
    if chat.sending.busy() {
        return;
    }
    spawn_local(async move {
        let Some(db) = chat.store.db() else { return };
        match versions::delete(&db, &at.thread_id, at.depth, &at.message_id, now()).await {
            Ok(()) => chat.notices.inform(Key::VersionDeleted),
            Err(e) => chat.notices.fail(e),
        }
        chat.window.reread().await;
    });
}

/// Puts `text` (a prompt, or a reply's Markdown source) on the clipboard.
pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}
