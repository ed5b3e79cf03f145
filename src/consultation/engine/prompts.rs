//! The prompts of the current stage (its moments, the catch candidates, the create
//! candidate, under the offer cap), the stage's lines and the objections, filled.

use super::*;

/// What a prompt is built from.
pub(super) struct Draft<'a> {
    pub product: &'a Product,
    pub technique: Technique,
    pub origin: PromptOrigin,
    pub cue: Option<&'a str>,
    pub variants: &'a [String],
    pub plan: Option<PlanChoice>,
}

impl Consultation {
    /// What to propose on the current stage, in display order (`1`–`9` pick from it): the
    /// downsells (once the main product is declined), the stage's moments, the upsells, the
    /// catch candidates, the create candidate. The extra offers are capped by
    /// `max_extra_offers`; upsells and downsells are not (see [`tier`](super::tier)).
    pub fn prompts(&self, ctx: &Context<'_>) -> Vec<Prompt> {
        let (upsells, mut out) = self.tier_prompts(ctx);
        let extras = self.extra_prompts(ctx);
        let moments = extras
            .iter()
            .take_while(|p| p.origin == PromptOrigin::Moment)
            .count();
        let mut extras = extras.into_iter();
        out.extend(extras.by_ref().take(moments));
        out.extend(upsells);
        out.extend(extras);
        out
    }

    /// The extra offers proposed on the current stage, under the cap.
    fn extra_prompts(&self, ctx: &Context<'_>) -> Vec<Prompt> {
        let room = self.room(&ctx.catalog.policy);
        if self.is_finished() || self.not_receptive || room == 0 {
            return Vec::new();
        }
        let (Some(stage), Some(main)) = (
            self.current_stage(ctx.catalog),
            self.main_as_sold(ctx.catalog),
        ) else {
            return Vec::new();
        };
        let main = main.as_ref();
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
                    // A script's upsell and downsell moments are tier moments, never here.
                    Technique::Create | Technique::Upsell | Technique::Downsell => {
                        (moment.cue.as_deref(), create_lines(product))
                    }
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

        self.keep_for_the_formula(&mut out, room, ctx);
        out
    }

    /// Keeps the offers the formula still needs possible. A prompt for a slot already full
    /// (a third catch) is shown only while the offers left under the cap exceed what the
    /// open slots still need, where a candidate is there to fill them: taking it would
    /// otherwise lose the create moment. Then `out` is cut to `room`, those the formula asks
    /// for first. The display order is kept.
    fn keep_for_the_formula(&self, out: &mut Vec<Prompt>, room: usize, ctx: &Context<'_>) {
        if out.is_empty() {
            return;
        }
        let catalog = ctx.catalog;
        let progress = self.progress(&catalog.formula);
        let reach = self.reach(ctx);
        let open = |target: u32, offered: u32, uncapped: u32| {
            usize::try_from(
                target
                    .saturating_sub(offered)
                    .min(uncapped.saturating_sub(offered)),
            )
            .unwrap_or(usize::MAX)
        };
        let mut need_catch = open(
            progress.catch_target,
            progress.catch_offered,
            reach.catch_uncapped,
        );
        let mut need_create = open(
            progress.create_target,
            progress.create_offered,
            reach.create_uncapped,
        );
        let mut spare = room.saturating_sub(need_catch + need_create);
        let mut left = room;
        let mut keep = vec![false; out.len()];
        // First the prompts the open slots need, in order.
        for (i, p) in out.iter().enumerate() {
            let need = match self.slot_of(&p.product, p.technique, catalog) {
                FormulaSlot::Catch => &mut need_catch,
                FormulaSlot::Create => &mut need_create,
                FormulaSlot::Main => continue,
            };
            if left > 0 && *need > 0 {
                *need -= 1;
                keep[i] = true;
                left -= 1;
            }
        }
        // Then the others, in the room the open slots leave: more candidates of an open
        // slot to choose from, or a product beyond the formula.
        for (i, p) in out.iter().enumerate() {
            if keep[i] || left == 0 {
                continue;
            }
            let full = match self.slot_of(&p.product, p.technique, catalog) {
                FormulaSlot::Catch => progress.catch_offered >= progress.catch_target,
                FormulaSlot::Create => progress.create_offered >= progress.create_target,
                FormulaSlot::Main => false,
            };
            if full {
                if spare == 0 {
                    continue;
                }
                spare -= 1;
            }
            keep[i] = true;
            left -= 1;
        }
        let mut kept = keep.into_iter();
        out.retain(|_| kept.next().unwrap_or(false));
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

    pub(super) fn build(&self, ctx: &Context<'_>, main: &Product, d: Draft<'_>) -> Prompt {
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
    /// Once the main product is sold in its better version, `{main.…}` describe that one
    /// (see [`Consultation::main_as_sold`]).
    pub fn stage_lines(&self, catalog: &Catalog, client: &Client) -> Vec<String> {
        let (Some(stage), Some(main)) = (self.current_stage(catalog), self.main_as_sold(catalog))
        else {
            return Vec::new();
        };
        let main = main.as_ref();
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
        // Once sold in its better version, the main product's objections quote that one.
        let (Ok(script), Some(main), Some(p)) = (
            self.script(catalog),
            self.main_as_sold(catalog),
            catalog.product(product),
        ) else {
            return Vec::new();
        };
        let main = main.as_ref();
        let p = if product == self.main { main } else { p };
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
}

/// Create-the-moment lines of a plan product: its openers, else its pitch.
fn create_lines(product: &Product) -> &[String] {
    if product.create.is_empty() {
        &product.pitch
    } else {
        &product.create
    }
}
