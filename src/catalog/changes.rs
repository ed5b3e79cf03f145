//! Being told by the operating system that the trainer saved a catalogue file (`notify`),
//! for `sufler check --watch` and for `sufler preview`, which show the files as they are
//! saved instead of looking at them on a timer.
//!
//! Only products.toml and `scripts/*.toml` count, new and deleted ones too: an editor's temp
//! and swap files (`.products.toml.swp`, `4913`, `products.toml~`) do not. One save is often
//! a burst (write a temp file, rename it over the old one, touch the directory): the events
//! are debounced, so a burst is one change. Reading a file is no change: the system also
//! reports every open and read-only close (inotify's `IN_OPEN`), and the check that follows a
//! change reads every file, so these are dropped before the debouncer sees them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventHandler, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use notify_debouncer_mini::{new_debouncer_opt, Config, DebounceEventResult, Debouncer};

use super::load::PRODUCTS_FILE;

/// How long the events of one save are gathered before they count as one change.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

const SCRIPTS_DIR: &str = "scripts";

/// The system's watcher, less the events of a file being opened or read: only what may
/// change a file (written, closed after writing, created, removed, renamed) goes on.
struct SavesOnly(RecommendedWatcher);

fn is_a_read(event: &notify::Result<Event>) -> bool {
    match event {
        Ok(e) => match e.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
            EventKind::Access(_) => true,
            _ => false,
        },
        Err(_) => false,
    }
}

impl Watcher for SavesOnly {
    fn new<F: EventHandler>(mut handler: F, config: notify::Config) -> notify::Result<Self> {
        let forward = move |event: notify::Result<Event>| {
            if !is_a_read(&event) {
                handler.handle_event(event);
            }
        };
        RecommendedWatcher::new(forward, config).map(SavesOnly)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn kind() -> notify::WatcherKind {
        RecommendedWatcher::kind()
    }
}

/// The change notifications of one catalogue directory.
pub struct Changes {
    debouncer: Debouncer<SavesOnly>,
    events: Receiver<DebounceEventResult>,
    dir: PathBuf,
    /// Whether `scripts/` is watched (it may be created or removed meanwhile).
    scripts_watched: bool,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes").field("dir", &self.dir).finish()
    }
}

impl Changes {
    /// Starts watching `dir` and its `scripts/`; an error says why the system would not.
    pub fn watch(dir: &Path) -> Result<Changes, String> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let (tx, events) = channel();
        let config = Config::default().with_timeout(DEBOUNCE);
        let mut debouncer = new_debouncer_opt::<_, SavesOnly>(config, tx)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
        debouncer
            .watcher()
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
        let mut changes = Changes {
            debouncer,
            events,
            dir,
            scripts_watched: false,
        };
        changes.watch_scripts();
        Ok(changes)
    }

    /// The directory watched, made absolute.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Watches `scripts/` when it is there and not watched yet (created since the start).
    fn watch_scripts(&mut self) {
        let scripts = self.dir.join(SCRIPTS_DIR);
        if !scripts.is_dir() {
            // Removed: the system dropped its watch with it.
            self.scripts_watched = false;
            return;
        }
        if !self.scripts_watched {
            self.scripts_watched = self
                .debouncer
                .watcher()
                .watch(&scripts, RecursiveMode::NonRecursive)
                .is_ok();
        }
    }

    /// Whether `path` is one of the catalogue's files (or `scripts/` itself).
    fn counts(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.dir) else {
            return false;
        };
        let parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
        match parts.as_slice() {
            [name] => *name == PRODUCTS_FILE || *name == SCRIPTS_DIR,
            [scripts, name] => {
                *scripts == SCRIPTS_DIR
                    && Path::new(name).extension().is_some_and(|x| x == "toml")
                    && !name.to_string_lossy().starts_with('.')
            }
            _ => false,
        }
    }

    /// Waits at most `timeout` for a change of a catalogue file; `true` when one came (every
    /// event waiting is taken with it).
    pub fn wait(&mut self, timeout: Duration) -> bool {
        let first = match self.events.recv_timeout(timeout) {
            Ok(batch) => batch,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
        };
        let mut changed = self.take(first);
        while let Ok(batch) = self.events.try_recv() {
            changed |= self.take(batch);
        }
        changed
    }

    /// Whether a change came since the last look, without waiting.
    pub fn changed(&mut self) -> bool {
        self.wait(Duration::ZERO)
    }

    fn take(&mut self, batch: DebounceEventResult) -> bool {
        let changed = match batch {
            Ok(events) => events.iter().any(|e| self.counts(&e.path)),
            // The system lost events (its queue overflowed): look at the files again.
            Err(_) => true,
        };
        if changed {
            self.watch_scripts();
        }
        changed
    }
}

