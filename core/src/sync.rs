//! Sync between devices through CouchDB replication: the document each record becomes,
//! its revisions, the replies of a CouchDB server, and the rules that settle a conflict
//! the same way on every device.
//!
//! A user's database holds only that user's records, so a document carries no `user_id`:
//! each device gives pulled records its own id of the user. Balances are not synced; each
//! device recomputes them from the ledger rows (payments and exchanges' debits).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::records::{Branch, Message, MessageStatus, Payment, Thread, User};

pub mod check;

/// Revision ids kept per document and sent with each, as CouchDB's `_revisions`.
pub const REVS_LIMIT: usize = 100;

/// Documents read or written per request: a cut connection loses at most one batch, and
/// the next sync repeats it.
pub const BATCH: usize = 100;

/// The most bytes one reply of the sync server may have: a hostile or broken server must
/// not fill this device's memory. A `_bulk_get` of [`BATCH`] documents over it is asked
/// again a document at a time.
pub const REPLY_LIMIT: usize = 16 << 20;

/// The most bytes one document may have. pocket-chat's largest (an exchange with a long
/// prompt and reply) are well under a megabyte; a bigger one is left on the server and
/// named in the line.
pub const DOC_LIMIT: usize = 4 << 20;

/// The most revisions read of one document in conflict: the winner is among them, and
/// the losing ones this device does not read stay for the next sync to settle.
pub const MAX_LEAVES: usize = 10;

/// How long one request to the sync server may take before it is abandoned.
pub const TIMEOUT_SECONDS: u32 = 30;

/// The most `_changes` batches one sync reads: a feed that never ends stops here, and
/// the next sync carries on from where this one got.
pub const MAX_BATCHES: usize = 2_000;

/// The one document of the sign-up bonus: each device made its own when the user was
/// created there, and the user has one.
pub const BONUS_DOC: &str = "payment:bonus";

/// The user's profile: name, models, parameters, personas.
pub const PROFILE_DOC: &str = "profile";

/// A record that syncs.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Profile(User),
    Payment(Payment),
    Thread(Thread),
    Branch(Branch),
    Message(Message),
}

/// The id of `user`'s sign-up bonus among their `payments`: the one marked so, or for a
/// user made before payments were marked, the payment of amount 0 and the bonus's tokens
/// made with the user.
pub fn bonus_id<'a>(payments: &'a [Payment], user: &User) -> Option<&'a str> {
    let old_bonus = |p: &&Payment| {
        p.amount == 0.0
            && p.charged_token == crate::ledger::SIGNUP_BONUS
            && p.created_at == user.created_at
    };
    payments
        .iter()
        .find(|p| p.bonus)
        .or_else(|| payments.iter().find(old_bonus))
        .map(|p| p.payment_id.as_str())
}

impl Record {
    /// The document's `_id`: the kind and the record's id, unique across devices.
    pub fn doc_id(&self, bonus: bool) -> String {
        match self {
            Record::Profile(_) => PROFILE_DOC.to_owned(),
            Record::Payment(_) if bonus => BONUS_DOC.to_owned(),
            Record::Payment(p) => format!("payment:{}", p.payment_id),
            Record::Thread(t) => format!("thread:{}", t.thread_id),
            Record::Branch(b) => format!("branch:{}", b.branch_id),
            Record::Message(m) => format!("message:{}", m.message_id),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Record::Profile(_) => "profile",
            Record::Payment(_) => "payment",
            Record::Thread(_) => "thread",
            Record::Branch(_) => "branch",
            Record::Message(_) => "message",
        }
    }

    /// The document's content, without `_id` and `_rev`: the record and its `kind`, less
    /// what is the device's own (the user's id) or derived (the balance, a reply's HTML).
    pub fn body(&self) -> Map<String, Value> {
        let value = match self {
            Record::Profile(r) => serde_json::to_value(r),
            Record::Payment(r) => serde_json::to_value(r),
            Record::Thread(r) => serde_json::to_value(r),
            Record::Branch(r) => serde_json::to_value(r),
            Record::Message(r) => serde_json::to_value(r),
        };
        // Plain data structs always serialise to an object.
        let mut map = match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        map.remove("user_id");
        map.remove("num_token");
        map.remove("html");
        map.insert("kind".into(), Value::from(self.kind()));
        map
    }

    /// The hash of [`Record::body`]: equal bodies, equal hashes, on every device.
    pub fn hash(&self) -> String {
        hash(&Value::Object(self.body()).to_string())
    }
}

/// Why a document from the server is not a record of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOurs {
    pub id: String,
    pub detail: String,
}

/// The record a pulled document holds, as `user_id`'s.
pub fn from_doc(doc: &Value, user_id: &str) -> Result<Record, NotOurs> {
    let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default();
    let bad = |detail: String| NotOurs {
        id: id.to_owned(),
        detail,
    };
    let Some(fields) = doc.as_object() else {
        return Err(bad("not an object".into()));
    };
    let mut map: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| !k.starts_with('_') && k.as_str() != "kind")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    map.insert("user_id".into(), Value::from(user_id));
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind == "profile" {
        map.insert("num_token".into(), Value::from(0));
    }
    let value = Value::Object(map);
    let parsed = match kind {
        "profile" => serde_json::from_value(value).map(Record::Profile),
        "payment" => serde_json::from_value(value).map(Record::Payment),
        "thread" => serde_json::from_value(value).map(Record::Thread),
        "branch" => serde_json::from_value(value).map(Record::Branch),
        "message" => serde_json::from_value(value).map(Record::Message),
        other => return Err(bad(format!("unknown kind {other:?}"))),
    };
    let record = parsed.map_err(|e| bad(e.to_string()))?;
    // A document whose id names another record would overwrite that record.
    let bonus = id == BONUS_DOC;
    if record.doc_id(bonus) != id {
        return Err(bad(format!("its id is not {}", record.doc_id(bonus))));
    }
    Ok(record)
}

