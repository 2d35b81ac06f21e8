//! The rapport van bevindingen of a full visit (issue 14, items 3 and 4): collected from a real
//! store, rendered as PDF/A, verified; one changed byte in the embedded evidence or in a page
//! fails the check; rendering is deterministic; the console serves it; pdftotext (when
//! installed) finds the consent text, every waarneming and the signers.

mod common;
mod rapport_fixture;

use std::process::Command;

use rapport_fixture as fx;
use veldwerk_rules::protocol::{ToestemmingsTekst, Variant};
use veldwerk_server::db::Db;
use veldwerk_server::org::Organisation;
use veldwerk_server::rapport::{self, collect, render, verify_pdf, RapportEvidence, VerifyError};

const ZAAK: &str = "Z-2026-0142";
/// 30 November 2026, 12:00 UTC.
const NOW: i64 = 1_796_040_000;

fn seeded() -> (tempfile::TempDir, Db, Organisation, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let org = veldwerk_server::setup::ensure_organisation(&db, "Gemeente Urk").unwrap();
    let people = fx::people(&db);
    fx::zaak(&db, ZAAK);
    let visit = fx::record_visit(&db, ZAAK, &people, 0);
    (dir, db, org, visit)
}

fn evidence_of(db: &Db, org: &Organisation, visit: &str) -> RapportEvidence {
    db.read(|tx| collect(tx, org, ZAAK, visit, NOW)).unwrap()
}

/// Where the uncompressed evidence JSON sits in the file.
fn json_span(pdf: &[u8], evidence: &RapportEvidence) -> std::ops::Range<usize> {
    let json = evidence.to_json().unwrap();
    let start = pdf
        .windows(json.len())
        .position(|w| w == json.as_slice())
        .expect("the evidence is embedded uncompressed");
    start..start + json.len()
}

#[test]
fn a_full_visit_renders_verifies_and_renders_the_same_twice() {
    let (_dir, db, org, visit) = seeded();
    let evidence = evidence_of(&db, &org, &visit);
    // 7 steps to binnen, extra consent, 3 waarnemingen, afsluiting, correctie, rapport.
    assert_eq!(evidence.entries.len(), 14);
    let pdf = render(&evidence).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert_eq!(
        pdf,
        render(&evidence).unwrap(),
        "rendering is deterministic"
    );
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("pdfaid:part>3<") || text.contains("pdfaid:part=\"3\""));
    assert!(text.contains("rapport-bewijs.json"));

    let verified = verify_pdf(&pdf, Some(&org.public_key)).unwrap();
    assert!(verified.key_checked_independently);
    assert_eq!(verified.entries, 14);
    assert_eq!(
        verified.evidence_hash,
        rapport::evidence_hash(&evidence.to_json().unwrap())
    );
    let own = verify_pdf(&pdf, None).unwrap();
    assert!(!own.key_checked_independently);
}

#[test]
fn one_flipped_byte_in_the_embedded_evidence_fails() {
    let (_dir, db, org, visit) = seeded();
    let evidence = evidence_of(&db, &org, &visit);
    let pdf = render(&evidence).unwrap();
    let span = json_span(&pdf, &evidence);
    // A letter inside the consent text as stored in the entry's body.
    let json = &pdf[span.clone()];
    let at = span.start + json.windows(9).position(|w| w == b"betreden?").unwrap();
    let mut tampered = pdf.clone();
    tampered[at] = b'B';
    let err = verify_pdf(&tampered, Some(&org.public_key)).unwrap_err();
    assert_eq!(err.code(), "rapport_entry_not_verified", "{err}");

    // Any byte of the evidence: never accepted, never a panic.
    for offset in [0, span.len() / 3, span.len() / 2, span.len() - 2] {
        let mut t = pdf.clone();
        t[span.start + offset] ^= 0x01;
        assert!(
            verify_pdf(&t, Some(&org.public_key)).is_err(),
            "offset {offset}"
        );
    }
}

