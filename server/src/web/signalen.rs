//! `/signalen`: the office registers a signal (seed 001 bijlage 1) and assesses it within its
//! termijn: no further action (with a reason), a written or oral investigation, or a melding
//! handhaving (seed 000) that becomes a zaak keeping the signal. Reports through `/melden`
//! arrive here as tips.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;
use veldwerk_rules::signalen::{Signaaltabel, Start};

use super::layout::{self, csrf_field, plural};
use super::zaken::{created_page, melding_form, to_new as zaak_from_form, MeldingForm};
use super::{done, refusal_from, Console, CsrfForm, Flash};
use crate::db::now;
use crate::error::{AppError, Error};
use crate::signalen::{self, Beoordeling, Kanaal, NewSignaal, Signaal};
use crate::state::AppState;
use crate::users::{self, SessionInfo};
use crate::werkvoorraad::today;
use crate::zaken;

/// The registration form's fields, kept as typed so a refused form comes back filled in.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SignaalForm {
    pub soort: String,
    pub kanaal: String,
    pub ontvangen: String,
    pub client: String,
    pub feiten: String,
    /// A checkbox: present ("ja") when ticked.
    pub anoniem: Option<String>,
    pub melder_contact: String,
    pub team: String,
    pub handhaver: String,
}

fn date(s: &str) -> Option<NaiveDate> {
    s.trim().parse().ok()
}

fn dag(d: NaiveDate) -> String {
    d.format("%-d-%-m-%Y").to_string()
}

fn to_new(f: &SignaalForm) -> Result<NewSignaal, Error> {
    let ontvangen = if f.ontvangen.trim().is_empty() {
        None
    } else {
        Some(date(&f.ontvangen).ok_or_else(|| {
            Error::bad_request(
                "signaal_ontvangen_invalid",
                "De datum van ontvangst is geen geldige datum (JJJJ-MM-DD).",
            )
        })?)
    };
    let kanaal = match f.kanaal.trim() {
        "" => None,
        k => Some(Kanaal::parse(k).ok_or_else(|| {
            Error::bad_request("signaal_kanaal_unknown", "Kies hoe het signaal binnenkwam.")
        })?),
    };
    let contact = f.melder_contact.trim();
    Ok(NewSignaal {
        soort: f.soort.clone(),
        kanaal,
        ontvangen,
        client: f.client.clone(),
        feiten: f.feiten.clone(),
        anoniem: f.anoniem.is_some(),
        melder_contact: (!contact.is_empty()).then(|| contact.to_owned()),
        team: f.team.clone(),
        handhaver: Some(f.handhaver.clone()),
    })
}

fn termijn_tekst(tabel: &Signaaltabel, soort: &str) -> String {
    match tabel.get(soort) {
        None => "onbekende soort".into(),
        Some(s) => match (s.termijn, s.start) {
            (None, _) => "geen termijn: direct handelen".into(),
            (Some(t), Start::Ontvangst) => format!("binnen {t} na ontvangst"),
            (Some(t), Start::Gebeurtenis(na)) => format!("binnen {t} na {na}"),
        },
    }
}

fn soort_naam<'a>(tabel: &'a Signaaltabel, soort: &'a str) -> &'a str {
    tabel.get(soort).map_or(soort, |s| s.naam)
}

fn kanaal_woord(id: &str) -> &str {
    match Kanaal::parse(id) {
        Some(k) => k.woord(),
        None => id,
    }
}

