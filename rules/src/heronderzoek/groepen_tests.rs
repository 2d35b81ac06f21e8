//! One test per client group of seed 003 art. 2 (and the RAU row of seed 001): the next due
//! date and what is due, as the row words it.

use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn due(id: &str, c: Clientdata) -> Planning {
    plan(groep(id).unwrap_or_else(|| panic!("no group {id}")), &c).unwrap()
}

fn laatst(l: NaiveDate) -> Clientdata {
    Clientdata {
        laatst: Some(l),
        ..Clientdata::default()
    }
}

fn on(wat: Wat, datum: NaiveDate) -> Planning {
    Planning {
        wat,
        datum: Some(datum),
    }
}

#[test]
fn ids_are_unique() {
    let mut ids: Vec<&str> = GROEPEN.iter().map(|g| g.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), GROEPEN.len());
}

#[test]
fn traject_zorg() {
    // seed 003 art. 2, Rechtmatigheid, zorgtraject: "1 x per 2 jaar gelijktijdig met een
    // voortgangsgesprek"; zorgklanten have one "tenminste één keer per jaar". Traject started
    // 2023-09-01, last heronderzoek 2024-03-01: the gesprek of 2025-09-01 is the last before
    // 2026-03-01.
    let c = Clientdata {
        laatst: Some(d(2024, 3, 1)),
        start: Some(d(2023, 9, 1)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("traject_zorg", c),
        on(Wat::HeronderzoekMetVoortgangsgesprek, d(2025, 9, 1))
    );
}

#[test]
fn traject_ontwikkel() {
    // seed 003: ontwikkeltraject, voortgangsgesprek "één keer per drie maanden"; heronderzoek
    // "één keer in de twee jaar ... gelijktijdig". Start 2024-02-15, last 2024-05-01: gesprekken
    // on the 15th of Feb/May/Aug/Nov; the last on or before 2026-05-01 is 2026-02-15.
    let c = Clientdata {
        laatst: Some(d(2024, 5, 1)),
        start: Some(d(2024, 2, 15)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("traject_ontwikkel", c),
        on(Wat::HeronderzoekMetVoortgangsgesprek, d(2026, 2, 15))
    );
}

#[test]
fn traject_arbeid() {
    // seed 003: traject richting arbeid, same rule; without a traject start the latest date.
    assert_eq!(
        due("traject_arbeid", laatst(d(2024, 5, 1))),
        on(Wat::HeronderzoekMetVoortgangsgesprek, d(2026, 5, 1))
    );
}

#[test]
fn aanvraag_iit_bijzondere_bijstand() {
    // seed 003: "Een volledig heronderzoek rechtmatigheid kan achterwege blijven als een eerder
    // heronderzoek rechtmatigheid in de voorafgaande twee jaar is uitgevoerd."
    let recent = Clientdata {
        laatst: Some(d(2024, 6, 1)),
        gebeurtenis: Some(d(2026, 3, 1)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("aanvraag_iit_bijzondere_bijstand", recent).wat,
        Wat::Overgeslagen
    );
    let old = Clientdata {
        laatst: Some(d(2024, 2, 1)),
        ..recent
    };
    assert_eq!(
        due("aanvraag_iit_bijzondere_bijstand", old),
        on(Wat::Heronderzoek, d(2026, 3, 1))
    );
}

#[test]
fn ib_signaal() {
    // seed 003: "Bij binnenkomst signaal gelijktijdig op rechtmatigheid controleren, tenzij dit
    // in de voorafgaande 2 jaar is gebeurd".
    let c = Clientdata {
        laatst: Some(d(2023, 1, 10)),
        gebeurtenis: Some(d(2026, 3, 1)),
        ..Clientdata::default()
    };
    assert_eq!(due("ib_signaal", c), on(Wat::Heronderzoek, d(2026, 3, 1)));
    let recent = Clientdata {
        laatst: Some(d(2025, 1, 10)),
        ..c
    };
    assert_eq!(due("ib_signaal", recent).wat, Wat::Overgeslagen);
}

#[test]
fn overige_klanten() {
    // seed 003: overige klanten "Tenminste 1 x per 3 jaar".
    assert_eq!(
        due("overige_klanten", laatst(d(2024, 1, 31))),
        on(Wat::Heronderzoek, d(2027, 1, 31))
    );
}

#[test]
fn zorgklanten() {
    // seed 003 Doelmatigheid: zorgklanten "1 x per jaar".
    assert_eq!(
        due("zorgklanten", laatst(d(2026, 2, 1))),
        on(Wat::Heronderzoek, d(2027, 2, 1))
    );
}

#[test]
fn ontwikkeltraject() {
    // seed 003 Doelmatigheid: ontwikkeltraject "1 x per 3 maanden"; 30 nov + 3 months clamps.
    assert_eq!(
        due("ontwikkeltraject", laatst(d(2025, 11, 30))),
        on(Wat::Heronderzoek, d(2026, 2, 28))
    );
}

#[test]
fn traject_richting_arbeid() {
    // seed 003 Doelmatigheid: traject richting arbeid "1 x per 3 maanden".
    assert_eq!(
        due("traject_richting_arbeid", laatst(d(2026, 1, 5))),
        on(Wat::Heronderzoek, d(2026, 4, 5))
    );
}

#[test]
fn taaleis() {
    // seed 003 Doelmatigheid: Wet taaleis "1 x per 6 maanden".
    assert_eq!(
        due("taaleis", laatst(d(2026, 1, 5))),
        on(Wat::Heronderzoek, d(2026, 7, 5))
    );
}

#[test]
fn tegenprestatie() {
    // seed 003 Doelmatigheid: tegenprestatie "1 x per jaar".
    assert_eq!(
        due("tegenprestatie", laatst(d(2026, 1, 5))),
        on(Wat::Heronderzoek, d(2027, 1, 5))
    );
}

#[test]
fn tijdelijke_ontheffing() {
    // seed 003 Doelmatigheid: "Na afloop van de ontheffing"; never skipped.
    let c = Clientdata {
        laatst: Some(d(2026, 1, 1)),
        gebeurtenis: Some(d(2026, 6, 30)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("tijdelijke_ontheffing", c),
        on(Wat::Heronderzoek, d(2026, 6, 30))
    );
}

#[test]
fn loonkostensubsidie() {
    // seed 003 Doelmatigheid: loonkostensubsidie "1 x per 1 tot 3 jaar": at the latest 3 years.
    assert_eq!(
        due("loonkostensubsidie", laatst(d(2024, 6, 1))),
        on(Wat::Heronderzoek, d(2027, 6, 1))
    );
}

#[test]
fn incidentele_bijzondere_bijstand() {
    // seed 003: "3 maanden na afgifte beschikking", once.
    let c = Clientdata {
        start: Some(d(2026, 1, 15)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("incidentele_bijzondere_bijstand", c),
        on(Wat::Heronderzoek, d(2026, 4, 15))
    );
    let done = Clientdata {
        laatst: Some(d(2026, 4, 10)),
        ..c
    };
    assert_eq!(due("incidentele_bijzondere_bijstand", done).wat, Wat::Niets);
}

#[test]
fn inburgering() {
    // seed 003: Wet inburgering 2021 "2 x per jaar".
    assert_eq!(
        due("inburgering", laatst(d(2026, 1, 5))),
        on(Wat::Heronderzoek, d(2026, 7, 5))
    );
}

#[test]
fn bbz_startend_gevestigd() {
    // seed 003: Bbz levensonderhoud, startende en gevestigde zelfstandigen "1 x per 6 maanden".
    assert_eq!(
        due("bbz_startend_gevestigd", laatst(d(2026, 3, 1))),
        on(Wat::Heronderzoek, d(2026, 9, 1))
    );
}

#[test]
fn bbz_oudere_zelfstandigen() {
    // seed 003: oudere zelfstandigen, geboren vóór 1 januari 1960 "1 x per jaar".
    assert_eq!(
        due("bbz_oudere_zelfstandigen", laatst(d(2026, 3, 1))),
        on(Wat::Heronderzoek, d(2027, 3, 1))
    );
}

#[test]
fn bbz_beeindigd() {
    // seed 003: beëindigde zelfstandigen "Binnen 6 maanden na de laatste maand waarin betaling
    // heeft plaatsgevonden": last paid in March 2026, so by 30 September 2026.
    let c = Clientdata {
        laatste_betaling: Some(d(2026, 3, 10)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("bbz_beeindigd", c),
        on(Wat::Beeindigingsonderzoek, d(2026, 9, 30))
    );
}

#[test]
fn bbz_bedrijfskapitaal() {
    // seed 003: "3 maanden na het verstrekken van het bedrijfskapitaal, vervolgens 1 x per jaar".
    let c = Clientdata {
        start: Some(d(2026, 1, 20)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("bbz_bedrijfskapitaal", c),
        on(Wat::Heronderzoek, d(2026, 4, 20))
    );
    let after = Clientdata {
        laatst: Some(d(2026, 4, 18)),
        ..c
    };
    assert_eq!(
        due("bbz_bedrijfskapitaal", after),
        on(Wat::Heronderzoek, d(2027, 4, 18))
    );
}

#[test]
fn bbz_mutatie() {
    // seed 003: Bbz mutatieonderzoeken "Afhankelijk van het tijdstip van de mutatie".
    let c = Clientdata {
        gebeurtenis: Some(d(2026, 2, 2)),
        ..Clientdata::default()
    };
    assert_eq!(due("bbz_mutatie", c), on(Wat::Heronderzoek, d(2026, 2, 2)));
}

#[test]
fn debiteur_bbz_lang() {
    // seed 003: Debiteuren Bbz, aflosverplichting > 5 jaar "1 x per 5 jaar".
    assert_eq!(
        due("debiteur_bbz_lang", laatst(d(2022, 5, 1))),
        on(Wat::Heronderzoek, d(2027, 5, 1))
    );
}

#[test]
fn debiteur_bbz_kort() {
    // seed 003: aflosverplichting < 5 jaar "Geen heronderzoek".
    assert_eq!(
        due("debiteur_bbz_kort", laatst(d(2022, 5, 1))),
        Planning {
            wat: Wat::Niets,
            datum: None
        }
    );
}

#[test]
fn debiteur_bbz_achterstand() {
    // seed 003: aflossingsverplichtingen niet (voldoende) nagekomen "1 x per jaar".
    assert_eq!(
        due("debiteur_bbz_achterstand", laatst(d(2026, 5, 1))),
        on(Wat::Heronderzoek, d(2027, 5, 1))
    );
}

#[test]
fn beeindiging() {
    // seed 003, Beëindigingsonderzoek: "Uiterlijk binnen zes maanden, na de laatste maand waarin
    // betaling van de uitkering heeft plaatsgevonden". Last paid 2026-08-25 → 28 februari 2027.
    let c = Clientdata {
        laatste_betaling: Some(d(2026, 8, 25)),
        ..Clientdata::default()
    };
    assert_eq!(
        due("beeindiging", c),
        on(Wat::Beeindigingsonderzoek, d(2027, 2, 28))
    );
}

#[test]
fn rau_ioaw_ioaz_bbz() {
    // seed 001 bijlage 1, IOAW, IOAZ en Bbz 2004: "De hercontrole als bedoeld in artikel 2 van
    // de RAU vindt eenmaal per 18 maanden plaats."
    assert_eq!(
        due("rau_ioaw_ioaz_bbz", laatst(d(2025, 1, 15))),
        on(Wat::Heronderzoek, d(2026, 7, 15))
    );
}

#[test]
fn a_missing_date_is_an_error_not_a_panic() {
    let err = plan(groep("bbz_beeindigd").unwrap(), &Clientdata::default()).unwrap_err();
    assert_eq!(err.code(), "heronderzoek_field_missing");
}
