//! The Rust side of the FFI overhead figure: the facade's `record` of one waarneming and its
//! `check_action`, called from Rust exactly as the Kotlin bindings test calls them through the
//! FFI (android/bindings-test/Main.kt prints the Kotlin medians). The core's `Device::record`
//! is measured beside them, so the facade's own translation cost shows too.
//!
//! Run with `cargo bench -p veldwerk-mobile --bench record`. Like the Kotlin side, a visit is
//! started afresh every `PER_VISIT` waarnemingen so both measure visits of the same size.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use veldwerk_core::device::Device;
use veldwerk_core::protocol::melding::Werkproces;
use veldwerk_core::protocol::Event;
use veldwerk_core::zaak::{Address, ZaakSummary};
use veldwerk_mobile::{
    consent_text, Aankondigingswijze, Actie, ActionParams, BronSoort, Feit, Grondslag, Rol, Stap,
    Veldwerk,
};

const KEY: [u8; 32] = [7; 32];
const ZAAK: &str = "Z-BENCH-1";
const HANDHAVER: &str = "hh-1";
/// Waarnemingen per visit: the Kotlin side records 330 in one visit.
const PER_VISIT: u64 = 330;

fn summary() -> ZaakSummary {
    ZaakSummary {
        zaak_id: ZAAK.to_owned(),
        label: "Bench samenwoning".into(),
        address: Address {
            street: "Kerkstraat".into(),
            house_number: "12".into(),
            postcode: "1234 AB".into(),
            city: "Demodorp".into(),
        },
        werkproces: Werkproces::H2,
        motivatie: "Post op dit adres is gericht aan een tweede volwassene.".into(),
        deadline: NaiveDate::from_ymd_opt(2026, 12, 7),
        handhavers: BTreeSet::from([HANDHAVER.to_owned()]),
    }
}

fn grondslag() -> Grondslag {
    Grondslag::ConcreteAanwijzing {
        feiten: vec![Feit {
            omschrijving: "Het waterverbruik is sinds augustus verdubbeld.".into(),
            bron: BronSoort::Instantie,
        }],
        geraadpleegde_bronnen: vec!["BRP".into()],
        waarom_niet_minder_ingrijpend: "Niet uit registers vast te stellen.".into(),
    }
}

fn confirmed(vw: &Veldwerk, visit: &str, stap: &Stap) -> Vec<String> {
    vw.check_step(ZAAK.into(), visit.into(), stap.clone())
        .ok()
        .flatten()
        .map(|d| d.conditions.into_iter().map(|c| c.code).collect())
        .unwrap_or_default()
}

/// Starts a `huisbezoek_app` visit and records it up to inside the dwelling.
fn enter(vw: &Veldwerk) -> String {
    let visit = vw
        .start_visit(
            ZAAK.into(),
            Actie::HuisbezoekApp,
            ActionParams {
                handhavers: Some(1),
                ..ActionParams::default()
            },
        )
        .expect("start visit");
    let text = consent_text(veldwerk_mobile::Variant::A);
    let steps = [
        Stap::Aanleiding {
            actie: Actie::HuisbezoekApp,
            grondslag: grondslag(),
        },
        Stap::Aankondiging {
            wijze: Aankondigingswijze::Onaangekondigd,
            toelichting: None,
        },
        Stap::AanDeDeur {
            handhavers: vec![HANDHAVER.into()],
            leider: HANDHAVER.into(),
        },
        Stap::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: "Vaststellen van de woonsituatie".into(),
        },
        Stap::ToestemmingGevraagd {
            variant: text.variant,
            tekst: text.tekst,
            tekst_hash: text.hash,
        },
        Stap::ToestemmingGegeven {
            door: "bewoner".into(),
            rol: Rol::Bewoner,
        },
        Stap::Binnentreden,
    ];
    for stap in steps {
        let c = confirmed(vw, &visit, &stap);
        vw.record(ZAAK.into(), visit.clone(), stap, c)
            .expect("record step");
    }
    visit
}

