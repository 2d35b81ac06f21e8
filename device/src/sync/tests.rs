//! The driver against a small in-process peer that answers like the server does (real Automerge
//! sync on a real zaak document), without HTTP.

use automerge::sync;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;

use super::memory::MemoryDocs;
use super::*;
use veldwerk_contract::policy::{sign, CodeDirective};
use veldwerk_contract::zaak::test_support::{at, event, policy, signer, summary};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_rules::routekaart::Code;

/// The peer's side: one document, its state with the device, an optional newer policy.
struct Peer {
    doc: ZaakDocument,
    state: sync::State,
    policy: Option<SignedPolicy>,
    reject: bool,
}

impl Peer {
    fn answer(&mut self, body: &[u8]) -> Vec<u8> {
        let req = SyncRequest::from_cbor(body).unwrap();
        let zaak_id = self.doc.summary().unwrap().zaak_id;
        let mut resp = SyncResponse::empty();
        if !req.held.contains(&zaak_id) {
            resp.new_docs.push(NewDoc {
                zaak_id: zaak_id.clone(),
                document: self.doc.save(),
            });
            resp.assigned.push(zaak_id.clone());
        }
        for d in req.docs {
            if self.reject {
                resp.rejections.push(Rejection {
                    zaak_id: d.zaak_id,
                    code: "not_assigned".into(),
                    message: "Deze zaak is niet aan u toegewezen.".into(),
                });
                continue;
            }
            let msg = sync::Message::decode(&d.message).unwrap();
            self.doc.receive_sync_message(&mut self.state, msg).unwrap();
            if let Some(m) = self.doc.generate_sync_message(&mut self.state) {
                resp.docs.push(DocMessage {
                    zaak_id: d.zaak_id,
                    message: m.encode(),
                });
            }
        }
        if req.policy_version < 2 {
            resp.policy = self.policy.clone();
        }
        resp.to_cbor()
    }
}

fn run(docs: &mut MemoryDocs, peer: &mut Peer, org: &[u8]) -> SyncSummary {
    let mut session = SyncSession::new(docs, org).unwrap();
    while let Some(body) = session.next_request().unwrap() {
        let answer = peer.answer(&body);
        if session.handle_response(&answer).unwrap() == Progress::Done {
            break;
        }
    }
    assert_eq!(session.next_request().unwrap(), None);
    session.finish()
}

fn org_key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn bundle(version: u64) -> PolicyBundle {
    PolicyBundle {
        organisation: "Gemeente Test".into(),
        version,
        issued_at: at(0, 0),
        overrides_toml: String::new(),
        directives: vec![CodeDirective {
            code: Code::Rood,
            effective_from: at(0, 0),
            by: "sanne".into(),
            reason: "Lockdown".into(),
        }],
        routekaart: None,
        vragenlijst_toml: String::new(),
        toestemmingsteksten_toml: String::new(),
    }
}

#[test]
fn a_new_device_receives_the_document_then_sends_its_entries() {
    use ring::signature::KeyPair;
    let org = org_key();
    let mut server_doc = ZaakDocument::new(&summary()).unwrap();
    let mut peer = Peer {
        doc: server_doc.fork(),
        state: sync::State::new(),
        policy: Some(sign(&bundle(2), &org).unwrap()),
        reject: false,
    };
    let mut device = MemoryDocs::new();
    let first = run(&mut device, &mut peer, org.public_key().as_ref());
    assert_eq!(first.new_docs, vec!["Z-2026-0142".to_owned()]);
    assert_eq!(first.policy_updated, Some(2));
    assert_eq!(device.policy_version(), 2);

    let s = signer("dev-a");
    let doc = device.doc_mut("Z-2026-0142").unwrap();
    let visit = doc
        .start_visit(veldwerk_rules::routekaart::Actie::Huisbezoek, &s, at(1, 0))
        .unwrap();
    for n in 0..5 {
        doc.append_entry(&visit, &event(n), &policy(), &s, at(2, n as u32))
            .unwrap();
    }
    device.save("Z-2026-0142");
    let second = run(&mut device, &mut peer, org.public_key().as_ref());
    assert_eq!(
        second.round_trips, 1,
        "new changes go in the first message: {second:?}"
    );
    assert_eq!(peer.doc.entries(&visit).unwrap().len(), 5);
    assert_eq!(second.policy_updated, None);

    // A restart keeps the documents and states; a further sync has nothing to move.
    let mut reopened = device.reopen().unwrap();
    let third = run(&mut reopened, &mut peer, org.public_key().as_ref());
    assert_eq!(third.entries_received, 0);
    assert_eq!(
        reopened.doc_mut("Z-2026-0142").unwrap().heads(),
        peer.doc.heads()
    );
    let _ = server_doc.save();
}

#[test]
fn a_forged_policy_is_not_stored_and_a_rejected_document_is_not_resent() {
    use ring::signature::KeyPair;
    let org = org_key();
    let other = org_key();
    let mut base = ZaakDocument::new(&summary()).unwrap();
    let mut device = MemoryDocs::new();
    device
        .insert("Z-2026-0142", base.fork(), &sync::State::new().encode())
        .unwrap();
    let mut peer = Peer {
        doc: base,
        state: sync::State::new(),
        policy: Some(sign(&bundle(2), &other).unwrap()),
        reject: true,
    };
    let summary = run(&mut device, &mut peer, org.public_key().as_ref());
    assert_eq!(summary.policy_updated, None);
    assert_eq!(device.policy_version(), 0);
    assert_eq!(summary.notices[0].code, "policy_signature_invalid");
    assert_eq!(summary.rejections.len(), 1);
    assert_eq!(summary.round_trips, 1);
}

#[test]
fn refusals_carry_code_and_instruction_and_answers_come_in_turn() {
    let mut device = MemoryDocs::new();
    let mut session = SyncSession::new(&mut device, &[0; 32]).unwrap();
    assert_eq!(
        session.handle_response(&SyncResponse::empty().to_cbor()),
        Err(SyncError::OutOfTurn)
    );
    let _ = session.next_request().unwrap().unwrap();
    let e = session.handle_refusal(
        403,
        br#"{"code":"device_revoked","message":"Ingetrokken.","instruction":"wipe"}"#,
    );
    assert_eq!(e.code(), "device_revoked");
    assert_eq!(e.instruction(), Some(Instruction::Wipe));
    assert_eq!(session.next_request().unwrap(), None);
    assert_eq!(refusal(502, b"<html>").code(), "server_error");
}
