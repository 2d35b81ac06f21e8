//! `Stap`: a visit step as the app enters it, translated one to one into the core's protocol
//! `Event`. The protocol itself (which step may follow which) stays in the core.

use chrono::{DateTime, NaiveDate, Utc};
use veldwerk_rules::protocol::{self, Event};

use crate::error::VeldwerkError;
use crate::rondgang::{Antwoord, Handtekening};
use crate::types::{
    Aankondigingswijze, Actie, Ambtsverklaring, BronSoort, ConflictUitkomst, ExtraOnderwerp,
    Gesprekswijze, Leeftijdsgroep, NietInStaatReden, Rol, Transport, Variant,
};

/// An ISO date `YYYY-MM-DD` as the app enters it.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, VeldwerkError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        VeldwerkError::invalid(
            "date_invalid",
            format!("'{text}' is geen datum van de vorm JJJJ-MM-DD."),
        )
    })
}

/// A moment as the app enters it: RFC 3339 (`2026-12-07T07:40:00+01:00`).
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, VeldwerkError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            VeldwerkError::invalid(
                "time_invalid",
                format!("'{text}' is geen tijdstip van de vorm 2026-12-07T07:40:00+01:00."),
            )
        })
}

/// An interpreter at the door and the language the consent text was told in (seed 002 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tolk {
    pub naam: String,
    pub taal: String,
}

/// One concrete fact behind a concrete aanwijzing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Feit {
    pub omschrijving: String,
    pub bron: BronSoort,
}

/// Why the visit is made (seed 001, Protocol huisbezoeken §1–§2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Grondslag {
    ConcreteAanwijzing {
        feiten: Vec<Feit>,
        geraadpleegde_bronnen: Vec<String>,
        waarom_niet_minder_ingrijpend: String,
    },
    TwijfelZonderAanwijzing {
        twijfel: String,
        andere_wijze_onderzocht: String,
    },
    Dienstverlening {
        reden: String,
    },
}

impl From<Grondslag> for protocol::Grondslag {
    fn from(g: Grondslag) -> Self {
        match g {
            Grondslag::ConcreteAanwijzing {
                feiten,
                geraadpleegde_bronnen,
                waarom_niet_minder_ingrijpend,
            } => protocol::Grondslag::ConcreteAanwijzing {
                feiten: feiten
                    .into_iter()
                    .map(|f| protocol::Feit {
                        omschrijving: f.omschrijving,
                        bron: f.bron.into(),
                    })
                    .collect(),
                geraadpleegde_bronnen,
                waarom_niet_minder_ingrijpend,
            },
            Grondslag::TwijfelZonderAanwijzing {
                twijfel,
                andere_wijze_onderzocht,
            } => protocol::Grondslag::TwijfelZonderAanwijzing {
                twijfel,
                andere_wijze_onderzocht,
            },
            Grondslag::Dienstverlening { reden } => protocol::Grondslag::Dienstverlening { reden },
        }
    }
}

/// A handhaver who signs the rapport, and under which oath.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ondertekenaar {
    pub handhaver: String,
    pub verklaring: Ambtsverklaring,
}

