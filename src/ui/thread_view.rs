//! The current thread: stored exchanges rendered as Markdown, the exchange being sent with
//! its reply streaming in, or an empty state that says what to do.

use leptos::html::Li;
use leptos::prelude::*;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::ledger::DebitKind;
use pocket_chat_core::markdown;
use pocket_chat_core::records::{Message, MessageStatus};
use wasm_bindgen::JsCast;

use std::cell::Cell;

use crate::state::use_config;
use crate::state::use_prefs;
use crate::state::use_sending;
use crate::state::use_thread_window;
use crate::state::use_threads;
use crate::state::use_top_up;
use crate::state::window::ThreadWindow;
use crate::ui::first_run::FirstRun;
use crate::ui::top_up_form::TopUpForm;

/// The id of the element streamed text is appended to.
pub const STREAM_TARGET: &str = "streaming-reply";

thread_local! {
    /// Whether a frame is asked for to keep the streaming reply in view.
    static FOLLOW_ASKED: Cell<bool> = const { Cell::new(false) };
}

/// Adds streamed text to the reply on screen as a text node (nothing re-renders; the
/// caller passes all text of one network read at once), and keeps the newest line in view
/// once per frame if the reader follows it.
pub fn append_streamed(window: &'static ThreadWindow, text: &str) {
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(STREAM_TARGET));
    if let Some(target) = target {
        let _ = target.append_with_str_1(text);
    }
    if !FOLLOW_ASKED.replace(true) {
        request_animation_frame(move || {
            FOLLOW_ASKED.set(false);
            window.follow();
        });
    }
}

#[component]
pub fn ThreadView() -> impl IntoView {
    let prefs = use_prefs();
    let window = use_thread_window();
    let sending = use_sending();
    let threads = use_threads();
    let top_up = use_top_up();
    let config = use_config();
    let items = window.window();
    let empty = move || {
        items.with(|w| w.items().is_empty())
            && !sending.busy()
            && threads.notes.with(Vec::is_empty)
            && top_up.form.with(Option::is_none)
    };
    let lang = prefs.lang;
    // A prompt just sent shows at the bottom: keep it in view if the reader follows.
    Effect::new(move || {
        if sending.busy() {
            request_animation_frame(move || window.follow());
        }
    });
    view! {
        <Show
            when=move || !empty()
            fallback=move || view! {
                <Show when=move || !config.first_run.get() fallback=|| view! { <FirstRun /> }>
                    <div class="empty" data-testid="empty-thread">
                        <p class="empty-title">{prefs.tr(Key::EmptyTitle)}</p>
                        <p class="empty-hint">{prefs.tr(Key::EmptyHint)}</p>
                        <ul class="empty-commands">
                            {move || i18n::help_lines(lang.get()).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                        </ul>
                    </div>
                </Show>
            }
        >
            <ol class="messages" data-testid="messages" on:click=move |ev| copy_code(lang.get_untracked(), ev)>
                <WindowEdge later=false />
                <For
                    each=move || {
                        let streaming = sending.streaming_row.get();
                        let items = items.with(|w| w.items().to_vec());
                        items.into_iter().filter(move |m| streaming.is_none() || m.message_id != streaming)
                    }
                    key=|m| m.message_id
                    let:message
                >
                    <Exchange message=message />
                </For>
                <WindowEdge later=true />
                <For each=move || threads.notes.get().into_iter().enumerate() key=|(i, _)| *i let:item>
                    <li class="thread-note" data-testid="thread-note">
                        <span class="note-typed">{item.1.typed}</span>
                        <span class="note-answer" data-testid="note-answer">{
                            let answer = item.1.answer;
                            move || answer.get(lang.get())
                        }</span>
                    </li>
                </For>
                <TopUpForm />
                {move || sending.pending.get().map(|p| view! {
                    <li class="exchange pending" data-testid="pending">
                        {(p.omitted > 0).then(|| view! {
                            <p class="context-note" data-testid="omitted-note">
                                {move || i18n::omitted_note(lang.get(), p.omitted)}
                            </p>
                        })}
                        <div class="message user"><div class="bubble" data-testid="prompt">{p.prompt}</div></div>
                        <div class="message assistant">
                            <div id=STREAM_TARGET class="stream-text" data-testid="streaming-reply"></div>
                            <span class="cursor" aria-hidden="true"></span>
                        </div>
                    </li>
                })}
            </ol>
        </Show>
    }
}

/// Above (or with `later`, below) the exchanges on screen, when more of a long thread is
/// not: a button that reads the next page (scrolling near it does the same).
#[component]
fn WindowEdge(later: bool) -> impl IntoView {
    let window = use_thread_window();
    let items = window.window();
    let lang = use_prefs().lang;
    let count = move || items.with(|w| if later { w.later() } else { w.earlier() });
    let label = move || {
        let text = if later {
            i18n::later_exchanges
        } else {
            i18n::earlier_exchanges
        };
        // The number once counted (just after the window shows).
        let counted = items.with(|w| w.counted());
        text(lang.get(), counted.then(count))
    };
    view! {
        <Show when=move || { count() > 0 }>
            <li class="window-edge">
                <button type="button" data-testid=if later { "show-later" } else { "show-earlier" }
                    on:click=move |_| window.step(later)>
                    {label}
                </button>
            </li>
        </Show>
    }
}

/// One stored exchange: the prompt, the reply as Markdown, and how it ended.
#[component]
fn Exchange(message: Message) -> impl IntoView {
    let prefs = use_prefs();
    let threads = use_threads();
    let window = use_thread_window();
    let id = message.message_id;
    // The window keeps this exchange in place while pages come and go: it finds it here.
    let element = NodeRef::<Li>::new();
    if let Some(id) = id {
        let token = window.track_exchange(id, element);
        on_cleanup(move || window.forget_exchange(id, token));
    }
    let context_starts_here = move || id.is_some() && threads.context_start.get() == id;
    let completion = message.completion;
    let lang = prefs.lang;
    let total = message.total;
    let note: Option<fn(Lang, u64) -> String> = match (message.status, message.debit_kind) {
        (MessageStatus::Interrupted, _) => Some(i18n::stopped_note),
        (_, DebitKind::Estimated) => Some(i18n::estimated_note),
        (_, DebitKind::Exact) => None,
    };
    view! {
        <li class="exchange" data-testid="exchange" data-exchange=id.unwrap_or_default() node_ref=element>
            <Show when=context_starts_here>
                <p class="context-note" data-testid="context-start">{prefs.tr(Key::ContextStart)}</p>
            </Show>
            <div class="message user"><div class="bubble" data-testid="prompt">{message.prompt}</div></div>
            <div class="message assistant">
                <div class="markdown" data-testid="reply" inner_html=move || markdown::render_labelled(&completion, i18n::t(lang.get(), Key::Copy))></div>
                {note.map(|n| view! { <p class="note" data-testid="reply-note">{move || n(lang.get(), total)}</p> })}
            </div>
        </li>
    }
}

/// Copies a code block's text when its Copy button is clicked (one listener for all).
fn copy_code(lang: Lang, ev: leptos::ev::MouseEvent) {
    let Some(button) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    if !button.has_attribute("data-copy") {
        return;
    }
    let code = button
        .closest(".code-block")
        .ok()
        .flatten()
        .and_then(|block| block.query_selector("code").ok().flatten())
        .and_then(|code| code.text_content());
    let (Some(code), Some(window)) = (code, web_sys::window()) else {
        return;
    };
    let _ = window.navigator().clipboard().write_text(&code);
    button.set_text_content(Some(i18n::t(lang, Key::Copied)));
}
