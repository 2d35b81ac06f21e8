//! The role of each step of a visit towards the routekaart: one rule, so that a new kind of
//! step must be classified before it compiles.
//!
//! The routekaart (seed 004, "Klanten spreken conform RIVM richtlijnen") limits *contact* with
//! the client: who goes to the door, how many, at what distance. A step that starts or extends
//! that contact is checked against the active code and its conditions. A step that protects the
//! client or ends the contact never is: the client may always refuse or withdraw (seed 001 §2
//! "De belanghebbende mag medewerking aan het huisbezoek weigeren"), and a visit must be able to
//! end whatever the code says (issue 14 item 2). Desk steps (the aanleiding, the announcement,
//! the rapport, a correctie, the invitation) involve no contact at the door, so no door
//! condition applies to them.

use serde::{Deserialize, Serialize};

use super::Event;
use crate::routekaart::table::LARGE_CHECKS_CODE;
use crate::Notice;

/// What a step is towards the routekaart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StapRol {
    /// Written at the desk, before or after the visit: no contact, no door conditions.
    Bureau,
    /// Starts or extends contact with the client, or carries out what the routekaart's row
    /// limits (a waarneming ter plaatse, an administratief onderzoek): checked against the
    /// active code, with its conditions confirmed.
    Contact,
    /// Protects the client or ends the contact: never blocked, no conditions.
    Beschermend,
    /// The client's own input during a digital tour the routekaart allowed when it began
    /// (binnentreden), and the handhaver's hints steering it: not checked again, and no
    /// conditions to confirm (the client cannot).
    Klant,
}

impl StapRol {
    /// Whether the routekaart of the active code decides on this step.
    pub fn governed_by_routekaart(self) -> bool {
        self == StapRol::Contact
    }
}

impl Event {
    /// The role of this step (see the module's documentation). A separate consent that is
    /// refused or withdrawn (`gegeven: false`) protects; one that is given extends the contact.
    pub fn rol(&self) -> StapRol {
        match self {
            Event::Aanleiding { .. }
            | Event::Aankondiging { .. }
            | Event::Correctie { .. }
            | Event::Rapport { .. }
            | Event::UitnodigingBespreking { .. }
            | Event::ToestemmingsconflictBeslecht { .. } => StapRol::Bureau,
            Event::AanDeDeur { .. }
            | Event::LegitimatieEnDoel { .. }
            | Event::ToestemmingGevraagd { .. }
            | Event::ToestemmingGegeven { .. }
            | Event::Binnentreden
            | Event::Waarneming { .. }
            | Event::WaarnemingTerPlaatseGestart { .. }
            | Event::WaarnemingTerPlaatse { .. }
            | Event::GesprekGestart { .. }
            | Event::Internetonderzoek { .. } => StapRol::Contact,
            Event::ExtraToestemming { gegeven, .. } => {
                if *gegeven {
                    StapRol::Contact
                } else {
                    StapRol::Beschermend
                }
            }
            Event::NiemandAanwezig { .. }
            | Event::NietInStaat { .. }
            | Event::ToestemmingGeweigerd { .. }
            | Event::ToestemmingIngetrokken { .. }
            | Event::Afsluiting { .. }
            | Event::BezoekAfgebroken { .. } => StapRol::Beschermend,
            Event::VraagBeantwoord { .. } | Event::VragenlijstOndertekend { .. } => StapRol::Klant,
            // Steering the tour the routekaart allowed at binnentreden: no new contact.
            Event::AanwijzingGestuurd { .. } => StapRol::Klant,
        }
    }
}

