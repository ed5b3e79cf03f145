//! Backup and restore of contacts (schema 2): every call an officer recorded is in the dump,
//! and the restored database has the same contacts, open call backs, lists by day, counters
//! and holdings; damaged contact lines are refused with their line; a dump written before
//! contacts (schema 1) still restores.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use sufler::consultation::{
    CallOutcome, Client, Consultation, Contact, Kind, Month, Offer, OpenCallBack, Outcome, Tally,
    TallyKey, Technique,
};
use sufler::store::{
    check_dump, restore, write_backup, DumpError, EventKind, FollowUp, Officer, SledStore, Store,
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

const OFFICER: &str = "Анна";

fn added(store: &SledStore, last: &str, phone: &str) -> Client {
    let c: Client = serde_json::from_value(serde_json::json!({
        "id": 0,
        "last_name": last,
        "first_name": "Вера",
        "patronymic": "Ивановна",
        "phone": phone,
        "birth_date": "1980-05-05",
        "segment": "массовый",
    }))
    .expect("a client");
    store.add_client(c).expect("add")
}

fn offer(product: &str, at: NaiveDateTime, outcome: Outcome, call: Option<NaiveDate>) -> Offer {
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
        follow_up: call,
        check_in: None,
    }
}

/// A finished deposit consultation with `offers`, saved.
fn consultation(
    store: &SledStore,
    client: u64,
    started: NaiveDateTime,
    offers: Vec<Offer>,
) -> Consultation {
    let c = Consultation {
        id: store.new_id().expect("id"),
        started_at: started,
        officer: OFFICER.into(),
        branch: "Тверская".into(),
        client_id: client,
        main: "deposit".into(),
        stage: 0,
        main_outcome: Some(Outcome::Accepted),
        offers,
        notes: Vec::new(),
        not_receptive: false,
        create_skip: 0,
        finished_at: Some(started + chrono::Duration::minutes(25)),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    };
    store.save(&c, EventKind::Finished, "").expect("save");
    c
}

/// A call on `origin`'s call back about `product`, saved through the live path.
fn call(
    store: &SledStore,
    origin: &Consultation,
    product: &str,
    when: NaiveDateTime,
    outcome: CallOutcome,
    next: Option<NaiveDate>,
) -> Contact {
    store
        .save_contact(Contact {
            id: 0,
            at: when,
            officer: OFFICER.into(),
            branch: "Тверская".into(),
            client_id: origin.client_id,
            product: product.into(),
            consultation: origin.id,
            outcome,
            next,
            disclosures_confirmed: [0].into_iter().collect(),
            check_in: false,
        })
        .expect("save the contact")
}

