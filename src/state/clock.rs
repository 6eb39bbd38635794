//! The browser's clock, which the pure core takes as an argument. Fresh ids come from
//! `crate::ids`, for every record alike (users too).

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}
