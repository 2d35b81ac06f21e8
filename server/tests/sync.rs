//! Sync over real HTTP on a random loopback port, with real zaak documents on the device side
//! (`MemoryDocs`) and signed requests: assigned zaken arriving, entries verified and stored,
//! two devices converging, a code switch reaching the device, flags for an outdated code, and
//! refusals (foreign actor, unassigned zaak, unverifiable entry, replay, revoked device) that
//! leave the stored documents untouched.

mod common;

use automerge::sync;
use chrono::{DateTime, Duration, Utc};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;
use veldwerk_contract::auth::sign_request_now;
use veldwerk_contract::evidence::{DeviceKey, KeyDirectory, Signer};
use veldwerk_contract::policy::SignedPolicy;
use veldwerk_contract::zaak::{PolicyContext, ZaakDocument};
use veldwerk_device::sync::memory::MemoryDocs;
use veldwerk_device::sync::{
    DocMessage, Instruction, Progress, SyncDocs, SyncError, SyncRequest, SyncResponse, SyncSession,
    SyncSummary, PROTOCOL_VERSION, SYNC_PATH,
};
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code};
use veldwerk_server::db::now;
use veldwerk_server::users::Role;
use veldwerk_server::zaken::{self, NewZaak};
use veldwerk_server::{devices, flags, org, policy};

use common::TestServer;

impl TestServer {
    /// Supervisor `sanne`, handhavers `piet` and `kees`.
    fn start() -> TestServer {
        TestServer::start_with(
            &[
                ("sanne", Role::Supervisor, true),
                ("piet", Role::Handhaver, false),
                ("kees", Role::Handhaver, false),
            ],
            |_| {},
        )
    }

    /// Creates zaak `id` (address "Kerkstraat 12a, 1234 AB Demodorp") assigned to `users`.
    fn zaak(&self, id: &str, users: &[&str]) {
        self.db
            .write(|tx| {
                let melding = Melding {
                    werkproces: Werkproces::H2,
                    regeling: "16 Key2handhaven".into(),
                    aard_bijstand: "Incidenteel".into(),
                    fase: 10,
                    begindatum: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                    klantmanager: "J. de Vries".into(),
                    motivatie: "Post op dit adres is gericht aan een tweede volwassene, brief van 3 november.".into(),
                    werkvoorraad: "hand".into(),
                };
                zaken::create(
                    tx,
                    NewZaak {
                        id: Some(id.into()),
                        label: format!("{id} woonsituatie"),
                        adres: "Kerkstraat 12a, 1234 AB Demodorp".into(),
                        melding,
                        deadline: None,
                    },
                    "sanne",
                    now(),
                )?;
                for u in users {
                    zaken::assign(tx, id, u, "sanne", now())?;
                }
                Ok(())
            })
            .unwrap();
    }

    /// The stored document of a zaak (snapshot and incremental rows) as bytes.
    fn stored(&self, zaak_id: &str) -> Option<Vec<u8>> {
        self.db
            .with(|c| veldwerk_server::sync::store::load(c, zaak_id))
            .unwrap()
            .map(|s| s.bytes)
    }

    fn server_doc(&self, zaak_id: &str) -> ZaakDocument {
        ZaakDocument::load(&self.stored(zaak_id).unwrap()).unwrap()
    }

    fn keys(&self) -> KeyDirectory {
        let mut keys = KeyDirectory::new();
        for d in self.db.with(devices::list).unwrap() {
            keys.insert(&d.id, &hex::decode(d.public_key).unwrap())
                .unwrap();
        }
        keys
    }

