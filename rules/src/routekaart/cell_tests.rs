//! One test per cell of the seed-004 routekaart (7 actions × 3 codes), through `evaluate`.

use super::*;

fn r() -> Routekaart {
    Routekaart::vng_2020()
}

fn codes(notices: &[Notice]) -> Vec<&str> {
    notices.iter().map(|n| n.code.as_str()).collect()
}

fn plan(actie: Actie) -> PlannedAction {
    PlannedAction::new(actie)
}

fn eval(code: Code, p: &PlannedAction) -> Decision {
    evaluate(&r(), code, p)
}

#[track_caller]
fn allowed(d: &Decision, conditions: &[&str]) {
    assert!(d.is_allowed(), "expected allowed, got {d:?}");
    assert_eq!(codes(d.conditions()), conditions, "{d:?}");
}

#[track_caller]
fn forbidden(d: &Decision, reasons: &[&str]) {
    assert!(!d.is_allowed(), "expected forbidden, got {d:?}");
    assert_eq!(codes(d.reasons()), reasons, "{d:?}");
}

const APP_WARNING: &str = "huisbezoek_app_juridisch_niet_afgestemd";

#[test]
fn geel_huisbezoek_max_two_at_the_door_with_distance_and_large_checks() {
    let d = eval(Code::Geel, &plan(Actie::Huisbezoek));
    allowed(
        &d,
        &[
            "max_handhavers",
            "distance_1_5_m",
            "large_checks_central_location",
        ],
    );
    assert_eq!(
        d.conditions()[0].message,
        "Maximaal twee handhavers aan de deur."
    );
    assert!(d.warnings().is_empty());
    let two = PlannedAction {
        handhavers: Some(2),
        ..plan(Actie::Huisbezoek)
    };
    allowed(
        &eval(Code::Geel, &two),
        &["distance_1_5_m", "large_checks_central_location"],
    );
    let three = PlannedAction {
        handhavers: Some(3),
        ..plan(Actie::Huisbezoek)
    };
    forbidden(&eval(Code::Geel, &three), &["max_handhavers_exceeded"]);
    let zero = PlannedAction {
        handhavers: Some(0),
        ..plan(Actie::Huisbezoek)
    };
    forbidden(&eval(Code::Geel, &zero), &["handhavers_invalid"]);
}

#[test]
fn oranje_and_rood_huisbezoek_only_via_the_app() {
    for code in [Code::Oranje, Code::Rood] {
        let d = eval(code, &plan(Actie::Huisbezoek));
        forbidden(&d, &["only_via_huisbezoek_app"]);
        assert!(d.reasons()[0].message.contains("huisbezoek_app"));
        assert!(d.reasons()[0].message.contains("1 handhaver"));
        match &r().cell(code, Actie::Huisbezoek).rule {
            CellRule::Forbidden { alternative, .. } => {
                assert_eq!(*alternative, Some(Actie::HuisbezoekApp))
            }
            other => panic!("{other:?}"),
        }
        // Even one handhaver may not make a physical visit.
        let one = PlannedAction {
            handhavers: Some(1),
            ..plan(Actie::Huisbezoek)
        };
        forbidden(&eval(code, &one), &["only_via_huisbezoek_app"]);
    }
}

#[test]
fn geel_huisbezoek_app_offered_by_two_with_distance_and_legal_warning() {
    let d = eval(Code::Geel, &plan(Actie::HuisbezoekApp));
    allowed(&d, &["max_handhavers", "distance_1_5_m"]);
    assert_eq!(
        d.conditions()[0].message,
        "App aangeboden door 2 handhavers."
    );
    assert_eq!(codes(d.warnings()), [APP_WARNING]);
    let two = PlannedAction {
        handhavers: Some(2),
        ..plan(Actie::HuisbezoekApp)
    };
    allowed(&eval(Code::Geel, &two), &["distance_1_5_m"]);
    let three = PlannedAction {
        handhavers: Some(3),
        ..plan(Actie::HuisbezoekApp)
    };
    let d = eval(Code::Geel, &three);
    forbidden(&d, &["max_handhavers_exceeded"]);
    assert_eq!(codes(d.warnings()), [APP_WARNING]);
}

