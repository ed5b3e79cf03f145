//! `update` (message in, state and effects out): the first start, home, search, the new
//! client form, the consultation's keys and answers, the disclosure gate, saving and its
//! failures, the finish.

use super::*;

#[test]
fn first_start_asks_name_and_branch_then_saves_the_officer() {
    let (mut app, effects) = App::new(Start {
        lang: Lang::Ru,
        catalog: catalog(),
        now: now(),
        officer: None,
        branch: None,
    });
    assert!(effects.is_empty());
    assert!(matches!(app.screen, Screen::FirstStart(_)));
    // Enter with nothing typed: no effect, the problem is said.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(app.status, Some(Status::Error(_))));
    typed(&mut app, "Мария Иванова");
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "Enter moves to the branch"
    );
    typed(&mut app, "Отделение № 5");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::SaveOfficer {
            name: "Мария Иванова".into(),
            branch: "Отделение № 5".into()
        }]
    );
    assert_eq!(
        app.update(Msg::OfficerSaved(Ok(()))),
        vec![Effect::LoadHome]
    );
    assert!(matches!(app.screen, Screen::Home(_)));
    assert_eq!(app.officer, "Мария Иванова");
    assert_eq!(app.branch, "Отделение № 5");
}

#[test]
fn first_start_failure_is_shown() {
    let (mut app, _) = App::new(Start {
        lang: Lang::En,
        catalog: catalog(),
        now: now(),
        officer: None,
        branch: Some("Branch 5".into()),
    });
    typed(&mut app, "Maria");
    assert_eq!(app.update(key(KeyCode::Enter)).len(), 1);
    app.update(Msg::OfficerSaved(Err("disk full".into())));
    assert!(matches!(app.screen, Screen::FirstStart(_)));
    assert_eq!(
        app.status,
        Some(Status::Error("Not saved: disk full".into()))
    );
}

#[test]
fn home_keys() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(home_data()));
    // Enter resumes the unfinished consultation (selected first).
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::Resume {
            consultation_id: 41
        }]
    );
    // Down to the first call back; Enter opens the call.
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::LoadCall {
            consultation: 21,
            product: "iis".into()
        }]
    );
    assert!(app.update(ch('/')).is_empty());
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_none()));
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Home(_)));
    app.update(ch('+'));
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_some()));
    let mut app = self::app(Lang::Ru);
    assert_eq!(app.update(ch('q')), vec![Effect::Quit]);
    assert_eq!(
        app.update(ch('й')),
        vec![Effect::Quit],
        "q on the Russian layout"
    );
}

#[test]
fn quitting_home_with_an_unfinished_consultation_asks_first() {
    let mut app = app(Lang::Ru);
    app.update(Msg::Home(home_data()));
    assert!(app.update(ch('q')).is_empty(), "asks, does not quit");
    assert!(matches!(&app.screen, Screen::Home(h) if h.confirm_quit));
    assert!(render(&app, 80, 24).contains("Выйти из «Суфлёра»?"));
    // Other keys do nothing while the question is open; n keeps the officer on home.
    assert!(app.update(ch('/')).is_empty());
    assert!(matches!(&app.screen, Screen::Home(_)));
    assert!(app.update(ch('n')).is_empty());
    assert!(matches!(&app.screen, Screen::Home(h) if !h.confirm_quit));
    assert!(!render(&app, 80, 24).contains("Выйти из «Суфлёра»?"));
    // q twice (й on the Russian layout) quits; so does y.
    app.update(ch('q'));
    assert_eq!(app.update(ch('й')), vec![Effect::Quit]);
    let mut app = self::app(Lang::Ru);
    app.update(Msg::Home(home_data()));
    app.update(ch('й'));
    assert_eq!(app.update(ch('y')), vec![Effect::Quit]);
    // Nothing unfinished: q quits at once.
    let mut app = self::app(Lang::Ru);
    app.update(Msg::Home(HomeData {
        unfinished: Vec::new(),
        ..home_data()
    }));
    assert_eq!(app.update(ch('q')), vec![Effect::Quit]);
}

#[test]
fn only_key_presses_count_and_ctrl_c_quits_anywhere() {
    let mut app = app(Lang::Ru);
    let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert!(app.update(Msg::Key(release)).is_empty());
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(app.update(ctrl_c.clone()), vec![Effect::Quit]);
    let mut app = consulting(Lang::Ru, "deposit");
    assert_eq!(app.update(ctrl_c), vec![Effect::Quit]);
}

