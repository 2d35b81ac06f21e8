//! Issue 16 §2, §3, §5: the digital huisbezoek on the client's own phone, end to end. A real
//! server, a real device (the handhaver's) and a "phone" that does what the client's page does:
//! an Ed25519 key of its own, the code, signed statements (`server/docs/app-sessie.md`). The
//! device takes the statements over into the visit; the server verifies them at the sync, and
//! refuses an answer altered after signing, a photo swapped, or a statement without the
//! session key (seed 004: "alleen mogelijk door het gebruik van een huisbezoek-app").
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};
use veldwerk_client::app_sessie as client;
use veldwerk_client::transport::Transport;
use veldwerk_client::ClientError;
use veldwerk_contract::api::{AppSessieRequest, AppSessieStand};
use veldwerk_contract::evidence::klantverklaring::{self, statement_bytes, Klantverklaring};
use veldwerk_contract::zaak::test_support::steps_to_binnen;
use veldwerk_device::Device;
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code, Decision};
use veldwerk_rules::vragenlijst::Antwoord;
use veldwerk_server::db::now;
use veldwerk_server::{org, policy, rapport};
use veldwerk_tests::hostile::HostileDevice;
use veldwerk_tests::{plan, TestDevice, TestServer, SUPERVISOR};

const ZAAK: &str = "Z-2026-0160";

const LIJST: &str = r#"
id = "proef"
versie = 1
titel = "Woonsituatie"
[[vraag]]
id = "bewoners"
tekst = "Hoeveel mensen wonen hier?"
soort = "getal"
min = 1
max = 5
[[vraag]]
id = "woonkamer"
tekst = "Laat de woonkamer zien."
soort = "foto"
min = 1
max = 2
[[vraag]]
id = "water"
tekst = "Wat is de stand van de watermeter?"
soort = "meterstand"
eenheid = "m³"
"#;

/// What the client's page does, in Rust.
struct Telefoon {
    agent: ureq::Agent,
    base: String,
    pad: String,
    key: Ed25519KeyPair,
    geheim: String,
    sessie: String,
    bezoek: String,
    tekst_hash: String,
    n: u64,
}

