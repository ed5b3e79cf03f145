//! Noticing that the trainer changed the catalogue files while the officer's screen is open.
//!
//! The screen keeps the catalogue it started with until the files change; then it loads them
//! again and, if they do not check, keeps the last good catalogue and reports how many
//! errors `sufler check` would show. The same watch holds what the screen started on when the
//! files already failed at start (see [`super::keep`]), so home has one notice for both.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::NaiveDateTime;

use super::{load, load::PRODUCTS_FILE, Catalog, CatalogLocation, Source};

/// What a file looked like when last read: enough to notice an edit, an addition or a removal
/// without reading the contents.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: u64,
}

/// The outcome of looking at the files again.
#[derive(Debug)]
pub enum Reload {
    /// Nothing changed since the last look.
    Unchanged,
    /// The files changed and check: use this catalogue from now on; `sources` are its
    /// files, to keep as the last good copy.
    Loaded {
        catalog: Box<Catalog>,
        sources: Vec<Source>,
    },
    /// The files changed and have this many errors: keep the catalogue in use.
    Failed(usize),
}

/// What the screen works on while the files fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The version this screen loaded earlier (not kept in the database: its write failed).
    Previous,
    /// The last good copy kept in the database, first kept at this time.
    LastGood(NaiveDateTime),
    /// The catalogue built into sufler: no good copy was ever kept in this database.
    BuiltIn,
}

/// What home says while the catalogue's files fail: where they are, how many errors
/// `sufler check --catalog DIR` shows, and what is in use instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogNotice {
    pub dir: PathBuf,
    pub errors: usize,
    pub in_use: Fallback,
}

/// Watches one catalogue location by file stamps.
#[derive(Debug)]
pub struct CatalogWatch {
    location: CatalogLocation,
    stamps: Vec<FileStamp>,
    errors: usize,
    /// What is in use when the files fail.
    in_use: Fallback,
}

impl CatalogWatch {
    /// Starts watching from the files as they are now (the catalogue in use was just read
    /// from them).
    pub fn new(location: CatalogLocation) -> CatalogWatch {
        let stamps = stamps(&location);
        CatalogWatch {
            location,
            stamps,
            errors: 0,
            in_use: Fallback::Previous,
        }
    }

    /// Starts watching files that failed with `errors` errors; `in_use` is what the screen
    /// started on instead.
    pub fn failed(location: CatalogLocation, errors: usize, in_use: Fallback) -> CatalogWatch {
        CatalogWatch {
            errors: errors.max(1),
            in_use,
            ..CatalogWatch::new(location)
        }
    }

    /// The location watched.
    pub fn location(&self) -> &CatalogLocation {
        &self.location
    }

    /// The catalogue in use (the files' last clean load) was kept in the database as the
    /// last good copy, first kept at `saved_at`.
    pub fn kept(&mut self, saved_at: NaiveDateTime) {
        self.in_use = Fallback::LastGood(saved_at);
    }

    /// Errors of the files on disk when they last failed to load; 0 once they load again.
    pub fn errors(&self) -> usize {
        self.errors
    }

    /// Home's notice while the files fail; `None` while they check.
    pub fn notice(&self) -> Option<CatalogNotice> {
        match &self.location {
            CatalogLocation::Dir(dir) if self.errors > 0 => Some(CatalogNotice {
                dir: dir.clone(),
                errors: self.errors,
                in_use: self.in_use,
            }),
            _ => None,
        }
    }

    /// Loads the files again if they changed since the last look.
    pub fn reload(&mut self) -> Reload {
        let now = stamps(&self.location);
        if now == self.stamps {
            return Reload::Unchanged;
        }
        self.stamps = now;
        let report = load(&self.location);
        match report.catalog {
            Some(catalog) => {
                self.errors = 0;
                // The screen uses these files now; until they are kept, that is all it knows.
                self.in_use = Fallback::Previous;
                Reload::Loaded {
                    catalog: Box::new(catalog),
                    sources: report.sources,
                }
            }
            None => {
                self.errors = report.errors().max(1);
                Reload::Failed(self.errors)
            }
        }
    }
}

