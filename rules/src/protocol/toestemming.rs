//! The informed-consent texts shown at the door (seed 001, Protocol huisbezoeken §2–§3), and the
//! SHA-256 version hash that proves which exact text was shown (BA2410: the burden of proof that
//! consent was informed lies with the municipality).

use ring::digest;
use serde::{Deserialize, Serialize};

use crate::routekaart::Actie;

/// Which consent text applies; it follows from the grondslag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Concrete aanwijzing: refusal may have consequences for the benefit (seed 001 §2a, §3a).
    A,
    /// Doubt without concrete aanwijzing: refusal has no direct consequences (seed 001 §2b, §3b).
    B,
    /// Service visit (seed 001 §1, last sentences): no consequences at all.
    Dienstverlening,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::A => "a",
            Variant::B => "b",
            Variant::Dienstverlening => "dienstverlening",
        }
    }
}

/// Seed 001 §3a: reason and purpose, and that refusing to let the handhavers in may have
/// consequences for the benefit (art. 17 WWB, now Participatiewet). Every text says that the
/// answer is recorded and goes into the rapport in the klantdossier (seed 000: "dit rapport
/// [wordt] in het klantendossier toegevoegd"; seed 001 §3: "deugdelijk vastgelegd").
const TEKST_A: &str = "Wij zijn handhavers van de gemeente en hebben ons gelegitimeerd. \
Wij komen voor een huisbezoek omdat in uw dossier een concrete aanwijzing is vastgelegd dat uw \
woon- of gezinssituatie afwijkt van wat u heeft opgegeven. Wij hebben u de reden verteld. \
Het doel is vast te stellen wat uw werkelijke woon- en gezinssituatie is, zodat uw recht op \
bijstand juist wordt vastgesteld. U mag weigeren ons binnen te laten, en u mag uw toestemming \
op elk moment intrekken; dan gaan wij direct weg. Wij leggen uw toestemming of weigering en de \
reden van dit bezoek vast; dat komt in het rapport in uw klantdossier. U bent wel verplicht mee te werken aan het \
onderzoek naar uw recht op bijstand. Weigert u ons binnen te laten, dan kan dat gevolgen hebben \
voor uw recht op bijstand, bijvoorbeeld weigering of intrekking van de bijstand. \
Voor het openen van kasten of lades, het maken van foto's en het betreden van de kamer van een \
andere bewoner vragen wij apart toestemming. Geeft u ons toestemming om uw woning te betreden?";

/// Seed 001 §3b: reason and purpose, and that not cooperating has no direct consequences; the
/// rights and the duties (seed 001 §1: "duidelijk geïnformeerd worden over zijn rechten en
/// plichten"): the inlichtingenplicht stays.
const TEKST_B: &str = "Wij zijn handhavers van de gemeente en hebben ons gelegitimeerd. \
Wij komen voor een huisbezoek omdat er twijfel is over uw woon- of gezinssituatie; er is geen \
concrete aanwijzing dat die afwijkt van wat u heeft opgegeven. Wij hebben u de reden verteld. \
Het doel is vast te stellen wat uw werkelijke woon- en gezinssituatie is, zodat uw recht op \
bijstand juist wordt vastgesteld. U mag weigeren ons binnen te laten, en u mag uw toestemming \
op elk moment intrekken; dan gaan wij direct weg. Wij leggen uw toestemming of weigering en de \
reden van dit bezoek vast; dat komt in het rapport in uw klantdossier. Niet meewerken aan dit \
huisbezoek heeft geen directe gevolgen voor uw bijstand. U bent wel verplicht ons alle \
informatie te geven die van belang is voor uw recht op bijstand, en wijzigingen in uw woon- of \
gezinssituatie door te geven. \
Voor het openen van kasten of lades, het maken van foto's en het betreden van de kamer van een \
andere bewoner vragen wij apart toestemming. Geeft u ons toestemming om uw woning te betreden?";

