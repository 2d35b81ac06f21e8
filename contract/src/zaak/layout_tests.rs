//! The layout against documents the code writes, documents an attacker writes, the protocol's
//! events and the published table.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::zaak::test_support::{at, event, policy, signer, steps_to_binnen, summary};
use crate::zaak::ZaakDocument;
use automerge::transaction::Transactable;
use veldwerk_rules::routekaart::{Actie, Code};

pub const DEVICE: &str = "dev-00000000000000aa";

/// A zaak with one visit of [`DEVICE`] and its first steps.
fn honest() -> ZaakDocument {
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let s = signer(DEVICE);
    let visit = doc.start_visit(Actie::Huisbezoek, &s, at(2, 0)).unwrap();
    for (i, e) in steps_to_binnen(Actie::Huisbezoek, &["hh-1", "hh-2"])
        .into_iter()
        .chain([event(1)])
        .enumerate()
    {
        doc.append_entry(&visit, &e, &policy(), &s, at(3, i as u32))
            .unwrap();
    }
    doc
}

fn raw(doc: &mut ZaakDocument) -> AutoCommit {
    AutoCommit::load(&doc.save()).unwrap()
}

fn summary_of(doc: &AutoCommit) -> ObjId {
    crate::zaak::schema::object(doc, &ROOT, "summary", ObjType::Map)
        .unwrap()
        .unwrap()
}

fn rule_of(doc: &AutoCommit) -> (String, &'static str) {
    let v = validate(doc).unwrap_err();
    (v.path, v.rule.code())
}

#[test]
fn a_document_the_code_writes_matches_the_layout() {
    let mut doc = honest();
    doc.validate().unwrap();
    validate(&raw(&mut doc)).unwrap();
    validate_root(&raw(&mut doc)).unwrap();
}

/// Issue 13, item 3: `schema_version = 999` and `visits` as a string are refused.
#[test]
fn a_wrong_schema_version_or_visits_type_is_refused() {
    let mut r = raw(&mut honest());
    r.put(ROOT, "schema_version", 999u64).unwrap();
    assert_eq!(
        rule_of(&r),
        ("schema_version".into(), "number_out_of_range")
    );
    assert_eq!(validate_root(&r).unwrap_err().rule, Rule::OutOfRange);

    let mut r = raw(&mut honest());
    r.put(ROOT, "visits", "geen map").unwrap();
    assert_eq!(rule_of(&r), ("visits".into(), "type_wrong"));
    assert_eq!(validate_root(&r).unwrap_err().path, "visits");
}

/// Issue 13, item 5: extra keys at the root or in the summary, and oversize values.
#[test]
fn unknown_keys_and_oversize_values_are_refused() {
    let mut r = raw(&mut honest());
    r.put(ROOT, "extra", "x").unwrap();
    assert_eq!(rule_of(&r), ("extra".into(), "map_key_unknown"));
    assert_eq!(validate_root(&r).unwrap_err().rule, Rule::UnknownKey);

    let mut r = raw(&mut honest());
    let summary = crate::zaak::schema::object(&r, &ROOT, "summary", ObjType::Map)
        .unwrap()
        .unwrap();
    r.put(&summary, "bijlage", "x".repeat(12 << 20)).unwrap();
    assert_eq!(rule_of(&r), ("summary.bijlage".into(), "map_key_unknown"));

    let mut r = raw(&mut honest());
    let summary = summary_of(&r);
    r.put(&summary, "label", "x".repeat(12 << 20)).unwrap();
    assert_eq!(rule_of(&r), ("summary.label".into(), "text_too_long"));
}

#[test]
fn control_characters_conflicts_and_text_objects_are_refused() {
    let mut r = raw(&mut honest());
    let summary = crate::zaak::schema::object(&r, &ROOT, "summary", ObjType::Map)
        .unwrap()
        .unwrap();
    r.put(&summary, "label", "Zaak \u{1b}[2J").unwrap();
    assert_eq!(
        rule_of(&r),
        ("summary.label".into(), "text_control_character")
    );

    let mut r = raw(&mut honest());
    let summary = summary_of(&r);
    r.put_object(&summary, "city", ObjType::Text).unwrap();
    assert_eq!(rule_of(&r), ("summary.city".into(), "type_wrong"));

    // Two replicas writing the same key concurrently leave two values.
    let mut a = raw(&mut honest());
    let summary = summary_of(&a);
    let mut b = a.fork();
    a.put(&summary, "city", "Lelystad").unwrap();
    b.put(&summary, "city", "Emmeloord").unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(rule_of(&a), ("summary.city".into(), "value_conflicting"));
}