#[test]
fn resumed_consultation_opens_where_it_was() {
    let mut app = app(Lang::Ru);
    let cat = catalog();
    let mut c = Consultation::start(41, at(10, 5), "Мария Иванова", "", 7, "credit_card", &cat)
        .expect("starts");
    c.stage = 2;
    app.update(Msg::Resumed {
        client: client(),
        history: ClientHistory::default(),
        plan_sold: BTreeMap::new(),
        rotation: BTreeMap::new(),
        consultation: Box::new(c),
    });
    let s = consultation_screen(&app);
    assert_eq!(s.consultation.stage, 2);
    assert!(s.pending.is_none());
}

#[test]
fn search_as_you_type() {
    let mut app = app(Lang::Ru);
    app.update(ch('/'));
    let effects = typed(&mut app, "Смир");
    assert_eq!(
        effects,
        vec![
            Effect::Search("С".into()),
            Effect::Search("См".into()),
            Effect::Search("Сми".into()),
            Effect::Search("Смир".into()),
        ]
    );
    // Letters are text here, not actions: `q` types, it does not quit.
    assert_eq!(typed(&mut app, "q"), vec![Effect::Search("Смирq".into())]);
    assert_eq!(
        app.update(key(KeyCode::Backspace)),
        vec![Effect::Search("Смир".into())]
    );
    // An answer to an older keystroke is ignored.
    app.update(Msg::SearchResults {
        query: "Сми".into(),
        clients: vec![client()],
    });
    assert!(matches!(&app.screen, Screen::Find(f) if f.results.is_empty()));
    app.update(Msg::SearchResults {
        query: "Смир".into(),
        clients: search_results(),
    });
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::LoadClientCard(8)]
    );
    // Phone digits search too.
    let mut app = self::app(Lang::Ru);
    app.update(ch('/'));
    assert_eq!(
        typed(&mut app, "916").last(),
        Some(&Effect::Search("916".into()))
    );
    // Clearing the query clears the list without a search.
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    assert!(app.update(key(KeyCode::Backspace)).is_empty());
}

#[test]
fn add_client_form_names_the_bad_field() {
    let mut app = app(Lang::Ru);
    app.update(ch('+'));
    fill_form(
        &mut app,
        ["Смирнова", "Анна", "Сергеевна", "12-34", "12.04.1985", ""],
    );
    let effects = app.update(key(KeyCode::Enter));
    assert!(effects.is_empty(), "a bad phone is not saved: {effects:?}");
    match &app.status {
        Some(Status::Error(e)) => assert!(e.starts_with("Телефон"), "{e}"),
        other => panic!("expected an error naming the phone, got {other:?}"),
    }
    let Screen::Find(f) = &app.screen else {
        panic!("still on the form");
    };
    let form = f.form.as_ref().expect("the form stays open");
    assert_eq!(
        find::FIELDS[form.focus],
        Field::Phone,
        "focus moves to the bad field"
    );
    let text = render(&app, 80, 24);
    assert!(text.contains("нужно от 10 до 15 цифр"), "{text}");

    // Fixing it saves.
    for _ in 0.."12-34".len() {
        app.update(key(KeyCode::Backspace));
    }
    typed(&mut app, "8 916 123-45-67");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::AddClient(valid)] = &effects[..] else {
        panic!("expected AddClient, got {effects:?}");
    };
    assert_eq!(valid.phone, "79161234567");
    app.update(Msg::ClientAdded(Ok(client())));
    assert!(matches!(&app.screen, Screen::Client(c) if c.client.id == 7));
}

#[test]
fn add_client_failure_is_shown_on_the_form() {
    let mut app = app(Lang::En);
    app.update(ch('+'));
    fill_form(
        &mut app,
        ["Smith", "Anna", "", "+7 916 123 45 67", "1985-04-12", ""],
    );
    assert_eq!(app.update(key(KeyCode::Enter)).len(), 1);
    app.update(Msg::ClientAdded(Err("database locked".into())));
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.as_ref().is_some_and(|f| !f.saving)));
    assert_eq!(
        app.status,
        Some(Status::Error("Not saved: database locked".into()))
    );
}

