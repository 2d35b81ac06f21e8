//! Signals, their assessment into a zaak, heronderzoek planning and the worklist, through the
//! admin commands against a data directory.

use clap::Parser;
use veldwerk_rules::protocol::grondslag::Grondslag;
use veldwerk_server::cli::{run_admin, Cli};
use veldwerk_server::db::TestStore;

fn run(settings: &veldwerk_server::Settings, args: &[&str]) -> Result<String, String> {
    let mut argv = vec!["veldwerk-server"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    run_admin(settings, cli.command.unwrap(), &mut "".as_bytes()).map_err(|e| e.code().to_owned())
}

fn settings(store: &TestStore) -> veldwerk_server::Settings {
    veldwerk_server::Settings {
        data_dir: store.dir.path().to_path_buf(),
        database_url: store.database_url(),
        ..Default::default()
    }
}

#[test]
fn soorten_lists_seed_001_with_termijnen() {
    let dir = TestStore::new();
    let s = settings(&dir);
    let out = run(&s, &["signaal", "soorten"]).unwrap();
    // seed 001 bijlage 1: "Tip/informatie door derde": binnen twee weken.
    assert!(out.contains("tip_derde"), "{out}");
    assert!(out
        .lines()
        .any(|l| l.starts_with("tip_derde") && l.contains("2 weken")));
    let json: serde_json::Value =
        serde_json::from_str(&run(&s, &["signaal", "soorten", "--json"]).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 35);
}

#[test]
fn a_signal_prints_its_deadline_and_an_override_changes_it() {
    let dir = TestStore::new();
    let s = settings(&dir);
    // seed 001 bijlage 1, Wonen, "Verhuizing": binnen vier weken na ontvangst.
    let out = run(
        &s,
        &[
            "signaal",
            "add",
            "--soort",
            "verhuizing",
            "--ontvangen",
            "2026-03-02",
            "--client",
            "C-1",
        ],
    )
    .unwrap();
    assert!(out.contains("Uiterste datum: 2026-03-30"), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        &run(
            &s,
            &[
                "signaal",
                "add",
                "--soort",
                "rof_te_laat",
                "--ontvangen",
                "2026-03-02",
                "--json",
            ],
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json["deadline"], serde_json::Value::Null);
    assert_eq!(
        run(
            &s,
            &[
                "signaal",
                "add",
                "--soort",
                "onbekend",
                "--ontvangen",
                "2026-03-02"
            ]
        ),
        Err("signaal_soort_unknown".into())
    );

    let file = dir.dir.path().join("termijnen.toml");
    std::fs::write(&file, "[termijnen]\nverhuizing = \"10 werkdagen\"\n").unwrap();
    run(&s, &["signaal", "termijnen", file.to_str().unwrap()]).unwrap();
    // Monday 2026-04-20 + 10 werkdagen: Koningsdag (27 april) and 5 mei skipped.
    let out = run(
        &s,
        &[
            "signaal",
            "add",
            "--soort",
            "verhuizing",
            "--ontvangen",
            "2026-04-20",
        ],
    )
    .unwrap();
    assert!(out.contains("Uiterste datum: 2026-05-06"), "{out}");
    std::fs::write(&file, "[termijnen]\nverhuizing = \"0 weken\"\n").unwrap();
    assert_eq!(
        run(&s, &["signaal", "termijnen", file.to_str().unwrap()]),
        Err("termijn_invalid".into())
    );
}

#[test]
fn assessment_geen_actie_needs_a_reason_and_a_melding_becomes_a_zaak_with_its_signals() {
    let dir = TestStore::new();
    let s = settings(&dir);
    run(
        &s,
        &[
            "signaal",
            "add",
            "--soort",
            "scholing",
            "--ontvangen",
            "2026-03-02",
        ],
    )
    .unwrap();
    assert_eq!(
        run(&s, &["signaal", "beoordeel", "1", "--geen-actie", " "]),
        Err("signaal_reden_missing".into())
    );
    run(
        &s,
        &[
            "signaal",
            "beoordeel",
            "1",
            "--geen-actie",
            "Scholing past binnen de wet",
        ],
    )
    .unwrap();
    assert_eq!(
        run(&s, &["signaal", "beoordeel", "1", "--schriftelijk"]),
        Err("signaal_assessed".into())
    );

    // An anonymous tip (seed 002 §6) and a GBA mutation become one melding handhaving.
    run(
        &s,
        &[
            "signaal",
            "add",
            "--soort",
            "tip_derde",
            "--ontvangen",
            "2026-03-02",
            "--kanaal",
            "telefoon",
            "--anoniem",
            "--feiten",
            "Melder ziet dagelijks een tweede volwassene",
        ],
    )
    .unwrap();
    let out = run(
        &s,
        &[
            "signaal",
            "melding",
            "--signaal",
            "2",
            "--werkproces",
            "h2",
            "--klantmanager",
            "C. Visser",
            "--motivatie",
            "Een anonieme tip meldt een tweede volwassene op het adres.",
            "--begindatum",
            "2026-03-03",
            "--label",
            "Samenwoning",
        ],
    )
    .unwrap();
    // The zaak takes the tip's deadline (binnen twee weken, seed 001 bijlage 1).
    assert!(out.contains("Uiterste datum: 2026-03-16"), "{out}");
    let zaak_id = out.split_whitespace().nth(3).unwrap().to_owned();

    let db = dir.open();
    let feiten = db
        .read(|tx| veldwerk_server::signalen::feiten(tx, &zaak_id))
        .unwrap();
    assert_eq!(feiten.len(), 1);
    // Seed 001 Protocol §1 / BA2410: an anonymous tip alone is no concrete aanwijzing.
    let grondslag = Grondslag::ConcreteAanwijzing {
        feiten,
        geraadpleegde_bronnen: vec!["BRP".into()],
        waarom_niet_minder_ingrijpend: "Schriftelijk onderzoek gaf geen uitsluitsel.".into(),
    };
    assert!(grondslag.validate().is_err());
    let zaak = db
        .read(|tx| veldwerk_server::zaken::get(tx, &zaak_id))
        .unwrap()
        .unwrap();
    assert_eq!(zaak.deadline.unwrap().to_string(), "2026-03-16");
}

#[test]
fn heronderzoek_plan_import_and_the_worklist() {
    let dir = TestStore::new();
    let s = settings(&dir);
    // seed 001 bijlage 1, RAU: eenmaal per 18 maanden.
    let out = run(
        &s,
        &[
            "heronderzoek",
            "plan",
            "--groep",
            "rau_ioaw_ioaz_bbz",
            "--laatst",
            "2025-01-15",
        ],
    )
    .unwrap();
    assert!(out.contains("uiterlijk 2026-07-15"), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        &run(
            &s,
            &[
                "heronderzoek",
                "plan",
                "--groep",
                "traject_ontwikkel",
                "--laatst",
                "2024-05-01",
                "--start",
                "2024-02-15",
                "--json",
            ],
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json["datum"], "2026-02-15");
    assert_eq!(json["wat"], "heronderzoek_met_voortgangsgesprek");
    assert_eq!(
        run(&s, &["heronderzoek", "plan", "--groep", "bbz_beeindigd"]),
        Err("heronderzoek_field_missing".into())
    );

    let csv = dir.dir.path().join("clients.csv");
    std::fs::write(&csv, "client,groep,laatst,team\nK-1,overige_klanten,2020-01-01,Noord\nK-2,zorgklanten,2099-01-01,Zuid\n").unwrap();
    let out = run(&s, &["heronderzoek", "import", csv.to_str().unwrap()]).unwrap();
    assert!(out.contains("2 cliënten"), "{out}");
    std::fs::write(&csv, "client,groep,naam\nK-1,overige_klanten,Jan\n").unwrap();
    assert_eq!(
        run(&s, &["heronderzoek", "import", csv.to_str().unwrap()]),
        Err("heronderzoek_csv_invalid".into())
    );

    run(
        &s,
        &[
            "signaal",
            "add",
            "--soort",
            "beslag",
            "--ontvangen",
            "2020-02-01",
            "--team",
            "Noord",
        ],
    )
    .unwrap();
    let out = run(&s, &["werkvoorraad"]).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    // K-1 was due 2023-01-01, the signal 2020-02-15: both overdue, oldest first.
    assert!(
        lines[0].starts_with("2020-02-15") && lines[0].ends_with("TE LAAT"),
        "{out}"
    );
    assert!(
        lines[1].contains("K-1") && lines[1].ends_with("TE LAAT"),
        "{out}"
    );
    assert!(
        lines[2].contains("K-2") && !lines[2].contains("TE LAAT"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&s, &["werkvoorraad", "--team", "Zuid", "--json"]).unwrap())
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["id"], "K-2");
}
