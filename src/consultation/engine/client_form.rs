//! Client validation: the new-client form checked and normalised.

use chrono::NaiveDate;
use thiserror::Error;

use super::super::model::Client;
use super::age_on;

/// A field of the new-client form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    LastName,
    FirstName,
    Patronymic,
    Phone,
    BirthDate,
    Segment,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::LastName => "last name",
            Field::FirstName => "first name",
            Field::Patronymic => "patronymic",
            Field::Phone => "phone",
            Field::BirthDate => "birth date",
            Field::Segment => "segment",
        }
    }
}

/// A form field that does not pass, with a short English message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {message}", field.as_str())]
pub struct ClientError {
    pub field: Field,
    pub message: &'static str,
}

/// The new-client form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewClient {
    pub last_name: String,
    pub first_name: String,
    pub patronymic: String,
    pub phone: String,
    /// `YYYY-MM-DD` or `DD.MM.YYYY`.
    pub birth_date: String,
    pub segment: String,
}

/// A checked and normalised client, not stored yet (no id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidClient {
    pub last_name: String,
    pub first_name: String,
    pub patronymic: String,
    /// As stored: see [`Client::phone`].
    pub phone: String,
    pub birth_date: NaiveDate,
    pub segment: String,
}

impl ValidClient {
    pub fn into_client(self, id: u64) -> Client {
        Client {
            id,
            last_name: self.last_name,
            first_name: self.first_name,
            patronymic: self.patronymic,
            phone: self.phone,
            birth_date: self.birth_date,
            segment: self.segment,
            calls_consent: false,
        }
    }
}

pub const MIN_CLIENT_AGE: u32 = 14;
pub const MAX_CLIENT_AGE: u32 = 120;
const MAX_NAME_CHARS: usize = 60;
const MAX_SEGMENT_CHARS: usize = 40;

impl NewClient {
    /// Checks the form on `today`; the first failing field, in form order.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidClient, ClientError> {
        Ok(ValidClient {
            last_name: name(&self.last_name, Field::LastName, true)?,
            first_name: name(&self.first_name, Field::FirstName, true)?,
            patronymic: name(&self.patronymic, Field::Patronymic, false)?,
            phone: phone(&self.phone)?,
            birth_date: birth_date(&self.birth_date, today)?,
            segment: segment(&self.segment)?,
        })
    }

    /// Every failing field, in form order (for marking them all at once).
    pub fn problems(&self, today: NaiveDate) -> Vec<ClientError> {
        [
            name(&self.last_name, Field::LastName, true).err(),
            name(&self.first_name, Field::FirstName, true).err(),
            name(&self.patronymic, Field::Patronymic, false).err(),
            phone(&self.phone).err(),
            birth_date(&self.birth_date, today).err(),
            segment(&self.segment).err(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

pub(super) fn field_error(field: Field, message: &'static str) -> ClientError {
    ClientError { field, message }
}

/// Letters, hyphens, spaces and apostrophes; runs of spaces collapse to one.
fn name(text: &str, field: Field, required: bool) -> Result<String, ClientError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return if required {
            Err(field_error(field, "required"))
        } else {
            Ok(text)
        };
    }
    if !text
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '-' | ' ' | '\'' | '’'))
    {
        return Err(field_error(
            field,
            "letters, hyphen, space or apostrophe only",
        ));
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(field_error(field, "must contain letters"));
    }
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(field_error(field, "too long"));
    }
    Ok(super::super::names::capitalise_name(&text))
}

/// Spaces, dashes and parentheses are dropped; 10–15 digits; stored as
/// [`super::super::names::stored_phone`] says (a Russian number as digits, a foreign `+` kept).
fn phone(text: &str) -> Result<String, ClientError> {
    let text = text.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if digits.is_empty() {
        return Err(field_error(Field::Phone, "required"));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(field_error(Field::Phone, "digits only"));
    }
    if !(10..=15).contains(&digits.len()) {
        return Err(field_error(Field::Phone, "must have 10 to 15 digits"));
    }
    Ok(super::super::names::stored_phone(plus, &digits))
}

/// `YYYY-MM-DD` or `DD.MM.YYYY`, giving an age of 14 to 120 on `today`.
fn birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ClientError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(field_error(Field::BirthDate, "required"));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .map_err(|_| {
            // The right shape with an impossible day (31.02) needs another fix than a typo.
            let shaped = [('.', [2, 2, 4]), ('-', [4, 2, 2])]
                .iter()
                .any(|(sep, widths)| {
                    let parts: Vec<&str> = text.split(*sep).collect();
                    parts.len() == 3
                        && parts.iter().zip(widths).all(|(part, width)| {
                            part.len() == *width && part.bytes().all(|b| b.is_ascii_digit())
                        })
                });
            let message = if shaped {
                "no such date"
            } else {
                "use YYYY-MM-DD or DD.MM.YYYY"
            };
            field_error(Field::BirthDate, message)
        })?;
    if date > today {
        return Err(field_error(Field::BirthDate, "in the future"));
    }
    let age = age_on(date, today);
    if age < MIN_CLIENT_AGE {
        return Err(field_error(Field::BirthDate, "client must be at least 14"));
    }
    if age > MAX_CLIENT_AGE {
        return Err(field_error(Field::BirthDate, "implausible: over 120 years"));
    }
    Ok(date)
}

/// Free text, trimmed, short, printable; may be empty.
fn segment(text: &str) -> Result<String, ClientError> {
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err(field_error(Field::Segment, "invalid characters"));
    }
    if text.chars().count() > MAX_SEGMENT_CHARS {
        return Err(field_error(Field::Segment, "too long"));
    }
    Ok(text.to_string())
}
