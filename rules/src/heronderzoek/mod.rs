//! Heronderzoek planning: the client groups of seed 003 (Beleidsregels heronderzoeken, art. 2
//! "Frequentie uitvoeren (her)onderzoeken") and the RAU heronderzoek of seed 001 as data
//! (`groepen.rs`), and [`plan`]: for one client the next due date and what is due.
//!
//! Two rules of seed 003 shape the plan beyond the frequency: the heronderzoek rechtmatigheid
//! of clients in a traject is done "gelijktijdig met een voortgangsgesprek doelmatigheid", and
//! a heronderzoek prompted by an aanvraag or a signal is skipped "tenzij dit in de voorafgaande
//! 2 jaar is gebeurd".

mod groepen;

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::Serialize;

pub use groepen::GROEPEN;

/// How often a group is re-examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum Frequentie {
    /// Every `maanden` after the last one (or after the start when there was none).
    Elke { maanden: u32 },
    /// Every `maanden`, at a voortgangsgesprek: those fall every `gesprek_maanden` from the
    /// start of the traject.
    MetVoortgangsgesprek { maanden: u32, gesprek_maanden: u32 },
    /// First `eerste` months after the start, then every `daarna` months.
    EersteNaStart { eerste: u32, daarna: u32 },
    /// Once, `maanden` after the start (e.g. the beschikking).
    EenmaalNaStart { maanden: u32 },
    /// Within `maanden` after the last month in which payment took place.
    NaLaatsteBetaling { maanden: u32 },
    /// At the event (an aanvraag, a signal, the end of an ontheffing), unless a full
    /// heronderzoek was done in the `overslaan_jaren` before it (0: never skipped).
    BijGebeurtenis { overslaan_jaren: u32 },
    /// No heronderzoek.
    Geen,
}

/// One client group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clientgroep {
    pub id: &'static str,
    pub naam: &'static str,
    /// The seed's heading (regeling and kind of onderzoek).
    pub regeling: &'static str,
    pub frequentie: Frequentie,
    /// The frequency in the seed's words.
    pub tekst: &'static str,
    /// Where the row is (seed and place).
    pub bron: &'static str,
}

/// Look a group up by id.
pub fn groep(id: &str) -> Option<&'static Clientgroep> {
    GROEPEN.iter().find(|g| g.id == id)
}

/// What planning needs of a client: nothing personal beyond dates and the group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clientdata {
    /// The last (full) heronderzoek.
    pub laatst: Option<NaiveDate>,
    /// Start of the benefit, the traject, the beschikking or the bedrijfskapitaal.
    pub start: Option<NaiveDate>,
    /// The last payment (end of the benefit).
    pub laatste_betaling: Option<NaiveDate>,
    /// The event that prompts a heronderzoek (aanvraag IIT, signal, end of an ontheffing).
    pub gebeurtenis: Option<NaiveDate>,
}

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Wat {
    Heronderzoek,
    /// Seed 003: "gelijktijdig met een voortgangsgesprek doelmatigheid".
    HeronderzoekMetVoortgangsgesprek,
    /// Seed 003: "Uiterlijk binnen zes maanden, na de laatste maand waarin betaling van de
    /// uitkering heeft plaatsgevonden, vindt een beëindigingsonderzoek plaats".
    Beeindigingsonderzoek,
    /// Skipped: a full heronderzoek in the two years before.
    Overgeslagen,
    /// Nothing is due (the group has none, or the one-off check was done).
    Niets,
}

/// The plan for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Planning {
    pub wat: Wat,
    pub datum: Option<NaiveDate>,
}

/// Why a client cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("voor groep '{groep}' is '{veld}' nodig")]
    Ontbreekt {
        groep: &'static str,
        veld: &'static str,
    },
    #[error("datum buiten bereik")]
    Bereik,
}

impl PlanError {
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::Ontbreekt { .. } => "heronderzoek_field_missing",
            PlanError::Bereik => "heronderzoek_date_out_of_range",
        }
    }
}

fn plus(date: NaiveDate, maanden: u32) -> Result<NaiveDate, PlanError> {
    date.checked_add_months(Months::new(maanden))
        .ok_or(PlanError::Bereik)
}

/// The last day of the month `maanden` after the month of `date`.
fn maandeinde_na(date: NaiveDate, maanden: u32) -> Result<NaiveDate, PlanError> {
    let first = date.with_day(1).ok_or(PlanError::Bereik)?;
    let next = plus(first, maanden + 1)?;
    Ok(next - Duration::days(1))
}

/// The next heronderzoek of a client of `groep`.
pub fn plan(groep: &Clientgroep, c: &Clientdata) -> Result<Planning, PlanError> {
    let need = |v: Option<NaiveDate>, veld: &'static str| {
        v.ok_or(PlanError::Ontbreekt {
            groep: groep.id,
            veld,
        })
    };
    let at = |wat, datum| {
        Ok(Planning {
            wat,
            datum: Some(datum),
        })
    };
    match groep.frequentie {
        Frequentie::Geen => Ok(Planning {
            wat: Wat::Niets,
            datum: None,
        }),
        Frequentie::Elke { maanden } => {
            let from = need(c.laatst.or(c.start), "laatst")?;
            at(Wat::Heronderzoek, plus(from, maanden)?)
        }
        Frequentie::MetVoortgangsgesprek {
            maanden,
            gesprek_maanden,
        } => {
            let laatst = need(c.laatst.or(c.start), "laatst")?;
            let uiterlijk = plus(laatst, maanden)?;
            // The last voortgangsgesprek on or before the latest date and after the last
            // heronderzoek; without a traject start, the latest date itself.
            let Some(start) = c.start.filter(|_| gesprek_maanden > 0) else {
                return at(Wat::HeronderzoekMetVoortgangsgesprek, uiterlijk);
            };
            let mut best = None;
            let mut k = 0u32;
            while let Some(m) = gesprek_maanden.checked_mul(k) {
                let g = plus(start, m)?;
                if g > uiterlijk {
                    break;
                }
                if g > laatst {
                    best = Some(g);
                }
                k += 1;
            }
            at(
                Wat::HeronderzoekMetVoortgangsgesprek,
                best.unwrap_or(uiterlijk),
            )
        }
        Frequentie::EersteNaStart { eerste, daarna } => match c.laatst {
            Some(l) => at(Wat::Heronderzoek, plus(l, daarna)?),
            None => at(Wat::Heronderzoek, plus(need(c.start, "start")?, eerste)?),
        },
        Frequentie::EenmaalNaStart { maanden } => {
            let start = need(c.start, "start")?;
            match c.laatst {
                Some(l) if l >= start => Ok(Planning {
                    wat: Wat::Niets,
                    datum: None,
                }),
                _ => at(Wat::Heronderzoek, plus(start, maanden)?),
            }
        }
        Frequentie::NaLaatsteBetaling { maanden } => at(
            Wat::Beeindigingsonderzoek,
            maandeinde_na(need(c.laatste_betaling, "laatste_betaling")?, maanden)?,
        ),
        Frequentie::BijGebeurtenis { overslaan_jaren } => {
            let g = need(c.gebeurtenis, "gebeurtenis")?;
            let grens = g
                .checked_sub_months(Months::new(overslaan_jaren * 12))
                .ok_or(PlanError::Bereik)?;
            match c.laatst {
                Some(l) if overslaan_jaren > 0 && l > grens && l <= g => Ok(Planning {
                    wat: Wat::Overgeslagen,
                    datum: None,
                }),
                _ => at(Wat::Heronderzoek, g),
            }
        }
    }
}

#[cfg(test)]
mod groepen_tests;
