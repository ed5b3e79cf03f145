//! `verify`: recompute what the store derives from its records and compare.
//!
//! The counters and the rotation counters are summed in memory (their number does not grow
//! with the history). The indexes are checked both ways with point lookups, so memory stays
//! flat on a large database: every record's expected entries must be present, and every
//! stored entry must be expected by the record it points to.

use std::collections::BTreeMap;
use std::fmt;

use super::codec::{decode, decode_client, decode_consultation};
use super::keys::{self, hex};
use super::lists::{self, CLIENT_MONTHS, ID_BLOCKS};
use super::sled_store::{decode_counter, entries, SledStore};
use super::trees::*;
use super::{Event, Officer, Store, StoreError};
use crate::consultation::{Client, Consultation, Tally, TallyKey};

/// One difference between what is stored and what the records imply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Which structure: `counter`, `rotation`, `search index`, …
    pub what: &'static str,
    /// The entry, readable, with its raw key in hex.
    pub key: String,
    pub stored: String,
    pub expected: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: stored {}, expected {}",
            self.what, self.key, self.stored, self.expected
        )
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Readable consultation records.
    pub consultations: u64,
    /// Readable client records.
    pub clients: u64,
    pub events: u64,
    pub mismatches: Vec<Mismatch>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// `verified N consultations, M clients: ok` or `…: K mismatches`.
    pub fn summary(&self) -> String {
        let status = match self.mismatches.len() {
            0 => "ok".to_string(),
            1 => "1 mismatch".to_string(),
            n => format!("{n} mismatches"),
        };
        format!(
            "verified {} consultations, {} clients: {status}",
            self.consultations, self.clients
        )
    }

    pub(super) fn push(
        &mut self,
        what: &'static str,
        key: String,
        stored: impl Into<String>,
        expected: impl Into<String>,
    ) {
        self.mismatches.push(Mismatch {
            what,
            key,
            stored: stored.into(),
            expected: expected.into(),
        });
    }
}

pub(super) const PRESENT: &str = "present";
pub(super) const MISSING: &str = "nothing";

fn tally_str(t: &Tally) -> String {
    format!(
        "offered {} accepted {} declined {} thinking {} consultations {} main sold {}",
        t.offered, t.accepted, t.declined, t.thinking, t.consultations, t.main_sold
    )
}

fn counter_str(k: &TallyKey, raw: &[u8]) -> String {
    format!(
        "{} officer {:?} product {:?} {} variant {} ({})",
        k.month,
        k.officer,
        k.product,
        keys::kind_str(k.kind),
        k.variant,
        hex(raw)
    )
}

fn rotation_str(raw: &[u8]) -> String {
    match keys::decode_rotation_key(raw) {
        Some((officer, product, technique)) => format!(
            "officer {officer:?} product {product:?} {} ({})",
            technique.as_str(),
            hex(raw)
        ),
        None => hex(raw),
    }
}

fn consultation_str(c: &Consultation, raw: &[u8]) -> String {
    format!("consultation {} ({})", c.id, hex(raw))
}

