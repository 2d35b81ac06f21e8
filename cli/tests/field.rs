//! The field commands of the `veldwerk` binary on a temp data dir: a full visit, a refused step,
//! an unconfirmed routekaart condition, and a wrong passphrase.
//!
//! Zaken reach a device by sync; until then the test puts one in the store through
//! `veldwerk-device`, opening it with the key derived as the CLI documents it (salt file
//! `sleutelafleiding`: `pbkdf2-sha256 ITERATIONS SALT_HEX`).

use std::num::NonZeroU32;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::Utc;
use serde_json::Value;
use veldwerk_device::Device;

const BIN: &str = env!("CARGO_BIN_EXE_veldwerk");
const PASS: &str = "correct paard batterij nietje";
const ZAAK: &str = "Z-2026-0142";
/// The concrete aanleiding told at the door (seed 001 §3), recorded with `toestemming vraag`.
const VERTELDE_AANLEIDING: &str = "Volgens het Inlichtingenbureau woont er een tweede persoon.";

fn veldwerk(dir: &Path, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("VELDWERK_PASSPHRASE");
    if let Some(p) = passphrase {
        cmd.env("VELDWERK_PASSPHRASE", p);
    }
    cmd.output().expect("run veldwerk")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = veldwerk(dir, Some(PASS), args);
    assert!(
        out.status.success(),
        "veldwerk {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(dir, &args)).expect("JSON output")
}

/// A failing command: its exit code is non-zero, and its JSON error and stderr carry the code.
fn fails(dir: &Path, args: &[&str], code: &str) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let out = veldwerk(dir, Some(PASS), &args);
    assert!(!out.status.success(), "veldwerk {args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("[{code}]")), "{stderr}");
    let error: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(error["error"]["code"], code);
    error
}

/// The storage key as the salt file describes it, derived here with the argon2 crate directly.
fn derive_key(dir: &Path) -> [u8; 32] {
    let text = std::fs::read_to_string(dir.join("sleutelafleiding")).expect("salt file");
    let parts: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(parts[0], "argon2id");
    let number = |i: usize| parts[i].parse::<u32>().expect("number");
    assert!(number(1) >= 19 * 1024 && number(2) >= 2, "{text}");
    let salt = hex::decode(parts[4]).expect("salt");
    let params = argon2::Params::new(number(1), number(2), number(3), Some(32)).expect("params");
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(PASS.as_bytes(), &salt, &mut key)
        .expect("argon2");
    key
}

/// Issue 13, "Smaller": a new data directory refuses a short passphrase and keeps nothing.
#[test]
fn a_new_data_directory_refuses_a_short_passphrase() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = veldwerk(dir.path(), Some("x"), &["status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password_too_short"));
    assert!(!dir.path().join("sleutelafleiding").exists());
    ok(dir.path(), &["status"]);
}

/// A data directory made before argon2id (PBKDF2 salt file) still opens with its passphrase.
#[test]
fn an_older_pbkdf2_data_directory_still_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let salt = [7u8; 16];
    std::fs::write(
        dir.path().join("sleutelafleiding"),
        format!("pbkdf2-sha256 1000 {}\n", hex::encode(salt)),
    )
    .expect("salt file");
    let mut key = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(1000).expect("non-zero"),
        &salt,
        PASS.as_bytes(),
        &mut key,
    );
    let device = Device::open(dir.path(), key).expect("store made with the old key");
    drop(device);
    ok(dir.path(), &["status"]);
    let wrong = veldwerk(dir.path(), Some("een ander lang wachtwoord"), &["status"]);
    assert!(!wrong.status.success());
}

/// Issue 13, "Smaller": an ANSI escape in a zaak label (it came from the server or a colleague's
/// device) does not reach the terminal.
#[test]
fn escapes_in_a_zaak_label_do_not_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    ok(dir.path(), &["status"]);
    {
        let mut device = Device::open(dir.path(), derive_key(dir.path())).expect("open device");
        let mut summary = veldwerk_contract::zaak::test_support::summary();
        summary.label = "samenwoning \x1b[2J\x1b]0;titel\x07 \u{9b}31m".into();
        device.create_zaak(&summary, Utc::now()).expect("zaak");
    }
    let shown = ok(dir.path(), &["zaken"]);
    assert!(shown.contains("samenwoning"), "{shown}");
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{shown:?}"
    );
    let json = ok_json(dir.path(), &["zaken"]);
    assert_eq!(
        json["zaken"][0]["label"], "samenwoning \x1b[2J\x1b]0;titel\x07 \u{fffd}31m",
        "JSON keeps C0 controls (escaped by JSON); a raw C1 control is replaced there too"
    );
}

