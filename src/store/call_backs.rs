//! Call backs and contacts in sled (DESIGN §4, schema 2).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `client_call_backs` | client id BE | v1 + postcard `Vec<`[`OpenCallBack`]`>`: the client's open call backs |
//! | `follow_ups` | officer `\0`, due date (days BE), consultation id BE, product | client id BE: the same, by officer and day |
//! | `contacts` | time millis BE (sign flipped), contact id BE | v1 + postcard [`Contact`] |
//! | `client_contacts` | client id BE, contact id BE | the contact's key |
//!
//! The per-client list is one key so that a consultation's transaction can read and change
//! it (sled transactions cannot scan): a later consultation that answers the same product
//! closes the call back in the same write that stores the answer. A call back is closed by
//! an answer on the call, a stop, or that later answer — never by a visit about something
//! else.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use sled::transaction::TransactionalTree;

use super::codec::{decode, decode_consultation, decode_contact, encode};
use super::keys::{self, hex};
use super::sled_store::{abort, TxError};
use super::trees::*;
use super::{FollowUp, Records, StoreError};
use crate::consultation::{
    after_consultation, is_check_in, CallOutcome, Consultation, Contact, OpenCallBack,
};

pub(super) fn follow_up_key(cb: &OpenCallBack) -> Vec<u8> {
    keys::follow_up_key(&cb.officer, cb.due, cb.consultation, &cb.product)
}

pub(super) fn contact_key(c: &Contact) -> [u8; 16] {
    keys::consultation_key(c.at, c.id)
}

pub(super) fn client_contact_key(client_id: u64, contact_id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&client_id.to_be_bytes());
    k[8..].copy_from_slice(&contact_id.to_be_bytes());
    k
}

pub(super) fn decode_open(key: &[u8], v: &[u8]) -> Result<Vec<OpenCallBack>, StoreError> {
    decode(CLIENT_CALL_BACKS, key, v)
}

/// The clients' open call back lists read in one transaction, changed in memory and
/// written back once (a batch may hold several consultations of one client).
#[derive(Default)]
pub(super) struct OpenCache {
    lists: BTreeMap<u64, Vec<OpenCallBack>>,
}

impl OpenCache {
    fn list<'a>(
        &'a mut self,
        tx: &TransactionalTree,
        client_id: u64,
    ) -> Result<&'a mut Vec<OpenCallBack>, TxError> {
        if let std::collections::btree_map::Entry::Vacant(e) = self.lists.entry(client_id) {
            let key = client_id.to_be_bytes();
            let list = match tx.get(key)? {
                Some(v) => decode_open(&key, &v).map_err(abort)?,
                None => Vec::new(),
            };
            e.insert(list);
        }
        Ok(self.lists.entry(client_id).or_default())
    }

    /// `c` was stored: the client's call backs follow it, and the officer's list by day
    /// with them.
    pub(super) fn after_consultation(
        &mut self,
        lists: &TransactionalTree,
        follow_ups: &TransactionalTree,
        c: &Consultation,
    ) -> Result<(), TxError> {
        let open = self.list(lists, c.client_id)?;
        let before: Vec<Vec<u8>> = open.iter().map(follow_up_key).collect();
        let (kept, removed) = after_consultation(open, c);
        for cb in &removed {
            follow_ups.remove(follow_up_key(cb))?;
        }
        let client = c.client_id.to_be_bytes();
        for cb in &kept {
            let k = follow_up_key(cb);
            if !before.contains(&k) {
                follow_ups.insert(k, &client)?;
            }
        }
        *open = kept;
        Ok(())
    }

    /// A contact on an open call back: closed by an answer or a stop, moved to its next
    /// day otherwise. `false` if there is no such open call back.
    pub(super) fn after_contact(
        &mut self,
        lists: &TransactionalTree,
        follow_ups: &TransactionalTree,
        k: &Contact,
    ) -> Result<bool, TxError> {
        let open = self.list(lists, k.client_id)?;
        let Some(at) = open
            .iter()
            .position(|cb| cb.consultation == k.consultation && cb.product == k.product)
        else {
            return Ok(false);
        };
        follow_ups.remove(follow_up_key(&open[at]))?;
        match (k.outcome.keeps_open(), k.next) {
            (true, Some(next)) => {
                open[at].due = next;
                follow_ups.insert(follow_up_key(&open[at]), &k.client_id.to_be_bytes())?;
            }
            _ => {
                open.remove(at);
            }
        }
        Ok(true)
    }

    /// A sale cancelled: the check-in call its consultation put on the list for that product
    /// goes (nothing is left to ask about).
    pub(super) fn after_cancellation(
        &mut self,
        lists: &TransactionalTree,
        follow_ups: &TransactionalTree,
        c: &crate::consultation::Cancellation,
    ) -> Result<(), TxError> {
        let open = self.list(lists, c.client_id)?;
        let (gone, kept): (Vec<OpenCallBack>, Vec<OpenCallBack>) = std::mem::take(open)
            .into_iter()
            .partition(|cb| cb.consultation == c.sale.consultation && cb.product == c.sale.product);
        for cb in &gone {
            follow_ups.remove(follow_up_key(cb))?;
        }
        *open = kept;
        Ok(())
    }

    pub(super) fn write(&self, lists: &TransactionalTree) -> Result<(), TxError> {
        for (client, list) in &self.lists {
            let key = client.to_be_bytes();
            if list.is_empty() {
                lists.remove(&key)?;
            } else {
                lists.insert(&key, encode(list).map_err(abort)?)?;
            }
        }
        Ok(())
    }
}