    fn flags(&self) -> Vec<flags::Flag> {
        self.db.with(|c| flags::list(c, true)).unwrap()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Device {
    id: String,
    request_key: Ed25519KeyPair,
    signer: Signer,
    org_key: Vec<u8>,
    docs: MemoryDocs,
}

impl Device {
    fn enroll(server: &TestServer, user: &str) -> Device {
        let code = server
            .db
            .write(|tx| devices::issue_enroll_code(tx, user, 3600, "test", now()))
            .unwrap();
        let pkcs8 = DeviceKey::generate_pkcs8().unwrap();
        let request_key = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
        let body =
            json!({ "code": code, "public_key": hex::encode(request_key.public_key().as_ref()) });
        let mut r = agent()
            .post(&server.url("/v1/enroll"))
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: serde_json::Value = serde_json::from_reader(r.body_mut().as_reader()).unwrap();
        let org_key = hex::decode(v["org_public_key"].as_str().unwrap()).unwrap();
        let signed: SignedPolicy = serde_json::from_value(v["policy"].clone()).unwrap();
        let bundle = signed.verify(&org_key).unwrap();
        let mut docs = MemoryDocs::new();
        docs.set_policy(signed, bundle);
        let id = v["device_id"].as_str().unwrap().to_owned();
        Device {
            signer: Signer {
                device_id: id.clone(),
                key: DeviceKey::from_pkcs8(&pkcs8).unwrap(),
            },
            id,
            request_key,
            org_key,
            docs,
        }
    }

    /// Posts one signed body to `/v1/sync`: (status, body).
    fn post(&self, server: &TestServer, body: &[u8]) -> (u16, Vec<u8>) {
        let auth = sign_request_now(&self.request_key, &self.id, "POST", SYNC_PATH, body).unwrap();
        post_signed(server, &auth, body)
    }

    fn sync(&mut self, server: &TestServer) -> Result<SyncSummary, SyncError> {
        let (id, key) = (self.id.clone(), &self.request_key);
        let mut session = SyncSession::new(&mut self.docs, &self.org_key)?;
        while let Some(body) = session.next_request()? {
            let auth = sign_request_now(key, &id, "POST", SYNC_PATH, &body).unwrap();
            let (status, answer) = post_signed(server, &auth, &body);
            if status != 200 {
                return Err(session.handle_refusal(status, &answer));
            }
            if session.handle_response(&answer)? == Progress::Done {
                break;
            }
        }
        Ok(session.finish())
    }

    /// The policy context the device records under: its active code and policy version.
    fn context(&self, actie: Actie) -> PolicyContext {
        let bundle = self.docs.policy().unwrap();
        PolicyContext {
            actie,
            allowed: true,
            confirmed_conditions: vec![],
            policy_version: bundle.version,
            code: bundle.active().unwrap().code,
            policy_synced_at: Some(bundle.issued_at),
        }
    }

    fn start_visit(&mut self, zaak_id: &str) -> String {
        let doc = self.docs.doc_mut(zaak_id).unwrap();
        let visit = doc
            .start_visit(Actie::Huisbezoek, &self.signer, Utc::now())
            .unwrap();
        self.docs.save(zaak_id);
        visit
    }

    fn record(&mut self, zaak_id: &str, visit: &str, n: usize, at: DateTime<Utc>) {
        let context = self.context(Actie::Huisbezoek);
        let doc = self.docs.doc_mut(zaak_id).unwrap();
        doc.append_entry(visit, &waarneming(n), &context, &self.signer, at)
            .unwrap();
        self.docs.save(zaak_id);
    }
}

fn post_signed(
    server: &TestServer,
    auth: &veldwerk_contract::auth::RequestAuth,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut req = agent()
        .post(&server.url(SYNC_PATH))
        .header("content-type", "application/cbor");
    for (k, v) in auth.headers() {
        req = req.header(k, &v);
    }
    let mut r = req.send(body).unwrap();
    let status = r.status().as_u16();
    let bytes = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    (status, bytes)
}

fn waarneming(n: usize) -> Event {
    Event::Waarneming {
        ruimte: format!("ruimte {n}"),
        tekst: format!("Waarneming {n}: twee tandenborstels in de badkamer."),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

fn entry_count(doc: &ZaakDocument) -> usize {
    doc.visits()
        .unwrap()
        .iter()
        .map(|v| doc.entries(&v.visit_id).unwrap().len())
        .sum()
}

/// A real Automerge message from `device_doc` that carries the changes `server_copy` lacks
/// (one local exchange, so the message holds changes at once): for requests the driver would
/// not send.
fn message_with_changes(device_doc: &mut ZaakDocument, server_copy: &mut ZaakDocument) -> Vec<u8> {
    let (mut ours, mut theirs) = (sync::State::new(), sync::State::new());
    let m1 = device_doc.generate_sync_message(&mut ours).unwrap();
    server_copy.receive_sync_message(&mut theirs, m1).unwrap();
    let m2 = server_copy.generate_sync_message(&mut theirs).unwrap();
    device_doc.receive_sync_message(&mut ours, m2).unwrap();
    let m3 = device_doc.generate_sync_message(&mut ours).unwrap();
    assert!(!m3.changes.is_empty());
    m3.encode()
}

fn raw_request(zaak_id: &str, message: Vec<u8>, held: &[&str]) -> Vec<u8> {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        policy_version: 1,
        held: held.iter().map(|s| s.to_string()).collect(),
        docs: vec![DocMessage {
            zaak_id: zaak_id.into(),
            message,
        }],
    }
    .to_cbor()
}

#[test]
fn assigned_zaken_arrive_and_a_devices_entries_reach_the_server_verified() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    server.zaak("Z-2", &["piet", "kees"]);
    server.zaak("Z-3", &["kees"]);
    let mut device = Device::enroll(&server, "piet");

    let first = device.sync(&server).unwrap();
    assert_eq!(first.new_docs, vec!["Z-1".to_owned(), "Z-2".to_owned()]);
    assert_eq!(device.docs.zaak_ids(), vec!["Z-1", "Z-2"]);
    let s = device.docs.doc("Z-2").unwrap().summary().unwrap();
    assert_eq!(s.handhavers.iter().collect::<Vec<_>>(), ["kees", "piet"]);
    assert_eq!(
        (
            s.address.street.as_str(),
            s.address.house_number.as_str(),
            s.address.postcode.as_str()
        ),
        ("Kerkstraat", "12a", "1234 AB")
    );
    assert_eq!(first.policy_updated, None);

    let visit = device.start_visit("Z-1");
    for n in 0..6 {
        device.record("Z-1", &visit, n, Utc::now());
    }
    let second = device.sync(&server).unwrap();
    assert!(second.rejections.is_empty(), "{:?}", second.rejections);
    assert!(second.round_trips <= 3, "{second:?}");

    let stored = server.server_doc("Z-1");
    assert_eq!(stored.entries(&visit).unwrap().len(), 6);
    assert!(stored
        .verify_visit(&visit, &server.keys())
        .unwrap()
        .is_intact());
    assert!(server.flags().is_empty());

    // After a restart of the device nothing is sent twice; the server holds the same heads.
    let mut reopened = device.docs.reopen().unwrap();
    std::mem::swap(&mut device.docs, &mut reopened);
    let third = device.sync(&server).unwrap();
    assert_eq!(third.entries_received, 0);
    assert_eq!(
        device.docs.doc_mut("Z-1").unwrap().heads(),
        server.server_doc("Z-1").heads()
    );
    server.stop();
}

#[test]
fn two_devices_in_the_same_visit_converge() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet", "kees"]);
    let mut a = Device::enroll(&server, "piet");
    let mut b = Device::enroll(&server, "kees");
    a.sync(&server).unwrap();
    let visit = a.start_visit("Z-1");
    a.sync(&server).unwrap();
    b.sync(&server).unwrap();
    assert!(b.docs.doc("Z-1").unwrap().visit(&visit).is_ok());

    // Both record offline in the same visit, then sync in turn.
    for n in 0..3 {
        a.record("Z-1", &visit, n, Utc::now());
        b.record("Z-1", &visit, 10 + n, Utc::now());
    }
    a.sync(&server).unwrap();
    let got = b.sync(&server).unwrap();
    assert_eq!(got.entries_received, 3);
    a.sync(&server).unwrap();

    let ea = a.docs.doc("Z-1").unwrap().entries(&visit).unwrap();
    let eb = b.docs.doc("Z-1").unwrap().entries(&visit).unwrap();
    assert_eq!(ea.len(), 6);
    assert_eq!(ea, eb);
    let stored = server.server_doc("Z-1");
    assert_eq!(stored.entries(&visit).unwrap(), ea);
    assert!(stored
        .verify_visit(&visit, &server.keys())
        .unwrap()
        .is_intact());
    server.stop();
}

#[test]
fn a_code_switch_reaches_the_device_and_outdated_actions_are_flagged_not_dropped() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut device = Device::enroll(&server, "piet");
    device.sync(&server).unwrap();
    assert_eq!(device.docs.policy_version(), 1);

