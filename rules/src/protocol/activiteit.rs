//! The field actions of the routekaart (seed 004) as recordable activities of a zaak, each with
//! its own small protocol beside the huisbezoek's.
//!
//! Every activity starts with its documented aanleiding (seed 001 §1; for research the general
//! investigative power of CRvB 2016:792 still asks for a recorded reason) and ends with an
//! afsluiting and a rapport signed by the handhavers who took part:
//! - **huisbezoek** (in person or through the app): the door, legitimatie, consent, waarnemingen
//!   inside ([`super::Bezoek`]'s main path);
//! - **waarneming ter plaatse**: who goes and how they travel (seed 004: "Indien per auto: 1
//!   medewerker per auto"), then waarnemingen from the public road — never an entry;
//! - **gesprek** (op afstand, in de spreekkamer, in de mobiele unit): with whom and how; the
//!   rapport is the verslag;
//! - **administratief onderzoek**: internetonderzoek (seed 002 §9) with the sources consulted, why
//!   it is proportionate and no less intrusive means suffices, and what was found; a grondslag may
//!   cite the internet as a source only once such research is recorded in the zaak.

use serde::{Deserialize, Serialize};

use super::EventSoort;
use crate::routekaart::{Actie, Transport};

/// The protocol family of a routekaart action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activiteit {
    Huisbezoek,
    WaarnemingTerPlaatse,
    Gesprek,
    Onderzoek,
}

impl Activiteit {
    pub fn van(actie: Actie) -> Activiteit {
        match actie {
            Actie::Huisbezoek | Actie::HuisbezoekApp => Activiteit::Huisbezoek,
            Actie::Waarneming => Activiteit::WaarnemingTerPlaatse,
            Actie::GesprekOpAfstand | Actie::Spreekkamer | Actie::MobieleUnit => {
                Activiteit::Gesprek
            }
            Actie::AdministratiefOnderzoek => Activiteit::Onderzoek,
        }
    }

    /// The activity in words, for messages: "een waarneming ter plaatse".
    pub fn woord(self) -> &'static str {
        match self {
            Activiteit::Huisbezoek => "een huisbezoek",
            Activiteit::WaarnemingTerPlaatse => "een waarneming ter plaatse",
            Activiteit::Gesprek => "een gesprek",
            Activiteit::Onderzoek => "een administratief onderzoek",
        }
    }

    /// The step that starts the activity after its aanleiding.
    pub fn eerste_stap(self) -> EventSoort {
        match self {
            Activiteit::Huisbezoek => EventSoort::Aankondiging,
            Activiteit::WaarnemingTerPlaatse => EventSoort::WaarnemingTerPlaatseGestart,
            Activiteit::Gesprek => EventSoort::GesprekGestart,
            Activiteit::Onderzoek => EventSoort::Internetonderzoek,
        }
    }

    /// Whether a step of kind `soort` belongs to this activity's protocol. The steps every
    /// activity shares (aanleiding, afsluiting, rapport, correctie, uitnodiging, afbreken) belong
    /// to all.
    pub fn kent(self, soort: EventSoort) -> bool {
        use EventSoort as S;
        match soort {
            S::Aanleiding
            | S::Afsluiting
            | S::Rapport
            | S::Correctie
            | S::UitnodigingBespreking
            | S::BezoekAfgebroken => true,
            S::Aankondiging
            | S::AanDeDeur
            | S::NiemandAanwezig
            | S::NietInStaat
            | S::LegitimatieEnDoel
            | S::ToestemmingGevraagd
            | S::ToestemmingGegeven
            | S::ToestemmingGeweigerd
            | S::Binnentreden
            | S::ToestemmingIngetrokken
            | S::ExtraToestemming
            | S::Waarneming
            | S::ToestemmingsconflictBeslecht
            | S::VraagBeantwoord
            | S::VragenlijstOndertekend
            | S::AanwijzingGestuurd => self == Activiteit::Huisbezoek,
            S::WaarnemingTerPlaatseGestart | S::WaarnemingTerPlaatse => {
                self == Activiteit::WaarnemingTerPlaatse
            }
            S::GesprekGestart => self == Activiteit::Gesprek,
            S::Internetonderzoek => self == Activiteit::Onderzoek,
        }
    }
}

/// How a conversation without a visit is held (seed 004: "Telefonisch gesprek of horen /
/// videogesprek of -verhoor"; spreekkamer and mobiele unit are face to face).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gesprekswijze {
    Telefoon,
    Video,
    Persoonlijk,
}

impl Gesprekswijze {
    /// The only ways the routekaart's row for `actie` allows: on the phone or by video for a
    /// gesprek op afstand, in person in the spreekkamer or the mobiele unit.
    pub fn past_bij(self, actie: Actie) -> bool {
        match actie {
            Actie::GesprekOpAfstand => {
                matches!(self, Gesprekswijze::Telefoon | Gesprekswijze::Video)
            }
            Actie::Spreekkamer | Actie::MobieleUnit => self == Gesprekswijze::Persoonlijk,
            _ => false,
        }
    }

    pub fn woord(self) -> &'static str {
        match self {
            Gesprekswijze::Telefoon => "telefonisch",
            Gesprekswijze::Video => "per video",
            Gesprekswijze::Persoonlijk => "persoonlijk",
        }
    }
}

/// How the officers of a waarneming ter plaatse travel, in words.
pub fn vervoer_woord(t: Transport) -> &'static str {
    match t {
        Transport::Auto => "per auto",
        Transport::Lopen => "te voet",
        Transport::Fiets => "per fiets",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 004: every row of the routekaart is an activity that can be recorded.
    #[test]
    fn every_routekaart_action_is_an_activity() {
        for actie in Actie::ALL {
            let a = Activiteit::van(actie);
            assert!(a.kent(a.eerste_stap()), "{actie:?}");
            assert!(a.kent(EventSoort::Aanleiding) && a.kent(EventSoort::Rapport));
        }
        assert!(!Activiteit::WaarnemingTerPlaatse.kent(EventSoort::Binnentreden));
        assert!(!Activiteit::Huisbezoek.kent(EventSoort::Internetonderzoek));
    }

    /// Seed 004: a gesprek op afstand is by phone or video; spreekkamer and mobiele unit are
    /// face to face.
    #[test]
    fn the_way_of_a_gesprek_follows_its_row() {
        assert!(Gesprekswijze::Video.past_bij(Actie::GesprekOpAfstand));
        assert!(!Gesprekswijze::Persoonlijk.past_bij(Actie::GesprekOpAfstand));
        assert!(Gesprekswijze::Persoonlijk.past_bij(Actie::Spreekkamer));
        assert!(!Gesprekswijze::Telefoon.past_bij(Actie::MobieleUnit));
    }
}
