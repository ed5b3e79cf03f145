//! The rows of the central tables as PostgreSQL's COPY text format, and the statements that
//! move them from the session's staging tables into the real ones as idempotent upserts.
//!
//! Ids are u64 on the workstation and `bigint` on the server: the same 64 bits (a
//! workstation id above 2^63 reads as a negative number in SQL).

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

/// One central table: its name, key columns and other columns, in COPY order.
pub(super) struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub cols: &'static [&'static str],
    /// How a conflict on the key is settled.
    pub upsert: Upsert,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Upsert {
    /// Replaced by a row of a higher `version`.
    Versioned,
    /// Written once; a row already there stays (events, catalogue texts).
    Keep,
    /// Replaced when it says something else (month plans: the centre's targets may restate
    /// a month the workstation stored before they came).
    Replace,
}

pub(super) const OFFICERS: Table = Table {
    name: "officers",
    key: &["workstation_id", "name"],
    cols: &["branch", "version"],
    upsert: Upsert::Versioned,
};

pub(super) const CLIENTS: Table = Table {
    name: "clients",
    key: &["workstation_id", "client_id"],
    cols: &[
        "birth_year",
        "segment",
        "calls_consent",
        "last_name",
        "first_name",
        "patronymic",
        "phone",
        "birth_date",
        "version",
    ],
    upsert: Upsert::Versioned,
};

/// Replaced per client (see `push`): a client's holdings are sent whole.
pub(super) const HOLDINGS: Table = Table {
    name: "holdings",
    key: &["workstation_id", "client_id", "product"],
    cols: &[],
    upsert: Upsert::Keep,
};

pub(super) const CONSULTATIONS: Table = Table {
    name: "consultations",
    key: &["workstation_id", "month", "consultation_id"],
    cols: &[
        "started_at",
        "finished_at",
        "officer",
        "branch",
        "client_id",
        "main",
        "main_outcome",
        "not_receptive",
        "catalog_label",
        "catalog_hash",
        "version",
        "record",
    ],
    upsert: Upsert::Versioned,
};

/// Replaced with their consultation.
pub(super) const OFFERS: Table = Table {
    name: "offers",
    key: &["workstation_id", "month", "consultation_id", "n"],
    cols: &[
        "officer",
        "main",
        "product",
        "technique",
        "slot",
        "stage",
        "variant",
        "made_at",
        "outcome",
        "outcome_at",
    ],
    upsert: Upsert::Keep,
};

pub(super) const CONTACTS: Table = Table {
    name: "contacts",
    key: &["workstation_id", "month", "contact_id"],
    cols: &[
        "at",
        "officer",
        "branch",
        "client_id",
        "consultation_id",
        "product",
        "outcome",
        "check_in",
        "version",
        "record",
    ],
    upsert: Upsert::Versioned,
};

pub(super) const CANCELLATIONS: Table = Table {
    name: "cancellations",
    key: &["workstation_id", "cancellation_id"],
    cols: &[
        "client_id",
        "consultation_id",
        "officer",
        "product",
        "sold_at",
        "cancelled_on",
        "version",
        "record",
    ],
    upsert: Upsert::Versioned,
};

pub(super) const EVENTS: Table = Table {
    name: "events",
    key: &["workstation_id", "month", "seq"],
    cols: &[
        "at",
        "officer",
        "consultation_id",
        "client_id",
        "kind",
        "detail",
    ],
    upsert: Upsert::Keep,
};

pub(super) const VERSIONS: Table = Table {
    name: "catalogue_versions",
    key: &["workstation_id", "hash"],
    cols: &["label", "first_used", "texts"],
    upsert: Upsert::Keep,
};

pub(super) const PLANS: Table = Table {
    name: "month_plans",
    key: &["workstation_id", "month"],
    cols: &["plan"],
    upsert: Upsert::Replace,
};

pub(super) const COUNTER_MONTHS: Table = Table {
    name: "counter_months",
    key: &["workstation_id", "month"],
    cols: &["version"],
    upsert: Upsert::Versioned,
};

/// Replaced a month at a time, with their `counter_months` row.
pub(super) const COUNTERS: Table = Table {
    name: "counters",
    key: &[
        "workstation_id",
        "month",
        "officer",
        "product",
        "kind",
        "variant",
    ],
    cols: &[
        "offered",
        "accepted",
        "declined",
        "thinking",
        "consultations",
        "main_sold",
    ],
    upsert: Upsert::Keep,
};

/// Every table that is staged, in the order a batch writes them.
pub(super) const STAGED: &[&Table] = &[
    &OFFICERS,
    &CLIENTS,
    &HOLDINGS,
    &CONSULTATIONS,
    &OFFERS,
    &CONTACTS,
    &CANCELLATIONS,
    &EVENTS,
    &VERSIONS,
    &PLANS,
    &COUNTER_MONTHS,
    &COUNTERS,
];

impl Table {
    pub fn stage(&self) -> String {
        format!("sufler_stage_{}", self.name)
    }

