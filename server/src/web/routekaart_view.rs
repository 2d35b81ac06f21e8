//! The routekaart as the console shows it: per action and code, forbidden (with reasons) or
//! allowed (with conditions), whether the organisation overrides the cell, and what changes
//! when the code is switched.
//!
//! This is the one place the console reads routekaart rules. Until `core::routekaart` carries
//! the table, the overrides file and `evaluate`, [`decision`] holds the VNG table of November
//! 2020 (seed 004, "Routekaart alternatief handhaven") as interim data and overrides are shown
//! as text only. At merge, [`decision`] becomes `core::routekaart::evaluate` on the
//! organisation's routekaart for a [`PlannedAction`] with every parameter unstated, and
//! [`overridden`] asks that routekaart whether the cell comes from the overrides.

use veldwerk_core::routekaart::{Actie, Code, Decision, PlannedAction};
use veldwerk_core::Notice;

/// Every action, in the order of the routekaart (seed 004).
pub const ACTIES: [Actie; 7] = [
    Actie::Huisbezoek,
    Actie::HuisbezoekApp,
    Actie::Waarneming,
    Actie::GesprekOpAfstand,
    Actie::Spreekkamer,
    Actie::MobieleUnit,
    Actie::AdministratiefOnderzoek,
];

pub const CODES: [Code; 3] = [Code::Geel, Code::Oranje, Code::Rood];

/// The Dutch label of an action as the routekaart names it.
pub fn actie_label(a: Actie) -> &'static str {
    match a {
        Actie::Huisbezoek => "Huisbezoek",
        Actie::HuisbezoekApp => "Huisbezoek via de app",
        Actie::Waarneming => "Waarneming ter plaatse",
        Actie::GesprekOpAfstand => "Telefonisch gesprek of horen / videogesprek of -verhoor",
        Actie::Spreekkamer => "Spreekkamergesprek",
        Actie::MobieleUnit => "Inzet mobiele unit / mobiele spreekkamer",
        Actie::AdministratiefOnderzoek => "Administratief onderzoek",
    }
}

/// The stable action id (`spreekkamer`, ...), as devices and the API use it.
pub fn actie_id(a: Actie) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The routekaart an organisation works with: the VNG table and its overrides.
#[derive(Debug, Clone)]
pub struct Routekaart {
    /// The organisation's overrides file (TOML) as it travels in the signed bundle.
    pub overrides_toml: String,
}

impl Routekaart {
    pub fn new(overrides_toml: &str) -> Self {
        Routekaart {
            overrides_toml: overrides_toml.to_owned(),
        }
    }

    /// Whether the organisation has overrides at all.
    pub fn has_overrides(&self) -> bool {
        !self.overrides_toml.trim().is_empty()
    }
}

fn n(code: &str, message: &str) -> Notice {
    Notice::new(code, message)
}

fn allowed(conditions: Vec<Notice>) -> Decision {
    Decision::Allowed {
        conditions,
        warnings: Vec::new(),
    }
}

fn forbidden(reasons: Vec<Notice>) -> Decision {
    Decision::Forbidden {
        reasons,
        warnings: Vec::new(),
    }
}

/// The decision for `planned` under `code`. Interim: the VNG table of seed 004 with every
/// parameter unstated, so checkable rules come back as conditions. Replace by
/// `core::routekaart::evaluate(&routekaart, code, planned)` at merge.
pub fn decision(_rk: &Routekaart, code: Code, planned: &PlannedAction) -> Decision {
    let afstand = || n("afstand_1_5m", "1,5 m afstand houden.");
    let mondkapje_auto = || {
        n(
            "auto_afstand_mondkapje",
            "Indien per auto: medewerkers voldoende afstand en mondkapje op.",
        )
    };
    let een_per_auto = || {
        n(
            "een_medewerker_per_auto",
            "Indien per auto: 1 medewerker per auto.",
        )
    };
    let lopen = || {
        n(
            "lopen_fietsen_afstand",
            "Lopen/fietsen: medewerkers te allen tijde 1,5 m onderlinge afstand.",
        )
    };
    let hardware = || {
        n(
            "hardware_geschikt",
            "Medewerker en klant beschikken over geschikte hardware.",
        )
    };
    let software = || n("software_beveiligd", "De software is beveiligd.");
    let spreekkamer = || {
        vec![
            n("een_klant_per_medewerker", "1 klant (meer mag) per keer bij 1 medewerker."),
            n(
                "coronaproof_of_mondkapje",
                "Coronaproof spreekkamer; zo niet, dan mondkapje verplicht voor klant en medewerker.",
            ),
        ]
    };
    let geen_face_to_face = || {
        forbidden(vec![n(
            "face_to_face_niet_mogelijk",
            "Face-to-face gesprekken zijn niet mogelijk bij code rood.",
        )])
    };
    match (planned.actie, code) {
        (Actie::Huisbezoek, Code::Geel) => allowed(vec![
            n("max_twee_handhavers", "Maximaal twee handhavers aan de deur."),
            afstand(),
        ]),
        (Actie::Huisbezoek, _) => forbidden(vec![n(
            "alleen_huisbezoek_app",
            "Een huisbezoek is alleen mogelijk met de huisbezoek-app.",
        )]),
        (Actie::HuisbezoekApp, Code::Geel) => allowed(vec![
            n("app_twee_handhavers", "App aangeboden door 2 handhavers."),
            afstand(),
        ]),
        (Actie::HuisbezoekApp, _) => allowed(vec![
            n("app_een_handhaver", "App aangeboden door 1 handhaver."),
            afstand(),
        ]),
        (Actie::Waarneming, Code::Geel) => allowed(vec![mondkapje_auto(), lopen()]),
        (Actie::Waarneming, _) => allowed(vec![een_per_auto(), lopen()]),
        (Actie::GesprekOpAfstand, _) => allowed(vec![hardware(), software()]),
        (Actie::Spreekkamer, Code::Rood) => geen_face_to_face(),
        (Actie::Spreekkamer, _) => {
            let mut c = spreekkamer();
            c.push(n(
                "mondkapje_in_gebouw",
                "Bij verplaatsen in het gebouw is een mondkapje verplicht.",
            ));
            allowed(c)
        }
        (Actie::MobieleUnit, Code::Rood) => geen_face_to_face(),
        (Actie::MobieleUnit, _) => allowed(spreekkamer()),
        (Actie::AdministratiefOnderzoek, _) => allowed(vec![n(
            "zie_tabel_administratief_onderzoek",
            "Al het administratief onderzoek ten behoeve van casussen is mogelijk (zie tabel administratief onderzoek).",
        )]),
    }
}

