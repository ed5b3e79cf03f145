//! Sales cancelled in their cooling-off period (DESIGN §4, §7): recorded on the card, taken
//! off the plan of the month of the sale and off the client's holdings, shown per officer,
//! product and variant in `sufler stats`.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use sufler::consultation::{
    cancellable, Cancellation, Client, Consultation, Month, Offer, Outcome, Technique,
};
use sufler::store::{EventKind, SledStore, Store, StoreError};

fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .expect("valid test date")
}

fn client(store: &SledStore) -> Client {
    let c: Client = serde_json::from_value(serde_json::json!({
        "id": 0,
        "last_name": "Орлова",
        "first_name": "Вера",
        "patronymic": "Павловна",
        "phone": "79161110022",
        "birth_date": "1975-03-03",
        "segment": "массовый",
    }))
    .expect("a client");
    store.add_client(c).expect("add")
}

/// A finished deposit consultation in November in which the client bought life insurance
/// with phrase variant 2 (index 1).
fn sold_insurance(store: &SledStore, client: u64) -> Consultation {
    let when = at(2026, 11, 20, 11);
    let c = Consultation {
        id: store.new_id().expect("id"),
        started_at: when,
        officer: "Анна".into(),
        branch: "Тверская".into(),
        client_id: client,
        main: "deposit".into(),
        stage: 4,
        main_outcome: Some(Outcome::Accepted),
        offers: vec![Offer {
            product: "life_insurance".into(),
            technique: Technique::Create,
            slot: None,
            stage: "closing".into(),
            variant: 1,
            made_at: when,
            outcome: Some(Outcome::Accepted),
            outcome_at: Some(when),
            disclosures_confirmed: (0..4).collect::<BTreeSet<u32>>(),
            follow_up: None,
            check_in: None,
        }],
        notes: Vec::new(),
        not_receptive: false,
        create_skip: 0,
        finished_at: Some(when + chrono::Duration::minutes(25)),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    };
    store.save(&c, EventKind::Finished, "").expect("save");
    c
}

/// The November insurance sale of [`sold_insurance`], cancelled by the client on 24.11 and
/// recorded on 25.11.
fn cancel_insurance_of_november(store: &SledStore, client: u64) {
    let sale = sold_insurance(store, client);
    let insurance = cancellable(
        &[sale],
        &[],
        &[],
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
    )
    .into_iter()
    .find(|s| s.product == "life_insurance")
    .expect("cancellable");
    store
        .save_cancellation(Cancellation {
            id: 0,
            client_id: client,
            sale: insurance,
            cancelled_on: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            recorded_at: at(2026, 11, 25, 10),
            recorded_by: "Анна".into(),
        })
        .expect("stored");
}

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir).expect("open")
}

#[test]
fn a_cancellation_comes_off_the_plan_of_the_sale_s_month_and_off_the_holdings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(&tmp.path().join("db"));
    let c = client(&store);
    let sale = sold_insurance(&store, c.id);
    assert!(store
        .holdings(c.id)
        .expect("holdings")
        .contains("life_insurance"));
    let before = store.plan_sold("Анна", Month(202611)).expect("plan");
    assert_eq!(before.get("life_insurance"), Some(&1));

    let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
    let sales = cancellable(std::slice::from_ref(&sale), &[], &[], today);
    let insurance = sales
        .into_iter()
        .find(|s| s.product == "life_insurance")
        .expect("the insurance sale is cancellable");
    let stored = store
        .save_cancellation(Cancellation {
            id: 0,
            client_id: c.id,
            sale: insurance.clone(),
            cancelled_on: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            recorded_at: at(2026, 12, 2, 10),
            recorded_by: "Анна".into(),
        })
        .expect("stored");
    assert!(stored.id > 0);
    // Off the holdings and off November's plan (the month of the sale), December untouched.
    assert!(!store
        .holdings(c.id)
        .expect("holdings")
        .contains("life_insurance"));
    let after = store.plan_sold("Анна", Month(202611)).expect("plan");
    assert_eq!(after.get("life_insurance"), Some(&0));
    assert_eq!(after.get("deposit"), Some(&1), "the deposit stays sold");
    assert_eq!(store.cancellations_of_client(c.id).expect("list").len(), 1);
    // Twice is refused, and nothing changes.
    match store.save_cancellation(Cancellation {
        id: 0,
        client_id: c.id,
        sale: insurance,
        cancelled_on: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        recorded_at: at(2026, 12, 2, 11),
        recorded_by: "Анна".into(),
    }) {
        Err(StoreError::InvalidCancellation(_)) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(store.cancellations_of_client(c.id).expect("list").len(), 1);
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}

