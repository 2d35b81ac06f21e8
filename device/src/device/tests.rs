//! Behaviour of the device through its public interface, on real stores in temp dirs. The
//! fixtures are shared with the other test modules of the device.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::*;
use veldwerk_contract::evidence::SignedKeyList;
use veldwerk_contract::policy::{CodeDirective, PolicyBundle};
pub(super) use veldwerk_contract::zaak::test_support::{steps_to_binnen, summary_for as summary};
use veldwerk_rules::protocol::{Ambtsverklaring, ExtraOnderwerp, Ondertekenaar, Rol};

pub(super) const KEY: [u8; 32] = [7; 32];

pub(super) fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

pub(super) fn plan(actie: Actie, handhavers: Option<u32>) -> PlannedAction {
    PlannedAction {
        actie,
        handhavers,
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    }
}

pub(super) fn waarneming(n: usize) -> Event {
    Event::Waarneming {
        ruimte: format!("kamer {n}"),
        tekst: format!("Waarneming {n}: twee tandenborstels in de badkamer."),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

/// Every condition code of the decision for the next step, confirmed.
fn confirm_all(device: &mut Device, zaak: &str, visit: &str, event: &Event) -> Vec<String> {
    match device.decision_for(zaak, visit, event).unwrap() {
        Some(Decision::Allowed { conditions, .. }) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    }
}

pub(super) fn record_all(
    device: &mut Device,
    zaak: &str,
    visit: &str,
    events: Vec<Event>,
    from: i64,
) {
    for (i, event) in events.into_iter().enumerate() {
        let confirmed = confirm_all(device, zaak, visit, &event);
        device
            .record(zaak, visit, event, confirmed, at(from + i as i64))
            .unwrap();
    }
}

/// A huisbezoek of zaak `Z-1` recorded up to legitimatie (4 entries): consent is next.
fn visit_up_to_legitimatie(device: &mut Device) -> String {
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let mut events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    events.truncate(4);
    record_all(device, "Z-1", &visit, events, 2);
    visit
}

pub(super) fn device_with_zaak(dir: &Path) -> Device {
    let mut device = Device::open(dir, KEY).unwrap();
    device.create_zaak(&summary("Z-1"), at(0)).unwrap();
    device
}

struct Org {
    key: Ed25519KeyPair,
}

impl Org {
    fn new() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Org {
            key: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap(),
        }
    }

    fn public(&self) -> Vec<u8> {
        self.key.public_key().as_ref().to_vec()
    }

    fn bundle(&self, version: u64, code: Code) -> Vec<u8> {
        self.bundle_with(version, code, "")
    }

    fn bundle_with(&self, version: u64, code: Code, overrides: &str) -> Vec<u8> {
        self.bundle_of(version, code, overrides, "")
    }

    fn bundle_of(
        &self,
        version: u64,
        code: Code,
        overrides: &str,
        toestemmingsteksten: &str,
    ) -> Vec<u8> {
        let bundle = PolicyBundle {
            organisation: "Urk".into(),
            version,
            issued_at: at(0),
            overrides_toml: overrides.into(),
            directives: vec![CodeDirective {
                code,
                effective_from: at(0),
                by: "supervisor".into(),
                reason: "persconferentie".into(),
            }],
            routekaart: None,
            vragenlijst_toml: String::new(),
            toestemmingsteksten_toml: toestemmingsteksten.into(),
        };
        veldwerk_contract::policy::sign(&bundle, &self.key)
            .unwrap()
            .to_bytes()
    }
}

#[test]
fn open_creates_identity_once_and_refuses_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let (id, public) = {
        let device = Device::open(dir.path(), KEY).unwrap();
        assert!(device.device_id().starts_with("lokaal-"));
        (device.device_id().to_owned(), device.public_key())
    };
    let device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(device.device_id(), id);
    assert_eq!(device.public_key(), public);
    drop(device);
    let err = Device::open(dir.path(), [8; 32]).unwrap_err();
    assert_eq!(err.code(), "wrong_key");
}

#[test]
fn a_full_visit_is_recorded_verified_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let item = &device.worklist().unwrap().items[0];
    assert_eq!(
        (item.status.as_str(), item.next_step.as_str()),
        ("nog_geen_bezoek", "bezoek_starten")
    );

    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let item = &device.worklist().unwrap().items[0];
    assert_eq!(
        (item.status.as_str(), item.next_step.as_str()),
        ("nieuw", "aanleiding")
    );

    let mut events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    events.push(waarneming(1));
    events.push(waarneming(2));
    events.push(Event::Afsluiting { toelichting: None });
    events.push(Event::Rapport {
        tekst: "Twee tandenborstels en herenkleding in de slaapkamer aangetroffen.".into(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "hh-1".into(),
            verklaring: Ambtsverklaring::Ambtseed,
        }],
    });
    let count = events.len();
    record_all(&mut device, "Z-1", &visit, events, 2);

    let item = device.worklist().unwrap().items[0].clone();
    assert_eq!(item.status, "gerapporteerd");
    assert_eq!(item.next_step, "uitnodiging_bespreking");
    assert_eq!(item.unsynced_entries as usize, count);
    assert!(item.closed);

    let detail = device.zaak_detail("Z-1").unwrap();
    let v = &detail.visits[0];
    assert_eq!(v.entries.len(), count);
    assert_eq!(v.fase, Fase::Gerapporteerd);
    assert!(v.anomalies.is_empty());
    assert!(v.verification.is_intact(), "{:?}", v.verification);
    assert_eq!(v.plan, Some(plan(Actie::Huisbezoek, Some(2))));
    // The field steps carry the confirmed checklist; the desk's rapport carries none.
    let aan_de_deur = &v.entries[2].entry.policy;
    // The cell's conditions that apply to an ordinary visit (not a grote controle).
    let cell = device
        .check_action(&plan(Actie::Huisbezoek, Some(2)))
        .conditions()
        .to_vec();
    let checklist: Vec<String> = veldwerk_rules::protocol::stap::voorwaarden(cell, false)
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert!(!checklist.is_empty());
    assert_eq!(aan_de_deur.confirmed_conditions, checklist);
    assert_eq!(aan_de_deur.policy_version, 0);
    assert_eq!(aan_de_deur.code, Code::Geel);
    assert_eq!(aan_de_deur.policy_synced_at, None);
    assert!(v.entries[count - 1]
        .entry
        .policy
        .confirmed_conditions
        .is_empty());
}

#[test]
fn a_refused_transition_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = visit_up_to_legitimatie(&mut device);

    let confirmed = confirm_all(&mut device, "Z-1", &visit, &Event::Binnentreden);
    let err = device
        .record("Z-1", &visit, Event::Binnentreden, confirmed, at(9))
        .unwrap_err();
    assert_eq!(err.code(), "toestemming_ontbreekt");
    assert_eq!(device.worklist().unwrap().items[0].unsynced_entries, 4);

    // Reopened, the refused step is not there and the visit goes on where it was.
    drop(device);
    let mut device = Device::open(dir.path(), KEY).unwrap();
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(detail.visits[0].entries.len(), 4);
    assert_eq!(detail.visits[0].fase, Fase::Gelegitimeerd);
}

