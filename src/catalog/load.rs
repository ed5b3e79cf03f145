//! Reading the trainer's files: TOML syntax, then each table on its own (so one bad entry
//! does not hide the others), then references, placeholders and lints over the whole.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::diag::{Code, Diagnostic, Severity, Source};
use super::model::*;
use super::placeholder::{self, Scope, Token};
use super::promise;
use super::raw::*;
use super::suggest::did_you_mean;

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

    fn parse_doc<'i>(&mut self, source: &'i Source) -> Option<Spanned<DeTable<'i>>> {
        self.texts.insert(source.path.clone(), source.text.clone());
        let (doc, errors) = DeTable::parse_recoverable(&source.text);
        if errors.is_empty() {
            return Some(doc);
        }
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.error(
                Code::TomlSyntax,
                &source.path,
                span,
                format!("TOML syntax: {}", first_line(e.message())),
            );
        }
        None
    }

    /// Reports every key of `table` not in `known`, with a suggestion; returns the keys the
    /// suggestions name (a misspelt `nmae` names `name`), whose absence is then not reported
    /// again as a missing field.
    fn unknown_keys(
        &mut self,
        file: &str,
        table: &DeTable<'_>,
        known: &[&str],
        what: &str,
    ) -> Vec<String> {
        let mut meant = Vec::new();
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let hint = did_you_mean(name, known.iter().copied());
                if let Some(k) = super::suggest::closest(name, known.iter().copied()) {
                    meant.push(k.to_string());
                }
                let expected = if hint.is_empty() {
                    format!(" (expected one of: {})", known.join(", "))
                } else {
                    hint
                };
                self.error(
                    Code::UnknownKey,
                    file,
                    key.span(),
                    format!("unknown key `{name}` in {what}{expected}"),
                );
            }
        }
        meant
    }

    /// Deserializes one table on its own, reporting unknown keys, missing fields and types.
    ///
    /// Recovers like a compiler: an unknown key is reported and left out; a value of the wrong
    /// type is reported and left out (an optional field then takes its default); a missing
    /// required field is reported (unless a misspelt key already named it) and stands in as a
    /// placeholder with an empty span, which the later checks pass over in silence. So the
    /// table still exists (a product's id stays known) and one typo is one error.
    fn table<T: DeserializeOwned>(
        &mut self,
        file: &str,
        value: &Spanned<DeValue<'_>>,
        known: &[&str],
        skip: &[&str],
        what: &str,
    ) -> Option<T> {
        let Some(table) = value.get_ref().as_table() else {
            self.error(
                Code::WrongType,
                file,
                value.span(),
                format!(
                    "{what} must be a table, found {}",
                    value.get_ref().type_str()
                ),
            );
            return None;
        };
        let mut quiet = self.unknown_keys(file, table, known, what);
        let kept = with_meant_keys(table, known, skip);
        let mut value = Spanned::new(value.span(), DeValue::Table(kept));
        // Each round fixes one problem; a table has only so many keys.
        for _ in 0..=known.len() + 8 {
            let e = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(t) => return Some(t),
                Err(e) => e,
            };
            let message = first_line(e.message()).to_string();
            if let Some(field) = missing_field(&message) {
                if !quiet.iter().any(|q| q == field) {
                    let span = header_span(
                        self.texts.get(file).map(String::as_str),
                        e.span().unwrap_or(value.span()),
                    );
                    self.error(Code::MissingField, file, span, format!("{what}: {message}"));
                }
                let field = field.to_string();
                if !insert_placeholder(&mut value, &field) {
                    return None;
                }
                quiet.push(field);
                continue;
            }
            let span = e.span().unwrap_or(value.span());
            self.error(
                Code::WrongType,
                file,
                span.clone(),
                format!("{what}: {message}"),
            );
            match remove_at(&mut value, &span) {
                // A required field's wrong value: its absence is not a second problem.
                Some(Some(key)) => quiet.push(key),
                Some(None) => {}
                None => return None,
            }
        }
        None
    }

    /// Elements of an array of tables (`[[product]]` …), each parsed on its own.
    fn array<T: DeserializeOwned>(
        &mut self,
        file: &str,
        doc: &DeTable<'_>,
        key: &str,
        known: &[&str],
        skip: &[&str],
        what: &str,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let Some(value) = doc.get(key) else {
            return out;
        };
        let Some(items) = value.get_ref().as_array() else {
            self.error(
                Code::WrongType,
                file,
                value.span(),
                format!("`{key}` must be an array of tables: write [[{key}]]"),
            );
            return out;
        };
        for item in items.iter() {
            if let Some(t) = self.table::<T>(file, item, known, skip, what) {
                out.push(t);
            }
        }
        out
    }

    fn parse_products(&mut self, source: &Source) -> Option<RawCatalog> {
        let file = source.path.as_str();
        let doc = self.parse_doc(source)?;
        let doc = doc.get_ref();
        self.unknown_keys(file, doc, PRODUCTS_TOP_KEYS, "products.toml");
        let doc = &with_meant_keys(doc, PRODUCTS_TOP_KEYS, &[]);
        let version = match doc.get("version") {
            Some(v) => {
                match v.get_ref().as_str() {
                    Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    Some(_) => {
                        self.error(Code::EmptyText, file, v.span(), "`version` is empty: write a label such as \"2026-12\" or remove the line");
                        None
                    }
                    None => {
                        self.error(
                            Code::WrongType,
                            file,
                            v.span(),
                            format!(
                                "`version` must be a string such as \"2026-12\", found {}",
                                v.get_ref().type_str()
                            ),
                        );
                        None
                    }
                }
            }
            None => None,
        };
        let formula = match doc.get("formula") {
            Some(v) => self
                .table::<RawFormula>(file, v, FORMULA_KEYS, &[], "[formula]")
                .unwrap_or_default(),
            None => RawFormula::default(),
        };
        let policy = match doc.get("policy") {
            Some(v) => self
                .table::<RawPolicy>(file, v, POLICY_KEYS, &[], "[policy]")
                .unwrap_or_default(),
            None => RawPolicy::default(),
        };
        let products =
            self.array::<RawProduct>(file, doc, "product", PRODUCT_KEYS, &[], "[[product]]");
        let links = self.array::<RawLink>(file, doc, "link", LINK_KEYS, &[], "[[link]]");
        let upsells = self.array::<RawUpsell>(file, doc, "upsell", UPSELL_KEYS, &[], "[[upsell]]");
        let downsells =
            self.array::<RawDownsell>(file, doc, "downsell", DOWNSELL_KEYS, &[], "[[downsell]]");
        Some(RawCatalog {
            version,
            formula,
            policy,
            products,
            links,
            upsells,
            downsells,
        })
    }

    fn parse_script(&mut self, source: &Source) -> Option<RawScript> {
        let file = source.path.as_str();
        let doc = self.parse_doc(source)?;
        let doc = doc.get_ref();
        self.unknown_keys(file, doc, SCRIPT_TOP_KEYS, "a script");
        let doc = &with_meant_keys(doc, SCRIPT_TOP_KEYS, &[]);
        let text_field = |this: &mut Self, key: &str| -> Option<Text> {
            match doc.get(key) {
                Some(v) => match v.get_ref().as_str() {
                    Some(s) => Some(Spanned::new(v.span(), s.to_string())),
                    None => {
                        this.error(
                            Code::WrongType,
                            file,
                            v.span(),
                            format!("`{key}` must be a string, found {}", v.get_ref().type_str()),
                        );
                        None
                    }
                },
                None => {
                    this.error(
                        Code::MissingField,
                        file,
                        0..0,
                        format!("the script has no `{key}` key"),
                    );
                    None
                }
            }
        };
        let main = text_field(self, "main");
        let title = text_field(self, "title")
            .or_else(|| main.clone().map(|m| Spanned::new(m.span(), m.into_inner())));
        let mut stages = Vec::new();
        if let Some(value) = doc.get("stage") {
            match value.get_ref().as_array() {
                Some(items) => {
                    for item in items.iter() {
                        let stage = self.table::<RawStage>(
                            file,
                            item,
                            STAGE_KEYS,
                            &["moment"],
                            "[[stage]]",
                        );
                        let mut moments = Vec::new();
                        if let Some(moment_value) =
                            item.get_ref().as_table().and_then(|t| t.get("moment"))
                        {
                            match moment_value.get_ref().as_array() {
                                Some(ms) => {
                                    for m in ms.iter() {
                                        if let Some(m) = self.table::<RawMoment>(
                                            file,
                                            m,
                                            MOMENT_KEYS,
                                            &[],
                                            "[[stage.moment]]",
                                        ) {
                                            moments.push(m);
                                        }
                                    }
                                }
                                None => self.error(
                                    Code::WrongType,
                                    file,
                                    moment_value.span(),
                                    "`moment` must be an array of tables: write [[stage.moment]]",
                                ),
                            }
                        }
                        if let Some(stage) = stage {
                            stages.push((stage, moments));
                        }
                    }
                }
                None => self.error(
                    Code::WrongType,
                    file,
                    value.span(),
                    "`stage` must be an array of tables: write [[stage]]",
                ),
            }
        }
        let objections = self.array::<RawObjection>(
            file,
            doc,
            "objection",
            OBJECTION_KEYS,
            &[],
            "[[objection]]",
        );
        Some(RawScript {
            file: file.to_string(),
            main: main?,
            title: title.unwrap_or_else(|| Spanned::new(0..0, String::new())),
            stages,
            objections,
        })
    }

    // ---- whole-catalogue checks ----------------------------------------------------------

    fn validate(&mut self, raw: RawCatalog, scripts: Vec<RawScript>) -> Catalog {
        let pf = PRODUCTS_FILE;
        let formula = Formula {
            catch: raw.formula.catch.unwrap_or(2),
            create: raw.formula.create.unwrap_or(1),
        };
        let policy = Policy {
            decline_cooldown_days: raw.policy.decline_cooldown_days.unwrap_or(30),
            max_extra_offers: raw
                .policy
                .max_extra_offers
                .as_ref()
                .map_or(3, |m| *m.get_ref()),
        };
        if let Some(max) = &raw.policy.max_extra_offers {
            if formula.catch + formula.create > policy.max_extra_offers {
                self.warn(Code::FormulaOverPolicy,
                    pf,
                    max.span(),
                    format!(
                        "the formula asks for {} extra offers ({} catch + {} create) but max_extra_offers is {}: the formula can never be met",
                        formula.catch + formula.create,
                        formula.catch,
                        formula.create,
                        policy.max_extra_offers
                    ),
                );
            }
        }

        // Products: ids first, so that every later reference can be checked.
        let mut products: Vec<Product> = Vec::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut terms: BTreeMap<String, Terms> = BTreeMap::new();
        for p in &raw.products {
            if is_placeholder(&p.id) {
                continue;
            }
            let id = p.id.get_ref();
            self.check_id(pf, &p.id, "product id");
            if let Some(line) = first_seen.get(id) {
                self.error(
                    Code::DuplicateProduct,
                    pf,
                    p.id.span(),
                    format!("duplicate product id `{id}` (first defined on line {line})"),
                );
                continue;
            }
            first_seen.insert(id.clone(), self.line_of(pf, p.id.span().start));
            self.non_empty(pf, &p.name, "product name");
            let mut params = BTreeMap::new();
            for (k, v) in &p.params {
                let text = match v.get_ref() {
                    ParamValue::Text(s) => s.clone(),
                    ParamValue::Integer(i) => i.to_string(),
                    ParamValue::Float(f) => f.to_string(),
                };
                params.insert(k.clone(), text);
            }
            let eligible = p.eligible.as_ref().map_or(Eligibility::default(), |e| {
                let r = *e.get_ref();
                if let (Some(min), Some(max)) = (r.min_age, r.max_age) {
                    if min > max {
                        self.error(
                            Code::BadValue,
                            pf,
                            e.span(),
                            format!("eligible: min_age {min} is greater than max_age {max}"),
                        );
                    }
                }
                Eligibility {
                    min_age: r.min_age,
                    max_age: r.max_age,
                }
            });
            if let Some(plan) = &p.plan_per_month {
                if *plan.get_ref() == 0 {
                    self.error(
                        Code::BadValue,
                        pf,
                        plan.span(),
                        "plan_per_month must be at least 1 (remove it if the product has no plan)",
                    );
                }
            }
            let mut t = Terms::default();
            if let Some(price) = &p.price {
                let v = *price.get_ref();
                if v.is_finite() && v >= 0.0 {
                    t.price = Some(v);
                } else {
                    self.error(
                        Code::BadValue,
                        pf,
                        price.span(),
                        "price must be a number of roubles, 0 or more",
                    );
                }
            }
            if let Some(days) = &p.follow_up_days {
                if *days.get_ref() == 0 {
                    self.error(
                        Code::BadValue,
                        pf,
                        days.span(),
                        "follow_up_days must be at least 1 (remove it if the product needs no check-in call)",
                    );
                } else {
                    t.follow_up_days = Some(*days.get_ref());
                }
            }
            if t != Terms::default() {
                terms.insert(id.clone(), t);
            }
            products.push(Product {
                id: id.clone(),
                name: p.name.get_ref().clone(),
                family: p.family.clone(),
                params,
                plan_per_month: p.plan_per_month.as_ref().map(|s| *s.get_ref()),
                eligible,
                create: strings(&p.create),
                pitch: strings(&p.pitch),
                disclosure: strings(&p.disclosure),
            });
        }
        let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
        let find = |id: &str| products.iter().find(|p| p.id == id);
        let price = |id: &str| terms.get(id).and_then(|t| t.price).filter(|p| *p > 0.0);

        // Plan products' own lines: `product` is the product itself, the main one varies.
        for p in &raw.products {
            let Some(product) = find(p.id.get_ref()) else {
                continue;
            };
            let scope = Scope {
                product: Some(product),
                main: None,
                unresolved: false,
            };
            for (lines, what) in [
                (&p.create, "create opener"),
                (&p.pitch, "pitch line"),
                (&p.disclosure, "disclosure line"),
            ] {
                for line in lines {
                    self.phrase(pf, line, &scope, what);
                }
            }
            for opener in &p.create {
                self.lint_question(pf, opener, "create-the-moment opener");
            }
            for line in p.create.iter().chain(&p.pitch) {
                self.promise(pf, line, Some(product));
            }
            if promise::is_checked_family(&product.family) && p.disclosure.is_empty() {
                self.warn(
                    Code::NoDisclosure,
                    pf,
                    p.id.span(),
                    format!(
                        "`{}` is a product of the family `{}` but has no `disclosure`: say before the client agrees that it is voluntary, not a deposit, and how to cancel",
                        product.id, product.family
                    ),
                );
            }
            if product.is_plan() && p.create.is_empty() {
                self.warn(Code::PlanWithoutOpener,
                    pf,
                    p.id.span(),
                    format!("plan product `{}` has no `create` openers: the officer has no question to open it with", product.id),
                );
            }
        }

        // Scripts: which products are main.
        let mut script_of: HashMap<String, usize> = HashMap::new();
        for (i, s) in scripts.iter().enumerate() {
            let main = s.main.get_ref();
            match find(main) {
                None => {
                    let hint = did_you_mean(main, ids.iter().map(String::as_str));
                    self.error(
                        Code::ScriptWithoutProduct,
                        &s.file,
                        s.main.span(),
                        format!("script for product `{main}`, which is not in products.toml{hint}"),
                    );
                }
                Some(_) => {
                    if let Some(&other) = script_of.get(main) {
                        self.error(
                            Code::DuplicateScript,
                            &s.file,
                            s.main.span(),
                            format!(
                                "a second script for `{main}`: {} already has it",
                                scripts[other].file
                            ),
                        );
                    } else {
                        script_of.insert(main.clone(), i);
                    }
                }
            }
            let expected = format!("{SCRIPTS_DIR}/{main}.toml");
            if s.file != expected && find(main).is_some() {
                self.warn(
                    Code::ScriptFileName,
                    &s.file,
                    s.main.span(),
                    format!("the script for `{main}` is expected in {expected}"),
                );
            }
        }

        // The matrix.
        let mut links = Vec::new();
        let mut seen_links: HashMap<(String, String), usize> = HashMap::new();
        for l in &raw.links {
            let main_ok = self.reference(pf, &l.main, &ids);
            let cross_ok = self.reference(pf, &l.cross, &ids);
            let category = LinkCategory::parse(l.category.get_ref());
            if category.is_none() && !is_placeholder(&l.category) {
                let all: Vec<&str> = LinkCategory::ALL.iter().map(|c| c.as_str()).collect();
                let hint = did_you_mean(l.category.get_ref(), all.iter().copied());
                self.error(
                    Code::UnknownCategory,
                    pf,
                    l.category.span(),
                    format!(
                        "unknown link category `{}`{}",
                        l.category.get_ref(),
                        if hint.is_empty() {
                            format!(" (expected one of: {})", all.join(", "))
                        } else {
                            hint
                        }
                    ),
                );
            }
            self.non_empty(pf, &l.why, "link reason (`why`)");
            if !(main_ok && cross_ok) {
                continue;
            }
            let (main, cross) = (l.main.get_ref().clone(), l.cross.get_ref().clone());
            if main == cross {
                self.error(
                    Code::SelfOffer,
                    pf,
                    l.cross.span(),
                    format!("`{main}` is linked to itself"),
                );
                continue;
            }
            let key = (main.clone(), cross.clone());
            if let Some(line) = seen_links.get(&key) {
                self.error(
                    Code::DuplicateLink,
                    pf,
                    l.cross.span(),
                    format!("duplicate link {main} → {cross} (first on line {line})"),
                );
                continue;
            }
            seen_links.insert(key, self.line_of(pf, l.main.span().start));
            if !script_of.contains_key(&main) {
                self.warn(
                    Code::UnusedLink,
                    pf,
                    l.main.span(),
                    format!("`{main}` has no script in {SCRIPTS_DIR}/, so this link is never used"),
                );
            }
            let scope = Scope {
                product: find(&cross),
                main: find(&main),
                unresolved: false,
            };
            for line in &l.say {
                self.phrase(pf, line, &scope, "catch phrase");
                self.promise(pf, line, scope.product);
            }
            if let (Some(main_price), Some(cross_price)) = (price(&main), price(&cross)) {
                if cross_price > main_price {
                    self.warn(
                        Code::CatchDearerThanMain,
                        pf,
                        l.cross.span(),
                        format!("catch product `{cross}` ({cross_price} ₽) is dearer than its main product `{main}` ({main_price} ₽): an extra should cost less than the main purchase"),
                    );
                }
            }
            if let Some(category) = category {
                links.push(Link {
                    main,
                    cross,
                    category,
                    why: l.why.get_ref().clone(),
                    say: strings(&l.say),
                });
            }
        }

        // Upsell and downsell rows.
        let mut upsells: Vec<(Upsell, &RawUpsell)> = Vec::new();
        let mut seen_upsells: HashMap<(String, String), usize> = HashMap::new();
        for u in &raw.upsells {
            let main_ok = self.reference(pf, &u.main, &ids);
            let better_ok = self.reference(pf, &u.better, &ids);
            self.non_empty(pf, &u.why, "upsell reason (`why`)");
            if !(main_ok && better_ok) {
                continue;
            }
            let (main, better) = (u.main.get_ref().clone(), u.better.get_ref().clone());
            if main == better {
                self.error(
                    Code::SelfOffer,
                    pf,
                    u.better.span(),
                    format!("`{main}` cannot be its own upsell"),
                );
                continue;
            }
            let key = (main.clone(), better.clone());
            if let Some(line) = seen_upsells.get(&key) {
                self.error(
                    Code::DuplicateUpsell,
                    pf,
                    u.better.span(),
                    format!("duplicate upsell {main} → {better} (first on line {line})"),
                );
                continue;
            }
            seen_upsells.insert(key, self.line_of(pf, u.main.span().start));
            if !script_of.contains_key(&main) {
                self.warn(
                    Code::UnusedLink,
                    pf,
                    u.main.span(),
                    format!(
                        "`{main}` has no script in {SCRIPTS_DIR}/, so this upsell is never used"
                    ),
                );
            }
            let scope = Scope {
                product: find(&better),
                main: find(&main),
                unresolved: false,
            };
            for line in &u.say {
                self.phrase(pf, line, &scope, "upsell phrase");
                self.promise(pf, line, scope.product);
            }
            if let (Some(main_price), Some(better_price)) = (price(&main), price(&better)) {
                let limit = main_price * 1.25;
                if better_price > limit {
                    self.warn(
                        Code::UpsellOverPrice,
                        pf,
                        u.better.span(),
                        format!("upsell `{better}` ({better_price} ₽) costs more than 1.25 × the price of `{main}` ({main_price} ₽, so at most {limit} ₽): an upgrade should not raise the price by more than about a quarter"),
                    );
                }
            }
            upsells.push((
                Upsell {
                    main,
                    better,
                    why: u.why.get_ref().clone(),
                    say: strings(&u.say),
                },
                u,
            ));
        }
        let mut downsells: Vec<(Downsell, &RawDownsell)> = Vec::new();
        let mut seen_downsells: HashMap<(String, String), usize> = HashMap::new();
        for d in &raw.downsells {
            let main_ok = self.reference(pf, &d.main, &ids);
            let fallback_ok = self.reference(pf, &d.fallback, &ids);
            self.non_empty(pf, &d.why, "downsell reason (`why`)");
            if !(main_ok && fallback_ok) {
                continue;
            }
            let (main, fallback) = (d.main.get_ref().clone(), d.fallback.get_ref().clone());
            if main == fallback {
                self.error(
                    Code::SelfOffer,
                    pf,
                    d.fallback.span(),
                    format!("`{main}` cannot be its own downsell"),
                );
                continue;
            }
            let key = (main.clone(), fallback.clone());
            if let Some(line) = seen_downsells.get(&key) {
                self.error(
                    Code::DuplicateDownsell,
                    pf,
                    d.fallback.span(),
                    format!("duplicate downsell {main} → {fallback} (first on line {line})"),
                );
                continue;
            }
            seen_downsells.insert(key, self.line_of(pf, d.main.span().start));
            if !script_of.contains_key(&main) {
                self.warn(
                    Code::UnusedLink,
                    pf,
                    d.main.span(),
                    format!(
                        "`{main}` has no script in {SCRIPTS_DIR}/, so this downsell is never used"
                    ),
                );
            }
            let scope = Scope {
                product: find(&fallback),
                main: find(&main),
                unresolved: false,
            };
            for line in &d.say {
                self.phrase(pf, line, &scope, "downsell phrase");
                self.promise(pf, line, scope.product);
            }
            downsells.push((
                Downsell {
                    main,
                    fallback,
                    why: d.why.get_ref().clone(),
                    say: strings(&d.say),
                },
                d,
            ));
        }

        // Script bodies.
        let mut out_scripts = Vec::new();
        let mut tier_moments: Vec<TierMoment> = Vec::new();
        for (i, s) in scripts.iter().enumerate() {
            let file = s.file.as_str();
            let main_id = s.main.get_ref();
            let main = find(main_id);
            let counted = script_of.get(main_id) == Some(&i);
            self.non_empty(file, &s.title, "script title");
            let mut stage_seen: HashMap<String, usize> = HashMap::new();
            let mut stages = Vec::new();
            let mut has_create = false;
            let mut catch_covered: Vec<String> = Vec::new();
            let mut script_tiers: Vec<TierMoment> = Vec::new();
            for (st, moments) in &s.stages {
                self.check_id(file, &st.id, "stage id");
                if let Some(line) = stage_seen.get(st.id.get_ref()) {
                    self.error(
                        Code::DuplicateStage,
                        file,
                        st.id.span(),
                        format!(
                            "duplicate stage id `{}` (first on line {line})",
                            st.id.get_ref()
                        ),
                    );
                } else {
                    stage_seen.insert(
                        st.id.get_ref().clone(),
                        self.line_of(file, st.id.span().start),
                    );
                }
                self.non_empty(file, &st.title, "stage title");
                let scope = Scope {
                    product: main,
                    main,
                    unresolved: main.is_none(),
                };
                for line in &st.say {
                    self.phrase(file, line, &scope, "phrase");
                }
                has_create |= st.create;
                let mut out_moments = Vec::new();
                let mut distinct: Vec<&str> = Vec::new();
                for m in moments {
                    let kind = match m.technique.get_ref().as_str() {
                        "catch" => Some(Ok(Technique::Catch)),
                        "create" => Some(Ok(Technique::Create)),
                        "upsell" => Some(Err(Tier::Upsell)),
                        "downsell" => Some(Err(Tier::Downsell)),
                        _ if is_placeholder(&m.technique) => None,
                        other => {
                            let hint =
                                did_you_mean(other, ["catch", "create", "upsell", "downsell"]);
                            self.error(
                                Code::UnknownTechnique,
                                file,
                                m.technique.span(),
                                format!(
                                    "unknown technique `{other}`{}",
                                    if hint.is_empty() {
                                        " (expected catch, create, upsell or downsell)".to_string()
                                    } else {
                                        hint
                                    }
                                ),
                            );
                            None
                        }
                    };
                    let product_ok = self.reference(file, &m.product, &ids);
                    if m.say.is_empty() {
                        self.error(
                            Code::NoPhrase,
                            file,
                            m.product.span(),
                            "a moment needs at least one phrase in `say`",
                        );
                    }
                    let scope = Scope {
                        product: find(m.product.get_ref()),
                        main,
                        unresolved: !product_ok || main.is_none(),
                    };
                    for line in &m.say {
                        self.phrase(file, line, &scope, "moment phrase");
                        self.promise(file, line, scope.product);
                    }
                    if let Some(cue) = &m.cue {
                        self.phrase(file, cue, &scope, "cue");
                    }
                    let technique = match kind {
                        None => continue,
                        Some(Ok(technique)) => technique,
                        Some(Err(tier)) => {
                            if !product_ok {
                                continue;
                            }
                            let product = m.product.get_ref();
                            if product == main_id {
                                self.error(
                                    Code::SelfOffer,
                                    file,
                                    m.product.span(),
                                    format!(
                                        "a moment cannot offer the main product `{main_id}` itself"
                                    ),
                                );
                                continue;
                            }
                            let key = (main_id.clone(), product.clone());
                            let has_row = match tier {
                                Tier::Upsell => seen_upsells.contains_key(&key),
                                Tier::Downsell => seen_downsells.contains_key(&key),
                            };
                            if !has_row {
                                let (row, role) = match tier {
                                    Tier::Upsell => ("upsell", "better"),
                                    Tier::Downsell => ("downsell", "fallback"),
                                };
                                self.warn(
                                    Code::TierWithoutRow,
                                    file,
                                    m.product.span(),
                                    format!("{row} moment for `{product}`, but products.toml has no [[{row}]] row with main = \"{main_id}\" and {role} = \"{product}\": add one, with its `why`"),
                                );
                            }
                            script_tiers.push(TierMoment {
                                tier,
                                main: main_id.clone(),
                                stage: st.id.get_ref().clone(),
                                product: product.clone(),
                                cue: m.cue.as_ref().map(|c| c.get_ref().clone()),
                                say: strings(&m.say),
                            });
                            continue;
                        }
                    };
                    if technique == Technique::Create {
                        has_create = true;
                        for line in &m.say {
                            self.lint_question(file, line, "create-the-moment phrase");
                        }
                    }
                    if !product_ok {
                        continue;
                    }
                    let product = m.product.get_ref();
                    if product == main_id {
                        self.error(
                            Code::SelfOffer,
                            file,
                            m.product.span(),
                            format!("a moment cannot offer the main product `{main_id}` itself"),
                        );
                        continue;
                    }
                    if technique == Technique::Catch {
                        if seen_links.contains_key(&(main_id.clone(), product.clone())) {
                            if !catch_covered.contains(product) {
                                catch_covered.push(product.clone());
                            }
                        } else {
                            self.warn(Code::CatchNotLinked,
                                file,
                                m.product.span(),
                                format!("catch moment for `{product}`, which products.toml does not link to `{main_id}`: add a [[link]] row or use technique = \"create\""),
                            );
                        }
                    }
                    if !distinct.contains(&product.as_str()) {
                        distinct.push(product);
                    }
                    out_moments.push(Moment {
                        technique,
                        product: product.clone(),
                        cue: m.cue.as_ref().map(|c| c.get_ref().clone()),
                        say: strings(&m.say),
                    });
                }
                if distinct.len() as u32 > policy.max_extra_offers {
                    self.warn(Code::TooManyOffers,
                        file,
                        st.id.span(),
                        format!(
                            "stage `{}` prompts {} different extra products, more than max_extra_offers = {}: keep the offer concrete",
                            st.id.get_ref(),
                            distinct.len(),
                            policy.max_extra_offers
                        ),
                    );
                }
                stages.push(Stage {
                    id: st.id.get_ref().clone(),
                    title: st.title.get_ref().clone(),
                    say: strings(&st.say),
                    create: st.create,
                    moments: out_moments,
                });
            }
            if s.stages.is_empty() {
                self.error(
                    Code::NoStage,
                    file,
                    s.main.span(),
                    "the script has no [[stage]]",
                );
            }
            let mut objections = Vec::new();
            for o in &s.objections {
                let ok = self.reference(file, &o.product, &ids);
                self.non_empty(file, &o.client, "objection (`client`)");
                if o.answer.is_empty() {
                    self.error(
                        Code::NoPhrase,
                        file,
                        o.client.span(),
                        "an objection needs at least one line in `answer`",
                    );
                }
                let scope = Scope {
                    product: find(o.product.get_ref()),
                    main,
                    unresolved: !ok || main.is_none(),
                };
                for line in &o.answer {
                    self.phrase(file, line, &scope, "answer");
                    self.promise(file, line, scope.product);
                }
                if ok {
                    objections.push(Objection {
                        product: o.product.get_ref().clone(),
                        client: o.client.get_ref().clone(),
                        answer: strings(&o.answer),
                    });
                }
            }
            if !counted || main.is_none() {
                continue;
            }
            if !has_create && !s.stages.is_empty() {
                self.warn(Code::NoCreateMoment,
                    file,
                    s.main.span(),
                    "no stage has a create moment or `create = true`: the create-the-moment part of the formula is never prompted",
                );
            }
            // Linked products that have phrases only in the matrix also count as covered.
            for l in links
                .iter()
                .filter(|l| &l.main == main_id && !l.say.is_empty())
            {
                if !catch_covered.contains(&l.cross) {
                    catch_covered.push(l.cross.clone());
                }
            }
            if (catch_covered.len() as u32) < formula.catch {
                self.warn(Code::CatchUncovered,
                    file,
                    s.main.span(),
                    format!(
                        "catch phrases cover {} linked product(s) of `{main_id}`, fewer than formula.catch = {}",
                        catch_covered.len(),
                        formula.catch
                    ),
                );
            }
            for l in raw.links.iter().filter(|l| l.main.get_ref() == main_id) {
                let cross = l.cross.get_ref();
                if find(cross).is_some() && !catch_covered.contains(cross) && cross != main_id {
                    self.warn(Code::NoCatchPhrase,
                        pf,
                        l.cross.span(),
                        format!("`{cross}` is linked to `{main_id}` but has no catch phrase anywhere (no catch moment in {file}, no `say` in the link)"),
                    );
                }
            }
            tier_moments.append(&mut script_tiers);
            out_scripts.push(Script {
                main: main_id.clone(),
                title: s.title.get_ref().clone(),
                stages,
                objections,
            });
        }
        out_scripts.sort_by(|a, b| a.main.cmp(&b.main));

        // A row with nothing to say: no script moment for it and no `say` of its own.
        let has_moment = |tier: Tier, main: &str, product: &str| {
            tier_moments
                .iter()
                .any(|m| m.tier == tier && m.main == main && m.product == product)
        };
        for (u, raw_row) in &upsells {
            if u.say.is_empty()
                && script_of.contains_key(&u.main)
                && !has_moment(Tier::Upsell, &u.main, &u.better)
            {
                self.warn(
                    Code::NoTierPhrase,
                    pf,
                    raw_row.better.span(),
                    format!("upsell {} → {} has no phrase anywhere (no upsell moment in {SCRIPTS_DIR}/{}.toml, no `say` in the row)", u.main, u.better, u.main),
                );
            }
        }
        for (d, raw_row) in &downsells {
            if d.say.is_empty()
                && script_of.contains_key(&d.main)
                && !has_moment(Tier::Downsell, &d.main, &d.fallback)
            {
                self.warn(
                    Code::NoTierPhrase,
                    pf,
                    raw_row.fallback.span(),
                    format!("downsell {} → {} has no phrase anywhere (no downsell moment in {SCRIPTS_DIR}/{}.toml, no `say` in the row)", d.main, d.fallback, d.main),
                );
            }
        }
        Catalog {
            version: raw.version,
            hash: String::new(),
            formula,
            policy,
            products,
            links,
            scripts: out_scripts,
            terms,
            upsells: upsells.into_iter().map(|(u, _)| u).collect(),
            downsells: downsells.into_iter().map(|(d, _)| d).collect(),
            tier_moments,
        }
    }

    fn line_of(&self, file: &str, offset: usize) -> usize {
        self.texts
            .get(file)
            .map_or(0, |t| super::diag::line_col(t, offset).0)
    }

    fn check_id(&mut self, file: &str, id: &Text, what: &str) {
        if is_placeholder(id) {
            return;
        }
        let s = id.get_ref();
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            self.error(
                Code::BadId,
                file,
                id.span(),
                format!("{what} `{s}` may use only a-z, 0-9 and _"),
            );
        }
    }

    /// A reference to a product id; `false` (with an error) when it does not exist.
    fn reference(&mut self, file: &str, id: &Text, ids: &[String]) -> bool {
        if is_placeholder(id) {
            return false;
        }
        let s = id.get_ref();
        if ids.iter().any(|i| i == s) {
            return true;
        }
        let hint = did_you_mean(s, ids.iter().map(String::as_str));
        self.error(
            Code::UnknownProduct,
            file,
            id.span(),
            format!("unknown product `{s}`{hint}"),
        );
        false
    }

    fn non_empty(&mut self, file: &str, text: &Text, what: &str) -> bool {
        if is_placeholder(text) {
            return false;
        }
        if text.get_ref().trim().is_empty() {
            self.error(Code::EmptyText, file, text.span(), format!("empty {what}"));
            return false;
        }
        true
    }

    /// A phrase the officer will say: not empty, placeholders known, not a blunt question.
    fn phrase(&mut self, file: &str, text: &Text, scope: &Scope<'_>, what: &str) {
        if !self.non_empty(file, text, what) {
            return;
        }
        let value = text.get_ref();
        for token in placeholder::tokens(value) {
            match token {
                Token::Placeholder(p) => {
                    if let Some(msg) = placeholder::problem(p.name, scope) {
                        let span = self.inner_span(file, text, p.range.clone());
                        self.error(Code::UnknownPlaceholder, file, span, msg);
                    }
                }
                Token::Unclosed(at) => {
                    let span = self.inner_span(file, text, at..at + 1);
                    self.error(
                        Code::UnclosedBrace,
                        file,
                        span,
                        "unclosed `{` (write `{{` for a literal brace)",
                    );
                }
                Token::Text(_) => {}
            }
        }
        if let Some(pattern) = blunt_pattern(value) {
            self.warn(Code::BluntQuestion,
                file,
                text.span(),
                format!("this {what} asks bluntly for a yes/no purchase (\u{ab}{pattern}\u{bb}): state the benefit instead"),
            );
        }
    }

    /// A phrase of a product of the families `insurance`, `pension` or `investments` that
    /// promises what such a product cannot keep (see promise.rs).
    fn promise(&mut self, file: &str, text: &Text, product: Option<&Product>) {
        let Some(product) = product else { return };
        if !promise::is_checked_family(&product.family) || is_placeholder(text) {
            return;
        }
        if let Some((range, name)) = promise::find(text.get_ref()) {
            let span = self.inner_span(file, text, range);
            self.warn(
                Code::FalsePromise,
                file,
                span,
                format!(
                    "`{}` is a product of the family `{}`, which cannot promise \u{ab}{name}\u{bb}: it is not a deposit; say what the contract gives, without guarantees",
                    product.id, product.family
                ),
            );
        }
    }

    fn lint_question(&mut self, file: &str, text: &Text, what: &str) {
        let value = text.get_ref().trim_end();
        if !value.is_empty() && !value.ends_with('?') {
            self.warn(Code::NotAQuestion,
                file,
                text.span(),
                format!("a {what} should be a question (end with `?`): it opens the topic, it does not announce it"),
            );
        }
    }

    /// The span of a part of a string value, when the source writes it without escapes;
    /// otherwise the whole string.
    fn inner_span(&self, file: &str, text: &Text, inner: Range<usize>) -> Range<usize> {
        let span = text.span();
        let Some(source) = self.texts.get(file) else {
            return span;
        };
        let Some(raw) = source.get(span.clone()) else {
            return span;
        };
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        let value = text.get_ref();
        let body_start = span.start + quote;
        if source.get(body_start..body_start + value.len()) == Some(value.as_str()) {
            body_start + inner.start..body_start + inner.end
        } else {
            span
        }
    }
}

