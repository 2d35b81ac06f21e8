//! Override files, good and bad (with the line of each problem), and property tests that
//! `evaluate` is total and deterministic, also after random valid overrides.

use proptest::prelude::*;

use super::*;

const GOOD: &str = r#"# Routekaart van een gemeente
organisatie = "Gemeente Voorbeeld"
versie = "2021-01"

[oranje.spreekkamer]
toegestaan = false
reden = "Onze spreekkamers zijn dicht bij code oranje."
reden_code = "spreekkamers_dicht"
alternatief = "gesprek_op_afstand"

[geel.huisbezoek]
max_handhavers = 1

[geel.waarneming]
transport = ["lopen", "fiets"]
extra_voorwaarden = [
  { code = "hesje_aan", tekst = "Draag het dienstjasje.", bij_transport = ["fiets"] },
]

[rood.spreekkamer]
toegestaan = true
coronaproof_of_mondkapje = true
voorwaarden = [{ code = "alleen_spoed", tekst = "Alleen bij spoed." }]

[geel.huisbezoek_app]
waarschuwingen = []
"#;

fn codes(notices: &[Notice]) -> Vec<&str> {
    notices.iter().map(|n| n.code.as_str()).collect()
}

#[test]
fn a_good_file_overrides_and_marks_its_cells() {
    let r = Routekaart::from_overrides(GOOD).unwrap();
    assert_eq!(r.organisation(), Some("Gemeente Voorbeeld"));
    assert_eq!(r.version(), "2021-01");
    assert!(r.is_overridden());
    let marked: Vec<(Code, Actie)> = r
        .cells()
        .filter(|c| c.overridden)
        .map(|c| (c.code, c.actie))
        .collect();
    assert_eq!(marked.len(), 5);
    assert!(!r.cell(Code::Oranje, Actie::Huisbezoek).overridden);

    let d = evaluate(&r, Code::Oranje, &PlannedAction::new(Actie::Spreekkamer));
    assert_eq!(codes(d.reasons()), ["spreekkamers_dicht"]);
    assert_eq!(codes(d.warnings()), ["cell_overridden_by_organisation"]);
    assert!(d.warnings()[0].message.contains("Gemeente Voorbeeld"));

    let two = PlannedAction {
        handhavers: Some(2),
        ..PlannedAction::new(Actie::Huisbezoek)
    };
    assert_eq!(
        codes(evaluate(&r, Code::Geel, &two).reasons()),
        ["max_handhavers_exceeded"]
    );

    let car = PlannedAction {
        transport: Some(Transport::Auto),
        ..PlannedAction::new(Actie::Waarneming)
    };
    assert_eq!(
        codes(evaluate(&r, Code::Geel, &car).reasons()),
        ["transport_not_allowed"]
    );
    let bike = PlannedAction {
        transport: Some(Transport::Fiets),
        ..car.clone()
    };
    assert_eq!(
        codes(evaluate(&r, Code::Geel, &bike).conditions()),
        ["walking_cycling_distance_1_5_m", "hesje_aan"]
    );
    let walk = PlannedAction {
        transport: Some(Transport::Lopen),
        ..car
    };
    assert_eq!(
        codes(evaluate(&r, Code::Geel, &walk).conditions()),
        ["walking_cycling_distance_1_5_m"]
    );

    let rood = evaluate(&r, Code::Rood, &PlannedAction::new(Actie::Spreekkamer));
    assert_eq!(
        codes(rood.conditions()),
        ["coronaproof_room", "alleen_spoed"]
    );

    let app = evaluate(&r, Code::Geel, &PlannedAction::new(Actie::HuisbezoekApp));
    assert_eq!(codes(app.warnings()), ["cell_overridden_by_organisation"]);
}

#[track_caller]
fn refused(toml: &str) -> Vec<(usize, &'static str, String)> {
    let errs = Routekaart::from_overrides(toml).unwrap_err();
    errs.errors()
        .iter()
        .map(|e| (e.line, e.code(), e.to_string()))
        .collect()
}

const HEAD: &str = "organisatie = \"G\"\nversie = \"1\"\n";

