//! Key encodings. Every integer is big-endian and every signed quantity has its sign bit
//! flipped, so byte order is value order and time ranges and prefixes are plain range scans.
//! Strings inside composite keys end with a `0x00` byte (names with a NUL byte are refused).

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::StoreError;
use crate::consultation::{Kind, Month, TallyKey, Technique};

/// The byte that ends a string inside a composite key.
pub const SEP: u8 = 0x00;

/// Search index entries by name start with this byte.
pub const SEARCH_NAME: u8 = b'n';
/// Between the surname, first name and patronymic of a name search key.
pub const NAME_PART: u8 = 0x01;
/// Search index entries by phone digits start with this byte.
pub const SEARCH_PHONE: u8 = b'p';

/// Lowercase hex of a key, for messages.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The case- and ё-folded form used by the search index: lowercase, `ё` → `е`, trimmed,
/// control characters (the key separators among them) dropped.
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_control())
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// A name that goes into a composite key must not hold the separator byte.
pub fn check_name(what: &'static str, value: &str) -> Result<(), StoreError> {
    if value.as_bytes().contains(&SEP) {
        Err(StoreError::InvalidName {
            what,
            value: value.escape_default().to_string(),
        })
    } else {
        Ok(())
    }
}

/// Milliseconds since 1970 (the naive time read as UTC) with the sign bit flipped.
pub fn time_key(t: NaiveDateTime) -> [u8; 8] {
    let ms = t.and_utc().timestamp_millis();
    ((ms as u64) ^ (1 << 63)).to_be_bytes()
}

/// Days since 0001-01-01 with the sign bit flipped.
pub fn date_key(d: NaiveDate) -> [u8; 4] {
    ((d.num_days_from_ce() as u32) ^ (1 << 31)).to_be_bytes()
}

pub fn decode_date_key(bytes: [u8; 4]) -> Option<NaiveDate> {
    let days = (u32::from_be_bytes(bytes) ^ (1 << 31)) as i32;
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// The primary key of a consultation: start time, then id.
pub fn consultation_key(started_at: NaiveDateTime, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&time_key(started_at));
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

/// The first `n` bytes of `bytes` as an array, if there are that many.
pub fn array<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.get(..N)?.try_into().ok()
}

pub fn u64_at(bytes: &[u8]) -> Option<u64> {
    array::<8>(bytes).map(u64::from_be_bytes)
}

/// The id inside a consultation primary key.
pub fn consultation_key_id(pk: &[u8]) -> Option<u64> {
    if pk.len() == 16 {
        u64_at(&pk[8..])
    } else {
        None
    }
}

/// `unfinished`: officer ++ 0x00 ++ consultation primary key.
pub fn unfinished_key(officer: &str, pk: &[u8; 16]) -> Vec<u8> {
    let mut k = string_prefix(officer);
    k.extend_from_slice(pk);
    k
}

/// `s` ++ 0x00: the prefix of every key that starts with this string.
pub fn string_prefix(s: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(s.len() + 1);
    k.extend_from_slice(s.as_bytes());
    k.push(SEP);
    k
}

/// Splits a string ending with 0x00 off the front of a key.
pub fn take_string(bytes: &[u8]) -> Option<(String, &[u8])> {
    let end = bytes.iter().position(|&b| b == SEP)?;
    let s = std::str::from_utf8(&bytes[..end]).ok()?;
    Some((s.to_string(), &bytes[end + 1..]))
}

/// `holdings`: client id ++ product.
pub fn holding_key(client_id: u64, product: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + product.len());
    k.extend_from_slice(&client_id.to_be_bytes());
    k.extend_from_slice(product.as_bytes());
    k
}

/// `follow_ups`: officer ++ 0x00 ++ date ++ consultation id ++ product.
pub fn follow_up_key(officer: &str, date: NaiveDate, consultation: u64, product: &str) -> Vec<u8> {
    let mut k = string_prefix(officer);
    k.extend_from_slice(&date_key(date));
    k.extend_from_slice(&consultation.to_be_bytes());
    k.extend_from_slice(product.as_bytes());
    k
}

/// The parts of a follow-up key: officer, date, consultation id, product.
pub fn decode_follow_up_key(bytes: &[u8]) -> Option<(String, NaiveDate, u64, String)> {
    let (officer, rest) = take_string(bytes)?;
    let date = decode_date_key(array::<4>(rest)?)?;
    let id = u64_at(rest.get(4..)?)?;
    let product = std::str::from_utf8(rest.get(12..)?).ok()?.to_string();
    Some((officer, date, id, product))
}

