//! The app-sessie: the digital huisbezoek on the client's own phone (issue 16 §2 and §3;
//! `server/docs/app-sessie.md`). The handhaver's device starts a session of one visit; the
//! client opens the one-time link, enters the verification code, and the browser's session key is
//! bound to the session (signed with the organisation key); every statement the client then makes
//! is checked here — signed with that key, in the order the protocol allows, each answer against
//! the vragenlijst in force — and kept for the device, which records it in the zaak. The handhaver
//! may send hints; either side may end it. Everything lives in the store, so any server instance
//! answers any request. SQL only here.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::{DateTime, TimeZone, Utc};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};
use veldwerk_contract::api::{
    AppHint, AppSessieGestart, AppSessieRequest, AppSessieStand, AppVerklaring,
};
use veldwerk_contract::evidence::canonical_json;
use veldwerk_contract::evidence::klantverklaring::{
    binding_time, client_keys, gebeurtenis_of, sign_binding, signed_by, statement_bytes, Binding,
};
use veldwerk_rules::protocol::{Event, Variant};
use veldwerk_rules::routekaart::Actie;
use veldwerk_rules::vragenlijst::{Antwoord, Antwoorden, Vragenlijst};

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::org::Organisation;
use crate::{audit, params, photos, policy};

/// How long a link works when the device does not say.
pub const STANDAARD_GELDIG_SECONDEN: u32 = 15 * 60;
/// The shortest and longest validity a device may ask.
pub const GELDIG_SECONDEN: std::ops::RangeInclusive<u32> = 5..=3600;
/// Wrong codes before the session ends.
pub const MAX_FOUTE_CODES: i64 = 5;
/// At most this many statements, photos and hints in one session.
pub const MAX_VERKLARINGEN: u64 = 500;
pub const MAX_FOTOS: i64 = 100;
pub const MAX_HINTS: i64 = 100;
/// The largest photo the page may upload.
pub const MAX_FOTO_BYTES: usize = 8 << 20;
/// The longest hint, in characters.
pub const MAX_HINT_TEKENS: usize = 500;

/// One session as stored.
struct Rij {
    id: String,
    device_id: String,
    zaak_id: String,
    visit_id: String,
    variant: String,
    tekst: String,
    tekst_hash: String,
    code_hash: String,
    expires_at: i64,
    sleutel: Option<String>,
    binding: Option<String>,
    binding_handtekening: Option<String>,
    geheim_hash: Option<String>,
    ended_at: Option<i64>,
    einde: Option<String>,
}

const KOLOMMEN: &str = "id, device_id, zaak_id, visit_id, variant, tekst, tekst_hash, code_hash, \
     expires_at, sleutel, binding, binding_handtekening, geheim_hash, ended_at, einde";

fn rij(r: &crate::db::Row<'_>) -> Result<Rij> {
    Ok(Rij {
        id: r.get(0)?,
        device_id: r.get(1)?,
        zaak_id: r.get(2)?,
        visit_id: r.get(3)?,
        variant: r.get(4)?,
        tekst: r.get(5)?,
        tekst_hash: r.get(6)?,
        code_hash: r.get(7)?,
        expires_at: r.get(8)?,
        sleutel: r.get(9)?,
        binding: r.get(10)?,
        binding_handtekening: r.get(11)?,
        geheim_hash: r.get(12)?,
        ended_at: r.get(13)?,
        einde: r.get(14)?,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes))
}

fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Crypto("no randomness".into()))?;
    Ok(hex::encode(bytes))
}

