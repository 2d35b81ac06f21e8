//! The store's errors: each names what is damaged and carries a stable machine code.

use crate::crypto::CryptoError;
use veldwerk_rules::Notice;

/// Why a store operation failed. A damaged row names its zaak (when the real id can still be
/// read) and its opaque row key, and never prevents reading other zaken.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("de sleutel past niet bij deze opslag")]
    WrongKey,
    #[error(
        "zaak {} is beschadigd ({table}): {detail}",
        .zaak_id.as_deref().unwrap_or("onbekend")
    )]
    Corrupt {
        /// The zaak id when it is known (given by the caller or still readable).
        zaak_id: Option<String>,
        /// Hex prefix of the zaak's opaque row key, to match a damaged row otherwise unnamed.
        zaak_key: String,
        /// Which table the damaged value is in.
        table: &'static str,
        detail: String,
    },
    #[error("geheim {name} is beschadigd")]
    SecretCorrupt { name: String },
    #[error("bijlage {blob} is beschadigd: {detail}")]
    BlobCorrupt { blob: String, detail: String },
    #[error("ongeldige bijlageverwijzing: {value}")]
    InvalidBlobRef { value: String },
    #[error("het databasebestand is beschadigd: {detail}")]
    DatabaseCorrupt { detail: String },
    #[error("de opslag heeft schemaversie {found}; deze app kent tot en met {supported}")]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("de werklijstregel hoort bij zaak {index_zaak_id}, niet bij zaak {zaak_id}")]
    IndexMismatch {
        zaak_id: String,
        index_zaak_id: String,
    },
    #[error("zaak {zaak_id} staat niet op dit apparaat")]
    UnknownZaak { zaak_id: String },
    #[error("de momentopname van zaak {zaak_id} mist opgeslagen wijzigingen; niets is vervangen")]
    SnapshotIncomplete { zaak_id: String },
    #[error("zaak {zaak_id} is geen leesbaar document: {detail}")]
    DocumentUnreadable { zaak_id: String, detail: String },
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error("databasefout: {0}")]
    Database(rusqlite::Error),
    #[error("bestandsfout: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::WrongKey => "wrong_key",
            StoreError::Corrupt { .. } => "document_corrupt",
            StoreError::SecretCorrupt { .. } => "secret_corrupt",
            StoreError::BlobCorrupt { .. } => "blob_corrupt",
            StoreError::InvalidBlobRef { .. } => "blob_ref_invalid",
            StoreError::DatabaseCorrupt { .. } => "database_corrupt",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::IndexMismatch { .. } => "index_mismatch",
            StoreError::UnknownZaak { .. } => "zaak_unknown",
            StoreError::SnapshotIncomplete { .. } => "snapshot_incomplete",
            StoreError::DocumentUnreadable { .. } => "document_unreadable",
            StoreError::Crypto(e) => e.code(),
            StoreError::Database(_) => "store_database",
            StoreError::Io(_) => "store_io",
        }
    }

    /// The code with its Dutch message.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// SQLite's own corruption reports become `database_corrupt`, so a truncated or overwritten
/// file is told apart from an ordinary database error.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => {
                StoreError::DatabaseCorrupt {
                    detail: e.to_string(),
                }
            }
            _ => StoreError::Database(e),
        }
    }
}