fn read(mut r: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_vec().unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

impl Telefoon {
    fn new(base: &str, pad: &str) -> Telefoon {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Telefoon {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
            base: base.to_owned(),
            pad: pad.to_owned(),
            key: Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap(),
            geheim: String::new(),
            sessie: String::new(),
            bezoek: String::new(),
            tekst_hash: String::new(),
            n: 0,
        }
    }

    fn open(&self) -> u16 {
        let r = self
            .agent
            .get(format!("{}{}", self.base, self.pad))
            .call()
            .unwrap();
        r.status().as_u16()
    }

    fn post(&self, route: &str, ctype: &str, body: &[u8]) -> (u16, Value) {
        read(
            self.agent
                .post(format!("{}{}{route}", self.base, self.pad))
                .header("content-type", ctype)
                .header("x-sessie-geheim", &self.geheim)
                .send(body)
                .unwrap(),
        )
    }

    fn koppel(&mut self, code: &str) -> (u16, Value) {
        let body = json!({ "code": code, "sleutel": hex::encode(self.key.public_key().as_ref()) });
        let (status, v) = self.post("/koppel", "application/json", body.to_string().as_bytes());
        if status == 200 {
            self.geheim = v["geheim"].as_str().unwrap().to_owned();
            self.sessie = v["sessie"].as_str().unwrap().to_owned();
            self.bezoek = v["bezoek"].as_str().unwrap().to_owned();
            self.tekst_hash = v["toestemming"]["tekst_hash"].as_str().unwrap().to_owned();
        }
        (status, v)
    }

    fn sign(&self, n: u64, gebeurtenis: &Value) -> String {
        let bytes = statement_bytes(&self.sessie, &self.bezoek, n, &self.tekst_hash, gebeurtenis);
        hex::encode(self.key.sign(&bytes).as_ref())
    }

    fn send(&self, n: u64, gebeurtenis: &Value, handtekening: &str) -> (u16, Value) {
        let body = json!({ "n": n, "gebeurtenis": gebeurtenis, "handtekening": handtekening });
        self.post(
            "/verklaring",
            "application/json",
            body.to_string().as_bytes(),
        )
    }

    /// A statement signed with the session key, the next in order.
    fn verklaar(&mut self, gebeurtenis: Value) -> (u16, Value) {
        let n = self.n + 1;
        let (status, v) = self.send(n, &gebeurtenis, &self.sign(n, &gebeurtenis));
        if status == 200 {
            self.n = n;
        }
        (status, v)
    }

    fn antwoord(&mut self, sleutel: &str, antwoord: Value) -> (u16, Value) {
        self.verklaar(json!({
            "soort": "vraag_beantwoord", "vragenlijst": "proef", "versie": 1,
            "sleutel": sleutel, "antwoord": antwoord,
        }))
    }

    fn foto(&self, bytes: &[u8]) -> String {
        let (status, v) = self.post("/foto", "image/jpeg", bytes);
        assert_eq!(status, 200, "{v}");
        v["sha256"].as_str().unwrap().to_owned()
    }

    fn status(&self) -> Value {
        read(
            self.agent
                .get(format!("{}{}/status?na=0", self.base, self.pad))
                .header("x-sessie-geheim", &self.geheim)
                .call()
                .unwrap(),
        )
        .1
    }
}

fn jpeg(label: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    b.extend_from_slice(label.as_bytes());
    b
}

/// A real 2 × 2 PNG of one colour (zlib stored blocks, CRC-32 and Adler-32 computed here), so
/// the rapport can decode and show it.
fn png(rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    // Two rows, each the filter byte 0 (none) and two pixels.
    let row: Vec<u8> = std::iter::once(0).chain(rgb.repeat(2)).collect();
    let raw = row.repeat(2);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Code rood, the test list, a zaak of piet, and piet's device at the door of a `huisbezoek_app`
/// with the digital consent text asked.
fn aan_de_deur(server: &TestServer) -> (TestDevice, String) {
    server.switch_code(Code::Rood, "besmettingen nemen toe", 60);
    let organisation = org::load(&server.db).unwrap().unwrap();
    server
        .db
        .write(|tx| policy::set_vragenlijst(tx, &organisation, LIJST, SUPERVISOR, now()))
        .unwrap();
    server.zaak(ZAAK, &["piet"]);
    let mut piet = TestDevice::enrolled(server, "piet");
    piet.sync().unwrap();
    let at = Utc::now() - chrono::Duration::minutes(10);
    let visit = piet
        .device()
        .start_visit(
            ZAAK,
            Actie::HuisbezoekApp,
            plan(Actie::HuisbezoekApp, 1),
            at,
        )
        .unwrap();
    let steps: Vec<Event> = steps_to_binnen(Actie::HuisbezoekApp, &["piet"])
        .into_iter()
        .take_while(|e| !matches!(e, Event::ToestemmingGegeven { .. }))
        .collect();
    piet.record(ZAAK, &visit, steps, at).unwrap();
    (piet, visit)
}

fn verbinding(device: &Device) -> (Transport, veldwerk_contract::evidence::Signer) {
    client::verbinding(device).unwrap()
}

fn gevraagd(
    device: &mut Device,
    visit: &str,
) -> (veldwerk_rules::protocol::Variant, String, String) {
    let detail = device.zaak_detail(ZAAK).unwrap();
    let v = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .unwrap();
    v.entries
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ToestemmingGevraagd {
                variant,
                tekst,
                tekst_hash,
                ..
            }) => Some((*variant, tekst.clone(), tekst_hash.clone())),
            _ => None,
        })
        .unwrap()
}

fn start(
    server: &TestServer,
    piet: &mut TestDevice,
    visit: &str,
    geldig: Option<u32>,
) -> (Telefoon, String, String) {
    let (variant, tekst, hash) = gevraagd(piet.device(), visit);
    let (t, s) = verbinding(piet.device());
    let request = AppSessieRequest {
        zaak_id: ZAAK.into(),
        visit_id: visit.into(),
        variant,
        tekst,
        tekst_hash: hash,
        geldig_seconden: geldig,
    };
    let started = client::start(&t, &s, &request).unwrap();
    assert_eq!(started.code.len(), 6);
    assert!(started.pad.starts_with("/k/"));
    (
        Telefoon::new(&server.url(), &started.pad),
        started.code,
        started.sessie,
    )
}

