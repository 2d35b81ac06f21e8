//! How the field commands print: readable Dutch text, or one JSON object with `--json`.

use std::io::Write;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use veldwerk_contract::zaak::Entry;
use veldwerk_device::store::{Worklist, WorklistItem};
use veldwerk_device::{Device, DevicePolicyStatus, RefusedWork, ZaakDetail};
use veldwerk_rules::protocol::{
    activiteit, ondertekend_ondanks, Aankondigingswijze, Ambtsverklaring, Event, EventSoort,
    ExtraOnderwerp, Fase, FieldWarning,
};
use veldwerk_rules::Notice;

use super::FieldError;

fn json(out: &mut impl Write, value: &impl Serialize) -> Result<(), FieldError> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A worklist status code (a visit's phase, or `nog_geen_bezoek`) in words.
fn status_woord(code: &str) -> String {
    match serde_json::from_value::<Fase>(serde_json::Value::String(code.to_owned())) {
        Ok(f) => f.woord().to_owned(),
        Err(_) if code == "nog_geen_bezoek" => "nog geen bezoek".to_owned(),
        Err(_) => code.replace('_', " "),
    }
}

pub fn worklist(out: &mut impl Write, list: &Worklist, as_json: bool) -> Result<(), FieldError> {
    let today = Local::now().date_naive();
    let damaged: Vec<Notice> = list.damaged.iter().map(|e| e.notice()).collect();
    if as_json {
        #[derive(Serialize)]
        struct Zaak<'a> {
            #[serde(flatten)]
            item: &'a WorklistItem,
            te_laat: bool,
        }
        #[derive(Serialize)]
        struct J<'a> {
            zaken: Vec<Zaak<'a>>,
            damaged: &'a [Notice],
        }
        let zaken = list
            .items
            .iter()
            .map(|item| Zaak {
                item,
                te_laat: item.te_laat(today),
            })
            .collect();
        return json(
            out,
            &J {
                zaken,
                damaged: &damaged,
            },
        );
    }
    if list.items.is_empty() {
        writeln!(out, "Geen zaken op dit apparaat.")?;
    }
    for item in &list.items {
        let deadline = match item.deadline {
            None => "geen termijn".to_owned(),
            Some(d) if item.te_laat(today) => format!("{d} (te laat)"),
            Some(d) => d.to_string(),
        };
        writeln!(
            out,
            "{}  {:<12} {}  status: {}  volgende stap: {}{}",
            item.zaak_id,
            deadline,
            item.label,
            status_woord(&item.status),
            super::stappen::command_for_name(&item.next_step),
            if item.unsynced_entries > 0 {
                format!("  ({} niet gesynchroniseerd)", item.unsynced_entries)
            } else {
                String::new()
            }
        )?;
    }
    for d in &damaged {
        writeln!(out, "Beschadigd: {d}")?;
    }
    Ok(())
}

/// Refused work as `status` and `zaak` show it (without the kept document itself).
#[derive(Serialize)]
struct RefusedView<'a> {
    zaak_id: &'a str,
    code: &'a str,
    message: &'a str,
    refused_at: DateTime<Utc>,
    rebased: bool,
    reapplied: usize,
    kept_only_here: usize,
}

fn refused_views(work: &[RefusedWork]) -> Vec<RefusedView<'_>> {
    work.iter()
        .map(|w| RefusedView {
            zaak_id: &w.zaak_id,
            code: &w.code,
            message: &w.message,
            refused_at: w.refused_at,
            rebased: w.rebased,
            reapplied: w.reapplied.len(),
            kept_only_here: w.kept_only_here.len(),
        })
        .collect()
}

