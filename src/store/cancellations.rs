//! Cancellations in sled: `cancellations`, key client id BE ++ cancellation id BE, value
//! v1 + postcard [`Cancellation`]. A cancellation is written in one transaction with the
//! counters it moves (the month of the sale) and the holding it takes away.

use std::collections::BTreeMap;

use sled::transaction::Transactional;

use super::codec::{decode, encode};
use super::keys;
use super::sled_store::{abort, SledStore};
use super::trees::*;
use super::{EventKind, Records, StoreError};
use crate::consultation::Cancellation;

pub(super) fn key(c: &Cancellation) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&c.client_id.to_be_bytes());
    k[8..].copy_from_slice(&c.id.to_be_bytes());
    k
}

impl SledStore {
    /// See [`super::Store::save_cancellation`].
    pub(super) fn write_cancellations(
        &self,
        cancellations: &[Cancellation],
        event: &[u8],
    ) -> Result<(), StoreError> {
        let mut prepared = Vec::with_capacity(cancellations.len());
        for c in cancellations {
            keys::check_name("officer name", &c.sale.officer)?;
            keys::check_name("product id", &c.sale.product)?;
            prepared.push((
                key(c),
                encode(c)?,
                keys::holding_key(c.client_id, &c.sale.product),
                c.tallies().into_iter().collect::<BTreeMap<_, _>>(),
            ));
        }
        let t = &self.t;
        (
            &t.cancellations,
            &t.holdings.tree,
            &t.counters,
            &t.rotation,
            &t.events,
            &t.call_backs,
            &t.follow_ups,
        )
            .transaction(
                |(tree, holdings, counters, rotation, events, lists, follow_ups)| {
                    let holdings = t.holdings.tx(holdings);
                    let mut cache = super::sled_store::CounterCache::default();
                    let mut open = super::call_backs::OpenCache::default();
                    for c in cancellations {
                        open.after_cancellation(lists, follow_ups, c)?;
                    }
                    open.write(lists)?;
                    for (k, v, holding, tallies) in &prepared {
                        if tree.get(k)?.is_some() {
                            return Err(abort(StoreError::Corrupt {
                                tree: CANCELLATIONS,
                                key: keys::hex(k),
                                reason: "a cancellation with this id is stored already".into(),
                            }));
                        }
                        tree.insert(&k[..], v.as_slice())?;
                        holdings.remove(holding.as_slice())?;
                        cache.move_tallies(counters, &BTreeMap::new(), tallies)?;
                    }
                    cache.write(counters, rotation)?;
                    holdings.write()?;
                    self.log(events, event)
                },
            )
            .map_err(super::sled_store::tx_error)?;
        self.durable()
    }

    pub(super) fn read_cancellations_of(
        &self,
        client_id: u64,
    ) -> Result<Vec<Cancellation>, StoreError> {
        let mut out = Vec::new();
        for item in self.t.cancellations.scan_prefix(client_id.to_be_bytes()) {
            let (k, v) = item?;
            out.push(decode::<Cancellation>(CANCELLATIONS, &k, &v)?);
        }
        Ok(out)
    }

    pub(super) fn read_cancellations(&self) -> Records<'_, Cancellation> {
        Box::new(self.t.cancellations.iter().map(|item| {
            let (k, v) = item?;
            decode::<Cancellation>(CANCELLATIONS, &k, &v)
        }))
    }

    pub(super) fn cancellation_event(c: &Cancellation) -> Result<Vec<u8>, StoreError> {
        Self::event(
            &c.recorded_by,
            Some(c.sale.consultation),
            Some(c.client_id),
            EventKind::Cancelled,
            &format!("{} {}", c.sale.product, c.cancelled_on),
        )
    }
}

/// The (consultation, product) of every sale cancelled in a consultation (not on a call).
pub(super) fn cancelled_sales(
    s: &SledStore,
) -> Result<std::collections::HashSet<(u64, String)>, StoreError> {
    let mut out = std::collections::HashSet::new();
    for c in s.read_cancellations() {
        let c = c?;
        if !c.sale.by_call {
            out.insert((c.sale.consultation, c.sale.product));
        }
    }
    Ok(out)
}

/// `verify`'s part: every cancellation is readable and its counters are expected.
pub(super) fn verify(
    s: &SledStore,
    r: &mut super::VerifyReport,
    counters: &mut BTreeMap<crate::consultation::TallyKey, crate::consultation::Tally>,
) -> Result<(), StoreError> {
    for item in s.t.cancellations.iter() {
        let (k, v) = item?;
        match decode::<Cancellation>(CANCELLATIONS, &k, &v) {
            Ok(c) => {
                if k.as_ref() != key(&c) {
                    r.push(
                        "cancellation key",
                        keys::hex(&k),
                        keys::hex(&k),
                        keys::hex(&key(&c)),
                    );
                }
                for (tk, t) in c.tallies() {
                    counters.entry(tk).or_default().add(&t);
                }
            }
            Err(e) => r.push(
                "cancellation",
                keys::hex(&k),
                e.to_string(),
                "a readable record",
            ),
        }
    }
    Ok(())
}
