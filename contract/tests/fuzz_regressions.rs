//! Hostile inputs of the envelope fuzz target (`fuzz/regressions/envelope/`: inputs that once
//! crashed it, or cost too much, or were made to), fed through the same decoders on the stable
//! toolchain: each is refused with a coded error, none panics. See fuzz/README.md.

use std::path::PathBuf;

use veldwerk_contract::sync::{SyncRequest, SyncResponse};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fuzz/regressions/<target> exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("readable regression input"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_saved_hostile_envelope_is_refused_without_panicking() {
    let inputs = inputs("envelope");
    assert!(inputs.len() >= 3, "the committed inputs are there");
    for (name, bytes) in inputs {
        let refused = SyncRequest::from_cbor(&bytes).expect_err(&name);
        assert!(!refused.code().is_empty(), "{name}");
        assert!(SyncResponse::from_cbor(&bytes).is_err(), "{name}");
    }
}
