//! The schema and its upgrades: every store at the current version, and the data of versions 1 to 4 rewritten (from the fixtures).

use super::*;

// Guards against a schema that forgets a store (rexie would drop it and its records).
#[wasm_bindgen_test]
async fn opens_with_every_store_at_the_schema_version() {
    let db = fresh("t-schema").await;
    assert_eq!(db.version(), Ok(schema::VERSION));
    assert_eq!(schema::VERSION, 5);
    let mut want: Vec<String> = schema::ALL_STORES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(db.store_names(), want);
    assert!(want.contains(&"branches".to_string()));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    assert_eq!(
        settings::record_schema(&db, T0).await,
        Ok(Some(schema::VERSION))
    );
    // The full upgrade (the data worker's) leaves an index to build, here of nothing.
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(true)));
    assert_eq!(
        search::build_step(&db, 10).await,
        Ok(Some(search::Progress { done: 0, total: 0 }))
    );
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(false)));
    db.close();

    // A first visit: no data to rewrite, so the page records the version itself, with no
    // data worker.
    let db = fresh("t-schema-first").await;
    assert_eq!(settings::is_current(&db, T0).await, Ok(Some(false)));
    let mark = meta_record("t-schema-first", "schema")
        .await
        .expect("recorded");
    assert_eq!(mark["version"].as_f64(), Some(f64::from(schema::VERSION)));
    assert_eq!(
        settings::record_schema(&db, T0).await,
        Ok(Some(schema::VERSION))
    );
    db.close();
}

/// `row` without the fields `keys`.
fn without(row: &Value, keys: &[&str]) -> Value {
    let mut row = row.clone();
    for key in keys {
        row.as_object_mut().expect("a record").remove(*key);
    }
    row
}

/// Checks that the records of `fixture` (an old schema's, numeric ids) are stored in the
/// layout of schema version 3: users and settings as they were; payments, threads and
/// messages with every field as it was but new ids; each thread's messages at depths 0, 1,
/// … in the order of their old ids on the thread's first branch (which has the thread's
/// new id), read back in that order as the thread's path; one root branch per thread; the
/// ledger invariant for every user. Returns old thread ids with their new ids.
async fn check_rewritten(db: &Database, fixture: &Value) -> HashMap<u64, String> {
    let now = serde_json::to_value(snapshot(db).await).expect("serialise");
    assert_eq!(
        now["users"], fixture["users"],
        "users changed in the upgrade"
    );
    assert_eq!(
        now["settings"], fixture["settings"],
        "settings changed in the upgrade"
    );

    let mut seen = HashSet::new();
    let mut new_id = |row: &Value, key: &str| -> String {
        let id = row[key].as_str().unwrap_or_default().to_owned();
        assert!(is_id(&id), "{key} {id:?} is not a new id: {row}");
        assert!(seen.insert(id.clone()), "{key} {id} given twice");
        id
    };
    for p in rows(&now, "payments") {
        new_id(p, "payment_id");
    }
    assert_eq!(
        sorted(
            rows(&now, "payments")
                .iter()
                .map(|p| without(p, &["payment_id"]))
        ),
        sorted(
            rows(fixture, "payments")
                .iter()
                .map(|p| without(p, &["payment_id"]))
        ),
        "payments changed in the upgrade (ids aside)"
    );

    // Each old thread is the stored thread with every other field equal.
    let mut thread_ids = HashMap::new();
    for old in rows(fixture, "threads") {
        let same: Vec<&Value> = rows(&now, "threads")
            .iter()
            .filter(|t| without(t, &["thread_id"]) == without(old, &["thread_id"]))
            .collect();
        assert_eq!(same.len(), 1, "thread {old} is not stored once: {same:?}");
        let id = new_id(same[0], "thread_id");
        thread_ids.insert(old["thread_id"].as_u64().expect("old id"), id);
    }
    assert_eq!(rows(&now, "threads").len(), thread_ids.len());

    let mut expected_branches = Vec::new();
    let mut expected_messages = Vec::new();
    let mut paths: HashMap<String, Vec<Value>> = HashMap::new();
    for old in rows(fixture, "threads") {
        let id = &thread_ids[&old["thread_id"].as_u64().expect("old id")];
        let user_id = old["user_id"].as_str().expect("user");
        let created_at = old["created_at"].as_i64().expect("time");
        expected_branches
            .push(serde_json::to_value(tree::root(id, user_id, created_at)).expect("root"));
        let mut line: Vec<&Value> = rows(fixture, "messages")
            .iter()
            .filter(|m| m["thread_id"] == old["thread_id"])
            .collect();
        line.sort_by_key(|m| m["message_id"].as_u64());
        let path: Vec<Value> = line
            .iter()
            .enumerate()
            .map(|(depth, m)| {
                let mut row = without(m, &["message_id"]);
                row["thread_id"] = json!(id);
                row["branch"] = json!(id);
                row["depth"] = json!(depth);
                row
            })
            .collect();
        expected_messages.extend(path.iter().cloned());
        paths.insert(id.clone(), path);
    }
    for m in rows(&now, "messages") {
        new_id(m, "message_id");
    }
    assert_eq!(
        sorted(
            rows(&now, "messages")
                .iter()
                .map(|m| without(m, &["message_id"]))
        ),
        sorted(expected_messages),
        "messages changed in the upgrade (ids and places aside)"
    );
    assert_eq!(
        sorted(rows(&now, "branches").iter().cloned()),
        sorted(expected_branches),
        "not one root branch per thread"
    );

    for (id, path) in &paths {
        let read = messages::read_path(db, id, Span::Depths { from: 0, to: None })
            .await
            .expect("read the path");
        assert_eq!(read.len as usize, path.len(), "path length of {id}");
        let got: Vec<Value> = read
            .rows
            .iter()
            .map(|m| without(&serde_json::to_value(m).expect("json"), &["message_id"]))
            .collect();
        assert_eq!(&got, path, "path of thread {id}");
        assert_eq!(read.segments.len(), 1, "one branch in {id}");
        let newest = messages::read_path(db, id, Span::Newest(2))
            .await
            .expect("newest");
        assert_eq!(newest.rows.len(), path.len().min(2));
        assert_eq!(newest.first_depth() as usize, path.len().saturating_sub(2));
    }

    for user in rows(fixture, "users") {
        let user_id = user["user_id"].as_str().expect("user id");
        assert_eq!(
            audit::check_user(db, user_id).await,
            Ok(user["num_token"].as_i64().expect("balance")),
            "ledger of {user_id} after the upgrade"
        );
    }
    thread_ids
}

