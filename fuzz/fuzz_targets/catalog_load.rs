//! The catalogue loader on arbitrary text: products.toml and one script, split at the first
//! `\n---\n`. It must never panic, and every diagnostic must be located in a file and at a
//! line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sufler::catalog::{load_sources, Source};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (products, script) = text.split_once("\n---\n").unwrap_or((&text, ""));
    let sources = vec![
        Source {
            path: "products.toml".into(),
            text: products.to_string(),
        },
        Source {
            path: "scripts/deposit.toml".into(),
            text: script.to_string(),
        },
    ];
    let report = load_sources(sources);
    for d in &report.diagnostics {
        assert!(
            d.file == "products.toml" || d.file == "scripts/deposit.toml",
            "unknown file in {d:?}"
        );
        assert!(d.position(&report.sources).is_some(), "no line for {d:?}");
        let _ = d.render(&report.sources);
    }
    assert_eq!(report.catalog.is_some(), report.errors() == 0);
});
