//! One sync round trip on the server (issue 4 points 3 and 4): read what the request needs
//! under the store's lock, do the Automerge work and the checks outside it, then store every
//! accepted document's new changes, its sync state and its flags in one transaction.
//!
//! - [`store`]: documents (snapshot + incremental rows, compaction) and sync states.
//! - [`check`]: the checks on one document's message and the outdated-code flags.
//!
//! The wire format is in `docs/sync-protocol.md`; the envelope types in `veldwerk_contract::sync`.

pub mod cache;
pub mod check;
pub mod shared;
pub mod store;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use automerge::sync;
use rusqlite::OptionalExtension;
use veldwerk_contract::evidence::{KeyDirectory, Signatures};
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};
use veldwerk_contract::sync::RESPONSE_DOCS_BUDGET;
use veldwerk_contract::sync::{DocMessage, NewDoc, Rejection, SyncRequest, SyncResponse};
use veldwerk_contract::zaak::ZaakDocument;

use crate::db::{now, Db};
use crate::error::{Error, Result};
use crate::{devices, flags, policy, zaken};

/// A stored document, kept loaded ([`cache`]) or as bytes read under the lock with the zaak's
/// generation then.
enum Source {
    Cached(Box<cache::Loaded>),
    Bytes(store::StoredDoc, u64),
}

/// A stored document and this device's sync state with it.
type StoredWithState = (Source, Option<Vec<u8>>);

/// What one accepted document leaves to store: new changes, sync state (`None`: the stored one
/// still holds), flags, and the document to keep loaded.
struct ToStore {
    zaak_id: String,
    incremental: Vec<u8>,
    state: Option<Vec<u8>>,
    flags: Vec<flags::NewFlag>,
    /// The document, if it may be kept loaded (`check::Accepted::keep_loaded`).
    loaded: Option<cache::Loaded>,
}

/// What the request needs from the store, read under the lock.
struct Prepared {
    /// Zaak ids assigned to the device's handhaver now (open zaken, not withdrawn).
    assigned: BTreeSet<String>,
    newer_policy: Option<SignedPolicy>,
    bundle: Arc<PolicyBundle>,
    keys: Arc<KeyDirectory>,
    /// Per document message: the stored document and this device's sync state with it.
    docs: Vec<(DocMessage, Option<StoredWithState>)>,
    new_docs: Vec<NewDoc>,
    more: bool,
    /// The highest policy version the device reported before this round trip.
    policy_seen: u64,
    /// The store's key in [`cache`].
    store_key: std::path::PathBuf,
}

