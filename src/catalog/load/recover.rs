//! Recovery inside a table that does not deserialize: stand-ins for missing fields,
//! removal of values of the wrong type, misspelt keys read as the keys they were meant to be.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::catalog::suggest::closest;

pub(super) fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

/// The first line of a table's span (its `[[header]]` line) rather than its whole body.
pub(super) fn header_span(text: Option<&str>, span: Range<usize>) -> Range<usize> {
    let Some(text) = text else { return span };
    let start = span.start.min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    start..end.max(start + 1).min(text.len().max(start))
}

/// The field a serde "missing field `x`" message names.
pub(super) fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// Required fields that are lists of phrases; every other required field is a string.
const LIST_FIELDS: &[&str] = &["say", "answer"];
/// Puts a stand-in for the missing `field` into the table: an empty string with an empty
/// span (or a list of one). `false` when the value is not a table.
pub(super) fn insert_placeholder(value: &mut Spanned<DeValue<'_>>, field: &str) -> bool {
    let span = value.span();
    let DeValue::Table(table) = value.get_mut() else {
        return false;
    };
    let at = span.start..span.start;
    let text = || Spanned::new(at.clone(), DeValue::String(std::borrow::Cow::Borrowed("")));
    let stand_in = if LIST_FIELDS.contains(&field) {
        let mut list = toml::de::DeArray::new();
        list.push(text());
        Spanned::new(at.clone(), DeValue::Array(list))
    } else {
        text()
    };
    let key = Spanned::new(at.clone(), std::borrow::Cow::Owned(field.to_string()));
    table.insert(key, stand_in);
    true
}

/// Removes the innermost table entry or array element whose value holds `span` (the place
/// of a type error). `None` when nothing holds it; `Some(Some(key))` when the entry removed
/// was one of the top table's own keys.
pub(super) fn remove_at(
    value: &mut Spanned<DeValue<'_>>,
    span: &Range<usize>,
) -> Option<Option<String>> {
    fn holds(v: &Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
        let s = v.span();
        s.start <= span.start && span.end <= s.end && !s.is_empty()
    }
    fn go(value: &mut DeValue<'_>, span: &Range<usize>) -> bool {
        match value {
            DeValue::Table(table) => {
                let mut hit = None;
                for (k, v) in table.iter_mut() {
                    if holds(v, span) {
                        hit = Some(k.clone());
                        if go(v.get_mut(), span) {
                            return true;
                        }
                        break;
                    }
                }
                match hit {
                    Some(k) => table.remove(&k).is_some(),
                    None => false,
                }
            }
            DeValue::Array(items) => {
                let Some(i) = items.iter().position(|v| holds(v, span)) else {
                    return false;
                };
                if go(items.as_mut()[i].get_mut(), span) {
                    return true;
                }
                let mut rest = toml::de::DeArray::new();
                for (j, v) in items.iter().enumerate() {
                    if j != i {
                        rest.push(v.clone());
                    }
                }
                *items = rest;
                true
            }
            _ => false,
        }
    }
    let DeValue::Table(table) = value.get_mut() else {
        return None;
    };
    let key = table
        .iter()
        .find(|(_, v)| holds(v, span))
        .map(|(k, _)| k.clone())?;
    let entry = table.get_mut(key.get_ref().as_ref())?;
    // A parameter's value stands in as empty text, so `{product.<param>}` stays known.
    if key.get_ref() == "params" {
        if let DeValue::Table(params) = entry.get_mut() {
            for (_, v) in params.iter_mut() {
                if holds(v, span) {
                    *v = Spanned::new(v.span().start..v.span().start, DeValue::String("".into()));
                    return Some(None);
                }
            }
        }
    }
    if go(entry.get_mut(), span) {
        return Some(None);
    }
    table.remove(key.get_ref().as_ref());
    Some(Some(key.get_ref().to_string()))
}

/// The known keys of `table` (less `skip`), with each misspelt key read as the key it was
/// meant to be (`nmae = "…"` as the name) unless that key is there too: so what the value
/// names is checked as usual, and nothing cascades from the typo (reported apart).
pub(super) fn with_meant_keys<'i>(
    table: &DeTable<'i>,
    known: &[&str],
    skip: &[&str],
) -> DeTable<'i> {
    let mut kept = DeTable::new();
    for (k, v) in table.iter() {
        let name: &str = k.get_ref();
        if !skip.contains(&name) && known.contains(&name) {
            kept.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in table.iter() {
        let name: &str = k.get_ref();
        if known.contains(&name) {
            continue;
        }
        let Some(meant) = closest(name, known.iter().copied()) else {
            continue;
        };
        if skip.contains(&meant) {
            continue;
        }
        // `[[prodcut]]` beside `[[product]]`: its tables join the others.
        if let Some(there) = kept.get_mut(meant) {
            if let (DeValue::Array(all), Some(more)) = (there.get_mut(), v.get_ref().as_array()) {
                let mut joined = toml::de::DeArray::new();
                for item in all.iter().chain(more.iter()) {
                    joined.push(item.clone());
                }
                *all = joined;
            }
            continue;
        }
        let key = Spanned::new(k.span(), std::borrow::Cow::Owned(meant.to_string()));
        kept.insert(key, v.clone());
    }
    kept
}