/// Five clients with call backs answered on calls in every way, and one closed by a later
/// consultation after a call had moved it. The clients' ids.
fn populate(db: &Path) -> Vec<u64> {
    let store = SledStore::open(db).expect("open");
    store
        .save_officer(&Officer {
            name: OFFICER.into(),
            branch: "Тверская".into(),
        })
        .expect("officer");
    let ids: Vec<u64> = ["Акимова", "Белова", "Васина", "Галкина", "Дёмина"]
        .iter()
        .enumerate()
        .map(|(i, n)| added(&store, n, &format!("7916000000{i}")).id)
        .collect();
    let t = |h| at(2026, 12, 1, h, 0);
    let think = |p: &str, h, d| offer(p, t(h), Outcome::Thinking, Some(day(2026, 12, d)));
    let accepted = consultation(&store, ids[0], t(10), vec![think("debit_card", 10, 3)]);
    let moved = consultation(&store, ids[1], t(11), vec![think("npf", 11, 4)]);
    let mut stopped = consultation(&store, ids[2], t(12), vec![think("credit_card", 12, 5)]);
    // The main product answered "thinking" too, to be called on the next day.
    stopped.main_outcome = Some(Outcome::Thinking);
    stopped.main_follow_up = Some(day(2026, 12, 2));
    store.save(&stopped, EventKind::Finished, "").expect("save");
    let later = consultation(&store, ids[3], t(13), vec![think("debit_card", 13, 3)]);
    consultation(&store, ids[4], t(14), vec![think("npf", 14, 4)]);

    call(
        &store,
        &stopped,
        "deposit",
        at(2026, 12, 2, 9, 30),
        CallOutcome::Stopped,
        None,
    );
    let a = call(
        &store,
        &accepted,
        "debit_card",
        at(2026, 12, 3, 10, 0),
        CallOutcome::Accepted,
        None,
    );
    assert_eq!(a.client_id, ids[0]);
    call(
        &store,
        &later,
        "debit_card",
        at(2026, 12, 3, 11, 0),
        CallOutcome::Thinking,
        Some(day(2026, 12, 8)),
    );
    call(
        &store,
        &moved,
        "npf",
        at(2026, 12, 4, 10, 0),
        CallOutcome::NotReached,
        Some(day(2026, 12, 7)),
    );
    call(
        &store,
        &stopped,
        "credit_card",
        at(2026, 12, 5, 10, 0),
        CallOutcome::Declined,
        None,
    );
    // The client came in before the day of the call and took the card: the call back moved
    // by the call is closed by the visit.
    consultation(
        &store,
        ids[3],
        at(2026, 12, 6, 10, 0),
        vec![offer(
            "debit_card",
            at(2026, 12, 6, 10, 5),
            Outcome::Accepted,
            None,
        )],
    );
    call(
        &store,
        &moved,
        "npf",
        at(2026, 12, 7, 10, 0),
        CallOutcome::Thinking,
        Some(day(2027, 1, 11)),
    );
    ids
}

/// What the officer recorded and what is derived from it, per client and in all.
#[derive(Debug, PartialEq)]
struct Calls {
    contacts: Vec<Vec<Contact>>,
    open: Vec<Vec<OpenCallBack>>,
    holdings: Vec<BTreeSet<String>>,
    follow_ups: Vec<FollowUp>,
    between: Vec<Contact>,
    tallies: BTreeMap<TallyKey, Tally>,
}

fn calls(db: &Path, clients: &[u64], officers: &[String]) -> Calls {
    let store = SledStore::open_existing(db).expect("open");
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{}: {:?}", db.display(), report.mismatches);
    Calls {
        contacts: clients
            .iter()
            .map(|&c| store.contacts_of_client(c).expect("contacts"))
            .collect(),
        open: clients
            .iter()
            .map(|&c| store.open_call_backs(c).expect("open"))
            .collect(),
        holdings: clients
            .iter()
            .map(|&c| store.holdings(c).expect("holdings"))
            .collect(),
        follow_ups: officers
            .iter()
            .flat_map(|o| store.follow_ups(o).expect("follow-ups"))
            .collect(),
        between: store
            .contacts_between(at(2000, 1, 1, 0, 0), at(2100, 1, 1, 0, 0))
            .collect::<Result<_, _>>()
            .expect("contacts"),
        tallies: store
            .tallies_between(Month(200001), Month(210001))
            .expect("tallies"),
    }
}

fn backup(db: &Path, file: &Path) {
    let store = SledStore::open_existing(db).expect("open");
    write_backup(&store, file, &mut |_, _| {}).expect("backup");
}

fn restored(file: &Path, target: &Path) -> Result<(), DumpError> {
    let report = restore(file, target, &mut |_, _, _| {})?;
    assert!(report.verify.is_ok(), "{:?}", report.verify.mismatches);
    Ok(())
}

