//! The consent texts an organisation approved (issue 15 point 3; seed 001 §1–§3; CRvB
//! 11-04-2007 BA2410): only a text on this list may be shown at the door. A correct hash proves
//! which text was shown, not that it informed the client; the list does.
//!
//! The defaults are the built-in texts of [`ToestemmingsTekst::standaard`]. An organisation may
//! write its own (TOML, `docs/toestemmingsteksten.md`; they travel in the signed policy bundle):
//! a variant with texts of its own no longer accepts the built-in one, and every own text must
//! name what seed 001 requires of its variant, checked when the file is loaded, so an incomplete
//! text never reaches a device.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::toestemming::is_digitaal;
use super::{Event, ProtocolError, ToestemmingsTekst, Variant};
use crate::routekaart::Actie;
use crate::tekstpositie::regel_kolom;
use crate::Notice;

/// Most texts a file may hold (the list travels in every policy bundle).
pub const MAX_TEKSTEN: usize = 20;
/// Longest text accepted, in characters: it is read aloud at the door.
pub const MAX_TEKST_TEKENS: usize = 4000;
/// Largest file accepted, in bytes.
pub const MAX_BESTAND_BYTES: usize = 64 * 1024;

/// One element a consent text must name: what it is (in Dutch, for the error) and the words
/// any of which shows it is there (compared in lower case).
struct Element {
    wat: &'static str,
    woorden: &'static [&'static str],
}

const fn element(wat: &'static str, woorden: &'static [&'static str]) -> Element {
    Element { wat, woorden }
}

/// Every variant (seed 001 §3; Awbi art. 1; seed 000 and §3 "deugdelijk vastgelegd").
const ALGEMEEN: &[Element] = &[
    element(
        "dat de medewerkers zich hebben gelegitimeerd",
        &["gelegitimeerd"],
    ),
    element("het doel van het bezoek", &["doel"]),
    element("het recht om te weigeren", &["weigeren"]),
    element(
        "dat de toestemming op elk moment kan worden ingetrokken",
        &["intrekken", "ingetrokken"],
    ),
    element(
        "dat toestemming of weigering wordt vastgelegd in het klantdossier",
        &["klantdossier"],
    ),
    element("de vraag om toestemming", &["toestemming"]),
];

/// Variant A, concrete aanwijzing (seed 001 §2a, §3a): the reason, the duty to cooperate and
/// that refusal may have consequences for the benefit.
const VARIANT_A: &[Element] = &[
    element("de reden van het bezoek", &["reden", "aanleiding"]),
    element(
        "dat weigeren gevolgen kan hebben voor de bijstand",
        &["gevolgen hebben", "gevolgen kan hebben"],
    ),
    element("de plicht om mee te werken", &["verplicht"]),
];

/// Variant B, twijfel (seed 001 §1, §2b, §3b): the reason, no direct consequences, and the
/// duties that stay ("rechten en plichten").
const VARIANT_B: &[Element] = &[
    element("de reden van het bezoek", &["reden", "aanleiding"]),
    element(
        "dat niet meewerken geen directe gevolgen heeft",
        &["geen directe gevolgen"],
    ),
    element("de plichten van de cliënt", &["verplicht"]),
];

/// Dienstverlening (seed 001 §1): no consequences at all.
const DIENSTVERLENING: &[Element] = &[element(
    "dat weigeren geen gevolgen heeft",
    &["geen gevolgen"],
)];

/// The digital tour (issue 16 §2, §5): what the camera shows, and that the client takes the
/// photos (so no separate consent for photos is asked; the text must say so).
const DIGITAAL: &[Element] = &[
    element("wat de camera laat zien", &["camera"]),
    element("dat de cliënt de foto's zelf maakt", &["zelf"]),
];

/// Words a variant's text must not say: A must not promise that refusing costs nothing; B and
/// dienstverlening must not threaten with consequences they do not have (seed 001 §3b).
fn misleidend(variant: Variant) -> &'static [&'static str] {
    match variant {
        Variant::A => &["geen gevolgen", "geen directe gevolgen"],
        Variant::B | Variant::Dienstverlening => &[
            "kan dat gevolgen hebben",
            "gevolgen kan hebben",
            "intrekking van de bijstand",
        ],
    }
}

fn vereist(variant: Variant, digitaal: bool) -> impl Iterator<Item = &'static Element> {
    let eigen = match variant {
        Variant::A => VARIANT_A,
        Variant::B => VARIANT_B,
        Variant::Dienstverlening => DIENSTVERLENING,
    };
    let rondgang: &[Element] = if digitaal { DIGITAAL } else { &[] };
    ALGEMEEN.iter().chain(eigen).chain(rondgang)
}

