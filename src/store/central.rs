//! What the centre sends a workstation (DESIGN §10): the bank's plans (month × branch ×
//! officer × product → target) and the catalogue the trainers published. The last good copy
//! of each is kept in the `central` tree (schema 5), so the screen works on them offline;
//! a pull that fails leaves the copy as it was.
//!
//! | key | value |
//! |---|---|
//! | `plans` | v1 + postcard [`CentralPlans`]: every row pulled for this workstation's branches |
//! | `published` | v1 + postcard [`PublishedCatalogue`]: the bank's current catalogue, as last pulled and passing this build's checks |
//! | `published_refused` | v1 + postcard [`PublishedCatalogue`]: a later one that did not pass them (not used; home names it) |

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use super::sled_store::SledStore;
use super::trees::{CENTRAL, MONTH_PLANS};
use super::versions::{month_key, MonthPlan, PlanTarget};
use super::StoreError;
use crate::consultation::Month;

/// The key of the pulled plans in the `central` tree.
pub const PLANS_KEY: &[u8] = b"plans";
/// The key of the pulled published catalogue in the `central` tree (the last one that
/// passed this build's checks).
pub const PUBLISHED_KEY: &[u8] = b"published";
/// The key of a later published catalogue this build's checks refused (written for a newer
/// sufler): kept for home to name it, never used.
pub const REFUSED_KEY: &[u8] = b"published_refused";

/// One target set by the centre. An empty `officer` is every officer of the branch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CentralPlanRow {
    pub month: Month,
    pub branch: String,
    pub officer: String,
    pub product: String,
    pub target: u32,
}

/// The plans pulled from the centre, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentralPlans {
    pub pulled_at: NaiveDateTime,
    pub rows: Vec<CentralPlanRow>,
}

impl CentralPlans {
    /// The centre's target of each product for `officer` of `branch` in `month`: the
    /// officer's own row where there is one, else the branch-wide row. Products the centre
    /// sets nothing for are absent (the catalogue's `plan_per_month` applies to them).
    pub fn targets(&self, month: Month, branch: &str, officer: &str) -> BTreeMap<String, u32> {
        targets(&self.rows, month, branch, officer)
    }
}

/// See [`CentralPlans::targets`].
pub fn targets(
    rows: &[CentralPlanRow],
    month: Month,
    branch: &str,
    officer: &str,
) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let ours = |r: &&CentralPlanRow| r.month == month && r.branch == branch.trim();
    for r in rows.iter().filter(ours).filter(|r| r.officer.is_empty()) {
        out.insert(r.product.clone(), r.target);
    }
    for r in rows
        .iter()
        .filter(ours)
        .filter(|r| !r.officer.is_empty() && same_name(&r.officer, officer))
    {
        out.insert(r.product.clone(), r.target);
    }
    out
}

/// Names compared as people write them: case and spacing aside.
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_lowercase).collect() };
    words(a) == words(b)
}

/// A catalogue the trainers published, as pulled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCatalogue {
    /// The server's number of the publication (a later one is higher).
    pub id: i64,
    /// The content hash `sufler check` computed when it was published.
    pub hash: String,
    pub label: Option<String>,
    pub published_at: NaiveDateTime,
    /// Each file's path relative to the catalogue directory, and its text.
    pub files: Vec<(String, String)>,
}

impl PublishedCatalogue {
    /// How messages name it: the label and the first 8 hex digits of the hash.
    pub fn name(&self) -> String {
        let short: String = self.hash.chars().take(8).collect();
        match &self.label {
            Some(l) => format!("{l} ({short})"),
            None => short,
        }
    }
}

impl SledStore {
    /// The branches of the officers this database knows, for the plans to pull.
    pub fn branches(&self) -> Result<Vec<String>, StoreError> {
        let mut out = std::collections::BTreeSet::new();
        for item in self.t.officers.iter() {
            let (k, v) = item?;
            if k.first() == Some(&0) {
                continue; // the workstation's own officer's key, not an officer
            }
            let o: super::Officer = decode(super::trees::OFFICERS, &k, &v)?;
            out.insert(o.branch);
        }
        Ok(out.into_iter().collect())
    }

