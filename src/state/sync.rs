//! Sync's page side: each user's sync settings (the `settings` store's `sync.{user_id}`,
//! this device's own), the syncs the data worker runs — on "Sync now", soon after a change,
//! every few minutes while online — and the line saying how the last one went. A user
//! who never syncs never starts the worker for it.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Lang;
use pocket_chat_core::records::Setting;
use pocket_chat_core::sync::{last_line, settings_key, Moved, SyncSettings};
use wasm_bindgen::JsValue;

use super::data_client::{ask, request};
use super::error::StateError;
use super::people::Account;
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

/// Sync's settings, state and line. `Copy`.
#[derive(Clone, Copy)]
pub struct Syncer {
    /// Every user's sync settings, by user id.
    saved: StoredValue<Vec<(String, SyncSettings)>>,
    /// How the last sync went (or why it failed); `None`: none in this tab yet.
    pub status: RwSignal<Option<Result<Text, Text>>>,
    /// Whether a sync runs.
    pub busy: RwSignal<bool>,
    /// Counts changes, so only the last of a burst syncs.
    due: StoredValue<u32>,
    /// A sync was asked for while one ran: it runs again after.
    again: StoredValue<bool>,
    store: &'static Store,
    /// The exchange streaming now, which syncs once finished.
    sending: &'static Sending,
}

impl Syncer {
    pub(super) fn new(store: &'static Store, sending: &'static Sending) -> Syncer {
        Syncer {
            saved: StoredValue::new(Vec::new()),
            status: RwSignal::new(None),
            busy: RwSignal::new(false),
            due: StoredValue::new(0),
            again: StoredValue::new(false),
            store,
            sending,
        }
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
    /// once finished. Asked while a sync runs, it runs once more after it; the line then
    /// says what both moved, and how the last ended.
    pub async fn run(self, user_id: String) {
        if self.busy.get_untracked() {
            self.again.set_value(true);
            return;
        }
        self.busy.set(true);
        let mut moved = Moved::default();
        loop {
            let s = self.settings_of(&user_id);
            if s.url.trim().is_empty() {
                break;
            }
            let mut fields = vec![
                ("user_id", JsValue::from(user_id.as_str())),
                ("url", s.url.into()),
                ("user", s.user.into()),
                ("password", s.password.into()),
            ];
            if let Some(id) = self.sending.streaming_row.get_untracked() {
                fields.push(("streaming", id.into()));
            }
            let answer = ask(request("sync", &fields)).await;
            let last = answer.as_ref().ok().and_then(read_last);
            if let Some((_, m)) = last {
                moved.sent += m.sent;
                moved.received += m.received;
                moved.skipped += m.skipped;
            }
            if self.again.get_value() {
                self.again.set_value(false);
                continue;
            }
            match (answer, last) {
                (Err(e), _) => self.status.set(Some(Err(e.into()))),
                (Ok(_), Some((at, _))) => self.status.set(Some(Ok(line(at, moved)))),
                (Ok(_), None) => {}
            }
            break;
        }
        self.busy.set(false);
    }

    /// Shows `user_id`'s last sync on this device, when nothing was shown yet.
    pub async fn show_last(self, user_id: String) {
        if self.settings_of(&user_id).url.is_empty() || self.status.get_untracked().is_some() {
            return;
        }
        if let Ok(last) = ask(request("sync-last", &[("user_id", user_id.into())])).await {
            self.status
                .set(read_last(&last).map(|(at, moved)| Ok(line(at, moved))));
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
                    let online = crate::providers::online();
                    if self.due.get_value() == n && online {
                        if let Some(user_id) = account.user_id() {
                            spawn_local(self.run(user_id));
                        }
                    }
                },
                AFTER_CHANGE,
            );
        };
        Effect::new(move |_| {
            account.user.track();
            threads.list.track();
            soon();
        });
        std::mem::forget(window_event_listener(leptos::ev::online, move |_| soon()));
        let _ = set_interval_with_handle(soon, EVERY);
    }
}

/// The worker's `{at, sent, received, skipped}`; `None` for none.
fn read_last(last: &JsValue) -> Option<(f64, Moved)> {
    let at = field(last, "at").as_f64()?;
    let n = |name| field(last, name).as_f64().unwrap_or(0.0) as usize;
    let moved = Moved {
        sent: n("sent"),
        received: n("received"),
        skipped: n("skipped"),
    };
    Some((at, moved))
}

/// The line in Settings: when a sync ended (`at`) and what it moved.
fn line(at: f64, moved: Moved) -> Text {
    Text::new(move |lang| {
        let locale = match lang {
            Lang::En => "en",
            Lang::Ja => "ja",
        };
        let time = js_sys::Date::new(&JsValue::from_f64(at))
            .to_locale_time_string(locale)
            .as_string()
            .unwrap_or_default();
        last_line(lang, &time, moved)
    })
}
