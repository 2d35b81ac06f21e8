//! `veldwerk bezoek app-sessie …`: the handhaver's side of the digital huisbezoek on the client's
//! own phone (issue 16 §2, §3, §6; `server/docs/app-sessie.md`). `start` asks the server for a
//! session of the visit and shows the link (with a QR code in a terminal) and the verification
//! code; `volg` takes over what the client states, as entries of the visit with the client's
//! signature; `hint` sends the client a hint; `einde` ends the session. Needs network.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use veldwerk_client::app_sessie::{self as client, Overgenomen};
use veldwerk_client::ClientError;
use veldwerk_contract::api::{AppSessieRequest, AppSessieStand};
use veldwerk_device::{Device, DeviceError};
use veldwerk_rules::protocol::{Event, EventSoort, Variant};
use veldwerk_rules::routekaart::{Actie, Decision};
use veldwerk_rules::Notice;

use crate::field::sessie::{AppSessieCommand, StartArgs, VolgArgs, WaarArgs};
use crate::field::{self, FieldError};
use crate::terminal::printable;

/// What the device keeps of a session it started (in its encrypted store).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Bewaard {
    sessie: String,
    zaak_id: String,
    visit_id: String,
    klant: String,
    link: String,
    code: String,
    verloopt_om: DateTime<Utc>,
}

fn secret_name(visit_id: &str) -> String {
    format!("app_sessie:{visit_id}")
}

#[derive(Debug, thiserror::Error)]
enum SessieError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("{0}")]
    Client(#[from] ClientError),
    #[error("{0}")]
    Device(#[from] DeviceError),
    #[error("Bezoek {0} heeft geen sessie op de telefoon van de cliënt: start er een met 'veldwerk bezoek app-sessie start'.")]
    GeenSessie(String),
    #[error("{}", .0.message)]
    Weigering(Notice),
}

impl SessieError {
    fn notice(&self) -> Notice {
        match self {
            SessieError::Field(e) => e.notice(),
            SessieError::Client(e) => e.notice(),
            SessieError::Device(e) => e.notice(),
            SessieError::GeenSessie(_) => Notice::new("app_sessie_unknown", self.to_string()),
            SessieError::Weigering(n) => n.clone(),
        }
    }
}

fn json_arg(cmd: &AppSessieCommand) -> bool {
    match cmd {
        AppSessieCommand::Start(a) => a.waar.json,
        AppSessieCommand::Toon(a) => a.json,
        AppSessieCommand::Volg(a) | AppSessieCommand::Einde(a) => a.waar.json,
        AppSessieCommand::Hint(a) => a.waar.json,
    }
}

/// Runs a session command on the device in `data_dir`.
pub fn run(data_dir: &Path, cmd: &AppSessieCommand) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = crate::terminal::Printable::new(stdout.lock());
    match execute(data_dir, cmd, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let notice = e.notice();
            eprintln!("Fout: {}", printable(&notice.to_string()));
            if json_arg(cmd) {
                let _ = writeln!(out, "{}", serde_json::json!({ "error": notice }));
            }
            ExitCode::FAILURE
        }
    }
}

fn visit_of(device: &mut Device, waar: &WaarArgs) -> Result<String, SessieError> {
    match &waar.bezoek {
        Some(v) => Ok(v.clone()),
        None => match device.visit_progress(&waar.zaak, None) {
            Ok(p) => Ok(p.visit_id),
            Err(DeviceError::NoVisit(_)) => Err(FieldError::NoVisit(waar.zaak.clone()).into()),
            Err(e) => Err(e.into()),
        },
    }
}

fn bewaard(device: &Device, visit_id: &str) -> Result<Bewaard, SessieError> {
    let bytes = device
        .store()
        .get_secret(&secret_name(visit_id))
        .map_err(DeviceError::from)?
        .ok_or_else(|| SessieError::GeenSessie(visit_id.to_owned()))?;
    serde_json::from_slice(&bytes).map_err(|_| SessieError::GeenSessie(visit_id.to_owned()))
}

