//! What every round trip checks against and what rarely changes, kept between round trips
//! ([`KeysAndPolicy`]): the enrolled devices' public keys and the organisation's current policy
//! bundle; and the bound on how many round trips do their Automerge work at once ([`WorkLanes`]).
//! Both belong to one [`super::SyncService`], so to one server and its store.
//!
//! The kept keys and bundle are checked against the store on every round trip, in its read
//! transaction: the keys by the number of device rows and the latest enrollment time (devices are only
//! ever added; a revoked device keeps its row and its key, so its entries stay verifiable), the
//! bundle by its version and signature. A change on either side, by this server, an admin
//! command or another process, makes the next round trip read it again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use veldwerk_contract::evidence::KeyDirectory;
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::params;

/// The device rows a key directory was read at: their number and the latest enrollment time.
type DevicesStamp = (i64, i64);
/// The policy version a bundle was decoded from, with its signature.
type BundleStamp = (u64, String);

/// A value read from the store and what it was read at.
struct Stamped<S, T> {
    at: S,
    value: Arc<T>,
}

#[derive(Default)]
struct Kept {
    keys: Option<Stamped<DevicesStamp, KeyDirectory>>,
    bundle: Option<Stamped<BundleStamp, PolicyBundle>>,
}

/// The device keys and the policy bundle of one store, read again only when they changed.
#[derive(Default)]
pub struct KeysAndPolicy {
    kept: Mutex<Kept>,
}

impl KeysAndPolicy {
    fn with<T>(&self, f: impl FnOnce(&mut Kept) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update: start empty.
        let mut guard = self.kept.lock().unwrap_or_else(|p| {
            let mut g = p.into_inner();
            *g = Kept::default();
            g
        });
        f(&mut guard)
    }

    /// Every enrolled device's key (revoked ones too), read again only when a device was added.
    pub fn keys(&self, conn: &Tx<'_>) -> Result<Arc<KeyDirectory>> {
        let stamp: DevicesStamp = conn.query_row(
            "SELECT count(*), coalesce(max(enrolled_at), 0) FROM devices",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some(keys) = self.with(|k| {
            k.keys
                .as_ref()
                .filter(|s| s.at == stamp)
                .map(|s| s.value.clone())
        }) {
            return Ok(keys);
        }
        let mut keys = KeyDirectory::new();
        let rows = conn.query_map("SELECT id, public_key FROM devices", params![], |r| {
            Ok((r.get::<String>(0)?, r.get::<Vec<u8>>(1)?))
        })?;
        for (id, key) in rows {
            // Keys are checked at enrollment; a bad one only means its entries do not verify.
            let _ = keys.insert(&id, &key);
        }
        let keys = Arc::new(keys);
        self.with(|k| {
            k.keys = Some(Stamped {
                at: stamp,
                value: keys.clone(),
            })
        });
        Ok(keys)
    }

    /// The bundle `signed` (version `version`, read from the store) decoded, decoded again only
    /// when a new version was issued.
    pub fn bundle(&self, version: u64, signed: &SignedPolicy) -> Result<Arc<PolicyBundle>> {
        let stamp: BundleStamp = (version, signed.signature.clone());
        if let Some(bundle) = self.with(|k| {
            k.bundle
                .as_ref()
                .filter(|s| s.at == stamp)
                .map(|s| s.value.clone())
        }) {
            return Ok(bundle);
        }
        let bundle: Arc<PolicyBundle> = Arc::new(
            serde_json::from_str(&signed.payload)
                .map_err(|e| Error::Data(format!("stored policy unreadable: {e}")))?,
        );
        self.with(|k| {
            k.bundle = Some(Stamped {
                at: stamp,
                value: bundle.clone(),
            })
        });
        Ok(bundle)
    }
}

/// How many lanes of Automerge work run at once (one per core) and how many round trips are in
/// flight.
pub struct WorkLanes {
    lanes: usize,
    cpu: Arc<Semaphore>,
    in_flight: AtomicUsize,
}

impl WorkLanes {
    /// `lanes` lanes at once (at least one).
    pub fn new(lanes: usize) -> WorkLanes {
        let lanes = lanes.max(1);
        WorkLanes {
            lanes,
            cpu: Arc::new(Semaphore::new(lanes)),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// One lane per core.
    pub fn per_core() -> WorkLanes {
        WorkLanes::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
    }

    /// Counts a round trip as in flight while the guard lives.
    pub fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight { lanes: self }
    }

    /// A permit to run one lane of a round trip's Automerge work: at most `lanes` at once, so a
    /// burst of round trips is worked off in arrival order instead of all at once on a thread
    /// each (which costs memory and switching, and finishes none of them early). Owned, to move
    /// into the blocking task that does the work.
    pub async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        self.cpu.clone().acquire_owned().await.ok()
    }
}

/// A round trip in flight (see [`WorkLanes::enter`]).
pub struct InFlight<'a> {
    lanes: &'a WorkLanes,
}

impl InFlight<'_> {
    /// How many lanes this round trip may spread its documents over: every core when it is the
    /// only round trip in flight (a lone device's sync), else one, so that in a burst the round
    /// trips are worked off in arrival order (spreading them measured slower).
    pub fn lanes(&self) -> usize {
        let w = self.lanes;
        if w.in_flight.load(Ordering::SeqCst) == 1 && w.cpu.available_permits() == w.lanes {
            w.lanes
        } else {
            1
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.lanes.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_again_when_a_device_is_added() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(dir.path()).unwrap();
        let kept = KeysAndPolicy::default();
        let keys = |c: &Tx<'_>| kept.keys(c);
        let first = db.with(|c| keys(c)).unwrap();
        let key = veldwerk_contract::evidence::DeviceKey::from_pkcs8(
            &veldwerk_contract::evidence::DeviceKey::generate_pkcs8().unwrap(),
        )
        .unwrap()
        .public_key();
        assert!(Arc::ptr_eq(&first, &db.with(|c| keys(c)).unwrap()), "kept");
        // A read-only connection finds them kept too.
        assert!(Arc::ptr_eq(&first, &db.read(|tx| keys(tx)).unwrap()));
        db.write(|tx| {
            crate::users::add_user(tx, "piet", crate::users::Role::Handhaver, None, "test", 0)?;
            let user: i64 =
                tx.query_row("SELECT id FROM users WHERE name = 'piet'", params![], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO devices (id, user_id, public_key, enrolled_at) VALUES ('dev-1', ?1, ?2, 0)",
                params![user, key.to_vec()],
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

    #[tokio::test]
    async fn a_lone_round_trip_takes_every_lane_and_one_among_others_takes_one() {
        let lanes = WorkLanes::new(3);
        let first = lanes.enter();
        assert_eq!(first.lanes(), 3);
        let permit = lanes.permit().await;
        assert_eq!(first.lanes(), 1, "a lane is busy");
        drop(permit);
        let second = lanes.enter();
        assert_eq!((first.lanes(), second.lanes()), (1, 1));
        drop(second);
        assert_eq!(first.lanes(), 3);
        // Another server's lanes are its own.
        let other = WorkLanes::new(2);
        assert_eq!(other.enter().lanes(), 2);
    }
}
