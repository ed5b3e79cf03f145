//! `sufler demo`: a deterministic synthetic history for demonstrations and benchmarks
//! (DESIGN §6, §9).
//!
//! Branches, officers, clients with Russian names, initial holdings, then consultations spread
//! over the months before `until`. Every consultation is played through the real engine
//! ([`crate::consultation`]) with a context built exactly as the officer's screen builds it —
//! the client's holdings and declines, this officer's plan figures this month and phrase
//! rotation, all as they stand at that moment of the history — so candidates, cooldowns,
//! eligibility, rotation, the disclosure gate and the offer cap hold for every record.
//!
//! Same options, same catalogue → the same records (clients, holdings, consultations and
//! their ids). The randomness is a SplitMix64 seeded from `seed`; nothing reads the clock,
//! except the store's event-log timestamps.
//!
//! The history is generated on the calling thread while a second thread writes finished
//! batches through [`Store::add_clients`], [`Store::add_holdings`] and [`Store::save_all`],
//! so counters and indexes are maintained exactly as for the officer's own saves.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use thiserror::Error;

use crate::catalog::{Catalog, Technique};
use crate::consultation::{
    cancellable, in_days, next_working_day, CallOutcome, Cancellation, Client, ClientHistory,
    Consultation, Contact, Context, EngineError, Month, Outcome, Prompt,
};
use crate::store::{EventKind, Officer, Store, StoreError};

mod calls;
mod history;
mod meeting;
mod people;
mod rng;
#[cfg(test)]
mod tests;

use calls::*;
use history::*;
use meeting::*;
use people::*;
use rng::*;

/// Consultations per `save_all` transaction.
pub const CONSULTATION_BATCH: usize = 10_000;
/// Clients per `add_clients` transaction.
pub const CLIENT_BATCH: usize = 20_000;

/// Clients for a history of `consultations` when none are asked for: one per five
/// consultations, as in a branch's own history (at least one).
pub fn default_clients(consultations: u64) -> u64 {
    (consultations / 5).max(1)
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub clients: u64,
    pub consultations: u64,
    /// The history covers this many months before `until`.
    pub months: u32,
    pub seed: u64,
    /// The last day of the history.
    pub until: NaiveDate,
}

/// One generated officer, with how closely they keep the formula.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOfficer {
    pub name: String,
    pub branch: String,
    /// Keeps the formula: makes nearly every catch and create offer the screen prompts.
    pub follows_formula: bool,
    /// Pushes the voluntary products: many of those sales are cancelled by the client.
    pub pushes_voluntary: bool,
    /// The chance of making a prompted catch offer.
    pub catch_propensity: f64,
    /// The chance of making a prompted create offer.
    pub create_propensity: f64,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub consultations: u64,
    pub clients: u64,
    pub holdings: u64,
    pub offers: u64,
    pub unfinished: u64,
    /// Calls made on call backs before `until` (see [`make_calls`]).
    pub calls: u64,
    /// Sales of voluntary products the clients cancelled in the cooling-off period.
    pub cancellations: u64,
    pub officers: Vec<DemoOfficer>,
    pub branches: usize,
    pub months: u32,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