fn execute(
    data_dir: &Path,
    cmd: &AppSessieCommand,
    out: &mut impl Write,
) -> Result<(), SessieError> {
    let mut device = field::open_device(data_dir)?;
    match cmd {
        AppSessieCommand::Start(a) => start(&mut device, a, out),
        AppSessieCommand::Toon(a) => {
            let visit = visit_of(&mut device, a)?;
            let b = bewaard(&device, &visit)?;
            let (transport, signer) = client::verbinding(&device)?;
            let stand = client::stand(&transport, &signer, &b.sessie)?;
            toon(out, &b, Some(&stand), a.json)
        }
        AppSessieCommand::Volg(a) => volg(&mut device, a, false, out),
        AppSessieCommand::Einde(a) => volg(&mut device, a, true, out),
        AppSessieCommand::Hint(a) => {
            let visit = visit_of(&mut device, &a.waar)?;
            let b = bewaard(&device, &visit)?;
            // The hint is recorded in the visit as it is sent: only inside the digital tour.
            let progress = device.visit_progress(&b.zaak_id, Some(&b.visit_id))?;
            if !progress
                .next_steps
                .contains(&EventSoort::AanwijzingGestuurd)
            {
                return Err(SessieError::Weigering(Notice::new(
                    "app_sessie_niet_mogelijk",
                    "Een aanwijzing kan pas als de rondgang is begonnen en tot de cliënt ondertekent: neem eerst over wat de cliënt stuurde met 'veldwerk bezoek app-sessie volg'.",
                )));
            }
            let (transport, signer) = client::verbinding(&device)?;
            let hint = client::hint(&transport, &signer, &b.sessie, &a.tekst)?;
            device.record(
                &b.zaak_id,
                &b.visit_id,
                Event::AanwijzingGestuurd {
                    door: hint.door.clone(),
                    tekst: hint.tekst.clone(),
                },
                Vec::new(),
                Utc::now(),
            )?;
            if a.waar.json {
                let _ = writeln!(out, "{}", serde_json::to_string(&hint).unwrap_or_default());
            } else {
                let _ = writeln!(
                    out,
                    "Aanwijzing {} verstuurd en vastgelegd in het bezoek; de cliënt ziet haar binnen enkele seconden.",
                    hint.n
                );
            }
            Ok(())
        }
    }
}

/// The consent text recorded as asked in the visit: what the client's page shows.
fn gevraagde_tekst(
    device: &mut Device,
    zaak: &str,
    visit: &str,
) -> Result<(Variant, String, String), SessieError> {
    let detail = device.zaak_detail(zaak)?;
    let v = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .ok_or_else(|| {
            SessieError::Weigering(Notice::new(
                "visit_unknown",
                format!("Bezoek {visit} is niet van zaak {zaak}."),
            ))
        })?;
    if v.meta.kind != Actie::HuisbezoekApp {
        return Err(SessieError::Weigering(Notice::new(
            "app_sessie_niet_mogelijk",
            "Een sessie op de telefoon van de cliënt hoort bij een huisbezoek via de app (huisbezoek_app).",
        )));
    }
    v.entries
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            Some(Event::ToestemmingGevraagd {
                variant,
                tekst,
                tekst_hash,
                ..
            }) => Some((*variant, tekst.clone(), tekst_hash.clone())),
            _ => None,
        })
        .ok_or_else(|| {
            SessieError::Weigering(Notice::new(
                "toestemming_ontbreekt",
                "Vraag eerst toestemming met de tekst voor een huisbezoek via de app: 'veldwerk toestemming vraag'.",
            ))
        })
}

