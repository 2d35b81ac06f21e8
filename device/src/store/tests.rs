//! Behaviour of the device store through its public interface, with raw SQLite access only to
//! damage rows the way a bad disk or an attacker would.

use std::path::Path;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ReadDoc, ROOT};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rusqlite::{params, Connection};
use tempfile::TempDir;

use super::*;

const KEY: [u8; 32] = [42; 32];

fn item(zaak_id: &str) -> WorklistItem {
    WorklistItem {
        zaak_id: zaak_id.to_owned(),
        label: format!("Huisbezoek {zaak_id}"),
        status: "huisbezoek_gepland".into(),
        next_step: "aankondigen".into(),
        deadline: NaiveDate::from_ymd_opt(2026, 12, 1),
        unsynced_entries: 1,
        closed: false,
        acknowledged_at: None,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    }
}

/// A zaak document with `n` entries, each saved incrementally into the store.
fn record(store: &Store, zaak_id: &str, n: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    for i in 0..n {
        doc.put(
            ROOT,
            format!("entry{i}"),
            format!("waarneming {i} in {zaak_id}"),
        )
        .unwrap();
        let chunk = doc.save_incremental();
        store
            .append_changes(zaak_id, &chunk, &item(zaak_id))
            .unwrap();
    }
    doc
}

fn entry(bytes: &[u8], i: usize) -> String {
    let doc = Automerge::load(bytes).unwrap();
    match doc.get(ROOT, format!("entry{i}")).unwrap() {
        Some((value, _)) => value.as_str().unwrap_or_default().to_owned(),
        None => String::new(),
    }
}

/// A plain connection, as someone editing the file would use (no foreign-key checks).
fn raw(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn
}

fn zaak_row(conn: &Connection, store: &Store, zaak_id: &str) -> i64 {
    conn.query_row(
        "SELECT id FROM zaken WHERE zaak_key = ?1",
        params![&store.zaak_key(zaak_id)[..]],
        |r| r.get(0),
    )
    .unwrap()
}

fn flip_last_byte(conn: &Connection, table: &str, column: &str, where_sql: &str) {
    let sql = format!("SELECT {column} FROM {table} WHERE {where_sql}");
    let mut value: Vec<u8> = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
    let last = value.len() - 1;
    value[last] ^= 0x01;
    let sql = format!("UPDATE {table} SET {column} = ?1 WHERE {where_sql}");
    assert_eq!(conn.execute(&sql, params![value]).unwrap(), 1);
}

fn assert_corrupt(err: StoreError, zaak_id: &str) {
    assert_eq!(err.code(), "document_corrupt", "{err}");
    match &err {
        StoreError::Corrupt {
            zaak_id: Some(id), ..
        } => assert_eq!(id, zaak_id),
        other => panic!("expected a corrupt error naming {zaak_id}, got {other:?}"),
    }
    assert!(err.to_string().contains(zaak_id));
}

#[test]
fn records_and_loads_across_reopen() {
    let dir = TempDir::new().unwrap();
    {
        let store = Store::open(dir.path(), KEY).unwrap();
        record(&store, "Z-1", 3);
        assert_eq!(store.load_document("Z-2").unwrap(), None);
    }
    let store = Store::open(dir.path(), KEY).unwrap();
    let bytes = store.load_document("Z-1").unwrap().unwrap();
    assert_eq!(entry(&bytes, 2), "waarneming 2 in Z-1");
    let stats = store.document_stats("Z-1").unwrap().unwrap();
    assert_eq!(stats.chunks, 3);
}

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Store>();
    let dir = TempDir::new().unwrap();
    let store = std::sync::Arc::new(Store::open(dir.path(), KEY).unwrap());
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    let zaak = format!("Z-{t}");
                    store
                        .append_changes(&zaak, format!("{i}").as_bytes(), &item(&zaak))
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    for t in 0..4 {
        let doc = store.load_document(&format!("Z-{t}")).unwrap().unwrap();
        assert_eq!(doc, b"01234");
    }
}

