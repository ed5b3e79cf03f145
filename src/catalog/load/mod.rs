//! Reading the trainer's files: TOML syntax, then each table on its own (so one bad entry
//! does not hide the others), then references, placeholders and lints over the whole.

mod parse;
mod phrases;
mod recover;
mod scripts;
mod tiers;
mod validate;

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::diag::{Code, Diagnostic, Severity, Source};
use super::model::*;
use super::raw::*;

/// The result of loading: the catalogue when there is no error, and every problem found.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub catalog: Option<Catalog>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Vec<Source>,
}

impl LoadReport {
    pub fn errors(&self) -> usize {
        super::diag::tally(&self.diagnostics).0
    }
    pub fn warnings(&self) -> usize {
        super::diag::tally(&self.diagnostics).1
    }
}

pub const PRODUCTS_FILE: &str = "products.toml";
pub const SCRIPTS_DIR: &str = "scripts";

/// Reads `products.toml` and `scripts/*.toml` from a directory and checks them.
pub fn load_dir(dir: &Path) -> LoadReport {
    let mut diagnostics = Vec::new();
    let mut sources = Vec::new();
    let mut read = |rel: String, diagnostics: &mut Vec<Diagnostic>| {
        let path = dir.join(&rel);
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push(Source { path: rel, text }),
                Err(e) => diagnostics.push(file_error(
                    Code::FileUnreadable,
                    &rel,
                    format!(
                        "the file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                )),
            },
            Err(e) => diagnostics.push(file_error(
                Code::FileUnreadable,
                &rel,
                format!("cannot read {}: {}", path.display(), io_reason(&e)),
            )),
        }
    };
    read(PRODUCTS_FILE.to_string(), &mut diagnostics);
    let scripts_dir = dir.join(SCRIPTS_DIR);
    match std::fs::read_dir(&scripts_dir) {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml") && !n.starts_with('.'))
                .collect();
            names.sort();
            for name in names {
                read(format!("{SCRIPTS_DIR}/{name}"), &mut diagnostics);
            }
        }
        Err(e) => diagnostics.push(file_error(
            Code::FileUnreadable,
            &format!("{SCRIPTS_DIR}/"),
            format!(
                "cannot read the scripts directory {}: {}",
                scripts_dir.display(),
                io_reason(&e)
            ),
        )),
    }
    let mut report = load_sources(sources);
    diagnostics.append(&mut report.diagnostics);
    report.diagnostics = diagnostics;
    if report.errors() > 0 {
        report.catalog = None;
    }
    sort_diagnostics(&mut report);
    report
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn file_error(code: Code, file: &str, message: String) -> Diagnostic {
    Diagnostic::new(code, file, None, message)
}

fn sort_diagnostics(report: &mut LoadReport) {
    let order: HashMap<&str, usize> = report
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.path.as_str(), i))
        .collect();
    report.diagnostics.sort_by_key(|d| {
        (
            order.get(d.file.as_str()).copied().unwrap_or(usize::MAX),
            d.file.clone(),
            d.span.as_ref().map_or(0, |s| s.start),
        )
    });
}

/// Checks sources already in memory: `products.toml` and any `scripts/*.toml`. Pure.
pub fn load_sources(sources: Vec<Source>) -> LoadReport {
    let mut checker = Checker::default();
    let products_text = sources.iter().find(|s| s.path == PRODUCTS_FILE);
    let raw_catalog = products_text.and_then(|s| checker.parse_products(s));
    let raw_scripts: Vec<RawScript> = sources
        .iter()
        .filter(|s| s.path != PRODUCTS_FILE)
        .filter_map(|s| checker.parse_script(s))
        .collect();
    let catalog = raw_catalog.map(|raw| Catalog {
        hash: super::version::content_hash(&sources),
        ..checker.validate(raw, raw_scripts)
    });
    let mut report = LoadReport {
        catalog,
        diagnostics: checker.diagnostics,
        sources,
    };
    if report.errors() > 0 {
        report.catalog = None;
    }
    sort_diagnostics(&mut report);
    report
}

// ---- what the loader assembles from the raw tables (see raw.rs) -----------------------

struct RawCatalog {
    version: Option<String>,
    formula: RawFormula,
    policy: RawPolicy,
    products: Vec<RawProduct>,
    links: Vec<RawLink>,
    upsells: Vec<RawUpsell>,
    downsells: Vec<RawDownsell>,
}

pub(crate) const PRODUCT_KEYS: &[&str] = &[
    "id",
    "name",
    "family",
    "params",
    "plan_per_month",
    "eligible",
    "create",
    "pitch",
    "disclosure",
    "price",
    "follow_up_days",
];
pub(crate) const FORMULA_KEYS: &[&str] = &["catch", "create"];
pub(crate) const POLICY_KEYS: &[&str] = &["decline_cooldown_days", "max_extra_offers"];
pub(crate) const LINK_KEYS: &[&str] = &["main", "cross", "category", "why", "say"];
pub(crate) const UPSELL_KEYS: &[&str] = &["main", "better", "why", "say"];
pub(crate) const DOWNSELL_KEYS: &[&str] = &["main", "fallback", "why", "say"];
pub(crate) const PRODUCTS_TOP_KEYS: &[&str] = &[
    "version", "formula", "policy", "product", "link", "upsell", "downsell",
];
pub(crate) const STAGE_KEYS: &[&str] = &["id", "title", "say", "create", "moment"];
pub(crate) const MOMENT_KEYS: &[&str] = &["technique", "product", "cue", "say"];
pub(crate) const OBJECTION_KEYS: &[&str] = &["product", "client", "answer"];
pub(crate) const SCRIPT_TOP_KEYS: &[&str] = &["main", "title", "stage", "objection"];

struct RawScript {
    file: String,
    main: Text,
    title: Text,
    stages: Vec<(RawStage, Vec<RawMoment>)>,
    objections: Vec<RawObjection>,
}

// ---- the checker ----------------------------------------------------------------------

#[derive(Default)]
struct Checker {
    diagnostics: Vec<Diagnostic>,
    /// File → its text, for placing placeholders precisely inside strings.
    texts: HashMap<String, String>,
}

impl Checker {
    /// Records a problem; its severity is the code's (`E…` error, `W…` warning).
    fn push(&mut self, code: Code, file: &str, span: Range<usize>, message: String) {
        debug_assert!(!file.is_empty());
        self.diagnostics
            .push(Diagnostic::new(code, file, Some(span), message));
    }
    fn error(&mut self, code: Code, file: &str, span: Range<usize>, message: impl Into<String>) {
        debug_assert_eq!(code.severity(), Severity::Error);
        self.push(code, file, span, message.into());
    }
    fn warn(&mut self, code: Code, file: &str, span: Range<usize>, message: impl Into<String>) {
        debug_assert_eq!(code.severity(), Severity::Warning);
        self.push(code, file, span, message.into());
    }

    fn line_of(&self, file: &str, offset: usize) -> usize {
        self.texts
            .get(file)
            .map_or(0, |t| super::diag::line_col(t, offset).0)
    }
}

fn strings(texts: &[Text]) -> Vec<String> {
    texts.iter().map(|t| t.get_ref().clone()).collect()
}

/// Whether a text is a stand-in for a field that was missing or unreadable (already
/// reported): real strings always have a span, at least their quotes.
pub(crate) fn is_placeholder(text: &Text) -> bool {
    text.span().is_empty()
}