/// A uniformly drawn 6-digit code.
fn random_code() -> Result<String> {
    loop {
        let mut b = [0u8; 4];
        SystemRandom::new()
            .fill(&mut b)
            .map_err(|_| Error::Crypto("no randomness".into()))?;
        let n = u32::from_le_bytes(b);
        // Reject the top sliver so every code is equally likely.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

fn unknown() -> Error {
    Error::not_found(
        "app_sessie_unknown",
        "Deze link bestaat niet. Vraag de handhaver om een nieuwe link.",
    )
}

/// Why a session no longer takes anything, in words for the client.
pub fn einde_woorden(einde: &str) -> &'static str {
    match einde {
        "toestemming_geweigerd" => "U heeft geen toestemming gegeven.",
        "toestemming_ingetrokken" => "U bent gestopt.",
        "vragenlijst_ondertekend" => "U heeft uw antwoorden ondertekend en verstuurd.",
        "handhaver" => "De handhaver heeft de sessie beëindigd.",
        "verlopen" => "De link is verlopen.",
        "te_veel_pogingen" => "De code is te vaak verkeerd ingevuld.",
        _ => "De sessie is beëindigd.",
    }
}

fn beeindigd(r: &Rij) -> Error {
    let woorden = einde_woorden(r.einde.as_deref().unwrap_or(""));
    match r.einde.as_deref() {
        Some("verlopen") => Error::refused(
            StatusCode::GONE,
            "app_sessie_verlopen",
            "Deze link is verlopen. Vraag de handhaver om een nieuwe link.",
        ),
        _ => Error::refused(
            StatusCode::GONE,
            "app_sessie_beeindigd",
            format!("Deze sessie is beëindigd. {woorden}"),
        ),
    }
}

fn end(tx: &Tx<'_>, r: &Rij, einde: &str, at: i64) -> Result<()> {
    tx.execute(
        "UPDATE app_sessies SET ended_at = ?1, einde = ?2 WHERE id = ?3 AND ended_at IS NULL",
        params![at, einde, r.id],
    )?;
    audit::append(
        tx,
        at,
        "systeem",
        "app_sessie_ended",
        &json!({ "sessie": r.id, "zaak_id": r.zaak_id, "bezoek": r.visit_id, "einde": einde }),
    )?;
    Ok(())
}

/// The session open for requests at `at`: not ended, not expired (an expired one is ended now;
/// the caller must commit, so this returns the refusal as a value).
fn open(tx: &Tx<'_>, r: &mut Rij, at: i64) -> Result<std::result::Result<(), Error>> {
    if r.ended_at.is_some() {
        return Ok(Err(beeindigd(r)));
    }
    if at >= r.expires_at {
        end(tx, r, "verlopen", at)?;
        r.ended_at = Some(at);
        r.einde = Some("verlopen".into());
        return Ok(Err(beeindigd(r)));
    }
    Ok(Ok(()))
}

fn by_token(tx: &Tx<'_>, token: &str) -> Result<Rij> {
    if token.len() != 64 || !photos::is_sha256_hex(token) {
        return Err(unknown());
    }
    tx.query_opt(
        &format!("SELECT {KOLOMMEN} FROM app_sessies WHERE token_hash = ?1"),
        params![sha256_hex(token.as_bytes())],
        rij,
    )?
    .ok_or_else(unknown)
}

fn by_device(tx: &Tx<'_>, device_id: &str, sessie: &str) -> Result<Rij> {
    let r = tx
        .query_opt(
            &format!("SELECT {KOLOMMEN} FROM app_sessies WHERE id = ?1"),
            params![sessie],
            rij,
        )?
        .ok_or_else(unknown)?;
    // Another device's session answers as one that does not exist.
    if r.device_id != device_id {
        return Err(unknown());
    }
    Ok(r)
}

/// Starts a session for the device's visit: checks the zaak is the device's and the text an
/// approved consent text for a digital tour; the link token and code are returned once, and only
/// their hashes kept.
pub fn start(
    tx: &Tx<'_>,
    device_id: &str,
    req: &AppSessieRequest,
    at: i64,
) -> Result<AppSessieGestart> {
    photos::check_access(tx, device_id, &req.zaak_id)?;
    if req.visit_id.is_empty()
        || req.visit_id.len() > 64
        || !req
            .visit_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::bad_request(
            "visit_unknown",
            "Het bezoek is onbekend.",
        ));
    }
    if req.variant == Variant::Dienstverlening {
        return Err(Error::bad_request(
            "app_sessie_niet_mogelijk",
            "Een sessie op de telefoon van de cliënt is er alleen voor een huisbezoek met variant A of B.",
        ));
    }
    let teksten = policy::toestemmingsteksten(tx)?;
    if sha256_hex(req.tekst.as_bytes()) != req.tekst_hash
        || !teksten.is_goedgekeurd(req.variant, Actie::HuisbezoekApp, &req.tekst_hash)
    {
        return Err(Error::bad_request(
            "toestemmingstekst_niet_goedgekeurd",
            "De toestemmingstekst is geen goedgekeurde tekst voor een huisbezoek via de app.",
        ));
    }
    let geldig = req.geldig_seconden.unwrap_or(STANDAARD_GELDIG_SECONDEN);
    if !GELDIG_SECONDEN.contains(&geldig) {
        return Err(Error::bad_request(
            "app_sessie_geldigheid_ongeldig",
            format!(
                "Een link werkt {} seconden tot {} minuten.",
                GELDIG_SECONDEN.start(),
                GELDIG_SECONDEN.end() / 60
            ),
        ));
    }
    let id = random_hex(16)?;
    let token = random_hex(32)?;
    let code = random_code()?;
    let expires_at = at + i64::from(geldig);
    let variant = serde_json::to_value(req.variant)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    tx.execute(
        "INSERT INTO app_sessies (id, token_hash, code_hash, device_id, zaak_id, visit_id, variant,
             tekst, tekst_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            sha256_hex(token.as_bytes()),
            sha256_hex(format!("{id}:{code}").as_bytes()),
            device_id,
            req.zaak_id,
            req.visit_id,
            variant,
            req.tekst,
            req.tekst_hash,
            at,
            expires_at
        ],
    )?;
    audit::append(
        tx,
        at,
        device_id,
        "app_sessie_started",
        &json!({ "sessie": id, "zaak_id": req.zaak_id, "bezoek": req.visit_id }),
    )?;
    Ok(AppSessieGestart {
        sessie: id,
        pad: format!("/k/{token}"),
        code,
        verloopt_om: time(expires_at),
    })
}