/// A data dir made by the CLI, holding one zaak.
fn data_dir_with_zaak() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    ok(dir.path(), &["status"]);
    let mut device = Device::open(dir.path(), derive_key(dir.path())).expect("open device");
    let summary = veldwerk_contract::zaak::test_support::summary();
    device.create_zaak(&summary, Utc::now()).expect("zaak");
    dir
}

fn start_visit(dir: &Path) -> String {
    let started = ok_json(
        dir,
        &[
            "bezoek",
            "start",
            "--zaak",
            ZAAK,
            "--actie",
            "huisbezoek",
            "--handhavers",
            "2",
        ],
    );
    started["visit_id"].as_str().expect("visit id").to_owned()
}

const AANLEIDING: &[&str] = &[
    "aanleiding",
    "--zaak",
    ZAAK,
    "--grondslag",
    "concrete_aanwijzing",
    "--feit",
    "register:Twee auto's van een ander staan sinds maart op het adres.",
    "--bron",
    "RDW",
    "--bron",
    "BRP",
    "--waarom-niet-minder-ingrijpend",
    "De registers tonen niet wie er woont.",
];

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

#[test]
fn a_full_visit_is_recorded_step_by_step() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let zaken = ok_json(d, &["zaken"]);
    assert_eq!(zaken["zaken"][0]["zaak_id"], ZAAK);
    assert_eq!(zaken["zaken"][0]["next_step"], "bezoek_starten");

    let visit = start_visit(d);
    let all = ["--bevestig-alles"];
    ok(d, &with(AANLEIDING, &all));
    ok(
        d,
        &[
            "aankondiging",
            "--zaak",
            ZAAK,
            "--wijze",
            "aangekondigd",
            "--bevestig-alles",
        ],
    );
    ok(
        d,
        &[
            "deur",
            "--zaak",
            ZAAK,
            "--bezoek",
            &visit,
            "--handhaver",
            "hh-1",
            "--handhaver",
            "hh-2",
            "--leider",
            "hh-1",
            "--bevestig-alles",
        ],
    );
    ok(
        d,
        &[
            "legitimatie",
            "--zaak",
            ZAAK,
            "--doel",
            "Vaststellen van de woonsituatie.",
            "--bevestig-alles",
        ],
    );
    ok(
        d,
        &[
            "toestemming",
            "vraag",
            "--zaak",
            ZAAK,
            "--aanleiding",
            VERTELDE_AANLEIDING,
            "--bevestig-alles",
        ],
    );
    // Seed 001 §2: a lodger's refusal closes only the lodger's own room; the visit goes on.
    ok(
        d,
        &[
            "toestemming",
            "geweigerd",
            "--zaak",
            ZAAK,
            "--door",
            "kamerbewoner",
            "--rol",
            "medebewoner",
            "--leeftijd",
            "volwassen",
            "--kamer",
            "zolderkamer",
            "--bevestig-alles",
        ],
    );
    ok(
        d,
        &[
            "toestemming",
            "gegeven",
            "--zaak",
            ZAAK,
            "--door",
            "bewoner",
            "--rol",
            "bewoner",
            "--leeftijd",
            "volwassen",
            "--bevestig-alles",
        ],
    );
    ok(d, &["binnentreden", "--zaak", ZAAK, "--bevestig-alles"]);
    fails_stderr(
        d,
        &[
            "waarneming",
            "--zaak",
            ZAAK,
            "--ruimte",
            "zolderkamer",
            "--tekst",
            "Een bed.",
            "--bevestig-alles",
        ],
        "ruimte_uitgesloten",
    );
    ok(
        d,
        &[
            "toestemming",
            "extra",
            "--zaak",
            ZAAK,
            "--onderwerp",
            "fotos",
            "--door",
            "bewoner",
            "--rol",
            "bewoner",
            "--bevestig-alles",
        ],
    );
    let photo = d.join("badkamer.jpg");
    std::fs::write(&photo, b"jpeg bytes").expect("photo");
    let photo = photo.to_str().expect("utf-8 path");
    let waarneming = ok_json(
        d,
        &[
            "waarneming",
            "--zaak",
            ZAAK,
            "--ruimte",
            "badkamer",
            "--tekst",
            "Twee tandenborstels op de wastafel.",
            "--foto",
            photo,
            "--bevestig-alles",
        ],
    );
    assert_eq!(waarneming["next_steps"][0], "waarneming");
    let entry_id = waarneming["entry"]["entry_id"].as_str().expect("entry id");
    ok(
        d,
        &[
            "correctie",
            "--zaak",
            ZAAK,
            "--entry",
            entry_id,
            "--tekst",
            "Lees: op de wastafel in de badkamer.",
        ],
    );
    // Issue 15, seed 000 ("gebaseerd op feiten"): a text with factual-language warnings is not
    // signed unless the handhaver accepts them explicitly; `--json` gives them to apps.
    let speculatief = [
        "waarneming",
        "--zaak",
        ZAAK,
        "--ruimte",
        "gang",
        "--tekst",
        "Volgens de buurvrouw woont hier nog iemand.",
        "--bevestig-alles",
    ];
    let refused = fails(d, &speculatief, "taalwaarschuwingen_open");
    assert_eq!(refused["details"][0]["code"], "van_horen_zeggen");
    assert_eq!(ok_json(d, &["status"])["unsynced_entries"], 11);
    let accepted = ok_json(d, &with(&speculatief, &["--ondanks-waarschuwingen"]));
    assert_eq!(
        accepted["warnings"][0]["warning"]["notice"]["code"],
        "van_horen_zeggen"
    );
    ok(d, &["afsluiting", "--zaak", ZAAK, "--bevestig-alles"]);
    ok(
        d,
        &[
            "rapport",
            "--zaak",
            ZAAK,
            "--tekst",
            "In de badkamer stonden twee tandenborstels.",
            "--ondertekenaar",
            "hh-1:ambtseed",
            "--ondertekenaar",
            "hh-2:ambtsbelofte",
        ],
    );

    let detail = ok_json(d, &["zaak", "show", ZAAK]);
    let v = &detail["visits"][0];
    assert_eq!(v["meta"]["visit_id"], visit.as_str());
    assert_eq!(v["fase"], "gerapporteerd");
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(14));
    assert_eq!(
        v["entries"][9]["event"]["foto"].as_str().map(str::len),
        Some(64)
    );
    // Issue 15: the warnings signed over with --ondanks-waarschuwingen are in the signed entry
    // (its body) and shown with it; the waarneming without warnings carries none.
    let signed_over = &v["entries"][11];
    assert_eq!(signed_over["event"]["soort"], "waarneming");
    assert_eq!(
        signed_over["taalwaarschuwingen"][0]["code"],
        "van_horen_zeggen"
    );
    assert!(signed_over["entry"]["body"]
        .as_str()
        .is_some_and(|b| b.contains("\"taalwaarschuwingen\"")));
    assert!(v["entries"][9].get("taalwaarschuwingen").is_none());
    let statuses: Vec<&Value> = v["verification"]["entries"]
        .as_array()
        .expect("verification")
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert!(statuses.iter().all(|s| *s == "ok"), "{statuses:?}");

    let text = ok(d, &["zaak", "show", ZAAK]);
    assert!(text.contains("alle vastleggingen ondertekend"), "{text}");
    // Issue 15: the rapport shows who signed it under which oath; no internal names.
    assert!(
        text.contains("opgemaakt door hh-1 onder ambtseed, hh-2 onder ambtsbelofte"),
        "{text}"
    );
    assert!(text.contains("foto's door bewoner: gegeven"), "{text}");
    assert!(
        text.contains("Ondertekend ondanks taalwaarschuwingen: ")
            && text.contains("[van_horen_zeggen]"),
        "{text}"
    );
    // Seed 001 §3: the aanleiding told at the door is shown with the consent asked.
    assert!(
        text.contains(&format!("aanleiding: {VERTELDE_AANLEIDING}")),
        "{text}"
    );
    for internal in ["Fotos", "HuisbezoekApp", "Aangekondigd", "KastenOpenen"] {
        assert!(!text.contains(internal), "{internal} in {text}");
    }
    let status = ok_json(d, &["status"]);
    assert_eq!(status["unsynced_entries"], 14);
    assert_eq!(status["policy"]["code"], "geel");
    let zaken = ok_json(d, &["zaken"]);
    assert_eq!(zaken["zaken"][0]["status"], "gerapporteerd");
}

