//! The vragenlijst of the digital huisbezoek (seed 004: "alleen mogelijk door het gebruik van
//! een huisbezoek-app"): the client walks through the home with their own phone, answers these
//! questions and takes the photos they ask for, while the handhaver watches. An organisation
//! keeps its own list as TOML (format in `docs/vragenlijst.md`), shipped in the signed policy
//! bundle; without one the built-in woonsituatie-onderzoek applies.
//!
//! - [`Vragenlijst::from_toml`]: parse and check a list; every problem with its line and column.
//! - [`Vragenlijst::momenten`]: the questions to ask given the answers so far (a question may
//!   apply per bedroom, or only after a given answer).
//! - [`Vragenlijst::controleer`]: whether one answer fits its question.
//! - [`Vragenlijst::open_vragen`]: the required questions still unanswered.

mod lezen;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use lezen::{VragenlijstFout, VragenlijstFouten};

use crate::Notice;

/// At most this many questions in one list.
pub const MAX_VRAGEN: usize = 100;
/// At most this many repetitions of one question (`herhaal_per`).
pub const MAX_HERHALINGEN: i64 = 20;
/// At most this many photos for one question.
pub const MAX_FOTOS: u32 = 10;
/// The longest text answer any question may allow, in characters.
pub const MAX_TEKST: u32 = 4000;
/// The longest question text, in characters.
pub const MAX_VRAAGTEKST: usize = 500;

/// The built-in list: a woonsituatie-onderzoek (rooms and their use, who sleeps where, beds,
/// clothes and toiletries, mail, meter readings with a photo, anything the client adds).
pub const STANDAARD_TOML: &str = include_str!("woonsituatie.toml");

/// A versioned questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vragenlijst {
    pub id: String,
    pub versie: u32,
    pub titel: String,
    /// What the client reads before the first question.
    pub uitleg: String,
    pub vragen: Vec<Vraag>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vraag {
    pub id: String,
    pub tekst: String,
    pub soort: VraagSoort,
    /// A required question must be answered before the client can submit.
    pub verplicht: bool,
    /// Asked once per unit of an earlier number question (e.g. per bedroom).
    pub herhaal_per: Option<String>,
    /// Asked only when an earlier answer is as given.
    pub alleen_als: Option<Voorwaarde>,
}

/// The kinds of question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum VraagSoort {
    JaNee,
    Getal {
        min: i64,
        max: i64,
    },
    Keuze {
        opties: Vec<String>,
        meerdere: bool,
    },
    Tekst {
        max_tekens: u32,
    },
    /// One or more photos the client takes.
    Foto {
        min: u32,
        max: u32,
    },
    /// A meter reading with a photo of the meter.
    Meterstand {
        eenheid: String,
    },
}

/// When a question applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voorwaarde {
    /// The answer to `vraag` is `antwoord` ("ja"/"nee", or one of the options).
    Is { vraag: String, antwoord: String },
    /// The number answered to `vraag` is greater than `waarde`.
    GroterDan { vraag: String, waarde: i64 },
}

/// An answer as the client gives it. Photos are named by the SHA-256 of their (stripped,
/// encrypted-at-rest) content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", content = "waarde", rename_all = "snake_case")]
pub enum Antwoord {
    JaNee(bool),
    Getal(i64),
    Keuze(Vec<String>),
    Tekst(String),
    Fotos(Vec<String>),
    Meterstand { stand: String, foto: String },
}

/// One question as asked: the question and, for a repeated one, which repetition (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vraagmoment<'a> {
    /// The key the answer is stored under: the question's id, or `id#n` for repetition n.
    pub sleutel: String,
    pub vraag: &'a Vraag,
    pub herhaling: Option<u32>,
}

/// Answers so far, by [`Vraagmoment::sleutel`].
pub type Antwoorden = BTreeMap<String, Antwoord>;

/// Why an answer or a signature is refused: a stable code and the Dutch message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Weigering {
    pub code: &'static str,
    pub message: String,
}

impl Weigering {
    pub fn notice(&self) -> Notice {
        Notice::new(self.code, self.message.clone())
    }
}

