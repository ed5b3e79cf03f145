//! The layering of the crate, read off the source: the lower modules never import the
//! upper ones. `report` and `store` know nothing of the command line or the screen;
//! `consultation` (the pure engine) and `catalog` (the trainer's files) know nothing of the
//! store, the reports, the screen or the command line. Every offending `file:line` is named.

use std::path::{Path, PathBuf};

/// (directory under src/, the top-level modules it must not import).
const RULES: &[(&str, &[&str])] = &[
    ("report", &["cli", "tui", "sync"]),
    ("store", &["cli", "tui", "sync"]),
    ("sync", &["cli", "tui", "report"]),
    ("consultation", &["store", "report", "sync", "tui", "cli"]),
    ("catalog", &["store", "report", "sync", "tui", "cli"]),
];

/// Known violations, each to be removed once fixed (the test fails when one no longer is
/// a violation, so this list cannot go stale). None today.
const KNOWN: &[(&str, &str)] = &[];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line names through `crate::`: `crate::tui::X`, and each name of
/// `crate::{tui, cli::Y}`.
fn crate_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        // `sufler_crate::` and the like are other paths.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut name = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        at_start = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && at_start {
                    if c.is_alphanumeric() || c == '_' {
                        name.push(c);
                    } else if !name.is_empty() {
                        found.push(std::mem::take(&mut name));
                        at_start = false;
                    }
                }
            }
            if !name.is_empty() {
                found.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

#[test]
fn lower_modules_never_import_upper_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offences = Vec::new();
    let mut known_seen = Vec::new();
    for (dir, forbidden) in RULES {
        let mut files = Vec::new();
        let top = root.join("src").join(dir);
        rs_files(&top, &mut files);
        let single = root.join("src").join(format!("{dir}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no source under src/{dir}");
        for file in files {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let rel = file
                .strip_prefix(root)
                .expect("under the crate")
                .to_string_lossy()
                .into_owned();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for module in crate_modules(code) {
                    if !forbidden.contains(&module.as_str()) {
                        continue;
                    }
                    if KNOWN.contains(&(rel.as_str(), module.as_str())) {
                        known_seen.push((rel.clone(), module));
                        continue;
                    }
                    offences.push(format!(
                        "{rel}:{}: src/{dir} imports crate::{module}: {}",
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "upward imports:\n{}",
        offences.join("\n")
    );
    for (file, module) in KNOWN {
        assert!(
            known_seen.iter().any(|(f, m)| f == file && m == module),
            "{file} no longer imports crate::{module}: remove it from KNOWN"
        );
    }
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    assert_eq!(crate_modules("use crate::cli::Lang;"), ["cli"]);
    assert_eq!(
        crate_modules("use crate::{lang::Lang, tui::{self, text}, cli};"),
        ["lang", "tui", "cli"]
    );
    assert_eq!(crate_modules("let x = crate::tui::Lang::Ru;"), ["tui"]);
    assert!(crate_modules("use my_crate::tui;").is_empty());
}
