//! The CBOR envelope of `POST /v1/sync`: what a device sends and what the server answers.
//!
//! Field names and types are the wire contract written down in the server's
//! `docs/sync-protocol.md`; a JavaScript client builds the same maps. Decoders take untrusted
//! bytes: they check sizes first and answer a coded [`EnvelopeError`], never panic. The lists a
//! device sends are read through [`bounded`], which refuses a declared length over the limit
//! before allocating anything and stops an indefinite list at the limit, so a 16 MiB body of
//! millions of tiny items costs no more than reading the first ten thousand.

use serde::{Deserialize, Serialize};

use crate::policy::SignedPolicy;
use veldwerk_rules::Notice;

/// The protocol version this build speaks; a request with another version is refused.
pub const PROTOCOL_VERSION: u32 = 1;
/// The media type of both directions.
pub const CONTENT_TYPE: &str = "application/cbor";
/// The largest request body the server accepts (and a device may send): 16 MiB.
pub const MAX_REQUEST_BYTES: usize = 16 << 20;
/// The largest response body a device accepts: 64 MiB (the server pages new documents at
/// [`RESPONSE_DOCS_BUDGET`], so answers stay far below).
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;
/// How many bytes of new documents the server puts in one answer before it pages (`more`).
pub const RESPONSE_DOCS_BUDGET: usize = 4 << 20;
/// At most this many document messages in one request.
pub const MAX_DOCS_PER_REQUEST: usize = 2_000;
/// At most this many zaak ids in `held`.
pub const MAX_HELD: usize = 10_000;
/// The longest zaak id accepted.
pub const MAX_ZAAK_ID_LEN: usize = 128;

/// One Automerge sync message (the bytes of `automerge::sync::Message::encode`) for one zaak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    pub zaak_id: String,
    #[serde(with = "serde_bytes")]
    pub message: Vec<u8>,
}

/// A whole zaak document (Automerge save format) for a zaak the device does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDoc {
    pub zaak_id: String,
    #[serde(with = "serde_bytes")]
    pub document: Vec<u8>,
}

/// What the device sends each round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The version of the newest signed policy bundle the device has verified (0: none).
    pub policy_version: u64,
    /// Every zaak id the device holds a document for (at most [`MAX_HELD`]).
    #[serde(deserialize_with = "bounded::vec::<_, _, MAX_HELD>")]
    pub held: Vec<String>,
    /// Sync messages, at most one per zaak (at most [`MAX_DOCS_PER_REQUEST`]).
    #[serde(deserialize_with = "bounded::vec::<_, _, MAX_DOCS_PER_REQUEST>")]
    pub docs: Vec<DocMessage>,
}

/// Lists whose length is checked while they are read, not after.
pub mod bounded {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};

    /// The start of the message of a refused length, so the envelope decoder can tell it from
    /// malformed CBOR.
    pub(super) const TOO_MANY: &str = "te veel elementen";

    /// Reads a list of at most `MAX` items: a definite length above `MAX` is refused before
    /// anything is allocated, an indefinite list as soon as item `MAX + 1` begins.
    pub fn vec<'de, D, T, const MAX: usize>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        d.deserialize_seq(BoundedVisitor::<T, MAX>(PhantomData))
    }

    struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a list of at most {MAX} items")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let too_many = |n: &dyn fmt::Display| {
                A::Error::custom(format!("{TOO_MANY}: {n} in een lijst van hoogstens {MAX}"))
            };
            let declared = seq.size_hint();
            if let Some(n) = declared.filter(|n| *n > MAX) {
                return Err(too_many(&n));
            }
            // Never trust a declared length for the allocation beyond a modest start.
            let mut out = Vec::with_capacity(declared.unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element()? {
                if out.len() == MAX {
                    return Err(too_many(&"meer"));
                }
                out.push(item);
            }
            Ok(out)
        }
    }
}

/// Why the server kept nothing of one document's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub zaak_id: String,
    /// Stable snake_case: `actor_mismatch`, `not_assigned`, `entry_unverified`, ...
    pub code: String,
    /// Dutch, for the handhaver.
    pub message: String,
}

impl Rejection {
    pub fn notice(&self) -> Notice {
        Notice::new(&self.code, &self.message)
    }
}

