//! What an honest device does after a refusal (issue 13, item 6), and how it learns its
//! colleagues' keys (item 7): real server on a loopback port, real device stores.

use chrono::Utc;
use veldwerk_contract::evidence::EntryStatus;
use veldwerk_tests::{steps_to_binnen, waarneming, TestDevice, TestServer};

/// Every entry's status on `device` for zaak `zaak_id`, with the entry's device.
fn statuses(device: &mut TestDevice, zaak_id: &str) -> Vec<(String, EntryStatus)> {
    device
        .device()
        .zaak_detail(zaak_id)
        .unwrap()
        .visits
        .iter()
        .flat_map(|v| v.entries.iter())
        .map(|e| (e.entry.device_id.clone(), e.status))
        .collect()
}

/// Issue 13, item 7: two handhavers' devices on one zaak each see the other's entries
/// verified (today a colleague's entry is `key_unknown`), and once a colleague's device is
/// revoked its entries show as `key_revoked`.
#[test]
fn colleagues_see_each_others_entries_verified_and_a_revoked_colleague_as_revoked() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    let mut kees = TestDevice::enrolled(&server, "kees");
    piet.sync().unwrap();
    kees.sync().unwrap();

    let t = Utc::now() - chrono::Duration::minutes(30);
    let visit_p = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit_p, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    let visit_k = kees.start_huisbezoek("Z-1", t + chrono::Duration::minutes(1));
    kees.record(
        "Z-1",
        &visit_k,
        steps_to_binnen(&["kees", "piet"]),
        t + chrono::Duration::minutes(1),
    )
    .unwrap();
    piet.sync().unwrap();
    kees.sync().unwrap();
    piet.sync().unwrap();

    let kees_id = kees.device().device_id().to_owned();
    let piet_id = piet.device().device_id().to_owned();
    for (device, colleague) in [(&mut piet, &kees_id), (&mut kees, &piet_id)] {
        let seen = statuses(device, "Z-1");
        assert!(seen.iter().any(|(d, _)| d == colleague), "{seen:?}");
        assert!(seen.len() >= 12, "{seen:?}");
        assert!(
            seen.iter().all(|(_, s)| *s == EntryStatus::Ok),
            "every entry verifies: {seen:?}"
        );
    }
    assert!(piet.device().keys_status().unwrap().devices >= 2);

    server.revoke(&kees_id);
    piet.sync().unwrap();
    for (device, status) in statuses(&mut piet, "Z-1") {
        let expected = if device == kees_id {
            EntryStatus::KeyRevoked
        } else {
            EntryStatus::Ok
        };
        assert_eq!(status, expected, "entry of {device}");
    }
    // The list survives a restart of the app (verified again when the store opens).
    piet.reopen();
    assert_eq!(piet.device().keys_status().unwrap().revoked, 1);
}

/// Issue 13, item 6: a device whose change is refused (it wrote the zaak's summary, which only
/// the office may) moves that work aside, takes the server's copy, re-applies its own valid
/// entries the server lacks, and syncs on: its valid entries reach the server, the refused work
/// is listed with the server's reason, and later syncs and entries go through.
#[test]
fn a_refused_device_rebases_on_the_servers_copy_and_loses_no_valid_entry() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now() - chrono::Duration::minutes(30);
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    piet.sync().unwrap();
    let synced = server.entry_count("Z-1");
    assert!(synced > 0);

    // Two valid entries, then a change the server refuses, then one more valid entry that
    // comes after it in the device's history.
    let t2 = t + chrono::Duration::minutes(10);
    piet.record("Z-1", &visit, vec![waarneming(1), waarneming(2)], t2)
        .unwrap();
    let mut summary = piet.device().zaak_detail("Z-1").unwrap().summary;
    let label = summary.label.clone();
    summary.label = "Zelf gewijzigd".into();
    piet.device()
        .update_document("Z-1", Utc::now(), |doc| Ok(doc.set_summary(&summary)?))
        .unwrap();
    piet.record(
        "Z-1",
        &visit,
        vec![waarneming(3)],
        t2 + chrono::Duration::minutes(1),
    )
    .unwrap();

    let report = piet.sync().unwrap();
    assert_eq!(report.summary.rejections.len(), 1, "{report:?}");
    assert_eq!(report.summary.set_aside, vec!["Z-1".to_owned()]);
    assert_eq!(report.summary.reapplied, 3);
    assert_eq!(server.entry_count("Z-1"), synced + 3);
    assert_eq!(report.unsynced_entries, 0);

    // The refused work is kept and listed with the server's reason; the zaak shows the
    // server's summary again.
    let refused = piet.device().refused_work().unwrap();
    assert_eq!(refused.len(), 1);
    let code = &report.summary.rejections[0].code;
    assert_eq!(&refused[0].code, code);
    assert!(refused[0].rebased);
    assert_eq!(refused[0].reapplied.len(), 3);
    assert!(refused[0].kept_only_here.is_empty());
    assert!(refused[0]
        .notice()
        .message
        .contains("geweigerd door de server"));
    assert_eq!(
        piet.device().zaak_detail("Z-1").unwrap().summary.label,
        label
    );
    let kept =
        veldwerk_contract::zaak::ZaakDocument::load(&refused[0].document().unwrap()).unwrap();
    assert_eq!(kept.summary().unwrap().label, "Zelf gewijzigd");

    // Not blocked: the next sync is clean, and a new entry goes through.
    let again = piet.sync().unwrap();
    assert!(again.summary.rejections.is_empty(), "{again:?}");
    piet.record(
        "Z-1",
        &visit,
        vec![waarneming(4)],
        t2 + chrono::Duration::minutes(2),
    )
    .unwrap();
    let after = piet.sync().unwrap();
    assert!(after.summary.rejections.is_empty(), "{after:?}");
    assert_eq!(server.entry_count("Z-1"), synced + 4);
    assert!(statuses(&mut piet, "Z-1")
        .iter()
        .all(|(_, s)| *s == EntryStatus::Ok));
    // The refused work survives a restart.
    piet.reopen();
    assert_eq!(piet.device().refused_work().unwrap().len(), 1);
}

/// Issue 13, item 6: work moved aside in a sync that ended before the server's copy came (the
/// app was closed, the network dropped) is re-applied at the next sync.
#[test]
fn work_set_aside_in_an_interrupted_sync_is_reapplied_at_the_next() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now() - chrono::Duration::minutes(30);
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    piet.sync().unwrap();
    let synced = server.entry_count("Z-1");
    piet.record(
        "Z-1",
        &visit,
        vec![waarneming(1), waarneming(2)],
        t + chrono::Duration::minutes(10),
    )
    .unwrap();
    // What a refusal in a sync that then broke off leaves: the work moved aside, no zaak.
    let rejection = veldwerk_device::sync::Rejection {
        zaak_id: "Z-1".into(),
        code: "summary_changed".into(),
        message: "Zaak Z-1: de zaakgegevens mogen alleen op kantoor worden gewijzigd.".into(),
    };
    assert!(piet
        .device()
        .set_aside_refused(&rejection, Utc::now())
        .unwrap());
    piet.reopen();
    assert!(piet.device().worklist().unwrap().items.is_empty());

    let report = piet.sync().unwrap();
    assert_eq!(report.summary.reapplied, 2, "{report:?}");
    assert_eq!(server.entry_count("Z-1"), synced + 2);
    assert_eq!(piet.entry_count("Z-1"), synced + 2);
    assert!(piet.device().refused_work().unwrap()[0].rebased);
}
