//! The sled store on temporary directories (DESIGN §5).

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use chrono::{NaiveDate, NaiveDateTime};
use predicates::prelude::*;
use sufler::consultation::{
    Client, Consultation, Month, Note, Offer, Outcome, Tally, TallyKey, Technique,
};
use sufler::store::{
    default_path, trees, EventKind, Officer, SledStore, Store, StoreError, META_SCHEMA_KEY,
    SCHEMA_VERSION,
};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, min, 0))
        .expect("valid test date")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn client(last: &str, first: &str, patronymic: &str, phone: &str) -> Client {
    Client {
        id: 0,
        last_name: last.into(),
        first_name: first.into(),
        patronymic: patronymic.into(),
        phone: phone.into(),
        birth_date: day(1980, 5, 17),
        segment: "mass".into(),
        calls_consent: false,
    }
}

/// The client made from these names and phone, added to `store`.
fn added(store: &SledStore, last: &str, first: &str, patronymic: &str, phone: &str) -> Client {
    store
        .add_client(client(last, first, patronymic, phone))
        .expect("add")
}

fn consultation(
    id: u64,
    client_id: u64,
    officer: &str,
    started_at: NaiveDateTime,
    main: &str,
) -> Consultation {
    Consultation {
        id,
        started_at,
        officer: officer.into(),
        branch: "Тверская".into(),
        client_id,
        main: main.into(),
        stage: 0,
        main_outcome: None,
        offers: Vec::new(),
        notes: Vec::new(),
        not_receptive: false,
        create_skip: 0,
        finished_at: None,
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    }
}

fn offer(
    product: &str,
    technique: Technique,
    variant: u32,
    made_at: NaiveDateTime,
    outcome: Option<Outcome>,
) -> Offer {
    Offer {
        product: product.into(),
        technique,
        slot: None,
        stage: "presentation".into(),
        variant,
        made_at,
        outcome,
        outcome_at: outcome.map(|_| made_at),
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    }
}

/// Runs `f` on the raw sled database (to damage it behind the store's back).
fn with_raw_sled(dir: &Path, f: impl FnOnce(&sled::Db)) {
    raw_sled::with_raw_sled(dir, f)
}

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir).expect("open the store")
}

/// A database made by `fill` and closed again, to be changed behind the store's back.
fn made_with(fill: impl FnOnce(&SledStore)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    fill(&open(tmp.path()));
    tmp
}

/// Every consultation of the test histories (all in 2024), in the order they started.
fn of_2024(store: &SledStore) -> Vec<Consultation> {
    store
        .consultations_between(at(2024, 1, 1, 0, 0), at(2025, 1, 1, 0, 0))
        .collect::<Result<_, _>>()
        .expect("readable consultations")
}

fn surnames(found: &[Client]) -> Vec<&str> {
    found.iter().map(|c| c.last_name.as_str()).collect()
}

#[test]
fn clients_round_trip_and_search() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let ivanov = added(&store, "Иванов", "Иван", "Петрович", "79161234567");
    let ivanova = added(&store, "Иванова", "Мария", "Сергеевна", "79031112233");
    let yolkin = added(&store, "Ёлкин", "Сергей", "", "79269998877");
    let semenov = added(&store, "Семёнов", "Пётр", "", "84951234567");
    let ids = [ivanov.id, ivanova.id, yolkin.id, semenov.id];
    assert!(ids.iter().all(|&id| id != 0));
    let mut unique = ids.to_vec();
    unique.dedup();
    assert_eq!(unique.len(), 4, "ids are distinct: {ids:?}");
    assert_eq!(store.client(ivanov.id).expect("get"), Some(ivanov.clone()));
    assert_eq!(store.client(u64::MAX).expect("get"), None);

    let search = |q: &str| store.search_clients(q, 50).expect("search");
    assert_eq!(surnames(&search("ива")), ["Иванов", "Иванова"]);
    assert_eq!(surnames(&search("ИВАНОВ")), ["Иванов", "Иванова"]);
    assert_eq!(surnames(&search("иванова")), ["Иванова"]);
    assert_eq!(surnames(&search("Иванов Мар")), ["Иванова"]);
    assert_eq!(surnames(&search("иванов иван петр")), ["Иванов"]);
    for q in ["елкин", "Ёлкин", "ЁЛК", "ёлкин"] {
        assert_eq!(surnames(&search(q)), ["Ёлкин"], "query {q}");
    }
    assert_eq!(surnames(&search("семенов")), ["Семёнов"]);
    // Phone digits: as stored, without the country code, with the trunk 8.
    assert_eq!(surnames(&search("7916")), ["Иванов"]);
    assert_eq!(surnames(&search("916 123")), ["Иванов"]);
    assert_eq!(surnames(&search("+7 (903)")), ["Иванова"]);
    assert_eq!(surnames(&search("8926")), ["Ёлкин"]);
    assert_eq!(surnames(&search("495")), ["Семёнов"]);
    assert_eq!(surnames(&search("84951")), ["Семёнов"]);
    assert_eq!(search("9").len(), 3, "9… matches the three mobile numbers");
    // Digits match a prefix, not a substring.
    assert!(search("1234567").is_empty());
    assert!(search("").is_empty());
    assert!(search("Петров").is_empty());
    assert_eq!(store.search_clients("ива", 1).expect("search").len(), 1);

    // An update moves the search entries; forgetting removes them.
    let mut married = ivanova.clone();
    married.last_name = "Петрова".into();
    store.update_client(&married).expect("update");
    assert_eq!(surnames(&search("ива")), ["Иванов"]);
    assert_eq!(surnames(&search("петрова")), ["Петрова"]);
    let forgotten = store
        .forget_client(ivanov.id)
        .expect("forget")
        .expect("known client");
    assert!(forgotten.last_name.is_empty() && forgotten.phone.is_empty());
    assert_eq!(forgotten.birth_date, day(1980, 1, 1));
    assert_eq!(store.client(ivanov.id).expect("get"), Some(forgotten));
    assert!(search("ива").is_empty());
    assert!(search("7916").is_empty());
    assert_eq!(store.clients().count(), 4);
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    assert_eq!(report.clients, 4);

    // Reopened, everything is still there.
    drop(store);
    let store = open(tmp.path());
    assert_eq!(store.client(yolkin.id).expect("get"), Some(yolkin));
}

