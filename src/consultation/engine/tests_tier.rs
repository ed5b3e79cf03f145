//! Upsell, downsell and the formula's slots by relation, on the bundled catalogue.

use super::*;
use crate::catalog::{bundled_sources, load_sources};
use crate::consultation::model::{FormulaSlot, Kind};

fn bundled() -> Catalog {
    load_sources(bundled_sources())
        .catalog
        .expect("the bundled catalogue loads")
}

fn at(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 1)
        .and_then(|d| d.and_hms_opt(h, m, 0))
        .expect("a time")
}

fn client() -> Client {
    Client {
        id: 7,
        last_name: "Кузнецова".into(),
        first_name: "Мария".into(),
        patronymic: "Олеговна".into(),
        phone: "79160000001".into(),
        birth_date: NaiveDate::from_ymd_opt(1980, 4, 2).expect("date"),
        segment: "mass".into(),
        calls_consent: true,
    }
}

struct World {
    catalog: Catalog,
    client: Client,
    history: ClientHistory,
    plan_sold: BTreeMap<String, u64>,
    rotation: BTreeMap<(String, Technique), u64>,
}

impl World {
    fn new() -> World {
        World {
            catalog: bundled(),
            client: client(),
            history: ClientHistory::default(),
            plan_sold: BTreeMap::new(),
            rotation: BTreeMap::new(),
        }
    }
    fn ctx(&self) -> Context<'_> {
        Context {
            catalog: &self.catalog,
            client: &self.client,
            history: &self.history,
            today: at(10, 0).date(),
            plan_sold: &self.plan_sold,
            rotation: &self.rotation,
        }
    }
    fn start(&self, main: &str) -> Consultation {
        Consultation::start(1, at(10, 0), "Ольга", "Центральный", 7, main, &self.catalog)
            .expect("start")
    }
}

fn stage_index(c: &Consultation, catalog: &Catalog, id: &str) -> usize {
    c.script(catalog)
        .expect("script")
        .stages
        .iter()
        .position(|s| s.id == id)
        .expect("the stage")
}

fn tier_ids(prompts: &[Prompt], t: Technique) -> Vec<String> {
    prompts
        .iter()
        .filter(|p| p.technique == t)
        .map(|p| p.product.clone())
        .collect()
}

#[test]
fn the_upsell_shows_in_the_presentation_and_selling_it_sells_the_main_product() {
    let w = World::new();
    let mut c = w.start("deposit");
    let first = c.prompts(&w.ctx());
    assert!(
        tier_ids(&first, Technique::Upsell).is_empty(),
        "not before the presentation"
    );
    c.goto_stage(stage_index(&c, &w.catalog, "presentation"), &w.catalog)
        .expect("stage");
    let prompts = c.prompts(&w.ctx());
    assert_eq!(tier_ids(&prompts, Technique::Upsell), ["deposit_max"]);
    let up = prompts
        .iter()
        .find(|p| p.technique == Technique::Upsell)
        .expect("upsell");
    assert_eq!(up.origin, PromptOrigin::Tier);
    assert!(up.phrase.contains("Вклад «Максимум»"), "{}", up.phrase);
    assert!(up.why.as_deref().is_some_and(|w| w.contains("500 000")));
    // Numbered with the catch prompts: after the stage's moments, before the matrix ones.
    let catch_after = prompts
        .iter()
        .position(|p| p.origin == PromptOrigin::Matrix)
        .unwrap_or(prompts.len());
    let at_up = prompts
        .iter()
        .position(|p| p.technique == Technique::Upsell);
    assert!(at_up.is_some_and(|i| i < catch_after));

    let room_before = c.room(&w.catalog.policy);
    c.offer_prompt(up, at(10, 20), &w.catalog).expect("offer");
    assert_eq!(c.room(&w.catalog.policy), room_before, "not an extra offer");
    assert_eq!(c.offers[0].slot, Some(FormulaSlot::Main));
    c.set_outcome(
        "deposit_max",
        Outcome::Accepted,
        at(10, 22),
        None,
        &w.catalog,
    )
    .expect("accept");
    assert_eq!(c.main_outcome, Some(Outcome::Accepted));
    assert_eq!(
        c.main_sold_as().map(|o| o.product.as_str()),
        Some("deposit_max")
    );
    let p = c.progress(&w.catalog.formula);
    assert_eq!(p.main, MainStatus::Upgraded);
    assert_eq!((p.catch_offered, p.create_offered), (0, 0));
    // The record keeps both ids; the client holds the better version.
    assert_eq!(c.main, "deposit");
    c.finish(at(10, 40)).expect("finish");
    let held = ClientHistory::default().after(&c).holdings;
    assert!(
        held.contains("deposit_max") && !held.contains("deposit"),
        "{held:?}"
    );
    // No upsell once it is taken; the main product cannot be declined under it.
    assert!(c.set_main_outcome(Outcome::Declined).is_err());
}

