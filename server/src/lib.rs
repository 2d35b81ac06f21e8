//! `veldwerk-server`: the organisation's sync server (axum, embedded SQLite).
//!
//! Skeleton: filled in by the sync-server work (enrollment, signed sync, active code, console).
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]
