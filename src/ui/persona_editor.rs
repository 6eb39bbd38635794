//! Settings' personas: each a name and what the model is told, added and removed in the
//! form, and which one a new thread starts with. Saved with the rest of Settings.

use leptos::prelude::*;
use pocket_chat_core::i18n::{self, Key};
use pocket_chat_core::persona::{self, Persona, PersonaError};
use pocket_chat_core::records::User;

use crate::ids::record_id;
use crate::state::clock::now;
use crate::state::use_prefs;

/// One persona as it is being typed.
#[derive(Clone)]
struct Draft {
    persona_id: String,
    name: RwSignal<String>,
    text: RwSignal<String>,
}

/// The personas typed in the form, and the default chosen among them. `Copy`.
#[derive(Clone, Copy)]
pub struct PersonaFields {
    drafts: RwSignal<Vec<Draft>>,
    /// The default's id; empty: none.
    default: RwSignal<String>,
}

impl PersonaFields {
    /// The form for `user`'s saved personas.
    pub fn new(user: Option<&User>) -> PersonaFields {
        let saved = user.map(|u| u.personas.clone()).unwrap_or_default();
        let drafts = saved
            .into_iter()
            .map(|p| Draft {
                persona_id: p.persona_id,
                name: RwSignal::new(p.name),
                text: RwSignal::new(p.text),
            })
            .collect();
        PersonaFields {
            drafts: RwSignal::new(drafts),
            default: RwSignal::new(user.and_then(persona::for_new_thread).unwrap_or_default()),
        }
    }

    /// The personas typed, checked, and the default among them, or what is wrong.
    pub fn read(&self) -> Result<(Vec<Persona>, Option<String>), PersonaError> {
        let typed = self.drafts.with_untracked(|ds| {
            ds.iter()
                .map(|d| Persona {
                    persona_id: d.persona_id.clone(),
                    name: d.name.get_untracked(),
                    text: d.text.get_untracked(),
                })
                .collect()
        });
        let personas = persona::clean(typed)?;
        let default = self.default.get_untracked();
        let default = personas
            .iter()
            .any(|p| p.persona_id == default)
            .then_some(default);
        Ok((personas, default))
    }
}

#[component]
pub fn PersonaEditor(fields: PersonaFields) -> impl IntoView {
    let prefs = use_prefs();
    let tr = move |k| prefs.tr(k);
    let PersonaFields { drafts, default } = fields;
    let add = move |_| {
        drafts.update(|ds| {
            ds.push(Draft {
                persona_id: record_id(now()),
                name: RwSignal::new(String::new()),
                text: RwSignal::new(String::new()),
            })
        });
    };
    let row = move |d: Draft| {
        let id = d.persona_id.clone();
        let remove = move |_| drafts.update(|ds| ds.retain(|x| x.persona_id != id));
        view! {
            <div class="persona" data-testid="persona">
                <input aria-label=tr(Key::PersonaName) data-testid="persona-name" autocomplete="off"
                    prop:value=d.name on:input=move |ev| d.name.set(event_target_value(&ev)) />
                <button type="button" class="ghost" data-testid="persona-remove" on:click=remove>{tr(Key::RemovePersona)}</button>
                <textarea aria-label=tr(Key::PersonaText) data-testid="persona-text" rows="3"
                    prop:value=d.text on:input=move |ev| d.text.set(event_target_value(&ev))></textarea>
            </div>
        }
    };
    // The default's choices follow the names as they are typed.
    let options = move || {
        let chosen = default.get();
        let none = i18n::t(prefs.lang().get(), Key::NoPersona);
        drafts.with(|ds| {
            let names: Vec<(String, String)> = ds
                .iter()
                .map(|d| (d.persona_id.clone(), d.name.get()))
                .collect();
            persona::options_html(names.iter().map(|(i, n)| (&**i, &**n)), &chosen, none)
        })
    };
    // Every row again when one is added or removed (typing changes only its own signals):
    // a keyed list costs the first load 5 KB.
    let rows = move || drafts.get().into_iter().map(row).collect_view();
    view! {
        <fieldset class="personas" data-testid="personas">
            <legend>{tr(Key::Personas)}</legend>
            <p class="hint">{tr(Key::PersonasHint)}</p>
            <label class="check default-persona">
                {tr(Key::DefaultPersona)}
                <select data-testid="default-persona" inner_html=options
                    on:change=move |ev| default.set(event_target_value(&ev))>
                </select>
            </label>
            {rows}
            <div class="row">
                <button type="button" class="ghost" data-testid="add-persona" on:click=add>{tr(Key::AddPersona)}</button>
            </div>
        </fieldset>
    }
}
