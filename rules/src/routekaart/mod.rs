//! The VNG "Routekaart alternatief handhaven" (November 2020, seed 004) as data.
//!
//! - the vocabulary: [`Code`], [`Actie`], [`Transport`], [`Parameter`], [`PlannedAction`],
//!   [`Decision`], with stable snake_case ids ([`FromStr`] / [`Display`]);
//! - [`Routekaart`]: every cell (code × actie) as data, forbidden with a reason or allowed with
//!   limits and conditions; [`Routekaart::vng_2020`] is the built-in default ([`table`]);
//! - [`admin_onderzoek`]: the 24 topics × data holders table of seed 004;
//! - [`overrides`]: an organisation's TOML file that changes cells (footnote * of the table);
//! - [`evaluate()`]: the pure rule check of one planned action under one code.

pub mod admin_onderzoek;
mod cell;
mod evaluate;
pub mod overrides;
pub mod table;

use std::fmt::{self, Display};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Notice;

pub use cell::{Allowed, Cell, CellRule, Condition, Routekaart, RoutekaartDataError};
pub use evaluate::evaluate;
pub use overrides::{OverrideError, OverrideErrorKind, OverrideErrors};

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

impl Code {
    /// All codes, from least to most restrictive (the column order of the table).
    pub const ALL: [Code; 3] = [Code::Geel, Code::Oranje, Code::Rood];

    /// The stable id (`geel`, `oranje`, `rood`).
    pub fn id(self) -> &'static str {
        match self {
            Code::Geel => "geel",
            Code::Oranje => "oranje",
            Code::Rood => "rood",
        }
    }

    /// The column heading of the table, in Dutch.
    pub fn label(self) -> &'static str {
        match self {
            Code::Geel => "Waakzaam (code geel)",
            Code::Oranje => "Zorgelijk/ernstig (code oranje)",
            Code::Rood => "Zeer ernstig/lockdown (code rood)",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
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

impl Actie {
    /// All actions, in the row order of the table.
    pub const ALL: [Actie; 7] = [
        Actie::Huisbezoek,
        Actie::HuisbezoekApp,
        Actie::Waarneming,
        Actie::GesprekOpAfstand,
        Actie::Spreekkamer,
        Actie::MobieleUnit,
        Actie::AdministratiefOnderzoek,
    ];

    /// The stable id (`huisbezoek`, `huisbezoek_app`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Actie::Huisbezoek => "huisbezoek",
            Actie::HuisbezoekApp => "huisbezoek_app",
            Actie::Waarneming => "waarneming",
            Actie::GesprekOpAfstand => "gesprek_op_afstand",
            Actie::Spreekkamer => "spreekkamer",
            Actie::MobieleUnit => "mobiele_unit",
            Actie::AdministratiefOnderzoek => "administratief_onderzoek",
        }
    }

    /// The row heading, in Dutch as the table words it.
    pub fn label(self) -> &'static str {
        match self {
            Actie::Huisbezoek => "Huisbezoek",
            Actie::HuisbezoekApp => "Huisbezoek via de huisbezoek-app",
            Actie::Waarneming => "Waarneming ter plaatse",
            Actie::GesprekOpAfstand => "Telefonisch gesprek of horen / videogesprek of -verhoor",
            Actie::Spreekkamer => "Spreekkamergesprek",
            Actie::MobieleUnit => "Inzet mobiele unit / mobiele spreekkamer",
            Actie::AdministratiefOnderzoek => "Administratief onderzoek",
        }
    }

    /// The planned-action parameters that mean something for this action; the others are
    /// ignored by [`evaluate()`] (with a warning) and refused in overrides.
    pub fn parameters(self) -> &'static [Parameter] {
        match self {
            Actie::Huisbezoek | Actie::HuisbezoekApp => &[Parameter::Handhavers],
            Actie::Waarneming => &[Parameter::Transport, Parameter::MedewerkersPerAuto],
            Actie::GesprekOpAfstand => &[Parameter::HardwareOk, Parameter::SoftwareBeveiligd],
            Actie::Spreekkamer | Actie::MobieleUnit => &[Parameter::Coronaproof],
            Actie::AdministratiefOnderzoek => &[],
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// How officers travel to a waarneming ter plaatse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Auto,
    Lopen,
    Fiets,
}

