//! `veldwerk-contract`: what the server and the devices must agree on, byte for byte.
//!
//! - [`evidence`]: the signed, hash-chained entry ([`evidence::Entry`]), its canonical bytes,
//!   signing and verifying a visit's chains.
//! - [`zaak`]: the zaak document (Automerge) schema: summary, visits, entries.
//! - [`policy`]: the signed policy bundle (active code, routekaart overrides).
//! - [`auth`]: signed device requests.
//! - [`sync`]: the CBOR sync envelope.
//! - [`codes`]: every machine code, in one list.
//! - [`api`]: the HTTP routes, the device routes' JSON bodies and the error body.
//!
//! Depends on `veldwerk-rules` only; no network or file I/O.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod auth;
pub mod codes;
pub mod evidence;
#[cfg(feature = "opdrachtregel")]
pub mod opdrachtregel;
pub mod policy;
pub mod sync;
pub mod zaak;
