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
    /// One channel for sending and listening: a BroadcastChannel never delivers a message
    /// to the object that posted it, so this tab does not reload for its own writes.
    static CHANNEL_OF_THIS_TAB: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

fn with_channel(f: impl FnOnce(&BroadcastChannel)) {
    CHANNEL_OF_THIS_TAB.with(|cell| {
        let mut channel = cell.borrow_mut();
        if channel.is_none() {
            *channel = BroadcastChannel::new(CHANNEL).ok();
        }
        if let Some(channel) = channel.as_ref() {
            f(channel);
        }
    });
}

/// Tells the other tabs about `change`. Best effort: a browser without BroadcastChannel
/// still stores correctly, it only does not refresh other tabs.
pub fn announce(change: &Change) {
    if let Ok(text) = serde_json::to_string(change) {
        with_channel(|channel| {
            let _ = channel.post_message(&text.into());
        });
    }
}

/// Tells every tab, this one included, about `change`: for writes made outside the app's
/// own state, such as the test hooks.
pub fn announce_to_all(change: &Change) {
    let (Ok(text), Ok(channel)) = (
        serde_json::to_string(change),
        BroadcastChannel::new(CHANNEL),
    ) else {
        return;
    };
    let _ = channel.post_message(&text.into());
    channel.close();
}

/// Listens for changes from other tabs (never this tab's own). Keep the returned value:
/// dropping it stops listening.
pub struct Listener {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Listener {
    pub fn new(mut on_change: impl FnMut(Change) + 'static) -> Option<Listener> {
        let mut shared = None;
        with_channel(|c| shared = Some(c.clone()));
        let channel = shared?;
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
        // Not closed: the tab keeps announcing its own writes on the same channel.
        self.channel.set_onmessage(None);
    }
}