/// Seed 001 §3 ("volledige en juiste informatie over de aanleiding"): a new consent step
/// without the aanleiding told at the door is refused with `veld_leeg` and records nothing.
#[test]
fn seed_001_s3_consent_asked_without_the_aanleiding_told_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = visit_up_to_legitimatie(&mut device);
    let zonder = veldwerk_rules::protocol::ToestemmingsTekst::standaard(
        veldwerk_rules::protocol::Variant::A,
    )
    .event("");
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &zonder);
    let err = device
        .record("Z-1", &visit, zonder, confirmed, at(9))
        .unwrap_err();
    assert_eq!(err.code(), "veld_leeg");
    assert_eq!(device.worklist().unwrap().items[0].unsynced_entries, 4);
}

/// Issue 15 point 3 (seed 001 §3; BA2410): consent is asked only with a text the organisation
/// approved. Its own variant-A text comes in the signed bundle and replaces the built-in one; a
/// text with a correct hash that is not on the list ("Mogen wij even binnenkomen?") is refused
/// and records nothing; a bundle with an incomplete text is refused whole.
#[test]
fn seed_001_s3_consent_is_asked_only_with_an_approved_text() {
    use veldwerk_rules::protocol::{ToestemmingsTekst, Variant};
    let eigen = "Wij zijn handhavers van de gemeente en hebben ons gelegitimeerd. De reden van \
ons bezoek is een concrete aanwijzing in uw dossier; het doel is uw woonsituatie vast te stellen. \
U mag weigeren en uw toestemming altijd intrekken. U bent verplicht mee te werken; weigert u, dan \
kan dat gevolgen hebben voor uw bijstand. Uw toestemming of weigering komt in het rapport in uw \
klantdossier. Geeft u ons toestemming?";
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    let bestand = format!("[[tekst]]\nvariant = \"a\"\ntekst = \"\"\"{eigen}\"\"\"\n");
    let onvolledig = "[[tekst]]\nvariant = \"a\"\ntekst = \"Mogen wij even binnenkomen?\"\n";
    let err = device
        .install_policy(&org.bundle_of(1, Code::Geel, "", onvolledig), at(1))
        .unwrap_err();
    assert_eq!(err.code(), "toestemmingstekst_onvolledig");
    device
        .install_policy(&org.bundle_of(2, Code::Geel, "", &bestand), at(1))
        .unwrap();
    assert_eq!(
        device
            .rules()
            .toestemmingstekst(Variant::A, Actie::Huisbezoek),
        ToestemmingsTekst::new(Variant::A, eigen)
    );

    let visit = visit_up_to_legitimatie(&mut device);
    for refused in [
        ToestemmingsTekst::new(Variant::A, "Mogen wij even binnenkomen?"),
        ToestemmingsTekst::standaard(Variant::A),
    ] {
        let event = refused.event("Een concrete aanwijzing in het dossier.");
        let confirmed = confirm_all(&mut device, "Z-1", &visit, &event);
        let err = device
            .record("Z-1", &visit, event, confirmed, at(9))
            .unwrap_err();
        assert_eq!(err.code(), "toestemmingstekst_niet_goedgekeurd");
        assert_eq!(device.worklist().unwrap().items[0].unsynced_entries, 4);
    }
    let event = device
        .rules()
        .toestemmingstekst(Variant::A, Actie::Huisbezoek)
        .event("Een concrete aanwijzing in het dossier.");
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &event);
    device
        .record("Z-1", &visit, event, confirmed, at(10))
        .unwrap();
    assert_eq!(device.worklist().unwrap().items[0].unsynced_entries, 5);
}

#[test]
fn unconfirmed_conditions_are_listed_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, None),
            at(1),
        )
        .unwrap();
    let mut steps = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    // Desk steps ask no door conditions (issue 15): the aanleiding and the announcement record
    // with none confirmed.
    for (i, desk) in steps.drain(..2).enumerate() {
        assert!(device.decision_for("Z-1", &visit, &desk).unwrap().is_none());
        device
            .record("Z-1", &visit, desk, Vec::new(), at(1 + i as i64))
            .unwrap();
    }
    let deur = steps.remove(0);
    let needed = confirm_all(&mut device, "Z-1", &visit, &deur);
    assert!(!needed.is_empty());

    let err = device
        .record("Z-1", &visit, deur.clone(), Vec::new(), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "voorwaarden_niet_bevestigd");
    let missing: Vec<String> = err.details().into_iter().map(|n| n.code).collect();
    assert_eq!(missing, needed);

    let partly = needed[..needed.len() - 1].to_vec();
    let err = device
        .record("Z-1", &visit, deur.clone(), partly, at(2))
        .unwrap_err();
    assert_eq!(err.details().len(), 1);
    assert_eq!(
        device.zaak_detail("Z-1").unwrap().visits[0].entries.len(),
        2
    );

    device.record("Z-1", &visit, deur, needed, at(3)).unwrap();
}

#[test]
fn the_active_code_of_a_verified_policy_governs_visits() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());

    let err = device.install_policy(&org.bundle(1, Code::Oranje), at(0));
    assert_eq!(err.unwrap_err().code(), "not_enrolled");
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    assert_eq!(device.device_id(), "dev-1");

    // Another key's bundle is refused; the right one installs; an older one is refused.
    let other = Org::new();
    let err = device.install_policy(&other.bundle(5, Code::Geel), at(0));
    assert_eq!(err.unwrap_err().code(), "policy_signature_invalid");
    let status = device
        .install_policy(&org.bundle(3, Code::Oranje), at(0))
        .unwrap();
    assert_eq!((status.code, status.version), (Code::Oranje, 3));
    let err = device.install_policy(&org.bundle(2, Code::Geel), at(0));
    assert_eq!(err.unwrap_err().code(), "policy_not_newer");

    // Oranje: a physical visit is forbidden; the app with one handhaver is allowed.
    let err = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    assert!(!err.details().is_empty());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::HuisbezoekApp,
            plan(Actie::HuisbezoekApp, Some(1)),
            at(1),
        )
        .unwrap();
    let mut events = steps_to_binnen(Actie::HuisbezoekApp, &["hh-1", "hh-2"]);
    let at_door = events.remove(2);
    record_all(&mut device, "Z-1", &visit, events[..2].to_vec(), 2);
    // Two handhavers at the door break the one-handhaver rule of code oranje.
    let err = device
        .record("Z-1", &visit, at_door, Vec::new(), at(4))
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");

    // The policy survives reopening, and the entries carry its version and sync time.
    drop(device);
    let device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(device.active_code(), Code::Oranje);
    assert_eq!(device.policy_version(), 3);
    let status = device.policy_status(at(60 * 13));
    assert!(status.stale);
    assert_eq!(status.warnings[0].code, "policy_stale");
    assert!(!device.policy_status(at(60)).stale);
    let mut device = device;
    let detail = device.zaak_detail("Z-1").unwrap();
    let policy = &detail.visits[0].entries[0].entry.policy;
    assert_eq!(
        (policy.policy_version, policy.code, policy.policy_synced_at),
        (3, Code::Oranje, Some(at(0)))
    );
    assert!(detail.visits[0].verification.is_intact());
}

