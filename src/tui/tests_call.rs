//! Call backs on the screen: home on a busy day at 80×24, the call screen and its keys, the
//! call-day popup, and where Esc leads.

use chrono::{Datelike, NaiveDate};
use ratatui::crossterm::event::KeyCode;

use super::tests::{app, at, catalog, ch, client, home_data, key, now, render};
use super::*;
use crate::consultation::{CallOutcome, Cancellation, Offer, Outcome};

const OFFICER: &str = "Мария Иванова";

/// 32 consultations today, 15 call backs due, two unfinished consultations.
fn busy_day() -> HomeData {
    let cat = catalog();
    let names = [
        "Петров Игорь Николаевич",
        "Смирнова Анна Сергеевна",
        "Кузнецов Олег Петрович",
        "Салтыкова-Щедрина Мария-Луиза Константиновна",
    ];
    let mains = ["deposit", "credit_card", "consumer_loan"];
    let mut today = Vec::new();
    for i in 0..32u32 {
        let mut c = Consultation::start(
            100 + u64::from(i),
            at(9 + i / 4, (i % 4) * 15),
            OFFICER,
            "Отделение № 5",
            u64::from(i),
            mains[i as usize % 3],
            &cat,
        )
        .expect("starts");
        c.main_outcome = Some(if i % 5 == 0 {
            Outcome::Declined
        } else {
            Outcome::Accepted
        });
        if i % 2 == 0 {
            c.finished_at = Some(c.started_at + chrono::Duration::minutes(14));
        }
        today.push(TodayConsultation {
            consultation: c,
            client_name: names[i as usize % 4].to_string(),
        });
    }
    let products = ["iis", "npf", "debit_card", "life_insurance", "mobile_bank"];
    let follow_ups = (0..15u32)
        .map(|i| FollowUpItem {
            date: NaiveDate::from_ymd_opt(2025, 3, 10 + i.min(4)).expect("date"),
            client_id: 200 + u64::from(i),
            client_name: names[i as usize % 4].to_string(),
            phone: format!("7916{:07}", 1_234_500 + i),
            product: products[i as usize % 5].to_string(),
            consultation: 300 + u64::from(i),
            check_in: i % 5 == 2, // the debit card: a check-in after its sale
        })
        .collect();
    let unfinished = vec![
        Unfinished {
            consultation_id: 41,
            client_name: "Смирнова Анна Сергеевна".into(),
            main: "credit_card".into(),
            started_at: at(10, 5),
        },
        Unfinished {
            consultation_id: 12,
            client_name: "Кузнецов Олег Петрович".into(),
            main: "consumer_loan".into(),
            started_at: NaiveDate::from_ymd_opt(2025, 3, 12)
                .and_then(|d| d.and_hms_opt(16, 40, 0))
                .expect("time"),
        },
    ];
    HomeData {
        today,
        plan_sold: home_data().plan_sold,
        follow_ups,
        follow_ups_due: 15,
        unfinished,
        catalog: None,
        centre: None,
    }
}

/// A call back on the pension programme, which has disclosure lines.
fn call_data() -> CallData {
    let cat = catalog();
    let mut origin =
        Consultation::start(300, at(9, 0), OFFICER, "Отделение № 5", 7, "deposit", &cat)
            .expect("starts")
            .clone();
    origin.started_at = NaiveDate::from_ymd_opt(2025, 3, 11)
        .and_then(|d| d.and_hms_opt(11, 20, 0))
        .expect("time");
    origin.offers.push(Offer {
        product: "npf".into(),
        technique: Technique::Create,
        slot: None,
        stage: "closing".into(),
        variant: 0,
        made_at: origin.started_at,
        outcome: Some(Outcome::Thinking),
        outcome_at: Some(origin.started_at),
        disclosures_confirmed: Default::default(),
        follow_up: Some(now().date()),
        check_in: None,
    });
    CallData {
        client: client(),
        product: "npf".into(),
        origin,
        due: now().date(),
        contacts: vec![Contact {
            id: 9,
            at: NaiveDate::from_ymd_opt(2025, 3, 13)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .expect("time"),
            officer: OFFICER.into(),
            branch: "Отделение № 5".into(),
            client_id: 7,
            product: "npf".into(),
            consultation: 300,
            outcome: CallOutcome::NotReached,
            next: Some(now().date()),
            disclosures_confirmed: Default::default(),
            check_in: false,
        }],
    }
}