#[test]
fn an_entry_body_must_be_a_canonical_event() {
    let doc = honest();
    let visit = doc.visits().unwrap()[0].visit_id.clone();
    let edit = |body: &str| {
        let mut r = raw(&mut doc.clone());
        let visits = crate::zaak::schema::object(&r, &ROOT, "visits", ObjType::Map)
            .unwrap()
            .unwrap();
        let v = crate::zaak::schema::object(&r, &visits, &visit, ObjType::Map)
            .unwrap()
            .unwrap();
        let list = crate::zaak::schema::object(&r, &v, "entries", ObjType::List)
            .unwrap()
            .unwrap();
        let e = crate::zaak::test_support::entry_obj(&r, &list, 0);
        r.put(&e, "body", body).unwrap();
        validate(&r).map_err(|v| v.rule.code())
    };
    assert_eq!(edit("{\"soort\":\"geen\"}"), Err("event_invalid"));
    assert_eq!(
        edit("{ \"soort\": \"binnentreden\" }"),
        Err("event_invalid")
    );
    assert_eq!(edit(&"x".repeat(MAX_BODY_BYTES + 1)), Err("text_too_long"));
    assert_eq!(edit("{\"soort\":\"binnentreden\"}"), Ok(()));
}

#[test]
fn id_formats_are_those_the_code_makes() {
    assert!(IdFormat::Zaak.matches("Z-2026-0001"));
    assert!(!IdFormat::Zaak.matches("Z\t1"));
    assert!(!IdFormat::Zaak.matches(&"a".repeat(65)));
    assert!(!IdFormat::Zaak.matches(""));
    assert!(IdFormat::Device.matches(DEVICE));
    assert!(!IdFormat::Device.matches("dev-a"));
    assert!(IdFormat::Random128.matches(&"0f".repeat(16)));
    assert!(!IdFormat::Random128.matches(&"0F".repeat(16)));
}

#[test]
fn name_lists_follow_the_rules_crate() {
    let acties: Vec<&str> = Actie::ALL.iter().map(|a| a.id()).collect();
    assert_eq!(acties, ACTIES);
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(codes, CODES);
    use veldwerk_rules::protocol::melding::Werkproces;
    let w: Vec<String> = [Werkproces::H2, Werkproces::H6]
        .iter()
        .map(crate::zaak::schema::enum_name)
        .collect();
    assert_eq!(w, WERKPROCESSEN);
}

/// One event of every kind, with every optional field set.
fn every_event() -> Vec<Event> {
    use veldwerk_rules::protocol::*;
    let mut out = steps_to_binnen(Actie::Huisbezoek, &["hh-1"]);
    out.extend([
        Event::WaarnemingTerPlaatseGestart {
            handhavers: vec!["hh-1".into()],
            leider: "hh-1".into(),
            vervoer: veldwerk_rules::routekaart::Transport::Auto,
            medewerkers_per_auto: Some(1),
        },
        Event::WaarnemingTerPlaatse {
            plek: "p".into(),
            tekst: "t".into(),
            vanaf_openbare_weg: true,
            waargenomen_om: Some(at(1, 0)),
        },
        Event::GesprekGestart {
            met: "m".into(),
            rol: Rol::Bewoner,
            wijze: Gesprekswijze::Video,
            handhavers: vec!["hh-1".into()],
            leider: "hh-1".into(),
        },
        Event::VraagBeantwoord {
            vragenlijst: "woonsituatie".into(),
            versie: 1,
            sleutel: "slaapkamers".into(),
            antwoord: veldwerk_rules::vragenlijst::Antwoord::Getal(2),
            door: "k".into(),
        },
        Event::VragenlijstOndertekend {
            door: "k".into(),
            handtekening: veldwerk_rules::vragenlijst::Handtekening {
                breedte: 10,
                hoogte: 10,
                strepen: vec![vec![[1, 1], [2, 2]]],
            },
        },
        Event::AanwijzingGestuurd {
            door: "hh-1".into(),
            tekst: "De foto is onscherp.".into(),
        },
        Event::Internetonderzoek {
            door: "hh-1".into(),
            bronnen: vec!["b".into()],
            waarom_evenredig: "e".into(),
            waarom_niet_minder_ingrijpend: "m".into(),
            bevindingen: "g".into(),
        },
        Event::Aankondiging {
            wijze: Aankondigingswijze::Onaangekondigd,
            toelichting: Some("t".into()),
        },
        Event::NiemandAanwezig {
            toelichting: Some("t".into()),
        },
        Event::NietInStaat {
            toelichting: "t".into(),
            reden: Some(NietInStaatReden::Taal),
            tolk_taal: Some("t".into()),
            tolk: Some("t".into()),
            vervolg: Some("t".into()),
            nieuwe_afspraak: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
        },
        Event::ToestemmingGeweigerd {
            door: "d".into(),
            rol: Rol::Partner,
            gewezen_op_gevolgen: true,
            leeftijd: Some(Leeftijdsgroep::Volwassen),
            onderwerp_van_twijfel: true,
            uitgesloten_ruimtes: vec!["r".into()],
        },
        Event::ToestemmingIngetrokken {
            door: "d".into(),
            rol: Rol::Bewoner,
        },
        Event::ExtraToestemming {
            onderwerp: ExtraOnderwerp::Fotos,
            ruimte: Some("r".into()),
            door: "d".into(),
            rol: Rol::Medebewoner,
            gegeven: true,
        },
        Event::Waarneming {
            ruimte: "r".into(),
            tekst: "t".into(),
            foto: Some("00".repeat(32)),
            kast_geopend: true,
            kamer_van: Some("k".into()),
        },
        Event::Correctie {
            corrigeert: "00".repeat(16),
            tekst: "t".into(),
        },
        Event::Afsluiting {
            toelichting: Some("t".into()),
        },
        Event::Rapport {
            tekst: "t".into(),
            opgemaakt_door: vec![Ondertekenaar {
                handhaver: "hh-1".into(),
                verklaring: Ambtsverklaring::Ambtseed,
            }],
        },
        Event::UitnodigingBespreking {
            datum: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            toelichting: Some("t".into()),
        },
        Event::BezoekAfgebroken { reden: "t".into() },
        Event::ToestemmingsconflictBeslecht {
            door: "hh-1".into(),
            uitkomst: ConflictUitkomst::Geweigerd,
            toelichting: "t".into(),
        },
    ]);
    out
}

