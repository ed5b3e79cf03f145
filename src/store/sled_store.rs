//! The sled implementation of [`Store`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{DirBuilder, File, Permissions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, TransactionalTree,
};
use sled::{IVec, Tree};

use super::call_backs::{self, OpenCache};
use super::codec::{
    decode, decode_client, decode_consultation, encode, encode_client, encode_consultation,
};
use super::keys::{self, hex};
use super::lists::{self, ListCache, CLIENT_MONTHS, ID_BLOCKS};
use super::sync::{sync_dir, Syncer};
use super::trees::*;
use super::versions::{self, Declared, MonthPlan, Pending};
use super::{Event, EventKind, FollowUp, Officer, Records, Store, StoreError, VerifyReport};
use crate::consultation::names::same_person;
use crate::consultation::{
    Cancellation, Client, ClientHistory, Consultation, Contact, Kind, Month, OpenCallBack, Outcome,
    Tally, TallyKey, Technique,
};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 2;
/// The schema that had no call backs of their own: opened, it is migrated to
/// [`SCHEMA_VERSION`] (see [`super::call_backs::rebuild`]).
pub(super) const SCHEMA_NO_CALL_BACKS: u32 = 1;
/// The key of the schema version in the `meta` tree; its value is the version as 4 bytes,
/// big-endian.
pub const META_SCHEMA_KEY: &[u8] = b"schema";
/// In the officers tree: the name of the officer last saved at this workstation. Officer
/// names cannot hold NUL, so this key never collides with one.
pub(super) const WORKSTATION_OFFICER_KEY: &[u8] = b"\0workstation";
/// In the `meta` tree, for a database made by `restore`: every id below this value (u64 BE)
/// is taken by a restored record. sled's id generator starts again at 0 in a new database,
/// so fresh ids and event sequence numbers are offset by it (see [`SledStore::new_id`]).
pub const META_NEXT_ID_KEY: &[u8] = b"next_id";
/// In the `meta` tree: present once the name search keys hold the whole name (surname,
/// first name, patronymic). Databases written before that are re-indexed at open.
const META_SEARCH_KEY: &[u8] = b"search";
const SEARCH_FULL_NAMES: &[u8] = b"full-names";

/// sled's page cache is capped so the TUI stays small on a large history (DESIGN §9).
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

const EMPTY: &[u8] = &[];

/// The sled store. One directory, these trees (`BE` = big-endian, `\0` ends a string):
///
/// | tree | key | value |
/// |---|---|---|
/// | `meta` | `schema` · `search` · `next_id` | schema version, u32 BE · `full-names` · id floor, u64 BE |
/// | `officers` | name | v1 + postcard [`Officer`] |
/// | `clients` | client id BE | v1 + postcard [`Client`] |
/// | `client_search` | `n` folded surname `\1` first name `\1` patronymic `\0` id BE · `p` phone digits `\0` id BE | empty |
/// | `holdings` | client id BE, product | empty |
/// | `consultations` | start millis BE (sign flipped), id BE | v1 + postcard [`Consultation`] |
/// | `consultation_id_blocks` | id >> 8, BE | records (id BE, consultation key), by id |
/// | `client_consultation_months` | client id BE, month BE u32 | the consultation keys, in order |
/// | `unfinished` | officer `\0`, consultation key | empty |
/// | `follow_ups` | officer `\0`, date (days BE), consultation id BE, product | client id BE: open call backs by day |
/// | `client_call_backs` · `contacts` · `client_contacts` | see [`super::call_backs`] | |
/// | `events` | sequence BE | v1 + postcard [`Event`] |
/// | `counters` | month BE u32, officer `\0` product `\0`, kind u8, variant BE u32 | v1 + postcard [`Tally`] |
/// | `rotation` | officer `\0` product `\0` technique u8 | v1 + postcard u64 |
/// | `catalog` | `last_good` | v1 + postcard [`super::CatalogCopy`]: the last catalogue that passed the checks |
///
/// "v1" is the version byte [`super::VALUE_VERSION`]. Personal data lives only in `clients`
/// and `client_search`; everything else refers to clients by id.
pub struct SledStore {
    pub(super) path: PathBuf,
    pub(super) db: sled::Db,
    pub(super) t: Trees,
    syncer: Mutex<Syncer>,
    /// The catalogues declared with [`Store::use_catalog`].
    declared: Mutex<Declared>,
    /// [`META_NEXT_ID_KEY`], 0 when absent.
    pub(super) next_id_floor: u64,
    /// Declared last, so dropped after `db` and every tree handle.
    _released: Released,
}

/// Waits, when dropped, until sled's lock on `db` is really gone. sled's I/O pool threads hold
/// the data file for a moment after the last handle is dropped, and until then another
/// `open` of the same database — in this process or the next — would find it in use.
struct Released(Option<PathBuf>);

impl Drop for Released {
    fn drop(&mut self) {
        let Some(db_file) = self.0.take() else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let Ok(f) = File::open(&db_file) else {
                return;
            };
            // `File::try_lock` is `flock(LOCK_EX | LOCK_NB)`, the lock sled takes; the lock
            // goes with `f`.
            match f.try_lock() {
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                _ => return,
            }
        }
    }
}

pub(super) struct Trees {
    pub(super) officers: Tree,
    pub(super) clients: Tree,
    pub(super) search: Tree,
    pub(super) holdings: Tree,
    pub(super) consultations: Tree,
    pub(super) id_blocks: Tree,
    pub(super) client_months: Tree,
    pub(super) unfinished: Tree,
    pub(super) follow_ups: Tree,
    pub(super) events: Tree,
    pub(super) counters: Tree,
    pub(super) rotation: Tree,
    pub(super) call_backs: Tree,
    pub(super) contacts: Tree,
    pub(super) client_contacts: Tree,
    pub(super) cancellations: Tree,
    pub(super) catalog: Tree,
    pub(super) catalog_versions: Tree,
    pub(super) month_plans: Tree,
}