/// Every condition the routekaart shows for the step confirmed (the handhaver keeps 1,5 m).
fn alle_voorwaarden(
    device: &mut Device,
    visit: &str,
    event: &Event,
) -> Result<Vec<String>, ClientError> {
    Ok(match device.decision_for(ZAAK, visit, event)? {
        Some(Decision::Allowed { conditions, .. }) => {
            conditions.into_iter().map(|c| c.code).collect()
        }
        _ => Vec::new(),
    })
}

fn neem_over(piet: &mut TestDevice, visit: &str, sessie: &str) -> (AppSessieStand, usize) {
    let (t, s) = verbinding(piet.device());
    let stand = client::stand(&t, &s, sessie).unwrap();
    let visit = visit.to_owned();
    let n = client::neem_over(piet.device(), &t, &s, &stand, "J. de Vries", &mut |d, e| {
        alle_voorwaarden(d, &visit, e)
    })
    .unwrap()
    .len();
    (stand, n)
}

#[test]
fn issue_16_the_client_answers_and_signs_on_their_own_phone_and_the_server_verifies_it() {
    let server = TestServer::start();
    let (mut piet, visit) = aan_de_deur(&server);
    let (mut tel, code, sessie) = start(&server, &mut piet, &visit, None);
    assert_eq!(tel.open(), 200, "the page opens from the link");

    // A wrong code is refused and counted; the right one binds this phone's key.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, v) = tel.koppel(wrong);
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("verificatiecode_onjuist"))
    );
    assert!(v["message"].as_str().unwrap().contains("nog 4 keer"), "{v}");
    let (status, v) = tel.koppel(&code);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["vragenlijst"]["id"], "proef");
    assert!(v["toestemming"]["tekst"]
        .as_str()
        .unwrap()
        .contains("camera"));

    // The link works once: a second browser (or a reload) is refused.
    let mut tweede = Telefoon::new(&server.url(), &tel.pad);
    assert_eq!(tweede.open(), 410);
    assert_eq!(tweede.koppel(&code).1["code"], "app_sessie_gebruikt");

    // Nothing before consent; nothing without the session key.
    let (status, v) = tel.antwoord("bewoners", json!({"soort": "getal", "waarde": 2}));
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("verklaring_niet_nu")),
        "{v}"
    );
    let consent = json!({"soort": "toestemming_gegeven"});
    let vreemde = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let bytes = statement_bytes(&tel.sessie, &tel.bezoek, 1, &tel.tekst_hash, &consent);
    let (status, v) = tel.send(1, &consent, &hex::encode(vreemde.sign(&bytes).as_ref()));
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("klantverklaring_ongeldig"))
    );
    assert_eq!(tel.verklaar(consent).0, 200);

    // The answers, with the photos uploaded first; a bad answer refused with the list's code.
    let (status, v) = tel.antwoord("bewoners", json!({"soort": "getal", "waarde": 9}));
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("antwoord_buiten_bereik"))
    );
    assert_eq!(
        tel.antwoord("bewoners", json!({"soort": "getal", "waarde": 2}))
            .0,
        200
    );
    let (status, v) = tel.antwoord(
        "woonkamer",
        json!({"soort": "fotos", "waarde": ["ab".repeat(32)]}),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("foto_unknown")),
        "not uploaded"
    );
    let (kamer_png, meter_png) = (png([0x33, 0x77, 0x55]), png([0xdd, 0xdd, 0xdd]));
    let kamer = tel.foto(&kamer_png);
    let meter = tel.foto(&meter_png);
    assert_eq!(
        tel.antwoord("woonkamer", json!({"soort": "fotos", "waarde": [kamer]}))
            .0,
        200
    );

    // Meekijken: the handhaver's device sees what arrived and sends a hint, which the page shows.
    let (stand, overgenomen) = neem_over(&mut piet, &visit, &sessie);
    assert_eq!(stand.status, "gekoppeld");
    assert_eq!(overgenomen, 3, "consent and two answers taken over");
    let (t, s) = verbinding(piet.device());
    client::hint(
        &t,
        &s,
        &sessie,
        "De foto is onscherp, wilt u hem opnieuw maken?",
    )
    .unwrap();
    let status = tel.status();
    assert_eq!(
        status["hints"][0]["tekst"],
        "De foto is onscherp, wilt u hem opnieuw maken?"
    );

    let (status, v) = tel.verklaar(json!({"soort": "vragenlijst_ondertekend", "handtekening": {"breedte": 300, "hoogte": 150, "strepen": [[[10, 10], [80, 60]]]}}));
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("vragen_open")),
        "water not answered"
    );
    assert_eq!(
        tel.antwoord(
            "water",
            json!({"soort": "meterstand", "waarde": {"stand": "01234,5", "foto": meter}})
        )
        .0,
        200
    );
    let (status, v) = tel.verklaar(json!({"soort": "vragenlijst_ondertekend", "handtekening": {"breedte": 300, "hoogte": 150, "strepen": [[[10, 10], [80, 60], [120, 40]]]}}));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["beeindigd"], true, "the signature ends the session");
    assert_eq!(
        tel.antwoord(
            "water",
            json!({"soort": "meterstand", "waarde": {"stand": "1", "foto": meter}})
        )
        .0,
        410
    );

    // The device records the rest and syncs: every entry verifies, with the client's proof.
    let (stand, overgenomen) = neem_over(&mut piet, &visit, &sessie);
    assert_eq!((stand.status.as_str(), overgenomen), ("beeindigd", 2));
    assert_eq!(neem_over(&mut piet, &visit, &sessie).1, 0, "nothing twice");
    let report = piet.sync().unwrap();
    assert!(
        report.summary.rejections.is_empty(),
        "{:?}",
        report.summary.rejections
    );
    let doc = server.document(ZAAK).unwrap();
    let org_key = org::load(&server.db).unwrap().unwrap().public_key;
    let entries = doc.stored_entries(&visit).unwrap();
    let mut van_klant = 0;
    for e in &entries {
        if klantverklaring::check(e, ZAAK, &org_key).unwrap().is_some() {
            van_klant += 1;
        }
    }
    assert_eq!(van_klant, 5, "consent, three answers, the signature");
    let detail = piet.device().zaak_detail(ZAAK).unwrap();
    let v = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .unwrap();
    assert!(v
        .verification
        .entries
        .iter()
        .all(|e| e.status == veldwerk_contract::evidence::EntryStatus::Ok));
    assert!(v
        .entries
        .iter()
        .any(|e| matches!(e.event, Some(Event::VragenlijstOndertekend { .. }))));

    // The zaak page marks what the client signed on their own phone.
    let page = veldwerk_tests::console::Supervisor::sign_in(&server).get(&format!("/zaken/{ZAAK}"));
    assert_eq!(
        page.text()
            .matches("Door de cliënt ondertekend op de eigen telefoon")
            .count(),
        5,
        "consent, three answers and the signature"
    );

    // The rapport prints the client's answers as signed on their phone, draws the signature,
    // states the check of the client's statements, and verifies as a whole.
    let organisation = org::load(&server.db).unwrap().unwrap();
    let evidence = server
        .db
        .read(|tx| rapport::collect(tx, &organisation, ZAAK, &visit, now()))
        .unwrap();
    let fotos = server
        .db
        .read(|tx| rapport::evidence::fotos(tx, ZAAK, &evidence))
        .unwrap();
    assert_eq!(
        fotos.len(),
        2,
        "the client's photos reached the server at the sync"
    );
    let pdf = rapport::render_with_fotos(&evidence, &fotos).unwrap();
    rapport::verify::verify_pdf(&pdf, Some(&organisation.public_key)).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains(&format!("foto-{kamer}.png")) && raw.contains(&format!("foto-{meter}.png"))
    );
    if let Ok(out) = pdf_tool("pdfimages", &["-list", "-", "-"], &pdf) {
        let images = String::from_utf8_lossy(&out.stdout).lines().skip(2).count();
        assert_eq!(images, 2, "two thumbnails");
    }
    // A photo swapped inside the file: the check renders the rapport again and it differs.
    let at = pdf
        .windows(kamer_png.len())
        .position(|w| w == kamer_png.as_slice())
        .expect("the photo is attached uncompressed");
    let mut tampered = pdf.clone();
    tampered[at + kamer_png.len() / 2] ^= 0x01;
    assert!(rapport::verify::verify_pdf(&tampered, Some(&organisation.public_key)).is_err());
    match pdf_tool("pdftotext", &["-", "-"], &pdf) {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            for needle in [
                "op de eigen telefoon ondertekend",
                "Verklaringen van de klant",
                "Meterstand 01234,5",
            ] {
                assert!(text.contains(needle), "missing in the rapport: {needle}\n{text}");
            }
        }
        Err(_) => eprintln!("pdftotext is niet geïnstalleerd (poppler-utils): de tekst van het rapport is niet gelezen"),
    }
}