/// Rebuilds every client's open call backs and the officers' lists from the consultations,
/// oldest first, as the saves would have made them (the schema-2 migration: schema 1 listed
/// every "thinking" ever, and home hid those of clients seen since). There are no contacts
/// before schema 2.
pub(super) fn rebuild(
    consultations: &super::packed::Packed,
    total: usize,
    lists: &sled::Tree,
    follow_ups: &sled::Tree,
) -> Result<(), StoreError> {
    let mut open: HashMap<u64, Vec<OpenCallBack>> = HashMap::new();
    // A million consultations take several seconds: the officer sees a progress line
    // (on a terminal) instead of a screen that does not come.
    crate::progress::with_progress("migrating to schema 2", |progress| {
        let total = total as u64;
        let mut done = 0u64;
        for item in consultations.iter() {
            let (k, v) = item?;
            let c = decode_consultation(CONSULTATIONS, &k, &v)?;
            let list = open.entry(c.client_id).or_default();
            let (kept, _) = after_consultation(list, &c);
            *list = kept;
            done += 1;
            if done.is_multiple_of(4096) {
                progress(done, total.max(done));
            }
        }
        Ok::<(), StoreError>(())
    })?;
    lists.clear()?;
    follow_ups.clear()?;
    let mut list_batch = sled::Batch::default();
    let mut day_batch = sled::Batch::default();
    for (client, list) in open {
        if list.is_empty() {
            continue;
        }
        for cb in &list {
            day_batch.insert(follow_up_key(cb), &client.to_be_bytes());
        }
        list_batch.insert(&client.to_be_bytes(), encode(&list)?);
    }
    lists.apply_batch(list_batch)?;
    follow_ups.apply_batch(day_batch)?;
    Ok(())
}

/// The officer's open call backs due on or before `until`, earliest first: at most `limit`,
/// and how many are due in all.
pub(super) fn due(
    follow_ups: &sled::Tree,
    officer: &str,
    until: NaiveDate,
    limit: usize,
) -> Result<(Vec<FollowUp>, usize), StoreError> {
    let prefix = keys::string_prefix(officer);
    let mut end = prefix.clone();
    end.extend_from_slice(&keys::date_key(until.succ_opt().unwrap_or(until)));
    let mut out = Vec::new();
    let mut total = 0;
    for item in follow_ups.range(prefix.clone()..end) {
        let (k, v) = item?;
        total += 1;
        if out.len() < limit {
            out.push(follow_up(&k, &v)?);
        }
    }
    Ok((out, total))
}

pub(super) fn follow_up(k: &[u8], v: &[u8]) -> Result<FollowUp, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        tree: FOLLOW_UPS,
        key: hex(k),
        reason: reason.into(),
    };
    let (_, date, consultation, product) =
        keys::decode_follow_up_key(k).ok_or_else(|| corrupt("not a follow-up key"))?;
    let client_id = <[u8; 8]>::try_from(v)
        .map(u64::from_be_bytes)
        .map_err(|_| corrupt("the value is not a client id"))?;
    Ok(FollowUp {
        date,
        consultation,
        client_id,
        product,
    })
}

pub(super) fn open_of(lists: &sled::Tree, client_id: u64) -> Result<Vec<OpenCallBack>, StoreError> {
    let key = client_id.to_be_bytes();
    match lists.get(key)? {
        Some(v) => decode_open(&key, &v),
        None => Ok(Vec::new()),
    }
}