/// What the page gets once the code is right.
pub struct Gekoppeld {
    pub sessie: String,
    pub bezoek: String,
    pub geheim: String,
    pub verloopt_om: DateTime<Utc>,
    pub vragenlijst: Vragenlijst,
    pub variant: String,
    pub tekst: String,
    pub tekst_hash: String,
}

/// The outcome of entering a code: kept as a value so a wrong code is counted (committed).
pub enum Koppeling {
    Gekoppeld(Box<Gekoppeld>),
    Geweigerd(Error),
}

/// The client enters `code` and offers the browser's public key `sleutel` (hex): the first
/// right code binds it, and the link cannot be used again; [`MAX_FOUTE_CODES`] wrong ones end
/// the session.
pub fn koppel(
    tx: &Tx<'_>,
    org: &Organisation,
    token: &str,
    code: &str,
    sleutel: &str,
    at: i64,
) -> Result<Koppeling> {
    let mut r = by_token(tx, token)?;
    if let Err(e) = open(tx, &mut r, at)? {
        return Ok(Koppeling::Geweigerd(e));
    }
    if r.sleutel.is_some() {
        return Ok(Koppeling::Geweigerd(Error::refused(
            StatusCode::GONE,
            "app_sessie_gebruikt",
            "Deze link is al gebruikt. Vraag de handhaver om een nieuwe link.",
        )));
    }
    let key_ok = hex::decode(sleutel).is_ok_and(|k| k.len() == 32);
    if !key_ok {
        return Err(Error::bad_request(
            "public_key_invalid",
            "De sleutel van deze browser is ongeldig (verwacht 32 bytes Ed25519, hexadecimaal).",
        ));
    }
    let code = code.trim();
    if sha256_hex(format!("{}:{code}", r.id).as_bytes()) != r.code_hash {
        tx.execute(
            "UPDATE app_sessies SET wrong_codes = wrong_codes + 1 WHERE id = ?1",
            params![r.id],
        )?;
        let wrong: i64 = tx.query_row(
            "SELECT wrong_codes FROM app_sessies WHERE id = ?1",
            params![r.id],
            |row| row.get(0),
        )?;
        if wrong >= MAX_FOUTE_CODES {
            end(tx, &r, "te_veel_pogingen", at)?;
            return Ok(Koppeling::Geweigerd(Error::refused(
                StatusCode::GONE,
                "app_sessie_beeindigd",
                "De code is te vaak verkeerd ingevuld. Vraag de handhaver om een nieuwe link.",
            )));
        }
        let over = MAX_FOUTE_CODES - wrong;
        return Ok(Koppeling::Geweigerd(Error::refused(
            StatusCode::FORBIDDEN,
            "verificatiecode_onjuist",
            format!(
                "De code klopt niet. Kijk nog eens op het scherm van de handhaver. U kunt het nog {over} keer proberen."
            ),
        )));
    }
    let geheim = random_hex(32)?;
    let binding = Binding {
        sessie: r.id.clone(),
        zaak: r.zaak_id.clone(),
        bezoek: r.visit_id.clone(),
        sleutel: sleutel.to_ascii_lowercase(),
        gebonden_om: binding_time(Utc::now()),
    };
    let handtekening = sign_binding(&binding, &org.key);
    let binding_json = serde_json::to_string(&binding).map_err(|e| Error::Data(e.to_string()))?;
    tx.execute(
        "UPDATE app_sessies SET sleutel = ?1, binding = ?2, binding_handtekening = ?3,
             geheim_hash = ?4, bound_at = ?5 WHERE id = ?6",
        params![
            binding.sleutel,
            binding_json,
            handtekening,
            sha256_hex(geheim.as_bytes()),
            at,
            r.id
        ],
    )?;
    audit::append(
        tx,
        at,
        "cliënt",
        "app_sessie_bound",
        &json!({ "sessie": r.id, "zaak_id": r.zaak_id, "bezoek": r.visit_id, "sleutel": binding.sleutel }),
    )?;
    Ok(Koppeling::Gekoppeld(Box::new(Gekoppeld {
        sessie: r.id,
        bezoek: r.visit_id,
        geheim,
        verloopt_om: time(r.expires_at),
        vragenlijst: policy::vragenlijst(tx)?,
        variant: r.variant,
        tekst: r.tekst,
        tekst_hash: r.tekst_hash,
    })))
}

