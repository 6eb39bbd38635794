//! Entry point: mounts the app. Everything else lives in the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(pocket_chat::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pocket-chat runs in the browser: serve it with `trunk serve` (see README.md).");
}