impl Transport {
    pub const ALL: [Transport; 3] = [Transport::Auto, Transport::Lopen, Transport::Fiets];

    /// The stable id (`auto`, `lopen`, `fiets`).
    pub fn id(self) -> &'static str {
        match self {
            Transport::Auto => "auto",
            Transport::Lopen => "lopen",
            Transport::Fiets => "fiets",
        }
    }

    /// In Dutch, as in "per auto", "lopend", "op de fiets".
    pub fn label(self) -> &'static str {
        match self {
            Transport::Auto => "per auto",
            Transport::Lopen => "lopend",
            Transport::Fiets => "op de fiets",
        }
    }
}

/// A checkable parameter of a [`PlannedAction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    Handhavers,
    Transport,
    MedewerkersPerAuto,
    Coronaproof,
    HardwareOk,
    SoftwareBeveiligd,
}

impl Parameter {
    pub const ALL: [Parameter; 6] = [
        Parameter::Handhavers,
        Parameter::Transport,
        Parameter::MedewerkersPerAuto,
        Parameter::Coronaproof,
        Parameter::HardwareOk,
        Parameter::SoftwareBeveiligd,
    ];

    /// The stable id, equal to the field name of [`PlannedAction`].
    pub fn id(self) -> &'static str {
        match self {
            Parameter::Handhavers => "handhavers",
            Parameter::Transport => "transport",
            Parameter::MedewerkersPerAuto => "medewerkers_per_auto",
            Parameter::Coronaproof => "coronaproof",
            Parameter::HardwareOk => "hardware_ok",
            Parameter::SoftwareBeveiligd => "software_beveiligd",
        }
    }

    /// In Dutch.
    pub fn label(self) -> &'static str {
        match self {
            Parameter::Handhavers => "aantal handhavers aan de deur",
            Parameter::Transport => "vervoer",
            Parameter::MedewerkersPerAuto => "medewerkers per auto",
            Parameter::Coronaproof => "coronaproof ruimte",
            Parameter::HardwareOk => "geschikte hardware",
            Parameter::SoftwareBeveiligd => "beveiligde software",
        }
    }
}

/// An id that is not one of the stable ids of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("onbekende {} '{value}' (geldig: {}) / unknown {} '{value}'", kind.label_nl(), kind.valid().join(", "), kind.label_en())]
pub struct ParseIdError {
    pub kind: IdKind,
    pub value: String,
}

/// Which vocabulary an id was parsed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Code,
    Actie,
    Transport,
    Parameter,
}

impl IdKind {
    fn label_nl(self) -> &'static str {
        match self {
            IdKind::Code => "code",
            IdKind::Actie => "actie",
            IdKind::Transport => "vervoerswijze",
            IdKind::Parameter => "parameter",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            IdKind::Code => "code",
            IdKind::Actie => "action",
            IdKind::Transport => "transport",
            IdKind::Parameter => "parameter",
        }
    }

    /// The valid ids of this kind.
    pub fn valid(self) -> Vec<&'static str> {
        match self {
            IdKind::Code => Code::ALL.iter().map(|c| c.id()).collect(),
            IdKind::Actie => Actie::ALL.iter().map(|a| a.id()).collect(),
            IdKind::Transport => Transport::ALL.iter().map(|t| t.id()).collect(),
            IdKind::Parameter => Parameter::ALL.iter().map(|p| p.id()).collect(),
        }
    }
}

impl ParseIdError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            IdKind::Code => "code_unknown",
            IdKind::Actie => "actie_unknown",
            IdKind::Transport => "transport_unknown",
            IdKind::Parameter => "parameter_unknown",
        }
    }

    /// The error as a coded notice.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

macro_rules! id_conversions {
    ($ty:ty, $kind:expr) => {
        impl FromStr for $ty {
            type Err = ParseIdError;

            /// Parses the stable id; case and surrounding blanks are ignored, `-` counts as `_`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                <$ty>::ALL
                    .iter()
                    .copied()
                    .find(|v| v.id() == wanted)
                    .ok_or_else(|| ParseIdError {
                        kind: $kind,
                        value: s.to_string(),
                    })
            }
        }

        impl Display for $ty {
            /// Writes the stable id.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id())
            }
        }
    };
}

