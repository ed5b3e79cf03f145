//! One meeting played through the engine, and how clients answer.

use super::*;
use crate::consultation::FormulaSlot;
/// What the generator remembers of a client between meetings (product indices).
#[derive(Default, Clone)]
pub(super) struct Memory {
    pub(super) holds: Vec<u16>,
    pub(super) declined: Vec<(u16, NaiveDate)>,
}

impl Memory {
    pub(super) fn history(&self, products: &[String]) -> ClientHistory {
        ClientHistory {
            holdings: self
                .holds
                .iter()
                .map(|&i| products[usize::from(i)].clone())
                .collect(),
            declined_on: self
                .declined
                .iter()
                .map(|&(i, d)| (products[usize::from(i)].clone(), d))
                .collect(),
        }
    }

    pub(super) fn hold(&mut self, p: u16) {
        if !self.holds.contains(&p) {
            self.holds.push(p);
        }
    }

    pub(super) fn decline(&mut self, p: u16, day: NaiveDate) {
        match self.declined.iter_mut().find(|(q, _)| *q == p) {
            Some((_, d)) => *d = (*d).max(day),
            None => self.declined.push((p, day)),
        }
    }

    /// Takes a stored consultation in, as the store's `history` will see it next time:
    /// holdings only from finished ones, declines from all.
    pub(super) fn record(&mut self, c: &Consultation, index_of: &dyn Fn(&str) -> Option<u16>) {
        let finished = c.finished_at.is_some();
        let main_day = c.finished_at.unwrap_or(c.started_at).date();
        // Sold in its better version, the client holds that one (its offer), as the store.
        let upgraded = c.sold_upgraded();
        let main = c
            .main_outcome
            .filter(|_| !upgraded)
            .map(|o| (c.main.as_str(), o, main_day));
        let extras = c.offers.iter().filter_map(|o| {
            o.outcome.map(|outcome| {
                (
                    o.product.as_str(),
                    outcome,
                    o.outcome_at.unwrap_or(o.made_at).date(),
                )
            })
        });
        for (product, outcome, day) in main.into_iter().chain(extras) {
            let Some(p) = index_of(product) else { continue };
            match outcome {
                Outcome::Accepted if finished => self.hold(p),
                Outcome::Declined => self.decline(p, day),
                _ => {}
            }
        }
    }
}

// ───────────────────────────── behaviour ─────────────────────────────

/// How much better or worse each phrase variant converts, by its index: the second variant
/// is the clearly better one, so `stats --by variant` has something to show.
pub(super) const VARIANT_EFFECT: &[f64] = &[1.0, 1.45, 0.8, 1.15, 0.9, 1.05];

pub(super) fn variant_effect(variant: u32) -> f64 {
    VARIANT_EFFECT[variant as usize % VARIANT_EFFECT.len()]
}

/// A product's own appeal, stable across runs and catalogue order: 0.7 ..= 1.3.
pub(super) fn product_appeal(id: &str) -> f64 {
    0.7 + (hash_str(id) % 601) as f64 / 1000.0
}

pub(super) struct Plan<'a> {
    pub(super) catalog: &'a Catalog,
    /// The trainer's phrase edit halfway through the history: consultations from then on
    /// run on this version.
    pub(super) edit: Option<(NaiveDateTime, &'a Catalog)>,
    pub(super) products: Vec<String>,
    pub(super) mains: Vec<(&'a str, u64)>,
    pub(super) main_weight: u64,
    pub(super) born_from: NaiveDate,
    pub(super) born_span: u64,
}

impl<'a> Plan<'a> {
    /// The catalogue in force at `at`.
    pub(super) fn catalog_at(&self, at: NaiveDateTime) -> &'a Catalog {
        match self.edit {
            Some((from, edited)) if at >= from => edited,
            _ => self.catalog,
        }
    }

    pub(super) fn index_of(&self, id: &str) -> Option<u16> {
        self.products
            .iter()
            .position(|p| p == id)
            .and_then(|i| u16::try_from(i).ok())
    }

    pub(super) fn pick_main(&self, rng: &mut Rng) -> &str {
        let mut x = rng.below(self.main_weight);
        for (id, w) in &self.mains {
            if x < *w {
                return id;
            }
            x -= w;
        }
        self.mains[0].0
    }
}

