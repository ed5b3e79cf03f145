//! Call backs and contacts in the sled store (DESIGN §4, schema 2): a call back stays open
//! until it is answered on the call, stopped, or the same product is answered in a later
//! consultation; the answer is a contact of its own that counts in the month of the call.

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use sufler::consultation::{
    CallOutcome, Client, Consultation, Contact, Kind, Month, Offer, Outcome, Technique,
};
use sufler::store::{trees, EventKind, SledStore, Store, StoreError, SCHEMA_VERSION};
use sufler::tui::run::{home_data, CALL_BACK_LIMIT};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, min, 0))
        .expect("valid test date")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir).expect("open the store")
}

fn added(store: &SledStore, last: &str, first: &str, phone: &str) -> Client {
    let mut c: Client = serde_json::from_value(serde_json::json!({
        "id": 0,
        "last_name": last,
        "first_name": first,
        "patronymic": "Ивановна",
        "phone": phone,
        "birth_date": "1980-05-05",
        "segment": "массовый",
    }))
    .expect("a client");
    c.id = 0;
    store.add_client(c).expect("add")
}

fn consultation(
    store: &SledStore,
    client: u64,
    started: NaiveDateTime,
    main: &str,
) -> Consultation {
    Consultation {
        id: store.new_id().expect("id"),
        started_at: started,
        officer: "Анна".into(),
        branch: "Тверская".into(),
        client_id: client,
        main: main.into(),
        stage: 0,
        main_outcome: Some(Outcome::Accepted),
        offers: Vec::new(),
        notes: Vec::new(),
        not_receptive: false,
        create_skip: 0,
        finished_at: Some(started + chrono::Duration::minutes(25)),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    }
}

fn offer(
    product: &str,
    at: NaiveDateTime,
    outcome: Outcome,
    follow_up: Option<NaiveDate>,
) -> Offer {
    Offer {
        product: product.into(),
        technique: Technique::Create,
        slot: None,
        stage: "closing".into(),
        variant: 0,
        made_at: at,
        outcome: Some(outcome),
        outcome_at: Some(at),
        disclosures_confirmed: BTreeSet::new(),
        follow_up,
        check_in: None,
    }
}

/// A finished deposit consultation in which the client will think about `product`, to be
/// called on `call`.
fn thinking(
    store: &SledStore,
    client: u64,
    started: NaiveDateTime,
    product: &str,
    call: Option<NaiveDate>,
) -> Consultation {
    let mut c = consultation(store, client, started, "deposit");
    c.offers.push(offer(
        product,
        started + chrono::Duration::minutes(10),
        Outcome::Thinking,
        call,
    ));
    store.save(&c, EventKind::Finished, "").expect("save");
    c
}

fn listed(store: &SledStore, now: NaiveDateTime) -> Vec<(NaiveDate, String, String)> {
    home_data(store, "Анна", now)
        .expect("home")
        .follow_ups
        .into_iter()
        .map(|f| (f.date, f.client_name, f.product))
        .collect()
}

fn contact(
    origin: &Consultation,
    product: &str,
    when: NaiveDateTime,
    outcome: CallOutcome,
) -> Contact {
    Contact {
        id: 0,
        at: when,
        officer: "Анна".into(),
        branch: "Тверская".into(),
        client_id: origin.client_id,
        product: product.into(),
        consultation: origin.id,
        outcome,
        next: None,
        disclosures_confirmed: BTreeSet::new(),
        check_in: false,
    }
}

