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
use std::io::Write as _;

use chrono::{Datelike, NaiveDateTime};

use super::rows::{self, Rows, Table};
use super::schema;
use super::{Server, SyncError};
use crate::consultation::{
    Cancellation, Client, Consultation, Contact, Kind, Month, Outcome, TallyKey,
};
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
    let mut sender = Sender {
        store,
        outbox,
        server,
        client,
        ws: store.workstation_id()?,
        version: high,
        names,
        location: store.location(),
        batch_size: opts.batch.max(1),
        partitions: BTreeSet::new(),
        counter_months: BTreeSet::new(),
        versions: BTreeSet::new(),
        plans: BTreeSet::new(),
        officers: BTreeSet::new(),
        batch: Batch::default(),
        fresh: false,
        report: SyncReport {
            from,
            up_to: from.unwrap_or(0),
            ..SyncReport::default()
        },
        progress,
    };
    sender.prepare()?;
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
    sender.report.full = full;
    // The whole history sends each record once: into an empty server, nothing to replace.
    sender.fresh = full && sender.server_has_nothing()?;
    if full {
        sender.send_everything(from)?;
        sender.flush(Some(high))?;
        outbox.set_sent_up_to(high)?;
        sender.report.up_to = high;
    } else {
        let mut chunk: Vec<(u64, Event)> = Vec::new();
        for item in outbox.events_after(from) {
            chunk.push(item?);
            if chunk.len() >= opts.chunk_events.max(1) {
                sender.send_chunk(std::mem::take(&mut chunk))?;
            }
        }
        if !chunk.is_empty() {
            sender.send_chunk(chunk)?;
        }
        if sender.report.up_to != high {
            // Nothing after the watermark: the server is up to date.
            sender.report.up_to = high.max(sender.report.up_to);
        }
    }
    Ok(sender.report)
}

/// An event that names no record: one entry for a bulk load.
fn names_nothing(e: &Event) -> bool {
    e.consultation.is_none() && e.client.is_none() && e.kind != EventKind::OfficerSaved
}

/// The rows of one transaction, per staging table.
#[derive(Default)]
struct Batch {
    rows: Vec<(&'static Table, Rows)>,
    /// The months whose partitions the rows need.
    months: BTreeSet<u32>,
    records: usize,
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
    client: postgres::Client,
    ws: u64,
    version: u64,
    names: bool,
    location: String,
    batch_size: usize,
    /// Months whose partitions exist (made or checked in this run).
    partitions: BTreeSet<u32>,
    /// What this run has sent once already and need not read again.
    counter_months: BTreeSet<u32>,
    versions: BTreeSet<String>,
    plans: BTreeSet<u32>,
    officers: BTreeSet<String>,
    batch: Batch,
    /// A whole-history run into a server that held nothing of this workstation: no record
    /// it sends has old offers or holdings there to replace.
    fresh: bool,
    report: SyncReport,
    progress: &'a mut dyn FnMut(u64),
}

fn month_of(t: NaiveDateTime) -> u32 {
    Month::of(t.date()).0
}

/// A failed statement: the server gone (a connection or I/O failure), or its refusal.
fn refused(server: &Server, e: postgres::Error) -> SyncError {
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

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Main => "main",
        Kind::Catch => "catch",
        Kind::Create => "create",
        Kind::Formula => "formula",
        Kind::Call => "call",
        Kind::Cancelled => "cancelled",
        Kind::Upsell => "upsell",
        Kind::Downsell => "downsell",
        Kind::CheckIn => "check_in",
    }
}

fn outcome_name(o: Option<Outcome>) -> Option<&'static str> {
    o.map(Outcome::as_str)
}

impl Sender<'_> {
    fn refused(&self, e: postgres::Error) -> SyncError {
        refused(self.server, e)
    }

    /// The session's staging tables.
    fn prepare(&mut self) -> Result<(), SyncError> {
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
        self.client.batch_execute(&sql).map_err(|e| self.refused(e))
    }

    /// Whether the server has no row of this workstation. Every transaction of a sync
    /// writes the workstation's row with its records, so records imply the row.
    fn server_has_nothing(&mut self) -> Result<bool, SyncError> {
        let ws = self.ws as i64;
        let row = self
            .client
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM workstations WHERE workstation_id = $1)",
                &[&ws],
            )
            .map_err(|e| self.refused(e))?;
        Ok(row.get(0))
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
                .text(kind_name(kind))
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

    /// One transaction: the batch's rows, staged by COPY and upserted; with `ack`, the
    /// workstation's row records that the log is on the server up to it.
    fn flush(&mut self, ack: Option<u64>) -> Result<(), SyncError> {
        let batch = std::mem::take(&mut self.batch);
        if batch.records == 0 && ack.is_none() {
            return Ok(());
        }
        // The partitions first, each month once, in transactions of their own.
        for &m in &batch.months {
            if self.partitions.insert(m) {
                let m = m as i32;
                self.client
                    .execute("SELECT sufler_month_partitions($1)", &[&m])
                    .map_err(|e| self.refused(e))?;
            }
        }
        let changed = self.write(batch, ack)?;
        self.report.changed += changed;
        self.report.transactions += 1;
        (self.progress)(self.report.records() + self.report.events);
        Ok(())
    }

    fn write(&mut self, mut batch: Batch, ack: Option<u64>) -> Result<u64, SyncError> {
        let server = self.server;
        let pg = |e| refused(server, e);
        let mut tx = self.client.transaction().map_err(pg)?;
        for (table, rows) in &mut batch.rows {
            if rows.count == 0 {
                continue;
            }
            rows.finish();
            let mut w = tx.copy_in(&table.copy_in()).map_err(pg)?;
            w.write_all(rows.text.as_bytes())
                .map_err(|e| SyncError::Unreachable {
                    server: server.masked().to_string(),
                    reason: server.scrub(&e.to_string()),
                })?;
            w.finish().map_err(pg)?;
        }
        let changed = write_staged(&mut tx, &batch, ack, (self.ws, self.fresh), &self.location)
            .map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(changed)
    }
}

