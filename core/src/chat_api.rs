//! The OpenAI chat-completions wire format: request, reply, stream chunk, usage and error
//! bodies, and the accumulation of a streamed reply. Azure OpenAI and compatible servers
//! speak the same JSON.

use serde::{Deserialize, Serialize};

use crate::params::Effort;
use crate::sse::{is_done, SseEvent};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of the context sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

/// `stream_options` of a streamed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StreamOptions {
    /// Ask for a final chunk carrying `usage`.
    pub include_usage: bool,
}

/// The body of `POST …/chat/completions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    /// The model; Azure takes it from the deployment in the URL and it is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// The reply cap for Azure and compatible servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// The reply cap for OpenAI (which deprecated `max_tokens`; o-series models reject it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<Effort>,
}

/// Token counts the provider reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    /// The reply's tokens, reasoning included.
    #[serde(default)]
    pub completion_tokens: u64,
    pub total_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionDetails>,
}

impl Usage {
    /// The reasoning tokens among the completion tokens (0 when not reported).
    pub fn reasoning_tokens(&self) -> u64 {
        self.completion_tokens_details
            .map_or(0, |d| d.reasoning_tokens)
    }
}

/// `usage.completion_tokens_details`: how the reply's tokens divide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionDetails {
    #[serde(default)]
    pub reasoning_tokens: u64,
}

// A reply or delta carries its reasoning in `reasoning_content` (DeepSeek, vLLM,
// llama.cpp) or `reasoning` (OpenRouter). Fields of their own, not a flattened struct:
// flattening buffers every chunk of a stream.
#[derive(Debug, Clone, Deserialize)]
struct ReplyMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Choice {
    message: ReplyMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

/// A non-streamed reply.
#[derive(Debug, Clone, Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

/// One `chat.completion.chunk` of a stream, or an error sent inside the stream. Read in
/// one pass (no intermediate JSON tree): a stream may bring thousands of chunks.
#[derive(Debug, Clone, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<Usage>,
    /// Present (and not null) when the provider reports an error mid-stream; any shape.
    #[serde(default, deserialize_with = "any_error")]
    error: Option<ErrorDetail>,
}

/// An `error` of any shape: its details when it is the usual object, else an empty one
/// (still an error); `None` only for null.
fn any_error<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ErrorDetail>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum AnyError {
        Detail(ErrorDetail),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<AnyError>::deserialize(d)? {
        Some(AnyError::Detail(detail)) => Some(detail),
        Some(AnyError::Other(_)) => Some(ErrorDetail::default()),
        None => None,
    })
}

/// The `{"error": {...}}` body OpenAI and Azure send with a failure.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

/// What an error body says. Azure puts a string in `code`, OpenAI a string or null.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Reads an error body; anything unreadable gives an empty one.
    pub fn parse(text: &str) -> ErrorBody {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The error's code as text (`invalid_api_key`, `DeploymentNotFound`, `429`, …).
    pub fn code(&self) -> Option<String> {
        match self.error.as_ref()?.code.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The provider's own message, if any.
    pub fn message(&self) -> Option<&str> {
        self.error.as_ref()?.message.as_deref()
    }
}

/// A reply that could not be read as the chat-completions format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// A whole reply: the text, the model's reasoning (empty when it sent none), why it
/// ended, and the usage when reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub reasoning: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

/// Reads a non-streamed reply body.
pub fn parse_completion(body: &str) -> Result<Reply, Malformed> {
    let completion: Completion =
        serde_json::from_str(body).map_err(|e| Malformed(e.to_string()))?;
    let choice = completion
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| Malformed("the reply has no choices".into()))?;
    Ok(Reply {
        text: choice.message.content.unwrap_or_default(),
        reasoning: choice
            .message
            .reasoning_content
            .or(choice.message.reasoning)
            .unwrap_or_default(),
        finish_reason: choice.finish_reason,
        usage: completion.usage,
    })
}

/// What one stream event meant.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamStep {
    /// Text to append to the reply on screen.
    Text(String),
    /// Nothing to show (role chunk, finish reason, usage, comment).
    Nothing,
    /// `data: [DONE]`: the stream finished properly.
    Done,
    /// The provider reported an error inside the stream.
    ProviderError(ErrorBody),
}

/// A streamed reply as it arrives: the text and reasoning so far, the finish reason and
/// usage when sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReply {
    pub text: String,
    pub reasoning: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    pub done: bool,
}

