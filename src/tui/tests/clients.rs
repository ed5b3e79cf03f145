//! The client card and form (issue 12: one person, one card): duplicates found by name and
//! phone, editing, consent to calls, holdings, and the run loop refusing a duplicate.

use super::*;

fn petrov() -> Client {
    Client {
        id: 31,
        last_name: "Петров".into(),
        first_name: "Иван".into(),
        patronymic: String::new(),
        phone: "79161112233".into(),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 2).expect("date"),
        segment: String::new(),
        calls_consent: false,
    }
}

fn form_of(app: &App) -> &ClientForm {
    match &app.screen {
        Screen::Find(f) => f.form.as_ref().expect("the new-client form"),
        Screen::Client(c) => c.form.as_ref().expect("the edit form"),
        other => panic!("expected a form, got {other:?}"),
    }
}

fn card_of(app: &App) -> &ClientScreen {
    match &app.screen {
        Screen::Client(c) => c,
        other => panic!("expected the client card, got {other:?}"),
    }
}

/// The new-client form with «петров иван» born 02.01.1980 saved: the run loop found
/// Петров Иван and answered with him.
pub(super) fn duplicate_prompt(lang: Lang) -> App {
    let mut app = app(lang);
    app.update(ch('+'));
    fill_form(
        &mut app,
        ["петров", "иван", "", "8 999 000-00-09", "02.01.1980", ""],
    );
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::AddClient(c)] = &effects[..] else {
        panic!("expected AddClient, got {effects:?}");
    };
    assert_eq!(
        (c.last_name.as_str(), c.first_name.as_str()),
        ("Петров", "Иван")
    );
    assert_eq!(c.id, 0);
    app.update(Msg::SameClients(vec![petrov()]));
    app
}

/// A card with three held products and a history long enough to be cut at 80×24.
pub(super) fn card_app(lang: Lang, consultations: usize) -> App {
    let mut app = app(lang);
    let done = home_data().today[0].consultation.clone();
    let mut history = ClientHistory::default();
    history.record(&done);
    let list = (0..consultations)
        .map(|i| Consultation {
            id: 100 + i as u64,
            ..done.clone()
        })
        .collect();
    app.update(Msg::ClientCard {
        client: client(),
        history,
        consultations: list,
    });
    app
}

#[test]
fn a_duplicate_is_shown_and_enter_opens_the_existing_card() {
    let mut app = duplicate_prompt(Lang::Ru);
    assert!(matches!(
        form_of(&app).question,
        Some(FormQuestion::Same(_))
    ));
    assert!(!form_of(&app).saving);
    let text = render(&app, 80, 24);
    assert!(text.contains("Такой клиент уже есть"), "{text}");
    assert!(text.contains("Петров Иван"), "{text}");
    assert!(text.contains("+7 916 111-22-33 · 02.01.1980"), "{text}");
    assert!(text.contains("совпадают ФИО и дата рождения"), "{text}");
    // Letters answer the question; they do not type into the form.
    assert!(app.update(ch('q')).is_empty());
    assert_eq!(form_of(&app).fields.last_name, "петров");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::LoadClientCard(31)]
    );
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_none()));
    app.update(Msg::ClientCard {
        client: petrov(),
        history: ClientHistory::default(),
        consultations: vec![],
    });
    assert_eq!(card_of(&app).client.id, 31);
    // `y` opens it too, on the Russian layout as well (н).
    let mut app = duplicate_prompt(Lang::Ru);
    assert_eq!(app.update(ch('н')), vec![Effect::LoadClientCard(31)]);
}

#[test]
fn esc_on_the_duplicate_prompt_goes_back_to_the_form_as_typed() {
    let mut app = duplicate_prompt(Lang::Ru);
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    let form = form_of(&app);
    assert_eq!(form.question, None);
    assert_eq!(form.fields.last_name, "петров");
    assert_eq!(form.fields.phone, "8 999 000-00-09");
    // `n` works the same; the officer may correct the form and save again.
    let mut app = duplicate_prompt(Lang::Ru);
    app.update(ch('n'));
    assert_eq!(form_of(&app).question, None);
    assert_eq!(app.update(key(KeyCode::Enter)).len(), 1, "saved again");
}

