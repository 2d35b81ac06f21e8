//! The device store: encrypted zaak documents, sync states, blobs and the worklist index in SQLite.
//!
//! The store keeps opaque Automerge bytes: per zaak an optional snapshot (`save`) plus the
//! incremental change chunks (`save_incremental`) recorded since, which concatenated are what
//! Automerge `load` accepts. Every value is sealed with AES-256-GCM bound to its table, its zaak's
//! row key and its kind or sequence number ([`crate::crypto`]); zaak ids, peers and blob hashes are
//! stored only as HMAC-SHA256 row keys, the real zaak id sealed inside its row.
//!
//! Durability: WAL with `synchronous = FULL` (see [`Store::open`] and
//! `docs/adr/0001-device-store.md`): when a write call returns, its data survives a dead battery.
//! One connection behind a mutex is the single writer.

mod blobs;
mod error;
mod refused;
mod retention;
pub mod schema;
mod worklist;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use automerge::{Automerge, ReadDoc};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::crypto::StoreKeys;

pub use blobs::{BlobRef, UploadState};
pub use error::StoreError;
use worklist::IndexRecord;
pub use worklist::{CompactionPolicy, DocumentStats, Worklist, WorklistItem};

/// The database file inside the store's directory (plus SQLite's `-wal` and `-shm` beside it).
pub const DB_FILE: &str = "veldwerk-store.sqlite3";

/// A fixed plaintext sealed at creation; failing to open it at `open` means a wrong key.
const KEY_CHECK: &[u8] = b"veldwerk device store key check v1";

/// Row-key domains: the same identifier in two domains gives unrelated row keys.
const ZAAK: &str = "zaak";
const PEER: &str = "peer";

/// Where each sealed value belongs; the associated data of its seal.
mod place {
    use crate::crypto::Aad;

    pub fn key_check() -> Aad {
        Aad::table("meta").part(b"key_check")
    }
    pub fn zaak_id(zaak_key: &[u8]) -> Aad {
        Aad::table("zaken").part(b"zaak_id").part(zaak_key)
    }
    pub fn index(zaak_key: &[u8]) -> Aad {
        Aad::table("zaken").part(b"index").part(zaak_key)
    }
    pub fn snapshot(zaak_key: &[u8], upto: u64) -> Aad {
        Aad::table("snapshots").part(zaak_key).number(upto)
    }
    pub fn chunk(zaak_key: &[u8], seq: u64) -> Aad {
        Aad::table("chunks").part(zaak_key).number(seq)
    }
    pub fn sync_state(zaak_key: &[u8], peer_key: &[u8]) -> Aad {
        Aad::table("sync_states").part(zaak_key).part(peer_key)
    }
    pub fn secret(name: &str) -> Aad {
        Aad::table("secrets").part(name.as_bytes())
    }
    pub fn blob(blob_key: &[u8]) -> Aad {
        Aad::table("blobs").part(blob_key)
    }
    pub fn set_aside(zaak_key: &[u8]) -> Aad {
        Aad::table("refused").part(zaak_key)
    }
}

/// The encrypted device store. Cheap to share (`&self` methods, `Sync`); writes are serialised.
pub struct Store {
    conn: Mutex<Connection>,
    keys: StoreKeys,
    dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// A worklist row belongs to the zaak whose changes it comes with.
fn check_index(zaak_id: &str, index: &WorklistItem) -> Result<(), StoreError> {
    if index.zaak_id != zaak_id {
        return Err(StoreError::IndexMismatch {
            zaak_id: zaak_id.to_owned(),
            index_zaak_id: index.zaak_id.clone(),
        });
    }
    Ok(())
}

impl Store {
    /// Opens (or creates) the store in `dir` with the 32-byte storage key from the platform
    /// keystore, migrating an older schema. A key other than the one the store was created with
    /// gives [`StoreError::WrongKey`].
    ///
    /// `synchronous = FULL` in WAL mode: SQLite fsyncs the WAL at every commit, so a returned
    /// write survives power loss. `NORMAL` would only fsync at checkpoints: safe against an app
    /// crash but a dead battery could lose the last entries a handhaver saw saved, which for
    /// evidence is not acceptable. `fullfsync` makes Apple platforms flush the drive cache too.
    pub fn open(dir: &Path, key: [u8; 32]) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let keys = StoreKeys::derive(&key)?;
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        configure(&conn)?;
        {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found = veldwerk_sql::user_version(&tx)?;
            if found > schema::VERSION {
                return Err(StoreError::SchemaTooNew {
                    found,
                    supported: schema::VERSION,
                });
            }
            // Checked before migrating: a wrong key changes nothing on disk.
            if found > 0 {
                check_key(&tx, &keys)?;
            }
            veldwerk_sql::migrate(&tx, schema::MIGRATIONS).map_err(|e| match e {
                veldwerk_sql::MigrateError::TooNew { found, supported } => {
                    StoreError::SchemaTooNew { found, supported }
                }
                veldwerk_sql::MigrateError::Sqlite(e) => StoreError::from(e),
            })?;
            if found == 0 {
                write_key_check(&tx, &keys)?;
            }
            tx.commit()?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
            keys,
            dir: dir.to_path_buf(),
        })
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-written transaction (rusqlite rolls
        // back on drop), so a poisoned lock is safe to reuse.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one immediate transaction, committed (durably) only when `f` succeeds.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` in one read transaction, so it sees one consistent state.
    fn read<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        f(&tx)
    }

