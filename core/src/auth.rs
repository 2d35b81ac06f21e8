//! Signed device requests: the canonical form both device and server sign and verify.
