//! Tests of the visit state machine: every (fase × event kind) transition, the content rules of
//! each step, lenient replay, and property tests.

use super::*;
use crate::protocol::{
    Activiteit, Ambtsverklaring, BronSoort, Feit, Gesprekswijze, NietInStaatReden, Ondertekenaar,
    ToestemmingsTekst, Tolk, Variant,
};
use crate::vragenlijst::{Antwoord, Handtekening};
use proptest::prelude::*;
use EventSoort as S;

// ---------- event builders ----------

fn concreet() -> Grondslag {
    Grondslag::ConcreteAanwijzing {
        feiten: vec![Feit {
            omschrijving: "BRP: sinds 1 maart staat J. de Vries op het adres ingeschreven."
                .to_owned(),
            bron: BronSoort::Register,
        }],
        geraadpleegde_bronnen: vec!["BRP".to_owned(), "Suwinet".to_owned()],
        waarom_niet_minder_ingrijpend: "Bankafschriften en BRP tonen niet wie er feitelijk woont."
            .to_owned(),
    }
}

fn twijfel() -> Grondslag {
    Grondslag::TwijfelZonderAanwijzing {
        twijfel: "Opgegeven woonlasten wijken af van de huurovereenkomst.".to_owned(),
        andere_wijze_onderzocht: "Huurovereenkomst en bankafschriften opgevraagd.".to_owned(),
    }
}

fn dienst() -> Grondslag {
    Grondslag::Dienstverlening {
        reden: "Cliënt kan door een beperking niet naar het gemeentehuis komen.".to_owned(),
    }
}

fn aanleiding_met(actie: Actie, grondslag: Grondslag) -> Event {
    Event::Aanleiding { actie, grondslag }
}

fn aanleiding() -> Event {
    aanleiding_met(Actie::Huisbezoek, concreet())
}

fn aankondiging(wijze: Aankondigingswijze) -> Event {
    Event::Aankondiging {
        wijze,
        toelichting: None,
    }
}

fn deur(handhavers: &[&str], leider: &str) -> Event {
    Event::AanDeDeur {
        handhavers: handhavers.iter().map(|s| (*s).to_owned()).collect(),
        leider: leider.to_owned(),
        minderjarigen_aanwezig: Some(false),
    }
}

fn legit() -> Event {
    Event::LegitimatieEnDoel {
        legitimatie_getoond: true,
        doel: "Vaststellen van de woonsituatie.".to_owned(),
    }
}

const AANLEIDING: &str = "Volgens het Inlichtingenbureau staat een tweede persoon op uw adres.";

fn gevraagd(v: Variant) -> Event {
    ToestemmingsTekst::standaard(v).event(AANLEIDING)
}

fn gegeven(rol: Rol) -> Event {
    Event::ToestemmingGegeven {
        door: "A. Jansen".to_owned(),
        rol,
        leeftijd: Some(Leeftijdsgroep::Volwassen),
        onderwerp_van_twijfel: false,
    }
}

fn geweigerd(rol: Rol, gewezen: bool) -> Event {
    Event::ToestemmingGeweigerd {
        door: "A. Jansen".to_owned(),
        rol,
        gewezen_op_gevolgen: gewezen,
        leeftijd: Some(Leeftijdsgroep::Volwassen),
        onderwerp_van_twijfel: false,
        uitgesloten_ruimtes: Vec::new(),
    }
}

fn ingetrokken() -> Event {
    Event::ToestemmingIngetrokken {
        door: "A. Jansen".to_owned(),
        rol: Rol::Bewoner,
    }
}

fn extra(onderwerp: ExtraOnderwerp, ruimte: Option<&str>, door: &str, rol: Rol, ja: bool) -> Event {
    Event::ExtraToestemming {
        onderwerp,
        ruimte: ruimte.map(str::to_owned),
        door: door.to_owned(),
        rol,
        gegeven: ja,
    }
}