#[test]
fn one_changed_byte_in_a_page_fails() {
    let (_dir, db, org, visit) = seeded();
    let evidence = evidence_of(&db, &org, &visit);
    let pdf = render(&evidence).unwrap();
    // The first page's content stream: the bytes after the first "stream" keyword that is not
    // the attachment.
    let span = json_span(&pdf, &evidence);
    let marker = b"stream\n";
    let start = pdf
        .windows(marker.len())
        .enumerate()
        .map(|(i, _)| i)
        .find(|&i| &pdf[i..i + marker.len()] == marker && !span.contains(&(i + marker.len())))
        .unwrap()
        + marker.len();
    let mut tampered = pdf.clone();
    tampered[start + 20] ^= 0x20;
    let err = verify_pdf(&tampered, Some(&org.public_key)).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::TextMismatch { .. } | VerifyError::Unreadable(_)
        ),
        "{err}"
    );
}

#[test]
fn another_organisation_key_fails_and_so_does_garbage() {
    let (_dir, db, org, visit) = seeded();
    let pdf = render(&evidence_of(&db, &org, &visit)).unwrap();
    let other = veldwerk_server::setup::ensure_organisation(
        &Db::open(tempfile::tempdir().unwrap().path()).unwrap(),
        "Elders",
    )
    .unwrap();
    let err = verify_pdf(&pdf, Some(&other.public_key)).unwrap_err();
    assert_eq!(err.code(), "key_list_signature_invalid");
    assert_eq!(
        verify_pdf(b"geen pdf", None).unwrap_err().code(),
        "rapport_unreadable"
    );
    // Truncations never pass and never panic.
    for len in (0..pdf.len()).step_by(pdf.len() / 40 + 1) {
        assert!(verify_pdf(&pdf[..len], None).is_err());
    }
}

#[test]
fn unknown_zaak_and_visit_are_not_found() {
    let (_dir, db, org, _visit) = seeded();
    let e = db
        .read(|tx| collect(tx, &org, "Z-0000-0000", "x", NOW))
        .unwrap_err();
    assert_eq!(e.code(), "zaak_not_found");
    let e = db
        .read(|tx| collect(tx, &org, ZAAK, "nope", NOW))
        .unwrap_err();
    assert_eq!(e.code(), "visit_unknown");
}

fn have(binary: &str) -> bool {
    Command::new(binary).arg("-v").output().is_ok()
}

/// Issue 14, "Done means": pdftotext of the rapport holds the consent text, every waarneming
/// and the signers; page 1 is saved as `artifacts/rapport-page1.png`.
#[test]
fn pdftotext_finds_consent_waarnemingen_and_signers() {
    if !have("pdftotext") {
        eprintln!("overgeslagen: pdftotext is niet geïnstalleerd (poppler-utils)");
        return;
    }
    let (dir, db, org, visit) = seeded();
    let pdf = render(&evidence_of(&db, &org, &visit)).unwrap();
    let file = dir.path().join("rapport.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(&String::from_utf8_lossy(&out.stdout));
    let consent = ToestemmingsTekst::standaard(Variant::A);
    for needle in [
        consent.tekst.as_str(),
        fx::WOONKAMER_TEKST,
        fx::SLAAPKAMER_TEKST,
        fx::SLAAPKAMER_TEKST_2,
        fx::CORRECTIE_TEKST,
        fx::RAPPORT_TEKST,
        "hh-1",
        "onder ambtseed",
        "hh-2",
        "onder ambtsbelofte",
        "Pagina 1 van",
    ] {
        assert!(text.contains(&flat(needle)), "missing: {needle}\n{text}");
    }
    assert!(!text.contains("toestemming_gegeven"), "raw code printed");

    if have("pdftoppm") {
        let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts");
        std::fs::create_dir_all(&artifacts).unwrap();
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&file)
            .arg(artifacts.join("rapport-page1"))
            .status()
            .unwrap();
        assert!(status.success());
    }
}
