//! The facade's translations, through its public API on a real device store: enums both ways,
//! steps into events, errors into `VeldwerkError` variants, records out of the core's types.

use chrono::{NaiveDate, Utc};
use veldwerk_client::ClientError;
use veldwerk_device::sync::SyncError;
use veldwerk_device::{Device, DeviceError};
use veldwerk_rules::protocol::{self, Event};
use veldwerk_rules::routekaart;

use super::*;

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use fixtures::{grondslag, summary};

const KEY: [u8; 32] = [3; 32];
const ZAAK: &str = "Z-2026-0001";
const HH: &str = "hh-1";

/// A store with two zaken (created through the core, as sync would), opened by the facade.
fn facade() -> (tempfile::TempDir, Arc<Veldwerk>) {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut device = Device::open(dir.path(), KEY).unwrap();
        let now = Utc::now();
        device
            .create_zaak(
                &summary(ZAAK, NaiveDate::from_ymd_opt(2026, 12, 7), HH),
                now,
            )
            .unwrap();
        device
            .create_zaak(
                &summary("Z-2026-0002", NaiveDate::from_ymd_opt(2026, 12, 1), HH),
                now,
            )
            .unwrap();
    }
    let vw = Veldwerk::open(dir.path().display().to_string(), KEY.to_vec()).unwrap();
    (dir, vw)
}

fn record_confirmed(vw: &Veldwerk, visit: &str, stap: Stap) -> Result<Recorded, VeldwerkError> {
    let conditions = fixtures::conditions(vw, ZAAK, visit, &stap)?;
    vw.record(ZAAK.into(), visit.into(), stap, conditions)
}

fn app_visit(vw: &Veldwerk) -> String {
    vw.start_visit(
        ZAAK.into(),
        Actie::HuisbezoekApp,
        ActionParams {
            handhavers: Some(1),
            ..ActionParams::default()
        },
    )
    .unwrap()
}

#[test]
fn mirrored_enums_translate_both_ways_for_every_variant() {
    for c in [Code::Geel, Code::Oranje, Code::Rood] {
        assert_eq!(Code::from(routekaart::Code::from(c)), c);
    }
    assert_eq!(routekaart::Code::from(Code::Rood), routekaart::Code::Rood);
    // Every core action has its own facade action (the round trip keeps them apart).
    for a in routekaart::Actie::ALL {
        assert_eq!(routekaart::Actie::from(Actie::from(a)), a);
    }
    assert_eq!(
        routekaart::Actie::from(Actie::HuisbezoekApp),
        routekaart::Actie::HuisbezoekApp
    );
    for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
        assert_eq!(Variant::from(protocol::Variant::from(v)), v);
    }
    assert_eq!(
        Stapsoort::from(protocol::EventSoort::ToestemmingGevraagd),
        Stapsoort::ToestemmingGevraagd
    );
    assert_eq!(Fase::from(protocol::Fase::Binnen), Fase::Binnen);
}