fn kijken(ruimte: &str) -> Event {
    Event::Waarneming {
        ruimte: ruimte.to_owned(),
        tekst: "Twee tandenborstels op de wastafel.".to_owned(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

fn waarneming(ruimte: &str, foto: Option<&str>, kast: bool, kamer_van: Option<&str>) -> Event {
    Event::Waarneming {
        ruimte: ruimte.to_owned(),
        tekst: "Herenkleding in de kast.".to_owned(),
        foto: foto.map(str::to_owned),
        kast_geopend: kast,
        kamer_van: kamer_van.map(str::to_owned),
    }
}

fn correctie() -> Event {
    Event::Correctie {
        corrigeert: "entry-7".to_owned(),
        tekst: "Bedoeld is de slaapkamer aan de achterzijde.".to_owned(),
    }
}

fn afsluiting() -> Event {
    Event::Afsluiting { toelichting: None }
}

fn rapport_door(namen: &[&str]) -> Event {
    Event::Rapport {
        tekst: "Op 3 maart om 09:10 uur ...".to_owned(),
        opgemaakt_door: namen
            .iter()
            .map(|n| Ondertekenaar {
                handhaver: (*n).to_owned(),
                verklaring: Ambtsverklaring::Ambtseed,
            })
            .collect(),
    }
}

fn uitnodiging() -> Event {
    Event::UitnodigingBespreking {
        datum: None,
        toelichting: None,
    }
}

const FOTO: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/// A valid event of each kind (for the concrete-aanwijzing path, variant A).
fn sample(s: EventSoort) -> Event {
    match s {
        S::Aanleiding => aanleiding(),
        S::Aankondiging => aankondiging(Aankondigingswijze::Onaangekondigd),
        S::AanDeDeur => deur(&["h1", "h2"], "h1"),
        S::NiemandAanwezig => Event::NiemandAanwezig { toelichting: None },
        S::NietInStaat => niet_in_staat(),
        S::LegitimatieEnDoel => legit(),
        S::ToestemmingGevraagd => gevraagd(Variant::A),
        S::ToestemmingGegeven => gegeven(Rol::Bewoner),
        S::ToestemmingGeweigerd => geweigerd(Rol::Bewoner, true),
        S::Binnentreden => Event::Binnentreden,
        S::ToestemmingIngetrokken => ingetrokken(),
        S::ExtraToestemming => extra(ExtraOnderwerp::Fotos, None, "A. Jansen", Rol::Bewoner, true),
        S::Waarneming => kijken("woonkamer"),
        S::Correctie => correctie(),
        S::Afsluiting => afsluiting(),
        S::Rapport => rapport_door(&["h1", "h2"]),
        S::UitnodigingBespreking => uitnodiging(),
        S::BezoekAfgebroken => afgebroken("De code is naar rood gegaan; bezoek gestopt."),
        S::ToestemmingsconflictBeslecht => beslecht("h1", ConflictUitkomst::Geweigerd),
        S::WaarnemingTerPlaatseGestart => ter_plaatse_gestart(Transport::Auto, Some(1)),
        S::WaarnemingTerPlaatse => ter_plaatse("Voor Dorpsstraat 12", true),
        S::GesprekGestart => gesprek(Gesprekswijze::Video),
        S::Internetonderzoek => internetonderzoek(),
        S::VraagBeantwoord => beantwoord("slaapkamers", Antwoord::Getal(2)),
        S::VragenlijstOndertekend => ondertekend(handtekening()),
        S::AanwijzingGestuurd => Event::AanwijzingGestuurd {
            door: "h1".to_owned(),
            tekst: "De foto is onscherp, wilt u hem opnieuw maken?".to_owned(),
        },
    }
}

fn beantwoord(sleutel: &str, antwoord: Antwoord) -> Event {
    Event::VraagBeantwoord {
        vragenlijst: "woonsituatie".to_owned(),
        versie: 1,
        sleutel: sleutel.to_owned(),
        antwoord,
        door: "A. Jansen".to_owned(),
    }
}

fn handtekening() -> Handtekening {
    Handtekening {
        breedte: 300,
        hoogte: 120,
        strepen: vec![
            vec![[10, 60], [40, 30], [80, 90]],
            vec![[100, 60], [140, 62]],
        ],
    }
}

fn ondertekend(handtekening: Handtekening) -> Event {
    Event::VragenlijstOndertekend {
        door: "A. Jansen".to_owned(),
        handtekening,
    }
}

fn ter_plaatse_gestart(vervoer: Transport, per_auto: Option<u32>) -> Event {
    Event::WaarnemingTerPlaatseGestart {
        handhavers: vec!["h1".to_owned(), "h2".to_owned()],
        leider: "h1".to_owned(),
        vervoer,
        medewerkers_per_auto: per_auto,
    }
}

fn ter_plaatse(plek: &str, openbare_weg: bool) -> Event {
    Event::WaarnemingTerPlaatse {
        plek: plek.to_owned(),
        tekst: "Om 07:40 verliet een man de woning met de sleutel van de voordeur.".to_owned(),
        vanaf_openbare_weg: openbare_weg,
        waargenomen_om: None,
    }
}

fn gesprek(wijze: Gesprekswijze) -> Event {
    Event::GesprekGestart {
        met: "A. Jansen".to_owned(),
        rol: Rol::Bewoner,
        wijze,
        handhavers: vec!["h1".to_owned()],
        leider: "h1".to_owned(),
    }
}

fn internetonderzoek() -> Event {
    Event::Internetonderzoek {
        door: "h1".to_owned(),
        bronnen: vec!["Marktplaats (openbare advertenties)".to_owned()],
        waarom_evenredig: "Signaal van inkomsten uit verkoop; alleen openbare advertenties."
            .to_owned(),
        waarom_niet_minder_ingrijpend: "De klant gaf op verzoek geen overzicht van verkopen."
            .to_owned(),
        bevindingen: "Twaalf advertenties voor fietsonderdelen sinds 1 maart.".to_owned(),
    }
}

fn niet_in_staat() -> Event {
    Event::NietInStaat {
        toelichting: "Bewoonster spreekt geen Nederlands; geen tolk beschikbaar.".to_owned(),
        reden: Some(NietInStaatReden::Taal),
        tolk_taal: Some("Arabisch".to_owned()),
        tolk: None,
        vervolg: Some("Nieuwe afspraak met een tolk Arabisch.".to_owned()),
        nieuwe_afspraak: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
    }
}

fn beslecht(door: &str, uitkomst: ConflictUitkomst) -> Event {
    Event::ToestemmingsconflictBeslecht {
        door: door.to_owned(),
        uitkomst,
        toelichting: "Navraag bij beide handhavers: de bewoner weigerde.".to_owned(),
    }
}

fn afgebroken(reden: &str) -> Event {
    Event::BezoekAfgebroken {
        reden: reden.to_owned(),
    }
}

const ALL: [EventSoort; 26] = [
    S::Aanleiding,
    S::Aankondiging,
    S::AanDeDeur,
    S::NiemandAanwezig,
    S::NietInStaat,
    S::LegitimatieEnDoel,
    S::ToestemmingGevraagd,
    S::ToestemmingGegeven,
    S::ToestemmingGeweigerd,
    S::Binnentreden,
    S::ToestemmingIngetrokken,
    S::ExtraToestemming,
    S::Waarneming,
    S::Correctie,
    S::Afsluiting,
    S::Rapport,
    S::UitnodigingBespreking,
    S::BezoekAfgebroken,
    S::ToestemmingsconflictBeslecht,
    S::WaarnemingTerPlaatseGestart,
    S::WaarnemingTerPlaatse,
    S::GesprekGestart,
    S::Internetonderzoek,
    S::VraagBeantwoord,
    S::VragenlijstOndertekend,
    S::AanwijzingGestuurd,
];

/// The standard path (variant A) up to and including `fase`.
fn path_to(fase: Fase) -> Vec<Event> {
    let order = [
        (Fase::Aanleiding, S::Aanleiding),
        (Fase::Aangekondigd, S::Aankondiging),
        (Fase::AanDeDeur, S::AanDeDeur),
        (Fase::Gelegitimeerd, S::LegitimatieEnDoel),
        (Fase::ToestemmingGevraagd, S::ToestemmingGevraagd),
        (Fase::ToestemmingGegeven, S::ToestemmingGegeven),
        (Fase::Binnen, S::Binnentreden),
        (Fase::Beeindigd, S::Afsluiting),
        (Fase::Gerapporteerd, S::Rapport),
        (Fase::Uitgenodigd, S::UitnodigingBespreking),
    ];
    let mut out = Vec::new();
    if fase == Fase::Nieuw {
        return out;
    }
    for (f, s) in order {
        out.push(sample(s));
        if f == fase {
            break;
        }
    }
    out
}

fn at(fase: Fase) -> Bezoek {
    let b = Bezoek::from_events(&path_to(fase)).expect("standard path is valid");
    assert_eq!(b.state(), fase);
    b
}

fn at_with(events: &[Event]) -> Bezoek {
    Bezoek::from_events(events).expect("valid prefix")
}

fn code(b: &mut Bezoek, e: &Event) -> &'static str {
    let before = b.clone();
    let err = b.apply(e).expect_err("expected a refusal");
    assert_eq!(*b, before, "a refused event must leave the visit unchanged");
    err.code()
}

// ---------- the full transition matrix ----------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Exp {
    Ok(Fase),
    Err(&'static str),
}

/// Refusals shared by the phases before the visit ends, by kind.
fn before_end(s: EventSoort) -> Exp {
    Exp::Err(match s {
        S::AanDeDeur => "aankondiging_ontbreekt",
        S::ToestemmingGegeven | S::ToestemmingGeweigerd => "toestemming_niet_gevraagd",
        S::Binnentreden | S::ExtraToestemming => "toestemming_ontbreekt",
        S::Waarneming => "niet_binnen",
        S::Rapport => "bezoek_niet_beeindigd",
        S::UitnodigingBespreking => "rapport_ontbreekt",
        _ => "ongeldige_stap",
    })
}

fn after_end(s: EventSoort) -> Exp {
    match s {
        S::Rapport | S::Correctie | S::UitnodigingBespreking => unreachable!("listed per fase"),
        _ => Exp::Err("bezoek_beeindigd"),
    }
}

fn expected(fase: Fase, s: EventSoort) -> Exp {
    use Exp::{Err as E, Ok as O};
    if s == S::ToestemmingsconflictBeslecht {
        // Only a consent conflict found on replay can be decided.
        return E("toestemming_conflict_ontbreekt");
    }
    use Fase as F;
    let row: &[(EventSoort, Exp)] = match fase {
        F::Nieuw => &[(S::Aanleiding, O(F::Aanleiding))],
        F::Aanleiding => &[
            (S::Aankondiging, O(F::Aangekondigd)),
            (S::Correctie, O(F::Aanleiding)),
        ],
        F::Aangekondigd => &[
            (S::AanDeDeur, O(F::AanDeDeur)),
            (S::Correctie, O(F::Aangekondigd)),
        ],
        F::AanDeDeur => &[
            (S::AanDeDeur, E("ongeldige_stap")),
            (S::NiemandAanwezig, O(F::Beeindigd)),
            (S::NietInStaat, O(F::Beeindigd)),
            (S::LegitimatieEnDoel, O(F::Gelegitimeerd)),
            (S::ToestemmingGevraagd, E("legitimatie_ontbreekt")),
            (S::Correctie, O(F::AanDeDeur)),
        ],
        F::Gelegitimeerd => &[
            (S::AanDeDeur, E("ongeldige_stap")),
            (S::NietInStaat, O(F::Beeindigd)),
            (S::ToestemmingGevraagd, O(F::ToestemmingGevraagd)),
            (S::Correctie, O(F::Gelegitimeerd)),
        ],
        F::ToestemmingGevraagd => &[
            (S::AanDeDeur, E("ongeldige_stap")),
            (S::NietInStaat, O(F::Beeindigd)),
            (S::ToestemmingGegeven, O(F::ToestemmingGegeven)),
            (S::ToestemmingGeweigerd, O(F::Beeindigd)),
            (S::Correctie, O(F::ToestemmingGevraagd)),
        ],
        F::ToestemmingGegeven => &[
            (S::AanDeDeur, E("ongeldige_stap")),
            (S::ToestemmingGegeven, E("ongeldige_stap")),
            (S::ToestemmingGeweigerd, E("ongeldige_stap")),
            (S::Binnentreden, O(F::Binnen)),
            (S::ToestemmingIngetrokken, O(F::Beeindigd)),
            (S::ExtraToestemming, O(F::ToestemmingGegeven)),
            (S::Correctie, O(F::ToestemmingGegeven)),
        ],
        F::Binnen => &[
            (S::AanDeDeur, E("ongeldige_stap")),
            (S::ToestemmingGegeven, E("ongeldige_stap")),
            (S::ToestemmingGeweigerd, E("ongeldige_stap")),
            (S::Binnentreden, E("ongeldige_stap")),
            (S::ToestemmingIngetrokken, O(F::Beeindigd)),
            (S::ExtraToestemming, O(F::Binnen)),
            (S::Waarneming, O(F::Binnen)),
            (S::Afsluiting, O(F::Beeindigd)),
            (S::Correctie, O(F::Binnen)),
        ],
        F::Beeindigd => &[
            (S::Rapport, O(F::Gerapporteerd)),
            (S::Correctie, O(F::Beeindigd)),
            (S::UitnodigingBespreking, E("rapport_ontbreekt")),
        ],
        F::Gerapporteerd => &[
            (S::Rapport, E("rapport_al_vastgelegd")),
            (S::Correctie, O(F::Gerapporteerd)),
            (S::UitnodigingBespreking, O(F::Uitgenodigd)),
        ],
        // Not on a huisbezoek's path (the other activities' tests cover it).
        F::Bezig => &[],
        F::Uitgenodigd => &[
            (S::Rapport, E("rapport_al_vastgelegd")),
            (S::Correctie, O(F::Uitgenodigd)),
            (S::UitnodigingBespreking, O(F::Uitgenodigd)),
        ],
    };
    if let Some((_, e)) = row.iter().find(|(k, _)| *k == s) {
        return *e;
    }
    let eigen_aan_ander = matches!(
        s,
        S::WaarnemingTerPlaatseGestart
            | S::WaarnemingTerPlaatse
            | S::GesprekGestart
            | S::Internetonderzoek
    );
    if eigen_aan_ander && fase != F::Nieuw && !fase.is_beeindigd() {
        return E("stap_hoort_niet_bij_activiteit");
    }
    // The vragenlijst is the client's part of a digital tour only.
    let digitaal = matches!(
        s,
        S::VraagBeantwoord | S::VragenlijstOndertekend | S::AanwijzingGestuurd
    );
    if digitaal && fase != F::Nieuw && !fase.is_beeindigd() {
        return E("alleen_digitaal_huisbezoek");
    }
    // Issue 14 item 2: a running visit can always be broken off, from the aanleiding on.
    if s == S::BezoekAfgebroken && fase != F::Nieuw && !fase.is_beeindigd() {
        return O(F::Beeindigd);
    }
    match fase {
        F::Nieuw => E("aanleiding_ontbreekt"),
        F::Beeindigd | F::Gerapporteerd | F::Uitgenodigd => after_end(s),
        _ => before_end(s),
    }
}

pub(crate) const FASES: [Fase; 11] = [
    Fase::Nieuw,
    Fase::Aanleiding,
    Fase::Aangekondigd,
    Fase::AanDeDeur,
    Fase::Gelegitimeerd,
    Fase::ToestemmingGevraagd,
    Fase::ToestemmingGegeven,
    Fase::Binnen,
    Fase::Beeindigd,
    Fase::Gerapporteerd,
    Fase::Uitgenodigd,
];

#[test]
fn every_fase_times_every_event_kind() {
    let mut checked = 0;
    for fase in FASES {
        for s in ALL {
            let mut b = at(fase);
            let steps = b.next_steps();
            let before = b.clone();
            let got = b.apply(&sample(s));
            match (expected(fase, s), got) {
                (Exp::Ok(f), Ok(())) => {
                    assert_eq!(b.state(), f, "{fase} + {s}");
                    assert!(steps.contains(&s), "{s} allowed in {fase} but not offered");
                }
                (Exp::Err(c), Err(e)) => {
                    assert_eq!(e.code(), c, "{fase} + {s}");
                    assert_eq!(b, before, "{fase} + {s} changed the visit");
                    assert!(!steps.contains(&s), "{s} offered in {fase} but refused");
                    assert!(!e.to_string().is_empty());
                }
                (exp, got) => panic!("{fase} + {s}: expected {exp:?}, got {got:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11 * 26);
}

// ---------- aanleiding and aankondiging ----------

#[test]
fn every_routekaart_action_starts_with_its_aanleiding() {
    for actie in Actie::ALL {
        let mut b = Bezoek::new();
        assert_eq!(code(&mut b, &sample(S::Afsluiting)), "aanleiding_ontbreekt");
        b.apply(&aanleiding_met(actie, concreet()))
            .expect("aanleiding");
        assert_eq!(b.actie(), Some(actie));
        assert_eq!(b.next_steps()[0], Activiteit::van(actie).eerste_stap());
    }
}

// ---------- the other field actions (seed 004 rows; seed 002 §9) ----------

/// Runs `events` after an aanleiding for `actie`, strictly.
fn activiteit(actie: Actie, events: &[Event]) -> Bezoek {
    let mut all = vec![aanleiding_met(actie, twijfel())];
    all.extend_from_slice(events);
    Bezoek::from_events(&all).expect("valid activity")
}

/// Seed 004 "Waarneming ter plaatse": who goes and how (by car: per car), then waarnemingen
/// from the public road only; afsluiting and a rapport signed by the lead.
#[test]
fn waarneming_ter_plaatse_from_the_public_road_to_its_rapport() {
    let mut b = activiteit(Actie::Waarneming, &[]);
    assert_eq!(
        code(&mut b, &ter_plaatse_gestart(Transport::Auto, None)),
        "veld_leeg"
    );
    assert_eq!(
        code(&mut b, &deur(&["h1", "h2"], "h1")),
        "stap_hoort_niet_bij_activiteit"
    );
    b.apply(&ter_plaatse_gestart(Transport::Auto, Some(1)))
        .unwrap();
    assert_eq!(b.state(), Fase::Bezig);
    assert_eq!(b.vervoer(), Some((Transport::Auto, Some(1))));
    assert_eq!(
        b.next_steps(),
        vec![
            S::WaarnemingTerPlaatse,
            S::Afsluiting,
            S::BezoekAfgebroken,
            S::Correctie
        ]
    );
    // Never an entry: a waarneming ter plaatse is made from the public road.
    assert_eq!(
        code(&mut b, &ter_plaatse("In de tuin achter het huis", false)),
        "waarneming_niet_vanaf_openbare_weg"
    );
    assert_eq!(
        code(&mut b, &Event::Binnentreden),
        "stap_hoort_niet_bij_activiteit"
    );
    assert_eq!(code(&mut b, &ter_plaatse(" ", true)), "veld_leeg");
    b.apply(&ter_plaatse("Voor Dorpsstraat 12", true)).unwrap();
    b.apply(&ter_plaatse("Parkeerplaats Dorpsstraat", true))
        .unwrap();
    assert_eq!(b.waarnemingen(), 2);
    b.apply(&afsluiting()).unwrap();
    assert_eq!(
        code(&mut b, &rapport_door(&["h3"])),
        "rapport_door_niet_aanwezige"
    );
    b.apply(&rapport_door(&["h1"])).unwrap();
    assert_eq!(b.state(), Fase::Gerapporteerd);
}

/// On foot or by bike there is no car to count.
#[test]
fn waarneming_ter_plaatse_on_foot_needs_no_car_count() {
    let b = activiteit(
        Actie::Waarneming,
        &[ter_plaatse_gestart(Transport::Fiets, Some(2))],
    );
    assert_eq!(b.vervoer(), Some((Transport::Fiets, None)));
}

/// Seed 004: a gesprek op afstand is by phone or video; spreekkamer and mobiele unit face to
/// face; one officer suffices; the verslag is the rapport.
#[test]
fn gesprek_with_whom_and_how_then_its_verslag() {
    let mut b = activiteit(Actie::GesprekOpAfstand, &[]);
    assert_eq!(
        code(&mut b, &gesprek(Gesprekswijze::Persoonlijk)),
        "gesprekswijze_past_niet"
    );
    let mut zonder = gesprek(Gesprekswijze::Telefoon);
    if let Event::GesprekGestart { met, .. } = &mut zonder {
        met.clear();
    }
    assert_eq!(code(&mut b, &zonder), "veld_leeg");
    b.apply(&gesprek(Gesprekswijze::Telefoon)).unwrap();
    assert_eq!(b.state(), Fase::Bezig);
    assert_eq!(
        b.next_steps(),
        vec![S::Afsluiting, S::BezoekAfgebroken, S::Correctie]
    );
    assert_eq!(
        code(&mut b, &ter_plaatse("x", true)),
        "stap_hoort_niet_bij_activiteit"
    );
    b.apply(&afsluiting()).unwrap();
    b.apply(&rapport_door(&["h1"])).unwrap();

    let mut b = activiteit(Actie::Spreekkamer, &[]);
    assert_eq!(
        code(&mut b, &gesprek(Gesprekswijze::Video)),
        "gesprekswijze_past_niet"
    );
    b.apply(&gesprek(Gesprekswijze::Persoonlijk)).unwrap();
}

/// Seed 002 §9.1: internet research only with its sources, proportionality and subsidiarity
/// recorded, and what was found; several rounds may follow, each by whoever did it.
#[test]
fn internetonderzoek_records_sources_proportionality_and_subsidiarity() {
    let mut b = activiteit(Actie::AdministratiefOnderzoek, &[]);
    let leeg = |veld: &str| {
        let mut e = internetonderzoek();
        if let Event::Internetonderzoek {
            bronnen,
            waarom_evenredig,
            waarom_niet_minder_ingrijpend,
            bevindingen,
            ..
        } = &mut e
        {
            match veld {
                "bronnen" => *bronnen = vec![" ".to_owned()],
                "waarom_evenredig" => waarom_evenredig.clear(),
                "waarom_niet_minder_ingrijpend" => waarom_niet_minder_ingrijpend.clear(),
                _ => bevindingen.clear(),
            }
        }
        e
    };
    for (veld, expected) in [
        ("bronnen", "veld_leeg"),
        ("waarom_evenredig", "internetonderzoek_niet_evenredig"),
        (
            "waarom_niet_minder_ingrijpend",
            "minder_ingrijpend_middel_niet_gemotiveerd",
        ),
        ("bevindingen", "veld_leeg"),
    ] {
        assert_eq!(code(&mut b, &leeg(veld)), expected, "{veld}");
    }
    b.apply(&internetonderzoek()).unwrap();
    let mut tweede = internetonderzoek();
    if let Event::Internetonderzoek { door, .. } = &mut tweede {
        *door = "h2".to_owned();
    }
    b.apply(&tweede).unwrap();
    assert_eq!(b.internetonderzoeken(), 2);
    assert_eq!(b.handhavers(), ["h1", "h2"]);
    assert_eq!(b.leider(), Some("h1"));
    b.apply(&afsluiting()).unwrap();
    b.apply(&rapport_door(&["h1"])).unwrap();
}

/// Seed 002 §9: a grondslag knows when it rests on the internet, so the device can ask for the
/// recorded research first.
#[test]
fn a_grondslag_citing_the_internet_says_so() {
    assert!(!concreet().steunt_op_internet());
    let g = Grondslag::ConcreteAanwijzing {
        feiten: vec![Feit {
            omschrijving: "Advertenties voor fietsonderdelen op Marktplaats.".to_owned(),
            bron: BronSoort::Internet,
        }],
        geraadpleegde_bronnen: vec!["Marktplaats".to_owned()],
        waarom_niet_minder_ingrijpend: "De klant gaf geen overzicht.".to_owned(),
    };
    assert!(g.steunt_op_internet());
}

#[test]
fn aanleiding_on_an_anonymous_tip_alone_is_refused() {
    let g = Grondslag::ConcreteAanwijzing {
        feiten: vec![Feit {
            omschrijving: "Anonieme melding via het webformulier: partner woont er.".to_owned(),
            bron: BronSoort::AnoniemeMelding,
        }],
        geraadpleegde_bronnen: vec!["BRP".to_owned()],
        waarom_niet_minder_ingrijpend: "x".to_owned(),
    };
    let mut b = Bezoek::new();
    assert_eq!(
        code(&mut b, &aanleiding_met(Actie::Huisbezoek, g)),
        "anonieme_tip_geen_concrete_aanwijzing"
    );
    let bad = Grondslag::TwijfelZonderAanwijzing {
        twijfel: "x".to_owned(),
        andere_wijze_onderzocht: String::new(),
    };
    assert_eq!(
        code(&mut b, &aanleiding_met(Actie::Huisbezoek, bad)),
        "andere_wijze_niet_onderzocht"
    );
}

#[test]
fn unannounced_only_with_a_concrete_aanwijzing() {
    for g in [twijfel(), dienst()] {
        let mut b = at_with(&[aanleiding_met(Actie::Huisbezoek, g)]);
        assert!(!b.mag_onaangekondigd());
        assert_eq!(
            code(&mut b, &aankondiging(Aankondigingswijze::Onaangekondigd)),
            "onaangekondigd_zonder_concrete_aanwijzing"
        );
        assert!(b
            .apply(&aankondiging(Aankondigingswijze::Aangekondigd))
            .is_ok());
        assert_eq!(b.aankondiging(), Some(Aankondigingswijze::Aangekondigd));
    }
    let mut b = at(Fase::Aanleiding);
    assert!(b
        .apply(&aankondiging(Aankondigingswijze::Aangekondigd))
        .is_ok());
}

// ---------- at the door ----------

#[test]
fn physical_visit_needs_two_handhavers_and_a_present_lead() {
    let mut b = at(Fase::Aangekondigd);
    assert_eq!(code(&mut b, &deur(&["h1"], "h1")), "te_weinig_handhavers");
    assert_eq!(
        code(&mut b, &deur(&["h1", " h1 "], "h1")),
        "te_weinig_handhavers"
    );
    assert_eq!(
        code(&mut b, &deur(&["h1", "h2"], "h3")),
        "leider_niet_aanwezig"
    );
    assert_eq!(code(&mut b, &deur(&["h1", ""], "h1")), "veld_leeg");
    assert!(b.apply(&deur(&["h1", "h2"], "h2")).is_ok());
    assert_eq!(b.leider(), Some("h2"));
    assert_eq!(b.handhavers(), ["h1", "h2"]);
}

#[test]
fn app_visit_may_be_done_by_one_handhaver() {
    let mut b = at_with(&[
        aanleiding_met(Actie::HuisbezoekApp, concreet()),
        aankondiging(Aankondigingswijze::Aangekondigd),
    ]);
    assert_eq!(code(&mut b, &deur(&[], "h1")), "te_weinig_handhavers");
    assert!(b.apply(&deur(&["h1"], "h1")).is_ok());
}

#[test]
fn niemand_aanwezig_and_niet_in_staat_are_not_refusals() {
    let mut b = at(Fase::AanDeDeur);
    b.apply(&sample(S::NiemandAanwezig)).expect("allowed");
    assert_eq!(b.einde(), Some(Einde::NiemandAanwezig));
    for fase in [
        Fase::AanDeDeur,
        Fase::Gelegitimeerd,
        Fase::ToestemmingGevraagd,
    ] {
        let mut b = at(fase);
        assert_eq!(
            code(
                &mut b,
                &Event::NietInStaat {
                    toelichting: " ".to_owned(),
                    reden: None,
                    tolk_taal: None,
                    tolk: None,
                    vervolg: None,
                    nieuwe_afspraak: None,
                }
            ),
            "veld_leeg"
        );
        b.apply(&sample(S::NietInStaat)).expect("allowed");
        assert_eq!(b.einde(), Some(Einde::NietInStaat));
    }
}

#[test]
fn identification_and_purpose_before_consent() {
    let mut b = at(Fase::AanDeDeur);
    assert_eq!(
        code(
            &mut b,
            &Event::LegitimatieEnDoel {
                legitimatie_getoond: false,
                doel: "Woonsituatie".to_owned()
            }
        ),
        "legitimatie_niet_getoond"
    );
    assert_eq!(
        code(
            &mut b,
            &Event::LegitimatieEnDoel {
                legitimatie_getoond: true,
                doel: String::new()
            }
        ),
        "doel_niet_meegedeeld"
    );
}

// ---------- informed consent ----------

#[test]
fn consent_text_must_match_the_grondslag_and_its_hash() {
    let mut b = at(Fase::Gelegitimeerd);
    assert_eq!(
        code(&mut b, &gevraagd(Variant::B)),
        "verkeerde_toestemmingstekst"
    );
    assert_eq!(
        code(&mut b, &gevraagd(Variant::Dienstverlening)),
        "verkeerde_toestemmingstekst"
    );
    let mut wrong_hash = ToestemmingsTekst::standaard(Variant::A);
    wrong_hash.hash = super::tekst_hash("andere tekst");
    assert_eq!(
        code(&mut b, &wrong_hash.event(AANLEIDING)),
        "tekst_hash_onjuist"
    );
    let empty = ToestemmingsTekst::new(Variant::A, "");
    assert_eq!(code(&mut b, &empty.event(AANLEIDING)), "veld_leeg");
    // An organisation's own wording is fine when its hash is right.
    let own = ToestemmingsTekst::new(Variant::A, "Eigen tekst variant A van de gemeente.");
    assert!(b.apply(&own.event(AANLEIDING)).is_ok());
}

/// Seed 001 §3 ("volledige en juiste informatie over de aanleiding"; "deugdelijk vastgelegd"):
/// the concrete aanleiding told at the door is recorded with the consent; a new recording
/// without it is refused, a stored one from before the field existed still replays.
#[test]
fn seed_001_s3_aanleiding_told_at_the_door_is_recorded_with_the_consent() {
    let b = at(Fase::Gelegitimeerd);
    let zonder = ToestemmingsTekst::standaard(Variant::A).event("  ");
    let mut strict = b.clone();
    let err = strict.apply_new(&zonder).unwrap_err();
    assert_eq!(err.code(), "veld_leeg");
    assert_eq!(strict.state(), Fase::Gelegitimeerd);
    let mut met = b.clone();
    met.apply_new(&gevraagd(Variant::A)).unwrap();
    assert_eq!(met.state(), Fase::ToestemmingGevraagd);

    // A body stored before the field existed parses (serde default) and replays.
    let tekst = ToestemmingsTekst::standaard(Variant::A);
    let oud = serde_json::json!({
        "soort": "toestemming_gevraagd",
        "variant": "a",
        "tekst": tekst.tekst,
        "tekst_hash": tekst.hash,
    });
    let oud: Event = serde_json::from_value(oud).unwrap();
    assert!(matches!(&oud, Event::ToestemmingGevraagd { aanleiding, .. } if aanleiding.is_empty()));
    let mut replayed = b;
    replayed.apply(&oud).unwrap();
    assert_eq!(replayed.state(), Fase::ToestemmingGevraagd);
}

#[test]
fn variant_b_and_dienstverlening_texts() {
    for (g, v) in [
        (twijfel(), Variant::B),
        (dienst(), Variant::Dienstverlening),
    ] {
        let mut b = at_with(&[
            aanleiding_met(Actie::Huisbezoek, g),
            aankondiging(Aankondigingswijze::Aangekondigd),
            deur(&["h1", "h2"], "h1"),
            legit(),
        ]);
        assert_eq!(
            code(&mut b, &gevraagd(Variant::A)),
            "verkeerde_toestemmingstekst"
        );
        assert!(b.apply(&gevraagd(v)).is_ok());
    }
}

#[test]
fn only_the_belanghebbende_gives_consent_to_enter() {
    let mut b = at(Fase::ToestemmingGevraagd);
    assert_eq!(
        code(&mut b, &gegeven(Rol::Medebewoner)),
        "toestemming_niet_door_belanghebbende"
    );
    assert_eq!(
        code(
            &mut b,
            &Event::ToestemmingGegeven {
                door: String::new(),
                rol: Rol::Bewoner,
                leeftijd: Some(Leeftijdsgroep::Volwassen),
                onderwerp_van_twijfel: false,
            }
        ),
        "veld_leeg"
    );
    assert!(b.apply(&gegeven(Rol::Partner)).is_ok());
    assert_eq!(b.toestemming_door(), Some(("A. Jansen", Rol::Partner)));
}

#[test]
fn refusal_under_variant_a_requires_pointing_at_consequences() {
    let mut b = at(Fase::ToestemmingGevraagd);
    assert_eq!(
        code(&mut b, &geweigerd(Rol::Bewoner, false)),
        "weigering_gevolgen_niet_meegedeeld"
    );
    b.apply(&geweigerd(Rol::Bewoner, true)).expect("allowed");
    assert_eq!(b.einde(), Some(Einde::Geweigerd));
    assert_eq!(code(&mut b, &Event::Binnentreden), "bezoek_beeindigd");
}

#[test]
fn refusal_under_variant_b_has_no_consequences_to_point_at() {
    let mut b = at_with(&[
        aanleiding_met(Actie::Huisbezoek, twijfel()),
        aankondiging(Aankondigingswijze::Aangekondigd),
        deur(&["h1", "h2"], "h1"),
        legit(),
        gevraagd(Variant::B),
    ]);
    b.apply(&geweigerd(Rol::Bewoner, false))
        .expect("the belanghebbende may refuse");
    assert_eq!(b.einde(), Some(Einde::Geweigerd));
}

#[test]
fn refusal_without_consequences_cannot_be_met_with_consequences() {
    // Seed 001 §2b: "Wordt toch overgegaan tot huisbezoek dan kan aan de weigering niet direct
    // een gevolg verbonden worden"; §3b: "geen directe consequenties". Seed 001 §1 (a service
    // visit) has no consequences at all.
    for (grondslag, variant) in [
        (twijfel(), Variant::B),
        (dienst(), Variant::Dienstverlening),
    ] {
        let mut b = at_with(&[
            aanleiding_met(Actie::Huisbezoek, grondslag),
            aankondiging(Aankondigingswijze::Aangekondigd),
            deur(&["h1", "h2"], "h1"),
            legit(),
            gevraagd(variant),
        ]);
        assert_eq!(
            code(&mut b, &geweigerd(Rol::Bewoner, true)),
            "weigering_zonder_gevolgen",
            "{variant:?}"
        );
        assert_eq!(b.state(), Fase::ToestemmingGevraagd);
        b.apply(&geweigerd(Rol::Bewoner, false)).expect("allowed");
        assert_eq!(b.einde(), Some(Einde::Geweigerd));
    }
}

#[test]
fn entering_needs_recorded_consent() {
    for fase in [
        Fase::Aanleiding,
        Fase::Aangekondigd,
        Fase::AanDeDeur,
        Fase::Gelegitimeerd,
        Fase::ToestemmingGevraagd,
    ] {
        let mut b = at(fase);
        assert_eq!(code(&mut b, &Event::Binnentreden), "toestemming_ontbreekt");
        assert!(!b.binnengetreden());
    }
}

#[test]
fn withdrawal_ends_the_visit_at_any_moment() {
    for fase in [Fase::ToestemmingGegeven, Fase::Binnen] {
        let mut b = at(fase);
        assert_eq!(
            code(
                &mut b,
                &Event::ToestemmingIngetrokken {
                    door: String::new(),
                    rol: Rol::Bewoner
                }
            ),
            "veld_leeg"
        );
        b.apply(&ingetrokken()).expect("allowed");
        assert_eq!(b.einde(), Some(Einde::Ingetrokken));
        assert_eq!(code(&mut b, &kijken("keuken")), "bezoek_beeindigd");
        assert_eq!(code(&mut b, &Event::Binnentreden), "bezoek_beeindigd");
        assert!(b.apply(&rapport_door(&["h1"])).is_ok());
    }
}

// ---------- inside: separate consents ----------

fn binnen() -> Bezoek {
    at(Fase::Binnen)
}

#[test]
fn look_only_by_default() {
    let mut b = binnen();
    assert!(b.apply(&kijken("woonkamer")).is_ok());
    assert_eq!(
        code(&mut b, &waarneming("slaapkamer", None, true, None)),
        "toestemming_kasten_ontbreekt"
    );
    assert_eq!(
        code(&mut b, &waarneming("slaapkamer", Some(FOTO), false, None)),
        "toestemming_foto_ontbreekt"
    );
    assert_eq!(
        code(
            &mut b,
            &waarneming("kamer", None, false, Some("P. de Boer"))
        ),
        "toestemming_kamer_ontbreekt"
    );
    assert_eq!(b.waarnemingen(), 1);
}

#[test]
fn waarneming_fields_are_checked() {
    let mut b = binnen();
    assert_eq!(code(&mut b, &kijken(" ")), "veld_leeg");
    let leeg = Event::Waarneming {
        ruimte: "keuken".to_owned(),
        tekst: String::new(),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    };
    assert_eq!(code(&mut b, &leeg), "veld_leeg");
    assert_eq!(
        code(&mut b, &waarneming("keuken", None, false, Some(""))),
        "veld_leeg"
    );
    b.apply(&extra(
        ExtraOnderwerp::Fotos,
        None,
        "A. Jansen",
        Rol::Bewoner,
        true,
    ))
    .expect("allowed");
    for bad in ["abc", &FOTO.to_uppercase(), &format!("{FOTO}0")] {
        assert_eq!(
            code(&mut b, &waarneming("keuken", Some(bad), false, None)),
            "foto_referentie_ongeldig"
        );
    }
    assert!(b
        .apply(&waarneming("keuken", Some(FOTO), false, None))
        .is_ok());
}

#[test]
fn closets_need_their_own_consent_per_scope() {
    let mut b = binnen();
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        Some("slaapkamer"),
        "A. Jansen",
        Rol::Bewoner,
        true,
    ))
    .expect("allowed");
    assert!(b.apply(&waarneming("slaapkamer", None, true, None)).is_ok());
    assert_eq!(
        code(&mut b, &waarneming("zolder", None, true, None)),
        "toestemming_kasten_ontbreekt"
    );
    // Whole dwelling, then withdrawn for the bedroom only.
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        None,
        "A. Jansen",
        Rol::Bewoner,
        true,
    ))
    .expect("allowed");
    assert!(b.apply(&waarneming("zolder", None, true, None)).is_ok());
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        Some("slaapkamer"),
        "A. Jansen",
        Rol::Bewoner,
        false,
    ))
    .expect("allowed");
    assert_eq!(
        code(&mut b, &waarneming("slaapkamer", None, true, None)),
        "toestemming_kasten_ontbreekt"
    );
    assert!(b.apply(&waarneming("zolder", None, true, None)).is_ok());
    // A co-resident's consent does not cover the belanghebbende's rooms.
    let mut b = binnen();
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        None,
        "P. de Boer",
        Rol::Medebewoner,
        true,
    ))
    .expect("allowed");
    assert_eq!(
        code(&mut b, &waarneming("keuken", None, true, None)),
        "toestemming_kasten_ontbreekt"
    );
}

