//! The heronderzoek plan per client (seed 003 art. 2; RAU of seed 001): the client list is
//! imported from the case system's CSV export, holding only what planning needs (a client
//! number, the group, dates, team and handhaver), and each client's next due date is stored.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use veldwerk_rules::heronderzoek::{groep, plan, Clientdata, Wat};

use crate::audit;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::params;

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
    let header_fields = header.split(',').count();
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
        if fields.len() > header_fields {
            return Err(line_error(
                n,
                format!(
                    "{} velden, de kopregel noemt er {header_fields}",
                    fields.len()
                ),
            ));
        }
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
        let bad = |t: &str| t.len() > 200 || t.chars().any(char::is_control);
        if bad(team) || handhaver.is_some_and(bad) {
            return Err(line_error(
                n,
                "team of handhaver te lang of met stuurtekens",
            ));
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
pub fn import(conn: &Tx<'_>, csv: &str, actor: &str, now: i64) -> Result<Import> {
    let rows = parse(csv)?;
    const UPSERT: &str = "INSERT INTO heronderzoeken (client, groep, laatst, start, \
         laatste_betaling, gebeurtenis, team, handhaver, wat, due, imported_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (client) DO UPDATE SET groep = excluded.groep, laatst = excluded.laatst, \
         start = excluded.start, laatste_betaling = excluded.laatste_betaling, \
         gebeurtenis = excluded.gebeurtenis, team = excluded.team, \
         handhaver = excluded.handhaver, wat = excluded.wat, due = excluded.due, \
         imported_at = excluded.imported_at";
    let s = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let mut gepland = 0;
    for r in &rows {
        if r.due.is_some() {
            gepland += 1;
        }
        conn.execute(
            UPSERT,
            params![
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
            ],
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEADER: &str = "client,groep,laatst";

    fn refused(csv: &str) -> String {
        match parse(csv) {
            Ok(rows) => panic!("accepted {} rows of {csv:?}", rows.len()),
            Err(e) => e.to_string(),
        }
    }

    /// The client list is the case system's export, read as hostile: every bad line is refused
    /// with its number, nothing beyond the planning columns is taken (seed 003; no personal data).
    #[test]
    fn a_hostile_client_list_is_refused_at_its_line() {
        assert!(refused("").contains("leeg"));
        assert!(refused("client,groep,naam\nK-1,pw,Jan").contains("onbekende kolom 'naam'"));
        assert!(refused("client,client,groep").contains("twee keer"));
        assert!(refused("client,laatst").contains("'client' en 'groep'"));
        let e = refused(&format!(
            "{HEADER}\nK-1,overige_klanten,2026-01-01,Jan de Vries"
        ));
        assert!(e.contains("regel 2: 4 velden"), "{e}");
        assert!(
            refused(&format!("{HEADER}\nK-1,overige_klanten,\"2026-01-01\""))
                .contains("aanhalingstekens")
        );
        assert!(
            refused(&format!("{HEADER}\nK\u{1b}[2J,overige_klanten,2026-01-01"))
                .contains("stuurtekens")
        );
        assert!(
            refused(&format!("{HEADER}\n{},overige_klanten,", "K".repeat(65))).contains("te lang")
        );
        assert!(refused(&format!(
            "{HEADER}\nK-1,overige_klanten,{}",
            "9".repeat(MAX_LINE_BYTES)
        ))
        .contains("te lang"));
        assert!(
            refused(&format!("{HEADER}\nK-1,geen_groep,2026-01-01")).contains("onbekende groep")
        );
        assert!(refused(&format!("{HEADER}\nK-1,overige_klanten,1-1-2026")).contains("geen datum"));
        assert!(
            refused("client,groep,laatst,team\nK-1,overige_klanten,2026-01-01,Noord\u{7}")
                .contains("stuurtekens")
        );
    }

    proptest! {
        /// Whatever the file holds, reading it never panics, and what it accepts is bounded.
        #[test]
        fn any_file_is_read_without_panic(body in "[a-z0-9,\\-\n\u{0}-\u{1f}\"é]{0,400}") {
            let csv = format!("client,groep,laatst,start,team,handhaver\n{body}");
            if let Ok(rows) = parse(&csv) {
                for r in rows {
                    prop_assert!(r.client.len() <= 64 && !r.client.chars().any(char::is_control));
                    prop_assert!(!r.team.chars().any(char::is_control));
                }
            }
        }
    }
}
