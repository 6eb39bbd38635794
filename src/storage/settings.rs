//! The `settings` store: app-wide settings (provider, current user, theme, …), one record
//! per key, and the `meta` store's schema record.

use pocket_chat_core::records::{Millis, Setting};
use rexie::TransactionMode;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::schema::{META, SETTINGS, VERSION};
use super::upgrade;
use super::{all_from_js, commit_or_abort, finish, from_js, to_js, Database, StorageError};

/// The key of the user shown when the app opens.
pub const CURRENT_USER: &str = "current_user";

/// The setting stored under `key`, if any.
pub async fn get(db: &Database, key: &str) -> Result<Option<serde_json::Value>, StorageError> {
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadOnly)?;
    let value = tx.store(SETTINGS)?.get(JsValue::from_str(key)).await?;
    finish(tx).await?;
    Ok(value
        .map(|v| from_js::<Setting>(SETTINGS, v))
        .transpose()?
        .map(|s| s.value))
}

/// Stores `value` under `key`.
pub async fn put(db: &Database, key: &str, value: serde_json::Value) -> Result<(), StorageError> {
    let setting = Setting {
        key: key.to_owned(),
        value,
    };
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(SETTINGS)?
            .put(&to_js(SETTINGS, &setting)?, None)
            .await?;
        Ok(())
    }
    .await;
    commit_or_abort(tx, result).await
}

/// Every setting.
pub async fn all(db: &Database) -> Result<Vec<Setting>, StorageError> {
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadOnly)?;
    let values = tx.store(SETTINGS)?.get_all(None, None).await?;
    finish(tx).await?;
    all_from_js(SETTINGS, values)
}

/// The `meta` store's record of which schema (and data migrations) the data is at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaRecord {
    pub key: String,
    pub version: u32,
    pub upgraded_at: Millis,
}

/// Whether the data is at the current schema (then: whether its search index is still to
/// be built), recording it for a database with no data yet (a first visit): only data an earlier version wrote needs [`record_schema`]'s
/// rewrites, which the data worker runs, so that the page never carries their code.
pub async fn is_current(db: &Database, now: Millis) -> Result<Option<bool>, StorageError> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let meta = tx.store(META)?;
    let recorded = schema_version(&meta).await;
    let pending = meta.get(JsValue::from_str(super::search::PENDING)).await;
    finish(tx).await?;
    if recorded? == Some(VERSION) {
        return Ok(Some(pending?.is_some()));
    }
    let mut stores = vec![META];
    stores.extend(upgrade::STORES);
    let tx = db.transaction(&stores, TransactionMode::ReadWrite)?;
    let result = async {
        for store in upgrade::STORES {
            if tx.store(store)?.count(None).await? > 0 {
                return Ok(None);
            }
        }
        mark(&tx.store(META)?, now).await?;
        Ok(Some(false))
    }
    .await;
    commit_or_abort(tx, result).await
}

/// Records the schema version after open when it changed, and runs the data migrations
/// the versions since the one recorded before need, in the same transaction. Returns the
/// version recorded before (`None`: none was).
pub async fn record_schema(db: &Database, now: Millis) -> Result<Option<u32>, StorageError> {
    // Read first on its own: at every start but the first after an update nothing is to
    // do, and a readwrite transaction over the data stores would hold up other tabs.
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let recorded = schema_version(&tx.store(META)?).await;
    finish(tx).await?;
    if recorded? == Some(VERSION) {
        return Ok(Some(VERSION));
    }
    let mut stores = vec![META];
    stores.extend(upgrade::STORES);
    let tx = db.transaction(&stores, TransactionMode::ReadWrite)?;
    let result = async {
        let store = tx.store(META)?;
        // Again inside the transaction: another tab may have upgraded meanwhile.
        let before = schema_version(&store).await?;
        if before != Some(VERSION) {
            // Versions 1 → 2 only added an index, which IndexedDB builds from existing
            // records itself; 3 rewrites them (ids, versions); 4 adopts the system prompt;
            if before.is_none_or(|v| v < 3) {
                upgrade::to_version_3(&tx, &mut crate::ids::record_id).await?;
            }
            if before.is_none_or(|v| v < 4) {
                upgrade::to_version_4(&tx, &mut || crate::ids::record_id(now)).await?;
            }
            // 5 added the index, empty: what was stored before is indexed in steps.
            if before.is_none_or(|v| v < 5) {
                super::search::mark_pending(&tx).await?;
            }
            mark(&store, now).await?;
        }
        Ok(before)
    }
    .await;
    commit_or_abort(tx, result).await
}

/// Records in `meta` that the data is at [`VERSION`] since `now`.
async fn mark(meta: &rexie::Store, now: Millis) -> Result<(), StorageError> {
    let record = SchemaRecord {
        key: "schema".into(),
        version: VERSION,
        upgraded_at: now,
    };
    meta.put(&to_js(META, &record)?, None).await?;
    Ok(())
}

/// The schema version the `meta` store records, if any.
async fn schema_version(meta: &rexie::Store) -> Result<Option<u32>, StorageError> {
    let record: Option<SchemaRecord> = meta
        .get(JsValue::from_str("schema"))
        .await?
        .map(|v| from_js(META, v))
        .transpose()?;
    Ok(record.map(|r| r.version))
}