    let t = Utc::now();
    let visit = device.start_visit("Z-1");
    // Before the switch: geel was right. After it (the device was offline): geel was outdated.
    device.record("Z-1", &visit, 1, t);
    let org = org::load(&server.db).unwrap().unwrap();
    server
        .db
        .write(|tx| {
            policy::switch_code(
                tx,
                &org,
                Code::Rood,
                "Lockdown",
                "sanne",
                (t + Duration::minutes(1)).timestamp(),
            )
        })
        .unwrap();
    device.record("Z-1", &visit, 2, t + Duration::minutes(2));

    let summary = device.sync(&server).unwrap();
    assert_eq!(summary.policy_updated, Some(2));
    let bundle = device.docs.policy().unwrap();
    assert_eq!(bundle.active().unwrap().code, Code::Rood);

    let stored = server.server_doc("Z-1");
    let entries = stored.entries(&visit).unwrap();
    assert_eq!(entries.len(), 2, "flagged entries are kept");
    let flagged = server.flags();
    assert_eq!(flagged.len(), 1);
    let f = &flagged[0];
    assert_eq!(f.entry_ref, entries[1].entry_id);
    assert_eq!(
        (
            f.code_known.as_deref(),
            f.code_active.as_str(),
            f.actie.as_str(),
            f.policy_version_known
        ),
        (Some("geel"), "rood", "huisbezoek", 1)
    );
    assert_eq!(f.device_id, device.id);