#[test]
fn steps_become_the_same_core_events() {
    let text = consent_text(Variant::B, Actie::Huisbezoek);
    assert_eq!(
        Stap::ToestemmingGevraagd {
            variant: text.variant,
            tekst: text.tekst.clone(),
            tekst_hash: text.hash.clone(),
            aanleiding: "Twijfel over de woonsituatie.".into(),
            tolk: None,
        }
        .into_event()
        .unwrap(),
        protocol::ToestemmingsTekst::standaard(protocol::Variant::B)
            .event("Twijfel over de woonsituatie.")
    );
    assert_eq!(
        Stap::Binnentreden.into_event().unwrap(),
        Event::Binnentreden
    );
    assert_eq!(
        Stap::Waarneming {
            ruimte: "keuken".into(),
            tekst: "Twee borden.".into(),
            foto: Some("ab".repeat(32)),
            kast_geopend: true,
            kamer_van: None,
        }
        .into_event()
        .unwrap(),
        Event::Waarneming {
            ruimte: "keuken".into(),
            tekst: "Twee borden.".into(),
            foto: Some("ab".repeat(32)),
            kast_geopend: true,
            kamer_van: None,
        }
    );
    match (Stap::Aanleiding {
        actie: Actie::HuisbezoekApp,
        grondslag: grondslag(),
    })
    .into_event()
    .unwrap()
    {
        Event::Aanleiding { actie, grondslag } => {
            assert_eq!(actie, routekaart::Actie::HuisbezoekApp);
            assert_eq!(grondslag.variant(), protocol::Variant::A);
            assert!(grondslag.validate().is_ok());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Stap::UitnodigingBespreking {
            datum: Some("2026-12-01".into()),
            toelichting: None,
        }
        .into_event()
        .unwrap(),
        Event::UitnodigingBespreking {
            datum: NaiveDate::from_ymd_opt(2026, 12, 1),
            toelichting: None,
        }
    );
    let bad = Stap::UitnodigingBespreking {
        datum: Some("1 december".into()),
        toelichting: None,
    }
    .into_event()
    .unwrap_err();
    assert_eq!(bad.code(), "date_invalid");
    assert!(matches!(bad, VeldwerkError::InvalidInput { .. }));
    // A waarneming ter plaatse (issue 15) takes its moment as RFC 3339.
    let ter_plaatse = |t: &str| Stap::WaarnemingTerPlaatse {
        plek: "Voor Dorpsstraat 12".into(),
        tekst: "Een man verliet de woning.".into(),
        vanaf_openbare_weg: true,
        waargenomen_om: Some(t.into()),
    };
    let Event::WaarnemingTerPlaatse { waargenomen_om, .. } =
        ter_plaatse("2026-12-07T07:40:00+01:00")
            .into_event()
            .unwrap()
    else {
        panic!("not a waarneming ter plaatse")
    };
    assert_eq!(
        waargenomen_om.map(|t| t.to_rfc3339()),
        Some("2026-12-07T06:40:00+00:00".to_owned())
    );
    assert_eq!(
        ter_plaatse("morgen vroeg").into_event().unwrap_err().code(),
        "time_invalid"
    );
    assert_eq!(
        Stap::BezoekAfgebroken {
            reden: "Code rood.".into()
        }
        .into_event()
        .unwrap(),
        Event::BezoekAfgebroken {
            reden: "Code rood.".into()
        }
    );
    assert_eq!(
        Stapsoort::from(protocol::EventSoort::BezoekAfgebroken),
        Stapsoort::BezoekAfgebroken
    );
}

#[test]
fn decisions_keep_reasons_conditions_and_warnings_apart() {
    let n = |c: &str| veldwerk_rules::Notice::new(c, "tekst");
    let forbidden = Decision::from(routekaart::Decision::Forbidden {
        reasons: vec![n("r")],
        warnings: vec![n("w")],
    });
    assert!(!forbidden.allowed);
    assert_eq!(forbidden.reasons[0].code, "r");
    assert!(forbidden.conditions.is_empty());
    assert_eq!(forbidden.warnings[0].code, "w");
    let allowed = Decision::from(routekaart::Decision::Allowed {
        conditions: vec![n("c1"), n("c2")],
        warnings: vec![],
    });
    assert!(allowed.allowed && allowed.reasons.is_empty());
    assert_eq!(
        allowed
            .conditions
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["c1", "c2"]
    );
}

#[test]
fn core_errors_become_typed_variants_with_their_codes() {
    let e = VeldwerkError::from(DeviceError::NotEnrolled);
    assert!(matches!(e, VeldwerkError::NotEnrolled { .. }));
    assert_eq!(e.code(), "not_enrolled");
    let e = VeldwerkError::from(DeviceError::UnknownZaak("Z".into()));
    assert!(matches!(e, VeldwerkError::NotFound { .. }));
    let e = VeldwerkError::from(DeviceError::ActieForbidden {
        actie: routekaart::Actie::Spreekkamer,
        code: routekaart::Code::Rood,
        reasons: vec![veldwerk_rules::Notice::new("lockdown", "Niet bij rood.")],
    });
    match &e {
        VeldwerkError::Forbidden {
            code,
            detail,
            reasons,
        } => {
            assert_eq!(code, "actie_verboden");
            assert!(detail.contains("rood"), "{detail}");
            assert_eq!(reasons[0].code, "lockdown");
        }
        other => panic!("{other:?}"),
    }
    let e = VeldwerkError::from(ClientError::Refused {
        status: 401,
        code: "enroll_code_invalid".into(),
        message: "Deze koppelcode is onbekend.".into(),
    });
    assert_eq!(
        e,
        VeldwerkError::Refused {
            code: "enroll_code_invalid".into(),
            detail: "Deze koppelcode is onbekend.".into(),
            status: 401,
        }
    );
    let e = VeldwerkError::from(ClientError::Revoked {
        wiped: true,
        detail: None,
    });
    assert!(
        matches!(&e, VeldwerkError::Revoked { wiped: true, detail, .. } if detail.contains("gewist")),
        "{e:?}"
    );
    assert_eq!(e.code(), "device_revoked");
    let e = VeldwerkError::from(ClientError::Timeout);
    assert!(
        matches!(
            e,
            VeldwerkError::Network {
                transient: true,
                ..
            }
        ),
        "{e:?}"
    );
    let e = VeldwerkError::from(ClientError::Device(DeviceError::NotEnrolled));
    assert!(matches!(e, VeldwerkError::NotEnrolled { .. }), "{e:?}");
    assert_eq!(
        VeldwerkError::from(ClientError::NoDevice).code(),
        "store_closed"
    );
    let e = VeldwerkError::from(SyncError::NotConverging(32));
    assert!(matches!(e, VeldwerkError::Network { .. }));
    assert_eq!(e.code(), "sync_not_converging");
}

#[test]
fn key_of_wrong_length_and_wrong_key_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    let e = Veldwerk::open(path.clone(), vec![0; 16]).unwrap_err();
    assert_eq!(e.code(), "storage_key_invalid");
    drop(Veldwerk::open(path.clone(), KEY.to_vec()).unwrap());
    let e = Veldwerk::open(path, vec![9; 32]).unwrap_err();
    assert!(matches!(e, VeldwerkError::WrongKey { .. }), "{e:?}");
    assert_eq!(e.code(), "wrong_key");
}

