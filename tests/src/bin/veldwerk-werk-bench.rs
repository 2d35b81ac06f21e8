//! `veldwerk-werk-bench`: what the worklist costs (issue 17, "Done means": planning 50,000
//! clients < 1 s; the worklist page with 10,000 open items p99 < 100 ms).
//!
//! Imports (parses, plans with the seed-003 rules and stores) a CSV client list of 50,000
//! clients spread over the client groups into a real server store, and times it; then adds
//! signals until 10,000 items are open, signs in as the supervisor and requests `/werkvoorraad`
//! over HTTP one after the other, printing p50 / p99 / max and the page size.
//!
//! ```text
//! cargo run --release -p veldwerk-tests --bin veldwerk-werk-bench [-- REQUESTS]   (default 100)
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use veldwerk_rules::heronderzoek::GROEPEN;
use veldwerk_server::{heronderzoeken, signalen, werkvoorraad};
use veldwerk_tests::console::Supervisor;
use veldwerk_tests::TestServer;

const CLIENTS: usize = 50_000;
const OPEN_ITEMS: usize = 10_000;

fn csv() -> String {
    let mut out = String::from("client,groep,laatst,start,laatste_betaling,gebeurtenis,team\n");
    let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for i in 0..CLIENTS {
        let g = &GROEPEN[i % GROEPEN.len()];
        let d = base + chrono::Duration::days((i % 700) as i64);
        out.push_str(&format!("K-{i},{},{d},{d},{d},{d},team-{}\n", g.id, i % 5));
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let server = TestServer::start();
    let csv = csv();
    let t = Instant::now();
    let r = server
        .db
        .write(|tx| heronderzoeken::import(tx, &csv, "bench", 0))
        .unwrap();
    let planning = t.elapsed();
    println!(
        "planning {} clients ({} due): {:.0} ms (parse + plan + store)",
        r.clients,
        r.gepland,
        planning.as_secs_f64() * 1000.0
    );

    // Keep the clients due within the coming years as the worklist's heronderzoeken, up to
    // half the open items; signals make up the rest.
    let today = werkvoorraad::today();
    server
        .db
        .write(|tx| {
            tx.execute(
                "DELETE FROM heronderzoeken WHERE client NOT IN \
                 (SELECT client FROM heronderzoeken WHERE due IS NOT NULL ORDER BY client LIMIT ?1)",
                veldwerk_server::params![(OPEN_ITEMS / 2) as i64],
            )?;
            let have = werkvoorraad::items(tx, &werkvoorraad::Filter::default(), today)?.len();
            for i in have..OPEN_ITEMS {
                let new = signalen::NewSignaal {
                    soort: signalen_kind(i).into(),
                    ontvangen: Some(today - chrono::Duration::days((i % 60) as i64)),
                    client: format!("K-{i}"),
                    team: format!("team-{}", i % 5),
                    ..Default::default()
                };
                signalen::register(tx, &new, "bench", 0)?;
            }
            Ok(())
        })
        .unwrap();
    let open = server
        .db
        .read(|tx| werkvoorraad::items(tx, &werkvoorraad::Filter::default(), today))
        .unwrap();
    println!("open items: {}", open.len());

    let sup = Supervisor::sign_in(&server);
    let mut times = Vec::with_capacity(requests);
    let mut bytes = 0;
    for _ in 0..requests {
        let t = Instant::now();
        let page = sup.get("/werkvoorraad");
        times.push(t.elapsed());
        assert_eq!(page.status, 200);
        bytes = page.text().len();
    }
    times.sort();
    println!(
        "GET /werkvoorraad ({} items, {} KiB): p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        open.len(),
        bytes / 1024,
        pct(&times, 0.5),
        pct(&times, 0.99),
        pct(&times, 1.0)
    );
}

fn signalen_kind(i: usize) -> &'static str {
    const KINDS: [&str; 4] = ["tip_derde", "verhuizing", "beslag", "inkomsten_boven_norm"];
    KINDS[i % KINDS.len()]
}