/// 128 bits of two FNV-1a hashes, as 32 hex digits (the length of CouchDB's own).
pub fn hash(text: &str) -> String {
    let fnv = |seed: u64| {
        text.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

/// What this device knows of a document on the server: the revision its record was last
/// pushed as or pulled from, that content's hash, and the revision ids before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synced {
    /// `generation-id`.
    pub rev: String,
    /// [`Record::hash`] of the content at `rev`: another hash means a change to push.
    pub hash: String,
    /// Revision ids, `rev`'s first, then its ancestors' (at most [`REVS_LIMIT`]).
    pub ancestry: Vec<String>,
    /// Other live revisions on the server (a conflict this device settled), to delete at
    /// the next push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub losers: Vec<String>,
}

/// A revision's generation and id; `None` for a revision that is not `N-id`.
pub fn split_rev(rev: &str) -> Option<(u64, &str)> {
    let (generation, id) = rev.split_once('-')?;
    Some((generation.parse().ok()?, id))
}

/// The documents that push `record`'s change since `synced` (none if it did not change),
/// and what this device knows once the server took them. The new revision's id is the
/// hash of its parent and its content, so a push repeated after a cut makes the same
/// revision, which the server already has, and two devices settling a conflict alike
/// make the same one.
pub fn to_push(
    record: &Record,
    bonus: bool,
    synced: Option<&Synced>,
) -> Option<(Vec<Value>, Synced)> {
    let body = record.body();
    let content_hash = hash(&Value::Object(body.clone()).to_string());
    let id = record.doc_id(bonus);
    let mut docs = Vec::new();
    let known = match synced {
        Some(s) if s.hash == content_hash => Synced {
            losers: Vec::new(),
            ..s.clone()
        },
        _ => {
            let (generation, parent) = synced
                .and_then(|s| split_rev(&s.rev).map(|(g, _)| (g, s.rev.as_str())))
                .unwrap_or((0, ""));
            let rev_id = hash(&format!("{parent}\n{content_hash}"));
            let mut ancestry = vec![rev_id.clone()];
            ancestry.extend(synced.map(|s| s.ancestry.clone()).unwrap_or_default());
            ancestry.truncate(REVS_LIMIT);
            let rev = format!("{}-{rev_id}", generation + 1);
            let mut doc = body;
            doc.insert("_id".into(), Value::from(id.as_str()));
            doc.insert("_rev".into(), Value::from(rev.as_str()));
            doc.insert("_revisions".into(), revisions(generation + 1, &ancestry));
            docs.push(Value::Object(doc));
            Synced {
                rev,
                hash: content_hash,
                ancestry,
                losers: Vec::new(),
            }
        }
    };
    for loser in synced.map(|s| s.losers.as_slice()).unwrap_or_default() {
        let Some((generation, loser_id)) = split_rev(loser) else {
            continue;
        };
        let rev_id = hash(&format!("{loser}\ndeleted"));
        let mut doc = Map::new();
        doc.insert("_id".into(), Value::from(id.as_str()));
        doc.insert(
            "_rev".into(),
            Value::from(format!("{}-{rev_id}", generation + 1)),
        );
        doc.insert("_deleted".into(), Value::Bool(true));
        doc.insert(
            "_revisions".into(),
            revisions(generation + 1, &[rev_id, loser_id.to_owned()]),
        );
        docs.push(Value::Object(doc));
    }
    (!docs.is_empty()).then_some((docs, known))
}

fn revisions(start: u64, ids: &[String]) -> Value {
    serde_json::json!({ "start": start, "ids": ids })
}

/// One live or deleted revision of a document, as `_bulk_get?revs=true` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub rev: String,
    /// Revision ids, this one's first.
    pub ancestry: Vec<String>,
    pub deleted: bool,
    /// Its record; `None` when deleted.
    pub record: Option<Record>,
}

impl Leaf {
    /// The leaf a fetched document is, as `user_id`'s.
    pub fn from_doc(doc: &Value, user_id: &str) -> Result<Leaf, NotOurs> {
        let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default();
        let bad = |detail: &str| NotOurs {
            id: id.to_owned(),
            detail: detail.to_owned(),
        };
        let rev = doc
            .get("_rev")
            .and_then(Value::as_str)
            .filter(|r| split_rev(r).is_some())
            .ok_or_else(|| bad("it has no revision"))?
            .to_owned();
        let ancestry = doc
            .pointer("/_revisions/ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .take(REVS_LIMIT)
                    .collect()
            })
            .unwrap_or_else(|| {
                split_rev(&rev)
                    .map(|(_, id)| vec![id.to_owned()])
                    .unwrap_or_default()
            });
        let deleted = doc.get("_deleted").and_then(Value::as_bool) == Some(true);
        let record = if deleted {
            None
        } else {
            Some(from_doc(doc, user_id)?)
        };
        Ok(Leaf {
            rev,
            ancestry,
            deleted,
            record,
        })
    }

    fn has_ancestor(&self, rev: &str) -> bool {
        let (Some((generation, id)), Some((own, _))) = (split_rev(rev), split_rev(&self.rev))
        else {
            return false;
        };
        // `ancestry[i]` is the id at generation `own - i`.
        own >= generation
            && usize::try_from(own - generation)
                .ok()
                .and_then(|i| self.ancestry.get(i))
                .is_some_and(|a| a == id)
    }
}

/// What a pulled document does here.
// One at a time and short-lived: boxing the record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Nothing: this device already has it, or its own change descends from it.
    Keep,
    /// Store `record`, and `synced` as what this device knows of the document. When
    /// `record` differs from the server's winning revision (this device's change won, or
    /// a merge), the next push sends it as that revision's child.
    Apply { record: Record, synced: Synced },
}

/// Settles a pulled document: `local` is this device's record and what it knows of the
/// document, `leaves` the server's current revisions. The same leaves and records give
/// the same record on every device ([`merge`] does not depend on order).
pub fn resolve(local: Option<(&Record, Option<&Synced>)>, leaves: &[Leaf]) -> Settled {
    let live: Vec<&Leaf> = leaves.iter().filter(|l| l.record.is_some()).collect();
    // CouchDB's winner: the longest history, then the greatest revision id.
    let Some(winner) = live.iter().copied().max_by(|a, b| {
        let key = |l: &Leaf| split_rev(&l.rev).map(|(g, id)| (g, id.to_owned()));
        key(a).cmp(&key(b))
    }) else {
        // Deleted on the server by another replicator: pocket-chat deletes by tombstone
        // content, so the record here stays (and is pushed again if it changes).
        return Settled::Keep;
    };
    let Some(remote) = winner.record.clone() else {
        return Settled::Keep;
    };
    let mut merged = live
        .iter()
        .filter_map(|l| l.record.clone())
        .reduce(|a, b| merge(&a, &b))
        .unwrap_or(remote);
    if let Some((record, synced)) = local {
        let changed = synced.is_none_or(|s| s.hash != record.hash());
        let known = synced.is_some_and(|s| {
            live.iter()
                .any(|l| l.rev == s.rev || l.has_ancestor(&s.rev))
        });
        match (record, synced) {
            // A profile never synced (a new device's) does not replace the one on the
            // server: that would be a blank device overwriting another's data.
            (Record::Profile(mine), None) => {
                if let Record::Profile(theirs) = &mut merged {
                    theirs.is_charged_once |= mine.is_charged_once;
                }
            }
            _ if changed || !known => merged = merge(&merged, record),
            _ => {}
        }
        let this_rev = synced.is_some_and(|s| s.rev == winner.rev);
        if this_rev && live.len() == 1 && merged.hash() == record.hash() {
            return Settled::Keep;
        }
    }
    let losers = live
        .iter()
        .filter(|l| l.rev != winner.rev)
        .map(|l| l.rev.clone())
        .collect();
    let winner_hash = winner.record.as_ref().map(Record::hash).unwrap_or_default();
    Settled::Apply {
        record: merged,
        synced: Synced {
            rev: winner.rev.clone(),
            hash: winner_hash,
            ancestry: winner.ancestry.clone(),
            losers,
        },
    }
}

