//! The commands that talk to the organisation's server: `veldwerk enroll --server URL --code
//! CODE` and `veldwerk sync` (a progress bar on stderr in a terminal, then a summary), through
//! `veldwerk-client`.

use crate::terminal::printable;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde::Serialize;
use veldwerk_client::{ClientError, Enrollment, SyncProgress, SyncReport};
use veldwerk_rules::Notice;

use crate::field::{self, FieldError};

/// The server commands, flattened into `veldwerk`'s top level.
#[derive(Debug, Clone, Subcommand)]
pub enum RemoteCommand {
    /// Dit apparaat aanmelden bij de server van de organisatie met een eenmalige koppelcode.
    Enroll(EnrollArgs),
    /// Synchroniseren met de server: vastleggingen versturen, zaken en de actieve code ontvangen.
    Sync(SyncArgs),
}

#[derive(Debug, Clone, Args)]
pub struct EnrollArgs {
    /// Het adres van de server, bijv. https://veldwerk.gemeente.nl.
    #[arg(long)]
    pub server: String,
    /// De eenmalige koppelcode van de supervisor.
    #[arg(long)]
    pub code: String,
    /// De uitkomst als JSON op stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// De samenvatting als JSON op stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, thiserror::Error)]
enum RemoteError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("{0}")]
    Client(#[from] ClientError),
}

impl RemoteError {
    fn notice(&self) -> Notice {
        match self {
            RemoteError::Field(e) => e.notice(),
            RemoteError::Client(e) => e.notice(),
        }
    }
}

/// Runs a server command on the device in `data_dir`; prints the outcome (or the coded Dutch
/// error on stderr, and as JSON on stdout with `--json`) and returns the exit code. A sync
/// with refused documents exits with failure after its summary.
pub fn run(data_dir: &Path, cmd: &RemoteCommand) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = crate::terminal::Printable::new(stdout.lock());
    let json = match cmd {
        RemoteCommand::Enroll(a) => a.json,
        RemoteCommand::Sync(a) => a.json,
    };
    let result = match cmd {
        RemoteCommand::Enroll(a) => enroll(data_dir, a, &mut out),
        RemoteCommand::Sync(a) => sync(data_dir, a, &mut out),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            let notice = e.notice();
            eprintln!("Fout: {}", printable(&notice.to_string()));
            if json {
                #[derive(Serialize)]
                struct JsonError<'a> {
                    error: &'a Notice,
                }
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&JsonError { error: &notice }).unwrap_or_default()
                );
            }
            ExitCode::FAILURE
        }
    }
}

#[derive(Serialize)]
struct EnrollJson<'a> {
    device_id: &'a str,
    user: &'a str,
    organisation: &'a str,
    policy_version: u64,
    code: &'a str,
}

fn enroll(data_dir: &Path, a: &EnrollArgs, out: &mut impl Write) -> Result<bool, RemoteError> {
    // A failed first enrollment (bad code, server down) leaves nothing behind: no store, no
    // key, no salt file, so a retry may choose another passphrase (issue 15).
    let fresh = !data_dir.join(field::key::SALT_FILE).exists()
        && !data_dir.join(veldwerk_device::store::DB_FILE).exists();
    let existed = existing_entries(data_dir);
    let result = (|| {
        let mut device = field::open_device(data_dir)?;
        Ok::<_, RemoteError>(veldwerk_client::enroll(&mut device, &a.server, &a.code)?)
    })();
    let e: Enrollment = match result {
        Ok(e) => e,
        Err(err) => {
            if fresh {
                remove_new_entries(data_dir, existed.as_deref());
            }
            return Err(err);
        }
    };
    let _ = if a.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&EnrollJson {
                device_id: &e.device_id,
                user: &e.user,
                organisation: &e.organisation,
                policy_version: e.policy_version,
                code: e.code.id(),
            })
            .unwrap_or_default()
        )
    } else {
        writeln!(
            out,
            "Aangemeld bij {} als apparaat {} van {}.\nActieve code: {}; beleid versie {}.\n\
             Synchroniseer nu met `veldwerk sync` om uw zaken te ontvangen.",
            e.organisation,
            e.device_id,
            e.user,
            e.code.label(),
            e.policy_version
        )
    };
    Ok(true)
}

/// The names in `dir` before a command, `None` when `dir` did not exist.
fn existing_entries(dir: &Path) -> Option<Vec<std::ffi::OsString>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect(),
    )
}