fn start(device: &mut Device, a: &StartArgs, out: &mut impl Write) -> Result<(), SessieError> {
    let visit = visit_of(device, &a.waar)?;
    let klant = a.klant.trim();
    if klant.is_empty() {
        return Err(FieldError::InvalidInput {
            veld: "klant",
            detail: "geef de naam van de cliënt".into(),
        }
        .into());
    }
    let (variant, tekst, tekst_hash) = gevraagde_tekst(device, &a.waar.zaak, &visit)?;
    let enrollment = device
        .enrollment()
        .cloned()
        .ok_or(ClientError::NotEnrolled)?;
    let (transport, signer) = client::verbinding(device)?;
    let request = AppSessieRequest {
        zaak_id: a.waar.zaak.clone(),
        visit_id: visit.clone(),
        variant,
        tekst,
        tekst_hash,
        geldig_seconden: a.geldig_seconden,
    };
    let started = client::start(&transport, &signer, &request)?;
    let b = Bewaard {
        sessie: started.sessie,
        zaak_id: a.waar.zaak.clone(),
        visit_id: visit.clone(),
        klant: klant.to_owned(),
        link: format!(
            "{}{}",
            enrollment.server_url.trim_end_matches('/'),
            started.pad
        ),
        code: started.code,
        verloopt_om: started.verloopt_om,
    };
    let bytes = serde_json::to_vec(&b).map_err(|e| ClientError::BadResponse(e.to_string()))?;
    device
        .store()
        .put_secret(&secret_name(&visit), &bytes)
        .map_err(DeviceError::from)?;
    toon(out, &b, None, a.waar.json)
}

fn toon(
    out: &mut impl Write,
    b: &Bewaard,
    stand: Option<&AppSessieStand>,
    json: bool,
) -> Result<(), SessieError> {
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({
                "sessie": b.sessie,
                "bezoek": b.visit_id,
                "link": b.link,
                "code": b.code,
                "verloopt_om": b.verloopt_om,
                "status": stand.map(|s| s.status.clone()),
                "einde": stand.and_then(|s| s.einde.clone()),
            })
        );
        return Ok(());
    }
    let _ = writeln!(out, "Sessie {} voor bezoek {}.", b.sessie, b.visit_id);
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        if let Ok(qr) = qrcode::QrCode::new(b.link.as_bytes()) {
            let picture = qr
                .render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build();
            let _ = writeln!(out, "{picture}");
        }
    }
    let _ = writeln!(out, "Link voor de cliënt: {}", b.link);
    let _ = writeln!(
        out,
        "Verificatiecode: {} (de cliënt vult deze code in op de eigen telefoon)",
        b.code
    );
    let _ = writeln!(
        out,
        "De link werkt tot {} en maar één keer.",
        b.verloopt_om
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S")
    );
    if let Some(s) = stand {
        let _ = writeln!(
            out,
            "Stand: {}; {} verklaring(en) van de cliënt.",
            status_woorden(s),
            s.verklaringen.len()
        );
    }
    let _ = writeln!(
        out,
        "Kijk mee met: veldwerk bezoek app-sessie volg --zaak {} --tot-einde",
        b.zaak_id
    );
    Ok(())
}

fn status_woorden(s: &AppSessieStand) -> String {
    match s.status.as_str() {
        "wacht_op_code" => "wacht op de code van de cliënt".into(),
        "gekoppeld" => "de cliënt is bezig".into(),
        _ => format!(
            "beëindigd ({})",
            s.einde.as_deref().map(einde_woorden).unwrap_or("onbekend")
        ),
    }
}

fn einde_woorden(einde: &str) -> &'static str {
    match einde {
        "toestemming_geweigerd" => "de cliënt gaf geen toestemming",
        "toestemming_ingetrokken" => "de cliënt is gestopt",
        "vragenlijst_ondertekend" => "de cliënt heeft ondertekend en verstuurd",
        "handhaver" => "door de handhaver",
        "verlopen" => "de link is verlopen",
        "te_veel_pogingen" => "de code is te vaak verkeerd ingevuld",
        _ => "beëindigd",
    }
}

