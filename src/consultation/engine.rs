//! The consultation state machine: stages, candidates, prompts, offers, the formula.
//!
//! Pure: no I/O and no clock reads. Every time is passed in, and every decision that depends
//! on the outside world (the client, the client's history, this officer's plan figures and
//! phrase rotation) comes in a [`Context`]. Every method returns a typed [`EngineError`]
//! instead of panicking, so a damaged record or an edited catalogue never crashes the screen.
//!
//! Rules encoded here (DESIGN §1, §4):
//!
//! - **Catch candidates** are the main product's matrix rows in file order, minus products the
//!   client holds, declined within the cooldown, is not eligible for (age on `today`), or was
//!   already offered in this consultation.
//! - **Decline cooldown.** A product declined on day `D` with `decline_cooldown_days = N` is
//!   blocked on days `D ..= D + N - 1` and proposed again from `D + N` (a cooldown of 0 blocks
//!   nothing). A decline dated after `today` (a clock that was wrong) also blocks.
//! - **Create candidates** are plan products not linked to the main one, with the same
//!   filters, ordered by the remaining plan `plan_per_month - sold this month`, **signed**: a
//!   product already over its plan has a negative remainder and ranks below one that is
//!   exactly on plan. Ties keep catalogue order. The officer cycles with `c`.
//! - **Prompts** on a stage: the stage's own moments as written (filtered the same way), then
//!   — on a *catch stage*, one that has a catch moment or whose id is `presentation` — the
//!   catch candidates not already shown, then — on a `create = true` stage — the create
//!   candidate. Never more than `max_extra_offers - offers made`: the computed catch
//!   candidates give way first, so the moments and the create candidate stay; the stage's
//!   moments come before the create candidate. None once the client is not receptive or the
//!   consultation is finished.
//! - **Phrase variants** rotate per officer, product and technique: the variant shown is
//!   `(rotation + v presses) % variants`, and that index is what [`Consultation::offer`]
//!   records.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use thiserror::Error;

use super::model::{
    Client, ClientHistory, Consultation, Note, Offer, Outcome, Technique, VariantBump,
};
use crate::catalog::placeholder::{fill, Fill};
use crate::catalog::{Catalog, Formula, Policy, Product, Script, Stage};

/// Days until a `thinking` offer's follow-up call when the officer gives no date.
pub const DEFAULT_FOLLOW_UP_DAYS: u64 = 3;

/// The stage id that is a catch stage even without catch moments of its own.
pub const PRESENTATION_STAGE: &str = "presentation";

/// Why a consultation refused a change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    #[error("unknown product `{0}`")]
    UnknownProduct(String),
    #[error("there is no script for the main product `{0}`")]
    NoScript(String),
    #[error("the script for `{0}` has no stages")]
    EmptyScript(String),
    #[error("there is no stage {index}: the script has {count}")]
    StageOutOfRange { index: usize, count: usize },
    #[error("unknown stage `{0}`")]
    UnknownStage(String),
    #[error("the consultation is already finished")]
    Finished,
    #[error("the client is marked not receptive: no more offers in this meeting")]
    NotReceptive,
    #[error("the limit of {max} extra offers per meeting is reached")]
    OfferCap { max: u32 },
    #[error("`{0}` was already offered in this consultation")]
    AlreadyOffered(String),
    #[error("`{0}` is the main product, not an extra offer")]
    MainProduct(String),
    #[error("`{0}` was not offered in this consultation")]
    NoSuchOffer(String),
    #[error("`{product}` has {count} disclosure lines, there is no line {index}")]
    DisclosureOutOfRange {
        product: String,
        index: u32,
        count: usize,
    },
    #[error(
        "`{product}` cannot be accepted yet: {missing} of {total} disclosure lines not confirmed"
    )]
    DisclosuresMissing {
        product: String,
        missing: usize,
        total: usize,
    },
    #[error("the note is empty")]
    EmptyNote,
    #[error("a call back needs a day after today, and only a call back that stays open has one")]
    CallBackDate,
}

/// Everything outside the consultation record that decisions depend on.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub client: &'a Client,
    pub history: &'a ClientHistory,
    /// The consultation's date: ages and cooldowns are counted on it.
    pub today: NaiveDate,
    /// This officer's accepted count this month per product.
    pub plan_sold: &'a BTreeMap<String, u64>,
    /// How many times this officer has offered each product with each technique before: the
    /// round-robin position of its phrase variants.
    pub rotation: &'a BTreeMap<(String, Technique), u64>,
}

/// Where a prompt comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptOrigin {
    /// A `[[stage.moment]]` of the current stage, as the trainer wrote it.
    Moment,
    /// A catch candidate computed from the cross-sell matrix.
    Matrix,
    /// The create candidate: the plan product with the largest remaining plan.
    Plan,
}

/// Which create candidate is shown and how many there are (`c` cycles through them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanChoice {
    /// This officer's remaining plan for the product this month (may be negative).
    pub remaining: i64,
    /// 0-based position of the shown candidate.
    pub index: usize,
    pub count: usize,
}

/// One extra offer the screen proposes now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub product: String,
    pub product_name: String,
    pub technique: Technique,
    pub origin: PromptOrigin,
    /// When to say it, shown small.
    pub cue: Option<String>,
    /// The raw phrase templates.
    pub variants: Vec<String>,
    /// The variant shown (index into `variants`); recorded with the offer.
    pub variant: u32,
    /// The shown variant with its placeholders filled (empty when there is no phrase).
    pub phrase: String,
    /// The matrix row's reason for the link, when the product is linked to the main one.
    pub why: Option<String>,
    /// The product's short presentation lines, filled.
    pub pitch: Vec<String>,
    /// What must be said before the client agrees, filled.
    pub disclosures: Vec<String>,
    /// For the create candidate: its plan figures and position in the cycle.
    pub plan: Option<PlanChoice>,
}

/// A plan product proposed for "create the moment".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanCandidate<'a> {
    pub product: &'a Product,
    /// `plan_per_month - sold this month`, signed.
    pub remaining: i64,
}

/// An objection with its answers filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledObjection {
    pub client: String,
    pub answer: Vec<String>,
}

/// The main product's state in the formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MainStatus {
    Sold,
    Declined,
    Thinking,
    Open,
}

/// The header: main ✓/✗, catch k/2, create k/1. Counted on offers made; accepted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormulaProgress {
    pub main: MainStatus,
    pub catch_offered: u32,
    pub catch_accepted: u32,
    pub catch_target: u32,
    pub create_offered: u32,
    pub create_accepted: u32,
    pub create_target: u32,
}

impl FormulaProgress {
    /// The formula is kept: at least the target number of offers of each technique were made.
    pub fn met(&self) -> bool {
        self.catch_offered >= self.catch_target && self.create_offered >= self.create_target
    }
}

/// Whether `product` was declined by the client within the cooldown on `today`: declined on
/// day `D`, it is blocked through `D + cooldown_days - 1` and allowed from `D + cooldown_days`.
pub fn in_cooldown(
    history: &ClientHistory,
    product: &str,
    today: NaiveDate,
    cooldown_days: u32,
) -> bool {
    history
        .declined_on
        .get(product)
        .is_some_and(|&d| today.signed_duration_since(d).num_days() < i64::from(cooldown_days))
}

/// Age in whole years on `date` (0 for a birth date after it).
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> u32 {
    let mut years = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A stage where catch candidates are shown: one with a catch moment, or the presentation.
pub fn is_catch_stage(stage: &Stage) -> bool {
    stage.id == PRESENTATION_STAGE
        || stage
            .moments
            .iter()
            .any(|m| m.technique == Technique::Catch)
}

fn remaining_plan(product: &Product, plan_sold: &BTreeMap<String, u64>) -> i64 {
    let target = i64::from(product.plan_per_month.unwrap_or(0));
    let sold = plan_sold
        .get(&product.id)
        .map_or(0, |&n| i64::try_from(n).unwrap_or(i64::MAX));
    target.saturating_sub(sold)
}

/// What a prompt is built from.
struct Draft<'a> {
    product: &'a Product,
    technique: Technique,
    origin: PromptOrigin,
    cue: Option<&'a str>,
    variants: &'a [String],
    plan: Option<PlanChoice>,
}

impl Consultation {
    /// Opens a consultation on the first stage of the main product's script.
    pub fn start(
        id: u64,
        started_at: NaiveDateTime,
        officer: &str,
        branch: &str,
        client_id: u64,
        main: &str,
        catalog: &Catalog,
    ) -> Result<Consultation, EngineError> {
        if catalog.product(main).is_none() {
            return Err(EngineError::UnknownProduct(main.to_string()));
        }
        let script = catalog
            .script(main)
            .ok_or_else(|| EngineError::NoScript(main.to_string()))?;
        if script.stages.is_empty() {
            return Err(EngineError::EmptyScript(main.to_string()));
        }
        Ok(Consultation {
            id,
            started_at,
            officer: officer.to_string(),
            branch: branch.to_string(),
            client_id,
            main: main.to_string(),
            stage: 0,
            main_outcome: None,
            offers: Vec::new(),
            notes: Vec::new(),
            not_receptive: false,
            create_skip: 0,
            finished_at: None,
            variant_bumps: Vec::new(),
            main_follow_up: None,
            catalog: catalog.version_id(),
        })
    }

    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    fn ensure_open(&self) -> Result<(), EngineError> {
        if self.is_finished() {
            Err(EngineError::Finished)
        } else {
            Ok(())
        }
    }