fn waarneming() -> Stap {
    Stap::Waarneming {
        ruimte: "woonkamer".into(),
        tekst: "Een bank, een tafel en twee stoelen.".into(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let mut device = Device::open(dir.path(), KEY).expect("open device");
        device.create_zaak(&summary(), Utc::now()).expect("zaak");
    }
    let vw = Veldwerk::open(dir.path().display().to_string(), KEY.to_vec()).expect("open");
    let stap = waarneming();

    let mut group = c.benchmark_group("bench rust");
    group.bench_function("record_waarneming (facade, as Kotlin calls it)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut visit = enter(&vw);
            let conditions = confirmed(&vw, &visit, &stap);
            for i in 0..iters {
                if i > 0 && i % PER_VISIT == 0 {
                    visit = enter(&vw);
                }
                let t0 = Instant::now();
                let r = vw.record(ZAAK.into(), visit.clone(), stap.clone(), conditions.clone());
                total += t0.elapsed();
                black_box(r.expect("record"));
            }
            total
        })
    });
    group.bench_function("check_action (facade, as Kotlin calls it)", |b| {
        b.iter(|| {
            black_box(vw.check_action(
                Actie::HuisbezoekApp,
                ActionParams {
                    handhavers: Some(1),
                    ..ActionParams::default()
                },
            ))
        })
    });
    drop(vw);

    // The core call underneath, without the facade's translation.
    let mut device = Device::open(dir.path(), KEY).expect("reopen device");
    let event = stap.into_event().expect("event");
    group.bench_function("record_waarneming (core Device::record)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut visit = String::new();
            let mut conditions = Vec::new();
            for i in 0..iters {
                if i % PER_VISIT == 0 {
                    visit = enter_core(&mut device);
                    conditions = core_conditions(&mut device, &visit, &event);
                }
                let conditions = conditions.clone();
                let t0 = Instant::now();
                let r = device.record(ZAAK, &visit, event.clone(), conditions, Utc::now());
                total += t0.elapsed();
                black_box(r.expect("core record"));
            }
            total
        })
    });
    group.finish();
}

fn enter_core(device: &mut Device) -> String {
    use veldwerk_core::routekaart::PlannedAction;
    let planned = PlannedAction {
        actie: veldwerk_core::routekaart::Actie::HuisbezoekApp,
        handhavers: Some(1),
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    };
    let visit = device
        .start_visit(ZAAK, planned.actie, planned, Utc::now())
        .expect("start");
    let text = consent_text(veldwerk_mobile::Variant::A);
    let steps: Vec<Event> = [
        Stap::Aanleiding {
            actie: Actie::HuisbezoekApp,
            grondslag: grondslag(),
        },
        Stap::Aankondiging {
            wijze: Aankondigingswijze::Onaangekondigd,
            toelichting: None,
        },
        Stap::AanDeDeur {
            handhavers: vec![HANDHAVER.into()],
            leider: HANDHAVER.into(),
        },
        Stap::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: "Vaststellen van de woonsituatie".into(),
        },
        Stap::ToestemmingGevraagd {
            variant: text.variant,
            tekst: text.tekst,
            tekst_hash: text.hash,
        },
        Stap::ToestemmingGegeven {
            door: "bewoner".into(),
            rol: Rol::Bewoner,
        },
        Stap::Binnentreden,
    ]
    .into_iter()
    .map(|s| s.into_event().expect("event"))
    .collect();
    for event in steps {
        let conditions = core_conditions(device, &visit, &event);
        device
            .record(ZAAK, &visit, event, conditions, Utc::now())
            .expect("record step");
    }
    visit
}

fn core_conditions(device: &mut Device, visit: &str, event: &Event) -> Vec<String> {
    match device.decision_for(ZAAK, visit, event) {
        Ok(Some(veldwerk_core::routekaart::Decision::Allowed { conditions, .. })) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