#[test]
fn once_upgraded_the_script_quotes_the_better_version_s_terms() {
    let w = World::new();
    let mut c = w.start("deposit");
    let closing = stage_index(&c, &w.catalog, "closing");
    c.goto_stage(closing, &w.catalog).expect("stage");
    let before = c.stage_lines(&w.catalog, &w.client).join(" ");
    let rate = |id: &str| {
        w.catalog
            .product(id)
            .and_then(|p| p.params.get("rate"))
            .cloned()
    };
    let (plain, better) = (
        rate("deposit").expect("rate"),
        rate("deposit_max").expect("rate"),
    );
    assert!(before.contains(&plain), "{before}");
    c.offer(
        "deposit_max",
        Technique::Upsell,
        "presentation",
        0,
        at(10, 1),
        &w.catalog,
    )
    .expect("offer");
    c.set_outcome(
        "deposit_max",
        Outcome::Accepted,
        at(10, 2),
        None,
        &w.catalog,
    )
    .expect("accept");
    let after = c.stage_lines(&w.catalog, &w.client).join(" ");
    assert!(
        after.contains(&better) && !after.contains(&plain),
        "{after}"
    );
    assert!(
        !after.contains("{main."),
        "every placeholder filled: {after}"
    );
}

#[test]
fn declining_the_main_product_brings_its_downsell_at_once_in_any_stage() {
    let w = World::new();
    let mut c = w.start("credit_card");
    assert!(tier_ids(&c.prompts(&w.ctx()), Technique::Downsell).is_empty());
    c.set_main_outcome(Outcome::Declined).expect("declined");
    // On the very first stage, before the objections.
    let prompts = c.prompts(&w.ctx());
    assert_eq!(tier_ids(&prompts, Technique::Downsell), ["debit_overdraft"]);
    assert_eq!(prompts[0].technique, Technique::Downsell, "first on screen");
    assert!(
        tier_ids(&prompts, Technique::Upsell).is_empty(),
        "no upsell of a declined main"
    );
    let down = prompts[0].clone();
    c.offer_prompt(&down, at(10, 5), &w.catalog).expect("offer");
    c.set_outcome(
        "debit_overdraft",
        Outcome::Accepted,
        at(10, 6),
        None,
        &w.catalog,
    )
    .expect("accept");
    assert_eq!(
        c.main_outcome,
        Some(Outcome::Declined),
        "the main stays declined"
    );
    let p = c.progress(&w.catalog.formula);
    assert_eq!(p.main, MainStatus::Fallback);
    assert!(
        c.set_main_outcome(Outcome::Accepted).is_err(),
        "the fallback was taken"
    );
    assert!(tier_ids(&c.prompts(&w.ctx()), Technique::Downsell).is_empty());
    // Tallies: a downsell counter, not a catch or create one; and the formula row has no
    // extra offer.
    let tallies = c.tallies();
    assert!(tallies.iter().any(|(k, t)| k.kind == Kind::Downsell
        && k.product == "debit_overdraft"
        && t.accepted == 1));
    assert!(tallies
        .iter()
        .all(|(k, _)| k.kind != Kind::Catch && k.kind != Kind::Create));
    let formula = tallies
        .iter()
        .find(|(k, _)| k.kind == Kind::Formula)
        .expect("formula");
    assert_eq!(formula.1.offered, 0);
}

