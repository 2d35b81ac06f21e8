//! `veldwerk-core`: everything the field devices and the server must agree on.
//!
//! - [`routekaart`]: the VNG routekaart (codes × actions) as data, and `evaluate`.
//! - [`protocol`]: the huisbezoek protocol as a state machine per visit, and the melding handhaving.
//! - [`factual`]: the factual-language check for motivations and rapporten.
//! - [`zaak`], [`evidence`], [`crypto`], [`store`]: field data as encrypted, signed CRDT documents.
//! - [`policy`], [`auth`]: what the device and server sign for each other.
//! - [`notice`]: the coded, Dutch-worded outcome shared by rules, protocol and errors.
//!
//! This crate does no network I/O; its only files are the device store's SQLite files.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod auth;
pub mod crypto;
pub mod device;
pub mod evidence;
pub mod factual;
pub mod notice;
pub mod policy;
pub mod protocol;
pub mod routekaart;
pub mod store;
pub mod sync;
pub mod zaak;

pub use notice::Notice;
