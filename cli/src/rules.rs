//! `veldwerk rules ...`: check a planned action against the routekaart, show the table,
//! validate an organisation's override file, query the administratief-onderzoek table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use veldwerk_rules::routekaart::admin_onderzoek::{self, Dienst, Onderwerp};
use veldwerk_rules::routekaart::{
    evaluate, Actie, Code, Decision, PlannedAction, Routekaart, Transport,
};
use veldwerk_rules::Notice;

/// Exit code: the planned action is allowed, or the command succeeded.
const EXIT_OK: u8 = 0;
/// Exit code: the override file given to `rules validate` is invalid.
const EXIT_INVALID_FILE: u8 = 1;
/// Exit code: bad input (unknown code/action/value, unreadable or invalid file).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: the planned action is forbidden.
const EXIT_FORBIDDEN: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Controleer een geplande actie onder een code.
    ///
    /// Exitcode 0: toegestaan (met voorwaarden); 3: verboden (met redenen); 2: onjuiste invoer.
    Check(CheckArgs),
    /// Toon de routekaart zoals een mens hem leest.
    Show(ShowArgs),
    /// Valideer een bestand met routekaart-aanpassingen (TOML).
    ///
    /// Exitcode 0: geldig; 1: ongeldig (elke fout met regel en kolom); 2: onleesbaar.
    Validate(ValidateArgs),
    /// Toon de tabel administratief onderzoek (onderwerpen × BD/UWV/SVB/Gemeente).
    AdminOnderzoek(AdminArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    #[value(alias = "ja")]
    Yes,
    #[value(alias = "nee")]
    No,
}

impl From<YesNo> for bool {
    fn from(v: YesNo) -> bool {
        v == YesNo::Yes
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// De code: geel, oranje of rood. Zonder --code: de actieve code en de routekaart van de
    /// organisatie zoals dit apparaat ze bij de laatste synchronisatie kreeg (--data-dir).
    #[arg(long)]
    code: Option<Code>,
    /// De actie: huisbezoek, huisbezoek_app, waarneming, gesprek_op_afstand, spreekkamer,
    /// mobiele_unit, administratief_onderzoek.
    #[arg(long)]
    action: Actie,
    /// Aantal handhavers aan de deur.
    #[arg(long)]
    handhavers: Option<u32>,
    /// Vervoer naar een waarneming: auto, lopen of fiets.
    #[arg(long)]
    transport: Option<Transport>,
    /// Medewerkers per auto (alleen bij --transport auto).
    #[arg(long)]
    medewerkers_per_auto: Option<u32>,
    /// Is de spreekkamer coronaproof?
    #[arg(long)]
    coronaproof: Option<YesNo>,
    /// Beschikken medewerker en klant over geschikte hardware?
    #[arg(long)]
    hardware_ok: Option<YesNo>,
    /// Is de software beveiligd?
    #[arg(long)]
    software_beveiligd: Option<YesNo>,
    /// Routekaart-aanpassingen van de organisatie (TOML); zonder: de VNG-routekaart 2020.
    /// Alleen samen met --code.
    #[arg(long, value_name = "FILE", requires = "code")]
    routekaart: Option<PathBuf>,
    /// Precies één JSON-object op stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Alleen deze code.
    #[arg(long)]
    code: Option<Code>,
    /// Routekaart-aanpassingen van de organisatie (TOML).
    #[arg(long, value_name = "FILE")]
    routekaart: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Het bestand met routekaart-aanpassingen (TOML).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Onderwerp: id, naam of een deel daarvan (bijv. toeslag).
    #[arg(long)]
    topic: Option<String>,
    /// Alleen onderwerpen waarvoor deze dienst de gegevens heeft: bd, uwv, svb, gemeente.
    #[arg(long)]
    dienst: Option<Dienst>,
    /// Als JSON-lijst op stdout.
    #[arg(long)]
    json: bool,
}

/// Runs a rules command; `data_dir` is the device whose active code `rules check` uses when
/// no `--code` is given.
pub fn run(data_dir: &Path, command: RulesCommand) -> ExitCode {
    let code = match command {
        RulesCommand::Check(args) => check(data_dir, &args),
        RulesCommand::Show(args) => show(&args),
        RulesCommand::Validate(args) => validate(&args.file),
        RulesCommand::AdminOnderzoek(args) => admin(&args),
    };
    ExitCode::from(code)
}

/// Loads the routekaart: the VNG default, or the default with the file's overrides.
fn load(file: Option<&Path>) -> Result<Routekaart, u8> {
    let Some(path) = file else {
        return Ok(Routekaart::vng_2020());
    };
    let text = read(path)?;
    Routekaart::from_overrides(&text).map_err(|errors| {
        for e in errors.errors() {
            eprintln!("fout: {}: {} [{}]", path.display(), e, e.code());
        }
        EXIT_BAD_INPUT
    })
}

fn read(path: &Path) -> Result<String, u8> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!(
            "fout: kan {} niet lezen / cannot read {}: {e} [file_unreadable]",
            path.display(),
            path.display()
        );
        EXIT_BAD_INPUT
    })
}