pub(super) type TxError = ConflictableTransactionError<StoreError>;

pub(super) fn abort(e: StoreError) -> TxError {
    ConflictableTransactionError::Abort(e)
}

pub(super) fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

fn open_error(path: &Path, e: sled::Error) -> StoreError {
    match &e {
        // sled 0.34.7 takes `flock(LOCK_EX | LOCK_NB)` on `db` and reports a held lock as
        // an I/O error with this text. It does not wait.
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            StoreError::InUse(path.to_path_buf())
        }
        // A file in the directory that belongs to someone else, say.
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            StoreError::NotWritable {
                path: path.to_path_buf(),
                reason: super::db_path::io_reason(io),
            }
        }
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// Creates the database directory owner-only (0700), whatever the umask.
fn create_private_dir(path: &Path) -> Result<(), StoreError> {
    if super::db_path::check_dir(path)? {
        return Ok(());
    }
    let err = |source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(err)?;
    std::fs::set_permissions(path, Permissions::from_mode(0o700)).map_err(err)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync_dir(parent).map_err(|source| StoreError::Sync {
        path: parent.to_path_buf(),
        source,
    })
}

/// Owner-only permissions on the database directory and the files in it (0700 and 0600), for
/// a database made before Sufler set its umask, or by a program that did not. Best effort: a
/// failure here leaves the modes as they were and must not stop the officer's work.
fn tighten_permissions(path: &Path) {
    fn set(path: &Path, mode: u32) {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if meta.file_type().is_symlink() {
                return;
            }
            if meta.permissions().mode() & 0o7777 != mode {
                let _ = std::fs::set_permissions(path, Permissions::from_mode(mode));
            }
        }
    }
    fn walk(dir: &Path, depth: u32) {
        set(dir, 0o700);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth > 0 => walk(&p, depth - 1),
                Ok(t) if t.is_file() => set(&p, 0o600),
                _ => {}
            }
        }
    }
    // sled's layout is one level deep (`blobs/`).
    walk(path, 1);
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown failure".to_string()
    }
}

/// The index entries a consultation record implies.
pub(super) struct Entries {
    /// The key of the client's month list, which holds the consultation's key.
    pub(super) client_month: [u8; 12],
    pub(super) unfinished: Option<Vec<u8>>,
    pub(super) holdings: Vec<Vec<u8>>,
    pub(super) rotation: BTreeMap<Vec<u8>, u64>,
}

pub(super) fn entries(c: &Consultation, pk: &[u8; 16]) -> Entries {
    let finished = c.finished_at.is_some();
    let mut holdings = Vec::new();
    let mut rotation: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    if finished && c.main_outcome == Some(Outcome::Accepted) {
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
        client_month: lists::client_month_key(c.client_id, c.started_at),
        unfinished: (!finished).then(|| keys::unfinished_key(&c.officer, pk)),
        holdings,
        rotation,
    }
}

fn check_names(c: &Consultation) -> Result<(), StoreError> {
    keys::check_name("officer name", &c.officer)?;
    keys::check_name("product id", &c.main)?;
    for o in &c.offers {
        keys::check_name("product id", &o.product)?;
    }
    Ok(())
}