#[test]
fn contacts_and_their_call_backs_survive_backup_and_restore() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let clients = populate(&db);
    let officers = vec![OFFICER.to_string()];
    let original = calls(&db, &clients, &officers);

    // What the calls did: the card sold, the main product stopped, the credit card
    // declined, the ИИС moved twice, the call back closed by the visit, one never called.
    assert_eq!(
        original.contacts.iter().map(Vec::len).collect::<Vec<_>>(),
        [1, 2, 2, 1, 0]
    );
    let due: Vec<(u64, &str, NaiveDate)> = original
        .follow_ups
        .iter()
        .map(|f| (f.client_id, f.product.as_str(), f.date))
        .collect();
    assert_eq!(
        due,
        [
            (clients[4], "npf", day(2026, 12, 4)),
            (clients[1], "npf", day(2027, 1, 11)),
        ]
    );
    assert!(original.holdings[0].contains("debit_card"));
    let calls_made: u64 = original
        .tallies
        .iter()
        .filter(|(k, _)| k.kind == Kind::Call)
        .map(|(_, t)| t.offered)
        .sum();
    assert_eq!(calls_made, 5, "a stop is no call");

    let first = tmp.path().join("first.jsonl");
    backup(&db, &first);
    let bytes = std::fs::read(&first).expect("read");
    let header = check_dump(&bytes[..], "first.jsonl").expect("a valid dump");
    assert_eq!(header.schema, SCHEMA_VERSION);
    assert_eq!(header.counts.contacts, 6);
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    let kinds: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l[2..].split('"').next().unwrap_or(""))
        .collect();
    let first_contact = kinds
        .iter()
        .position(|k| *k == "contact")
        .expect("contacts");
    assert_eq!(kinds[first_contact - 1], "consultation");
    assert_eq!(kinds[first_contact + 6], "event");

    let target = tmp.path().join("restored");
    restored(&first, &target).expect("restore");
    assert_eq!(calls(&target, &clients, &officers), original);

    // The same bytes again, and fresh ids above every restored contact's.
    let second = tmp.path().join("second.jsonl");
    backup(&target, &second);
    assert!(
        std::fs::read(&second).expect("read") == bytes,
        "the dumps differ"
    );
    let store = SledStore::open_existing(&target).expect("open");
    let last = original.between.iter().map(|k| k.id).max().unwrap_or(0);
    assert!(header.next_id > last);
    assert!(store.new_id().expect("id") > last);
    // The restored call back can be called on as before.
    let open = store.open_call_backs(clients[1]).expect("open");
    let origin = store
        .consultation(open[0].consultation)
        .expect("read")
        .expect("the consultation");
    call(
        &store,
        &origin,
        "npf",
        at(2027, 1, 11, 10, 0),
        CallOutcome::Accepted,
        None,
    );
    assert!(store.open_call_backs(clients[1]).expect("open").is_empty());
    assert!(store.verify().expect("verify").is_ok());
}

/// `lines` (each without its `\n`) with a correct trailer, as a tampering tool would write.
fn with_fresh_trailer(lines: &[String]) -> Vec<u8> {
    let mut body = Vec::new();
    for l in lines {
        body.extend_from_slice(l.as_bytes());
        body.push(b'\n');
    }
    let digest: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    body.extend_from_slice(format!("{{\"end\":{{\"sha256\":\"{digest}\"}}}}\n").as_bytes());
    body
}

