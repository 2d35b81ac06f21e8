//! The Rust side of the FFI overhead figure: the facade's `record` of one waarneming and its
//! `check_action`, called from Rust exactly as the Kotlin bindings test calls them through the
//! FFI (android/bindings-test/Main.kt prints the Kotlin medians). The core's `Device::record`
//! is measured beside them, so the facade's own translation cost shows too.
//!
//! Run with `cargo bench -p veldwerk-mobile --bench record`. First it repeats the Kotlin test's
//! own procedure call for call and prints its medians in the same format
//! (`bench rust record_waarneming median_us=...`), so the two lines compare directly; then
//! criterion measures the same calls. Like the Kotlin side, a visit is started afresh every
//! `PER_VISIT` waarnemingen so both measure visits of the same size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use veldwerk_device::Device;
use veldwerk_mobile::{Actie, ActionParams, Stap, Veldwerk};
use veldwerk_rules::protocol::Event;

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use fixtures::{entry_steps, waarneming};

const KEY: [u8; 32] = [7; 32];
const ZAAK: &str = "Z-BENCH-1";
const HANDHAVER: &str = "hh-1";
/// Waarnemingen per visit: the Kotlin side records 330 in one visit.
const PER_VISIT: u64 = 330;

fn confirmed(vw: &Veldwerk, visit: &str, stap: &Stap) -> Vec<String> {
    fixtures::conditions(vw, ZAAK, visit, stap).unwrap_or_default()
}

/// Starts a `huisbezoek_app` visit and records it up to inside the dwelling.
fn enter(vw: &Veldwerk) -> String {
    let visit = vw
        .start_visit(ZAAK.into(), Actie::HuisbezoekApp, one_handhaver())
        .expect("start visit");
    for stap in entry_steps(HANDHAVER) {
        let c = confirmed(vw, &visit, &stap);
        vw.record(ZAAK.into(), visit.clone(), stap, c)
            .expect("record step");
    }
    visit
}

fn median_us(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_nanos() as f64 / 1000.0
}

/// The Kotlin bindings test's procedure, call for call: a fresh visit entered with consent,
/// 2000 `check_step`s of the waarneming (the JVM's warm-up), 30 waarnemingen recorded to warm
/// up and 300 timed; `check_action` 5000 times, the first 3000 dropped.
fn as_in_kotlin(vw: &Veldwerk) {
    let stap = waarneming();
    let visit = enter(vw);
    let conditions = confirmed(vw, &visit, &stap);
    for _ in 0..2000 {
        black_box(confirmed(vw, &visit, &stap));
    }
    let record = || {
        let t0 = Instant::now();
        let r = vw.record(ZAAK.into(), visit.clone(), stap.clone(), conditions.clone());
        let elapsed = t0.elapsed();
        black_box(r.expect("record"));
        elapsed
    };
    for _ in 0..30 {
        record();
    }
    let records: Vec<Duration> = (0..300).map(|_| record()).collect();
    let checks: Vec<Duration> = (0..5000)
        .map(|_| {
            let t0 = Instant::now();
            black_box(vw.check_action(Actie::HuisbezoekApp, one_handhaver()))
                .expect("check action");
            t0.elapsed()
        })
        .skip(3000)
        .collect();
    println!(
        "bench rust record_waarneming median_us={} n=300",
        median_us(records)
    );
    println!(
        "bench rust check_action median_us={} n=2000",
        median_us(checks)
    );
}

fn one_handhaver() -> ActionParams {
    ActionParams {
        handhavers: Some(1),
        ..ActionParams::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let mut device = Device::open(dir.path(), KEY).expect("open device");
        device
            .create_zaak(
                &fixtures::summary(ZAAK, NaiveDate::from_ymd_opt(2026, 12, 7), HANDHAVER),
                Utc::now(),
            )
            .expect("zaak");
    }
    let vw = Veldwerk::open(dir.path().display().to_string(), KEY.to_vec()).expect("open");
    as_in_kotlin(&vw);
    let stap = waarneming();

    let mut group = c.benchmark_group("bench rust");
    group.bench_function("record_waarneming (facade, as Kotlin calls it)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut visit = enter(&vw);
            let conditions = confirmed(&vw, &visit, &stap);
            for i in 0..iters {
                if i > 0 && i % PER_VISIT == 0 {
                    visit = enter(&vw);
                }
                let t0 = Instant::now();
                let r = vw.record(ZAAK.into(), visit.clone(), stap.clone(), conditions.clone());
                total += t0.elapsed();
                black_box(r.expect("record"));
            }
            total
        })
    });
    group.bench_function("check_action (facade, as Kotlin calls it)", |b| {
        b.iter(|| black_box(vw.check_action(Actie::HuisbezoekApp, one_handhaver())))
    });
    drop(vw);

    // The core call underneath, without the facade's translation.
    let mut device = Device::open(dir.path(), KEY).expect("reopen device");
    let event = stap.into_event().expect("event");
    group.bench_function("record_waarneming (core Device::record)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut visit = String::new();
            let mut conditions = Vec::new();
            for i in 0..iters {
                if i % PER_VISIT == 0 {
                    visit = enter_core(&mut device);
                    conditions = core_conditions(&mut device, &visit, &event);
                }
                let conditions = conditions.clone();
                let t0 = Instant::now();
                let r = device.record(ZAAK, &visit, event.clone(), conditions, Utc::now());
                total += t0.elapsed();
                black_box(r.expect("core record"));
            }
            total
        })
    });
    group.finish();
}

fn enter_core(device: &mut Device) -> String {
    use veldwerk_rules::routekaart::PlannedAction;
    let planned = PlannedAction {
        actie: veldwerk_rules::routekaart::Actie::HuisbezoekApp,
        handhavers: Some(1),
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    };
    let visit = device
        .start_visit(ZAAK, planned.actie, planned, Utc::now())
        .expect("start");
    let steps: Vec<Event> = entry_steps(HANDHAVER)
        .into_iter()
        .map(|s| s.into_event().expect("event"))
        .collect();
    for event in steps {
        let conditions = core_conditions(device, &visit, &event);
        device
            .record(ZAAK, &visit, event, conditions, Utc::now())
            .expect("record step");
    }
    visit
}

fn core_conditions(device: &mut Device, visit: &str, event: &Event) -> Vec<String> {
    match device.decision_for(ZAAK, visit, event) {
        Ok(Some(veldwerk_rules::routekaart::Decision::Allowed { conditions, .. })) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
