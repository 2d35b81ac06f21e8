//! End-to-end sync (issue 4, "Done means"): a real `veldwerk-server` on a random loopback port,
//! real devices (encrypted stores in temp dirs) enrolling and syncing through
//! `veldwerk-client` over HTTP.

use chrono::{Duration, Utc};
use veldwerk_client::transport::{sign, Transport};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::zaak::{PolicyContext, ZaakDocument};
use veldwerk_device::sync::{SyncSession, CONTENT_TYPE, SYNC_PATH};
use veldwerk_rules::routekaart::{self, Actie, Code, Decision, Routekaart};
use veldwerk_tests::{plan, steps_to_binnen, waarneming, TestDevice, TestServer};

#[test]
fn two_devices_offline_in_the_same_visit_both_see_all_entries() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    let mut kees = TestDevice::enrolled(&server, "kees");
    assert_eq!(
        piet.sync().unwrap().summary.new_docs,
        vec!["Z-1".to_owned()]
    );

    // Piet starts the visit at the door and syncs; Kees picks the visit up.
    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    let report = piet.sync().unwrap();
    assert_eq!(report.unsynced_entries, 0);
    kees.sync().unwrap();
    assert_eq!(kees.entry_count("Z-1"), 7);

    // Both offline inside the house, each recording their own waarnemingen.
    let t = t + Duration::minutes(5);
    piet.record("Z-1", &visit, vec![waarneming(1), waarneming(2)], t)
        .unwrap();
    kees.record("Z-1", &visit, (3..6).map(waarneming).collect(), t)
        .unwrap();

    let p = piet.sync().unwrap();
    assert!(
        p.summary.rejections.is_empty(),
        "{:?}",
        p.summary.rejections
    );
    let k = kees.sync().unwrap();
    assert!(
        k.summary.rejections.is_empty(),
        "{:?}",
        k.summary.rejections
    );
    assert_eq!(k.summary.entries_received, 2);
    assert!(k.summary.round_trips <= 3, "{}", k.summary.round_trips);
    let p2 = piet.sync().unwrap();
    assert_eq!(p2.summary.entries_received, 3);

    assert_eq!(server.entry_count("Z-1"), 12);
    assert_eq!(piet.entry_count("Z-1"), 12);
    assert_eq!(piet.entry_ids("Z-1"), kees.entry_ids("Z-1"));
    // The same deterministic reading order on both devices, and it survives a reopen.
    let order = |d: &mut TestDevice| -> Vec<String> {
        d.device().zaak_detail("Z-1").unwrap().visits[0]
            .entries
            .iter()
            .map(|e| e.entry.entry_id.clone())
            .collect()
    };
    let piet_order = order(&mut piet);
    assert_eq!(piet_order, order(&mut kees));
    kees.reopen();
    assert_eq!(order(&mut kees), piet_order);
    assert_eq!(piet.device().unsynced_entries().unwrap(), 0);
    assert_eq!(kees.device().unsynced_entries().unwrap(), 0);
}

#[test]
fn a_switch_to_rood_reaches_the_device_at_its_next_sync_and_forbids_spreekkamer() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    assert_eq!(piet.device().active_code(), Code::Geel);
    // The routekaart (seed 004) allows a spreekkamer gesprek under the device's code geel.
    let routekaart = Routekaart::vng_2020();
    let spreekkamer = plan(Actie::Spreekkamer, 1);
    let code = piet.device().active_code();
    let before = routekaart::evaluate(&routekaart, code, &spreekkamer);
    assert!(before.is_allowed(), "{before:?}");

    let version = server.switch_code(Code::Rood, "Persconferentie: code rood", 0);
    // Not yet: the device learns it at its next contact.
    assert_eq!(piet.device().active_code(), Code::Geel);

    let report = piet.sync().unwrap();
    assert_eq!(report.summary.policy_updated, Some(version));
    assert_eq!(report.policy.code, Code::Rood);
    assert!(!report.policy.stale);
    assert_eq!(piet.device().active_code(), Code::Rood);
    let after = routekaart::evaluate(&routekaart, piet.device().active_code(), &spreekkamer);
    match &after {
        Decision::Forbidden { reasons, .. } => {
            assert!(reasons
                .iter()
                .any(|r| r.code == "face_to_face_not_possible"))
        }
        other => panic!("spreekkamer under rood: {other:?}"),
    }
    assert!(matches!(
        piet.device().check_action(&spreekkamer),
        Decision::Forbidden { .. }
    ));
    let err = piet
        .device()
        .start_visit("Z-1", Actie::Spreekkamer, spreekkamer.clone(), Utc::now())
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    // A huisbezoek in person is only possible through the app under rood.
    let err = piet
        .device()
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, 2),
            Utc::now(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");

    // The verified policy is kept on the device.
    piet.reopen();
    assert_eq!(piet.device().active_code(), Code::Rood);
    assert_eq!(piet.device().policy_version(), version);
}

