//! `veldwerk text check`: reads Dutch text on stdin and prints the factual-language warnings
//! (speculative, subjective, insinuating or hearsay wording; seed 000) with their spans and
//! suggestions. Warnings never block: the command succeeds whenever the input could be read.

use std::io::{Read, Write};

use anyhow::{Context, Result};
use serde::Serialize;
use veldwerk_rules::factual::{self, FactualWarning};

/// `veldwerk text ...`
#[derive(Debug, Clone, clap::Subcommand)]
pub enum TextCommand {
    /// Lees tekst van de standaardinvoer en wijs op speculatieve of subjectieve formuleringen
    /// (blokkeert nooit).
    Check(CheckArgs),
}

/// Options of `veldwerk text check`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CheckArgs {
    /// Geef precies één JSON-object op de standaarduitvoer in plaats van de leesbare lijst.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `veldwerk text` command, reading from `input` and writing to `output`.
/// Returns the number of warnings.
pub fn run(cmd: &TextCommand, input: impl Read, output: impl Write) -> Result<usize> {
    match cmd {
        TextCommand::Check(args) => check(args, input, output),
    }
}

/// One warning as printed with `--json`.
#[derive(Debug, Serialize)]
struct JsonWarning<'a> {
    code: &'a str,
    message: &'a str,
    /// Byte offsets into the input.
    start: usize,
    end: usize,
    /// 1-based line and column (in characters) of `start`.
    line: usize,
    column: usize,
    matched: &'a str,
    suggestion: &'a str,
}

#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    count: usize,
    warnings: Vec<JsonWarning<'a>>,
}

/// `veldwerk text check`.
pub fn check(args: &CheckArgs, mut input: impl Read, mut output: impl Write) -> Result<usize> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .context("kan de invoer niet lezen (could not read stdin)")?;
    let text = String::from_utf8(bytes)
        .context("de invoer is geen geldige UTF-8-tekst (input is not valid UTF-8)")?;
    let warnings = factual::check(&text);
    if args.json {
        let report = JsonReport {
            count: warnings.len(),
            warnings: warnings.iter().map(|w| json_warning(&text, w)).collect(),
        };
        serde_json::to_writer(&mut output, &report)?;
        writeln!(output)?;
    } else if warnings.is_empty() {
        writeln!(
            output,
            "Geen waarschuwingen: geen speculatieve of subjectieve formuleringen gevonden."
        )?;
    } else {
        for w in &warnings {
            let (line, column) = line_column(&text, w.start);
            writeln!(
                output,
                "regel {line}, kolom {column} (bytes {}..{}): {} [{}]",
                w.start, w.end, w.notice.message, w.notice.code
            )?;
            writeln!(output, "  suggestie: {}", w.suggestion)?;
        }
        writeln!(
            output,
            "{} waarschuwing(en); niet blokkerend.",
            warnings.len()
        )?;
    }
    output.flush()?;
    Ok(warnings.len())
}

fn json_warning<'a>(text: &str, w: &'a FactualWarning) -> JsonWarning<'a> {
    let (line, column) = line_column(text, w.start);
    JsonWarning {
        code: &w.notice.code,
        message: &w.notice.message,
        start: w.start,
        end: w.end,
        line,
        column,
        matched: &w.matched,
        suggestion: &w.suggestion,
    }
}

/// 1-based line and character column of byte offset `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    veldwerk_rules::tekstpositie::regel_kolom(text, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_str(json: bool, input: &[u8]) -> (Result<usize>, String) {
        let mut out = Vec::new();
        let res = run(&TextCommand::Check(CheckArgs { json }), input, &mut out);
        (res, String::from_utf8(out).expect("utf-8 output"))
    }

    #[test]
    fn human_output_lists_spans_and_suggestions() {
        let (res, out) = run_str(
            false,
            "Feit: BRP.\nCliënt woont vermoedelijk samen.\n".as_bytes(),
        );
        assert_eq!(res.expect("runs"), 1);
        assert!(out.contains("regel 2, kolom 14"), "{out}");
        assert!(out.contains("'vermoedelijk'"), "{out}");
        assert!(out.contains("[speculatief_taalgebruik]"), "{out}");
        assert!(out.contains("suggestie: "), "{out}");
        assert!(out.contains("1 waarschuwing(en)"), "{out}");
    }

    #[test]
    fn clean_text_says_so() {
        let (res, out) = run_str(
            false,
            b"Op 3 maart stonden twee tandenborstels in de badkamer.",
        );
        assert_eq!(res.expect("runs"), 0);
        assert!(out.starts_with("Geen waarschuwingen"), "{out}");
    }

    #[test]
    fn json_output_is_one_object_with_byte_spans() {
        let text = "Ik denk dat hij er waarschijnlijk woont.";
        let (res, out) = run_str(true, text.as_bytes());
        assert_eq!(res.expect("runs"), 2);
        assert_eq!(out.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
        assert_eq!(v["count"], 2);
        let w = &v["warnings"][1];
        assert_eq!(w["code"], "speculatief_taalgebruik");
        assert_eq!(w["matched"], "waarschijnlijk");
        let (s, e) = (
            w["start"].as_u64().expect("start") as usize,
            w["end"].as_u64().expect("end") as usize,
        );
        assert_eq!(&text[s..e], "waarschijnlijk");
        assert_eq!(w["line"], 1);
        assert_eq!(w["column"], 20);
        assert!(w["suggestion"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(v["warnings"][0]["code"], "subjectief_taalgebruik");
    }

    #[test]
    fn json_for_clean_text_has_no_warnings() {
        let (res, out) = run_str(true, b"");
        assert_eq!(res.expect("runs"), 0);
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
        assert_eq!(v, serde_json::json!({"count": 0, "warnings": []}));
    }

    #[test]
    fn invalid_utf8_is_a_clear_error() {
        let (res, out) = run_str(false, &[0x66, 0xff, 0x66]);
        let err = res.expect_err("refused");
        assert!(err.to_string().contains("UTF-8"), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_column("ëë lijkt", 5), (1, 4));
        assert_eq!(line_column("a\nbc", 3), (2, 2));
    }
}
