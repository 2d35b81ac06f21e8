//! `veldwerk-mobile`: the uniffi facade over `veldwerk-core` for the Android and iOS apps.
//! It translates; the core decides.

uniffi::setup_scaffolding!("veldwerk");

/// The version of the core the app runs on (shown on the app's about screen and sent nowhere).
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
