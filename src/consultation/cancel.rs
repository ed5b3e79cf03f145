//! Cancellations (DESIGN §4, §7): insurance and pension products have a cooling-off period in
//! which the client may undo the sale. The officer records it on the client card; the sale
//! then counts net in the plan of the month it was made in, and per officer, product and
//! phrase variant in the reports. Pure data and rules, no I/O.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::call::{CallOutcome, Contact};
use super::model::{Consultation, Kind, Month, Outcome, Tally, TallyKey};
use crate::catalog::Technique;

/// How long after a sale a cancellation can still be recorded: the longest cooling-off
/// period of the products a branch sells (voluntary insurance has 14 days; a pension
/// contract's can be longer), with room for the client's letter to arrive.
pub const CANCEL_WINDOW_DAYS: i64 = 30;

/// A sale as it was recorded, and where it counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sale {
    /// The officer whose figures it counted in.
    pub officer: String,
    pub at: NaiveDateTime,
    pub product: String,
    /// How it was sold: `None` for the main product or a yes on a call back.
    pub technique: Option<Technique>,
    /// The phrase variant of the offer (0 for the main product and calls).
    pub variant: u32,
    /// The consultation it was made in (for a call: the one whose "thinking" it answered).
    pub consultation: u64,
    /// Sold on a call back rather than in the consultation.
    pub by_call: bool,
}

impl Sale {
    /// The same sale, whatever the rest of the record says.
    pub fn same(&self, other: &Sale) -> bool {
        self.consultation == other.consultation
            && self.product == other.product
            && self.by_call == other.by_call
    }
}

/// A sale the client cancelled within its cooling-off period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub id: u64,
    pub client_id: u64,
    pub sale: Sale,
    /// The day the client cancelled.
    pub cancelled_on: NaiveDate,
    /// When and by whom it was recorded.
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

/// Why a cancellation cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("the cancellation date is before the sale")]
    BeforeSale,
    #[error("the cancellation date is in the future")]
    InFuture,
    #[error("the sale is older than the cooling-off window ({CANCEL_WINDOW_DAYS} days)")]
    TooLate,
}

impl Cancellation {
    /// What it changes in the counters: one [`Kind::Cancelled`] row in the month of the
    /// sale, with its officer, product and variant (`accepted` = sales cancelled). Plans and
    /// products per client take it off the sales.
    pub fn tallies(&self) -> Vec<(TallyKey, Tally)> {
        vec![(
            TallyKey {
                month: Month::of(self.sale.at.date()),
                officer: self.sale.officer.clone(),
                product: self.sale.product.clone(),
                kind: Kind::Cancelled,
                variant: self.sale.variant,
            },
            Tally {
                accepted: 1,
                ..Tally::default()
            },
        )]
    }

    /// The date must lie between the sale and today, within the window.
    pub fn check(&self, today: NaiveDate) -> Result<(), CancelError> {
        let sold = self.sale.at.date();
        if self.cancelled_on < sold {
            return Err(CancelError::BeforeSale);
        }
        if self.cancelled_on > today {
            return Err(CancelError::InFuture);
        }
        if (self.cancelled_on - sold).num_days() > CANCEL_WINDOW_DAYS {
            return Err(CancelError::TooLate);
        }
        Ok(())
    }
}

