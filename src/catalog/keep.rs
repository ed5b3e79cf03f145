//! The catalogue at the officer's screen's start (DESIGN §4, «The catalogue at start»): the
//! files when they pass the checks, kept in the database as the last good copy; else that
//! copy; else, when no good copy was ever kept in this database, the one built into sufler.
//! Home says which while the files fail ([`super::CatalogNotice`]).
//!
//! Only the officer's screen keeps copies. `sufler check` is the trainer's tool, run where
//! the trainer edits, often with no officer's database around, and while the officer's
//! screen holds the database (sled takes an exclusive lock): it must not open one. Only a
//! directory is kept, never the built-in catalogue: a start away from the trainer's files
//! (the built-in one is always at hand anyway) must not replace the trainer's last good
//! copy.

use std::path::Path;

use chrono::NaiveDateTime;

use super::{load, load_sources, Catalog, CatalogLocation, CatalogWatch, Fallback, Source};
use crate::store::Store;

/// The catalogue to start the screen on, and the watch that goes on looking at its files.
/// `Err` only if the built-in catalogue itself failed to load, which its tests rule out.
pub fn at_start(
    store: &dyn Store,
    location: CatalogLocation,
    now: NaiveDateTime,
) -> Result<(Catalog, CatalogWatch), String> {
    let report = load(&location);
    let errors = report.errors();
    let CatalogLocation::Dir(dir) = &location else {
        return match report.catalog {
            Some(catalog) => Ok((catalog, CatalogWatch::new(location))),
            None => Err(format!(
                "the catalogue built into sufler has {errors} error(s): this build is broken"
            )),
        };
    };
    if let Some(catalog) = report.catalog {
        let kept = keep(store, dir, &report.sources, now);
        let mut watch = CatalogWatch::new(location);
        if let Some(saved_at) = kept {
            watch.kept(saved_at);
        }
        return Ok((catalog, watch));
    }
    if let Some((catalog, saved_at)) = last_good(store) {
        return Ok((
            catalog,
            CatalogWatch::failed(location, errors, Fallback::LastGood(saved_at)),
        ));
    }
    match load(&CatalogLocation::Bundled).catalog {
        Some(catalog) => Ok((
            catalog,
            CatalogWatch::failed(location, errors, Fallback::BuiltIn),
        )),
        None => Err("the catalogue built into sufler does not load: this build is broken".into()),
    }
}

/// Keeps `sources`, read from `dir` and just checked clean, as the last good copy; when it
/// was first kept, or `None` if the database would not take it (the screen goes on: the
/// catalogue is in memory, and the next clean load tries again).
pub fn keep(
    store: &dyn Store,
    dir: &Path,
    sources: &[Source],
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let files = sources
        .iter()
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    store
        .keep_good_catalog(&dir.display().to_string(), files, now)
        .ok()
        .map(|copy| copy.saved_at)
}

/// The last good copy, loaded, with when it was kept. A copy that cannot be read, or that no
/// longer passes this build's checks, is as good as none: the built-in catalogue follows.
fn last_good(store: &dyn Store) -> Option<(Catalog, NaiveDateTime)> {
    let copy = store.last_good_catalog().ok()??;
    let sources = copy
        .files
        .into_iter()
        .map(|(path, text)| Source { path, text })
        .collect();
    let catalog = load_sources(sources).catalog?;
    Some((catalog, copy.saved_at))
}