fn register_form(
    s: &SessionInfo,
    tabel: &Signaaltabel,
    names: &[String],
    f: &SignaalForm,
) -> Markup {
    let ontvangen = if f.ontvangen.is_empty() {
        today().to_string()
    } else {
        f.ontvangen.clone()
    };
    let mut rubrieken: Vec<&str> = Vec::new();
    for soort in tabel.soorten() {
        if !rubrieken.contains(&soort.rubriek) {
            rubrieken.push(soort.rubriek);
        }
    }
    html! {
        form.card method="post" action="/signalen" {
            (csrf_field(s))
            div.field {
                label for="soort" { "Soort signaal" }
                select id="soort" name="soort" required {
                    option value="" { "Kies een soort" }
                    @for r in &rubrieken {
                        optgroup label=(r) {
                            @for soort in tabel.soorten().iter().filter(|x| x.rubriek == *r) {
                                option value=(soort.id) selected[f.soort == soort.id] {
                                    (soort.naam) " — " (termijn_tekst(tabel, soort.id))
                                }
                            }
                        }
                    }
                }
            }
            div.field {
                label for="kanaal" { "Binnengekomen via" }
                select id="kanaal" name="kanaal" {
                    @for k in Kanaal::ALL {
                        option value=(k.id()) selected[f.kanaal == k.id() || (f.kanaal.is_empty() && k == Kanaal::Klantcontact)] { (k.woord()) }
                    }
                }
            }
            div.field {
                label for="ontvangen" { "Ontvangen op" }
                p.hint id="ontvangen-hint" { "De termijn loopt vanaf deze datum (of vanaf de gebeurtenis die de soort noemt)." }
                input id="ontvangen" name="ontvangen" type="date" required aria-describedby="ontvangen-hint" value=(ontvangen);
            }
            div.field {
                label for="client" { "Cliëntnummer (geen naam)" }
                input id="client" name="client" type="text" maxlength=(signalen::MAX_CLIENT_CHARS) value=(f.client);
            }
            div.field {
                label for="feiten" { "Feiten" }
                p.hint id="feiten-hint" { "Wat is er gemeld of gevonden, door welke bron. Feiten, geen vermoedens." }
                textarea id="feiten" name="feiten" rows="4" maxlength=(signalen::MAX_FEITEN_CHARS) aria-describedby="feiten-hint" { (f.feiten) }
            }
            div.checkbox {
                input id="anoniem" name="anoniem" type="checkbox" value="ja" checked[f.anoniem.is_some()];
                label for="anoniem" { "Anonieme melding (de melder is niet bekend)" }
            }
            div.field {
                label for="melder_contact" { "Contactgegeven van de melder (optioneel)" }
                input id="melder_contact" name="melder_contact" type="text" maxlength=(signalen::MAX_SHORT_CHARS) value=(f.melder_contact);
            }
            div.field {
                label for="team" { "Team (optioneel)" }
                input id="team" name="team" type="text" maxlength=(signalen::MAX_SHORT_CHARS) value=(f.team);
            }
            div.field {
                label for="handhaver" { "Handhaver (optioneel)" }
                select id="handhaver" name="handhaver" {
                    option value="" { "Nog niemand" }
                    @for n in names { option value=(n) selected[*n == f.handhaver] { (n) } }
                }
            }
            button type="submit" { "Signaal registreren" }
        }
    }
}

