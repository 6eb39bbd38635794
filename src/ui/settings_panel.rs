//! Settings: provider, API key (masked, clearable), base URL or Azure endpoint,
//! api-version, the user's two models (suggested from the endpoint's list) with their Azure
//! deployments and parameters, the user's personas, streaming — and "Test connection".

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;
use pocket_chat_core::models::Listed;
use pocket_chat_core::params::{self, Effort, ModelParams, ParamError, Typed};
use pocket_chat_core::provider::{check_url, key_saved, ProviderKind, ProviderSettings};

use crate::state::connection;
use crate::state::error::StateError;
use crate::state::models;
use crate::state::text::{key as text_of, Text};
use crate::state::use_account;
use crate::state::use_config;
use crate::state::use_notices;
use crate::state::use_prefs;
use crate::ui::model_list::ModelList;
use crate::ui::persona_editor::{PersonaEditor, PersonaFields};
use crate::ui::provider_select::ProviderSelect;
use crate::ui::sync_fields::{SyncFields, SyncSection};

#[component]
pub fn SettingsPanel(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || open.get()>
            <SettingsForm open=open />
        </Show>
    }
}

#[component]
fn SettingsForm(open: RwSignal<bool>) -> impl IntoView {
    let config = use_config();
    let account = use_account();
    let notices = use_notices();
    let prefs = use_prefs();
    let current = config.provider();
    let user = account.user().get_untracked();
    let models = user.as_ref().map(|u| u.models.clone()).unwrap_or_default();
    let params_of = |model: &str| {
        user.as_ref()
            .map(|u| u.params_of(model))
            .unwrap_or_default()
    };
    let params_a = ParamFields::new(params_of(&models[0]));
    let params_b = ParamFields::new(params_of(&models[1]));
    let kind = RwSignal::new(current.kind);
    // The saved key is never put back into the field: it stays empty until a new key is
    // typed, and the saved one goes only to the address it was saved for.
    let key = RwSignal::new(String::new());
    let cleared = RwSignal::new(false);
    let saved_address = StoredValue::new(current.address().filter(|_| !current.api_key.is_empty()));
    let base_url = RwSignal::new(current.base_url.clone());
    let endpoint = RwSignal::new(current.azure_endpoint.clone());
    let api_version = RwSignal::new(current.api_version.clone());
    let model_a = RwSignal::new(models[0].clone());
    let model_b = RwSignal::new(models[1].clone());
    let deploy_a = RwSignal::new(
        current
            .deployments
            .get(&models[0])
            .cloned()
            .unwrap_or_default(),
    );
    let deploy_b = RwSignal::new(
        current
            .deployments
            .get(&models[1])
            .cloned()
            .unwrap_or_default(),
    );
    let personas = PersonaFields::new(user.as_ref());
    let sync = SyncFields::of_signed_in();
    let stream = RwSignal::new(current.stream);
    // Shown as sentences: a signal of text keeps the views small.
    let result = RwSignal::new(None::<Result<Text, Text>>);
    let pin = RwSignal::new(config.pin().unwrap_or_default());

    // The endpoint's models, for the model inputs' suggestions; their windows are saved.
    let listed = RwSignal::new(Vec::<Listed>::new());
    // The settings the form describes, checked.
    let collect =
        move || -> Result<(ProviderSettings, [String; 2], [ModelParams; 2]), StateError> {
            let mut s = config.provider();
            s.kind = kind.get_untracked();
            s.stream = stream.get_untracked();
            let models = [
                model_a.get_untracked().trim().to_owned(),
                model_b.get_untracked().trim().to_owned(),
            ];
            if models.iter().any(String::is_empty) {
                return Err(StateError::BothModels);
            }
            let params = [params_a.read(&models[0])?, params_b.read(&models[1])?];
            match s.kind {
                ProviderKind::Azure => {
                    s.azure_endpoint = check_url(&endpoint.get_untracked())?;
                    s.api_version = api_version.get_untracked().trim().to_owned();
                    s.deployments.insert(
                        models[0].clone(),
                        deploy_a.get_untracked().trim().to_owned(),
                    );
                    s.deployments.insert(
                        models[1].clone(),
                        deploy_b.get_untracked().trim().to_owned(),
                    );
                }
                _ => s.base_url = check_url(&base_url.get_untracked())?,
            }
            let s = s.with_key(
                &config.provider(),
                &key.get_untracked(),
                cleared.get_untracked(),
            );
            Ok((
                models::with_windows(s, &listed.get_untracked()),
                models,
                params,
            ))
        };
    let save = move |_| match collect().and_then(|c| Ok((c, personas.read()?))) {
        Err(e) => result.set(Some(Err(e.into()))),
        Ok(((settings, models, params), (personas, default))) => spawn_local(async move {
            if let Err(e) = sync.save().await {
                return result.set(Some(Err(e)));
            }
            if let Err(e) = config.save(settings).await {
                return notices.fail(e);
            }
            if let Err(e) = config.set_pin(pin.get_untracked().trim().to_owned()).await {
                notices.fail(e);
            }
            if let Err(e) = account.set_models(models, Some(params)).await {
                notices.fail(e);
            }
            if let Err(e) = account.set_personas(personas, default).await {
                notices.fail(e);
            }
            result.set(None);
            open.set(false);
            notices.inform(text_of(Key::SettingsSaved));
        }),
    };
    let list = move |_| {
        let mut s = config.provider();
        s.kind = kind.get_untracked();
        s.base_url = base_url.get_untracked();
        let s = s.with_key(
            &config.provider(),
            &key.get_untracked(),
            cleared.get_untracked(),
        );
        spawn_local(async move {
            // A failed listing keeps the list there was; Settings closed: nothing shown.
            if let Some(Ok(found)) = models::list_saying(&s, result).await {
                listed.set(found);
            }
        });
    };
    let test = move |_| match collect() {
        Err(e) => result.set(Some(Err(e.into()))),
        Ok((settings, models, _)) => {
            result.set(Some(Ok(text_of(Key::Testing))));
            spawn_local(async move {
                let model = account
                    .user()
                    .get_untracked()
                    .map(|u| u.model)
                    .filter(|m| models.contains(m));
                let model = model.unwrap_or_else(|| models[0].clone());
                let tested = connection::test(&settings, &model).await;
                result.set(Some(tested.map_err(Text::from)));
            });
        }
    };
    let is = move |k: ProviderKind| move || kind.get() == k;
    let lang = prefs.lang();
    // Under the empty field while a key is saved: where it goes.
    let key_line = move || {
        let saved = saved_address.get_value()?;
        if cleared.get() || !key.with(|k| k.trim().is_empty()) {
            return None;
        }
        let mut typed = config.provider();
        typed.kind = kind.get();
        typed.base_url = base_url.get();
        typed.azure_endpoint = endpoint.get();
        let same = typed.address().as_deref() == Some(saved.as_str());
        Some(key_saved(lang.get(), same, &saved))
    };
    let tr = move |k: Key| prefs.tr(k);
    view! {
        <section class="panel settings" data-testid="settings-panel" aria-labelledby="settings-title">
            <h2 id="settings-title">{tr(Key::Settings)}</h2>
            <div class="grid">
                <label for="provider-kind">{tr(Key::Provider)}</label>
                <ProviderSelect id="provider-kind" testid="provider-kind" kind=kind />

                <label for="api-key">{tr(Key::ApiKey)}</label>
                <span class="inline">
                    <input id="api-key" type="password" autocomplete="off" spellcheck="false" data-testid="api-key"
                        placeholder=move || if kind.get() == ProviderKind::Compatible { tr(Key::Optional)() } else { "sk-…" }
                        prop:value=key on:input=move |ev| key.set(event_target_value(&ev)) />
                    <button type="button" class="ghost" data-testid="clear-key"
                        on:click=move |_| { key.set(String::new()); cleared.set(true); }>{tr(Key::Clear)}</button>
                </span>
                <span></span>
                <p class="hint" data-testid="key-saved" hidden=move || key_line().is_none()>{key_line}</p>

                <Show when=move || kind.get() != ProviderKind::Azure>
                    <label for="base-url">{tr(Key::BaseUrl)}</label>
                    <input id="base-url" type="url" data-testid="base-url" prop:value=base_url
                        placeholder=move || if kind.get() == ProviderKind::Compatible { "http://localhost:11434/v1" } else { "https://api.openai.com" }
                        on:input=move |ev| base_url.set(event_target_value(&ev)) />
                </Show>
                <Show when=is(ProviderKind::Azure)>
                    <label for="azure-endpoint">{tr(Key::Endpoint)}</label>
                    <input id="azure-endpoint" type="url" data-testid="azure-endpoint" placeholder="https://NAME.openai.azure.com"
                        prop:value=endpoint on:input=move |ev| endpoint.set(event_target_value(&ev)) />
                    <label for="api-version">"api-version"</label>
                    <input id="api-version" data-testid="api-version" prop:value=api_version
                        on:input=move |ev| api_version.set(event_target_value(&ev)) />
                </Show>

                <ModelRow which="a" label=Key::Model1 deployment_label=Key::Deployment1
                    model=model_a deployment=deploy_a params=params_a azure=is(ProviderKind::Azure) />
                <ModelRow which="b" label=Key::Model2 deployment_label=Key::Deployment2
                    model=model_b deployment=deploy_b params=params_b azure=is(ProviderKind::Azure) />
                // Always there, hidden for Azure (deployments are typed): a line that comes
                // and goes as a view costs the first load more.
                <span hidden=is(ProviderKind::Azure)></span>
                <span class="inline" hidden=is(ProviderKind::Azure)>
                    <button type="button" class="ghost" data-testid="list-models" on:click=list>{tr(Key::ListModels)}</button>
                </span>
                <ModelList id="endpoint-models" models=listed />

                <label for="topup-pin">{tr(Key::TopUpPin)}</label>
                <span class="inline">
                    <input id="topup-pin" type="password" inputmode="numeric" autocomplete="off" data-testid="topup-pin-setting"
                        placeholder=tr(Key::Optional) prop:value=pin on:input=move |ev| pin.set(event_target_value(&ev)) />
                </span>
                <span></span>
                <p class="hint">{tr(Key::PinHint)}</p>

                <span></span>
                <label class="check">
                    <input type="checkbox" data-testid="stream" prop:checked=stream
                        on:change=move |ev| stream.set(event_target_checked(&ev)) />
                    {tr(Key::StreamReplies)}
                </label>
            </div>
            <p class="hint">{tr(Key::KeyHint)}</p>
            <PersonaEditor fields=personas />
            <SyncSection fields=sync />
            {move || result.get().map(|r| {
                let (class, text) = match r {
                    Ok(t) => ("result ok", t),
                    Err(t) => ("result bad", t),
                };
                view! { <p class=class role="status" data-testid="settings-result">{move || text.get(lang.get())}</p> }
            })}
            <div class="row">
                <button type="button" data-testid="save-settings" on:click=save>{tr(Key::Save)}</button>
                <button type="button" class="ghost" data-testid="test-connection" on:click=test>{tr(Key::TestConnection)}</button>
                <button type="button" class="ghost" data-testid="settings-close" on:click=move |_| open.set(false)>{tr(Key::Close)}</button>
            </div>
        </section>
    }
}