/// Issue 14 item 2: a visit that can no longer go on (here: the code changed to rood mid-visit)
/// is broken off with a reason, and the routekaart never blocks that step: it stops the contact.
#[test]
fn breaking_off_records_whatever_the_active_code() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    device
        .install_policy(&org.bundle(1, Code::Geel), at(0))
        .unwrap();
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    record_all(&mut device, "Z-1", &visit, events[..4].to_vec(), 2);

    device
        .install_policy(&org.bundle(2, Code::Rood), at(10))
        .unwrap();
    // Under rood the physical visit itself may not go on ...
    let next = events[4].clone();
    let err = device
        .record("Z-1", &visit, next, Vec::new(), at(11))
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    // ... but breaking it off records, with no conditions to confirm.
    let afbreken = Event::BezoekAfgebroken {
        reden: "Code rood afgekondigd tijdens het bezoek.".into(),
    };
    assert!(device
        .decision_for("Z-1", &visit, &afbreken)
        .unwrap()
        .is_none());
    let entry = device
        .record("Z-1", &visit, afbreken, Vec::new(), at(12))
        .unwrap();
    assert_eq!(entry.policy.code, Code::Rood);
    assert!(entry.policy.allowed);
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(detail.visits[0].entries.len(), 5);
    assert_eq!(
        device.visit_progress("Z-1", Some(&visit)).unwrap().einde,
        Some(veldwerk_rules::protocol::Einde::Afgebroken)
    );
}

/// Issue 15 point 6: after a code switch mid-visit the routekaart blocks only the steps that
/// start or extend contact (seed 004 limits contact); refusing, withdrawing, leaving and the
/// rapport always record (seed 001 §2: "De belanghebbende mag medewerking aan het huisbezoek
/// weigeren"), with no conditions asked.
#[test]
fn a_code_switch_never_blocks_refusal_withdrawal_afsluiting_or_rapport() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    device
        .install_policy(&org.bundle(1, Code::Geel), at(0))
        .unwrap();
    let start = |device: &mut Device| {
        device
            .start_visit(
                "Z-1",
                Actie::Huisbezoek,
                plan(Actie::Huisbezoek, Some(2)),
                at(1),
            )
            .unwrap()
    };
    let events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    let wie = || ("A. Jansen".to_owned(), Rol::Bewoner);

    // Refused at the door after the switch to rood.
    let refused = start(&mut device);
    record_all(&mut device, "Z-1", &refused, events[..5].to_vec(), 2);
    device
        .install_policy(&org.bundle(2, Code::Rood), at(10))
        .unwrap();
    let err = device
        .record("Z-1", &refused, events[5].clone(), Vec::new(), at(11))
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    let (door, rol) = wie();
    let weigering = Event::ToestemmingGeweigerd {
        door,
        rol,
        gewezen_op_gevolgen: true,
        leeftijd: Some(veldwerk_rules::protocol::Leeftijdsgroep::Volwassen),
        onderwerp_van_twijfel: false,
        uitgesloten_ruimtes: Vec::new(),
    };
    assert!(device
        .decision_for("Z-1", &refused, &weigering)
        .unwrap()
        .is_none());
    let entry = device
        .record("Z-1", &refused, weigering, Vec::new(), at(12))
        .unwrap();
    assert!(entry.policy.allowed && entry.policy.confirmed_conditions.is_empty());
    let rapport = || Event::Rapport {
        tekst: "De bewoner weigerde de toegang tot de woning.".into(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "hh-1".into(),
            verklaring: Ambtsverklaring::Ambtseed,
        }],
    };
    device
        .record("Z-1", &refused, rapport(), Vec::new(), at(13))
        .unwrap();

    // Inside when the code switched: a separate consent refused, the consent withdrawn, and a
    // second visit left normally, each recorded under rood.
    device
        .install_policy(&org.bundle(3, Code::Geel), at(20))
        .unwrap();
    let withdrawn = start(&mut device);
    record_all(&mut device, "Z-1", &withdrawn, events.clone(), 21);
    device
        .install_policy(&org.bundle(4, Code::Rood), at(30))
        .unwrap();
    assert_eq!(
        device
            .record("Z-1", &withdrawn, waarneming(1), Vec::new(), at(31))
            .unwrap_err()
            .code(),
        "actie_verboden"
    );
    let (door, rol) = wie();
    device
        .record(
            "Z-1",
            &withdrawn,
            Event::ExtraToestemming {
                onderwerp: ExtraOnderwerp::Fotos,
                ruimte: None,
                door,
                rol,
                gegeven: false,
            },
            Vec::new(),
            at(32),
        )
        .unwrap();
    let (door, rol) = wie();
    device
        .record(
            "Z-1",
            &withdrawn,
            Event::ToestemmingIngetrokken { door, rol },
            Vec::new(),
            at(33),
        )
        .unwrap();

    device
        .install_policy(&org.bundle(5, Code::Geel), at(40))
        .unwrap();
    let left = start(&mut device);
    record_all(&mut device, "Z-1", &left, events, 41);
    device
        .install_policy(&org.bundle(6, Code::Rood), at(50))
        .unwrap();
    device
        .record(
            "Z-1",
            &left,
            Event::Afsluiting { toelichting: None },
            Vec::new(),
            at(51),
        )
        .unwrap();
    device
        .record("Z-1", &left, rapport(), Vec::new(), at(52))
        .unwrap();
}

/// Seed 004, code geel, huisbezoek: "Grote controles (bijvoorbeeld recreatieterreinen):
/// gesprekken op een corona-proof gemaakte centrale locatie" is asked only of a visit marked as
/// part of a grote controle, at its contact steps, and each condition once.
#[test]
fn the_grote_controle_condition_is_asked_only_of_a_grote_controle() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let codes = |device: &mut Device, visit: &str, event: &Event| -> Vec<String> {
        match device.decision_for("Z-1", visit, event).unwrap() {
            Some(Decision::Allowed { conditions, .. }) => {
                conditions.into_iter().map(|c| c.code).collect()
            }
            other => panic!("{other:?}"),
        }
    };
    let events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    let mut asked = Vec::new();
    for grote_controle in [false, true] {
        let visit = device
            .start_visit_with(
                "Z-1",
                Actie::Huisbezoek,
                plan(Actie::Huisbezoek, Some(2)),
                VisitOptions { grote_controle },
                at(1),
            )
            .unwrap();
        assert_eq!(device.is_grote_controle(&visit).unwrap(), grote_controle);
        record_all(&mut device, "Z-1", &visit, events[..2].to_vec(), 2);
        let door = codes(&mut device, &visit, &events[2]);
        let mut unique = door.clone();
        unique.dedup();
        assert_eq!(unique, door);
        assert!(door.contains(&"distance_1_5_m".to_owned()));
        asked.push(door.contains(&"large_checks_central_location".to_owned()));
        // The condition, once asked, must be confirmed.
        if grote_controle {
            let without: Vec<String> = door
                .iter()
                .filter(|c| *c != "large_checks_central_location")
                .cloned()
                .collect();
            let err = device
                .record("Z-1", &visit, events[2].clone(), without, at(5))
                .unwrap_err();
            assert_eq!(err.code(), "voorwaarden_niet_bevestigd");
        }
        device
            .record("Z-1", &visit, events[2].clone(), door, at(5))
            .unwrap();
    }
    assert_eq!(asked, [false, true]);
}

