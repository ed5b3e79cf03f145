//! Call backs (DESIGN §4): a client who said "thinking" and agreed to be called is called on
//! the day they chose; the answer is a [`Contact`] of its own, never a consultation. Pure
//! data and rules, no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use super::model::{Consultation, Kind, Month, Outcome, Tally, TallyKey};
use super::EngineError;

/// What came of a call back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CallOutcome {
    Accepted,
    Declined,
    /// Still thinking: called again on [`Contact::next`].
    Thinking,
    /// Nobody answered: tried again on [`Contact::next`] (the next working day).
    NotReached,
    /// The officer stops calling (the client asked not to be called, the number is wrong…).
    Stopped,
    /// A check-in call after a sale: the client was reached (is the card activated, any
    /// questions). Closes the check-in; not a sale. (New variants go at the end: stored.)
    Reached,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Accepted => "accepted",
            CallOutcome::Declined => "declined",
            CallOutcome::Thinking => "thinking",
            CallOutcome::NotReached => "not_reached",
            CallOutcome::Stopped => "stopped",
            CallOutcome::Reached => "reached",
        }
    }

    /// Whether the call back stays open after this outcome.
    pub fn keeps_open(self) -> bool {
        matches!(self, CallOutcome::Thinking | CallOutcome::NotReached)
    }

    /// The client answered (yes, no or still thinking).
    pub fn answered(self) -> bool {
        matches!(
            self,
            CallOutcome::Accepted | CallOutcome::Declined | CallOutcome::Thinking
        )
    }
}

/// One call made on a call back (or the officer's decision to stop calling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub at: NaiveDateTime,
    pub officer: String,
    pub branch: String,
    pub client_id: u64,
    pub product: String,
    /// The consultation whose "thinking" opened the call back.
    pub consultation: u64,
    pub outcome: CallOutcome,
    /// For `Thinking` and `NotReached`: the day of the next call.
    pub next: Option<NaiveDate>,
    /// Indices of the product's disclosure lines the officer confirmed were said.
    pub disclosures_confirmed: BTreeSet<u32>,
    /// A check-in call after a sale (the product's `follow_up_days`), not a call back on a
    /// "thinking". Schema 3; older contacts read as call backs.
    #[serde(default)]
    pub check_in: bool,
}

impl Contact {
    /// What this contact adds to the aggregate counters: one [`Kind::Call`] row in the month
    /// of the call — `offered` = calls made, `accepted`/`declined`/`thinking` = answers. A
    /// stop is not a call and counts nothing. An acceptance also counts towards the plan of
    /// that month, as every `accepted` does.
    ///
    /// A check-in counts in a [`Kind::CheckIn`] row instead: `offered` = calls made,
    /// `accepted` = clients reached. It sells nothing.
    pub fn tallies(&self) -> BTreeMap<TallyKey, Tally> {
        let mut out = BTreeMap::new();
        if self.outcome == CallOutcome::Stopped {
            return out;
        }
        let mut t = Tally {
            offered: 1,
            ..Tally::default()
        };
        match self.outcome {
            CallOutcome::Accepted | CallOutcome::Reached => t.accepted = 1,
            CallOutcome::Declined => t.declined = 1,
            CallOutcome::Thinking => t.thinking = 1,
            CallOutcome::NotReached | CallOutcome::Stopped => {}
        }
        out.insert(
            TallyKey {
                month: Month::of(self.at.date()),
                officer: self.officer.clone(),
                product: self.product.clone(),
                kind: if self.check_in {
                    Kind::CheckIn
                } else {
                    Kind::Call
                },
                variant: 0,
            },
            t,
        );
        out
    }

    /// Checks the contact before it is stored: a next date exactly when the call back stays
    /// open, and not before the call.
    pub fn check(&self) -> Result<(), EngineError> {
        match (self.outcome.keeps_open(), self.next) {
            (true, None) => Err(EngineError::CallBackDate),
            (true, Some(d)) if d <= self.at.date() => Err(EngineError::CallBackDate),
            (false, Some(_)) => Err(EngineError::CallBackDate),
            _ => Ok(()),
        }
    }
}

