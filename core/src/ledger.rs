//! The token ledger: credits, debits, balance, the pre-flight rule and the invariant.
//!
//! One balance token is one API token as counted by the provider's `usage.total_tokens`.
//! Credits are payments (the sign-up bonus is a payment of amount 0); debits are the
//! `total` of message rows. For every user, at any time:
//! `num_token == Σ payment.charged_token − Σ message.total`.

use crate::format::{self, token_count, token_count_u};
use crate::i18n::{Lang, Localize};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Tokens a new user receives, recorded as a payment of amount 0.
pub const SIGNUP_BONUS: i64 = 100;

/// The largest single top-up accepted, in tokens. Far above any real purchase, far below
/// the range where sums of many top-ups could overflow an `i64`.
pub const MAX_TOP_UP: i64 = 1_000_000_000_000;

/// Why the ledger refused something. Messages are sentences a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    /// The balance does not cover the prompt that would be sent.
    #[error(
        "Your balance of {balance} tokens does not cover this message (about {needed} tokens \
         with its context). Add tokens with 残高を加える (or /topup) and send it again."
    )]
    InsufficientBalance { balance: i64, needed: u64 },
    /// A top-up of zero, a negative number or more than [`MAX_TOP_UP`].
    #[error("A top-up must be a whole number of tokens from 1 to {max}; {given} is not.", max = MAX_TOP_UP)]
    InvalidTopUp { given: i64 },
    /// Adding the top-up would overflow the balance.
    #[error("This top-up would make the balance larger than pocket-chat can count. Use a smaller amount.")]
    Overflow,
}

/// How a debit was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DebitKind {
    /// The provider reported `usage.total_tokens`.
    Exact,
    /// No usage came back (stream stopped or cut, endpoint omits it): a tokenizer estimate.
    Estimated,
}

/// One debit: the tokens an exchange consumed and how they were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debit {
    /// Tokens consumed by the exchange (prompt + completion).
    pub total: u64,
    pub kind: DebitKind,
}

/// What the pre-flight check allows for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// The estimated prompt tokens of the context that will be sent.
    pub prompt_estimate: u64,
    /// The reply cap to send as `max_tokens` / `max_completion_tokens`: what the balance
    /// still covers after the prompt, never more than the model's own limit.
    pub reply_cap: u64,
}

/// The pre-flight rule. Refuses when the balance does not cover the estimated prompt plus
/// at least one reply token; otherwise caps the reply at what the balance still covers.
///
/// `model_reply_limit` is the most the model may answer (the reply reserve), in tokens.
pub fn preflight(
    balance: i64,
    prompt_estimate: u64,
    model_reply_limit: u64,
) -> Result<Allowance, LedgerError> {
    let needed = prompt_estimate.saturating_add(1);
    let available = u64::try_from(balance).unwrap_or(0);
    if available < needed {
        return Err(LedgerError::InsufficientBalance { balance, needed });
    }
    let reply_cap = (available - prompt_estimate).min(model_reply_limit.max(1));
    Ok(Allowance {
        prompt_estimate,
        reply_cap,
    })
}

/// The balance after a top-up of `tokens`.
pub fn credit(balance: i64, tokens: i64) -> Result<i64, LedgerError> {
    if !(1..=MAX_TOP_UP).contains(&tokens) {
        return Err(LedgerError::InvalidTopUp { given: tokens });
    }
    balance.checked_add(tokens).ok_or(LedgerError::Overflow)
}

/// The balance after a debit. Never refuses: tokens the provider consumed are owed even
/// when they overrun the balance (the next pre-flight then refuses until a top-up).
pub fn debit(balance: i64, debit: Debit) -> i64 {
    let total = i64::try_from(debit.total).unwrap_or(i64::MAX);
    balance.saturating_sub(total)
}

/// The invariant `num_token == Σ charged_token − Σ total` did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "The stored balance of {stored} tokens does not match the ledger history, which gives \
     {expected}. Export your data and report this."
)]
pub struct InvariantViolation {
    pub stored: i64,
    pub expected: i64,
}

/// The balance a user's history gives: credits minus debits.
pub fn balance_from_history(
    credits: impl IntoIterator<Item = i64>,
    debits: impl IntoIterator<Item = u64>,
) -> i128 {
    let credited: i128 = credits.into_iter().map(i128::from).sum();
    let debited: i128 = debits.into_iter().map(i128::from).sum();
    credited - debited
}

/// Checks `num_token == Σ charged_token − Σ total` for one user.
pub fn check_invariant(
    stored: i64,
    credits: impl IntoIterator<Item = i64>,
    debits: impl IntoIterator<Item = u64>,
) -> Result<(), InvariantViolation> {
    let expected = balance_from_history(credits, debits);
    if i128::from(stored) == expected {
        Ok(())
    } else {
        Err(InvariantViolation {
            stored,
            expected: i64::try_from(expected).unwrap_or(i64::MIN),
        })
    }
}