#[test]
fn a_downsell_cannot_be_offered_before_the_main_product_is_declined() {
    let w = World::new();
    let mut c = w.start("credit_card");
    let stage = c.script(&w.catalog).expect("script").stages[0].id.clone();
    let err = c
        .offer(
            "debit_overdraft",
            Technique::Downsell,
            &stage,
            0,
            at(10, 1),
            &w.catalog,
        )
        .expect_err("not yet");
    assert!(matches!(err, EngineError::TierClosed { .. }), "{err:?}");
    let err = c
        .offer(
            "sms_alerts",
            Technique::Upsell,
            &stage,
            0,
            at(10, 1),
            &w.catalog,
        )
        .expect_err("no such row");
    assert!(matches!(err, EngineError::NotATier { .. }), "{err:?}");
}

#[test]
fn upsells_stay_past_the_offer_cap_and_a_downsell_past_not_receptive() {
    let w = World::new();
    let mut c = w.start("deposit");
    c.goto_stage(stage_index(&c, &w.catalog, "presentation"), &w.catalog)
        .expect("stage");
    // Fill the cap with extra offers.
    while c.room(&w.catalog.policy) > 0 {
        let Some(p) = c
            .prompts(&w.ctx())
            .into_iter()
            .find(|p| !p.technique.is_tier())
        else {
            break;
        };
        c.offer_prompt(&p, at(10, 10), &w.catalog).expect("offer");
    }
    let prompts = c.prompts(&w.ctx());
    assert_eq!(tier_ids(&prompts, Technique::Upsell), ["deposit_max"]);
    assert!(
        prompts.iter().all(|p| p.technique.is_tier()),
        "the cap holds for the rest"
    );
    c.mark_not_receptive().expect("mark");
    assert!(
        c.prompts(&w.ctx()).is_empty(),
        "no dearer version for a closed client"
    );
    // The downsell still saves the meeting.
    c.set_main_outcome(Outcome::Declined).expect("declined");
    assert_eq!(
        tier_ids(&c.prompts(&w.ctx()), Technique::Downsell),
        ["deposit_flex"]
    );
}

#[test]
fn a_linked_product_opened_by_a_question_fills_a_catch_slot() {
    let w = World::new();
    let mut c = w.start("deposit");
    assert!(w.catalog.is_linked("deposit", "debit_card"));
    // The deposit script asks about the debit card with a create-technique question.
    let (index, stage) = c
        .script(&w.catalog)
        .expect("script")
        .stages
        .iter()
        .enumerate()
        .find(|(_, s)| {
            s.moments
                .iter()
                .any(|m| m.product == "debit_card" && m.technique == Technique::Create)
        })
        .map(|(i, s)| (i, s.id.clone()))
        .expect("the bundled deposit script has that question");
    c.goto_stage(index, &w.catalog).expect("stage");
    c.offer(
        "debit_card",
        Technique::Create,
        &stage,
        0,
        at(10, 3),
        &w.catalog,
    )
    .expect("offer");
    assert_eq!(c.offers[0].slot, Some(FormulaSlot::Catch));
    let p = c.progress(&w.catalog.formula);
    assert_eq!((p.catch_offered, p.create_offered), (1, 0));
    // A plan product not linked to the deposit fills the create slot, however opened.
    assert!(!w.catalog.is_linked("deposit", "npf"));
    c.offer("npf", Technique::Catch, &stage, 0, at(10, 4), &w.catalog)
        .expect("offer");
    let p = c.progress(&w.catalog.formula);
    assert_eq!((p.catch_offered, p.create_offered), (1, 1));
    let kinds: Vec<Kind> = c
        .tallies()
        .keys()
        .filter(|k| k.product == "debit_card" || k.product == "npf")
        .map(|k| k.kind)
        .collect();
    assert_eq!(kinds, [Kind::Catch, Kind::Create]);
}