/// The session of a page request that carries the session's secret; `Err` inside: refused, to
/// be committed (an expiry is recorded).
fn for_client(
    tx: &Tx<'_>,
    token: &str,
    geheim: &str,
    at: i64,
) -> Result<std::result::Result<Rij, Error>> {
    let mut r = by_token(tx, token)?;
    let right = r
        .geheim_hash
        .as_deref()
        .is_some_and(|h| h == sha256_hex(geheim.as_bytes()));
    if !right {
        return Ok(Err(Error::refused(
            StatusCode::UNAUTHORIZED,
            "sessie_geheim_onjuist",
            "Deze pagina hoort niet bij deze sessie. Open de link opnieuw of vraag de handhaver om een nieuwe.",
        )));
    }
    Ok(open(tx, &mut r, at)?.map(|()| r))
}

/// Whether a page request with `geheim` may go on (read-only: refusals are only told).
pub fn check_client(tx: &Tx<'_>, token: &str, geheim: &str, at: i64) -> Result<()> {
    let r = by_token(tx, token)?;
    let right = r
        .geheim_hash
        .as_deref()
        .is_some_and(|h| h == sha256_hex(geheim.as_bytes()));
    if !right {
        return Err(Error::refused(
            StatusCode::UNAUTHORIZED,
            "sessie_geheim_onjuist",
            "Deze pagina hoort niet bij deze sessie.",
        ));
    }
    if r.ended_at.is_some() {
        return Err(beeindigd(&r));
    }
    if at >= r.expires_at {
        return Err(Error::refused(
            StatusCode::GONE,
            "app_sessie_verlopen",
            "Deze link is verlopen. Vraag de handhaver om een nieuwe link.",
        ));
    }
    Ok(())
}

/// The statements stored so far, in order.
fn verklaringen(tx: &Tx<'_>, sessie: &str) -> Result<Vec<AppVerklaring>> {
    let rows = tx.query_map(
        "SELECT n, inhoud, handtekening, at FROM app_sessie_berichten
         WHERE sessie_id = ?1 AND soort = 'verklaring' ORDER BY n",
        params![sessie],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<i64>(3)?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .map(|(n, inhoud, handtekening, at)| AppVerklaring {
            n: u64::try_from(n).unwrap_or(0),
            gebeurtenis: serde_json::from_str(&inhoud).unwrap_or(Value::Null),
            handtekening,
            ontvangen_om: time(at),
        })
        .collect())
}

fn hints(tx: &Tx<'_>, sessie: &str, after: u64) -> Result<Vec<AppHint>> {
    let rows = tx.query_map(
        "SELECT n, inhoud, door, at FROM app_sessie_berichten
         WHERE sessie_id = ?1 AND soort = 'hint' AND n > ?2 ORDER BY n",
        params![sessie, i64::try_from(after).unwrap_or(i64::MAX)],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<i64>(3)?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .map(|(n, tekst, door, at)| AppHint {
            n: u64::try_from(n).unwrap_or(0),
            tekst,
            door,
            om: time(at),
        })
        .collect())
}

