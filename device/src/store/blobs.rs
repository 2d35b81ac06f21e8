//! Blobs (photos): content-addressed by SHA-256, sealed at rest, stored once however many zaken
//! reference them. The row key is an HMAC of the hash, so a known photo cannot be confirmed
//! present by hashing it; each zaak's reference is kept for retention.

use ring::digest::{digest, SHA256};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{place, Store, StoreError, ZAAK};

const BLOB: &str = "blob";

/// A blob's SHA-256 as 64 lowercase hex digits, as waarnemingen reference photos.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobRef(String);

impl BlobRef {
    /// The reference of these bytes.
    pub fn of(bytes: &[u8]) -> Self {
        BlobRef(hex::encode(digest(&SHA256, bytes)))
    }

    /// Parses a reference from a document or the network (64 lowercase hex digits).
    pub fn parse(value: &str) -> Result<Self, StoreError> {
        let ok = value.len() == 64
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(BlobRef(value.to_owned()))
        } else {
            Err(StoreError::InvalidBlobRef {
                value: value.chars().take(80).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BlobRef {
    type Error = StoreError;
    fn try_from(value: String) -> Result<Self, StoreError> {
        BlobRef::parse(&value)
    }
}

impl From<BlobRef> for String {
    fn from(value: BlobRef) -> Self {
        value.0
    }
}

/// Where a photo of a zaak stands on its way to the server (column `blob_refs.upload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Put, but no waarneming recorded here references it (yet).
    NotReferenced,
    /// A recorded waarneming references it; the server has not confirmed it holds it.
    Pending,
    /// The server holds it.
    Uploaded,
}

/// Marks a zaak's photo as referenced by a recorded waarneming (pending upload), unless it is
/// already uploaded. Inserts the reference if the photo was put for another zaak only.
pub(super) fn mark_recorded_tx(
    tx: &Transaction<'_>,
    blob_key: &[u8; 32],
    zaak_key: &[u8; 32],
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO blob_refs (blob_key, zaak_key, upload) VALUES (?1, ?2, 1) \
         ON CONFLICT (blob_key, zaak_key) DO UPDATE SET upload = 1 WHERE upload = 0",
    )?
    .execute(params![&blob_key[..], &zaak_key[..]])?;
    Ok(())
}

impl Store {
    pub(super) fn blob_key(&self, blob: &BlobRef) -> [u8; 32] {
        self.keys.row_key(BLOB, blob.as_str().as_bytes())
    }

    /// Stores a blob for a zaak (once, however often it is put) and returns its reference.
    /// Put the photo before recording the waarneming that references it.
    pub fn put_blob(&self, zaak_id: &str, bytes: &[u8]) -> Result<BlobRef, StoreError> {
        let blob = BlobRef::of(bytes);
        let blob_key = self.blob_key(&blob);
        let zaak_key = self.keys.row_key(ZAAK, zaak_id.as_bytes());
        self.write(|tx| {
            let exists = tx
                .prepare_cached("SELECT 1 FROM blobs WHERE blob_key = ?1")?
                .query_row(params![&blob_key[..]], |_| Ok(()))
                .optional()?
                .is_some();
            if !exists {
                let sealed = self.keys.seal(&place::blob(&blob_key), bytes)?;
                tx.prepare_cached("INSERT INTO blobs (blob_key, body) VALUES (?1, ?2)")?
                    .execute(params![&blob_key[..], sealed])?;
            }
            tx.prepare_cached(
                "INSERT OR IGNORE INTO blob_refs (blob_key, zaak_key) VALUES (?1, ?2)",
            )?
            .execute(params![&blob_key[..], &zaak_key[..]])?;
            Ok(())
        })?;
        Ok(blob)
    }

    /// Where the zaak's photo stands on its way to the server; `None` when this device holds
    /// no such photo for the zaak.
    pub fn upload_state(
        &self,
        zaak_id: &str,
        blob: &BlobRef,
    ) -> Result<Option<UploadState>, StoreError> {
        let blob_key = self.blob_key(blob);
        let zaak_key = self.keys.row_key(ZAAK, zaak_id.as_bytes());
        let state: Option<i64> = self.read(|tx| {
            Ok(tx
                .prepare_cached(
                    "SELECT upload FROM blob_refs WHERE blob_key = ?1 AND zaak_key = ?2",
                )?
                .query_row(params![&blob_key[..], &zaak_key[..]], |row| row.get(0))
                .optional()?)
        })?;
        Ok(state.map(|s| match s {
            1 => UploadState::Pending,
            2 => UploadState::Uploaded,
            _ => UploadState::NotReferenced,
        }))
    }

    /// Records that the server holds the zaak's photo: retention no longer waits for it.
    pub fn mark_uploaded(&self, zaak_id: &str, blob: &BlobRef) -> Result<(), StoreError> {
        let blob_key = self.blob_key(blob);
        let zaak_key = self.keys.row_key(ZAAK, zaak_id.as_bytes());
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE blob_refs SET upload = 2 WHERE blob_key = ?1 AND zaak_key = ?2",
            )?
            .execute(params![&blob_key[..], &zaak_key[..]])?;
            Ok(())
        })
    }

    /// The blob's bytes, verified against its hash, or `None` when it is not on this device.
    pub fn get_blob(&self, blob: &BlobRef) -> Result<Option<Vec<u8>>, StoreError> {
        let blob_key = self.blob_key(blob);
        let sealed: Option<Vec<u8>> = self.read(|tx| {
            Ok(tx
                .prepare_cached("SELECT body FROM blobs WHERE blob_key = ?1")?
                .query_row(params![&blob_key[..]], |row| row.get(0))
                .optional()?)
        })?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let bytes = self
            .keys
            .open(&place::blob(&blob_key), &sealed)
            .map_err(|e| StoreError::BlobCorrupt {
                blob: blob.to_string(),
                detail: e.to_string(),
            })?;
        if BlobRef::of(&bytes) != *blob {
            return Err(StoreError::BlobCorrupt {
                blob: blob.to_string(),
                detail: "inhoud past niet bij de hash".into(),
            });
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refs_parse_strictly() {
        let r = BlobRef::of(b"foto");
        assert_eq!(BlobRef::parse(r.as_str()).unwrap(), r);
        assert_eq!(
            BlobRef::parse("ABC").unwrap_err().code(),
            "blob_ref_invalid"
        );
        assert!(BlobRef::parse(&r.as_str().to_uppercase()).is_err());
        assert!(serde_json::from_str::<BlobRef>("\"zz\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,100}") {
            let _ = BlobRef::parse(&s);
        }
    }
}