#[test]
fn photo_consent_can_be_withdrawn() {
    let mut b = binnen();
    b.apply(&extra(
        ExtraOnderwerp::Fotos,
        None,
        "A. Jansen",
        Rol::Partner,
        true,
    ))
    .expect("allowed");
    assert!(b
        .apply(&waarneming("keuken", Some(FOTO), false, None))
        .is_ok());
    b.apply(&extra(
        ExtraOnderwerp::Fotos,
        None,
        "A. Jansen",
        Rol::Partner,
        false,
    ))
    .expect("allowed");
    assert_eq!(
        code(&mut b, &waarneming("keuken", Some(FOTO), false, None)),
        "toestemming_foto_ontbreekt"
    );
    // Withdrawing one consent does not end the visit.
    assert_eq!(b.state(), Fase::Binnen);
}

#[test]
fn another_occupants_room_needs_that_occupants_consent() {
    let mut b = binnen();
    let kamer = |door: &str, rol: Rol, ja: bool| {
        extra(
            ExtraOnderwerp::KamerAndereBewoner,
            Some("kamer boven"),
            door,
            rol,
            ja,
        )
    };
    assert_eq!(
        code(&mut b, &kamer("A. Jansen", Rol::Bewoner, true)),
        "kamer_toestemming_niet_door_bewoner_kamer"
    );
    assert_eq!(
        code(&mut b, &kamer("A. Jansen", Rol::Partner, true)),
        "kamer_toestemming_niet_door_bewoner_kamer"
    );
    assert_eq!(
        code(
            &mut b,
            &extra(
                ExtraOnderwerp::KamerAndereBewoner,
                None,
                "P. de Boer",
                Rol::Medebewoner,
                true
            )
        ),
        "veld_leeg"
    );
    // Consent of another co-resident does not count.
    b.apply(&kamer("Q. Smit", Rol::Medebewoner, true))
        .expect("allowed");
    assert_eq!(
        code(
            &mut b,
            &waarneming("kamer boven", None, false, Some("P. de Boer"))
        ),
        "toestemming_kamer_ontbreekt"
    );
    b.apply(&kamer("P. de Boer", Rol::Medebewoner, true))
        .expect("allowed");
    assert!(b
        .apply(&waarneming("kamer boven", None, false, Some("P. de Boer")))
        .is_ok());
    // Another room of the same occupant is not covered.
    assert_eq!(
        code(
            &mut b,
            &waarneming("berging", None, false, Some("P. de Boer"))
        ),
        "toestemming_kamer_ontbreekt"
    );
    // Closets in that room: the belanghebbende's closet consent does not cover them.
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        None,
        "A. Jansen",
        Rol::Bewoner,
        true,
    ))
    .expect("allowed");
    assert_eq!(
        code(
            &mut b,
            &waarneming("kamer boven", None, true, Some("P. de Boer"))
        ),
        "toestemming_kasten_ontbreekt"
    );
    b.apply(&extra(
        ExtraOnderwerp::KastenOpenen,
        Some("kamer boven"),
        "P. de Boer",
        Rol::Medebewoner,
        true,
    ))
    .expect("allowed");
    assert!(b
        .apply(&waarneming("kamer boven", None, true, Some("P. de Boer")))
        .is_ok());
    // The occupant withdraws: the room is closed again (seed 001 §2: whoever names it).
    b.apply(&kamer("P. de Boer", Rol::Medebewoner, false))
        .expect("allowed");
    assert_eq!(
        code(
            &mut b,
            &waarneming("kamer boven", None, false, Some("P. de Boer"))
        ),
        "ruimte_uitgesloten"
    );
    assert_eq!(code(&mut b, &kijken("kamer boven")), "ruimte_uitgesloten");
}

