//! A coded notice: a stable machine code beside a Dutch message.
//!
//! Rule outcomes (reasons, conditions, warnings), protocol refusals and user-facing errors all
//! carry one, so apps and tests match on `code` and people read `message`.

use serde::{Deserialize, Serialize};

/// A stable machine-readable `code` (snake_case, never changes once shipped) and the Dutch
/// `message` a handhaver or supervisor reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notice {
    pub code: String,
    pub message: String,
}

impl Notice {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}
