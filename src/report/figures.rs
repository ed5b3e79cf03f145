//! The figures of a period (DESIGN §7), from the counters where they answer, else from the
//! records.
//!
//! Two paths fill the same accumulators: [`Builder::add_tally`] from a month's aggregate
//! counters, [`Builder::add_consultation`] from a record. The record path computes every
//! figure from the consultation itself (not through `Consultation::tallies`), so comparing
//! the two on one history checks the counters.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::gaps::{GapFigure, Gaps};
use super::period::Period;
use super::plans::Plans;
use super::variants::{VariantPair, VariantRow, Variants};
use super::{Grouping, ReportError};
use crate::catalog::{Catalog, Formula};
use crate::consultation::{
    formula_counts, Consultation, Contact, Kind, Month, Offer, Outcome, Tally, TallyKey, Technique,
};
use crate::store::Store;

/// Offers and their outcomes. `offered` counts offers made, answered or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub offered: u64,
    pub accepted: u64,
    pub declined: u64,
    pub thinking: u64,
}

impl Counts {
    fn add_tally(&mut self, t: &Tally) {
        self.offered += t.offered;
        self.accepted += t.accepted;
        self.declined += t.declined;
        self.thinking += t.thinking;
    }

    pub(super) fn add_outcome(&mut self, outcome: Option<Outcome>) {
        self.offered += 1;
        match outcome {
            Some(Outcome::Accepted) => self.accepted += 1,
            Some(Outcome::Declined) => self.declined += 1,
            Some(Outcome::Thinking) => self.thinking += 1,
            None => {}
        }
    }

    pub fn plus(&self, o: &Counts) -> Counts {
        Counts {
            offered: self.offered + o.offered,
            accepted: self.accepted + o.accepted,
            declined: self.declined + o.declined,
            thinking: self.thinking + o.thinking,
        }
    }

    /// accepted / offered.
    pub fn conversion(&self) -> Option<f64> {
        ratio(self.accepted, self.offered)
    }

    /// The 95% Wilson score interval of the conversion.
    pub fn wilson(&self) -> Option<(f64, f64)> {
        wilson(self.accepted, self.offered)
    }
}

/// `a / b`, or `None` when `b` is 0 (shown as a dash, exported as empty or null).
pub fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (n, p, z2) = (n as f64, k as f64 / n as f64, Z95 * Z95);
    let denom = 1.0 + z2 / n;
    let centre = p + z2 / (2.0 * n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((
        ((centre - half) / denom).max(0.0),
        ((centre + half) / denom).min(1.0),
    ))
}

/// Below this many offers a variant's conversion is flagged as too few to compare.
pub const MIN_VARIANT_OFFERS: u64 = 50;

/// The figures of one group (or of everything).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// Consultations of the group (for `product`: with that main product).
    pub consultations: u64,
    /// The main product's outcome: `offered` = consultations with an outcome recorded,
    /// `accepted` = main products sold.
    pub main: Counts,
    /// Extra offers of the group (for `product`: of that product).
    pub catch: Counts,
    pub create: Counts,
    /// Call backs (for `product`: of that product): `offered` = calls made, `accepted`,
    /// `declined`, `thinking` = the client's answers; the rest were not reached. Counted in
    /// the month of the call, apart from the consultations' figures.
    pub calls: Counts,
    /// Sales of the group the clients cancelled in their cooling-off period (counted in the
    /// month of the sale); `sold` is net of them.
    pub cancelled: u64,
    /// Consultations meeting the formula.
    pub compliant: u64,
    /// Extra offers accepted in the group's consultations.
    pub cross_accepted: u64,
    /// Accepted per product, as main or extra (the plan's "sold").
    pub sold: BTreeMap<String, u64>,
    /// The (month, officer) pairs with a consultation in the group: the plan's target counts
    /// one officer's monthly plan per pair.
    pub officer_months: BTreeSet<(Month, String)>,
}

impl Figures {
    pub fn main_sold(&self) -> u64 {
        self.main.accepted
    }

    /// Catch and create offers together.
    pub fn extras(&self) -> Counts {
        self.catch.plus(&self.create)
    }

    /// Conversion of the extra offers.
    pub fn conversion(&self) -> Option<f64> {
        self.extras().conversion()
    }

    /// Share of consultations meeting the formula.
    pub fn compliance(&self) -> Option<f64> {
        ratio(self.compliant, self.consultations)
    }