    pub fn script<'c>(&self, catalog: &'c Catalog) -> Result<&'c Script, EngineError> {
        let script = catalog
            .script(&self.main)
            .ok_or_else(|| EngineError::NoScript(self.main.clone()))?;
        if script.stages.is_empty() {
            return Err(EngineError::EmptyScript(self.main.clone()));
        }
        Ok(script)
    }

    /// The current stage; `None` when the script is gone or shorter than the saved index.
    pub fn current_stage<'c>(&self, catalog: &'c Catalog) -> Option<&'c Stage> {
        catalog.script(&self.main)?.stages.get(self.stage)
    }

    /// Jumps to a stage (the officer moves freely).
    pub fn goto_stage(&mut self, index: usize, catalog: &Catalog) -> Result<(), EngineError> {
        self.ensure_open()?;
        let count = self.script(catalog)?.stages.len();
        if index >= count {
            return Err(EngineError::StageOutOfRange { index, count });
        }
        self.stage = index;
        Ok(())
    }

    /// The next stage; stays on the last one.
    pub fn next_stage(&mut self, catalog: &Catalog) -> Result<(), EngineError> {
        self.ensure_open()?;
        let last = self.script(catalog)?.stages.len() - 1;
        self.stage = self.stage.saturating_add(1).min(last);
        Ok(())
    }

    /// The previous stage; stays on the first one.
    pub fn prev_stage(&mut self, catalog: &Catalog) -> Result<(), EngineError> {
        self.ensure_open()?;
        let last = self.script(catalog)?.stages.len() - 1;
        self.stage = self.stage.saturating_sub(1).min(last);
        Ok(())
    }

    pub fn offer_of(&self, product: &str) -> Option<&Offer> {
        self.offers.iter().find(|o| o.product == product)
    }

    pub fn was_offered(&self, product: &str) -> bool {
        self.offer_of(product).is_some()
    }

    /// How many more extra offers the policy allows in this meeting.
    pub fn room(&self, policy: &Policy) -> usize {
        usize::try_from(policy.max_extra_offers)
            .unwrap_or(usize::MAX)
            .saturating_sub(self.offers.len())
    }

    /// Whether `product` may be proposed now: known, not the main product, not held, not
    /// declined within the cooldown, eligible by age on `today`, not yet offered here.
    pub fn admissible(&self, product: &str, ctx: &Context<'_>) -> bool {
        let Some(p) = ctx.catalog.product(product) else {
            return false;
        };
        product != self.main
            && !ctx.history.holdings.contains(product)
            && !in_cooldown(
                ctx.history,
                product,
                ctx.today,
                ctx.catalog.policy.decline_cooldown_days,
            )
            && p.eligible.admits(age_on(ctx.client.birth_date, ctx.today))
            && !self.was_offered(product)
    }

    /// Catch candidates: the main product's matrix rows in file order, filtered.
    pub fn catch_candidates<'a>(&self, ctx: &Context<'a>) -> Vec<&'a Product> {
        let mut out: Vec<&'a Product> = Vec::new();
        for link in ctx.catalog.links.iter().filter(|l| l.main == self.main) {
            if out.iter().any(|p| p.id == link.cross) || !self.admissible(&link.cross, ctx) {
                continue;
            }
            if let Some(p) = ctx.catalog.product(&link.cross) {
                out.push(p);
            }
        }
        out
    }

    /// Create candidates: plan products not linked to the main one, filtered, by remaining
    /// plan (signed) descending, ties in catalogue order.
    pub fn create_candidates<'a>(&self, ctx: &Context<'a>) -> Vec<PlanCandidate<'a>> {
        let mut out: Vec<PlanCandidate<'a>> = ctx
            .catalog
            .products
            .iter()
            .filter(|p| p.is_plan())
            .filter(|p| !ctx.catalog.is_linked(&self.main, &p.id))
            .filter(|p| self.admissible(&p.id, ctx))
            .map(|p| PlanCandidate {
                product: p,
                remaining: remaining_plan(p, ctx.plan_sold),
            })
            .collect();
        // Stable: equal remainders keep catalogue order.
        out.sort_by_key(|c| Reverse(c.remaining));
        out
    }

    /// The create candidate the officer has cycled to (`create_skip` modulo the list).
    pub fn create_candidate<'a>(&self, ctx: &Context<'a>) -> Option<PlanCandidate<'a>> {
        let list = self.create_candidates(ctx);
        pick(&list, self.create_skip).map(|i| list[i])
    }

    /// `c`: shows the next create candidate.
    pub fn cycle_create(&mut self) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.create_skip = self.create_skip.wrapping_add(1);
        Ok(())
    }

    /// `v`: shows the next phrase variant of a prompt.
    pub fn next_variant(&mut self, product: &str, technique: Technique) -> Result<(), EngineError> {
        self.ensure_open()?;
        match self
            .variant_bumps
            .iter_mut()
            .find(|b| b.product == product && b.technique == technique)
        {
            Some(b) => b.bumps = b.bumps.wrapping_add(1),
            None => self.variant_bumps.push(VariantBump {
                product: product.to_string(),
                technique,
                bumps: 1,
            }),
        }
        Ok(())
    }

    /// The variant to show among `count`: this officer's round-robin position plus the `v`
    /// presses in this consultation.
    pub fn variant_for(
        &self,
        product: &str,
        technique: Technique,
        count: usize,
        rotation: &BTreeMap<(String, Technique), u64>,
    ) -> u32 {
        if count == 0 {
            return 0;
        }
        let base = rotation
            .get(&(product.to_string(), technique))
            .copied()
            .unwrap_or(0);
        let bumps = self
            .variant_bumps
            .iter()
            .find(|b| b.product == product && b.technique == technique)
            .map_or(0, |b| u64::from(b.bumps));
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        // Both remainders are below `count`, so the sum cannot overflow.
        let index = (base % count + bumps % count) % count;
        u32::try_from(index).unwrap_or(0)
    }

    /// What to propose on the current stage, in display order (`1`–`9` pick from it).
    pub fn prompts(&self, ctx: &Context<'_>) -> Vec<Prompt> {
        let room = self.room(&ctx.catalog.policy);
        if self.is_finished() || self.not_receptive || room == 0 {
            return Vec::new();
        }
        let (Some(stage), Some(main)) = (
            self.current_stage(ctx.catalog),
            ctx.catalog.product(&self.main),
        ) else {
            return Vec::new();
        };
        let mut out: Vec<Prompt> = Vec::new();
        let shown = |out: &[Prompt], id: &str| out.iter().any(|p| p.product == id);

        for moment in &stage.moments {
            if shown(&out, &moment.product) || !self.admissible(&moment.product, ctx) {
                continue;
            }
            let Some(product) = ctx.catalog.product(&moment.product) else {
                continue;
            };
            let (cue, variants) = if !moment.say.is_empty() {
                (moment.cue.as_deref(), moment.say.as_slice())
            } else {
                match moment.technique {
                    Technique::Catch => {
                        let (cue, say) = ctx
                            .catalog
                            .catch_phrases(&self.main, &product.id)
                            .unwrap_or((None, &[]));
                        (moment.cue.as_deref().or(cue), say)
                    }
                    Technique::Create => (moment.cue.as_deref(), create_lines(product)),
                }
            };
            out.push(self.build(
                ctx,
                main,
                Draft {
                    product,
                    technique: moment.technique,
                    origin: PromptOrigin::Moment,
                    cue,
                    variants,
                    plan: None,
                },
            ));
        }

        let mut plan: Option<Prompt> = None;
        if stage.create {
            let list: Vec<PlanCandidate<'_>> = self
                .create_candidates(ctx)
                .into_iter()
                .filter(|c| !shown(&out, &c.product.id))
                .collect();
            if let Some(index) = pick(&list, self.create_skip) {
                let c = list[index];
                plan = Some(self.build(
                    ctx,
                    main,
                    Draft {
                        product: c.product,
                        technique: Technique::Create,
                        origin: PromptOrigin::Plan,
                        cue: None,
                        variants: create_lines(c.product),
                        plan: Some(PlanChoice {
                            remaining: c.remaining,
                            index,
                            count: list.len(),
                        }),
                    },
                ));
            }
        }

        if is_catch_stage(stage) {
            // Matrix candidates fill what the stage's moments and the create candidate leave.
            let budget = room.saturating_sub(out.len() + usize::from(plan.is_some()));
            let mut added = 0;
            for product in self.catch_candidates(ctx) {
                if added == budget {
                    break;
                }
                if shown(&out, &product.id) {
                    continue;
                }
                let (cue, variants) = ctx
                    .catalog
                    .catch_phrases(&self.main, &product.id)
                    .unwrap_or((None, &[]));
                out.push(self.build(
                    ctx,
                    main,
                    Draft {
                        product,
                        technique: Technique::Catch,
                        origin: PromptOrigin::Matrix,
                        cue,
                        variants,
                        plan: None,
                    },
                ));
                added += 1;
            }
        }
        out.extend(plan);

        out.truncate(room);
        out
    }

    fn filler<'f>(
        &'f self,
        client: &'f Client,
        polite: &'f str,
        product: &'f Product,
        main: &'f Product,
    ) -> Fill<'f> {
        Fill {
            client: polite,
            client_first: &client.first_name,
            client_last: &client.last_name,
            officer: &self.officer,
            product,
            main,
        }
    }

    fn build(&self, ctx: &Context<'_>, main: &Product, d: Draft<'_>) -> Prompt {
        let polite = ctx.client.polite();
        let with = self.filler(ctx.client, &polite, d.product, main);
        let variant = self.variant_for(&d.product.id, d.technique, d.variants.len(), ctx.rotation);
        let phrase = usize::try_from(variant)
            .ok()
            .and_then(|i| d.variants.get(i))
            .map(|t| fill(t, &with))
            .unwrap_or_default();
        let why = ctx
            .catalog
            .links
            .iter()
            .find(|l| l.main == self.main && l.cross == d.product.id)
            .map(|l| l.why.clone());
        Prompt {
            product: d.product.id.clone(),
            product_name: d.product.name.clone(),
            technique: d.technique,
            origin: d.origin,
            cue: d.cue.map(|c| fill(c, &with)),
            variants: d.variants.to_vec(),
            variant,
            phrase,
            why,
            pitch: d.product.pitch.iter().map(|t| fill(t, &with)).collect(),
            disclosures: d
                .product
                .disclosure
                .iter()
                .map(|t| fill(t, &with))
                .collect(),
            plan: d.plan,
        }
    }

    /// The current stage's own lines, filled (`product` is the main product there).
    pub fn stage_lines(&self, catalog: &Catalog, client: &Client) -> Vec<String> {
        let (Some(stage), Some(main)) = (self.current_stage(catalog), catalog.product(&self.main))
        else {
            return Vec::new();
        };
        let polite = client.polite();
        let with = self.filler(client, &polite, main, main);
        stage.say.iter().map(|t| fill(t, &with)).collect()
    }

    /// The script's objections about `product` (the main one or an extra), filled.
    pub fn objections(
        &self,
        product: &str,
        catalog: &Catalog,
        client: &Client,
    ) -> Vec<FilledObjection> {
        let (Ok(script), Some(main), Some(p)) = (
            self.script(catalog),
            catalog.product(&self.main),
            catalog.product(product),
        ) else {
            return Vec::new();
        };
        let polite = client.polite();
        let with = self.filler(client, &polite, p, main);
        script
            .objections
            .iter()
            .filter(|o| o.product == product)
            .map(|o| FilledObjection {
                client: fill(&o.client, &with),
                answer: o.answer.iter().map(|t| fill(t, &with)).collect(),
            })
            .collect()
    }

    /// Records an extra offer, made on stage `stage` with phrase variant `variant`.
    pub fn offer(
        &mut self,
        product: &str,
        technique: Technique,
        stage: &str,
        variant: u32,
        at: NaiveDateTime,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        self.ensure_open()?;
        if catalog.product(product).is_none() {
            return Err(EngineError::UnknownProduct(product.to_string()));
        }
        if product == self.main {
            return Err(EngineError::MainProduct(product.to_string()));
        }
        if self.was_offered(product) {
            return Err(EngineError::AlreadyOffered(product.to_string()));
        }
        if self.not_receptive {
            return Err(EngineError::NotReceptive);
        }
        if self.room(&catalog.policy) == 0 {
            return Err(EngineError::OfferCap {
                max: catalog.policy.max_extra_offers,
            });
        }
        if !self.script(catalog)?.stages.iter().any(|s| s.id == stage) {
            return Err(EngineError::UnknownStage(stage.to_string()));
        }
        self.offers.push(Offer {
            product: product.to_string(),
            technique,
            stage: stage.to_string(),
            variant,
            made_at: at,
            outcome: None,
            outcome_at: None,
            disclosures_confirmed: Default::default(),
            follow_up: None,
        });
        Ok(())
    }

    /// Records the offer of a prompt on the current stage, with the variant it shows.
    pub fn offer_prompt(
        &mut self,
        prompt: &Prompt,
        at: NaiveDateTime,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        let stage = self.current_stage(catalog).map(|s| s.id.clone()).ok_or(
            EngineError::StageOutOfRange {
                index: self.stage,
                count: catalog.script(&self.main).map_or(0, |s| s.stages.len()),
            },
        )?;
        self.offer(
            &prompt.product,
            prompt.technique,
            &stage,
            prompt.variant,
            at,
            catalog,
        )
    }

    fn offer_mut(&mut self, product: &str) -> Result<&mut Offer, EngineError> {
        self.offers
            .iter_mut()
            .find(|o| o.product == product)
            .ok_or_else(|| EngineError::NoSuchOffer(product.to_string()))
    }

    /// The officer confirms disclosure line `index` (0-based) of an offered product was said.
    pub fn confirm_disclosure(
        &mut self,
        product: &str,
        index: u32,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        self.ensure_open()?;
        let count = catalog
            .product(product)
            .map(|p| p.disclosure.len())
            .ok_or_else(|| EngineError::UnknownProduct(product.to_string()))?;
        let offer = self.offer_mut(product)?;
        if usize::try_from(index).map_or(true, |i| i >= count) {
            return Err(EngineError::DisclosureOutOfRange {
                product: product.to_string(),
                index,
                count,
            });
        }
        offer.disclosures_confirmed.insert(index);
        Ok(())
    }

    /// Indices of an offered product's disclosure lines not confirmed yet.
    pub fn missing_disclosures(&self, product: &str, catalog: &Catalog) -> Vec<u32> {
        let count = catalog.product(product).map_or(0, |p| p.disclosure.len());
        let confirmed = self.offer_of(product).map(|o| &o.disclosures_confirmed);
        (0..u32::try_from(count).unwrap_or(u32::MAX))
            .filter(|i| !confirmed.is_some_and(|c| c.contains(i)))
            .collect()
    }

    /// Records (or changes) what the client said to an offer. `Accepted` needs every
    /// disclosure line confirmed; `Thinking` gets a follow-up date (`at` + 3 days by default);
    /// other outcomes clear it.
    pub fn set_outcome(
        &mut self,
        product: &str,
        outcome: Outcome,
        at: NaiveDateTime,
        follow_up: Option<NaiveDate>,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        self.ensure_open()?;
        if !self.was_offered(product) {
            return Err(EngineError::NoSuchOffer(product.to_string()));
        }
        if outcome == Outcome::Accepted {
            let total = catalog
                .product(product)
                .map(|p| p.disclosure.len())
                .ok_or_else(|| EngineError::UnknownProduct(product.to_string()))?;
            let missing = self.missing_disclosures(product, catalog).len();
            if missing > 0 {
                return Err(EngineError::DisclosuresMissing {
                    product: product.to_string(),
                    missing,
                    total,
                });
            }
        }
        let offer = self.offer_mut(product)?;
        offer.outcome = Some(outcome);
        offer.outcome_at = Some(at);
        offer.follow_up = match outcome {
            Outcome::Thinking => Some(follow_up.unwrap_or_else(|| {
                let day = at.date();
                day.checked_add_days(Days::new(DEFAULT_FOLLOW_UP_DAYS))
                    .unwrap_or(day)
            })),
            Outcome::Accepted | Outcome::Declined => None,
        };
        Ok(())
    }

    /// The main product's own result.
    pub fn set_main_outcome(&mut self, outcome: Outcome) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.main_outcome = Some(outcome);
        Ok(())
    }

    /// "Not in the script": a short note on the current stage, optionally about a product.
    pub fn add_note(
        &mut self,
        text: &str,
        product: Option<&str>,
        at: NaiveDateTime,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        self.ensure_open()?;
        let text = text.trim();
        if text.is_empty() {
            return Err(EngineError::EmptyNote);
        }
        if let Some(p) = product {
            if catalog.product(p).is_none() {
                return Err(EngineError::UnknownProduct(p.to_string()));
            }
        }
        let stage = self
            .current_stage(catalog)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        self.notes.push(Note {
            stage,
            product: product.map(str::to_string),
            text: text.to_string(),
            at,
        });
        Ok(())
    }

    /// The client is not open to more offers: ends cross-selling for this meeting.
    pub fn mark_not_receptive(&mut self) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.not_receptive = true;
        Ok(())
    }

    /// `r` again: the "not receptive" mark was a mistake; cross-selling resumes.
    pub fn unmark_not_receptive(&mut self) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.not_receptive = false;
        Ok(())
    }

    pub fn finish(&mut self, at: NaiveDateTime) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.finished_at = Some(at);
        Ok(())
    }

    /// The formula in the header.
    pub fn progress(&self, formula: &Formula) -> FormulaProgress {
        let count = |technique: Technique, accepted: bool| {
            let n = self
                .offers
                .iter()
                .filter(|o| o.technique == technique)
                .filter(|o| !accepted || o.outcome == Some(Outcome::Accepted))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        FormulaProgress {
            main: match self.main_outcome {
                Some(Outcome::Accepted) => MainStatus::Sold,
                Some(Outcome::Declined) => MainStatus::Declined,
                Some(Outcome::Thinking) => MainStatus::Thinking,
                None => MainStatus::Open,
            },
            catch_offered: count(Technique::Catch, false),
            catch_accepted: count(Technique::Catch, true),
            catch_target: formula.catch,
            create_offered: count(Technique::Create, false),
            create_accepted: count(Technique::Create, true),
            create_target: formula.create,
        }
    }
}

