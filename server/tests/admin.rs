//! The admin subcommands against a data directory.

use clap::Parser;
use veldwerk_server::cli::{run_admin, Cli};

fn run(settings: &veldwerk_server::Settings, args: &[&str], stdin: &str) -> Result<String, String> {
    let mut argv = vec!["veldwerk-server"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    run_admin(settings, cli.command.unwrap(), &mut stdin.as_bytes())
        .map_err(|e| e.code().to_owned())
}

#[test]
fn admin_commands_manage_users_zaken_codes_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };

    let out = run(
        &s,
        &[
            "user",
            "add",
            "sanne",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        "een lang wachtwoord\n",
    )
    .unwrap();
    assert!(out.contains("rol supervisor"));
    let out = run(&s, &["user", "add", "boss", "--role", "admin"], "").unwrap();
    assert!(out.contains("Wachtwoord (eenmalig getoond)"));
    run(&s, &["user", "add", "piet", "--role", "handhaver"], "").unwrap();
    assert_eq!(
        run(&s, &["user", "add", "piet", "--role", "handhaver"], ""),
        Err("user_exists".into())
    );

    let code = run(&s, &["enroll-code", "--user", "piet"], "").unwrap();
    assert_eq!(code.lines().next().unwrap().len(), 14);
    assert_eq!(
        run(&s, &["enroll-code", "--user", "sanne"], ""),
        Err("enroll_not_handhaver".into())
    );

    let zaak = [
        "zaak",
        "create",
        "--werkproces",
        "h6",
        "--klantmanager",
        "C. Visser",
        "--begindatum",
        "2026-11-20",
        "--deadline",
        "2026-12-04",
        "--label",
        "Aanvraag Poort",
        "--adres",
        "Havenkade 7",
    ];
    let mut with_motivatie = zaak.to_vec();
    with_motivatie.extend([
        "--motivatie",
        "Het kadaster noemt een tweede eigenaar van de woning.",
    ]);
    let out = run(&s, &with_motivatie, "").unwrap();
    assert!(out.starts_with("Zaak Z-2026-0001 aangemaakt."), "{out}");
    let mut empty = zaak.to_vec();
    empty.extend(["--motivatie", "  "]);
    assert_eq!(run(&s, &empty, ""), Err("melding_invalid".into()));

    assert!(run(&s, &["zaak", "assign", "Z-2026-0001", "--user", "piet"], "").is_ok());
    assert_eq!(
        run(
            &s,
            &["zaak", "assign", "Z-2026-0001", "--user", "sanne"],
            ""
        ),
        Err("assign_not_handhaver".into())
    );

    assert_eq!(
        run(
            &s,
            &["code", "set", "rood", "--reason", "Lockdown", "--by", "piet"],
            ""
        ),
        Err("forbidden_role".into())
    );
    let out = run(
        &s,
        &[
            "code", "set", "rood", "--reason", "Lockdown", "--by", "sanne",
        ],
        "",
    )
    .unwrap();
    assert!(out.contains("beleidsversie 2"), "{out}");
    let out = run(&s, &["code", "show"], "").unwrap();
    assert!(
        out.starts_with("Code rood") && out.contains("door sanne: Lockdown"),
        "{out}"
    );

    assert_eq!(
        run(&s, &["device", "list"], "").unwrap(),
        "Geen apparaten gekoppeld.\n"
    );
    assert_eq!(
        run(&s, &["device", "revoke", "dev-x"], ""),
        Err("device_not_found".into())
    );
    assert!(run(&s, &["audit", "verify"], "")
        .unwrap()
        .starts_with("Auditlog intact"));
}

/// Issue 13, "Smaller": the audit log's newest rows dropped straight in the database are found
/// by `audit verify --checkpoint` with the checkpoint an earlier check printed.
#[test]
fn audit_verify_finds_dropped_rows_against_an_earlier_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    run(&s, &["user", "add", "piet", "--role", "handhaver"], "").unwrap();
    let out = run(&s, &["audit", "verify"], "").unwrap();
    let checkpoint = out.lines().last().unwrap().to_owned();
    assert_eq!(checkpoint.split(':').count(), 3, "{out}");
    let ok = run(&s, &["audit", "verify", "--checkpoint", &checkpoint], "").unwrap();
    assert!(ok.starts_with("Auditlog intact"), "{ok}");

    let db = rusqlite::Connection::open(dir.path().join(veldwerk_server::db::DB_FILE)).unwrap();
    db.execute(
        "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
        [],
    )
    .unwrap();
    assert!(
        run(&s, &["audit", "verify"], "").is_ok(),
        "a shorter chain alone is whole"
    );
    assert_eq!(
        run(&s, &["audit", "verify", "--checkpoint", &checkpoint], ""),
        Err("audit_chain_broken".into())
    );
    assert_eq!(
        run(&s, &["audit", "verify", "--checkpoint", "12:zz:yy"], ""),
        Err("audit_checkpoint_invalid".into())
    );
}