#[test]
fn consultation_round_trip_and_indexes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    store
        .save_officer(&Officer {
            name: "Анна".into(),
            branch: "Тверская".into(),
        })
        .expect("officer");
    assert_eq!(
        store.officer("Анна").expect("officer").map(|o| o.branch),
        Some("Тверская".into())
    );
    assert_eq!(store.officer("Борис").expect("officer"), None);

    let cl = added(&store, "Орлова", "Ольга", "", "79110000000");
    let id = store.new_id().expect("id");
    let start = at(2024, 5, 10, 11, 0);
    let mut c = consultation(id, cl.id, "Анна", start, "deposit");
    c.main_outcome = Some(Outcome::Accepted);
    c.offers.push(offer(
        "debit_card",
        Technique::Catch,
        1,
        at(2024, 5, 10, 11, 5),
        Some(Outcome::Accepted),
    ));
    c.offers.push(offer(
        "npf",
        Technique::Create,
        0,
        at(2024, 5, 10, 11, 9),
        Some(Outcome::Declined),
    ));
    c.notes.push(Note {
        stage: "needs".into(),
        product: Some("npf".into()),
        text: "уже есть НПФ в другом банке".into(),
        at: at(2024, 5, 10, 11, 10),
    });
    c.finished_at = Some(at(2024, 5, 10, 11, 20));
    store.save(&c, EventKind::Finished, "f").expect("save");

    assert_eq!(store.consultation(id).expect("load"), Some(c.clone()));
    assert_eq!(store.consultation(id + 1000).expect("load"), None);
    assert_eq!(
        store.consultations_of_client(cl.id).expect("of client"),
        [c.clone()]
    );
    let in_may: Vec<_> = store
        .consultations_between(at(2024, 5, 1, 0, 0), at(2024, 6, 1, 0, 0))
        .collect::<Result<_, _>>()
        .expect("range");
    assert_eq!(in_may, [c.clone()]);
    assert_eq!(
        store
            .consultations_between(at(2024, 5, 10, 11, 1), at(2024, 6, 1, 0, 0))
            .count(),
        0,
        "the range is by start time"
    );

    // Holdings come from the finished consultation; the decline is dated.
    let history = store.history(cl.id).expect("history");
    assert_eq!(
        history
            .holdings
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["debit_card", "deposit"]
    );
    assert_eq!(history.declined_on.get("npf"), Some(&day(2024, 5, 10)));
    store.add_holding(cl.id, "credit_card").expect("holding");
    assert!(store
        .holdings(cl.id)
        .expect("holdings")
        .contains("credit_card"));
    assert!(matches!(
        store.add_holding(987_654, "x"),
        Err(StoreError::UnknownClient(987_654))
    ));

    let events: Vec<_> = store.events().collect::<Result<_, _>>().expect("events");
    let finished: Vec<_> = events
        .iter()
        .filter(|(_, e)| e.kind == EventKind::Finished)
        .collect();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].1.consultation, Some(id));
    assert_eq!(finished[0].1.officer, "Анна");
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(store.verify().expect("verify").is_ok());

    // A re-save that moves the start time and the client moves the record and its indexes.
    let other = added(&store, "Орлов", "Олег", "", "79110000001");
    let mut moved = c.clone();
    moved.started_at = at(2024, 6, 2, 9, 0);
    moved.client_id = other.id;
    store
        .save(&moved, EventKind::Edited, "clock")
        .expect("save");
    assert_eq!(store.consultation(id).expect("load"), Some(moved.clone()));
    assert!(store
        .consultations_of_client(cl.id)
        .expect("of client")
        .is_empty());
    assert_eq!(
        store.consultations_of_client(other.id).expect("of client"),
        [moved]
    );
    assert!(store.tallies(Month(202405)).expect("tallies").is_empty());
    assert_eq!(
        store.tallies(Month(202406)).expect("tallies"),
        c.tallies()
            .into_iter()
            .map(|(mut k, t)| {
                k.month = Month(202406);
                (k, t)
            })
            .collect()
    );
    let dynamic: &dyn Store = &store;
    let report = dynamic.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn unfinished_consultation_is_found_after_reopening() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let saved = {
        let store = open(tmp.path());
        let cl = added(&store, "Кузнецов", "Олег", "", "79000000001");
        let mut old = consultation(
            store.new_id().expect("id"),
            cl.id,
            "Анна",
            at(2024, 5, 9, 10, 0),
            "deposit",
        );
        store.save(&old, EventKind::Started, "").expect("save");
        old.finished_at = Some(at(2024, 5, 9, 10, 30));
        store.save(&old, EventKind::Finished, "").expect("save");

        let mut c = consultation(
            store.new_id().expect("id"),
            cl.id,
            "Анна",
            at(2024, 5, 10, 10, 0),
            "credit_card",
        );
        store.save(&c, EventKind::Started, "").expect("save");
        c.stage = 2;
        c.main_outcome = Some(Outcome::Thinking);
        c.offers.push(offer(
            "insurance",
            Technique::Catch,
            2,
            at(2024, 5, 10, 10, 7),
            Some(Outcome::Thinking),
        ));
        c.offers[0].follow_up = Some(day(2024, 5, 13));
        c.main_follow_up = Some(day(2024, 5, 13));
        c.offers[0].disclosures_confirmed.insert(0);
        c.create_skip = 1;
        store.save(&c, EventKind::Outcome, "").expect("save");
        // Another officer's consultation is not this officer's to resume.
        let other = consultation(
            store.new_id().expect("id"),
            cl.id,
            "Борис",
            at(2024, 5, 10, 12, 0),
            "deposit",
        );
        store.save(&other, EventKind::Started, "").expect("save");
        c
    };
    let store = open(tmp.path());
    assert_eq!(
        store.unfinished("Анна").expect("unfinished"),
        Some(saved.clone())
    );
    assert_eq!(
        store
            .unfinished("Борис")
            .expect("unfinished")
            .map(|c| c.officer),
        Some("Борис".into())
    );
    assert_eq!(store.unfinished("Вера").expect("unfinished"), None);
    // Both "thinking" answers are call backs: the main product's three days on, the
    // insurance's on the date the officer set.
    let follow = store.follow_ups("Анна").expect("follow ups");
    let products: Vec<&str> = follow.iter().map(|f| f.product.as_str()).collect();
    assert_eq!(products, ["credit_card", "insurance"]);
    assert!(follow.iter().all(|f| f.date == day(2024, 5, 13)));
    assert!(follow.iter().all(|f| f.consultation == saved.id));

    let mut done = saved;
    done.offers[0].outcome = Some(Outcome::Accepted);
    done.finished_at = Some(at(2024, 5, 10, 10, 40));
    store.save(&done, EventKind::Finished, "").expect("save");
    assert_eq!(store.unfinished("Анна").expect("unfinished"), None);
    // The insurance was taken; the credit card is still being thought about.
    let left: Vec<String> = store
        .follow_ups("Анна")
        .expect("follow ups")
        .into_iter()
        .map(|f| f.product)
        .collect();
    assert_eq!(left, ["credit_card"]);
    assert!(store.verify().expect("verify").is_ok());
}