#[test]
fn a_device_offline_during_the_switch_gets_its_later_actions_flagged_and_nothing_dropped() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();

    // The supervisor switches to rood; piet is offline and still applies geel a moment later.
    server.switch_code(Code::Rood, "Persconferentie: code rood", 0);
    let t = Utc::now() + Duration::seconds(1);
    let visit = piet.start_huisbezoek("Z-1", t);
    let mut events = steps_to_binnen(&["piet", "kees"]);
    events.push(waarneming(1));
    piet.record("Z-1", &visit, events, t).unwrap();
    assert_eq!(piet.entry_count("Z-1"), 8);

    let report = piet.sync().unwrap();
    assert!(report.summary.rejections.is_empty());
    assert_eq!(report.entries_sent, 8);
    assert_eq!(report.policy.code, Code::Rood);
    assert_eq!(server.entry_count("Z-1"), 8, "nothing is dropped");

    let flags = server.flags();
    assert!(
        !flags.is_empty(),
        "actions under an outdated code are flagged"
    );
    let device_id = piet.device().device_id().to_owned();
    for f in &flags {
        assert_eq!(f.device_id, device_id);
        assert_eq!(f.zaak_id, "Z-1");
        assert_eq!(f.code_known.as_deref(), Some("geel"));
        assert_eq!(f.code_active, "rood");
        assert!(f.resolved_at.is_none());
    }
    // The flags name entries that the server holds.
    let doc = server.document("Z-1").unwrap();
    let stored: Vec<String> = doc
        .stored_entries(&visit)
        .unwrap()
        .into_iter()
        .map(|e| e.entry_id)
        .collect();
    assert!(flags
        .iter()
        .all(|f| stored.iter().any(|id| f.entry_ref.contains(id.as_str()))));
    // Syncing again raises nothing twice.
    piet.sync().unwrap();
    assert_eq!(server.flags().len(), flags.len());
}

#[test]
fn a_revoked_device_is_refused_and_wipes() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    piet.sync().unwrap();
    assert_eq!(server.entry_count("Z-1"), 7);

    let device_id = piet.device().device_id().to_owned();
    server.revoke(&device_id);
    piet.record("Z-1", &visit, vec![waarneming(1)], t + Duration::minutes(1))
        .unwrap();
    let err = piet.sync().unwrap_err();
    assert_eq!(err.code(), "device_revoked");
    assert!(err.to_string().contains("gewist"), "{err}");
    assert!(piet.slot.is_none(), "the device is gone");
    let left: Vec<_> = std::fs::read_dir(piet.dir()).unwrap().collect();
    assert!(left.is_empty(), "store files remain: {left:?}");
    // The server kept what it had and took nothing from the revoked device.
    assert_eq!(server.entry_count("Z-1"), 7);
    // Syncing without a device says so.
    assert_eq!(piet.sync().unwrap_err().code(), "no_device");
}

