//! Altering, forging or bloating the zaak document as a co-assigned device speaking the
//! documented protocol: each attack is refused with its code, nothing of it is stored, and the
//! honest device assigned to the same zaak receives nothing of it.

use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use chrono::Utc;
use veldwerk_contract::sync::SyncResponse;
use veldwerk_tests::hostile::{device_actor, message, message_with_bloom, HostileDevice};
use veldwerk_tests::{steps_to_binnen, waarneming, TestDevice, TestServer};

const ZAAK: &str = "Z-1";

/// A server with zaak Z-1 of piet and kees; piet's honest device has recorded a visit and
/// synced; kees's hostile device holds the document as the server sent it.
struct Scene {
    server: TestServer,
    honest: TestDevice,
    hostile: HostileDevice,
    visit: String,
    heads: Vec<ChangeHash>,
    /// Entries piet recorded after the scene was set.
    recorded: usize,
}

fn scene() -> Scene {
    let server = TestServer::start();
    server.zaak(ZAAK, &["piet", "kees"]);
    let mut honest = TestDevice::enrolled(&server, "piet");
    honest.sync().unwrap();
    let t = Utc::now();
    let visit = honest.start_huisbezoek(ZAAK, t);
    honest
        .record(ZAAK, &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    assert!(honest.sync().unwrap().summary.rejections.is_empty());
    let mut hostile = HostileDevice::enroll(&server, "kees");
    hostile.pull();
    let heads = server_heads(&server);
    Scene {
        server,
        honest,
        hostile,
        visit,
        heads,
        recorded: 0,
    }
}

fn server_heads(server: &TestServer) -> Vec<ChangeHash> {
    server.document(ZAAK).unwrap().heads()
}

impl Scene {
    /// The one rejection of Z-1 in `response` has `code`; the server's document is as before,
    /// and piet's device receives nothing new and still reads every entry as it recorded it.
    fn refused(&mut self, response: &SyncResponse, code: &str) {
        let rejection = response
            .rejections
            .iter()
            .find(|r| r.zaak_id == ZAAK)
            .unwrap_or_else(|| panic!("not refused: {response:?}"));
        assert_eq!(rejection.code, code, "{}", rejection.message);
        assert!(rejection.message.contains(ZAAK), "{}", rejection.message);
        assert!(response.acks.iter().all(|a| a.zaak_id != ZAAK));
        assert_eq!(
            server_heads(&self.server),
            self.heads,
            "something was stored"
        );
        let bodies = self.bodies();
        let report = self.honest.sync().unwrap();
        assert!(report.summary.rejections.is_empty());
        assert_eq!(report.summary.entries_received, 0);
        assert_eq!(self.bodies(), bodies);
        // The server still loads its document and checks the next honest change.
        let t = Utc::now();
        self.honest
            .record(ZAAK, &self.visit, vec![waarneming(9)], t)
            .unwrap();
        let report = self.honest.sync().unwrap();
        assert!(
            report.summary.rejections.is_empty(),
            "{:?}",
            report.summary.rejections
        );
        self.heads = server_heads(&self.server);
        self.recorded += 1;
        assert_eq!(self.server.entry_count(ZAAK), 7 + self.recorded);
    }

    fn bodies(&mut self) -> Vec<String> {
        let detail = self.honest.device().zaak_detail(ZAAK).unwrap();
        let mut out: Vec<String> = detail
            .visits
            .iter()
            .flat_map(|v| v.entries.iter().map(|e| e.entry.body.clone()))
            .collect();
        out.sort();
        out
    }
}

fn map_at(doc: &AutoCommit, obj: &ObjId, key: &str) -> ObjId {
    match doc.get(obj, key).unwrap() {
        Some((Value::Object(_), id)) => id,
        other => panic!("no object at {key}: {other:?}"),
    }
}

/// The visit map and entries list of `visit` in a raw document.
fn visit_objs(doc: &AutoCommit, visit: &str) -> (ObjId, ObjId) {
    let visits = map_at(doc, &ROOT, "visits");
    let v = map_at(doc, &visits, visit);
    let list = map_at(doc, &v, "entries");
    (v, list)
}

fn entry_at(doc: &AutoCommit, list: &ObjId, index: usize) -> ObjId {
    match doc.get(list, index).unwrap() {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("no entry at {index}: {other:?}"),
    }
}

/// Issue 13, item 1: the body of another device's signed entry edited in place (the entry count
/// stays the same) is refused.
#[test]
fn editing_a_signed_entry_in_place_is_refused() {
    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    let (_, list) = visit_objs(doc, &s.visit);
    let entry = entry_at(doc, &list, 6);
    doc.put(&entry, "body", "{\"soort\":\"binnentreden\",\"x\":1}")
        .unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "document_rewritten");
}