#[test]
fn wrong_key_is_refused_at_open() {
    let dir = TempDir::new().unwrap();
    drop(Store::open(dir.path(), KEY).unwrap());
    let err = Store::open(dir.path(), [7; 32]).unwrap_err();
    assert_eq!(err.code(), "wrong_key");
    assert!(Store::open(dir.path(), KEY).is_ok());
}

#[test]
fn index_must_match_the_zaak() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let err = store.append_changes("Z-1", b"x", &item("Z-2")).unwrap_err();
    assert_eq!(err.code(), "index_mismatch");
    assert_eq!(store.load_document("Z-1").unwrap(), None);
}

#[test]
fn a_zaak_received_whole_is_stored_with_its_sync_state() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    store
        .append_changes_with_sync_state("Z-1", b"doc", &item("Z-1"), "server", b"state")
        .unwrap();
    assert_eq!(
        store.load_document("Z-1").unwrap().as_deref(),
        Some(&b"doc"[..])
    );
    assert_eq!(
        store.load_sync_state("Z-1", "server").unwrap().as_deref(),
        Some(&b"state"[..])
    );
    // A mismatched index stores neither.
    let err = store
        .append_changes_with_sync_state("Z-2", b"doc", &item("Z-3"), "server", b"state")
        .unwrap_err();
    assert_eq!(err.code(), "index_mismatch");
    assert_eq!(store.load_document("Z-2").unwrap(), None);
    assert_eq!(store.load_sync_state("Z-2", "server").unwrap(), None);
}

#[test]
fn worklist_lists_index_rows_in_order() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let mut late = item("Z-late");
    late.deadline = NaiveDate::from_ymd_opt(2027, 1, 1);
    let mut none = item("Z-none");
    none.deadline = None;
    let mut closed = item("Z-closed");
    closed.closed = true;
    // A caller cannot claim an acknowledgement: the store maintains it.
    closed.acknowledged_at = Some(Utc::now());
    for it in [&closed, &none, &late, &item("Z-soon")] {
        store.append_changes(&it.zaak_id, b"chunk", it).unwrap();
    }
    let list = store.worklist().unwrap();
    assert!(list.damaged.is_empty());
    let ids: Vec<&str> = list.items.iter().map(|i| i.zaak_id.as_str()).collect();
    assert_eq!(ids, ["Z-soon", "Z-late", "Z-none", "Z-closed"]);
    assert_eq!(list.items[3].acknowledged_at, None);

    let mut updated = item("Z-soon");
    updated.unsynced_entries = 0;
    store.update_worklist_item(&updated).unwrap();
    assert_eq!(store.worklist_item("Z-soon").unwrap(), Some(updated));
    assert_eq!(
        store.update_worklist_item(&item("Z-x")).unwrap_err().code(),
        "zaak_unknown"
    );
}

#[test]
fn compaction_replaces_chunks_and_refuses_stale_snapshots() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let mut doc = record(&store, "Z-1", 5);
    let stale = doc.save();
    doc.put(ROOT, "entry5", "waarneming 5 in Z-1").unwrap();
    store
        .append_changes("Z-1", &doc.save_incremental(), &item("Z-1"))
        .unwrap();

    let err = store.compact("Z-1", &stale).unwrap_err();
    assert_eq!(err.code(), "snapshot_incomplete");
    assert_eq!(store.document_stats("Z-1").unwrap().unwrap().chunks, 6);

    store.compact("Z-1", &doc.save()).unwrap();
    let stats = store.document_stats("Z-1").unwrap().unwrap();
    assert_eq!((stats.chunks, stats.chunk_bytes), (0, 0));
    assert!(!store
        .needs_compaction("Z-1", &CompactionPolicy::default())
        .unwrap());

    doc.put(ROOT, "entry6", "waarneming 6 in Z-1").unwrap();
    store
        .append_changes("Z-1", &doc.save_incremental(), &item("Z-1"))
        .unwrap();
    let bytes = store.load_document("Z-1").unwrap().unwrap();
    assert_eq!(entry(&bytes, 0), "waarneming 0 in Z-1");
    assert_eq!(entry(&bytes, 6), "waarneming 6 in Z-1");
    assert_eq!(
        store.compact("Z-9", &doc.save()).unwrap_err().code(),
        "zaak_unknown"
    );
    assert!(store
        .needs_compaction(
            "Z-1",
            &CompactionPolicy {
                max_chunks: 1,
                min_chunk_bytes: 1
            }
        )
        .unwrap());
}

