//! User management in the console (issue 14, item 6) over real HTTP, as a browser uses it:
//! admins add, disable, enable, reset and change roles; everyone else is refused; a disabled
//! user cannot sign in and their devices are refused at sync without being wiped.

mod common;

use std::io::Read;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use veldwerk_contract::auth::sign_request_now;
use veldwerk_server::db::now;
use veldwerk_server::users::{self, Role};
use veldwerk_server::{audit, devices};

use common::{TestServer, PASSWORD};

struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
    no_store: bool,
    set_cookies: Vec<String>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.unwrap();
    let mut body = String::new();
    r.body_mut().as_reader().read_to_string(&mut body).unwrap();
    let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    Answer {
        status: r.status().as_u16(),
        location: header("location"),
        no_store: header("cache-control").is_some_and(|v| v.contains("no-store")),
        set_cookies: r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect(),
        body,
    }
}

fn get(server: &TestServer, path: &str, cookie: &str) -> Answer {
    let mut req = agent().get(server.url(path));
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    answer(req.call())
}

fn post(server: &TestServer, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Answer {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = agent()
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    answer(req.send(body.as_bytes()))
}

/// The text of the first element after `marker` up to the next `<`.
fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"))
        + marker.len();
    let rest = &html[at..];
    &rest[..rest.find('<').unwrap()]
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let rest = &html[html.find(marker).unwrap() + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn cookie_pair(a: &Answer, name: &str) -> Option<String> {
    a.set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// Posts the sign-in form; the answer (303 with a session cookie on success).
fn try_sign_in(server: &TestServer, name: &str, password: &str) -> Answer {
    let form = get(server, "/aanmelden", "");
    let login_cookie = cookie_pair(&form, "veldwerk_login_csrf").unwrap();
    post(
        server,
        "/aanmelden",
        &login_cookie,
        &[
            ("name", name),
            ("password", password),
            ("csrf_token", &csrf_of(&form.body)),
        ],
    )
}

/// The session cookie and the console's CSRF token.
fn sign_in(server: &TestServer, name: &str, password: &str) -> (String, String) {
    let a = try_sign_in(server, name, password);
    assert_eq!(a.status, 303, "{name}: {}", a.body);
    let session = cookie_pair(&a, "veldwerk_session").unwrap();
    let page = get(server, "/", &session);
    assert_eq!(page.status, 200);
    (session, csrf_of(&page.body))
}

/// Admin `ada`, supervisor `sanne`, handhaver `piet` (devices only).
fn start() -> TestServer {
    TestServer::start_with(
        &[
            ("ada", Role::Admin, true),
            ("sanne", Role::Supervisor, true),
            ("piet", Role::Handhaver, false),
        ],
        |s| s.login_max_failures = 3,
    )
}

fn enroll_device(server: &TestServer, user: &str) -> (Ed25519KeyPair, devices::Device) {
    let key = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let key = Ed25519KeyPair::from_pkcs8(key.as_ref()).unwrap();
    let device = server
        .db
        .write(|tx| {
            let code = devices::issue_enroll_code(tx, user, 3600, "test", now())?;
            devices::enroll(tx, &code, key.public_key().as_ref(), now())
        })
        .unwrap();
    (key, device)
}

/// A signed `GET /v1/policy` from a device, as its sync starts.
fn device_request(server: &TestServer, key: &Ed25519KeyPair, device: &str) -> Answer {
    let auth = sign_request_now(key, device, "GET", "/v1/policy", b"").unwrap();
    let mut req = agent().get(server.url("/v1/policy"));
    for (k, v) in auth.headers() {
        req = req.header(k, &v);
    }
    answer(req.call())
}

fn actions(server: &TestServer) -> Vec<String> {
    server
        .db
        .with(|c| audit::recent(c, 100))
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

/// Only an admin sees and uses `/gebruikers`; a supervisor is refused, page and forms.
#[test]
fn only_admins_manage_users() {
    let server = start();
    let (sanne, sanne_csrf) = sign_in(&server, "sanne", PASSWORD);
    let page = get(&server, "/gebruikers", &sanne);
    assert_eq!(page.status, 403);
    assert!(page.body.contains("forbidden_role"));
    assert!(!get(&server, "/", &sanne)
        .body
        .contains("href=\"/gebruikers\""));
    for (path, fields) in [
        ("/gebruikers", vec![("name", "x1"), ("role", "handhaver")]),
        ("/gebruikers/piet/uitschakelen", vec![]),
        ("/gebruikers/piet/wachtwoord", vec![]),
        ("/gebruikers/piet/rol", vec![("role", "admin")]),
    ] {
        let mut f = fields.clone();
        f.push(("csrf_token", &sanne_csrf));
        let a = post(&server, path, &sanne, &f);
        assert_eq!(a.status, 403, "{path}");
        assert!(a.body.contains("forbidden_role"), "{path}");
    }
    assert_eq!(
        server
            .db
            .with(|c| users::find_user(c, "x1"))
            .unwrap_err()
            .code(),
        "user_not_found"
    );
    // Without a valid CSRF token an admin's form is refused too.
    let (ada, _) = sign_in(&server, "ada", PASSWORD);
    let a = post(
        &server,
        "/gebruikers/piet/uitschakelen",
        &ada,
        &[("csrf_token", "fout")],
    );
    assert_eq!(a.status, 403);
    assert!(a.body.contains("csrf_token_invalid"));
}

/// The list in Dutch: roles, status, devices with the right plural, last sign-in.
#[test]
fn the_list_shows_roles_status_devices_and_last_sign_in() {
    let server = start();
    enroll_device(&server, "piet");
    let (ada, _) = sign_in(&server, "ada", PASSWORD);
    let home = get(&server, "/", &ada);
    assert!(
        home.body.contains("href=\"/gebruikers\""),
        "admins see the link"
    );
    let page = get(&server, "/gebruikers", &ada);
    assert_eq!(page.status, 200, "{}", page.body);
    let row = |name: &str| {
        let b = &page.body;
        let at = b.find(&format!("id=\"gebruiker-{name}\"")).unwrap();
        b[at..at + b[at..].find("</tr>").unwrap()].to_owned()
    };
    let piet = row("piet");
    assert!(
        piet.contains("<td>handhaver</td>") && piet.contains("1 apparaat<"),
        "{piet}"
    );
    assert!(
        piet.contains("nog niet bekend") && piet.contains("Actief"),
        "{piet}"
    );
    let sanne = row("sanne");
    assert!(
        sanne.contains("0 apparaten") && sanne.contains("supervisor"),
        "{sanne}"
    );
    let me = row("ada");
    assert!(me.contains("beheerder") && me.contains("(uzelf)"), "{me}");
    assert!(!me.contains("nog niet bekend"), "ada just signed in: {me}");
    assert!(!me.contains("uitschakelen"), "no disabling oneself: {me}");
    assert!(page.body.contains("3 gebruikers, waarvan 3 actief"));
}

/// Adding a supervisor without a password generates one, shown once; it signs in.
#[test]
fn an_added_user_gets_a_password_shown_once() {
    let server = start();
    let (ada, csrf) = sign_in(&server, "ada", PASSWORD);
    let a = post(
        &server,
        "/gebruikers",
        &ada,
        &[
            ("csrf_token", &csrf),
            ("name", "joke"),
            ("role", "supervisor"),
            ("password", ""),
        ],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.no_store, "a password page is never cached");
    assert!(a
        .body
        .contains("Gebruiker joke is toegevoegd als supervisor."));
    let password = after(&a.body, "<output id=\"nieuw-wachtwoord\">").to_owned();
    assert!(password.len() >= 12, "{password}");
    assert!(
        !get(&server, "/gebruikers", &ada).body.contains(&password),
        "shown once"
    );
    sign_in(&server, "joke", &password);
    // A handhaver needs none; a refused name shows the reason with its code.
    let h = post(
        &server,
        "/gebruikers",
        &ada,
        &[
            ("csrf_token", &csrf),
            ("name", "kees"),
            ("role", "handhaver"),
        ],
    );
    assert!(h.body.contains("toegevoegd als handhaver") && !h.body.contains("nieuw-wachtwoord"));
    let bad = post(
        &server,
        "/gebruikers",
        &ada,
        &[
            ("csrf_token", &csrf),
            ("name", "a b"),
            ("role", "handhaver"),
        ],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("user_name_invalid"));
    let taken = post(
        &server,
        "/gebruikers",
        &ada,
        &[
            ("csrf_token", &csrf),
            ("name", "kees"),
            ("role", "handhaver"),
        ],
    );
    assert_eq!(taken.status, 409);
    assert!(taken.body.contains("user_exists"));
    assert!(
        actions(&server)
            .iter()
            .filter(|a| *a == "user_added")
            .count()
            >= 5
    );
}

/// Disabling: the user's session ends, the right password opens none, the device is refused
/// at sync with `user_disabled` and no wipe, keeps its row; enabling lets both in again.
#[test]
fn a_disabled_user_cannot_sign_in_and_their_devices_are_refused_unwiped() {
    let server = start();
    let (key, device) = enroll_device(&server, "piet");
    assert_eq!(device_request(&server, &key, &device.id).status, 200);
    let (ada, csrf) = sign_in(&server, "ada", PASSWORD);
    let (sanne, _) = sign_in(&server, "sanne", PASSWORD);

    for name in ["sanne", "piet"] {
        let a = post(
            &server,
            &format!("/gebruikers/{name}/uitschakelen"),
            &ada,
            &[("csrf_token", &csrf)],
        );
        assert_eq!(
            (a.status, a.location.as_deref()),
            (303, Some("/gebruikers?gelukt=user_disabled")),
            "{}",
            a.body
        );
    }
    let flash = get(&server, "/gebruikers?gelukt=user_disabled", &ada);
    assert!(flash.body.contains("De gebruiker is uitgeschakeld"));
    assert!(flash.body.contains("Uitgeschakeld"));

    let old = get(&server, "/", &sanne);
    assert_eq!(
        (old.status, old.location.as_deref()),
        (303, Some("/aanmelden")),
        "session ended"
    );
    let again = try_sign_in(&server, "sanne", PASSWORD);
    assert_eq!(again.status, 403, "{}", again.body);
    assert!(again.body.contains("account_disabled"));
    assert!(cookie_pair(&again, "veldwerk_session").is_none());
    let wrong = try_sign_in(&server, "sanne", "fout wachtwoord!!");
    assert!(
        wrong.body.contains("credentials_invalid"),
        "a wrong password learns nothing"
    );

    let refused = device_request(&server, &key, &device.id);
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("user_disabled"), "{}", refused.body);
    assert!(
        !refused.body.contains("wipe"),
        "not told to wipe: {}",
        refused.body
    );
    assert!(
        !get(&server, "/koppelcodes", &ada)
            .body
            .contains("<option value=\"piet\">"),
        "no new device for a disabled handhaver"
    );
    let kept = server
        .db
        .with(|c| devices::get(c, &device.id))
        .unwrap()
        .unwrap();
    assert_eq!(kept.revoked_at, None, "disabling does not revoke");

    let self_off = post(
        &server,
        "/gebruikers/ada/uitschakelen",
        &ada,
        &[("csrf_token", &csrf)],
    );
    assert_eq!(self_off.status, 409);
    assert!(self_off.body.contains("user_self_change_refused"));

    for name in ["sanne", "piet"] {
        let a = post(
            &server,
            &format!("/gebruikers/{name}/inschakelen"),
            &ada,
            &[("csrf_token", &csrf)],
        );
        assert_eq!(
            a.location.as_deref(),
            Some("/gebruikers?gelukt=user_enabled")
        );
    }
    sign_in(&server, "sanne", PASSWORD);
    assert_eq!(device_request(&server, &key, &device.id).status, 200);
    assert!(get(&server, "/koppelcodes", &ada)
        .body
        .contains("<option value=\"piet\">"));
    let a = actions(&server);
    assert!(a.contains(&"user_disabled".to_owned()) && a.contains(&"user_enabled".to_owned()));
    let history = get(&server, "/geschiedenis", &ada);
    assert!(
        history.body.contains("Gebruiker sanne uitgeschakeld"),
        "{}",
        history.body
    );
    assert!(history.body.contains("Gebruiker piet weer ingeschakeld"));
    assert!(
        !history.body.contains("{&quot;"),
        "no raw JSON in the history"
    );
}

/// A reset: a new password shown once, the old one refused, the new one works, the user's
/// sessions end and a lockout is lifted.
#[test]
fn a_password_reset_ends_sessions_lifts_the_lockout_and_replaces_the_password() {
    let server = start();
    let (ada, csrf) = sign_in(&server, "ada", PASSWORD);
    let (sanne, _) = sign_in(&server, "sanne", PASSWORD);
    for _ in 0..4 {
        try_sign_in(&server, "sanne", "fout wachtwoord!!");
    }
    let locked = try_sign_in(&server, "sanne", PASSWORD);
    assert!(locked.body.contains("account_locked"), "{}", locked.body);
    assert!(get(&server, "/gebruikers", &ada)
        .body
        .contains("Geblokkeerd"));

    let a = post(
        &server,
        "/gebruikers/sanne/wachtwoord",
        &ada,
        &[("csrf_token", &csrf)],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.no_store);
    let password = after(&a.body, "<output id=\"nieuw-wachtwoord\">").to_owned();
    assert_ne!(password, PASSWORD);
    assert_eq!(
        get(&server, "/", &sanne).status,
        303,
        "the old session ended"
    );
    let old = try_sign_in(&server, "sanne", PASSWORD);
    assert!(old.body.contains("credentials_invalid"), "{}", old.body);
    sign_in(&server, "sanne", &password);
    assert!(actions(&server).contains(&"user_password_reset".to_owned()));
    let unknown = post(
        &server,
        "/gebruikers/niemand/wachtwoord",
        &ada,
        &[("csrf_token", &csrf)],
    );
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("user_not_found"));
}

/// A role change holds from the next sign-in; a console role needs a password.
#[test]
fn a_role_change_ends_sessions_and_needs_a_password_for_the_console() {
    let server = start();
    let (ada, csrf) = sign_in(&server, "ada", PASSWORD);
    let (sanne, _) = sign_in(&server, "sanne", PASSWORD);
    let a = post(
        &server,
        "/gebruikers/sanne/rol",
        &ada,
        &[("csrf_token", &csrf), ("role", "handhaver")],
    );
    assert_eq!(
        a.location.as_deref(),
        Some("/gebruikers?gelukt=user_role_changed"),
        "{}",
        a.body
    );
    assert_eq!(get(&server, "/", &sanne).status, 303, "session ended");
    let now_handhaver = try_sign_in(&server, "sanne", PASSWORD);
    assert_eq!(now_handhaver.status, 403);
    assert!(now_handhaver.body.contains("forbidden_role"));
    assert_eq!(
        server
            .db
            .with(|c| users::find_user(c, "sanne"))
            .unwrap()
            .role,
        Role::Handhaver
    );

    let no_password = post(
        &server,
        "/gebruikers/piet/rol",
        &ada,
        &[("csrf_token", &csrf), ("role", "supervisor")],
    );
    assert_eq!(no_password.status, 400);
    assert!(no_password.body.contains("password_required"));
    let unknown_role = post(
        &server,
        "/gebruikers/piet/rol",
        &ada,
        &[("csrf_token", &csrf), ("role", "baas")],
    );
    assert!(unknown_role.body.contains("role_unknown"));
    let own = post(
        &server,
        "/gebruikers/ada/rol",
        &ada,
        &[("csrf_token", &csrf), ("role", "supervisor")],
    );
    assert!(own.body.contains("user_self_change_refused"));

    let up = post(
        &server,
        "/gebruikers/sanne/rol",
        &ada,
        &[("csrf_token", &csrf), ("role", "admin")],
    );
    assert_eq!(up.status, 303);
    let (sanne, _) = sign_in(&server, "sanne", PASSWORD);
    assert_eq!(
        get(&server, "/gebruikers", &sanne).status,
        200,
        "now an admin"
    );
    let history = get(&server, "/geschiedenis", &ada);
    assert!(history
        .body
        .contains("Rol van sanne gewijzigd van supervisor naar handhaver"));
    assert!(history
        .body
        .contains("Rol van sanne gewijzigd van handhaver naar beheerder"));
}

/// Issue 14, item 6: the Koppelcodes page prints the whole enroll command, `--server`
/// included: the request's host by default, the `public_url` setting when set.
#[test]
fn the_enroll_command_names_the_server() {
    let server = start();
    let (ada, csrf) = sign_in(&server, "ada", PASSWORD);
    let a = post(
        &server,
        "/koppelcodes",
        &ada,
        &[("csrf_token", &csrf), ("user", "piet")],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let code = after(&a.body, "<output id=\"koppelcode\">");
    let command = after(&a.body, "<code id=\"koppelcommando\">");
    assert_eq!(
        command,
        format!(
            "veldwerk --data-dir ./apparaat enroll --server http://{} --code {code}",
            server.running.addr
        )
    );

    let public = TestServer::start_with(
        &[("ada", Role::Admin, true), ("piet", Role::Handhaver, false)],
        |s| s.public_url = Some("https://veldwerk.gemeente.example/".into()),
    );
    let (ada, csrf) = sign_in(&public, "ada", PASSWORD);
    let a = post(
        &public,
        "/koppelcodes",
        &ada,
        &[("csrf_token", &csrf), ("user", "piet")],
    );
    let command = after(&a.body, "<code id=\"koppelcommando\">");
    assert!(
        command.starts_with("veldwerk --data-dir ./apparaat enroll --server https://veldwerk.gemeente.example --code "),
        "{command}"
    );
}
