//! The top-up form 残高を加える opens when it needs more: the number of tokens and what
//! was paid, and the PIN when one is set.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::commands::TopUpArg;
use pocket_chat_core::i18n::{self, Key};

use crate::state::commands::{note, parse, pin, top_up};
use crate::state::text::{key, Text};
use crate::state::use_app_state;

#[component]
pub fn TopUpForm() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let tr = move |k: Key| state.tr(k);
    move || {
        state.top_up.get().map(|request| {
            let tokens = RwSignal::new(request.tokens.map(|t| t.to_string()).unwrap_or_default());
            let amount = RwSignal::new(String::new());
            let typed_pin = RwSignal::new(String::new());
            let needs_pin = move || pin(state).is_some();
            let problem = RwSignal::new(None::<Text>);
            let submit = move || {
                let raw = tokens.get_untracked();
                // The same rules as typing 残高を加える N.
                let count = match parse(&format!("/topup {raw}")) {
                    Some(pocket_chat_core::commands::Command::TopUp(TopUpArg::Tokens(n))) => n,
                    Some(pocket_chat_core::commands::Command::TopUp(TopUpArg::Missing)) | None => {
                        return problem.set(Some(key(Key::TypeTokenCount)))
                    }
                    Some(pocket_chat_core::commands::Command::TopUp(other)) => {
                        return problem.set(Some(Text::new(move |lang| {
                            i18n::localize_top_up_problem(lang, &other).unwrap_or_else(|| i18n::t(lang, Key::TypeTokenCount).to_owned())
                        })))
                    }
                    _ => return problem.set(Some(key(Key::TypeTokenCount))),
                };
                let paid = amount.get_untracked();
                let paid = paid.trim();
                let paid = if paid.is_empty() { Ok(0.0) } else { paid.replace(',', "").parse::<f64>() };
                let Some(paid) = paid.ok().filter(|p| p.is_finite() && *p >= 0.0) else {
                    return problem.set(Some(key(Key::BadAmount)));
                };
                let pin_text = typed_pin.get_untracked();
                spawn_local(async move {
                    match top_up(state, count, paid, Some(pin_text.as_str())).await {
                        Ok(sentence) => {
                            state.top_up.set(None);
                            note(state, format!("残高を加える {count}"), sentence);
                        }
                        Err(sentence) => problem.set(Some(sentence)),
                    }
                });
            };
            view! {
                <li class="thread-note top-up" data-testid="top-up-form">
                    <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                        <div class="row">
                            <label for="top-up-tokens">{tr(Key::TokensToAdd)}</label>
                            <input id="top-up-tokens" inputmode="numeric" data-testid="top-up-tokens" prop:value=tokens
                                on:input=move |ev| tokens.set(event_target_value(&ev)) />
                            <label for="top-up-amount">{tr(Key::AmountPaid)}</label>
                            <input id="top-up-amount" inputmode="decimal" data-testid="top-up-amount" prop:value=amount
                                on:input=move |ev| amount.set(event_target_value(&ev)) />
                            <Show when=needs_pin>
                                <label for="top-up-pin">{tr(Key::Pin)}</label>
                                <input id="top-up-pin" type="password" inputmode="numeric" data-testid="top-up-pin"
                                    prop:value=typed_pin on:input=move |ev| typed_pin.set(event_target_value(&ev)) />
                            </Show>
                        </div>
                        {move || problem.get().map(|p| view! { <p class="result bad" role="alert" data-testid="top-up-problem">{move || p.get(lang.get())}</p> })}
                        <div class="row">
                            <button type="submit" data-testid="top-up-submit">{tr(Key::AddTokens)}</button>
                            <button type="button" class="ghost" on:click=move |_| state.top_up.set(None)>{tr(Key::Cancel)}</button>
                        </div>
                    </form>
                </li>
            }
        })
    }
}
