//! The phrase-variant table (DESIGN §7) and the honest comparison of two variants.
//!
//! Computed from the records (a scan of the period), not the aggregate counters: the counters
//! are keyed month × officer × product × kind × variant and know neither the script (main
//! product) nor the catalogue version, and the comparison needs each variant's outcomes in
//! time order. One row per script × product × technique × catalogue version × variant,
//! variants numbered from 1 as the screen shows them («фраза 1 из 2»), with the text kept in
//! the database for that version.
//!
//! ## Comparing two variants
//!
//! A fixed-sample two-proportion test, planned for a difference of δ = 5 points at 80 % power
//! and 5 % two-sided: each variant of a pair needs
//!
//! ```text
//! n = ⌈ (z_{α/2}·√(2·p̄(1−p̄)) + z_β·√(p1(1−p1) + p2(1−p2)))² / δ² ⌉
//! ```
//!
//! offers, with p̄ the pair's pooled conversion, p1 = p̄ − δ/2, p2 = p̄ + δ/2,
//! z_{α/2} = 1.959964, z_β = 0.841621. Until both variants have `n` offers no winner is
//! named; then the test is run once on the first `n` offers of each (in time order), so
//! reading the report every day cannot manufacture a winner out of noise.

use std::collections::BTreeMap;

use super::figures::{wilson, Counts, MIN_VARIANT_OFFERS, Z95};
use crate::catalog::{Catalog, CatalogVersion, Technique, VersionTexts};
use crate::consultation::{Consultation, Outcome};
use crate::store::{Store, StoreError};

use super::table::{column, label, Cell, Label, Table, TOO_FEW};

/// The difference a comparison is planned to detect: 5 points.
pub const DELTA: f64 = 0.05;
/// z for 80 % power (one-sided quantile 0.8).
pub const Z_POWER: f64 = 0.841_621_233_572_914_3;

/// Offers each of two variants needs before a `DELTA` difference around the pooled
/// conversion `pooled` could be detected (formula above); `None` for a conversion outside
/// [0, 1].
pub fn pair_sample_size(pooled: f64) -> Option<u64> {
    if !(0.0..=1.0).contains(&pooled) {
        return None;
    }
    let p1 = (pooled - DELTA / 2.0).clamp(0.0, 1.0);
    let p2 = (pooled + DELTA / 2.0).clamp(0.0, 1.0);
    let a = Z95 * (2.0 * pooled * (1.0 - pooled)).sqrt();
    let b = Z_POWER * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let n = ((a + b).powi(2) / (DELTA * DELTA)).ceil();
    // At a conversion of exactly 0 or 1 the formula still asks for a few offers.
    Some((n as u64).max(1))
}

/// The two-proportion z statistic (pooled) of `ka`/`n` against `kb`/`n`.
fn z_statistic(ka: u64, kb: u64, n: u64) -> Option<f64> {
    let n = n as f64;
    let (pa, pb) = (ka as f64 / n, kb as f64 / n);
    let p = (pa + pb) / 2.0;
    let se = (p * (1.0 - p) * 2.0 / n).sqrt();
    (se > 0.0).then(|| (pa - pb) / se)
}

/// A moment: the script, the product, the technique, the catalogue version.
type Moment = (String, String, Technique, Option<CatalogVersion>);
/// Each variant's counts and accepted flags in scan order.
type Arms = BTreeMap<u32, (Counts, Vec<bool>)>;

/// One row of the variant table.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantRow {
    pub main: String,
    pub product: String,
    pub technique: Technique,
    /// `None`: consultations recorded before versions were (schema 1).
    pub version: Option<CatalogVersion>,
    /// From 1, as the screen shows.
    pub variant: u32,
    /// The phrase as written in that version; `None` when the version's texts are unknown.
    pub text: Option<String>,
    pub counts: Counts,
}

impl VariantRow {
    pub fn too_few(&self) -> bool {
        self.counts.offered < MIN_VARIANT_OFFERS
    }
    pub fn wilson(&self) -> Option<(f64, f64)> {
        wilson(self.counts.accepted, self.counts.offered)
    }
}