#[test]
fn a_call_back_is_listed_when_due_and_a_visit_about_something_else_keeps_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let smirnova = added(&store, "Смирнова", "Ольга", "79161234567");
    let origin = thinking(
        &store,
        smirnova.id,
        at(2026, 12, 1, 10, 0),
        "iis",
        Some(day(2026, 12, 4)),
    );
    // Not yet due on the 3rd, due on the 4th, with the phone.
    assert!(listed(&store, at(2026, 12, 3, 9, 0)).is_empty());
    let home = home_data(&store, "Анна", at(2026, 12, 4, 9, 0)).expect("home");
    assert_eq!(home.follow_ups_due, 1);
    assert_eq!(home.follow_ups[0].phone, "79161234567");
    assert_eq!(home.follow_ups[0].consultation, origin.id);
    assert_eq!(store.open_call_backs(smirnova.id).expect("open").len(), 1);
    // She comes about a credit card: nothing said about the ИИС, so the call stays.
    let other = consultation(&store, smirnova.id, at(2026, 12, 3, 15, 0), "credit_card");
    store.save(&other, EventKind::Finished, "").expect("save");
    assert_eq!(
        listed(&store, at(2026, 12, 5, 9, 0)),
        [(
            day(2026, 12, 4),
            "Смирнова Ольга Ивановна".to_string(),
            "iis".to_string()
        )],
        "overdue calls stay listed"
    );
    // In a later consultation she is offered the ИИС again and declines: the call is done.
    let mut again = consultation(&store, smirnova.id, at(2026, 12, 6, 11, 0), "deposit");
    again.offers.push(offer(
        "iis",
        at(2026, 12, 6, 11, 10),
        Outcome::Declined,
        None,
    ));
    store.save(&again, EventKind::Finished, "").expect("save");
    assert!(listed(&store, at(2026, 12, 7, 9, 0)).is_empty());
    assert!(store.open_call_backs(smirnova.id).expect("open").is_empty());
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn thinking_without_a_day_to_call_is_no_call_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let c = added(&store, "Иванова", "Мария", "79160000001");
    thinking(&store, c.id, at(2026, 12, 1, 10, 0), "iis", None);
    assert!(store.open_call_backs(c.id).expect("open").is_empty());
    assert!(listed(&store, at(2026, 12, 20, 9, 0)).is_empty());
}

#[test]
fn an_answer_on_the_call_is_a_contact_that_counts_in_its_own_month() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let c = added(&store, "Кузнецова", "Ирина", "79160000002");
    let origin = thinking(
        &store,
        c.id,
        at(2026, 11, 27, 10, 0),
        "iis",
        Some(day(2026, 11, 30)),
    );
    let before = store.plan_sold("Анна", Month(202612)).expect("plan");

    // Not reached on the 30th (a Monday): moved to the next working day.
    let mut k = contact(
        &origin,
        "iis",
        at(2026, 11, 30, 10, 0),
        CallOutcome::NotReached,
    );
    k.next = Some(day(2026, 12, 1));
    let stored = store.save_contact(k).expect("contact");
    assert!(stored.id > 0);
    assert_eq!(
        listed(&store, at(2026, 11, 30, 18, 0)),
        [],
        "moved to tomorrow"
    );
    assert_eq!(listed(&store, at(2026, 12, 1, 9, 0)).len(), 1);
    // Still thinking on the 1st: called again on the 8th.
    let mut k = contact(
        &origin,
        "iis",
        at(2026, 12, 1, 10, 0),
        CallOutcome::Thinking,
    );
    k.next = Some(day(2026, 12, 8));
    store.save_contact(k).expect("contact");
    assert_eq!(
        store.open_call_backs(c.id).expect("open")[0].due,
        day(2026, 12, 8)
    );
    // Yes on the 8th: the call back is closed, the client holds the product, and the sale
    // counts in December's plan, not November's.
    let yes = contact(
        &origin,
        "iis",
        at(2026, 12, 8, 10, 0),
        CallOutcome::Accepted,
    );
    store.save_contact(yes.clone()).expect("contact");
    assert!(store.open_call_backs(c.id).expect("open").is_empty());
    assert!(store.holdings(c.id).expect("holdings").contains("iis"));
    let after = store.plan_sold("Анна", Month(202612)).expect("plan");
    assert_eq!(
        after.get("iis").copied().unwrap_or(0),
        before.get("iis").copied().unwrap_or(0) + 1
    );
    let calls: Vec<_> = store
        .tallies(Month(202612))
        .expect("tallies")
        .into_iter()
        .filter(|(k, _)| k.kind == Kind::Call)
        .collect();
    assert_eq!(calls.len(), 1);
    let t = calls[0].1;
    assert_eq!(
        (t.offered, t.accepted, t.thinking),
        (2, 1, 1),
        "two calls in December"
    );
    let nov = store.tallies(Month(202611)).expect("tallies");
    let nov_calls: u64 = nov
        .iter()
        .filter(|(k, _)| k.kind == Kind::Call)
        .map(|(_, t)| t.offered)
        .sum();
    assert_eq!(nov_calls, 1, "the unanswered call on 30.11");
    // A second answer on a closed call back is refused, and nothing is stored.
    match store.save_contact(yes) {
        Err(StoreError::CallBackClosed { product, .. }) => assert_eq!(product, "iis"),
        other => panic!("expected CallBackClosed, got {other:?}"),
    }
    let history = store.contacts_of_client(c.id).expect("contacts");
    let outcomes: Vec<CallOutcome> = history.iter().map(|k| k.outcome).collect();
    assert_eq!(
        outcomes,
        [
            CallOutcome::NotReached,
            CallOutcome::Thinking,
            CallOutcome::Accepted
        ]
    );
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn stopping_closes_the_call_back_and_counts_no_call() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let c = added(&store, "Орлова", "Анна", "79160000003");
    let origin = thinking(
        &store,
        c.id,
        at(2026, 12, 1, 10, 0),
        "npf",
        Some(day(2026, 12, 2)),
    );
    store
        .save_contact(contact(
            &origin,
            "npf",
            at(2026, 12, 2, 10, 0),
            CallOutcome::Stopped,
        ))
        .expect("stop");
    assert!(store.open_call_backs(c.id).expect("open").is_empty());
    assert!(!store
        .tallies(Month(202612))
        .expect("tallies")
        .keys()
        .any(|k| k.kind == Kind::Call));
    // A contact that keeps the call back open needs a next day after the call.
    let other = thinking(
        &store,
        c.id,
        at(2026, 12, 3, 10, 0),
        "iis",
        Some(day(2026, 12, 4)),
    );
    let k = contact(&other, "iis", at(2026, 12, 4, 10, 0), CallOutcome::Thinking);
    assert!(matches!(
        store.save_contact(k),
        Err(StoreError::InvalidContact(_))
    ));
    assert!(store.verify().expect("verify").is_ok());
}

