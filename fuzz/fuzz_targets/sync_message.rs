//! The server's handling of one sync message against a stored zaak document (`check::apply`,
//! the batch signature check, `check::finish`), from a device of the zaak. The first byte picks
//! the message: even, the rest is the message's bytes as they come (Automerge's decoder and
//! receiver on hostile bytes, panics caught); odd, the rest drives Automerge operations on the
//! device's copy ([`veldwerk_fuzz::mutate`]) whose changes are sent. Every message is accepted or
//! refused with a code, and an accepted one leaves a document that matches the layout and reads.
#![no_main]

use automerge::sync;
use automerge::AutoCommit;
use libfuzzer_sys::fuzz_target;
use veldwerk_contract::evidence::Signatures;
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_fuzz::{changes_message, device_actor, fixture, mutate, DEVICE};
use veldwerk_server::settings::SyncLimits;
use veldwerk_server::sync::check::{self, Sender, Target};
use veldwerk_server::sync::limits;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let message = if mode % 2 == 0 {
        match limits::guarded(|| sync::Message::decode(rest)) {
            Some(Ok(m)) => m,
            _ => return,
        }
    } else {
        let mut device = AutoCommit::load(&fixture.document).expect("fixture loads");
        let since = device.get_heads();
        device.set_actor(device_actor());
        mutate(&mut device, rest);
        changes_message(&mut device, &since)
    };
    let mut doc = ZaakDocument::load(&fixture.document).expect("fixture loads");
    let mut known = None;
    let mut state = sync::State::new();
    let limits = SyncLimits::default();
    let sender = Sender {
        device_id: DEVICE,
        keys: &fixture.keys,
        policy: &fixture.policy,
        org_public_key: &[],
        limits: &limits,
    };
    let mut signatures = Signatures::new();
    let target = Target {
        doc: &mut doc,
        known: &mut known,
        state: &mut state,
    };
    let applied = match check::apply("Z-2026-0142", target, message, sender, &mut signatures) {
        Ok(a) => a,
        Err(refused) => {
            assert!(!refused.code.is_empty());
            return;
        }
    };
    signatures.verify_queued();
    let target = Target {
        doc: &mut doc,
        known: &mut known,
        state: &mut state,
    };
    match check::finish(applied, target, sender, &mut signatures) {
        Ok(_) => {
            doc.validate()
                .expect("an accepted message leaves a valid document");
            doc.summary().expect("summary reads");
            for visit in doc.visits().expect("visits read") {
                doc.stored_entries(&visit.visit_id).expect("entries read");
            }
        }
        Err(refused) => assert!(!refused.code.is_empty()),
    }
});
