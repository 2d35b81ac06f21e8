//! Tests of the zaak document through its public interface: round trips, schema versions,
//! merges and sync between devices, and property tests over interleavings and untrusted bytes.

use std::collections::BTreeSet;

use automerge::sync;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, ROOT};
use proptest::prelude::*;

use super::test_support::*;
use super::*;
use crate::evidence::{self, EntryStatus, Signer};

fn visit_doc(signer: &Signer) -> (ZaakDocument, String) {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let visit = doc
        .start_visit(Actie::Huisbezoek, signer, at(2, 0))
        .unwrap();
    (doc, visit)
}

fn ids(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| e.entry_id.clone()).collect()
}

#[test]
fn summary_and_visit_round_trip_through_bytes() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let loaded = ZaakDocument::load(&doc.save()).unwrap();
    assert_eq!(loaded.summary().unwrap(), summary());
    assert_eq!(loaded.schema_version().unwrap(), SCHEMA_VERSION);
    let visits = loaded.visits().unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].visit_id, visit);
    assert_eq!(visits[0].kind, Actie::Huisbezoek);
    assert_eq!(visits[0].created_by, "dev-a");
    assert_eq!(visits[0].created_at, at(2, 0));
}

#[test]
fn set_summary_changes_fields_and_handhavers() {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let mut changed = summary();
    changed.handhavers = BTreeSet::from(["hh-2".to_owned(), "hh-3".to_owned()]);
    changed.deadline = None;
    changed.werkproces = Werkproces::H6;
    doc.set_summary(&changed).unwrap();
    let loaded = ZaakDocument::load(&doc.save()).unwrap();
    assert_eq!(loaded.summary().unwrap(), changed);
}

#[test]
fn appended_entries_are_numbered_chained_signed_and_read_back() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let first = doc
        .append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    let second = doc
        .append_entry(&visit, &event(2), &policy(), &a, at(4, 0))
        .unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(first.prev_hash, evidence::GENESIS_HASH);
    assert_eq!(second.prev_hash, evidence::chain_hash(&first));

    let loaded = ZaakDocument::load(&doc.save()).unwrap();
    let entries = loaded.entries(&visit).unwrap();
    assert_eq!(entries, vec![first, second]);
    assert_eq!(entries[1].event().unwrap(), event(2));
    assert_eq!(entries[0].policy, policy());
    assert!(loaded
        .verify_visit(&visit, &directory(&[&a]))
        .unwrap()
        .is_intact());
}

#[test]
fn recorded_times_keep_millisecond_precision_only() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let precise = at(3, 5) + chrono::Duration::nanoseconds(123_456);
    let e = doc
        .append_entry(&visit, &event(1), &policy(), &a, precise)
        .unwrap();
    assert_eq!(e.recorded_at, at(3, 5));
    let loaded = ZaakDocument::load(&doc.save()).unwrap();
    assert!(loaded
        .verify_visit(&visit, &directory(&[&a]))
        .unwrap()
        .is_intact());
}

#[test]
fn incremental_saves_load_onto_the_snapshot() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let mut bytes = doc.save();
    for n in 0..3 {
        doc.append_entry(&visit, &event(n), &policy(), &a, at(3, n as u32))
            .unwrap();
        bytes.extend(doc.save_incremental());
    }
    let loaded = ZaakDocument::load(&bytes).unwrap();
    assert_eq!(loaded.entries(&visit).unwrap().len(), 3);
}