    fn central_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(CENTRAL)?)
    }

    fn read_central<T: serde::de::DeserializeOwned>(
        &self,
        key: &'static [u8],
    ) -> Result<Option<T>, StoreError> {
        match self.central_tree()?.get(key)? {
            Some(v) => decode(CENTRAL, key, &v).map(Some),
            None => Ok(None),
        }
    }

    /// The plans last pulled from the centre.
    pub fn central_plans(&self) -> Result<Option<CentralPlans>, StoreError> {
        self.read_central(PLANS_KEY)
    }

    /// Keeps `plans` as the last good copy (durable when it returns).
    pub fn keep_central_plans(&self, plans: &CentralPlans) -> Result<(), StoreError> {
        self.central_tree()?.insert(PLANS_KEY, encode(plans)?)?;
        self.durable()
    }

    /// The published catalogue last pulled from the centre.
    pub fn published_catalogue(&self) -> Result<Option<PublishedCatalogue>, StoreError> {
        self.read_central(PUBLISHED_KEY)
    }

    /// Keeps `published` as the last good copy (durable when it returns); a refused one it
    /// supersedes is forgotten.
    pub fn keep_published_catalogue(
        &self,
        published: &PublishedCatalogue,
    ) -> Result<(), StoreError> {
        let tree = self.central_tree()?;
        tree.insert(PUBLISHED_KEY, encode(published)?)?;
        tree.remove(REFUSED_KEY)?;
        self.durable()
    }

    /// The latest published catalogue this build refused, if it is later than the good copy.
    pub fn refused_catalogue(&self) -> Result<Option<PublishedCatalogue>, StoreError> {
        self.read_central(REFUSED_KEY)
    }

    /// Keeps `refused`, a published catalogue that fails this build's checks, for home to
    /// name; the good copy stays in use.
    pub fn keep_refused_catalogue(&self, refused: &PublishedCatalogue) -> Result<(), StoreError> {
        self.central_tree()?.insert(REFUSED_KEY, encode(refused)?)?;
        self.durable()
    }

    /// The stored plan of `month` (DESIGN §5) takes the centre's `targets` where it has one
    /// for a product (a product new to the plan gets its name from `names`, else its id).
    /// Only a month already stored is changed: a month's first consultation stores the plan
    /// of the catalogue in use, which carries the centre's targets already. `true` when the
    /// stored plan changed.
    pub fn take_central_targets(
        &self,
        month: Month,
        targets: &BTreeMap<String, u32>,
        names: &BTreeMap<String, String>,
    ) -> Result<bool, StoreError> {
        let tree = self.db.open_tree(MONTH_PLANS)?;
        let k = month_key(month);
        let Some(old) = tree.get(k)? else {
            return Ok(false);
        };
        let old: MonthPlan = decode(MONTH_PLANS, &k, &old)?;
        let mut plan = old.clone();
        for (product, &target) in targets {
            // 0: off the plan this month, as on home (see `Catalog::with_plan_targets`).
            if target == 0 {
                plan.targets.retain(|t| t.product != *product);
                continue;
            }
            match plan.targets.iter_mut().find(|t| t.product == *product) {
                Some(t) => t.per_month = target,
                None => plan.targets.push(PlanTarget {
                    product: product.clone(),
                    name: names
                        .get(product)
                        .cloned()
                        .unwrap_or_else(|| product.clone()),
                    per_month: target,
                }),
            }
        }
        if plan == old {
            return Ok(false);
        }
        tree.insert(k, encode(&plan)?)?;
        self.durable()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog_copy::tests::at;

    fn row(branch: &str, officer: &str, product: &str, target: u32) -> CentralPlanRow {
        CentralPlanRow {
            month: Month(202612),
            branch: branch.into(),
            officer: officer.into(),
            product: product.into(),
            target,
        }
    }

    #[test]
    fn the_officer_row_wins_over_the_branch_row_for_that_officer_only() {
        let rows = vec![
            row("Центральное", "", "card", 20),
            row("Центральное", "Орлова Анна", "card", 35),
            row("Центральное", "", "deposit", 5),
            row("Северное", "", "card", 99),
        ];
        let orlova = targets(&rows, Month(202612), "Центральное", "Орлова Анна");
        assert_eq!(orlova.get("card"), Some(&35));
        assert_eq!(orlova.get("deposit"), Some(&5));
        let other = targets(&rows, Month(202612), "Центральное", "Петров Иван");
        assert_eq!(other.get("card"), Some(&20));
        assert!(targets(&rows, Month(202701), "Центральное", "Петров Иван").is_empty());
    }

    #[test]
    fn pulled_copies_are_kept_across_opening() {
        let dir = tempfile::tempdir().unwrap();
        let plans = CentralPlans {
            pulled_at: at(9),
            rows: vec![row("Центральное", "", "card", 20)],
        };
        let published = PublishedCatalogue {
            id: 3,
            hash: "ab".repeat(32),
            label: Some("2026-12".into()),
            published_at: at(8),
            files: vec![("products.toml".into(), "x".into())],
        };
        {
            let store = SledStore::open(dir.path()).unwrap();
            assert_eq!(store.central_plans().unwrap(), None);
            store.keep_central_plans(&plans).unwrap();
            store.keep_published_catalogue(&published).unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.central_plans().unwrap(), Some(plans));
        assert_eq!(store.published_catalogue().unwrap(), Some(published));
    }

    #[test]
    fn a_stored_month_plan_takes_the_centres_targets_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let target = |product: &str, per_month| PlanTarget {
            product: product.into(),
            name: product.to_uppercase(),
            per_month,
        };
        let stored = MonthPlan {
            targets: vec![target("npf", 20), target("iis", 15)],
        };
        let month = Month(202612);
        let targets = BTreeMap::from([
            ("npf".to_string(), 40),
            ("iis".to_string(), 0),
            ("deposit".to_string(), 7),
        ]);
        let names = BTreeMap::from([("deposit".to_string(), "Вклад".to_string())]);
        // No month stored: nothing to restate (the first save stores the centre's plan).
        assert!(!store.take_central_targets(month, &targets, &names).unwrap());
        store
            .db
            .open_tree(MONTH_PLANS)
            .unwrap()
            .insert(month_key(month), encode(&stored).unwrap())
            .unwrap();
        assert!(store.take_central_targets(month, &targets, &names).unwrap());
        let plan = crate::store::Store::month_plan(&store, month)
            .unwrap()
            .unwrap();
        let got: Vec<(&str, &str, u32)> = plan
            .targets
            .iter()
            .map(|t| (t.product.as_str(), t.name.as_str(), t.per_month))
            .collect();
        assert_eq!(got, [("npf", "NPF", 40), ("deposit", "Вклад", 7)]);
        assert!(!store.take_central_targets(month, &targets, &names).unwrap());
    }
}