/// A call back still to make: stored per client (so a later consultation can close it in
/// its own transaction) and in the officer's list by date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCallBack {
    /// The consultation whose "thinking" opened it.
    pub consultation: u64,
    pub product: String,
    /// The officer who got the "thinking" and makes the call.
    pub officer: String,
    /// When to call.
    pub due: NaiveDate,
}

/// The call backs a consultation asks for: each product answered "thinking" with a date the
/// client agreed to be called on (the main product included).
pub fn call_backs_asked(c: &Consultation) -> Vec<(String, NaiveDate)> {
    let mut out = Vec::new();
    if c.main_outcome == Some(Outcome::Thinking) {
        if let Some(d) = c.main_follow_up {
            out.push((c.main.clone(), d));
        }
    }
    for o in &c.offers {
        if o.outcome == Some(Outcome::Thinking) {
            if let Some(d) = o.follow_up {
                out.push((o.product.clone(), d));
            }
        }
    }
    out.extend(check_ins_asked(c));
    out
}

/// The check-in calls a consultation asks for: each product sold with a check-in day (see
/// [`Consultation::schedule_check_ins`]), the main product included.
pub fn check_ins_asked(c: &Consultation) -> Vec<(String, NaiveDate)> {
    let mut out = Vec::new();
    if c.main_outcome == Some(Outcome::Accepted) {
        if let Some(d) = c.main_check_in {
            out.push((c.main.clone(), d));
        }
    }
    for o in &c.offers {
        if o.outcome == Some(Outcome::Accepted) {
            if let Some(d) = o.check_in {
                out.push((o.product.clone(), d));
            }
        }
    }
    out
}

/// Whether the call on `product` from consultation `origin` is a check-in after a sale
/// (the product was sold there) rather than a call back on a "thinking".
pub fn is_check_in(origin: &Consultation, product: &str) -> bool {
    check_ins_asked(origin).iter().any(|(p, _)| p == product)
}

/// The products a consultation has an answer for (the main product included): an open call
/// back on one of them from an earlier consultation is done, the new answer counts now.
pub fn products_answered(c: &Consultation) -> Vec<&str> {
    let mut out = Vec::new();
    if c.main_outcome.is_some() {
        out.push(c.main.as_str());
    }
    for o in &c.offers {
        if o.outcome.is_some() {
            out.push(o.product.as_str());
        }
    }
    out
}

/// The client's open call backs after `c` was saved: those from other consultations on a
/// product `c` answered are done; `c`'s own are replaced by what it asks for now (a date
/// moved by a call is kept). Returns the new list and the entries taken out.
pub fn after_consultation(
    open: &[OpenCallBack],
    c: &Consultation,
) -> (Vec<OpenCallBack>, Vec<OpenCallBack>) {
    let answered: BTreeSet<&str> = products_answered(c).into_iter().collect();
    let asked = call_backs_asked(c);
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    for cb in open {
        let own = cb.consultation == c.id;
        let stays = if own {
            asked.iter().any(|(p, _)| *p == cb.product)
        } else {
            !answered.contains(cb.product.as_str())
        };
        if stays {
            kept.push(cb.clone());
        } else {
            removed.push(cb.clone());
        }
    }
    for (product, due) in asked {
        match kept
            .iter_mut()
            .find(|cb| cb.consultation == c.id && cb.product == product)
        {
            Some(cb) => {
                if cb.due != due {
                    removed.push(cb.clone());
                    cb.due = due;
                }
            }
            None => kept.push(OpenCallBack {
                consultation: c.id,
                product,
                officer: c.officer.clone(),
                due,
            }),
        }
    }
    (kept, removed)
}

