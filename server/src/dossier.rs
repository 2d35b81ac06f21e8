//! A zaak as the back office reads it: the office's data (melding, assignments, the end) beside
//! every visit of its document, each entry with its own verification verdict, what it corrects
//! or is corrected by, and what the protocol or the server found about it (anomalies after a
//! merge, Signaleringen).
//!
//! One read model for the zaak page, the case system's API and the export, so they can never
//! disagree about what the evidence says. Verification uses the organisation's device keys as
//! the server holds them (revoked devices included: their earlier entries show as such).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use veldwerk_contract::evidence::{
    directory_of, read_visit, verify_visit, CheckedCopy, Entry, EntryStatus, KeyDirectory,
};
use veldwerk_contract::zaak::{VisitMeta, ZaakDocument};
use veldwerk_rules::protocol::{Bezoek, Einde, Event, Fase, FieldWarning, Toestemmingsconflict};
use veldwerk_rules::Notice;

use crate::db::Tx;
use crate::devices;
use crate::error::{Error, Result};
use crate::flags::{self, Flag};
use crate::params;
use crate::sync::store;
use crate::zaken::{self, Toewijzing, Zaak};

/// A zaak with everything recorded about it.
#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    pub zaak: Zaak,
    pub toewijzingen: Vec<Toewijzing>,
    /// Every visit in the order they were started.
    pub visits: Vec<VisitDossier>,
    /// Signaleringen about this zaak's entries (resolved ones included).
    pub flags: Vec<Flag>,
    /// Why the document could not be read at all, if so (its visits are then not shown: an
    /// unreadable document is a server fault, never silently an empty dossier).
    pub document_problem: Option<Notice>,
}

/// One visit: where it stands and its entries in reading order.
#[derive(Debug, Clone, Serialize)]
pub struct VisitDossier {
    pub meta: VisitMeta,
    pub fase: Fase,
    pub einde: Option<Einde>,
    pub handhavers: Vec<String>,
    pub leider: Option<String>,
    pub entries: Vec<DossierEntry>,
    /// Every entry verified (signed by a known key, chained, no forged copy beside it).
    pub intact: bool,
    /// Why the visit's entries could not be read, if so.
    pub problem: Option<Notice>,
    /// Consent on one device and a refusal on another (issue 15 point 5): the visit takes no
    /// further entries until the lead handhaver decides (`beslecht`).
    pub toestemmingsconflict: Option<Toestemmingsconflict>,
}

/// One entry as a reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct DossierEntry {
    /// The copy that counts (the one that verifies, if any).
    pub entry: Entry,
    pub status: EntryStatus,
    /// The verdict in words, with its code.
    pub verdict: Notice,
    /// Every other stored copy of this entry with its own verdict (a forged copy shows here).
    pub other_copies: Vec<CheckedCopy>,
    /// The event, when this build can read the body.
    pub event: Option<Event>,
    /// The handhaver whose device signed it, when the device is known.
    pub handhaver: Option<String>,
    /// Entry ids of the correcties of this entry, in reading order (the entry itself stays).
    pub corrected_by: Vec<String>,
    /// Why the protocol could not apply this entry on replay (e.g. consent on one device and a
    /// refusal on another after a merge).
    pub anomaly: Option<Notice>,
    /// Ids of the Signaleringen raised about this entry.
    pub flags: Vec<i64>,
    /// The factual-language warnings the handhaver was shown for its text.
    pub warnings: Vec<FieldWarning>,
}

impl VisitDossier {
    /// The entry with this id.
    pub fn entry(&self, entry_id: &str) -> Option<&DossierEntry> {
        self.entries.iter().find(|e| e.entry.entry_id == entry_id)
    }
}

/// The organisation's device keys as a verifier uses them, with the handhaver per device.
pub fn keys(conn: &Tx<'_>) -> Result<(KeyDirectory, HashMap<String, String>)> {
    let devices = devices::key_infos(conn)?;
    let owners = devices
        .iter()
        .map(|d| (d.device_id.clone(), d.user.clone()))
        .collect();
    Ok((directory_of(&devices), owners))
}

/// The dossier of a zaak; `zaak_not_found` when there is no such zaak.
pub fn load(conn: &Tx<'_>, zaak_id: &str) -> Result<Dossier> {
    load_with(conn, zaak_id, None)
}

