//! Client validation, the bundled catalogue played through the engine, and the offer cap
//! keeping what the formula still asks for.

use super::*;

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

#[test]
fn the_create_choice_follows_the_centres_targets_laid_over_the_catalogue() {
    let mut w = World::new();
    let c = w.start();
    // The catalogue's own: npf 20, iis 15, life 10. The centre: life 40, iis none this
    // month (0), npf not set (the catalogue's 20 stays).
    let targets =
        std::collections::BTreeMap::from([("life".to_string(), 40), ("iis".to_string(), 0)]);
    w.catalog = w.catalog.with_plan_targets(&targets);
    let list = c.create_candidates(&w.ctx());
    let order: Vec<_> = list
        .iter()
        .map(|p| (p.product.id.as_str(), p.remaining))
        .collect();
    assert_eq!(order, [("life", 40), ("npf", 20)]);
    assert_eq!(c.create_candidate(&w.ctx()).unwrap().product.id, "life");
}

/// A create stage with catch moments of its own: once the catch slots are full and one offer
/// is left under the cap, the create question is the prompt shown, not a third catch.
#[test]
fn the_last_offer_under_the_cap_goes_to_the_open_create_slot() {
    let mut w = World::new();
    if let Some(closing) = w.catalog.scripts[0].stages.last_mut() {
        closing.moments = vec![
            moment(Technique::Catch, "saving", &["Копилка к вкладу"]),
            moment(Technique::Catch, "ins", &["Защита"]),
        ];
    }
    let mut c = w.start();
    offer(&mut c, &w, "card", Technique::Catch);
    offer(&mut c, &w, "app", Technique::Catch);
    c.goto_stage(4, &w.catalog).unwrap();
    let shown = prompt_ids(&c.prompts(&w.ctx()));
    assert_eq!(shown, vec![("npf".to_string(), Technique::Create)]);
    // With room for two, the catch moment comes back beside it, in the stage's order.
    w.catalog.policy.max_extra_offers = 4;
    let shown = prompt_ids(&c.prompts(&w.ctx()));
    assert_eq!(
        shown,
        vec![
            ("saving".to_string(), Technique::Catch),
            ("npf".to_string(), Technique::Create)
        ]
    );
}
