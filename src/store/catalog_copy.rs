//! The last catalogue that passed `sufler check` on this workstation, kept in the database so
//! that a trainer's typo in the files does not stop the officer's screen (DESIGN §4, «The
//! catalogue at start»). One key in the `catalog` tree; a database made before the tree
//! existed simply has no copy yet.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use super::sled_store::SledStore;
use super::trees::CATALOG;
use super::StoreError;

/// The key of the copy in the `catalog` tree.
pub const LAST_GOOD_KEY: &[u8] = b"last_good";

/// A catalogue's files as they were when they last passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCopy {
    /// When these files were first kept (a later clean load of the same files keeps the date).
    pub saved_at: NaiveDateTime,
    /// The directory they were read from.
    pub dir: String,
    /// Each file's path relative to the catalogue directory (`products.toml`,
    /// `scripts/deposit.toml`…) and its text.
    pub files: Vec<(String, String)>,
}

impl SledStore {
    pub(super) fn read_catalog_copy(&self) -> Result<Option<CatalogCopy>, StoreError> {
        match self.t.catalog.get(LAST_GOOD_KEY)? {
            Some(v) => decode(CATALOG, LAST_GOOD_KEY, &v).map(Some),
            None => Ok(None),
        }
    }

    pub(super) fn write_catalog_copy(
        &self,
        dir: &str,
        files: Vec<(String, String)>,
        at: NaiveDateTime,
    ) -> Result<CatalogCopy, StoreError> {
        // An unreadable old copy is replaced, not a reason to refuse the good one.
        if let Ok(Some(old)) = self.read_catalog_copy() {
            if old.dir == dir && old.files == files {
                return Ok(old);
            }
        }
        let copy = CatalogCopy {
            saved_at: at,
            dir: dir.to_string(),
            files,
        };
        self.t.catalog.insert(LAST_GOOD_KEY, encode(&copy)?)?;
        self.durable()?;
        Ok(copy)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::store::Store;

    /// 1 December 2026 at `h`:03, the time of the tests of the kept copy.
    pub(in crate::store) fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(h, 3, 0))
            .expect("a valid time")
    }

    fn files(text: &str) -> Vec<(String, String)> {
        vec![
            ("products.toml".into(), text.into()),
            ("scripts/deposit.toml".into(), "main = \"deposit\"\n".into()),
        ]
    }

    #[test]
    fn the_last_good_copy_is_saved_loaded_and_kept_across_opening() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        {
            let store = SledStore::open(&db).unwrap();
            assert_eq!(store.last_good_catalog().unwrap(), None);
            let kept = store
                .keep_good_catalog("/srv/cat", files("a"), at(9))
                .unwrap();
            assert_eq!(kept.saved_at, at(9));
            assert_eq!(store.last_good_catalog().unwrap(), Some(kept));
        }
        let store = SledStore::open(&db).unwrap();
        let copy = store.last_good_catalog().unwrap().unwrap();
        assert_eq!(
            copy,
            CatalogCopy {
                saved_at: at(9),
                dir: "/srv/cat".into(),
                files: files("a"),
            }
        );
        // The same files again keep their date; changed files replace the copy.
        let same = store
            .keep_good_catalog("/srv/cat", files("a"), at(11))
            .unwrap();
        assert_eq!(same.saved_at, at(9));
        let changed = store
            .keep_good_catalog("/srv/cat", files("b"), at(12))
            .unwrap();
        assert_eq!(changed.saved_at, at(12));
        assert_eq!(store.last_good_catalog().unwrap(), Some(changed));
    }

    #[test]
    fn an_unreadable_copy_is_a_corrupt_error_and_a_good_one_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store
            .t
            .catalog
            .insert(LAST_GOOD_KEY, &[9u8, 1, 2][..])
            .unwrap();
        assert!(matches!(
            store.last_good_catalog(),
            Err(StoreError::Corrupt { tree: CATALOG, .. })
        ));
        let kept = store.keep_good_catalog("/c", files("a"), at(9)).unwrap();
        assert_eq!(store.last_good_catalog().unwrap(), Some(kept));
    }

    #[test]
    fn a_database_of_the_first_release_opens_with_no_copy_yet() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-db");
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&fixture).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
            }
        }
        let store = SledStore::open_existing(dir.path()).unwrap();
        assert_eq!(store.last_good_catalog().unwrap(), None);
        store.keep_good_catalog("/c", files("a"), at(9)).unwrap();
        assert!(store.verify().unwrap().is_ok());
    }
}
