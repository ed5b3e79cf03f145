//! The catalogue at the officer's screen's start (DESIGN §4, «The catalogue at start»): the
//! files when they pass the checks, kept in the database as the last good copy; else that
//! copy; else, when no good copy was ever kept in this database, the one built into sufler.
//! Home says which while the files fail ([`crate::catalog::CatalogNotice`]). Here, in the
//! store, because it joins the two: `catalog` reads and checks the files and never touches
//! the database; the copy itself is [`super::catalog_copy`].
//!
//! Only the officer's screen keeps copies. `sufler check` is the trainer's tool, run where
//! the trainer edits, often with no officer's database around, and while the officer's
//! screen holds the database (sled takes an exclusive lock): it must not open one. Only a
//! directory is kept, never the built-in catalogue: a start away from the trainer's files
//! (the built-in one is always at hand anyway) must not replace the trainer's last good
//! copy.

use std::path::Path;

use chrono::NaiveDateTime;

use super::Store;
#[cfg(test)]
use crate::catalog::Reload;
use crate::catalog::{
    load, load_sources, Catalog, CatalogLocation, CatalogWatch, Fallback, Source,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog_copy::tests::at;
    use crate::store::SledStore;

    /// The bundled catalogue written out, with the deposit renamed so that it can be told
    /// from the built-in one.
    fn write_catalogue(dir: &Path) {
        for source in crate::catalog::bundled_sources() {
            let path = dir.join(&source.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = source
                .text
                .replace("Вклад «Доходный»", "Вклад «Доходный плюс»");
            std::fs::write(path, text).unwrap();
        }
    }

    fn break_catalogue(dir: &Path) {
        let path = dir.join("products.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{text}\n[[product]]\nid = \"Bad Id\"\n")).unwrap();
    }

    /// The trainer's files, broken, in `tmp/cat`, and a database in `tmp/db` with no copy.
    fn broken_files(tmp: &Path) -> (std::path::PathBuf, SledStore) {
        let cat = tmp.join("cat");
        write_catalogue(&cat);
        break_catalogue(&cat);
        (cat, SledStore::open(&tmp.join("db")).unwrap())
    }

    fn deposit(c: &Catalog) -> &str {
        &c.product("deposit").unwrap().name
    }

    #[test]
    fn good_files_are_kept_and_broken_ones_start_on_the_kept_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let (cat, db) = (tmp.path().join("cat"), tmp.path().join("db"));
        write_catalogue(&cat);
        let store = SledStore::open(&db).unwrap();
        let location = CatalogLocation::Dir(cat.clone());

        let (catalog, watch) = at_start(&store, location.clone(), at(9)).unwrap();
        assert_eq!(deposit(&catalog), "Вклад «Доходный плюс»");
        assert_eq!(watch.notice(), None);
        assert_eq!(store.last_good_catalog().unwrap().unwrap().saved_at, at(9));

        break_catalogue(&cat);
        let (catalog, watch) = at_start(&store, location, at(10)).unwrap();
        assert_eq!(deposit(&catalog), "Вклад «Доходный плюс»");
        let notice = watch.notice().unwrap();
        assert_eq!(notice.dir, cat);
        assert_eq!(notice.in_use, Fallback::LastGood(at(9)));
        assert!(notice.errors >= 1);
    }

    #[test]
    fn with_no_copy_ever_kept_the_built_in_catalogue_is_used() {
        let tmp = tempfile::tempdir().unwrap();
        let (cat, store) = broken_files(tmp.path());
        let (catalog, watch) = at_start(&store, CatalogLocation::Dir(cat), at(9)).unwrap();
        assert_eq!(deposit(&catalog), "Вклад «Доходный»");
        assert_eq!(watch.notice().unwrap().in_use, Fallback::BuiltIn);
        assert_eq!(store.last_good_catalog().unwrap(), None);
    }

    #[test]
    fn a_kept_copy_this_build_no_longer_accepts_gives_way_to_the_built_in_one() {
        let tmp = tempfile::tempdir().unwrap();
        let (cat, store) = broken_files(tmp.path());
        store
            .keep_good_catalog("/old", vec![("products.toml".into(), "x = ".into())], at(8))
            .unwrap();
        let (_, watch) = at_start(&store, CatalogLocation::Dir(cat), at(9)).unwrap();
        assert_eq!(watch.notice().unwrap().in_use, Fallback::BuiltIn);
    }

    #[test]
    fn the_built_in_catalogue_is_never_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SledStore::open(tmp.path()).unwrap();
        let (_, watch) = at_start(&store, CatalogLocation::Bundled, at(9)).unwrap();
        assert_eq!(watch.notice(), None);
        assert_eq!(store.last_good_catalog().unwrap(), None);
    }

    #[test]
    fn files_fixed_while_running_replace_the_copy_and_broken_again_name_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (cat, store) = broken_files(tmp.path());
        let (_, mut watch) = at_start(&store, CatalogLocation::Dir(cat.clone()), at(9)).unwrap();
        assert_eq!(watch.notice().unwrap().in_use, Fallback::BuiltIn);

        write_catalogue(&cat);
        let Reload::Loaded { sources, .. } = watch.reload() else {
            panic!("the fixed files load");
        };
        assert_eq!(watch.notice(), None);
        let saved_at = keep(&store, &cat, &sources, at(11)).unwrap();
        watch.kept(saved_at);

        break_catalogue(&cat);
        assert!(matches!(watch.reload(), Reload::Failed(_)));
        assert_eq!(watch.notice().unwrap().in_use, Fallback::LastGood(at(11)));
    }
}
