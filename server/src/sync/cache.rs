//! Loaded zaak documents kept in memory between round trips, with what the checks read of them
//! (summary and every stored entry), so a round trip neither reloads a document from the store
//! nor reads its stored entries again before applying a message.
//!
//! The store stays the truth, and only committed data is ever kept: a document is put here after
//! the transaction that stored its changes committed. A kept document is the zaak's snapshot plus
//! every incremental row up to `change_id`, and is used only by a round trip whose read of the
//! store shows exactly that last row ([`take`]); a round trip takes its document out, so two
//! requests never share one instance, and one that finds none loads from the store. Every append
//! in this process bumps the zaak's generation and drops its kept document before the commit (so
//! a reader outside the writer's lock cannot find one that lacks a committed row, even if SQLite
//! reuses a row id after compaction); a document read before an append is not put back. Other
//! processes do not write zaak documents (only the server's sync does). Bounded by count and by
//! estimated memory; the least recently used entries go first.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use veldwerk_contract::zaak::{Entry, ZaakDocument, ZaakSummary};

/// At most this many documents are kept.
pub const MAX_DOCS: usize = 4096;
/// The memory the kept documents may take, as estimated by [`charge`]: room for the 2000
/// documents 200 devices with 10 zaken each touch in one burst (at 64 MiB about 1200 fitted, and
/// a burst that cycles through more documents than fit finds none of them kept). The estimate is
/// generous: with all 2000 kept the server's peak RSS stayed at 115–140 MiB.
pub const MAX_BYTES: usize = 256 << 20;

/// Estimated memory of a loaded document and what is known of it: a small zaak document takes
/// some 20–40 KiB loaded, a large one about eight times its stored (compressed) size.
fn charge(stored_bytes: usize) -> usize {
    (16 << 10) + 8 * stored_bytes
}

/// What the checks know of a document before a message is applied to it.
#[derive(Debug, Clone)]
pub struct Known {
    pub summary: ZaakSummary,
    /// Every stored entry copy of every visit, by visit id.
    pub entries: BTreeMap<String, Vec<Entry>>,
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
    slots: HashMap<(PathBuf, String), Slot>,
    generations: HashMap<(PathBuf, String), u64>,
    bytes: usize,
    clock: u64,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

fn with<T>(f: impl FnOnce(&mut Cache) -> T) -> T {
    // A poisoned lock only means another thread panicked mid-update: start empty.
    let mut guard = cache().lock().unwrap_or_else(|p| {
        let mut g = p.into_inner();
        *g = Cache::default();
        g
    });
    f(&mut guard)
}

/// The store file a connection works on, the first half of every key.
pub fn store_of(conn: &rusqlite::Connection) -> PathBuf {
    PathBuf::from(conn.path().unwrap_or_default())
}

/// The zaak's generation now (stamp a document read from the store with it).
pub fn generation(store: &Path, zaak_id: &str) -> u64 {
    with(|c| {
        c.generations
            .get(&(store.to_path_buf(), zaak_id.to_owned()))
            .copied()
            .unwrap_or(0)
    })
}

/// Takes the document of `zaak_id` out of the cache if it is current at `change_id` (the
/// zaak's last incremental row now); a stale one is dropped.
pub fn take(store: &Path, zaak_id: &str, change_id: i64) -> Option<Loaded> {
    with(|c| {
        let slot = c.slots.remove(&(store.to_path_buf(), zaak_id.to_owned()))?;
        c.bytes -= charge(slot.loaded.stored_bytes);
        (slot.loaded.change_id == change_id).then_some(slot.loaded)
    })
}

/// Puts back a document whose content the round trip did not change; kept only if nothing was
/// appended to the zaak since it was read, and never over one that includes later rows.
pub fn put_unchanged(store: &Path, zaak_id: &str, loaded: Loaded) {
    with(|c| {
        let key = (store.to_path_buf(), zaak_id.to_owned());
        let newer_kept = c
            .slots
            .get(&key)
            .is_some_and(|s| s.loaded.change_id > loaded.change_id);
        if c.generations.get(&key).copied().unwrap_or(0) == loaded.generation && !newer_kept {
            insert(c, key, loaded);
        }
    })
}

/// Records an append to the zaak (committed); `current` is the document that includes it and
/// every row before it, if the caller has one, with `change_id` the appended row.
pub fn stored(store: &Path, zaak_id: &str, current: Option<Loaded>) {
    with(|c| {
        let key = (store.to_path_buf(), zaak_id.to_owned());
        let g = c.generations.entry(key.clone()).or_insert(0);
        *g += 1;
        let g = *g;
        if let Some(old) = c.slots.remove(&key) {
            c.bytes -= charge(old.loaded.stored_bytes);
        }
        if let Some(mut loaded) = current {
            loaded.generation = g;
            insert(c, key, loaded);
        }
    })
}

/// Records an append to the zaak by a path that has no current document at hand.
pub fn forget(store: &Path, zaak_id: &str) {
    stored(store, zaak_id, None);
}

fn insert(c: &mut Cache, key: (PathBuf, String), loaded: Loaded) {
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
        let store = Path::new("cache-test-current");
        put_unchanged(store, "Z-1", loaded(5, generation(store, "Z-1")));
        assert!(take(store, "Z-1", 6).is_none(), "a newer row exists");
        assert!(take(store, "Z-1", 5).is_none(), "a stale one was dropped");

        put_unchanged(store, "Z-1", loaded(5, generation(store, "Z-1")));
        let l = take(store, "Z-1", 5).expect("current");
        assert!(take(store, "Z-1", 5).is_none(), "taken out, not shared");
        put_unchanged(store, "Z-1", l);
        assert!(take(store, "Z-1", 5).is_some());
    }

    #[test]
    fn an_append_by_anyone_else_makes_a_taken_document_stale() {
        let store = Path::new("cache-test-append");
        let g = generation(store, "Z-1");
        // Two requests read the document at the same row; the second stores first.
        let first = loaded(5, g);
        stored(store, "Z-1", Some(loaded(6, g)));
        put_unchanged(store, "Z-1", first);
        let l = take(store, "Z-1", 6).expect("the stored one is kept");
        assert_eq!(l.generation, g + 1);
        // An append by a path without a document drops it.
        put_unchanged(store, "Z-1", l);
        forget(store, "Z-1");
        assert!(take(store, "Z-1", 6).is_none());
        // Another store file never sees it.
        stored(store, "Z-1", Some(loaded(7, 0)));
        assert!(take(Path::new("cache-test-other"), "Z-1", 7).is_none());
    }

    #[test]
    fn documents_beyond_the_bound_are_not_kept() {
        let store = Path::new("cache-test-bound");
        let mut big = loaded(1, generation(store, "Z-1"));
        big.stored_bytes = MAX_BYTES;
        put_unchanged(store, "Z-1", big);
        assert!(take(store, "Z-1", 1).is_none());
    }
}
