//! The field commands of `veldwerk` on a laptop: the worklist, a zaak, and a huisbezoek recorded
//! step by step, each step checked against the protocol and the routekaart of the active code,
//! its conditions confirmed (`--bevestig CODE`, `--bevestig-alles`, or asked in a terminal).
//!
//! The store lives in `--data-dir`; its key comes from a passphrase ([`key`]).

mod error;
pub mod key;
mod render;
pub mod sessie;
pub mod stappen;

use crate::terminal::printable;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use veldwerk_device::{Device, DeviceError, VisitOptions, VisitProgress};
use veldwerk_rules::protocol::{
    Aankondigingswijze, Ambtsverklaring, BronSoort, ConflictUitkomst, Event, ExtraOnderwerp, Feit,
    Gesprekswijze, Grondslag, Leeftijdsgroep, NietInStaatReden, Ondertekenaar, Rol, Tolk, Variant,
};
use veldwerk_rules::routekaart::{Actie, Decision, PlannedAction, Transport};
use veldwerk_rules::Notice;

pub use error::FieldError;

/// The field commands, flattened into `veldwerk`'s top level.
#[derive(Debug, Clone, Subcommand)]
pub enum FieldCommand {
    /// De zaken op dit apparaat met status en volgende stap, op termijn gesorteerd.
    Zaken(JsonArg),
    /// Eén zaak.
    #[command(subcommand)]
    Zaak(ZaakCommand),
    /// Een bezoek starten of afbreken.
    #[command(subcommand)]
    Bezoek(BezoekCommand),
    /// De aanleiding (grondslag) van het bezoek vastleggen, vóór het bezoek.
    Aanleiding(AanleidingArgs),
    /// Vastleggen of het bezoek is aangekondigd.
    Aankondiging(AankondigingArgs),
    /// Aankomst aan de deur vastleggen: de aanwezige handhavers en wie leidt.
    Deur(DeurArgs),
    /// Vastleggen dat niemand opendeed (geen weigering).
    NiemandAanwezig(ToelichtingArgs),
    /// Vastleggen dat de aanwezige niet in staat is mee te werken (geen weigering).
    NietInStaat(NietInStaatArgs),
    /// Vastleggen dat legitimatie is getoond en het doel is meegedeeld (Awbi art. 1).
    Legitimatie(LegitimatieArgs),
    /// Toestemming: vragen (toont de exacte tekst), gegeven, geweigerd, ingetrokken of een aparte toestemming.
    #[command(subcommand)]
    Toestemming(ToestemmingCommand),
    /// Binnentreden vastleggen (of het begin van de rondleiding via de app).
    Binnentreden(StepArgs),
    /// Een waarneming in een ruimte vastleggen.
    Waarneming(WaarnemingArgs),
    /// Waarneming ter plaatse (vanaf de openbare weg): beginnen en waarnemingen vastleggen.
    #[command(subcommand)]
    TerPlaatse(TerPlaatseCommand),
    /// Het begin van een gesprek vastleggen: met wie, hoe en welke handhavers (het verslag is
    /// daarna het rapport).
    Gesprek(GesprekArgs),
    /// Een internetonderzoek vastleggen: bronnen, waarom evenredig en waarom geen minder
    /// ingrijpend middel volstaat, en wat is gevonden (protocol internetonderzoek §9).
    Internetonderzoek(InternetonderzoekArgs),
    /// Een correctie op een eerdere vastlegging van het bezoek vastleggen.
    Correctie(CorrectieArgs),
    /// Het einde vastleggen: het verlaten van de woning, of het einde van de waarneming ter
    /// plaatse, het gesprek of het onderzoek.
    Afsluiting(ToelichtingArgs),
    /// Het rapport van bevindingen (bij een gesprek: het verslag) vastleggen, onder ambtseed of
    /// ambtsbelofte.
    Rapport(RapportArgs),
    /// Vastleggen dat de klant is uitgenodigd om het rapport te bespreken.
    Uitnodiging(UitnodigingArgs),
    /// De actieve code, de leeftijd van het beleid en de nog niet gesynchroniseerde vastleggingen.
    Status(JsonArg),
    /// De vragenlijst van het digitale huisbezoek die dit apparaat van de organisatie heeft.
    Vragenlijst(JsonArg),
}

#[derive(Debug, Clone, Args)]
pub struct JsonArg {
    /// JSON in plaats van tekst.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ZaakCommand {
    /// Samenvatting, bezoeken, vastleggingen en hun verificatie.
    Show {
        /// Het zaak-id.
        id: String,
        /// JSON in plaats van tekst.
        #[arg(long)]
        json: bool,
    },
}

/// Every action of the routekaart, by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VisitKind {
    #[value(name = "huisbezoek")]
    Huisbezoek,
    #[value(name = "huisbezoek_app")]
    HuisbezoekApp,
    /// Waarneming ter plaatse, vanaf de openbare weg.
    #[value(name = "waarneming")]
    Waarneming,
    /// Telefonisch of per video.
    #[value(name = "gesprek_op_afstand")]
    GesprekOpAfstand,
    #[value(name = "spreekkamer")]
    Spreekkamer,
    #[value(name = "mobiele_unit")]
    MobieleUnit,
    /// Bijvoorbeeld internetonderzoek.
    #[value(name = "administratief_onderzoek")]
    AdministratiefOnderzoek,
}

