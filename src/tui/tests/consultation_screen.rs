//! The consultation screen (issue 12): stable prompt numbers, an answer clearing the pick,
//! changing a recorded answer, undoing "not receptive", `f` asking when the formula is not
//! met, and 80×24 snapshots of the hard cases (long names, more lines than fit, a formula
//! that cannot be met, the summary of an unanswered main product).

use super::*;

/// The number the screen shows for `product`.
fn number_of(app: &App, product: &str) -> usize {
    let env = app.env();
    consultation_screen(app)
        .items(&env)
        .iter()
        .find(|n| n.product() == product)
        .map(|n| n.number)
        .unwrap_or_else(|| panic!("{product} is not on screen"))
}

fn digit(n: usize) -> Msg {
    ch(char::from(b'0' + u8::try_from(n).expect("a digit")))
}

/// Picks `n`, answers with `k` and stores it.
fn answer(app: &mut App, n: char, k: char) {
    app.update(ch(n));
    let effects = app.update(ch(k));
    ack(app, effects);
}

#[test]
fn an_answer_never_renumbers_the_others_and_clears_the_pick() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    let before: Vec<(usize, String)> = {
        let env = app.env();
        consultation_screen(&app)
            .items(&env)
            .iter()
            .map(|n| (n.number, n.product().to_string()))
            .collect()
    };
    assert_eq!(
        before,
        vec![
            (1, "debit_card".to_string()),
            (2, "mobile_bank".to_string()),
            (3, "savings_account".to_string()),
            // The upsell, numbered with the catch prompts.
            (4, "deposit_max".to_string()),
        ]
    );
    // Prompt 2 answered first: it joins the offers and keeps its number, and so do 1 and 3.
    answer(&mut app, '2', 'n');
    assert_eq!(
        consultation_screen(&app).picked,
        None,
        "the pick is cleared"
    );
    for (n, product) in &before {
        assert_eq!(number_of(&app, product), *n, "{product}");
    }
    assert!(
        matches!(&app.status, Some(Status::Info(m)) if m.contains("Мобильный и интернет-банк") && m.contains("отказ")),
        "{:?}",
        app.status
    );
    let text = render(&app, 80, 24);
    assert!(text.contains(" 2  ✗ Мобильный"), "{text}");
    assert!(text.contains(" 1  Дебетовая карта"), "{text}");
}

#[test]
fn one_then_t_after_an_answer_goes_to_prompt_one_not_the_main_product() {
    // The bug: after an answer the prompts renumbered and the pick stayed on, so `1 т`
    // (т is n on the Russian layout) unpicked and recorded the *main product* as declined.
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    answer(&mut app, '2', 'y');
    app.update(ch('1'));
    let effects = app.update(ch('т'));
    let next = saved_consultation(&effects);
    assert_eq!(next.main_outcome, None, "the main product is untouched");
    assert_eq!(
        next.offer_of("debit_card").and_then(|o| o.outcome),
        Some(Outcome::Declined)
    );
    assert_eq!(
        next.offer_of("mobile_bank").and_then(|o| o.outcome),
        Some(Outcome::Accepted),
        "the earlier answer stays"
    );
}

#[test]
fn a_product_keeps_its_number_across_stages() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    answer(&mut app, '1', 'y');
    let mobile = number_of(&app, "mobile_bank");
    let savings = number_of(&app, "savings_account");
    goto_stage(&mut app, "closing");
    let env = app.env();
    let closing: Vec<(usize, String)> = consultation_screen(&app)
        .items(&env)
        .iter()
        .map(|n| (n.number, n.product().to_string()))
        .collect();
    // The offer keeps 1; the create candidate takes a number no other product had.
    assert_eq!(closing[0], (1, "debit_card".to_string()));
    let create = closing[1].0;
    assert!(
        create != mobile && create != savings && create != 1,
        "{closing:?}"
    );
    // `c` shows another candidate under the same number.
    let first = closing[1].1.clone();
    let effects = app.update(ch('c'));
    ack(&mut app, effects);
    let env = app.env();
    let items = consultation_screen(&app).items(&env);
    assert_ne!(items[1].product(), first);
    assert_eq!(items[1].number, create);
    // Back on the presentation: the same numbers as before.
    for _ in 0..2 {
        let effects = app.update(key(KeyCode::Left));
        ack(&mut app, effects);
    }
    assert_eq!(number_of(&app, "mobile_bank"), mobile);
    assert_eq!(number_of(&app, "savings_account"), savings);
    assert_eq!(number_of(&app, "debit_card"), 1);
}

