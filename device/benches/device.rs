//! Device benchmarks (issue 3): recording one waarneming end to end (protocol check, routekaart
//! evaluation, sign, chain, Automerge change, encrypt, durable commit) against a bare durable
//! SQLite commit measured interleaved in the same run; opening a device with 1,000 zaken of 20
//! entries and listing its worklist; bytes on disk per entry against the entry as JSON.
//!
//! Run with `cargo bench -p veldwerk-device --bench device`. `DEVICE_BENCH_RECORDS` and
//! `DEVICE_BENCH_ZAKEN` override the sizes.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::zaak::{test_support, PolicyContext, ZaakDocument};
use veldwerk_device::store::DB_FILE;
use veldwerk_device::Device;
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code, Decision, PlannedAction};

const KEY: [u8; 32] = [42; 32];
/// Zaken the recording benchmark spreads its entries over (a visit holds ~40 entries at most).
const RECORD_ZAKEN: usize = 50;
const ENTRIES_PER_ZAAK: usize = 20;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + chrono::Duration::seconds(seconds)
}

fn planned() -> PlannedAction {
    PlannedAction {
        actie: Actie::Huisbezoek,
        handhavers: Some(2),
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    }
}

fn steps_to_binnen() -> Vec<Event> {
    test_support::steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])
}

