//! The user switcher: everyone using this browser, each with a balance; switch, rename,
//! delete (asks to confirm), and create a user who starts with the 100-token bonus.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::Key;

use crate::state::use_account;
use crate::state::use_config;
use crate::state::use_notices;
use crate::state::use_prefs;

#[component]
pub fn UsersPanel(open: RwSignal<bool>) -> impl IntoView {
    let account = use_account();
    let notices = use_notices();
    let prefs = use_prefs();
    let new_name = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<String>);
    let edit_name = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<String>);
    let lang = prefs.lang();
    let tr = move |k: Key| prefs.tr(k);
    let create = move || {
        let name = new_name.get_untracked();
        new_name.set(String::new());
        spawn_local(async move {
            account.create(&name).await;
            open.set(false);
        });
    };
    view! {
        <Show when=move || open.get()>
            <section class="panel" data-testid="users-panel" aria-labelledby="users-title">
                <h2 id="users-title">{tr(Key::WhoIsChatting)}</h2>
                <p class="hint">{tr(Key::UsersHint)}</p>
                <ul class="user-list">
                    <For each=move || account.users().get() key=|u| (u.user_id.clone(), u.display_name.clone(), u.num_token) let:user>
                        {
                            let id = user.user_id.clone();
                            let (id2, id3, id4, id5) = (id.clone(), id.clone(), id.clone(), id.clone());
                            let is_current = move || account.user().with(|u| u.as_ref().map(|u| u.user_id.as_str()) == Some(id.as_str()));
                            let name = user.display_name.clone();
                            let name2 = name.clone();
                            view! {
                                <li class="user-row" data-testid="user-row">
                                    <Show when=move || editing.get().as_deref() == Some(id2.as_str())
                                        fallback=move || view! { <span class="user-label" data-testid="user-label">{name.clone()}</span> }>
                                        <input aria-label=tr(Key::NewName) data-testid="rename-input" prop:value=edit_name
                                            on:input=move |ev| edit_name.set(event_target_value(&ev)) />
                                        <button type="button" data-testid="rename-save" on:click={
                                            let id = id3.clone();
                                            move |_| {
                                                let (id, name) = (id.clone(), edit_name.get_untracked());
                                                editing.set(None);
                                                spawn_local(async move {
                                                    if let Err(e) = account.rename(&id, &name).await {
                                                        notices.fail(e);
                                                    }
                                                });
                                            }
                                        }>{tr(Key::Save)}</button>
                                    </Show>
                                    <span class="user-balance" data-testid="user-balance">{move || pocket_chat_core::format::token_count(lang.get(), user.num_token)}</span>
                                    <span class="row-actions">
                                        <button type="button" class="ghost" data-testid="switch-user" disabled=is_current.clone()
                                            on:click={
                                                let id = id4.clone();
                                                move |_| {
                                                    let id = id.clone();
                                                    spawn_local(async move { account.switch_to(&id).await; open.set(false); });
                                                }
                                            }>{tr(Key::Switch)}</button>
                                        <button type="button" class="ghost" data-testid="rename-user" on:click={
                                            let (id, name) = (id5.clone(), name2.clone());
                                            move |_| { edit_name.set(name.clone()); editing.set(Some(id.clone())); }
                                        }>{tr(Key::Rename)}</button>
                                        <DeleteUser user_id=user.user_id.clone() name=user.display_name.clone() confirming=confirming />
                                    </span>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <form class="row" on:submit=move |ev| { ev.prevent_default(); create(); }>
                    <label for="new-user-name">{tr(Key::NewUser)}</label>
                    <input id="new-user-name" data-testid="new-user-name" placeholder=tr(Key::NamePlaceholder)
                        prop:value=new_name on:input=move |ev| new_name.set(event_target_value(&ev)) />
                    <button type="submit" data-testid="create-user">{tr(Key::AddUser)}</button>
                </form>
            </section>
        </Show>
    }
}

/// Delete, then "Delete Ann and all their threads?" to confirm.
#[component]
fn DeleteUser(
    user_id: String,
    name: String,
    confirming: RwSignal<Option<String>>,
) -> impl IntoView {
    let account = use_account();
    let config = use_config();
    let prefs = use_prefs();
    let asking = {
        let id = user_id.clone();
        move || confirming.get().as_deref() == Some(id.as_str())
    };
    let lang = prefs.lang();
    let tr = move |k: Key| prefs.tr(k);
    let question = move || pocket_chat_core::records::delete_user_question(lang.get(), &name);
    let typed_pin = RwSignal::new(String::new());
    let needs_pin = move || config.has_pin();
    view! {
        <Show when=asking.clone()
            fallback={
                let id = user_id.clone();
                move || {
                    let id = id.clone();
                    view! { <button type="button" class="ghost" data-testid="delete-user" on:click=move |_| confirming.set(Some(id.clone()))>{tr(Key::Delete)}</button> }
                }
            }>
            <span class="confirm-inline" role="alert">
                <span>{question.clone()}</span>
                <Show when=needs_pin>
                    <input type="password" inputmode="numeric" aria-label=tr(Key::Pin) placeholder=tr(Key::Pin) data-testid="delete-user-pin"
                        prop:value=typed_pin on:input=move |ev| typed_pin.set(event_target_value(&ev)) />
                </Show>
                <button type="button" class="danger" data-testid="confirm-delete-user" on:click={
                    let id = user_id.clone();
                    move |_| {
                        let id = id.clone();
                        confirming.set(None);
                        let pin = typed_pin.get_untracked();
                        spawn_local(async move { account.delete(&id, &pin, config.pin()).await });
                    }
                }>{tr(Key::Delete)}</button>
                <button type="button" class="ghost" on:click=move |_| confirming.set(None)>{tr(Key::Cancel)}</button>
            </span>
        </Show>
    }
}
