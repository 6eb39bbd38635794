//! The endpoint's models, listed for the model pickers of Settings and the first-run card
//! (`GET …/models`, asked of the data worker: the list is not needed for the first paint).
//! A listing that fails is a sentence; the model can still be typed.

use leptos::prelude::*;
use pocket_chat_core::models::Listed;
use pocket_chat_core::provider::{ProviderKind, ProviderSettings};
use wasm_bindgen::JsValue;

use super::data_client::{ask, request};
use super::error::StateError;
use super::text::Text;
use crate::js::field;

/// The models `settings`' endpoint lists, sorted by name.
pub async fn list(settings: &ProviderSettings) -> Result<Vec<Listed>, StateError> {
    let kind = match settings.kind {
        ProviderKind::OpenAi => "openai",
        ProviderKind::Azure => "azure",
        ProviderKind::Compatible => "compatible",
    };
    let fields = [
        ("kind", JsValue::from_str(kind)),
        ("base_url", JsValue::from_str(&settings.base_url)),
        ("api_key", JsValue::from_str(settings.api_key.trim())),
    ];
    let listed = ask(request("models", &fields)).await?;
    Ok(js_sys::Array::from(&listed)
        .iter()
        .filter_map(|entry| {
            Some(Listed {
                id: field(&entry, "id").as_string()?,
                context: field(&entry, "context").as_f64().map(|n| n as u64),
            })
        })
        .collect())
}

/// The models `settings`' endpoint lists, with the sentence saying so (how many, or why
/// none) set in `said`; `None` when the form that asked closed meanwhile (its signals are
/// disposed: setting them would panic), so nobody waits for the list.
pub async fn list_saying(
    settings: &ProviderSettings,
    said: RwSignal<Option<Result<Text, Text>>>,
) -> Option<Result<Vec<Listed>, ()>> {
    let found = list(settings).await;
    if said.is_disposed() {
        return None;
    }
    Some(match found {
        Ok(found) => {
            let n = found.len();
            said.set(Some(Ok(Text::new(move |lang| {
                pocket_chat_core::models::models_listed(lang, n)
            }))));
            Ok(found)
        }
        Err(e) => {
            said.set(Some(Err(e.into())));
            Err(())
        }
    })
}

/// `settings` with the windows `listed` gives (other models' windows kept).
pub fn with_windows(mut settings: ProviderSettings, listed: &[Listed]) -> ProviderSettings {
    for model in listed {
        if let Some(window) = model.context {
            settings.context_lengths.insert(model.id.clone(), window);
        }
    }
    settings
}
