//! The export file: everything (or one user) as versioned JSON, and the full validation an
//! import file passes before a single record is written.
//!
//! Files of version 1 (numeric ids, one version of each exchange) are converted on import:
//! fresh ids from the caller, and each thread's messages on its first branch.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::format::{count, token_count};
use crate::i18n::{Lang, Localize};
use crate::ledger::{self, DebitKind};
use crate::persona;
use crate::records::{Branch, Message, MessageStatus, Millis, Payment, Setting, Thread, User};
use crate::tree::{self, Tree, TreeError};

/// The `format` every export file carries.
pub const FORMAT: &str = "pocket-chat-export";

/// The version of the export file written now; files of this version or older import.
pub const VERSION: u32 = 2;

/// Field names whose values are secrets, left out of exports unless asked for.
const SECRET_FIELDS: [&str; 1] = ["api_key"];

/// Settings that are secrets as a whole (the top-up PIN; also each user's sync settings,
/// `sync.{user_id}`, with their password).
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
    /// Every thread's version tree: at least its first branch.
    #[serde(default)]
    pub branches: Vec<Branch>,
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
    UnknownThread {
        message_id: String,
        thread_id: String,
    },
    #[error("This export is damaged: branch {branch_id} belongs to thread {thread_id}, which is not in the file or belongs to another user. Nothing was imported.")]
    BranchThread {
        branch_id: String,
        thread_id: String,
    },
    /// A thread's version tree does not hold together, or a message is not at a place of
    /// it; `problem` says how (in English; its `Localize` words each case in Japanese).
    #[error("This export is damaged: in thread {thread_id}, {problem}. Nothing was imported.")]
    Tree {
        thread_id: String,
        problem: TreeError,
    },
    #[error("This export is damaged: payment {payment_id} has a negative amount or token count. Nothing was imported.")]
    NegativePayment { payment_id: String },
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
    /// A merge of records already here (the same file imported before, say): ids are
    /// unique across devices, so the same id is the same record.
    #[error("A {store} with the id {id} is already here: this file, or part of it, was imported before. Choose Replace to overwrite. Nothing was imported.")]
    Taken { store: &'static str, id: String },
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
            branches: Vec::new(),
            messages: Vec::new(),
            settings: Vec::new(),
        }
    }

    /// Removes secrets (API keys) from the settings: exports leave them out unless the
    /// user asks for them.
    pub fn remove_secrets(&mut self) {
        self.settings
            .retain(|s| !SECRET_SETTINGS.contains(&s.key.as_str()) && !s.key.starts_with("sync."));
        for setting in &mut self.settings {
            strip_secrets(&mut setting.value);
        }
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data structs into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and fully validates an import file. A version-1 file is converted (see
    /// [`FileV1::upgrade`]), its new ids made by `new_id` from each record's creation time:
    /// core reads no clock and no randomness.
    pub fn parse(
        text: &str,
        new_id: &mut dyn FnMut(Millis) -> String,
    ) -> Result<ExportFile, ImportError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(not_json)?;
        ExportFile::from_value(value, new_id)
    }

    /// [`ExportFile::parse`] of a file already read as JSON.
    pub fn from_value(
        value: serde_json::Value,
        new_id: &mut dyn FnMut(Millis) -> String,
    ) -> Result<ExportFile, ImportError> {
        let version = value.get("version").and_then(|v| v.as_u64());
        check_header(value.get("format").and_then(|f| f.as_str()), version)?;
        let malformed = |e: serde_json::Error| ImportError::Malformed {
            detail: e.to_string(),
        };
        if version == Some(1) {
            let old: FileV1 = serde_json::from_value(value).map_err(malformed)?;
            let mut file = old.upgrade(new_id)?;
            file.adopt_system_prompt(new_id);
            return Ok(file);
        }
        let mut file: ExportFile = serde_json::from_value(value).map_err(malformed)?;
        file.validate()?;
        file.adopt_system_prompt(new_id);
        // A reply's HTML goes into the page as it is: never from a file, always rendered
        // here from the Markdown.
        for message in &mut file.messages {
            message.html.clear();
        }
        Ok(file)
    }

    /// A file written before personas holds one system prompt, in its provider setting:
    /// it becomes each user's default persona ([`persona::adopt_from_settings`]).
    pub fn adopt_system_prompt(&mut self, new_id: &mut dyn FnMut(Millis) -> String) {
        let at = self.exported_at;
        persona::adopt_from_settings(
            &mut self.settings,
            &mut self.users,
            &mut self.threads,
            &mut || new_id(at),
        );
    }

    /// Checks ids, references, every thread's version tree, amounts and every user's
    /// ledger invariant.
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
            let id = required(&p.payment_id, "payment")?;
            if !payment_ids.insert(id) {
                return Err(ImportError::DuplicateId {
                    store: "payment",
                    id: id.to_string(),
                });
            }
            known_user("payment", &p.user_id)?;
            if p.charged_token < 0 || !(p.amount >= 0.0 && p.amount.is_finite()) {
                return Err(ImportError::NegativePayment {
                    payment_id: id.to_owned(),
                });
            }
            credits.entry(&p.user_id).or_default().push(p.charged_token);
        }

        let mut thread_owner: HashMap<&str, &str> = HashMap::new();
        for t in &self.threads {
            let id = required(&t.thread_id, "thread")?;
            known_user("thread", &t.user_id)?;
            if thread_owner.insert(id, &t.user_id).is_some() {
                return Err(ImportError::DuplicateId {
                    store: "thread",
                    id: id.to_string(),
                });
            }
        }

        let mut branches: HashMap<&str, &Branch> = HashMap::new();
        let mut trees: HashMap<&str, Vec<Branch>> = HashMap::new();
        for b in &self.branches {
            let id = required(&b.branch_id, "branch")?;
            if branches.insert(id, b).is_some() {
                return Err(ImportError::DuplicateId {
                    store: "branch",
                    id: id.to_owned(),
                });
            }
            known_user("branch", &b.user_id)?;
            if thread_owner.get(b.thread_id.as_str()) != Some(&b.user_id.as_str()) {
                return Err(ImportError::BranchThread {
                    branch_id: id.to_owned(),
                    thread_id: b.thread_id.clone(),
                });
            }
            trees.entry(&b.thread_id).or_default().push(b.clone());
        }
        // In the file's order of threads, so the same file is always refused the same way.
        for t in &self.threads {
            let own = trees
                .get(t.thread_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            let refused = |problem| ImportError::Tree {
                thread_id: t.thread_id.clone(),
                problem,
            };
            Tree::check(&t.thread_id, own).map_err(refused)?;
            // The paths it remembers are its own branches.
            if let Some(unknown) = t
                .path
                .iter()
                .find(|leaf| !own.iter().any(|b| b.branch_id == **leaf))
            {
                return Err(refused(TreeError::UnknownPath {
                    branch_id: unknown.clone(),
                }));
            }
        }

        let mut debits: HashMap<&str, Vec<u64>> = HashMap::new();
        let mut message_ids = HashSet::new();
        let mut places: HashMap<(&str, u32), &str> = HashMap::new();
        for m in &self.messages {
            let id = required(&m.message_id, "message")?;
            if !message_ids.insert(id) {
                return Err(ImportError::DuplicateId {
                    store: "message",
                    id: id.to_string(),
                });
            }
            known_user("message", &m.user_id)?;
            if thread_owner.get(m.thread_id.as_str()) != Some(&m.user_id.as_str()) {
                return Err(ImportError::UnknownThread {
                    message_id: id.to_owned(),
                    thread_id: m.thread_id.clone(),
                });
            }
            let misplaced = |problem| ImportError::Tree {
                thread_id: m.thread_id.clone(),
                problem,
            };
            let on_branch = branches
                .get(m.branch.as_str())
                .is_some_and(|b| b.thread_id == m.thread_id && b.depth <= m.depth);
            if !on_branch {
                return Err(misplaced(TreeError::Misplaced {
                    message_id: id.to_owned(),
                    branch: m.branch.clone(),
                }));
            }
            if let Some(first) = places.insert((&m.branch, m.depth), id) {
                return Err(misplaced(TreeError::SamePlace {
                    first: first.to_owned(),
                    second: id.to_owned(),
                    branch: m.branch.clone(),
                    depth: m.depth,
                }));
            }
            // Every version counts, deleted ones too: each was debited.
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

    /// For a merge: refuses when a user of the file already exists here. The file's other
    /// ids are kept: made by [`crate::ids::new_id`], they do not meet the ones here.
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

/// An export file of version 1, as written before threads had versions: ids numbered by
/// the store, one line of messages per thread. Read it with serde (the browser's reader
/// or serde_json) once [`check_header`] passed and the version is 1, then
/// [`FileV1::upgrade`] it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileV1 {
    format: String,
    exported_at: Millis,
    #[serde(default)]
    only_user: Option<String>,
    users: Vec<User>,
    payments: Vec<PaymentV1>,
    threads: Vec<ThreadV1>,
    messages: Vec<MessageV1>,
    #[serde(default)]
    settings: Vec<Setting>,
    /// Read only so that `deny_unknown_fields` accepts it: [`check_header`] read it.
    #[allow(dead_code)]
    version: u32,
}

/// A version-1 payment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct PaymentV1 {
    #[serde(default)]
    payment_id: Option<u64>,
    user_id: String,
    amount: f64,
    charged_token: i64,
    created_at: Millis,
}

