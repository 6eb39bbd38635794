//! The current thread: stored exchanges with their replies as the HTML kept with them
//! (rendered from Markdown by the data worker, `state::render`), the exchange being sent
//! with its reply streaming in, or an empty state that says what to do.

use leptos::html::{Div, Li};
use leptos::prelude::*;
use pocket_chat_core::html::push_text;
use pocket_chat_core::i18n::{self, Key, Lang};
use pocket_chat_core::ledger::DebitKind;
use pocket_chat_core::records::{Message, MessageStatus};
use wasm_bindgen::JsCast;

use std::cell::Cell;

use std::rc::Rc;

use pocket_chat_core::input::{is_send_key, prompt_to_send};

use crate::state::chat::{use_chat, OnText, Stream};
use crate::state::render;
use crate::state::use_config;
use crate::state::use_notices;
use crate::state::use_prefs;
use crate::state::use_sending;
use crate::state::use_store;
use crate::state::use_thread_window;
use crate::state::use_threads;
use crate::state::use_top_up;
use crate::state::versions::{copy, delete, edit, regenerate, switch, OnScreen};
use crate::state::window::ThreadWindow;
use crate::ui::first_run::FirstRun;
use crate::ui::top_up_form::TopUpForm;

/// The id of the element streamed text is appended to.
pub const STREAM_TARGET: &str = "streaming-reply";
/// The id of the element streamed reasoning is appended to, inside its Thinking block.
const REASONING_TARGET: &str = "streaming-reasoning";

thread_local! {
    /// Whether a frame is asked for to keep the streaming reply in view.
    static FOLLOW_ASKED: Cell<bool> = const { Cell::new(false) };
}

/// What appends a turn's streamed text to the screen.
pub fn streamer(window: &'static ThreadWindow) -> OnText {
    Rc::new(move |part, text| append_streamed(window, part, text))
}