pub(super) fn contacts_of(
    contacts: &super::packed::Packed,
    client_contacts: &super::packed::Packed,
    client_id: u64,
) -> Result<Vec<Contact>, StoreError> {
    let mut out = Vec::new();
    for item in client_contacts.scan_prefix(client_id.to_be_bytes()) {
        let (_, pk) = item?;
        if let Some(v) = contacts.get(&pk)? {
            out.push(decode_contact(CONTACTS, &pk, &v)?);
        }
    }
    out.sort_by_key(|k| (k.at, k.id));
    Ok(out)
}

pub(super) fn contacts_between(
    contacts: &super::packed::Packed,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Records<'_, Contact> {
    let lo = keys::consultation_key(from, 0);
    let hi = keys::consultation_key(to, 0);
    if lo >= hi {
        return Box::new(std::iter::empty());
    }
    Box::new(contacts.range(&lo, &hi).map(|item| {
        let (k, v) = item?;
        decode_contact(CONTACTS, &k, &v)
    }))
}

/// A stop records no call: what a contact's outcome says in the event log.
pub(super) fn event_detail(k: &Contact) -> String {
    match k.next {
        Some(d) => format!("{} {} → {d}", k.product, k.outcome.as_str()),
        None => format!("{} {}", k.product, k.outcome.as_str()),
    }
}

/// Whether a contact adds the product to the client's holdings.
pub(super) fn sells(k: &Contact) -> bool {
    k.outcome == CallOutcome::Accepted
}

/// `verify`'s part: every open call back is in both lists and points to a "thinking" of its
/// client's consultation; every contact is in its client's index; the contacts' tallies go
/// into `counters` (the expected counters) for the comparison that follows.
pub(super) fn verify(
    s: &super::SledStore,
    r: &mut super::VerifyReport,
    counters: &mut BTreeMap<crate::consultation::TallyKey, crate::consultation::Tally>,
) -> Result<(), StoreError> {
    use super::verify::{MISSING, PRESENT};
    use super::Store;
    use crate::consultation::Outcome;
    let t = &s.t;
    let mut listed: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for item in t.call_backs.iter() {
        let (k, v) = item?;
        let client = keys::u64_at(&k).unwrap_or_default();
        let list = match decode_open(&k, &v) {
            Ok(l) => l,
            Err(e) => {
                r.push("call backs", hex(&k), e.to_string(), "a readable list");
                continue;
            }
        };
        for cb in list {
            let fk = follow_up_key(&cb);
            let what = format!(
                "client {client} consultation {} product {:?}",
                cb.consultation, cb.product
            );
            match t.follow_ups.get(&fk)? {
                Some(v) if v.as_ref() == client.to_be_bytes() => {}
                other => r.push(
                    "call back by day",
                    format!("{what} due {}", cb.due),
                    other.map_or(MISSING.to_string(), |v| hex(&v)),
                    hex(&client.to_be_bytes()),
                ),
            }
            // A call back needs a "thinking" on the product; a check-in, a sale with its day.
            let asked = match s.consultation(cb.consultation) {
                Ok(Some(c)) => {
                    c.client_id == client
                        && ((c.main == cb.product && c.main_outcome == Some(Outcome::Thinking))
                            || c.offers.iter().any(|o| {
                                o.product == cb.product && o.outcome == Some(Outcome::Thinking)
                            })
                            || is_check_in(&c, &cb.product))
                }
                Ok(None) => false,
                Err(_) => true,
            };
            if !asked {
                r.push(
                    "call back",
                    what,
                    PRESENT,
                    "no entry (the consultation has no \"thinking\" nor check-in on it)",
                );
            }
            listed.insert(fk);
        }
    }
    for item in t.follow_ups.iter() {
        let (k, _) = item?;
        if !listed.contains(k.as_ref()) {
            r.push("call back by day", hex(&k), PRESENT, "no entry");
        }
    }
    for item in t.contacts.iter() {
        let (k, v) = item?;
        let c = match decode_contact(CONTACTS, &k, &v) {
            Ok(c) => c,
            Err(e) => {
                r.push("contact", hex(&k), e.to_string(), "a readable record");
                continue;
            }
        };
        for (tk, tally) in c.tallies() {
            counters.entry(tk).or_default().add(&tally);
        }
        let ck = client_contact_key(c.client_id, c.id);
        match t.client_contacts.get(ck)? {
            Some(v) if v.as_ref() == k.as_ref() => {}
            other => r.push(
                "client contacts index",
                format!("client {} contact {}", c.client_id, c.id),
                other.map_or(MISSING.to_string(), |v| hex(&v)),
                hex(&k),
            ),
        }
    }
    for item in t.client_contacts.iter() {
        let (k, pk) = item?;
        if !t.contacts.contains_key(&pk)? {
            r.push("client contacts index", hex(&k), PRESENT, "no entry");
        }
    }
    Ok(())
}
