//! The server over real HTTP on a random loopback port: enrollment, signed requests, revocation,
//! sessions and roles, code switching, the audit chain, flags.

mod common;

use std::io::Read;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};
use veldwerk_contract::auth::{sign_request, sign_request_now, RequestAuth};
use veldwerk_contract::policy::SignedPolicy;
use veldwerk_rules::routekaart::Code;
use veldwerk_server::db::now;
use veldwerk_server::users::Role;
use veldwerk_server::{devices, flags};

use common::{TestServer, PASSWORD};

impl TestServer {
    /// A server with supervisor `sanne`, admin `root`, handhavers `piet` and `kees` (kees has a
    /// password, to show a handhaver gets no console).
    fn start() -> TestServer {
        TestServer::start_with(
            &[
                ("sanne", Role::Supervisor, true),
                ("root", Role::Admin, true),
                ("piet", Role::Handhaver, false),
                ("kees", Role::Handhaver, true),
            ],
            |s| s.login_max_failures = 3,
        )
    }

    fn enroll_code(&self, user: &str) -> String {
        self.db
            .write(|tx| devices::issue_enroll_code(tx, user, 3600, "test", now()))
            .unwrap()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, JSON body or Null)
fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut r = r.unwrap();
    let status = r.status().as_u16();
    let mut text = String::new();
    r.body_mut().as_reader().read_to_string(&mut text).unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn post_json(url: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut req = agent().post(url).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    answer(req.send(body.to_string().as_bytes()))
}

fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = agent().get(url);
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    answer(req.call())
}

fn get_signed(url: &str, auth: &RequestAuth) -> (u16, Value) {
    let mut req = agent().get(url);
    for (k, v) in auth.headers() {
        req = req.header(k, &v);
    }
    answer(req.call())
}

struct Device {
    key: Ed25519KeyPair,
    id: String,
    org_key: Vec<u8>,
}

fn new_key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn enroll(server: &TestServer, code: &str) -> Device {
    let key = new_key();
    let (status, body) = post_json(
        &server.url("/v1/enroll"),
        &json!({ "code": code, "public_key": hex::encode(key.public_key().as_ref()) }),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let org_key = hex::decode(body["org_public_key"].as_str().unwrap()).unwrap();
    let policy: SignedPolicy = serde_json::from_value(body["policy"].clone()).unwrap();
    let bundle = policy.verify(&org_key).unwrap();
    assert_eq!(bundle.organisation, "Gemeente Test");
    assert_eq!(bundle.active().unwrap().code, Code::Geel);
    Device {
        key,
        id: body["device_id"].as_str().unwrap().to_owned(),
        org_key,
    }
}

fn policy_request(device: &Device) -> RequestAuth {
    sign_request_now(&device.key, &device.id, "GET", "/v1/policy", b"").unwrap()
}

fn sign_in(server: &TestServer, name: &str) -> String {
    let (status, body) = post_json(
        &server.url("/v1/session"),
        &json!({ "name": name, "password": PASSWORD }),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[test]
fn enrollment_accepts_a_good_code_once_and_refuses_wrong_ones() {
    let server = TestServer::start();
    let code = server.enroll_code("piet");
    let device = enroll(&server, &code);
    assert!(device.id.starts_with("dev-"));

    let other = hex::encode(new_key().public_key().as_ref());
    let (status, body) = post_json(
        &server.url("/v1/enroll"),
        &json!({ "code": code, "public_key": other }),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("enroll_code_invalid"))
    );
    let (status, body) = post_json(
        &server.url("/v1/enroll"),
        &json!({ "code": "AAAA-BBBB-CCCC", "public_key": other }),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("enroll_code_invalid"))
    );
    let (status, body) = post_json(&server.url("/v1/enroll"), &json!({ "code": 12 }), None);
    assert_eq!((status, body["code"].as_str()), (400, Some("body_invalid")));
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("De aanvraag is ongeldig"));
    server.stop();
}

