//! The supervisor console over real HTTP on a random loopback port, as a browser uses it:
//! form posts with cookies, CSRF tokens taken from the pages, no redirects followed.

mod common;

use std::io::Read;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use veldwerk_contract::auth::sign_request_now;
use veldwerk_rules::routekaart::Code;
use veldwerk_server::db::now;
use veldwerk_server::users::Role;
use veldwerk_server::{audit, devices, policy};

use common::{TestServer, PASSWORD};

impl TestServer {
    /// Supervisor `sanne`, handhaver `piet` (devices only) and handhaver `kees` with a
    /// password (who must get no console).
    fn start() -> TestServer {
        TestServer::start_with(
            &[
                ("sanne", Role::Supervisor, true),
                ("piet", Role::Handhaver, false),
                ("kees", Role::Handhaver, true),
            ],
            |s| s.login_max_failures = 3,
        )
    }

    fn active_code(&self) -> (Code, String) {
        let (_, signed) = self.db.with(policy::current).unwrap();
        let b = signed.verify(&self.org.public_key).unwrap();
        let d = b.active().unwrap();
        (d.code, d.reason.clone())
    }
}

struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
    frame_ancestors_none: bool,
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
    Answer {
        status: r.status().as_u16(),
        location: r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned()),
        frame_ancestors_none: r
            .headers()
            .get("content-security-policy")
            .is_some_and(|v| v.to_str().unwrap().contains("frame-ancestors 'none'")),
        set_cookies: r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect(),
        body,
    }
}

fn get(url: &str, cookie: &str) -> Answer {
    let mut req = agent().get(url);
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    answer(req.call())
}

