//! Opening a database: the directory owner-only, the lock, the schema, and the migrations of
//! the first layout (the consultation indexes, the name search keys).

use super::repack::*;
use super::*;

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
                reason: crate::store::db_path::io_reason(io),
            }
        }
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// Creates the database directory owner-only (0700), whatever the umask.
pub(super) fn create_private_dir(path: &Path) -> Result<(), StoreError> {
    if crate::store::db_path::check_dir(path)? {
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

impl SledStore {
    /// Opens the database at `path`, creating it (owner-only) if needed. A database held by
    /// another process is [`StoreError::InUse`] at once; a different schema version is
    /// [`StoreError::SchemaMismatch`].
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        Self::open_with_cache(path, CACHE_BYTES)
    }

    /// [`SledStore::open`] for a bulk load (`demo`, `restore`): a page cache large enough to
    /// hold what the load keeps rereading (the client lists, the id blocks, the counters),
    /// which the screen's 64 MB cap would send back to disk again and again.
    pub fn open_for_bulk(path: &Path) -> Result<SledStore, StoreError> {
        Self::open_with_cache(path, BULK_CACHE_BYTES)
    }

    fn open_with_cache(path: &Path, cache: u64) -> Result<SledStore, StoreError> {
        let (store, repacked) = Self::open_once(path, cache)?;
        if !repacked {
            return Ok(store);
        }
        // The schema-3 trees just dropped left their segments free, and sled zero-fills
        // every free segment at each open: the migrated database is copied compactly once.
        drop(store);
        crate::progress::with_progress("compacting", |progress| {
            SledStore::compact(path, progress)
        })?;
        Ok(Self::open_once(path, cache)?.0)
    }

    /// The open itself; true when the schema-3 trees were repacked.
    fn open_once(path: &Path, cache: u64) -> Result<(SledStore, bool), StoreError> {
        create_private_dir(path)?;
        let config = sled::Config::new().path(path).cache_capacity(cache);
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
                if !(SCHEMA_NO_CALL_BACKS..=SCHEMA_VERSION).contains(&found) {
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
            clients: Packed::new(db.open_tree(CLIENT_PACKS)?, CLIENTS, CLIENTS_PREFIX),
            search: Packed::new(
                db.open_tree(CLIENT_SEARCH_PACKS)?,
                CLIENT_SEARCH,
                SEARCH_PREFIX,
            ),
            holdings: Packed::new(db.open_tree(HOLDING_PACKS)?, HOLDINGS, HOLDINGS_PREFIX),
            consultations: Packed::new(
                db.open_tree(CONSULTATION_PACKS)?,
                CONSULTATIONS,
                CONSULTATIONS_PREFIX,
            ),
            id_blocks: db.open_tree(CONSULTATION_ID_BLOCKS)?,
            client_months: db.open_tree(CLIENT_CONSULTATION_LISTS)?,
            unfinished: db.open_tree(UNFINISHED)?,
            follow_ups: db.open_tree(FOLLOW_UPS)?,
            events: db.open_tree(EVENTS)?,
            counters: db.open_tree(COUNTERS)?,
            rotation: db.open_tree(ROTATION)?,
            call_backs: db.open_tree(CLIENT_CALL_BACKS)?,
            contacts: Packed::new(db.open_tree(CONTACT_PACKS)?, CONTACTS, CONTACTS_PREFIX),
            client_contacts: Packed::new(
                db.open_tree(CLIENT_CONTACT_PACKS)?,
                CLIENT_CONTACTS,
                CLIENT_CONTACTS_PREFIX,
            ),
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
        let workstation = workstation_id(&meta)?;
        // First, whatever the schema: the older migrations below read the packed trees.
        let repacked = repack::repack(&db, &t)?;
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
            meta.insert(META_SCHEMA_KEY, &SCHEMA_BEFORE_SLOTS.to_be_bytes())?;
        }
        if meta.get(META_SCHEMA_KEY)?.as_deref() == Some(&SCHEMA_BEFORE_SLOTS.to_be_bytes()[..]) {
            // The workstation id was made above; the offers get their formula slots.
            migrate_slots(&t)?;
            db.flush()?;
            meta.insert(META_SCHEMA_KEY, &SCHEMA_UNPACKED.to_be_bytes())?;
        }
        if meta.get(META_SCHEMA_KEY)?.as_deref() == Some(&SCHEMA_UNPACKED.to_be_bytes()[..]) {
            // Repacked above.
            meta.insert(META_SCHEMA_KEY, &SCHEMA_BEFORE_CENTRAL.to_be_bytes())?;
        }
        if meta.get(META_SCHEMA_KEY)?.as_deref() == Some(&SCHEMA_BEFORE_CENTRAL.to_be_bytes()[..]) {
            // Nothing to convert: the tree of what the centre sends starts empty, and a
            // schema-4 sufler, which would not know it, refuses the database from now on.
            db.open_tree(CENTRAL)?;
            db.flush()?;
            meta.insert(META_SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        }
        db.flush()?;
        tighten_permissions(path);
        let syncer = Syncer::new(path).map_err(|source| StoreError::Sync {
            path: path.to_path_buf(),
            source,
        })?;
        let store = SledStore {
            path: path.to_path_buf(),
            db,
            t,
            syncer: Mutex::new(syncer),
            sync_each_save: std::sync::atomic::AtomicBool::new(true),
            declared: Mutex::new(Declared::default()),
            next_id_floor,
            workstation,
            _released: released,
        };
        Ok((store, repacked))
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
                    reason: crate::store::db_path::io_reason(&e),
                })
            }
            _ => return Err(StoreError::NotFound(path.to_path_buf())),
        }
        SledStore::open(path)
    }
}

