//! The schema-3 migration of the consultations: every offer gets its formula slot (by its
//! product's relation to the main one, DESIGN §4) and the counters move with it.
//!
//! Schemas 1 and 2 counted an offer in the slot of its technique, so a question about a
//! product linked to the main one (a create-technique moment about the debit card in the
//! deposit script) filled the *create* slot. Which products are linked comes from the
//! catalogue: the last one that passed `check` on this workstation (kept in the database),
//! else the bundled one. Records are rewritten in chunks, each chunk in one transaction with
//! its counters, so a migration cut short leaves records and counters agreeing and is simply
//! continued: an offer that has its slot already is left as it is.

use super::*;
use crate::catalog::{load_sources, Catalog, Source};
use crate::store::catalog_copy::{CatalogCopy, LAST_GOOD_KEY};
use crate::store::codec::{encode_consultation, CONSULTATION_VERSION};

/// Records per transaction.
const CHUNK: usize = 2_000;

/// The catalogue the slots are placed by.
fn migration_catalog(t: &Trees) -> Result<Catalog, StoreError> {
    if let Some(v) = t.catalog.get(LAST_GOOD_KEY)? {
        if let Ok(copy) = decode::<CatalogCopy>(CATALOG, LAST_GOOD_KEY, &v) {
            let sources = copy
                .files
                .into_iter()
                .map(|(path, text)| Source { path, text })
                .collect();
            if let Some(c) = load_sources(sources).catalog {
                return Ok(c);
            }
        }
    }
    load_sources(crate::catalog::bundled_sources())
        .catalog
        .ok_or_else(|| StoreError::Encode("the bundled catalogue does not load".into()))
}

/// Gives every offer without a slot its slot by `catalog`; true when it changed anything.
fn place_slots(c: &mut Consultation, catalog: &Catalog) -> bool {
    let mut changed = false;
    for i in 0..c.offers.len() {
        if c.offers[i].slot.is_none() {
            let o = &c.offers[i];
            let slot = c.slot_of(&o.product, o.technique, catalog);
            c.offers[i].slot = Some(slot);
            changed = true;
        }
    }
    changed
}

/// Rewrites the consultations whose offers have no slot yet, with their counters.
///
/// A million consultations take a while: on a terminal a progress line says so, instead of
/// a screen or a report that does not come.
pub(in crate::store) fn migrate_slots(t: &Trees) -> Result<(), StoreError> {
    let catalog = migration_catalog(t)?;
    // The total from the id index, a few thousand keys.
    let mut total = 0u64;
    for item in t.id_blocks.iter() {
        let (_, list) = item?;
        total += (list.len() / ID_BLOCKS.record) as u64;
    }
    crate::progress::with_progress("migrating to schema 3", |progress| {
        let mut chunk: Vec<(sled::IVec, Consultation, Consultation)> = Vec::with_capacity(CHUNK);
        let mut done = 0u64;
        for item in t.consultations.iter() {
            let (k, v) = item?;
            done += 1;
            // A damaged record is left to `verify` to report.
            let Ok(old) = decode_consultation(CONSULTATIONS, &k, &v) else {
                continue;
            };
            let mut new = old.clone();
            if place_slots(&mut new, &catalog) || v.first() != Some(&CONSULTATION_VERSION) {
                chunk.push((k, old, new));
            }
            if chunk.len() == CHUNK {
                write_chunk(t, &chunk)?;
                chunk.clear();
                progress(done, total.max(done));
            }
        }
        write_chunk(t, &chunk)?;
        progress(done, total.max(done));
        Ok(())
    })
}

fn write_chunk(
    t: &Trees,
    chunk: &[(sled::IVec, Consultation, Consultation)],
) -> Result<(), StoreError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let values = chunk
        .iter()
        .map(|(_, _, new)| encode_consultation(new))
        .collect::<Result<Vec<_>, _>>()?;
    (&t.consultations.tree, &t.counters)
        .transaction(|(consultations, counters)| {
            let consultations = t.consultations.tx(consultations);
            let mut cache = CounterCache::default();
            for ((k, old, new), value) in chunk.iter().zip(&values) {
                consultations.insert(k, value.as_slice())?;
                cache.move_tallies(counters, &old.tallies(), &new.tallies())?;
            }
            cache.write_tallies(counters)?;
            consultations.write()?;
            Ok(())
        })
        .map_err(tx_error)
}