#[test]
fn extra_consent_fields_are_checked() {
    let mut b = at(Fase::ToestemmingGegeven);
    assert_eq!(
        code(
            &mut b,
            &extra(ExtraOnderwerp::Fotos, None, "", Rol::Bewoner, true)
        ),
        "veld_leeg"
    );
    assert_eq!(
        code(
            &mut b,
            &extra(
                ExtraOnderwerp::Fotos,
                Some(""),
                "A. Jansen",
                Rol::Bewoner,
                true
            )
        ),
        "veld_leeg"
    );
    assert!(b
        .apply(&extra(
            ExtraOnderwerp::Fotos,
            None,
            "A. Jansen",
            Rol::Bewoner,
            true
        ))
        .is_ok());
    assert_eq!(b.extra_toestemmingen().len(), 1);
}

// ---------- correcties, rapport, follow-up ----------

#[test]
fn correcties_need_a_target_and_text_and_work_after_closing() {
    let mut b = at(Fase::Uitgenodigd);
    assert_eq!(
        code(
            &mut b,
            &Event::Correctie {
                corrigeert: String::new(),
                tekst: "x".to_owned()
            }
        ),
        "veld_leeg"
    );
    assert_eq!(
        code(
            &mut b,
            &Event::Correctie {
                corrigeert: "entry-1".to_owned(),
                tekst: " ".to_owned()
            }
        ),
        "veld_leeg"
    );
    b.apply(&correctie()).expect("allowed");
    assert_eq!(b.correcties(), 1);
    assert_eq!(b.state(), Fase::Uitgenodigd);
}