/// What the server holds of one zaak after this round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub zaak_id: String,
    /// The server's heads (32-byte change hashes), sorted.
    pub heads: Vec<serde_bytes::ByteBuf>,
    /// The server holds every change the device had when it sent its message (the heads the
    /// device announced are exactly the server's): a withdrawn or closed zaak can be purged.
    pub complete: bool,
}

/// An instruction to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instruction {
    /// Delete every Veldwerk document and key on the device (it was revoked).
    Wipe,
}

/// What the server answers each round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub protocol: u32,
    /// Sync messages for the documents the device sent messages for.
    pub docs: Vec<DocMessage>,
    /// Whole documents of zaken newly assigned to the device.
    pub new_docs: Vec<NewDoc>,
    pub rejections: Vec<Rejection>,
    /// The newest signed bundle, when the device's `policy_version` is older.
    pub policy: Option<SignedPolicy>,
    /// Zaken assigned to the device's handhaver that the device did not hold.
    pub assigned: Vec<String>,
    /// Zaken the device holds that are no longer assigned to it (or closed).
    pub withdrawn: Vec<String>,
    pub instructions: Vec<Instruction>,
    pub acks: Vec<Ack>,
    /// The server has more for the device (paged new documents): send another request.
    pub more: bool,
}

/// Why an envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("Het synchronisatiebericht is te groot ({size} bytes, hoogstens {max}).")]
    TooLarge { size: usize, max: usize },
    #[error("Het synchronisatiebericht is geen geldige CBOR van de verwachte vorm: {0}")]
    Malformed(String),
    #[error(
        "Het synchronisatiebericht heeft protocolversie {found}; deze versie kent {supported}."
    )]
    Protocol { found: u32, supported: u32 },
    #[error("Het synchronisatiebericht is ongeldig: {0}")]
    Invalid(String),
}

