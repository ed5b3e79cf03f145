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
use super::{Grouping, Only, ReportError};
use crate::catalog::{Catalog, Formula};
use crate::consultation::{
    formula_counts, Cancellation, Consultation, Contact, FormulaSlot, Kind, Month, Offer, Outcome,
    Tally, TallyKey, Technique,
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
    /// Upsell offers (for `product`: of that better version): `accepted` = the main product
    /// sold in its better version. Apart from the formula.
    pub upsell: Counts,
    /// Downsell offers (for `product`: of that fallback): `accepted` = the fallback sold after
    /// the main product was declined. Apart from the formula; a sale per client.
    pub downsell: Counts,
    /// Call backs (for `product`: of that product): `offered` = calls made, `accepted`,
    /// `declined`, `thinking` = the client's answers; the rest were not reached. Counted in
    /// the month of the call, apart from the consultations' figures.
    pub calls: Counts,
    /// Check-in calls after a sale (for `product`: about that product): `offered` = calls
    /// made, `accepted` = clients reached. In the month of the call; they sell nothing.
    pub check_ins: Counts,
    /// Sales of the group the clients cancelled in their cooling-off period (counted in the
    /// month of the sale); `sold` is net of them.
    pub cancelled: u64,
    /// Consultations meeting the formula.
    pub compliant: u64,
    /// Extra offers accepted in the group's consultations.
    pub cross_accepted: u64,
    /// Accepted per product, as main or extra (the plan's "sold"), net of the cancelled
    /// once the report is finished.
    pub sold: BTreeMap<String, u64>,
    /// Cancelled sales per product, taken off `sold` when the report is finished: not as
    /// they come, so the figures do not hang on the order counters and records are added
    /// in (a month's cancellations before its downsells, one database before another).
    cancelled_of: BTreeMap<String, u64>,
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

    /// (main sold + fallbacks sold + cross-sells accepted − cancelled) / consultations: net
    /// sales. A main product sold in its better version is one product, not two.
    pub fn products_per_client(&self) -> Option<f64> {
        ratio(
            (self.main_sold() + self.downsell.accepted + self.cross_accepted)
                .saturating_sub(self.cancelled),
            self.consultations,
        )
    }

    /// A month's `Cancelled` counter: sales undone, off the plan.
    fn add_cancel_tally(&mut self, k: &TallyKey, t: &Tally) {
        self.cancelled += t.accepted;
        *self.cancelled_of.entry(k.product.clone()).or_default() += t.accepted;
    }

    /// The cancelled sales off `sold`, where the product was sold at all.
    fn net_cancelled(&mut self) {
        for (product, n) in std::mem::take(&mut self.cancelled_of) {
            if let Some(sold) = self.sold.get_mut(&product) {
                *sold = sold.saturating_sub(n);
            }
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
        let made = |s: FormulaSlot| c.offers.iter().filter(|o| o.counts_as() == s).count();
        if made(FormulaSlot::Catch) >= formula.catch as usize
            && made(FormulaSlot::Create) >= formula.create as usize
        {
            self.compliant += 1;
        }
        self.cross_accepted += c
            .offers
            .iter()
            .filter(|o| o.is_extra() && o.outcome == Some(Outcome::Accepted))
            .count() as u64;
        self.officer_months
            .insert((Month::of(c.started_at.date()), c.officer.clone()));
    }

    fn add_offer(&mut self, o: &Offer) {
        match Kind::from(o) {
            Kind::Catch => self.catch.add_outcome(o.outcome),
            Kind::Create => self.create.add_outcome(o.outcome),
            Kind::Upsell => self.upsell.add_outcome(o.outcome),
            _ => self.downsell.add_outcome(o.outcome),
        }
        // An upsell's sale is the main product's, counted there.
        if o.outcome == Some(Outcome::Accepted) && o.technique != Technique::Upsell {
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

    /// One counter into these figures, by its kind.
    fn add_counter(&mut self, k: &TallyKey, t: &Tally, formula: Formula) {
        match k.kind {
            Kind::Main => self.add_main_tally(k, t),
            Kind::Catch | Kind::Create | Kind::Upsell | Kind::Downsell => {
                self.add_offer_tally(k, t)
            }
            Kind::Formula => self.add_formula_tally(k, t, formula),
            Kind::Call => self.add_call_tally(k, t),
            Kind::CheckIn => self.check_ins.add_tally(t),
            Kind::Cancelled => self.add_cancel_tally(k, t),
        }
    }

    fn add_offer_tally(&mut self, k: &TallyKey, t: &Tally) {
        match k.kind {
            Kind::Create => self.create.add_tally(t),
            Kind::Upsell => self.upsell.add_tally(t),
            Kind::Downsell => self.downsell.add_tally(t),
            _ => self.catch.add_tally(t),
        }
        if t.accepted > 0 && k.kind != Kind::Upsell {
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
    /// The officer or branch the figures are limited to.
    pub only: Only,
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
    /// The technique table's rows: the main product, the formula's catch and create slots
    /// (by relation, DESIGN §4), then upsell and downsell, counted apart.
    pub fn techniques(&self) -> [(&'static str, Counts); 5] {
        [
            ("main", self.total.main),
            ("catch", self.total.catch),
            ("create", self.total.create),
            ("upsell", self.total.upsell),
            ("downsell", self.total.downsell),
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
        for f in self.tally_targets(&k.officer, &k.product) {
            f.add_counter(k, t, formula);
        }
        match k.kind {
            Kind::Main
            | Kind::Catch
            | Kind::Create
            | Kind::Upsell
            | Kind::Downsell
            | Kind::Formula => {}
            Kind::Call => {
                self.calls
                    .entry(k.product.clone())
                    .or_default()
                    .add_tally(t);
            }
            Kind::CheckIn => return,
            Kind::Cancelled => {
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

    /// A counter of a call, a check-in or a cancellation in `branch`'s group: the branch is
    /// read from the records, and these are records apart from the consultations.
    fn add_branch_counter(&mut self, branch: &str, k: &TallyKey, t: &Tally) {
        let formula = self.formula;
        self.branch
            .entry(branch.to_string())
            .or_default()
            .add_counter(k, t, formula);
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
        mut self,
        catalog: &Catalog,
        period: Period,
        today: NaiveDate,
        groupings: &[Grouping],
        (plans, variant, variant_pairs): (Plans, Vec<VariantRow>, Vec<VariantPair>),
    ) -> Report {
        for f in [&mut self.officer, &mut self.branch, &mut self.product]
            .into_iter()
            .flat_map(|m| m.values_mut())
            .chain([&mut self.total])
        {
            f.net_cancelled();
        }
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
            only: Only::default(),
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
    compute_only(
        stores,
        catalog,
        period,
        groupings,
        today,
        source,
        &Only::default(),
    )
}

/// [`compute`] over the consultations `only` lets through. One officer's whole months still
/// come from the counters (they are kept per officer); a branch's are read from the records,
/// as the counters do not hold the branch.
pub fn compute_only(
    stores: &[&dyn Store],
    catalog: &Catalog,
    period: Period,
    groupings: &[Grouping],
    today: NaiveDate,
    source: Source,
    only: &Only,
) -> Result<Report, ReportError> {
    let mut b = Builder::new(catalog.formula, groupings);
    let scan_only = groupings.iter().any(|g| g.needs_scan());
    for store in stores {
        for span in period.months() {
            let mut from_counters = false;
            if source == Source::Auto && span.full && only.branch.is_none() {
                let tallies = store.tallies(span.month)?;
                if formula_counted(&tallies) {
                    for (k, t) in &tallies {
                        if only.officer_fits(&k.officer) {
                            b.add_tally(k, t);
                        }
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
                    let c = c?;
                    if only.fits(&c.officer, &c.branch) {
                        b.add_consultation(&c, parts);
                    }
                }
            }
            // Branches come from the records: their calls, check-ins and cancellations too,
            // so a branch's plan counts a yes on a call and nets out what came back.
            let by_branch = parts.scanned && b.wants(Grouping::Branch);
            if parts.counted || by_branch {
                for k in store.contacts_between(span.start(), span.end()) {
                    let k = k?;
                    if !only.fits(&k.officer, &k.branch) {
                        continue;
                    }
                    if parts.counted {
                        b.add_contact(&k);
                    }
                    if by_branch {
                        for (key, t) in k.tallies() {
                            b.add_branch_counter(&k.branch, &key, &t);
                        }
                    }
                }
                for c in store.cancellations() {
                    let c = c?;
                    if Month::of(c.sale.at.date()) == span.month
                        && c.sale.at >= span.start()
                        && c.sale.at < span.end()
                        && sale_fits(*store, &c, only)?
                    {
                        if parts.counted {
                            for (k, t) in c.tallies() {
                                b.add_tally(&k, &t);
                            }
                        }
                        if by_branch {
                            let branch = store
                                .consultation(c.sale.consultation)?
                                .map(|k| k.branch)
                                .unwrap_or_default();
                            for (k, t) in c.tallies() {
                                b.add_branch_counter(&branch, &k, &t);
                            }
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
    let mut r = b.finish(catalog, period, today, groupings, (plans, rows, pairs));
    r.only = only.clone();
    Ok(r)
}

/// Whether a cancelled sale counts under `only`: its officer's, in the branch of the
/// consultation it was made in (a cancellation does not keep the branch).
fn sale_fits(store: &dyn Store, c: &Cancellation, only: &Only) -> Result<bool, ReportError> {
    if !only.officer_fits(&c.sale.officer) {
        return Ok(false);
    }
    let Some(branch) = only.branch.as_deref() else {
        return Ok(true);
    };
    Ok(store
        .consultation(c.sale.consultation)?
        .is_some_and(|k| k.branch == branch))
}

#[cfg(test)]
mod tests;
