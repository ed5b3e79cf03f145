//! The contacts of a dump (schema 2): `{"contact":{…}}` lines after the consultations, in
//! the `contacts` tree's key order (time of the call, then id).
//!
//! `restore` loads them after every consultation: the consultations rebuild the call backs
//! they opened (and close those a later answer of the same product closed), then each
//! contact, oldest first, closes or moves its call back if it is still open — as the call
//! did. One whose call back is already closed is stored all the same: in the original order
//! a consultation seen after the call may have closed it (the call had moved it first).

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::io::BufRead;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use sled::transaction::Transactional;

use super::super::call_backs::{self, OpenCache};
use super::super::codec::{decode_contact, encode_contact};
use super::super::keys::{self, hex};
use super::super::sled_store::{tx_error, CounterCache, SledStore, SCHEMA_NO_CALL_BACKS};
use super::super::trees::CONTACTS;
use super::super::StoreError;
use super::{DumpError, DumpReader, Item};
use crate::consultation::{CallOutcome, Contact};

/// A contact line as read: [`Contact`]'s fields, and no other.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContactLine {
    id: u64,
    at: NaiveDateTime,
    officer: String,
    branch: String,
    client_id: u64,
    product: String,
    consultation: u64,
    outcome: CallOutcome,
    next: Option<NaiveDate>,
    disclosures_confirmed: BTreeSet<u32>,
    /// Schema 3; a line of an older backup has none: a call back.
    #[serde(default)]
    check_in: bool,
}

impl From<ContactLine> for Contact {
    fn from(k: ContactLine) -> Contact {
        Contact {
            id: k.id,
            at: k.at,
            officer: k.officer,
            branch: k.branch,
            client_id: k.client_id,
            product: k.product,
            consultation: k.consultation,
            outcome: k.outcome,
            next: k.next,
            disclosures_confirmed: k.disclosures_confirmed,
            check_in: k.check_in,
        }
    }
}

/// A record of the `contacts` tree, for the dump: a value under another contact's key would
/// make a dump that `restore` refuses, so it fails the backup instead.
pub(super) fn dumped(k: &[u8], v: &[u8]) -> Result<Contact, StoreError> {
    let c: Contact = decode_contact(CONTACTS, k, v)?;
    if call_backs::contact_key(&c) != k {
        return Err(StoreError::Corrupt {
            tree: CONTACTS,
            key: hex(k),
            reason: format!(
                "the record is contact {} of {}, which has another key",
                c.id, c.at
            ),
        });
    }
    Ok(c)
}

impl SledStore {
    /// The highest contact id, 0 without contacts (for the dump's `next_id`: contacts take
    /// their ids from the same generator as clients and consultations).
    pub(super) fn last_contact_id(&self) -> Result<u64, StoreError> {
        let mut last = 0;
        for k in self.t.contacts.iter().keys() {
            let k = k?;
            let id = keys::consultation_key_id(&k).ok_or_else(|| StoreError::Corrupt {
                tree: CONTACTS,
                key: hex(&k),
                reason: "not a time and a contact id".into(),
            })?;
            last = last.max(id);
        }
        Ok(last)
    }

