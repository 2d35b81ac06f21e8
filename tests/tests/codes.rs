//! The registry of machine codes (`veldwerk_contract::codes`) against the sources: every code a
//! user, a device or a client can be given is registered exactly once, no registered code is
//! stale, and no two codes say the same thing in other words (`invalid_public_key` next to
//! `public_key_invalid`, `zaak_unknown` next to `zaak_onbekend`).
//!
//! The codes are read from the sources where the workspace gives them: the bodies of `fn code`,
//! `Notice::new("…"`, the server's refusals (`Error::refused`, `bad_request`, `not_found`,
//! `unauthorized`, `AppError::new`) and `code: "…"` fields. Test code is left out.

use std::collections::{BTreeMap, BTreeSet};

use veldwerk_contract::codes::CODES;
use veldwerk_tests::sources::production_sources;

/// The crates whose sources give codes.
const SOURCES: &[&str] = &[
    "rules",
    "contract",
    "device",
    "support/sql",
    "server",
    "client",
    "cli",
    "mobile-bindings",
];

/// Calls whose first code-shaped string argument is a code.
const CALLS: &[&str] = &[
    "Notice::new(",
    "refused(",
    "bad_request(",
    "not_found(",
    "unauthorized(",
    "AppError::new(",
    "reject(",
    "VeldwerkError::invalid(",
];

/// Words that mean the same in Dutch and English, or two English words for one meaning: two
/// codes whose words are the same after this mapping (in any order) are synonyms.
const SYNONYMS: &[(&str, &str)] = &[
    ("onbekend", "unknown"),
    ("onbekende", "unknown"),
    ("ongeldig", "invalid"),
    ("ongeldige", "invalid"),
    ("onjuist", "invalid"),
    ("ontbreekt", "missing"),
    ("leeg", "empty"),
    ("verboden", "forbidden"),
    ("niet", "not"),
    ("apparaat", "device"),
    ("sleutel", "key"),
    ("wachtwoord", "passphrase"),
    ("password", "passphrase"),
    ("bezoek", "visit"),
    ("aangemeld", "enrolled"),
    ("handtekening", "signature"),
];

fn is_code(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// The string literals of a line, in order (no escapes inside codes, so a plain split works).
fn literals(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

/// Every code the sources give, with the files that give it.
fn codes_in_sources() -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in SOURCES.iter().flat_map(|dir| production_sources(dir)) {
        let rel = source.in_workspace;
        let lines: Vec<&str> = source.lines.iter().map(String::as_str).collect();
        let mut add = |code: &str| {
            found
                .entry(code.to_owned())
                .or_default()
                .insert(rel.clone());
        };
        let mut depth_in_code_fn: Option<i64> = None;
        for (i, line) in lines.iter().enumerate() {
            // Bodies of `fn code(`: every code-shaped literal is a code.
            if depth_in_code_fn.is_none()
                && (line.contains("fn code(&self)") || line.contains("fn code(self)"))
            {
                depth_in_code_fn = Some(0);
            }
            if let Some(depth) = depth_in_code_fn.as_mut() {
                for lit in literals(line) {
                    if is_code(lit) {
                        add(lit);
                    }
                }
                *depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
                if *depth <= 0 && line.contains('}') {
                    depth_in_code_fn = None;
                }
                continue;
            }
            // Calls that take a code first, possibly on the next lines.
            for call in CALLS {
                if let Some(at) = line.find(call) {
                    let rest = std::iter::once(&line[at + call.len()..])
                        .chain(lines.iter().skip(i + 1).take(3).copied());
                    let first = rest.flat_map(literals).next();
                    if let Some(lit) = first.filter(|l| is_code(l)) {
                        add(lit);
                    }
                }
            }
            // `code: "…"` fields (rejections, notices built by hand).
            if let Some(at) = line.find("code: \"") {
                if let Some(lit) = literals(&line[at..]).first().filter(|l| is_code(l)) {
                    add(lit);
                }
            }
        }
    }
    found
}

fn normal_form(code: &str) -> Vec<String> {
    let mut words: Vec<String> = code
        .split('_')
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |(_, to)| to)
                .to_owned()
        })
        .collect();
    words.sort();
    words
}

#[test]
fn every_code_in_the_sources_is_registered_and_every_registered_code_is_used() {
    let found = codes_in_sources();
    assert!(
        found.len() > 100,
        "the scan found only {} codes",
        found.len()
    );
    let registered: BTreeSet<&str> = CODES.iter().map(|c| c.code).collect();
    let missing: Vec<String> = found
        .iter()
        .filter(|(code, _)| !registered.contains(code.as_str()))
        .map(|(code, files)| {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            format!("    code(\"{code}\", \"{}\"),", files.join(", "))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes given but not registered in contract/src/codes.rs:\n{}",
        missing.join("\n")
    );
    let stale: Vec<&str> = registered
        .iter()
        .copied()
        .filter(|code| !found.contains_key(*code))
        .collect();
    assert!(stale.is_empty(), "registered but given nowhere: {stale:?}");
}

#[test]
fn no_code_is_registered_twice_and_no_two_codes_are_synonyms() {
    let mut seen: BTreeMap<Vec<String>, &str> = BTreeMap::new();
    let mut codes = BTreeSet::new();
    for entry in CODES {
        assert!(is_code(entry.code), "{:?} is not snake_case", entry.code);
        assert!(codes.insert(entry.code), "{} registered twice", entry.code);
        if let Some(other) = seen.insert(normal_form(entry.code), entry.code) {
            panic!("{other} and {} say the same thing: keep one", entry.code);
        }
    }
}

#[test]
fn the_synonym_check_catches_reordered_and_translated_words() {
    assert_eq!(
        normal_form("invalid_public_key"),
        normal_form("public_key_invalid")
    );
    assert_eq!(normal_form("zaak_unknown"), normal_form("zaak_onbekend"));
    assert_ne!(normal_form("zaak_unknown"), normal_form("zaak_exists"));
}