#[test]
fn a_step_the_protocol_does_not_allow_is_refused() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    start_visit(d);
    ok(d, &with(AANLEIDING, &["--bevestig-alles"]));
    fails(
        d,
        &["binnentreden", "--zaak", ZAAK, "--bevestig-alles"],
        "toestemming_ontbreekt",
    );
    fails(
        d,
        &[
            "correctie",
            "--zaak",
            ZAAK,
            "--entry",
            "bestaat-niet",
            "--tekst",
            "x",
        ],
        "correctie_onbekende_vastlegging",
    );
    let status = ok_json(d, &["status"]);
    assert_eq!(status["unsynced_entries"], 1);
}

#[test]
fn an_unconfirmed_condition_is_listed_and_nothing_recorded() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    start_visit(d);
    // Desk steps ask no door conditions (issue 15): recorded without any `--bevestig`.
    ok(d, AANLEIDING);
    ok(
        d,
        &["aankondiging", "--zaak", ZAAK, "--wijze", "aangekondigd"],
    );
    let deur = &[
        "deur",
        "--zaak",
        ZAAK,
        "--handhaver",
        "hh-1",
        "--handhaver",
        "hh-2",
        "--leider",
        "hh-1",
    ];
    let error = fails(d, deur, "voorwaarden_niet_bevestigd");
    let missing: Vec<String> = error["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|n| n["code"].as_str().expect("code").to_owned())
        .collect();
    assert!(!missing.is_empty());
    // Seed 004: the grote-controle condition is not asked of an ordinary visit.
    assert!(!missing.iter().any(|c| c == "large_checks_central_location"));
    assert_eq!(ok_json(d, &["status"])["unsynced_entries"], 2);

    let mut args = deur.to_vec();
    for code in &missing {
        args.extend(["--bevestig", code.as_str()]);
    }
    let recorded = ok_json(d, &args);
    let confirmed = &recorded["entry"]["policy"]["confirmed_conditions"];
    assert_eq!(confirmed.as_array().map(Vec::len), Some(missing.len()));
}