/// Two variants of one moment compared.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPair {
    pub main: String,
    pub product: String,
    pub technique: Technique,
    pub version: Option<CatalogVersion>,
    /// The variant numbers (from 1), `a < b`.
    pub a: u32,
    pub b: u32,
    pub offered_a: u64,
    pub offered_b: u64,
    pub conversion_a: Option<f64>,
    pub conversion_b: Option<f64>,
    /// Offers each needs ([`pair_sample_size`] at the pooled conversion).
    pub needed: Option<u64>,
    /// How many more offers each still needs (0 once reached).
    pub more_a: u64,
    pub more_b: u64,
    /// Both have `needed` offers: the test has been run.
    pub decided: bool,
    /// The better variant, once decided and significant at 5 %.
    pub winner: Option<u32>,
}

/// The accepted flags of each variant's offers, in the order scanned (time order).
#[derive(Default)]
pub struct Variants {
    arms: BTreeMap<Moment, Arms>,
}

impl Variants {
    pub fn add(&mut self, c: &Consultation) {
        for o in &c.offers {
            let moment = (
                c.main.clone(),
                o.product.clone(),
                o.technique,
                c.catalog.clone(),
            );
            let (counts, seq) = self
                .arms
                .entry(moment)
                .or_default()
                .entry(o.variant)
                .or_default();
            counts.add_outcome(o.outcome);
            seq.push(o.outcome == Some(Outcome::Accepted));
        }
    }

    /// The rows and pairs, sorted by script and product in catalogue order, technique,
    /// version (in order of first use) and variant. Texts come from the stores, else from
    /// `catalog` when it is the version itself.
    pub fn finish(
        self,
        stores: &[&dyn Store],
        catalog: &Catalog,
    ) -> Result<(Vec<VariantRow>, Vec<VariantPair>), StoreError> {
        let mut texts: BTreeMap<String, Option<VersionTexts>> = BTreeMap::new();
        for v in self.arms.keys().filter_map(|m| m.3.as_ref()) {
            if texts.contains_key(&v.hash) {
                continue;
            }
            let mut found = None;
            for s in stores {
                if let Some(t) = s.version_texts(&v.hash)? {
                    found = Some(t);
                    break;
                }
            }
            if found.is_none() && v.hash == catalog.hash {
                found = Some(catalog.version_texts(chrono::NaiveDateTime::MAX));
            }
            texts.insert(v.hash.clone(), found);
        }
        let order = |id: &str| {
            catalog
                .products
                .iter()
                .position(|p| p.id == id)
                .unwrap_or(usize::MAX)
        };
        let first_used = |v: &Option<CatalogVersion>| {
            v.as_ref().map(|v| {
                let at = texts
                    .get(&v.hash)
                    .and_then(|t| t.as_ref())
                    .map(|t| t.first_used);
                (at.unwrap_or(chrono::NaiveDateTime::MAX), v.name())
            })
        };
        let mut moments: Vec<(Moment, Arms)> = self.arms.into_iter().collect();
        moments.sort_by_cached_key(|((main, product, technique, version), _)| {
            (
                order(main),
                main.clone(),
                order(product),
                product.clone(),
                *technique,
                first_used(version),
            )
        });
        let mut rows = Vec::new();
        let mut pairs = Vec::new();
        for ((main, product, technique, version), arms) in moments {
            let known = version
                .as_ref()
                .and_then(|v| texts.get(&v.hash))
                .and_then(|t| t.as_ref());
            for (index, (counts, _)) in &arms {
                rows.push(VariantRow {
                    main: main.clone(),
                    product: product.clone(),
                    technique,
                    version: version.clone(),
                    variant: index + 1,
                    text: known
                        .and_then(|t| t.text(&main, &product, technique, *index))
                        .map(str::to_string),
                    counts: *counts,
                });
            }
            let arms: Vec<(&u32, &(Counts, Vec<bool>))> = arms.iter().collect();
            for (i, (ia, (ca, sa))) in arms.iter().enumerate() {
                for (ib, (cb, sb)) in &arms[i + 1..] {
                    pairs.push(compare(
                        (&main, &product, technique, &version),
                        (**ia, ca, sa),
                        (**ib, cb, sb),
                    ));
                }
            }
        }
        Ok((rows, pairs))
    }
}