fn niet_nu(message: impl Into<String>) -> Error {
    Error::refused(StatusCode::CONFLICT, "verklaring_niet_nu", message)
}

fn ongeldig(message: impl Into<String>) -> Error {
    Error::bad_request("verklaring_ongeldig", message)
}

/// The client's part as the device will record it: the full event with the device's fields
/// filled in, so the types are checked and the part signs the same after the round trip.
fn als_gebeurtenis(gebeurtenis: &Value) -> Result<Event> {
    let Value::Object(map) = gebeurtenis else {
        return Err(ongeldig("De verklaring is geen JSON-object."));
    };
    let soort = map.get("soort").and_then(Value::as_str).unwrap_or("");
    let Some(keys) = client_keys(soort) else {
        return Err(ongeldig(format!(
            "Een '{}' komt niet van de cliënt.",
            soort.chars().take(40).collect::<String>()
        )));
    };
    let given: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let wanted: BTreeSet<&str> = keys.iter().copied().collect();
    if given != wanted {
        return Err(ongeldig(format!(
            "Een '{soort}' heeft precies deze velden: {}.",
            keys.join(", ")
        )));
    }
    let mut full = map.clone();
    full.insert("door".into(), Value::String("cliënt".into()));
    if soort.starts_with("toestemming_") {
        full.insert("rol".into(), Value::String("bewoner".into()));
    }
    let event: Event = serde_json::from_value(Value::Object(full))
        .map_err(|e| ongeldig(format!("De verklaring is ongeldig: {e}")))?;
    let part = gebeurtenis_of(&event).map_err(|e| ongeldig(e.to_string()))?;
    if canonical_json(&part) != canonical_json(gebeurtenis) {
        return Err(ongeldig(
            "De verklaring is niet in de vorm die wordt vastgelegd (bijvoorbeeld een getal als 1.0).",
        ));
    }
    Ok(event)
}

/// What a statement changed.
pub struct Ontvangen {
    pub n: u64,
    pub beeindigd: bool,
}

