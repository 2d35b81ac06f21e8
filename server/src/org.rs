//! The organisation: its name and its Ed25519 key pair, which signs every policy bundle.
//!
//! Key protection: the private key is stored as PKCS#8 v2 in the `organisation` table of the
//! server's SQLite file, not encrypted by the server. It is protected by the data directory's
//! permissions (0700, set when the server creates it) and should sit on an encrypted volume;
//! backups of the data directory carry the key and must be kept as secret as the key itself.
//! Anyone holding it can issue policy that enrolled devices accept.

use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;

use crate::audit;
use crate::db::Db;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::params;

/// The loaded organisation.
#[derive(Clone)]
pub struct Organisation {
    pub name: String,
    pub key: Arc<Ed25519KeyPair>,
    pub public_key: Vec<u8>,
}

impl std::fmt::Debug for Organisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Organisation")
            .field("name", &self.name)
            .field("public_key", &hex::encode(&self.public_key))
            .finish_non_exhaustive()
    }
}

/// Creates the organisation with a fresh key pair (inside the caller's transaction, so the first
/// policy can be issued with it: `setup::ensure_organisation`).
pub fn create(tx: &Tx<'_>, name: &str, at: i64) -> Result<Organisation> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| Error::Crypto("cannot generate organisation key".into()))?;
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| Error::Crypto("generated key does not parse".into()))?;
    let org = Organisation {
        name: name.to_owned(),
        public_key: key.public_key().as_ref().to_vec(),
        key: Arc::new(key),
    };
    tx.execute(
        "INSERT INTO organisation (id, name, key_pkcs8, public_key, created_at)
         VALUES (1, ?1, ?2, ?3, ?4)",
        params![name, pkcs8.as_ref(), org.public_key, at],
    )?;
    audit::append(
        tx,
        at,
        "systeem",
        "organisation_created",
        &json!({ "name": name, "public_key": hex::encode(&org.public_key) }),
    )?;
    Ok(org)
}

/// Loads the organisation if the store has one.
pub fn load(db: &Db) -> Result<Option<Organisation>> {
    let row: Option<(String, Vec<u8>)> = db.with(|c| {
        c.query_opt(
            "SELECT name, key_pkcs8 FROM organisation WHERE id = 1",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    })?;
    let Some((name, pkcs8)) = row else {
        return Ok(None);
    };
    let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
        .map_err(|_| Error::Crypto("stored organisation key does not parse".into()))?;
    Ok(Some(Organisation {
        name,
        public_key: key.public_key().as_ref().to_vec(),
        key: Arc::new(key),
    }))
}
