//! Settings' sync: the signed-in user's CouchDB database URL and credentials, "Sync now",
//! and the line saying when it last synced and what it moved. Saved with the rest of
//! Settings, or by "Sync now".

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;
use pocket_chat_core::sync::SyncSettings;

use crate::state::account::Account;
use crate::state::sync::{Asked, Syncer};
use crate::state::text::Text;
use crate::state::{use_account, use_prefs, use_sync};

/// The sync settings typed in the form. `Copy`.
#[derive(Clone, Copy)]
pub struct SyncFields {
    url: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    /// The settings saved: the password stays with its address and user when none is
    /// typed (it is never put back into the field).
    saved: StoredValue<SyncSettings>,
    account: &'static Account,
    sync: &'static Syncer,
}

impl SyncFields {
    /// The form for the signed-in user's saved sync settings.
    pub fn of_signed_in() -> SyncFields {
        let (account, sync) = (use_account(), use_sync());
        let saved = account
            .user_id()
            .map(|id| sync.settings_of(&id))
            .unwrap_or_default();
        SyncFields {
            url: RwSignal::new(saved.url.clone()),
            user: RwSignal::new(saved.user.clone()),
            password: RwSignal::new(String::new()),
            saved: StoredValue::new(saved),
            account,
            sync,
        }
    }

    /// The settings typed (an empty URL turns sync off). The data worker checks the URL at
    /// the sync that follows: checked here too, its sentences would cost the first load.
    pub fn read(&self) -> SyncSettings {
        let mut typed = SyncSettings {
            url: self.url.get_untracked().trim().to_owned(),
            user: self.user.get_untracked().trim().to_owned(),
            password: self.password.get_untracked(),
        };
        self.saved.with_value(|saved| {
            if typed.password.is_empty() && (&typed.url, &typed.user) == (&saved.url, &saved.user) {
                typed.password = saved.password.clone();
            }
        });
        typed
    }

    /// Stores what is typed for the signed-in user.
    pub async fn save(self) -> Result<(), Text> {
        let settings = self.read();
        let Some(user_id) = self.account.user_id() else {
            return Ok(());
        };
        self.sync
            .save(&user_id, settings.clone())
            .await
            .map_err(Text::from)?;
        self.saved.set_value(settings);
        Ok(())
    }
}

#[component]
pub fn SyncSection(fields: SyncFields) -> impl IntoView {
    let prefs = use_prefs();
    let sync = use_sync();
    let account = use_account();
    let tr = move |k: Key| prefs.tr(k);
    let lang = prefs.lang();
    if let Some(user_id) = account.user_id() {
        spawn_local(sync.show_last(user_id));
    }
    let now = move |_| {
        spawn_local(async move {
            if let Err(e) = fields.save().await {
                return sync.said(Err(e));
            }
            if let Some(user_id) = account.user_id() {
                sync.run(user_id, Asked::ByUser).await;
            }
        })
    };
    // The user's sync is said on the line; one running by itself, under it.
    let status = move || match (sync.busy(), sync.status()) {
        (Some(Asked::ByUser), _) => ("sync-status", tr(Key::Syncing)().to_owned()),
        (Some(Asked::ByItself), None) => ("sync-status", tr(Key::Syncing)().to_owned()),
        (_, Some(Ok(t))) => ("sync-status ok", t.get(lang.get())),
        (_, Some(Err(t))) => ("sync-status bad", t.get(lang.get())),
        (_, None) => ("sync-status", tr(Key::SyncNever)().to_owned()),
    };
    // Empty (and not shown) until a sync ran by itself after the user's.
    let since = move || match (sync.busy(), sync.since()) {
        (Some(Asked::ByItself), _) if sync.status().is_some() => {
            ("sync-since", tr(Key::Syncing)().to_owned())
        }
        (_, Some(Ok(t))) => ("sync-since ok", t.get(lang.get())),
        (_, Some(Err(t))) => ("sync-since bad", t.get(lang.get())),
        _ => ("sync-since", String::new()),
    };
    view! {
        <fieldset class="sync" data-testid="sync-section">
            <legend>{tr(Key::SyncTitle)}</legend>
            <div class="grid">
                <label for="sync-url">{tr(Key::SyncUrl)}</label>
                <input id="sync-url" type="url" data-testid="sync-url" spellcheck="false"
                    placeholder="https://couch.example.com/pocketchat-alice"
                    prop:value=fields.url on:input=move |ev| fields.url.set(event_target_value(&ev)) />
                <label for="sync-user">{tr(Key::SyncUser)}</label>
                <input id="sync-user" data-testid="sync-user" autocomplete="username" spellcheck="false"
                    prop:value=fields.user on:input=move |ev| fields.user.set(event_target_value(&ev)) />
                <label for="sync-password">{tr(Key::SyncPassword)}</label>
                <input id="sync-password" type="password" data-testid="sync-password" autocomplete="current-password"
                    prop:value=fields.password on:input=move |ev| fields.password.set(event_target_value(&ev)) />
            </div>
            <p class="hint">{tr(Key::SyncHint)}</p>
            <div class="row">
                <button type="button" class="ghost" data-testid="sync-now" on:click=now
                    disabled=move || sync.busy() == Some(Asked::ByUser)>{tr(Key::SyncNow)}</button>
                <div class="sync-lines">
                    <p role="status" data-testid="sync-status" data-asked=move || sync.asked_count()
                        class=move || status().0>{move || status().1}</p>
                    <p data-testid="sync-since" class=move || since().0>{move || since().1}</p>
                </div>
            </div>
        </fieldset>
    }
}