/// Answers one sync request from `device_id` (already authenticated). Returns the response and
/// the zaken whose documents should be compacted.
pub async fn round_trip(
    db: &Db,
    device_id: String,
    req: SyncRequest,
) -> Result<(SyncResponse, Vec<String>)> {
    let started = Instant::now();
    let in_flight = shared::InFlight::enter();
    let dev = device_id.clone();
    // Most round trips only read; one that creates documents (first contact, new assignments)
    // reads again under the writer's lock and writes.
    let (prepared, prepare_locked_at) = match db
        .call(move |db| {
            db.read(|tx| {
                let at = Instant::now();
                Ok((prepare(tx, &dev, req, false)?, at))
            })
        })
        .await?
    {
        (Prepare::Ready(p), at) => (*p, at),
        (Prepare::NeedsWriter(req), _) => {
            let dev = device_id.clone();
            db.call(move |db| {
                db.write(|tx| {
                    let at = Instant::now();
                    match prepare(tx, &dev, req, true)? {
                        Prepare::Ready(p) => Ok((*p, at)),
                        Prepare::NeedsWriter(_) => Err(Error::Data(
                            "sync: writable prepare asked for a writer".into(),
                        )),
                    }
                })
            })
            .await?
        }
    };
    let prepared_at = Instant::now();
    let Prepared {
        assigned,
        newer_policy,
        bundle,
        keys,
        docs,
        new_docs,
        more,
        policy_seen,
        store_key,
    } = prepared.0;
    let (held, policy_version) = prepared.1;

    // The documents' Automerge work: over every core for a lone device's sync, in one lane
    // (waiting its turn for a core, in arrival order) when other round trips are in flight.
    let mut response = SyncResponse::empty();
    response.withdrawn = held.difference(&assigned).cloned().collect();
    response.assigned = assigned.difference(&held).cloned().collect();
    let lanes = in_flight.lanes().min(docs.len()).max(1);
    let mut chunks: Vec<Vec<(DocMessage, Option<StoredWithState>)>> =
        (0..lanes).map(|_| Vec::new()).collect();
    for (i, doc) in docs.into_iter().enumerate() {
        chunks[i % lanes].push(doc);
    }
    let (assigned, dev) = (Arc::new(assigned), Arc::<str>::from(device_id.as_str()));
    let mut permitted_at = None;
    let mut tasks = Vec::with_capacity(lanes);
    for chunk in chunks.into_iter().filter(|c| !c.is_empty()) {
        let permit = shared::cpu_permit().await;
        permitted_at.get_or_insert_with(Instant::now);
        let (assigned, dev, keys, bundle) =
            (assigned.clone(), dev.clone(), keys.clone(), bundle.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // Every document of the lane applied and checked first, their signatures verified
            // in one batch, then the checks completed (ADR 0003).
            let mut signatures = Signatures::new();
            let staged: Vec<(String, Staged)> = chunk
                .into_iter()
                .map(|(dm, stored)| {
                    let staged = stage(&dm, stored, &assigned, &dev, &keys, &mut signatures);
                    (dm.zaak_id, staged)
                })
                .collect();
            signatures.verify_queued();
            staged
                .into_iter()
                .map(|(zaak_id, staged)| {
                    let outcome = match staged {
                        Staged::Done(outcome) => outcome,
                        Staged::Applied(pending) => {
                            finish(*pending, &dev, &keys, &bundle, &mut signatures)
                        }
                    };
                    (zaak_id, outcome)
                })
                .collect::<Vec<_>>()
        }));
    }
    let permitted_at = permitted_at.unwrap_or_else(Instant::now);
    let mut accepted = Vec::new();
    let mut unchanged = Vec::new();
    for task in tasks {
        let outcomes = task
            .await
            .map_err(|e| Error::Data(format!("sync task failed: {e}")))?;
        for (zaak_id, outcome) in outcomes {
            match outcome {
                Outcome::Accepted(a) => accepted.push(*a),
                Outcome::AckOnly(ack, loaded) => {
                    response.acks.push(ack);
                    unchanged.push((zaak_id, *loaded));
                }
                Outcome::Rejected(r) => {
                    tracing::warn!(device = %device_id, zaak = %r.zaak_id, code = %r.code, "sync message refused");
                    response.rejections.push(r);
                }
            }
        }
    }
    let worked_at = Instant::now();

    let dev = device_id.clone();
    let mut replies = Vec::with_capacity(accepted.len());
    let mut stored = Vec::with_capacity(accepted.len());
    let mut new_entries = 0;
    for (a, loaded, state_before) in accepted {
        new_entries += a.new_entries;
        replies.push((a.zaak_id.clone(), a.reply, a.ack));
        let state_before = state_before.unwrap_or_else(|| sync::State::new().encode());
        stored.push(ToStore {
            zaak_id: a.zaak_id,
            state: (a.state != state_before).then_some(a.state),
            incremental: a.incremental,
            flags: a.flags,
            loaded: a.keep_loaded.then_some(loaded),
        });
    }
    // A round trip that brings nothing new (the first of a sync, which only exchanges heads)
    // writes nothing: no transaction, no wait for the writer.
    let newer_policy_seen = (policy_version > policy_seen).then_some(policy_version);
    let writes = newer_policy_seen.is_some()
        || stored
            .iter()
            .any(|s| !s.incremental.is_empty() || s.state.is_some() || !s.flags.is_empty());
    let (compact, commit_locked_at) = if writes {
        db.call(move |db| {
            db.with(|conn| {
                let at = Instant::now();
                Ok((
                    commit(conn, &dev, stored, unchanged, newer_policy_seen)?,
                    at,
                ))
            })
        })
        .await?
    } else {
        for s in stored {
            if let Some(loaded) = s.loaded {
                cache::put_unchanged(&store_key, &s.zaak_id, loaded);
            }
        }
        for (zaak_id, loaded) in unchanged {
            cache::put_unchanged(&store_key, &zaak_id, loaded);
        }
        (Vec::new(), Instant::now())
    };

    for (zaak_id, reply, ack) in replies {
        if let Some(reply) = reply {
            response.docs.push(DocMessage {
                zaak_id,
                message: reply,
            });
        }
        response.acks.push(ack);
    }
    response.policy = newer_policy;
    response.new_docs = new_docs;
    response.more = more;
    let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
    let committed_at = Instant::now();
    tracing::info!(device = %device_id, docs = response.docs.len(), new_docs = response.new_docs.len(),
        new_entries, rejections = response.rejections.len(),
        prepare_wait_ms = ms(started, prepare_locked_at), prepare_ms = ms(prepare_locked_at, prepared_at),
        cpu_wait_ms = ms(prepared_at, permitted_at), work_ms = ms(permitted_at, worked_at),
        commit_wait_ms = ms(worked_at, commit_locked_at), commit_ms = ms(commit_locked_at, committed_at),
        "sync round trip");
    Ok((response, compact))
}

