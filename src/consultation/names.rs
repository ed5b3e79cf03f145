//! How a client's name and phone are stored, and when two clients are the same person
//! (DESIGN §4, «Clients are one person each»). Pure functions, no I/O.

use super::Client;

/// A name as stored: each part (between spaces, hyphens and apostrophes) starts with a
/// capital: `иван` → `Иван`, `анна-мария` → `Анна-Мария`, `салтыков-щедрин` →
/// `Салтыков-Щедрин`, `анна мария` → `Анна Мария`. A part typed all in capitals (caps lock)
/// is lowered after its first letter (`ИВАНОВ` → `Иванов`); one with capitals of its own
/// after lower-case letters keeps them (`McDonald`).
pub fn capitalise_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut part = String::new();
    for c in text.chars() {
        if matches!(c, ' ' | '-' | '\'' | '’') {
            out.push_str(&capitalise_part(&part));
            part.clear();
            out.push(c);
        } else {
            part.push(c);
        }
    }
    out.push_str(&capitalise_part(&part));
    out
}

fn capitalise_part(part: &str) -> String {
    let mut chars = part.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let rest: String = chars.collect();
    let shouting = !rest.chars().any(char::is_lowercase);
    let rest = if shouting { rest.to_lowercase() } else { rest };
    first.to_uppercase().chain(rest.chars()).collect()
}

/// A phone as stored, from its digits and whether it was typed with a leading `+`: a Russian
/// number is digits only, `7XXXXXXXXXX` (typed `+7…`, `7…` or `8…`), as it always was; any
/// other number typed with `+` keeps it (`+442079460958`), so it is shown and dialled as an
/// international one; without `+` the digits are kept as typed. The search index holds the
/// digits only, so `4420…` finds `+4420…`.
pub fn stored_phone(plus: bool, digits: &str) -> String {
    let russian = digits.len() == 11 && digits.starts_with('7');
    match digits.strip_prefix('8') {
        Some(tail) if !plus && digits.len() == 11 => format!("7{tail}"),
        _ if plus && !russian => format!("+{digits}"),
        _ => digits.to_string(),
    }
}

/// The digits of a stored phone (`+44…` → `44…`).
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// A name part compared case-insensitively with `ё` = `е`, spaces trimmed.
pub fn fold_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// Why `existing` is taken for the same person as `new`, if it is: the same phone, or the
/// same surname, first name, patronymic (case-insensitive, `ё` = `е`) and birth date. A
/// client is never a duplicate of itself (same id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameAs {
    Phone,
    NameAndBirth,
}

pub fn same_person(new: &Client, existing: &Client) -> Option<SameAs> {
    if new.id != 0 && new.id == existing.id {
        return None;
    }
    let digits = phone_digits(&new.phone);
    if !digits.is_empty() && same_phone(&digits, &phone_digits(&existing.phone)) {
        return Some(SameAs::Phone);
    }
    let name = |c: &Client| [&c.last_name, &c.first_name, &c.patronymic].map(|s| fold_name(s));
    (name(new) == name(existing) && new.birth_date == existing.birth_date)
        .then_some(SameAs::NameAndBirth)
}

/// Two phones' digits are one number: equal, or one is the other's 10-digit Russian number
/// without its `7` (a number typed without the country code).
fn same_phone(a: &str, b: &str) -> bool {
    let national = |d: &str| match d.strip_prefix('7') {
        Some(rest) if d.len() == 11 => rest.to_string(),
        _ => d.to_string(),
    };
    a == b || (national(a) == national(b) && (a.len() == 10 || b.len() == 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn names_are_stored_capitalised() {
        for (typed, stored) in [
            ("иван", "Иван"),
            ("Иван", "Иван"),
            ("ИВАНОВ", "Иванов"),
            ("иВАН", "Иван"),
            ("анна-мария", "Анна-Мария"),
            ("салтыков-щедрин", "Салтыков-Щедрин"),
            ("анна мария", "Анна Мария"),
            ("мария-тереза анна", "Мария-Тереза Анна"),
            ("д'артаньян", "Д'Артаньян"),
            ("o’brien", "O’Brien"),
            ("McDonald", "McDonald"),
            ("ёлкина", "Ёлкина"),
            ("", ""),
        ] {
            assert_eq!(capitalise_name(typed), stored, "{typed}");
        }
    }

    #[test]
    fn phones_keep_a_foreign_plus() {
        assert_eq!(stored_phone(false, "89161234567"), "79161234567");
        assert_eq!(stored_phone(true, "79161234567"), "79161234567");
        assert_eq!(stored_phone(false, "79161234567"), "79161234567");
        assert_eq!(stored_phone(false, "9161234567"), "9161234567");
        assert_eq!(stored_phone(true, "442079460958"), "+442079460958");
        assert_eq!(stored_phone(true, "81312345678"), "+81312345678");
        assert_eq!(
            stored_phone(true, "7701234567"),
            "+7701234567",
            "10 digits: not Russian"
        );
        assert_eq!(stored_phone(false, "442079460958"), "442079460958");
        assert_eq!(phone_digits("+442079460958"), "442079460958");
    }

    fn client(id: u64, last: &str, first: &str, phone: &str, born: (i32, u32, u32)) -> Client {
        Client {
            id,
            last_name: last.into(),
            first_name: first.into(),
            patronymic: String::new(),
            phone: phone.into(),
            birth_date: NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap_or_default(),
            segment: String::new(),
            calls_consent: false,
        }
    }

    #[test]
    fn the_same_person_by_phone_or_by_name_and_birth_date() {
        let old = client(5, "Петров", "Иван", "79161234567", (1980, 1, 2));
        let same_name = client(0, "петров", "иван", "79990000000", (1980, 1, 2));
        assert_eq!(same_person(&same_name, &old), Some(SameAs::NameAndBirth));
        let yo = client(0, "Семёнов", "Пётр", "79990000000", (1980, 1, 2));
        let e = client(5, "семенов", "петр", "79161234567", (1980, 1, 2));
        assert_eq!(same_person(&yo, &e), Some(SameAs::NameAndBirth));
        let other_birth = client(0, "Петров", "Иван", "79990000000", (1981, 1, 2));
        assert_eq!(same_person(&other_birth, &old), None);
        let same_phone = client(0, "Сидоров", "Олег", "79161234567", (1990, 5, 5));
        assert_eq!(same_person(&same_phone, &old), Some(SameAs::Phone));
        let ten = client(0, "Сидоров", "Олег", "9161234567", (1990, 5, 5));
        assert_eq!(same_person(&ten, &old), Some(SameAs::Phone));
        let foreign = client(0, "Smith", "John", "+442079460958", (1990, 5, 5));
        let foreign_old = client(3, "Smyth", "Jon", "442079460958", (1970, 5, 5));
        assert_eq!(same_person(&foreign, &foreign_old), Some(SameAs::Phone));
        // Itself (an edit) is never a duplicate.
        assert_eq!(same_person(&old, &old), None);
    }
}
