//! One test per row of seed 001 bijlage 1: the termijn, its start, the investigation and the
//! huisbezoek as the row words them. Received on Monday 2 March 2026 unless said otherwise.

use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn check(
    id: &str,
    deadline: Option<NaiveDate>,
    vorm: Vorm,
    omvang: Omvang,
    huisbezoek: Huisbezoek,
) {
    let tabel = Signaaltabel::seed();
    let s = tabel
        .get(id)
        .unwrap_or_else(|| panic!("no signal kind {id}"));
    assert_eq!(s.deadline(d(2026, 3, 2)), deadline, "{id}");
    assert_eq!(
        (s.vorm, s.omvang, s.huisbezoek),
        (vorm, omvang, huisbezoek),
        "{id}"
    );
}

#[test]
fn every_row_is_tested_and_ids_are_unique() {
    let mut ids: Vec<&str> = SOORTEN.iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), 35);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 35);
}

#[test]
fn opgave_arbeid_zonder_inkomsten() {
    // seed 001 bijlage 1, Inkomen, "Opgave van arbeid, maar nog geen inkomsten berekend (ROF 9/11)": "Iedere maand: onderzoek naar hoogste inkomsten, mutaties verwerken, ROF paraferen"; "Onderzoek naar hoogste inkomsten; mutaties verwerken; ROF paraferen".
    check(
        "opgave_arbeid_zonder_inkomsten",
        Some(d(2026, 4, 2)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn periodieke_inkomsten() {
    // seed 001 bijlage 1, Inkomen, "Melding van periodieke inkomsten (ROF 10/12)": "Iedere maand: recht op vrijlating beoordelen, mutaties verwerken, ROF paraferen"; "Recht op vrijlating beoordelen; mutaties verwerken; ROF paraferen".
    check(
        "periodieke_inkomsten",
        Some(d(2026, 4, 2)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn eerste_inkomsten() {
    // seed 001 bijlage 1, Inkomen, "Eerste melding van inkomsten (ROF 10/12)": "Binnen vier weken wordt een onderzoek ingesteld voor de beoordeling van het recht en eventuele inkomstenvrijlating"; "Schriftelijk en mondeling rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "eerste_inkomsten",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn inkomsten_boven_norm() {
    // seed 001 bijlage 1, Inkomen, "Inkomsten boven de norm (ROF 10/12)": "Binnen drie maanden wordt het beëindigingsonderzoek afgerond"; "Schriftelijk beëindigingsonderzoek".
    check(
        "inkomsten_boven_norm",
        Some(d(2026, 6, 2)),
        Vorm::Beeindiging,
        Omvang::Open,
        Huisbezoek::Nee,
    );
}

#[test]
fn inkomsten_overig() {
    // seed 001 bijlage 1, Inkomen, "Inkomsten uit loon, alimentatie, uitkering elders, kostgeld, onderverhuur, belastingteruggave of anders (ROF 10/12)": "Binnen vier weken wordt beoordeeld of de inkomsten van invloed zijn op de hoogte van de uitkering en het vermogen"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "inkomsten_overig",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn maatregel_voorliggende_voorziening() {
    // seed 001 bijlage 1, Inkomen, "Maatregel bij voorliggende voorziening (ROF 10/12)": "Binnen vier weken wordt beoordeeld of de opgelegde maatregel gevolgen heeft voor de uitkering"; "Schriftelijke en mondelinge rechtmatigheidsbeoordeling (éénzijdig)".
    check(
        "maatregel_voorliggende_voorziening",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn einde_vaste_inkomsten() {
    // seed 001 bijlage 1, Inkomen, "Einde vaste inkomsten (ROF 10/12)": "Voorliggende voorziening beoordelen"; "Schriftelijk eenzijdig rechtmatigheidsonderzoek".
    check(
        "einde_vaste_inkomsten",
        None,
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn einde_inkomsten_ontslag() {
    // seed 001 bijlage 1, Inkomen, "Einde inkomsten door ontslag (ROF 10/12)": "Binnen vier weken beoordelen of het ontslag gevolgen heeft voor de uitkering"; "Schriftelijk en mondeling rechtmatigheidsonderzoek (volledig)".
    check(
        "einde_inkomsten_ontslag",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Volledig,
        Huisbezoek::Nee,
    );
}

#[test]
fn erfenis_schenking() {
    // seed 001 bijlage 1, Inkomen, "Ontvangsten uit erfenis, schenking (ROF 13)": "Binnen vier weken beoordelen of de inkomsten van invloed zijn op de hoogte van de uitkering of het vermogen"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "erfenis_schenking",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn werk_als_zelfstandige() {
    // seed 001 bijlage 1, Inkomen, "Werk als zelfstandige, freelancewerkzaamheden (ROF 18/19)": "Binnen twee weken wordt beoordeeld of een overdracht moet plaatsvinden in verband met Bbz 2004-aanvraag"; "Schriftelijk en mondeling rechtmatigheidsonderzoek en huisbezoek (volledig)".
    check(
        "werk_als_zelfstandige",
        Some(d(2026, 3, 16)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Volledig,
        Huisbezoek::Ja,
    );
}

#[test]
fn inkomsten_inwonende_kinderen() {
    // seed 001 bijlage 1, Inkomen, "Inkomsten inwonende kinderen": "Binnen vier weken wordt beoordeeld of de inkomsten van invloed zijn op de uitkering"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "inkomsten_inwonende_kinderen",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn verhuizing() {
    // seed 001 bijlage 1, Wonen, "Verhuizing": "Binnen vier weken na ontvangst moet het onderzoek zijn afgerond"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig). Indien er onduidelijkheden zijn wordt een huisbezoek overwogen".
    check(
        "verhuizing",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Mogelijk,
    );
}

#[test]
fn opname_verpleeginrichting() {
    // seed 001 bijlage 1, Wonen, "Opname in verpleeginrichting": "Binnen vier weken wordt een onderzoek naar (voortzetting) van recht gestart"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "opname_verpleeginrichting",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn detentie_alleenstaande() {
    // seed 001 bijlage 1, Wonen, "Detentie alleenstaande": "Binnen drie maanden wordt het onderzoek afgerond"; "Schriftelijk beëindigingsonderzoek".
    check(
        "detentie_alleenstaande",
        Some(d(2026, 6, 2)),
        Vorm::Beeindiging,
        Omvang::Open,
        Huisbezoek::Nee,
    );
}

#[test]
fn detentie_partner() {
    // seed 001 bijlage 1, Wonen, "Detentie van een van de partners bij gehuwden": "Binnen vier weken wordt de norm aangepast"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "detentie_partner",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn kamerhuur_kostganger() {
    // seed 001 bijlage 1, Wonen, "Kamerhuur en/of kostganger": "Binnen vier weken vindt een beoordeling plaats"; "Schriftelijk en mondeling rechtmatigheidsonderzoek. Een huisbezoek valt hieronder (volledig)".
    check(
        "kamerhuur_kostganger",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Volledig,
        Huisbezoek::Ja,
    );
}

#[test]
fn overlijden_alleenstaande() {
    // seed 001 bijlage 1, Gezinssituatie, "Overlijden alleenstaande": "Binnen zes weken wordt het beëindigingsonderzoek afgerond"; "Schriftelijk standaard beëindigingsonderzoek".
    check(
        "overlijden_alleenstaande",
        Some(d(2026, 4, 13)),
        Vorm::Beeindiging,
        Omvang::Open,
        Huisbezoek::Nee,
    );
}

#[test]
fn overlijden_partner() {
    // seed 001 bijlage 1, Gezinssituatie, "Overlijden van een van de partners bij gehuwden": "Binnen vier weken wordt de norm aangepast"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "overlijden_partner",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn inwonend_kind_wordt_18() {
    // seed 001 bijlage 1, Gezinssituatie, "Inwonend kind wordt 18": "Binnen vier weken wordt beoordeeld of dit invloed heeft op de uitkering"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "inwonend_kind_wordt_18",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn wijziging_gezinssituatie() {
    // seed 001 bijlage 1, Gezinssituatie, "(Overige) wijzigingen in de gezinssituatie": "Binnen twee weken wordt bekeken welke consequentie deze wijziging heeft"; "Schriftelijk en mondeling rechtmatigheidsonderzoek (eenzijdig of volledig) of beëindigingsonderzoek".
    check(
        "wijziging_gezinssituatie",
        Some(d(2026, 3, 16)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Open,
        Huisbezoek::Nee,
    );
}

#[test]
fn verblijfsvergunning_verlopen() {
    // seed 001 bijlage 1, Wijziging status, "Verblijfsvergunning is verlopen": "Uitkering wordt opgeschort vanaf de datum dat de verblijfsvergunning verlopen is"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "verblijfsvergunning_verlopen",
        None,
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn te_lange_vakantie() {
    // seed 001 bijlage 1, Overige signalen, "Te lange vakantieperiode": "Voor vertrek een beschikking afgeven"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "te_lange_vakantie",
        Some(d(2026, 3, 9)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn scholing() {
    // seed 001 bijlage 1, Overige signalen, "Scholing": "Binnen vier weken wordt beoordeeld of de scholing past binnen de WWB"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "scholing",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn vrijwilligerswerk() {
    // seed 001 bijlage 1, Overige signalen, "Vrijwilligerswerk": "Binnen vier weken wordt beoordeeld of belanghebbende toestemming kan worden verleend dit vrijwilligerswerk te verrichten/voort te zetten"; "Schriftelijke en mondelinge rechtmatigheidsonderzoek (éénzijdig)".
    check(
        "vrijwilligerswerk",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn inschrijving_uwv() {
    // seed 001 bijlage 1, Overige signalen, "Inschrijving UWV": "Binnen vier weken beoordelen of het niet ingeschreven staan gevolgen heeft voor de uitkering"; "Schriftelijke en mondelinge rechtmatigheidsonderzoek".
    check(
        "inschrijving_uwv",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Open,
        Huisbezoek::Nee,
    );
}

#[test]
fn sollicitatieactiviteiten() {
    // seed 001 bijlage 1, Overige signalen, "Sollicitatieactiviteiten": "Binnen vier weken"; "Schriftelijk rechtmatigheidsonderzoek (éénzijdig) bij onvoldoende activiteiten".
    check(
        "sollicitatieactiviteiten",
        Some(d(2026, 3, 30)),
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn mutatie_gba() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Mutaties via koppeling GBA (klantmanager)": "Beoordeling binnen vier weken of de uitkering nog rechtmatig wordt verstrekt"; "Schriftelijk en mondeling rechtmatigheidsonderzoek (éénzijdig). Zonodig huisbezoek afleggen".
    check(
        "mutatie_gba",
        Some(d(2026, 3, 30)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Eenzijdig,
        Huisbezoek::Mogelijk,
    );
}

#[test]
fn inlichtingenbureau_administratie() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Inlichtingenbureau (deeltaak administratie)": "Iedere maand gegevens vergelijken"; "Looninformatie opvragen en memo opstellen ten behoeve van de klantmanager".
    check(
        "inlichtingenbureau_administratie",
        Some(d(2026, 3, 16)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn inlichtingenbureau_klantmanager() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Inlichtingenbureau (deeltaak klantmanager)": "Beoordeling binnen twee weken of de uitkering nog rechtmatig wordt verstrekt"; "Schriftelijk en mondeling rechtmatigheidsonderzoek waarbij alle aspecten worden beoordeeld (incl. afstemming). Eventueel overdracht naar Sociale Recherche (volledig)".
    check(
        "inlichtingenbureau_klantmanager",
        Some(d(2026, 3, 16)),
        Vorm::SchriftelijkEnMondeling,
        Omvang::Volledig,
        Huisbezoek::Nee,
    );
}

#[test]
fn tip_derde() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Tip/informatie door derde (klantmanager)": "Binnen twee weken beoordelen of de tip voldoende informatie bevat, op zichzelf staat of in combinatie met andere gegevens aanleiding geeft tot nader onderzoek"; "Schriftelijk rechtmatigheidsonderzoek. Afhankelijk van de ernst van het signaal een huisbezoek afleggen (volledig)".
    check(
        "tip_derde",
        Some(d(2026, 3, 16)),
        Vorm::Schriftelijk,
        Omvang::Volledig,
        Huisbezoek::Mogelijk,
    );
}

#[test]
fn rof_te_laat() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "ROF wordt meerdere keren te laat ingediend (signaal bij administratie)": "Signaal doorgeven aan de klantmanager"; "Schriftelijk eenzijdig rechtmatigheidsonderzoek".
    check(
        "rof_te_laat",
        None,
        Vorm::Schriftelijk,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn doorbetaling_vaste_lasten() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Wijziging doorbetaling vaste lasten (administratie)": "Binnen twee weken de wijzigingen afronden"; "Wijzigingen invoeren in het systeem, mutatie paraferen".
    check(
        "doorbetaling_vaste_lasten",
        Some(d(2026, 3, 16)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn wijziging_banknummer() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Wijziging banknummer (administratie)": "Pas invoeren nadat de volgende betaling is gedaan"; "Wijziging invoeren in het systeem. Mutatie paraferen".
    check(
        "wijziging_banknummer",
        None,
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn mutatie_zonder_gevolg() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Mutaties die geen gevolg hebben voor de uitkering (administratie)": "Binnen twee weken wordt het onderzoek afgerond"; "Wijziging invoeren in het automatiseringssysteem. Mutatie paraferen".
    check(
        "mutatie_zonder_gevolg",
        Some(d(2026, 3, 16)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}

#[test]
fn beslag() {
    // seed 001 bijlage 1, Signalen uit andere bronnen dan ROF, "Beslag (administratie)": "Binnen twee weken moet het onderzoek (uitvoeren van het beslag) zijn afgerond"; "Beslaglegging tekenen en mutatie paraferen".
    check(
        "beslag",
        Some(d(2026, 3, 16)),
        Vorm::Administratief,
        Omvang::Eenzijdig,
        Huisbezoek::Nee,
    );
}