#[test]
fn demo_creates_an_organisation_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let db = veldwerk_server::db::Db::open(dir.path()).unwrap();
    veldwerk_server::setup::ensure_organisation(&db, veldwerk_server::demo::DEMO_ORGANISATION)
        .unwrap();
    let info = veldwerk_server::demo::ensure(&db, &s).unwrap().unwrap();
    assert_eq!(info.enroll_codes.len(), 2);
    assert_eq!(info.zaken.len(), 3);
    let text = info.instructions("http://127.0.0.1:8080");
    assert!(text.contains(&info.password) && text.contains(&info.enroll_codes[0].1));
    assert!(veldwerk_server::demo::ensure(&db, &s).unwrap().is_none());
}

#[test]
fn settings_come_from_file_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("veldwerk.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:9999\"\ndata_dir = \"/srv/veldwerk\"\nlogin_max_failures = 7\n",
    )
    .unwrap();
    let cli = Cli::try_parse_from([
        "veldwerk-server",
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        "elders",
    ])
    .unwrap();
    let s = cli.settings().unwrap();
    assert_eq!(s.listen.port(), 9999);
    assert_eq!(s.data_dir, std::path::PathBuf::from("elders"));
    assert_eq!(s.login_max_failures, 7);
    std::fs::write(&config, "onbekend = 1\n").unwrap();
    let cli =
        Cli::try_parse_from(["veldwerk-server", "--config", config.to_str().unwrap()]).unwrap();
    assert!(cli.settings().is_err());
}