    // Recording under the new code raises nothing; the server notes the device's version.
    device.record("Z-1", &visit, 3, t + Duration::minutes(3));
    device.sync(&server).unwrap();
    assert_eq!(server.flags().len(), 1);
    let seen = server
        .db
        .with(|c| devices::get(c, &device.id))
        .unwrap()
        .unwrap();
    assert_eq!(seen.policy_version_seen, 2);
    server.stop();
}

#[test]
fn a_foreign_actor_an_unassigned_zaak_and_an_unverifiable_entry_are_refused_untouched() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    server.zaak("Z-2", &["kees"]);
    let mut device = Device::enroll(&server, "piet");
    let mut kees = Device::enroll(&server, "kees");
    device.sync(&server).unwrap();
    let visit = device.start_visit("Z-1");
    device.record("Z-1", &visit, 1, Utc::now());
    device.sync(&server).unwrap();

    // 1. A change authored by another device's actor.
    let before = server.stored("Z-1");
    let mut forged = device.docs.doc("Z-1").unwrap().clone();
    let other = Signer {
        device_id: "dev-someoneelse".into(),
        key: DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap(),
    };
    forged
        .start_visit(Actie::Huisbezoek, &other, Utc::now())
        .unwrap();
    let mut server_copy = server.server_doc("Z-1");
    let body = raw_request(
        "Z-1",
        message_with_changes(&mut forged, &mut server_copy),
        &["Z-1"],
    );
    let (status, answer) = device.post(&server, &body);
    assert_eq!(status, 200);
    let resp = SyncResponse::from_cbor(&answer).unwrap();
    assert_eq!(resp.rejections.len(), 1);
    assert_eq!(resp.rejections[0].zaak_id, "Z-1");
    assert_eq!(resp.rejections[0].code, "actor_mismatch");
    assert!(resp.rejections[0].message.contains("Z-1"));
    assert_eq!(server.stored("Z-1"), before);

    // 2. Changes to a zaak not assigned to this device's handhaver.
    assert!(
        server.stored("Z-2").is_none(),
        "no device of kees synced yet"
    );
    kees.sync(&server).unwrap();
    let before2 = server.stored("Z-2").unwrap();
    let mut copy = ZaakDocument::load(&before2).unwrap();
    copy.start_visit(Actie::Huisbezoek, &device.signer, Utc::now())
        .unwrap();
    let mut server_copy = server.server_doc("Z-2");
    let body = raw_request(
        "Z-2",
        message_with_changes(&mut copy, &mut server_copy),
        &["Z-1", "Z-2"],
    );
    let (_, answer) = device.post(&server, &body);
    let resp = SyncResponse::from_cbor(&answer).unwrap();
    assert_eq!(resp.rejections[0].code, "not_assigned");
    assert_eq!(resp.withdrawn, vec!["Z-2".to_owned()]);
    assert_eq!(server.stored("Z-2").unwrap(), before2);

    // 3. An entry signed with a key that is not this device's enrolled key: the driver sends it,
    //    the server refuses the document and keeps nothing of it; the other zaak still syncs.
    let before = server.stored("Z-1");
    let forger = Signer {
        device_id: device.id.clone(),
        key: DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap(),
    };
    let context = device.context(Actie::Huisbezoek);
    device
        .docs
        .doc_mut("Z-1")
        .unwrap()
        .append_entry(&visit, &waarneming(9), &context, &forger, Utc::now())
        .unwrap();
    device.docs.save("Z-1");
    let summary = device.sync(&server).unwrap();
    assert_eq!(summary.rejections.len(), 1);
    assert_eq!(summary.rejections[0].code, "entry_unverified");
    assert_eq!(server.stored("Z-1"), before);
    assert!(server.flags().is_empty());
    // The device keeps its entry (nothing is lost on the device either).
    assert_eq!(entry_count(device.docs.doc("Z-1").unwrap()), 2);
    server.stop();
}

