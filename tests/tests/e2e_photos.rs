//! Photos reach the server (issue 14 item 1, "photos (their own consent) can be opened"): a
//! waarneming with a photo, recorded after the separate consent for photos, is synced; the
//! photo follows outside the document, arrives byte for byte, and the console serves it.

use chrono::Utc;
use veldwerk_rules::protocol::{Event, ExtraOnderwerp, Rol};
use veldwerk_tests::{steps_to_binnen, TestDevice, TestServer, SUPERVISOR};

/// A small but real JPEG header, so the server reads the type from the bytes.
fn jpeg(n: u8) -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    b.extend(std::iter::repeat_n(n, 4096));
    b.extend([0xFF, 0xD9]);
    b
}

fn photo_steps(foto: &str) -> Vec<Event> {
    vec![
        Event::ExtraToestemming {
            onderwerp: ExtraOnderwerp::Fotos,
            ruimte: None,
            door: "A. Jansen".into(),
            rol: Rol::Bewoner,
            gegeven: true,
        },
        Event::Waarneming {
            ruimte: "slaapkamer".into(),
            tekst: "Twee kussens en twee dekbedden op het bed.".into(),
            foto: Some(foto.to_owned()),
            kast_geopend: false,
            kamer_van: None,
        },
    ]
}

/// Signs in to the console's API and returns the session cookie (`name=value`).
fn console_cookie(server: &TestServer) -> String {
    let answer = ureq::post(&format!("{}/v1/session", server.url()))
        .header("content-type", "application/json")
        .send(
            serde_json::json!({ "name": SUPERVISOR, "password": "correct horse battery" })
                .to_string(),
        )
        .unwrap();
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("veldwerk_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

#[test]
fn a_photo_with_its_own_consent_reaches_the_server_and_the_console_serves_it() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();

    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    let bytes = jpeg(7);
    let blob = piet.device().put_photo("Z-1", &bytes).unwrap();
    piet.record("Z-1", &visit, photo_steps(blob.as_str()), t)
        .unwrap();
    assert_eq!(
        piet.device().photos_to_upload("Z-1").unwrap(),
        vec![blob.clone()]
    );

    let mut photo_steps_seen = Vec::new();
    let report = piet
        .sync_with(&mut |p| {
            if let veldwerk_client::SyncProgress::Photos { done, total } = p {
                photo_steps_seen.push((done, total));
            }
        })
        .unwrap();
    assert_eq!(photo_steps_seen, vec![(1, 1)]);
    assert!(
        report.summary.notices.is_empty(),
        "{:?}",
        report.summary.notices
    );
    assert_eq!((report.photos_uploaded, report.photos_pending), (1, 0));
    assert!(piet.device().photos_to_upload("Z-1").unwrap().is_empty());

    // Byte for byte on the server, typed from its magic bytes, listed for the zaak page.
    let stored = server
        .db
        .with(|c| veldwerk_server::photos::get(c, "Z-1", blob.as_str()))
        .unwrap()
        .expect("photo on the server");
    assert_eq!(stored.bytes, bytes);
    assert_eq!(stored.content_type, "image/jpeg");
    assert_eq!(stored.device_id, piet.device().device_id());
    let list = server
        .db
        .with(|c| veldwerk_server::photos::list(c, "Z-1"))
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].size, bytes.len() as u64);

    // A second sync sends nothing again.
    let again = piet.sync().unwrap();
    assert_eq!((again.photos_uploaded, again.photos_pending), (0, 0));

    // The console serves it to a signed-in user, inline, never sniffed or cached.
    let url = format!("{}/zaken/Z-1/fotos/{}", server.url(), blob.as_str());
    let cookie = console_cookie(&server);
    let mut answer = ureq::get(&url).header("cookie", &cookie).call().unwrap();
    assert_eq!(answer.status(), 200);
    let header = |a: &ureq::http::Response<ureq::Body>, n: &str| {
        a.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header(&answer, "content-type"), "image/jpeg");
    assert_eq!(header(&answer, "x-content-type-options"), "nosniff");
    assert_eq!(header(&answer, "cache-control"), "private, no-store");
    assert!(header(&answer, "content-disposition").starts_with("inline"));
    assert_eq!(answer.body_mut().read_to_vec().unwrap(), bytes);

    // Unknown photo: a Dutch 404 with its code; without a session: to the sign-in page.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let unknown = format!("{}/zaken/Z-1/fotos/{}", server.url(), "0".repeat(64));
    let mut missing = agent
        .get(&unknown)
        .header("cookie", &cookie)
        .call()
        .unwrap();
    assert_eq!(missing.status(), 404);
    let page = missing.body_mut().read_to_string().unwrap();
    assert!(
        page.contains("foto_unknown") && page.contains("niet (of nog niet)"),
        "{page}"
    );
    let anonymous = agent.get(&url).call().unwrap();
    assert_eq!(anonymous.status(), 303);
}

