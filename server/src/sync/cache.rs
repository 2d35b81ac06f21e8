//! Loaded zaak documents kept in memory between round trips, with what the checks read of them
//! (the summary), so a round trip does not reload a document from the store.
//!
//! One [`DocCache`] per [`super::SyncService`], so per server and per store: nothing is shared
//! between two servers in one process.
//!
//! The store stays the truth, and only committed data is ever kept: a document is put here after
//! the transaction that stored its changes committed. A kept document is the zaak's snapshot plus
//! every incremental row up to `change_id`, and is used only by a round trip whose read of the
//! store shows exactly that last row ([`DocCache::take`]); a round trip takes its document out, so
//! two requests never share one instance, and one that finds none loads from the store.
//!
//! Consistency with other writers: an append by anyone (another connection, another process)
//! gives the zaak a new last row, so a document kept before it no longer matches the store and
//! is not used. The row id alone is not enough after a compaction, which deletes rows and lets
//! SQLite hand out a deleted id again; so every append through this cache (the round trip's
//! commit, [`super::store::ensure`] via [`DocCache::forget`]) also bumps the zaak's generation
//! and drops its kept document before the commit (so a reader outside the writer's lock cannot
//! find one that lacks a committed row), and a document read before an append is not put back.
//! An append that does not go through this cache (another process, or another `SyncService` on
//! the same store) is seen by its row id alone, which may repeat the id of a compacted row: the
//! cache is right only while one server's sync is the one writer of `zaak_docs` and
//! `zaak_doc_changes`, as it is today. The admin commands write zaken, assignments, devices and
//! policy, never documents, and every round trip reads those from the store (see
//! [`super::shared`]). Bounded by count and by estimated memory; the least recently used entries
//! go first.

use std::collections::HashMap;
use std::sync::Mutex;

use veldwerk_contract::zaak::{ZaakDocument, ZaakSummary};

/// At most this many documents are kept.
pub const MAX_DOCS: usize = 4096;
/// The memory the kept documents may take, as estimated by `charge`: room for the 2000
/// documents 200 devices with 10 zaken each touch in one burst (at 64 MiB about 1200 fitted, and
/// a burst that cycles through more documents than fit finds none of them kept). The estimate is
/// generous: with all 2000 kept the server's peak RSS stayed at 115–140 MiB.
pub const MAX_BYTES: usize = 256 << 20;

/// Estimated memory of a loaded document and what is known of it: a small zaak document takes
/// some 20–40 KiB loaded, a large one about eight times its stored (compressed) size.
fn charge(stored_bytes: usize) -> usize {
    (16 << 10) + 8 * stored_bytes
}

/// What the checks know of a document before a message is applied to it: its summary. The
/// entries a message touched are read after it is applied, what they were before and are now in
/// one read ([`super::check`]), so nothing of the other visits is ever read.
#[derive(Debug, Clone)]
pub struct Known {
    pub summary: ZaakSummary,
}

/// A loaded document, the store row it is current at, and what the checks know of it.
#[derive(Debug)]
pub struct Loaded {
    pub doc: ZaakDocument,
    /// Id of the last incremental row the document includes (0: the snapshot alone).
    pub change_id: i64,
    /// Size of the stored bytes it was loaded from plus what was appended since, for the bound.
    pub stored_bytes: usize,
    pub known: Option<Known>,
    /// The zaak's generation when the document was read from the store or stored.
    pub generation: u64,
}

struct Slot {
    loaded: Loaded,
    used: u64,
}

#[derive(Default)]
struct Cache {
    slots: HashMap<String, Slot>,
    generations: HashMap<String, u64>,
    bytes: usize,
    clock: u64,
}

/// The kept documents of one store, by zaak id, and every zaak's generation (how many appends
/// this cache has seen).
#[derive(Default)]
pub struct DocCache {
    cache: Mutex<Cache>,
}

impl DocCache {
    fn with<T>(&self, f: impl FnOnce(&mut Cache) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update: start empty.
        let mut guard = self.cache.lock().unwrap_or_else(|p| {
            let mut g = p.into_inner();
            *g = Cache::default();
            g
        });
        f(&mut guard)
    }

    /// The zaak's generation now (stamp a document read from the store with it).
    pub fn generation(&self, zaak_id: &str) -> u64 {
        self.with(|c| c.generations.get(zaak_id).copied().unwrap_or(0))
    }

    /// Takes the document of `zaak_id` out of the cache if it is current at `change_id` (the
    /// zaak's last incremental row now); a stale one is dropped.
    pub fn take(&self, zaak_id: &str, change_id: i64) -> Option<Loaded> {
        self.with(|c| {
            let slot = c.slots.remove(zaak_id)?;
            c.bytes -= charge(slot.loaded.stored_bytes);
            (slot.loaded.change_id == change_id).then_some(slot.loaded)
        })
    }