/// The client's sales that can still be cancelled on `today`: made within the window, not
/// cancelled yet, newest first. Only finished consultations sold anything.
pub fn cancellable(
    consultations: &[Consultation],
    contacts: &[Contact],
    cancelled: &[Cancellation],
    today: NaiveDate,
) -> Vec<Sale> {
    let recent = |at: NaiveDateTime| {
        let days = (today - at.date()).num_days();
        (0..=CANCEL_WINDOW_DAYS).contains(&days)
    };
    let mut out = Vec::new();
    for c in consultations.iter().filter(|c| c.is_finished()) {
        // Sold in its better version, the main product is one sale: the upsell's, below.
        if c.main_outcome == Some(Outcome::Accepted) && !c.sold_upgraded() {
            let at = c.finished_at.unwrap_or(c.started_at);
            out.push(Sale {
                officer: c.officer.clone(),
                at,
                product: c.main.clone(),
                technique: None,
                variant: 0,
                consultation: c.id,
                by_call: false,
            });
        }
        for o in &c.offers {
            if o.outcome == Some(Outcome::Accepted) {
                out.push(Sale {
                    officer: c.officer.clone(),
                    at: o.outcome_at.unwrap_or(o.made_at),
                    product: o.product.clone(),
                    technique: Some(o.technique),
                    variant: o.variant,
                    consultation: c.id,
                    by_call: false,
                });
            }
        }
    }
    for k in contacts
        .iter()
        .filter(|k| k.outcome == CallOutcome::Accepted)
    {
        out.push(Sale {
            officer: k.officer.clone(),
            at: k.at,
            product: k.product.clone(),
            technique: None,
            variant: 0,
            consultation: k.consultation,
            by_call: true,
        });
    }
    out.retain(|s| recent(s.at) && !cancelled.iter().any(|x| x.sale.same(s)));
    out.sort_by_key(|s| std::cmp::Reverse(s.at));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultation::Offer;

    fn at(m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d)
            .and_then(|d| d.and_hms_opt(11, 0, 0))
            .unwrap()
    }

    fn sold(id: u64, when: NaiveDateTime) -> Consultation {
        Consultation {
            id,
            started_at: when,
            officer: "Петрова".into(),
            branch: "Центр".into(),
            client_id: 7,
            main: "deposit".into(),
            stage: 0,
            main_outcome: Some(Outcome::Accepted),
            offers: vec![Offer {
                product: "life_insurance".into(),
                technique: Technique::Create,
                slot: None,
                stage: "closing".into(),
                variant: 1,
                made_at: when,
                outcome: Some(Outcome::Accepted),
                outcome_at: Some(when),
                disclosures_confirmed: Default::default(),
                follow_up: None,
                check_in: None,
            }],
            notes: Vec::new(),
            not_receptive: false,
            create_skip: 0,
            finished_at: Some(when),
            variant_bumps: Vec::new(),
            main_follow_up: None,
            catalog: None,
            main_check_in: None,
        }
    }

    #[test]
    fn recent_sales_are_cancellable_once() {
        let today = at(12, 10).date();
        let cs = vec![sold(1, at(12, 1)), sold(2, at(10, 1))];
        let sales = cancellable(&cs, &[], &[], today);
        // The October consultation is past the window; December's two sales remain.
        assert_eq!(sales.len(), 2);
        assert!(sales.iter().all(|s| s.consultation == 1));
        let insurance = sales
            .iter()
            .find(|s| s.product == "life_insurance")
            .unwrap()
            .clone();
        assert_eq!(insurance.variant, 1);
        let done = Cancellation {
            id: 5,
            client_id: 7,
            sale: insurance.clone(),
            cancelled_on: at(12, 9).date(),
            recorded_at: at(12, 10),
            recorded_by: "Петрова".into(),
        };
        assert_eq!(done.check(today), Ok(()));
        let left = cancellable(&cs, &[], std::slice::from_ref(&done), today);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].product, "deposit");
        // The counter is in the month of the sale, whatever day it was undone.
        let (key, tally) = &done.tallies()[0];
        assert_eq!(key.month, Month(202612));
        assert_eq!(
            (key.kind, key.variant, tally.accepted),
            (Kind::Cancelled, 1, 1)
        );
    }

    #[test]
    fn the_date_lies_between_the_sale_and_today() {
        let today = at(12, 10).date();
        let sale = cancellable(&[sold(1, at(12, 5))], &[], &[], today).remove(0);
        let mut c = Cancellation {
            id: 1,
            client_id: 7,
            sale,
            cancelled_on: at(12, 4).date(),
            recorded_at: at(12, 10),
            recorded_by: "Петрова".into(),
        };
        assert_eq!(c.check(today), Err(CancelError::BeforeSale));
        c.cancelled_on = at(12, 11).date();
        assert_eq!(c.check(today), Err(CancelError::InFuture));
        c.sale.at = at(10, 1);
        c.cancelled_on = at(12, 10).date();
        assert_eq!(c.check(today), Err(CancelError::TooLate));
    }

    /// A main product sold in its better version is one sale to cancel, the better one.
    #[test]
    fn an_upsold_main_product_is_one_sale() {
        let when = at(12, 3);
        let mut c = sold(4, when);
        c.offers[0].product = "deposit_max".into();
        c.offers[0].technique = Technique::Upsell;
        let sales = cancellable(&[c], &[], &[], when.date());
        let products: Vec<&str> = sales.iter().map(|s| s.product.as_str()).collect();
        assert_eq!(products, ["deposit_max"]);
        assert_eq!(sales[0].technique, Some(Technique::Upsell));
    }
}
