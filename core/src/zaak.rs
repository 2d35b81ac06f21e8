//! The zaak document: one Automerge CRDT document per zaak, with its visits and their entries.
