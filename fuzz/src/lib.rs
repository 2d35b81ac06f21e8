//! What the fuzz targets share: a zaak document as the server holds it after an honest device
//! recorded a visit ([`Fixture`]), and an interpreter that turns fuzz bytes into Automerge
//! operations on any of its objects ([`mutate`]), so the targets reach the checks with changes
//! that are well-formed Automerge but hostile Veldwerk (an edited entry, a second copy, a key too
//! many, a value of the wrong type) instead of bytes Automerge would refuse at once.

use std::sync::OnceLock;

use automerge::sync::{BloomFilter, Have, Message, MessageVersion};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};
use chrono::{DateTime, Utc};
use veldwerk_contract::evidence::KeyDirectory;
use veldwerk_contract::policy::{CodeDirective, PolicyBundle};
use veldwerk_contract::zaak::{device_actor_prefix, test_support, ZaakDocument};
use veldwerk_rules::routekaart::{Actie, Code};

/// The device that recorded the fixture's visit and sends the fuzzed changes.
pub const DEVICE: &str = "dev-00000000000000a1";

/// The server's copy of a zaak with one visit of [`DEVICE`] holding three signed entries.
pub struct Fixture {
    pub document: Vec<u8>,
    pub keys: KeyDirectory,
    pub policy: PolicyBundle,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let signer = test_support::signer(DEVICE);
        let mut doc = ZaakDocument::new(&test_support::summary()).expect("zaak");
        let visit = doc
            .start_visit(Actie::Huisbezoek, &signer, test_support::at(0, 0))
            .expect("visit");
        for n in 0..3 {
            doc.append_entry(
                &visit,
                &test_support::event(n),
                &test_support::policy(),
                &signer,
                test_support::at(n as u32 + 1, 0),
            )
            .expect("entry");
        }
        let start: DateTime<Utc> = test_support::at(0, 0) - chrono::Duration::days(1);
        Fixture {
            document: doc.save(),
            keys: test_support::directory(&[&signer]),
            policy: PolicyBundle {
                organisation: "Gemeente Proef".into(),
                version: 1,
                issued_at: start,
                overrides_toml: String::new(),
                directives: vec![CodeDirective {
                    code: Code::Geel,
                    effective_from: start,
                    by: "systeem".into(),
                    reason: "Startwaarde".into(),
                }],
                routekaart: None,
                vragenlijst_toml: String::new(),
                toestemmingsteksten_toml: String::new(),
            },
        }
    })
}

/// An actor of [`DEVICE`] (its prefix, then a fixed suffix: runs are reproducible).
pub fn device_actor() -> ActorId {
    let mut bytes = device_actor_prefix(DEVICE).to_vec();
    bytes.extend_from_slice(&[0xfu8; 8]);
    ActorId::from(bytes)
}

/// Keys a hostile change would aim at: the layout's own, then a stranger.
const KEYS: &[&str] = &[
    "schema_version",
    "summary",
    "visits",
    "entries",
    "kind",
    "created_by",
    "created_at",
    "entry_id",
    "visit_id",
    "device_id",
    "key_id",
    "format",
    "seq",
    "recorded_at",
    "prev_hash",
    "signature",
    "policy_actie",
    "policy_allowed",
    "policy_conditions",
    "policy_version",
    "policy_code",
    "policy_synced_at",
    "body",
    "label",
    "handhavers",
    "0123456789abcdef0123456789abcdef",
    "x",
];

/// Reads fuzz bytes one at a time (zero once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn done(&self) -> bool {
        self.0.is_empty()
    }

    fn text(&mut self) -> String {
        let len = usize::from(self.next() % 24);
        (0..len)
            .map(|_| char::from(self.next() % 95 + 32))
            .collect()
    }

    fn scalar(&mut self) -> ScalarValue {
        match self.next() % 8 {
            0 => ScalarValue::Str(self.text().into()),
            1 => ScalarValue::Uint(u64::from(self.next())),
            2 => ScalarValue::Int(-i64::from(self.next())),
            3 => ScalarValue::Boolean(self.next() % 2 == 0),
            4 => ScalarValue::Timestamp(i64::from(self.next()) << 40),
            5 => ScalarValue::Null,
            6 => ScalarValue::F64(f64::from(self.next())),
            _ => ScalarValue::Bytes(vec![self.next(); usize::from(self.next() % 8)]),
        }
    }
}

