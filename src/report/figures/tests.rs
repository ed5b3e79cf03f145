use super::*;
use crate::catalog::{Catalog, Eligibility, Product};
use crate::consultation::{Note, Offer};
use crate::store::{EventKind, SledStore};
use chrono::NaiveDateTime;

fn at(m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, m, d)
        .and_then(|x| x.and_hms_opt(h, 0, 0))
        .unwrap()
}

fn product(id: &str, plan: Option<u32>) -> Product {
    Product {
        id: id.into(),
        name: format!("Продукт {id}"),
        family: String::new(),
        params: Default::default(),
        plan_per_month: plan,
        eligible: Eligibility::default(),
        create: Vec::new(),
        pitch: Vec::new(),
        disclosure: Vec::new(),
    }
}

fn catalog() -> Catalog {
    Catalog {
        products: vec![
            product("deposit", None),
            product("credit_card", None),
            product("debit_card", None),
            product("mobile_bank", None),
            product("sms", None),
            product("npf", Some(10)),
            product("iis", Some(4)),
        ],
        ..Catalog::default()
    }
}

fn offer(p: &str, t: Technique, variant: u32, outcome: Option<Outcome>) -> Offer {
    Offer {
        product: p.into(),
        technique: t,
        slot: None,
        stage: "presentation".into(),
        variant,
        made_at: at(3, 1, 10),
        outcome,
        outcome_at: None,
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    }
}

fn note(stage: &str, p: Option<&str>, text: &str) -> Note {
    Note {
        stage: stage.into(),
        product: p.map(Into::into),
        text: text.into(),
        at: at(3, 1, 10),
    }
}

fn consultation(
    id: u64,
    started_at: NaiveDateTime,
    officer: &str,
    main: &str,
    main_outcome: Option<Outcome>,
    offers: Vec<Offer>,
    notes: Vec<Note>,
) -> Consultation {
    Consultation {
        id,
        started_at,
        officer: officer.into(),
        branch: if officer == "Анна" {
            "Центр"
        } else {
            "Север"
        }
        .into(),
        client_id: id,
        main: main.into(),
        stage: 0,
        main_outcome,
        offers,
        notes,
        not_receptive: false,
        create_skip: 0,
        finished_at: Some(started_at),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    }
}

use Outcome::{Accepted as A, Declined as D, Thinking as T};
use Technique::{Catch, Create};

/// Five consultations in March 2024 and one on April 2nd; every figure below is worked out
/// by hand from these.
fn history() -> Vec<Consultation> {
    let gap = "уже есть карта другого банка";
    vec![
        // Анна: main sold, 2 catch + 1 create: meets the formula; 2 extras accepted.
        consultation(
            1,
            at(3, 4, 10),
            "Анна",
            "deposit",
            Some(A),
            vec![
                offer("debit_card", Catch, 0, Some(A)),
                offer("mobile_bank", Catch, 1, Some(D)),
                offer("npf", Create, 0, Some(A)),
            ],
            vec![note("presentation", Some("debit_card"), gap)],
        ),
        // Анна: main declined, 1 catch + 1 create: short of the formula.
        consultation(
            2,
            at(3, 5, 11),
            "Анна",
            "credit_card",
            Some(D),
            vec![
                offer("sms", Catch, 0, Some(T)),
                offer("npf", Create, 1, Some(D)),
            ],
            Vec::new(),
        ),
        // Борис: main sold, 2 catch + 2 create (one unanswered): meets it; 3 accepted.
        consultation(
            3,
            at(3, 12, 12),
            "Борис",
            "deposit",
            Some(A),
            vec![
                offer("debit_card", Catch, 0, Some(A)),
                offer("mobile_bank", Catch, 0, Some(A)),
                offer("iis", Create, 0, Some(A)),
                offer("npf", Create, 1, None),
            ],
            Vec::new(),
        ),
        // Борис: a plan product as the main one, sold; no extras.
        consultation(
            4,
            at(3, 20, 9),
            "Борис",
            "npf",
            Some(A),
            Vec::new(),
            vec![note("needs", None, "спросил про ипотеку")],
        ),
        // Анна: no outcome yet, no offers.
        consultation(
            5,
            at(3, 31, 18),
            "Анна",
            "deposit",
            None,
            Vec::new(),
            vec![note("presentation", Some("debit_card"), gap)],
        ),
        consultation(
            6,
            at(4, 2, 10),
            "Анна",
            "deposit",
            Some(A),
            Vec::new(),
            Vec::new(),
        ),
    ]
}

