//! The provider choice (OpenAI / Azure OpenAI / OpenAI-compatible), shared by the
//! first-run card and Settings.

use leptos::prelude::*;
use pocket_chat_core::i18n::Key;
use pocket_chat_core::provider::ProviderKind;

use crate::state::use_prefs;

const CHOICES: [(ProviderKind, &str, Key); 3] = [
    (ProviderKind::OpenAi, "openai", Key::ProviderOpenAi),
    (ProviderKind::Azure, "azure", Key::ProviderAzure),
    (
        ProviderKind::Compatible,
        "compatible",
        Key::ProviderCompatible,
    ),
];

/// A `<select>` bound to `kind`; `id` is what its label points at.
#[component]
pub fn ProviderSelect(
    id: &'static str,
    testid: &'static str,
    kind: RwSignal<ProviderKind>,
) -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <select id=id data-testid=testid
            on:change=move |ev| {
                let value = event_target_value(&ev);
                if let Some((k, _, _)) = CHOICES.iter().find(|(_, v, _)| *v == value) {
                    kind.set(*k);
                }
            }>
            {CHOICES
                .iter()
                .map(|&(k, value, label)| view! {
                    <option value=value selected=move || kind.get() == k>{prefs.tr(label)}</option>
                })
                .collect_view()}
        </select>
    }
}
