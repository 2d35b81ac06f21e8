//! What a device's new changes may touch, on documents synced as the server receives them.
#![allow(clippy::unwrap_used)]

use automerge::transaction::Transactable;
use automerge::AutoCommit;

use super::*;
use crate::zaak::schema::object;
use crate::zaak::test_support::{at, event, policy, signer, summary};
use veldwerk_rules::routekaart::Actie;

const DEVICE: &str = "dev-00000000000000aa";
const OTHER: &str = "dev-00000000000000bb";

/// The server's copy with one visit of [`OTHER`] holding one entry, and its heads.
fn server() -> (ZaakDocument, String) {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let s = signer(OTHER);
    let visit = doc.start_visit(Actie::Huisbezoek, &s, at(2, 0)).unwrap();
    doc.append_entry(&visit, &event(1), &policy(), &s, at(3, 0))
        .unwrap();
    (doc, visit)
}

/// Applies what `f` does to a device's copy (as raw Automerge, with an actor of [`DEVICE`]) to
/// the server's copy and checks the new changes.
fn receive(f: impl FnOnce(&mut AutoCommit, &ObjId, &str)) -> Result<Touched, ChangeRefusal> {
    let (mut server, visit) = server();
    let mut device = server.fork();
    device.use_device_actor(DEVICE).unwrap();
    let visits = object(&device.doc, &ROOT, VISITS, ObjType::Map)
        .unwrap()
        .unwrap();
    f(&mut device.doc, &visits, &visit);
    device.doc.commit();
    let before = server.heads();
    server.merge(&mut device).unwrap();
    server.check_new_changes(&before, &[])
}

fn entry_of(doc: &AutoCommit, visits: &ObjId, visit: &str) -> (ObjId, ObjId) {
    let v = object(doc, visits, visit, ObjType::Map).unwrap().unwrap();
    let list = object(doc, &v, ENTRIES, ObjType::List).unwrap().unwrap();
    let entry = crate::zaak::test_support::entry_obj(doc, &list, 0);
    (v, entry)
}

#[test]
fn a_new_visit_and_new_entries_are_allowed() {
    let (mut server, visit) = server();
    let mut device = server.fork();
    let s = signer(DEVICE);
    let mine = device.start_visit(Actie::Huisbezoek, &s, at(4, 0)).unwrap();
    device
        .append_entry(&mine, &event(2), &policy(), &s, at(5, 0))
        .unwrap();
    // A second device appends to the visit of the first.
    device
        .append_entry(&visit, &event(3), &policy(), &s, at(5, 1))
        .unwrap();
    let before = server.heads();
    let held_before = server.stored_entries(&visit).unwrap();
    server.merge(&mut device).unwrap();
    let touched = server.check_new_changes(&before, &[]).unwrap();
    assert_eq!(
        touched.visits,
        BTreeSet::from([mine.clone(), visit.clone()])
    );
    assert_eq!(touched.created, BTreeSet::from([mine.clone()]));
    // The one entry appended to the existing visit (the new visit's objects are all new).
    assert_eq!(touched.inserted.len(), 1);
    // One read after the changes gives what the visit held before them and holds now.
    let (was, now) = server
        .stored_entries_before_and_after(&visit, &touched.inserted)
        .unwrap();
    assert_eq!(was, held_before);
    assert_eq!(now, server.stored_entries(&visit).unwrap());
    assert_eq!(now.len(), 2);
    let (was, now) = server
        .stored_entries_before_and_after(&mine, &touched.inserted)
        .unwrap();
    assert_eq!(
        (was.len(), now.len()),
        (1, 1),
        "a new visit's entries are not inserted ones"
    );
}

/// Issue 13, item 1: the body of another device's signed entry edited in place.
#[test]
fn editing_an_existing_entry_is_refused() {
    let err = receive(|d, visits, visit| {
        let (_, entry) = entry_of(d, visits, visit);
        d.put(&entry, "body", "{\"soort\":\"binnentreden\"}")
            .unwrap();
    })
    .unwrap_err();
    assert!(
        matches!(&err, ChangeRefusal::Rewritten { path, .. } if path.ends_with("entries[0]")),
        "{err:?}"
    );
}

/// Issue 13, item 4: `created_by`, `kind`, `created_at` of another device's visit rewritten.
#[test]
fn rewriting_a_visits_metadata_is_refused() {
    for key in ["created_by", "kind", "created_at"] {
        let err = receive(|d, visits, visit| {
            let (v, _) = entry_of(d, visits, visit);
            d.put(&v, key, DEVICE).unwrap();
        })
        .unwrap_err();
        assert_eq!(
            err,
            ChangeRefusal::Rewritten {
                path: format!("visits.{}", server_visit_path(&err)),
                what: "overschrijven, sleutel ".to_owned() + key,
            }
        );
    }
}

fn server_visit_path(err: &ChangeRefusal) -> String {
    match err {
        ChangeRefusal::Rewritten { path, .. } => path.trim_start_matches("visits.").to_owned(),
        ChangeRefusal::Schema(_) => String::new(),
    }
}

/// Issue 13, items 3 and 5: the root, the summary and deleting entries.
#[test]
fn the_root_summary_and_deletions_are_refused() {
    let err = receive(|d, _, _| {
        d.put(ROOT, "schema_version", 999u64).unwrap();
    })
    .unwrap_err();
    assert!(matches!(&err, ChangeRefusal::Rewritten { path, .. } if path == "(root)"));
    let err = receive(|d, _, _| {
        let s = object(d, &ROOT, "summary", ObjType::Map).unwrap().unwrap();
        d.put(&s, "extra", "x").unwrap();
    })
    .unwrap_err();
    assert!(matches!(&err, ChangeRefusal::Rewritten { path, .. } if path == "summary"));
    let err = receive(|d, visits, visit| {
        let v = object(d, visits, visit, ObjType::Map).unwrap().unwrap();
        let list = object(d, &v, ENTRIES, ObjType::List).unwrap().unwrap();
        d.delete(&list, 0).unwrap();
    })
    .unwrap_err();
    assert!(
        matches!(&err, ChangeRefusal::Rewritten { what, .. } if what.starts_with("verwijderen"))
    );
}

/// Issue 13, item 2: a forged copy appended is a new object, so the schema and the server's
/// entry checks see it; a visit id that exists already cannot be created again.
#[test]
fn a_new_object_must_match_the_layout() {
    let err = receive(|d, visits, _| {
        let v = d.put_object(visits, "00".repeat(16), ObjType::Map).unwrap();
        d.put(&v, "kind", "huisbezoek").unwrap();
    })
    .unwrap_err();
    assert!(
        matches!(err, ChangeRefusal::Schema(ref v) if v.rule.code() == "map_key_unknown" || v.rule.code() == "map_key_missing"),
        "{err:?}"
    );
    let err = receive(|d, visits, visit| {
        d.put_object(visits, visit, ObjType::Map).unwrap();
    })
    .unwrap_err();
    assert!(matches!(err, ChangeRefusal::Rewritten { .. }), "{err:?}");
    let err = receive(|d, visits, visit| {
        let v = object(d, visits, visit, ObjType::Map).unwrap().unwrap();
        let list = object(d, &v, ENTRIES, ObjType::List).unwrap().unwrap();
        let e = d.insert_object(&list, 1, ObjType::Map).unwrap();
        d.put(&e, "body", "x".repeat(12 << 20)).unwrap();
    })
    .unwrap_err();
    assert!(matches!(err, ChangeRefusal::Schema(_)), "{err:?}");
}
