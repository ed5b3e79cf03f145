//! The past as it was, in a dump: one `{"catalog_version":{…}}` line per version kept
//! (`catalog_versions`) and one `{"month_plan":{…}}` line per month with a stored plan
//! (`month_plans`), right after the header and before the officers, in key order. They are
//! not among the header's counts (the trailer's checksum covers them); a dump without them
//! (written before they existed) restores with neither.

use serde::{Deserialize, Serialize};

use super::super::codec::{decode, encode};
use super::super::sled_store::SledStore;
use super::super::trees::{CATALOG_VERSIONS, MONTH_PLANS};
use super::super::versions::{month_key, MonthPlan};
use super::super::StoreError;
use super::RecordRef;
use crate::catalog::VersionTexts;
use crate::consultation::Month;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VersionLine {
    hash: String,
    texts: VersionTexts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlanLine {
    /// `YYYYMM`.
    month: u32,
    plan: MonthPlan,
}

/// A line of either kind, read.
#[derive(Debug)]
pub(super) enum Past {
    Version(VersionLine),
    Plan(PlanLine),
}

impl Past {
    /// Its key, for the order check: versions (by hash), then months.
    pub(super) fn key(&self) -> (u8, Vec<u8>) {
        match self {
            Past::Version(v) => (0, v.hash.as_bytes().to_vec()),
            Past::Plan(p) => (1, month_key(Month(p.month)).to_vec()),
        }
    }

    /// Into the fresh database being restored.
    pub(super) fn store(&self, store: &SledStore) -> Result<(), StoreError> {
        match self {
            Past::Version(v) => {
                store
                    .t
                    .catalog_versions
                    .insert(v.hash.as_bytes(), encode(&v.texts)?)?;
            }
            Past::Plan(p) => {
                store
                    .t
                    .month_plans
                    .insert(month_key(Month(p.month)), encode(&p.plan)?)?;
            }
        }
        Ok(())
    }
}

/// Calls `each` with every line of the two trees, in dump order.
pub(super) fn each_line(
    store: &SledStore,
    mut each: impl FnMut(&RecordRef<'_>) -> std::io::Result<()>,
) -> Result<Result<(), std::io::Error>, StoreError> {
    for item in store.t.catalog_versions.iter() {
        let (k, v) = item?;
        let line = VersionLine {
            hash: String::from_utf8_lossy(&k).into_owned(),
            texts: decode(CATALOG_VERSIONS, &k, &v)?,
        };
        if let Err(e) = each(&RecordRef::CatalogVersion(&line)) {
            return Ok(Err(e));
        }
    }
    for item in store.t.month_plans.iter() {
        let (k, v) = item?;
        let month = <[u8; 4]>::try_from(k.as_ref())
            .map(u32::from_be_bytes)
            .map_err(|_| StoreError::Corrupt {
                tree: MONTH_PLANS,
                key: super::super::keys::hex(&k),
                reason: "not a 4-byte month".into(),
            })?;
        let line = PlanLine {
            month,
            plan: decode(MONTH_PLANS, &k, &v)?,
        };
        if let Err(e) = each(&RecordRef::MonthPlan(&line)) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}
