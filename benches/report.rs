//! The monthly plan report from the aggregate counters (target ≤ 20 ms at any history size,
//! DESIGN §9), timed as `sufler stats` computes it.
//!
//! Run: `cargo bench --bench report`. The history is generated here (default 200 000
//! consultations over 24 months, 40 officers; `SUFLER_BENCH_CONSULTATIONS` changes the size)
//! in a temporary database, or taken from `SUFLER_BENCH_DB` when that database already holds
//! consultations (one made by `sufler demo`, say); when it does not, the generated history is
//! kept there for `bench/stats_vs_sqlite.py --db`.

use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use sufler::consultation::{Consultation, Month, Offer, Outcome, Technique};
use sufler::report::{compute, Grouping, Period, Source};
use sufler::store::{EventKind, SledStore, Store};

const MONTHS: u32 = 24;
const OFFICERS: u64 = 40;
const BATCH: usize = 5_000;

/// A small deterministic generator (xorshift), so every run builds the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).expect("date")
}

fn history(n: u64) -> impl Iterator<Item = Consultation> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let days = (0..MONTHS).fold(0u64, |d, m| {
        let first = start()
            .checked_add_months(chrono::Months::new(m))
            .expect("month");
        d + u64::from(first.num_days_in_month())
    });
    (0..n).map(move |i| {
        let day = start()
            .checked_add_days(Days::new(i * days / n))
            .expect("date");
        let started_at: NaiveDateTime = day
            .and_hms_opt(9 + rng.below(9) as u32, rng.below(60) as u32, 0)
            .expect("time");
        let officer = rng.below(OFFICERS);
        let (main, links): (&str, &[&str]) = match rng.below(3) {
            0 => ("deposit", &["debit_card", "mobile_bank", "savings_account"]),
            1 => (
                "credit_card",
                &["mobile_bank", "sms_alerts", "card_insurance"],
            ),
            _ => ("consumer_loan", &["loan_insurance", "debit_card"]),
        };
        let outcome = |r: &mut Rng| match r.below(10) {
            0..=3 => Some(Outcome::Accepted),
            4..=7 => Some(Outcome::Declined),
            8 => Some(Outcome::Thinking),
            _ => None,
        };
        let mut offers = Vec::new();
        for p in links.iter().take(rng.below(3) as usize + 1) {
            offers.push(offer(p, Technique::Catch, &mut rng, started_at, outcome));
        }
        if rng.below(3) > 0 {
            let p = ["npf", "iis", "life_insurance"][rng.below(3) as usize];
            offers.push(offer(p, Technique::Create, &mut rng, started_at, outcome));
        }
        Consultation {
            id: i + 1,
            started_at,
            officer: format!("Сотрудник {officer:02}"),
            branch: format!("Отделение {}", officer % 8),
            client_id: 1 + rng.below(n / 5 + 1),
            main: main.into(),
            stage: 0,
            main_outcome: outcome(&mut rng),
            offers,
            notes: Vec::new(),
            not_receptive: false,
            create_skip: 0,
            finished_at: Some(started_at),
            variant_bumps: Vec::new(),
            main_follow_up: None,
            catalog: None,
            main_check_in: None,
        }
    })
}

fn offer(
    product: &str,
    technique: Technique,
    rng: &mut Rng,
    at: NaiveDateTime,
    outcome: impl Fn(&mut Rng) -> Option<Outcome>,
) -> Offer {
    let o = outcome(rng);
    Offer {
        product: product.into(),
        technique,
        slot: None,
        stage: "presentation".into(),
        variant: rng.below(3) as u32,
        made_at: at,
        outcome: o,
        outcome_at: o.map(|_| at),
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    }
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<58} n={:<4} p50 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        samples.len(),
        p(0.50),
        p(0.99),
        samples[samples.len() - 1]
    );
}

fn time(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn main() {
    let n: u64 = std::env::var("SUFLER_BENCH_CONSULTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let path = std::env::var_os("SUFLER_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("db"));
    let store = SledStore::open(&path).expect("open the database");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = sufler::catalog::load_dir(root)
        .catalog
        .expect("the bundled catalogue checks clean");

    let all = Period::range(
        NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2099, 12, 31).expect("date"),
    )
    .expect("period");
    let existing = store
        .consultations_between(all.start(), all.end())
        .next()
        .is_some();
    if !existing {
        let t = Instant::now();
        let mut batch = Vec::with_capacity(BATCH);
        for c in history(n) {
            batch.push(c);
            if batch.len() == BATCH {
                store
                    .save_all(&batch, EventKind::Imported, "bench")
                    .expect("save");
                batch.clear();
            }
        }
        store
            .save_all(&batch, EventKind::Imported, "bench")
            .expect("save");
        println!(
            "generated {n} consultations over {MONTHS} months in {:.1?}",
            t.elapsed()
        );
    }
    // The latest month with data is the one a manager asks about.
    let last = store
        .consultations_between(all.start(), all.end())
        .last()
        .expect("a consultation")
        .expect("readable");
    let month = Month::of(last.started_at.date());
    let today = last.started_at.date().with_day(1).expect("day") + chrono::Months::new(1);
    let period = Period::month(month).expect("month");
    let stores: [&dyn Store; 1] = [&store];

    let report = |p: Period, by: &[Grouping], source: Source| {
        compute(&stores, &catalog, p, by, today, source).expect("report")
    };
    let r = report(period, &[], Source::Auto);
    let whole = report(all, &[], Source::Auto);
    println!(
        "history: {} consultations; month {month}: {} consultations, {} officers",
        whole.total.consultations,
        r.total.consultations,
        r.total.officer_months.len()
    );
    percentiles(
        &format!("month {month} plan report (counters), target ≤ 20 ms"),
        time(100, || {
            std::hint::black_box(report(period, &[], Source::Auto));
        }),
    );
    percentiles(
        &format!("month {month} --by officer,product (counters)"),
        time(100, || {
            std::hint::black_box(report(
                period,
                &[Grouping::Officer, Grouping::Product],
                Source::Auto,
            ));
        }),
    );
    percentiles(
        &format!("month {month} --by officer,product (records, for scale)"),
        time(5, || {
            std::hint::black_box(report(
                period,
                &[Grouping::Officer, Grouping::Product],
                Source::Scan,
            ));
        }),
    );
    percentiles(
        "whole history --by officer,product (counters)",
        time(10, || {
            std::hint::black_box(report(
                all,
                &[Grouping::Officer, Grouping::Product],
                Source::Auto,
            ));
        }),
    );
    // The two paths agree on the whole history too.
    let by = Grouping::ALL;
    assert_eq!(
        report(all, &by, Source::Auto),
        report(all, &by, Source::Scan),
        "counters and records disagree"
    );
    println!("counters = records over the whole history, every grouping: ok");
}
