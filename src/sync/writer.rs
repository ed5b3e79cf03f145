//! The writing side of `sync`: one thread owns the connection and turns each batch into
//! one transaction — the month partitions it needs, its rows staged by COPY, then
//! idempotent upserts from the staging tables — while the sender reads the next batch.

use std::collections::BTreeSet;
use std::io::Write as _;

use super::push::{refused, Batch};
use super::rows::{self, Table};
use super::{Server, SyncError};

pub(super) struct Writer<'a> {
    client: postgres::Client,
    server: &'a Server,
    ws: u64,
    location: String,
    /// A whole-history run into a server that held nothing of this workstation: no record
    /// it sends has old offers or holdings there to replace.
    fresh: bool,
    /// Months whose partitions exist (made or checked in this run).
    partitions: BTreeSet<u32>,
}

impl<'a> Writer<'a> {
    pub fn new(
        client: postgres::Client,
        server: &'a Server,
        ws: u64,
        location: String,
        fresh: bool,
    ) -> Writer<'a> {
        Writer {
            client,
            server,
            ws,
            location,
            fresh,
            partitions: BTreeSet::new(),
        }
    }

    /// One batch in one transaction; how many records the server took as new or changed.
    pub fn write(&mut self, batch: Batch, ack: Option<u64>) -> Result<u64, SyncError> {
        let server = self.server;
        // The partitions first, each month once, in transactions of their own.
        for &m in &batch.months {
            if self.partitions.insert(m) {
                let m = m as i32;
                self.client
                    .execute("SELECT sufler_month_partitions($1)", &[&m])
                    .map_err(|e| refused(server, e))?;
            }
        }
        self.transaction(batch, ack)
    }

    fn transaction(&mut self, mut batch: Batch, ack: Option<u64>) -> Result<u64, SyncError> {
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