#[test]
fn changing_a_recorded_answer_asks_first_and_n_keeps_the_old_one() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    answer(&mut app, '1', 'n');
    // `1 y` on the declined card: a question, nothing saved.
    app.update(ch('1'));
    assert!(app.update(ch('y')).is_empty());
    assert_eq!(
        consultation_screen(&app).mode,
        Mode::ConfirmChange {
            product: Some("debit_card".into()),
            from: Outcome::Declined,
            to: Outcome::Accepted,
        }
    );
    let text = render(&app, 80, 24);
    assert!(text.contains("Изменить ответ"), "{text}");
    assert!(text.contains("отказ → согласие"), "{text}");
    // n keeps the old answer.
    assert!(app.update(ch('n')).is_empty());
    let s = consultation_screen(&app);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(
        s.consultation
            .offer_of("debit_card")
            .and_then(|o| o.outcome),
        Some(Outcome::Declined)
    );
    // y changes it, and the status line says what changed on which product.
    app.update(ch('y'));
    let effects = app.update(ch('y'));
    assert_eq!(
        saved_consultation(&effects)
            .offer_of("debit_card")
            .and_then(|o| o.outcome),
        Some(Outcome::Accepted)
    );
    ack(&mut app, effects);
    assert_eq!(
        app.status,
        Some(Status::Info(
            "Изменено: Дебетовая карта «Плюс» — отказ → согласие".into()
        ))
    );
    // The same answer again is not a change: nothing to ask or save.
    app.update(ch('1'));
    assert!(app.update(ch('y')).is_empty());
    assert_eq!(consultation_screen(&app).mode, Mode::Normal);
    assert!(matches!(&app.status, Some(Status::Hint(h)) if h.contains("Уже записано")));
}

#[test]
fn changing_the_main_products_answer_asks_too() {
    let mut app = consulting(Lang::Ru, "deposit");
    let effects = app.update(ch('n'));
    ack(&mut app, effects);
    assert!(
        matches!(&app.status, Some(Status::Info(m)) if m.contains("Вклад «Доходный» (основной)")),
        "{:?}",
        app.status
    );
    assert!(app.update(ch('y')).is_empty());
    assert!(matches!(
        consultation_screen(&app).mode,
        Mode::ConfirmChange { product: None, .. }
    ));
    app.update(key(KeyCode::Esc));
    assert_eq!(
        consultation_screen(&app).consultation.main_outcome,
        Some(Outcome::Declined)
    );
}

#[test]
fn r_again_undoes_not_receptive() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('r'));
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    assert!(consultation_screen(&app).consultation.not_receptive);
    let text = render(&app, 80, 24);
    assert!(text.contains("r  снова настроен"), "{text}");
    // r again: undone at once, saved, and said.
    let effects = app.update(ch('r'));
    assert!(matches!(
        &effects[..],
        [Effect::Save { event: EventKind::NotReceptive, detail, consultation }]
            if detail == "undone" && !consultation.not_receptive
    ));
    ack(&mut app, effects);
    let env = app.env();
    let s = consultation_screen(&app);
    assert!(!s.consultation.not_receptive);
    assert_eq!(
        s.items(&env).len(),
        4,
        "the prompts and the upsell are back"
    );
    assert!(
        matches!(&app.status, Some(Status::Info(m)) if m.contains("не настроен") && m.contains("снята"))
    );
}

