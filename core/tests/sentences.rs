//! Every sentence with numbers or names, in both languages: the English unchanged from
//! what the app and its tests say, the Japanese keeping every fact. Each sentence lives
//! beside its type; this file reads them all through the crate's public API.

use pocket_chat_core::commands::{
    added_tokens, balance_report, help_lines, localize_top_up_problem, TopUpArg,
};
use pocket_chat_core::context::TooLong;
use pocket_chat_core::export::{exported, file_holds, imported, ImportError};
use pocket_chat_core::format::token_count;
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::ledger::{InvariantViolation, LedgerError};
use pocket_chat_core::provider::{classify, CallError, ProviderKind, SettingsError};

/// `e` in Japanese.
fn ja(e: &impl Localize) -> String {
    e.localize(Lang::Ja)
}

/// `e` in English.
fn en(e: &impl Localize) -> String {
    e.localize(Lang::En)
}

/// True when `text` holds kana or kanji: a Japanese sentence, not an English leftover.
fn is_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

// Guards against the English wording drifting from what the app and its tests say.
#[test]
fn english_sentences_are_unchanged() {
    assert_eq!(token_count(Lang::En, 5100), "5,100 tokens");
    assert_eq!(
        added_tokens(Lang::En, 5000, 5100),
        "Added 5,000 tokens. Balance: 5,100 tokens."
    );
    assert_eq!(
        balance_report(Lang::En, 5100, 0, 0),
        "Balance: 5,100 tokens. Used in this thread: 0 tokens; in all threads: 0 tokens."
    );
    assert_eq!(
        balance_report(Lang::En, 0, 20, 100),
        "Balance: 0 tokens. Used in this thread: 20 tokens; in all threads: 100 tokens. Add tokens with 残高を加える (or /topup) to chat again."
    );
    assert_eq!(
        exported(Lang::En, 1, 1, 4, "f.json"),
        "Exported 1 user, 1 thread and 4 messages to f.json."
    );
    assert_eq!(
        imported(Lang::En, 1, 1, 4, 2),
        "Imported 1 user, 1 thread, 4 messages and 2 payments."
    );
    assert_eq!(
        file_holds(Lang::En, 1, 1, 4, 2),
        "This file holds 1 user, 1 thread, 4 messages and 2 payments."
    );
    let err = CallError::KeyRejected { status: 401 };
    assert_eq!(en(&err), err.to_string());
    let arg = TopUpArg::Invalid("-5".into());
    assert_eq!(localize_top_up_problem(Lang::En, &arg), arg.problem());
}

// Guards against sentences with numbers losing their facts in Japanese.
#[test]
fn japanese_sentences_keep_their_numbers() {
    assert_eq!(token_count(Lang::Ja, 5100), "5,100 トークン");
    assert_eq!(
        added_tokens(Lang::Ja, 5000, 5100),
        "5,000 トークンを追加しました。残高：5,100 トークン。"
    );
    assert_eq!(
        exported(Lang::Ja, 1, 1, 4, "f.json"),
        "ユーザー 1 人、スレッド 1 件、メッセージ 4 件を f.json にエクスポートしました。"
    );
    let report = balance_report(Lang::Ja, -3, 20, 100);
    assert!(
        report.contains("-3 トークン") && report.contains("残高を加える"),
        "{report}"
    );
    assert_eq!(help_lines(Lang::Ja).len(), help_lines(Lang::En).len());
    assert!(help_lines(Lang::Ja)[0].starts_with("会話を始める（新しい会話、/new）— "));
}

