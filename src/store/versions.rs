//! Catalogue versions and plans as they were (DESIGN §5).
//!
//! - `catalog_versions`: content hash → [`VersionTexts`] (label, first use, the phrase variants
//!   of every script moment), written once per version, in the transaction that saves the
//!   first consultation recorded with that hash.
//! - `month_plans`: month (`YYYYMM`, big-endian u32) → the plan targets in force
//!   ([`MonthPlan`]), written in the transaction that saves the month's first consultation.
//!
//! The texts and the plan come from the catalogue the caller declared with
//! [`crate::store::Store::use_catalog`]; a consultation whose version was never declared (a
//! catalogue built in code, a restore) leaves the tree as it is, and `verify` says so.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use sled::Tree;

use super::codec::{decode, encode};
use super::trees::{CATALOG_VERSIONS, MONTH_PLANS};
use super::StoreError;
use crate::catalog::{Catalog, PhraseSet, VersionTexts};
use crate::consultation::{Consultation, Month};

use super::sled_store::TxError;

/// One plan product's monthly target, with the product's name at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTarget {
    pub product: String,
    pub name: String,
    pub per_month: u32,
}

/// The plan targets in force in a month, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthPlan {
    pub targets: Vec<PlanTarget>,
}

impl MonthPlan {
    pub fn of(catalog: &Catalog) -> MonthPlan {
        MonthPlan {
            targets: catalog
                .plan_products()
                .map(|p| PlanTarget {
                    product: p.id.clone(),
                    name: p.name.clone(),
                    per_month: p.plan_per_month.unwrap_or(0),
                })
                .collect(),
        }
    }
}

pub fn month_key(m: Month) -> [u8; 4] {
    m.0.to_be_bytes()
}

/// The catalogues declared to this process, by hash, and the plan of the latest one.
#[derive(Default)]
pub(super) struct Declared {
    texts: BTreeMap<String, (Option<String>, Vec<PhraseSet>)>,
    plan: Option<MonthPlan>,
}

impl Declared {
    pub(super) fn declare(lock: &Mutex<Declared>, catalog: &Catalog) {
        let mut d = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = catalog.version_id() {
            d.texts
                .entry(v.hash)
                .or_insert_with(|| (v.label, catalog.phrase_sets()));
        }
        d.plan = Some(MonthPlan::of(catalog));
    }
}

/// What a save adds to the two trees, encoded before the transaction.
#[derive(Default)]
pub(super) struct Pending {
    versions: Vec<(Vec<u8>, Vec<u8>)>,
    plans: Vec<([u8; 4], Vec<u8>)>,
}

impl Pending {
    /// The versions and months of `cs` not stored yet (read outside the transaction; the
    /// transaction checks again, so a concurrent first write is never overwritten).
    pub(super) fn of(
        lock: &Mutex<Declared>,
        versions: &Tree,
        plans: &Tree,
        cs: &[Consultation],
    ) -> Result<Pending, StoreError> {
        let d = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut first: BTreeMap<&str, NaiveDateTime> = BTreeMap::new();
        let mut months: BTreeSet<Month> = BTreeSet::new();
        for c in cs {
            if let Some(v) = &c.catalog {
                let at = first.entry(v.hash.as_str()).or_insert(c.started_at);
                *at = (*at).min(c.started_at);
            }
            months.insert(Month::of(c.started_at.date()));
        }
        let mut out = Pending::default();
        for (hash, at) in first {
            let Some((label, phrases)) = d.texts.get(hash) else {
                continue;
            };
            if versions.contains_key(hash.as_bytes())? {
                continue;
            }
            let texts = VersionTexts {
                label: label.clone(),
                first_used: at,
                phrases: phrases.clone(),
            };
            out.versions
                .push((hash.as_bytes().to_vec(), encode(&texts)?));
        }
        if let Some(plan) = &d.plan {
            let mut value: Option<Vec<u8>> = None;
            for m in months {
                let k = month_key(m);
                if !plans.contains_key(k)? {
                    if value.is_none() {
                        value = Some(encode(plan)?);
                    }
                    out.plans.push((k, value.clone().unwrap_or_default()));
                }
            }
        }
        Ok(out)
    }

    pub(super) fn write(
        &self,
        versions: &TransactionalTree,
        plans: &TransactionalTree,
    ) -> Result<(), TxError> {
        for (k, v) in &self.versions {
            if versions.get(k)?.is_none() {
                versions.insert(k.as_slice(), v.as_slice())?;
            }
        }
        for (k, v) in &self.plans {
            if plans.get(k)?.is_none() {
                plans.insert(&k[..], v.as_slice())?;
            }
        }
        Ok(())
    }
}

pub(super) fn read_texts(tree: &Tree, hash: &str) -> Result<Option<VersionTexts>, StoreError> {
    tree.get(hash.as_bytes())?
        .map(|v| decode(CATALOG_VERSIONS, hash.as_bytes(), &v))
        .transpose()
}

pub(super) fn read_plan(tree: &Tree, month: Month) -> Result<Option<MonthPlan>, StoreError> {
    let k = month_key(month);
    tree.get(k)?
        .map(|v| decode(MONTH_PLANS, &k, &v))
        .transpose()
}
