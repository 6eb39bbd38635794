//! The look of the page: its language (from the browser, unless the user chose one) and
//! its theme (the system's, unless the user chose light or dark), both kept in the settings
//! store and applied to `<html lang>` and `<html data-theme>`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::records::Setting;

use super::notices::Notices;
use super::reading::Reading;
use super::store::Store;
use crate::storage::settings;

pub use pocket_chat_core::i18n::LANGUAGE_KEY;
/// The settings key of the chosen theme ("system", "light", "dark").
pub const THEME_KEY: &str = "ui_theme";

/// Which colours the page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Light or dark as the system prefers (`prefers-color-scheme`).
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// The value stored, and set as `data-theme` (the stylesheet reads it).
    pub fn code(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme a stored [`Theme::code`] names.
    pub fn from_code(code: &str) -> Option<Theme> {
        [Theme::System, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.code() == code)
    }

    /// The next theme of the header's theme button: system → light → dark → system.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }
}

/// The browser's language, as `navigator.language` tells it.
pub fn browser_lang() -> Lang {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .map_or(Lang::En, |tag| Lang::from_browser(&tag))
}

/// The language and theme on screen. `Copy`.
#[derive(Clone, Copy)]
pub struct Prefs {
    /// The language every text is shown in.
    lang: RwSignal<Lang>,
    /// Light, dark, or as the system says.
    theme: RwSignal<Theme>,
    store: &'static Store,
    notices: &'static Notices,
}

impl Prefs {
    /// The browser's language and the system's theme until the stored choices are read;
    /// the page (`<html lang>`, `<html data-theme>`) follows them from here on.
    pub(super) fn new(store: &'static Store, notices: &'static Notices) -> Prefs {
        let prefs = Prefs {
            lang: RwSignal::new(browser_lang()),
            theme: RwSignal::new(Theme::System),
            store,
            notices,
        };
        prefs.apply_to_page();
        prefs
    }

    /// The language every text is shown in, for views and sentences to follow.
    pub fn lang(&self) -> Reading<Lang> {
        Reading::of(self.lang)
    }

    /// The theme chosen: light, dark or the system's (tracked).
    pub fn theme(&self) -> Theme {
        self.theme.get()
    }

    /// The text of `key` in the current language, as a reactive closure for views.
    pub fn tr(&self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || i18n::t(lang.get(), key)
    }

    /// Applies the user's stored choices (from every setting, read at start); a missing or
    /// unreadable one leaves the default.
    pub fn load(&self, stored: &[Setting]) {
        let code = |key| {
            stored
                .iter()
                .find(|s| s.key == key)
                .and_then(|s| s.value.as_str())
        };
        if let Some(lang) = code(LANGUAGE_KEY).and_then(Lang::from_code) {
            self.lang.set(lang);
        }
        if let Some(theme) = code(THEME_KEY).and_then(Theme::from_code) {
            self.theme.set(theme);
        }
    }

    /// Shows the page in `lang` and remembers the choice.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        self.remember(LANGUAGE_KEY, lang.code());
    }

    /// Uses `theme` and remembers the choice.
    pub fn set_theme(&self, theme: Theme) {
        self.theme.set(theme);
        self.remember(THEME_KEY, theme.code());
    }

    fn remember(&self, key: &'static str, code: &'static str) {
        let (store, notices) = (self.store, self.notices);
        spawn_local(async move {
            let Some(db) = store.db() else { return };
            if let Err(e) = settings::put(&db, key, code.into()).await {
                notices.fail(e);
            }
        });
    }

    /// Keeps `<html lang>` and `<html data-theme>` in step with the choices, so that screen
    /// readers pronounce the right language and the stylesheet picks the colours.
    fn apply_to_page(&self) {
        let (lang, theme) = (self.lang, self.theme);
        Effect::new(move |_| {
            let (lang, theme) = (lang.get(), theme.get());
            let root = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element());
            if let Some(root) = root {
                let _ = root.set_attribute("lang", lang.code());
                let _ = root.set_attribute("data-theme", theme.code());
            }
        });
    }
}
