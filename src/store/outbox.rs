//! The outbox of the bank-wide store (DESIGN §10): the append-only event log, read from a
//! watermark. Every acknowledged action writes one event in the transaction of its change,
//! so the events after the watermark name every record changed since the last sync (an
//! event of a bulk load names none: the sender then ships every record). The watermark,
//! "sent up to seq N", is kept in the `meta` tree under [`META_SENT_KEY`] and moved only
//! after the server committed everything up to N; a database without it has never been
//! synced and ships its whole history first.

use super::codec::decode;
use super::keys::hex;
use super::sled_store::SledStore;
use super::trees::{EVENTS, META};
use super::{Event, Records, StoreError};

/// In the `meta` tree: the event sequence number (u64 BE) up to which the central server
/// holds this database's records.
pub const META_SENT_KEY: &[u8] = b"sent_up_to";

/// What the sender needs of a store beyond [`super::Store`].
pub trait Outbox {
    /// The watermark: every event up to this sequence number is on the server. `None`:
    /// never synced.
    fn sent_up_to(&self) -> Result<Option<u64>, StoreError>;
    /// Moves the watermark; durable when it returns `Ok`.
    fn set_sent_up_to(&self, seq: u64) -> Result<(), StoreError>;
    /// The events after `seq` (`None`: every event), oldest first, with their sequence
    /// numbers.
    fn events_after(&self, seq: Option<u64>) -> Records<'_, (u64, Event)>;
    /// The last event's sequence number, 0 for an empty log.
    fn last_event_seq(&self) -> Result<u64, StoreError>;
}

fn seq_of(k: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(k)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree: EVENTS,
            key: hex(k),
            reason: "not a sequence number".into(),
        })
}

impl Outbox for SledStore {
    fn sent_up_to(&self) -> Result<Option<u64>, StoreError> {
        let meta = self.db.open_tree(META)?;
        match meta.get(META_SENT_KEY)? {
            None => Ok(None),
            Some(v) => <[u8; 8]>::try_from(v.as_ref())
                .map(|b| Some(u64::from_be_bytes(b)))
                .map_err(|_| StoreError::Corrupt {
                    tree: META,
                    key: hex(META_SENT_KEY),
                    reason: "the sync watermark is not 8 bytes".into(),
                }),
        }
    }

    fn set_sent_up_to(&self, seq: u64) -> Result<(), StoreError> {
        let meta = self.db.open_tree(META)?;
        meta.insert(META_SENT_KEY, &seq.to_be_bytes())?;
        self.durable()
    }

    fn events_after(&self, seq: Option<u64>) -> Records<'_, (u64, Event)> {
        // The first sequence number may be 0.
        let Some(start) = seq.map_or(Some(0), |s| s.checked_add(1)) else {
            return Box::new(std::iter::empty());
        };
        Box::new(self.t.events.range(start.to_be_bytes()..).map(|item| {
            let (k, v) = item?;
            Ok((seq_of(&k)?, decode(EVENTS, &k, &v)?))
        }))
    }

    fn last_event_seq(&self) -> Result<u64, StoreError> {
        match self.t.events.last()? {
            Some((k, _)) => seq_of(&k),
            None => Ok(0),
        }
    }
}