fn on_call(lang: Lang) -> App {
    let mut app = app(lang);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(call_data())));
    assert!(matches!(app.screen, Screen::Call(_)));
    app
}

fn saved_contact(effects: &[Effect]) -> Contact {
    match effects {
        [Effect::SaveContact(k)] => k.clone(),
        other => panic!("expected one SaveContact, got {other:?}"),
    }
}

#[test]
fn enter_on_a_call_back_opens_the_call() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    // Two unfinished consultations first, then the call backs.
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::Resume {
            consultation_id: 12
        }]
    );
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::LoadCall {
            consultation: 301,
            product: "npf".into()
        }]
    );
}

/// Working down the call-back list: after a call is answered, home's cursor is on the same
/// row, not back at the top (the tester's F16).
#[test]
fn back_from_a_call_home_keeps_its_cursor() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    for _ in 0..3 {
        app.update(key(KeyCode::Down));
    }
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::LoadCall { .. }]),
        "{effects:?}"
    );
    app.update(Msg::Call(Box::new(call_data())));
    let effects = app.update(ch('d'));
    let k = saved_contact(&effects);
    let effects = app.update(Msg::ContactSaved(Ok(k)));
    assert_eq!(effects, vec![Effect::LoadHome]);
    app.update(Msg::Home(busy_day()));
    match &app.screen {
        Screen::Home(h) => assert_eq!(h.selected, 3),
        _ => panic!("home"),
    }
}

#[test]
fn yes_on_a_call_needs_every_disclosure_ticked() {
    let mut app = on_call(Lang::Ru);
    let lines = catalog().product("npf").map_or(0, |p| p.disclosure.len());
    assert!(lines > 0, "the pension programme has disclosures");
    assert!(app.update(ch('y')).is_empty(), "not before the disclosures");
    assert!(matches!(&app.status, Some(Status::Hint(_))));
    for i in 1..=lines {
        app.update(ch(char::from(b'0' + i as u8)));
    }
    let k = saved_contact(&app.update(ch('y')));
    assert_eq!(k.outcome, CallOutcome::Accepted);
    assert_eq!(k.product, "npf");
    assert_eq!(k.consultation, 300);
    assert_eq!(k.client_id, 7);
    assert_eq!(k.officer, OFFICER);
    assert_eq!(k.disclosures_confirmed.len(), lines);
    assert_eq!(app.status, Some(Status::Saving));
    // Keys wait while it is stored; the answer says what went where and goes home.
    assert!(app.update(ch('n')).is_empty());
    let effects = app.update(Msg::ContactSaved(Ok(Contact { id: 50, ..k })));
    assert_eq!(effects, vec![Effect::LoadHome]);
    assert!(matches!(app.screen, Screen::Home(_)));
    match &app.status {
        Some(Status::Info(s)) => assert_eq!(s, "Записано: Пенсионная программа НПФ — согласие"),
        other => panic!("expected the recorded message, got {other:?}"),
    }
}

