//! What reaches the terminal: text that came from a zaak document, the server or a file may hold
//! control characters (an ANSI escape in a zaak label can move the cursor, rewrite earlier
//! lines or retitle the window), so every byte written to stdout or stderr by the field and
//! remote commands passes through [`Printable`], which shows such characters as `�`.
//! Newlines and tabs pass. JSON output keeps C0 controls (serde_json writes them as `\u` escapes),
//! but serde_json writes C1 controls raw, so there they are replaced too.

use std::borrow::Cow;
use std::io::{self, Write};

const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();

/// A writer that replaces C0 controls (except newline and tab), DEL and C1 controls.
pub struct Printable<W: Write> {
    inner: W,
    /// A 0xC2 lead byte from the end of the previous write: a C1 control is 0xC2 0x80..=0x9F.
    pending_c2: bool,
}

impl<W: Write> Printable<W> {
    pub fn new(inner: W) -> Self {
        Printable {
            inner,
            pending_c2: false,
        }
    }
}

/// Appends `bytes` to `out` with control characters replaced; returns whether it ends in a lone
/// 0xC2 (left out: the next write decides what it starts).
fn clean_into(bytes: &[u8], mut pending_c2: bool, out: &mut Vec<u8>) -> bool {
    for &b in bytes {
        if pending_c2 {
            pending_c2 = false;
            if (0x80..=0x9f).contains(&b) {
                out.extend_from_slice(REPLACEMENT);
                continue;
            }
            out.push(0xc2);
        }
        match b {
            b'\n' | b'\t' => out.push(b),
            0x00..=0x1f | 0x7f => out.extend_from_slice(REPLACEMENT),
            0xc2 => pending_c2 = true,
            _ => out.push(b),
        }
    }
    pending_c2
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut cleaned = Vec::with_capacity(buf.len() + 8);
        self.pending_c2 = clean_into(buf, self.pending_c2, &mut cleaned);
        self.inner.write_all(&cleaned)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Printable<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// `text` with control characters shown as `�`, for `eprintln!`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(parts: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut p = Printable::new(&mut out);
            for part in parts {
                p.write_all(part).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// Issue 13, "Smaller": ANSI escapes in a zaak label no longer reach the terminal.
    #[test]
    fn escapes_and_controls_are_replaced_and_text_stays() {
        let label = "Z-1 \x1b[2J\x1b]0;pwned\x07 Pletterij 1\r\n\tvolgende";
        let shown = through(&[label.as_bytes()]);
        assert!(!shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\r'));
        assert!(shown.starts_with("Z-1 \u{fffd}[2J"));
        assert!(shown.ends_with("Pletterij 1\u{fffd}\n\tvolgende"));
        assert_eq!(printable(label), shown);
        assert_eq!(through(&["ëéü € straße".as_bytes()]), "ëéü € straße");
    }

    #[test]
    fn a_c1_control_split_over_two_writes_is_caught() {
        let csi = "\u{9b}".as_bytes();
        assert_eq!(through(&[&csi[..1], &csi[1..], b"2J"]), "\u{fffd}2J");
        assert_eq!(through(&["a\u{a0}".as_bytes()]), "a\u{a0}");
        let nbsp = "\u{a0}".as_bytes();
        assert_eq!(through(&[&nbsp[..1], &nbsp[1..]]), "\u{a0}");
        assert_eq!(printable("x\u{85}y"), "x\u{fffd}y");
    }

    proptest::proptest! {
        /// Valid UTF-8 stays valid UTF-8 and loses every control but newline and tab, however
        /// it is split.
        #[test]
        fn any_text_comes_out_printable(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a-z]*", split in 0usize..64) {
            let bytes = text.as_bytes();
            let split = split.min(bytes.len());
            let shown = through(&[&bytes[..split], &bytes[split..]]);
            proptest::prop_assert!(!shown.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            proptest::prop_assert_eq!(shown, printable(&text).into_owned());
        }
    }
}
