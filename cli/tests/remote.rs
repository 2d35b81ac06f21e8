//! The `veldwerk` binary against a real server on a loopback port: enroll with a one-time
//! code, sync, record, learn a code switch to rood at the next sync (the spreekkamer is then
//! refused under the device's active code), and a revoked device refused and wiped.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use veldwerk_rules::routekaart::Code;
use veldwerk_tests::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_veldwerk");
const PASS: &str = "correct paard batterij nietje";

fn veldwerk(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("VELDWERK_PASSPHRASE", PASS)
        .output()
        .expect("run veldwerk")
}

/// Runs a command with `--json`; returns its exit code and its JSON output.
fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut args = args.to_vec();
    args.push("--json");
    let out = veldwerk(dir, &args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "veldwerk {args:?}: no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), value)
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    let (code, value) = json(dir, args);
    assert_eq!(code, 0, "veldwerk {args:?}: {value}");
    value
}

fn spreekkamer(dir: &Path) -> (i32, Value) {
    json(
        dir,
        &[
            "rules",
            "check",
            "--action",
            "spreekkamer",
            "--coronaproof",
            "ja",
        ],
    )
}

#[test]
fn the_cli_enrolls_syncs_learns_rood_and_is_refused_once_revoked() {
    let server = TestServer::start();
    server.zaak("Z-1", &["piet"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();

    let enrolled = ok(
        dir,
        &[
            "enroll",
            "--server",
            &server.url(),
            "--code",
            &server.enroll_code("piet"),
        ],
    );
    assert_eq!(enrolled["user"], "piet");
    let synced = ok(dir, &["sync"]);
    assert_eq!(synced["new_zaken"], serde_json::json!(["Z-1"]));
    assert_eq!(synced["code"], "geel");
    assert_eq!(ok(dir, &["status"])["policy"]["code"], "geel");
    let (exit, decision) = spreekkamer(dir);
    assert_eq!((exit, decision["decision"].as_str()), (0, Some("allowed")));

    // A step recorded offline reaches the server at the next sync.
    let visit = ok(
        dir,
        &[
            "bezoek",
            "start",
            "--zaak",
            "Z-1",
            "--actie",
            "huisbezoek",
            "--handhavers",
            "2",
        ],
    );
    assert!(visit["visit_id"].is_string(), "{visit}");
    ok(
        dir,
        &[
            "aanleiding",
            "--zaak",
            "Z-1",
            "--grondslag",
            "concrete_aanwijzing",
            "--feit",
            "register:Twee auto's van een ander staan sinds maart op het adres.",
            "--bron",
            "RDW",
            "--waarom-niet-minder-ingrijpend",
            "De registers tonen niet wie er woont.",
            "--bevestig-alles",
        ],
    );
    assert!(ok(dir, &["status"])["unsynced_entries"].as_u64() > Some(0));
    let before = server.entry_count("Z-1");
    let synced = ok(dir, &["sync"]);
    assert_eq!(synced["rejections"], serde_json::json!([]));
    assert!(server.entry_count("Z-1") > before);
    assert_eq!(ok(dir, &["status"])["unsynced_entries"], 0);

    // The supervisor switches to rood; the device learns it at its next sync.
    let version = server.switch_code(Code::Rood, "Persconferentie: code rood", 0);
    assert_eq!(spreekkamer(dir).0, 0, "not yet known on the device");
    let synced = ok(dir, &["sync"]);
    assert_eq!(synced["policy_updated"], version);
    assert_eq!(synced["code"], "rood");
    assert_eq!(ok(dir, &["status"])["policy"]["code"], "rood");
    let (exit, decision) = spreekkamer(dir);
    assert_eq!(exit, 3, "forbidden: {decision}");
    assert_eq!(decision["code"], "rood");
    assert!(decision["reasons"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["code"] == "face_to_face_not_possible")));
    let (exit, refused) = json(
        dir,
        &[
            "bezoek",
            "start",
            "--zaak",
            "Z-1",
            "--actie",
            "huisbezoek",
            "--handhavers",
            "2",
        ],
    );
    assert_ne!(exit, 0);
    assert_eq!(refused["error"]["code"], "actie_verboden");

    // Revoked: the next sync is refused and the device wipes itself.
    let device_id = enrolled["device_id"].as_str().expect("device id");
    server.revoke(device_id);
    let (exit, refused) = json(dir, &["sync"]);
    assert_ne!(exit, 0);
    assert_eq!(refused["error"]["code"], "device_revoked");
    let left: Vec<_> = std::fs::read_dir(dir).expect("data dir").collect();
    assert!(left.is_empty(), "store files remain: {left:?}");
}

/// Issue 15: a failed first `enroll` (a wrong code, or no server) leaves no store, key or salt
/// file behind, so a retry may choose another passphrase.
#[test]
fn a_failed_enroll_leaves_nothing_and_a_retry_with_another_passphrase_works() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("apparaat");
    let enroll = |passphrase: &str, url: &str, code: &str| {
        Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(["enroll", "--server", url, "--code", code, "--json"])
            .stdin(Stdio::null())
            .env("VELDWERK_PASSPHRASE", passphrase)
            .output()
            .expect("run veldwerk")
    };
    let bad_code = enroll(PASS, &server.url(), "GEEN-GELDIGE-CODE");
    assert!(!bad_code.status.success());
    assert!(!data.exists(), "a failed enroll left {data:?} behind");
    let no_server = enroll(PASS, "http://127.0.0.1:9", "ABC-DEF");
    assert!(!no_server.status.success());
    assert!(!data.exists(), "a failed enroll left {data:?} behind");

    let other = "een heel ander wachtwoord";
    let retried = enroll(other, &server.url(), &server.enroll_code("piet"));
    assert!(
        retried.status.success(),
        "{}",
        String::from_utf8_lossy(&retried.stderr)
    );
    let value: Value = serde_json::from_slice(&retried.stdout).expect("JSON");
    assert_eq!(value["user"], "piet");

    // An enrolled data directory is kept when a later enroll fails.
    let again = enroll(other, &server.url(), "GEEN-GELDIGE-CODE");
    assert!(!again.status.success());
    assert!(data.join("sleutelafleiding").exists());
}