/// Stores what the round trip accepted in one transaction, then (still holding the store) keeps
/// the documents loaded for the next round trip: a document is kept as current only if nothing
/// was appended to its zaak since it was read. Kept documents of the zaken appended to are
/// dropped before the commit, so no reader (which does not take the writer's lock) can find one
/// that lacks a committed row; the new ones are kept only after the commit.
fn commit(
    conn: &mut rusqlite::Connection,
    device_id: &str,
    stored: Vec<ToStore>,
    unchanged: Vec<(String, cache::Loaded)>,
    newer_policy_seen: Option<u64>,
) -> Result<Vec<String>> {
    let key = cache::store_of(conn);
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let t = now();
    let mut compact = Vec::new();
    let mut keep = Vec::with_capacity(stored.len());
    for item in stored {
        let ToStore {
            zaak_id,
            incremental,
            state,
            flags: raised,
            loaded,
        } = item;
        if incremental.is_empty() {
            keep.push((zaak_id.clone(), None, loaded));
        } else {
            // Kept only if it held every row before this one (nothing appended since it was
            // read), so that with this row it is the stored document.
            let last = store::last_change_id(&tx, &zaak_id)?;
            let current = loaded.filter(|l| {
                l.change_id == last && cache::generation(&key, &zaak_id) == l.generation
            });
            let rows = store::append(&tx, &zaak_id, &incremental, device_id, t)?;
            if rows > store::COMPACT_AFTER {
                compact.push(zaak_id.clone());
            }
            let current = current.map(|mut l| {
                l.change_id = tx.last_insert_rowid();
                l.stored_bytes += incremental.len();
                l
            });
            keep.push((zaak_id.clone(), Some(current), None));
        }
        if let Some(state) = &state {
            store::put_sync_state(&tx, &zaak_id, device_id, state, t)?;
        }
        for f in &raised {
            let id = flags::raise(&tx, f, t)?;
            tracing::warn!(flag = id, device = %device_id, zaak = %zaak_id, entry = %f.entry_ref,
                known = ?f.code_known, active = %f.code_active, "action under an outdated code flagged");
        }
    }
    if newer_policy_seen.is_some() {
        devices::touch(&tx, device_id, t, newer_policy_seen)?;
    }
    for (zaak_id, appended, _) in &keep {
        if appended.is_some() {
            cache::forget(&key, zaak_id);
        }
    }
    tx.commit()?;
    for (zaak_id, appended, unchanged) in keep {
        match (appended, unchanged) {
            (Some(current), _) => cache::stored(&key, &zaak_id, current),
            (None, Some(loaded)) => cache::put_unchanged(&key, &zaak_id, loaded),
            (None, None) => {}
        }
    }
    for (zaak_id, loaded) in unchanged {
        cache::put_unchanged(&key, &zaak_id, loaded);
    }
    Ok(compact)
}

enum Outcome {
    /// With the device's sync state as stored before.
    Accepted(Box<(check::Accepted, cache::Loaded, Option<Vec<u8>>)>),
    AckOnly(veldwerk_contract::sync::Ack, Box<cache::Loaded>),
    Rejected(Rejection),
}

fn not_assigned(zaak_id: &str) -> Rejection {
    Rejection {
        zaak_id: zaak_id.to_owned(),
        code: "not_assigned".into(),
        message: format!(
            "Zaak {zaak_id} is niet (meer) aan u toegewezen; de wijzigingen zijn niet opgeslagen. \
             Neem contact op met uw leidinggevende."
        ),
    }
}

/// A document's message after [`stage`]: decided already, or applied and waiting for the
/// round trip's signature verdicts.
enum Staged {
    Done(Outcome),
    Applied(Box<Pending>),
}

