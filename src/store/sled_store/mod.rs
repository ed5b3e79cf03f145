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
use super::packed::Packed;
use super::sync::{sync_dir, Syncer};
use super::trees::*;
use super::versions::{self, Declared, MonthPlan, Pending};
use super::{Event, EventKind, FollowUp, Officer, Records, Store, StoreError, VerifyReport};
use crate::consultation::names::same_person;
use open::create_private_dir;
mod compact;
mod counters;
mod migrate_slots;
mod open;
mod records;
mod repack;
mod search;

use counters::add_saturating;
pub(in crate::store) use counters::{decode_counter, CounterCache};
pub(in crate::store) use migrate_slots::migrate_slots;
use records::check_names;
pub(in crate::store) use records::entries;

use crate::consultation::{
    Cancellation, Client, ClientHistory, Consultation, Contact, Kind, Month, OpenCallBack, Outcome,
    Tally, TallyKey, Technique,
};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 5;
/// The schema before the `central` tree (what the bank's server sent: plans and the published
/// catalogue, [`super::central`]): opened, the tree is made and it becomes [`SCHEMA_VERSION`].
pub(super) const SCHEMA_BEFORE_CENTRAL: u32 = 4;
/// The schema before the packed trees (see [`super::packed`]): opened, its trees are
/// repacked and it becomes [`SCHEMA_VERSION`].
pub(super) const SCHEMA_UNPACKED: u32 = 3;
/// The schema before the workstation id and the offers' formula slots: opened, it is
/// migrated to [`SCHEMA_VERSION`].
pub(super) const SCHEMA_BEFORE_SLOTS: u32 = 2;
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
/// In the `meta` tree: this database's workstation id, u64 BE, random and never 0 (see
/// [`Store::workstation_id`]); made at creation, at the migration to schema 3, or taken from
/// the backup a database is restored from.
pub const META_WORKSTATION_KEY: &[u8] = b"workstation";
/// In the `meta` tree: present once the name search keys hold the whole name (surname,
/// first name, patronymic). Databases written before that are re-indexed at open.
const META_SEARCH_KEY: &[u8] = b"search";
const SEARCH_FULL_NAMES: &[u8] = b"full-names";

/// sled's page cache is capped so the TUI stays small on a large history (DESIGN §9).
const CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// The cache of a bulk load (see [`SledStore::open_for_bulk`]).
const BULK_CACHE_BYTES: u64 = 1024 * 1024 * 1024;

const EMPTY: &[u8] = &[];

/// The sled store. One directory, these trees (`BE` = big-endian, `\0` ends a string):
///
/// | tree | key | value |
/// |---|---|---|
/// | `meta` | `schema` · `search` · `next_id` · `workstation` | schema version, u32 BE · `full-names` · id floor, u64 BE · workstation id, u64 BE |
/// | `officers` | name | v1 + postcard [`Officer`] |
/// | `clients` | client id BE | v1 + postcard [`Client`] |
/// | `client_search` | `n` folded surname `\1` first name `\1` patronymic `\0` id BE · `p` phone digits `\0` id BE | empty |
/// | `holdings` | client id BE, product | empty |
/// | `consultations` | start millis BE (sign flipped), id BE | v1 + postcard [`Consultation`] |
/// | `consultation_id_blocks` | id >> 8, BE | records (id BE, consultation key), by id |
/// | `client_consultation_lists` | client id BE | the consultation keys, in order |
/// | `unfinished` | officer `\0`, consultation key | empty |
/// | `follow_ups` | officer `\0`, date (days BE), consultation id BE, product | client id BE: open call backs by day |
/// | `client_call_backs` · `contacts` · `client_contacts` | see [`super::call_backs`] | |
/// | `events` | sequence BE | v1 + postcard [`Event`] |
/// | `counters` | month BE u32, officer `\0` product `\0`, kind u8, variant BE u32 | v1 + postcard [`Tally`] |
/// | `rotation` | officer `\0` product `\0` technique u8 | v1 + postcard u64 |
/// | `catalog` | `last_good` | v1 + postcard [`super::CatalogCopy`]: the last catalogue that passed the checks |
/// | `central` | `plans` · `published` | v1 + postcard [`super::CentralPlans`] · [`super::PublishedCatalogue`]: the last good copies of what the bank's server sent (schema 5) |
///
/// `clients`, `client_search`, `holdings`, `consultations`, `contacts` and `client_contacts`
/// are packed trees (schema 4, [`super::packed`]): their entries, keyed as above, are stored
/// several to a sled key in `client_packs`, `client_search_packs`, `holding_packs`,
/// `consultation_packs`, `contact_packs` and `client_contact_packs`.
///
/// "v1" is the version byte [`super::VALUE_VERSION`]. Personal data lives only in `clients`
/// and `client_search`; everything else refers to clients by id.
pub struct SledStore {
    pub(super) path: PathBuf,
    pub(super) db: sled::Db,
    pub(super) t: Trees,
    syncer: Mutex<Syncer>,
    /// False once [`SledStore::defer_sync`] was called: saves then skip their flush and
    /// fdatasync, and [`SledStore::sync_now`] makes everything durable at once.
    sync_each_save: std::sync::atomic::AtomicBool,
    /// The catalogues declared with [`Store::use_catalog`].
    declared: Mutex<Declared>,
    /// [`META_NEXT_ID_KEY`], 0 when absent.
    pub(super) next_id_floor: u64,
    /// [`META_WORKSTATION_KEY`], read (or made) at open.
    pub(super) workstation: u64,
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
        // Returns as soon as the lock is free; the deadline only bounds a loaded machine.
        let deadline = Instant::now() + Duration::from_secs(10);
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
    pub(super) clients: Packed,
    pub(super) search: Packed,
    pub(super) holdings: Packed,
    pub(super) consultations: Packed,
    pub(super) id_blocks: Tree,
    pub(super) client_months: Tree,
    pub(super) unfinished: Tree,
    pub(super) follow_ups: Tree,
    pub(super) events: Tree,
    pub(super) counters: Tree,
    pub(super) rotation: Tree,
    pub(super) call_backs: Tree,
    pub(super) contacts: Packed,
    pub(super) client_contacts: Packed,
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

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

impl SledStore {
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

