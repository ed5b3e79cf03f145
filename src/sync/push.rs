//! `sufler sync`: ships this workstation's records to the central server.
//!
//! **What is sent.** The outbox is the event log ([`Outbox`]): the events after the
//! watermark name the consultations, clients and officers changed since the last sync, and
//! each of those is sent as it is now — a consultation with its offers, a client with its
//! holdings, contacts and cancellations —, with the events themselves, the counters of every
//! month those records count in, and the catalogue texts and month plans they refer to. A
//! database never synced (no watermark), or a stretch of the log holding an event of a bulk
//! load (demo data, a restore: such an event names no record), sends every record.
//!
//! **Idempotent.** Every row is keyed by (workstation id, local id) and carries a version:
//! the sequence number of the last event when the records were read (no other process
//! writes the database while `sync` holds it, so the records are exactly the state after
//! that event). An upsert replaces a row only with a higher version, a month's counters
//! likewise, events and catalogue texts are written once; so a batch sent twice, or a sync
//! cut short and run again, changes nothing on the server.
//!
//! **Batches.** At most `batch` records per PostgreSQL transaction. The watermark moves
//! only after the server committed everything up to it: after each stretch of
//! `chunk_events` events, or, when every record is sent, at the end.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDateTime};

use std::sync::mpsc::{Receiver, SyncSender};

use super::rows::{self, Rows, Table};
use super::schema;
use super::writer::Writer;
use super::{Server, SyncError};
use crate::consultation::{Cancellation, Client, Consultation, Contact, Month, Outcome, TallyKey};
use crate::store::{codec, Event, EventKind, Outbox, Store, StoreError};

/// How `sync` cuts its work.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// Records (consultations, clients, contacts, events, …) per transaction.
    pub batch: usize,
    /// Events per stretch of the log between two moves of the watermark.
    pub chunk_events: usize,
}

impl SyncOptions {
    /// `batch` records per transaction, the watermark moved every `batch` events.
    pub fn batches_of(batch: usize) -> SyncOptions {
        SyncOptions {
            batch,
            chunk_events: batch,
        }
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions::batches_of(5_000)
    }
}

/// What a sync sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Every record was sent (first sync, or a bulk load in the log).
    pub full: bool,
    /// The watermark before (`None`: never synced) and after.
    pub from: Option<u64>,
    pub up_to: u64,
    pub consultations: u64,
    pub clients: u64,
    pub contacts: u64,
    pub cancellations: u64,
    pub officers: u64,
    pub events: u64,
    /// Months whose counters were sent.
    pub months: u64,
    /// Rows the server took as new or changed (consultations, clients, contacts,
    /// cancellations, officers); 0 when everything sent was there already.
    pub changed: u64,
    pub transactions: u64,
}

impl SyncReport {
    pub fn records(&self) -> u64 {
        self.consultations + self.clients + self.contacts + self.cancellations + self.officers
    }
}

/// Pushes everything not yet on the server: the records are read from `store`, the events
/// and the watermark from `outbox` (the same database). `progress(records sent)` as it goes.
pub fn sync(
    store: &dyn Store,
    outbox: &dyn Outbox,
    server: &Server,
    opts: SyncOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<SyncReport, SyncError> {
    let mut client = server.connect()?;
    schema::check_current(&mut client, server)?;
    let names = schema::accepts_client_names(&mut client, server)?;
    let from = outbox.sent_up_to()?;
    let high = outbox.last_event_seq()?;
    let ws = store.workstation_id()?;
    prepare(&mut client, server)?;
    // A bulk load names no record: every record goes.
    let full = match from {
        None => true,
        Some(seq) => {
            let mut bulk = false;
            for item in outbox.events_after(Some(seq)) {
                let (_, e) = item?;
                if names_nothing(&e) {
                    bulk = true;
                    break;
                }
            }
            bulk
        }
    };
    // The whole history sends each record once: into an empty server, nothing to replace.
    let fresh = full && server_has_nothing(&mut client, server, ws)?;
    let mut writer = Writer::new(client, server, ws, store.location(), fresh);
    // One batch is written while the next is read: reading and encoding on this thread,
    // PostgreSQL's work meanwhile on the other core. At most one batch waits between them.
    let (jobs, queued) = std::sync::mpsc::sync_channel::<Job>(1);
    let (results, done) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for job in queued {
                let result = writer.write(job.batch, job.ack);
                let failed = result.is_err();
                if results.send(result).is_err() || failed {
                    break;
                }
            }
        });
        let mut sender = Sender {
            store,
            outbox,
            server,
            jobs,
            done,
            in_flight: 0,
            ws,
            version: high,
            names,
            batch_size: opts.batch.max(1),
            counter_months: BTreeSet::new(),
            versions: BTreeSet::new(),
            plans: BTreeSet::new(),
            officers: BTreeSet::new(),
            batch: Batch::default(),
            report: SyncReport {
                from,
                up_to: from.unwrap_or(0),
                full,
                ..SyncReport::default()
            },
            progress,
        };
        // Dropping the sender closes the queue, and the writer ends.
        sender.run(full, from, high, opts).map(|()| sender.report)
    })
}

