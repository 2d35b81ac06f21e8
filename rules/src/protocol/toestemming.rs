//! The informed-consent texts shown at the door (seed 001, Protocol huisbezoeken §2–§3), and the
//! SHA-256 version hash that proves which exact text was shown (BA2410: the burden of proof that
//! consent was informed lies with the municipality).

use ring::digest;
use serde::{Deserialize, Serialize};

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

/// An exact consent text and its version hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToestemmingsTekst {
    pub variant: Variant,
    pub tekst: String,
    /// SHA-256 of the UTF-8 bytes of `tekst`, lowercase hex.
    pub hash: String,
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

    /// A text of the organisation's own wording, hashed.
    pub fn new(variant: Variant, tekst: impl Into<String>) -> Self {
        let tekst = tekst.into();
        let hash = tekst_hash(&tekst);
        Self {
            variant,
            tekst,
            hash,
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