#[test]
fn without_policy_the_device_says_it_applies_geel() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(dir.path(), KEY).unwrap();
    let status = device.policy_status(at(0));
    assert!(!status.installed && status.stale);
    assert_eq!((status.code, status.version), (Code::Geel, 0));
    assert_eq!(status.warnings[0].code, "policy_missing");
}

#[test]
fn correcties_point_at_entries_of_the_same_visit() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let v1 = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let v2 = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(2),
        )
        .unwrap();
    let mut first = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    first.truncate(1);
    record_all(&mut device, "Z-1", &v1, first.clone(), 3);
    record_all(&mut device, "Z-1", &v2, first, 4);
    let target = device.zaak_detail("Z-1").unwrap().visits[0].entries[0]
        .entry
        .entry_id
        .clone();
    let v1_of_target = device.zaak_detail("Z-1").unwrap().visits[0]
        .meta
        .visit_id
        .clone();
    let other = if v1_of_target == v1 { &v2 } else { &v1 };
    let correctie = |id: &str| Event::Correctie {
        corrigeert: id.to_owned(),
        tekst: "Lees: sinds april.".into(),
    };
    let err = device
        .record("Z-1", other, correctie(&target), Vec::new(), at(5))
        .unwrap_err();
    assert_eq!(err.code(), "correctie_onbekende_vastlegging");
    let err = device
        .record("Z-1", other, correctie("onbekend"), Vec::new(), at(5))
        .unwrap_err();
    assert_eq!(err.code(), "correctie_onbekende_vastlegging");
    device
        .record("Z-1", &v1_of_target, correctie(&target), Vec::new(), at(6))
        .unwrap();
}

#[test]
fn a_photo_must_be_stored_before_the_waarneming_that_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let mut events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    events.push(Event::ExtraToestemming {
        onderwerp: ExtraOnderwerp::Fotos,
        ruimte: None,
        door: "bewoner".into(),
        rol: Rol::Bewoner,
        gegeven: true,
    });
    record_all(&mut device, "Z-1", &visit, events, 2);

    let photo = b"jpeg bytes of a bathroom".to_vec();
    let with_photo = |foto: String| Event::Waarneming {
        ruimte: "badkamer".into(),
        tekst: "Twee tandenborstels.".into(),
        foto: Some(foto),
        kast_geopend: false,
        kamer_van: None,
    };
    let absent = BlobRef::of(&photo).as_str().to_owned();
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &with_photo(absent.clone()));
    let err = device
        .record("Z-1", &visit, with_photo(absent), confirmed.clone(), at(20))
        .unwrap_err();
    assert_eq!(err.code(), "foto_unknown");

    let blob = device.put_photo("Z-1", &photo).unwrap();
    device
        .record(
            "Z-1",
            &visit,
            with_photo(blob.as_str().to_owned()),
            confirmed,
            at(21),
        )
        .unwrap();
    assert_eq!(device.photo(&blob).unwrap(), Some(photo));
    assert_eq!(
        device.put_photo("Z-404", b"x").unwrap_err().code(),
        "zaak_unknown"
    );
}

#[test]
fn recording_continues_after_reopening_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    device.set_compaction_policy(CompactionPolicy {
        max_chunks: 5,
        min_chunk_bytes: u64::MAX,
    });
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    record_all(
        &mut device,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]),
        2,
    );
    let waarnemingen: Vec<Event> = (0..6).map(waarneming).collect();
    record_all(&mut device, "Z-1", &visit, waarnemingen, 10);
    assert!(
        device
            .store()
            .document_stats("Z-1")
            .unwrap()
            .unwrap()
            .chunks
            < 5
    );

    drop(device);
    let mut device = Device::open(dir.path(), KEY).unwrap();
    record_all(&mut device, "Z-1", &visit, vec![waarneming(7)], 20);
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(detail.visits[0].entries.len(), 14);
    assert!(detail.visits[0].verification.is_intact());
    assert_eq!(detail.visits[0].entries.last().unwrap().entry.seq, 14);
}

#[test]
fn two_devices_in_one_visit_see_each_others_entries_after_exchange() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = device_with_zaak(da.path());
    let mut b = Device::open(db.path(), KEY).unwrap();
    let visit = a
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    record_all(
        &mut a,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]),
        2,
    );
    let doc = a.zaak_document("Z-1").unwrap();
    assert_eq!(b.add_zaak_document(&doc, at(9)).unwrap(), "Z-1");
    assert_eq!(b.worklist().unwrap().items[0].status, "binnen");

    record_all(&mut a, "Z-1", &visit, vec![waarneming(1)], 10);
    record_all(&mut b, "Z-1", &visit, vec![waarneming(2)], 11);
    let from_b = b.zaak_document("Z-1").unwrap();
    let from_a = a.zaak_document("Z-1").unwrap();
    a.add_zaak_document(&from_b, at(12)).unwrap();
    b.add_zaak_document(&from_a, at(12)).unwrap();
    a.add_known_key(b.device_id(), &b.public_key()).unwrap();

    let ids = |d: &mut Device| -> Vec<String> {
        d.zaak_detail("Z-1").unwrap().visits[0]
            .entries
            .iter()
            .map(|e| e.entry.entry_id.clone())
            .collect()
    };
    assert_eq!(ids(&mut a).len(), 9);
    assert_eq!(ids(&mut a), ids(&mut b));
    assert!(a.verify_visit("Z-1", &visit).unwrap().is_intact());
    // Both go on recording after the merge.
    record_all(&mut b, "Z-1", &visit, vec![waarneming(3)], 13);
    assert_eq!(ids(&mut b).len(), 10);
}

#[test]
fn unknown_zaken_and_visits_give_coded_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let err = device
        .record("Z-404", "v", Event::Binnentreden, Vec::new(), at(1))
        .unwrap_err();
    assert_eq!(err.code(), "zaak_unknown");
    let err = device
        .record("Z-1", "v", Event::Binnentreden, Vec::new(), at(1))
        .unwrap_err();
    assert_eq!(err.code(), "visit_unknown");
    let err = device.create_zaak(&summary("Z-1"), at(1)).unwrap_err();
    assert_eq!(err.code(), "zaak_exists");
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let wrong = steps_to_binnen(Actie::HuisbezoekApp, &["hh-1"]).remove(0);
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &wrong);
    let err = device
        .record("Z-1", &visit, wrong, confirmed, at(2))
        .unwrap_err();
    assert_eq!(err.code(), "actie_wijkt_af");
    assert!(err.notice().message.contains("huisbezoek"));
}

