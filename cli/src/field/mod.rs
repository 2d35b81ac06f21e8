//! The field commands of `veldwerk` on a laptop: the worklist, a zaak, and a huisbezoek recorded
//! step by step, each step checked against the protocol and the routekaart of the active code,
//! its conditions confirmed (`--bevestig CODE`, `--bevestig-alles`, or asked in a terminal).
//!
//! The store lives in `--data-dir`; its key comes from a passphrase ([`key`]).

mod error;
pub mod key;
mod render;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use veldwerk_core::device::Device;
use veldwerk_core::protocol::{
    Aankondigingswijze, Ambtsverklaring, BronSoort, Event, ExtraOnderwerp, Feit, Grondslag,
    Ondertekenaar, Rol, ToestemmingsTekst, Variant,
};
use veldwerk_core::routekaart::{Actie, Decision, PlannedAction};
use veldwerk_core::Notice;

pub use error::FieldError;

/// The field commands, flattened into `veldwerk`'s top level.
#[derive(Debug, Clone, Subcommand)]
pub enum FieldCommand {
    /// The zaken on this device with status and next step, by deadline.
    Zaken(JsonArg),
    /// One zaak.
    #[command(subcommand)]
    Zaak(ZaakCommand),
    /// Start a visit.
    #[command(subcommand)]
    Bezoek(BezoekCommand),
    /// Record the aanleiding (grondslag) of the visit, before it takes place.
    Aanleiding(AanleidingArgs),
    /// Record whether the visit was announced.
    Aankondiging(AankondigingArgs),
    /// Record arrival at the door: the handhavers present and the lead.
    Deur(DeurArgs),
    /// Record that nobody opened the door (not a refusal).
    NiemandAanwezig(ToelichtingArgs),
    /// Record that the person present cannot take part (not a refusal).
    NietInStaat(NietInStaatArgs),
    /// Record identification shown and purpose stated (Awbi art. 1).
    Legitimatie(LegitimatieArgs),
    /// Consent: ask (shows the exact text), given, refused, withdrawn, or a separate consent.
    #[command(subcommand)]
    Toestemming(ToestemmingCommand),
    /// Record entering the dwelling (or starting the app tour).
    Binnentreden(StepArgs),
    /// Record a waarneming in a room.
    Waarneming(WaarnemingArgs),
    /// Record a correction of an earlier entry of the visit.
    Correctie(CorrectieArgs),
    /// Record leaving the dwelling: the visit ends.
    Afsluiting(ToelichtingArgs),
    /// Record the rapport van bevindingen under ambtseed or ambtsbelofte.
    Rapport(RapportArgs),
    /// Record that the client was invited to discuss the rapport.
    Uitnodiging(UitnodigingArgs),
    /// The active code, the policy's age, and entries not yet synced.
    Status(JsonArg),
}

#[derive(Debug, Clone, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ZaakCommand {
    /// Summary, visits, entries and their verification.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VisitKind {
    #[value(name = "huisbezoek")]
    Huisbezoek,
    #[value(name = "huisbezoek_app")]
    HuisbezoekApp,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BezoekCommand {
    /// Start a visit of a zaak; prints the visit id.
    Start {
        #[arg(long)]
        zaak: String,
        #[arg(long, value_enum)]
        actie: VisitKind,
        /// How many handhavers will go to the door (checked against the routekaart).
        #[arg(long)]
        handhavers: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

/// What every recording command takes: where to record and the confirmations.
#[derive(Debug, Clone, Args)]
pub struct StepArgs {
    /// The zaak id.
    #[arg(long)]
    pub zaak: String,
    /// The visit; default the zaak's latest.
    #[arg(long)]
    pub bezoek: Option<String>,
    /// Confirm a condition of the routekaart by its code (repeatable).
    #[arg(long = "bevestig", value_name = "CODE")]
    pub bevestig: Vec<String>,
    /// Confirm every condition shown.
    #[arg(long)]
    pub bevestig_alles: bool,
    /// Print the recorded entry as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GrondslagSoort {
    #[value(name = "concrete_aanwijzing")]
    ConcreteAanwijzing,
    #[value(name = "twijfel")]
    Twijfel,
    #[value(name = "dienstverlening")]
    Dienstverlening,
}

#[derive(Debug, Clone, Args)]
pub struct AanleidingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long, value_enum)]
    pub grondslag: GrondslagSoort,
    /// A concrete fact as BRON:OMSCHRIJVING, BRON one of anonieme_melding, melding_op_naam,
    /// dossier, register, ib_signaal, waarneming, instantie (repeatable).
    #[arg(long = "feit", value_name = "BRON:OMSCHRIJVING")]
    pub feiten: Vec<String>,
    /// A source consulted before deciding on the visit (repeatable).
    #[arg(long = "bron")]
    pub bronnen: Vec<String>,
    #[arg(long)]
    pub waarom_niet_minder_ingrijpend: Option<String>,
    #[arg(long)]
    pub twijfel: Option<String>,
    #[arg(long)]
    pub andere_wijze_onderzocht: Option<String>,
    #[arg(long)]
    pub reden: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Wijze {
    #[value(name = "aangekondigd")]
    Aangekondigd,
    #[value(name = "onaangekondigd")]
    Onaangekondigd,
}

