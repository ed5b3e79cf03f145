//! Consultation records and the index entries they imply, saved in one transaction (or
//! added in bulk under fresh ids).

use super::*;

/// The index entries a consultation record implies.
pub(in crate::store) struct Entries {
    /// The key of the client's month list, which holds the consultation's key.
    pub(in crate::store) client_month: [u8; 8],
    pub(in crate::store) unfinished: Option<Vec<u8>>,
    pub(in crate::store) holdings: Vec<Vec<u8>>,
    pub(in crate::store) rotation: BTreeMap<Vec<u8>, u64>,
}

pub(in crate::store) fn entries(c: &Consultation, pk: &[u8; 16]) -> Entries {
    let finished = c.finished_at.is_some();
    let mut holdings = Vec::new();
    let mut rotation: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    // Sold in its better version, the client holds that one (its offer, below).
    let upgraded = c.sold_upgraded();
    if finished && c.main_outcome == Some(Outcome::Accepted) && !upgraded {
        holdings.push(keys::holding_key(c.client_id, &c.main));
    }
    for o in &c.offers {
        *rotation
            .entry(keys::rotation_key(&c.officer, &o.product, o.technique))
            .or_default() += 1;
        if finished && o.outcome == Some(Outcome::Accepted) {
            holdings.push(keys::holding_key(c.client_id, &o.product));
        }
    }
    Entries {
        client_month: lists::client_list_key(c.client_id),
        unfinished: (!finished).then(|| keys::unfinished_key(&c.officer, pk)),
        holdings,
        rotation,
    }
}

pub(super) fn check_names(c: &Consultation) -> Result<(), StoreError> {
    keys::check_name("officer name", &c.officer)?;
    keys::check_name("product id", &c.main)?;
    for o in &c.offers {
        keys::check_name("product id", &o.product)?;
    }
    Ok(())
}

impl SledStore {
    /// One transaction over every tree a consultation touches, then the durable sync.
    pub(super) fn save_inner(&self, cs: &[Consultation], event: &[u8]) -> Result<(), StoreError> {
        // Encode outside the transaction: its closure may run again on a conflict.
        let mut prepared = Vec::with_capacity(cs.len());
        for c in cs {
            let pk = keys::consultation_key(c.started_at, c.id);
            let new = entries(c, &pk);
            prepared.push((c, pk, encode_consultation(c)?, new, c.tallies()));
        }
        let pending = Pending::of(
            &self.declared,
            &self.t.catalog_versions,
            &self.t.month_plans,
            cs,
        )?;
        let t = &self.t;
        let trees = (
            &t.consultations.tree,
            &t.id_blocks,
            &t.client_months,
            &t.unfinished,
            &t.follow_ups,
            &t.holdings.tree,
            &t.counters,
            &t.rotation,
            &t.events,
            &t.call_backs,
            &t.catalog_versions,
            &t.month_plans,
        );
        trees
            .transaction(
                |(
                    cons,
                    id_blocks,
                    client_months,
                    unfinished,
                    follow_ups,
                    holdings,
                    counters,
                    rotation,
                    events,
                    call_backs,
                    catalog_versions,
                    month_plans,
                )| {
                    let cons = t.consultations.tx(cons);
                    let holdings = t.holdings.tx(holdings);
                    pending.write(catalog_versions, month_plans)?;
                    let mut open = OpenCache::default();
                    let mut cache = CounterCache::default();
                    let mut ids = ListCache::new(&ID_BLOCKS);
                    let mut months = ListCache::new(&CLIENT_MONTHS);
                    for (c, pk, value, new, tallies) in &prepared {
                        let id = c.id.to_be_bytes();
                        let block = lists::id_block_key(c.id);
                        // The old version, read inside the transaction: its contribution goes.
                        let old = match ids.get(id_blocks, &block, &id)? {
                            Some(record) => {
                                let mut old_pk = [0u8; 16];
                                old_pk.copy_from_slice(&record[8..]);
                                match cons.get(old_pk)? {
                                    Some(v) => {
                                        let old: Consultation =
                                            decode_consultation(CONSULTATIONS, &old_pk, &v)
                                                .map_err(abort)?;
                                        Some((old_pk, old))
                                    }
                                    None => None,
                                }
                            }
                            None => None,
                        };
                        let (old_tallies, old_rotation) = match &old {
                            Some((old_pk, old)) => {
                                let e = entries(old, old_pk);
                                if old_pk != pk {
                                    cons.remove(old_pk)?;
                                }
                                months.remove(client_months, &e.client_month, old_pk)?;
                                if let Some(k) = &e.unfinished {
                                    unfinished.remove(k.as_slice())?;
                                }
                                (old.tallies(), e.rotation)
                            }
                            None => (BTreeMap::new(), BTreeMap::new()),
                        };
                        cons.insert(pk, value.as_slice())?;
                        ids.put(id_blocks, &block, &lists::id_record(c.id, pk))?;
                        months.put(client_months, &new.client_month, pk)?;
                        if let Some(k) = &new.unfinished {
                            unfinished.insert(k.as_slice(), EMPTY)?;
                        }
                        open.after_consultation(call_backs, follow_ups, c)?;
                        for k in &new.holdings {
                            holdings.insert(k.as_slice(), EMPTY)?;
                        }
                        cache.move_tallies(counters, &old_tallies, tallies)?;
                        cache.move_rotation(rotation, &old_rotation, &new.rotation)?;
                    }
                    ids.write(id_blocks)?;
                    months.write(client_months)?;
                    cache.write(counters, rotation)?;
                    open.write(call_backs)?;
                    cons.write()?;
                    holdings.write()?;
                    self.log(events, event)
                },
            )
            .map_err(tx_error)?;
        self.durable()
    }

