//! The hostile device: every attack of a co-assigned or merely enrolled device (and of an
//! unauthenticated peer) that the server must refuse or bound, done through the public protocol
//! against a real server on a random loopback port.
//!
//! - [`evidence`]: altering, forging or bloating the zaak document.
//! - [`recovery`]: what an honest device does after a refusal, and colleagues' keys.
//! - [`requests`]: requests that try to exhaust memory, CPU, threads or connections.
//! - [`photos`]: photo uploads the server must refuse (issue 14 item 1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod evidence;
mod photos;
mod recovery;
mod requests;