    fn zaak_key(&self, zaak_id: &str) -> [u8; 32] {
        self.keys.row_key(ZAAK, zaak_id.as_bytes())
    }

    /// Records a chunk of changes (Automerge `save_incremental`, or a first `save`) for a zaak
    /// and its new worklist row, in one durable transaction. The zaak is created on first use.
    pub fn append_changes(
        &self,
        zaak_id: &str,
        chunk: &[u8],
        index: &WorklistItem,
    ) -> Result<(), StoreError> {
        check_index(zaak_id, index)?;
        let zaak_key = self.zaak_key(zaak_id);
        self.write(|tx| append_changes_tx(tx, &self.keys, zaak_id, &zaak_key, chunk, index))
    }

    /// [`Self::append_changes`] for a recorded waarneming with a photo: in the same transaction
    /// the photo is marked as one the server must receive before retention may delete the zaak.
    pub fn append_changes_with_photo(
        &self,
        zaak_id: &str,
        chunk: &[u8],
        index: &WorklistItem,
        photo: &BlobRef,
    ) -> Result<(), StoreError> {
        self.append_changes_with_photos(zaak_id, chunk, index, std::slice::from_ref(photo))
    }

    /// [`Self::append_changes_with_photo`] for an entry naming several photos (a client's
    /// answer with its photos).
    pub fn append_changes_with_photos(
        &self,
        zaak_id: &str,
        chunk: &[u8],
        index: &WorklistItem,
        photos: &[BlobRef],
    ) -> Result<(), StoreError> {
        check_index(zaak_id, index)?;
        let zaak_key = self.zaak_key(zaak_id);
        let blob_keys: Vec<[u8; 32]> = photos.iter().map(|p| self.blob_key(p)).collect();
        self.write(|tx| {
            append_changes_tx(tx, &self.keys, zaak_id, &zaak_key, chunk, index)?;
            for blob_key in &blob_keys {
                blobs::mark_recorded_tx(tx, blob_key, &zaak_key)?;
            }
            Ok(())
        })
    }

    /// [`Self::append_changes`] and [`Self::save_sync_state`] in one transaction: a zaak
    /// received whole from `peer` is stored with its sync state with that peer.
    pub fn append_changes_with_sync_state(
        &self,
        zaak_id: &str,
        chunk: &[u8],
        index: &WorklistItem,
        peer: &str,
        state: &[u8],
    ) -> Result<(), StoreError> {
        check_index(zaak_id, index)?;
        let zaak_key = self.zaak_key(zaak_id);
        let (peer_key, sealed) = self.seal_sync_state(&zaak_key, peer, state)?;
        self.write(|tx| {
            append_changes_tx(tx, &self.keys, zaak_id, &zaak_key, chunk, index)?;
            put_sync_state_tx(tx, &zaak_key, &peer_key, &sealed)
        })
    }

    /// The zaak's document as snapshot plus change chunks concatenated (Automerge `load`
    /// accepts it), or `None` when the zaak is not on this device. A damaged, swapped or missing
    /// row gives [`StoreError::Corrupt`] naming the zaak.
    pub fn load_document(&self, zaak_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        self.read(|tx| load_document_tx(tx, &self.keys, zaak_id, &zaak_key))
    }

