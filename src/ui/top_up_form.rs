//! The top-up form 残高を加える opens when it needs more: the number of tokens and what
//! was paid, and the PIN when one is set.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;

use crate::state::commands::read_top_up_form;
use crate::state::text::Text;
use crate::state::use_prefs;
use crate::state::use_threads;
use crate::state::use_top_up;

#[component]
pub fn TopUpForm() -> impl IntoView {
    let top_up = use_top_up();
    let threads = use_threads();
    let prefs = use_prefs();
    let lang = prefs.lang();
    let tr = move |k: Key| prefs.tr(k);
    move || {
        top_up.form().map(|request| {
            let tokens = RwSignal::new(request.tokens.map(|t| t.to_string()).unwrap_or_default());
            let amount = RwSignal::new(String::new());
            let typed_pin = RwSignal::new(String::new());
            let needs_pin = move || top_up.needs_pin();
            // Shown as a sentence: a signal of text keeps the views small.
            let problem = RwSignal::new(None::<Text>);
            let submit = move || {
                let (count, paid) = match read_top_up_form(&tokens.get_untracked(), &amount.get_untracked()) {
                    Ok(read) => read,
                    Err(e) => return problem.set(Some(e.into())),
                };
                let pin_text = typed_pin.get_untracked();
                spawn_local(async move {
                    match top_up.add(count, paid, Some(pin_text.as_str())).await {
                        Ok(sentence) => {
                            top_up.close();
                            threads.note(format!("残高を加える {count}"), sentence);
                        }
                        Err(e) => problem.set(Some(e.into())),
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
                            <button type="button" class="ghost" on:click=move |_| { top_up.close(); }>{tr(Key::Cancel)}</button>
                        </div>
                    </form>
                </li>
            }
        })
    }
}
