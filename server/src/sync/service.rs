//! [`SyncService`]: the server's sync, one per server and store, and its round trip in three
//! steps: `prepare` reads what the request needs in one read
//! transaction, `work` applies and checks the documents' messages outside
//! any lock, `commit` stores what was accepted in one write transaction
//! and keeps the documents loaded for the next round trip.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use automerge::sync;
use veldwerk_contract::evidence::KeyDirectory;
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};
use veldwerk_contract::sync::{
    Ack, DocMessage, NewDoc, Rejection, SyncRequest, SyncResponse, RESPONSE_DOCS_BUDGET,
};
use veldwerk_contract::zaak::ZaakDocument;

use super::cache::{DocCache, Loaded};
use super::limits::SyncLimits;
use super::shared::{KeysAndPolicy, WorkLanes};
use super::store;
use super::work::{self, AcceptedDoc, Incoming, LaneContext, Outcome, Source, Stored};
use crate::db::{now, Db, Tx};
use crate::error::{Error, Result};
use crate::params;
use crate::{devices, flags, policy, zaken};

/// The server's sync of one store: the round trip and what it keeps between round trips. Made
/// once per server ([`crate::server::open_state`]) and held in [`crate::AppState`], so two
/// servers in one process share nothing.
///
/// What it keeps follows the store on every round trip, also when another connection or
/// process wrote it: the device keys and the policy bundle are stamped with what they were read
/// at and read again when the store's stamp differs ([`super::shared`]); a loaded document is
/// used only while the zaak's last stored row is the one it includes, and every append this
/// service makes bumps the zaak's generation, so a row id SQLite hands out again after a
/// compaction is not mistaken for the old one ([`super::cache`]). The one assumption: this
/// service is the only writer of zaak documents in its store (admin commands never write them).
pub struct SyncService {
    db: Db,
    docs: DocCache,
    kept: KeysAndPolicy,
    lanes: WorkLanes,
    limits: SyncLimits,
}

/// The answer to one round trip, and the zaken whose documents should be compacted now.
pub struct Answer {
    pub response: SyncResponse,
    pub compact: Vec<String>,
}

/// What a round trip needs from the store, read in one transaction.
struct Prepared {
    /// Zaak ids assigned to the device's handhaver now (open zaken, not withdrawn).
    assigned: BTreeSet<String>,
    /// Zaak ids the device holds, as its request says.
    held: BTreeSet<String>,
    /// The policy version the device reports in this request.
    policy_reported: u64,
    /// The highest policy version the device reported before this round trip.
    policy_seen: u64,
    newer_policy: Option<SignedPolicy>,
    bundle: Arc<PolicyBundle>,
    keys: Arc<KeyDirectory>,
    /// The organisation's public key: it signs the bindings of the client's session keys.
    org_key: Arc<Vec<u8>>,
    /// Per document message: the stored document and this device's sync state with it.
    docs: Vec<Incoming>,
    new_docs: Vec<NewDoc>,
    more: bool,
}

/// The request's first read: ready, or it has to create documents and so read again in a write
/// transaction.
enum Read {
    Ready(Box<Prepared>),
    NeedsWriter(SyncRequest),
}

/// What the documents' work left, in the order of the lanes and of their documents.
struct Worked {
    accepted: Vec<AcceptedDoc>,
    /// Documents the round trip did not change (withdrawn zaken), to keep loaded.
    unchanged: Vec<Unchanged>,
    /// The acks of the unchanged documents.
    acks: Vec<Ack>,
    rejections: Vec<Rejection>,
}

/// A document the round trip did not change.
struct Unchanged {
    zaak_id: String,
    loaded: Loaded,
}

/// What one accepted document leaves to store: new changes, sync state (`None`: the stored one
/// still holds), flags, and the document to keep loaded.
struct ToStore {
    zaak_id: String,
    incremental: Vec<u8>,
    state: Option<Vec<u8>>,
    flags: Vec<flags::NewFlag>,
    new_visits: Vec<String>,
    /// The document, if it may be kept loaded (`check::Accepted::keep_loaded`).
    loaded: Option<Loaded>,
}

