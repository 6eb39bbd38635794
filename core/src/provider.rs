//! Providers as pure data: the settings of OpenAI, Azure OpenAI and OpenAI-compatible
//! endpoints, the exact request each one wants, and every failure as a sentence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::chat_api::{ChatMessage, ChatRequest, ErrorBody, StreamOptions};
use crate::context::{self, ModelLimits};
use crate::i18n::{Lang, Localize};
use crate::params::{is_reasoning_model, ModelParams};

/// The settings key the provider settings are stored under.
pub const SETTINGS_KEY: &str = "provider";

/// Which wire format and URL scheme to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    #[default]
    OpenAi,
    Azure,
    Compatible,
}

impl ProviderKind {
    /// The name shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "OpenAI",
            ProviderKind::Azure => "Azure OpenAI",
            ProviderKind::Compatible => "OpenAI-compatible",
        }
    }
}

/// The default OpenAI base URL.
pub const OPENAI_BASE: &str = "https://api.openai.com";
/// The Azure api-version used when none is set.
pub const AZURE_API_VERSION: &str = "2024-10-21";

/// Where and how to call the model. Stored in the settings store; `api_key` is a secret
/// that exports leave out unless asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub api_key: String,
    /// OpenAI: `https://api.openai.com` (or a proxy); compatible: e.g. `http://localhost:11434/v1`.
    pub base_url: String,
    /// Azure: `https://NAME.openai.azure.com`.
    pub azure_endpoint: String,
    pub api_version: String,
    /// Azure: the deployment of each model name; a model without one uses its own name.
    pub deployments: BTreeMap<String, String>,
    /// Stream replies (server-sent events) rather than wait for the whole reply.
    pub stream: bool,
    /// Compatible servers that reject `stream_options` get requests without it.
    pub omit_stream_options: bool,
    /// The context window of each model, as the endpoint's model list gave it (where it
    /// gives one); it wins over the built-in table.
    pub context_lengths: BTreeMap<String, u64>,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            kind: ProviderKind::OpenAi,
            api_key: String::new(),
            base_url: OPENAI_BASE.to_owned(),
            azure_endpoint: String::new(),
            api_version: AZURE_API_VERSION.to_owned(),
            deployments: BTreeMap::new(),
            stream: true,
            omit_stream_options: false,
            context_lengths: BTreeMap::new(),
        }
    }
}

/// Settings that cannot make a request. Each is a sentence saying what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    #[error("Add your API key in Settings to start chatting.")]
    MissingKey,
    #[error("“{0}” is not a web address. Enter one that starts with https:// (or http:// for a server on this computer).")]
    BadUrl(String),
    #[error(
        "Enter your Azure OpenAI endpoint in Settings, such as https://NAME.openai.azure.com."
    )]
    MissingEndpoint,
    #[error("Enter the Azure api-version in Settings, such as {AZURE_API_VERSION}.")]
    MissingApiVersion,
    #[error("Choose a model in Settings.")]
    MissingModel,
}

/// One HTTP request, ready for `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` for a chat call, `GET` (with an empty body) for the model list.
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Checks that `url` is an absolute http(s) address without spaces or credentials, and
/// returns it without trailing slashes.
pub fn check_url(url: &str) -> Result<String, SettingsError> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && !host.contains('@')
                && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(trimmed.trim_end_matches('/').to_owned())
    } else {
        Err(SettingsError::BadUrl(trimmed.chars().take(80).collect()))
    }
}

/// Percent-encodes one URL path segment or query value.
fn encode(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What one call asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// The reply cap from the ledger's pre-flight (within the user's own cap).
    pub reply_cap: u64,
    pub stream: bool,
    /// The user's parameters for this model; those the model rejects are left out.
    pub params: ModelParams,
}

/// The line under an empty key field when a key is saved: it stays saved while the form
/// calls `saved_address`; another address gets only a key typed for it.
pub fn key_saved(lang: Lang, same_address: bool, saved_address: &str) -> String {
    match (lang, same_address) {
        (Lang::En, true) => "A key is saved. It is never shown again: type a new one to replace it.".to_owned(),
        (Lang::En, false) => format!("The saved key is only sent to {saved_address}. Type a key for this address."),
        (Lang::Ja, true) => "キーは保存されています。再表示はしません。置き換えるには新しいキーを入力してください。".to_owned(),
        (Lang::Ja, false) => format!("保存されたキーは {saved_address} にだけ送られます。このアドレス用のキーを入力してください。"),
    }
}

