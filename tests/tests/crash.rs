//! Crash test (issue 3): a child process records entries in a loop and is killed with SIGKILL at
//! random moments. After every kill the store must open cleanly, hold every entry whose id the
//! child printed (printed only after `record` returned), verify, and accept new entries.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use veldwerk_device::Device;

const CHILD: &str = env!("CARGO_BIN_EXE_veldwerk-crash-child");
const KEY: [u8; 32] = [0x5a; 32];
const ZAAK: &str = "Z-CRASH-1";
const ROUNDS: usize = 20;

/// A small xorshift generator: kill moments differ per run without a dependency.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Rng(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs the child, kills it after `after` (or lets it finish when it exits first), and
/// returns the entry ids it printed in full lines.
fn run_child(dir: &Path, after: Option<Duration>, count: Option<u64>) -> (Vec<String>, bool) {
    let mut cmd = Command::new(CHILD);
    cmd.arg(dir).stdout(Stdio::piped()).stderr(Stdio::inherit());
    if let Some(count) = count {
        cmd.arg(count.to_string());
    }
    let mut child = cmd.spawn().expect("spawn the crash child");
    let stdout = child.stdout.take().expect("child stdout");
    let reader = std::thread::spawn(move || {
        let mut ids = Vec::new();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        // Only complete lines count: a line cut by the kill was never fully printed.
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(id) = line.strip_suffix('\n') {
                ids.push(id.to_owned());
            }
            line.clear();
        }
        ids
    });
    if let Some(after) = after {
        std::thread::sleep(after);
        // SIGKILL on Unix; an error only means the child already exited.
        let _ = child.kill();
    }
    let status = child.wait().expect("wait for the child");
    (reader.join().expect("reader thread"), status.success())
}

/// Opens the store and checks every printed id is there and the visit verifies.
fn check(dir: &Path, printed: &HashSet<String>, round: usize) -> usize {
    let mut device = Device::open(dir, KEY)
        .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
    if printed.is_empty() && device.store().worklist_item(ZAAK).unwrap().is_none() {
        return 0;
    }
    let detail = device
        .zaak_detail(ZAAK)
        .unwrap_or_else(|e| panic!("round {round}: zaak unreadable: {e}"));
    let Some(visit) = detail.visits.first() else {
        assert!(
            printed.is_empty(),
            "round {round}: entries printed but no visit"
        );
        return 0;
    };
    let stored: HashSet<&str> = visit
        .entries
        .iter()
        .map(|e| e.entry.entry_id.as_str())
        .collect();
    for id in printed {
        assert!(
            stored.contains(id.as_str()),
            "round {round}: entry {id} was returned but is lost"
        );
    }
    assert!(
        visit.verification.is_intact(),
        "round {round}: {:?}",
        visit.verification
    );
    assert!(
        visit.anomalies.is_empty(),
        "round {round}: {:?}",
        visit.anomalies
    );
    visit.entries.len()
}

#[test]
fn entries_returned_before_a_sigkill_survive_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng::seeded();
    let mut printed = HashSet::new();
    let mut stored = 0;
    for round in 0..ROUNDS {
        let after = Duration::from_millis(30 + rng.below(400));
        let (ids, _) = run_child(dir.path(), Some(after), None);
        printed.extend(ids);
        let now = check(dir.path(), &printed, round);
        assert!(now >= stored, "round {round}: entries went missing");
        stored = now;
    }
    // After all the kills, recording goes on: a run that is not killed records and exits.
    let (ids, ok) = run_child(dir.path(), None, Some(5));
    assert!(ok, "the child failed after {ROUNDS} kills");
    let before = printed.len();
    printed.extend(ids);
    assert!(printed.len() >= before + 5);
    let total = check(dir.path(), &printed, ROUNDS);
    eprintln!(
        "{ROUNDS} kills: {} entries returned, {total} stored, all verified",
        printed.len()
    );
}