/// A version-1 thread.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ThreadV1 {
    #[serde(default)]
    thread_id: Option<u64>,
    user_id: String,
    title: String,
    created_at: Millis,
    updated_at: Millis,
    #[serde(default)]
    deleted_at: Option<Millis>,
}

/// A version-1 message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct MessageV1 {
    #[serde(default)]
    message_id: Option<u64>,
    thread_id: u64,
    user_id: String,
    prompt: String,
    completion: String,
    total: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    debit_kind: DebitKind,
    model: String,
    status: MessageStatus,
    created_at: Millis,
}

impl FileV1 {
    /// The file as version 2, validated: every payment, thread and message gets
    /// `new_id(its created_at)`; each thread gets its first branch, holding the thread's
    /// messages in the order of their old ids (the order the store gave them). Problems
    /// with the old ids are reported with the old ids, the ones the file shows.
    pub fn upgrade(
        self,
        new_id: &mut dyn FnMut(Millis) -> String,
    ) -> Result<ExportFile, ImportError> {
        let mut file = ExportFile::new(self.exported_at, self.only_user);
        file.format = self.format;
        let users: HashSet<&str> = self.users.iter().map(|u| u.user_id.as_str()).collect();

        let mut payment_ids = HashSet::new();
        for p in self.payments {
            old_id(p.payment_id, "payment", &mut payment_ids)?;
            file.payments.push(Payment {
                payment_id: new_id(p.created_at),
                user_id: p.user_id,
                amount: p.amount,
                charged_token: p.charged_token,
                created_at: p.created_at,
                bonus: false,
            });
        }

        // Old thread id → (new id, owner).
        let mut threads: HashMap<u64, (String, String)> = HashMap::new();
        let mut thread_ids = HashSet::new();
        for t in self.threads {
            let old = old_id(t.thread_id, "thread", &mut thread_ids)?;
            let id = new_id(t.created_at);
            threads.insert(old, (id.clone(), t.user_id.clone()));
            file.branches
                .push(tree::root(&id, &t.user_id, t.created_at));
            file.threads.push(Thread {
                thread_id: id,
                user_id: t.user_id,
                title: t.title,
                created_at: t.created_at,
                updated_at: t.updated_at,
                deleted_at: t.deleted_at,
                path: Vec::new(),
                pinned: false,
                persona: None,
                edited_at: 0,
            });
        }

        // Each thread's old message ids, sorted: a message's depth is its index there.
        let mut message_ids = HashSet::new();
        let mut lines: HashMap<u64, Vec<u64>> = HashMap::new();
        // Per message: its old id and its thread's new id.
        let mut placed: Vec<(u64, String)> = Vec::with_capacity(self.messages.len());
        for m in &self.messages {
            let old = old_id(m.message_id, "message", &mut message_ids)?;
            if !users.contains(m.user_id.as_str()) {
                return Err(ImportError::UnknownUser {
                    store: "message",
                    user_id: m.user_id.clone(),
                });
            }
            let Some((thread_id, _)) = threads
                .get(&m.thread_id)
                .filter(|(_, owner)| *owner == m.user_id)
            else {
                return Err(ImportError::UnknownThread {
                    message_id: old.to_string(),
                    thread_id: m.thread_id.to_string(),
                });
            };
            lines.entry(m.thread_id).or_default().push(old);
            placed.push((old, thread_id.clone()));
        }
        lines.values_mut().for_each(|line| line.sort_unstable());
        file.users = self.users;
        file.settings = self.settings;

        for (m, (old, thread_id)) in self.messages.into_iter().zip(placed) {
            let index = lines
                .get(&m.thread_id)
                .and_then(|line| line.binary_search(&old).ok())
                .unwrap_or(0);
            file.messages.push(Message {
                message_id: new_id(m.created_at),
                thread_id: thread_id.clone(),
                user_id: m.user_id,
                branch: thread_id,
                // More than 4 billion exchanges in one thread would end on one place,
                // which validation refuses.
                depth: u32::try_from(index).unwrap_or(u32::MAX),
                prompt: m.prompt,
                completion: m.completion,
                reasoning: String::new(),
                html: String::new(),
                total: m.total,
                prompt_tokens: m.prompt_tokens,
                completion_tokens: m.completion_tokens,
                reasoning_tokens: 0,
                debit_kind: m.debit_kind,
                model: m.model,
                status: m.status,
                created_at: m.created_at,
                deleted_at: None,
            });
        }

        file.validate()?;
        Ok(file)
    }
}

