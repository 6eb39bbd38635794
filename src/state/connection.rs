//! "Test connection": one cheap call (a one-token reply) that says whether the provider,
//! key and model work. Its few tokens are not taken from the balance.

use pocket_chat_core::chat_api::{parse_completion, ChatMessage, Role};
use pocket_chat_core::provider::{classify, CallError, CallSpec, ProviderSettings};
use pocket_chat_core::turn::WHOLE_REPLY_FACTOR;

use super::error::StateError;
use super::text::Text;
use crate::providers::{self, Call, Event, Transport};

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

        params: Default::default(),
    };
    let request = settings.request(&spec)?;
    let mut call =
        Call::start(&request).map_err(|_| CallError::not_reached(!crate::fetch::online()))?;
    // A whole reply may take as long as a chat turn gives one.
    let wait = i64::from(providers::idle_timeout_ms()) * i64::from(WHOLE_REPLY_FACTOR);
    call.flight().set_deadline(Some(wait));
    let (status, retry_after) = match call.next().await {
        Event::Head {
            status,
            retry_after,
        } => (status, retry_after),
        Event::Failed(failure) => return Err(failed(failure, wait).into()),
        _ => return Err(CallError::Malformed.into()),
    };
    call.read_whole();
    call.flight().set_deadline(Some(wait));
    let body = match call.next().await {
        Event::Body(body) => body,
        Event::Failed(failure) => return Err(failed(failure, wait).into()),
        _ => return Err(CallError::Malformed.into()),
    };
    if !(200..300).contains(&status) {
        return Err(classify(settings.kind, status, retry_after.as_deref(), &body, model).into());
    }
    parse_completion(&body).map_err(|_| CallError::Malformed)?;
    let (model, provider) = (model.to_owned(), settings.kind.label());
    Ok(Text::new(move |lang| {
        pocket_chat_core::models::connection_works(lang, &model, provider)
    }))
}

/// A failed test call, after waiting at most `wait` milliseconds.
fn failed(failure: Transport, wait: i64) -> CallError {
    match failure {
        Transport::TimedOut => CallError::Stalled {
            seconds: u32::try_from((wait + 999) / 1000).unwrap_or(u32::MAX),
        },
        Transport::Unreachable | Transport::Aborted => {
            CallError::not_reached(!crate::fetch::online())
        }
    }
}