/// The record two devices' versions of one document settle on: the same whichever is
/// `a`. Ledger rows never change, so theirs are the same; deletions stay; of titles,
/// pins, paths, personas and the profile, the later change wins.
pub fn merge(a: &Record, b: &Record) -> Record {
    // The tie-break every device shares: the greater content.
    let later = |x: &Record, y: &Record, x_at: i64, y_at: i64| {
        let key = |r: &Record, at: i64| (at, Value::Object(r.body()).to_string());
        if key(x, x_at) >= key(y, y_at) {
            x.clone()
        } else {
            y.clone()
        }
    };
    match (a, b) {
        // The later edit of the profile wins (a debit is no edit of it).
        (Record::Profile(x), Record::Profile(y)) => {
            let mut won = later(a, b, x.edited_at, y.edited_at);
            if let Record::Profile(p) = &mut won {
                p.is_charged_once = x.is_charged_once || y.is_charged_once;
                p.created_at = x.created_at.min(y.created_at);
                p.updated_at = x.updated_at.max(y.updated_at);
            }
            won
        }
        // The bonus made first counts; other payments are the same row on every device.
        (Record::Payment(x), Record::Payment(y)) => {
            if (x.created_at, &x.payment_id) <= (y.created_at, &y.payment_id) {
                a.clone()
            } else {
                b.clone()
            }
        }
        // The path shown follows the later activity; the title, pin and persona the
        // later edit of them.
        (Record::Thread(x), Record::Thread(y)) => {
            let mut won = later(a, b, x.updated_at, y.updated_at);
            let edited = match later(a, b, x.edited_at, y.edited_at) {
                Record::Thread(t) => t,
                _ => x.clone(),
            };
            if let Record::Thread(t) = &mut won {
                t.title = edited.title;
                t.pinned = edited.pinned;
                t.persona = edited.persona;
                t.edited_at = edited.edited_at;
                t.deleted_at = earliest(x.deleted_at, y.deleted_at);
                if t.deleted_at.is_some() {
                    t.title.clear();
                }
                t.created_at = x.created_at.min(y.created_at);
            }
            won
        }
        (Record::Branch(x), Record::Branch(y)) => {
            let mut won = later(a, b, x.created_at, y.created_at);
            if let Record::Branch(r) = &mut won {
                r.cut = earliest(x.cut, y.cut);
            }
            won
        }
        (Record::Message(x), Record::Message(y)) => {
            // A finished reply over one cut short, then the longer.
            let rank = |m: &Message| {
                let status = match m.status {
                    MessageStatus::Complete => 2,
                    MessageStatus::Interrupted => 1,
                    MessageStatus::Failed => 0,
                };
                status * 1_000_000_000 + m.completion.len() as i64
            };
            let mut won = later(a, b, rank(x), rank(y));
            if let Record::Message(m) = &mut won {
                m.deleted_at = earliest(x.deleted_at, y.deleted_at);
                if m.deleted_at.is_some() || is_erased(x) || is_erased(y) {
                    m.erase_text();
                }
            }
            won
        }
        // Two kinds under one id: a damaged document; still the same answer everywhere.
        _ => later(a, b, 0, 0),
    }
}

/// How much storing `new` over `old` (`None`: new here) moves the balance: a payment's
/// tokens credited, an exchange's debited, less what the row they replace did. Summed over
/// a pulled batch and added to a balance that matched the ledger, it gives the balance the
/// ledger adds up to, without reading the user's whole history for every batch.
pub fn ledger_delta(old: Option<&Record>, new: &Record) -> i128 {
    let moves = |r: &Record| match r {
        Record::Payment(p) => i128::from(p.charged_token),
        Record::Message(m) => -i128::from(m.total),
        _ => 0,
    };
    moves(new) - old.map_or(0, moves)
}

/// An exchange whose text was erased (it or its thread deleted): it stays erased.
pub fn is_erased(message: &Message) -> bool {
    message.prompt.is_empty() && message.completion.is_empty() && message.reasoning.is_empty()
}

fn earliest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// `GET _changes`: what changed since a checkpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct Changes {
    pub results: Vec<Changed>,
    /// Opaque: a number from PouchDB, a string from CouchDB 2 and later.
    pub last_seq: Value,
}

