//! A recorded huisbezoek in a real store, for the rapport tests and bench: two handhavers with
//! enrolled devices (real keys, enrolled by code), a zaak assigned to both, its document made as
//! a sync makes it, and a full visit (seed 001, protocol huisbezoeken: aanleiding, aankondiging,
//! deur, legitimatie, toestemming gevraagd en gegeven, binnentreden, waarnemingen in two rooms,
//! a correctie, afsluiting, rapport under ambtseed and ambtsbelofte) signed entry by entry.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::zaak::test_support::{policy, steps_to_binnen};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::protocol::{Ambtsverklaring, Event, ExtraOnderwerp, Ondertekenaar, Rol};
use veldwerk_rules::routekaart::Actie;
use veldwerk_server::db::Db;
use veldwerk_server::sync::store;
use veldwerk_server::users::{add_user, Role};
use veldwerk_server::{devices, zaken};

pub const WOONKAMER_TEKST: &str =
    "In de woonkamer staan twee paar herenschoenen bij de deur; het lijkt erop dat hier een \
     tweede volwassene woont.";
pub const SLAAPKAMER_TEKST: &str = "In de slaapkamer staat een tweepersoonsbed; in de kast hangen \
     alleen damesjassen.";
pub const SLAAPKAMER_TEKST_2: &str = "Op het nachtkastje ligt post op naam van de bewoner.";
pub const CORRECTIE_TEKST: &str = "Correctie: het waren twee paar damesschoenen, geen \
     herenschoenen.";
pub const RAPPORT_TEKST: &str = "Wij hebben de woning met toestemming van de bewoner betreden en \
     de woonkamer en de slaapkamer bekeken. Wij hebben geen aanwijzingen gezien dat een tweede \
     volwassene op het adres woont.";

/// The two handhavers and their devices' signers (device ids as the server gave them).
pub struct People {
    pub hh1: Signer,
    pub hh2: Signer,
}

/// The visit's start: 23 November 2026, 10:00 UTC (11:00 in Amsterdam).
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

/// Adds handhavers hh-1 and hh-2 and enrolls a device for each.
pub fn people(db: &Db) -> People {
    let enroll = |name: &str| {
        let key = DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap();
        let device = db
            .write(|tx| {
                let code = devices::issue_enroll_code(tx, name, 3600, "test", 1)?;
                devices::enroll(tx, &code, &key.public_key(), 2)
            })
            .unwrap();
        Signer {
            device_id: device.id,
            key,
        }
    };
    db.write(|tx| {
        add_user(tx, "hh-1", Role::Handhaver, None, "test", 0)?;
        add_user(tx, "hh-2", Role::Handhaver, None, "test", 0)?;
        Ok(())
    })
    .unwrap();
    People {
        hh1: enroll("hh-1"),
        hh2: enroll("hh-2"),
    }
}

/// Creates zaak `zaak_id`, assigned to hh-1 and hh-2, with its document.
pub fn zaak(db: &Db, zaak_id: &str) {
    db.write(|tx| {
        let (z, _) = zaken::create(
            tx,
            zaken::NewZaak {
                id: Some(zaak_id.into()),
                label: "Woonsituatie Kerkstraat".into(),
                adres: "Kerkstraat 12A, 8321 AA Urk".into(),
                melding: Melding {
                    werkproces: Werkproces::H2,
                    regeling: "16 Key2handhaven".into(),
                    aard_bijstand: "Incidenteel".into(),
                    fase: 10,
                    begindatum: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
                    klantmanager: "J. de Vries".into(),
                    motivatie: "Twee auto's op naam van een ander staan sinds maart op het adres."
                        .into(),
                    werkvoorraad: "hand".into(),
                },
                deadline: NaiveDate::from_ymd_opt(2026, 12, 7),
            },
            "test",
            3,
        )?;
        zaken::assign(tx, &z.id, "hh-1", "test", 3)?;
        zaken::assign(tx, &z.id, "hh-2", "test", 3)?;
        store::ensure(tx, &z, 3)?;
        Ok(())
    })
    .unwrap();
}