#[test]
fn the_same_phone_is_named_as_the_reason() {
    let mut app = app(Lang::En);
    app.update(ch('+'));
    fill_form(
        &mut app,
        ["Sidorov", "Oleg", "", "+7 916 111 22 33", "1990-05-05", ""],
    );
    app.update(key(KeyCode::Enter));
    app.update(Msg::SameClients(vec![petrov()]));
    let text = render(&app, 80, 24);
    assert!(text.contains("This client already exists"), "{text}");
    assert!(text.contains("the same phone"), "{text}");
}

#[test]
fn esc_on_a_form_with_typed_data_asks_before_discarding() {
    let mut app = app(Lang::Ru);
    app.update(ch('+'));
    // Nothing typed: Esc closes at once.
    app.update(key(KeyCode::Esc));
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_none()));
    app.update(ch('+'));
    typed(&mut app, "Иванов");
    app.update(key(KeyCode::Esc));
    assert_eq!(form_of(&app).question, Some(FormQuestion::Discard));
    let text = render(&app, 80, 24);
    assert!(text.contains("Не сохранять введённое?"), "{text}");
    // No: back to the form, the name still there.
    app.update(ch('n'));
    assert_eq!(form_of(&app).question, None);
    assert_eq!(form_of(&app).fields.last_name, "Иванов");
    // Esc answers no as well.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert_eq!(form_of(&app).fields.last_name, "Иванов");
    // Yes: discarded.
    app.update(key(KeyCode::Esc));
    app.update(ch('y'));
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_none()));
    // A form prefilled from the search and left as it was closes without asking.
    let mut app = self::app(Lang::Ru);
    app.update(ch('/'));
    typed(&mut app, "Козлов");
    app.update(ch('+'));
    assert_eq!(form_of(&app).fields.last_name, "Козлов");
    app.update(key(KeyCode::Esc));
    assert!(matches!(&app.screen, Screen::Find(f) if f.form.is_none() && f.query == "Козлов"));
}

#[test]
fn the_consent_to_calls_is_a_field_of_the_form_default_no() {
    let mut app = app(Lang::Ru);
    app.update(ch('+'));
    fill_form(
        &mut app,
        [
            "салтыкова-щедрина",
            "анна-мария",
            "",
            "+44 20 7946 0958",
            "01.06.1985",
            "",
        ],
    );
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::AddClient(c)] = &effects[..] else {
        panic!("expected AddClient, got {effects:?}");
    };
    assert!(!c.calls_consent, "default no");
    assert_eq!(c.last_name, "Салтыкова-Щедрина");
    assert_eq!(c.first_name, "Анна-Мария");
    assert_eq!(c.phone, "+442079460958");
    app.update(Msg::ClientAdded(Err("busy".into())));
    // Tab to the consent row; space (or y) says yes.
    app.update(key(KeyCode::Tab));
    assert_eq!(form_of(&app).focused(), None, "the consent row");
    app.update(ch(' '));
    assert!(form_of(&app).calls_consent);
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::AddClient(c)] = &effects[..] else {
        panic!("expected AddClient, got {effects:?}");
    };
    assert!(c.calls_consent);
}

#[test]
fn e_opens_the_card_s_client_in_the_form_prefilled_and_saves_the_edit() {
    let mut app = card_app(Lang::Ru, 1);
    // `у` is `e` on the Russian layout.
    app.update(ch('у'));
    assert!(app.typing(), "letters type into the form");
    let form = form_of(&app);
    assert_eq!(form.editing, Some(7));
    assert_eq!(form.fields.last_name, "Смирнова");
    assert_eq!(form.fields.phone, "+7 916 123-45-67");
    assert_eq!(form.fields.birth_date, "12.04.1985");
    assert!(!form.changed());
    // Unchanged, Esc closes it without asking; the card stays.
    app.update(key(KeyCode::Esc));
    assert!(card_of(&app).form.is_none());
    assert!(matches!(app.screen, Screen::Client(_)));
    app.update(ch('e'));
    // A bad birth date is refused as in the new-client form.
    for _ in 0..10 {
        app.update(key(KeyCode::Up));
    }
    let field = |app: &App| form_of(app).focused();
    while field(&app) != Some(Field::BirthDate) {
        app.update(key(KeyCode::Tab));
    }
    for _ in 0.."12.04.1985".len() {
        app.update(key(KeyCode::Backspace));
    }
    typed(&mut app, "31.02.1985");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(&app.status, Some(Status::Error(e)) if e.contains("такой даты нет")));
    for _ in 0.."31.02.1985".len() {
        app.update(key(KeyCode::Backspace));
    }
    typed(&mut app, "12.04.1986");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::UpdateClient(c)] = &effects[..] else {
        panic!("expected UpdateClient, got {effects:?}");
    };
    assert_eq!(c.id, 7);
    assert_eq!(c.phone, "79161234567");
    assert_eq!(
        c.birth_date,
        NaiveDate::from_ymd_opt(1986, 4, 12).expect("date")
    );
    let stored = c.clone();
    app.update(Msg::ClientUpdated(Ok(stored.clone())));
    let card = card_of(&app);
    assert!(card.form.is_none());
    assert_eq!(card.client, stored);
    assert_eq!(
        app.status,
        Some(Status::Info("Данные клиента сохранены".into()))
    );
}