fn post_form(url: &str, cookie: &str, fields: &[(&str, &str)]) -> Answer {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = agent()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    answer(req.send(body.as_bytes()))
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first hidden `csrf_token` field on a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// `name=value` of a Set-Cookie header for `name`.
fn cookie_pair(a: &Answer, name: &str) -> Option<String> {
    a.set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// Signs in through the form; returns the session cookie and the CSRF token of the console.
fn sign_in(server: &TestServer, name: &str) -> (String, String) {
    let form = get(&server.url("/aanmelden"), "");
    let login_cookie = cookie_pair(&form, "veldwerk_login_csrf").unwrap();
    let a = post_form(
        &server.url("/aanmelden"),
        &login_cookie,
        &[
            ("name", name),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&form.body)),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let session = cookie_pair(&a, "veldwerk_session").unwrap();
    let page = get(&server.url("/"), &session);
    assert_eq!(page.status, 200);
    (session, csrf_of(&page.body))
}

#[test]
fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it() {
    let server = TestServer::start();
    let a = get(&server.url("/"), "");
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/aanmelden")));

    let form = get(&server.url("/aanmelden"), "");
    assert!(form.body.contains("<html lang=\"nl\">"));
    assert!(form.frame_ancestors_none, "console pages are never framed");
    assert!(form
        .body
        .contains("<label for=\"password\">Wachtwoord</label>"));
    let login_cookie = cookie_pair(&form, "veldwerk_login_csrf").unwrap();
    let a = post_form(
        &server.url("/aanmelden"),
        &login_cookie,
        &[
            ("name", "sanne"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&form.body)),
        ],
    );
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/")));
    let set = a
        .set_cookies
        .iter()
        .find(|c| c.starts_with("veldwerk_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let session = cookie_pair(&a, "veldwerk_session").unwrap();

    let page = get(&server.url("/"), &session);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Code geel (waakzaam)"), "{}", page.body);
    assert!(page.body.contains("Startwaarde bij inrichting"));
    assert!(page.body.contains("Spreekkamergesprek"));
    for path in [
        "/geschiedenis",
        "/apparaten",
        "/signaleringen",
        "/zaken",
        "/zaken/nieuw",
        "/koppelcodes",
    ] {
        let p = get(&server.url(path), &session);
        assert_eq!(p.status, 200, "{path}: {}", p.body);
        assert!(p.body.contains("name=\"csrf_token\""), "{path}");
    }

    let csrf = csrf_of(&page.body);
    let out = post_form(&server.url("/afmelden"), &session, &[("csrf_token", &csrf)]);
    assert_eq!(out.status, 303);
    assert!(out
        .set_cookies
        .iter()
        .any(|c| c.starts_with("veldwerk_session=;") && c.contains("Max-Age=0")));
    let after = get(&server.url("/"), &session);
    assert_eq!(
        (after.status, after.location.as_deref()),
        (303, Some("/aanmelden"))
    );
}

#[test]
fn a_wrong_password_is_refused_and_repeated_ones_lock_the_account() {
    let server = TestServer::start();
    let form = get(&server.url("/aanmelden"), "");
    let login_cookie = cookie_pair(&form, "veldwerk_login_csrf").unwrap();
    let token = csrf_of(&form.body);
    let try_password = |password: &str| {
        post_form(
            &server.url("/aanmelden"),
            &login_cookie,
            &[
                ("name", "sanne"),
                ("password", password),
                ("csrf_token", &token),
            ],
        )
    };
    let a = try_password("fout wachtwoord");
    assert_eq!(a.status, 401);
    assert!(a.body.contains("Gebruikersnaam of wachtwoord klopt niet."));
    assert!(a.body.contains("credentials_invalid"));
    assert!(cookie_pair(&a, "veldwerk_session").is_none());
    try_password("fout wachtwoord");
    let locked = try_password("fout wachtwoord");
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("account_locked"));
    let still = try_password(PASSWORD);
    assert_eq!(still.status, 429, "locked, even with the right password");

    // A handhaver with a password gets no console.
    let a = post_form(
        &server.url("/aanmelden"),
        &login_cookie,
        &[
            ("name", "kees"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(a.status, 403);
    assert!(a.body.contains("forbidden_role"));
    assert!(cookie_pair(&a, "veldwerk_session").is_none());
    // Nor with a session opened through the API.
    let api = answer(
        agent()
            .post(&server.url("/v1/session"))
            .header("content-type", "application/json")
            .send(format!(r#"{{"name":"kees","password":"{PASSWORD}"}}"#).as_bytes()),
    );
    assert_eq!(api.status, 200);
    let cookie = cookie_pair(&api, "veldwerk_session").unwrap();
    let page = get(&server.url("/apparaten"), &cookie);
    assert_eq!(page.status, 403);
    assert!(page.body.contains("forbidden_role"));
}

#[test]
fn forms_without_a_valid_csrf_token_are_refused() {
    let server = TestServer::start();
    // Sign-in form: the token must match the cookie.
    let form = get(&server.url("/aanmelden"), "");
    let login_cookie = cookie_pair(&form, "veldwerk_login_csrf").unwrap();
    for (cookie, token) in [
        (login_cookie.as_str(), ""),
        (login_cookie.as_str(), "00112233445566778899aabbccddeeff"),
        ("", csrf_of(&form.body).as_str()),
    ] {
        let a = post_form(
            &server.url("/aanmelden"),
            cookie,
            &[
                ("name", "sanne"),
                ("password", PASSWORD),
                ("csrf_token", token),
            ],
        );
        assert_eq!(a.status, 403, "{}", a.body);
        assert!(a.body.contains("csrf_token_invalid"));
        assert!(cookie_pair(&a, "veldwerk_session").is_none());
    }

    let (session, csrf) = sign_in(&server, "sanne");
    let missing = post_form(
        &server.url("/code"),
        &session,
        &[("code", "rood"), ("reason", "Lockdown"), ("confirm", "ja")],
    );
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("csrf_token_invalid"));
    assert!(missing.body.contains("beveiligingstoken"));
    let wrong = post_form(
        &server.url("/code"),
        &session,
        &[
            ("csrf_token", &csrf.replace(|c: char| c != '0', "0")),
            ("code", "rood"),
            ("reason", "Lockdown"),
            ("confirm", "ja"),
        ],
    );
    assert_eq!(wrong.status, 403);
    assert_eq!(server.active_code().0, Code::Geel, "nothing switched");
    // Signing out needs the token too.
    let a = post_form(&server.url("/afmelden"), &session, &[]);
    assert_eq!(a.status, 403);
    assert_eq!(get(&server.url("/"), &session).status, 200);
}

#[test]
fn switching_the_code_shows_the_changes_asks_to_confirm_and_is_audited() {
    let server = TestServer::start();
    let (session, csrf) = sign_in(&server, "sanne");

    let no_reason = post_form(
        &server.url("/code/bevestigen"),
        &session,
        &[("csrf_token", &csrf), ("code", "rood"), ("reason", "  ")],
    );
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.body.contains("reason_required"));

    let preview = post_form(
        &server.url("/code/bevestigen"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("code", "rood"),
            ("reason", "Lockdown per besluit veiligheidsregio"),
        ],
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    let forbidden = &preview.body[preview.body.find("Wordt verboden (3)").unwrap()..];
    assert!(forbidden.contains("Spreekkamergesprek"));
    assert!(forbidden.contains("face-to-face gesprekken niet mogelijk"));
    assert!(forbidden.contains("face_to_face_not_possible"));
    assert!(preview.body.contains("name=\"confirm\" value=\"ja\""));
    assert_eq!(
        server.active_code().0,
        Code::Geel,
        "a preview changes nothing"
    );

    let unconfirmed = post_form(
        &server.url("/code"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("code", "rood"),
            ("reason", "Lockdown"),
        ],
    );
    assert_eq!(unconfirmed.status, 400);
    assert!(unconfirmed.body.contains("confirmation_required"));
    assert_eq!(server.active_code().0, Code::Geel);

    let switched = post_form(
        &server.url("/code"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("code", "rood"),
            ("reason", "Lockdown per besluit veiligheidsregio"),
            ("confirm", "ja"),
        ],
    );
    assert_eq!(
        (switched.status, switched.location.as_deref()),
        (303, Some("/?gelukt=code_switched"))
    );
    assert_eq!(
        server.active_code(),
        (Code::Rood, "Lockdown per besluit veiligheidsregio".into())
    );
    let rows = server.db.with(|c| audit::recent(c, 1)).unwrap();
    assert_eq!(
        (rows[0].action.as_str(), rows[0].actor.as_str()),
        ("code_switched", "sanne")
    );

    let page = get(&server.url("/?gelukt=code_switched"), &session);
    assert!(page.body.contains("De code is gewisseld."));
    assert!(page.body.contains("Code rood (zeer ernstig / lockdown)"));
    let history = get(&server.url("/geschiedenis"), &session);
    assert!(history.body.contains("Auditlog intact."));
    assert!(history.body.contains("audit_chain_intact"));
    assert!(history
        .body
        .contains("Lockdown per besluit veiligheidsregio"));

    // A tampered log shows as broken.
    server
        .db
        .with(|c| {
            c.execute(
                "UPDATE audit_log SET actor = 'iemand' WHERE action = 'code_switched' AND actor = 'sanne'",
                veldwerk_server::params![],
            )?;
            Ok(())
        })
        .unwrap();
    let history = get(&server.url("/geschiedenis"), &session);
    assert!(
        history.body.contains("audit_chain_broken"),
        "{}",
        history.body
    );
}

#[test]
fn revoking_a_device_asks_to_confirm_and_its_next_request_is_refused() {
    let server = TestServer::start();
    let key = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let device = server
        .db
        .write(|tx| {
            let code = devices::issue_enroll_code(tx, "piet", 3600, "test", now())?;
            devices::enroll(tx, &code, key.public_key().as_ref(), now())
        })
        .unwrap();
    let (session, csrf) = sign_in(&server, "sanne");
    let list = get(&server.url("/apparaten"), &session);
    assert!(list.body.contains(&device.id) && list.body.contains("piet"));
    assert!(
        list.body.contains("Verouderd"),
        "never synced: stale warning"
    );

    let confirm = get(
        &server.url(&format!("/apparaten/{}/intrekken", device.id)),
        &session,
    );
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Ja, trek dit apparaat in"));

    let url = server.url(&format!("/apparaten/{}/intrekken", device.id));
    assert_eq!(post_form(&url, &session, &[]).status, 403);
    assert!(server
        .db
        .with(|c| devices::get(c, &device.id))
        .unwrap()
        .unwrap()
        .revoked_at
        .is_none());
    let a = post_form(&url, &session, &[("csrf_token", &csrf)]);
    assert_eq!(
        (a.status, a.location.as_deref()),
        (303, Some("/apparaten?gelukt=device_revoked"))
    );
    let list = get(&server.url("/apparaten?gelukt=device_revoked"), &session);
    assert!(list.body.contains("Ingetrokken"));

    let auth = sign_request_now(&key, &device.id, "GET", "/v1/policy", b"").unwrap();
    let mut req = agent().get(server.url("/v1/policy"));
    for (k, v) in auth.headers() {
        req = req.header(k, &v);
    }
    let refused = answer(req.call());
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("device_revoked"));

    let unknown = post_form(
        &server.url("/apparaten/dev-onbekend/intrekken"),
        &session,
        &[("csrf_token", &csrf)],
    );
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("device_not_found"));
}

#[test]
fn zaken_enrollment_codes_and_flags_through_the_forms() {
    let server = TestServer::start();
    let (session, csrf) = sign_in(&server, "sanne");

    let refused = post_form(
        &server.url("/zaken"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("werkproces", "h2"),
            ("begindatum", "2026-11-20"),
            ("klantmanager", "J. de Vries"),
            ("motivatie", " "),
            ("label", "Woonsituatie"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("motivatie_ontbreekt"));
    assert!(refused.body.contains("value=\"J. de Vries\""), "form kept");

    let created = post_form(
        &server.url("/zaken"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("werkproces", "h6"),
            ("begindatum", "2026-11-20"),
            ("klantmanager", "C. Visser"),
            (
                "motivatie",
                "Het kadaster noemt een tweede eigenaar van de woning.",
            ),
            ("label", "Aanvraag Poort"),
            ("adres", "Havenkade 7"),
            ("deadline", "2026-12-04"),
            ("handhaver", "piet"),
        ],
    );
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("Z-2026-0001"));
    let list = get(&server.url("/zaken"), &session);
    assert!(list.body.contains("Aanvraag Poort") && list.body.contains("2026-12-04"));
    assert!(list.body.contains("<td>piet</td>"), "{}", list.body);

    let not_handhaver = post_form(
        &server.url("/zaken/toewijzen"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("zaak", "Z-2026-0001"),
            ("user", "sanne"),
        ],
    );
    assert_eq!(not_handhaver.status, 400);
    assert!(not_handhaver.body.contains("assign_not_handhaver"));
    let assigned = post_form(
        &server.url("/zaken/toewijzen"),
        &session,
        &[
            ("csrf_token", &csrf),
            ("zaak", "Z-2026-0001"),
            ("user", "kees"),
        ],
    );
    assert_eq!(assigned.status, 303);
    assert!(
        get(&server.url("/zaken"), &session)
            .body
            .contains("piet, kees")
            || get(&server.url("/zaken"), &session)
                .body
                .contains("kees, piet")
    );

    let issued = post_form(
        &server.url("/koppelcodes"),
        &session,
        &[("csrf_token", &csrf), ("user", "piet")],
    );
    assert_eq!(issued.status, 200);
    let at = issued.body.find("<output id=\"koppelcode\">").unwrap() + 24;
    let code = &issued.body[at..at + 14];
    let device = server
        .db
        .write(|tx| {
            let key = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
            let key = Ed25519KeyPair::from_pkcs8(key.as_ref()).unwrap();
            devices::enroll(tx, code, key.public_key().as_ref(), now())
        })
        .unwrap();
    assert_eq!(device.user, "piet");
    assert!(
        !get(&server.url("/koppelcodes"), &session)
            .body
            .contains(code),
        "shown once"
    );

    let flag = server
        .db
        .write(|tx| {
            veldwerk_server::flags::raise(
                tx,
                &veldwerk_server::flags::NewFlag {
                    device_id: device.id.clone(),
                    zaak_id: "Z-2026-0001".into(),
                    entry_ref: "e1".into(),
                    actie: "spreekkamer".into(),
                    recorded_at: now(),
                    code_known: Some("geel".into()),
                    policy_version_known: 1,
                    code_active: "rood".into(),
                },
                now(),
            )
        })
        .unwrap();
    let page = get(&server.url("/signaleringen"), &session);
    assert!(page.body.contains(&format!("Signalering {flag}")));
    let url = server.url(&format!("/signaleringen/{flag}/afhandelen"));
    let empty = post_form(&url, &session, &[("csrf_token", &csrf), ("resolution", "")]);
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("resolution_required"));
    let ok = post_form(
        &url,
        &session,
        &[
            ("csrf_token", &csrf),
            ("resolution", "Besproken met piet; gesprek was telefonisch."),
        ],
    );
    assert_eq!(ok.status, 303);
    let page = get(&server.url("/signaleringen"), &session);
    assert!(page.body.contains("Er zijn geen open signaleringen."));
}

#[test]
fn a_report_through_melden_becomes_a_tip_with_its_deadline_on_the_worklist() {
    let server = TestServer::start();
    // No sign-in: the form is public (seed 002 §6: digitaal melden via een webformulier).
    let form = get(&server.url("/melden"), "");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("lang=\"nl\"") && form.body.contains("<label for=\"wat\""));
    let empty = post_form(&server.url("/melden"), "", &[("wat", " ")]);
    assert_eq!(empty.status, 422);
    let too_long = "x".repeat(veldwerk_server::signalen::MAX_FEITEN_CHARS + 1);
    assert_eq!(
        post_form(&server.url("/melden"), "", &[("wat", &too_long)]).status,
        422
    );
    let ok = post_form(
        &server.url("/melden"),
        "",
        &[
            ("wat", "Er woont al maanden een tweede volwassene"),
            ("wie", "Dorpsstraat 1"),
        ],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Uw melding is ontvangen"));

    let open = server.db.read(veldwerk_server::signalen::open).unwrap();
    assert_eq!(open.len(), 1);
    let tip = &open[0];
    // seed 001 bijlage 1, "Tip/informatie door derde": binnen twee weken beoordelen.
    assert_eq!(tip.soort, "tip_derde");
    assert!(tip.anoniem);
    assert_eq!(
        tip.deadline,
        Some(tip.ontvangen + chrono::Duration::days(14))
    );

    // An old signal is overdue on the worklist.
    server
        .db
        .write(|tx| {
            let new = veldwerk_server::signalen::NewSignaal {
                soort: "beslag".into(),
                ontvangen: chrono::NaiveDate::from_ymd_opt(2020, 1, 6),
                team: "Noord".into(),
                ..Default::default()
            };
            veldwerk_server::signalen::register(tx, &new, "test", now())
        })
        .unwrap();
    let (session, _) = sign_in(&server, "sanne");
    let page = get(&server.url("/werkvoorraad"), &session);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "{}", page.body);
    assert_eq!(
        page.body.matches("<tr class=\"te-laat\"").count(),
        1,
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&tip.deadline.unwrap().format("%d-%m-%Y").to_string()));
    let noord = get(&server.url("/werkvoorraad?team=Noord"), &session);
    assert!(
        !noord.body.contains("Tip/informatie door derde")
            && noord.body.contains("Beslag (administratie)")
    );
    assert_eq!(get(&server.url("/werkvoorraad"), "").status, 303);

    // Rate-limited per address: 3 posts so far, the limit is 5 a minute.
    let mut last = 0;
    for _ in 0..4 {
        last = post_form(&server.url("/melden"), "", &[("wat", "nog een")]).status;
    }
    assert_eq!(last, 429);
    server.stop();
}

/// The office registers a signal (seed 001 bijlage 1) through the console, sees its deadline,
/// assesses it (geen actie needs a reason) or makes it a melding handhaving (seed 000) whose
/// zaak keeps the signal and takes its termijn. Hostile input gets a Dutch refusal.
#[test]
fn signals_are_registered_assessed_and_made_into_a_zaak_through_the_console() {
    let server = TestServer::start();
    let (session, csrf) = sign_in(&server, "sanne");
    let form = get(&server.url("/signalen"), &session);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<label for=\"soort\"") && form.body.contains("Verhuizing"));
    assert_eq!(
        get(&server.url("/signalen"), "").status,
        303,
        "signed in only"
    );

    let post = |path: &str, fields: &[(&str, &str)]| {
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        post_form(&server.url(path), &session, &all)
    };
    // Refused input comes back with its code and the form still filled in.
    let bad_date = post(
        "/signalen",
        &[
            ("soort", "beslag"),
            ("ontvangen", "31-12-2026"),
            ("client", "K-77"),
        ],
    );
    assert_eq!(bad_date.status, 422, "{}", bad_date.body);
    assert!(
        bad_date.body.contains("signaal_ontvangen_invalid")
            && bad_date.body.contains("value=\"K-77\"")
    );
    let unknown = post(
        "/signalen",
        &[("soort", "<script>"), ("ontvangen", "2026-11-02")],
    );
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("signaal_soort_unknown") && !unknown.body.contains("<script>"));
    let control = post(
        "/signalen",
        &[
            ("soort", "beslag"),
            ("ontvangen", "2026-11-02"),
            ("client", "K\u{1b}[2J"),
        ],
    );
    assert_eq!(control.status, 422);
    assert!(control.body.contains("signaal_text_invalid"));
    let huge = "x".repeat(veldwerk_server::signalen::MAX_FEITEN_CHARS + 1);
    assert_eq!(
        post(
            "/signalen",
            &[
                ("soort", "beslag"),
                ("ontvangen", "2026-11-02"),
                ("feiten", &huge)
            ]
        )
        .status,
        422
    );
    let without_csrf = post_form(
        &server.url("/signalen"),
        &session,
        &[("soort", "beslag"), ("ontvangen", "2026-11-02")],
    );
    assert_eq!(without_csrf.status, 403);

    // Seed 001 bijlage 1, "Verhuizing": binnen vier weken.
    let registered = post(
        "/signalen",
        &[
            ("soort", "verhuizing"),
            ("kanaal", "bestandsvergelijking"),
            ("ontvangen", "2026-11-02"),
            ("client", "K-1001"),
            ("feiten", "De BRP meldt een nieuw adres."),
            ("handhaver", "piet"),
        ],
    );
    assert_eq!(registered.status, 303, "{}", registered.body);
    let location = registered.location.clone().unwrap();
    assert!(location.starts_with("/signalen/"), "{location}");
    let shown = get(&server.url(&location), &session);
    assert!(
        shown.body.contains("Het signaal is geregistreerd"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("30-11-2026") && shown.body.contains("binnen 4 weken na ontvangst")
    );
    let id = location
        .trim_start_matches("/signalen/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // Geen actie needs a reason; an assessment is made once.
    let no_reason = post(
        &format!("/signalen/{id}/beoordeling"),
        &[("beoordeling", "geen_actie")],
    );
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("signaal_reden_missing"));
    let no_choice = post(
        &format!("/signalen/{id}/beoordeling"),
        &[("beoordeling", "iets")],
    );
    assert_eq!(no_choice.status, 422);
    let assessed = post(
        &format!("/signalen/{id}/beoordeling"),
        &[
            ("beoordeling", "geen_actie"),
            ("reden", "Het nieuwe adres is al verwerkt."),
        ],
    );
    assert_eq!(assessed.status, 303, "{}", assessed.body);
    let twice = post(
        &format!("/signalen/{id}/beoordeling"),
        &[("beoordeling", "schriftelijk")],
    );
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("signaal_assessed"));
    assert_eq!(get(&server.url("/signalen/abc"), &session).status, 404);
    assert_eq!(get(&server.url("/signalen/99999"), &session).status, 404);

    // A tip becomes a melding handhaving: the zaak keeps it and takes its termijn.
    let tip = post(
        "/signalen",
        &[
            ("soort", "tip_derde"),
            ("kanaal", "telefoon"),
            ("ontvangen", "2026-11-02"),
            ("feiten", "Buurman belt: er woont een tweede volwassene."),
            ("melder_contact", "06-12345678"),
            ("team", "Zuid"),
        ],
    );
    assert_eq!(tip.status, 303);
    let tip_path = tip.location.unwrap();
    let tip_id = tip_path
        .trim_start_matches("/signalen/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let made = post(
        &format!("/signalen/{tip_id}/melding"),
        &[
            ("werkproces", "h2"),
            ("begindatum", "2026-11-03"),
            ("klantmanager", "J. de Vries"),
            (
                "motivatie",
                "Een melder op naam noemt een tweede volwassene op het adres.",
            ),
            ("label", "Woonsituatie K-1002"),
            ("handhaver", "piet"),
        ],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("Melding aangemaakt"));
    let zaak = server
        .db
        .read(|tx| veldwerk_server::signalen::get(tx, tip_id.parse().unwrap()))
        .unwrap()
        .unwrap();
    let Some(veldwerk_server::signalen::Beoordeling::Melding { zaak }) = zaak.beoordeling else {
        panic!("assessed as melding: {zaak:?}");
    };
    let page = get(&server.url(&format!("/zaken/{zaak}")), &session);
    assert_eq!(page.status, 200);
    // Tip: binnen twee weken (seed 001 bijlage 1), 2 + 14 = 16 november.
    assert!(page.body.contains("16-11-2026"), "{}", page.body);
    assert!(
        page.body.contains(&format!("Signaal {tip_id}")) && page.body.contains("tweede volwassene")
    );
    // The zaak belongs to its signal's team on the worklist (issue 17 §4: per team).
    let zuid = get(&server.url("/werkvoorraad?team=Zuid"), &session);
    assert!(
        zuid.body.contains(&format!("href=\"/zaken/{zaak}\"")),
        "{}",
        zuid.body
    );
    let noord = get(&server.url("/werkvoorraad?team=Noord"), &session);
    assert!(!noord.body.contains(&format!("href=\"/zaken/{zaak}\"")));
    // A tip on name is more than an anonymous one: no warning (CRvB 2-10-2007 is about anonymous tips).
    assert!(!page.body.contains("rust alleen op anonieme meldingen"));
    let after = get(&server.url("/signalen"), &session);
    assert!(
        !after.body.contains(&format!("href=\"/signalen/{tip_id}\"")),
        "assessed signals leave the list"
    );
    server.stop();
}