/// Seed 004, code geel: a visit started with `--grote-controle` is asked the condition for grote
/// controles (recreatieterreinen) at the door, and every condition is printed once.
#[test]
fn a_grote_controle_is_asked_its_condition_once() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    ok(
        d,
        &[
            "bezoek",
            "start",
            "--zaak",
            ZAAK,
            "--actie",
            "huisbezoek",
            "--grote-controle",
        ],
    );
    ok(d, AANLEIDING);
    ok(
        d,
        &["aankondiging", "--zaak", ZAAK, "--wijze", "aangekondigd"],
    );
    let deur = [
        "deur",
        "--zaak",
        ZAAK,
        "--handhaver",
        "hh-1",
        "--handhaver",
        "hh-2",
        "--leider",
        "hh-1",
    ];
    let stderr = fails_stderr(d, &deur, "voorwaarden_niet_bevestigd");
    assert_eq!(stderr.matches("Grote controles").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("1,5 m afstand").count(), 1, "{stderr}");
    ok(d, &with(&deur, &["--bevestig-alles"]));
}

#[test]
fn a_wrong_or_missing_passphrase_opens_nothing() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let out = veldwerk(d, Some("verkeerd"), &["zaken"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[wrong_key]"));
    let out = veldwerk(d, None, &["zaken", "--json"]);
    assert!(!out.status.success());
    let error: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(error["error"]["code"], "passphrase_missing");
    // The right passphrase still opens everything.
    assert_eq!(ok_json(d, &["zaken"])["zaken"][0]["zaak_id"], ZAAK);
}

/// A failing command's stderr (after checking its code as `fails` does).
fn fails_stderr(dir: &Path, args: &[&str], code: &str) -> String {
    let mut args = args.to_vec();
    args.push("--json");
    let out = veldwerk(dir, Some(PASS), &args);
    assert!(!out.status.success(), "veldwerk {args:?} should fail");
    let error: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(error["error"]["code"], code);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_step_goes_to_the_latest_visit_and_shows_the_consent_text_of_its_grondslag() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let all = "--bevestig-alles";
    let stderr = fails_stderr(d, &with(AANLEIDING, &[all]), "no_visit");
    assert!(stderr.contains("veldwerk bezoek start"), "{stderr}");
    fails(
        d,
        &[
            "aanleiding",
            "--zaak",
            "Z-elders",
            "--grondslag",
            "dienstverlening",
        ],
        "zaak_unknown",
    );

    let first = start_visit(d);
    let second = start_visit(d);
    let error = fails(
        d,
        &with(AANLEIDING, &["--bezoek", "bestaat-niet", all]),
        "input_invalid",
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("bezoek bestaat-niet bestaat niet")),
        "{error}"
    );
    let stderr = fails_stderr(
        d,
        &[
            "toestemming",
            "vraag",
            "--zaak",
            ZAAK,
            "--bezoek",
            "bestaat-niet",
            "--aanleiding",
            VERTELDE_AANLEIDING,
            all,
        ],
        "visit_unknown",
    );
    assert!(stderr.contains("(variant a)"), "{stderr}");

    // Without --bezoek the step goes to the latest visit.
    let recorded = ok_json(
        d,
        &[
            "aanleiding",
            "--zaak",
            ZAAK,
            "--grondslag",
            "twijfel",
            "--twijfel",
            "Of de opgegeven huurder op het adres woont.",
            "--andere-wijze-onderzocht",
            "Registers en het dossier geraadpleegd.",
            all,
        ],
    );
    assert_eq!(recorded["next_steps"][0], "aankondiging");
    let detail = ok_json(d, &["zaak", "show", ZAAK]);
    let fase = |id: &str| {
        detail["visits"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["meta"]["visit_id"] == id))
            .map(|v| v["fase"].clone())
    };
    assert_eq!(fase(&first), Some(Value::from("nieuw")));
    assert_eq!(fase(&second), Some(Value::from("aanleiding")));

    for step in [
        vec![
            "aankondiging",
            "--zaak",
            ZAAK,
            "--wijze",
            "aangekondigd",
            all,
        ],
        vec![
            "deur",
            "--zaak",
            ZAAK,
            "--handhaver",
            "hh-1",
            "--handhaver",
            "hh-2",
            "--leider",
            "hh-1",
            all,
        ],
        vec![
            "legitimatie",
            "--zaak",
            ZAAK,
            "--doel",
            "Woonsituatie.",
            all,
        ],
    ] {
        ok(d, &step);
    }
    let out = veldwerk(
        d,
        Some(PASS),
        &[
            "toestemming",
            "vraag",
            "--zaak",
            ZAAK,
            "--aanleiding",
            VERTELDE_AANLEIDING,
            all,
            "--json",
        ],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(variant b)"), "{stderr}");
    let recorded: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(recorded["entry"]["visit_id"], second.as_str());
    let next: Vec<&str> = recorded["next_steps"]
        .as_array()
        .expect("next steps")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        next,
        [
            "toestemming_gegeven",
            "toestemming_geweigerd",
            "niet_in_staat",
            "bezoek_afgebroken",
            "correctie"
        ]
    );
}

