//! The one place the device asks the routekaart: which table applies (the VNG default plus the
//! organisation's overrides from the signed policy bundle) and what it decides for a visit.
//!
//! Interim: until `core::routekaart` carries the table, this file encodes only the two visit rows
//! of the VNG table (seed 004, "Huisbezoek"), the only actions a device records visits for.

use crate::routekaart::{Actie, Code, Decision, PlannedAction};
use crate::Notice;

use super::DeviceError;

/// The routekaart in force on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    overrides_toml: String,
}

impl Rules {
    /// The VNG table of November 2020 without overrides.
    pub fn vng_default() -> Self {
        Rules {
            overrides_toml: String::new(),
        }
    }

    /// The VNG table with the organisation's overrides (TOML text from the policy bundle).
    pub fn with_overrides(overrides_toml: &str) -> Result<Self, DeviceError> {
        if !overrides_toml.trim().is_empty() {
            return Err(DeviceError::Routekaart {
                code: "routekaart_overrides_unsupported",
                detail: "afwijkingen van de routekaart worden nog niet ondersteund".into(),
            });
        }
        Ok(Self::vng_default())
    }

    /// The routekaart's decision for `planned` under `code`.
    pub fn evaluate(&self, code: Code, planned: &PlannedAction) -> Decision {
        let afstand = Notice::new(
            "afstand_1_5_meter",
            "Houd 1,5 meter afstand, ook bij het aanbieden van de app.",
        );
        let max = |n: u32| match planned.handhavers {
            Some(h) if h > n => Some(Notice::new(
                "max_handhavers_exceeded",
                format!("Maximaal {n} handhaver(s) aan de deur; gepland zijn er {h}."),
            )),
            _ => None,
        };
        let unstated = |n: u32| {
            planned.handhavers.is_none().then(|| {
                Notice::new(
                    "max_handhavers_aan_de_deur",
                    format!("Maximaal {n} handhaver(s) aan de deur."),
                )
            })
        };
        let decide = |n: u32| match max(n) {
            Some(reason) => Decision::Forbidden {
                reasons: vec![reason],
                warnings: Vec::new(),
            },
            None => Decision::Allowed {
                conditions: unstated(n)
                    .into_iter()
                    .chain(std::iter::once(afstand.clone()))
                    .collect(),
                warnings: Vec::new(),
            },
        };
        match (planned.actie, code) {
            (Actie::Huisbezoek | Actie::HuisbezoekApp, Code::Geel) => decide(2),
            (Actie::HuisbezoekApp, Code::Oranje | Code::Rood) => decide(1),
            (Actie::Huisbezoek, Code::Oranje | Code::Rood) => Decision::Forbidden {
                reasons: vec![Notice::new(
                    "alleen_huisbezoek_app",
                    "Bij deze code is een huisbezoek alleen mogelijk via de huisbezoek-app, \
                     aangeboden door 1 handhaver.",
                )],
                warnings: Vec::new(),
            },
            (other, _) => Decision::Forbidden {
                reasons: vec![Notice::new(
                    "geen_bezoekactie",
                    format!("{other:?} is geen actie waarvoor dit apparaat een bezoek vastlegt."),
                )],
                warnings: Vec::new(),
            },
        }
    }
}
