//! The export file: everything (or one user) as versioned JSON, and the full validation an
//! import file passes before a single record is written.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ledger;
use crate::records::{Message, Millis, Payment, Setting, Thread, User};

/// The `format` every export file carries.
pub const FORMAT: &str = "pocket-chat-export";

/// The version of the export file written now; files of this version or older import.
pub const VERSION: u32 = 1;

/// Field names whose values are secrets, left out of exports unless asked for.
const SECRET_FIELDS: [&str; 1] = ["api_key"];

/// Settings that are secrets as a whole (the top-up PIN).
const SECRET_SETTINGS: [&str; 1] = ["topup_pin"];

/// Everything pocket-chat stores (or one user's share of it), with ids as stored, so that
/// export → wipe → import gives identical stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    pub format: String,
    pub version: u32,
    pub exported_at: Millis,
    /// `Some(user_id)` when only that user was exported.
    #[serde(default)]
    pub only_user: Option<String>,
    pub users: Vec<User>,
    pub payments: Vec<Payment>,
    pub threads: Vec<Thread>,
    pub messages: Vec<Message>,
    #[serde(default)]
    pub settings: Vec<Setting>,
}

/// Why an import file was refused. Nothing is written when any of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("This file is not valid JSON (line {line}, column {column}); it may be cut short. Nothing was imported.")]
    NotJson { line: usize, column: usize },
    #[error("This file is not a pocket-chat export. Nothing was imported.")]
    NotAnExport,
    #[error("This export was written by a newer pocket-chat (file version {found}, this app reads up to {VERSION}). Update pocket-chat and import it again. Nothing was imported.")]
    TooNew { found: u32 },
    /// The file's `version` is missing, or not a positive whole number.
    #[error("This export is damaged: its version is missing or not a positive number. Nothing was imported.")]
    BadVersion,
    /// A record does not have the shape of its type; `detail` is the JSON reader's own
    /// (technical, English) wording, quoted as it is in every language.
    #[error("This export is damaged: {detail}. Nothing was imported.")]
    Malformed { detail: String },
    #[error("This export is damaged: a {store} record has no id. Nothing was imported.")]
    MissingId { store: &'static str },
    #[error(
        "This export is damaged: two {store} records share the id {id}. Nothing was imported."
    )]
    DuplicateId { store: &'static str, id: String },
    #[error("This export is damaged: a {store} record belongs to user {user_id}, who is not in the file. Nothing was imported.")]
    UnknownUser {
        store: &'static str,
        user_id: String,
    },
    #[error("This export is damaged: message {message_id} belongs to thread {thread_id}, which is not in the file or belongs to another user. Nothing was imported.")]
    UnknownThread { message_id: u64, thread_id: u64 },
    #[error("This export is damaged: payment {payment_id} has a negative amount or token count. Nothing was imported.")]
    NegativePayment { payment_id: u64 },
    #[error("This export is damaged: user {user_id} has a balance of {stored} tokens but a history that gives {expected}. Nothing was imported.")]
    BalanceMismatch {
        user_id: String,
        stored: i64,
        expected: i64,
    },
    #[error("This export only holds user {user_id}, but records of other users are in it. Nothing was imported.")]
    OutsideScope { user_id: String },
    #[error("A user with the id {user_id} already exists here. Choose Replace to overwrite, or delete that user first. Nothing was imported.")]
    UserExists { user_id: String },
}