pub fn kind_byte(kind: Kind) -> u8 {
    match kind {
        Kind::Main => 0,
        Kind::Catch => 1,
        Kind::Create => 2,
        Kind::Formula => 3,
        Kind::Call => 4,
        Kind::Cancelled => 5,
        Kind::Upsell => 6,
        Kind::Downsell => 7,
        Kind::CheckIn => 8,
    }
}

pub fn byte_kind(b: u8) -> Option<Kind> {
    match b {
        0 => Some(Kind::Main),
        1 => Some(Kind::Catch),
        2 => Some(Kind::Create),
        3 => Some(Kind::Formula),
        4 => Some(Kind::Call),
        5 => Some(Kind::Cancelled),
        6 => Some(Kind::Upsell),
        7 => Some(Kind::Downsell),
        8 => Some(Kind::CheckIn),
        _ => None,
    }
}

pub fn kind_str(kind: Kind) -> &'static str {
    match kind {
        Kind::Main => "main",
        Kind::Catch => "catch",
        Kind::Create => "create",
        Kind::Formula => "formula",
        Kind::Call => "call",
        Kind::Cancelled => "cancelled",
        Kind::Upsell => "upsell",
        Kind::Downsell => "downsell",
        Kind::CheckIn => "check_in",
    }
}

/// The kind [`kind_str`] names, read back (the server's counters store the name).
pub fn str_kind(name: &str) -> Option<Kind> {
    (0..=u8::MAX)
        .map_while(byte_kind)
        .find(|k| kind_str(*k) == name)
}

/// `counters`: month ++ officer ++ 0x00 ++ product ++ 0x00 ++ kind ++ variant.
pub fn counter_key(k: &TallyKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + k.officer.len() + k.product.len() + 7);
    out.extend_from_slice(&k.month.0.to_be_bytes());
    out.extend_from_slice(k.officer.as_bytes());
    out.push(SEP);
    out.extend_from_slice(k.product.as_bytes());
    out.push(SEP);
    out.push(kind_byte(k.kind));
    out.extend_from_slice(&k.variant.to_be_bytes());
    out
}

pub fn decode_counter_key(bytes: &[u8]) -> Option<TallyKey> {
    let month = Month(u32::from_be_bytes(array::<4>(bytes)?));
    let (officer, rest) = take_string(&bytes[4..])?;
    let (product, rest) = take_string(rest)?;
    if rest.len() != 5 {
        return None;
    }
    let kind = byte_kind(rest[0])?;
    let variant = u32::from_be_bytes(array::<4>(&rest[1..])?);
    Some(TallyKey {
        month,
        officer,
        product,
        kind,
        variant,
    })
}

/// The prefix of one officer's counters in one month.
pub fn counter_officer_prefix(month: Month, officer: &str) -> Vec<u8> {
    let mut out = month.0.to_be_bytes().to_vec();
    out.extend_from_slice(&string_prefix(officer));
    out
}

/// A technique's byte: the byte of the counter kind of the same name.
pub fn technique_byte(t: Technique) -> u8 {
    kind_byte(match t {
        Technique::Catch => Kind::Catch,
        Technique::Create => Kind::Create,
        Technique::Upsell => Kind::Upsell,
        Technique::Downsell => Kind::Downsell,
    })
}

pub fn byte_technique(b: u8) -> Option<Technique> {
    match byte_kind(b)? {
        Kind::Catch => Some(Technique::Catch),
        Kind::Create => Some(Technique::Create),
        Kind::Upsell => Some(Technique::Upsell),
        Kind::Downsell => Some(Technique::Downsell),
        Kind::Main | Kind::Formula | Kind::Call | Kind::Cancelled | Kind::CheckIn => None,
    }
}

/// `rotation`: officer ++ 0x00 ++ product ++ 0x00 ++ technique.
pub fn rotation_key(officer: &str, product: &str, technique: Technique) -> Vec<u8> {
    let mut out = string_prefix(officer);
    out.extend_from_slice(product.as_bytes());
    out.push(SEP);
    out.push(technique_byte(technique));
    out
}

pub fn decode_rotation_key(bytes: &[u8]) -> Option<(String, String, Technique)> {
    let (officer, rest) = take_string(bytes)?;
    let (product, rest) = take_string(rest)?;
    match rest {
        [b] => Some((officer, product, byte_technique(*b)?)),
        _ => None,
    }
}

