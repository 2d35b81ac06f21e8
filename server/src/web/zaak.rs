//! One zaak's page (`/zaken/{zaak_id}`): the melding, who it is assigned to (assign, withdraw),
//! its end (close with the advies or besluit of seed 000), and every visit as a timeline of its
//! entries in recorded order, each with its verification verdict, what it corrects or is
//! corrected by, and what the protocol and the server noticed about it. Read from
//! [`crate::dossier`], the one read model the API and the export share.

use std::cell::RefCell;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use veldwerk_contract::evidence::{Entry, EntryStatus};
use veldwerk_rules::protocol::melding::Uitkomst;
use veldwerk_rules::protocol::{activiteit, ondertekend_ondanks, Activiteit, Event, Grondslag};
use veldwerk_rules::routekaart::{evaluate, Actie, Code, PlannedAction, Routekaart};
use veldwerk_rules::vragenlijst::Handtekening;
use veldwerk_rules::Notice;

use super::layout::{self, csrf_field, local_time, time};
use super::{done, refusal_from, Console, CsrfForm, Flash};
use crate::db::now;
use crate::db::Tx;
use crate::dossier::{self, Dossier, DossierEntry, VisitDossier};
use crate::labels;
use crate::signalen::Signaal;
use crate::state::AppState;
use crate::users::{self, SessionInfo};
use crate::zaken::{self, Sluiten};
use veldwerk_rules::protocol::grondslag::alleen_anonieme_meldingen;
use veldwerk_rules::protocol::ProtocolError;

/// The page's address: zaak ids are `[A-Za-z0-9._-]`, so they need no escaping in a path.
pub fn href(zaak_id: &str) -> String {
    format!("/zaken/{zaak_id}")
}

/// The anchor of an entry on its zaak page.
fn anchor(entry_id: &str) -> String {
    format!("e-{entry_id}")
}

/// `GET /zaken/{zaak_id}`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Path(zaak_id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let cache = state.dossiers.clone();
    let data = state
        .db
        .call(move |db| {
            db.read(|tx| {
                let d = dossier::load_cached(tx, &zaak_id, &cache)?;
                let signals = crate::signalen::of_zaak(tx, &d.zaak.id)?;
                let anoniem = alleen_anonieme_meldingen(&crate::signalen::als_feiten(&signals));
                Ok((d, users::handhavers(tx)?, (signals, anoniem)))
            })
        })
        .await;
    let (d, names, signals) = match data {
        Ok(d) => d,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let title = format!("Zaak {}", d.zaak.id);
    layout::page(
        &title,
        Some(&s),
        flash.message(),
        render(&d, &names, &s, &signals),
    )
    .into_response()
}

/// The zaak's signals, and whether they are anonymous reports only.
type Signalen = (Vec<Signaal>, bool);