/// One statement in words, for the handhaver watching.
fn verklaring_woorden(o: &Overgenomen) -> String {
    match &o.event {
        Event::ToestemmingGegeven { .. } => {
            "De cliënt geeft toestemming; de rondgang begint.".into()
        }
        Event::ToestemmingGeweigerd { .. } => "De cliënt geeft geen toestemming.".into(),
        Event::ToestemmingIngetrokken { .. } => {
            "De cliënt trekt de toestemming in en stopt.".into()
        }
        Event::VraagBeantwoord {
            sleutel, antwoord, ..
        } => format!("Vraag {sleutel}: {}", antwoord.woorden()),
        Event::VragenlijstOndertekend { .. } => "De cliënt heeft de antwoorden ondertekend.".into(),
        other => other.soort().to_string(),
    }
}

#[derive(Serialize)]
struct VolgJson<'a> {
    sessie: &'a str,
    status: &'a str,
    einde: Option<&'a str>,
    overgenomen: Vec<serde_json::Value>,
    hints: usize,
}

/// Takes over what the client stated; with `--tot-einde` keeps polling every two seconds until
/// the session ends. `einde`: end the session first (then take over the rest).
fn volg(
    device: &mut Device,
    a: &VolgArgs,
    einde: bool,
    out: &mut impl Write,
) -> Result<(), SessieError> {
    let visit = visit_of(device, &a.waar)?;
    let b = bewaard(device, &visit)?;
    let (transport, signer) = client::verbinding(device)?;
    if einde {
        client::einde(&transport, &signer, &b.sessie)?;
    }
    let deadline = Instant::now() + Duration::from_secs(a.seconden);
    let mut all: Vec<Overgenomen> = Vec::new();
    let mut hints_seen = 0;
    loop {
        let stand = client::stand(&transport, &signer, &b.sessie)?;
        let mut voorwaarden =
            |device: &mut Device, event: &Event| -> Result<Vec<String>, ClientError> {
                Ok(bevestigd(device, &b, a, event)?)
            };
        let new = client::neem_over(
            device,
            &transport,
            &signer,
            &stand,
            &b.klant,
            &mut voorwaarden,
        )?;
        if !a.waar.json {
            for o in &new {
                let _ = writeln!(out, "{}. {}", o.n, printable(&verklaring_woorden(o)));
            }
            for h in stand.hints.iter().skip(hints_seen) {
                let _ = writeln!(out, "Aanwijzing {} verstuurd: {}", h.n, printable(&h.tekst));
            }
        }
        hints_seen = stand.hints.len();
        all.extend(new);
        let done = stand.status == "beeindigd";
        if done || !a.tot_einde || Instant::now() >= deadline {
            if a.waar.json {
                let json = VolgJson {
                    sessie: &b.sessie,
                    status: &stand.status,
                    einde: stand.einde.as_deref(),
                    overgenomen: all
                        .iter()
                        .map(|o| {
                            serde_json::json!({
                                "n": o.n,
                                "soort": o.event.soort().to_string(),
                                "entry_id": o.entry_id,
                            })
                        })
                        .collect(),
                    hints: hints_seen,
                };
                let _ = writeln!(out, "{}", serde_json::to_string(&json).unwrap_or_default());
            } else {
                let _ = writeln!(
                    out,
                    "Stand: {}. {} verklaring(en) vastgelegd in het bezoek; synchroniseer met 'veldwerk sync'.",
                    status_woorden(&stand),
                    all.len()
                );
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// The routekaart's conditions the handhaver confirmed for a step taken over (the consent, the
/// start of the digital tour): `--bevestig` codes, or all with `--bevestig-alles`.
fn bevestigd(
    device: &mut Device,
    b: &Bewaard,
    a: &VolgArgs,
    event: &Event,
) -> Result<Vec<String>, DeviceError> {
    let mut confirmed = a.bevestig.clone();
    if let Some(Decision::Allowed { conditions, .. }) =
        device.decision_for(&b.zaak_id, &b.visit_id, event)?
    {
        for c in &conditions {
            if a.bevestig_alles && !confirmed.contains(&c.code) {
                confirmed.push(c.code.clone());
            }
        }
    }
    Ok(confirmed)
}