#[test]
fn incremental_saves_after_load_hold_only_new_changes() {
    let a = signer("dev-a");
    let b = signer("dev-b");
    let (mut doc, visit) = visit_doc(&a);
    let mut bytes = doc.save();
    let mut loaded = ZaakDocument::load(&bytes).unwrap();
    assert!(loaded.save_incremental().is_empty());
    let entry = loaded
        .append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    let one = loaded.save_incremental();
    // Only the new change: not the summary again, and at most twice the entry as JSON.
    let motivatie = summary().motivatie.into_bytes();
    assert!(!one.windows(motivatie.len()).any(|w| w == motivatie));
    let json = serde_json::to_vec(&entry).unwrap().len();
    assert!(
        !one.is_empty() && one.len() <= 2 * json,
        "{} vs {json}",
        one.len()
    );
    bytes.extend(&one);
    // Changes received from another replica are saved incrementally too.
    let mut other = ZaakDocument::load(&bytes).unwrap();
    other
        .append_entry(&visit, &event(2), &policy(), &b, at(4, 0))
        .unwrap();
    loaded.merge(&mut other).unwrap();
    bytes.extend(loaded.save_incremental());
    assert_eq!(
        ZaakDocument::load(&bytes)
            .unwrap()
            .entries(&visit)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn visit_kind_and_visit_id_are_checked() {
    let a = signer("dev-a");
    let (mut doc, _) = visit_doc(&a);
    // Every routekaart action is an activity of the zaak (issue 15).
    for kind in Actie::ALL {
        let visit = doc.start_visit(kind, &a, at(1, 0)).unwrap();
        assert_eq!(doc.visit(&visit).unwrap().kind, kind);
    }
    let err = doc
        .append_entry("nope", &event(1), &policy(), &a, at(1, 0))
        .unwrap_err();
    assert_eq!(err.code(), "visit_unknown");
    assert_eq!(doc.entries("nope").unwrap_err().code(), "visit_unknown");
}

#[test]
fn changes_are_authored_by_the_devices_actor() {
    let a = signer("dev-a");
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let before = doc.heads();
    let visit = doc.start_visit(Actie::HuisbezoekApp, &a, at(2, 0)).unwrap();
    doc.append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    let actors = doc.change_actors_since(&before);
    assert_eq!(actors.len(), 2, "one per change: the visit and the entry");
    assert!(actors.iter().all(|x| actor_belongs_to_device(x, "dev-a")));
    assert!(!actors.iter().any(|x| actor_belongs_to_device(x, "dev-b")));
    // The server's own changes (summary) are not a device's.
    let mut server_side = doc.fork();
    let before = server_side.heads();
    let mut changed = summary();
    changed.label = "nieuw".into();
    server_side.set_summary(&changed).unwrap();
    let actors = server_side.change_actors_since(&before);
    assert!(!actors.iter().any(|x| actor_belongs_to_device(x, "dev-a")));
}

/// Two devices record into the same visit offline, then merge both ways.
#[test]
fn merge_keeps_both_devices_entries_in_one_order() {
    let a = signer("dev-a");
    let b = signer("dev-b");
    let (mut doc_a, visit) = visit_doc(&a);
    let mut doc_b = ZaakDocument::load(&doc_a.save()).unwrap();
    let a1 = doc_a
        .append_entry(&visit, &event(1), &policy(), &a, at(5, 0))
        .unwrap();
    let b1 = doc_b
        .append_entry(&visit, &event(2), &policy(), &b, at(4, 0))
        .unwrap();
    let a2 = doc_a
        .append_entry(&visit, &event(3), &policy(), &a, at(6, 0))
        .unwrap();
    let b2 = doc_b
        .append_entry(&visit, &event(4), &policy(), &b, at(6, 0))
        .unwrap();

    doc_a.merge(&mut doc_b).unwrap();
    doc_b.merge(&mut doc_a).unwrap();
    let from_a = doc_a.entries(&visit).unwrap();
    let from_b = doc_b.entries(&visit).unwrap();
    assert_eq!(from_a, from_b);
    // By recorded_at; the tie at 09:06 goes to the smaller device id.
    assert_eq!(ids(&from_a), ids(&[b1, a1, a2, b2]));
    let keys = directory(&[&a, &b]);
    assert!(doc_a.verify_visit(&visit, &keys).unwrap().is_intact());

    // After the merge each device continues its own chain.
    let a3 = doc_a
        .append_entry(&visit, &event(5), &policy(), &a, at(7, 0))
        .unwrap();
    assert_eq!(a3.seq, 3);
}

/// A device that goes on from an older copy of its document (a restored backup, or a crash after a
/// sync but before a save) writes with a fresh actor, so its changes still merge; the sequence
/// number it reused shows up in verification as a duplicate.
#[test]
fn a_device_going_on_from_an_older_copy_still_merges() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    doc.append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    let backup = doc.save();
    let mut synced = ZaakDocument::load(&backup).unwrap();
    let mut restored = ZaakDocument::load(&backup).unwrap();
    synced
        .append_entry(&visit, &event(2), &policy(), &a, at(4, 0))
        .unwrap();
    let again = restored
        .append_entry(&visit, &event(3), &policy(), &a, at(5, 0))
        .unwrap();
    assert_eq!(again.seq, 2);
    synced.merge(&mut restored).unwrap();
    assert_eq!(synced.entries(&visit).unwrap().len(), 3);
    let report = synced.verify_visit(&visit, &directory(&[&a])).unwrap();
    assert_eq!(report.problems().count(), 1);
    assert_eq!(
        report.problems().next().unwrap().status,
        EntryStatus::Duplicate
    );
}

#[test]
fn a_device_chain_keeps_its_order_when_its_clock_goes_back() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let first = doc
        .append_entry(&visit, &event(1), &policy(), &a, at(9, 0))
        .unwrap();
    let second = doc
        .append_entry(&visit, &event(2), &policy(), &a, at(8, 0))
        .unwrap();
    assert_eq!(ids(&doc.entries(&visit).unwrap()), ids(&[first, second]));
}

