//! The store's SQLite schema and its migrations (`PRAGMA user_version`).
//!
//! Every value column holds a sealed value (see [`crate::crypto`]); row keys are HMAC-SHA256 of
//! the identifiers, never the identifiers. A migration that has shipped is never edited: a new
//! version adds an `upgrade_from` step and updates [`CREATE`].

use rusqlite::Transaction;

/// The schema version this code writes.
pub const VERSION: u32 = 2;

/// The full current schema, for a new store.
const CREATE: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE zaken (
    id INTEGER PRIMARY KEY,
    zaak_key BLOB NOT NULL UNIQUE,
    sealed_id BLOB NOT NULL,
    sealed_index BLOB NOT NULL
);
CREATE TABLE snapshots (
    zaak INTEGER PRIMARY KEY REFERENCES zaken(id) ON DELETE CASCADE,
    body BLOB NOT NULL
);
CREATE TABLE chunks (
    zaak INTEGER NOT NULL REFERENCES zaken(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (zaak, seq)
);
CREATE TABLE sync_states (
    zaak_key BLOB NOT NULL,
    peer_key BLOB NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (zaak_key, peer_key)
);
CREATE TABLE secrets (name TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE blobs (blob_key BLOB PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE blob_refs (
    blob_key BLOB NOT NULL,
    zaak_key BLOB NOT NULL,
    PRIMARY KEY (blob_key, zaak_key)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_zaak ON blob_refs (zaak_key);
";

/// Version 1 to 2: photos (blobs) and which zaken reference them, for retention.
const V1_TO_V2: &str = "
CREATE TABLE blobs (blob_key BLOB PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE blob_refs (
    blob_key BLOB NOT NULL,
    zaak_key BLOB NOT NULL,
    PRIMARY KEY (blob_key, zaak_key)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_zaak ON blob_refs (zaak_key);
";

/// Creates the current schema in an empty database.
pub(crate) fn create(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(CREATE)?;
    tx.pragma_update(None, "user_version", VERSION)
}

/// Upgrades a database at `version` by one step.
pub(crate) fn upgrade_from(tx: &Transaction<'_>, version: u32) -> rusqlite::Result<()> {
    // Version 0 is an empty database, which `create` handles; add a step per new version.
    if version == 1 {
        tx.execute_batch(V1_TO_V2)?;
    }
    tx.pragma_update(None, "user_version", version + 1)
}

pub(crate) fn user_version(tx: &Transaction<'_>) -> rusqlite::Result<u32> {
    tx.query_row("PRAGMA user_version", [], |row| row.get(0))
}