/// The full visit's events with the device that records each: hh-1 records the visit, hh-2 one
/// waarneming in the bedroom; `extra` more waarnemingen in the bedroom before the afsluiting.
pub fn full_visit(extra: usize) -> Vec<(bool, Event)> {
    let mut events: Vec<(bool, Event)> = steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])
        .into_iter()
        .map(|e| (true, e))
        .collect();
    events.push((
        true,
        Event::ExtraToestemming {
            onderwerp: ExtraOnderwerp::Fotos,
            ruimte: None,
            door: "bewoner".into(),
            rol: Rol::Bewoner,
            gegeven: true,
        },
    ));
    events.push((
        true,
        Event::Waarneming {
            ruimte: "woonkamer".into(),
            tekst: WOONKAMER_TEKST.into(),
            foto: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
            kast_geopend: false,
            kamer_van: None,
        },
    ));
    events.push((
        false,
        Event::Waarneming {
            ruimte: "slaapkamer".into(),
            tekst: SLAAPKAMER_TEKST.into(),
            foto: None,
            kast_geopend: false,
            kamer_van: None,
        },
    ));
    for i in 0..extra {
        events.push((
            i % 2 == 0,
            Event::Waarneming {
                ruimte: "slaapkamer".into(),
                tekst: format!("{SLAAPKAMER_TEKST_2} Extra waarneming {}.", i + 1),
                foto: None,
                kast_geopend: false,
                kamer_van: None,
            },
        ));
    }
    events.push((
        true,
        Event::Waarneming {
            ruimte: "slaapkamer".into(),
            tekst: SLAAPKAMER_TEKST_2.into(),
            foto: None,
            kast_geopend: false,
            kamer_van: None,
        },
    ));
    events.push((true, Event::Afsluiting { toelichting: None }));
    events.push((
        true,
        Event::Rapport {
            tekst: RAPPORT_TEKST.into(),
            opgemaakt_door: vec![
                Ondertekenaar {
                    handhaver: "hh-1".into(),
                    verklaring: Ambtsverklaring::Ambtseed,
                },
                Ondertekenaar {
                    handhaver: "hh-2".into(),
                    verklaring: Ambtsverklaring::Ambtsbelofte,
                },
            ],
        },
    ));
    events
}

/// Records the full visit (with `extra` more waarnemingen) in zaak `zaak_id`, the correctie of
/// the woonkamer waarneming right after the afsluiting, and stores the document as a sync
/// would (an incremental row). Returns the visit id.
pub fn record_visit(db: &Db, zaak_id: &str, people: &People, extra: usize) -> String {
    let stored = db.read(|tx| store::load(tx, zaak_id)).unwrap().unwrap();
    let mut doc = ZaakDocument::load(&stored.bytes).unwrap();
    let t0 = start();
    let visit_id = doc.start_visit(Actie::Huisbezoek, &people.hh1, t0).unwrap();
    let mut woonkamer = None;
    let events = full_visit(extra);
    let n = events.len();
    for (i, (first, event)) in events.into_iter().enumerate() {
        let signer = if first { &people.hh1 } else { &people.hh2 };
        let at = t0 + Duration::seconds(40 * i as i64 + 5);
        let is_woonkamer =
            matches!(&event, Event::Waarneming { ruimte, .. } if ruimte == "woonkamer");
        let entry = doc
            .append_entry(&visit_id, &event, &policy(), signer, at)
            .unwrap();
        if is_woonkamer {
            woonkamer = Some(entry.entry_id.clone());
        }
        if i + 2 == n {
            // Corrections are allowed after closing (rules::protocol::Event::Correctie).
            let correctie = Event::Correctie {
                corrigeert: woonkamer.clone().unwrap(),
                tekst: CORRECTIE_TEKST.into(),
            };
            doc.append_entry(
                &visit_id,
                &correctie,
                &policy(),
                &people.hh1,
                at + Duration::seconds(10),
            )
            .unwrap();
        }
    }
    let bytes = doc.save_incremental();
    db.write(|tx| store::append(tx, zaak_id, &bytes, &people.hh1.device_id, 4))
        .unwrap();
    visit_id
}