/// One changed document and its current revisions.
#[derive(Debug, Clone, Deserialize)]
pub struct Changed {
    pub id: String,
    pub changes: Vec<RevOnly>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RevOnly {
    pub rev: String,
}

/// `POST _revs_diff`'s reply, per document.
#[derive(Debug, Clone, Deserialize)]
pub struct RevsDiff {
    #[serde(default)]
    pub missing: Vec<String>,
}

/// `POST _bulk_get`'s reply.
#[derive(Debug, Clone, Deserialize)]
pub struct BulkGet {
    pub results: Vec<BulkGetResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BulkGetResult {
    pub id: String,
    pub docs: Vec<BulkGetDoc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BulkGetDoc {
    #[serde(default)]
    pub ok: Option<Value>,
    /// The server could not give this revision: `{id, rev, error, reason}`.
    #[serde(default)]
    pub error: Option<Value>,
}

impl BulkGetDoc {
    /// Why the server could not give this revision, as a short phrase.
    pub fn failure(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        let text = |k| error.get(k).and_then(Value::as_str).unwrap_or_default();
        Some(match (text("error"), text("reason")) {
            ("", "") => error.to_string(),
            (e, "") | ("", e) => e.to_owned(),
            (e, r) => format!("{e}: {r}"),
        })
    }
}

/// The revisions of a changed document to fetch: at most [`MAX_LEAVES`], the longest
/// histories first (CouchDB's winner is among them); whether some were left.
pub fn leaves_to_read(changes: &[RevOnly]) -> (Vec<&str>, bool) {
    let mut revs: Vec<(u64, &str)> = changes
        .iter()
        .map(|c| (split_rev(&c.rev).map_or(0, |(g, _)| g), c.rev.as_str()))
        .collect();
    revs.sort_by(|a, b| b.cmp(a));
    revs.dedup();
    let trimmed = revs.len() > MAX_LEAVES;
    revs.truncate(MAX_LEAVES);
    (revs.into_iter().map(|(_, r)| r).collect(), trimmed)
}

/// Whether a document that this version cannot read is pocket-chat's all the same (its
/// id is its `kind`, or `kind:` and an id): one written by a newer version, kept to be
/// read by a version that can. Anything else on the server is not ours and is left out.
pub fn looks_ours(doc: &Value) -> bool {
    let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default();
    let Some(kind) = doc.get("kind").and_then(Value::as_str) else {
        return false;
    };
    !kind.is_empty()
        && !id.starts_with('_')
        && (id == kind
            || id
                .strip_prefix(kind)
                .is_some_and(|r| r.len() > 1 && r.starts_with(':')))
}

/// One row of `POST _bulk_docs`'s reply: an error for a document the server refused.
#[derive(Debug, Clone, Deserialize)]
pub struct Written {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Why a sync stopped. What it wrote before stays; the next sync carries on from there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("The sync address must start with http:// or https:// and name a database, like https://couch.example.com/pocketchat-alice.")]
    BadUrl,
    #[error("The sync server could not be reached{}. Nothing was lost; pocket-chat syncs again when it can.", if *.offline { " because this device is offline" } else { "" })]
    Unreachable { offline: bool },
    #[error("The sync server refused the user name or password (HTTP {status}). Check them in Settings.")]
    Unauthorized { status: u16 },
    #[error("The sync server has no database at this address (HTTP 404). Create it, or check the address.")]
    NoDatabase,
    #[error("The sync server answered HTTP {status}{}. Nothing was lost; the next sync carries on.", reason_of(.reason))]
    Status { status: u16, reason: String },
    #[error("The sync server's answer could not be read ({detail}). Nothing was lost; the next sync carries on.")]
    Unreadable { detail: String },
    #[error("The sync server refused {count} of the records sent ({first}). They stay here and are sent again at the next sync.")]
    Refused { count: usize, first: String },
    #[error("The sync server could not give the document {id} ({reason}). Nothing was lost; the next sync asks for it again.")]
    Fetch { id: String, reason: String },
    #[error("The sync server did not answer within {seconds} seconds. Nothing was lost; the next sync carries on.")]
    Timeout { seconds: u32 },
    #[error("A reply of the sync server was larger than {megabytes} MB, so the sync stopped. Nothing was lost; the next sync carries on.")]
    TooLarge { megabytes: usize },
    #[error("The sync server's list of changes does not move on (it repeated {since}). Nothing was lost; check the server, then sync again.")]
    NoProgress { since: String },
}

fn reason_of(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

impl crate::i18n::Localize for SyncError {
    fn localize(&self, lang: crate::i18n::Lang) -> String {
        if lang == crate::i18n::Lang::En {
            return self.to_string();
        }
        const KEPT: &str = "何も失われていません。次の同期で続きから再開します。";
        match self {
            SyncError::BadUrl => "同期先のアドレスは http:// か https:// で始まり、データベースを指すものにしてください（例：https://couch.example.com/pocketchat-alice）。".into(),
            SyncError::Unreachable { offline: true } => format!("この端末がオフラインのため、同期サーバーに接続できませんでした。{KEPT}"),
            SyncError::Unreachable { offline: false } => format!("同期サーバーに接続できませんでした。{KEPT}"),
            SyncError::Unauthorized { status } => format!("同期サーバーがユーザー名かパスワードを受け付けませんでした（HTTP {status}）。設定で確かめてください。"),
            SyncError::NoDatabase => "このアドレスに同期サーバーのデータベースがありません（HTTP 404）。作成するか、アドレスを確かめてください。".into(),
            SyncError::Status { status, reason } => format!("同期サーバーが HTTP {status}{} を返しました。{KEPT}", reason_of(reason)),
            SyncError::Unreadable { detail } => format!("同期サーバーの応答を読めませんでした（{detail}）。{KEPT}"),
            SyncError::Refused { count, first } => format!("同期サーバーが送ったレコードのうち {count} 件を拒否しました（{first}）。この端末に残っており、次の同期で再送します。"),
            SyncError::Fetch { id, reason } => format!("同期サーバーが文書 {id} を返せませんでした（{reason}）。何も失われていません。次の同期でもう一度求めます。"),
            SyncError::Timeout { seconds } => format!("同期サーバーが {seconds} 秒以内に応答しませんでした。{KEPT}"),
            SyncError::TooLarge { megabytes } => format!("同期サーバーの応答が {megabytes} MB を超えたため、同期を止めました。{KEPT}"),
            SyncError::NoProgress { since } => format!("同期サーバーの変更一覧が先へ進みません（{since} を繰り返しました）。何も失われていません。サーバーを確かめてから、もう一度同期してください。"),
        }
    }
}

/// The database URL typed in Settings, checked and without a trailing slash.
pub fn database_url(typed: &str) -> Result<String, SyncError> {
    let url = typed.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(SyncError::BadUrl)?;
    // A host, then a database name: `host/db`.
    match rest.split_once('/') {
        Some((host, db)) if !host.is_empty() && !db.is_empty() && !url.contains(['?', '#']) => {
            Ok(url.to_owned())
        }
        _ => Err(SyncError::BadUrl),
    }
}

/// The error an HTTP status other than success means.
pub fn status_error(status: u16, body: &str) -> SyncError {
    match status {
        401 | 403 => SyncError::Unauthorized { status },
        404 => SyncError::NoDatabase,
        _ => {
            let reason = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| {
                    let text = |k| v.get(k).and_then(Value::as_str).map(str::to_owned);
                    text("reason").or_else(|| text("error"))
                })
                .unwrap_or_default();
            SyncError::Status { status, reason }
        }
    }
}

/// The `Authorization` header of HTTP basic auth: `user:password` in UTF-8, base64.
pub fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A user's sync settings on this device (the `settings` store's `sync.{user_id}`, as
/// `[url, user, password]`): never synced, and left out of exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSettings {
    /// The database's URL; empty: this user does not sync.
    pub url: String,
    pub user: String,
    pub password: String,
}

/// The settings key of `user_id`'s [`SyncSettings`].
pub fn settings_key(user_id: &str) -> String {
    format!("sync.{user_id}")
}

/// The line in Settings after a sync the user asked for (or, before any, the last one):
/// when (`time`, already in `lang`) and what moved. [`left_behind`] follows it.
pub fn last_line(lang: crate::i18n::Lang, time: &str, sent: usize, received: usize) -> String {
    match lang {
        crate::i18n::Lang::En => {
            format!("Last synced at {time}: {sent} sent, {received} received.")
        }
        crate::i18n::Lang::Ja => format!("最終同期 {time}：送信 {sent} 件、受信 {received} 件。"),
    }
}

/// The line under it for a sync that ran by itself since. [`left_behind`] follows it.
pub fn since_line(lang: crate::i18n::Lang, time: &str, sent: usize, received: usize) -> String {
    match lang {
        crate::i18n::Lang::En => {
            format!("Since then it synced by itself at {time}: {sent} sent, {received} received.")
        }
        crate::i18n::Lang::Ja => {
            format!("その後 {time} に自動で同期しました：送信 {sent} 件、受信 {received} 件。")
        }
    }
}

/// The line under it when a sync that ran by itself since failed (`why`, in `lang`).
pub fn since_failed(lang: crate::i18n::Lang, why: &str) -> String {
    match lang {
        crate::i18n::Lang::En => format!("Since then a sync by itself failed: {why}"),
        crate::i18n::Lang::Ja => format!("その後の自動同期は失敗しました：{why}"),
    }
}

/// What a sync did not take, in sentences (each begins with a space; none: empty):
/// nothing is left out without one. Written by the data worker, in both languages.
pub fn left_behind(lang: crate::i18n::Lang, moved: &Moved) -> String {
    use crate::i18n::Lang::{En, Ja};
    // English: "1 document was", "2 documents were".
    let docs = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 document {one}")
        } else {
            format!("{n} documents {many}")
        }
    };
    let mut out = String::new();
    let n = moved.skipped;
    if n > 0 {
        out += &match lang {
            En => format!(
                " {} not pocket-chat's and left out.",
                docs(n, "from the server was", "from the server were")
            ),
            Ja => format!("サーバーの {n} 件の文書は pocket-chat のものではないため除外しました。"),
        };
    }
    let (n, first) = (moved.waiting, &moved.first_waiting);
    if n > 0 {
        out += &match lang {
            En => format!(" {} on this device (first: {first}): this version cannot read it, or it refers to records not here yet. Each sync tries again.", docs(n, "from the server waits", "from the server wait")),
            Ja => format!("サーバーの {n} 件の文書がこの端末で待機中です（最初：{first}）。この版では読めないか、まだ届いていないレコードを参照しています。同期のたびに再び試します。"),
        };
    }
    let n = moved.large;
    if n > 0 {
        let mb = DOC_LIMIT >> 20;
        out += &match lang {
            En => format!(
                " {} larger than {mb} MB and left on the server.",
                docs(n, "is", "are")
            ),
            Ja => format!(
                "サーバーの {n} 件の文書は {mb} MB を超えるため取得せず、サーバーに残しました。"
            ),
        };
    }
    let n = moved.trimmed;
    if n > 0 {
        out += &match lang {
            En => format!(" {} more than {MAX_LEAVES} revisions in conflict: {MAX_LEAVES} were read, the rest are settled at a later sync.", docs(n, "has", "have")),
            Ja => format!("{n} 件の文書に {MAX_LEAVES} を超える競合した版があります。{MAX_LEAVES} 件を読み、残りは後の同期で解決します。"),
        };
    }
    out
}