impl ProviderSettings {
    /// The request for `call` in this provider's exact wire format.
    pub fn request(&self, call: &CallSpec) -> Result<HttpRequest, SettingsError> {
        if call.model.trim().is_empty() {
            return Err(SettingsError::MissingModel);
        }
        let key = self.api_key.trim();
        let mut headers = vec![("content-type", "application/json".to_owned())];
        let mut body = ChatRequest {
            model: Some(call.model.clone()),
            messages: call.messages.clone(),
            stream: call.stream,
            stream_options: (call.stream && !self.omit_stream_options).then_some(StreamOptions {
                include_usage: true,
            }),
            max_tokens: None,
            max_completion_tokens: None,
            temperature: None,
            top_p: None,
            reasoning_effort: None,
        };
        // OpenAI's reasoning models (on OpenAI or Azure) take an effort and reject the
        // sampling fields; other models there reject the effort. A compatible server gets
        // what the user set, but never sampling fields for a model of that family.
        let reasoning = is_reasoning_model(&call.model);
        if !reasoning {
            body.temperature = call.params.temperature;
            body.top_p = call.params.top_p;
        }
        if reasoning || self.kind == ProviderKind::Compatible {
            body.reasoning_effort = call.params.reasoning_effort;
        }
        let url = match self.kind {
            ProviderKind::OpenAi => {
                if key.is_empty() {
                    return Err(SettingsError::MissingKey);
                }
                headers.push(("authorization", format!("Bearer {key}")));
                body.max_completion_tokens = Some(call.reply_cap);
                let base = check_url(&self.base_url)?;
                // Accept a base given with or without the /v1 suffix.
                let base = base.strip_suffix("/v1").unwrap_or(&base);
                format!("{base}/v1/chat/completions")
            }
            ProviderKind::Azure => {
                if key.is_empty() {
                    return Err(SettingsError::MissingKey);
                }
                if self.azure_endpoint.trim().is_empty() {
                    return Err(SettingsError::MissingEndpoint);
                }
                let version = self.api_version.trim();
                if version.is_empty() {
                    return Err(SettingsError::MissingApiVersion);
                }
                headers.push(("api-key", key.to_owned()));
                body.model = None;
                // Azure's reasoning deployments reject `max_tokens`.
                if reasoning {
                    body.max_completion_tokens = Some(call.reply_cap);
                } else {
                    body.max_tokens = Some(call.reply_cap);
                }
                let endpoint = check_url(&self.azure_endpoint)?;
                format!(
                    "{endpoint}/openai/deployments/{}/chat/completions?api-version={}",
                    encode(self.deployment(&call.model)),
                    encode(version)
                )
            }
            ProviderKind::Compatible => {
                if !key.is_empty() {
                    headers.push(("authorization", format!("Bearer {key}")));
                }
                body.max_tokens = Some(call.reply_cap);
                format!("{}/chat/completions", check_url(&self.base_url)?)
            }
        };
        let body = serde_json::to_string(&body).map_err(|_| SettingsError::MissingModel)?;
        Ok(HttpRequest {
            method: "POST",
            url,
            headers,
            body,
        })
    }

    /// The window and reply limit of `model`: the built-in table's, with the window the
    /// endpoint listed for it when it did.
    pub fn limits(&self, model: &str) -> ModelLimits {
        let table = context::limits(model);
        match self.context_lengths.get(model) {
            Some(&window) if window > 0 => ModelLimits {
                window,
                max_reply: table.max_reply.min(window),
            },
            _ => table,
        }
    }

    /// The Azure deployment that serves `model`.
    pub fn deployment<'a>(&'a self, model: &'a str) -> &'a str {
        self.deployments
            .get(model)
            .map(String::as_str)
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(model)
    }

    /// The address calls go to, checked: the Azure endpoint, or the base URL.
    pub fn address(&self) -> Option<String> {
        match self.kind {
            ProviderKind::Azure => check_url(&self.azure_endpoint).ok(),
            _ => check_url(&self.base_url).ok(),
        }
    }

