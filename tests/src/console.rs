//! The supervisor as a browser would be: signed in through `POST /v1/session`, reading console
//! pages and the API with the session, posting console forms with their CSRF token.

use std::io::Read;

use crate::{TestServer, SUPERVISOR};

/// A signed-in supervisor of a [`TestServer`].
pub struct Supervisor {
    base: String,
    token: String,
    csrf: String,
}

/// An answer: status, content type and body.
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn page(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
    let mut r = r.unwrap();
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect::<Vec<_>>();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut body = Vec::new();
    r.body_mut()
        .with_config()
        .limit(256 << 20)
        .reader()
        .read_to_end(&mut body)
        .unwrap();
    Page {
        status,
        content_type,
        headers,
        body,
    }
}

impl Supervisor {
    /// Signs in as the test server's supervisor.
    pub fn sign_in(server: &TestServer) -> Supervisor {
        let base = server.url();
        let body = serde_json::json!({ "name": SUPERVISOR, "password": "correct horse battery" });
        let answer = page(
            agent()
                .post(&format!("{base}/v1/session"))
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes()),
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        let v = answer.json();
        Supervisor {
            base,
            token: v["token"].as_str().unwrap().to_owned(),
            csrf: v["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A console page (session cookie).
    pub fn get(&self, path: &str) -> Page {
        page(
            agent()
                .get(&format!("{}{path}", self.base))
                .header("cookie", &format!("veldwerk_session={}", self.token))
                .call(),
        )
    }

    /// An API route (bearer token); `None` sends no credentials.
    pub fn api(&self, path: &str) -> Page {
        page(
            agent()
                .get(&format!("{}{path}", self.base))
                .header("authorization", &format!("Bearer {}", self.token))
                .call(),
        )
    }

    /// A console form, with the CSRF token the form would carry.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs = vec![("csrf_token", self.csrf.as_str())];
        pairs.extend_from_slice(fields);
        page(
            agent()
                .post(&format!("{}{path}", self.base))
                .header("cookie", &format!("veldwerk_session={}", self.token))
                .send_form(pairs),
        )
    }
}

/// An API route without credentials.
pub fn anonymous(server: &TestServer, path: &str) -> Page {
    page(agent().get(&format!("{}{path}", server.url())).call())
}
