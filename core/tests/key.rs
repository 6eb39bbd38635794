//! The API key stays with the address it was saved for: a form that calls another address
//! gets only a key typed for it, never the saved one.

use pocket_chat_core::i18n::Lang;
use pocket_chat_core::provider::{key_saved, ProviderKind, ProviderSettings};

fn saved() -> ProviderSettings {
    ProviderSettings {
        api_key: "sk-saved".into(),
        base_url: "https://api.openai.com".into(),
        ..ProviderSettings::default()
    }
}

fn form(kind: ProviderKind, base_url: &str, azure_endpoint: &str) -> ProviderSettings {
    ProviderSettings {
        kind,
        api_key: String::new(),
        base_url: base_url.into(),
        azure_endpoint: azure_endpoint.into(),
        ..saved()
    }
}

/// The key `form` sends, typed over `saved` with `typed` in the key field.
fn sent(form: &ProviderSettings, saved: &ProviderSettings, typed: &str, cleared: bool) -> String {
    form.clone().with_key(saved, typed, cleared).api_key
}

// Guards against the saved key reaching an address someone typed.
#[test]
fn another_address_never_gets_the_saved_key() {
    let saved = saved();
    let other = form(ProviderKind::OpenAi, "http://127.0.0.1:9999/v1", "");
    assert_eq!(sent(&other, &saved, "", false), "");
    assert_eq!(sent(&other, &saved, " sk-typed ", false), "sk-typed");
    let same_host_other_path = form(ProviderKind::Compatible, "https://api.openai.com/proxy", "");
    assert_eq!(sent(&same_host_other_path, &saved, "", false), "");
    let azure = form(
        ProviderKind::Azure,
        "https://api.openai.com",
        "https://evil.openai.azure.com",
    );
    assert_eq!(sent(&azure, &saved, "", false), "");
    let nowhere = form(ProviderKind::OpenAi, "not a url", "");
    assert_eq!(sent(&nowhere, &saved, "", false), "");
}

// Guards against a saved key lost by saving the form again, or kept after Clear.
#[test]
fn the_saved_address_keeps_its_key_until_cleared_or_replaced() {
    let saved = saved();
    let same = form(ProviderKind::OpenAi, "https://api.openai.com/", "");
    assert_eq!(sent(&same, &saved, "", false), "sk-saved");
    assert_eq!(sent(&same, &saved, "  ", false), "sk-saved");
    assert_eq!(sent(&same, &saved, "", true), "");
    assert_eq!(sent(&same, &saved, "sk-new", true), "sk-new");
    let azure_saved = ProviderSettings {
        kind: ProviderKind::Azure,
        azure_endpoint: "https://res.openai.azure.com".into(),
        ..saved.clone()
    };
    let azure_form = form(
        ProviderKind::Azure,
        "http://elsewhere",
        "https://res.openai.azure.com/",
    );
    assert_eq!(sent(&azure_form, &azure_saved, "", false), "sk-saved");
}

// Guards against a line under the key field that shows the key, or names no address.
#[test]
fn the_key_line_names_the_saved_address_and_never_the_key() {
    for lang in [Lang::En, Lang::Ja] {
        let same = key_saved(lang, true, "https://api.openai.com");
        let other = key_saved(lang, false, "https://api.openai.com");
        assert!(!same.contains("sk-") && !other.contains("sk-"));
        assert!(other.contains("https://api.openai.com"));
        assert_ne!(same, other);
    }
}