    fn all_cols(&self) -> String {
        self.key
            .iter()
            .chain(self.cols.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Creates this session's staging table, emptied at every commit.
    pub fn create_stage(&self) -> String {
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
            self.stage(),
            self.name
        )
    }

    pub fn copy_in(&self) -> String {
        format!("COPY {} ({}) FROM STDIN", self.stage(), self.all_cols())
    }

    /// `c = excluded.c` for every column.
    fn set_all(&self) -> String {
        self.cols
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The stored row's `cols` differ from the incoming one's.
    fn differs(&self, cols: &[&str]) -> String {
        let row = |of: &str| {
            cols.iter()
                .map(|c| format!("{of}.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "ROW({}) IS DISTINCT FROM ROW({})",
            row(self.name),
            row("excluded")
        )
    }

    /// The staged rows into the table; with `returning`, the keys of the rows written (new
    /// or replaced) go to that staging table of keys.
    pub fn upsert(&self, returning: Option<(&str, &[&str])>) -> String {
        let cols = self.all_cols();
        let conflict = match self.upsert {
            Upsert::Keep => format!("ON CONFLICT ({}) DO NOTHING", self.key.join(", ")),
            Upsert::Replace => format!(
                "ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
                self.key.join(", "),
                self.set_all(),
                self.differs(self.cols)
            ),
            Upsert::Versioned => {
                // Replaced by a newer version, and only when it says something else: a
                // record read again unchanged is not a change.
                let content: Vec<&str> = self
                    .cols
                    .iter()
                    .copied()
                    .filter(|c| *c != "version")
                    .collect();
                let differs = if content.is_empty() {
                    String::new()
                } else {
                    format!(" AND {}", self.differs(&content))
                };
                format!(
                    "ON CONFLICT ({}) DO UPDATE SET {} WHERE {}.version < excluded.version{differs}",
                    self.key.join(", "),
                    self.set_all(),
                    self.name
                )
            }
        };
        let insert = format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {} {conflict}",
            self.name,
            self.stage()
        );
        match returning {
            None => insert,
            Some((into, keys)) => {
                let keys = keys.join(", ");
                format!("WITH up AS ({insert} RETURNING {keys}) INSERT INTO {into} ({keys}) SELECT {keys} FROM up")
            }
        }
    }
}

/// Rows in COPY text format: tab-separated fields, `\N` for NULL, one row a line.
#[derive(Default)]
pub(super) struct Rows {
    pub text: String,
    pub count: usize,
    at_start: bool,
}

impl Rows {
    fn sep(&mut self) {
        if self.at_start {
            self.at_start = false;
        } else {
            self.text.push('\t');
        }
    }

    pub fn row(&mut self) -> &mut Self {
        if self.count > 0 {
            self.text.push('\n');
        }
        self.count += 1;
        self.at_start = true;
        self
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        for c in s.chars() {
            match c {
                '\\' => self.text.push_str("\\\\"),
                '\t' => self.text.push_str("\\t"),
                '\n' => self.text.push_str("\\n"),
                '\r' => self.text.push_str("\\r"),
                // PostgreSQL text cannot hold NUL.
                '\0' => {}
                c => self.text.push(c),
            }
        }
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.text.push_str("\\N");
        self
    }

    pub fn int(&mut self, n: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.text, "{n}");
        self
    }

    /// A u64 id as `bigint`: the same 64 bits.
    pub fn id(&mut self, n: u64) -> &mut Self {
        self.int(n as i64)
    }

    pub fn opt_id(&mut self, n: Option<u64>) -> &mut Self {
        match n {
            Some(n) => self.id(n),
            None => self.null(),
        }
    }

    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.sep();
        self.text.push(if b { 't' } else { 'f' });
        self
    }

    pub fn time(&mut self, t: NaiveDateTime) -> &mut Self {
        self.sep();
        let _ = write!(self.text, "{}", t.format("%Y-%m-%d %H:%M:%S%.f"));
        self
    }

    pub fn opt_time(&mut self, t: Option<NaiveDateTime>) -> &mut Self {
        match t {
            Some(t) => self.time(t),
            None => self.null(),
        }
    }

    pub fn date(&mut self, d: NaiveDate) -> &mut Self {
        self.sep();
        let _ = write!(self.text, "{}", d.format("%Y-%m-%d"));
        self
    }

    /// `bytea` in hex: `\x0a1b…` (the backslash doubled for COPY).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.sep();
        self.text.push_str("\\\\x");
        for byte in b {
            let _ = write!(self.text, "{byte:02x}");
        }
        self
    }

    pub fn finish(&mut self) {
        if self.count > 0 && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_it_must() {
        let mut r = Rows::default();
        r.row()
            .text("a\tb\\c\nd")
            .null()
            .id(u64::MAX)
            .bool(true)
            .bytes(&[0, 255]);
        r.row().text("x\0y");
        r.finish();
        assert_eq!(r.text, "a\\tb\\\\c\\nd\t\\N\t-1\tt\t\\\\x00ff\nxy\n");
        assert_eq!(r.count, 2);
    }

    #[test]
    fn a_versioned_upsert_replaces_only_an_older_row() {
        let sql = CONSULTATIONS.upsert(None);
        assert!(
            sql.contains("WHERE consultations.version < excluded.version"),
            "{sql}"
        );
        assert!(EVENTS.upsert(None).ends_with("DO NOTHING"));
    }
}