    /// flush, then fdatasync: the change is on disk when this returns (unless
    /// [`SledStore::defer_sync`] put that off until [`SledStore::sync_now`]).
    pub(super) fn durable(&self) -> Result<(), StoreError> {
        if !self
            .sync_each_save
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(());
        }
        self.sync_now()
    }

    /// For a bulk load that is worthless until it is whole (`demo`): no save waits for the
    /// disk any more; [`SledStore::sync_now`] at the end makes everything durable. A load cut
    /// short leaves what sled had written, as before, only less of it.
    pub fn defer_sync(&self) {
        self.sync_each_save
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// flush, then fdatasync: everything saved so far is on disk when this returns.
    pub fn sync_now(&self) -> Result<(), StoreError> {
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
        (&t.clients.tree, &t.search.tree, &t.events)
            .transaction(|(clients, search, events)| {
                let clients = t.clients.tx(clients);
                let search = t.search.tx(search);
                for k in &old_keys {
                    search.remove(k.as_slice())?;
                }
                for (id, value, search_keys) in &values {
                    clients.insert(id, value.as_slice())?;
                    for k in search_keys {
                        search.insert(k.as_slice(), EMPTY)?;
                    }
                }
                clients.write()?;
                search.write()?;
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

    fn workstation_id(&self) -> Result<u64, StoreError> {
        Ok(self.workstation)
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
        self.find_clients(query, limit)
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
        (&t.holdings.tree, &t.events)
            .transaction(|(holdings, events)| {
                let holdings = t.holdings.tx(holdings);
                holdings.insert(key.as_slice(), EMPTY)?;
                holdings.write()?;
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
        (&t.holdings.tree, &t.events)
            .transaction(|(holdings, events)| {
                let holdings = t.holdings.tx(holdings);
                holdings.remove(key.as_slice())?;
                holdings.write()?;
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
        (&t.holdings.tree, &t.events)
            .transaction(|(tree, events)| {
                let tree = t.holdings.tx(tree);
                for k in &keys {
                    tree.insert(k.as_slice(), EMPTY)?;
                }
                tree.write()?;
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
        Box::new(self.t.consultations.range(&lo, &hi).map(|item| {
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
            // own rows count already; a check-in's `accepted` is a client reached, not a sale;
            // cancelled sales come off.
            match key.kind {
                Kind::Formula | Kind::CheckIn => {}
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
        let value = crate::store::codec::encode_contact(&contact)?;
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
            &t.contacts.tree,
            &t.client_contacts.tree,
            &t.call_backs,
            &t.follow_ups,
            &t.holdings.tree,
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
                    let contacts = t.contacts.tx(contacts);
                    let client_contacts = t.client_contacts.tx(client_contacts);
                    let holdings = t.holdings.tx(holdings);
                    let mut open = OpenCache::default();
                    if !open.after_contact(lists, follow_ups, &contact)? {
                        return Err(abort(StoreError::CallBackClosed {
                            consultation: contact.consultation,
                            product: contact.product.clone(),
                        }));
                    }
                    open.write(lists)?;
                    contacts.insert(pk, value.as_slice())?;
                    client_contacts.insert(
                        call_backs::client_contact_key(contact.client_id, contact.id),
                        pk,
                    )?;
                    if let Some(h) = &holding {
                        holdings.insert(h.as_slice(), EMPTY)?;
                    }
                    let mut cache = CounterCache::default();
                    cache.move_tallies(counters, &BTreeMap::new(), &tallies)?;
                    cache.write(counters, rotation)?;
                    contacts.write()?;
                    client_contacts.write()?;
                    holdings.write()?;
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
        self.find_same_clients(client)
    }
}
