//! The one place the device asks the routekaart: which table applies (the VNG table of November
//! 2020, seed 004, plus the organisation's overrides from the signed policy bundle) and what it
//! decides for a planned action under a code.

use veldwerk_rules::routekaart::{evaluate, Code, Decision, PlannedAction, Routekaart};

use super::DeviceError;

/// The routekaart in force on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    routekaart: Routekaart,
}

impl Rules {
    /// The VNG table of November 2020 without overrides.
    pub fn vng_default() -> Self {
        Rules {
            routekaart: Routekaart::vng_2020(),
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
        Ok(Rules { routekaart })
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