#[test]
fn sync_states_secrets_and_settings_round_trip() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    store.save_sync_state("Z-1", "server", b"state-1").unwrap();
    store.save_sync_state("Z-1", "server", b"state-2").unwrap();
    store.save_sync_state("Z-2", "server", b"other").unwrap();
    assert_eq!(
        store.load_sync_state("Z-1", "server").unwrap().as_deref(),
        Some(&b"state-2"[..])
    );
    assert_eq!(store.load_sync_state("Z-1", "peer").unwrap(), None);
    store.put_secret("device_signing_key", b"pkcs8").unwrap();
    assert_eq!(
        store.get_secret("device_signing_key").unwrap().as_deref(),
        Some(&b"pkcs8"[..])
    );
    assert_eq!(store.get_secret("none").unwrap(), None);
    store
        .put_setting("server_url", "https://example.org")
        .unwrap();
    assert_eq!(
        store.get_setting("server_url").unwrap().as_deref(),
        Some("https://example.org")
    );
}

#[test]
fn blobs_are_deduplicated_and_verified() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let a = store.put_blob("Z-1", b"foto van de keuken").unwrap();
    let b = store.put_blob("Z-2", b"foto van de keuken").unwrap();
    assert_eq!(a, b);
    assert_eq!(a, BlobRef::of(b"foto van de keuken"));
    let count: i64 = raw(dir.path())
        .query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(
        store.get_blob(&a).unwrap().as_deref(),
        Some(&b"foto van de keuken"[..])
    );
    assert_eq!(store.get_blob(&BlobRef::of(b"other")).unwrap(), None);
}

/// Every sealed column, damaged for zaak A, gives an error naming A (or the blob or secret),
/// while zaak B stays fully readable.
#[test]
fn damaged_values_in_every_column_are_detected_and_contained() {
    type Check = fn(&Store, &BlobRef);
    let cases: Vec<(&str, &str, &str, Check)> = vec![
        ("zaken", "sealed_id", "id = {A}", |s, _| {
            assert_corrupt(s.load_document("A").unwrap_err(), "A")
        }),
        ("zaken", "sealed_index", "id = {A}", |s, _| {
            assert_corrupt(s.load_document("A").unwrap_err(), "A");
            let list = s.worklist().unwrap();
            assert_eq!(list.items.len(), 1);
            assert_eq!(list.damaged.len(), 1);
            assert_corrupt(list.damaged.into_iter().next().unwrap(), "A");
        }),
        ("snapshots", "body", "zaak = {A}", |s, _| {
            assert_corrupt(s.load_document("A").unwrap_err(), "A")
        }),
        ("chunks", "body", "zaak = {A} AND seq = 3", |s, _| {
            assert_corrupt(s.load_document("A").unwrap_err(), "A")
        }),
        ("sync_states", "body", "zaak_key = {AKEY}", |s, _| {
            assert_corrupt(s.load_sync_state("A", "server").unwrap_err(), "A")
        }),
        ("blobs", "body", "1 = 1", |s, blob| {
            assert_eq!(s.get_blob(blob).unwrap_err().code(), "blob_corrupt")
        }),
        ("secrets", "body", "name = 'device_signing_key'", |s, _| {
            assert_eq!(
                s.get_secret("device_signing_key").unwrap_err().code(),
                "secret_corrupt"
            )
        }),
    ];
    for (table, column, where_sql, check) in cases {
        let dir = TempDir::new().unwrap();
        let store = Store::open(dir.path(), KEY).unwrap();
        let doc = record(&store, "A", 3);
        store.compact("A", &doc.clone().save()).unwrap();
        record(&store, "A", 5);
        record(&store, "B", 4);
        store.save_sync_state("A", "server", b"a").unwrap();
        store.save_sync_state("B", "server", b"b").unwrap();
        let blob = store.put_blob("A", b"foto").unwrap();
        store.put_secret("device_signing_key", b"pkcs8").unwrap();

        let conn = raw(dir.path());
        let a_row = zaak_row(&conn, &store, "A");
        let a_key = hex::encode(store.zaak_key("A"));
        let where_sql = where_sql
            .replace("{A}", &a_row.to_string())
            .replace("{AKEY}", &format!("x'{a_key}'"));
        flip_last_byte(&conn, table, column, &where_sql);

        check(&store, &blob);
        let b = store.load_document("B").unwrap().unwrap();
        assert_eq!(entry(&b, 3), "waarneming 3 in B", "{table}.{column}");
        assert_eq!(
            store.load_sync_state("B", "server").unwrap().as_deref(),
            Some(&b"b"[..])
        );
        assert!(store
            .worklist()
            .unwrap()
            .items
            .iter()
            .any(|i| i.zaak_id == "B"));
    }
}