impl ExportFile {
    /// An empty export written at `exported_at`; the caller fills in the records.
    pub fn new(exported_at: Millis, only_user: Option<String>) -> ExportFile {
        ExportFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            exported_at,
            only_user,
            users: Vec::new(),
            payments: Vec::new(),
            threads: Vec::new(),
            messages: Vec::new(),
            settings: Vec::new(),
        }
    }

    /// Removes secrets (API keys) from the settings: exports leave them out unless the
    /// user asks for them.
    pub fn remove_secrets(&mut self) {
        self.settings
            .retain(|s| !SECRET_SETTINGS.contains(&s.key.as_str()));
        for setting in &mut self.settings {
            strip_secrets(&mut setting.value);
        }
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data structs into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and fully validates an import file.
    pub fn parse(text: &str) -> Result<ExportFile, ImportError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(not_json)?;
        check_header(
            value.get("format").and_then(|f| f.as_str()),
            value.get("version").and_then(|v| v.as_u64()),
        )?;
        let file: ExportFile =
            serde_json::from_value(value).map_err(|e| ImportError::Malformed {
                detail: e.to_string(),
            })?;
        file.validate()?;
        Ok(file)
    }

    /// Checks ids, references, amounts and every user's ledger invariant.
    pub fn validate(&self) -> Result<(), ImportError> {
        let mut users = HashSet::new();
        for user in &self.users {
            if user.user_id.is_empty() {
                return Err(ImportError::MissingId { store: "user" });
            }
            if !users.insert(user.user_id.as_str()) {
                return Err(ImportError::DuplicateId {
                    store: "user",
                    id: user.user_id.clone(),
                });
            }
            if let Some(only) = &self.only_user {
                if &user.user_id != only {
                    return Err(ImportError::OutsideScope {
                        user_id: only.clone(),
                    });
                }
            }
        }
        let known_user = |store: &'static str, user_id: &str| {
            if users.contains(user_id) {
                Ok(())
            } else {
                Err(ImportError::UnknownUser {
                    store,
                    user_id: user_id.to_owned(),
                })
            }
        };

        let mut credits: HashMap<&str, Vec<i64>> = HashMap::new();
        let mut payment_ids = HashSet::new();
        for p in &self.payments {
            let id = p
                .payment_id
                .ok_or(ImportError::MissingId { store: "payment" })?;
            if !payment_ids.insert(id) {
                return Err(ImportError::DuplicateId {
                    store: "payment",
                    id: id.to_string(),
                });
            }
            known_user("payment", &p.user_id)?;
            if p.charged_token < 0 || !(p.amount >= 0.0 && p.amount.is_finite()) {
                return Err(ImportError::NegativePayment { payment_id: id });
            }
            credits.entry(&p.user_id).or_default().push(p.charged_token);
        }

        let mut thread_owner: HashMap<u64, &str> = HashMap::new();
        for t in &self.threads {
            let id = t
                .thread_id
                .ok_or(ImportError::MissingId { store: "thread" })?;
            known_user("thread", &t.user_id)?;
            if thread_owner.insert(id, &t.user_id).is_some() {
                return Err(ImportError::DuplicateId {
                    store: "thread",
                    id: id.to_string(),
                });
            }
        }

        let mut debits: HashMap<&str, Vec<u64>> = HashMap::new();
        let mut message_ids = HashSet::new();
        for m in &self.messages {
            let id = m
                .message_id
                .ok_or(ImportError::MissingId { store: "message" })?;
            if !message_ids.insert(id) {
                return Err(ImportError::DuplicateId {
                    store: "message",
                    id: id.to_string(),
                });
            }
            known_user("message", &m.user_id)?;
            if thread_owner.get(&m.thread_id) != Some(&m.user_id.as_str()) {
                return Err(ImportError::UnknownThread {
                    message_id: id,
                    thread_id: m.thread_id,
                });
            }
            debits.entry(&m.user_id).or_default().push(m.total);
        }

        for user in &self.users {
            let id = user.user_id.as_str();
            let c = credits.get(id).cloned().unwrap_or_default();
            let d = debits.get(id).cloned().unwrap_or_default();
            if let Err(v) = ledger::check_invariant(user.num_token, c, d) {
                return Err(ImportError::BalanceMismatch {
                    user_id: id.to_owned(),
                    stored: v.stored,
                    expected: v.expected,
                });
            }
        }
        Ok(())
    }

    /// For a merge: refuses when a user of the file already exists here.
    pub fn check_merge<'a>(
        &self,
        existing: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ImportError> {
        let existing: HashSet<&str> = existing.into_iter().collect();
        match self
            .users
            .iter()
            .find(|u| existing.contains(u.user_id.as_str()))
        {
            Some(u) => Err(ImportError::UserExists {
                user_id: u.user_id.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// The error for text that does not parse as JSON: where it goes wrong, when it does.
pub fn not_json(e: serde_json::Error) -> ImportError {
    if e.is_syntax() || e.is_eof() {
        ImportError::NotJson {
            line: e.line(),
            column: e.column(),
        }
    } else {
        ImportError::NotAnExport
    }
}

/// Checks an import file's `format` and `version` (a whole number, when it is one) before
/// its records are read.
pub fn check_header(format: Option<&str>, version: Option<u64>) -> Result<(), ImportError> {
    if format != Some(FORMAT) {
        return Err(ImportError::NotAnExport);
    }
    match version {
        Some(v) if v > u64::from(VERSION) => Err(ImportError::TooNew {
            found: u32::try_from(v).unwrap_or(u32::MAX),
        }),
        Some(v) if v >= 1 => Ok(()),
        _ => Err(ImportError::BadVersion),
    }
}

/// Removes secret fields (API keys) anywhere inside a setting's value.
fn strip_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !SECRET_FIELDS.contains(&k.as_str()));
            map.values_mut().for_each(strip_secrets);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::DebitKind;
    use crate::records::MessageStatus;
    use serde_json::json;

    fn sample() -> ExportFile {
        let user = |id: &str, num_token| User {
            user_id: id.into(),
            display_name: id.to_uppercase(),
            num_token,
            is_charged_once: num_token > 100,
            model: "gpt-4o-mini".into(),
            models: ["gpt-4o-mini".into(), "gpt-4o".into()],
            created_at: 1,
            updated_at: 2,
        };
        let pay = |id, user: &str, amount, charged| Payment {
            payment_id: Some(id),
            user_id: user.into(),
            amount,
            charged_token: charged,
            created_at: 3,
        };
        let thread = |id, user: &str| Thread {
            thread_id: Some(id),
            user_id: user.into(),
            title: "t".into(),
            created_at: 4,
            updated_at: 5,
            deleted_at: None,
        };
        let msg = |id, thread_id, user: &str, total| Message {
            message_id: Some(id),
            thread_id,
            user_id: user.into(),
            prompt: "こんにちは".into(),
            completion: "Echo".into(),
            total,
            prompt_tokens: total / 2,
            completion_tokens: total - total / 2,
            debit_kind: DebitKind::Exact,
            model: "gpt-4o-mini".into(),
            status: MessageStatus::Complete,
            created_at: 6,
        };
        let mut file = ExportFile::new(7, None);
        file.users = vec![user("a", 100 + 5000 - 30 - 12), user("b", 100)];
        file.payments = vec![
            pay(1, "a", 0.0, 100),
            pay(2, "a", 500.0, 5000),
            pay(3, "b", 0.0, 100),
        ];
        file.threads = vec![thread(1, "a"), thread(2, "a")];
        file.messages = vec![msg(1, 1, "a", 30), msg(2, 2, "a", 12)];
        file.settings = vec![Setting {
            key: "provider".into(),
            value: json!({"kind": "openai", "api_key": "sk-secret", "base_url": "https://api.openai.com"}),
        }];
        file
    }

    // Guards against an export that cannot be read back as itself.
    #[test]
    fn round_trip_is_exact() {
        let file = sample();
        assert_eq!(ExportFile::parse(&file.to_json()), Ok(file));
    }

    // Guards against API keys leaking into export files.
    #[test]
    fn secrets_are_removed() {
        let mut file = sample();
        assert!(file.to_json().contains("sk-secret"));
        file.settings.push(Setting {
            key: "nested".into(),
            value: json!([{"api_key": "sk-2"}]),
        });
        file.remove_secrets();
        assert!(!file.to_json().contains("sk-"), "{}", file.to_json());
        assert_eq!(
            file.settings[0].value,
            json!({"kind": "openai", "base_url": "https://api.openai.com"})
        );
    }

    // Guards against importing damaged or hostile files: each must be refused with its own
    // sentence (and the caller then writes nothing).
    #[test]
    fn malformed_files_are_refused() {
        let good = sample().to_json();
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
            f(&mut v);
            v.to_string()
        };
        let cases: Vec<(String, ImportError)> = vec![
            (
                good[..good.len() / 2].to_owned(),
                ImportError::NotJson { line: 0, column: 0 },
            ),
            ("[1,2,3]".into(), ImportError::NotAnExport),
            (
                edit(&|v| v["format"] = json!("other")),
                ImportError::NotAnExport,
            ),
            (
                edit(&|v| v["version"] = json!(2)),
                ImportError::TooNew { found: 2 },
            ),
            (edit(&|v| v["version"] = json!(0)), ImportError::BadVersion),
            (
                edit(&|v| v["messages"][0]["total"] = json!(-5)),
                ImportError::Malformed {
                    detail: String::new(),
                },
            ),
            (
                edit(&|v| v["users"][1]["user_id"] = json!("a")),
                ImportError::DuplicateId {
                    store: "user",
                    id: "a".into(),
                },
            ),
            (
                edit(&|v| v["messages"][1]["message_id"] = json!(1)),
                ImportError::DuplicateId {
                    store: "message",
                    id: "1".into(),
                },
            ),
            (
                edit(&|v| v["threads"][1]["thread_id"] = json!(1)),
                ImportError::DuplicateId {
                    store: "thread",
                    id: "1".into(),
                },
            ),
            (
                edit(&|v| v["payments"][2]["payment_id"] = json!(1)),
                ImportError::DuplicateId {
                    store: "payment",
                    id: "1".into(),
                },
            ),
            (
                edit(&|v| v["threads"][0]["user_id"] = json!("ghost")),
                ImportError::UnknownUser {
                    store: "thread",
                    user_id: "ghost".into(),
                },
            ),
            (
                edit(&|v| v["payments"][0]["user_id"] = json!("ghost")),
                ImportError::UnknownUser {
                    store: "payment",
                    user_id: "ghost".into(),
                },
            ),
            (
                edit(&|v| v["messages"][0]["thread_id"] = json!(99)),
                ImportError::UnknownThread {
                    message_id: 1,
                    thread_id: 99,
                },
            ),
            (
                edit(&|v| v["payments"][1]["amount"] = json!(-1.0)),
                ImportError::NegativePayment { payment_id: 2 },
            ),
            (
                edit(&|v| v["payments"][1]["charged_token"] = json!(-5000)),
                ImportError::NegativePayment { payment_id: 2 },
            ),
            (
                edit(&|v| v["users"][0]["num_token"] = json!(999_999)),
                ImportError::BalanceMismatch {
                    user_id: "a".into(),
                    stored: 999_999,
                    expected: 5058,
                },
            ),
            (
                edit(&|v| {
                    v["threads"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("thread_id")
                        .map(|_| ())
                        .unwrap_or(())
                }),
                ImportError::MissingId { store: "thread" },
            ),
            (
                edit(&|v| v["only_user"] = json!("b")),
                ImportError::OutsideScope {
                    user_id: "b".into(),
                },
            ),
            (
                edit(&|v| v["surprise"] = json!(true)),
                ImportError::Malformed {
                    detail: String::new(),
                },
            ),
        ];
        for (text, want) in cases {
            let got = ExportFile::parse(&text);
            let same_kind = match (&got, &want) {
                (Err(ImportError::NotJson { .. }), ImportError::NotJson { .. }) => true,
                (Err(ImportError::Malformed { detail }), ImportError::Malformed { .. }) => {
                    !detail.is_empty()
                }
                (Err(e), w) => e == w,
                (Ok(_), _) => false,
            };
            assert!(
                same_kind,
                "want {want:?}, got {got:?} for {}",
                &text[..text.len().min(80)]
            );
            let sentence = got.unwrap_err().to_string();
            assert!(sentence.ends_with("Nothing was imported."), "{sentence}");
        }
    }

    // Guards against a merge that silently overwrites a user who already exists here.
    #[test]
    fn merge_refuses_existing_users() {
        let file = sample();
        assert_eq!(file.check_merge(["c"]), Ok(()));
        assert_eq!(
            file.check_merge(["c", "b"]),
            Err(ImportError::UserExists {
                user_id: "b".into()
            })
        );
    }
}
