//! The device side of sync, without any transport: the round trip driver ([`SyncSession`]) over
//! the device's documents ([`SyncDocs`]), and an in-memory [`SyncDocs`] ([`memory::MemoryDocs`])
//! for tests and tools. The envelope it speaks is `veldwerk_contract::sync`.
//!
//! The caller moves bytes: `next_request` gives the body to `POST /v1/sync` (signed, see
//! [`veldwerk_contract::auth`]); the answer goes to `handle_response`, a refusal (non-2xx) to
//! `handle_refusal`. The wire format is written down in the server's `docs/sync-protocol.md`.

pub mod memory;

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync;

/// The path of the sync route.
pub use veldwerk_contract::api::paths::SYNC as SYNC_PATH;
/// The wire types the session speaks (`veldwerk_contract::sync`).
pub use veldwerk_contract::sync::{
    Ack, DocMessage, EnvelopeError, Instruction, NewDoc, Rejection, SyncRequest, SyncResponse,
    CONTENT_TYPE, PROTOCOL_VERSION,
};

use veldwerk_contract::api::ErrorBody;
use veldwerk_contract::policy::{self, PolicyBundle, SignedPolicy};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_rules::Notice;

/// A sync that needs more round trips than this is stopped (`sync_not_converging`).
pub const MAX_ROUND_TRIPS: u32 = 32;

/// What the sync driver needs of the device: its zaak documents, their sync states with the
/// server, and its policy. `core::device` implements it over the encrypted store; errors are
/// coded notices so the store's own error type stays its own.
pub trait SyncDocs {
    /// Every zaak the device holds a document for.
    fn zaak_ids(&self) -> Vec<String>;
    fn doc_mut(&mut self, zaak_id: &str) -> Option<&mut ZaakDocument>;
    /// The persisted sync state with the server (`automerge::sync::State::encode`), if any.
    fn sync_state(&self, zaak_id: &str) -> Result<Option<Vec<u8>>, Notice>;
    /// Stores the document's new changes and its sync state together (one transaction), so an
    /// interrupted sync resumes from what was stored.
    fn persist(&mut self, zaak_id: &str, sync_state: &[u8]) -> Result<(), Notice>;
    /// Adds the document of a newly assigned zaak and stores it with its sync state with the
    /// server (one transaction where the store allows).
    fn insert(&mut self, zaak_id: &str, doc: ZaakDocument, sync_state: &[u8])
        -> Result<(), Notice>;
    /// Deletes a withdrawn zaak whose every change the server acknowledged.
    fn remove(&mut self, zaak_id: &str) -> Result<(), Notice>;
    /// The version of the verified policy bundle the device uses (0: none).
    fn policy_version(&self) -> u64;
    /// Stores a newer bundle, already verified against the pinned organisation key.
    fn store_policy(&mut self, signed: &SignedPolicy, bundle: &PolicyBundle) -> Result<(), Notice>;
    /// After a refusal: moves the zaak's document aside (kept, with the reason) and drops it and
    /// its sync state, so that the next request no longer holds it and the server sends its
    /// copy (`docs/sync-protocol.md`, "Recovery after a refusal"). `false`: the document stays
    /// as it is (the default, for documents that keep no refused work).
    fn set_aside(&mut self, rejection: &Rejection) -> Result<bool, Notice> {
        let _ = rejection;
        Ok(false)
    }
    /// After the server's copy of a zaak set aside arrived: re-applies the device's own entries
    /// it lacks; returns how many (they go out with the next request).
    fn rebase(&mut self, zaak_id: &str) -> Result<usize, Notice> {
        let _ = zaak_id;
        Ok(0)
    }
}

/// Why a sync stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Envelope(#[from] EnvelopeError),
    /// The device's store failed.
    #[error("{0}")]
    Docs(Notice),
    /// The server refused the request (a non-2xx answer), e.g. `device_revoked` with `wipe`.
    #[error("{message} [{code}]")]
    Refused {
        status: u16,
        code: String,
        message: String,
        instruction: Option<Instruction>,
    },
    #[error("De synchronisatie komt na {0} rondes niet tot een einde.")]
    NotConverging(u32),
    #[error("Er is geen antwoord verwacht: vraag eerst een nieuwe aanvraag op.")]
    OutOfTurn,
}

