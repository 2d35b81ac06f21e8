//! The melding handhaving (seed 000, Werkinstructie aanmelding handhaving): how a klantmanager
//! refers a zaak to Toezicht & Handhaving in Key2.
//!
//! Skeleton vocabulary; the protocol work completes validation (factual-language warnings etc.).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Notice;

/// The Key2 werkproces a melding is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Werkproces {
    /// H2 Melding handhaven, for Werk en Inkomen: handhaving decides (besluit).
    H2,
    /// H6 Melding handhaven Poort: handhaving advises (advies).
    H6,
}

/// What handhaving's outcome is for the team that made the melding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Advies,
    Besluit,
}

impl Werkproces {
    /// Seed 000: "Bij de Poort geldt dat Handhaving een adviserende rol heeft, bij Werk/Inkomen
    /// krijgt de klantmanager een besluit."
    pub fn uitkomst(self) -> Uitkomst {
        match self {
            Werkproces::H2 => Uitkomst::Besluit,
            Werkproces::H6 => Uitkomst::Advies,
        }
    }
}

/// A melding handhaving as the klantmanager records it (fase 10 Melding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Melding {
    pub werkproces: Werkproces,
    /// "16 Key2handhaven".
    pub regeling: String,
    /// "Incidenteel".
    pub aard_bijstand: String,
    /// 10 (Melding).
    pub fase: u32,
    pub begindatum: NaiveDate,
    /// The klantmanager who made the melding on their own name.
    pub klantmanager: String,
    /// Why a visit is needed, based on facts (required).
    pub motivatie: String,
    /// Always "hand": the general workqueue of Toezicht & Handhaving.
    pub werkvoorraad: String,
}

impl Melding {
    /// Validates the melding: `Err` with the reasons it cannot be accepted, or `Ok` with
    /// warnings (never blocking) about the wording of the motivation.
    pub fn validate(&self) -> Result<Vec<Notice>, Vec<Notice>> {
        if self.motivatie.trim().is_empty() {
            return Err(vec![Notice::new(
                "motivatie_ontbreekt",
                "De motivatie ontbreekt: leg gemotiveerd de noodzaak uit, gebaseerd op feiten.",
            )]);
        }
        Ok(Vec::new())
    }
}