#[test]
fn an_edit_that_makes_a_duplicate_offers_the_other_card() {
    let mut app = card_app(Lang::Ru, 1);
    app.update(ch('e'));
    app.update(ch('x'));
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::UpdateClient(_)]),
        "{effects:?}"
    );
    app.update(Msg::SameClients(vec![petrov()]));
    assert!(matches!(
        form_of(&app).question,
        Some(FormQuestion::Same(_))
    ));
    // Esc is the question's: back to the form, not to the search.
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Client(_)));
    assert!(card_of(&app).form.is_some());
    app.update(key(KeyCode::Enter));
    app.update(Msg::SameClients(vec![petrov()]));
    assert_eq!(app.update(ch('y')), vec![Effect::LoadClientCard(31)]);
}

#[test]
fn h_lists_the_catalogue_and_marks_a_held_product() {
    let mut app = card_app(Lang::Ru, 1);
    let held_before = card_of(&app).history.holdings.clone();
    assert!(held_before.contains("debit_card"));
    // `р` is `h` on the Russian layout.
    app.update(ch('р'));
    assert!(card_of(&app).holdings.is_some());
    assert!(!app.typing(), "the list takes keys as actions");
    let products: Vec<String> = app.catalog.products.iter().map(|p| p.id.clone()).collect();
    // On a held product, Enter says it is marked already.
    let held_at = products
        .iter()
        .position(|p| p == "debit_card")
        .expect("debit card");
    for _ in 0..held_at {
        app.update(key(KeyCode::Down));
    }
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(&app.status, Some(Status::Hint(h)) if h.contains("Продано здесь")));
    // On one not held, space asks; y records it.
    let free_at = products
        .iter()
        .position(|p| !held_before.contains(p))
        .expect("a product not held");
    for _ in 0..products.len() {
        app.update(key(KeyCode::Up));
    }
    for _ in 0..free_at {
        app.update(key(KeyCode::Down));
    }
    assert!(app.update(ch(' ')).is_empty());
    let product = products[free_at].clone();
    assert_eq!(
        card_of(&app)
            .holdings
            .as_ref()
            .and_then(|h| h.asking.clone()),
        Some(product.clone())
    );
    // n: not recorded.
    app.update(ch('n'));
    assert!(card_of(&app)
        .holdings
        .as_ref()
        .is_some_and(|h| h.asking.is_none()));
    app.update(ch(' '));
    assert_eq!(
        app.update(ch('y')),
        vec![Effect::AddHolding {
            client_id: 7,
            product: product.clone()
        }]
    );
    app.update(Msg::HoldingAdded {
        client_id: 7,
        product: product.clone(),
        result: Ok(()),
    });
    assert!(card_of(&app).history.holdings.contains(&product));
    assert!(matches!(&app.status, Some(Status::Info(i)) if i.starts_with("Отмечено")));
    // Esc closes the list, and only then goes back to the search.
    app.update(key(KeyCode::Esc));
    assert!(card_of(&app).holdings.is_none());
    // The choice of the main product sees the holding at once.
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.screen, Screen::Choose(_)));
    assert!(app
        .card_behind
        .as_ref()
        .is_some_and(|c| c.history.holdings.contains(&product)));
}

