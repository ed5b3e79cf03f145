//! The validated catalogue: what the engine and the UI work with. No spans, no I/O.

use std::collections::BTreeMap;

/// How many cross-sells of each technique one consultation aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formula {
    pub catch: u32,
    pub create: u32,
}

impl Default for Formula {
    fn default() -> Self {
        Formula {
            catch: 2,
            create: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub decline_cooldown_days: u32,
    pub max_extra_offers: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            decline_cooldown_days: 30,
            max_extra_offers: 3,
        }
    }
}

/// Age range (inclusive) in which a product may be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Eligibility {
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
}

impl Eligibility {
    pub fn admits(&self, age: u32) -> bool {
        self.min_age.is_none_or(|min| age >= min) && self.max_age.is_none_or(|max| age <= max)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub family: String,
    pub params: BTreeMap<String, String>,
    pub plan_per_month: Option<u32>,
    pub eligible: Eligibility,
    /// Create-the-moment openers (questions).
    pub create: Vec<String>,
    pub pitch: Vec<String>,
    pub disclosure: Vec<String>,
}

impl Product {
    pub fn is_plan(&self) -> bool {
        self.plan_per_month.is_some()
    }
}

/// Категория связи: complementary — дополняет, necessary — необходим, interesting — интересен, popular — популярен, priority — приоритет банка, impulse — импульсная покупка, seasonal — сезонный / The link's category: complementary, necessary, interesting, popular, priority (the bank's), impulse, seasonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum LinkCategory {
    Complementary,
    Necessary,
    Interesting,
    Popular,
    Priority,
    Impulse,
    Seasonal,
}

impl LinkCategory {
    pub const ALL: [LinkCategory; 7] = [
        LinkCategory::Complementary,
        LinkCategory::Necessary,
        LinkCategory::Interesting,
        LinkCategory::Popular,
        LinkCategory::Priority,
        LinkCategory::Impulse,
        LinkCategory::Seasonal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkCategory::Complementary => "complementary",
            LinkCategory::Necessary => "necessary",
            LinkCategory::Interesting => "interesting",
            LinkCategory::Popular => "popular",
            LinkCategory::Priority => "priority",
            LinkCategory::Impulse => "impulse",
            LinkCategory::Seasonal => "seasonal",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// One row of the cross-sell matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub main: String,
    pub cross: String,
    pub category: LinkCategory,
    pub why: String,
    /// Optional catch phrases kept in the matrix itself, used when no script moment has one.
    pub say: Vec<String>,
}

/// Техника: catch — «Лови момент» (подхватить тему клиента), create — «Создай момент» (открыть тему вопросом) / The technique: catch (pick up the client's topic) or create (open a topic with a question).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
// The schema names the values as the files write them; the stored form is untouched.
#[schemars(rename_all = "lowercase")]
pub enum Technique {
    Catch,
    Create,
    /// A better version of the main product (an `[[upsell]]` row); recorded offers only: a
    /// script's upsell moments are [`TierMoment`]s. (New variants go at the end: stored.)
    Upsell,
    /// A fallback after the main product is declined (a `[[downsell]]` row).
    Downsell,
}

impl Technique {
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Catch => "catch",
            Technique::Create => "create",
            Technique::Upsell => "upsell",
            Technique::Downsell => "downsell",
        }
    }

    /// Upsell or downsell: about the main product itself, counted apart from the formula's
    /// catch and create offers and never against `max_extra_offers`.
    pub fn is_tier(self) -> bool {
        matches!(self, Technique::Upsell | Technique::Downsell)
    }
}

