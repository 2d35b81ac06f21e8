//! Authenticated encryption at rest (AES-256-GCM) for everything the device store writes.