#[test]
fn signed_requests_good_tampered_stale_replayed_and_unknown() {
    let server = TestServer::start();
    let device = enroll(&server, &server.enroll_code("piet"));
    let url = server.url("/v1/policy");

    let good = policy_request(&device);
    let (status, body) = get_signed(&url, &good);
    assert_eq!(status, 200, "{body}");
    let signed: SignedPolicy = serde_json::from_value(body["policy"].clone()).unwrap();
    assert_eq!(signed.verify(&device.org_key).unwrap().version, 1);
    // A bundle altered on the way does not verify with the pinned organisation key.
    let mut altered = signed.clone();
    altered.payload = altered.payload.replace("\"geel\"", "\"rood\"");
    assert_ne!(altered.payload, signed.payload);
    assert_eq!(
        veldwerk_contract::policy::verify(&altered.to_bytes(), &device.org_key)
            .unwrap_err()
            .code(),
        "policy_signature_invalid"
    );

    // The very same request again is a replay.
    let (status, body) = get_signed(&url, &good);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("request_replayed"))
    );

    // Signed for another path: the signature does not cover this request.
    let tampered = sign_request_now(&device.key, &device.id, "GET", "/v1/devices", b"").unwrap();
    let (status, body) = get_signed(&url, &tampered);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("signature_invalid"))
    );

    // Signed by another key under this device's id.
    let forged = sign_request_now(&new_key(), &device.id, "GET", "/v1/policy", b"").unwrap();
    assert_eq!(get_signed(&url, &forged).1["code"], "signature_invalid");

    let stale = sign_request(
        &device.key,
        &device.id,
        "GET",
        "/v1/policy",
        b"",
        now() - 600,
        "0123456789abcdef0123456789abcdef",
    );
    let (status, body) = get_signed(&url, &stale);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("request_stale"))
    );

    let unknown = sign_request_now(&device.key, "dev-unknown", "GET", "/v1/policy", b"").unwrap();
    assert_eq!(get_signed(&url, &unknown).1["code"], "device_unknown");
    let (status, body) = get(&url, None);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("signature_missing"))
    );
    server.stop();
}

#[test]
fn a_revoked_device_is_refused_and_told_to_wipe() {
    let server = TestServer::start();
    let device = enroll(&server, &server.enroll_code("piet"));
    let token = sign_in(&server, "sanne");
    let (status, body) = post_json(
        &server.url(&format!("/v1/devices/{}/revoke", device.id)),
        &json!({}),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked_at"].is_i64());

    let (status, body) = get_signed(&server.url("/v1/policy"), &policy_request(&device));
    assert_eq!(status, 403);
    assert_eq!(body["code"], "device_revoked");
    assert_eq!(body["instruction"], "wipe");
    // Someone else naming the revoked device's id (signing with another key) learns nothing
    // about its revocation.
    let other = enroll(&server, &server.enroll_code("kees"));
    let forged = sign_request_now(&other.key, &device.id, "GET", "/v1/policy", b"").unwrap();
    let (status, body) = get_signed(&server.url("/v1/policy"), &forged);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("signature_invalid"))
    );
    let (status, body) = post_json(
        &server.url("/v1/devices/dev-nope/revoke"),
        &json!({}),
        Some(&token),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("device_not_found"))
    );
    server.stop();
}