/// A version-1 record's numeric id: present, and not one `seen` before.
fn old_id(
    id: Option<u64>,
    store: &'static str,
    seen: &mut HashSet<u64>,
) -> Result<u64, ImportError> {
    let id = id.ok_or(ImportError::MissingId { store })?;
    if seen.insert(id) {
        Ok(id)
    } else {
        Err(ImportError::DuplicateId {
            store,
            id: id.to_string(),
        })
    }
}

/// `id`, or [`ImportError::MissingId`] when it is empty.
fn required<'a>(id: &'a str, store: &'static str) -> Result<&'a str, ImportError> {
    if id.is_empty() {
        Err(ImportError::MissingId { store })
    } else {
        Ok(id)
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
/// its records are read. Version 1 passes: read it as [`FileV1`].
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

/// The counts of an export file or an import, in a language: "1 user, 2 threads".
fn counted(lang: Lang, n: usize, noun: Noun) -> String {
    match lang {
        Lang::En => count(n, noun.en()),
        Lang::Ja => format!("{} {n} {}", noun.ja(), noun.counter()),
    }
}

/// The records an export holds.
#[derive(Debug, Clone, Copy)]
enum Noun {
    User,
    Thread,
    Message,
    Payment,
}

impl Noun {
    fn en(self) -> &'static str {
        match self {
            Noun::User => "user",
            Noun::Thread => "thread",
            Noun::Message => "message",
            Noun::Payment => "payment",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Noun::User => "ユーザー",
            Noun::Thread => "スレッド",
            Noun::Message => "メッセージ",
            Noun::Payment => "支払い",
        }
    }

    fn counter(self) -> &'static str {
        match self {
            Noun::User => "人",
            _ => "件",
        }
    }

    /// A record type as export and storage errors name it ("user", "messages").
    fn from_store(store: &str) -> Option<Noun> {
        match store.trim_end_matches('s') {
            "user" => Some(Noun::User),
            "thread" => Some(Noun::Thread),
            "message" => Some(Noun::Message),
            "payment" => Some(Noun::Payment),
            _ => None,
        }
    }
}

