//! The huisbezoek protocol (seed 001, Protocol huisbezoeken; seed 002 §8) as a state machine per
//! visit, and the melding handhaving of seed 000.
//!
//! A visit is a sequence of [`Event`]s (the facts the handhaver records, stored by the device store
//! as signed, append-only entries). [`Bezoek`] replays them and refuses what the protocol does not
//! allow. The case law the rules rest on:
//! - CRvB 11-04-2007, ECLI:NL:CRVB:2007:BA2410: consent to enter must be *informed* (reason, purpose,
//!   rights, consequences of refusal), and the burden of proof that it was lies with the
//!   municipality; a "redelijke grond" for an unannounced visit means concrete, objective facts
//!   known beforehand, and no less intrusive way to get the information.
//! - CRvB 2-10-2007: an anonymous tip alone is no redelijke grond.

pub mod activiteit;
pub mod bezoek;
mod error;
pub mod grondslag;
pub mod melding;
pub mod stap;
pub mod toestemming;
pub mod toestemmingsteksten;
mod woorden;

pub use activiteit::{Activiteit, Gesprekswijze};
pub use bezoek::{Anomaly, Bezoek, Einde, Fase, Toestemmingsconflict};
pub use error::ProtocolError;
pub use grondslag::{BronSoort, Feit, Grondslag};
pub use stap::StapRol;
pub use toestemming::{ToestemmingsTekst, Variant};
pub use toestemmingsteksten::Toestemmingsteksten;

use serde::{Deserialize, Serialize};

use crate::factual::{self, FactualWarning};
use crate::routekaart::{Actie, Transport};
use crate::vragenlijst::{Antwoord, Handtekening};

