//! Sync's page side: each user's sync settings (the `settings` store's `sync.{user_id}`,
//! this device's own), the syncs the data worker runs — on "Sync now", soon after a change,
//! every few minutes while online — and the line saying how the last one went. A user
//! who never syncs never starts the worker for it.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Lang;
use pocket_chat_core::records::Setting;
use pocket_chat_core::sync::{settings_key, since_failed, SyncSettings, TIMEOUT_SECONDS};
use wasm_bindgen::JsValue;

use super::account::Account;
use super::data_client::{ask, request};
use super::error::StateError;
use super::sending::Sending;
use super::store::Store;
use super::text::Text;
use super::threads::Threads;
use crate::js::field;
use crate::storage::settings;

/// A sync while online, at most this long after the last.
const EVERY: Duration = Duration::from_secs(5 * 60);
/// A change is synced this long after the last change: a burst syncs once.
const AFTER_CHANGE: Duration = Duration::from_secs(3);

/// Who started a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// "Sync now": its outcome is the line, until the user asks again.
    ByUser,
    /// After a change, on a timer or back online: said under the line, never over it.
    ByItself,
}

/// Sync's settings, state and lines. `Copy`.
#[derive(Clone, Copy)]
pub struct Syncer {
    /// Every user's sync settings, by user id.
    saved: StoredValue<Vec<(String, SyncSettings)>>,
    /// How the last sync the user asked for went (before any in this tab: the last sync
    /// of any kind); `None`: none yet.
    status: RwSignal<Option<Result<Text, Text>>>,
    /// How the last sync that ran by itself went, when one ran since the user asked.
    since: RwSignal<Option<Result<Text, Text>>>,
    /// Syncs the user asked for that ended in this tab: one outcome told from the next.
    asked: RwSignal<u32>,
    /// The sync running, if one is.
    busy: RwSignal<Option<Asked>>,
    /// Counts changes, so only the last of a burst syncs.
    due: StoredValue<u32>,
    /// A sync was asked for while one ran: it runs again after (as the user's, if either
    /// asker was the user).
    again: StoredValue<Option<Asked>>,
    store: &'static Store,
    /// The exchange streaming now, which syncs once finished.
    sending: &'static Sending,
}

impl Syncer {
    pub(super) fn new(store: &'static Store, sending: &'static Sending) -> Syncer {
        Syncer {
            saved: StoredValue::new(Vec::new()),
            status: RwSignal::new(None),
            since: RwSignal::new(None),
            asked: RwSignal::new(0),
            busy: RwSignal::new(None),
            due: StoredValue::new(0),
            again: StoredValue::new(None),
            store,
            sending,
        }
    }

    /// The line: how the last sync the user asked for went.
    pub fn status(&self) -> Option<Result<Text, Text>> {
        self.status.get()
    }

    /// The line under it: how a sync that ran by itself since went.
    pub fn since(&self) -> Option<Result<Text, Text>> {
        self.since.get()
    }

    /// How many syncs the user asked for have ended in this tab.
    pub fn asked_count(&self) -> u32 {
        self.asked.get()
    }

    /// The sync running, if one is.
    pub fn busy(&self) -> Option<Asked> {
        self.busy.get()
    }

    /// Ends a sync the user asked for with `outcome` (also one that could not start).
    pub fn said(&self, outcome: Result<Text, Text>) {
        self.status.set(Some(outcome));
        self.since.set(None);
        self.asked.update(|n| *n += 1);
    }

