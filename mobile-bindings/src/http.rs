//! The HTTP transport of the apps (the core does no network I/O): enrollment and signed
//! requests over blocking `ureq`, as `server/docs/api.md` describes them.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use veldwerk_core::auth::{
    canonical_string, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use veldwerk_core::policy::SignedPolicy;
use veldwerk_core::sync::envelope::MAX_RESPONSE_BYTES;

use crate::error::VeldwerkError;

/// Whole-request limit: a sync round trip of a full day fits easily.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The server's answer to `POST /v1/enroll`.
#[derive(Debug, Deserialize)]
pub(crate) struct EnrollAnswer {
    pub device_id: String,
    pub user: String,
    pub organisation: String,
    pub org_public_key: String,
    pub policy: SignedPolicy,
}

#[derive(Serialize)]
struct EnrollBody<'a> {
    code: &'a str,
    public_key: String,
}

/// The API's error body.
#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    instruction: Option<String>,
}

/// One server, by its base URL (`https://veldwerk.example.nl`, no trailing slash).
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    pub fn new(server_url: &str) -> Result<Http, VeldwerkError> {
        let base = server_url.trim().trim_end_matches('/').to_owned();
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty()) {
            return Err(VeldwerkError::invalid(
                "server_url_invalid",
                format!("'{server_url}' is geen serveradres (http:// of https://)."),
            ));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        Ok(Http { agent, base })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST /v1/enroll` with the one-time code and the device's public key.
    pub fn enroll(&self, code: &str, public_key: &[u8]) -> Result<EnrollAnswer, VeldwerkError> {
        let body = serde_json::to_vec(&EnrollBody {
            code,
            public_key: hex::encode(public_key),
        })
        .map_err(|e| VeldwerkError::invalid("body_invalid", e.to_string()))?;
        let (status, answer) = self.post("/v1/enroll", "application/json", &body, &[])?;
        if status != 200 {
            return Err(refusal(status, &answer));
        }
        serde_json::from_slice(&answer).map_err(|e| {
            VeldwerkError::network(
                "answer_unreadable",
                format!("Het antwoord van de server op de aanmelding is onleesbaar: {e}"),
            )
        })
    }

    /// A device-signed `POST`: `sign` signs the canonical request text with the device key.
    pub fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        device_id: &str,
        sign: &dyn Fn(&[u8]) -> [u8; 64],
    ) -> Result<(u16, Vec<u8>), VeldwerkError> {
        let timestamp = chrono::Utc::now().timestamp();
        let nonce = random_nonce()?;
        let text = canonical_string("POST", path, device_id, timestamp, &nonce, body);
        let signature = hex::encode(sign(text.as_bytes()));
        let timestamp = timestamp.to_string();
        let headers = [
            (HEADER_DEVICE, device_id),
            (HEADER_TIMESTAMP, timestamp.as_str()),
            (HEADER_NONCE, nonce.as_str()),
            (HEADER_SIGNATURE, signature.as_str()),
        ];
        self.post(path, content_type, body, &headers)
    }

    fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Result<(u16, Vec<u8>), VeldwerkError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.post(&url).header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send(body).map_err(|e| {
            VeldwerkError::network(
                "server_unreachable",
                format!("De server {} is niet bereikbaar: {e}", self.base),
            )
        })?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES as u64)
            .read_to_vec()
            .map_err(|e| {
                VeldwerkError::network(
                    "answer_unreadable",
                    format!("Het antwoord van de server is onvolledig: {e}"),
                )
            })?;
        Ok((status, bytes))
    }
}

fn random_nonce() -> Result<String, VeldwerkError> {
    use ring::rand::SecureRandom;
    let mut nonce = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| VeldwerkError::Storage {
            code: "random_unavailable".into(),
            detail: "Het apparaat kan geen willekeurig getal maken.".into(),
        })?;
    Ok(hex::encode(nonce))
}

/// A non-2xx answer as the typed error (the API's `{code, message, instruction?}` body).
pub(crate) fn refusal(status: u16, body: &[u8]) -> VeldwerkError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => VeldwerkError::Refused {
            code: b.code,
            detail: b.message,
            status,
            wipe: b.instruction.as_deref() == Some("wipe"),
        },
        Err(_) => VeldwerkError::Refused {
            code: "server_error".into(),
            detail: format!("De server weigerde de aanvraag (HTTP {status})."),
            status,
            wipe: false,
        },
    }
}
