//! An organisation's termijnen: a TOML file (format in `docs/signaal-termijnen.md`) that sets
//! the termijn of named signal kinds, e.g. `tip_derde = "10 werkdagen"`. Seed 001 bijlage 1 is
//! the municipality's own onderzoeksplan, so another municipality keeps other termijnen. A file
//! with an unknown key, an unknown kind, a bad termijn or an impossible number is refused as a
//! whole, with every problem named by its line and column.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{Eenheid, Signaaltabel, Termijn};
use crate::Notice;

/// Highest number of units in one termijn override (a year of calendar days).
pub const MAX_AANTAL: u32 = 366;

/// One problem in a termijn file, at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regel {line}, kolom {column}: {message}")]
pub struct TermijnOverrideError {
    pub line: usize,
    pub column: usize,
    pub kind: Fout,
    pub message: String,
}

/// The kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fout {
    Syntax,
    UnknownKey,
    UnknownSoort,
    Invalid,
}

impl Fout {
    pub fn code(&self) -> &'static str {
        match self {
            Fout::Syntax => "termijn_syntax",
            Fout::UnknownKey => "termijn_unknown_key",
            Fout::UnknownSoort => "termijn_unknown_soort",
            Fout::Invalid => "termijn_invalid",
        }
    }
}

impl TermijnOverrideError {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// Every problem found, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct TermijnOverrideErrors(pub Vec<TermijnOverrideError>);

/// Parses "10 werkdagen", "4 weken", "3 maanden", "14 dagen".
fn parse_termijn(text: &str) -> Result<Termijn, String> {
    let mut parts = text.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "'{text}' is geen termijn: schrijf een aantal en een eenheid, bijv. \"10 werkdagen\""
        ));
    };
    let aantal: u32 = n
        .parse()
        .map_err(|_| format!("'{n}' is geen geheel getal"))?;
    if aantal == 0 || aantal > MAX_AANTAL {
        return Err(format!("het aantal moet tussen 1 en {MAX_AANTAL} liggen"));
    }
    let eenheid = match unit {
        "werkdag" | "werkdagen" => Eenheid::Werkdagen,
        "dag" | "dagen" | "kalenderdag" | "kalenderdagen" => Eenheid::Kalenderdagen,
        "week" | "weken" => Eenheid::Weken,
        "maand" | "maanden" => Eenheid::Maanden,
        other => {
            return Err(format!(
                "onbekende eenheid '{other}': werkdagen, dagen, weken of maanden"
            ))
        }
    };
    Ok(Termijn { aantal, eenheid })
}

struct Parser<'s> {
    src: &'s str,
    errors: Vec<TermijnOverrideError>,
}

impl Parser<'_> {
    fn push(&mut self, span: Range<usize>, kind: Fout, message: String) {
        let (line, column) = crate::tekstpositie::regel_kolom(self.src, span.start);
        self.errors.push(TermijnOverrideError {
            line,
            column,
            kind,
            message,
        });
    }
}

impl Signaaltabel {
    /// Seed 001's table with the termijnen of `toml` applied.
    pub fn with_termijnen(toml: &str) -> Result<Signaaltabel, TermijnOverrideErrors> {
        let mut tabel = Signaaltabel::seed();
        let mut p = Parser {
            src: toml,
            errors: Vec::new(),
        };
        match DeTable::parse(toml) {
            Err(e) => p.push(
                e.span().unwrap_or(0..0),
                Fout::Syntax,
                format!("geen geldige TOML: {}", e.message().trim()),
            ),
            Ok(root) => {
                for (key, value) in root.get_ref().iter() {
                    match key.get_ref().as_ref() {
                        "organisatie" | "versie" => {
                            if !matches!(value.get_ref(), DeValue::String(_)) {
                                p.push(
                                    value.span(),
                                    Fout::Invalid,
                                    format!("'{}' moet tekst zijn", key.get_ref()),
                                );
                            }
                        }
                        "termijnen" => match value.get_ref() {
                            DeValue::Table(t) => {
                                for (id, v) in t.iter() {
                                    let id = id.get_ref().as_ref();
                                    let Some(pos) = tabel.soorten.iter().position(|s| s.id == id)
                                    else {
                                        p.push(
                                            v.span(),
                                            Fout::UnknownSoort,
                                            format!("onbekende signaalsoort '{id}'"),
                                        );
                                        continue;
                                    };
                                    let parsed = match v.get_ref() {
                                        DeValue::String(s) => parse_termijn(s),
                                        _ => Err("de termijn moet tekst zijn, bijv. \"4 weken\""
                                            .to_string()),
                                    };
                                    match parsed {
                                        Ok(t) => {
                                            tabel.soorten[pos].termijn = Some(t);
                                            let sid = tabel.soorten[pos].id;
                                            tabel.overridden.push(sid);
                                        }
                                        Err(m) => p.push(v.span(), Fout::Invalid, m),
                                    }
                                }
                            }
                            _ => p.push(
                                value.span(),
                                Fout::Invalid,
                                "'termijnen' moet een tabel zijn".to_string(),
                            ),
                        },
                        other => p.push(
                            key.span(),
                            Fout::UnknownKey,
                            format!(
                                "onbekende sleutel '{other}': alleen organisatie, versie en [termijnen]"
                            ),
                        ),
                    }
                }
            }
        }
        if p.errors.is_empty() {
            Ok(tabel)
        } else {
            p.errors.sort_by_key(|e| (e.line, e.column));
            Err(TermijnOverrideErrors(p.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn an_override_sets_a_termijn_in_werkdagen() {
        let t = Signaaltabel::with_termijnen(
            "organisatie = \"Gemeente Voorbeeld\"\n[termijnen]\ntip_derde = \"10 werkdagen\"\n",
        )
        .unwrap();
        let tip = t.get("tip_derde").unwrap();
        assert_eq!(tip.termijn.unwrap().to_string(), "10 werkdagen");
        assert!(t.is_overridden("tip_derde"));
        assert!(!t.is_overridden("verhuizing"));
        // Thursday 2026-04-23: 24, 28 (27 = Koningsdag), 29, 30, 1 mei, 4, 6 (5 mei), 7, 8, 11.
        let start = NaiveDate::from_ymd_opt(2026, 4, 23).unwrap();
        assert_eq!(tip.deadline(start), NaiveDate::from_ymd_opt(2026, 5, 11));
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let err = Signaaltabel::with_termijnen(
            "[termijnen]\nverhuizing = \"0 weken\"\nonbekend = \"4 weken\"\nbeslag = \"4 jaren\"\nscholing = 4\n[extra]\n",
        )
        .unwrap_err();
        let lines: Vec<(usize, &str)> = err.0.iter().map(|e| (e.line, e.code())).collect();
        assert_eq!(
            lines,
            vec![
                (2, "termijn_invalid"),
                (3, "termijn_unknown_soort"),
                (4, "termijn_invalid"),
                (5, "termijn_invalid"),
                (6, "termijn_unknown_key"),
            ]
        );
        assert!(err.to_string().starts_with("regel 2, kolom 14:"), "{err}");
    }

    #[test]
    fn bad_toml_is_refused_with_a_position() {
        let err = Signaaltabel::with_termijnen("[termijnen\n").unwrap_err();
        assert_eq!(err.0[0].code(), "termijn_syntax");
        assert_eq!(err.0[0].line, 1);
    }
}