/// Removes what a failed command created in `dir`: everything when `dir` did not exist before,
/// otherwise only the names that were not there. Best effort: a failure here leaves the error
/// of the command itself as the one reported.
fn remove_new_entries(dir: &Path, before: Option<&[std::ffi::OsString]>) {
    let Some(before) = before else {
        let _ = std::fs::remove_dir_all(dir);
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if before.contains(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

#[derive(Serialize)]
struct SyncJson<'a> {
    round_trips: u32,
    millis: u128,
    docs_sent: usize,
    docs_received: usize,
    entries_sent: u64,
    entries_received: usize,
    new_zaken: &'a [String],
    withdrawn_zaken: Vec<&'a str>,
    purged_zaken: &'a [String],
    rejections: Vec<RejectionJson<'a>>,
    notices: &'a [Notice],
    policy_updated: Option<u64>,
    policy_version: u64,
    code: &'a str,
    unsynced_entries: u64,
    bytes_sent: usize,
    bytes_received: usize,
    photos_uploaded: usize,
    photos_pending: usize,
}

#[derive(Serialize)]
struct RejectionJson<'a> {
    zaak_id: &'a str,
    code: &'a str,
    message: &'a str,
}

fn sync(data_dir: &Path, a: &SyncArgs, out: &mut impl Write) -> Result<bool, RemoteError> {
    let mut slot = Some(field::open_device(data_dir)?);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(100));
        bar.set_message("Verbinden met de server…");
        bar
    });
    let started = Instant::now();
    let result = veldwerk_client::sync(&mut slot, &mut |p| {
        if let Some(bar) = &bar {
            bar.set_message(progress_text(p));
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(e @ ClientError::Revoked { .. }) => {
            // The storage key goes too: without the salt the passphrase opens nothing.
            let _ = std::fs::remove_file(data_dir.join(field::key::SALT_FILE));
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let elapsed = started.elapsed();
    let clean = report.summary.rejections.is_empty();
    let _ = if a.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&sync_json(&report, elapsed)).unwrap_or_default()
        )
    } else {
        write!(out, "{}", summary_text(&report, elapsed))
    };
    Ok(clean)
}

fn progress_text(p: SyncProgress) -> String {
    match p {
        SyncProgress::Sending {
            round_trip,
            bytes_sent,
            ..
        } => format!(
            "Ronde {round_trip}: versturen ({} verstuurd)…",
            human_bytes(bytes_sent)
        ),
        SyncProgress::Applied {
            round_trip,
            new_docs,
            bytes_received,
            ..
        } => format!(
            "Ronde {round_trip}: verwerkt ({} ontvangen, {new_docs} nieuwe zaken)",
            human_bytes(bytes_received)
        ),
        SyncProgress::Photos { done, total } => format!("Foto's: {done} van {total} verwerkt"),
    }
}

fn human_bytes(n: usize) -> String {
    if n < 10 * 1024 {
        format!("{n} B")
    } else if n < 10 * 1024 * 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{} MiB", n / (1024 * 1024))
    }
}

fn sync_json(r: &SyncReport, elapsed: Duration) -> SyncJson<'_> {
    let s = &r.summary;
    SyncJson {
        round_trips: s.round_trips,
        millis: elapsed.as_millis(),
        docs_sent: s.docs_sent,
        docs_received: s.docs_received,
        entries_sent: r.entries_sent,
        entries_received: s.entries_received,
        new_zaken: &s.new_docs,
        withdrawn_zaken: s.withdrawn.iter().map(String::as_str).collect(),
        purged_zaken: &s.purged,
        rejections: s
            .rejections
            .iter()
            .map(|x| RejectionJson {
                zaak_id: &x.zaak_id,
                code: &x.code,
                message: &x.message,
            })
            .collect(),
        notices: &s.notices,
        policy_updated: s.policy_updated,
        policy_version: r.policy.version,
        code: r.policy.code.id(),
        unsynced_entries: r.unsynced_entries,
        bytes_sent: s.bytes_sent,
        bytes_received: s.bytes_received,
        photos_uploaded: r.photos_uploaded,
        photos_pending: r.photos_pending,
    }
}