/// One line per refused piece of work: "geweigerd door de server", the reason, what became of it.
fn refused_lines(out: &mut impl Write, work: &[RefusedWork]) -> Result<(), FieldError> {
    for w in work {
        writeln!(
            out,
            "Geweigerd door de server: zaak {} op {} [{}] {}",
            w.zaak_id,
            local(w.refused_at),
            w.code,
            // The reason comes from the server: no control characters reach the terminal.
            w.message
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
        )?;
        if w.rebased {
            writeln!(
                out,
                "  Opnieuw aangeboden op de kopie van de server: {} vastleggingen; alleen hier bewaard: {}",
                w.reapplied.len(),
                w.kept_only_here.len()
            )?;
        } else {
            writeln!(
                out,
                "  Wacht op de kopie van de server (volgende synchronisatie)."
            )?;
        }
    }
    Ok(())
}

pub fn status(
    out: &mut impl Write,
    device: &Device,
    now: DateTime<Utc>,
    as_json: bool,
) -> Result<(), FieldError> {
    let policy = device.policy_status(now);
    let list = device.worklist()?;
    let refused = device.refused_work()?;
    let unsynced: u64 = list
        .items
        .iter()
        .map(|i| u64::from(i.unsynced_entries))
        .sum();
    if as_json {
        #[derive(Serialize)]
        struct J<'a> {
            device_id: &'a str,
            enrolled: bool,
            server_url: Option<&'a str>,
            policy: &'a DevicePolicyStatus,
            zaken: usize,
            unsynced_entries: u64,
            refused: Vec<RefusedView<'a>>,
        }
        return json(
            out,
            &J {
                device_id: device.device_id(),
                enrolled: device.enrollment().is_some(),
                server_url: device.enrollment().map(|e| e.server_url.as_str()),
                policy: &policy,
                zaken: list.items.len(),
                unsynced_entries: unsynced,
                refused: refused_views(&refused),
            },
        );
    }
    writeln!(out, "Apparaat: {}", device.device_id())?;
    match device.enrollment() {
        Some(e) => writeln!(out, "Aangemeld bij: {}", e.server_url)?,
        None => writeln!(out, "Nog niet aangemeld bij een server.")?,
    }
    writeln!(out, "Actieve code: {}", policy.code.id())?;
    match (policy.synced_at, policy.age_seconds) {
        (Some(at), Some(age)) => writeln!(
            out,
            "Beleid: versie {}, laatst gesynchroniseerd {} ({} uur en {} minuten geleden)",
            policy.version,
            local(at),
            age / 3600,
            (age % 3600) / 60
        )?,
        _ => writeln!(out, "Beleid: geen (standaard-routekaart van VNG)")?,
    }
    for w in &policy.warnings {
        writeln!(out, "Let op: {w}")?;
    }
    writeln!(
        out,
        "Zaken: {}; niet gesynchroniseerde vastleggingen: {unsynced}",
        list.items.len()
    )?;
    refused_lines(out, &refused)?;
    Ok(())
}

pub fn visit_started(out: &mut impl Write, visit: &str, as_json: bool) -> Result<(), FieldError> {
    if as_json {
        #[derive(Serialize)]
        struct J<'a> {
            visit_id: &'a str,
        }
        return json(out, &J { visit_id: visit });
    }
    writeln!(out, "Bezoek gestart: {visit}")?;
    writeln!(out, "Volgende stap: aanleiding")?;
    Ok(())
}

pub fn recorded(
    out: &mut impl Write,
    soort: EventSoort,
    entry: &Entry,
    next: &[EventSoort],
    warnings: &[FieldWarning],
    as_json: bool,
) -> Result<(), FieldError> {
    if as_json {
        #[derive(Serialize)]
        struct J<'a> {
            entry: &'a Entry,
            next_steps: &'a [EventSoort],
            warnings: &'a [FieldWarning],
        }
        return json(
            out,
            &J {
                entry,
                next_steps: next,
                warnings,
            },
        );
    }
    writeln!(
        out,
        "Vastgelegd: {} (vastlegging {}, nr. {})",
        soort.woord(),
        entry.entry_id,
        entry.seq
    )?;
    for w in warnings {
        writeln!(
            out,
            "Let op ({}): {} (suggestie: {})",
            w.veld, w.warning.notice, w.warning.suggestion
        )?;
    }
    writeln!(out, "Volgende stappen: {}", super::stappen::commands(next))?;
    Ok(())
}