#[test]
fn f_asks_when_the_formula_is_not_met_and_says_what_is_missing() {
    let mut app = consulting(Lang::Ru, "deposit");
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    goto_stage(&mut app, "presentation");
    answer(&mut app, '1', 'y');
    assert!(app.update(ch('f')).is_empty(), "asks, saves nothing");
    assert_eq!(consultation_screen(&app).mode, Mode::ConfirmFinish);
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Формула не выполнена: лови момент 1/2, создай момент 0/1."),
        "{text}"
    );
    assert!(!text.contains("основному продукту"), "{text}");
    app.update(ch('n'));
    assert_eq!(consultation_screen(&app).mode, Mode::Normal);
    // The formula met and the main product answered: f finishes at once.
    answer(&mut app, '2', 'n');
    goto_stage(&mut app, "closing");
    let create = {
        let env = app.env();
        consultation_screen(&app)
            .items(&env)
            .iter()
            .find(|n| matches!(&n.item, super::consultation::Item::Prompt(_)))
            .map(|n| n.number)
            .expect("a create prompt")
    };
    app.update(digit(create));
    app.update(ch('t'));
    let effects = app.update(key(KeyCode::Enter));
    ack(&mut app, effects);
    let effects = app.update(ch('f'));
    assert!(saved_consultation(&effects).is_finished());
}

#[test]
fn pg_down_scrolls_the_stage_lines_and_pg_up_back() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('1'));
    let text = render(&app, 80, 24);
    assert!(text.contains("▼ ещё"), "{text}");
    assert!(text.contains("PgUp PgDn  строки этапа"), "{text}");
    for _ in 0..20 {
        app.update(key(KeyCode::PageDown));
    }
    let text = render(&app, 80, 24);
    assert!(text.contains("▲ PgUp"), "at the end: {text}");
    assert!(!text.contains("ставка 11%"), "{text}");
    for _ in 0..20 {
        app.update(key(KeyCode::PageUp));
    }
    assert_eq!(consultation_screen(&app).lines_scroll, 0);
    assert!(render(&app, 80, 24).contains("ставка 11%"));
}

/// A consultation for a client with a long name, on a main product with a long name, whose
/// stage has more lines than fit, and who holds or cannot have most candidates.
fn hard_case(lang: Lang) -> App {
    let mut cat = catalog();
    if let Some(p) = cat.products.iter_mut().find(|p| p.id == "deposit") {
        p.name = "Вклад «Доходный плюс» с ежемесячной капитализацией".into();
    }
    let (mut app, _) = App::new(Start {
        lang,
        catalog: cat,
        now: now(),
        officer: Some("Мария Иванова".into()),
        branch: Some("Дополнительный офис № 12 «Центральный», г. Екатеринбург".into()),
    });
    app.update(Msg::Home(HomeData::default()));
    let effects = app.update(Msg::Prepared {
        client: Client {
            last_name: "Константинопольская-Рождественская".into(),
            first_name: "Анна-Мария".into(),
            patronymic: "Александровна".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 1, 20).expect("date"),
            ..client()
        },
        main: "deposit".to_string(),
        history: ClientHistory {
            // The IIS and the home insurance have no upper age; this client holds them
            // already, and every deposit link but the savings account.
            holdings: [
                "debit_card",
                "mobile_bank",
                "deposit_autofill",
                "safe_box",
                "iis",
                "home_insurance",
            ]
            .map(String::from)
            .into(),
            ..ClientHistory::default()
        },
        plan_sold: BTreeMap::new(),
        rotation: BTreeMap::new(),
        consultation_id: 43,
    });
    ack(&mut app, effects);
    app
}