#[derive(Debug, Error)]
pub enum DemoError {
    /// Demo data must never mix with real records.
    #[error("the database already holds {0}; demo data is never mixed with real records")]
    NotEmpty(&'static str),
    #[error("{0}")]
    Options(String),
    #[error("the catalogue has no main product (no script)")]
    NoMainProduct,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the engine refused a generated step: {0}")]
    Engine(#[from] EngineError),
    #[error("the writer thread stopped unexpectedly")]
    Writer,
}

// ───────────────────────────── the run ─────────────────────────────

/// The first day of the history: `months` calendar months before `until`, plus one day.
pub fn first_day(until: NaiveDate, months: u32) -> NaiveDate {
    until
        .checked_sub_months(Months::new(months))
        .and_then(|d| d.succ_opt())
        .unwrap_or(until)
}

/// Branch working days (Monday to Saturday) in `from ..= until`.
fn working_days(from: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= until)
        .filter(|d| d.weekday() != Weekday::Sun)
        .collect()
}

enum Batch {
    Clients(Vec<Client>),
    Holdings(Vec<(usize, String)>),
    ClientsDone,
    Consultations(Vec<Consultation>, String),
}

/// Generates the history into an empty store. `progress(done, total)` counts records
/// (clients, then consultations) as they are written.
pub fn generate<S: Store + Sync + ?Sized>(
    store: &S,
    catalog: &Catalog,
    opts: &DemoOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoSummary, DemoError> {
    if opts.months == 0 || opts.months > 600 {
        return Err(DemoError::Options(format!(
            "--months must be 1 to 600, not {}",
            opts.months
        )));
    }
    if opts.clients == 0 && opts.consultations > 0 {
        return Err(DemoError::Options(
            "consultations need at least one client (--clients)".into(),
        ));
    }
    // The consultations record the catalogue's version; its texts and plan go with them.
    store.use_catalog(catalog);
    if store.clients().next().is_some() {
        return Err(DemoError::NotEmpty("clients"));
    }
    if store
        .consultations_between(NaiveDateTime::MIN, NaiveDateTime::MAX)
        .next()
        .is_some()
    {
        return Err(DemoError::NotEmpty("consultations"));
    }
    let mains: Vec<(&str, u64)> = catalog
        .main_products()
        .enumerate()
        // The first main products are the busier ones: 5, 4, 3… shares.
        .map(|(i, p)| (p.id.as_str(), 5u64.saturating_sub(i as u64).max(1)))
        .collect();
    if mains.is_empty() {
        return Err(DemoError::NoMainProduct);
    }
    let from = first_day(opts.until, opts.months);
    // Ages 18 to 80 over the whole history.
    let born_from = opts
        .until
        .checked_sub_months(Months::new(80 * 12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(opts.until);
    let born_to = from
        .checked_sub_months(Months::new(18 * 12))
        .unwrap_or(from);
    let born_span = u64::try_from((born_to - born_from).num_days().max(0)).unwrap_or(0) + 1;
    let edited = catalog.with_demo_edit();
    if let Some(e) = &edited {
        store.use_catalog(e);
    }
    let halfway = from + TimeDelta::days((opts.until - from).num_days() / 2);
    let plan = Plan {
        catalog,
        edit: edited
            .as_ref()
            .and_then(|e| Some((halfway.and_hms_opt(0, 0, 0)?, e))),
        products: catalog.products.iter().map(|p| p.id.clone()).collect(),
        main_weight: mains.iter().map(|(_, w)| w).sum(),
        mains,
        born_from,
        born_span,
    };
    let days = working_days(from, opts.until);
    let mut staff = cast(opts.seed, officers_for(opts.consultations, days.len()));
    for s in &staff {
        store.save_officer(&Officer {
            name: s.name.clone(),
            branch: s.branch.clone(),
        })?;
    }

    let total = opts.clients + opts.consultations;
    let written = AtomicU64::new(0);
    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    let (ids_tx, ids_rx) = mpsc::channel::<Vec<u64>>();

    let result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> Result<Visits, StoreError> {
            let rx = rx;
            let mut ids: Vec<u64> = Vec::new();
            let mut visits = Visits::default();
            for batch in rx {
                match batch {
                    Batch::Clients(cs) => {
                        let n = cs.len() as u64;
                        ids.extend(store.add_clients(cs)?.iter().map(|c| c.id));
                        written.fetch_add(n, Ordering::Relaxed);
                    }
                    Batch::Holdings(hs) => {
                        // Sent after the clients they belong to: indices become ids here.
                        let hs: Vec<(u64, String)> = hs
                            .into_iter()
                            .filter_map(|(i, p)| ids.get(i).map(|&id| (id, p)))
                            .collect();
                        store.add_holdings(&hs)?;
                    }
                    Batch::ClientsDone => {
                        if ids_tx.send(std::mem::take(&mut ids)).is_err() {
                            return Ok(visits);
                        }
                    }
                    Batch::Consultations(cs, detail) => {
                        // Ids are taken by the store on this one writing thread, so the
                        // run gives the same ids every time.
                        let n = cs.len() as u64;
                        let seen: Vec<Visit> = cs.iter().map(Visits::visit).collect();
                        let stored = store.add_consultations(cs, EventKind::Imported, &detail)?;
                        for (id, visit) in stored.into_iter().zip(seen) {
                            visits.note(id, visit);
                        }
                        written.fetch_add(n, Ordering::Relaxed);
                    }
                }
            }
            Ok(visits)
        });

        let produced = produce(
            &plan, opts, &mut staff, &tx, &ids_rx, &written, total, progress,
        );
        drop(tx);
        let wrote = writer.join().map_err(|_| DemoError::Writer)?;
        let visits = wrote?;
        produced.map(|p| (p, visits))
    });
    let ((holdings, offers, unfinished, planned), visits) = result?;
    let cancellations = record_cancellations(store, planned)?;
    let calls = make_calls(store, catalog, &staff, opts, &visits)?;
    progress(total, total);
    Ok(DemoSummary {
        consultations: opts.consultations,
        clients: opts.clients,
        holdings,
        offers,
        unfinished,
        calls,
        cancellations,
        officers: staff
            .iter()
            .map(|s| DemoOfficer {
                name: s.name.clone(),
                branch: s.branch.clone(),
                follows_formula: s.follows,
                pushes_voluntary: s.pushy,
                catch_propensity: s.catch_p,
                create_propensity: s.create_p,
            })
            .collect(),
        branches: {
            let mut b: Vec<&str> = staff.iter().map(|s| s.branch.as_str()).collect();
            b.dedup();
            b.len()
        },
        months: opts.months,
        from,
        until: opts.until,
    })
}
