//! Whether the formula can still be met for this client (issue 12, point 8): when the client
//! holds, declined or is not eligible for the candidates, fewer offers are possible than the
//! formula asks, and the header says so instead of showing an unreachable 0/2.
//!
//! Pure, like the engine: the same [`Context`] the prompts are computed from.

use std::collections::BTreeSet;

use super::engine::{is_catch_stage, Context, FormulaProgress};
use super::model::{Consultation, FormulaSlot};

/// How many offers of each technique this meeting can come to: those made plus the products
/// still possible (on any stage of the script, within `max_extra_offers`). Each figure is an
/// upper bound on its own; the cap is shared between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub catch: u32,
    pub create: u32,
    /// The same without `max_extra_offers`: above the figure when the cap, not the lack of
    /// candidates, is what holds the slot back.
    pub catch_uncapped: u32,
    pub create_uncapped: u32,
}

/// One slot of the formula as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub offered: u32,
    pub accepted: u32,
    /// What the formula asks.
    pub target: u32,
    /// What can be reached: below `target` when there are not enough candidates.
    pub reachable: u32,
    /// Short because the meeting has used its extra offers (`max_extra_offers`), while
    /// candidates are left.
    pub capped: bool,
}

impl Slot {
    /// Fewer candidates than the formula asks.
    pub fn short(&self) -> bool {
        self.reachable < self.target
    }

    /// As many offers as the formula asks, or as are possible.
    pub fn done(&self) -> bool {
        self.offered >= self.target.min(self.reachable)
    }
}

impl FormulaProgress {
    /// The catch and create slots, each capped by `reach`.
    pub fn slots(&self, reach: Reach) -> (Slot, Slot) {
        let slot = |offered: u32, accepted: u32, target: u32, reach: u32, uncapped: u32| {
            let reachable = reach.max(offered);
            Slot {
                offered,
                accepted,
                target,
                reachable,
                // Only a slot the cap leaves short is held back by it.
                capped: reachable < target && uncapped > reachable,
            }
        };
        (
            slot(
                self.catch_offered,
                self.catch_accepted,
                self.catch_target,
                reach.catch,
                reach.catch_uncapped,
            ),
            slot(
                self.create_offered,
                self.create_accepted,
                self.create_target,
                reach.create,
                reach.create_uncapped,
            ),
        )
    }
}