impl From<Tier> for Technique {
    fn from(t: Tier) -> Technique {
        match t {
            Tier::Upsell => Technique::Upsell,
            Tier::Downsell => Technique::Downsell,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub technique: Technique,
    pub product: String,
    pub cue: Option<String>,
    /// Phrase variants, rotated; each one's conversion is counted.
    pub say: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub id: String,
    pub title: String,
    pub say: Vec<String>,
    /// Sufler proposes the plan product with the largest plan gap here.
    pub create: bool,
    pub moments: Vec<Moment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Objection {
    pub product: String,
    pub client: String,
    pub answer: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub main: String,
    pub title: String,
    pub stages: Vec<Stage>,
    pub objections: Vec<Objection>,
}

/// Everything the trainer wrote, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// The trainer's `version` label, top of products.toml (DESIGN §3).
    pub version: Option<String>,
    /// SHA-256 (hex) of the files' content it was loaded from; empty for a catalogue built in
    /// code (which then records no version).
    pub hash: String,
    pub formula: Formula,
    pub policy: Policy,
    /// In file order: ties in plan gaps are broken by this order.
    pub products: Vec<Product>,
    pub links: Vec<Link>,
    /// Sorted by main product id.
    pub scripts: Vec<Script>,
    /// Each product's optional `price` and `follow_up_days`, by product id (only products
    /// that have one of them are here).
    pub terms: BTreeMap<String, Terms>,
    /// `[[upsell]]` rows, in file order.
    pub upsells: Vec<Upsell>,
    /// `[[downsell]]` rows, in file order.
    pub downsells: Vec<Downsell>,
    /// The scripts' `technique = "upsell"` / `"downsell"` moments, by script (main id), then
    /// in file order. Kept apart from `Stage::moments` (catch and create) so that code that
    /// matches on `Technique` sees nothing new.
    pub tier_moments: Vec<TierMoment>,
}

/// A product's figures used by the upsell/downsell lints and the after-sale check-in.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Terms {
    /// Roubles: what the client pays per year or the typical amount; `None` when not given.
    pub price: Option<f64>,
    /// After an acceptance, a check-in call this many days later (at least 1).
    pub follow_up_days: Option<u32>,
}

/// An `[[upsell]]` row: a better version of the main product, offered in the presentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsell {
    pub main: String,
    pub better: String,
    pub why: String,
    /// Phrases kept in the row itself, used when no script moment has one.
    pub say: Vec<String>,
}

/// A `[[downsell]]` row: a cheaper fallback offered when the client declines the main product.
#[derive(Debug, Clone, PartialEq)]
pub struct Downsell {
    pub main: String,
    pub fallback: String,
    pub why: String,
    /// Phrases kept in the row itself, used when no script moment has one.
    pub say: Vec<String>,
}

/// Which way a tier moment moves the main product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// A better version of the main product (`technique = "upsell"`).
    Upsell,
    /// A fallback after the main product is declined (`technique = "downsell"`).
    Downsell,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Upsell => "upsell",
            Tier::Downsell => "downsell",
        }
    }
}

/// A script's upsell or downsell moment.
#[derive(Debug, Clone, PartialEq)]
pub struct TierMoment {
    pub tier: Tier,
    /// The script's main product.
    pub main: String,
    /// The stage the moment is attached to.
    pub stage: String,
    /// The better (upsell) or fallback (downsell) product.
    pub product: String,
    pub cue: Option<String>,
    /// Phrase variants, rotated like a catch moment's.
    pub say: Vec<String>,
}

impl Catalog {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn script(&self, main: &str) -> Option<&Script> {
        self.scripts.iter().find(|s| s.main == main)
    }

    /// Main products: those with a script, in catalogue order.
    pub fn main_products(&self) -> impl Iterator<Item = &Product> {
        self.products
            .iter()
            .filter(|p| self.script(&p.id).is_some())
    }