/// The next working day after `day` (Saturday and Sunday are skipped): where a call that
/// did not reach the client moves.
pub fn next_working_day(day: NaiveDate) -> NaiveDate {
    let mut d = day.succ_opt().unwrap_or(day);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// `day` itself on a working day, else the Monday after: a call is not put on a weekend.
pub fn working_day_from(day: NaiveDate) -> NaiveDate {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        next_working_day(day)
    } else {
        day
    }
}

/// The days a client may choose to be called on, as offered by `t`: 1 and 3 working days on
/// (3 is the default) and a week (see [`call_back_day`]).
pub const CALL_BACK_CHOICES: [u64; 3] = [1, 3, 7];
/// The choice taken when the officer just presses Enter.
pub const DEFAULT_CALL_BACK_DAYS: u64 = 3;

/// `today` + `days`.
pub fn in_days(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_add_days(Days::new(days)).unwrap_or(today)
}

/// The day one of [`CALL_BACK_CHOICES`] stands for: a week on the same weekday, else `days`
/// working days on, so a call is never put on a weekend and no two choices fall on one day
/// (on a Friday: Monday, Wednesday, next Friday).
pub fn call_back_day(today: NaiveDate, days: u64) -> NaiveDate {
    if days.is_multiple_of(7) {
        return working_day_from(in_days(today, days));
    }
    (0..days).fold(today, |d, _| next_working_day(d))
}

