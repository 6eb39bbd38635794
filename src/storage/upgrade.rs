//! The record rewrites of schema versions 3 and 4, run once after the browser upgraded the
//! stores. Version 3:
//! numeric ids become ids unique across devices (so records from another device never
//! collide, and this happens once), and every thread becomes a single path of versions —
//! its messages, in the order they were written, at depths 0, 1, 2, … of its first branch.
//! Version 4: the one system prompt of the settings becomes each user's default persona.
//!
//! rexie builds the stores in the browser's upgrade transaction but cannot run code in it,
//! so the rewrite runs in one readwrite transaction of its own, with the schema version
//! recorded in `meta` (`settings::record_schema`), before anything is read: a crash or a
//! closed tab before it commits leaves the old records, rewritten at the next open; a
//! second tab opening at once waits for this one's transaction and finds the version.

use std::collections::HashMap;

use js_sys::Array;
use pocket_chat_core::i18n::{self, Key, Lang, LANGUAGE_KEY};
use pocket_chat_core::persona;
use pocket_chat_core::provider;
use pocket_chat_core::records::{Millis, Thread, User};
use wasm_bindgen::JsValue;

use crate::js;

use super::schema::{BRANCHES, MESSAGES, PAYMENTS, SETTINGS, THREADS, USERS};
use super::{all_from_js, to_js, StorageError};

/// The stores the rewrites write (with `meta`, where the caller marks the new version in
/// the same transaction).
pub const STORES: [&str; 6] = [PAYMENTS, THREADS, MESSAGES, BRANCHES, USERS, SETTINGS];

/// Rewrites records written before schema version 3 inside `tx` (which spans
/// [`STORES`]); `new_id` makes each record's new id from its time. Records already in
/// the new layout (string ids) are left as they are, so running it twice changes nothing.
pub async fn to_version_3(
    tx: &rexie::Transaction,
    new_id: &mut dyn FnMut(Millis) -> String,
) -> Result<(), StorageError> {
    rekey(&tx.store(PAYMENTS)?, "payment_id", new_id).await?;
    let threads = rekey(&tx.store(THREADS)?, "thread_id", new_id).await?;
    let branches = tx.store(BRANCHES)?;
    for (thread, old) in &threads {
        if old.is_none() {
            continue;
        }
        let id = js::field(thread, "thread_id");
        let root = object(&[
            ("branch_id", id.clone()),
            ("thread_id", id),
            ("user_id", js::field(thread, "user_id")),
            ("depth", JsValue::from_f64(0.0)),
            ("created_at", js::field(thread, "created_at")),
        ])?;
        branches.put(&root, None).await?;
    }
    let mut new_thread: HashMap<u64, JsValue> = threads
        .iter()
        .filter_map(|(thread, old)| Some(((*old)?, js::field(thread, "thread_id"))))
        .collect();
    // Oldest first (the store's key order), so depths follow the order of writing.
    let messages = tx.store(MESSAGES)?;
    let rows = messages.get_all(None, None).await?;
    let mut depths: HashMap<u64, u32> = HashMap::new();
    for row in rows {
        let Some(old) = whole(&js::field(&row, "message_id")) else {
            continue;
        };
        let Some(thread_id) = whole(&js::field(&row, "thread_id")) else {
            continue;
        };
        // A message whose thread is gone (never written by the app) gets a thread id all
        // the same, so it reads back as a record and its debit still counts.
        let new_thread_id = new_thread
            .entry(thread_id)
            .or_insert_with(|| JsValue::from_str(&new_id(time(&row))))
            .clone();
        let new_thread_id = &new_thread_id;
        let depth = depths.entry(thread_id).or_insert(0);
        set(&row, "message_id", &JsValue::from_str(&new_id(time(&row))))?;
        set(&row, "thread_id", new_thread_id)?;
        set(&row, "branch", new_thread_id)?;
        set(&row, "depth", &JsValue::from_f64(f64::from(*depth)))?;
        *depth += 1;
        messages.delete(JsValue::from_f64(old as f64)).await?;
        messages.add(&row, None).await?;
    }
    Ok(())
}

