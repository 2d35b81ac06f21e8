//! Bounds on one document's message, checked on its bytes before Automerge applies anything:
//! Automerge inflates compressed chunks without a cap and adds every new actor at a cost that
//! grows with the actors already known, so the cost of a message must be known before it runs.
//! The limits are settings ([`SyncLimits`]); their defaults are far above what an honest device
//! sends (one actor per document instance that writes, one change per visit or entry).

use std::panic::{catch_unwind, AssertUnwindSafe};

use automerge::Change;
use veldwerk_contract::sync::Rejection;

pub use crate::settings::SyncLimits;

/// The first four bytes of every Automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn reject(zaak_id: &str, code: &str, message: String) -> Rejection {
    Rejection {
        zaak_id: zaak_id.to_owned(),
        code: code.to_owned(),
        message,
    }
}

/// Parses a message's change chunks under `limits`: only uncompressed change chunks (type 1),
/// at most so many changes, operations and distinct actors. A chunk Automerge cannot parse (or
/// panics on) is `message_malformed`.
pub fn parse_changes(
    zaak_id: &str,
    chunks: &[Vec<u8>],
    limits: &SyncLimits,
) -> Result<Vec<Change>, Rejection> {
    if chunks.len() > limits.max_changes_per_message {
        return Err(reject(
            zaak_id,
            "changes_too_many",
            format!(
                "Zaak {zaak_id}: het bericht bevat {} wijzigingen; het maximum is {}.",
                chunks.len(),
                limits.max_changes_per_message
            ),
        ));
    }
    let mut out = Vec::with_capacity(chunks.len());
    let mut ops = 0usize;
    let mut actors = std::collections::HashSet::new();
    for chunk in chunks {
        match chunk_type(chunk) {
            Some(1) => {}
            Some(2) => {
                return Err(reject(
                    zaak_id,
                    "change_compressed",
                    format!(
                        "Zaak {zaak_id}: het bericht bevat een gecomprimeerde wijziging; stuur wijzigingen ongecomprimeerd."
                    ),
                ))
            }
            _ => {
                return Err(reject(
                    zaak_id,
                    "change_chunk_invalid",
                    format!(
                        "Zaak {zaak_id}: het bericht bevat iets anders dan losse wijzigingen (bijvoorbeeld een heel document)."
                    ),
                ))
            }
        }
        let parsed = catch_unwind(AssertUnwindSafe(|| Change::try_from(chunk.as_slice())));
        let change = match parsed {
            Ok(Ok(c)) => c,
            _ => {
                return Err(reject(
                    zaak_id,
                    "message_malformed",
                    format!("Zaak {zaak_id}: een wijziging in het bericht is onleesbaar."),
                ))
            }
        };
        ops += change.len();
        if ops > limits.max_ops_per_message {
            return Err(reject(
                zaak_id,
                "operations_too_many",
                format!(
                    "Zaak {zaak_id}: het bericht bevat meer dan {} bewerkingen.",
                    limits.max_ops_per_message
                ),
            ));
        }
        for actor in change.actors() {
            if !actors.contains(actor) {
                actors.insert(actor.clone());
            }
        }
        if actors.len() > limits.max_actors_per_message {
            return Err(reject(
                zaak_id,
                "actors_too_many",
                format!(
                    "Zaak {zaak_id}: de wijzigingen in het bericht komen van meer dan {} actoren.",
                    limits.max_actors_per_message
                ),
            ));
        }
        out.push(change);
    }
    Ok(out)
}

/// The chunk type of an Automerge chunk (0 document, 1 change, 2 compressed change), if `chunk`
/// starts like one.
pub fn chunk_type(chunk: &[u8]) -> Option<u8> {
    (chunk.len() > 8 && chunk[..4] == MAGIC).then(|| chunk[8])
}

/// Refusal when a document would hold more actors than `limits` allow.
pub fn check_document_actors(
    zaak_id: &str,
    actors: u64,
    limits: &SyncLimits,
) -> Result<(), Rejection> {
    if actors > limits.max_actors_per_document {
        return Err(reject(
            zaak_id,
            "document_actors_too_many",
            format!(
                "Zaak {zaak_id}: het document zou meer dan {} actoren bevatten.",
                limits.max_actors_per_document
            ),
        ));
    }
    Ok(())
}

/// Runs `f` (an Automerge call on bytes a device sent), turning a panic inside it into `None`:
/// one bad message is a refusal for its document, never a failed request.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    fn changes(n: usize, ops: usize) -> Vec<Vec<u8>> {
        let mut doc = automerge::AutoCommit::new();
        (0..n)
            .map(|i| {
                for j in 0..ops {
                    doc.put(automerge::ROOT, format!("k{i}-{j}"), 1u64).unwrap();
                }
                doc.commit();
                doc.get_last_local_change().unwrap().raw_bytes().to_vec()
            })
            .collect()
    }

    /// Issue 13, item 8: a compressed change chunk, or a whole document, is refused unparsed.
    #[test]
    fn only_plain_change_chunks_are_parsed() {
        let limits = SyncLimits::default();
        let plain = changes(1, 1);
        assert_eq!(parse_changes("Z-1", &plain, &limits).unwrap().len(), 1);
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "big", "x".repeat(4096)).unwrap();
        doc.commit();
        let mut change = doc.get_last_local_change().unwrap();
        let compressed = change.bytes().to_vec();
        assert_eq!(chunk_type(&compressed), Some(2));
        let err = parse_changes("Z-1", &[compressed], &limits).unwrap_err();
        assert_eq!(err.code, "change_compressed");
        let err = parse_changes("Z-1", &[doc.save()], &limits).unwrap_err();
        assert_eq!(err.code, "change_chunk_invalid");
        let mut broken = plain[0].clone();
        broken.truncate(broken.len() - 3);
        let err = parse_changes("Z-1", &[broken], &limits).unwrap_err();
        assert_eq!(err.code, "message_malformed");
    }

    /// Issue 13, item 12: changes, operations and actors per message are capped.
    #[test]
    fn counts_are_capped() {
        let limits = SyncLimits {
            max_changes_per_message: 3,
            max_ops_per_message: 5,
            max_actors_per_message: 2,
            max_actors_per_document: 4,
        };
        let err = parse_changes("Z-1", &changes(4, 1), &limits).unwrap_err();
        assert_eq!(err.code, "changes_too_many");
        let err = parse_changes("Z-1", &changes(2, 3), &limits).unwrap_err();
        assert_eq!(err.code, "operations_too_many");
        let many: Vec<Vec<u8>> = (0..3).flat_map(|_| changes(1, 1)).collect();
        let err = parse_changes("Z-1", &many, &limits).unwrap_err();
        assert_eq!(err.code, "actors_too_many");
        assert!(check_document_actors("Z-1", 4, &limits).is_ok());
        assert_eq!(
            check_document_actors("Z-1", 5, &limits).unwrap_err().code,
            "document_actors_too_many"
        );
    }

    #[test]
    fn a_panic_is_caught() {
        assert_eq!(guarded(|| 1), Some(1));
        let divisor = std::hint::black_box(0u32);
        assert_eq!(guarded(|| 1 / divisor), None);
    }
}
