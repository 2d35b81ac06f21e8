use super::*;

fn foto() -> String {
    "ab".repeat(32)
}

/// The built-in list is valid, and asks what issue 16 names: rooms and their use, who sleeps
/// where, beds, clothes and toiletries, mail, meter readings with a photo, anything to add.
#[test]
fn the_standard_list_is_a_woonsituatie_onderzoek() {
    let v = Vragenlijst::from_toml(STANDAARD_TOML).unwrap();
    assert_eq!(Vragenlijst::standaard(), v);
    let soort = |id: &str| v.vraag(id).map(|q| q.soort.clone());
    assert!(matches!(soort("badkamer"), Some(VraagSoort::Foto { .. })));
    assert!(matches!(
        soort("slaapkamer_gebruik"),
        Some(VraagSoort::Tekst { .. })
    ));
    assert!(matches!(
        soort("kleding_van_wie"),
        Some(VraagSoort::Keuze { .. })
    ));
    assert!(matches!(soort("post"), Some(VraagSoort::JaNee)));
    assert!(matches!(
        soort("meterstand_water"),
        Some(VraagSoort::Meterstand { .. })
    ));
    assert!(v.vraag("aanvulling").is_some_and(|q| !q.verplicht));
    assert_eq!(Vragenlijst::van_organisatie("  ").unwrap(), v);
}

/// A question may apply per bedroom, or only after an answer (issue 16 §1).
#[test]
fn repeated_and_conditional_questions_follow_the_answers() {
    let v = Vragenlijst::standaard();
    let mut a = Antwoorden::new();
    let keys =
        |a: &Antwoorden| -> Vec<String> { v.momenten(a).into_iter().map(|m| m.sleutel).collect() };
    assert!(
        !keys(&a).iter().any(|k| k.starts_with("slaapkamer_")),
        "no bedrooms yet"
    );
    assert!(
        !keys(&a).contains(&"bewoners".to_owned()) && !keys(&a).contains(&"post_foto".to_owned())
    );
    a.insert("aantal_bewoners".into(), Antwoord::Getal(2));
    a.insert("aantal_slaapkamers".into(), Antwoord::Getal(2));
    a.insert("post".into(), Antwoord::JaNee(true));
    let k = keys(&a);
    for want in [
        "bewoners",
        "slaapkamer_foto#1",
        "slaapkamer_foto#2",
        "slaapkamer_bedden#2",
        "post_foto",
    ] {
        assert!(k.contains(&want.to_owned()), "{want} in {k:?}");
    }
    assert!(!k.contains(&"slaapkamer_foto#3".to_owned()));
    // Absurd numbers stay bounded.
    a.insert("aantal_slaapkamers".into(), Antwoord::Getal(i64::MAX));
    assert!(v.momenten(&a).len() < 3 * MAX_HERHALINGEN as usize + v.vragen.len());
}

#[test]
fn answers_must_fit_their_question() {
    let v = Vragenlijst::standaard();
    let mut a = Antwoorden::new();
    let code = |a: &Antwoorden, k: &str, x: Antwoord| {
        v.controleer(a, k, &x).map_err(|n| n.code.to_owned())
    };
    assert_eq!(
        code(&a, "aantal_bewoners", Antwoord::Getal(0)),
        Err("antwoord_buiten_bereik".into())
    );
    assert_eq!(code(&a, "aantal_bewoners", Antwoord::Getal(3)), Ok(()));
    assert_eq!(
        code(&a, "aantal_bewoners", Antwoord::JaNee(true)),
        Err("antwoord_past_niet".into())
    );
    assert_eq!(
        code(&a, "slaapkamer_foto#1", Antwoord::Fotos(vec![foto()])),
        Err("vraag_onbekend".into())
    );
    a.insert("aantal_slaapkamers".into(), Antwoord::Getal(1));
    assert_eq!(
        code(&a, "slaapkamer_foto#1", Antwoord::Fotos(vec![foto()])),
        Ok(())
    );
    assert_eq!(
        code(&a, "badkamer", Antwoord::Fotos(vec![])),
        Err("antwoord_aantal_fotos".into())
    );
    assert_eq!(
        code(
            &a,
            "badkamer",
            Antwoord::Fotos(vec!["../etc/passwd".into()])
        ),
        Err("foto_unknown".into())
    );
    assert_eq!(
        code(
            &a,
            "kleding_van_wie",
            Antwoord::Keuze(vec!["Alleen van mij".into(), "Alleen van mij".into()])
        ),
        Err("antwoord_geen_optie".into())
    );
    assert_eq!(
        code(
            &a,
            "kleding_van_wie",
            Antwoord::Keuze(vec!["Alleen van mij".into()])
        ),
        Ok(())
    );
    let meter = |s: &str| Antwoord::Meterstand {
        stand: s.into(),
        foto: foto(),
    };
    assert_eq!(code(&a, "meterstand_water", meter("01234,567")), Ok(()));
    for bad in ["", "12a", "1,2,3", ",5", "1234567890123"] {
        assert_eq!(
            code(&a, "meterstand_water", meter(bad)),
            Err("meterstand_ongeldig".into()),
            "{bad}"
        );
    }
    assert_eq!(
        code(
            &a,
            "toiletartikelen_van_wie",
            Antwoord::Tekst("x\u{1b}[2J".into())
        ),
        Err("antwoord_te_lang".into())
    );
    assert_eq!(
        code(&a, "toiletartikelen_van_wie", Antwoord::Tekst(" ".into())),
        Err("antwoord_leeg".into())
    );
    assert!(v.open_vragen(&a).contains(&"slaapkamer_foto#1".to_owned()));
    assert!(
        !v.open_vragen(&a).contains(&"aanvulling".to_owned()),
        "not required"
    );
}