/// Issue 14, item 6: `user password` prints a new password once (or takes one on stdin) and
/// replaces the old; `user disable` refuses sign-in until `user enable`.
#[test]
fn user_password_disable_and_enable() {
    use veldwerk_server::db::Db;
    use veldwerk_server::users::login;
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let old = "het oude wachtwoord";
    run(
        &s,
        &[
            "user",
            "add",
            "sanne",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        &format!("{old}\n"),
    )
    .unwrap();
    let out = run(&s, &["user", "password", "sanne"], "").unwrap();
    let new = out
        .lines()
        .find_map(|l| l.strip_prefix("Wachtwoord (eenmalig getoond): "))
        .unwrap()
        .to_owned();
    let db = Db::open(dir.path()).unwrap();
    let t = veldwerk_server::db::now();
    assert_eq!(
        login(&db, &s, "sanne", old, t).unwrap_err().code(),
        "credentials_invalid"
    );
    login(&db, &s, "sanne", &new, t).unwrap();

    let out = run(
        &s,
        &["user", "password", "sanne", "--password-stdin"],
        "gekozen door de beheerder\n",
    )
    .unwrap();
    assert!(
        !out.contains("eenmalig getoond"),
        "a given password is not printed"
    );
    assert_eq!(
        run(
            &s,
            &["user", "password", "sanne", "--password-stdin"],
            "kort\n"
        ),
        Err("password_too_short".into())
    );
    assert_eq!(
        run(&s, &["user", "password", "niemand"], ""),
        Err("user_not_found".into())
    );

    run(&s, &["user", "disable", "sanne"], "").unwrap();
    assert_eq!(
        login(&db, &s, "sanne", "gekozen door de beheerder", t)
            .unwrap_err()
            .code(),
        "account_disabled"
    );
    run(&s, &["user", "enable", "sanne"], "").unwrap();
    login(&db, &s, "sanne", "gekozen door de beheerder", t).unwrap();
}

/// Issue 18, "How it starts": `naar-postgres` moves a whole installation (here the demo
/// organisation) from the data directory into an empty PostgreSQL database: every row, the
/// audit chain intact, ids continuing after the copied ones; a second copy into the same
/// database is refused. Runs where the suites run on PostgreSQL (`scripts/postgres-tests.sh`
/// in CI); without `VELDWERK_TEST_POSTGRES` there is no PostgreSQL to copy to.
#[test]
fn naar_postgres_copies_an_installation_whole() {
    use veldwerk_server::db::{copy, Db, Location, ScratchDatabase};
    let Some(target) = ScratchDatabase::from_env().unwrap() else {
        eprintln!("naar_postgres_copies_an_installation_whole: needs VELDWERK_TEST_POSTGRES");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let from = Db::open(dir.path()).unwrap();
    veldwerk_server::setup::ensure_organisation(&from, "Gemeente Demodorp").unwrap();
    veldwerk_server::demo::ensure(&from, &s)
        .unwrap()
        .expect("demo made");
    let count = |db: &Db, table: &str| -> i64 {
        db.read(|tx| {
            tx.query_row(
                &format!("SELECT count(*) FROM {table}"),
                veldwerk_server::params![],
                |r| r.get(0),
            )
        })
        .unwrap()
    };

    let out = run(&s, &["naar-postgres", &target.url.0], "").unwrap();
    assert!(out.contains("gekopieerd naar PostgreSQL"), "{out}");
    let to = Db::open_at(&Location::postgres_url(&target.url.0).unwrap()).unwrap();
    for table in copy::TABLES {
        assert_eq!(count(&from, table), count(&to, table), "{table}");
    }
    assert!(count(&to, "zaken") > 0 && count(&to, "audit_log") > 0);
    let chain = to.read(veldwerk_server::audit::verify_audit_chain).unwrap();
    assert!(chain.intact, "{chain:?}");
    // A user added on PostgreSQL gets the next id, not a copied one.
    let max_id: i64 = to
        .read(|tx| {
            tx.query_row(
                "SELECT max(id) FROM users",
                veldwerk_server::params![],
                |r| r.get(0),
            )
        })
        .unwrap();
    let added = to
        .write(|tx| {
            veldwerk_server::users::add_user(
                tx,
                "nieuw",
                veldwerk_server::users::Role::Handhaver,
                None,
                "test",
                0,
            )
        })
        .unwrap();
    assert!(added.id > max_id);

    assert_eq!(
        run(&s, &["naar-postgres", &target.url.0], ""),
        Err("copy_target_not_empty".into())
    );
    // Nothing to copy where there is no store.
    let empty = tempfile::tempdir().unwrap();
    let nothing = veldwerk_server::Settings {
        data_dir: empty.path().join("leeg"),
        ..Default::default()
    };
    assert_eq!(
        run(&nothing, &["naar-postgres", &target.url.0], ""),
        Err("store_not_found".into())
    );
    assert_eq!(
        run(&s, &["naar-postgres", "mysql://elders"], ""),
        Err("database_url_invalid".into())
    );
}

/// Issue 15 point 3: `toestemmingsteksten show` lists the approved texts with their hashes and
/// `set` refuses a text that misses what its variant requires (seed 001 §3) and changes nothing.
#[test]
fn toestemmingsteksten_are_shown_and_an_incomplete_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = veldwerk_server::Settings {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let before = run(&s, &["toestemmingsteksten", "show"], "").unwrap();
    for v in ["Variant a", "Variant b", "Variant dienstverlening"] {
        assert!(before.contains(v), "{before}");
        // Issue 16: the digital tour's own text of each variant is listed too.
        assert!(
            before.contains(&format!("{v}, digitaal huisbezoek")),
            "{before}"
        );
    }
    let file = dir.path().join("teksten.toml");
    std::fs::write(
        &file,
        "[[tekst]]\nvariant = \"a\"\ntekst = \"Mogen wij even binnenkomen?\"\n",
    )
    .unwrap();
    assert_eq!(
        run(
            &s,
            &["toestemmingsteksten", "set", file.to_str().unwrap()],
            ""
        ),
        Err("toestemmingstekst_onvolledig".into())
    );
    assert_eq!(
        run(&s, &["toestemmingsteksten", "show"], "").unwrap(),
        before
    );
    std::fs::write(&file, "").unwrap();
    let out = run(
        &s,
        &["toestemmingsteksten", "set", file.to_str().unwrap()],
        "",
    )
    .unwrap();
    assert!(out.contains("6 goedgekeurde toestemmingsteksten"), "{out}");
}