/// The event table names every kind, every field, and which may be left out, as the protocol
/// crate reads them.
#[test]
fn event_bodies_match_the_protocol() {
    let mut seen = std::collections::BTreeSet::new();
    for e in every_event() {
        let serde_json::Value::Object(map) = serde_json::to_value(&e).unwrap() else {
            panic!("an event is an object")
        };
        let soort = map["soort"].as_str().unwrap().to_owned();
        let row = EVENT_BODIES
            .iter()
            .find(|b| b.soort == soort)
            .unwrap_or_else(|| panic!("{soort} missing from EVENT_BODIES"));
        let mut declared: Vec<&str> = row.fields.iter().map(|f| f.0).collect();
        declared.sort_unstable();
        let mut actual: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "soort")
            .collect();
        actual.sort_unstable();
        assert_eq!(declared, actual, "fields of {soort}");
        for (name, _, optional) in row.fields {
            let mut without = map.clone();
            without.remove(*name);
            let parsed = serde_json::from_value::<Event>(serde_json::Value::Object(without));
            assert_eq!(parsed.is_ok(), *optional, "{soort}.{name} optional");
        }
        seen.insert(soort);
    }
    assert_eq!(
        seen.len(),
        EVENT_BODIES.len(),
        "an event kind of the table has no sample"
    );
    assert_eq!(seen.len(), 26);
}

/// The schema section of `server/docs/sync-protocol.md` is what [`markdown_table`] generates.
/// `VELDWERK_WRITE_SCHEMA_DOC=1 cargo test -p veldwerk-contract schema_doc` rewrites it.
#[test]
fn schema_doc_matches_the_code() {
    const BEGIN: &str =
        "<!-- schema table: generated by veldwerk_contract::zaak::layout::markdown_table -->\n";
    const END: &str = "<!-- end of schema table -->";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/docs/sync-protocol.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = text[start..].find(END).expect("end marker") + start;
    let table = markdown_table();
    if std::env::var_os("VELDWERK_WRITE_SCHEMA_DOC").is_some() {
        let updated = format!("{}{}{}", &text[..start], table, &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &text[start..end],
        table,
        "the schema table in sync-protocol.md is stale: run with VELDWERK_WRITE_SCHEMA_DOC=1"
    );
}

/// Issue 15: a waarneming signed despite factual-language warnings carries them in its body
/// (canonical, read back by `Entry::taalwaarschuwingen`, accepted by the server's body check and
/// still read as its event); a text without warnings has the body it had before the key existed.
#[test]
fn the_warnings_signed_over_are_in_the_body_and_the_body_passes_the_check() {
    use veldwerk_rules::protocol::Event;
    let waarneming = |tekst: &str| Event::Waarneming {
        ruimte: "gang".into(),
        tekst: tekst.into(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    };
    let plain = waarneming("Op de deurbel staan twee namen.");
    assert_eq!(
        crate::evidence::event_body(&plain).unwrap(),
        crate::evidence::canonical_json(&serde_json::to_value(&plain).unwrap()),
        "unchanged without warnings"
    );
    let speculatief = waarneming("Volgens de buurvrouw woont hier nog iemand.");
    let body = crate::evidence::event_body(&speculatief).unwrap();
    check_text(Text::EventBody, &body).unwrap();
    assert_eq!(serde_json::from_str::<Event>(&body).unwrap(), speculatief);
    let mut doc = ZaakDocument::new(&summary()).unwrap();
    let s = signer(DEVICE);
    let visit = doc.start_visit(Actie::Huisbezoek, &s, at(2, 0)).unwrap();
    let entry = doc
        .append_entry(&visit, &speculatief, &policy(), &s, at(3, 0))
        .unwrap();
    assert_eq!(entry.body, body);
    let recorded = entry.taalwaarschuwingen();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].code, "van_horen_zeggen");
    assert!(recorded[0].melding.contains("buurvrouw"), "{recorded:?}");
}
