//! Rapport timings (issue 14, "Done means": the PDF under 500 ms for a zaak with 20 visits of 50
//! entries): rendering the rapport of one 50-entry visit, and collecting its evidence from a
//! store whose zaak holds 20 such visits (loading the whole document, reading every copy,
//! signing the key list and the evidence).
//!
//! `cargo bench -p veldwerk-server --bench rapport`; criterion's median is in
//! `target/criterion/<name>/new/estimates.json`.

#[path = "../tests/rapport_fixture/mod.rs"]
mod fixture;

use criterion::{criterion_group, criterion_main, Criterion};
use veldwerk_server::db::Db;
use veldwerk_server::rapport::{collect, render, verify_pdf};

const ZAAK: &str = "Z-2026-0500";
const VISITS: usize = 20;
/// `fixture::full_visit` has 14 entries (with its correctie) before the extra waarnemingen.
const EXTRA: usize = 36;

fn rapport(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("store");
    let org = veldwerk_server::setup::ensure_organisation(&db, "Gemeente Urk").expect("org");
    let people = fixture::people(&db);
    fixture::zaak(&db, ZAAK);
    let visits: Vec<String> = (0..VISITS)
        .map(|_| fixture::record_visit(&db, ZAAK, &people, EXTRA))
        .collect();
    let last = visits.last().expect("a visit").clone();
    let now = 1_796_040_000;
    let evidence = db
        .read(|tx| collect(tx, &org, ZAAK, &last, now))
        .expect("evidence");
    assert_eq!(evidence.entries.len(), 50);
    let pdf = render(&evidence).expect("pdf");
    eprintln!(
        "rapport: {} entries, {} pages, {} bytes",
        evidence.entries.len(),
        lopdf::Document::load_mem(&pdf)
            .map(|d| d.get_pages().len())
            .unwrap_or(0),
        pdf.len()
    );

    let mut g = c.benchmark_group("rapport");
    g.sample_size(10);
    g.bench_function("render_50_entries", |b| {
        b.iter(|| render(&evidence).expect("pdf"))
    });
    g.bench_function("collect_from_20_visits_x_50", |b| {
        b.iter(|| {
            db.read(|tx| collect(tx, &org, ZAAK, &last, now))
                .expect("evidence")
        })
    });
    g.bench_function("collect_and_render", |b| {
        b.iter(|| {
            let e = db
                .read(|tx| collect(tx, &org, ZAAK, &last, now))
                .expect("evidence");
            render(&e).expect("pdf")
        })
    });
    g.bench_function("verify_pdf", |b| {
        b.iter(|| verify_pdf(&pdf, Some(&org.public_key)).expect("intact"))
    });
    g.finish();
}

criterion_group!(benches, rapport);
criterion_main!(benches);