fn render(d: &Dossier, names: &[String], s: &SessionInfo, signals: &Signalen) -> Markup {
    let z = &d.zaak;
    let soort = z.melding.uitkomst();
    let conditions = Conditions::new();
    html! {
        p { a href="/zaken" { "← Alle zaken" } }
        section aria-labelledby="samenvatting" {
            h2 id="samenvatting" { "Samenvatting" }
            dl {
                dt { "Omschrijving" } dd { (z.label) }
                dt { "Adres" } dd { (z.adres) }
                dt { "Status" } dd {
                    @if z.status == "gesloten" { span.tag { "gesloten" } } @else { span.tag.ok { "open" } }
                }
                dt { "Deadline" } dd { (z.deadline.map(|d| d.format("%-d-%-m-%Y").to_string()).unwrap_or_else(|| "geen".into())) }
                dt { "Aangemaakt" } dd { (time(z.created_at)) }
            }
        }
        section aria-labelledby="melding" {
            h2 id="melding" { "Melding handhaving" }
            dl {
                dt { "Werkproces" } dd { (z.melding.werkproces.omschrijving()) " — handhaving geeft een " (labels::uitkomst(soort)) }
                dt { "Klantmanager" } dd { (z.melding.klantmanager) }
                dt { "Begindatum" } dd { (z.melding.begindatum.format("%-d-%-m-%Y")) }
                dt { "Motivatie" } dd { p.pre { (z.melding.motivatie) } }
            }
        }
        @if !signals.0.is_empty() {
            section aria-labelledby="signalen" {
                h2 id="signalen" { "Signalen achter deze zaak" }
                @if signals.1 {
                    @let n = ProtocolError::AnoniemeTipGeenConcreteAanwijzing.notice();
                    div.notice.warn role="note" {
                        p { "Deze zaak rust alleen op anonieme meldingen. " (n.message) }
                        p.code { "Code: " code { (n.code) } }
                    }
                }
                ul {
                    @for sig in &signals.0 {
                        li {
                            a href=(format!("/signalen/{}", sig.id)) { "Signaal " (sig.id) }
                            ", ontvangen " (sig.ontvangen.format("%-d-%-m-%Y"))
                            @if sig.anoniem { " (anoniem)" }
                            @if !sig.feiten.is_empty() { ": " (sig.feiten) }
                        }
                    }
                }
            }
        }
        (handhavers(d, names, s))
        (afsluiting(d, s))
        section aria-labelledby="bezoeken" {
            h2 id="bezoeken" { "Bezoeken" }
            @if let Some(p) = &d.document_problem {
                div.notice.error role="alert" { p { "Het document van deze zaak is onleesbaar: " (p.message) } p.code { "Code: " code { (p.code) } } }
            }
            @if d.visits.is_empty() && d.document_problem.is_none() {
                p { "Er is nog geen bezoek vastgelegd of gesynchroniseerd." }
            }
            @for (n, v) in d.visits.iter().enumerate() {
                (visit(d, n + 1, v, &conditions))
            }
        }
    }
}

