//! The endpoint's model list: the request per provider, the reply of each server family,
//! and the failures as sentences in both languages.

use pocket_chat_core::context;
use pocket_chat_core::i18n::{Lang, Localize};
use pocket_chat_core::models::{listing_failed, options_html, parse_models, ListError, Listed};
use pocket_chat_core::provider::{CallError, ProviderKind, ProviderSettings};

fn settings(kind: ProviderKind, base: &str, key: &str) -> ProviderSettings {
    ProviderSettings {
        kind,
        base_url: base.to_owned(),
        api_key: key.to_owned(),
        ..ProviderSettings::default()
    }
}

// Guards against listing at the chat URL, as a POST, or without the key a chat sends.
#[test]
fn the_request_is_a_get_of_models_with_the_key_as_a_chat_sends_it() {
    let openai = settings(ProviderKind::OpenAi, "https://api.openai.com/v1/", "sk-1")
        .models_request()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (openai.method, openai.url.as_str(), openai.body.as_str()),
        ("GET", "https://api.openai.com/v1/models", "")
    );
    assert_eq!(
        openai.headers,
        vec![("authorization", "Bearer sk-1".to_owned())]
    );
    let local = settings(ProviderKind::Compatible, "http://localhost:8080/v1", "")
        .models_request()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (local.url.as_str(), local.headers.len()),
        ("http://localhost:8080/v1/models", 0)
    );
    assert_eq!(
        settings(ProviderKind::Azure, "", "k").models_request(),
        Err(ListError::Azure)
    );
    assert!(matches!(
        settings(ProviderKind::OpenAi, "https://api.openai.com", "").models_request(),
        Err(ListError::Settings(_))
    ));
    assert!(matches!(
        settings(ProviderKind::Compatible, "not a url", "").models_request(),
        Err(ListError::Settings(_))
    ));
}

// Guards against a picker that misses models or their windows on any server family.
#[test]
fn each_server_familys_listing_gives_its_models_and_windows() {
    let cases = [
        // OpenAI: ids only.
        (
            r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1,"owned_by":"system"},{"id":"gpt-4o-mini","object":"model"}]}"#,
            vec![("gpt-4o", None), ("gpt-4o-mini", None)],
        ),
        // OpenRouter: context_length.
        (
            r#"{"data":[{"id":"meta-llama/llama-3.1-8b-instruct","context_length":131072,"pricing":{"prompt":"0"}}]}"#,
            vec![("meta-llama/llama-3.1-8b-instruct", Some(131_072))],
        ),
        // vLLM: max_model_len.
        (
            r#"{"object":"list","data":[{"id":"Qwen/Qwen2.5-7B","max_model_len":32768}]}"#,
            vec![("Qwen/Qwen2.5-7B", Some(32_768))],
        ),
        // llama.cpp's server: meta.n_ctx_train.
        (
            r#"{"object":"list","data":[{"id":"model.gguf","object":"model","owned_by":"llamacpp","meta":{"vocab_type":2,"n_ctx_train":4096}}]}"#,
            vec![("model.gguf", Some(4_096))],
        ),
        // Ollama and LM Studio: ids only; unsorted and repeated here.
        (
            r#"{"object":"list","data":[{"id":"qwen2.5:7b"},{"id":"llama3.1:8b"},{"id":"qwen2.5:7b"}]}"#,
            vec![("llama3.1:8b", None), ("qwen2.5:7b", None)],
        ),
    ];
    for (body, want) in cases {
        let got = parse_models(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        let want: Vec<Listed> = want
            .into_iter()
            .map(|(id, context)| Listed {
                id: id.to_owned(),
                context,
            })
            .collect();
        assert_eq!(got, want, "{body}");
    }
}

// Guards against an empty picker shown as if the endpoint had no models, or a raw error.
#[test]
fn a_failed_listing_is_a_sentence_in_both_languages() {
    assert_eq!(parse_models("<html>"), Err(ListError::Unreadable));
    assert_eq!(parse_models(r#"{"models":[]}"#), Err(ListError::Unreadable));
    assert_eq!(parse_models(r#"{"data":[]}"#), Err(ListError::Empty));
    assert_eq!(listing_failed(404), ListError::NotListed { status: 404 });
    assert_eq!(
        listing_failed(401),
        ListError::Call(CallError::KeyRejected { status: 401 })
    );
    assert_eq!(
        ListError::NotListed { status: 404 }.localize(Lang::En),
        "The endpoint did not list its models (HTTP 404). Type the model's name instead."
    );
    assert_eq!(
        ListError::NotListed { status: 404 }.localize(Lang::Ja),
        "エンドポイントがモデルの一覧を返しませんでした（HTTP 404）。モデル名を入力してください。"
    );
    for e in [
        ListError::Azure,
        ListError::Unreadable,
        ListError::Empty,
        listing_failed(403),
    ] {
        let ja = e.localize(Lang::Ja);
        assert!(!ja.is_empty() && ja != e.localize(Lang::En), "{e}: {ja}");
    }
}

// Guards against a listed window that is ignored, or one that lets the reply cap exceed it.
#[test]
fn a_listed_window_wins_over_the_table() {
    let mut s = settings(ProviderKind::Compatible, "http://localhost:8080/v1", "");
    assert_eq!(s.limits("model.gguf"), context::limits("model.gguf"));
    s.context_lengths.insert("model.gguf".to_owned(), 1_024);
    let limits = s.limits("model.gguf");
    assert_eq!(
        (limits.window, limits.max_reply),
        (1_024, 1_024.min(context::UNKNOWN_MODEL.max_reply))
    );
    s.context_lengths.insert("gpt-4o".to_owned(), 0);
    assert_eq!(s.limits("gpt-4o"), context::limits("gpt-4o"));
}

// Guards against a server's model name that breaks out of the picker's markup.
#[test]
fn the_pickers_options_escape_the_servers_names() {
    let models = [
        Listed {
            id: "llama3.1:8b".to_owned(),
            context: None,
        },
        Listed {
            id: "\"><img src=x onerror=alert(1)>".to_owned(),
            context: None,
        },
    ];
    assert_eq!(
        options_html(&models),
        "<option value=\"llama3.1:8b\"></option><option value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\"></option>"
    );
    assert_eq!(options_html(&[]), "");
}