/// Rewrites records written before schema version 4 inside `tx` (which spans [`STORES`]):
/// the provider setting's system prompt leaves it and becomes each user's default persona,
/// named in the language chosen, and chosen in every thread
/// ([`persona::adopt_system_prompt`]); `new_id` makes the personas' ids. Without a system
/// prompt nothing is written; a second run finds none. The settings are read as plain
/// objects: serde_json's tree here would cost the first load 3 KB.
pub async fn to_version_4(
    tx: &rexie::Transaction,
    new_id: &mut dyn FnMut() -> String,
) -> Result<(), StorageError> {
    let settings = tx.store(SETTINGS)?;
    let setting = |key: &str| settings.get(JsValue::from_str(key));
    let Some(provider) = setting(provider::SETTINGS_KEY).await? else {
        return Ok(());
    };
    let value = js::field(&provider, "value");
    let Some(text) = js::field(&value, persona::OLD_PROMPT_FIELD).as_string() else {
        return Ok(());
    };
    let lang = setting(LANGUAGE_KEY)
        .await?
        .and_then(|s| js::field(&s, "value").as_string())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or_default();
    let users_store = tx.store(USERS)?;
    let threads_store = tx.store(THREADS)?;
    let mut users: Vec<User> = all_from_js(USERS, users_store.get_all(None, None).await?)?;
    let mut threads: Vec<Thread> = all_from_js(THREADS, threads_store.get_all(None, None).await?)?;
    let (old_users, old_threads) = (users.clone(), threads.clone());
    let name = i18n::t(lang, Key::AdoptedPersona);
    persona::adopt_system_prompt(&text, name, &mut users, &mut threads, new_id);
    for (user, old) in users.iter().zip(&old_users) {
        if user != old {
            users_store.put(&to_js(USERS, user)?, None).await?;
        }
    }
    for (thread, old) in threads.iter().zip(&old_threads) {
        if thread != old {
            threads_store.put(&to_js(THREADS, thread)?, None).await?;
        }
    }
    let name = JsValue::from_str(persona::OLD_PROMPT_FIELD);
    if !js_sys::Reflect::delete_property(&value.into(), &name).unwrap_or(false) {
        return Err(StorageError::Backend(
            "could not rewrite the provider setting".into(),
        ));
    }
    settings.put(&provider, None).await?;
    Ok(())
}

/// Gives every record of `store` whose `key` is a number a new id, and returns every
/// record (rewritten or not) with its old numeric key.
async fn rekey(
    store: &rexie::Store,
    key: &str,
    new_id: &mut dyn FnMut(Millis) -> String,
) -> Result<Vec<(JsValue, Option<u64>)>, StorageError> {
    let mut out = Vec::new();
    // One request for the whole store (in key order): a cursor costs a round trip a row.
    for row in store.get_all(None, None).await? {
        let old = js::field(&row, key);
        let Some(number) = whole(&old) else {
            out.push((row, None));
            continue;
        };
        set(&row, key, &JsValue::from_str(&new_id(time(&row))))?;
        store.delete(old).await?;
        store.add(&row, None).await?;
        out.push((row, Some(number)));
    }
    Ok(out)
}

/// A key or field that is a whole number (an id of the old layout).
fn whole(value: &JsValue) -> Option<u64> {
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0)
        .map(|n| n as u64)
}

fn time(row: &JsValue) -> Millis {
    js::field(row, "created_at").as_f64().unwrap_or(0.0) as Millis
}

fn set(row: &JsValue, name: &str, value: &JsValue) -> Result<(), StorageError> {
    if js::set(row, name, value) {
        Ok(())
    } else {
        Err(StorageError::Backend(format!("could not rewrite {name}")))
    }
}

/// A plain object of `fields`.
fn object(fields: &[(&str, JsValue)]) -> Result<JsValue, StorageError> {
    let entries: Array = fields
        .iter()
        .map(|(k, v)| JsValue::from(Array::of2(&JsValue::from_str(k), v)))
        .collect();
    js_sys::Object::from_entries(&entries)
        .map(JsValue::from)
        .map_err(|_| StorageError::Backend("could not build a record".into()))
}
