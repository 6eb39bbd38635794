//! The turn in flight: the text in the input box, the exchange being sent with its reply
//! streaming in, and the request that Stop aborts.

use leptos::prelude::*;

use super::reading::Reading;

use crate::providers::InFlight;

/// The exchange being sent: its prompt on screen while the reply streams in.
pub use pocket_chat_core::turn::Pending;

/// The input box and the turn in flight. `Copy`.
#[derive(Clone, Copy)]
pub struct Sending {
    /// The text in the input box; a failed send puts its prompt back here.
    draft: RwSignal<String>,
    /// The exchange being sent, while it is.
    pending: RwSignal<Option<Pending>>,
    /// The stored row of the reply streaming now (saved as it arrives), which the thread
    /// shows as the pending exchange instead; only ever set while `pending` is.
    streaming_row: RwSignal<Option<String>>,
    /// The exchange whose prompt is being edited in place, if any.
    editing: RwSignal<Option<String>>,
    /// The text an edit box opens with instead of the exchange's prompt: an edit that
    /// could not be sent, put back.
    edit_text: StoredValue<Option<String>>,
    /// The request in flight, for Stop.
    in_flight: StoredValue<Option<InFlight>, LocalStorage>,
}

impl Sending {
    /// An empty box (or the text it held before the reload into a new version),
    /// nothing in flight.
    pub(super) fn new() -> Sending {
        Sending {
            draft: RwSignal::new(super::update::saved_draft().unwrap_or_default()),
            pending: RwSignal::new(None),
            streaming_row: RwSignal::new(None),
            editing: RwSignal::new(None),
            edit_text: StoredValue::new(None),
            in_flight: StoredValue::new_local(None),
        }
    }

    /// The text in the input box, for the box to show.
    pub fn draft(&self) -> Reading<String> {
        Reading::of(self.draft)
    }

    /// Puts `text` in the input box (what was typed, or a prompt given back).
    pub fn set_draft(&self, text: String) {
        self.draft.set(text);
    }

    /// The exchange being sent (tracked).
    pub fn pending(&self) -> Option<Pending> {
        self.pending.get()
    }

    /// Shows `pending` as the exchange being sent.
    pub fn show_pending(&self, pending: Pending) {
        self.pending.set(Some(pending));
    }

    /// Shows the reply streaming into stored row `message_id` as the pending exchange
    /// (the thread leaves that row out meanwhile).
    pub fn streams_into(&self, message_id: String) {
        if self.pending.with_untracked(Option::is_some) {
            self.streaming_row.set(Some(message_id));
        }
    }

    /// The stored row the reply streams into, while it does (tracked).
    pub fn streaming_row(&self) -> Option<String> {
        self.streaming_row.get()
    }

    /// Ends the exchange being sent: nothing pending, no row streaming.
    pub fn settle(&self) {
        self.pending.set(None);
        self.streaming_row.set(None);
    }

    /// Whether exchange `message_id`'s prompt is being edited in place (tracked).
    pub fn is_editing(&self, message_id: &str) -> bool {
        self.editing.with(|e| e.as_deref() == Some(message_id))
    }

    /// Opens the edit box of exchange `message_id` (`None`: closes it).
    pub fn edit(&self, message_id: Option<String>) {
        self.editing.set(message_id);
    }

    /// Opens the edit box of exchange `message_id` again with `text` in it.
    pub fn reopen_edit(&self, message_id: String, text: String) {
        self.edit_text.set_value(Some(text));
        self.editing.set(Some(message_id));
    }

    /// The text an edit box opens with, when an edit was put back (taken: once).
    pub fn take_edit_text(&self) -> Option<String> {
        self.edit_text.try_update_value(Option::take).flatten()
    }

    /// Whether an exchange is being sent (tracked).
    pub fn busy(&self) -> bool {
        self.pending.with(Option::is_some)
    }

    /// Keeps `request` as the one Stop aborts (`None` once it is over).
    pub fn set_in_flight(&self, request: Option<InFlight>) {
        self.in_flight.set_value(request);
    }

    /// Aborts the request in flight, if any.
    pub fn abort(&self) {
        self.in_flight.with_value(|f| {
            if let Some(f) = f {
                f.abort();
            }
        });
    }
}
