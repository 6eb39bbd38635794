//! Opening the database alongside other tabs: while an older tab blocks the schema
//! upgrade the page asks for it to be closed, and when a newer version opens in another
//! tab this one lets go of the database and asks to be reloaded.

use std::rc::Rc;

use pocket_chat_core::i18n::Key;

use super::notices::{Notice, Notices};
use super::text::key;
use crate::storage::{schema, Database, StorageError};

/// Opens the app's database, saying what blocks it while it waits.
pub async fn open_database(notices: &'static Notices) -> Result<Database, StorageError> {
    let blocked = key(Key::UpgradeBlocked);
    let on_blocked = {
        let blocked = blocked.clone();
        Rc::new(move || notices.fail(blocked.clone()))
    };
    let on_closed = Rc::new(move || notices.fail(key(Key::UpdatedElsewhere)));
    let opened = Database::open_watched(schema::DB_NAME, on_blocked, on_closed).await;
    // The other tab closed: the request to close it is done with.
    if notices.shows(&Notice::Error(blocked)) {
        notices.clear();
    }
    opened
}
