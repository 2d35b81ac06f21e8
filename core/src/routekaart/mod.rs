//! The VNG "Routekaart alternatief handhaven" (November 2020, seed 004) as data.
//!
//! Skeleton: the public vocabulary (codes, actions, planned action, decision). The table, the
//! organisation overrides and `evaluate` are filled in by the routekaart work.

use serde::{Deserialize, Serialize};

use crate::Notice;

/// The active corona code of the routekaart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// Waakzaam.
    Geel,
    /// Zorgelijk / ernstig.
    Oranje,
    /// Zeer ernstig / lockdown.
    Rood,
}

/// The stable action ids of DESIGN.md, used by the CLI, the bindings and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actie {
    Huisbezoek,
    HuisbezoekApp,
    Waarneming,
    GesprekOpAfstand,
    Spreekkamer,
    MobieleUnit,
    AdministratiefOnderzoek,
}

/// How officers travel to a waarneming ter plaatse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Auto,
    Lopen,
    Fiets,
}

/// What a handhaver plans to do, with the parameters that can be checked.
/// `None` means "not stated": the rule then comes back as a condition to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub actie: Actie,
    pub handhavers: Option<u32>,
    pub transport: Option<Transport>,
    pub medewerkers_per_auto: Option<u32>,
    pub coronaproof: Option<bool>,
    pub hardware_ok: Option<bool>,
    pub software_beveiligd: Option<bool>,
}

/// The outcome of `evaluate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Forbidden {
        reasons: Vec<Notice>,
        warnings: Vec<Notice>,
    },
    Allowed {
        conditions: Vec<Notice>,
        warnings: Vec<Notice>,
    },
}