fn handhavers(d: &Dossier, names: &[String], s: &SessionInfo) -> Markup {
    let open = d.zaak.status == "open";
    let action = |what: &str| format!("{}/{what}", href(&d.zaak.id));
    html! {
        section aria-labelledby="handhavers" {
            h2 id="handhavers" { "Handhavers" }
            @if d.toewijzingen.is_empty() {
                p { span.tag.warn { "niet toegewezen" } }
            } @else {
                div.table-wrap { table {
                    caption { "Toewijzingen" }
                    thead { tr { th scope="col" { "Handhaver" } th scope="col" { "Toegewezen" } th scope="col" { "Ingetrokken" } @if open { th scope="col" { span.sr { "Actie" } } } } }
                    tbody {
                        @for t in &d.toewijzingen {
                            tr {
                                td { (t.handhaver) }
                                td { (time(t.assigned_at)) }
                                td { (t.withdrawn_at.map(time).unwrap_or_else(|| "—".into())) }
                                @if open {
                                    td {
                                        @if t.withdrawn_at.is_none() {
                                            form method="post" action=(action("intrekken")) {
                                                (csrf_field(s))
                                                input type="hidden" name="user" value=(t.handhaver);
                                                button.secondary type="submit" { "Intrekken bij " (t.handhaver) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            @if open {
                form.card.inline method="post" action=(action("toewijzen")) {
                    (csrf_field(s))
                    div.field {
                        label for="assign-user" { "Toewijzen aan" }
                        select id="assign-user" name="user" required {
                            option value="" { "Kies een handhaver" }
                            @for n in names { option value=(n) { (n) } }
                        }
                    }
                    button type="submit" { "Toewijzen" }
                }
                p.muted { "Een ingetrokken of gesloten zaak verdwijnt bij de volgende synchronisatie van de apparaten, zodra de server alles van die zaak heeft; de vastleggingen blijven hier bewaard." }
            }
        }
    }
}

fn afsluiting(d: &Dossier, s: &SessionInfo) -> Markup {
    let soort = d.zaak.melding.uitkomst();
    let (naam, voorbeeld) = match soort {
        Uitkomst::Advies => (
            "Advies",
            "Advies aan de Poort: aanvraag afwijzen, woonsituatie wijkt af",
        ),
        Uitkomst::Besluit => ("Besluit", "Recht op bijstand ongewijzigd"),
    };
    html! {
        section aria-labelledby="afsluiting" {
            h2 id="afsluiting" { "Afsluiting" }
            @if let Some(a) = &d.zaak.afsluiting {
                dl {
                    dt { (naam) } dd { (a.uitkomst) }
                    dt { "Reden" } dd { p.pre { (a.reden) } }
                    dt { "Gesloten door" } dd { (a.door) ", " (time(a.at)) }
                }
            } @else {
                form.card method="post" action=(format!("{}/sluiten", href(&d.zaak.id))) {
                    (csrf_field(s))
                    p { "Sluit de zaak met het " (labels::uitkomst(soort)) " van handhaving (seed 000: bij de Poort adviseert handhaving, bij Werk en Inkomen besluit de klantmanager op basis van het besluit van handhaving)." }
                    div.field {
                        label for="uitkomst" { (naam) }
                        input id="uitkomst" name="uitkomst" type="text" required placeholder=(voorbeeld);
                    }
                    div.field {
                        label for="reden" { "Reden, op basis van de feiten" }
                        textarea id="reden" name="reden" rows="3" required {}
                    }
                    button.danger type="submit" { "Zaak sluiten" }
                }
            }
        }
    }
}

fn visit(d: &Dossier, n: usize, v: &VisitDossier, conditions: &Conditions) -> Markup {
    let id = format!("bezoek-{}", v.meta.visit_id);
    let rapport = format!(
        "{}/bezoeken/{}/rapport.pdf",
        href(&d.zaak.id),
        v.meta.visit_id
    );
    let entries = v.entries.len();
    html! {
        section.visit aria-labelledby=(id) {
            h3 id=(id) { "Bezoek " (n) ": " (v.meta.kind.label()) ", " (local_time(v.meta.created_at)) }
            dl {
                dt { "Stand" } dd {
                    (labels::fase(v.fase))
                    @if let Some(e) = v.einde { " (" (labels::einde(e)) ")" }
                }
                @if !v.handhavers.is_empty() {
                    dt { "Aanwezig" } dd {
                        (v.handhavers.join(", "))
                        @if let Some(l) = &v.leider { "; leiding: " (l) }
                    }
                }
                dt { "Vastleggingen" } dd { (entries) " " (if entries == 1 { "vastlegging" } else { "vastleggingen" }) }
                dt { "Bezoeknummer" } dd { code.id { (v.meta.visit_id) } }
            }
            @if let Some(p) = &v.problem {
                div.notice.error role="alert" { p { (p.message) } p.code { "Code: " code { (p.code) } } }
            } @else if v.intact {
                div.notice.ok role="status" { p { "Alle vastleggingen van dit bezoek zijn ondertekend door een bekend apparaat en sluiten op elkaar aan." } }
            } @else {
                div.notice.error role="alert" { p { strong { "Let op: " } "niet alle vastleggingen van dit bezoek zijn geverifieerd. Zie de vastleggingen hieronder." } }
            }
            @if let Some(c) = &v.toestemmingsconflict {
                @match c.beslecht {
                    None => div.notice.error role="alert" id=(format!("{id}-toestemmingsconflict")) {
                        p { strong { "Toestemmingsconflict: " }
                            "toestemming gegeven door " (c.toestemming_door.0) " (" (labels::rol(c.toestemming_door.1)) ") en geweigerd door " (c.weigering_door)
                            ", vastgelegd op verschillende apparaten. Het bezoek neemt geen vastleggingen meer aan tot de leider"
                            @if let Some(l) = &v.leider { " (" (l) ")" }
                            " het conflict beslecht (veldwerk toestemming beslecht)." }
                        p.code { "Code: " code { (ProtocolError::ToestemmingConflict.code()) } }
                    },
                    Some(u) => div.notice.warn id=(format!("{id}-toestemmingsconflict")) {
                        p { strong { "Toestemmingsconflict beslecht: " } (labels::conflict_uitkomst(u))
                            " (toestemming door " (c.toestemming_door.0) ", weigering door " (c.weigering_door) ")." }
                    },
                }
            }
            p { a.button.secondary href=(rapport) download { "Rapport (PDF)" } }
            ol.timeline {
                @for e in &v.entries { (entry(d, v, e, conditions)) }
            }
        }
    }
}

fn verdict_tag(status: EntryStatus) -> Markup {
    let class = match status {
        EntryStatus::Ok => "tag ok",
        EntryStatus::KeyRevoked => "tag warn",
        _ => "tag revoked",
    };
    html! { span class=(class) data-status=(status.code()) { (labels::status(status)) } }
}

/// The routekaart's sentences for confirmed condition codes, per code and action (VNG 2020),
/// evaluated once per page rather than once per entry.
struct Conditions {
    routekaart: Routekaart,
    known: RefCell<HashMap<(Code, Actie), Vec<Notice>>>,
}

impl Conditions {
    fn new() -> Self {
        Self {
            routekaart: Routekaart::vng_2020(),
            known: RefCell::default(),
        }
    }

    /// The confirmed condition codes of `entry` in words; a code the routekaart does not give
    /// for that code and action stays as it is.
    fn texts(&self, entry: &Entry) -> Vec<String> {
        let key = (entry.policy.code, entry.policy.actie);
        let mut known = self.known.borrow_mut();
        let notices = known.entry(key).or_insert_with(|| {
            evaluate(&self.routekaart, key.0, &PlannedAction::new(key.1))
                .conditions()
                .to_vec()
        });
        entry
            .policy
            .confirmed_conditions
            .iter()
            .map(|c| {
                notices
                    .iter()
                    .find(|n| n.code == *c)
                    .map(|n| n.message.clone())
                    .unwrap_or_else(|| c.clone())
            })
            .collect()
    }
}

fn entry(d: &Dossier, v: &VisitDossier, e: &DossierEntry, conditions: &Conditions) -> Markup {
    let x = &e.entry;
    let soort = e
        .event
        .as_ref()
        .map(|ev| labels::soort(ev.soort()))
        .unwrap_or("Onleesbare vastlegging");
    let conditions = conditions.texts(x);
    html! {
        li.entry id=(anchor(&x.entry_id)) data-status=(e.status.code()) {
            header {
                strong { (soort) } " · " (local_time(x.recorded_at)) " · " (verdict_tag(e.status))
            }
            @match &e.event {
                Some(ev) => (event_body(d, v, ev)),
                None => p { "Deze vastlegging kan niet worden gelezen." },
            }
            @if !e.corrected_by.is_empty() {
                div.notice.warn {
                    p { "Gecorrigeerd door: "
                        @for (i, c) in e.corrected_by.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(format!("#{}", anchor(c))) { "correctie" }
                            @if let Some(Event::Correctie { tekst, .. }) = v.entry(c).and_then(|c| c.event.as_ref()) { " (“" (tekst) "”)" }
                        }
                        ". De oorspronkelijke tekst blijft staan."
                    }
                }
            }
            @if let Some(a) = &e.anomaly {
                div.notice.error role="alert" { p { strong { "Afwijking: " } (a.message) } p.code { "Code: " code { (a.code) } } }
            }
            @for f in e.flags.iter().filter_map(|id| d.flags.iter().find(|f| f.id == *id)) {
                div.notice.warn id=(format!("signalering-{}", f.id)) {
                    p { "Signalering " (f.id) ": vastgelegd onder code " (f.code_known.as_deref().unwrap_or("onbekend")) " terwijl code " (f.code_active) " gold." }
                    @if let Some(at) = f.resolved_at {
                        p { "Afgehandeld " (time(at)) " door " (f.resolved_by.as_deref().unwrap_or("")) ": " (f.resolution.as_deref().unwrap_or("")) }
                    } @else {
                        p { a href=(format!("/signaleringen#signalering-{}", f.id)) { "Afhandelen bij Signaleringen" } }
                    }
                }
            }
            @if !e.warnings.is_empty() {
                div.muted { "Getoonde waarschuwingen over feitelijk taalgebruik: "
                    @for (i, w) in e.warnings.iter().enumerate() {
                        @if i > 0 { "; " }
                        "“" (w.warning.matched) "”: " (w.warning.notice.message)
                    }
                }
            }
            @if let Some(ondanks) = ondertekend_ondanks(&e.entry.taalwaarschuwingen()) {
                p { span.tag.warn { (ondanks) } }
            }
            @if let Ok(Some(k)) = e.entry.klantverklaring() {
                // Checked at the sync against the organisation's binding and the session key.
                p { span.tag { "Door de cliënt ondertekend op de eigen telefoon" }
                    " " span.muted { "(sessie " code.id { (k.binding.sessie) } ", verklaring " (k.n) ")" } }
            }
            @if e.status != EntryStatus::Ok {
                p.verdict { (e.verdict.message) span.code { " (code " code { (e.verdict.code) } ")" } }
            }
            @for c in &e.other_copies {
                div.notice.error role="alert" {
                    p { strong { "Andere kopie onder dit nummer: " } (labels::status(c.status)) ". " (c.status.notice().message) }
                    details { summary { "Inhoud van die kopie" } pre { (c.entry.body) } }
                }
            }
            p.meta.muted {
                "Door " (e.handhaver.as_deref().unwrap_or("onbekende handhaver"))
                " (apparaat " code.id { (x.device_id) } ", nr. " (x.seq) ")"
                " · code " (x.policy.code.label()) " · beleidsversie " (x.policy.policy_version)
                @if !x.policy.allowed { " · " span.tag.warn { "routekaart stond dit niet toe" } }
            }
            @if !conditions.is_empty() {
                details.muted { summary { "Bevestigde voorwaarden (" (conditions.len()) ")" }
                    ul { @for c in &conditions { li { (c) } } }
                }
            }
        }
    }
}

/// The client's signature drawn again from its strokes.
fn handtekening_svg(h: &Handtekening) -> Markup {
    let paths: Vec<String> = h
        .strepen
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter()
                .enumerate()
                .map(|(i, [x, y])| format!("{}{x} {y}", if i == 0 { "M" } else { " L" }))
                .collect()
        })
        .collect();
    html! {
        svg.handtekening role="img" aria-label="Handtekening van de klant" viewBox=(format!("0 0 {} {}", h.breedte, h.hoogte)) width="240" {
            @for d in &paths { path d=(d) fill="none" stroke="currentColor" stroke-width="2" {} }
        }
    }
}

/// How an activity ended normally, in words.
fn afgesloten_woorden(actie: Actie) -> &'static str {
    match Activiteit::van(actie) {
        Activiteit::Huisbezoek => "De handhavers hebben de woning verlaten.",
        Activiteit::WaarnemingTerPlaatse => "De waarneming ter plaatse is beëindigd.",
        Activiteit::Gesprek => "Het gesprek is beëindigd.",
        Activiteit::Onderzoek => "Het onderzoek is afgerond.",
    }
}

fn event_body(d: &Dossier, v: &VisitDossier, ev: &Event) -> Markup {
    let photo = |hash: &str| format!("{}/fotos/{hash}", href(&d.zaak.id));
    html! {
        @match ev {
            Event::Aanleiding { actie, grondslag } => {
                p { (actie.label()) " op grond van " (labels::grondslag(grondslag)) "." }
                @match grondslag {
                    Grondslag::ConcreteAanwijzing { feiten, geraadpleegde_bronnen, waarom_niet_minder_ingrijpend } => {
                        ul { @for f in feiten { li { (f.omschrijving) " " span.muted { "(bron: " (labels::bron(f.bron)) ")" } } } }
                        @if !geraadpleegde_bronnen.is_empty() { p { "Geraadpleegd: " (geraadpleegde_bronnen.join(", ")) } }
                        p { "Waarom niet minder ingrijpend: " (waarom_niet_minder_ingrijpend) }
                    }
                    Grondslag::TwijfelZonderAanwijzing { twijfel, andere_wijze_onderzocht } => {
                        p { "Twijfel: " (twijfel) } p { "Andere wijze onderzocht: " (andere_wijze_onderzocht) }
                    }
                    Grondslag::Dienstverlening { reden } => { p { "Reden: " (reden) } }
                }
            }
            Event::Aankondiging { wijze, toelichting } => {
                p { "Het bezoek was " (labels::aankondiging(*wijze)) "." @if let Some(t) = toelichting { " " (t) } }
            }
            Event::AanDeDeur { handhavers, leider, minderjarigen_aanwezig } => {
                p { "Aanwezig: " (handhavers.join(", ")) "; leiding: " (leider) ". Minderjarigen aanwezig: " (labels::minderjarigen(*minderjarigen_aanwezig)) "." }
            }
            Event::NiemandAanwezig { toelichting } => {
                p { "Niemand deed open (geen weigering)." @if let Some(t) = toelichting { " " (t) } }
            }
            Event::NietInStaat { toelichting, reden, tolk_taal, tolk, vervolg, nieuwe_afspraak } => {
                p { "Niet in staat mee te werken (geen weigering), reden: " (labels::niet_in_staat_reden(*reden)) ". " (toelichting) }
                @if let Some(t) = tolk_taal { p { "Een tolk kan helpen in het " (t) @if let Some(n) = tolk { " (" (n) ")" } "." } }
                @if let Some(v) = vervolg { p { "Vervolg: " (v) @if let Some(d) = nieuwe_afspraak { " (nieuwe afspraak " (d.format("%-d-%-m-%Y")) ")" } } }
            }
            Event::LegitimatieEnDoel { legitimatie_getoond, doel } => {
                p { (if *legitimatie_getoond { "Legitimatie getoond." } else { "Legitimatie niet getoond." }) " Doel genoemd: " (doel) }
            }
            Event::ToestemmingGevraagd { variant, tekst, tekst_hash, aanleiding, tolk } => {
                @if let Some(t) = tolk { p { "Via tolk " (t.naam) "; de tekst is overgebracht in het " (t.taal) "." } }
                @if aanleiding.trim().is_empty() {
                    p.muted { "Aanleiding aan de deur: niet vastgelegd (vastgelegd vóór dit veld bestond)." }
                } @else {
                    p { "Aanleiding aan de deur verteld: " (aanleiding) }
                }
                p { "Getoonde tekst (" (labels::variant(*variant)) "):" }
                blockquote.consent { (tekst) }
                p.muted { "SHA-256 van de tekst: " code.id { (tekst_hash) } }
            }
            Event::ToestemmingGegeven { door, rol, leeftijd, onderwerp_van_twijfel } => {
                p { "Toestemming gegeven door " (door) ", " (labels::rol(*rol)) ", " (labels::antwoorder(*leeftijd, *onderwerp_van_twijfel)) "." }
            }
            Event::ToestemmingGeweigerd { door, rol, gewezen_op_gevolgen, leeftijd, onderwerp_van_twijfel, uitgesloten_ruimtes } => {
                p { "Toestemming geweigerd door " (door) ", " (labels::rol(*rol)) ", " (labels::antwoorder(*leeftijd, *onderwerp_van_twijfel)) "."
                    @if *gewezen_op_gevolgen { " Gewezen op de mogelijke gevolgen." }
                    @if !uitgesloten_ruimtes.is_empty() { " Geldt alleen voor de eigen kamer; uitgesloten: " (uitgesloten_ruimtes.join(", ")) "." } }
            }
            Event::Binnentreden => { p { "De handhavers zijn binnengegaan (bij de app: de digitale rondgang is begonnen)." } }
            Event::ToestemmingIngetrokken { door, rol } => { p { "Toestemming ingetrokken door " (door) ", " (labels::rol(*rol)) "; het bezoek is direct beëindigd." } }
            Event::ExtraToestemming { onderwerp, ruimte, door, rol, gegeven } => {
                p { (labels::extra(*onderwerp))
                    @if let Some(r) = ruimte { " (" (r) ")" }
                    ": " (if *gegeven { "toestemming gegeven" } else { "geweigerd of ingetrokken" })
                    " door " (door) ", " (labels::rol(*rol)) "." }
            }
            Event::Waarneming { ruimte, tekst, foto, kast_geopend, kamer_van } => {
                p { strong { (ruimte) } @if let Some(k) = kamer_van { " (kamer van " (k) ")" } ": " (tekst) }
                @if *kast_geopend { p.muted { "Kast of lade geopend (met aparte toestemming)." } }
                @if let Some(h) = foto { p { a href=(photo(h)) { "Foto openen" } " " span.muted { "(SHA-256 " code.id { (h) } ")" } } }
            }
            Event::Correctie { corrigeert, tekst } => {
                p { "Corrigeert " a href=(format!("#{}", anchor(corrigeert))) { "deze vastlegging" }
                    @if let Some(orig) = v.entry(corrigeert).and_then(|o| o.event.as_ref()) { " (" (labels::soort(orig.soort())) ")" }
                    ": " (tekst) }
            }
            Event::Afsluiting { toelichting } => { p { (afgesloten_woorden(v.meta.kind)) @if let Some(t) = toelichting { " " (t) } } }
            Event::WaarnemingTerPlaatseGestart { handhavers, leider, vervoer, medewerkers_per_auto } => {
                p { "Op pad: " (handhavers.join(", ")) "; leiding: " (leider) ", " (activiteit::vervoer_woord(*vervoer))
                    @if let Some(n) = medewerkers_per_auto { ", " (n) " per auto" } "." }
            }
            Event::WaarnemingTerPlaatse { plek, tekst, vanaf_openbare_weg, waargenomen_om } => {
                p { strong { (plek) } ": " (tekst) }
                p.muted { (if *vanaf_openbare_weg { "Vanaf de openbare weg waargenomen" } else { "Niet vanaf de openbare weg" })
                    @if let Some(t) = waargenomen_om { ", om " (local_time(*t)) } "." }
            }
            Event::GesprekGestart { met, rol, wijze, handhavers, leider } => {
                p { "Gesprek " (wijze.woord()) " met " (met) ", " (labels::rol(*rol)) "; gevoerd door " (handhavers.join(", ")) ", leiding: " (leider) "." }
            }
            Event::VraagBeantwoord { sleutel, antwoord, door, vragenlijst, versie } => {
                p { strong { (labels::vraag(vragenlijst, *versie, sleutel)) } " " span.muted { "(" (vragenlijst) " versie " (versie) ", beantwoord door " (door) ")" } }
                p { (antwoord.woorden()) }
                @for h in antwoord.fotos() { p { a href=(photo(h)) { "Foto openen" } " " span.muted { "(SHA-256 " code.id { (h) } ")" } } }
            }
            Event::VragenlijstOndertekend { door, handtekening } => {
                p { "De antwoorden zijn ondertekend door " (door) "." }
                (handtekening_svg(handtekening))
            }
            Event::AanwijzingGestuurd { door, tekst } => {
                p { "Aanwijzing van " (door) " aan de klant: “" (tekst) "”" }
            }
            Event::Internetonderzoek { door, bronnen, waarom_evenredig, waarom_niet_minder_ingrijpend, bevindingen } => {
                p { "Internetonderzoek door " (door) "." }
                p { "Geraadpleegd: " (bronnen.join(", ")) }
                p { "Waarom evenredig: " (waarom_evenredig) }
                p { "Waarom niet minder ingrijpend: " (waarom_niet_minder_ingrijpend) }
                p { "Gevonden: " (bevindingen) }
            }
            Event::Rapport { tekst, opgemaakt_door } => {
                blockquote.rapport { p.pre { (tekst) } }
                p { "Opgemaakt door: "
                    @for (i, o) in opgemaakt_door.iter().enumerate() {
                        @if i > 0 { ", " }
                        (o.handhaver) " (onder " (labels::ambtsverklaring(o.verklaring)) ")"
                    }
                }
            }
            Event::BezoekAfgebroken { reden } => { p { "Het bezoek is afgebroken: " (reden) } }
            Event::ToestemmingsconflictBeslecht { door, uitkomst, toelichting } => {
                p { "Toestemmingsconflict beslecht door " (door) ": " (labels::conflict_uitkomst(*uitkomst)) ". " (toelichting) }
            }
            Event::UitnodigingBespreking { datum, toelichting } => {
                p { "De klant is uitgenodigd het rapport te bespreken"
                    @if let Some(d) = datum { " op " (d.format("%-d-%-m-%Y")) }
                    "." @if let Some(t) = toelichting { " " (t) } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub user: String,
}

/// A change of the zaak's office data by the signed-in user, then back to its page with
/// `flash`, or the refusal.
async fn change(
    state: AppState,
    zaak_id: String,
    session: &SessionInfo,
    flash: &str,
    f: impl FnOnce(&Tx<'_>, &str, &str) -> crate::error::Result<()> + Send + 'static,
) -> Response {
    let by = session.user.name.clone();
    let back = href(&zaak_id);
    match state
        .db
        .call(move |db| db.write(|tx| f(tx, &zaak_id, &by)))
        .await
    {
        Ok(()) => done(&back, flash),
        Err(e) => refusal_from(e, Some(session)),
    }
}

/// `POST /zaken/{zaak_id}/toewijzen`.
pub async fn assign(
    State(state): State<AppState>,
    Path(zaak_id): Path<String>,
    f: CsrfForm<UserForm>,
) -> Response {
    let user = f.form.user;
    change(
        state,
        zaak_id,
        &f.session,
        "zaak_assigned",
        move |tx, z, by| zaken::assign(tx, z, &user, by, now()),
    )
    .await
}

/// `POST /zaken/{zaak_id}/intrekken`.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(zaak_id): Path<String>,
    f: CsrfForm<UserForm>,
) -> Response {
    let user = f.form.user;
    change(
        state,
        zaak_id,
        &f.session,
        "zaak_withdrawn",
        move |tx, z, by| zaken::withdraw(tx, z, &user, by, now()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub uitkomst: String,
    pub reden: String,
}

/// `POST /zaken/{zaak_id}/sluiten`.
pub async fn close(
    State(state): State<AppState>,
    Path(zaak_id): Path<String>,
    f: CsrfForm<CloseForm>,
) -> Response {
    let sluiten = Sluiten {
        uitkomst: f.form.uitkomst,
        reden: f.form.reden,
    };
    change(
        state,
        zaak_id,
        &f.session,
        "zaak_closed",
        move |tx, z, by| zaken::close(tx, z, &sluiten, by, now()).map(|_| ()),
    )
    .await
}
