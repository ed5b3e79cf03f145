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
    let has_saving = |w: &World| ids(&c.catch_candidates(&w.ctx())).contains(&"saving".to_string());
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
    // The catch slots are full and one offer is left: it is kept for the create moment,
    // so no third catch is proposed.
    assert!(c.prompts(&w.ctx()).is_empty());
    c.goto_stage(4, &w.catalog).unwrap();
    assert_eq!(
        prompt_ids(&c.prompts(&w.ctx())),
        [("npf".into(), Technique::Create)]
    );
    c.goto_stage(2, &w.catalog).unwrap();
    // An officer who offers a third catch anyway (say, from memory) uses the last offer.
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

mod validation;
