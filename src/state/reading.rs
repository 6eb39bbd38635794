//! A context's signal handed to views to read, never to write: the context keeps its
//! invariants in the methods that change it. A thin wrapper over the context's own
//! `RwSignal`, so that it costs the download no second set of signal code (a `ReadSignal`
//! of each type would).

use leptos::prelude::*;

/// Read access to a context's signal. `Copy`.
pub struct Reading<T: 'static>(RwSignal<T>);

impl<T: 'static> Clone for Reading<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Reading<T> {}

impl<T: Send + Sync + 'static> Reading<T> {
    /// Reading `signal`.
    pub(super) fn of(signal: RwSignal<T>) -> Reading<T> {
        Reading(signal)
    }

    /// `f` of the value, tracked.
    #[inline]
    pub fn with<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        self.0.with(f)
    }

    /// `f` of the value, without tracking.
    #[inline]
    pub fn with_untracked<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        self.0.with_untracked(f)
    }

    /// Subscribes the running effect to changes, without reading.
    #[inline]
    pub fn track(&self) {
        self.0.track();
    }
}

impl<T: Clone + Send + Sync + 'static> Reading<T> {
    /// The value, tracked.
    #[inline]
    pub fn get(&self) -> T {
        self.0.get()
    }

    /// The value, without tracking.
    #[inline]
    pub fn get_untracked(&self) -> T {
        self.0.get_untracked()
    }
}