/// Issue 16 "Tampering": what the client signed cannot be changed by a device of the
/// organisation — an answer altered, a photo swapped, a statement without the session key or with
/// a binding the organisation did not sign are refused at the sync with `klantverklaring_ongeldig`.
#[test]
fn issue_16_an_altered_answer_a_swapped_photo_or_a_statement_without_the_session_key_is_refused() {
    let server = TestServer::start();
    let (mut piet, visit) = aan_de_deur(&server);
    let (mut tel, code, sessie) = start(&server, &mut piet, &visit, None);
    tel.koppel(&code);
    tel.verklaar(json!({"soort": "toestemming_gegeven"}));
    tel.antwoord("bewoners", json!({"soort": "getal", "waarde": 2}));
    let kamer = tel.foto(&jpeg("woonkamer"));
    tel.antwoord(
        "woonkamer",
        json!({"soort": "fotos", "waarde": [kamer.clone()]}),
    );
    neem_over(&mut piet, &visit, &sessie);
    assert!(piet.sync().unwrap().summary.rejections.is_empty());

    let (t, s) = verbinding(piet.device());
    let stand = client::stand(&t, &s, &sessie).unwrap();
    let echt = |n: u64| Klantverklaring {
        binding: stand.binding.clone().unwrap(),
        binding_handtekening: stand.binding_handtekening.clone().unwrap(),
        n,
        tekst_hash: stand.tekst_hash.clone(),
        handtekening: stand.verklaringen[(n - 1) as usize].handtekening.clone(),
    };
    let answer = |antwoord: Antwoord| Event::VraagBeantwoord {
        vragenlijst: "proef".into(),
        versie: 1,
        sleutel: if matches!(antwoord, Antwoord::Fotos(_)) {
            "woonkamer"
        } else {
            "bewoners"
        }
        .into(),
        antwoord,
        door: "J. de Vries".into(),
    };
    let ander = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let mut zonder_sleutel = echt(2);
    zonder_sleutel.handtekening = hex::encode(ander.sign(b"iets anders").as_ref());
    let mut eigen_binding = echt(2);
    eigen_binding.binding.sleutel = hex::encode(ander.public_key().as_ref());
    let cases = [
        (
            "an answer altered after signing",
            answer(Antwoord::Getal(1)),
            echt(2),
        ),
        (
            "a photo swapped",
            answer(Antwoord::Fotos(vec!["cd".repeat(32)])),
            echt(3),
        ),
        (
            "a statement without the session key",
            answer(Antwoord::Getal(2)),
            zonder_sleutel,
        ),
        (
            "a key the organisation did not bind",
            answer(Antwoord::Getal(2)),
            eigen_binding,
        ),
    ];
    for (what, event, verklaring) in cases {
        let mut hostile = HostileDevice::enroll(&server, "piet");
        hostile.pull();
        hostile.honestly(ZAAK, |d, signer| {
            d.append_klantverklaring(
                &visit,
                &event,
                &verklaring,
                &veldwerk_tests::hostile::policy(),
                signer,
                Utc::now(),
            )
            .unwrap();
        });
        let response = hostile.push(ZAAK);
        let codes: Vec<&str> = response
            .rejections
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["klantverklaring_ongeldig"],
            "{what}: {:?}",
            response.rejections
        );
    }
    // The device itself refuses to record such a statement before anything is stored.
    let err = piet
        .device()
        .record_klantverklaring(
            ZAAK,
            &visit,
            answer(Antwoord::Getal(1)),
            echt(2),
            Vec::new(),
            Utc::now(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "klantverklaring_ongeldig");
}

