//! `veldwerk-server`: the organisation's sync server (axum, embedded SQLite).
//!
//! - [`app`]: the router over [`api`] (JSON/CBOR routes, device-signature extractor;
//!   [`openapi`]: its description) and [`web`] (the console); [`state`]: what handlers reach;
//!   [`session`]: console users (cookie or bearer token, CSRF).
//! - [`db`]: the store and its migrations; [`org`], [`users`], [`devices`], [`zaken`],
//!   [`policy`], [`audit`], [`flags`], [`signalen`], [`heronderzoeken`], [`werkvoorraad`]: one
//!   concept each; [`setup`]: the first start; [`app_sessie`]: the digital huisbezoek on the
//!   client's own phone (`docs/app-sessie.md`).
//! - [`dossier`]: a zaak as the back office reads it (visits, entries, verdicts), for the
//!   zaak page, the case system's API and the export.
//! - [`rapport`]: the rapport van bevindingen as a verifiable PDF/A; [`labels`]: the Dutch
//!   words for the protocol's kinds, roles and verdicts.
//! - [`sync`]: the [`sync::SyncService`]: round trip, checks, document storage and caches.
//! - [`server`]: launch and graceful shutdown; [`listen`]: connections under limits;
//!   [`guard`]: what bounds a running request; [`settings`]; [`cli`]: the binary's commands.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod app;
pub mod app_sessie;
pub mod audit;
pub mod cli;
pub mod db;
pub mod demo;
pub mod devices;
pub mod dossier;
pub mod error;
pub mod export;
pub mod flags;
pub mod guard;
pub mod heronderzoeken;
pub mod labels;
pub mod listen;
pub mod openapi;
pub mod org;
pub mod photos;
pub mod policy;
pub mod rapport;
pub mod secret;
pub mod server;
pub mod session;
pub mod settings;
pub mod setup;
pub mod signalen;
pub mod state;
pub mod sync;
pub mod users;
pub mod web;
pub mod werkvoorraad;
pub mod zaken;

pub use app::router;
pub use server::launch_with_listener;
pub use settings::Settings;
pub use state::AppState;