#[test]
fn the_header_keeps_the_main_product_and_says_when_the_formula_cannot_be_met() {
    let mut app = hard_case(Lang::Ru);
    goto_stage(&mut app, "presentation");
    let text = render(&app, 80, 24);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.ends_with("Вклад «Доходный плюс» с ежемесячной капитализацией"),
        "{first}"
    );
    assert!(first.contains('…'), "the client's name gives way: {first}");
    assert!(!first.contains("  "), "no double spaces: {first:?}");
    // One catch candidate is left (the client holds the other four links); at 75 no plan
    // product is open (the pension and life insurance stop earlier, the IIS and the home
    // insurance are held).
    let formula = text.lines().nth(1).unwrap_or_default();
    assert!(formula.contains("0/1 (из 2"), "{formula}");
    assert!(formula.contains("нет"), "{formula}");
    assert!(!formula.contains("0/2"), "{formula}");
    insta::assert_snapshot!("consultation_hard_case_ru_80x24", text);
    app.update(ch('1'));
    insta::assert_snapshot!(
        "consultation_hard_case_picked_ru_80x24",
        render(&app, 80, 24)
    );
    let en = hard_case(Lang::En);
    insta::assert_snapshot!("consultation_hard_case_en_80x24", render(&en, 80, 24));
}

#[test]
fn a_summary_without_the_main_answer_says_not_recorded() {
    for (lang, tag, word) in [
        (Lang::Ru, "ru", "не записан"),
        (Lang::En, "en", "not recorded"),
    ] {
        let mut app = hard_case(lang);
        app.update(ch('f'));
        let text = render(&app, 80, 24);
        assert!(
            text.contains(match lang {
                Lang::Ru => "Ответ по основному продукту не записан.",
                Lang::En => "The main product's answer is not recorded.",
            }),
            "{text}"
        );
        let effects = app.update(ch('y'));
        ack(&mut app, effects);
        assert!(matches!(app.screen, Screen::Summary(_)));
        let text = render(&app, 80, 24);
        assert!(text.contains(word), "{text}");
        assert!(!text.contains("  ·  "), "{text}");
        // The title never runs into the officer and branch.
        let top = text.lines().next().unwrap_or_default();
        assert!(!top.contains("консультацииМария"), "{top}");
        insta::assert_snapshot!(format!("summary_unanswered_{tag}_80x24"), text);
    }
}

/// Saving from the screen stores the catalogue's version texts and the month's plan with the
/// first consultation (DESIGN §5).
#[test]
fn a_save_from_the_screen_keeps_the_version_texts_and_the_months_plan() {
    use crate::consultation::Month;
    use crate::store::{SledStore, Store};
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(&tmp.path().join("db")).expect("open");
    let mut app = app(Lang::Ru);
    app.catalog.version = Some("2026-12".into());
    app.catalog.hash = "0123456789abcdef".into();
    let c = Consultation::start(1, app.now, "Ольга", "Центр", 7, "deposit", &app.catalog)
        .expect("starts");
    assert_eq!(c.catalog, app.catalog.version_id());
    let saved = run::perform(
        &store,
        &app,
        Effect::Save {
            consultation: c,
            event: EventKind::Started,
            detail: String::new(),
        },
    );
    assert!(matches!(saved, Some(Msg::Saved(Ok(_)))), "{saved:?}");
    let texts = store
        .version_texts("0123456789abcdef")
        .expect("read")
        .expect("stored");
    assert_eq!(texts.label.as_deref(), Some("2026-12"));
    assert_eq!(texts.phrases, app.catalog.phrase_sets());
    assert!(store
        .month_plan(Month::of(app.now.date()))
        .expect("read")
        .is_some());
}

#[test]
fn keys_do_nothing_while_the_window_is_too_small() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    let before = consultation_screen(&app).consultation.clone();
    // The run loop sets it from the frame it drew: «окно слишком маленькое» is on screen.
    app.too_small = true;
    for k in ['1', 'y', 'n', 'f', 'r'] {
        assert!(app.update(ch(k)).is_empty(), "{k} acted blind");
    }
    assert_eq!(consultation_screen(&app).consultation, before);
    app.too_small = false;
    app.update(ch('1'));
    assert!(
        !app.update(ch('y')).is_empty(),
        "and act again once it is larger"
    );
}

