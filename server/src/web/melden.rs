//! `/melden`: the public fraud-report form (seed 002 §6: "digitaal melden via een
//! webformulier", anonymous or on name). No sign-in; every report becomes a signal of kind tip
//! (seed 001 bijlage 1: "binnen twee weken beoordelen"). Rate-limited per address and bounded
//! in size; the form holds no session, so there is nothing for a forged post to borrow.

use axum::extract::{Form, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::now;
use crate::guard::{client_ip, Rate};
use crate::signalen::{self, MAX_CLIENT_CHARS, MAX_FEITEN_CHARS, MAX_SHORT_CHARS};
use crate::state::AppState;
use crate::werkvoorraad::today;

#[derive(Debug, Default, Deserialize)]
pub struct MeldForm {
    #[serde(default)]
    pub wat: String,
    #[serde(default)]
    pub wie: String,
    #[serde(default)]
    pub contact: String,
}

fn page(title: &str, content: Markup) -> Markup {
    super::layout::public_page(title, content)
}

fn form(error: Option<&str>, f: &MeldForm) -> Markup {
    page(
        "Melding doen van mogelijk misbruik van een uitkering",
        html! {
            p { "Vermoedt u dat iemand ten onrechte een uitkering ontvangt? Meld het hier. U hoeft uw naam niet te geven. Een melding alleen is geen bewijs: de gemeente beoordeelt haar binnen twee weken." }
            @if let Some(e) = error {
                div.notice.error role="alert" { p { (e) } }
            }
            form method="post" action="/melden" {
                p {
                    label for="wat" { "Wat heeft u gezien of gehoord? (verplicht)" }
                    br;
                    textarea id="wat" name="wat" rows="6" cols="60" required maxlength=(MAX_FEITEN_CHARS) aria-describedby="wat-uitleg" { (f.wat) }
                    br;
                    span id="wat-uitleg" { "Beschrijf feiten: wat, waar, wanneer en hoe vaak. Hoogstens " (MAX_FEITEN_CHARS) " tekens." }
                }
                p {
                    label for="wie" { "Over wie of welk adres gaat het? (als u dat weet)" }
                    br;
                    input id="wie" name="wie" type="text" maxlength=(MAX_CLIENT_CHARS) value=(f.wie);
                }
                p {
                    label for="contact" { "Uw telefoonnummer of e-mailadres (niet verplicht)" }
                    br;
                    input id="contact" name="contact" type="text" maxlength=(MAX_SHORT_CHARS) autocomplete="email" value=(f.contact);
                    br;
                    span { "Laat dit leeg om anoniem te melden. Met uw gegevens kan de gemeente u om een toelichting vragen." }
                }
                button type="submit" { "Melding versturen" }
            }
        },
    )
}

/// `GET /melden`.
pub async fn show() -> Response {
    form(None, &MeldForm::default()).into_response()
}

/// `POST /melden`.
pub async fn submit(State(state): State<AppState>, req: Request) -> Response {
    if let Err(limited) = state
        .guards
        .check_rate(Rate::Melden, client_ip(req.extensions()))
    {
        let e = limited.error();
        return limited.apply(
            (
                StatusCode::TOO_MANY_REQUESTS,
                form(Some(&e.message), &MeldForm::default()),
            )
                .into_response(),
        );
    }
    let Ok(Form(f)) = Form::<MeldForm>::from_request(req, &state).await else {
        return (
            StatusCode::BAD_REQUEST,
            form(
                Some("Het formulier kon niet worden gelezen."),
                &MeldForm::default(),
            ),
        )
            .into_response();
    };
    let (wat, wie, contact) = (f.wat.clone(), f.wie.clone(), f.contact.clone());
    let result = state
        .db
        .call(move |db| {
            db.write(|tx| {
                signalen::register_melding(tx, &wat, &wie, Some(&contact), today(), now())
            })
        })
        .await;
    match result {
        Ok(_) => page(
            "Bedankt voor uw melding",
            html! {
                div.notice.ok role="status" {
                    p { "Uw melding is ontvangen. De gemeente beoordeelt haar binnen twee weken." }
                }
                p { a href="/melden" { "Nog een melding doen" } }
            },
        )
        .into_response(),
        Err(e) => {
            let msg = match &e {
                crate::error::Error::Refused { message, .. } => message.clone(),
                _ => "De melding kon nu niet worden opgeslagen. Probeer het later opnieuw.".into(),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, form(Some(&msg), &f)).into_response()
        }
    }
}
