//! Issue 14: the back office reads the evidence. Real devices record and sync a whole visit
//! to a real server; the supervisor reads it on the zaak page and through the case system's
//! API, withdraws and closes the zaak, and the devices hear it at their next sync.

use chrono::{Duration, Utc};
use veldwerk_rules::protocol::Event;
use veldwerk_tests::console::{anonymous, Supervisor};
use veldwerk_tests::{full_visit, TestDevice, TestServer};

/// A zaak Z-1 for piet and kees with one whole visit by both (piet leads; kees records a
/// waarneming and a correctie of piet's first one), synced by both.
fn recorded() -> (TestServer, TestDevice, TestDevice, String) {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    let mut kees = TestDevice::enrolled(&server, "kees");
    piet.sync().unwrap();
    kees.sync().unwrap();
    let t = Utc::now() - Duration::hours(1);
    let visit = piet.start_huisbezoek("Z-1", t);
    let mut events = full_visit(&["piet", "kees"], 3);
    let tail = events.split_off(events.len() - 2);
    piet.record("Z-1", &visit, events, t).unwrap();
    piet.sync().unwrap();
    kees.sync().unwrap();
    let first_waarneming = {
        let doc = server.document("Z-1").unwrap();
        doc.entries(&visit)
            .unwrap()
            .into_iter()
            .find(|e| matches!(e.event(), Ok(Event::Waarneming { .. })))
            .unwrap()
            .entry_id
    };
    kees.record(
        "Z-1",
        &visit,
        vec![
            Event::Waarneming {
                ruimte: "zolder".into(),
                tekst: "Op de zolder staat een tweepersoonsbed.".into(),
                foto: None,
                kast_geopend: false,
                kamer_van: None,
            },
            Event::Correctie {
                corrigeert: first_waarneming,
                tekst: "Het waren drie tandenborstels, niet twee.".into(),
            },
        ],
        t + Duration::minutes(10),
    )
    .unwrap();
    kees.sync().unwrap();
    piet.sync().unwrap();
    piet.record("Z-1", &visit, tail, t + Duration::minutes(20))
        .unwrap();
    piet.sync().unwrap();
    kees.sync().unwrap();
    (server, piet, kees, visit)
}

