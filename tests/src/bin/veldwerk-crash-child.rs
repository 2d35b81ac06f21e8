//! `veldwerk-crash-child DIR [COUNT]`: records waarnemingen into one visit of a device store in
//! DIR, printing each entry id on its own line once `record` has returned. It picks up wherever
//! an earlier, killed run left the zaak and visit. Without COUNT it records until killed (the
//! crash test sends SIGKILL at random moments); with COUNT it records that many and exits.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use veldwerk_contract::zaak::{test_support, ZaakSummary};
use veldwerk_device::{Device, DeviceError};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Decision, PlannedAction};

/// The storage key the crash test opens the store with.
pub const KEY: [u8; 32] = [0x5a; 32];
const ZAAK: &str = "Z-CRASH-1";

fn summary() -> ZaakSummary {
    test_support::summary_for(ZAAK)
}

/// The steps of the visit up to being inside; one entry each.
fn steps_to_binnen() -> Vec<Event> {
    test_support::steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])
}

fn record(
    device: &mut Device,
    visit: &str,
    event: Event,
    out: &mut impl Write,
) -> Result<(), DeviceError> {
    let confirmed = match device.decision_for(ZAAK, visit, &event)? {
        Some(Decision::Allowed { conditions, .. }) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    };
    let entry = device.record(ZAAK, visit, event, confirmed, Utc::now())?;
    // Printed only after `record` returned: the test holds the store to every id it reads.
    let _ = writeln!(out, "{}", entry.entry_id);
    let _ = out.flush();
    Ok(())
}

fn run(dir: PathBuf, count: Option<u64>) -> Result<(), DeviceError> {
    let mut device = Device::open(&dir, KEY)?;
    if device.store().worklist_item(ZAAK)?.is_none() {
        device.create_zaak(&summary(), Utc::now())?;
    }
    let visits = device.zaak_detail(ZAAK)?.visits;
    let (visit, done) = match visits.first() {
        Some(v) => (v.meta.visit_id.clone(), v.entries.len()),
        None => {
            let planned = PlannedAction {
                actie: Actie::Huisbezoek,
                handhavers: Some(2),
                transport: None,
                medewerkers_per_auto: None,
                coronaproof: None,
                hardware_ok: None,
                software_beveiligd: None,
            };
            let id = device.start_visit(ZAAK, Actie::Huisbezoek, planned, Utc::now())?;
            (id, 0)
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for event in steps_to_binnen().into_iter().skip(done) {
        record(&mut device, &visit, event, &mut out)?;
    }
    let mut n: u64 = 0;
    while count.is_none_or(|c| n < c) {
        let event = Event::Waarneming {
            ruimte: format!("kamer {}", n % 5),
            tekst: format!("Waarneming {n}: twee tandenborstels in de badkamer."),
            foto: None,
            kast_geopend: false,
            kamer_van: None,
        };
        record(&mut device, &visit, event, &mut out)?;
        n += 1;
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("gebruik: veldwerk-crash-child MAP [AANTAL]");
        return ExitCode::from(2);
    };
    let count = args
        .next()
        .and_then(|c| c.to_str().and_then(|c| c.parse().ok()));
    match run(dir, count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{} [{}]", e, e.code());
            ExitCode::FAILURE
        }
    }
}