/// An applied message with its document and this device's sync state, before and now.
struct Pending {
    applied: check::Applied,
    loaded: cache::Loaded,
    state: sync::State,
    state_before: Option<Vec<u8>>,
}

/// Decodes a document's message, loads the document and applies the message
/// ([`check::apply`]), queueing in `signatures` what [`finish`] will ask.
fn stage(
    dm: &DocMessage,
    stored: Option<StoredWithState>,
    assigned: &BTreeSet<String>,
    device_id: &str,
    keys: &KeyDirectory,
    signatures: &mut Signatures,
) -> Staged {
    let zaak_id = dm.zaak_id.as_str();
    let Ok(message) = sync::Message::decode(&dm.message) else {
        return Staged::Done(Outcome::Rejected(Rejection {
            zaak_id: zaak_id.to_owned(),
            code: "message_malformed".into(),
            message: format!("Zaak {zaak_id}: het synchronisatiebericht is onleesbaar."),
        }));
    };
    let Some((source, state_before)) = stored else {
        return Staged::Done(Outcome::Rejected(not_assigned(zaak_id)));
    };
    let mut loaded = match source {
        Source::Cached(l) => *l,
        Source::Bytes(s, generation) => match ZaakDocument::load(&s.bytes) {
            Ok(doc) => cache::Loaded {
                doc,
                change_id: s.last_change_id,
                stored_bytes: s.bytes.len(),
                known: None,
                generation,
            },
            Err(e) => {
                tracing::error!(zaak = %zaak_id, error = %e, "stored zaak document unreadable");
                return Staged::Done(Outcome::Rejected(Rejection {
                    zaak_id: zaak_id.to_owned(),
                    code: "document_unreadable".into(),
                    message: format!("Zaak {zaak_id}: het document op de server is onleesbaar."),
                }));
            }
        },
    };
    if !assigned.contains(zaak_id) {
        // A withdrawn zaak: nothing new is accepted, but the device learns whether the server
        // holds all it had, so it may purge its copy.
        if !message.changes.is_empty() {
            return Staged::Done(Outcome::Rejected(not_assigned(zaak_id)));
        }
        let heads = check::ack_heads(&mut loaded.doc);
        let mut announced: Vec<serde_bytes::ByteBuf> = message
            .heads
            .iter()
            .map(|h| serde_bytes::ByteBuf::from(h.as_ref().to_vec()))
            .collect();
        announced.sort();
        return Staged::Done(Outcome::AckOnly(
            veldwerk_contract::sync::Ack {
                zaak_id: zaak_id.to_owned(),
                complete: announced == heads,
                heads,
            },
            Box::new(loaded),
        ));
    }
    let mut state = state_before
        .as_deref()
        .and_then(|s| sync::State::decode(s).ok())
        .unwrap_or_default();
    match check::apply(
        zaak_id,
        &mut loaded.doc,
        &mut loaded.known,
        &mut state,
        message,
        device_id,
        keys,
        signatures,
    ) {
        Ok(applied) => Staged::Applied(Box::new(Pending {
            applied,
            loaded,
            state,
            state_before,
        })),
        Err(r) => Staged::Done(Outcome::Rejected(r)),
    }
}

/// Completes the checks of a [`stage`]d message ([`check::finish`]).
fn finish(
    pending: Pending,
    device_id: &str,
    keys: &KeyDirectory,
    bundle: &PolicyBundle,
    signatures: &mut Signatures,
) -> Outcome {
    let Pending {
        applied,
        mut loaded,
        mut state,
        state_before,
    } = pending;
    match check::finish(
        applied,
        &mut loaded.doc,
        &mut loaded.known,
        &mut state,
        device_id,
        keys,
        bundle,
        signatures,
    ) {
        Ok(a) => Outcome::Accepted(Box::new((a, loaded, state_before))),
        Err(r) => Outcome::Rejected(r),
    }
}

type PrepareOut = (Prepared, (BTreeSet<String>, u64));

enum Prepare {
    Ready(Box<PrepareOut>),
    /// The round trip must create documents: prepare it again in a write transaction.
    NeedsWriter(SyncRequest),
}

