//! Randomly corrupted copies of the bundled catalogue never panic the loader, and every
//! error it reports is located in a file (and, past reading, at a line).

use proptest::prelude::*;
use sufler::catalog::{bundled_sources, load_sources, Source};

#[derive(Debug, Clone)]
enum Damage {
    /// Delete `len` characters at a relative position.
    Delete { at: f64, len: usize },
    /// Insert a fragment at a relative position.
    Insert { at: f64, text: String },
    /// Duplicate a whole line.
    DuplicateLine { at: f64 },
    /// Swap two lines.
    SwapLines { a: f64, b: f64 },
}

fn damage() -> impl Strategy<Value = Damage> {
    let fragment = prop::sample::select(vec![
        "[",
        "]",
        "{",
        "}",
        "\"",
        "=",
        "\n",
        "#",
        "[[stage]]\n",
        "[[product]]\n",
        "id = \"x\"\n",
        "{client",
        "{main.zzz}",
        ",",
        "'''",
        "\\",
        "ё",
        " = 5\n",
        "[[stage.moment]]\n",
        "product = \"npf\"\n",
        "create = true\n",
        "say = []\n",
        "\u{0}",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(at, len)| Damage::Delete { at, len }),
        (0.0..1.0f64, fragment).prop_map(|(at, text)| Damage::Insert { at, text }),
        (0.0..1.0f64).prop_map(|at| Damage::DuplicateLine { at }),
        (0.0..1.0f64, 0.0..1.0f64).prop_map(|(a, b)| Damage::SwapLines { a, b }),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let pos = |f: f64, n: usize| ((f * n as f64) as usize).min(n);
    match d {
        Damage::Delete { at, len } => {
            let start = pos(*at, chars.len());
            let end = (start + len).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Damage::Insert { at, text: t } => {
            let at = pos(*at, chars.len());
            let mut s: String = chars[..at].iter().collect();
            s.push_str(t);
            s.extend(&chars[at..]);
            s
        }
        Damage::DuplicateLine { at } => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let i = pos(*at, lines.len() - 1);
                lines.insert(i, lines[i]);
            }
            lines.join("\n")
        }
        Damage::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let (i, j) = (pos(*a, lines.len() - 1), pos(*b, lines.len() - 1));
                lines.swap(i, j);
            }
            lines.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_catalogue_never_panics_and_errors_are_located(
        file in 0usize..4,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut sources: Vec<Source> = bundled_sources();
        let file = file % sources.len();
        for d in &damages {
            sources[file].text = apply(&sources[file].text, d);
        }
        let names: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
        let report = load_sources(sources);
        for d in &report.diagnostics {
            prop_assert!(names.contains(&d.file), "unknown file in {:?}", d);
            prop_assert!(d.position(&report.sources).is_some(), "no line for {:?}", d);
            let rendered = d.render(&report.sources);
            let prefix = format!("{}:", d.file);
            prop_assert!(rendered.starts_with(&prefix));
        }
        prop_assert_eq!(report.catalog.is_some(), report.errors() == 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The fuzz target `catalog_load` as a bounded property: arbitrary text (not only damaged
    /// copies of good files) as products.toml and as a script.
    #[test]
    fn arbitrary_text_never_panics_the_loader_and_errors_are_located(
        products in "(\\PC|\n|\\[|\\]|=|\"|\\{|\\}){0,300}",
        script in "(\\PC|\n|\\[|\\]|=|\"|\\{|\\}){0,300}",
    ) {
        let sources = vec![
            Source { path: "products.toml".into(), text: products },
            Source { path: "scripts/deposit.toml".into(), text: script },
        ];
        let report = load_sources(sources);
        for d in &report.diagnostics {
            prop_assert!(d.file == "products.toml" || d.file == "scripts/deposit.toml");
            prop_assert!(d.position(&report.sources).is_some(), "no line for {:?}", d);
        }
        prop_assert_eq!(report.catalog.is_some(), report.errors() == 0);
    }
}
