//! Finding clients: by name or phone, and the clients that may be the same person.

use super::*;

/// Clients found so far by a search, each once, up to `limit`.
struct Found {
    clients: Vec<Client>,
    seen: HashSet<u64>,
    limit: usize,
}

fn corrupt_search(k: &[u8]) -> StoreError {
    StoreError::Corrupt {
        tree: CLIENT_SEARCH,
        key: hex(k),
        reason: "not a search key".into(),
    }
}

impl SledStore {
    /// Adds the clients of the search keys under `prefix` that pass `matches`; true once
    /// `found` is full.
    fn scan_search(
        &self,
        prefix: &[u8],
        matches: &dyn Fn(&[u8]) -> bool,
        found: &mut Found,
    ) -> Result<bool, StoreError> {
        for item in self.t.search.scan_prefix(prefix) {
            let (k, _) = item?;
            let id = keys::search_key_id(&k).ok_or_else(|| corrupt_search(&k))?;
            if !matches(&k) || !found.seen.insert(id) {
                continue;
            }
            // A stale entry (no such client) is skipped here and reported by `verify`.
            if let Some(c) = self.client(id)? {
                found.clients.push(c);
                if found.clients.len() >= found.limit {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// [`Store::search_clients`].
    pub(super) fn find_clients(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Client>, StoreError> {
        let query = query.trim();
        let mut found = Found {
            clients: Vec::new(),
            seen: HashSet::new(),
            limit,
        };
        if query.is_empty() || limit == 0 {
            return Ok(found.clients);
        }
        if query.chars().any(char::is_alphabetic) {
            let words: Vec<String> = query.split_whitespace().map(keys::fold).collect();
            let Some((surname, rest)) = words.split_first() else {
                return Ok(found.clients);
            };
            if rest.len() > 2 {
                return Ok(found.clients);
            }
            let mut prefix = vec![keys::SEARCH_NAME];
            prefix.extend_from_slice(surname.as_bytes());
            if rest.is_empty() {
                self.scan_search(&prefix, &|_| true, &mut found)?;
                return Ok(found.clients);
            }
            // Surname prefix + first name (+ patronymic): for each surname that starts with
            // the first word, a range scan of that surname and first name, so "Иванов Ив"
            // reads only its matches, however many Ивановы there are.
            let matches = |k: &[u8]| {
                keys::search_name_parts(k).is_some_and(|[_, first, patronymic]| {
                    rest.iter()
                        .zip([first, patronymic])
                        .all(|(w, part)| part.starts_with(w.as_bytes()))
                })
            };
            let mut from = prefix.clone();
            while let Some(item) = self.t.search.range_from(&from).next() {
                let (k, _) = item?;
                if !k.starts_with(&prefix) {
                    break;
                }
                let [surname, ..] =
                    keys::search_name_parts(&k).ok_or_else(|| corrupt_search(&k))?;
                let mut within = vec![keys::SEARCH_NAME];
                within.extend_from_slice(surname);
                // The next surname starts past every key of this one.
                from = within.clone();
                from.push(keys::NAME_PART + 1);
                within.push(keys::NAME_PART);
                within.extend_from_slice(rest[0].as_bytes());
                if self.scan_search(&within, &matches, &mut found)? {
                    break;
                }
            }
        } else {
            let digits: String = query.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                return Ok(found.clients);
            }
            let mut forms = vec![digits.clone()];
            if let Some(rest) = digits.strip_prefix('8').filter(|r| !r.is_empty()) {
                forms.push(format!("7{rest}"));
            }
            for form in forms {
                let mut prefix = vec![keys::SEARCH_PHONE];
                prefix.extend_from_slice(form.as_bytes());
                if self.scan_search(&prefix, &|_| true, &mut found)? {
                    break;
                }
            }
        }
        Ok(found.clients)
    }

    /// [`Store::same_clients`].
    pub(super) fn find_same_clients(&self, client: &Client) -> Result<Vec<Client>, StoreError> {
        let found = |seen: HashSet<u64>| Found {
            clients: Vec::new(),
            seen,
            limit: crate::store::SAME_CLIENTS_LIMIT,
        };
        // The client itself is never its own duplicate (ids are never 0).
        let itself: HashSet<u64> = (client.id != 0).then_some(client.id).into_iter().collect();
        // An exact key up to the id: the part before the id's 8 bytes.
        let without_id = |mut k: Vec<u8>| {
            k.truncate(k.len().saturating_sub(8));
            k
        };
        let mut by_phone = found(itself.clone());
        for form in keys::phone_forms(&client.phone) {
            let prefix = without_id(keys::search_phone_key(&form, 0));
            if self.scan_search(&prefix, &|_| true, &mut by_phone)? {
                break;
            }
        }
        let mut by_name = found(itself);
        let surname = keys::fold(&client.last_name);
        if !surname.is_empty() {
            let prefix = without_id(keys::search_name_key(
                &surname,
                &keys::fold(&client.first_name),
                &keys::fold(&client.patronymic),
                0,
            ));
            self.scan_search(&prefix, &|_| true, &mut by_name)?;
        }
        // The index finds the candidates; the same rule as everywhere decides.
        let mut out: Vec<Client> = Vec::new();
        for c in by_phone.clients.into_iter().chain(by_name.clients) {
            if same_person(client, &c).is_some() && !out.iter().any(|o| o.id == c.id) {
                out.push(c);
            }
        }
        out.truncate(crate::store::SAME_CLIENTS_LIMIT);
        Ok(out)
    }
}
