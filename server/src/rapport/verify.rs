//! Checks a rapport PDF as anyone holding it can: the embedded evidence (the organisation's
//! signed key list, every entry's signature and chain), then the printed text.
//!
//! The printed text is checked by rendering the rapport again from the embedded evidence and
//! requiring the very same bytes: a rapport of format 1 is a pure function of its evidence
//! (`pdf::render`), so one changed byte anywhere in the file, in a page's text or in the
//! attachment, fails the check. The file is bounded before it is parsed.

use veldwerk_contract::evidence::{read_visit, verify_visit, EntryStatus, KeyListError};

use super::evidence::{evidence_hash, RapportEvidence, FORMAT};
use super::pdf::{foto_file, render_with_fotos, Fotos, RapportError, EVIDENCE_FILE};
use crate::labels;

/// The largest rapport file read (a visit's evidence is bounded by the sync limits far below).
pub const MAX_PDF_BYTES: usize = 64 * 1024 * 1024;
/// The largest embedded evidence file read.
pub const MAX_EVIDENCE_BYTES: usize = 32 * 1024 * 1024;

/// What an intact rapport was found to hold.
#[derive(Debug, Clone)]
pub struct Verified {
    pub evidence: RapportEvidence,
    /// SHA-256 (hex) of the embedded evidence, as printed and in the QR code.
    pub evidence_hash: String,
    /// Entries (one per entry id) that verified.
    pub entries: usize,
    /// Whether the organisation key was given from outside the file; if not, the file's own
    /// key was used and only the file's consistency was shown.
    pub key_checked_independently: bool,
}

/// Why a rapport did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("Het bestand is te groot voor een rapport ({size} bytes, hoogstens {max}).")]
    TooLarge { size: usize, max: usize },
    #[error("Het bestand is geen leesbaar PDF-bestand: {0}")]
    Unreadable(String),
    #[error("Het PDF-bestand bevat geen bewijsbestand {EVIDENCE_FILE}.")]
    EvidenceMissing,
    #[error("Het bewijsbestand in het rapport is onleesbaar: {0}")]
    EvidenceInvalid(String),
    #[error("Het bewijsbestand heeft formaat {0}; deze versie kent formaat {FORMAT}.")]
    FormatUnsupported(u64),
    #[error("De sleutel van de organisatie is ongeldig: verwacht 64 hexadecimale tekens.")]
    PublicKeyInvalid,
    #[error("De sleutellijst in het rapport is niet geldig: {0}")]
    KeyList(KeyListError),
    #[error(
        "De handtekening van de organisatie onder het bewijs klopt niet: de zaak, het adres of \
         het bezoek is gewijzigd, of het bewijs komt niet van deze organisatie."
    )]
    SignatureInvalid,
    #[error("Vastlegging #{number} ({entry_id}) is niet geverifieerd: {status}. {reason}")]
    EntryNotVerified {
        number: usize,
        entry_id: String,
        status: &'static str,
        reason: String,
    },
    #[error(
        "De afgedrukte tekst klopt niet met het bewijs: het bestand wijkt vanaf byte {offset} af \
         van het rapport dat uit het bewijs wordt opgemaakt."
    )]
    TextMismatch { offset: usize },
    #[error("{0}")]
    Render(RapportError),
}

impl VerifyError {
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "rapport_too_large",
            VerifyError::Unreadable(_) => "rapport_unreadable",
            VerifyError::EvidenceMissing => "rapport_evidence_missing",
            VerifyError::EvidenceInvalid(_) => "rapport_evidence_invalid",
            VerifyError::FormatUnsupported(_) => "rapport_format_unsupported",
            VerifyError::PublicKeyInvalid => "public_key_invalid",
            VerifyError::KeyList(e) => e.code(),
            VerifyError::SignatureInvalid => "rapport_signature_invalid",
            VerifyError::EntryNotVerified { .. } => "rapport_entry_not_verified",
            VerifyError::TextMismatch { .. } => "rapport_text_mismatch",
            VerifyError::Render(e) => e.code(),
        }
    }
}

/// The photos attached to the PDF (`foto-<sha256>.jpg|png`), each kept only when its bytes have
/// that hash and that name; the rendering then decides which it shows, so a photo left out,
/// added or swapped makes the file differ from the rapport rendered again.
fn embedded_fotos(pdf: &[u8]) -> Result<Fotos, VerifyError> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_EVIDENCE_BYTES),
        ..lopdf::LoadOptions::default()
    };
    let doc = lopdf::Document::load_mem_with_options(pdf, options)
        .map_err(|e| VerifyError::Unreadable(e.to_string()))?;
    let mut out = Fotos::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else {
            continue;
        };
        let Some(name) = [b"UF".as_slice(), b"F".as_slice()].iter().find_map(|k| {
            dict.get(k)
                .and_then(|v| v.as_str())
                .ok()
                .and_then(|s| std::str::from_utf8(s).ok())
                .filter(|s| s.starts_with("foto-"))
                .map(str::to_owned)
        }) else {
            continue;
        };
        let Some(sha) = name
            .strip_prefix("foto-")
            .and_then(|rest| rest.split('.').next())
            .filter(|h| crate::photos::is_sha256_hex(h))
        else {
            continue;
        };
        let Ok(ef) = dict.get_deref(b"EF", &doc).and_then(|ef| ef.as_dict()) else {
            continue;
        };
        let Ok(stream) = ef.get_deref(b"F", &doc).and_then(|s| s.as_stream()) else {
            continue;
        };
        let bytes = stream.content.clone();
        let hash = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
        if hash == sha && foto_file(sha, &bytes).as_deref() == Some(name.as_str()) {
            out.insert(sha.to_owned(), bytes);
        }
    }
    Ok(out)
}