fn store(dir: &std::path::Path) -> SledStore {
    let s = SledStore::open(dir).unwrap();
    s.save_all(&history(), EventKind::Imported, "test").unwrap();
    s
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

const ALL: [Grouping; 6] = Grouping::ALL;

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

fn group<'a>(gs: &'a [Group], key: &str) -> &'a Group {
    gs.iter().find(|g| g.key == key).expect(key)
}

#[test]
fn march_figures_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let period = Period::month(Month(202403)).unwrap();
    let r = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Auto).unwrap();
    let t = &r.total;
    assert_eq!(t.consultations, 5);
    assert_eq!((t.main.offered, t.main_sold(), t.main.declined), (4, 3, 1));
    assert_eq!(
        t.catch,
        Counts {
            offered: 5,
            accepted: 3,
            declined: 1,
            thinking: 1
        }
    );
    assert_eq!(
        t.create,
        Counts {
            offered: 4,
            accepted: 2,
            declined: 1,
            thinking: 0
        }
    );
    close(t.catch.conversion(), 3.0 / 5.0);
    close(t.create.conversion(), 2.0 / 4.0);
    close(t.conversion(), 5.0 / 9.0);
    close(t.compliance(), 2.0 / 5.0);
    close(t.products_per_client(), (3.0 + 5.0) / 5.0);

    // Plan: two officers worked in March; a whole past month is not prorated.
    assert!(!r.prorated());
    let npf = &r.plan[0];
    assert_eq!(
        (npf.product.as_str(), npf.sold, npf.target),
        ("npf", 2, 20.0)
    );
    close(npf.fulfilment(), 0.1);
    let iis = &r.plan[1];
    assert_eq!((iis.sold, iis.target), (1, 8.0));
    close(iis.fulfilment(), 0.125);

    let anna = group(&r.officer, "Анна");
    assert_eq!(anna.figures.consultations, 3);
    assert_eq!(
        (anna.figures.catch.offered, anna.figures.create.offered),
        (3, 2)
    );
    close(anna.figures.compliance(), 1.0 / 3.0);
    close(anna.figures.products_per_client(), (1.0 + 2.0) / 3.0);
    assert_eq!((anna.plan[0].sold, anna.plan[0].target), (1, 10.0));
    let boris = group(&r.officer, "Борис");
    close(boris.figures.compliance(), 0.5);
    close(boris.figures.products_per_client(), (2.0 + 3.0) / 2.0);
    assert_eq!((boris.plan[1].sold, boris.plan[1].target), (1, 4.0));
    // Branches come from the records and match their one officer each.
    assert_eq!(group(&r.branch, "Центр").figures, anna.figures);
    assert_eq!(group(&r.branch, "Север").figures, boris.figures);

    // By product: consultation figures follow the main product, offers the offered one.
    let deposit = group(&r.product, "deposit");
    assert_eq!(
        (deposit.figures.consultations, deposit.figures.main_sold()),
        (3, 2)
    );
    close(deposit.figures.compliance(), 2.0 / 3.0);
    close(deposit.figures.products_per_client(), (2.0 + 5.0) / 3.0);
    assert!(deposit.plan.is_empty());
    let npf = group(&r.product, "npf");
    assert_eq!(
        (npf.figures.consultations, npf.figures.create.offered),
        (1, 3)
    );
    assert_eq!((npf.plan[0].sold, npf.plan[0].target), (2, 20.0));
    // Catalogue order.
    let order: Vec<&str> = r.product.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(
        order,
        [
            "deposit",
            "credit_card",
            "debit_card",
            "mobile_bank",
            "sms",
            "npf",
            "iis"
        ]
    );

    // Variants with their Wilson intervals.
    let v = r
        .variant
        .iter()
        .find(|v| v.main == "deposit" && v.product == "debit_card" && v.variant == 1)
        .unwrap();
    assert_eq!((v.counts.offered, v.counts.accepted), (2, 2));
    assert!(v.too_few());
    let (n, p, z) = (2.0_f64, 1.0_f64, 1.959963984540054_f64);
    let lo = (p + z * z / (2.0 * n) - z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt())
        / (1.0 + z * z / n);
    let (wl, wh) = v.counts.wilson().unwrap();
    close(Some(wl), lo);
    close(Some(wh), 1.0);
    // The second npf phrase, split by script: one offer in each.
    let npf2: Vec<(&str, u64, u64)> = r
        .variant
        .iter()
        .filter(|v| v.product == "npf" && v.variant == 2)
        .map(|v| (v.main.as_str(), v.counts.offered, v.counts.accepted))
        .collect();
    assert_eq!(npf2, [("deposit", 1, 0), ("credit_card", 1, 0)]);

    // Most frequent first (ordering and merging: report::gaps tests).
    let gaps: Vec<(&str, Option<&str>, u64, &str)> = r
        .gaps
        .iter()
        .map(|g| {
            (
                g.text.as_str(),
                g.product.as_deref(),
                g.count,
                g.stages[0].id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        vec![
            (
                "уже есть карта другого банка",
                Some("debit_card"),
                2,
                "presentation"
            ),
            ("спросил про ипотеку", None, 1, "needs"),
        ]
    );
    assert_eq!(r.techniques()[0].1.accepted, 3);
}

#[test]
fn wilson_by_the_formula() {
    for (k, n) in [(30u64, 60u64), (7, 50), (0, 12), (49, 49)] {
        let (kf, nf, z) = (k as f64, n as f64, Z95);
        let p = kf / nf;
        let centre = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
        let half = z / (1.0 + z * z / nf) * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
        let (lo, hi) = wilson(k, n).unwrap();
        close(Some(lo), (centre - half).max(0.0));
        close(Some(hi), (centre + half).min(1.0));
    }
    // A known value: 30 of 60 gives 0.3773 .. 0.6227.
    let (lo, hi) = wilson(30, 60).unwrap();
    assert!(
        (lo - 0.377_34).abs() < 1e-4 && (hi - 0.622_66).abs() < 1e-4,
        "{lo} {hi}"
    );
    assert_eq!(wilson(0, 0), None);
}

#[test]
fn the_current_month_is_prorated_to_today() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let period = Period::month(Month(202403)).unwrap();
    // On March 10th, 10 of 31 days of two officers' plans.
    let r = compute(&[&s], &catalog(), period, &[], day(3, 10), Source::Auto).unwrap();
    assert!(r.prorated());
    let npf = &r.plan[0];
    close(Some(npf.target), 20.0 * 10.0 / 31.0);
    close(npf.fulfilment(), 2.0 / (20.0 * 10.0 / 31.0));
    assert!(npf.prorated);
}

