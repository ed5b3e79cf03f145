//! The cancellations of a dump: `{"cancellation":{…}}` lines after the contacts, in the
//! `cancellations` tree's key order (client, then id). `restore` loads them after the
//! consultations and contacts (which give the holdings back): each takes its sale's holding
//! away again and comes off the counters, as when it was recorded.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::super::cancellations;
use super::super::codec::decode;
use super::super::keys::{self, hex};
use super::super::sled_store::{SledStore, SCHEMA_NO_CALL_BACKS};
use super::super::trees::CANCELLATIONS;
use super::super::StoreError;
use super::{DumpError, DumpReader, Item};
use crate::consultation::{Cancellation, Sale};

/// A cancellation line as read: [`Cancellation`]'s fields, and no other.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CancellationLine {
    id: u64,
    client_id: u64,
    sale: Sale,
    cancelled_on: NaiveDate,
    recorded_at: NaiveDateTime,
    recorded_by: String,
}

impl From<CancellationLine> for Cancellation {
    fn from(c: CancellationLine) -> Cancellation {
        Cancellation {
            id: c.id,
            client_id: c.client_id,
            sale: c.sale,
            cancelled_on: c.cancelled_on,
            recorded_at: c.recorded_at,
            recorded_by: c.recorded_by,
        }
    }
}

/// A record of the `cancellations` tree, for the dump: one under another key would make a
/// dump that `restore` refuses, so it fails the backup instead.
pub(super) fn dumped(k: &[u8], v: &[u8]) -> Result<Cancellation, StoreError> {
    let c: Cancellation = decode(CANCELLATIONS, k, v)?;
    if cancellations::key(&c) != k {
        return Err(StoreError::Corrupt {
            tree: CANCELLATIONS,
            key: hex(k),
            reason: format!(
                "the record is cancellation {} of client {}, which has another key",
                c.id, c.client_id
            ),
        });
    }
    Ok(c)
}

impl SledStore {
    /// The highest cancellation id, 0 without any (for the dump's `next_id`).
    pub(super) fn last_cancellation_id(&self) -> Result<u64, StoreError> {
        let mut last = 0;
        for k in self.t.cancellations.iter().keys() {
            let k = k?;
            let id = k
                .get(8..)
                .and_then(keys::u64_at)
                .ok_or_else(|| StoreError::Corrupt {
                    tree: CANCELLATIONS,
                    key: hex(&k),
                    reason: "not a client id and a cancellation id".into(),
                })?;
            last = last.max(id);
        }
        Ok(last)
    }
}

impl<R: std::io::BufRead> DumpReader<R> {
    /// Checks a cancellation line: its ids and names, its client and its sale's consultation
    /// earlier in the dump, no id twice. The cancellation and its key.
    pub(super) fn cancellation(
        &mut self,
        line: CancellationLine,
    ) -> Result<(Item, Vec<u8>), DumpError> {
        if self.header.schema == SCHEMA_NO_CALL_BACKS {
            return Err(self.invalid(format!(
                "a cancellation in a backup of database schema {SCHEMA_NO_CALL_BACKS}, which had none"
            )));
        }
        let c = Cancellation::from(line);
        if c.id == 0 {
            return Err(self.invalid("cancellation id 0 is not a valid id"));
        }
        self.below_next_id("cancellation id", c.id)?;
        self.name_ok("officer name", &c.sale.officer)?;
        self.name_ok("product id", &c.sale.product)?;
        if self.client_ids.binary_search(&c.client_id).is_err() {
            return Err(self.invalid(format!(
                "cancellation {} is of client {}, who is not among the clients before it",
                c.id, c.client_id
            )));
        }
        if !self.consultation_ids.contains(&c.sale.consultation) {
            return Err(self.invalid(format!(
                "cancellation {} undoes a sale of consultation {}, which is not among the consultations before it",
                c.id, c.sale.consultation
            )));
        }
        if c.cancelled_on < c.sale.at.date() {
            return Err(self.invalid(format!(
                "cancellation {} is dated {} before its sale of {}",
                c.id,
                c.cancelled_on,
                c.sale.at.date()
            )));
        }
        if !self.cancellation_ids.insert(c.id) {
            return Err(self.invalid(format!("cancellation {} appears twice", c.id)));
        }
        let key = cancellations::key(&c).to_vec();
        Ok((Item::Cancellation(c), key))
    }
}
