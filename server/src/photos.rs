//! The photos of a zaak as its devices uploaded them (issue 14 item 1: "photos (their own
//! consent) can be opened"). A photo is kept only when an entry of the zaak's stored document
//! references it (a waarneming's `foto`, recorded after its own consent), under its SHA-256, so
//! a second upload stores nothing twice. SQL only here.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use ring::digest::{digest, SHA256};
use veldwerk_contract::zaak::ZaakDocument;

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::params;
use crate::sync::store;
use crate::zaken;

/// One stored photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub zaak_id: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub device_id: String,
    pub stored_at: i64,
}

/// A stored photo without its bytes: for lists (the zaak page, the export).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PhotoInfo {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

/// The content types served inline: the image formats phones take photos in.
pub const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/heif"];

/// The content type of a photo from its magic bytes (JPEG, PNG, WebP, HEIC/HEIF), else
/// `application/octet-stream`: never what the uploader claims.
pub fn content_type(bytes: &[u8]) -> &'static str {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => "image/jpeg",
        Some("image/png") => "image/png",
        Some("image/webp") => "image/webp",
        Some("image/heif") => "image/heif",
        _ => "application/octet-stream",
    }
}

/// Whether `s` is a SHA-256 as the protocol writes it (64 lowercase hex digits).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The stored photo, if there is one.
pub fn get(conn: &Tx<'_>, zaak_id: &str, sha256: &str) -> Result<Option<Photo>> {
    conn.query_opt(
        "SELECT bytes, content_type, device_id, stored_at FROM photos \
             WHERE zaak_id = ?1 AND sha256 = ?2",
        params![zaak_id, sha256],
        |r| {
            Ok(Photo {
                zaak_id: zaak_id.to_owned(),
                sha256: sha256.to_owned(),
                bytes: r.get(0)?,
                content_type: r.get(1)?,
                device_id: r.get(2)?,
                stored_at: r.get(3)?,
            })
        },
    )
}

/// The zaak's stored photos, by hash.
pub fn list(conn: &Tx<'_>, zaak_id: &str) -> Result<Vec<PhotoInfo>> {
    let rows = conn.query_map(
        "SELECT sha256, length(bytes), content_type FROM photos WHERE zaak_id = ?1 \
             ORDER BY sha256",
        params![zaak_id],
        |r| {
            Ok(PhotoInfo {
                sha256: r.get(0)?,
                size: r.get::<i64>(1)?.unsigned_abs(),
                content_type: r.get(2)?,
            })
        },
    )?;
    Ok(rows)
}

fn exists(conn: &Tx<'_>, zaak_id: &str, sha256: &str) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM photos WHERE zaak_id = ?1 AND sha256 = ?2",
            params![zaak_id, sha256],
            |_| Ok(()),
        )?
        .is_some())
}

/// 403 `not_assigned`: the same answer for a zaak that does not exist, so a device learns
/// nothing about zaken that were never its handhaver's.
fn not_assigned(zaak_id: &str) -> Error {
    Error::refused(
        StatusCode::FORBIDDEN,
        "not_assigned",
        format!("Zaak {zaak_id} is niet aan u toegewezen; de foto's worden niet aangenomen."),
    )
}

/// Refuses unless the device's handhaver is or was assigned to the zaak.
pub fn check_access(conn: &Tx<'_>, device_id: &str, zaak_id: &str) -> Result<()> {
    let user_id: Option<i64> = conn.query_opt(
        "SELECT user_id FROM devices WHERE id = ?1",
        params![device_id],
        |r| r.get(0),
    )?;
    match user_id {
        Some(user_id) if zaken::was_assigned(conn, zaak_id, user_id)? => Ok(()),
        _ => Err(not_assigned(zaak_id)),
    }
}