/// One fact recorded in a visit, in the order the protocol allows. Serialized with the tag
/// `soort` (snake_case); the device store keeps these as signed entry bodies, so fields are only
/// ever added (optional, with `#[serde(default)]`), never renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum Event {
    /// The documented aanleiding, recorded before the visit (seed 001 §1: "Om een huisbezoek te
    /// mogen afleggen moet er een aanleiding zijn"); the facts must be known beforehand (BA2410).
    /// `actie` is `huisbezoek` or `huisbezoek_app` (seed 004: the app may be presented by one
    /// handhaver).
    Aanleiding { actie: Actie, grondslag: Grondslag },
    /// Whether the visit was announced (seed 001 §1: unannounced only with a concrete aanwijzing).
    Aankondiging {
        wijze: Aankondigingswijze,
        #[serde(default)]
        toelichting: Option<String>,
    },
    /// Arrival at the door: the handhavers present (ids), one of them the lead, and whether
    /// minors are present (`None`: not recorded, as in documents from before it was asked).
    AanDeDeur {
        handhavers: Vec<String>,
        leider: String,
        #[serde(default)]
        minderjarigen_aanwezig: Option<bool>,
    },
    /// Nobody opened the door. Not a refusal.
    NiemandAanwezig {
        #[serde(default)]
        toelichting: Option<String>,
    },
    /// Someone is present but not able to take part (illness, language, confusion): no informed
    /// consent is possible. Not a refusal. A new recording says why (`reden`), whether an
    /// interpreter could help (`tolk_taal`: the language needed; `tolk`: who, once known; seed
    /// 002 §3.1 "waar nodig met een tolk") and what follows (`vervolg`, `nieuwe_afspraak`).
    NietInStaat {
        toelichting: String,
        #[serde(default)]
        reden: Option<NietInStaatReden>,
        #[serde(default)]
        tolk_taal: Option<String>,
        #[serde(default)]
        tolk: Option<String>,
        #[serde(default)]
        vervolg: Option<String>,
        #[serde(default)]
        nieuwe_afspraak: Option<chrono::NaiveDate>,
    },
    /// Awbi art. 1: before entering, the handhavers identify themselves and state the purpose.
    LegitimatieEnDoel {
        legitimatie_getoond: bool,
        /// The purpose as it was told at the door.
        doel: String,
    },
    /// Informed consent asked with the exact text shown (seed 001 §3), and its SHA-256 hash
    /// (lowercase hex) so the text can be proven later (BA2410: burden of proof).
    ToestemmingGevraagd {
        variant: Variant,
        tekst: String,
        tekst_hash: String,
        /// The concrete aanleiding as told at the door (seed 001 §3: "volledige en juiste
        /// informatie over de aanleiding"). Empty only in documents recorded before it was
        /// asked; a new recording needs it ([`Event::check_new`]).
        #[serde(default)]
        aanleiding: String,
        /// The interpreter through whom the text was conveyed, and the language of the text
        /// as told (seed 002 §3.1); `None`: no interpreter.
        #[serde(default)]
        tolk: Option<Tolk>,
    },
    /// Consent to enter given, by whom, in which role and age group (seed 001 §2: only the
    /// belanghebbende; a partner only when the doubt is not about them; never a minor).
    ToestemmingGegeven {
        door: String,
        rol: Rol,
        /// `None` only in documents recorded before it was asked ([`Event::check_new`]).
        #[serde(default)]
        leeftijd: Option<Leeftijdsgroep>,
        /// The person answering is the one the doubt is about (e.g. the presumed partner).
        #[serde(default)]
        onderwerp_van_twijfel: bool,
    },
    /// Consent refused (seed 001 §2: the belanghebbende may refuse). With variant A the person
    /// must be told the obligation (art. 17 WWB) and the possible consequences. A refusal by
    /// someone who cannot answer for the dwelling (another occupant, or a partner the doubt is
    /// about) ends nothing: it excludes that person's own room(s), `uitgesloten_ruimtes`.
    ToestemmingGeweigerd {
        door: String,
        rol: Rol,
        #[serde(default)]
        gewezen_op_gevolgen: bool,
        /// `None` only in documents recorded before it was asked; those keep their meaning
        /// (any refusal ended the visit).
        #[serde(default)]
        leeftijd: Option<Leeftijdsgroep>,
        #[serde(default)]
        onderwerp_van_twijfel: bool,
        #[serde(default)]
        uitgesloten_ruimtes: Vec<String>,
    },
    /// The handhavers enter (or, for `huisbezoek_app`, the digital tour starts).
    Binnentreden,
    /// Consent withdrawn: ends the visit at once.
    ToestemmingIngetrokken { door: String, rol: Rol },
    /// A separate consent beyond "look around": another occupant's room (by that occupant),
    /// opening closets or drawers, or taking photos. `gegeven: false` records a refusal or a
    /// withdrawal of that consent only. `ruimte` limits it to one room (required for a room of
    /// another occupant; `None` otherwise means the whole dwelling).
    ExtraToestemming {
        onderwerp: ExtraOnderwerp,
        #[serde(default)]
        ruimte: Option<String>,
        door: String,
        rol: Rol,
        gegeven: bool,
    },
    /// A waarneming in a room. Default is look only: `kast_geopend`, `foto` and `kamer_van` each
    /// need their own recorded consent.
    Waarneming {
        ruimte: String,
        tekst: String,
        /// SHA-256 (lowercase hex) of the photo blob, if one was taken.
        #[serde(default)]
        foto: Option<String>,
        #[serde(default)]
        kast_geopend: bool,
        /// The occupant whose own room this is, when it is not the belanghebbende's.
        #[serde(default)]
        kamer_van: Option<String>,
    },
    /// A correction of an earlier entry (by its entry id). Never rewrites; allowed after closing.
    Correctie { corrigeert: String, tekst: String },
    /// The handhavers leave the dwelling: the visit ends normally.
    Afsluiting {
        #[serde(default)]
        toelichting: Option<String>,
    },
    /// The rapport van bevindingen, stated under ambtseed or ambtsbelofte by the handhavers
    /// present; the raw entries stay unchanged beside it.
    Rapport {
        tekst: String,
        opgemaakt_door: Vec<Ondertekenaar>,
    },
    /// The visit is broken off before its normal end (the code changed, nobody came, the
    /// handhaver was called away): issue 14 item 2. A protocol fact, never a deletion: every
    /// entry before it stays. The reason is required.
    BezoekAfgebroken { reden: String },
    /// Follow-up: the client is invited to discuss the rapport.
    UitnodigingBespreking {
        #[serde(default)]
        datum: Option<chrono::NaiveDate>,
        #[serde(default)]
        toelichting: Option<String>,
    },
    /// After a merge, consent on one device and a refusal on another for the same visit: the
    /// lead handhaver (`door`, the leider at the door) decides which answer stands, with the
    /// reason (issue 15 point 5; seed 001 §3: consent "deugdelijk vastgelegd"). Until then the
    /// visit takes no further entries.
    ToestemmingsconflictBeslecht {
        door: String,
        uitkomst: ConflictUitkomst,
        toelichting: String,
    },
    /// A waarneming ter plaatse begins (seed 004 "Waarneming ter plaatse"): the officers who go,
    /// one of them the lead, how they travel and, by car, how many sit in one car (the
    /// routekaart's condition: "Indien per auto: 1 medewerker per auto" under oranje and rood).
    WaarnemingTerPlaatseGestart {
        handhavers: Vec<String>,
        leider: String,
        vervoer: Transport,
        #[serde(default)]
        medewerkers_per_auto: Option<u32>,
    },
    /// What was seen on site: where, what, and that it was seen from the public road (a
    /// waarneming ter plaatse never enters); `waargenomen_om` when it was seen, if earlier than
    /// the recording.
    WaarnemingTerPlaatse {
        plek: String,
        tekst: String,
        vanaf_openbare_weg: bool,
        #[serde(default)]
        waargenomen_om: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// A gesprek begins (seed 004: op afstand by phone or video, in the spreekkamer or the
    /// mobiele unit face to face): with whom, in which role, how, and the officers taking part.
    /// The verslag is the activity's rapport.
    GesprekGestart {
        met: String,
        rol: Rol,
        wijze: Gesprekswijze,
        handhavers: Vec<String>,
        leider: String,
    },
    /// The client answers one question of the organisation's vragenlijst during the digital
    /// tour of a `huisbezoek_app` (issue 16; seed 004: "alleen mogelijk door het gebruik van een
    /// huisbezoek-app"): `sleutel` as `Vragenlijst::momenten` names it, for the list `vragenlijst`
    /// at `versie`, answered by `door`. A later answer under the same key replaces an earlier one
    /// until the client signs; every answer stays recorded.
    VraagBeantwoord {
        vragenlijst: String,
        versie: u32,
        sleutel: String,
        antwoord: Antwoord,
        door: String,
    },
    /// The client signs their answers with a finger: the tour's answers are final.
    VragenlijstOndertekend {
        door: String,
        handtekening: Handtekening,
    },
    /// The handhaver, watching the digital tour, sends the client a hint (issue 16 §3: "de foto
    /// is onscherp, wilt u hem opnieuw maken?"): steering only, never an answer.
    AanwijzingGestuurd { door: String, tekst: String },
    /// Internet research (seed 002 §9): the sources consulted, why it is proportionate to the
    /// doubt (proportionaliteit) and why no less intrusive means suffices (subsidiariteit), and
    /// what was found. Recorded before a grondslag cites the internet as a source.
    Internetonderzoek {
        door: String,
        bronnen: Vec<String>,
        waarom_evenredig: String,
        waarom_niet_minder_ingrijpend: String,
        bevindingen: String,
    },
}

