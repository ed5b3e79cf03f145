//! Index values that are sorted lists of fixed-size records.
//!
//! sled keeps one in-memory page-table entry per tree node (at most 16 keys), read whole at
//! every open; an index with a key per consultation made a million-consultation database
//! slow to open and large in memory. The consultation id index and the client index keep
//! many entries under one key instead: a block of ids, a client's month.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::keys::hex;
use super::trees::{CLIENT_CONSULTATION_LISTS, CONSULTATION_ID_BLOCKS};
use super::StoreError;

/// How many low bits of a consultation id are left to the record: 256 ids share a key.
const ID_BLOCK_BITS: u32 = 8;

/// The shape of one list tree: its records are `record` bytes, ordered and unique by their
/// first `key` bytes.
pub struct Layout {
    pub tree: &'static str,
    pub record: usize,
    pub key: usize,
}

/// `consultation_id_blocks`: key id >> 8 (BE); records id BE ++ the consultation's key.
pub const ID_BLOCKS: Layout = Layout {
    tree: CONSULTATION_ID_BLOCKS,
    record: 24,
    key: 8,
};

/// `client_consultation_lists`: key client id BE; records the consultation keys of that
/// client's consultations, in time order (schema 3 had a key per client and month, 866 000
/// keys for 200 000 clients).
pub const CLIENT_MONTHS: Layout = Layout {
    tree: CLIENT_CONSULTATION_LISTS,
    record: 16,
    key: 16,
};

pub fn id_block_key(id: u64) -> [u8; 8] {
    (id >> ID_BLOCK_BITS).to_be_bytes()
}

pub fn id_record(id: u64, pk: &[u8; 16]) -> [u8; 24] {
    let mut r = [0; 24];
    r[..8].copy_from_slice(&id.to_be_bytes());
    r[8..].copy_from_slice(pk);
    r
}

pub fn client_list_key(client_id: u64) -> [u8; 8] {
    client_id.to_be_bytes()
}

impl Layout {
    /// A stored list that is not whole records in strictly increasing order is damaged.
    pub fn check(&self, key: &[u8], list: &[u8]) -> Result<(), StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            tree: self.tree,
            key: hex(key),
            reason,
        };
        if !list.len().is_multiple_of(self.record) {
            return Err(corrupt(format!(
                "{} bytes is not a whole number of {}-byte records",
                list.len(),
                self.record
            )));
        }
        let keys = || self.records(list).map(|r| &r[..self.key]);
        if keys().zip(keys().skip(1)).any(|(a, b)| a >= b) {
            return Err(corrupt("the records are not in order".into()));
        }
        Ok(())
    }

    pub fn records<'a>(&self, list: &'a [u8]) -> std::slice::ChunksExact<'a, u8> {
        list.chunks_exact(self.record)
    }

    fn position(&self, list: &[u8], key: &[u8]) -> Result<usize, usize> {
        let n = list.len() / self.record;
        let at = |i: usize| &list[i * self.record..i * self.record + self.key];
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match at(mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// The record with key `record_key` in `list`, the list stored under `key` if there is
    /// one; a damaged list is an error.
    pub fn find<'a>(
        &self,
        key: &[u8],
        list: Option<&'a [u8]>,
        record_key: &[u8],
    ) -> Result<Option<&'a [u8]>, StoreError> {
        let Some(list) = list else {
            return Ok(None);
        };
        self.check(key, list)?;
        Ok(self.get(list, record_key))
    }

    /// The record whose key is `key`.
    pub fn get<'a>(&self, list: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
        let i = self.position(list, key).ok()?;
        Some(&list[i * self.record..(i + 1) * self.record])
    }

    /// Inserts `record`, or replaces the one with its key; false when nothing changed.
    pub fn put(&self, list: &mut Vec<u8>, record: &[u8]) -> bool {
        debug_assert_eq!(record.len(), self.record);
        match self.position(list, &record[..self.key]) {
            Ok(i) => {
                let slot = &mut list[i * self.record..(i + 1) * self.record];
                if slot == record {
                    return false;
                }
                slot.copy_from_slice(record);
            }
            Err(i) => {
                let at = i * self.record;
                list.splice(at..at, record.iter().copied());
            }
        }
        true
    }

    /// Removes the record with key `key`; false when there was none.
    pub fn remove(&self, list: &mut Vec<u8>, key: &[u8]) -> bool {
        match self.position(list, key) {
            Ok(i) => {
                list.drain(i * self.record..(i + 1) * self.record);
                true
            }
            Err(_) => false,
        }
    }
}

/// Lists read in a transaction, changed in memory, written back once (only those changed).
pub struct ListCache {
    layout: &'static Layout,
    lists: BTreeMap<Vec<u8>, (Vec<u8>, bool)>,
}