#[test]
fn counters_are_the_sum_of_tallies_after_changes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let cl = added(&store, "Смирнова", "Анна", "", "79000000002");
    let mut latest: BTreeMap<u64, Consultation> = BTreeMap::new();
    let mut save = |c: &Consultation| {
        store.save(c, EventKind::Edited, "").expect("save");
        latest.insert(c.id, c.clone());
    };

    let mut a = consultation(1, cl.id, "Анна", at(2024, 5, 3, 10, 0), "deposit");
    save(&a);
    a.offers.push(offer(
        "debit_card",
        Technique::Catch,
        0,
        at(2024, 5, 3, 10, 5),
        None,
    ));
    save(&a);
    a.offers[0].outcome = Some(Outcome::Thinking);
    save(&a);
    a.offers[0].outcome = Some(Outcome::Accepted);
    a.offers.push(offer(
        "npf",
        Technique::Create,
        1,
        at(2024, 5, 3, 10, 8),
        Some(Outcome::Declined),
    ));
    a.main_outcome = Some(Outcome::Declined);
    save(&a);
    a.main_outcome = Some(Outcome::Accepted);
    a.offers[1].outcome = Some(Outcome::Accepted);
    a.finished_at = Some(at(2024, 5, 3, 10, 30));
    save(&a);

    let mut b = consultation(2, cl.id, "Анна", at(2024, 5, 20, 15, 0), "credit_card");
    b.offers.push(offer(
        "npf",
        Technique::Create,
        0,
        at(2024, 5, 20, 15, 5),
        Some(Outcome::Accepted),
    ));
    b.offers.push(offer(
        "debit_card",
        Technique::Catch,
        0,
        at(2024, 5, 20, 15, 6),
        Some(Outcome::Declined),
    ));
    save(&b);
    // An offer taken back out (the officer corrected a mistake).
    b.offers.pop();
    save(&b);

    let c = consultation(3, cl.id, "Борис", at(2024, 5, 21, 9, 0), "deposit");
    save(&c);
    let mut d = consultation(4, cl.id, "Анна", at(2024, 6, 1, 9, 0), "deposit");
    d.main_outcome = Some(Outcome::Accepted);
    save(&d);

    let mut expected: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    for c in latest.values() {
        for (k, t) in c.tallies() {
            expected.entry(k).or_default().add(&t);
        }
    }
    let may: BTreeMap<_, _> = expected
        .iter()
        .filter(|(k, _)| k.month == Month(202405))
        .map(|(k, t)| (k.clone(), *t))
        .collect();
    assert_eq!(store.tallies(Month(202405)).expect("tallies"), may);
    assert_eq!(
        store
            .tallies_between(Month(202401), Month(202412))
            .expect("tallies"),
        expected
    );
    assert!(store.tallies(Month(202407)).expect("tallies").is_empty());

    let sold = store.plan_sold("Анна", Month(202405)).expect("plan");
    assert_eq!(sold.get("npf"), Some(&2));
    assert_eq!(sold.get("debit_card"), Some(&1));
    assert_eq!(sold.get("deposit"), Some(&1));
    assert_eq!(sold.get("credit_card"), Some(&0));
    assert_eq!(
        store
            .plan_sold("Анна", Month(202406))
            .expect("plan")
            .get("deposit"),
        Some(&1)
    );
    assert_eq!(
        store
            .plan_sold("Борис", Month(202405))
            .expect("plan")
            .get("deposit"),
        Some(&0)
    );

    let rotation = store.rotation("Анна").expect("rotation");
    assert_eq!(
        rotation,
        BTreeMap::from([
            (("debit_card".to_string(), Technique::Catch), 1),
            (("npf".to_string(), Technique::Create), 2),
        ])
    );
    assert!(store.rotation("Борис").expect("rotation").is_empty());

    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    assert_eq!(report.consultations, 4);
}

