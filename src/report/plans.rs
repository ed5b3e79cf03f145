//! Plans as they were (DESIGN §5): the plan targets stored with each month when its first
//! consultation was saved; a month without one (a schema-1 database, a month whose
//! consultations were all saved before plans were kept) uses today's catalogue, and the
//! report says so.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::figures::PlanFigure;
use super::period::Period;
use crate::catalog::Catalog;
use crate::consultation::Month;
use crate::store::{MonthPlan, Store, StoreError};

/// The stored plan of each month of a period (`None`: none stored).
#[derive(Debug, Clone, Default)]
pub struct Plans {
    pub months: BTreeMap<Month, Option<MonthPlan>>,
}

impl Plans {
    /// The months of `period`, each from the first store that kept its plan.
    pub fn read(stores: &[&dyn Store], period: Period) -> Result<Plans, StoreError> {
        let mut months = BTreeMap::new();
        for span in period.months() {
            let mut found = None;
            for s in stores {
                if let Some(p) = s.month_plan(span.month)? {
                    found = Some(p);
                    break;
                }
            }
            months.insert(span.month, found);
        }
        Ok(Plans { months })
    }

    /// The months with consultations (`officer_months`) whose plan is today's catalogue's;
    /// for a period without any, the period's months without a stored plan.
    pub fn from_catalog(&self, officer_months: &BTreeSet<(Month, String)>) -> Vec<Month> {
        let worked: BTreeSet<Month> = officer_months.iter().map(|(m, _)| *m).collect();
        self.months
            .iter()
            .filter(|(m, p)| p.is_none() && (worked.is_empty() || worked.contains(m)))
            .map(|(m, _)| *m)
            .collect()
    }

    /// Months as runs: `2024-03, 2024-05 — 2024-08`.
    pub fn runs(months: &[Month]) -> String {
        let next = |m: Month| {
            if m.month() == 12 {
                Month((m.year() as u32 + 1) * 100 + 1)
            } else {
                Month(m.0 + 1)
            }
        };
        let mut runs: Vec<(Month, Month)> = Vec::new();
        for &m in months {
            match runs.last_mut() {
                Some((_, last)) if next(*last) == m => *last = m,
                _ => runs.push((m, m)),
            }
        }
        runs.iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a} — {b}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The target of `product` in month `m`, and whether it is the catalogue's.
    fn target(&self, catalog: &Catalog, m: Month, product: &str) -> (u32, bool) {
        match self.months.get(&m) {
            Some(Some(plan)) => (
                plan.targets
                    .iter()
                    .find(|t| t.product == product)
                    .map_or(0, |t| t.per_month),
                false,
            ),
            _ => (
                catalog
                    .product(product)
                    .and_then(|p| p.plan_per_month)
                    .unwrap_or(0),
                true,
            ),
        }
    }

    /// Plan vs fact per plan product: targets summed over the officer-months (each prorated
    /// by the period's days in it) with the month's own targets. Products: the catalogue's
    /// plan products, then those of a stored plan no longer in it.
    pub fn figures(
        &self,
        catalog: &Catalog,
        sold: &BTreeMap<String, u64>,
        officer_months: &BTreeSet<(Month, String)>,
        period: Period,
        today: NaiveDate,
    ) -> Vec<PlanFigure> {
        let mut products: Vec<(String, String)> = catalog
            .plan_products()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        for plan in self.months.values().flatten() {
            for t in &plan.targets {
                if !products.iter().any(|(id, _)| *id == t.product) {
                    products.push((t.product.clone(), t.name.clone()));
                }
            }
        }
        let prorated = period.prorated(today);
        products
            .into_iter()
            .map(|(product, name)| {
                let mut target = 0.0;
                let mut from_catalog = false;
                for (m, _) in officer_months {
                    let (t, cat) = self.target(catalog, *m, &product);
                    target += f64::from(t) * period.plan_fraction(*m, today);
                    from_catalog |= cat;
                }
                PlanFigure {
                    sold: sold.get(&product).copied().unwrap_or(0),
                    product,
                    name,
                    target,
                    prorated,
                    from_catalog,
                }
            })
            .collect()
    }
}