#[test]
fn a_tampered_change_and_a_replayed_request_are_refused_and_nothing_is_lost() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    server.zaak("Z-2", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();

    // A replayed request: the first request of a sync sent twice with the same signature.
    let transport = Transport::new(&server.url()).unwrap();
    let signer = piet.device().request_signer().unwrap();
    let org_key = piet.device().enrollment().unwrap().org_public_key.clone();
    let body = {
        let mut session = SyncSession::new(piet.device(), &org_key).unwrap();
        session.next_request().unwrap().unwrap()
    };
    let auth = sign(&signer, "POST", SYNC_PATH, &body).unwrap();
    let first = transport
        .post_with_auth(SYNC_PATH, CONTENT_TYPE, &body, &auth)
        .unwrap();
    assert_eq!(first.status, 200);
    let again = transport
        .post_with_auth(SYNC_PATH, CONTENT_TYPE, &body, &auth)
        .unwrap();
    assert_eq!(again.status, 401);
    assert!(String::from_utf8_lossy(&again.body).contains("request_replayed"));

    // A request altered after signing.
    let mut altered = body.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let auth = sign(&signer, "POST", SYNC_PATH, &body).unwrap();
    let refused = transport
        .post_with_auth(SYNC_PATH, CONTENT_TYPE, &altered, &auth)
        .unwrap();
    assert_eq!(refused.status, 401);
    assert!(String::from_utf8_lossy(&refused.body).contains("signature_invalid"));

    // Nothing was lost: a normal sync stores every entry.
    let report = piet.sync().unwrap();
    assert!(report.summary.rejections.is_empty());
    assert_eq!(server.entry_count("Z-1"), 7);

    // A tampered change: an entry in piet's visit signed by a key the server does not know,
    // authored under piet's device actor, next to a genuine new entry.
    let device_id = piet.device().device_id().to_owned();
    piet.record("Z-1", &visit, vec![waarneming(1)], t + Duration::minutes(2))
        .unwrap();
    let mut doc = ZaakDocument::load(&piet.device().zaak_document("Z-1").unwrap()).unwrap();
    let forger = Signer {
        device_id: device_id.clone(),
        key: DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap(),
    };
    let context = PolicyContext {
        actie: Actie::Huisbezoek,
        allowed: true,
        confirmed_conditions: Vec::new(),
        policy_version: piet.device().policy_version(),
        code: Code::Geel,
        policy_synced_at: Some(t),
    };
    doc.append_entry(
        &visit,
        &waarneming(99),
        &context,
        &forger,
        t + Duration::minutes(3),
    )
    .unwrap();
    piet.device()
        .add_zaak_document(&doc.save(), Utc::now())
        .unwrap();
    // Meanwhile, genuine work in another zaak.
    let visit2 = piet.start_huisbezoek("Z-2", t);
    piet.record("Z-2", &visit2, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();

    let before = server.document("Z-1").unwrap().heads();
    let report = piet.sync().unwrap();
    let rejected: Vec<_> = report
        .summary
        .rejections
        .iter()
        .map(|r| (r.zaak_id.as_str(), r.code.as_str()))
        .collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].0, "Z-1");
    assert!(
        report.summary.rejections[0].message.contains("Z-1"),
        "the refusal names the document"
    );
    // Nothing of the refused message was stored: the device moved its copy aside, took the
    // server's and re-applied only its genuine entry (sync-protocol.md, "Recovery after a
    // refusal"); the other zaak synced.
    assert_ne!(server.document("Z-1").unwrap().heads(), before);
    assert_eq!(server.entry_count("Z-1"), 8);
    assert_eq!(report.summary.reapplied, 1);
    assert_eq!(server.entry_count("Z-2"), 7);
    // The device lost nothing: the forged entry is kept with the refused work, and what the
    // device shows verifies.
    assert_eq!(piet.entry_count("Z-1"), 8);
    let refused = piet.device().refused_work().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].kept_only_here.len(), 1);
    let kept = ZaakDocument::load(&refused[0].document().unwrap()).unwrap();
    assert_eq!(veldwerk_tests::count_entries(&kept), 9);
    let verification = piet.device().verify_visit("Z-1", &visit).unwrap();
    assert!(verification.is_intact());
}

