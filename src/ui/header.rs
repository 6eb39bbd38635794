//! The header, always in view: the current user (opens the switcher), their model (a click
//! switches to their other one), their balance, the Data and Settings buttons, and the
//! language and theme switches.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;

use crate::state::prefs::Theme;
use crate::state::use_account;
use crate::state::use_notices;
use crate::state::use_prefs;

/// Which panel is open under the header.
#[derive(Clone, Copy)]
pub struct Panels {
    pub users: RwSignal<bool>,
    pub data: RwSignal<bool>,
    pub settings: RwSignal<bool>,
    pub threads: RwSignal<bool>,
}

impl Panels {
    /// Closes the panel on top, if one is open, and returns the id of the header button
    /// that opens it (where the keyboard focus goes back to).
    pub fn close_one(&self) -> Option<&'static str> {
        let panels = [
            (self.threads, "threads-toggle"),
            (self.users, "user-button"),
            (self.data, "data-button"),
            (self.settings, "settings-button"),
        ];
        let (open, button) = panels.into_iter().find(|(p, _)| p.get_untracked())?;
        open.set(false);
        Some(button)
    }
}

#[component]
pub fn Header(panels: Panels) -> impl IntoView {
    let prefs = use_prefs();
    let account = use_account();
    let notices = use_notices();
    let (lang, user) = (prefs.lang(), account.user());
    let name = move || user.with(|u| u.as_ref().map(|u| u.display_name.clone()));
    let balance = move || user.with(|u| u.as_ref().map(|u| u.num_token));
    let model = move || user.with(|u| u.as_ref().map(|u| u.model.clone()));
    let other_model = move || {
        user.with(|u| {
            u.as_ref()
                .and_then(|u| u.models.iter().find(|m| **m != u.model).cloned())
                .map(|m| pocket_chat_core::commands::switch_to_model(lang.get(), &m))
        })
    };
    // Opening one panel closes the others.
    let toggle = move |which: RwSignal<bool>| {
        let was = which.get_untracked();
        for p in [panels.users, panels.data, panels.settings] {
            p.set(false);
        }
        which.set(!was);
    };
    let theme_label = move || {
        prefs.tr(match prefs.theme() {
            Theme::System => Key::ThemeSystem,
            Theme::Light => Key::ThemeLight,
            Theme::Dark => Key::ThemeDark,
        })()
    };
    let theme_icon = move || match prefs.theme() {
        Theme::System => "◐",
        Theme::Light => "☀",
        Theme::Dark => "☾",
    };
    // Document order is visual order at every width: app controls on the left, the
    // account on the right (on a phone: the second row).
    view! {
        <header class="header">
            <button type="button" id="threads-toggle" class="ghost icon-button threads-toggle" data-testid="threads-toggle"
                aria-label=prefs.tr(Key::ThreadsToggle) aria-controls="sidebar"
                aria-expanded=move || panels.threads.get().to_string()
                on:click=move |_| panels.threads.update(|o| *o = !*o)>
                <span aria-hidden="true">"☰"</span>
            </button>
            <h1 class="brand" data-testid="app-name">"pocket-chat"</h1>
            <div class="tools">
                <button type="button" id="data-button" class="ghost" data-testid="data-button"
                    aria-expanded=move || panels.data.get().to_string() on:click=move |_| toggle(panels.data)>
                    {prefs.tr(Key::Data)}
                </button>
                <button type="button" id="settings-button" class="ghost" data-testid="settings-button"
                    aria-expanded=move || panels.settings.get().to_string() on:click=move |_| toggle(panels.settings)>
                    {prefs.tr(Key::Settings)}
                </button>
            </div>
            <div class="look">
                // Named in the language it switches to, as language switches are.
                <button type="button" class="ghost" data-testid="language-button"
                    lang=move || lang.get().other().code() title=prefs.tr(Key::SwitchLanguage)
                    on:click=move |_| prefs.set_lang(lang.get_untracked().other())>
                    {move || lang.get().other().name()}
                </button>
                <button type="button" class="ghost icon-button" data-testid="theme-button"
                    title=theme_label aria-label=theme_label
                    on:click=move |_| prefs.set_theme(prefs.theme().next())>
                    <span aria-hidden="true">{theme_icon}</span>
                </button>
            </div>
            <div class="account">
                <button type="button" id="user-button" class="ghost user-name" data-testid="user-name"
                    aria-expanded=move || panels.users.get().to_string() title=prefs.tr(Key::SwitchUser)
                    on:click=move |_| toggle(panels.users)>{name}</button>
                <button type="button" class="model" data-testid="model" title=other_model
                    on:click=move |_| spawn_local(async move {
                        if let Err(e) = account.switch_model(None).await {
                            notices.fail(e);
                        }
                    })>
                    {model}
                </button>
                <span class="balance" class:negative=move || balance().is_some_and(|b| b < 0)
                    data-testid="balance" title=prefs.tr(Key::BalanceTitle)>
                    {move || balance().map(|b| pocket_chat_core::format::token_count(lang.get(), b))}
                </span>
            </div>
        </header>
    }
}
