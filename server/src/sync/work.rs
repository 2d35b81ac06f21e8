//! One lane of a round trip's Automerge work: every document message of the lane applied and
//! checked up to the signatures (`stage`), their signatures verified in one batch, then the
//! checks completed (`finish`); ADR 0003. Runs on the blocking pool, outside the store's lock.

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::sync;
use veldwerk_contract::evidence::{KeyDirectory, Signatures};
use veldwerk_contract::policy::PolicyBundle;
use veldwerk_contract::sync::{Ack, DocMessage, Rejection};
use veldwerk_contract::zaak::ZaakDocument;

use super::cache::Loaded;
use super::limits::{self, SyncLimits};
use super::{check, store};
use veldwerk_contract::zaak::layout::MAX_DOCUMENT_BYTES;

/// A stored document: kept loaded ([`super::cache`]), or as bytes read in the round trip's read
/// transaction, with the zaak's generation then.
pub(super) enum Source {
    Cached(Box<Loaded>),
    Bytes {
        stored: store::StoredDoc,
        generation: u64,
    },
}

/// A stored document and this device's sync state with it.
pub(super) struct Stored {
    pub source: Source,
    pub sync_state: Option<Vec<u8>>,
}

/// One document message of the request with what the store holds for it (`None`: no document
/// the device may reach).
pub(super) struct Incoming {
    pub message: DocMessage,
    pub stored: Option<Stored>,
}

/// What every document of a round trip is checked against; one per lane, shared by its
/// documents.
#[derive(Clone)]
pub(super) struct LaneContext {
    /// Zaak ids assigned to the device's handhaver now.
    pub assigned: Arc<BTreeSet<String>>,
    pub device_id: Arc<str>,
    pub keys: Arc<KeyDirectory>,
    pub bundle: Arc<PolicyBundle>,
    pub org_key: Arc<Vec<u8>>,
    pub limits: SyncLimits,
}

impl LaneContext {
    fn sender(&self) -> check::Sender<'_> {
        check::Sender {
            device_id: &self.device_id,
            keys: &self.keys,
            policy: &self.bundle,
            org_public_key: &self.org_key,
            limits: &self.limits,
        }
    }
}

/// What became of one document's message.
pub(super) enum Outcome {
    Accepted(Box<AcceptedDoc>),
    /// A withdrawn zaak's message without changes: acked, the document left as it was.
    AckOnly {
        ack: Ack,
        loaded: Box<Loaded>,
    },
    Rejected(Rejection),
}

/// An accepted message with its document, the message applied, and this device's sync state
/// with it as stored before the round trip (`None`: none was stored).
pub(super) struct AcceptedDoc {
    pub accepted: check::Accepted,
    pub loaded: Loaded,
    pub state_before: Option<Vec<u8>>,
}

/// Works off one lane's documents, in their order; one outcome per document.
pub(super) fn run_lane(docs: Vec<Incoming>, ctx: &LaneContext) -> Vec<Outcome> {
    let mut signatures = Signatures::new();
    let staged: Vec<Staged> = docs
        .into_iter()
        .map(|doc| stage(doc, ctx, &mut signatures))
        .collect();
    signatures.verify_queued();
    staged
        .into_iter()
        .map(|staged| match staged {
            Staged::Done(outcome) => outcome,
            Staged::Applied(pending) => finish(*pending, ctx, &mut signatures),
        })
        .collect()
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
/// lane's signature verdicts.
enum Staged {
    Done(Outcome),
    Applied(Box<Pending>),
}

/// An applied message with its document and this device's sync state, before and now.
struct Pending {
    applied: check::Applied,
    loaded: Loaded,
    state: sync::State,
    state_before: Option<Vec<u8>>,
}

/// Decodes a document's message, loads the document and applies the message
/// ([`check::apply`]), queueing in `signatures` what [`finish`] will ask.
fn stage(doc: Incoming, ctx: &LaneContext, signatures: &mut Signatures) -> Staged {
    let Incoming {
        message: dm,
        stored,
    } = doc;
    let zaak_id = dm.zaak_id.as_str();
    let Some(Ok(message)) = limits::guarded(|| sync::Message::decode(&dm.message)) else {
        return Staged::Done(Outcome::Rejected(Rejection {
            zaak_id: zaak_id.to_owned(),
            code: "message_malformed".into(),
            message: format!("Zaak {zaak_id}: het synchronisatiebericht is onleesbaar."),
        }));
    };
    let Some(Stored { source, sync_state }) = stored else {
        return Staged::Done(Outcome::Rejected(not_assigned(zaak_id)));
    };
    let mut loaded = match source {
        Source::Cached(l) => *l,
        Source::Bytes { stored, generation } => match ZaakDocument::load(&stored.bytes) {
            Ok(doc) => Loaded {
                doc,
                change_id: stored.last_change_id,
                stored_bytes: stored.bytes.len(),
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
    if !ctx.assigned.contains(zaak_id) {
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
        return Staged::Done(Outcome::AckOnly {
            ack: Ack {
                zaak_id: zaak_id.to_owned(),
                complete: announced == heads,
                heads,
            },
            loaded: Box::new(loaded),
        });
    }
    if loaded.stored_bytes.saturating_add(dm.message.len()) > MAX_DOCUMENT_BYTES {
        return Staged::Done(Outcome::Rejected(Rejection {
            zaak_id: zaak_id.to_owned(),
            code: "document_too_large".into(),
            message: format!(
                "Zaak {zaak_id}: het document zou groter worden dan {} MiB.",
                MAX_DOCUMENT_BYTES >> 20
            ),
        }));
    }
    let mut state = sync_state
        .as_deref()
        .and_then(|s| sync::State::decode(s).ok())
        .unwrap_or_default();
    let target = check::Target {
        doc: &mut loaded.doc,
        known: &mut loaded.known,
        state: &mut state,
    };
    match check::apply(zaak_id, target, message, ctx.sender(), signatures) {
        Ok(applied) => Staged::Applied(Box::new(Pending {
            applied,
            loaded,
            state,
            state_before: sync_state,
        })),
        Err(r) => Staged::Done(Outcome::Rejected(r)),
    }
}

/// Completes the checks of a [`stage`]d message ([`check::finish`]).
fn finish(pending: Pending, ctx: &LaneContext, signatures: &mut Signatures) -> Outcome {
    let Pending {
        applied,
        mut loaded,
        mut state,
        state_before,
    } = pending;
    let target = check::Target {
        doc: &mut loaded.doc,
        known: &mut loaded.known,
        state: &mut state,
    };
    match check::finish(applied, target, ctx.sender(), signatures) {
        Ok(accepted) => Outcome::Accepted(Box::new(AcceptedDoc {
            accepted,
            loaded,
            state_before,
        })),
        Err(r) => Outcome::Rejected(r),
    }
}