impl SyncError {
    pub fn code(&self) -> &str {
        match self {
            SyncError::Envelope(e) => e.code(),
            SyncError::Docs(n) => &n.code,
            SyncError::Refused { code, .. } => code,
            SyncError::NotConverging(_) => "sync_not_converging",
            SyncError::OutOfTurn => "sync_out_of_turn",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }

    /// The instruction that came with a refusal (`wipe` for a revoked device).
    pub fn instruction(&self) -> Option<Instruction> {
        match self {
            SyncError::Refused { instruction, .. } => *instruction,
            _ => None,
        }
    }
}

/// After an answer: whether another round trip is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Continue,
    Done,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub round_trips: u32,
    /// Document messages sent / received, over all round trips.
    pub docs_sent: usize,
    pub docs_received: usize,
    /// Entries that arrived (in changed documents and new documents).
    pub entries_received: usize,
    /// Zaken that arrived as whole documents.
    pub new_docs: Vec<String>,
    pub rejections: Vec<Rejection>,
    /// Refused zaken whose work was moved aside and that were rebased on the server's copy.
    pub set_aside: Vec<String>,
    /// Entries re-applied on the server's copy of a refused zaak (sent in this sync).
    pub reapplied: usize,
    /// The version of a newer policy bundle that was verified and stored.
    pub policy_updated: Option<u64>,
    pub assigned: BTreeSet<String>,
    pub withdrawn: BTreeSet<String>,
    /// Withdrawn zaken deleted from the device after the server acknowledged all their changes.
    pub purged: Vec<String>,
    pub instructions: Vec<Instruction>,
    /// Problems that did not stop the sync (an unusable document or policy from the server).
    pub notices: Vec<Notice>,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

/// One sync with the server: call [`Self::next_request`], send it, pass the answer to
/// [`Self::handle_response`], until it reports [`Progress::Done`]. After a transport failure
/// drop the session and start a new one: the persisted sync states make it resume.
pub struct SyncSession<'a, D: SyncDocs> {
    docs: &'a mut D,
    org_public_key: Vec<u8>,
    states: HashMap<String, sync::State>,
    /// Zaken not to send for the rest of this session (rejected, or just received whole).
    skip: HashSet<String>,
    /// Zaken moved aside in this session (at most once each), waiting for the server's copy.
    set_aside: HashSet<String>,
    pending: Option<Vec<u8>>,
    awaiting: bool,
    summary: SyncSummary,
}

fn docs_err(n: Notice) -> SyncError {
    SyncError::Docs(n)
}

fn count_entries(doc: &ZaakDocument) -> usize {
    doc.visits()
        .map(|vs| {
            vs.iter()
                .map(|v| doc.stored_entries(&v.visit_id).map_or(0, |e| e.len()))
                .sum()
        })
        .unwrap_or(0)
}

impl<'a, D: SyncDocs> SyncSession<'a, D> {
    /// `org_public_key` is the organisation key pinned at enrollment; it verifies policy bundles.
    pub fn new(docs: &'a mut D, org_public_key: &[u8]) -> Result<Self, SyncError> {
        let mut states = HashMap::new();
        for id in docs.zaak_ids() {
            let mut state = match docs.sync_state(&id).map_err(docs_err)? {
                // A state that does not decode only costs a longer exchange: start afresh.
                Some(bytes) => sync::State::decode(&bytes).unwrap_or_default(),
                None => sync::State::new(),
            };
            send_changes_at_once(&mut state);
            states.insert(id, state);
        }
        let mut session = SyncSession {
            docs,
            org_public_key: org_public_key.to_vec(),
            states,
            skip: HashSet::new(),
            set_aside: HashSet::new(),
            pending: None,
            awaiting: false,
            summary: SyncSummary::default(),
        };
        // The first request always goes out: it tells the server the policy version and the held
        // zaken even when no document has anything to say.
        let (body, n) = session.build_request();
        session.summary.docs_sent += n;
        session.pending = Some(body);
        Ok(session)
    }

    /// The next request and how many document messages it carries.
    fn build_request(&mut self) -> (Vec<u8>, usize) {
        let held = self.docs.zaak_ids();
        let mut docs = Vec::new();
        for id in &held {
            if self.skip.contains(id) {
                continue;
            }
            let state = self.states.entry(id.clone()).or_default();
            // The server answers every request and keeps only `shared_heads` between round
            // trips: changes it could not apply (a Bloom filter false positive hid a missing
            // dependency) are gone from it, so nothing counts as "already sent".
            state.sent_hashes.clear();
            if let Some(doc) = self.docs.doc_mut(id) {
                if let Some(msg) = doc.generate_sync_message(state) {
                    docs.push(DocMessage {
                        zaak_id: id.clone(),
                        message: msg.encode(),
                    });
                }
            }
        }
        let n = docs.len();
        let body = SyncRequest {
            protocol: PROTOCOL_VERSION,
            policy_version: self.docs.policy_version(),
            held,
            docs,
        }
        .to_cbor();
        (body, n)
    }

