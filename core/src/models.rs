//! The endpoint's list of models (`GET …/models`): its request, its reply read the same
//! way from every server that answers it (OpenAI, OpenRouter, vLLM, llama.cpp, Ollama,
//! LM Studio), with the context window where the server says it, and why a listing failed.

use serde_json::Value;
use thiserror::Error;

use crate::format::count;
use crate::i18n::{Lang, Localize};
use crate::provider::{
    check_url, CallError, HttpRequest, ProviderKind, ProviderSettings, SettingsError,
};

/// One model the endpoint offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    /// Its context window in tokens, when the listing gives one.
    pub context: Option<u64>,
}

/// Why the endpoint's models could not be listed. The model can still be typed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListError {
    #[error("Azure OpenAI does not list deployments here: type each deployment's name.")]
    Azure,
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Call(#[from] CallError),
    #[error(
        "The endpoint did not list its models (HTTP {status}). Type the model's name instead."
    )]
    NotListed { status: u16 },
    #[error("The endpoint's list of models could not be read. Type the model's name instead.")]
    Unreadable,
    #[error("The endpoint lists no models. Load one in the server, or type its name.")]
    Empty,
}

impl ProviderSettings {
    /// `GET {base}/v1/models` (OpenAI) or `GET {base}/models` (compatible servers), with
    /// the key as a chat call sends it.
    pub fn models_request(&self) -> Result<HttpRequest, ListError> {
        let key = self.api_key.trim();
        let mut headers = Vec::new();
        let url = match self.kind {
            ProviderKind::Azure => return Err(ListError::Azure),
            ProviderKind::OpenAi => {
                if key.is_empty() {
                    return Err(SettingsError::MissingKey.into());
                }
                let base = check_url(&self.base_url)?;
                let base = base.strip_suffix("/v1").unwrap_or(&base).to_owned();
                format!("{base}/v1/models")
            }
            ProviderKind::Compatible => format!("{}/models", check_url(&self.base_url)?),
        };
        if !key.is_empty() {
            headers.push(("authorization", format!("Bearer {key}")));
        }
        Ok(HttpRequest {
            method: "GET",
            url,
            headers,
            body: String::new(),
        })
    }
}

/// The models of a 2xx listing `body`, sorted by name, each once; the error when it is not
/// a list or lists none. Read as a JSON value (whose reader the app has anyway), not into
/// types of its own: servers add fields of their own, and the derived reader cost 2 KB.
pub fn parse_models(body: &str) -> Result<Vec<Listed>, ListError> {
    let list: Value = serde_json::from_str(body).map_err(|_| ListError::Unreadable)?;
    let data = list
        .get("data")
        .and_then(Value::as_array)
        .ok_or(ListError::Unreadable)?;
    let number = |v: Option<&Value>| v.and_then(Value::as_u64).filter(|&n| n > 0);
    let mut models: Vec<Listed> = data
        .iter()
        .filter_map(|e| {
            let id = e.get("id")?.as_str()?.trim();
            let meta = e.get("meta");
            // OpenRouter, vLLM, then llama.cpp's server.
            let context = number(e.get("context_length"))
                .or_else(|| number(e.get("max_model_len")))
                .or_else(|| number(meta.and_then(|m| m.get("n_ctx"))))
                .or_else(|| number(meta.and_then(|m| m.get("n_ctx_train"))));
            (!id.is_empty()).then(|| Listed {
                id: id.to_owned(),
                context,
            })
        })
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    if models.is_empty() {
        return Err(ListError::Empty);
    }
    Ok(models)
}

/// The `<option>`s of a `datalist` of `models`, their names escaped (a server's names are
/// untrusted text). As HTML rather than a list of views: a keyed list of one more type
/// cost the first load several KB.
pub fn options_html(models: &[Listed]) -> String {
    let mut html = String::new();
    for model in models {
        html.push_str("<option value=\"");
        crate::html::push_text(&mut html, &model.id);
        html.push_str("\"></option>");
    }
    html
}

/// A listing answered with HTTP `status` (not 2xx): a rejected key says so as a chat call
/// would; anything else is "not listed".
pub fn listing_failed(status: u16) -> ListError {
    match status {
        401 | 403 => ListError::Call(CallError::KeyRejected { status }),
        _ => ListError::NotListed { status },
    }
}

/// "Test connection" worked.
pub fn connection_works(lang: Lang, model: &str, provider: &str) -> String {
    match lang {
        Lang::En => format!("Connection works: {model} answered through {provider}."),
        Lang::Ja => format!("接続できました。{provider} 経由で {model} が応答しました。"),
    }
}

/// A model list that arrived: "The endpoint lists 3 models; pick one or type its name."
pub fn models_listed(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!(
            "The endpoint lists {}; pick one or type its name.",
            count(n, "model")
        ),
        Lang::Ja => {
            format!("エンドポイントには {n} 個のモデルがあります。選ぶか、名前を入力してください。")
        }
    }
}

/// [`ListError`] in `lang`.
impl Localize for ListError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match err {
            ListError::Settings(e) => return e.localize(lang),
            ListError::Call(e) => return e.localize(lang),
            _ if lang == Lang::En => return err.to_string(),
            _ => {}
        }
        match err {
            ListError::Azure => {
                "Azure OpenAI はここでデプロイを一覧にしません。各デプロイ名を入力してください。".to_owned()
            }
            ListError::NotListed { status } => format!(
                "エンドポイントがモデルの一覧を返しませんでした（HTTP {status}）。モデル名を入力してください。"
            ),
            ListError::Unreadable => {
                "エンドポイントのモデル一覧を読み取れませんでした。モデル名を入力してください。".to_owned()
            }
            ListError::Empty => {
                "エンドポイントにモデルがありません。サーバーでモデルを読み込むか、モデル名を入力してください。".to_owned()
            }
            ListError::Settings(_) | ListError::Call(_) => String::new(),
        }
    }
}