/// The three variants, each in person and for the digital tour.
const SOORTEN: [(Variant, bool); 6] = [
    (Variant::A, false),
    (Variant::B, false),
    (Variant::Dienstverlening, false),
    (Variant::A, true),
    (Variant::B, true),
    (Variant::Dienstverlening, true),
];

fn ingebouwd(variant: Variant, digitaal: bool) -> ToestemmingsTekst {
    if digitaal {
        ToestemmingsTekst::standaard_digitaal(variant)
    } else {
        ToestemmingsTekst::standaard(variant)
    }
}

/// What `tekst` fails to say, or says wrongly, for `variant` (and for the digital tour when
/// `digitaal`), in Dutch; empty when complete.
pub fn gebreken(variant: Variant, digitaal: bool, tekst: &str) -> Vec<String> {
    let klein = tekst.to_lowercase();
    let mut uit: Vec<String> = vereist(variant, digitaal)
        .filter(|e| !e.woorden.iter().any(|w| klein.contains(w)))
        .map(|e| format!("de tekst noemt niet {}", e.wat))
        .collect();
    uit.extend(
        misleidend(variant)
            .iter()
            .filter(|w| klein.contains(*w))
            .map(|w| {
                format!(
                    "de tekst zegt '{w}', wat bij variant {} niet klopt",
                    variant.as_str()
                )
            }),
    );
    uit
}

/// One problem in a consent-text file, at a line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regel {line}, kolom {column}: {message}")]
pub struct TekstFout {
    pub line: usize,
    pub column: usize,
    pub soort: FoutSoort,
    pub message: String,
}

/// What kind of problem a [`TekstFout`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoutSoort {
    /// The file is no valid list: syntax, unknown key or variant, too large, too long.
    Bestand,
    /// A text misses what its variant must say, or says what does not fit it.
    Onvolledig,
}

