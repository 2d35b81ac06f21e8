//! The factual-language check (seed 000: the motivation "moet gebaseerd zijn op feiten en geen
//! sprake van insinuaties of onderbuikgevoelens"): flags speculative, subjective, insinuating and
//! hearsay wording in Dutch text. Warnings only, never blocking.
//!
//! The words are data (`woorden.txt`, compiled in): matched case-insensitively on whole words
//! (a word is a run of Unicode letters or digits, so "gelijkt" never matches "lijkt" and Dutch
//! letters such as ë, ï, é stay inside their word); a phrase matches only when its words are
//! separated by whitespace alone. At each position the longest phrase wins.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::Notice;

/// One flagged wording: the notice (code and Dutch message), the byte span `start..end` in the
/// checked text, the text as written there, and a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactualWarning {
    pub notice: Notice,
    pub start: usize,
    pub end: usize,
    pub matched: String,
    pub suggestion: String,
}

/// The built-in word list.
const BUILTIN: &str = include_str!("woorden.txt");

/// Why a word list does not parse (line numbers start at 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordListError {
    #[error("regel {0}: woord of zinsdeel vóór de eerste '@code | melding | suggestie'-regel")]
    PhraseBeforeGroup(usize),
    #[error("regel {0}: verwacht '@code | melding | suggestie'")]
    BadGroupHeader(usize),
}

impl WordListError {
    pub fn code(&self) -> &'static str {
        match self {
            WordListError::PhraseBeforeGroup(_) => "woordenlijst_word_without_group",
            WordListError::BadGroupHeader(_) => "woordenlijst_group_invalid",
        }
    }
}

#[derive(Debug, Clone)]
struct Group {
    code: String,
    message: String,
    suggestion: String,
}

#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<String>,
    group: usize,
}

/// A parsed word list: groups (code, message, suggestion) with their words and phrases.
#[derive(Debug, Clone, Default)]
pub struct WordList {
    groups: Vec<Group>,
    /// Phrases by their first word, longest first.
    by_first: HashMap<String, Vec<Phrase>>,
}