/// One of the two models: its name, and on Azure its deployment beside it. `which` ("a" or
/// "b") names the fields.
#[component]
fn ModelRow(
    which: &'static str,
    label: Key,
    deployment_label: Key,
    model: RwSignal<String>,
    deployment: RwSignal<String>,
    params: ParamFields,
    azure: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let prefs = use_prefs();
    let lang = prefs.lang();
    let tr = move |k| prefs.tr(k);
    let model_id = format!("model-{which}");
    // A decimal or whole-number field of the parameters: its label, its id and its text.
    let field = move |label: Key, name: &str, mode: &'static str, text: RwSignal<String>| {
        let id = format!("{name}-{which}");
        view! {
            <label for=id.clone()>{tr(label)}</label>
            <input id=id.clone() data-testid=id inputmode=mode autocomplete="off" placeholder=tr(Key::ProviderDefault)
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev)) />
        }
    };
    let effort_id = format!("effort-{which}");
    view! {
        <label for=model_id.clone()>{tr(label)}</label>
        <span class="inline">
            <input id=model_id.clone() data-testid=model_id list="endpoint-models" autocomplete="off"
                prop:value=model on:input=move |ev| model.set(event_target_value(&ev)) />
            <Show when=azure>
                <input aria-label=tr(deployment_label) data-testid=format!("deployment-{which}") placeholder=tr(Key::DeploymentPlaceholder)
                    prop:value=deployment on:input=move |ev| deployment.set(event_target_value(&ev)) />
            </Show>
        </span>
        <span></span>
        <details class="params" data-testid=format!("params-{which}")>
            <summary>{tr(Key::Parameters)}</summary>
            <div class="param-grid">
                {field(Key::Temperature, "temperature", "decimal", params.temperature)}
                {field(Key::TopP, "top-p", "decimal", params.top_p)}
                {field(Key::ReplyCap, "reply-cap", "numeric", params.max_reply)}
                <label for=effort_id.clone()>{tr(Key::ReasoningEffort)}</label>
                <select id=effort_id.clone() data-testid=effort_id prop:value=params.effort
                    on:change=move |ev| params.effort.set(event_target_value(&ev))>
                    <option value="">{tr(Key::ProviderDefault)}</option>
                    {move || Effort::ALL.map(|e| view! {
                        <option value=e.name() selected=params.effort.get_untracked() == e.name()>{pocket_chat_core::params::effort_name(lang.get(), e)}</option>
                    }).collect_view()}
                </select>
            </div>
            <p class="hint">{tr(Key::ParamsHint)}</p>
        </details>
    }
}

