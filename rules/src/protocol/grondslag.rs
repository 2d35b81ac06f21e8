//! The grondslag of a huisbezoek: concrete aanwijzing, twijfel zonder concrete aanwijzing, or
//! dienstverlening (seed 001, Protocol huisbezoeken §1–§2), and the checks it must pass.

use serde::{Deserialize, Serialize};

use super::ProtocolError;

/// Why a visit is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum Grondslag {
    /// Seed 001 §2 variant A: a concrete aanwijzing, recorded in the file, that the living or
    /// family situation differs from what was declared. BA2410: concrete, objective facts known
    /// beforehand, and no less intrusive way to get the information.
    ConcreteAanwijzing {
        feiten: Vec<Feit>,
        /// The sources checked before deciding on a visit (registers, file, ...).
        geraadpleegde_bronnen: Vec<String>,
        /// Why a less intrusive means does not suffice (seed 001 §1: "tenzij de gewenste
        /// informatie op een andere, minder belastende wijze kan worden verkregen").
        waarom_niet_minder_ingrijpend: String,
    },
    /// Seed 001 §2 variant B: doubt without a concrete aanwijzing. Before a visit it must be
    /// examined whether the information can be had another way.
    TwijfelZonderAanwijzing {
        twijfel: String,
        andere_wijze_onderzocht: String,
    },
    /// Seed 001 §1: a visit for another reason, e.g. the client cannot come to the office;
    /// made by separate appointment.
    Dienstverlening { reden: String },
}

/// One concrete fact behind a concrete aanwijzing, with the kind of source it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feit {
    pub omschrijving: String,
    pub bron: BronSoort,
}

/// The kind of source a fact comes from (seed 002 §5–§6: IB-signalen, digital and anonymous
/// fraud reports, registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BronSoort {
    /// An anonymous fraud report (seed 002 §6: by web form, mail, phone or letter).
    AnoniemeMelding,
    /// A fraud report by a named person.
    MeldingOpNaam,
    /// The client's own file (dossier, declarations, bank statements).
    Dossier,
    /// A register (BRP, Suwinet, RDW, Kadaster, ...).
    Register,
    /// An IB-signaal (Inlichtingenbureau; seed 002 §5.2).
    IbSignaal,
    /// An earlier waarneming by a handhaver.
    Waarneming,
    /// Information from another body (UWV, SVB, Belastingdienst, housing corporation, ...).
    Instantie,
    /// Something found on the internet (seed 002 §9): only from an internetonderzoek recorded
    /// in the zaak before, with its sources, proportionality and subsidiarity.
    Internet,
}

/// Whether the facts rest on anonymous reports alone: then they are no concrete aanwijzing for a
/// visit (CRvB 2-10-2007, seed 001 Protocol §1; seed 002 §6), however many there are.
pub fn alleen_anonieme_meldingen(feiten: &[Feit]) -> bool {
    !feiten.is_empty() && feiten.iter().all(|f| f.bron == BronSoort::AnoniemeMelding)
}