/// Why someone at the door cannot take part (seed 002 §3.1: "Hoe is het taalbegrip van de
/// klant?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NietInStaatReden {
    Taal,
    Ziekte,
    Verwardheid,
}

/// An interpreter at the door (seed 002 §3.1): who, and in which language the text was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolk {
    pub naam: String,
    pub taal: String,
}

/// Which answer stands after a consent conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictUitkomst {
    /// The consent stands (the refusal is a recording error, explained in the toelichting).
    Gegeven,
    /// The refusal stands: the visit ends as refused.
    Geweigerd,
}

/// The kind of an [`Event`] without its data: what [`Bezoek::next_steps`] offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSoort {
    Aanleiding,
    Aankondiging,
    AanDeDeur,
    NiemandAanwezig,
    NietInStaat,
    LegitimatieEnDoel,
    ToestemmingGevraagd,
    ToestemmingGegeven,
    ToestemmingGeweigerd,
    Binnentreden,
    ToestemmingIngetrokken,
    ExtraToestemming,
    Waarneming,
    Correctie,
    Afsluiting,
    Rapport,
    UitnodigingBespreking,
    BezoekAfgebroken,
    ToestemmingsconflictBeslecht,
    WaarnemingTerPlaatseGestart,
    WaarnemingTerPlaatse,
    GesprekGestart,
    Internetonderzoek,
    VraagBeantwoord,
    VragenlijstOndertekend,
    AanwijzingGestuurd,
}

