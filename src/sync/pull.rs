//! What a workstation pulls from the centre (DESIGN §10) at the screen's start and at every
//! sync: the plans of its branches and the bank's current catalogue, each kept in the
//! database as the last good copy ([`crate::store::central`]). A pull that fails changes
//! nothing kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;

use super::{Server, SyncError};
use crate::consultation::Month;
use crate::store::{CentralPlans, PublishedCatalogue, SledStore, Store};

/// What a pull received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The plan rows of this workstation's branches.
    pub plan_rows: usize,
    /// They differ from the copy kept before.
    pub plans_changed: bool,
    /// The months whose stored plan now carries the centre's targets.
    pub restated: Vec<Month>,
    /// The bank's current catalogue, if any was published.
    pub catalogue: Option<PublishedCatalogue>,
    /// It is not the one kept before.
    pub catalogue_changed: bool,
    /// It fails this build's checks (written for a newer sufler): kept aside, not used.
    pub catalogue_refused: bool,
}

/// Pulls the plans of the branches this database knows (and `branch`, the screen's, which
/// may not be saved yet) and the current catalogue, and keeps both. `names`: product names
/// for a product the centre adds to a stored month plan.
pub fn pull(
    store: &SledStore,
    server: &Server,
    branch: Option<&str>,
    names: &BTreeMap<String, String>,
    now: NaiveDateTime,
) -> Result<Pulled, SyncError> {
    let mut client = server.connect()?;
    super::schema::check_current(&mut client, server)?;
    let mut branches: BTreeSet<String> = store.branches()?.into_iter().collect();
    if let Some(b) = branch {
        branches.insert(b.to_string());
    }
    let branches: Vec<String> = branches.into_iter().collect();
    let rows = super::plans::pull(&mut client, server, &branches)?;
    let catalogue = super::publish::current(&mut client, server)?;

    let kept = store.central_plans()?;
    let plans_changed = kept.as_ref().map_or(&[][..], |k| &k.rows[..]) != &rows[..];
    let plans = CentralPlans {
        pulled_at: now,
        rows,
    };
    store.keep_central_plans(&plans)?;
    let mut restated = Vec::new();
    if let Some(officer) = store.workstation_officer()? {
        let months: BTreeSet<Month> = plans.rows.iter().map(|r| r.month).collect();
        for m in months {
            let targets = plans.targets(m, &officer.branch, &officer.name);
            if !targets.is_empty() && store.take_central_targets(m, &targets, names)? {
                restated.push(m);
            }
        }
    }
    // A restated month's plan goes back at once: no event of the month may come to carry it
    // (a past month), and `stats --server` reads the plans the workstations stored.
    let ws = store.workstation_id()? as i64; // the same 64 bits, as every row keys it
    for &m in &restated {
        if let Some(plan) = store.month_plan(m)? {
            let json = serde_json::to_string(&plan)
                .map_err(|e| SyncError::Store(crate::store::StoreError::Encode(e.to_string())))?;
            client
                .execute(
                    "INSERT INTO month_plans (workstation_id, month, plan) VALUES ($1, $2, $3::text::jsonb)
                     ON CONFLICT (workstation_id, month) DO UPDATE SET plan = excluded.plan",
                    &[&ws, &(m.0 as i32), &json],
                )
                .map_err(|e| SyncError::Refused {
                    server: server.masked().to_string(),
                    reason: server.reason(&e),
                })?;
        }
    }
    drop(client);
    let known = [store.published_catalogue()?, store.refused_catalogue()?];
    let catalogue_changed = catalogue
        .as_ref()
        .is_some_and(|c| !known.iter().flatten().any(|k| k.id == c.id));
    let mut catalogue_refused = catalogue
        .as_ref()
        .is_some_and(|c| known[1].as_ref().is_some_and(|k| k.id == c.id));
    if let (Some(c), true) = (&catalogue, catalogue_changed) {
        // Checked as the screen will load it: one this build refuses never replaces the
        // last good copy.
        if passes_here(c) {
            store.keep_published_catalogue(c)?;
        } else {
            store.keep_refused_catalogue(c)?;
            catalogue_refused = true;
        }
    }
    Ok(Pulled {
        plan_rows: plans.rows.len(),
        plans_changed,
        restated,
        catalogue,
        catalogue_changed,
        catalogue_refused,
    })
}

/// Whether this build loads the published files without an error.
pub fn passes_here(c: &PublishedCatalogue) -> bool {
    let sources = c
        .files
        .iter()
        .map(|(path, text)| crate::catalog::Source {
            path: path.clone(),
            text: text.clone(),
        })
        .collect();
    let report = crate::catalog::load_sources(sources);
    report.catalog.is_some() && report.errors() == 0
}