    /// Replaces the zaak's change chunks by `snapshot` (Automerge `save` of the whole document).
    /// Refuses, keeping everything, when the snapshot lacks any change the store holds
    /// ([`StoreError::SnapshotIncomplete`]), so a stale in-memory document cannot drop entries.
    pub fn compact(&self, zaak_id: &str, snapshot: &[u8]) -> Result<(), StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let unreadable = |detail: String| StoreError::DocumentUnreadable {
            zaak_id: zaak_id.to_owned(),
            detail,
        };
        let new = Automerge::load(snapshot).map_err(|e| unreadable(e.to_string()))?;
        self.write(|tx| {
            let (row, mut record) =
                read_index(tx, &self.keys, zaak_id, &zaak_key)?.ok_or_else(|| {
                    StoreError::UnknownZaak {
                        zaak_id: zaak_id.to_owned(),
                    }
                })?;
            let stored = load_document_tx(tx, &self.keys, zaak_id, &zaak_key)?.unwrap_or_default();
            let old = Automerge::load(&stored).map_err(|e| unreadable(e.to_string()))?;
            if old
                .get_heads()
                .iter()
                .any(|head| new.get_change_by_hash(head).is_none())
            {
                return Err(StoreError::SnapshotIncomplete {
                    zaak_id: zaak_id.to_owned(),
                });
            }
            let upto = record.next_seq;
            let sealed = self
                .keys
                .seal(&place::snapshot(&zaak_key, upto), snapshot)?;
            tx.prepare_cached("INSERT OR REPLACE INTO snapshots (zaak, body) VALUES (?1, ?2)")?
                .execute(params![row, sealed])?;
            tx.prepare_cached("DELETE FROM chunks WHERE zaak = ?1")?
                .execute(params![row])?;
            record.snapshot_upto = Some(upto);
            record.chunk_bytes = 0;
            record.snapshot_bytes = snapshot.len() as u64;
            write_index(tx, &self.keys, row, &zaak_key, &record)
        })
    }

    /// How many chunks and bytes the zaak's document holds, or `None` for an unknown zaak.
    pub fn document_stats(&self, zaak_id: &str) -> Result<Option<DocumentStats>, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        self.read(|tx| {
            Ok(read_index(tx, &self.keys, zaak_id, &zaak_key)?.map(|(_, record)| record.stats()))
        })
    }

    /// Whether the zaak's document should be compacted under `policy` (false if unknown).
    pub fn needs_compaction(
        &self,
        zaak_id: &str,
        policy: &CompactionPolicy,
    ) -> Result<bool, StoreError> {
        Ok(self
            .document_stats(zaak_id)?
            .is_some_and(|stats| policy.needs_compaction(&stats)))
    }

    /// Replaces the zaak's worklist row without new changes (for example after a sync lowered
    /// `unsynced_entries`). The stored `acknowledged_at` is kept.
    pub fn update_worklist_item(&self, index: &WorklistItem) -> Result<(), StoreError> {
        let zaak_key = self.zaak_key(&index.zaak_id);
        self.write(|tx| {
            let (row, mut record) = read_index(tx, &self.keys, &index.zaak_id, &zaak_key)?
                .ok_or_else(|| StoreError::UnknownZaak {
                    zaak_id: index.zaak_id.clone(),
                })?;
            let acknowledged_at = record.item.acknowledged_at;
            record.item = index.clone();
            record.item.acknowledged_at = acknowledged_at;
            write_index(tx, &self.keys, row, &zaak_key, &record)
        })
    }

    /// The worklist item of one zaak, or `None` when the zaak is not on this device.
    pub fn worklist_item(&self, zaak_id: &str) -> Result<Option<WorklistItem>, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        self.read(|tx| {
            Ok(read_index(tx, &self.keys, zaak_id, &zaak_key)?.map(|(_, record)| record.item))
        })
    }

    /// Every zaak on the device with its status and next step, from the small index rows only.
    pub fn worklist(&self) -> Result<Worklist, StoreError> {
        self.read(|tx| {
            let mut list = Worklist::default();
            let mut stmt =
                tx.prepare_cached("SELECT zaak_key, sealed_id, sealed_index FROM zaken")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let zaak_key: Vec<u8> = row.get(0)?;
                let sealed_id: Vec<u8> = row.get(1)?;
                let sealed_index: Vec<u8> = row.get(2)?;
                match open_index(&self.keys, &zaak_key, &sealed_index) {
                    Ok(record) => list.items.push(record.item),
                    Err(detail) => {
                        let zaak_id = self
                            .keys
                            .open(&place::zaak_id(&zaak_key), &sealed_id)
                            .ok()
                            .and_then(|id| String::from_utf8(id).ok());
                        list.damaged
                            .push(corrupt(zaak_id.as_deref(), &zaak_key, "zaken", detail));
                    }
                }
            }
            worklist::sort(&mut list.items);
            Ok(list)
        })
    }

    /// Records that the server holds all of this zaak as of `at` (retention starts counting).
    pub fn mark_acknowledged(&self, zaak_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        self.write(|tx| {
            let (row, mut record) =
                read_index(tx, &self.keys, zaak_id, &zaak_key)?.ok_or_else(|| {
                    StoreError::UnknownZaak {
                        zaak_id: zaak_id.to_owned(),
                    }
                })?;
            record.item.acknowledged_at = Some(at);
            write_index(tx, &self.keys, row, &zaak_key, &record)
        })
    }

    /// Keeps the Automerge sync state of a zaak with a peer (the server), sealed.
    pub fn save_sync_state(
        &self,
        zaak_id: &str,
        peer: &str,
        state: &[u8],
    ) -> Result<(), StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let (peer_key, sealed) = self.seal_sync_state(&zaak_key, peer, state)?;
        self.write(|tx| put_sync_state_tx(tx, &zaak_key, &peer_key, &sealed))
    }

    /// The row key of `peer` and the sealed sync state, bound to its zaak and peer.
    fn seal_sync_state(
        &self,
        zaak_key: &[u8],
        peer: &str,
        state: &[u8],
    ) -> Result<([u8; 32], Vec<u8>), StoreError> {
        let peer_key = self.keys.row_key(PEER, peer.as_bytes());
        let sealed = self
            .keys
            .seal(&place::sync_state(zaak_key, &peer_key), state)?;
        Ok((peer_key, sealed))
    }

    /// The sync state saved for a zaak and peer, if any.
    pub fn load_sync_state(
        &self,
        zaak_id: &str,
        peer: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let peer_key = self.keys.row_key(PEER, peer.as_bytes());
        let sealed: Option<Vec<u8>> = self.read(|tx| {
            Ok(tx
                .prepare_cached(
                    "SELECT body FROM sync_states WHERE zaak_key = ?1 AND peer_key = ?2",
                )?
                .query_row(params![&zaak_key[..], &peer_key[..]], |row| row.get(0))
                .optional()?)
        })?;
        sealed
            .map(|sealed| {
                self.keys
                    .open(&place::sync_state(&zaak_key, &peer_key), &sealed)
                    .map_err(|e| corrupt(Some(zaak_id), &zaak_key, "sync_states", e.to_string()))
            })
            .transpose()
    }

    /// Stores a device secret (such as the device's Ed25519 PKCS#8 key), sealed. `name` is a
    /// fixed, non-personal label.
    pub fn put_secret(&self, name: &str, secret: &[u8]) -> Result<(), StoreError> {
        let sealed = self.keys.seal(&place::secret(name), secret)?;
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO secrets (name, body) VALUES (?1, ?2)")?
                .execute(params![name, sealed])?;
            Ok(())
        })
    }

    /// Removes a device secret (nothing happens when it is not there).
    pub fn delete_secret(&self, name: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM secrets WHERE name = ?1")?
                .execute(params![name])?;
            Ok(())
        })
    }

    /// A device secret, or `None` if it was never stored.
    pub fn get_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Vec<u8>> = self.read(|tx| {
            Ok(tx
                .prepare_cached("SELECT body FROM secrets WHERE name = ?1")?
                .query_row(params![name], |row| row.get(0))
                .optional()?)
        })?;
        sealed
            .map(|sealed| {
                self.keys.open(&place::secret(name), &sealed).map_err(|_| {
                    StoreError::SecretCorrupt {
                        name: name.to_owned(),
                    }
                })
            })
            .transpose()
    }

    /// Stores a plain, non-personal setting (a server address, a policy version). Never use it
    /// for anything about a person or a zaak: settings are not encrypted.
    pub fn put_setting(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)")?
                .execute(params![name, value])?;
            Ok(())
        })
    }

    /// A plain setting, or `None`.
    pub fn get_setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.read(|tx| {
            Ok(tx
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
                .query_row(params![name], |row| row.get(0))
                .optional()?)
        })
    }

    /// Deletes everything: all rows (overwritten in place, `secure_delete`), then the database
    /// files. The device secrets go with them; the caller must also delete the storage key from
    /// the platform keystore, which makes any copy of the files unreadable.
    pub fn wipe(self) -> Result<(), StoreError> {
        let Store { conn, dir, .. } = self;
        let mut conn = conn.into_inner().unwrap_or_else(|p| p.into_inner());
        // Best effort: a damaged database must still be removable, so failures here only skip
        // the overwrite; removing the files below is what counts.
        let _ = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .and_then(|tx| {
                tx.execute_batch(
                    "DELETE FROM chunks; DELETE FROM snapshots; DELETE FROM sync_states;
                     DELETE FROM blob_refs; DELETE FROM blobs; DELETE FROM zaken;
                     DELETE FROM secrets; DELETE FROM settings; DELETE FROM meta;
                     DELETE FROM refused;",
                )?;
                tx.commit()
            })
            .and_then(|()| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"));
        let _ = conn.close();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let path = dir.join(format!("{DB_FILE}{suffix}"));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::DatabaseCorrupt {
            detail: format!("WAL niet beschikbaar (journal_mode = {mode})"),
        });
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA fullfsync = ON;
         PRAGMA checkpoint_fullfsync = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

fn write_key_check(tx: &Transaction<'_>, keys: &StoreKeys) -> Result<(), StoreError> {
    let sealed = keys.seal(&place::key_check(), KEY_CHECK)?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('key_check', ?1)",
        params![sealed],
    )?;
    Ok(())
}