#[test]
fn client_card_then_choose_then_prepare() {
    let mut app = app(Lang::Ru);
    app.update(ch('/'));
    typed(&mut app, "Смир");
    app.update(Msg::SearchResults {
        query: "Смир".into(),
        clients: search_results(),
    });
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: vec![],
    });
    assert!(matches!(app.screen, Screen::Client(_)));
    // Esc goes back to the search as it was.
    app.update(key(KeyCode::Esc));
    assert!(matches!(&app.screen, Screen::Find(f) if f.query == "Смир" && f.results.len() == 2));
    app.update(Msg::ClientCard {
        client: client(),
        history: ClientHistory::default(),
        consultations: vec![],
    });
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(app.screen, Screen::Choose(_)));
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::Prepare {
            client_id: 7,
            main: "credit_card".into()
        }]
    );
    // Esc from the choice goes back to the card.
    let mut app2 = app.clone();
    if let Screen::Choose(c) = &mut app2.screen {
        c.preparing = false;
    }
    app2.update(key(KeyCode::Esc));
    assert!(matches!(app2.screen, Screen::Client(_)));
    // A failure to prepare is shown and the choice can be made again.
    app.update(Msg::Failed("no ids left".into()));
    assert_eq!(app.status, Some(Status::Error("no ids left".into())));
    assert_eq!(app.update(key(KeyCode::Enter)).len(), 1);
}

#[test]
fn picking_a_prompt_and_y_saves_an_accepted_offer_shown_only_once_stored() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    let env = app.env();
    let items = consultation_screen(&app).items(&env);
    assert_eq!(items[0].product(), "debit_card");
    assert!(app.update(ch('1')).is_empty());
    let effects = app.update(ch('y'));
    let next = saved_consultation(&effects);
    assert!(
        matches!(&effects[0], Effect::Save { event: EventKind::Outcome, detail, .. } if detail == "debit_card accepted")
    );
    assert_eq!(next.offers.len(), 1);
    assert_eq!(next.offers[0].product, "debit_card");
    assert_eq!(next.offers[0].technique, Technique::Catch);
    assert_eq!(next.offers[0].outcome, Some(Outcome::Accepted));
    assert_eq!(next.offers[0].made_at, now());
    // Not shown as done yet.
    let s = consultation_screen(&app);
    assert!(s.consultation.offers.is_empty());
    assert!(s.pending.is_some());
    assert_eq!(app.status, Some(Status::Saving));
    let text = render(&app, 80, 24);
    assert!(text.contains("сохраняю"), "{text}");
    assert!(!text.contains("Уже предложено"), "{text}");
    // A second action waits for the first.
    assert!(app.update(ch('n')).is_empty());
    // Stored: now it is done.
    app.update(Msg::Saved(Ok(next)));
    let s = consultation_screen(&app);
    assert!(s.pending.is_none());
    assert_eq!(s.consultation.offers[0].outcome, Some(Outcome::Accepted));
    assert!(matches!(&app.status, Some(Status::Info(m)) if m.contains("согласие")));
    let text = render(&app, 80, 24);
    assert!(text.contains("Уже предложено"), "{text}");
    assert!(text.contains("Лови момент 1/2"), "{text}");
}

#[test]
fn saved_err_shows_the_error_and_the_action_is_not_done() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('2'));
    let effects = app.update(ch('n'));
    assert_eq!(effects.len(), 1);
    app.update(Msg::Saved(Err("нет места на диске".into())));
    let s = consultation_screen(&app);
    assert!(s.pending.is_none());
    assert!(s.consultation.offers.is_empty());
    assert_eq!(
        app.status,
        Some(Status::Error("Не сохранено: нет места на диске".into()))
    );
    let text = render(&app, 80, 24);
    assert!(text.contains("Не сохранено: нет места на диске"), "{text}");
    // The officer can try again.
    assert_eq!(app.update(ch('n')).len(), 1);
}

#[test]
fn y_with_nothing_picked_records_the_main_product() {
    let mut app = consulting(Lang::Ru, "deposit");
    let effects = app.update(ch('y'));
    assert!(matches!(
        &effects[..],
        [Effect::Save {
            event: EventKind::MainOutcome,
            ..
        }]
    ));
    assert_eq!(
        saved_consultation(&effects).main_outcome,
        Some(Outcome::Accepted)
    );
    assert_eq!(consultation_screen(&app).consultation.main_outcome, None);
    ack(&mut app, effects);
    assert_eq!(
        consultation_screen(&app).consultation.main_outcome,
        Some(Outcome::Accepted)
    );
}

