//! The period of a report: a calendar month or an inclusive range of days, and how much of
//! each month's plan it carries.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use super::ReportError;
use crate::consultation::Month;

/// Days `from ..= to`, both inclusive; `month` when given as `--month` (or by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub month: Option<Month>,
}

/// The part of a period inside one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSpan {
    pub month: Month,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The span is the whole calendar month, so the month's counters answer for it.
    pub full: bool,
}

impl MonthSpan {
    pub fn start(&self) -> NaiveDateTime {
        self.from.and_time(NaiveTime::MIN)
    }
    /// The first moment after the span.
    pub fn end(&self) -> NaiveDateTime {
        day_after(self.to).and_time(NaiveTime::MIN)
    }
}

fn day_after(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
}

/// The first and last days of a month.
pub fn month_days(m: Month) -> Option<(NaiveDate, NaiveDate)> {
    let first = m.first_day()?;
    let next = if m.month() == 12 {
        NaiveDate::from_ymd_opt(m.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1)
    }?;
    Some((first, next.pred_opt()?))
}

pub fn parse_month(text: &str) -> Result<Month, ReportError> {
    let bad = || ReportError::BadMonth(text.to_string());
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m): (u32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || y == 0 {
        return Err(bad());
    }
    Ok(Month(y * 100 + m))
}

pub fn parse_date(text: &str) -> Result<NaiveDate, ReportError> {
    let t = text.trim();
    // Exactly YYYY-MM-DD: chrono alone would also take `2024-5-1`.
    let shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(ReportError::BadDate(text.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| ReportError::BadDate(text.to_string()))
}

impl Period {
    /// From the command line: `--month`, or `--from` and `--to`, else the month of `today`.
    pub fn parse(
        month: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, ReportError> {
        match (month, from, to) {
            (Some(m), _, _) => Period::month(parse_month(m)?),
            (None, Some(f), Some(t)) => Period::range(parse_date(f)?, parse_date(t)?),
            (None, None, None) => Period::month(Month::of(today)),
            _ => Err(ReportError::Usage("--from and --to go together")),
        }
    }

    pub fn month(m: Month) -> Result<Period, ReportError> {
        let (from, to) = month_days(m).ok_or_else(|| ReportError::BadMonth(m.to_string()))?;
        Ok(Period {
            from,
            to,
            month: Some(m),
        })
    }

    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period, ReportError> {
        if from > to {
            return Err(ReportError::Inverted {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(Period {
            from,
            to,
            month: None,
        })
    }

    /// `2024-05` or `2024-05-03..2024-06-10`.
    pub fn label(&self) -> String {
        match self.month {
            Some(m) => m.to_string(),
            None => format!("{}..{}", self.from, self.to),
        }
    }

    pub fn start(&self) -> NaiveDateTime {
        self.from.and_time(NaiveTime::MIN)
    }

    /// The first moment after the period.
    pub fn end(&self) -> NaiveDateTime {
        day_after(self.to).and_time(NaiveTime::MIN)
    }

    /// The calendar months the period touches, in order.
    pub fn months(&self) -> Vec<MonthSpan> {
        let mut out = Vec::new();
        let mut m = Month::of(self.from);
        while let Some((first, last)) = month_days(m) {
            if first > self.to {
                break;
            }
            let (from, to) = (first.max(self.from), last.min(self.to));
            out.push(MonthSpan {
                month: m,
                from,
                to,
                full: from == first && to == last,
            });
            m = Month::of(day_after(last));
            if last == NaiveDate::MAX {
                break;
            }
        }
        out
    }

    /// The share of month `m`'s plan this period carries on `today`: its days in the month
    /// that have begun by `today`, over the month's days. 1 for a whole past month.
    pub fn plan_fraction(&self, m: Month, today: NaiveDate) -> f64 {
        let Some((first, last)) = month_days(m) else {
            return 0.0;
        };
        let from = first.max(self.from);
        let to = last.min(self.to).min(today);
        if to < from {
            return 0.0;
        }
        let days = (to - from).num_days() + 1;
        let total = (last - first).num_days() + 1;
        days as f64 / total as f64
    }

    /// Whether any month's plan is cut to part of the month (the report says "prorated").
    pub fn prorated(&self, today: NaiveDate) -> bool {
        self.months()
            .iter()
            .any(|s| self.plan_fraction(s.month, today) < 1.0)
    }

    /// The days of plan this period carries up to `today`, and the days of the months it
    /// touches: "15 of 31 days" in the output.
    pub fn plan_days(&self, today: NaiveDate) -> (i64, i64) {
        let mut carried = 0;
        let mut total = 0;
        for s in self.months() {
            if let Some((first, last)) = month_days(s.month) {
                total += (last - first).num_days() + 1;
                let to = s.to.min(today);
                if to >= s.from {
                    carried += (to - s.from).num_days() + 1;
                }
            }
        }
        (carried, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_months_and_dates_strictly() {
        assert_eq!(parse_month("2024-05").unwrap(), Month(202405));
        for bad in [
            "2024-13", "2024-5", "24-05", "2024/05", "2024-00", "may", "",
        ] {
            assert!(
                matches!(parse_month(bad), Err(ReportError::BadMonth(_))),
                "{bad}"
            );
        }
        assert_eq!(parse_date("2024-02-29").unwrap(), d(2024, 2, 29));
        for bad in ["2023-02-29", "2024-5-1", "2024-05-1", "yesterday"] {
            assert!(
                matches!(parse_date(bad), Err(ReportError::BadDate(_))),
                "{bad}"
            );
        }
        let e = Period::parse(None, Some("2024-05-10"), Some("2024-05-01"), d(2024, 6, 1));
        assert_eq!(
            e.unwrap_err().to_string(),
            "the period is inverted: --from 2024-05-10 is after --to 2024-05-01"
        );
        let p = Period::parse(None, None, None, d(2024, 2, 10)).unwrap();
        assert_eq!(
            (p.from, p.to, p.month),
            (d(2024, 2, 1), d(2024, 2, 29), Some(Month(202402)))
        );
    }

    #[test]
    fn months_of_a_range() {
        let p = Period::range(d(2023, 12, 15), d(2024, 2, 29)).unwrap();
        let spans = p.months();
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (spans[0].month, spans[0].from, spans[0].full),
            (Month(202312), d(2023, 12, 15), false)
        );
        assert!(spans[1].full && spans[2].full);
        assert_eq!(spans[2].end(), d(2024, 3, 1).and_time(NaiveTime::MIN));
        // Prorating: 17 of December's 31 days; the rest whole.
        let today = d(2025, 1, 1);
        assert!((p.plan_fraction(Month(202312), today) - 17.0 / 31.0).abs() < 1e-12);
        assert_eq!(p.plan_fraction(Month(202401), today), 1.0);
        assert!(p.prorated(today));
        // The current month is cut at today, inclusive.
        let may = Period::month(Month(202405)).unwrap();
        assert!((may.plan_fraction(Month(202405), d(2024, 5, 15)) - 15.0 / 31.0).abs() < 1e-12);
        assert_eq!(may.plan_days(d(2024, 5, 15)), (15, 31));
        assert!(!may.prorated(d(2024, 6, 1)));
        assert_eq!(may.plan_fraction(Month(202405), d(2024, 4, 30)), 0.0);
    }
}