    /// Puts back a document whose content the round trip did not change; kept only if nothing
    /// was appended to the zaak since it was read, and never over one that includes later rows.
    pub fn put_unchanged(&self, zaak_id: &str, loaded: Loaded) {
        self.with(|c| {
            let newer_kept = c
                .slots
                .get(zaak_id)
                .is_some_and(|s| s.loaded.change_id > loaded.change_id);
            if c.generations.get(zaak_id).copied().unwrap_or(0) == loaded.generation && !newer_kept
            {
                insert(c, zaak_id.to_owned(), loaded);
            }
        })
    }

    /// Records an append to the zaak (committed); `current` is the document that includes it
    /// and every row before it, if the caller has one, with `change_id` the appended row.
    pub fn stored(&self, zaak_id: &str, current: Option<Loaded>) {
        self.with(|c| {
            let g = c.generations.entry(zaak_id.to_owned()).or_insert(0);
            *g += 1;
            let g = *g;
            if let Some(old) = c.slots.remove(zaak_id) {
                c.bytes -= charge(old.loaded.stored_bytes);
            }
            if let Some(mut loaded) = current {
                loaded.generation = g;
                insert(c, zaak_id.to_owned(), loaded);
            }
        })
    }

    /// Records an append to the zaak by a path that has no current document at hand.
    pub fn forget(&self, zaak_id: &str) {
        self.stored(zaak_id, None);
    }
}

fn insert(c: &mut Cache, key: String, loaded: Loaded) {
    if charge(loaded.stored_bytes) > MAX_BYTES {
        return;
    }
    c.clock += 1;
    c.bytes += charge(loaded.stored_bytes);
    let used = c.clock;
    if let Some(old) = c.slots.insert(key, Slot { loaded, used }) {
        c.bytes -= charge(old.loaded.stored_bytes);
    }
    while c.slots.len() > MAX_DOCS || c.bytes > MAX_BYTES {
        let Some(oldest) = c
            .slots
            .iter()
            .min_by_key(|(_, s)| s.used)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        if let Some(s) = c.slots.remove(&oldest) {
            c.bytes -= charge(s.loaded.stored_bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use veldwerk_contract::zaak::Address;
    use veldwerk_rules::protocol::melding::Werkproces;

    fn loaded(change_id: i64, generation: u64) -> Loaded {
        let doc = ZaakDocument::new(&ZaakSummary {
            zaak_id: "Z-1".into(),
            label: "Woonsituatie".into(),
            address: Address {
                street: "Kerkstraat".into(),
                house_number: "1".into(),
                postcode: String::new(),
                city: "Demodorp".into(),
            },
            werkproces: Werkproces::H2,
            motivatie: "Post voor een tweede volwassene.".into(),
            deadline: None,
            handhavers: Default::default(),
        })
        .unwrap();
        Loaded {
            doc,
            change_id,
            stored_bytes: 100,
            known: None,
            generation,
        }
    }

    #[test]
    fn a_document_is_used_only_while_current() {
        let cache = DocCache::default();
        cache.put_unchanged("Z-1", loaded(5, cache.generation("Z-1")));
        assert!(cache.take("Z-1", 6).is_none(), "a newer row exists");
        assert!(cache.take("Z-1", 5).is_none(), "a stale one was dropped");

        cache.put_unchanged("Z-1", loaded(5, cache.generation("Z-1")));
        let l = cache.take("Z-1", 5).expect("current");
        assert!(cache.take("Z-1", 5).is_none(), "taken out, not shared");
        cache.put_unchanged("Z-1", l);
        assert!(cache.take("Z-1", 5).is_some());
    }

    #[test]
    fn an_append_by_anyone_else_makes_a_taken_document_stale() {
        let cache = DocCache::default();
        let g = cache.generation("Z-1");
        // Two requests read the document at the same row; the second stores first.
        let first = loaded(5, g);
        cache.stored("Z-1", Some(loaded(6, g)));
        cache.put_unchanged("Z-1", first);
        let l = cache.take("Z-1", 6).expect("the stored one is kept");
        assert_eq!(l.generation, g + 1);
        // An append by a path without a document drops it.
        cache.put_unchanged("Z-1", l);
        cache.forget("Z-1");
        assert!(cache.take("Z-1", 6).is_none());
        // Another cache (another server's) never sees it.
        cache.stored("Z-1", Some(loaded(7, 0)));
        assert!(DocCache::default().take("Z-1", 7).is_none());
        assert!(cache.take("Z-1", 7).is_some());
    }

    #[test]
    fn documents_beyond_the_bound_are_not_kept() {
        let cache = DocCache::default();
        let mut big = loaded(1, cache.generation("Z-1"));
        big.stored_bytes = MAX_BYTES;
        cache.put_unchanged("Z-1", big);
        assert!(cache.take("Z-1", 1).is_none());
    }
}
