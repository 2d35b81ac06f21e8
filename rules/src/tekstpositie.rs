//! Where a byte offset lies in a text file, as people count: line and column from 1, columns in
//! characters. Every TOML file an organisation supplies is refused with these positions.

/// The line and column of `offset` in `src` (both from 1).
pub fn regel_kolom(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_and_columns_count_from_one_in_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(super::regel_kolom(src, 0), (1, 1));
        assert_eq!(super::regel_kolom(src, 6), (2, 1));
        assert_eq!(super::regel_kolom(src, 9), (2, 3), "é is one character");
        assert_eq!(
            super::regel_kolom(src, 1000),
            (3, 1),
            "past the end: the end"
        );
    }
}