/// As [`load`], taking the visits from `cache` while the document and the device keys are
/// those they were read from (the office data and the flags are always read fresh).
pub fn load_cached(conn: &Tx<'_>, zaak_id: &str, cache: &Cache) -> Result<Dossier> {
    load_with(conn, zaak_id, Some(cache))
}

fn load_with(conn: &Tx<'_>, zaak_id: &str, cache: Option<&Cache>) -> Result<Dossier> {
    let zaak = zaken::get(conn, zaak_id)?.ok_or_else(|| {
        Error::not_found("zaak_not_found", format!("Zaak '{zaak_id}' bestaat niet."))
    })?;
    let toewijzingen = zaken::toewijzingen(conn, zaak_id)?;
    let flags = flags::of_zaak(conn, zaak_id)?;
    let mut dossier = Dossier {
        zaak,
        toewijzingen,
        visits: Vec::new(),
        flags,
        document_problem: None,
    };
    let Some(print) = fingerprint(conn, zaak_id)? else {
        return Ok(dossier);
    };
    let read = match cache.and_then(|c| c.get(zaak_id, &print)) {
        Some(read) => read,
        None => {
            let read = Arc::new(read_document(conn, zaak_id)?);
            if let Some(c) = cache {
                c.put(zaak_id, print, read.clone());
            }
            read
        }
    };
    let mut flags_by_entry: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for f in &dossier.flags {
        flags_by_entry.entry(&f.entry_ref).or_default().push(f.id);
    }
    dossier.document_problem = read.problem.clone();
    dossier.visits = read.visits.clone();
    for v in &mut dossier.visits {
        for e in &mut v.entries {
            if let Some(ids) = flags_by_entry.get(e.entry.entry_id.as_str()) {
                e.flags = ids.clone();
            }
        }
    }
    Ok(dossier)
}

/// What a zaak's document says, verified: the part of a dossier worth keeping between requests.
#[derive(Debug, Clone)]
struct ReadDocument {
    visits: Vec<VisitDossier>,
    problem: Option<Notice>,
}

fn read_document(conn: &Tx<'_>, zaak_id: &str) -> Result<ReadDocument> {
    let (keys, owners) = keys(conn)?;
    let unreadable = |problem: Notice| ReadDocument {
        visits: Vec::new(),
        problem: Some(problem),
    };
    let Some(stored) = store::load(conn, zaak_id)? else {
        return Ok(unreadable(Notice::new(
            "zaak_not_found",
            format!("Zaak '{zaak_id}' heeft geen document."),
        )));
    };
    let doc = match ZaakDocument::load(&stored.bytes) {
        Ok(doc) => doc,
        Err(e) => {
            tracing::error!(zaak = zaak_id, error = %e, "stored zaak document unreadable");
            return Ok(unreadable(e.notice()));
        }
    };
    let mut visits = match doc.visits() {
        Ok(v) => v,
        Err(e) => return Ok(unreadable(e.notice())),
    };
    visits.sort_by(|a, b| (a.created_at, &a.visit_id).cmp(&(b.created_at, &b.visit_id)));
    Ok(ReadDocument {
        visits: visits
            .into_iter()
            .map(|meta| read_one(&doc, meta, &keys, &owners))
            .collect(),
        problem: None,
    })
}

/// What a cached read of a document depends on: the stored document (its snapshot's size and
/// time, its incremental rows) and the device keys (enrolled and revoked ones). A sync, a
/// compaction, an enrollment or a revocation changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    doc_updated_at: i64,
    snapshot_len: i64,
    changes: i64,
    last_change: i64,
    devices: i64,
    revoked: i64,
    last_revoked_at: i64,
}

