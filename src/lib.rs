//! pocket-chat: a Leptos single-page app compiled to WebAssembly.
//!
//! Dependencies point one way: `app` → `ui` → `state` → `storage` / `providers` →
//! `pocket_chat_core`.
//! Browser modules are compiled for `wasm32` only, so `cargo test` on the host stays fast.

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod data_worker;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod highlight;
#[cfg(target_arch = "wasm32")]
pub mod ids;
#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
pub mod providers;
#[cfg(target_arch = "wasm32")]
pub mod replication;
#[cfg(all(target_arch = "wasm32", feature = "e2e-hooks"))]
pub mod seed;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod storage;
#[cfg(target_arch = "wasm32")]
pub mod ui;