id_conversions!(Code, IdKind::Code);
id_conversions!(Actie, IdKind::Actie);
id_conversions!(Transport, IdKind::Transport);
id_conversions!(Parameter, IdKind::Parameter);

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

impl PlannedAction {
    /// The action with no parameter stated.
    pub fn new(actie: Actie) -> Self {
        Self {
            actie,
            handhavers: None,
            transport: None,
            medewerkers_per_auto: None,
            coronaproof: None,
            hardware_ok: None,
            software_beveiligd: None,
        }
    }

    /// Whether `parameter` was stated.
    pub fn is_stated(&self, parameter: Parameter) -> bool {
        match parameter {
            Parameter::Handhavers => self.handhavers.is_some(),
            Parameter::Transport => self.transport.is_some(),
            Parameter::MedewerkersPerAuto => self.medewerkers_per_auto.is_some(),
            Parameter::Coronaproof => self.coronaproof.is_some(),
            Parameter::HardwareOk => self.hardware_ok.is_some(),
            Parameter::SoftwareBeveiligd => self.software_beveiligd.is_some(),
        }
    }
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

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// `"allowed"` or `"forbidden"`, as in the serde form.
    pub fn id(&self) -> &'static str {
        match self {
            Decision::Allowed { .. } => "allowed",
            Decision::Forbidden { .. } => "forbidden",
        }
    }

    /// Why the action is forbidden (empty when allowed).
    pub fn reasons(&self) -> &[Notice] {
        match self {
            Decision::Forbidden { reasons, .. } => reasons,
            Decision::Allowed { .. } => &[],
        }
    }

    /// The checklist the handhaver confirms (empty when forbidden).
    pub fn conditions(&self) -> &[Notice] {
        match self {
            Decision::Allowed { conditions, .. } => conditions,
            Decision::Forbidden { .. } => &[],
        }
    }

    pub fn warnings(&self) -> &[Notice] {
        match self {
            Decision::Allowed { warnings, .. } | Decision::Forbidden { warnings, .. } => warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for code in Code::ALL {
            assert_eq!(code.id().parse::<Code>().unwrap(), code);
            assert_eq!(serde_json::to_value(code).unwrap(), code.id());
        }
        for actie in Actie::ALL {
            assert_eq!(actie.id().parse::<Actie>().unwrap(), actie);
            assert_eq!(serde_json::to_value(actie).unwrap(), actie.id());
            assert_eq!(actie.to_string(), actie.id());
        }
        for t in Transport::ALL {
            assert_eq!(t.id().parse::<Transport>().unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.id());
        }
        for p in Parameter::ALL {
            assert_eq!(p.id().parse::<Parameter>().unwrap(), p);
            assert_eq!(serde_json::to_value(p).unwrap(), p.id());
        }
    }

    #[test]
    fn parsing_is_lenient_on_case_and_dashes_but_refuses_unknown_ids() {
        assert_eq!(" Oranje ".parse::<Code>().unwrap(), Code::Oranje);
        assert_eq!(
            "huisbezoek-app".parse::<Actie>().unwrap(),
            Actie::HuisbezoekApp
        );
        let err = "groen".parse::<Code>().unwrap_err();
        assert_eq!(err.code(), "code_unknown");
        assert!(err.to_string().contains("geel, oranje, rood"), "{err}");
        assert_eq!(
            "bus".parse::<Transport>().unwrap_err().code(),
            "transport_unknown"
        );
        assert_eq!(
            "zwemmen".parse::<Actie>().unwrap_err().code(),
            "actie_unknown"
        );
    }

    #[test]
    fn decision_serde_form_is_tagged_snake_case() {
        let d = Decision::Allowed {
            conditions: vec![Notice::new("a", "b")],
            warnings: vec![],
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["decision"], "allowed");
        assert_eq!(v["conditions"][0]["code"], "a");
        assert!(d.is_allowed());
        assert!(d.reasons().is_empty());
    }
}

#[cfg(test)]
mod cell_tests;
#[cfg(test)]
mod override_tests;
