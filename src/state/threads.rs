//! The current user's threads: the list, the thread on screen (also from a `#/thread/N`
//! link, which works on any static host because the part after `#` never reaches the
//! server) with the notes and the context mark shown in it, a new thread, and deleting one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::persona::NewThread;
use pocket_chat_core::records::Thread;
use pocket_chat_core::thread_list;
use wasm_bindgen::prelude::*;

use super::clock::now;
use super::error::StateError;
use super::notices::Notices;
use super::reading::Reading;
use super::store::Store;
use super::text::Text;
use super::window::{Opened, ThreadWindow};
use crate::storage::settings::CURRENT_USER;
use crate::storage::{settings, threads, versions};

/// A command's answer shown in the thread, under what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadNote {
    pub typed: String,
    pub answer: Text,
}

/// The thread list and the thread on screen. `Copy`.
#[derive(Clone, Copy)]
pub struct Threads {
    /// The current user's threads, most recently active first.
    list: RwSignal<Vec<Thread>>,
    /// The thread on screen; `None` until the first message of a new thread.
    current: RwSignal<Option<String>>,
    /// Answers to commands typed in this thread (not stored; not sent to the model).
    notes: RwSignal<Vec<ThreadNote>>,
    /// The name being typed for the thread on screen; `None` while its title shows.
    renaming: RwSignal<Option<String>>,
    /// The persona chosen for a new thread before its first message.
    new_persona: RwSignal<NewThread>,
    /// The oldest exchange the last call sent, when older ones were left out: the thread
    /// marks where the model's context began.
    context_start: RwSignal<Option<String>>,
    window: &'static ThreadWindow,
    store: &'static Store,
    notices: &'static Notices,
}

impl Threads {
    /// An empty list over `window`, no thread on screen.
    pub(super) fn new(
        store: &'static Store,
        notices: &'static Notices,
        window: &'static ThreadWindow,
    ) -> Threads {
        Threads {
            list: RwSignal::new(Vec::new()),
            current: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            renaming: RwSignal::new(None),
            new_persona: RwSignal::new(NewThread::Default),
            context_start: RwSignal::new(None),
            window,
            store,
            notices,
        }
    }

    /// The current user's threads, most recently active first, for views to read.
    pub fn list(&self) -> Reading<Vec<Thread>> {
        Reading::of(self.list)
    }

    /// Shows `list` as the current user's threads (a user was loaded).
    pub(super) fn set_list(&self, list: Vec<Thread>) {
        self.list.set(list);
    }

    /// Answers to commands typed in this thread (tracked).
    pub fn notes(&self) -> Vec<ThreadNote> {
        self.notes.get()
    }

    /// Whether the thread on screen has command notes (tracked).
    pub fn has_notes(&self) -> bool {
        self.notes.with(|n| !n.is_empty())
    }

    /// The name being typed for the thread on screen; `None` while its title shows.
    pub fn renaming(&self) -> Reading<Option<String>> {
        Reading::of(self.renaming)
    }

    /// Opens the name box with `typed` in it, or closes it (`None`).
    pub fn set_renaming(&self, typed: Option<String>) {
        self.renaming.set(typed);
    }

    /// What was chosen for the new thread on screen before its first message (tracked).
    pub fn new_persona(&self) -> NewThread {
        self.new_persona.get()
    }

    /// Whether the model's context of the last call began at exchange `message_id`
    /// (tracked).
    pub fn context_starts_at(&self, message_id: &str) -> bool {
        self.context_start
            .with(|c| c.as_deref() == Some(message_id))
    }

    /// Marks where the model's context of the last call began (`None`: nothing left out).
    pub(super) fn mark_context_start(&self, message_id: Option<String>) {
        self.context_start.set(message_id);
    }

    /// The thread on screen (tracked).
    pub fn current(&self) -> Option<String> {
        self.current.get()
    }

    /// The thread on screen, without tracking.
    pub fn current_untracked(&self) -> Option<String> {
        self.current.get_untracked()
    }

    /// Reads `user_id`'s threads again.
    pub async fn reread(&self, user_id: &str) -> Result<(), StateError> {
        let Some(db) = self.store.db() else {
            return Ok(());
        };
        self.list.set(threads::for_user(&db, user_id).await?);
        Ok(())
    }

    /// Shows thread `thread_id` and puts its link in the address bar.
    pub fn open(&self, thread_id: String) {
        set_hash(&link(&thread_id));
        self.show(Some(thread_id));
    }

    /// Shows thread `thread_id` with the window on the exchange `at` names (a search
    /// result), its matches highlighted: the path goes through that version first if it
    /// did not.
    pub fn open_at(&self, thread_id: String, at: Opened) {
        set_hash(&link(&thread_id));
        self.switch(Some(thread_id.clone()));
        let (store, notices, window) = (self.store, self.notices, self.window);
        spawn_local(async move {
            if let Some(db) = store.db() {
                let shown = versions::show_branch(&db, &thread_id, &at.branch, at.depth).await;
                if let Err(e) = shown {
                    return notices.fail(e);
                }
            }
            window.show_at(thread_id, at).await;
        });
    }

    /// Starts a new thread: the next message begins a fresh context.
    pub fn start_new(&self) {
        set_hash("#/");
        self.show(None);
    }

    fn show(&self, thread_id: Option<String>) {
        // Already shown (the hash change that follows our own link change lands here too).
        if self.current.get_untracked() == thread_id {
            return;
        }
        self.switch(thread_id.clone());
        spawn_local(self.window.show_thread(thread_id));
    }