impl WordList {
    /// Parses the text format documented at the top of `woorden.txt`.
    pub fn parse(text: &str) -> Result<WordList, WordListError> {
        let mut list = WordList::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(header) = line.strip_prefix('@') {
                let parts: Vec<&str> = header.split('|').map(str::trim).collect();
                match parts.as_slice() {
                    [code, message, suggestion]
                        if !code.is_empty() && !message.is_empty() && !suggestion.is_empty() =>
                    {
                        list.groups.push(Group {
                            code: (*code).to_owned(),
                            message: (*message).to_owned(),
                            suggestion: (*suggestion).to_owned(),
                        });
                    }
                    _ => return Err(WordListError::BadGroupHeader(i + 1)),
                }
                continue;
            }
            let group = list
                .groups
                .len()
                .checked_sub(1)
                .ok_or(WordListError::PhraseBeforeGroup(i + 1))?;
            let words: Vec<String> = tokens(line).into_iter().map(|t| t.lower).collect();
            if let Some(first) = words.first().cloned() {
                list.by_first
                    .entry(first)
                    .or_default()
                    .push(Phrase { words, group });
            }
        }
        for phrases in list.by_first.values_mut() {
            phrases.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
        }
        Ok(list)
    }

    /// The number of words and phrases in the list.
    pub fn len(&self) -> usize {
        self.by_first.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flags every listed word or phrase in `text`, in order of appearance.
    pub fn check(&self, text: &str) -> Vec<FactualWarning> {
        let toks = tokens(text);
        let mut out = Vec::new();
        let mut i = 0;
        'outer: while i < toks.len() {
            if let Some(phrases) = self.by_first.get(&toks[i].lower) {
                for p in phrases {
                    if phrase_at(text, &toks, i, &p.words) {
                        let (start, end) = (toks[i].start, toks[i + p.words.len() - 1].end);
                        if let Some(g) = self.groups.get(p.group) {
                            let matched = text.get(start..end).unwrap_or_default().to_owned();
                            out.push(FactualWarning {
                                notice: Notice::new(
                                    g.code.clone(),
                                    format!("'{matched}': {}", g.message),
                                ),
                                start,
                                end,
                                matched,
                                suggestion: g.suggestion.clone(),
                            });
                        }
                        i += p.words.len();
                        continue 'outer;
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// The built-in list, parsed once.
pub fn builtin() -> &'static WordList {
    static LIST: OnceLock<WordList> = OnceLock::new();
    // The built-in list is tested to parse; an empty list is the safe fallback.
    LIST.get_or_init(|| WordList::parse(BUILTIN).unwrap_or_default())
}

/// Checks `text` against the built-in word list.
pub fn check(text: &str) -> Vec<FactualWarning> {
    builtin().check(text)
}

struct Token {
    start: usize,
    end: usize,
    lower: String,
}

/// Whole words: maximal runs of alphanumeric characters (Unicode-aware), with byte offsets.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(token(text, s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(token(text, s, text.len()));
    }
    out
}

fn token(text: &str, start: usize, end: usize) -> Token {
    Token {
        start,
        end,
        lower: text.get(start..end).unwrap_or_default().to_lowercase(),
    }
}

fn phrase_at(text: &str, toks: &[Token], i: usize, words: &[String]) -> bool {
    if i + words.len() > toks.len() {
        return false;
    }
    words.iter().enumerate().all(|(k, w)| {
        let t = &toks[i + k];
        let gap_ok = k == 0
            || text
                .get(toks[i + k - 1].end..t.start)
                .is_some_and(|gap| gap.chars().all(char::is_whitespace));
        gap_ok && t.lower == *w
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn matched(text: &str) -> Vec<String> {
        check(text).into_iter().map(|w| w.matched).collect()
    }

    #[test]
    fn builtin_list_parses_and_has_the_words_of_the_issue() {
        let list = WordList::parse(BUILTIN).expect("built-in list parses");
        assert!(list.len() > 60, "{}", list.len());
        for w in [
            "vermoedelijk",
            "waarschijnlijk",
            "lijkt",
            "lijkt erop",
            "ik denk",
            "ik heb het gevoel",
            "onderbuik",
            "kennelijk",
            "blijkbaar",
            "vermoeden",
            "zou kunnen",
            "naar alle waarschijnlijkheid",
        ] {
            assert_eq!(matched(w), vec![w.to_owned()], "{w}");
        }
    }

    #[test]
    fn flags_with_byte_span_code_and_suggestion() {
        let text = "Cliënt woont vermoedelijk samen.";
        let w = check(text);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].notice.code, "speculatief_taalgebruik");
        assert_eq!(&text[w[0].start..w[0].end], "vermoedelijk");
        // "Cliënt" has a two-byte ë: the span is in bytes.
        assert_eq!(w[0].start, "Cliënt woont ".len());
        assert!(w[0].suggestion.contains("vastgesteld"));
        assert!(w[0].notice.message.contains("'vermoedelijk'"));
    }

    /// Issue 15: what a reviewer found missing. Hearsay without a named source is no fact
    /// (CRvB 2015:1887); a waarneming states what was seen, not the conclusion (seed 000:
    /// "gebaseerd op feiten").
    #[test]
    fn the_reviewers_phrases_are_flagged() {
        for (text, code) in [
            (
                "Ik had de indruk dat hij hier woont.",
                "subjectief_taalgebruik",
            ),
            (
                "Het is duidelijk dat zij samenwonen.",
                "insinuerend_taalgebruik",
            ),
            ("Volgens de buurvrouw slaapt hij hier.", "van_horen_zeggen"),
            ("Volgens de buren komt hij elke dag.", "van_horen_zeggen"),
            (
                "Er is sprake van een gezamenlijke huishouding.",
                "conclusie_in_plaats_van_feit",
            ),
        ] {
            let w = check(text);
            assert!(w.iter().any(|w| w.notice.code == code), "{text}: {w:?}");
        }
        assert!(check("In de slaapkamer stonden twee bedden.").is_empty());
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(matched("Waarschijnlijk niet."), vec!["Waarschijnlijk"]);
        assert_eq!(matched("IK DENK van wel"), vec!["IK DENK"]);
    }

    #[test]
    fn only_whole_words() {
        // Inside other words: no match.
        assert!(check("Het gelijkt op een vergelijking; de blijkbaarheid").is_empty());
        assert!(check("de waarschijnlijkheidsrekening").is_empty());
        assert!(check("onderbuikje").is_empty());
        // Dutch letters belong to the word: "lijktë" is one word.
        assert!(check("lijktë").is_empty());
        // Punctuation is a boundary.
        assert_eq!(matched("(lijkt)"), vec!["lijkt"]);
    }

    #[test]
    fn longest_phrase_wins_and_is_reported_once() {
        assert_eq!(
            matched("Het lijkt erop dat hij daar woont."),
            vec!["Het lijkt erop"]
        );
        assert_eq!(
            matched("Naar alle waarschijnlijkheid woont zij daar."),
            vec!["Naar alle waarschijnlijkheid"]
        );
        assert_eq!(matched("Ik heb het gevoel dat"), vec!["Ik heb het gevoel"]);
    }

    #[test]
    fn phrase_words_must_be_separated_by_whitespace_only() {
        // "lijkt, erop" is not the phrase "lijkt erop"; only "lijkt" matches.
        assert_eq!(matched("lijkt, erop"), vec!["lijkt"]);
        assert_eq!(matched("zou\n  kunnen"), vec!["zou\n  kunnen"]);
    }

    #[test]
    fn factual_text_has_no_warnings() {
        let text = "Op 3 maart om 09:10 uur stonden twee tandenborstels in de badkamer. \
                    Volgens de BRP staat sinds 1 februari een tweede volwassene ingeschreven.";
        assert!(check(text).is_empty(), "{:?}", check(text));
        // "vinden" as in finding something is not an opinion.
        assert!(check("In de kast vond ik herenkleding; ik vind ook een tweede jas.").is_empty());
    }

    #[test]
    fn groups_have_their_own_codes() {
        let codes: Vec<String> = check("Ik denk dat zij zogenaamd alleen woont, naar verluidt.")
            .into_iter()
            .map(|w| w.notice.code)
            .collect();
        assert_eq!(
            codes,
            vec![
                "subjectief_taalgebruik",
                "insinuerend_taalgebruik",
                "van_horen_zeggen"
            ]
        );
    }

    #[test]
    fn bad_word_lists_are_refused_with_the_line() {
        assert_eq!(
            WordList::parse("# c\nlijkt\n").unwrap_err(),
            WordListError::PhraseBeforeGroup(2)
        );
        let err = WordList::parse("@code | alleen melding\n").unwrap_err();
        assert_eq!(err, WordListError::BadGroupHeader(1));
        assert_eq!(err.code(), "woordenlijst_group_invalid");
        let list = WordList::parse("@x | m | s\nfoo bar\n").expect("parses");
        assert_eq!(list.len(), 1);
        assert_eq!(list.check("Foo  bar")[0].notice.code, "x");
    }

    proptest! {
        #[test]
        fn spans_are_valid_and_match_the_text(text in "\\PC{0,200}") {
            for w in check(&text) {
                prop_assert!(w.start < w.end && w.end <= text.len());
                prop_assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
                prop_assert_eq!(&text[w.start..w.end], w.matched.as_str());
            }
        }

        #[test]
        fn listed_word_is_found_anywhere(pre in "[a-z ]{0,20}", post in "[a-z ]{0,20}") {
            let text = format!("{pre} vermoedelijk {post}");
            prop_assert!(check(&text).iter().any(|w| w.matched == "vermoedelijk"));
        }
    }
}
