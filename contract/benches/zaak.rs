//! Benchmarks of the zaak document: recording one entry (sign, chain, Automerge change,
//! incremental save) and the bytes an entry adds to an incremental save compared with its JSON.
//!
//! Run: `cargo bench -p veldwerk-contract --bench zaak`. Besides criterion's estimates it prints
//! p50/p99 over 2,000 runs of a first append after loading (it scans the visit for the device's
//! last entry) and of a next append on the same document, and the byte ratio.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, BatchSize, Criterion};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::zaak::{Address, PolicyContext, ZaakDocument, ZaakSummary};
use veldwerk_rules::protocol::melding::Werkproces;
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code};

/// Entries already in the visit when one more is recorded (a typical visit has about 20).
const PRIOR: usize = 10;

fn event(n: usize) -> Event {
    Event::Waarneming {
        ruimte: "slaapkamer 2".into(),
        tekst: format!("Waarneming {n}: in de kast hangen herenkleding en werkschoenen maat 44."),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

fn policy() -> PolicyContext {
    PolicyContext {
        actie: Actie::Huisbezoek,
        allowed: true,
        confirmed_conditions: vec!["afstand_1_5_meter".into(), "mondkapje".into()],
        policy_version: 7,
        code: Code::Oranje,
        policy_synced_at: Some(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()),
    }
}

fn setup() -> (Vec<u8>, String, Signer) {
    let key = DeviceKey::generate_pkcs8().and_then(|p| DeviceKey::from_pkcs8(&p));
    let signer = Signer {
        device_id: "dev-bench".into(),
        key: key.unwrap_or_else(|e| panic!("{e}")),
    };
    let summary = ZaakSummary {
        zaak_id: "Z-2026-0142".into(),
        label: "2026-0142 samenwoning".into(),
        address: Address {
            street: "Wijk 1".into(),
            house_number: "12A".into(),
            postcode: "8321 AA".into(),
            city: "Urk".into(),
        },
        werkproces: Werkproces::H2,
        motivatie: "Twee auto's op naam van een ander staan sinds maart op het adres.".into(),
        deadline: None,
        handhavers: BTreeSet::from(["hh-1".to_owned()]),
    };
    let mut doc = ZaakDocument::new(&summary).unwrap_or_else(|e| panic!("{e}"));
    let now = Utc::now();
    let visit = doc
        .start_visit(Actie::Huisbezoek, &signer, now)
        .unwrap_or_else(|e| panic!("{e}"));
    for n in 0..PRIOR {
        doc.append_entry(&visit, &event(n), &policy(), &signer, now)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    (doc.save(), visit, signer)
}

fn append_one(doc: &mut ZaakDocument, visit: &str, signer: &Signer) -> usize {
    let entry = doc
        .append_entry(visit, &event(PRIOR), &policy(), signer, Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    black_box(entry);
    doc.save_incremental().len()
}

fn bench_append(c: &mut Criterion) {
    let (bytes, visit, signer) = setup();
    c.bench_function("append_entry_and_save_incremental", |b| {
        b.iter_batched(
            || ZaakDocument::load(&bytes).unwrap_or_else(|e| panic!("{e}")),
            |mut doc| append_one(&mut doc, &visit, &signer),
            BatchSize::SmallInput,
        )
    });
}

fn percentiles_and_bytes() {
    let (bytes, visit, signer) = setup();
    const RUNS: usize = 2000;
    let mut cold: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut warm: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut change: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut save: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut incremental = 0;
    for _ in 0..RUNS {
        let mut doc = ZaakDocument::load(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let start = Instant::now();
        incremental = append_one(&mut doc, &visit, &signer);
        cold.push(start.elapsed());

        let start = Instant::now();
        let entry = doc
            .append_entry(&visit, &event(PRIOR + 1), &policy(), &signer, Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        black_box(entry);
        let appended = Instant::now();
        black_box(doc.save_incremental());
        let end = Instant::now();
        warm.push(end - start);
        change.push(appended - start);
        save.push(end - appended);
    }
    for (name, samples) in [
        (
            "first append after load (scans the visit) + save_incremental",
            &mut cold,
        ),
        ("next append (same document) + save_incremental", &mut warm),
        ("  of which append_entry", &mut change),
        ("  of which save_incremental", &mut save),
    ] {
        samples.sort();
        let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
        println!(
            "{name}, {RUNS} runs, {PRIOR} prior entries: p50 {:?}, p99 {:?}",
            p(0.50),
            p(0.99)
        );
    }

    let mut doc = ZaakDocument::load(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let entry = doc
        .append_entry(&visit, &event(PRIOR), &policy(), &signer, Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_vec(&entry).map(|v| v.len()).unwrap_or(0);
    println!(
        "one entry: {incremental} bytes in the incremental save, {json} bytes as JSON: ratio {:.2}",
        incremental as f64 / json as f64
    );
}

criterion_group!(benches, bench_append);

fn main() {
    benches();
    percentiles_and_bytes();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
