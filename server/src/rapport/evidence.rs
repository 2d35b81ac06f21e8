//! What a rapport prints, as one JSON document: the visit's stored entries (every copy, with
//! signatures and chain links), the zaak and visit it belongs to, and the organisation's signed
//! key list. The PDF is rendered from this alone and carries it as its attachment
//! `rapport-bewijs.json`, so anyone can check the printed text against signed evidence
//! (`server/docs/rapport-evidence.md`).

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ring::digest::{digest, SHA256};
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use veldwerk_contract::evidence::{Entry, SignedKeyList};
use veldwerk_contract::zaak::{VisitMeta, ZaakDocument, ZaakError, ZaakSummary};

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::org::Organisation;

/// The evidence format this build writes and reads.
pub const FORMAT: u64 = 1;

/// Everything the rapport prints, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RapportEvidence {
    /// [`FORMAT`].
    pub format: u64,
    /// When the rapport was made: also the PDF's creation date, so rendering is deterministic.
    pub generated_at: DateTime<Utc>,
    /// The organisation's name.
    pub organisation: String,
    /// The organisation's Ed25519 public key (raw 32 bytes, lowercase hex) that signed
    /// `key_list`.
    pub organisation_public_key: String,
    pub zaak: ZaakSummary,
    pub visit: VisitMeta,
    /// Every stored copy of every entry of the visit, in document order.
    pub entries: Vec<Entry>,
    /// The organisation's device keys, signed with its key.
    pub key_list: SignedKeyList,
    /// Ed25519 signature (lowercase hex) by the organisation key over [`SIGNING_CONTEXT`]
    /// followed by this JSON with `signature` empty: the entries sign themselves, but the zaak,
    /// the address and the visit around them are the server's word, and this is its signature.
    pub signature: String,
}

/// Domain separation of the rapport signature from the key list's and the policy's.
pub const SIGNING_CONTEXT: &[u8] = b"veldwerk-rapport-v1\n";

impl RapportEvidence {
    /// The exact bytes embedded in the PDF (compact JSON, fields in declaration order).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| Error::Data(format!("evidence json: {e}")))
    }

    /// What the organisation signs: [`SIGNING_CONTEXT`] and the JSON with `signature` empty.
    pub fn signed_message(&self) -> Result<Vec<u8>> {
        let unsigned = RapportEvidence {
            signature: String::new(),
            ..self.clone()
        };
        let mut message = SIGNING_CONTEXT.to_vec();
        message.extend_from_slice(&unsigned.to_json()?);
        Ok(message)
    }

    /// Whether `signature` is the organisation's (`org_public_key`, raw 32 bytes).
    pub fn signature_valid(&self, org_public_key: &[u8]) -> bool {
        let (Ok(message), Ok(signature)) = (self.signed_message(), hex::decode(&self.signature))
        else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, org_public_key)
            .verify(&message, &signature)
            .is_ok()
    }
}

/// SHA-256 (lowercase hex) of the embedded evidence JSON bytes: the hash printed in the rapport
/// and carried by its QR code.
pub fn evidence_hash(json_bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, json_bytes).as_ref())
}

fn zaak_error(e: ZaakError) -> Error {
    match e {
        ZaakError::UnknownVisit(_) => visit_not_found(),
        other => Error::refused(
            StatusCode::CONFLICT,
            other.code(),
            format!("Het rapport kan niet worden gemaakt: {other}"),
        ),
    }
}

fn visit_not_found() -> Error {
    Error::not_found("visit_unknown", "Dit huisbezoek bestaat niet in deze zaak.")
}

/// The zaak's document as the rapport reads it; `zaak_not_found`, or `visit_unknown` when the
/// zaak has no document yet (it gets one at the first sync of an assigned device).
fn document(conn: &Tx<'_>, zaak_id: &str) -> Result<ZaakDocument> {
    if crate::zaken::get(conn, zaak_id)?.is_none() {
        return Err(Error::not_found(
            "zaak_not_found",
            "Deze zaak bestaat niet.",
        ));
    }
    let stored = crate::sync::store::load(conn, zaak_id)?.ok_or_else(visit_not_found)?;
    ZaakDocument::load(&stored.bytes).map_err(zaak_error)
}

/// The evidence of one visit of a loaded document, signed by the organisation.
fn of_visit(
    doc: &ZaakDocument,
    org: &Organisation,
    visit_id: &str,
    key_list: SignedKeyList,
    now: i64,
) -> Result<RapportEvidence> {
    let mut evidence = RapportEvidence {
        format: FORMAT,
        generated_at: DateTime::from_timestamp(now, 0).unwrap_or_default(),
        organisation: org.name.clone(),
        organisation_public_key: hex::encode(&org.public_key),
        zaak: doc.summary().map_err(zaak_error)?,
        visit: doc.visit(visit_id).map_err(zaak_error)?,
        entries: doc.stored_entries(visit_id).map_err(zaak_error)?,
        key_list,
        signature: String::new(),
    };
    evidence.signature = hex::encode(org.key.sign(&evidence.signed_message()?));
    Ok(evidence)
}

/// Collects the evidence of visit `visit_id` of zaak `zaak_id` from the store, as of `now`
/// (seconds since the epoch).
pub fn collect(
    conn: &Tx<'_>,
    org: &Organisation,
    zaak_id: &str,
    visit_id: &str,
    now: i64,
) -> Result<RapportEvidence> {
    let doc = document(conn, zaak_id)?;
    let key_list = crate::devices::signed_key_list(conn, org, now)?;
    of_visit(&doc, org, visit_id, key_list, now)
}

/// The evidence of every visit of zaak `zaak_id`, the document read once (the export).
pub fn collect_all(
    conn: &Tx<'_>,
    org: &Organisation,
    zaak_id: &str,
    now: i64,
) -> Result<Vec<RapportEvidence>> {
    let doc = document(conn, zaak_id)?;
    let key_list = crate::devices::signed_key_list(conn, org, now)?;
    let mut visits = doc.visits().map_err(zaak_error)?;
    visits.sort_by(|a, b| (a.created_at, &a.visit_id).cmp(&(b.created_at, &b.visit_id)));
    visits
        .iter()
        .map(|v| of_visit(&doc, org, &v.visit_id, key_list.clone(), now))
        .collect()
}

/// The stored photos the entries of `evidence` name (a waarneming's photo, a client's answer),
/// for the rapport's thumbnails; a photo the server does not hold is left out.
pub fn fotos(
    conn: &Tx<'_>,
    zaak_id: &str,
    evidence: &RapportEvidence,
) -> Result<super::pdf::Fotos> {
    let mut out = super::pdf::Fotos::new();
    for entry in &evidence.entries {
        let Ok(event) = entry.event() else { continue };
        for sha in event.fotos() {
            if out.contains_key(sha) {
                continue;
            }
            if let Some(photo) = crate::photos::get(conn, zaak_id, sha)? {
                out.insert(sha.to_owned(), photo.bytes);
            }
        }
    }
    Ok(out)
}
