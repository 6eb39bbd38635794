//! Whether the browser is online, kept current from the window's `online` and `offline`
//! events, so the page can say so before a send fails.

use leptos::prelude::*;

/// A signal that is true while the browser says it is online. The listeners live as long
/// as the page.
pub fn watch_online() -> ReadSignal<bool> {
    let (online, set_online) = signal(crate::fetch::online());
    std::mem::forget(window_event_listener(leptos::ev::online, move |_| {
        set_online.set(true)
    }));
    std::mem::forget(window_event_listener(leptos::ev::offline, move |_| {
        set_online.set(false)
    }));
    online
}
