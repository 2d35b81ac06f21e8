//! `veldwerk-dossier-bench`: what reading a large zaak costs (issue 14, "Done means": zaak page
//! p99 < 100 ms and the rapport PDF < 500 ms for a zaak with 20 visits × 50 entries).
//!
//! Starts a real server on a loopback port, has two real devices record and sync 20 whole
//! visits of 50 entries each (7 steps to inside, 40 waarnemingen, a correctie, leaving, the
//! rapport) on one zaak, signs in as the supervisor, and then requests, one after the other,
//! the zaak page, the API's zaak, one visit's rapport PDF and the zaak's export, printing
//! p50 / p99 / max and the answer's size per route.
//!
//! ```text
//! cargo run --release -p veldwerk-tests --bin veldwerk-dossier-bench [-- REQUESTS]   (default 100)
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use veldwerk_rules::protocol::Event;
use veldwerk_tests::console::Supervisor;
use veldwerk_tests::{full_visit, TestDevice, TestServer};

const VISITS: usize = 20;
/// 7 steps to inside + 40 waarnemingen + afsluiting + rapport = 49, and one correctie.
const WAARNEMINGEN: usize = 40;

fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    let mut kees = TestDevice::enrolled(&server, "kees");
    piet.sync().unwrap();
    kees.sync().unwrap();
    let seeded = Instant::now();
    let start = Utc::now() - chrono::Duration::days(VISITS as i64);
    let mut visits = Vec::new();
    for v in 0..VISITS {
        let t = start + chrono::Duration::days(v as i64);
        let visit = piet.start_huisbezoek("Z-1", t);
        let events = full_visit(&["piet", "kees"], WAARNEMINGEN);
        piet.record("Z-1", &visit, events, t).unwrap();
        visits.push(visit);
    }
    piet.sync().unwrap();
    kees.sync().unwrap();
    // One correctie per visit, by the other device.
    let doc = server.document("Z-1").unwrap();
    for visit in &visits {
        let target = doc
            .entries(visit)
            .unwrap()
            .into_iter()
            .find(|e| matches!(e.event(), Ok(Event::Waarneming { .. })))
            .unwrap()
            .entry_id;
        kees.record(
            "Z-1",
            visit,
            vec![Event::Correctie {
                corrigeert: target,
                tekst: "Correctie: het waren drie tandenborstels.".into(),
            }],
            Utc::now(),
        )
        .unwrap();
    }
    kees.sync().unwrap();
    let entries = veldwerk_tests::count_entries(&server.document("Z-1").unwrap());
    println!(
        "seeded zaak Z-1: {VISITS} visits, {entries} entries, in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    // The read model alone (document load, every signature verified, replay), in process.
    let mut loads: Vec<Duration> = (0..requests.min(20))
        .map(|_| {
            let t = Instant::now();
            server
                .db
                .read(|tx| veldwerk_server::dossier::load(tx, "Z-1"))
                .unwrap();
            t.elapsed()
        })
        .collect();
    loads.sort();
    println!(
        "dossier::load (in process): p50 {:.1} ms",
        loads[loads.len() / 2].as_secs_f64() * 1000.0
    );

    let cache = veldwerk_server::dossier::Cache::default();
    let mut cached: Vec<Duration> = (0..requests.min(20))
        .map(|_| {
            let t = Instant::now();
            server
                .db
                .read(|tx| veldwerk_server::dossier::load_cached(tx, "Z-1", &cache))
                .unwrap();
            t.elapsed()
        })
        .collect();
    cached.sort();
    println!(
        "dossier::load_cached (in process): p50 {:.1} ms",
        cached[cached.len() / 2].as_secs_f64() * 1000.0
    );

    let sup = Supervisor::sign_in(&server);
    let rapport = format!("/zaken/Z-1/bezoeken/{}/rapport.pdf", visits[VISITS / 2]);
    let routes: Vec<(&str, String, bool)> = vec![
        ("zaak page", "/zaken/Z-1".into(), false),
        ("API zaak", "/v1/zaken/Z-1".into(), true),
        ("rapport PDF", rapport, false),
        ("export ZIP", "/v1/zaken/Z-1/export".into(), true),
    ];
    println!("{requests} requests per route, one at a time");
    println!(
        "{:<12} {:>8} {:>9} {:>9} {:>9} {:>10}",
        "route", "status", "p50 ms", "p99 ms", "max ms", "bytes"
    );
    for (name, path, api) in routes {
        let mut times: Vec<Duration> = Vec::with_capacity(requests);
        let mut status = 0;
        let mut bytes = 0;
        for _ in 0..requests {
            let t = Instant::now();
            let page = if api { sup.api(&path) } else { sup.get(&path) };
            times.push(t.elapsed());
            status = page.status;
            bytes = page.body.len();
        }
        times.sort();
        let at = |q: f64| {
            times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1]
                .as_secs_f64()
                * 1000.0
        };
        println!(
            "{name:<12} {status:>8} {:>9.1} {:>9.1} {:>9.1} {bytes:>10}",
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}
