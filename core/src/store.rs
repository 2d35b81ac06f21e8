//! The device store: encrypted zaak documents, sync states, blobs and the worklist index in SQLite.
