//! Which messages of the current thread go to the model: the thread's exchanges as
//! user/assistant turns (plus an optional system prompt), trimmed oldest-first to the
//! model's context window minus the reply reserve.

use crate::chat_api::{ChatMessage, Role};
use crate::format::token_count_u;
use crate::i18n::{Lang, Localize};
use crate::tokens;

/// What a model can take and give, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The context window: prompt and reply together.
    pub window: u64,
    /// The most the model answers in one reply; also the reply reserve.
    pub max_reply: u64,
}

/// Known model families, longest prefix first. Unknown models get a small window so the
/// context is never too long for them.
const LIMITS: [(&str, ModelLimits); 12] = [
    (
        "gpt-4o-mini",
        ModelLimits {
            window: 128_000,
            max_reply: 16_384,
        },
    ),
    (
        "gpt-4o",
        ModelLimits {
            window: 128_000,
            max_reply: 16_384,
        },
    ),
    (
        "gpt-4.1",
        ModelLimits {
            window: 1_047_576,
            max_reply: 32_768,
        },
    ),
    (
        "gpt-4-turbo",
        ModelLimits {
            window: 128_000,
            max_reply: 4_096,
        },
    ),
    (
        "gpt-4-32k",
        ModelLimits {
            window: 32_768,
            max_reply: 4_096,
        },
    ),
    (
        "gpt-4",
        ModelLimits {
            window: 8_192,
            max_reply: 4_096,
        },
    ),
    (
        "gpt-35-turbo",
        ModelLimits {
            window: 16_385,
            max_reply: 4_096,
        },
    ),
    (
        "gpt-3.5-turbo",
        ModelLimits {
            window: 16_385,
            max_reply: 4_096,
        },
    ),
    (
        "gpt-5",
        ModelLimits {
            window: 400_000,
            max_reply: 128_000,
        },
    ),
    (
        "o1",
        ModelLimits {
            window: 200_000,
            max_reply: 100_000,
        },
    ),
    (
        "o3",
        ModelLimits {
            window: 200_000,
            max_reply: 100_000,
        },
    ),
    (
        "o4",
        ModelLimits {
            window: 200_000,
            max_reply: 100_000,
        },
    ),
];

/// Limits for models not in the table (many local models have 8k windows).
pub const UNKNOWN_MODEL: ModelLimits = ModelLimits {
    window: 8_192,
    max_reply: 2_048,
};

/// The limits of `model`, matched by its family prefix.
pub fn limits(model: &str) -> ModelLimits {
    let model = model.to_ascii_lowercase();
    LIMITS
        .iter()
        .filter(|(prefix, _)| model.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(UNKNOWN_MODEL, |(_, l)| *l)
}

/// One earlier exchange of the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn<'a> {
    pub prompt: &'a str,
    pub completion: &'a str,
}

/// The context to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub messages: Vec<ChatMessage>,
    /// Earlier exchanges left out because the window is full (the UI says so).
    pub omitted: usize,
    /// The token estimate of `messages`.
    pub prompt_estimate: u64,
    /// The reply reserve: the most the reply may take.
    pub reply_reserve: u64,
}

/// The new prompt alone does not fit the window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("This message is too long for {model} (about {estimate} tokens; the model takes {room} besides its reply). Shorten it or split it.")]
pub struct TooLong {
    pub model: String,
    pub estimate: u64,
    pub room: u64,
}

