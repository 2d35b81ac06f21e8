//! `veldwerk-client`: the device's blocking HTTP transport to the organisation's server, shared
//! by the CLI, the mobile bindings and the end-to-end tests (core does no network I/O).
//!
//! - [`enroll()`]: `POST /v1/enroll` with the device's public key and a one-time code; pins the
//!   organisation key and installs the first signed policy.
//! - [`sync()`]: signed CBOR round trips of `veldwerk_device::sync::SyncSession` against
//!   `POST /v1/sync` until the device and the server agree; a revoked device is wiped.
//! - [`app_sessie`]: the digital huisbezoek on the client's own phone: start a session, take
//!   over what the client signed, hints, end.
//! - [`ClientError`]: every failure, with a stable `code()` and a Dutch message.
//!
//! The wire format is the server's `docs/sync-protocol.md`.

pub mod app_sessie;
mod enroll;
mod error;
mod photos;
mod sync;
pub mod transport;

pub use enroll::{enroll, Enrollment};
pub use error::ClientError;
pub use photos::{upload_photos, PhotoReport};
pub use sync::{sync, SyncProgress, SyncReport};
pub use veldwerk_device::sync::SyncSummary;
