//! Every object store and index of the `pocket-chat` database, and the schema version.
//!
//! rexie deletes stores that are not named at open time, so this list is the whole schema:
//! a new version adds to it and never drops a store that holds records.

use rexie::{Index, ObjectStore, RexieBuilder};

/// The database the app uses.
pub const DB_NAME: &str = "pocket-chat";

/// The schema version. Raise it when a store or index is added, and keep a fixture of the
/// previous version in `tests/fixtures/` so the upgrade test opens old data.
///
/// - 1: users, payments, threads, messages, settings, meta.
/// - 2: threads gain the `user_updated` index (a user's threads by last activity).
/// - 3: versions of exchanges. The `branches` store; messages gain the `path` index
///   (`[thread_id, branch, depth]`: the path on screen by key range); every id becomes a
///   string unique across devices. The records are rewritten by `storage::upgrade`.
/// - 4: personas. No store changes: users gain their personas, threads the one they chose,
///   and the provider setting's one system prompt becomes each user's default persona
///   (`storage::upgrade::to_version_4`).
/// - 5: search. The `search` store (out-of-line keys `[user_id, term, id]`, see
///   `storage::search`); the data worker indexes what was stored before, in steps.
pub const VERSION: u32 = 5;

pub const USERS: &str = "users";
pub const PAYMENTS: &str = "payments";
pub const THREADS: &str = "threads";
pub const MESSAGES: &str = "messages";
pub const SETTINGS: &str = "settings";
pub const META: &str = "meta";
pub const BRANCHES: &str = "branches";
pub const SEARCH: &str = "search";

/// Every store, for checks and for transactions that touch them all.
pub const ALL_STORES: [&str; 8] = [
    BRANCHES, MESSAGES, META, PAYMENTS, SEARCH, SETTINGS, THREADS, USERS,
];

/// The index of messages by `[thread_id, branch, depth]`.
pub const PATH: &str = "path";
/// The index of messages by `[thread_id, message_id]`: every row of a thread.
pub const THREAD_MESSAGE: &str = "thread_message";

/// The builder that opens `name` at [`VERSION`] with every store and index.
pub fn builder(name: &str) -> RexieBuilder {
    RexieBuilder::new(name)
        .version(VERSION)
        .add_object_store(ObjectStore::new(USERS).key_path("user_id"))
        .add_object_store(
            ObjectStore::new(PAYMENTS)
                .key_path("payment_id")
                .auto_increment(true)
                .add_index(Index::new("user_id", "user_id")),
        )
        .add_object_store(
            ObjectStore::new(THREADS)
                .key_path("thread_id")
                .auto_increment(true)
                .add_index(Index::new_array("user_thread", ["user_id", "thread_id"]))
                .add_index(Index::new_array("user_updated", ["user_id", "updated_at"])),
        )
        .add_object_store(
            ObjectStore::new(MESSAGES)
                .key_path("message_id")
                .auto_increment(true)
                .add_index(Index::new_array(
                    THREAD_MESSAGE,
                    ["thread_id", "message_id"],
                ))
                .add_index(Index::new_array(PATH, ["thread_id", "branch", "depth"]))
                .add_index(Index::new("user_id", "user_id")),
        )
        .add_object_store(
            ObjectStore::new(BRANCHES)
                .key_path("branch_id")
                .add_index(Index::new("thread_id", "thread_id"))
                .add_index(Index::new("user_id", "user_id")),
        )
        .add_object_store(ObjectStore::new(SEARCH))
        .add_object_store(ObjectStore::new(SETTINGS).key_path("key"))
        .add_object_store(ObjectStore::new(META).key_path("key"))
}