/// A statement of the client: signed with the session key, the next in order, allowed now (consent
/// first; answers after consent and before the signature; every answer fitting its question, its
/// photos uploaded; the signature only with every required question answered). A refusal,
/// withdrawal or signature ends the session.
#[allow(clippy::too_many_arguments)]
pub fn verklaring(
    tx: &Tx<'_>,
    token: &str,
    geheim: &str,
    n: u64,
    gebeurtenis: &Value,
    handtekening: &str,
    at: i64,
) -> Result<std::result::Result<Ontvangen, Error>> {
    let r = match for_client(tx, token, geheim, at)? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let eerder = verklaringen(tx, &r.id)?;
    let volgende = eerder.len() as u64 + 1;
    if n != volgende {
        return Err(Error::refused(StatusCode::CONFLICT,
            "verklaring_volgorde",
            format!("Verwacht verklaring {volgende}, niet {n}. Laad de pagina niet opnieuw; probeer het nog eens."),
        ));
    }
    if n > MAX_VERKLARINGEN {
        return Err(niet_nu("Deze sessie neemt geen verklaringen meer aan."));
    }
    let event = als_gebeurtenis(gebeurtenis)?;
    let sleutel = r.sleutel.clone().unwrap_or_default();
    let bytes = statement_bytes(&r.id, &r.visit_id, n, &r.tekst_hash, gebeurtenis);
    if !signed_by(&sleutel, &bytes, handtekening) {
        return Err(Error::refused(
            StatusCode::UNAUTHORIZED,
            "klantverklaring_ongeldig",
            "De verklaring is niet ondertekend met de sleutel van deze sessie.",
        ));
    }
    let mut toestemming = false;
    let mut antwoorden = Antwoorden::new();
    for v in &eerder {
        match v.gebeurtenis.get("soort").and_then(Value::as_str) {
            Some("toestemming_gegeven") => toestemming = true,
            Some("vraag_beantwoord") => {
                let sleutel = v.gebeurtenis.get("sleutel").and_then(Value::as_str);
                let antwoord = v
                    .gebeurtenis
                    .get("antwoord")
                    .and_then(|a| serde_json::from_value::<Antwoord>(a.clone()).ok());
                if let (Some(s), Some(a)) = (sleutel, antwoord) {
                    antwoorden.insert(s.to_owned(), a);
                }
            }
            _ => {}
        }
    }
    let lijst = policy::vragenlijst(tx)?;
    let mut eindigt = None;
    match &event {
        Event::ToestemmingGegeven { .. } | Event::ToestemmingGeweigerd { .. } if toestemming => {
            return Err(niet_nu("U heeft al toestemming gegeven."));
        }
        Event::ToestemmingGegeven { .. } => {}
        Event::ToestemmingGeweigerd {
            gewezen_op_gevolgen,
            ..
        } => {
            if r.variant == "a" && !gewezen_op_gevolgen {
                return Err(ongeldig(
                    "Bij deze variant hoort de cliënt de gevolgen van een weigering te lezen.",
                ));
            }
            eindigt = Some("toestemming_geweigerd");
        }
        _ if !toestemming => {
            return Err(niet_nu("Geef eerst toestemming, of weiger."));
        }
        Event::ToestemmingIngetrokken { .. } => eindigt = Some("toestemming_ingetrokken"),
        Event::VraagBeantwoord {
            vragenlijst,
            versie,
            sleutel,
            antwoord,
            ..
        } => {
            if *vragenlijst != lijst.id || *versie != lijst.versie {
                return Err(niet_nu(
                    "De vragenlijst is intussen gewijzigd. Vraag de handhaver om een nieuwe link.",
                ));
            }
            lijst
                .controleer(&antwoorden, sleutel, antwoord)
                .map_err(|w| Error::bad_request(w.code, w.message))?;
            for foto in antwoord.fotos() {
                let er: Option<i64> = tx.query_opt(
                    "SELECT 1 FROM app_sessie_fotos WHERE sessie_id = ?1 AND sha256 = ?2",
                    params![r.id, foto],
                    |row| row.get(0),
                )?;
                if er.is_none() {
                    return Err(Error::bad_request(
                        "foto_unknown",
                        "Een foto is niet ontvangen. Maak de foto opnieuw.",
                    ));
                }
            }
        }
        Event::VragenlijstOndertekend {
            handtekening: getekend,
            ..
        } => {
            getekend
                .controleer()
                .map_err(|w| Error::bad_request(w.code, w.message))?;
            let open = lijst.open_vragen(&antwoorden);
            if !open.is_empty() {
                return Err(Error::refused(
                    StatusCode::CONFLICT,
                    "vragen_open",
                    format!("Beantwoord eerst nog {} vraag of vragen.", open.len()),
                ));
            }
            eindigt = Some("vragenlijst_ondertekend");
        }
        _ => return Err(ongeldig("Deze verklaring komt niet van de cliënt.")),
    }
    tx.execute(
        "INSERT INTO app_sessie_berichten (sessie_id, soort, n, inhoud, handtekening, door, at)
         VALUES (?1, 'verklaring', ?2, ?3, ?4, '', ?5)",
        params![
            r.id,
            i64::try_from(n).unwrap_or(i64::MAX),
            canonical_json(gebeurtenis),
            handtekening.to_ascii_lowercase(),
            at
        ],
    )?;
    if let Some(einde) = eindigt {
        end(tx, &r, einde, at)?;
    }
    Ok(Ok(Ontvangen {
        n,
        beeindigd: eindigt.is_some(),
    }))
}

/// A photo the client took, after consent: stored under its SHA-256 (a second upload stores
/// nothing twice).
pub fn foto(
    tx: &Tx<'_>,
    token: &str,
    geheim: &str,
    bytes: &[u8],
    at: i64,
) -> Result<std::result::Result<String, Error>> {
    let r = match for_client(tx, token, geheim, at)? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let toestemming = verklaringen(tx, &r.id)?
        .iter()
        .any(|v| v.gebeurtenis.get("soort").and_then(Value::as_str) == Some("toestemming_gegeven"));
    if !toestemming {
        return Err(niet_nu("Geef eerst toestemming, of weiger."));
    }
    let content_type = photos::content_type(bytes);
    if !photos::IMAGE_TYPES.contains(&content_type) {
        return Err(Error::refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "foto_geen_afbeelding",
            "Dit is geen foto (verwacht JPEG of PNG).",
        ));
    }
    let sha = sha256_hex(bytes);
    let count: i64 = tx.query_row(
        "SELECT count(*) FROM app_sessie_fotos WHERE sessie_id = ?1",
        params![r.id],
        |row| row.get(0),
    )?;
    let er: Option<i64> = tx.query_opt(
        "SELECT 1 FROM app_sessie_fotos WHERE sessie_id = ?1 AND sha256 = ?2",
        params![r.id, sha],
        |row| row.get(0),
    )?;
    if er.is_none() {
        if count >= MAX_FOTOS {
            return Err(niet_nu(format!(
                "Er kunnen hoogstens {MAX_FOTOS} foto's in één sessie."
            )));
        }
        tx.execute(
            "INSERT INTO app_sessie_fotos (sessie_id, sha256, bytes, content_type, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.id, sha, bytes, content_type, at],
        )?;
    }
    Ok(Ok(sha))
}