#[derive(Debug, Clone, Args)]
pub struct AankondigingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long, value_enum)]
    pub wijze: Wijze,
    #[arg(long)]
    pub toelichting: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DeurArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// A handhaver at the door (repeatable).
    #[arg(long = "handhaver", required = true)]
    pub handhavers: Vec<String>,
    #[arg(long)]
    pub leider: String,
}

#[derive(Debug, Clone, Args)]
pub struct ToelichtingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long)]
    pub toelichting: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct NietInStaatArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long)]
    pub toelichting: String,
}

#[derive(Debug, Clone, Args)]
pub struct LegitimatieArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// The purpose of the visit as told at the door. Recording this states that the
    /// handhavers showed their identification.
    #[arg(long)]
    pub doel: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RolArg {
    #[value(name = "bewoner")]
    Bewoner,
    #[value(name = "partner")]
    Partner,
    #[value(name = "medebewoner")]
    Medebewoner,
}

impl From<RolArg> for Rol {
    fn from(r: RolArg) -> Rol {
        match r {
            RolArg::Bewoner => Rol::Bewoner,
            RolArg::Partner => Rol::Partner,
            RolArg::Medebewoner => Rol::Medebewoner,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Onderwerp {
    #[value(name = "kamer")]
    Kamer,
    #[value(name = "kasten")]
    Kasten,
    #[value(name = "fotos")]
    Fotos,
}

#[derive(Debug, Clone, Args)]
pub struct WieArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Who answered.
    #[arg(long)]
    pub door: String,
    #[arg(long, value_enum)]
    pub rol: RolArg,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ToestemmingCommand {
    /// Show the consent text for the visit's grondslag and record that it was asked.
    Vraag(StepArgs),
    /// Consent to enter given.
    Gegeven(WieArgs),
    /// Consent refused: the visit ends.
    Geweigerd {
        #[command(flatten)]
        wie: WieArgs,
        /// The person was told the obligation to cooperate and the possible consequences.
        #[arg(long)]
        gewezen_op_gevolgen: bool,
    },
    /// Consent withdrawn: the visit ends at once.
    Ingetrokken(WieArgs),
    /// A separate consent: another occupant's room, opening closets, or photos.
    Extra {
        #[command(flatten)]
        wie: WieArgs,
        #[arg(long, value_enum)]
        onderwerp: Onderwerp,
        /// Limit it to one room (required for another occupant's room).
        #[arg(long)]
        ruimte: Option<String>,
        /// Record a refusal (or withdrawal) of this consent.
        #[arg(long)]
        geweigerd: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct WaarnemingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long)]
    pub ruimte: String,
    #[arg(long)]
    pub tekst: String,
    /// A photo file, stored encrypted on the device (needs recorded consent for photos).
    #[arg(long)]
    pub foto: Option<PathBuf>,
    #[arg(long)]
    pub kast_geopend: bool,
    /// The occupant whose own room this is, when not the belanghebbende's.
    #[arg(long)]
    pub kamer_van: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CorrectieArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// The id of the entry corrected.
    #[arg(long)]
    pub entry: String,
    #[arg(long)]
    pub tekst: String,
}

#[derive(Debug, Clone, Args)]
pub struct RapportArgs {
    #[command(flatten)]
    pub step: StepArgs,
    #[arg(long)]
    pub tekst: String,
    /// A signatory as NAAM:ambtseed or NAAM:ambtsbelofte (repeatable).
    #[arg(
        long = "ondertekenaar",
        value_name = "NAAM:VERKLARING",
        required = true
    )]
    pub ondertekenaars: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct UitnodigingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// The date of the conversation, YYYY-MM-DD.
    #[arg(long)]
    pub datum: Option<NaiveDate>,
    #[arg(long)]
    pub toelichting: Option<String>,
}