/// What is typed for one model's parameters.
#[derive(Clone, Copy)]
struct ParamFields {
    temperature: RwSignal<String>,
    top_p: RwSignal<String>,
    max_reply: RwSignal<String>,
    /// An [`Effort::name`], or empty for the provider's default.
    effort: RwSignal<String>,
}

impl ParamFields {
    fn new(saved: ModelParams) -> ParamFields {
        ParamFields {
            temperature: RwSignal::new(params::show(saved.temperature)),
            top_p: RwSignal::new(params::show(saved.top_p)),
            max_reply: RwSignal::new(saved.max_reply.map(|n| n.to_string()).unwrap_or_default()),
            effort: RwSignal::new(
                saved
                    .reasoning_effort
                    .map(Effort::name)
                    .unwrap_or("")
                    .to_owned(),
            ),
        }
    }

    /// The parameters typed for `model`, or what is wrong with them.
    fn read(&self, model: &str) -> Result<ModelParams, ParamError> {
        let (t, p, c, e) = (
            self.temperature.get_untracked(),
            self.top_p.get_untracked(),
            self.max_reply.get_untracked(),
            self.effort.get_untracked(),
        );
        Typed {
            temperature: &t,
            top_p: &p,
            max_reply: &c,
            reasoning_effort: &e,
        }
        .read(model)
    }
}