#[test]
fn swapped_reordered_and_missing_rows_are_detected() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    for zaak in ["A", "B", "C", "D"] {
        record(&store, zaak, 3);
    }
    let conn = raw(dir.path());
    let row = |z| zaak_row(&conn, &store, z);
    let (a, b, c, d) = (row("A"), row("B"), row("C"), row("D"));

    // Chunk 0 of A and B swapped between the documents.
    conn.execute_batch(&format!(
        "UPDATE chunks SET zaak = -1 WHERE zaak = {a} AND seq = 0;
         UPDATE chunks SET zaak = {a} WHERE zaak = {b} AND seq = 0;
         UPDATE chunks SET zaak = {b} WHERE zaak = -1;"
    ))
    .unwrap();
    assert_corrupt(store.load_document("A").unwrap_err(), "A");
    assert_corrupt(store.load_document("B").unwrap_err(), "B");

    // Chunks 0 and 1 of C in the wrong order.
    conn.execute_batch(&format!(
        "UPDATE chunks SET seq = -1 WHERE zaak = {c} AND seq = 0;
         UPDATE chunks SET seq = 0 WHERE zaak = {c} AND seq = 1;
         UPDATE chunks SET seq = 1 WHERE zaak = {c} AND seq = -1;"
    ))
    .unwrap();
    assert_corrupt(store.load_document("C").unwrap_err(), "C");

    // The last chunk of D deleted.
    conn.execute(
        &format!("DELETE FROM chunks WHERE zaak = {d} AND seq = 2"),
        [],
    )
    .unwrap();
    assert_corrupt(store.load_document("D").unwrap_err(), "D");

    // Index rows of two zaken swapped.
    record(&store, "E", 1);
    record(&store, "F", 1);
    let (e, f) = (row("E"), row("F"));
    conn.execute_batch(&format!(
        "UPDATE zaken SET sealed_index = (SELECT sealed_index FROM zaken WHERE id = {f}),
                          sealed_id = (SELECT sealed_id FROM zaken WHERE id = {f})
         WHERE id = {e};"
    ))
    .unwrap();
    assert_corrupt(store.load_document("E").unwrap_err(), "E");
    assert_eq!(
        entry(&store.load_document("F").unwrap().unwrap(), 0),
        "waarneming 0 in F"
    );
    let list = store.worklist().unwrap();
    assert_eq!(list.damaged.len(), 1);
    assert_eq!(list.damaged[0].code(), "document_corrupt");
}

#[test]
fn a_document_sealed_under_another_key_is_refused() {
    let dir_a = TempDir::new().unwrap();
    let dir_b = TempDir::new().unwrap();
    let a = Store::open(dir_a.path(), KEY).unwrap();
    let b = Store::open(dir_b.path(), [9; 32]).unwrap();
    record(&a, "Z", 2);
    record(&b, "Z", 2);
    // Copy B's chunk over A's: same zaak id, other key.
    let chunk: Vec<u8> = raw(dir_b.path())
        .query_row("SELECT body FROM chunks WHERE seq = 1", [], |r| r.get(0))
        .unwrap();
    raw(dir_a.path())
        .execute("UPDATE chunks SET body = ?1 WHERE seq = 1", params![chunk])
        .unwrap();
    assert_corrupt(a.load_document("Z").unwrap_err(), "Z");
}