#[test]
fn bad_input_is_refused_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    record_all(
        &mut device,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])[..2].to_vec(),
        2,
    );
    for garbage in [
        &b""[..],
        b"not automerge",
        &[0x85, 0x6f, 0x4a, 0x83, 1, 2, 3],
    ] {
        assert!(device.add_zaak_document(garbage, at(5)).is_err());
    }
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    let err = device
        .install_policy(b"{\"payload\":1}", at(5))
        .unwrap_err();
    assert_eq!(err.code(), "policy_malformed");
    let mut tampered = org.bundle(2, Code::Rood);
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    assert!(device.install_policy(&tampered, at(5)).is_err());
    assert_eq!(device.active_code(), Code::Geel);
    let err = device
        .set_enrollment("dev-1", &[1, 2, 3], "https://veldwerk.example")
        .unwrap_err();
    assert_eq!(err.code(), "public_key_invalid");

    drop(device);
    let mut device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(device.device_id(), "dev-1");
    assert_eq!(
        device.enrollment().unwrap().server_url,
        "https://veldwerk.example"
    );
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(detail.visits[0].entries.len(), 2);
    assert_eq!(device.worklist().unwrap().items.len(), 1);
}

#[test]
fn the_organisations_overrides_travel_in_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    let one_at_the_door = "organisatie = \"Gemeente Urk\"\nversie = \"2026-11\"\n\n\
                           [geel.huisbezoek]\nmax_handhavers = 1\n";
    device
        .install_policy(&org.bundle_with(1, Code::Geel, one_at_the_door), at(0))
        .unwrap();
    let err = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    assert_eq!(err.details()[0].code, "max_handhavers_exceeded");

    // A bundle whose overrides do not parse is refused; the installed one stays in force.
    let err = device
        .install_policy(&org.bundle_with(2, Code::Rood, "[geel.huisbezoek\n"), at(2))
        .unwrap_err();
    assert!(!err.code().is_empty());
    assert_eq!(
        (device.policy_version(), device.active_code()),
        (1, Code::Geel)
    );
    drop(device);
    let device = Device::open(dir.path(), KEY).unwrap();
    assert!(device.rules().routekaart().is_overridden());
}

#[test]
fn a_document_update_is_stored_and_rederived() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = device_with_zaak(da.path());
    let mut b = Device::open(db.path(), KEY).unwrap();
    b.add_zaak_document(&a.zaak_document("Z-1").unwrap(), at(1))
        .unwrap();
    let visit = b
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(2),
        )
        .unwrap();
    let from_b = b.zaak_document("Z-1").unwrap();

    a.update_document("Z-1", at(3), |doc| {
        let mut other = ZaakDocument::load(&from_b)?;
        Ok(doc.merge(&mut other)?)
    })
    .unwrap();
    assert_eq!(a.worklist().unwrap().items[0].next_step, "aanleiding");
    // A failing update stores nothing and leaves the document as it was.
    let err = a
        .update_document("Z-1", at(4), |_| -> Result<(), DeviceError> {
            Err(DeviceError::NotEnrolled)
        })
        .unwrap_err();
    assert_eq!(err.code(), "not_enrolled");
    drop(a);
    let mut a = Device::open(da.path(), KEY).unwrap();
    assert_eq!(a.zaak_detail("Z-1").unwrap().visits[0].meta.visit_id, visit);

    record_all(
        &mut b,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]),
        5,
    );
    assert_eq!(b.worklist().unwrap().items[0].unsynced_entries, 7);
    b.mark_synced("Z-1").unwrap();
    assert_eq!(b.worklist().unwrap().items[0].unsynced_entries, 0);
    assert_eq!(a.mark_synced("Z-404").unwrap_err().code(), "zaak_unknown");
}

/// Two enrolled devices of one organisation with zaak Z-1; `b` has recorded a visit whose
/// document `a` merged.
fn colleagues(org: &Org, dirs: (&Path, &Path)) -> (Device, Device, String) {
    let mut a = Device::open(dirs.0, KEY).unwrap();
    a.set_enrollment("dev-a", &org.public(), "https://veldwerk.example")
        .unwrap();
    let mut b = Device::open(dirs.1, [5; 32]).unwrap();
    b.set_enrollment("dev-b", &org.public(), "https://veldwerk.example")
        .unwrap();
    b.create_zaak(&summary("Z-1"), at(0)).unwrap();
    let visit = b
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    record_all(
        &mut b,
        "Z-1",
        &visit,
        steps_to_binnen(Actie::Huisbezoek, &["kees", "piet"]),
        2,
    );
    a.add_zaak_document(&b.zaak_document("Z-1").unwrap(), at(20))
        .unwrap();
    (a, b, visit)
}

fn key_list(org: &Org, issued: i64, devices: &[(&Device, Option<i64>)]) -> SignedKeyList {
    let list = KeyList {
        organisation: "Urk".into(),
        issued_at: at(issued),
        devices: devices
            .iter()
            .map(|(d, revoked)| veldwerk_contract::evidence::DeviceKeyInfo {
                device_id: d.device_id().to_owned(),
                user: "kees".into(),
                public_key: hex::encode(d.public_key()),
                revoked_at: revoked.map(at),
            })
            .collect(),
    };
    veldwerk_contract::evidence::sign_key_list(&list, &org.key).unwrap()
}

fn entry_statuses(device: &mut Device) -> Vec<EntryStatus> {
    device
        .zaak_detail("Z-1")
        .unwrap()
        .visits
        .iter()
        .flat_map(|v| v.entries.iter().map(|e| e.status))
        .collect()
}

/// Issue 13, item 7: a colleague's entries are `key_unknown` until the organisation's signed
/// key list is installed, then `ok`; a list signed by another key or older than the installed
/// one is refused; a newer list that revokes the colleague shows its entries as revoked; the
/// list survives a reopen.
#[test]
fn the_organisations_key_list_makes_a_colleagues_entries_verify() {
    let org = Org::new();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, b, _) = colleagues(&org, (da.path(), db.path()));
    assert!(entry_statuses(&mut a)
        .iter()
        .all(|s| *s == EntryStatus::UnknownKey));

    let other = Org::new();
    let err = a
        .install_key_list(&key_list(&other, 30, &[(&a, None), (&b, None)]))
        .unwrap_err();
    assert_eq!(err.code(), "key_list_signature_invalid");

    let status = a
        .install_key_list(&key_list(&org, 30, &[(&a, None), (&b, None)]))
        .unwrap();
    assert_eq!((status.devices, status.revoked), (2, 0));
    let seen = entry_statuses(&mut a);
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|s| *s == EntryStatus::Ok), "{seen:?}");

    let err = a
        .install_key_list(&key_list(&org, 10, &[(&a, None), (&b, None)]))
        .unwrap_err();
    assert_eq!(err.code(), "key_list_outdated");

    a.install_key_list(&key_list(&org, 40, &[(&a, None), (&b, Some(35))]))
        .unwrap();
    assert!(entry_statuses(&mut a)
        .iter()
        .all(|s| *s == EntryStatus::KeyRevoked));
    drop(a);
    let mut a = Device::open(da.path(), KEY).unwrap();
    assert_eq!(a.keys_status().unwrap().revoked, 1);
    assert!(entry_statuses(&mut a)
        .iter()
        .all(|s| *s == EntryStatus::KeyRevoked));
}