/// A number with nothing under it, then a blind `y`: nothing lands on the main product.
#[test]
fn y_after_a_wrong_number_records_nothing_until_a_number_or_esc() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('1'));
    assert!(consultation_screen(&app).picked.is_some());
    // 9 has nothing under it: the pick is dropped and the answers wait.
    assert!(app.update(ch('9')).is_empty());
    assert_eq!(consultation_screen(&app).picked, None);
    for key in ['y', 'y', 'n', 't'] {
        assert!(app.update(ch(key)).is_empty(), "{key} recorded something");
        assert!(
            matches!(&app.status, Some(Status::Hint(h)) if h.contains("Номера 9 нет — ответ не записан")),
            "{:?}",
            app.status
        );
    }
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Esc (тогда y — основной)"),
        "the hint fits 80 columns:\n{text}"
    );
    assert_eq!(consultation_screen(&app).consultation.main_outcome, None);
    assert!(consultation_screen(&app).consultation.offers.is_empty());
    // A good number then y answers that prompt.
    app.update(ch('9'));
    app.update(ch('1'));
    let product = consultation_screen(&app).picked.clone().expect("picked");
    let effects = app.update(ch('y'));
    assert_eq!(saved_consultation(&effects).offers[0].product, product);
    ack(&mut app, effects);
    // Esc after a wrong number: y is the main product's again.
    app.update(ch('9'));
    app.update(key(KeyCode::Esc));
    assert!(
        matches!(app.screen, Screen::Consultation(_)),
        "Esc only drops the miss"
    );
    assert_eq!(consultation_screen(&app).mode, Mode::Normal);
    let effects = app.update(ch('y'));
    assert_eq!(
        saved_consultation(&effects).main_outcome,
        Some(Outcome::Accepted)
    );
}

#[test]
fn russian_layout_keys_work_in_the_consultation() {
    let mut app = consulting(Lang::Ru, "deposit");
    // н = y, т = n, е = t
    let effects = app.update(ch('н'));
    assert_eq!(
        saved_consultation(&effects).main_outcome,
        Some(Outcome::Accepted)
    );
    ack(&mut app, effects);
    // е = t on an answer already recorded asks first; н = y says yes.
    assert!(app.update(ch('е')).is_empty());
    // Then the day of the call back: Enter takes 3 working days on (Friday: Wednesday).
    assert!(app.update(ch('н')).is_empty());
    assert!(matches!(
        consultation_screen(&app).mode,
        Mode::CallDay { .. }
    ));
    let effects = app.update(key(KeyCode::Enter));
    let c = saved_consultation(&effects);
    assert_eq!(c.main_outcome, Some(Outcome::Thinking));
    assert_eq!(
        c.main_follow_up,
        Some(now().date() + chrono::Duration::days(5))
    );
    ack(&mut app, effects);
    // а = f: finish (the formula is not met: asked, а again says yes)
    assert!(app.update(ch('а')).is_empty());
    let effects = app.update(ch('а'));
    assert!(saved_consultation(&effects).is_finished());
}

#[test]
fn disclosure_gate_blocks_y_until_every_line_is_confirmed() {
    let mut app = consulting(Lang::Ru, "credit_card");
    goto_stage(&mut app, "presentation");
    let env = app.env();
    let items = consultation_screen(&app).items(&env);
    let n = items
        .iter()
        .position(|i| i.product() == "card_insurance")
        .expect("card insurance is prompted")
        + 1;
    let digit = char::from(b'0' + u8::try_from(n).expect("a digit"));
    app.update(ch(digit));
    // y opens the disclosure lines instead of saving.
    assert!(app.update(ch('y')).is_empty());
    assert!(
        matches!(&consultation_screen(&app).mode, Mode::Disclosure { product } if product == "card_insurance")
    );
    let text = render(&app, 80, 24);
    assert!(text.contains("[ ] 1"), "{text}");
    // y again with nothing ticked: still blocked.
    assert!(app.update(ch('y')).is_empty());
    assert!(matches!(&app.status, Some(Status::Error(e)) if e.contains("2")));
    // Tick line 1 with its number, line 2 with Enter.
    app.update(ch('1'));
    assert!(app.update(ch('y')).is_empty(), "one line is still missing");
    app.update(key(KeyCode::Enter));
    let text = render(&app, 80, 24);
    assert!(text.contains("[✓] 1") && text.contains("[✓] 2"), "{text}");
    let effects = app.update(ch('y'));
    let next = saved_consultation(&effects);
    let offer = next.offer_of("card_insurance").expect("offered");
    assert_eq!(offer.outcome, Some(Outcome::Accepted));
    assert_eq!(offer.disclosures_confirmed.len(), 2);
    ack(&mut app, effects);
    let s = consultation_screen(&app);
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.said.is_empty());
}