fn check_key(tx: &Transaction<'_>, keys: &StoreKeys) -> Result<(), StoreError> {
    let sealed: Option<Vec<u8>> = tx
        .query_row(
            "SELECT value FROM meta WHERE name = 'key_check'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let Some(sealed) = sealed else {
        return Err(StoreError::DatabaseCorrupt {
            detail: "sleutelcontrole ontbreekt".into(),
        });
    };
    match keys.open(&place::key_check(), &sealed) {
        Ok(plain) if plain == KEY_CHECK => Ok(()),
        _ => Err(StoreError::WrongKey),
    }
}

fn corrupt(
    zaak_id: Option<&str>,
    zaak_key: &[u8],
    table: &'static str,
    detail: impl Into<String>,
) -> StoreError {
    StoreError::Corrupt {
        zaak_id: zaak_id.map(str::to_owned),
        zaak_key: hex::encode(&zaak_key[..zaak_key.len().min(8)]),
        table,
        detail: detail.into(),
    }
}

fn open_index(keys: &StoreKeys, zaak_key: &[u8], sealed: &[u8]) -> Result<IndexRecord, String> {
    let plain = keys
        .open(&place::index(zaak_key), sealed)
        .map_err(|e| e.to_string())?;
    IndexRecord::decode(&plain)
}

