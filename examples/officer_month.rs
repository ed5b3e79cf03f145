//! A simulated month of officer actions on an existing history, for measuring a database as
//! it stands after weeks of use rather than straight after a bulk load: the last month's
//! consultations are played again a month later under new ids, each saved the way the
//! officer's screen saves it — started, then one durable save per offer made and per answer,
//! then finished — every save a transaction + flush + fdatasync (`Store::save`).
//!
//! Run: `cargo run --release --example officer_month -- DB_DIR [CONSULTATIONS]` (default
//! 20 000 consultations, about 100 000 durable actions). Use it on a copy.

use std::time::Instant;

use chrono::{Months, NaiveDateTime};
use sufler::store::{EventKind, SledStore, Store};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: officer_month DB_DIR [CONSULTATIONS]");
        std::process::exit(2);
    };
    let wanted: usize = match args.get(2).map(|s| s.parse()) {
        None => 20_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("CONSULTATIONS must be a number");
            std::process::exit(2);
        }
    };
    let store = match SledStore::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open {}: {e}", path.display());
            std::process::exit(1);
        }
    };
    // The last month's consultations are the templates, the latest `wanted` of them.
    let now = chrono::Local::now().naive_local();
    let from = now.checked_sub_months(Months::new(1)).unwrap_or(now);
    let mut templates = std::collections::VecDeque::with_capacity(wanted);
    for c in store.consultations_between(from, now) {
        match c {
            Ok(c) if c.finished_at.is_some() => templates.push_back(c),
            Ok(_) => {}
            Err(e) => {
                eprintln!("reading the history: {e}");
                std::process::exit(1);
            }
        }
        if templates.len() > wanted {
            templates.pop_front();
        }
    }
    let shift = |t: NaiveDateTime| t.checked_add_months(Months::new(1)).unwrap_or(t);
    let started = Instant::now();
    let mut actions = 0u64;
    for done in templates {
        let id = match store.new_id() {
            Ok(id) => id,
            Err(e) => {
                eprintln!("new id: {e}");
                std::process::exit(1);
            }
        };
        let mut c = done.clone();
        c.id = id;
        c.started_at = shift(done.started_at);
        c.offers.clear();
        c.main_outcome = None;
        c.finished_at = None;
        let mut steps = vec![c.clone()];
        for o in &done.offers {
            let mut o = o.clone();
            o.made_at = shift(o.made_at);
            o.outcome_at = o.outcome_at.map(shift);
            let answer = o.outcome.take();
            c.offers.push(o);
            steps.push(c.clone());
            if let Some(a) = answer {
                if let Some(last) = c.offers.last_mut() {
                    last.outcome = Some(a);
                }
                steps.push(c.clone());
            }
        }
        c.main_outcome = done.main_outcome;
        c.finished_at = done.finished_at.map(shift);
        steps.push(c);
        let last = steps.len() - 1;
        for (i, step) in steps.iter().enumerate() {
            let kind = match i {
                0 => EventKind::Started,
                i if i == last => EventKind::Finished,
                _ => EventKind::Offered,
            };
            if let Err(e) = store.save(step, kind, "") {
                eprintln!("save: {e}");
                std::process::exit(1);
            }
            actions += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{actions} durable actions in {secs:.1} s ({:.2} ms each)",
        secs * 1000.0 / actions.max(1) as f64
    );
}
