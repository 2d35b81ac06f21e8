//! The one place the device asks the routekaart: which table applies (the VNG table of November
//! 2020, seed 004, plus the organisation's overrides from the signed policy bundle) and what it
//! decides for a planned action under a code; and which vragenlijst the digital huisbezoek asks
//! (the organisation's from the bundle, else the built-in one); and which consent texts are
//! approved (the same).

use veldwerk_contract::policy::PolicyBundle;
use veldwerk_rules::protocol::{
    Bezoek, Event, ProtocolError, ToestemmingsTekst, Toestemmingsteksten, Variant,
};
use veldwerk_rules::routekaart::{evaluate, Actie, Code, Decision, PlannedAction, Routekaart};
use veldwerk_rules::vragenlijst::Vragenlijst;
use veldwerk_rules::Notice;

use super::DeviceError;

/// The routekaart, vragenlijst and approved consent texts in force on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    routekaart: Routekaart,
    vragenlijst: Vragenlijst,
    toestemmingsteksten: Toestemmingsteksten,
}

impl Rules {
    /// The VNG table of November 2020 without overrides, and the built-in vragenlijst.
    pub fn vng_default() -> Self {
        Rules {
            routekaart: Routekaart::vng_2020(),
            vragenlijst: Vragenlijst::standaard(),
            toestemmingsteksten: Toestemmingsteksten::standaard(),
        }
    }

    /// What a signed bundle puts in force. A bundle whose overrides, vragenlijst or consent
    /// texts do not parse is refused whole, with the first problem's code.
    pub fn of_bundle(bundle: &PolicyBundle) -> Result<Self, DeviceError> {
        let mut rules = Self::with_overrides(&bundle.overrides_toml)?;
        rules.vragenlijst =
            Vragenlijst::van_organisatie(&bundle.vragenlijst_toml).map_err(|e| {
                DeviceError::Vragenlijst {
                    code: e.0.first().map_or("vragenlijst_invalid", |f| f.code()),
                    detail: e.to_string(),
                }
            })?;
        rules.toestemmingsteksten = Toestemmingsteksten::van_organisatie(
            &bundle.toestemmingsteksten_toml,
        )
        .map_err(|e| DeviceError::Toestemmingsteksten {
            code: e.code(),
            detail: e.to_string(),
        })?;
        Ok(rules)
    }

    /// The consent text to show for `variant` in a visit of `actie` (the digital tour's for a
    /// `huisbezoek_app`): the organisation's, else the built-in one.
    pub fn toestemmingstekst(&self, variant: Variant, actie: Actie) -> ToestemmingsTekst {
        self.toestemmingsteksten.te_tonen(variant, actie)
    }

    /// The approved consent texts.
    pub fn toestemmingsteksten(&self) -> &Toestemmingsteksten {
        &self.toestemmingsteksten
    }

    /// Refuses a new `toestemming_gevraagd` whose text the organisation did not approve
    /// for a visit of `actie` (issue 15 point 3; seed 001 §3; the digital tour's own texts,
    /// issue 16).
    pub fn check_consent_text(&self, event: &Event, actie: Actie) -> Result<(), ProtocolError> {
        self.toestemmingsteksten.controleer(event, actie)
    }

    /// The vragenlijst the digital huisbezoek asks.
    pub fn vragenlijst(&self) -> &Vragenlijst {
        &self.vragenlijst
    }

    /// Refuses a client's answer that does not fit the vragenlijst in force (the list and
    /// version it names, the question asked now, the kind of answer), and a signature while a
    /// required question is open (issue 16 §5). `before` is the visit as recorded so far.
    pub fn check_vragenlijst(&self, before: &Bezoek, event: &Event) -> Result<(), DeviceError> {
        let lijst = &self.vragenlijst;
        match event {
            Event::VraagBeantwoord {
                vragenlijst,
                versie,
                sleutel,
                antwoord,
                ..
            } => {
                if *vragenlijst != lijst.id || *versie != lijst.versie {
                    return Err(DeviceError::VragenlijstWijktAf {
                        gegeven: format!("{vragenlijst} versie {versie}"),
                        geldend: format!("{} versie {}", lijst.id, lijst.versie),
                    });
                }
                lijst
                    .controleer(before.antwoorden(), sleutel, antwoord)
                    .map_err(|n| ProtocolError::Vragenlijst(n).into())
            }
            Event::VragenlijstOndertekend { .. } => {
                let momenten = lijst.momenten(before.antwoorden());
                let open: Vec<Notice> = lijst
                    .open_vragen(before.antwoorden())
                    .into_iter()
                    .map(|sleutel| {
                        let tekst = momenten
                            .iter()
                            .find(|m| m.sleutel == sleutel)
                            .map_or(sleutel.clone(), |m| m.vraag.tekst.clone());
                        Notice::new("vraag_open", tekst)
                    })
                    .collect();
                if open.is_empty() {
                    Ok(())
                } else {
                    Err(DeviceError::VragenOpen(open))
                }
            }
            _ => Ok(()),
        }
    }

    /// The VNG table with the organisation's overrides (TOML text from the policy bundle;
    /// empty means none). Bad overrides refuse the bundle, with the first problem's code.
    pub fn with_overrides(overrides_toml: &str) -> Result<Self, DeviceError> {
        if overrides_toml.trim().is_empty() {
            return Ok(Self::vng_default());
        }
        let routekaart =
            Routekaart::from_overrides(overrides_toml).map_err(|e| DeviceError::Routekaart {
                code: e.code(),
                detail: e.to_string(),
            })?;
        Ok(Rules {
            routekaart,
            vragenlijst: Vragenlijst::standaard(),
            toestemmingsteksten: Toestemmingsteksten::standaard(),
        })
    }

    /// The routekaart itself (for showing the table).
    pub fn routekaart(&self) -> &Routekaart {
        &self.routekaart
    }

    /// The routekaart's decision for `planned` under `code`.
    pub fn evaluate(&self, code: Code, planned: &PlannedAction) -> Decision {
        evaluate(&self.routekaart, code, planned)
    }
}