#[test]
fn replays_bad_envelopes_and_revoked_devices_are_refused() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut device = Device::enroll(&server, "piet");
    device.sync(&server).unwrap();
    let visit = device.start_visit("Z-1");
    device.record("Z-1", &visit, 1, Utc::now());
    let mut server_copy = server.server_doc("Z-1");
    let mut doc = device.docs.doc("Z-1").unwrap().clone();
    let body = raw_request(
        "Z-1",
        message_with_changes(&mut doc, &mut server_copy),
        &["Z-1"],
    );

    // The same signed request twice: the second is refused and changes nothing.
    let auth = sign_request_now(&device.request_key, &device.id, "POST", SYNC_PATH, &body).unwrap();
    let (status, _) = post_signed(&server, &auth, &body);
    assert_eq!(status, 200);
    let after_first = server.stored("Z-1");
    let (status, answer) = post_signed(&server, &auth, &body);
    assert_eq!(status, 401);
    let err: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(err["code"], "request_replayed");
    assert_eq!(server.stored("Z-1"), after_first);

    // Malformed CBOR, a wrong protocol version, a wrong content type.
    let (status, answer) = device.post(&server, b"\xff\x00not cbor");
    let err: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("envelope_malformed"))
    );
    let mut req = SyncRequest::from_cbor(&body).unwrap();
    req.protocol = 99;
    let mut raw = Vec::new();
    ciborium::into_writer(&req, &mut raw).unwrap();
    let (status, answer) = device.post(&server, &raw);
    let err: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("protocol_unsupported"))
    );
    let auth = sign_request_now(&device.request_key, &device.id, "POST", SYNC_PATH, &body).unwrap();
    let mut r = agent()
        .post(&server.url(SYNC_PATH))
        .header("content-type", "application/json");
    for (k, v) in auth.headers() {
        r = r.header(k, &v);
    }
    assert_eq!(r.send(&body[..]).unwrap().status().as_u16(), 415);

    // A revoked device is refused and told to wipe.
    server
        .db
        .write(|tx| devices::revoke(tx, &device.id, "sanne", now()))
        .unwrap();
    let err = device.sync(&server).unwrap_err();
    assert_eq!(err.code(), "device_revoked");
    assert_eq!(err.instruction(), Some(Instruction::Wipe));
    server.stop();
}

#[test]
fn an_interrupted_sync_resumes_and_loses_nothing() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut device = Device::enroll(&server, "piet");
    device.sync(&server).unwrap();
    let visit = device.start_visit("Z-1");
    for n in 0..4 {
        device.record("Z-1", &visit, n, Utc::now());
    }
    // The request with the new entries reaches the server (its first message carries them),
    // but the answer is lost on the way back.
    {
        let mut session = SyncSession::new(&mut device.docs, &device.org_key).unwrap();
        let body = session.next_request().unwrap().unwrap();
        let auth =
            sign_request_now(&device.request_key, &device.id, "POST", SYNC_PATH, &body).unwrap();
        let (status, _lost) = post_signed(&server, &auth, &body);
        assert_eq!(status, 200);
    }
    assert_eq!(server.server_doc("Z-1").entries(&visit).unwrap().len(), 4);
    let mut restarted = device.docs.reopen().unwrap();
    std::mem::swap(&mut device.docs, &mut restarted);
    let summary = device.sync(&server).unwrap();
    assert!(summary.rejections.is_empty(), "{:?}", summary.rejections);
    let stored = server.server_doc("Z-1");
    assert_eq!(stored.entries(&visit).unwrap().len(), 4);
    assert_eq!(
        device.docs.doc_mut("Z-1").unwrap().heads(),
        server.server_doc("Z-1").heads()
    );
    server.stop();
}