#[test]
fn the_card_shows_its_keys_the_consent_and_more_below() {
    let app = card_app(Lang::Ru, 6);
    let text = render(&app, 80, 24);
    for want in [
        "e  изменить",
        "h  продукты клиента",
        "Согласие на звонки: нет",
        "▼ ещё",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let mut help = app.clone();
    help.update(ch('?'));
    let text = render(&help, 80, 24);
    assert!(text.contains("Клавиши карточки клиента"), "{text}");
    assert!(text.contains("изменить данные клиента"), "{text}");
}

#[test]
fn the_run_loop_refuses_a_duplicate_and_holdings_reach_the_next_consultation() {
    use crate::store::{SledStore, Store};
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(&tmp.path().join("db")).expect("open");
    let app = app(Lang::Ru);
    let new = |last: &str, first: &str, phone: &str| Client {
        id: 0,
        last_name: last.into(),
        first_name: first.into(),
        phone: phone.into(),
        ..petrov()
    };
    let Some(Msg::ClientAdded(Ok(first))) = run::perform(
        &store,
        &app,
        Effect::AddClient(new("Петров", "Иван", "79161112233")),
    ) else {
        panic!("the first is added");
    };
    // «петров иван», the same birth date, another phone: refused, answered with Петров.
    let again = run::perform(
        &store,
        &app,
        Effect::AddClient(new("петров", "иван", "79990000009")),
    );
    assert_eq!(again, Some(Msg::SameClients(vec![first.clone()])));
    // Another name, the same phone: refused too.
    let phone = run::perform(
        &store,
        &app,
        Effect::AddClient(new("Сидоров", "Олег", "79161112233")),
    );
    assert_eq!(phone, Some(Msg::SameClients(vec![first.clone()])));
    assert_eq!(store.clients().count(), 1, "no second record");
    // An edit of the client itself is no duplicate.
    let mut edited = first.clone();
    edited.calls_consent = true;
    assert_eq!(
        run::perform(&store, &app, Effect::UpdateClient(edited.clone())),
        Some(Msg::ClientUpdated(Ok(edited)))
    );
    // A holding is in the history the next consultation is prepared with.
    let held = run::perform(
        &store,
        &app,
        Effect::AddHolding {
            client_id: first.id,
            product: "credit_card".into(),
        },
    );
    assert!(matches!(
        held,
        Some(Msg::HoldingAdded { result: Ok(()), .. })
    ));
    let prepared = run::perform(
        &store,
        &app,
        Effect::Prepare {
            client_id: first.id,
            main: "deposit".into(),
        },
    );
    let Some(Msg::Prepared { history, .. }) = prepared else {
        panic!("prepared: {prepared:?}");
    };
    assert!(history.holdings.contains("credit_card"));
}
// Issue 12 (stable numbers, undo, confirmations, 80×24): src/tui/tests/consultation_screen.rs.

/// The card's call backs, soonest first, stay in view at 80×24 however much the client holds.
#[test]
fn the_card_keeps_its_call_backs_in_view_and_in_date_order() {
    let mut app = card_app(Lang::Ru, 1);
    let id = card_of(&app).client.id;
    let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).expect("date");
    let cb = |product: &str, due| crate::consultation::OpenCallBack {
        consultation: 100,
        product: product.into(),
        officer: "Мария Иванова".into(),
        due,
    };
    if let Screen::Client(s) = &mut app.screen {
        s.history.holdings = [
            "debit_card",
            "mobile_bank",
            "sms_alerts",
            "card_insurance",
            "savings_account",
            "deposit_autofill",
            "safe_box",
            "extra_card",
            "cashback_plus",
            "autopay",
        ]
        .map(String::from)
        .into();
    }
    app.update(Msg::CardCallBacks {
        client_id: id,
        open: vec![cb("npf", day(20)), cb("iis", day(17))],
        contacts: Vec::new(),
        cancellations: Vec::new(),
    });
    let text = render(&app, 80, 24);
    let line = text
        .lines()
        .find(|l| l.contains("Перезвонить:"))
        .unwrap_or_else(|| panic!("no call backs on the card:\n{text}"));
    let iis = line.find("17.03").expect("the IIS call");
    let npf = line.find("20.03").expect("the pension call");
    assert!(iis < npf, "soonest first: {line}");
}