/// The public form is the one page anyone can post to: every byte is hostile until checked.
/// Stuurtekens, oversized bodies, bytes that are no UTF-8 and markup are refused or escaped, in
/// Dutch, and nothing is stored (seed 002 §6 form; `docs/limits.md`).
#[test]
fn the_public_form_refuses_hostile_input_in_dutch_and_stores_nothing() {
    let server = TestServer::start();
    let url = server.url("/melden");
    let control = post_form(&url, "", &[("wat", "Er woont iemand\u{1b}[2J")]);
    assert_eq!(control.status, 422, "{}", control.body);
    assert!(control.body.contains("stuurtekens"));
    let markup = post_form(
        &url,
        "",
        &[
            ("wat", &"x".repeat(5000)),
            ("wie", "<script>alert(1)</script>"),
        ],
    );
    assert_eq!(markup.status, 422);
    assert!(!markup.body.contains("<script>alert(1)"), "escaped");
    assert!(
        markup.body.contains("&lt;script&gt;"),
        "kept, escaped, for the reporter to fix"
    );
    let huge = format!("wat={}", "a".repeat(3 * 1024 * 1024));
    let big = agent()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(huge.as_bytes());
    // Refused before it is read: a 413 (or 400), or, when the server closes the connection
    // while the client is still sending, no answer at all. Never stored (checked below).
    match big {
        Ok(_) => {
            let big = answer(big);
            assert!(matches!(big.status, 400 | 413), "{}", big.status);
        }
        // The next requests show the server is still there.
        Err(e) => eprintln!("connection closed while sending: {e}"),
    }
    let not_utf8 = agent()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(&b"wat=%FF%FE%00"[..]);
    let not_utf8 = answer(not_utf8);
    assert!(matches!(not_utf8.status, 400 | 422), "{}", not_utf8.status);
    assert!(
        not_utf8.body.contains("lang=\"nl\""),
        "a Dutch page, not a bare error"
    );
    let no_type = answer(agent().post(&url).send(&b"wat=iets"[..]));
    assert_eq!(no_type.status, 400);
    let stored = server.db.read(veldwerk_server::signalen::open).unwrap();
    assert!(stored.is_empty(), "nothing stored: {stored:?}");
    server.stop();
}