fn refused(code: &'static str, message: impl Into<String>) -> Weigering {
    Weigering {
        code,
        message: message.into(),
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A meter reading: digits with at most one decimal separator, at most 12 digits.
fn is_meterstand(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let separators = s.chars().filter(|c| *c == ',' || *c == '.').count();
    (1..=12).contains(&digits)
        && separators <= 1
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_digit())
}

impl Vragenlijst {
    /// The built-in woonsituatie-onderzoek.
    pub fn standaard() -> Vragenlijst {
        Self::ingebouwd().clone()
    }

    /// The built-in list, read from its file once per process.
    pub fn ingebouwd() -> &'static Vragenlijst {
        static INGEBOUWD: std::sync::LazyLock<Vragenlijst> =
            std::sync::LazyLock::new(|| match Vragenlijst::from_toml(STANDAARD_TOML) {
                Ok(v) => v,
                // The built-in file is checked by a test; an empty list is the safe fallback.
                Err(_) => Vragenlijst {
                    id: "woonsituatie".into(),
                    versie: 1,
                    titel: "Woonsituatie-onderzoek".into(),
                    uitleg: String::new(),
                    vragen: Vec::new(),
                },
            });
        &INGEBOUWD
    }

    /// The organisation's list from the policy bundle (`""`: the built-in one).
    pub fn van_organisatie(toml: &str) -> Result<Vragenlijst, VragenlijstFouten> {
        if toml.trim().is_empty() {
            Ok(Vragenlijst::standaard())
        } else {
            Vragenlijst::from_toml(toml)
        }
    }

    /// The list as plain Dutch text, one question a line, for a terminal.
    pub fn als_tekst(&self) -> String {
        let mut out = format!("{} (id {}, versie {})\n", self.titel, self.id, self.versie);
        if !self.uitleg.is_empty() {
            out.push_str(&format!("{}\n", self.uitleg));
        }
        for (i, v) in self.vragen.iter().enumerate() {
            let soort = match &v.soort {
                VraagSoort::JaNee => "ja of nee".to_owned(),
                VraagSoort::Getal { min, max } => format!("getal van {min} tot en met {max}"),
                VraagSoort::Keuze { opties, meerdere } => format!(
                    "{}: {}",
                    if *meerdere {
                        "een of meer van"
                    } else {
                        "een van"
                    },
                    opties.join(" / ")
                ),
                VraagSoort::Tekst { max_tekens } => format!("tekst, hoogstens {max_tekens} tekens"),
                VraagSoort::Foto { min, max } => format!("{min} tot {max} foto's"),
                VraagSoort::Meterstand { eenheid } => {
                    format!("meterstand in {eenheid} met een foto")
                }
            };
            let mut wanneer = String::new();
            if let Some(per) = &v.herhaal_per {
                wanneer.push_str(&format!(", per eenheid van '{per}'"));
            }
            match &v.alleen_als {
                Some(Voorwaarde::Is { vraag, antwoord }) => {
                    wanneer.push_str(&format!(", alleen als '{vraag}' {antwoord} is"))
                }
                Some(Voorwaarde::GroterDan { vraag, waarde }) => {
                    wanneer.push_str(&format!(", alleen als '{vraag}' meer dan {waarde} is"))
                }
                None => {}
            }
            out.push_str(&format!(
                "{:>3}. {} [{}: {soort}{wanneer}{}]\n",
                i + 1,
                v.tekst,
                v.id,
                if v.verplicht { "" } else { ", niet verplicht" }
            ));
        }
        out
    }

    pub fn vraag(&self, id: &str) -> Option<&Vraag> {
        self.vragen.iter().find(|v| v.id == id)
    }

    /// The questions to ask now, in order, given the answers so far: repeated questions once
    /// per unit answered to their number question, conditional ones only when their condition
    /// holds.
    pub fn momenten(&self, antwoorden: &Antwoorden) -> Vec<Vraagmoment<'_>> {
        let mut out = Vec::new();
        for vraag in &self.vragen {
            if let Some(v) = &vraag.alleen_als {
                if !voorwaarde_geldt(v, antwoorden) {
                    continue;
                }
            }
            match &vraag.herhaal_per {
                None => out.push(Vraagmoment {
                    sleutel: vraag.id.clone(),
                    vraag,
                    herhaling: None,
                }),
                Some(per) => {
                    let n = match antwoorden.get(per) {
                        Some(Antwoord::Getal(n)) => (*n).clamp(0, MAX_HERHALINGEN) as u32,
                        _ => 0,
                    };
                    for i in 1..=n {
                        out.push(Vraagmoment {
                            sleutel: format!("{}#{i}", vraag.id),
                            vraag,
                            herhaling: Some(i),
                        });
                    }
                }
            }
        }
        out
    }

    /// Whether `antwoord` fits the question asked under `sleutel` (as [`Self::momenten`] gives
    /// it for these answers); refused with a code and a Dutch message otherwise.
    pub fn controleer(
        &self,
        antwoorden: &Antwoorden,
        sleutel: &str,
        antwoord: &Antwoord,
    ) -> Result<(), Weigering> {
        let momenten = self.momenten(antwoorden);
        let Some(m) = momenten.iter().find(|m| m.sleutel == sleutel) else {
            return Err(refused(
                "vraag_onbekend",
                format!(
                    "Vraag '{}' wordt nu niet gesteld.",
                    sleutel.chars().take(60).collect::<String>()
                ),
            ));
        };
        let mismatch = || {
            refused(
                "antwoord_past_niet",
                format!("Dit antwoord past niet bij de vraag: {}", m.vraag.tekst),
            )
        };
        match (&m.vraag.soort, antwoord) {
            (VraagSoort::JaNee, Antwoord::JaNee(_)) => Ok(()),
            (VraagSoort::Getal { min, max }, Antwoord::Getal(n)) => {
                if n < min || n > max {
                    Err(refused(
                        "antwoord_buiten_bereik",
                        format!("Geef een getal van {min} tot en met {max}."),
                    ))
                } else {
                    Ok(())
                }
            }
            (VraagSoort::Keuze { opties, meerdere }, Antwoord::Keuze(gekozen)) => {
                let ok = !gekozen.is_empty()
                    && (*meerdere || gekozen.len() == 1)
                    && gekozen.iter().all(|g| opties.contains(g))
                    && gekozen
                        .iter()
                        .enumerate()
                        .all(|(i, g)| !gekozen[..i].contains(g));
                if ok {
                    Ok(())
                } else {
                    Err(refused(
                        "antwoord_geen_optie",
                        "Kies uit de mogelijkheden die de vraag geeft.",
                    ))
                }
            }
            (VraagSoort::Tekst { max_tekens }, Antwoord::Tekst(t)) => {
                let bad = t.chars().any(|c| c.is_control() && c != '\n' && c != '\r');
                if t.chars().count() > *max_tekens as usize || bad {
                    Err(refused(
                        "antwoord_te_lang",
                        format!("Gebruik hoogstens {max_tekens} tekens, zonder stuurtekens."),
                    ))
                } else if m.vraag.verplicht && t.trim().is_empty() {
                    Err(refused("antwoord_leeg", "Deze vraag vraagt een antwoord."))
                } else {
                    Ok(())
                }
            }
            (VraagSoort::Foto { min, max }, Antwoord::Fotos(fotos)) => {
                let n = fotos.len() as u64;
                if n < u64::from(*min) || n > u64::from(*max) {
                    Err(refused(
                        "antwoord_aantal_fotos",
                        format!("Maak {min} tot en met {max} foto's."),
                    ))
                } else if !fotos.iter().all(|f| is_sha256(f)) {
                    Err(refused(
                        "foto_unknown",
                        "Een foto is niet (goed) ontvangen.",
                    ))
                } else {
                    Ok(())
                }
            }
            (VraagSoort::Meterstand { .. }, Antwoord::Meterstand { stand, foto }) => {
                if !is_meterstand(stand) {
                    Err(refused(
                        "meterstand_ongeldig",
                        "Geef de meterstand in cijfers, zoals hij op de meter staat (bijvoorbeeld 01234,567).",
                    ))
                } else if !is_sha256(foto) {
                    Err(refused("foto_unknown", "Maak ook een foto van de meter."))
                } else {
                    Ok(())
                }
            }
            _ => Err(mismatch()),
        }
    }

    /// The required questions asked now that have no answer yet, by key.
    pub fn open_vragen(&self, antwoorden: &Antwoorden) -> Vec<String> {
        self.momenten(antwoorden)
            .into_iter()
            .filter(|m| m.vraag.verplicht && !antwoorden.contains_key(&m.sleutel))
            .map(|m| m.sleutel)
            .collect()
    }
}

