//! The routekaart value: one [`Cell`] per code × actie, each forbidden with a reason or allowed
//! with limits and conditions, plus the table's general footnote.

use serde::{Deserialize, Serialize};

use super::admin_onderzoek::{self, Onderwerp};
use super::{Actie, Code, Transport};
use crate::Notice;

/// A condition the handhaver confirms, in the table's wording.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Condition {
    #[serde(flatten)]
    pub notice: Notice,
    /// The means of transport this condition is about (waarneming: "Indien per auto: ...");
    /// empty means it always applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<Transport>,
}

impl Condition {
    pub fn new(code: &str, message: &str) -> Self {
        Self {
            notice: Notice::new(code, message),
            transports: Vec::new(),
        }
    }

    pub fn for_transports(code: &str, message: &str, transports: &[Transport]) -> Self {
        Self {
            notice: Notice::new(code, message),
            transports: transports.to_vec(),
        }
    }

    /// Whether the condition applies when travelling by `transport` (`None`: not stated, so
    /// every condition applies).
    pub fn applies_to(&self, transport: Option<Transport>) -> bool {
        match transport {
            None => true,
            Some(t) => self.transports.is_empty() || self.transports.contains(&t),
        }
    }
}

/// The limits and conditions of an allowed cell. A limit left `None`/`false` is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowed {
    /// Most handhavers at the door (huisbezoek) or presenting the app (huisbezoek_app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_handhavers: Option<u32>,
    /// The means of transport allowed for a waarneming; `None` allows every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
    /// Most medewerkers in one car, checked only when travelling by car.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_medewerkers_per_auto: Option<u32>,
    /// "Coronaproof spreekkamer. Zo niet dan mondkapje verplicht klant en medewerker."
    #[serde(default)]
    pub coronaproof_or_mask: bool,
    /// "Medewerker en klant beschikken over geschikte hardware."
    #[serde(default)]
    pub requires_suitable_hardware: bool,
    /// "Software is beveiligd."
    #[serde(default)]
    pub requires_secure_software: bool,
    /// Conditions only a person can confirm (1,5 m afstand, mondkapje, ...).
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// What a cell says: forbidden with a reason, or allowed with limits and conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum CellRule {
    Forbidden {
        reason: Notice,
        /// The action to use instead, when the table names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alternative: Option<Actie>,
    },
    Allowed(Allowed),
}

/// One cell of the routekaart: what `actie` may be under `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub code: Code,
    pub actie: Actie,
    /// The cell as the table words it, for people reading the routekaart.
    pub text: String,
    pub rule: CellRule,
    /// Warnings every decision on this cell carries (footnote ** on the huisbezoek-app).
    #[serde(default)]
    pub warnings: Vec<Notice>,
    /// Set when an organisation override changed this cell.
    #[serde(default)]
    pub overridden: bool,
}

impl Cell {
    pub fn is_allowed(&self) -> bool {
        matches!(self.rule, CellRule::Allowed(_))
    }
}

/// The routekaart: every cell of the table as data.
///
/// Invariant: exactly one cell per code × actie, stored at `code * 7 + actie`; serde refuses
/// data that breaks it, so [`Routekaart::cell`] is total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RoutekaartData", into = "RoutekaartData")]
pub struct Routekaart {
    organisation: Option<String>,
    version: String,
    general_warnings: Vec<Notice>,
    cells: Vec<Cell>,
}

/// The serde form of [`Routekaart`], checked on the way in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoutekaartData {
    #[serde(default)]
    organisation: Option<String>,
    version: String,
    #[serde(default)]
    general_warnings: Vec<Notice>,
    cells: Vec<Cell>,
}

/// Routekaart data (e.g. from a policy bundle) that does not hold exactly one cell per code × actie.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutekaartDataError {
    #[error("routekaart mist de cel {code} × {actie}")]
    MissingCell { code: Code, actie: Actie },
    #[error("routekaart heeft de cel {code} × {actie} meer dan eens")]
    DuplicateCell { code: Code, actie: Actie },
}

impl RoutekaartDataError {
    pub fn code(&self) -> &'static str {
        match self {
            RoutekaartDataError::MissingCell { .. } => "routekaart_cell_missing",
            RoutekaartDataError::DuplicateCell { .. } => "routekaart_cell_duplicate",
        }
    }
}

const CELL_COUNT: usize = Code::ALL.len() * Actie::ALL.len();

fn slot(code: Code, actie: Actie) -> usize {
    code.index() * Actie::ALL.len() + actie.index()
}

impl TryFrom<RoutekaartData> for Routekaart {
    type Error = RoutekaartDataError;

    fn try_from(data: RoutekaartData) -> Result<Self, Self::Error> {
        let mut slots: Vec<Option<Cell>> = vec![None; CELL_COUNT];
        for cell in data.cells {
            let (code, actie) = (cell.code, cell.actie);
            let slot = &mut slots[self::slot(code, actie)];
            if slot.is_some() {
                return Err(RoutekaartDataError::DuplicateCell { code, actie });
            }
            *slot = Some(cell);
        }
        let mut cells = Vec::with_capacity(CELL_COUNT);
        for code in Code::ALL {
            for actie in Actie::ALL {
                match slots[slot(code, actie)].take() {
                    Some(cell) => cells.push(cell),
                    None => return Err(RoutekaartDataError::MissingCell { code, actie }),
                }
            }
        }
        Ok(Routekaart {
            organisation: data.organisation,
            version: data.version,
            general_warnings: data.general_warnings,
            cells,
        })
    }
}

impl From<Routekaart> for RoutekaartData {
    fn from(r: Routekaart) -> Self {
        RoutekaartData {
            organisation: r.organisation,
            version: r.version,
            general_warnings: r.general_warnings,
            cells: r.cells,
        }
    }
}

impl Routekaart {
    /// Builds a routekaart from cells given in any order; every code × actie exactly once.
    pub fn from_cells(
        organisation: Option<String>,
        version: impl Into<String>,
        general_warnings: Vec<Notice>,
        cells: Vec<Cell>,
    ) -> Result<Self, RoutekaartDataError> {
        Routekaart::try_from(RoutekaartData {
            organisation,
            version: version.into(),
            general_warnings,
            cells,
        })
    }

    /// The cell for `actie` under `code`.
    pub fn cell(&self, code: Code, actie: Actie) -> &Cell {
        &self.cells[slot(code, actie)]
    }

    pub(crate) fn cell_mut(&mut self, code: Code, actie: Actie) -> &mut Cell {
        &mut self.cells[slot(code, actie)]
    }

    /// All cells, code by code, in table row order.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter()
    }

    /// The organisation whose overrides are applied; `None` for the plain VNG table.
    pub fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }

    /// The version of the table, or of the organisation's override file.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn set_origin(&mut self, organisation: String, version: String) {
        self.organisation = Some(organisation);
        self.version = version;
    }

    /// Warnings about the routekaart as a whole (footnote *: partners may differ).
    pub fn general_warnings(&self) -> &[Notice] {
        &self.general_warnings
    }

    /// Whether any cell was changed by an organisation override.
    pub fn is_overridden(&self) -> bool {
        self.cells.iter().any(|c| c.overridden)
    }

    /// The administratief-onderzoek table of seed 004 that the `administratief_onderzoek` cells
    /// refer to ("Zie tabel administratief onderzoek").
    pub fn admin_onderzoek(&self) -> &'static [Onderwerp] {
        admin_onderzoek::ONDERWERPEN
    }
}
