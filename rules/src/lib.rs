//! `veldwerk-rules`: the rules a field action is held to, as pure functions over data.
//!
//! - [`routekaart`]: the VNG routekaart (codes × actions) as data, and `evaluate`.
//! - [`protocol`]: the huisbezoek protocol as a state machine per visit, and the melding handhaving.
//! - [`factual`]: the factual-language check for motivations and rapporten.
//! - [`signalen`]: the signals of seed 001 bijlage 1 with their termijnen, and org overrides.
//! - [`heronderzoek`]: client groups of seed 003 (and RAU of seed 001) and the planner.
//! - [`vragenlijst`]: the questionnaire of the digital huisbezoek, as data, and its checks.
//! - [`tekstpositie`]: line and column of an offset, for every file refused at a position.
//! - [`notice`]: the coded, Dutch-worded outcome shared by rules, protocol and errors.
//!
//! No I/O, no documents, no keys: the same answers on a device, on the server and in a test.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod factual;
pub mod heronderzoek;
pub mod notice;
pub mod protocol;
pub mod routekaart;
pub mod signalen;
pub mod tekstpositie;
pub mod vragenlijst;

pub use notice::Notice;