#[test]
fn truncated_database_gives_a_clear_error() {
    for keep in [50u64, 4096, 3 * 4096] {
        let dir = TempDir::new().unwrap();
        {
            let store = Store::open(dir.path(), KEY).unwrap();
            for z in 0..20 {
                record(&store, &format!("Z-{z}"), 5);
            }
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join(DB_FILE))
            .unwrap();
        file.set_len(keep).unwrap();
        drop(file);
        let outcome = Store::open(dir.path(), KEY).and_then(|s| {
            s.worklist()?;
            for z in 0..20 {
                s.load_document(&format!("Z-{z}"))?;
            }
            Ok(())
        });
        let err = outcome.expect_err("a truncated database cannot be read whole");
        assert!(
            matches!(err.code(), "database_corrupt" | "document_corrupt"),
            "kept {keep} bytes: {err:?}"
        );
    }
}

/// Nothing written in a document, an index row, a blob, a sync state, a secret or a zaak id
/// appears in plaintext in any database file.
#[test]
fn no_plaintext_in_the_database_files() {
    const MARKER: &str = "MARKER-Jansen-Dorpsstraat-12";
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let zaak = format!("zaak-{MARKER}");
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "waarneming", MARKER).unwrap();
    let mut it = item(&zaak);
    it.label = MARKER.into();
    it.next_step = MARKER.into();
    store
        .append_changes(&zaak, &doc.save_incremental(), &it)
        .unwrap();
    store.put_blob(&zaak, MARKER.as_bytes()).unwrap();
    store
        .save_sync_state(&zaak, MARKER, MARKER.as_bytes())
        .unwrap();
    store
        .put_secret("device_signing_key", MARKER.as_bytes())
        .unwrap();

    let grep = |when: &str| {
        let mut seen = 0;
        for suffix in ["", "-wal", "-shm"] {
            let path = dir.path().join(format!("{DB_FILE}{suffix}"));
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            seen += 1;
            let found = bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes());
            assert!(!found, "marker in plaintext in {suffix:?} ({when})");
        }
        seen
    };
    assert!(grep("open") >= 2, "database and WAL must both be checked");
    drop(store);
    assert!(grep("closed") >= 1);
}

/// The first shipped schema, frozen: never edit it.
const FROZEN_V1: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE zaken (
    id INTEGER PRIMARY KEY,
    zaak_key BLOB NOT NULL UNIQUE,
    sealed_id BLOB NOT NULL,
    sealed_index BLOB NOT NULL
);
CREATE TABLE snapshots (
    zaak INTEGER PRIMARY KEY REFERENCES zaken(id) ON DELETE CASCADE,
    body BLOB NOT NULL
);
CREATE TABLE chunks (
    zaak INTEGER NOT NULL REFERENCES zaken(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (zaak, seq)
);
CREATE TABLE sync_states (
    zaak_key BLOB NOT NULL,
    peer_key BLOB NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (zaak_key, peer_key)
);
CREATE TABLE secrets (name TEXT PRIMARY KEY, body BLOB NOT NULL);
PRAGMA user_version = 1;
";

fn schema_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn a_version_1_store_migrates_and_keeps_its_data() {
    let dir = TempDir::new().unwrap();
    let keys = StoreKeys::derive(&KEY).unwrap();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "entry0", "uit versie 1").unwrap();
    {
        let mut conn = raw(dir.path());
        conn.execute_batch(FROZEN_V1).unwrap();
        let tx = conn.transaction().unwrap();
        write_key_check(&tx, &keys).unwrap();
        let zaak_key = keys.row_key(ZAAK, b"Z-1");
        append_changes_tx(
            &tx,
            &keys,
            "Z-1",
            &zaak_key,
            &doc.save_incremental(),
            &item("Z-1"),
        )
        .unwrap();
        tx.commit().unwrap();
    }
    // A wrong key is refused before anything is migrated.
    assert_eq!(
        Store::open(dir.path(), [7; 32]).unwrap_err().code(),
        "wrong_key"
    );
    let version: u32 = raw(dir.path())
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let store = Store::open(dir.path(), KEY).unwrap();
    let bytes = store.load_document("Z-1").unwrap().unwrap();
    assert_eq!(entry(&bytes, 0), "uit versie 1");
    store.put_blob("Z-1", b"foto").unwrap();
    drop(store);

    let fresh = TempDir::new().unwrap();
    drop(Store::open(fresh.path(), KEY).unwrap());
    let migrated = raw(dir.path());
    let version: u32 = migrated
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::VERSION);
    assert_eq!(schema_of(&migrated), schema_of(&raw(fresh.path())));
}