    /// The next request body, or `None` when the sync is complete.
    pub fn next_request(&mut self) -> Result<Option<Vec<u8>>, SyncError> {
        if self.awaiting {
            return Err(SyncError::OutOfTurn);
        }
        let Some(body) = self.pending.take() else {
            return Ok(None);
        };
        if self.summary.round_trips >= MAX_ROUND_TRIPS {
            return Err(SyncError::NotConverging(self.summary.round_trips));
        }
        self.awaiting = true;
        self.summary.bytes_sent += body.len();
        Ok(Some(body))
    }

    /// Applies the server's answer: verified policy, new documents, sync messages (each
    /// document persisted with its state), purges of fully acknowledged withdrawn zaken.
    pub fn handle_response(&mut self, bytes: &[u8]) -> Result<Progress, SyncError> {
        if !self.awaiting {
            return Err(SyncError::OutOfTurn);
        }
        self.awaiting = false;
        self.summary.round_trips += 1;
        self.summary.bytes_received += bytes.len();
        let resp = SyncResponse::from_cbor(bytes)?;

        let mut refetch = false;
        for r in resp.rejections {
            self.skip.insert(r.zaak_id.clone());
            if !self.set_aside.contains(&r.zaak_id) {
                match self.docs.set_aside(&r) {
                    Ok(true) => {
                        self.states.remove(&r.zaak_id);
                        self.set_aside.insert(r.zaak_id.clone());
                        refetch = true;
                    }
                    Ok(false) => {}
                    Err(n) => self.summary.notices.push(n),
                }
            }
            self.summary.rejections.push(r);
        }
        if let Some(signed) = resp.policy {
            match policy::accept_newer(&signed, &self.org_public_key, self.docs.policy_version()) {
                Ok(bundle) => {
                    self.docs.store_policy(&signed, &bundle).map_err(docs_err)?;
                    self.summary.policy_updated = Some(bundle.version);
                }
                Err(policy::PolicyError::NotNewer { .. }) => {}
                Err(e) => self.summary.notices.push(Notice::new(
                    e.code(),
                    "Het beleid van de server is niet aanvaard: de handtekening of de vorm klopt niet.",
                )),
            }
        }
        let held: HashSet<String> = self.docs.zaak_ids().into_iter().collect();
        for new in resp.new_docs {
            if held.contains(&new.zaak_id) {
                continue;
            }
            match ZaakDocument::load(&new.document).and_then(|d| d.summary().map(|s| (d, s))) {
                Ok((mut doc, s)) if s.zaak_id == new.zaak_id => {
                    self.summary.entries_received += count_entries(&doc);
                    // The server holds this document as it sent it: those heads are shared, so
                    // the next sync of this zaak sends its new changes in its first message.
                    let mut state = sync::State::new();
                    state.shared_heads = doc.heads();
                    self.docs
                        .insert(&new.zaak_id, doc, &state.encode())
                        .map_err(docs_err)?;
                    // The server's copy of a zaak set aside (in this session, or in one that
                    // ended before the copy came): this device's own entries it lacks are
                    // re-applied and sent in the next request.
                    let n = self.docs.rebase(&new.zaak_id).map_err(docs_err)?;
                    if n > 0 || self.set_aside.contains(&new.zaak_id) {
                        self.summary.reapplied += n;
                        self.summary.set_aside.push(new.zaak_id.clone());
                    }
                    if n > 0 {
                        send_changes_at_once(&mut state);
                        self.skip.remove(&new.zaak_id);
                    } else {
                        self.skip.insert(new.zaak_id.clone());
                    }
                    self.states.insert(new.zaak_id.clone(), state);
                    self.summary.new_docs.push(new.zaak_id);
                }
                Ok(_) => self.summary.notices.push(Notice::new(
                    "document_mismatch",
                    format!(
                        "Het document voor zaak {} hoort bij een andere zaak.",
                        new.zaak_id
                    ),
                )),
                Err(e) => self.summary.notices.push(e.notice()),
            }
        }
        for dm in resp.docs {
            let Some(doc) = self.docs.doc_mut(&dm.zaak_id) else {
                continue;
            };
            let msg = match sync::Message::decode(&dm.message) {
                Ok(m) => m,
                Err(_) => {
                    self.summary.notices.push(Notice::new(
                        "message_malformed",
                        format!(
                            "Het synchronisatiebericht voor zaak {} is onleesbaar.",
                            dm.zaak_id
                        ),
                    ));
                    self.skip.insert(dm.zaak_id);
                    continue;
                }
            };
            let has_changes = !msg.changes.is_empty();
            let server_needs = !msg.need.is_empty();
            let before = if has_changes { count_entries(doc) } else { 0 };
            let state = self.states.entry(dm.zaak_id.clone()).or_default();
            if let Err(e) = doc.receive_sync_message(state, msg) {
                self.summary.notices.push(e.notice());
                self.skip.insert(dm.zaak_id);
                continue;
            }
            if server_needs {
                // The server lacks a change its Bloom filter claimed (a false positive) and has
                // dropped the changes that depended on it: send every change since the shared
                // heads next time, not only the needed ones, so they arrive together.
                state.their_have = Some(vec![sync::Have {
                    last_sync: state.shared_heads.clone(),
                    bloom: sync::BloomFilter::default(),
                }]);
            }
            if has_changes {
                self.summary.entries_received += count_entries(doc).saturating_sub(before);
            }
            self.summary.docs_received += 1;
            let encoded = state.encode();
            self.docs.persist(&dm.zaak_id, &encoded).map_err(docs_err)?;
        }
        self.summary.assigned.extend(resp.assigned);
        self.summary.instructions.extend(resp.instructions);
        for id in resp.withdrawn {
            let acked = resp.acks.iter().find(|a| a.zaak_id == id);
            if let (Some(ack), Some(doc)) = (acked, self.docs.doc_mut(&id)) {
                let mut ours: Vec<Vec<u8>> =
                    doc.heads().iter().map(|h| h.as_ref().to_vec()).collect();
                ours.sort();
                let mut theirs: Vec<Vec<u8>> = ack.heads.iter().map(|h| h.to_vec()).collect();
                theirs.sort();
                if ack.complete && ours == theirs {
                    self.docs.remove(&id).map_err(docs_err)?;
                    self.states.remove(&id);
                    self.skip.insert(id.clone());
                    self.summary.purged.push(id.clone());
                }
            }
            self.skip.insert(id.clone());
            self.summary.withdrawn.insert(id);
        }

        let (next, n) = self.build_request();
        if resp.more || n > 0 || refetch {
            self.summary.docs_sent += n;
            self.pending = Some(next);
            Ok(Progress::Continue)
        } else {
            self.pending = None;
            Ok(Progress::Done)
        }
    }

