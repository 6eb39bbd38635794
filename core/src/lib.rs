//! The pure core of pocket-chat: rules that need no browser, no clock and no IO.
//!
//! Everything here takes its inputs (balances, usage, `now`) as arguments, so it is
//! tested on the host with plain `cargo test`, deterministic and fast.

pub mod export;
pub mod format;
pub mod input;
pub mod ledger;
pub mod records;