fn compare(
    (main, product, technique, version): (&str, &str, Technique, &Option<CatalogVersion>),
    (ia, ca, sa): (u32, &Counts, &[bool]),
    (ib, cb, sb): (u32, &Counts, &[bool]),
) -> VariantPair {
    let offered = ca.offered + cb.offered;
    let pooled = super::figures::ratio(ca.accepted + cb.accepted, offered);
    let needed = pooled.and_then(pair_sample_size);
    let (more_a, more_b) = needed.map_or((0, 0), |n| {
        (n.saturating_sub(ca.offered), n.saturating_sub(cb.offered))
    });
    let decided = needed.is_some() && more_a == 0 && more_b == 0;
    let winner = match needed {
        Some(n) if decided => {
            let take = usize::try_from(n).unwrap_or(usize::MAX);
            let ka = sa.iter().take(take).filter(|a| **a).count() as u64;
            let kb = sb.iter().take(take).filter(|a| **a).count() as u64;
            match z_statistic(ka, kb, n) {
                Some(z) if z > Z95 => Some(ia + 1),
                Some(z) if z < -Z95 => Some(ib + 1),
                _ => None,
            }
        }
        _ => None,
    };
    VariantPair {
        main: main.to_string(),
        product: product.to_string(),
        technique,
        version: version.clone(),
        a: ia + 1,
        b: ib + 1,
        offered_a: ca.offered,
        offered_b: cb.offered,
        conversion_a: ca.conversion(),
        conversion_b: cb.conversion(),
        needed,
        more_a,
        more_b,
        decided,
        winner,
    }
}

/// The `variant` and `variant_pairs` tables.
pub fn tables(r: &super::Report) -> [Table; 2] {
    let version =
        |v: &Option<CatalogVersion>| Cell::Text(v.as_ref().map(|v| v.name()).unwrap_or_default());
    let moment = |main: &str, product: &str, t: Technique, v: &Option<CatalogVersion>| {
        vec![
            Cell::Text(main.to_string()),
            Cell::Text(product.to_string()),
            Cell::Text(t.as_str().to_string()),
            version(v),
        ]
    };
    let moment_columns = || {
        vec![
            column("main", "Сценарий", "Script"),
            column("product", "Продукт", "Product"),
            column("technique", "Техника", "Technique"),
            column("catalog_version", "Версия каталога", "Catalogue version"),
        ]
    };
    let mut columns = moment_columns();
    columns.extend([
        column("variant", "Фраза", "Phrase"),
        column("text", "Текст", "Text"),
        column("offered", "Предложено", "Offered"),
        column("accepted", "Принято", "Accepted"),
        column("conversion", "Конверсия", "Conversion"),
        column("wilson_low", "95% от", "95% low"),
        column("wilson_high", "95% до", "95% high"),
        column("too_few_offers", "Примечание", "Note"),
    ]);
    let variants = Table {
        name: "variant",
        title: label("Варианты фраз", "Phrase variants"),
        columns,
        rows: r
            .variant
            .iter()
            .map(|v| {
                let w = v.wilson();
                let mut row = moment(&v.main, &v.product, v.technique, &v.version);
                row.extend([
                    Cell::Int(u64::from(v.variant)),
                    Cell::Text(v.text.clone().unwrap_or_default()),
                    Cell::Int(v.counts.offered),
                    Cell::Int(v.counts.accepted),
                    Cell::Ratio(v.counts.conversion()),
                    Cell::Ratio(w.map(|w| w.0)),
                    Cell::Ratio(w.map(|w| w.1)),
                    Cell::Flag(v.too_few(), TOO_FEW),
                ]);
                row
            })
            .collect(),
    };
    let mut columns = moment_columns();
    columns.extend([
        column("variant_a", "Фраза A", "Phrase A"),
        column("variant_b", "Фраза B", "Phrase B"),
        column("offered_a", "Предл. A", "Offered A"),
        column("offered_b", "Предл. B", "Offered B"),
        column("conversion_a", "Конв. A", "Conv. A"),
        column("conversion_b", "Конв. B", "Conv. B"),
        column("needed", "Нужно каждой", "Needed each"),
        column("more_a", "Ещё A", "More A"),
        column("more_b", "Ещё B", "More B"),
        column("decided", "Сравнение", "Compared"),
        column("winner", "Лучше", "Better"),
    ]);
    let pairs = Table {
        name: "variant_pairs",
        // A sheet name holds 31 characters: the design (5 points, 80 %, 5 %) is in the README.
        title: label("Сравнение фраз", "Phrase comparison"),
        columns,
        rows: r
            .variant_pairs
            .iter()
            .map(|p| {
                let mut row = moment(&p.main, &p.product, p.technique, &p.version);
                row.extend([
                    Cell::Int(u64::from(p.a)),
                    Cell::Int(u64::from(p.b)),
                    Cell::Int(p.offered_a),
                    Cell::Int(p.offered_b),
                    Cell::Ratio(p.conversion_a),
                    Cell::Ratio(p.conversion_b),
                    p.needed.map_or(Cell::Num(None, 0), Cell::Int),
                    Cell::Int(p.more_a),
                    Cell::Int(p.more_b),
                    Cell::Flag(p.decided, DECIDED),
                    p.winner
                        .map_or(Cell::Num(None, 0), |w| Cell::Int(u64::from(w))),
                ]);
                row
            })
            .collect(),
    };
    [variants, pairs]
}

