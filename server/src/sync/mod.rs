//! The server's sync (issue 4 points 3 and 4): [`SyncService`], made once per server and held
//! in [`crate::AppState`], answers each round trip in three steps: read what the request needs
//! in one read transaction, do the Automerge work and the checks outside the store's lock, then
//! store every accepted document's new changes, its sync state and its flags in one transaction.
//!
//! - [`service`]: the service and the round trip's steps (prepare, work, commit).
//! - [`work`]: one lane of the work: apply, verify signatures in one batch, finish the checks.
//! - [`check`]: the checks on one document's message and the outdated-code flags; [`limits`]:
//!   the bounds on a message, checked before Automerge applies it.
//! - [`cache`]: loaded documents kept between round trips; [`shared`]: device keys and policy
//!   bundle kept, and the lanes of Automerge work.
//! - [`store`]: documents (snapshot + incremental rows, compaction) and sync states.
//!
//! The wire format is in `docs/sync-protocol.md`; the envelope types in `veldwerk_contract::sync`.

pub mod cache;
pub mod check;
pub mod limits;
pub mod service;
pub mod shared;
pub mod store;
pub mod work;

pub use limits::SyncLimits;
pub use service::{Answer, SyncService};
