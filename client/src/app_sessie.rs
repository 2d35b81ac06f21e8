//! The handhaver's side of the digital huisbezoek on the client's own phone (issue 16 §2, §3;
//! `server/docs/app-sessie.md`): start a session of a visit, watch what the client states and
//! record each statement in the visit ([`neem_over`]), send a hint, end the session. Needs
//! network; what the client sent waits on the server until the device takes it over.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use veldwerk_contract::api::{
    app_sessie_path, paths, AppHint, AppHintRequest, AppSessieGestart, AppSessieRequest,
    AppSessieStand, ErrorBody,
};
use veldwerk_contract::evidence::klantverklaring::Klantverklaring;
use veldwerk_contract::evidence::Signer;
use veldwerk_device::store::BlobRef;
use veldwerk_device::Device;
use veldwerk_rules::protocol::{Event, Leeftijdsgroep, Rol};

use crate::error::ClientError;
use crate::transport::{Answer, Transport};

/// The device's transport and request signer for the server it enrolled with.
pub fn verbinding(device: &Device) -> Result<(Transport, Signer), ClientError> {
    let enrollment = device.enrollment().ok_or(ClientError::NotEnrolled)?;
    Ok((
        Transport::new(&enrollment.server_url)?,
        device.request_signer()?,
    ))
}

fn parse<T: DeserializeOwned>(answer: Answer, ok: &[u16]) -> Result<T, ClientError> {
    if !ok.contains(&answer.status) {
        let body = ErrorBody::from_answer(answer.status, &answer.body);
        return Err(ClientError::Refused {
            status: answer.status,
            code: body.code,
            message: body.message,
        });
    }
    serde_json::from_slice(&answer.body).map_err(|e| ClientError::BadResponse(e.to_string()))
}

fn json(value: &impl serde::Serialize) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(value).map_err(|e| ClientError::BadResponse(e.to_string()))
}

/// Starts a session of the visit with the consent text recorded as asked; the link is the
/// device's server address followed by [`AppSessieGestart::pad`].
pub fn start(
    transport: &Transport,
    signer: &Signer,
    request: &AppSessieRequest,
) -> Result<AppSessieGestart, ClientError> {
    parse(
        transport.post_signed(
            signer,
            paths::APP_SESSIES,
            "application/json",
            &json(request)?,
        )?,
        &[201],
    )
}

/// Where the session stands, with every statement and hint so far.
pub fn stand(
    transport: &Transport,
    signer: &Signer,
    sessie: &str,
) -> Result<AppSessieStand, ClientError> {
    let route = app_sessie_path(paths::APP_SESSIE, sessie, "");
    parse(transport.get_signed(signer, &route)?, &[200])
}

/// Sends the client a hint.
pub fn hint(
    transport: &Transport,
    signer: &Signer,
    sessie: &str,
    tekst: &str,
) -> Result<AppHint, ClientError> {
    let route = app_sessie_path(paths::APP_SESSIE_HINTS, sessie, "");
    let body = json(&AppHintRequest {
        tekst: tekst.to_owned(),
    })?;
    parse(
        transport.post_signed(signer, &route, "application/json", &body)?,
        &[201],
    )
}

/// Ends the session: the link and the client's page stop working.
pub fn einde(
    transport: &Transport,
    signer: &Signer,
    sessie: &str,
) -> Result<AppSessieStand, ClientError> {
    let route = app_sessie_path(paths::APP_SESSIE_EINDE, sessie, "");
    parse(
        transport.post_signed(signer, &route, "application/json", b"")?,
        &[200],
    )
}

fn foto(
    transport: &Transport,
    signer: &Signer,
    sessie: &str,
    sha256: &str,
) -> Result<Vec<u8>, ClientError> {
    let route = app_sessie_path(paths::APP_SESSIE_FOTO, sessie, sha256);
    let answer = transport.get_signed(signer, &route)?;
    if answer.status != 200 {
        let body = ErrorBody::from_answer(answer.status, &answer.body);
        return Err(ClientError::Refused {
            status: answer.status,
            code: body.code,
            message: body.message,
        });
    }
    Ok(answer.body)
}

/// One statement taken over into the visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overgenomen {
    pub n: u64,
    pub event: Event,
    pub entry_id: String,
    pub ontvangen_om: DateTime<Utc>,
}