#[test]
fn unknown_code_action_and_field_are_refused_with_their_line() {
    let e = refused(&format!("{HEAD}\n[groen.huisbezoek]\ntoegestaan = false\n"));
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].0, e[0].1), (4, "override_unknown_code"));
    assert!(
        e[0].2
            .starts_with("regel 4, kolom 2: onbekende code of veld 'groen'"),
        "{}",
        e[0].2
    );

    let e = refused(&format!(
        "{HEAD}[oranje.spreekkamertje]\ntoegestaan = false\n"
    ));
    assert_eq!((e[0].0, e[0].1), (3, "override_unknown_action"));
    assert!(e[0].2.contains("spreekkamertje"));

    let e = refused(&format!(
        "{HEAD}[oranje.spreekkamer]\ntoegestaan = false\nreden = \"r\"\nkleur = 1\n"
    ));
    assert_eq!((e[0].0, e[0].1), (6, "override_unknown_field"));

    let e = refused(&format!(
        "{HEAD}[oranje.spreekkamer]\ntransport = [\"auto\"]\n"
    ));
    assert_eq!((e[0].0, e[0].1), (4, "override_field_not_applicable"));
}

#[test]
fn impossible_numbers_are_refused_with_their_line() {
    let cases = [
        ("max_handhavers = 0", "override_number_too_small"),
        ("max_handhavers = -2", "override_number_too_small"),
        ("max_handhavers = 11", "override_number_too_large"),
        (
            "max_handhavers = 99999999999999999999999999999999999999999",
            "override_number_too_large",
        ),
        ("max_handhavers = 1.5", "override_wrong_type"),
        ("max_handhavers = \"2\"", "override_wrong_type"),
    ];
    for (line, code) in cases {
        let e = refused(&format!("{HEAD}\n\n[geel.huisbezoek]\n{line}\n"));
        assert_eq!(e.len(), 1, "{line}: {e:?}");
        assert_eq!((e[0].0, e[0].1), (6, code), "{line}: {e:?}");
        assert!(e[0].2.starts_with("regel 6,"), "{}", e[0].2);
    }
    let e = refused(&format!(
        "{HEAD}[oranje.waarneming]\nmax_medewerkers_per_auto = 0\n"
    ));
    assert_eq!((e[0].0, e[0].1), (4, "override_number_too_small"));
    assert!(e[0].2.contains("onmogelijk"), "{}", e[0].2);
}

#[test]
fn inconsistent_cells_and_missing_fields_are_refused() {
    // A forbidden cell needs a reason.
    let e = refused(&format!("{HEAD}[geel.spreekkamer]\ntoegestaan = false\n"));
    assert_eq!((e[0].0, e[0].1), (4, "override_missing_field"));
    // A limit on a cell that stays forbidden.
    let e = refused(&format!("{HEAD}[oranje.huisbezoek]\nmax_handhavers = 1\n"));
    assert_eq!((e[0].0, e[0].1), (4, "override_field_needs_allowed_cell"));
    // A reason on a cell that stays allowed.
    let e = refused(&format!("{HEAD}[geel.huisbezoek]\nreden = \"x\"\n"));
    assert_eq!((e[0].0, e[0].1), (4, "override_field_needs_forbidden_cell"));
    // organisatie and versie are required.
    let e = refused("[geel.huisbezoek]\nmax_handhavers = 1\n");
    assert_eq!(
        e.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        [(1, "override_missing_field"), (1, "override_missing_field")]
    );
    // Bad values inside lists name the item's line.
    let e = refused(&format!(
        "{HEAD}[geel.waarneming]\ntransport = [\n  \"auto\",\n  \"bus\",\n]\n"
    ));
    assert_eq!((e[0].0, e[0].1), (6, "override_invalid_value"));
    let e = refused(&format!(
        "{HEAD}[geel.waarneming]\nvoorwaarden = [{{ code = \"Niet Stabiel\", tekst = \"x\" }}]\n"
    ));
    assert_eq!((e[0].0, e[0].1), (4, "override_invalid_value"));
    // Syntax errors name their line too.
    let e = refused(&format!("{HEAD}[geel.huisbezoek\n"));
    assert_eq!((e[0].0, e[0].1), (3, "override_syntax"));
    // Several problems are all reported, in file order.
    let e = refused(&format!(
        "{HEAD}[geel.huisbezoek]\nmax_handhavers = 0\n[rood.fietsen]\n[paars]\n"
    ));
    assert_eq!(e.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5, 6]);
}

fn planned_strategy() -> impl Strategy<Value = PlannedAction> {
    let opt_bool = || proptest::option::of(any::<bool>());
    (
        0..Actie::ALL.len(),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0..Transport::ALL.len()),
        proptest::option::of(any::<u32>()),
        opt_bool(),
        opt_bool(),
        opt_bool(),
    )
        .prop_map(|(a, h, t, m, c, hw, sw)| PlannedAction {
            actie: Actie::ALL[a],
            handhavers: h,
            transport: t.map(|i| Transport::ALL[i]),
            medewerkers_per_auto: m,
            coronaproof: c,
            hardware_ok: hw,
            software_beveiligd: sw,
        })
}