/// A store's name in Japanese, or as given when it is not a record type (the storage
/// layer's Japanese names its stores with it too).
pub fn store_ja(store: &str) -> String {
    match Noun::from_store(store) {
        Some(noun) => noun.ja().to_owned(),
        None if store == "settings" => "設定".to_owned(),
        None if store == "branch" => "ブランチ".to_owned(),
        None => store.to_owned(),
    }
}

/// Each of the four record counts in `lang`: "1 user", "2 threads", "4 messages", …
fn four_counts(lang: Lang, [users, threads, messages, payments]: [usize; 4]) -> [String; 4] {
    [
        counted(lang, users, Noun::User),
        counted(lang, threads, Noun::Thread),
        counted(lang, messages, Noun::Message),
        counted(lang, payments, Noun::Payment),
    ]
}

/// The import confirmation: what a chosen file holds.
pub fn file_holds(
    lang: Lang,
    users: usize,
    threads: usize,
    messages: usize,
    payments: usize,
) -> String {
    let [u, t, m, p] = four_counts(lang, [users, threads, messages, payments]);
    match lang {
        Lang::En => format!("This file holds {u}, {t}, {m} and {p}."),
        Lang::Ja => format!("このファイルには{u}、{t}、{m}、{p}が入っています。"),
    }
}

/// After an export: what went into which file.
pub fn exported(lang: Lang, users: usize, threads: usize, messages: usize, file: &str) -> String {
    let [u, t, m] = [
        counted(lang, users, Noun::User),
        counted(lang, threads, Noun::Thread),
        counted(lang, messages, Noun::Message),
    ];
    match lang {
        Lang::En => format!("Exported {u}, {t} and {m} to {file}."),
        Lang::Ja => format!("{u}、{t}、{m}を {file} にエクスポートしました。"),
    }
}