/// Issue 13, item 2 (server side): a forged copy of another device's entry (same `entry_id`, new
/// text in canonical form, a random signature) appended to the visit is refused: one copy per
/// entry id.
#[test]
fn a_forged_copy_of_an_entry_is_refused() {
    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    let (_, list) = visit_objs(doc, &s.visit);
    let original = entry_at(doc, &list, 6);
    let keys: Vec<String> = doc.keys(&original).collect();
    let len = doc.length(&list);
    let copy = doc.insert_object(&list, len, ObjType::Map).unwrap();
    for key in keys {
        let value = match doc.get(&original, key.as_str()).unwrap() {
            Some((Value::Scalar(v), _)) => v.into_owned(),
            other => panic!("{key}: {other:?}"),
        };
        let value = match key.as_str() {
            "body" => ScalarValue::from(
                "{\"foto\":null,\"kamer_van\":null,\"kast_geopend\":false,\"ruimte\":\"kelder\",\"soort\":\"waarneming\",\"tekst\":\"Een tweede bed.\"}",
            ),
            "signature" => ScalarValue::from("ab".repeat(64)),
            _ => value,
        };
        doc.put(&copy, key.as_str(), value).unwrap();
    }
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "entry_duplicate");
}

/// Issue 13, item 3: `schema_version = 999`, or `visits` replaced by a string, is refused; the
/// handhaver's new devices still sync.
#[test]
fn a_broken_schema_version_or_visits_is_refused() {
    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    doc.put(ROOT, "schema_version", 999u64).unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "document_rewritten");

    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    doc.put(ROOT, "visits", "geen huisbezoeken").unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "document_rewritten");

    let mut fresh = TestDevice::enrolled(&s.server, "kees");
    let report = fresh.sync().unwrap();
    assert_eq!(report.summary.new_docs, vec![ZAAK.to_owned()]);
    assert_eq!(fresh.entry_count(ZAAK), 8);
}

/// Issue 13, item 4: `created_by`, `kind` and `created_at` of another device's visit rewritten.
#[test]
fn rewriting_a_visits_metadata_is_refused() {
    for (key, value) in [
        ("created_by", ScalarValue::from("dev-0000000000000000")),
        ("kind", ScalarValue::from("huisbezoek_app")),
        ("created_at", ScalarValue::Timestamp(0)),
    ] {
        let mut s = scene();
        let device_id = s.hostile.device_id().to_owned();
        let doc = s.hostile.doc(ZAAK);
        let (v, _) = visit_objs(doc, &s.visit);
        let value = if key == "created_by" {
            ScalarValue::from(device_id.as_str())
        } else {
            value
        };
        doc.put(&v, key, value).unwrap();
        doc.commit();
        let response = s.hostile.push(ZAAK);
        s.refused(&response, "document_rewritten");
    }
}

/// Issue 13, item 5: arbitrary data in the zaak (a 12 MB value in an extra root key, an extra
/// summary field, a 12 MB value in a visit of its own) is refused and never reaches piet.
#[test]
fn arbitrary_data_is_refused_and_not_pushed() {
    let big = "x".repeat(12 << 20);
    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    doc.put(ROOT, "bijlage", big.as_str()).unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "document_rewritten");

    let mut s = scene();
    let doc = s.hostile.doc(ZAAK);
    let summary = map_at(doc, &ROOT, "summary");
    doc.put(&summary, "opmerking", "x").unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "document_rewritten");

    let mut s = scene();
    let t = Utc::now();
    let own = s.hostile.start_visit(ZAAK, t);
    let doc = s.hostile.doc(ZAAK);
    let (v, _) = visit_objs(doc, &own);
    doc.put(&v, "bijlage", big.as_str()).unwrap();
    doc.commit();
    let response = s.hostile.push(ZAAK);
    s.refused(&response, "schema_violation");
    assert!(response.rejections[0].message.contains("bijlage"));
}

