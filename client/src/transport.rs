//! Blocking HTTP to the organisation's server: one pooled agent with timeouts, device-signed
//! requests (`veldwerk_contract::auth`), and refusals read as the server writes them.

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use veldwerk_contract::auth::{canonical_string, RequestAuth};
use veldwerk_contract::evidence::Signer;

use crate::error::ClientError;

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take in all (a large first pull included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read (the sync envelope's own limit, plus room for the framing).
pub const MAX_ANSWER_BYTES: u64 = veldwerk_contract::sync::MAX_RESPONSE_BYTES as u64 + 4096;

/// A server address split into what is dialled and what is signed.
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
    /// `scheme://host[:port]`.
    origin: String,
    /// The path prefix the server lives under (`""` or `/prefix`).
    prefix: String,
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Transport {
    /// `server_url` is `http(s)://host[:port][/prefix]`.
    pub fn new(server_url: &str) -> Result<Transport, ClientError> {
        let url = server_url.trim().trim_end_matches('/');
        let invalid = || ClientError::InvalidUrl(server_url.to_owned());
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(invalid)?;
        let (host, prefix) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if host.is_empty()
            || host.contains(['?', '#', ' ', '@'])
            || prefix.contains(['?', '#', ' '])
        {
            return Err(invalid());
        }
        let scheme_len = url.len() - rest.len();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .into();
        Ok(Transport {
            agent,
            origin: format!("{}{host}", &url[..scheme_len]),
            prefix: prefix.to_owned(),
        })
    }

    /// The path as the server sees it (and as it is signed).
    pub fn path(&self, route: &str) -> String {
        format!("{}{route}", self.prefix)
    }

    /// An unsigned JSON POST (enrollment).
    pub fn post_json(&self, route: &str, body: &[u8]) -> Result<Answer, ClientError> {
        let url = format!("{}{}", self.origin, self.path(route));
        let mut response = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(transport_error)?;
        read(&mut response)
    }

    /// A POST signed with the device key over method, path, time, nonce and body digest.
    pub fn post_signed(
        &self,
        signer: &Signer,
        route: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Answer, ClientError> {
        let path = self.path(route);
        let auth = sign(signer, "POST", &path, body)?;
        self.post_with_auth(&path, content_type, body, &auth)
    }

    /// A PUT signed with the device key (a photo upload).
    pub fn put_signed(
        &self,
        signer: &Signer,
        route: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Answer, ClientError> {
        let path = self.path(route);
        let auth = sign(signer, "PUT", &path, body)?;
        let url = format!("{}{path}", self.origin);
        let mut request = self.agent.put(&url).header("content-type", content_type);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        let mut response = request.send(body).map_err(transport_error)?;
        read(&mut response)
    }

    /// A GET signed with the device key (an empty body).
    pub fn get_signed(&self, signer: &Signer, route: &str) -> Result<Answer, ClientError> {
        let path = self.path(route);
        let auth = sign(signer, "GET", &path, b"")?;
        let url = format!("{}{path}", self.origin);
        let mut request = self.agent.get(&url);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        let mut response = request.call().map_err(transport_error)?;
        read(&mut response)
    }

    /// Sends exactly these signature headers (also used to show that a replay is refused).
    pub fn post_with_auth(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        auth: &RequestAuth,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{path}", self.origin);
        let mut request = self.agent.post(&url).header("content-type", content_type);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        let mut response = request.send(body).map_err(transport_error)?;
        read(&mut response)
    }
}

/// Signs a request now with a fresh 16-byte nonce.
pub fn sign(
    signer: &Signer,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<RequestAuth, ClientError> {
    let mut nonce = [0u8; 16];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| ClientError::Transport("geen willekeurige getallen beschikbaar".into()))?;
    let nonce = hex::encode(nonce);
    let timestamp = chrono::Utc::now().timestamp();
    let text = canonical_string(method, path, &signer.device_id, timestamp, &nonce, body);
    Ok(RequestAuth {
        device_id: signer.device_id.clone(),
        timestamp,
        nonce,
        signature: hex::encode(signer.key.sign(text.as_bytes())),
    })
}

fn read(response: &mut ureq::http::Response<ureq::Body>) -> Result<Answer, ClientError> {
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_vec()
        .map_err(transport_error)?;
    Ok(Answer { status, body })
}

fn transport_error(e: ureq::Error) -> ClientError {
    match e {
        ureq::Error::Timeout(_) => ClientError::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            ClientError::Unreachable(e.to_string())
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ClientError::Unreachable(io.to_string())
        }
        ureq::Error::BodyExceedsLimit(n) => {
            ClientError::BadResponse(format!("antwoord groter dan {n} bytes"))
        }
        other => ClientError::Transport(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_and_signed_path() {
        let t = Transport::new("https://veldwerk.example.nl/gemeente/").unwrap();
        assert_eq!(t.origin, "https://veldwerk.example.nl");
        assert_eq!(t.path("/v1/sync"), "/gemeente/v1/sync");
        let t = Transport::new("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.origin, "http://127.0.0.1:8080");
        assert_eq!(t.path("/v1/sync"), "/v1/sync");
        for bad in [
            "ftp://x",
            "127.0.0.1:8080",
            "http://",
            "http://a b",
            "https://x/?q",
        ] {
            assert_eq!(
                Transport::new(bad).unwrap_err().code(),
                "server_url_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_closed_port_is_unreachable_not_a_panic() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let t = Transport::new(&format!("http://{addr}")).unwrap();
        let err = t.post_json("/v1/enroll", b"{}").unwrap_err();
        assert!(err.is_transient(), "{err:?}");
    }
}