/// Everything the commit writes and keeps.
struct ToCommit {
    stored: Vec<ToStore>,
    unchanged: Vec<Unchanged>,
    /// The policy version the device reported, when higher than the one it reported before.
    newer_policy_seen: Option<u64>,
}

impl ToCommit {
    /// Whether there is anything to write: a round trip that brings nothing new (the first of a
    /// sync, which only exchanges heads) writes nothing, so no transaction, no wait for the
    /// writer.
    fn writes(&self) -> bool {
        self.newer_policy_seen.is_some()
            || self
                .stored
                .iter()
                .any(|s| !s.incremental.is_empty() || s.state.is_some() || !s.flags.is_empty())
    }
}

/// What an accepted document answers: the server's sync message, if any, and its ack.
struct Reply {
    zaak_id: String,
    message: Option<Vec<u8>>,
    ack: Ack,
}

/// After the commit: the accepted documents' replies, the zaken to compact and how many new
/// entries were stored.
struct Committed {
    replies: Vec<Reply>,
    compact: Vec<String>,
    new_entries: usize,
}

/// When each step of a round trip began and ended, for its log line.
struct Timings {
    started: Instant,
    prepare_locked: Instant,
    prepared: Instant,
    permitted: Instant,
    worked: Instant,
    commit_locked: Instant,
    committed: Instant,
}

impl Timings {
    fn start() -> Timings {
        let at = Instant::now();
        Timings {
            started: at,
            prepare_locked: at,
            prepared: at,
            permitted: at,
            worked: at,
            commit_locked: at,
            committed: at,
        }
    }
}

impl SyncService {
    /// The sync of `db`, with one lane of Automerge work per core.
    pub fn new(db: Db) -> SyncService {
        Self::with_limits(db, SyncLimits::default())
    }

    /// The sync of `db` with the bounds on a message of `limits` (`Settings::sync_limits`).
    pub fn with_limits(db: Db, limits: SyncLimits) -> SyncService {
        SyncService {
            db,
            docs: DocCache::default(),
            kept: KeysAndPolicy::default(),
            lanes: WorkLanes::per_core(),
            limits,
        }
    }

    /// The documents kept loaded.
    #[cfg(test)]
    pub(crate) fn docs(&self) -> &DocCache {
        &self.docs
    }

    /// Answers one sync request from `device_id` (already authenticated).
    pub async fn round_trip(
        self: &Arc<Self>,
        device_id: String,
        req: SyncRequest,
    ) -> Result<Answer> {
        let mut times = Timings::start();
        let in_flight = self.lanes.enter();
        let Prepared {
            assigned,
            held,
            policy_reported,
            policy_seen,
            newer_policy,
            bundle,
            keys,
            org_key,
            docs,
            new_docs,
            more,
        } = self.prepare(&device_id, req, &mut times).await?;
        times.prepared = Instant::now();

        let mut response = SyncResponse::empty();
        response.withdrawn = held.difference(&assigned).cloned().collect();
        response.assigned = assigned.difference(&held).cloned().collect();
        let lanes = in_flight.lanes().min(docs.len()).max(1);
        let ctx = LaneContext {
            assigned: Arc::new(assigned),
            device_id: Arc::from(device_id.as_str()),
            keys,
            bundle,
            org_key,
            limits: self.limits,
        };
        let worked = self.work(docs, lanes, ctx, &mut times).await?;
        times.worked = Instant::now();
        response.acks = worked.acks;
        response.rejections = worked.rejections;

        let Committed {
            replies,
            compact,
            new_entries,
        } = self
            .commit(
                &device_id,
                worked.accepted,
                worked.unchanged,
                (policy_reported > policy_seen).then_some(policy_reported),
                &mut times,
            )
            .await?;
        times.committed = Instant::now();

        for Reply {
            zaak_id,
            message,
            ack,
        } in replies
        {
            if let Some(message) = message {
                response.docs.push(DocMessage { zaak_id, message });
            }
            response.acks.push(ack);
        }
        response.policy = newer_policy;
        response.new_docs = new_docs;
        response.more = more;
        let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
        let t = &times;
        tracing::info!(device = %device_id, docs = response.docs.len(), new_docs = response.new_docs.len(),
            new_entries, rejections = response.rejections.len(),
            prepare_wait_ms = ms(t.started, t.prepare_locked), prepare_ms = ms(t.prepare_locked, t.prepared),
            cpu_wait_ms = ms(t.prepared, t.permitted), work_ms = ms(t.permitted, t.worked),
            commit_wait_ms = ms(t.worked, t.commit_locked), commit_ms = ms(t.commit_locked, t.committed),
            "sync round trip");
        drop(in_flight);
        Ok(Answer { response, compact })
    }

