//! A zaak's export for the case system (`GET /v1/zaken/{zaak_id}/export`): one ZIP with the
//! zaak as the API reads it, per visit its rapport (PDF/A) and the evidence embedded in it, every
//! photo, and a manifest listing each file with its SHA-256 and size, so the receiving side can
//! check it got what was sent.
//!
//! Written to an anonymous temporary file, one part at a time (photos are read one by one), so
//! a zaak with many photos costs disk, not memory.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};

use ring::digest::{digest, SHA256};
use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::org::Organisation;
use crate::{photos, rapport};

/// The manifest's format.
pub const FORMAT: u64 = 1;

/// `manifest.json`: what the ZIP holds.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub formaat: u64,
    pub zaak_id: String,
    pub organisatie: String,
    pub gemaakt_op: chrono::DateTime<chrono::Utc>,
    /// Every other file of the ZIP.
    pub bestanden: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    pub naam: String,
    /// `zaak`, `rapport`, `bewijs` or `foto`.
    pub soort: &'static str,
    pub sha256: String,
    pub bytes: u64,
}

struct Zip {
    writer: ZipWriter<File>,
    files: Vec<ManifestFile>,
}

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::Data(format!("export zip: {e}"))
}

impl Zip {
    fn add(&mut self, name: String, soort: &'static str, bytes: &[u8]) -> Result<()> {
        // PDFs and photos are compressed already.
        let method = if soort == "rapport" || soort == "foto" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        self.writer.start_file(&name, options).map_err(zip_error)?;
        self.writer.write_all(bytes)?;
        self.files.push(ManifestFile {
            naam: name,
            soort,
            sha256: hex::encode(digest(&SHA256, bytes).as_ref()),
            bytes: bytes.len() as u64,
        });
        Ok(())
    }
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/heic" => "heic",
        _ => "bin",
    }
}

/// Writes the export of zaak `zaak_id` to a temporary file and returns it, positioned at its
/// start, with its length. `zaak_json` is the zaak as the API reads it. Blocking: call it on
/// the blocking pool.
pub fn write(
    db: &Db,
    org: &Organisation,
    zaak_id: &str,
    zaak_json: &[u8],
    now: i64,
) -> Result<(File, u64)> {
    let mut zip = Zip {
        writer: ZipWriter::new(tempfile::tempfile()?),
        files: Vec::new(),
    };
    zip.add("zaak.json".into(), "zaak", zaak_json)?;
    for evidence in db.read(|tx| rapport::collect_all(tx, org, zaak_id, now))? {
        let id = &evidence.visit.visit_id;
        let fotos = db.read(|tx| rapport::evidence::fotos(tx, zaak_id, &evidence))?;
        let pdf = rapport::render_with_fotos(&evidence, &fotos)?;
        zip.add(format!("bezoeken/{id}/rapport.pdf"), "rapport", &pdf)?;
        zip.add(
            format!("bezoeken/{id}/bewijs.json"),
            "bewijs",
            &evidence.to_json()?,
        )?;
    }
    for info in db.read(|tx| photos::list(tx, zaak_id))? {
        let Some(photo) = db.read(|tx| photos::get(tx, zaak_id, &info.sha256))? else {
            continue;
        };
        let name = format!("fotos/{}.{}", info.sha256, extension(&info.content_type));
        zip.add(name, "foto", &photo.bytes)?;
    }
    let manifest = Manifest {
        formaat: FORMAT,
        zaak_id: zaak_id.to_owned(),
        organisatie: org.name.clone(),
        gemaakt_op: chrono::DateTime::from_timestamp(now, 0).unwrap_or_default(),
        bestanden: std::mem::take(&mut zip.files),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Data(e.to_string()))?;
    zip.writer
        .start_file("manifest.json", SimpleFileOptions::default())
        .map_err(zip_error)?;
    zip.writer.write_all(&json)?;
    let mut file = zip.writer.finish().map_err(zip_error)?;
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, len))
}
