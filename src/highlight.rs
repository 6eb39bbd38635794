//! The matches of a search in the exchange it opened, highlighted with the CSS Custom
//! Highlight API: ranges over the text as it is on screen, so the view's DOM is not
//! touched (Leptos owns it) and nothing is left behind when another search replaces it.

use js_sys::{Array, Reflect};
use pocket_chat_core::search::fold_char;
use wasm_bindgen::{JsCast, JsValue};

/// The highlight's name, styled by `::highlight(search-hit)`.
const NAME: &str = "search-hit";

/// Highlights each of `parts` (folded) wherever it is in the text of `root`, in place of
/// any earlier search's highlight; returns how many places.
pub fn highlight(root: &web_sys::Element, parts: &[String]) -> u32 {
    let Some(doc) = root.owner_document() else {
        return 0;
    };
    let ranges = Array::new();
    // NodeFilter.SHOW_TEXT: every text node under `root`.
    if let Ok(walker) = doc.create_tree_walker_with_what_to_show(root, 4) {
        let parts: Vec<Vec<u16>> = parts.iter().map(|p| p.encode_utf16().collect()).collect();
        while let Ok(Some(node)) = walker.next_node() {
            let text = node.text_content().unwrap_or_default();
            // One folded character for one: the same UTF-16 offsets as the text node's.
            let folded: Vec<u16> = text
                .chars()
                .flat_map(|c| {
                    let f = fold_char(c);
                    let f = if f.len_utf16() == c.len_utf16() { f } else { c };
                    let mut buf = [0u16; 2];
                    f.encode_utf16(&mut buf).to_vec()
                })
                .collect();
            for part in parts.iter().filter(|p| !p.is_empty()) {
                let mut at = 0;
                while let Some(i) = folded[at..]
                    .windows(part.len())
                    .position(|w| w == &part[..])
                {
                    let start = at + i;
                    if let Ok(range) = doc.create_range() {
                        let _ = range.set_start(&node, start as u32);
                        let _ = range.set_end(&node, (start + part.len()) as u32);
                        ranges.push(&range);
                    }
                    at = start + part.len();
                }
            }
        }
    }
    let count = ranges.length();
    let global = js_sys::global();
    let registry = Reflect::get(&global, &"CSS".into())
        .and_then(|css| Reflect::get(&css, &"highlights".into()))
        .ok();
    let made = Reflect::get(&global, &"Highlight".into())
        .ok()
        .and_then(|h| h.dyn_into::<js_sys::Function>().ok())
        .and_then(|h| Reflect::construct(&h, &ranges).ok());
    if let (Some(registry), Some(made)) = (registry, made) {
        let set = Reflect::get(&registry, &"set".into()).ok();
        if let Some(set) = set.and_then(|s| s.dyn_into::<js_sys::Function>().ok()) {
            let _ = set.call2(&registry, &JsValue::from_str(NAME), &made);
        }
    }
    count
}