/// What a sync moved, for the line in Settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub sent: usize,
    pub received: usize,
    /// Documents from the server that are not pocket-chat records, left out.
    pub skipped: usize,
    /// Documents kept on this device, not yet applied (unreadable by this version, or
    /// referring to records not here yet), after the sync.
    #[serde(default)]
    pub waiting: usize,
    /// The id of the first of them.
    #[serde(default)]
    pub first_waiting: String,
    /// Documents over [`DOC_LIMIT`], left on the server, after the sync.
    #[serde(default)]
    pub large: usize,
    /// Documents with more conflicting revisions than [`MAX_LEAVES`].
    #[serde(default)]
    pub trimmed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::DebitKind;
    use crate::persona::Persona;

    fn user() -> User {
        User {
            user_id: "U1".into(),
            display_name: "Alice".into(),
            num_token: 950,
            is_charged_once: true,
            model: "gpt-4o".into(),
            models: ["gpt-4o".into(), "gpt-4o-mini".into()],
            created_at: 1_000,
            updated_at: 2_000,
            params: Vec::new(),
            personas: vec![Persona {
                persona_id: "P1".into(),
                name: "Editor".into(),
                text: "Be brief.".into(),
            }],
            default_persona: Some("P1".into()),
            edited_at: 0,
        }
    }

    fn thread(title: &str, updated_at: i64) -> Thread {
        Thread {
            thread_id: "T1".into(),
            user_id: "U1".into(),
            title: title.into(),
            created_at: 1_000,
            updated_at,
            deleted_at: None,
            path: vec!["T1".into()],
            pinned: false,
            persona: None,
            edited_at: 0,
        }
    }

    fn message(completion: &str) -> Message {
        Message {
            message_id: "M1".into(),
            thread_id: "T1".into(),
            user_id: "U1".into(),
            branch: "T1".into(),
            depth: 0,
            prompt: "東京の天気は？".into(),
            completion: completion.into(),
            reasoning: String::new(),
            html: "<p>rendered</p>".into(),
            total: 42,
            prompt_tokens: 10,
            completion_tokens: 32,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Exact,
            model: "gpt-4o".into(),
            status: MessageStatus::Complete,
            created_at: 1_500,
            deleted_at: None,
        }
    }

    fn every_kind() -> Vec<Record> {
        vec![
            Record::Profile(user()),
            Record::Payment(Payment {
                payment_id: "PAY1".into(),
                user_id: "U1".into(),
                amount: 5.5,
                charged_token: 1_000,
                created_at: 1_200,
                bonus: false,
            }),
            Record::Thread(thread("Weather", 2_000)),
            Record::Branch(Branch {
                branch_id: "B1".into(),
                thread_id: "T1".into(),
                user_id: "U1".into(),
                from: Some("T1".into()),
                depth: 1,
                cut: Some(3),
                created_at: 1_700,
            }),
            Record::Message(message("晴れです。")),
        ]
    }

    /// A document as the server returns it: the pushed one, with this device's fields.
    fn pulled(record: &Record, user_id: &str) -> Result<Record, NotOurs> {
        let (docs, _) = to_push(record, false, None).ok_or(NotOurs {
            id: String::new(),
            detail: "nothing pushed".into(),
        })?;
        from_doc(&docs[0], user_id)
    }

    // Guards against a record kind that does not come back as it went (every field), and
    // against the device's own fields travelling: the user's id, the balance, the HTML.
    #[test]
    fn every_kind_round_trips_without_device_fields() {
        for record in every_kind() {
            let body = Value::Object(record.body()).to_string();
            assert!(!body.contains("U1"), "{body}");
            assert!(
                !body.contains("num_token") && !body.contains("rendered"),
                "{body}"
            );
            let back = pulled(&record, "U1").map_err(|e| e.detail);
            let expected = match record.clone() {
                Record::Profile(mut u) => {
                    u.num_token = 0;
                    Record::Profile(u)
                }
                Record::Message(mut m) => {
                    m.html.clear();
                    Record::Message(m)
                }
                other => other,
            };
            assert_eq!(back, Ok(expected));
        }
        // On another device the records are that device's user's.
        let Ok(Record::Thread(t)) = pulled(&Record::Thread(thread("x", 1)), "U9") else {
            panic!("not a thread");
        };
        assert_eq!(t.user_id, "U9");
    }

    // Guards against a server document taken for a record it is not: an unknown kind, a
    // missing field, an id naming another record.
    #[test]
    fn malformed_documents_are_refused_with_their_id() {
        let bad = [
            serde_json::json!({"_id": "thread:T1", "kind": "spaceship"}),
            serde_json::json!({"_id": "thread:T1", "kind": "thread", "title": "x"}),
            serde_json::json!("just a string"),
        ];
        for doc in &bad {
            assert!(from_doc(doc, "U1").is_err(), "{doc}");
        }
        let mut other = Record::Thread(thread("x", 1)).body();
        other.insert("_id".into(), Value::from("thread:T2"));
        let err = from_doc(&Value::Object(other), "U1").err();
        assert_eq!(err.map(|e| e.id), Some("thread:T2".into()));
    }

    // Guards against pushing what did not change, against a repeated push (after a cut)
    // making a new revision, and against revisions without their history.
    #[test]
    fn a_push_is_the_change_only_and_the_same_when_repeated() {
        let record = Record::Thread(thread("Weather", 2_000));
        let (docs, first) = to_push(&record, false, None).expect("a new record is pushed");
        assert_eq!(docs.len(), 1);
        assert!(first.rev.starts_with("1-"));
        assert_eq!(
            to_push(&record, false, None).map(|p| p.1),
            Some(first.clone())
        );
        assert!(to_push(&record, false, Some(&first)).is_none());
        let renamed = Record::Thread(thread("Tokyo weather", 3_000));
        let (docs, second) = to_push(&renamed, false, Some(&first)).expect("a change is pushed");
        assert!(second.rev.starts_with("2-"));
        assert_eq!(second.ancestry.len(), 2);
        assert_eq!(docs[0]["_revisions"]["start"], 2);
        assert_eq!(
            docs[0]["_revisions"]["ids"][1].as_str(),
            Some(first.ancestry[0].as_str())
        );
    }

    fn leaf_of(record: &Record, parent: Option<&Synced>) -> (Leaf, Synced) {
        let (docs, synced) = to_push(record, false, parent).expect("pushed");
        let leaf = Leaf::from_doc(&docs[0], "U1").expect("a leaf");
        (leaf, synced)
    }

    // Guards against a device undoing another's change it had not changed itself, and
    // against a change here lost to an older one from the server.
    #[test]
    fn a_pull_takes_newer_changes_and_keeps_changes_made_here() {
        let base = Record::Thread(thread("Weather", 2_000));
        let (_, synced) = leaf_of(&base, None);
        let renamed = Record::Thread(thread("Renamed elsewhere", 3_000));
        let (leaf, after) = leaf_of(&renamed, Some(&synced));
        // Unchanged here: the server's version is taken, and known as its revision.
        assert_eq!(
            resolve(Some((&base, Some(&synced))), std::slice::from_ref(&leaf)),
            Settled::Apply {
                record: renamed.clone(),
                synced: after.clone()
            }
        );
        // Already applied: nothing to do.
        assert_eq!(
            resolve(Some((&renamed, Some(&after))), std::slice::from_ref(&leaf)),
            Settled::Keep
        );
        // Changed here later than there: this device's title stays, and is pushed next.
        let mine = Record::Thread(thread("Renamed here", 4_000));
        match resolve(Some((&mine, Some(&synced))), &[leaf]) {
            Settled::Apply { record, synced } => {
                assert_eq!(record, mine);
                assert!(to_push(&record, false, Some(&synced)).is_some());
            }
            Settled::Keep => panic!("kept"),
        }
    }

    // Guards against a record taken as changed by what is this device's own: a reply's
    // HTML kept here is not in the document.
    #[test]
    fn a_replys_html_is_no_change() {
        let here = Record::Message(message("晴れ"));
        let (leaf, synced) = leaf_of(&here, None);
        assert_eq!(
            resolve(Some((&here, Some(&synced))), &[leaf]),
            Settled::Keep
        );
        assert!(to_push(&here, false, Some(&synced)).is_none());
    }

    // Guards against two devices settling one conflict differently: both must reach the
    // same record, whichever side each is on.
    #[test]
    fn both_devices_settle_a_conflict_alike() {
        let base = Record::Thread(thread("Weather", 2_000));
        let (_, synced) = leaf_of(&base, None);
        let a = Record::Thread(thread("A's title", 3_000));
        let b = Record::Thread(thread("B's title", 3_500));
        let (leaf_a, _) = leaf_of(&a, Some(&synced));
        let (leaf_b, _) = leaf_of(&b, Some(&synced));
        let on = |mine: &Record| match resolve(
            Some((mine, Some(&synced))),
            &[leaf_a.clone(), leaf_b.clone()],
        ) {
            Settled::Apply { record, synced } => (record, synced.rev, synced.losers),
            Settled::Keep => panic!("kept"),
        };
        let (on_a, rev_a, losers) = on(&a);
        let (on_b, rev_b, _) = on(&b);
        assert_eq!(on_a, b);
        assert_eq!(on_a, on_b);
        assert_eq!(rev_a, rev_b);
        assert_eq!(losers.len(), 1);
    }

    // Guards against the conflict rules depending on which device holds which side.
    #[test]
    fn merge_does_not_depend_on_order() {
        let mut deleted = thread("", 5_000);
        deleted.deleted_at = Some(5_000);
        let mut pinned = thread("Pinned later", 6_000);
        pinned.pinned = true;
        let mut erased = message("");
        erased.erase_text();
        let mut cut = Branch {
            branch_id: "B1".into(),
            thread_id: "T1".into(),
            user_id: "U1".into(),
            from: None,
            depth: 0,
            cut: None,
            created_at: 1,
        };
        let uncut = cut.clone();
        cut.cut = Some(2);
        let mut renamed = user();
        renamed.display_name = "Alice B.".into();
        renamed.updated_at = 9_000;
        renamed.edited_at = 9_000;
        renamed.is_charged_once = false;
        let pairs = [
            (Record::Thread(deleted), Record::Thread(pinned)),
            (Record::Message(erased), Record::Message(message("晴れ"))),
            (
                Record::Message(message("晴")),
                Record::Message(message("晴れです")),
            ),
            (Record::Branch(cut), Record::Branch(uncut)),
            (Record::Profile(user()), Record::Profile(renamed)),
        ];
        for (a, b) in &pairs {
            assert_eq!(merge(a, b), merge(b, a), "{a:?} / {b:?}");
        }
        // Deletions stay deleted; the later title loses to the deletion.
        let Record::Thread(t) = merge(&pairs[0].0, &pairs[0].1) else {
            panic!()
        };
        assert_eq!(
            (t.deleted_at, t.title.as_str(), t.pinned),
            (Some(5_000), "", true)
        );
        let Record::Message(m) = merge(&pairs[1].0, &pairs[1].1) else {
            panic!()
        };
        assert!(is_erased(&m) && m.total == 42);
        let Record::Message(m) = merge(&pairs[2].0, &pairs[2].1) else {
            panic!()
        };
        assert_eq!(m.completion, "晴れです");
        let Record::Branch(b) = merge(&pairs[3].0, &pairs[3].1) else {
            panic!()
        };
        assert_eq!(b.cut, Some(2));
        // The later profile wins; a paid top-up on either device counts.
        let Record::Profile(p) = merge(&pairs[4].0, &pairs[4].1) else {
            panic!()
        };
        assert_eq!(
            (p.display_name.as_str(), p.is_charged_once),
            ("Alice B.", true)
        );
    }

    // Guards against a rename lost to later activity: A renames, then chats on in the
    // thread; B renames it later. B's title and A's path must both stay, on both devices.
    #[test]
    fn the_later_rename_wins_over_later_activity() {
        let mut on_a = thread("Renamed on A", 9_000);
        on_a.edited_at = 5_000;
        on_a.path = vec!["T1".into(), "B2".into()];
        let mut on_b = thread("Renamed on B", 2_000);
        on_b.edited_at = 6_000;
        let merged = merge(&Record::Thread(on_a.clone()), &Record::Thread(on_b.clone()));
        assert_eq!(
            merged,
            merge(&Record::Thread(on_b), &Record::Thread(on_a.clone()))
        );
        let Record::Thread(t) = merged else { panic!() };
        assert_eq!((t.title.as_str(), t.edited_at), ("Renamed on B", 6_000));
        assert_eq!((t.path, t.updated_at), (on_a.path, 9_000));
        // A debit (no edit) does not make a profile the later one.
        let mut spent = user();
        spent.updated_at = 50_000;
        spent.display_name = "Old name".into();
        let mut edited = user();
        edited.edited_at = 3_000;
        edited.display_name = "New name".into();
        let Record::Profile(p) = merge(&Record::Profile(spent), &Record::Profile(edited)) else {
            panic!()
        };
        assert_eq!(
            (p.display_name.as_str(), p.updated_at),
            ("New name", 50_000)
        );
    }

    // Guards against a pulled batch moving the balance by other than its ledger rows: a
    // new top-up credits, a new exchange debits, a bonus replacing another or an exchange
    // erased moves nothing.
    #[test]
    fn a_batch_moves_the_balance_by_its_ledger_rows() {
        let top_up = Record::Payment(Payment {
            payment_id: "P".into(),
            user_id: "U1".into(),
            amount: 1.0,
            charged_token: 500,
            created_at: 1,
            bonus: false,
        });
        let exchange = Record::Message(message("晴れ"));
        let mut erased = message("");
        erased.erase_text();
        assert_eq!(ledger_delta(None, &top_up), 500);
        assert_eq!(ledger_delta(None, &exchange), -42);
        assert_eq!(ledger_delta(Some(&exchange), &Record::Message(erased)), 0);
        assert_eq!(ledger_delta(Some(&top_up), &top_up), 0);
        assert_eq!(ledger_delta(None, &Record::Profile(user())), 0);
    }

    // Guards against two sign-up bonuses for one user once a second device syncs.
    #[test]
    fn one_bonus_per_user_the_first() {
        let bonus = |id: &str, at: i64| Payment {
            payment_id: id.into(),
            user_id: "U1".into(),
            amount: 0.0,
            charged_token: crate::ledger::SIGNUP_BONUS,
            created_at: at,
            bonus: true,
        };
        let u = user();
        let mut top_up = bonus("FREE", u.created_at);
        top_up.bonus = false;
        // Marked: that one, whatever came before it (a pulled top-up, say).
        assert_eq!(bonus_id(&[top_up.clone(), bonus("X", 7)], &u), Some("X"));
        // Stored before the mark: the payment of the bonus made with the user.
        let mut old = bonus("OLD", u.created_at + 5);
        old.bonus = false;
        assert_eq!(bonus_id(&[old.clone(), top_up.clone()], &u), Some("FREE"));
        assert_eq!(bonus_id(&[old], &u), None);
        let a = Record::Payment(bonus("A", 10));
        let b = Record::Payment(bonus("B", 20));
        assert_eq!(a.doc_id(true), BONUS_DOC);
        assert_eq!(merge(&a, &b), a);
        assert_eq!(merge(&b, &a), a);
    }

    // Guards against a new device's blank profile overwriting the one the server has.
    #[test]
    fn a_new_devices_profile_does_not_replace_the_servers() {
        let theirs = Record::Profile(user());
        let (leaf, _) = leaf_of(&theirs, None);
        let mut fresh = user();
        fresh.display_name = "New device".into();
        fresh.personas.clear();
        fresh.updated_at = 99_000;
        fresh.is_charged_once = false;
        match resolve(Some((&Record::Profile(fresh), None)), &[leaf]) {
            // The balance is not in the document: each device recomputes it.
            Settled::Apply { record, .. } => {
                let mut expected = user();
                expected.num_token = 0;
                assert_eq!(record, Record::Profile(expected));
            }
            Settled::Keep => panic!("kept"),
        }
    }

    #[test]
    fn urls_and_statuses_become_sentences() {
        assert_eq!(
            database_url(" https://couch.example.com/pocketchat-alice/ "),
            Ok("https://couch.example.com/pocketchat-alice".into())
        );
        assert_eq!(
            database_url("http://127.0.0.1:5984/db"),
            Ok("http://127.0.0.1:5984/db".into())
        );
        for bad in [
            "couch.example.com/db",
            "https://couch.example.com",
            "ftp://x/db",
            "https:///db",
        ] {
            assert_eq!(database_url(bad), Err(SyncError::BadUrl), "{bad}");
        }
        assert_eq!(
            status_error(401, ""),
            SyncError::Unauthorized { status: 401 }
        );
        assert_eq!(
            status_error(
                409,
                r#"{"error":"conflict","reason":"Document update conflict."}"#
            ),
            SyncError::Status {
                status: 409,
                reason: "Document update conflict.".into()
            }
        );
        use crate::i18n::{Lang, Localize};
        let ja = SyncError::Unreachable { offline: true }.localize(Lang::Ja);
        assert!(ja.contains("オフライン"), "{ja}");
    }

    #[test]
    fn basic_auth_is_base64_of_utf8() {
        assert_eq!(basic_auth("alice", "secret"), "Basic YWxpY2U6c2VjcmV0");
        assert_eq!(basic_auth("a", "b"), "Basic YTpi");
        assert_eq!(basic_auth("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_auth("花子", "p"), "Basic 6Iqx5a2QOnA=");
    }

    #[test]
    fn server_replies_parse() {
        let changes: Changes = serde_json::from_str(
            r#"{"results":[{"id":"thread:T1","changes":[{"rev":"2-b"},{"rev":"2-a"}],"seq":7}],"last_seq":"7-g1AAAA"}"#,
        )
        .expect("changes");
        assert_eq!(changes.results[0].changes.len(), 2);
        assert_eq!(changes.last_seq, Value::from("7-g1AAAA"));
        let got: BulkGet = serde_json::from_str(
            r#"{"results":[{"id":"x","docs":[{"error":{"id":"x","rev":"1-a","error":"not_found"}}]}]}"#,
        )
        .expect("bulk get");
        assert!(got.results[0].docs[0].ok.is_none());
    }

    // Guards against a newer version's documents taken for someone else's and dropped,
    // and against anything on the server taken for ours.
    #[test]
    fn ours_is_told_by_kind_and_id() {
        let doc = |id: &str, kind: Option<&str>| {
            let mut d = serde_json::json!({ "_id": id, "_rev": "1-a" });
            if let Some(k) = kind {
                d["kind"] = k.into();
            }
            d
        };
        for (id, kind, ours) in [
            ("thread:X", Some("thread"), true),
            ("folder:F1", Some("folder"), true),
            ("profile", Some("profile"), true),
            ("shopping-list", Some("spaceship"), false),
            ("thread:X", None, false),
            ("threadX", Some("thread"), false),
            ("thread:", Some("thread"), false),
            ("_design/app", Some("_design"), false),
            ("thread:X", Some(""), false),
        ] {
            assert_eq!(looks_ours(&doc(id, kind)), ours, "{id} {kind:?}");
        }
    }

    // Guards against a document with thousands of conflicting revisions read whole, and
    // against the winner left out of the ones read.
    #[test]
    fn at_most_max_leaves_revisions_are_read_the_longest_first() {
        let mut changes: Vec<RevOnly> = (1..=25)
            .map(|g| RevOnly {
                rev: format!("{g}-r{g}"),
            })
            .collect();
        changes.reverse();
        changes.push(RevOnly {
            rev: "30-winner".into(),
        });
        let (revs, trimmed) = leaves_to_read(&changes);
        assert!(trimmed);
        assert_eq!(revs.len(), MAX_LEAVES);
        assert_eq!(revs[0], "30-winner");
        let few = &changes[..3];
        assert_eq!(
            leaves_to_read(few),
            (vec!["25-r25", "24-r24", "23-r23"], false)
        );
    }

    // Guards against a revision the server could not give taken as a document.
    #[test]
    fn a_bulk_get_error_is_told_apart_from_a_document() {
        let got: BulkGet = serde_json::from_str(
            r#"{"results":[{"id":"message:A","docs":[{"error":{"id":"message:A","rev":"1-x","error":"not_found","reason":"missing"}}]},{"id":"profile","docs":[{"ok":{"_id":"profile"}}]}]}"#,
        )
        .expect("reply");
        assert_eq!(
            got.results[0].docs[0].failure().as_deref(),
            Some("not_found: missing")
        );
        assert_eq!(got.results[1].docs[0].failure(), None);
    }

    // Guards against something left behind without a sentence, in either language.
    #[test]
    fn what_a_sync_left_behind_is_said() {
        use crate::i18n::Lang;
        assert_eq!(left_behind(Lang::En, &Moved::default()), "");
        let moved = Moved {
            skipped: 2,
            waiting: 3,
            first_waiting: "message:M".into(),
            large: 1,
            trimmed: 4,
            ..Moved::default()
        };
        let en = left_behind(Lang::En, &moved);
        for part in [
            "2 documents",
            "3 documents",
            "message:M",
            "larger than 4 MB",
            "4 documents have more than 10",
        ] {
            assert!(en.contains(part), "{part}: {en}");
        }
        let ja = left_behind(Lang::Ja, &moved);
        for part in ["2 件", "3 件", "message:M", "4 MB", "4 件"] {
            assert!(ja.contains(part), "{part}: {ja}");
        }
    }
}