#[test]
fn save_all_is_one_batch() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let clients = store
        .add_clients(
            (0..20)
                .map(|i| client(&format!("Демо{i}"), "Д", "", &format!("7900{i:07}")))
                .collect(),
        )
        .expect("clients");
    let mut cs = Vec::new();
    for (i, cl) in clients.iter().enumerate() {
        let mut c = consultation(
            store.new_id().expect("id"),
            cl.id,
            "Анна",
            at(2024, 4, 1 + i as u32, 10, 0),
            "deposit",
        );
        c.main_outcome = Some(Outcome::Accepted);
        c.finished_at = Some(at(2024, 4, 1 + i as u32, 10, 30));
        cs.push(c.clone());
        // The same consultation twice in one batch: the second replaces the first.
        c.offers.push(offer(
            "debit_card",
            Technique::Catch,
            0,
            at(2024, 4, 1 + i as u32, 10, 10),
            Some(Outcome::Accepted),
        ));
        cs.push(c);
    }
    store
        .save_all(&cs, EventKind::Imported, "demo")
        .expect("save all");
    let t = store.tallies(Month(202404)).expect("tallies");
    let main: u64 = t.values().map(|t| t.main_sold).sum();
    let cross: u64 = t
        .iter()
        .filter(|(k, _)| k.product == "debit_card")
        .map(|(_, t)| t.accepted)
        .sum();
    assert_eq!((main, cross), (20, 20));
    assert!(store.verify().expect("verify").is_ok());
    assert_eq!(store.search_clients("демо1", 50).expect("search").len(), 11);
}

/// Forty namesakes: "surname first name" finds its own among them, across every surname
/// that starts with the first word, by the name index alone.
fn namesakes(store: &SledStore) {
    let mut clients = Vec::new();
    for i in 0..40 {
        let (last, first) = match i % 4 {
            0 => ("Иванов", "Иван"),
            1 => ("Иванов", "Пётр"),
            2 => ("Иванова", "Ивета"),
            _ => ("Ивановский", "Олег"),
        };
        clients.push(client(last, first, "Ильич", &format!("7900{i:07}")));
    }
    clients.push(client("Иванов", "Иван", "Петрович", "79161234567"));
    store.add_clients(clients).expect("add");
}

fn names(found: &[Client]) -> Vec<String> {
    let mut out: Vec<String> = found
        .iter()
        .map(|c| format!("{} {} {}", c.last_name, c.first_name, c.patronymic))
        .collect();
    out.dedup();
    out
}

#[test]
fn surname_and_first_name_search_among_namesakes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    namesakes(&store);
    let search = |q: &str| store.search_clients(q, 50).expect("search");
    assert_eq!(search("Иванов Ив").len(), 11 + 10, "Иван ×11 and Ивета ×10");
    assert_eq!(
        names(&search("иванов ив")),
        [
            "Иванов Иван Ильич",
            "Иванов Иван Петрович",
            "Иванова Ивета Ильич"
        ]
    );
    assert_eq!(names(&search("Иванов Иван П")), ["Иванов Иван Петрович"]);
    assert_eq!(names(&search("ивановс о")), ["Ивановский Олег Ильич"]);
    assert_eq!(names(&search("Иванов Петр")), ["Иванов Пётр Ильич"]);
    assert!(search("Иванов Олег Ильич Лишний").is_empty());
    assert!(search("Иванов Зоя").is_empty());
    assert_eq!(
        store.search_clients("иванов ив", 3).expect("search").len(),
        3
    );
    assert_eq!(search("ивановский").len(), 10);
}