#[test]
fn killing_the_server_mid_sync_and_restarting_loses_nothing_and_the_sync_completes() {
    let mut server = TestServer::start();
    for z in 1..=3 {
        server.zaak(&format!("Z-{z}"), &["piet", "kees"]);
    }
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now();
    for z in 1..=3 {
        let zaak = format!("Z-{z}");
        let visit = piet.start_huisbezoek(&zaak, t);
        let mut events = steps_to_binnen(&["piet", "kees"]);
        events.extend((0..10).map(waarneming));
        piet.record(&zaak, &visit, events, t).unwrap();
    }

    // Killed before each round trip in turn (a sync with new changes needs one round trip: its
    // first message carries them, so the later kills find the sync done).
    let mut kills = 0;
    for kill_at in 1..=3u32 {
        let result = {
            let server = &mut server;
            piet.sync_with(&mut |p| {
                if let veldwerk_client::SyncProgress::Sending { round_trip, .. } = p {
                    if round_trip == kill_at {
                        server.kill();
                    }
                }
            })
        };
        match result {
            Err(e) => {
                assert!(e.is_transient(), "{e:?}");
                kills += 1;
                // The device still has everything, and reopens cleanly.
                piet.reopen();
                for z in 1..=3 {
                    assert_eq!(piet.entry_count(&format!("Z-{z}")), 17);
                }
                server.restart();
            }
            Ok(report) => {
                // The sync finished before round trip `kill_at`.
                assert_eq!(report.unsynced_entries, 0);
            }
        }
    }
    assert!(kills >= 1, "the first round trip was killed");

    // Killed while the round trip is in flight (whatever the moment the kill lands: before
    // the server stored the changes, or after and before the device learned it).
    for z in 1..=3 {
        let zaak = format!("Z-{z}");
        let visit = piet.device().zaak_detail(&zaak).unwrap().visits[0]
            .meta
            .visit_id
            .clone();
        piet.record(
            &zaak,
            &visit,
            vec![waarneming(50)],
            t + Duration::minutes(9),
        )
        .unwrap();
    }
    let result = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let target = &mut server;
        let killer = scope.spawn(move || {
            if rx.recv().is_ok() {
                target.kill();
            }
        });
        let r = piet.sync_with(&mut |p| {
            if let veldwerk_client::SyncProgress::Sending { round_trip: 1, .. } = p {
                let _ = tx.send(());
            }
        });
        drop(tx);
        killer.join().unwrap();
        r
    });
    if let Err(e) = &result {
        assert!(e.is_transient(), "{e:?}");
    }
    server.restart();

    let report = piet.sync().unwrap();
    assert!(report.summary.rejections.is_empty());
    assert_eq!(report.unsynced_entries, 0);
    for z in 1..=3 {
        assert_eq!(server.entry_count(&format!("Z-{z}")), 18);
    }
    // Another device sees all of it.
    let mut kees = TestDevice::enrolled(&server, "kees");
    kees.sync().unwrap();
    for z in 1..=3 {
        let zaak = format!("Z-{z}");
        assert_eq!(kees.entry_ids(&zaak), piet.entry_ids(&zaak));
    }
}

/// Issue 17: a signal assessed into a melding handhaving (seed 000) becomes a zaak with the
/// signal's termijn (seed 001 bijlage 1, "Tip/informatie door derde": binnen twee weken), and
/// that termijn reaches the handhaver's device at its next sync.
#[test]
fn a_zaak_made_from_a_signal_reaches_the_device_with_the_signals_termijn() {
    use veldwerk_server::signalen::{self, NewSignaal};
    let server = TestServer::start();
    let mut piet = TestDevice::enrolled(&server, "piet");
    let received = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let zaak = server
        .db
        .write(|tx| {
            let tip = signalen::register(
                tx,
                &NewSignaal {
                    soort: "tip_derde".into(),
                    ontvangen: Some(received),
                    feiten: "Een buurman noemt een tweede volwassene op het adres.".into(),
                    melder_contact: Some("06-12345678".into()),
                    ..NewSignaal::default()
                },
                "sanne",
                veldwerk_server::db::now(),
            )?;
            let mut new = veldwerk_tests::new_zaak("Z-SIGNAAL");
            new.deadline = None;
            new.melding.begindatum = received;
            let (zaak, _) =
                signalen::into_melding(tx, &[tip.id], new, "sanne", veldwerk_server::db::now())?;
            veldwerk_server::zaken::assign(
                tx,
                &zaak.id,
                "piet",
                "sanne",
                veldwerk_server::db::now(),
            )?;
            Ok(zaak)
        })
        .unwrap();
    let due = received + Duration::days(14);
    assert_eq!(zaak.deadline, Some(due));

    piet.sync().unwrap();
    let list = piet.device().worklist().unwrap();
    let item = list
        .items
        .iter()
        .find(|i| i.zaak_id == "Z-SIGNAAL")
        .expect("the zaak reached the device");
    assert_eq!(item.deadline, Some(due));
    // Kept on the device: still there after reopening the store, without network.
    piet.reopen();
    let again = piet.device().worklist().unwrap();
    assert_eq!(
        again
            .items
            .iter()
            .find(|i| i.zaak_id == "Z-SIGNAAL")
            .and_then(|i| i.deadline),
        Some(due)
    );
}

