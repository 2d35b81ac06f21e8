//! The melding handhaving (seed 000, Werkinstructie aanmelding handhaving): how a klantmanager
//! refers a zaak to Toezicht & Handhaving in Key2.
//!
//! `validate` refuses a melding Key2 would not route to handhaving (wrong regeling, fase or
//! werkvoorraad, no motivation) and warns, never blocking, about wording in the motivation that is
//! not factual (seed 000 step 3: "gebaseerd op feiten en geen sprake van insinuaties of
//! onderbuikgevoelens").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::factual::{self, FactualWarning};
use crate::Notice;

/// Seed 000: "Regeling = 16 Key2handhaven".
pub const REGELING: &str = "16 Key2handhaven";
/// Seed 000: "Aard bijstand: Incidenteel".
pub const AARD_BIJSTAND: &str = "Incidenteel";
/// Seed 000: "Huidige fase: 10 Melding".
pub const FASE_MELDING: u32 = 10;
/// Seed 000 step 4: the general workqueue of Toezicht & Handhaving, "automatisch ingevuld met
/// code hand".
pub const WERKVOORRAAD: &str = "hand";

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

impl Werkproces {
    /// The Key2 name of the werkproces (seed 000).
    pub fn omschrijving(self) -> &'static str {
        match self {
            Werkproces::H2 => "H2 Melding handhaven",
            Werkproces::H6 => "H6 Melding handhaven Poort",
        }
    }
}

impl Melding {
    /// A melding in fase 10 with the fixed Key2 fields of seed 000 filled in.
    pub fn new(
        werkproces: Werkproces,
        begindatum: NaiveDate,
        klantmanager: impl Into<String>,
        motivatie: impl Into<String>,
    ) -> Self {
        Self {
            werkproces,
            regeling: REGELING.to_owned(),
            aard_bijstand: AARD_BIJSTAND.to_owned(),
            fase: FASE_MELDING,
            begindatum,
            klantmanager: klantmanager.into(),
            motivatie: motivatie.into(),
            werkvoorraad: WERKVOORRAAD.to_owned(),
        }
    }

    /// What handhaving gives back: advies (Poort, H6) or besluit (W&I, H2).
    pub fn uitkomst(&self) -> Uitkomst {
        self.werkproces.uitkomst()
    }

    /// The factual-language warnings on the motivation, with their spans (never blocking).
    pub fn motivatie_warnings(&self) -> Vec<FactualWarning> {
        factual::check(&self.motivatie)
    }

