//! The first-run card, shown in place of the empty thread until provider settings are
//! saved: your name, the provider, its key (and address where the provider needs one; a
//! compatible server's model, suggested from the models it lists), "Start chatting" and
//! "Later". Everything else stays in Settings.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::models::Listed;
use pocket_chat_core::provider::{
    check_url, CallSpec, ProviderKind, ProviderSettings, SettingsError,
};

use crate::state::account::{Account, DEFAULT_MODELS};
use crate::state::config::Config;
use crate::state::error::StateError;
use crate::state::models;
use crate::state::notices::Notices;
use crate::state::text::Text;
use crate::state::use_account;
use crate::state::use_config;
use crate::state::use_notices;
use crate::state::use_prefs;
use crate::ui::focus::focus;
use crate::ui::model_list::ModelList;
use crate::ui::provider_select::ProviderSelect;

/// True when `name` is the name a user gets automatically, in either language.
fn is_default_name(name: &str) -> bool {
    Lang::ALL
        .iter()
        .any(|&lang| i18n::t(lang, Key::DefaultUserName) == name)
}

#[component]
pub fn FirstRun() -> impl IntoView {
    let config = use_config();
    let account = use_account();
    let notices = use_notices();
    let prefs = use_prefs();
    let lang = prefs.lang();
    // Until the user types a name, an automatic one follows the language.
    let typed_name = RwSignal::new(None::<String>);
    let name = move || {
        typed_name.get().unwrap_or_else(|| {
            let current = account
                .user()
                .with(|u| u.as_ref().map(|u| u.display_name.clone()));
            match current {
                Some(n) if !is_default_name(&n) => n,
                _ => i18n::t(lang.get(), Key::DefaultUserName).to_owned(),
            }
        })
    };
    // A compatible server's model: the user's until one is typed or the list proposes one.
    let typed_model = RwSignal::new(None::<String>);
    let model = move || {
        typed_model.get().unwrap_or_else(|| {
            account
                .user()
                .with(|u| u.as_ref().map(|u| u.model.clone()))
                .unwrap_or_else(|| DEFAULT_MODELS[0].to_owned())
        })
    };
    let listed = RwSignal::new(Vec::<Listed>::new());
    let listing = RwSignal::new(None::<Result<Text, Text>>);
    let kind = RwSignal::new(ProviderKind::OpenAi);
    let key = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let endpoint = RwSignal::new(String::new());
    // Shown as a sentence: a signal of text keeps the views small.
    let problem = RwSignal::new(None::<Text>);
    let busy = RwSignal::new(false);

    // A compatible server's address, once entered: its models for the model field.
    let list_models = move || {
        let mut s = config.provider();
        s.kind = ProviderKind::Compatible;
        s.base_url = base_url.get_untracked();
        s.api_key = key.get_untracked().trim().to_owned();
        if s.base_url.trim().is_empty() {
            return;
        }
        spawn_local(async move {
            // The card may have closed meanwhile (Start, Later): then nothing is shown.
            match models::list_saying(&s, listing).await {
                Some(Ok(found)) => {
                    let current = model();
                    if !found.iter().any(|m| m.id == current) {
                        typed_model.set(found.first().map(|m| m.id.clone()));
                    }
                    listed.set(found);
                }
                // Another address's models are not this one's.
                Some(Err(())) => listed.set(Vec::new()),
                None => {}
            }
        });
    };
    let start = move || {
        if busy.get_untracked() {
            return;
        }
        let chosen =
            (kind.get_untracked() == ProviderKind::Compatible).then(|| model().trim().to_owned());
        match collect(
            config,
            account,
            kind,
            key,
            base_url,
            endpoint,
            chosen.as_deref(),
        ) {
            Err(why) => problem.set(Some(why.into())),
            Ok(settings) => {
                let name = name();
                let found = listed.get_untracked();
                let settings = models::with_windows(settings, &found);
                let current = account.user().get_untracked().map(|u| u.models);
                let chosen = chosen.map(|m| two_models(m, &found, current));
                busy.set(true);
                spawn_local(async move {
                    finish(config, account, notices, settings, name, chosen, problem).await;
                    busy.set(false);
                });
            }
        }
    };
    let later = move |_| config.later();
    let is = move |k: ProviderKind| move || kind.get() == k;
    view! {
        <section class="first-run panel" data-testid="first-run" aria-labelledby="first-run-title">
            <h2 id="first-run-title">{prefs.tr(Key::WelcomeTitle)}</h2>
            <p class="hint">{prefs.tr(Key::WelcomeIntro)}</p>
            <form on:submit=move |ev| { ev.prevent_default(); start(); }>
                <div class="grid">
                    <label for="first-run-name">{prefs.tr(Key::YourName)}</label>
                    <input id="first-run-name" data-testid="first-run-name" autocomplete="nickname"
                        prop:value=name on:input=move |ev| typed_name.set(Some(event_target_value(&ev))) />

                    <label for="first-run-kind">{prefs.tr(Key::Provider)}</label>
                    <ProviderSelect id="first-run-kind" testid="first-run-kind" kind=kind />

                    <Show when=is(ProviderKind::Azure)>
                        <label for="first-run-endpoint">{prefs.tr(Key::Endpoint)}</label>
                        <input id="first-run-endpoint" type="url" data-testid="first-run-endpoint"
                            placeholder="https://NAME.openai.azure.com"
                            prop:value=endpoint on:input=move |ev| endpoint.set(event_target_value(&ev)) />
                    </Show>
                    <Show when=is(ProviderKind::Compatible)>
                        <label for="first-run-base">{prefs.tr(Key::BaseUrl)}</label>
                        <input id="first-run-base" type="url" data-testid="first-run-base"
                            placeholder="http://localhost:11434/v1"
                            prop:value=base_url on:input=move |ev| base_url.set(event_target_value(&ev))
                            on:change=move |_| list_models() />
                        <label for="first-run-model">{prefs.tr(Key::Model)}</label>
                        <input id="first-run-model" data-testid="first-run-model" list="first-run-models" autocomplete="off"
                            spellcheck="false" prop:value=model on:input=move |ev| typed_model.set(Some(event_target_value(&ev))) />
                        <ModelList id="first-run-models" models=listed />
                        <span></span>
                        <p class=move || if matches!(listing.get(), Some(Err(_))) { "result bad" } else { "hint" }
                            role="status" data-testid="first-run-listing" hidden=move || listing.with(Option::is_none)>
                            {move || listing.get().map(|r| match r { Ok(t) | Err(t) => t.get(lang.get()) })}
                        </p>
                    </Show>

                    <label for="first-run-key">{prefs.tr(Key::ApiKey)}</label>
                    <input id="first-run-key" type="password" autocomplete="off" spellcheck="false" data-testid="first-run-key"
                        placeholder=move || if kind.get() == ProviderKind::Compatible { prefs.tr(Key::Optional)() } else { "sk-…" }
                        prop:value=key on:input=move |ev| key.set(event_target_value(&ev)) />
                </div>
                <p class="hint">
                    {prefs.tr(Key::KeyHint)}
                    // Japanese runs sentences together; English puts a space between them.
                    {move || if lang.get() == Lang::En { " " } else { "" }}
                    {prefs.tr(Key::WelcomeMore)}
                </p>
                {move || problem.get().map(|p| view! {
                    <p class="result bad" role="alert" data-testid="first-run-problem">{move || p.get(lang.get())}</p>
                })}
                <div class="row">
                    <button type="submit" data-testid="first-run-start" disabled=move || busy.get()>
                        {prefs.tr(Key::StartChatting)}
                    </button>
                    <button type="button" class="link" data-testid="first-run-later" on:click=later>
                        {prefs.tr(Key::Later)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The settings the card describes, checked as a call would check them, with `chosen`
/// (a compatible server's model) or else the user's model.
fn collect(
    config: &'static Config,
    account: &'static Account,
    kind: RwSignal<ProviderKind>,
    key: RwSignal<String>,
    base_url: RwSignal<String>,
    endpoint: RwSignal<String>,
    chosen: Option<&str>,
) -> Result<ProviderSettings, StateError> {
    let mut s = config.provider();
    s.kind = kind.get_untracked();
    s.api_key = key.get_untracked().trim().to_owned();
    // An empty address is missing, not malformed: say what to enter.
    let (endpoint, base_url) = (endpoint.get_untracked(), base_url.get_untracked());
    match s.kind {
        ProviderKind::Azure if endpoint.trim().is_empty() => {
            return Err(SettingsError::MissingEndpoint.into())
        }
        ProviderKind::Azure => s.azure_endpoint = check_url(&endpoint)?,
        ProviderKind::Compatible if base_url.trim().is_empty() => {
            return Err(StateError::NoBaseUrl)
        }
        ProviderKind::Compatible => s.base_url = check_url(&base_url)?,
        ProviderKind::OpenAi => s.base_url = pocket_chat_core::provider::OPENAI_BASE.to_owned(),
    }
    // A request for the user's model says whether anything is still missing.
    let model = match chosen {
        Some(chosen) => chosen.to_owned(),
        None => account
            .user()
            .get_untracked()
            .map(|u| u.model)
            .unwrap_or_else(|| DEFAULT_MODELS[0].to_owned()),
    };
    let probe = CallSpec {
        model,
        messages: Vec::new(),
        reply_cap: 1,
        stream: s.stream,

        params: Default::default(),
    };
    s.request(&probe)?;
    Ok(s)
}

/// The user's two models for `chosen`: it, and another model the endpoint listed; with no
/// list (it failed, or has not arrived), another of the user's `current` two; else it again.
fn two_models(chosen: String, listed: &[Listed], current: Option<[String; 2]>) -> [String; 2] {
    let other = if listed.is_empty() {
        current.into_iter().flatten().find(|m| *m != chosen)
    } else {
        listed.iter().map(|m| m.id.clone()).find(|id| *id != chosen)
    };
    let other = other.unwrap_or_else(|| chosen.clone());
    [chosen, other]
}

/// Renames the first user when the name changed, makes `models` (a compatible server's)
/// theirs with the first in use, then stores the settings, which closes the card; the
/// input box gets the focus, ready for the first message.
async fn finish(
    config: &'static Config,
    account: &'static Account,
    notices: &'static Notices,
    settings: ProviderSettings,
    name: String,
    models: Option<[String; 2]>,
    problem: RwSignal<Option<Text>>,
) {
    let name = name.trim().to_owned();
    if name.is_empty() {
        return problem.set(Some(StateError::EmptyName.into()));
    }
    let current = account.user().get_untracked();
    if let Some(user) = current.filter(|u| u.display_name != name) {
        if let Err(e) = account.rename(&user.user_id, &name).await {
            return notices.fail(e);
        }
    }
    if let Some(models) = models {
        let chosen = models[0].clone();
        if let Err(e) = account.set_models(models, None).await {
            return notices.fail(e);
        }
        if let Err(e) = account.switch_model(Some(&chosen)).await {
            return notices.fail(e);
        }
    }
    match config.save(settings).await {
        Ok(()) => focus("composer-input"),
        Err(e) => notices.fail(e),
    }
}
