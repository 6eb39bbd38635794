//! Moving the keyboard focus, for panels that open and close.

use wasm_bindgen::JsCast;

/// Moves the keyboard focus to the element with id `id`, if it is on the page.
pub fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}