    /// Makes `thread_id` the thread on screen, without its notes and context mark; the
    /// caller reads its window.
    pub(super) fn switch(&self, thread_id: Option<String>) {
        self.current.set(thread_id);
        self.context_start.set(None);
        self.notes.set(Vec::new());
        self.renaming.set(None);
        self.new_persona.set(NewThread::Default);
    }

    /// Adds a command's note under the thread.
    pub fn note(&self, typed: String, answer: Text) {
        self.notes
            .update(|notes| notes.push(ThreadNote { typed, answer }));
    }

    /// Deletes thread `thread_id` of `user_id` (its debits stay in the ledger); a new
    /// thread opens if it was shown.
    pub fn delete(&self, user_id: String, thread_id: String) {
        let this = *self;
        spawn_local(async move {
            let Some(db) = this.store.db() else { return };
            if let Err(e) = threads::delete(&db, &thread_id, now()).await {
                return this.notices.fail(e);
            }
            if this.current.get_untracked() == Some(thread_id) {
                this.start_new();
            }
            if let Err(e) = this.reread(&user_id).await {
                this.notices.fail(e);
            }
        });
    }

    /// Renames thread `thread_id` (now `kept`) to what the user typed; a title that cannot
    /// be one is a sentence and nothing changes.
    pub async fn rename(&self, thread_id: &str, kept: &str, typed: &str) -> Result<(), StateError> {
        let title = thread_list::clean_title(typed, kept)?;
        if title == kept {
            return Ok(());
        }
        let db = self.store.open_db()?;
        threads::rename(&db, thread_id, &title, now()).await?;
        // In place: a rename does not move the thread.
        self.list.update(|list| {
            if let Some(t) = list.iter_mut().find(|t| t.thread_id == thread_id) {
                t.title = title;
            }
        });
        Ok(())
    }

    /// Pins thread `thread_id` (listed first), or unpins it; the list is read again, in
    /// its new order (the other tabs read theirs when told).
    pub async fn set_pinned(&self, thread_id: &str, pinned: bool) -> Result<(), StateError> {
        let db = self.store.open_db()?;
        threads::set_pinned(&db, thread_id, pinned, now()).await?;
        let owner = self.list.with_untracked(|list| {
            list.iter()
                .find(|t| t.thread_id == thread_id)
                .map(|t| t.user_id.clone())
        });
        match owner {
            Some(user_id) => self.reread(&user_id).await,
            None => Ok(()),
        }
    }

    /// Makes `persona` the persona of thread `thread_id` (`None`: of the new thread on
    /// screen, from its first message on). The list shows it at once.
    pub async fn set_persona(
        &self,
        thread_id: Option<&str>,
        persona: Option<String>,
    ) -> Result<(), StateError> {
        let Some(thread_id) = thread_id else {
            self.new_persona.set(NewThread::chosen(persona));
            return Ok(());
        };
        let db = self.store.open_db()?;
        threads::set_persona(&db, thread_id, persona.clone(), now()).await?;
        self.list.update(|list| {
            if let Some(t) = list.iter_mut().find(|t| t.thread_id == thread_id) {
                t.persona = persona;
            }
        });
        Ok(())
    }

    /// Follows the back and forward buttons between thread links; `on_unknown` runs for a
    /// link to a thread not in the list (another user's, or one made in another tab).
    pub fn follow_hash_changes(&self, on_unknown: impl Fn() + 'static) {
        let this = *self;
        let on_change = Closure::<dyn FnMut()>::new(move || {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            match parse_link(&hash) {
                Some(id)
                    if this
                        .list
                        .with_untracked(|ts| ts.iter().any(|t| t.thread_id == id)) =>
                {
                    this.show(Some(id))
                }
                Some(_) => on_unknown(),
                None if hash.is_empty() || hash == "#/" => this.show(None),
                None => {}
            }
        });
        if let Some(window) = web_sys::window() {
            window.set_onhashchange(Some(on_change.as_ref().unchecked_ref()));
        }
        // The handler lives as long as the page.
        on_change.forget();
    }
}

/// The link of a thread, relative to the page: works from a subpath too.
pub fn link(thread_id: &str) -> String {
    format!("#/thread/{thread_id}")
}

/// The thread a `#/thread/ID` hash names.
pub fn parse_link(hash: &str) -> Option<String> {
    let id = hash.strip_prefix("#/thread/")?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| id.to_owned())
}

/// The thread the page's address links to, if it names one (not checked against storage).
pub fn linked_id() -> Option<String> {
    parse_link(&web_sys::window()?.location().hash().ok()?)
}

/// The thread a link names, if it exists and is not deleted. With `adopt_user`, its user
/// becomes the current user (stored as such, unless they are `current_user` already), so
/// a link opens the right person's thread on a shared browser.
pub async fn from_link(
    store: &'static Store,
    adopt_user: bool,
    current_user: Option<&str>,
) -> Option<Thread> {
    let id = linked_id()?;
    let db = store.db()?;
    let thread = threads::get(&db, &id).await.ok().flatten()?;
    if thread.deleted_at.is_some() {
        return None;
    }
    if adopt_user && current_user != Some(thread.user_id.as_str()) {
        settings::put(&db, CURRENT_USER, thread.user_id.clone().into())
            .await
            .ok()?;
    }
    Some(thread)
}

fn set_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        let current = window.location().hash().unwrap_or_default();
        if current != hash && !(hash == "#/" && current.is_empty()) {
            let _ = window.location().set_hash(hash);
        }
    }
}