    pub fn plan_products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().filter(|p| p.is_plan())
    }

    /// The catalogue with the bank's targets for this month (DESIGN §10): a product the
    /// centre sets a target for has it as its `plan_per_month` (0: no plan this month), every
    /// other product keeps its own; products the catalogue does not know are left out. The
    /// version (label and hash of the files) stays that of the files.
    pub fn with_plan_targets(&self, targets: &std::collections::BTreeMap<String, u32>) -> Catalog {
        let mut out = self.clone();
        for p in &mut out.products {
            if let Some(&t) = targets.get(&p.id) {
                p.plan_per_month = (t > 0).then_some(t);
            }
        }
        out
    }

    /// The matrix rows of a main product, in file order.
    pub fn links_of<'a>(&'a self, main: &'a str) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |l| l.main == main)
    }

    pub fn is_linked(&self, main: &str, cross: &str) -> bool {
        self.links_of(main).any(|l| l.cross == cross)
    }

    /// Catch phrases for `cross` within the script of `main`: script moments first, then the
    /// matrix row's own phrases.
    pub fn catch_phrases(&self, main: &str, cross: &str) -> Option<(Option<&str>, &[String])> {
        if let Some(script) = self.script(main) {
            for stage in &script.stages {
                for m in &stage.moments {
                    if m.technique == Technique::Catch && m.product == cross && !m.say.is_empty() {
                        return Some((m.cue.as_deref(), &m.say));
                    }
                }
            }
        }
        self.links
            .iter()
            .find(|l| l.main == main && l.cross == cross && !l.say.is_empty())
            .map(|l| (None, l.say.as_slice()))
    }

    /// A product's `price` in roubles, when the trainer gave one.
    pub fn price(&self, id: &str) -> Option<f64> {
        self.terms.get(id).and_then(|t| t.price)
    }

    /// Days after an acceptance of `id` to the check-in call, when the product has one.
    pub fn follow_up_days(&self, id: &str) -> Option<u32> {
        self.terms.get(id).and_then(|t| t.follow_up_days)
    }

    /// The `[[upsell]]` rows of a main product, in file order.
    pub fn upsells_of<'a>(&'a self, main: &'a str) -> impl Iterator<Item = &'a Upsell> + 'a {
        self.upsells.iter().filter(move |u| u.main == main)
    }

    /// The `[[downsell]]` rows of a main product, in file order.
    pub fn downsells_of<'a>(&'a self, main: &'a str) -> impl Iterator<Item = &'a Downsell> + 'a {
        self.downsells.iter().filter(move |d| d.main == main)
    }

    pub fn upsell(&self, main: &str, better: &str) -> Option<&Upsell> {
        self.upsells
            .iter()
            .find(|u| u.main == main && u.better == better)
    }

    pub fn downsell(&self, main: &str, fallback: &str) -> Option<&Downsell> {
        self.downsells
            .iter()
            .find(|d| d.main == main && d.fallback == fallback)
    }

    /// The upsell and downsell moments of `main`'s script attached to `stage`, in file order.
    pub fn tier_moments_in<'a>(
        &'a self,
        main: &'a str,
        stage: &'a str,
    ) -> impl Iterator<Item = &'a TierMoment> + 'a {
        self.tier_moments
            .iter()
            .filter(move |m| m.main == main && m.stage == stage)
    }

    /// The first script moment of `tier` for `product` in `main`'s script.
    pub fn tier_moment(&self, main: &str, tier: Tier, product: &str) -> Option<&TierMoment> {
        self.tier_moments
            .iter()
            .find(|m| m.main == main && m.tier == tier && m.product == product && !m.say.is_empty())
    }

    /// What to say for the upsell `main` → `better`: the script moment's cue and variants,
    /// else the row's own `say`. `None` when neither has a phrase.
    pub fn upsell_phrases(&self, main: &str, better: &str) -> Option<(Option<&str>, &[String])> {
        if let Some(m) = self.tier_moment(main, Tier::Upsell, better) {
            return Some((m.cue.as_deref(), &m.say));
        }
        self.upsell(main, better)
            .filter(|u| !u.say.is_empty())
            .map(|u| (None, u.say.as_slice()))
    }

    /// What to say for the downsell `main` → `fallback`: the script moment's cue and
    /// variants, else the row's own `say`. `None` when neither has a phrase.
    pub fn downsell_phrases(
        &self,
        main: &str,
        fallback: &str,
    ) -> Option<(Option<&str>, &[String])> {
        if let Some(m) = self.tier_moment(main, Tier::Downsell, fallback) {
            return Some((m.cue.as_deref(), &m.say));
        }
        self.downsell(main, fallback)
            .filter(|d| !d.say.is_empty())
            .map(|d| (None, d.say.as_slice()))
    }

    /// Whether `id` is the better or fallback product of some row of `main` (such products
    /// are versions of the main one, not new mains nor extra offers).
    pub fn is_tier_of(&self, main: &str, id: &str) -> bool {
        self.upsells_of(main).any(|u| u.better == id)
            || self.downsells_of(main).any(|d| d.fallback == id)
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::{bundled_sources, load_sources};

    use super::*;

    #[test]
    fn upsell_and_downsell_accessors_over_the_bundled_catalogue() {
        let c = load_sources(bundled_sources()).catalog.expect("loads");
        let better: Vec<&str> = c.upsells_of("deposit").map(|u| u.better.as_str()).collect();
        assert_eq!(better, ["deposit_max"]);
        let fallback: Vec<&str> = c
            .downsells_of("credit_card")
            .map(|d| d.fallback.as_str())
            .collect();
        assert_eq!(fallback, ["debit_overdraft"]);
        let (cue, say) = c.upsell_phrases("deposit", "deposit_max").unwrap();
        assert!(cue.is_some());
        assert_eq!(say.len(), 2);
        assert!(c
            .downsell_phrases("consumer_loan", "secured_loan")
            .is_some());
        assert!(c.upsell_phrases("deposit", "debit_card").is_none());
        let in_presentation: Vec<Tier> = c
            .tier_moments_in("credit_card", "presentation")
            .map(|m| m.tier)
            .collect();
        assert_eq!(in_presentation, [Tier::Upsell]);
        let in_objections: Vec<Tier> = c
            .tier_moments_in("credit_card", "objections")
            .map(|m| m.tier)
            .collect();
        assert_eq!(in_objections, [Tier::Downsell]);
        assert_eq!(c.price("deposit"), Some(400000.0));
        assert_eq!(c.price("npf"), None);
        assert_eq!(c.follow_up_days("credit_card"), Some(7));
        assert_eq!(c.follow_up_days("deposit"), None);
        assert!(c.is_tier_of("deposit", "deposit_flex"));
        // The versions are not main products, and the stages' own moments are unchanged.
        let mains: Vec<&str> = c.main_products().map(|p| p.id.as_str()).collect();
        assert_eq!(mains, ["deposit", "credit_card", "consumer_loan"]);
        assert!(c
            .scripts
            .iter()
            .flat_map(|s| &s.stages)
            .flat_map(|st| &st.moments)
            .all(|m| !c.is_tier_of("deposit", &m.product)
                && !c.is_tier_of("credit_card", &m.product)));
    }

    #[test]
    fn a_rows_own_say_serves_when_no_moment_has_one() {
        let mut c = Catalog::default();
        c.upsells.push(Upsell {
            main: "a".into(),
            better: "b".into(),
            why: "w".into(),
            say: vec!["фраза строки".into()],
        });
        let (cue, say) = c.upsell_phrases("a", "b").unwrap();
        assert_eq!((cue, say), (None, &["фраза строки".to_string()][..]));
        c.tier_moments.push(TierMoment {
            tier: Tier::Upsell,
            main: "a".into(),
            stage: "presentation".into(),
            product: "b".into(),
            cue: Some("подсказка".into()),
            say: vec!["фраза момента".into()],
        });
        let (cue, say) = c.upsell_phrases("a", "b").unwrap();
        assert_eq!(cue, Some("подсказка"));
        assert_eq!(say, ["фраза момента".to_string()]);
        assert!(c.downsell_phrases("a", "b").is_none());
    }
}
