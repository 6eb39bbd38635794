//! "The latest request wins": of overlapping reads of one thing (a thread's window, the
//! users, a search), only the one started last may show what it read; an earlier one that
//! finishes later is dropped, so the screen never goes back to an older answer.

use leptos::prelude::*;

/// Counts the requests of one kind. `Copy`.
#[derive(Clone, Copy)]
pub struct Latest(StoredValue<u64>);

/// One request's place in the count, from [`Latest::start`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ticket(u64);

impl Latest {
    /// No request yet.
    pub fn new() -> Latest {
        Latest(StoredValue::new(0))
    }

    /// Starts a request: from now on, every earlier one is out of date.
    pub fn start(&self) -> Ticket {
        let next = self.0.get_value() + 1;
        self.0.set_value(next);
        Ticket(next)
    }

    /// Puts every request under way out of date (what they read is not wanted any more).
    pub fn cancel(&self) {
        self.start();
    }

    /// Whether `ticket`'s request is still the latest.
    pub fn is_latest(&self, ticket: Ticket) -> bool {
        self.0.get_value() == ticket.0
    }
}

impl Default for Latest {
    fn default() -> Latest {
        Latest::new()
    }
}
