//! The calls officers made on their call backs.

use std::collections::{HashMap, HashSet};

use crate::consultation::check_ins_asked;

use super::*;

/// What the calls need to know of the stored consultations, noted by the writer as it wrote
/// them, so that the calls need not read a million records back.
#[derive(Debug, Default)]
pub(super) struct Visits {
    /// Each client's last consultation day.
    last: HashMap<u64, NaiveDate>,
    /// (consultation id, product) of each check-in a consultation asked for.
    check_ins: HashSet<(u64, String)>,
}

/// A consultation as [`Visits`] notes it, before the store gives it its id.
pub(super) type Visit = (u64, NaiveDate, Vec<String>);

impl Visits {
    pub(super) fn visit(c: &Consultation) -> Visit {
        let products = check_ins_asked(c).into_iter().map(|(p, _)| p).collect();
        (c.client_id, c.started_at.date(), products)
    }

    /// Notes the consultation stored under `id`.
    pub(super) fn note(&mut self, id: u64, (client, day, products): Visit) {
        let last = self.last.entry(client).or_insert(day);
        *last = (*last).max(day);
        for p in products {
            self.check_ins.insert((id, p));
        }
    }
}

/// The calls the officers made on their call backs due before `until` (those due on `until`
/// itself are left for that day), after the client's last consultation (a check-in on its
/// own day): each call back from
/// its day on, not reached a quarter of the
/// time (tried again the next working day), else a yes, a no, or "still thinking" (called
/// again a few days later), until it is answered or `until` comes. Stored in time order.
pub(super) fn make_calls<S: Store + ?Sized>(
    store: &S,
    catalog: &Catalog,
    staff: &[Staff],
    opts: &DemoOptions,
    visits: &Visits,
) -> Result<u64, DemoError> {
    let mut contacts = Vec::new();
    for s in staff {
        let (due, _) = store.call_backs_due(
            &s.name,
            opts.until.pred_opt().unwrap_or(opts.until),
            usize::MAX,
        )?;
        for f in due {
            // The history was played without these calls: a call is made only after the
            // client's last consultation, so no later meeting offers what a call sold.
            let last_visit = visits.last.get(&f.client_id).copied();
            let mut rng = Rng::of(opts.seed, 7, f.consultation ^ hash_str(&f.product));
            // A check-in after a sale: is the card working, any questions.
            let check_in = visits
                .check_ins
                .contains(&(f.consultation, f.product.clone()));
            // A check-in sells nothing, so it is made on its day like an officer makes it,
            // whatever visits follow; a call back waits for the client's last visit.
            let mut day = if check_in {
                f.date
            } else {
                f.date
                    .max(last_visit.and_then(|d| d.succ_opt()).unwrap_or(f.date))
            };
            while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                day = next_working_day(day);
            }
            while day < opts.until {
                let at = day
                    .and_hms_opt(rng.between(10, 17) as u32, rng.below(60) as u32, 0)
                    .unwrap_or_default();
                let r = rng.unit();
                let (outcome, next) = if r < 0.25 {
                    (CallOutcome::NotReached, Some(next_working_day(day)))
                } else if check_in {
                    (CallOutcome::Reached, None)
                } else if r < 0.47 {
                    (CallOutcome::Accepted, None)
                } else if r < 0.82 {
                    (CallOutcome::Declined, None)
                } else {
                    let later = next_working_day(in_days(day, rng.between(1, 6)));
                    (CallOutcome::Thinking, Some(later))
                };
                let disclosures = match (outcome, catalog.product(&f.product)) {
                    (CallOutcome::Accepted, Some(p)) => (0..p.disclosure.len() as u32).collect(),
                    _ => Default::default(),
                };
                contacts.push(Contact {
                    id: 0,
                    at,
                    officer: s.name.clone(),
                    branch: s.branch.clone(),
                    client_id: f.client_id,
                    product: f.product.clone(),
                    consultation: f.consultation,
                    outcome,
                    next,
                    disclosures_confirmed: disclosures,
                    check_in,
                });
                match next {
                    Some(n) => day = n,
                    None => break,
                }
            }
        }
    }
    contacts.sort_by_key(|k| (k.at, k.consultation));
    Ok(store.add_contacts(contacts)? as u64)
}

/// Records the cancellations planned while the history was played, each as the client card
/// records one: the sale as [`cancellable`] lists it, on the day the client cancelled.
pub(super) fn record_cancellations<S: Store + ?Sized>(
    store: &S,
    planned: Vec<PlannedCancellation>,
) -> Result<u64, DemoError> {
    let mut recorded = 0;
    for (client_id, started_at, product, on) in planned {
        let of_client = store.consultations_of_client(client_id)?;
        let Some(c) = of_client.iter().find(|c| c.started_at == started_at) else {
            continue;
        };
        let sales = cancellable(std::slice::from_ref(c), &[], &[], on);
        let Some(sale) = sales.into_iter().find(|s| s.product == product) else {
            continue;
        };
        let recorded_by = sale.officer.clone();
        store.save_cancellation(Cancellation {
            id: 0,
            client_id,
            sale,
            cancelled_on: on,
            recorded_at: on.and_hms_opt(11, 0, 0).unwrap_or_default(),
            recorded_by,
        })?;
        recorded += 1;
    }
    Ok(recorded)
}
