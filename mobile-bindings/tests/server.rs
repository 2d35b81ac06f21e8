//! The facade against a real server on loopback: enrollment and sync go through
//! `veldwerk-client` and the device's own `SyncDocs`, progress arrives through the callback
//! interface in order, a recorded visit arrives on the server, a code switch arrives on the
//! device, and a revoked device is wiped and closed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use veldwerk_mobile::{
    Actie, ActionParams, Code, Stap, SyncProgress, SyncStep, Veldwerk, VeldwerkError,
};
use veldwerk_rules::routekaart::Code as CoreCode;
use veldwerk_tests::TestServer;

mod fixtures;

#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<SyncStep>>>);

impl SyncProgress for Collect {
    fn on_step(&self, step: SyncStep) {
        self.0.lock().unwrap().push(step);
    }
}

fn key() -> Vec<u8> {
    (1..=32).collect()
}

fn app_visit() -> ActionParams {
    ActionParams {
        handhavers: Some(1),
        ..ActionParams::default()
    }
}

/// Records a step after confirming the conditions the routekaart lists for it.
fn record(vw: &Veldwerk, zaak: &str, visit: &str, stap: Stap) {
    let confirmed = fixtures::conditions(vw, zaak, visit, &stap).unwrap();
    vw.record(zaak.into(), visit.into(), stap, confirmed)
        .unwrap();
}

#[test]
fn enroll_sync_record_switch_and_revoke_through_the_facade() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let dir = tempfile::tempdir().unwrap();
    let vw = Veldwerk::open(dir.path().display().to_string(), key()).unwrap();

    let info = vw.enroll(server.url(), server.enroll_code("piet")).unwrap();
    assert_eq!(info.user, "piet");
    assert!(info.policy.installed && info.policy.code == Code::Geel);
    assert_eq!(vw.device_id().unwrap(), info.device_id);
    let again = vw
        .enroll(server.url(), server.enroll_code("piet"))
        .unwrap_err();
    assert_eq!(again.code(), "already_enrolled");

    // The first sync brings the zaak; progress alternates sending and applied, in order.
    let progress = Collect::default();
    let report = vw.sync(Box::new(progress.clone())).unwrap();
    assert_eq!(report.new_zaken, vec!["Z-1".to_owned()]);
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    let steps = progress.0.lock().unwrap().clone();
    assert!(!steps.is_empty());
    for (i, pair) in steps.chunks(2).enumerate() {
        let n = i as u32 + 1;
        assert!(
            matches!(pair[0], SyncStep::Sending { round_trip, .. } if round_trip == n),
            "{steps:?}"
        );
        assert!(
            matches!(pair.get(1), Some(SyncStep::Applied { round_trip, .. }) if *round_trip == n),
            "{steps:?}"
        );
    }
    assert!(steps.iter().any(|s| matches!(
        s,
        SyncStep::Applied {
            new_zaken: 1,
            bytes_received: 1..,
            ..
        }
    )));

    // A visit recorded through the facade arrives on the server, verified and acknowledged.
    let visit = vw
        .start_visit("Z-1".into(), Actie::HuisbezoekApp, app_visit())
        .unwrap();
    let mut steps = fixtures::entry_steps("piet");
    steps.push(fixtures::waarneming());
    let recorded = steps.len();
    for stap in steps {
        record(&vw, "Z-1", &visit, stap);
    }
    let row = vw.worklist().unwrap().items[0].clone();
    assert_eq!(row.unsynced_entries as usize, recorded);
    let report = vw.sync(Box::new(Collect::default())).unwrap();
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert_eq!(report.entries_sent as usize, recorded);
    assert_eq!(report.unsynced_entries, 0);
    assert_eq!(vw.worklist().unwrap().items[0].unsynced_entries, 0);
    assert_eq!(server.entry_count("Z-1"), recorded);

    // The supervisor switches to rood: the next sync installs the new policy.
    // The callback calls back into the facade: that waits for the sync, it does not deadlock.
    struct AskPolicy(Arc<Veldwerk>, Arc<Mutex<Vec<Code>>>);
    impl SyncProgress for AskPolicy {
        fn on_step(&self, _: SyncStep) {
            let code = self.0.policy_status().unwrap().code;
            self.1.lock().unwrap().push(code);
        }
    }
    let version = server.switch_code(CoreCode::Rood, "Landelijke lockdown", 0);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let report = vw
        .sync(Box::new(AskPolicy(vw.clone(), seen.clone())))
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        !seen.is_empty() && seen.iter().all(|c| *c == Code::Rood),
        "{seen:?}"
    );
    assert_eq!(report.policy_updated, Some(version));
    assert_eq!(report.policy.code, Code::Rood);
    assert_eq!(vw.policy_status().unwrap().code, Code::Rood);

    // Revoked: the sync wipes the device, the facade is closed, the store is gone.
    server.revoke(&info.device_id);
    let e = vw.sync(Box::new(Collect::default())).unwrap_err();
    assert!(
        matches!(e, VeldwerkError::Revoked { wiped: true, .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), "device_revoked");
    assert_eq!(vw.worklist().unwrap_err().code(), "store_closed");
    assert!(vw.wipe().is_ok(), "wiping a wiped device is harmless");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
