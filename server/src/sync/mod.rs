//! One sync round trip on the server (issue 4 points 3 and 4): read what the request needs
//! under the store's lock, do the Automerge work and the checks outside it, then store every
//! accepted document's new changes, its sync state and its flags in one transaction.
//!
//! - [`store`]: documents (snapshot + incremental rows, compaction) and sync states.
//! - [`check`]: the checks on one document's message and the outdated-code flags.
//!
//! The wire format is in `docs/sync-protocol.md`; the envelope types in `veldwerk_core::sync`.

pub mod check;
pub mod store;

use std::collections::BTreeSet;

use automerge::sync;
use rusqlite::OptionalExtension;
use veldwerk_core::evidence::KeyDirectory;
use veldwerk_core::policy::{PolicyBundle, SignedPolicy};
use veldwerk_core::sync::envelope::RESPONSE_DOCS_BUDGET;
use veldwerk_core::sync::{DocMessage, NewDoc, Rejection, SyncRequest, SyncResponse};
use veldwerk_core::zaak::ZaakDocument;

use crate::db::{now, Db};
use crate::error::{Error, Result};
use crate::{devices, flags, policy, zaken};

/// A stored document's bytes and this device's sync state with it.
type StoredWithState = (Vec<u8>, Option<Vec<u8>>);

/// What one accepted document leaves to store: zaak, new changes, sync state, flags.
type ToStore = (String, Vec<u8>, Vec<u8>, Vec<flags::NewFlag>);

/// What the request needs from the store, read under the lock.
struct Prepared {
    /// Zaak ids assigned to the device's handhaver now (open zaken, not withdrawn).
    assigned: BTreeSet<String>,
    newer_policy: Option<SignedPolicy>,
    bundle: PolicyBundle,
    keys: KeyDirectory,
    /// Per document message: the stored document and this device's sync state with it.
    docs: Vec<(DocMessage, Option<StoredWithState>)>,
    new_docs: Vec<NewDoc>,
    more: bool,
}

/// Answers one sync request from `device_id` (already authenticated). Returns the response and
/// the zaken whose documents should be compacted.
pub async fn round_trip(
    db: &Db,
    device_id: String,
    req: SyncRequest,
) -> Result<(SyncResponse, Vec<String>)> {
    let dev = device_id.clone();
    let prepared = db
        .call(move |db| db.write(|tx| prepare(tx, &dev, req)))
        .await?;
    let Prepared {
        assigned,
        newer_policy,
        bundle,
        keys,
        docs,
        new_docs,
        more,
    } = prepared.0;
    let (held, policy_version) = prepared.1;

    let dev = device_id.clone();
    let (accepted, mut response) = tokio::task::spawn_blocking(move || {
        let mut response = SyncResponse::empty();
        let mut accepted = Vec::new();
        for (dm, stored) in docs {
            match process(&dm, stored, &assigned, &dev, &keys, &bundle) {
                Outcome::Accepted(a) => accepted.push(*a),
                Outcome::AckOnly(ack) => response.acks.push(ack),
                Outcome::Rejected(r) => {
                    tracing::warn!(device = %dev, zaak = %r.zaak_id, code = %r.code, "sync message refused");
                    response.rejections.push(r);
                }
            }
        }
        response.withdrawn = held.difference(&assigned).cloned().collect();
        response.assigned = assigned.difference(&held).cloned().collect();
        (accepted, response)
    })
    .await
    .map_err(|e| Error::Data(format!("sync task failed: {e}")))?;

    let dev = device_id.clone();
    let stored: Vec<ToStore> = accepted
        .iter()
        .map(|a| {
            (
                a.zaak_id.clone(),
                a.incremental.clone(),
                a.state.clone(),
                a.flags.clone(),
            )
        })
        .collect();
    let compact = db
        .call(move |db| {
            db.write(|tx| {
                let t = now();
                let mut compact = Vec::new();
                for (zaak_id, incremental, state, raised) in &stored {
                    if !incremental.is_empty() {
                        let rows = store::append(tx, zaak_id, incremental, &dev, t)?;
                        if rows > store::COMPACT_AFTER {
                            compact.push(zaak_id.clone());
                        }
                    }
                    store::put_sync_state(tx, zaak_id, &dev, state, t)?;
                    for f in raised {
                        let id = flags::raise(tx, f, t)?;
                        tracing::warn!(flag = id, device = %dev, zaak = %zaak_id, entry = %f.entry_ref,
                            known = ?f.code_known, active = %f.code_active, "action under an outdated code flagged");
                    }
                }
                devices::touch(tx, &dev, t, Some(policy_version))?;
                Ok(compact)
            })
        })
        .await?;

    let new_entries: usize = accepted.iter().map(|a| a.new_entries).sum();
    for a in accepted {
        if let Some(reply) = a.reply {
            response.docs.push(DocMessage {
                zaak_id: a.zaak_id,
                message: reply,
            });
        }
        response.acks.push(a.ack);
    }
    response.policy = newer_policy;
    response.new_docs = new_docs;
    response.more = more;
    tracing::info!(device = %device_id, docs = response.docs.len(), new_docs = response.new_docs.len(),
        new_entries, rejections = response.rejections.len(), "sync round trip");
    Ok((response, compact))
}

