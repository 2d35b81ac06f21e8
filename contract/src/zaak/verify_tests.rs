//! Verification of really tampered zaak documents (`evidence::verify_visit` over what the
//! document reads back): the evidence rules seen through the document schema.

use automerge::transaction::Transactable;
use automerge::ScalarValue;

use super::test_support::*;
use super::ZaakDocument;
use crate::evidence::*;
use veldwerk_rules::routekaart::Actie;

/// A visit where device a recorded three entries.
fn three(a: &Signer) -> (ZaakDocument, String, Vec<Entry>) {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let visit = doc.start_visit(Actie::Huisbezoek, a, at(2, 0)).unwrap();
    let entries = (0..3)
        .map(|n| {
            doc.append_entry(&visit, &event(n), &policy(), a, at(3 + n as u32, 0))
                .unwrap()
        })
        .collect();
    (doc, visit, entries)
}

fn statuses(doc: &ZaakDocument, visit: &str, keys: &KeyDirectory) -> Vec<EntryStatus> {
    let report = doc.verify_visit(visit, keys).unwrap();
    doc.entries(visit)
        .unwrap()
        .iter()
        .map(|e| report.status_of(&e.entry_id).unwrap())
        .collect()
}

use EntryStatus::*;

#[test]
fn an_intact_visit_verifies_and_reports_its_heads() {
    let a = signer("dev-a");
    let (doc, visit, entries) = three(&a);
    let report = doc.verify_visit(&visit, &directory(&[&a])).unwrap();
    assert!(report.is_intact());
    assert_eq!(
        report.heads.get("dev-a"),
        Some(&ChainHead {
            seq: 3,
            hash: chain_hash(&entries[2])
        })
    );
}

#[test]
fn an_edited_text_is_altered() {
    let a = signer("dev-a");
    let (mut doc, visit, _) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let e = entry_obj(raw, list, 1);
        let body = read_raw_entry(raw, list, 1).body.replace("twee", "drie");
        raw.put(&e, "body", body).unwrap();
    });
    assert_eq!(statuses(&doc, &visit, &directory(&[&a])), [Ok, Altered, Ok]);
}

#[test]
fn a_changed_header_is_altered() {
    let a = signer("dev-a");
    let (mut doc, visit, _) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let e = entry_obj(raw, list, 0);
        raw.put(&e, "policy_code", "geel").unwrap();
        let e = entry_obj(raw, list, 2);
        raw.put(&e, "recorded_at", ScalarValue::Timestamp(0))
            .unwrap();
    });
    let keys = directory(&[&a]);
    let report = doc.verify_visit(&visit, &keys).unwrap();
    let got: Vec<_> = report.entries.iter().map(|e| e.status).collect();
    assert_eq!(got, [Altered, Ok, Altered]);
}

#[test]
fn a_removed_signature_is_unsigned() {
    let a = signer("dev-a");
    let (mut doc, visit, _) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let e = entry_obj(raw, list, 0);
        raw.put(&e, "signature", "").unwrap();
    });
    assert_eq!(
        statuses(&doc, &visit, &directory(&[&a])),
        [Unsigned, Ok, Ok]
    );
}

#[test]
fn keys_not_enrolled_or_enrolled_for_another_device_are_unknown() {
    let a = signer("dev-a");
    let (doc, visit, _) = three(&a);
    let other = signer("dev-b");
    assert_eq!(
        statuses(&doc, &visit, &directory(&[&other])),
        [UnknownKey, UnknownKey, UnknownKey]
    );
    let mut wrong_device = KeyDirectory::new();
    wrong_device.insert("dev-b", &a.key.public_key()).unwrap();
    assert_eq!(
        statuses(&doc, &visit, &wrong_device),
        [UnknownKey, UnknownKey, UnknownKey]
    );
}

#[test]
fn a_deleted_entry_leaves_a_missing_predecessor() {
    let a = signer("dev-a");
    let (mut doc, visit, entries) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        raw.delete(list, 1).unwrap();
    });
    let report = doc.verify_visit(&visit, &directory(&[&a])).unwrap();
    assert_eq!(report.status_of(&entries[0].entry_id), Some(Ok));
    assert_eq!(report.status_of(&entries[1].entry_id), None);
    assert_eq!(
        report.status_of(&entries[2].entry_id),
        Some(MissingPredecessor)
    );
}