#[test]
fn rapport_by_the_officers_present_including_the_lead() {
    let mut b = at(Fase::Beeindigd);
    assert_eq!(
        code(&mut b, &rapport_door(&["h1", "h9"])),
        "rapport_door_niet_aanwezige"
    );
    assert_eq!(
        code(&mut b, &rapport_door(&["h2"])),
        "rapport_zonder_leider"
    );
    assert_eq!(code(&mut b, &rapport_door(&[])), "rapport_zonder_leider");
    let leeg = Event::Rapport {
        tekst: String::new(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "h1".to_owned(),
            verklaring: Ambtsverklaring::Ambtsbelofte,
        }],
    };
    assert_eq!(code(&mut b, &leeg), "veld_leeg");
    assert!(b.apply(&rapport_door(&["h1"])).is_ok());
}

#[test]
fn rapport_after_every_kind_of_ending() {
    let endings: Vec<(Fase, Event, Einde)> = vec![
        (
            Fase::AanDeDeur,
            sample(S::NiemandAanwezig),
            Einde::NiemandAanwezig,
        ),
        (
            Fase::Gelegitimeerd,
            sample(S::NietInStaat),
            Einde::NietInStaat,
        ),
        (
            Fase::ToestemmingGevraagd,
            sample(S::ToestemmingGeweigerd),
            Einde::Geweigerd,
        ),
        (Fase::Binnen, ingetrokken(), Einde::Ingetrokken),
        (Fase::Binnen, afsluiting(), Einde::Afgesloten),
        (
            Fase::ToestemmingGegeven,
            sample(S::BezoekAfgebroken),
            Einde::Afgebroken,
        ),
    ];
    for (fase, end, einde) in endings {
        let mut b = at(fase);
        b.apply(&end).expect("ending allowed");
        assert_eq!(b.einde(), Some(einde));
        b.apply(&rapport_door(&["h1", "h2"]))
            .expect("rapport allowed");
        b.apply(&uitnodiging()).expect("invitation allowed");
        assert_eq!(b.state(), Fase::Uitgenodigd);
        assert_eq!(b.einde(), Some(einde));
    }
}

// ---------- bezoek afbreken (issue 14 item 2) ----------

/// Issue 14 item 2: "a visit that can no longer go on (the code changed, nobody came, the
/// handhaver was called away) can be broken off with a reason — a protocol event, never a
/// deletion". Every phase before the end, from the aanleiding on.
#[test]
fn a_running_visit_can_be_broken_off_in_every_phase() {
    for fase in FASES {
        let mut b = at(fase);
        let offered = b.next_steps().contains(&S::BezoekAfgebroken);
        let result = b.apply(&afgebroken("Geroepen voor een spoedgeval."));
        if fase == Fase::Nieuw {
            assert_eq!(result.map_err(|e| e.code()), Err("aanleiding_ontbreekt"));
            assert!(!offered);
        } else if fase.is_beeindigd() {
            assert_eq!(result.map_err(|e| e.code()), Err("bezoek_beeindigd"));
            assert!(!offered, "offered after the end in {fase}");
        } else {
            assert!(result.is_ok(), "{fase}: {result:?}");
            assert!(offered, "not offered in {fase}");
            assert_eq!(b.state(), Fase::Beeindigd);
            assert_eq!(b.einde(), Some(Einde::Afgebroken));
        }
    }
}

/// Issue 14 item 2: "with a reason". A blank reason is refused and changes nothing.
#[test]
fn breaking_off_needs_a_reason() {
    let mut b = at(Fase::Binnen);
    assert_eq!(code(&mut b, &afgebroken("")), "veld_leeg");
    assert_eq!(code(&mut b, &afgebroken("  \n ")), "veld_leeg");
    assert_eq!(b.state(), Fase::Binnen);
}

/// After breaking off, as after any end: only rapport, correctie and the invitation; what was
/// recorded before stays counted (never a deletion).
#[test]
fn after_breaking_off_only_rapport_correctie_and_invitation() {
    let mut b = at(Fase::Binnen);
    b.apply(&kijken("woonkamer")).expect("waarneming");
    b.apply(&afgebroken("De code is naar rood gegaan."))
        .expect("broken off");
    assert_eq!(b.waarnemingen(), 1);
    assert_eq!(b.next_steps(), vec![S::Rapport, S::Correctie]);
    assert_eq!(code(&mut b, &kijken("keuken")), "bezoek_beeindigd");
    assert_eq!(code(&mut b, &afsluiting()), "bezoek_beeindigd");
    assert_eq!(code(&mut b, &afgebroken("nogmaals")), "bezoek_beeindigd");
    b.apply(&correctie()).expect("correctie");
    b.apply(&rapport_door(&["h1"])).expect("rapport");
    b.apply(&uitnodiging()).expect("invitation");
    assert_eq!(b.einde(), Some(Einde::Afgebroken));
}

/// Broken off before the door (nobody at the door, no leider): no rapport can be signed by the
/// officers present, so none is offered; a correctie still is.
#[test]
fn broken_off_before_the_door_offers_no_rapport() {
    let mut b = at(Fase::Aangekondigd);
    b.apply(&afgebroken("Handhaver weggeroepen."))
        .expect("broken off");
    assert_eq!(b.next_steps(), vec![S::Correctie]);
    assert_eq!(
        code(&mut b, &rapport_door(&["h1"])),
        "rapport_door_niet_aanwezige"
    );
}

/// Seed 000 (facts, no insinuations): the reason is free text like any other and gets the
/// factual-language warnings, without blocking.
#[test]
fn the_reason_gets_factual_warnings() {
    let e = afgebroken("Cliënt was vermoedelijk expres weg.");
    let warnings = e.factual_warnings();
    assert!(!warnings.is_empty());
    assert!(warnings.iter().all(|w| w.veld == "reden"));
    let mut b = at(Fase::AanDeDeur);
    assert!(b.apply(&e).is_ok());
}

/// Issue 15 (seed 000: "gebaseerd op feiten en geen sprake van insinuaties of
/// onderbuikgevoelens"): the warnings shown before a waarneming or rapport is signed are the
/// ones signed with it, in words for the rapport; other events carry none.
#[test]
fn the_warnings_shown_before_signing_are_the_ones_signed_over() {
    let rapport = |tekst: &str| Event::Rapport {
        tekst: tekst.to_owned(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "h1".to_owned(),
            verklaring: Ambtsverklaring::Ambtseed,
        }],
    };
    let recorded =
        rapport("Cliënt woont vermoedelijk samen.").taalwaarschuwingen_bij_ondertekening();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].fragment, "vermoedelijk");
    assert_eq!(recorded[0].code, "speculatief_taalgebruik");
    let shown = crate::protocol::ondertekend_ondanks(&recorded).unwrap();
    assert!(shown.starts_with("Ondertekend ondanks taalwaarschuwingen: "));
    assert!(shown.contains("vermoedelijk") && shown.contains("[speculatief_taalgebruik]"));
    let plain = rapport("Twee tandenborstels in de badkamer.");
    assert!(plain.taalwaarschuwingen_bij_ondertekening().is_empty());
    assert_eq!(crate::protocol::ondertekend_ondanks(&[]), None);
    let w = waarneming("slaapkamer", None, false, None);
    let Event::Waarneming {
        ruimte,
        foto,
        kast_geopend,
        kamer_van,
        ..
    } = w
    else {
        unreachable!()
    };
    let speculatief = Event::Waarneming {
        ruimte,
        tekst: "Volgens de buren slaapt hier iemand.".into(),
        foto,
        kast_geopend,
        kamer_van,
    };
    assert_eq!(
        speculatief.taalwaarschuwingen_bij_ondertekening()[0].code,
        "van_horen_zeggen"
    );
    // Other events are not checked before signing.
    assert!(afgebroken("vermoedelijk weg")
        .taalwaarschuwingen_bij_ondertekening()
        .is_empty());
}

