//! Restoring a dump into a new, empty database, in batches, then verifying it.

use super::*;
use crate::store::META_WORKSTATION_KEY;

/// What `restore` did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub counts: Counts,
    /// `verify` of the restored database.
    pub verify: VerifyReport,
}

/// `sufler restore FILE --db TARGET`. The whole dump is checked first; then it is loaded
/// into a new database in a temporary directory beside `target`, which is renamed to
/// `target` only once complete, synced and verified. On any failure the temporary
/// directory is removed and `target` is untouched; a killed restore leaves only the
/// temporary `.NAME.restoring-PID` directory, never a half-made `target`.
/// `progress(step, done, total)` names the step: `restore` while loading, then `verify`.
pub fn restore(
    file: &Path,
    target: &Path,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<RestoreReport, DumpError> {
    let rerr = |source| DumpError::Read {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(DumpError::NotEmpty(target.to_path_buf()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if target.exists() => {
            return Err(if target.is_dir() {
                DumpError::Read {
                    path: target.to_path_buf(),
                    source: e,
                }
            } else {
                DumpError::NotEmpty(target.to_path_buf())
            })
        }
        Err(_) => {}
    }
    let name = file.display().to_string();
    let header = check_dump(BufReader::new(File::open(file).map_err(rerr)?), &name)?;

    let Some(target_name) = target.file_name() else {
        return Err(DumpError::Write {
            path: target.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a directory name"),
        });
    };
    let parent = parent_dir(target);
    let tmp = parent.join(format!(
        ".{}.restoring-{}",
        target_name.to_string_lossy(),
        std::process::id()
    ));
    if tmp.exists() {
        // Left by an earlier restore killed with this same process id.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let result = load(&tmp, file, &name, &header, progress).and_then(|verify| {
        let werr = |path: &Path, source| DumpError::Write {
            path: path.to_path_buf(),
            source,
        };
        // `rename` replaces an empty directory atomically; the target is never half-made.
        std::fs::rename(&tmp, target).map_err(|e| werr(target, e))?;
        sync_dir(parent).map_err(|e| werr(parent, e))?;
        Ok(RestoreReport {
            counts: header.counts,
            verify,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// The second pass: every record into a fresh database at `dir`, then `verify`.
fn load(
    dir: &Path,
    file: &Path,
    name: &str,
    header: &Header,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<VerifyReport, DumpError> {
    let input = File::open(file).map_err(|source| DumpError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let mut reader = DumpReader::new(BufReader::new(input), name)?;
    if reader.header != *header {
        return Err(reader.invalid("the file changed while it was being restored"));
    }
    let mut store = SledStore::open(dir)?;
    store.next_id_floor = header.next_id;
    let result = (|| {
        let meta = store.db.open_tree(META)?;
        meta.insert(META_NEXT_ID_KEY, &header.next_id.to_be_bytes())?;
        if let Some(id) = header.workstation.filter(|&id| id != 0) {
            meta.insert(META_WORKSTATION_KEY, &id.to_be_bytes())?;
            store.workstation = id;
        }
        let total = header.counts.total();
        let mut loader = Loader::default();
        let mut done = 0u64;
        // The pass re-checks every line, so a file changed since the first pass is caught
        // at the latest by its checksum, before the directory is renamed into place.
        while let Some(item) = reader.next()? {
            loader.push(&store, item)?;
            done += 1;
            if done.is_multiple_of(512) {
                progress("restore", done, total);
            }
        }
        loader.finish(&store)?;
        if header.schema < SCHEMA_VERSION {
            // Offers written before schema 3 get their formula slots, as at a migration.
            super::super::sled_store::migrate_slots(&store.t)?;
        }
        progress("restore", total, total);
        store.durable()?;
        Ok(store.verify_with(&mut |done, total| progress("verify", done, total))?)
    })();
    match result {
        Ok(report) => {
            drop(store);
            Ok(report)
        }
        Err(e) => {
            // After a failed write (a full disk) sled's own close would hang; the caller
            // removes the directory and the process ends soon after.
            store.abandon();
            Err(e)
        }
    }
}

/// Buffers records of the current kind and writes them in batches through the store's own
/// save paths, which rebuild the indexes and counters.
#[derive(Default)]
pub(super) struct Loader {
    section: Option<Section>,
    officers: Vec<OfficerLine>,
    clients: Vec<Client>,
    holdings: Vec<HoldingLine>,
    /// Every holding line of the dump: a product cancelled and bought again (or marked held
    /// again) is held in the dump, and must stay held after its cancellation is replayed.
    held: HashSet<Vec<u8>>,
    consultations: Vec<Consultation>,
    contacts: Vec<Contact>,
    cancellations: Vec<Cancellation>,
    events: Vec<(u64, Event)>,
    events_cleared: bool,
}

impl Loader {
    pub(super) fn push(&mut self, store: &SledStore, item: Item) -> Result<(), DumpError> {
        if let Item::Past(p) = &item {
            p.store(store)?;
            return Ok(());
        }
        let s = item.section();
        if self.section != Some(s) {
            self.flush(store)?;
            self.section = Some(s);
        }
        let full = match item {
            Item::Past(_) => false,
            Item::Officer(o) => {
                self.officers.push(o);
                false
            }
            Item::Client(c) => {
                self.clients.push(c);
                self.clients.len() >= BATCH
            }
            Item::Holding(h) => {
                self.holdings.push(h);
                self.holdings.len() >= BATCH
            }
            Item::Consultation(c) => {
                self.consultations.push(c);
                self.consultations.len() >= BATCH
            }
            Item::Contact(k) => {
                self.contacts.push(k);
                self.contacts.len() >= BATCH
            }
            Item::Cancellation(c) => {
                self.cancellations.push(c);
                self.cancellations.len() >= BATCH
            }
            Item::Event(seq, e) => {
                self.events.push((seq, e));
                self.events.len() >= BATCH
            }
        };
        if full {
            self.flush(store)?;
        }
        Ok(())
    }

    pub(super) fn flush(&mut self, store: &SledStore) -> Result<(), DumpError> {
        if !self.officers.is_empty() {
            // The workstation officer last: `save_officer` points the workstation at the
            // officer it saves.
            let officers = std::mem::take(&mut self.officers);
            let (ws, others): (Vec<_>, Vec<_>) = officers.into_iter().partition(|o| o.workstation);
            for o in others.iter().chain(ws.iter()) {
                store.save_officer(&Officer {
                    name: o.name.clone(),
                    branch: o.branch.clone(),
                })?;
            }
            if ws.is_empty() {
                store.t.officers.remove(WORKSTATION_OFFICER_KEY)?;
            }
        }
        if !self.clients.is_empty() {
            let clients = std::mem::take(&mut self.clients);
            // Ids are kept, so this is `add_clients` without its fresh ids.
            let event = SledStore::event("", None, None, EventKind::Imported, "restore")?;
            store.write_clients(&clients, &[], &event)?;
        }
        if !self.holdings.is_empty() {
            // Holdings are records of their own (a product held from before Sufler).
            let mut batch = Vec::new();
            for h in std::mem::take(&mut self.holdings) {
                let k = keys::holding_key(h.client, &h.product);
                batch.push((k.clone(), Vec::new()));
                self.held.insert(k);
            }
            store.t.holdings.insert_all(batch)?;
            store.durable()?;
        }
        if !self.consultations.is_empty() {
            let cs = std::mem::take(&mut self.consultations);
            store.save_all(&cs, EventKind::Imported, "restore")?;
        }
        if !self.contacts.is_empty() {
            // After every consultation, as `contacts` explains.
            store.restore_contacts(&std::mem::take(&mut self.contacts))?;
        }
        if !self.cancellations.is_empty() {
            // After the consultations, which gave the holdings back: each takes its sale's
            // away again, and off the counters, as when it was recorded.
            let cs = std::mem::take(&mut self.cancellations);
            let event = SledStore::event("", None, None, EventKind::Imported, "restore")?;
            store.write_cancellations(&cs, &event)?;
            // The replay took each cancelled product off its client; the dump says which
            // are held again.
            let mut again = Vec::new();
            for c in &cs {
                let k = keys::holding_key(c.client_id, &c.sale.product);
                if self.held.contains(&k) {
                    again.push((k, Vec::new()));
                }
            }
            store.t.holdings.insert_all(again)?;
            store.durable()?;
        }
        if !self.events.is_empty() || self.section == Some(Section::Event) {
            self.clear_events(store)?;
            let mut batch = sled::Batch::default();
            for (seq, e) in std::mem::take(&mut self.events) {
                batch.insert(&seq.to_be_bytes(), encode(&e)?);
            }
            store
                .t
                .events
                .apply_batch(batch)
                .map_err(StoreError::from)?;
            store.durable()?;
        }
        Ok(())
    }

    /// The save paths above logged entries of their own; the log must be the dump's.
    fn clear_events(&mut self, store: &SledStore) -> Result<(), DumpError> {
        if !self.events_cleared {
            store.t.events.clear().map_err(StoreError::from)?;
            self.events_cleared = true;
        }
        Ok(())
    }

    fn finish(&mut self, store: &SledStore) -> Result<(), DumpError> {
        self.flush(store)?;
        self.clear_events(store)?;
        Ok(())
    }
}
