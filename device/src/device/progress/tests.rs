//! `visit_progress` and `latest_visit` through the device's public interface: they agree with
//! `zaak_detail` step by step, without verifying anything.

use super::super::tests::{
    at, device_with_zaak, plan, record_all, steps_to_binnen, summary, waarneming, KEY,
};
use super::*;
use veldwerk_rules::protocol::{Ambtsverklaring, Ondertekenaar, ToestemmingsTekst};

fn start(device: &mut Device, zaak: &str, actie: Actie, minute: i64) -> String {
    device
        .start_visit(zaak, actie, plan(actie, Some(2)), at(minute))
        .unwrap()
}

fn rapport() -> Event {
    Event::Rapport {
        tekst: "In de badkamer stonden twee tandenborstels.".into(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "hh-1".into(),
            verklaring: Ambtsverklaring::Ambtseed,
        }],
    }
}

/// What `zaak_detail` says about the same visit, in the shape of a `VisitProgress`.
fn from_detail(device: &mut Device, zaak: &str, visit: &str) -> VisitProgress {
    let v = device
        .zaak_detail(zaak)
        .unwrap()
        .visits
        .into_iter()
        .find(|v| v.meta.visit_id == visit)
        .unwrap();
    VisitProgress {
        zaak_id: zaak.into(),
        visit_id: v.meta.visit_id,
        actie: v.meta.kind,
        fase: v.fase,
        einde: v.einde,
        next_steps: v.next_steps,
        consent_variant: v.consent_variant,
        anomalies: v.anomalies,
        warnings: v.warnings,
    }
}

#[test]
fn the_fase_follows_each_step_of_a_visit() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = start(&mut device, "Z-1", Actie::Huisbezoek, 1);
    let p = device.visit_progress("Z-1", Some(&visit)).unwrap();
    assert_eq!(
        p,
        VisitProgress {
            zaak_id: "Z-1".into(),
            visit_id: visit.clone(),
            actie: Actie::Huisbezoek,
            fase: Fase::Nieuw,
            einde: None,
            next_steps: vec![EventSoort::Aanleiding],
            consent_variant: None,
            anomalies: Vec::new(),
            warnings: Vec::new(),
        }
    );

    let mut steps = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    steps.extend([
        waarneming(1),
        Event::Afsluiting { toelichting: None },
        rapport(),
        Event::UitnodigingBespreking {
            datum: None,
            toelichting: None,
        },
    ]);
    let fasen = [
        Fase::Aanleiding,
        Fase::Aangekondigd,
        Fase::AanDeDeur,
        Fase::Gelegitimeerd,
        Fase::ToestemmingGevraagd,
        Fase::ToestemmingGegeven,
        Fase::Binnen,
        Fase::Binnen,
        Fase::Beeindigd,
        Fase::Gerapporteerd,
        Fase::Uitgenodigd,
    ];
    assert_eq!(steps.len(), fasen.len());
    for (i, (step, fase)) in steps.into_iter().zip(fasen).enumerate() {
        record_all(&mut device, "Z-1", &visit, vec![step], 2 + i as i64);
        let p = device.visit_progress("Z-1", Some(&visit)).unwrap();
        assert_eq!(p.fase, fase, "after step {i}");
        assert_eq!(p.einde.is_some(), fase.is_beeindigd(), "after step {i}");
        assert_eq!(p, from_detail(&mut device, "Z-1", &visit), "after step {i}");
    }
    let p = device.visit_progress("Z-1", None).unwrap();
    assert_eq!(p.einde, Some(Einde::Afgesloten));
    assert_eq!(
        p.next_steps,
        [EventSoort::UitnodigingBespreking, EventSoort::Correctie]
    );
}