impl Consultation {
    /// After "thinking": the day the client agreed to be called on about `product` (the main
    /// product or an offer), or `None` when the client does not want a call.
    pub fn set_call_back(
        &mut self,
        product: &str,
        date: Option<NaiveDate>,
    ) -> Result<(), EngineError> {
        if self.is_finished() {
            return Err(EngineError::Finished);
        }
        if product == self.main && !self.offers.iter().any(|o| o.product == product) {
            if self.main_outcome != Some(Outcome::Thinking) {
                return Err(EngineError::CallBackDate);
            }
            self.main_follow_up = date;
            return Ok(());
        }
        let offer = self
            .offers
            .iter_mut()
            .find(|o| o.product == product)
            .ok_or_else(|| EngineError::NoSuchOffer(product.to_string()))?;
        if offer.outcome != Some(Outcome::Thinking) {
            return Err(EngineError::CallBackDate);
        }
        offer.follow_up = date;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Technique;
    use crate::consultation::Offer;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn consultation(id: u64, main: &str) -> Consultation {
        Consultation {
            id,
            started_at: day(2026, 12, 1).and_hms_opt(10, 0, 0).unwrap(),
            officer: "Петрова".into(),
            branch: "Центр".into(),
            client_id: 7,
            main: main.into(),
            stage: 0,
            main_outcome: None,
            offers: Vec::new(),
            notes: Vec::new(),
            not_receptive: false,
            create_skip: 0,
            finished_at: None,
            variant_bumps: Vec::new(),
            main_follow_up: None,
            catalog: None,
            main_check_in: None,
        }
    }

    fn offer(product: &str, outcome: Option<Outcome>, follow_up: Option<NaiveDate>) -> Offer {
        Offer {
            product: product.into(),
            technique: Technique::Catch,
            slot: None,
            stage: "presentation".into(),
            variant: 0,
            made_at: day(2026, 12, 1).and_hms_opt(10, 5, 0).unwrap(),
            outcome,
            outcome_at: outcome.map(|_| day(2026, 12, 1).and_hms_opt(10, 6, 0).unwrap()),
            disclosures_confirmed: BTreeSet::new(),
            follow_up,
            check_in: None,
        }
    }

    #[test]
    fn a_thinking_answer_with_a_date_opens_a_call_back_and_one_without_does_not() {
        let mut c = consultation(1, "deposit");
        c.offers.push(offer(
            "card",
            Some(Outcome::Thinking),
            Some(day(2026, 12, 4)),
        ));
        c.offers.push(offer("npf", Some(Outcome::Thinking), None));
        c.main_outcome = Some(Outcome::Thinking);
        c.main_follow_up = Some(day(2026, 12, 2));
        let (open, removed) = after_consultation(&[], &c);
        assert!(removed.is_empty());
        let got: Vec<(&str, NaiveDate)> =
            open.iter().map(|o| (o.product.as_str(), o.due)).collect();
        assert_eq!(
            got,
            vec![("deposit", day(2026, 12, 2)), ("card", day(2026, 12, 4))]
        );
    }

    #[test]
    fn a_later_consultation_closes_only_the_products_it_answers() {
        let earlier = vec![
            OpenCallBack {
                consultation: 1,
                product: "card".into(),
                officer: "Петрова".into(),
                due: day(2026, 12, 4),
            },
            OpenCallBack {
                consultation: 1,
                product: "iis".into(),
                officer: "Петрова".into(),
                due: day(2026, 12, 5),
            },
        ];
        // The client came back about a loan and was offered the card again: only the card's
        // call back is done; the ИИС one stays.
        let mut c = consultation(2, "loan");
        c.offers.push(offer("card", Some(Outcome::Declined), None));
        let (open, removed) = after_consultation(&earlier, &c);
        assert_eq!(open, vec![earlier[1].clone()]);
        assert_eq!(removed, vec![earlier[0].clone()]);
        // A consultation about something else entirely closes nothing.
        let other = consultation(3, "credit_card");
        let (open, removed) = after_consultation(&earlier, &other);
        assert_eq!(open, earlier);
        assert!(removed.is_empty());
    }

    #[test]
    fn changing_the_answer_or_the_date_moves_or_drops_the_own_call_back() {
        let mut c = consultation(1, "deposit");
        c.offers.push(offer(
            "card",
            Some(Outcome::Thinking),
            Some(day(2026, 12, 4)),
        ));
        let (open, _) = after_consultation(&[], &c);
        c.offers[0].follow_up = Some(day(2026, 12, 8));
        let (moved, removed) = after_consultation(&open, &c);
        assert_eq!(moved[0].due, day(2026, 12, 8));
        assert_eq!(removed[0].due, day(2026, 12, 4));
        c.offers[0].outcome = Some(Outcome::Accepted);
        c.offers[0].follow_up = None;
        let (none, removed) = after_consultation(&moved, &c);
        assert!(none.is_empty());
        assert_eq!(removed.len(), 1);
    }

    #[test]
    fn not_reached_moves_to_the_next_working_day() {
        // 2026-12-04 is a Friday.
        assert_eq!(next_working_day(day(2026, 12, 4)), day(2026, 12, 7));
        assert_eq!(next_working_day(day(2026, 12, 1)), day(2026, 12, 2));
        assert_eq!(next_working_day(day(2026, 12, 5)), day(2026, 12, 7));
    }

    #[test]
    fn a_contact_counts_in_the_month_of_the_call_and_a_stop_counts_nothing() {
        let mut k = Contact {
            id: 9,
            at: day(2027, 1, 2).and_hms_opt(11, 0, 0).unwrap(),
            officer: "Петрова".into(),
            branch: "Центр".into(),
            client_id: 7,
            product: "card".into(),
            consultation: 1,
            outcome: CallOutcome::Accepted,
            next: None,
            disclosures_confirmed: BTreeSet::new(),
            check_in: false,
        };
        let t = k.tallies();
        let (key, tally) = t.iter().next().unwrap();
        assert_eq!(key.month, Month(202701));
        assert_eq!(key.kind, Kind::Call);
        assert_eq!((tally.offered, tally.accepted), (1, 1));
        k.outcome = CallOutcome::NotReached;
        k.next = Some(day(2027, 1, 4));
        assert_eq!(k.check(), Ok(()));
        let t = k.tallies();
        assert_eq!(t.values().next().unwrap().offered, 1);
        assert_eq!(t.values().next().unwrap().accepted, 0);
        k.outcome = CallOutcome::Stopped;
        assert!(k.check().is_err(), "a stop has no next date");
        k.next = None;
        assert!(k.tallies().is_empty());
        k.outcome = CallOutcome::Thinking;
        assert!(k.check().is_err(), "thinking again needs the next date");
    }
}