/// `client_search` by name: 'n' ++ surname ++ 0x01 ++ first name ++ 0x01 ++ patronymic ++
/// 0x00 ++ client id, each part folded. The whole name is in the key so that "surname first
/// name" is a range scan, not a read of every client with that surname.
pub fn search_name_key(surname: &str, first: &str, patronymic: &str, id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(surname.len() + first.len() + patronymic.len() + 12);
    k.push(SEARCH_NAME);
    k.extend_from_slice(surname.as_bytes());
    k.push(NAME_PART);
    k.extend_from_slice(first.as_bytes());
    k.push(NAME_PART);
    k.extend_from_slice(patronymic.as_bytes());
    k.push(SEP);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The folded surname, first name and patronymic of a name search key (a key of the first
/// schema, surname only, gives empty first name and patronymic).
pub fn search_name_parts(k: &[u8]) -> Option<[&[u8]; 3]> {
    if k.first() != Some(&SEARCH_NAME) || search_key_id(k).is_none() {
        return None;
    }
    let mut parts = k[1..k.len() - 9].splitn(3, |&b| b == NAME_PART);
    Some([
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    ])
}

/// `client_search` by phone: 'p' ++ digits ++ 0x00 ++ client id.
pub fn search_phone_key(digits: &str, id: u64) -> Vec<u8> {
    let mut k = vec![SEARCH_PHONE];
    k.extend_from_slice(digits.as_bytes());
    k.push(SEP);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The client id at the end of a search index key.
pub fn search_key_id(k: &[u8]) -> Option<u64> {
    if k.len() < 10 || k[k.len() - 9] != SEP {
        return None;
    }
    u64_at(&k[k.len() - 8..])
}

/// Phone digits of a stored phone, and the forms it is indexed under: the full number and,
/// for an 11-digit Russian number (`7…` or `8…`), the 10-digit number without the country or
/// trunk prefix.
pub fn phone_forms(phone: &str) -> Vec<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Vec::new();
    }
    let mut out = vec![digits.clone()];
    if digits.len() == 11 && (digits.starts_with('7') || digits.starts_with('8')) {
        out.push(digits[1..].to_string());
    }
    out
}

/// Every search index key of a client.
pub fn search_keys(c: &crate::consultation::Client) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let surname = fold(&c.last_name);
    if !surname.is_empty() {
        keys.push(search_name_key(
            &surname,
            &fold(&c.first_name),
            &fold(&c.patronymic),
            c.id,
        ));
    }
    for form in phone_forms(&c.phone) {
        keys.push(search_phone_key(&form, c.id));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_kind_name_reads_back_to_its_kind() {
        let kinds: Vec<Kind> = (0..=u8::MAX).map_while(byte_kind).collect();
        assert_eq!(kinds.len(), 9);
        for k in kinds {
            assert_eq!(str_kind(kind_str(k)), Some(k));
        }
        assert_eq!(str_kind("nonsense"), None);
    }

    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn time_keys_sort_as_times() {
        let d = |y, m, day| {
            NaiveDate::from_ymd_opt(y, m, day)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .unwrap_or_default()
        };
        assert!(time_key(d(1960, 1, 1)) < time_key(d(1970, 1, 2)));
        assert!(time_key(d(2024, 1, 1)) < time_key(d(2024, 1, 2)));
        let days = [
            NaiveDate::from_ymd_opt(1, 1, 1),
            NaiveDate::from_ymd_opt(1999, 12, 31),
            NaiveDate::from_ymd_opt(2024, 2, 29),
        ];
        for day in days.into_iter().flatten() {
            assert_eq!(decode_date_key(date_key(day)), Some(day));
        }
    }

    #[test]
    fn counter_keys_round_trip() {
        let k = TallyKey {
            month: Month(202405),
            officer: "Петрова А.".into(),
            product: "npf".into(),
            kind: Kind::Create,
            variant: 3,
        };
        assert_eq!(decode_counter_key(&counter_key(&k)), Some(k));
        let r = rotation_key("Петрова", "debit_card", Technique::Catch);
        assert_eq!(
            decode_rotation_key(&r),
            Some(("Петрова".into(), "debit_card".into(), Technique::Catch))
        );
    }

    #[test]
    fn folding() {
        assert_eq!(fold(" Ёлкина "), "елкина");
        assert_eq!(fold("СЕМЁНОВ"), "семенов");
        assert_eq!(
            phone_forms("+7 (916) 123-45-67"),
            ["79161234567", "9161234567"]
        );
        assert_eq!(fold("Ив\u{1}ан\0ов"), "иванов");
        let k = search_name_key("иванов", "петр", "ильич", 77);
        assert_eq!(search_key_id(&k), Some(77));
        assert_eq!(
            search_name_parts(&k),
            Some(["иванов".as_bytes(), "петр".as_bytes(), "ильич".as_bytes()])
        );
        // The first schema's key: the surname alone.
        let mut old = vec![SEARCH_NAME];
        old.extend_from_slice("ив".as_bytes());
        old.push(SEP);
        old.extend_from_slice(&5u64.to_be_bytes());
        assert_eq!(
            search_name_parts(&old),
            Some(["ив".as_bytes(), &[][..], &[][..]])
        );
        assert_eq!(search_name_parts(&search_phone_key("79", 1)), None);
    }
}