/// What the page polls: whether the session still runs, and the hints after `after`.
pub struct PaginaStand {
    pub beeindigd: Option<String>,
    pub hints: Vec<AppHint>,
}

pub fn pagina_stand(
    tx: &Tx<'_>,
    token: &str,
    geheim: &str,
    after: u64,
    at: i64,
) -> Result<std::result::Result<PaginaStand, Error>> {
    let mut r = by_token(tx, token)?;
    let right = r
        .geheim_hash
        .as_deref()
        .is_some_and(|h| h == sha256_hex(geheim.as_bytes()));
    if !right {
        return Ok(Err(Error::refused(
            StatusCode::UNAUTHORIZED,
            "sessie_geheim_onjuist",
            "Deze pagina hoort niet bij deze sessie.",
        )));
    }
    // An ended session still tells the page why (and its last hints).
    let _ = open(tx, &mut r, at)?;
    Ok(Ok(PaginaStand {
        beeindigd: r.einde.clone(),
        hints: hints(tx, &r.id, after)?,
    }))
}

/// Whether the link of `token` can still be opened (for the page itself): `Err` says why not.
pub fn link(tx: &Tx<'_>, token: &str, at: i64) -> Result<std::result::Result<(), Error>> {
    let mut r = by_token(tx, token)?;
    if let Err(e) = open(tx, &mut r, at)? {
        return Ok(Err(e));
    }
    if r.sleutel.is_some() {
        return Ok(Err(Error::refused(
            StatusCode::GONE,
            "app_sessie_gebruikt",
            "Deze link is al gebruikt. Vraag de handhaver om een nieuwe link.",
        )));
    }
    Ok(Ok(()))
}

/// Where the device's session stands, with every statement and hint.
pub fn stand(tx: &Tx<'_>, device_id: &str, sessie: &str, at: i64) -> Result<AppSessieStand> {
    let mut r = by_device(tx, device_id, sessie)?;
    let _ = open(tx, &mut r, at)?;
    let status = if r.ended_at.is_some() {
        "beeindigd"
    } else if r.sleutel.is_some() {
        "gekoppeld"
    } else {
        "wacht_op_code"
    };
    Ok(AppSessieStand {
        sessie: r.id.clone(),
        zaak_id: r.zaak_id.clone(),
        visit_id: r.visit_id.clone(),
        status: status.into(),
        einde: r.einde.clone(),
        verloopt_om: time(r.expires_at),
        tekst_hash: r.tekst_hash.clone(),
        binding: r
            .binding
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok()),
        binding_handtekening: r.binding_handtekening.clone(),
        verklaringen: verklaringen(tx, &r.id)?,
        hints: hints(tx, &r.id, 0)?,
    })
}

/// A photo of the device's session.
pub fn foto_voor_apparaat(
    tx: &Tx<'_>,
    device_id: &str,
    sessie: &str,
    sha256: &str,
) -> Result<Vec<u8>> {
    let r = by_device(tx, device_id, sessie)?;
    tx.query_opt(
        "SELECT bytes FROM app_sessie_fotos WHERE sessie_id = ?1 AND sha256 = ?2",
        params![r.id, sha256],
        |row| row.get(0),
    )?
    .ok_or_else(|| Error::not_found("foto_unknown", "Deze foto is niet in deze sessie."))
}

