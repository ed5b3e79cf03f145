//! `[[upsell]]` and `[[downsell]]` rows: one set of checks serves both, told apart only by
//! their tier (the key of the other product, the code of a duplicate, the price rule).

use super::validate::{Known, Seen};
use super::*;
use crate::catalog::placeholder::Scope;

/// A tier row as read: the main product, the other one (`better` or `fallback`), why it
/// serves the client, and the phrases kept in the row.
pub(super) trait TierRow {
    const TIER: Tier;
    fn main(&self) -> &Text;
    fn other(&self) -> &Text;
    fn why(&self) -> &Text;
    fn say(&self) -> &[Text];
}

impl TierRow for RawUpsell {
    const TIER: Tier = Tier::Upsell;
    fn main(&self) -> &Text {
        &self.main
    }
    fn other(&self) -> &Text {
        &self.better
    }
    fn why(&self) -> &Text {
        &self.why
    }
    fn say(&self) -> &[Text] {
        &self.say
    }
}

impl TierRow for RawDownsell {
    const TIER: Tier = Tier::Downsell;
    fn main(&self) -> &Text {
        &self.main
    }
    fn other(&self) -> &Text {
        &self.fallback
    }
    fn why(&self) -> &Text {
        &self.why
    }
    fn say(&self) -> &[Text] {
        &self.say
    }
}

/// The key that names a tier's other product: `better` or `fallback`.
pub(super) fn role(tier: Tier) -> &'static str {
    match tier {
        Tier::Upsell => "better",
        Tier::Downsell => "fallback",
    }
}

fn duplicate_code(tier: Tier) -> Code {
    match tier {
        Tier::Upsell => Code::DuplicateUpsell,
        Tier::Downsell => Code::DuplicateDownsell,
    }
}

/// A row that passed its checks, with the raw row for the places of later warnings.
pub(super) struct Row<'r, R> {
    main: String,
    other: String,
    why: String,
    say: Vec<String>,
    raw: &'r R,
}

impl From<Row<'_, RawUpsell>> for Upsell {
    fn from(r: Row<'_, RawUpsell>) -> Self {
        Upsell {
            main: r.main,
            better: r.other,
            why: r.why,
            say: r.say,
        }
    }
}

impl From<Row<'_, RawDownsell>> for Downsell {
    fn from(r: Row<'_, RawDownsell>) -> Self {
        Downsell {
            main: r.main,
            fallback: r.other,
            why: r.why,
            say: r.say,
        }
    }
}

/// The rows of one tier that passed, and every (main, other) pair they name.
pub(super) struct Rows<'r, R> {
    pub rows: Vec<Row<'r, R>>,
    pub seen: Seen,
}

impl Checker {
    pub(super) fn tier_rows<'r, R: TierRow>(
        &mut self,
        raw: &'r [R],
        known: &Known<'_>,
    ) -> Rows<'r, R> {
        let pf = PRODUCTS_FILE;
        let name = R::TIER.as_str();
        let mut rows = Vec::new();
        let mut seen = Seen::new();
        for r in raw {
            let main_ok = self.reference(pf, r.main(), &known.ids);
            let other_ok = self.reference(pf, r.other(), &known.ids);
            self.non_empty(pf, r.why(), &format!("{name} reason (`why`)"));
            if !(main_ok && other_ok) {
                continue;
            }
            let (main, other) = (r.main().get_ref().clone(), r.other().get_ref().clone());
            if main == other {
                self.error(
                    Code::SelfOffer,
                    pf,
                    r.other().span(),
                    format!("`{main}` cannot be its own {name}"),
                );
                continue;
            }
            let key = (main.clone(), other.clone());
            if let Some(line) = seen.get(&key) {
                self.error(
                    duplicate_code(R::TIER),
                    pf,
                    r.other().span(),
                    format!("duplicate {name} {main} → {other} (first on line {line})"),
                );
                continue;
            }
            seen.insert(key, self.line_of(pf, r.main().span().start));
            if !known.script_of.contains_key(&main) {
                self.warn(
                    Code::UnusedLink,
                    pf,
                    r.main().span(),
                    format!(
                        "`{main}` has no script in {SCRIPTS_DIR}/, so this {name} is never used"
                    ),
                );
            }
            let scope = Scope {
                product: known.find(&other),
                main: known.find(&main),
                unresolved: false,
            };
            for line in r.say() {
                self.phrase(pf, line, &scope, &format!("{name} phrase"));
                self.promise(pf, line, scope.product);
            }
            if R::TIER == Tier::Upsell {
                self.upsell_price(&main, &other, r.other(), known);
            }
            rows.push(Row {
                main,
                other,
                why: r.why().get_ref().clone(),
                say: strings(r.say()),
                raw: r,
            });
        }
        Rows { rows, seen }
    }

    /// An upgrade should not raise the price by more than about a quarter.
    fn upsell_price(&mut self, main: &str, better: &str, at: &Text, known: &Known<'_>) {
        if let (Some(main_price), Some(better_price)) = (known.price(main), known.price(better)) {
            let limit = main_price * 1.25;
            if better_price > limit {
                self.warn(
                    Code::UpsellOverPrice,
                    PRODUCTS_FILE,
                    at.span(),
                    format!("upsell `{better}` ({better_price} ₽) costs more than 1.25 × the price of `{main}` ({main_price} ₽, so at most {limit} ₽): an upgrade should not raise the price by more than about a quarter"),
                );
            }
        }
    }

    /// A row of a main product with a script, but no phrase anywhere: no moment of its
    /// tier for the pair in the script, and no `say` of its own.
    pub(super) fn tier_phrases<R: TierRow>(
        &mut self,
        rows: &[Row<'_, R>],
        known: &Known<'_>,
        moments: &[TierMoment],
    ) {
        let name = R::TIER.as_str();
        for r in rows {
            let has_moment = moments
                .iter()
                .any(|m| m.tier == R::TIER && m.main == r.main && m.product == r.other);
            if r.say.is_empty() && known.script_of.contains_key(&r.main) && !has_moment {
                self.warn(
                    Code::NoTierPhrase,
                    PRODUCTS_FILE,
                    r.raw.other().span(),
                    format!("{name} {} → {} has no phrase anywhere (no {name} moment in {SCRIPTS_DIR}/{}.toml, no `say` in the row)", r.main, r.other, r.main),
                );
            }
        }
    }
}