impl EventSoort {
    /// The stable snake_case name (as in the serialized `soort` tag).
    pub fn as_str(self) -> &'static str {
        match self {
            EventSoort::Aanleiding => "aanleiding",
            EventSoort::Aankondiging => "aankondiging",
            EventSoort::AanDeDeur => "aan_de_deur",
            EventSoort::NiemandAanwezig => "niemand_aanwezig",
            EventSoort::NietInStaat => "niet_in_staat",
            EventSoort::LegitimatieEnDoel => "legitimatie_en_doel",
            EventSoort::ToestemmingGevraagd => "toestemming_gevraagd",
            EventSoort::ToestemmingGegeven => "toestemming_gegeven",
            EventSoort::ToestemmingGeweigerd => "toestemming_geweigerd",
            EventSoort::Binnentreden => "binnentreden",
            EventSoort::ToestemmingIngetrokken => "toestemming_ingetrokken",
            EventSoort::ExtraToestemming => "extra_toestemming",
            EventSoort::Waarneming => "waarneming",
            EventSoort::Correctie => "correctie",
            EventSoort::Afsluiting => "afsluiting",
            EventSoort::Rapport => "rapport",
            EventSoort::UitnodigingBespreking => "uitnodiging_bespreking",
            EventSoort::BezoekAfgebroken => "bezoek_afgebroken",
            EventSoort::ToestemmingsconflictBeslecht => "toestemmingsconflict_beslecht",
            EventSoort::WaarnemingTerPlaatseGestart => "waarneming_ter_plaatse_gestart",
            EventSoort::WaarnemingTerPlaatse => "waarneming_ter_plaatse",
            EventSoort::GesprekGestart => "gesprek_gestart",
            EventSoort::Internetonderzoek => "internetonderzoek",
            EventSoort::VraagBeantwoord => "vraag_beantwoord",
            EventSoort::VragenlijstOndertekend => "vragenlijst_ondertekend",
            EventSoort::AanwijzingGestuurd => "aanwijzing_gestuurd",
        }
    }
}

impl std::fmt::Display for EventSoort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Announced or not (seed 001 §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aankondigingswijze {
    Aangekondigd,
    Onaangekondigd,
}

/// The role of the person who answers at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rol {
    /// The belanghebbende (the client) living there.
    Bewoner,
    /// The client's partner (also belanghebbende for the joint benefit).
    Partner,
    /// Someone else living there (lodger, adult child, ...): not the belanghebbende.
    Medebewoner,
}

impl Rol {
    /// Seed 001 §2: "Het is niet toegestaan een woning te betreden zonder toestemming van de
    /// belanghebbende": the client or the partner.
    pub fn is_belanghebbende(self) -> bool {
        matches!(self, Rol::Bewoner | Rol::Partner)
    }
}

/// The age group of whoever answers at the door (seed 001 §2: a minor cannot consent or refuse
/// for the dwelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leeftijdsgroep {
    Volwassen,
    Minderjarig,
}

impl Rol {
    /// Seed 001 §2: who may answer for the whole dwelling: the belanghebbende, a partner only
    /// when the doubt is not about that partner, and never a minor.
    pub fn mag_voor_woning_antwoorden(self, onderwerp_van_twijfel: bool) -> bool {
        match self {
            Rol::Bewoner => true,
            Rol::Partner => !onderwerp_van_twijfel,
            Rol::Medebewoner => false,
        }
    }
}

/// What a separate consent inside the dwelling is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtraOnderwerp {
    /// The own room of another occupant: only that occupant can consent.
    KamerAndereBewoner,
    /// Opening closets or drawers (default: look only).
    KastenOpenen,
    /// Taking photos.
    Fotos,
}

/// A handhaver who signs the rapport, and under which oath.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ondertekenaar {
    pub handhaver: String,
    pub verklaring: Ambtsverklaring,
}

/// Ambtseed or ambtsbelofte (a personal choice of each officer; both have the same force).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ambtsverklaring {
    Ambtseed,
    Ambtsbelofte,
}