/// A random valid override of one cell, as TOML lines.
fn cell_override(actie: Actie, allow: bool, n: u32, mask: u8, flag: bool) -> String {
    if !allow {
        return "toegestaan = false\nreden = \"Verboden door de organisatie.\"\n".to_string();
    }
    let mut s = String::from("toegestaan = true\n");
    match actie {
        Actie::Huisbezoek | Actie::HuisbezoekApp => {
            s += &format!("max_handhavers = {}\n", 1 + n % 10)
        }
        Actie::Waarneming => {
            let ts: Vec<String> = Transport::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| format!("\"{t}\""))
                .collect();
            if !ts.is_empty() {
                s += &format!("transport = [{}]\n", ts.join(", "));
            }
            s += &format!("max_medewerkers_per_auto = {}\n", 1 + n % 9);
        }
        Actie::GesprekOpAfstand => s += &format!("geschikte_hardware_vereist = {flag}\n"),
        Actie::Spreekkamer | Actie::MobieleUnit => {
            s += &format!("coronaproof_of_mondkapje = {flag}\n")
        }
        Actie::AdministratiefOnderzoek => {}
    }
    if flag {
        s += "extra_voorwaarden = [{ code = \"eigen_regel\", tekst = \"Eigen regel.\" }]\n";
    }
    s
}

fn overrides_strategy() -> impl Strategy<Value = String> {
    proptest::collection::btree_map(
        (0..Code::ALL.len(), 0..Actie::ALL.len()),
        (any::<bool>(), any::<u32>(), any::<u8>(), any::<bool>()),
        0..8,
    )
    .prop_map(|cells| {
        let mut toml = String::from(HEAD);
        for ((c, a), (allow, n, mask, flag)) in cells {
            let actie = Actie::ALL[a];
            toml += &format!("\n[{}.{}]\n", Code::ALL[c], actie);
            toml += &cell_override(actie, allow, n, mask, flag);
        }
        toml
    })
}

proptest! {
    #[test]
    fn evaluate_is_total_and_deterministic(code in 0..3usize, planned in planned_strategy()) {
        let r = Routekaart::vng_2020();
        let code = Code::ALL[code];
        let first = evaluate(&r, code, &planned);
        prop_assert_eq!(&first, &evaluate(&r, code, &planned));
        match &first {
            Decision::Forbidden { reasons, .. } => prop_assert!(!reasons.is_empty()),
            Decision::Allowed { .. } => {}
        }
        for n in first.reasons().iter().chain(first.conditions()).chain(first.warnings()) {
            prop_assert!(!n.code.is_empty() && !n.message.is_empty());
        }
    }

    #[test]
    fn evaluate_is_total_after_random_valid_overrides(
        toml in overrides_strategy(),
        code in 0..3usize,
        planned in planned_strategy(),
    ) {
        let r = Routekaart::from_overrides(&toml);
        prop_assert!(r.is_ok(), "{:?}\n{}", r.as_ref().err(), toml);
        let r = r.unwrap();
        let code = Code::ALL[code];
        prop_assert_eq!(evaluate(&r, code, &planned), evaluate(&r, code, &planned));
    }

    #[test]
    fn override_loading_never_panics_on_any_text(text in "\\PC{0,200}") {
        let _ = Routekaart::from_overrides(&text);
    }

    #[test]
    fn override_loading_never_panics_on_toml_like_text(
        text in "(organisatie|versie|\\[|\\]|geel|oranje|rood|\\.|huisbezoek|max_handhavers| = |-?[0-9]{1,30}|\"x\"|\n|true|\\{|\\}|,|toegestaan|reden){0,40}"
    ) {
        let _ = Routekaart::from_overrides(&text);
    }
}

#[test]
fn the_documented_example_is_valid() {
    let doc = include_str!("../../../docs/routekaart-overrides.md");
    let start = doc
        .find("```toml\n")
        .map(|i| i + "```toml\n".len())
        .unwrap();
    let len = doc[start..].find("```").unwrap();
    let r = Routekaart::from_overrides(&doc[start..start + len]).unwrap();
    assert_eq!(r.organisation(), Some("Gemeente Voorbeeld"));
    assert_eq!(r.cells().filter(|c| c.overridden).count(), 5);
}
