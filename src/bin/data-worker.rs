//! The data worker's entry point: export and import run in a Web Worker of their own,
//! loaded only when the user exports or imports (see `pocket_chat::data_worker`).

#[cfg(target_arch = "wasm32")]
fn main() {
    pocket_chat::data_worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the data worker runs in the browser, started by pocket-chat's page.");
}