#[test]
fn a_database_with_the_first_name_index_is_reindexed_at_open() {
    let tmp = made_with(namesakes);
    // Back to the first layout: name keys of the surname alone, no marker.
    with_raw_sled(tmp.path(), |db| {
        let search = db.open_tree(trees::CLIENT_SEARCH).expect("search tree");
        let clients = db.open_tree(trees::CLIENTS).expect("clients tree");
        for k in search.scan_prefix(b"n").keys() {
            search.remove(k.expect("key")).expect("remove");
        }
        for item in clients.iter() {
            let (k, v) = item.expect("client");
            let c: Client = postcard::from_bytes(&v[1..]).expect("client value");
            let mut old = b"n".to_vec();
            old.extend_from_slice(c.last_name.to_lowercase().as_bytes());
            old.push(0);
            old.extend_from_slice(&k);
            search.insert(old, &[][..]).expect("insert");
        }
        db.open_tree(trees::META)
            .expect("meta")
            .remove(b"search")
            .expect("remove marker");
    });
    let store = open(tmp.path());
    assert_eq!(
        store
            .search_clients("Иванов Иван П", 50)
            .expect("search")
            .len(),
        1
    );
    assert_eq!(
        store.search_clients("иванов ив", 50).expect("search").len(),
        21
    );
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn a_different_schema_version_is_refused_with_both_versions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(open(tmp.path()));
    with_raw_sled(tmp.path(), |db| {
        let meta = db.open_tree(trees::META).expect("meta");
        meta.insert(META_SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes())
            .expect("write");
    });
    let err = match SledStore::open(tmp.path()) {
        Err(e) => e,
        Ok(_) => panic!("a database of another schema must not open"),
    };
    assert!(matches!(err, StoreError::SchemaMismatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{msg}"
    );
    assert!(msg.contains(&format!("version {SCHEMA_VERSION}")), "{msg}");
}

#[test]
fn a_second_process_gets_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    // In this process too: a second open fails at once.
    match SledStore::open(tmp.path()) {
        Err(e @ StoreError::InUse(_)) => assert_eq!(
            e.to_string(),
            format!(
                "the database {} is in use by another sufler process",
                tmp.path().display()
            )
        ),
        Err(e) => panic!("expected InUse, got {e}"),
        Ok(_) => panic!("a second open of a held database must fail"),
    }
    let started = Instant::now();
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["verify", "--db"])
        .arg(tmp.path())
        .timeout(Duration::from_secs(10))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "sufler: the database {} is in use by another sufler process",
            tmp.path().display()
        )))
        .stderr(predicate::str::contains("panicked").not());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // A manager's report, in Russian by default, says what to do.
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["stats", "--db"])
        .arg(tmp.path())
        .timeout(Duration::from_secs(10))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "база данных {} открыта другой программой sufler (обычно экраном сотрудника): закройте её (q) и повторите",
            tmp.path().display()
        )));
    drop(store);
}

fn sample(store: &SledStore) {
    let cl = added(store, "Волков", "Илья", "", "79000000003");
    for (i, main) in ["deposit", "credit_card", "deposit"].iter().enumerate() {
        let mut c = consultation(
            store.new_id().expect("id"),
            cl.id,
            "Анна",
            at(2024, 5, 10 + i as u32, 10, 0),
            main,
        );
        c.main_outcome = Some(Outcome::Accepted);
        c.offers.push(offer(
            "debit_card",
            Technique::Catch,
            i as u32,
            at(2024, 5, 10 + i as u32, 10, 5),
            Some(Outcome::Accepted),
        ));
        c.finished_at = Some(at(2024, 5, 10 + i as u32, 10, 30));
        store.save(&c, EventKind::Finished, "").expect("save");
    }
}

#[test]
fn a_database_with_a_key_per_consultation_in_its_indexes_is_migrated_at_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ids, client_id) = {
        let store = open(tmp.path());
        sample(&store);
        thinking_about_the_main(&store);
        let all = of_2024(&store);
        (
            all.iter().map(|c| c.id).collect::<Vec<_>>(),
            all[0].client_id,
        )
    };
    // Back to the first layout: an id index and a client index with a key per consultation.
    with_raw_sled(tmp.path(), |db| {
        let cons = db.open_tree(trees::CONSULTATIONS).expect("consultations");
        let ids_tree = db.open_tree("consultation_ids").expect("ids");
        let by_client = db.open_tree("client_consultations").expect("by client");
        for item in cons.iter() {
            let (pk, _) = item.expect("record");
            let id = u64::from_be_bytes(pk[8..16].try_into().expect("8 bytes"));
            ids_tree.insert(id.to_be_bytes(), pk.clone()).expect("id");
            let mut k = client_id.to_be_bytes().to_vec();
            k.extend_from_slice(&pk);
            by_client.insert(k, &[][..]).expect("by client");
        }
        for new in [
            trees::CONSULTATION_ID_BLOCKS,
            trees::CLIENT_CONSULTATION_MONTHS,
        ] {
            db.drop_tree(new).expect("drop");
        }
        // Nor did it keep call backs of their own: schema 1, whose call backs are rebuilt.
        db.open_tree(trees::FOLLOW_UPS)
            .expect("follow-ups")
            .clear()
            .expect("clear");
        db.drop_tree(trees::CLIENT_CALL_BACKS).expect("drop");
        db.open_tree(trees::META)
            .expect("meta")
            .insert(sufler::store::META_SCHEMA_KEY, &1u32.to_be_bytes())
            .expect("schema 1");
    });
    let store = open(tmp.path());
    let calls: Vec<(NaiveDate, String)> = store
        .follow_ups("Анна")
        .expect("follow-ups")
        .into_iter()
        .map(|f| (f.date, f.product))
        .collect();
    assert_eq!(calls, [(day(2024, 5, 23), "deposit".to_string())]);
    for &id in &ids {
        assert_eq!(
            store.consultation(id).expect("load").map(|c| c.id),
            Some(id)
        );
    }
    let of_client: Vec<u64> = store
        .consultations_of_client(client_id)
        .expect("of client")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(of_client, ids, "in the order they started");
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    drop(store);
    with_raw_sled(tmp.path(), |db| {
        let names: Vec<String> = db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        assert!(!names.iter().any(|n| n == "consultation_ids"), "{names:?}");
        assert!(
            !names.iter().any(|n| n == "client_consultations"),
            "{names:?}"
        );
    });
}

