//! The whole-catalogue checks, in the order a reader meets them: formula and policy, the
//! products, the scripts' main products, the matrix of links, the upsell and downsell rows
//! (tiers.rs), the script bodies (scripts.rs), and last what no row or moment says.

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::catalog::placeholder::Scope;
use crate::catalog::promise;
use crate::catalog::suggest::did_you_mean;

/// A pair of product ids (main, other) → the line of the row that first named it.
pub(super) type Seen = HashMap<(String, String), usize>;

/// What the products settle, for every check of what refers to them.
pub(super) struct Known<'c> {
    pub formula: Formula,
    pub policy: Policy,
    pub products: &'c [Product],
    pub ids: Vec<String>,
    pub terms: &'c BTreeMap<String, Terms>,
    /// Main product → the index of its script (the first, when there are two).
    pub script_of: HashMap<String, usize>,
}

impl<'c> Known<'c> {
    pub fn find(&self, id: &str) -> Option<&'c Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The product's price in roubles, when it is given and above zero.
    pub fn price(&self, id: &str) -> Option<f64> {
        self.terms
            .get(id)
            .and_then(|t| t.price)
            .filter(|p| *p > 0.0)
    }
}

impl Checker {
    pub(super) fn validate(&mut self, raw: RawCatalog, scripts: Vec<RawScript>) -> Catalog {
        let (formula, policy) = self.formula_and_policy(&raw.formula, &raw.policy);
        let (products, terms) = self.products(&raw.products);
        let mut known = Known {
            formula,
            policy,
            products: &products,
            ids: products.iter().map(|p| p.id.clone()).collect(),
            terms: &terms,
            script_of: HashMap::new(),
        };
        self.plan_lines(&raw.products, &known);
        known.script_of = self.script_mains(&scripts, &known);
        let (links, seen_links) = self.links(&raw.links, &known);
        let upsells = self.tier_rows(&raw.upsells, &known);
        let downsells = self.tier_rows(&raw.downsells, &known);
        let matrix = scripts::Matrix {
            links: &links,
            raw_links: &raw.links,
            seen_links: &seen_links,
            seen_upsells: &upsells.seen,
            seen_downsells: &downsells.seen,
        };
        let (out_scripts, tier_moments) = self.script_bodies(&scripts, &known, &matrix);
        // A row with nothing to say: no script moment for it and no `say` of its own.
        self.tier_phrases(&upsells.rows, &known, &tier_moments);
        self.tier_phrases(&downsells.rows, &known, &tier_moments);
        Catalog {
            version: raw.version,
            hash: String::new(),
            formula,
            policy,
            products,
            links,
            scripts: out_scripts,
            terms,
            upsells: upsells.rows.into_iter().map(Upsell::from).collect(),
            downsells: downsells.rows.into_iter().map(Downsell::from).collect(),
            tier_moments,
        }
    }

    fn formula_and_policy(
        &mut self,
        raw_formula: &RawFormula,
        raw_policy: &RawPolicy,
    ) -> (Formula, Policy) {
        let pf = PRODUCTS_FILE;
        let formula = Formula {
            catch: raw_formula.catch.unwrap_or(2),
            create: raw_formula.create.unwrap_or(1),
        };
        let policy = Policy {
            decline_cooldown_days: raw_policy.decline_cooldown_days.unwrap_or(30),
            max_extra_offers: raw_policy
                .max_extra_offers
                .as_ref()
                .map_or(3, |m| *m.get_ref()),
        };
        if let Some(max) = &raw_policy.max_extra_offers {
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
        (formula, policy)
    }

    /// The products, ids first, so that every later reference can be checked; with the
    /// terms (price, check-in days) of those that give them.
    fn products(&mut self, raw: &[RawProduct]) -> (Vec<Product>, BTreeMap<String, Terms>) {
        let pf = PRODUCTS_FILE;
        let mut products: Vec<Product> = Vec::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut terms: BTreeMap<String, Terms> = BTreeMap::new();
        for p in raw {
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
        (products, terms)
    }

    /// Plan products' own lines: `product` is the product itself, the main one varies.
    fn plan_lines(&mut self, raw: &[RawProduct], known: &Known<'_>) {
        let pf = PRODUCTS_FILE;
        for p in raw {
            let Some(product) = known.find(p.id.get_ref()) else {
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
    }

    /// Which products are main: main product → the index of its script.
    fn script_mains(&mut self, scripts: &[RawScript], known: &Known<'_>) -> HashMap<String, usize> {
        let mut script_of: HashMap<String, usize> = HashMap::new();
        for (i, s) in scripts.iter().enumerate() {
            let main = s.main.get_ref();
            match known.find(main) {
                None => {
                    let hint = did_you_mean(main, known.ids.iter().map(String::as_str));
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
            if s.file != expected && known.find(main).is_some() {
                self.warn(
                    Code::ScriptFileName,
                    &s.file,
                    s.main.span(),
                    format!("the script for `{main}` is expected in {expected}"),
                );
            }
        }

        script_of
    }

    /// The matrix: `[[link]]` rows, and the pairs they name.
    fn links(&mut self, raw: &[RawLink], known: &Known<'_>) -> (Vec<Link>, Seen) {
        let pf = PRODUCTS_FILE;
        let mut links = Vec::new();
        let mut seen_links = Seen::new();
        for l in raw {
            let main_ok = self.reference(pf, &l.main, &known.ids);
            let cross_ok = self.reference(pf, &l.cross, &known.ids);
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
            if !known.script_of.contains_key(&main) {
                self.warn(
                    Code::UnusedLink,
                    pf,
                    l.main.span(),
                    format!("`{main}` has no script in {SCRIPTS_DIR}/, so this link is never used"),
                );
            }
            let scope = Scope {
                product: known.find(&cross),
                main: known.find(&main),
                unresolved: false,
            };
            for line in &l.say {
                self.phrase(pf, line, &scope, "catch phrase");
                self.promise(pf, line, scope.product);
            }
            if let (Some(main_price), Some(cross_price)) = (known.price(&main), known.price(&cross))
            {
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

        (links, seen_links)
    }
}