/// The handhaver sends the client a hint: kept with the session (the page shows it at its next
/// poll); an ended session takes none.
pub fn hint(
    tx: &Tx<'_>,
    device_id: &str,
    sessie: &str,
    tekst: &str,
    at: i64,
) -> Result<std::result::Result<AppHint, Error>> {
    let mut r = by_device(tx, device_id, sessie)?;
    let tekst = tekst.trim();
    if tekst.is_empty()
        || tekst.chars().count() > MAX_HINT_TEKENS
        || tekst.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::bad_request(
            "hint_ongeldig",
            format!("Een aanwijzing is 1 tot {MAX_HINT_TEKENS} tekens, zonder stuurtekens."),
        ));
    }
    if let Err(e) = open(tx, &mut r, at)? {
        return Ok(Err(e));
    }
    let n: i64 = tx.query_row(
        "SELECT count(*) FROM app_sessie_berichten WHERE sessie_id = ?1 AND soort = 'hint'",
        params![r.id],
        |row| row.get(0),
    )?;
    if n >= MAX_HINTS {
        return Err(niet_nu(format!(
            "Er kunnen hoogstens {MAX_HINTS} aanwijzingen in één sessie."
        )));
    }
    let door: String = tx
        .query_opt(
            "SELECT u.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?1",
            params![device_id],
            |row| row.get(0),
        )?
        .unwrap_or_else(|| device_id.to_owned());
    tx.execute(
        "INSERT INTO app_sessie_berichten (sessie_id, soort, n, inhoud, handtekening, door, at)
         VALUES (?1, 'hint', ?2, ?3, '', ?4, ?5)",
        params![r.id, n + 1, tekst, door, at],
    )?;
    Ok(Ok(AppHint {
        n: u64::try_from(n + 1).unwrap_or(0),
        tekst: tekst.to_owned(),
        door,
        om: time(at),
    }))
}

/// The handhaver ends the session: the link and the page stop working at once.
pub fn beeindig(tx: &Tx<'_>, device_id: &str, sessie: &str, at: i64) -> Result<AppSessieStand> {
    let mut r = by_device(tx, device_id, sessie)?;
    if open(tx, &mut r, at)?.is_ok() {
        end(tx, &r, "handhaver", at)?;
    }
    stand(tx, device_id, sessie, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            prop_oneof![
                Just("soort".to_owned()),
                Just("vraag_beantwoord".to_owned()),
                Just("toestemming_gegeven".to_owned()),
                Just("antwoord".to_owned()),
                ".{0,12}"
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("soort".to_owned()),
                        Just("vragenlijst".to_owned()),
                        Just("versie".to_owned()),
                        Just("sleutel".to_owned()),
                        Just("antwoord".to_owned()),
                        Just("handtekening".to_owned()),
                        Just("gewezen_op_gevolgen".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever a browser sends as a statement is refused or read, never a panic; what is
        /// read signs the same after the round trip the device makes.
        #[test]
        fn a_hostile_statement_never_panics(value in json()) {
            if let Ok(event) = als_gebeurtenis(&value) {
                let part = gebeurtenis_of(&event).unwrap();
                prop_assert_eq!(canonical_json(&part), canonical_json(&value));
            }
        }
    }

    /// Each kind of statement the page sends reads as its event, with the device's fields.
    #[test]
    fn the_statements_of_the_page_read_as_events() {
        for (gebeurtenis, soort) in [
            (
                json!({"soort": "toestemming_gegeven"}),
                "toestemming_gegeven",
            ),
            (
                json!({"soort": "toestemming_geweigerd", "gewezen_op_gevolgen": true}),
                "toestemming_geweigerd",
            ),
            (
                json!({"soort": "toestemming_ingetrokken"}),
                "toestemming_ingetrokken",
            ),
            (
                json!({"soort": "vraag_beantwoord", "vragenlijst": "w", "versie": 1, "sleutel": "a", "antwoord": {"soort": "getal", "waarde": 2}}),
                "vraag_beantwoord",
            ),
            (
                json!({"soort": "vragenlijst_ondertekend", "handtekening": {"breedte": 10, "hoogte": 10, "strepen": [[[1, 1], [2, 2]]]}}),
                "vragenlijst_ondertekend",
            ),
        ] {
            let event = als_gebeurtenis(&gebeurtenis).unwrap();
            assert_eq!(event.soort().as_str(), soort);
        }
        // A handhaver's step, an extra key, a float for an integer: refused.
        for bad in [
            json!({"soort": "waarneming", "ruimte": "r", "tekst": "t"}),
            json!({"soort": "toestemming_gegeven", "door": "iemand"}),
            json!({"soort": "vraag_beantwoord", "vragenlijst": "w", "versie": 1.0, "sleutel": "a", "antwoord": {"soort": "getal", "waarde": 2}}),
            json!("toestemming_gegeven"),
        ] {
            assert!(als_gebeurtenis(&bad).is_err(), "{bad}");
        }
    }
}
