//! Reading an organisation's vragenlijst from TOML (`docs/vragenlijst.md`). A file with an
//! unknown key, a question that refers to a later or unknown question, options that do not fit
//! the kind, or bounds out of range is refused as a whole, every problem named by its line and
//! column, so a beheerder can fix the file before it reaches a device.

use serde::Deserialize;
use toml::Spanned;

use super::{
    Voorwaarde, Vraag, VraagSoort, Vragenlijst, MAX_FOTOS, MAX_HERHALINGEN, MAX_TEKST,
    MAX_VRAAGTEKST, MAX_VRAGEN,
};
use crate::Notice;

/// One problem in a vragenlijst file, at a line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regel {line}, kolom {column}: {message}")]
pub struct VragenlijstFout {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl VragenlijstFout {
    pub fn code(&self) -> &'static str {
        "vragenlijst_invalid"
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// Every problem found, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct VragenlijstFouten(pub Vec<VragenlijstFout>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLijst {
    id: Spanned<String>,
    versie: Spanned<i64>,
    titel: Spanned<String>,
    #[serde(default)]
    uitleg: Option<Spanned<String>>,
    #[serde(default)]
    vraag: Vec<Spanned<RawVraag>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVraag {
    id: Spanned<String>,
    tekst: Spanned<String>,
    soort: Spanned<String>,
    #[serde(default)]
    verplicht: Option<bool>,
    #[serde(default)]
    min: Option<Spanned<i64>>,
    #[serde(default)]
    max: Option<Spanned<i64>>,
    #[serde(default)]
    opties: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    meerdere: Option<bool>,
    #[serde(default)]
    max_tekens: Option<Spanned<i64>>,
    #[serde(default)]
    eenheid: Option<Spanned<String>>,
    #[serde(default)]
    herhaal_per: Option<Spanned<String>>,
    #[serde(default)]
    alleen_als: Option<Spanned<RawVoorwaarde>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVoorwaarde {
    vraag: String,
    #[serde(default)]
    is: Option<String>,
    #[serde(default)]
    groter_dan: Option<i64>,
}

struct Lezer<'s> {
    src: &'s str,
    fouten: Vec<VragenlijstFout>,
}

impl Lezer<'_> {
    fn fout(&mut self, at: usize, message: impl Into<String>) {
        let (line, column) = crate::tekstpositie::regel_kolom(self.src, at);
        self.fouten.push(VragenlijstFout {
            line,
            column,
            message: message.into(),
        });
    }
}

fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_line(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

impl Vragenlijst {
    /// Parses and checks a vragenlijst.
    pub fn from_toml(src: &str) -> Result<Vragenlijst, VragenlijstFouten> {
        let mut l = Lezer {
            src,
            fouten: Vec::new(),
        };
        let raw: RawLijst = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => {
                l.fout(
                    e.span().map_or(0, |s| s.start),
                    format!("geen geldige vragenlijst: {}", e.message().trim()),
                );
                return Err(VragenlijstFouten(l.fouten));
            }
        };
        if !is_id(raw.id.get_ref()) {
            l.fout(
                raw.id.span().start,
                "'id' moet beginnen met een kleine letter en mag alleen kleine letters, cijfers en _ bevatten (hoogstens 40)",
            );
        }
        let versie = *raw.versie.get_ref();
        if !(1..=i64::from(u32::MAX)).contains(&versie) {
            l.fout(
                raw.versie.span().start,
                "'versie' moet een geheel getal vanaf 1 zijn",
            );
        }
        if !is_line(raw.titel.get_ref(), 200) {
            l.fout(
                raw.titel.span().start,
                "'titel' moet een regel tekst zijn (hoogstens 200 tekens)",
            );
        }
        let uitleg = raw
            .uitleg
            .as_ref()
            .map_or(String::new(), |u| u.get_ref().clone());
        if let Some(u) = &raw.uitleg {
            if u.get_ref().chars().count() > 2000
                || u.get_ref().chars().any(|c| c.is_control() && c != '\n')
            {
                l.fout(
                    u.span().start,
                    "'uitleg' mag hoogstens 2000 tekens zijn, zonder stuurtekens",
                );
            }
        }
        if raw.vraag.is_empty() {
            l.fout(0, "de vragenlijst heeft geen vragen ([[vraag]])");
        }
        if raw.vraag.len() > MAX_VRAGEN {
            l.fout(
                raw.vraag[MAX_VRAGEN].span().start,
                format!("hoogstens {MAX_VRAGEN} vragen"),
            );
        }
        let mut vragen: Vec<Vraag> = Vec::new();
        for (i, v) in raw.vraag.iter().take(MAX_VRAGEN).enumerate() {
            let ids: Vec<&str> = raw.vraag[..i]
                .iter()
                .map(|r| r.get_ref().id.get_ref().as_str())
                .collect();
            if let Some(vraag) = lees_vraag(&mut l, v.get_ref(), &vragen, &ids) {
                vragen.push(vraag);
            }
        }
        if l.fouten.is_empty() {
            Ok(Vragenlijst {
                id: raw.id.into_inner(),
                versie: versie as u32,
                titel: raw.titel.into_inner(),
                uitleg,
                vragen,
            })
        } else {
            l.fouten.sort_by_key(|f| (f.line, f.column));
            Err(VragenlijstFouten(l.fouten))
        }
    }
}

/// One question, checked against the valid questions before it (`eerder`) and the ids of all
/// before it (`ids`: a reference to an earlier question with problems of its own is not one more
/// problem); `None` after recording its problems.
fn lees_vraag(l: &mut Lezer<'_>, v: &RawVraag, eerder: &[Vraag], ids: &[&str]) -> Option<Vraag> {
    let start = l.fouten.len();
    let id = v.id.get_ref();
    if !is_id(id) {
        l.fout(
            v.id.span().start,
            format!("'{id}' is geen geldige id: kleine letters, cijfers en _"),
        );
    } else if ids.contains(&id.as_str()) {
        l.fout(
            v.id.span().start,
            format!("de id '{id}' komt al eerder voor"),
        );
    }
    if !is_line(v.tekst.get_ref(), MAX_VRAAGTEKST) {
        l.fout(
            v.tekst.span().start,
            format!("'tekst' moet een regel tekst zijn (hoogstens {MAX_VRAAGTEKST} tekens)"),
        );
    }
    let range = |l: &mut Lezer<'_>,
                 f: &Option<Spanned<i64>>,
                 naam: &str,
                 lo: i64,
                 hi: i64,
                 std: i64|
     -> i64 {
        match f {
            None => std,
            Some(x) if (lo..=hi).contains(x.get_ref()) => *x.get_ref(),
            Some(x) => {
                l.fout(
                    x.span().start,
                    format!("'{naam}' moet van {lo} tot en met {hi} zijn"),
                );
                std
            }
        }
    };
    let soort_naam = v.soort.get_ref().as_str();
    // Which of the optional keys each kind takes.
    let takes: &[&str] = match soort_naam {
        "ja_nee" => &[],
        "getal" => &["min", "max"],
        "keuze" => &["opties", "meerdere"],
        "tekst" => &["max_tekens"],
        "foto" => &["min", "max"],
        "meterstand" => &["eenheid"],
        other => {
            l.fout(
                v.soort.span().start,
                format!(
                    "onbekende soort '{other}': ja_nee, getal, keuze, tekst, foto of meterstand"
                ),
            );
            return None;
        }
    };
    let given: [(&str, Option<usize>); 6] = [
        ("min", v.min.as_ref().map(|x| x.span().start)),
        ("max", v.max.as_ref().map(|x| x.span().start)),
        ("opties", v.opties.as_ref().map(|x| x.span().start)),
        ("meerdere", v.meerdere.map(|_| v.soort.span().start)),
        ("max_tekens", v.max_tekens.as_ref().map(|x| x.span().start)),
        ("eenheid", v.eenheid.as_ref().map(|x| x.span().start)),
    ];
    for (naam, at) in given {
        if let Some(at) = at {
            if !takes.contains(&naam) {
                l.fout(
                    at,
                    format!("'{naam}' hoort niet bij een vraag van soort {soort_naam}"),
                );
            }
        }
    }
    let soort = match soort_naam {
        "ja_nee" => VraagSoort::JaNee,
        "getal" => {
            let min = range(l, &v.min, "min", -1_000_000_000, 1_000_000_000, 0);
            let max = range(l, &v.max, "max", -1_000_000_000, 1_000_000_000, 1_000_000);
            if min > max {
                l.fout(v.soort.span().start, "'min' is groter dan 'max'");
            }
            VraagSoort::Getal { min, max }
        }
        "keuze" => {
            let opties = v
                .opties
                .as_ref()
                .map_or_else(Vec::new, |o| o.get_ref().clone());
            let at = v
                .opties
                .as_ref()
                .map_or(v.soort.span().start, |o| o.span().start);
            let uniek = opties
                .iter()
                .enumerate()
                .all(|(i, o)| !opties[..i].contains(o));
            if !(2..=20).contains(&opties.len())
                || !uniek
                || !opties.iter().all(|o| is_line(o, 200))
            {
                l.fout(
                    at,
                    "'opties' moet 2 tot 20 verschillende regels tekst noemen",
                );
            }
            VraagSoort::Keuze {
                opties,
                meerdere: v.meerdere.unwrap_or(false),
            }
        }
        "tekst" => VraagSoort::Tekst {
            max_tekens: range(
                l,
                &v.max_tekens,
                "max_tekens",
                1,
                i64::from(MAX_TEKST),
                1000,
            ) as u32,
        },
        "foto" => {
            let min = range(l, &v.min, "min", 0, i64::from(MAX_FOTOS), 1);
            let max = range(l, &v.max, "max", 1, i64::from(MAX_FOTOS), 3);
            if min > max {
                l.fout(v.soort.span().start, "'min' is groter dan 'max'");
            }
            VraagSoort::Foto {
                min: min as u32,
                max: max as u32,
            }
        }
        _ => {
            let eenheid = v
                .eenheid
                .as_ref()
                .map_or(String::new(), |e| e.get_ref().clone());
            if !is_line(&eenheid, 20) {
                l.fout(
                    v.eenheid
                        .as_ref()
                        .map_or(v.soort.span().start, |e| e.span().start),
                    "een meterstand noemt zijn 'eenheid' (bijvoorbeeld \"m³\" of \"kWh\")",
                );
            }
            VraagSoort::Meterstand { eenheid }
        }
    };
    let herhaal_per = v.herhaal_per.as_ref().map(|h| {
        let per = h.get_ref();
        match eerder.iter().find(|e| e.id == *per) {
            Some(Vraag {
                soort: VraagSoort::Getal { max, .. },
                herhaal_per: None,
                ..
            }) if *max <= MAX_HERHALINGEN => {}
            Some(Vraag {
                soort: VraagSoort::Getal { .. },
                herhaal_per: None,
                ..
            }) => l.fout(
                h.span().start,
                format!("'{per}' mag hoogstens {MAX_HERHALINGEN} als 'max' hebben om per eenheid te herhalen"),
            ),
            Some(_) => l.fout(
                h.span().start,
                format!("'herhaal_per' moet een eerdere getalvraag noemen die zelf niet herhaald wordt; '{per}' is dat niet"),
            ),
            None if ids.contains(&per.as_str()) => {}
            None => l.fout(h.span().start, format!("'herhaal_per' noemt '{per}', die niet eerder in de lijst staat")),
        }
        per.clone()
    });
    let alleen_als = v.alleen_als.as_ref().and_then(|a| {
        let at = a.span().start;
        let r = a.get_ref();
        let Some(doel) = eerder.iter().find(|e| e.id == r.vraag) else {
            if !ids.contains(&r.vraag.as_str()) {
                l.fout(at, format!("'alleen_als' noemt '{}', die niet eerder in de lijst staat", r.vraag));
            }
            return None;
        };
        match (&r.is, r.groter_dan, &doel.soort) {
            (Some(is), None, VraagSoort::JaNee) if is == "ja" || is == "nee" => Some(Voorwaarde::Is {
                vraag: r.vraag.clone(),
                antwoord: is.clone(),
            }),
            (Some(is), None, VraagSoort::Keuze { opties, .. }) if opties.contains(is) => {
                Some(Voorwaarde::Is {
                    vraag: r.vraag.clone(),
                    antwoord: is.clone(),
                })
            }
            (None, Some(n), VraagSoort::Getal { .. }) => Some(Voorwaarde::GroterDan {
                vraag: r.vraag.clone(),
                waarde: n,
            }),
            _ => {
                l.fout(
                    at,
                    "'alleen_als' vraagt 'is' (\"ja\"/\"nee\" of een van de opties) bij een ja/nee- of keuzevraag, of 'groter_dan' bij een getalvraag",
                );
                None
            }
        }
    });
    if l.fouten.len() > start {
        return None;
    }
    Some(Vraag {
        id: id.clone(),
        tekst: v.tekst.get_ref().clone(),
        soort,
        verplicht: v.verplicht.unwrap_or(true),
        herhaal_per,
        alleen_als,
    })
}