    /// These settings as a form typed them over the `saved` ones, with the key the form
    /// gives: `typed_key` when one was typed; else, while the form calls the address the
    /// key was saved for (and the user did not clear it), the saved key; a new address
    /// never gets the saved key, only one typed for it.
    pub fn with_key(
        mut self,
        saved: &ProviderSettings,
        typed_key: &str,
        cleared: bool,
    ) -> ProviderSettings {
        let typed = typed_key.trim();
        self.api_key = if !typed.is_empty() {
            typed.to_owned()
        } else if !cleared && self.address().is_some() && self.address() == saved.address() {
            saved.api_key.clone()
        } else {
            String::new()
        };
        self
    }

    /// The origin (scheme://host:port) requests go to: the only place the key is sent.
    pub fn origin(&self) -> Option<String> {
        let url = match self.kind {
            ProviderKind::Azure => check_url(&self.azure_endpoint).ok()?,
            _ => check_url(&self.base_url).ok()?,
        };
        let scheme_end = url.find("://")? + 3;
        let host_end = url[scheme_end..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| scheme_end + i);
        Some(url[..host_end].to_ascii_lowercase())
    }
}

/// A 400's stand-in for a provider that gave no reason, in English.
pub const NO_REASON: &str = "It gave no reason.";

/// The most characters of a provider's own explanation that a sentence quotes.
pub const DETAIL_LIMIT: usize = 300;

/// Why a call failed. Variants carry the facts (statuses, seconds, names, the provider's
/// own words); each language formats them (`Display` is the English sentence,
/// its `Localize` both). The prompt is never lost: the UI keeps it in the
/// input box or in the failed exchange.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallError {
    /// HTTP 401 or 403.
    #[error("The provider rejected the API key (HTTP {status}). Check the key in Settings.")]
    KeyRejected { status: u16 },
    /// HTTP 404 for `model`; `deployment` on Azure, where a deployment serves the model.
    #[error("The provider has no model or deployment called “{model}” (HTTP 404). Check the model name{} in Settings.", if *.deployment { " and its deployment" } else { "" })]
    NotFound { model: String, deployment: bool },
    /// HTTP 429; `retry_after` in seconds when the provider said how long to wait.
    #[error("The provider's rate limit was reached (HTTP 429).{} Your message was kept; send it again then.", wait_en(*.retry_after))]
    RateLimited { retry_after: Option<u64> },
    /// HTTP 429 with `insufficient_quota`: waiting does not help.
    #[error("Your provider account has no quota left (HTTP 429). Check your plan and billing with the provider.")]
    QuotaExhausted,
    /// HTTP 400; `detail` is the provider's reason (at most [`DETAIL_LIMIT`] characters),
    /// `None` when it gave none.
    #[error("The provider refused the request (HTTP 400): {} Check the model and the settings, then send it again.", reason_en(.detail.as_deref()))]
    BadRequest { detail: Option<String> },
    /// HTTP 408.
    #[error("The provider took too long to answer (HTTP 408). Send the message again.")]
    Timeout,
    /// HTTP 5xx.
    #[error(
        "The provider had an error (HTTP {status}). This is on their side; try again in a moment."
    )]
    ProviderDown { status: u16 },
    /// Any other status; `detail` is the provider's message, when it sent one.
    #[error("The provider answered with HTTP {status}{}.", said_en(.detail.as_deref()))]
    Unexpected { status: u16, detail: Option<String> },
    /// Network down, refused connection or CORS: no HTTP status at all.
    #[error("The endpoint could not be reached. Check your connection and the address in Settings; a server on another site must allow this page (CORS).")]
    Unreachable,
    /// A reply (whole or an event) that is not the chat-completions format.
    #[error("The provider sent a reply pocket-chat could not read. Try again; if it keeps happening, check the endpoint in Settings.")]
    Malformed,
    /// The stream ended or broke before its end.
    #[error(
        "The reply was cut off before it finished. What arrived is kept; send again to retry."
    )]
    StreamCut,
    /// An error event inside the stream; `detail` is the provider's message (at most
    /// [`DETAIL_LIMIT`] characters), `None` when it gave none.
    #[error("The provider reported an error while answering: {}", .detail.as_deref().unwrap_or("no reason given"))]
    InStream { detail: Option<String> },
    /// No byte arrived for the idle timeout: the request was given up.
    #[error("The provider sent nothing for {seconds} seconds, so pocket-chat stopped waiting. Anything that arrived is kept; send the message again to retry.")]
    Stalled { seconds: u32 },
    /// The browser says it has no network.
    #[error("This browser is offline, so the message was not sent. It is kept in the box; send it again when the connection is back.")]
    Offline,
}

