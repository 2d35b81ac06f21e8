//! Builders shared by the zaak, evidence and device tests (feature `test-support`). Events are
//! made only through [`event`], so the protocol's `Event` variants can change without touching
//! these tests.
#![allow(clippy::unwrap_used)] // test fixtures: a failure is a broken test

use std::collections::BTreeSet;

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::schema::{object, ENTRIES, VISITS};
use super::{Address, PolicyContext, ZaakDocument, ZaakSummary};
use crate::evidence::{DeviceKey, KeyDirectory, Signer};
use veldwerk_rules::protocol::melding::Werkproces;
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code};

/// The concrete aanleiding told at the door in the fixtures' consent step (seed 001 §3).
pub const AANLEIDING_AAN_DE_DEUR: &str =
    "Volgens het Inlichtingenbureau staat een tweede persoon op uw adres ingeschreven.";

pub fn event(n: usize) -> Event {
    Event::Waarneming {
        ruimte: format!("ruimte {n}"),
        tekst: format!("Waarneming {n}: twee tandenborstels in de badkamer."),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

pub fn signer(device_id: &str) -> Signer {
    let pkcs8 = DeviceKey::generate_pkcs8().unwrap();
    Signer {
        device_id: device_id.to_owned(),
        key: DeviceKey::from_pkcs8(&pkcs8).unwrap(),
    }
}

pub fn directory(signers: &[&Signer]) -> KeyDirectory {
    let mut keys = KeyDirectory::new();
    for s in signers {
        keys.insert(&s.device_id, &s.key.public_key()).unwrap();
    }
    keys
}

pub fn at(minute: u32, milli: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).unwrap()
        + chrono::Duration::milliseconds(i64::from(milli))
}

/// The summary of zaak `Z-2026-0142` ("2026-0142 samenwoning", Urk, handhavers hh-1 and hh-2).
pub fn summary() -> ZaakSummary {
    ZaakSummary {
        label: "2026-0142 samenwoning".into(),
        ..summary_for("Z-2026-0142")
    }
}

/// A zaak summary for `zaak_id` (label "`<id>` samenwoning", Urk, werkproces H2, deadline
/// 7 December 2026, handhavers hh-1 and hh-2).
pub fn summary_for(zaak_id: &str) -> ZaakSummary {
    ZaakSummary {
        zaak_id: zaak_id.into(),
        label: format!("{zaak_id} samenwoning"),
        address: Address {
            street: "Wijk 1".into(),
            house_number: "12A".into(),
            postcode: "8321 AA".into(),
            city: "Urk".into(),
        },
        werkproces: Werkproces::H2,
        motivatie: "Twee auto's op naam van een ander staan sinds maart op het adres.".into(),
        deadline: NaiveDate::from_ymd_opt(2026, 12, 7),
        handhavers: BTreeSet::from(["hh-1".to_owned(), "hh-2".to_owned()]),
    }
}

pub fn policy() -> PolicyContext {
    PolicyContext {
        actie: Actie::Huisbezoek,
        allowed: true,
        confirmed_conditions: vec!["afstand_1_5_meter".into(), "mondkapje".into()],
        policy_version: 7,
        code: Code::Oranje,
        policy_synced_at: Some(at(1, 250)),
    }
}

/// Loads the document's bytes into a raw Automerge document, lets `f` change a visit's entry
/// list as an attacker with write access could, and loads the result back.
pub fn tamper(
    doc: &mut ZaakDocument,
    visit_id: &str,
    f: impl FnOnce(&mut AutoCommit, &ObjId),
) -> ZaakDocument {
    let mut raw = AutoCommit::load(&doc.save()).unwrap();
    let visits = object(&raw, &ROOT, VISITS, ObjType::Map).unwrap().unwrap();
    let visit = object(&raw, &visits, visit_id, ObjType::Map)
        .unwrap()
        .unwrap();
    let list = object(&raw, &visit, ENTRIES, ObjType::List)
        .unwrap()
        .unwrap();
    f(&mut raw, &list);
    raw.commit();
    ZaakDocument::load(&raw.save()).unwrap()
}

/// The entry map at `index` of a raw entry list.
pub fn entry_obj(raw: &AutoCommit, list: &ObjId, index: usize) -> ObjId {
    match raw.get(list, index).unwrap() {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        other => panic!("no entry map at {index}: {other:?}"),
    }
}

/// Reads the entry map at `index` of a raw entry list.
pub fn read_raw_entry(raw: &AutoCommit, list: &ObjId, index: usize) -> super::Entry {
    super::read_entry(&super::schema::Fields::read(
        raw,
        &entry_obj(raw, list, index),
        "test",
    ))
    .unwrap()
}

/// Writes `entry` as a new entry map at `index` of a raw entry list.
pub fn insert_raw_entry(raw: &mut AutoCommit, list: &ObjId, index: usize, entry: &super::Entry) {
    super::insert_entry(raw, list, index, entry).unwrap();
}

/// The steps of a visit up to being inside, one entry each: a concrete aanwijzing from the
/// registers, announced, `handhavers` at the door (the first leads), legitimation and purpose,
/// consent text variant A given by the bewoner, binnentreden (seed 001, protocol huisbezoeken).
pub fn steps_to_binnen(actie: Actie, handhavers: &[&str]) -> Vec<Event> {
    use veldwerk_rules::protocol::{
        Aankondigingswijze, BronSoort, Feit, Grondslag, Rol, ToestemmingsTekst, Variant,
    };
    vec![
        Event::Aanleiding {
            actie,
            grondslag: Grondslag::ConcreteAanwijzing {
                feiten: vec![Feit {
                    omschrijving: "Twee auto's van een ander staan sinds maart op het adres."
                        .into(),
                    bron: BronSoort::Register,
                }],
                geraadpleegde_bronnen: vec!["RDW".into(), "BRP".into()],
                waarom_niet_minder_ingrijpend: "De registers tonen de woonsituatie niet.".into(),
            },
        },
        Event::Aankondiging {
            wijze: Aankondigingswijze::Aangekondigd,
            toelichting: None,
        },
        Event::AanDeDeur {
            handhavers: handhavers.iter().map(|h| h.to_string()).collect(),
            leider: handhavers
                .first()
                .map(|h| h.to_string())
                .unwrap_or_default(),
            minderjarigen_aanwezig: Some(false),
        },
        Event::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: "Vaststellen van de woonsituatie.".into(),
        },
        ToestemmingsTekst::standaard_voor(Variant::A, actie).event(AANLEIDING_AAN_DE_DEUR),
        Event::ToestemmingGegeven {
            door: "bewoner".into(),
            rol: Rol::Bewoner,
            leeftijd: Some(veldwerk_rules::protocol::Leeftijdsgroep::Volwassen),
            onderwerp_van_twijfel: false,
        },
        Event::Binnentreden,
    ]
}