/// The session's staging tables.
fn prepare(client: &mut postgres::Client, server: &Server) -> Result<(), SyncError> {
    let mut sql = String::new();
    for t in rows::STAGED {
        sql.push_str(&t.create_stage());
        sql.push_str(";\n");
    }
    sql.push_str(
        "CREATE TEMP TABLE IF NOT EXISTS sufler_changed_consultations \
           (workstation_id bigint, month integer, consultation_id bigint) ON COMMIT DELETE ROWS;\n\
         CREATE TEMP TABLE IF NOT EXISTS sufler_changed_months \
           (workstation_id bigint, month integer) ON COMMIT DELETE ROWS;\n",
    );
    client.batch_execute(&sql).map_err(|e| refused(server, e))
}

/// Whether the server has no row of workstation `ws`. Every transaction of a sync writes
/// the workstation's row with its records, so records imply the row.
fn server_has_nothing(
    client: &mut postgres::Client,
    server: &Server,
    ws: u64,
) -> Result<bool, SyncError> {
    let ws = ws as i64;
    let row = client
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM workstations WHERE workstation_id = $1)",
            &[&ws],
        )
        .map_err(|e| refused(server, e))?;
    Ok(row.get(0))
}

/// An event that names no record: one entry for a bulk load.
fn names_nothing(e: &Event) -> bool {
    e.consultation.is_none() && e.client.is_none() && e.kind != EventKind::OfficerSaved
}

/// The rows of one transaction, per staging table.
#[derive(Default)]
pub(super) struct Batch {
    pub rows: Vec<(&'static Table, Rows)>,
    /// The months whose partitions the rows need.
    pub months: BTreeSet<u32>,
    pub records: usize,
}

impl Batch {
    fn rows(&mut self, table: &'static Table) -> &mut Rows {
        let at = match self.rows.iter().position(|(t, _)| t.name == table.name) {
            Some(at) => at,
            None => {
                self.rows.push((table, Rows::default()));
                self.rows.len() - 1
            }
        };
        &mut self.rows[at].1
    }
}

struct Sender<'a> {
    store: &'a dyn Store,
    outbox: &'a dyn Outbox,
    server: &'a Server,
    /// Batches to the writer thread, which owns the connection, and its results back.
    jobs: SyncSender<Job>,
    done: Receiver<Result<u64, SyncError>>,
    in_flight: usize,
    ws: u64,
    version: u64,
    names: bool,
    batch_size: usize,
    /// What this run has sent once already and need not read again.
    counter_months: BTreeSet<u32>,
    versions: BTreeSet<String>,
    plans: BTreeSet<u32>,
    officers: BTreeSet<String>,
    batch: Batch,
    report: SyncReport,
    progress: &'a mut dyn FnMut(u64),
}

fn month_of(t: NaiveDateTime) -> u32 {
    Month::of(t.date()).0
}

/// One transaction's worth for the writer.
pub(super) struct Job {
    pub batch: Batch,
    pub ack: Option<u64>,
}

/// A failed statement: the server gone (a connection or I/O failure), or its refusal.
pub(super) fn refused(server: &Server, e: postgres::Error) -> SyncError {
    if e.as_db_error().is_none() && (e.is_closed() || std::error::Error::source(&e).is_some()) {
        return SyncError::Unreachable {
            server: server.masked().to_string(),
            reason: server.reason(&e),
        };
    }
    SyncError::Refused {
        server: server.masked().to_string(),
        reason: server.reason(&e),
    }
}

