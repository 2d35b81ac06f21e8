//! A visit's entries as a reader shows them, with every stored copy judged on its own.
//!
//! [`order_entries`] keeps one copy per `entry_id` without knowing any key, so a copy with other
//! content under a valid entry's id (a forged copy) could be the one kept. A reader that knows
//! the keys uses [`read_visit`] instead: per entry the copy that verifies is the one shown, and
//! every other copy is listed beside it with its own verdict (`forged_copy`, `duplicate`, ...).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{chain_hash, order_entries, Entry, EntryStatus, VisitVerification};

/// One stored copy of an entry with its own verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedCopy {
    pub entry: Entry,
    pub status: EntryStatus,
}

/// One entry of a visit: the copy that counts, its verdict, and the entry's other copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadEntry {
    /// The copy that verifies; when none does, the one [`order_entries`] would keep.
    pub entry: Entry,
    pub status: EntryStatus,
    /// Every other stored copy of this `entry_id`, each with its own verdict.
    pub other_copies: Vec<CheckedCopy>,
}

/// Rank of a verdict when choosing the copy that counts: lower is better.
fn rank(status: EntryStatus) -> u8 {
    match status {
        EntryStatus::Ok | EntryStatus::KeyRevoked => 0,
        EntryStatus::Duplicate | EntryStatus::ForgedCopy => 2,
        _ => 1,
    }
}

