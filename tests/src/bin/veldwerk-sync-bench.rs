//! `veldwerk-sync-bench`: sync figures of real devices (encrypted stores, `veldwerk-client`)
//! against a real server over HTTP on loopback (issue 4, Performance).
//!
//! - `day [RUNS]` (5): one device's day, 10 zaken, 20 visits, 400 entries recorded through
//!   `Device::record`, then one timed sync: round trips, ms end to end, bytes per entry.
//! - `pull [ZAKEN] [RUNS]` (500, 3): a new device pulling ZAKEN assigned zaken into its store.
//! - `history [STORED] [RUNS]` (4900, 5): what a sync costs against the history behind it: a
//!   100-entry visit synced onto a zaak with no entries and onto one with STORED entries (in
//!   visits of 49), through the instance that stored them (warm) and through a fresh instance
//!   on the same store (cold: nothing kept loaded), all in one run.
//! - `all` (default): day and pull.
//!
//! Build with `--release` for figures that mean something.

use std::time::Instant;

use chrono::{Duration, Utc};
use veldwerk_rules::protocol::Event;
use veldwerk_tests::{steps_to_binnen, waarneming, TestDevice, TestServer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| -> usize {
        match args.get(i).map(|s| s.parse::<usize>()) {
            None => default,
            Some(Ok(n)) if n > 0 => n,
            Some(_) => {
                eprintln!("expected a positive number, got {:?}", args[i]);
                std::process::exit(2)
            }
        }
    };
    match args.first().map(String::as_str) {
        Some("day") => day(num(1, 5)),
        Some("pull") => pull(num(1, 500), num(2, 3)),
        Some("history") => history(num(1, 4900), num(2, 5)),
        Some("all") | None => {
            day(5);
            pull(500, 3);
        }
        Some(other) => {
            eprintln!("unknown scenario '{other}': day | pull | history | all");
            std::process::exit(2)
        }
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// 10 zaken × 2 visits × 20 entries (7 steps to inside, 12 waarnemingen, afsluiting).
fn record_day(device: &mut TestDevice) -> usize {
    let mut n = 0;
    let t = Utc::now();
    for z in 0..10 {
        let zaak = format!("Z-{z}");
        for v in 0..2 {
            let at = t + Duration::minutes(60 * v + z);
            let visit = device.start_huisbezoek(&zaak, at);
            let mut events = steps_to_binnen(&["piet", "kees"]);
            events.extend((0..12).map(waarneming));
            events.push(Event::Afsluiting { toelichting: None });
            n += events.len();
            device
                .record(&zaak, &visit, events, at)
                .expect("a day's visit is recorded");
        }
    }
    n
}

fn day(runs: usize) {
    let mut times = Vec::new();
    let mut per_entry = Vec::new();
    for run in 1..=runs {
        let server = TestServer::start_with_handhavers(&["piet", "kees"]);
        for z in 0..10 {
            server.zaak(&format!("Z-{z}"), &["piet"]);
        }
        let mut device = TestDevice::enrolled(&server, "piet");
        let first = device.sync().expect("first sync");
        assert_eq!(first.summary.new_docs.len(), 10);
        let entries = record_day(&mut device);
        let t = Instant::now();
        let r = device.sync().expect("day sync");
        let elapsed = t.elapsed();
        assert!(
            r.summary.rejections.is_empty(),
            "{:?}",
            r.summary.rejections
        );
        assert_eq!(r.unsynced_entries, 0);
        assert_eq!(r.entries_sent as usize, entries);
        let s = &r.summary;
        let bytes = s.bytes_sent + s.bytes_received;
        println!(
            "day run {run}: {entries} entries in {} round trips, {:.1} ms end to end, {} bytes on the wire ({} up, {} down), {:.0} bytes/entry ({:.0} up)",
            s.round_trips,
            ms(elapsed),
            bytes,
            s.bytes_sent,
            s.bytes_received,
            bytes as f64 / entries as f64,
            s.bytes_sent as f64 / entries as f64,
        );
        times.push(ms(elapsed));
        per_entry.push(bytes as f64 / entries as f64);
    }
    println!(
        "day: median {:.1} ms, max {:.1} ms over {runs} runs; median {:.0} bytes/entry",
        median(times.clone()),
        times.iter().copied().fold(0.0, f64::max),
        median(per_entry)
    );
}

fn pull(zaken: usize, runs: usize) {
    let mut times = Vec::new();
    for run in 1..=runs {
        let server = TestServer::start_with_handhavers(&["piet"]);
        let ids: Vec<String> = (0..zaken).map(|z| format!("Z-{z:04}")).collect();
        server
            .db
            .write(|tx| {
                for id in &ids {
                    veldwerk_server::zaken::create(
                        tx,
                        veldwerk_tests::new_zaak(id),
                        veldwerk_tests::SUPERVISOR,
                        veldwerk_server::db::now(),
                    )?;
                    veldwerk_server::zaken::assign(
                        tx,
                        id,
                        "piet",
                        veldwerk_tests::SUPERVISOR,
                        veldwerk_server::db::now(),
                    )?;
                }
                Ok(())
            })
            .expect("zaken created");
        let mut device = TestDevice::enrolled(&server, "piet");
        let t = Instant::now();
        let r = device.sync().expect("pull");
        let elapsed = t.elapsed();
        assert_eq!(r.summary.new_docs.len(), zaken);
        let listed = device.device().worklist().expect("worklist").items.len();
        assert_eq!(listed, zaken);
        println!(
            "pull run {run}: {zaken} zaken in {} round trips, {:.1} ms, {} bytes received ({:.0} bytes/zaak)",
            r.summary.round_trips,
            ms(elapsed),
            r.summary.bytes_received,
            r.summary.bytes_received as f64 / zaken as f64
        );
        times.push(ms(elapsed));
    }
    println!("pull: median {:.1} ms over {runs} runs", median(times));
}

/// Records one huisbezoek of `entries` entries (7 steps to inside, then waarnemingen).
fn record_visit(device: &mut TestDevice, zaak: &str, entries: usize, at: chrono::DateTime<Utc>) {
    let visit = device.start_huisbezoek(zaak, at);
    let mut events = steps_to_binnen(&["piet", "kees"]);
    let steps = events.len();
    events.extend((0..entries.saturating_sub(steps)).map(waarneming));
    device
        .record(zaak, &visit, events, at)
        .expect("visit recorded");
}

/// One timed sync of a new 100-entry visit onto a zaak with `stored` entries, warm and cold.
fn history_run(stored: usize) -> (f64, f64) {
    let server = TestServer::start_with_handhavers(&["piet", "kees"]);
    server.zaak("Z-1", &["piet", "kees"]);
    let mut device = TestDevice::enrolled(&server, "piet");
    device.sync().expect("first sync");
    let t = Utc::now() - Duration::days(30);
    let visits = stored / 49;
    for v in 0..visits {
        record_visit(&mut device, "Z-1", 49, t + Duration::hours(v as i64));
        if v % 10 == 9 {
            device.sync().expect("history sync");
        }
    }
    device.sync().expect("history sync");
    assert_eq!(device.entry_count("Z-1"), visits * 49);
    let timed = |device: &mut TestDevice, at| {
        record_visit(device, "Z-1", 100, at);
        let start = Instant::now();
        let r = device.sync().expect("timed sync");
        let elapsed = ms(start.elapsed());
        assert!(
            r.summary.rejections.is_empty(),
            "{:?}",
            r.summary.rejections
        );
        assert_eq!(r.entries_sent as usize, 100);
        elapsed
    };
    // Warm: the instance that stored the history holds the zaak loaded.
    let warm = timed(&mut device, Utc::now() - Duration::hours(2));
    // Cold: a fresh instance on the same store has nothing kept.
    let other = server.another_instance();
    let enrollment = device.device().enrollment().cloned().expect("enrolled");
    device
        .device()
        .set_enrollment(
            &enrollment.device_id,
            &enrollment.org_public_key,
            &other.url(),
        )
        .expect("pointed at the other instance");
    let cold = timed(&mut device, Utc::now() - Duration::hours(1));
    assert_eq!(server.entry_count("Z-1"), visits * 49 + 200);
    (warm, cold)
}

fn history(stored: usize, runs: usize) {
    let mut rows = Vec::new();
    for n in [0, stored] {
        let (mut warm, mut cold) = (Vec::new(), Vec::new());
        for run in 1..=runs {
            let (w, c) = history_run(n);
            println!(
                "history run {run}: 100 entries onto {n} stored: warm {w:.1} ms, cold {c:.1} ms"
            );
            warm.push(w);
            cold.push(c);
        }
        rows.push((n, median(warm), median(cold)));
    }
    for (n, w, c) in &rows {
        println!("history: 100 entries onto {n} stored: median warm {w:.1} ms, cold {c:.1} ms over {runs} runs");
    }
    let (_, w0, c0) = rows[0];
    let (_, w1, c1) = rows[1];
    println!(
        "history: {stored} stored vs none: warm {:.2}x, cold {:.2}x",
        w1 / w0,
        c1 / c0
    );
}