#[test]
fn a_day_range_mixes_counters_and_records_and_prorates() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let period = Period::range(day(3, 1), day(4, 15)).unwrap();
    let r = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Auto).unwrap();
    assert_eq!((r.total.consultations, r.total.main_sold()), (6, 4));
    // March: Анна and Борис, whole; April: Анна, 15 of 30 days.
    close(Some(r.plan[0].target), 10.0 * (2.0 + 15.0 / 30.0));
    assert!(r.prorated());
    close(Some(group(&r.officer, "Анна").plan[0].target), 10.0 * 1.5);
    // From the records only: the same report.
    let scan = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Scan).unwrap();
    assert_eq!(r, scan);
    // A range inside March (from the records) against the counters' whole month.
    let mid = Period::range(day(3, 5), day(3, 12)).unwrap();
    let r = compute(&[&s], &catalog(), mid, &[], day(6, 1), Source::Auto).unwrap();
    assert_eq!(r.total.consultations, 2);
    close(Some(r.plan[0].target), 10.0 * 2.0 * 8.0 / 31.0);
}

#[test]
fn counters_and_records_give_the_same_month() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for m in [Month(202403), Month(202404)] {
        let period = Period::month(m).unwrap();
        let a = compute(&[&s], &catalog(), period, &ALL, day(4, 20), Source::Auto).unwrap();
        let b = compute(&[&s], &catalog(), period, &ALL, day(4, 20), Source::Scan).unwrap();
        assert_eq!(a, b, "{m}");
    }
}

