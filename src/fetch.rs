//! How every request to another origin (the provider, the sync server) is made: without
//! this origin's cookies and without a referrer, so nothing of the app's address or
//! session travels with the user's key. One place, so no request can forget it.

use wasm_bindgen::JsValue;
use web_sys::{Headers, ReferrerPolicy, RequestCredentials, RequestInit};

/// A request's options: `method`, `headers` (name, value), no cookies, no referrer.
pub fn init<'a>(
    method: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<RequestInit, JsValue> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    let set = Headers::new()?;
    for (name, value) in headers {
        set.set(name, value)?;
    }
    init.set_headers(&set);
    Ok(init)
}

/// Whether the browser says it is online (`navigator.onLine`, in a page or a worker; true
/// when it cannot tell): a request that did not reach its server says "offline" rather
/// than blame the server.
pub fn online() -> bool {
    let navigator = crate::js::field(&js_sys::global(), "navigator");
    crate::js::field(&navigator, "onLine").as_bool() != Some(false)
}