/// The workstation id kept in `meta`, made (random, never 0) when there is none yet: in a new
/// database and in one written before schema 3.
fn workstation_id(meta: &sled::Tree) -> Result<u64, StoreError> {
    if let Some(v) = meta.get(META_WORKSTATION_KEY)? {
        return <[u8; 8]>::try_from(v.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt {
                tree: META,
                key: hex(META_WORKSTATION_KEY),
                reason: format!("the workstation id is {} bytes, not 8", v.len()),
            });
    }
    let id = new_workstation_id()?;
    meta.insert(META_WORKSTATION_KEY, &id.to_be_bytes())?;
    Ok(id)
}

/// A random workstation id, never 0.
pub(in crate::store) fn new_workstation_id() -> Result<u64, StoreError> {
    loop {
        let id = getrandom::u64().map_err(|e| StoreError::Random(e.to_string()))?;
        if id != 0 {
            return Ok(id);
        }
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
    let mut months: BTreeMap<[u8; 8], Vec<u8>> = BTreeMap::new();
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
                .entry(lists::client_list_key(c.client_id))
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
    let mut gone = Vec::new();
    for item in t.search.scan_prefix([keys::SEARCH_NAME]) {
        gone.push(item?.0.to_vec());
        if gone.len() == CHUNK {
            t.search.remove_all(std::mem::take(&mut gone))?;
        }
    }
    t.search.remove_all(gone)?;
    let mut batch = Vec::new();
    let mut n = 0;
    for item in t.clients.iter() {
        let (k, v) = item?;
        // A damaged client is left to `verify` to report; the others are still found.
        let Ok(client) = decode_client(CLIENTS, &k, &v) else {
            continue;
        };
        for key in keys::search_keys(&client) {
            if key.first() == Some(&keys::SEARCH_NAME) {
                batch.push((key, Vec::new()));
                n += 1;
            }
        }
        if n >= CHUNK {
            t.search.insert_all(std::mem::take(&mut batch))?;
            n = 0;
        }
    }
    t.search.insert_all(batch)?;
    Ok(())
}