#[test]
fn two_databases_add_up() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (s1, s2) = (store(d1.path()), store(d2.path()));
    let period = Period::month(Month(202403)).unwrap();
    let one = compute(&[&s1], &catalog(), period, &[], day(6, 1), Source::Auto).unwrap();
    let two = compute(
        &[&s1, &s2],
        &catalog(),
        period,
        &[],
        day(6, 1),
        Source::Auto,
    )
    .unwrap();
    assert_eq!(two.total.consultations, 2 * one.total.consultations);
    assert_eq!(two.plan[0].sold, 2 * one.plan[0].sold);
    // The same officers: the target does not double.
    assert_eq!(two.plan[0].target, one.plan[0].target);
}

#[test]
fn an_empty_period_is_an_empty_report_with_its_plan_and_old_counters_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let period = Period::month(Month(202405)).unwrap();
    let groupings = Grouping::ALL;
    let r = compute(
        &[&s],
        &catalog(),
        period,
        &groupings,
        day(6, 1),
        Source::Auto,
    )
    .unwrap();
    assert_eq!(r.total.consultations, 0);
    assert_eq!(r.total.conversion(), None);
    let plan: Vec<(&str, u64)> = r
        .plan
        .iter()
        .map(|p| (p.product.as_str(), p.sold))
        .collect();
    assert_eq!(plan, vec![("npf", 0), ("iis", 0)]);
    assert!(r.officer.is_empty() && r.gaps.is_empty() && r.calls.is_empty());
    let tables = super::super::table::tables(&r);
    assert_eq!(tables[0].rows.len(), 1, "the summary row is there");
    assert_eq!(tables[1].rows.len(), 2, "and the plan's");
    // Counters written before formula rows existed are not trusted for compliance.
    let mut old: BTreeMap<TallyKey, Tally> = history()[0]
        .tallies()
        .into_iter()
        .filter(|(k, _)| k.kind != Kind::Formula)
        .collect();
    assert!(!formula_counted(&old));
    old = history()[0].tallies();
    assert!(formula_counted(&old));
}

#[test]
fn one_officer_or_one_branch_is_its_group_of_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let period = Period::month(Month(202403)).unwrap();
    let whole = compute(&[&s], &catalog(), period, &ALL, day(6, 1), Source::Auto).unwrap();
    let anna = Only {
        officer: Some("Анна".into()),
        branch: None,
    };
    let centre = Only {
        officer: None,
        branch: Some("Центр".into()),
    };
    let only = |o: &Only, source| {
        compute_only(&[&s], &catalog(), period, &ALL, day(6, 1), source, o).unwrap()
    };
    // From the counters and from the records alike.
    let a = only(&anna, Source::Auto);
    assert_eq!(a, only(&anna, Source::Scan));
    assert_eq!(a.total, group(&whole.officer, "Анна").figures);
    assert_eq!(a.officer.len(), 1);
    assert!(a.total.consultations > 0 && a.total.consultations < whole.total.consultations);
    // Анна is the whole of Центр.
    let c = only(&centre, Source::Auto);
    assert_eq!(c.total, group(&whole.branch, "Центр").figures);
    assert_eq!(c.total, a.total);
    assert_eq!(c.plan, a.plan);
    assert_eq!(c.only, centre);
    // Nobody of that name: an empty report.
    let nobody = Only {
        officer: Some("Анна".into()),
        branch: Some("Север".into()),
    };
    assert_eq!(only(&nobody, Source::Auto).total.consultations, 0);
}

/// A month's cancellations come before its downsells in the counters' order, and another
/// workstation's sales after both: the plan's sold is net of them all the same.
#[test]
fn cancelled_sales_come_off_sold_whatever_the_order_they_are_added_in() {
    let key = |kind, officer: &str| TallyKey {
        month: Month(202611),
        officer: officer.into(),
        product: "credit_card".into(),
        kind,
        variant: 0,
    };
    let sold = |n| Tally {
        offered: n,
        accepted: n,
        ..Tally::default()
    };
    let formula = catalog().formula;
    let mut f = Figures::default();
    f.add_counter(&key(Kind::Cancelled, "Анна"), &sold(1), formula);
    f.add_counter(&key(Kind::Downsell, "Анна"), &sold(2), formula);
    f.add_counter(&key(Kind::Catch, "Борис"), &sold(3), formula);
    f.net_cancelled();
    assert_eq!(f.sold.get("credit_card"), Some(&4));
    assert_eq!(f.cancelled, 1);
}
