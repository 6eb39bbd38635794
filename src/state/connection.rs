//! "Test connection": one cheap call (a one-token reply) that says whether the provider,
//! key and model work. Its few tokens are not taken from the balance.

use pocket_chat_core::chat_api::{parse_completion, ChatMessage, Role};
use pocket_chat_core::i18n;
use pocket_chat_core::provider::{classify, CallError, CallSpec, ProviderSettings};

use super::error::StateError;
use super::text::Text;
use crate::providers;

/// `Ok(sentence)` when the model answered; the error says what to fix.
pub async fn test(settings: &ProviderSettings, model: &str) -> Result<Text, StateError> {
    let spec = CallSpec {
        model: model.to_owned(),
        messages: vec![ChatMessage {
            role: Role::User,
            content: "Reply with OK.".into(),
        }],
        reply_cap: 1,
        stream: false,
    };
    let request = settings.request(&spec)?;
    let (_handle, reply) = providers::start(&request, providers::idle_timeout_ms(false));
    let reply = reply.await.map_err(providers::call_error)?;
    let status = reply.status();
    let ok = reply.ok();
    let retry_after = reply.header("retry-after");
    let body = reply.text().await.map_err(providers::call_error)?;
    if !ok {
        return Err(classify(settings.kind, status, retry_after.as_deref(), &body, model).into());
    }
    parse_completion(&body).map_err(|_| CallError::Malformed)?;
    let (model, provider) = (model.to_owned(), settings.kind.label());
    Ok(Text::new(move |lang| {
        i18n::connection_works(lang, &model, provider)
    }))
}