#[test]
fn a_code_switch_writes_audit_and_reaches_the_device_as_a_new_version() {
    let server = TestServer::start();
    let device = enroll(&server, &server.enroll_code("piet"));
    let token = sign_in(&server, "sanne");

    let (status, body) = get(&server.url("/v1/code"), Some(&token));
    assert_eq!(
        (
            status,
            body["code"].as_str(),
            body["policy_version"].as_u64()
        ),
        (200, Some("geel"), Some(1))
    );

    let (status, body) = post_json(
        &server.url("/v1/code"),
        &json!({ "code": "rood", "reason": "Kabinetsbesluit: lockdown" }),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["code"].as_str(), body["policy_version"].as_u64()),
        (Some("rood"), Some(2))
    );
    assert_eq!(body["by"], "sanne");

    let (status, body) = post_json(
        &server.url("/v1/code"),
        &json!({ "code": "rood", "reason": " " }),
        Some(&token),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("reason_required"))
    );
    let (status, body) = post_json(
        &server.url("/v1/code"),
        &json!({ "code": "paars", "reason": "x" }),
        Some(&token),
    );
    assert_eq!((status, body["code"].as_str()), (400, Some("code_unknown")));

    let (_, body) = get_signed(&server.url("/v1/policy"), &policy_request(&device));
    assert_eq!(body["version"], 2);
    let signed: SignedPolicy = serde_json::from_value(body["policy"].clone()).unwrap();
    let bundle = signed.verify(&device.org_key).unwrap();
    let active = bundle.active().unwrap();
    assert_eq!((active.code, active.by.as_str()), (Code::Rood, "sanne"));
    assert_eq!(active.reason, "Kabinetsbesluit: lockdown");

    let (_, devices) = get(&server.url("/v1/devices"), Some(&token));
    assert_eq!(devices[0]["policy_version_seen"], 2);

    let (status, audit) = get(&server.url("/v1/audit"), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(audit["check"]["intact"], true);
    let newest = &audit["rows"][0];
    assert_eq!(
        (newest["action"].as_str(), newest["actor"].as_str()),
        (Some("code_switched"), Some("sanne"))
    );
    let details: Value = serde_json::from_str(newest["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["policy_version"], 2);
    server.stop();
}

#[test]
fn a_tampered_audit_row_is_detected() {
    let server = TestServer::start();
    let token = sign_in(&server, "root");
    post_json(
        &server.url("/v1/code"),
        &json!({ "code": "oranje", "reason": "Besmettingen stijgen" }),
        Some(&token),
    );
    server
        .db
        .with(|c| {
            c.execute(
                "UPDATE audit_log SET actor = 'iemand anders' WHERE action = 'code_switched' AND actor = 'root'",
                veldwerk_server::params![],
            )?;
            Ok(())
        })
        .unwrap();
    let (_, audit) = get(&server.url("/v1/audit"), Some(&token));
    assert_eq!(audit["check"]["intact"], false);
    let broken_at = audit["check"]["broken_at"].as_i64().unwrap();
    let tampered_seq = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["actor"] == "iemand anders")
        .unwrap()["seq"]
        .as_i64()
        .unwrap();
    assert_eq!(broken_at, tampered_seq);

    let cli = <veldwerk_server::cli::Cli as clap::Parser>::try_parse_from([
        "veldwerk-server",
        "audit",
        "verify",
    ])
    .unwrap();
    let err =
        veldwerk_server::cli::run_admin(&server.settings, cli.command.unwrap(), &mut &b""[..])
            .unwrap_err();
    assert_eq!(err.code(), "audit_chain_broken");
    server.stop();
}

#[test]
fn passwords_lockout_sessions_roles_and_csrf() {
    let server = TestServer::start();
    let url = server.url("/v1/session");
    let (status, body) = post_json(&url, &json!({ "name": "sanne", "password": "fout" }), None);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("credentials_invalid"))
    );
    let (status, body) = post_json(
        &url,
        &json!({ "name": "niemand", "password": "fout" }),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("credentials_invalid"))
    );

    // No session, and a handhaver's session, get no console.
    assert_eq!(
        get(&server.url("/v1/code"), None).1["code"],
        "not_signed_in"
    );
    assert_eq!(
        get(&server.url("/v1/code"), Some("bogus")).1["code"],
        "not_signed_in"
    );
    let kees = sign_in(&server, "kees");
    for path in ["/v1/code", "/v1/audit", "/v1/devices", "/v1/flags"] {
        let (status, body) = get(&server.url(path), Some(&kees));
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden_role")),
            "{path}"
        );
    }
    let (status, _) = post_json(
        &server.url("/v1/code"),
        &json!({ "code": "rood", "reason": "x" }),
        Some(&kees),
    );
    assert_eq!(status, 403);

    // Cookie sessions need the CSRF token to change anything.
    let resp = agent()
        .post(&url)
        .header("content-type", "application/json")
        .send(
            json!({ "name": "sanne", "password": PASSWORD })
                .to_string()
                .as_bytes(),
        )
        .unwrap();
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let session: Value = serde_json::from_reader(resp.into_body().into_reader()).unwrap();
    let cookie = format!("veldwerk_session={}", session["token"].as_str().unwrap());
    let body = json!({ "code": "oranje", "reason": "Besmettingen stijgen" }).to_string();
    let (status, resp) = answer(
        agent()
            .post(&server.url("/v1/code"))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .send(body.as_bytes()),
    );
    assert_eq!(
        (status, resp["code"].as_str()),
        (403, Some("csrf_token_invalid"))
    );
    let (status, resp) = answer(
        agent()
            .post(&server.url("/v1/code"))
            .header("cookie", &cookie)
            .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
            .header("content-type", "application/json")
            .send(body.as_bytes()),
    );
    assert_eq!((status, resp["code"].as_str()), (200, Some("oranje")));

    // Signing out ends the session.
    let token = session["token"].as_str().unwrap();
    let (status, _) = answer(
        agent()
            .delete(&url)
            .header("authorization", &format!("Bearer {token}"))
            .call(),
    );
    assert_eq!(status, 204);
    assert_eq!(
        get(&server.url("/v1/code"), Some(token)).1["code"],
        "not_signed_in"
    );

    // Three failures in a row lock the account, even for the right password.
    for _ in 0..2 {
        let (status, _) = post_json(&url, &json!({ "name": "sanne", "password": "fout" }), None);
        assert_eq!(status, 401);
    }
    let (status, body) = post_json(&url, &json!({ "name": "sanne", "password": "fout" }), None);
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("account_locked"))
    );
    let (status, body) = post_json(
        &url,
        &json!({ "name": "sanne", "password": PASSWORD }),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("account_locked"))
    );
    server.stop();
}