/// Issue 16 §2: the link expires; five wrong codes end the session; the handhaver ends it; a
/// refusal (variant A: told the consequences) and a withdrawal halfway end it and are recorded.
#[test]
fn issue_16_the_link_expires_wrong_codes_end_it_and_refusal_or_withdrawal_end_the_tour() {
    let server = TestServer::start();
    let (mut piet, visit) = aan_de_deur(&server);

    let (mut tel, code, _) = start(&server, &mut piet, &visit, Some(5));
    std::thread::sleep(std::time::Duration::from_millis(5200));
    assert_eq!(tel.open(), 410);
    assert_eq!(tel.koppel(&code).1["code"], "app_sessie_verlopen");

    let (mut tel, code, _) = start(&server, &mut piet, &visit, None);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(tel.koppel(wrong).0, 403);
    }
    assert_eq!(tel.koppel(wrong).1["code"], "app_sessie_beeindigd");
    assert_eq!(
        tel.koppel(&code).0,
        410,
        "not even the right code after five wrong ones"
    );

    let (mut tel, code, sessie) = start(&server, &mut piet, &visit, None);
    tel.koppel(&code);
    let (t, s) = verbinding(piet.device());
    assert_eq!(
        client::einde(&t, &s, &sessie).unwrap().einde.as_deref(),
        Some("handhaver")
    );
    assert_eq!(tel.verklaar(json!({"soort": "toestemming_gegeven"})).0, 410);

    // Variant A: a refusal only with the consequences shown; it ends the session and the visit.
    let (mut tel, code, sessie) = start(&server, &mut piet, &visit, None);
    tel.koppel(&code);
    let (status, v) =
        tel.verklaar(json!({"soort": "toestemming_geweigerd", "gewezen_op_gevolgen": false}));
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("verklaring_ongeldig"))
    );
    let (status, v) =
        tel.verklaar(json!({"soort": "toestemming_geweigerd", "gewezen_op_gevolgen": true}));
    assert_eq!((status, v["beeindigd"].as_bool()), (200, Some(true)));
    let (stand, n) = neem_over(&mut piet, &visit, &sessie);
    assert_eq!(
        (stand.einde.as_deref(), n),
        (Some("toestemming_geweigerd"), 1)
    );
    assert!(piet.sync().unwrap().summary.rejections.is_empty());
}