/// A shipped migration is never edited: the first one is still the frozen first schema.
#[test]
fn the_first_migration_is_the_frozen_first_schema() {
    let frozen = FROZEN_V1.replace("PRAGMA user_version = 1;", "");
    assert_eq!(schema::MIGRATIONS[0].trim(), frozen.trim());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = TempDir::new().unwrap();
    drop(Store::open(dir.path(), KEY).unwrap());
    raw(dir.path())
        .execute_batch(&format!("PRAGMA user_version = {}", schema::VERSION + 1))
        .unwrap();
    assert_eq!(
        Store::open(dir.path(), KEY).unwrap_err().code(),
        "schema_too_new"
    );
}

#[test]
fn purge_deletes_only_closed_acknowledged_zaken_past_retention() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let day = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    for zaak in ["done", "open", "recent", "unacked"] {
        let mut it = item(zaak);
        it.closed = zaak != "open";
        store.append_changes(zaak, b"chunk", &it).unwrap();
        store.save_sync_state(zaak, "server", b"s").unwrap();
    }
    let shared = store.put_blob("done", b"gedeelde foto").unwrap();
    store.put_blob("open", b"gedeelde foto").unwrap();
    let own = store.put_blob("done", b"eigen foto").unwrap();
    store.mark_acknowledged("done", day(1)).unwrap();
    store.mark_acknowledged("open", day(1)).unwrap();
    store.mark_acknowledged("recent", day(20)).unwrap();
    assert_eq!(
        store.mark_acknowledged("none", day(1)).unwrap_err().code(),
        "zaak_unknown"
    );

    let purged = store
        .purge_acknowledged(Duration::days(14), day(22))
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(store.load_document("done").unwrap(), None);
    assert_eq!(store.load_sync_state("done", "server").unwrap(), None);
    assert_eq!(store.get_blob(&own).unwrap(), None);
    assert!(store.get_blob(&shared).unwrap().is_some());
    for kept in ["open", "recent", "unacked"] {
        assert!(store.load_document(kept).unwrap().is_some(), "{kept}");
    }
    // New changes after an acknowledgement make the zaak unacknowledged again.
    let mut it = item("recent");
    it.closed = true;
    store.append_changes("recent", b"more", &it).unwrap();
    assert_eq!(
        store
            .purge_acknowledged(Duration::days(0), day(30))
            .unwrap(),
        0
    );
    assert_eq!(store.worklist().unwrap().items.len(), 3);
}