impl Grondslag {
    /// The stable snake_case name of the kind of grondslag.
    pub fn soort(&self) -> &'static str {
        match self {
            Grondslag::ConcreteAanwijzing { .. } => "concrete_aanwijzing",
            Grondslag::TwijfelZonderAanwijzing { .. } => "twijfel_zonder_concrete_aanwijzing",
            Grondslag::Dienstverlening { .. } => "dienstverlening",
        }
    }

    /// Whether a fact of this grondslag comes from the internet: then the zaak must hold a
    /// recorded internetonderzoek (seed 002 §9), checked by the device that records it.
    pub fn steunt_op_internet(&self) -> bool {
        match self {
            Grondslag::ConcreteAanwijzing { feiten, .. } => {
                feiten.iter().any(|f| f.bron == BronSoort::Internet)
            }
            _ => false,
        }
    }

    pub fn is_concrete_aanwijzing(&self) -> bool {
        matches!(self, Grondslag::ConcreteAanwijzing { .. })
    }

    /// Checks the grondslag can carry a visit; the first problem found is returned.
    /// Whether this grondslag is sound enough to record (seed 001 §1–§3).
    pub fn validate(&self) -> Result<(), ProtocolError> {
        match self {
            Grondslag::ConcreteAanwijzing {
                feiten,
                geraadpleegde_bronnen,
                waarom_niet_minder_ingrijpend,
            } => {
                if feiten.iter().all(|f| f.omschrijving.trim().is_empty()) {
                    return Err(ProtocolError::ConcreteAanwijzingZonderFeiten);
                }
                if let Some(i) = feiten.iter().position(|f| f.omschrijving.trim().is_empty()) {
                    return Err(ProtocolError::VeldLeeg(format!("feiten[{i}].omschrijving")));
                }
                if alleen_anonieme_meldingen(feiten) {
                    return Err(ProtocolError::AnoniemeTipGeenConcreteAanwijzing);
                }
                if geraadpleegde_bronnen.iter().all(|b| b.trim().is_empty()) {
                    return Err(ProtocolError::BronnenNietGeraadpleegd);
                }
                if waarom_niet_minder_ingrijpend.trim().is_empty() {
                    return Err(ProtocolError::MinderIngrijpendNietGemotiveerd);
                }
                Ok(())
            }
            Grondslag::TwijfelZonderAanwijzing {
                twijfel,
                andere_wijze_onderzocht,
            } => {
                if twijfel.trim().is_empty() {
                    return Err(ProtocolError::VeldLeeg("twijfel".to_owned()));
                }
                if andere_wijze_onderzocht.trim().is_empty() {
                    return Err(ProtocolError::AndereWijzeNietOnderzocht);
                }
                Ok(())
            }
            Grondslag::Dienstverlening { reden } => {
                if reden.trim().is_empty() {
                    return Err(ProtocolError::VeldLeeg("reden".to_owned()));
                }
                Ok(())
            }
        }
    }

    /// The consent text variant this grondslag demands (seed 001 §3).
    pub fn variant(&self) -> super::Variant {
        match self {
            Grondslag::ConcreteAanwijzing { .. } => super::Variant::A,
            Grondslag::TwijfelZonderAanwijzing { .. } => super::Variant::B,
            Grondslag::Dienstverlening { .. } => super::Variant::Dienstverlening,
        }
    }

    /// The free-text fields, named as in the serialized event, for the factual-language check.
    pub(crate) fn texts(&self) -> Vec<(String, &str)> {
        match self {
            Grondslag::ConcreteAanwijzing {
                feiten,
                waarom_niet_minder_ingrijpend,
                ..
            } => feiten
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    (
                        format!("grondslag.feiten[{i}].omschrijving"),
                        f.omschrijving.as_str(),
                    )
                })
                .chain(std::iter::once((
                    "grondslag.waarom_niet_minder_ingrijpend".to_owned(),
                    waarom_niet_minder_ingrijpend.as_str(),
                )))
                .collect(),
            Grondslag::TwijfelZonderAanwijzing {
                twijfel,
                andere_wijze_onderzocht,
            } => vec![
                ("grondslag.twijfel".to_owned(), twijfel.as_str()),
                (
                    "grondslag.andere_wijze_onderzocht".to_owned(),
                    andere_wijze_onderzocht.as_str(),
                ),
            ],
            Grondslag::Dienstverlening { reden } => {
                vec![("grondslag.reden".to_owned(), reden.as_str())]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feit(bron: BronSoort) -> Feit {
        Feit {
            omschrijving:
                "BRP: sinds 1 maart staat een tweede volwassene op het adres ingeschreven."
                    .to_owned(),
            bron,
        }
    }

    fn concreet(feiten: Vec<Feit>) -> Grondslag {
        Grondslag::ConcreteAanwijzing {
            feiten,
            geraadpleegde_bronnen: vec!["BRP".to_owned(), "Suwinet".to_owned()],
            waarom_niet_minder_ingrijpend:
                "Bankafschriften geven geen uitsluitsel over wie er woont.".to_owned(),
        }
    }

    #[test]
    fn concrete_aanwijzing_with_register_fact_is_valid() {
        assert_eq!(concreet(vec![feit(BronSoort::Register)]).validate(), Ok(()));
    }

    #[test]
    fn anonymous_tip_alone_is_refused() {
        let err = concreet(vec![feit(BronSoort::AnoniemeMelding)])
            .validate()
            .unwrap_err();
        assert_eq!(err.code(), "anonieme_tip_geen_concrete_aanwijzing");
        let err = concreet(vec![
            feit(BronSoort::AnoniemeMelding),
            feit(BronSoort::AnoniemeMelding),
        ])
        .validate()
        .unwrap_err();
        assert_eq!(err.code(), "anonieme_tip_geen_concrete_aanwijzing");
    }

    #[test]
    fn anonymous_tip_confirmed_by_a_register_is_valid() {
        let g = concreet(vec![
            feit(BronSoort::AnoniemeMelding),
            feit(BronSoort::Register),
        ]);
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn concrete_aanwijzing_needs_facts_sources_and_subsidiarity() {
        assert_eq!(
            concreet(vec![]).validate().unwrap_err().code(),
            "concrete_aanwijzing_zonder_feiten"
        );
        let mut blank = feit(BronSoort::Dossier);
        blank.omschrijving = " ".to_owned();
        assert_eq!(
            concreet(vec![feit(BronSoort::Dossier), blank])
                .validate()
                .unwrap_err()
                .code(),
            "veld_leeg"
        );
        let g = Grondslag::ConcreteAanwijzing {
            feiten: vec![feit(BronSoort::IbSignaal)],
            geraadpleegde_bronnen: vec![],
            waarom_niet_minder_ingrijpend: "x".to_owned(),
        };
        assert_eq!(
            g.validate().unwrap_err().code(),
            "bronnen_niet_geraadpleegd"
        );
        let g = Grondslag::ConcreteAanwijzing {
            feiten: vec![feit(BronSoort::IbSignaal)],
            geraadpleegde_bronnen: vec!["Suwinet".to_owned()],
            waarom_niet_minder_ingrijpend: "  ".to_owned(),
        };
        assert_eq!(
            g.validate().unwrap_err().code(),
            "minder_ingrijpend_middel_niet_gemotiveerd"
        );
    }

    #[test]
    fn twijfel_needs_other_means_examined_first() {
        let g = Grondslag::TwijfelZonderAanwijzing {
            twijfel: "Opgegeven huur wijkt af van de huurovereenkomst.".to_owned(),
            andere_wijze_onderzocht: String::new(),
        };
        assert_eq!(
            g.validate().unwrap_err().code(),
            "andere_wijze_niet_onderzocht"
        );
        let g = Grondslag::TwijfelZonderAanwijzing {
            twijfel: String::new(),
            andere_wijze_onderzocht: "Bankafschriften opgevraagd.".to_owned(),
        };
        assert_eq!(g.validate().unwrap_err().code(), "veld_leeg");
        let g = Grondslag::TwijfelZonderAanwijzing {
            twijfel: "Opgegeven huur wijkt af van de huurovereenkomst.".to_owned(),
            andere_wijze_onderzocht: "Bankafschriften opgevraagd, geven geen uitsluitsel."
                .to_owned(),
        };
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn dienstverlening_needs_a_reason() {
        let g = Grondslag::Dienstverlening {
            reden: String::new(),
        };
        assert_eq!(g.validate().unwrap_err().code(), "veld_leeg");
        let g = Grondslag::Dienstverlening {
            reden: "Cliënt kan door een beperking niet naar het gemeentehuis komen.".to_owned(),
        };
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn variant_follows_grondslag() {
        use crate::protocol::Variant;
        assert_eq!(concreet(vec![]).variant(), Variant::A);
        let b = Grondslag::TwijfelZonderAanwijzing {
            twijfel: String::new(),
            andere_wijze_onderzocht: String::new(),
        };
        assert_eq!(b.variant(), Variant::B);
        let d = Grondslag::Dienstverlening {
            reden: String::new(),
        };
        assert_eq!(d.variant(), Variant::Dienstverlening);
    }
}