/// Minutes as a duration.
pub(super) fn minutes(n: u64) -> TimeDelta {
    TimeDelta::minutes(i64::try_from(n).unwrap_or(0))
}

/// Plays one meeting through the engine. `stop_at` leaves it unfinished on that stage.
#[allow(clippy::too_many_arguments)]
pub(super) fn meeting(
    plan: &Plan<'_>,
    rng: &mut Rng,
    staff: &Staff,
    client: &Client,
    history: &ClientHistory,
    openness: f64,
    started_at: NaiveDateTime,
    stop_at: Option<usize>,
) -> Result<Consultation, DemoError> {
    let catalog = plan.catalog_at(started_at);
    let main = plan.pick_main(rng);
    let mut c = Consultation::start(
        0,
        started_at,
        &staff.name,
        &staff.branch,
        client.id,
        main,
        catalog,
    )?;
    let ctx = Context {
        catalog,
        client,
        history,
        today: started_at.date(),
        plan_sold: &staff.plan_sold,
        rotation: &staff.rotation,
    };
    let stages = c.script(catalog)?.stages.len();
    let mut clock = started_at;
    let closed_off = rng.chance(0.04);
    let note_on = rng.chance(0.07).then(|| rng.index(stages));
    let mut considered: Vec<String> = Vec::new();
    for stage in 0..stages {
        if stop_at == Some(stage) {
            c.goto_stage(stage, catalog)?;
            return Ok(c);
        }
        c.goto_stage(stage, catalog)?;
        clock += minutes(rng.between(1, 5));
        let last = stage + 1 == stages;
        if last && c.main_outcome.is_none() {
            let r = rng.unit();
            // A presentation woven with the client's needs sells the main product more often.
            let sold = if staff.follows { 0.84 } else { 0.72 };
            let outcome = if r < sold {
                Outcome::Accepted
            } else if r < 0.82 {
                Outcome::Thinking
            } else {
                Outcome::Declined
            };
            c.set_main_outcome(outcome)?;
            if outcome == Outcome::Thinking {
                let main = c.main.clone();
                let day = clock.date().checked_add_days(Days::new(rng.between(1, 7)));
                c.set_call_back(&main, day)?;
            }
        }
        if note_on == Some(stage) {
            let about = c.offers.last().map(|o| o.product.clone());
            let note = NOTES[rng.index(NOTES.len())];
            c.add_note(note, about.as_deref(), clock, catalog)?;
        }
        if c.not_receptive {
            continue;
        }
        let prompts = c.prompts(&ctx);
        if closed_off && !prompts.is_empty() {
            c.mark_not_receptive()?;
            continue;
        }
        // Now and then the officer looks at the next create candidate (`c`).
        if prompts
            .iter()
            .any(|p| p.plan.is_some_and(|pl| pl.count > 1))
            && rng.chance(0.08)
        {
            c.cycle_create()?;
        }
        considered.clear();
        loop {
            // The slots as the engine counts them (`Consultation::progress`).
            let progress = c.progress(&catalog.formula);
            let slot_of = |p: &Prompt| c.slot_of(&p.product, p.technique, catalog);
            let slot_open = |p: &Prompt| match slot_of(p) {
                FormulaSlot::Catch => progress.catch_offered < progress.catch_target,
                FormulaSlot::Create => progress.create_offered < progress.create_target,
                FormulaSlot::Main => true,
            };
            let mut prompts: Vec<Prompt> = c
                .prompts(&ctx)
                .into_iter()
                .filter(|p| !considered.contains(&p.product))
                .collect();
            // Who keeps the formula fills its slots and no more: the main product's upsell or
            // downsell first, then the catch offers, and the last extra offer is kept for the
            // create moment.
            if staff.follows {
                prompts.retain(slot_open);
                prompts.sort_by_key(|p| slot_of(p));
            }
            let Some(prompt) = prompts.into_iter().next() else {
                break;
            };
            considered.push(prompt.product.clone());
            let p = match (prompt.technique, staff.follows) {
                (Technique::Catch, _) => staff.catch_p,
                (Technique::Create, _) => staff.create_p,
                (Technique::Upsell, true) => 0.6,
                (Technique::Upsell, false) => 0.3,
                (Technique::Downsell, true) => 0.8,
                (Technique::Downsell, false) => 0.45,
            };
            if !rng.chance(p) {
                continue;
            }
            let prompt = if prompt.variants.len() > 1 && rng.chance(0.05) {
                // The officer prefers another wording (`v`); the engine moves the variant.
                c.next_variant(&prompt.product, prompt.technique)?;
                match c
                    .prompts(&ctx)
                    .into_iter()
                    .find(|q| q.product == prompt.product)
                {
                    Some(q) => q,
                    None => prompt,
                }
            } else {
                prompt
            };
            clock += minutes(rng.between(1, 3));
            c.offer_prompt(&prompt, clock, catalog)?;
            decide(&mut c, &prompt, plan, rng, staff, openness, &mut clock)?;
            if c.not_receptive {
                break;
            }
        }
    }
    clock += minutes(rng.between(1, 4));
    c.finish_meeting(clock, catalog, client)?;
    Ok(c)
}