fn voorwaarde_geldt(v: &Voorwaarde, antwoorden: &Antwoorden) -> bool {
    match v {
        Voorwaarde::Is { vraag, antwoord } => match antwoorden.get(vraag) {
            Some(Antwoord::JaNee(b)) => (antwoord == "ja") == *b,
            Some(Antwoord::Keuze(k)) => k.contains(antwoord),
            _ => false,
        },
        Voorwaarde::GroterDan { vraag, waarde } => {
            matches!(antwoorden.get(vraag), Some(Antwoord::Getal(n)) if n > waarde)
        }
    }
}

/// At most this many strokes in one signature.
pub const MAX_STREPEN: usize = 100;
/// At most this many points in one signature, all strokes together (the entry body stays far
/// below its 64 KiB bound).
pub const MAX_PUNTEN: usize = 4000;

/// The client's signature drawn with a finger: strokes of points on a canvas of `breedte` ×
/// `hoogte` (pointer events as the app or page captured them), kept as vectors so it can be
/// drawn again at any size in the rapport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handtekening {
    pub breedte: u16,
    pub hoogte: u16,
    pub strepen: Vec<Vec<[u16; 2]>>,
}

impl Handtekening {
    /// Whether this is a drawn signature at all: some stroke with two points or more, every
    /// point on the canvas, and within the bounds.
    pub fn controleer(&self) -> Result<(), Weigering> {
        let punten: usize = self.strepen.iter().map(Vec::len).sum();
        let op_doek = self
            .strepen
            .iter()
            .flatten()
            .all(|[x, y]| *x <= self.breedte && *y <= self.hoogte);
        if self.breedte == 0 || self.hoogte == 0 || !op_doek {
            return Err(refused(
                "handtekening_buiten_tekenvlak",
                "De handtekening valt buiten het tekenvlak.",
            ));
        }
        if !self.strepen.iter().any(|s| s.len() >= 2) {
            return Err(refused(
                "handtekening_leeg",
                "Zet eerst uw handtekening met uw vinger.",
            ));
        }
        if self.strepen.len() > MAX_STREPEN || punten > MAX_PUNTEN {
            return Err(refused(
                "handtekening_te_groot",
                "De handtekening is te groot; wis hem en zet hem opnieuw.",
            ));
        }
        Ok(())
    }
}

impl Antwoord {
    /// The answer in words, as the console, the rapport and the CLI show it.
    pub fn woorden(&self) -> String {
        match self {
            Antwoord::JaNee(true) => "Ja".to_owned(),
            Antwoord::JaNee(false) => "Nee".to_owned(),
            Antwoord::Getal(n) => n.to_string(),
            Antwoord::Keuze(k) => k.join(", "),
            Antwoord::Tekst(t) => t.clone(),
            Antwoord::Fotos(f) if f.len() == 1 => "1 foto".to_owned(),
            Antwoord::Fotos(f) => format!("{} foto's", f.len()),
            Antwoord::Meterstand { stand, .. } => format!("Meterstand {stand}"),
        }
    }

    /// The photos this answer names (SHA-256 references).
    pub fn fotos(&self) -> Vec<&str> {
        match self {
            Antwoord::Fotos(f) => f.iter().map(String::as_str).collect(),
            Antwoord::Meterstand { foto, .. } => vec![foto.as_str()],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