fn fingerprint(conn: &Tx<'_>, zaak_id: &str) -> Result<Option<Fingerprint>> {
    let doc: Option<(i64, i64)> = conn.query_opt(
        "SELECT updated_at, length(snapshot) FROM zaak_docs WHERE zaak_id = ?1",
        params![zaak_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((doc_updated_at, snapshot_len)) = doc else {
        return Ok(None);
    };
    let (changes, last_change): (i64, i64) =
        conn.query_row(store::LAST_CHANGE_ID, params![zaak_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (devices, revoked, last_revoked_at): (i64, i64, i64) = conn.query_row(
        "SELECT count(*), count(revoked_at), coalesce(max(revoked_at), 0) FROM devices",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Some(Fingerprint {
        doc_updated_at,
        snapshot_len,
        changes,
        last_change,
        devices,
        revoked,
        last_revoked_at,
    }))
}

/// The zaken read most recently, verified, kept while what they were read from is unchanged:
/// a page of a zaak with a thousand entries then costs a few queries, not a thousand signature
/// checks. At most [`Cache::CAPACITY`] zaken; the one read longest ago goes first.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<Vec<(String, Fingerprint, Arc<ReadDocument>)>>,
}

impl Cache {
    pub const CAPACITY: usize = 16;

    fn get(&self, zaak_id: &str, print: &Fingerprint) -> Option<Arc<ReadDocument>> {
        let mut entries = self.entries.lock().ok()?;
        let at = entries.iter().position(|(z, _, _)| z == zaak_id)?;
        let hit = entries.remove(at);
        let found = (&hit.1 == print).then(|| hit.2.clone());
        if found.is_some() {
            entries.push(hit);
        }
        found
    }

    fn put(&self, zaak_id: &str, print: Fingerprint, read: Arc<ReadDocument>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.retain(|(z, _, _)| z != zaak_id);
        if entries.len() >= Self::CAPACITY {
            entries.remove(0);
        }
        entries.push((zaak_id.to_owned(), print, read));
    }
}

fn read_one(
    doc: &ZaakDocument,
    meta: VisitMeta,
    keys: &KeyDirectory,
    owners: &HashMap<String, String>,
) -> VisitDossier {
    let empty = |meta: VisitMeta, problem: Notice| VisitDossier {
        meta,
        fase: Fase::Nieuw,
        einde: None,
        handhavers: Vec::new(),
        leider: None,
        entries: Vec::new(),
        intact: false,
        problem: Some(problem),
        toestemmingsconflict: None,
    };
    let stored = match doc.stored_entries(&meta.visit_id) {
        Ok(s) => s,
        Err(e) => return empty(meta, e.notice()),
    };
    let verification = verify_visit(&meta.visit_id, &stored, keys);
    let read = read_visit(stored, &verification);
    let events: Vec<Option<Event>> = read.iter().map(|r| r.entry.event().ok()).collect();
    // The protocol replays only what was signed and verifies; an entry that does not verify
    // cannot move the visit on, so it cannot hide a refusal either.
    let verified: Vec<(usize, &Event)> = read
        .iter()
        .zip(&events)
        .enumerate()
        .filter(|(_, (r, _))| matches!(r.status, EntryStatus::Ok | EntryStatus::KeyRevoked))
        .filter_map(|(i, (_, e))| e.as_ref().map(|e| (i, e)))
        .collect();
    let (bezoek, anomalies) = Bezoek::replay(verified.iter().map(|(_, e)| *e));
    let mut anomaly_at: HashMap<usize, Notice> = HashMap::new();
    for a in anomalies {
        if let Some((i, _)) = verified.get(a.index) {
            anomaly_at.insert(*i, a.notice);
        }
    }
    let mut corrected_by: HashMap<String, Vec<String>> = HashMap::new();
    for (r, e) in read.iter().zip(&events) {
        if let Some(Event::Correctie { corrigeert, .. }) = e {
            corrected_by
                .entry(corrigeert.clone())
                .or_default()
                .push(r.entry.entry_id.clone());
        }
    }
    let mut intact = true;
    let entries = read
        .into_iter()
        .zip(events)
        .enumerate()
        .map(|(i, (r, event))| {
            let forged = r
                .other_copies
                .iter()
                .any(|c| c.status == EntryStatus::ForgedCopy);
            if r.status != EntryStatus::Ok || forged {
                intact = false;
            }
            let warnings = event
                .as_ref()
                .map(Event::factual_warnings)
                .unwrap_or_default();
            DossierEntry {
                verdict: r.status.notice(),
                status: r.status,
                handhaver: owners.get(&r.entry.device_id).cloned(),
                corrected_by: corrected_by.remove(&r.entry.entry_id).unwrap_or_default(),
                anomaly: anomaly_at.remove(&i),
                flags: Vec::new(),
                warnings,
                event,
                other_copies: r.other_copies,
                entry: r.entry,
            }
        })
        .collect();
    VisitDossier {
        fase: bezoek.state(),
        einde: bezoek.einde(),
        handhavers: bezoek.handhavers().to_vec(),
        leider: bezoek.leider().map(str::to_owned),
        meta,
        entries,
        intact,
        problem: None,
        toestemmingsconflict: bezoek.toestemmingsconflict().cloned(),
    }
}