impl CallError {
    /// A request that got no HTTP status: offline when the browser says it has no
    /// network, else the endpoint was not reached.
    pub fn not_reached(offline: bool) -> CallError {
        if offline {
            CallError::Offline
        } else {
            CallError::Unreachable
        }
    }

    /// The error an in-stream error event carries.
    pub fn in_stream(body: &ErrorBody) -> CallError {
        CallError::InStream {
            detail: body
                .message()
                .map(|m| m.chars().take(DETAIL_LIMIT).collect()),
        }
    }
}

/// " Wait 7 seconds.", " Wait 1 second." or " Wait a moment.".
fn wait_en(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(1) => " Wait 1 second.".into(),
        Some(s) => format!(" Wait {s} seconds."),
        None => " Wait a moment.".into(),
    }
}

/// A 400's reason as a sentence of its own, so the advice after it reads right.
fn reason_en(detail: Option<&str>) -> String {
    detail.map_or_else(|| NO_REASON.to_owned(), as_sentence)
}

/// ": what the provider said", or nothing.
fn said_en(detail: Option<&str>) -> String {
    detail.map(|d| format!(": {d}")).unwrap_or_default()
}

/// `words` ending in a full stop (or the mark they end with).
pub fn as_sentence(words: &str) -> String {
    let mut sentence = words.to_owned();
    if !sentence.ends_with(['.', '!', '?', '。']) {
        sentence.push('.');
    }
    sentence
}

/// Classifies a failed HTTP reply.
pub fn classify(
    kind: ProviderKind,
    status: u16,
    retry_after: Option<&str>,
    body: &str,
    model: &str,
) -> CallError {
    let error = ErrorBody::parse(body);
    match status {
        401 | 403 => CallError::KeyRejected { status },
        404 => CallError::NotFound {
            model: model.to_owned(),
            deployment: kind == ProviderKind::Azure,
        },
        429 if error.code().as_deref() == Some("insufficient_quota") => CallError::QuotaExhausted,
        429 => CallError::RateLimited {
            retry_after: retry_after.and_then(|s| s.trim().parse::<u64>().ok()),
        },
        400 => CallError::BadRequest {
            detail: error
                .message()
                .map(|m| m.trim().chars().take(DETAIL_LIMIT).collect()),
        },
        408 => CallError::Timeout,
        500..=599 => CallError::ProviderDown { status },
        _ => CallError::Unexpected {
            status,
            detail: error.message().map(str::to_owned),
        },
    }
}

/// [`SettingsError`] in `lang`.
impl Localize for SettingsError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        if lang == Lang::En {
            return err.to_string();
        }
        match err {
            SettingsError::MissingKey => {
                "設定で API キーを入力すると、チャットを始められます。".to_owned()
            }
            SettingsError::BadUrl(url) => format!(
                "「{url}」はウェブアドレスではありません。https://（このコンピューター上のサーバーなら http://）で始まるアドレスを入力してください。"
            ),
            SettingsError::MissingEndpoint => {
                "設定で Azure OpenAI のエンドポイント（https://NAME.openai.azure.com など）を入力してください。"
                    .to_owned()
            }
            SettingsError::MissingApiVersion => format!(
                "設定で Azure の api-version（{AZURE_API_VERSION} など）を入力してください。"
            ),
            SettingsError::MissingModel => "設定でモデルを選んでください。".to_owned(),
        }
    }
}

