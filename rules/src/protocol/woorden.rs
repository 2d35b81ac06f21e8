//! The Dutch words for step kinds and phases, as people read them (console, rapport, CLI,
//! apps). The snake_case ids (`as_str`) stay the machine codes beside them.

use super::{EventSoort, Fase, Grondslag};

impl EventSoort {
    /// The step kind in words: "Aan de deur", not `aan_de_deur`.
    pub fn woord(self) -> &'static str {
        match self {
            EventSoort::Aanleiding => "Aanleiding",
            EventSoort::Aankondiging => "Aankondiging",
            EventSoort::AanDeDeur => "Aan de deur",
            EventSoort::NiemandAanwezig => "Niemand aanwezig",
            EventSoort::NietInStaat => "Niet in staat mee te werken",
            EventSoort::LegitimatieEnDoel => "Legitimatie en doel",
            EventSoort::ToestemmingGevraagd => "Toestemming gevraagd",
            EventSoort::ToestemmingGegeven => "Toestemming gegeven",
            EventSoort::ToestemmingGeweigerd => "Toestemming geweigerd",
            EventSoort::Binnentreden => "Binnentreden",
            EventSoort::ToestemmingIngetrokken => "Toestemming ingetrokken",
            EventSoort::ExtraToestemming => "Aparte toestemming",
            EventSoort::Waarneming => "Waarneming",
            EventSoort::Correctie => "Correctie",
            EventSoort::Afsluiting => "Afsluiting",
            EventSoort::Rapport => "Rapport",
            EventSoort::UitnodigingBespreking => "Uitnodiging voor bespreking",
            EventSoort::BezoekAfgebroken => "Bezoek afgebroken",
            EventSoort::ToestemmingsconflictBeslecht => "Toestemmingsconflict beslecht",
            EventSoort::WaarnemingTerPlaatseGestart => "Waarneming ter plaatse begonnen",
            EventSoort::WaarnemingTerPlaatse => "Waarneming ter plaatse",
            EventSoort::GesprekGestart => "Gesprek begonnen",
            EventSoort::Internetonderzoek => "Internetonderzoek",
            EventSoort::VraagBeantwoord => "Vraag beantwoord",
            EventSoort::VragenlijstOndertekend => "Vragenlijst ondertekend",
            EventSoort::AanwijzingGestuurd => "Aanwijzing aan de klant",
        }
    }
}

impl Fase {
    /// Where the visit stands, in words: "aan de deur", not `aan_de_deur`.
    pub fn woord(self) -> &'static str {
        match self {
            Fase::Nieuw => "nieuw",
            Fase::Aanleiding => "aanleiding vastgelegd",
            Fase::Aangekondigd => "aankondiging vastgelegd",
            Fase::AanDeDeur => "aan de deur",
            Fase::Gelegitimeerd => "gelegitimeerd",
            Fase::ToestemmingGevraagd => "toestemming gevraagd",
            Fase::ToestemmingGegeven => "toestemming gegeven",
            Fase::Binnen => "binnen",
            Fase::Bezig => "bezig",
            Fase::Beeindigd => "beëindigd",
            Fase::Gerapporteerd => "gerapporteerd",
            Fase::Uitgenodigd => "uitgenodigd voor bespreking",
        }
    }
}

impl Grondslag {
    /// The kind of grondslag in words: "concrete aanwijzing".
    pub fn woord(&self) -> &'static str {
        match self {
            Grondslag::ConcreteAanwijzing { .. } => "concrete aanwijzing",
            Grondslag::TwijfelZonderAanwijzing { .. } => "twijfel zonder concrete aanwijzing",
            Grondslag::Dienstverlening { .. } => "dienstverlening",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No word is a machine code: no underscores, no CamelCase.
    #[test]
    fn words_are_words() {
        for f in crate::protocol::bezoek::tests::FASES
            .into_iter()
            .chain([Fase::Bezig])
        {
            assert!(!f.woord().contains('_'), "{f:?}");
        }
        assert_eq!(EventSoort::AanDeDeur.woord(), "Aan de deur");
    }
}
