//! The routekaart as the console shows it: per action and code, forbidden (with reasons) or
//! allowed (with conditions), whether the organisation's overrides changed the cell, and what
//! changes when the code is switched.
//!
//! This is the one place the console reads routekaart rules. It builds the organisation's
//! routekaart from the overrides file in the signed policy bundle
//! (`core::routekaart::Routekaart::from_overrides`) and decides each cell with
//! `core::routekaart::evaluate` for a planned action with every parameter unstated, so checkable
//! limits show as conditions, exactly as a device would list them.

use veldwerk_rules::routekaart::{self as core_rk, evaluate, Actie, Code, Decision, PlannedAction};
use veldwerk_rules::Notice;

/// Every action, in the order of the routekaart (seed 004).
pub const ACTIES: [Actie; 7] = Actie::ALL;

/// Every code, least restrictive first (the table's columns).
pub const CODES: [Code; 3] = Code::ALL;

/// The Dutch label of an action as the routekaart names it.
pub fn actie_label(a: Actie) -> &'static str {
    a.label()
}

/// The stable action id (`spreekkamer`, ...), as devices and the API use it.
pub fn actie_id(a: Actie) -> &'static str {
    a.id()
}

/// The routekaart an organisation works with: the VNG table with its overrides applied.
#[derive(Debug, Clone)]
pub struct Routekaart {
    /// The organisation's overrides file (TOML) as it travels in the signed bundle.
    pub overrides_toml: String,
    pub routekaart: core_rk::Routekaart,
    /// Why the overrides could not be applied (the VNG table is shown instead).
    pub override_errors: Vec<Notice>,
}

impl Routekaart {
    /// The organisation's routekaart; an empty file is the VNG table unchanged. Overrides
    /// that do not load (they are checked before the server signs them, so this means a
    /// damaged store) leave the VNG table, with the errors.
    pub fn new(overrides_toml: &str) -> Self {
        if overrides_toml.trim().is_empty() {
            return Routekaart {
                overrides_toml: String::new(),
                routekaart: core_rk::Routekaart::vng_2020(),
                override_errors: Vec::new(),
            };
        }
        let (routekaart, override_errors) = match core_rk::Routekaart::from_overrides(
            overrides_toml,
        ) {
            Ok(r) => (r, Vec::new()),
            Err(e) => {
                tracing::error!(error = %e, "organisation overrides do not load; showing the VNG table");
                (
                    core_rk::Routekaart::vng_2020(),
                    e.errors().iter().map(|e| e.notice()).collect(),
                )
            }
        };
        Routekaart {
            overrides_toml: overrides_toml.to_owned(),
            routekaart,
            override_errors,
        }
    }

    /// Whether the organisation has overrides at all.
    pub fn has_overrides(&self) -> bool {
        !self.overrides_toml.trim().is_empty()
    }

    /// The version and organisation the routekaart carries (`vng-2020` or the overrides').
    pub fn version(&self) -> &str {
        self.routekaart.version()
    }

    /// Warnings that hold for the whole table (footnote *: partners may differ).
    pub fn general_warnings(&self) -> &[Notice] {
        self.routekaart.general_warnings()
    }
}

/// The decision for `planned` under `code`, by the organisation's routekaart.
pub fn decision(rk: &Routekaart, code: Code, planned: &PlannedAction) -> Decision {
    evaluate(&rk.routekaart, code, planned)
}

/// Whether the organisation's overrides changed this cell.
pub fn overridden(rk: &Routekaart, code: Code, actie: Actie) -> bool {
    rk.routekaart.cell(code, actie).overridden
}

/// One cell as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub allowed: bool,
    /// Reasons when forbidden, conditions when allowed.
    pub notices: Vec<Notice>,
    /// Warnings the cell carries (footnote ** on the huisbezoek-app, an override).
    pub warnings: Vec<Notice>,
    pub overridden: bool,
}

pub fn cell(rk: &Routekaart, code: Code, actie: Actie) -> Cell {
    let d = decision(rk, code, &PlannedAction::new(actie));
    Cell {
        allowed: d.is_allowed(),
        notices: if d.is_allowed() {
            d.conditions().to_vec()
        } else {
            d.reasons().to_vec()
        },
        warnings: d.warnings().to_vec(),
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

    fn forbidden(c: &[Change]) -> Vec<Actie> {
        c.iter()
            .filter_map(|c| match c {
                Change::BecomesForbidden { actie, .. } => Some(*actie),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn rood_forbids_face_to_face_and_physical_visits() {
        let rk = Routekaart::new("");
        assert!(rk.override_errors.is_empty());
        let c = changes(&rk, Code::Geel, Code::Rood);
        assert_eq!(
            forbidden(&c),
            vec![Actie::Huisbezoek, Actie::Spreekkamer, Actie::MobieleUnit]
        );
        let back = changes(&rk, Code::Rood, Code::Oranje);
        assert!(back.iter().any(|c| matches!(
            c,
            Change::BecomesAllowed {
                actie: Actie::Spreekkamer,
                ..
            }
        )));
        assert!(changes(&rk, Code::Oranje, Code::Oranje).is_empty());
        assert!(!overridden(&rk, Code::Rood, Actie::Spreekkamer));
    }

    #[test]
    fn overridden_cells_are_marked_and_change_the_switch() {
        let rk = Routekaart::new(
            "organisatie = \"Gemeente Test\"\nversie = \"2021-01\"\n\n[oranje.spreekkamer]\ntoegestaan = false\nreden = \"Onze spreekkamers zijn dicht.\"\nreden_code = \"spreekkamers_dicht\"\n",
        );
        assert!(rk.override_errors.is_empty(), "{:?}", rk.override_errors);
        let c = cell(&rk, Code::Oranje, Actie::Spreekkamer);
        assert!(c.overridden && !c.allowed);
        assert_eq!(c.notices[0].code, "spreekkamers_dicht");
        assert!(!cell(&rk, Code::Geel, Actie::Spreekkamer).overridden);
        assert_eq!(
            forbidden(&changes(&rk, Code::Geel, Code::Oranje)),
            vec![Actie::Huisbezoek, Actie::Spreekkamer]
        );
    }

    #[test]
    fn broken_overrides_fall_back_to_the_vng_table_with_the_errors() {
        let rk = Routekaart::new("[[[ geen toml");
        assert!(!rk.override_errors.is_empty());
        assert!(rk.has_overrides());
        assert!(!cell(&rk, Code::Rood, Actie::Spreekkamer).allowed);
    }
}
