//! The `veldwerk-server` command line: serve (the default), or an admin command against the
//! same data directory. Flags may also come from `VELDWERK_*` variables and a TOML file.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use veldwerk_rules::protocol::melding::{Melding, Werkproces};

use crate::db::{now, Db};
use crate::error::Error;
use crate::settings::{FileSettings, Settings};
use crate::users::Role;
use crate::{
    audit, demo, devices, heronderzoeken, org, policy, rapport, server, setup, signalen, users,
    werkvoorraad, zaken,
};

#[derive(Debug, Parser)]
#[command(
    name = "veldwerk-server",
    version,
    about = "De Veldwerk-server (synchronisatie en console) en zijn beheeropdrachten"
)]
pub struct Cli {
    /// Map waarin de server zijn opslag bewaart (aangemaakt met rechten 0700).
    #[arg(long, global = true, env = "VELDWERK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL-database in plaats van de ingebouwde opslag, gedeeld door meerdere
    /// serverinstanties: postgres://gebruiker@host/database.
    #[arg(
        long = "database",
        global = true,
        env = "VELDWERK_DATABASE_URL",
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Adres en poort waarop de server luistert, bijvoorbeeld 127.0.0.1:8080.
    #[arg(long, env = "VELDWERK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Maak bij de eerste start een demo-organisatie en toon hoe u aanmeldt en een apparaat koppelt.
    #[arg(long, env = "VELDWERK_DEMO")]
    pub demo: bool,
    /// Het adres waarop apparaten deze server bereiken (voor de koppelopdracht in de console).
    #[arg(long, env = "VELDWERK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Instellingenbestand in TOML (opties en omgevingsvariabelen gaan voor).
    #[arg(long, global = true, env = "VELDWERK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gebruikers beheren.
    #[command(subcommand)]
    User(UserCmd),
    /// Toon een eenmalige koppelcode voor het apparaat van een handhaver.
    EnrollCode {
        /// De handhaver van wie het apparaat wordt.
        #[arg(long)]
        user: String,
    },
    /// Zaken beheren.
    #[command(subcommand)]
    Zaak(ZaakCmd),
    /// De actieve coronacode.
    #[command(subcommand)]
    Code(CodeCmd),
    /// Gekoppelde apparaten.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Het auditlogboek.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Het rapport van bevindingen van een bezoek als controleerbare PDF.
    #[command(subcommand)]
    Rapport(RapportCmd),
    /// Signalen: de soorten met hun termijn, registreren en beoordelen (onderzoeksplan).
    #[command(subcommand)]
    Signaal(SignaalCmd),
    /// Heronderzoeken: groepen, planning per cliënt, de cliëntenlijst inlezen.
    #[command(subcommand)]
    Heronderzoek(HeronderzoekCmd),
    /// De vragenlijst van het digitale huisbezoek: tonen of instellen.
    #[command(subcommand)]
    Vragenlijst(VragenlijstCmd),
    /// De goedgekeurde toestemmingsteksten (protocol huisbezoeken §3): tonen of instellen.
    #[command(subcommand)]
    Toestemmingsteksten(ToestemmingstekstenCmd),
    /// Kopieer alles uit de ingebouwde opslag (--data-dir) naar een lege PostgreSQL-database,
    /// in één keer of helemaal niet; start de server daarna met --database.
    NaarPostgres {
        /// De lege PostgreSQL-database: postgres://gebruiker@host/database.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// De werkvoorraad: open signalen, zaken en heronderzoeken op vervaldatum.
    Werkvoorraad {
        /// Alleen dit team.
        #[arg(long)]
        team: Option<String>,
        /// Alleen deze handhaver.
        #[arg(long)]
        handhaver: Option<String>,
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SignaalCmd {
    /// De signaalsoorten met termijn, soort onderzoek en of een huisbezoek kan volgen.
    Soorten {
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
    /// Registreer een signaal en toon de uiterste datum.
    Add {
        /// De signaalsoort (zie `signaal soorten`).
        #[arg(long)]
        soort: String,
        /// Datum van ontvangst, JJJJ-MM-DD (of van de gebeurtenis die de soort noemt).
        #[arg(long)]
        ontvangen: NaiveDate,
        /// Het cliëntnummer in het zaaksysteem.
        #[arg(long, default_value = "")]
        client: String,
        /// Hoe het signaal binnenkwam: rof, bestandsvergelijking, klantcontact, webformulier,
        /// mail, telefoon of brief.
        #[arg(long, default_value = "klantcontact")]
        kanaal: String,
        /// De feiten, zakelijk beschreven.
        #[arg(long, default_value = "")]
        feiten: String,
        /// Een melding van een onbekende melder.
        #[arg(long)]
        anoniem: bool,
        /// Het team dat het signaal behandelt.
        #[arg(long, default_value = "")]
        team: String,
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
    /// De open signalen op uiterste datum.
    List,
    /// Beoordeel een signaal: geen actie (met reden), schriftelijk of mondeling onderzoek.
    Beoordeel {
        /// Het signaalnummer.
        id: i64,
        /// Geen verdere actie, met deze reden.
        #[arg(long, conflicts_with_all = ["schriftelijk", "mondeling"])]
        geen_actie: Option<String>,
        /// Schriftelijk onderzoek.
        #[arg(long, conflicts_with = "mondeling")]
        schriftelijk: bool,
        /// Mondeling onderzoek.
        #[arg(long)]
        mondeling: bool,
    },
    /// Beoordeel signalen als melding handhaving: er ontstaat een zaak die de signalen houdt.
    Melding {
        /// De signaalnummers (een of meer).
        #[arg(long = "signaal", required = true)]
        signalen: Vec<i64>,
        #[command(flatten)]
        zaak: ZaakCreate,
    },
    /// Stel de termijnen van de organisatie in uit een TOML-bestand (docs/signaal-termijnen.md).
    Termijnen {
        /// Het TOML-bestand met de termijnen.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum VragenlijstCmd {
    /// Toon de vragenlijst die de apparaten krijgen.
    Show {
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stel de vragenlijst van de organisatie in uit een TOML-bestand (docs/vragenlijst.md);
    /// de apparaten krijgen haar bij hun volgende synchronisatie.
    Set {
        /// Het TOML-bestand; een leeg bestand zet de ingebouwde lijst terug.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToestemmingstekstenCmd {
    /// Toon de goedgekeurde teksten met hun hash; de eerste van elke variant tonen de apparaten.
    Show {
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stel eigen toestemmingsteksten in uit een TOML-bestand (docs/toestemmingsteksten.md);
    /// elke tekst wordt eerst gecontroleerd op wat zijn variant moet noemen. De apparaten
    /// krijgen ze bij hun volgende synchronisatie en weigeren daarna elke andere tekst.
    Set {
        /// Het TOML-bestand; een leeg bestand zet de ingebouwde teksten terug.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum HeronderzoekCmd {
    /// De cliëntgroepen met hun frequentie.
    Groepen,
    /// De volgende vervaldatum voor één cliënt.
    Plan {
        /// De cliëntgroep (zie `heronderzoek groepen`).
        #[arg(long)]
        groep: String,
        /// Het laatste (volledige) heronderzoek, JJJJ-MM-DD.
        #[arg(long)]
        laatst: Option<NaiveDate>,
        /// Begin van uitkering, traject, beschikking of bedrijfskapitaal, JJJJ-MM-DD.
        #[arg(long)]
        start: Option<NaiveDate>,
        /// De laatste betaling, JJJJ-MM-DD.
        #[arg(long)]
        laatste_betaling: Option<NaiveDate>,
        /// De aanvraag, het signaal of het einde van de ontheffing, JJJJ-MM-DD.
        #[arg(long)]
        gebeurtenis: Option<NaiveDate>,
        /// Als JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lees de cliëntenlijst (CSV-export van het zaaksysteem) in en plan elke cliënt.
    Import {
        /// Het CSV-bestand (kolommen client, groep, laatst, start, laatste_betaling,
        /// gebeurtenis, team, handhaver).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RapportCmd {
    /// Controleer een rapport-PDF: het ingebedde bewijs (handtekeningen, ketens, apparaatsleutels
    /// tegen de organisatiesleutel) en of de gedrukte tekst ermee klopt. Afsluitcode 0 als het
    /// rapport ongeschonden is, anders 1.
    Verify {
        /// Het rapportbestand.
        file: PathBuf,
        /// De publieke sleutel van de organisatie (hex) zoals buiten het bestand bekend; standaard
        /// die van de organisatie in de datamap, anders (en dat wordt gezegd) die in het bestand.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Maak de rapport-PDF van een bezoek uit de opslag in de datamap.
    Make {
        /// Het zaaknummer.
        #[arg(long)]
        zaak: String,
        /// Het bezoeknummer (zie de zaakpagina of `veldwerk zaak show`).
        #[arg(long)]
        bezoek: String,
        /// Waar de PDF wordt geschreven.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Handhaver,
    Supervisor,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Voeg een gebruiker toe. Supervisors en beheerders krijgen een gegenereerd wachtwoord,
    /// tenzij --password-stdin.
    Add {
        /// De gebruikersnaam.
        name: String,
        /// De rol: handhaver, supervisor of admin (beheerder).
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Lees het wachtwoord van de eerste regel van de standaardinvoer.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Stel een nieuw wachtwoord in (gegenereerd en eenmaal getoond, tenzij --password-stdin);
    /// beëindigt de sessies van de gebruiker en heft een blokkade op.
    Password {
        /// De gebruikersnaam.
        name: String,
        /// Lees het nieuwe wachtwoord van de eerste regel van de standaardinvoer.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Schakel een gebruiker uit: geen aanmelden, sessies beëindigd, apparaten geweigerd bij
    /// synchronisatie (niet gewist).
    Disable {
        /// De gebruikersnaam.
        name: String,
    },
    /// Schakel een uitgeschakelde gebruiker weer in.
    Enable {
        /// De gebruikersnaam.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WerkprocesArg {
    H2,
    H6,
}

#[derive(Debug, Args)]
pub struct ZaakCreate {
    /// Het zaaknummer; standaard `Z-<jaar>-<nnnn>`.
    #[arg(long)]
    pub id: Option<String>,
    /// H2 (Werk en Inkomen: handhaving besluit) of H6 (Poort: handhaving adviseert).
    #[arg(long, value_enum)]
    pub werkproces: WerkprocesArg,
    /// De klantmanager die de melding op eigen naam doet.
    #[arg(long)]
    pub klantmanager: String,
    /// Waarom onderzoek nodig is, op feiten gebaseerd (seed 000).
    #[arg(long)]
    pub motivatie: String,
    /// De begindatum van de melding, JJJJ-MM-DD.
    #[arg(long)]
    pub begindatum: NaiveDate,
    /// De deadline, JJJJ-MM-DD (optioneel).
    #[arg(long)]
    pub deadline: Option<NaiveDate>,
    /// Een korte omschrijving zonder persoonsgegevens, bijvoorbeeld "2026-0142 samenwoning".
    #[arg(long)]
    pub label: String,
    /// Het adres van het bezoek.
    #[arg(long, default_value = "")]
    pub adres: String,
}

#[derive(Debug, Subcommand)]
pub enum ZaakCmd {
    /// Maak een zaak uit een melding handhaving (seed 000).
    Create(ZaakCreate),
    /// Wijs een zaak toe aan een handhaver.
    Assign {
        /// Het zaaknummer.
        zaak: String,
        /// De handhaver.
        #[arg(long)]
        user: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CodeArg {
    Geel,
    Oranje,
    Rood,
}

#[derive(Debug, Subcommand)]
pub enum CodeCmd {
    /// Wissel de actieve code; apparaten krijgen haar bij hun volgende synchronisatie.
    Set {
        /// De nieuwe code: geel, oranje of rood.
        #[arg(value_enum)]
        code: CodeArg,
        /// De reden, bijvoorbeeld het besluit van de veiligheidsregio.
        #[arg(long)]
        reason: String,
        /// De supervisor of beheerder die het besluit neemt.
        #[arg(long)]
        by: String,
    },
    /// Toon de actieve code en de beleidsversie.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// Toon de gekoppelde apparaten met hun handhaver en status.
    List,
    /// Trek een apparaat in: het wordt bij zijn volgende contact geweigerd en gewist.
    Revoke {
        /// Het apparaatnummer (zie `device list`).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Controleer het auditlogboek: de hashketen, de handtekening van de organisatie op elke
    /// regel en, met een eerder getoond controlepunt, dat sindsdien geen regel is verdwenen.
    /// Toont het nieuwe controlepunt om buiten de server te bewaren.
    Verify {
        /// Een controlepunt (`regel:hash:handtekening`) van een eerdere `audit verify`.
        #[arg(long)]
        checkpoint: Option<String>,
        /// De publieke sleutel van de organisatie (hex) zoals buiten deze server bekend (zoals de
        /// apparaten hem kennen); standaard de sleutel bij het logboek.
        #[arg(long)]
        public_key: Option<String>,
    },
}

impl Cli {
    /// Defaults, then the TOML file, then flags and environment.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        if let Some(path) = &self.config {
            s = FileSettings::load(path)?.apply(s);
        }
        if let Some(d) = &self.data_dir {
            s.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            s.database_url = Some(crate::db::DatabaseUrl(u.clone()));
        }
        if let Some(u) = &s.database_url {
            crate::db::Location::postgres_url(&u.0).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if let Some(l) = self.listen {
            s.listen = l;
        }
        if self.demo {
            s.demo = true;
        }
        if let Some(u) = &self.public_url {
            s.public_url = Some(u.clone());
        }
        if let Some(u) = &s.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(char::is_whitespace)
            {
                anyhow::bail!("public_url '{u}' is geen http(s)-adres");
            }
        }
        Ok(s)
    }
}

fn fmt_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// `naar-postgres`: the data directory's store copied into an empty PostgreSQL database, each
/// table reported as it is done (on stderr: stdout gets the summary).
fn naar_postgres(settings: &Settings, url: &str) -> Result<String, Error> {
    if !settings.data_dir.join(crate::db::DB_FILE).exists() {
        return Err(Error::not_found(
            "store_not_found",
            format!(
                "In {} staat geen opslag van de server om te kopiëren.",
                settings.data_dir.display()
            ),
        ));
    }
    let from = Db::open(&settings.data_dir)?;
    let to = Db::open_at(&crate::db::Location::postgres_url(url)?)?;
    let copied = crate::db::copy::sqlite_to_postgres(&from, &to, |table, rows| {
        eprintln!("  {table}: {rows} rijen");
    })?;
    let total: usize = copied.iter().map(|(_, n)| n).sum();
    Ok(format!(
        "{total} rijen in {} tabellen gekopieerd naar PostgreSQL. Start de server nu met --database (of VELDWERK_DATABASE_URL); de map {} blijft zoals hij was.\n",
        copied.len(),
        settings.data_dir.display()
    ))
}

/// Runs an admin command and returns what to print.
pub fn run_admin(
    settings: &Settings,
    command: Command,
    stdin: &mut dyn BufRead,
) -> Result<String, Error> {
    // Verifying reads a file; it must not create a store where there is none.
    if let Command::Rapport(RapportCmd::Verify { file, public_key }) = &command {
        return rapport_verify(settings, file, public_key.as_deref());
    }
    if let Command::NaarPostgres { url } = &command {
        return naar_postgres(settings, url);
    }
    let db = Db::open_at(&settings.location()?)?;
    let org = setup::ensure_organisation(&db, &settings.organisation)?;
    let t = now();
    match command {
        Command::User(UserCmd::Add {
            name,
            role,
            password_stdin,
        }) => {
            let role = match role {
                RoleArg::Handhaver => Role::Handhaver,
                RoleArg::Supervisor => Role::Supervisor,
                RoleArg::Admin => Role::Admin,
            };
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                stdin.read_line(&mut line)?;
                (Some(line.trim_end_matches(['\r', '\n']).to_owned()), false)
            } else if role.is_supervisor() {
                (Some(crate::secret::random_hex(10)?), true)
            } else {
                (None, false)
            };
            let u = db.write(|tx| {
                users::add_user(tx, &name, role, password.as_deref(), "admin-cli", t)
            })?;
            let mut out = format!(
                "Gebruiker '{}' toegevoegd met rol {}.\n",
                u.name,
                u.role.as_str()
            );
            if let (true, Some(p)) = (generated, password) {
                out.push_str(&format!("Wachtwoord (eenmalig getoond): {p}\n"));
            }
            Ok(out)
        }
        Command::User(UserCmd::Password {
            name,
            password_stdin,
        }) => {
            let given = if password_stdin {
                let mut line = String::new();
                stdin.read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let password =
                db.write(|tx| users::reset_password(tx, &name, given.as_deref(), "admin-cli", t))?;
            let mut out = format!(
                "Nieuw wachtwoord ingesteld voor '{name}'; de sessies zijn beëindigd en een blokkering is opgeheven.\n"
            );
            if given.is_none() {
                out.push_str(&format!("Wachtwoord (eenmalig getoond): {password}\n"));
            }
            Ok(out)
        }
        Command::User(UserCmd::Disable { name }) => {
            db.write(|tx| users::set_disabled(tx, &name, true, "admin-cli", t))?;
            Ok(format!(
                "Gebruiker '{name}' is uitgeschakeld: aanmelden kan niet meer, de sessies zijn beëindigd en de apparaten worden bij synchronisatie geweigerd (niet gewist).\n"
            ))
        }
        Command::User(UserCmd::Enable { name }) => {
            db.write(|tx| users::set_disabled(tx, &name, false, "admin-cli", t))?;
            Ok(format!("Gebruiker '{name}' is weer ingeschakeld.\n"))
        }
        Command::EnrollCode { user } => {
            let ttl = settings.enroll_code_ttl.as_secs() as i64;
            let code = db.write(|tx| devices::issue_enroll_code(tx, &user, ttl, "admin-cli", t))?;
            Ok(format!(
                "{code}\nEenmalige koppelcode voor {user}, geldig tot {}.\n",
                fmt_time(t + ttl)
            ))
        }
        Command::Zaak(ZaakCmd::Create(z)) => {
            let new = new_zaak(z);
            let (zaak, warnings) = db.write(|tx| zaken::create(tx, new, "admin-cli", t))?;
            let mut out = format!("Zaak {} aangemaakt.\n", zaak.id);
            for w in warnings {
                out.push_str(&format!("Let op: {w}\n"));
            }
            Ok(out)
        }
        Command::Signaal(cmd) => signaal(&db, cmd, t),
        Command::Heronderzoek(cmd) => heronderzoek(&db, cmd, t),
        Command::Werkvoorraad {
            team,
            handhaver,
            json,
        } => {
            let filter = werkvoorraad::Filter { team, handhaver };
            let today = werkvoorraad::today();
            let items = db.read(|tx| werkvoorraad::items(tx, &filter, today))?;
            if json {
                return to_json(&items);
            }
            let mut out = String::new();
            for i in &items {
                out.push_str(&format!(
                    "{}  {:<12} {:<14} {}{}\n",
                    i.due.map_or("direct    ".to_owned(), |d| d.to_string()),
                    i.soort.woord(),
                    i.id,
                    i.omschrijving,
                    if i.te_laat { "  TE LAAT" } else { "" }
                ));
            }
            out.push_str(&format!("{} open.\n", items.len()));
            Ok(out)
        }
        Command::Zaak(ZaakCmd::Assign { zaak, user }) => {
            db.write(|tx| zaken::assign(tx, &zaak, &user, "admin-cli", t))?;
            Ok(format!("Zaak {zaak} toegewezen aan {user}.\n"))
        }
        Command::Code(CodeCmd::Set { code, reason, by }) => {
            let code = match code {
                CodeArg::Geel => veldwerk_rules::routekaart::Code::Geel,
                CodeArg::Oranje => veldwerk_rules::routekaart::Code::Oranje,
                CodeArg::Rood => veldwerk_rules::routekaart::Code::Rood,
            };
            let bundle = db.write(|tx| {
                let u = users::find_user(tx, &by)?;
                if !u.role.is_supervisor() {
                    return Err(Error::bad_request(
                        "forbidden_role",
                        format!(
                            "Alleen een supervisor of admin wisselt de code; '{by}' is {}.",
                            u.role.as_str()
                        ),
                    ));
                }
                policy::switch_code(tx, &org, code, &reason, &by, t)
            })?;
            Ok(format!(
                "Code {} actief sinds {} (beleidsversie {}).\n",
                code.id(),
                fmt_time(t),
                bundle.version
            ))
        }
        Command::Vragenlijst(VragenlijstCmd::Show { json }) => {
            let lijst = db.with(policy::vragenlijst)?;
            Ok(if json {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&lijst).map_err(|e| Error::Data(e.to_string()))?
                )
            } else {
                lijst.als_tekst()
            })
        }
        Command::Vragenlijst(VragenlijstCmd::Set { file }) => {
            let toml = std::fs::read_to_string(&file)?;
            let (lijst, bundle) =
                db.write(|tx| policy::set_vragenlijst(tx, &org, &toml, "admin-cli", t))?;
            Ok(format!(
                "Vragenlijst '{}' versie {} ingesteld ({} vragen, beleidsversie {}); apparaten krijgen haar bij hun volgende synchronisatie.\n",
                lijst.id,
                lijst.versie,
                lijst.vragen.len(),
                bundle.version
            ))
        }
        Command::Toestemmingsteksten(ToestemmingstekstenCmd::Show { json }) => {
            let teksten = db.with(policy::toestemmingsteksten)?;
            if json {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_string_pretty(&teksten)
                        .map_err(|e| Error::Data(e.to_string()))?
                ));
            }
            let mut out = String::new();
            for t in teksten.alle() {
                out.push_str(&format!(
                    "Variant {}{} (hash {}):\n{}\n\n",
                    t.variant.as_str(),
                    if t.digitaal {
                        ", digitaal huisbezoek"
                    } else {
                        ""
                    },
                    t.hash,
                    t.tekst
                ));
            }
            Ok(out)
        }
        Command::Toestemmingsteksten(ToestemmingstekstenCmd::Set { file }) => {
            let toml = std::fs::read_to_string(&file)?;
            let (teksten, bundle) =
                db.write(|tx| policy::set_toestemmingsteksten(tx, &org, &toml, "admin-cli", t))?;
            Ok(format!(
                "{} goedgekeurde toestemmingsteksten ingesteld (beleidsversie {}); apparaten tonen ze bij hun volgende synchronisatie.\n",
                teksten.alle().len(),
                bundle.version
            ))
        }
        Command::Code(CodeCmd::Show) => {
            let (version, signed) = db.with(policy::current)?;
            let bundle = signed
                .verify(&org.public_key)
                .map_err(|e| Error::Crypto(format!("stored policy does not verify: {e}")))?;
            Ok(match bundle.active() {
                Some(d) => format!(
                    "Code {} sinds {} door {}: {}\nBeleidsversie {version}.\n",
                    d.code.id(),
                    d.effective_from.format("%Y-%m-%d %H:%M:%S UTC"),
                    d.by,
                    d.reason
                ),
                None => format!("Geen code vastgesteld. Beleidsversie {version}.\n"),
            })
        }
        Command::Device(DeviceCmd::List) => {
            let list = db.with(devices::list)?;
            let mut out = String::new();
            for d in list {
                out.push_str(&format!(
                    "{}  {}  gekoppeld {}  laatst gezien {}  beleid v{}{}\n",
                    d.id,
                    d.user,
                    fmt_time(d.enrolled_at),
                    d.last_seen.map(fmt_time).unwrap_or_else(|| "-".into()),
                    d.policy_version_seen,
                    d.revoked_at
                        .map(|r| format!("  INGETROKKEN {}", fmt_time(r)))
                        .unwrap_or_default()
                ));
            }
            if out.is_empty() {
                out.push_str("Geen apparaten gekoppeld.\n");
            }
            Ok(out)
        }
        Command::Device(DeviceCmd::Revoke { id }) => {
            db.write(|tx| devices::revoke(tx, &id, "admin-cli", t))?;
            Ok(format!(
                "Apparaat {id} ingetrokken; bij het volgende contact wist het zijn gegevens.\n"
            ))
        }
        Command::Audit(AuditCmd::Verify {
            checkpoint,
            public_key,
        }) => audit_verify(&db, checkpoint.as_deref(), public_key.as_deref()),
        Command::Rapport(RapportCmd::Make { zaak, bezoek, out }) => {
            let (evidence, fotos) = db.read(|tx| {
                let evidence = rapport::collect(tx, &org, &zaak, &bezoek, t)?;
                let fotos = rapport::evidence::fotos(tx, &zaak, &evidence)?;
                Ok((evidence, fotos))
            })?;
            let pdf = rapport::render_with_fotos(&evidence, &fotos)?;
            std::fs::write(&out, &pdf)?;
            Ok(format!(
                "Rapport van zaak {zaak}, huisbezoek {bezoek} geschreven naar {} ({} bytes, {} vastleggingen).\n",
                out.display(),
                pdf.len(),
                evidence.entries.len()
            ))
        }
        Command::Rapport(RapportCmd::Verify { file, public_key }) => {
            rapport_verify(settings, &file, public_key.as_deref())
        }
        Command::NaarPostgres { url } => naar_postgres(settings, &url),
    }
}

/// `rapport verify`: the verdict in Dutch; which organisation key it was checked against.
fn rapport_verify(
    settings: &Settings,
    file: &std::path::Path,
    public_key: Option<&str>,
) -> Result<String, Error> {
    let refused = |code: &'static str, message: String| {
        Error::refused(axum::http::StatusCode::CONFLICT, code, message)
    };
    let given = match public_key {
        Some(k) => Some(
            hex::decode(k.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| {
                    Error::bad_request(
                        "public_key_invalid",
                        "Ongeldige publieke sleutel: verwacht 64 hexadecimale tekens.",
                    )
                })?,
        ),
        None => None,
    };
    let (key, source) = match given {
        Some(k) => (
            Some(k),
            "de opgegeven sleutel van de organisatie".to_owned(),
        ),
        None if settings.database_url.is_some()
            || settings.data_dir.join(crate::db::DB_FILE).exists() =>
        {
            match org::load(&Db::open_at(&settings.location()?)?)? {
                Some(o) => (
                    Some(o.public_key),
                    format!("de sleutel van organisatie {} op deze server", o.name),
                ),
                None => (None, String::new()),
            }
        }
        None => (None, String::new()),
    };
    let size = std::fs::metadata(file)?.len();
    if size > rapport::verify::MAX_PDF_BYTES as u64 {
        let e = rapport::VerifyError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            max: rapport::verify::MAX_PDF_BYTES,
        };
        return Err(refused(e.code(), e.to_string()));
    }
    let pdf = std::fs::read(file)?;
    let verified = rapport::verify_pdf(&pdf, key.as_deref())
        .map_err(|e| refused(e.code(), format!("Rapport NIET intact: {e}")))?;
    let e = &verified.evidence;
    let mut out = format!(
        "Rapport intact: zaak {}, huisbezoek {}, {} vastleggingen geverifieerd, afgedrukte tekst \
         klopt met het bewijs.\nSHA-256 bewijsbestand: {}\n",
        e.zaak.zaak_id, e.visit.visit_id, verified.entries, verified.evidence_hash
    );
    if verified.key_checked_independently {
        out.push_str(&format!("Apparaatsleutels gecontroleerd met {source}.\n"));
    } else {
        out.push_str(&format!(
            "LET OP: de sleutel van de organisatie is NIET onafhankelijk gecontroleerd; gebruikt \
             is de sleutel die het bestand zelf noemt ({}). Geef --public-key om de echtheid vast \
             te stellen.\n",
            e.organisation_public_key
        ));
    }
    Ok(out)
}

/// `audit verify`: the check's verdict in Dutch, with the checkpoint to keep.
fn audit_verify(
    db: &Db,
    checkpoint: Option<&str>,
    public_key: Option<&str>,
) -> Result<String, Error> {
    let invalid =
        |what: String| Error::bad_request("audit_checkpoint_invalid", format!("Ongeldig {what}."));
    let checkpoint = checkpoint
        .map(|c| c.parse::<audit::Checkpoint>())
        .transpose()
        .map_err(|e| invalid(format!("controlepunt: {e}")))?;
    let public_key = match public_key {
        Some(k) => Some(
            hex::decode(k.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| {
                    invalid("publieke sleutel: verwacht 64 hexadecimale tekens".into())
                })?,
        ),
        None => org::load(db)?.map(|o| o.public_key),
    };
    let check = db.with(|c| {
        audit::verify_audit_chain_against(c, &public_key.unwrap_or_default(), checkpoint.as_ref())
    })?;
    if !check.intact {
        return Err(Error::refused(
            axum::http::StatusCode::CONFLICT,
            "audit_chain_broken",
            format!(
                "Auditlog is gewijzigd: {}",
                check.problem.unwrap_or_default()
            ),
        ));
    }
    let mut out = format!("Auditlog intact ({} regels", check.rows);
    if check.unsigned > 0 {
        out.push_str(&format!(
            ", waarvan de oudste {} van vóór de ondertekening",
            check.unsigned
        ));
    }
    out.push_str(").\n");
    if let Some(head) = check.head {
        out.push_str(&format!(
            "Controlepunt (bewaar het buiten de server; een latere controle met --checkpoint vindt verwijderde regels):\n{head}\n"
        ));
    }
    Ok(out)
}

/// The listening socket, with a backlog of 4096 (the kernel may cap it at `somaxconn`):
/// connections beyond `max_connections` wait there, and a short backlog would drop new
/// connections' SYNs (a one-second retry for an honest client) during a connection flood.
fn listen_socket(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli: Cli = veldwerk_contract::opdrachtregel::parse();
    let mut settings = match cli.settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("veldwerk-server: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(command) = cli.command {
        return match run_admin(&settings, command, &mut std::io::stdin().lock()) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {}", e.code(), e);
                ExitCode::FAILURE
            }
        };
    }
    // Each connection is a descriptor: let `max_connections` be reached before the soft limit
    // (often 1024) is. The hard limit stays the operator's.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("veldwerk-server: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        if settings.demo {
            if settings.organisation == Settings::default().organisation {
                settings.organisation = demo::DEMO_ORGANISATION.to_owned();
            }
            let db = Db::open_at(&settings.location()?)?;
            setup::ensure_organisation(&db, &settings.organisation)?;
            match demo::ensure(&db, &settings)? {
                Some(info) => println!(
                    "{}",
                    info.instructions(&format!("http://{}", settings.listen))
                ),
                None => println!("Demo: de organisatie bestaat al; er is niets nieuws aangemaakt."),
            }
        }
        let listener = listen_socket(settings.listen)?;
        server::launch_with_listener(settings, listener, server::shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("veldwerk-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The zaak a melding handhaving of the command line becomes.
fn new_zaak(z: ZaakCreate) -> zaken::NewZaak {
    let melding = Melding {
        werkproces: match z.werkproces {
            WerkprocesArg::H2 => Werkproces::H2,
            WerkprocesArg::H6 => Werkproces::H6,
        },
        regeling: "16 Key2handhaven".into(),
        aard_bijstand: "Incidenteel".into(),
        fase: 10,
        begindatum: z.begindatum,
        klantmanager: z.klantmanager,
        motivatie: z.motivatie,
        werkvoorraad: "hand".into(),
    };
    zaken::NewZaak {
        id: z.id,
        label: z.label,
        adres: z.adres,
        melding,
        deadline: z.deadline,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Data(e.to_string()))
}

fn deadline_words(d: Option<NaiveDate>) -> String {
    d.map_or("geen termijn: direct handelen".to_owned(), |d| {
        d.to_string()
    })
}

fn signaal(db: &Db, cmd: SignaalCmd, t: i64) -> Result<String, Error> {
    match cmd {
        SignaalCmd::Soorten { json } => {
            let tabel = db.read(signalen::tabel)?;
            if json {
                return to_json(&tabel.soorten());
            }
            let mut out = String::new();
            for s in tabel.soorten() {
                out.push_str(&format!(
                    "{:<36} {:<12} {}{}\n    {}\n",
                    s.id,
                    s.termijn.map_or("geen".to_owned(), |t| t.to_string()),
                    s.naam,
                    if tabel.is_overridden(s.id) {
                        " (termijn van de organisatie)"
                    } else {
                        ""
                    },
                    s.onderzoek
                ));
            }
            Ok(out)
        }
        SignaalCmd::Add {
            soort,
            ontvangen,
            client,
            kanaal,
            feiten,
            anoniem,
            team,
            json,
        } => {
            let kanaal = signalen::Kanaal::parse(&kanaal).ok_or_else(|| {
                Error::bad_request(
                    "signaal_kanaal_unknown",
                    format!("Onbekend kanaal '{kanaal}'."),
                )
            })?;
            let new = signalen::NewSignaal {
                soort,
                kanaal: Some(kanaal),
                ontvangen: Some(ontvangen),
                client,
                feiten,
                anoniem,
                team,
                ..signalen::NewSignaal::default()
            };
            let s = db.write(|tx| signalen::register(tx, &new, "admin-cli", t))?;
            if json {
                return to_json(&s);
            }
            Ok(format!(
                "Signaal {} ({}) geregistreerd, ontvangen {}. Uiterste datum: {}.\n",
                s.id,
                s.soort,
                s.ontvangen,
                deadline_words(s.deadline)
            ))
        }
        SignaalCmd::List => {
            let list = db.read(signalen::open)?;
            let mut out = String::new();
            for s in &list {
                out.push_str(&format!(
                    "{:>6}  {:<10}  {:<36} {}\n",
                    s.id,
                    s.deadline.map_or("direct".to_owned(), |d| d.to_string()),
                    s.soort,
                    s.client
                ));
            }
            out.push_str(&format!("{} open signalen.\n", list.len()));
            Ok(out)
        }
        SignaalCmd::Beoordeel {
            id,
            geen_actie,
            schriftelijk,
            mondeling,
        } => {
            let b = match (geen_actie, schriftelijk, mondeling) {
                (Some(reden), _, _) => signalen::Beoordeling::GeenActie { reden },
                (None, true, _) => signalen::Beoordeling::Schriftelijk,
                (None, false, true) => signalen::Beoordeling::Mondeling,
                _ => {
                    return Err(Error::bad_request(
                        "signaal_beoordeling_missing",
                        "Kies --geen-actie REDEN, --schriftelijk of --mondeling.",
                    ))
                }
            };
            db.write(|tx| signalen::assess(tx, id, &b, "admin-cli", t))?;
            Ok(format!(
                "Signaal {id} beoordeeld: {}.\n",
                b.id().replace('_', " ")
            ))
        }
        SignaalCmd::Melding {
            signalen: ids,
            zaak,
        } => {
            let new = new_zaak(zaak);
            let (zaak, warnings) =
                db.write(|tx| signalen::into_melding(tx, &ids, new, "admin-cli", t))?;
            let mut out = format!(
                "Melding handhaving: zaak {} aangemaakt met {} signaal/signalen. Uiterste datum: {}.\n",
                zaak.id,
                ids.len(),
                deadline_words(zaak.deadline)
            );
            for w in warnings {
                out.push_str(&format!("Let op: {w}\n"));
            }
            Ok(out)
        }
        SignaalCmd::Termijnen { file } => {
            let toml = std::fs::read_to_string(&file)?;
            let tabel = db.write(|tx| signalen::set_termijnen(tx, &toml, "admin-cli", t))?;
            let n = tabel
                .soorten()
                .iter()
                .filter(|s| tabel.is_overridden(s.id))
                .count();
            Ok(format!(
                "Termijnen ingesteld: {n} soort(en) met een eigen termijn.\n"
            ))
        }
    }
}

fn heronderzoek(db: &Db, cmd: HeronderzoekCmd, t: i64) -> Result<String, Error> {
    use veldwerk_rules::heronderzoek::{groep, plan, Clientdata, Wat, GROEPEN};
    match cmd {
        HeronderzoekCmd::Groepen => {
            let mut out = String::new();
            for g in GROEPEN.iter() {
                out.push_str(&format!("{:<34} {} — {}\n", g.id, g.naam, g.tekst));
            }
            Ok(out)
        }
        HeronderzoekCmd::Plan {
            groep: id,
            laatst,
            start,
            laatste_betaling,
            gebeurtenis,
            json,
        } => {
            let g = groep(&id).ok_or_else(|| {
                Error::bad_request(
                    "heronderzoek_groep_unknown",
                    format!("Onbekende groep '{id}'; zie 'veldwerk-server heronderzoek groepen'."),
                )
            })?;
            let data = Clientdata {
                laatst,
                start,
                laatste_betaling,
                gebeurtenis,
            };
            let p = plan(g, &data).map_err(|e| {
                let code = e.code();
                Error::bad_request(code, e.to_string())
            })?;
            if json {
                return to_json(&serde_json::json!({
                    "groep": g.id,
                    "wat": p.wat,
                    "datum": p.datum,
                    "frequentie": g.tekst,
                    "bron": g.bron,
                }));
            }
            let wat = match p.wat {
                Wat::Heronderzoek => "heronderzoek",
                Wat::HeronderzoekMetVoortgangsgesprek => {
                    "heronderzoek samen met het voortgangsgesprek"
                }
                Wat::Beeindigingsonderzoek => "beëindigingsonderzoek",
                Wat::Overgeslagen => "geen: volledig heronderzoek in de voorafgaande twee jaar",
                Wat::Niets => "geen heronderzoek",
            };
            Ok(match p.datum {
                Some(d) => format!("Volgende: {wat}, uiterlijk {d} ({}).\n", g.tekst),
                None => format!("Volgende: {wat} ({}).\n", g.tekst),
            })
        }
        HeronderzoekCmd::Import { file } => {
            let csv = std::fs::read_to_string(&file)?;
            let r = db.write(|tx| heronderzoeken::import(tx, &csv, "admin-cli", t))?;
            Ok(format!(
                "{} cliënten ingelezen, {} met een vervaldatum.\n",
                r.clients, r.gepland
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;
    use veldwerk_contract::opdrachtregel::{english_help, help_of, nederlands, without_help};

    /// Issue 15: the admin CLI gets Dutch help for every command, and clap's own words too.
    #[test]
    fn every_admin_command_and_option_has_dutch_help() {
        let cmd = nederlands(Cli::command());
        assert_eq!(without_help(&cmd), Vec::<String>::new(), "without help");
        assert_eq!(english_help(&cmd), Vec::new(), "English help");
        for path in [
            &[][..],
            &["user", "add"],
            &["code", "set"],
            &["signaal", "add"],
        ] {
            let help = help_of(Cli::command(), path);
            assert!(
                help.contains("Gebruik:") && help.contains("Opties:"),
                "{help}"
            );
            for english in [
                "[OPTIONS]",
                "[default:",
                "[env:",
                "[possible values:",
                "Usage:",
                "Options:",
            ] {
                assert!(!help.contains(english), "{english} in {help}");
            }
        }
        assert!(help_of(Cli::command(), &[]).contains("[omgeving: VELDWERK_DATA_DIR"));
    }
}