fn describe(event: &Option<Event>) -> String {
    match event {
        None => "(onbekende soort vastlegging)".into(),
        Some(e) => match e {
            Event::Aanleiding { grondslag, .. } => format!("grondslag: {}", grondslag.woord()),
            Event::Aankondiging { wijze, .. } => match wijze {
                Aankondigingswijze::Aangekondigd => "aangekondigd".into(),
                Aankondigingswijze::Onaangekondigd => "onaangekondigd".into(),
            },
            Event::AanDeDeur {
                handhavers, leider, ..
            } => {
                format!("aanwezig: {} (leider {leider})", handhavers.join(", "))
            }
            Event::ToestemmingGevraagd {
                variant,
                aanleiding,
                ..
            } if !aanleiding.trim().is_empty() => {
                format!("variant {}; aanleiding: {aanleiding}", variant.as_str())
            }
            Event::ToestemmingGevraagd { variant, .. } => format!("variant {}", variant.as_str()),
            Event::ToestemmingGegeven { door, .. }
            | Event::ToestemmingGeweigerd { door, .. }
            | Event::ToestemmingIngetrokken { door, .. } => format!("door {door}"),
            Event::ExtraToestemming {
                onderwerp,
                ruimte,
                door,
                gegeven,
                ..
            } => format!(
                "{}{} door {door}: {}",
                match onderwerp {
                    ExtraOnderwerp::KamerAndereBewoner => "kamer van een andere bewoner",
                    ExtraOnderwerp::KastenOpenen => "kasten openen",
                    ExtraOnderwerp::Fotos => "foto's",
                },
                ruimte
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" ({r})")),
                if *gegeven { "gegeven" } else { "geweigerd" }
            ),
            Event::Waarneming {
                ruimte,
                tekst,
                foto,
                ..
            } => format!(
                "{ruimte}: {tekst}{}",
                if foto.is_some() { " [foto]" } else { "" }
            ),
            Event::Correctie { corrigeert, tekst } => format!("corrigeert {corrigeert}: {tekst}"),
            Event::Rapport {
                tekst,
                opgemaakt_door,
            } => {
                let signers: Vec<String> = opgemaakt_door
                    .iter()
                    .map(|o| {
                        let verklaring = match o.verklaring {
                            Ambtsverklaring::Ambtseed => "ambtseed",
                            Ambtsverklaring::Ambtsbelofte => "ambtsbelofte",
                        };
                        format!("{} onder {verklaring}", o.handhaver)
                    })
                    .collect();
                format!("{tekst} (opgemaakt door {})", signers.join(", "))
            }
            Event::NietInStaat {
                toelichting,
                vervolg,
                ..
            } => match vervolg {
                Some(v) => format!("{toelichting}; vervolg: {v}"),
                None => toelichting.clone(),
            },
            Event::LegitimatieEnDoel { doel, .. } => format!("doel: {doel}"),
            Event::BezoekAfgebroken { reden } => format!("afgebroken: {reden}"),
            Event::WaarnemingTerPlaatseGestart {
                handhavers,
                leider,
                vervoer,
                medewerkers_per_auto,
            } => format!(
                "aanwezig: {} (leider {leider}), {}{}",
                handhavers.join(", "),
                activiteit::vervoer_woord(*vervoer),
                medewerkers_per_auto.map_or_else(String::new, |n| format!(", {n} per auto"))
            ),
            Event::WaarnemingTerPlaatse {
                plek,
                tekst,
                waargenomen_om,
                ..
            } => format!(
                "{plek} (vanaf de openbare weg{}): {tekst}",
                waargenomen_om.map_or_else(String::new, |t| format!(", waargenomen {}", local(t)))
            ),
            Event::GesprekGestart {
                met,
                wijze,
                handhavers,
                leider,
                ..
            } => format!(
                "{} met {met}; gevoerd door {} (leider {leider})",
                wijze.woord(),
                handhavers.join(", ")
            ),
            Event::Internetonderzoek {
                door,
                bronnen,
                bevindingen,
                ..
            } => format!(
                "door {door}; bronnen: {}; gevonden: {bevindingen}",
                bronnen.join(", ")
            ),
            Event::VraagBeantwoord {
                sleutel,
                antwoord,
                door,
                ..
            } => format!("{sleutel}: {} (door {door})", antwoord.woorden()),
            Event::VragenlijstOndertekend { door, .. } => format!("ondertekend door {door}"),
            Event::AanwijzingGestuurd { door, tekst } => format!("{door} aan de klant: {tekst}"),
            _ => String::new(),
        },
    }
}