/// The human summary of a sync, in Dutch.
fn summary_text(r: &SyncReport, elapsed: Duration) -> String {
    let s = &r.summary;
    let mut t = format!(
        "Gesynchroniseerd in {} {} ({} ms).\n",
        s.round_trips,
        if s.round_trips == 1 {
            "ronde"
        } else {
            "rondes"
        },
        elapsed.as_millis()
    );
    t.push_str(&format!(
        "  Verstuurd: {} vastleggingen in {} documentberichten ({}).\n",
        r.entries_sent,
        s.docs_sent,
        human_bytes(s.bytes_sent)
    ));
    t.push_str(&format!(
        "  Ontvangen: {} vastleggingen, {} documentberichten, {} nieuwe zaken ({}).\n",
        s.entries_received,
        s.docs_received,
        s.new_docs.len(),
        human_bytes(s.bytes_received)
    ));
    if r.photos_uploaded > 0 || r.photos_pending > 0 {
        t.push_str(&format!(
            "  Foto's: {} op de server, {} nog te versturen.\n",
            r.photos_uploaded, r.photos_pending
        ));
    }
    match s.policy_updated {
        Some(v) => t.push_str(&format!(
            "  Beleid: bijgewerkt naar versie {v}; actieve code nu {}.\n",
            r.policy.code.label()
        )),
        None => t.push_str(&format!(
            "  Beleid: actueel (versie {}, {}).\n",
            r.policy.version,
            r.policy.code.label()
        )),
    }
    if !s.withdrawn.is_empty() {
        t.push_str(&format!(
            "  Niet meer toegewezen: {}{}.\n",
            s.withdrawn.iter().cloned().collect::<Vec<_>>().join(", "),
            if s.purged.is_empty() {
                String::new()
            } else {
                format!(" (van dit apparaat verwijderd: {})", s.purged.join(", "))
            }
        ));
    }
    if s.rejections.is_empty() {
        t.push_str("  Geweigerd: niets.\n");
    } else {
        t.push_str(&format!(
            "  Geweigerd door de server ({}); deze gegevens blijven op dit apparaat:\n",
            s.rejections.len()
        ));
        for x in &s.rejections {
            t.push_str(&format!(
                "    - zaak {}: {} [{}]\n",
                x.zaak_id, x.message, x.code
            ));
        }
    }
    for n in &s.notices {
        t.push_str(&format!("  Let op: {n}\n"));
    }
    for w in &r.policy.warnings {
        t.push_str(&format!("  Let op: {w}\n"));
    }
    if r.unsynced_entries > 0 {
        t.push_str(&format!(
            "  Nog niet gesynchroniseerd: {} vastleggingen.\n",
            r.unsynced_entries
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use veldwerk_device::sync::{Rejection, SyncSummary};
    use veldwerk_device::DevicePolicyStatus;
    use veldwerk_rules::routekaart::Code;

    fn report() -> SyncReport {
        SyncReport {
            summary: SyncSummary {
                round_trips: 2,
                docs_sent: 3,
                docs_received: 2,
                entries_received: 5,
                new_docs: vec!["Z-9".into()],
                rejections: vec![Rejection {
                    zaak_id: "Z-1".into(),
                    code: "entry_unverified".into(),
                    message: "Zaak Z-1: een vastlegging klopt niet.".into(),
                }],
                policy_updated: Some(4),
                bytes_sent: 2048,
                bytes_received: 20 * 1024,
                ..SyncSummary::default()
            },
            entries_sent: 7,
            unsynced_entries: 1,
            acknowledged_zaken: 1,
            photos_uploaded: 0,
            photos_pending: 0,
            policy: DevicePolicyStatus {
                installed: true,
                code: Code::Rood,
                version: 4,
                synced_at: None,
                age_seconds: Some(0),
                stale: false,
                warnings: Vec::new(),
            },
        }
    }

    #[test]
    fn the_summary_names_what_moved_and_what_was_refused() {
        let t = summary_text(&report(), Duration::from_millis(42));
        assert!(t.contains("2 rondes (42 ms)"), "{t}");
        assert!(t.contains("Verstuurd: 7 vastleggingen in 3 documentberichten (2048 B)"));
        assert!(
            t.contains("Ontvangen: 5 vastleggingen, 2 documentberichten, 1 nieuwe zaken (20 KiB)")
        );
        assert!(t.contains("bijgewerkt naar versie 4"));
        assert!(t.contains("code rood"));
        assert!(t.contains("zaak Z-1: Zaak Z-1: een vastlegging klopt niet. [entry_unverified]"));
        assert!(t.contains("Nog niet gesynchroniseerd: 1"));
    }

    #[test]
    fn the_json_summary_carries_codes() {
        let r = report();
        let v = serde_json::to_value(sync_json(&r, Duration::from_millis(5))).unwrap();
        assert_eq!(v["code"], "rood");
        assert_eq!(v["policy_updated"], 4);
        assert_eq!(v["rejections"][0]["code"], "entry_unverified");
        assert_eq!(v["entries_sent"], 7);
    }

    #[test]
    fn progress_reads_as_dutch() {
        assert_eq!(
            progress_text(SyncProgress::Sending {
                round_trip: 1,
                docs_sent: 2,
                bytes_sent: 300
            }),
            "Ronde 1: versturen (300 B verstuurd)…"
        );
    }
}
