//! What a device's new changes may do to a zaak document: evidence once written never changes.
//!
//! Every operation of the changes a message added is looked at. On objects that existed before
//! the message only two are allowed: creating a visit under a new key of `visits`, and inserting
//! a new entry map into an existing visit's `entries` list (both with no predecessor, so they
//! overwrite nothing). Objects the new changes created may be filled freely; afterwards they
//! (and the root) must match [`super::layout`]. Everything else the message could have touched
//! is proven untouched, so the check costs what the message brought, not what the zaak holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, Change, ChangeHash, ObjId, ObjType, Prop, ReadDoc, ROOT};

use super::layout::{self, SchemaViolation};
use super::{ZaakDocument, ENTRIES, VISITS};

/// Why a message's new changes are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefusal {
    /// An operation on data that existed before the message (`path`), other than adding a visit
    /// or appending an entry.
    #[error("{path}: bestaande gegevens mogen niet worden gewijzigd ({what})")]
    Rewritten { path: String, what: String },
    /// After the changes the document no longer matches the layout.
    #[error("{0}")]
    Schema(#[from] SchemaViolation),
}

/// What the new changes touched: the visits they created or appended entries to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Every visit the changes created or appended entries to.
    pub visits: BTreeSet<String>,
    /// The visits among them that the changes created.
    pub created: BTreeSet<String>,
    /// The entry objects the changes inserted into visits that existed before: every other
    /// entry object of those visits is as it was (see
    /// [`ZaakDocument::stored_entries_before_and_after`]).
    pub inserted: HashSet<ObjId>,
}

/// An object id as the operations name it.
type OpKey = (u64, ActorId);

/// The role of an object that existed before the message.
enum Existing {
    Visits,
    Entries { visit_id: String },
    Other { path: String },
}

impl ZaakDocument {
    /// Checks the changes this document holds beyond `heads_before` (those a message just
    /// added): see the module docs. Who wrote a visit or entry is the server's check. `offered` are the message's
    /// changes already parsed (each is looked up by hash; one that is missing is read from the
    /// document).
    pub fn check_new_changes(
        &mut self,
        heads_before: &[ChangeHash],
        offered: &[Change],
    ) -> Result<Touched, ChangeRefusal> {
        let new: Vec<ChangeHash> = self
            .doc
            .get_changes_meta(heads_before)
            .into_iter()
            .map(|m| m.hash)
            .collect();
        let by_hash: HashMap<ChangeHash, &Change> = offered.iter().map(|c| (c.hash(), c)).collect();
        let mut expanded = Vec::with_capacity(new.len());
        for hash in &new {
            let change = match by_hash.get(hash) {
                Some(c) => c.decode(),
                None => match self.doc.get_change_by_hash(hash) {
                    Some(c) => c.decode(),
                    None => {
                        return Err(ChangeRefusal::Rewritten {
                            path: String::new(),
                            what: format!("wijziging {hash} is niet te lezen"),
                        })
                    }
                },
            };
            expanded.push(change);
        }

        // Every object the new changes create.
        let mut created: HashSet<OpKey> = HashSet::new();
        for change in &expanded {
            for (i, op) in change.operations.iter().enumerate() {
                if matches!(op.action, OpType::Make(_)) {
                    created.insert((change.start_op.get() + i as u64, change.actor_id.clone()));
                }
            }
        }

        let mut roles: HashMap<OpKey, Existing> = HashMap::new();
        let mut new_visits: BTreeMap<String, OpKey> = BTreeMap::new();
        let mut new_entries: BTreeMap<String, HashSet<OpKey>> = BTreeMap::new();
        for change in &expanded {
            for (i, op) in change.operations.iter().enumerate() {
                let id = (change.start_op.get() + i as u64, change.actor_id.clone());
                let target = match &op.obj {
                    ObjectId::Root => {
                        return Err(ChangeRefusal::Rewritten {
                            path: "(root)".into(),
                            what: describe(op),
                        })
                    }
                    ObjectId::Id(o) => (o.0, o.1.clone()),
                };
                if created.contains(&target) {
                    continue;
                }
                if !roles.contains_key(&target) {
                    let role = self.existing_role(&target);
                    roles.insert(target.clone(), role);
                }
                let fresh = op.pred.is_empty();
                match (&roles[&target], &op.action, &op.key) {
                    (Existing::Visits, OpType::Make(ObjType::Map), Key::Map(k))
                        if fresh && !op.insert =>
                    {
                        if new_visits.insert(k.to_string(), id).is_some() {
                            return Err(ChangeRefusal::Rewritten {
                                path: format!("visits.{k}"),
                                what: "huisbezoek twee keer aangemaakt".into(),
                            });
                        }
                    }
                    (Existing::Entries { visit_id }, OpType::Make(ObjType::Map), Key::Seq(_))
                        if fresh && op.insert =>
                    {
                        new_entries.entry(visit_id.clone()).or_default().insert(id);
                    }
                    (role, _, _) => {
                        let path = match role {
                            Existing::Visits => match &op.key {
                                Key::Map(k) => format!("visits.{k}"),
                                Key::Seq(_) => "visits".into(),
                            },
                            Existing::Entries { visit_id } => format!("visits.{visit_id}.entries"),
                            Existing::Other { path } => path.clone(),
                        };
                        return Err(ChangeRefusal::Rewritten {
                            path,
                            what: describe(op),
                        });
                    }
                }
            }
        }

        layout::validate_root(&self.doc)?;
        let mut touched = Touched::default();
        let visits = super::schema::object(&self.doc, &ROOT, VISITS, ObjType::Map)
            .ok()
            .flatten();
        for (visit_id, id) in &new_visits {
            let path = format!("visits.{visit_id}");
            let Some(visits) = &visits else {
                return Err(layout_missing("visits"));
            };
            let all = self
                .doc
                .get_all(visits, visit_id.as_str())
                .unwrap_or_default();
            // The key was free: its only value is the visit this message created.
            let only = match all.as_slice() {
                [(_, obj)] if op_key(obj).as_ref() == Some(id) => obj.clone(),
                _ => {
                    return Err(ChangeRefusal::Rewritten {
                        path,
                        what: "huisbezoek bestond al".into(),
                    })
                }
            };
            layout::validate_visit(&self.doc, visit_id, &only, None)?;
            touched.visits.insert(visit_id.clone());
            touched.created.insert(visit_id.clone());
        }
        for (visit_id, ids) in &new_entries {
            let Some(visits) = &visits else {
                return Err(layout_missing("visits"));
            };
            let visit = super::schema::object(&self.doc, visits, visit_id, ObjType::Map)
                .ok()
                .flatten()
                .ok_or_else(|| layout_missing(&format!("visits.{visit_id}")))?;
            let list = super::schema::object(&self.doc, &visit, ENTRIES, ObjType::List)
                .ok()
                .flatten()
                .ok_or_else(|| layout_missing(&format!("visits.{visit_id}.entries")))?;
            layout::validate_entry_count(&self.doc, visit_id, &list)?;
            // Each new entry by its id (no walk over the list: a visit may hold thousands).
            for (ctr, actor) in ids {
                let placed = self
                    .doc
                    .import_obj(&format!("{ctr}@{actor}"))
                    .ok()
                    .and_then(|obj| {
                        let path = self.doc.parents(&obj).ok()?.path();
                        match path.as_slice() {
                            [(_, Prop::Map(v)), (_, Prop::Map(id)), (_, Prop::Map(e)), (_, Prop::Seq(i))]
                                if v == VISITS && id == visit_id && e == ENTRIES =>
                            {
                                Some((obj, *i))
                            }
                            _ => None,
                        }
                    });
                let Some((obj, index)) = placed else {
                    return Err(ChangeRefusal::Rewritten {
                        path: format!("visits.{visit_id}.entries"),
                        what: "een nieuwe vastlegging staat niet in de lijst".into(),
                    });
                };
                layout::validate_entry(&self.doc, visit_id, index, &obj, None)?;
                touched.inserted.insert(obj);
            }
            touched.visits.insert(visit_id.clone());
        }
        Ok(touched)
    }