/// Seed 001 §1: a visit as a service, by appointment; no consequences.
const TEKST_DIENSTVERLENING: &str = "Wij zijn medewerkers van de gemeente en hebben ons \
gelegitimeerd. Wij komen, zoals met u afgesproken, bij u thuis omdat u niet zelf naar het \
gemeentehuis kunt komen. Wij hebben u het doel van het bezoek verteld. U mag weigeren ons binnen \
te laten, en u mag uw toestemming op elk moment intrekken; dat heeft geen gevolgen voor uw \
bijstand. Wij leggen uw toestemming of weigering vast in uw klantdossier. Geeft u ons toestemming om uw woning te betreden?";

/// The digital tour (seed 004: under oranje and rood only through the huisbezoek-app; issue 16
/// §2): the client shows the home with the camera and takes the photos the vragenlijst asks for
/// themselves, so no separate consent for photos is asked, and the text says so, with what the
/// camera will show and what is recorded. Otherwise the same elements as the visit in person.
const RONDGANG: &str = "U laat uw woning zelf zien met de camera van uw telefoon of van onze \
tablet, en u beantwoordt de vragen van de vragenlijst. De camera laat alleen zien wat u ons \
toont; de foto's die de vragenlijst vraagt, maakt u zelf, daarvoor vragen wij niet apart \
toestemming. Uw antwoorden, uw foto's en uw handtekening leggen wij vast. U mag op elk moment \
stoppen.";

const TEKST_A_DIGITAAL: &str = "Wij zijn handhavers van de gemeente en hebben ons gelegitimeerd. \
Wij doen een huisbezoek via de app omdat in uw dossier een concrete aanwijzing is vastgelegd dat \
uw woon- of gezinssituatie afwijkt van wat u heeft opgegeven. Wij hebben u de reden verteld. \
Het doel is vast te stellen wat uw werkelijke woon- en gezinssituatie is, zodat uw recht op \
bijstand juist wordt vastgesteld. ";

const TEKST_A_DIGITAAL_SLOT: &str = " U mag weigeren, en u mag uw toestemming op elk moment \
intrekken; dan stopt de rondgang direct. Wij leggen uw toestemming of weigering en de reden van \
dit bezoek vast; dat komt in het rapport in uw klantdossier. U bent wel verplicht mee te werken \
aan het onderzoek naar uw recht op bijstand. Weigert u, dan kan dat gevolgen hebben voor uw \
recht op bijstand, bijvoorbeeld weigering of intrekking van de bijstand. Geeft u ons \
toestemming voor deze rondgang?";

const TEKST_B_DIGITAAL: &str = "Wij zijn handhavers van de gemeente en hebben ons gelegitimeerd. \
Wij doen een huisbezoek via de app omdat er twijfel is over uw woon- of gezinssituatie; er is \
geen concrete aanwijzing dat die afwijkt van wat u heeft opgegeven. Wij hebben u de reden \
verteld. Het doel is vast te stellen wat uw werkelijke woon- en gezinssituatie is, zodat uw \
recht op bijstand juist wordt vastgesteld. ";

const TEKST_B_DIGITAAL_SLOT: &str = " U mag weigeren, en u mag uw toestemming op elk moment \
intrekken; dan stopt de rondgang direct. Wij leggen uw toestemming of weigering en de reden van \
dit bezoek vast; dat komt in het rapport in uw klantdossier. Niet meewerken aan dit huisbezoek \
heeft geen directe gevolgen voor uw bijstand. U bent wel verplicht ons alle informatie te geven \
die van belang is voor uw recht op bijstand, en wijzigingen in uw woon- of gezinssituatie door \
te geven. Geeft u ons toestemming voor deze rondgang?";

const TEKST_DIENSTVERLENING_DIGITAAL: &str = "Wij zijn medewerkers van de gemeente en hebben \
ons gelegitimeerd. Zoals met u afgesproken doen wij het bezoek via de app, omdat u niet zelf \
naar het gemeentehuis kunt komen. Wij hebben u het doel van het bezoek verteld. ";

const TEKST_DIENSTVERLENING_DIGITAAL_SLOT: &str = " U mag weigeren, en u mag uw toestemming op \
elk moment intrekken; dat heeft geen gevolgen voor uw bijstand. Wij leggen uw toestemming of \
weigering vast in uw klantdossier. Geeft u ons toestemming voor deze rondgang?";

