//! Reading and writing fields of plain JavaScript objects (the data worker's messages, old
//! records being rewritten): a missing field reads as `undefined`, as in JavaScript.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// `value[name]`, `undefined` when there is none (or `value` is not an object).
pub fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets `target[name] = value`; whether it could (not on a frozen object or a non-object).
pub fn set(target: &JsValue, name: &str, value: &JsValue) -> bool {
    Reflect::set(target, &JsValue::from_str(name), value).unwrap_or(false)
}
