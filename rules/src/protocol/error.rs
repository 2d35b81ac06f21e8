//! Why the protocol refuses an event: typed errors with a stable code and a Dutch message.

use thiserror::Error;

use super::{Activiteit, EventSoort, Fase, Gesprekswijze};
use crate::routekaart::Actie;
use crate::vragenlijst::Weigering;
use crate::Notice;

/// A refused protocol step. `code()` is stable; the `Display` text is the Dutch message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    #[error("Het bezoek heeft nog geen aanleiding: leg eerst de grondslag vast.")]
    AanleidingOntbreekt,
    #[error("'{}' hoort niet bij {}.", .soort.woord(), .activiteit.woord())]
    StapHoortNietBijActiviteit {
        soort: EventSoort,
        activiteit: Activiteit,
    },
    #[error(
        "Een waarneming ter plaatse gebeurt vanaf de openbare weg; voor binnentreden is een \
         huisbezoek met toestemming nodig (protocol huisbezoeken §2)."
    )]
    NietVanafOpenbareWeg,
    #[error(
        "Een {} gesprek past niet bij '{}' (routekaart: op afstand telefonisch of per video, \
         in de spreekkamer of mobiele unit persoonlijk).", .wijze.woord(), .actie.label()
    )]
    GesprekswijzePastNiet { wijze: Gesprekswijze, actie: Actie },
    #[error(
        "Leg vast waarom het internetonderzoek in verhouding staat tot de ernst van de twijfel \
         (proportionaliteit, protocol internetonderzoek §9.1)."
    )]
    InternetonderzoekNietEvenredig,
    #[error(
        "Een feit uit internetbronnen vraagt eerst een vastgelegd internetonderzoek in deze zaak \
         (bronnen, proportionaliteit, subsidiariteit; protocol internetonderzoek §9)."
    )]
    InternetonderzoekNietVastgelegd,
    #[error(
        "De vragenlijst hoort bij het digitale huisbezoek: de klant laat de woning zien via de \
         app (routekaart, huisbezoek via de huisbezoek-app)."
    )]
    AlleenDigitaalHuisbezoek,
    #[error("De klant heeft de antwoorden al ondertekend; ze veranderen niet meer.")]
    VragenlijstAlOndertekend,
    #[error("Er is nog geen vraag beantwoord om te ondertekenen.")]
    VragenlijstNietBeantwoord,
    #[error("{0}")]
    Vragenlijst(Weigering),
    #[error("Een concrete aanwijzing zonder concrete feiten is geen concrete aanwijzing.")]
    ConcreteAanwijzingZonderFeiten,
    #[error(
        "Een anonieme melding alleen is geen concrete aanwijzing (CRvB 2-10-2007): \
         leg vast welke feiten uit andere bronnen de melding ondersteunen."
    )]
    AnoniemeTipGeenConcreteAanwijzing,
    #[error("Leg vast welke bronnen zijn geraadpleegd voordat tot een huisbezoek is besloten.")]
    BronnenNietGeraadpleegd,
    #[error(
        "Leg vast waarom de informatie niet op een andere, minder belastende wijze kan worden \
         verkregen (CRvB 11-04-2007, BA2410)."
    )]
    MinderIngrijpendNietGemotiveerd,
    #[error(
        "Zonder concrete aanwijzing moet eerst worden onderzocht of de informatie op andere \
         wijze kan worden verkregen (protocol huisbezoeken §2b): leg vast wat is onderzocht."
    )]
    AndereWijzeNietOnderzocht,
    #[error("Het veld '{0}' is leeg.")]
    VeldLeeg(String),
    #[error(
        "Een onaangekondigd huisbezoek mag alleen bij een concrete aanwijzing \
         (protocol huisbezoeken §1)."
    )]
    OnaangekondigdZonderConcreteAanwijzing,
    #[error("Leg eerst vast of het bezoek is aangekondigd.")]
    AankondigingOntbreekt,
    #[error(
        "Een {actie} vraagt minstens {minimum} handhaver(s) aan de deur; er zijn er {aantal}."
    )]
    TeWeinigHandhavers {
        actie: &'static str,
        minimum: usize,
        aantal: usize,
    },
    #[error("De leider '{0}' staat niet bij de aanwezige handhavers.")]
    LeiderNietAanwezig(String),
    #[error("Legitimeer u en deel het doel mee voordat u om toestemming vraagt (Awbi art. 1).")]
    LegitimatieOntbreekt,
    #[error("De legitimatie is niet getoond (Awbi art. 1).")]
    LegitimatieNietGetoond,
    #[error("Het doel van het bezoek is niet meegedeeld (Awbi art. 1).")]
    DoelNietMeegedeeld,
    #[error(
        "Bij deze grondslag hoort toestemmingstekst '{verwacht}', niet '{getoond}' \
         (protocol huisbezoeken §3)."
    )]
    VerkeerdeToestemmingstekst {
        verwacht: &'static str,
        getoond: &'static str,
    },
    #[error("De hash van de toestemmingstekst klopt niet met de getoonde tekst.")]
    TekstHashOnjuist,
    #[error(
        "Deze toestemmingstekst (variant {variant}) staat niet op de lijst van goedgekeurde \
         teksten van de organisatie; toon de tekst die het apparaat geeft (protocol \
         huisbezoeken §3)."
    )]
    ToestemmingstekstNietGoedgekeurd { variant: &'static str },
    #[error("Er is nog niet om toestemming gevraagd met een vastgelegde tekst.")]
    ToestemmingNietGevraagd,
    #[error(
        "Alleen de belanghebbende (bewoner of partner) kan toestemming geven om de woning te \
         betreden (protocol huisbezoeken §2)."
    )]
    ToestemmingNietDoorBelanghebbende,
    #[error(
        "Wijs bij een weigering op de plicht tot medewerking en de mogelijke gevolgen voor de \
         bijstand, en leg dat vast (protocol huisbezoeken §2a)."
    )]
    WeigeringGevolgenNietMeegedeeld,
    #[error("Er is geen toestemming vastgelegd om de woning te betreden.")]
    ToestemmingOntbreekt,
    #[error("De handhavers zijn (nog) niet binnen.")]
    NietBinnen,
    #[error(
        "Voor de kamer '{ruimte}' is toestemming nodig van de bewoner van die kamer ({bewoner})."
    )]
    ToestemmingKamerOntbreekt { ruimte: String, bewoner: String },
    #[error("Voor het openen van kasten of lades is aparte toestemming nodig.")]
    ToestemmingKastenOntbreekt,
    #[error("Voor het maken van foto's is aparte toestemming nodig.")]
    ToestemmingFotoOntbreekt,
    #[error("De fotoverwijzing moet een SHA-256 hash zijn (64 tekens, kleine letters hex).")]
    FotoReferentieOngeldig,
    #[error(
        "Toestemming voor de kamer van een andere bewoner kan alleen die bewoner geven, \
         niet de {0}."
    )]
    KamerToestemmingDoorAnder(&'static str),
    #[error("Het bezoek is beëindigd; alleen rapport, correcties en de uitnodiging kunnen nog.")]
    BezoekBeeindigd,
    #[error("Het bezoek is nog niet beëindigd; sluit het eerst af.")]
    BezoekNietBeeindigd,
    #[error("Het rapport is al vastgelegd; verbeter het met een correctie.")]
    RapportAlVastgelegd,
    #[error("Er is nog geen rapport om te bespreken.")]
    RapportOntbreekt,
    #[error(
        "Het rapport moet worden opgemaakt door de aanwezige handhavers, onder wie de leider."
    )]
    RapportZonderLeider,
    #[error("'{0}' was niet aanwezig bij het bezoek en kan het rapport niet opmaken.")]
    RapportDoorNietAanwezige(String),
    #[error("'{}' kan niet worden vastgelegd in fase '{}'.", .soort.woord(), .fase.woord())]
    OngeldigeStap { soort: EventSoort, fase: Fase },
    #[error(
        "Bij toestemmingstekst '{0}' heeft een weigering geen directe gevolgen; er kan dus niet \
         op gevolgen zijn gewezen (protocol huisbezoeken §2b, §3b)."
    )]
    WeigeringZonderGevolgen(&'static str),
    #[error(
        "Een minderjarige kan geen toestemming geven of weigeren voor de woning (protocol \
         huisbezoeken §2); vraag naar de belanghebbende of breek het bezoek af."
    )]
    AntwoordDoorMinderjarige,
    #[error(
        "De partner over wie de twijfel gaat kan geen toestemming geven voor de woning \
         (protocol huisbezoeken §2); vraag de belanghebbende zelf."
    )]
    PartnerOnderwerpVanTwijfel,
    #[error(
        "Een weigering van iemand die niet voor de woning kan antwoorden geldt alleen voor diens \
         eigen kamer: leg vast welke ruimte(s) daardoor zijn uitgesloten (protocol huisbezoeken §2)."
    )]
    UitgeslotenRuimteOntbreekt,
    #[error(
        "De ruimte '{ruimte}' is uitgesloten: {door} heeft geweigerd (protocol huisbezoeken §2)."
    )]
    RuimteUitgesloten { ruimte: String, door: String },
    #[error(
        "Op het ene apparaat is toestemming gegeven en op het andere geweigerd: het bezoek neemt \
         niets meer aan tot de leider van het bezoek het conflict beslecht."
    )]
    ToestemmingConflict,
    #[error("Er is geen toestemmingsconflict om te beslechten.")]
    GeenToestemmingConflict,
    #[error("Alleen de leider van het bezoek ({0}) kan het toestemmingsconflict beslechten.")]
    ConflictNietDoorLeider(String),
}