/// Issue 14, item 1: every entry with its verdict, the consent text verbatim with its hash,
/// the correctie beside the entry it corrects (which stays), who and under which code.
#[test]
fn the_zaak_page_shows_every_entry_with_its_verdict_consent_text_and_rapport() {
    let (server, _piet, _kees, visit) = recorded();
    let sup = Supervisor::sign_in(&server);

    let list = sup.get("/zaken").text();
    assert!(list.contains(r#"href="/zaken/Z-1""#), "{list}");

    let page = sup.get("/zaken/Z-1");
    assert_eq!(page.status, 200);
    let html = page.text();
    let doc = server.document("Z-1").unwrap();
    let entries = doc.entries(&visit).unwrap();
    assert_eq!(entries.len(), 14);
    assert_eq!(
        html.matches(r#"data-status="ok""#).count(),
        entries.len() * 2,
        "every entry and its tag verified"
    );
    for e in &entries {
        assert!(html.contains(&format!(r#"id="e-{}""#, e.entry_id)));
        match e.event().unwrap() {
            Event::ToestemmingGevraagd {
                tekst,
                tekst_hash,
                aanleiding,
                ..
            } => {
                assert!(html.contains(&tekst), "consent text verbatim");
                assert!(html.contains(&tekst_hash));
                // Seed 001 §3: the aanleiding told at the door shows beside the consent.
                assert!(!aanleiding.is_empty());
                assert!(html.contains(&aanleiding), "aanleiding told at the door");
            }
            Event::Waarneming { tekst, .. } => assert!(html.contains(&tekst), "{tekst}"),
            Event::Rapport { tekst, .. } => assert!(html.contains(&tekst)),
            _ => {}
        }
    }
    assert!(html.contains("Gecorrigeerd door"));
    assert!(html.contains("Het waren drie tandenborstels, niet twee."));
    assert!(html.contains("Waarneming 1: in de badkamer staan twee tandenborstels."));
    assert!(html.contains("kees (onder ambtsbelofte)"));
    assert!(html.contains("piet (onder ambtseed)"));
    assert!(html.contains("Alle vastleggingen van dit bezoek zijn ondertekend"));
    assert!(html.contains(&format!("/zaken/Z-1/bezoeken/{visit}/rapport.pdf")));
    // No snake_case names of the protocol on the page.
    for raw in ["toestemming_gevraagd", "aan_de_deur", "concrete_aanwijzing"] {
        assert!(!html.contains(&format!(">{raw}<")), "{raw}");
    }

    assert_eq!(sup.get("/zaken/Z-404").status, 404);

    // The visit is in the history, once, when it first arrived.
    let history = sup.get("/geschiedenis").text();
    let arrived = format!("Bezoek {visit} van zaak Z-1 ontvangen");
    assert_eq!(history.matches(&arrived).count(), 1, "{history}");
}

/// Issue 14, item 2: withdrawing reaches that handhaver's device only; closing with a besluit
/// (H2, seed 000) reaches every device, which deletes its copy; the dossier stays readable.
#[test]
fn withdrawing_and_closing_reach_the_devices_and_the_dossier_stays() {
    let (server, mut piet, mut kees, visit) = recorded();
    let sup = Supervisor::sign_in(&server);

    let r = sup.post_form("/zaken/Z-1/intrekken", &[("user", "kees")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let k = kees.sync().unwrap();
    assert!(k.summary.withdrawn.contains("Z-1"), "{:?}", k.summary);
    assert_eq!(k.summary.purged, vec!["Z-1".to_owned()]);
    assert!(piet.sync().unwrap().summary.withdrawn.is_empty());
    let again = sup.post_form("/zaken/Z-1/intrekken", &[("user", "kees")]);
    assert!(again.text().contains("zaak_not_assigned"));

    let empty = sup.post_form("/zaken/Z-1/sluiten", &[("uitkomst", ""), ("reden", "x")]);
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("zaak_uitkomst_missing"));
    let r = sup.post_form(
        "/zaken/Z-1/sluiten",
        &[
            ("uitkomst", "Recht op bijstand herzien"),
            (
                "reden",
                "Bij het huisbezoek zijn spullen van twee volwassenen aangetroffen.",
            ),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let p = piet.sync().unwrap();
    assert_eq!(p.summary.purged, vec!["Z-1".to_owned()]);

    let html = sup.get("/zaken/Z-1").text();
    assert!(html.contains("Recht op bijstand herzien"));
    assert_eq!(
        server
            .document("Z-1")
            .unwrap()
            .entries(&visit)
            .unwrap()
            .len(),
        14
    );
    let closed = sup.post_form("/zaken/Z-1/toewijzen", &[("user", "kees")]);
    assert_eq!(closed.status, 409);

    let api = sup.api("/v1/zaken/Z-1").json();
    assert_eq!(api["status"], "gesloten");
    assert_eq!(api["afsluiting"]["soort"], "besluit");
    assert_eq!(api["afsluiting"]["uitkomst"], "Recht op bijstand herzien");
}

/// Issue 14, item 5: the case system lists zaken changed since a moment and reads one with
/// every entry and its verdict; bad parameters are refused in Dutch, strangers are not let in.
#[test]
fn the_case_system_reads_zaken_changed_since_and_every_entry_with_its_verdict() {
    let (server, _piet, _kees, visit) = recorded();
    server.zaak("Z-2", &["piet"]);
    let sup = Supervisor::sign_in(&server);

    let all = sup.api("/v1/zaken").json();
    let ids: Vec<&str> = all["zaken"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["zaak_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{all}");
    let page = sup.api("/v1/zaken?limit=1").json();
    assert_eq!(page["zaken"].as_array().unwrap().len(), 1);
    let next = page["next_changed_since"].as_str().unwrap().to_owned();
    let rest = sup
        .api(&format!(
            "/v1/zaken?changed_since={}",
            next.replace('+', "%2B")
        ))
        .json();
    assert!(!rest["zaken"].as_array().unwrap().is_empty());
    let future = sup
        .api("/v1/zaken?changed_since=2999-01-01T00:00:00Z")
        .json();
    assert!(future["zaken"].as_array().unwrap().is_empty());
    assert_eq!(
        sup.api("/v1/zaken?status=open").json()["zaken"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    for (query, code) in [
        ("status=dicht", "status_invalid"),
        ("changed_since=gisteren", "changed_since_invalid"),
        ("limit=0", "limit_invalid"),
        ("limit=501", "limit_invalid"),
    ] {
        let r = sup.api(&format!("/v1/zaken?{query}"));
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (400, Some(code)),
            "{query}"
        );
    }

    let z = sup.api("/v1/zaken/Z-1").json();
    let bezoek = &z["bezoeken"][0];
    assert_eq!(bezoek["bezoek_id"], visit.as_str());
    assert_eq!(bezoek["intact"], true);
    assert_eq!(bezoek["fase"], "gerapporteerd");
    let vastleggingen = bezoek["vastleggingen"].as_array().unwrap();
    assert_eq!(vastleggingen.len(), 14);
    assert!(vastleggingen.iter().all(|v| v["status"] == "ok"));
    assert!(vastleggingen
        .iter()
        .all(|v| v["entry"]["signature"].as_str().unwrap().len() == 128));
    let corrected: Vec<_> = vastleggingen
        .iter()
        .filter(|v| !v["corrected_by"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(corrected.len(), 1);
    assert_eq!(corrected[0]["soort_label"], "Waarneming");

    assert_eq!(sup.api("/v1/zaken/Z-404").json()["code"], "zaak_not_found");
    assert_eq!(anonymous(&server, "/v1/zaken").status, 401);
    assert_eq!(anonymous(&server, "/v1/zaken/Z-1").status, 401);
}

/// Issue 14, item 1: a Signalering is shown at the entry it is about, and the Signaleringen
/// page links to that entry.
#[test]
fn a_signalering_is_shown_at_its_entry_and_links_to_it() {
    use veldwerk_rules::routekaart::Code;
    use veldwerk_tests::{steps_to_binnen, waarneming};
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    // Piet is offline while the supervisor switches to rood.
    server.switch_code(Code::Rood, "Persconferentie: code rood", 0);
    let t = Utc::now() + Duration::seconds(1);
    let visit = piet.start_huisbezoek("Z-1", t);
    let mut events = steps_to_binnen(&["piet", "kees"]);
    events.push(waarneming(1));
    piet.record("Z-1", &visit, events, t).unwrap();
    piet.sync().unwrap();
    let flags = server.flags();
    assert!(!flags.is_empty());

    let sup = Supervisor::sign_in(&server);
    let html = sup.get("/zaken/Z-1").text();
    for f in &flags {
        let at_entry = html
            .find(&format!(r#"id="e-{}""#, f.entry_ref))
            .expect("the flagged entry is on the page");
        let flag = html
            .find(&format!(r#"id="signalering-{}""#, f.id))
            .expect("the flag is on the page");
        let next_entry = html[at_entry + 1..]
            .find(r#"<li class="entry""#)
            .map_or(html.len(), |n| at_entry + 1 + n);
        assert!(
            at_entry < flag && flag < next_entry,
            "flag {} at its entry",
            f.id
        );
    }
    let list = sup.get("/signaleringen").text();
    for f in &flags {
        assert!(list.contains(&format!(r#"href="/zaken/Z-1#e-{}""#, f.entry_ref)));
    }
}

/// Issue 14, items 3–5: the case system downloads a visit's rapport, which verifies, and the
/// zaak's export, which holds exactly what its manifest lists, with matching hashes.
#[test]
fn the_case_system_downloads_a_rapport_that_verifies_and_an_export_its_manifest_describes() {
    use std::io::Read;
    let (server, _piet, _kees, visit) = recorded();
    let sup = Supervisor::sign_in(&server);

    let pdf = sup.api(&format!("/v1/zaken/Z-1/bezoeken/{visit}/rapport.pdf"));
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.content_type, "application/pdf");
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &pdf.body));
    assert_eq!(pdf.header("x-veldwerk-sha256"), Some(sha.as_str()));
    let verified = veldwerk_server::rapport::verify_pdf(&pdf.body, None).unwrap();
    assert_eq!(verified.evidence.visit.visit_id, visit);
    assert_eq!(
        sup.api("/v1/zaken/Z-1/bezoeken/nee/rapport.pdf").json()["code"],
        "visit_unknown"
    );

    let export = sup.api("/v1/zaken/Z-1/export");
    assert_eq!(export.status, 200, "{}", export.text());
    assert_eq!(export.content_type, "application/zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(export.body.clone())).unwrap();
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    };
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let files = manifest["bestanden"].as_array().unwrap();
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f["naam"].as_str().unwrap().to_owned())
        .collect();
    for f in files {
        let bytes = read(f["naam"].as_str().unwrap());
        assert_eq!(
            hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes)),
            f["sha256"].as_str().unwrap()
        );
        assert_eq!(bytes.len() as u64, f["bytes"].as_u64().unwrap());
    }
    let rapport = read(&format!("bezoeken/{visit}/rapport.pdf"));
    veldwerk_server::rapport::verify_pdf(&rapport, None).unwrap();
    let zaak: serde_json::Value = serde_json::from_slice(&read("zaak.json")).unwrap();
    assert_eq!(
        zaak["bezoeken"][0]["vastleggingen"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    names.push("manifest.json".into());
    names.sort();
    let mut in_zip: Vec<String> = zip.file_names().map(str::to_owned).collect();
    in_zip.sort();
    assert_eq!(
        names, in_zip,
        "the ZIP holds exactly what the manifest lists"
    );
    assert_eq!(anonymous(&server, "/v1/zaken/Z-1/export").status, 401);
}

/// Issue 15 point 5 (seed 001 §2: no entry without the belanghebbende's consent; §3: consent
/// "deugdelijk vastgelegd"): consent on piet's device and a refusal on kees's for the same
/// visit, merged by the server, allow no further entry on either device; the zaak page shows
/// the conflict until piet, the leider, records which answer stands.
#[test]
fn seed_001_s2_s3_consent_and_refusal_on_two_devices_show_as_a_conflict_until_the_leider_decides() {
    use veldwerk_rules::protocol::{ConflictUitkomst, Leeftijdsgroep, Rol};
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    let mut kees = TestDevice::enrolled(&server, "kees");
    piet.sync().unwrap();
    kees.sync().unwrap();
    let t = Utc::now() - Duration::hours(1);
    let visit = piet.start_huisbezoek("Z-1", t);
    let mut events = full_visit(&["piet", "kees"], 1);
    events.truncate(5); // up to the consent question
    piet.record("Z-1", &visit, events, t).unwrap();
    piet.sync().unwrap();
    kees.sync().unwrap();
    piet.record(
        "Z-1",
        &visit,
        vec![
            Event::ToestemmingGegeven {
                door: "bewoner".into(),
                rol: Rol::Bewoner,
                leeftijd: Some(Leeftijdsgroep::Volwassen),
                onderwerp_van_twijfel: false,
            },
            Event::Binnentreden,
        ],
        t + Duration::minutes(5),
    )
    .unwrap();
    kees.record(
        "Z-1",
        &visit,
        vec![Event::ToestemmingGeweigerd {
            door: "bewoner".into(),
            rol: Rol::Bewoner,
            gewezen_op_gevolgen: true,
            leeftijd: Some(Leeftijdsgroep::Volwassen),
            onderwerp_van_twijfel: false,
            uitgesloten_ruimtes: Vec::new(),
        }],
        t + Duration::minutes(5),
    )
    .unwrap();
    piet.sync().unwrap();
    kees.sync().unwrap();
    piet.sync().unwrap();

    // Neither device may go on with the visit.
    let waarneming = Event::Waarneming {
        ruimte: "keuken".into(),
        tekst: "Twee borden op het aanrecht.".into(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    };
    for device in [&mut piet, &mut kees] {
        let err = device
            .record(
                "Z-1",
                &visit,
                vec![waarneming.clone()],
                t + Duration::minutes(9),
            )
            .unwrap_err();
        assert_eq!(err.code(), "toestemming_conflict");
    }

    let sup = Supervisor::sign_in(&server);
    let html = sup.get("/zaken/Z-1").text();
    assert!(
        html.contains("<strong>Toestemmingsconflict: </strong>"),
        "{html}"
    );
    assert!(html.contains("toestemming_conflict"), "{html}");

    // Only the leider decides; then the visit goes on.
    let besluit = |door: &str| Event::ToestemmingsconflictBeslecht {
        door: door.into(),
        uitkomst: ConflictUitkomst::Geweigerd,
        toelichting:
            "Navraag: de bewoner heeft geweigerd; piet legde per vergissing toestemming vast."
                .into(),
    };
    let err = kees
        .record(
            "Z-1",
            &visit,
            vec![besluit("kees")],
            t + Duration::minutes(10),
        )
        .unwrap_err();
    assert_eq!(err.code(), "conflict_niet_door_leider");
    piet.record(
        "Z-1",
        &visit,
        vec![besluit("piet")],
        t + Duration::minutes(10),
    )
    .unwrap();
    piet.sync().unwrap();
    let html = sup.get("/zaken/Z-1").text();
    assert!(
        html.contains("Toestemmingsconflict beslecht: </strong>de weigering geldt"),
        "{html}"
    );
}