#[test]
fn the_fallback_is_first_among_the_prompts_whatever_its_number() {
    let mut app = consulting(Lang::Ru, "credit_card");
    goto_stage(&mut app, "presentation");
    // The main product declined (nothing picked): the fallback comes, numbered after the
    // presentation's prompts, and listed first of those to say now.
    let effects = app.update(ch('n'));
    ack(&mut app, effects);
    let env = app.env();
    let items = consultation_screen(&app).items(&env);
    let first = items
        .iter()
        .find(|n| matches!(n.item, crate::tui::consultation::Item::Prompt(_)))
        .expect("a prompt");
    assert_eq!(first.product(), "debit_overdraft");
    assert!(
        items.iter().any(|n| n.number < first.number),
        "its number is not the lowest"
    );
}

/// Three catch offers use the whole `max_extra_offers`: the header and the finish question
/// say it is the limit, not that the catalogue has no create product (the tester's F13).
#[test]
fn the_create_slot_held_back_by_the_offer_limit_says_so() {
    let mut app = consulting(Lang::Ru, "deposit");
    // A trainer's limit of two extra offers: the formula's third cannot be made.
    app.catalog.policy.max_extra_offers = 2;
    goto_stage(&mut app, "presentation");
    for product in ["debit_card", "mobile_bank"] {
        let n = consultation_screen(&app)
            .numbers
            .number_of(product)
            .unwrap_or_else(|| panic!("{product} has a number"));
        let digit = char::from_digit(u32::try_from(n).expect("small"), 10).expect("a digit");
        app.update(ch(digit));
        let effects = app.update(ch('n'));
        ack(&mut app, effects);
    }
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    let text = render(&app, 80, 24);
    let header = text.lines().nth(1).unwrap_or_default();
    assert!(header.contains("предел"), "{header}");
    assert!(!header.contains("нет кандидатов"), "{header}");
    app.update(ch('f'));
    let text = render(&app, 80, 24);
    assert!(text.contains("создай момент 0/1 (предел"), "{text}");
    assert!(
        text.contains("предложений). Всё равно завершить?"),
        "{text}"
    );
}

/// After the main product is declined and its fallback taken, the stage's lines still speak of
/// the main product: a note above them says so (the tester's F14).
#[test]
fn after_the_fallback_the_stage_lines_say_they_are_about_the_declined_main_product() {
    let mut app = consulting(Lang::Ru, "credit_card");
    goto_stage(&mut app, "presentation");
    let effects = app.update(ch('n'));
    ack(&mut app, effects);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Дебетовая карта «Плюс» с овердрафтом"),
        "{screen}"
    );
    // The number drawn before the fallback's name.
    let digit = screen
        .lines()
        .find(|l| l.contains("Дебетовая карта «Плюс» с овердрафтом") && !l.contains('→'))
        .and_then(|l| l.trim_start().chars().next())
        .filter(char::is_ascii_digit)
        .unwrap_or_else(|| panic!("no number for the fallback:\n{screen}"));
    app.update(ch(digit));
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    assert_eq!(
        consultation_screen(&app)
            .consultation
            .progress(&app.catalog.formula)
            .main,
        crate::consultation::MainStatus::Fallback
    );
    goto_stage(&mut app, "closing");
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Клиент взял запасной вариант — Дебетовая карта «Плюс» с"),
        "{text}"
    );
    insta::assert_snapshot!("consultation_fallback_closing_ru_80x24", text);
    // `y` on the main product now: the whole message, what to do included, at 80 columns.
    assert!(app.update(ch('y')).is_empty(), "nothing is recorded");
    let text = render(&app, 80, 24);
    let rows: Vec<&str> = text.lines().collect();
    let status = rows[rows.len() - 2..]
        .iter()
        .map(|r| r.trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        status.ends_with("«Дебетовая карта «Плюс» с овердрафтом» — сначала измените ответ на него"),
        "{text}"
    );
    insta::assert_snapshot!("consultation_fallback_main_again_ru_80x24", text);
}

/// Once the upsell is taken, `y n t` with nothing picked is about the main product as sold:
/// the pick bar names the better version.
#[test]
fn after_the_upsell_the_pick_bar_names_the_better_version() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    let n = number_of(&app, "deposit_max");
    app.update(digit(n));
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    let text = render(&app, 80, 24);
    assert!(text.contains("→ Вклад «Максимум» (основной)"), "{text}");
}
