//! `/werkvoorraad`: one worklist of open signals, zaken and heronderzoeken by due date, overdue
//! ones marked, filtered per team and handhaver, with the counts of the coming weeks as a
//! server-rendered SVG chart and a table of the same numbers.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, PreEscaped};
use serde::Deserialize;

use super::layout::{self, plural};
use super::{refusal_from, Console};
use crate::state::AppState;
use crate::werkvoorraad::{self, Filter};

/// Weeks the chart shows.
pub const WEEKS: usize = 8;
/// Items shown on one page; the counts cover all.
pub const MAX_SHOWN: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct WerkQuery {
    pub team: Option<String>,
    pub handhaver: Option<String>,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().chars().take(200).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// `GET /werkvoorraad`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(q): Query<WerkQuery>,
) -> Response {
    let filter = Filter {
        team: nonempty(q.team),
        handhaver: nonempty(q.handhaver),
    };
    let today = werkvoorraad::today();
    let f = filter.clone();
    let items = match state
        .db
        .call(move |db| db.read(|tx| werkvoorraad::items(tx, &f, today)))
        .await
    {
        Ok(i) => i,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    render(&s, &filter, &items, today).into_response()
}

/// The page for `items` (public for the bench).
pub fn render(
    s: &crate::users::SessionInfo,
    filter: &Filter,
    items: &[werkvoorraad::Item],
    today: chrono::NaiveDate,
) -> maud::Markup {
    let weeks = werkvoorraad::per_week(items, today, WEEKS);
    let late = items.iter().filter(|i| i.te_laat).count();
    layout::page(
        "Werkvoorraad",
        Some(s),
        None,
        html! {
            form method="get" action="/werkvoorraad" {
                label for="team" { "Team" } " "
                input id="team" name="team" type="text" value=(filter.team.as_deref().unwrap_or(""));
                " "
                label for="handhaver" { "Handhaver" } " "
                input id="handhaver" name="handhaver" type="text" value=(filter.handhaver.as_deref().unwrap_or(""));
                " "
                button type="submit" { "Filteren" }
            }
            p { (plural(items.len(), "open taak", "open taken")) ", waarvan " strong { (late) " te laat" } "." }
            h2 { "De komende weken" }
            figure {
                (PreEscaped(werkvoorraad::svg(&weeks)))
                figcaption { "Aantal taken per week (te late taken tellen in deze week)." }
            }
            table {
                caption { "Taken per week" }
                thead { tr { th scope="col" { "Week van" } th scope="col" { "Taken" } } }
                tbody {
                    @for (w, n) in &weeks {
                        tr { td { (w.format("%d-%m-%Y")) } td { (n) } }
                    }
                }
            }
            h2 { "Taken op vervaldatum" }
            @if items.len() > MAX_SHOWN {
                p { "De eerste " (MAX_SHOWN) " taken; filter op team of handhaver voor de rest." }
            }
            table.werkvoorraad {
                thead { tr {
                    th scope="col" { "Uiterlijk" } th scope="col" { "Soort" } th scope="col" { "Nummer" }
                    th scope="col" { "Omschrijving" } th scope="col" { "Team" } th scope="col" { "Handhaver" }
                } }
                tbody {
                    @for i in items.iter().take(MAX_SHOWN) {
                        tr class=[i.te_laat.then_some("te-laat")] data-soort=(format!("{:?}", i.soort).to_lowercase()) {
                            td {
                                @match i.due { Some(d) => (d.format("%d-%m-%Y")), None => "direct" }
                                @if i.te_laat { " " strong.te-laat { "Te laat" } }
                            }
                            td { (i.soort.woord()) }
                            td {
                                @match i.soort {
                                    werkvoorraad::Soort::Zaak => a href={ "/zaken/" (i.id) } { (i.id) },
                                    werkvoorraad::Soort::Signaal => a href={ "/signalen/" (i.id) } { (i.id) },
                                    werkvoorraad::Soort::Heronderzoek => (i.id),
                                }
                            }
                            td { (i.omschrijving) }
                            td { (i.team) }
                            td { (i.handhaver.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        },
    )
}