#[test]
fn not_reached_moves_to_the_next_working_day_and_thinking_asks_the_day() {
    let mut app = on_call(Lang::Ru);
    // 14.03.2025 is a Friday: not reached → Monday 17.03.
    assert_eq!(now().date().weekday(), chrono::Weekday::Fri);
    let k = saved_contact(&app.update(ch('в')));
    assert_eq!(k.outcome, CallOutcome::NotReached);
    assert_eq!(k.next, NaiveDate::from_ymd_opt(2025, 3, 17));

    let mut app = on_call(Lang::Ru);
    assert!(app.update(ch('t')).is_empty());
    assert!(app.typing(), "the popup takes digits for a date");
    let k = saved_contact(&app.update(key(KeyCode::Enter)));
    assert_eq!(k.outcome, CallOutcome::Thinking);
    assert_eq!(
        k.next,
        NaiveDate::from_ymd_opt(2025, 3, 19),
        "3 working days on, not Monday"
    );

    let mut app = on_call(Lang::Ru);
    app.update(ch('t'));
    for c in "20.03".chars() {
        app.update(ch(c));
    }
    let k = saved_contact(&app.update(key(KeyCode::Enter)));
    assert_eq!(k.next, NaiveDate::from_ymd_opt(2025, 3, 20));
    // Esc in the popup records nothing.
    let mut app = on_call(Lang::Ru);
    app.update(ch('t'));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(matches!(&app.screen, Screen::Call(s) if s.asking.is_none()));
}

#[test]
fn stopping_asks_first_and_no_records_nothing() {
    let mut app = on_call(Lang::Ru);
    assert!(app.update(ch('x')).is_empty());
    assert!(app.update(ch('n')).is_empty());
    assert!(matches!(&app.screen, Screen::Call(s) if !s.confirm_stop));
    app.update(ch('ч'));
    let k = saved_contact(&app.update(ch('y')));
    assert_eq!(k.outcome, CallOutcome::Stopped);
    assert_eq!(k.next, None);
    // Decline is one key, and Esc goes home without recording.
    let mut app = on_call(Lang::Ru);
    assert_eq!(
        saved_contact(&app.update(ch('n'))).outcome,
        CallOutcome::Declined
    );
    let mut app = on_call(Lang::Ru);
    assert_eq!(app.update(key(KeyCode::Esc)), vec![Effect::LoadHome]);
}

#[test]
fn a_failed_save_on_a_call_stays_on_the_call_and_says_so() {
    let mut app = on_call(Lang::Ru);
    app.update(ch('n'));
    app.update(Msg::ContactSaved(Err("disk full".into())));
    assert!(matches!(&app.screen, Screen::Call(s) if !s.saving));
    assert!(matches!(&app.status, Some(Status::Error(e)) if e.contains("disk full")));
}

#[test]
fn esc_on_a_card_goes_back_where_it_was_opened_from() {
    // From the search: back to the search as it was.
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(HomeData::default()));
    app.update(ch('/'));
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: Vec::new(),
    });
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Find(_)));
    // From elsewhere (home, a call): back home.
    let mut app = on_call(Lang::Ru);
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: Vec::new(),
    });
    assert_eq!(app.update(key(KeyCode::Esc)), vec![Effect::LoadHome]);
    assert!(matches!(app.screen, Screen::Home(_)));
}

#[test]
fn home_on_a_busy_day_scrolls_and_says_what_is_not_shown() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    let text = render(&app, 80, 24);
    assert!(text.contains("Не завершены (2)"), "{text}");
    assert!(text.contains("Перезвонить сегодня (15)"), "{text}");
    assert!(text.contains("ещё"), "{text}");
    assert!(text.contains("☎ +7 916"), "{text}");
    // PgDn moves today's list on.
    let before = render(&app, 80, 24);
    app.update(key(KeyCode::PageDown));
    assert_ne!(before, render(&app, 80, 24));
    // Moving down the call backs keeps the selected one on screen.
    for _ in 0..16 {
        app.update(key(KeyCode::Down));
    }
    let text = render(&app, 80, 24);
    assert!(
        text.contains("▶ 14.03"),
        "the last call back is shown selected: {text}"
    );
}

