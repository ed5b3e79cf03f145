//! Trees whose entries are packed several to a sled key (schema 4).
//!
//! sled 0.34 splits a leaf page at 16 keys and keeps an in-memory page-table entry per page,
//! which it reads whole (the snapshot) at every open: a million-consultation history had 5.3
//! million keys, about half a million pages, 0.4 s and 220 MB before the first read. A
//! packed tree stores every logical entry whose key starts with the same `prefix` bytes
//! under that prefix — the bucket — as one value, so the logical order is the order of the
//! buckets and, inside one, of the keys: ranges and prefixes are still range scans.
//!
//! A bucket's value: the version byte 1, then per entry, in key order: key length (u16 BE),
//! key, value length (u32 BE), value.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{IVec, Tree};

use super::keys::hex;
use super::StoreError;

const BUCKET_VERSION: u8 = 1;

type TxError = ConflictableTransactionError<StoreError>;
type Entry = (Vec<u8>, Vec<u8>);

/// A sled tree of buckets: logical keys are grouped by their first `prefix` bytes.
#[derive(Clone)]
pub struct Packed {
    pub tree: Tree,
    /// The tree's name in messages: the logical one (`consultations`).
    pub name: &'static str,
    pub prefix: usize,
}

/// The entries of one bucket, checked.
fn parse(name: &'static str, bucket: &[u8], v: &[u8]) -> Result<Vec<Entry>, StoreError> {
    parse_where(name, bucket, v, |_| true)
}

/// The entries of one bucket whose key `keep` wants, checked (all of them).
fn parse_where(
    name: &'static str,
    bucket: &[u8],
    v: &[u8],
    keep: impl Fn(&[u8]) -> bool,
) -> Result<Vec<Entry>, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        tree: name,
        key: hex(bucket),
        reason: reason.to_string(),
    };
    match v.first() {
        Some(&BUCKET_VERSION) => {}
        Some(other) => return Err(corrupt(&format!("unknown bucket version {other}"))),
        None => return Err(corrupt("an empty bucket")),
    }
    let mut out: Vec<Entry> = Vec::new();
    let mut last: Option<&[u8]> = None;
    let mut at = 1;
    while at < v.len() {
        let klen = v
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
            .ok_or_else(|| corrupt("a torn key length"))?;
        at += 2;
        let key = v.get(at..at + klen).ok_or_else(|| corrupt("a torn key"))?;
        at += klen;
        let vlen = v
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| corrupt("a torn value length"))?;
        at += 4;
        let value = v
            .get(at..at + vlen)
            .ok_or_else(|| corrupt("a torn value"))?;
        at += vlen;
        if !key.starts_with(bucket) || key.len() < bucket.len() {
            return Err(corrupt("an entry outside its bucket"));
        }
        if last.is_some_and(|last| last >= key) {
            return Err(corrupt("the entries are not in order"));
        }
        last = Some(key);
        if keep(key) {
            out.push((key.to_vec(), value.to_vec()));
        }
    }
    Ok(out)
}

/// The value of `key` in a bucket, read in place (a client lookup among a few hundred).
fn find<'v>(
    name: &'static str,
    bucket: &[u8],
    v: &'v [u8],
    key: &[u8],
) -> Result<Option<&'v [u8]>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        tree: name,
        key: hex(bucket),
        reason: "a torn entry".to_string(),
    };
    if v.first() != Some(&BUCKET_VERSION) {
        // The full check names the problem.
        parse(name, bucket, v)?;
        return Err(corrupt());
    }
    let mut at = 1;
    while at < v.len() {
        let klen = v
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
            .ok_or_else(corrupt)?;
        let k = v.get(at + 2..at + 2 + klen).ok_or_else(corrupt)?;
        at += 2 + klen;
        let vlen = v
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(corrupt)?;
        let value = v.get(at + 4..at + 4 + vlen).ok_or_else(corrupt)?;
        at += 4 + vlen;
        match k.cmp(key) {
            std::cmp::Ordering::Equal => return Ok(Some(value)),
            std::cmp::Ordering::Greater => return Ok(None),
            std::cmp::Ordering::Less => {}
        }
    }
    Ok(None)
}