/// The zaak's row id and index record, checking the index is the zaak's own.
fn read_index(
    tx: &Transaction<'_>,
    keys: &StoreKeys,
    zaak_id: &str,
    zaak_key: &[u8; 32],
) -> Result<Option<(i64, IndexRecord)>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT id, sealed_index FROM zaken WHERE zaak_key = ?1")?
        .query_row(params![&zaak_key[..]], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((row, sealed)) = row else {
        return Ok(None);
    };
    let record = open_index(keys, zaak_key, &sealed)
        .map_err(|detail| corrupt(Some(zaak_id), zaak_key, "zaken", detail))?;
    if record.item.zaak_id != zaak_id {
        return Err(corrupt(
            Some(zaak_id),
            zaak_key,
            "zaken",
            "werklijstregel hoort bij een andere zaak",
        ));
    }
    Ok(Some((row, record)))
}

fn write_index(
    tx: &Transaction<'_>,
    keys: &StoreKeys,
    row: i64,
    zaak_key: &[u8; 32],
    record: &IndexRecord,
) -> Result<(), StoreError> {
    let sealed = keys.seal(&place::index(zaak_key), &record.encode())?;
    tx.prepare_cached("UPDATE zaken SET sealed_index = ?1 WHERE id = ?2")?
        .execute(params![sealed, row])?;
    Ok(())
}

fn put_sync_state_tx(
    tx: &Transaction<'_>,
    zaak_key: &[u8],
    peer_key: &[u8],
    sealed: &[u8],
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_states (zaak_key, peer_key, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![zaak_key, peer_key, sealed])?;
    Ok(())
}