fn sync_pair(x: &mut ZaakDocument, y: &mut ZaakDocument) {
    let (mut sx, mut sy) = (sync::State::new(), sync::State::new());
    for _ in 0..20 {
        let mx = x.generate_sync_message(&mut sx);
        let my = y.generate_sync_message(&mut sy);
        if mx.is_none() && my.is_none() {
            return;
        }
        if let Some(m) = mx {
            // Through bytes, as on the wire.
            let m = sync::Message::decode(&m.encode()).unwrap();
            y.receive_sync_message(&mut sy, m).unwrap();
        }
        if let Some(m) = my {
            let m = sync::Message::decode(&m.encode()).unwrap();
            x.receive_sync_message(&mut sx, m).unwrap();
        }
    }
    panic!("sync did not settle");
}

#[test]
fn sync_protocol_through_a_server_copy_brings_both_devices_together() {
    let a = signer("dev-a");
    let b = signer("dev-b");
    let mut server = ZaakDocument::new(&summary()).unwrap();
    let mut doc_a = ZaakDocument::load(&server.save()).unwrap();
    let visit = doc_a.start_visit(Actie::Huisbezoek, &a, at(2, 0)).unwrap();
    sync_pair(&mut doc_a, &mut server);
    let mut doc_b = ZaakDocument::load(&server.save()).unwrap();
    for n in 0..3 {
        doc_a
            .append_entry(&visit, &event(n), &policy(), &a, at(10, n as u32))
            .unwrap();
        doc_b
            .append_entry(&visit, &event(n + 10), &policy(), &b, at(10, n as u32))
            .unwrap();
    }
    sync_pair(&mut doc_a, &mut server);
    sync_pair(&mut doc_b, &mut server);
    sync_pair(&mut doc_a, &mut server);
    let expected = server.entries(&visit).unwrap();
    assert_eq!(expected.len(), 6);
    assert_eq!(doc_a.entries(&visit).unwrap(), expected);
    assert_eq!(doc_b.entries(&visit).unwrap(), expected);
    assert!(server
        .verify_visit(&visit, &directory(&[&a, &b]))
        .unwrap()
        .is_intact());
}