#[test]
fn moving_entries_in_the_list_changes_nothing() {
    let a = signer("dev-a");
    let (mut doc, visit, entries) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let last = read_raw_entry(raw, list, 2);
        raw.delete(list, 2).unwrap();
        insert_raw_entry(raw, list, 0, &last);
    });
    assert_eq!(doc.entries(&visit).unwrap(), entries);
    assert!(doc
        .verify_visit(&visit, &directory(&[&a]))
        .unwrap()
        .is_intact());
}

/// The device's key holder re-signs its third entry to follow its first: the chain and the
/// numbering disagree.
#[test]
fn a_resigned_link_to_another_entry_is_reordered() {
    let a = signer("dev-a");
    let (mut doc, visit, entries) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let mut third = read_raw_entry(raw, list, 2);
        third.prev_hash = chain_hash(&entries[0]);
        sign_entry(&mut third, &a.key);
        raw.delete(list, 2).unwrap();
        insert_raw_entry(raw, list, 2, &third);
    });
    assert_eq!(
        statuses(&doc, &visit, &directory(&[&a])),
        [Ok, Ok, Reordered]
    );
}

#[test]
fn a_copied_entry_and_a_reused_sequence_number_are_duplicates() {
    let a = signer("dev-a");
    let (mut doc, visit, entries) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        insert_raw_entry(raw, list, 3, &entries[1]);
        // A second, validly signed entry 2 (a device restored from an old backup).
        let mut fork = entries[1].clone();
        fork.entry_id = "ffffffffffffffffffffffffffffffff".into();
        fork.body = "{}".into();
        sign_entry(&mut fork, &a.key);
        insert_raw_entry(raw, list, 4, &fork);
    });
    let report = doc.verify_visit(&visit, &directory(&[&a])).unwrap();
    let got: Vec<_> = report.entries.iter().map(|e| e.status).collect();
    assert_eq!(got, [Ok, Ok, Ok, Duplicate, Duplicate]);
    assert_eq!(doc.entries(&visit).unwrap().len(), 4);
}

/// An edited copy put before the original does not make the original the duplicate.
#[test]
fn an_edited_copy_is_altered_and_the_original_stays_ok() {
    let a = signer("dev-a");
    let (mut doc, visit, entries) = three(&a);
    let doc = tamper(&mut doc, &visit, |raw, list| {
        let mut copy = entries[1].clone();
        copy.body = "{}".into();
        insert_raw_entry(raw, list, 0, &copy);
    });
    let report = doc.verify_visit(&visit, &directory(&[&a])).unwrap();
    let got: Vec<_> = report.entries.iter().map(|e| e.status).collect();
    assert_eq!(got, [Altered, Ok, Ok, Ok]);
}