impl TekstFout {
    pub fn code(&self) -> &'static str {
        match self.soort {
            FoutSoort::Bestand => "toestemmingsteksten_invalid",
            FoutSoort::Onvolledig => "toestemmingstekst_onvolledig",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// Every problem found, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct TekstFouten(pub Vec<TekstFout>);

impl TekstFouten {
    /// The first problem's code: `toestemmingsteksten_invalid` for a file that does not read,
    /// `toestemmingstekst_onvolledig` for a text that misses what its variant requires.
    pub fn code(&self) -> &'static str {
        self.0
            .first()
            .map_or("toestemmingsteksten_invalid", TekstFout::code)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBestand {
    #[serde(default)]
    tekst: Vec<Spanned<RawTekst>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTekst {
    variant: Spanned<String>,
    tekst: Spanned<String>,
    #[serde(default)]
    digitaal: bool,
}

/// The approved consent texts of an organisation, in the order shown: the first text of a
/// variant is the one a device shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toestemmingsteksten {
    teksten: Vec<ToestemmingsTekst>,
}

impl Default for Toestemmingsteksten {
    fn default() -> Self {
        Self::standaard()
    }
}

impl Toestemmingsteksten {
    /// The built-in texts of the three variants, in person and for the digital tour.
    pub fn standaard() -> Self {
        Self {
            teksten: SOORTEN.into_iter().map(|(v, d)| ingebouwd(v, d)).collect(),
        }
    }

    /// The organisation's file (`docs/toestemmingsteksten.md`); empty means the built-in texts.
    /// Refused whole, every problem at its line, when it does not read, holds too much, or a
    /// text misses an element its variant requires.
    pub fn van_organisatie(toml_tekst: &str) -> Result<Self, TekstFouten> {
        if toml_tekst.trim().is_empty() {
            return Ok(Self::standaard());
        }
        let fout = |offset: usize, soort: FoutSoort, message: String| {
            let (line, column) = regel_kolom(toml_tekst, offset);
            TekstFout {
                line,
                column,
                soort,
                message,
            }
        };
        if toml_tekst.len() > MAX_BESTAND_BYTES {
            return Err(TekstFouten(vec![fout(
                0,
                FoutSoort::Bestand,
                format!("het bestand is te groot (hoogstens {MAX_BESTAND_BYTES} bytes)"),
            )]));
        }
        let raw: RawBestand = toml::from_str(toml_tekst).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            TekstFouten(vec![fout(
                offset,
                FoutSoort::Bestand,
                e.message().to_owned(),
            )])
        })?;
        let mut fouten = Vec::new();
        if raw.tekst.is_empty() {
            fouten.push(fout(
                0,
                FoutSoort::Bestand,
                "het bestand bevat geen [[tekst]]; laat het leeg voor de ingebouwde teksten".into(),
            ));
        }
        if raw.tekst.len() > MAX_TEKSTEN {
            fouten.push(fout(
                raw.tekst[MAX_TEKSTEN].span().start,
                FoutSoort::Bestand,
                format!("te veel teksten (hoogstens {MAX_TEKSTEN})"),
            ));
        }
        let mut eigen = Vec::new();
        for t in raw.tekst.iter().take(MAX_TEKSTEN) {
            let t = t.get_ref();
            let variant = match t.variant.get_ref().as_str() {
                "a" => Variant::A,
                "b" => Variant::B,
                "dienstverlening" => Variant::Dienstverlening,
                other => {
                    fouten.push(fout(
                        t.variant.span().start,
                        FoutSoort::Bestand,
                        format!("onbekende variant '{other}': kies a, b of dienstverlening"),
                    ));
                    continue;
                }
            };
            let tekst = t.tekst.get_ref().trim();
            let at = t.tekst.span().start;
            if tekst.chars().count() > MAX_TEKST_TEKENS {
                fouten.push(fout(
                    at,
                    FoutSoort::Bestand,
                    format!("de tekst is te lang (hoogstens {MAX_TEKST_TEKENS} tekens)"),
                ));
                continue;
            }
            if tekst.chars().any(|c| c.is_control() && c != '\n') {
                fouten.push(fout(
                    at,
                    FoutSoort::Bestand,
                    "de tekst bevat stuurtekens".into(),
                ));
                continue;
            }
            for gebrek in gebreken(variant, t.digitaal, tekst) {
                fouten.push(fout(
                    at,
                    FoutSoort::Onvolledig,
                    format!(
                        "variant {}{}: {gebrek} (protocol huisbezoeken §3)",
                        variant.as_str(),
                        if t.digitaal { " (digitaal)" } else { "" }
                    ),
                ));
            }
            eigen.push(if t.digitaal {
                ToestemmingsTekst::new_digitaal(variant, tekst)
            } else {
                ToestemmingsTekst::new(variant, tekst)
            });
        }
        if !fouten.is_empty() {
            return Err(TekstFouten(fouten));
        }
        // A variant with texts of its own (in person, or for the digital tour) takes only
        // those; the others keep the built-in one.
        let mut teksten = eigen;
        for (v, d) in SOORTEN {
            if !teksten.iter().any(|t| t.variant == v && t.digitaal == d) {
                teksten.push(ingebouwd(v, d));
            }
        }
        Ok(Self { teksten })
    }

    /// Every approved text.
    pub fn alle(&self) -> &[ToestemmingsTekst] {
        &self.teksten
    }

    /// The text a device shows for `variant` in a visit of `actie` (the digital tour's for a
    /// `huisbezoek_app`): the organisation's first, else the built-in one.
    pub fn te_tonen(&self, variant: Variant, actie: Actie) -> ToestemmingsTekst {
        let digitaal = is_digitaal(actie);
        self.teksten
            .iter()
            .find(|t| t.variant == variant && t.digitaal == digitaal)
            .cloned()
            .unwrap_or_else(|| ingebouwd(variant, digitaal))
    }

    /// Whether the exact text with `hash` is approved for `variant` in a visit of `actie`.
    pub fn is_goedgekeurd(&self, variant: Variant, actie: Actie, hash: &str) -> bool {
        let digitaal = is_digitaal(actie);
        self.teksten
            .iter()
            .any(|t| t.variant == variant && t.digitaal == digitaal && t.hash == hash)
    }

    /// Refuses a new `toestemming_gevraagd` whose text is not on the list for the visit's
    /// `actie` (a text for entering in person is no consent to a digital tour, nor the other
    /// way round); other events pass. Only for new recordings: a document recorded under an
    /// earlier list stays readable.
    pub fn controleer(&self, event: &Event, actie: Actie) -> Result<(), ProtocolError> {
        match event {
            Event::ToestemmingGevraagd {
                variant,
                tekst_hash,
                ..
            } if !self.is_goedgekeurd(*variant, actie, tekst_hash) => {
                Err(ProtocolError::ToestemmingstekstNietGoedgekeurd {
                    variant: variant.as_str(),
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EIGEN_A: &str = "Goedendag. Wij zijn handhavers van de gemeente en hebben ons \
gelegitimeerd. De reden van ons bezoek is een concrete aanwijzing in uw dossier. Het doel is uw \
woonsituatie vast te stellen. U mag weigeren en uw toestemming altijd intrekken. U bent verplicht \
mee te werken aan het onderzoek; weigert u, dan kan dat gevolgen hebben voor uw bijstand. Uw \
toestemming of weigering komt in het rapport in uw klantdossier. Geeft u toestemming?";

    fn bestand(variant: &str, tekst: &str) -> String {
        format!("[[tekst]]\nvariant = \"{variant}\"\ntekst = \"\"\"\n{tekst}\"\"\"\n")
    }

    /// Issue 15 point 3: any text with a correct hash passed as variant A. Only an approved
    /// text may be asked with (seed 001 §3; BA2410: the municipality proves consent was
    /// informed).
    #[test]
    fn seed_001_s3_a_text_with_a_correct_hash_that_is_not_approved_is_refused() {
        let lijst = Toestemmingsteksten::standaard();
        let kort = ToestemmingsTekst::new(Variant::A, "Mogen wij even binnenkomen?");
        let err = lijst
            .controleer(&kort.event("Een tip."), Actie::Huisbezoek)
            .unwrap_err();
        assert_eq!(err.code(), "toestemmingstekst_niet_goedgekeurd");
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let ingebouwd = ToestemmingsTekst::standaard(v);
            assert!(
                lijst
                    .controleer(&ingebouwd.event("Reden."), Actie::Huisbezoek)
                    .is_ok(),
                "{v:?}"
            );
        }
        // The built-in A text asked as variant B is not B's approved text.
        let a_als_b = ToestemmingsTekst {
            variant: Variant::B,
            ..ToestemmingsTekst::standaard(Variant::A)
        };
        assert!(lijst
            .controleer(&a_als_b.event("Reden."), Actie::Huisbezoek)
            .is_err());
    }

    /// The built-in texts meet every element seed 001 requires of their variant.
    #[test]
    fn seed_001_the_built_in_texts_are_complete() {
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let t = ToestemmingsTekst::standaard(v);
            assert_eq!(gebreken(v, false, &t.tekst), Vec::<String>::new(), "{v:?}");
            let d = ToestemmingsTekst::standaard_digitaal(v);
            assert_eq!(
                gebreken(v, true, &d.tekst),
                Vec::<String>::new(),
                "{v:?} digitaal"
            );
        }
        assert_eq!(
            Toestemmingsteksten::van_organisatie("  \n").unwrap(),
            Toestemmingsteksten::standaard()
        );
    }

    /// An organisation's own text replaces the built-in one of its variant; the others stay.
    #[test]
    fn an_own_text_replaces_the_built_in_text_of_its_variant() {
        let lijst = Toestemmingsteksten::van_organisatie(&bestand("a", EIGEN_A)).unwrap();
        let eigen = ToestemmingsTekst::new(Variant::A, EIGEN_A);
        assert_eq!(lijst.te_tonen(Variant::A, Actie::Huisbezoek), eigen);
        assert!(lijst.is_goedgekeurd(Variant::A, Actie::Huisbezoek, &eigen.hash));
        let ingebouwd_a = ToestemmingsTekst::standaard(Variant::A);
        assert!(!lijst.is_goedgekeurd(Variant::A, Actie::Huisbezoek, &ingebouwd_a.hash));
        assert_eq!(
            lijst.te_tonen(Variant::B, Actie::Huisbezoek),
            ToestemmingsTekst::standaard(Variant::B)
        );
    }

    /// Issue 16 §2, §5: a digital tour asks consent with a text for the digital tour (what the
    /// camera shows, that the client takes the photos); a text for entering in person is no
    /// consent to it, nor the other way round; an own digital text that does not say so is
    /// refused when loaded.
    #[test]
    fn a_digital_tour_takes_only_a_digital_text() {
        let lijst = Toestemmingsteksten::standaard();
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let fysiek = ToestemmingsTekst::standaard(v).event("Reden.");
            let digitaal = ToestemmingsTekst::standaard_digitaal(v).event("Reden.");
            assert!(lijst.controleer(&digitaal, Actie::HuisbezoekApp).is_ok());
            assert!(lijst.controleer(&fysiek, Actie::HuisbezoekApp).is_err());
            assert!(lijst.controleer(&digitaal, Actie::Huisbezoek).is_err());
            assert_eq!(
                lijst.te_tonen(v, Actie::HuisbezoekApp),
                ToestemmingsTekst::standaard_digitaal(v)
            );
        }
        let src = format!("{}digitaal = true\n", bestand("a", EIGEN_A));
        let err = Toestemmingsteksten::van_organisatie(&src).unwrap_err();
        assert_eq!(err.code(), "toestemmingstekst_onvolledig");
        let text = err.to_string();
        assert!(text.contains("camera") && text.contains("zelf"), "{text}");
        let met_camera =
            format!("{EIGEN_A} U laat de woning zien met de camera; de foto's maakt u zelf.");
        let src = format!("{}digitaal = true\n", bestand("a", &met_camera));
        let lijst = Toestemmingsteksten::van_organisatie(&src).unwrap();
        assert!(lijst
            .te_tonen(Variant::A, Actie::HuisbezoekApp)
            .tekst
            .contains("camera"));
        // The text in person of variant A stays the built-in one.
        assert_eq!(
            lijst.te_tonen(Variant::A, Actie::Huisbezoek),
            ToestemmingsTekst::standaard(Variant::A)
        );
    }

    /// Seed 001 §3a: an own variant-A text that leaves out the consequences and the duty to
    /// cooperate is refused when loaded, with its line and every missing element.
    #[test]
    fn seed_001_s3a_an_incomplete_own_text_is_refused_at_its_line() {
        let src = format!(
            "# eigen teksten\n{}",
            bestand("a", "Wij zijn gelegitimeerd. Mogen wij even binnenkomen?")
        );
        let err = Toestemmingsteksten::van_organisatie(&src).unwrap_err();
        assert_eq!(err.code(), "toestemmingstekst_onvolledig");
        assert!(err.0.iter().all(|f| f.line == 4), "{err}");
        let s = err.to_string();
        for wat in [
            "het doel",
            "recht om te weigeren",
            "ingetrokken",
            "klantdossier",
            "gevolgen",
            "mee te werken",
            "reden",
        ] {
            assert!(s.contains(wat), "{wat} missing from: {s}");
        }
    }

    /// Seed 001 §3b: a variant-B text may not threaten with consequences, and an A text may
    /// not promise that refusing costs nothing.
    #[test]
    fn seed_001_s3b_a_text_saying_the_wrong_consequences_is_refused() {
        let b_met_dreiging = ToestemmingsTekst::standaard(Variant::B).tekst
            + " Weigert u, dan kan dat gevolgen hebben voor uw bijstand.";
        let err = Toestemmingsteksten::van_organisatie(&bestand("b", &b_met_dreiging)).unwrap_err();
        assert!(err.to_string().contains("niet klopt"), "{err}");
        let a_zonder = EIGEN_A.replace(
            "dan kan dat gevolgen hebben voor uw bijstand",
            "dat heeft geen gevolgen, maar het kan gevolgen hebben",
        );
        assert!(Toestemmingsteksten::van_organisatie(&bestand("a", &a_zonder)).is_err());
    }

    /// Seed 001 §1 ("rechten en plichten"): an own variant-B text must name the duties.
    #[test]
    fn seed_001_s1_an_own_b_text_without_the_duties_is_refused() {
        let zonder = ToestemmingsTekst::standaard(Variant::B)
            .tekst
            .replace("U bent wel verplicht", "Wij vragen u");
        let err = Toestemmingsteksten::van_organisatie(&bestand("b", &zonder)).unwrap_err();
        assert!(err.to_string().contains("plichten"), "{err}");
    }

    #[test]
    fn a_file_that_does_not_read_is_refused_with_its_position() {
        for (src, deel) in [
            (
                "[[tekst]]\nvariant = \"c\"\ntekst = \"x\"\n",
                "onbekende variant",
            ),
            ("[[tekst]]\nvariant = \"a\"\n", "tekst"),
            (
                "[[tekst]]\nvariant = \"a\"\ntekst = \"x\"\nkleur = 1\n",
                "kleur",
            ),
            ("titel = 1\n", "titel"),
            ("# alleen commentaar\n[x", ""),
        ] {
            let err = Toestemmingsteksten::van_organisatie(src).unwrap_err();
            assert_eq!(err.code(), "toestemmingsteksten_invalid", "{src}");
            assert!(err.to_string().contains(deel), "{src}: {err}");
        }
        let te_veel = bestand("a", EIGEN_A).repeat(MAX_TEKSTEN + 1);
        let err = Toestemmingsteksten::van_organisatie(&te_veel).unwrap_err();
        assert!(err.to_string().contains("te veel"), "{err}");
        let te_lang = bestand("a", &EIGEN_A.repeat(30));
        assert!(Toestemmingsteksten::van_organisatie(&te_lang).is_err());
    }

    proptest::proptest! {
        /// Whatever a file holds, loading it answers and never panics.
        #[test]
        fn loading_never_panics(src in ".{0,400}") {
            let _ = Toestemmingsteksten::van_organisatie(&src);
        }
    }
}