/// Counter values read in a transaction, changed in memory, written back once.
#[derive(Default)]
pub(super) struct CounterCache {
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
    pub(super) fn move_tallies(
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

    fn move_rotation(
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

    pub(super) fn write(
        &self,
        counters: &TransactionalTree,
        rotation: &TransactionalTree,
    ) -> Result<(), TxError> {
        for (k, t) in &self.tallies {
            if t.is_zero() {
                counters.remove(k.as_slice())?;
            } else {
                counters.insert(k.as_slice(), encode(t).map_err(abort)?)?;
            }
        }
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

/// `Tally::add`, but a counter read from a damaged file cannot overflow.
fn add_saturating(t: &mut Tally, other: &Tally) {
    t.offered = t.offered.saturating_add(other.offered);
    t.accepted = t.accepted.saturating_add(other.accepted);
    t.declined = t.declined.saturating_add(other.declined);
    t.thinking = t.thinking.saturating_add(other.thinking);
    t.consultations = t.consultations.saturating_add(other.consultations);
    t.main_sold = t.main_sold.saturating_add(other.main_sold);
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

impl SledStore {
    /// Opens the database at `path`, creating it (owner-only) if needed. A database held by
    /// another process is [`StoreError::InUse`] at once; a different schema version is
    /// [`StoreError::SchemaMismatch`].
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        create_private_dir(path)?;
        let config = sled::Config::new().path(path).cache_capacity(CACHE_BYTES);
        // Armed once the lock is ours; dropped after `db` on every return below.
        let mut released = Released(None);
        let db = match catch_unwind(AssertUnwindSafe(|| config.open())) {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => return Err(open_error(path, e)),
            Err(p) => {
                return Err(StoreError::OpenPanicked {
                    path: path.to_path_buf(),
                    message: panic_message(&*p),
                })
            }
        };
        released.0 = Some(path.join("db"));
        let meta = db.open_tree(META)?;
        match meta.get(META_SCHEMA_KEY)? {
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        tree: META,
                        key: hex(META_SCHEMA_KEY),
                        reason: format!("the schema version is {} bytes, not 4", v.len()),
                    })?;
                if found != SCHEMA_VERSION && found != SCHEMA_NO_CALL_BACKS {
                    return Err(StoreError::SchemaMismatch {
                        path: path.to_path_buf(),
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
            None => {
                for name in db.tree_names() {
                    if name.as_ref() != META.as_bytes() && !db.open_tree(&name)?.is_empty() {
                        return Err(StoreError::NoSchema(path.to_path_buf()));
                    }
                }
                meta.insert(META_SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
            }
        }
        let t = Trees {
            officers: db.open_tree(OFFICERS)?,
            clients: db.open_tree(CLIENTS)?,
            search: db.open_tree(CLIENT_SEARCH)?,
            holdings: db.open_tree(HOLDINGS)?,
            consultations: db.open_tree(CONSULTATIONS)?,
            id_blocks: db.open_tree(CONSULTATION_ID_BLOCKS)?,
            client_months: db.open_tree(CLIENT_CONSULTATION_MONTHS)?,
            unfinished: db.open_tree(UNFINISHED)?,
            follow_ups: db.open_tree(FOLLOW_UPS)?,
            events: db.open_tree(EVENTS)?,
            counters: db.open_tree(COUNTERS)?,
            rotation: db.open_tree(ROTATION)?,
            call_backs: db.open_tree(CLIENT_CALL_BACKS)?,
            contacts: db.open_tree(CONTACTS)?,
            client_contacts: db.open_tree(CLIENT_CONTACTS)?,
            cancellations: db.open_tree(CANCELLATIONS)?,
            catalog: db.open_tree(CATALOG)?,
            catalog_versions: db.open_tree(CATALOG_VERSIONS)?,
            month_plans: db.open_tree(MONTH_PLANS)?,
        };
        let next_id_floor = match meta.get(META_NEXT_ID_KEY)? {
            Some(v) => <[u8; 8]>::try_from(v.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    tree: META,
                    key: hex(META_NEXT_ID_KEY),
                    reason: format!("the id floor is {} bytes, not 8", v.len()),
                })?,
            None => 0,
        };
        migrate_consultation_indexes(&db, &t)?;
        if meta.get(META_SEARCH_KEY)?.as_deref() != Some(SEARCH_FULL_NAMES) {
            reindex_names(&t)?;
            meta.insert(META_SEARCH_KEY, SEARCH_FULL_NAMES)?;
        }
        if meta.get(META_SCHEMA_KEY)?.as_deref() == Some(&SCHEMA_NO_CALL_BACKS.to_be_bytes()[..]) {
            // Rebuilt whole, then the version written: a cut-short run is simply repeated.
            let mut total = 0;
            for item in t.id_blocks.iter() {
                let (_, list) = item?;
                total += list.len() / ID_BLOCKS.record;
            }
            call_backs::rebuild(&t.consultations, total, &t.call_backs, &t.follow_ups)?;
            db.flush()?;
            meta.insert(META_SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        }
        db.flush()?;
        tighten_permissions(path);
        let syncer = Syncer::new(path).map_err(|source| StoreError::Sync {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(SledStore {
            path: path.to_path_buf(),
            db,
            t,
            syncer: Mutex::new(syncer),
            declared: Mutex::new(Declared::default()),
            next_id_floor,
            _released: released,
        })
    }

    /// Like [`SledStore::open`], but a directory without a database is
    /// [`StoreError::NotFound`] instead of a new database (for `verify`, `export`…).
    pub fn open_existing(path: &Path) -> Result<SledStore, StoreError> {
        if path.is_file() {
            return Err(StoreError::NotADirectory(path.to_path_buf()));
        }
        match std::fs::metadata(path.join("db")) {
            Ok(meta) if meta.is_file() => {}
            // A directory of another user's: there may well be a database in it.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(StoreError::NotWritable {
                    path: path.to_path_buf(),
                    reason: super::db_path::io_reason(&e),
                })
            }
            _ => return Err(StoreError::NotFound(path.to_path_buf())),
        }
        SledStore::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lets go of the store without closing it, after a write failed on a full disk (or any
    /// I/O error): sled 0.34 then flushes again in its `Drop` and waits forever for a write
    /// that cannot succeed. The memory, threads and lock are released when the process exits,
    /// so call this only on the way out of a command.
    pub fn abandon(self) {
        std::mem::forget(self);
    }

    /// flush, then fdatasync: the change is on disk when this returns.
    pub(super) fn durable(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        let mut syncer = self.syncer.lock().unwrap_or_else(PoisonError::into_inner);
        syncer.sync().map_err(|source| StoreError::Sync {
            path: self.path.clone(),
            source,
        })
    }

    pub(super) fn event(
        officer: &str,
        consultation: Option<u64>,
        client: Option<u64>,
        kind: EventKind,
        detail: &str,
    ) -> Result<Vec<u8>, StoreError> {
        encode(&Event {
            at: now(),
            officer: officer.to_string(),
            consultation,
            client,
            kind,
            detail: detail.to_string(),
        })
    }

    pub(super) fn log(&self, events: &TransactionalTree, value: &[u8]) -> Result<(), TxError> {
        let seq = self.next_id_floor.saturating_add(events.generate_id()?);
        events.insert(&seq.to_be_bytes(), value)?;
        Ok(())
    }

    pub(super) fn record_at(&self, pk: &[u8]) -> Result<Option<Consultation>, StoreError> {
        match self.t.consultations.get(pk)? {
            Some(v) => decode_consultation(CONSULTATIONS, pk, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Writes clients (new or changed) and their search entries; `old` are the stored versions
    /// whose search entries go.
    pub(super) fn write_clients(
        &self,
        clients: &[Client],
        old: &[Client],
        event: &[u8],
    ) -> Result<(), StoreError> {
        let mut values = Vec::with_capacity(clients.len());
        for c in clients {
            values.push((c.id.to_be_bytes(), encode_client(c)?, keys::search_keys(c)));
        }
        let old_keys: Vec<Vec<u8>> = old.iter().flat_map(keys::search_keys).collect();
        let t = &self.t;
        (&t.clients, &t.search, &t.events)
            .transaction(|(clients, search, events)| {
                for k in &old_keys {
                    search.remove(k.as_slice())?;
                }
                for (id, value, search_keys) in &values {
                    clients.insert(id, value.as_slice())?;
                    for k in search_keys {
                        search.insert(k.as_slice(), EMPTY)?;
                    }
                }
                self.log(events, event)
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn consultations_at(
        &self,
        pks: impl Iterator<Item = Result<IVec, StoreError>>,
    ) -> Result<Vec<Consultation>, StoreError> {
        let mut out = Vec::new();
        for pk in pks {
            if let Some(c) = self.record_at(&pk?)? {
                out.push(c);
            }
        }
        Ok(out)
    }
}

impl Store for SledStore {
    fn new_id(&self) -> Result<u64, StoreError> {
        // `next_id_floor` is 0 except in a restored database, whose ids must not come again.
        Ok(self
            .next_id_floor
            .saturating_add(self.db.generate_id()?)
            .saturating_add(1))
    }

    fn workstation_officer(&self) -> Result<Option<Officer>, StoreError> {
        match self.t.officers.get(WORKSTATION_OFFICER_KEY)? {
            Some(name) => self.officer(&String::from_utf8_lossy(&name)),
            None => Ok(None),
        }
    }

    fn officer(&self, name: &str) -> Result<Option<Officer>, StoreError> {
        match self.t.officers.get(name.as_bytes())? {
            Some(v) => decode(OFFICERS, name.as_bytes(), &v).map(Some),
            None => Ok(None),
        }
    }

    fn save_officer(&self, officer: &Officer) -> Result<(), StoreError> {
        keys::check_name("officer name", &officer.name)?;
        let value = encode(officer)?;
        let event = Self::event(
            &officer.name,
            None,
            None,
            EventKind::OfficerSaved,
            &officer.branch,
        )?;
        let t = &self.t;
        (&t.officers, &t.events)
            .transaction(|(officers, events)| {
                officers.insert(officer.name.as_bytes(), value.as_slice())?;
                // The officer of this workstation: the screen opens on their home next time.
                officers.insert(WORKSTATION_OFFICER_KEY, officer.name.as_bytes())?;
                self.log(events, &event)
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn add_client(&self, client: Client) -> Result<Client, StoreError> {
        let mut added = self.add_clients(vec![client])?;
        added
            .pop()
            .ok_or(StoreError::Encode("no client was added".into()))
    }

    fn add_clients(&self, mut clients: Vec<Client>) -> Result<Vec<Client>, StoreError> {
        if clients.is_empty() {
            return Ok(clients);
        }
        for c in &mut clients {
            c.id = self.new_id()?;
        }
        let detail = match clients.as_slice() {
            [one] => one.id.to_string(),
            many => format!("{} clients", many.len()),
        };
        let client = (clients.len() == 1).then(|| clients[0].id);
        let event = Self::event("", None, client, EventKind::ClientAdded, &detail)?;
        self.write_clients(&clients, &[], &event)?;
        Ok(clients)
    }

    fn update_client(&self, client: &Client) -> Result<(), StoreError> {
        let old = self
            .client(client.id)?
            .ok_or(StoreError::UnknownClient(client.id))?;
        let event = Self::event("", None, Some(client.id), EventKind::ClientUpdated, "")?;
        self.write_clients(std::slice::from_ref(client), &[old], &event)
    }

    fn forget_client(&self, id: u64) -> Result<Option<Client>, StoreError> {
        let Some(old) = self.client(id)? else {
            return Ok(None);
        };
        let birth = &old.birth_date;
        let forgotten = Client {
            id,
            last_name: String::new(),
            first_name: String::new(),
            patronymic: String::new(),
            phone: String::new(),
            birth_date: NaiveDate::from_ymd_opt(birth.year(), 1, 1).unwrap_or(*birth),
            segment: old.segment.clone(),
            calls_consent: false,
        };
        let event = Self::event("", None, Some(id), EventKind::ClientForgotten, "")?;
        self.write_clients(std::slice::from_ref(&forgotten), &[old], &event)?;
        Ok(Some(forgotten))
    }

    fn client(&self, id: u64) -> Result<Option<Client>, StoreError> {
        let key = id.to_be_bytes();
        match self.t.clients.get(key)? {
            Some(v) => decode_client(CLIENTS, &key, &v).map(Some),
            None => Ok(None),
        }
    }

    fn clients(&self) -> Records<'_, Client> {
        Box::new(self.t.clients.iter().map(|item| {
            let (k, v) = item?;
            decode_client(CLIENTS, &k, &v)
        }))
    }

    fn search_clients(&self, query: &str, limit: usize) -> Result<Vec<Client>, StoreError> {
        let query = query.trim();
        let mut found = Found {
            clients: Vec::new(),
            seen: HashSet::new(),
            limit,
        };
        if query.is_empty() || limit == 0 {
            return Ok(found.clients);
        }
        if query.chars().any(char::is_alphabetic) {
            let words: Vec<String> = query.split_whitespace().map(keys::fold).collect();
            let Some((surname, rest)) = words.split_first() else {
                return Ok(found.clients);
            };
            if rest.len() > 2 {
                return Ok(found.clients);
            }
            let mut prefix = vec![keys::SEARCH_NAME];
            prefix.extend_from_slice(surname.as_bytes());
            if rest.is_empty() {
                self.scan_search(&prefix, &|_| true, &mut found)?;
                return Ok(found.clients);
            }
            // Surname prefix + first name (+ patronymic): for each surname that starts with
            // the first word, a range scan of that surname and first name, so "Иванов Ив"
            // reads only its matches, however many Ивановы there are.
            let matches = |k: &[u8]| {
                keys::search_name_parts(k).is_some_and(|[_, first, patronymic]| {
                    rest.iter()
                        .zip([first, patronymic])
                        .all(|(w, part)| part.starts_with(w.as_bytes()))
                })
            };
            let mut from = prefix.clone();
            while let Some(item) = self.t.search.range(from.as_slice()..).next() {
                let (k, _) = item?;
                if !k.starts_with(&prefix) {
                    break;
                }
                let [surname, ..] =
                    keys::search_name_parts(&k).ok_or_else(|| corrupt_search(&k))?;
                let mut within = vec![keys::SEARCH_NAME];
                within.extend_from_slice(surname);
                // The next surname starts past every key of this one.
                from = within.clone();
                from.push(keys::NAME_PART + 1);
                within.push(keys::NAME_PART);
                within.extend_from_slice(rest[0].as_bytes());
                if self.scan_search(&within, &matches, &mut found)? {
                    break;
                }
            }
        } else {
            let digits: String = query.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                return Ok(found.clients);
            }
            let mut forms = vec![digits.clone()];
            if let Some(rest) = digits.strip_prefix('8').filter(|r| !r.is_empty()) {
                forms.push(format!("7{rest}"));
            }
            for form in forms {
                let mut prefix = vec![keys::SEARCH_PHONE];
                prefix.extend_from_slice(form.as_bytes());
                if self.scan_search(&prefix, &|_| true, &mut found)? {
                    break;
                }
            }
        }
        Ok(found.clients)
    }

    fn holdings(&self, client_id: u64) -> Result<BTreeSet<String>, StoreError> {
        let mut out = BTreeSet::new();
        for item in self.t.holdings.scan_prefix(client_id.to_be_bytes()) {
            let (k, _) = item?;
            let product = std::str::from_utf8(&k[8..]).map_err(|_| StoreError::Corrupt {
                tree: HOLDINGS,
                key: hex(&k),
                reason: "the product id is not UTF-8".into(),
            })?;
            out.insert(product.to_string());
        }
        Ok(out)
    }

    fn add_holding(&self, client_id: u64, product: &str) -> Result<(), StoreError> {
        if self.client(client_id)?.is_none() {
            return Err(StoreError::UnknownClient(client_id));
        }
        let key = keys::holding_key(client_id, product);
        let event = Self::event("", None, Some(client_id), EventKind::HoldingAdded, product)?;
        let t = &self.t;
        (&t.holdings, &t.events)
            .transaction(|(holdings, events)| {
                holdings.insert(key.as_slice(), EMPTY)?;
                self.log(events, &event)
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn remove_holding(&self, client_id: u64, product: &str) -> Result<(), StoreError> {
        let key = keys::holding_key(client_id, product);
        let event = Self::event(
            "",
            None,
            Some(client_id),
            EventKind::HoldingRemoved,
            product,
        )?;
        let t = &self.t;
        (&t.holdings, &t.events)
            .transaction(|(holdings, events)| {
                holdings.remove(key.as_slice())?;
                self.log(events, &event)
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn add_holdings(&self, holdings: &[(u64, String)]) -> Result<(), StoreError> {
        if holdings.is_empty() {
            return Ok(());
        }
        let mut keys = Vec::with_capacity(holdings.len());
        let mut known: Option<u64> = None;
        for (client_id, product) in holdings {
            keys::check_name("product id", product)?;
            // Holdings usually come grouped by client: look each one up once.
            if known != Some(*client_id) {
                if !self.t.clients.contains_key(client_id.to_be_bytes())? {
                    return Err(StoreError::UnknownClient(*client_id));
                }
                known = Some(*client_id);
            }
            keys.push(keys::holding_key(*client_id, product));
        }
        let detail = format!("{} holdings", holdings.len());
        let event = Self::event("", None, None, EventKind::HoldingAdded, &detail)?;
        let t = &self.t;
        (&t.holdings, &t.events)
            .transaction(|(tree, events)| {
                for k in &keys {
                    tree.insert(k.as_slice(), EMPTY)?;
                }
                self.log(events, &event)
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn history(&self, client_id: u64) -> Result<ClientHistory, StoreError> {
        let mut h = ClientHistory {
            holdings: self.holdings(client_id)?,
            declined_on: BTreeMap::new(),
        };
        for c in self.consultations_of_client(client_id)? {
            let mut decline = |product: &str, day: NaiveDate| {
                let d = h.declined_on.entry(product.to_string()).or_insert(day);
                *d = (*d).max(day);
            };
            if c.main_outcome == Some(Outcome::Declined) {
                decline(&c.main, c.finished_at.unwrap_or(c.started_at).date());
            }
            for o in &c.offers {
                if o.outcome == Some(Outcome::Declined) {
                    decline(&o.product, o.outcome_at.unwrap_or(o.made_at).date());
                }
            }
        }
        Ok(h)
    }

    fn save(&self, c: &Consultation, kind: EventKind, detail: &str) -> Result<(), StoreError> {
        check_names(c)?;
        let event = Self::event(&c.officer, Some(c.id), Some(c.client_id), kind, detail)?;
        self.save_inner(std::slice::from_ref(c), &event)
    }

    fn save_all(
        &self,
        cs: &[Consultation],
        kind: EventKind,
        detail: &str,
    ) -> Result<(), StoreError> {
        if cs.is_empty() {
            return Ok(());
        }
        for c in cs {
            check_names(c)?;
        }
        let event = Self::event("", None, None, kind, detail)?;
        self.save_inner(cs, &event)
    }

    fn add_consultations(
        &self,
        mut cs: Vec<Consultation>,
        kind: EventKind,
        detail: &str,
    ) -> Result<Vec<u64>, StoreError> {
        if cs.is_empty() {
            return Ok(Vec::new());
        }
        for c in &mut cs {
            check_names(c)?;
            c.id = self.new_id()?;
        }
        let event = Self::event("", None, None, kind, detail)?;
        self.add_inner(&cs, &event)?;
        Ok(cs.iter().map(|c| c.id).collect())
    }

    fn consultation(&self, id: u64) -> Result<Option<Consultation>, StoreError> {
        let block = lists::id_block_key(id);
        let list = self.t.id_blocks.get(block)?;
        match ID_BLOCKS.find(&block, list.as_deref(), &id.to_be_bytes())? {
            Some(record) => self.record_at(&record[8..]),
            None => Ok(None),
        }
    }

    fn unfinished(&self, officer: &str) -> Result<Option<Consultation>, StoreError> {
        let prefix = keys::string_prefix(officer);
        for item in self.t.unfinished.scan_prefix(&prefix).rev() {
            let (k, _) = item?;
            let pk = &k[prefix.len()..];
            if let Some(c) = self.record_at(pk)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    fn latest_consultation_id(&self, client_id: u64) -> Result<Option<u64>, StoreError> {
        let Some(item) = self
            .t
            .client_months
            .scan_prefix(client_id.to_be_bytes())
            .next_back()
        else {
            return Ok(None);
        };
        let (k, list) = item?;
        CLIENT_MONTHS.check(&k, &list)?;
        Ok(CLIENT_MONTHS
            .records(&list)
            .next_back()
            .and_then(keys::consultation_key_id))
    }

    fn consultations_of_client(&self, client_id: u64) -> Result<Vec<Consultation>, StoreError> {
        let mut pks = Vec::new();
        for item in self.t.client_months.scan_prefix(client_id.to_be_bytes()) {
            let (k, list) = item?;
            CLIENT_MONTHS.check(&k, &list)?;
            pks.extend(CLIENT_MONTHS.records(&list).map(|pk| Ok(IVec::from(pk))));
        }
        self.consultations_at(pks.into_iter())
    }

    fn consultations_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Records<'_, Consultation> {
        let lo = keys::consultation_key(from, 0);
        let hi = keys::consultation_key(to, 0);
        if lo >= hi {
            return Box::new(std::iter::empty());
        }
        Box::new(self.t.consultations.range(lo..hi).map(|item| {
            let (k, v) = item?;
            decode_consultation(CONSULTATIONS, &k, &v)
        }))
    }

    fn tallies(&self, month: Month) -> Result<BTreeMap<TallyKey, Tally>, StoreError> {
        self.tallies_between(month, month)
    }

    fn tallies_between(
        &self,
        from: Month,
        to: Month,
    ) -> Result<BTreeMap<TallyKey, Tally>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.t.counters.range(from.0.to_be_bytes()..) {
            let (k, v) = item?;
            let (key, tally) = decode_counter(&k, &v)?;
            if key.month > to {
                break;
            }
            out.insert(key, tally);
        }
        Ok(out)
    }

    fn plan_sold(&self, officer: &str, month: Month) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for item in self
            .t
            .counters
            .scan_prefix(keys::counter_officer_prefix(month, officer))
        {
            let (k, v) = item?;
            let (key, tally) = decode_counter(&k, &v)?;
            // A formula row's `accepted` counts the extras of its consultations, which their
            // own rows count already; cancelled sales come off.
            match key.kind {
                Kind::Formula => {}
                Kind::Cancelled => {
                    let sold = out.entry(key.product).or_default();
                    *sold = sold.saturating_sub(tally.accepted);
                }
                _ => *out.entry(key.product).or_default() += tally.accepted,
            }
        }
        Ok(out)
    }

    fn rotation(&self, officer: &str) -> Result<BTreeMap<(String, Technique), u64>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.t.rotation.scan_prefix(keys::string_prefix(officer)) {
            let (k, v) = item?;
            let (_, product, technique) =
                keys::decode_rotation_key(&k).ok_or_else(|| StoreError::Corrupt {
                    tree: ROTATION,
                    key: hex(&k),
                    reason: "not a rotation key".into(),
                })?;
            out.insert((product, technique), decode::<u64>(ROTATION, &k, &v)?);
        }
        Ok(out)
    }

    fn follow_ups_from(&self, officer: &str, from: NaiveDate) -> Result<Vec<FollowUp>, StoreError> {
        let prefix = keys::string_prefix(officer);
        let mut start = prefix.clone();
        start.extend_from_slice(&keys::date_key(from));
        let mut out = Vec::new();
        for item in self.t.follow_ups.range(start..) {
            let (k, v) = item?;
            if !k.starts_with(&prefix) {
                break;
            }
            out.push(call_backs::follow_up(&k, &v)?);
        }
        Ok(out)
    }

    fn call_backs_due(
        &self,
        officer: &str,
        until: NaiveDate,
        limit: usize,
    ) -> Result<(Vec<FollowUp>, usize), StoreError> {
        call_backs::due(&self.t.follow_ups, officer, until, limit)
    }

    fn open_call_backs(&self, client_id: u64) -> Result<Vec<OpenCallBack>, StoreError> {
        call_backs::open_of(&self.t.call_backs, client_id)
    }

    fn save_contact(&self, mut contact: Contact) -> Result<Contact, StoreError> {
        contact
            .check()
            .map_err(|e| StoreError::InvalidContact(e.to_string()))?;
        keys::check_name("officer name", &contact.officer)?;
        keys::check_name("product id", &contact.product)?;
        contact.id = self.new_id()?;
        let pk = call_backs::contact_key(&contact);
        let value = encode(&contact)?;
        let tallies = contact.tallies();
        let event = Self::event(
            &contact.officer,
            Some(contact.consultation),
            Some(contact.client_id),
            EventKind::Contact,
            &call_backs::event_detail(&contact),
        )?;
        let holding = call_backs::sells(&contact)
            .then(|| keys::holding_key(contact.client_id, &contact.product));
        let t = &self.t;
        (
            &t.contacts,
            &t.client_contacts,
            &t.call_backs,
            &t.follow_ups,
            &t.holdings,
            &t.counters,
            &t.rotation,
            &t.events,
        )
            .transaction(
                |(
                    contacts,
                    client_contacts,
                    lists,
                    follow_ups,
                    holdings,
                    counters,
                    rotation,
                    events,
                )| {
                    let mut open = OpenCache::default();
                    if !open.after_contact(lists, follow_ups, &contact)? {
                        return Err(abort(StoreError::CallBackClosed {
                            consultation: contact.consultation,
                            product: contact.product.clone(),
                        }));
                    }
                    open.write(lists)?;
                    contacts.insert(&pk, value.as_slice())?;
                    client_contacts.insert(
                        &call_backs::client_contact_key(contact.client_id, contact.id),
                        &pk,
                    )?;
                    if let Some(h) = &holding {
                        holdings.insert(h.as_slice(), EMPTY)?;
                    }
                    let mut cache = CounterCache::default();
                    cache.move_tallies(counters, &BTreeMap::new(), &tallies)?;
                    cache.write(counters, rotation)?;
                    self.log(events, &event)
                },
            )
            .map_err(tx_error)?;
        self.durable()?;
        Ok(contact)
    }

    fn add_contacts(&self, mut contacts: Vec<Contact>) -> Result<usize, StoreError> {
        for k in &mut contacts {
            k.id = self.new_id()?;
        }
        for chunk in contacts.chunks(2_000) {
            self.restore_contacts(chunk)?;
        }
        Ok(contacts.len())
    }

    fn contacts_of_client(&self, client_id: u64) -> Result<Vec<Contact>, StoreError> {
        call_backs::contacts_of(&self.t.contacts, &self.t.client_contacts, client_id)
    }

    fn contacts_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Records<'_, Contact> {
        call_backs::contacts_between(&self.t.contacts, from, to)
    }

    fn save_cancellation(&self, mut c: Cancellation) -> Result<Cancellation, StoreError> {
        if self
            .read_cancellations_of(c.client_id)?
            .iter()
            .any(|x| x.sale.same(&c.sale))
        {
            return Err(StoreError::InvalidCancellation(format!(
                "the sale of `{}` is cancelled already",
                c.sale.product
            )));
        }
        c.id = self.new_id()?;
        let event = Self::cancellation_event(&c)?;
        self.write_cancellations(std::slice::from_ref(&c), &event)?;
        Ok(c)
    }

    fn cancellations_of_client(&self, client_id: u64) -> Result<Vec<Cancellation>, StoreError> {
        self.read_cancellations_of(client_id)
    }

    fn cancellations(&self) -> Records<'_, Cancellation> {
        self.read_cancellations()
    }

    fn unfinished_all(&self, officer: &str) -> Result<Vec<Consultation>, StoreError> {
        let prefix = keys::string_prefix(officer);
        let mut out = Vec::new();
        for item in self.t.unfinished.scan_prefix(&prefix).rev() {
            let (k, _) = item?;
            if let Some(c) = self.record_at(&k[prefix.len()..])? {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn events(&self) -> Records<'_, (u64, Event)> {
        Box::new(self.t.events.iter().map(|item| {
            let (k, v) = item?;
            let seq = <[u8; 8]>::try_from(k.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    tree: EVENTS,
                    key: hex(&k),
                    reason: "not a sequence number".into(),
                })?;
            Ok((seq, decode(EVENTS, &k, &v)?))
        }))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn verify_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<VerifyReport, StoreError> {
        super::verify::verify(self, progress)
    }

    fn last_good_catalog(&self) -> Result<Option<super::CatalogCopy>, StoreError> {
        self.read_catalog_copy()
    }

    fn keep_good_catalog(
        &self,
        dir: &str,
        files: Vec<(String, String)>,
        at: NaiveDateTime,
    ) -> Result<super::CatalogCopy, StoreError> {
        self.write_catalog_copy(dir, files, at)
    }

    fn use_catalog(&self, catalog: &crate::catalog::Catalog) {
        Declared::declare(&self.declared, catalog);
    }

    fn version_texts(
        &self,
        hash: &str,
    ) -> Result<Option<crate::catalog::VersionTexts>, StoreError> {
        versions::read_texts(&self.t.catalog_versions, hash)
    }

    fn month_plan(&self, month: Month) -> Result<Option<MonthPlan>, StoreError> {
        versions::read_plan(&self.t.month_plans, month)
    }

    fn same_clients(&self, client: &Client) -> Result<Vec<Client>, StoreError> {
        let found = |seen: HashSet<u64>| Found {
            clients: Vec::new(),
            seen,
            limit: super::SAME_CLIENTS_LIMIT,
        };
        // The client itself is never its own duplicate (ids are never 0).
        let itself: HashSet<u64> = (client.id != 0).then_some(client.id).into_iter().collect();
        // An exact key up to the id: the part before the id's 8 bytes.
        let without_id = |mut k: Vec<u8>| {
            k.truncate(k.len().saturating_sub(8));
            k
        };
        let mut by_phone = found(itself.clone());
        for form in keys::phone_forms(&client.phone) {
            let prefix = without_id(keys::search_phone_key(&form, 0));
            if self.scan_search(&prefix, &|_| true, &mut by_phone)? {
                break;
            }
        }
        let mut by_name = found(itself);
        let surname = keys::fold(&client.last_name);
        if !surname.is_empty() {
            let prefix = without_id(keys::search_name_key(
                &surname,
                &keys::fold(&client.first_name),
                &keys::fold(&client.patronymic),
                0,
            ));
            self.scan_search(&prefix, &|_| true, &mut by_name)?;
        }
        // The index finds the candidates; the same rule as everywhere decides.
        let mut out: Vec<Client> = Vec::new();
        for c in by_phone.clients.into_iter().chain(by_name.clients) {
            if same_person(client, &c).is_some() && !out.iter().any(|o| o.id == c.id) {
                out.push(c);
            }
        }
        out.truncate(super::SAME_CLIENTS_LIMIT);
        Ok(out)
    }
}

pub(super) fn decode_counter(k: &[u8], v: &[u8]) -> Result<(TallyKey, Tally), StoreError> {
    let key = keys::decode_counter_key(k).ok_or_else(|| StoreError::Corrupt {
        tree: COUNTERS,
        key: hex(k),
        reason: "not a counter key".into(),
    })?;
    Ok((key, decode(COUNTERS, k, v)?))
}

impl SledStore {
    /// One transaction over every tree a consultation touches, then the durable sync.
    fn save_inner(&self, cs: &[Consultation], event: &[u8]) -> Result<(), StoreError> {
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
            &t.consultations,
            &t.id_blocks,
            &t.client_months,
            &t.unfinished,
            &t.follow_ups,
            &t.holdings,
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
                    self.log(events, event)
                },
            )
            .map_err(tx_error)?;
        self.durable()
    }
}

/// The trees of the first layout: a key per consultation in each.
const FIRST_LAYOUT_INDEXES: [&str; 2] = ["consultation_ids", "client_consultations"];

/// Builds the id blocks and the client months from the consultations when the database still
/// has the first layout's indexes (and the call backs for main products answered "thinking",
/// which that layout did not keep), then drops those. Until they are dropped the next open
/// builds again from scratch, so a cut-short run is simply repeated.
fn migrate_consultation_indexes(db: &sled::Db, t: &Trees) -> Result<(), StoreError> {
    let names = db.tree_names();
    let old: Vec<&str> = FIRST_LAYOUT_INDEXES
        .into_iter()
        .filter(|n| names.iter().any(|m| m.as_ref() == n.as_bytes()))
        .collect();
    if old.is_empty() {
        return Ok(());
    }
    t.id_blocks.clear()?;
    t.client_months.clear()?;
    // In bounded chunks, each merged into what the earlier chunks wrote: a database of
    // millions of consultations is migrated in little memory.
    const CHUNK: usize = 50_000;
    let mut ids: BTreeMap<[u8; 8], Vec<u8>> = BTreeMap::new();
    let mut months: BTreeMap<[u8; 12], Vec<u8>> = BTreeMap::new();
    let mut n = 0;
    for item in t.consultations.iter() {
        let (k, v) = item?;
        // A damaged record is left to `verify` to report.
        let (Ok(pk), Ok(c)) = (
            <[u8; 16]>::try_from(k.as_ref()),
            decode_consultation(CONSULTATIONS, &k, &v),
        ) else {
            continue;
        };
        ID_BLOCKS.put(
            ids.entry(lists::id_block_key(c.id)).or_default(),
            &lists::id_record(c.id, &pk),
        );
        CLIENT_MONTHS.put(
            months
                .entry(lists::client_month_key(c.client_id, c.started_at))
                .or_default(),
            &pk,
        );
        n += 1;
        if n % CHUNK == 0 {
            merge_lists(&t.id_blocks, &ID_BLOCKS, std::mem::take(&mut ids))?;
            merge_lists(
                &t.client_months,
                &CLIENT_MONTHS,
                std::mem::take(&mut months),
            )?;
        }
    }
    merge_lists(&t.id_blocks, &ID_BLOCKS, ids)?;
    merge_lists(&t.client_months, &CLIENT_MONTHS, months)?;
    db.flush()?;
    for name in old {
        db.drop_tree(name)?;
    }
    Ok(())
}

/// Adds the records of `lists` to the lists stored under the same keys, in one batch.
fn merge_lists<K: AsRef<[u8]>>(
    tree: &Tree,
    layout: &lists::Layout,
    lists: BTreeMap<K, Vec<u8>>,
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for (k, records) in lists {
        let mut list = match tree.get(k.as_ref())? {
            Some(v) => v.to_vec(),
            None => Vec::new(),
        };
        for r in layout.records(&records) {
            layout.put(&mut list, r);
        }
        batch.insert(k.as_ref(), list);
    }
    tree.apply_batch(batch)?;
    Ok(())
}

/// Rebuilds the name search keys from the clients (a database of the first layout had the
/// surname alone). In bounded batches: if it is cut short, the marker is not yet written and
/// the next open starts it again, and every step can be repeated.
fn reindex_names(t: &Trees) -> Result<(), StoreError> {
    const CHUNK: usize = 50_000;
    let mut batch = sled::Batch::default();
    let mut n = 0;
    for item in t.search.scan_prefix([keys::SEARCH_NAME]) {
        batch.remove(item?.0);
        n += 1;
        if n % CHUNK == 0 {
            t.search.apply_batch(std::mem::take(&mut batch))?;
        }
    }
    t.search.apply_batch(std::mem::take(&mut batch))?;
    n = 0;
    for item in t.clients.iter() {
        let (k, v) = item?;
        // A damaged client is left to `verify` to report; the others are still found.
        let Ok(client) = decode_client(CLIENTS, &k, &v) else {
            continue;
        };
        for key in keys::search_keys(&client) {
            if key.first() == Some(&keys::SEARCH_NAME) {
                batch.insert(key, EMPTY);
                n += 1;
            }
        }
        if n >= CHUNK {
            t.search.apply_batch(std::mem::take(&mut batch))?;
            n = 0;
        }
    }
    t.search.apply_batch(batch)?;
    Ok(())
}

/// Clients found so far by a search, each once, up to `limit`.
struct Found {
    clients: Vec<Client>,
    seen: HashSet<u64>,
    limit: usize,
}

fn corrupt_search(k: &[u8]) -> StoreError {
    StoreError::Corrupt {
        tree: CLIENT_SEARCH,
        key: hex(k),
        reason: "not a search key".into(),
    }
}

impl SledStore {
    /// Adds the clients of the search keys under `prefix` that pass `matches`; true once
    /// `found` is full.
    fn scan_search(
        &self,
        prefix: &[u8],
        matches: &dyn Fn(&[u8]) -> bool,
        found: &mut Found,
    ) -> Result<bool, StoreError> {
        for item in self.t.search.scan_prefix(prefix) {
            let (k, _) = item?;
            let id = keys::search_key_id(&k).ok_or_else(|| corrupt_search(&k))?;
            if !matches(&k) || !found.seen.insert(id) {
                continue;
            }
            // A stale entry (no such client) is skipped here and reported by `verify`.
            if let Some(c) = self.client(id)? {
                found.clients.push(c);
                if found.clients.len() >= found.limit {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// [`Store::add_consultations`]: records under fresh ids, so nothing old to take out; the
    /// counters of the whole batch are summed before the transaction and added once.
    fn add_inner(&self, cs: &[Consultation], event: &[u8]) -> Result<(), StoreError> {
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
            &t.consultations,
            &t.id_blocks,
            &t.client_months,
            &t.unfinished,
            &t.follow_ups,
            &t.holdings,
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
                    self.log(events, event)
                },
            )
            .map_err(tx_error)?;
        self.durable()
    }
}