/// A factual-language warning the text of a waarneming or rapport had when the handhaver signed
/// it anyway (seed 000: "gebaseerd op feiten en geen sprake van insinuaties of
/// onderbuikgevoelens"). The entry's body lists them beside the event's fields
/// (`veldwerk_contract::evidence::event_body`), so they are signed with it and the rapport and a
/// judge can see the text was signed despite them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taalwaarschuwing {
    /// The warning's machine code (`speculatief_taalgebruik`, ...).
    pub code: String,
    /// The Dutch message as it was shown.
    pub melding: String,
    /// The wording in the text the warning is about.
    pub fragment: String,
}

impl From<&FactualWarning> for Taalwaarschuwing {
    fn from(w: &FactualWarning) -> Self {
        Taalwaarschuwing {
            code: w.notice.code.clone(),
            melding: w.notice.message.clone(),
            fragment: w.matched.clone(),
        }
    }
}

/// "Ondertekend ondanks taalwaarschuwingen: …" with the messages of the warnings signed over,
/// as the rapport and the CLI show it; `None` when there were none.
pub fn ondertekend_ondanks(warnings: &[Taalwaarschuwing]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let meldingen: Vec<String> = warnings
        .iter()
        .map(|w| format!("{} [{}]", w.melding, w.code))
        .collect();
    Some(format!(
        "Ondertekend ondanks taalwaarschuwingen: {}",
        meldingen.join("; ")
    ))
}

/// A factual-language warning in one text field of an event (`veld` names the field, e.g.
/// `tekst` or `grondslag.feiten[0].omschrijving`; the span is relative to that field's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWarning {
    pub veld: String,
    pub warning: FactualWarning,
}

impl Event {
    pub fn soort(&self) -> EventSoort {
        match self {
            Event::Aanleiding { .. } => EventSoort::Aanleiding,
            Event::Aankondiging { .. } => EventSoort::Aankondiging,
            Event::AanDeDeur { .. } => EventSoort::AanDeDeur,
            Event::NiemandAanwezig { .. } => EventSoort::NiemandAanwezig,
            Event::NietInStaat { .. } => EventSoort::NietInStaat,
            Event::LegitimatieEnDoel { .. } => EventSoort::LegitimatieEnDoel,
            Event::ToestemmingGevraagd { .. } => EventSoort::ToestemmingGevraagd,
            Event::ToestemmingGegeven { .. } => EventSoort::ToestemmingGegeven,
            Event::ToestemmingGeweigerd { .. } => EventSoort::ToestemmingGeweigerd,
            Event::Binnentreden => EventSoort::Binnentreden,
            Event::ToestemmingIngetrokken { .. } => EventSoort::ToestemmingIngetrokken,
            Event::ExtraToestemming { .. } => EventSoort::ExtraToestemming,
            Event::Waarneming { .. } => EventSoort::Waarneming,
            Event::Correctie { .. } => EventSoort::Correctie,
            Event::Afsluiting { .. } => EventSoort::Afsluiting,
            Event::Rapport { .. } => EventSoort::Rapport,
            Event::UitnodigingBespreking { .. } => EventSoort::UitnodigingBespreking,
            Event::BezoekAfgebroken { .. } => EventSoort::BezoekAfgebroken,
            Event::ToestemmingsconflictBeslecht { .. } => EventSoort::ToestemmingsconflictBeslecht,
            Event::WaarnemingTerPlaatseGestart { .. } => EventSoort::WaarnemingTerPlaatseGestart,
            Event::WaarnemingTerPlaatse { .. } => EventSoort::WaarnemingTerPlaatse,
            Event::GesprekGestart { .. } => EventSoort::GesprekGestart,
            Event::Internetonderzoek { .. } => EventSoort::Internetonderzoek,
            Event::VraagBeantwoord { .. } => EventSoort::VraagBeantwoord,
            Event::VragenlijstOndertekend { .. } => EventSoort::VragenlijstOndertekend,
            Event::AanwijzingGestuurd { .. } => EventSoort::AanwijzingGestuurd,
        }
    }

    /// The photos this event names (SHA-256 references): a waarneming's photo, the photos of a
    /// client's answer. The one place the device and the server learn which blobs an entry
    /// needs.
    pub fn fotos(&self) -> Vec<&str> {
        match self {
            Event::Waarneming { foto: Some(f), .. } => vec![f.as_str()],
            Event::VraagBeantwoord { antwoord, .. } => antwoord.fotos(),
            _ => Vec::new(),
        }
    }