    /// Validates the melding: `Err` with every reason it cannot be accepted, or `Ok` with
    /// warnings (never blocking) about the wording of the motivation.
    pub fn validate(&self) -> Result<Vec<Notice>, Vec<Notice>> {
        let mut errors = Vec::new();
        if self.regeling.trim() != REGELING {
            errors.push(Notice::new(
                "regeling_onjuist",
                format!(
                    "De regeling moet '{REGELING}' zijn, niet '{}'.",
                    self.regeling
                ),
            ));
        }
        if self.aard_bijstand.trim() != AARD_BIJSTAND {
            errors.push(Notice::new(
                "aard_bijstand_onjuist",
                format!(
                    "De aard bijstand moet '{AARD_BIJSTAND}' zijn, niet '{}'.",
                    self.aard_bijstand
                ),
            ));
        }
        if self.fase != FASE_MELDING {
            errors.push(Notice::new(
                "fase_onjuist",
                format!(
                    "Een melding handhaving start in fase {FASE_MELDING} (Melding), niet in fase {}.",
                    self.fase
                ),
            ));
        }
        if self.werkvoorraad.trim() != WERKVOORRAAD {
            errors.push(Notice::new(
                "werkvoorraad_onjuist",
                format!(
                    "Faseer door naar de algemene werkvoorraad Toezicht & Handhaving \
                     ('{WERKVOORRAAD}'), niet '{}'.",
                    self.werkvoorraad
                ),
            ));
        }
        if self.klantmanager.trim().is_empty() {
            errors.push(Notice::new(
                "klantmanager_ontbreekt",
                "De klantmanager maakt de melding op eigen naam: vul de klantmanager in.",
            ));
        }
        if self.motivatie.trim().is_empty() {
            errors.push(Notice::new(
                "motivatie_ontbreekt",
                "De motivatie ontbreekt: leg gemotiveerd de noodzaak uit, gebaseerd op feiten.",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut warnings: Vec<Notice> = self
            .motivatie_warnings()
            .into_iter()
            .map(|w| w.notice)
            .collect();
        // Seed 000: after a missed participation/work appointment the maatregelroute comes
        // first; handhaving is not called in directly.
        let lower = self.motivatie.to_lowercase();
        if [
            "niet verschenen",
            "niet verschijnt",
            "niet op komen dagen",
            "niet opgekomen",
        ]
        .iter()
        .any(|p| lower.contains(p))
        {
            warnings.push(Notice::new(
                "eerst_maatregelroute",
                "Bij niet verschijnen op een afspraak participatie/werk wordt eerst de \
                 maatregelroute ingeslagen; Toezicht & Handhaving wordt niet direct ingeschakeld.",
            ));
        }
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datum() -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 6, 20).expect("valid date")
    }

    fn melding(motivatie: &str) -> Melding {
        Melding::new(Werkproces::H2, datum(), "K. Klantmanager", motivatie)
    }

    fn codes(v: &[Notice]) -> Vec<&str> {
        v.iter().map(|n| n.code.as_str()).collect()
    }

    #[test]
    fn new_fills_the_fixed_key2_fields() {
        let m = melding("BRP toont sinds 1 maart een tweede volwassene op het adres.");
        assert_eq!(m.regeling, "16 Key2handhaven");
        assert_eq!(m.aard_bijstand, "Incidenteel");
        assert_eq!(m.fase, 10);
        assert_eq!(m.werkvoorraad, "hand");
        assert_eq!(m.validate(), Ok(vec![]));
    }

    #[test]
    fn werkproces_decides_advies_or_besluit() {
        assert_eq!(melding("x").uitkomst(), Uitkomst::Besluit);
        let poort = Melding::new(Werkproces::H6, datum(), "K", "x");
        assert_eq!(poort.uitkomst(), Uitkomst::Advies);
        assert_eq!(Werkproces::H6.omschrijving(), "H6 Melding handhaven Poort");
        assert_eq!(Werkproces::H2.omschrijving(), "H2 Melding handhaven");
    }

    #[test]
    fn motivation_is_required() {
        let err = melding("  ").validate().unwrap_err();
        assert_eq!(codes(&err), ["motivatie_ontbreekt"]);
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let mut m = melding("");
        m.regeling = "15 Bijstand".to_owned();
        m.aard_bijstand = "Periodiek".to_owned();
        m.fase = 20;
        m.werkvoorraad = "km".to_owned();
        m.klantmanager = String::new();
        let err = m.validate().unwrap_err();
        assert_eq!(
            codes(&err),
            [
                "regeling_onjuist",
                "aard_bijstand_onjuist",
                "fase_onjuist",
                "werkvoorraad_onjuist",
                "klantmanager_ontbreekt",
                "motivatie_ontbreekt"
            ]
        );
        assert!(err.iter().all(|n| !n.message.is_empty()));
    }

    #[test]
    fn speculative_motivation_warns_but_does_not_block() {
        let m =
            melding("Cliënt woont vermoedelijk samen, ik heb het gevoel dat er iets niet klopt.");
        let warnings = m.validate().expect("warnings never block");
        assert_eq!(
            codes(&warnings),
            ["speculatief_taalgebruik", "subjectief_taalgebruik"]
        );
        let spans = m.motivatie_warnings();
        assert_eq!(&m.motivatie[spans[0].start..spans[0].end], "vermoedelijk");
    }

    #[test]
    fn missed_appointment_points_at_the_maatregelroute() {
        let w = melding("Cliënt is op 3 mei niet verschenen op de afspraak bij participatie.")
            .validate()
            .expect("warnings never block");
        assert_eq!(codes(&w), ["eerst_maatregelroute"]);
    }

    #[test]
    fn serializes_with_snake_case_werkproces() {
        let v = serde_json::to_value(melding("x")).expect("serializes");
        assert_eq!(v["werkproces"], "h2");
        assert_eq!(v["werkvoorraad"], "hand");
    }
}