/// The conditions of an allowed decision that apply to a contact step of this visit, each once
/// (an organisation's override may repeat a cell's condition). The cell's sentence on grote
/// controles ("Grote controles (bijvoorbeeld recreatieterreinen): gesprekken op een corona-proof
/// gemaakte centrale locatie", seed 004, code geel) is about a large check at a site, not about a
/// single home visit: only a visit marked as part of a grote controle is asked to confirm it.
pub fn voorwaarden(conditions: Vec<Notice>, grote_controle: bool) -> Vec<Notice> {
    let mut kept: Vec<Notice> = Vec::with_capacity(conditions.len());
    for condition in conditions {
        let applies = grote_controle || condition.code != LARGE_CHECKS_CODE;
        if applies && !kept.iter().any(|k| k.code == condition.code) {
            kept.push(condition);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ExtraOnderwerp, Rol};

    /// Seed 001 §2: the belanghebbende may always refuse; refusing, withdrawing and leaving are
    /// never held back by the routekaart (seed 004 limits contact only).
    #[test]
    fn protective_and_closing_steps_are_not_governed() {
        let door = || "A. Jansen".to_owned();
        for event in [
            Event::ToestemmingGeweigerd {
                door: door(),
                rol: Rol::Bewoner,
                gewezen_op_gevolgen: false,
                leeftijd: Some(super::super::Leeftijdsgroep::Volwassen),
                onderwerp_van_twijfel: false,
                uitgesloten_ruimtes: Vec::new(),
            },
            Event::ToestemmingIngetrokken {
                door: door(),
                rol: Rol::Bewoner,
            },
            Event::ExtraToestemming {
                onderwerp: ExtraOnderwerp::Fotos,
                ruimte: None,
                door: door(),
                rol: Rol::Bewoner,
                gegeven: false,
            },
            Event::Afsluiting { toelichting: None },
            Event::BezoekAfgebroken { reden: "x".into() },
            Event::NiemandAanwezig { toelichting: None },
        ] {
            assert_eq!(event.rol(), StapRol::Beschermend, "{event:?}");
            assert!(!event.rol().governed_by_routekaart());
        }
        for event in [
            Event::Rapport {
                tekst: "x".into(),
                opgemaakt_door: Vec::new(),
            },
            Event::Correctie {
                corrigeert: "e".into(),
                tekst: "x".into(),
            },
        ] {
            assert_eq!(event.rol(), StapRol::Bureau);
            assert!(!event.rol().governed_by_routekaart());
        }
    }

    /// Seed 004 (code geel, huisbezoek): the grote-controle sentence only for a visit that is
    /// part of one; a repeated condition once.
    #[test]
    fn the_grote_controle_condition_only_for_a_grote_controle() {
        let code = crate::routekaart::Code::Geel;
        let rk = crate::routekaart::Routekaart::vng_2020();
        let planned = crate::routekaart::PlannedAction::new(crate::routekaart::Actie::Huisbezoek);
        let conditions = match crate::routekaart::evaluate(&rk, code, &planned) {
            crate::routekaart::Decision::Allowed { conditions, .. } => conditions,
            other => panic!("{other:?}"),
        };
        assert!(conditions.iter().any(|c| c.code == LARGE_CHECKS_CODE));
        let mut twice = conditions.clone();
        twice.extend(conditions.clone());
        let gewoon = voorwaarden(twice.clone(), false);
        assert!(gewoon.iter().all(|c| c.code != LARGE_CHECKS_CODE));
        assert!(gewoon.iter().any(|c| c.code == "distance_1_5_m"));
        let groot = voorwaarden(twice, true);
        assert_eq!(groot, conditions);
    }

    /// Seed 004: the code limits who comes to the door and how the contact goes on.
    #[test]
    fn contact_steps_are_governed() {
        for event in [
            Event::AanDeDeur {
                handhavers: vec!["hh-1".into()],
                leider: "hh-1".into(),
                minderjarigen_aanwezig: None,
            },
            Event::Binnentreden,
            Event::ExtraToestemming {
                onderwerp: ExtraOnderwerp::KastenOpenen,
                ruimte: None,
                door: "A. Jansen".into(),
                rol: Rol::Bewoner,
                gegeven: true,
            },
        ] {
            assert!(event.rol().governed_by_routekaart(), "{event:?}");
        }
    }
}