impl StreamReply {
    /// Takes one server-sent event.
    pub fn apply(&mut self, event: &SseEvent) -> Result<StreamStep, Malformed> {
        if is_done(event) {
            self.done = true;
            return Ok(StreamStep::Done);
        }
        let chunk: Chunk =
            serde_json::from_str(&event.data).map_err(|e| Malformed(e.to_string()))?;
        if let Some(error) = chunk.error {
            return Ok(StreamStep::ProviderError(ErrorBody { error: Some(error) }));
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        let mut added = String::new();
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content {
                added.push_str(&text);
            }
            if let Some(thought) = choice.delta.reasoning_content.or(choice.delta.reasoning) {
                self.reasoning.push_str(&thought);
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        if added.is_empty() {
            Ok(StreamStep::Nothing)
        } else {
            self.text.push_str(&added);
            Ok(StreamStep::Text(added))
        }
    }

    /// Whether the reply is complete: `[DONE]` arrived, or at least a finish reason did
    /// (some compatible servers close the stream without `[DONE]`).
    pub fn is_complete(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(data: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: data.into(),
            id: None,
        }
    }

    // Guards against sending fields a provider rejects (null model for Azure, both caps).
    #[test]
    fn request_serialises_only_what_is_set() {
        let req = ChatRequest {
            model: None,
            messages: vec![ChatMessage {
                role: Role::User,
                content: "hi".into(),
            }],
            stream: true,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            max_tokens: Some(70),
            max_completion_tokens: None,
            temperature: None,
            top_p: None,
            reasoning_effort: None,
        };
        assert_eq!(
            serde_json::to_value(&req).ok(),
            Some(json!({
                "messages": [{"role": "user", "content": "hi"}],
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_tokens": 70
            }))
        );
    }

    // Guards against losing the text or usage of a plain JSON reply.
    #[test]
    fn parses_a_completion() {
        let body = r#"{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o",
            "choices":[{"index":0,"message":{"role":"assistant","content":"Echo: hi"},"logprobs":null,"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
        assert_eq!(
            parse_completion(body),
            Ok(Reply {
                text: "Echo: hi".into(),
                reasoning: String::new(),
                finish_reason: Some("stop".into()),
                usage: Some(Usage {
                    prompt_tokens: 9,
                    completion_tokens: 2,
                    total_tokens: 11,
                    completion_tokens_details: None,
                }),
            })
        );
        assert!(parse_completion("<html>Bad gateway</html>").is_err());
        assert!(parse_completion(r#"{"choices":[]}"#).is_err());
    }

    // Guards against a stream whose text, finish reason or usage chunk is dropped.
    #[test]
    fn accumulates_a_stream() {
        let mut reply = StreamReply::default();
        let steps: Vec<_> = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Echo: "},"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"こんにちは"},"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}"#,
            "[DONE]",
        ]
        .iter()
        .map(|d| reply.apply(&event(d)))
        .collect();
        assert_eq!(
            steps,
            vec![
                Ok(StreamStep::Nothing),
                Ok(StreamStep::Text("Echo: ".into())),
                Ok(StreamStep::Text("こんにちは".into())),
                Ok(StreamStep::Nothing),
                Ok(StreamStep::Nothing),
                Ok(StreamStep::Done),
            ]
        );
        assert_eq!(reply.text, "Echo: こんにちは");
        assert_eq!(reply.usage.map(|u| u.total_tokens), Some(12));
        assert!(reply.is_complete());
    }

    // Guards against reasoning shown as the reply, or lost: each provider's field, whole
    // and streamed, and the reasoning tokens of the usage.
    #[test]
    fn reads_reasoning() {
        for field in ["reasoning_content", "reasoning"] {
            let body = format!(
                r#"{{"choices":[{{"message":{{"role":"assistant","content":"4","{field}":"2+2 is 4"}},"finish_reason":"stop"}}],
                   "usage":{{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,"completion_tokens_details":{{"reasoning_tokens":7}}}}}}"#
            );
            let reply = parse_completion(&body).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(
                (reply.text.as_str(), reply.reasoning.as_str()),
                ("4", "2+2 is 4")
            );
            assert_eq!(reply.usage.map(|u| u.reasoning_tokens()), Some(7));

            let mut stream = StreamReply::default();
            for data in [
                format!(r#"{{"choices":[{{"delta":{{"role":"assistant","content":null,"{field}":"2+2 "}}}}]}}"#),
                format!(r#"{{"choices":[{{"delta":{{"content":null,"{field}":"is 4"}}}}]}}"#),
                r#"{"choices":[{"delta":{"content":"4"},"finish_reason":"stop"}]}"#.to_owned(),
                r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,"completion_tokens_details":{"reasoning_tokens":7,"audio_tokens":0}}}"#.to_owned(),
            ] {
                assert!(stream.apply(&event(&data)).is_ok(), "{data}");
            }
            assert_eq!(
                (stream.text.as_str(), stream.reasoning.as_str()),
                ("4", "2+2 is 4")
            );
            assert_eq!(stream.usage.map(|u| u.reasoning_tokens()), Some(7));
        }
        let plain =
            r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
        let mut stream = StreamReply::default();
        assert!(stream.apply(&event(plain)).is_ok());
        assert_eq!(stream.usage.map(|u| u.reasoning_tokens()), Some(0));
    }

    // Guards against a malformed chunk or an in-stream error being taken as text.
    #[test]
    fn stream_faults_are_reported() {
        let mut reply = StreamReply::default();
        assert!(reply.apply(&event("{not json")).is_err());
        let step = reply.apply(&event(
            r#"{"error":{"message":"overloaded","type":"server_error","code":null}}"#,
        ));
        assert!(
            matches!(step, Ok(StreamStep::ProviderError(b)) if b.message() == Some("overloaded"))
        );
        // An error of an unexpected shape is still an error; a null one is none.
        let odd = reply.apply(&event(r#"{"error":"overloaded"}"#));
        assert!(matches!(odd, Ok(StreamStep::ProviderError(b)) if b.message().is_none()));
        let fine = reply.apply(&event(
            r#"{"error":null,"choices":[{"delta":{"content":"ok"}}]}"#,
        ));
        assert_eq!(fine, Ok(StreamStep::Text("ok".into())));
        assert_eq!(reply.text, "ok");
        assert!(!reply.is_complete());
    }

    // Guards against misreading the two error shapes (OpenAI string/null code, Azure string).
    #[test]
    fn error_bodies() {
        let openai = ErrorBody::parse(
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        );
        assert_eq!(openai.code().as_deref(), Some("invalid_api_key"));
        let azure = ErrorBody::parse(
            r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}"#,
        );
        assert_eq!(azure.code().as_deref(), Some("DeploymentNotFound"));
        let junk = ErrorBody::parse("<html>");
        assert_eq!((junk.code(), junk.message()), (None, None));
    }
}