#[test]
fn rapport_surfaces_factual_warnings_without_blocking() {
    let e = Event::Rapport {
        tekst: "Cliënt woont vermoedelijk samen; ik heb het gevoel dat hij liegt.".to_owned(),
        opgemaakt_door: vec![Ondertekenaar {
            handhaver: "h1".to_owned(),
            verklaring: Ambtsverklaring::Ambtseed,
        }],
    };
    let w = e.factual_warnings();
    let matched: Vec<&str> = w.iter().map(|w| w.warning.matched.as_str()).collect();
    assert_eq!(matched, ["vermoedelijk", "ik heb het gevoel"]);
    assert!(w.iter().all(|w| w.veld == "tekst"));
    let Event::Rapport { tekst, .. } = &e else {
        unreachable!()
    };
    assert_eq!(crate::protocol::rapport_warnings(tekst).len(), 2);
    let mut b = at(Fase::Beeindigd);
    assert!(b.apply(&e).is_ok(), "warnings never block");
}

#[test]
fn aanleiding_warnings_name_the_field() {
    let e = aanleiding_met(
        Actie::Huisbezoek,
        Grondslag::ConcreteAanwijzing {
            feiten: vec![
                Feit {
                    omschrijving: "BRP: tweede volwassene ingeschreven.".to_owned(),
                    bron: BronSoort::Register,
                },
                Feit {
                    omschrijving: "Buurman denkt dat er waarschijnlijk iemand woont.".to_owned(),
                    bron: BronSoort::MeldingOpNaam,
                },
            ],
            geraadpleegde_bronnen: vec!["BRP".to_owned()],
            waarom_niet_minder_ingrijpend: "Geen ander middel.".to_owned(),
        },
    );
    let w = e.factual_warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].veld, "grondslag.feiten[1].omschrijving");
    assert_eq!(w[0].warning.matched, "waarschijnlijk");
}

#[test]
fn app_findings_carry_the_legal_alignment_warning() {
    let mut b = at_with(&[
        aanleiding_met(Actie::HuisbezoekApp, concreet()),
        aankondiging(Aankondigingswijze::Onaangekondigd),
        deur(&["h1"], "h1"),
        legit(),
        gevraagd(Variant::A),
        gegeven(Rol::Bewoner),
        Event::Binnentreden,
    ]);
    assert!(b.warnings().is_empty());
    b.apply(&kijken("woonkamer")).expect("allowed");
    let codes: Vec<String> = b.warnings().into_iter().map(|n| n.code).collect();
    assert_eq!(
        codes,
        ["huisbezoek_app_vaststellingen_juridisch_af_te_stemmen"]
    );
    let mut fysiek = binnen();
    fysiek.apply(&kijken("woonkamer")).expect("allowed");
    assert!(fysiek.warnings().is_empty());
}

// ---------- serialization ----------

#[test]
fn events_serialize_with_a_soort_tag() {
    let json = serde_json::to_value(Event::Binnentreden).expect("serializes");
    assert_eq!(json, serde_json::json!({"soort": "binnentreden"}));
    // The skeleton's shape of a waarneming still decodes (new fields default).
    let w: Event = serde_json::from_value(
        serde_json::json!({"soort": "waarneming", "ruimte": "keuken", "tekst": "Twee borden."}),
    )
    .expect("decodes");
    assert_eq!(
        w,
        Event::Waarneming {
            ruimte: "keuken".to_owned(),
            tekst: "Twee borden.".to_owned(),
            foto: None,
            kast_geopend: false,
            kamer_van: None
        }
    );
    for s in ALL {
        let e = sample(s);
        let v = serde_json::to_value(&e).expect("serializes");
        assert_eq!(v["soort"], s.as_str());
        let back: Event = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, e);
    }
    let a = serde_json::to_value(aanleiding()).expect("serializes");
    assert_eq!(a["actie"], "huisbezoek");
    assert_eq!(a["grondslag"]["soort"], "concrete_aanwijzing");
    assert_eq!(a["grondslag"]["feiten"][0]["bron"], "register");
    assert!(serde_json::from_str::<Event>(r#"{"soort":"inbreken"}"#).is_err());
}

// ---------- lenient replay ----------

#[test]
fn replay_of_a_valid_visit_equals_strict_application() {
    let events = path_to(Fase::Uitgenodigd);
    let (b, anomalies) = Bezoek::replay(&events);
    assert!(anomalies.is_empty());
    assert_eq!(Some(b), Bezoek::from_events(&events).ok());
}

#[test]
fn replay_reports_conflicting_concurrent_entries() {
    // Device A records the withdrawal, device B a waarneming at the same moment; the merge
    // orders B's entry after A's.
    let mut events = path_to(Fase::Binnen);
    events.push(ingetrokken());
    events.push(kijken("keuken"));
    events.push(gegeven(Rol::Bewoner));
    let (b, anomalies) = Bezoek::replay(&events);
    assert_eq!(b.einde(), Some(Einde::Ingetrokken));
    assert_eq!(anomalies.len(), 2);
    assert_eq!(anomalies[0].index, events.len() - 2);
    assert_eq!(anomalies[0].soort, S::Waarneming);
    assert_eq!(anomalies[0].notice.code, "bezoek_beeindigd");
    assert_eq!(anomalies[1].index, events.len() - 1);
}

/// Issue 15 point 5 (seed 001 §2: "niet toegestaan een woning te betreden zonder toestemming";
/// §3: consent "deugdelijk vastgelegd"): after a merge, consent on one device and a refusal on
/// the other do not allow entry, in either reading order; the visit takes nothing but the
/// lead handhaver's decision (or a correctie, or breaking it off) until it is decided.
#[test]
fn seed_001_s2_s3_consent_and_refusal_on_two_devices_block_the_visit_until_decided() {
    for consent_first in [true, false] {
        let mut events = path_to(Fase::ToestemmingGevraagd);
        let (a, b) = (gegeven(Rol::Bewoner), geweigerd(Rol::Bewoner, true));
        if consent_first {
            events.extend([a, Event::Binnentreden, kijken("keuken"), b]);
        } else {
            events.extend([b, a, Event::Binnentreden]);
        }
        events.push(kijken("woonkamer"));
        let (mut v, anomalies) = Bezoek::replay(&events);
        let conflict = v.toestemmingsconflict().expect("a conflict").clone();
        assert_eq!(conflict.beslecht, None);
        assert_eq!(
            conflict.toestemming_door,
            ("A. Jansen".to_owned(), Rol::Bewoner)
        );
        assert_eq!(
            anomalies[0].notice.code, "toestemming_conflict",
            "{consent_first}"
        );
        // Everything after the conflict is blocked; no entry is dropped.
        assert!(anomalies[1..]
            .iter()
            .all(|a| a.notice.code == "toestemming_conflict"));
        assert_eq!(anomalies.last().map(|a| a.index), Some(events.len() - 1));
        assert_eq!(
            v.next_steps(),
            if v.state().is_beeindigd() {
                vec![S::ToestemmingsconflictBeslecht, S::Correctie]
            } else {
                vec![
                    S::ToestemmingsconflictBeslecht,
                    S::BezoekAfgebroken,
                    S::Correctie,
                ]
            }
        );
        assert_eq!(code(&mut v, &Event::Binnentreden), "toestemming_conflict");
        assert_eq!(code(&mut v, &kijken("badkamer")), "toestemming_conflict");
        assert_eq!(code(&mut v, &afsluiting()), "toestemming_conflict");
        assert_eq!(code(&mut v, &rapport_door(&["h1"])), "toestemming_conflict");

        // Only the lead handhaver decides, with a reason.
        assert_eq!(
            code(&mut v, &beslecht("h2", ConflictUitkomst::Geweigerd)),
            "conflict_niet_door_leider"
        );
        let mut leeg = beslecht("h1", ConflictUitkomst::Geweigerd);
        if let Event::ToestemmingsconflictBeslecht { toelichting, .. } = &mut leeg {
            toelichting.clear();
        }
        assert_eq!(code(&mut v, &leeg), "veld_leeg");

        // The refusal stands: the visit ends as refused; only the rapport is next.
        let mut geweigerd = v.clone();
        geweigerd
            .apply(&beslecht("h1", ConflictUitkomst::Geweigerd))
            .unwrap();
        assert_eq!(geweigerd.einde(), Some(Einde::Geweigerd));
        assert_eq!(
            geweigerd.toestemmingsconflict().and_then(|c| c.beslecht),
            Some(ConflictUitkomst::Geweigerd)
        );
        assert_eq!(
            code(&mut geweigerd, &Event::Binnentreden),
            "bezoek_beeindigd"
        );
        assert!(geweigerd.next_steps().contains(&S::Rapport));

        // The consent stands: the visit goes on from where the consent took it.
        let mut gegeven = v.clone();
        gegeven
            .apply(&beslecht("h1", ConflictUitkomst::Gegeven))
            .unwrap();
        assert_eq!(gegeven.einde(), None);
        assert_eq!(
            gegeven.state(),
            if consent_first {
                Fase::Binnen
            } else {
                Fase::ToestemmingGegeven
            }
        );
        assert_eq!(
            code(&mut gegeven, &beslecht("h1", ConflictUitkomst::Gegeven)),
            "toestemming_conflict_ontbreekt"
        );
    }
}

/// Issue 15 point 5: the decision replays like any entry (the merged document carries it).
#[test]
fn a_decided_consent_conflict_replays_from_the_stored_entries() {
    let mut events = path_to(Fase::ToestemmingGevraagd);
    events.extend([
        gegeven(Rol::Bewoner),
        geweigerd(Rol::Bewoner, true),
        beslecht("h1", ConflictUitkomst::Gegeven),
        Event::Binnentreden,
    ]);
    let (v, anomalies) = Bezoek::replay(&events);
    assert_eq!(anomalies.len(), 1);
    assert_eq!(v.state(), Fase::Binnen);
    assert_eq!(
        v.toestemmingsconflict().and_then(|c| c.beslecht),
        Some(ConflictUitkomst::Gegeven)
    );
}

// ---------- properties ----------

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("A. Jansen".to_owned()),
        Just("h1".to_owned()),
        Just("kamer boven".to_owned()),
        Just(FOTO.to_owned()),
        "\\PC{0,12}",
    ]
}

fn arb_rol() -> impl Strategy<Value = Rol> {
    prop_oneof![
        Just(Rol::Bewoner),
        Just(Rol::Partner),
        Just(Rol::Medebewoner)
    ]
}

fn arb_onderwerp() -> impl Strategy<Value = ExtraOnderwerp> {
    prop_oneof![
        Just(ExtraOnderwerp::KamerAndereBewoner),
        Just(ExtraOnderwerp::KastenOpenen),
        Just(ExtraOnderwerp::Fotos)
    ]
}