/// The client's answer to an offer just made, with the disclosures said before it.
pub(super) fn decide(
    c: &mut Consultation,
    prompt: &Prompt,
    plan: &Plan<'_>,
    rng: &mut Rng,
    staff: &Staff,
    openness: f64,
    clock: &mut NaiveDateTime,
) -> Result<(), DemoError> {
    let catalog = plan.catalog;
    let base = match prompt.technique {
        Technique::Catch => 0.40,
        Technique::Create => 0.22,
        // A quarter dearer than planned: a minority takes it.
        Technique::Upsell => 0.28,
        // A client who just said no to the main product is wary of the next offer too.
        Technique::Downsell => 0.33,
    };
    let guarded = !prompt.disclosures.is_empty();
    let guard = match (guarded, staff.pushy) {
        (false, _) => 1.0,
        // Pressed hard, a client says yes to insurance they do not want, and cancels it.
        (true, true) => 1.6,
        (true, false) => 0.85,
    };
    let accept = (base
        * product_appeal(&prompt.product)
        * variant_effect(prompt.variant)
        * staff.skill
        * openness
        * guard)
        .min(0.92);
    let r = rng.unit();
    let outcome = if r < accept {
        Outcome::Accepted
    } else if r < accept + 0.12 {
        Outcome::Thinking
    } else {
        Outcome::Declined
    };
    // Disclosures are all said before an accept (the engine refuses it otherwise); before
    // other answers the officer may have said some of them.
    let lines = prompt.disclosures.len() as u32;
    let said = match outcome {
        Outcome::Accepted => lines,
        _ if rng.chance(0.5) => lines,
        _ => rng.below(u64::from(lines) + 1) as u32,
    };
    for i in 0..said {
        c.confirm_disclosure(&prompt.product, i, catalog)?;
    }
    *clock += minutes(rng.between(1, 4));
    let follow_up = (outcome == Outcome::Thinking)
        .then(|| clock.date().checked_add_days(Days::new(rng.between(1, 7))))
        .flatten();
    c.set_outcome(&prompt.product, outcome, *clock, follow_up, catalog)?;
    // Who keeps the formula answers the objection instead of giving up on the client.
    let gives_up = if staff.follows { 0.05 } else { 0.12 };
    if outcome == Outcome::Declined && rng.chance(gives_up * (1.3 - openness.min(1.3))) {
        c.mark_not_receptive()?;
    }
    Ok(())
}