/// Every photo hash an entry of the zaak's stored document references (a waarneming's `foto`,
/// the photos of a client's answer: `Event::fotos`). Entries the server stored were checked on their sync; one this build cannot read
/// references nothing.
pub fn referenced(conn: &Tx<'_>, zaak_id: &str) -> Result<BTreeSet<String>> {
    let Some(stored) = store::load(conn, zaak_id)? else {
        return Ok(BTreeSet::new());
    };
    let doc = ZaakDocument::load(&stored.bytes)
        .map_err(|e| Error::Data(format!("zaak {zaak_id}: {e}")))?;
    let mut out = BTreeSet::new();
    let visits = doc
        .visits()
        .map_err(|e| Error::Data(format!("zaak {zaak_id}: {e}")))?;
    for visit in visits {
        let entries = doc
            .stored_entries(&visit.visit_id)
            .map_err(|e| Error::Data(format!("zaak {zaak_id}: {e}")))?;
        for entry in entries {
            if let Ok(event) = entry.event() {
                out.extend(event.fotos().into_iter().map(str::to_owned));
            }
        }
    }
    Ok(out)
}

/// What the server needs of the asked hashes: `(missing, unreferenced)`. The caller checked
/// access and bounded the list.
pub fn missing(
    conn: &Tx<'_>,
    zaak_id: &str,
    hashes: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let referenced = referenced(conn, zaak_id)?;
    let asked: BTreeSet<&String> = hashes.iter().collect();
    let (mut missing, mut unreferenced) = (Vec::new(), Vec::new());
    for h in asked {
        if !referenced.contains(h) {
            unreferenced.push(h.clone());
        } else if !exists(conn, zaak_id, h)? {
            missing.push(h.clone());
        }
    }
    Ok((missing, unreferenced))
}

/// Whether [`put`] stored the photo now or had it already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    AlreadyThere,
}

/// Stores one uploaded photo after checking it: the body's SHA-256 is the path's, and an entry
/// of the zaak references it. Idempotent. The caller checked access and the size.
pub fn put(
    conn: &Tx<'_>,
    zaak_id: &str,
    sha256: &str,
    bytes: &[u8],
    device_id: &str,
    now: i64,
) -> Result<Stored> {
    if hex::encode(digest(&SHA256, bytes)) != sha256 {
        return Err(Error::bad_request(
            "foto_hash_mismatch",
            "De inhoud van de foto past niet bij haar SHA-256 in het pad; niets opgeslagen.",
        ));
    }
    if exists(conn, zaak_id, sha256)? {
        return Ok(Stored::AlreadyThere);
    }
    if !referenced(conn, zaak_id)?.contains(sha256) {
        return Err(Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "foto_niet_verwezen",
            "Geen vastlegging van deze zaak verwijst naar deze foto; synchroniseer eerst de \
             waarneming. Niets opgeslagen.",
        ));
    }
    conn.execute(
        "INSERT INTO photos (zaak_id, sha256, bytes, content_type, device_id, stored_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![zaak_id, sha256, bytes, content_type(bytes), device_id, now],
    )?;
    Ok(Stored::New)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 item 1 (our part): the type comes from the bytes, for the four photo formats;
    /// anything else is served as a download.
    #[test]
    fn content_type_from_magic_bytes() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
        assert_eq!(content_type(&jpeg), "image/jpeg");
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
        ];
        assert_eq!(content_type(&png), "image/png");
        let mut webp = b"RIFF\x24\0\0\0WEBPVP8 ".to_vec();
        webp.extend([0; 8]);
        assert_eq!(content_type(&webp), "image/webp");
        let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        heic.extend([0; 8]);
        assert_eq!(content_type(&heic), "image/heif");
        assert_eq!(
            content_type(b"<html><script>alert(1)</script>"),
            "application/octet-stream"
        );
        assert_eq!(content_type(b""), "application/octet-stream");
        assert_eq!(content_type(b"%PDF-1.7"), "application/octet-stream");
    }

    #[test]
    fn hashes_are_checked_strictly() {
        let h = hex::encode(digest(&SHA256, b"x"));
        assert!(is_sha256_hex(&h));
        assert!(!is_sha256_hex(&h.to_uppercase()));
        assert!(!is_sha256_hex(&h[1..]));
        assert!(!is_sha256_hex("../../etc/passwd"));
    }
}