/// Create-the-moment lines of a plan product: its openers, else its pitch.
fn create_lines(product: &Product) -> &[String] {
    if product.create.is_empty() {
        &product.pitch
    } else {
        &product.create
    }
}

fn pick<T>(list: &[T], skip: u32) -> Option<usize> {
    if list.is_empty() {
        None
    } else {
        Some(usize::try_from(skip).unwrap_or(0) % list.len())
    }
}

impl ClientHistory {
    /// Takes a consultation's results in: accepted products (and an accepted main product)
    /// become held; a decline is dated by its outcome time (the main product's by the finish,
    /// else the start) and the latest decline of each product is kept. `thinking` changes
    /// nothing. The store applies it when a consultation is finished.
    pub fn record(&mut self, c: &Consultation) {
        let main_day = c.finished_at.unwrap_or(c.started_at).date();
        let main = c.main_outcome.map(|o| (c.main.as_str(), o, main_day));
        let extras = c.offers.iter().filter_map(|o| {
            o.outcome.map(|outcome| {
                let day = o.outcome_at.unwrap_or(o.made_at).date();
                (o.product.as_str(), outcome, day)
            })
        });
        for (product, outcome, day) in main.into_iter().chain(extras) {
            match outcome {
                Outcome::Accepted => {
                    self.holdings.insert(product.to_string());
                }
                Outcome::Declined => {
                    let entry = self.declined_on.entry(product.to_string()).or_insert(day);
                    *entry = (*entry).max(day);
                }
                Outcome::Thinking => {}
            }
        }
    }

    /// This history with a consultation's results taken in.
    pub fn after(&self, c: &Consultation) -> ClientHistory {
        let mut h = self.clone();
        h.record(c);
        h
    }
}

// ───────────────────────────── client validation ─────────────────────────────

/// A field of the new-client form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    LastName,
    FirstName,
    Patronymic,
    Phone,
    BirthDate,
    Segment,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::LastName => "last name",
            Field::FirstName => "first name",
            Field::Patronymic => "patronymic",
            Field::Phone => "phone",
            Field::BirthDate => "birth date",
            Field::Segment => "segment",
        }
    }
}

/// A form field that does not pass, with a short English message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {message}", field.as_str())]
pub struct ClientError {
    pub field: Field,
    pub message: &'static str,
}

/// The new-client form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewClient {
    pub last_name: String,
    pub first_name: String,
    pub patronymic: String,
    pub phone: String,
    /// `YYYY-MM-DD` or `DD.MM.YYYY`.
    pub birth_date: String,
    pub segment: String,
}

/// A checked and normalised client, not stored yet (no id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidClient {
    pub last_name: String,
    pub first_name: String,
    pub patronymic: String,
    /// As stored: see [`Client::phone`].
    pub phone: String,
    pub birth_date: NaiveDate,
    pub segment: String,
}

impl ValidClient {
    pub fn into_client(self, id: u64) -> Client {
        Client {
            id,
            last_name: self.last_name,
            first_name: self.first_name,
            patronymic: self.patronymic,
            phone: self.phone,
            birth_date: self.birth_date,
            segment: self.segment,
            calls_consent: false,
        }
    }
}

pub const MIN_CLIENT_AGE: u32 = 14;
pub const MAX_CLIENT_AGE: u32 = 120;
const MAX_NAME_CHARS: usize = 60;
const MAX_SEGMENT_CHARS: usize = 40;

