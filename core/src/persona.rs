//! Personas: a user's saved system prompts (a name and a text), one chosen per thread,
//! the user's default for a new thread; what the model is told first; the personas the
//! user typed, checked; and the old single system prompt becoming each user's default.

use thiserror::Error;

use crate::i18n::{self, Key, Lang, Localize, LANGUAGE_KEY};
use crate::provider;
pub use crate::records::Persona;
use crate::records::{Setting, Thread, User};

/// The field of the provider setting that held the one system prompt before personas.
pub const OLD_PROMPT_FIELD: &str = "system_prompt";

/// The longest persona name kept, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// Personas the user typed that cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PersonaError {
    /// The persona at this place in the list (1 = the first) has no name.
    #[error("Persona {0} has no name. Give it one, or remove it.")]
    NoName(usize),
    /// The persona called this has no text.
    #[error("The persona “{0}” has no text. Write what the model should be told, or remove it.")]
    NoText(String),
    /// Two personas have this name.
    #[error("Two personas are called “{0}”. Give each its own name.")]
    SameName(String),
}

/// The system message of a thread whose persona is `chosen` (`None`: none), from the
/// user's `personas`: empty when it has none or its persona was removed since.
pub fn system_text<'a>(personas: &'a [Persona], chosen: Option<&str>) -> &'a str {
    chosen
        .and_then(|id| personas.iter().find(|p| p.persona_id == id))
        .map_or("", |p| p.text.as_str())
}

/// The persona a new thread of `user` starts with: the default, while it exists.
pub fn for_new_thread(user: &User) -> Option<String> {
    user.default_persona
        .clone()
        .filter(|id| user.personas.iter().any(|p| &p.persona_id == id))
}

/// What was chosen for a new thread before its first message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NewThread {
    /// Nothing yet: the user's default persona, while it exists.
    #[default]
    Default,
    /// No persona.
    Without,
    /// The persona of this id.
    Persona(String),
}

impl NewThread {
    /// The choice of `persona` (`None`: no persona).
    pub fn chosen(persona: Option<String>) -> NewThread {
        persona.map_or(NewThread::Without, NewThread::Persona)
    }

    /// The persona the new thread of `user` starts with.
    pub fn persona(self, user: &User) -> Option<String> {
        match self {
            NewThread::Default => for_new_thread(user),
            NewThread::Without => None,
            NewThread::Persona(id) => Some(id),
        }
    }
}

/// The `<option>`s of a persona chooser: `none` (the label of "no persona", value empty),
/// then each of `personas` by name, `chosen` (an id, or empty) selected; the names escaped.
/// As HTML rather than a list of views: views of one more type cost the first load KBs.
pub fn options_html<'a>(
    personas: impl Iterator<Item = (&'a str, &'a str)>,
    chosen: &str,
    none: &'a str,
) -> String {
    let mut html = String::new();
    for (id, name) in std::iter::once(("", none)).chain(personas) {
        html.push_str("<option value=\"");
        crate::html::push_text(&mut html, id);
        html.push_str(if id == chosen { "\" selected>" } else { "\">" });
        crate::html::push_text(&mut html, name);
        html.push_str("</option>");
    }
    html
}

/// The personas as typed, each name one trimmed line of at most [`MAX_NAME_CHARS`]
/// characters, or the first thing wrong with them. Texts are kept as typed.
pub fn clean(typed: Vec<Persona>) -> Result<Vec<Persona>, PersonaError> {
    let mut out: Vec<Persona> = Vec::with_capacity(typed.len());
    for (i, mut p) in typed.into_iter().enumerate() {
        let line = p.name.split(['\n', '\r']).next().unwrap_or("").trim();
        p.name = line.chars().take(MAX_NAME_CHARS).collect();
        if p.name.is_empty() {
            return Err(PersonaError::NoName(i + 1));
        }
        if p.text.trim().is_empty() {
            return Err(PersonaError::NoText(p.name));
        }
        if out.iter().any(|q| q.name == p.name) {
            return Err(PersonaError::SameName(p.name));
        }
        out.push(p);
    }
    Ok(out)
}