    /// Takes every user's sync settings from the settings read at start.
    pub fn load(&self, stored: &[Setting]) {
        let saved = stored
            .iter()
            .filter_map(|s| {
                let user_id = s.key.strip_prefix("sync.")?;
                // `[url, user, password]`: an object's map costs the first load more.
                let text = |i: usize| {
                    s.value
                        .get(i)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                let settings = SyncSettings {
                    url: text(0),
                    user: text(1),
                    password: text(2),
                };
                Some((user_id.to_owned(), settings))
            })
            .collect();
        self.saved.set_value(saved);
    }

    /// `user_id`'s sync settings (the defaults: none).
    pub fn settings_of(&self, user_id: &str) -> SyncSettings {
        self.saved.with_value(|all| {
            all.iter()
                .find(|(id, _)| id == user_id)
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        })
    }

    /// Stores `user_id`'s sync settings (an empty URL: no sync).
    pub async fn save(&self, user_id: &str, new: SyncSettings) -> Result<(), StateError> {
        // Settings saved with sync untouched (most saves, by most users) write nothing.
        if self.settings_of(user_id) == new {
            return Ok(());
        }
        let db = self.store.open_db()?;
        let value = serde_json::Value::Array(
            [&new.url, &new.user, &new.password]
                .into_iter()
                .map(|s| serde_json::Value::String(s.clone()))
                .collect(),
        );
        settings::put(&db, &settings_key(user_id), value).await?;
        self.saved.update_value(|all| {
            all.retain(|(id, _)| id != user_id);
            all.push((user_id.to_owned(), new));
        });
        Ok(())
    }

    /// Syncs `user_id` now, when they sync; an exchange whose reply is arriving is pushed
    /// once finished. Asked while a sync runs, it runs once more after it. The outcome
    /// of a sync the user asked for is the line until they ask again; one that ran by
    /// itself since is said under it, so a failure the user asked about is never hidden.
    pub async fn run(self, user_id: String, asked: Asked) {
        if self.busy.get_untracked().is_some() {
            let queued = match (self.again.get_value(), asked) {
                (Some(Asked::ByUser), _) | (_, Asked::ByUser) => Asked::ByUser,
                _ => Asked::ByItself,
            };
            self.again.set_value(Some(queued));
            return;
        }
        let mut asked = asked;
        loop {
            let s = self.settings_of(&user_id);
            if s.url.trim().is_empty() {
                break;
            }
            self.busy.set(Some(asked));
            let mut fields = vec![
                ("user_id", JsValue::from(user_id.as_str())),
                ("url", s.url.into()),
                ("user", s.user.into()),
                ("password", s.password.into()),
                ("timeout", timeout_seconds().into()),
            ];
            if let Some(id) = untrack(|| self.sending.streaming_row()) {
                fields.push(("streaming", id.into()));
            }
            let outcome = match ask(request("sync", &fields)).await {
                Ok(last) => read_last(&last).map(Ok),
                Err(e) => Some(Err(Text::from(e))),
            };
            if let Some(outcome) = outcome {
                self.tell(asked, outcome);
            }
            match self.again.get_value() {
                Some(next) => {
                    self.again.set_value(None);
                    asked = next;
                }
                None => break,
            }
        }
        self.busy.set(None);
    }

    /// Shows how a sync went: the line for the user's, under it for one by itself (on
    /// the line while the user has asked for none in this tab).
    fn tell(&self, asked: Asked, outcome: Result<Last, Text>) {
        if asked == Asked::ByUser {
            return self.said(outcome.map(|moved| line(moved, false)));
        }
        if self.asked.get_untracked() == 0 {
            let outcome = outcome.map(|moved| line(moved, false));
            self.status.set(Some(outcome));
            return;
        }
        let outcome = match outcome {
            Ok(moved) => Ok(line(moved, true)),
            Err(why) => Err(Text::new(move |lang| since_failed(lang, &why.get(lang)))),
        };
        self.since.set(Some(outcome));
    }

    /// Shows `user_id`'s last sync on this device, when nothing was shown yet.
    pub async fn show_last(self, user_id: String) {
        if self.settings_of(&user_id).url.is_empty() || self.status.get_untracked().is_some() {
            return;
        }
        if let Ok(last) = ask(request("sync-last", &[("user_id", user_id.into())])).await {
            // A sync that ended meanwhile said more.
            if self.status.get_untracked().is_none() {
                self.status
                    .set(read_last(&last).map(|moved| Ok(line(moved, false))));
            }
        }
    }

    /// Syncs the signed-in user soon after a change of their balance or threads, every
    /// [`EVERY`] while online, and when the browser comes back online. For the life of
    /// the page.
    pub fn follow(self, account: &'static Account, threads: &'static Threads) {
        let soon = move || {
            let n = self.due.get_value() + 1;
            self.due.set_value(n);
            set_timeout(
                move || {
                    let online = crate::fetch::online();
                    if self.due.get_value() == n && online {
                        if let Some(user_id) = account.user_id() {
                            spawn_local(self.run(user_id, Asked::ByItself));
                        }
                    }
                },
                AFTER_CHANGE,
            );
        };
        Effect::new(move |_| {
            account.user().track();
            threads.list().track();
            soon();
        });
        std::mem::forget(window_event_listener(leptos::ev::online, move |_| soon()));
        let _ = set_interval_with_handle(soon, EVERY);
    }
}

/// What the worker said of a sync: its lines in each language (see `last_js` there).
#[derive(Clone)]
struct Last {
    /// `[English, Japanese]`.
    line: [String; 2],
    since: [String; 2],
}

/// The worker's `{at, en, ja, since_en, since_ja}`; `None` for none.
fn read_last(last: &JsValue) -> Option<Last> {
    field(last, "at").as_f64()?;
    let text = |name| field(last, name).as_string().unwrap_or_default();
    Some(Last {
        line: [text("en"), text("ja")],
        since: [text("since_en"), text("since_ja")],
    })
}

/// A line in Settings for a sync; `since`: one that ran by itself after the user's.
fn line(moved: Last, since: bool) -> Text {
    let lines = if since { moved.since } else { moved.line };
    Text::new(move |lang| lines[usize::from(lang == Lang::Ja)].clone())
}

thread_local! {
    /// See [`timeout_seconds`].
    static TIMEOUT: std::cell::Cell<u32> = const { std::cell::Cell::new(TIMEOUT_SECONDS) };
}

/// How long one request to the sync server may take, in seconds: [`TIMEOUT_SECONDS`]
/// unless a test shortened it.
pub fn timeout_seconds() -> u32 {
    TIMEOUT.with(std::cell::Cell::get)
}

/// Sets how long one request to the sync server may take (tests shorten it).
pub fn set_timeout_seconds(seconds: u32) {
    TIMEOUT.with(|c| c.set(seconds.max(1)));
}
