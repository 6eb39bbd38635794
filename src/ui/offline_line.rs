//! The offline line: shown while the browser has no network, gone when it is back.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;

use crate::state::{network::watch_online, use_prefs};

#[component]
pub fn OfflineLine() -> impl IntoView {
    let prefs = use_prefs();
    let online = watch_online();
    move || {
        (!online.get()).then(|| {
            view! {
                <div class="notice status" role="status" data-testid="offline-notice">
                    <p>{prefs.tr(Key::OfflineNotice)}</p>
                </div>
            }
        })
    }
}
