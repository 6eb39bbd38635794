//! The notice line's sentence: what went wrong (or right) and what to do.

use leptos::prelude::*;

use super::text::Text;

/// A sentence shown above the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Error(Text),
    Info(Text),
}

/// The notice on screen, if any. `Copy`.
#[derive(Clone, Copy)]
pub struct Notices {
    notice: RwSignal<Option<Notice>>,
}

impl Notices {
    /// No notice yet.
    pub(super) fn new() -> Notices {
        Notices {
            notice: RwSignal::new(None),
        }
    }

    /// Shows a failure as a sentence, in the language current when it is read.
    pub fn fail(&self, err: impl Into<Text>) {
        self.notice.set(Some(Notice::Error(err.into())));
    }

    /// Shows what was done as a sentence.
    pub fn inform(&self, text: impl Into<Text>) {
        self.notice.set(Some(Notice::Info(text.into())));
    }

    /// Removes the notice.
    pub fn clear(&self) {
        self.notice.set(None);
    }

    /// The notice on screen (tracked: views update with it).
    pub fn get(&self) -> Option<Notice> {
        self.notice.get()
    }

    /// Whether `notice` is the one on screen, without tracking.
    pub fn shows(&self, notice: &Notice) -> bool {
        self.notice.with_untracked(|n| n.as_ref() == Some(notice))
    }
}