impl Consultation {
    /// What this meeting can still come to, technique by technique (see [`Reach`]).
    pub fn reach(&self, ctx: &Context<'_>) -> Reach {
        let made = |slot: FormulaSlot| self.offers.iter().filter(|o| o.counts_as() == slot).count();
        let mut catch: BTreeSet<&str> = BTreeSet::new();
        let mut create: BTreeSet<&str> = BTreeSet::new();
        if let Ok(script) = self.script(ctx.catalog) {
            for stage in &script.stages {
                for m in &stage.moments {
                    // Counted by the product's relation, as the formula's slots are.
                    if self.admissible(&m.product, ctx) {
                        match self.slot_of(&m.product, m.technique, ctx.catalog) {
                            FormulaSlot::Catch => catch.insert(m.product.as_str()),
                            FormulaSlot::Create => create.insert(m.product.as_str()),
                            FormulaSlot::Main => false,
                        };
                    }
                }
                if is_catch_stage(stage) {
                    catch.extend(self.catch_candidates(ctx).iter().map(|p| p.id.as_str()));
                }
                if stage.create {
                    create.extend(
                        self.create_candidates(ctx)
                            .iter()
                            .map(|c| c.product.id.as_str()),
                    );
                }
            }
        }
        let room = self.room(&ctx.catalog.policy);
        let total = |made: usize, more: usize| {
            u32::try_from(made.saturating_add(more.min(room))).unwrap_or(u32::MAX)
        };
        let uncapped =
            |made: usize, more: usize| u32::try_from(made.saturating_add(more)).unwrap_or(u32::MAX);
        Reach {
            catch: total(made(FormulaSlot::Catch), catch.len()),
            create: total(made(FormulaSlot::Create), create.len()),
            catch_uncapped: uncapped(made(FormulaSlot::Catch), catch.len()),
            create_uncapped: uncapped(made(FormulaSlot::Create), create.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Technique;
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::catalog::{bundled_sources, load_sources, Catalog};
    use crate::consultation::{Client, ClientHistory};

    fn catalog() -> Catalog {
        load_sources(bundled_sources())
            .catalog
            .expect("the bundled catalogue loads")
    }

    fn client(born: i32) -> Client {
        Client {
            id: 7,
            last_name: "Смирнова".into(),
            first_name: "Анна".into(),
            patronymic: "Сергеевна".into(),
            phone: "79001234567".into(),
            birth_date: NaiveDate::from_ymd_opt(born, 6, 1).expect("a date"),
            segment: String::new(),
            calls_consent: false,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 14).expect("a date")
    }

    fn start(catalog: &Catalog) -> Consultation {
        let at = today().and_hms_opt(10, 0, 0).expect("a time");
        Consultation::start(1, at, "Мария", "Центр", 7, "deposit", catalog).expect("starts")
    }

    fn reach_for(history: &ClientHistory, born: i32) -> (Reach, FormulaProgress) {
        let catalog = catalog();
        let client = client(born);
        let plan_sold = BTreeMap::new();
        let rotation = BTreeMap::new();
        let ctx = Context {
            catalog: &catalog,
            client: &client,
            history,
            today: today(),
            plan_sold: &plan_sold,
            rotation: &rotation,
        };
        let c = start(&catalog);
        (c.reach(&ctx), c.progress(&catalog.formula))
    }

    #[test]
    fn a_client_with_every_candidate_open_can_meet_the_formula() {
        let (reach, p) = reach_for(&ClientHistory::default(), 1985);
        let (catch, create) = p.slots(reach);
        assert!(!catch.short() && !create.short(), "{reach:?}");
        assert_eq!(catch.reachable, 3, "capped by max_extra_offers");
    }

    #[test]
    fn holdings_leave_fewer_catch_candidates_than_the_formula_asks() {
        let history = ClientHistory {
            holdings: [
                "debit_card",
                "mobile_bank",
                "savings_account",
                "deposit_autofill",
            ]
            .map(String::from)
            .into(),
            ..ClientHistory::default()
        };
        let (reach, p) = reach_for(&history, 1985);
        let (catch, create) = p.slots(reach);
        assert_eq!((catch.reachable, catch.target), (1, 2));
        assert!(catch.short() && !catch.done());
        assert!(!create.short());
    }

    #[test]
    fn no_create_candidate_for_a_client_too_old_for_every_plan_product() {
        // 75 years old: the pension and life insurance have a lower max age, the IIS and the
        // home insurance (no upper age) are held, and so is the card (the needs stage's
        // create moment).
        let history = ClientHistory {
            holdings: ["debit_card", "iis", "home_insurance"]
                .map(String::from)
                .into(),
            ..ClientHistory::default()
        };
        let (reach, p) = reach_for(&history, 1950);
        let (_, create) = p.slots(reach);
        assert_eq!(create.reachable, 0);
        assert!(create.short());
        assert!(create.done(), "nothing more can be done");
    }

    #[test]
    fn a_recent_decline_blocks_the_candidate_too() {
        let history = ClientHistory {
            holdings: ["debit_card", "deposit_autofill", "safe_box"]
                .map(String::from)
                .into(),
            declined_on: BTreeMap::from([("mobile_bank".to_string(), today())]),
        };
        let (reach, _) = reach_for(&history, 1985);
        assert_eq!(reach.catch, 1);
    }

    #[test]
    fn offers_made_count_and_the_cap_applies() {
        let catalog = catalog();
        let client = client(1985);
        let history = ClientHistory::default();
        let (plan_sold, rotation) = (BTreeMap::new(), BTreeMap::new());
        let ctx = Context {
            catalog: &catalog,
            client: &client,
            history: &history,
            today: today(),
            plan_sold: &plan_sold,
            rotation: &rotation,
        };
        let mut c = start(&catalog);
        let at = today().and_hms_opt(10, 5, 0).expect("a time");
        for p in ["debit_card", "mobile_bank", "savings_account"] {
            c.offer(p, Technique::Catch, "presentation", 0, at, &catalog)
                .expect("offered");
        }
        // Three catch offers use the whole cap: no create offer is possible any more.
        let reach = c.reach(&ctx);
        assert_eq!((reach.catch, reach.create), (3, 0));
        assert!(reach.create_uncapped > 0, "create candidates are left");
        let (catch, create) = c.progress(&catalog.formula).slots(reach);
        assert!(catch.done() && !catch.short());
        assert!(create.short());
        assert!(create.capped, "the cap, not the candidates, holds it back");
        assert!(!catch.capped);
    }

    #[test]
    fn not_receptive_can_be_undone_until_the_end() {
        let catalog = catalog();
        let mut c = start(&catalog);
        c.mark_not_receptive().expect("open");
        c.unmark_not_receptive().expect("open");
        assert!(!c.not_receptive);
        c.finish(today().and_hms_opt(11, 0, 0).expect("a time"))
            .expect("finishes");
        assert!(c.unmark_not_receptive().is_err(), "not after the finish");
    }
}
