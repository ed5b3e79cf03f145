//! Unit tests of the generator's parts.

use super::*;

#[test]
fn feminine_surnames() {
    assert_eq!(feminine("Иванов"), "Иванова");
    assert_eq!(feminine("Ильин"), "Ильина");
    assert_eq!(feminine("Ковалевский"), "Ковалевская");
    assert_eq!(feminine("Кравченко"), "Кравченко");
}

#[test]
fn rng_is_stable_and_in_range() {
    let mut a = Rng::new(7);
    let mut b = Rng::new(7);
    for _ in 0..1000 {
        let x = a.below(10);
        assert_eq!(x, b.below(10));
        assert!(x < 10);
        let u = a.unit();
        assert_eq!(u, b.unit());
        assert!((0.0..1.0).contains(&u));
    }
}

#[test]
fn the_history_ends_on_until() {
    let until = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap_or_default();
    assert_eq!(
        first_day(until, 1),
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default()
    );
    let days = working_days(first_day(until, 1), until);
    assert_eq!(days.last(), Some(&until));
    assert!(days.iter().all(|d| d.weekday() != Weekday::Sun));
}

#[test]
fn clients_are_adults_with_unique_phones() {
    let until = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
    let from = first_day(until, 6);
    let born_from = until - Months::new(960) + Days::new(1);
    let born_to = from - Months::new(216);
    let span = (born_to - born_from).num_days() as u64 + 1;
    let mut phones = std::collections::HashSet::new();
    for i in 0..2000 {
        let c = client_at(3, i, born_from, span);
        assert!(c.age_on(from) >= 18, "{c:?}");
        assert!(c.age_on(until) <= 80, "{c:?}");
        assert_eq!(c.phone.len(), 11);
        assert!(phones.insert(c.phone.clone()));
    }
}