/// The bytes of the attached file named [`EVIDENCE_FILE`]: exactly one file specification of
/// that name, its embedded stream decoded within [`MAX_EVIDENCE_BYTES`].
fn embedded_evidence(pdf: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_EVIDENCE_BYTES),
        ..lopdf::LoadOptions::default()
    };
    let doc = lopdf::Document::load_mem_with_options(pdf, options)
        .map_err(|e| VerifyError::Unreadable(e.to_string()))?;
    let mut found = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else {
            continue;
        };
        let named = [b"UF".as_slice(), b"F".as_slice()].iter().any(|k| {
            dict.get(k)
                .and_then(|v| v.as_str())
                .is_ok_and(|s| s == EVIDENCE_FILE.as_bytes())
        });
        if !named {
            continue;
        }
        let Ok(ef) = dict.get_deref(b"EF", &doc).and_then(|ef| ef.as_dict()) else {
            continue;
        };
        let Ok(stream) = ef.get_deref(b"F", &doc).and_then(|s| s.as_stream()) else {
            continue;
        };
        let bytes = if stream.dict.get(b"Filter").is_ok() {
            stream
                .decompressed_content_with_limit(MAX_EVIDENCE_BYTES)
                .map_err(|e| VerifyError::EvidenceInvalid(e.to_string()))?
        } else {
            stream.content.clone()
        };
        found.push(bytes);
    }
    match found.len() {
        0 => Err(VerifyError::EvidenceMissing),
        1 => Ok(found.remove(0)),
        n => Err(VerifyError::EvidenceInvalid(format!(
            "het bestand bevat {n} bewijsbestanden"
        ))),
    }
}

/// Verifies a rapport PDF. `org_public_key` is the organisation's raw Ed25519 public key as
/// known outside the file; without it the key the file names is used (and
/// [`Verified::key_checked_independently`] is false).
pub fn verify_pdf(pdf: &[u8], org_public_key: Option<&[u8]>) -> Result<Verified, VerifyError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(VerifyError::TooLarge {
            size: pdf.len(),
            max: MAX_PDF_BYTES,
        });
    }
    // A parser of outside input must not take the process down with it.
    let json = std::panic::catch_unwind(|| embedded_evidence(pdf))
        .map_err(|_| VerifyError::Unreadable("de PDF-structuur is onleesbaar".into()))??;
    if json.len() > MAX_EVIDENCE_BYTES {
        return Err(VerifyError::EvidenceInvalid("te groot".into()));
    }
    let format = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v.get("format").and_then(serde_json::Value::as_u64));
    if let Some(f) = format.filter(|f| *f != FORMAT) {
        return Err(VerifyError::FormatUnsupported(f));
    }
    let evidence: RapportEvidence =
        serde_json::from_slice(&json).map_err(|e| VerifyError::EvidenceInvalid(e.to_string()))?;

    let (key, independent) = match org_public_key {
        Some(k) => (k.to_vec(), true),
        None => (
            hex::decode(&evidence.organisation_public_key)
                .map_err(|_| VerifyError::PublicKeyInvalid)?,
            false,
        ),
    };
    if key.len() != 32 {
        return Err(VerifyError::PublicKeyInvalid);
    }
    let keys = evidence
        .key_list
        .verify(&key)
        .map_err(VerifyError::KeyList)?;
    let verification = verify_visit(
        &evidence.visit.visit_id,
        &evidence.entries,
        &keys.directory(),
    );
    let read = read_visit(evidence.entries.clone(), &verification);
    for (i, r) in read.iter().enumerate() {
        let bad = std::iter::once(r.status).chain(
            r.other_copies
                .iter()
                .map(|c| c.status)
                .filter(|s| *s != EntryStatus::Duplicate),
        );
        for status in bad {
            if !matches!(status, EntryStatus::Ok | EntryStatus::KeyRevoked) {
                return Err(VerifyError::EntryNotVerified {
                    number: i + 1,
                    entry_id: r.entry.entry_id.clone(),
                    status: labels::status(status),
                    reason: status.notice().message,
                });
            }
        }
    }

    // After the entries, so a changed entry is named as such.
    if !evidence.signature_valid(&key) {
        return Err(VerifyError::SignatureInvalid);
    }

    let fotos = std::panic::catch_unwind(|| embedded_fotos(pdf))
        .map_err(|_| VerifyError::Unreadable("de PDF-structuur is onleesbaar".into()))??;
    let rendered = render_with_fotos(&evidence, &fotos).map_err(VerifyError::Render)?;
    if rendered != pdf {
        let offset = rendered
            .iter()
            .zip(pdf)
            .position(|(a, b)| a != b)
            .unwrap_or(rendered.len().min(pdf.len()));
        return Err(VerifyError::TextMismatch { offset });
    }
    Ok(Verified {
        evidence_hash: evidence_hash(&json),
        entries: read.len(),
        key_checked_independently: independent,
        evidence,
    })
}
