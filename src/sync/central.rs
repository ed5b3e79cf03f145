//! The bank-wide store read back for the reports: one [`CentralStore`] per workstation on
//! the server, implementing the same [`Store`] interface the reports read a sled database
//! through, so `stats --server` and `export --server` give the tables and files that
//! `export --db A --db B …` gives over the same databases.
//!
//! Whole months come from the `counters` table (the workstation's own counters, sent by
//! `sync`), never a scan; the records come back from their `record` column, decoded by the
//! workstation's own codec, so every field is as the workstation has it. Only the reading
//! side of [`Store`] is served: this store is read-only, and a write is refused with
//! [`StoreError::Central`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};

use super::{schema, Server, SyncError};
use crate::catalog::{Catalog, VersionTexts};
use crate::consultation::{
    Cancellation, Client, ClientHistory, Consultation, Contact, Kind, Month, OpenCallBack, Tally,
    TallyKey, Technique,
};
use crate::store::{
    codec, CatalogCopy, Event, EventKind, FollowUp, MonthPlan, Officer, Records, Store, StoreError,
    VerifyReport,
};

/// One workstation's records on the server.
pub struct CentralStore {
    client: Arc<Mutex<postgres::Client>>,
    server: Arc<Server>,
    ws: u64,
    location: String,
    names: bool,
}

/// Every workstation on the server, in the order of their locations (as `--db` paths are
/// given), sharing one connection.
pub fn workstations(server: &Server) -> Result<Vec<CentralStore>, SyncError> {
    let mut client = server.connect()?;
    schema::check_current(&mut client, server)?;
    let names = schema::accepts_client_names(&mut client, server)?;
    let rows = client
        .query(
            "SELECT workstation_id, location FROM workstations ORDER BY location, workstation_id",
            &[],
        )
        .map_err(|e| SyncError::Refused {
            server: server.masked().to_string(),
            reason: server.reason(&e),
        })?;
    let client = Arc::new(Mutex::new(client));
    let server = Arc::new(server.clone());
    Ok(rows
        .iter()
        .map(|r| CentralStore {
            client: Arc::clone(&client),
            server: Arc::clone(&server),
            ws: r.get::<_, i64>(0) as u64,
            location: r.get(1),
            names,
        })
        .collect())
}

const TREE: &str = "server";

impl CentralStore {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        client.query(sql, params).map_err(|e| {
            StoreError::Central(format!(
                "the server {} failed: {}",
                self.server.masked(),
                self.server.reason(&e)
            ))
        })
    }

    fn ws(&self) -> i64 {
        self.ws as i64
    }

    fn read_only(&self) -> StoreError {
        StoreError::Central(format!(
            "the bank-wide store {} is read-only here: records are written on the workstations and sent by `sufler sync`",
            self.server.masked()
        ))
    }

    /// A time's month as the server's YYYYMM, the year held to 1..=9999 (the ends of an
    /// open range are chrono's MIN and MAX).
    fn month_number(t: NaiveDateTime) -> i32 {
        t.year().clamp(1, 9999) * 100 + t.month() as i32
    }

    /// The months `first..=last` (YYYYMM), in order.
    fn months(first: i32, last: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let mut m = first;
        while m <= last {
            out.push(m);
            m = if m % 100 >= 12 {
                (m / 100 + 1) * 100 + 1
            } else {
                m + 1
            };
        }
        out
    }

    /// The rows of a time range, one month's query at a time as the reader gets there, so a
    /// long export holds one month of one workstation in memory, not its whole history.
    /// `sql` reads `table` with ($1 workstation, $2 month, $3 from, $4 to) and yields
    /// (id, record).
    fn by_month<T: 'static>(
        &self,
        table: &'static str,
        sql: &'static str,
        from: NaiveDateTime,
        to: NaiveDateTime,
        decode: fn(i64, &[u8]) -> Result<T, StoreError>,
    ) -> Records<'_, T> {
        if from >= to {
            return Box::new(std::iter::empty());
        }
        let ws = self.ws();
        let mut first = Self::month_number(from);
        let mut last = Self::month_number(to - chrono::Duration::nanoseconds(1));
        if last - first > 200 {
            // A long range (the whole history: MIN to MAX): the months the workstation has.
            let bounds =
                format!("SELECT min(month), max(month) FROM {table} WHERE workstation_id = $1");
            let row = match self.query(&bounds, &[&ws]) {
                Ok(rows) => rows
                    .first()
                    .map(|r| (r.get::<_, Option<i32>>(0), r.get::<_, Option<i32>>(1))),
                Err(e) => return Box::new(std::iter::once(Err(e))),
            };
            match row {
                Some((Some(lo), Some(hi))) => (first, last) = (first.max(lo), last.min(hi)),
                _ => return Box::new(std::iter::empty()),
            }
        }
        let months = Self::months(first, last);
        Box::new(months.into_iter().flat_map(move |m| {
            match self.query(sql, &[&ws, &m, &from, &to]) {
                Ok(rows) => Box::new(
                    rows.into_iter()
                        .map(move |r| decode(r.get::<_, i64>(0), r.get::<_, &[u8]>(1))),
                ) as Box<dyn Iterator<Item = Result<T, StoreError>>>,
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        }))
    }

    fn consultations_where(
        &self,
        condition: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Consultation>, StoreError> {
        let sql = format!(
            "SELECT consultation_id, record FROM consultations WHERE workstation_id = $1 AND {condition} \
             ORDER BY started_at, consultation_id"
        );
        let mut all: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![];
        let ws = self.ws();
        all.push(&ws);
        all.extend_from_slice(params);
        self.query(&sql, &all)?
            .iter()
            .map(|r| {
                let id: i64 = r.get(0);
                codec::decode_consultation(TREE, &id.to_be_bytes(), r.get(1))
            })
            .collect()
    }
}

