//! The workspace's own sources as the layout tests read them (`tests/tests/architecture.rs`,
//! `tests/tests/codes.rs`): production code only, without test files, test modules and comment
//! lines.

use std::path::{Path, PathBuf};

/// The workspace root (the folder above `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// One production source file.
pub struct Source {
    /// Relative to the crate's `src/`, e.g. `sync/check.rs`.
    pub in_src: PathBuf,
    /// Relative to the workspace root, e.g. `server/src/sync/check.rs`.
    pub in_workspace: String,
    /// Its lines up to its test module (`#[cfg(test)]` followed by `mod …`), comment lines left
    /// out.
    pub lines: Vec<String>,
}

/// Every production source file below `<crate_dir>/src`: test files (`tests.rs`,
/// `*_tests.rs`, `test_support.rs`) left out.
pub fn production_sources(crate_dir: &str) -> Vec<Source> {
    let root = workspace_root();
    let src = root.join(crate_dir).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            Source {
                in_src: file.strip_prefix(&src).unwrap_or(&file).to_path_buf(),
                in_workspace: file
                    .strip_prefix(&root)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .into_owned(),
                lines: production_lines(&text),
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            collect(&path, out);
        } else if name.ends_with(".rs")
            && name != "tests.rs"
            && !name.ends_with("_tests.rs")
            && name != "test_support.rs"
        {
            out.push(path);
        }
    }
}

fn production_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        if !line.trim_start().starts_with("//") {
            out.push((*line).to_owned());
        }
    }
    out
}