/// Issue 14 item 2: `veldwerk bezoek afbreken` ends a running visit with a reason, without
/// routekaart conditions, and the timeline shows it; nothing before it is removed.
#[test]
fn a_visit_is_broken_off_with_a_reason() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let help = ok(d, &["bezoek", "afbreken", "--help"]);
    assert!(help.contains("afbreken met een reden"), "{help}");
    assert!(help.contains("--reden"), "{help}");

    let visit = start_visit(d);
    ok(d, &with(AANLEIDING, &["--bevestig-alles"]));
    ok(
        d,
        &[
            "aankondiging",
            "--zaak",
            ZAAK,
            "--wijze",
            "aangekondigd",
            "--bevestig-alles",
        ],
    );
    fails(
        d,
        &["bezoek", "afbreken", "--zaak", ZAAK, "--reden", "  "],
        "veld_leeg",
    );
    let recorded = ok_json(
        d,
        &[
            "bezoek",
            "afbreken",
            "--zaak",
            ZAAK,
            "--bezoek",
            &visit,
            "--reden",
            "Handhaver weggeroepen voor een spoedgeval.",
        ],
    );
    assert_eq!(
        recorded["entry"]["policy"]["confirmed_conditions"],
        serde_json::json!([])
    );
    fails(
        d,
        &[
            "deur",
            "--zaak",
            ZAAK,
            "--handhaver",
            "hh-1",
            "--handhaver",
            "hh-2",
            "--leider",
            "hh-1",
            "--bevestig-alles",
        ],
        "bezoek_beeindigd",
    );
    let shown = ok(d, &["zaak", "show", ZAAK]);
    assert!(shown.contains("Bezoek afgebroken"), "{shown}");
    assert!(
        shown.contains("afgebroken: Handhaver weggeroepen voor een spoedgeval."),
        "{shown}"
    );
    assert!(shown.contains("Aankondiging"), "{shown}");
    let detail = ok_json(d, &["zaak", "show", ZAAK]);
    assert_eq!(detail["visits"][0]["einde"], "afgebroken");
    assert_eq!(
        detail["visits"][0]["entries"].as_array().map(Vec::len),
        Some(3)
    );
}