/// One step of a visit. Field meanings are those of the core's `protocol::Event`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Stap {
    Aanleiding {
        actie: Actie,
        grondslag: Grondslag,
    },
    Aankondiging {
        wijze: Aankondigingswijze,
        toelichting: Option<String>,
    },
    /// `minderjarigen_aanwezig`: whether minors are present (`None`: not recorded).
    AanDeDeur {
        handhavers: Vec<String>,
        leider: String,
        minderjarigen_aanwezig: Option<bool>,
    },
    NiemandAanwezig {
        toelichting: Option<String>,
    },
    /// Why (`reden`), the language an interpreter would need (`tolk_taal`, required with
    /// `taal`), who (`tolk`), the follow-up (`vervolg`) and a new appointment (`YYYY-MM-DD`).
    NietInStaat {
        toelichting: String,
        reden: NietInStaatReden,
        tolk_taal: Option<String>,
        tolk: Option<String>,
        vervolg: String,
        nieuwe_afspraak: Option<String>,
    },
    LegitimatieEnDoel {
        legitimatie_getoond: bool,
        doel: String,
    },
    /// Record exactly the text and hash `consent_text` gave and the app showed, with the
    /// concrete aanleiding told at the door (seed 001 §3; required).
    ToestemmingGevraagd {
        variant: Variant,
        tekst: String,
        tekst_hash: String,
        aanleiding: String,
        /// The interpreter and the language the text was told in (seed 002 §3.1), if any.
        tolk: Option<Tolk>,
    },
    /// Who answered, in which role and age group; `onderwerp_van_twijfel`: the doubt is about
    /// this person (a partner then cannot consent for the dwelling).
    ToestemmingGegeven {
        door: String,
        rol: Rol,
        leeftijd: Leeftijdsgroep,
        onderwerp_van_twijfel: bool,
    },
    /// A refusal by someone who cannot answer for the dwelling names the own room(s) it closes
    /// in `uitgesloten_ruimtes`; the visit goes on.
    ToestemmingGeweigerd {
        door: String,
        rol: Rol,
        gewezen_op_gevolgen: bool,
        leeftijd: Leeftijdsgroep,
        onderwerp_van_twijfel: bool,
        uitgesloten_ruimtes: Vec<String>,
    },
    Binnentreden,
    ToestemmingIngetrokken {
        door: String,
        rol: Rol,
    },
    ExtraToestemming {
        onderwerp: ExtraOnderwerp,
        ruimte: Option<String>,
        door: String,
        rol: Rol,
        gegeven: bool,
    },
    /// `foto` is the reference `put_photo` returned.
    Waarneming {
        ruimte: String,
        tekst: String,
        foto: Option<String>,
        kast_geopend: bool,
        kamer_van: Option<String>,
    },
    Correctie {
        corrigeert: String,
        tekst: String,
    },
    Afsluiting {
        toelichting: Option<String>,
    },
    Rapport {
        tekst: String,
        opgemaakt_door: Vec<Ondertekenaar>,
    },
    /// `datum` as `YYYY-MM-DD`.
    UitnodigingBespreking {
        datum: Option<String>,
        toelichting: Option<String>,
    },
    /// Breaks the visit off with a reason (issue 14): recorded whatever the active code.
    /// The lead handhaver decides a consent conflict (consent on one device, refusal on another).
    ToestemmingsconflictBeslecht {
        door: String,
        uitkomst: ConflictUitkomst,
        toelichting: String,
    },
    BezoekAfgebroken {
        reden: String,
    },
    /// A waarneming ter plaatse begins: who goes, who leads, how they travel (by car:
    /// `medewerkers_per_auto`, required).
    WaarnemingTerPlaatseGestart {
        handhavers: Vec<String>,
        leider: String,
        vervoer: Transport,
        medewerkers_per_auto: Option<u32>,
    },
    /// Seen from the public road (`vanaf_openbare_weg` must be true); `waargenomen_om` as RFC
    /// 3339 when earlier than the recording.
    WaarnemingTerPlaatse {
        plek: String,
        tekst: String,
        vanaf_openbare_weg: bool,
        waargenomen_om: Option<String>,
    },
    /// A gesprek begins: with whom, in which role, how, by which handhavers.
    GesprekGestart {
        met: String,
        rol: Rol,
        wijze: Gesprekswijze,
        handhavers: Vec<String>,
        leider: String,
    },
    /// The client answers one question of the tour (`Veldwerk::tour` gives the keys).
    VraagBeantwoord {
        vragenlijst: String,
        versie: u32,
        sleutel: String,
        antwoord: Antwoord,
        door: String,
    },
    /// The client signs the tour's answers with a finger.
    VragenlijstOndertekend {
        door: String,
        handtekening: Handtekening,
    },
    /// Internet research (seed 002 §9).
    Internetonderzoek {
        door: String,
        bronnen: Vec<String>,
        waarom_evenredig: String,
        waarom_niet_minder_ingrijpend: String,
        bevindingen: String,
    },
}