/// A fourth consultation with the same client, on 20.05.2024: the client will think about
/// the deposit they came for.
fn thinking_about_the_main(store: &SledStore) {
    let client_id = of_2024(store)[0].client_id;
    let mut c = consultation(
        store.new_id().expect("id"),
        client_id,
        "Анна",
        at(2024, 5, 20, 12, 0),
        "deposit",
    );
    c.main_outcome = Some(Outcome::Thinking);
    c.main_follow_up = Some(day(2024, 5, 23));
    c.finished_at = Some(at(2024, 5, 20, 12, 20));
    store.save(&c, EventKind::Finished, "").expect("save");
}

#[test]
fn a_main_product_answered_thinking_is_a_call_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    sample(&store);
    thinking_about_the_main(&store);
    let calls: Vec<(NaiveDate, String)> = store
        .follow_ups("Анна")
        .expect("follow-ups")
        .into_iter()
        .map(|f| (f.date, f.product))
        .collect();
    assert_eq!(
        calls,
        [(day(2024, 5, 23), "deposit".to_string())],
        "three days on"
    );
    assert!(store.verify().expect("verify").is_ok());
    // Once the client says yes, the call back goes.
    let mut c = store
        .consultations_between(at(2024, 5, 20, 0, 0), at(2024, 5, 21, 0, 0))
        .next()
        .expect("one")
        .expect("readable");
    c.main_outcome = Some(Outcome::Accepted);
    store.save(&c, EventKind::MainOutcome, "").expect("save");
    assert!(store.follow_ups("Анна").expect("follow-ups").is_empty());
    assert!(store.verify().expect("verify").is_ok());
}

#[test]
fn verify_finds_damaged_consultation_indexes() {
    let tmp = made_with(sample);
    with_raw_sled(tmp.path(), |db| {
        // One consultation taken out of its id block; the client's list torn.
        let blocks = db.open_tree(trees::CONSULTATION_ID_BLOCKS).expect("blocks");
        let (k, list) = blocks.first().expect("read").expect("a block");
        blocks.insert(k, &list[24..]).expect("write");
        let months = db
            .open_tree(trees::CLIENT_CONSULTATION_LISTS)
            .expect("lists");
        let (k, list) = months.first().expect("read").expect("a list");
        months.insert(k, &list[..list.len() - 3]).expect("write");
    });
    let store = open(tmp.path());
    let report = store.verify().expect("verify");
    let found: Vec<String> = report.mismatches.iter().map(|m| m.to_string()).collect();
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("consultation id index id ") && m.contains("stored nothing")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |m| m.starts_with("client consultations index") && m.contains("not a whole number")
        ),
        "{found:#?}"
    );
    // The client card still opens: a damaged list is an error, not a panic.
    let client_id = of_2024(&store)[0].client_id;
    let err = store
        .consultations_of_client(client_id)
        .expect_err("the list is damaged");
    assert!(
        err.to_string().contains("client_consultation_lists"),
        "{err}"
    );
}

#[test]
fn verify_passes_then_finds_a_corrupted_counter() {
    let tmp = tempfile::tempdir().expect("tempdir");
    {
        let store = open(tmp.path());
        sample(&store);
        assert!(store.verify().expect("verify").is_ok());
    }
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["verify", "--db"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout("verified 3 consultations, 1 clients: ok\n");

    // Overwrite one counter behind the store's back.
    with_raw_sled(tmp.path(), |db| {
        let counters = db.open_tree(trees::COUNTERS).expect("counters");
        let (k, _) = counters.first().expect("read").expect("a counter");
        let wrong = Tally {
            offered: 7,
            accepted: 7,
            ..Tally::default()
        };
        let value = postcard::to_extend(&wrong, vec![sufler::store::VALUE_VERSION]).expect("enc");
        counters.insert(k, value).expect("write");
    });
    let store = open(tmp.path());
    let report = store.verify().expect("verify");
    assert_eq!(report.mismatches.len(), 1, "{:?}", report.mismatches);
    let m = &report.mismatches[0];
    assert_eq!(m.what, "counter");
    assert!(m.stored.contains("offered 7 accepted 7"), "{m}");
    assert!(m.key.contains("2024-05"), "{m}");
    drop(store);
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["verify", "--db"])
        .arg(tmp.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("counter 2024-05"))
        .stdout(predicate::str::contains(
            "verified 3 consultations, 1 clients: 1 mismatch",
        ));
}

#[test]
fn verify_of_a_missing_database_fails_without_creating_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("nothing-here");
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["verify", "--db"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("there is no database at"));
    assert!(!path.exists());
}

#[test]
fn a_corrupt_record_is_an_error_naming_its_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (id, key) = {
        let store = open(tmp.path());
        sample(&store);
        let c = store
            .consultations_between(at(2024, 5, 11, 0, 0), at(2024, 5, 12, 0, 0))
            .next()
            .expect("one")
            .expect("readable");
        (
            c.id,
            sufler::store::keys::consultation_key(c.started_at, c.id),
        )
    };
    let hex = sufler::store::keys::hex(&key);
    for bad in [&[9u8, 1, 2, 3][..], &[1u8, 0xff, 0xff, 0xff][..], &[][..]] {
        with_raw_sled(tmp.path(), |db| {
            let cons = db.open_tree(trees::CONSULTATIONS).expect("tree");
            cons.insert(key, bad).expect("write");
        });
        let store = open(tmp.path());
        let err = store.consultation(id).expect_err("corrupt");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&hex) && msg.contains("consultations"), "{msg}");
        let all: Vec<_> = store
            .consultations_between(at(2024, 1, 1, 0, 0), at(2025, 1, 1, 0, 0))
            .collect();
        assert_eq!(all.iter().filter(|r| r.is_err()).count(), 1);
        let report = store.verify().expect("verify");
        assert!(
            report
                .mismatches
                .iter()
                .any(|m| m.what == "consultation" && m.key == hex),
            "{:?}",
            report.mismatches
        );
        assert_eq!(report.consultations, 2);
    }
}