    /// Turns a refusal (a non-2xx answer with the JSON error body `{code, message,
    /// instruction?}`) into a [`SyncError::Refused`]; the session is over.
    pub fn handle_refusal(&mut self, status: u16, body: &[u8]) -> SyncError {
        self.awaiting = false;
        self.pending = None;
        refusal(status, body)
    }

    pub fn summary(&self) -> &SyncSummary {
        &self.summary
    }

    pub fn finish(self) -> SyncSummary {
        self.summary
    }
}

/// Makes the first message of a sync carry every change made since the heads both sides shared
/// at the end of the previous sync, as if the server had already answered that it has nothing
/// after them. The plain Automerge exchange first trades heads and Bloom filters and sends
/// changes only in the second round trip; a device that syncs at the end of a day has new
/// changes in every document it touched, so that first round trip is wasted. The message is an
/// ordinary sync message (any server takes it); a change the server does hold is sent twice,
/// which it ignores. Without shared heads (a document never synced) the exchange is the plain
/// one: sending everything would resend what came from the server.
fn send_changes_at_once(state: &mut sync::State) {
    if !state.shared_heads.is_empty() && state.their_heads.is_none() {
        state.their_have = Some(vec![sync::Have {
            last_sync: state.shared_heads.clone(),
            bloom: sync::BloomFilter::default(),
        }]);
        state.their_need = Some(Vec::new());
    }
}

/// Reads a refusal body: `{"code", "message", "instruction"?}` (JSON, as every API error).
pub fn refusal(status: u16, body: &[u8]) -> SyncError {
    let body = ErrorBody::from_answer(status, body);
    SyncError::Refused {
        status,
        code: body.code,
        message: body.message,
        instruction: body.instruction,
    }
}

#[cfg(test)]
mod tests;