#[test]
fn an_entry_copied_into_another_visit_is_altered() {
    let a = signer("dev-a");
    let (mut doc, _, entries) = three(&a);
    let other = doc.start_visit(Actie::Huisbezoek, &a, at(9, 0)).unwrap();
    let doc = tamper(&mut doc, &other, |raw, list| {
        insert_raw_entry(raw, list, 0, &entries[0]);
    });
    assert_eq!(statuses(&doc, &other, &directory(&[&a])), [Altered]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Deleting any set of entries from two devices' chains flags exactly the surviving
    /// entries whose `seq - 1` is gone, and nothing else.
    #[test]
    fn deletions_are_found_exactly(
        order in proptest::collection::vec(proptest::bool::ANY, 2..10),
        gone in proptest::collection::vec(proptest::bool::ANY, 10),
    ) {
        let a = signer("dev-a");
        let b = signer("dev-b");
        let mut doc = ZaakDocument::new(&summary()).unwrap();
        let visit = doc.start_visit(Actie::Huisbezoek, &a, at(2, 0)).unwrap();
        let mut written = Vec::new();
        for (n, use_a) in order.iter().enumerate() {
            let s = if *use_a { &a } else { &b };
            written.push(
                doc.append_entry(&visit, &event(n), &policy(), s, at(3, n as u32)).unwrap(),
            );
        }
        let deleted: Vec<&Entry> = written.iter().zip(&gone).filter(|(_, g)| **g).map(|(e, _)| e).collect();
        let doc = tamper(&mut doc, &visit, |raw, list| {
            for i in (0..written.len()).rev() {
                let e = read_raw_entry(raw, list, i);
                if deleted.iter().any(|d| d.entry_id == e.entry_id) {
                    automerge::transaction::Transactable::delete(raw, list, i).unwrap();
                }
            }
        });
        let report = doc.verify_visit(&visit, &directory(&[&a, &b])).unwrap();
        proptest::prop_assert_eq!(report.entries.len(), written.len() - deleted.len());
        for v in &report.entries {
            let pred_gone = deleted.iter().any(|d| d.device_id == v.device_id && d.seq + 1 == v.seq);
            let expected = if pred_gone { MissingPredecessor } else { Ok };
            proptest::prop_assert_eq!(v.status, expected);
        }
    }

    /// Verifying with the signatures queued and checked in one batch gives exactly the
    /// verdicts of verifying each alone, whatever was tampered with (the server batches, the
    /// rapport export does not).
    #[test]
    fn a_batch_gives_the_verdicts_of_verifying_alone(
        order in proptest::collection::vec(proptest::bool::ANY, 1..8),
        tampering in proptest::collection::vec(0u8..5, 8),
    ) {
        let a = signer("dev-a");
        let b = signer("dev-b");
        let keys = directory(&[&a, &b]);
        let mut doc = ZaakDocument::new(&summary()).unwrap();
        let visit = doc.start_visit(Actie::Huisbezoek, &a, at(2, 0)).unwrap();
        let mut entries = Vec::new();
        for (n, use_a) in order.iter().enumerate() {
            let s = if *use_a { &a } else { &b };
            entries.push(
                doc.append_entry(&visit, &event(n), &policy(), s, at(3, n as u32)).unwrap(),
            );
        }
        let first_signature = entries[0].signature.clone();
        for (e, t) in entries.iter_mut().zip(&tampering) {
            match t {
                1 => e.body.push(' '),
                2 => e.signature = first_signature.clone(),
                3 => e.signature.replace_range(0..2, "00"),
                4 => e.key_id = a.key.key_id().to_owned(),
                _ => {}
            }
        }
        let canonical = canonical_all(&entries);
        let mut batch = Signatures::new();
        queue_signatures(&visit, &entries, &canonical, &keys, &mut batch);
        batch.verify_queued();
        let batched = verify_visit_with(&visit, &entries, &canonical, &keys, &mut batch);
        proptest::prop_assert_eq!(batched, verify_visit(&visit, &entries, &keys));
    }

    /// Arbitrary entries (untrusted input) never make verification panic, and every entry
    /// gets exactly one verdict.
    #[test]
    fn arbitrary_entries_get_one_verdict_each(
        fields in proptest::collection::vec(
            ("[a-c]{0,2}", "[0-9a-f]{0,4}", 0u64..4, "[0-9a-f]{0,130}", "[0-9a-f]{0,64}"),
            0..8,
        )
    ) {
        let a = signer("dev-a");
        let keys = directory(&[&a]);
        let entries: Vec<Entry> = fields
            .into_iter()
            .map(|(device, id, seq, signature, prev)| Entry {
                entry_id: id,
                visit_id: "v".into(),
                device_id: device,
                key_id: a.key.key_id().to_owned(),
                format: 1,
                seq,
                recorded_at: at(1, 0),
                prev_hash: prev,
                signature,
                policy: policy(),
                body: "{}".into(),
            })
            .collect();
        let report = verify_visit("v", &entries, &keys);
        proptest::prop_assert_eq!(report.entries.len(), entries.len());
        proptest::prop_assert!(report.entries.iter().all(|e| e.status != Ok));
    }
}

#[test]
fn statuses_have_codes_and_dutch_notices() {
    for s in [
        Ok,
        Altered,
        Unsigned,
        UnknownKey,
        MissingPredecessor,
        Reordered,
        Duplicate,
    ] {
        let n = s.notice();
        assert_eq!(n.code, s.code());
        assert!(!n.message.is_empty());
    }
}