#[test]
fn the_database_directory_is_owner_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("deep").join("sufler");
    drop(open(&path));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "mode {mode:o}");
    for name in ["db", "conf"] {
        assert!(path.join(name).is_file(), "sled wrote {name}");
    }
}

#[test]
fn names_with_nul_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let c = consultation(1, 1, "Ан\0на", at(2024, 5, 1, 9, 0), "deposit");
    assert!(matches!(
        store.save(&c, EventKind::Started, ""),
        Err(StoreError::InvalidName { .. })
    ));
}

#[test]
fn default_path_order() {
    let explicit = Path::new("/tmp/explicit-db");
    assert_eq!(default_path(Some(explicit)), explicit);
    std::env::set_var("SUFLER_DB", "/tmp/from-env");
    assert_eq!(default_path(None), Path::new("/tmp/from-env"));
    std::env::remove_var("SUFLER_DB");
    std::env::set_var("XDG_DATA_HOME", "/tmp/xdg");
    assert_eq!(default_path(None), Path::new("/tmp/xdg/sufler"));
    std::env::remove_var("XDG_DATA_HOME");
    let home = std::env::var_os("HOME");
    std::env::set_var("HOME", "/tmp/home");
    assert_eq!(
        default_path(None),
        Path::new("/tmp/home/.local/share/sufler")
    );
    if let Some(home) = home {
        std::env::set_var("HOME", home);
    }
}

#[test]
fn reopening_right_after_dropping_works() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for i in 0..20 {
        let store = open(tmp.path());
        store
            .add_client(client("Повторов", &format!("{i}"), "", "79000000004"))
            .expect("add");
        drop(store);
    }
    let store = open(tmp.path());
    assert_eq!(
        store.search_clients("повторов", 50).expect("search").len(),
        20
    );
}

#[test]
fn the_workstation_remembers_its_officer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = open(&path);
        assert_eq!(store.workstation_officer().unwrap(), None);
        store
            .save_officer(&Officer {
                name: "Ольга Петрова".into(),
                branch: "Тверская, 12".into(),
            })
            .unwrap();
    }
    let store = open(&path);
    let officer = store.workstation_officer().unwrap().unwrap();
    assert_eq!(officer.name, "Ольга Петрова");
    assert_eq!(officer.branch, "Тверская, 12");
    assert!(
        store.verify().unwrap().is_ok(),
        "the marker is not a corrupt record"
    );
}
#[test]
fn the_same_person_is_found_by_phone_or_by_name_and_birth_date() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let petrov = added(&store, "Петров", "Иван", "", "79161234567");
    let semenov = added(&store, "Семёнов", "Пётр", "Ильич", "79031112233");
    let foreign = added(&store, "Smith", "John", "", "+442079460958");
    // A namesake born another day, and one with another patronymic: other people.
    let mut namesake = client("Петров", "Иван", "", "79990000001");
    namesake.birth_date = day(1990, 1, 1);
    store.add_client(namesake).expect("add");
    added(&store, "Петров", "Иван", "Ильич", "79990000002");
    let ids = |new: &Client| -> Vec<u64> {
        store
            .same_clients(new)
            .expect("same clients")
            .iter()
            .map(|c| c.id)
            .collect()
    };
    // Case-insensitive, the same birth date, another phone.
    assert_eq!(
        ids(&client("петров", "иван", "", "79990000009")),
        [petrov.id]
    );
    assert_eq!(
        ids(&client("ПЕТРОВ", "ИВАН", "", "79990000009")),
        [petrov.id]
    );
    // ё = е.
    assert_eq!(
        ids(&client("Семенов", "Петр", "ильич", "79990000009")),
        [semenov.id]
    );
    // The same phone, another name; typed without the country code too.
    assert_eq!(
        ids(&client("Сидоров", "Олег", "", "79161234567")),
        [petrov.id]
    );
    assert_eq!(
        ids(&client("Сидоров", "Олег", "", "9161234567")),
        [petrov.id]
    );
    // A foreign number by its digits, with or without its `+`.
    assert_eq!(
        ids(&client("Smyth", "Jon", "", "442079460958")),
        [foreign.id]
    );
    // Both rules at once give the client once.
    assert_eq!(
        ids(&client("Петров", "Иван", "", "79161234567")),
        [petrov.id]
    );
    // Nobody like this.
    assert!(ids(&client("Кузнецов", "Иван", "", "79990000009")).is_empty());
    // An edit is checked against the others, never against itself.
    assert!(ids(&petrov).is_empty());
    let mut renamed = semenov.clone();
    renamed.phone = "79161234567".into();
    assert_eq!(ids(&renamed), [petrov.id]);
}