#[test]
fn home_lists_the_earliest_call_backs_and_says_how_many_are_due() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    for i in 0..CALL_BACK_LIMIT + 2 {
        let c = added(&store, "Сидорова", "Ирина", &format!("7926{i:07}"));
        thinking(
            &store,
            c.id,
            at(2026, 11, 20, 9, 0),
            "iis",
            Some(day(2026, 11, 23)),
        );
    }
    let early = added(&store, "Агеева", "Ирина", "79260000999");
    thinking(
        &store,
        early.id,
        at(2026, 11, 19, 9, 0),
        "iis",
        Some(day(2026, 11, 21)),
    );
    let home = home_data(&store, "Анна", at(2026, 12, 1, 9, 0)).expect("home");
    assert_eq!(home.follow_ups.len(), CALL_BACK_LIMIT);
    assert_eq!(home.follow_ups_due, CALL_BACK_LIMIT + 3);
    assert_eq!(home.follow_ups[0].client_name, "Агеева Ирина Ивановна");
}

#[test]
fn home_offers_every_unfinished_consultation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let a = added(&store, "Белова", "Вера", "79160000004");
    let b = added(&store, "Галкина", "Нина", "79160000005");
    for (client, h) in [(a.id, 10), (b.id, 11)] {
        let mut c = consultation(&store, client, at(2026, 12, 2, h, 0), "deposit");
        c.finished_at = None;
        c.main_outcome = None;
        store.save(&c, EventKind::Started, "").expect("save");
    }
    let home = home_data(&store, "Анна", at(2026, 12, 2, 12, 0)).expect("home");
    let names: Vec<&str> = home
        .unfinished
        .iter()
        .map(|u| u.client_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Галкина Нина Ивановна", "Белова Вера Ивановна"],
        "latest first"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// `tests/fixtures/v1-db` was written by the schema-1 release (`sufler demo --db …
/// --consultations 300 --clients 60 --months 2 --seed 7 --until 2026-11-30`).
#[test]
fn a_schema_1_database_is_migrated_with_its_call_backs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-db"),
        &db,
    );
    assert_eq!(stored_schema(&db), 1, "the fixture is schema 1");
    let store = open(&db);
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    assert_eq!(report.consultations, 300);
    // Schema-1 clients read as not having consented to calls.
    let clients: Vec<Client> = store.clients().collect::<Result<_, _>>().expect("clients");
    assert_eq!(clients.len(), 60);
    assert!(clients.iter().all(|c| !c.calls_consent));
    // Every schema-1 "thinking" is a call back unless a later consultation of the client
    // answered the same product; the main product's is three days after the start.
    let all: Vec<Consultation> = store
        .consultations_between(at(2000, 1, 1, 0, 0), at(2100, 1, 1, 0, 0))
        .collect::<Result<_, _>>()
        .expect("read every consultation");
    let mut expected = 0;
    for (i, c) in all.iter().enumerate() {
        if c.main_outcome == Some(Outcome::Thinking) {
            assert_eq!(
                c.main_follow_up,
                Some(c.started_at.date() + chrono::Duration::days(3))
            );
        }
        let mut thinking: Vec<&str> = c
            .offers
            .iter()
            .filter(|o| o.outcome == Some(Outcome::Thinking))
            .map(|o| o.product.as_str())
            .collect();
        if c.main_outcome == Some(Outcome::Thinking) {
            thinking.push(&c.main);
        }
        for p in thinking {
            let answered_later = all[i + 1..].iter().any(|l| {
                l.client_id == c.client_id
                    && ((l.main == p && l.main_outcome.is_some())
                        || l.offers
                            .iter()
                            .any(|o| o.product == p && o.outcome.is_some()))
            });
            let open = store
                .open_call_backs(c.client_id)
                .expect("open")
                .iter()
                .any(|cb| cb.consultation == c.id && cb.product == p);
            assert_eq!(open, !answered_later, "consultation {} product {p}", c.id);
            expected += usize::from(open);
        }
    }
    assert!(
        expected > 10,
        "the fixture has call backs to migrate: {expected}"
    );
    let officers: BTreeSet<String> = all.iter().map(|c| c.officer.clone()).collect();
    let by_day: usize = officers
        .iter()
        .map(|o| store.follow_ups(o).expect("follow-ups").len())
        .sum();
    assert_eq!(by_day, expected);
    // Schema 1 kept neither catalogue versions nor plans: none read, none stored.
    assert!(all.iter().all(|c| c.catalog.is_none()));
    for c in &all {
        let month = sufler::consultation::Month::of(c.started_at.date());
        assert_eq!(store.month_plan(month).expect("plan"), None);
    }
    drop(store);
    assert_eq!(stored_schema(&db), SCHEMA_VERSION);
    // Opening again changes nothing.
    let store = open(&db);
    assert!(store.verify().expect("verify").is_ok());
}

