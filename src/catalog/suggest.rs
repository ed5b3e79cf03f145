//! "Did you mean …?" for misspelt ids and keys.

/// The closest candidate to `word`, formatted as a message tail, or an empty string.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The suggestion inside a message that `did_you_mean` ended.
pub fn suggestion_in(message: &str) -> Option<&str> {
    let (_, tail) = message.rsplit_once("; did you mean `")?;
    tail.strip_suffix("`?")
}

pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_ids_only() {
        let ids = ["life_insurance", "debit_card", "npf"];
        assert_eq!(closest("life_insurence", ids), Some("life_insurance"));
        assert_eq!(closest("debit_crad", ids), Some("debit_card"));
        assert_eq!(closest("mortgage", ids), None);
        assert_eq!(did_you_mean("npff", ids), "; did you mean `npf`?");
    }
}
