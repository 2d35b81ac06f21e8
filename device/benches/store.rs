//! Device store benchmarks: durable append against a bare durable SQLite commit (the floor),
//! opening a full store and listing its worklist, and bytes on disk per stored chunk.
//!
//! Run with `cargo bench -p veldwerk-device --bench store`. Prints p50 and p99 per measurement;
//! the floor and the append are measured interleaved in the same run so load on the machine
//! affects both alike. `STORE_BENCH_ITERS` and `STORE_BENCH_ZAKEN` override the sizes.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use veldwerk_device::store::{Store, WorklistItem, DB_FILE};

const KEY: [u8; 32] = [42; 32];
const CHUNK_BYTES: usize = 1024;
const CHUNKS_PER_ZAAK: usize = 20;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn item(zaak_id: &str, n: usize) -> WorklistItem {
    WorklistItem {
        zaak_id: zaak_id.to_owned(),
        label: format!("Huisbezoek {zaak_id}"),
        status: "huisbezoek_bezig".into(),
        next_step: "waarneming_vastleggen".into(),
        deadline: NaiveDate::from_ymd_opt(2026, 12, 1),
        unsynced_entries: n as u32,
        closed: false,
        acknowledged_at: None,
        updated_at: Utc
            .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
            .single()
            .unwrap_or_default(),
    }
}

/// Pseudo-random, incompressible bytes (what sealed Automerge chunks look like to SQLite).
fn chunk(seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..CHUNK_BYTES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The floor: one 1 KB row in one durable transaction, with the store's settings.
fn floor_connection(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join("floor.sqlite3")).expect("open floor database");
    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        .expect("WAL");
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA fullfsync = ON; PRAGMA checkpoint_fullfsync = ON;
         PRAGMA secure_delete = ON;
         CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);",
    )
    .expect("floor schema");
    conn
}

fn floor_commit(conn: &mut Connection, body: &[u8]) {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("begin");
    tx.execute("INSERT INTO t (body) VALUES (?1)", params![body])
        .expect("insert");
    tx.commit().expect("commit");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (p50, p90, p99) = (
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99),
    );
    println!(
        "{name:<40} n={:<6} p50={:>8.3} ms  p90={:>8.3} ms  p99={:>8.3} ms",
        samples.len(),
        p50.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    (p50, p99)
}

fn durable_append(iters: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut floor = floor_connection(dir.path());
    let store = Store::open(&dir.path().join("store"), KEY).expect("open store");
    let zaken: Vec<String> = (0..50).map(|i| format!("ZAAK-2026-{i:05}")).collect();
    let (mut floor_t, mut append_t) = (Vec::new(), Vec::new());
    for i in 0..iters + 50 {
        let body = chunk(i as u64);
        let zaak = &zaken[i % zaken.len()];
        let mut floor_once = || {
            let t = Instant::now();
            floor_commit(&mut floor, &body);
            t.elapsed()
        };
        let append_once = || {
            let t = Instant::now();
            store
                .append_changes(zaak, &body, &item(zaak, i))
                .expect("append");
            t.elapsed()
        };
        // Alternate which goes first, so neither always follows the other's fsync.
        let (floor_d, append_d) = if i % 2 == 0 {
            let f = floor_once();
            (f, append_once())
        } else {
            let a = append_once();
            (floor_once(), a)
        };
        if i >= 50 {
            floor_t.push(floor_d);
            append_t.push(append_d);
        }
    }
    let (f50, f99) = report("floor: bare durable SQLite commit (1 KB)", floor_t);
    let (a50, a99) = report("append_changes (1 KB chunk + index)", append_t);
    println!(
        "{:<40} p50 x{:.2}  p99 x{:.2}",
        "ratio append / floor",
        a50.as_secs_f64() / f50.as_secs_f64(),
        a99.as_secs_f64() / f99.as_secs_f64()
    );
}

fn open_and_list(zaken: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    {
        let store = Store::open(&path, KEY).expect("open store");
        let t = Instant::now();
        for z in 0..zaken {
            let zaak = format!("ZAAK-2026-{z:05}");
            for c in 0..CHUNKS_PER_ZAAK {
                store
                    .append_changes(&zaak, &chunk((z * 100 + c) as u64), &item(&zaak, c))
                    .expect("append");
            }
        }
        println!(
            "filled {zaken} zaken x {CHUNKS_PER_ZAAK} chunks in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(path.join(DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    let chunks = (zaken * CHUNKS_PER_ZAAK) as f64;
    println!(
        "{:<40} {:.0} bytes per {CHUNK_BYTES}-byte chunk (x{:.2}; database {:.1} MB)",
        "bytes on disk",
        size as f64 / chunks,
        size as f64 / chunks / CHUNK_BYTES as f64,
        size as f64 / 1e6
    );
    let mut samples = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let store = Store::open(&path, KEY).expect("open store");
        let list = store.worklist().expect("worklist");
        samples.push(t.elapsed());
        assert_eq!(list.items.len(), zaken);
        drop(store);
    }
    report(&format!("open + worklist ({zaken} zaken)"), samples);
    let store = Store::open(&path, KEY).expect("open store");
    let mut samples = Vec::new();
    for z in 0..runs.max(50) {
        let zaak = format!("ZAAK-2026-{:05}", z % zaken);
        let t = Instant::now();
        let doc = store.load_document(&zaak).expect("load");
        samples.push(t.elapsed());
        assert!(doc.is_some());
    }
    report("load_document (20 chunks)", samples);
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: keep that run short.
    let quick = !std::env::args().any(|a| a == "--bench");
    let iters = env_or("STORE_BENCH_ITERS", if quick { 20 } else { 2000 });
    let zaken = env_or("STORE_BENCH_ZAKEN", if quick { 10 } else { 1000 });
    durable_append(iters);
    open_and_list(zaken, if quick { 3 } else { 30 });
}