/// Runs a field command on the device in `data_dir`; prints the outcome (or the coded Dutch
/// error on stderr, and as JSON on stdout with `--json`) and returns the exit code.
pub fn run(data_dir: &Path, cmd: &FieldCommand) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match execute(data_dir, cmd, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let notice = e.notice();
            let details = e.details();
            eprintln!("Fout: {notice}");
            for d in &details {
                eprintln!("  - {d}");
            }
            if wants_json(cmd) {
                #[derive(Serialize)]
                struct JsonError<'a> {
                    error: &'a Notice,
                    details: &'a [Notice],
                }
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&JsonError {
                        error: &notice,
                        details: &details
                    })
                    .unwrap_or_default()
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn wants_json(cmd: &FieldCommand) -> bool {
    match cmd {
        FieldCommand::Zaken(a) | FieldCommand::Status(a) => a.json,
        FieldCommand::Zaak(ZaakCommand::Show { json, .. })
        | FieldCommand::Bezoek(BezoekCommand::Start { json, .. }) => *json,
        other => step_args(other).is_some_and(|s| s.json),
    }
}

fn step_args(cmd: &FieldCommand) -> Option<&StepArgs> {
    Some(match cmd {
        FieldCommand::Aanleiding(a) => &a.step,
        FieldCommand::Aankondiging(a) => &a.step,
        FieldCommand::Deur(a) => &a.step,
        FieldCommand::NiemandAanwezig(a) | FieldCommand::Afsluiting(a) => &a.step,
        FieldCommand::NietInStaat(a) => &a.step,
        FieldCommand::Legitimatie(a) => &a.step,
        FieldCommand::Toestemming(t) => match t {
            ToestemmingCommand::Vraag(s) => s,
            ToestemmingCommand::Gegeven(w) | ToestemmingCommand::Ingetrokken(w) => &w.step,
            ToestemmingCommand::Geweigerd { wie, .. } | ToestemmingCommand::Extra { wie, .. } => {
                &wie.step
            }
        },
        FieldCommand::Binnentreden(s) => s,
        FieldCommand::Waarneming(a) => &a.step,
        FieldCommand::Correctie(a) => &a.step,
        FieldCommand::Rapport(a) => &a.step,
        FieldCommand::Uitnodiging(a) => &a.step,
        FieldCommand::Zaken(_)
        | FieldCommand::Zaak(_)
        | FieldCommand::Bezoek(_)
        | FieldCommand::Status(_) => return None,
    })
}

/// Opens the device in `data_dir` with the key from the passphrase.
pub fn open_device(data_dir: &Path) -> Result<Device, FieldError> {
    let key = key::storage_key(data_dir)?;
    Ok(Device::open(data_dir, key)?)
}

fn execute(data_dir: &Path, cmd: &FieldCommand, out: &mut impl Write) -> Result<(), FieldError> {
    let mut device = open_device(data_dir)?;
    let now = Utc::now();
    match cmd {
        FieldCommand::Zaken(a) => render::worklist(out, &device.worklist()?, a.json),
        FieldCommand::Status(a) => render::status(out, &device, now, a.json),
        FieldCommand::Zaak(ZaakCommand::Show { id, json }) => {
            let detail = device.zaak_detail(id)?;
            render::zaak(out, &detail, *json)
        }
        FieldCommand::Bezoek(BezoekCommand::Start {
            zaak,
            actie,
            handhavers,
            json,
        }) => {
            let actie = match actie {
                VisitKind::Huisbezoek => Actie::Huisbezoek,
                VisitKind::HuisbezoekApp => Actie::HuisbezoekApp,
            };
            let planned = PlannedAction {
                actie,
                handhavers: *handhavers,
                transport: None,
                medewerkers_per_auto: None,
                coronaproof: None,
                hardware_ok: None,
                software_beveiligd: None,
            };
            warn_policy(&device, now);
            let visit = device.start_visit(zaak, actie, planned, now)?;
            render::visit_started(out, &visit, *json)
        }
        other => {
            let Some(step) = step_args(other) else {
                return Ok(());
            };
            let visit = match &step.bezoek {
                Some(v) => v.clone(),
                None => latest_visit(&mut device, &step.zaak)?,
            };
            let event = build_event(&mut device, &step.zaak, &visit, other)?;
            record(&mut device, step, &visit, event, now, out)
        }
    }
}

fn latest_visit(device: &mut Device, zaak: &str) -> Result<String, FieldError> {
    device
        .zaak_detail(zaak)?
        .visits
        .last()
        .map(|v| v.meta.visit_id.clone())
        .ok_or_else(|| FieldError::GeenBezoek(zaak.to_owned()))
}