/// Issue 13, item 2: on the device, a forged copy of a colleague's entry (same `entry_id`,
/// other text, a random signature) never takes the valid entry's place: the valid text is
/// shown, verified, and the forged copy is listed beside it as `forged_copy`.
#[test]
fn a_forged_copy_on_the_device_is_listed_as_forged_and_never_shown_as_the_entry() {
    use veldwerk_contract::zaak::test_support::{insert_raw_entry, read_raw_entry, tamper};
    let org = Org::new();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, b, visit) = colleagues(&org, (da.path(), db.path()));
    a.install_key_list(&key_list(&org, 30, &[(&a, None), (&b, None)]))
        .unwrap();
    let before = a.zaak_detail("Z-1").unwrap().visits[0].entries.clone();
    let mut forged_id = String::new();
    a.update_document("Z-1", at(30), |doc| {
        // Two forged copies: one first in the list, one last.
        let mut forged = tamper(doc, &visit, |raw, list| {
            let mut copy = read_raw_entry(raw, list, 1);
            copy.body = format!(
                "{{\"vervalst\":\"niemand\",\"lengte\":{}}}",
                copy.body.len()
            );
            copy.signature = "cd".repeat(64);
            forged_id = copy.entry_id.clone();
            insert_raw_entry(raw, list, 0, &copy);
            let end = automerge::ReadDoc::length(raw, list);
            insert_raw_entry(raw, list, end, &copy);
        });
        doc.merge(&mut forged)?;
        Ok(())
    })
    .unwrap();
    let detail = a.zaak_detail("Z-1").unwrap();
    let entries = &detail.visits[0].entries;
    assert_eq!(entries.len(), before.len());
    let shown = entries
        .iter()
        .find(|e| e.entry.entry_id == forged_id)
        .unwrap();
    let original = before
        .iter()
        .find(|e| e.entry.entry_id == forged_id)
        .unwrap();
    assert_eq!(shown.entry, original.entry);
    assert_eq!(shown.status, EntryStatus::Ok);
    assert_eq!(shown.other_copies.len(), 2);
    assert!(shown
        .other_copies
        .iter()
        .all(|c| c.status == EntryStatus::ForgedCopy && c.entry.body.contains("niemand")));
    assert!(entries
        .iter()
        .all(|e| e.status == EntryStatus::Ok && !e.entry.body.contains("niemand")));
    assert_eq!(
        detail.visits[0].verification.status_of(&forged_id),
        Some(EntryStatus::Ok)
    );
}

/// Issue 13, "Docs a second implementation can follow": a bundle that carries the effective
/// routekaart installs like one without it (older bundles), and the table it carries is the
/// one the device applies.
#[test]
fn a_bundle_with_the_effective_routekaart_installs_and_matches_the_rules_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = Device::open(dir.path(), KEY).unwrap();
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    device
        .install_policy(&org.bundle(1, Code::Geel), at(1))
        .unwrap();
    assert_eq!(device.policy().unwrap().routekaart, None);
    let overrides = "organisatie = \"Gemeente Test\"\nversie = \"2021-01\"\n\n[oranje.spreekkamer]\ntoegestaan = false\nreden = \"Onze spreekkamers zijn dicht.\"\nreden_code = \"spreekkamers_dicht\"\n";
    let bundle = PolicyBundle {
        organisation: "Urk".into(),
        version: 2,
        issued_at: at(0),
        overrides_toml: overrides.into(),
        directives: vec![CodeDirective {
            code: Code::Oranje,
            effective_from: at(0),
            by: "supervisor".into(),
            reason: "persconferentie".into(),
        }],
        routekaart: veldwerk_contract::policy::effective_routekaart(overrides),
        vragenlijst_toml: String::new(),
        toestemmingsteksten_toml: String::new(),
    };
    let signed = veldwerk_contract::policy::sign(&bundle, &org.key).unwrap();
    device.install_policy(&signed.to_bytes(), at(2)).unwrap();
    assert_eq!(
        device.policy().unwrap().routekaart.as_ref(),
        Some(device.rules().routekaart())
    );
}

/// Issue 16 §1: the organisation's vragenlijst travels in the signed bundle; a bundle whose
/// vragenlijst does not parse is refused whole and the device keeps what it had.
#[test]
fn the_vragenlijst_comes_from_the_signed_bundle_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = Device::open(dir.path(), KEY).unwrap();
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    device
        .install_policy(&org.bundle(1, Code::Geel), at(1))
        .unwrap();
    assert_eq!(
        device.rules().vragenlijst(),
        &veldwerk_rules::vragenlijst::Vragenlijst::standaard()
    );
    let with = |version: u64, toml: &str| {
        let bundle = PolicyBundle {
            organisation: "Urk".into(),
            version,
            issued_at: at(0),
            overrides_toml: String::new(),
            directives: vec![CodeDirective {
                code: Code::Geel,
                effective_from: at(0),
                by: "supervisor".into(),
                reason: "start".into(),
            }],
            routekaart: None,
            vragenlijst_toml: toml.into(),
            toestemmingsteksten_toml: String::new(),
        };
        veldwerk_contract::policy::sign(&bundle, &org.key)
            .unwrap()
            .to_bytes()
    };
    let err = device
        .install_policy(&with(2, "id = \"kapot\"\n"), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "vragenlijst_invalid");
    assert_eq!(device.policy_version(), 1, "the old bundle stays");
    let eigen = "id = \"eigen\"\nversie = 4\ntitel = \"Eigen\"\n[[vraag]]\nid = \"post\"\ntekst = \"Komt er post voor een ander?\"\nsoort = \"ja_nee\"\n";
    device.install_policy(&with(3, eigen), at(3)).unwrap();
    assert_eq!(
        (
            device.rules().vragenlijst().id.as_str(),
            device.rules().vragenlijst().versie
        ),
        ("eigen", 4)
    );
    drop(device);
    let device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(
        device.rules().vragenlijst().id,
        "eigen",
        "kept across a restart"
    );
}

/// Issue 15 ("the warnings shown are recorded with the entry"; seed 000: the motivation "moet
/// gebaseerd zijn op feiten en geen sprake van insinuaties of onderbuikgevoelens"): the
/// factual-language warnings of a waarneming signed despite them are part of the signed entry;
/// a text without warnings keeps the body it always had; taking the warnings out of the body
/// breaks the signature.
#[test]
fn the_warnings_signed_over_are_part_of_the_signed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let mut events = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"]);
    events.push(waarneming(1));
    events.push(Event::Waarneming {
        ruimte: "slaapkamer".into(),
        tekst: "Vermoedelijk slaapt hier een tweede persoon.".into(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    });
    record_all(&mut device, "Z-1", &visit, events, 2);

    let detail = device.zaak_detail("Z-1").unwrap();
    let v = &detail.visits[0];
    assert!(v.verification.is_intact(), "{:?}", v.verification);
    let n = v.entries.len();
    let plain = &v.entries[n - 2];
    assert!(!plain.entry.body.contains("taalwaarschuwingen"));
    assert!(plain.taalwaarschuwingen.is_empty());
    let signed_over = &v.entries[n - 1];
    let recorded = &signed_over.taalwaarschuwingen;
    assert_eq!(recorded, &signed_over.entry.taalwaarschuwingen());
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].code, "speculatief_taalgebruik");
    assert_eq!(recorded[0].fragment, "Vermoedelijk");
    assert!(recorded[0].melding.contains("Speculatieve formulering"));

    // Leaving the warning out of the signed body is an altered entry.
    let mut tampered = signed_over.entry.clone();
    let mut body: serde_json::Value = serde_json::from_str(&tampered.body).unwrap();
    body.as_object_mut().unwrap().remove("taalwaarschuwingen");
    tampered.body = veldwerk_contract::evidence::canonical_json(&body);
    assert!(tampered.taalwaarschuwingen().is_empty());
    let entries: Vec<Entry> = v
        .entries
        .iter()
        .map(|e| {
            if e.entry.entry_id == tampered.entry_id {
                tampered.clone()
            } else {
                e.entry.clone()
            }
        })
        .collect();
    let verdict =
        veldwerk_contract::evidence::verify_visit(&visit, &entries, &device.key_directory());
    assert_eq!(
        verdict.status_of(&tampered.entry_id),
        Some(EntryStatus::Altered),
        "{verdict:?}"
    );
}

