//! Upsell and downsell: the main product in a better version, or a fallback once it is
//! declined (DESIGN §4), and the formula slot of every offer.
//!
//! - **Upsell prompts** (`[[upsell]]` rows of the main product) show on the stage a script's
//!   upsell moment for that product is attached to, else on every catch stage (the
//!   presentation), while the main product is not declined and no upsell was accepted.
//!   Accepting one records the main product as sold; the offer keeps the better product, so
//!   the record has both ids.
//! - **Downsell prompts** (`[[downsell]]` rows) show on every stage from the moment the main
//!   product is declined, until a fallback is accepted. Accepting one leaves the main product
//!   declined and the fallback sold: the formula's main slot is kept.
//! - Both are counted apart from the catch and create offers and never against
//!   `max_extra_offers`. "Not receptive" hides the upsell (a client closed to offers is not
//!   sold a dearer version either) but not the downsell: that one saves what the client came
//!   for.
//! - An answer that would contradict them is refused instead of silently changing another
//!   one: the main product cannot be declined while its better version is accepted, nor
//!   accepted while a fallback is.

use super::prompts::Draft;
use super::*;
use crate::catalog::Tier;

impl Consultation {
    /// The formula slot an offer of `product` opened with `technique` fills: the main slot for
    /// an upsell or downsell, *catch* for a product linked to the main one, else *create*.
    pub fn slot_of(&self, product: &str, technique: Technique, catalog: &Catalog) -> FormulaSlot {
        if technique.is_tier() {
            FormulaSlot::Main
        } else if catalog.is_linked(&self.main, product) {
            FormulaSlot::Catch
        } else {
            FormulaSlot::Create
        }
    }

    /// The accepted upsell or downsell, if any: the main product was sold in its better
    /// version, or the fallback instead of it.
    pub fn main_sold_as(&self) -> Option<&Offer> {
        self.offers
            .iter()
            .find(|o| o.technique.is_tier() && o.outcome == Some(Outcome::Accepted))
    }

    /// The main product was sold in its better version (an accepted upsell): the client
    /// holds that one, not the main product.
    pub fn sold_upgraded(&self) -> bool {
        self.main_sold_as()
            .is_some_and(|o| o.technique == Technique::Upsell)
    }

    /// The main product as the script's `{main.…}` should describe it now: once sold in its
    /// better version, that version — its name, and its params over the main product's (the
    /// ones it does not set stay the main product's) — so the closing lines quote the terms
    /// the client actually took.
    pub fn main_as_sold<'c>(&self, catalog: &'c Catalog) -> Option<std::borrow::Cow<'c, Product>> {
        let main = catalog.product(&self.main)?;
        let better = self
            .main_sold_as()
            .filter(|o| o.technique == Technique::Upsell)
            .and_then(|o| catalog.product(&o.product));
        Some(match better {
            None => std::borrow::Cow::Borrowed(main),
            Some(b) => {
                let mut p = b.clone();
                for (k, v) in &main.params {
                    p.params.entry(k.clone()).or_insert_with(|| v.clone());
                }
                std::borrow::Cow::Owned(p)
            }
        })
    }

    /// Checks an upsell or downsell offer of `product` may be made now.
    pub(super) fn check_tier_offer(
        &self,
        product: &str,
        technique: Technique,
        catalog: &Catalog,
    ) -> Result<(), EngineError> {
        let (known, open) = match technique {
            Technique::Upsell => (
                catalog.upsell(&self.main, product).is_some(),
                self.main_outcome != Some(Outcome::Declined),
            ),
            _ => (
                catalog.downsell(&self.main, product).is_some(),
                self.main_outcome == Some(Outcome::Declined),
            ),
        };
        if !known {
            return Err(EngineError::NotATier {
                product: product.to_string(),
                technique,
            });
        }
        if !open || self.main_sold_as().is_some() {
            return Err(EngineError::TierClosed {
                product: product.to_string(),
                technique,
            });
        }
        Ok(())
    }

    /// Refuses an answer to a tier offer or to the main product that would contradict an
    /// accepted upsell or downsell.
    pub(super) fn check_tier_outcome(
        &self,
        product: Option<&str>,
        outcome: Outcome,
    ) -> Result<(), EngineError> {
        let accepted = self.main_sold_as();
        match product {
            // An answer to the main product.
            None => match accepted {
                Some(o) if o.technique == Technique::Upsell && outcome != Outcome::Accepted => {
                    Err(EngineError::MainTaken(o.product.clone()))
                }
                Some(o) if o.technique == Technique::Downsell && outcome == Outcome::Accepted => {
                    Err(EngineError::MainTaken(o.product.clone()))
                }
                _ => Ok(()),
            },
            // Accepting a second tier offer while another one is accepted.
            Some(p) => match accepted {
                Some(o) if o.product != p && outcome == Outcome::Accepted => {
                    Err(EngineError::MainTaken(o.product.clone()))
                }
                _ => Ok(()),
            },
        }
    }

    /// The upsell and downsell prompts of the current stage, upsells and downsells apart.
    pub(super) fn tier_prompts(&self, ctx: &Context<'_>) -> (Vec<Prompt>, Vec<Prompt>) {
        let (mut upsells, mut downsells) = (Vec::new(), Vec::new());
        if self.is_finished() || self.main_sold_as().is_some() {
            return (upsells, downsells);
        }
        let (Some(stage), Some(main)) = (
            self.current_stage(ctx.catalog),
            ctx.catalog.product(&self.main),
        ) else {
            return (upsells, downsells);
        };
        let catalog = ctx.catalog;
        if self.main_outcome == Some(Outcome::Declined) {
            for row in catalog.downsells_of(&self.main) {
                if let Some(p) = self.tier_prompt(ctx, main, Tier::Downsell, &row.fallback) {
                    downsells.push(p);
                }
            }
        } else if !self.not_receptive {
            for row in catalog.upsells_of(&self.main) {
                let attached = catalog
                    .tier_moments
                    .iter()
                    .filter(|m| m.main == self.main && m.tier == Tier::Upsell)
                    .filter(|m| m.product == row.better)
                    .map(|m| m.stage.as_str())
                    .collect::<Vec<_>>();
                let here = if attached.is_empty() {
                    is_catch_stage(stage)
                } else {
                    attached.contains(&stage.id.as_str())
                };
                if !here {
                    continue;
                }
                if let Some(p) = self.tier_prompt(ctx, main, Tier::Upsell, &row.better) {
                    upsells.push(p);
                }
            }
        }
        (upsells, downsells)
    }

    fn tier_prompt(
        &self,
        ctx: &Context<'_>,
        main: &Product,
        tier: Tier,
        product_id: &str,
    ) -> Option<Prompt> {
        if !self.admissible(product_id, ctx) {
            return None;
        }
        let product = ctx.catalog.product(product_id)?;
        let phrases = match tier {
            Tier::Upsell => ctx.catalog.upsell_phrases(&self.main, product_id),
            Tier::Downsell => ctx.catalog.downsell_phrases(&self.main, product_id),
        };
        let (cue, variants) = phrases.unwrap_or((None, &[]));
        let why = match tier {
            Tier::Upsell => ctx.catalog.upsell(&self.main, product_id).map(|u| &u.why),
            Tier::Downsell => ctx.catalog.downsell(&self.main, product_id).map(|d| &d.why),
        };
        let mut prompt = self.build(
            ctx,
            main,
            Draft {
                product,
                technique: tier.into(),
                origin: PromptOrigin::Tier,
                cue,
                variants,
                plan: None,
            },
        );
        prompt.why = why.cloned();
        Some(prompt)
    }
}