fn signal_table(tabel: &Signaaltabel, rows: &[Signaal], today: NaiveDate) -> Markup {
    html! {
        div.table-wrap {
            table.signalen {
                caption { (plural(rows.len(), "signaal om te beoordelen", "signalen om te beoordelen")) }
                thead { tr {
                    th scope="col" { "Nummer" } th scope="col" { "Soort" } th scope="col" { "Ontvangen" }
                    th scope="col" { "Uiterlijk beoordeeld" } th scope="col" { "Cliënt" } th scope="col" { "Handhaver" }
                } }
                tbody {
                    @for r in rows {
                        @let late = r.deadline.is_some_and(|d| d < today);
                        tr class=[late.then_some("te-laat")] {
                            td { a href=(format!("/signalen/{}", r.id)) { "Signaal " (r.id) } }
                            td { (soort_naam(tabel, &r.soort)) @if r.anoniem { " " span.tag { "anoniem" } } }
                            td { (dag(r.ontvangen)) }
                            td {
                                @match r.deadline { Some(d) => (dag(d)), None => "direct" }
                                @if late { " " strong.te-laat { "Te laat" } }
                            }
                            td { (if r.client.is_empty() { "—" } else { r.client.as_str() }) }
                            td { (r.handhaver.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
    }
}

type PageData = (Signaaltabel, Vec<Signaal>, Vec<String>);

async fn page_data(state: &AppState) -> Result<PageData, Error> {
    state
        .db
        .call(|db| {
            db.read(|tx| {
                Ok((
                    signalen::tabel(tx)?,
                    signalen::open(tx)?,
                    users::handhavers(tx)?,
                ))
            })
        })
        .await
}

fn list_page(
    s: &SessionInfo,
    data: &PageData,
    f: &SignaalForm,
    flash: Option<&str>,
    error: Option<(&str, &str)>,
) -> Markup {
    let (tabel, open, names) = data;
    layout::page(
        "Signalen",
        Some(s),
        flash,
        html! {
            p { "Signalen uit het onderzoeksplan, met hun termijn. Meldingen via het openbare formulier " a href="/melden" { "Melden" } " komen hier binnen als tip van een derde." }
            (signal_table(tabel, open, today()))
            section aria-labelledby="registreren" {
                h2 id="registreren" { "Signaal registreren" }
                @if let Some((code, message)) = error {
                    div.notice.error role="alert" { p { (message) } p.code { "Code: " code { (code) } } }
                }
                (register_form(s, tabel, names, f))
            }
        },
    )
}

/// `GET /signalen`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(flash): Query<Flash>,
) -> Response {
    match page_data(&state).await {
        Ok(data) => {
            list_page(&s, &data, &SignaalForm::default(), flash.message(), None).into_response()
        }
        Err(e) => refusal_from(e, Some(&s)),
    }
}

/// `POST /signalen`: registers the signal and shows it with its deadline.
pub async fn register(State(state): State<AppState>, f: CsrfForm<SignaalForm>) -> Response {
    let s = f.session;
    let form = f.form;
    let actor = s.user.name.clone();
    let result = match to_new(&form) {
        Ok(new) => {
            state
                .db
                .call(move |db| db.write(|tx| signalen::register(tx, &new, &actor, now())))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(signaal) => done(&format!("/signalen/{}", signaal.id), "signaal_registered"),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return super::refusal(e.status, e.code, e.message, Some(&s));
            }
            match page_data(&state).await {
                Ok(data) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    list_page(&s, &data, &form, None, Some((e.code, &e.message))),
                )
                    .into_response(),
                Err(e) => refusal_from(e, Some(&s)),
            }
        }
    }
}

/// The assessment form's fields: the choice and, for "geen actie", the reason.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BeoordelingForm {
    pub beoordeling: String,
    pub reden: String,
}

fn detail(
    s: &SessionInfo,
    tabel: &Signaaltabel,
    names: &[String],
    sig: &Signaal,
    melding: &MeldingForm,
    error: Option<(&str, &str)>,
) -> Markup {
    let late = sig.beoordeling.is_none() && sig.deadline.is_some_and(|d| d < today());
    let soort = tabel.get(&sig.soort);
    html! {
        p { a href="/signalen" { "← Alle signalen" } }
        @if let Some((code, message)) = error {
            div.notice.error role="alert" { p { (message) } p.code { "Code: " code { (code) } } }
        }
        dl {
            dt { "Soort" } dd { (soort_naam(tabel, &sig.soort)) }
            @if let Some(soort) = soort {
                dt { "Onderzoek volgens het onderzoeksplan" } dd { (soort.actie) "; " (soort.onderzoek) }
            }
            dt { "Termijn" } dd { (termijn_tekst(tabel, &sig.soort)) }
            dt { "Ontvangen" } dd { (dag(sig.ontvangen)) " via " (kanaal_woord(&sig.kanaal)) }
            dt { "Uiterlijk beoordeeld" } dd {
                @match sig.deadline { Some(d) => (dag(d)), None => "direct" }
                @if late { " " strong.te-laat { "Te laat" } }
            }
            dt { "Cliënt" } dd { (if sig.client.is_empty() { "—" } else { sig.client.as_str() }) }
            dt { "Feiten" } dd { (if sig.feiten.is_empty() { "—" } else { sig.feiten.as_str() }) }
            dt { "Melder" } dd {
                @if sig.anoniem { "anoniem: een anonieme melding alleen is geen concrete aanwijzing voor een huisbezoek" }
                @else { (sig.melder_contact.as_deref().unwrap_or("bekend, zonder contactgegeven")) }
            }
            dt { "Team" } dd { (if sig.team.is_empty() { "—" } else { sig.team.as_str() }) }
            dt { "Handhaver" } dd { (sig.handhaver.as_deref().unwrap_or("—")) }
            dt { "Beoordeling" } dd {
                @match &sig.beoordeling {
                    None => span.tag.warn { "nog niet beoordeeld" },
                    Some(b @ Beoordeling::GeenActie { reden }) => { (b.woord()) ": " (reden) }
                    Some(b @ Beoordeling::Melding { zaak }) => { (b.woord()) ": zaak " a href=(super::zaak::href(zaak)) { code { (zaak) } } }
                    Some(b) => (b.woord()),
                }
            }
        }
        @if sig.beoordeling.is_none() {
            section aria-labelledby="beoordelen" {
                h2 id="beoordelen" { "Beoordelen" }
                form.card method="post" action=(format!("/signalen/{}/beoordeling", sig.id)) {
                    (csrf_field(s))
                    fieldset {
                        legend { "Uitkomst" }
                        div.radio {
                            input type="radio" id="b-schriftelijk" name="beoordeling" value="schriftelijk" required;
                            label for="b-schriftelijk" { "Schriftelijk onderzoek" }
                        }
                        div.radio {
                            input type="radio" id="b-mondeling" name="beoordeling" value="mondeling";
                            label for="b-mondeling" { "Mondeling onderzoek (gesprek met de cliënt)" }
                        }
                        div.radio {
                            input type="radio" id="b-geen" name="beoordeling" value="geen_actie";
                            label for="b-geen" { "Geen verdere actie" }
                        }
                    }
                    div.field {
                        label for="reden" { "Reden (verplicht bij geen verdere actie)" }
                        textarea id="reden" name="reden" rows="3" maxlength=(signalen::MAX_FEITEN_CHARS) {}
                    }
                    button type="submit" { "Beoordeling vastleggen" }
                }
            }
            section aria-labelledby="melding" {
                h2 id="melding" { "Melding handhaving maken" }
                p { "Het signaal wordt een zaak; de zaak bewaart het signaal en krijgt zonder eigen deadline de termijn ervan." }
                (melding_form(s, names, melding, &format!("/signalen/{}/melding", sig.id)))
            }
        }
    }
}

async fn detail_data(
    state: &AppState,
    id: i64,
) -> Result<(Signaaltabel, Vec<String>, Signaal), Error> {
    state
        .db
        .call(move |db| {
            db.read(|tx| {
                let sig = signalen::get(tx, id)?.ok_or_else(|| {
                    Error::not_found("signaal_not_found", format!("Signaal {id} bestaat niet."))
                })?;
                Ok((signalen::tabel(tx)?, users::handhavers(tx)?, sig))
            })
        })
        .await
}

fn melding_defaults(tabel: &Signaaltabel, sig: &Signaal) -> MeldingForm {
    MeldingForm {
        werkproces: "h2".into(),
        label: format!("Signaal {}: {}", sig.id, soort_naam(tabel, &sig.soort)),
        handhaver: sig.handhaver.clone().unwrap_or_default(),
        ..MeldingForm::default()
    }
}

/// The page for a path that names no signal (not a number).
fn no_such_signal(raw: &str, s: &SessionInfo) -> Response {
    super::refusal(
        StatusCode::NOT_FOUND,
        "signaal_not_found",
        format!(
            "Signaal {} bestaat niet.",
            raw.chars().take(40).collect::<String>()
        ),
        Some(s),
    )
}

async fn detail_response(
    state: &AppState,
    s: &SessionInfo,
    id: i64,
    status: StatusCode,
    flash: Option<&str>,
    melding: Option<&MeldingForm>,
    error: Option<(&str, &str)>,
) -> Response {
    match detail_data(state, id).await {
        Ok((tabel, names, sig)) => {
            let defaults = melding_defaults(&tabel, &sig);
            let body = detail(s, &tabel, &names, &sig, melding.unwrap_or(&defaults), error);
            (
                status,
                layout::page(&format!("Signaal {id}"), Some(s), flash, body),
            )
                .into_response()
        }
        Err(e) => refusal_from(e, Some(s)),
    }
}

/// `GET /signalen/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Console(s): Console,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return no_such_signal(&id, &s);
    };
    detail_response(&state, &s, id, StatusCode::OK, flash.message(), None, None).await
}

/// `POST /signalen/{id}/beoordeling`: geen actie (with a reason), schriftelijk or mondeling.
pub async fn assess(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<BeoordelingForm>,
) -> Response {
    let s = f.session;
    let Ok(id) = id.parse::<i64>() else {
        return no_such_signal(&id, &s);
    };
    let b = match f.form.beoordeling.as_str() {
        "geen_actie" => Beoordeling::GeenActie {
            reden: f.form.reden.clone(),
        },
        "schriftelijk" => Beoordeling::Schriftelijk,
        "mondeling" => Beoordeling::Mondeling,
        _ => {
            let message = "Kies de uitkomst van de beoordeling.";
            return detail_response(
                &state,
                &s,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some(("signaal_beoordeling_required", message)),
            )
            .await;
        }
    };
    let actor = s.user.name.clone();
    let result = state
        .db
        .call(move |db| db.write(|tx| signalen::assess(tx, id, &b, &actor, now())))
        .await;
    match result {
        Ok(_) => done(&format!("/signalen/{id}"), "signaal_assessed"),
        Err(e) => refused_on_detail(&state, &s, id, e, None).await,
    }
}

/// `POST /signalen/{id}/melding`: the signal becomes a melding handhaving and its zaak
/// (assigned when a handhaver is chosen), in one transaction.
pub async fn melding(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<MeldingForm>,
) -> Response {
    let s = f.session;
    let Ok(id) = id.parse::<i64>() else {
        return no_such_signal(&id, &s);
    };
    let form = f.form;
    let new = match zaak_from_form(&form) {
        Ok(n) => n,
        Err((code, message)) => {
            return detail_response(
                &state,
                &s,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&form),
                Some((code, &message)),
            )
            .await
        }
    };
    let actor = s.user.name.clone();
    let handhaver = form.handhaver.trim().to_owned();
    let result = state
        .db
        .call(move |db| {
            db.write(|tx| {
                let t = now();
                let (zaak, warnings) = signalen::into_melding(tx, &[id], new, &actor, t)?;
                if !handhaver.is_empty() {
                    zaken::assign(tx, &zaak.id, &handhaver, &actor, t)?;
                }
                Ok((zaak, warnings))
            })
        })
        .await;
    match result {
        Ok((zaak, warnings)) => created_page(&s, &zaak, &warnings).into_response(),
        Err(e) => refused_on_detail(&state, &s, id, e, Some(&form)).await,
    }
}

/// The signal's page again with why a form on it was refused (and the melding form as filled
/// in); a missing signal or an internal error gets the plain refusal page.
async fn refused_on_detail(
    state: &AppState,
    s: &SessionInfo,
    id: i64,
    e: Error,
    melding: Option<&MeldingForm>,
) -> Response {
    let e = AppError::from(e);
    if e.status.is_server_error() || e.status == StatusCode::NOT_FOUND {
        return super::refusal(e.status, e.code, e.message, Some(s));
    }
    let status = form_status(e.status);
    detail_response(
        state,
        s,
        id,
        status,
        None,
        melding,
        Some((e.code, &e.message)),
    )
    .await
}

/// A form refused for its content is 422 (the form comes back filled in); conflicts keep theirs.
fn form_status(status: StatusCode) -> StatusCode {
    if status == StatusCode::BAD_REQUEST {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
    }
}
