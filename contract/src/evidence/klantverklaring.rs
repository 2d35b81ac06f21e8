//! What the client stated on their own phone in the digital huisbezoek (issue 16 §2;
//! `server/docs/app-sessie.md`), signed by the client in the browser and recorded by the
//! handhaver's device as an entry of the visit.
//!
//! The browser makes an Ed25519 key for one app-sessie; when the client enters the right
//! verification code the server binds that key to the session, zaak and visit ([`Binding`]) and
//! signs the binding with the organisation key. The client signs every statement with the session
//! key: the canonical JSON of `{bezoek, gebeurtenis, n, sessie, tekst_hash}` ([`statement_bytes`]),
//! where `gebeurtenis` holds exactly the event's keys the client decides ([`client_keys`]). The
//! device records the event with its own fields (`door`, `rol`, …) and, beside them under
//! [`KLANTVERKLARING`], the binding and both signatures. [`check`] proves that the entry's event
//! is what the client signed, so neither the handhaver nor the server can alter an answer, swap a
//! photo, or make up a statement without the session key.

use chrono::{DateTime, SecondsFormat, Utc};
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use veldwerk_rules::protocol::Event;

use super::{canonical_json, event_body, Entry, InvalidEvent};

/// The body key of an entry recorded from the client's statement.
pub const KLANTVERKLARING: &str = "klantverklaring";

/// What the organisation key signs before a binding's canonical JSON, so that no other signature
/// of that key (a policy bundle, a key list) can be passed off as a binding.
const BINDING_DOMAIN: &[u8] = b"veldwerk-app-sessie-binding-v1\n";

/// The server's statement that `sleutel` is the key the client made for `sessie` of visit
/// `bezoek` in zaak `zaak`, bound when the client entered the right code at `gebonden_om`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub sessie: String,
    pub zaak: String,
    pub bezoek: String,
    /// The raw 32-byte Ed25519 public key made in the browser, lowercase hex.
    pub sleutel: String,
    /// RFC 3339 in UTC with milliseconds, kept as text so it signs the same after a round trip.
    pub gebonden_om: String,
}

/// The client's proof beside the event in an entry's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Klantverklaring {
    pub binding: Binding,
    /// Ed25519 of the organisation key over [`binding_bytes`], lowercase hex.
    pub binding_handtekening: String,
    /// The statement's number in the session (1, 2, …).
    pub n: u64,
    /// SHA-256 of the consent text the page showed.
    pub tekst_hash: String,
    /// Ed25519 of the session key over [`statement_bytes`], lowercase hex.
    pub handtekening: String,
}

/// Why an entry's client statement does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KlantverklaringFout {
    #[error("De verklaring van de cliënt is onleesbaar: {0}")]
    Onleesbaar(String),
    #[error("Een {0} komt nooit van de cliënt zelf.")]
    NietVanKlant(String),
    #[error("De koppeling van de sessiesleutel is niet door de organisatie ondertekend.")]
    BindingOngeldig,
    #[error("De sessiesleutel is gekoppeld aan een ander bezoek of een andere zaak.")]
    AnderBezoek,
    #[error("Wat is vastgelegd, is niet wat de cliënt heeft ondertekend (gewijzigd, of zonder de sessiesleutel gemaakt).")]
    HandtekeningOngeldig,
}

impl KlantverklaringFout {
    pub fn code(&self) -> &'static str {
        "klantverklaring_ongeldig"
    }
}

/// The event keys the client decides for each kind of statement; `None`: that kind never comes
/// from the client. The handhaver's device adds the rest (`door`, `rol`, `leeftijd`, …).
pub fn client_keys(soort: &str) -> Option<&'static [&'static str]> {
    Some(match soort {
        "toestemming_gegeven" | "toestemming_ingetrokken" => &["soort"],
        "toestemming_geweigerd" => &["soort", "gewezen_op_gevolgen"],
        "vraag_beantwoord" => &["soort", "vragenlijst", "versie", "sleutel", "antwoord"],
        "vragenlijst_ondertekend" => &["soort", "handtekening"],
        _ => return None,
    })
}

/// The client's part of an event: exactly its [`client_keys`].
pub fn gebeurtenis_of(event: &Event) -> Result<Value, KlantverklaringFout> {
    let value =
        serde_json::to_value(event).map_err(|e| KlantverklaringFout::Onleesbaar(e.to_string()))?;
    restrict(&value)
}

fn restrict(value: &Value) -> Result<Value, KlantverklaringFout> {
    let soort = value.get("soort").and_then(Value::as_str).unwrap_or("");
    let keys = client_keys(soort).ok_or_else(|| KlantverklaringFout::NietVanKlant(soort.into()))?;
    let mut out = Map::new();
    for key in keys {
        let v = value.get(*key).ok_or_else(|| {
            KlantverklaringFout::Onleesbaar(format!("'{key}' ontbreekt in de gebeurtenis"))
        })?;
        out.insert((*key).to_owned(), v.clone());
    }
    Ok(Value::Object(out))
}