#[test]
fn flags_are_listed_and_resolved_once() {
    let server = TestServer::start();
    let device = enroll(&server, &server.enroll_code("piet"));
    let id = server
        .db
        .with(|c| {
            flags::raise(
                c,
                &flags::NewFlag {
                    device_id: device.id.clone(),
                    zaak_id: "Z-2026-0001".into(),
                    entry_ref: "entry-7".into(),
                    actie: "spreekkamer".into(),
                    recorded_at: now() - 3600,
                    code_known: Some("oranje".into()),
                    policy_version_known: 1,
                    code_active: "rood".into(),
                },
                now(),
            )
        })
        .unwrap();
    let token = sign_in(&server, "sanne");
    let (_, list) = get(&server.url("/v1/flags"), Some(&token));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        (list[0]["actie"].as_str(), list[0]["code_active"].as_str()),
        (Some("spreekkamer"), Some("rood"))
    );

    let resolve = server.url(&format!("/v1/flags/{id}/resolve"));
    let (status, body) = post_json(&resolve, &json!({ "resolution": "" }), Some(&token));
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("resolution_required"))
    );
    let (status, body) = post_json(
        &resolve,
        &json!({ "resolution": "Besproken met handhaver" }),
        Some(&token),
    );
    assert_eq!((status, body["resolved_by"].as_str()), (200, Some("sanne")));
    let (status, body) = post_json(&resolve, &json!({ "resolution": "nogmaals" }), Some(&token));
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("flag_already_resolved"))
    );
    let (status, body) = post_json(
        &server.url("/v1/flags/x/resolve"),
        &json!({ "resolution": "x" }),
        Some(&token),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("flag_not_found"))
    );

    assert_eq!(
        get(&server.url("/v1/flags"), Some(&token))
            .1
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (_, all) = get(&server.url("/v1/flags?all=true"), Some(&token));
    assert_eq!(all[0]["resolution"], "Besproken met handhaver");
    server.stop();
}

#[test]
fn health_openapi_and_unknown_routes() {
    let server = TestServer::start();
    assert_eq!(
        get(&server.url("/healthz"), None),
        (200, json!({ "status": "ok" }))
    );
    let (status, doc) = get(&server.url("/v1/openapi.json"), None);
    assert_eq!(status, 200);
    assert!(doc["paths"]["/v1/enroll"]["post"].is_object());
    let (status, body) = get(&server.url("/v1/nope"), None);
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    server.stop();
}