fn append_changes_tx(
    tx: &Transaction<'_>,
    keys: &StoreKeys,
    zaak_id: &str,
    zaak_key: &[u8; 32],
    chunk: &[u8],
    index: &WorklistItem,
) -> Result<(), StoreError> {
    let mut item = index.clone();
    item.acknowledged_at = None;
    let (row, mut record) = match read_index(tx, keys, zaak_id, zaak_key)? {
        Some(found) => found,
        None => {
            let record = IndexRecord {
                item: item.clone(),
                snapshot_upto: None,
                next_seq: 0,
                chunk_bytes: 0,
                snapshot_bytes: 0,
            };
            let sealed_id = keys.seal(&place::zaak_id(zaak_key), zaak_id.as_bytes())?;
            let sealed_index = keys.seal(&place::index(zaak_key), &record.encode())?;
            tx.prepare_cached(
                "INSERT INTO zaken (zaak_key, sealed_id, sealed_index) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![&zaak_key[..], sealed_id, sealed_index])?;
            (tx.last_insert_rowid(), record)
        }
    };
    let seq = record.next_seq;
    let sealed = keys.seal(&place::chunk(zaak_key, seq), chunk)?;
    let seq_sql = i64::try_from(seq)
        .map_err(|_| corrupt(Some(zaak_id), zaak_key, "zaken", "volgnummer te groot"))?;
    tx.prepare_cached("INSERT INTO chunks (zaak, seq, body) VALUES (?1, ?2, ?3)")?
        .execute(params![row, seq_sql, sealed])?;
    record.item = item;
    record.next_seq = seq + 1;
    record.chunk_bytes += chunk.len() as u64;
    write_index(tx, keys, row, zaak_key, &record)
}

fn load_document_tx(
    tx: &Transaction<'_>,
    keys: &StoreKeys,
    zaak_id: &str,
    zaak_key: &[u8; 32],
) -> Result<Option<Vec<u8>>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT id, sealed_id FROM zaken WHERE zaak_key = ?1")?
        .query_row(params![&zaak_key[..]], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((row, sealed_id)) = row else {
        return Ok(None);
    };
    let bad = |table: &'static str, detail: String| corrupt(Some(zaak_id), zaak_key, table, detail);
    match keys.open(&place::zaak_id(zaak_key), &sealed_id) {
        Ok(id) if id == zaak_id.as_bytes() => {}
        Ok(_) => return Err(bad("zaken", "zaaknummer hoort niet bij deze rij".into())),
        Err(e) => return Err(bad("zaken", e.to_string())),
    }
    let Some((_, record)) = read_index(tx, keys, zaak_id, zaak_key)? else {
        return Ok(None);
    };
    // A size hint only: capped so a bad record cannot ask for an absurd allocation.
    let hint = record.snapshot_bytes.saturating_add(record.chunk_bytes);
    let mut doc = Vec::with_capacity(usize::try_from(hint.min(1 << 24)).unwrap_or(0));
    let first = match record.snapshot_upto {
        Some(upto) => {
            let sealed: Option<Vec<u8>> = tx
                .prepare_cached("SELECT body FROM snapshots WHERE zaak = ?1")?
                .query_row(params![row], |r| r.get(0))
                .optional()?;
            let sealed = sealed.ok_or_else(|| bad("snapshots", "momentopname ontbreekt".into()))?;
            let plain = keys
                .open(&place::snapshot(zaak_key, upto), &sealed)
                .map_err(|e| bad("snapshots", e.to_string()))?;
            doc.extend_from_slice(&plain);
            upto
        }
        None => 0,
    };
    let mut expected = first;
    let mut stmt =
        tx.prepare_cached("SELECT seq, body FROM chunks WHERE zaak = ?1 ORDER BY seq")?;
    let mut rows = stmt.query(params![row])?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let sealed: Vec<u8> = r.get(1)?;
        if u64::try_from(seq).ok() != Some(expected) {
            return Err(bad(
                "chunks",
                format!("wijziging {expected} ontbreekt of staat op de verkeerde plek (gevonden: {seq})"),
            ));
        }
        let plain = keys
            .open(&place::chunk(zaak_key, expected), &sealed)
            .map_err(|e| bad("chunks", format!("wijziging {expected}: {e}")))?;
        doc.extend_from_slice(&plain);
        expected += 1;
    }
    if expected != record.next_seq {
        return Err(bad(
            "chunks",
            format!("wijzigingen {expected} tot {} ontbreken", record.next_seq),
        ));
    }
    Ok(Some(doc))
}

#[cfg(test)]
mod tests;