/// The schema version stored in the database's `meta` tree.
fn stored_schema(db: &Path) -> u32 {
    raw_sled::with_raw_sled(db, |raw| {
        let v = raw
            .open_tree(trees::META)
            .expect("meta")
            .get(sufler::store::META_SCHEMA_KEY)
            .expect("read")
            .expect("a schema version");
        u32::from_be_bytes(v.as_ref().try_into().expect("4 bytes"))
    })
}

/// `sufler stats` on a month with calls: the call-backs table, counted in the month of the
/// call, and the sale in that month's plan.
#[test]
fn stats_show_the_call_backs_of_the_month() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    {
        let store = open(&db);
        let c = added(&store, "Лебедева", "Анна", "79160000010");
        let origin = thinking(
            &store,
            c.id,
            at(2026, 11, 27, 10, 0),
            "npf",
            Some(day(2026, 12, 1)),
        );
        let mut k = contact(
            &origin,
            "npf",
            at(2026, 12, 1, 10, 0),
            CallOutcome::NotReached,
        );
        k.next = Some(day(2026, 12, 2));
        store.save_contact(k).expect("contact");
        let mut yes = contact(
            &origin,
            "npf",
            at(2026, 12, 2, 11, 0),
            CallOutcome::Accepted,
        );
        yes.disclosures_confirmed = (0..4).collect();
        store.save_contact(yes).expect("contact");
    }
    let out = assert_cmd::Command::cargo_bin("sufler")
        .expect("the binary")
        .args(["stats", "--db"])
        .arg(&db)
        .args(["--month", "2026-12"])
        .env("SUFLER_TODAY", "2026-12-20")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("Перезвоны"), "{text}");
    let row = text
        .lines()
        .skip_while(|l| !l.starts_with("Перезвоны"))
        .find(|l| l.starts_with("npf"))
        .unwrap_or_else(|| panic!("an npf row: {text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Id, name (three words), calls, answered, yes, no, thinking, not reached.
    assert_eq!(cells[4..10], ["2", "1", "1", "0", "0", "1"], "{row}");
    // The sale is in December's plan (the consultation was in November).
    let plan = text
        .lines()
        .skip_while(|l| !l.starts_with("План"))
        .find(|l| l.starts_with("npf"))
        .unwrap_or_else(|| panic!("a plan row: {text}"));
    assert_eq!(plan.split_whitespace().nth(4), Some("1"), "{plan}");
}