    /// (main sold + cross-sells accepted − cancelled) / consultations: net sales.
    pub fn products_per_client(&self) -> Option<f64> {
        ratio(
            (self.main_sold() + self.cross_accepted).saturating_sub(self.cancelled),
            self.consultations,
        )
    }

    /// A month's `Cancelled` counter: sales undone, off the plan.
    fn add_cancel_tally(&mut self, k: &TallyKey, t: &Tally) {
        self.cancelled += t.accepted;
        if let Some(sold) = self.sold.get_mut(&k.product) {
            *sold = sold.saturating_sub(t.accepted);
        }
    }

    /// The part of a consultation that belongs to its own group.
    fn add_consultation(&mut self, c: &Consultation, formula: Formula) {
        self.consultations += 1;
        if c.main_outcome.is_some() {
            self.main.add_outcome(c.main_outcome);
        }
        if c.main_outcome == Some(Outcome::Accepted) {
            *self.sold.entry(c.main.clone()).or_default() += 1;
        }
        let made = |t: Technique| c.offers.iter().filter(|o| o.technique == t).count();
        if made(Technique::Catch) >= formula.catch as usize
            && made(Technique::Create) >= formula.create as usize
        {
            self.compliant += 1;
        }
        self.cross_accepted += c
            .offers
            .iter()
            .filter(|o| o.outcome == Some(Outcome::Accepted))
            .count() as u64;
        self.officer_months
            .insert((Month::of(c.started_at.date()), c.officer.clone()));
    }

    fn add_offer(&mut self, o: &Offer) {
        match o.technique {
            Technique::Catch => self.catch.add_outcome(o.outcome),
            Technique::Create => self.create.add_outcome(o.outcome),
        }
        if o.outcome == Some(Outcome::Accepted) {
            *self.sold.entry(o.product.clone()).or_default() += 1;
        }
    }

    /// A month's `Main` counter.
    fn add_main_tally(&mut self, k: &TallyKey, t: &Tally) {
        self.consultations += t.consultations;
        self.main.add_tally(t);
        if t.accepted > 0 {
            *self.sold.entry(k.product.clone()).or_default() += t.accepted;
        }
        if t.consultations > 0 {
            self.officer_months.insert((k.month, k.officer.clone()));
        }
    }

    fn add_offer_tally(&mut self, k: &TallyKey, t: &Tally) {
        match k.kind {
            Kind::Create => self.create.add_tally(t),
            _ => self.catch.add_tally(t),
        }
        if t.accepted > 0 {
            *self.sold.entry(k.product.clone()).or_default() += t.accepted;
        }
    }

    /// A month's `Call` counter: the call backs' answers, and their sales in the plan.
    fn add_call_tally(&mut self, k: &TallyKey, t: &Tally) {
        self.calls.add_tally(t);
        if t.accepted > 0 {
            *self.sold.entry(k.product.clone()).or_default() += t.accepted;
        }
    }

    fn add_formula_tally(&mut self, k: &TallyKey, t: &Tally, formula: Formula) {
        let (catch, create) = formula_counts(k.variant);
        if catch >= formula.catch && create >= formula.create {
            self.compliant += t.consultations;
        }
        self.cross_accepted += t.accepted;
    }
}

/// One plan product's plan vs fact in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFigure {
    pub product: String,
    pub name: String,
    pub sold: u64,
    /// `plan_per_month` × officer-months, each month prorated by the period's days in it.
    pub target: f64,
    /// The target covers part of some month (the current one, or a day range).
    pub prorated: bool,
    /// Some month of the target had no stored plan: today's catalogue's was used.
    pub from_catalog: bool,
}

impl PlanFigure {
    /// sold / target.
    pub fn fulfilment(&self) -> Option<f64> {
        (self.target > 0.0).then(|| self.sold as f64 / self.target)
    }
}

/// A group's key and figures, with its plan (officer, branch: every plan product; product:
/// its own plan, if it has one).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: String,
    pub figures: Figures,
    pub plan: Vec<PlanFigure>,
}