#[test]
fn snapshots_of_call_backs() {
    for lang in [Lang::Ru, Lang::En] {
        let tag = match lang {
            Lang::Ru => "ru",
            Lang::En => "en",
        };
        let mut home = app(lang);
        home.update(Msg::Home(busy_day()));
        let call = on_call(lang);
        let mut asking = on_call(lang);
        asking.update(ch('t'));
        let mut ticked = on_call(lang);
        ticked.update(ch('1'));
        for (name, app) in [
            ("home_busy", &home),
            ("call", &call),
            ("call_thinking", &asking),
            ("call_ticked", &ticked),
        ] {
            for (w, h) in [(80, 24), (200, 60)] {
                insta::assert_snapshot!(format!("{name}_{tag}_{w}x{h}"), render(app, w, h));
            }
        }
    }
}

#[test]
fn the_card_lists_the_client_s_open_call_backs_with_their_dates() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(HomeData::default()));
    let effects = app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: Vec::new(),
    });
    assert_eq!(effects, vec![Effect::LoadCardCallBacks(7)]);
    let open = vec![crate::consultation::OpenCallBack {
        consultation: 300,
        product: "npf".into(),
        officer: OFFICER.into(),
        due: NaiveDate::from_ymd_opt(2025, 3, 17).expect("date"),
    }];
    // A late answer for another client changes nothing.
    app.update(Msg::CardCallBacks {
        client_id: 8,
        open: open.clone(),
        contacts: Vec::new(),
        cancellations: Vec::new(),
    });
    assert!(!render(&app, 80, 24).contains("Перезвонить:"));
    app.update(Msg::CardCallBacks {
        client_id: 7,
        open,
        contacts: Vec::new(),
        cancellations: Vec::new(),
    });
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Перезвонить: 17.03 Пенсионная программа НПФ"),
        "{text}"
    );
}

#[test]
fn enter_on_a_card_with_a_consultation_left_open_resumes_it() {
    let cat = catalog();
    let open = Consultation::start(77, at(9, 0), OFFICER, "Отделение № 5", 7, "deposit", &cat)
        .expect("starts");
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(HomeData::default()));
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: vec![open],
    });
    let text = render(&app, 80, 24);
    assert!(text.contains("идёт"), "{text}");
    assert!(text.contains("Enter  продолжить консультацию"), "{text}");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::Resume {
            consultation_id: 77
        }]
    );
}

#[test]
fn thinking_again_asks_a_new_day_for_the_call_back() {
    use super::tests::{ack, consultation_screen, consulting, goto_stage, saved_consultation};
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('1'));
    app.update(ch('t'));
    let effects = app.update(key(KeyCode::Enter));
    ack(&mut app, effects);
    // The client rings back: not on Monday, on the 20th. `1 t` asks the day again.
    app.update(ch('1'));
    assert!(app.update(ch('t')).is_empty());
    assert!(matches!(
        consultation_screen(&app).mode,
        Mode::CallDay { .. }
    ));
    for c in "20.03".chars() {
        app.update(ch(c));
    }
    let effects = app.update(key(KeyCode::Enter));
    let c = saved_consultation(&effects);
    assert_eq!(c.offers[0].follow_up, NaiveDate::from_ymd_opt(2025, 3, 20));
    ack(&mut app, effects);
    match &app.status {
        Some(Status::Info(s)) => assert!(s.contains("думает, перезвонить 20.03"), "{s}"),
        other => panic!("expected the recorded message, got {other:?}"),
    }
}

/// A card whose client bought life insurance (variant 2) on 11.03, three days ago.
fn card_with_a_sale() -> App {
    let cat = catalog();
    let sold_at = NaiveDate::from_ymd_opt(2025, 3, 11)
        .and_then(|d| d.and_hms_opt(11, 0, 0))
        .expect("time");
    let mut c = Consultation::start(90, sold_at, OFFICER, "Отделение № 5", 7, "deposit", &cat)
        .expect("starts");
    c.main_outcome = Some(Outcome::Accepted);
    c.offers.push(Offer {
        product: "life_insurance".into(),
        technique: Technique::Create,
        slot: None,
        stage: "closing".into(),
        variant: 1,
        made_at: sold_at,
        outcome: Some(Outcome::Accepted),
        outcome_at: Some(sold_at),
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    });
    c.finished_at = Some(sold_at);
    let mut history = ClientHistory::default();
    history.record(&c);
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(HomeData::default()));
    app.update(Msg::ClientCard {
        client: client(),
        history,
        consultations: vec![c],
    });
    app
}