/// After an import: what it wrote.
pub fn imported(
    lang: Lang,
    users: usize,
    threads: usize,
    messages: usize,
    payments: usize,
) -> String {
    let [u, t, m, p] = four_counts(lang, [users, threads, messages, payments]);
    match lang {
        Lang::En => format!("Imported {u}, {t}, {m} and {p}."),
        Lang::Ja => format!("{u}、{t}、{m}、{p}をインポートしました。"),
    }
}

/// [`ImportError`] in `lang`.
impl Localize for ImportError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        if lang == Lang::En {
            return err.to_string();
        }
        const NOTHING: &str = "何もインポートしていません。";
        const DAMAGED: &str = "このエクスポートは壊れています：";
        // The import confirmation counts no branches, so `store_ja` does not name them.
        let store_name = |store: &str| match store {
            "branch" => "ブランチ".to_owned(),
            _ => store_ja(store),
        };
        match err {
            ImportError::NotJson { line, column } => format!(
                "このファイルは正しい JSON ではありません（{line} 行 {column} 列）。途中で切れている可能性があります。{NOTHING}"
            ),
            ImportError::NotAnExport => {
                format!("このファイルは pocket-chat のエクスポートではありません。{NOTHING}")
            }
            ImportError::TooNew { found } => format!(
                "このエクスポートは新しい pocket-chat で書き出されています（ファイルのバージョン {found}、このアプリが読めるのは {VERSION} まで）。pocket-chat を更新してから、もう一度インポートしてください。{NOTHING}"
            ),
            ImportError::BadVersion => {
                format!("{DAMAGED}バージョンがないか、正の数ではありません。{NOTHING}")
            }
            // The JSON reader's own wording: a technical detail, quoted as it is.
            ImportError::Malformed { detail } => {
                format!("{DAMAGED}読めない項目があります（{detail}）。{NOTHING}")
            }
            ImportError::MissingId { store } => {
                format!("{DAMAGED}id のない{}レコードがあります。{NOTHING}", store_name(store))
            }
            ImportError::DuplicateId { store, id } => format!(
                "{DAMAGED}2 件の{}レコードが同じ id {id} を使っています。{NOTHING}",
                store_name(store)
            ),
            ImportError::UnknownUser { store, user_id } => format!(
                "{DAMAGED}{}レコードが、ファイルにないユーザー {user_id} のものになっています。{NOTHING}",
                store_name(store)
            ),
            ImportError::UnknownThread {
                message_id,
                thread_id,
            } => format!(
                "{DAMAGED}メッセージ {message_id} が、ファイルにないか別のユーザーのスレッド {thread_id} のものになっています。{NOTHING}"
            ),
            ImportError::BranchThread {
                branch_id,
                thread_id,
            } => format!(
                "{DAMAGED}ブランチ {branch_id} が、ファイルにないか別のユーザーのスレッド {thread_id} のものになっています。{NOTHING}"
            ),
            ImportError::Tree { thread_id, problem } => format!(
                "{DAMAGED}スレッド {thread_id} で、{}。{NOTHING}",
                tree::tree_ja(problem)
            ),
            ImportError::NegativePayment { payment_id } => format!(
                "{DAMAGED}支払い {payment_id} の金額またはトークン数が負の値です。{NOTHING}"
            ),
            ImportError::BalanceMismatch {
                user_id,
                stored,
                expected,
            } => format!(
                "{DAMAGED}ユーザー {user_id} の残高は {} ですが、履歴からは {} になります。{NOTHING}",
                token_count(lang, *stored),
                token_count(lang, *expected)
            ),
            ImportError::OutsideScope { user_id } => format!(
                "このエクスポートはユーザー {user_id} だけのものですが、ほかのユーザーのレコードが入っています。{NOTHING}"
            ),
            ImportError::UserExists { user_id } => format!(
                "id が {user_id} のユーザーがすでにここにいます。上書きするなら「置き換え」を選ぶか、先にそのユーザーを削除してください。{NOTHING}"
            ),
            ImportError::Taken { store, id } => format!(
                "id が {id} の{}はすでにここにあります。このファイル（またはその一部）は前にインポートされています。上書きするなら「置き換え」を選んでください。{NOTHING}",
                store_ja(store)
            ),
        }
    }
}

/// How an import meets the data already here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Adds the file's users next to the ones here (refused if one already exists), with
    /// their ids (unique across devices: a record already here with one of them refuses
    /// the import); settings here are kept.
    Merge,
    /// The file's data replaces what is here: everything, or for a one-user file that user.
    Replace,
}