/// Issue 16 §1: the organisation's vragenlijst, set on the server, reaches the device in the
/// signed policy bundle at its next sync; a file with problems is refused with their lines.
#[test]
fn an_organisations_vragenlijst_reaches_the_device_in_the_signed_policy() {
    use veldwerk_rules::vragenlijst::Vragenlijst;
    use veldwerk_server::{db::now, org, policy};
    let server = TestServer::start();
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    assert_eq!(
        piet.device().rules().vragenlijst(),
        &Vragenlijst::standaard()
    );
    let organisation = org::load(&server.db).unwrap().unwrap();
    let err = server
        .db
        .write(|tx| policy::set_vragenlijst(tx, &organisation, "id = \"x\"\nversie = 1\ntitel = \"t\"\n[[vraag]]\nid = \"a\"\ntekst = \"b\"\nsoort = \"kleur\"\n", "sanne", now()))
        .unwrap_err();
    assert_eq!(err.code(), "vragenlijst_invalid");
    assert!(err.to_string().contains("regel 7"), "{err}");
    let eigen = "id = \"eigen\"\nversie = 2\ntitel = \"Eigen lijst\"\n[[vraag]]\nid = \"kamers\"\ntekst = \"Hoeveel kamers?\"\nsoort = \"getal\"\nmin = 1\nmax = 8\n";
    server
        .db
        .write(|tx| policy::set_vragenlijst(tx, &organisation, eigen, "sanne", now()))
        .unwrap();
    piet.sync().unwrap();
    assert_eq!(
        piet.device().rules().vragenlijst(),
        &Vragenlijst::from_toml(eigen).unwrap()
    );
    piet.reopen();
    assert_eq!(piet.device().rules().vragenlijst().id, "eigen");
}

/// Issue 15 point 3 (seed 001 §3): the organisation's own consent texts, set on the server,
/// reach the device in the signed policy bundle at its next sync; the device then shows the
/// organisation's text and refuses the built-in one it replaced. A text missing what its
/// variant must say is refused on the server with its line, and nothing changes.
#[test]
fn an_organisations_consent_texts_reach_the_device_and_replace_the_built_in_ones() {
    use veldwerk_rules::protocol::{ToestemmingsTekst, Variant};
    use veldwerk_server::{db::now, org, policy};
    let server = TestServer::start();
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    assert_eq!(
        piet.device()
            .rules()
            .toestemmingstekst(Variant::B, Actie::Huisbezoek),
        ToestemmingsTekst::standaard(Variant::B)
    );
    let organisation = org::load(&server.db).unwrap().unwrap();
    let onvolledig = "[[tekst]]\nvariant = \"b\"\ntekst = \"Mogen wij even binnenkomen?\"\n";
    let err = server
        .db
        .write(|tx| policy::set_toestemmingsteksten(tx, &organisation, onvolledig, "sanne", now()))
        .unwrap_err();
    assert_eq!(err.code(), "toestemmingstekst_onvolledig");
    assert!(err.to_string().contains("regel 3"), "{err}");

    let eigen = ToestemmingsTekst::standaard(Variant::B).tekst.replace(
        "Wij komen voor een huisbezoek",
        "Wij komen vandaag bij u langs",
    );
    let bestand = format!("[[tekst]]\nvariant = \"b\"\ntekst = \"\"\"{eigen}\"\"\"\n");
    server
        .db
        .write(|tx| policy::set_toestemmingsteksten(tx, &organisation, &bestand, "sanne", now()))
        .unwrap();
    piet.sync().unwrap();
    let shown = piet
        .device()
        .rules()
        .toestemmingstekst(Variant::B, Actie::Huisbezoek);
    assert_eq!(shown, ToestemmingsTekst::new(Variant::B, eigen));
    let approved = piet.device().rules().toestemmingsteksten();
    assert!(!approved.is_goedgekeurd(
        Variant::B,
        Actie::Huisbezoek,
        &ToestemmingsTekst::standaard(Variant::B).hash
    ));
    assert!(approved.is_goedgekeurd(
        Variant::A,
        Actie::Huisbezoek,
        &ToestemmingsTekst::standaard(Variant::A).hash
    ));
    piet.reopen();
    assert_eq!(
        piet.device()
            .rules()
            .toestemmingstekst(Variant::B, Actie::Huisbezoek)
            .hash,
        shown.hash,
        "kept across a restart"
    );
}