/// [`LedgerError`] in `lang`.
impl Localize for LedgerError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        if lang == Lang::En {
            return err.to_string();
        }
        match err {
            LedgerError::InsufficientBalance { balance, needed } => format!(
                "残高 {} では、このメッセージ（文脈を含めて約 {}）を送れません。残高を加える（または /topup）でトークンを追加してから、もう一度送ってください。",
                token_count(lang, *balance),
                token_count_u(lang, *needed)
            ),
            LedgerError::InvalidTopUp { given } => format!(
                "追加できるのは 1 から {} までの整数のトークン数です。{given} は追加できません。",
                format::tokens(MAX_TOP_UP)
            ),
            LedgerError::Overflow => {
                "この追加では、残高が pocket-chat で数えられる上限を超えます。もっと少ない数にしてください。"
                    .to_owned()
            }
        }
    }
}

/// [`InvariantViolation`] in `lang`.
impl Localize for InvariantViolation {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match lang {
            Lang::En => err.to_string(),
            Lang::Ja => format!(
                "保存されている残高 {} が、履歴から計算した {} と一致しません。データをエクスポートして、この問題を報告してください。",
                token_count(lang, err.stored),
                token_count(lang, err.expected)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a pre-flight that lets a call through that the balance cannot pay
    // for, or caps the reply above what is left.
    #[test]
    fn preflight_table() {
        struct Case {
            balance: i64,
            prompt: u64,
            limit: u64,
            want: Result<u64, ()>,
        }
        let cases = [
            Case {
                balance: 100,
                prompt: 30,
                limit: 4096,
                want: Ok(70),
            },
            Case {
                balance: 100,
                prompt: 30,
                limit: 50,
                want: Ok(50),
            },
            Case {
                balance: 100,
                prompt: 99,
                limit: 4096,
                want: Ok(1),
            },
            Case {
                balance: 100,
                prompt: 100,
                limit: 4096,
                want: Err(()),
            },
            Case {
                balance: 100,
                prompt: 101,
                limit: 4096,
                want: Err(()),
            },
            Case {
                balance: 0,
                prompt: 0,
                limit: 4096,
                want: Err(()),
            },
            Case {
                balance: -5,
                prompt: 1,
                limit: 4096,
                want: Err(()),
            },
            Case {
                balance: 1,
                prompt: 0,
                limit: 4096,
                want: Ok(1),
            },
            Case {
                balance: i64::MAX,
                prompt: u64::MAX,
                limit: 10,
                want: Err(()),
            },
            Case {
                balance: 10,
                prompt: 2,
                limit: 0,
                want: Ok(1),
            },
        ];
        for c in cases {
            let got = preflight(c.balance, c.prompt, c.limit).map(|a| a.reply_cap);
            match (got, c.want) {
                (Ok(cap), Ok(want)) => {
                    assert_eq!(cap, want, "balance {} prompt {}", c.balance, c.prompt)
                }
                (Err(LedgerError::InsufficientBalance { balance, needed }), Err(())) => {
                    assert_eq!(balance, c.balance);
                    assert_eq!(needed, c.prompt.saturating_add(1));
                }
                (got, want) => panic!(
                    "balance {} prompt {}: got {got:?}, want {want:?}",
                    c.balance, c.prompt
                ),
            }
        }
    }

    // Guards against top-ups of nonsense amounts and silent overflow.
    #[test]
    fn credit_table() {
        assert_eq!(credit(100, 5000), Ok(5100));
        assert_eq!(credit(-20, 30), Ok(10));
        assert_eq!(credit(0, 0), Err(LedgerError::InvalidTopUp { given: 0 }));
        assert_eq!(credit(0, -1), Err(LedgerError::InvalidTopUp { given: -1 }));
        assert_eq!(
            credit(0, MAX_TOP_UP + 1),
            Err(LedgerError::InvalidTopUp {
                given: MAX_TOP_UP + 1
            })
        );
        assert_eq!(credit(i64::MAX - 1, 2), Err(LedgerError::Overflow));
    }

    // Guards against a debit that is dropped or clamped when it overruns the balance.
    #[test]
    fn debit_table() {
        let exact = |total| Debit {
            total,
            kind: DebitKind::Exact,
        };
        let est = |total| Debit {
            total,
            kind: DebitKind::Estimated,
        };
        assert_eq!(debit(100, exact(37)), 63);
        assert_eq!(debit(10, est(25)), -15);
        assert_eq!(debit(0, exact(0)), 0);
        assert_eq!(debit(i64::MIN + 1, exact(u64::MAX)), i64::MIN);
    }

    // Guards against an invariant check that passes whatever it is given.
    #[test]
    fn invariant_table() {
        assert_eq!(check_invariant(100, [100], []), Ok(()));
        assert_eq!(check_invariant(5063, [100, 5000], [37]), Ok(()));
        assert_eq!(
            check_invariant(5064, [100, 5000], [37]),
            Err(InvariantViolation {
                stored: 5064,
                expected: 5063
            })
        );
        assert_eq!(check_invariant(-15, [10], [25]), Ok(()));
    }

    // Guards against messages that tell the user nothing they can act on.
    #[test]
    fn refusal_says_how_to_top_up() {
        let msg = preflight(10, 40, 100).unwrap_err().to_string();
        assert!(msg.contains("10 tokens"), "{msg}");
        assert!(msg.contains("残高を加える"), "{msg}");
    }
}