#[test]
fn stats_show_the_cancellations_and_count_net_sales() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    {
        let store = open(&db);
        let c = client(&store);
        cancel_insurance_of_november(&store, c.id);
    }
    let out = assert_cmd::Command::cargo_bin("sufler")
        .expect("the binary")
        .args(["stats", "--db"])
        .arg(&db)
        .args(["--month", "2026-11"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    let row = text
        .lines()
        .skip_while(|l| !l.starts_with("Отмены в период охлаждения"))
        .find(|l| l.starts_with("Анна"))
        .unwrap_or_else(|| panic!("a cancellations row: {text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Officer, product id, name (three words), variant 2 as on screen, 1 of 1 sold, 100 %.
    assert_eq!(cells[1], "life_insurance", "{row}");
    assert_eq!(cells[5..9], ["2", "1", "1", "100,0"], "{row}");
    // Net: one product per client (the deposit), not two.
    assert!(
        text.lines()
            .any(|l| l.starts_with("  Продуктов на клиента") && l.ends_with("1,00")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  Отменено клиентом") && l.trim_end().ends_with('1')),
        "{text}"
    );
}

/// Backup and restore carry the cancellations: the same records, holdings, plan and
/// counters, verified, and a second backup of the restored database byte for byte the same.
#[test]
fn backup_and_restore_carry_the_cancellations() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let client_id = {
        let store = open(&db);
        let c = client(&store);
        cancel_insurance_of_november(&store, c.id);
        // The client changed their mind and holds it again: the restore must keep that.
        store
            .add_holding(c.id, "life_insurance")
            .expect("held again");
        c.id
    };
    let sufler = || assert_cmd::Command::cargo_bin("sufler").expect("the binary");
    let dump = tmp.path().join("backup.jsonl");
    sufler()
        .args(["backup", "--db"])
        .arg(&db)
        .arg("-o")
        .arg(&dump)
        .assert()
        .success();
    let text = std::fs::read_to_string(&dump).expect("the dump");
    assert!(
        text.lines().any(|l| l.starts_with("{\"cancellation\":")),
        "{text}"
    );
    let restored = tmp.path().join("restored");
    sufler()
        .arg("restore")
        .arg(&dump)
        .arg("--db")
        .arg(&restored)
        .assert()
        .success();
    let (a, b) = (open(&db), open(&restored));
    assert_eq!(
        a.cancellations_of_client(client_id).expect("a"),
        b.cancellations_of_client(client_id).expect("b")
    );
    assert_eq!(
        a.holdings(client_id).expect("a"),
        b.holdings(client_id).expect("b")
    );
    assert!(b.holdings(client_id).expect("b").contains("life_insurance"));
    assert_eq!(
        a.tallies(Month(202611)).expect("a"),
        b.tallies(Month(202611)).expect("b")
    );
    assert!(b.verify().expect("verify").is_ok());
    drop((a, b));
    let again = tmp.path().join("again.jsonl");
    sufler()
        .args(["backup", "--db"])
        .arg(&restored)
        .arg("-o")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&dump).expect("first"),
        std::fs::read(&again).expect("second"),
        "the restored database backs up to the same bytes"
    );
    // A cancellation of a client not in the dump is refused, naming its line.
    let bad: String = text
        .lines()
        .map(|l| {
            if l.starts_with("{\"cancellation\":") {
                l.replace(&format!("\"client_id\":{client_id}"), "\"client_id\":999")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bad_file = tmp.path().join("bad.jsonl");
    std::fs::write(&bad_file, bad + "\n").expect("write");
    let out = sufler()
        .arg("restore")
        .arg(&bad_file)
        .arg("--db")
        .arg(tmp.path().join("never"))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("bad.jsonl:") && err.contains("client 999"),
        "{err}"
    );
}

/// A cancelled sale takes its check-in call off the officer's list: there is nothing left to
/// ask the client about, and the call screen would speak of a product they gave back.
#[test]
fn a_cancelled_sale_takes_its_check_in_off_the_list() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(&tmp.path().join("db"));
    let c = client(&store);
    let check_in_day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let mut sale = sold_insurance(&store, c.id);
    sale.offers[0].check_in = Some(check_in_day);
    store.save(&sale, EventKind::Finished, "").expect("save");
    let due = |store: &SledStore| {
        store
            .call_backs_due("Анна", check_in_day, 50)
            .expect("due")
            .0
            .len()
    };
    assert_eq!(due(&store), 1, "the check-in is on the list");
    let insurance = cancellable(
        std::slice::from_ref(&sale),
        &[],
        &[],
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
    )
    .into_iter()
    .find(|s| s.product == "life_insurance")
    .expect("cancellable");
    store
        .save_cancellation(Cancellation {
            id: 0,
            client_id: c.id,
            sale: insurance,
            cancelled_on: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            recorded_at: at(2026, 11, 25, 10),
            recorded_by: "Анна".into(),
        })
        .expect("stored");
    assert_eq!(due(&store), 0, "no check-in on a cancelled sale");
    assert!(store
        .open_call_backs(c.id)
        .expect("open")
        .iter()
        .all(|cb| cb.product != "life_insurance"));
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
}