pub fn zaak(
    out: &mut impl Write,
    detail: &ZaakDetail,
    refused: &[RefusedWork],
    as_json: bool,
) -> Result<(), FieldError> {
    if as_json {
        #[derive(Serialize)]
        struct J<'a> {
            #[serde(flatten)]
            detail: &'a ZaakDetail,
            refused: Vec<RefusedView<'a>>,
        }
        return json(
            out,
            &J {
                detail,
                refused: refused_views(refused),
            },
        );
    }
    let s = &detail.summary;
    writeln!(out, "Zaak {}: {}", s.zaak_id, s.label)?;
    writeln!(
        out,
        "Adres: {} {}, {} {}",
        s.address.street, s.address.house_number, s.address.postcode, s.address.city
    )?;
    if let Some(d) = s.deadline {
        writeln!(out, "Termijn: {d}")?;
    }
    writeln!(out, "Motivatie: {}", s.motivatie)?;
    if detail.visits.is_empty() {
        writeln!(out, "Nog geen bezoek.")?;
    }
    for v in &detail.visits {
        writeln!(
            out,
            "\nBezoek {} ({}, gestart {}): fase {}",
            v.meta.visit_id,
            v.meta.kind.label(),
            local(v.meta.created_at),
            v.fase.woord()
        )?;
        for e in &v.entries {
            writeln!(
                out,
                "  {} {:<22} {}  [{}] {}",
                local(e.entry.recorded_at),
                e.event.as_ref().map_or("onbekend", |ev| ev.soort().woord()),
                describe(&e.event),
                e.status.woord(),
                e.entry.entry_id
            )?;
            if let Some(ondanks) = ondertekend_ondanks(&e.taalwaarschuwingen) {
                writeln!(out, "    {ondanks}")?;
            }
            for c in &e.other_copies {
                writeln!(
                    out,
                    "    kopie [{}] {}",
                    c.status.woord(),
                    c.status.notice().message
                )?;
            }
        }
        for a in &v.anomalies {
            writeln!(
                out,
                "  Afwijking bij vastlegging {}: {}",
                a.index + 1,
                a.notice
            )?;
        }
        for w in &v.warnings {
            writeln!(out, "  Let op: {w}")?;
        }
        writeln!(
            out,
            "  Volgende stappen: {}",
            super::stappen::commands(&v.next_steps)
        )?;
        writeln!(
            out,
            "  Controle: {}",
            if v.verification.is_intact() {
                "alle vastleggingen ondertekend en in de keten"
            } else {
                "PROBLEMEN in de keten, zie hierboven"
            }
        )?;
    }
    refused_lines(out, refused)?;
    Ok(())
}

/// The vragenlijst the device has (`veldwerk vragenlijst`).
pub fn vragenlijst(
    out: &mut impl Write,
    lijst: &veldwerk_rules::vragenlijst::Vragenlijst,
    as_json: bool,
) -> Result<(), FieldError> {
    if as_json {
        return json(out, lijst);
    }
    write!(out, "{}", lijst.als_tekst())?;
    Ok(())
}
