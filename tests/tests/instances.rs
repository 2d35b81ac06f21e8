//! Issue 18, "Stateless instances": two server instances over one store (PostgreSQL when the
//! suites run on it, else the same embedded file), as behind a load balancer. Devices sync
//! one zaak through different instances at the same time; nothing is lost, and what one
//! instance writes the other serves at its next request.

use chrono::{Duration, Utc};
use veldwerk_tests::{steps_to_binnen, waarneming, TestDevice, TestServer};

#[test]
fn concurrent_syncs_of_one_zaak_through_two_instances_lose_nothing() {
    let server = TestServer::start();
    let other = server.another_instance();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled_at(&server, &server.url(), "piet");
    let mut kees = TestDevice::enrolled_at(&server, &other.url(), "kees");
    piet.sync().unwrap();
    kees.sync().unwrap();

    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    piet.sync().unwrap();
    // Kees's instance sees the visit the other instance stored.
    kees.sync().unwrap();
    assert_eq!(kees.entry_count("Z-1"), piet.entry_count("Z-1"));

    // Both record waarnemingen and sync at once, each through its own instance, several times.
    for round in 0..3 {
        let at = t + Duration::minutes(5 + round);
        let n = (round * 10) as usize;
        piet.record("Z-1", &visit, vec![waarneming(n), waarneming(n + 1)], at)
            .unwrap();
        kees.record("Z-1", &visit, vec![waarneming(n + 2)], at)
            .unwrap();
        std::thread::scope(|s| {
            let p = s.spawn(|| piet.sync().unwrap());
            let k = s.spawn(|| kees.sync().unwrap());
            for report in [p.join().unwrap(), k.join().unwrap()] {
                assert!(
                    report.summary.rejections.is_empty(),
                    "{:?}",
                    report.summary.rejections
                );
            }
        });
    }
    // A last round each brings both devices up to date.
    piet.sync().unwrap();
    kees.sync().unwrap();
    piet.sync().unwrap();

    // 7 steps to binnen, then 3 rounds of 2 + 1 waarnemingen.
    let expected = 7 + 3 * 3;
    assert_eq!(server.entry_count("Z-1"), expected);
    assert_eq!(piet.entry_count("Z-1"), expected);
    assert_eq!(piet.entry_ids("Z-1"), kees.entry_ids("Z-1"));
}
