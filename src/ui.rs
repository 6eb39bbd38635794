//! Components, one per file, named after it.

pub mod composer;
pub mod data_panel;
pub mod first_run;
pub mod focus;
pub mod header;
pub mod model_list;
pub mod notice_line;
pub mod offline_line;
pub mod persona_editor;
pub mod provider_select;
pub mod search_box;
pub mod settings_panel;
pub mod sidebar;
pub mod sync_fields;
pub mod thread_bar;
pub mod thread_view;
pub mod top_up_form;
pub mod update_line;
pub mod users_panel;