/// Two documents created independently for the same zaak (which should not happen) and holding
/// the same visit id still lose no entry when merged: readers take every conflicting object.
#[test]
fn concurrently_created_containers_lose_nothing() {
    let a = signer("dev-a");
    let b = signer("dev-b");
    let (mut doc_a, visit) = visit_doc(&a);
    let a1 = doc_a
        .append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();

    // Device b builds the same layout on its own, with the same visit id.
    let mut raw = AutoCommit::new();
    raw.put(ROOT, "schema_version", ScalarValue::Uint(1))
        .unwrap();
    raw.put_object(ROOT, "summary", ObjType::Map).unwrap();
    let visits = raw.put_object(ROOT, "visits", ObjType::Map).unwrap();
    let v = raw
        .put_object(&visits, visit.as_str(), ObjType::Map)
        .unwrap();
    raw.put(&v, "kind", "huisbezoek").unwrap();
    raw.put(&v, "created_by", "dev-b").unwrap();
    raw.put(&v, "created_at", ScalarValue::Timestamp(0))
        .unwrap();
    raw.put_object(&v, "entries", ObjType::List).unwrap();
    raw.commit();
    let mut doc_b = ZaakDocument::load(&raw.save()).unwrap();
    doc_b.set_summary(&summary()).unwrap();
    let b1 = doc_b
        .append_entry(&visit, &event(2), &policy(), &b, at(4, 0))
        .unwrap();

    doc_a.merge(&mut doc_b).unwrap();
    assert_eq!(ids(&doc_a.entries(&visit).unwrap()), ids(&[a1, b1]));
    assert!(doc_a
        .verify_visit(&visit, &directory(&[&a, &b]))
        .unwrap()
        .is_intact());
}

#[test]
fn the_same_entry_twice_is_listed_once() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let e1 = doc
        .append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    // Another replica holds a copy of the entry (e.g. re-imported): copy its map into the list.
    let copied = tamper(&mut doc, &visit, |raw, list| {
        let src = entry_obj(raw, list, 0);
        let fields: Vec<(String, ScalarValue)> = raw
            .keys(&src)
            .map(|k| match raw.get(&src, k.as_str()).unwrap() {
                Some((automerge::Value::Scalar(v), _)) => (k, v.into_owned()),
                other => panic!("{other:?}"),
            })
            .collect();
        let dst = raw.insert_object(list, 1, ObjType::Map).unwrap();
        for (k, v) in fields {
            raw.put(&dst, k.as_str(), v).unwrap();
        }
    });
    assert_eq!(copied.stored_entries(&visit).unwrap().len(), 2);
    assert_eq!(copied.entries(&visit).unwrap(), vec![e1]);
}

/// A frozen version-1 document, written with the literal v1 layout (not with this module's
/// writer), must stay readable by every later version.
#[test]
fn a_frozen_version_1_document_is_read() {
    let a = signer("dev-a");
    let mut entry = Entry {
        entry_id: "0f0e0d0c0b0a09080706050403020100".into(),
        visit_id: "v1visit".into(),
        device_id: "dev-a".into(),
        key_id: String::new(),
        format: 1,
        seq: 1,
        recorded_at: at(30, 120),
        prev_hash: evidence::GENESIS_HASH.into(),
        signature: String::new(),
        policy: policy(),
        body: r#"{"ruimte":"keuken","soort":"waarneming","tekst":"Twee borden."}"#.into(),
    };
    evidence::sign_entry(&mut entry, &a.key);

    let mut raw = AutoCommit::new();
    raw.put(ROOT, "schema_version", ScalarValue::Uint(1))
        .unwrap();
    let s = raw.put_object(ROOT, "summary", ObjType::Map).unwrap();
    for (k, v) in [
        ("zaak_id", "Z-1"),
        ("label", "oud"),
        ("street", "Wijk 2"),
        ("house_number", "3"),
        ("postcode", "8322 BB"),
        ("city", "Urk"),
        ("werkproces", "h6"),
        ("motivatie", "Feiten."),
        ("deadline", "2026-12-01"),
    ] {
        raw.put(&s, k, v).unwrap();
    }
    let h = raw.put_object(&s, "handhavers", ObjType::Map).unwrap();
    raw.put(&h, "hh-9", true).unwrap();
    let visits = raw.put_object(ROOT, "visits", ObjType::Map).unwrap();
    let v = raw.put_object(&visits, "v1visit", ObjType::Map).unwrap();
    raw.put(&v, "kind", "huisbezoek_app").unwrap();
    raw.put(&v, "created_by", "dev-a").unwrap();
    raw.put(
        &v,
        "created_at",
        ScalarValue::Timestamp(at(29, 0).timestamp_millis()),
    )
    .unwrap();
    let list = raw.put_object(&v, "entries", ObjType::List).unwrap();
    let e = raw.insert_object(&list, 0, ObjType::Map).unwrap();
    let synced = policy().policy_synced_at.unwrap().timestamp_millis();
    let fields: Vec<(&str, ScalarValue)> = vec![
        ("entry_id", entry.entry_id.as_str().into()),
        ("visit_id", "v1visit".into()),
        ("device_id", "dev-a".into()),
        ("key_id", entry.key_id.as_str().into()),
        ("format", ScalarValue::Uint(1)),
        ("seq", ScalarValue::Uint(1)),
        (
            "recorded_at",
            ScalarValue::Timestamp(at(30, 120).timestamp_millis()),
        ),
        ("prev_hash", evidence::GENESIS_HASH.into()),
        ("signature", entry.signature.as_str().into()),
        ("policy_actie", "huisbezoek".into()),
        ("policy_allowed", true.into()),
        (
            "policy_conditions",
            r#"["afstand_1_5_meter","mondkapje"]"#.into(),
        ),
        ("policy_version", ScalarValue::Uint(7)),
        ("policy_code", "oranje".into()),
        ("policy_synced_at", ScalarValue::Timestamp(synced)),
        ("body", entry.body.as_str().into()),
    ];
    for (k, val) in fields {
        raw.put(&e, k, val).unwrap();
    }
    raw.commit();
    let frozen = raw.save();

    let doc = ZaakDocument::load(&frozen).unwrap();
    assert_eq!(doc.schema_version().unwrap(), 1);
    let s = doc.summary().unwrap();
    assert_eq!((s.zaak_id.as_str(), s.werkproces), ("Z-1", Werkproces::H6));
    assert_eq!(s.handhavers, BTreeSet::from(["hh-9".to_owned()]));
    assert_eq!(doc.visit("v1visit").unwrap().kind, Actie::HuisbezoekApp);
    assert_eq!(doc.entries("v1visit").unwrap(), vec![entry]);
    assert!(doc
        .verify_visit("v1visit", &directory(&[&a]))
        .unwrap()
        .is_intact());
}