// ---------- the other field actions of the routekaart (issue 15) ----------

fn twijfel() -> veldwerk_rules::protocol::Grondslag {
    veldwerk_rules::protocol::Grondslag::TwijfelZonderAanwijzing {
        twijfel: "Opgegeven woonlasten wijken af van de huurovereenkomst.".into(),
        andere_wijze_onderzocht: "Huurovereenkomst en bankafschriften opgevraagd.".into(),
    }
}

fn rapport_by(handhaver: &str) -> Event {
    Event::Rapport {
        tekst: "Bevindingen zoals hierboven vastgelegd.".into(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: handhaver.into(),
            verklaring: Ambtsverklaring::Ambtsbelofte,
        }],
    }
}

/// Seed 004 "Waarneming ter plaatse", code oranje: "Indien per auto: 1 medewerker per auto".
/// The routekaart is checked when the waarneming starts, with the recorded vervoer; a waarneming
/// ter plaatse is made from the public road and never enters.
#[test]
fn seed_004_a_waarneming_ter_plaatse_is_recorded_and_checked_for_the_car() {
    let dir = tempfile::tempdir().unwrap();
    let org = Org::new();
    let mut device = device_with_zaak(dir.path());
    device
        .set_enrollment("dev-1", &org.public(), "https://veldwerk.example")
        .unwrap();
    device
        .install_policy(&org.bundle(1, Code::Oranje), at(0))
        .unwrap();
    let visit = device
        .start_visit(
            "Z-1",
            Actie::Waarneming,
            plan(Actie::Waarneming, Some(2)),
            at(1),
        )
        .unwrap();
    let aanleiding = Event::Aanleiding {
        actie: Actie::Waarneming,
        grondslag: twijfel(),
    };
    record_all(&mut device, "Z-1", &visit, vec![aanleiding], 2);

    let start = |per_auto: u32| Event::WaarnemingTerPlaatseGestart {
        handhavers: vec!["hh-1".into(), "hh-2".into()],
        leider: "hh-1".into(),
        vervoer: veldwerk_rules::routekaart::Transport::Auto,
        medewerkers_per_auto: Some(per_auto),
    };
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &start(2));
    let err = device
        .record("Z-1", &visit, start(2), confirmed, at(3))
        .unwrap_err();
    assert_eq!(err.code(), "actie_verboden");
    record_all(&mut device, "Z-1", &visit, vec![start(1)], 3);

    let seen = |vanaf_openbare_weg: bool| Event::WaarnemingTerPlaatse {
        plek: "Voor Dorpsstraat 12".into(),
        tekst: "Om 07:40 verliet een man de woning en reed weg in een auto.".into(),
        vanaf_openbare_weg,
        waargenomen_om: None,
    };
    let confirmed = confirm_all(&mut device, "Z-1", &visit, &seen(false));
    let err = device
        .record("Z-1", &visit, seen(false), confirmed, at(4))
        .unwrap_err();
    assert_eq!(err.code(), "waarneming_niet_vanaf_openbare_weg");
    let err = device
        .record("Z-1", &visit, Event::Binnentreden, Vec::new(), at(4))
        .unwrap_err();
    assert_eq!(err.code(), "stap_hoort_niet_bij_activiteit");
    let events = vec![
        seen(true),
        Event::Afsluiting { toelichting: None },
        rapport_by("hh-1"),
    ];
    record_all(&mut device, "Z-1", &visit, events, 5);

    let progress = device.visit_progress("Z-1", Some(&visit)).unwrap();
    assert_eq!(progress.fase, Fase::Gerapporteerd);
    let detail = device.zaak_detail("Z-1").unwrap();
    assert_eq!(detail.visits[0].entries.len(), 5);
    assert!(detail.visits[0].verification.is_intact());
}

/// Seed 002 §9: internet research is recorded (sources, proportionality, subsidiarity, what was
/// found) before a grondslag may cite the internet as a source.
#[test]
fn seed_002_s9_the_internet_as_a_source_only_after_recorded_research() {
    use veldwerk_rules::protocol::{BronSoort, Feit, Grondslag};
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let huisbezoek = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(1),
        )
        .unwrap();
    let citing = Event::Aanleiding {
        actie: Actie::Huisbezoek,
        grondslag: Grondslag::ConcreteAanwijzing {
            feiten: vec![Feit {
                omschrijving: "Sinds 1 maart twaalf advertenties voor fietsonderdelen.".into(),
                bron: BronSoort::Internet,
            }],
            geraadpleegde_bronnen: vec!["Marktplaats".into()],
            waarom_niet_minder_ingrijpend: "Bankafschriften tonen geen verkopen.".into(),
        },
    };
    let err = device
        .record("Z-1", &huisbezoek, citing.clone(), Vec::new(), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "internetonderzoek_niet_vastgelegd");

    let onderzoek = device
        .start_visit(
            "Z-1",
            Actie::AdministratiefOnderzoek,
            plan(Actie::AdministratiefOnderzoek, None),
            at(3),
        )
        .unwrap();
    let events = vec![
        Event::Aanleiding {
            actie: Actie::AdministratiefOnderzoek,
            grondslag: twijfel(),
        },
        Event::Internetonderzoek {
            door: "hh-1".into(),
            bronnen: vec!["Marktplaats (openbare advertenties)".into()],
            waarom_evenredig: "Signaal van inkomsten; alleen openbare advertenties.".into(),
            waarom_niet_minder_ingrijpend: "De klant gaf geen overzicht van verkopen.".into(),
            bevindingen: "Twaalf advertenties voor fietsonderdelen sinds 1 maart.".into(),
        },
    ];
    record_all(&mut device, "Z-1", &onderzoek, events, 4);
    record_all(&mut device, "Z-1", &huisbezoek, vec![citing], 6);
    let progress = device.visit_progress("Z-1", Some(&huisbezoek)).unwrap();
    assert_eq!(progress.fase, Fase::Aanleiding);
}

// ---------- the digital tour on the handhaver's tablet (issue 16 §4, §5) ----------