const DECIDED: Label = label("проведено", "done");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_size_matches_the_worked_example_of_the_readme() {
        // p̄ = 0.30: p1 = 0.275, p2 = 0.325;
        // 1.959964·√0.42 = 1.270202, 0.841621·√0.41875 = 0.544621;
        // (1.814822)² / 0.0025 = 3.293581 / 0.0025 = 1317.43 → 1318 offers per variant.
        assert_eq!(pair_sample_size(0.30), Some(1318));
        // Symmetric, and largest at one half.
        assert_eq!(pair_sample_size(0.70), pair_sample_size(0.30));
        assert!(pair_sample_size(0.5).unwrap() > pair_sample_size(0.3).unwrap());
        assert_eq!(pair_sample_size(1.5), None);
    }

    #[test]
    fn no_winner_before_both_variants_reach_the_sample_size() {
        let moment = ("deposit", "debit_card", Technique::Catch, &None);
        let arm = |offered: u64, accepted: u64| {
            let seq: Vec<bool> = (0..offered).map(|i| i < accepted).collect();
            let counts = Counts {
                offered,
                accepted,
                ..Counts::default()
            };
            (counts, seq)
        };
        // 60 % against 20 % on 100 offers each: a big gap, but far from the planned size.
        let (ca, sa) = arm(100, 60);
        let (cb, sb) = arm(100, 20);
        let p = compare(moment, (0, &ca, &sa), (1, &cb, &sb));
        assert!(!p.decided);
        assert_eq!(p.winner, None);
        let n = pair_sample_size(0.4).unwrap();
        assert_eq!(p.needed, Some(n));
        assert_eq!((p.more_a, p.more_b), (n - 100, n - 100));
        // Both at n: the test runs, on the first n offers of each.
        let (ca, sa) = arm(n, n * 45 / 100);
        let (cb, sb) = arm(n + 500, n * 35 / 100);
        let p = compare(moment, (0, &ca, &sa), (1, &cb, &sb));
        assert!(p.decided);
        assert_eq!((p.a, p.b, p.winner), (1, 2, Some(1)));
        // Equal conversions: decided, no winner.
        let (ca, sa) = arm(n, n / 3);
        let p = compare(moment, (0, &ca, &sa), (1, &ca, &sa));
        assert!(p.decided && p.winner.is_none());
    }
}