#[test]
fn documents_of_a_newer_or_no_schema_version_are_refused() {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let mut raw = AutoCommit::load(&doc.save()).unwrap();
    raw.put(
        ROOT,
        "schema_version",
        ScalarValue::Uint(SCHEMA_VERSION + 1),
    )
    .unwrap();
    let err = ZaakDocument::load(&raw.save()).unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
    raw.delete(ROOT, "schema_version").unwrap();
    let err = ZaakDocument::load(&raw.save()).unwrap_err();
    assert_eq!(err.code(), "schema_version_missing");
}

#[test]
fn a_malformed_entry_is_named_and_does_not_hide_the_others() {
    let a = signer("dev-a");
    let (mut doc, visit) = visit_doc(&a);
    let e1 = doc
        .append_entry(&visit, &event(1), &policy(), &a, at(3, 0))
        .unwrap();
    doc.append_entry(&visit, &event(2), &policy(), &a, at(4, 0))
        .unwrap();
    let broken = tamper(&mut doc, &visit, |raw, list| {
        let e = entry_obj(raw, list, 1);
        raw.put(&e, "seq", "two").unwrap();
    });
    let err = broken.entries(&visit).unwrap_err();
    assert_eq!(err.code(), "document_malformed");
    assert!(err.to_string().contains("entries[1].seq"), "{err}");
    let report = broken.verify_visit(&visit, &directory(&[&a])).unwrap();
    assert_eq!(report.status_of(&e1.entry_id), Some(EntryStatus::Ok));
    assert_eq!(report.problems().count(), 1);
    assert_eq!(
        report.problems().next().unwrap().status,
        EntryStatus::Altered
    );
}

