//! `sufler check` of a generated catalogue with 50 scripts (target ≤ 50 ms, DESIGN §9).
//! Run: `cargo bench --bench check`. Times the whole check as the trainer runs it: reading
//! the files from disk, parsing, validating and rendering the report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut products =
        std::fs::read_to_string(root.join("products.toml")).expect("bundled products.toml");
    let template =
        std::fs::read_to_string(root.join("scripts/deposit.toml")).expect("bundled deposit script");
    std::fs::create_dir(dir.path().join("scripts")).expect("scripts dir");
    // 47 more main products shaped like the deposit, each with its own script and links.
    for i in 0..47 {
        let id = format!("deposit_{i}");
        let _ = write!(
            products,
            "\n[[product]]\nid = \"{id}\"\nname = \"Вклад №{i}\"\nfamily = \"deposits\"\nparams = {{ rate = \"{}% годовых\", payout = \"ежемесячно\", term = \"год\", min_sum = \"10 000 рублей\", top_up = \"всегда\" }}\n",
            8 + i % 5
        );
        for cross in ["debit_card", "mobile_bank", "savings_account"] {
            let _ = write!(
                products,
                "\n[[link]]\nmain = \"{id}\"\ncross = \"{cross}\"\ncategory = \"complementary\"\nwhy = \"связь\"\n"
            );
        }
        let script = template.replacen("main = \"deposit\"", &format!("main = \"{id}\""), 1);
        std::fs::write(dir.path().join(format!("scripts/{id}.toml")), script).expect("write");
    }
    for entry in std::fs::read_dir(root.join("scripts")).expect("bundled scripts") {
        let entry = entry.expect("entry");
        std::fs::copy(
            entry.path(),
            dir.path().join("scripts").join(entry.file_name()),
        )
        .expect("copy");
    }
    std::fs::write(dir.path().join("products.toml"), products).expect("write products");

    let check = || {
        let report = sufler::catalog::load_dir(dir.path());
        let rendered: usize = report
            .diagnostics
            .iter()
            .map(|d| d.render(&report.sources).len())
            .sum();
        (report, rendered)
    };
    let (report, _) = check();
    let catalog = report.catalog.expect("generated catalogue checks clean");
    assert_eq!(report.diagnostics.len(), 0, "{:?}", report.diagnostics);
    assert_eq!(catalog.scripts.len(), 50);

    let mut times: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(check());
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "check of 50 scripts ({} products, {} links): median {:.2} ms, max {:.2} ms over {} runs (target ≤ 50 ms)",
        catalog.products.len(),
        catalog.links.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
}