/// The round trips of a sync without the photo pass: the documents only.
fn sync_documents_only(server: &TestServer, device: &mut TestDevice) {
    use veldwerk_device::sync::{Progress, SyncSession, CONTENT_TYPE, SYNC_PATH};
    let device = device.device();
    let signer = device.request_signer().unwrap();
    let transport = veldwerk_client::transport::Transport::new(&server.url()).unwrap();
    let org = device.enrollment().unwrap().org_public_key.clone();
    let mut session = SyncSession::new(device, &org).unwrap();
    while let Some(body) = session.next_request().unwrap() {
        let a = transport
            .post_signed(&signer, SYNC_PATH, CONTENT_TYPE, &body)
            .unwrap();
        assert_eq!(a.status, 200);
        if session.handle_response(&a.body).unwrap() == Progress::Done {
            break;
        }
    }
    session.finish();
}

/// Issue 14 item 1 with the retention rules of item 2: a zaak withdrawn from the handhaver
/// leaves the device only once its recorded photos are on the server, never before.
#[test]
fn a_withdrawn_zaak_stays_on_the_device_until_its_photos_are_uploaded() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let mut piet = TestDevice::enrolled(&server, "piet");
    piet.sync().unwrap();
    let t = Utc::now();
    let visit = piet.start_huisbezoek("Z-1", t);
    piet.record("Z-1", &visit, steps_to_binnen(&["piet", "kees"]), t)
        .unwrap();
    let bytes = jpeg(9);
    let blob = piet.device().put_photo("Z-1", &bytes).unwrap();
    piet.record("Z-1", &visit, photo_steps(blob.as_str()), t)
        .unwrap();
    sync_documents_only(&server, &mut piet);
    assert_eq!(server.entry_count("Z-1"), 9);

    // The supervisor withdraws the zaak; the device learns it at its next round trips.
    server
        .db
        .write(|tx| {
            tx.execute(
                "UPDATE assignments SET withdrawn_at = ?1 WHERE zaak_id = 'Z-1'",
                veldwerk_server::params![veldwerk_server::db::now()],
            )?;
            Ok(())
        })
        .unwrap();
    sync_documents_only(&server, &mut piet);
    // Everything of the document is acknowledged, but the photo is not on the server: kept.
    assert!(piet.device().zaak_detail("Z-1").is_ok());
    assert_eq!(
        piet.device().photos_to_upload("Z-1").unwrap(),
        vec![blob.clone()]
    );
    assert_eq!(piet.device().photo(&blob).unwrap(), Some(bytes.clone()));

    // A full sync uploads it (the handhaver was assigned), and only then the zaak goes.
    let report = piet.sync().unwrap();
    assert_eq!((report.photos_uploaded, report.photos_pending), (1, 0));
    let stored = server
        .db
        .with(|c| veldwerk_server::photos::get(c, "Z-1", blob.as_str()))
        .unwrap()
        .expect("photo on the server");
    assert_eq!(stored.bytes, bytes);
    assert!(piet.device().zaak_detail("Z-1").is_err());
    assert_eq!(piet.device().photo(&blob).unwrap(), None);
}