    /// Step 1: reads what the round trip needs. Most round trips only read, on a reader
    /// connection that does not wait for the writer; one that creates documents (first contact,
    /// new assignments) reads again under the writer's lock and writes.
    async fn prepare(
        self: &Arc<Self>,
        device_id: &str,
        req: SyncRequest,
        times: &mut Timings,
    ) -> Result<Prepared> {
        let (this, dev) = (self.clone(), device_id.to_owned());
        let (read, at) = self
            .db
            .call(move |db| {
                db.read(|tx| {
                    let at = Instant::now();
                    Ok((this.read_request(tx, &dev, req, false)?, at))
                })
            })
            .await?;
        let req = match read {
            Read::Ready(p) => {
                times.prepare_locked = at;
                return Ok(*p);
            }
            Read::NeedsWriter(req) => req,
        };
        let (this, dev) = (self.clone(), device_id.to_owned());
        let (prepared, at) = self
            .db
            .call(move |db| {
                db.write(|tx| {
                    let at = Instant::now();
                    match this.read_request(tx, &dev, req, true)? {
                        Read::Ready(p) => Ok((*p, at)),
                        Read::NeedsWriter(_) => Err(Error::Data(
                            "sync: writable prepare asked for a writer".into(),
                        )),
                    }
                })
            })
            .await?;
        times.prepare_locked = at;
        Ok(prepared)
    }