impl NewClient {
    /// Checks the form on `today`; the first failing field, in form order.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidClient, ClientError> {
        Ok(ValidClient {
            last_name: name(&self.last_name, Field::LastName, true)?,
            first_name: name(&self.first_name, Field::FirstName, true)?,
            patronymic: name(&self.patronymic, Field::Patronymic, false)?,
            phone: phone(&self.phone)?,
            birth_date: birth_date(&self.birth_date, today)?,
            segment: segment(&self.segment)?,
        })
    }

    /// Every failing field, in form order (for marking them all at once).
    pub fn problems(&self, today: NaiveDate) -> Vec<ClientError> {
        [
            name(&self.last_name, Field::LastName, true).err(),
            name(&self.first_name, Field::FirstName, true).err(),
            name(&self.patronymic, Field::Patronymic, false).err(),
            phone(&self.phone).err(),
            birth_date(&self.birth_date, today).err(),
            segment(&self.segment).err(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

fn field_error(field: Field, message: &'static str) -> ClientError {
    ClientError { field, message }
}

/// Letters, hyphens, spaces and apostrophes; runs of spaces collapse to one.
fn name(text: &str, field: Field, required: bool) -> Result<String, ClientError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return if required {
            Err(field_error(field, "required"))
        } else {
            Ok(text)
        };
    }
    if !text
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '-' | ' ' | '\'' | '’'))
    {
        return Err(field_error(
            field,
            "letters, hyphen, space or apostrophe only",
        ));
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(field_error(field, "must contain letters"));
    }
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(field_error(field, "too long"));
    }
    Ok(super::names::capitalise_name(&text))
}

/// Spaces, dashes and parentheses are dropped; 10–15 digits; stored as
/// [`super::names::stored_phone`] says (a Russian number as digits, a foreign `+` kept).
fn phone(text: &str) -> Result<String, ClientError> {
    let text = text.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if digits.is_empty() {
        return Err(field_error(Field::Phone, "required"));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(field_error(Field::Phone, "digits only"));
    }
    if !(10..=15).contains(&digits.len()) {
        return Err(field_error(Field::Phone, "must have 10 to 15 digits"));
    }
    Ok(super::names::stored_phone(plus, &digits))
}

/// `YYYY-MM-DD` or `DD.MM.YYYY`, giving an age of 14 to 120 on `today`.
fn birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ClientError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(field_error(Field::BirthDate, "required"));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .map_err(|_| {
            // The right shape with an impossible day (31.02) needs another fix than a typo.
            let shaped = [('.', [2, 2, 4]), ('-', [4, 2, 2])]
                .iter()
                .any(|(sep, widths)| {
                    let parts: Vec<&str> = text.split(*sep).collect();
                    parts.len() == 3
                        && parts.iter().zip(widths).all(|(part, width)| {
                            part.len() == *width && part.bytes().all(|b| b.is_ascii_digit())
                        })
                });
            let message = if shaped {
                "no such date"
            } else {
                "use YYYY-MM-DD or DD.MM.YYYY"
            };
            field_error(Field::BirthDate, message)
        })?;
    if date > today {
        return Err(field_error(Field::BirthDate, "in the future"));
    }
    let age = age_on(date, today);
    if age < MIN_CLIENT_AGE {
        return Err(field_error(Field::BirthDate, "client must be at least 14"));
    }
    if age > MAX_CLIENT_AGE {
        return Err(field_error(Field::BirthDate, "implausible: over 120 years"));
    }
    Ok(date)
}