/// Adds streamed text to the reply (or its Thinking block, shown from its first text) on
/// screen as a text node (nothing re-renders; the caller passes all text of one network
/// read at once), and keeps the newest line in view once per frame if the reader follows.
fn append_streamed(window: &'static ThreadWindow, part: Stream, text: &str) {
    let id = match part {
        Stream::Reply => STREAM_TARGET,
        Stream::Reasoning => REASONING_TARGET,
    };
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id));
    if let Some(target) = target {
        let _ = target.append_with_str_1(text);
        if part == Stream::Reasoning {
            if let Some(block) = target.parent_element() {
                let _ = block.remove_attribute("hidden");
            }
        }
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
            && !threads.has_notes()
            && !top_up.is_open()
    };
    let lang = prefs.lang();
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
                <Show when=move || !config.first_run() fallback=|| view! { <FirstRun /> }>
                    <div class="empty" data-testid="empty-thread">
                        <p class="empty-title">{prefs.tr(Key::EmptyTitle)}</p>
                        <p class="empty-hint">{prefs.tr(Key::EmptyHint)}</p>
                        <ul class="empty-commands">
                            {move || pocket_chat_core::commands::help_lines(lang.get()).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                        </ul>
                    </div>
                </Show>
            }
        >
            <ol class="messages" data-testid="messages" on:click=move |ev| copy_code(lang.get_untracked(), ev)>
                <WindowEdge later=false />
                <For
                    each=move || {
                        let streaming = sending.streaming_row();
                        let items = items.with(|w| w.items().to_vec());
                        items.into_iter().filter(move |m| streaming.as_deref() != Some(m.message_id.as_str()))
                    }
                    key=|m| m.message_id.clone()
                    let:message
                >
                    <Exchange message=message />
                </For>
                <WindowEdge later=true />
                <For each=move || threads.notes().into_iter().enumerate() key=|(i, _)| *i let:item>
                    <li class="thread-note" data-testid="thread-note">
                        <span class="note-typed">{item.1.typed}</span>
                        <span class="note-answer" data-testid="note-answer">{
                            let answer = item.1.answer;
                            move || answer.get(lang.get())
                        }</span>
                    </li>
                </For>
                <TopUpForm />
                {move || sending.pending().map(|p| view! {
                    <li class="exchange pending" data-testid="pending">
                        {(p.omitted > 0).then(|| view! {
                            <p class="context-note" data-testid="omitted-note">
                                {move || pocket_chat_core::context::omitted_note(lang.get(), p.omitted)}
                            </p>
                        })}
                        <div class="message user"><div class="bubble" data-testid="prompt">{p.prompt}</div></div>
                        <div class="message assistant">
                            <details class="reasoning" data-testid="reasoning" hidden>
                                <summary>{prefs.tr(Key::Thinking)}</summary>
                                <div id=REASONING_TARGET class="reasoning-text"></div>
                            </details>
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
    let lang = use_prefs().lang();
    let count = move || items.with(|w| if later { w.later() } else { w.earlier() });
    let label = move || {
        let text = if later {
            pocket_chat_core::window::later_exchanges
        } else {
            pocket_chat_core::window::earlier_exchanges
        };
        text(lang.get(), count())
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

/// One stored exchange: the prompt, the reply as Markdown, and how it ended; with its
/// controls — copy, edit and resend, regenerate, the versions switcher, delete.
#[component]
fn Exchange(message: Message) -> impl IntoView {
    let prefs = use_prefs();
    let threads = use_threads();
    let window = use_thread_window();
    let chat = use_chat();
    let lang = prefs.lang();
    let id = message.message_id.clone();
    // The window keeps this exchange in place while pages come and go: it finds it here.
    let element = NodeRef::<Li>::new();
    let token = window.track_exchange(&id, element);
    {
        let id = id.clone();
        on_cleanup(move || window.forget_exchange(&id, token));
    }
    let at = OnScreen {
        thread_id: message.thread_id.clone(),
        message_id: id.clone(),
        depth: message.depth,
    };
    let at = StoredValue::new(at);
    let context_starts_here = {
        let id = id.clone();
        move || threads.context_starts_at(&id)
    };
    // The reply's HTML, kept with the exchange; asked of the renderer when there is none.
    let html = RwSignal::new(message.html);
    if html.with_untracked(String::is_empty) {
        render::want(use_store(), use_notices(), &id, &message.completion, html);
    }
    let completion = StoredValue::new(message.completion);
    let reply = NodeRef::<Div>::new();
    // The code blocks' Copy buttons, in the UI's language (the kept HTML has no words).
    Effect::new(move || {
        let label = i18n::t(lang.get(), Key::Copy);
        html.track();
        if let Some(div) = reply.get() {
            label_copy_buttons(&div, label);
        }
    });
    let reasoning = message.reasoning;
    let reasoning_tokens = message.reasoning_tokens;
    let prompt = StoredValue::new(message.prompt);
    let total = message.total;
    let depth = message.depth;
    let note: Option<fn(Lang, u64) -> String> = match (message.status, message.debit_kind) {
        (MessageStatus::Interrupted, _) => Some(pocket_chat_core::turn::stopped_note),
        (_, DebitKind::Estimated) => Some(pocket_chat_core::turn::estimated_note),
        (_, DebitKind::Exact) => None,
    };
    let versions = Memo::new(move |_| {
        let v = window.versions(depth);
        (v.position, v.count())
    });
    let editing = {
        let id = id.clone();
        move || chat.sending.is_editing(&id)
    };
    // The user's other model, for "Ask <model>".
    let other_model = move || {
        chat.account.user().with(|u| {
            let u = u.as_ref()?;
            u.models.iter().find(|m| **m != u.model).cloned()
        })
    };
    let on_text = move || streamer(window);
    // Which Copy button was just used, so it says "Copied".
    let copied = RwSignal::new(None::<&'static str>);
    let copy_button = move |testid: &'static str,
                            label: Key,
                            text: StoredValue<String>,
                            lang: Lang| {
        let said = if copied.get() == Some(testid) {
            Key::Copied
        } else {
            Key::Copy
        };
        view! {
            <button type="button" class="action" data-testid=testid title=i18n::t(lang, label) aria-label=i18n::t(lang, label)
                on:click=move |_| { text.with_value(|t| copy(t)); copied.set(Some(testid)); }>
                {i18n::t(lang, said)}
            </button>
        }
    };
    // Each bar is one reactive view with plain attributes, rebuilt when the language, the
    // versions or whether a turn is under way change: two effects per exchange instead of
    // one per label and button.
    let prompt_bar = {
        let editing = editing.clone();
        move || {
            let (lang, busy) = (lang.get(), chat.sending.busy());
            (!editing()).then(|| view! {
                <div class="actions user-actions">
                    {copy_button("copy-prompt", Key::CopyPrompt, prompt, lang)}
                    <button type="button" class="action" data-testid="edit-prompt" title=i18n::t(lang, Key::EditLabel) disabled=busy
                        on:click=move |_| chat.sending.edit(Some(at.with_value(|a| a.message_id.clone())))>
                        {i18n::t(lang, Key::EditPrompt)}
                    </button>
                </div>
            })
        }
    };
    let reply_bar = move || {
        let (lang, busy, (position, count)) = (lang.get(), chat.sending.busy(), versions.get());
        let switcher = (count > 1).then(|| view! {
            <span class="versions" role="group" aria-label=pocket_chat_core::tree::version_of(lang, position + 1, count)>
                <button type="button" class="action icon" data-testid="version-prev" aria-label=i18n::t(lang, Key::PreviousVersion)
                    title=i18n::t(lang, Key::PreviousVersion) disabled={busy || position == 0}
                    on:click=move |_| switch(chat, at.get_value(), position.saturating_sub(1))>
                    <span aria-hidden="true">"‹"</span>
                </button>
                <span class="version-position" data-testid="version-position">{format!("{} / {}", position + 1, count)}</span>
                <button type="button" class="action icon" data-testid="version-next" aria-label=i18n::t(lang, Key::NextVersion)
                    title=i18n::t(lang, Key::NextVersion) disabled={busy || position + 1 >= count}
                    on:click=move |_| switch(chat, at.get_value(), position + 1)>
                    <span aria-hidden="true">"›"</span>
                </button>
            </span>
        });
        let other = other_model().map(|model| {
            let label = pocket_chat_core::turn::regenerate_with(lang, &model);
            view! {
                <button type="button" class="action" data-testid="regenerate-other" disabled=busy
                    on:click=move |_| regenerate(chat, at.get_value(), prompt.get_value(), Some(model.clone()), on_text())>
                    {label}
                </button>
            }
        });
        view! {
            <div class="actions reply-actions">
                {switcher}
                {copy_button("copy-reply", Key::CopyReply, completion, lang)}
                <button type="button" class="action" data-testid="regenerate" disabled=busy
                    on:click=move |_| regenerate(chat, at.get_value(), prompt.get_value(), None, on_text())>
                    {i18n::t(lang, Key::Regenerate)}
                </button>
                {other}
                <button type="button" class="action danger-text" data-testid="delete-version" disabled=busy
                    aria-label=i18n::t(lang, Key::DeleteVersion) title=i18n::t(lang, Key::DeleteVersion)
                    on:click=move |_| delete(chat, at.get_value())>
                    {i18n::t(lang, Key::Delete)}
                </button>
            </div>
        }
    };
    view! {
        <li class="exchange" data-testid="exchange" data-exchange=id.clone() data-depth=depth node_ref=element>
            <Show when=context_starts_here>
                <p class="context-note" data-testid="context-start">{prefs.tr(Key::ContextStart)}</p>
            </Show>
            <div class="message user">
                <Show when=editing fallback=move || view! {
                    <div class="bubble" data-testid="prompt">{prompt.get_value()}</div>
                }>
                    <EditBox prompt=prompt.get_value() on_send=move |text| edit(chat, at.get_value(), text, on_text()) />
                </Show>
                {prompt_bar}
            </div>
            <div class="message assistant">
                {(!reasoning.is_empty()).then(|| view! {
                    <details class="reasoning" data-testid="reasoning">
                        <summary>{prefs.tr(Key::Thinking)}</summary>
                        <div class="reasoning-text">{reasoning}</div>
                    </details>
                })}
                <div class="markdown" class:plain=move || html.with(String::is_empty) data-testid="reply" node_ref=reply
                    inner_html=move || html.with(|h| if h.is_empty() { completion.with_value(|c| plain(c)) } else { h.clone() })></div>
                {note.map(|n| view! { <p class="note" data-testid="reply-note">{move || n(lang.get(), total)}</p> })}
                {(reasoning_tokens > 0).then(|| view! {
                    <p class="note" data-testid="reasoning-note">{move || pocket_chat_core::turn::reasoning_note(lang.get(), total, reasoning_tokens)}</p>
                })}
                {reply_bar}
            </div>
        </li>
    }
}

/// The prompt of an exchange being edited: Enter (or Send) sends it as a new version,
/// Escape (or Cancel) leaves it as it was.
#[component]
fn EditBox(prompt: String, on_send: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let prefs = use_prefs();
    let sending = use_sending();
    let text = RwSignal::new(sending.take_edit_text().unwrap_or(prompt));
    let input = NodeRef::<leptos::html::Textarea>::new();
    // The box opens with the cursor in it, at the end.
    Effect::new(move || {
        if let Some(el) = input.get() {
            let _ = el.focus();
            let end = el.value().len() as u32;
            let _ = el.set_selection_range(end, end);
        }
    });
    let send = move || {
        if let Some(prompt) = text.with_untracked(|t| prompt_to_send(t).map(str::to_owned)) {
            on_send(prompt);
        }
    };
    let cancel = move || sending.edit(None);
    view! {
        <form class="edit-box" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="visually-hidden" for="edit-input">{prefs.tr(Key::EditLabel)}</label>
            <textarea id="edit-input" data-testid="edit-input" node_ref=input prop:value=text
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        cancel();
                    } else if is_send_key(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <div class="edit-actions">
                <button type="button" class="ghost" data-testid="edit-cancel" on:click=move |_| cancel()>{prefs.tr(Key::Cancel)}</button>
                <button type="submit" class="primary" data-testid="edit-send"
                    disabled=move || text.with(|t| prompt_to_send(t).is_none())>{prefs.tr(Key::Send)}</button>
            </div>
        </form>
    }
}

/// A reply as plain text, until its HTML comes.
fn plain(markdown: &str) -> String {
    let mut out = String::new();
    push_text(&mut out, markdown);
    out
}

/// Names every code block's Copy button in `reply` with `label`.
fn label_copy_buttons(reply: &web_sys::HtmlDivElement, label: &str) {
    let Ok(buttons) = reply.query_selector_all("button[data-copy]") else {
        return;
    };
    for i in 0..buttons.length() {
        if let Some(button) = buttons.item(i) {
            button.set_text_content(Some(label));
        }
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
