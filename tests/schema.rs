//! `sufler schema`, the shipped schema files, the `#:schema` directives of the bundled
//! catalogue, and an independent validator (the `jsonschema` crate) over that catalogue.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const TARGETS: [(&str, &str); 2] = [
    ("products", "schema/products.schema.json"),
    ("script", "schema/script.schema.json"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sufler(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn generated(target: &str) -> String {
    let (code, stdout, stderr) = sufler(&["schema", "--for", target]);
    assert_eq!(code, Some(0), "{stderr}");
    stdout
}

/// The bundled files: products.toml and every scripts/*.toml.
fn bundled() -> Vec<(PathBuf, &'static str)> {
    let mut files = vec![(root().join("products.toml"), "products")];
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty());
    files.extend(scripts.into_iter().map(|p| (p, "script")));
    files
}

fn validator(target: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&generated(target)).unwrap();
    jsonschema::draft202012::new(&schema).expect("the schema is valid draft 2020-12")
}

fn toml_to_json(text: &str) -> Value {
    toml::from_str::<Value>(text).expect("valid TOML")
}

fn errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    validator
        .iter_errors(&toml_to_json(text))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn shipped_schema_files_are_what_sufler_schema_prints() {
    for (target, path) in TARGETS {
        let now = generated(target);
        let file = root().join(path);
        if std::env::var_os("SUFLER_UPDATE_SCHEMA").is_some() {
            std::fs::write(&file, &now).unwrap();
            continue;
        }
        let shipped = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            shipped == now,
            "{path} is out of date with the loader's types; regenerate it with\n  \
             cargo run -q -- schema --for {target} > {path}\n\
             (or SUFLER_UPDATE_SCHEMA=1 cargo test --test schema) and commit it"
        );
    }
}

#[test]
fn schema_defaults_to_products_and_is_draft_2020_12() {
    let (code, stdout, _) = sufler(&["schema"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, generated("products"));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(v["additionalProperties"], false);
    let (code, _, stderr) = sufler(&["schema", "--for", "nothing"]);
    assert_eq!(code, Some(2), "a usage error: {stderr}");
}

#[test]
fn bundled_files_name_the_shipped_schema_on_their_first_line() {
    for (file, target) in bundled() {
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap();
        let rel = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} starts with {first:?}", file.display()));
        let pointed = file.parent().unwrap().join(rel).canonicalize().unwrap();
        let expected = root()
            .join(format!("schema/{target}.schema.json"))
            .canonicalize()
            .unwrap();
        assert_eq!(pointed, expected, "{}", file.display());
    }
}

#[test]
fn bundled_catalogue_is_valid_against_the_schema() {
    for (file, target) in bundled() {
        let text = std::fs::read_to_string(&file).unwrap();
        let found = errors(&validator(target), &text);
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
}

#[test]
fn misspelt_key_and_wrong_type_are_rejected() {
    let products = std::fs::read_to_string(root().join("products.toml")).unwrap();
    let v = validator("products");
    let misspelt = products.replacen("\nfamily = ", "\nfamly = ", 1);
    let found = errors(&v, &misspelt);
    assert!(
        found
            .iter()
            .any(|e| e.contains("famly") && e.contains("/product/0")),
        "{found:#?}"
    );
    let wrong_type = products.replacen("catch = 2", "catch = \"два\"", 1);
    let found = errors(&v, &wrong_type);
    assert!(
        found.iter().any(|e| e.contains("/formula/catch")),
        "{found:#?}"
    );
    let bad_category = products.replacen("category = \"popular\"", "category = \"populr\"", 1);
    assert!(!errors(&v, &bad_category).is_empty());

    let script = std::fs::read_to_string(root().join("scripts/deposit.toml")).unwrap();
    let v = validator("script");
    let found = errors(
        &v,
        &script.replacen("technique = \"catch\"", "technique = \"cath\"", 1),
    );
    assert!(found.iter().any(|e| e.contains("technique")), "{found:#?}");
    let found = errors(&v, &script.replacen("  cue = ", "  queue = ", 1));
    assert!(found.iter().any(|e| e.contains("queue")), "{found:#?}");
    let found = errors(&v, &script.replacen("create = true", "create = \"да\"", 1));
    assert!(found.iter().any(|e| e.contains("create")), "{found:#?}");
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _sufler"),
        ("zsh", "#compdef sufler"),
        ("fish", "complete -c sufler"),
    ] {
        let (code, stdout, stderr) = sufler(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}:\n{stdout}");
        for word in ["check", "schema", "completions", "deny-warnings"] {
            assert!(stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let (code, _, _) = sufler(&["completions", "powershell"]);
    assert_eq!(code, Some(2));
}

#[test]
fn man_page_is_roff_with_the_commands() {
    let (code, stdout, stderr) = sufler(&["man"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(".TH sufler 1"), "{stdout}");
    assert!(stdout.contains(".SH NAME") && stdout.contains(".SH SUBCOMMANDS"));
    for word in ["check", "schema", "completions", "\\-\\-catalog"] {
        assert!(stdout.contains(word), "man lacks {word}");
    }
}

/// Every `sufler-X(1)` the main page names, as it writes it in roff.
fn named_pages(page: &str) -> Vec<String> {
    let mut names: Vec<String> = page
        .split("sufler\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)"))
        .map(|(name, _)| format!("sufler-{name}.1"))
        .filter(|name| !name.contains(char::is_whitespace))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn man_dir_writes_every_page_the_main_page_names() {
    let (_, stdout, _) = sufler(&["man"]);
    let named = named_pages(&stdout);
    assert!(named.contains(&"sufler-check.1".to_string()), "{named:?}");
    assert!(!named.contains(&"sufler-help.1".to_string()), "{named:?}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let (code, stdout, stderr) = sufler(&["man", "--dir", dir]);
    assert_eq!(code, Some(0), "{stderr}");
    let mut written: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert!(
        stdout.contains(&format!("{} manual pages", written.len())),
        "{stdout}"
    );
    let main = std::fs::read_to_string(tmp.path().join("sufler.1")).unwrap();
    assert_eq!(named_pages(&main), named);
    for page in &named {
        assert!(
            written.contains(page),
            "{page} is named but not written: {written:?}"
        );
    }
    assert_eq!(written.len(), named.len() + 1, "{written:?}");
    let check = std::fs::read_to_string(tmp.path().join("sufler-check.1")).unwrap();
    assert!(
        check.contains(".TH sufler-check 1")
            && check.contains(&format!("\"sufler {}\"", env!("CARGO_PKG_VERSION"))),
        "{check}"
    );
    for option in ["\\-\\-watch", "\\-\\-format"] {
        assert!(check.contains(option), "sufler-check.1 lacks {option}");
    }

    let missing = tmp.path().join("no-such-dir");
    let (code, _, stderr) = sufler(&["man", "--dir", missing.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no-such-dir") && stderr.contains("not a directory"),
        "{stderr}"
    );
    assert!(!missing.exists());
}

#[test]
fn compiled_in_catalogue_keeps_its_directives_and_loads_clean() {
    let sources = sufler::catalog::bundled_sources();
    assert_eq!(sources.len(), bundled().len());
    for s in &sources {
        assert!(s.text.starts_with("#:schema "), "{}", s.path);
    }
    let report = sufler::catalog::load_sources(sources);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert!(report.catalog.is_some());
}