/// The bytes the client signs: canonical JSON of the statement.
pub fn statement_bytes(
    sessie: &str,
    bezoek: &str,
    n: u64,
    tekst_hash: &str,
    gebeurtenis: &Value,
) -> Vec<u8> {
    let statement = serde_json::json!({
        "bezoek": bezoek,
        "gebeurtenis": gebeurtenis,
        "n": n,
        "sessie": sessie,
        "tekst_hash": tekst_hash,
    });
    canonical_json(&statement).into_bytes()
}

/// The bytes the organisation key signs for a binding.
pub fn binding_bytes(binding: &Binding) -> Vec<u8> {
    let value = serde_json::to_value(binding).unwrap_or(Value::Null);
    let mut out = BINDING_DOMAIN.to_vec();
    out.extend_from_slice(canonical_json(&value).as_bytes());
    out
}

/// A binding's time as it is signed.
pub fn binding_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Signs a binding with the organisation key: lowercase hex.
pub fn sign_binding(binding: &Binding, org_key: &Ed25519KeyPair) -> String {
    hex::encode(org_key.sign(&binding_bytes(binding)))
}

/// Whether `signature_hex` is `public_key_hex`'s Ed25519 signature over `message`.
pub fn signed_by(public_key_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(public_key_hex), hex::decode(signature_hex)) else {
        return false;
    };
    key.len() == 32
        && UnparsedPublicKey::new(&ED25519, &key)
            .verify(message, &sig)
            .is_ok()
}

/// An entry's body for `event` recorded from the client's statement `verklaring`.
pub fn event_body_with_klantverklaring(
    event: &Event,
    verklaring: &Klantverklaring,
) -> Result<String, InvalidEvent> {
    let invalid = |e: serde_json::Error| InvalidEvent {
        entry_id: String::new(),
        detail: e.to_string(),
    };
    let mut value: Value = serde_json::from_str(&event_body(event)?).map_err(invalid)?;
    if let Value::Object(map) = &mut value {
        map.insert(
            KLANTVERKLARING.to_owned(),
            serde_json::to_value(verklaring).map_err(invalid)?,
        );
    }
    Ok(canonical_json(&value))
}

impl Entry {
    /// The client's statement this entry was recorded from, if any (not yet checked).
    pub fn klantverklaring(&self) -> Result<Option<Klantverklaring>, KlantverklaringFout> {
        let body: Value = serde_json::from_str(&self.body)
            .map_err(|e| KlantverklaringFout::Onleesbaar(e.to_string()))?;
        match body.get(KLANTVERKLARING) {
            None => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| KlantverklaringFout::Onleesbaar(e.to_string())),
        }
    }
}

/// Checks an entry of zaak `zaak_id` recorded from a client's statement: the organisation signed
/// the binding of the session key to this zaak and visit, and the session key signed exactly the
/// client's part of the entry's event. `Ok(None)`: the entry holds no client statement.
pub fn check(
    entry: &Entry,
    zaak_id: &str,
    org_public_key: &[u8],
) -> Result<Option<Klantverklaring>, KlantverklaringFout> {
    let Some(verklaring) = entry.klantverklaring()? else {
        return Ok(None);
    };
    let body: Value = serde_json::from_str(&entry.body)
        .map_err(|e| KlantverklaringFout::Onleesbaar(e.to_string()))?;
    verify(&body, &entry.visit_id, zaak_id, &verklaring, org_public_key)?;
    Ok(Some(verklaring))
}

