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
