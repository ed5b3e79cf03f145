//! sled opened directly, behind the store's back, to read what a release stored or to damage
//! it. sled's I/O threads hold the file lock a moment after the last handle is dropped, so
//! every use waits until the lock is free: the store opened next would otherwise find the
//! database in use (a loaded CI machine showed it).

use std::path::Path;
use std::time::{Duration, Instant};

/// Runs `f` on the raw sled database at `dir`, flushes, closes it and waits for the lock.
pub fn with_raw_sled<T>(dir: &Path, f: impl FnOnce(&sled::Db) -> T) -> T {
    let out = {
        let db = sled::open(dir).expect("raw sled");
        let out = f(&db);
        db.flush().expect("flush");
        out
    };
    wait_unlocked(dir);
    out
}

/// Waits until no one holds the lock on the database at `dir`.
pub fn wait_unlocked(dir: &Path) {
    // Returns as soon as the lock is free; the deadline only bounds a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    let file = std::fs::File::open(dir.join("db")).expect("db file");
    while let Err(std::fs::TryLockError::WouldBlock) = file.try_lock() {
        assert!(
            Instant::now() < deadline,
            "sled keeps its lock on {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
