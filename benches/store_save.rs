//! One durable officer action — `Store::save`: transaction + flush + fdatasync — timed over
//! 1000 actions on a database with some history (target p99 ≤ 2 ms, DESIGN §9).
//! Run: `cargo bench --bench store_save`. `SUFLER_BENCH_DIR` puts the database on another
//! filesystem (default: the system temporary directory). For scale, it also times a bare
//! 4 KiB `pwrite` + `fdatasync` on the same filesystem, the bulk import rate (`save_all`),
//! a client search and a monthly plan lookup. With `SUFLER_BENCH_SERVER=URL` (a server made
//! by `sufler server init`) the actions are timed again while the screen's live sender ships
//! each one to that PostgreSQL, as `sufler --server URL` does.

use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use sufler::consultation::{Client, Consultation, Month, Offer, Outcome, Technique};
use sufler::store::{EventKind, SledStore, Store};
use sufler::sync::live::{Live, PullContext};
use sufler::sync::server::Server;

const HISTORY: u64 = 20_000;
const CLIENTS: u64 = 5_000;
const ACTIONS: usize = 1000;
const PRODUCTS: [&str; 4] = ["debit_card", "internet_bank", "insurance", "npf"];

fn at(day: u64, minute: u64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("date")
        + chrono::Duration::days(day as i64)
        + chrono::Duration::minutes(minute as i64)
}

fn consultation(id: u64, client_id: u64, officer: &str, started_at: NaiveDateTime) -> Consultation {
    Consultation {
        id,
        started_at,
        officer: officer.into(),
        branch: "Тверская".into(),
        client_id,
        main: ["deposit", "credit_card", "loan"][(id % 3) as usize].into(),
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

fn offer(product: &str, i: u64, made_at: NaiveDateTime, outcome: Option<Outcome>) -> Offer {
    Offer {
        product: product.into(),
        technique: if i % 3 == 2 {
            Technique::Create
        } else {
            Technique::Catch
        },
        slot: None,
        stage: "presentation".into(),
        variant: (i % 3) as u32,
        made_at,
        outcome,
        outcome_at: outcome.map(|_| made_at),
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    }
}

fn outcome(i: u64) -> Outcome {
    match i % 3 {
        0 => Outcome::Accepted,
        1 => Outcome::Declined,
        _ => Outcome::Thinking,
    }
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<34} n={:<5} p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        samples.len(),
        p(0.50),
        p(0.90),
        p(0.99),
        p(1.0)
    );
}