/// Everything `stats` shows and `export` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    /// The day the plan is prorated to.
    pub today: NaiveDate,
    pub formula: Formula,
    pub groupings: Vec<Grouping>,
    pub total: Figures,
    pub plan: Vec<PlanFigure>,
    pub officer: Vec<Group>,
    pub branch: Vec<Group>,
    pub product: Vec<Group>,
    /// One row per script × product × technique × catalogue version × variant.
    pub variant: Vec<VariantRow>,
    /// Each pair of variants of one moment compared.
    pub variant_pairs: Vec<VariantPair>,
    /// The months of the period without a stored plan: their targets are today's catalogue's.
    pub plan_from_catalog: Vec<Month>,
    pub gaps: Vec<GapFigure>,
    /// Call backs per product, in the month of the call.
    pub calls: Vec<CallFigure>,
    /// Sales cancelled in their cooling-off period, by officer, product and variant (only
    /// where there was one), with the sales they are a share of.
    pub cancellations: Vec<CancelFigure>,
}

/// Cancellations of one officer's sales of one product with one phrase variant.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelFigure {
    pub officer: String,
    pub product: String,
    pub name: String,
    /// The phrase variant as stored (0 for the main product and call backs).
    pub variant: u32,
    pub cancelled: u64,
    /// Sales made (before cancellations) with the same officer, product and variant.
    pub sold: u64,
}

impl CancelFigure {
    pub fn share(&self) -> Option<f64> {
        ratio(self.cancelled, self.sold)
    }
}

/// One product's call backs: `offered` = calls made, then the client's answers (the rest
/// were not reached).
#[derive(Debug, Clone, PartialEq)]
pub struct CallFigure {
    pub product: String,
    pub name: String,
    pub counts: Counts,
}

impl Report {
    pub fn prorated(&self) -> bool {
        self.period.prorated(self.today)
    }

    /// Rows of the `technique` grouping: the main product, catch, create.
    pub fn techniques(&self) -> [(&'static str, Counts); 3] {
        [
            ("main", self.total.main),
            ("catch", self.total.catch),
            ("create", self.total.create),
        ]
    }
}

/// Where whole months' figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Whole months from the counters, the rest from the records.
    Auto,
    /// Everything from the records (to check the counters against).
    Scan,
}

/// Which accumulators one record feeds.
#[derive(Debug, Clone, Copy)]
struct Parts {
    /// total, officer, product, variant: what the counters also hold.
    counted: bool,
    /// branch, gaps: only in the records.
    scanned: bool,
}

struct Builder {
    formula: Formula,
    want: BTreeSet<Grouping>,
    total: Figures,
    officer: BTreeMap<String, Figures>,
    branch: BTreeMap<String, Figures>,
    product: BTreeMap<String, Figures>,
    variant: Variants,
    gaps: Gaps,
    calls: BTreeMap<String, Counts>,
    /// (officer, product, variant) → (sales cancelled, sales made).
    cancels: BTreeMap<(String, String, u32), (u64, u64)>,
}

impl Builder {
    fn new(formula: Formula, groupings: &[Grouping]) -> Builder {
        Builder {
            formula,
            want: groupings.iter().copied().collect(),
            total: Figures::default(),
            officer: BTreeMap::new(),
            branch: BTreeMap::new(),
            product: BTreeMap::new(),
            variant: Variants::default(),
            gaps: Gaps::default(),
            calls: BTreeMap::new(),
            cancels: BTreeMap::new(),
        }
    }

    fn wants(&self, g: Grouping) -> bool {
        self.want.contains(&g)
    }

    /// The accumulators a counter of `officer` and `product` feeds.
    fn tally_targets(&mut self, officer: &str, product: &str) -> Vec<&mut Figures> {
        let mut out = vec![&mut self.total];
        if self.want.contains(&Grouping::Officer) {
            out.push(self.officer.entry(officer.to_string()).or_default());
        }
        if self.want.contains(&Grouping::Product) {
            out.push(self.product.entry(product.to_string()).or_default());
        }
        out
    }

    fn add_tally(&mut self, k: &TallyKey, t: &Tally) {
        let formula = self.formula;
        match k.kind {
            Kind::Main => {
                for f in self.tally_targets(&k.officer, &k.product) {
                    f.add_main_tally(k, t);
                }
            }
            Kind::Catch | Kind::Create => {
                for f in self.tally_targets(&k.officer, &k.product) {
                    f.add_offer_tally(k, t);
                }
            }
            Kind::Formula => {
                for f in self.tally_targets(&k.officer, &k.product) {
                    f.add_formula_tally(k, t, formula);
                }
            }
            Kind::Call => {
                for f in self.tally_targets(&k.officer, &k.product) {
                    f.add_call_tally(k, t);
                }
                self.calls
                    .entry(k.product.clone())
                    .or_default()
                    .add_tally(t);
            }
            Kind::Cancelled => {
                for f in self.tally_targets(&k.officer, &k.product) {
                    f.add_cancel_tally(k, t);
                }
                self.cancels
                    .entry((k.officer.clone(), k.product.clone(), k.variant))
                    .or_default()
                    .0 += t.accepted;
                return;
            }
        }
        if t.accepted > 0 && k.kind != Kind::Formula {
            self.cancels
                .entry((k.officer.clone(), k.product.clone(), k.variant))
                .or_default()
                .1 += t.accepted;
        }
    }

