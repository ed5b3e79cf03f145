//! Getting sled's files to the disk.
//!
//! sled 0.34.7 keeps everything in one directory:
//!
//! - `db`: the log-structured data file holding every tree. sled writes it with `pwrite` and
//!   its `flush` ends in `sync_file_range(WAIT_BEFORE | WRITE | WAIT_AFTER)`, which starts and
//!   waits for the page write-out but neither flushes the drive's volatile cache nor commits
//!   the file's metadata (its size, when the log grew): a power loss can take it back. We call
//!   `fdatasync` on it after every flush — the step that makes an action durable.
//! - `blobs/<lsn>`: a value or node image larger than a quarter segment (128 KiB) goes to its
//!   own file, written with `write_all` and never synced by sled. We sync every blob file
//!   not seen before, and the `blobs` directory when its listing changed.
//! - `conf`: the storage parameters, written once at creation without a sync.
//! - `snap.<lsn>`: snapshots, synced by sled but then renamed without a directory sync.
//!
//! So each durable write also lists the two directories (a few microseconds) and, only when
//! a file appeared, syncs that file and its directory.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

pub struct Syncer {
    dir: PathBuf,
    data: File,
    dir_names: BTreeSet<OsString>,
    blob_names: BTreeSet<OsString>,
}

fn names(dir: &Path) -> io::Result<BTreeSet<OsString>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.map(|e| e.file_name())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(e),
    }
}

/// `fdatasync` of a file, ignoring one that was removed meanwhile (sled deletes old
/// snapshots and garbage-collected blobs on its own threads).
fn sync_file(path: &Path) -> io::Result<()> {
    match File::open(path) {
        Ok(f) => f.sync_data(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// `fsync` of a directory: makes the creation, rename and removal of its entries durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Syncer {
    /// Opens sled's data file for syncing. Nothing is synced yet: the first [`Syncer::sync`]
    /// syncs the data file, every file and both directories (none has been seen), so the
    /// first action saved is as durable as ever, and a start that saves nothing (the screen
    /// up to its first frame, `sufler stats`) does not wait for the disk — on a busy disk
    /// that wait was up to a quarter of a second of the first frame.
    pub fn new(dir: &Path) -> io::Result<Syncer> {
        // A second descriptor on `db` does not disturb sled's lock: `flock` locks belong to
        // the open file description sled holds, and closing ours never releases them.
        let data = File::open(dir.join("db"))?;
        Ok(Syncer {
            dir: dir.to_path_buf(),
            data,
            dir_names: BTreeSet::new(),
            blob_names: BTreeSet::new(),
        })
    }

    /// To be called right after `Db::flush`.
    pub fn sync(&mut self) -> io::Result<()> {
        self.data.sync_data()?;

        let blobs_dir = self.dir.join("blobs");
        let blobs = names(&blobs_dir)?;
        if blobs != self.blob_names {
            for name in blobs.difference(&self.blob_names) {
                sync_file(&blobs_dir.join(name))?;
            }
            if blobs_dir.exists() {
                sync_dir(&blobs_dir)?;
            }
            self.blob_names = blobs;
        }

        let here = names(&self.dir)?;
        if here != self.dir_names {
            for name in here.difference(&self.dir_names) {
                if name != "db" && name != "blobs" {
                    sync_file(&self.dir.join(name))?;
                }
            }
            sync_dir(&self.dir)?;
            self.dir_names = here;
        }
        Ok(())
    }
}