// Guards against an upgrade that loses records: data written by schema version 1 (the
// fixture), opened as the app opens it (`Database::open`, then `settings::record_schema`
// before any read), is at the current version with every record intact (ids rewritten),
// the index added by version 2 built, and the paths of version 3 in place.
#[wasm_bindgen_test]
async fn version_one_data_survives_the_upgrade() {
    let name = "t-upgrade";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v1::builder(name),
        schema_v1::VERSION,
        schema_v1::RECORDS,
        &[],
    )
    .await;
    assert_eq!(settings::record_schema(&db, T0).await, Ok(None));
    let thread_ids = check_rewritten(&db, &fixture).await;
    assert_eq!(thread_ids.len(), 2);
    // The index added by version 2 covers the old rows: Ann's threads, latest first.
    let titles: Vec<String> = threads::for_user(&db, "u-ann")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Recipes", "Rust のライフタイム"]);
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(5051));
    // An upgraded thread goes on as any other: the next exchange at the end of its path.
    let recipes = &thread_ids[&2];
    let (row, balance) = send(&db, "u-ann", recipes, 51, T0).await;
    assert_eq!(
        (row.branch.as_str(), row.depth, balance),
        (recipes.as_str(), 2, 5000)
    );
    db.close();
}

// Guards against losing the one system prompt of version 3 when personas came (4): data
// written by schema version 3 (the fixture: a system prompt in the provider setting, the
// language Japanese, two users, a thread with two versions, a deleted thread), opened as the
// app opens it, has every record as it was, except that the prompt left the setting and is
// each user's default persona, named in Japanese and chosen in every one of their threads;
// a second open changes nothing.
#[wasm_bindgen_test]
async fn version_three_system_prompt_becomes_each_users_default_persona() {
    let name = "t-upgrade-v3";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v3::builder(name),
        schema_v3::VERSION,
        schema_v3::RECORDS,
        &schema_v3::ALL_STORES,
    )
    .await;
    // Data to rewrite: the page leaves it to the data worker, which runs `record_schema`.
    assert_eq!(settings::is_current(&db, T0).await, Ok(None));
    assert_eq!(settings::record_schema(&db, T0).await, Ok(Some(3)));
    assert_eq!(
        settings::is_current(&db, T0).await,
        Ok(Some(true)),
        "the index is to be built"
    );
    let now = serde_json::to_value(snapshot(&db).await).expect("serialise");
    for store in ["payments", "branches"] {
        assert_eq!(
            sorted(rows(&now, store).to_vec()),
            sorted(rows(&fixture, store).to_vec()),
            "{store}"
        );
    }
    // Exports leave the kept HTML out; the rows keep it.
    let no_html = |rows: &[Value]| sorted(rows.iter().map(|m| without(m, &["html"])));
    assert_eq!(
        no_html(rows(&now, "messages")),
        no_html(rows(&fixture, "messages"))
    );
    let kept = thread_rows(&db, "01KB0A0000TTTTTTTTTTTTTTT1")
        .await
        .expect("rows");
    assert_eq!(kept[0].html, "<p>参照が有効な範囲です。</p>\n");

    let prompt = "あなたは丁寧な Rust の先生です。";
    let mut persona_of = HashMap::new();
    for (user, old) in rows(&now, "users").iter().zip(rows(&fixture, "users")) {
        let personas = user["personas"].as_array().expect("personas");
        assert_eq!(personas.len(), 1, "{user}");
        let id = personas[0]["persona_id"].as_str().expect("id").to_owned();
        assert!(is_id(&id), "{id}");
        assert_eq!(
            (personas[0]["name"].as_str(), personas[0]["text"].as_str()),
            (Some("既定"), Some(prompt))
        );
        assert_eq!(user["default_persona"].as_str(), Some(id.as_str()));
        // Everything else of the user (the balance, the parameters) as it was.
        assert_eq!(without(user, &["personas", "default_persona"]), *old);
        persona_of.insert(user["user_id"].as_str().expect("user").to_owned(), id);
    }
    assert_ne!(
        persona_of["u-ann"], persona_of["u-ken"],
        "each user has their own"
    );
    for (thread, old) in rows(&now, "threads").iter().zip(rows(&fixture, "threads")) {
        let owner = thread["user_id"].as_str().expect("owner");
        assert_eq!(
            thread["persona"].as_str(),
            Some(persona_of[owner].as_str()),
            "{thread}"
        );
        assert_eq!(without(thread, &["persona"]), *old);
    }
    let provider = now["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "provider"))
        .expect("the provider setting");
    let mut want = fixture["settings"][2]["value"].clone();
    want.as_object_mut()
        .expect("object")
        .remove("system_prompt");
    assert_eq!(
        provider["value"], want,
        "the rest of the provider setting stays"
    );
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(4993));
    assert_eq!(audit::check_user(&db, "u-ken").await, Ok(1085));
    let upgraded = snapshot(&db).await;
    db.close();

    // Done once: the next open finds no prompt to adopt and changes nothing.
    let db = Database::open(name).await.expect("open again");
    assert_eq!(
        settings::record_schema(&db, T0 + 1).await,
        Ok(Some(schema::VERSION))
    );
    assert_eq!(snapshot(&db).await, upgraded);
    db.close();
}