fn main() {
    let base = std::env::var_os("SUFLER_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::tempdir_in(&base).expect("temporary directory");

    // The filesystem's own fdatasync, for scale.
    {
        let path = tmp.path().join("raw");
        let mut f = std::fs::File::create(&path).expect("raw file");
        f.write_all(&[0u8; 4096]).expect("write");
        f.sync_all().expect("sync");
        let page = [7u8; 4096];
        let samples = (0..ACTIONS as u64)
            .map(|i| {
                let t = Instant::now();
                f.write_all_at(&page, (i % 256) * 4096).expect("pwrite");
                f.sync_data().expect("fdatasync");
                t.elapsed()
            })
            .collect();
        percentiles("bare pwrite 4 KiB + fdatasync", samples);
    }

    let store = Arc::new(SledStore::open(&tmp.path().join("sufler")).expect("open"));
    let clients = store
        .add_clients(
            (0..CLIENTS)
                .map(|i| Client {
                    id: 0,
                    last_name: ["Иванов", "Смирнова", "Кузнецов", "Попова", "Ёлкин"]
                        [(i % 5) as usize]
                        .to_string()
                        + &"а".repeat((i % 7) as usize),
                    first_name: "Иван".into(),
                    patronymic: "Петрович".into(),
                    phone: format!("79{:09}", i * 7919 % 1_000_000_000),
                    birth_date: NaiveDate::from_ymd_opt(1960 + (i % 40) as i32, 1, 1)
                        .expect("date"),
                    segment: "mass".into(),
                    calls_consent: false,
                })
                .collect(),
        )
        .expect("clients");

    // History, in batches as `sufler demo` would write it.
    let started = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..HISTORY {
        let officer = ["Анна", "Борис", "Вера"][(i % 3) as usize];
        let day = i * 180 / HISTORY;
        let mut c = consultation(
            store.new_id().expect("id"),
            clients[(i % CLIENTS) as usize].id,
            officer,
            at(day, i % 480),
        );
        c.main_outcome = Some(outcome(i));
        for (k, p) in PRODUCTS.iter().enumerate().take((i % 4) as usize) {
            c.offers.push(offer(
                p,
                i + k as u64,
                at(day, i % 480 + 5),
                Some(outcome(i / 3 + k as u64)),
            ));
        }
        c.finished_at = Some(at(day, i % 480 + 30));
        batch.push(c);
        if batch.len() == 1000 {
            store
                .save_all(&batch, EventKind::Imported, "bench")
                .expect("save_all");
            batch.clear();
        }
    }
    let took = started.elapsed();
    println!(
        "{:<34} {HISTORY} consultations in {took:.2?} ({:.0}/s)",
        "bulk import (save_all × 1000)",
        HISTORY as f64 / took.as_secs_f64()
    );

    // Officer actions: start, offers, outcomes, finish — each one durable.
    let samples = officer_actions(&store, &clients, 0, &|| {});
    percentiles("durable save (tx+flush+fdatasync)", samples);
    if let Ok(url) = std::env::var("SUFLER_BENCH_SERVER") {
        with_live_sender(&store, &clients, &url);
    }

    let samples = (0..200)
        .map(|i| {
            let t = Instant::now();
            let found = store
                .search_clients(["ива", "смир", "ёлк", "7900"][i % 4], 50)
                .expect("search");
            assert!(!found.is_empty());
            t.elapsed()
        })
        .collect();
    percentiles("client search, first 50", samples);
    let samples = (0..200)
        .map(|i| {
            let t = Instant::now();
            let sold = store
                .plan_sold(["Анна", "Борис"][i % 2], Month(202403))
                .expect("plan");
            assert!(!sold.is_empty());
            t.elapsed()
        })
        .collect();
    percentiles("plan_sold (one officer, one month)", samples);
    let t = Instant::now();
    let report = store.verify().expect("verify");
    println!(
        "{:<34} {} in {:.2?}",
        "verify",
        report.summary(),
        t.elapsed()
    );
}

/// `ACTIONS` durable officer actions (start, offers, outcomes, finish), each timed;
/// `after_save` runs after each, outside the timing (the screen's kick of the sender).
fn officer_actions(
    store: &SledStore,
    clients: &[Client],
    first: u64,
    after_save: &dyn Fn(),
) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(ACTIONS);
    let mut current: Option<Consultation> = None;
    let mut n = first;
    while samples.len() < ACTIONS {
        n += 1;
        let (c, kind) = match current.take() {
            None => (
                consultation(
                    store.new_id().expect("id"),
                    clients[(n % CLIENTS) as usize].id,
                    "Анна",
                    at(200, n % 600),
                ),
                EventKind::Started,
            ),
            Some(mut c) => {
                let kind = match c.offers.len() {
                    k if k < PRODUCTS.len() && n.is_multiple_of(2) => {
                        c.offers.push(offer(PRODUCTS[k], n, at(200, n % 600), None));
                        EventKind::Offered
                    }
                    k if k > 0 && c.offers[k - 1].outcome.is_none() => {
                        c.offers[k - 1].outcome = Some(outcome(n));
                        EventKind::Outcome
                    }
                    _ if c.main_outcome.is_none() => {
                        c.main_outcome = Some(outcome(n));
                        EventKind::MainOutcome
                    }
                    _ => {
                        c.finished_at = Some(at(200, n % 600 + 30));
                        EventKind::Finished
                    }
                };
                (c, kind)
            }
        };
        let t = Instant::now();
        store.save(&c, kind, "").expect("save");
        samples.push(t.elapsed());
        after_save();
        if c.finished_at.is_none() {
            current = Some(c);
        }
    }
    samples
}

/// The same actions while the live sender ships each one to `url`, as the officer's screen
/// with `--server` does: the save must not wait for the network.
fn with_live_sender(store: &Arc<SledStore>, clients: &[Client], url: &str) {
    let server = Server::parse(url).expect("SUFLER_BENCH_SERVER is a postgresql:// URL");
    let live = Live::start(Arc::clone(store), server, PullContext::default(), now);
    // The history's first shipping out of the way, so that what is timed is the day's flow.
    let deadline = Instant::now() + Duration::from_secs(600);
    while live.status().synced_at.is_none() || live.status().pending > 0 {
        assert!(
            Instant::now() < deadline,
            "the history did not reach the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let samples = officer_actions(store, clients, 10_000_000, &|| live.kick());
    percentiles("durable save, live sender shipping", samples);
    let t = Instant::now();
    while live.status().pending > 0 && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "{:<34} everything on the server {:.2?} after the last action (offline: {})",
        "live sender",
        t.elapsed(),
        live.status().offline
    );
    live.stop(Duration::from_secs(1));
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}