/// Turns the one system prompt of the settings before personas (`text`, for every user
/// and thread) into each user's default persona called `name`, chosen in each of their
/// threads, so that every thread is told what it was told before. `new_id` gives each
/// user's persona its id. A user who has personas already keeps theirs (nothing to adopt
/// twice); an empty `text` adopts nothing.
pub fn adopt_system_prompt(
    text: &str,
    name: &str,
    users: &mut [User],
    threads: &mut [Thread],
    new_id: &mut dyn FnMut() -> String,
) {
    if text.trim().is_empty() {
        return;
    }
    for user in users.iter_mut().filter(|u| u.personas.is_empty()) {
        let id = new_id();
        user.personas.push(Persona {
            persona_id: id.clone(),
            name: name.to_owned(),
            text: text.to_owned(),
        });
        user.default_persona = Some(id.clone());
        for thread in threads
            .iter_mut()
            .filter(|t| t.user_id == user.user_id && t.persona.is_none())
        {
            thread.persona = Some(id.clone());
        }
    }
}

/// [`adopt_system_prompt`] of the system prompt that `settings` (the settings store's,
/// or an export file's) hold from before personas, named in their language; the prompt
/// leaves the provider setting. Nothing held: nothing changes.
pub fn adopt_from_settings(
    settings: &mut [Setting],
    users: &mut [User],
    threads: &mut [Thread],
    new_id: &mut dyn FnMut() -> String,
) {
    let lang = settings
        .iter()
        .find(|s| s.key == LANGUAGE_KEY)
        .and_then(|s| s.value.as_str())
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let text = settings
        .iter_mut()
        .find(|s| s.key == provider::SETTINGS_KEY)
        .and_then(|s| s.value.as_object_mut())
        .and_then(|o| o.remove(OLD_PROMPT_FIELD));
    if let Some(serde_json::Value::String(text)) = text {
        let name = i18n::t(lang, Key::AdoptedPersona);
        adopt_system_prompt(&text, name, users, threads, new_id);
    }
}

