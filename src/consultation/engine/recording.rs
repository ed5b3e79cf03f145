//! Recording: offers, disclosures, outcomes, notes, the not-receptive mark, the finish,
//! the formula progress, and a finished consultation taken into the client's history.

use super::*;

impl Consultation {
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
        if technique.is_tier() {
            self.check_tier_offer(product, technique, catalog)?;
        } else {
            if self.not_receptive {
                return Err(EngineError::NotReceptive);
            }
            if self.room(&catalog.policy) == 0 {
                return Err(EngineError::OfferCap {
                    max: catalog.policy.max_extra_offers,
                });
            }
        }
        if !self.script(catalog)?.stages.iter().any(|s| s.id == stage) {
            return Err(EngineError::UnknownStage(stage.to_string()));
        }
        let slot = self.slot_of(product, technique, catalog);
        self.offers.push(Offer {
            product: product.to_string(),
            technique,
            slot: Some(slot),
            stage: stage.to_string(),
            variant,
            made_at: at,
            outcome: None,
            outcome_at: None,
            disclosures_confirmed: Default::default(),
            follow_up: None,
            check_in: None,
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
    /// other outcomes clear it. An accepted upsell sells the main product (in its better
    /// version); a second upsell or downsell cannot be accepted beside one.
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
        let tier = self
            .offer_of(product)
            .map(|o| o.technique)
            .filter(|t| t.is_tier());
        if tier.is_some() {
            self.check_tier_outcome(Some(product), outcome)?;
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
        if outcome != Outcome::Accepted {
            offer.check_in = None;
        }
        if tier == Some(Technique::Upsell) && outcome == Outcome::Accepted {
            self.main_outcome = Some(Outcome::Accepted);
        }
        Ok(())
    }

    /// The main product's own result. Refused when it contradicts an accepted upsell (the
    /// main product is sold in its better version) or downsell (the fallback was taken
    /// instead).
    pub fn set_main_outcome(&mut self, outcome: Outcome) -> Result<(), EngineError> {
        self.ensure_open()?;
        self.check_tier_outcome(None, outcome)?;
        self.main_outcome = Some(outcome);
        if outcome != Outcome::Accepted {
            self.main_check_in = None;
        }
        Ok(())
    }

    /// Puts the check-in calls after the sales on the calendar (DESIGN §4): each product
    /// sold whose `follow_up_days` is set gets a call that many days after its acceptance
    /// (moved to the Monday when that falls on a weekend) — only for a client who consented
    /// to calls; otherwise none. The main product sold in its better version is called about
    /// that one. Called when the consultation finishes.
    pub fn schedule_check_ins(&mut self, catalog: &Catalog, client: &Client) {
        let day = |product: &str, at: NaiveDateTime| {
            let days = catalog.follow_up_days(product)?;
            at.date()
                .checked_add_days(Days::new(u64::from(days)))
                .map(crate::consultation::working_day_from)
        };
        let consent = client.calls_consent;
        let upgraded = self.sold_upgraded();
        let main_at = self.finished_at.unwrap_or(self.started_at);
        self.main_check_in = (consent && !upgraded && self.main_outcome == Some(Outcome::Accepted))
            .then(|| day(&self.main, main_at))
            .flatten();
        for o in &mut self.offers {
            o.check_in = (consent && o.outcome == Some(Outcome::Accepted))
                .then(|| day(&o.product, o.outcome_at.unwrap_or(o.made_at)))
                .flatten();
        }
    }

    /// Finishes the consultation with its check-in calls scheduled (what the screen does).
    pub fn finish_meeting(
        &mut self,
        at: NaiveDateTime,
        catalog: &Catalog,
        client: &Client,
    ) -> Result<(), EngineError> {
        self.finish(at)?;
        self.schedule_check_ins(catalog, client);
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
        let count = |slot: FormulaSlot, accepted: bool| {
            let n = self
                .offers
                .iter()
                .filter(|o| o.counts_as() == slot)
                .filter(|o| !accepted || o.outcome == Some(Outcome::Accepted))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        FormulaProgress {
            main: match (self.main_outcome, self.main_sold_as().map(|o| o.technique)) {
                (Some(Outcome::Accepted), Some(Technique::Upsell)) => MainStatus::Upgraded,
                (Some(Outcome::Declined), Some(Technique::Downsell)) => MainStatus::Fallback,
                (Some(Outcome::Accepted), _) => MainStatus::Sold,
                (Some(Outcome::Declined), _) => MainStatus::Declined,
                (Some(Outcome::Thinking), _) => MainStatus::Thinking,
                (None, _) => MainStatus::Open,
            },
            catch_offered: count(FormulaSlot::Catch, false),
            catch_accepted: count(FormulaSlot::Catch, true),
            catch_target: formula.catch,
            create_offered: count(FormulaSlot::Create, false),
            create_accepted: count(FormulaSlot::Create, true),
            create_target: formula.create,
        }
    }
}

impl ClientHistory {
    /// Takes a consultation's results in: accepted products (and an accepted main product)
    /// become held; a decline is dated by its outcome time (the main product's by the finish,
    /// else the start) and the latest decline of each product is kept. `thinking` changes
    /// nothing. The store applies it when a consultation is finished.
    pub fn record(&mut self, c: &Consultation) {
        let main_day = c.finished_at.unwrap_or(c.started_at).date();
        // Sold in its better version, the client holds that one (its offer, below).
        let upgraded = c.sold_upgraded();
        let main = c
            .main_outcome
            .filter(|_| !upgraded)
            .map(|o| (c.main.as_str(), o, main_day));
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
