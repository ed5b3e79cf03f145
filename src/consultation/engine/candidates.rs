//! The candidates: what may be offered (holdings, cooldown, eligibility, offers made), the
//! catch rows of the matrix, the create choice ranked by the signed remaining plan, and the
//! phrase variant shown.

use super::*;

impl Consultation {
    pub fn offer_of(&self, product: &str) -> Option<&Offer> {
        self.offers.iter().find(|o| o.product == product)
    }

    pub fn was_offered(&self, product: &str) -> bool {
        self.offer_of(product).is_some()
    }

    /// How many more extra offers the policy allows in this meeting (upsells and downsells
    /// are not extra offers).
    pub fn room(&self, policy: &Policy) -> usize {
        let made = self.offers.iter().filter(|o| o.is_extra()).count();
        usize::try_from(policy.max_extra_offers)
            .unwrap_or(usize::MAX)
            .saturating_sub(made)
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
}

fn remaining_plan(product: &Product, plan_sold: &BTreeMap<String, u64>) -> i64 {
    let target = i64::from(product.plan_per_month.unwrap_or(0));
    let sold = plan_sold
        .get(&product.id)
        .map_or(0, |&n| i64::try_from(n).unwrap_or(i64::MAX));
    target.saturating_sub(sold)
}