/// [`PersonaError`] in `lang`.
impl Localize for PersonaError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match (lang, err) {
            (Lang::En, _) => err.to_string(),
            (Lang::Ja, PersonaError::NoName(n)) => {
                format!("{n} 番目のペルソナに名前がありません。名前を付けるか、削除してください。")
            }
            (Lang::Ja, PersonaError::NoText(name)) => format!(
                "ペルソナ「{name}」に内容がありません。モデルに伝える内容を書くか、削除してください。"
            ),
            (Lang::Ja, PersonaError::SameName(name)) => format!(
                "「{name}」という名前のペルソナが二つあります。それぞれ別の名前にしてください。"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persona(id: &str, name: &str, text: &str) -> Persona {
        Persona {
            persona_id: id.into(),
            name: name.into(),
            text: text.into(),
        }
    }

    fn user(id: &str) -> User {
        User {
            user_id: id.into(),
            display_name: id.into(),
            num_token: 0,
            is_charged_once: false,
            model: "m".into(),
            models: ["m".into(), "n".into()],
            created_at: 0,
            updated_at: 0,
            params: Vec::new(),
            personas: Vec::new(),
            default_persona: None,
            edited_at: 0,
        }
    }

    fn thread(id: &str, user_id: &str) -> Thread {
        Thread {
            thread_id: id.into(),
            user_id: user_id.into(),
            title: id.into(),
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
            path: Vec::new(),
            pinned: false,
            persona: None,
            edited_at: 0,
        }
    }

    #[test]
    fn a_thread_is_told_its_own_persona_and_nothing_once_it_is_removed() {
        let ps = [
            persona("p1", "Tutor", "Teach."),
            persona("p2", "Poet", "Rhyme."),
        ];
        assert_eq!(system_text(&ps, Some("p2")), "Rhyme.");
        assert_eq!(system_text(&ps, Some("p1")), "Teach.");
        assert_eq!(system_text(&ps, None), "");
        assert_eq!(system_text(&ps, Some("gone")), "");

        let mut u = user("u");
        assert_eq!(for_new_thread(&u), None);
        u.personas = ps.to_vec();
        u.default_persona = Some("p2".into());
        assert_eq!(for_new_thread(&u).as_deref(), Some("p2"));
        u.personas.remove(1);
        assert_eq!(for_new_thread(&u), None, "a removed default is no default");
    }

    #[test]
    fn a_chooser_lists_no_persona_then_each_by_name_escaped_with_the_chosen_selected() {
        let ps = [
            persona("p1", "Tutor", "x"),
            persona("p2", "<b>&\"詩人\"", "y"),
        ];
        let list = |chosen| {
            options_html(
                ps.iter().map(|p| (p.persona_id.as_str(), p.name.as_str())),
                chosen,
                "No persona",
            )
        };
        assert_eq!(
            list("p2"),
            "<option value=\"\">No persona</option><option value=\"p1\">Tutor</option>\
             <option value=\"p2\" selected>&lt;b&gt;&amp;&quot;詩人&quot;</option>"
        );
        assert!(list("").starts_with("<option value=\"\" selected>No persona</option>"));
    }

    #[test]
    fn typed_personas_are_trimmed_and_every_mistake_is_named() {
        let ok = clean(vec![
            persona("a", "  Tutor \nsecond line", " Teach. "),
            persona("b", &"長".repeat(80), "詩で答えて"),
        ])
        .expect("valid");
        assert_eq!(ok[0].name, "Tutor");
        assert_eq!(ok[0].text, " Teach. ", "the text is the user's, as typed");
        assert_eq!(ok[1].name.chars().count(), MAX_NAME_CHARS);

        let cases = [
            (
                vec![persona("a", "A", "x"), persona("b", "  ", "y")],
                PersonaError::NoName(2),
            ),
            (
                vec![persona("a", "A", " \n ")],
                PersonaError::NoText("A".into()),
            ),
            (
                vec![persona("a", "Same", "x"), persona("b", " Same", "y")],
                PersonaError::SameName("Same".into()),
            ),
        ];
        for (typed, want) in cases {
            assert_eq!(clean(typed), Err(want));
        }
        assert_eq!(clean(Vec::new()), Ok(Vec::new()));
    }

    #[test]
    fn the_old_system_prompt_becomes_each_users_default_in_all_their_threads() {
        let mut users = [user("ann"), user("ken")];
        users[1].personas = vec![persona("k1", "Mine", "Ken's own.")];
        let mut threads = [
            thread("t1", "ann"),
            thread("t2", "ken"),
            thread("t3", "ann"),
        ];
        threads[2].persona = Some("chosen".into());
        let mut n = 0;
        let mut new_id = || {
            n += 1;
            format!("id{n}")
        };
        adopt_system_prompt(
            "Be brief.",
            "Default",
            &mut users,
            &mut threads,
            &mut new_id,
        );
        assert_eq!(users[0].personas, [persona("id1", "Default", "Be brief.")]);
        assert_eq!(users[0].default_persona.as_deref(), Some("id1"));
        assert_eq!(
            users[1].personas.len(),
            1,
            "Ken had personas: kept as they were"
        );
        assert_eq!(users[1].default_persona, None);
        let chosen: Vec<Option<&str>> = threads.iter().map(|t| t.persona.as_deref()).collect();
        assert_eq!(chosen, [Some("id1"), None, Some("chosen")]);

        // Nothing to adopt: nothing changes.
        let before = (users.clone(), threads.clone());
        adopt_system_prompt("  ", "Default", &mut users, &mut threads, &mut new_id);
        assert_eq!((users.clone(), threads.clone()), before);
    }
}
