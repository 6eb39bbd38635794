//! The DOM side of the window: the element the thread scrolls in and each exchange's
//! element, handed over by the view as `NodeRef`s; where they are, and scrolling them so
//! that what the reader looks at stays put, the newest stays in view, or a search result
//! sits in the middle with its matches highlighted.

use leptos::html::{Li, Main};
use leptos::prelude::*;

/// The thread's scrolling element and the exchanges' elements on screen. `Copy`.
#[derive(Clone, Copy)]
pub struct Scroll {
    /// The element the thread scrolls in, from the view.
    scroller: NodeRef<Main>,
    /// Each exchange's element on screen, from the view: (exchange id, token of the view
    /// that registered it, element). At most a window's worth, so a list is quick enough.
    exchanges: StoredValue<Vec<(String, u64, NodeRef<Li>)>, LocalStorage>,
    /// The next registration token.
    next_token: StoredValue<u64>,
}

impl Scroll {
    pub fn new(scroller: NodeRef<Main>) -> Scroll {
        Scroll {
            scroller,
            exchanges: StoredValue::new_local(Vec::new()),
            next_token: StoredValue::new(0),
        }
    }

    /// Registers the element of exchange `id`; the token unregisters it with
    /// [`Scroll::forget`].
    pub fn track(&self, id: &str, element: NodeRef<Li>) -> u64 {
        let token = self.next_token.get_value();
        self.next_token.set_value(token + 1);
        self.exchanges.update_value(|list| {
            list.retain(|(other, _, _)| other != id);
            list.push((id.to_owned(), token, element));
        });
        token
    }

    /// Unregisters exchange `id`, unless a newer view of it registered since.
    pub fn forget(&self, id: &str, token: u64) {
        self.exchanges
            .update_value(|list| list.retain(|entry| (entry.0.as_str(), entry.1) != (id, token)));
    }

    /// Where the exchange `id` is on screen, in pixels from the viewport's top.
    pub fn top_of(&self, id: &str) -> Option<f64> {
        Some(self.element_of(id)?.get_bounding_client_rect().top())
    }

    /// Pixels scrolled from the top, and pixels left below; `None` before the thread is on
    /// the page.
    pub fn position(&self) -> Option<(i32, i32)> {
        let scroller = self.scroller.get_untracked()?;
        let top = scroller.scroll_top();
        Some((
            top,
            scroller.scroll_height() - top - scroller.client_height(),
        ))
    }

    /// Scrolls so that exchange `id` is `top` pixels from the viewport's top again, where
    /// it was before a page came or went.
    pub fn keep_at(&self, id: &str, top: f64) {
        if let (Some(now), Some(scroller)) = (self.top_of(id), self.scroller.get_untracked()) {
            scroller.set_scroll_top(scroller.scroll_top() + (now - top).round() as i32);
        }
    }

    /// Scrolls to the newest exchange.
    pub fn scroll_to_bottom(&self) {
        if let Some(scroller) = self.scroller.get_untracked() {
            scroller.set_scroll_top(scroller.scroll_height());
        }
    }

    /// Highlights `parts` (folded) in exchange `id` and scrolls it to the middle of the
    /// screen.
    pub fn center(&self, id: &str, parts: &[String]) {
        let Some(el) = self.element_of(id) else {
            return;
        };
        crate::highlight::highlight(&el, parts);
        if let Some(scroller) = self.scroller.get_untracked() {
            let (box_, view) = (
                el.get_bounding_client_rect(),
                scroller.get_bounding_client_rect(),
            );
            let middle = box_.top() - view.top() - (view.height() - box_.height()) / 2.0;
            scroller.set_scroll_top(scroller.scroll_top() + middle.round() as i32);
        }
    }

    /// The element of exchange `id`, while it is on screen.
    fn element_of(&self, id: &str) -> Option<web_sys::HtmlLiElement> {
        self.exchanges
            .with_value(|list| list.iter().find(|entry| entry.0 == id).map(|entry| entry.2))?
            .get_untracked()
    }
}
