//! The endpoint's models as a `datalist`, for a model input's `list` attribute: the input
//! still takes any name typed.

use leptos::prelude::*;
use pocket_chat_core::models::{options_html, Listed};

#[component]
pub fn ModelList(id: &'static str, models: RwSignal<Vec<Listed>>) -> impl IntoView {
    view! { <datalist id=id data-testid=id inner_html=move || models.with(|m| options_html(m))></datalist> }
}