impl Store for CentralStore {
    fn new_id(&self) -> Result<u64, StoreError> {
        Err(self.read_only())
    }

    fn officer(&self, name: &str) -> Result<Option<Officer>, StoreError> {
        let rows = self.query(
            "SELECT name, branch FROM officers WHERE workstation_id = $1 AND name = $2",
            &[&self.ws(), &name],
        )?;
        Ok(rows.first().map(|r| Officer {
            name: r.get(0),
            branch: r.get(1),
        }))
    }

    fn workstation_officer(&self) -> Result<Option<Officer>, StoreError> {
        Ok(None)
    }

    fn workstation_id(&self) -> Result<u64, StoreError> {
        Ok(self.ws)
    }

    fn save_officer(&self, _: &Officer) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn add_client(&self, _: Client) -> Result<Client, StoreError> {
        Err(self.read_only())
    }

    fn add_clients(&self, _: Vec<Client>) -> Result<Vec<Client>, StoreError> {
        Err(self.read_only())
    }

    fn update_client(&self, _: &Client) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn forget_client(&self, _: u64) -> Result<Option<Client>, StoreError> {
        Err(self.read_only())
    }

    /// The client as the server holds it: without names and phone unless the server
    /// accepts them; the birth date then January 1st of the birth year.
    fn client(&self, id: u64) -> Result<Option<Client>, StoreError> {
        let rows = self.query(
            "SELECT client_id, birth_year, segment, calls_consent, last_name, first_name, \
               patronymic, phone, birth_date FROM clients WHERE workstation_id = $1 AND client_id = $2",
            &[&self.ws(), &(id as i64)],
        )?;
        Ok(rows.first().map(|r| {
            let year: i32 = r.get(1);
            let text = |i: usize| -> String {
                if self.names {
                    r.get::<_, Option<String>>(i).unwrap_or_default()
                } else {
                    String::new()
                }
            };
            let birth: Option<NaiveDate> = r.get(8);
            Client {
                id: r.get::<_, i64>(0) as u64,
                last_name: text(4),
                first_name: text(5),
                patronymic: text(6),
                phone: text(7),
                birth_date: birth
                    .filter(|_| self.names)
                    .or_else(|| NaiveDate::from_ymd_opt(year, 1, 1))
                    .unwrap_or(NaiveDate::MIN),
                segment: r.get(2),
                calls_consent: r.get(3),
            }
        }))
    }

