//! IndexedDB through rexie in a real browser: the schema opens and records round-trip.
#![cfg(target_arch = "wasm32")]

use pocket_chat::storage::{schema, users, Database};
use pocket_chat_core::records::User;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn alice() -> User {
    User {
        user_id: "u-alice".into(),
        display_name: "アリス".into(),
        num_token: 100,
        is_charged_once: false,
        model: "gpt-4o-mini".into(),
        models: ["gpt-4o-mini".into(), "gpt-4o".into()],
        created_at: 1_764_000_000_000,
        updated_at: 1_764_000_000_000,
    }
}

// Guards against a schema that forgets a store (rexie would drop it and its records).
#[wasm_bindgen_test]
async fn opens_with_every_store_at_the_schema_version() {
    let name = "test-schema";
    let _ = Database::delete(name).await;
    let db = Database::open(name).await.expect("open");
    assert_eq!(db.version(), Ok(schema::VERSION));
    let mut want: Vec<String> = schema::ALL_STORES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(db.store_names(), want);
    db.close();
}

// Guards against a record that is written but does not come back identical after the
// connection closes (serialisation of non-ASCII text, arrays, 64-bit numbers).
#[wasm_bindgen_test]
async fn user_round_trips_through_indexed_db() {
    let name = "test-users-round-trip";
    let _ = Database::delete(name).await;
    let db = Database::open(name).await.expect("open");
    assert_eq!(users::get(&db, "u-alice").await, Ok(None));
    users::put(&db, &alice()).await.expect("put");
    db.close();

    let db = Database::open(name).await.expect("reopen");
    assert_eq!(users::get(&db, "u-alice").await, Ok(Some(alice())));
    assert_eq!(users::all(&db).await, Ok(vec![alice()]));
    db.close();
    Database::delete(name).await.expect("delete");
}
