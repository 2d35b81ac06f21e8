//! Issue 18, "Stateless instances": two server instances over one store (PostgreSQL when the
//! suites run on it, else the same embedded file), as behind a load balancer. Devices sync
//! one zaak through different instances at the same time; nothing is lost, and what one
//! instance writes the other serves at its next request.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration as StdDuration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{Duration, Utc};
use veldwerk_client::SyncProgress;
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

const INSTANCE: &str = env!("CARGO_BIN_EXE_veldwerk-instance");

/// A small xorshift generator (seeded from the clock and printed, so a failing run can be
/// repeated with `VELDWERK_TEST_SEED`).
struct Rng(u64);

impl Rng {
    fn seed() -> u64 {
        if let Some(seed) = std::env::var("VELDWERK_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            return seed;
        }
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A server instance over a [`TestServer`]'s store in a process of its own, the way
/// `veldwerk-server` runs, so it can be killed with SIGKILL.
struct ProcessInstance {
    child: Child,
    url: String,
}

impl ProcessInstance {
    fn start(server: &TestServer) -> ProcessInstance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(INSTANCE)
            .args(server.store_args())
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the instance");
        let mut instance = ProcessInstance {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + StdDuration::from_secs(30);
        while ureq::get(format!("{}/healthz", instance.url))
            .call()
            .is_err()
        {
            if let Some(status) = instance.child.try_wait().unwrap() {
                panic!("the instance exited: {status}");
            }
            assert!(Instant::now() < deadline, "the instance does not answer");
            std::thread::sleep(StdDuration::from_millis(50));
        }
        instance
    }

    /// SIGKILL: requests in flight get no answer, nothing uncommitted survives.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessInstance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Issue 18, "Beyond one server", Done means: three server instances on one store (PostgreSQL
/// when the suites run on it), one device's syncs and many devices' syncs spread over them at
/// random; one instance is killed with SIGKILL while syncs through it are in flight. Nothing
/// acknowledged is lost, every entry verifies, the audit chain verifies.
#[test]
fn syncs_spread_over_three_instances_survive_one_killed_mid_sync() {
    const USERS: [&str; 6] = ["piet", "kees", "anna", "joost", "fleur", "daan"];
    const ROUNDS: usize = 8;
    // The index in `urls` of the instance that is killed.
    const KILLED: usize = 2;
    let server = TestServer::start_with_handhavers(&USERS);
    let pairs: Vec<[&str; 2]> = USERS.chunks(2).map(|p| [p[0], p[1]]).collect();
    let zaken: Vec<String> = (1..=pairs.len()).map(|z| format!("Z-{z}")).collect();
    for (zaak, pair) in zaken.iter().zip(&pairs) {
        server.zaak(zaak, pair);
    }
    let second = server.another_instance();
    let mut third = ProcessInstance::start(&server);
    let urls = [server.url(), second.url(), third.url.clone()];
    let seed = Rng::seed();
    eprintln!("VELDWERK_TEST_SEED={seed}");

    // Device i belongs to pair i / 2; the first of a pair starts the visit, both record in it.
    let mut devices: Vec<TestDevice> = USERS
        .iter()
        .enumerate()
        .map(|(i, u)| TestDevice::enrolled_at(&server, &urls[i % urls.len()], u))
        .collect();
    let t = Utc::now();
    let mut visits = Vec::new();
    for (p, pair) in pairs.iter().enumerate() {
        let zaak = &zaken[p];
        let lead = &mut devices[2 * p];
        lead.sync().unwrap();
        let visit = lead.start_huisbezoek(zaak, t);
        lead.record(zaak, &visit, steps_to_binnen(pair), t).unwrap();
        lead.sync().unwrap();
        devices[2 * p + 1].sync().unwrap();
        visits.push(visit);
    }

    let dead = AtomicBool::new(false);
    let in_flight_to_killed = AtomicUsize::new(0);
    let synced = AtomicUsize::new(0);
    let hit = AtomicUsize::new(0);
    let acknowledged: Vec<BTreeSet<String>> = std::thread::scope(|s| {
        let workers: Vec<_> = devices
            .iter_mut()
            .enumerate()
            .map(|(i, device)| {
                let (zaak, visit) = (&zaken[i / 2], &visits[i / 2]);
                let (urls, dead, in_flight, synced, hit) =
                    (&urls, &dead, &in_flight_to_killed, &synced, &hit);
                s.spawn(move || {
                    let mut rng =
                        Rng((seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
                    let mut acknowledged = BTreeSet::new();
                    for round in 0..ROUNDS {
                        let n = 100 * i + 2 * round;
                        let at = t + Duration::minutes(1 + round as i64);
                        device
                            .record(zaak, visit, vec![waarneming(n), waarneming(n + 1)], at)
                            .unwrap();
                        loop {
                            let mut k = rng.below(urls.len() as u64) as usize;
                            if k == KILLED && dead.load(SeqCst) {
                                k = rng.below(KILLED as u64) as usize;
                            }
                            // A round trip through the instance to be killed is in flight from
                            // its request until its answer is applied; a kill then fails the
                            // next request of the sync.
                            let mut on_wire = false;
                            // Whether the sync had sent a request before the kill.
                            let mut started = false;
                            let result = device.sync_via_with(&urls[k], &mut |p| {
                                if k != KILLED {
                                    return;
                                }
                                match p {
                                    SyncProgress::Sending { .. } if !on_wire => {
                                        started |= !dead.load(SeqCst);
                                        on_wire = true;
                                        in_flight.fetch_add(1, SeqCst);
                                    }
                                    SyncProgress::Applied { .. } if on_wire => {
                                        on_wire = false;
                                        in_flight.fetch_sub(1, SeqCst);
                                    }
                                    _ => {}
                                }
                            });
                            if on_wire {
                                in_flight.fetch_sub(1, SeqCst);
                            }
                            match result {
                                Ok(report) => {
                                    // A sync the kill reached after its round trips ends with
                                    // a notice (the key list could not be fetched).
                                    if started
                                        && dead.load(SeqCst)
                                        && !report.summary.notices.is_empty()
                                    {
                                        hit.fetch_add(1, SeqCst);
                                    }
                                    assert!(
                                        report.summary.rejections.is_empty(),
                                        "{:?}",
                                        report.summary.rejections
                                    );
                                    assert_eq!(report.unsynced_entries, 0);
                                    // Everything this device holds is on the server now: its
                                    // own entries acknowledged, the others' received from it.
                                    acknowledged.extend(device.entry_ids(zaak));
                                    synced.fetch_add(1, SeqCst);
                                    break;
                                }
                                // Only a sync through the killed instance may fail; the device
                                // tries again through another.
                                Err(e) => {
                                    assert!(
                                        k == KILLED && dead.load(SeqCst),
                                        "a sync through {} failed: {e}",
                                        urls[k]
                                    );
                                    if started {
                                        hit.fetch_add(1, SeqCst);
                                    }
                                }
                            }
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        // Halfway, the moment a sync through the third instance is in flight, it is killed.
        let deadline = Instant::now() + StdDuration::from_secs(60);
        while synced.load(SeqCst) < USERS.len() * ROUNDS / 2
            || in_flight_to_killed.load(SeqCst) == 0
        {
            assert!(
                !workers.iter().all(|w| w.is_finished()) && Instant::now() < deadline,
                "no sync through the third instance was in flight halfway"
            );
            std::thread::sleep(StdDuration::from_millis(1));
        }
        dead.store(true, SeqCst);
        third.kill();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert!(hit.load(SeqCst) > 0, "the kill reached no sync in flight");

    // Everyone syncs once more through the surviving instances, twice round, to catch up.
    for _ in 0..2 {
        for (i, device) in devices.iter_mut().enumerate() {
            let report = device.sync_via(&urls[i % KILLED]).unwrap();
            assert_eq!(report.unsynced_entries, 0);
        }
    }

    let (keys, _) = server.db.with(veldwerk_server::dossier::keys).unwrap();
    for (p, zaak) in zaken.iter().enumerate() {
        let doc = server.document(zaak).unwrap();
        let stored = doc.stored_entries(&visits[p]).unwrap();
        let on_server: BTreeSet<String> = stored.iter().map(|e| e.entry_id.clone()).collect();
        // 7 steps to binnen, then each of the two devices 2 waarnemingen a round; each once.
        assert_eq!(stored.len(), 7 + 2 * 2 * ROUNDS, "{zaak}");
        assert_eq!(
            on_server.len(),
            stored.len(),
            "{zaak}: an entry is stored twice"
        );
        assert_eq!(server.entry_count(zaak), stored.len());
        for i in [2 * p, 2 * p + 1] {
            let lost: Vec<_> = acknowledged[i].difference(&on_server).collect();
            assert!(lost.is_empty(), "{zaak}: acknowledged but lost: {lost:?}");
            let device = &mut devices[i];
            assert_eq!(
                device.entry_ids(zaak),
                on_server.iter().cloned().collect::<Vec<_>>()
            );
            assert!(device
                .device()
                .verify_visit(zaak, &visits[p])
                .unwrap()
                .is_intact());
        }
        let verification = doc.verify_visit(&visits[p], &keys).unwrap();
        assert!(
            verification.is_intact(),
            "{zaak}: {:?}",
            verification.problems().collect::<Vec<_>>()
        );
    }
    let audit = server
        .db
        .with(veldwerk_server::audit::verify_audit_chain)
        .unwrap();
    assert!(audit.intact, "{:?} at {:?}", audit.problem, audit.broken_at);
    assert!(audit.rows > 0);
    // And as an operator checks it, with the server's own command.
    let status = Command::new(INSTANCE)
        .args(server.store_args())
        .args(["audit", "verify"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "audit verify: {status}");
}