impl ProtocolError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::AanleidingOntbreekt => "aanleiding_ontbreekt",
            ProtocolError::StapHoortNietBijActiviteit { .. } => "stap_hoort_niet_bij_activiteit",
            ProtocolError::NietVanafOpenbareWeg => "waarneming_niet_vanaf_openbare_weg",
            ProtocolError::GesprekswijzePastNiet { .. } => "gesprekswijze_past_niet",
            ProtocolError::InternetonderzoekNietEvenredig => "internetonderzoek_niet_evenredig",
            ProtocolError::InternetonderzoekNietVastgelegd => "internetonderzoek_niet_vastgelegd",
            ProtocolError::AlleenDigitaalHuisbezoek => "alleen_digitaal_huisbezoek",
            ProtocolError::VragenlijstAlOndertekend => "vragenlijst_al_ondertekend",
            ProtocolError::VragenlijstNietBeantwoord => "vragenlijst_niet_beantwoord",
            ProtocolError::Vragenlijst(w) => w.code,
            ProtocolError::ConcreteAanwijzingZonderFeiten => "concrete_aanwijzing_zonder_feiten",
            ProtocolError::AnoniemeTipGeenConcreteAanwijzing => {
                "anonieme_tip_geen_concrete_aanwijzing"
            }
            ProtocolError::BronnenNietGeraadpleegd => "bronnen_niet_geraadpleegd",
            ProtocolError::MinderIngrijpendNietGemotiveerd => {
                "minder_ingrijpend_middel_niet_gemotiveerd"
            }
            ProtocolError::AndereWijzeNietOnderzocht => "andere_wijze_niet_onderzocht",
            ProtocolError::VeldLeeg(_) => "veld_leeg",
            ProtocolError::OnaangekondigdZonderConcreteAanwijzing => {
                "onaangekondigd_zonder_concrete_aanwijzing"
            }
            ProtocolError::AankondigingOntbreekt => "aankondiging_ontbreekt",
            ProtocolError::TeWeinigHandhavers { .. } => "te_weinig_handhavers",
            ProtocolError::LeiderNietAanwezig(_) => "leider_niet_aanwezig",
            ProtocolError::LegitimatieOntbreekt => "legitimatie_ontbreekt",
            ProtocolError::LegitimatieNietGetoond => "legitimatie_niet_getoond",
            ProtocolError::DoelNietMeegedeeld => "doel_niet_meegedeeld",
            ProtocolError::VerkeerdeToestemmingstekst { .. } => "verkeerde_toestemmingstekst",
            ProtocolError::TekstHashOnjuist => "tekst_hash_onjuist",
            ProtocolError::ToestemmingstekstNietGoedgekeurd { .. } => {
                "toestemmingstekst_niet_goedgekeurd"
            }
            ProtocolError::ToestemmingNietGevraagd => "toestemming_niet_gevraagd",
            ProtocolError::ToestemmingNietDoorBelanghebbende => {
                "toestemming_niet_door_belanghebbende"
            }
            ProtocolError::WeigeringGevolgenNietMeegedeeld => "weigering_gevolgen_niet_meegedeeld",
            ProtocolError::ToestemmingOntbreekt => "toestemming_ontbreekt",
            ProtocolError::NietBinnen => "niet_binnen",
            ProtocolError::ToestemmingKamerOntbreekt { .. } => "toestemming_kamer_ontbreekt",
            ProtocolError::ToestemmingKastenOntbreekt => "toestemming_kasten_ontbreekt",
            ProtocolError::ToestemmingFotoOntbreekt => "toestemming_foto_ontbreekt",
            ProtocolError::FotoReferentieOngeldig => "foto_referentie_ongeldig",
            ProtocolError::KamerToestemmingDoorAnder(_) => {
                "kamer_toestemming_niet_door_bewoner_kamer"
            }
            ProtocolError::BezoekBeeindigd => "bezoek_beeindigd",
            ProtocolError::BezoekNietBeeindigd => "bezoek_niet_beeindigd",
            ProtocolError::RapportAlVastgelegd => "rapport_al_vastgelegd",
            ProtocolError::RapportOntbreekt => "rapport_ontbreekt",
            ProtocolError::RapportZonderLeider => "rapport_zonder_leider",
            ProtocolError::RapportDoorNietAanwezige(_) => "rapport_door_niet_aanwezige",
            ProtocolError::OngeldigeStap { .. } => "ongeldige_stap",
            ProtocolError::WeigeringZonderGevolgen(_) => "weigering_zonder_gevolgen",
            ProtocolError::AntwoordDoorMinderjarige => "antwoord_door_minderjarige",
            ProtocolError::PartnerOnderwerpVanTwijfel => "partner_onderwerp_van_twijfel",
            ProtocolError::UitgeslotenRuimteOntbreekt => "uitgesloten_ruimte_ontbreekt",
            ProtocolError::RuimteUitgesloten { .. } => "ruimte_uitgesloten",
            ProtocolError::ToestemmingConflict => "toestemming_conflict",
            ProtocolError::GeenToestemmingConflict => "toestemming_conflict_ontbreekt",
            ProtocolError::ConflictNietDoorLeider(_) => "conflict_niet_door_leider",
        }
    }

    /// The code and Dutch message as a [`Notice`].
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}
