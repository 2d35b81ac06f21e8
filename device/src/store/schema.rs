//! The store's SQLite schema and its migrations (`PRAGMA user_version`).
//!
//! Every value column holds a sealed value (see [`crate::crypto`]); row keys are HMAC-SHA256 of
//! the identifiers, never the identifiers. A migration that has shipped is never edited: a new
//! version appends one to [`MIGRATIONS`] (the server's store works the same way).

/// The migrations, in order (`veldwerk_sql`): migration `n` brings the store to version `n`.
pub const MIGRATIONS: &[&str] = &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4];

/// The schema version this code writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// Version 1: the first shipped schema.
const V1: &str = "
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

/// Version 2 to 3: work the server refused, moved aside so the zaak can be rebased on the
/// server's copy (`Device` recovery after a refusal). One sealed record per refusal.
const V2_TO_V3: &str = "
CREATE TABLE refused (
    id INTEGER PRIMARY KEY,
    zaak_key BLOB NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX refused_by_zaak ON refused (zaak_key);
";

/// Version 3 to 4: where each photo of a zaak stands on its way to the server (issue 14):
/// 0 put but referenced by no entry recorded here, 1 referenced by a recorded waarneming and
/// not yet on the server, 2 on the server. Retention waits while a zaak has a 1.
const V3_TO_V4: &str = "
ALTER TABLE blob_refs ADD COLUMN upload INTEGER NOT NULL DEFAULT 0;
";
