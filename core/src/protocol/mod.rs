//! The huisbezoek protocol (seed 001, Protocol huisbezoeken; seed 002 §8) as a state machine per
//! visit, and the melding handhaving of seed 000.
//!
//! Skeleton: the events a visit records. The state machine is filled in by the protocol work.

pub mod melding;

use serde::{Deserialize, Serialize};

/// One fact recorded in a visit, in the order the protocol allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum Event {
    /// A waarneming in a room or place.
    Waarneming { ruimte: String, tekst: String },
}