#[test]
fn oranje_and_rood_huisbezoek_app_by_one_handhaver() {
    for code in [Code::Oranje, Code::Rood] {
        let d = eval(code, &plan(Actie::HuisbezoekApp));
        allowed(&d, &["max_handhavers", "distance_1_5_m"]);
        assert_eq!(
            d.conditions()[0].message,
            "App aangeboden door 1 handhaver."
        );
        assert_eq!(codes(d.warnings()), [APP_WARNING]);
        let one = PlannedAction {
            handhavers: Some(1),
            ..plan(Actie::HuisbezoekApp)
        };
        allowed(&eval(code, &one), &["distance_1_5_m"]);
        let two = PlannedAction {
            handhavers: Some(2),
            ..plan(Actie::HuisbezoekApp)
        };
        let d = eval(code, &two);
        forbidden(&d, &["max_handhavers_exceeded"]);
        assert_eq!(codes(d.warnings()), [APP_WARNING]);
    }
}

#[test]
fn geel_waarneming_car_distance_and_mask_or_walking_cycling_distance() {
    let w = plan(Actie::Waarneming);
    allowed(
        &eval(Code::Geel, &w),
        &["car_distance_and_mask", "walking_cycling_distance_1_5_m"],
    );
    let car = PlannedAction {
        transport: Some(Transport::Auto),
        medewerkers_per_auto: Some(3),
        ..w.clone()
    };
    // No number limit per car under geel: distance and mask.
    allowed(&eval(Code::Geel, &car), &["car_distance_and_mask"]);
    for t in [Transport::Lopen, Transport::Fiets] {
        let p = PlannedAction {
            transport: Some(t),
            ..w.clone()
        };
        allowed(&eval(Code::Geel, &p), &["walking_cycling_distance_1_5_m"]);
    }
}

#[test]
fn oranje_and_rood_waarneming_one_medewerker_per_car() {
    let w = plan(Actie::Waarneming);
    for code in [Code::Oranje, Code::Rood] {
        let d = eval(code, &w);
        allowed(
            &d,
            &["max_medewerkers_per_auto", "walking_cycling_distance_1_5_m"],
        );
        assert_eq!(
            d.conditions()[0].message,
            "Indien per auto: 1 medewerker per auto."
        );
        let car = |n| PlannedAction {
            transport: Some(Transport::Auto),
            medewerkers_per_auto: n,
            ..w.clone()
        };
        allowed(&eval(code, &car(None)), &["max_medewerkers_per_auto"]);
        allowed(&eval(code, &car(Some(1))), &[]);
        forbidden(
            &eval(code, &car(Some(2))),
            &["max_medewerkers_per_auto_exceeded"],
        );
        forbidden(
            &eval(code, &car(Some(0))),
            &["medewerkers_per_auto_invalid"],
        );
        // Per car is not checked when walking: two walking together is fine (with distance).
        let walk = PlannedAction {
            transport: Some(Transport::Lopen),
            medewerkers_per_auto: Some(2),
            ..w.clone()
        };
        let d = eval(code, &walk);
        allowed(&d, &["walking_cycling_distance_1_5_m"]);
        assert_eq!(codes(d.warnings()), ["parameter_not_applicable"]);
    }
}

#[test]
fn gesprek_op_afstand_needs_hardware_and_secure_software_under_every_code() {
    for code in Code::ALL {
        let g = plan(Actie::GesprekOpAfstand);
        allowed(&eval(code, &g), &["suitable_hardware", "secure_software"]);
        let ok = PlannedAction {
            hardware_ok: Some(true),
            software_beveiligd: Some(true),
            ..g.clone()
        };
        allowed(&eval(code, &ok), &[]);
        let no_hw = PlannedAction {
            hardware_ok: Some(false),
            ..g.clone()
        };
        forbidden(&eval(code, &no_hw), &["hardware_not_suitable"]);
        let no_sw = PlannedAction {
            software_beveiligd: Some(false),
            ..g.clone()
        };
        forbidden(&eval(code, &no_sw), &["software_not_secure"]);
        let neither = PlannedAction {
            hardware_ok: Some(false),
            software_beveiligd: Some(false),
            ..g
        };
        forbidden(
            &eval(code, &neither),
            &["hardware_not_suitable", "software_not_secure"],
        );
    }
}

