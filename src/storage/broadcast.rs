//! Tells other tabs of the same origin what changed, over a BroadcastChannel, so the
//! balance and lists on screen stay current when another tab writes.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

/// The channel every pocket-chat tab listens on.
pub const CHANNEL: &str = "pocket-chat";

/// A change another tab made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A user's record, balance, threads or messages changed.
    User { user_id: String },
    /// Users were added or deleted, or data was imported.
    All,
}

thread_local! {
    static SENDER: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

/// Tells the other tabs about `change`. Best effort: a browser without BroadcastChannel
/// still stores correctly, it only does not refresh other tabs.
pub fn announce(change: &Change) {
    let Ok(text) = serde_json::to_string(change) else {
        return;
    };
    SENDER.with(|cell| {
        let mut sender = cell.borrow_mut();
        if sender.is_none() {
            *sender = BroadcastChannel::new(CHANNEL).ok();
        }
        if let Some(channel) = sender.as_ref() {
            let _ = channel.post_message(&text.into());
        }
    });
}

/// Listens for changes from other tabs (never this tab's own). Keep the returned value:
/// dropping it stops listening.
pub struct Listener {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Listener {
    pub fn new(mut on_change: impl FnMut(Change) + 'static) -> Option<Listener> {
        let channel = BroadcastChannel::new(CHANNEL).ok()?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let change = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<Change>(&text).ok());
            if let Some(change) = change {
                on_change(change);
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Listener {
            channel,
            _on_message: on_message,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