fn fouten(src: &str) -> Vec<String> {
    match Vragenlijst::from_toml(src) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

const KOP: &str = "id = \"eigen\"\nversie = 2\ntitel = \"Eigen lijst\"\n";

/// An organisation's file is checked when loaded, every problem at its line and column.
#[test]
fn a_bad_file_is_refused_with_every_problem_at_its_line() {
    let e = fouten(&format!(
        "{KOP}[[vraag]]\nid = \"a\"\ntekst = \"Vraag\"\nsoort = \"kleur\"\n"
    ));
    assert_eq!(e, ["regel 7, kolom 9: onbekende soort 'kleur': ja_nee, getal, keuze, tekst, foto of meterstand"]);
    let e = fouten(&format!("{KOP}onbekend = 1\n"));
    assert!(
        e[0].starts_with("regel 4") && e[0].contains("onbekend"),
        "{e:?}"
    );
    let e = fouten(&format!(
        "{KOP}[[vraag]]\nid = \"a\"\ntekst = \"Hoeveel?\"\nsoort = \"getal\"\nopties = [\"x\", \"y\"]\n\
         [[vraag]]\nid = \"a\"\ntekst = \"Foto\"\nsoort = \"foto\"\n\
         [[vraag]]\nid = \"c\"\ntekst = \"Post?\"\nsoort = \"ja_nee\"\n\
         [[vraag]]\nid = \"d\"\ntekst = \"Foto van de post\"\nsoort = \"foto\"\nalleen_als = {{ vraag = \"c\", is = \"misschien\" }}\n\
         [[vraag]]\nid = \"e\"\ntekst = \"Nog een\"\nsoort = \"foto\"\nherhaal_per = \"zz\"\n"
    ));
    assert_eq!(e.len(), 4, "{e:#?}");
    assert!(
        e[0].starts_with("regel 8")
            && e[0].contains("'opties' hoort niet bij een vraag van soort getal"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("regel 10") && e[1].contains("komt al eerder voor"),
        "{e:?}"
    );
    assert!(
        e[2].starts_with("regel 21") && e[2].contains("alleen_als"),
        "{e:?}"
    );
    assert!(
        e[3].starts_with("regel 26") && e[3].contains("'zz'"),
        "{e:?}"
    );
    let e = fouten(&format!("{KOP}[[vraag]]\nid = \"n\"\ntekst = \"Hoeveel?\"\nsoort = \"getal\"\nmax = 500\n[[vraag]]\nid = \"f\"\ntekst = \"Foto\"\nsoort = \"foto\"\nherhaal_per = \"n\"\n"));
    assert!(e[0].contains("hoogstens 20"), "{e:?}");
    assert!(fouten(KOP)[0].contains("geen vragen"));
    assert!(fouten("id = \"x\"\nversie = 0\ntitel = \"t\"\n[[vraag]]\nid=\"a\"\ntekst=\"b\"\nsoort=\"ja_nee\"\n")[0].contains("versie"));
    assert!(fouten("niet = [toml")[0].starts_with("regel 1"));
    let many: String = (0..=MAX_VRAGEN)
        .map(|i| format!("[[vraag]]\nid = \"v{i}\"\ntekst = \"Vraag\"\nsoort = \"ja_nee\"\n"))
        .collect();
    assert!(fouten(&format!("{KOP}{many}"))
        .iter()
        .any(|f| f.contains("hoogstens 100 vragen")));
}

#[test]
fn an_organisation_list_with_conditions_and_repetitions_loads() {
    let v = Vragenlijst::from_toml(&format!(
        "{KOP}[[vraag]]\nid = \"huisdier\"\ntekst = \"Heeft u een huisdier?\"\nsoort = \"keuze\"\nopties = [\"Hond\", \"Kat\", \"Geen\"]\nmeerdere = true\n\
         [[vraag]]\nid = \"hond_foto\"\ntekst = \"Laat de mand zien.\"\nsoort = \"foto\"\nmin = 0\nmax = 2\nalleen_als = {{ vraag = \"huisdier\", is = \"Hond\" }}\n"
    ))
    .unwrap();
    assert_eq!((v.id.as_str(), v.versie, v.vragen.len()), ("eigen", 2, 2));
    let mut a = Antwoorden::new();
    a.insert(
        "huisdier".into(),
        Antwoord::Keuze(vec!["Hond".into(), "Kat".into()]),
    );
    assert_eq!(v.momenten(&a).len(), 2);
    assert_eq!(
        v.controleer(&a, "hond_foto", &Antwoord::Fotos(vec![])),
        Ok(())
    );
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the file holds, reading it never panics.
        #[test]
        fn any_file_is_read_without_panic(src in "[a-z_=\\[\\]{}\"#0-9 ,\\n\\u{0}-\\u{1f}é]{0,300}") {
            let _ = Vragenlijst::from_toml(&format!("{KOP}{src}"));
        }

        /// Whatever the answers, asking and checking never panic and stay bounded.
        #[test]
        fn any_answers_are_checked_without_panic(n in any::<i64>(), k in "[a-z_#0-9]{0,30}", t in ".{0,50}") {
            let v = Vragenlijst::standaard();
            let mut a = Antwoorden::new();
            a.insert("aantal_slaapkamers".into(), Antwoord::Getal(n));
            a.insert("aantal_bewoners".into(), Antwoord::Getal(n));
            prop_assert!(v.momenten(&a).len() <= v.vragen.len() + 3 * MAX_HERHALINGEN as usize);
            let _ = v.controleer(&a, &k, &Antwoord::Tekst(t.clone()));
            let _ = v.controleer(&a, &k, &Antwoord::Meterstand { stand: t, foto: String::new() });
        }
    }
}
