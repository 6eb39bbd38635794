//! Search: the query in the box, its results (the data worker runs it, off the page's
//! thread; only the newest query's results show), building the index of what was stored
//! before it existed, in steps, and opening a result at its exchange.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use super::data_client::{ask, request};
use super::latest::Latest;
use super::notices::Notices;
use super::reading::Reading;
use super::threads::Threads;
use super::window::Opened;
use crate::js::field;

/// A result to open: an exchange (or, with an empty `message_id`, the thread's title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub message_id: String,
    pub branch: String,
    pub depth: u32,
}

/// The search box and its results. `Copy`.
#[derive(Clone, Copy)]
pub struct Search {
    /// What is typed in the box.
    query: RwSignal<String>,
    /// The results list of the newest query answered, as inert HTML (the data worker
    /// writes it, see `search::results_html`); `None` until it is.
    results: RwSignal<Option<String>>,
    /// While the index of what was stored before is built: exchanges done, of all.
    indexing: RwSignal<Option<(u32, u32)>>,
    /// What the newest answered query looks for, folded: highlighted where a result opens.
    parts: StoredValue<Vec<String>>,
    /// Counts queries, so that a slow answer never replaces a newer one.
    searches: Latest,
    notices: &'static Notices,
    threads: &'static Threads,
}

impl Search {
    pub(super) fn new(notices: &'static Notices, threads: &'static Threads) -> Search {
        Search {
            query: RwSignal::new(String::new()),
            results: RwSignal::new(None),
            indexing: RwSignal::new(None),
            parts: StoredValue::new(Vec::new()),
            searches: Latest::new(),
            notices,
            threads,
        }
    }

    /// What is typed in the box, for the box to show.
    pub fn query(&self) -> Reading<String> {
        Reading::of(self.query)
    }

    /// The results list of the newest query answered, as inert HTML (tracked).
    pub fn results(&self) -> Option<String> {
        self.results.get()
    }

    /// Whether a results list is shown (tracked).
    pub fn has_results(&self) -> bool {
        self.results.with(Option::is_some)
    }

    /// How far the index build is: exchanges done, of all; `None` when none runs (tracked).
    pub fn indexing(&self) -> Option<(u32, u32)> {
        self.indexing.get()
    }

    /// Searches `user_id`'s history for `query`, as typed so far; the results are listed
    /// in language `lang` (its code).
    pub fn run(self, user_id: String, query: String, lang: &str) {
        self.query.set(query.clone());
        let ticket = self.searches.start();
        if query.trim().is_empty() {
            self.results.set(None);
            return;
        }
        let asked = request(
            "search",
            &[
                ("user_id", user_id.into()),
                ("query", query.into()),
                ("typing", JsValue::TRUE),
                ("lang", lang.into()),
            ],
        );
        spawn_local(async move {
            let answer = ask(asked).await;
            if !self.searches.is_latest(ticket) {
                return;
            }
            match answer {
                Ok(answer) => {
                    let parts = js_sys::Array::from(&field(&answer, "parts"));
                    self.parts
                        .set_value(parts.iter().filter_map(|p| p.as_string()).collect());
                    self.results.set(field(&answer, "html").as_string());
                }
                Err(e) => self.notices.fail(e),
            }
        });
    }

    /// Empties the box and its results.
    pub fn clear(self) {
        self.searches.cancel();
        self.query.set(String::new());
        self.results.set(None);
    }

    /// Opens result `hit` of thread `thread_id`: the thread, with the window on that
    /// exchange and the query's matches highlighted in it.
    pub fn open(self, thread_id: String, hit: Found) {
        if hit.message_id.is_empty() {
            self.threads.open(thread_id);
            return;
        }
        let at = Opened {
            branch: hit.branch,
            depth: hit.depth,
            parts: self.parts.get_value(),
        };
        self.threads.open_at(thread_id, at);
    }

    /// Builds the index of what was stored before it existed, a step at a time in the data
    /// worker, while chat goes on; the box says how far it is.
    pub fn build_index(self) {
        spawn_local(async move {
            loop {
                match ask(request("index", &[])).await {
                    Ok(step) if step.is_null() => break,
                    Ok(step) => {
                        let n = |name| field(&step, name).as_f64().unwrap_or(0.0) as u32;
                        self.indexing.set(Some((n("done"), n("total"))));
                    }
                    Err(e) => {
                        self.notices.fail(e);
                        break;
                    }
                }
            }
            self.indexing.set(None);
        });
    }
}
