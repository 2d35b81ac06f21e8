//! Signals and their termijnen (seed 001, bijlage 1 "Onderzoeksplan"): which signal calls for
//! which investigation, within which termijn, counted from which moment, and whether a
//! huisbezoek may follow. The table is data (`table.rs`); an organisation may change termijnen
//! in its settings (`overrides.rs`, format in `docs/signaal-termijnen.md`).

pub mod kalender;
mod overrides;
mod table;

use std::fmt;

use chrono::{Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use overrides::{Fout as TermijnFout, TermijnOverrideError, TermijnOverrideErrors, MAX_AANTAL};
pub use table::SOORTEN;

/// The unit of a termijn, as the seed words it: "binnen vier weken" is calendar time, a
/// termijn in werkdagen skips weekends and feestdagen ([`kalender`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eenheid {
    Werkdagen,
    Kalenderdagen,
    Weken,
    Maanden,
}

impl Eenheid {
    fn woord(self, n: u32) -> &'static str {
        match (self, n) {
            (Eenheid::Werkdagen, 1) => "werkdag",
            (Eenheid::Werkdagen, _) => "werkdagen",
            (Eenheid::Kalenderdagen, 1) => "dag",
            (Eenheid::Kalenderdagen, _) => "dagen",
            (Eenheid::Weken, 1) => "week",
            (Eenheid::Weken, _) => "weken",
            (Eenheid::Maanden, 1) => "maand",
            (Eenheid::Maanden, _) => "maanden",
        }
    }
}

/// A termijn: `aantal` units after the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termijn {
    pub aantal: u32,
    pub eenheid: Eenheid,
}

impl Termijn {
    pub const fn weken(aantal: u32) -> Self {
        Termijn {
            aantal,
            eenheid: Eenheid::Weken,
        }
    }
    pub const fn maanden(aantal: u32) -> Self {
        Termijn {
            aantal,
            eenheid: Eenheid::Maanden,
        }
    }

    /// The last day of the termijn starting at `start`; `None` only beyond chrono's range.
    /// Months clamp to the month's last day (31 januari + 1 maand = 28/29 februari).
    pub fn einde(&self, start: NaiveDate) -> Option<NaiveDate> {
        match self.eenheid {
            Eenheid::Werkdagen => kalender::plus_werkdagen(start, self.aantal),
            Eenheid::Kalenderdagen => start.checked_add_signed(Duration::days(self.aantal.into())),
            Eenheid::Weken => start.checked_add_signed(Duration::days(i64::from(self.aantal) * 7)),
            Eenheid::Maanden => start.checked_add_months(Months::new(self.aantal)),
        }
    }
}

impl fmt::Display for Termijn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.aantal, self.eenheid.woord(self.aantal))
    }
}

/// From which moment the termijn runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The receipt of the signal (the usual case: "binnen vier weken na ontvangst").
    Ontvangst,
    /// Another moment the seed names (e.g. "na terugkomst", "na ontvangst looninformatie");
    /// the date given as start is that moment.
    Gebeurtenis(&'static str),
}

/// The form of the investigation the signal calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vorm {
    Schriftelijk,
    SchriftelijkEnMondeling,
    /// A beëindigingsonderzoek: whether the right to bijstand ends.
    Beeindiging,
    /// Processing by the administratie (enter the change, initial the mutation).
    Administratief,
}

/// The scope: éénzijdig (the aspect the signal concerns) or volledig (all aspects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Omvang {
    Eenzijdig,
    Volledig,
    /// The seed leaves it open ("éénzijdig of volledig") or does not say.
    Open,
}

/// Whether a huisbezoek may follow, as the row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Huisbezoek {
    /// The row does not name one.
    Nee,
    /// "wordt overwogen", "zonodig", "afhankelijk van de ernst".
    Mogelijk,
    /// The investigation includes one ("en huisbezoek", "een huisbezoek valt hieronder").
    Ja,
}

/// One row of seed 001 bijlage 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignaalSoort {
    /// Stable id (snake_case).
    pub id: &'static str,
    /// The signal as the seed names it.
    pub naam: &'static str,
    /// The heading of the seed's table ("Inkomen", "Wonen", ...).
    pub rubriek: &'static str,
    /// The termijn; `None` where the row names no period (e.g. "Signaal doorgeven aan de
    /// klantmanager").
    pub termijn: Option<Termijn>,
    pub start: Start,
    /// What must be done within the termijn, in the seed's words.
    pub actie: &'static str,
    pub vorm: Vorm,
    pub omvang: Omvang,
    pub huisbezoek: Huisbezoek,
    /// The investigation in the seed's words.
    pub onderzoek: &'static str,
}

impl SignaalSoort {
    /// The deadline of a signal of this kind whose termijn starts at `start`.
    pub fn deadline(&self, start: NaiveDate) -> Option<NaiveDate> {
        self.termijn.and_then(|t| t.einde(start))
    }
}

/// The id of the signal kind a report through the public form becomes (seed 002 §6).
pub const TIP: &str = "tip_derde";

/// The signal table an organisation works with: seed 001's, with its termijn overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signaaltabel {
    soorten: Vec<SignaalSoort>,
    /// Ids whose termijn the organisation changed.
    overridden: Vec<&'static str>,
}

impl Default for Signaaltabel {
    fn default() -> Self {
        Self::seed()
    }
}

impl Signaaltabel {
    /// Seed 001's table unchanged.
    pub fn seed() -> Self {
        Signaaltabel {
            soorten: SOORTEN.to_vec(),
            overridden: Vec::new(),
        }
    }

    pub fn soorten(&self) -> &[SignaalSoort] {
        &self.soorten
    }

    pub fn get(&self, id: &str) -> Option<&SignaalSoort> {
        self.soorten.iter().find(|s| s.id == id)
    }

    /// Whether the organisation changed this kind's termijn.
    pub fn is_overridden(&self, id: &str) -> bool {
        self.overridden.contains(&id)
    }
}

#[cfg(test)]
mod table_tests;