#[test]
fn a_foreign_phone_keeps_its_plus_and_is_found_by_digits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let mut c = client("Smith", "John", "", "+442079460958");
    c.calls_consent = true;
    let smith = store.add_client(c).expect("add");
    let stored = store.client(smith.id).expect("get").expect("stored");
    assert_eq!(stored.phone, "+442079460958");
    assert!(stored.calls_consent, "the consent is stored");
    for q in ["4420", "+44 20", "442079460958"] {
        let found = store.search_clients(q, 10).expect("search");
        assert_eq!(found.len(), 1, "query {q}");
    }
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn a_backup_carries_the_consent_to_calls_and_an_older_line_reads_as_no() {
    use sufler::store::{restore, write_backup};
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let store = open(&db);
    let mut agrees = client("Петрова", "Анна", "", "79161234567");
    agrees.calls_consent = true;
    let agrees = store.add_client(agrees).expect("add");
    let refuses = added(&store, "Иванов", "Иван", "", "79031112233");
    let dump = tmp.path().join("dump.jsonl");
    write_backup(&store, &dump, &mut |_, _| {}).expect("backup");
    drop(store);
    let text = std::fs::read_to_string(&dump).expect("read the dump");
    assert!(text.contains("\"calls_consent\":true"), "{text}");
    let back = tmp.path().join("back");
    restore(&dump, &back, &mut |_, _, _| {}).expect("restore");
    let store = open(&back);
    assert_eq!(store.client(agrees.id).expect("get"), Some(agrees.clone()));
    assert_eq!(store.client(refuses.id).expect("get"), Some(refuses));
    drop(store);

    // A dump line written before the field existed reads as not consenting (the dump's
    // client lines are `Client` as JSON; its checksum keeps a test from editing a file).
    let line = text
        .lines()
        .find(|l| l.starts_with("{\"client\":") && l.contains("Петрова"))
        .expect("the client line");
    let old = line.replace(",\"calls_consent\":true", "");
    assert!(!old.contains("calls_consent"));
    let value: serde_json::Value = serde_json::from_str(&old).expect("json");
    let c: Client = serde_json::from_value(value["client"].clone()).expect("an older line");
    assert!(!c.calls_consent);
    assert_eq!(c.last_name, "Петрова");
}

// ── catalogue versions and plans as they were ──

fn bundled_with(edit: impl FnOnce(&mut String)) -> sufler::catalog::Catalog {
    let mut sources = sufler::catalog::bundled_sources();
    let products = sources
        .iter_mut()
        .find(|s| s.path == "products.toml")
        .expect("products.toml");
    edit(&mut products.text);
    sufler::catalog::load_sources(sources)
        .catalog
        .expect("the edited catalogue loads")
}

#[test]
fn a_version_is_stored_once_with_its_first_consultation() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let catalog =
        bundled_with(|t| *t = t.replacen("version = \"2026-12\"", "version = \"2026-05\"", 1));
    store.use_catalog(&catalog);
    let mut c = consultation(1, 1, "Анна", at(2026, 5, 6, 10, 0), "deposit");
    c.catalog = catalog.version_id();
    let hash = catalog.hash.clone();
    assert_eq!(store.version_texts(&hash).unwrap(), None);
    store.save(&c, EventKind::Started, "").unwrap();
    let texts = store.version_texts(&hash).unwrap().expect("stored");
    assert_eq!(texts.label.as_deref(), Some("2026-05"));
    assert_eq!(texts.first_used, at(2026, 5, 6, 10, 0));
    assert_eq!(texts.phrases, catalog.phrase_sets());
    // A later consultation on the same version does not rewrite it.
    let mut later = consultation(2, 1, "Анна", at(2026, 5, 1, 9, 0), "deposit");
    later.catalog = catalog.version_id();
    store.save(&later, EventKind::Started, "").unwrap();
    assert_eq!(
        store.version_texts(&hash).unwrap().unwrap().first_used,
        at(2026, 5, 6, 10, 0)
    );
    // Undeclared versions store nothing (and verify says so).
    let mut stray = consultation(3, 1, "Анна", at(2026, 5, 7, 9, 0), "deposit");
    stray.catalog = Some(sufler::catalog::CatalogVersion {
        label: None,
        hash: "feed".into(),
    });
    store
        .add_consultations(vec![stray], EventKind::Imported, "")
        .unwrap();
    assert_eq!(store.version_texts("feed").unwrap(), None);
    let report = store.verify().unwrap();
    assert!(
        format!("{report:?}").contains("feed"),
        "verify names the version without texts: {report:?}"
    );
}

#[test]
fn a_month_keeps_the_plan_in_force_at_its_first_consultation() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let may = bundled_with(|_| ());
    let plan_product = may.plan_products().next().expect("a plan product").clone();
    store.use_catalog(&may);
    store
        .save(
            &consultation(1, 1, "Анна", at(2026, 5, 6, 10, 0), "deposit"),
            EventKind::Started,
            "",
        )
        .unwrap();
    // The files change: the plan of May stays, June takes the new one.
    let june = bundled_with(|t| {
        *t = t.replacen(
            &format!("plan_per_month = {}", plan_product.plan_per_month.unwrap()),
            "plan_per_month = 999",
            1,
        )
    });
    store.use_catalog(&june);
    store
        .save(
            &consultation(2, 1, "Анна", at(2026, 5, 20, 10, 0), "deposit"),
            EventKind::Started,
            "",
        )
        .unwrap();
    store
        .save(
            &consultation(3, 1, "Анна", at(2026, 6, 2, 10, 0), "deposit"),
            EventKind::Started,
            "",
        )
        .unwrap();
    let target = |m: u32| {
        store
            .month_plan(Month(m))
            .unwrap()
            .expect("stored")
            .targets
            .iter()
            .find(|t| t.product == plan_product.id)
            .unwrap()
            .per_month
    };
    assert_eq!(target(202605), plan_product.plan_per_month.unwrap());
    assert_eq!(target(202606), 999);
    assert_eq!(store.month_plan(Month(202607)).unwrap(), None);
}
