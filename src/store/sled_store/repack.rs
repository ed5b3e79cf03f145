//! The schema-4 migration: the trees with a key per record are repacked (see
//! [`crate::store::packed`]) and the client consultation lists become one key per client.
//!
//! Values are moved as they are (their codecs did not change); each schema-3 tree is dropped
//! only once all of it is in its packed tree, and copying an entry again writes the same
//! bytes, so a migration cut short is simply done again at the next open.

use super::*;

/// Consultations and contacts: bucketed by the first 6 bytes of their key, the start time's
/// top bits — 65.5 s of a branch's work per sled key.
pub(super) const CONSULTATIONS_PREFIX: usize = 6;
pub(super) const CONTACTS_PREFIX: usize = 6;
/// Holdings and a client's contacts: one sled key per client (its id, 8 bytes). By 256
/// clients (7 bytes) the 1M demo had 345 000 keys fewer, but every change rewrote a 45 KB
/// bucket inside 16-bucket leaves, and the demo took 37 % longer.
pub(super) const HOLDINGS_PREFIX: usize = 8;
pub(super) const CLIENT_CONTACTS_PREFIX: usize = 8;
/// Clients: by the first 7 bytes of their id, 256 ids per sled key.
pub(super) const CLIENTS_PREFIX: usize = 7;
/// The search keys: `n` or `p`, then the first bytes of the folded surname (two letters and
/// a half in Cyrillic) or five phone digits: a few dozen clients per sled key.
pub(super) const SEARCH_PREFIX: usize = 6;

/// Entries per batch written.
const CHUNK: usize = 20_000;

/// Repacks whatever schema-3 trees the database still has; true when there were any.
/// Progress on a terminal: a million consultations take some seconds.
pub(super) fn repack(db: &sled::Db, t: &Trees) -> Result<bool, StoreError> {
    let names = db.tree_names();
    let present = |n: &str| names.iter().any(|m| m.as_ref() == n.as_bytes());
    let moves: Vec<(&str, &Packed)> = [
        (CONSULTATIONS, &t.consultations),
        (HOLDINGS, &t.holdings),
        (CONTACTS, &t.contacts),
        (CLIENT_CONTACTS, &t.client_contacts),
        (CLIENTS, &t.clients),
        (CLIENT_SEARCH, &t.search),
    ]
    .into_iter()
    .filter(|(n, _)| present(n))
    .collect();
    let months = present(CLIENT_CONSULTATION_MONTHS);
    if moves.is_empty() && !months {
        return Ok(false);
    }
    // The total shown: the consultations (from the id index, a few thousand keys) stand for
    // the work; the other trees count on past it.
    let mut total = 0u64;
    for item in t.id_blocks.iter() {
        let (_, list) = item?;
        total += (list.len() / ID_BLOCKS.record) as u64;
    }
    crate::progress::with_progress("migrating to schema 4", |progress| {
        let mut done = 0u64;
        for (name, packed) in &moves {
            let old = db.open_tree(name)?;
            let mut chunk = Vec::with_capacity(CHUNK);
            for item in old.iter() {
                let (k, v) = item?;
                chunk.push((k.to_vec(), v.to_vec()));
                if chunk.len() == CHUNK {
                    packed.insert_all(std::mem::take(&mut chunk))?;
                    done += CHUNK as u64;
                    progress(done.min(total), total.max(done));
                }
            }
            done += chunk.len() as u64;
            packed.insert_all(chunk)?;
            db.flush()?;
            db.drop_tree(name)?;
        }
        if months {
            merge_client_months(db, t)?;
        }
        progress(total, total);
        db.flush()?;
        Ok(true)
    })
}

/// Schema 3 kept a list per client and month; the month lists of a client, in month order,
/// make its one list (consultation keys start with the time, so it stays in order).
fn merge_client_months(db: &sled::Db, t: &Trees) -> Result<(), StoreError> {
    let old = db.open_tree(CLIENT_CONSULTATION_MONTHS)?;
    let mut batch = sled::Batch::default();
    let mut in_batch = 0;
    let mut current: Option<([u8; 8], Vec<u8>)> = None;
    for item in old.iter() {
        let (k, list) = item?;
        let Some(client) = keys::array::<8>(&k) else {
            continue; // not a client month key: left to `verify` (it is dropped with the tree)
        };
        match &mut current {
            Some((c, records)) if *c == client => records.extend_from_slice(&list),
            _ => {
                if let Some((c, records)) = current.take() {
                    batch.insert(&c, records);
                    in_batch += 1;
                }
                current = Some((client, list.to_vec()));
            }
        }
        if in_batch >= CHUNK {
            t.client_months.apply_batch(std::mem::take(&mut batch))?;
            in_batch = 0;
        }
    }
    if let Some((c, records)) = current {
        batch.insert(&c, records);
    }
    t.client_months.apply_batch(batch)?;
    db.flush()?;
    db.drop_tree(CLIENT_CONSULTATION_MONTHS)?;
    Ok(())
}