fn outcome_name(o: Option<Outcome>) -> Option<&'static str> {
    o.map(Outcome::as_str)
}

impl Sender<'_> {
    /// The whole history, or the stretches of the log after the watermark.
    fn run(
        &mut self,
        full: bool,
        from: Option<u64>,
        high: u64,
        opts: SyncOptions,
    ) -> Result<(), SyncError> {
        if full {
            self.send_everything(from)?;
            self.flush(Some(high))?;
            self.outbox.set_sent_up_to(high)?;
            self.report.up_to = high;
            return Ok(());
        }
        let mut chunk: Vec<(u64, Event)> = Vec::new();
        for item in self.outbox.events_after(from) {
            chunk.push(item?);
            if chunk.len() >= opts.chunk_events.max(1) {
                self.send_chunk(std::mem::take(&mut chunk))?;
            }
        }
        if !chunk.is_empty() {
            self.send_chunk(chunk)?;
        }
        if self.report.up_to != high {
            // Nothing after the watermark: the server is up to date.
            self.report.up_to = high.max(self.report.up_to);
        }
        Ok(())
    }

    fn send_everything(&mut self, after: Option<u64>) -> Result<(), SyncError> {
        let store = self.store;
        let (lo, hi) = (NaiveDateTime::MIN, NaiveDateTime::MAX);
        for c in store.consultations_between(lo, hi) {
            self.consultation(&c?)?;
        }
        for c in store.clients() {
            self.client(&c?)?;
        }
        for k in store.contacts_between(lo, hi) {
            self.contact(&k?)?;
        }
        for x in store.cancellations() {
            self.cancellation(&x?)?;
        }
        for item in self.outbox.events_after(after) {
            let (seq, e) = item?;
            self.event(seq, &e)?;
        }
        Ok(())
    }

    /// The records named by a stretch of events, and the events; then the watermark.
    fn send_chunk(&mut self, chunk: Vec<(u64, Event)>) -> Result<(), SyncError> {
        let Some(last) = chunk.last().map(|(seq, _)| *seq) else {
            return Ok(());
        };
        let store = self.store;
        let mut consultations = BTreeSet::new();
        let mut clients = BTreeSet::new();
        for (_, e) in &chunk {
            if let Some(id) = e.consultation {
                consultations.insert(id);
            }
            if let Some(id) = e.client {
                clients.insert(id);
            }
            if e.kind == EventKind::OfficerSaved {
                self.officer(&e.officer)?;
            }
        }
        for id in consultations {
            // Gone (never the case today): nothing to send.
            if let Some(c) = store.consultation(id)? {
                self.consultation(&c)?;
            }
        }
        for id in clients {
            if let Some(c) = store.client(id)? {
                self.client(&c)?;
            }
            for k in store.contacts_of_client(id)? {
                self.contact(&k)?;
            }
            for x in store.cancellations_of_client(id)? {
                self.cancellation(&x)?;
            }
        }
        for (seq, e) in &chunk {
            self.event(*seq, e)?;
        }
        self.flush(Some(last))?;
        self.outbox.set_sent_up_to(last)?;
        self.report.up_to = last;
        Ok(())
    }

    fn counted(&mut self) -> Result<(), SyncError> {
        self.batch.records += 1;
        if self.batch.records >= self.batch_size {
            self.flush(None)?;
        }
        Ok(())
    }

    fn officer(&mut self, name: &str) -> Result<(), SyncError> {
        if name.is_empty() || !self.officers.insert(name.to_string()) {
            return Ok(());
        }
        let Some(o) = self.store.officer(name)? else {
            return Ok(());
        };
        let (ws, version) = (self.ws, self.version);
        self.batch
            .rows(&rows::OFFICERS)
            .row()
            .id(ws)
            .text(&o.name)
            .text(&o.branch)
            .id(version);
        self.report.officers += 1;
        self.counted()
    }

    /// The counters of a month, once per run, with the month's version row.
    fn counters(&mut self, month: u32) -> Result<(), SyncError> {
        if !self.counter_months.insert(month) {
            return Ok(());
        }
        let tallies = self.store.tallies(Month(month))?;
        let (ws, version) = (self.ws, self.version);
        self.batch.months.insert(month);
        self.batch
            .rows(&rows::COUNTER_MONTHS)
            .row()
            .id(ws)
            .int(month.into())
            .id(version);
        let rows = self.batch.rows(&rows::COUNTERS);
        for (
            TallyKey {
                month: m,
                officer,
                product,
                kind,
                variant,
            },
            t,
        ) in tallies
        {
            rows.row()
                .id(ws)
                .int(m.0.into())
                .text(&officer)
                .text(&product)
                .text(crate::store::keys::kind_str(kind))
                .int(variant.into())
                .id(t.offered)
                .id(t.accepted)
                .id(t.declined)
                .id(t.thinking)
                .id(t.consultations)
                .id(t.main_sold);
        }
        self.report.months += 1;
        Ok(())
    }

    fn consultation(&mut self, c: &Consultation) -> Result<(), SyncError> {
        let month = month_of(c.started_at);
        let record = codec::encode_consultation(c)?;
        let (ws, version) = (self.ws, self.version);
        self.batch.months.insert(month);
        self.batch
            .rows(&rows::CONSULTATIONS)
            .row()
            .id(ws)
            .int(month.into())
            .id(c.id)
            .time(c.started_at)
            .opt_time(c.finished_at)
            .text(&c.officer)
            .text(&c.branch)
            .id(c.client_id)
            .text(&c.main)
            .opt_text(outcome_name(c.main_outcome))
            .bool(c.not_receptive)
            .opt_text(c.catalog.as_ref().and_then(|v| v.label.as_deref()))
            .opt_text(c.catalog.as_ref().map(|v| v.hash.as_str()))
            .id(version)
            .bytes(&record);
        let offers = self.batch.rows(&rows::OFFERS);
        for (n, o) in c.offers.iter().enumerate() {
            offers
                .row()
                .id(ws)
                .int(month.into())
                .id(c.id)
                .int(n as i64)
                .text(&c.officer)
                .text(&c.main)
                .text(&o.product)
                .text(o.technique.as_str())
                .opt_text(o.slot.map(|s| match s {
                    crate::consultation::FormulaSlot::Main => "main",
                    crate::consultation::FormulaSlot::Catch => "catch",
                    crate::consultation::FormulaSlot::Create => "create",
                }))
                .text(&o.stage)
                .int(o.variant.into())
                .time(o.made_at)
                .opt_text(outcome_name(o.outcome))
                .opt_time(o.outcome_at);
        }
        if let Some(v) = &c.catalog {
            if self.versions.insert(v.hash.clone()) {
                if let Some(texts) = self.store.version_texts(&v.hash)? {
                    let json = serde_json::to_string(&texts)
                        .map_err(|e| StoreError::Encode(e.to_string()))?;
                    self.batch
                        .rows(&rows::VERSIONS)
                        .row()
                        .id(ws)
                        .text(&v.hash)
                        .opt_text(texts.label.as_deref())
                        .time(texts.first_used)
                        .text(&json);
                }
            }
        }
        if self.plans.insert(month) {
            if let Some(plan) = self.store.month_plan(Month(month))? {
                let json =
                    serde_json::to_string(&plan).map_err(|e| StoreError::Encode(e.to_string()))?;
                self.batch
                    .rows(&rows::PLANS)
                    .row()
                    .id(ws)
                    .int(month.into())
                    .text(&json);
            }
        }
        self.counters(month)?;
        self.officer(&c.officer)?;
        self.report.consultations += 1;
        self.counted()
    }

    fn client(&mut self, c: &Client) -> Result<(), SyncError> {
        let (ws, version, names) = (self.ws, self.version, self.names);
        let holdings = self.store.holdings(c.id)?;
        let rows = self.batch.rows(&rows::CLIENTS);
        rows.row()
            .id(ws)
            .id(c.id)
            .int(c.birth_date.year().into())
            .text(&c.segment)
            .bool(c.calls_consent);
        if names {
            rows.text(&c.last_name)
                .text(&c.first_name)
                .text(&c.patronymic)
                .text(&c.phone)
                .date(c.birth_date);
        } else {
            rows.null().null().null().null().null();
        }
        rows.id(version);
        let h = self.batch.rows(&rows::HOLDINGS);
        for product in &holdings {
            h.row().id(ws).id(c.id).text(product);
        }
        self.report.clients += 1;
        self.counted()
    }

    fn contact(&mut self, k: &Contact) -> Result<(), SyncError> {
        let month = month_of(k.at);
        let record = codec::encode_contact(k)?;
        let (ws, version) = (self.ws, self.version);
        self.batch.months.insert(month);
        self.batch
            .rows(&rows::CONTACTS)
            .row()
            .id(ws)
            .int(month.into())
            .id(k.id)
            .time(k.at)
            .text(&k.officer)
            .text(&k.branch)
            .id(k.client_id)
            .id(k.consultation)
            .text(&k.product)
            .text(k.outcome.as_str())
            .bool(k.check_in)
            .id(version)
            .bytes(&record);
        for key in k.tallies().keys() {
            self.counters(key.month.0)?;
        }
        self.officer(&k.officer)?;
        self.report.contacts += 1;
        self.counted()
    }

    fn cancellation(&mut self, x: &Cancellation) -> Result<(), SyncError> {
        let record = codec::encode(x)?;
        let (ws, version) = (self.ws, self.version);
        self.batch
            .rows(&rows::CANCELLATIONS)
            .row()
            .id(ws)
            .id(x.id)
            .id(x.client_id)
            .id(x.sale.consultation)
            .text(&x.sale.officer)
            .text(&x.sale.product)
            .time(x.sale.at)
            .date(x.cancelled_on)
            .id(version)
            .bytes(&record);
        for (key, _) in x.tallies() {
            self.counters(key.month.0)?;
        }
        self.officer(&x.sale.officer)?;
        self.report.cancellations += 1;
        self.counted()
    }

    fn event(&mut self, seq: u64, e: &Event) -> Result<(), SyncError> {
        let month = month_of(e.at);
        let ws = self.ws;
        self.batch.months.insert(month);
        self.batch
            .rows(&rows::EVENTS)
            .row()
            .id(ws)
            .int(month.into())
            .id(seq)
            .time(e.at)
            .text(&e.officer)
            .opt_id(e.consultation)
            .opt_id(e.client)
            .text(e.kind.as_str())
            .text(&e.detail);
        self.report.events += 1;
        self.counted()
    }

    /// Hands the batch to the writer (one transaction; with `ack`, the workstation's row
    /// records that the log is on the server up to it). The next batch is read while the
    /// writer sends this one; with `ack`, returns only once everything handed over is
    /// committed, so the watermark may move.
    fn flush(&mut self, ack: Option<u64>) -> Result<(), SyncError> {
        let batch = std::mem::take(&mut self.batch);
        if batch.records == 0 && ack.is_none() {
            return Ok(());
        }
        self.collect(false)?;
        if self.jobs.send(Job { batch, ack }).is_err() {
            // The writer stopped: its error is waiting.
            return Err(self.writer_failure());
        }
        self.in_flight += 1;
        if ack.is_some() {
            self.collect(true)?;
        }
        Ok(())
    }

    /// The writer's results so far; with `wait`, until every batch handed over is in.
    fn collect(&mut self, wait: bool) -> Result<(), SyncError> {
        while self.in_flight > 0 {
            let result = if wait {
                match self.done.recv() {
                    Ok(r) => r,
                    Err(_) => return Err(self.writer_failure()),
                }
            } else {
                match self.done.try_recv() {
                    Ok(r) => r,
                    Err(_) => return Ok(()),
                }
            };
            self.in_flight -= 1;
            self.report.changed += result?;
            self.report.transactions += 1;
            (self.progress)(self.report.records() + self.report.events);
        }
        Ok(())
    }

    /// Why the writer stopped: the first error it sent back.
    fn writer_failure(&mut self) -> SyncError {
        while let Ok(result) = self.done.recv() {
            if let Err(e) = result {
                return e;
            }
        }
        SyncError::Unreachable {
            server: self.server.masked().to_string(),
            reason: "the connection's writer stopped".to_string(),
        }
    }
}