// Guards against provider failures shown in English to a Japanese user, or losing the
// status, the wait or the provider's own words.
#[test]
fn call_errors_in_japanese() {
    let cases = [
        (classify(ProviderKind::OpenAi, 401, None, "", "m"), "HTTP 401"),
        (
            classify(ProviderKind::Azure, 404, None, "", "gpt-4o"),
            "「gpt-4o」というモデルまたはデプロイがありません（HTTP 404）。設定でモデル名とそのデプロイ名を確認",
        ),
        (classify(ProviderKind::OpenAi, 429, Some("7"), "", "m"), "7 秒待って"),
        (classify(ProviderKind::OpenAi, 429, None, "", "m"), "しばらく待って"),
        (
            classify(
                ProviderKind::OpenAi,
                400,
                None,
                r#"{"error":{"message":"context too long"}}"#,
                "m",
            ),
            "（HTTP 400）：context too long",
        ),
        (classify(ProviderKind::OpenAi, 503, None, "", "m"), "HTTP 503"),
        (
            classify(ProviderKind::OpenAi, 418, None, r#"{"error":{"message":"teapot"}}"#, "m"),
            "HTTP 418 で応答しました：teapot",
        ),
        (CallError::Unreachable, "CORS"),
        (CallError::StreamCut, "届いた部分は残してあります"),
        (CallError::Stalled { seconds: 60 }, "60 秒間何も届かなかった"),
        (CallError::Offline, "オフライン"),
        (
            CallError::InStream { detail: None },
            "理由は示されていません",
        ),
        (
            CallError::BadRequest { detail: None },
            "（HTTP 400）：理由は示されていません。 モデルと設定",
        ),
        (
            CallError::RateLimited {
                retry_after: Some(1),
            },
            "1 秒待って",
        ),
    ];
    for (err, want) in cases {
        let ja = ja(&err);
        assert!(ja.contains(want), "{ja} lacks {want}");
        assert!(is_japanese(&ja), "{ja}");
    }
}

// Guards against settings, ledger, context and import errors left in English.
#[test]
fn other_errors_in_japanese() {
    let sentences = [
        ja(&SettingsError::MissingKey),
        ja(&SettingsError::BadUrl("ftp://x".into())),
        ja(&SettingsError::MissingApiVersion),
        ja(&LedgerError::InsufficientBalance {
            balance: 12,
            needed: 340,
        }),
        ja(&LedgerError::InvalidTopUp { given: 0 }),
        ja(&LedgerError::Overflow),
        ja(&InvariantViolation {
            stored: 5,
            expected: 7,
        }),
        ja(&TooLong {
            model: "gpt-4o".into(),
            estimate: 200_000,
            room: 111_616,
        }),
        ja(&ImportError::NotJson {
            line: 1,
            column: 64,
        }),
        ja(&ImportError::TooNew { found: 9 }),
        ja(&ImportError::DuplicateId {
            store: "message",
            id: "3".into(),
        }),
        ja(&ImportError::Malformed {
            detail: "its version is missing or not a positive number".into(),
        }),
    ];
    for ja in &sentences {
        assert!(is_japanese(ja), "{ja}");
        assert!(!ja.contains("Nothing was"), "{ja}");
    }
    assert!(sentences[3].contains("12 トークン") && sentences[3].contains("340 トークン"));
    assert!(sentences[7].contains("200,000 トークン") && sentences[7].contains("gpt-4o"));
    assert!(
        sentences[8].contains("1 行 64 列") && sentences[8].contains("何もインポートしていません")
    );
    assert!(sentences[10].contains("メッセージレコード") && sentences[10].contains("id 3"));
}

// Guards against a top-up problem that loses what was typed or what to type instead.
#[test]
fn top_up_problems_in_japanese() {
    for (raw, want) in [
        ("abc", "「abc」はトークン数として整数ではありません。"),
        ("1,00", "「1,00」はカンマの位置が正しくありません。"),
        ("-5", "「-5」は 1 トークン未満です。"),
        (
            "1000000000001",
            "「1000000000001」は 1,000,000,000,000 トークンを超えています。",
        ),
        ("5000", "「5000」は追加できません。"),
    ] {
        let ja =
            localize_top_up_problem(Lang::Ja, &TopUpArg::Invalid(raw.into())).unwrap_or_default();
        assert!(ja.starts_with(want), "{raw}: {ja}");
        assert!(
            ja.ends_with("「残高を加える 5000」のように入力してください。"),
            "{ja}"
        );
    }
    assert_eq!(localize_top_up_problem(Lang::Ja, &TopUpArg::Missing), None);
}