// Guards against losing or scrambling records in the rewrite of version 3: data written
// by schema version 2 (the fixture: numeric ids, a deleted thread), opened as the app
// opens it (`Database::open`, then `settings::record_schema`), has every record there
// under a new id, every thread a path of its messages in their old order, and a second
// open does not rewrite again.
#[wasm_bindgen_test]
async fn version_two_data_is_rewritten_once_into_paths() {
    let name = "t-upgrade-v2";
    let (db, fixture) = upgraded_fixture(
        name,
        schema_v2::builder(name),
        schema_v2::VERSION,
        schema_v2::RECORDS,
        &schema_v2::ALL_STORES,
    )
    .await;
    // The version-2 app recorded its schema; the current one records its own.
    assert_eq!(settings::record_schema(&db, T0).await, Ok(Some(2)));
    let thread_ids = check_rewritten(&db, &fixture).await;
    assert_eq!(thread_ids.len(), 3);

    // The five exchanges of the first thread, in the order they were written.
    let long = &thread_ids[&1];
    let path = newest(&db, long, 10).await;
    assert_eq!(path.len, 5);
    assert_eq!(depths(&path.rows), [0, 1, 2, 3, 4]);
    assert_eq!(totals(&path.rows), [21, 30, 44, 25, 8]);
    assert!(path.rows.iter().all(|m| m.branch == *long));
    assert_eq!(path.tree.versions(&path.segments, 3).count(), 1);
    // The deleted thread stays deleted, its texts erased, its debits counted.
    let deleted = threads::get(&db, &thread_ids[&2])
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(
        (deleted.title.as_str(), deleted.deleted_at),
        ("", Some(1_764_001_400_000))
    );
    let titles: Vec<String> = threads::for_user(&db, "u-ann")
        .await
        .expect("threads")
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Rust のライフタイム"]);
    let erased = thread_rows(&db, &thread_ids[&2]).await.expect("rows");
    assert_eq!(totals(&erased), [12, 9]);
    assert!(erased
        .iter()
        .all(|m| m.prompt.is_empty() && m.completion.is_empty()));
    // Ken's thread: his two exchanges, apart from Ann's written between them.
    let recipes = thread_rows(&db, &thread_ids[&3]).await.expect("rows");
    assert_eq!(totals(&recipes), [15, 18]);
    assert_eq!(
        messages::tally(&db, &thread_ids[&3])
            .await
            .map(|t| t.tokens),
        Ok(33)
    );
    let rewritten = snapshot(&db).await;
    db.close();

    // Done once: opening again as the app opens (open, then record the schema) finds the
    // same records under the same ids.
    let mark = meta_record(name, "schema")
        .await
        .expect("the schema is recorded");
    assert_eq!(
        mark["version"].as_f64(),
        Some(f64::from(schema::VERSION)),
        "{mark}"
    );
    let db = Database::open(name).await.expect("open again");
    assert_eq!(snapshot(&db).await, rewritten);
    assert_eq!(
        settings::record_schema(&db, T0 + 1).await,
        Ok(Some(schema::VERSION))
    );
    assert_eq!(snapshot(&db).await, rewritten);
    assert_eq!(audit::check_user(&db, "u-ann").await, Ok(4951));
    assert_eq!(audit::check_user(&db, "u-ken").await, Ok(1067));
    db.close();
    let db = Database::open(name).await.expect("and again");
    assert_eq!(snapshot(&db).await, rewritten);
    db.close();
}
