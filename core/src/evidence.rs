//! Signed, hash-chained evidence: signing entries with the device key and verifying a visit's chains.