/// Deletes the rows of `table` that the staged records replace: by index, one staged key
/// at a time. Left to itself the planner joins the whole table (a merge join over its
/// primary key), and a first sync of a big history then reads every offer sent so far in
/// every batch.
fn delete_replaced(
    tx: &mut postgres::Transaction<'_>,
    delete: &str,
) -> Result<(), postgres::Error> {
    tx.batch_execute(&format!(
        "SET LOCAL enable_mergejoin = off; SET LOCAL enable_hashjoin = off; {delete}; \
         SET LOCAL enable_mergejoin TO DEFAULT; SET LOCAL enable_hashjoin TO DEFAULT"
    ))
}

/// The staged rows into the central tables, in the transaction `tx`; how many records the
/// server took as new or changed. `fresh`: the server held nothing of workstation `ws` when
/// the run began, so nothing is there to replace.
fn write_staged(
    tx: &mut postgres::Transaction<'_>,
    batch: &Batch,
    ack: Option<u64>,
    (ws, fresh): (u64, bool),
    location: &str,
) -> Result<u64, postgres::Error> {
    {
        let has = |t: &Table| {
            batch
                .rows
                .iter()
                .any(|(x, r)| x.name == t.name && r.count > 0)
        };
        let mut changed = 0u64;
        if has(&rows::OFFICERS) {
            changed += tx.execute(&rows::OFFICERS.upsert(None), &[])?;
        }
        if has(&rows::CLIENTS) {
            changed += tx.execute(&rows::CLIENTS.upsert(None), &[])?;
            // A client's holdings are sent whole: they replace the server's.
            if !fresh {
                delete_replaced(
                    tx,
                    "DELETE FROM holdings h USING sufler_stage_clients c \
                     WHERE h.workstation_id = c.workstation_id AND h.client_id = c.client_id",
                )?;
            }
            tx.execute(&rows::HOLDINGS.upsert(None), &[])?;
        }
        if has(&rows::CONSULTATIONS) {
            let keys: &[&str] = &["workstation_id", "month", "consultation_id"];
            changed += tx.execute(
                &rows::CONSULTATIONS.upsert(Some(("sufler_changed_consultations", keys))),
                &[],
            )?;
            // The offers of a consultation written anew replace its old ones.
            if !fresh {
                delete_replaced(
                    tx,
                    "DELETE FROM offers o USING sufler_changed_consultations c \
                     WHERE o.workstation_id = c.workstation_id AND o.month = c.month \
                       AND o.consultation_id = c.consultation_id",
                )?;
            }
            tx.execute(
                "INSERT INTO offers SELECT s.* FROM sufler_stage_offers s \
                 JOIN sufler_changed_consultations c USING (workstation_id, month, consultation_id)",
                &[],
            )?;
        }
        if has(&rows::CONTACTS) {
            changed += tx.execute(&rows::CONTACTS.upsert(None), &[])?;
        }
        if has(&rows::CANCELLATIONS) {
            changed += tx.execute(&rows::CANCELLATIONS.upsert(None), &[])?;
        }
        for t in [&rows::EVENTS, &rows::VERSIONS, &rows::PLANS] {
            if has(t) {
                tx.execute(&t.upsert(None), &[])?;
            }
        }
        if has(&rows::COUNTER_MONTHS) {
            let keys: &[&str] = &["workstation_id", "month"];
            tx.execute(
                &rows::COUNTER_MONTHS.upsert(Some(("sufler_changed_months", keys))),
                &[],
            )?;
            tx.execute(
                "DELETE FROM counters k USING sufler_changed_months m \
                 WHERE k.workstation_id = m.workstation_id AND k.month = m.month",
                &[],
            )?;
            tx.execute(
                "INSERT INTO counters SELECT s.* FROM sufler_stage_counters s \
                 JOIN sufler_changed_months m USING (workstation_id, month)",
                &[],
            )?;
        }
        let ws = ws as i64;
        let acked = ack.map_or(0, |a| a as i64);
        tx.execute(
            "INSERT INTO workstations (workstation_id, location, synced_seq) VALUES ($1, $2, $3) \
             ON CONFLICT (workstation_id) DO UPDATE SET location = excluded.location, \
               last_sync_at = now(), \
               synced_seq = GREATEST(workstations.synced_seq, excluded.synced_seq)",
            &[&ws, &location, &acked],
        )?;
        Ok(changed)
    }
}
