//! Entry point: mounts the app. Everything else lives in the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    pocket_chat::app::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pocket-chat runs in the browser: serve it with `trunk serve` (see README.md).");
}