/// The commands "Volgende stappen" (or "Volgende stap") printed last.
fn offered(output: &str) -> Vec<String> {
    output
        .lines()
        .rev()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Volgende stappen:")
                .or_else(|| l.trim().strip_prefix("Volgende stap:"))
        })
        .map(|l| l.split(',').map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// Issue 15: a full visit walked with only the command names that "Volgende stappen" prints;
/// a correctie names its entry by the number shown (`nr. N`).
#[test]
fn a_visit_is_walked_with_the_names_volgende_stappen_prints() {
    let empty = data_dir_with_zaak();
    assert_no_codes(&ok(empty.path(), &["zaken"]));
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let mut shown = ok(
        d,
        &[
            "bezoek",
            "start",
            "--zaak",
            ZAAK,
            "--actie",
            "huisbezoek",
            "--handhavers",
            "2",
        ],
    );
    let aanleiding: Vec<&str> = AANLEIDING[1..].to_vec();
    let steps: Vec<(&str, Vec<&str>)> = vec![
        ("aanleiding", aanleiding),
        ("aankondiging", vec!["--wijze", "aangekondigd"]),
        (
            "deur",
            vec![
                "--handhaver",
                "hh-1",
                "--handhaver",
                "hh-2",
                "--leider",
                "hh-1",
            ],
        ),
        (
            "legitimatie",
            vec!["--doel", "Vaststellen van de woonsituatie."],
        ),
        (
            "toestemming vraag",
            vec!["--aanleiding", VERTELDE_AANLEIDING],
        ),
        (
            "toestemming gegeven",
            vec![
                "--door",
                "A. Jansen",
                "--rol",
                "bewoner",
                "--leeftijd",
                "volwassen",
            ],
        ),
        ("binnentreden", vec![]),
        (
            "waarneming",
            vec!["--ruimte", "badkamer", "--tekst", "Twee tandenborstels."],
        ),
        ("correctie", vec!["--tekst", "Lees: drie tandenborstels."]),
        ("afsluiting", vec![]),
        (
            "rapport",
            vec![
                "--tekst",
                "In de badkamer stonden drie tandenborstels.",
                "--ondertekenaar",
                "hh-1:ambtseed",
            ],
        ),
        ("uitnodiging", vec![]),
    ];
    let mut waarneming_nr = String::new();
    for (command, extra) in steps {
        assert!(
            offered(&shown).iter().any(|c| c == command),
            "'{command}' not offered: {shown}"
        );
        let mut args: Vec<&str> = command.split(' ').collect();
        if !extra.contains(&"--zaak") {
            args.extend(["--zaak", ZAAK]);
        }
        args.extend(extra);
        let nr = format!("nr. {waarneming_nr}");
        if command == "correctie" {
            args.extend(["--entry", nr.as_str()]);
        }
        args.push("--bevestig-alles");
        shown = ok(d, &args);
        assert_no_codes(&shown);
        if command == "waarneming" {
            // "Vastgelegd: waarneming (vastlegging ID, nr. N)"
            waarneming_nr = shown
                .split("nr. ")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .expect("entry number shown")
                .to_owned();
        }
    }
    // Issue 15: no internal names in human output (`aan_de_deur`, `nog_geen_bezoek`, `ok`).
    assert_no_codes(&ok(d, &["zaak", "show", ZAAK]));
    assert_no_codes(&ok(d, &["zaken"]));
    let detail = ok_json(d, &["zaak", "show", ZAAK]);
    let entries = detail["visits"][0]["entries"].as_array().expect("entries");
    let waarneming = &entries
        .iter()
        .find(|e| e["event"]["soort"] == "waarneming")
        .expect("waarneming")["entry"]["entry_id"];
    let correctie = entries
        .iter()
        .find(|e| e["event"]["soort"] == "correctie")
        .expect("correctie");
    assert_eq!(&correctie["event"]["corrigeert"], waarneming);

    // A short unique prefix of the entry id names it too; fewer than 4 characters do not.
    let id = waarneming.as_str().expect("entry id");
    let prefix = id.get(..8).expect("long id");
    ok_json(
        d,
        &[
            "correctie",
            "--zaak",
            ZAAK,
            "--entry",
            prefix,
            "--tekst",
            "Lees: in de badkamer.",
        ],
    );
    fails(
        d,
        &["correctie", "--zaak", ZAAK, "--entry", "ab", "--tekst", "x"],
        "input_invalid",
    );
    let detail = ok_json(d, &["zaak", "show", ZAAK]);
    let corrected: Vec<&Value> = detail["visits"][0]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["event"]["soort"] == "correctie")
        .map(|e| &e["event"]["corrigeert"])
        .collect();
    assert_eq!(corrected, [waarneming, waarneming]);
}

