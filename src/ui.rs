//! Components, one per file, named after it.

pub mod composer;
pub mod data_panel;
pub mod header;
pub mod notice_line;
pub mod settings_panel;
pub mod thread_view;