/// The records of every list in `tree` that no consultation expects: `stale(key, record)`
/// gives the mismatch's key, stored and expected text. A damaged list is one mismatch.
fn stale_list_records(
    r: &mut VerifyReport,
    tree: &sled::Tree,
    layout: &lists::Layout,
    what: &'static str,
    mut stale: impl FnMut(&[u8], &[u8]) -> Option<(String, String, &'static str)>,
) -> Result<(), StoreError> {
    for item in tree.iter() {
        let (k, list) = item?;
        if let Err(e) = layout.check(&k, &list) {
            r.push(what, hex(&k), e.to_string(), "records in order");
            continue;
        }
        for record in layout.records(&list) {
            if let Some((key, stored, expected)) = stale(&k, record) {
                r.push(what, key, stored, expected);
            }
        }
    }
    Ok(())
}

pub(super) fn verify(
    s: &SledStore,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, StoreError> {
    let t = &s.t;
    let mut r = VerifyReport::default();
    let mut counters: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    let mut rotation: BTreeMap<Vec<u8>, u64> = BTreeMap::new();

    // The progress total from the id index, a few thousand keys: counting the records
    // would be a pass of its own (the index itself is checked below).
    let mut total = 0u64;
    for item in t.id_blocks.iter() {
        let (_, list) = item?;
        total += (list.len() / ID_BLOCKS.record) as u64;
    }
    let mut done = 0u64;
    let cancelled = super::cancellations::cancelled_sales(s)?;
    // Catalogue versions without their texts: hash → name, first consultation, how many.
    let mut versionless: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
    // Records: what each one implies must be stored.
    for item in t.consultations.iter() {
        done += 1;
        if done.is_multiple_of(1024) {
            progress(done, total.max(done));
        }
        let (k, v) = item?;
        let c: Consultation = match decode_consultation(CONSULTATIONS, &k, &v) {
            Ok(c) => c,
            Err(e) => {
                r.push("consultation", hex(&k), e.to_string(), "a readable record");
                continue;
            }
        };
        r.consultations += 1;
        let pk = keys::consultation_key(c.started_at, c.id);
        if k.as_ref() != pk {
            r.push(
                "consultation key",
                consultation_str(&c, &k),
                hex(&k),
                format!("{} (from its start time and id)", hex(&pk)),
            );
            continue;
        }
        for (tk, tally) in c.tallies() {
            counters.entry(tk).or_default().add(&tally);
        }
        if let Some(v) = &c.catalog {
            if !t.catalog_versions.contains_key(v.hash.as_bytes())? {
                let e = versionless
                    .entry(v.hash.clone())
                    .or_insert((v.name(), c.id, 0));
                e.2 += 1;
            }
        }
        let e = entries(&c, &pk);
        for (rk, n) in &e.rotation {
            *rotation.entry(rk.clone()).or_default() += n;
        }
        // A damaged list is reported once, with the index entries below; here its records
        // count as missing.
        let block = lists::id_block_key(c.id);
        let list = t.id_blocks.get(block)?;
        let stored = ID_BLOCKS
            .find(&block, list.as_deref(), &c.id.to_be_bytes())
            .unwrap_or(None);
        match stored.map(|record| &record[8..]) {
            Some(v) if v == pk => {}
            other => r.push(
                "consultation id index",
                format!("id {} ({})", c.id, hex(&c.id.to_be_bytes())),
                other.map_or(MISSING.to_string(), hex),
                hex(&pk),
            ),
        }
        let list = t.client_months.get(e.client_month)?;
        let listed = CLIENT_MONTHS
            .find(&e.client_month, list.as_deref(), &pk)
            .is_ok_and(|r| r.is_some());
        if !listed {
            r.push(
                "client consultations index",
                format!("client {} {}", c.client_id, consultation_str(&c, &pk)),
                MISSING,
                PRESENT,
            );
        }
        if let Some(u) = &e.unfinished {
            if !t.unfinished.contains_key(u)? {
                r.push(
                    "unfinished index",
                    format!("officer {:?} {}", c.officer, consultation_str(&c, u)),
                    MISSING,
                    PRESENT,
                );
            }
        }
        for hk in &e.holdings {
            // A sale the client cancelled is no longer held.
            let product = String::from_utf8_lossy(&hk[8..]).into_owned();
            if cancelled.contains(&(c.id, product)) {
                continue;
            }
            if !t.holdings.contains_key(hk)? {
                r.push(
                    "holding",
                    format!(
                        "client {} product {:?} ({})",
                        c.client_id,
                        String::from_utf8_lossy(&hk[8..]),
                        hex(hk)
                    ),
                    MISSING,
                    format!("present (accepted in consultation {})", c.id),
                );
            }
        }
        if !t.clients.contains_key(c.client_id.to_be_bytes())? {
            r.push(
                "client reference",
                consultation_str(&c, &k),
                format!("no client {}", c.client_id),
                format!("client {}", c.client_id),
            );
        }
    }
    for (hash, (name, first, n)) in versionless {
        r.push(
            "catalogue version texts",
            format!("{name}, consultation {first} and {} more", n - 1),
            MISSING,
            format!("the texts of version {hash}"),
        );
    }
    // The index checks below read every list once more; the bar stays full meanwhile.
    progress(done, done);

    // Index entries: each must be expected by the record it points to. An unreadable record
    // was reported above, so entries pointing to it are not reported again.
    stale_list_records(
        &mut r,
        &t.id_blocks,
        &ID_BLOCKS,
        "consultation id index",
        |k, record| {
            let id = keys::u64_at(record).unwrap_or_default();
            let pk = &record[8..];
            let stale = lists::id_block_key(id) != k
                || match s.record_at(pk) {
                    Ok(Some(c)) => c.id != id || keys::consultation_key(c.started_at, c.id) != pk,
                    Ok(None) => true,
                    Err(_) => false,
                };
            stale.then(|| {
                (
                    format!("id {id} in block {}", hex(k)),
                    hex(pk),
                    "no entry (no such consultation there)",
                )
            })
        },
    )?;
    stale_list_records(
        &mut r,
        &t.client_months,
        &CLIENT_MONTHS,
        "client consultations index",
        |k, pk| {
            let stale = match s.record_at(pk) {
                Ok(Some(c)) => lists::client_list_key(c.client_id) != k,
                Ok(None) => true,
                Err(_) => false,
            };
            stale.then(|| {
                (
                    format!("{} consultation {}", hex(k), hex(pk)),
                    PRESENT.to_string(),
                    "no entry",
                )
            })
        },
    )?;
    for item in t.unfinished.iter() {
        let (k, _) = item?;
        let stale = match keys::take_string(&k) {
            Some((officer, pk)) if pk.len() == 16 => match s.record_at(pk) {
                Ok(Some(c)) => c.officer != officer || c.finished_at.is_some(),
                Ok(None) => true,
                Err(_) => false,
            },
            _ => true,
        };
        if stale {
            r.push("unfinished index", hex(&k), PRESENT, "no entry");
        }
    }
    super::call_backs::verify(s, &mut r, &mut counters)?;
    super::cancellations::verify(s, &mut r, &mut counters)?;

    // Counters: stored against the sums of every record's tallies.
    for item in t.counters.iter() {
        let (k, v) = item?;
        match decode_counter(&k, &v) {
            Ok((key, stored)) => {
                let expected = counters.remove(&key).unwrap_or_default();
                if stored != expected {
                    r.push(
                        "counter",
                        counter_str(&key, &k),
                        tally_str(&stored),
                        tally_str(&expected),
                    );
                }
            }
            Err(e) => r.push("counter", hex(&k), e.to_string(), "a readable counter"),
        }
    }
    for (key, expected) in counters {
        if !expected.is_zero() {
            r.push(
                "counter",
                counter_str(&key, &keys::counter_key(&key)),
                MISSING,
                tally_str(&expected),
            );
        }
    }
    for item in t.rotation.iter() {
        let (k, v) = item?;
        let expected = rotation.remove(k.as_ref()).unwrap_or(0);
        match decode::<u64>(ROTATION, &k, &v) {
            Ok(stored) if stored == expected && keys::decode_rotation_key(&k).is_some() => {}
            Ok(stored) => r.push(
                "rotation",
                rotation_str(&k),
                stored.to_string(),
                expected.to_string(),
            ),
            Err(e) => r.push(
                "rotation",
                rotation_str(&k),
                e.to_string(),
                expected.to_string(),
            ),
        }
    }
    for (k, expected) in rotation {
        if expected != 0 {
            r.push("rotation", rotation_str(&k), MISSING, expected.to_string());
        }
    }

    // Clients and their search index.
    for item in t.clients.iter() {
        let (k, v) = item?;
        let c: Client = match decode_client(CLIENTS, &k, &v) {
            Ok(c) => c,
            Err(e) => {
                r.push("client", hex(&k), e.to_string(), "a readable record");
                continue;
            }
        };
        r.clients += 1;
        if k.as_ref() != c.id.to_be_bytes() {
            r.push(
                "client key",
                format!("client {} ({})", c.id, hex(&k)),
                hex(&k),
                hex(&c.id.to_be_bytes()),
            );
            continue;
        }
        for sk in keys::search_keys(&c) {
            if !t.search.contains_key(&sk)? {
                r.push(
                    "search index",
                    format!("client {} ({})", c.id, hex(&sk)),
                    MISSING,
                    PRESENT,
                );
            }
        }
    }
    for item in t.search.iter() {
        let (k, _) = item?;
        let stale = match keys::search_key_id(&k) {
            Some(id) => match s.client(id) {
                Ok(Some(c)) => !keys::search_keys(&c)
                    .iter()
                    .any(|sk| sk.as_slice() == k.as_ref()),
                Ok(None) => true,
                Err(_) => false,
            },
            None => true,
        };
        if stale {
            r.push("search index", hex(&k), PRESENT, "no entry");
        }
    }
    for item in t.holdings.iter() {
        let (k, _) = item?;
        let known = match keys::u64_at(&k) {
            Some(id) => k.len() > 8 && t.clients.contains_key(id.to_be_bytes())?,
            None => false,
        };
        if !known {
            r.push("holding", hex(&k), PRESENT, "no entry (no such client)");
        }
    }

    // The remaining records must at least be readable.
    for item in t.events.iter() {
        let (k, v) = item?;
        match decode::<Event>(EVENTS, &k, &v) {
            Ok(_) if k.len() == 8 => r.events += 1,
            Ok(_) => r.push(
                "event",
                hex(&k),
                "a key that is not a sequence number",
                "8 bytes",
            ),
            Err(e) => r.push("event", hex(&k), e.to_string(), "a readable event"),
        }
    }
    for item in t.officers.iter() {
        let (k, v) = item?;
        // The workstation's officer is a name, not a record (its key starts with NUL).
        if k.first() == Some(&0) {
            continue;
        }
        if let Err(e) = decode::<Officer>(OFFICERS, &k, &v) {
            r.push("officer", hex(&k), e.to_string(), "a readable record");
        }
    }
    Ok(r)
}
