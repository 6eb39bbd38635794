//! Sentences kept as "how to say it" rather than as words, so that a notice or a thread
//! note shown in English turns Japanese (and back) when the user switches languages.

use std::sync::Arc;

use pocket_chat_core::i18n::{Key, Lang, Localize};

/// A sentence in whatever language is current when it is shown.
#[derive(Clone)]
pub struct Text(Arc<dyn Fn(Lang) -> String + Send + Sync>);

impl Text {
    /// A sentence built for a language when shown.
    pub fn new(say: impl Fn(Lang) -> String + Send + Sync + 'static) -> Text {
        Text(Arc::new(say))
    }

    /// Words that are the same in every language: model names, what the user typed.
    pub fn verbatim(words: impl Into<String>) -> Text {
        let words = words.into();
        Text::new(move |_| words.clone())
    }

    /// The sentence in `lang`.
    pub fn get(&self, lang: Lang) -> String {
        (self.0)(lang)
    }
}

impl<T: Localize + Send + Sync + 'static> From<T> for Text {
    fn from(value: T) -> Text {
        Text::new(move |lang| value.localize(lang))
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Text").field(&self.get(Lang::En)).finish()
    }
}

/// Two texts are the same when they are the same sentence (not merely equal words).
impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Text {}

/// A fixed text of the catalog as a [`Text`].
pub fn key(key: Key) -> Text {
    Text::from(key)
}