/// Builds the context for `prompt` after `history` (oldest first): the newest turns that
/// fit in the window minus the reply reserve.
pub fn build(
    model: &str,
    limits: ModelLimits,
    system: &str,
    history: &[Turn<'_>],
    prompt: &str,
) -> Result<Context, TooLong> {
    let reply_reserve = limits.max_reply.min(limits.window / 2);
    let room = limits.window - reply_reserve;
    let mut head = Vec::new();
    if !system.trim().is_empty() {
        head.push(ChatMessage {
            role: Role::System,
            content: system.to_owned(),
        });
    }
    let tail = ChatMessage {
        role: Role::User,
        content: prompt.to_owned(),
    };
    let estimate = |msgs: &[&ChatMessage]| {
        tokens::estimate_messages(msgs.iter().map(|m| (role_name(m.role), m.content.as_str())))
    };
    let fixed: Vec<&ChatMessage> = head.iter().chain(std::iter::once(&tail)).collect();
    let mut used = estimate(&fixed);
    if used > room {
        return Err(TooLong {
            model: model.to_owned(),
            estimate: used,
            room,
        });
    }
    // Walk back from the newest turn while the turns fit.
    let mut kept = 0;
    for turn in history.iter().rev() {
        let pair = [
            ChatMessage {
                role: Role::User,
                content: turn.prompt.to_owned(),
            },
            ChatMessage {
                role: Role::Assistant,
                content: turn.completion.to_owned(),
            },
        ];
        let cost = estimate(&[&pair[0], &pair[1]]).saturating_sub(estimate(&[]));
        if used + cost > room {
            break;
        }
        used += cost;
        kept += 1;
    }
    let mut messages = head;
    for turn in &history[history.len() - kept..] {
        messages.push(ChatMessage {
            role: Role::User,
            content: turn.prompt.to_owned(),
        });
        messages.push(ChatMessage {
            role: Role::Assistant,
            content: turn.completion.to_owned(),
        });
    }
    messages.push(tail);
    Ok(Context {
        messages,
        omitted: history.len() - kept,
        prompt_estimate: used,
        reply_reserve,
    })
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// Above an exchange being sent, when older ones were left out of the context.
pub fn omitted_note(lang: Lang, omitted: usize) -> String {
    match lang {
        Lang::En => format!(
            "{omitted} older exchanges were left out: they do not fit in the model's context."
        ),
        Lang::Ja => {
            format!("古いやりとり {omitted} 件は、モデルの文脈に収まらないため送っていません。")
        }
    }
}

/// [`TooLong`] in `lang`.
impl Localize for TooLong {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match lang {
            Lang::En => err.to_string(),
            Lang::Ja => format!(
                "このメッセージは {} には長すぎます（約 {}。このモデルが返信のほかに受け取れるのは {} です）。短くするか、分けて送ってください。",
                err.model,
                token_count_u(lang, err.estimate),
                token_count_u(lang, err.room)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a prefix match picking gpt-4's small window for gpt-4o.
    #[test]
    fn limits_by_family() {
        assert_eq!(limits("gpt-4o-2024-08-06").window, 128_000);
        assert_eq!(limits("GPT-4o-mini").max_reply, 16_384);
        assert_eq!(limits("gpt-4-0613").window, 8_192);
        assert_eq!(limits("gpt-35-turbo").window, 16_385);
        assert_eq!(limits("llama3.1:8b"), UNKNOWN_MODEL);
    }

    // Guards against sending earlier threads' turns or dropping the newest ones first.
    #[test]
    fn keeps_the_newest_turns_that_fit() {
        // Each long reply takes a bit more than half of the room, so only one fits.
        let room = UNKNOWN_MODEL.window - UNKNOWN_MODEL.max_reply;
        let mut long = String::new();
        while tokens::estimate_text(&long) <= room / 2 + 16 {
            long.push_str("word ");
        }
        let history = [
            Turn {
                prompt: "first",
                completion: &long,
            },
            Turn {
                prompt: "second",
                completion: &long,
            },
            Turn {
                prompt: "third",
                completion: "short",
            },
        ];
        let ctx = build("llama3", limits("llama3"), "Be brief.", &history, "now")
            .unwrap_or_else(|e| panic!("{e}"));
        let contents: Vec<&str> = ctx.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(ctx.omitted, 1);
        assert_eq!(
            contents,
            [
                "Be brief.",
                "second",
                long.as_str(),
                "third",
                "short",
                "now"
            ]
        );
        assert_eq!(ctx.messages[0].role, Role::System);
        assert!(ctx.prompt_estimate <= UNKNOWN_MODEL.window - ctx.reply_reserve);
        let all = build("gpt-4o", limits("gpt-4o"), "", &history, "now")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((all.omitted, all.messages.len()), (0, 7));
    }

    // Guards against sending a prompt that can never fit.
    #[test]
    fn refuses_a_prompt_longer_than_the_window() {
        let huge = "word ".repeat(20_000);
        let err = build("gpt-4", limits("gpt-4"), "", &[], &huge).err();
        assert!(matches!(err, Some(TooLong { room: 4_096, .. })), "{err:?}");
    }
}