/// The entries of a visit in reading order, one [`ReadEntry`] per `entry_id`. `entries` are the
/// stored copies as [`super::verify_visit`] was given them and `verification` its verdict on
/// them (positions match; verdicts beyond `entries`, for unreadable copies, are ignored). The
/// copy shown is the best judged one (verified before altered before duplicate or forged), ties
/// broken by the least chain hash, so the result depends only on the set of copies.
pub fn read_visit(entries: Vec<Entry>, verification: &VisitVerification) -> Vec<ReadEntry> {
    let mut by_id: BTreeMap<String, Vec<CheckedCopy>> = BTreeMap::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let status = verification
            .entries
            .get(i)
            .filter(|v| v.entry_id == entry.entry_id)
            .map_or(EntryStatus::Altered, |v| v.status);
        by_id
            .entry(entry.entry_id.clone())
            .or_default()
            .push(CheckedCopy { entry, status });
    }
    let mut chosen: BTreeMap<String, ReadEntry> = BTreeMap::new();
    for (id, mut copies) in by_id {
        copies.sort_by_cached_key(|c| (rank(c.status), chain_hash(&c.entry)));
        let mut copies = copies.into_iter();
        let Some(first) = copies.next() else { continue };
        let verified = rank(first.status) == 0;
        let other_copies = copies
            .map(|mut c| {
                // Other content under the id of an entry that verifies.
                if verified && c.status != EntryStatus::Duplicate && c.entry != first.entry {
                    c.status = EntryStatus::ForgedCopy;
                }
                c
            })
            .collect();
        chosen.insert(
            id,
            ReadEntry {
                entry: first.entry,
                status: first.status,
                other_copies,
            },
        );
    }
    let order = order_entries(chosen.values().map(|r| r.entry.clone()).collect());
    order
        .into_iter()
        .filter_map(|e| chosen.remove(&e.entry_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{sign_entry, verify_visit, KeyDirectory};
    use crate::zaak::test_support::{at, directory, event, policy, signer};
    use crate::zaak::test_support::{insert_raw_entry, read_raw_entry, summary, tamper};
    use crate::zaak::ZaakDocument;
    use automerge::ReadDoc;

    /// A visit with three entries of device `dev-a`, and a forged copy of the second one
    /// (same `entry_id`, other text, a random signature) appended by someone else.
    fn forged_visit() -> (ZaakDocument, String, KeyDirectory, Entry) {
        let a = signer("dev-a");
        let mut doc = ZaakDocument::new(&summary()).unwrap();
        let visit = doc
            .start_visit(veldwerk_rules::routekaart::Actie::Huisbezoek, &a, at(0, 0))
            .unwrap();
        for n in 0..3 {
            doc.append_entry(&visit, &event(n), &policy(), &a, at(n as u32 + 1, 0))
                .unwrap();
        }
        let mut forged = None;
        let doc = tamper(&mut doc, &visit, |raw, list| {
            let mut copy = read_raw_entry(raw, list, 1);
            copy.body = copy
                .body
                .replace("twee tandenborstels", "geen tandenborstels");
            copy.signature = "ab".repeat(64);
            let len = raw.length(list);
            insert_raw_entry(raw, list, len, &copy);
            forged = Some(copy);
        });
        (doc, visit, directory(&[&a]), forged.unwrap())
    }

    /// Issue 13, item 2: a forged copy never hides the valid copy: the valid one is the entry
    /// shown and stays `ok`, and the forged one is listed beside it as `forged_copy`.
    #[test]
    fn a_forged_copy_is_shown_as_such_and_the_valid_copy_stays_verified() {
        let (doc, visit, keys, forged) = forged_visit();
        let stored = doc.stored_entries(&visit).unwrap();
        assert_eq!(stored.len(), 4);
        let verification = verify_visit(&visit, &stored, &keys);
        assert_eq!(
            verification.status_of(&forged.entry_id),
            Some(EntryStatus::Ok)
        );
        let statuses: Vec<EntryStatus> = verification
            .copies_of(&forged.entry_id)
            .map(|c| c.status)
            .collect();
        assert_eq!(statuses, vec![EntryStatus::Ok, EntryStatus::Altered]);
        // The entry after it still chains to the valid copy.
        assert_eq!(
            verification
                .problems()
                .map(|p| p.status)
                .collect::<Vec<_>>(),
            vec![EntryStatus::Altered]
        );

        let read = read_visit(stored, &verification);
        assert_eq!(read.len(), 3);
        let second = &read[1];
        assert_eq!(second.entry.entry_id, forged.entry_id);
        assert_ne!(second.entry.body, forged.body);
        assert!(second.entry.body.contains("twee tandenborstels"));
        assert_eq!(second.status, EntryStatus::Ok);
        assert_eq!(second.other_copies.len(), 1);
        assert_eq!(second.other_copies[0].entry, forged);
        assert_eq!(second.other_copies[0].status, EntryStatus::ForgedCopy);
        assert!(read
            .iter()
            .all(|r| r.status == EntryStatus::Ok && r.entry.body != forged.body));
    }

    /// Issue 13, item 2: whatever the order of the copies in the document (the forged one first
    /// or last, whichever has the least chain hash), the valid copy is the one shown.
    #[test]
    fn the_copy_shown_does_not_depend_on_the_order_of_the_copies() {
        let (doc, visit, keys, forged) = forged_visit();
        let mut stored = doc.stored_entries(&visit).unwrap();
        for _ in 0..2 {
            stored.reverse();
            let verification = verify_visit(&visit, &stored, &keys);
            assert_eq!(
                verification.status_of(&forged.entry_id),
                Some(EntryStatus::Ok)
            );
            let read = read_visit(stored.clone(), &verification);
            let shown = read
                .iter()
                .find(|r| r.entry.entry_id == forged.entry_id)
                .unwrap();
            assert_ne!(shown.entry.body, forged.body);
            assert_eq!(shown.other_copies[0].status, EntryStatus::ForgedCopy);
        }
    }

    /// Issue 13, item 7: an entry signed by a device the organisation revoked verifies and is
    /// shown as `key_revoked`; the chain after it is not broken by that.
    #[test]
    fn entries_of_a_revoked_device_are_shown_as_revoked() {
        let a = signer("dev-a");
        let mut entries = Vec::new();
        let mut prev = crate::evidence::GENESIS_HASH.to_owned();
        for n in 1..=2u64 {
            let mut e = Entry {
                entry_id: format!("{n:032x}"),
                visit_id: "v".into(),
                device_id: "dev-a".into(),
                key_id: String::new(),
                format: 1,
                seq: n,
                recorded_at: at(n as u32, 0),
                prev_hash: prev.clone(),
                signature: String::new(),
                policy: policy(),
                body: crate::evidence::event_body(&event(n as usize)).unwrap(),
            };
            sign_entry(&mut e, &a.key);
            prev = crate::evidence::chain_hash(&e);
            entries.push(e);
        }
        let mut keys = KeyDirectory::new();
        keys.insert_revoked("dev-a", &a.key.public_key(), at(30, 0))
            .unwrap();
        let verification = verify_visit("v", &entries, &keys);
        assert!(verification
            .entries
            .iter()
            .all(|e| e.status == EntryStatus::KeyRevoked));
        assert_eq!(
            verify_visit("v", &entries, &directory(&[&a]))
                .entries
                .iter()
                .filter(|e| e.status == EntryStatus::Ok)
                .count(),
            2
        );
    }
}
