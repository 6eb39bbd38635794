//! Components, one per file, named after it.

pub mod composer;
pub mod header;
pub mod thread_view;