/// Human output names things in words: no snake_case machine code, no CamelCase type name.
fn assert_no_codes(text: &str) {
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let snake = word.contains('_') && word.chars().all(|c| c.is_lowercase() || c == '_');
        let camel = word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().skip(1).any(char::is_uppercase)
            && word.chars().any(char::is_lowercase)
            && word.chars().all(char::is_alphabetic);
        assert!(!snake && !camel, "'{word}' in human output:\n{text}");
    }
}

/// Issue 16 §1: the device shows the vragenlijst its organisation set (here: the built-in one).
#[test]
fn the_device_shows_its_vragenlijst() {
    let dir = data_dir_with_zaak();
    let text = ok(dir.path(), &["vragenlijst"]);
    assert!(
        text.starts_with("Woonsituatie-onderzoek (id woonsituatie, versie 1)"),
        "{text}"
    );
    assert!(
        text.contains("per eenheid van 'aantal_slaapkamers'") && text.contains("meterstand in m³"),
        "{text}"
    );
    let json = ok_json(dir.path(), &["vragenlijst"]);
    assert!(
        json["vragen"].as_array().is_some_and(|v| v.len() > 10),
        "{json}"
    );
}

/// Seed 002 §3.1 ("waar nodig met een tolk"): `niet-in-staat` records why, the language an
/// interpreter would need (required when the reason is language), and the follow-up; `deur`
/// records whether minors are present.
#[test]
fn seed_002_s3_1_niet_in_staat_records_the_reason_the_tolk_and_the_follow_up() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    start_visit(d);
    ok(d, &with(AANLEIDING, &["--bevestig-alles"]));
    ok(
        d,
        &[
            "aankondiging",
            "--zaak",
            ZAAK,
            "--wijze",
            "aangekondigd",
            "--bevestig-alles",
        ],
    );
    ok(
        d,
        &[
            "deur",
            "--zaak",
            ZAAK,
            "--handhaver",
            "hh-1",
            "--handhaver",
            "hh-2",
            "--leider",
            "hh-1",
            "--minderjarigen",
            "ja",
            "--bevestig-alles",
        ],
    );
    let niet = |extra: &[&'static str]| {
        let mut args = vec![
            "niet-in-staat",
            "--zaak",
            ZAAK,
            "--toelichting",
            "De bewoonster spreekt geen Nederlands.",
            "--reden",
            "taal",
            "--vervolg",
            "Nieuwe afspraak met een tolk Arabisch.",
            "--bevestig-alles",
        ];
        args.extend_from_slice(extra);
        args
    };
    fails(d, &niet(&[]), "veld_leeg");
    let recorded = ok_json(
        d,
        &niet(&["--tolk-taal", "Arabisch", "--nieuwe-afspraak", "2026-12-10"]),
    );
    let event = &recorded["entry"]["body"];
    let body: Value = serde_json::from_str(event.as_str().expect("body")).expect("JSON body");
    assert_eq!(body["reden"], "taal");
    assert_eq!(body["tolk_taal"], "Arabisch");
    assert_eq!(body["nieuwe_afspraak"], "2026-12-10");
    let shown = ok_json(d, &["zaak", "show", ZAAK]);
    assert_eq!(
        shown["visits"][0]["entries"][2]["event"]["minderjarigen_aanwezig"],
        true
    );
}

/// Runs each `(command, arguments)` on zaak [`ZAAK`], each one a command the previous output
/// offered under "Volgende stappen"; returns the last output.
fn walk(d: &Path, mut shown: String, steps: &[(&str, &[&str])]) -> String {
    for (command, extra) in steps {
        assert!(
            offered(&shown).iter().any(|c| c == command),
            "'{command}' not offered: {shown}"
        );
        let mut args: Vec<&str> = command.split(' ').collect();
        args.extend(["--zaak", ZAAK]);
        args.extend(*extra);
        args.push("--bevestig-alles");
        shown = ok(d, &args);
        assert_no_codes(&shown);
    }
    shown
}

const TWIJFEL: &[&str] = &[
    "--grondslag",
    "twijfel",
    "--twijfel",
    "Opgegeven woonlasten wijken af van de huurovereenkomst.",
    "--andere-wijze-onderzocht",
    "Huurovereenkomst opgevraagd.",
];