fn encode(entries: &[Entry]) -> Result<Vec<u8>, StoreError> {
    let size: usize = entries.iter().map(|(k, v)| 6 + k.len() + v.len()).sum();
    let mut out = Vec::with_capacity(1 + size);
    out.push(BUCKET_VERSION);
    for (k, v) in entries {
        let klen = u16::try_from(k.len())
            .map_err(|_| StoreError::Encode(format!("a key of {} bytes", k.len())))?;
        let vlen = u32::try_from(v.len())
            .map_err(|_| StoreError::Encode(format!("a value of {} bytes", v.len())))?;
        out.extend_from_slice(&klen.to_be_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(&vlen.to_be_bytes());
        out.extend_from_slice(v);
    }
    Ok(out)
}

/// Sets (`Some`) or removes (`None`) `key` among sorted `entries`; whether anything changed.
fn change(entries: &mut Vec<Entry>, key: &[u8], value: Option<&[u8]>) -> bool {
    match (
        entries.binary_search_by(|(k, _)| k.as_slice().cmp(key)),
        value,
    ) {
        (Ok(i), Some(v)) => {
            if entries[i].1 == v {
                return false;
            }
            entries[i].1 = v.to_vec();
        }
        (Ok(i), None) => {
            entries.remove(i);
        }
        (Err(i), Some(v)) => entries.insert(i, (key.to_vec(), v.to_vec())),
        (Err(_), None) => return false,
    }
    true
}

impl Packed {
    pub fn new(tree: Tree, name: &'static str, prefix: usize) -> Packed {
        Packed { tree, name, prefix }
    }

    pub fn bucket<'a>(&self, key: &'a [u8]) -> &'a [u8] {
        &key[..key.len().min(self.prefix)]
    }

    fn entries_at(&self, bucket: &[u8]) -> Result<Vec<Entry>, StoreError> {
        match self.tree.get(bucket)? {
            Some(v) => parse(self.name, bucket, &v),
            None => Ok(Vec::new()),
        }
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>, StoreError> {
        let key = key.as_ref();
        let bucket = self.bucket(key);
        match self.tree.get(bucket)? {
            Some(v) => find(self.name, bucket, &v, key).map(|found| found.map(IVec::from)),
            None => Ok(None),
        }
    }

    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        Ok(self.get(key)?.is_some())
    }

    /// Outside a transaction: one bucket read and written (a single writer per database).
    pub fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.set(key, Some(value))
    }

    pub fn remove(&self, key: &[u8]) -> Result<(), StoreError> {
        self.set(key, None)
    }

    fn set(&self, key: &[u8], value: Option<&[u8]>) -> Result<(), StoreError> {
        let bucket = self.bucket(key);
        let mut entries = self.entries_at(bucket)?;
        if change(&mut entries, key, value) {
            if entries.is_empty() {
                self.tree.remove(bucket)?;
            } else {
                self.tree.insert(bucket, encode(&entries)?)?;
            }
        }
        Ok(())
    }

    /// Many entries in one sled batch, grouped by bucket (a bulk load or a migration).
    pub fn insert_all(&self, entries: Vec<Entry>) -> Result<(), StoreError> {
        self.change_all(entries.into_iter().map(|(k, v)| (k, Some(v))).collect())
    }

    /// Removes many keys in one sled batch.
    pub fn remove_all(&self, keys: Vec<Vec<u8>>) -> Result<(), StoreError> {
        self.change_all(keys.into_iter().map(|k| (k, None)).collect())
    }

    fn change_all(&self, mut changes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<(), StoreError> {
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut batch = sled::Batch::default();
        let mut i = 0;
        while i < changes.len() {
            let bucket = self.bucket(&changes[i].0).to_vec();
            let mut current = self.entries_at(&bucket)?;
            while i < changes.len() && self.bucket(&changes[i].0) == bucket.as_slice() {
                let (k, v) = &changes[i];
                change(&mut current, k, v.as_deref());
                i += 1;
            }
            if current.is_empty() {
                batch.remove(bucket);
            } else {
                batch.insert(bucket, encode(&current)?);
            }
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// The last entry.
    pub fn last(&self) -> Result<Option<(IVec, IVec)>, StoreError> {
        self.iter().next_back().transpose()
    }

    /// Counts the entries: a full scan (for backups and reports, not the screen).
    pub fn len(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for item in self.iter() {
            item?;
            n += 1;
        }
        Ok(n)
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    pub fn clear(&self) -> Result<(), StoreError> {
        Ok(self.tree.clear()?)
    }

    pub fn iter(&self) -> PackedIter {
        self.range_bounds(Bound::Unbounded, Bound::Unbounded)
    }

    /// Entries with `lo <= key < hi`.
    pub fn range(&self, lo: &[u8], hi: &[u8]) -> PackedIter {
        self.range_bounds(Bound::Included(lo.to_vec()), Bound::Excluded(hi.to_vec()))
    }

    /// Entries with `lo <= key`.
    pub fn range_from(&self, lo: &[u8]) -> PackedIter {
        self.range_bounds(Bound::Included(lo.to_vec()), Bound::Unbounded)
    }

    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> PackedIter {
        let prefix = prefix.as_ref().to_vec();
        // The first key after every key with this prefix: the prefix with its last byte
        // that is not 0xff raised by one (none: unbounded).
        let mut end = prefix.clone();
        while end.last() == Some(&0xff) {
            end.pop();
        }
        let hi = match end.last_mut() {
            Some(b) => {
                *b += 1;
                Bound::Excluded(end)
            }
            None => Bound::Unbounded,
        };
        self.range_bounds(Bound::Included(prefix), hi)
    }

    fn range_bounds(&self, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> PackedIter {
        // Every entry >= lo sits in a bucket >= lo's bucket, every entry < hi in a bucket
        // <= hi's bucket.
        let b_lo = match &lo {
            Bound::Included(k) | Bound::Excluded(k) => Bound::Included(self.bucket(k).to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let b_hi = match &hi {
            Bound::Included(k) | Bound::Excluded(k) => Bound::Included(self.bucket(k).to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        // An empty range (sled's own range wants its ends in order): one bucket, none wanted.
        let inverted = match (&b_lo, &b_hi) {
            (Bound::Included(a), Bound::Included(b)) => a > b,
            _ => false,
        };
        let inner = if inverted {
            self.tree.range::<Vec<u8>, _>((b_lo.clone(), b_lo))
        } else {
            self.tree.range::<Vec<u8>, _>((b_lo, b_hi))
        };
        PackedIter {
            name: self.name,
            inner,
            lo,
            hi,
            front: VecDeque::new(),
            back: VecDeque::new(),
        }
    }

    /// This tree inside a sled transaction over its `tree`.
    pub fn tx<'a>(&self, tx: &'a TransactionalTree) -> PackedTx<'a> {
        PackedTx {
            tx,
            name: self.name,
            prefix: self.prefix,
            buckets: RefCell::new(BTreeMap::new()),
        }
    }
}

/// Entries in key order, from either end.
pub struct PackedIter {
    name: &'static str,
    inner: sled::Iter,
    lo: Bound<Vec<u8>>,
    hi: Bound<Vec<u8>>,
    front: VecDeque<Entry>,
    back: VecDeque<Entry>,
}

impl PackedIter {
    /// The keys alone.
    pub fn keys(self) -> impl DoubleEndedIterator<Item = Result<IVec, StoreError>> {
        self.map(|item| item.map(|(k, _)| k))
    }

    fn wanted(&self, key: &[u8]) -> bool {
        let above = match &self.lo {
            Bound::Included(lo) => key >= lo.as_slice(),
            Bound::Excluded(lo) => key > lo.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.hi {
            Bound::Included(hi) => key <= hi.as_slice(),
            Bound::Excluded(hi) => key < hi.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }

    fn load(&mut self, item: sled::Result<(IVec, IVec)>) -> Result<VecDeque<Entry>, StoreError> {
        let (bucket, v) = item?;
        Ok(parse_where(self.name, &bucket, &v, |k| self.wanted(k))?.into())
    }
}

impl Iterator for PackedIter {
    type Item = Result<(IVec, IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((k, v)) = self.front.pop_front() {
                return Some(Ok((IVec::from(k), IVec::from(v))));
            }
            match self.inner.next() {
                Some(item) => match self.load(item) {
                    Ok(entries) => self.front = entries,
                    Err(e) => return Some(Err(e)),
                },
                None => {
                    let (k, v) = self.back.pop_front()?;
                    return Some(Ok((IVec::from(k), IVec::from(v))));
                }
            }
        }
    }
}

impl DoubleEndedIterator for PackedIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((k, v)) = self.back.pop_back() {
                return Some(Ok((IVec::from(k), IVec::from(v))));
            }
            match self.inner.next_back() {
                Some(item) => match self.load(item) {
                    Ok(entries) => self.back = entries,
                    Err(e) => return Some(Err(e)),
                },
                None => {
                    let (k, v) = self.front.pop_back()?;
                    return Some(Ok((IVec::from(k), IVec::from(v))));
                }
            }
        }
    }
}

/// A packed tree inside a transaction: each bucket is read once, changed in memory, and
/// written back by [`PackedTx::write`], which the transaction's closure calls before it
/// returns (a thousand-consultation batch changes one bucket of 256 clients' holdings many
/// times; reparsing it for each change doubled a bulk load's time).
pub struct PackedTx<'a> {
    tx: &'a TransactionalTree,
    name: &'static str,
    prefix: usize,
    buckets: RefCell<Buckets>,
}

/// The buckets a transaction has read: their entries, and whether it changed them.
type Buckets = BTreeMap<Vec<u8>, (Vec<Entry>, bool)>;

impl PackedTx<'_> {
    fn bucket<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        &key[..key.len().min(self.prefix)]
    }

    /// Runs `f` on the entries of `key`'s bucket, read from the transaction the first time.
    fn with_bucket<T>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut Vec<Entry>, &mut bool) -> T,
    ) -> Result<T, TxError> {
        let bucket = self.bucket(key);
        let mut buckets = self.buckets.borrow_mut();
        if !buckets.contains_key(bucket) {
            let entries = match self.tx.get(bucket)? {
                Some(v) => {
                    parse(self.name, bucket, &v).map_err(ConflictableTransactionError::Abort)?
                }
                None => Vec::new(),
            };
            buckets.insert(bucket.to_vec(), (entries, false));
        }
        match buckets.get_mut(bucket) {
            Some((entries, dirty)) => Ok(f(entries, dirty)),
            None => Err(ConflictableTransactionError::Abort(StoreError::Encode(
                "a bucket read in a transaction went missing".into(),
            ))),
        }
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>, TxError> {
        let key = key.as_ref();
        self.with_bucket(key, |entries, _| {
            entries
                .binary_search_by(|(k, _)| k.as_slice().cmp(key))
                .ok()
                .map(|i| IVec::from(entries[i].1.as_slice()))
        })
    }

    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), TxError> {
        let (key, value) = (key.as_ref(), value.as_ref());
        self.with_bucket(key, |entries, dirty| {
            *dirty |= change(entries, key, Some(value))
        })
    }

    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<(), TxError> {
        let key = key.as_ref();
        self.with_bucket(key, |entries, dirty| *dirty |= change(entries, key, None))
    }

    /// Writes the changed buckets into the transaction.
    pub fn write(&self) -> Result<(), TxError> {
        for (bucket, (entries, dirty)) in self.buckets.borrow().iter() {
            if !dirty {
                continue;
            }
            if entries.is_empty() {
                self.tx.remove(bucket.as_slice())?;
            } else {
                let v = encode(entries).map_err(ConflictableTransactionError::Abort)?;
                self.tx.insert(bucket.as_slice(), v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed() -> (tempfile::TempDir, Packed) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::open(dir.path()).expect("sled");
        let tree = db.open_tree("t").expect("tree");
        (dir, Packed::new(tree, "t", 2))
    }

    fn keys(it: impl Iterator<Item = Result<(IVec, IVec), StoreError>>) -> Vec<Vec<u8>> {
        it.map(|r| r.expect("entry").0.to_vec()).collect()
    }

    #[test]
    fn entries_keep_their_order_across_buckets_from_either_end() {
        let (_dir, p) = packed();
        for k in [&b"abz"[..], b"ab", b"b", b"aa1", b"abc", b"ca"] {
            p.insert(k, k).expect("insert");
        }
        let all: Vec<&[u8]> = vec![b"aa1", b"ab", b"abc", b"abz", b"b", b"ca"];
        assert_eq!(keys(p.iter()), all);
        let mut back = keys(p.iter().rev());
        back.reverse();
        assert_eq!(back, all);
        assert_eq!(keys(p.range(b"ab", b"b")), vec![&b"ab"[..], b"abc", b"abz"]);
        assert_eq!(keys(p.scan_prefix(b"abc")), vec![&b"abc"[..]]);
        assert_eq!(keys(p.scan_prefix(b"a")).len(), 4);
        // From both ends at once, each entry once.
        let mut it = p.iter();
        let (first, last) = (it.next(), it.next_back());
        assert_eq!(first.expect("first").expect("ok").0.as_ref(), b"aa1");
        assert_eq!(last.expect("last").expect("ok").0.as_ref(), b"ca");
        assert_eq!(it.count(), 4);
        p.remove(b"ab").expect("remove");
        assert_eq!(p.get(b"ab").expect("get"), None);
        assert_eq!(p.get(b"abc").expect("get").as_deref(), Some(&b"abc"[..]));
        assert_eq!(p.len().expect("len"), 5);
    }

    #[test]
    fn changes_in_one_transaction_add_up_and_a_damaged_bucket_is_named() {
        let (_dir, p) = packed();
        p.tree
            .transaction(|tx| {
                let t = p.tx(tx);
                t.insert(b"xy1", b"1")?;
                t.insert(b"xy2", b"2")?;
                t.remove(b"xy1")?;
                t.write()?;
                Ok::<_, TxError>(())
            })
            .expect("transaction");
        assert_eq!(keys(p.iter()), vec![b"xy2".to_vec()]);
        p.tree.insert(b"zz", &[1, 0, 9][..]).expect("raw");
        let err = p.get(b"zz1").expect_err("torn");
        assert!(err.to_string().contains("7a7a"), "{err}");
    }
}
