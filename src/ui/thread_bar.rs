//! Above the messages: the thread's title (double-click or Rename to change it), its
//! persona, Pin and Export as Markdown, and what the thread has used, in tokens and, where
//! the model's price is known, in money.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pocket_chat_core::i18n::{self, Key};
use pocket_chat_core::persona;
use pocket_chat_core::pricing;

use crate::state::data::download_thread;
use crate::state::use_account;
use crate::state::use_notices;
use crate::state::use_prefs;
use crate::state::use_thread_window;
use crate::state::use_threads;

#[component]
pub fn ThreadBar() -> impl IntoView {
    let prefs = use_prefs();
    let threads = use_threads();
    let notices = use_notices();
    let tally = use_thread_window().tally();
    let lang = prefs.lang();
    let tr = move |k| prefs.tr(k);
    // The thread on screen as listed: its id, title and pin; `None` for a new thread.
    let shown = move || {
        let id = threads.current()?;
        threads.list().with(|ts| {
            ts.iter()
                .find(|t| t.thread_id == id)
                .map(|t| (t.thread_id.clone(), t.title.clone(), t.pinned))
        })
    };
    let title = move || {
        shown()
            .map(|(_, title, _)| title)
            .unwrap_or_else(|| i18n::t(lang.get(), Key::NewThread).to_owned())
    };
    let used = move || {
        tally.with(|t| {
            let tokens = pocket_chat_core::format::token_count_u(lang.get(), t.tokens);
            match t.shown_cost() {
                Some(c) => format!("{tokens} · {}", pricing::usd(c)),
                None => tokens,
            }
        })
    };
    // The text of the name being typed; `None` while the title shows.
    let renaming = threads.renaming();
    let start_rename = move || {
        if let Some((_, title, _)) = shown() {
            threads.set_renaming(Some(title));
        }
    };
    let save = move || {
        let (Some(typed), Some((id, kept, _))) = (renaming.get_untracked(), shown()) else {
            return;
        };
        spawn_local(async move {
            match threads.rename(&id, &kept, &typed).await {
                Ok(()) => threads.set_renaming(None),
                Err(e) => notices.fail(e),
            }
        });
    };
    let pin = move |_| {
        let Some((id, _, pinned)) = shown() else {
            return;
        };
        spawn_local(async move {
            if let Err(e) = threads.set_pinned(&id, !pinned).await {
                notices.fail(e);
            }
        });
    };
    let export = move |_| {
        if let Some((id, _, _)) = shown() {
            spawn_local(download_thread(notices, id, lang.get_untracked()));
        }
    };
    let pinned = move || shown().is_some_and(|(_, _, p)| p);
    let user = use_account().user();
    // The persona of the thread on screen, one of the user's (empty: none); a new
    // thread's is the one chosen for it, or the user's default.
    let chosen = move || {
        let listed = threads.current().map(|id| {
            threads.list().with(|ts| {
                ts.iter()
                    .find(|t| t.thread_id == id)
                    .and_then(|t| t.persona.clone())
            })
        });
        user.with(|u| {
            let u = u.as_ref()?;
            let id = match listed {
                Some(id) => id,
                None => threads.new_persona().persona(u),
            }?;
            u.personas.iter().any(|p| p.persona_id == id).then_some(id)
        })
        .unwrap_or_default()
    };
    let choose = move |ev| {
        let id = event_target_value(&ev);
        let persona = (!id.is_empty()).then_some(id);
        spawn_local(async move {
            let current = threads.current_untracked();
            if let Err(e) = threads.set_persona(current.as_deref(), persona).await {
                notices.fail(e);
            }
        });
    };
    let options = move || {
        let chosen = chosen();
        user.with(|u| {
            let personas = u.iter().flat_map(|u| &u.personas);
            let none = i18n::t(lang.get(), Key::NoPersona);
            persona::options_html(personas.map(|p| (&*p.persona_id, &*p.name)), &chosen, none)
        })
    };
    let no_personas = move || user.with(|u| u.as_ref().is_none_or(|u| u.personas.is_empty()));
    let input = NodeRef::<leptos::html::Input>::new();
    // The name box opens with the whole name selected, to type over or edit.
    Effect::new(move || {
        if let Some(el) = input.get() {
            // Its text first: the value binding may not have run yet.
            el.set_value(&renaming.get_untracked().unwrap_or_default());
            let _ = el.focus();
            el.select();
        }
    });
    view! {
        <div class="thread-bar">
            <Show when=move || renaming.with(Option::is_some) fallback=move || view! {
                <span class="thread-title" data-testid="thread-title" on:dblclick=move |_| start_rename()>{title}</span>
            }>
                <input class="thread-title-input" data-testid="thread-title-input" aria-label=tr(Key::RenameLabel)
                    node_ref=input prop:value=move || renaming.get().unwrap_or_default()
                    on:input=move |ev| threads.set_renaming(Some(event_target_value(&ev)))
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => { ev.prevent_default(); save(); }
                        "Escape" => { ev.prevent_default(); threads.set_renaming(None); }
                        _ => {}
                    }
                    on:blur=move |_| save() />
            </Show>
            <select class="persona-select" data-testid="persona-select" aria-label=tr(Key::PersonaLabel)
                hidden=no_personas inner_html=options on:change=choose>
            </select>
            <span class="thread-actions" hidden=move || shown().is_none()>
                <button type="button" class="action" data-testid="thread-pin" aria-pressed=move || pinned().to_string()
                    on:click=pin>{move || tr(if pinned() { Key::UnpinThread } else { Key::PinThread })()}</button>
                <button type="button" class="action" data-testid="thread-rename" on:click=move |_| start_rename()>{tr(Key::RenameThread)}</button>
                <button type="button" class="action" data-testid="export-thread" title=tr(Key::ExportThreadLabel)
                    on:click=export>{tr(Key::ExportThread)}</button>
            </span>
            <span class="thread-used" data-testid="thread-used" title=tr(Key::UsedInThread)>{used}</span>
        </div>
    }
}