fn stamp(path: &Path) -> FileStamp {
    let meta = std::fs::metadata(path).ok();
    FileStamp {
        path: path.to_path_buf(),
        modified: meta.as_ref().and_then(|m| m.modified().ok()),
        len: meta.map_or(0, |m| m.len()),
    }
}

/// products.toml and every `scripts/*.toml`, in name order. The bundled catalogue never
/// changes, so it has none.
fn stamps(location: &CatalogLocation) -> Vec<FileStamp> {
    let CatalogLocation::Dir(dir) = location else {
        return Vec::new();
    };
    let mut out = vec![stamp(&dir.join(PRODUCTS_FILE))];
    if let Ok(entries) = std::fs::read_dir(dir.join("scripts")) {
        let mut scripts: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        scripts.sort();
        out.extend(scripts.iter().map(|p| stamp(p)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_bundled(dir: &Path) {
        for source in super::super::bundled_sources() {
            let path = dir.join(&source.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(path, source.text).unwrap();
        }
    }

    #[test]
    fn an_unchanged_catalogue_is_not_read_again() {
        let dir = tempfile::tempdir().unwrap();
        copy_bundled(dir.path());
        let mut watch = CatalogWatch::new(CatalogLocation::Dir(dir.path().to_path_buf()));
        assert!(matches!(watch.reload(), Reload::Unchanged));
    }

    #[test]
    fn a_good_edit_is_loaded_and_a_bad_one_keeps_the_old_and_counts_errors() {
        let dir = tempfile::tempdir().unwrap();
        copy_bundled(dir.path());
        let mut watch = CatalogWatch::new(CatalogLocation::Dir(dir.path().to_path_buf()));
        let products = dir.path().join(PRODUCTS_FILE);
        let text = std::fs::read_to_string(&products).unwrap();

        let renamed = text.replacen("Вклад «Доходный»", "Вклад «Доходный плюс»", 1);
        assert_ne!(renamed, text, "the bundled deposit name moved");
        std::fs::write(&products, &renamed).unwrap();
        match watch.reload() {
            Reload::Loaded { catalog, sources } => {
                assert_eq!(
                    catalog.product("deposit").unwrap().name,
                    "Вклад «Доходный плюс»"
                );
                assert!(sources.iter().any(|s| s.text == renamed));
            }
            other => panic!("expected the edited catalogue, got {other:?}"),
        }
        assert_eq!(watch.errors(), 0);

        std::fs::write(
            &products,
            format!("{renamed}\n[[product]]\nid = \"Bad Id\"\n"),
        )
        .unwrap();
        assert!(matches!(watch.reload(), Reload::Failed(n) if n >= 1));
        assert!(watch.errors() >= 1);
        // Looking again without a change neither reloads nor forgets the errors.
        assert!(matches!(watch.reload(), Reload::Unchanged));
        assert!(watch.errors() >= 1);

        std::fs::write(&products, &text).unwrap();
        assert!(matches!(watch.reload(), Reload::Loaded { .. }));
        assert_eq!(watch.errors(), 0);
    }

    #[test]
    fn a_new_script_file_counts_as_a_change() {
        let dir = tempfile::tempdir().unwrap();
        copy_bundled(dir.path());
        let mut watch = CatalogWatch::new(CatalogLocation::Dir(dir.path().to_path_buf()));
        std::fs::write(dir.path().join("scripts/broken.toml"), "main = \n").unwrap();
        assert!(matches!(watch.reload(), Reload::Failed(_)));
    }

    #[test]
    fn the_bundled_catalogue_never_changes() {
        let mut watch = CatalogWatch::new(CatalogLocation::Bundled);
        assert!(matches!(watch.reload(), Reload::Unchanged));
    }
}