/// Issue 14 item 1: a photo is evidence too. A closed, acknowledged zaak with a recorded photo
/// the server has not confirmed stays until it has; a photo put but never recorded does not
/// hold the zaak back.
#[test]
fn purge_waits_until_every_recorded_photo_is_uploaded() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    let day = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    let mut it = item("Z-1");
    it.closed = true;
    let recorded = store.put_blob("Z-1", b"foto in een waarneming").unwrap();
    let loose = store.put_blob("Z-1", b"foto nooit vastgelegd").unwrap();
    assert_eq!(
        store.upload_state("Z-1", &recorded).unwrap(),
        Some(UploadState::NotReferenced)
    );
    store
        .append_changes_with_photo("Z-1", b"chunk", &it, &recorded)
        .unwrap();
    assert_eq!(
        store.upload_state("Z-1", &recorded).unwrap(),
        Some(UploadState::Pending)
    );
    assert_eq!(store.upload_state("Z-2", &recorded).unwrap(), None);
    store.mark_acknowledged("Z-1", day(1)).unwrap();

    assert_eq!(
        store
            .purge_acknowledged(Duration::days(0), day(22))
            .unwrap(),
        0
    );
    assert!(store.load_document("Z-1").unwrap().is_some());
    assert!(store.get_blob(&recorded).unwrap().is_some());

    store.mark_uploaded("Z-1", &recorded).unwrap();
    assert_eq!(
        store.upload_state("Z-1", &recorded).unwrap(),
        Some(UploadState::Uploaded)
    );
    // Recording the same photo again does not make it pending again.
    store
        .append_changes_with_photo("Z-1", b"more", &it, &recorded)
        .unwrap();
    assert_eq!(
        store.upload_state("Z-1", &recorded).unwrap(),
        Some(UploadState::Uploaded)
    );
    store.mark_acknowledged("Z-1", day(2)).unwrap();
    assert_eq!(
        store
            .purge_acknowledged(Duration::days(0), day(22))
            .unwrap(),
        1
    );
    assert_eq!(store.get_blob(&recorded).unwrap(), None);
    assert_eq!(store.get_blob(&loose).unwrap(), None);
}

#[test]
fn wipe_removes_everything() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path(), KEY).unwrap();
    record(&store, "Z-1", 2);
    store.put_secret("device_signing_key", b"pkcs8").unwrap();
    store.wipe().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "files left after wipe: {left:?}");
    // A new store can be made in its place, with a new key.
    let store = Store::open(dir.path(), [1; 32]).unwrap();
    assert_eq!(store.load_document("Z-1").unwrap(), None);
    assert_eq!(store.get_secret("device_signing_key").unwrap(), None);
}

#[test]
fn errors_carry_codes_and_dutch_messages() {
    let notice = StoreError::UnknownZaak {
        zaak_id: "Z-1".into(),
    }
    .notice();
    assert_eq!(notice.code, "zaak_unknown");
    assert!(notice.message.contains("Z-1"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random bytes in any sealed column, or validly sealed garbage in the index, never panic:
    /// they give a coded error for that zaak and leave the other zaak readable.
    #[test]
    fn random_column_contents_never_panic(
        target in 0usize..5,
        bytes in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let dir = TempDir::new().unwrap();
        let store = Store::open(dir.path(), KEY).unwrap();
        record(&store, "A", 2);
        record(&store, "B", 2);
        let conn = raw(dir.path());
        let a = zaak_row(&conn, &store, "A");
        let a_key = store.zaak_key("A");
        let value = if target == 4 {
            store.keys.seal(&place::index(&a_key), &bytes).unwrap()
        } else {
            bytes.clone()
        };
        let sql = match target {
            0 => "UPDATE zaken SET sealed_id = ?1 WHERE id = ?2",
            1 | 4 => "UPDATE zaken SET sealed_index = ?1 WHERE id = ?2",
            2 => "UPDATE chunks SET body = ?1 WHERE zaak = ?2 AND seq = 1",
            _ => "INSERT OR REPLACE INTO snapshots (zaak, body) VALUES (?2, ?1)",
        };
        conn.execute(sql, params![value, a]).unwrap();
        match store.load_document("A") {
            Err(e) => prop_assert_eq!(e.code(), "document_corrupt"),
            // Only an unused snapshot row (A was never compacted) leaves A readable.
            Ok(doc) => prop_assert!(target == 3 && doc.is_some()),
        }
        let list = store.worklist().unwrap();
        prop_assert!(list.items.iter().any(|i| i.zaak_id == "B"));
        prop_assert!(store.load_document("B").unwrap().is_some());
    }
}