#[test]
fn a_withdrawn_zaak_is_purged_only_when_the_server_holds_all_of_it() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    server.zaak("Z-2", &["piet"]);
    let mut device = Device::enroll(&server, "piet");
    device.sync(&server).unwrap();
    let visit = device.start_visit("Z-1");
    device.record("Z-1", &visit, 1, Utc::now());
    device.sync(&server).unwrap();
    // Z-2 gets an entry the server never sees before the withdrawal.
    let visit2 = device.start_visit("Z-2");
    device.record("Z-2", &visit2, 1, Utc::now());
    server
        .db
        .with(|c| {
            c.execute(
                "UPDATE assignments SET withdrawn_at = ?1",
                veldwerk_server::params![now()],
            )?;
            Ok(())
        })
        .unwrap();

    let summary = device.sync(&server).unwrap();
    assert_eq!(summary.withdrawn.iter().collect::<Vec<_>>(), ["Z-1", "Z-2"]);
    assert_eq!(summary.purged, vec!["Z-1".to_owned()]);
    assert_eq!(device.docs.zaak_ids(), vec!["Z-2"], "unsynced work is kept");
    // The new entry of Z-2 went out with the first message and was refused: the zaak is no
    // longer the device's. The device keeps it.
    let refused: Vec<_> = summary
        .rejections
        .iter()
        .map(|r| (r.zaak_id.as_str(), r.code.as_str()))
        .collect();
    assert_eq!(refused, [("Z-2", "not_assigned")]);
    assert_eq!(entry_count(device.docs.doc_mut("Z-2").unwrap()), 1);
    assert_eq!(entry_count(&server.server_doc("Z-1")), 1);
    assert!(server.server_doc("Z-2").visits().unwrap().is_empty());
    server.stop();
}

/// Two servers in one process, each on its own store, with a zaak of the same id and a device
/// each, syncing in turn: each server keeps its own loaded documents, device keys and policy
/// (nothing of the sync is process-wide), so every sync sees only its own server's document and
/// takes the one round trip a day's sync takes.
#[test]
fn two_servers_in_one_process_keep_their_documents_apart() {
    fn sync_own(server: &TestServer, device: &mut Device, visit: &str) {
        let got = device.sync(server).unwrap();
        assert!(got.rejections.is_empty(), "{:?}", got.rejections);
        assert_eq!(got.round_trips, 1, "{got:?}");
        assert_eq!(
            got.entries_received, 0,
            "nothing of the other server arrives"
        );
        let doc = device.docs.doc("Z-1").unwrap();
        let visits: Vec<String> = doc
            .visits()
            .unwrap()
            .into_iter()
            .map(|v| v.visit_id)
            .collect();
        assert_eq!(visits, [visit]);
    }
    let (one, two) = (TestServer::start(), TestServer::start());
    one.zaak("Z-1", &["piet"]);
    two.zaak("Z-1", &["piet"]);
    let mut a = Device::enroll(&one, "piet");
    let mut b = Device::enroll(&two, "piet");
    a.sync(&one).unwrap();
    b.sync(&two).unwrap();
    let (visit_a, visit_b) = (a.start_visit("Z-1"), b.start_visit("Z-1"));
    for n in 0..3 {
        a.record("Z-1", &visit_a, n, Utc::now());
        sync_own(&one, &mut a, &visit_a);
        b.record("Z-1", &visit_b, 10 + n, Utc::now());
        sync_own(&two, &mut b, &visit_b);
    }
    for (server, device, visit) in [(&one, &mut a, &visit_a), (&two, &mut b, &visit_b)] {
        let mut stored = server.server_doc("Z-1");
        let visits: Vec<String> = stored
            .visits()
            .unwrap()
            .into_iter()
            .map(|v| v.visit_id)
            .collect();
        assert_eq!(visits, [visit.as_str()]);
        assert_eq!(stored.entries(visit).unwrap().len(), 3);
        assert!(stored
            .verify_visit(visit, &server.keys())
            .unwrap()
            .is_intact());
        assert_eq!(device.docs.doc_mut("Z-1").unwrap().heads(), stored.heads());
    }
    one.stop();
    two.stop();
}