/// Reads what the round trip needs. In a read-only transaction (`writable` false) it stops
/// early, before taking anything out of the cache, when a document has to be created.
fn prepare(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    req: SyncRequest,
    writable: bool,
) -> Result<Prepare> {
    let t = now();
    let (user_id, policy_seen): (i64, i64) = tx
        .prepare_cached("SELECT user_id, policy_version_seen FROM devices WHERE id = ?1")?
        .query_row([device_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
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
            return Ok(Prepare::NeedsWriter(req));
        }
    }

    let (version, signed) = policy::current(tx)?;
    let bundle = shared::bundle(tx, version, &signed)?;
    let newer_policy = (req.policy_version < version).then_some(signed);
    let keys = shared::keys(tx)?;

    let key = cache::store_of(tx);
    let mut docs = Vec::with_capacity(req.docs.len());
    for dm in req.docs {
        let mut exists = store::exists(tx, &dm.zaak_id)?;
        if !exists {
            if let Some(z) = zaken_assigned.iter().find(|z| z.id == dm.zaak_id) {
                store::ensure(tx, z, t)?;
                exists = true;
            }
        }
        let source = if !exists {
            None
        } else if let Some(l) =
            cache::take(&key, &dm.zaak_id, store::last_change_id(tx, &dm.zaak_id)?)
        {
            Some(Source::Cached(Box::new(l)))
        } else {
            let generation = cache::generation(&key, &dm.zaak_id);
            store::load(tx, &dm.zaak_id)?.map(|s| Source::Bytes(s, generation))
        };
        let stored = match source {
            Some(s) => Some((s, store::sync_state(tx, &dm.zaak_id, device_id)?)),
            None => None,
        };
        docs.push((dm, stored));
    }

    let mut new_docs = Vec::new();
    let mut budget = 0usize;
    let mut more = false;
    for z in zaken_assigned.iter().filter(|z| !held.contains(&z.id)) {
        if budget >= RESPONSE_DOCS_BUDGET {
            more = true;
            break;
        }
        store::ensure(tx, z, t)?;
        if let Some(s) = store::load(tx, &z.id)? {
            budget += s.bytes.len();
            new_docs.push(NewDoc {
                zaak_id: z.id.clone(),
                document: s.bytes,
            });
        }
    }
    Ok(Prepare::Ready(Box::new((
        Prepared {
            assigned,
            newer_policy,
            bundle,
            keys,
            docs,
            new_docs,
            more,
            policy_seen: u64::try_from(policy_seen).unwrap_or(0),
            store_key: key,
        },
        (held, req.policy_version),
    ))))
}

/// Rewrites a document's snapshot from the snapshot and its incremental rows. The Automerge
/// work happens outside the lock; rows appended meanwhile are kept.
pub async fn compact(db: &Db, zaak_id: String) -> Result<()> {
    let id = zaak_id.clone();
    let Some(stored) = db.call(move |db| db.with(|c| store::load(c, &id))).await? else {
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
    db.call(move |db| {
        db.write(|tx| store::replace_snapshot(tx, &zaak_id, &snapshot.0, snapshot.1, now()))
    })
    .await
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
            .read(|tx| {
                let mut n = 0;
                for sql in [store::LAST_CHANGE_ID, store::CHANGE_ROWS] {
                    n += tx
                        .prepare_cached(sql)?
                        .get_status(rusqlite::StatementStatus::RePrepare);
                }
                Ok(n)
            })
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
        compact(&db, zaak.id.clone()).await.unwrap();
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
            round_trip(
                &db,
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
        let store_key = db.with(|c| Ok(cache::store_of(c))).unwrap();
        let last_row = || db.with(|c| store::last_change_id(c, "Z-1")).unwrap();

        let (response, _) = sync_with(vec![second.clone()]).await.unwrap();
        assert!(response.rejections.is_empty(), "{:?}", response.rejections);
        assert!(!response.acks[0].complete);
        assert!(
            cache::take(&store_key, "Z-1", last_row()).is_none(),
            "a document with a waiting change is not kept"
        );

        let (response, _) = sync_with(vec![first, second]).await.unwrap();
        assert!(response.rejections.is_empty(), "{:?}", response.rejections);
        assert!(response.acks[0].complete);
        let mut kept = cache::take(&store_key, "Z-1", last_row()).expect("kept");
        assert_eq!(kept.doc.heads(), device_heads);
        let stored = db.with(|c| store::load(c, "Z-1")).unwrap().unwrap();
        assert_eq!(
            ZaakDocument::load(&stored.bytes).unwrap().heads(),
            device_heads
        );
    }
}
