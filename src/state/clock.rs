//! The browser's clock and fresh ids: the two things the state layer asks the browser for
//! that the pure core takes as arguments.

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh random id (a UUID where the browser has `crypto.randomUUID`).
pub fn new_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("u-{}-{}", now(), (js_sys::Math::random() * 1e9) as u64))
}
