//! Fresh record ids from the browser's randomness (`crypto.getRandomValues`), in the shape
//! of `pocket_chat_core::ids`: unique across devices, sorted by time.

/// A new record id made at `now`.
pub fn record_id(now: i64) -> String {
    let mut random = [0u8; 10];
    // From the global scope: a page's window, or the data worker's scope.
    let crypto: Option<web_sys::Crypto> = js_sys::Reflect::get(
        &js_sys::global(),
        &wasm_bindgen::JsValue::from_str("crypto"),
    )
    .ok()
    .and_then(|c| wasm_bindgen::JsCast::dyn_into(c).ok());
    let filled = crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut random).is_ok());
    if !filled {
        // No Web Crypto (never in a browser that runs this app): Math.random still keeps
        // ids apart on one device.
        for byte in &mut random {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    pocket_chat_core::ids::new_id(now, random)
}