#[test]
fn damaged_contact_lines_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db);
    let good = tmp.path().join("good.jsonl");
    backup(&db, &good);
    let text = std::fs::read_to_string(&good).expect("read");
    let mut body: Vec<String> = text.lines().map(str::to_string).collect();
    body.pop();
    let is = |l: &String, kind: &str| l.starts_with(&format!("{{\"{kind}\":"));
    let c0 = body
        .iter()
        .position(|l| is(l, "contact"))
        .expect("contacts");
    let e0 = body.iter().position(|l| is(l, "event")).expect("events");
    let k0 = body
        .iter()
        .position(|l| is(l, "consultation"))
        .expect("consultations");
    // 1-based line numbers.
    let (c0n, e0n, k0n) = (c0 + 1, e0 + 1, k0 + 1);

    let id_of = |line: &String| {
        serde_json::from_str::<serde_json::Value>(line).expect("json")["contact"]["id"]
            .as_u64()
            .expect("an id")
    };
    let first_id = id_of(&body[c0]);
    let mut cases: Vec<(&str, Vec<String>, String)> = Vec::new();
    let mut unknown = body.clone();
    let id = serde_json::from_str::<serde_json::Value>(&unknown[c0]).expect("json")["contact"]
        ["client_id"]
        .as_u64()
        .expect("a client id");
    unknown[c0] = unknown[c0].replace(&format!("\"client_id\":{id},"), "\"client_id\":999999999,");
    cases.push((
        "a contact of an unknown client",
        unknown,
        format!(":{c0n}: contact {first_id} is of client 999999999, who is not among the clients before it"),
    ));
    let mut swapped = body.clone();
    swapped.swap(c0, c0 + 1);
    cases.push((
        "two contacts swapped",
        swapped,
        format!(":{}: this contact is out of order", c0n + 1),
    ));
    let mut twice = body.clone();
    twice.insert(c0 + 1, body[c0].clone());
    cases.push((
        "a contact repeated",
        twice,
        format!(":{}: contact {first_id} appears twice", c0n + 1),
    ));
    let mut after_events = body.clone();
    let moved = after_events.remove(c0);
    after_events.insert(e0, moved);
    cases.push((
        "a contact after the events",
        after_events,
        format!(":{e0n}: a contact record after the events records"),
    ));
    let mut before = body.clone();
    let moved = before.remove(c0);
    before.insert(k0, moved);
    cases.push((
        "a contact before the consultations",
        before,
        format!(":{k0n}: contact {first_id} is a call back of consultation "),
    ));
    let mut extra = body.clone();
    extra[c0] = extra[c0].replacen("{\"contact\":{", "{\"contact\":{\"note\":\"x\",", 1);
    cases.push(("an unknown field", extra, format!(":{c0n}: column ")));
    let mut no_date = body.clone();
    let i = no_date
        .iter()
        .position(|l| is(l, "contact") && l.contains("\"outcome\":\"NotReached\""))
        .expect("a not-reached contact");
    no_date[i] = no_date[i].replace("\"next\":\"2026-12-07\"", "\"next\":null");
    cases.push((
        "a not-reached call without its next day",
        no_date,
        format!(":{}: contact {}: ", i + 1, id_of(&body[i])),
    ));
    let mut recount = body.clone();
    recount[0] = recount[0].replace("\"contacts\":6", "\"contacts\":5");
    cases.push((
        "one contact more than announced",
        recount,
        format!(
            ":{}: the header announces 5 contacts, this is one more",
            c0n + 5
        ),
    ));

    for (what, lines, expected) in cases {
        assert_ne!(lines, body, "{what}: nothing was changed");
        let file = tmp.path().join("bad.jsonl");
        let bytes = with_fresh_trailer(&lines);
        std::fs::write(&file, &bytes).expect("write");
        let err = check_dump(&bytes[..], "bad.jsonl")
            .expect_err(what)
            .to_string();
        assert!(
            err.starts_with("bad.jsonl:") && err.contains(&expected),
            "{what}: expected `{expected}` in: {err}"
        );
        let target = tmp.path().join("target");
        let err = restored(&file, &target).expect_err(what).to_string();
        assert!(err.contains(&expected), "{what}: {err}");
        assert!(!target.exists(), "{what}: a target was made");
    }
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

/// A dump as the schema-1 release wrote it: schema 1 in the header, no contact count, no
/// `main_follow_up` on the consultations.
fn as_schema_1(dump: &str) -> Vec<String> {
    let mut lines: Vec<String> = dump.lines().map(str::to_string).collect();
    lines.pop();
    let schema = format!("\"schema\":{SCHEMA_VERSION},");
    assert!(lines[0].contains(&schema) && lines[0].contains("\"contacts\":0,"));
    lines[0] = lines[0]
        .replace(&schema, "\"schema\":1,")
        .replace("\"contacts\":0,", "");
    // Schema 3 added the workstation id.
    if let Some(at) = lines[0].find("\"workstation\":") {
        let end = lines[0][at..]
            .find(',')
            .map_or(lines[0].len(), |e| at + e + 1);
        lines[0].replace_range(at..end, "");
    }
    for l in &mut lines {
        if let Some(at) = l.find(",\"main_follow_up\":") {
            let end = l[at..].find('}').map_or(l.len(), |e| at + e);
            l.replace_range(at..end, "");
        }
    }
    lines
}