/// An exact consent text and its version hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToestemmingsTekst {
    pub variant: Variant,
    pub tekst: String,
    /// SHA-256 of the UTF-8 bytes of `tekst`, lowercase hex.
    pub hash: String,
    /// For the digital tour of a `huisbezoek_app` (the client shows the home with the camera)
    /// rather than a visit in person.
    #[serde(default)]
    pub digitaal: bool,
}

impl ToestemmingsTekst {
    /// The built-in text of a variant. An organisation may show its own wording: the event
    /// records the exact text and its hash either way.
    pub fn standaard(variant: Variant) -> Self {
        let tekst = match variant {
            Variant::A => TEKST_A,
            Variant::B => TEKST_B,
            Variant::Dienstverlening => TEKST_DIENSTVERLENING,
        };
        Self::new(variant, tekst)
    }

    /// The built-in text of a variant for the digital tour of a `huisbezoek_app`: what the
    /// camera shows, that the client takes the photos, what is recorded.
    pub fn standaard_digitaal(variant: Variant) -> Self {
        let (begin, slot) = match variant {
            Variant::A => (TEKST_A_DIGITAAL, TEKST_A_DIGITAAL_SLOT),
            Variant::B => (TEKST_B_DIGITAAL, TEKST_B_DIGITAAL_SLOT),
            Variant::Dienstverlening => (
                TEKST_DIENSTVERLENING_DIGITAAL,
                TEKST_DIENSTVERLENING_DIGITAAL_SLOT,
            ),
        };
        Self::new_digitaal(variant, format!("{begin}{RONDGANG}{slot}"))
    }

    /// The built-in text for a visit of `actie`: the digital one for `huisbezoek_app`.
    pub fn standaard_voor(variant: Variant, actie: Actie) -> Self {
        if is_digitaal(actie) {
            Self::standaard_digitaal(variant)
        } else {
            Self::standaard(variant)
        }
    }

    /// A text of the organisation's own wording, hashed.
    pub fn new(variant: Variant, tekst: impl Into<String>) -> Self {
        let tekst = tekst.into();
        let hash = tekst_hash(&tekst);
        Self {
            variant,
            tekst,
            hash,
            digitaal: false,
        }
    }

    /// A text of the organisation's own wording for the digital tour, hashed.
    pub fn new_digitaal(variant: Variant, tekst: impl Into<String>) -> Self {
        Self {
            digitaal: true,
            ..Self::new(variant, tekst)
        }
    }

    /// The `toestemming_gevraagd` event that records this text being shown, with the concrete
    /// aanleiding told at the door (seed 001 §3: "volledige en juiste informatie over de
    /// aanleiding").
    pub fn event(&self, aanleiding: impl Into<String>) -> super::Event {
        super::Event::ToestemmingGevraagd {
            variant: self.variant,
            tekst: self.tekst.clone(),
            tekst_hash: self.hash.clone(),
            aanleiding: aanleiding.into(),
            tolk: None,
        }
    }
}

/// Whether consent for a visit of `actie` is asked for the digital tour (seed 004: the
/// huisbezoek-app) rather than for entering in person.
pub fn is_digitaal(actie: Actie) -> bool {
    actie == Actie::HuisbezoekApp
}