    fn clients(&self) -> Records<'_, Client> {
        let ids = self.query(
            "SELECT client_id FROM clients WHERE workstation_id = $1 ORDER BY client_id",
            &[&self.ws()],
        );
        match ids {
            Err(e) => Box::new(std::iter::once(Err(e))),
            Ok(rows) => Box::new(
                rows.into_iter()
                    .filter_map(move |r| self.client(r.get::<_, i64>(0) as u64).transpose()),
            ),
        }
    }

    fn search_clients(&self, _: &str, _: usize) -> Result<Vec<Client>, StoreError> {
        Ok(Vec::new())
    }

    fn holdings(&self, client_id: u64) -> Result<BTreeSet<String>, StoreError> {
        Ok(self
            .query(
                "SELECT product FROM holdings WHERE workstation_id = $1 AND client_id = $2",
                &[&self.ws(), &(client_id as i64)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn add_holding(&self, _: u64, _: &str) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn remove_holding(&self, _: u64, _: &str) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn add_holdings(&self, _: &[(u64, String)]) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn history(&self, client_id: u64) -> Result<ClientHistory, StoreError> {
        Ok(ClientHistory {
            holdings: self.holdings(client_id)?,
            declined_on: BTreeMap::new(),
        })
    }

    fn save(&self, _: &Consultation, _: EventKind, _: &str) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn save_all(&self, _: &[Consultation], _: EventKind, _: &str) -> Result<(), StoreError> {
        Err(self.read_only())
    }

    fn add_consultations(
        &self,
        _: Vec<Consultation>,
        _: EventKind,
        _: &str,
    ) -> Result<Vec<u64>, StoreError> {
        Err(self.read_only())
    }

    fn consultation(&self, id: u64) -> Result<Option<Consultation>, StoreError> {
        Ok(self
            .consultations_where("consultation_id = $2", &[&(id as i64)])?
            .pop())
    }

    fn unfinished(&self, _: &str) -> Result<Option<Consultation>, StoreError> {
        Ok(None)
    }

    fn consultations_of_client(&self, client_id: u64) -> Result<Vec<Consultation>, StoreError> {
        self.consultations_where("client_id = $2", &[&(client_id as i64)])
    }

    fn consultations_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Records<'_, Consultation> {
        self.by_month(
            "consultations",
            "SELECT consultation_id, record FROM consultations WHERE workstation_id = $1 \
               AND month = $2 AND started_at >= $3 AND started_at < $4 \
             ORDER BY started_at, consultation_id",
            from,
            to,
            |id, record| codec::decode_consultation(TREE, &id.to_be_bytes(), record),
        )
    }

    fn tallies(&self, month: Month) -> Result<BTreeMap<TallyKey, Tally>, StoreError> {
        self.tallies_between(month, month)
    }

    fn tallies_between(
        &self,
        from: Month,
        to: Month,
    ) -> Result<BTreeMap<TallyKey, Tally>, StoreError> {
        let rows = self.query(
            "SELECT month, officer, product, kind, variant, offered, accepted, declined, \
               thinking, consultations, main_sold \
             FROM counters WHERE workstation_id = $1 AND month BETWEEN $2 AND $3",
            &[&self.ws(), &(from.0 as i32), &(to.0 as i32)],
        )?;
        let mut out = BTreeMap::new();
        for r in rows {
            let kind: String = r.get(3);
            let kind = crate::store::keys::str_kind(&kind).ok_or_else(|| StoreError::Corrupt {
                tree: TREE,
                key: format!("counters {kind}"),
                reason: "not a counter kind this sufler knows".into(),
            })?;
            let n = |i: usize| r.get::<_, i64>(i) as u64;
            out.insert(
                TallyKey {
                    month: Month(r.get::<_, i32>(0) as u32),
                    officer: r.get(1),
                    product: r.get(2),
                    kind,
                    variant: r.get::<_, i64>(4) as u32,
                },
                Tally {
                    offered: n(5),
                    accepted: n(6),
                    declined: n(7),
                    thinking: n(8),
                    consultations: n(9),
                    main_sold: n(10),
                },
            );
        }
        Ok(out)
    }

    fn plan_sold(&self, officer: &str, month: Month) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for (k, t) in self.tallies(month)? {
            if k.officer != officer {
                continue;
            }
            match k.kind {
                Kind::Formula => {}
                Kind::Cancelled => {
                    let sold = out.entry(k.product).or_default();
                    *sold = sold.saturating_sub(t.accepted);
                }
                _ => *out.entry(k.product).or_default() += t.accepted,
            }
        }
        Ok(out)
    }

    fn rotation(&self, _: &str) -> Result<BTreeMap<(String, Technique), u64>, StoreError> {
        Ok(BTreeMap::new())
    }

    fn follow_ups_from(&self, _: &str, _: NaiveDate) -> Result<Vec<FollowUp>, StoreError> {
        Ok(Vec::new())
    }

    fn call_backs_due(
        &self,
        _: &str,
        _: NaiveDate,
        _: usize,
    ) -> Result<(Vec<FollowUp>, usize), StoreError> {
        Ok((Vec::new(), 0))
    }

    fn open_call_backs(&self, _: u64) -> Result<Vec<OpenCallBack>, StoreError> {
        Ok(Vec::new())
    }

    fn save_contact(&self, _: Contact) -> Result<Contact, StoreError> {
        Err(self.read_only())
    }

    fn add_contacts(&self, _: Vec<Contact>) -> Result<usize, StoreError> {
        Err(self.read_only())
    }

    fn contacts_of_client(&self, client_id: u64) -> Result<Vec<Contact>, StoreError> {
        self.query(
            "SELECT contact_id, record FROM contacts WHERE workstation_id = $1 AND client_id = $2 \
             ORDER BY at, contact_id",
            &[&self.ws(), &(client_id as i64)],
        )?
        .iter()
        .map(|r| codec::decode_contact(TREE, &r.get::<_, i64>(0).to_be_bytes(), r.get(1)))
        .collect()
    }

    fn contacts_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Records<'_, Contact> {
        self.by_month(
            "contacts",
            "SELECT contact_id, record FROM contacts WHERE workstation_id = $1 \
               AND month = $2 AND at >= $3 AND at < $4 ORDER BY at, contact_id",
            from,
            to,
            |id, record| codec::decode_contact(TREE, &id.to_be_bytes(), record),
        )
    }

    fn save_cancellation(&self, _: Cancellation) -> Result<Cancellation, StoreError> {
        Err(self.read_only())
    }

    fn cancellations_of_client(&self, client_id: u64) -> Result<Vec<Cancellation>, StoreError> {
        self.query(
            "SELECT cancellation_id, record FROM cancellations WHERE workstation_id = $1 \
               AND client_id = $2 ORDER BY cancellation_id",
            &[&self.ws(), &(client_id as i64)],
        )?
        .iter()
        .map(|r| codec::decode(TREE, &r.get::<_, i64>(0).to_be_bytes(), r.get(1)))
        .collect()
    }

    fn cancellations(&self) -> Records<'_, Cancellation> {
        let rows = self.query(
            "SELECT cancellation_id, record FROM cancellations WHERE workstation_id = $1 \
             ORDER BY client_id, cancellation_id",
            &[&self.ws()],
        );
        match rows {
            Err(e) => Box::new(std::iter::once(Err(e))),
            Ok(rows) => Box::new(
                rows.into_iter()
                    .map(|r| codec::decode(TREE, &r.get::<_, i64>(0).to_be_bytes(), r.get(1))),
            ),
        }
    }

    fn unfinished_all(&self, _: &str) -> Result<Vec<Consultation>, StoreError> {
        Ok(Vec::new())
    }

    fn latest_consultation_id(&self, client_id: u64) -> Result<Option<u64>, StoreError> {
        Ok(self
            .consultations_of_client(client_id)?
            .last()
            .map(|c| c.id))
    }

    fn events(&self) -> Records<'_, (u64, Event)> {
        Box::new(std::iter::empty())
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn verify_with(&self, _: &mut dyn FnMut(u64, u64)) -> Result<VerifyReport, StoreError> {
        Err(StoreError::Central(format!(
            "verify runs on a workstation's database, not on the bank-wide store {}",
            self.server.masked()
        )))
    }

    fn last_good_catalog(&self) -> Result<Option<CatalogCopy>, StoreError> {
        Ok(None)
    }

    fn keep_good_catalog(
        &self,
        _: &str,
        _: Vec<(String, String)>,
        _: NaiveDateTime,
    ) -> Result<CatalogCopy, StoreError> {
        Err(self.read_only())
    }

    fn same_clients(&self, _: &Client) -> Result<Vec<Client>, StoreError> {
        Ok(Vec::new())
    }

    /// Nothing to declare: no consultation is saved here.
    fn use_catalog(&self, _: &Catalog) {}

    fn version_texts(&self, hash: &str) -> Result<Option<VersionTexts>, StoreError> {
        let rows = self.query(
            "SELECT texts::text FROM catalogue_versions WHERE workstation_id = $1 AND hash = $2",
            &[&self.ws(), &hash],
        )?;
        match rows.first() {
            None => Ok(None),
            Some(r) => serde_json::from_str(r.get(0))
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    tree: TREE,
                    key: format!("catalogue_versions {hash}"),
                    reason: e.to_string(),
                }),
        }
    }

    fn month_plan(&self, month: Month) -> Result<Option<MonthPlan>, StoreError> {
        let rows = self.query(
            "SELECT plan::text FROM month_plans WHERE workstation_id = $1 AND month = $2",
            &[&self.ws(), &(month.0 as i32)],
        )?;
        match rows.first() {
            None => Ok(None),
            Some(r) => serde_json::from_str(r.get(0))
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    tree: TREE,
                    key: format!("month_plans {month}"),
                    reason: e.to_string(),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CentralStore;

    #[test]
    fn months_run_over_the_year_end_and_the_ends_of_time_are_held() {
        assert_eq!(
            CentralStore::months(202611, 202702),
            vec![202611, 202612, 202701, 202702]
        );
        assert!(CentralStore::months(202612, 202611).is_empty());
        let (min, max) = (chrono::NaiveDateTime::MIN, chrono::NaiveDateTime::MAX);
        assert_eq!(CentralStore::month_number(min), 101);
        assert_eq!(CentralStore::month_number(max), 999_912);
    }
}