/// Runs `check` now and again after every change of the catalogue files in `dir`, until
/// SIGINT (Ctrl-C) or SIGTERM; `Ok` then.
pub fn until_stopped(dir: &Path, mut check: impl FnMut()) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    // Watching starts before the first check, so that no save is missed between the two.
    let mut changes = Changes::watch(dir)?;
    check();
    const POLL: Duration = Duration::from_millis(100);
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if changes.wait(POLL) {
            check();
            last = Instant::now();
        } else if last.elapsed() > Duration::from_secs(1) {
            // The directory may have been removed and made again (a `git checkout`): its
            // new `scripts/` is watched when it appears.
            changes.watch_scripts();
            last = Instant::now();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_change(changes: &mut Changes) -> bool {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if changes.wait(Duration::from_millis(100)) {
                return true;
            }
        }
        false
    }

    #[test]
    fn catalogue_files_count_and_editor_litter_does_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scripts")).unwrap();
        std::fs::write(dir.path().join(PRODUCTS_FILE), "").unwrap();
        let mut changes = Changes::watch(dir.path()).unwrap();
        let d = changes.dir().to_path_buf();
        assert!(changes.counts(&d.join("products.toml")));
        assert!(changes.counts(&d.join("scripts")));
        assert!(changes.counts(&d.join("scripts/deposit.toml")));
        assert!(!changes.counts(&d.join(".products.toml.swp")));
        assert!(!changes.counts(&d.join("4913")));
        assert!(!changes.counts(&d.join("scripts/.deposit.toml.swp")));
        assert!(!changes.counts(&d.join("scripts/deposit.toml~")));
        assert!(!changes.counts(&d.join("scripts/old/deposit.toml")));
        assert!(!changes.counts(Path::new("/elsewhere/products.toml")));

        // Litter alone is no change; a new script is one.
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(!changes.wait(DEBOUNCE * 4));
        std::fs::write(dir.path().join("scripts/new.toml"), "main = 1").unwrap();
        assert!(wait_change(&mut changes));
        // A deleted one too.
        std::fs::remove_file(dir.path().join("scripts/new.toml")).unwrap();
        assert!(wait_change(&mut changes));
    }

    #[test]
    fn reading_the_files_is_no_change_and_a_save_after_it_is_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scripts")).unwrap();
        let products = dir.path().join(PRODUCTS_FILE);
        let script = dir.path().join("scripts/deposit.toml");
        std::fs::write(&products, "").unwrap();
        std::fs::write(&script, "").unwrap();
        let mut changes = Changes::watch(dir.path()).unwrap();
        // What a check does after every change: read every file. Were that a change,
        // `check --watch` would check again and again with nothing saved.
        for _ in 0..3 {
            std::fs::read_to_string(&products).unwrap();
            std::fs::read_to_string(&script).unwrap();
            std::fs::read_dir(dir.path().join("scripts"))
                .unwrap()
                .count();
        }
        assert!(!changes.wait(DEBOUNCE * 4));
        std::fs::write(&script, "main = 1").unwrap();
        assert!(wait_change(&mut changes));
    }

    #[test]
    fn a_scripts_directory_made_later_is_watched() {
        let dir = tempfile::tempdir().unwrap();
        let mut changes = Changes::watch(dir.path()).unwrap();
        std::fs::create_dir(dir.path().join("scripts")).unwrap();
        assert!(wait_change(&mut changes));
        std::fs::write(dir.path().join("scripts/deposit.toml"), "").unwrap();
        assert!(wait_change(&mut changes));
    }
}
