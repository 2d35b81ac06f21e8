//! A hostile device: enrolled for real, it speaks the sync protocol by hand. It holds the raw
//! Automerge documents of its zaken (received through the protocol), changes them under its own
//! actor however it likes, and sends crafted envelopes: built from raw sync messages, or any bytes
//! at all, signed with its key. The attacks themselves are in `tests/tests/hostile_device/`.

use std::collections::BTreeMap;

use automerge::sync::{BloomFilter, Have, Message, MessageVersion};
use automerge::{ActorId, AutoCommit, ChangeHash};
use chrono::{DateTime, Utc};
use veldwerk_client::transport::{Answer, Transport};
use veldwerk_contract::api::{paths, EnrollRequest, EnrollResponse};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::sync::{DocMessage, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use veldwerk_contract::zaak::{device_actor_prefix, PolicyContext, ZaakDocument};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::Actie;

use crate::TestServer;

/// One zaak as the hostile device holds it: the raw document and the server's heads it last
/// heard of (what the server is known to hold).
pub struct HeldDoc {
    pub doc: AutoCommit,
    pub server_heads: Vec<ChangeHash>,
}

/// An enrolled device under the test's full control.
pub struct HostileDevice {
    pub signer: Signer,
    pub transport: Transport,
    pub docs: BTreeMap<String, HeldDoc>,
    /// The actor its raw changes are authored by (one of the device's actors).
    pub actor: ActorId,
}

/// The policy context of an entry recorded by the hostile device (huisbezoek, geel, version 1).
pub fn policy() -> PolicyContext {
    PolicyContext {
        actie: Actie::Huisbezoek,
        allowed: true,
        confirmed_conditions: Vec::new(),
        policy_version: 1,
        code: veldwerk_rules::routekaart::Code::Geel,
        policy_synced_at: None,
    }
}

impl HostileDevice {
    /// Enrolls a new key for handhaver `user` with a real one-time code.
    pub fn enroll(server: &TestServer, user: &str) -> HostileDevice {
        let transport = Transport::new(&server.url()).unwrap();
        let key = DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap();
        let body = serde_json::to_vec(&EnrollRequest {
            code: server.enroll_code(user),
            public_key: hex::encode(key.public_key()),
        })
        .unwrap();
        let answer = transport.post_json(paths::ENROLL, &body).unwrap();
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let enrolled: EnrollResponse = serde_json::from_slice(&answer.body).unwrap();
        let mut actor = device_actor_prefix(&enrolled.device_id).to_vec();
        actor.extend_from_slice(&rand_bytes::<8>());
        HostileDevice {
            signer: Signer {
                device_id: enrolled.device_id,
                key,
            },
            transport,
            docs: BTreeMap::new(),
            actor: ActorId::from(actor),
        }
    }

    pub fn device_id(&self) -> &str {
        &self.signer.device_id
    }

    /// Posts any bytes to the sync endpoint, signed (content type CBOR).
    pub fn post_raw(&self, body: &[u8]) -> Answer {
        self.transport
            .post_signed(&self.signer, paths::SYNC, "application/cbor", body)
            .unwrap()
    }

    /// An envelope with these document messages, holding every zaak it has.
    pub fn envelope(&self, docs: Vec<(String, Vec<u8>)>) -> SyncRequest {
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            policy_version: 0,
            held: self.docs.keys().cloned().collect(),
            docs: docs
                .into_iter()
                .map(|(zaak_id, message)| DocMessage { zaak_id, message })
                .collect(),
        }
    }

    /// Sends an envelope; a non-2xx answer panics with its body.
    pub fn send(&mut self, request: &SyncRequest) -> SyncResponse {
        let answer = self.post_raw(&request.to_cbor());
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let response = SyncResponse::from_cbor(&answer.body).unwrap();
        for ack in &response.acks {
            if let Some(held) = self.docs.get_mut(&ack.zaak_id) {
                held.server_heads = ack
                    .heads
                    .iter()
                    .filter_map(|h| ChangeHash::try_from(h.as_ref()).ok())
                    .collect();
            }
        }
        response
    }

    /// Asks for the documents of its zaken it does not hold, and keeps them.
    pub fn pull(&mut self) -> SyncResponse {
        let response = self.send(&self.envelope(Vec::new()));
        for new in &response.new_docs {
            let mut doc = AutoCommit::load(&new.document).unwrap();
            doc.set_actor(self.actor.clone());
            let server_heads = doc.get_heads();
            self.docs
                .insert(new.zaak_id.clone(), HeldDoc { doc, server_heads });
        }
        response
    }

    /// The raw document of a zaak it holds.
    pub fn doc(&mut self, zaak_id: &str) -> &mut AutoCommit {
        &mut self.docs.get_mut(zaak_id).expect("zaak not held").doc
    }

    /// A sync message carrying every change of the zaak's document the server does not hold
    /// (as far as it knows): what an honest device sends in its first message.
    pub fn changes_message(&mut self, zaak_id: &str) -> Message {
        let held = self.docs.get_mut(zaak_id).expect("zaak not held");
        let changes: Vec<Vec<u8>> = held
            .doc
            .get_changes(&held.server_heads)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        message(held.doc.get_heads(), held.server_heads.clone(), changes)
    }

    /// Sends the zaak's new changes in one message.
    pub fn push(&mut self, zaak_id: &str) -> SyncResponse {
        let message = self.changes_message(zaak_id).encode();
        self.send(&self.envelope(vec![(zaak_id.to_owned(), message)]))
    }

    /// Sends one document message of any bytes.
    pub fn push_bytes(&mut self, zaak_id: &str, message: Vec<u8>) -> SyncResponse {
        self.send(&self.envelope(vec![(zaak_id.to_owned(), message)]))
    }

    /// Does `f` to the zaak through the typed document API (signed entries, visits) as this
    /// device, and takes the result into the raw document.
    pub fn honestly<T>(
        &mut self,
        zaak_id: &str,
        f: impl FnOnce(&mut ZaakDocument, &Signer) -> T,
    ) -> T {
        let held = self.docs.get_mut(zaak_id).expect("zaak not held");
        let mut typed = ZaakDocument::load(&held.doc.save()).unwrap();
        let before = typed.heads();
        let out = f(&mut typed, &self.signer);
        held.doc
            .load_incremental(&typed.save_after(&before))
            .unwrap();
        out
    }

    /// Starts a huisbezoek of this device; its visit id.
    pub fn start_visit(&mut self, zaak_id: &str, at: DateTime<Utc>) -> String {
        self.honestly(zaak_id, |d, s| {
            d.start_visit(Actie::Huisbezoek, s, at).unwrap()
        })
    }

    /// Records an event in a visit, signed and chained as an honest device does.
    pub fn record(&mut self, zaak_id: &str, visit_id: &str, event: &Event, at: DateTime<Utc>) {
        self.honestly(zaak_id, |d, s| {
            d.append_entry(visit_id, event, &policy(), s, at).unwrap();
        });
    }
}