/// Free text, trimmed, short, printable; may be empty.
fn segment(text: &str) -> Result<String, ClientError> {
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err(field_error(Field::Segment, "invalid characters"));
    }
    if text.chars().count() > MAX_SEGMENT_CHARS {
        return Err(field_error(Field::Segment, "too long"));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Eligibility, Link, LinkCategory, Moment, Objection};
    use crate::consultation::model::{formula_bucket, Kind, Month, TallyKey};

    fn product(id: &str) -> Product {
        Product {
            id: id.into(),
            name: format!("Продукт {id}"),
            family: String::new(),
            params: BTreeMap::new(),
            plan_per_month: None,
            eligible: Eligibility::default(),
            create: vec![],
            pitch: vec![],
            disclosure: vec![],
        }
    }

    fn plan(id: &str, per_month: u32) -> Product {
        Product {
            plan_per_month: Some(per_month),
            create: vec![
                format!("{{client}}, вы думали о {id}?"),
                format!("Как вы относитесь к {id}?"),
            ],
            pitch: vec![format!("{{product.name}} для {{client.first}}")],
            ..product(id)
        }
    }

    fn link(main: &str, cross: &str) -> Link {
        Link {
            main: main.into(),
            cross: cross.into(),
            category: LinkCategory::Complementary,
            why: format!("{main} и {cross} связаны"),
            say: vec![format!("Фраза матрицы про {cross}")],
        }
    }

    fn stage(id: &str) -> Stage {
        Stage {
            id: id.into(),
            title: id.into(),
            say: vec![format!(
                "{{client}}, этап {id}, {{main.name}}, ставка {{main.rate}}"
            )],
            create: false,
            moments: vec![],
        }
    }

    fn moment(technique: Technique, product: &str, say: &[&str]) -> Moment {
        Moment {
            technique,
            product: product.into(),
            cue: Some(format!("подсказка {product}")),
            say: say.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// deposit (main) → card, app, saving (catch); npf, iis, life (plan); ins (disclosures).
    fn catalog() -> Catalog {
        let mut deposit = product("deposit");
        deposit.params.insert("rate".into(), "10%".into());
        let mut saving = product("saving");
        saving.eligible = Eligibility {
            min_age: Some(18),
            max_age: Some(60),
        };
        let mut npf = plan("npf", 20);
        npf.eligible = Eligibility {
            min_age: Some(18),
            max_age: Some(60),
        };
        npf.disclosure = vec!["добровольно".into(), "не вклад".into()];
        let mut greeting = stage("greeting");
        greeting.moments = vec![];
        let mut needs = stage("needs");
        needs.moments = vec![moment(
            Technique::Create,
            "card",
            &["Куда удобнее получать проценты, {client}?"],
        )];
        let mut presentation = stage("presentation");
        presentation.moments = vec![moment(
            Technique::Catch,
            "app",
            &[
                "Вариант A: {product.name} к {main.name}",
                "Вариант B для {client.last}",
                "Вариант C от {officer}",
            ],
        )];
        let objections = stage("objections");
        let mut closing = stage("closing");
        closing.create = true;
        Catalog {
            version: None,
            hash: String::new(),
            formula: Formula::default(),
            policy: Policy::default(),
            products: vec![
                deposit,
                product("card"),
                product("app"),
                saving,
                npf,
                plan("iis", 15),
                plan("life", 10),
                Product {
                    disclosure: vec!["a".into(), "b".into(), "c".into()],
                    ..product("ins")
                },
                product("loan"),
            ],
            links: vec![
                link("deposit", "card"),
                link("deposit", "app"),
                link("deposit", "saving"),
                link("deposit", "ins"),
                link("loan", "npf"),
            ],
            scripts: vec![Script {
                main: "deposit".into(),
                title: "Вклад".into(),
                stages: vec![greeting, needs, presentation, objections, closing],
                objections: vec![Objection {
                    product: "app".into(),
                    client: "Не доверяю {product.name}".into(),
                    answer: vec!["{client}, это безопасно".into()],
                }],
            }],
            ..Catalog::default()
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        day(y, m, d).and_hms_opt(h, 0, 0).unwrap()
    }

    fn client(birth: NaiveDate) -> Client {
        Client {
            id: 7,
            last_name: "Иванова".into(),
            first_name: "Анна".into(),
            patronymic: "Петровна".into(),
            phone: "79161234567".into(),
            birth_date: birth,
            segment: "mass".into(),
            calls_consent: false,
        }
    }

    const TODAY: (i32, u32, u32) = (2025, 3, 10);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    fn now() -> NaiveDateTime {
        at(TODAY.0, TODAY.1, TODAY.2, 11)
    }

    /// Owned inputs for a [`Context`].
    struct World {
        catalog: Catalog,
        client: Client,
        history: ClientHistory,
        today: NaiveDate,
        plan_sold: BTreeMap<String, u64>,
        rotation: BTreeMap<(String, Technique), u64>,
    }

    impl World {
        fn new() -> World {
            World {
                catalog: catalog(),
                client: client(day(1985, 6, 1)),
                history: ClientHistory::default(),
                today: today(),
                plan_sold: BTreeMap::new(),
                rotation: BTreeMap::new(),
            }
        }
        fn ctx(&self) -> Context<'_> {
            Context {
                catalog: &self.catalog,
                client: &self.client,
                history: &self.history,
                today: self.today,
                plan_sold: &self.plan_sold,
                rotation: &self.rotation,
            }
        }
        fn start(&self) -> Consultation {
            Consultation::start(
                1,
                now(),
                "Ольга",
                "Центральный",
                7,
                "deposit",
                &self.catalog,
            )
            .unwrap()
        }
    }

    fn ids(products: &[&Product]) -> Vec<String> {
        products.iter().map(|p| p.id.clone()).collect()
    }

    fn prompt_ids(prompts: &[Prompt]) -> Vec<(String, Technique)> {
        prompts
            .iter()
            .map(|p| (p.product.clone(), p.technique))
            .collect()
    }

    fn offer(c: &mut Consultation, w: &World, product: &str, technique: Technique) {
        c.offer(product, technique, "presentation", 0, now(), &w.catalog)
            .unwrap();
    }

    // ── start and stages ──

    #[test]
    fn start_needs_a_known_main_product_with_a_script() {
        let w = World::new();
        let c = w.start();
        assert_eq!(c.stage, 0);
        assert_eq!(c.main, "deposit");
        assert_eq!(c.officer, "Ольга");
        assert!(!c.is_finished());
        let err =
            |main: &str| Consultation::start(1, now(), "o", "b", 1, main, &w.catalog).unwrap_err();
        assert_eq!(err("nope"), EngineError::UnknownProduct("nope".into()));
        assert_eq!(err("card"), EngineError::NoScript("card".into()));
        let mut empty = w.catalog.clone();
        empty.scripts[0].stages.clear();
        assert_eq!(
            Consultation::start(1, now(), "o", "b", 1, "deposit", &empty).unwrap_err(),
            EngineError::EmptyScript("deposit".into())
        );
    }

    #[test]
    fn stages_move_freely_and_clamp() {
        let w = World::new();
        let mut c = w.start();
        c.prev_stage(&w.catalog).unwrap();
        assert_eq!(c.stage, 0);
        for _ in 0..10 {
            c.next_stage(&w.catalog).unwrap();
        }
        assert_eq!(c.stage, 4);
        assert_eq!(c.current_stage(&w.catalog).unwrap().id, "closing");
        c.prev_stage(&w.catalog).unwrap();
        assert_eq!(c.stage, 3);
        c.goto_stage(1, &w.catalog).unwrap();
        assert_eq!(c.stage, 1);
        assert_eq!(
            c.goto_stage(5, &w.catalog),
            Err(EngineError::StageOutOfRange { index: 5, count: 5 })
        );
        assert_eq!(c.stage, 1);
        c.finish(now()).unwrap();
        assert_eq!(c.next_stage(&w.catalog), Err(EngineError::Finished));
        assert_eq!(c.prev_stage(&w.catalog), Err(EngineError::Finished));
        assert_eq!(c.goto_stage(0, &w.catalog), Err(EngineError::Finished));
    }

    #[test]
    fn stage_lines_and_objections_are_filled() {
        let w = World::new();
        let c = w.start();
        assert_eq!(
            c.stage_lines(&w.catalog, &w.client),
            vec!["Анна Петровна, этап greeting, Продукт deposit, ставка 10%".to_string()]
        );
        let objections = c.objections("app", &w.catalog, &w.client);
        assert_eq!(
            objections,
            vec![FilledObjection {
                client: "Не доверяю Продукт app".into(),
                answer: vec!["Анна Петровна, это безопасно".into()],
            }]
        );
        assert!(c.objections("card", &w.catalog, &w.client).is_empty());
    }

    // ── catch candidates ──

    #[test]
    fn catch_candidates_follow_the_matrix_minus_holdings() {
        let mut w = World::new();
        let c = w.start();
        assert_eq!(
            ids(&c.catch_candidates(&w.ctx())),
            ["card", "app", "saving", "ins"]
        );
        w.history.holdings.insert("app".into());
        w.history.holdings.insert("ins".into());
        assert_eq!(ids(&c.catch_candidates(&w.ctx())), ["card", "saving"]);
    }

    #[test]
    fn catch_candidates_drop_products_already_offered() {
        let w = World::new();
        let mut c = w.start();
        offer(&mut c, &w, "card", Technique::Catch);
        assert_eq!(ids(&c.catch_candidates(&w.ctx())), ["app", "saving", "ins"]);
    }

    #[test]
    fn decline_cooldown_boundary() {
        // Declined on D with a 30-day cooldown: blocked through D + 29, offered from D + 30.
        let mut w = World::new();
        let declined = day(2025, 2, 1);
        w.history.declined_on.insert("card".into(), declined);
        let c = w.start();
        assert_eq!(w.catalog.policy.decline_cooldown_days, 30);

        w.today = declined; // the same day
        assert!(!ids(&c.catch_candidates(&w.ctx())).contains(&"card".to_string()));
        w.today = declined + Days::new(29);
        assert!(in_cooldown(&w.history, "card", w.today, 30));
        assert!(!ids(&c.catch_candidates(&w.ctx())).contains(&"card".to_string()));
        w.today = declined + Days::new(30);
        assert!(!in_cooldown(&w.history, "card", w.today, 30));
        assert_eq!(ids(&c.catch_candidates(&w.ctx()))[0], "card");

        // A cooldown of 0 blocks nothing; one of 1 blocks only the day itself.
        assert!(!in_cooldown(&w.history, "card", declined, 0));
        assert!(in_cooldown(&w.history, "card", declined, 1));
        assert!(!in_cooldown(&w.history, "card", declined + Days::new(1), 1));
        // A decline dated after today blocks.
        assert!(in_cooldown(&w.history, "card", declined - Days::new(5), 1));
    }

    #[test]
    fn eligibility_at_exact_age_boundaries() {
        let mut w = World::new();
        let c = w.start();
        let has_saving =
            |w: &World| ids(&c.catch_candidates(&w.ctx())).contains(&"saving".to_string());
        // saving: 18..=60. Turns 18 today → eligible.
        w.client = client(day(2007, 3, 10));
        assert_eq!(age_on(w.client.birth_date, w.today), 18);
        assert!(has_saving(&w));
        // Turns 18 tomorrow → still 17.
        w.client = client(day(2007, 3, 11));
        assert_eq!(age_on(w.client.birth_date, w.today), 17);
        assert!(!has_saving(&w));
        // Turns 61 today → out; turns 61 tomorrow → still 60, in.
        w.client = client(day(1964, 3, 10));
        assert!(!has_saving(&w));
        w.client = client(day(1964, 3, 11));
        assert!(has_saving(&w));
    }

    #[test]
    fn age_handles_leap_day_birthdays() {
        let birth = day(2004, 2, 29);
        assert_eq!(age_on(birth, day(2022, 2, 28)), 17);
        assert_eq!(age_on(birth, day(2022, 3, 1)), 18);
        assert_eq!(age_on(birth, day(2024, 2, 29)), 20);
        assert_eq!(age_on(birth, day(2000, 1, 1)), 0);
    }

    // ── create candidates ──

    #[test]
    fn create_candidate_has_the_largest_plan_gap() {
        let mut w = World::new();
        let c = w.start();
        // Nothing sold: npf 20, iis 15, life 10.
        let list = c.create_candidates(&w.ctx());
        let order: Vec<_> = list
            .iter()
            .map(|p| (p.product.id.as_str(), p.remaining))
            .collect();
        assert_eq!(order, [("npf", 20), ("iis", 15), ("life", 10)]);
        // npf 10 sold → iis 15 leads; npf and life tie at 10, catalogue order keeps npf first.
        w.plan_sold.insert("npf".into(), 10);
        let list = c.create_candidates(&w.ctx());
        let order: Vec<_> = list
            .iter()
            .map(|p| (p.product.id.as_str(), p.remaining))
            .collect();
        assert_eq!(order, [("iis", 15), ("npf", 10), ("life", 10)]);
        assert_eq!(c.create_candidate(&w.ctx()).unwrap().product.id, "iis");
        // Over plan ranks below on plan (signed remainder).
        w.plan_sold.insert("iis".into(), 17);
        w.plan_sold.insert("life".into(), 10);
        let list = c.create_candidates(&w.ctx());
        let order: Vec<_> = list
            .iter()
            .map(|p| (p.product.id.as_str(), p.remaining))
            .collect();
        assert_eq!(order, [("npf", 10), ("life", 0), ("iis", -2)]);
    }

    #[test]
    fn create_candidates_exclude_linked_held_ineligible_and_offered() {
        let mut w = World::new();
        // npf is linked to loan, not to deposit: a candidate for deposit.
        let c = w.start();
        assert_eq!(c.create_candidates(&w.ctx()).len(), 3);
        // Linked to the main product → catch material, not create.
        w.catalog.links.push(link("deposit", "life"));
        let ids_of = |w: &World, c: &Consultation| -> Vec<String> {
            c.create_candidates(&w.ctx())
                .iter()
                .map(|p| p.product.id.clone())
                .collect()
        };
        assert_eq!(ids_of(&w, &c), ["npf", "iis"]);
        // Too old for npf (max 60).
        w.client = client(day(1950, 1, 1));
        assert_eq!(ids_of(&w, &c), ["iis"]);
        w.client = client(day(1985, 1, 1));
        w.history.holdings.insert("iis".into());
        assert_eq!(ids_of(&w, &c), ["npf"]);
        w.history
            .declined_on
            .insert("npf".into(), w.today - Days::new(3));
        assert!(ids_of(&w, &c).is_empty());
        assert!(c.create_candidate(&w.ctx()).is_none());
        w.history = ClientHistory::default();
        let mut c = c;
        offer(&mut c, &w, "npf", Technique::Create);
        assert_eq!(ids_of(&w, &c), ["iis"]);
    }

    #[test]
    fn cycling_create_candidates_wraps_around() {
        let mut w = World::new();
        let mut c = w.start();
        c.goto_stage(4, &w.catalog).unwrap();
        let shown = |c: &Consultation, w: &World| {
            let prompts = c.prompts(&w.ctx());
            let p = prompts
                .iter()
                .find(|p| p.origin == PromptOrigin::Plan)
                .unwrap()
                .clone();
            (p.product, p.plan.unwrap())
        };
        let (first, choice) = shown(&c, &w);
        assert_eq!(first, "npf");
        assert_eq!((choice.index, choice.count, choice.remaining), (0, 3, 20));
        c.cycle_create().unwrap();
        assert_eq!(shown(&c, &w).0, "iis");
        assert_eq!(c.create_candidate(&w.ctx()).unwrap().product.id, "iis");
        c.cycle_create().unwrap();
        assert_eq!(shown(&c, &w).0, "life");
        c.cycle_create().unwrap();
        assert_eq!(shown(&c, &w).0, "npf");
        assert_eq!(c.create_skip, 3);
        // A shrinking list keeps the index in range.
        w.history.holdings.insert("iis".into());
        c.create_skip = 5;
        let (p, choice) = shown(&c, &w);
        assert_eq!((p.as_str(), choice.index, choice.count), ("life", 1, 2));
        c.finish(now()).unwrap();
        assert_eq!(c.cycle_create(), Err(EngineError::Finished));
    }

    // ── prompts ──

    #[test]
    fn prompts_on_each_stage() {
        let mut w = World::new();
        let mut c = w.start();
        // greeting: no moments, not a catch stage, no create.
        assert!(c.prompts(&w.ctx()).is_empty());
        // needs: the explicit create moment for a linked product, as written.
        c.next_stage(&w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        assert_eq!(prompt_ids(&p), [("card".into(), Technique::Create)]);
        assert_eq!(p[0].origin, PromptOrigin::Moment);
        assert_eq!(
            p[0].phrase,
            "Куда удобнее получать проценты, Анна Петровна?"
        );
        assert_eq!(p[0].cue.as_deref(), Some("подсказка card"));
        assert_eq!(p[0].why.as_deref(), Some("deposit и card связаны"));
        // presentation: the stage's moment first, then matrix candidates, capped at 3.
        c.next_stage(&w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        assert_eq!(
            prompt_ids(&p),
            [
                ("app".into(), Technique::Catch),
                ("card".into(), Technique::Catch),
                ("saving".into(), Technique::Catch),
            ]
        );
        assert_eq!(p[0].origin, PromptOrigin::Moment);
        assert_eq!(p[1].origin, PromptOrigin::Matrix);
        assert_eq!(p[1].phrase, "Фраза матрицы про card");
        assert_eq!(p[1].cue, None);
        // objections: nothing.
        c.next_stage(&w.catalog).unwrap();
        assert!(c.prompts(&w.ctx()).is_empty());
        // closing: the create candidate with its opener, pitch and disclosures filled.
        c.next_stage(&w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        assert_eq!(prompt_ids(&p), [("npf".into(), Technique::Create)]);
        assert_eq!(p[0].phrase, "Анна Петровна, вы думали о npf?");
        assert_eq!(p[0].pitch, ["Продукт npf для Анна"]);
        assert_eq!(p[0].disclosures, ["добровольно", "не вклад"]);
        assert_eq!(p[0].why, None);
        // A held moment product is filtered out on its stage too.
        w.history.holdings.insert("app".into());
        c.goto_stage(2, &w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        assert_eq!(
            prompt_ids(&p),
            [
                ("card".into(), Technique::Catch),
                ("saving".into(), Technique::Catch),
                ("ins".into(), Technique::Catch),
            ]
        );
    }

    #[test]
    fn prompts_shrink_with_offers_made() {
        let w = World::new();
        let mut c = w.start();
        c.goto_stage(2, &w.catalog).unwrap();
        offer(&mut c, &w, "card", Technique::Catch);
        let p = c.prompts(&w.ctx());
        // Two offers left: the moment, then the next matrix candidate.
        assert_eq!(
            prompt_ids(&p),
            [
                ("app".into(), Technique::Catch),
                ("saving".into(), Technique::Catch)
            ]
        );
        offer(&mut c, &w, "app", Technique::Catch);
        assert_eq!(c.prompts(&w.ctx()).len(), 1);
        offer(&mut c, &w, "saving", Technique::Catch);
        assert!(c.prompts(&w.ctx()).is_empty());
        c.goto_stage(4, &w.catalog).unwrap();
        assert!(
            c.prompts(&w.ctx()).is_empty(),
            "cap reached: no create either"
        );
    }

    #[test]
    fn explicit_moment_without_phrases_falls_back() {
        let mut w = World::new();
        w.catalog.scripts[0].stages[1].moments[0].say.clear();
        w.catalog.scripts[0].stages[4].moments = vec![
            moment(Technique::Create, "life", &[]),
            moment(Technique::Catch, "card", &[]),
        ];
        let mut c = w.start();
        c.goto_stage(1, &w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        // A create moment for a product with no openers and no pitch: no phrase, still shown.
        assert_eq!(p[0].product, "card");
        assert!(p[0].variants.is_empty());
        assert_eq!(p[0].phrase, "");
        c.goto_stage(4, &w.catalog).unwrap();
        let p = c.prompts(&w.ctx());
        // closing: life (opener), card (matrix phrase), then the create candidate, which
        // skips life since it is already on screen.
        assert_eq!(
            prompt_ids(&p),
            [
                ("life".into(), Technique::Create),
                ("card".into(), Technique::Catch),
                ("npf".into(), Technique::Create),
            ]
        );
        assert_eq!(p[0].phrase, "Анна Петровна, вы думали о life?");
        assert_eq!(p[1].phrase, "Фраза матрицы про card");
        assert_eq!(p[2].plan.unwrap().count, 2);
        // Matrix candidates give way first; then the create candidate after the moments.
        offer(&mut c, &w, "saving", Technique::Catch);
        let p = c.prompts(&w.ctx());
        assert_eq!(
            prompt_ids(&p),
            [
                ("life".into(), Technique::Create),
                ("card".into(), Technique::Catch)
            ]
        );
    }

    #[test]
    fn catch_stage_is_one_with_catch_moments_or_the_presentation() {
        let mut w = World::new();
        w.catalog.scripts[0].stages[2].moments.clear();
        let mut c = w.start();
        c.goto_stage(2, &w.catalog).unwrap();
        assert!(is_catch_stage(&w.catalog.scripts[0].stages[2]));
        let p = c.prompts(&w.ctx());
        assert_eq!(p.len(), 3);
        assert!(p.iter().all(|p| p.origin == PromptOrigin::Matrix));
        assert_eq!(p[0].product, "card");
        w.catalog.scripts[0].stages[2].id = "offer".into();
        assert!(c.prompts(&w.ctx()).is_empty());
        // The objections stage becomes a catch stage with a catch moment of its own.
        w.catalog.scripts[0].stages[3].moments = vec![moment(Technique::Catch, "saving", &["s"])];
        c.goto_stage(3, &w.catalog).unwrap();
        assert_eq!(
            prompt_ids(&c.prompts(&w.ctx())),
            [
                ("saving".into(), Technique::Catch),
                ("card".into(), Technique::Catch),
                ("app".into(), Technique::Catch),
            ]
        );
    }

    #[test]
    fn not_receptive_stops_prompts_and_offers() {
        let w = World::new();
        let mut c = w.start();
        c.goto_stage(2, &w.catalog).unwrap();
        assert!(!c.prompts(&w.ctx()).is_empty());
        c.mark_not_receptive().unwrap();
        assert!(c.not_receptive);
        assert!(c.prompts(&w.ctx()).is_empty());
        c.goto_stage(4, &w.catalog).unwrap();
        assert!(c.prompts(&w.ctx()).is_empty());
        assert_eq!(
            c.offer(
                "card",
                Technique::Catch,
                "presentation",
                0,
                now(),
                &w.catalog
            ),
            Err(EngineError::NotReceptive)
        );
        // The meeting itself goes on: notes, the main outcome, finishing.
        c.add_note("спросил про ипотеку", None, now(), &w.catalog)
            .unwrap();
        c.set_main_outcome(Outcome::Accepted).unwrap();
        c.finish(now()).unwrap();
        assert!(c.prompts(&w.ctx()).is_empty());
    }

    // ── variants ──

    #[test]
    fn variants_rotate_per_officer_and_product() {
        let mut w = World::new();
        let mut c = w.start();
        c.goto_stage(2, &w.catalog).unwrap();
        let app = |c: &Consultation, w: &World| {
            c.prompts(&w.ctx())
                .into_iter()
                .find(|p| p.product == "app")
                .unwrap()
        };
        let p = app(&c, &w);
        assert_eq!((p.variant, p.variants.len()), (0, 3));
        assert_eq!(p.phrase, "Вариант A: Продукт app к Продукт deposit");
        w.rotation.insert(("app".into(), Technique::Catch), 4);
        let p = app(&c, &w);
        assert_eq!(p.variant, 1);
        assert_eq!(p.phrase, "Вариант B для Иванова");
        // Another technique's count does not move it.
        w.rotation.insert(("app".into(), Technique::Create), 1);
        assert_eq!(app(&c, &w).variant, 1);
        // `v`: the next variant, wrapping.
        c.next_variant("app", Technique::Catch).unwrap();
        let p = app(&c, &w);
        assert_eq!(p.variant, 2);
        assert_eq!(p.phrase, "Вариант C от Ольга");
        c.next_variant("app", Technique::Catch).unwrap();
        assert_eq!(app(&c, &w).variant, 0);
        c.next_variant("app", Technique::Catch).unwrap();
        let p = app(&c, &w);
        assert_eq!(p.variant, 1);
        assert_eq!(c.variant_bumps.len(), 1);
        // The variant shown is the one recorded.
        c.offer_prompt(&p, now(), &w.catalog).unwrap();
        let o = c.offer_of("app").unwrap();
        assert_eq!((o.variant, o.stage.as_str()), (1, "presentation"));
        assert_eq!(o.technique, Technique::Catch);
        // Extreme counts do not overflow.
        w.rotation
            .insert(("card".into(), Technique::Catch), u64::MAX);
        assert_eq!(c.variant_for("card", Technique::Catch, 3, &w.rotation), 0);
        assert_eq!(c.variant_for("card", Technique::Catch, 0, &w.rotation), 0);
        c.finish(now()).unwrap();
        assert_eq!(
            c.next_variant("app", Technique::Catch),
            Err(EngineError::Finished)
        );
    }

    #[test]
    fn create_openers_rotate_too() {
        let mut w = World::new();
        let mut c = w.start();
        c.goto_stage(4, &w.catalog).unwrap();
        w.rotation.insert(("npf".into(), Technique::Create), 3);
        let p = c.prompts(&w.ctx());
        assert_eq!(p[0].variant, 1);
        assert_eq!(p[0].phrase, "Как вы относитесь к npf?");
    }

    // ── offers ──

    #[test]
    fn offer_cap_is_enforced() {
        let w = World::new();
        let mut c = w.start();
        for p in ["card", "app", "saving"] {
            offer(&mut c, &w, p, Technique::Catch);
        }
        assert_eq!(c.room(&w.catalog.policy), 0);
        assert_eq!(
            c.offer("npf", Technique::Create, "closing", 0, now(), &w.catalog),
            Err(EngineError::OfferCap { max: 3 })
        );
        assert_eq!(c.offers.len(), 3);
    }

    #[test]
    fn offer_rejects_bad_requests() {
        let w = World::new();
        let mut c = w.start();
        offer(&mut c, &w, "card", Technique::Catch);
        let mut try_offer = |product: &str, stage: &str| {
            c.offer(product, Technique::Catch, stage, 0, now(), &w.catalog)
        };
        assert_eq!(
            try_offer("card", "presentation"),
            Err(EngineError::AlreadyOffered("card".into()))
        );
        assert_eq!(
            try_offer("deposit", "presentation"),
            Err(EngineError::MainProduct("deposit".into()))
        );
        assert_eq!(
            try_offer("ghost", "presentation"),
            Err(EngineError::UnknownProduct("ghost".into()))
        );
        assert_eq!(
            try_offer("app", "nowhere"),
            Err(EngineError::UnknownStage("nowhere".into()))
        );
        assert_eq!(c.offers.len(), 1);
        let o = &c.offers[0];
        assert_eq!(o.made_at, now());
        assert_eq!(o.outcome, None);
    }

    #[test]
    fn finish_twice_and_mutations_after_finish() {
        let w = World::new();
        let mut c = w.start();
        offer(&mut c, &w, "ins", Technique::Catch);
        c.finish(at(2025, 3, 10, 12)).unwrap();
        assert_eq!(c.finished_at, Some(at(2025, 3, 10, 12)));
        assert_eq!(c.finish(now()), Err(EngineError::Finished));
        let before = c.clone();
        let f = Err(EngineError::Finished);
        assert_eq!(
            c.offer(
                "card",
                Technique::Catch,
                "presentation",
                0,
                now(),
                &w.catalog
            ),
            f
        );
        assert_eq!(c.confirm_disclosure("ins", 0, &w.catalog), f);
        assert_eq!(
            c.set_outcome("ins", Outcome::Declined, now(), None, &w.catalog),
            f
        );
        assert_eq!(c.set_main_outcome(Outcome::Accepted), f);
        assert_eq!(c.add_note("текст", None, now(), &w.catalog), f);
        assert_eq!(c.mark_not_receptive(), f);
        assert_eq!(c, before, "nothing changed");
    }

    // ── outcomes and disclosures ──

    #[test]
    fn disclosure_gate_on_acceptance() {
        let w = World::new();
        let mut c = w.start();
        offer(&mut c, &w, "ins", Technique::Catch);
        let accept =
            |c: &mut Consultation| c.set_outcome("ins", Outcome::Accepted, now(), None, &w.catalog);
        assert_eq!(
            accept(&mut c),
            Err(EngineError::DisclosuresMissing {
                product: "ins".into(),
                missing: 3,
                total: 3
            })
        );
        c.confirm_disclosure("ins", 2, &w.catalog).unwrap();
        c.confirm_disclosure("ins", 0, &w.catalog).unwrap();
        c.confirm_disclosure("ins", 0, &w.catalog).unwrap(); // idempotent
        assert_eq!(c.missing_disclosures("ins", &w.catalog), [1]);
        assert_eq!(
            accept(&mut c),
            Err(EngineError::DisclosuresMissing {
                product: "ins".into(),
                missing: 1,
                total: 3
            })
        );
        assert_eq!(c.offer_of("ins").unwrap().outcome, None);
        assert_eq!(
            c.confirm_disclosure("ins", 3, &w.catalog),
            Err(EngineError::DisclosureOutOfRange {
                product: "ins".into(),
                index: 3,
                count: 3
            })
        );
        assert_eq!(
            c.confirm_disclosure("card", 0, &w.catalog),
            Err(EngineError::NoSuchOffer("card".into()))
        );
        c.confirm_disclosure("ins", 1, &w.catalog).unwrap();
        accept(&mut c).unwrap();
        let o = c.offer_of("ins").unwrap();
        assert_eq!(o.outcome, Some(Outcome::Accepted));
        assert_eq!(o.outcome_at, Some(now()));
        assert_eq!(
            o.disclosures_confirmed.iter().copied().collect::<Vec<_>>(),
            [0, 1, 2]
        );
        // Declining needs no confirmation; a product without disclosures accepts at once.
        offer(&mut c, &w, "card", Technique::Catch);
        c.set_outcome("card", Outcome::Accepted, now(), None, &w.catalog)
            .unwrap();
        assert_eq!(
            c.confirm_disclosure("card", 0, &w.catalog),
            Err(EngineError::DisclosureOutOfRange {
                product: "card".into(),
                index: 0,
                count: 0
            })
        );
    }

    #[test]
    fn outcome_for_an_offer_never_made() {
        let w = World::new();
        let mut c = w.start();
        assert_eq!(
            c.set_outcome("card", Outcome::Declined, now(), None, &w.catalog),
            Err(EngineError::NoSuchOffer("card".into()))
        );
    }

    #[test]
    fn thinking_gets_a_follow_up_and_can_change() {
        let w = World::new();
        let mut c = w.start();
        offer(&mut c, &w, "card", Technique::Catch);
        offer(&mut c, &w, "app", Technique::Catch);
        c.set_outcome("card", Outcome::Thinking, now(), None, &w.catalog)
            .unwrap();
        assert_eq!(
            c.offer_of("card").unwrap().follow_up,
            Some(day(2025, 3, 13))
        );
        c.set_outcome(
            "app",
            Outcome::Thinking,
            now(),
            Some(day(2025, 4, 1)),
            &w.catalog,
        )
        .unwrap();
        assert_eq!(c.offer_of("app").unwrap().follow_up, Some(day(2025, 4, 1)));
        let later = at(2025, 3, 10, 12);
        c.set_outcome("card", Outcome::Accepted, later, None, &w.catalog)
            .unwrap();
        let o = c.offer_of("card").unwrap();
        assert_eq!(o.outcome, Some(Outcome::Accepted));
        assert_eq!(o.outcome_at, Some(later));
        assert_eq!(o.follow_up, None);
    }

    #[test]
    fn main_outcome_is_independent_of_cross_sells() {
        let w = World::new();
        let mut c = w.start();
        assert_eq!(c.progress(&w.catalog.formula).main, MainStatus::Open);
        c.set_main_outcome(Outcome::Declined).unwrap();
        offer(&mut c, &w, "card", Technique::Catch);
        c.set_outcome("card", Outcome::Accepted, now(), None, &w.catalog)
            .unwrap();
        assert_eq!(c.main_outcome, Some(Outcome::Declined));
        assert_eq!(c.progress(&w.catalog.formula).main, MainStatus::Declined);
        c.set_main_outcome(Outcome::Thinking).unwrap();
        assert_eq!(c.progress(&w.catalog.formula).main, MainStatus::Thinking);
        c.set_main_outcome(Outcome::Accepted).unwrap();
        assert_eq!(c.progress(&w.catalog.formula).main, MainStatus::Sold);
    }

    #[test]
    fn notes_record_the_stage() {
        let w = World::new();
        let mut c = w.start();
        c.goto_stage(2, &w.catalog).unwrap();
        assert_eq!(
            c.add_note("   ", None, now(), &w.catalog),
            Err(EngineError::EmptyNote)
        );
        assert_eq!(
            c.add_note("x", Some("ghost"), now(), &w.catalog),
            Err(EngineError::UnknownProduct("ghost".into()))
        );
        c.add_note("  боится приложений  ", Some("app"), now(), &w.catalog)
            .unwrap();
        assert_eq!(
            c.notes,
            [Note {
                stage: "presentation".into(),
                product: Some("app".into()),
                text: "боится приложений".into(),
                at: now(),
            }]
        );
    }

    // ── the formula ──

    #[test]
    fn formula_progress_counts_offers_and_acceptances() {
        let w = World::new();
        let mut c = w.start();
        let formula = w.catalog.formula;
        let p = c.progress(&formula);
        assert_eq!(
            p,
            FormulaProgress {
                main: MainStatus::Open,
                catch_offered: 0,
                catch_accepted: 0,
                catch_target: 2,
                create_offered: 0,
                create_accepted: 0,
                create_target: 1,
            }
        );
        assert!(!p.met());
        offer(&mut c, &w, "card", Technique::Catch);
        offer(&mut c, &w, "app", Technique::Catch);
        c.set_outcome("card", Outcome::Accepted, now(), None, &w.catalog)
            .unwrap();
        c.set_outcome("app", Outcome::Declined, now(), None, &w.catalog)
            .unwrap();
        let p = c.progress(&formula);
        assert_eq!((p.catch_offered, p.catch_accepted), (2, 1));
        assert!(!p.met(), "create still missing");
        offer(&mut c, &w, "npf", Technique::Create);
        c.set_main_outcome(Outcome::Accepted).unwrap();
        let p = c.progress(&formula);
        assert_eq!((p.create_offered, p.create_accepted), (1, 0));
        assert_eq!(p.main, MainStatus::Sold);
        assert!(p.met(), "met counts offers, not acceptances");
        let lenient = Formula {
            catch: 1,
            create: 0,
        };
        assert!(FormulaProgress {
            create_offered: 0,
            ..c.progress(&lenient)
        }
        .met());
    }

    #[test]
    fn tallies_of_a_consultation() {
        let w = World::new();
        let mut c = w.start();
        c.set_main_outcome(Outcome::Accepted).unwrap();
        c.goto_stage(2, &w.catalog).unwrap();
        let prompts = c.prompts(&w.ctx());
        c.next_variant("app", Technique::Catch).unwrap();
        let app = c
            .prompts(&w.ctx())
            .into_iter()
            .find(|p| p.product == "app")
            .unwrap();
        c.offer_prompt(&app, now(), &w.catalog).unwrap();
        c.offer_prompt(&prompts[1], now(), &w.catalog).unwrap(); // card, variant 0
        c.set_outcome("app", Outcome::Accepted, now(), None, &w.catalog)
            .unwrap();
        c.set_outcome("card", Outcome::Thinking, now(), None, &w.catalog)
            .unwrap();
        c.goto_stage(4, &w.catalog).unwrap();
        let npf = c.prompts(&w.ctx()).remove(0);
        c.offer_prompt(&npf, now(), &w.catalog).unwrap();
        c.set_outcome("npf", Outcome::Declined, now(), None, &w.catalog)
            .unwrap();
        c.finish(now()).unwrap();

        let t = c.tallies();
        let key = |product: &str, kind: Kind, variant: u32| TallyKey {
            month: Month(202503),
            officer: "Ольга".into(),
            product: product.into(),
            kind,
            variant,
        };
        assert_eq!(t.len(), 5);
        let formula = t[&key("deposit", Kind::Formula, formula_bucket(2, 1))];
        assert_eq!(
            (formula.consultations, formula.offered, formula.accepted),
            (1, 3, 1)
        );
        let main = t[&key("deposit", Kind::Main, 0)];
        assert_eq!(
            (
                main.consultations,
                main.offered,
                main.accepted,
                main.main_sold
            ),
            (1, 1, 1, 1)
        );
        let app = t[&key("app", Kind::Catch, 1)];
        assert_eq!((app.offered, app.accepted), (1, 1));
        let card = t[&key("card", Kind::Catch, 0)];
        assert_eq!((card.offered, card.accepted, card.thinking), (1, 0, 1));
        let npf = t[&key("npf", Kind::Create, 0)];
        assert_eq!((npf.offered, npf.accepted, npf.declined), (1, 0, 1));
        let catch: u64 = t
            .iter()
            .filter(|(k, _)| k.kind == Kind::Catch)
            .map(|(_, v)| v.offered)
            .sum();
        assert_eq!(catch, 2);
    }

    // ── history ──

    #[test]
    fn history_after_a_consultation() {
        let w = World::new();
        let mut c = w.start();
        c.set_main_outcome(Outcome::Accepted).unwrap();
        offer(&mut c, &w, "card", Technique::Catch);
        offer(&mut c, &w, "app", Technique::Catch);
        offer(&mut c, &w, "saving", Technique::Catch);
        c.set_outcome("card", Outcome::Accepted, now(), None, &w.catalog)
            .unwrap();
        c.set_outcome(
            "app",
            Outcome::Declined,
            at(2025, 3, 10, 12),
            None,
            &w.catalog,
        )
        .unwrap();
        c.set_outcome("saving", Outcome::Thinking, now(), None, &w.catalog)
            .unwrap();
        c.finish(now()).unwrap();
        let mut before = ClientHistory::default();
        before.declined_on.insert("app".into(), day(2024, 1, 1));
        before.declined_on.insert("npf".into(), day(2030, 1, 1));
        let h = before.after(&c);
        assert_eq!(
            h.holdings.iter().cloned().collect::<Vec<_>>(),
            ["card", "deposit"]
        );
        assert_eq!(h.declined_on["app"], day(2025, 3, 10));
        assert_eq!(h.declined_on["npf"], day(2030, 1, 1), "latest kept");
        assert!(!h.declined_on.contains_key("saving"));

        // The next consultation sees the new history.
        let w2 = World {
            history: h,
            ..World::new()
        };
        let c2 = w2.start();
        assert_eq!(ids(&c2.catch_candidates(&w2.ctx())), ["saving", "ins"]);
    }

    // ── client validation ──

    fn form() -> NewClient {
        NewClient {
            last_name: "Салтыкова-Щедрина".into(),
            first_name: "Анна".into(),
            patronymic: "Петровна".into(),
            phone: "+7 (916) 123-45-67".into(),
            birth_date: "1985-06-01".into(),
            segment: "mass".into(),
        }
    }

    fn field_of(f: NewClient) -> (Field, &'static str) {
        let e = f.validate(today()).unwrap_err();
        (e.field, e.message)
    }

    #[test]
    fn a_good_client_is_normalised() {
        let v = NewClient {
            last_name: "  Д'Артаньян  ".into(),
            first_name: "Анна  Мария".into(),
            patronymic: "".into(),
            phone: "8 916 123-45-67".into(),
            birth_date: "01.06.1985".into(),
            segment: "  premium ".into(),
        }
        .validate(today())
        .unwrap();
        assert_eq!(v.last_name, "Д'Артаньян");
        assert_eq!(v.first_name, "Анна Мария");
        assert_eq!(v.patronymic, "");
        assert_eq!(v.phone, "79161234567");
        assert_eq!(v.birth_date, day(1985, 6, 1));
        assert_eq!(v.segment, "premium");
        let c = v.into_client(42);
        assert_eq!(c.id, 42);
        assert_eq!(c.polite(), "Анна Мария");
        let v = form().validate(today()).unwrap();
        assert_eq!(v.phone, "79161234567");
        assert_eq!(v.last_name, "Салтыкова-Щедрина");
    }

    #[test]
    fn client_names() {
        let f = |last: &str, first: &str, patronymic: &str| NewClient {
            last_name: last.into(),
            first_name: first.into(),
            patronymic: patronymic.into(),
            ..form()
        };
        assert_eq!(field_of(f("", "Анна", "")), (Field::LastName, "required"));
        assert_eq!(field_of(f("  ", "Анна", "")), (Field::LastName, "required"));
        assert_eq!(
            field_of(f("Иванова", "", "")),
            (Field::FirstName, "required")
        );
        assert_eq!(field_of(f("Иванова2", "Анна", "")).0, Field::LastName);
        assert_eq!(field_of(f("Иванова", "Ан.на", "")).0, Field::FirstName);
        assert_eq!(
            field_of(f("Иванова", "Анна", "Петр0вна")),
            (
                Field::Patronymic,
                "letters, hyphen, space or apostrophe only"
            )
        );
        assert_eq!(
            field_of(f("--", "Анна", "")),
            (Field::LastName, "must contain letters")
        );
        assert_eq!(
            field_of(f(&"я".repeat(61), "Анна", "")),
            (Field::LastName, "too long")
        );
        assert!(f("O'Brien", "Mary-Jane", "").validate(today()).is_ok());
    }

    #[test]
    fn client_phones() {
        let ok = |phone: &str| {
            NewClient {
                phone: phone.into(),
                ..form()
            }
            .validate(today())
            .map(|v| v.phone)
        };
        assert_eq!(ok("89161234567").unwrap(), "79161234567");
        assert_eq!(ok("+7 916 123 45 67").unwrap(), "79161234567");
        assert_eq!(ok("9161234567").unwrap(), "9161234567");
        assert_eq!(
            ok("+81312345678").unwrap(),
            "+81312345678",
            "+8… is foreign"
        );
        assert_eq!(ok("+375 (29) 123-45-67").unwrap(), "+375291234567");
        assert_eq!(ok("123456789012345").unwrap(), "123456789012345");
        let err = |phone: &str| ok(phone).unwrap_err();
        assert_eq!(err(""), field_error(Field::Phone, "required"));
        assert_eq!(err("+"), field_error(Field::Phone, "required"));
        assert_eq!(
            err("916 123 45 6"),
            field_error(Field::Phone, "must have 10 to 15 digits")
        );
        assert_eq!(err("1234567890123456").message, "must have 10 to 15 digits");
        assert_eq!(err("8916123456x").message, "digits only");
        assert_eq!(err("7+9161234567").message, "digits only");
        assert_eq!(err("++79161234567").message, "digits only");
        assert_eq!(err("8.916.123.45.67").message, "digits only");
    }

    #[test]
    fn client_birth_dates() {
        let check = |date: &str| {
            NewClient {
                birth_date: date.into(),
                ..form()
            }
            .validate(today())
            .map(|v| v.birth_date)
            .map_err(|e| {
                assert_eq!(e.field, Field::BirthDate);
                e.message
            })
        };
        assert_eq!(check("1985-06-01"), Ok(day(1985, 6, 1)));
        assert_eq!(check(" 01.06.1985 "), Ok(day(1985, 6, 1)));
        assert_eq!(check(""), Err("required"));
        assert_eq!(check("1985/06/01"), Err("use YYYY-MM-DD or DD.MM.YYYY"));
        assert_eq!(check("31.02.1985"), Err("no such date"));
        assert_eq!(check("1985-13-01"), Err("no such date"));
        assert_eq!(check("2025-03-11"), Err("in the future"));
        // 14 today is the youngest; 14 tomorrow is too young.
        assert_eq!(check("2011-03-10"), Ok(day(2011, 3, 10)));
        assert_eq!(check("2011-03-11"), Err("client must be at least 14"));
        // 120 is the oldest; 121 is implausible.
        assert_eq!(check("1904-03-11"), Ok(day(1904, 3, 11)));
        assert_eq!(check("1904-03-10"), Err("implausible: over 120 years"));
        assert_eq!(check("01.06.85"), Err("implausible: over 120 years"));
    }

    #[test]
    fn client_segment_and_all_problems() {
        let f = NewClient {
            segment: "x".repeat(41),
            ..form()
        };
        assert_eq!(field_of(f), (Field::Segment, "too long"));
        let f = NewClient {
            segment: "a\u{7}b".into(),
            ..form()
        };
        assert_eq!(field_of(f), (Field::Segment, "invalid characters"));
        assert!(NewClient {
            segment: String::new(),
            ..form()
        }
        .validate(today())
        .is_ok());
        let all = NewClient::default().problems(today());
        let fields: Vec<Field> = all.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::LastName,
                Field::FirstName,
                Field::Phone,
                Field::BirthDate
            ]
        );
        assert_eq!(all[0].to_string(), "last name: required");
        assert!(form().problems(today()).is_empty());
    }

    // ── the bundled catalogue ──

    #[test]
    fn bundled_catalogue_walkthrough() {
        let report = crate::catalog::load_sources(crate::catalog::bundled_sources());
        let catalog = report.catalog.expect("bundled catalogue loads");
        let person = client(day(1985, 6, 1));
        let history = ClientHistory::default();
        let (sold, rotation) = (BTreeMap::new(), BTreeMap::new());
        let ctx = Context {
            catalog: &catalog,
            client: &person,
            history: &history,
            today: today(),
            plan_sold: &sold,
            rotation: &rotation,
        };
        let mains: Vec<String> = catalog.main_products().map(|p| p.id.clone()).collect();
        assert!(mains.len() >= 3);
        for main in mains {
            let mut c =
                Consultation::start(9, now(), "Ольга", "Центральный", 7, &main, &catalog).unwrap();
            let stages = c.script(&catalog).unwrap().stages.len();
            let mut saw_catch = false;
            let mut saw_create = false;
            for i in 0..stages {
                c.goto_stage(i, &catalog).unwrap();
                for line in c.stage_lines(&catalog, &person) {
                    assert!(!line.contains('{'), "{main}: unfilled `{line}`");
                }
                for p in c.prompts(&ctx) {
                    assert!(!p.phrase.is_empty(), "{main}/{}: no phrase", p.product);
                    assert!(!p.phrase.contains('{'), "{main}: unfilled `{}`", p.phrase);
                    saw_catch |= p.technique == Technique::Catch;
                    saw_create |= p.origin == PromptOrigin::Plan;
                }
            }
            assert!(saw_catch, "{main}: no catch prompt");
            assert!(saw_create, "{main}: no create candidate");

            // Follow the formula: 2 catch at the presentation, 1 create at closing.
            let presentation = c
                .script(&catalog)
                .unwrap()
                .stages
                .iter()
                .position(is_catch_stage)
                .unwrap();
            c.goto_stage(presentation, &catalog).unwrap();
            for p in c
                .prompts(&ctx)
                .into_iter()
                .filter(|p| p.technique == Technique::Catch)
                .take(2)
            {
                c.offer_prompt(&p, now(), &catalog).unwrap();
            }
            let closing = c
                .script(&catalog)
                .unwrap()
                .stages
                .iter()
                .position(|s| s.create)
                .unwrap();
            c.goto_stage(closing, &catalog).unwrap();
            let create = c
                .prompts(&ctx)
                .into_iter()
                .find(|p| p.origin == PromptOrigin::Plan)
                .unwrap();
            c.offer_prompt(&create, now(), &catalog).unwrap();
            for i in 0..create.disclosures.len() {
                c.confirm_disclosure(&create.product, i as u32, &catalog)
                    .unwrap();
            }
            c.set_outcome(&create.product, Outcome::Accepted, now(), None, &catalog)
                .unwrap();
            c.set_main_outcome(Outcome::Accepted).unwrap();
            assert!(c.progress(&catalog.formula).met(), "{main}");
            assert!(c.prompts(&ctx).is_empty(), "{main}: cap reached");
            c.finish(now()).unwrap();
        }
    }

    #[test]
    fn consultation_survives_postcard() {
        let w = World::new();
        let mut c = w.start();
        c.next_variant("app", Technique::Catch).unwrap();
        offer(&mut c, &w, "ins", Technique::Catch);
        c.confirm_disclosure("ins", 1, &w.catalog).unwrap();
        let bytes = postcard::to_allocvec(&c).unwrap();
        let back: Consultation = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
    }
}