#[test]
fn worklist_and_policy_status_are_the_cores_reshaped() {
    let (_dir, vw) = facade();
    let list = vw.worklist().unwrap();
    assert!(list.damaged.is_empty());
    let deadlines: Vec<_> = list.items.iter().map(|i| i.deadline.clone()).collect();
    assert_eq!(
        deadlines,
        [Some("2026-12-01".to_owned()), Some("2026-12-07".to_owned())]
    );
    assert!(list.items.iter().all(|i| i.next_step == "bezoek_starten"));
    let p = vw.policy_status().unwrap();
    assert!(!p.installed && p.stale && p.code == Code::Geel);
    assert_eq!(p.warnings[0].code, "policy_missing");
    assert!(!vw.is_enrolled().unwrap());
}

#[test]
fn a_visit_through_the_facade_is_checked_recorded_and_read_back() {
    let (_dir, vw) = facade();
    let visit = app_visit(&vw);
    let p = vw.next_steps(ZAAK.into(), visit.clone()).unwrap();
    assert_eq!(p.fase, Fase::Nieuw);
    assert!(!p.next_steps.contains(&Stapsoort::Binnentreden));

    // Entering before consent: the protocol refuses, typed.
    let e = vw
        .record(ZAAK.into(), visit.clone(), Stap::Binnentreden, vec![])
        .unwrap_err();
    assert!(matches!(e, VeldwerkError::Protocol { .. }), "{e:?}");

    // Desk steps ask no door conditions (issue 15): the aanleiding records with none.
    vw.record(
        ZAAK.into(),
        visit.clone(),
        Stap::Aanleiding {
            actie: Actie::HuisbezoekApp,
            grondslag: grondslag(),
        },
        vec![],
    )
    .unwrap();
    assert_eq!(
        vw.next_steps(ZAAK.into(), visit.clone())
            .unwrap()
            .consent_variant,
        Some(Variant::A)
    );
    record_confirmed(
        &vw,
        &visit,
        Stap::Aankondiging {
            wijze: Aankondigingswijze::Aangekondigd,
            toelichting: None,
        },
    )
    .unwrap();

    // Conditions not confirmed at the door: the checklist comes back.
    let deur = || Stap::AanDeDeur {
        handhavers: vec![HH.into()],
        leider: HH.into(),
        minderjarigen_aanwezig: Some(false),
    };
    let e = vw
        .record(ZAAK.into(), visit.clone(), deur(), vec![])
        .unwrap_err();
    match e {
        VeldwerkError::ConditionsNotConfirmed { missing, .. } => assert!(!missing.is_empty()),
        other => panic!("{other:?}"),
    }
    for stap in [
        deur(),
        Stap::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: "Woonsituatie vaststellen".into(),
        },
    ] {
        record_confirmed(&vw, &visit, stap).unwrap();
    }
    let text = consent_text(Variant::A, Actie::HuisbezoekApp);
    record_confirmed(
        &vw,
        &visit,
        Stap::ToestemmingGevraagd {
            variant: text.variant,
            tekst: text.tekst,
            tekst_hash: text.hash,
            aanleiding: "Volgens het Inlichtingenbureau woont er een tweede persoon.".into(),
            tolk: None,
        },
    )
    .unwrap();
    record_confirmed(
        &vw,
        &visit,
        Stap::ToestemmingGegeven {
            door: "bewoner".into(),
            rol: Rol::Bewoner,
            leeftijd: Leeftijdsgroep::Volwassen,
            onderwerp_van_twijfel: false,
        },
    )
    .unwrap();
    record_confirmed(&vw, &visit, Stap::Binnentreden).unwrap();
    let speculative = Stap::Waarneming {
        ruimte: "slaapkamer".into(),
        tekst: "Vermoedelijk slaapt hier een tweede persoon.".into(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    };
    // Issue 15: the app learns the warnings and the step's conditions before signing.
    let check = vw
        .check_step(ZAAK.into(), visit.clone(), speculative.clone())
        .unwrap();
    assert_eq!(
        check.text_warnings[0].matched.to_lowercase(),
        "vermoedelijk"
    );
    let conditions: Vec<String> = check
        .decision
        .expect("a waarneming is a contact step the routekaart governs")
        .conditions
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert!(
        conditions.iter().any(|c| c == "distance_1_5_m")
            && !conditions
                .iter()
                .any(|c| c == veldwerk_rules::routekaart::table::LARGE_CHECKS_CODE),
        "{conditions:?}"
    );
    let w = record_confirmed(&vw, &visit, speculative).unwrap();
    assert_eq!(w.seq, 8);
    assert_eq!(w.text_warnings[0].veld, "tekst");
    assert_eq!(w.text_warnings[0].matched.to_lowercase(), "vermoedelijk");

    let zaak = vw.zaak_detail(ZAAK.into()).unwrap();
    assert_eq!(zaak.adres.city, "Demodorp");
    assert_eq!(zaak.werkproces, "h2");
    let v = &zaak.visits[0];
    assert_eq!((v.actie, v.fase), (Actie::HuisbezoekApp, Fase::Binnen));
    assert!(v.intact);
    assert_eq!(v.entries.len(), 8);
    assert!(v.entries.iter().all(|e| e.verification == "ok"));
    assert_eq!(v.entries[4].soort, Some(Stapsoort::ToestemmingGevraagd));
    assert_eq!(v.entries[7].entry_id, w.entry_id);
    // Issue 15: the warnings the app showed and the handhaver signed over are in the signed body.
    let body: serde_json::Value = serde_json::from_str(&v.entries[7].body).unwrap();
    assert_eq!(
        body["taalwaarschuwingen"][0]["fragment"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some("vermoedelijk")
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&v.entries[6].body)
            .unwrap()
            .get("taalwaarschuwingen")
            .is_none()
    );
    assert!(v.next_steps.contains(&Stapsoort::Afsluiting));
}