/// Issue 15: every field action of the routekaart (seed 004) is recorded from the CLI with the
/// names "Volgende stappen" prints: a waarneming ter plaatse from the public road, a gesprek op
/// afstand, and internet research (seed 002 §9) before a grondslag cites the internet.
#[test]
fn every_field_action_is_walked_with_the_names_volgende_stappen_prints() {
    let dir = data_dir_with_zaak();
    let d = dir.path();
    let start = |actie: &str| ok(d, &["bezoek", "start", "--zaak", ZAAK, "--actie", actie]);

    let shown = walk(
        d,
        start("waarneming"),
        &[
            ("aanleiding", TWIJFEL),
            (
                "ter-plaatse start",
                &[
                    "--handhaver",
                    "hh-1",
                    "--leider",
                    "hh-1",
                    "--vervoer",
                    "auto",
                    "--per-auto",
                    "1",
                ],
            ),
            (
                "ter-plaatse waarneming",
                &[
                    "--plek",
                    "Voor Dorpsstraat 12",
                    "--tekst",
                    "Om 07:40 verliet een man de woning met een sporttas.",
                    "--vanaf-openbare-weg",
                ],
            ),
            ("afsluiting", &[]),
            (
                "rapport",
                &[
                    "--tekst",
                    "Zie de waarneming.",
                    "--ondertekenaar",
                    "hh-1:ambtseed",
                ],
            ),
        ],
    );
    assert!(shown.contains("uitnodiging"), "{shown}");
    // Without confirming the public road the device refuses, in Dutch with its code.
    walk(
        d,
        start("waarneming"),
        &[
            ("aanleiding", TWIJFEL),
            (
                "ter-plaatse start",
                &[
                    "--handhaver",
                    "hh-1",
                    "--leider",
                    "hh-1",
                    "--vervoer",
                    "fiets",
                ],
            ),
        ],
    );
    let refused = fails(
        d,
        &[
            "ter-plaatse",
            "waarneming",
            "--zaak",
            ZAAK,
            "--plek",
            "Achtertuin",
            "--tekst",
            "Een fiets.",
        ],
        "waarneming_niet_vanaf_openbare_weg",
    );
    assert!(refused["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("openbare weg")));

    walk(
        d,
        start("gesprek_op_afstand"),
        &[
            ("aanleiding", TWIJFEL),
            (
                "gesprek",
                &[
                    "--met",
                    "A. Jansen",
                    "--rol",
                    "bewoner",
                    "--wijze",
                    "video",
                    "--handhaver",
                    "hh-2",
                    "--leider",
                    "hh-2",
                ],
            ),
            ("afsluiting", &[]),
            (
                "rapport",
                &[
                    "--tekst",
                    "Verslag: mevrouw Jansen bevestigt dat zij alleen woont.",
                    "--ondertekenaar",
                    "hh-2:ambtsbelofte",
                ],
            ),
        ],
    );

    // Seed 002 §9: the internet as a source only after the research is recorded.
    let internet_feit = [
        "--grondslag",
        "concrete_aanwijzing",
        "--feit",
        "internet:Twaalf advertenties voor fietsonderdelen sinds maart.",
        "--bron",
        "Marktplaats",
        "--waarom-niet-minder-ingrijpend",
        "Bankafschriften tonen geen verkopen.",
    ];
    start("huisbezoek");
    let mut citing = vec!["aanleiding", "--zaak", ZAAK];
    citing.extend(internet_feit);
    fails(d, &citing, "internetonderzoek_niet_vastgelegd");
    walk(
        d,
        start("administratief_onderzoek"),
        &[
            ("aanleiding", TWIJFEL),
            (
                "internetonderzoek",
                &[
                    "--door",
                    "hh-1",
                    "--bron",
                    "Marktplaats (openbare advertenties)",
                    "--waarom-evenredig",
                    "Signaal van inkomsten; alleen openbare advertenties bekeken.",
                    "--waarom-niet-minder-ingrijpend",
                    "De klant gaf op verzoek geen overzicht van verkopen.",
                    "--bevindingen",
                    "Twaalf advertenties voor fietsonderdelen sinds maart.",
                ],
            ),
        ],
    );
    start("huisbezoek");
    ok(d, &citing);

    let text = ok(d, &["zaak", "show", ZAAK]);
    assert_no_codes(&text);
    for expected in [
        "vanaf de openbare weg",
        "per video met A. Jansen",
        "Marktplaats (openbare advertenties)",
    ] {
        assert!(text.contains(expected), "'{expected}' not in:\n{text}");
    }
}