impl From<VisitKind> for Actie {
    fn from(k: VisitKind) -> Actie {
        match k {
            VisitKind::Huisbezoek => Actie::Huisbezoek,
            VisitKind::HuisbezoekApp => Actie::HuisbezoekApp,
            VisitKind::Waarneming => Actie::Waarneming,
            VisitKind::GesprekOpAfstand => Actie::GesprekOpAfstand,
            VisitKind::Spreekkamer => Actie::Spreekkamer,
            VisitKind::MobieleUnit => Actie::MobieleUnit,
            VisitKind::AdministratiefOnderzoek => Actie::AdministratiefOnderzoek,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum BezoekCommand {
    /// Een bezoek of andere activiteit van de routekaart voor een zaak starten; toont het id.
    Start {
        /// Het zaak-id.
        #[arg(long)]
        zaak: String,
        /// De actie van de routekaart: een huisbezoek, een waarneming ter plaatse, een gesprek
        /// of een administratief onderzoek.
        #[arg(long, value_enum)]
        actie: VisitKind,
        /// Hoeveel handhavers naar de deur gaan (getoetst aan de routekaart).
        #[arg(long)]
        handhavers: Option<u32>,
        /// Het bezoek hoort bij een grote controle (bijv. een recreatieterrein): dan geldt ook
        /// de voorwaarde van de routekaart voor grote controles.
        #[arg(long)]
        grote_controle: bool,
        /// JSON in plaats van tekst.
        #[arg(long)]
        json: bool,
    },
    /// Een lopend bezoek afbreken met een reden (de code veranderde, niemand kwam, de
    /// handhaver werd weggeroepen). Niets wordt gewist; ook toegestaan als de actieve code
    /// het bezoek zelf niet meer toelaat. Daarna volgen alleen rapport, correctie en uitnodiging.
    Afbreken(AfbrekenArgs),
    /// Huisbezoek via de app op de eigen telefoon van de cliënt: een sessie starten, de link en
    /// code tonen, meekijken, een aanwijzing sturen, beëindigen.
    #[command(subcommand)]
    AppSessie(sessie::AppSessieCommand),
}

#[derive(Debug, Clone, Args)]
pub struct AfbrekenArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Waarom het bezoek niet verder kan (feitelijk).
    #[arg(long)]
    pub reden: String,
}

/// What every recording command takes: where to record and the confirmations.
#[derive(Debug, Clone, Args)]
pub struct StepArgs {
    /// Het zaak-id.
    #[arg(long)]
    pub zaak: String,
    /// Het bezoek; standaard het laatste van de zaak.
    #[arg(long)]
    pub bezoek: Option<String>,
    /// Een voorwaarde van de routekaart bevestigen met haar code (herhaalbaar).
    #[arg(long = "bevestig", value_name = "CODE")]
    pub bevestig: Vec<String>,
    /// Alle getoonde voorwaarden bevestigen.
    #[arg(long)]
    pub bevestig_alles: bool,
    /// De vastlegging als JSON tonen.
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
    /// De grondslag: concrete_aanwijzing, twijfel (zonder concrete aanwijzing) of dienstverlening.
    #[arg(long, value_enum)]
    pub grondslag: GrondslagSoort,
    /// Een concreet feit als BRON:OMSCHRIJVING; BRON is anonieme_melding, melding_op_naam,
    /// dossier, register, ib_signaal, waarneming, instantie of internet (alleen na een
    /// vastgelegd internetonderzoek in de zaak) (herhaalbaar).
    #[arg(long = "feit", value_name = "BRON:OMSCHRIJVING")]
    pub feiten: Vec<String>,
    /// Een geraadpleegde bron, vóór het besluit tot het bezoek (herhaalbaar).
    #[arg(long = "bron")]
    pub bronnen: Vec<String>,
    /// Waarom een minder ingrijpend middel niet volstaat (bij een concrete aanwijzing).
    #[arg(long)]
    pub waarom_niet_minder_ingrijpend: Option<String>,
    /// Waaraan getwijfeld wordt (bij twijfel zonder concrete aanwijzing).
    #[arg(long)]
    pub twijfel: Option<String>,
    /// Hoe eerst op een andere wijze is onderzocht (bij twijfel).
    #[arg(long)]
    pub andere_wijze_onderzocht: Option<String>,
    /// De reden van het dienstverlenende bezoek (bijv. de klant kan niet naar het kantoor komen).
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
    /// Aangekondigd of onaangekondigd (alleen bij een concrete aanwijzing).
    #[arg(long, value_enum)]
    pub wijze: Wijze,
    /// Een toelichting.
    #[arg(long)]
    pub toelichting: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DeurArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Een handhaver aan de deur (herhaalbaar).
    #[arg(long = "handhaver", required = true)]
    pub handhavers: Vec<String>,
    /// De handhaver die het bezoek leidt (een van de aanwezigen).
    #[arg(long)]
    pub leider: String,
    /// Of er minderjarigen aanwezig zijn: ja of nee.
    #[arg(long, value_enum)]
    pub minderjarigen: Option<JaNee>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum JaNee {
    #[value(name = "ja")]
    Ja,
    #[value(name = "nee")]
    Nee,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RedenArg {
    #[value(name = "taal")]
    Taal,
    #[value(name = "ziekte")]
    Ziekte,
    #[value(name = "verwardheid")]
    Verwardheid,
}

impl From<RedenArg> for NietInStaatReden {
    fn from(r: RedenArg) -> NietInStaatReden {
        match r {
            RedenArg::Taal => NietInStaatReden::Taal,
            RedenArg::Ziekte => NietInStaatReden::Ziekte,
            RedenArg::Verwardheid => NietInStaatReden::Verwardheid,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ToelichtingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Een toelichting.
    #[arg(long)]
    pub toelichting: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct NietInStaatArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Wat er is waargenomen dat de persoon niet in staat is (feitelijk).
    #[arg(long)]
    pub toelichting: String,
    /// Waarom: taal, ziekte of verwardheid.
    #[arg(long, value_enum)]
    pub reden: RedenArg,
    /// De taal waarin een tolk zou kunnen helpen (verplicht bij reden taal).
    #[arg(long)]
    pub tolk_taal: Option<String>,
    /// Wie als tolk kan helpen, als dat al bekend is.
    #[arg(long)]
    pub tolk: Option<String>,
    /// Het vervolg, bijvoorbeeld een nieuwe afspraak met een tolk.
    #[arg(long)]
    pub vervolg: String,
    /// De datum van de nieuwe afspraak (JJJJ-MM-DD).
    #[arg(long, value_name = "DATUM")]
    pub nieuwe_afspraak: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Args)]
pub struct LegitimatieArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Het doel van het bezoek zoals aan de deur meegedeeld. Dit vastleggen verklaart dat de
    /// handhavers zich hebben gelegitimeerd.
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
pub enum UitkomstArg {
    #[value(name = "gegeven")]
    Gegeven,
    #[value(name = "geweigerd")]
    Geweigerd,
}

impl From<UitkomstArg> for ConflictUitkomst {
    fn from(u: UitkomstArg) -> ConflictUitkomst {
        match u {
            UitkomstArg::Gegeven => ConflictUitkomst::Gegeven,
            UitkomstArg::Geweigerd => ConflictUitkomst::Geweigerd,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LeeftijdArg {
    #[value(name = "volwassen")]
    Volwassen,
    #[value(name = "minderjarig")]
    Minderjarig,
}

impl From<LeeftijdArg> for Leeftijdsgroep {
    fn from(l: LeeftijdArg) -> Leeftijdsgroep {
        match l {
            LeeftijdArg::Volwassen => Leeftijdsgroep::Volwassen,
            LeeftijdArg::Minderjarig => Leeftijdsgroep::Minderjarig,
        }
    }
}

/// Who answered the consent question: role, age group and whether the doubt is about them
/// (protocol huisbezoeken §2).
#[derive(Debug, Clone, Args)]
pub struct AntwoordArgs {
    #[command(flatten)]
    pub wie: WieArgs,
    /// De leeftijdsgroep van wie antwoordde: volwassen of minderjarig.
    #[arg(long, value_enum)]
    pub leeftijd: LeeftijdArg,
    /// De twijfel gaat over deze persoon (een partner kan dan niet voor de woning antwoorden).
    #[arg(long)]
    pub onderwerp_van_twijfel: bool,
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
    /// Wie antwoordde.
    #[arg(long)]
    pub door: String,
    /// In welke rol: bewoner, partner of medebewoner.
    #[arg(long, value_enum)]
    pub rol: RolArg,
}

#[derive(Debug, Clone, Args)]
pub struct VraagArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De concrete aanleiding zoals aan de deur verteld (wordt met de toestemming vastgelegd).
    #[arg(long)]
    pub aanleiding: String,
    /// De tolk via wie de tekst is overgebracht (naam of tolkennummer).
    #[arg(long, requires = "tolk_taal")]
    pub tolk: Option<String>,
    /// De taal waarin de tekst via de tolk is overgebracht.
    #[arg(long, requires = "tolk")]
    pub tolk_taal: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ToestemmingCommand {
    /// De toestemmingstekst voor de grondslag van het bezoek tonen en vastleggen dat erom is gevraagd.
    Vraag(VraagArgs),
    /// Toestemming om binnen te treden gegeven.
    Gegeven(AntwoordArgs),
    /// Toestemming geweigerd: door de belanghebbende eindigt het bezoek; door een ander alleen
    /// diens eigen kamer (--kamer).
    Geweigerd {
        #[command(flatten)]
        antwoord: AntwoordArgs,
        /// De persoon is gewezen op de medewerkingsplicht en de mogelijke gevolgen.
        #[arg(long)]
        gewezen_op_gevolgen: bool,
        /// De eigen kamer die een weigering door een ander dan de belanghebbende uitsluit (herhaalbaar).
        #[arg(long = "kamer", value_name = "RUIMTE")]
        kamers: Vec<String>,
    },
    /// Toestemming ingetrokken: het bezoek eindigt direct.
    Ingetrokken(WieArgs),
    /// Een toestemmingsconflict beslechten (toestemming op het ene apparaat, weigering op het
    /// andere): alleen de leider van het bezoek, met de reden.
    Beslecht {
        #[command(flatten)]
        step: StepArgs,
        /// De leider van het bezoek die beslist.
        #[arg(long)]
        door: String,
        /// Welk antwoord geldt: gegeven of geweigerd.
        #[arg(long, value_enum)]
        uitkomst: UitkomstArg,
        /// Waarom dit antwoord geldt.
        #[arg(long)]
        toelichting: String,
    },
    /// Een aparte toestemming: de kamer van een andere bewoner, kasten openen of foto's.
    Extra {
        #[command(flatten)]
        wie: WieArgs,
        /// Waarvoor: kamer (van een andere bewoner), kasten of fotos.
        #[arg(long, value_enum)]
        onderwerp: Onderwerp,
        /// Beperkt tot één ruimte (verplicht voor de kamer van een andere bewoner).
        #[arg(long)]
        ruimte: Option<String>,
        /// Een weigering (of intrekking) van deze toestemming vastleggen.
        #[arg(long)]
        geweigerd: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct WaarnemingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De ruimte of plek (bijv. slaapkamer 1, badkamer).
    #[arg(long)]
    pub ruimte: String,
    /// Wat is waargenomen, feitelijk beschreven.
    #[arg(long)]
    pub tekst: String,
    /// Een fotobestand, versleuteld op het apparaat bewaard (vraagt vastgelegde toestemming voor foto's).
    #[arg(long)]
    pub foto: Option<PathBuf>,
    /// Voor deze waarneming is een kast of lade geopend (vraagt vastgelegde toestemming).
    #[arg(long)]
    pub kast_geopend: bool,
    /// De bewoner van wie dit de eigen kamer is, als het niet die van de belanghebbende is.
    #[arg(long)]
    pub kamer_van: Option<String>,
    /// Ondanks de taalwaarschuwingen ondertekenen (anders wordt eerst gevraagd of geweigerd).
    #[arg(long)]
    pub ondanks_waarschuwingen: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TerPlaatseCommand {
    /// Het begin vastleggen: de handhavers, wie leidt en hoe zij reizen (getoetst aan de
    /// routekaart: per auto het aantal medewerkers per auto).
    Start(TerPlaatseStartArgs),
    /// Een waarneming ter plaatse vastleggen: waar, wat, en dat het vanaf de openbare weg was.
    Waarneming(TerPlaatseWaarnemingArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VervoerArg {
    #[value(name = "auto")]
    Auto,
    #[value(name = "lopen")]
    Lopen,
    #[value(name = "fiets")]
    Fiets,
}

#[derive(Debug, Clone, Args)]
pub struct TerPlaatseStartArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Een handhaver die meegaat (herhaalbaar).
    #[arg(long = "handhaver", required = true)]
    pub handhavers: Vec<String>,
    /// De handhaver die de waarneming leidt (een van hen).
    #[arg(long)]
    pub leider: String,
    /// Hoe de handhavers reizen: auto, lopen of fiets.
    #[arg(long, value_enum)]
    pub vervoer: VervoerArg,
    /// Hoeveel medewerkers in één auto zitten (verplicht bij vervoer auto).
    #[arg(long)]
    pub per_auto: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct TerPlaatseWaarnemingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Waar (bijv. "voor Dorpsstraat 12", "parkeerplaats achter het flatgebouw").
    #[arg(long)]
    pub plek: String,
    /// Wat is waargenomen, feitelijk beschreven.
    #[arg(long)]
    pub tekst: String,
    /// Bevestigt dat dit vanaf de openbare weg is waargenomen (een waarneming ter plaatse
    /// betreedt nooit een woning of erf).
    #[arg(long)]
    pub vanaf_openbare_weg: bool,
    /// Wanneer het is waargenomen, als dat eerder was dan nu (RFC 3339, bijv.
    /// 2026-12-07T07:40:00+01:00).
    #[arg(long, value_name = "TIJDSTIP")]
    pub waargenomen_om: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Ondanks de taalwaarschuwingen ondertekenen (anders wordt eerst gevraagd of geweigerd).
    #[arg(long)]
    pub ondanks_waarschuwingen: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GesprekswijzeArg {
    /// Telefonisch (gesprek op afstand).
    #[value(name = "telefoon")]
    Telefoon,
    /// Per video (gesprek op afstand).
    #[value(name = "video")]
    Video,
    /// Persoonlijk (spreekkamer of mobiele unit).
    #[value(name = "persoonlijk")]
    Persoonlijk,
}

#[derive(Debug, Clone, Args)]
pub struct GesprekArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Met wie het gesprek is.
    #[arg(long)]
    pub met: String,
    /// De rol van de gesprekspartner: bewoner (de klant), partner of medebewoner.
    #[arg(long, value_enum)]
    pub rol: RolArg,
    /// Hoe: telefoon of video (op afstand), persoonlijk (spreekkamer, mobiele unit).
    #[arg(long, value_enum)]
    pub wijze: GesprekswijzeArg,
    /// Een handhaver die het gesprek voert (herhaalbaar).
    #[arg(long = "handhaver", required = true)]
    pub handhavers: Vec<String>,
    /// De handhaver die het gesprek leidt (een van hen).
    #[arg(long)]
    pub leider: String,
}

#[derive(Debug, Clone, Args)]
pub struct InternetonderzoekArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De handhaver die het onderzoek deed.
    #[arg(long)]
    pub door: String,
    /// Een geraadpleegde bron (herhaalbaar), bijv. "Marktplaats (openbare advertenties)".
    #[arg(long = "bron", required = true)]
    pub bronnen: Vec<String>,
    /// Waarom het onderzoek in verhouding staat tot de ernst van de twijfel (proportionaliteit).
    #[arg(long)]
    pub waarom_evenredig: String,
    /// Waarom geen minder ingrijpend middel volstaat (subsidiariteit).
    #[arg(long)]
    pub waarom_niet_minder_ingrijpend: String,
    /// Wat is gevonden, feitelijk beschreven.
    #[arg(long)]
    pub bevindingen: String,
    /// Ondanks de taalwaarschuwingen ondertekenen (anders wordt eerst gevraagd of geweigerd).
    #[arg(long)]
    pub ondanks_waarschuwingen: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CorrectieArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De gecorrigeerde vastlegging: het getoonde nummer (nr. 9), het id of een uniek begin
    /// ervan (minstens 4 tekens).
    #[arg(long)]
    pub entry: String,
    /// De gecorrigeerde tekst; de oorspronkelijke vastlegging blijft ongewijzigd bewaard.
    #[arg(long)]
    pub tekst: String,
}

#[derive(Debug, Clone, Args)]
pub struct RapportArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De tekst van het rapport: feiten, geen vermoedens (taalcontrole waarschuwt).
    #[arg(long)]
    pub tekst: String,
    /// Een ondertekenaar als NAAM:ambtseed of NAAM:ambtsbelofte (herhaalbaar).
    #[arg(
        long = "ondertekenaar",
        value_name = "NAAM:VERKLARING",
        required = true
    )]
    pub ondertekenaars: Vec<String>,
    /// Ondanks de taalwaarschuwingen ondertekenen (anders wordt eerst gevraagd of geweigerd).
    #[arg(long)]
    pub ondanks_waarschuwingen: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UitnodigingArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// De datum van het gesprek, JJJJ-MM-DD.
    #[arg(long)]
    pub datum: Option<NaiveDate>,
    /// Een toelichting bij de uitnodiging (optioneel).
    #[arg(long)]
    pub toelichting: Option<String>,
}

/// Runs a field command on the device in `data_dir`; prints the outcome (or the coded Dutch
/// error on stderr, and as JSON on stdout with `--json`) and returns the exit code.
pub fn run(data_dir: &Path, cmd: &FieldCommand) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = crate::terminal::Printable::new(stdout.lock());
    match execute(data_dir, cmd, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let notice = e.notice();
            let details = e.details();
            eprintln!("Fout: {}", printable(&notice.to_string()));
            for d in &details {
                eprintln!("  - {}", printable(&d.to_string()));
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
        FieldCommand::Zaken(a) | FieldCommand::Status(a) | FieldCommand::Vragenlijst(a) => a.json,
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
            ToestemmingCommand::Vraag(v) => &v.step,
            ToestemmingCommand::Gegeven(a) | ToestemmingCommand::Geweigerd { antwoord: a, .. } => {
                &a.wie.step
            }
            ToestemmingCommand::Ingetrokken(w) => &w.step,
            ToestemmingCommand::Beslecht { step, .. } => step,
            ToestemmingCommand::Extra { wie, .. } => &wie.step,
        },
        FieldCommand::Binnentreden(s) => s,
        FieldCommand::Waarneming(a) => &a.step,
        FieldCommand::TerPlaatse(TerPlaatseCommand::Start(a)) => &a.step,
        FieldCommand::TerPlaatse(TerPlaatseCommand::Waarneming(a)) => &a.step,
        FieldCommand::Gesprek(a) => &a.step,
        FieldCommand::Internetonderzoek(a) => &a.step,
        FieldCommand::Correctie(a) => &a.step,
        FieldCommand::Rapport(a) => &a.step,
        FieldCommand::Uitnodiging(a) => &a.step,
        FieldCommand::Bezoek(BezoekCommand::Afbreken(a)) => &a.step,
        FieldCommand::Zaken(_)
        | FieldCommand::Zaak(_)
        | FieldCommand::Bezoek(BezoekCommand::Start { .. } | BezoekCommand::AppSessie(_))
        | FieldCommand::Status(_)
        | FieldCommand::Vragenlijst(_) => return None,
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
        FieldCommand::Vragenlijst(a) => {
            render::vragenlijst(out, device.rules().vragenlijst(), a.json)
        }
        FieldCommand::Zaak(ZaakCommand::Show { id, json }) => {
            let detail = device.zaak_detail(id)?;
            render::zaak(out, &detail, &device.refused_work_for(id)?, *json)
        }
        FieldCommand::Bezoek(BezoekCommand::Start {
            zaak,
            actie,
            handhavers,
            grote_controle,
            json,
        }) => {
            let actie = Actie::from(*actie);
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
            let options = VisitOptions {
                grote_controle: *grote_controle,
            };
            let visit = device.start_visit_with(zaak, actie, planned, options, now)?;
            render::visit_started(out, &visit, *json)
        }
        other => {
            let Some(step) = step_args(other) else {
                return Ok(());
            };
            let target = match &step.bezoek {
                Some(v) => Target {
                    visit: v.clone(),
                    progress: None,
                },
                None => latest_visit(&mut device, &step.zaak)?,
            };
            let event = build_event(&mut device, &step.zaak, &target, other)?;
            let accepted = match other {
                FieldCommand::Waarneming(a) => a.ondanks_waarschuwingen,
                FieldCommand::Rapport(a) => a.ondanks_waarschuwingen,
                FieldCommand::TerPlaatse(TerPlaatseCommand::Waarneming(a)) => {
                    a.ondanks_waarschuwingen
                }
                FieldCommand::Internetonderzoek(a) => a.ondanks_waarschuwingen,
                _ => true,
            };
            check_wording(&event, accepted, step.json)?;
            record(&mut device, step, &target.visit, event, now, out)
        }
    }
}

/// The visit a step is recorded in, and where it stands when that is already known.
struct Target {
    visit: String,
    progress: Option<VisitProgress>,
}

impl Target {
    /// Where the visit stands, asked of the device only when not known yet.
    fn progress(&self, device: &mut Device, zaak: &str) -> Result<VisitProgress, DeviceError> {
        match &self.progress {
            Some(p) => Ok(p.clone()),
            None => device.visit_progress(zaak, Some(&self.visit)),
        }
    }
}

/// The zaak's latest visit (the one the worklist shows) and where it stands.
fn latest_visit(device: &mut Device, zaak: &str) -> Result<Target, FieldError> {
    match device.visit_progress(zaak, None) {
        Ok(p) => Ok(Target {
            visit: p.visit_id.clone(),
            progress: Some(p),
        }),
        Err(DeviceError::NoVisit(_)) => Err(FieldError::NoVisit(zaak.to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// Prints the policy's warnings (too old, never synced) on stderr.
pub(crate) fn warn_policy(device: &Device, now: chrono::DateTime<Utc>) {
    for w in device.policy_status(now).warnings {
        eprintln!("Let op: {}", printable(&w.to_string()));
    }
}

fn invalid(veld: &'static str, detail: impl Into<String>) -> FieldError {
    FieldError::InvalidInput {
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
    target: &Target,
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
            let actie = match target.progress(device, zaak) {
                Ok(p) => p.actie,
                Err(e) if e.code() == "visit_unknown" => {
                    let visit = &target.visit;
                    return Err(invalid("--bezoek", format!("bezoek {visit} bestaat niet")));
                }
                Err(e) => return Err(e.into()),
            };
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
            minderjarigen_aanwezig: a.minderjarigen.map(|m| matches!(m, JaNee::Ja)),
        },
        FieldCommand::NiemandAanwezig(a) => Event::NiemandAanwezig {
            toelichting: a.toelichting.clone(),
        },
        FieldCommand::NietInStaat(a) => Event::NietInStaat {
            toelichting: a.toelichting.clone(),
            reden: Some(a.reden.into()),
            tolk_taal: a.tolk_taal.clone(),
            tolk: a.tolk.clone(),
            vervolg: Some(a.vervolg.clone()),
            nieuwe_afspraak: a.nieuwe_afspraak,
        },
        FieldCommand::Legitimatie(a) => Event::LegitimatieEnDoel {
            legitimatie_getoond: true,
            doel: a.doel.clone(),
        },
        FieldCommand::Toestemming(t) => match t {
            ToestemmingCommand::Vraag(v) => {
                let (variant, actie) = consent_variant(device, zaak, target)?;
                let tekst = device.rules().toestemmingstekst(variant, actie);
                eprintln!("Lees voor of laat lezen (variant {}):\n", variant.as_str());
                eprintln!("{}\n", printable(&tekst.tekst));
                let mut event = tekst.event(v.aanleiding.clone());
                if let (Event::ToestemmingGevraagd { tolk, .. }, Some(naam), Some(taal)) =
                    (&mut event, &v.tolk, &v.tolk_taal)
                {
                    *tolk = Some(Tolk {
                        naam: naam.clone(),
                        taal: taal.clone(),
                    });
                }
                event
            }
            ToestemmingCommand::Gegeven(a) => Event::ToestemmingGegeven {
                door: a.wie.door.clone(),
                rol: a.wie.rol.into(),
                leeftijd: Some(a.leeftijd.into()),
                onderwerp_van_twijfel: a.onderwerp_van_twijfel,
            },
            ToestemmingCommand::Geweigerd {
                antwoord,
                gewezen_op_gevolgen,
                kamers,
            } => Event::ToestemmingGeweigerd {
                door: antwoord.wie.door.clone(),
                rol: antwoord.wie.rol.into(),
                gewezen_op_gevolgen: *gewezen_op_gevolgen,
                leeftijd: Some(antwoord.leeftijd.into()),
                onderwerp_van_twijfel: antwoord.onderwerp_van_twijfel,
                uitgesloten_ruimtes: kamers.clone(),
            },
            ToestemmingCommand::Beslecht {
                door,
                uitkomst,
                toelichting,
                ..
            } => Event::ToestemmingsconflictBeslecht {
                door: door.clone(),
                uitkomst: (*uitkomst).into(),
                toelichting: toelichting.clone(),
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
        FieldCommand::TerPlaatse(TerPlaatseCommand::Start(a)) => {
            Event::WaarnemingTerPlaatseGestart {
                handhavers: a.handhavers.clone(),
                leider: a.leider.clone(),
                vervoer: match a.vervoer {
                    VervoerArg::Auto => Transport::Auto,
                    VervoerArg::Lopen => Transport::Lopen,
                    VervoerArg::Fiets => Transport::Fiets,
                },
                medewerkers_per_auto: a.per_auto,
            }
        }
        FieldCommand::TerPlaatse(TerPlaatseCommand::Waarneming(a)) => Event::WaarnemingTerPlaatse {
            plek: a.plek.clone(),
            tekst: a.tekst.clone(),
            vanaf_openbare_weg: a.vanaf_openbare_weg,
            waargenomen_om: a.waargenomen_om.map(|t| t.with_timezone(&Utc)),
        },
        FieldCommand::Gesprek(a) => Event::GesprekGestart {
            met: a.met.clone(),
            rol: a.rol.into(),
            wijze: match a.wijze {
                GesprekswijzeArg::Telefoon => Gesprekswijze::Telefoon,
                GesprekswijzeArg::Video => Gesprekswijze::Video,
                GesprekswijzeArg::Persoonlijk => Gesprekswijze::Persoonlijk,
            },
            handhavers: a.handhavers.clone(),
            leider: a.leider.clone(),
        },
        FieldCommand::Internetonderzoek(a) => Event::Internetonderzoek {
            door: a.door.clone(),
            bronnen: a.bronnen.clone(),
            waarom_evenredig: a.waarom_evenredig.clone(),
            waarom_niet_minder_ingrijpend: a.waarom_niet_minder_ingrijpend.clone(),
            bevindingen: a.bevindingen.clone(),
        },
        FieldCommand::Correctie(a) => Event::Correctie {
            corrigeert: resolve_entry(device, zaak, &target.visit, &a.entry)?,
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
        FieldCommand::Bezoek(BezoekCommand::Afbreken(a)) => Event::BezoekAfgebroken {
            reden: a.reden.clone(),
        },
        FieldCommand::Zaken(_)
        | FieldCommand::Zaak(_)
        | FieldCommand::Bezoek(BezoekCommand::Start { .. } | BezoekCommand::AppSessie(_))
        | FieldCommand::Status(_)
        | FieldCommand::Vragenlijst(_) => {
            return Err(invalid("opdracht", "geen stap van een bezoek"));
        }
    })
}

/// The entry a correctie points at, as the handhaver names it (see [`name_entry`]).
fn resolve_entry(
    device: &mut Device,
    zaak: &str,
    visit: &str,
    given: &str,
) -> Result<String, FieldError> {
    let detail = device.zaak_detail(zaak)?;
    let Some(v) = detail.visits.iter().find(|v| v.meta.visit_id == visit) else {
        // The device refuses the step for an unknown visit.
        return Ok(given.to_owned());
    };
    let entries: Vec<(&str, u64)> = v
        .entries
        .iter()
        .map(|e| (e.entry.entry_id.as_str(), e.entry.seq))
        .collect();
    name_entry(&entries, given)
}

/// Fewest characters of an entry id that name it.
const MIN_PREFIX: usize = 4;

/// Which of a visit's entries (`(entry_id, seq)`) the handhaver means by `given`: the number
/// shown (`nr. 9`, `nr.9`, or a bare `9`), the full entry id, or a unique prefix of the id of
/// at least [`MIN_PREFIX`] characters. Ids are hex, so a prefix may be all digits: a bare
/// number that is both a number shown and an id prefix is refused as ambiguous rather than
/// guessed. An id nobody has is passed on for the device to refuse with its own code.
fn name_entry(entries: &[(&str, u64)], given: &str) -> Result<String, FieldError> {
    let trimmed = given.trim();
    let explicit = trimmed
        .strip_prefix("nr.")
        .or_else(|| trimmed.strip_prefix("nr"))
        .map(str::trim);
    let by_number = |n: u64| entries.iter().find(|(_, seq)| *seq == n).map(|(id, _)| *id);
    if let Some(number) = explicit {
        let n = number.parse::<u64>().map_err(|_| {
            invalid(
                "--entry",
                format!("'{number}' is geen nummer van een vastlegging"),
            )
        })?;
        return by_number(n).map(str::to_owned).ok_or_else(|| {
            invalid(
                "--entry",
                format!("dit bezoek heeft geen vastlegging nr. {n}"),
            )
        });
    }
    if entries.iter().any(|(id, _)| *id == trimmed) {
        return Ok(trimmed.to_owned());
    }
    let prefixed: Vec<&str> = if trimmed.chars().count() >= MIN_PREFIX {
        entries
            .iter()
            .filter(|(id, _)| id.starts_with(trimmed))
            .map(|(id, _)| *id)
            .collect()
    } else {
        Vec::new()
    };
    if let Ok(n) = trimmed.parse::<u64>() {
        return match (by_number(n), prefixed.as_slice()) {
            (Some(id), []) => Ok(id.to_owned()),
            (None, [one]) => Ok((*one).to_owned()),
            (None, []) => Err(invalid(
                "--entry",
                format!("dit bezoek heeft geen vastlegging nr. {n}"),
            )),
            _ => Err(invalid(
                "--entry",
                format!(
                    "'{trimmed}' is een nummer én het begin van een id: schrijf nr. {n} of geef meer tekens van het id"
                ),
            )),
        };
    }
    if trimmed.chars().count() < MIN_PREFIX {
        return Err(invalid(
            "--entry",
            format!("geef het nummer (nr. 9) of minstens {MIN_PREFIX} tekens van het id"),
        ));
    }
    match prefixed.as_slice() {
        [one] => Ok((*one).to_owned()),
        // The device refuses an unknown entry with its own code.
        [] => Ok(trimmed.to_owned()),
        _ => Err(invalid(
            "--entry",
            format!("'{trimmed}' past bij meer vastleggingen: geef meer tekens"),
        )),
    }
}

/// The consent text variant the visit's recorded grondslag demands (seed 001 §3).
/// The consent variant of the visit and its action (which decides between the text for
/// entering in person and the digital tour's).
fn consent_variant(
    device: &mut Device,
    zaak: &str,
    target: &Target,
) -> Result<(Variant, Actie), FieldError> {
    let (variant, actie) = match target.progress(device, zaak) {
        Ok(p) => (p.consent_variant, p.actie),
        // The device refuses the step for an unknown visit, after the text is shown.
        Err(e) if e.code() == "visit_unknown" => (None, Actie::Huisbezoek),
        Err(e) => return Err(e.into()),
    };
    // Without an aanleiding the protocol refuses the step anyway; variant A is then shown.
    Ok((variant.unwrap_or(Variant::A), actie))
}

/// The factual-language check before a waarneming or rapport is signed (seed 000: "gebaseerd
/// op feiten en geen sprake van insinuaties of onderbuikgevoelens"): its warnings are shown
/// first; in a terminal the handhaver confirms or goes back to edit, elsewhere signing needs
/// `--ondanks-waarschuwingen` (`accepted`). Other steps' warnings are shown after recording.
fn check_wording(event: &Event, accepted: bool, as_json: bool) -> Result<(), FieldError> {
    let warnings = event.factual_warnings();
    if accepted || warnings.is_empty() {
        return Ok(());
    }
    let notices: Vec<Notice> = warnings.iter().map(|w| w.warning.notice.clone()).collect();
    if std::io::stdin().is_terminal() && !as_json {
        eprintln!("Taalcontrole vóór het ondertekenen:");
        for w in &warnings {
            eprintln!(
                "  - {} (suggestie: {})",
                printable(&w.warning.notice.to_string()),
                printable(&w.warning.suggestion)
            );
        }
        eprint!("Toch zo ondertekenen? Anders past u de tekst aan. [j/n] ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if matches!(line.trim(), "j" | "J" | "ja" | "Ja") {
            return Ok(());
        }
    }
    Err(FieldError::WarningsOpen(notices))
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
            eprintln!("Let op: {}", printable(&w.to_string()));
        }
        let interactive = std::io::stdin().is_terminal() && !step.json;
        if !conditions.is_empty() {
            eprintln!(
                "Voorwaarden van de routekaart (code {}):",
                device.active_code().id()
            );
        }
        // Each condition is printed once: as its question in a terminal, as confirmed here, or
        // in the refusal's list of what is still to be confirmed.
        for c in &conditions {
            let given = step.bevestig_alles || confirmed.contains(&c.code);
            if given {
                eprintln!("  - bevestigd: {}", printable(&c.to_string()));
            } else if interactive && ask(&printable(&c.to_string()))? {
                confirmed.push(c.code.clone());
            }
            if step.bevestig_alles {
                confirmed.push(c.code.clone());
            }
        }
    }
    let warnings = event.factual_warnings();
    let soort = event.soort();
    let entry = device.record(&step.zaak, visit, event, confirmed, now)?;
    let next = device.visit_progress(&step.zaak, Some(visit))?.next_steps;
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

#[cfg(test)]
mod tests {
    use super::name_entry;

    const ENTRIES: [(&str, u64); 3] = [
        ("12577154aa00", 1),
        ("12570000bb11", 2),
        ("9f00cc22dd33", 12),
    ];

    fn named(given: &str) -> Result<String, String> {
        name_entry(&ENTRIES, given).map_err(|e| e.to_string())
    }

    #[test]
    fn an_entry_is_named_by_its_number_in_every_spelling() {
        for given in ["nr. 12", "nr.12", "nr 12", "12", " 12 "] {
            assert_eq!(named(given).as_deref(), Ok("9f00cc22dd33"), "{given}");
        }
        assert!(named("nr. 7").is_err());
        assert!(named("nr. x").is_err());
    }

    #[test]
    fn an_all_digit_prefix_of_a_hex_id_names_that_entry() {
        // Hex ids often begin with digits only; such a prefix is not a missing number.
        assert_eq!(named("12577154").as_deref(), Ok("12577154aa00"));
        assert_eq!(named("12577154aa00").as_deref(), Ok("12577154aa00"));
    }

    #[test]
    fn an_ambiguous_name_is_refused_not_guessed() {
        // Two ids begin with 1257.
        assert!(named("1257").is_err());
        // Three characters are too few for a prefix.
        assert!(named("9f0").is_err());
        // `12` is nr. 12 and too short to be a prefix; `9f00` names one id.
        assert_eq!(named("9f00").as_deref(), Ok("9f00cc22dd33"));
    }

    #[test]
    fn a_number_that_is_also_an_id_prefix_is_refused() {
        let entries = [("1234abcd", 1), ("ffff0000", 1234)];
        assert!(name_entry(&entries, "1234").is_err());
        assert_eq!(
            name_entry(&entries, "nr. 1234").ok().as_deref(),
            Some("ffff0000")
        );
        assert_eq!(
            name_entry(&entries, "1234a").ok().as_deref(),
            Some("1234abcd")
        );
    }
}