    /// [`Store::add_consultations`]: records under fresh ids, so nothing old to take out; the
    /// counters of the whole batch are summed before the transaction and added once.
    pub(super) fn add_inner(&self, cs: &[Consultation], event: &[u8]) -> Result<(), StoreError> {
        let mut prepared = Vec::with_capacity(cs.len());
        let mut tallies: BTreeMap<TallyKey, Tally> = BTreeMap::new();
        let mut turns: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for c in cs {
            let pk = keys::consultation_key(c.started_at, c.id);
            let e = entries(c, &pk);
            for (k, t) in c.tallies() {
                add_saturating(tallies.entry(k).or_default(), &t);
            }
            for (k, n) in &e.rotation {
                let r = turns.entry(k.clone()).or_default();
                *r = r.saturating_add(*n);
            }
            prepared.push((c, pk, encode_consultation(c)?, e));
        }
        let pending = Pending::of(
            &self.declared,
            &self.t.catalog_versions,
            &self.t.month_plans,
            cs,
        )?;
        let none_t = BTreeMap::new();
        let none_r = BTreeMap::new();
        let t = &self.t;
        let trees = (
            &t.consultations.tree,
            &t.id_blocks,
            &t.client_months,
            &t.unfinished,
            &t.follow_ups,
            &t.holdings.tree,
            &t.counters,
            &t.rotation,
            &t.events,
            &t.call_backs,
            &t.catalog_versions,
            &t.month_plans,
        );
        trees
            .transaction(
                |(
                    cons,
                    id_blocks,
                    client_months,
                    unfinished,
                    follow_ups,
                    holdings,
                    counters,
                    rotation,
                    events,
                    call_backs,
                    catalog_versions,
                    month_plans,
                )| {
                    let cons = t.consultations.tx(cons);
                    let holdings = t.holdings.tx(holdings);
                    pending.write(catalog_versions, month_plans)?;
                    let mut ids = ListCache::new(&ID_BLOCKS);
                    let mut months = ListCache::new(&CLIENT_MONTHS);
                    let mut open = OpenCache::default();
                    for (c, pk, value, e) in &prepared {
                        cons.insert(pk, value.as_slice())?;
                        let block = lists::id_block_key(c.id);
                        ids.put(id_blocks, &block, &lists::id_record(c.id, pk))?;
                        months.put(client_months, &e.client_month, pk)?;
                        if let Some(k) = &e.unfinished {
                            unfinished.insert(k.as_slice(), EMPTY)?;
                        }
                        open.after_consultation(call_backs, follow_ups, c)?;
                        for k in &e.holdings {
                            holdings.insert(k.as_slice(), EMPTY)?;
                        }
                    }
                    ids.write(id_blocks)?;
                    months.write(client_months)?;
                    open.write(call_backs)?;
                    let mut cache = CounterCache::default();
                    cache.move_tallies(counters, &none_t, &tallies)?;
                    cache.move_rotation(rotation, &none_r, &turns)?;
                    cache.write(counters, rotation)?;
                    cons.write()?;
                    holdings.write()?;
                    self.log(events, event)
                },
            )
            .map_err(tx_error)?;
        self.durable()
    }
}
