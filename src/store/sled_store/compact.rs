//! A compact copy of a database: every tree written afresh, in key order, into a new
//! directory, which then takes the old one's place.
//!
//! sled 0.34 writes every change of a page to its log and frees a segment (512 KiB) once
//! nothing in it is live; at every open it zero-fills each free segment again and replays its
//! page table. A bulk load (a million-consultation demo) leaves a file of 2.3 GB for 0.5 GB
//! of data, so each later start wrote hundreds of megabytes of zeros before the first frame.
//! The copy holds only what is live.

use super::*;

/// Keys per batch written.
const CHUNK: usize = 10_000;

/// In the `meta` tree: the size in bytes of sled's `db` file (u64 BE) right after the last
/// compaction. Optional: a database without it was never compacted by this release.
const META_COMPACTED_KEY: &[u8] = b"compacted";

/// The growth of the `db` file past its compacted size that makes the screen compact it at
/// quit: half as much again, and at least this many bytes (a small database's garbage costs
/// its starts little).
const GARBAGE_FLOOR_BYTES: u64 = 128 * 1024 * 1024;

/// Copies the database at `from` (not open elsewhere) into the new directory `to`. The id
/// generator goes on where the old one stood, through [`META_NEXT_ID_KEY`], so no id nor
/// event sequence number is given twice.
fn copy(from: &Path, to: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError> {
    let open = |p: &Path| {
        sled::Config::new()
            .path(p)
            .cache_capacity(BULK_CACHE_BYTES)
            .open()
            .map_err(|source| StoreError::Open {
                path: p.to_path_buf(),
                source,
            })
    };
    // Declared before the databases, so dropped after them: each waits until sled's threads
    // let go of the file, or the reopen just after this copy would find it in use.
    let _old_released = Released(Some(from.join("db")));
    let _new_released = Released(Some(to.join("db")));
    let old = open(from)?;
    create_private_dir(to)?;
    let new = open(to)?;
    let floor = match old.open_tree(META)?.get(META_NEXT_ID_KEY)? {
        Some(v) => keys::u64_at(&v).unwrap_or(0),
        None => 0,
    };
    // What `generate_id` would give next there: the new generator starts at 0.
    let next = floor.saturating_add(old.generate_id()?);
    let names = old.tree_names();
    let total = names.len() as u64;
    for (i, name) in names.iter().enumerate() {
        let tree = old.open_tree(name)?;
        if !tree.is_empty() {
            copy_tree(&tree, &new.open_tree(name)?)?;
        }
        progress(i as u64 + 1, total);
    }
    let meta = new.open_tree(META)?;
    meta.insert(META_NEXT_ID_KEY, &next.to_be_bytes())?;
    new.flush()?;
    // The size the garbage of later saves is measured against (see `wants_compaction`).
    let compacted = std::fs::metadata(to.join("db")).map_or(0, |m| m.len());
    meta.insert(META_COMPACTED_KEY, &compacted.to_be_bytes())?;
    new.flush()?;
    Ok(())
}

/// Every entry of `from` into the empty `to`, in key order, in batches.
fn copy_tree(from: &sled::Tree, to: &sled::Tree) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    let mut n = 0;
    for item in from.iter() {
        let (k, v) = item?;
        batch.insert(k, v);
        n += 1;
        if n == CHUNK {
            to.apply_batch(std::mem::take(&mut batch))?;
            n = 0;
        }
    }
    if n > 0 {
        to.apply_batch(batch)?;
    }
    Ok(())
}

/// Whether a `db` file of `now` bytes, `mark` bytes when last compacted, is worth compacting.
fn garbage_heavy(now: u64, mark: u64) -> bool {
    now > mark
        .saturating_add(mark / 2)
        .max(mark.saturating_add(GARBAGE_FLOOR_BYTES))
}

/// Whether the directory at `path` may be replaced by a compact copy: a real directory (not
/// a link) holding sled's files alone, so that nothing else in it is lost.
pub(super) fn may_replace(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.file_type().is_dir() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return false;
    };
    entries.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == "conf" || name == "db" || name == "blobs" || name.starts_with("snap.")
    })
}

impl SledStore {
    /// Whether the officer's saves since the last compaction have left so much garbage in
    /// sled's file that every start pays for it: the `db` file has grown by half past its
    /// compacted size, and by at least [`GARBAGE_FLOOR_BYTES`]. A database never compacted
    /// takes its size now as the mark, so the next growth counts.
    pub fn wants_compaction(&self) -> Result<bool, StoreError> {
        let now = std::fs::metadata(self.path.join("db")).map_or(0, |m| m.len());
        let meta = self.db.open_tree(META)?;
        let Some(mark) = meta.get(META_COMPACTED_KEY)?.and_then(|v| keys::u64_at(&v)) else {
            meta.insert(META_COMPACTED_KEY, &now.to_be_bytes())?;
            self.durable()?;
            return Ok(false);
        };
        Ok(garbage_heavy(now, mark))
    }

    /// Rewrites the database at `path` compactly (see the module doc): the copy is made
    /// beside it (`PATH.compacting`), synced, then renamed into its place; the old files are
    /// removed last. Cut short before the rename, the database is the old one, whole. A
    /// directory that holds anything besides sled's files (or is a link) is left as it is.
    pub fn compact(path: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError> {
        if !may_replace(path) {
            return Ok(());
        }
        let sibling = |suffix: &str| {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        let (fresh, old) = (sibling(".compacting"), sibling(".old"));
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| StoreError::Sync { path: p, source }
        };
        for p in [&fresh, &old] {
            if p.exists() {
                std::fs::remove_dir_all(p).map_err(io(p))?;
            }
        }
        copy(path, &fresh, progress)?;
        // Reopened once, so sled writes its snapshot now rather than at the next start.
        drop(SledStore::open(&fresh)?);
        for entry in std::fs::read_dir(&fresh).map_err(io(&fresh))?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                File::open(entry.path())
                    .and_then(|f| f.sync_all())
                    .map_err(io(&entry.path()))?;
            }
        }
        std::fs::rename(path, &old).map_err(io(path))?;
        std::fs::rename(&fresh, path).map_err(io(path))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        sync_dir(parent).map_err(io(parent))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))
    }
}

#[cfg(test)]
mod tests {
    use super::garbage_heavy;

    const MB: u64 = 1024 * 1024;

    #[test]
    fn a_month_of_saves_on_a_large_history_is_compacted_a_small_database_is_not() {
        // The simulated month on the 1M-consultation history: about 1.3 GB grew to 2.3 GB.
        assert!(garbage_heavy(2250 * MB, 1340 * MB));
        assert!(!garbage_heavy(1800 * MB, 1340 * MB));
        // A small database tripled is still small: its starts do not feel it.
        assert!(!garbage_heavy(60 * MB, 20 * MB));
        assert!(garbage_heavy(160 * MB, 20 * MB));
        assert!(!garbage_heavy(u64::MAX, u64::MAX));
    }
}