/// Every object of `doc`, root first, in a stable order.
fn objects(doc: &AutoCommit) -> Vec<(ObjId, ObjType)> {
    let mut out = vec![(ROOT, ObjType::Map)];
    let mut i = 0;
    while i < out.len() && out.len() < 64 {
        let (obj, ty) = out[i].clone();
        let ids: Vec<(ObjId, ObjType)> = match ty {
            ObjType::Map | ObjType::Table => doc
                .map_range(&obj, ..)
                .filter_map(|item| match item.value {
                    automerge::ValueRef::Object(t) => Some((item.id(), t)),
                    _ => None,
                })
                .collect(),
            ObjType::List => doc
                .list_range(&obj, ..)
                .filter_map(|item| match item.value {
                    automerge::ValueRef::Object(t) => Some((item.id(), t)),
                    _ => None,
                })
                .collect(),
            ObjType::Text => Vec::new(),
        };
        out.extend(ids);
        i += 1;
    }
    out
}

/// Applies the operations `data` describes to `doc` (committing a change now and then): puts,
/// inserts, deletions, new objects, text splices and increments, on any object of the document.
pub fn mutate(doc: &mut AutoCommit, data: &[u8]) {
    let mut data = Bytes(data);
    let mut ops = 0;
    let mut all = objects(doc);
    while !data.done() && ops < 256 {
        ops += 1;
        let (obj, ty) = all[usize::from(data.next()) % all.len()].clone();
        let key = KEYS[usize::from(data.next()) % KEYS.len()];
        let len = doc.length(&obj);
        let index = if len == 0 {
            0
        } else {
            usize::from(data.next()) % (len + 1)
        };
        let action = data.next() % 8;
        // Objects come and go only by these; the list of targets is read again after them.
        let reshapes = matches!(
            (action, ty),
            (0..=3, ObjType::Map | ObjType::Table) | (2..=4, ObjType::List)
        );
        let _ = match (action, ty) {
            (0, ObjType::Map | ObjType::Table) => doc.put(&obj, key, data.scalar()),
            (1, ObjType::Map | ObjType::Table) => {
                let t = [ObjType::Map, ObjType::List, ObjType::Text][usize::from(data.next() % 3)];
                doc.put_object(&obj, key, t).map(|_| ())
            }
            (2, ObjType::Map | ObjType::Table) => doc.delete(&obj, key),
            (0 | 1, ObjType::List) => doc.insert(&obj, index, data.scalar()),
            (2, ObjType::List) if index < len => doc.delete(&obj, index),
            (3, ObjType::List) => doc.insert_object(&obj, index, ObjType::Map).map(|_| ()),
            (4, ObjType::List) if index < len => doc.put(&obj, index, data.scalar()),
            (_, ObjType::Text) => doc.splice_text(&obj, index.min(len), 0, &data.text()),
            (5, ObjType::Map | ObjType::Table) => doc.increment(&obj, key, 1),
            _ => Ok(()),
        };
        if reshapes {
            all = objects(doc);
        }
        if data.next() % 4 == 0 {
            doc.commit();
        }
    }
    doc.commit();
}

/// A version 1 sync message carrying every change of `doc` after `since`, as a device that
/// heard of `since` from the server sends it.
pub fn changes_message(doc: &mut AutoCommit, since: &[automerge::ChangeHash]) -> Message {
    let changes: Vec<Vec<u8>> = doc
        .get_changes(since)
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    Message {
        heads: doc.get_heads(),
        need: Vec::new(),
        have: vec![Have {
            last_sync: since.to_vec(),
            bloom: BloomFilter::default(),
        }],
        changes: changes.into(),
        flags: None,
        version: MessageVersion::V1,
    }
}
