//! The pure core of pocket-chat: rules that need no browser, no clock and no IO.
//!
//! Everything here takes its inputs (balances, usage, `now`) as arguments, so it is
//! tested on the host with plain `cargo test`, deterministic and fast.

pub mod chat_api;
pub mod commands;
pub mod context;
pub mod export;
pub mod format;
pub mod html;
pub mod i18n;
pub mod ids;
pub mod input;
pub mod ledger;
pub mod markdown;
pub mod math;
pub mod models;
pub mod params;
pub mod persona;
pub mod pricing;
pub mod provider;
pub mod records;
pub mod search;
pub mod share;
pub mod sse;
pub mod sync;
pub mod thread_list;
pub mod tokens;
pub mod tree;
pub mod turn;
pub mod window;