/// A version 1 sync message announcing `heads`, saying it last synced at `last_sync`, and
/// carrying `changes` (change chunks or any bytes).
pub fn message(
    heads: Vec<ChangeHash>,
    last_sync: Vec<ChangeHash>,
    changes: Vec<Vec<u8>>,
) -> Message {
    Message {
        heads,
        need: Vec::new(),
        have: vec![Have {
            last_sync,
            bloom: BloomFilter::default(),
        }],
        changes: changes.into(),
        flags: None,
        version: MessageVersion::V1,
    }
}

/// A message without changes whose one Bloom filter is `bloom` (its encoded bytes: entries,
/// bits per entry, probes, bits), read by the receiver as it comes.
pub fn message_with_bloom(bloom: &[u8]) -> Result<Message, String> {
    let filter = BloomFilter::try_from(bloom).map_err(|e| e.to_string())?;
    Ok(Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: vec![Have {
            last_sync: Vec::new(),
            bloom: filter,
        }],
        changes: Vec::<Vec<u8>>::new().into(),
        flags: None,
        version: MessageVersion::V1,
    })
}

/// A fresh actor of `device_id` (its prefix and 8 random bytes).
pub fn device_actor(device_id: &str) -> ActorId {
    let mut actor = device_actor_prefix(device_id).to_vec();
    actor.extend_from_slice(&rand_bytes::<8>());
    ActorId::from(actor)
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).unwrap();
    out
}

/// CBOR of a sync request whose `held` is `items` one-letter strings under one definite-length
/// head (issue 13, item 14: 8.4 M of them fill 16 MiB).
pub fn held_bomb(items: usize) -> Vec<u8> {
    veldwerk_contract::sync::test_support::request_with_held(Some(items as u64), items)
}