/// The event the device records for the client's statement: the client's part as signed, with
/// the device's own fields (who, in which role: the client is the belanghebbende, an adult).
pub fn event_of(gebeurtenis: &Value, door: &str) -> Result<Event, ClientError> {
    let Value::Object(map) = gebeurtenis else {
        return Err(ClientError::BadResponse(
            "een verklaring is geen object".into(),
        ));
    };
    let mut full = map.clone();
    full.insert("door".into(), Value::String(door.to_owned()));
    let soort = map.get("soort").and_then(Value::as_str).unwrap_or("");
    if soort.starts_with("toestemming_") {
        let rol = serde_json::to_value(Rol::Bewoner).unwrap_or(Value::Null);
        full.insert("rol".into(), rol);
        if soort != "toestemming_ingetrokken" {
            let leeftijd = serde_json::to_value(Leeftijdsgroep::Volwassen).unwrap_or(Value::Null);
            full.insert("leeftijd".into(), leeftijd);
        }
    }
    serde_json::from_value(Value::Object(full))
        .map_err(|e| ClientError::BadResponse(format!("een verklaring is onleesbaar: {e}")))
}

/// The routekaart conditions the handhaver confirms for a step (e.g. the 1,5 m distance), asked
/// per step the device records.
pub type Voorwaarden<'a> = dyn FnMut(&mut Device, &Event) -> Result<Vec<String>, ClientError> + 'a;

/// Records every statement of the session the visit does not hold yet, in order, each with the
/// client's proof; the photos an answer names are fetched first and stored on the device. After
/// the client's consent the device records that the digital tour begins (`binnentreden`). Each
/// step's routekaart conditions come from `voorwaarden`. Stops at the first statement the device
/// refuses, with its error; what was recorded before stays.
pub fn neem_over(
    device: &mut Device,
    transport: &Transport,
    signer: &Signer,
    stand: &AppSessieStand,
    door: &str,
    voorwaarden: &mut Voorwaarden<'_>,
) -> Result<Vec<Overgenomen>, ClientError> {
    let (Some(binding), Some(binding_handtekening)) = (&stand.binding, &stand.binding_handtekening)
    else {
        return Ok(Vec::new());
    };
    let recorded = al_vastgelegd(device, stand)?;
    let mut out = Vec::new();
    for v in &stand.verklaringen {
        if recorded.contains(&v.n) {
            continue;
        }
        let event = event_of(&v.gebeurtenis, door)?;
        for sha in event.fotos() {
            let blob = BlobRef::parse(sha).map_err(|e| ClientError::BadResponse(e.to_string()))?;
            if device.photo(&blob)?.is_none() {
                let bytes = foto(transport, signer, &stand.sessie, sha)?;
                let stored = device.put_photo(&stand.zaak_id, &bytes)?;
                if stored != blob {
                    return Err(ClientError::BadResponse(format!(
                        "foto {sha} van de server heeft een andere inhoud"
                    )));
                }
            }
        }
        let verklaring = Klantverklaring {
            binding: binding.clone(),
            binding_handtekening: binding_handtekening.clone(),
            n: v.n,
            tekst_hash: stand.tekst_hash.clone(),
            handtekening: v.handtekening.clone(),
        };
        let confirmed = voorwaarden(device, &event)?;
        let entry = device.record_klantverklaring(
            &stand.zaak_id,
            &stand.visit_id,
            event.clone(),
            verklaring,
            confirmed,
            Utc::now(),
        )?;
        let consent = matches!(event, Event::ToestemmingGegeven { .. });
        out.push(Overgenomen {
            n: v.n,
            event,
            entry_id: entry.entry_id,
            ontvangen_om: v.ontvangen_om,
        });
        if consent {
            let begin = Event::Binnentreden;
            let confirmed = voorwaarden(device, &begin)?;
            device.record(
                &stand.zaak_id,
                &stand.visit_id,
                begin,
                confirmed,
                Utc::now(),
            )?;
        }
    }
    Ok(out)
}

/// The statement numbers of this session the visit already holds.
fn al_vastgelegd(
    device: &mut Device,
    stand: &AppSessieStand,
) -> Result<std::collections::BTreeSet<u64>, ClientError> {
    let detail = device.zaak_detail(&stand.zaak_id)?;
    let mut out = std::collections::BTreeSet::new();
    for visit in detail
        .visits
        .iter()
        .filter(|v| v.meta.visit_id == stand.visit_id)
    {
        for e in &visit.entries {
            if let Ok(Some(k)) = e.entry.klantverklaring() {
                if k.binding.sessie == stand.sessie {
                    out.insert(k.n);
                }
            }
        }
    }
    Ok(out)
}