#[test]
fn forbidden_plans_photos_and_unknown_visits_are_typed() {
    let (_dir, vw) = facade();
    let e = vw
        .start_visit(
            ZAAK.into(),
            Actie::Huisbezoek,
            ActionParams {
                handhavers: Some(3),
                ..ActionParams::default()
            },
        )
        .unwrap_err();
    match e {
        VeldwerkError::Forbidden { reasons, .. } => {
            assert_eq!(reasons[0].code, "max_handhavers_exceeded")
        }
        other => panic!("{other:?}"),
    }
    let d = vw
        .check_action(
            Actie::Huisbezoek,
            ActionParams {
                handhavers: Some(3),
                ..ActionParams::default()
            },
        )
        .unwrap();
    assert!(!d.allowed);
    let blob = vw.put_photo(ZAAK.into(), b"jpeg".to_vec()).unwrap();
    assert_eq!(blob.len(), 64);
    let e = vw
        .put_photo("Z-elders".into(), b"jpeg".to_vec())
        .unwrap_err();
    assert!(matches!(e, VeldwerkError::NotFound { .. }));
    let e = vw
        .next_steps(ZAAK.into(), "geen-bezoek".into())
        .unwrap_err();
    assert_eq!(e.code(), "visit_unknown");
}

#[test]
fn sync_needs_enrollment_and_an_unreachable_server_is_a_network_error() {
    struct Ignore;
    impl SyncProgress for Ignore {
        fn on_step(&self, _: SyncStep) {}
    }
    let (_dir, vw) = facade();
    let e = vw.sync(Box::new(Ignore)).unwrap_err();
    assert!(matches!(e, VeldwerkError::NotEnrolled { .. }), "{e:?}");
    // A loopback port nothing listens on any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = vw
        .enroll(format!("http://{addr}"), "AAAA-BBBB-CCCC".into())
        .unwrap_err();
    assert!(
        matches!(
            e,
            VeldwerkError::Network {
                transient: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), "server_unreachable");
    let e = vw
        .enroll("veldwerk.example.nl".into(), "AAAA-BBBB-CCCC".into())
        .unwrap_err();
    assert!(matches!(e, VeldwerkError::InvalidInput { .. }), "{e:?}");
    assert_eq!(e.code(), "server_url_invalid");
    assert!(!vw.is_enrolled().unwrap());
}

#[test]
fn wipe_closes_the_facade_and_erases_the_store() {
    let (dir, vw) = facade();
    vw.wipe().unwrap();
    assert_eq!(vw.worklist().unwrap_err().code(), "store_closed");
    struct Ignore;
    impl SyncProgress for Ignore {
        fn on_step(&self, _: SyncStep) {}
    }
    assert_eq!(
        vw.sync(Box::new(Ignore)).unwrap_err().code(),
        "store_closed"
    );
    assert!(vw.wipe().is_ok(), "a second wipe is harmless");
    let fresh = Veldwerk::open(dir.path().display().to_string(), KEY.to_vec()).unwrap();
    assert!(fresh.worklist().unwrap().items.is_empty());
}

#[test]
fn consent_texts_and_text_warnings_are_the_cores() {
    for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
        let t = consent_text(v, Actie::Huisbezoek);
        assert_eq!(t.variant, v);
        assert_eq!(t.hash, protocol::toestemming::tekst_hash(&t.tekst));
        // The digital tour has its own text (issue 16): the camera, the client's own photos.
        let d = consent_text(v, Actie::HuisbezoekApp);
        assert!(d.tekst.contains("camera") && d.hash != t.hash);
    }
    assert!(text_warnings("Op de deurbel staan twee namen.".into()).is_empty());
    let w = text_warnings("Waarschijnlijk woont hier iemand anders.".into());
    assert_eq!(w[0].code, "speculatief_taalgebruik");
    assert_eq!((w[0].start, w[0].end), (0, "Waarschijnlijk".len() as u32));
}

