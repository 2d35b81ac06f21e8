//! `veldwerk rules ...` run as a built binary: JSON output, human output, errors, exit codes.

use std::process::{Command, Output};

fn veldwerk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_veldwerk"))
        .args(args)
        .output()
        .expect("the veldwerk binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "exactly one line: {stdout}");
    serde_json::from_str(&stdout).expect("one JSON object")
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert!(n["message"].as_str().is_some_and(|m| !m.is_empty()));
            n["code"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn check_json_allowed_exits_0_with_conditions() {
    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "oranje",
        "--action",
        "huisbezoek_app",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["code"], "oranje");
    assert_eq!(v["action"], "huisbezoek_app");
    assert_eq!(v["decision"], "allowed");
    assert_eq!(codes(&v["reasons"]), Vec::<String>::new());
    assert_eq!(
        codes(&v["conditions"]),
        ["max_handhavers", "distance_1_5_m"]
    );
    assert_eq!(
        codes(&v["warnings"]),
        ["huisbezoek_app_juridisch_niet_afgestemd"]
    );
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6);
}

#[test]
fn check_json_forbidden_exits_3_with_reasons() {
    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "oranje",
        "--action",
        "waarneming",
        "--transport",
        "auto",
        "--medewerkers-per-auto",
        "2",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["decision"], "forbidden");
    assert_eq!(codes(&v["reasons"]), ["max_medewerkers_per_auto_exceeded"]);
    assert_eq!(codes(&v["conditions"]), Vec::<String>::new());

    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "geel",
        "--action",
        "gesprek_op_afstand",
        "--hardware-ok",
        "no",
        "--software-beveiligd",
        "yes",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(codes(&json(&out)["reasons"]), ["hardware_not_suitable"]);
}

#[test]
fn check_coronaproof_no_makes_mask_mandatory_not_forbidden() {
    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "geel",
        "--action",
        "spreekkamer",
        "--coronaproof",
        "no",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(codes(&json(&out)["conditions"])
        .contains(&"mask_mandatory_client_and_medewerker".to_string()));
}

#[test]
fn check_human_output_is_dutch() {
    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "rood",
        "--action",
        "spreekkamer",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("VERBODEN"), "{s}");
    assert!(s.contains("face-to-face gesprekken niet mogelijk"), "{s}");
}

#[test]
fn unknown_code_action_or_value_exits_2_with_message_on_stderr() {
    for (args, needle) in [
        (
            vec!["--code", "groen", "--action", "huisbezoek"],
            "onbekende code 'groen'",
        ),
        (
            vec!["--code", "geel", "--action", "zwemmen"],
            "onbekende actie 'zwemmen'",
        ),
        (
            vec![
                "--code",
                "geel",
                "--action",
                "waarneming",
                "--transport",
                "bus",
            ],
            "onbekende vervoerswijze 'bus'",
        ),
        (
            vec![
                "--code",
                "geel",
                "--action",
                "huisbezoek",
                "--handhavers=-1",
            ],
            "'-1'",
        ),
        (
            vec![
                "--code",
                "geel",
                "--action",
                "spreekkamer",
                "--coronaproof",
                "misschien",
            ],
            "misschien",
        ),
    ] {
        let mut full = vec!["rules", "check"];
        full.extend(args.iter().copied());
        full.push("--json");
        let out = veldwerk(&full);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn routekaart_file_overrides_apply_and_bad_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "organisatie = \"Gemeente Test\"\nversie = \"3\"\n\n[oranje.spreekkamer]\n\
         toegestaan = false\nreden = \"Dicht.\"\n",
    )
    .unwrap();
    let g = good.to_str().unwrap();
    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "oranje",
        "--action",
        "spreekkamer",
        "--routekaart",
        g,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(codes(&v["reasons"]), ["forbidden_by_organisation"]);
    assert_eq!(codes(&v["warnings"]), ["cell_overridden_by_organisation"]);

    let out = veldwerk(&["rules", "validate", g]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("oranje.spreekkamer"));

    let out = veldwerk(&["rules", "show", "--code", "oranje", "--routekaart", g]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("aangepast door de organisatie"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "organisatie = \"G\"\nversie = \"1\"\n[geel.huisbezoek]\nmax_handhavers = 0\n",
    )
    .unwrap();
    let b = bad.to_str().unwrap();
    let out = veldwerk(&["rules", "validate", b]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("regel 4"), "{err}");
    assert!(err.contains("override_number_too_small"), "{err}");

    let out = veldwerk(&[
        "rules",
        "check",
        "--code",
        "geel",
        "--action",
        "huisbezoek",
        "--routekaart",
        b,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("regel 4"));

    let missing = dir.path().join("missing.toml");
    let out = veldwerk(&["rules", "validate", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("file_unreadable"));
}

#[test]
fn show_prints_every_action_and_both_footnotes() {
    let out = veldwerk(&["rules", "show"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    for id in [
        "[huisbezoek]",
        "[huisbezoek_app]",
        "[waarneming]",
        "[gesprek_op_afstand]",
        "[spreekkamer]",
        "[mobiele_unit]",
        "[administratief_onderzoek]",
    ] {
        assert!(s.contains(id), "{id}");
    }
    assert!(s.contains("partners_may_differ"));
    assert!(s.contains("huisbezoek_app_juridisch_niet_afgestemd"));
    assert_eq!(s.matches("(code rood)").count(), 7);
}

#[test]
fn admin_onderzoek_filters_by_topic_and_dienst() {
    let out = veldwerk(&["rules", "admin-onderzoek", "--dienst", "svb", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "verhuizing_voor_uitkering",
            "non_respons",
            "alleenstaande_met_partner",
            "boete_overtredingsgedrag",
            "uitkomsten_eigen_risicomodel"
        ]
    );
    let out = veldwerk(&[
        "rules",
        "admin-onderzoek",
        "--topic",
        "Huurtoeslag",
        "--json",
    ]);
    let v = json(&out);
    assert_eq!(v[0]["diensten"], serde_json::json!(["bd"]));
    let out = veldwerk(&["rules", "admin-onderzoek", "--topic", "bestaat-niet"]);
    assert_eq!(out.status.code(), Some(2));
    let out = veldwerk(&["rules", "admin-onderzoek", "--dienst", "rdw"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("onbekende dienst"));
}

/// Issue 15: clap's own lines are Dutch too: help headings and flags, and wrong input as
/// `fout: …` with exit code 2.
#[test]
fn the_command_line_itself_speaks_dutch() {
    let help = Command::new(env!("CARGO_BIN_EXE_veldwerk"))
        .args(["deur", "--help"])
        .output()
        .expect("run veldwerk");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Gebruik: veldwerk deur"), "{text}");
    assert!(
        text.contains("Opties:") && text.contains("Toon deze hulp"),
        "{text}"
    );
    for english in [
        "Usage:",
        "Options:",
        "Print help",
        "Commands:",
        "[OPTIONS]",
        "[default:",
    ] {
        assert!(!text.contains(english), "{english} in {text}");
    }
    let wrong = Command::new(env!("CARGO_BIN_EXE_veldwerk"))
        .args(["bezoek", "start", "--zaak", "Z-1", "--actie", "te_voet"])
        .output()
        .expect("run veldwerk");
    assert_eq!(wrong.status.code(), Some(2));
    let text = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        text.starts_with("fout: ongeldige waarde 'te_voet'"),
        "{text}"
    );
    assert!(
        text.contains("huisbezoek_app") && !text.contains("error:"),
        "{text}"
    );
}
