//! The counters (tallies per month, officer, product, kind and variant) and the phrase
//! rotation, read and written back once per transaction.

use super::*;

/// Counter values read in a transaction, changed in memory, written back once.
#[derive(Default)]
pub(in crate::store) struct CounterCache {
    tallies: BTreeMap<Vec<u8>, Tally>,
    rotation: BTreeMap<Vec<u8>, u64>,
}

impl CounterCache {
    fn tally<'a>(
        &'a mut self,
        tx: &TransactionalTree,
        key: Vec<u8>,
    ) -> Result<&'a mut Tally, TxError> {
        if !self.tallies.contains_key(&key) {
            let current = match tx.get(&key)? {
                Some(v) => decode::<Tally>(COUNTERS, &key, &v).map_err(abort)?,
                None => Tally::default(),
            };
            self.tallies.insert(key.clone(), current);
        }
        Ok(self.tallies.entry(key).or_default())
    }

    fn rotation<'a>(
        &'a mut self,
        tx: &TransactionalTree,
        key: Vec<u8>,
    ) -> Result<&'a mut u64, TxError> {
        if !self.rotation.contains_key(&key) {
            let current = match tx.get(&key)? {
                Some(v) => decode::<u64>(ROTATION, &key, &v).map_err(abort)?,
                None => 0,
            };
            self.rotation.insert(key.clone(), current);
        }
        Ok(self.rotation.entry(key).or_default())
    }

    /// Takes `old` out and puts `new` in, touching only the counters that differ.
    pub(in crate::store) fn move_tallies(
        &mut self,
        tx: &TransactionalTree,
        old: &BTreeMap<TallyKey, Tally>,
        new: &BTreeMap<TallyKey, Tally>,
    ) -> Result<(), TxError> {
        let all: BTreeSet<&TallyKey> = old.keys().chain(new.keys()).collect();
        for k in all {
            let (o, n) = (old.get(k), new.get(k));
            if o == n {
                continue;
            }
            let t = self.tally(tx, keys::counter_key(k))?;
            if let Some(o) = o {
                t.sub(o);
            }
            if let Some(n) = n {
                add_saturating(t, n);
            }
        }
        Ok(())
    }

    pub(super) fn move_rotation(
        &mut self,
        tx: &TransactionalTree,
        old: &BTreeMap<Vec<u8>, u64>,
        new: &BTreeMap<Vec<u8>, u64>,
    ) -> Result<(), TxError> {
        let all: BTreeSet<&Vec<u8>> = old.keys().chain(new.keys()).collect();
        for k in all {
            let (o, n) = (old.get(k).copied(), new.get(k).copied());
            if o == n {
                continue;
            }
            let r = self.rotation(tx, k.clone())?;
            *r = r
                .saturating_sub(o.unwrap_or(0))
                .saturating_add(n.unwrap_or(0));
        }
        Ok(())
    }

    pub(in crate::store) fn write(
        &self,
        counters: &TransactionalTree,
        rotation: &TransactionalTree,
    ) -> Result<(), TxError> {
        self.write_tallies(counters)?;
        for (k, n) in &self.rotation {
            if *n == 0 {
                rotation.remove(k.as_slice())?;
            } else {
                rotation.insert(k.as_slice(), encode(n).map_err(abort)?)?;
            }
        }
        Ok(())
    }
}

impl CounterCache {
    /// Writes the counters back (not the rotation).
    pub(in crate::store) fn write_tallies(
        &self,
        counters: &TransactionalTree,
    ) -> Result<(), TxError> {
        for (k, t) in &self.tallies {
            if t.is_zero() {
                counters.remove(k.as_slice())?;
            } else {
                counters.insert(k.as_slice(), encode(t).map_err(abort)?)?;
            }
        }
        Ok(())
    }
}

/// `Tally::add`, but a counter read from a damaged file cannot overflow.
pub(super) fn add_saturating(t: &mut Tally, other: &Tally) {
    t.offered = t.offered.saturating_add(other.offered);
    t.accepted = t.accepted.saturating_add(other.accepted);
    t.declined = t.declined.saturating_add(other.declined);
    t.thinking = t.thinking.saturating_add(other.thinking);
    t.consultations = t.consultations.saturating_add(other.consultations);
    t.main_sold = t.main_sold.saturating_add(other.main_sold);
}

pub(in crate::store) fn decode_counter(
    k: &[u8],
    v: &[u8],
) -> Result<(TallyKey, Tally), StoreError> {
    let key = keys::decode_counter_key(k).ok_or_else(|| StoreError::Corrupt {
        tree: COUNTERS,
        key: hex(k),
        reason: "not a counter key".into(),
    })?;
    Ok((key, decode(COUNTERS, k, v)?))
}