    /// What an object that existed before the message is, by its path (an object never moves).
    fn existing_role(&self, target: &OpKey) -> Existing {
        let other = |path: String| Existing::Other { path };
        let Ok(obj) = self.doc.import_obj(&format!("{}@{}", target.0, target.1)) else {
            return other(format!("object {}@{}", target.0, target.1));
        };
        let Ok(parents) = self.doc.parents(&obj) else {
            return other(format!("object {}@{}", target.0, target.1));
        };
        let path = parents.path();
        let props: Vec<String> = path
            .iter()
            .map(|(_, p)| match p {
                Prop::Map(k) => k.clone(),
                Prop::Seq(i) => i.to_string(),
            })
            .collect();
        match props.as_slice() {
            [v] if v == VISITS => Existing::Visits,
            [v, visit_id, e] if v == VISITS && e == ENTRIES => Existing::Entries {
                visit_id: visit_id.clone(),
            },
            _ => {
                let mut text = String::new();
                for (_, p) in &path {
                    match p {
                        Prop::Map(k) if text.is_empty() => text.push_str(k),
                        Prop::Map(k) => {
                            text.push('.');
                            text.push_str(k);
                        }
                        Prop::Seq(i) => text.push_str(&format!("[{i}]")),
                    }
                }
                other(text)
            }
        }
    }
}

fn layout_missing(path: &str) -> ChangeRefusal {
    ChangeRefusal::Schema(SchemaViolation {
        path: path.to_owned(),
        rule: layout::Rule::Missing,
    })
}

fn op_key(obj: &ObjId) -> Option<OpKey> {
    match obj {
        ObjId::Root => None,
        ObjId::Id(ctr, actor, _) => Some((*ctr, actor.clone())),
    }
}

/// An operation in words, for the refusal.
fn describe(op: &automerge::legacy::Op) -> String {
    let key = match &op.key {
        Key::Map(k) => format!("sleutel {k}"),
        Key::Seq(_) => "lijstelement".to_owned(),
    };
    let action = match &op.action {
        OpType::Make(t) => format!("nieuw object ({t})"),
        OpType::Delete => "verwijderen".to_owned(),
        OpType::Increment(_) => "ophogen".to_owned(),
        OpType::Put(_) if op.pred.is_empty() => "nieuwe waarde".to_owned(),
        OpType::Put(_) => "overschrijven".to_owned(),
        OpType::MarkBegin(_) | OpType::MarkEnd(_) => "markering".to_owned(),
    };
    format!("{action}, {key}")
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