    /// Stores restored contacts, oldest first, with their ids, as
    /// [`Store::save_contact`](super::super::Store::save_contact) would: the record, the
    /// client's index, the counters, the holding of an acceptance, and the call back closed
    /// or moved when it is still open. Unlike `save_contact` it takes a contact whose call
    /// back is closed already (see the module doc). One transaction, then the durable sync;
    /// no event is logged (the dump's own log replaces the log).
    pub(in crate::store) fn restore_contacts(
        &self,
        contacts: &[Contact],
    ) -> Result<(), StoreError> {
        if contacts.is_empty() {
            return Ok(());
        }
        // Encoded outside the transaction: its closure may run again on a conflict.
        let mut prepared = Vec::with_capacity(contacts.len());
        for k in contacts {
            k.check()
                .map_err(|e| StoreError::InvalidContact(format!("contact {}: {e}", k.id)))?;
            keys::check_name("officer name", &k.officer)?;
            keys::check_name("product id", &k.product)?;
            let holding = call_backs::sells(k).then(|| keys::holding_key(k.client_id, &k.product));
            prepared.push((
                k,
                call_backs::contact_key(k),
                encode_contact(k)?,
                k.tallies(),
                holding,
            ));
        }
        let t = &self.t;
        let none = BTreeMap::new();
        (
            &t.contacts.tree,
            &t.client_contacts.tree,
            &t.call_backs,
            &t.follow_ups,
            &t.holdings.tree,
            &t.counters,
            &t.rotation,
        )
            .transaction(
                |(contacts, client_contacts, lists, follow_ups, holdings, counters, rotation)| {
                    let contacts = t.contacts.tx(contacts);
                    let client_contacts = t.client_contacts.tx(client_contacts);
                    let holdings = t.holdings.tx(holdings);
                    let mut open = OpenCache::default();
                    let mut cache = CounterCache::default();
                    for (k, pk, value, tallies, holding) in &prepared {
                        // `false`: closed already, nothing to change.
                        open.after_contact(lists, follow_ups, k)?;
                        contacts.insert(pk, value.as_slice())?;
                        client_contacts
                            .insert(call_backs::client_contact_key(k.client_id, k.id), pk)?;
                        if let Some(h) = holding {
                            holdings.insert(h.as_slice(), &[] as &[u8])?;
                        }
                        cache.move_tallies(counters, &none, tallies)?;
                    }
                    open.write(lists)?;
                    cache.write(counters, rotation)?;
                    contacts.write()?;
                    client_contacts.write()?;
                    holdings.write()?;
                    Ok(())
                },
            )
            .map_err(tx_error)?;
        self.durable()
    }
}

impl<R: BufRead> DumpReader<R> {
    /// Checks a contact line: its ids, names and next date; its client and its call back's
    /// consultation earlier in the dump; no contact id twice. The contact and its key.
    pub(super) fn contact(&mut self, line: ContactLine) -> Result<(Item, Vec<u8>), DumpError> {
        if self.header.schema == SCHEMA_NO_CALL_BACKS {
            return Err(self.invalid(format!(
                "a contact in a backup of database schema {SCHEMA_NO_CALL_BACKS}, which had no contacts"
            )));
        }
        let k = Contact::from(line);
        if k.id == 0 {
            return Err(self.invalid("contact id 0 is not a valid id"));
        }
        self.below_next_id("contact id", k.id)?;
        self.name_ok("officer name", &k.officer)?;
        self.name_ok("product id", &k.product)?;
        if let Err(e) = k.check() {
            return Err(self.invalid(format!("contact {}: {e}", k.id)));
        }
        if self.client_ids.binary_search(&k.client_id).is_err() {
            return Err(self.invalid(format!(
                "contact {} is of client {}, who is not among the clients before it",
                k.id, k.client_id
            )));
        }
        if !self.consultation_ids.contains(&k.consultation) {
            return Err(self.invalid(format!(
                "contact {} is a call back of consultation {}, which is not among the consultations before it",
                k.id, k.consultation
            )));
        }
        if !self.contact_ids.insert(k.id) {
            return Err(self.invalid(format!("contact {} appears twice", k.id)));
        }
        let key = call_backs::contact_key(&k).to_vec();
        Ok((Item::Contact(k), key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_line_reads_back_what_a_contact_writes() {
        let k = Contact {
            id: 12,
            at: NaiveDate::from_ymd_opt(2026, 12, 3)
                .and_then(|d| d.and_hms_opt(11, 30, 0))
                .expect("a time"),
            officer: "Анна".into(),
            branch: "Тверская".into(),
            client_id: 3,
            product: "debit_card".into(),
            consultation: 7,
            outcome: CallOutcome::Thinking,
            next: NaiveDate::from_ymd_opt(2026, 12, 7),
            disclosures_confirmed: [0, 2].into_iter().collect(),
            check_in: false,
        };
        let json = serde_json::to_string(&k).expect("json");
        let line: ContactLine = serde_json::from_str(&json).expect("a contact line");
        assert_eq!(Contact::from(line), k);
        let extra = json.replacen('{', "{\"note\":1,", 1);
        assert!(serde_json::from_str::<ContactLine>(&extra).is_err());
    }
}