#[test]
fn geel_and_oranje_spreekkamer_coronaproof_or_mask_and_mask_when_moving() {
    for code in [Code::Geel, Code::Oranje] {
        let s = plan(Actie::Spreekkamer);
        allowed(
            &eval(code, &s),
            &[
                "coronaproof_room",
                "one_client_per_medewerker",
                "mask_when_moving_in_building",
            ],
        );
        let proof = PlannedAction {
            coronaproof: Some(true),
            ..s.clone()
        };
        allowed(
            &eval(code, &proof),
            &["one_client_per_medewerker", "mask_when_moving_in_building"],
        );
        // Not coronaproof: the mask becomes mandatory, the conversation is not forbidden.
        let not_proof = PlannedAction {
            coronaproof: Some(false),
            ..s
        };
        allowed(
            &eval(code, &not_proof),
            &[
                "mask_mandatory_client_and_medewerker",
                "one_client_per_medewerker",
                "mask_when_moving_in_building",
            ],
        );
    }
}

#[test]
fn geel_and_oranje_mobiele_unit_coronaproof_or_mask() {
    for code in [Code::Geel, Code::Oranje] {
        let m = plan(Actie::MobieleUnit);
        allowed(
            &eval(code, &m),
            &["coronaproof_room", "one_client_per_medewerker"],
        );
        let not_proof = PlannedAction {
            coronaproof: Some(false),
            ..m
        };
        allowed(
            &eval(code, &not_proof),
            &[
                "mask_mandatory_client_and_medewerker",
                "one_client_per_medewerker",
            ],
        );
    }
}

#[test]
fn rood_spreekkamer_and_mobiele_unit_no_face_to_face() {
    for actie in [Actie::Spreekkamer, Actie::MobieleUnit] {
        forbidden(
            &eval(Code::Rood, &plan(actie)),
            &["face_to_face_not_possible"],
        );
        let proof = PlannedAction {
            coronaproof: Some(true),
            ..plan(actie)
        };
        forbidden(&eval(Code::Rood, &proof), &["face_to_face_not_possible"]);
    }
}

#[test]
fn administratief_onderzoek_possible_under_every_code() {
    for code in Code::ALL {
        let d = eval(code, &plan(Actie::AdministratiefOnderzoek));
        allowed(&d, &["purpose_generating_cases"]);
        assert!(d.warnings().is_empty());
    }
    assert_eq!(r().admin_onderzoek().len(), 24);
}

#[test]
fn the_cell_map_matches_the_table() {
    use Actie::*;
    // Allowed (true) or forbidden (false) per action, for geel, oranje, rood.
    let table = [
        (Huisbezoek, [true, false, false]),
        (HuisbezoekApp, [true, true, true]),
        (Waarneming, [true, true, true]),
        (GesprekOpAfstand, [true, true, true]),
        (Spreekkamer, [true, true, false]),
        (MobieleUnit, [true, true, false]),
        (AdministratiefOnderzoek, [true, true, true]),
    ];
    for (actie, per_code) in table {
        for (code, expected) in Code::ALL.into_iter().zip(per_code) {
            assert_eq!(
                r().cell(code, actie).is_allowed(),
                expected,
                "{code} × {actie}"
            );
            assert_eq!(
                eval(code, &plan(actie)).is_allowed(),
                expected,
                "{code} × {actie}"
            );
        }
    }
}

#[test]
fn parameters_that_do_not_apply_are_ignored_with_a_warning() {
    let p = PlannedAction {
        transport: Some(Transport::Auto),
        handhavers: Some(9),
        ..plan(Actie::Spreekkamer)
    };
    let d = eval(Code::Geel, &p);
    assert!(d.is_allowed());
    assert_eq!(
        codes(d.warnings()),
        ["parameter_not_applicable", "parameter_not_applicable"]
    );
}