impl ImportMode {
    /// The name the page gives the data worker.
    pub fn code(self) -> &'static str {
        match self {
            ImportMode::Merge => "merge",
            ImportMode::Replace => "replace",
        }
    }

    /// The mode [`ImportMode::code`] names; anything else merges (nothing is wiped).
    pub fn from_code(code: &str) -> ImportMode {
        if code == ImportMode::Replace.code() {
            ImportMode::Replace
        } else {
            ImportMode::Merge
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::LANGUAGE_KEY;
    use crate::ledger::DebitKind;
    use crate::records::MessageStatus;
    use serde_json::json;

    /// Ids for files that need none made: every call is a mistake in the test.
    fn no_ids(_: Millis) -> String {
        panic!("a version-2 file needs no new ids")
    }

    /// Two users; thread `t1` holds two versions of its second exchange (the second on
    /// branch `f1`, shown), thread `t2` one exchange, deleted.
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
            params: Default::default(),
            personas: Vec::new(),
            default_persona: None,
            edited_at: 0,
        };
        let pay = |id: &str, user: &str, amount, charged| Payment {
            payment_id: id.into(),
            user_id: user.into(),
            amount,
            charged_token: charged,
            created_at: 3,
            bonus: false,
        };
        let thread = |id: &str, user: &str, path: &[&str]| Thread {
            thread_id: id.into(),
            user_id: user.into(),
            title: "t".into(),
            created_at: 4,
            updated_at: 5,
            deleted_at: None,
            path: path.iter().map(|p| p.to_string()).collect(),
            pinned: false,
            persona: None,
            edited_at: 0,
        };
        let msg = |id: &str, thread_id: &str, branch: &str, depth, total| Message {
            message_id: id.into(),
            thread_id: thread_id.into(),
            user_id: "a".into(),
            branch: branch.into(),
            depth,
            prompt: "こんにちは".into(),
            completion: "Echo".into(),
            reasoning: String::new(),
            html: String::new(),
            total,
            prompt_tokens: total / 2,
            completion_tokens: total - total / 2,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Exact,
            model: "gpt-4o-mini".into(),
            status: MessageStatus::Complete,
            created_at: 6,
            deleted_at: None,
        };
        let mut file = ExportFile::new(7, None);
        file.users = vec![user("a", 100 + 5000 - 30 - 12 - 7 - 5), user("b", 100)];
        file.payments = vec![
            pay("p1", "a", 0.0, 100),
            pay("p2", "a", 500.0, 5000),
            pay("p3", "b", 0.0, 100),
        ];
        file.threads = vec![thread("t1", "a", &["f1", "t1"]), thread("t2", "a", &[])];
        file.branches = vec![
            tree::root("t1", "a", 4),
            Branch {
                branch_id: "f1".into(),
                thread_id: "t1".into(),
                user_id: "a".into(),
                from: Some("t1".into()),
                depth: 1,
                cut: None,
                created_at: 6,
            },
            Branch {
                cut: Some(0),
                ..tree::root("t2", "a", 4)
            },
        ];
        let mut deleted = msg("m4", "t2", "t2", 0, 5);
        deleted.deleted_at = Some(8);
        file.messages = vec![
            msg("m1", "t1", "t1", 0, 30),
            msg("m2", "t1", "t1", 1, 12),
            msg("m3", "t1", "f1", 1, 7),
            deleted,
        ];
        file.settings = vec![Setting {
            key: "provider".into(),
            value: json!({"kind": "openai", "api_key": "sk-secret", "base_url": "https://api.openai.com"}),
        }];
        file
    }

    // Guards against an export that cannot be read back as itself.
    // Guards against the page and the data worker naming an import mode differently, or
    // an unknown name wiping data.
    #[test]
    fn import_mode_names() {
        for mode in [ImportMode::Merge, ImportMode::Replace] {
            assert_eq!(ImportMode::from_code(mode.code()), mode);
        }
        assert_eq!(ImportMode::from_code("REPLACE"), ImportMode::Merge);
        assert_eq!(ImportMode::from_code(""), ImportMode::Merge);
    }

    #[test]
    fn round_trip_is_exact() {
        let file = sample();
        assert_eq!(ExportFile::parse(&file.to_json(), &mut no_ids), Ok(file));
    }

    // Guards against a file's HTML reaching the page: a reply's HTML goes into the page
    // as it is, so an imported one (a crafted file's `<img onerror>`) is dropped, to be
    // rendered from its Markdown.
    #[test]
    fn an_imported_reply_brings_no_html() {
        let mut file = sample();
        file.messages[0].html = r#"<img src=x onerror="alert(1)">"#.into();
        let text = file.to_json();
        assert!(text.contains("onerror"));
        let read = ExportFile::parse(&text, &mut no_ids).unwrap_or_else(|e| panic!("{e}"));
        assert!(read.messages.iter().all(|m| m.html.is_empty()));
        assert_eq!(read.messages[0].completion, file.messages[0].completion);
    }

    // Guards against losing the system prompt of a file written before personas: it
    // becomes each user's default persona, named in the file's language, chosen in each of
    // their threads, and leaves the provider setting.
    #[test]
    fn an_older_files_system_prompt_becomes_each_users_default_persona() {
        let mut file = sample();
        file.settings[0].value["system_prompt"] = json!("簡潔に答えて。");
        file.settings.push(Setting {
            key: LANGUAGE_KEY.into(),
            value: json!("ja"),
        });
        let mut made = Vec::new();
        let mut new_id = |at: Millis| {
            made.push(at);
            format!("p{}", made.len())
        };
        let read =
            ExportFile::parse(&file.to_json(), &mut new_id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(made, [7, 7], "one persona a user, at the file's time");
        for (user, id) in read.users.iter().zip(["p1", "p2"]) {
            assert_eq!(user.default_persona.as_deref(), Some(id));
            assert_eq!(
                (
                    user.personas[0].name.as_str(),
                    user.personas[0].text.as_str()
                ),
                ("既定", "簡潔に答えて。")
            );
        }
        assert!(read
            .threads
            .iter()
            .all(|t| t.persona.as_deref() == Some("p1")));
        assert_eq!(read.settings[0].value.get(persona::OLD_PROMPT_FIELD), None);
        // A file written with personas reads back as it was.
        assert_eq!(ExportFile::parse(&read.to_json(), &mut no_ids), Ok(read));
    }

    // Guards against API keys and sync passwords leaking into export files.
    #[test]
    fn secrets_are_removed() {
        let mut file = sample();
        assert!(file.to_json().contains("sk-secret"));
        file.settings.push(Setting {
            key: "nested".into(),
            value: json!([{"api_key": "sk-2"}]),
        });
        file.settings.push(Setting {
            key: "sync.a".into(),
            value: json!(["https://couch.example.com/db", "alice", "sk-sync-password"]),
        });
        file.remove_secrets();
        assert!(!file.to_json().contains("sk-"), "{}", file.to_json());
        assert!(!file.to_json().contains("couch.example.com"));
        assert_eq!(
            file.settings[0].value,
            json!({"kind": "openai", "base_url": "https://api.openai.com"})
        );
    }

    /// A branch of thread `t1` (user `a`) from `from` at `depth`, as JSON.
    fn branch(id: &str, from: &str, depth: u32) -> serde_json::Value {
        json!({"branch_id": id, "thread_id": "t1", "user_id": "a", "from": from, "depth": depth, "created_at": 9})
    }

    fn tree_error(thread_id: &str, problem: TreeError) -> ImportError {
        ImportError::Tree {
            thread_id: thread_id.into(),
            problem,
        }
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
        let push_branch = |v: &mut serde_json::Value, b: serde_json::Value| {
            v["branches"].as_array_mut().unwrap().push(b);
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
                edit(&|v| v["version"] = json!(3)),
                ImportError::TooNew { found: 3 },
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
                edit(&|v| v["messages"][1]["message_id"] = json!("m1")),
                ImportError::DuplicateId {
                    store: "message",
                    id: "m1".into(),
                },
            ),
            (
                edit(&|v| v["threads"][1]["thread_id"] = json!("t1")),
                ImportError::DuplicateId {
                    store: "thread",
                    id: "t1".into(),
                },
            ),
            (
                edit(&|v| v["payments"][2]["payment_id"] = json!("p1")),
                ImportError::DuplicateId {
                    store: "payment",
                    id: "p1".into(),
                },
            ),
            (
                edit(&|v| v["branches"][1]["branch_id"] = json!("t1")),
                ImportError::DuplicateId {
                    store: "branch",
                    id: "t1".into(),
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
                edit(&|v| v["branches"][1]["user_id"] = json!("ghost")),
                ImportError::UnknownUser {
                    store: "branch",
                    user_id: "ghost".into(),
                },
            ),
            (
                edit(&|v| v["messages"][0]["thread_id"] = json!("ghost")),
                ImportError::UnknownThread {
                    message_id: "m1".into(),
                    thread_id: "ghost".into(),
                },
            ),
            (
                edit(&|v| v["branches"][1]["thread_id"] = json!("ghost")),
                ImportError::BranchThread {
                    branch_id: "f1".into(),
                    thread_id: "ghost".into(),
                },
            ),
            // Another user's branch in a's thread.
            (
                edit(&|v| v["branches"][1]["user_id"] = json!("b")),
                ImportError::BranchThread {
                    branch_id: "f1".into(),
                    thread_id: "t1".into(),
                },
            ),
            (
                edit(&|v| {
                    v["branches"].as_array_mut().unwrap().remove(2);
                }),
                tree_error(
                    "t2",
                    TreeError::NoRoot {
                        thread_id: "t2".into(),
                    },
                ),
            ),
            // Two branches, each from the other.
            (
                edit(&|v| {
                    v["branches"][1]["from"] = json!("f2");
                    push_branch(v, branch("f2", "f1", 1));
                }),
                tree_error(
                    "t1",
                    TreeError::Cycle {
                        branch_id: "f1".into(),
                    },
                ),
            ),
            (
                edit(&|v| v["branches"][1]["from"] = json!("t2")),
                tree_error(
                    "t1",
                    TreeError::ForeignParent {
                        branch_id: "f1".into(),
                        from: "t2".into(),
                    },
                ),
            ),
            (
                edit(&|v| push_branch(v, branch("f2", "f1", 0))),
                tree_error(
                    "t1",
                    TreeError::BadDepth {
                        branch_id: "f2".into(),
                    },
                ),
            ),
            // t2's message on a branch of t1.
            (
                edit(&|v| v["messages"][3]["branch"] = json!("t1")),
                tree_error(
                    "t2",
                    TreeError::Misplaced {
                        message_id: "m4".into(),
                        branch: "t1".into(),
                    },
                ),
            ),
            // Before the first depth of its branch.
            (
                edit(&|v| v["messages"][2]["depth"] = json!(0)),
                tree_error(
                    "t1",
                    TreeError::Misplaced {
                        message_id: "m3".into(),
                        branch: "f1".into(),
                    },
                ),
            ),
            (
                edit(&|v| v["messages"][2]["branch"] = json!("t1")),
                tree_error(
                    "t1",
                    TreeError::SamePlace {
                        first: "m2".into(),
                        second: "m3".into(),
                        branch: "t1".into(),
                        depth: 1,
                    },
                ),
            ),
            (
                edit(&|v| v["payments"][1]["amount"] = json!(-1.0)),
                ImportError::NegativePayment {
                    payment_id: "p2".into(),
                },
            ),
            (
                edit(&|v| v["payments"][1]["charged_token"] = json!(-5000)),
                ImportError::NegativePayment {
                    payment_id: "p2".into(),
                },
            ),
            (
                edit(&|v| v["users"][0]["num_token"] = json!(999_999)),
                ImportError::BalanceMismatch {
                    user_id: "a".into(),
                    stored: 999_999,
                    expected: 5046,
                },
            ),
            // The deleted version's debit still counts.
            (
                edit(&|v| {
                    v["messages"].as_array_mut().unwrap().remove(3);
                }),
                ImportError::BalanceMismatch {
                    user_id: "a".into(),
                    stored: 5046,
                    expected: 5051,
                },
            ),
            (
                edit(&|v| v["threads"][0]["thread_id"] = json!("")),
                ImportError::MissingId { store: "thread" },
            ),
            (
                edit(&|v| v["branches"][0]["branch_id"] = json!("")),
                ImportError::MissingId { store: "branch" },
            ),
            (
                edit(&|v| {
                    v["threads"][0].as_object_mut().unwrap().remove("thread_id");
                }),
                ImportError::Malformed {
                    detail: String::new(),
                },
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
            let got = ExportFile::parse(&text, &mut no_ids);
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

    // Guards against a tree problem worded without its thread or its own detail.
    #[test]
    fn tree_problems_name_the_thread() {
        let err = tree_error(
            "t1",
            TreeError::Cycle {
                branch_id: "f1".into(),
            },
        );
        assert_eq!(
            err.to_string(),
            "This export is damaged: in thread t1, branch f1 comes from itself through other branches. Nothing was imported."
        );
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