enum Outcome {
    Accepted(Box<check::Accepted>),
    AckOnly(veldwerk_core::sync::Ack),
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

fn process(
    dm: &DocMessage,
    stored: Option<StoredWithState>,
    assigned: &BTreeSet<String>,
    device_id: &str,
    keys: &KeyDirectory,
    bundle: &PolicyBundle,
) -> Outcome {
    let zaak_id = dm.zaak_id.as_str();
    let Ok(message) = sync::Message::decode(&dm.message) else {
        return Outcome::Rejected(Rejection {
            zaak_id: zaak_id.to_owned(),
            code: "message_malformed".into(),
            message: format!("Zaak {zaak_id}: het synchronisatiebericht is onleesbaar."),
        });
    };
    let Some((bytes, state)) = stored else {
        return Outcome::Rejected(not_assigned(zaak_id));
    };
    let mut doc = match ZaakDocument::load(&bytes) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(zaak = %zaak_id, error = %e, "stored zaak document unreadable");
            return Outcome::Rejected(Rejection {
                zaak_id: zaak_id.to_owned(),
                code: "document_unreadable".into(),
                message: format!("Zaak {zaak_id}: het document op de server is onleesbaar."),
            });
        }
    };
    if !assigned.contains(zaak_id) {
        // A withdrawn zaak: nothing new is accepted, but the device learns whether the server
        // holds all it had, so it may purge its copy.
        if !message.changes.is_empty() {
            return Outcome::Rejected(not_assigned(zaak_id));
        }
        let heads = check::ack_heads(&mut doc);
        let mut announced: Vec<serde_bytes::ByteBuf> = message
            .heads
            .iter()
            .map(|h| serde_bytes::ByteBuf::from(h.as_ref().to_vec()))
            .collect();
        announced.sort();
        return Outcome::AckOnly(veldwerk_core::sync::Ack {
            zaak_id: zaak_id.to_owned(),
            complete: announced == heads,
            heads,
        });
    }
    let mut state = state
        .and_then(|s| sync::State::decode(&s).ok())
        .unwrap_or_default();
    match check::apply(
        zaak_id, &mut doc, &mut state, message, device_id, keys, bundle,
    ) {
        Ok(a) => Outcome::Accepted(Box::new(a)),
        Err(r) => Outcome::Rejected(r),
    }
}

type PrepareOut = (Prepared, (BTreeSet<String>, u64));

fn prepare(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    req: SyncRequest,
) -> Result<PrepareOut> {
    let t = now();
    let user_id: i64 = tx
        .query_row(
            "SELECT user_id FROM devices WHERE id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::Data(format!("device {device_id} vanished")))?;
    let zaken_assigned = zaken::assigned_to(tx, user_id)?;
    let assigned: BTreeSet<String> = zaken_assigned.iter().map(|z| z.id.clone()).collect();
    let held: BTreeSet<String> = req.held.iter().cloned().collect();

    let (version, signed) = policy::current(tx)?;
    let bundle: PolicyBundle = serde_json::from_str(&signed.payload)
        .map_err(|e| Error::Data(format!("stored policy unreadable: {e}")))?;
    let newer_policy = (req.policy_version < version).then_some(signed);

    let mut keys = KeyDirectory::new();
    {
        let mut stmt = tx.prepare_cached("SELECT id, public_key FROM devices")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, key) in rows {
            // Keys are checked at enrollment; a bad one only means its entries do not verify.
            let _ = keys.insert(&id, &key);
        }
    }

    let mut docs = Vec::with_capacity(req.docs.len());
    for dm in req.docs {
        if let Some(z) = zaken_assigned.iter().find(|z| z.id == dm.zaak_id) {
            if store::load(tx, &z.id)?.is_none() {
                store::ensure(tx, z, t)?;
            }
        }
        let stored = match store::load(tx, &dm.zaak_id)? {
            Some(s) => Some((s.bytes, store::sync_state(tx, &dm.zaak_id, device_id)?)),
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
    Ok((
        Prepared {
            assigned,
            newer_policy,
            bundle,
            keys,
            docs,
            new_docs,
            more,
        },
        (held, req.policy_version),
    ))
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
    use veldwerk_core::evidence::{DeviceKey, Signer};
    use veldwerk_core::routekaart::Actie;

    #[tokio::test]
    async fn compaction_keeps_the_document_and_rows_appended_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        crate::org::ensure(&db, "Gemeente Test").unwrap();
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
}