#[test]
fn the_consent_variant_is_the_grondslags_once_the_aanleiding_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = start(&mut device, "Z-1", Actie::Huisbezoek, 1);
    let aanleiding = Event::Aanleiding {
        actie: Actie::Huisbezoek,
        grondslag: Grondslag::TwijfelZonderAanwijzing {
            twijfel: "Of de opgegeven huurder op het adres woont.".into(),
            andere_wijze_onderzocht: "Registers en het dossier geraadpleegd.".into(),
        },
    };
    record_all(&mut device, "Z-1", &visit, vec![aanleiding], 2);
    let p = device.visit_progress("Z-1", Some(&visit)).unwrap();
    assert_eq!(p.consent_variant, Some(Variant::B));

    // The rest up to consent given, with the text of variant B: the variant stays in force.
    let mut steps = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    steps[4] = ToestemmingsTekst::standaard(Variant::B).event("Twijfel over de woonsituatie.");
    record_all(&mut device, "Z-1", &visit, steps[1..6].to_vec(), 3);
    let p = device.visit_progress("Z-1", Some(&visit)).unwrap();
    assert_eq!(p.fase, Fase::ToestemmingGegeven);
    assert_eq!(p.consent_variant, Some(Variant::B));
    assert_eq!(p, from_detail(&mut device, "Z-1", &visit));
}

#[test]
fn without_a_visit_id_the_latest_visit_is_meant() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    assert_eq!(device.latest_visit("Z-1").unwrap(), None);
    let err = device.visit_progress("Z-1", None).unwrap_err();
    assert_eq!(err.code(), "no_visit");

    let first = start(&mut device, "Z-1", Actie::Huisbezoek, 1);
    let second = start(&mut device, "Z-1", Actie::HuisbezoekApp, 2);
    record_all(
        &mut device,
        "Z-1",
        &first,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])[..1].to_vec(),
        3,
    );
    assert_eq!(device.latest_visit("Z-1").unwrap(), Some(second.clone()));
    let p = device.visit_progress("Z-1", None).unwrap();
    assert_eq!(
        (p.visit_id.as_str(), p.actie, p.fase),
        (second.as_str(), Actie::HuisbezoekApp, Fase::Nieuw)
    );
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(
        detail.visits.last().map(|v| v.meta.visit_id.clone()),
        Some(second.clone())
    );

    // Read again from the store, in a new session.
    drop(device);
    let mut device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(device.latest_visit("Z-1").unwrap(), Some(second));
    assert_eq!(
        device.visit_progress("Z-1", Some(&first)).unwrap().fase,
        Fase::Aanleiding
    );
}

#[test]
fn unknown_zaken_and_visits_give_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    device.create_zaak(&summary("Z-2"), at(0)).unwrap();
    start(&mut device, "Z-2", Actie::Huisbezoek, 1);
    assert_eq!(
        device.latest_visit("Z-404").unwrap_err().code(),
        "zaak_unknown"
    );
    for visit in [None, Some("v")] {
        let err = device.visit_progress("Z-404", visit).unwrap_err();
        assert_eq!(err.code(), "zaak_unknown");
    }
    let err = device.visit_progress("Z-1", Some("v")).unwrap_err();
    assert_eq!(err.code(), "visit_unknown");
    // A visit of another zaak is not this zaak's.
    let other = device.latest_visit("Z-2").unwrap().unwrap();
    let err = device.visit_progress("Z-1", Some(&other)).unwrap_err();
    assert_eq!(err.code(), "visit_unknown");
}

/// A step recorded on a device whose clock is behind, after a later step of another device:
/// the reading order puts it first, so the replay refuses it. `visit_progress` says what
/// `zaak_detail` (and every later session) says.
#[test]
fn after_a_merge_the_progress_is_the_replay_of_the_reading_order() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = device_with_zaak(da.path());
    let mut b = Device::open(db.path(), KEY).unwrap();
    let visit = start(&mut a, "Z-1", Actie::Huisbezoek, 1);
    record_all(
        &mut a,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]),
        2,
    );
    record_all(
        &mut a,
        "Z-1",
        &visit,
        vec![Event::Afsluiting { toelichting: None }],
        20,
    );
    b.add_zaak_document(&a.zaak_document("Z-1").unwrap(), at(21))
        .unwrap();
    assert_eq!(b.visit_progress("Z-1", None).unwrap().fase, Fase::Beeindigd);

    record_all(&mut b, "Z-1", &visit, vec![rapport()], 15);
    let p = b.visit_progress("Z-1", Some(&visit)).unwrap();
    assert_eq!(p.fase, Fase::Beeindigd);
    assert_eq!(p.anomalies.len(), 1);
    assert_eq!(p.anomalies[0].soort, EventSoort::Rapport);
    assert_eq!(p, from_detail(&mut b, "Z-1", &visit));
}