/// The schema-1 fixture (`tests/fixtures/v1-db`, migrated at open): its backup as the
/// previous release wrote it restores to the same call backs as the migration made.
#[test]
fn a_dump_written_before_contacts_still_restores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-db"),
        &db,
    );
    let (clients, officers) = {
        let store = SledStore::open(&db).expect("open");
        let clients: Vec<u64> = store.clients().map(|c| c.expect("client").id).collect();
        let officers: BTreeSet<String> = store
            .consultations_between(at(2000, 1, 1, 0, 0), at(2100, 1, 1, 0, 0))
            .map(|c| c.expect("consultation").officer)
            .collect();
        (clients, officers.into_iter().collect::<Vec<_>>())
    };
    let migrated = calls(&db, &clients, &officers);
    assert!(
        migrated.follow_ups.len() > 10,
        "the fixture has call backs: {}",
        migrated.follow_ups.len()
    );
    let current = tmp.path().join("current.jsonl");
    backup(&db, &current);
    let current_bytes = std::fs::read(&current).expect("read");

    let old = as_schema_1(&String::from_utf8(current_bytes.clone()).expect("UTF-8"));
    assert!(
        !old.iter().any(|l| l.contains("main_follow_up")),
        "a schema-1 dump has no main_follow_up"
    );
    let old_file = tmp.path().join("schema-1.jsonl");
    std::fs::write(&old_file, with_fresh_trailer(&old)).expect("write");
    let header = check_dump(
        &std::fs::read(&old_file).expect("read")[..],
        "schema-1.jsonl",
    )
    .expect("a schema-1 dump is valid");
    assert_eq!((header.schema, header.counts.contacts), (1, 0));
    let target = tmp.path().join("restored");
    restored(&old_file, &target).expect("restore the schema-1 dump");
    assert_eq!(calls(&target, &clients, &officers), migrated);
    // The restored database is what the migration made, to the byte of its backup — but
    // for its workstation id: the schema-1 dump had none to keep, so it is a new one.
    let again = tmp.path().join("again.jsonl");
    backup(&target, &again);
    let records = |bytes: Vec<u8>| -> Vec<String> {
        let text = String::from_utf8(bytes).expect("UTF-8");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.pop(); // the trailer's checksum covers the header
        let at = lines[0].find("\"workstation\":").expect("a workstation id");
        let end = lines[0][at..].find(',').expect("more fields") + at;
        lines[0].replace_range(at..end, "");
        lines
    };
    assert!(
        records(std::fs::read(&again).expect("read")) == records(current_bytes),
        "the dumps differ"
    );

    // A schema-1 dump cannot hold a contact.
    let mut with_contact = old.clone();
    let e0 = with_contact
        .iter()
        .position(|l| l.starts_with("{\"event\":"))
        .expect("events");
    let k = &migrated.follow_ups[0];
    with_contact.insert(
        e0,
        format!(
            "{{\"contact\":{{\"id\":1,\"at\":\"2026-12-01T10:00:00\",\"officer\":\"{}\",\"branch\":\"x\",\"client_id\":{},\"product\":\"{}\",\"consultation\":{},\"outcome\":\"Declined\",\"next\":null,\"disclosures_confirmed\":[]}}}}",
            officers[0], k.client_id, k.product, k.consultation
        ),
    );
    let err = check_dump(&with_fresh_trailer(&with_contact)[..], "schema-1.jsonl")
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains(&format!(
            "schema-1.jsonl:{}: a contact in a backup of database schema 1",
            e0 + 1
        )),
        "{err}"
    );
}
