//! `veldwerk-mobile`: the uniffi facade over `veldwerk-core` for the Android and iOS apps.
//! It translates; the core decides. Skeleton: filled in by the mobile-bindings work.