#[test]
fn z_on_the_card_records_a_cancelled_sale_with_its_date() {
    let mut app = card_with_a_sale();
    // `я` is `z` on the Russian layout.
    assert!(app.update(ch('я')).is_empty());
    let text = render(&app, 80, 24);
    assert!(text.contains("Какую продажу отменил клиент?"), "{text}");
    assert!(
        text.contains("11.03 Накопительное страхование жизни"),
        "{text}"
    );
    // The newest first: the insurance and the deposit were sold at the same minute; pick
    // the insurance.
    let card = |app: &App| match &app.screen {
        Screen::Client(c) => c.clone(),
        other => panic!("expected the card, got {other:?}"),
    };
    let sales = card(&app).cancel.expect("the list").sales;
    let at = sales
        .iter()
        .position(|s| s.product == "life_insurance")
        .expect("the insurance");
    for _ in 0..at {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Enter));
    assert!(app.typing(), "the date takes digits");
    // A day before the sale is refused with a word; today's date is proposed.
    for _ in 0..10 {
        app.update(key(KeyCode::Backspace));
    }
    for c in "10.03.2025".chars() {
        app.update(ch(c));
    }
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(render(&app, 80, 24).contains("отмена не может быть раньше продажи"));
    for _ in 0..10 {
        app.update(key(KeyCode::Backspace));
    }
    for c in "13.03.2025".chars() {
        app.update(ch(c));
    }
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::SaveCancellation(c)] = &effects[..] else {
        panic!("expected SaveCancellation, got {effects:?}");
    };
    assert_eq!(c.sale.product, "life_insurance");
    assert_eq!(c.sale.variant, 1);
    assert_eq!(c.sale.officer, OFFICER);
    assert_eq!(c.recorded_by, OFFICER);
    assert_eq!(
        c.cancelled_on,
        NaiveDate::from_ymd_opt(2025, 3, 13).expect("date")
    );
    let stored = Cancellation {
        id: 61,
        ..c.clone()
    };
    app.update(Msg::CancellationSaved(Ok(stored)));
    let after = card(&app);
    assert!(after.cancel.is_none());
    assert!(!after.history.holdings.contains("life_insurance"));
    assert_eq!(
        app.status,
        Some(Status::Info(
            "Записана отмена: Накопительное страхование жизни (13.03.2025)".into()
        ))
    );
    let text = render(&app, 80, 24);
    assert!(text.contains("отменено 13.03"), "{text}");
    // The same sale cannot be cancelled twice: only the deposit is left.
    app.update(ch('z'));
    let left = card(&app).cancel.expect("the list").sales;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].product, "deposit");
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(
        card(&app).cancel.is_none(),
        "Esc closes the list, not the card"
    );
}

#[test]
fn z_with_no_recent_sale_says_so() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(HomeData::default()));
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: Vec::new(),
    });
    app.update(ch('z'));
    assert!(matches!(&app.status, Some(Status::Hint(h)) if h.contains("Нет продаж")));
}

#[test]
fn snapshots_of_the_cancellation() {
    for lang in [Lang::Ru, Lang::En] {
        let tag = match lang {
            Lang::Ru => "ru",
            Lang::En => "en",
        };
        let mut list = card_with_a_sale();
        list.lang = lang;
        list.update(ch('z'));
        let mut date = list.clone();
        date.update(key(KeyCode::Enter));
        for (name, app) in [("cancel_list", &list), ("cancel_date", &date)] {
            insta::assert_snapshot!(format!("{name}_{tag}_80x24"), render(app, 80, 24));
        }
    }
}

