//! The client's digital tour through the facade (issue 16 §4, §5): the questions as asked now,
//! answers and the finger signature as FFI values, and klantmodus, which locks the device to one
//! tour until the handhaver's code unlocks it.

use veldwerk_device::{Klantmodus, Rondgang, RondgangVraag};
use veldwerk_rules::vragenlijst::{self, VraagSoort};

/// An answer as the app enters it (the core's `vragenlijst::Antwoord`). Photos are the
/// references `put_photo` returned.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Antwoord {
    JaNee { waarde: bool },
    Getal { waarde: i64 },
    Keuze { gekozen: Vec<String> },
    Tekst { tekst: String },
    Fotos { fotos: Vec<String> },
    Meterstand { stand: String, foto: String },
}

impl From<Antwoord> for vragenlijst::Antwoord {
    fn from(a: Antwoord) -> Self {
        match a {
            Antwoord::JaNee { waarde } => vragenlijst::Antwoord::JaNee(waarde),
            Antwoord::Getal { waarde } => vragenlijst::Antwoord::Getal(waarde),
            Antwoord::Keuze { gekozen } => vragenlijst::Antwoord::Keuze(gekozen),
            Antwoord::Tekst { tekst } => vragenlijst::Antwoord::Tekst(tekst),
            Antwoord::Fotos { fotos } => vragenlijst::Antwoord::Fotos(fotos),
            Antwoord::Meterstand { stand, foto } => {
                vragenlijst::Antwoord::Meterstand { stand, foto }
            }
        }
    }
}

impl From<vragenlijst::Antwoord> for Antwoord {
    fn from(a: vragenlijst::Antwoord) -> Self {
        match a {
            vragenlijst::Antwoord::JaNee(waarde) => Antwoord::JaNee { waarde },
            vragenlijst::Antwoord::Getal(waarde) => Antwoord::Getal { waarde },
            vragenlijst::Antwoord::Keuze(gekozen) => Antwoord::Keuze { gekozen },
            vragenlijst::Antwoord::Tekst(tekst) => Antwoord::Tekst { tekst },
            vragenlijst::Antwoord::Fotos(fotos) => Antwoord::Fotos { fotos },
            vragenlijst::Antwoord::Meterstand { stand, foto } => {
                Antwoord::Meterstand { stand, foto }
            }
        }
    }
}

/// One point of a stroke, on the canvas of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Punt {
    pub x: u16,
    pub y: u16,
}

/// The client's signature as strokes drawn with a finger on a `breedte` × `hoogte` canvas.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Handtekening {
    pub breedte: u16,
    pub hoogte: u16,
    pub strepen: Vec<Vec<Punt>>,
}

impl From<Handtekening> for vragenlijst::Handtekening {
    fn from(h: Handtekening) -> Self {
        vragenlijst::Handtekening {
            breedte: h.breedte,
            hoogte: h.hoogte,
            strepen: h
                .strepen
                .into_iter()
                .map(|s| s.into_iter().map(|p| [p.x, p.y]).collect())
                .collect(),
        }
    }
}

/// One question as asked now, with what the screen needs to ask it and the answer so far.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TourVraag {
    /// The key to answer under (`id`, or `id#n` for repetition n).
    pub sleutel: String,
    pub tekst: String,
    /// `ja_nee`, `getal`, `keuze`, `tekst`, `foto` or `meterstand`.
    pub soort: String,
    pub verplicht: bool,
    pub herhaling: Option<u32>,
    /// For `getal` the bounds, for `foto` the number of photos, for `tekst` the length.
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// For `keuze`.
    pub opties: Vec<String>,
    pub meerdere: bool,
    /// For `meterstand`.
    pub eenheid: Option<String>,
    pub antwoord: Option<Antwoord>,
}

impl From<RondgangVraag> for TourVraag {
    fn from(v: RondgangVraag) -> Self {
        let (soort, min, max, opties, meerdere, eenheid) = match v.soort {
            VraagSoort::JaNee => ("ja_nee", None, None, Vec::new(), false, None),
            VraagSoort::Getal { min, max } => {
                ("getal", Some(min), Some(max), Vec::new(), false, None)
            }
            VraagSoort::Keuze { opties, meerdere } => ("keuze", None, None, opties, meerdere, None),
            VraagSoort::Tekst { max_tekens } => (
                "tekst",
                None,
                Some(i64::from(max_tekens)),
                Vec::new(),
                false,
                None,
            ),
            VraagSoort::Foto { min, max } => (
                "foto",
                Some(i64::from(min)),
                Some(i64::from(max)),
                Vec::new(),
                false,
                None,
            ),
            VraagSoort::Meterstand { eenheid } => {
                ("meterstand", None, None, Vec::new(), false, Some(eenheid))
            }
        };
        TourVraag {
            sleutel: v.sleutel,
            tekst: v.tekst,
            soort: soort.to_owned(),
            verplicht: v.verplicht,
            herhaling: v.herhaling,
            min,
            max,
            opties,
            meerdere,
            eenheid,
            antwoord: v.antwoord.map(Into::into),
        }
    }
}

/// The client's tour: the list in force, the questions asked now, what is still open, and who
/// signed, once signed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tour {
    pub vragenlijst: String,
    pub versie: u32,
    pub titel: String,
    pub uitleg: String,
    pub vragen: Vec<TourVraag>,
    pub open: Vec<String>,
    pub ondertekend_door: Option<String>,
}

impl From<Rondgang> for Tour {
    fn from(r: Rondgang) -> Self {
        Tour {
            vragenlijst: r.vragenlijst,
            versie: r.versie,
            titel: r.titel,
            uitleg: r.uitleg,
            vragen: r.vragen.into_iter().map(Into::into).collect(),
            open: r.open,
            ondertekend_door: r.ondertekend_door,
        }
    }
}

/// The visit the device is locked to in klantmodus.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KlantmodusInfo {
    pub zaak_id: String,
    pub visit_id: String,
}

impl From<Klantmodus> for KlantmodusInfo {
    fn from(k: Klantmodus) -> Self {
        KlantmodusInfo {
            zaak_id: k.zaak_id,
            visit_id: k.visit_id,
        }
    }
}