/// Whether the organisation's overrides change this cell. Interim: unknown until the
/// overrides format lands in core, so no cell is marked and the page shows the file itself.
pub fn overridden(_rk: &Routekaart, _code: Code, _actie: Actie) -> bool {
    false
}

/// One cell as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub allowed: bool,
    /// Reasons when forbidden, conditions when allowed.
    pub notices: Vec<Notice>,
    pub overridden: bool,
}

fn planned(actie: Actie) -> PlannedAction {
    PlannedAction {
        actie,
        handhavers: None,
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    }
}

pub fn cell(rk: &Routekaart, code: Code, actie: Actie) -> Cell {
    let (allowed, notices) = match decision(rk, code, &planned(actie)) {
        Decision::Forbidden { reasons, .. } => (false, reasons),
        Decision::Allowed { conditions, .. } => (true, conditions),
    };
    Cell {
        allowed,
        notices,
        overridden: overridden(rk, code, actie),
    }
}

/// What happens to one action when the code goes from one to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    BecomesForbidden {
        actie: Actie,
        reasons: Vec<Notice>,
    },
    BecomesAllowed {
        actie: Actie,
        conditions: Vec<Notice>,
    },
    ConditionsChange {
        actie: Actie,
        conditions: Vec<Notice>,
    },
}

/// Every action whose decision differs between `from` and `to`, in routekaart order.
pub fn changes(rk: &Routekaart, from: Code, to: Code) -> Vec<Change> {
    ACTIES
        .iter()
        .filter_map(|&actie| {
            let (a, b) = (cell(rk, from, actie), cell(rk, to, actie));
            match (a.allowed, b.allowed) {
                (true, false) => Some(Change::BecomesForbidden {
                    actie,
                    reasons: b.notices,
                }),
                (false, true) => Some(Change::BecomesAllowed {
                    actie,
                    conditions: b.notices,
                }),
                (true, true) if a.notices != b.notices => Some(Change::ConditionsChange {
                    actie,
                    conditions: b.notices,
                }),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rood_forbids_face_to_face_and_physical_visits() {
        let rk = Routekaart::new("");
        let c = changes(&rk, Code::Geel, Code::Rood);
        let forbidden: Vec<Actie> = c
            .iter()
            .filter_map(|c| match c {
                Change::BecomesForbidden { actie, .. } => Some(*actie),
                _ => None,
            })
            .collect();
        assert_eq!(
            forbidden,
            vec![Actie::Huisbezoek, Actie::Spreekkamer, Actie::MobieleUnit]
        );
        assert!(c.contains(&Change::ConditionsChange {
            actie: Actie::HuisbezoekApp,
            conditions: cell(&rk, Code::Rood, Actie::HuisbezoekApp).notices,
        }));
        let back = changes(&rk, Code::Rood, Code::Oranje);
        assert!(back.iter().any(|c| matches!(
            c,
            Change::BecomesAllowed {
                actie: Actie::Spreekkamer,
                ..
            }
        )));
        assert!(changes(&rk, Code::Oranje, Code::Oranje).is_empty());
        assert_eq!(actie_id(Actie::GesprekOpAfstand), "gesprek_op_afstand");
    }
}