/// Issue 13, item 8: a compressed change chunk is refused before Automerge inflates it, and a
/// document chunk in place of changes is refused too.
#[test]
fn compressed_changes_and_document_chunks_are_refused() {
    let mut s = scene();
    let t = Utc::now();
    let own = s.hostile.start_visit(ZAAK, t);
    s.hostile.record(ZAAK, &own, &waarneming(1), t);
    let held = s.hostile.docs.get_mut(ZAAK).unwrap();
    let mut changes = held.doc.get_changes(&held.server_heads);
    let heads = held.doc.get_heads();
    let server = held.server_heads.clone();
    let chunks: Vec<Vec<u8>> = changes.iter_mut().map(|c| c.bytes().to_vec()).collect();
    assert!(
        chunks.iter().any(|c| c[8] == 2),
        "an entry change compresses"
    );
    let m = message(heads.clone(), server.clone(), chunks).encode();
    let response = s.hostile.push_bytes(ZAAK, m);
    s.refused(&response, "change_compressed");

    let whole = s.hostile.doc(ZAAK).save();
    let m = message(heads, server, vec![whole]).encode();
    let response = s.hostile.push_bytes(ZAAK, m);
    s.refused(&response, "change_chunk_invalid");
}

/// Issue 13, item 12: 4,000 one-op changes by 4,000 new actors are refused at once, before
/// Automerge adds a single actor, instead of costing a minute of CPU.
#[test]
fn thousands_of_new_actors_are_refused_quickly() {
    let mut s = scene();
    let device_id = s.hostile.device_id().to_owned();
    let held = s.hostile.docs.get_mut(ZAAK).unwrap();
    let server = held.server_heads.clone();
    let doc = &mut held.doc;
    let mut chunks = Vec::new();
    for i in 0..4000 {
        doc.set_actor(device_actor(&device_id));
        doc.put(ROOT, "n", i as u64).unwrap();
        doc.commit();
        chunks.push(doc.get_last_local_change().unwrap().raw_bytes().to_vec());
    }
    let m = message(doc.get_heads(), server, chunks).encode();
    let started = Instant::now();
    let response = s.hostile.push_bytes(ZAAK, m);
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
    s.refused(&response, "actors_too_many");
}

/// Issue 13, item 13: a sync message whose Bloom filter has `bits_per_entry = 0` (Automerge
/// divides by zero on it) is a refusal for that document, not a failed request; the document
/// the server keeps loaded is not left half-applied.
#[test]
fn a_bloom_filter_that_panics_automerge_is_refused() {
    let mut s = scene();
    // One entry, zero bits per entry, one probe, no bits.
    let m = message_with_bloom(&[1, 0, 1]).unwrap().encode();
    let response = s.hostile.push_bytes(ZAAK, m);
    s.refused(&response, "message_invalid");
}

/// Issue 13, "Smaller", the existence oracle: a zaak that exists but was never assigned to the
/// device's handhaver answers exactly as one that does not exist: `not_assigned`, no heads.
#[test]
fn an_unassigned_zaak_and_a_missing_one_answer_alike() {
    let mut s = scene();
    s.server.zaak("Z-2", &["piet"]);
    // Piet's device syncs, so Z-2 has a document on the server.
    s.honest.sync().unwrap();
    assert!(s.server.document("Z-2").is_some());
    let empty = message(Vec::new(), Vec::new(), Vec::new()).encode();
    let response = s.hostile.send(
        &s.hostile
            .envelope(vec![("Z-2".into(), empty.clone()), ("Z-404".into(), empty)]),
    );
    assert!(response.acks.is_empty(), "{:?}", response.acks);
    let answers: Vec<(String, String, String)> = response
        .rejections
        .iter()
        .map(|r| {
            (
                r.zaak_id.clone(),
                r.code.clone(),
                r.message.replace(&r.zaak_id, "<zaak>"),
            )
        })
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].1, "not_assigned");
    assert_eq!(answers[0].1, answers[1].1);
    assert_eq!(answers[0].2, answers[1].2);
    assert!(response.docs.is_empty());
}