#[test]
fn a_product_marked_held_by_mistake_is_unmarked_and_a_sold_one_is_not() {
    let mut app = card_with_a_sale();
    // Mark the debit card (not sold here), then take it back.
    let products: Vec<String> = app.catalog.products.iter().map(|p| p.id.clone()).collect();
    let at = |id: &str| products.iter().position(|p| p == id).expect("product");
    app.update(ch('h'));
    for _ in 0..at("debit_card") {
        app.update(key(KeyCode::Down));
    }
    app.update(ch(' '));
    assert_eq!(
        app.update(ch('y')),
        vec![Effect::AddHolding {
            client_id: 7,
            product: "debit_card".into()
        }]
    );
    app.update(Msg::HoldingAdded {
        client_id: 7,
        product: "debit_card".into(),
        result: Ok(()),
    });
    app.update(ch(' '));
    assert!(render(&app, 80, 24).contains("Снять отметку?"));
    assert_eq!(
        app.update(ch('y')),
        vec![Effect::RemoveHolding {
            client_id: 7,
            product: "debit_card".into()
        }]
    );
    app.update(Msg::HoldingRemoved {
        client_id: 7,
        product: "debit_card".into(),
        result: Ok(()),
    });
    assert!(matches!(&app.screen, Screen::Client(c) if !c.history.holdings.contains("debit_card")));
    // The insurance was sold here: unmarking is refused, a cancellation is the way.
    for _ in 0..products.len() {
        app.update(key(KeyCode::Up));
    }
    for _ in 0..at("life_insurance") {
        app.update(key(KeyCode::Down));
    }
    assert!(app.update(ch(' ')).is_empty());
    assert!(matches!(&app.status, Some(Status::Hint(h)) if h.contains("(z)")));
}

/// A check-in after a sale: the credit card sold at the consultation, the call seven days on.
fn check_in_data() -> CallData {
    let cat = catalog();
    let mut origin = Consultation::start(
        310,
        at(9, 0),
        OFFICER,
        "Отделение № 5",
        7,
        "credit_card",
        &cat,
    )
    .expect("starts");
    origin.set_main_outcome(Outcome::Accepted).expect("sold");
    origin.finished_at = Some(at(9, 40));
    origin.main_check_in = Some(now().date());
    CallData {
        client: client(),
        product: "credit_card".into(),
        origin,
        due: now().date(),
        contacts: vec![],
    }
}

#[test]
fn a_check_in_call_records_reached_and_has_no_yes_or_no_to_a_sale() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(check_in_data())));
    let text = render(&app, 80, 24);
    assert!(text.contains("Звонок после продажи"), "{text}");
    assert!(text.contains("y  дозвонились"), "{text}");
    assert!(text.contains("— оформлен"), "{text}");
    insta::assert_snapshot!("call_check_in_ru_80x24", text);
    // n and t mean nothing here: a hint, nothing stored.
    assert!(app.update(ch('n')).is_empty());
    assert!(matches!(&app.status, Some(Status::Hint(h)) if h.contains("звонок после продажи")));
    assert!(app.update(ch('t')).is_empty());
    let k = saved_contact(&app.update(ch('y')));
    assert_eq!(k.outcome, CallOutcome::Reached);
    assert!(k.check_in);
    assert_eq!(k.product, "credit_card");
    // Counted as a check-in, not as a call back's sale.
    let kinds: Vec<crate::consultation::Kind> = k.tallies().keys().map(|t| t.kind).collect();
    assert_eq!(kinds, [crate::consultation::Kind::CheckIn]);
    let effects = app.update(Msg::ContactSaved(Ok(Contact { id: 51, ..k })));
    assert_eq!(effects, vec![Effect::LoadHome]);
}