/// Prints the policy's warnings (too old, never synced) on stderr.
pub(crate) fn warn_policy(device: &Device, now: chrono::DateTime<Utc>) {
    for w in device.policy_status(now).warnings {
        eprintln!("Let op: {w}");
    }
}

fn invalid(veld: &'static str, detail: impl Into<String>) -> FieldError {
    FieldError::OngeldigeInvoer {
        veld,
        detail: detail.into(),
    }
}

/// A snake_case name as the serde enum it names (the protocol's own spelling).
fn parse_named<T: serde::de::DeserializeOwned>(
    veld: &'static str,
    name: &str,
) -> Result<T, FieldError> {
    serde_json::from_value(serde_json::Value::String(name.trim().to_owned()))
        .map_err(|_| invalid(veld, format!("'{name}' is geen bekende waarde")))
}

fn build_event(
    device: &mut Device,
    zaak: &str,
    visit: &str,
    cmd: &FieldCommand,
) -> Result<Event, FieldError> {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    Ok(match cmd {
        FieldCommand::Aanleiding(a) => {
            let grondslag = match a.grondslag {
                GrondslagSoort::ConcreteAanwijzing => Grondslag::ConcreteAanwijzing {
                    feiten: a
                        .feiten
                        .iter()
                        .map(|f| {
                            let (bron, omschrijving) = f.split_once(':').ok_or_else(|| {
                                invalid("--feit", "gebruik BRON:OMSCHRIJVING, bijv. register:...")
                            })?;
                            Ok(Feit {
                                omschrijving: omschrijving.trim().to_owned(),
                                bron: parse_named::<BronSoort>("--feit", bron)?,
                            })
                        })
                        .collect::<Result<_, FieldError>>()?,
                    geraadpleegde_bronnen: a.bronnen.clone(),
                    waarom_niet_minder_ingrijpend: text(&a.waarom_niet_minder_ingrijpend),
                },
                GrondslagSoort::Twijfel => Grondslag::TwijfelZonderAanwijzing {
                    twijfel: text(&a.twijfel),
                    andere_wijze_onderzocht: text(&a.andere_wijze_onderzocht),
                },
                GrondslagSoort::Dienstverlening => Grondslag::Dienstverlening {
                    reden: text(&a.reden),
                },
            };
            let actie = device
                .zaak_detail(zaak)?
                .visits
                .into_iter()
                .find(|v| v.meta.visit_id == visit)
                .map(|v| v.meta.kind)
                .ok_or_else(|| invalid("--bezoek", format!("bezoek {visit} bestaat niet")))?;
            Event::Aanleiding { actie, grondslag }
        }
        FieldCommand::Aankondiging(a) => Event::Aankondiging {
            wijze: match a.wijze {
                Wijze::Aangekondigd => Aankondigingswijze::Aangekondigd,
                Wijze::Onaangekondigd => Aankondigingswijze::Onaangekondigd,
            },
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::Deur(a) => Event::AanDeDeur {
            handhavers: a.handhavers.clone(),
            leider: a.leider.clone(),
        },
        FieldCommand::NiemandAanwezig(a) => Event::NiemandAanwezig {
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::NietInStaat(a) => Event::NietInStaat {
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::Legitimatie(a) => Event::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: a.doel.clone(),
        },
        FieldCommand::Toestemming(t) => match t {
            ToestemmingCommand::Vraag(_) => {
                let variant = consent_variant(device, zaak, visit)?;
                let tekst = ToestemmingsTekst::standaard(variant);
                eprintln!("Lees voor of laat lezen (variant {}):\n", variant.as_str());
                eprintln!("{}\n", tekst.tekst);
                tekst.event()
            }
            ToestemmingCommand::Gegeven(w) => Event::ToestemmingGegeven {
                door: w.door.clone(),
                rol: w.rol.into(),
            },
            ToestemmingCommand::Geweigerd {
                wie,
                gewezen_op_gevolgen,
            } => Event::ToestemmingGeweigerd {
                door: wie.door.clone(),
                rol: wie.rol.into(),
                gewezen_op_gevolgen: *gewezen_op_gevolgen,
            },
            ToestemmingCommand::Ingetrokken(w) => Event::ToestemmingIngetrokken {
                door: w.door.clone(),
                rol: w.rol.into(),
            },
            ToestemmingCommand::Extra {
                wie,
                onderwerp,
                ruimte,
                geweigerd,
            } => Event::ExtraToestemming {
                onderwerp: match onderwerp {
                    Onderwerp::Kamer => ExtraOnderwerp::KamerAndereBewoner,
                    Onderwerp::Kasten => ExtraOnderwerp::KastenOpenen,
                    Onderwerp::Fotos => ExtraOnderwerp::Fotos,
                },
                ruimte: ruimte.clone(),
                door: wie.door.clone(),
                rol: wie.rol.into(),
                gegeven: !geweigerd,
            },
        },
        FieldCommand::Binnentreden(_) => Event::Binnentreden,
        FieldCommand::Waarneming(a) => {
            let foto = match &a.foto {
                Some(path) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        invalid("--foto", format!("{} is onleesbaar: {e}", path.display()))
                    })?;
                    Some(device.put_photo(zaak, &bytes)?.as_str().to_owned())
                }
                None => None,
            };
            Event::Waarneming {
                ruimte: a.ruimte.clone(),
                tekst: a.tekst.clone(),
                foto,
                kast_geopend: a.kast_geopend,
                kamer_van: a.kamer_van.clone(),
            }
        }
        FieldCommand::Correctie(a) => Event::Correctie {
            corrigeert: a.entry.clone(),
            tekst: a.tekst.clone(),
        },
        FieldCommand::Afsluiting(a) => Event::Afsluiting {
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::Rapport(a) => Event::Rapport {
            tekst: a.tekst.clone(),
            opgemaakt_door: a
                .ondertekenaars
                .iter()
                .map(|o| {
                    let (naam, verklaring) = o.rsplit_once(':').ok_or_else(|| {
                        invalid(
                            "--ondertekenaar",
                            "gebruik NAAM:ambtseed of NAAM:ambtsbelofte",
                        )
                    })?;
                    Ok(Ondertekenaar {
                        handhaver: naam.trim().to_owned(),
                        verklaring: parse_named::<Ambtsverklaring>("--ondertekenaar", verklaring)?,
                    })
                })
                .collect::<Result<_, FieldError>>()?,
        },
        FieldCommand::Uitnodiging(a) => Event::UitnodigingBespreking {
            datum: a.datum,
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::Zaken(_)
        | FieldCommand::Zaak(_)
        | FieldCommand::Bezoek(_)
        | FieldCommand::Status(_) => {
            return Err(invalid("opdracht", "geen stap van een bezoek"));
        }
    })
}

/// The consent text variant the visit's recorded grondslag demands (seed 001 §3).
fn consent_variant(device: &mut Device, zaak: &str, visit: &str) -> Result<Variant, FieldError> {
    let detail = device.zaak_detail(zaak)?;
    let grondslag = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .into_iter()
        .flat_map(|v| v.entries.iter())
        .find_map(|e| match &e.event {
            Some(Event::Aanleiding { grondslag, .. }) => Some(grondslag.variant()),
            _ => None,
        });
    // Without an aanleiding the protocol refuses the step anyway; variant A is then shown.
    Ok(grondslag.unwrap_or(Variant::A))
}

/// Shows the routekaart's conditions, gathers the confirmations and records the step.
fn record(
    device: &mut Device,
    step: &StepArgs,
    visit: &str,
    event: Event,
    now: chrono::DateTime<Utc>,
    out: &mut impl Write,
) -> Result<(), FieldError> {
    warn_policy(device, now);
    let mut confirmed = step.bevestig.clone();
    if let Some(Decision::Allowed {
        conditions,
        warnings,
    }) = device.decision_for(&step.zaak, visit, &event)?
    {
        for w in &warnings {
            eprintln!("Let op: {w}");
        }
        if !conditions.is_empty() {
            eprintln!(
                "Voorwaarden van de routekaart (code {}):",
                render::code_name(device.active_code())
            );
            for c in &conditions {
                eprintln!("  - {c}");
            }
        }
        let interactive = std::io::stdin().is_terminal() && !step.json;
        for c in &conditions {
            let confirm = step.bevestig_alles
                || (!confirmed.contains(&c.code) && interactive && ask(&c.message)?);
            if confirm {
                confirmed.push(c.code.clone());
            }
        }
    }
    let warnings = event.factual_warnings();
    let soort = event.soort();
    let entry = device.record(&step.zaak, visit, event, confirmed, now)?;
    let detail = device.zaak_detail(&step.zaak)?;
    let next = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .map(|v| v.next_steps.clone())
        .unwrap_or_default();
    render::recorded(out, soort, &entry, &next, &warnings, step.json)
}

/// Asks a yes/no question on the terminal.
fn ask(question: &str) -> Result<bool, FieldError> {
    eprint!("Bevestig: {question} [j/n] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "j" | "J" | "ja" | "Ja"))
}
