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
    Client, ClientHistory, Consultation, FormulaSlot, Note, Offer, Outcome, Technique, VariantBump,
};
use crate::catalog::placeholder::{fill, Fill};
use crate::catalog::{Catalog, Formula, Policy, Product, Script, Stage};

mod candidates;
mod client_form;
mod prompts;
mod recording;
mod tier;

pub use client_form::*;

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
    #[error("`{product}` is not a {} of the main product", technique.as_str())]
    NotATier {
        product: String,
        technique: Technique,
    },
    #[error("the {} `{product}` cannot be offered now", technique.as_str())]
    TierClosed {
        product: String,
        technique: Technique,
    },
    #[error("`{0}` was accepted in place of the main product: change that answer first")]
    MainTaken(String),
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
    /// An upsell or downsell of the main product (`[[upsell]]`, `[[downsell]]`).
    Tier,
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
    /// Sold in its better version (an accepted upsell).
    Upgraded,
    /// Declined, and the fallback accepted instead (a downsell): the main slot is kept.
    Fallback,
    Declined,
    Thinking,
    Open,
}

/// The header: main ✓/✗, catch k/2, create k/1. Counted on offers made, by slot (see
/// [`Consultation::slot_of`]); accepted apart.
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
            main_check_in: None,
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
}

fn pick<T>(list: &[T], skip: u32) -> Option<usize> {
    if list.is_empty() {
        None
    } else {
        Some(usize::try_from(skip).unwrap_or(0) % list.len())
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_tier;