#[test]
fn issue_16_a_withdrawal_halfway_ends_the_tour_and_keeps_what_was_answered() {
    let server = TestServer::start();
    let (mut piet, visit) = aan_de_deur(&server);
    let (mut tel, code, sessie) = start(&server, &mut piet, &visit, None);
    tel.koppel(&code);
    tel.verklaar(json!({"soort": "toestemming_gegeven"}));
    assert_eq!(
        tel.antwoord("bewoners", json!({"soort": "getal", "waarde": 1}))
            .0,
        200
    );
    let (status, v) = tel.verklaar(json!({"soort": "toestemming_ingetrokken"}));
    assert_eq!((status, v["beeindigd"].as_bool()), (200, Some(true)));
    let (stand, n) = neem_over(&mut piet, &visit, &sessie);
    assert_eq!(
        (stand.einde.as_deref(), n),
        (Some("toestemming_ingetrokken"), 3)
    );
    let detail = piet.device().zaak_detail(ZAAK).unwrap();
    let v = detail
        .visits
        .iter()
        .find(|v| v.meta.visit_id == visit)
        .unwrap();
    assert!(
        v.fase.is_beeindigd(),
        "withdrawal ends the visit: {:?}",
        v.fase
    );
    assert!(piet.sync().unwrap().summary.rejections.is_empty());
}

/// Runs a poppler tool (`pdftotext`, `pdfimages`) on `pdf` given on stdin; `Err` when the tool is
/// not installed.
fn pdf_tool(tool: &str, args: &[&str], pdf: &[u8]) -> std::io::Result<std::process::Output> {
    let mut child = std::process::Command::new(tool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin piped");
        stdin.write_all(pdf)?;
    }
    child.wait_with_output()
}
