//! The zaak layout check on any document: the fuzz bytes drive Automerge operations on the
//! server's copy of a zaak ([`veldwerk_fuzz::mutate`], any object, any value), then the whole
//! document is checked. The check never panics, and a document it passes always reads: summary,
//! visits and every entry (the promise that a stored zaak can always be opened, issue 13 item 3).
#![no_main]

use automerge::AutoCommit;
use libfuzzer_sys::fuzz_target;
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_fuzz::{device_actor, fixture, mutate};

fuzz_target!(|data: &[u8]| {
    let mut raw = AutoCommit::load(&fixture().document).expect("fixture loads");
    raw.set_actor(device_actor());
    mutate(&mut raw, data);
    let Ok(doc) = ZaakDocument::load(&raw.save()) else {
        return;
    };
    if doc.validate().is_ok() {
        doc.summary().expect("a valid document's summary reads");
        for visit in doc.visits().expect("a valid document's visits read") {
            doc.stored_entries(&visit.visit_id)
                .expect("a valid document's entries read");
            doc.entries(&visit.visit_id)
                .expect("a valid document's entries order");
        }
    }
});