    /// What a new recording needs beyond what [`Bezoek::apply`] checks: fields that older stored
    /// documents may lack (added later with a serde default), so a replay of those stays valid.
    pub fn check_new(&self) -> Result<(), ProtocolError> {
        match self {
            // Seed 001 §3: the aanleiding told at the door is recorded with the consent.
            Event::ToestemmingGevraagd { aanleiding, .. } if aanleiding.trim().is_empty() => {
                Err(ProtocolError::VeldLeeg("aanleiding".to_owned()))
            }
            // Seed 002 §3.1: why the person cannot take part, the language an interpreter would
            // need when it is language, and what follows.
            Event::NietInStaat { reden: None, .. } => {
                Err(ProtocolError::VeldLeeg("reden".to_owned()))
            }
            Event::NietInStaat {
                reden: Some(NietInStaatReden::Taal),
                tolk_taal,
                ..
            } if tolk_taal.as_deref().is_none_or(|t| t.trim().is_empty()) => {
                Err(ProtocolError::VeldLeeg("tolk_taal".to_owned()))
            }
            Event::NietInStaat { vervolg, .. }
                if vervolg.as_deref().is_none_or(|t| t.trim().is_empty()) =>
            {
                Err(ProtocolError::VeldLeeg("vervolg".to_owned()))
            }
            // Seed 001 §2: the age group of whoever answers is recorded with the answer.
            Event::ToestemmingGegeven { leeftijd: None, .. }
            | Event::ToestemmingGeweigerd { leeftijd: None, .. } => {
                Err(ProtocolError::VeldLeeg("leeftijd".to_owned()))
            }
            _ => Ok(()),
        }
    }

    /// The warnings shown before a waarneming or rapport is signed (the steps whose text is
    /// checked before signing), to be signed with it; none for other events.
    pub fn taalwaarschuwingen_bij_ondertekening(&self) -> Vec<Taalwaarschuwing> {
        match self {
            Event::Waarneming { .. }
            | Event::Rapport { .. }
            | Event::WaarnemingTerPlaatse { .. }
            | Event::Internetonderzoek { .. } => self
                .factual_warnings()
                .iter()
                .map(|w| Taalwaarschuwing::from(&w.warning))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Factual-language warnings on the free text of this event (seed 000: "gebaseerd op feiten
    /// en geen sprake van insinuaties of onderbuikgevoelens"). Never blocking: `apply` ignores them.
    pub fn factual_warnings(&self) -> Vec<FieldWarning> {
        let mut fields: Vec<(String, &str)> = Vec::new();
        match self {
            Event::Aanleiding { grondslag, .. } => {
                fields.extend(grondslag.texts());
            }
            Event::Waarneming { tekst, .. }
            | Event::Correctie { tekst, .. }
            | Event::Rapport { tekst, .. } => fields.push(("tekst".to_owned(), tekst)),
            Event::NietInStaat { toelichting, .. } => {
                fields.push(("toelichting".to_owned(), toelichting))
            }
            Event::BezoekAfgebroken { reden } => fields.push(("reden".to_owned(), reden)),
            Event::ToestemmingsconflictBeslecht { toelichting, .. } => {
                fields.push(("toelichting".to_owned(), toelichting))
            }
            Event::WaarnemingTerPlaatse { tekst, .. } => fields.push(("tekst".to_owned(), tekst)),
            Event::Internetonderzoek {
                waarom_evenredig,
                waarom_niet_minder_ingrijpend,
                bevindingen,
                ..
            } => {
                fields.push(("waarom_evenredig".to_owned(), waarom_evenredig));
                fields.push((
                    "waarom_niet_minder_ingrijpend".to_owned(),
                    waarom_niet_minder_ingrijpend,
                ));
                fields.push(("bevindingen".to_owned(), bevindingen));
            }
            _ => {}
        }
        fields
            .into_iter()
            .flat_map(|(veld, text)| {
                factual::check(text)
                    .into_iter()
                    .map(move |warning| FieldWarning {
                        veld: veld.clone(),
                        warning,
                    })
            })
            .collect()
    }
}

/// The factual-language warnings for a rapport text (never blocking).
pub fn rapport_warnings(tekst: &str) -> Vec<FactualWarning> {
    factual::check(tekst)
}