type TxError = ConflictableTransactionError<StoreError>;

impl ListCache {
    pub fn new(layout: &'static Layout) -> ListCache {
        ListCache {
            layout,
            lists: BTreeMap::new(),
        }
    }

    fn list(
        &mut self,
        tx: &TransactionalTree,
        key: &[u8],
    ) -> Result<&mut (Vec<u8>, bool), TxError> {
        match self.lists.entry(key.to_vec()) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let current = match tx.get(key)? {
                    Some(v) => {
                        self.layout
                            .check(key, &v)
                            .map_err(ConflictableTransactionError::Abort)?;
                        v.to_vec()
                    }
                    None => Vec::new(),
                };
                Ok(e.insert((current, false)))
            }
        }
    }

    /// Applies `change` to the list under `key`; it says whether anything changed.
    fn edit(
        &mut self,
        tx: &TransactionalTree,
        key: &[u8],
        change: impl FnOnce(&Layout, &mut Vec<u8>) -> bool,
    ) -> Result<(), TxError> {
        let layout = self.layout;
        let (list, dirty) = self.list(tx, key)?;
        *dirty |= change(layout, list);
        Ok(())
    }

    pub fn get(
        &mut self,
        tx: &TransactionalTree,
        key: &[u8],
        record_key: &[u8],
    ) -> Result<Option<Vec<u8>>, TxError> {
        let layout = self.layout;
        let (list, _) = self.list(tx, key)?;
        Ok(layout.get(list, record_key).map(<[u8]>::to_vec))
    }

    pub fn put(
        &mut self,
        tx: &TransactionalTree,
        key: &[u8],
        record: &[u8],
    ) -> Result<(), TxError> {
        self.edit(tx, key, |layout, list| layout.put(list, record))
    }

    pub fn remove(
        &mut self,
        tx: &TransactionalTree,
        key: &[u8],
        record_key: &[u8],
    ) -> Result<(), TxError> {
        self.edit(tx, key, |layout, list| layout.remove(list, record_key))
    }

    pub fn write(&self, tx: &TransactionalTree) -> Result<(), TxError> {
        for (k, (list, dirty)) in &self.lists {
            if !dirty {
                continue;
            }
            if list.is_empty() {
                tx.remove(k.as_slice())?;
            } else {
                tx.insert(k.as_slice(), list.as_slice())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pk(n: u8) -> [u8; 16] {
        [n; 16]
    }

    #[test]
    fn put_get_remove_keep_the_records_in_order() {
        let mut list = Vec::new();
        assert!(ID_BLOCKS.put(&mut list, &id_record(7, &pk(7))));
        assert!(ID_BLOCKS.put(&mut list, &id_record(3, &pk(3))));
        assert!(ID_BLOCKS.put(&mut list, &id_record(5, &pk(5))));
        assert!(
            !ID_BLOCKS.put(&mut list, &id_record(5, &pk(5))),
            "same record"
        );
        assert!(
            ID_BLOCKS.put(&mut list, &id_record(5, &pk(9))),
            "moved record"
        );
        let ids: Vec<u64> = ID_BLOCKS
            .records(&list)
            .map(|r| u64::from_be_bytes(r[..8].try_into().unwrap_or_default()))
            .collect();
        assert_eq!(ids, [3, 5, 7]);
        assert_eq!(
            ID_BLOCKS.get(&list, &5u64.to_be_bytes()).map(|r| &r[8..]),
            Some(&pk(9)[..])
        );
        assert_eq!(ID_BLOCKS.get(&list, &4u64.to_be_bytes()), None);
        assert!(ID_BLOCKS.check(b"k", &list).is_ok());
        assert!(ID_BLOCKS.remove(&mut list, &3u64.to_be_bytes()));
        assert!(!ID_BLOCKS.remove(&mut list, &3u64.to_be_bytes()));
        assert_eq!(list.len(), 2 * 24);
    }

    #[test]
    fn a_damaged_list_is_named() {
        let mut list = id_record(9, &pk(1)).to_vec();
        list.extend_from_slice(&id_record(2, &pk(2)));
        let err = ID_BLOCKS.check(&[0, 1], &list).expect_err("out of order");
        assert!(err.to_string().contains(CONSULTATION_ID_BLOCKS), "{err}");
        assert!(ID_BLOCKS.check(&[0], &list[..30]).is_err(), "a torn record");
    }

    #[test]
    fn ids_share_a_block_by_256() {
        assert_eq!(id_block_key(0), id_block_key(255));
        assert_ne!(id_block_key(255), id_block_key(256));
    }
}
