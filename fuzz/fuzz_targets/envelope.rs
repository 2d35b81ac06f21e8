//! The CBOR sync envelope, both ways: any bytes give a checked request or answer or a coded
//! error, never a panic, and within the decoder's bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veldwerk_contract::sync::{SyncRequest, SyncResponse};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = SyncRequest::from_cbor(data) {
        // What was accepted encodes and decodes to the same request.
        let again = SyncRequest::from_cbor(&request.to_cbor()).expect("re-encoded request");
        assert_eq!(again.to_cbor(), request.to_cbor());
    }
    let _ = SyncResponse::from_cbor(data);
});