impl Stap {
    /// The core's event for this step; fails only on a malformed date.
    pub fn into_event(self) -> Result<Event, VeldwerkError> {
        Ok(match self {
            Stap::Aanleiding { actie, grondslag } => Event::Aanleiding {
                actie: actie.into(),
                grondslag: grondslag.into(),
            },
            Stap::Aankondiging { wijze, toelichting } => Event::Aankondiging {
                wijze: wijze.into(),
                toelichting,
            },
            Stap::AanDeDeur {
                handhavers,
                leider,
                minderjarigen_aanwezig,
            } => Event::AanDeDeur {
                handhavers,
                leider,
                minderjarigen_aanwezig,
            },
            Stap::NiemandAanwezig { toelichting } => Event::NiemandAanwezig { toelichting },
            Stap::NietInStaat {
                toelichting,
                reden,
                tolk_taal,
                tolk,
                vervolg,
                nieuwe_afspraak,
            } => Event::NietInStaat {
                toelichting,
                reden: Some(reden.into()),
                tolk_taal,
                tolk,
                vervolg: Some(vervolg),
                nieuwe_afspraak: nieuwe_afspraak.as_deref().map(parse_date).transpose()?,
            },
            Stap::LegitimatieEnDoel {
                legitimatie_getoond,
                doel,
            } => Event::LegitimatieEnDoel {
                legitimatie_getoond,
                doel,
            },
            Stap::ToestemmingGevraagd {
                variant,
                tekst,
                tekst_hash,
                aanleiding,
                tolk,
            } => Event::ToestemmingGevraagd {
                variant: variant.into(),
                tekst,
                tekst_hash,
                aanleiding,
                tolk: tolk.map(|t| protocol::Tolk {
                    naam: t.naam,
                    taal: t.taal,
                }),
            },
            Stap::ToestemmingGegeven {
                door,
                rol,
                leeftijd,
                onderwerp_van_twijfel,
            } => Event::ToestemmingGegeven {
                door,
                rol: rol.into(),
                leeftijd: Some(leeftijd.into()),
                onderwerp_van_twijfel,
            },
            Stap::ToestemmingGeweigerd {
                door,
                rol,
                gewezen_op_gevolgen,
                leeftijd,
                onderwerp_van_twijfel,
                uitgesloten_ruimtes,
            } => Event::ToestemmingGeweigerd {
                door,
                rol: rol.into(),
                gewezen_op_gevolgen,
                leeftijd: Some(leeftijd.into()),
                onderwerp_van_twijfel,
                uitgesloten_ruimtes,
            },
            Stap::Binnentreden => Event::Binnentreden,
            Stap::ToestemmingIngetrokken { door, rol } => Event::ToestemmingIngetrokken {
                door,
                rol: rol.into(),
            },
            Stap::ExtraToestemming {
                onderwerp,
                ruimte,
                door,
                rol,
                gegeven,
            } => Event::ExtraToestemming {
                onderwerp: onderwerp.into(),
                ruimte,
                door,
                rol: rol.into(),
                gegeven,
            },
            Stap::Waarneming {
                ruimte,
                tekst,
                foto,
                kast_geopend,
                kamer_van,
            } => Event::Waarneming {
                ruimte,
                tekst,
                foto,
                kast_geopend,
                kamer_van,
            },
            Stap::Correctie { corrigeert, tekst } => Event::Correctie { corrigeert, tekst },
            Stap::Afsluiting { toelichting } => Event::Afsluiting { toelichting },
            Stap::Rapport {
                tekst,
                opgemaakt_door,
            } => Event::Rapport {
                tekst,
                opgemaakt_door: opgemaakt_door
                    .into_iter()
                    .map(|o| protocol::Ondertekenaar {
                        handhaver: o.handhaver,
                        verklaring: o.verklaring.into(),
                    })
                    .collect(),
            },
            Stap::UitnodigingBespreking { datum, toelichting } => Event::UitnodigingBespreking {
                datum: datum.as_deref().map(parse_date).transpose()?,
                toelichting,
            },
            Stap::BezoekAfgebroken { reden } => Event::BezoekAfgebroken { reden },
            Stap::ToestemmingsconflictBeslecht {
                door,
                uitkomst,
                toelichting,
            } => Event::ToestemmingsconflictBeslecht {
                door,
                uitkomst: uitkomst.into(),
                toelichting,
            },
            Stap::WaarnemingTerPlaatseGestart {
                handhavers,
                leider,
                vervoer,
                medewerkers_per_auto,
            } => Event::WaarnemingTerPlaatseGestart {
                handhavers,
                leider,
                vervoer: vervoer.into(),
                medewerkers_per_auto,
            },
            Stap::WaarnemingTerPlaatse {
                plek,
                tekst,
                vanaf_openbare_weg,
                waargenomen_om,
            } => Event::WaarnemingTerPlaatse {
                plek,
                tekst,
                vanaf_openbare_weg,
                waargenomen_om: waargenomen_om.as_deref().map(parse_time).transpose()?,
            },
            Stap::GesprekGestart {
                met,
                rol,
                wijze,
                handhavers,
                leider,
            } => Event::GesprekGestart {
                met,
                rol: rol.into(),
                wijze: wijze.into(),
                handhavers,
                leider,
            },
            Stap::VraagBeantwoord {
                vragenlijst,
                versie,
                sleutel,
                antwoord,
                door,
            } => Event::VraagBeantwoord {
                vragenlijst,
                versie,
                sleutel,
                antwoord: antwoord.into(),
                door,
            },
            Stap::VragenlijstOndertekend { door, handtekening } => Event::VragenlijstOndertekend {
                door,
                handtekening: handtekening.into(),
            },
            Stap::Internetonderzoek {
                door,
                bronnen,
                waarom_evenredig,
                waarom_niet_minder_ingrijpend,
                bevindingen,
            } => Event::Internetonderzoek {
                door,
                bronnen,
                waarom_evenredig,
                waarom_niet_minder_ingrijpend,
                bevindingen,
            },
        })
    }
}