#[test]
fn declining_a_product_with_disclosures_needs_no_confirmation() {
    let mut app = consulting(Lang::Ru, "credit_card");
    goto_stage(&mut app, "presentation");
    app.update(ch('3'));
    let effects = app.update(ch('n'));
    let next = saved_consultation(&effects);
    assert_eq!(
        next.offer_of("card_insurance").and_then(|o| o.outcome),
        Some(Outcome::Declined)
    );
}

#[test]
fn thinking_offer_can_be_changed_to_accepted_later() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('1'));
    // `t` asks the day of the call back; ↑ and Enter: the next working day (a Friday: Monday).
    assert!(app.update(ch('t')).is_empty());
    app.update(key(KeyCode::Up));
    let effects = app.update(key(KeyCode::Enter));
    ack(&mut app, effects);
    let c = &consultation_screen(&app).consultation;
    assert_eq!(c.offers[0].outcome, Some(Outcome::Thinking));
    assert_eq!(
        c.offers[0].follow_up,
        Some(now().date() + chrono::Duration::days(3))
    );
    match &app.status {
        Some(Status::Info(s)) => assert!(s.contains("17.03"), "the day is said: {s}"),
        other => panic!("expected the recorded message, got {other:?}"),
    }
    // The answer cleared the pick; picked again (same number), y asks, then changes it.
    assert_eq!(consultation_screen(&app).picked, None);
    app.update(ch('1'));
    assert!(app.update(ch('y')).is_empty());
    assert!(matches!(
        consultation_screen(&app).mode,
        Mode::ConfirmChange {
            from: Outcome::Thinking,
            to: Outcome::Accepted,
            ..
        }
    ));
    let effects = app.update(ch('y'));
    let next = saved_consultation(&effects);
    assert_eq!(next.offers.len(), 1);
    assert_eq!(next.offers[0].outcome, Some(Outcome::Accepted));
}

#[test]
fn not_receptive_asks_then_stops_prompts() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    assert!(app.update(ch('r')).is_empty());
    assert_eq!(consultation_screen(&app).mode, Mode::ConfirmNotReceptive);
    // n cancels.
    app.update(ch('n'));
    assert_eq!(consultation_screen(&app).mode, Mode::Normal);
    app.update(ch('r'));
    let effects = app.update(ch('y'));
    assert!(matches!(
        &effects[..],
        [Effect::Save {
            event: EventKind::NotReceptive,
            ..
        }]
    ));
    ack(&mut app, effects);
    let env = app.env();
    let s = consultation_screen(&app);
    assert!(s.consultation.not_receptive);
    assert!(s.items(&env).is_empty(), "no more prompts");
    let text = render(&app, 80, 24);
    assert!(text.contains("не настроен"), "{text}");
}

#[test]
fn finish_shows_the_summary_then_home() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "presentation");
    app.update(ch('1'));
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    // The answer cleared the pick: y is the main product's.
    assert_eq!(consultation_screen(&app).picked, None);
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    // The formula is not met (catch 1/2, create 0/1): f asks first.
    assert!(app.update(ch('f')).is_empty());
    assert_eq!(consultation_screen(&app).mode, Mode::ConfirmFinish);
    let effects = app.update(ch('y'));
    assert!(matches!(
        &effects[..],
        [Effect::Save {
            event: EventKind::Finished,
            ..
        }]
    ));
    assert!(
        matches!(app.screen, Screen::Consultation(_)),
        "not before it is stored"
    );
    ack(&mut app, effects);
    assert!(matches!(app.screen, Screen::Summary(_)));
    let text = render(&app, 80, 24);
    assert!(text.contains("Оформлено"), "{text}");
    assert_eq!(app.update(ch('z')), vec![Effect::LoadHome]);
    assert!(matches!(app.screen, Screen::Home(_)));
}

/// A main product the client is still thinking about: the summary says when to call.
#[test]
fn the_summary_gives_the_call_back_day_of_the_main_product() {
    let mut app = consulting(Lang::Ru, "deposit");
    goto_stage(&mut app, "closing");
    // t with nothing picked is the main product's; Enter takes the offered day.
    assert!(app.update(ch('t')).is_empty(), "the day is asked first");
    let effects = app.update(key(KeyCode::Enter));
    let c = saved_consultation(&effects);
    let day = c.main_follow_up.expect("a call-back day");
    ack(&mut app, effects);
    app.update(ch('f'));
    let effects = app.update(ch('y'));
    ack(&mut app, effects);
    assert!(matches!(app.screen, Screen::Summary(_)));
    let text = render(&app, 80, 24);
    let want = format!(
        "думает · перезвонить {}",
        crate::tui::common::date(Lang::Ru, day)
    );
    assert!(text.contains(&want), "{want}:\n{text}");
}