/// SHA-256 (lowercase hex) of the exact text.
pub fn tekst_hash(tekst: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, tekst.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_hex_of_exact_text() {
        // Known SHA-256 of "abc".
        assert_eq!(
            tekst_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = ToestemmingsTekst::standaard(Variant::A);
        assert_eq!(a.hash, tekst_hash(&a.tekst));
        assert_ne!(a.hash, tekst_hash(&format!("{} ", a.tekst)));
    }

    #[test]
    fn variants_say_what_seed_001_requires() {
        let a = ToestemmingsTekst::standaard(Variant::A).tekst;
        assert!(a.contains("concrete aanwijzing"));
        assert!(a.contains("gevolgen hebben") && a.contains("recht op bijstand"));
        assert!(a.contains("verplicht mee te werken"));
        let b = ToestemmingsTekst::standaard(Variant::B).tekst;
        assert!(b.contains("geen directe gevolgen"));
        assert!(b.contains("geen concrete aanwijzing"));
        let d = ToestemmingsTekst::standaard(Variant::Dienstverlening).tekst;
        assert!(d.contains("geen gevolgen"));
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let t = ToestemmingsTekst::standaard(v).tekst;
            assert!(t.contains("intrekken"), "{v:?} must mention withdrawal");
            assert!(
                t.contains("weigeren"),
                "{v:?} must mention the right to refuse"
            );
        }
        let hashes: std::collections::HashSet<_> =
            [Variant::A, Variant::B, Variant::Dienstverlening]
                .into_iter()
                .map(|v| ToestemmingsTekst::standaard(v).hash)
                .collect();
        assert_eq!(hashes.len(), 3);
    }

    /// Seed 000 ("dit rapport [wordt] in het klantendossier toegevoegd") and seed 001 §3 ("dat
    /// de toestemming van de bewoner deugdelijk wordt vastgelegd"): every text tells the person
    /// that the answer, consent or refusal, is recorded in the klantdossier.
    #[test]
    fn seed_000_and_001_s3_every_text_says_the_answer_is_recorded_in_the_klantdossier() {
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let t = ToestemmingsTekst::standaard(v).tekst;
            assert!(
                t.contains("toestemming of weigering") && t.contains("vast"),
                "{v:?} must say consent or refusal is recorded"
            );
            assert!(
                t.contains("klantdossier"),
                "{v:?} must name the klantdossier"
            );
        }
        for v in [Variant::A, Variant::B] {
            let t = ToestemmingsTekst::standaard(v).tekst;
            assert!(
                t.contains("rapport in uw klantdossier"),
                "{v:?}: the rapport goes into the klantdossier"
            );
        }
    }

    /// Issue 16 §2, §5: the digital tour's texts say what the camera shows, that the client takes
    /// the photos (so no separate consent for them), that answers are recorded and that the
    /// client may stop; and the consequences of their variant, like the texts in person.
    #[test]
    fn the_digital_texts_say_what_the_camera_shows_and_who_takes_the_photos() {
        for v in [Variant::A, Variant::B, Variant::Dienstverlening] {
            let d = ToestemmingsTekst::standaard_digitaal(v);
            assert!(d.digitaal && d.hash == tekst_hash(&d.tekst));
            assert!(d.tekst.contains("camera") && d.tekst.contains("maakt u zelf"));
            assert!(d.tekst.contains("niet apart"));
            assert!(d.tekst.contains("stoppen") && d.tekst.contains("klantdossier"));
            assert_ne!(d.hash, ToestemmingsTekst::standaard(v).hash);
            assert_eq!(
                ToestemmingsTekst::standaard_voor(v, Actie::HuisbezoekApp),
                d
            );
            assert!(!ToestemmingsTekst::standaard_voor(v, Actie::Huisbezoek).digitaal);
        }
        assert!(ToestemmingsTekst::standaard_digitaal(Variant::A)
            .tekst
            .contains("gevolgen hebben"));
        assert!(ToestemmingsTekst::standaard_digitaal(Variant::B)
            .tekst
            .contains("geen directe gevolgen"));
    }

    /// Seed 001 §1: "De belanghebbende moet altijd duidelijk geïnformeerd worden over zijn
    /// rechten en plichten"; variant B too names the duties, not only the right to refuse.
    #[test]
    fn seed_001_s1_variant_b_names_rights_and_duties() {
        let b = ToestemmingsTekst::standaard(Variant::B).tekst;
        assert!(b.contains("U mag weigeren") && b.contains("intrekken"));
        assert!(b.contains("verplicht"), "variant B must name the duties");
        assert!(b.contains("informatie te geven"));
        assert!(b.contains("wijzigingen"));
        // Still no consequence of not cooperating with the visit itself (§3b).
        assert!(b.contains("geen directe gevolgen"));
    }
}
