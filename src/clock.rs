//! The wall clock of every command. `SUFLER_TODAY=YYYY-MM-DD` moves it to that day (the time
//! of day stays real): for tests and demonstrations that play the next day's call backs, not
//! for production use.

use chrono::{Local, NaiveDate, NaiveDateTime};

/// The environment variable that sets the day.
pub const TODAY_ENV: &str = "SUFLER_TODAY";

/// Now, on the day `SUFLER_TODAY` names when it is set and valid.
pub fn now() -> NaiveDateTime {
    let real = Local::now().naive_local();
    match std::env::var(TODAY_ENV)
        .ok()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
    {
        Some(day) => day.and_time(real.time()),
        None => real,
    }
}