impl EnvelopeError {
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::TooLarge { .. } => "envelope_too_large",
            EnvelopeError::Malformed(_) => "envelope_malformed",
            EnvelopeError::Protocol { .. } => "protocol_unsupported",
            EnvelopeError::Invalid(_) => "envelope_invalid",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing plain structs of strings, integers and byte strings into a Vec cannot fail.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], max: usize) -> Result<T, EnvelopeError> {
    if bytes.len() > max {
        return Err(EnvelopeError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    ciborium::from_reader(bytes).map_err(|e| match e {
        ciborium::de::Error::Semantic(_, m) if m.starts_with(bounded::TOO_MANY) => {
            EnvelopeError::Invalid(m)
        }
        e => EnvelopeError::Malformed(e.to_string()),
    })
}

fn check_zaak_id(id: &str) -> Result<(), EnvelopeError> {
    if id.is_empty() || id.len() > MAX_ZAAK_ID_LEN || id.chars().any(char::is_control) {
        return Err(EnvelopeError::Invalid(format!(
            "zaak-id '{}' is leeg, te lang of bevat stuurtekens",
            id.chars().take(40).collect::<String>().escape_debug()
        )));
    }
    Ok(())
}

impl SyncRequest {
    pub fn to_cbor(&self) -> Vec<u8> {
        encode(self)
    }

    /// Reads and checks a request: size, shape, protocol version, counts, zaak ids, and at most
    /// one message per zaak.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let req: SyncRequest = decode(bytes, MAX_REQUEST_BYTES)?;
        if req.protocol != PROTOCOL_VERSION {
            return Err(EnvelopeError::Protocol {
                found: req.protocol,
                supported: PROTOCOL_VERSION,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for d in &req.docs {
            check_zaak_id(&d.zaak_id)?;
            if !seen.insert(d.zaak_id.as_str()) {
                return Err(EnvelopeError::Invalid(format!(
                    "zaak {} staat twee keer in 'docs'",
                    d.zaak_id
                )));
            }
        }
        for id in &req.held {
            check_zaak_id(id)?;
        }
        Ok(req)
    }
}

impl SyncResponse {
    /// An empty answer of this protocol version.
    pub fn empty() -> Self {
        SyncResponse {
            protocol: PROTOCOL_VERSION,
            docs: Vec::new(),
            new_docs: Vec::new(),
            rejections: Vec::new(),
            policy: None,
            assigned: Vec::new(),
            withdrawn: Vec::new(),
            instructions: Vec::new(),
            acks: Vec::new(),
            more: false,
        }
    }

    pub fn to_cbor(&self) -> Vec<u8> {
        encode(self)
    }

    /// Reads and checks an answer (size, shape, protocol version, zaak ids).
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let resp: SyncResponse = decode(bytes, MAX_RESPONSE_BYTES)?;
        if resp.protocol != PROTOCOL_VERSION {
            return Err(EnvelopeError::Protocol {
                found: resp.protocol,
                supported: PROTOCOL_VERSION,
            });
        }
        for id in resp
            .docs
            .iter()
            .map(|d| &d.zaak_id)
            .chain(resp.new_docs.iter().map(|d| &d.zaak_id))
            .chain(resp.acks.iter().map(|a| &a.zaak_id))
            .chain(resp.assigned.iter())
            .chain(resp.withdrawn.iter())
        {
            check_zaak_id(id)?;
        }
        Ok(resp)
    }
}

/// Hand-made CBOR of hostile envelopes, for the tests here and the hostile-device tests.
#[cfg(any(test, feature = "test-support"))]
pub mod test_support {
    use super::PROTOCOL_VERSION;

    /// CBOR head of a major type with a 64-bit argument (`0x1b`) or indefinite length (`0x1f`).
    pub fn head(major: u8, len: Option<u64>) -> Vec<u8> {
        match len {
            Some(n) => {
                let mut v = vec![(major << 5) | 27];
                v.extend_from_slice(&n.to_be_bytes());
                v
            }
            None => vec![(major << 5) | 31],
        }
    }

    /// A request map whose `held` is `held_items` tiny strings under the given list head.
    pub fn request_with_held(len: Option<u64>, held_items: usize) -> Vec<u8> {
        let text = |s: &str| {
            let mut v = vec![0x60 | s.len() as u8];
            v.extend_from_slice(s.as_bytes());
            v
        };
        let mut out = vec![0xa4];
        out.extend(text("protocol"));
        out.push(PROTOCOL_VERSION as u8);
        out.extend(text("policy_version"));
        out.push(0);
        out.extend(text("docs"));
        out.push(0x80);
        out.extend(text("held"));
        out.extend(head(4, len));
        for _ in 0..held_items {
            out.extend([0x61, b'z']);
        }
        if len.is_none() {
            out.push(0xff);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::request_with_held;
    use super::*;
    use proptest::prelude::*;

    fn request() -> SyncRequest {
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            policy_version: 3,
            held: vec!["Z-2026-0001".into()],
            docs: vec![DocMessage {
                zaak_id: "Z-2026-0001".into(),
                message: vec![0x42, 1, 2, 3],
            }],
        }
    }

    #[test]
    fn request_and_response_round_trip() {
        let req = request();
        assert_eq!(SyncRequest::from_cbor(&req.to_cbor()).unwrap(), req);
        let mut resp = SyncResponse::empty();
        resp.acks.push(Ack {
            zaak_id: "Z-1".into(),
            heads: vec![serde_bytes::ByteBuf::from(vec![7u8; 32])],
            complete: true,
        });
        resp.instructions.push(Instruction::Wipe);
        resp.rejections.push(Rejection {
            zaak_id: "Z-1".into(),
            code: "actor_mismatch".into(),
            message: "Nee.".into(),
        });
        assert_eq!(SyncResponse::from_cbor(&resp.to_cbor()).unwrap(), resp);
    }

    #[test]
    fn byte_fields_are_cbor_byte_strings() {
        let bytes = request().to_cbor();
        let value: ciborium::Value = ciborium::from_reader(&bytes[..]).unwrap();
        let docs = value
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_text() == Some("docs"))
            .unwrap()
            .1
            .as_array()
            .unwrap();
        let msg = docs[0]
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_text() == Some("message"))
            .unwrap();
        assert!(msg.1.is_bytes());
    }

    #[test]
    fn refuses_bad_envelopes_with_codes() {
        assert_eq!(
            SyncRequest::from_cbor(&[0xff, 0x00]).unwrap_err().code(),
            "envelope_malformed"
        );
        let big = vec![0u8; MAX_REQUEST_BYTES + 1];
        assert_eq!(
            SyncRequest::from_cbor(&big).unwrap_err().code(),
            "envelope_too_large"
        );
        let mut r = request();
        r.protocol = 9;
        assert_eq!(
            SyncRequest::from_cbor(&r.to_cbor()).unwrap_err().code(),
            "protocol_unsupported"
        );
        let mut r = request();
        r.docs.push(r.docs[0].clone());
        assert_eq!(
            SyncRequest::from_cbor(&r.to_cbor()).unwrap_err().code(),
            "envelope_invalid"
        );
        let mut r = request();
        r.held.push(String::new());
        assert_eq!(
            SyncRequest::from_cbor(&r.to_cbor()).unwrap_err().code(),
            "envelope_invalid"
        );
    }

    /// Issue 13, item 14: 8.4 M tiny `held` strings in 16 MiB are refused after reading at most
    /// `MAX_HELD + 1` of them (milliseconds, not seconds), as `envelope_invalid`; a declared
    /// length above the limit is refused before any item is read.
    #[test]
    fn millions_of_held_strings_are_refused_early() {
        let items = (MAX_REQUEST_BYTES - 64) / 2;
        assert!(items > 8_000_000);
        for len in [Some(items as u64), None] {
            let bytes = request_with_held(len, items);
            assert!(bytes.len() <= MAX_REQUEST_BYTES);
            let started = std::time::Instant::now();
            let e = SyncRequest::from_cbor(&bytes).unwrap_err();
            let took = started.elapsed();
            assert_eq!(e.code(), "envelope_invalid", "{e}");
            assert!(took < std::time::Duration::from_millis(500), "{took:?}");
        }
        // A definite length of 2^62 with nothing behind it: refused from the head alone.
        let e = SyncRequest::from_cbor(&request_with_held(Some(1 << 62), 0)).unwrap_err();
        assert_eq!(e.code(), "envelope_invalid");
        // At the limit exactly: accepted (the ids are valid).
        assert!(
            SyncRequest::from_cbor(&request_with_held(Some(MAX_HELD as u64), MAX_HELD)).is_ok()
        );
        assert!(SyncRequest::from_cbor(&request_with_held(None, MAX_HELD)).is_ok());
        assert_eq!(
            SyncRequest::from_cbor(&request_with_held(None, MAX_HELD + 1))
                .unwrap_err()
                .code(),
            "envelope_invalid"
        );
    }

    /// Issue 13, item 14: the same bound holds for `docs`.
    #[test]
    fn too_many_docs_are_refused_while_reading() {
        let mut r = request();
        r.docs = (0..=MAX_DOCS_PER_REQUEST)
            .map(|i| DocMessage {
                zaak_id: format!("Z-{i}"),
                message: vec![],
            })
            .collect();
        assert_eq!(
            SyncRequest::from_cbor(&r.to_cbor()).unwrap_err().code(),
            "envelope_invalid"
        );
        r.docs.pop();
        assert!(SyncRequest::from_cbor(&r.to_cbor()).is_ok());
    }

    proptest! {
        /// Hostile list heads (any declared length, definite or not, any number of items
        /// behind them) never panic and never yield more than the limit.
        #[test]
        fn bounded_lists_never_exceed_the_limit(len in proptest::option::of(any::<u64>()), items in 0usize..12_000) {
            match SyncRequest::from_cbor(&request_with_held(len, items)) {
                Ok(r) => prop_assert!(r.held.len() <= MAX_HELD),
                Err(e) => prop_assert!(matches!(e.code(), "envelope_invalid" | "envelope_malformed")),
            }
        }

        #[test]
        fn decoders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SyncRequest::from_cbor(&bytes);
            let _ = SyncResponse::from_cbor(&bytes);
        }

        #[test]
        fn decoders_never_panic_on_mutated_envelopes(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
            let mut bytes = request().to_cbor();
            for (i, b) in flips {
                let n = bytes.len();
                bytes[i % n] ^= b;
            }
            if let Ok(r) = SyncRequest::from_cbor(&bytes) {
                prop_assert_eq!(r.protocol, PROTOCOL_VERSION);
            }
        }

        #[test]
        fn requests_round_trip(policy_version in any::<u64>(), ids in proptest::collection::btree_set("[A-Z0-9-]{1,20}", 0..5), msg in proptest::collection::vec(any::<u8>(), 0..64)) {
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                policy_version,
                held: ids.iter().cloned().collect(),
                docs: ids.iter().map(|z| DocMessage { zaak_id: z.clone(), message: msg.clone() }).collect(),
            };
            prop_assert_eq!(SyncRequest::from_cbor(&req.to_cbor()).unwrap(), req);
        }
    }
}
