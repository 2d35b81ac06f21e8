//! One worklist: open signals, open zaken and planned heronderzoeken by due date, overdue ones
//! marked, filterable per team and per handhaver, with counts per week.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::db::Tx;
use crate::error::Result;
use crate::params;

/// What a worklist item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Soort {
    Signaal,
    Zaak,
    Heronderzoek,
}

impl Soort {
    pub fn woord(self) -> &'static str {
        match self {
            Soort::Signaal => "Signaal",
            Soort::Zaak => "Zaak",
            Soort::Heronderzoek => "Heronderzoek",
        }
    }
}

/// One item to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub soort: Soort,
    /// The signal's number, the zaak's id or the client number.
    pub id: String,
    pub omschrijving: String,
    /// The last day; `None` for a signal whose kind has no termijn (act at once).
    pub due: Option<NaiveDate>,
    pub team: String,
    pub handhaver: Option<String>,
    /// Past its due date on the day the list was made.
    pub te_laat: bool,
}

/// Which items to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub team: Option<String>,
    pub handhaver: Option<String>,
}

/// Every open item, by due date (items without one first), filtered.
pub fn items(conn: &Tx<'_>, filter: &Filter, today: NaiveDate) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let parse = |s: Option<String>| s.and_then(|s| s.parse::<NaiveDate>().ok());
    let tabel = crate::signalen::tabel(conn)?;
    {
        conn.query_each(
            "SELECT id, soort, client, deadline, team, handhaver FROM signalen \
             WHERE beoordeling IS NULL",
            params![],
            |r| {
                let id: i64 = r.get(0)?;
                let soort: String = r.get(1)?;
                let soort = tabel.get(&soort).map_or(soort, |s| s.naam.to_owned());
                let client: String = r.get(2)?;
                items.push(Item {
                    soort: Soort::Signaal,
                    id: id.to_string(),
                    omschrijving: if client.is_empty() {
                        soort
                    } else {
                        format!("{soort} (cliënt {client})")
                    },
                    due: parse(r.get(3)?),
                    team: r.get(4)?,
                    handhaver: r.get(5)?,
                    te_laat: false,
                });
                Ok(())
            },
        )?;
    }
    {
        conn.query_each(
            &format!(
                "SELECT z.id, z.label, z.deadline, \
                 (SELECT {} FROM assignments a JOIN users u ON u.id = a.user_id \
                  WHERE a.zaak_id = z.id AND a.withdrawn_at IS NULL), \
                 (SELECT s.team FROM signalen s WHERE s.zaak_id = z.id AND s.team != '' \
                  ORDER BY s.id LIMIT 1) \
                 FROM zaken z WHERE z.status = 'open'",
                conn.dialect().joined("u.name")
            ),
            params![],
            |r| {
                items.push(Item {
                    soort: Soort::Zaak,
                    id: r.get(0)?,
                    omschrijving: r.get(1)?,
                    due: parse(r.get(2)?),
                    // A zaak made from signals belongs to the team of its signals.
                    team: r.get::<Option<String>>(4)?.unwrap_or_default(),
                    handhaver: r.get(3)?,
                    te_laat: false,
                });
                Ok(())
            },
        )?;
    }
    {
        conn.query_each(
            "SELECT client, groep, wat, due, team, handhaver FROM heronderzoeken \
             WHERE due IS NOT NULL",
            params![],
            |r| {
                let groep: String = r.get(1)?;
                let wat: String = r.get(2)?;
                items.push(Item {
                    soort: Soort::Heronderzoek,
                    id: r.get(0)?,
                    omschrijving: format!("{} ({groep})", wat.replace('_', " ")),
                    due: parse(r.get(3)?),
                    team: r.get(4)?,
                    handhaver: r.get(5)?,
                    te_laat: false,
                });
                Ok(())
            },
        )?;
    }
    items.retain(|i| {
        filter.team.as_deref().is_none_or(|t| i.team == t)
            && filter.handhaver.as_deref().is_none_or(|h| {
                i.handhaver
                    .as_deref()
                    .is_some_and(|names| names.split(", ").any(|n| n == h))
            })
    });
    for i in &mut items {
        i.te_laat = i.due.is_some_and(|d| d < today);
    }
    items.sort_by(|a, b| {
        (a.due.is_some(), a.due, a.soort, &a.id).cmp(&(b.due.is_some(), b.due, b.soort, &b.id))
    });
    Ok(items)
}

/// The Monday of `d`'s ISO week.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}

/// Items due per week for the `weeks` weeks from today's week; overdue items count in the
/// current week.
pub fn per_week(items: &[Item], today: NaiveDate, weeks: usize) -> Vec<(NaiveDate, usize)> {
    let first = week_start(today);
    let mut counts: BTreeMap<NaiveDate, usize> = (0..weeks)
        .map(|w| (first + Duration::weeks(w as i64), 0))
        .collect();
    for i in items {
        let w = week_start(i.due.unwrap_or(today)).max(first);
        if let Some(c) = counts.get_mut(&w) {
            *c += 1;
        }
    }
    counts.into_iter().collect()
}

/// A bar chart of `counts` as an SVG, drawn on the server (no script, no chart library); each
/// bar has a title for screen readers and the numbers are printed beside it.
pub fn svg(counts: &[(NaiveDate, usize)]) -> String {
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0).max(1);
    let bar_w = 40;
    let h = 120;
    let width = counts.len() * (bar_w + 10) + 10;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{}\" \
         viewBox=\"0 0 {width} {}\" aria-labelledby=\"werkvoorraad-titel\">\
         <title id=\"werkvoorraad-titel\">Werkvoorraad per week</title>",
        h + 40,
        h + 40
    );
    for (i, (week, n)) in counts.iter().enumerate() {
        let bh = n * h / max;
        let x = 10 + i * (bar_w + 10);
        let y = h - bh + 14;
        let label = format!("week {} ({})", week.iso_week().week(), week.format("%d-%m"));
        out.push_str(&format!(
            "<g><title>{label}: {n}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{bar_w}\" height=\"{bh}\" fill=\"#1f5f8b\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">wk {}</text></g>",
            x + bar_w / 2,
            y.saturating_sub(2).max(10),
            x + bar_w / 2,
            h + 30,
            week.iso_week().week()
        ));
    }
    out.push_str("</svg>");
    out
}

/// Today in the Netherlands: a termijn ends on a Dutch calendar day.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}
