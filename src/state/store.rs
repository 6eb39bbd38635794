//! The database handle every part of the state reads and writes through, and why it could
//! not be opened when it could not.

use std::rc::Rc;

use leptos::prelude::*;

use super::error::StateError;
use crate::storage::{Database, StorageError};

/// The open database, once it is open. `Copy`: a handle to shared values.
#[derive(Clone, Copy)]
pub struct Store {
    db: StoredValue<Option<Rc<Database>>, LocalStorage>,
    /// Why the database could not be opened, if it could not.
    open_failed: StoredValue<Option<StorageError>>,
}

impl Store {
    /// A store whose database is not open yet.
    pub(super) fn new() -> Store {
        Store {
            db: StoredValue::new_local(None),
            open_failed: StoredValue::new(None),
        }
    }

    /// The open database, or `None` while opening or when it could not be opened.
    pub fn db(&self) -> Option<Rc<Database>> {
        self.db.get_value()
    }

    /// The open database; else why not: it could not be opened, or is still opening.
    pub fn open_db(&self) -> Result<Rc<Database>, StateError> {
        self.db().ok_or_else(|| match self.open_failed() {
            Some(e) => StateError::Storage(e),
            None => StateError::StillOpening,
        })
    }

    /// Why nothing can be stored, when the database could not be opened.
    pub fn open_failed(&self) -> Option<StorageError> {
        self.open_failed.get_value()
    }

    /// Records the outcome of opening the database.
    pub(super) fn opened(&self, result: Result<Database, StorageError>) {
        match result {
            Ok(db) => self.db.set_value(Some(Rc::new(db))),
            Err(e) => self.open_failed.set_value(Some(e)),
        }
    }
}
