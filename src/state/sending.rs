//! The turn in flight: the text in the input box, the exchange being sent with its reply
//! streaming in, and the request that Stop aborts.

use leptos::prelude::*;

use crate::providers::InFlight;

/// The exchange being sent: its prompt on screen while the reply streams in.
pub use pocket_chat_core::turn::Pending;

/// The input box and the turn in flight. `Copy`.
#[derive(Clone, Copy)]
pub struct Sending {
    /// The text in the input box; a failed send puts its prompt back here.
    pub draft: RwSignal<String>,
    /// The exchange being sent, while it is.
    pub pending: RwSignal<Option<Pending>>,
    /// The stored row of the reply streaming now (saved as it arrives), which the thread
    /// shows as the pending exchange instead.
    pub streaming_row: RwSignal<Option<String>>,
    /// The exchange whose prompt is being edited in place, if any.
    pub editing: RwSignal<Option<String>>,
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
