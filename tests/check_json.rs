//! `sufler check --format json` on a catalogue with many problems: one valid JSON object per
//! line, a stable code per kind, positions where the text output puts them, same exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/json_problems")
}

fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .arg("check")
        .arg("--catalog")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn objects(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// 1-based line and character column of the first `needle` in a fixture file.
fn place(file: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(fixture().join(file)).unwrap();
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {file}"));
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u64, text[start..at].chars().count() as u64 + 1)
}

#[test]
fn every_problem_is_one_json_object_with_its_code_and_place() {
    let (code, stdout, _) = check(&fixture(), &["--format", "json"]);
    assert_eq!(code, Some(1), "errors mean exit 1");
    let all = objects(&stdout);
    let keys = [
        "file",
        "line",
        "column",
        "end",
        "severity",
        "code",
        "message",
        "suggestion",
    ];
    for o in &all {
        let map = o.as_object().unwrap();
        let mut got: Vec<&str> = map.keys().map(String::as_str).collect();
        got.sort();
        let mut want = keys.to_vec();
        want.sort();
        assert_eq!(got, want, "{o}");
        let code = o["code"].as_str().unwrap();
        let severity = o["severity"].as_str().unwrap();
        assert_eq!(code.starts_with('E'), severity == "error", "{o}");
        assert_eq!(code.starts_with('W'), severity == "warning", "{o}");
    }
    // (code, file, text at the start of the place, suggestion)
    let expected: &[(&str, &str, &str, Option<&str>)] = &[
        ("E001", "products.toml", "\"crad\"", Some("card")),
        ("E002", "products.toml", "\"card\"\nname = \"Вторая", None),
        (
            "E003",
            "scripts/deposit.toml",
            "\"greeting\"\ntitle = \"Ещё",
            None,
        ),
        ("E006", "scripts/deposit.toml", "{clinet}", Some("client")),
        ("E008", "products.toml", "\"\"", None),
        ("E009", "scripts/broken.toml", "\n", None),
        ("E010", "products.toml", "colour", None),
        ("E012", "scripts/lonely.toml", "main", None),
        ("E013", "products.toml", "\"populr\"", Some("popular")),
        ("E015", "scripts/lonely.toml", "\"lonley\"", None),
        ("E016", "products.toml", "\"Bad-Id\"", None),
        ("E021", "scripts/lonely.toml", "\"lonley\"", None),
        ("W001", "products.toml", "3\n", None),
        ("W002", "products.toml", "\"card\"", None),
        ("W007", "scripts/deposit.toml", "\"deposit\"", None),
        ("W008", "scripts/deposit.toml", "\"deposit\"", None),
        (
            "W009",
            "products.toml",
            "\"card\"\ncategory = \"populr\"",
            None,
        ),
        ("W011", "scripts/deposit.toml", "\"Не хотите", None),
    ];
    for &(code, file, needle, suggestion) in expected {
        let (line, column) = place(file, needle);
        let found = all.iter().find(|o| o["code"] == code && o["file"] == file);
        let o = found.unwrap_or_else(|| panic!("no {code} in {file}:\n{stdout}"));
        assert_eq!(
            (o["line"].as_u64(), o["column"].as_u64()),
            (Some(line), Some(column)),
            "{o}"
        );
        assert_eq!(o["suggestion"].as_str(), suggestion, "{o}");
        assert!(o["end"]["line"].as_u64().unwrap() >= line, "{o}");
    }
    // The end of a one-line span: `{clinet}` is 8 characters.
    let placeholder = all.iter().find(|o| o["code"] == "E006").unwrap();
    assert_eq!(
        placeholder["end"]["column"].as_u64().unwrap(),
        placeholder["column"].as_u64().unwrap() + 8
    );
    let mut codes: Vec<&str> = all.iter().map(|o| o["code"].as_str().unwrap()).collect();
    codes.dedup();
    assert!(codes.len() >= expected.len(), "{codes:?}");
}

#[test]
fn json_and_text_report_the_same_places() {
    let (_, stdout, _) = check(&fixture(), &["--format", "json"]);
    let (_, _, stderr) = check(&fixture(), &[]);
    for o in objects(&stdout) {
        let head = format!(
            "{}:{}:{}: {}: {}",
            o["file"].as_str().unwrap(),
            o["line"],
            o["column"],
            o["severity"].as_str().unwrap(),
            o["message"].as_str().unwrap()
        );
        assert!(
            stderr.lines().any(|l| l == head),
            "{head} not in:\n{stderr}"
        );
    }
}

#[test]
fn clean_catalogue_prints_nothing_and_warnings_follow_deny_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, _) = check(root, &["--format", "json"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "", "a clean catalogue has no diagnostics");

    // Only a warning: exit 0, and 1 with --deny-warnings; the object is the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("products.toml"), dir.path().join("products.toml")).unwrap();
    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    for entry in std::fs::read_dir(root.join("scripts")).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let text = text.replacen("say = [", "say = [\"Не хотите ли открыть вклад?\", ", 1);
        std::fs::write(dir.path().join("scripts").join(entry.file_name()), text).unwrap();
    }
    let (code, stdout, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(objects(&stdout).iter().all(|o| o["severity"] == "warning"));
    assert!(objects(&stdout).iter().any(|o| o["code"] == "W011"));
    let (code, denied, _) = check(dir.path(), &["--format", "json", "--deny-warnings"]);
    assert_eq!(code, Some(1));
    assert_eq!(denied, stdout);
}

#[test]
fn a_file_that_cannot_be_read_has_null_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    let (code, stdout, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, Some(1));
    let all = objects(&stdout);
    let o = all.iter().find(|o| o["code"] == "E017").expect("E017");
    assert_eq!(o["file"], "products.toml");
    assert!(o["line"].is_null() && o["column"].is_null() && o["end"].is_null());
}

#[test]
fn readme_lists_every_code_once() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for code in sufler::catalog::Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.name());
        assert_eq!(
            readme.matches(&row).count(),
            1,
            "README.md should list {row} once (the table under `check --format json`)"
        );
    }
}
