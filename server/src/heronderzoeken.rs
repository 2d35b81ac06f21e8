//! The heronderzoek plan per client (seed 003 art. 2; RAU of seed 001): the client list is
//! imported from the case system's CSV export, holding only what planning needs (a client
//! number, the group, dates, team and handhaver), and each client's next due date is stored.

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;
use veldwerk_rules::heronderzoek::{groep, plan, Clientdata, Wat};

use crate::audit;
use crate::error::{Error, Result};

/// The columns of the import, in any order; no other column is accepted, so no personal data
/// beyond what planning needs enters the store.
pub const COLUMNS: [&str; 8] = [
    "client",
    "groep",
    "laatst",
    "start",
    "laatste_betaling",
    "gebeurtenis",
    "team",
    "handhaver",
];
/// Most rows in one import.
pub const MAX_ROWS: usize = 200_000;
/// Longest line in bytes.
pub const MAX_LINE_BYTES: usize = 1000;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    pub clients: usize,
    pub gepland: usize,
}

fn line_error(line: usize, problem: impl std::fmt::Display) -> Error {
    Error::bad_request(
        "heronderzoek_csv_invalid",
        format!("regel {line}: {problem}"),
    )
}

/// One planned client of the import.
struct Planned<'a> {
    client: &'a str,
    groep: &'static str,
    data: Clientdata,
    team: &'a str,
    handhaver: Option<&'a str>,
    wat: Wat,
    due: Option<NaiveDate>,
}

fn wat_id(w: Wat) -> &'static str {
    match w {
        Wat::Heronderzoek => "heronderzoek",
        Wat::HeronderzoekMetVoortgangsgesprek => "heronderzoek_met_voortgangsgesprek",
        Wat::Beeindigingsonderzoek => "beeindigingsonderzoek",
        Wat::Overgeslagen => "overgeslagen",
        Wat::Niets => "niets",
    }
}

/// Parses and plans a CSV client list (comma-separated, a header line naming the columns; no
/// quoting). The whole file is refused at its first bad line.
fn parse(csv: &str) -> Result<Vec<Planned<'_>>> {
    let mut lines = csv.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(line_error(1, "het bestand is leeg"));
    };
    let mut index = [usize::MAX; 8];
    for (i, name) in header.split(',').enumerate() {
        let name = name.trim();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(p) if index[p] == usize::MAX => index[p] = i,
            Some(_) => return Err(line_error(1, format!("kolom '{name}' staat er twee keer"))),
            None => {
                return Err(line_error(
                    1,
                    format!(
                        "onbekende kolom '{name}': alleen {} (geen persoonsgegevens)",
                        COLUMNS.join(", ")
                    ),
                ))
            }
        }
    }
    if index[0] == usize::MAX || index[1] == usize::MAX {
        return Err(line_error(1, "de kolommen 'client' en 'groep' zijn nodig"));
    }
    let mut out = Vec::new();
    for (n, line) in lines {
        let n = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        if out.len() >= MAX_ROWS {
            return Err(line_error(n, format!("meer dan {MAX_ROWS} cliënten")));
        }
        if line.len() > MAX_LINE_BYTES || line.contains('"') {
            return Err(line_error(n, "regel te lang of met aanhalingstekens"));
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let field = |c: usize| {
            fields
                .get(index[c])
                .copied()
                .filter(|f| index[c] != usize::MAX && !f.is_empty())
        };
        let client = field(0).ok_or_else(|| line_error(n, "geen cliëntnummer"))?;
        if client.len() > 64 || client.chars().any(char::is_control) {
            return Err(line_error(n, "cliëntnummer te lang of met stuurtekens"));
        }
        let gid = field(1).unwrap_or("");
        let g = groep(gid).ok_or_else(|| line_error(n, format!("onbekende groep '{gid}'")))?;
        let mut dates = [None; 4];
        for (k, slot) in dates.iter_mut().enumerate() {
            if let Some(v) = field(2 + k) {
                *slot = Some(v.parse::<NaiveDate>().map_err(|_| {
                    line_error(
                        n,
                        format!("'{v}' in '{}' is geen datum JJJJ-MM-DD", COLUMNS[2 + k]),
                    )
                })?);
            }
        }
        let data = Clientdata {
            laatst: dates[0],
            start: dates[1],
            laatste_betaling: dates[2],
            gebeurtenis: dates[3],
        };
        let p = plan(g, &data).map_err(|e| line_error(n, e))?;
        let team = field(6).unwrap_or("");
        let handhaver = field(7);
        if team.len() > 200 || handhaver.is_some_and(|h| h.len() > 200) {
            return Err(line_error(n, "team of handhaver te lang"));
        }
        out.push(Planned {
            client,
            groep: g.id,
            data,
            team,
            handhaver,
            wat: p.wat,
            due: p.datum,
        });
    }
    Ok(out)
}

/// Imports a client list: every client's row is replaced by the file's, with its plan.
pub fn import(conn: &Connection, csv: &str, actor: &str, now: i64) -> Result<Import> {
    let rows = parse(csv)?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO heronderzoeken (client, groep, laatst, start, laatste_betaling, \
         gebeurtenis, team, handhaver, wat, due, imported_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let s = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let mut gepland = 0;
    for r in &rows {
        if r.due.is_some() {
            gepland += 1;
        }
        stmt.execute(params![
            r.client,
            r.groep,
            s(r.data.laatst),
            s(r.data.start),
            s(r.data.laatste_betaling),
            s(r.data.gebeurtenis),
            r.team,
            r.handhaver,
            wat_id(r.wat),
            s(r.due),
            now
        ])?;
    }
    audit::append(
        conn,
        now,
        actor,
        "heronderzoeken_imported",
        &json!({ "clients": rows.len() }),
    )?;
    Ok(Import {
        clients: rows.len(),
        gepland,
    })
}