#[test]
fn garbage_bytes_give_a_clear_error() {
    let err = ZaakDocument::load(b"not an automerge document").unwrap_err();
    assert_eq!(err.code(), "document_unreadable");
    let err = ZaakDocument::load(&AutoCommit::new().save()).unwrap_err();
    assert_eq!(err.code(), "schema_version_missing");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Untrusted bytes: loading a truncated or bit-flipped document never panics; when it loads,
    /// reading it never panics either.
    #[test]
    fn damaged_documents_never_panic(cut in 0usize..4000, flips in prop::collection::vec((0usize..4000, any::<u8>()), 0..4)) {
        let a = signer("dev-a");
        let (mut doc, visit) = visit_doc(&a);
        doc.append_entry(&visit, &event(1), &policy(), &a, at(3, 0)).unwrap();
        let mut bytes = doc.save();
        for (pos, x) in flips {
            let len = bytes.len();
            bytes[pos % len] ^= x;
        }
        bytes.truncate(cut.min(bytes.len()));
        if let Ok(d) = ZaakDocument::load(&bytes) {
            let _ = d.summary();
            let _ = d.entries(&visit);
            let _ = d.verify_visit(&visit, &directory(&[&a]));
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Append(usize),
    Merge(usize, usize),
    Sync(usize, usize),
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..devices).prop_map(Step::Append),
        1 => (0..devices, 0..devices).prop_map(|(x, y)| Step::Merge(x, y)),
        1 => (0..devices, 0..devices).prop_map(|(x, y)| Step::Sync(x, y)),
    ]
}

fn two_mut<T>(v: &mut [T], x: usize, y: usize) -> (&mut T, &mut T) {
    assert_ne!(x, y);
    if x < y {
        let (l, r) = v.split_at_mut(y);
        (&mut l[x], &mut r[0])
    } else {
        let (l, r) = v.split_at_mut(x);
        (&mut r[0], &mut l[y])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random interleavings of appends, merges and sync sessions across 2 or 3 devices: once all
    /// have merged, every device lists every entry exactly once, in the same order, each
    /// device's entries in their own order, and the visit verifies.
    #[test]
    fn interleavings_converge_without_loss(
        (devices, steps, clocks) in (2usize..=3).prop_flat_map(|n| (
            Just(n),
            prop::collection::vec(step(n), 1..30),
            prop::collection::vec(0u32..5, 30),
        ))
    ) {
        let signers: Vec<Signer> = (0..devices).map(|i| signer(&format!("dev-{i}"))).collect();
        let (mut origin, visit) = visit_doc(&signers[0]);
        let mut docs: Vec<ZaakDocument> = (0..devices).map(|_| origin.fork()).collect();
        let mut appended: Vec<Vec<String>> = vec![Vec::new(); devices];
        for (i, s) in steps.iter().enumerate() {
            match *s {
                Step::Append(d) => {
                    // Few distinct clock values, so ties between devices are common.
                    let e = docs[d]
                        .append_entry(&visit, &event(i), &policy(), &signers[d], at(20, clocks[i] * 100))
                        .unwrap();
                    prop_assert_eq!(e.seq as usize, appended[d].len() + 1);
                    appended[d].push(e.entry_id);
                }
                Step::Merge(x, y) if x != y => {
                    let (dx, dy) = two_mut(&mut docs, x, y);
                    dx.merge(dy).unwrap();
                }
                Step::Sync(x, y) if x != y => {
                    let (dx, dy) = two_mut(&mut docs, x, y);
                    sync_pair(dx, dy);
                }
                _ => {}
            }
        }
        for x in 1..devices {
            let (d0, dx) = two_mut(&mut docs, 0, x);
            d0.merge(dx).unwrap();
        }
        for x in 1..devices {
            let (d0, dx) = two_mut(&mut docs, 0, x);
            dx.merge(d0).unwrap();
        }
        let keys = directory(&signers.iter().collect::<Vec<_>>());
        let reference = docs[0].entries(&visit).unwrap();
        let total: usize = appended.iter().map(Vec::len).sum();
        prop_assert_eq!(reference.len(), total);
        for doc in &docs {
            prop_assert_eq!(&doc.entries(&visit).unwrap(), &reference);
            prop_assert!(doc.verify_visit(&visit, &keys).unwrap().is_intact());
        }
        for (d, own) in appended.iter().enumerate() {
            let device = format!("dev-{d}");
            let in_order: Vec<String> = reference
                .iter()
                .filter(|e| e.device_id == device)
                .map(|e| e.entry_id.clone())
                .collect();
            prop_assert_eq!(&in_order, own);
        }
        // The order is a function of the set of entries alone.
        let mut shuffled = reference.clone();
        shuffled.reverse();
        prop_assert_eq!(order_entries(shuffled), reference);
    }
}
