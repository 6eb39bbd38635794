//! A user's parameters for each of their models — temperature, top-p, a reply cap and
//! reasoning effort — read from what the user typed, and which of them a model takes:
//! OpenAI's reasoning models (o-series, gpt-5) reject `temperature` and `top_p`, and
//! other OpenAI models reject `reasoning_effort`.

use crate::i18n::{Lang, Localize};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How hard a reasoning model thinks before it answers (`reasoning_effort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Minimal,
    Low,
    Medium,
    High,
}

impl Effort {
    /// Every effort, in the order the UI lists them.
    pub const ALL: [Effort; 4] = [Effort::Minimal, Effort::Low, Effort::Medium, Effort::High];

    /// The wire name, also the `value` of its option in the UI.
    pub fn name(self) -> &'static str {
        match self {
            Effort::Minimal => "minimal",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }

    /// The effort named `name`; `None` for the empty name (the provider's default).
    pub fn from_name(name: &str) -> Option<Effort> {
        Effort::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// The parameters of one model of one user; `None` leaves a field out of the request, so
/// the provider's default applies.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// The most tokens a reply may have; the balance's pre-flight may allow fewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_reply: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<Effort>,
}

/// The highest temperature providers accept.
pub const MAX_TEMPERATURE: f64 = 2.0;

/// Whether `model` is one of OpenAI's reasoning models, which take `reasoning_effort` and
/// `max_completion_tokens` but reject `temperature` and `top_p`: o1, o3, o4-mini, gpt-5
/// and their dated and sized forms, also behind a router's `vendor/` prefix. `gpt-5-chat`
/// is a chat model.
pub fn is_reasoning_model(model: &str) -> bool {
    let name = model.trim().to_ascii_lowercase();
    let name = name.rsplit('/').next().unwrap_or("");
    let o_series = name.len() >= 2
        && name.starts_with('o')
        && name.as_bytes()[1].is_ascii_digit()
        && name[1..].bytes().take_while(u8::is_ascii_digit).count() == 1;
    let gpt5 = name.starts_with("gpt-5") && !name.starts_with("gpt-5-chat");
    o_series || gpt5
}

/// A typed parameter that is not one; each says what to type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamError {
    #[error("The temperature of {model} must be a number from 0 to 2, such as 0.7 (“{typed}” is not). Leave it empty for the provider's default.")]
    Temperature { model: String, typed: String },
    #[error("The top-p of {model} must be a number from 0 to 1, such as 0.9 (“{typed}” is not). Leave it empty for the provider's default.")]
    TopP { model: String, typed: String },
    #[error("The reply cap of {model} must be a whole number of tokens, at least 1 (“{typed}” is not). Leave it empty for no cap of your own.")]
    ReplyCap { model: String, typed: String },
}

/// What the user typed for one model, as text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<'a> {
    pub temperature: &'a str,
    pub top_p: &'a str,
    pub max_reply: &'a str,
    /// An [`Effort::name`], or empty for the default.
    pub reasoning_effort: &'a str,
}

impl Typed<'_> {
    /// The parameters typed for `model`, or the first field that is not a valid value.
    pub fn read(&self, model: &str) -> Result<ModelParams, ParamError> {
        let typed = |s: &str| s.trim().chars().take(20).collect::<String>();
        let temperature =
            decimal(self.temperature, MAX_TEMPERATURE).map_err(|()| ParamError::Temperature {
                model: model.to_owned(),
                typed: typed(self.temperature),
            })?;
        let top_p = decimal(self.top_p, 1.0).map_err(|()| ParamError::TopP {
            model: model.to_owned(),
            typed: typed(self.top_p),
        })?;
        let cap = self.max_reply.trim().replace([',', '_'], "");
        let max_reply =
            match cap.as_str() {
                "" => None,
                digits => Some(digits.parse::<u64>().ok().filter(|&n| n >= 1).ok_or_else(
                    || ParamError::ReplyCap {
                        model: model.to_owned(),
                        typed: typed(self.max_reply),
                    },
                )?),
            };
        Ok(ModelParams {
            temperature,
            top_p,
            max_reply,
            reasoning_effort: Effort::from_name(self.reasoning_effort.trim()),
        })
    }
}

/// A decimal from 0 to `max` with at most three decimals (a comma may stand for the
/// point); `None` for empty text. Read by hand: the float reader of `str::parse` costs the
/// first load more than this whole module.
fn decimal(text: &str, max: f64) -> Result<Option<f64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || whole.len() > 3
        || fraction.len() > 3
        || !digits(whole)
        || !digits(fraction)
    {
        return Err(());
    }
    let mut thousandths: u32 = 0;
    for b in whole.bytes() {
        thousandths = thousandths * 10 + u32::from(b - b'0');
    }
    thousandths *= 1000;
    for (i, b) in fraction.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * [100, 10, 1][i];
    }
    let value = f64::from(thousandths) / 1000.0;
    if value > max {
        return Err(());
    }
    Ok(Some(value))
}

/// A parameter's value as the UI shows it back: `0.7`, `1`, `0.125`.
pub fn show(value: Option<f64>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    // Thousandths, as `decimal` reads them: no float formatting needed.
    let thousandths = (value * 1000.0).round() as u64;
    let (whole, fraction) = (thousandths / 1000, thousandths % 1000);
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:03}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// An effort's name in the effort list.
pub fn effort_name(lang: Lang, effort: Effort) -> &'static str {
    match (lang, effort) {
        (Lang::En, e) => e.name(),
        (Lang::Ja, Effort::Minimal) => "最小 (minimal)",
        (Lang::Ja, Effort::Low) => "低 (low)",
        (Lang::Ja, Effort::Medium) => "中 (medium)",
        (Lang::Ja, Effort::High) => "高 (high)",
    }
}

/// [`ParamError`] in `lang`.
impl Localize for ParamError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match (lang, err) {
            (Lang::En, _) => err.to_string(),
            (Lang::Ja, ParamError::Temperature { model, typed }) => format!(
                "{model} の温度は 0 から 2 までの数（0.7 など）にしてください（「{typed}」は使えません）。空欄にするとプロバイダーの既定値になります。"
            ),
            (Lang::Ja, ParamError::TopP { model, typed }) => format!(
                "{model} の top-p は 0 から 1 までの数（0.9 など）にしてください（「{typed}」は使えません）。空欄にするとプロバイダーの既定値になります。"
            ),
            (Lang::Ja, ParamError::ReplyCap { model, typed }) => format!(
                "{model} の返信の上限は 1 以上の整数のトークン数にしてください（「{typed}」は使えません）。空欄にすると独自の上限はなくなります。"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against sending temperature to a model that rejects it, or withholding it
    // from one that takes it.
    #[test]
    fn reasoning_families() {
        for model in [
            "o1",
            "o1-mini",
            "o3",
            "o3-mini-2025-01-31",
            "o4-mini",
            "gpt-5",
            "gpt-5-mini",
            "GPT-5-nano",
            "openai/o3-mini",
            " o1-preview ",
        ] {
            assert!(is_reasoning_model(model), "{model}");
        }
        for model in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-5-chat-latest",
            "llama3.2",
            "o",
            "omni-moderation",
            "o10x",
            "qwen3:8b",
            "",
        ] {
            assert!(!is_reasoning_model(model), "{model}");
        }
    }

    // Guards against a typo becoming a silent default, or a comma decimal being refused.
    #[test]
    fn reads_what_was_typed() {
        let typed = Typed {
            temperature: " 0,7 ",
            top_p: ".95",
            max_reply: "1,024",
            reasoning_effort: "high",
        };
        assert_eq!(
            typed.read("m"),
            Ok(ModelParams {
                temperature: Some(0.7),
                top_p: Some(0.95),
                max_reply: Some(1024),
                reasoning_effort: Some(Effort::High),
            })
        );
        assert_eq!(Typed::default().read("m"), Ok(ModelParams::default()));
        for bad in ["2.5", "-1", "abc", "0.1234", ".", "1e3", "0x1"] {
            let typed = Typed {
                temperature: bad,
                ..Typed::default()
            };
            assert!(
                matches!(typed.read("gpt-4o"), Err(ParamError::Temperature { ref model, .. }) if model == "gpt-4o"),
                "{bad}"
            );
        }
        let top_p = Typed {
            top_p: "1.5",
            ..Typed::default()
        };
        assert!(matches!(top_p.read("m"), Err(ParamError::TopP { .. })));
        for bad in ["0", "-5", "1.5", "many"] {
            let cap = Typed {
                max_reply: bad,
                ..Typed::default()
            };
            assert!(
                matches!(cap.read("m"), Err(ParamError::ReplyCap { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            Typed {
                temperature: "0.75x",
                ..Typed::default()
            }
            .read("gpt-4o")
            .map_err(|e| e.to_string()),
            Err("The temperature of gpt-4o must be a number from 0 to 2, such as 0.7 (“0.75x” is not). Leave it empty for the provider's default.".into())
        );
    }

    // Guards against the form showing back something other than what was saved.
    #[test]
    fn shows_values_back() {
        assert_eq!(show(None), "");
        assert_eq!(show(Some(1.0)), "1");
        assert_eq!(show(Some(0.7)), "0.7");
        assert_eq!(show(Some(0.125)), "0.125");
        assert_eq!(show(Some(2.0)), "2");
        for typed in ["0.7", "1.05", "0.001", "2"] {
            let read = decimal(typed, 2.0).ok().flatten();
            assert_eq!(show(read), typed);
        }
    }

    // Guards against stored parameters that a reader of an older record cannot read.
    #[test]
    fn stored_form() {
        let params = ModelParams {
            temperature: Some(0.2),
            reasoning_effort: Some(Effort::Low),
            ..ModelParams::default()
        };
        let json = serde_json::to_string(&params).unwrap_or_default();
        assert_eq!(json, r#"{"temperature":0.2,"reasoning_effort":"low"}"#);
        assert_eq!(
            serde_json::from_str::<ModelParams>(&json).ok(),
            Some(params)
        );
        assert_eq!(
            serde_json::from_str::<ModelParams>("{}").ok(),
            Some(ModelParams::default())
        );
    }
}
