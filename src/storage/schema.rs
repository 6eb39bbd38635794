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
pub const VERSION: u32 = 2;

pub const USERS: &str = "users";
pub const PAYMENTS: &str = "payments";
pub const THREADS: &str = "threads";
pub const MESSAGES: &str = "messages";
pub const SETTINGS: &str = "settings";
pub const META: &str = "meta";

/// Every store, for checks and for transactions that touch them all.
pub const ALL_STORES: [&str; 6] = [MESSAGES, META, PAYMENTS, SETTINGS, THREADS, USERS];

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
                    "thread_message",
                    ["thread_id", "message_id"],
                ))
                .add_index(Index::new("user_id", "user_id")),
        )
        .add_object_store(ObjectStore::new(SETTINGS).key_path("key"))
        .add_object_store(ObjectStore::new(META).key_path("key"))
}
