//! Enrollment: the device's public key and a one-time code go to the server; the device id,
//! the organisation key (pinned from now on) and the first signed policy come back.

use chrono::Utc;
use veldwerk_contract::api::{paths, EnrollRequest, EnrollResponse, ErrorBody};
use veldwerk_device::Device;
use veldwerk_rules::routekaart::Code;

use crate::error::ClientError;
use crate::transport::{Answer, Transport};

/// What enrollment gave the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub device_id: String,
    /// The handhaver the device belongs to.
    pub user: String,
    pub organisation: String,
    /// The installed policy's version and its active code.
    pub policy_version: u64,
    pub code: Code,
}

/// Enrolls `device` with the server at `server_url` using the one-time `code` a supervisor
/// issued. Nothing on the device changes unless the server's answer is complete and its
/// policy verifies against the organisation key it sent.
pub fn enroll(
    device: &mut Device,
    server_url: &str,
    code: &str,
) -> Result<Enrollment, ClientError> {
    if let Some(e) = device.enrollment() {
        return Err(ClientError::AlreadyEnrolled {
            device_id: e.device_id.clone(),
        });
    }
    let transport = Transport::new(server_url)?;
    let body = EnrollRequest {
        code: code.trim().to_owned(),
        public_key: hex::encode(device.public_key()),
    };
    let body = serde_json::to_vec(&body).map_err(|e| ClientError::BadResponse(e.to_string()))?;
    let answer = transport.post_json(paths::ENROLL, &body)?;
    if answer.status != 200 {
        return Err(refused(answer));
    }
    let parsed: EnrollResponse = serde_json::from_slice(&answer.body)
        .map_err(|e| ClientError::BadResponse(e.to_string()))?;
    let org_key = hex::decode(parsed.org_public_key.trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| ClientError::BadResponse("organisatiesleutel ongeldig".into()))?;
    let bundle = parsed.policy.verify(&org_key).map_err(|_| {
        ClientError::BadResponse(
            "het beleid is niet ondertekend met de sleutel van de organisatie".into(),
        )
    })?;
    device.set_enrollment(&parsed.device_id, &org_key, server_url.trim())?;
    let status = device.install_policy(&parsed.policy.to_bytes(), Utc::now())?;
    Ok(Enrollment {
        device_id: parsed.device_id,
        user: parsed.user,
        organisation: parsed.organisation,
        policy_version: bundle.version,
        code: status.code,
    })
}

/// A refusal: its body as every API error writes it ([`ErrorBody`]).
pub(crate) fn refused(answer: Answer) -> ClientError {
    let body = ErrorBody::from_answer(answer.status, &answer.body);
    ClientError::Refused {
        status: answer.status,
        code: body.code,
        message: body.message,
    }
}