#[derive(Serialize)]
struct CheckOutput<'a> {
    code: Code,
    action: Actie,
    decision: &'static str,
    reasons: &'a [Notice],
    conditions: &'a [Notice],
    warnings: &'a [Notice],
}

/// The code and routekaart to check against: the given ones, or the device's active policy.
fn check_basis(data_dir: &Path, args: &CheckArgs) -> Result<(Code, Routekaart), u8> {
    if let Some(code) = args.code {
        return Ok((code, load(args.routekaart.as_deref())?));
    }
    let device = crate::field::open_device(data_dir).map_err(|e| {
        eprintln!("Fout: {}", e.notice());
        EXIT_BAD_INPUT
    })?;
    crate::field::warn_policy(&device, chrono::Utc::now());
    Ok((device.active_code(), device.rules().routekaart().clone()))
}

fn check(data_dir: &Path, args: &CheckArgs) -> u8 {
    let (code, routekaart) = match check_basis(data_dir, args) {
        Ok(basis) => basis,
        Err(exit) => return exit,
    };
    let planned = PlannedAction {
        actie: args.action,
        handhavers: args.handhavers,
        transport: args.transport,
        medewerkers_per_auto: args.medewerkers_per_auto,
        coronaproof: args.coronaproof.map(bool::from),
        hardware_ok: args.hardware_ok.map(bool::from),
        software_beveiligd: args.software_beveiligd.map(bool::from),
    };
    let decision = evaluate(&routekaart, code, &planned);
    if args.json {
        let out = CheckOutput {
            code,
            action: args.action,
            decision: decision.id(),
            reasons: decision.reasons(),
            conditions: decision.conditions(),
            warnings: decision.warnings(),
        };
        match serde_json::to_string(&out) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("fout: JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    } else {
        print!(
            "{}",
            human_decision(&routekaart, code, args.action, &decision)
        );
    }
    if decision.is_allowed() {
        EXIT_OK
    } else {
        EXIT_FORBIDDEN
    }
}

fn human_decision(r: &Routekaart, code: Code, actie: Actie, d: &Decision) -> String {
    let mut s = String::new();
    let verdict = if d.is_allowed() {
        "TOEGESTAAN"
    } else {
        "VERBODEN"
    };
    let _ = writeln!(s, "{} bij code {code}: {verdict}", actie.label());
    let _ = writeln!(s, "Routekaart: {}", origin(r));
    if !d.reasons().is_empty() {
        let _ = writeln!(s, "Redenen:");
        for n in d.reasons() {
            let _ = writeln!(s, "  - {} [{}]", n.message, n.code);
        }
    }
    if d.is_allowed() {
        if d.conditions().is_empty() {
            let _ = writeln!(s, "Geen voorwaarden om te bevestigen.");
        } else {
            let _ = writeln!(s, "Voorwaarden (bevestigen):");
            for n in d.conditions() {
                let _ = writeln!(s, "  [ ] {} [{}]", n.message, n.code);
            }
        }
    }
    if !d.warnings().is_empty() {
        let _ = writeln!(s, "Waarschuwingen:");
        for n in d.warnings() {
            let _ = writeln!(s, "  ! {} [{}]", n.message, n.code);
        }
    }
    s
}

fn origin(r: &Routekaart) -> String {
    match r.organisation() {
        Some(org) => format!(
            "VNG-routekaart november 2020, aangepast door {org} (versie {})",
            r.version()
        ),
        None => format!("VNG-routekaart november 2020 ({})", r.version()),
    }
}

fn show(args: &ShowArgs) -> u8 {
    let routekaart = match load(args.routekaart.as_deref()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    print!("{}", human_table(&routekaart, args.code));
    EXIT_OK
}

/// The table as a person reads it: per action, per code, the verdict, the table's wording and
/// the checklist (every limit unstated, so it shows as a condition).
fn human_table(r: &Routekaart, only: Option<Code>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Routekaart alternatief handhaven: {}", origin(r));
    for actie in Actie::ALL {
        let _ = writeln!(s, "\n{} [{}]", actie.label(), actie.id());
        for code in Code::ALL
            .into_iter()
            .filter(|c| only.is_none_or(|o| o == *c))
        {
            let cell = r.cell(code, actie);
            let decision = evaluate(r, code, &PlannedAction::new(actie));
            let verdict = if cell.is_allowed() {
                "toegestaan"
            } else {
                "verboden"
            };
            let marker = if cell.overridden {
                " (aangepast door de organisatie)"
            } else {
                ""
            };
            let _ = writeln!(s, "  {}: {verdict}{marker}", code.label());
            let _ = writeln!(s, "    Tabel: {}", cell.text);
            for n in decision.reasons() {
                let _ = writeln!(s, "    Reden: {} [{}]", n.message, n.code);
            }
            for n in decision.conditions() {
                let _ = writeln!(s, "    [ ] {} [{}]", n.message, n.code);
            }
            for n in &cell.warnings {
                let _ = writeln!(s, "    ! {} [{}]", n.message, n.code);
            }
        }
    }
    let _ = writeln!(s);
    for n in r.general_warnings() {
        let _ = writeln!(s, "* {} [{}]", n.message, n.code);
    }
    s
}

fn validate(path: &Path) -> u8 {
    let text = match read(path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    match Routekaart::from_overrides(&text) {
        Ok(r) => {
            let cells: Vec<String> = r
                .cells()
                .filter(|c| c.overridden)
                .map(|c| format!("{}.{}", c.code, c.actie))
                .collect();
            println!(
                "Geldig: {} (versie {}); aangepaste cellen: {}",
                r.organisation().unwrap_or("?"),
                r.version(),
                if cells.is_empty() {
                    "geen".to_string()
                } else {
                    cells.join(", ")
                }
            );
            EXIT_OK
        }
        Err(errors) => {
            for e in errors.errors() {
                eprintln!("{}: {} [{}]", path.display(), e, e.code());
            }
            eprintln!(
                "Ongeldig: {} fout(en) in {}.",
                errors.errors().len(),
                path.display()
            );
            EXIT_INVALID_FILE
        }
    }
}

fn admin(args: &AdminArgs) -> u8 {
    let mut rows: Vec<&Onderwerp> = match &args.topic {
        None => admin_onderzoek::ONDERWERPEN.iter().collect(),
        Some(t) => match admin_onderzoek::onderwerp(t) {
            Some(o) => vec![o],
            None => admin_onderzoek::zoek(t).collect(),
        },
    };
    if let Some(d) = args.dienst {
        rows.retain(|o| o.heeft(d));
    }
    if let Some(t) = &args.topic {
        if rows.is_empty() {
            eprintln!(
                "fout: geen onderwerp gevonden voor '{t}' / no topic matches '{t}' \
                 [unknown_topic]"
            );
            return EXIT_BAD_INPUT;
        }
    }
    if args.json {
        match serde_json::to_string(&rows) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("fout: JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        }
        return EXIT_OK;
    }
    println!("Administratief onderzoek ter voorbereiding van (het genereren van) casussen");
    println!(
        "{:<42} {:<3} {:<3} {:<3} {:<8}  Omschrijving",
        "Onderwerp", "BD", "UWV", "SVB", "Gemeente"
    );
    for o in rows {
        let mark = |d| if o.heeft(d) { "x" } else { "" };
        println!(
            "{:<42} {:<3} {:<3} {:<3} {:<8}  {}",
            o.naam,
            mark(Dienst::Bd),
            mark(Dienst::Uwv),
            mark(Dienst::Svb),
            mark(Dienst::Gemeente),
            o.omschrijving
        );
        println!("  id: {}", o.id);
    }
    EXIT_OK
}
