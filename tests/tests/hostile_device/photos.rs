//! Photo uploads a device must not get the server to keep (issue 14 item 1): a body that is not
//! the photo its path names, a photo no entry of the zaak references, a zaak its handhaver was
//! never assigned, a body over the bound, a malformed hash and too long a question. Each is
//! refused with its code and nothing is stored.

use chrono::Utc;
use ring::digest::{digest, SHA256};
use veldwerk_client::transport::{sign, Transport};
use veldwerk_contract::api::{foto_path, paths, MAX_FOTO_BYTES, MAX_FOTO_HASHES};
use veldwerk_contract::evidence::Signer;
use veldwerk_rules::protocol::{Event, ExtraOnderwerp, Rol};
use veldwerk_tests::{steps_to_binnen, TestDevice, TestServer};

fn sha(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes))
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

struct Peer {
    transport: Transport,
    signer: Signer,
}

impl Peer {
    fn of(server: &TestServer, device: &mut TestDevice) -> Peer {
        Peer {
            transport: Transport::new(&server.url()).unwrap(),
            signer: device.device().request_signer().unwrap(),
        }
    }

    fn put(&self, zaak: &str, hash: &str, body: &[u8]) -> (u16, String) {
        let a = self
            .transport
            .put_signed(&self.signer, &foto_path(zaak, hash), "image/jpeg", body)
            .unwrap();
        (a.status, code(&a.body))
    }

    /// Headers declaring one byte over the bound, and no body.
    fn oversized(&self, server: &TestServer, zaak: &str, hash: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let path = foto_path(zaak, hash);
        let auth = sign(&self.signer, "PUT", &path, b"").unwrap();
        let mut head = format!(
            "PUT {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: image/jpeg\r\ncontent-length: {}\r\nconnection: close\r\n",
            server.addr(),
            MAX_FOTO_BYTES + 1
        );
        for (name, value) in auth.headers() {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        (status, code(body.as_bytes()))
    }

    fn ask(&self, zaak: &str, hashes: &[String]) -> (u16, serde_json::Value) {
        let body = serde_json::json!({ "zaak_id": zaak, "hashes": hashes }).to_string();
        let a = self
            .transport
            .post_signed(
                &self.signer,
                paths::FOTOS_ONTBREKEND,
                "application/json",
                body.as_bytes(),
            )
            .unwrap();
        (
            a.status,
            serde_json::from_slice(&a.body).unwrap_or_default(),
        )
    }
}

fn stored(server: &TestServer, zaak: &str) -> usize {
    server
        .db
        .with(|c| veldwerk_server::photos::list(c, zaak))
        .unwrap()
        .len()
}

/// Piet records a waarneming with a photo in Z-1 and syncs the entry; the photo itself is not
/// uploaded by the test's hand-made requests until they say so. Z-2 is kees's only.
fn setup() -> (TestServer, TestDevice, Vec<u8>) {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    server.zaak("Z-2", &["kees"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    let photo = b"\xFF\xD8\xFF\xE0 een foto van de slaapkamer".to_vec();
    let blob = piet.device().put_photo("Z-1", &photo).unwrap();
    let steps = vec![
        Event::ExtraToestemming {
            onderwerp: ExtraOnderwerp::Fotos,
            ruimte: None,
            door: "A. Jansen".into(),
            rol: Rol::Bewoner,
            gegeven: true,
        },
        Event::Waarneming {
            ruimte: "slaapkamer".into(),
            tekst: "Twee kussens op het bed.".into(),
            foto: Some(blob.as_str().to_owned()),
            kast_geopend: false,
            kamer_van: None,
        },
    ];
    piet.record("Z-1", &visit, steps, t).unwrap();
    (server, piet, photo)
}

#[test]
fn hostile_photo_uploads_are_refused_with_their_code_and_store_nothing() {
    let (server, mut piet, photo) = setup();
    // Only the document goes up: a session of the sync without the photo pass.
    {
        let device = piet.device();
        let signer = device.request_signer().unwrap();
        let transport = Transport::new(&server.url()).unwrap();
        let org = device.enrollment().unwrap().org_public_key.clone();
        let mut session = veldwerk_device::sync::SyncSession::new(device, &org).unwrap();
        while let Some(body) = session.next_request().unwrap() {
            let a = transport
                .post_signed(
                    &signer,
                    veldwerk_device::sync::SYNC_PATH,
                    veldwerk_device::sync::CONTENT_TYPE,
                    &body,
                )
                .unwrap();
            assert_eq!(a.status, 200);
            if session.handle_response(&a.body).unwrap() == veldwerk_device::sync::Progress::Done {
                break;
            }
        }
        session.finish();
    }
    let peer = Peer::of(&server, &mut piet);
    let hash = sha(&photo);
    let other = b"\xFF\xD8\xFF\xE0 een andere foto".to_vec();

    // The question: the referenced photo is missing; an unreferenced one is named as such.
    let (status, answer) = peer.ask("Z-1", &[hash.clone(), sha(&other)]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ontbrekend"], serde_json::json!([hash]));
    assert_eq!(answer["niet_verwezen"], serde_json::json!([sha(&other)]));

    // Wrong hash: the body is not the photo the path names.
    assert_eq!(
        peer.put("Z-1", &hash, &other),
        (400, "foto_hash_mismatch".into())
    );
    // Unreferenced: a photo no entry of Z-1 names.
    assert_eq!(
        peer.put("Z-1", &sha(&other), &other),
        (422, "foto_niet_verwezen".into())
    );
    // A zaak piet's handhaver was never assigned, and one that does not exist: the same answer.
    assert_eq!(peer.put("Z-2", &hash, &photo), (403, "not_assigned".into()));
    assert_eq!(
        peer.put("Z-404", &hash, &photo),
        (403, "not_assigned".into())
    );
    assert_eq!(peer.ask("Z-2", std::slice::from_ref(&hash)).0, 403);
    // Oversized: refused on its declared length, before a byte of the body is read.
    assert_eq!(
        peer.oversized(&server, "Z-1", &hash),
        (413, "body_too_large".into())
    );
    // A malformed hash in the path or the question.
    assert_eq!(
        peer.put("Z-1", &hash.to_uppercase(), &photo),
        (400, "foto_referentie_ongeldig".into())
    );
    let (status, answer) = peer.ask("Z-1", &["../etc/passwd".to_owned()]);
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("foto_referentie_ongeldig"))
    );
    // Too long a question.
    let many: Vec<String> = (0..=MAX_FOTO_HASHES)
        .map(|i| sha(&i.to_le_bytes()))
        .collect();
    let (status, answer) = peer.ask("Z-1", &many);
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("foto_hashes_too_many"))
    );
    assert_eq!(stored(&server, "Z-1"), 0);

    // The honest upload is stored once; a second is 200 without a second row.
    assert_eq!(peer.put("Z-1", &hash, &photo), (201, String::new()));
    assert_eq!(peer.put("Z-1", &hash, &photo), (200, String::new()));
    assert_eq!(stored(&server, "Z-1"), 1);
    let (_, answer) = peer.ask("Z-1", std::slice::from_ref(&hash));
    assert_eq!(answer["ontbrekend"], serde_json::json!([]));
    // The device's own pass then finds the server has it and marks it uploaded.
    let report = piet.sync().unwrap();
    assert_eq!((report.photos_uploaded, report.photos_pending), (1, 0));
}