/// Checks that `verklaring` proves `event` (as JSON: an entry's body or an event about to be
/// recorded) was stated by the client in a session of visit `visit_id` of zaak `zaak_id`.
pub fn verify(
    event: &Value,
    visit_id: &str,
    zaak_id: &str,
    verklaring: &Klantverklaring,
    org_public_key: &[u8],
) -> Result<(), KlantverklaringFout> {
    let binding = &verklaring.binding;
    let org_ok = UnparsedPublicKey::new(&ED25519, org_public_key)
        .verify(
            &binding_bytes(binding),
            &hex::decode(&verklaring.binding_handtekening).unwrap_or_default(),
        )
        .is_ok();
    if !org_ok {
        return Err(KlantverklaringFout::BindingOngeldig);
    }
    if binding.bezoek != visit_id || binding.zaak != zaak_id {
        return Err(KlantverklaringFout::AnderBezoek);
    }
    let gebeurtenis = restrict(event)?;
    let bytes = statement_bytes(
        &binding.sessie,
        &binding.bezoek,
        verklaring.n,
        &verklaring.tekst_hash,
        &gebeurtenis,
    );
    if !signed_by(&binding.sleutel, &bytes, &verklaring.handtekening) {
        return Err(KlantverklaringFout::HandtekeningOngeldig);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;
    use veldwerk_rules::vragenlijst::Antwoord;

    fn pair() -> Ed25519KeyPair {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap()
    }

    fn answer(stand: &str) -> Event {
        Event::VraagBeantwoord {
            vragenlijst: "woonsituatie".into(),
            versie: 1,
            sleutel: "watermeter".into(),
            antwoord: Antwoord::Meterstand {
                stand: stand.into(),
                foto: "ab".repeat(32),
            },
            door: "J. Jansen".into(),
        }
    }

    /// An entry as the device records it from the client's statement `signed` (what the client
    /// signed), carrying `recorded` (what the device put in the entry).
    fn entry(
        org: &Ed25519KeyPair,
        client: &Ed25519KeyPair,
        signed: &Event,
        recorded: &Event,
    ) -> Entry {
        let binding = Binding {
            sessie: "s1".into(),
            zaak: "z1".into(),
            bezoek: "v1".into(),
            sleutel: hex::encode(client.public_key().as_ref()),
            gebonden_om: binding_time(Utc::now()),
        };
        let gebeurtenis = gebeurtenis_of(signed).unwrap();
        let bytes = statement_bytes("s1", "v1", 3, &"cd".repeat(32), &gebeurtenis);
        let verklaring = Klantverklaring {
            binding_handtekening: sign_binding(&binding, org),
            binding,
            n: 3,
            tekst_hash: "cd".repeat(32),
            handtekening: hex::encode(client.sign(&bytes).as_ref()),
        };
        Entry {
            entry_id: "e1".into(),
            visit_id: "v1".into(),
            device_id: "d1".into(),
            key_id: "k".into(),
            format: 1,
            seq: 1,
            recorded_at: Utc::now(),
            prev_hash: String::new(),
            signature: String::new(),
            policy: crate::evidence::PolicyContext {
                actie: veldwerk_rules::routekaart::Actie::HuisbezoekApp,
                allowed: true,
                confirmed_conditions: vec![],
                policy_version: 1,
                code: veldwerk_rules::routekaart::Code::Rood,
                policy_synced_at: None,
            },
            body: event_body_with_klantverklaring(recorded, &verklaring).unwrap(),
        }
    }

    #[test]
    fn issue_16_a_recorded_statement_checks_and_its_event_reads() {
        let (org, client) = (pair(), pair());
        let e = entry(&org, &client, &answer("01234,5"), &answer("01234,5"));
        let v = check(&e, "z1", org.public_key().as_ref()).unwrap().unwrap();
        assert_eq!(v.n, 3);
        assert_eq!(e.event().unwrap(), answer("01234,5"));
    }

    #[test]
    fn issue_16_an_answer_altered_after_the_client_signed_is_refused() {
        let (org, client) = (pair(), pair());
        let e = entry(&org, &client, &answer("01234,5"), &answer("00001,0"));
        assert_eq!(
            check(&e, "z1", org.public_key().as_ref()),
            Err(KlantverklaringFout::HandtekeningOngeldig)
        );
    }

    #[test]
    fn issue_16_the_devices_own_fields_are_not_the_clients() {
        let (org, client) = (pair(), pair());
        let mut other = answer("01234,5");
        if let Event::VraagBeantwoord { door, .. } = &mut other {
            *door = "iemand anders".into();
        }
        let e = entry(&org, &client, &answer("01234,5"), &other);
        assert!(check(&e, "z1", org.public_key().as_ref()).is_ok());
    }

    #[test]
    fn issue_16_a_key_the_organisation_did_not_bind_is_refused() {
        let (org, client, stranger) = (pair(), pair(), pair());
        let e = entry(&stranger, &client, &answer("1"), &answer("1"));
        assert_eq!(
            check(&e, "z1", org.public_key().as_ref()),
            Err(KlantverklaringFout::BindingOngeldig)
        );
        let e = entry(&org, &client, &answer("1"), &answer("1"));
        assert_eq!(
            check(&e, "another zaak", org.public_key().as_ref()),
            Err(KlantverklaringFout::AnderBezoek)
        );
    }

    #[test]
    fn issue_16_a_handhavers_step_cannot_be_passed_off_as_the_clients() {
        assert!(client_keys("waarneming").is_none());
        assert!(client_keys("binnentreden").is_none());
        assert_eq!(
            client_keys("toestemming_geweigerd"),
            Some(&["soort", "gewezen_op_gevolgen"][..])
        );
    }

    #[test]
    fn an_entry_without_a_statement_has_none() {
        let (org, client) = (pair(), pair());
        let mut e = entry(&org, &client, &answer("1"), &answer("1"));
        e.body = event_body(&answer("1")).unwrap();
        assert_eq!(check(&e, "z1", org.public_key().as_ref()), Ok(None));
    }
}
