//! What every round trip checks against and what rarely changes, kept between round trips: the
//! enrolled devices' public keys and the organisation's current policy bundle, and the bound on
//! how many round trips do their Automerge work at once.
//!
//! Both are keyed by the store file and checked against the store on every round trip, under
//! its lock: the keys by the number of device rows and the highest rowid (devices are only ever
//! added; a revoked device keeps its row and its key, so its entries stay verifiable), the
//! bundle by its version and signature. A change on either side makes the next round trip read
//! it again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;
use tokio::sync::{Semaphore, SemaphorePermit};
use veldwerk_contract::evidence::KeyDirectory;
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};

use super::cache::store_of;
use crate::error::{Error, Result};

type KeysEntry = ((i64, i64), Arc<KeyDirectory>);
type BundleEntry = ((u64, String), Arc<PolicyBundle>);

#[derive(Default)]
struct Shared {
    keys: HashMap<PathBuf, KeysEntry>,
    bundles: HashMap<PathBuf, BundleEntry>,
}

fn shared() -> &'static Mutex<Shared> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| Mutex::new(Shared::default()))
}

fn with<T>(f: impl FnOnce(&mut Shared) -> T) -> T {
    // A poisoned lock only means another thread panicked mid-update: start empty.
    let mut guard = shared().lock().unwrap_or_else(|p| {
        let mut g = p.into_inner();
        *g = Shared::default();
        g
    });
    f(&mut guard)
}

/// Every enrolled device's key (revoked ones too), read again only when a device was added.
pub fn keys(conn: &Connection) -> Result<Arc<KeyDirectory>> {
    let store = store_of(conn);
    let stamp: (i64, i64) = conn
        .prepare_cached("SELECT count(*), coalesce(max(rowid), 0) FROM devices")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if let Some(keys) = with(|s| {
        s.keys
            .get(&store)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, k)| k.clone())
    }) {
        return Ok(keys);
    }
    let mut keys = KeyDirectory::new();
    let mut stmt = conn.prepare_cached("SELECT id, public_key FROM devices")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, key) in rows {
        // Keys are checked at enrollment; a bad one only means its entries do not verify.
        let _ = keys.insert(&id, &key);
    }
    let keys = Arc::new(keys);
    with(|s| s.keys.insert(store, (stamp, keys.clone())));
    Ok(keys)
}

/// The bundle `signed` (version `version`, read from `conn`'s store) decoded, decoded again
/// only when a new version was issued.
pub fn bundle(conn: &Connection, version: u64, signed: &SignedPolicy) -> Result<Arc<PolicyBundle>> {
    let store = store_of(conn);
    let stamp = (version, signed.signature.clone());
    if let Some(bundle) = with(|s| {
        s.bundles
            .get(&store)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, b)| b.clone())
    }) {
        return Ok(bundle);
    }
    let bundle: Arc<PolicyBundle> = Arc::new(
        serde_json::from_str(&signed.payload)
            .map_err(|e| Error::Data(format!("stored policy unreadable: {e}")))?,
    );
    with(|s| s.bundles.insert(store, (stamp, bundle.clone())));
    Ok(bundle)
}

/// How many lanes of Automerge work run at once: one per core.
pub fn lanes() -> usize {
    static LANES: OnceLock<usize> = OnceLock::new();
    *LANES.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    })
}

fn cpu() -> &'static Semaphore {
    static CPU: OnceLock<Semaphore> = OnceLock::new();
    CPU.get_or_init(|| Semaphore::new(lanes()))
}

/// A permit to run one lane of a round trip's Automerge work: at most [`lanes`] at once, so a
/// burst of round trips is worked off in arrival order instead of all at once on a thread each
/// (which costs memory and switching, and finishes none of them early).
pub async fn cpu_permit() -> Option<SemaphorePermit<'static>> {
    cpu().acquire().await.ok()
}

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts a round trip as in flight while it lives.
pub struct InFlight(());

impl InFlight {
    pub fn enter() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight(())
    }

    /// How many lanes this round trip may spread its documents over: every core when it is the
    /// only round trip in flight (a lone device's sync), else one, so that in a burst the round
    /// trips are worked off in arrival order (spreading them measured slower).
    pub fn lanes(&self) -> usize {
        if IN_FLIGHT.load(Ordering::SeqCst) == 1 && cpu().available_permits() == lanes() {
            lanes()
        } else {
            1
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_again_when_a_device_is_added() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(dir.path()).unwrap();
        let first = db.with(|c| keys(c)).unwrap();
        let key = veldwerk_contract::evidence::DeviceKey::from_pkcs8(
            &veldwerk_contract::evidence::DeviceKey::generate_pkcs8().unwrap(),
        )
        .unwrap()
        .public_key();
        assert!(Arc::ptr_eq(&first, &db.with(|c| keys(c)).unwrap()), "kept");
        // A read-only connection names the same store.
        assert!(Arc::ptr_eq(&first, &db.read(|tx| keys(tx)).unwrap()));
        db.write(|tx| {
            crate::users::add_user(tx, "piet", crate::users::Role::Handhaver, None, "test", 0)?;
            let user: i64 =
                tx.query_row("SELECT id FROM users WHERE name = 'piet'", [], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO devices (id, user_id, public_key, enrolled_at) VALUES ('dev-1', ?1, ?2, 0)",
                rusqlite::params![user, key.to_vec()],
            )?;
            Ok(())
        })
        .unwrap();
        let second = db.with(|c| keys(c)).unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(second
            .get(&veldwerk_contract::evidence::key_id_for(&key))
            .is_some());
    }
}