    /// Reads what the round trip needs in `tx`. In a read-only transaction (`writable` false)
    /// it stops early, before taking anything out of the cache, when a document has to be
    /// created.
    fn read_request(
        &self,
        tx: &Tx<'_>,
        device_id: &str,
        req: SyncRequest,
        writable: bool,
    ) -> Result<Read> {
        let t = now();
        let (user_id, policy_seen): (i64, i64) = tx
            .query_opt(
                "SELECT user_id, policy_version_seen FROM devices WHERE id = ?1",
                params![device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .ok_or_else(|| Error::Data(format!("device {device_id} vanished")))?;
        let zaken_assigned = zaken::assigned_to(tx, user_id)?;
        let assigned: BTreeSet<String> = zaken_assigned.iter().map(|z| z.id.clone()).collect();
        let held: BTreeSet<String> = req.held.iter().cloned().collect();
        if !writable {
            let pulls = assigned.iter().any(|z| !held.contains(z));
            let mut missing = false;
            for dm in &req.docs {
                missing |= assigned.contains(&dm.zaak_id) && !store::exists(tx, &dm.zaak_id)?;
            }
            if pulls || missing {
                return Ok(Read::NeedsWriter(req));
            }
        }

        let (version, signed) = policy::current(tx)?;
        let bundle = self.kept.bundle(version, &signed)?;
        let newer_policy = (req.policy_version < version).then_some(signed);
        let keys = self.kept.keys(tx)?;
        let org_key: Vec<u8> = tx
            .query_opt(
                "SELECT public_key FROM organisation WHERE id = 1",
                params![],
                |r| r.get(0),
            )?
            .unwrap_or_default();

        let mut docs = Vec::with_capacity(req.docs.len());
        for dm in req.docs {
            // A zaak the handhaver never had answers as one that does not exist: no heads, the
            // same refusal, no document read (no existence oracle).
            if !assigned.contains(&dm.zaak_id) && !zaken::was_assigned(tx, &dm.zaak_id, user_id)? {
                docs.push(Incoming {
                    message: dm,
                    stored: None,
                });
                continue;
            }
            let mut exists = store::exists(tx, &dm.zaak_id)?;
            if !exists {
                if let Some(z) = zaken_assigned.iter().find(|z| z.id == dm.zaak_id) {
                    self.ensure(tx, z, t)?;
                    exists = true;
                }
            }
            let source = if !exists {
                None
            } else if let Some(l) = self
                .docs
                .take(&dm.zaak_id, store::last_change_id(tx, &dm.zaak_id)?)
            {
                Some(Source::Cached(Box::new(l)))
            } else {
                let generation = self.docs.generation(&dm.zaak_id);
                store::load(tx, &dm.zaak_id)?.map(|stored| Source::Bytes { stored, generation })
            };
            let stored = match source {
                Some(source) => Some(Stored {
                    source,
                    sync_state: store::sync_state(tx, &dm.zaak_id, device_id)?,
                }),
                None => None,
            };
            docs.push(Incoming {
                message: dm,
                stored,
            });
        }

        let mut new_docs = Vec::new();
        let mut budget = 0usize;
        let mut more = false;
        for z in zaken_assigned.iter().filter(|z| !held.contains(&z.id)) {
            if budget >= RESPONSE_DOCS_BUDGET {
                more = true;
                break;
            }
            self.ensure(tx, z, t)?;
            if let Some(s) = store::load(tx, &z.id)? {
                budget += s.bytes.len();
                new_docs.push(NewDoc {
                    zaak_id: z.id.clone(),
                    document: s.bytes,
                });
            }
        }
        Ok(Read::Ready(Box::new(Prepared {
            assigned,
            held,
            policy_reported: req.policy_version,
            policy_seen: u64::try_from(policy_seen).unwrap_or(0),
            newer_policy,
            bundle,
            keys,
            org_key: Arc::new(org_key),
            docs,
            new_docs,
            more,
        })))
    }

    /// [`store::ensure`] in the round trip's write transaction; an append it makes (the
    /// document's handhavers updated) is recorded in the cache before the commit.
    fn ensure(&self, tx: &Tx<'_>, zaak: &zaken::Zaak, t: i64) -> Result<()> {
        if store::ensure(tx, zaak, t)? {
            self.docs.forget(&zaak.id);
        }
        Ok(())
    }

    /// Step 2: the documents' Automerge work, over every core for a lone device's sync
    /// (`lanes`), in one lane (waiting its turn for a core, in arrival order) when other round
    /// trips are in flight.
    async fn work(
        &self,
        docs: Vec<Incoming>,
        lanes: usize,
        ctx: LaneContext,
        times: &mut Timings,
    ) -> Result<Worked> {
        let mut chunks: Vec<Vec<Incoming>> = (0..lanes).map(|_| Vec::new()).collect();
        for (i, doc) in docs.into_iter().enumerate() {
            chunks[i % lanes].push(doc);
        }
        let mut permitted = None;
        let mut tasks = Vec::with_capacity(lanes);
        for chunk in chunks.into_iter().filter(|c| !c.is_empty()) {
            let permit = self.lanes.permit().await;
            permitted.get_or_insert_with(Instant::now);
            let ctx = ctx.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                let _permit = permit;
                work::run_lane(chunk, &ctx)
            }));
        }
        times.permitted = permitted.unwrap_or_else(Instant::now);
        let mut worked = Worked {
            accepted: Vec::new(),
            unchanged: Vec::new(),
            acks: Vec::new(),
            rejections: Vec::new(),
        };
        for task in tasks {
            let outcomes = task
                .await
                .map_err(|e| Error::Data(format!("sync task failed: {e}")))?;
            for outcome in outcomes {
                match outcome {
                    Outcome::Accepted(a) => worked.accepted.push(*a),
                    Outcome::AckOnly { ack, loaded } => {
                        worked.unchanged.push(Unchanged {
                            zaak_id: ack.zaak_id.clone(),
                            loaded: *loaded,
                        });
                        worked.acks.push(ack);
                    }
                    Outcome::Rejected(r) => {
                        tracing::warn!(device = %ctx.device_id, zaak = %r.zaak_id, code = %r.code, "sync message refused");
                        worked.rejections.push(r);
                    }
                }
            }
        }
        Ok(worked)
    }

    /// Step 3: stores the accepted documents' changes, sync states and flags (and the policy
    /// version the device now reports) in one write transaction, none when nothing is new, and
    /// keeps the documents loaded.
    async fn commit(
        self: &Arc<Self>,
        device_id: &str,
        accepted: Vec<AcceptedDoc>,
        unchanged: Vec<Unchanged>,
        newer_policy_seen: Option<u64>,
        times: &mut Timings,
    ) -> Result<Committed> {
        let mut replies = Vec::with_capacity(accepted.len());
        let mut stored = Vec::with_capacity(accepted.len());
        let mut new_entries = 0;
        for AcceptedDoc {
            accepted: a,
            loaded,
            state_before,
        } in accepted
        {
            new_entries += a.new_entries;
            replies.push(Reply {
                zaak_id: a.zaak_id.clone(),
                message: a.reply,
                ack: a.ack,
            });
            let state_before = state_before.unwrap_or_else(|| sync::State::new().encode());
            stored.push(ToStore {
                zaak_id: a.zaak_id,
                state: (a.state != state_before).then_some(a.state),
                incremental: a.incremental,
                flags: a.flags,
                new_visits: a.new_visits,
                loaded: a.keep_loaded.then_some(loaded),
            });
        }
        let commit = ToCommit {
            stored,
            unchanged,
            newer_policy_seen,
        };
        let compact = if commit.writes() {
            let (this, dev) = (self.clone(), device_id.to_owned());
            let (compact, at) = self
                .db
                .call(move |db| {
                    let at = Instant::now();
                    Ok((this.write(db, &dev, commit)?, at))
                })
                .await?;
            times.commit_locked = at;
            compact
        } else {
            for s in commit.stored {
                if let Some(loaded) = s.loaded {
                    self.docs.put_unchanged(&s.zaak_id, loaded);
                }
            }
            for u in commit.unchanged {
                self.docs.put_unchanged(&u.zaak_id, u.loaded);
            }
            times.commit_locked = Instant::now();
            Vec::new()
        };
        Ok(Committed {
            replies,
            compact,
            new_entries,
        })
    }

    /// Stores what the round trip accepted in one transaction, then (still holding the store)
    /// keeps the documents loaded for the next round trip: a document is kept as current only
    /// if nothing was appended to its zaak since it was read. Kept documents of the zaken
    /// appended to are dropped before the commit, so no reader (which does not take the
    /// writer's lock) can find one that lacks a committed row; the new ones are kept only after
    /// the commit. Returns the zaken whose documents should be compacted.
    fn write(&self, db: &Db, device_id: &str, commit: ToCommit) -> Result<Vec<String>> {
        /// What to keep of one stored document after the commit: `appended`, when the round
        /// trip appended to the zaak (with the document that includes the new row, if it was
        /// current), else the document to put back unchanged, if any.
        struct Keep {
            zaak_id: String,
            appended: Option<Option<Loaded>>,
            unchanged: Option<Loaded>,
        }
        let ToCommit {
            stored,
            unchanged,
            newer_policy_seen,
        } = commit;
        db.write_then(|tx| {
        let t = now();
        let mut compact = Vec::new();
        let mut keep = Vec::with_capacity(stored.len());
        for item in stored {
            let ToStore {
                zaak_id,
                incremental,
                state,
                flags: raised,
                new_visits,
                loaded,
            } = item;
            if incremental.is_empty() {
                keep.push(Keep {
                    zaak_id: zaak_id.clone(),
                    appended: None,
                    unchanged: loaded,
                });
            } else {
                // Kept only if it held every row before this one (nothing appended since it
                // was read), so that with this row it is the stored document. The zaak is
                // locked first, so no other instance's append to it is in flight unseen.
                store::lock_zaak(tx, &zaak_id)?;
                let last = store::last_change_id(tx, &zaak_id)?;
                let current = loaded.filter(|l| {
                    l.change_id == last && self.docs.generation(&zaak_id) == l.generation
                });
                let (change_id, rows) = store::append(tx, &zaak_id, &incremental, device_id, t)?;
                if rows > store::COMPACT_AFTER {
                    compact.push(zaak_id.clone());
                }
                let current = current.map(|mut l| {
                    l.change_id = change_id;
                    l.stored_bytes += incremental.len();
                    l
                });
                keep.push(Keep {
                    zaak_id: zaak_id.clone(),
                    appended: Some(current),
                    unchanged: None,
                });
            }
            if let Some(state) = &state {
                store::put_sync_state(tx, &zaak_id, device_id, state, t)?;
            }
            for visit in &new_visits {
                crate::audit::append(
                    tx,
                    t,
                    &format!("apparaat {device_id}"),
                    "visit_received",
                    &serde_json::json!({ "zaak": zaak_id, "bezoek": visit, "device": device_id }),
                )?;
            }
            for f in &raised {
                let id = flags::raise(tx, f, t)?;
                tracing::warn!(flag = id, device = %device_id, zaak = %zaak_id, entry = %f.entry_ref,
                    known = ?f.code_known, active = %f.code_active, "action under an outdated code flagged");
            }
        }
        if newer_policy_seen.is_some() {
            devices::touch(tx, device_id, t, newer_policy_seen)?;
        }
        for k in &keep {
            if k.appended.is_some() {
                self.docs.forget(&k.zaak_id);
            }
        }
        Ok((compact, keep))
        }, |(compact, keep)| {
        for k in keep {
            match (k.appended, k.unchanged) {
                (Some(current), _) => self.docs.stored(&k.zaak_id, current),
                (None, Some(loaded)) => self.docs.put_unchanged(&k.zaak_id, loaded),
                (None, None) => {}
            }
        }
        for u in unchanged {
            self.docs.put_unchanged(&u.zaak_id, u.loaded);
        }
        Ok(compact)
        })
    }

    /// Rewrites a document's snapshot from the snapshot and its incremental rows. The Automerge
    /// work happens outside the lock; rows appended meanwhile are kept. The cache is left as it
    /// is: a kept document whose last row was compacted away no longer matches the zaak's last
    /// row, and the next append through this service drops it (see [`super::cache`]).
    pub async fn compact(&self, zaak_id: String) -> Result<()> {
        let id = zaak_id.clone();
        let Some(stored) = self
            .db
            .call(move |db| db.with(|c| store::load(c, &id)))
            .await?
        else {
            return Ok(());
        };
        if stored.changes == 0 {
            return Ok(());
        }
        let snapshot = tokio::task::spawn_blocking(move || {
            ZaakDocument::load(&stored.bytes).map(|mut d| (d.save(), stored.last_change_id))
        })
        .await
        .map_err(|e| Error::Data(format!("compaction task failed: {e}")))?
        .map_err(|e| Error::Data(format!("zaak {zaak_id}: {e}")))?;
        self.db
            .call(move |db| {
                db.write(|tx| store::replace_snapshot(tx, &zaak_id, &snapshot.0, snapshot.1, now()))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{add_user, Role};
    use veldwerk_contract::evidence::{DeviceKey, Signer};
    use veldwerk_rules::routekaart::Actie;

    /// A store with handhaver piet and zaak Z-1 assigned to him, with its document.
    fn store_with_zaak() -> (tempfile::TempDir, Db, zaken::Zaak) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        crate::setup::ensure_organisation(&db, "Gemeente Test").unwrap();
        let zaak = db
            .write(|tx| {
                add_user(tx, "piet", Role::Handhaver, None, "test", 0)?;
                let (z, _) = zaken::create(
                    tx,
                    zaken::NewZaak {
                        id: Some("Z-1".into()),
                        label: "Woonsituatie".into(),
                        adres: "Kerkstraat 1, Demodorp".into(),
                        melding: serde_json::from_value(serde_json::json!({
                            "werkproces": "h2", "regeling": "16 Key2handhaven",
                            "aard_bijstand": "Incidenteel", "fase": 10, "begindatum": "2026-11-20",
                            "klantmanager": "J. de Vries", "werkvoorraad": "hand",
                            "motivatie": "Post op dit adres is gericht aan een tweede volwassene, brief van 3 november."
                        }))
                        .unwrap(),
                        deadline: None,
                    },
                    "test",
                    0,
                )?;
                zaken::assign(tx, "Z-1", "piet", "test", 0)?;
                store::ensure(tx, &z, 0)?;
                Ok(z)
            })
            .unwrap();
        (dir, db, zaak)
    }

    /// A round trip reads a zaak's rows on a reader connection after the writer appended some;
    /// SQLite must not have to prepare those statements again each time (it did for an
    /// `ORDER BY id` and a bare `max(id)`: about 5% of the server's CPU in a burst).
    #[test]
    fn reading_a_zaaks_rows_after_a_write_uses_the_prepared_statements() {
        let (_dir, db, zaak) = store_with_zaak();
        let stored = db.with(|c| store::load(c, &zaak.id)).unwrap().unwrap();
        let mut doc = ZaakDocument::load(&stored.bytes).unwrap();
        let signer = Signer {
            device_id: "dev-1".into(),
            key: DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap(),
        };
        let mut last = 0;
        for _ in 0..4 {
            doc.start_visit(Actie::Huisbezoek, &signer, chrono::Utc::now())
                .unwrap();
            let bytes = doc.save_incremental();
            db.write(|tx| store::append(tx, &zaak.id, &bytes, "dev-1", 0))
                .unwrap();
            let (id, loaded) = db
                .read(|tx| {
                    Ok((
                        store::last_change_id(tx, &zaak.id)?,
                        store::load(tx, &zaak.id)?,
                    ))
                })
                .unwrap();
            let loaded = loaded.unwrap();
            assert!(id > last);
            assert_eq!(loaded.last_change_id, id);
            last = id;
        }
        let reprepared = db
            .with_sqlite(|c| {
                let mut n = 0;
                for sql in [store::LAST_CHANGE_ID, store::CHANGE_ROWS] {
                    n += c
                        .prepare_cached(sql)?
                        .get_status(rusqlite::StatementStatus::RePrepare);
                }
                Ok(n)
            })
            .unwrap()
            .unwrap();
        assert_eq!(reprepared, 0);
        let stored = db.with(|c| store::load(c, &zaak.id)).unwrap().unwrap();
        assert_eq!(stored.changes, 4);
        assert_eq!(
            ZaakDocument::load(&stored.bytes).unwrap().heads(),
            doc.heads()
        );
    }

    #[tokio::test]
    async fn compaction_keeps_the_document_and_rows_appended_meanwhile() {
        let (_dir, db, zaak) = store_with_zaak();
        let signer = Signer {
            device_id: "dev-1".into(),
            key: DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap(),
        };
        let append_visits = |n: usize| {
            let stored = db.with(|c| store::load(c, &zaak.id)).unwrap().unwrap();
            let mut doc = ZaakDocument::load(&stored.bytes).unwrap();
            for _ in 0..n {
                doc.start_visit(Actie::Huisbezoek, &signer, chrono::Utc::now())
                    .unwrap();
                let bytes = doc.save_incremental();
                db.write(|tx| store::append(tx, &zaak.id, &bytes, "dev-1", 0))
                    .unwrap();
            }
            doc
        };
        let mut before = append_visits(40);
        SyncService::new(db.clone())
            .compact(zaak.id.clone())
            .await
            .unwrap();
        let stored = db.with(|c| store::load(c, &zaak.id)).unwrap().unwrap();
        assert_eq!(stored.changes, 0);
        let mut after = ZaakDocument::load(&stored.bytes).unwrap();
        assert_eq!(after.heads(), before.heads());
        assert_eq!(after.visits().unwrap().len(), 40);

        let mut more = append_visits(2);
        let stored = db.with(|c| store::load(c, &zaak.id)).unwrap().unwrap();
        assert_eq!(stored.changes, 2);
        assert_eq!(
            ZaakDocument::load(&stored.bytes).unwrap().heads(),
            more.heads()
        );
    }

    /// A device's message whose changes wait for a missing dependency is applied as far as it
    /// goes, but its document is not kept loaded: the waiting change would be applied in a later
    /// round trip, perhaps another device's, without its own checks. A complete one is kept.
    #[tokio::test]
    async fn a_document_with_a_waiting_change_is_not_kept_loaded() {
        let (_dir, db, _zaak) = store_with_zaak();
        let service = Arc::new(SyncService::new(db.clone()));
        let key = DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap();
        let device = db
            .write(|tx| {
                let code = devices::issue_enroll_code(tx, "piet", 3600, "test", now())?;
                devices::enroll(tx, &code, &key.public_key(), now())
            })
            .unwrap();
        let signer = Signer {
            device_id: device.id.clone(),
            key,
        };
        let stored = db.with(|c| store::load(c, "Z-1")).unwrap().unwrap();
        let mut doc = ZaakDocument::load(&stored.bytes).unwrap();
        let server_heads = doc.heads();
        doc.start_visit(Actie::Huisbezoek, &signer, chrono::Utc::now())
            .unwrap();
        let first = doc.save_incremental();
        doc.start_visit(Actie::Huisbezoek, &signer, chrono::Utc::now())
            .unwrap();
        let second = doc.save_incremental();
        let device_heads = doc.heads();

        let sync_with = |changes: Vec<Vec<u8>>| {
            let message = sync::Message {
                heads: device_heads.clone(),
                need: Vec::new(),
                have: vec![sync::Have {
                    last_sync: server_heads.clone(),
                    bloom: sync::BloomFilter::default(),
                }],
                changes: changes.into(),
                flags: None,
                version: sync::MessageVersion::V1,
            };
            service.round_trip(
                device.id.clone(),
                SyncRequest {
                    protocol: veldwerk_contract::sync::PROTOCOL_VERSION,
                    policy_version: 0,
                    held: vec!["Z-1".into()],
                    docs: vec![DocMessage {
                        zaak_id: "Z-1".into(),
                        message: message.encode(),
                    }],
                },
            )
        };
        let last_row = || db.with(|c| store::last_change_id(c, "Z-1")).unwrap();

        let response = sync_with(vec![second.clone()]).await.unwrap().response;
        assert!(response.rejections.is_empty(), "{:?}", response.rejections);
        assert!(!response.acks[0].complete);
        assert!(
            service.docs().take("Z-1", last_row()).is_none(),
            "a document with a waiting change is not kept"
        );

        let response = sync_with(vec![first, second]).await.unwrap().response;
        assert!(response.rejections.is_empty(), "{:?}", response.rejections);
        assert!(response.acks[0].complete);
        let mut kept = service.docs().take("Z-1", last_row()).expect("kept");
        assert_eq!(kept.doc.heads(), device_heads);
        let stored = db.with(|c| store::load(c, "Z-1")).unwrap().unwrap();
        assert_eq!(
            ZaakDocument::load(&stored.bytes).unwrap().heads(),
            device_heads
        );
    }
}