    /// A contact read from the records (a month not read from the counters).
    fn add_contact(&mut self, k: &Contact) {
        let Some((key, t)) = k.tallies().into_iter().next() else {
            return;
        };
        self.add_tally(&key, &t);
    }

    fn add_consultation(&mut self, c: &Consultation, parts: Parts) {
        let f = self.formula;
        if parts.counted {
            let mut made = |product: &str, variant: u32| {
                self.cancels
                    .entry((c.officer.clone(), product.to_string(), variant))
                    .or_default()
                    .1 += 1;
            };
            if c.main_outcome == Some(Outcome::Accepted) {
                made(&c.main, 0);
            }
            for o in c
                .offers
                .iter()
                .filter(|o| o.outcome == Some(Outcome::Accepted))
            {
                made(&o.product, o.variant);
            }
            self.total.add_consultation(c, f);
            for o in &c.offers {
                self.total.add_offer(o);
            }
            if self.wants(Grouping::Officer) {
                let g = self.officer.entry(c.officer.clone()).or_default();
                g.add_consultation(c, f);
                for o in &c.offers {
                    g.add_offer(o);
                }
            }
            if self.wants(Grouping::Product) {
                self.product
                    .entry(c.main.clone())
                    .or_default()
                    .add_consultation(c, f);
                for o in &c.offers {
                    self.product
                        .entry(o.product.clone())
                        .or_default()
                        .add_offer(o);
                }
            }
        }
        if parts.scanned {
            if self.wants(Grouping::Variant) {
                self.variant.add(c);
            }
            if self.wants(Grouping::Branch) {
                let g = self.branch.entry(c.branch.clone()).or_default();
                g.add_consultation(c, f);
                for o in &c.offers {
                    g.add_offer(o);
                }
            }
            if self.wants(Grouping::Gaps) {
                for n in &c.notes {
                    self.gaps.add(n);
                }
            }
        }
    }

    fn finish(
        self,
        catalog: &Catalog,
        period: Period,
        today: NaiveDate,
        groupings: &[Grouping],
        (plans, variant, variant_pairs): (Plans, Vec<VariantRow>, Vec<VariantPair>),
    ) -> Report {
        let plan = |sold: &BTreeMap<String, u64>, om: &BTreeSet<(Month, String)>| {
            plans.figures(catalog, sold, om, period, today)
        };
        let groups = |m: BTreeMap<String, Figures>| -> Vec<Group> {
            m.into_iter()
                .map(|(key, figures)| Group {
                    plan: plan(&figures.sold, &figures.officer_months),
                    key,
                    figures,
                })
                .collect()
        };
        let order = |id: &str| {
            catalog
                .products
                .iter()
                .position(|p| p.id == id)
                .unwrap_or(usize::MAX)
        };
        let all_plan = plan(&self.total.sold, &self.total.officer_months);
        let mut product: Vec<Group> = self
            .product
            .into_iter()
            .map(|(key, figures)| Group {
                // A product's plan is everyone's: its sales against every officer's target.
                plan: all_plan
                    .iter()
                    .filter(|p| p.product == key)
                    .cloned()
                    .collect(),
                key,
                figures,
            })
            .collect();
        product.sort_by(|a, b| (order(&a.key), &a.key).cmp(&(order(&b.key), &b.key)));
        let gaps = self.gaps.finish(catalog);
        Report {
            period,
            today,
            formula: self.formula,
            groupings: groupings.to_vec(),
            officer: groups(self.officer),
            branch: groups(self.branch),
            product,
            variant,
            variant_pairs,
            plan_from_catalog: plans.from_catalog(&self.total.officer_months),
            gaps,
            plan: all_plan,
            total: self.total,
            cancellations: self
                .cancels
                .into_iter()
                .filter(|(_, (cancelled, _))| *cancelled > 0)
                .map(
                    |((officer, product, variant), (cancelled, sold))| CancelFigure {
                        name: catalog
                            .product(&product)
                            .map_or_else(|| product.clone(), |p| p.name.clone()),
                        officer,
                        product,
                        variant,
                        cancelled,
                        sold,
                    },
                )
                .collect(),
            calls: {
                let mut calls: Vec<CallFigure> = self
                    .calls
                    .into_iter()
                    .map(|(product, counts)| CallFigure {
                        name: catalog
                            .product(&product)
                            .map_or_else(|| product.clone(), |p| p.name.clone()),
                        product,
                        counts,
                    })
                    .collect();
                calls.sort_by(|a, b| {
                    (order(&a.product), &a.product).cmp(&(order(&b.product), &b.product))
                });
                calls
            },
        }
    }
}