/// A valid answer to `vraag`, its photos stored on the device first.
fn answer_for(
    device: &mut Device,
    vraag: &veldwerk_rules::vragenlijst::Vraag,
    n: usize,
) -> veldwerk_rules::vragenlijst::Antwoord {
    use veldwerk_rules::vragenlijst::{Antwoord, VraagSoort};
    let mut photo = |i: u32| {
        device
            .put_photo("Z-1", format!("foto {n}.{i}").as_bytes())
            .unwrap()
            .as_str()
            .to_owned()
    };
    match &vraag.soort {
        VraagSoort::JaNee => Antwoord::JaNee(true),
        VraagSoort::Getal { min, .. } => Antwoord::Getal((*min).max(2)),
        VraagSoort::Keuze { opties, .. } => Antwoord::Keuze(vec![opties[0].clone()]),
        VraagSoort::Tekst { .. } => Antwoord::Tekst("Een slaapkamer voor de zoon.".into()),
        VraagSoort::Foto { min, .. } => Antwoord::Fotos((0..(*min).max(1)).map(photo).collect()),
        VraagSoort::Meterstand { .. } => Antwoord::Meterstand {
            stand: "01234,5".into(),
            foto: photo(0),
        },
    }
}

fn answered(sleutel: &str, antwoord: veldwerk_rules::vragenlijst::Antwoord) -> Event {
    Event::VraagBeantwoord {
        vragenlijst: "woonsituatie".into(),
        versie: 1,
        sleutel: sleutel.into(),
        antwoord,
        door: "A. Jansen".into(),
    }
}

fn signature() -> veldwerk_rules::vragenlijst::Handtekening {
    veldwerk_rules::vragenlijst::Handtekening {
        breedte: 320,
        hoogte: 160,
        strepen: vec![vec![[20, 80], [60, 40], [120, 110], [200, 70]]],
    }
}

/// Issue 16 §4: klantmodus locks the device to the client's tour until the handhaver's code
/// unlocks it (also after a restart); §5: every answer is checked against the vragenlijst in
/// force, its photos are stored and queued for upload, and the client signs only once every
/// required question is answered.
#[test]
fn klantmodus_records_the_clients_answers_and_signature_and_nothing_else() {
    use veldwerk_rules::vragenlijst::Antwoord;
    let dir = tempfile::tempdir().unwrap();
    let mut device = device_with_zaak(dir.path());
    let visit = device
        .start_visit(
            "Z-1",
            Actie::HuisbezoekApp,
            plan(Actie::HuisbezoekApp, Some(1)),
            at(1),
        )
        .unwrap();
    let steps = steps_to_binnen(Actie::HuisbezoekApp, &["hh-1"]);
    let before_entry = steps.len() - 1;
    record_all(
        &mut device,
        "Z-1",
        &visit,
        steps[..before_entry].to_vec(),
        2,
    );
    let err = device.start_klantmodus("Z-1", &visit, "4711").unwrap_err();
    assert_eq!(err.code(), "klantmodus_niet_mogelijk");
    record_all(
        &mut device,
        "Z-1",
        &visit,
        steps[before_entry..].to_vec(),
        20,
    );
    let err = device.start_klantmodus("Z-1", &visit, "47").unwrap_err();
    assert_eq!(err.code(), "ontgrendelcode_te_kort");
    device.start_klantmodus("Z-1", &visit, "4711").unwrap();

    // The lock holds after a restart; only this visit's vragenlijst can be used.
    drop(device);
    let mut device = Device::open(dir.path(), KEY).unwrap();
    assert_eq!(
        device.klantmodus().unwrap().map(|k| k.visit_id),
        Some(visit.clone())
    );
    assert_eq!(device.worklist().unwrap_err().code(), "klantmodus_actief");
    let err = device
        .start_visit(
            "Z-1",
            Actie::Huisbezoek,
            plan(Actie::Huisbezoek, Some(2)),
            at(30),
        )
        .unwrap_err();
    assert_eq!(err.code(), "klantmodus_actief");
    let err = device
        .record("Z-1", &visit, waarneming(1), Vec::new(), at(30))
        .unwrap_err();
    assert_eq!(err.code(), "klantmodus_actief");

    // Answers are checked against the list in force.
    let mut wrong_version = answered("aantal_bewoners", Antwoord::Getal(2));
    if let Event::VraagBeantwoord { versie, .. } = &mut wrong_version {
        *versie = 9;
    }
    let err = device
        .record("Z-1", &visit, wrong_version, Vec::new(), at(31))
        .unwrap_err();
    assert_eq!(err.code(), "vragenlijst_versie_wijkt_af");
    let err = device
        .record(
            "Z-1",
            &visit,
            answered("aantal_bewoners", Antwoord::Getal(99)),
            Vec::new(),
            at(31),
        )
        .unwrap_err();
    assert_eq!(err.code(), "antwoord_buiten_bereik");
    let err = device
        .record(
            "Z-1",
            &visit,
            answered("bestaat_niet", Antwoord::JaNee(true)),
            Vec::new(),
            at(31),
        )
        .unwrap_err();
    assert_eq!(err.code(), "vraag_onbekend");
    let unknown_photo = answered("woonkamer", Antwoord::Fotos(vec!["ab".repeat(32)]));
    let err = device
        .record("Z-1", &visit, unknown_photo, Vec::new(), at(31))
        .unwrap_err();
    assert_eq!(err.code(), "foto_unknown");

    // Signing with required questions open lists them; answering them all allows it.
    let first = device.rules().vragenlijst().vragen[0].clone();
    let a = answer_for(&mut device, &first, 0);
    device
        .record("Z-1", &visit, answered(&first.id, a), Vec::new(), at(32))
        .unwrap();
    let err = device
        .record(
            "Z-1",
            &visit,
            Event::VragenlijstOndertekend {
                door: "A. Jansen".into(),
                handtekening: signature(),
            },
            Vec::new(),
            at(33),
        )
        .unwrap_err();
    assert_eq!(err.code(), "vragen_open");
    assert!(!err.details().is_empty());
    let mut n = 1;
    while let Some(sleutel) = device
        .rondgang("Z-1", &visit)
        .unwrap()
        .open
        .first()
        .cloned()
    {
        let lijst = device.rules().vragenlijst().clone();
        let vraag = lijst
            .vraag(sleutel.split('#').next().unwrap())
            .unwrap()
            .clone();
        let a = answer_for(&mut device, &vraag, n);
        device
            .record(
                "Z-1",
                &visit,
                answered(&sleutel, a),
                Vec::new(),
                at(33 + n as i64),
            )
            .unwrap();
        n += 1;
        assert!(n < 60, "the list never closes");
    }
    device
        .record(
            "Z-1",
            &visit,
            Event::VragenlijstOndertekend {
                door: "A. Jansen".into(),
                handtekening: signature(),
            },
            Vec::new(),
            at(100),
        )
        .unwrap();
    assert!(!device.photos_to_upload("Z-1").unwrap().is_empty());

    // Only the handhaver's code unlocks.
    let err = device.end_klantmodus("0000").unwrap_err();
    assert_eq!(err.code(), "ontgrendelcode_onjuist");
    device.end_klantmodus("4711").unwrap();
    assert!(device.klantmodus().unwrap().is_none());
    assert_eq!(device.worklist().unwrap().items.len(), 1);
    let detail = device.zaak_detail("Z-1").unwrap();
    assert!(detail.visits[0].verification.is_intact());
    let rondgang = device.rondgang("Z-1", &visit).unwrap();
    assert_eq!(rondgang.ondertekend_door.as_deref(), Some("A. Jansen"));
    assert!(rondgang.open.is_empty());
}