#[test]
fn the_step_screen_and_the_zaak_screen_agree_on_where_a_visit_stands() {
    let (_dir, vw) = facade();
    let visit = app_visit(&vw);
    let shown = |vw: &Veldwerk| {
        let detail = vw.zaak_detail(ZAAK.into()).unwrap();
        let v = detail
            .visits
            .into_iter()
            .find(|v| v.visit_id == visit)
            .unwrap();
        VisitProgress {
            visit_id: v.visit_id,
            fase: v.fase,
            einde: v.einde,
            next_steps: v.next_steps,
            consent_variant: v.consent_variant,
            // No texts of its own: the organisation's approved text is the built-in one.
            consent_text: v
                .consent_variant
                .map(|c| consent_text(c, Actie::HuisbezoekApp)),
            warnings: v.warnings,
        }
    };
    let p = vw.next_steps(ZAAK.into(), visit.clone()).unwrap();
    assert_eq!(p.consent_variant, None);
    assert_eq!(p, shown(&vw));
    record_confirmed(
        &vw,
        &visit,
        Stap::Aanleiding {
            actie: Actie::HuisbezoekApp,
            grondslag: grondslag(),
        },
    )
    .unwrap();
    let p = vw.next_steps(ZAAK.into(), visit.clone()).unwrap();
    assert_eq!(
        (p.fase, p.consent_variant),
        (Fase::Aanleiding, Some(Variant::A))
    );
    assert_eq!(p, shown(&vw));

    match vw.next_steps(ZAAK.into(), "geen-bezoek".into()) {
        Err(VeldwerkError::NotFound { code, detail }) => {
            assert_eq!(code, "visit_unknown");
            assert_eq!(
                detail,
                format!("Bezoek geen-bezoek staat niet bij zaak {ZAAK}.")
            );
        }
        other => panic!("{other:?}"),
    }
    match vw.next_steps("Z-elders".into(), visit) {
        Err(VeldwerkError::NotFound { code, .. }) => assert_eq!(code, "zaak_unknown"),
        other => panic!("{other:?}"),
    }
}

/// Issue 13, item 6: the app lists refused work ("geweigerd door de server") with the server's
/// code and reason, and the zaak leaves the worklist until the server's copy arrives.
#[test]
fn refused_work_is_listed_for_the_app() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut device = Device::open(dir.path(), KEY).unwrap();
        device
            .create_zaak(
                &summary(ZAAK, NaiveDate::from_ymd_opt(2026, 12, 7), HH),
                Utc::now(),
            )
            .unwrap();
        let rejection = veldwerk_device::sync::Rejection {
            zaak_id: ZAAK.into(),
            code: "summary_changed".into(),
            message: "De zaakgegevens mogen alleen op kantoor worden gewijzigd.".into(),
        };
        assert!(device.set_aside_refused(&rejection, Utc::now()).unwrap());
    }
    let vw = Veldwerk::open(dir.path().display().to_string(), KEY.to_vec()).unwrap();
    let refused = vw.refused_work().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].zaak_id, ZAAK);
    assert_eq!(refused[0].code, "summary_changed");
    assert!(refused[0].message.contains("kantoor"));
    assert!(!refused[0].rebased);
    assert_eq!((refused[0].reapplied, refused[0].kept_only_here), (0, 0));
    assert!(vw.worklist().unwrap().items.is_empty());
}