/// Phrases that ask for a purchase as a yes/no question, the opposite of catch-the-moment.
const BLUNT: &[&str] = &[
    "не хотите ли",
    "не желаете ли",
    "хотите оформить",
    "желаете оформить",
    "будем оформлять",
    "будете оформлять",
    "оформляем?",
    "давайте оформим?",
    "хотите купить",
    "хотите подключить",
    "будете брать",
];

fn blunt_pattern(text: &str) -> Option<&'static str> {
    let folded = text.to_lowercase().replace('ё', "е");
    BLUNT.iter().copied().find(|p| folded.contains(p))
}

fn strings(texts: &[Text]) -> Vec<String> {
    texts.iter().map(|t| t.get_ref().clone()).collect()
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

/// The first line of a table's span (its `[[header]]` line) rather than its whole body.
fn header_span(text: Option<&str>, span: Range<usize>) -> Range<usize> {
    let Some(text) = text else { return span };
    let start = span.start.min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    start..end.max(start + 1).min(text.len().max(start))
}

/// The field a serde "missing field `x`" message names.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// Required fields that are lists of phrases; every other required field is a string.
const LIST_FIELDS: &[&str] = &["say", "answer"];

/// Whether a text is a stand-in for a field that was missing or unreadable (already
/// reported): real strings always have a span, at least their quotes.
pub(crate) fn is_placeholder(text: &Text) -> bool {
    text.span().is_empty()
}

/// Puts a stand-in for the missing `field` into the table: an empty string with an empty
/// span (or a list of one). `false` when the value is not a table.
fn insert_placeholder(value: &mut Spanned<DeValue<'_>>, field: &str) -> bool {
    let span = value.span();
    let DeValue::Table(table) = value.get_mut() else {
        return false;
    };
    let at = span.start..span.start;
    let text = || Spanned::new(at.clone(), DeValue::String(std::borrow::Cow::Borrowed("")));
    let stand_in = if LIST_FIELDS.contains(&field) {
        let mut list = toml::de::DeArray::new();
        list.push(text());
        Spanned::new(at.clone(), DeValue::Array(list))
    } else {
        text()
    };
    let key = Spanned::new(at.clone(), std::borrow::Cow::Owned(field.to_string()));
    table.insert(key, stand_in);
    true
}

/// Removes the innermost table entry or array element whose value holds `span` (the place
/// of a type error). `None` when nothing holds it; `Some(Some(key))` when the entry removed
/// was one of the top table's own keys.
fn remove_at(value: &mut Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<Option<String>> {
    fn holds(v: &Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
        let s = v.span();
        s.start <= span.start && span.end <= s.end && !s.is_empty()
    }
    fn go(value: &mut DeValue<'_>, span: &Range<usize>) -> bool {
        match value {
            DeValue::Table(table) => {
                let mut hit = None;
                for (k, v) in table.iter_mut() {
                    if holds(v, span) {
                        hit = Some(k.clone());
                        if go(v.get_mut(), span) {
                            return true;
                        }
                        break;
                    }
                }
                match hit {
                    Some(k) => table.remove(&k).is_some(),
                    None => false,
                }
            }
            DeValue::Array(items) => {
                let Some(i) = items.iter().position(|v| holds(v, span)) else {
                    return false;
                };
                if go(items.as_mut()[i].get_mut(), span) {
                    return true;
                }
                let mut rest = toml::de::DeArray::new();
                for (j, v) in items.iter().enumerate() {
                    if j != i {
                        rest.push(v.clone());
                    }
                }
                *items = rest;
                true
            }
            _ => false,
        }
    }
    let DeValue::Table(table) = value.get_mut() else {
        return None;
    };
    let key = table
        .iter()
        .find(|(_, v)| holds(v, span))
        .map(|(k, _)| k.clone())?;
    let entry = table.get_mut(key.get_ref().as_ref())?;
    // A parameter's value stands in as empty text, so `{product.<param>}` stays known.
    if key.get_ref() == "params" {
        if let DeValue::Table(params) = entry.get_mut() {
            for (_, v) in params.iter_mut() {
                if holds(v, span) {
                    *v = Spanned::new(v.span().start..v.span().start, DeValue::String("".into()));
                    return Some(None);
                }
            }
        }
    }
    if go(entry.get_mut(), span) {
        return Some(None);
    }
    table.remove(key.get_ref().as_ref());
    Some(Some(key.get_ref().to_string()))
}

/// The known keys of `table` (less `skip`), with each misspelt key read as the key it was
/// meant to be (`nmae = "…"` as the name) unless that key is there too: so what the value
/// names is checked as usual, and nothing cascades from the typo (reported apart).
fn with_meant_keys<'i>(table: &DeTable<'i>, known: &[&str], skip: &[&str]) -> DeTable<'i> {
    let mut kept = DeTable::new();
    for (k, v) in table.iter() {
        let name: &str = k.get_ref();
        if !skip.contains(&name) && known.contains(&name) {
            kept.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in table.iter() {
        let name: &str = k.get_ref();
        if known.contains(&name) {
            continue;
        }
        let Some(meant) = super::suggest::closest(name, known.iter().copied()) else {
            continue;
        };
        if skip.contains(&meant) {
            continue;
        }
        // `[[prodcut]]` beside `[[product]]`: its tables join the others.
        if let Some(there) = kept.get_mut(meant) {
            if let (DeValue::Array(all), Some(more)) = (there.get_mut(), v.get_ref().as_array()) {
                let mut joined = toml::de::DeArray::new();
                for item in all.iter().chain(more.iter()) {
                    joined.push(item.clone());
                }
                *all = joined;
            }
            continue;
        }
        let key = Spanned::new(k.span(), std::borrow::Cow::Owned(meant.to_string()));
        kept.insert(key, v.clone());
    }
    kept
}
