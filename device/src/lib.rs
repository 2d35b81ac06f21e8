//! `veldwerk-device`: one handhaver's field device, without network I/O.
//!
//! - [`Device`]: identity, verified policy, the open zaak documents and the one path by which a
//!   visit's facts are recorded.
//! - [`store`], [`crypto`]: the encrypted device store (SQLite files, AES-256-GCM rows).
//! - [`sync`]: the device side of sync: the round trip driver over the device's documents; the
//!   caller moves the bytes (`veldwerk-client` over HTTP).
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod crypto;
mod device;
pub mod store;
pub mod sync;

pub use device::*;