/// A typical waarneming: a room and two sentences of factual text.
fn waarneming(n: usize) -> Event {
    Event::Waarneming {
        ruimte: format!("slaapkamer {}", n % 4),
        tekst: format!(
            "Waarneming {n}: in de badkamer staan twee tandenborstels; in de kast hangt \
             herenkleding in maat XL."
        ),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

fn conditions(device: &mut Device, zaak: &str, visit: &str, event: &Event) -> Vec<String> {
    match device.decision_for(zaak, visit, event) {
        Ok(Some(Decision::Allowed { conditions, .. })) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    }
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
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(name: &str, samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let (p50, p90, p99) = (
        percentile(samples, 0.5),
        percentile(samples, 0.9),
        percentile(samples, 0.99),
    );
    println!(
        "{name:<34} n={:<6} p50 {:>7.3} ms  p90 {:>7.3} ms  p99 {:>7.3} ms",
        samples.len(),
        ms(p50),
        ms(p90),
        ms(p99)
    );
    (p50, p99)
}

fn files_size(dir: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(dir.join(format!("{DB_FILE}{s}"))).ok())
        .map(|m| m.len())
        .sum()
}

fn bench_record(records: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = Device::open(&dir.path().join("device"), KEY).expect("open device");
    let mut visits = Vec::new();
    for z in 0..RECORD_ZAKEN {
        let zaak = format!("Z-{z:04}");
        device
            .create_zaak(&test_support::summary_for(&zaak), at(0))
            .expect("zaak");
        let visit = device
            .start_visit(&zaak, Actie::Huisbezoek, planned(), at(1))
            .expect("visit");
        for (i, event) in steps_to_binnen().into_iter().enumerate() {
            let confirmed = conditions(&mut device, &zaak, &visit, &event);
            device
                .record(&zaak, &visit, event, confirmed, at(2 + i as i64))
                .expect("setup step");
        }
        visits.push((zaak, visit));
    }
    let (zaak0, visit0) = &visits[0];
    let confirmed = conditions(&mut device, zaak0, visit0, &waarneming(0));
    let mut floor = floor_connection(dir.path());
    let body = vec![0xa5u8; 1024];

    let (mut record_samples, mut floor_samples) = (Vec::new(), Vec::new());
    let mut json_bytes = 0usize;
    for n in 0..records {
        let (zaak, visit) = &visits[n % visits.len()];
        let event = waarneming(n);
        let confirmed = confirmed.clone();
        // Alternate the order so drift in machine load hits both alike.
        let mut timed_record = || {
            let start = Instant::now();
            let entry = device
                .record(
                    zaak,
                    visit,
                    event.clone(),
                    confirmed.clone(),
                    at(100 + n as i64),
                )
                .expect("record");
            record_samples.push(start.elapsed());
            json_bytes += serde_json::to_vec(&entry).map_or(0, |j| j.len());
        };
        if n % 2 == 0 {
            timed_record();
            let start = Instant::now();
            floor_commit(&mut floor, &body);
            floor_samples.push(start.elapsed());
        } else {
            let start = Instant::now();
            floor_commit(&mut floor, &body);
            floor_samples.push(start.elapsed());
            timed_record();
        }
    }
    println!("# record one waarneming ({RECORD_ZAKEN} zaken, round robin)");
    let (r50, r99) = report("record waarneming (end to end)", &mut record_samples);
    let (f50, f99) = report("bare durable SQLite commit", &mut floor_samples);
    println!(
        "ratio to the floor: p50 {:.2}x  p99 {:.2}x",
        r50.as_secs_f64() / f50.as_secs_f64().max(1e-9),
        r99.as_secs_f64() / f99.as_secs_f64().max(1e-9)
    );
    drop(device);
    let entries = records + RECORD_ZAKEN * steps_to_binnen().len();
    let on_disk = files_size(&dir.path().join("device")) as f64 / entries as f64;
    let json = json_bytes as f64 / records.max(1) as f64;
    println!(
        "bytes on disk per entry as recorded (chunks + snapshots, whole store / entries): \
         {on_disk:.0}; waarneming as JSON: {json:.0}; ratio {:.2}x",
        on_disk / json
    );
}

/// Builds a device with `zaken` zaken of one visit with `ENTRIES_PER_ZAAK` entries each, the
/// documents made in memory and added like a sync would (one durable commit per zaak).
/// Returns the entries' average JSON size.
fn build_full_device(dir: &Path, zaken: usize) -> f64 {
    let mut device = Device::open(dir, KEY).expect("open device");
    let pkcs8 = DeviceKey::generate_pkcs8().expect("key");
    let signer = Signer {
        device_id: "dev-bench".into(),
        key: DeviceKey::from_pkcs8(&pkcs8).expect("key"),
    };
    let context = PolicyContext {
        actie: Actie::Huisbezoek,
        allowed: true,
        confirmed_conditions: vec!["afstand_1_5_meter".into()],
        policy_version: 3,
        code: Code::Geel,
        policy_synced_at: Some(at(0)),
    };
    let (mut json_bytes, mut entries) = (0usize, 0usize);
    for z in 0..zaken {
        let mut doc =
            ZaakDocument::new(&test_support::summary_for(&format!("Z-{z:05}"))).expect("doc");
        let visit = doc
            .start_visit(Actie::Huisbezoek, &signer, at(1))
            .expect("visit");
        let events = steps_to_binnen()
            .into_iter()
            .chain((0..).map(waarneming))
            .take(ENTRIES_PER_ZAAK);
        for (i, event) in events.enumerate() {
            let entry = doc
                .append_entry(&visit, &event, &context, &signer, at(2 + i as i64))
                .expect("entry");
            json_bytes += serde_json::to_vec(&entry).map_or(0, |j| j.len());
            entries += 1;
        }
        device
            .add_zaak_document(&doc.save(), at(100))
            .expect("add zaak");
    }
    json_bytes as f64 / entries.max(1) as f64
}

fn bench_worklist(zaken: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    let json_per_entry = build_full_device(dir.path(), zaken);
    println!(
        "# worklist: {zaken} zaken x {ENTRIES_PER_ZAAK} entries (built in {:.1} s)",
        start.elapsed().as_secs_f64()
    );
    let mut samples = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let device = Device::open(dir.path(), KEY).expect("open");
        let list = device.worklist().expect("worklist");
        samples.push(start.elapsed());
        assert_eq!(list.items.len(), zaken);
        assert!(list.damaged.is_empty());
    }
    report("open device + list worklist", &mut samples);

    // Closed, so SQLite has checkpointed the WAL into the database file.
    let entries = (zaken * ENTRIES_PER_ZAAK) as f64;
    let on_disk = files_size(dir.path()) as f64 / entries;
    println!(
        "bytes on disk per entry as synced: {on_disk:.0} (whole store / entries); as JSON: \
         {json_per_entry:.0}; ratio {:.2}x",
        on_disk / json_per_entry
    );
}

fn main() {
    // `cargo test --benches` passes `--bench`-less flags; run small sizes then.
    let quick = std::env::args().any(|a| a == "--test");
    let records = env_or("DEVICE_BENCH_RECORDS", if quick { 20 } else { 2000 });
    let zaken = env_or("DEVICE_BENCH_ZAKEN", if quick { 10 } else { 1000 });
    bench_record(records);
    bench_worklist(zaken);
}