/// Any event: the valid samples of every kind, and random variants of each.
fn arb_event() -> impl Strategy<Value = Event> {
    let samples = (0..ALL.len()).prop_map(|i| sample(ALL[i]));
    let random = prop_oneof![
        (arb_text(), any::<bool>()).prop_map(|(t, anon)| {
            aanleiding_met(
                if anon {
                    Actie::Huisbezoek
                } else {
                    Actie::HuisbezoekApp
                },
                Grondslag::ConcreteAanwijzing {
                    feiten: vec![Feit {
                        omschrijving: t.clone(),
                        bron: if anon {
                            BronSoort::AnoniemeMelding
                        } else {
                            BronSoort::Dossier
                        },
                    }],
                    geraadpleegde_bronnen: vec![t.clone()],
                    waarom_niet_minder_ingrijpend: t,
                },
            )
        }),
        Just(aanleiding_met(Actie::Huisbezoek, twijfel())),
        Just(aanleiding_met(Actie::Huisbezoek, dienst())),
        (0..Actie::ALL.len()).prop_map(|i| aanleiding_met(Actie::ALL[i], twijfel())),
        Just(aankondiging(Aankondigingswijze::Aangekondigd)),
        (prop::collection::vec(arb_text(), 0..3), arb_text()).prop_map(|(h, l)| Event::AanDeDeur {
            handhavers: h,
            leider: l,
            minderjarigen_aanwezig: None,
        }),
        (any::<bool>(), arb_text()).prop_map(|(g, d)| Event::LegitimatieEnDoel {
            legitimatie_getoond: g,
            doel: d
        }),
        prop_oneof![
            Just(Variant::A),
            Just(Variant::B),
            Just(Variant::Dienstverlening)
        ]
        .prop_map(gevraagd),
        (arb_text(), arb_rol(), any::<bool>()).prop_map(|(door, rol, t)| {
            Event::ToestemmingGegeven {
                door,
                rol,
                leeftijd: Some(Leeftijdsgroep::Volwassen),
                onderwerp_van_twijfel: t,
            }
        }),
        (arb_text(), arb_rol(), any::<bool>(), any::<bool>()).prop_map(|(door, rol, g, nieuw)| {
            Event::ToestemmingGeweigerd {
                door,
                rol,
                gewezen_op_gevolgen: g,
                leeftijd: nieuw.then_some(Leeftijdsgroep::Volwassen),
                onderwerp_van_twijfel: false,
                uitgesloten_ruimtes: if nieuw {
                    vec!["zolderkamer".to_owned()]
                } else {
                    Vec::new()
                },
            }
        }),
        (arb_text(), arb_rol()).prop_map(|(door, rol)| Event::ToestemmingIngetrokken { door, rol }),
        (
            arb_onderwerp(),
            prop::option::of(arb_text()),
            arb_text(),
            arb_rol(),
            any::<bool>()
        )
            .prop_map(
                |(onderwerp, ruimte, door, rol, gegeven)| Event::ExtraToestemming {
                    onderwerp,
                    ruimte,
                    door,
                    rol,
                    gegeven
                }
            ),
        (
            arb_text(),
            arb_text(),
            prop::option::of(arb_text()),
            any::<bool>(),
            prop::option::of(arb_text())
        )
            .prop_map(
                |(ruimte, tekst, foto, kast_geopend, kamer_van)| Event::Waarneming {
                    ruimte,
                    tekst,
                    foto,
                    kast_geopend,
                    kamer_van
                }
            ),
        (arb_text(), arb_text()).prop_map(|(c, t)| Event::Correctie {
            corrigeert: c,
            tekst: t
        }),
        prop::collection::vec(arb_text(), 0..3).prop_map(|n| {
            let refs: Vec<&str> = n.iter().map(String::as_str).collect();
            rapport_door(&refs)
        }),
        arb_text().prop_map(|reden| Event::BezoekAfgebroken { reden }),
    ];
    prop_oneof![samples, random]
}