#[test]
fn shutdown_lets_a_request_in_flight_finish() {
    use std::io::Write;
    let mut server = TestServer::start();
    let mut conn = std::net::TcpStream::connect(server.running.addr).unwrap();
    let key = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let key = Ed25519KeyPair::from_pkcs8(key.as_ref()).unwrap();
    let body = json!({ "code": "AAAA-BBBB-CCCC", "public_key": hex::encode(key.public_key()) })
        .to_string();
    let head = format!(
        "POST /v1/enroll HTTP/1.1\r\nhost: veldwerk\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    // Half a request: the server is now waiting for the rest of the body.
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body.as_bytes()[..10]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    server.running.signal_stop();
    std::thread::sleep(std::time::Duration::from_millis(100));
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("enroll_code_invalid"));
    server.stop();
}

/// The router serves exactly the routes of the API contract (`veldwerk_contract::api::ROUTES`,
/// which the OpenAPI test compares with `/v1/openapi.json`): every listed (method, path) reaches
/// a handler, every other method on those paths is 405.
#[test]
fn the_router_serves_exactly_the_contract_routes() {
    use veldwerk_contract::api::{Method, ROUTES};
    let server = TestServer::start();
    let all = [Method::Get, Method::Post, Method::Put, Method::Delete];
    for route in ROUTES {
        let path = route
            .path
            .replace("{id}", "1")
            .replace("{zaak_id}", "Z-1")
            .replace("{sha256}", &"0".repeat(64));
        let url = server.url(&path);
        for method in all {
            let request = ureq::http::Request::builder()
                .method(method.as_str().to_uppercase().as_str())
                .uri(&url)
                .body(())
                .unwrap();
            let (status, body) = answer(agent().run(request));
            let listed = ROUTES
                .iter()
                .any(|r| r.path == route.path && r.method == method);
            if listed {
                assert_ne!(status, 405, "{method:?} {}", route.path);
                assert_ne!(body["code"], "not_found", "{method:?} {}", route.path);
            } else {
                assert_eq!(status, 405, "{method:?} {} is routed", route.path);
            }
        }
    }
    server.stop();
}

#[test]
fn signals_are_registered_assessed_and_listed_through_the_api() {
    let server = TestServer::start();
    let token = sign_in(&server, "sanne");
    let (status, soorten) = get(&server.url("/v1/signaalsoorten"), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(soorten.as_array().unwrap().len(), 35);
    assert_eq!(get(&server.url("/v1/werkvoorraad"), None).0, 401);

    // seed 001 bijlage 1, Gezinssituatie, "Overlijden alleenstaande": binnen zes weken.
    let (status, s) = post_json(
        &server.url("/v1/signalen"),
        &json!({ "soort": "overlijden_alleenstaande", "ontvangen": "2020-03-02", "client": "K-9", "team": "Noord" }),
        Some(&token),
    );
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["deadline"], "2020-04-13");
    let (status, e) = post_json(
        &server.url("/v1/signalen"),
        &json!({ "soort": "x", "ontvangen": "2020-03-02" }),
        Some(&token),
    );
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("signaal_soort_unknown"))
    );

    let (status, items) = get(&server.url("/v1/werkvoorraad?team=Noord"), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(items[0]["id"], s["id"].to_string());
    assert_eq!(items[0]["te_laat"], true);

    let url = server.url(&format!("/v1/signalen/{}/beoordeling", s["id"]));
    let (status, e) = post_json(
        &url,
        &json!({ "soort": "geen_actie", "reden": "" }),
        Some(&token),
    );
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("signaal_reden_missing"))
    );
    let (status, done) = post_json(&url, &json!({ "soort": "schriftelijk" }), Some(&token));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["beoordeling"]["soort"], "schriftelijk");
    assert_eq!(
        post_json(&url, &json!({ "soort": "mondeling" }), Some(&token)).0,
        409
    );
    let (_, items) = get(&server.url("/v1/werkvoorraad"), Some(&token));
    assert_eq!(items.as_array().unwrap().len(), 0);
    server.stop();
}