/// [`CallError`] in `lang`. Details the provider sent are quoted as they are.
impl Localize for CallError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        if lang == Lang::En {
            return err.to_string();
        }
        match err {
            CallError::KeyRejected { status } => format!(
                "プロバイダーが API キーを拒否しました（HTTP {status}）。設定でキーを確認してください。"
            ),
            CallError::NotFound { model, deployment } => format!(
                "プロバイダーに「{model}」というモデルまたはデプロイがありません（HTTP 404）。設定でモデル名{}を確認してください。",
                if *deployment { "とそのデプロイ名" } else { "" }
            ),
            CallError::RateLimited { retry_after } => {
                let wait = match retry_after {
                    Some(seconds) => format!("{seconds} 秒待ってください。"),
                    None => "しばらく待ってください。".to_owned(),
                };
                format!(
                    "プロバイダーのレート制限に達しました（HTTP 429）。{wait}メッセージは残してあるので、そのあとでもう一度送ってください。"
                )
            }
            CallError::QuotaExhausted => {
                "プロバイダーのアカウントにクォータが残っていません（HTTP 429）。プロバイダーでプランと支払い状況を確認してください。"
                    .to_owned()
            }
            CallError::BadRequest { detail } => format!(
                "プロバイダーがリクエストを拒否しました（HTTP 400）：{} モデルと設定を確認して、もう一度送ってください。",
                detail
                    .as_deref()
                    .map_or_else(|| "理由は示されていません。".to_owned(), as_sentence)
            ),
            CallError::Timeout => {
                "プロバイダーの応答に時間がかかりすぎました（HTTP 408）。もう一度送ってください。"
                    .to_owned()
            }
            CallError::ProviderDown { status } => format!(
                "プロバイダー側でエラーが起きました（HTTP {status}）。しばらくしてから、もう一度試してください。"
            ),
            CallError::Unexpected { status, detail } => match detail {
                Some(said) => format!("プロバイダーが HTTP {status} で応答しました：{said}"),
                None => format!("プロバイダーが HTTP {status} で応答しました。"),
            },
            CallError::Unreachable => {
                "エンドポイントに接続できませんでした。ネットワーク接続と、設定のアドレスを確認してください。別のサイトのサーバーは、このページからのアクセスを許可（CORS）している必要があります。"
                    .to_owned()
            }
            CallError::Malformed => {
                "プロバイダーから、pocket-chat が読めない応答が届きました。もう一度試してください。繰り返し起きる場合は、設定のエンドポイントを確認してください。"
                    .to_owned()
            }
            CallError::StreamCut => {
                "返信が途中で切れました。届いた部分は残してあります。もう一度送ると再試行できます。"
                    .to_owned()
            }
            CallError::InStream { detail } => format!(
                "返信の途中でプロバイダーがエラーを報告しました：{}",
                detail.as_deref().unwrap_or("理由は示されていません")
            ),
            CallError::Stalled { seconds } => format!(
                "プロバイダーから {seconds} 秒間何も届かなかったため、待つのをやめました。届いた部分は残してあります。もう一度送ると再試行できます。"
            ),
            CallError::Offline => {
                "このブラウザーはオフラインのため、メッセージを送りませんでした。入力欄に残してあるので、接続が戻ったらもう一度送ってください。"
                    .to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat_api::Role;
    use serde_json::json;

    fn call(stream: bool) -> CallSpec {
        CallSpec {
            model: "gpt-4o".into(),
            messages: vec![ChatMessage {
                role: Role::User,
                content: "hi".into(),
            }],
            reply_cap: 70,
            stream,
            params: ModelParams::default(),
        }
    }

    fn body(req: &HttpRequest) -> serde_json::Value {
        serde_json::from_str(&req.body).unwrap_or_default()
    }

    // Guards against the wrong URL, header or cap field for OpenAI.
    #[test]
    fn openai_request() {
        for base in [
            "https://api.openai.com",
            "https://api.openai.com/",
            "https://api.openai.com/v1",
        ] {
            let s = ProviderSettings {
                api_key: " sk-test ".into(),
                base_url: base.into(),
                ..Default::default()
            };
            let req = s.request(&call(true)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(req.url, "https://api.openai.com/v1/chat/completions");
            assert_eq!(
                req.headers,
                vec![
                    ("content-type", "application/json".into()),
                    ("authorization", "Bearer sk-test".into())
                ]
            );
            assert_eq!(
                body(&req),
                json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": true,
                       "stream_options": {"include_usage": true}, "max_completion_tokens": 70})
            );
        }
    }

    // Guards against Azure requests with a Bearer header, a model field or a bad URL.
    #[test]
    fn azure_request() {
        let s = ProviderSettings {
            kind: ProviderKind::Azure,
            api_key: "az-key".into(),
            azure_endpoint: "https://res.openai.azure.com/".into(),
            api_version: "2024-10-21".into(),
            deployments: [("gpt-4o".to_owned(), "prod 4o".to_owned())].into(),
            ..Default::default()
        };
        let req = s.request(&call(false)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            req.url,
            "https://res.openai.azure.com/openai/deployments/prod%204o/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(req.headers[1], ("api-key", "az-key".into()));
        assert_eq!(
            body(&req),
            json!({"messages": [{"role": "user", "content": "hi"}], "stream": false, "max_tokens": 70})
        );
        let mut other = call(false);
        other.model = "gpt-35-turbo".into();
        assert!(s
            .request(&other)
            .map(|r| r.url)
            .unwrap_or_default()
            .contains("/deployments/gpt-35-turbo/"));
    }

    // Guards against compatible servers getting an empty Bearer header or a /v1 added.
    #[test]
    fn compatible_request() {
        let mut s = ProviderSettings {
            kind: ProviderKind::Compatible,
            base_url: "http://localhost:11434/v1".into(),
            ..Default::default()
        };
        let req = s.request(&call(true)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.url, "http://localhost:11434/v1/chat/completions");
        assert_eq!(req.headers.len(), 1);
        assert_eq!(body(&req)["max_tokens"], json!(70));
        s.omit_stream_options = true;
        let req = s.request(&call(true)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body(&req).get("stream_options"), None);
    }

    // Guards against a field a provider rejects for a model family, or a parameter the
    // user set silently dropped: each provider × (chat model, reasoning model).
    #[test]
    fn parameter_fields_per_provider_and_family() {
        use crate::params::{Effort, ModelParams};
        let params = ModelParams {
            temperature: Some(0.5),
            top_p: Some(0.8),
            max_reply: None,
            reasoning_effort: Some(Effort::Low),
        };
        let azure = ProviderSettings {
            kind: ProviderKind::Azure,
            api_key: "k".into(),
            azure_endpoint: "https://res.openai.azure.com".into(),
            ..Default::default()
        };
        let openai = ProviderSettings {
            api_key: "k".into(),
            ..Default::default()
        };
        let compatible = ProviderSettings {
            kind: ProviderKind::Compatible,
            base_url: "http://localhost:8080/v1".into(),
            ..Default::default()
        };
        // (settings, model, fields sent, fields left out)
        let cases: [(&ProviderSettings, &str, &[&str], &[&str]); 6] = [
            (
                &openai,
                "gpt-4o",
                &["temperature", "top_p", "max_completion_tokens"],
                &["reasoning_effort", "max_tokens"],
            ),
            (
                &openai,
                "o4-mini",
                &["reasoning_effort", "max_completion_tokens"],
                &["temperature", "top_p", "max_tokens"],
            ),
            (
                &azure,
                "gpt-4o",
                &["temperature", "top_p", "max_tokens"],
                &["reasoning_effort", "max_completion_tokens", "model"],
            ),
            (
                &azure,
                "o3-mini",
                &["reasoning_effort", "max_completion_tokens"],
                &["temperature", "top_p", "max_tokens", "model"],
            ),
            (
                &compatible,
                "qwen3:8b",
                &["temperature", "top_p", "reasoning_effort", "max_tokens"],
                &["max_completion_tokens"],
            ),
            (
                &compatible,
                "openai/o3-mini",
                &["reasoning_effort", "max_tokens"],
                &["temperature", "top_p"],
            ),
        ];
        for (settings, model, sent, left_out) in cases {
            let mut spec = call(true);
            spec.model = model.into();
            spec.params = params;
            let req = settings.request(&spec).unwrap_or_else(|e| panic!("{e}"));
            let body = body(&req);
            for key in sent {
                assert!(
                    body.get(key).is_some(),
                    "{:?} {model}: {key} missing",
                    settings.kind
                );
            }
            for key in left_out {
                assert!(
                    body.get(key).is_none(),
                    "{:?} {model}: {key} sent",
                    settings.kind
                );
            }
        }
        let req = openai.request(&{
            let mut spec = call(true);
            spec.model = "gpt-4o".into();
            spec.params = params;
            spec
        });
        let body = req.map(|r| body(&r)).unwrap_or_default();
        assert_eq!(
            (body["temperature"].as_f64(), body["top_p"].as_f64()),
            (Some(0.5), Some(0.8))
        );
    }

    // Guards against requests to addresses that are not http(s), or without a key.
    #[test]
    fn settings_errors() {
        let no_key = ProviderSettings::default();
        assert_eq!(no_key.request(&call(true)), Err(SettingsError::MissingKey));
        for bad in [
            "ftp://x",
            "javascript:alert(1)",
            "localhost:8080",
            "https://",
            "https://user:pw@host",
            "http://a b",
            "",
        ] {
            let s = ProviderSettings {
                api_key: "k".into(),
                base_url: bad.into(),
                ..Default::default()
            };
            assert!(
                matches!(s.request(&call(true)), Err(SettingsError::BadUrl(_))),
                "{bad}"
            );
        }
        let azure = ProviderSettings {
            kind: ProviderKind::Azure,
            api_key: "k".into(),
            ..Default::default()
        };
        assert_eq!(
            azure.request(&call(true)),
            Err(SettingsError::MissingEndpoint)
        );
    }

    // Guards against the key going anywhere but the configured origin.
    #[test]
    fn origin_of_each_provider() {
        let s = ProviderSettings {
            base_url: "https://API.openai.com/v1/".into(),
            ..Default::default()
        };
        assert_eq!(s.origin().as_deref(), Some("https://api.openai.com"));
        let c = ProviderSettings {
            kind: ProviderKind::Compatible,
            base_url: "http://127.0.0.1:8787/v1".into(),
            ..Default::default()
        };
        assert_eq!(c.origin().as_deref(), Some("http://127.0.0.1:8787"));
    }

    // Guards against vague failures: every status gets its own actionable sentence.
    #[test]
    fn classification_table() {
        use ProviderKind::*;
        let openai_429 = r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        let quota = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        let cases: Vec<(CallError, &str)> = vec![
            (
                classify(OpenAi, 401, None, "", "m"),
                "rejected the API key (HTTP 401)",
            ),
            (
                classify(Azure, 403, None, "", "m"),
                "rejected the API key (HTTP 403)",
            ),
            (
                classify(OpenAi, 404, None, "", "gpt-9"),
                "no model or deployment called “gpt-9” (HTTP 404). Check the model name in",
            ),
            (
                classify(Azure, 404, None, "", "gpt-4o"),
                "Check the model name and its deployment in",
            ),
            (
                classify(OpenAi, 429, Some("7"), openai_429, "m"),
                "rate limit was reached (HTTP 429). Wait 7 seconds.",
            ),
            (
                classify(OpenAi, 429, None, openai_429, "m"),
                "Wait a moment.",
            ),
            (classify(OpenAi, 429, None, quota, "m"), "no quota left"),
            (
                classify(
                    OpenAi,
                    400,
                    None,
                    r#"{"error":{"message":"context too long"}}"#,
                    "m",
                ),
                "(HTTP 400): context too long",
            ),
            (classify(OpenAi, 408, None, "", "m"), "took too long"),
            (
                classify(OpenAi, 500, None, "", "m"),
                "had an error (HTTP 500)",
            ),
            (
                classify(OpenAi, 502, None, "<html>", "m"),
                "had an error (HTTP 502)",
            ),
            (
                classify(OpenAi, 503, None, "", "m"),
                "had an error (HTTP 503)",
            ),
            (
                classify(OpenAi, 418, None, "", "m"),
                "answered with HTTP 418.",
            ),
        ];
        for (err, want) in cases {
            assert!(err.to_string().contains(want), "{err} lacks {want}");
        }
    }

    // Guards against errors that carry English fragments instead of facts: each language
    // formats the numbers and names itself.
    #[test]
    fn classification_keeps_facts() {
        use ProviderKind::*;
        let said = |m: &str| format!(r#"{{"error":{{"message":"{m}"}}}}"#);
        let cases = [
            (
                classify(Azure, 404, None, "", "gpt-4o"),
                CallError::NotFound {
                    model: "gpt-4o".into(),
                    deployment: true,
                },
            ),
            (
                classify(Compatible, 404, None, "", "llama"),
                CallError::NotFound {
                    model: "llama".into(),
                    deployment: false,
                },
            ),
            (
                classify(OpenAi, 429, Some(" 7 "), "", "m"),
                CallError::RateLimited {
                    retry_after: Some(7),
                },
            ),
            (
                classify(OpenAi, 429, Some("soon"), "", "m"),
                CallError::RateLimited { retry_after: None },
            ),
            (
                classify(OpenAi, 400, None, &said("  too long  "), "m"),
                CallError::BadRequest {
                    detail: Some("too long".into()),
                },
            ),
            (
                classify(OpenAi, 400, None, "{}", "m"),
                CallError::BadRequest { detail: None },
            ),
            (
                classify(OpenAi, 418, None, &said("teapot"), "m"),
                CallError::Unexpected {
                    status: 418,
                    detail: Some("teapot".into()),
                },
            ),
            (
                classify(OpenAi, 418, None, "", "m"),
                CallError::Unexpected {
                    status: 418,
                    detail: None,
                },
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        let long = "x".repeat(400);
        let CallError::BadRequest { detail: Some(d) } =
            classify(OpenAi, 400, None, &said(&long), "m")
        else {
            panic!("not a 400 with a reason");
        };
        assert_eq!(d.chars().count(), DETAIL_LIMIT);
    }

    // Guards against the English sentences drifting: the app, the README and the
    // end-to-end tests quote them exactly.
    #[test]
    fn english_sentences_exactly() {
        let cases = [
            (
                CallError::RateLimited { retry_after: Some(7) },
                "The provider's rate limit was reached (HTTP 429). Wait 7 seconds. Your message was kept; send it again then.",
            ),
            (
                CallError::RateLimited { retry_after: Some(1) },
                "The provider's rate limit was reached (HTTP 429). Wait 1 second. Your message was kept; send it again then.",
            ),
            (
                CallError::RateLimited { retry_after: None },
                "The provider's rate limit was reached (HTTP 429). Wait a moment. Your message was kept; send it again then.",
            ),
            (
                CallError::BadRequest { detail: None },
                "The provider refused the request (HTTP 400): It gave no reason. Check the model and the settings, then send it again.",
            ),
            (
                CallError::BadRequest { detail: Some("context too long".into()) },
                "The provider refused the request (HTTP 400): context too long. Check the model and the settings, then send it again.",
            ),
            (
                CallError::BadRequest { detail: Some("Bad model!".into()) },
                "The provider refused the request (HTTP 400): Bad model! Check the model and the settings, then send it again.",
            ),
            (
                CallError::NotFound { model: "gpt-4o-mini".into(), deployment: false },
                "The provider has no model or deployment called “gpt-4o-mini” (HTTP 404). Check the model name in Settings.",
            ),
            (
                CallError::NotFound { model: "gpt-4o".into(), deployment: true },
                "The provider has no model or deployment called “gpt-4o” (HTTP 404). Check the model name and its deployment in Settings.",
            ),
            (
                CallError::Unexpected { status: 418, detail: None },
                "The provider answered with HTTP 418.",
            ),
            (
                CallError::Unexpected { status: 418, detail: Some("teapot".into()) },
                "The provider answered with HTTP 418: teapot.",
            ),
            (
                CallError::InStream { detail: None },
                "The provider reported an error while answering: no reason given",
            ),
            (
                CallError::InStream { detail: Some("overloaded".into()) },
                "The provider reported an error while answering: overloaded",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
        let body = ErrorBody::parse(r#"{"error":{"message":"overloaded"}}"#);
        assert_eq!(
            CallError::in_stream(&body),
            CallError::InStream {
                detail: Some("overloaded".into())
            }
        );
        assert_eq!(
            CallError::in_stream(&ErrorBody::default()),
            CallError::InStream { detail: None }
        );
    }
}