/// Random events after a random valid prefix of the standard path, so deep phases are reached.
fn arb_sequence() -> impl Strategy<Value = Vec<Event>> {
    (0..FASES.len(), prop::collection::vec(arb_event(), 0..25)).prop_map(|(i, tail)| {
        let mut events = path_to(FASES[i]);
        events.extend(tail);
        events
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn apply_never_panics_and_never_enters_without_consent(events in arb_sequence()) {
        let mut b = Bezoek::new();
        let mut consent_applied = false;
        for e in &events {
            let steps = b.next_steps();
            let before = b.clone();
            match b.apply(e) {
                Ok(()) => {
                    prop_assert!(steps.contains(&e.soort()), "{} applied but not offered", e.soort());
                    if matches!(e, Event::ToestemmingGegeven { .. }) {
                        consent_applied = true;
                    }
                }
                Err(err) => {
                    prop_assert_eq!(&b, &before);
                    prop_assert!(!err.code().is_empty());
                }
            }
            if b.state() == Fase::Binnen || b.binnengetreden() {
                prop_assert!(consent_applied, "inside without a recorded consent");
                prop_assert!(b.toestemming_door().is_some());
            }
        }
    }

    #[test]
    fn replay_never_panics_and_keeps_every_entry_accounted_for(events in arb_sequence()) {
        let (b, anomalies) = Bezoek::replay(&events);
        // Every anomaly points at an input entry; the rest were applied.
        prop_assert!(anomalies.iter().all(|a| a.index < events.len()));
        prop_assert!(anomalies.windows(2).all(|w| w[0].index < w[1].index));
        if b.binnengetreden() {
            // The first applied entry is preceded by an applied consent.
            let applied = |i: &usize| !anomalies.iter().any(|a| a.index == *i);
            let first = |want: fn(&Event) -> bool| {
                (0..events.len()).filter(applied).find(|i| want(&events[*i]))
            };
            let entered = first(|e| matches!(e, Event::Binnentreden));
            let consent = first(|e| matches!(e, Event::ToestemmingGegeven { .. }));
            prop_assert!(matches!((consent, entered), (Some(c), Some(i)) if c < i));
        }
        // Strict and lenient agree when nothing was anomalous.
        if anomalies.is_empty() {
            prop_assert_eq!(Some(b), Bezoek::from_events(&events).ok());
        }
    }

    #[test]
    fn events_round_trip_through_json(e in arb_event()) {
        let json = serde_json::to_string(&e).expect("serializes");
        let back: Event = serde_json::from_str(&json).expect("decodes");
        prop_assert_eq!(back, e);
    }

    #[test]
    fn decoding_untrusted_json_never_panics(s in "\\PC{0,200}") {
        let _ = serde_json::from_str::<Event>(&s);
        let _ = serde_json::from_str::<Event>(&format!("{{\"soort\":\"waarneming\",{s}}}"));
    }

    #[test]
    fn replay_of_shuffled_valid_visit_never_panics(seed in any::<u64>()) {
        // A merge may interleave entries in any order.
        let mut events = path_to(Fase::Uitgenodigd);
        let n = events.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            events.swap(i, j);
        }
        let (b, anomalies) = Bezoek::replay(&events);
        prop_assert!(!b.binnengetreden() || b.toestemming_door().is_some());
        prop_assert!(anomalies.len() <= n);
    }
}

// ---------- who answers for the dwelling (seed 001 §2) ----------

fn antwoord_geweigerd(
    rol: Rol,
    leeftijd: Option<Leeftijdsgroep>,
    onderwerp_van_twijfel: bool,
    kamers: &[&str],
) -> Event {
    Event::ToestemmingGeweigerd {
        door: "K. de Vries".to_owned(),
        rol,
        gewezen_op_gevolgen: false,
        leeftijd,
        onderwerp_van_twijfel,
        uitgesloten_ruimtes: kamers.iter().map(|k| (*k).to_owned()).collect(),
    }
}

fn antwoord_gegeven(rol: Rol, leeftijd: Leeftijdsgroep, onderwerp_van_twijfel: bool) -> Event {
    Event::ToestemmingGegeven {
        door: "K. de Vries".to_owned(),
        rol,
        leeftijd: Some(leeftijd),
        onderwerp_van_twijfel,
    }
}

/// Seed 001 §2 ("Het is niet toegestaan een woning te betreden zonder toestemming van de
/// belanghebbende"): a lodger's refusal is not the client's refusal of the visit; it closes only
/// the lodger's own room, and the visit waits for the belanghebbende's answer.
#[test]
fn seed_001_s2_a_lodgers_refusal_closes_only_the_lodgers_room() {
    let mut b = at(Fase::ToestemmingGevraagd);
    let volwassen = Some(Leeftijdsgroep::Volwassen);
    // The room(s) must be named.
    assert_eq!(
        code(
            &mut b,
            &antwoord_geweigerd(Rol::Medebewoner, volwassen, false, &[])
        ),
        "uitgesloten_ruimte_ontbreekt"
    );
    assert_eq!(
        code(
            &mut b,
            &antwoord_geweigerd(Rol::Medebewoner, volwassen, false, &[" "])
        ),
        "veld_leeg"
    );
    b.apply(&antwoord_geweigerd(
        Rol::Medebewoner,
        volwassen,
        false,
        &["zolderkamer"],
    ))
    .unwrap();
    assert_eq!(b.state(), Fase::ToestemmingGevraagd, "the visit goes on");
    assert_eq!(b.einde(), None);
    assert_eq!(
        b.uitgesloten_ruimtes(),
        vec![("zolderkamer", "K. de Vries")]
    );

    // The client consents; inside, the lodger's room stays closed, the rest is open.
    b.apply(&gegeven(Rol::Bewoner)).unwrap();
    b.apply(&Event::Binnentreden).unwrap();
    assert_eq!(code(&mut b, &kijken("zolderkamer")), "ruimte_uitgesloten");
    assert_eq!(
        code(
            &mut b,
            &waarneming("zolderkamer", None, false, Some("K. de Vries"))
        ),
        "ruimte_uitgesloten"
    );
    b.apply(&kijken("woonkamer")).unwrap();
    // Only when the lodger consents to that room later is it open.
    b.apply(&extra(
        ExtraOnderwerp::KamerAndereBewoner,
        Some("zolderkamer"),
        "K. de Vries",
        Rol::Medebewoner,
        true,
    ))
    .unwrap();
    assert!(b.uitgesloten_ruimtes().is_empty());
    b.apply(&waarneming("zolderkamer", None, false, Some("K. de Vries")))
        .unwrap();
}

/// Seed 001 §2: the belanghebbende's own refusal still ends the visit.
#[test]
fn seed_001_s2_the_belanghebbendes_refusal_ends_the_visit() {
    let mut b = at(Fase::ToestemmingGevraagd);
    let mut e = geweigerd(Rol::Bewoner, true);
    if let Event::ToestemmingGeweigerd { door, .. } = &mut e {
        "A. Jansen".clone_into(door);
    }
    b.apply(&e).unwrap();
    assert_eq!(b.einde(), Some(Einde::Geweigerd));
}

/// Seed 001 §2: a partner answers for the dwelling only when the doubt is not about that
/// partner; a partner the doubt is about can neither consent nor end the visit by refusing.
#[test]
fn seed_001_s2_a_partner_the_doubt_is_about_cannot_answer_for_the_dwelling() {
    let mut b = at(Fase::ToestemmingGevraagd);
    assert_eq!(
        code(
            &mut b,
            &antwoord_gegeven(Rol::Partner, Leeftijdsgroep::Volwassen, true)
        ),
        "partner_onderwerp_van_twijfel"
    );
    b.apply(&antwoord_geweigerd(
        Rol::Partner,
        Some(Leeftijdsgroep::Volwassen),
        true,
        &["slaapkamer achter"],
    ))
    .unwrap();
    assert_eq!(b.state(), Fase::ToestemmingGevraagd);
    // A partner the doubt is not about consents for the dwelling.
    let mut c = at(Fase::ToestemmingGevraagd);
    c.apply(&antwoord_gegeven(
        Rol::Partner,
        Leeftijdsgroep::Volwassen,
        false,
    ))
    .unwrap();
    assert_eq!(c.state(), Fase::ToestemmingGegeven);
}

/// Seed 001 §2 (informed consent of the belanghebbende): a minor cannot consent or refuse for
/// the dwelling, whatever the role.
#[test]
fn seed_001_s2_a_minor_cannot_answer_for_the_dwelling() {
    for rol in [Rol::Bewoner, Rol::Partner, Rol::Medebewoner] {
        let mut b = at(Fase::ToestemmingGevraagd);
        assert_eq!(
            code(
                &mut b,
                &antwoord_gegeven(rol, Leeftijdsgroep::Minderjarig, false)
            ),
            "antwoord_door_minderjarige"
        );
        assert_eq!(
            code(
                &mut b,
                &antwoord_geweigerd(rol, Some(Leeftijdsgroep::Minderjarig), false, &["kamer"])
            ),
            "antwoord_door_minderjarige"
        );
    }
}

/// Seed 001 §2: the age group of whoever answers is recorded with a new answer; an answer
/// stored before it was asked keeps its meaning on replay (any refusal ended the visit).
#[test]
fn seed_001_s2_the_age_group_is_recorded_and_old_answers_keep_their_meaning() {
    let mut b = at(Fase::ToestemmingGevraagd);
    let zonder = antwoord_geweigerd(Rol::Medebewoner, None, false, &[]);
    assert_eq!(
        b.clone().apply_new(&zonder).unwrap_err().code(),
        "veld_leeg"
    );
    let oud: Event = serde_json::from_value(serde_json::json!({
        "soort": "toestemming_geweigerd",
        "door": "K. de Vries",
        "rol": "medebewoner",
        "gewezen_op_gevolgen": true,
    }))
    .unwrap();
    b.apply(&oud).unwrap();
    assert_eq!(b.einde(), Some(Einde::Geweigerd));
    let gegeven_oud: Event = serde_json::from_value(serde_json::json!({
        "soort": "toestemming_gegeven",
        "door": "A. Jansen",
        "rol": "bewoner",
    }))
    .unwrap();
    assert_eq!(
        at(Fase::ToestemmingGevraagd)
            .apply_new(&gegeven_oud)
            .unwrap_err()
            .code(),
        "veld_leeg"
    );
    at(Fase::ToestemmingGevraagd).apply(&gegeven_oud).unwrap();
}

// ---------- niet in staat, tolk, minors (seed 002 §3.1) ----------

/// Seed 002 §3.1 ("Hoe is het taalbegrip van de klant? ... waar nodig met een tolk"): "niet in
/// staat" records why, the language an interpreter would need when it is language, and the
/// follow-up; a stored one from before these fields replays as it did.
#[test]
fn seed_002_s3_1_niet_in_staat_records_why_the_tolk_and_the_follow_up() {
    let b = at(Fase::AanDeDeur);
    let met = |f: &dyn Fn(&mut Event)| {
        let mut e = niet_in_staat();
        f(&mut e);
        b.clone().apply_new(&e).map_err(|e| e.code())
    };
    assert_eq!(met(&|_| {}), Ok(()));
    let veld = |naam: &str| {
        let mut e = niet_in_staat();
        if let Event::NietInStaat {
            reden,
            tolk_taal,
            vervolg,
            ..
        } = &mut e
        {
            match naam {
                "reden" => *reden = None,
                "tolk_taal" => *tolk_taal = Some(" ".to_owned()),
                _ => *vervolg = None,
            }
        }
        b.clone().apply_new(&e).unwrap_err()
    };
    for naam in ["reden", "tolk_taal", "vervolg"] {
        let err = veld(naam);
        assert_eq!(err.code(), "veld_leeg");
        assert!(err.to_string().contains(naam), "{err}");
    }
    // Illness needs no interpreter language.
    assert_eq!(
        met(&|e| {
            if let Event::NietInStaat {
                reden, tolk_taal, ..
            } = e
            {
                *reden = Some(NietInStaatReden::Ziekte);
                *tolk_taal = None;
            }
        }),
        Ok(())
    );
    let oud: Event = serde_json::from_value(serde_json::json!({
        "soort": "niet_in_staat",
        "toelichting": "Bewoner is ziek.",
    }))
    .unwrap();
    let mut replayed = b.clone();
    replayed.apply(&oud).unwrap();
    assert_eq!(replayed.einde(), Some(Einde::NietInStaat));
}

/// Seed 002 §3.1: consent through an interpreter records the interpreter and the language the
/// text was told in; both must be named.
#[test]
fn seed_002_s3_1_consent_through_a_tolk_records_the_tolk_and_the_language() {
    let b = at(Fase::Gelegitimeerd);
    let met_tolk = |naam: &str, taal: &str| {
        let mut e = gevraagd(Variant::A);
        if let Event::ToestemmingGevraagd { tolk, .. } = &mut e {
            *tolk = Some(Tolk {
                naam: naam.to_owned(),
                taal: taal.to_owned(),
            });
        }
        e
    };
    let mut ok = b.clone();
    ok.apply_new(&met_tolk("M. El Amrani (tolkennummer 12345)", "Arabisch"))
        .unwrap();
    assert_eq!(ok.state(), Fase::ToestemmingGevraagd);
    assert_eq!(
        code(&mut b.clone(), &met_tolk(" ", "Arabisch")),
        "veld_leeg"
    );
    assert_eq!(
        code(&mut b.clone(), &met_tolk("M. El Amrani", "")),
        "veld_leeg"
    );
}

/// Issue 15 point 8: whether minors are present is recorded at the door; older entries without
/// it still parse.
#[test]
fn minors_present_are_recorded_at_the_door() {
    let e: Event = serde_json::from_value(serde_json::json!({
        "soort": "aan_de_deur",
        "handhavers": ["h1", "h2"],
        "leider": "h1",
        "minderjarigen_aanwezig": true,
    }))
    .unwrap();
    assert!(matches!(
        e,
        Event::AanDeDeur {
            minderjarigen_aanwezig: Some(true),
            ..
        }
    ));
    let oud: Event = serde_json::from_value(serde_json::json!({
        "soort": "aan_de_deur",
        "handhavers": ["h1", "h2"],
        "leider": "h1",
    }))
    .unwrap();
    assert!(matches!(
        oud,
        Event::AanDeDeur {
            minderjarigen_aanwezig: None,
            ..
        }
    ));
}

// ---------- the digital tour of a huisbezoek_app (issue 16 §5) ----------

/// A huisbezoek through the app up to `fase` (one handhaver; seed 004 oranje/rood).
fn app_tot(fase: Fase) -> Bezoek {
    let mut events = vec![
        aanleiding_met(Actie::HuisbezoekApp, concreet()),
        aankondiging(Aankondigingswijze::Aangekondigd),
        deur(&["h1"], "h1"),
        legit(),
        gevraagd(Variant::A),
        gegeven(Rol::Bewoner),
    ];
    if fase == Fase::Binnen {
        events.push(Event::Binnentreden);
    }
    let b = Bezoek::from_events(&events).expect("app visit");
    assert_eq!(b.state(), fase);
    b
}

/// Issue 16 §5: consent before the first question; answers only in the tour of a
/// huisbezoek_app; the signature makes them final; a later answer replaces an earlier one
/// until then.
#[test]
fn the_client_answers_only_in_the_digital_tour_and_signs_once() {
    let mut voor = app_tot(Fase::ToestemmingGegeven);
    assert_eq!(code(&mut voor, &sample(S::VraagBeantwoord)), "niet_binnen");
    let mut b = app_tot(Fase::Binnen);
    assert!(b.next_steps().contains(&S::VraagBeantwoord));
    assert!(!b.next_steps().contains(&S::VragenlijstOndertekend));
    assert_eq!(
        code(&mut b, &sample(S::VragenlijstOndertekend)),
        "vragenlijst_niet_beantwoord"
    );
    b.apply(&beantwoord("slaapkamers", Antwoord::Getal(3)))
        .unwrap();
    b.apply(&beantwoord("slaapkamers", Antwoord::Getal(2)))
        .unwrap();
    assert_eq!(b.antwoorden().get("slaapkamers"), Some(&Antwoord::Getal(2)));
    assert!(b.next_steps().contains(&S::VragenlijstOndertekend));

    let leeg = Handtekening {
        strepen: vec![vec![[1, 1]]],
        ..handtekening()
    };
    assert_eq!(code(&mut b, &ondertekend(leeg)), "handtekening_leeg");
    let buiten = Handtekening {
        strepen: vec![vec![[1, 1], [400, 1]]],
        ..handtekening()
    };
    assert_eq!(
        code(&mut b, &ondertekend(buiten)),
        "handtekening_buiten_tekenvlak"
    );
    b.apply(&ondertekend(handtekening())).unwrap();
    assert_eq!(b.ondertekend_door(), Some("A. Jansen"));
    assert_eq!(
        code(&mut b, &beantwoord("slaapkamers", Antwoord::Getal(1))),
        "vragenlijst_al_ondertekend"
    );
    assert!(!b.next_steps().contains(&S::VraagBeantwoord));
    // Withdrawal still ends the visit at any moment (seed 001 §2).
    b.apply(&ingetrokken()).unwrap();
    assert_eq!(b.einde(), Some(Einde::Ingetrokken));
}

/// Issue 16 §5: withdrawing halfway ends the tour; the answers given stay recorded.
#[test]
fn withdrawing_halfway_ends_the_tour_and_keeps_the_answers() {
    let mut b = app_tot(Fase::Binnen);
    b.apply(&beantwoord("slaapkamers", Antwoord::Getal(2)))
        .unwrap();
    b.apply(&ingetrokken()).unwrap();
    assert_eq!(b.antwoorden().len(), 1);
    assert_eq!(
        code(&mut b, &beantwoord("badkamer", Antwoord::JaNee(true))),
        "bezoek_beeindigd"
    );
}

/// The photos an event names, for the device's and the server's photo bookkeeping.
#[test]
fn an_answer_names_its_photos() {
    let meter = beantwoord(
        "water",
        Antwoord::Meterstand {
            stand: "01234".into(),
            foto: FOTO.into(),
        },
    );
    assert_eq!(meter.fotos(), [FOTO]);
    assert_eq!(
        beantwoord("kamers", Antwoord::Fotos(vec![FOTO.into(), FOTO.into()])).fotos(),
        [FOTO, FOTO]
    );
    assert_eq!(
        waarneming("badkamer", Some(FOTO), false, None).fotos(),
        [FOTO]
    );
    assert!(afsluiting().fotos().is_empty());
}