#[test]
fn an_accepted_upsell_turns_declined_when_the_client_takes_nothing_only_by_hand() {
    let w = World::new();
    let mut c = w.start("deposit");
    c.goto_stage(stage_index(&c, &w.catalog, "presentation"), &w.catalog)
        .expect("stage");
    c.offer(
        "deposit_max",
        Technique::Upsell,
        "presentation",
        0,
        at(10, 1),
        &w.catalog,
    )
    .expect("offer");
    c.set_outcome(
        "deposit_max",
        Outcome::Accepted,
        at(10, 2),
        None,
        &w.catalog,
    )
    .expect("accept");
    let err = c.set_main_outcome(Outcome::Thinking).expect_err("refused");
    assert_eq!(err, EngineError::MainTaken("deposit_max".into()));
    // Changing the upsell's own answer first, then the main product's, is fine.
    c.set_outcome(
        "deposit_max",
        Outcome::Declined,
        at(10, 3),
        None,
        &w.catalog,
    )
    .expect("change");
    c.set_main_outcome(Outcome::Thinking).expect("now");
    assert_eq!(c.progress(&w.catalog.formula).main, MainStatus::Thinking);
}

#[test]
fn a_check_in_follows_a_sale_only_for_a_client_who_consented() {
    let mut w = World::new();
    let mut c = w.start("credit_card");
    c.goto_stage(stage_index(&c, &w.catalog, "presentation"), &w.catalog)
        .expect("stage");
    c.set_main_outcome(Outcome::Accepted).expect("main");
    let insurance = c
        .prompts(&w.ctx())
        .into_iter()
        .find(|p| p.product == "card_insurance")
        .expect("card insurance is a catch of the credit card");
    c.offer_prompt(&insurance, at(10, 10), &w.catalog)
        .expect("offer");
    for i in 0..insurance.disclosures.len() as u32 {
        c.confirm_disclosure("card_insurance", i, &w.catalog)
            .expect("said");
    }
    c.set_outcome(
        "card_insurance",
        Outcome::Accepted,
        at(10, 12),
        None,
        &w.catalog,
    )
    .expect("accept");
    // Consented: the card (7 days) and the insurance (its own days) get their calls.
    let mut with = c.clone();
    with.finish_meeting(at(10, 30), &w.catalog, &w.client)
        .expect("finish");
    let on_working_day = |d: Option<NaiveDate>| d.map(crate::consultation::working_day_from);
    let card_days = w
        .catalog
        .follow_up_days("credit_card")
        .expect("set on cards");
    assert_eq!(
        with.main_check_in,
        at(10, 30)
            .date()
            .checked_add_days(Days::new(u64::from(card_days)))
    );
    let ins = with.offer_of("card_insurance").expect("offer");
    let ins_days = w.catalog.follow_up_days("card_insurance");
    assert_eq!(
        ins.check_in,
        on_working_day(
            ins_days.and_then(|d| at(10, 12).date().checked_add_days(Days::new(u64::from(d))))
        )
    );
    let asked = crate::consultation::check_ins_asked(&with);
    assert!(asked.iter().any(|(p, _)| p == "credit_card"));
    assert!(crate::consultation::is_check_in(&with, "credit_card"));
    // Not consented: no call at all.
    w.client.calls_consent = false;
    let mut without = c.clone();
    without
        .finish_meeting(at(10, 30), &w.catalog, &w.client)
        .expect("finish");
    assert_eq!(without.main_check_in, None);
    assert!(crate::consultation::check_ins_asked(&without).is_empty());
    // A product without `follow_up_days` (the deposit) asks for none.
    assert_eq!(w.catalog.follow_up_days("deposit"), None);
}