/// A check-in after the main product was sold in its better version names that version.
#[test]
fn a_check_in_after_an_upsell_names_what_the_client_took() {
    let cat = catalog();
    let mut origin = Consultation::start(
        311,
        at(9, 0),
        OFFICER,
        "Отделение № 5",
        7,
        "credit_card",
        &cat,
    )
    .expect("starts");
    let sold = at(9, 20);
    origin
        .offer(
            "credit_card_premium",
            Technique::Upsell,
            "presentation",
            0,
            sold,
            &cat,
        )
        .expect("offered");
    origin
        .set_outcome("credit_card_premium", Outcome::Accepted, sold, None, &cat)
        .expect("accepted");
    origin.finished_at = Some(at(9, 40));
    // The check-in is the better version's (the offer carries its day).
    if let Some(o) = origin.offers.last_mut() {
        o.check_in = Some(now().date());
    }
    let d = CallData {
        product: "credit_card_premium".into(),
        origin,
        ..check_in_data()
    };
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(d)));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("консультация (Кредитная карта «Свобода Премиум») — оформлен"),
        "{text}"
    );
}

#[test]
fn not_reached_on_a_check_in_tries_the_next_working_day() {
    let mut app = app(Lang::En);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(check_in_data())));
    assert!(render(&app, 80, 24).contains("Check-in call"));
    let k = saved_contact(&app.update(ch('d')));
    assert_eq!(k.outcome, CallOutcome::NotReached);
    assert!(k.check_in);
    assert!(k.next.is_some_and(|d| d > now().date()));
}

/// A call back on the main product itself (the client was thinking about the deposit): the
/// call screen gives its script's presentation to say (the tester's F15: it was empty).
#[test]
fn a_call_back_on_the_main_product_has_its_presentation_to_say() {
    let mut data = call_data();
    data.origin.offers.clear();
    data.origin.main_outcome = Some(Outcome::Thinking);
    data.origin.main_follow_up = Some(now().date());
    data.product = "deposit".into();
    data.contacts.clear();
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(data)));
    let text = render(&app, 80, 24);
    assert!(text.contains("Что сказать"), "{text}");
    assert!(
        text.contains("• Вклад «Доходный»: ставка 11% годовых"),
        "{text}"
    );
    assert!(!text.contains("{main."), "{text}");
    insta::assert_snapshot!("call_main_product_ru_80x24", text);
}

/// A call back on a downsell the client was thinking about (a secured loan after the loan was
/// declined): the call screen gives the downsell's phrase (found walking home at 80×24).
#[test]
fn a_call_back_on_a_downsell_has_its_phrase_to_say() {
    let cat = catalog();
    let mut data = call_data();
    let mut origin = Consultation::start(
        300,
        at(9, 0),
        OFFICER,
        "Отделение № 5",
        7,
        "consumer_loan",
        &cat,
    )
    .expect("starts");
    origin.main_outcome = Some(Outcome::Declined);
    origin.offers.push(Offer {
        product: "secured_loan".into(),
        technique: Technique::Downsell,
        slot: None,
        stage: "objections".into(),
        variant: 0,
        made_at: origin.started_at,
        outcome: Some(Outcome::Thinking),
        outcome_at: Some(origin.started_at),
        disclosures_confirmed: Default::default(),
        follow_up: Some(now().date()),
        check_in: None,
    });
    data.origin = origin;
    data.product = "secured_loan".into();
    data.contacts.clear();
    let (_, say) = cat
        .downsell_phrases("consumer_loan", "secured_loan")
        .expect("the bundled downsell has a phrase");
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(busy_day()));
    app.update(Msg::Call(Box::new(data)));
    let text = render(&app, 120, 40);
    assert!(text.contains("Что сказать"), "{text}");
    let start: String = say[0].chars().take(20).collect();
    assert!(!start.contains('{'), "the phrase starts with text: {start}");
    assert!(text.contains(&start), "{start}\n{text}");
}