/// Whether a month's counters carry the formula rows of all its consultations. A database
/// written before those rows existed lacks them; its months are then read from the records.
fn formula_counted(tallies: &BTreeMap<TallyKey, Tally>) -> bool {
    let (mut main, mut formula) = (0, 0);
    for (k, t) in tallies {
        match k.kind {
            Kind::Main => main += t.consultations,
            Kind::Formula => formula += t.consultations,
            _ => {}
        }
    }
    main == formula
}

/// The report of `period` over `stores` (several databases add up), with the groupings
/// asked for. A period without consultations gives an empty report with its plan.
pub fn compute(
    stores: &[&dyn Store],
    catalog: &Catalog,
    period: Period,
    groupings: &[Grouping],
    today: NaiveDate,
    source: Source,
) -> Result<Report, ReportError> {
    let mut b = Builder::new(catalog.formula, groupings);
    let scan_only = groupings.iter().any(|g| g.needs_scan());
    for store in stores {
        for span in period.months() {
            let mut from_counters = false;
            if source == Source::Auto && span.full {
                let tallies = store.tallies(span.month)?;
                if formula_counted(&tallies) {
                    for (k, t) in &tallies {
                        b.add_tally(k, t);
                    }
                    from_counters = true;
                }
            }
            let parts = Parts {
                counted: !from_counters,
                scanned: scan_only,
            };
            if parts.counted || parts.scanned {
                for c in store.consultations_between(span.start(), span.end()) {
                    b.add_consultation(&c?, parts);
                }
            }
            if parts.counted {
                for k in store.contacts_between(span.start(), span.end()) {
                    b.add_contact(&k?);
                }
                for c in store.cancellations() {
                    let c = c?;
                    if Month::of(c.sale.at.date()) == span.month
                        && c.sale.at >= span.start()
                        && c.sale.at < span.end()
                    {
                        for (k, t) in c.tallies() {
                            b.add_tally(&k, &t);
                        }
                    }
                }
            }
        }
    }
    // A period without consultations is an empty report with its plan, not an error.
    let plans = Plans::read(stores, period)?;
    let variant = std::mem::take(&mut b.variant);
    let (rows, pairs) = variant.finish(stores, catalog)?;
    Ok(b.finish(catalog, period, today, groupings, (plans, rows, pairs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Eligibility, Product};
    use crate::consultation::{Note, Offer};
    use crate::store::{EventKind, SledStore};
    use chrono::NaiveDateTime;

    fn at(m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, m, d)
            .and_then(|x| x.and_hms_opt(h, 0, 0))
            .unwrap()
    }

    fn product(id: &str, plan: Option<u32>) -> Product {
        Product {
            id: id.into(),
            name: format!("Продукт {id}"),
            family: String::new(),
            params: Default::default(),
            plan_per_month: plan,
            eligible: Eligibility::default(),
            create: Vec::new(),
            pitch: Vec::new(),
            disclosure: Vec::new(),
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            products: vec![
                product("deposit", None),
                product("credit_card", None),
                product("debit_card", None),
                product("mobile_bank", None),
                product("sms", None),
                product("npf", Some(10)),
                product("iis", Some(4)),
            ],
            ..Catalog::default()
        }
    }

    fn offer(p: &str, t: Technique, variant: u32, outcome: Option<Outcome>) -> Offer {
        Offer {
            product: p.into(),
            technique: t,
            stage: "presentation".into(),
            variant,
            made_at: at(3, 1, 10),
            outcome,
            outcome_at: None,
            disclosures_confirmed: Default::default(),
            follow_up: None,
        }
    }

    fn note(stage: &str, p: Option<&str>, text: &str) -> Note {
        Note {
            stage: stage.into(),
            product: p.map(Into::into),
            text: text.into(),
            at: at(3, 1, 10),
        }
    }

    fn consultation(
        id: u64,
        started_at: NaiveDateTime,
        officer: &str,
        main: &str,
        main_outcome: Option<Outcome>,
        offers: Vec<Offer>,
        notes: Vec<Note>,
    ) -> Consultation {
        Consultation {
            id,
            started_at,
            officer: officer.into(),
            branch: if officer == "Анна" {
                "Центр"
            } else {
                "Север"
            }
            .into(),
            client_id: id,
            main: main.into(),
            stage: 0,
            main_outcome,
            offers,
            notes,
            not_receptive: false,
            create_skip: 0,
            finished_at: Some(started_at),
            variant_bumps: Vec::new(),
            main_follow_up: None,
            catalog: None,
        }
    }

    use Outcome::{Accepted as A, Declined as D, Thinking as T};
    use Technique::{Catch, Create};

    /// Five consultations in March 2024 and one on April 2nd; every figure below is worked out
    /// by hand from these.
    fn history() -> Vec<Consultation> {
        let gap = "уже есть карта другого банка";
        vec![
            // Анна: main sold, 2 catch + 1 create: meets the formula; 2 extras accepted.
            consultation(
                1,
                at(3, 4, 10),
                "Анна",
                "deposit",
                Some(A),
                vec![
                    offer("debit_card", Catch, 0, Some(A)),
                    offer("mobile_bank", Catch, 1, Some(D)),
                    offer("npf", Create, 0, Some(A)),
                ],
                vec![note("presentation", Some("debit_card"), gap)],
            ),
            // Анна: main declined, 1 catch + 1 create: short of the formula.
            consultation(
                2,
                at(3, 5, 11),
                "Анна",
                "credit_card",
                Some(D),
                vec![
                    offer("sms", Catch, 0, Some(T)),
                    offer("npf", Create, 1, Some(D)),
                ],
                Vec::new(),
            ),
            // Борис: main sold, 2 catch + 2 create (one unanswered): meets it; 3 accepted.
            consultation(
                3,
                at(3, 12, 12),
                "Борис",
                "deposit",
                Some(A),
                vec![
                    offer("debit_card", Catch, 0, Some(A)),
                    offer("mobile_bank", Catch, 0, Some(A)),
                    offer("iis", Create, 0, Some(A)),
                    offer("npf", Create, 1, None),
                ],
                Vec::new(),
            ),
            // Борис: a plan product as the main one, sold; no extras.
            consultation(
                4,
                at(3, 20, 9),
                "Борис",
                "npf",
                Some(A),
                Vec::new(),
                vec![note("needs", None, "спросил про ипотеку")],
            ),
            // Анна: no outcome yet, no offers.
            consultation(
                5,
                at(3, 31, 18),
                "Анна",
                "deposit",
                None,
                Vec::new(),
                vec![note("presentation", Some("debit_card"), gap)],
            ),
            consultation(
                6,
                at(4, 2, 10),
                "Анна",
                "deposit",
                Some(A),
                Vec::new(),
                Vec::new(),
            ),
        ]
    }

    fn store(dir: &std::path::Path) -> SledStore {
        let s = SledStore::open(dir).unwrap();
        s.save_all(&history(), EventKind::Imported, "test").unwrap();
        s
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    const ALL: [Grouping; 6] = Grouping::ALL;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a value");
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    fn group<'a>(gs: &'a [Group], key: &str) -> &'a Group {
        gs.iter().find(|g| g.key == key).expect(key)
    }

    #[test]
    fn march_figures_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let period = Period::month(Month(202403)).unwrap();
        let r = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Auto).unwrap();
        let t = &r.total;
        assert_eq!(t.consultations, 5);
        assert_eq!((t.main.offered, t.main_sold(), t.main.declined), (4, 3, 1));
        assert_eq!(
            t.catch,
            Counts {
                offered: 5,
                accepted: 3,
                declined: 1,
                thinking: 1
            }
        );
        assert_eq!(
            t.create,
            Counts {
                offered: 4,
                accepted: 2,
                declined: 1,
                thinking: 0
            }
        );
        close(t.catch.conversion(), 3.0 / 5.0);
        close(t.create.conversion(), 2.0 / 4.0);
        close(t.conversion(), 5.0 / 9.0);
        close(t.compliance(), 2.0 / 5.0);
        close(t.products_per_client(), (3.0 + 5.0) / 5.0);

        // Plan: two officers worked in March; a whole past month is not prorated.
        assert!(!r.prorated());
        let npf = &r.plan[0];
        assert_eq!(
            (npf.product.as_str(), npf.sold, npf.target),
            ("npf", 2, 20.0)
        );
        close(npf.fulfilment(), 0.1);
        let iis = &r.plan[1];
        assert_eq!((iis.sold, iis.target), (1, 8.0));
        close(iis.fulfilment(), 0.125);

        let anna = group(&r.officer, "Анна");
        assert_eq!(anna.figures.consultations, 3);
        assert_eq!(
            (anna.figures.catch.offered, anna.figures.create.offered),
            (3, 2)
        );
        close(anna.figures.compliance(), 1.0 / 3.0);
        close(anna.figures.products_per_client(), (1.0 + 2.0) / 3.0);
        assert_eq!((anna.plan[0].sold, anna.plan[0].target), (1, 10.0));
        let boris = group(&r.officer, "Борис");
        close(boris.figures.compliance(), 0.5);
        close(boris.figures.products_per_client(), (2.0 + 3.0) / 2.0);
        assert_eq!((boris.plan[1].sold, boris.plan[1].target), (1, 4.0));
        // Branches come from the records and match their one officer each.
        assert_eq!(group(&r.branch, "Центр").figures, anna.figures);
        assert_eq!(group(&r.branch, "Север").figures, boris.figures);

        // By product: consultation figures follow the main product, offers the offered one.
        let deposit = group(&r.product, "deposit");
        assert_eq!(
            (deposit.figures.consultations, deposit.figures.main_sold()),
            (3, 2)
        );
        close(deposit.figures.compliance(), 2.0 / 3.0);
        close(deposit.figures.products_per_client(), (2.0 + 5.0) / 3.0);
        assert!(deposit.plan.is_empty());
        let npf = group(&r.product, "npf");
        assert_eq!(
            (npf.figures.consultations, npf.figures.create.offered),
            (1, 3)
        );
        assert_eq!((npf.plan[0].sold, npf.plan[0].target), (2, 20.0));
        // Catalogue order.
        let order: Vec<&str> = r.product.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            order,
            [
                "deposit",
                "credit_card",
                "debit_card",
                "mobile_bank",
                "sms",
                "npf",
                "iis"
            ]
        );

        // Variants with their Wilson intervals.
        let v = r
            .variant
            .iter()
            .find(|v| v.main == "deposit" && v.product == "debit_card" && v.variant == 1)
            .unwrap();
        assert_eq!((v.counts.offered, v.counts.accepted), (2, 2));
        assert!(v.too_few());
        let (n, p, z) = (2.0_f64, 1.0_f64, 1.959963984540054_f64);
        let lo = (p + z * z / (2.0 * n) - z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt())
            / (1.0 + z * z / n);
        let (wl, wh) = v.counts.wilson().unwrap();
        close(Some(wl), lo);
        close(Some(wh), 1.0);
        // The second npf phrase, split by script: one offer in each.
        let npf2: Vec<(&str, u64, u64)> = r
            .variant
            .iter()
            .filter(|v| v.product == "npf" && v.variant == 2)
            .map(|v| (v.main.as_str(), v.counts.offered, v.counts.accepted))
            .collect();
        assert_eq!(npf2, [("deposit", 1, 0), ("credit_card", 1, 0)]);

        // Most frequent first (ordering and merging: report::gaps tests).
        let gaps: Vec<(&str, Option<&str>, u64, &str)> = r
            .gaps
            .iter()
            .map(|g| {
                (
                    g.text.as_str(),
                    g.product.as_deref(),
                    g.count,
                    g.stages[0].id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            gaps,
            vec![
                (
                    "уже есть карта другого банка",
                    Some("debit_card"),
                    2,
                    "presentation"
                ),
                ("спросил про ипотеку", None, 1, "needs"),
            ]
        );
        assert_eq!(r.techniques()[0].1.accepted, 3);
    }

    #[test]
    fn wilson_by_the_formula() {
        for (k, n) in [(30u64, 60u64), (7, 50), (0, 12), (49, 49)] {
            let (kf, nf, z) = (k as f64, n as f64, Z95);
            let p = kf / nf;
            let centre = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
            let half =
                z / (1.0 + z * z / nf) * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
            let (lo, hi) = wilson(k, n).unwrap();
            close(Some(lo), (centre - half).max(0.0));
            close(Some(hi), (centre + half).min(1.0));
        }
        // A known value: 30 of 60 gives 0.3773 .. 0.6227.
        let (lo, hi) = wilson(30, 60).unwrap();
        assert!(
            (lo - 0.377_34).abs() < 1e-4 && (hi - 0.622_66).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn the_current_month_is_prorated_to_today() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let period = Period::month(Month(202403)).unwrap();
        // On March 10th, 10 of 31 days of two officers' plans.
        let r = compute(&[&s], &catalog(), period, &[], day(3, 10), Source::Auto).unwrap();
        assert!(r.prorated());
        let npf = &r.plan[0];
        close(Some(npf.target), 20.0 * 10.0 / 31.0);
        close(npf.fulfilment(), 2.0 / (20.0 * 10.0 / 31.0));
        assert!(npf.prorated);
    }

    #[test]
    fn a_day_range_mixes_counters_and_records_and_prorates() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let period = Period::range(day(3, 1), day(4, 15)).unwrap();
        let r = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Auto).unwrap();
        assert_eq!((r.total.consultations, r.total.main_sold()), (6, 4));
        // March: Анна and Борис, whole; April: Анна, 15 of 30 days.
        close(Some(r.plan[0].target), 10.0 * (2.0 + 15.0 / 30.0));
        assert!(r.prorated());
        close(Some(group(&r.officer, "Анна").plan[0].target), 10.0 * 1.5);
        // From the records only: the same report.
        let scan = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Scan).unwrap();
        assert_eq!(r, scan);
        // A range inside March (from the records) against the counters' whole month.
        let mid = Period::range(day(3, 5), day(3, 12)).unwrap();
        let r = compute(&[&s], &catalog(), mid, &[], day(6, 1), Source::Auto).unwrap();
        assert_eq!(r.total.consultations, 2);
        close(Some(r.plan[0].target), 10.0 * 2.0 * 8.0 / 31.0);
    }

    #[test]
    fn counters_and_records_give_the_same_month() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        for m in [Month(202403), Month(202404)] {
            let period = Period::month(m).unwrap();
            let a = compute(&[&s], &catalog(), period, &ALL, day(4, 20), Source::Auto).unwrap();
            let b = compute(&[&s], &catalog(), period, &ALL, day(4, 20), Source::Scan).unwrap();
            assert_eq!(a, b, "{m}");
        }
    }

    #[test]
    fn two_databases_add_up() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (s1, s2) = (store(d1.path()), store(d2.path()));
        let period = Period::month(Month(202403)).unwrap();
        let one = compute(&[&s1], &catalog(), period, &[], day(6, 1), Source::Auto).unwrap();
        let two = compute(
            &[&s1, &s2],
            &catalog(),
            period,
            &[],
            day(6, 1),
            Source::Auto,
        )
        .unwrap();
        assert_eq!(two.total.consultations, 2 * one.total.consultations);
        assert_eq!(two.plan[0].sold, 2 * one.plan[0].sold);
        // The same officers: the target does not double.
        assert_eq!(two.plan[0].target, one.plan[0].target);
    }

    #[test]
    fn an_empty_period_is_an_empty_report_with_its_plan_and_old_counters_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let period = Period::month(Month(202405)).unwrap();
        let groupings = Grouping::ALL;
        let r = compute(
            &[&s],
            &catalog(),
            period,
            &groupings,
            day(6, 1),
            Source::Auto,
        )
        .unwrap();
        assert_eq!(r.total.consultations, 0);
        assert_eq!(r.total.conversion(), None);
        let plan: Vec<(&str, u64)> = r
            .plan
            .iter()
            .map(|p| (p.product.as_str(), p.sold))
            .collect();
        assert_eq!(plan, vec![("npf", 0), ("iis", 0)]);
        assert!(r.officer.is_empty() && r.gaps.is_empty() && r.calls.is_empty());
        let tables = super::super::table::tables(&r);
        assert_eq!(tables[0].rows.len(), 1, "the summary row is there");
        assert_eq!(tables[1].rows.len(), 2, "and the plan's");
        // Counters written before formula rows existed are not trusted for compliance.
        let mut old: BTreeMap<TallyKey, Tally> = history()[0]
            .tallies()
            .into_iter()
            .filter(|(k, _)| k.kind != Kind::Formula)
            .collect();
        assert!(!formula_counted(&old));
        old = history()[0].tallies();
        assert!(formula_counted(&old));
    }
}
