//! Storage (DESIGN §5): officers, clients and their search index, holdings, consultations,
//! an append-only event log and per-month aggregate counters, in one sled database.
//!
//! The engine and the screens see only the [`Store`] trait and the domain types, so a
//! PostgreSQL backend can be added behind it later. [`SledStore`] is the one implementation.
//!
//! # Durability
//!
//! Every method that changes data returns `Ok` only once the change is on disk: one sled
//! transaction over every affected tree, then `Db::flush`, then an `fdatasync` of sled's data
//! file (`db`). sled's own flush ends in `sync_file_range`, which writes the pages out but
//! does not flush the drive's cache nor the file's metadata, so it does not survive a power
//! loss; `fdatasync` does. Files sled writes without syncing them itself (new `blobs/*` values
//! over 128 KiB, the `conf` file, renamed `snap.*` files) are synced when they appear, along
//! with their directory. See [`SledStore`] for the tree and key layout.

mod call_backs;
mod cancellations;
pub mod catalog_copy;
pub mod catalog_start;
pub mod codec;
pub mod commands;
pub mod db_path;
mod dump;
pub mod keys;
mod lists;
pub mod outbox;
pub mod packed;
mod sled_store;
mod sync;
mod verify;
mod versions;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::consultation::{
    Cancellation, Client, ClientHistory, Consultation, Contact, Month, OpenCallBack, Tally,
    TallyKey, Technique,
};

pub use catalog_copy::CatalogCopy;
pub use codec::VALUE_VERSION;
pub use dump::{
    check_dump, daily_backup, daily_backup_dir, latest_daily_backup, restore, write_backup, Counts,
    DumpError, Header, RestoreReport, DUMP_FORMAT, DUMP_VERSION,
};
pub use outbox::{Outbox, META_SENT_KEY};
pub use sled_store::{
    SledStore, META_NEXT_ID_KEY, META_SCHEMA_KEY, META_WORKSTATION_KEY, SCHEMA_VERSION,
};
pub use verify::{Mismatch, VerifyReport};
pub use versions::{MonthPlan, PlanTarget};

/// The names of the sled trees.
pub mod trees {
    pub const META: &str = "meta";
    pub const OFFICERS: &str = "officers";
    pub const CLIENTS: &str = "clients";
    pub const CLIENT_SEARCH: &str = "client_search";
    pub const HOLDINGS: &str = "holdings";
    pub const CONSULTATIONS: &str = "consultations";
    pub const CONSULTATION_ID_BLOCKS: &str = "consultation_id_blocks";
    pub const CLIENT_CONSULTATION_MONTHS: &str = "client_consultation_months";
    pub const UNFINISHED: &str = "unfinished";
    pub const FOLLOW_UPS: &str = "follow_ups";
    pub const EVENTS: &str = "events";
    pub const COUNTERS: &str = "counters";
    pub const ROTATION: &str = "rotation";
    pub const CLIENT_CALL_BACKS: &str = "client_call_backs";
    pub const CONTACTS: &str = "contacts";
    pub const CLIENT_CONTACTS: &str = "client_contacts";
    pub const CANCELLATIONS: &str = "cancellations";
    pub const CATALOG: &str = "catalog";
    pub const CATALOG_VERSIONS: &str = "catalog_versions";
    pub const MONTH_PLANS: &str = "month_plans";
    // Schema 4: the sled trees that hold the entries of the logical trees above, packed
    // (see [`super::packed`]). The schema-3 trees of the same entries are repacked into them
    // at open and dropped.
    pub const CONSULTATION_PACKS: &str = "consultation_packs";
    pub const HOLDING_PACKS: &str = "holding_packs";
    pub const CONTACT_PACKS: &str = "contact_packs";
    pub const CLIENT_CONTACT_PACKS: &str = "client_contact_packs";
    pub const CLIENT_PACKS: &str = "client_packs";
    pub const CLIENT_SEARCH_PACKS: &str = "client_search_packs";
    /// One key per client: the keys of all its consultations (schema 3 had a key per
    /// client and month, [`CLIENT_CONSULTATION_MONTHS`]).
    pub const CLIENT_CONSULTATION_LISTS: &str = "client_consultation_lists";
}

/// Everything that can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the system gave no random number for the workstation id: {0}")]
    Random(String),
    #[error("the database {} is in use by another sufler process", .0.display())]
    InUse(PathBuf),
    #[error(
        "the database {} has schema version {found}, this sufler works with version {expected}",
        .path.display()
    )]
    SchemaMismatch {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("the directory {} holds data but no sufler schema version", .0.display())]
    NoSchema(PathBuf),
    #[error("there is no database at {}", .0.display())]
    NotFound(PathBuf),
    #[error("cannot create the database directory {}: {}", .path.display(), db_path::io_reason(.source))]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {}: {source}", .path.display())]
    Open { path: PathBuf, source: sled::Error },
    #[error("cannot open the database {}: the storage engine failed: {message}", .path.display())]
    OpenPanicked { path: PathBuf, message: String },
    #[error("cannot write to disk in {}: {source}", .path.display())]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt data in tree `{tree}` at key {key}: {reason}")]
    Corrupt {
        tree: &'static str,
        key: String,
        reason: String,
    },
    #[error("cannot encode a value: {0}")]
    Encode(String),
    #[error("the {what} `{value}` holds a NUL byte")]
    InvalidName { what: &'static str, value: String },
    #[error("there is no client {0}")]
    UnknownClient(u64),
    #[error("the call back on `{product}` from consultation {consultation} is no longer open")]
    CallBackClosed { consultation: u64, product: String },
    #[error("not a valid contact: {0}")]
    InvalidContact(String),
    #[error("not a valid cancellation: {0}")]
    InvalidCancellation(String),
    #[error("the database path {} is a file, not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot write to the database directory {}: {reason}", .path.display())]
    NotWritable { path: PathBuf, reason: String },
    /// The bank-wide store (read through the `Store` interface by the reports) failed or
    /// was asked to write; the text names the server without its password.
    #[error("{0}")]
    Central(String),
}

impl StoreError {
    /// Whether this error means the database files are damaged (rather than busy, missing
    /// or of another version): the case where the way out is a restore from a backup.
    pub fn is_damage(&self) -> bool {
        match self {
            StoreError::Open { source, .. } => matches!(
                source,
                sled::Error::Corruption { .. }
                    | sled::Error::ReportableBug(_)
                    | sled::Error::Unsupported(_)
            ),
            StoreError::OpenPanicked { .. } | StoreError::Corrupt { .. } => true,
            StoreError::Sled(e) => matches!(e, sled::Error::Corruption { .. }),
            _ => false,
        }
    }
}

/// The message for a database that cannot be opened; for a damaged one, the way back: a
/// restore of the latest backup into a new directory.
pub fn open_failure(e: &StoreError, path: &Path) -> String {
    if !e.is_damage() {
        return e.to_string();
    }
    let backups = daily_backup_dir(path);
    let latest = match latest_daily_backup(path) {
        Some(file) => format!(
            "the latest automatic backup is {} (automatic backups are in {})",
            file.display(),
            backups.display()
        ),
        None => format!(
            "there is no automatic backup in {} (SUFLER_DAILY_BACKUPS=N keeps N daily ones)",
            backups.display()
        ),
    };
    format!(
        "{e}\nthe database {} looks damaged. Leave it as it is and restore the latest backup \
         into a new directory:\n  sufler restore BACKUP.jsonl --db NEW_PATH\nthen start \
         sufler with --db NEW_PATH; {latest}",
        path.display()
    )
}

/// A branch officer, as asked at the first start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub branch: String,
}

/// What an event-log entry records; the consultation screen saves its changes with these
/// kinds too. New kinds go at the end (the log is postcard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    Started,
    Resumed,
    Stage,
    Offered,
    Outcome,
    MainOutcome,
    Disclosure,
    Variant,
    CreateCycled,
    Note,
    NotReceptive,
    Finished,
    Edited,
    Imported,
    ClientAdded,
    ClientUpdated,
    ClientForgotten,
    HoldingAdded,
    OfficerSaved,
    /// A call back's call (or its stop): see [`crate::consultation::Contact`].
    Contact,
    /// A sale the client cancelled in its cooling-off period.
    Cancelled,
    /// A product marked as held by mistake, unmarked on the card.
    HoldingRemoved,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Resumed => "resumed",
            EventKind::Stage => "stage",
            EventKind::Offered => "offered",
            EventKind::Outcome => "outcome",
            EventKind::MainOutcome => "main_outcome",
            EventKind::Disclosure => "disclosure",
            EventKind::Variant => "variant",
            EventKind::CreateCycled => "create_cycled",
            EventKind::Note => "note",
            EventKind::NotReceptive => "not_receptive",
            EventKind::Finished => "finished",
            EventKind::Edited => "edited",
            EventKind::Imported => "imported",
            EventKind::ClientAdded => "client_added",
            EventKind::ClientUpdated => "client_updated",
            EventKind::ClientForgotten => "client_forgotten",
            EventKind::HoldingAdded => "holding_added",
            EventKind::OfficerSaved => "officer_saved",
            EventKind::Contact => "contact",
            EventKind::Cancelled => "cancelled",
            EventKind::HoldingRemoved => "holding_removed",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the append-only event log. `at` is the wall-clock time of the durable write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: NaiveDateTime,
    /// Empty for entries not made by one officer (client edits, imports).
    pub officer: String,
    pub consultation: Option<u64>,
    pub client: Option<u64>,
    pub kind: EventKind,
    pub detail: String,
}

/// An open call back, in the officer's list by day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// When to call: the day the client chose, or where a later call moved it.
    pub date: NaiveDate,
    /// The consultation whose "thinking" opened it.
    pub consultation: u64,
    pub client_id: u64,
    pub product: String,
}

/// A fallible iterator over stored records.
pub type Records<'a, T> = Box<dyn Iterator<Item = Result<T, StoreError>> + 'a>;

/// The storage interface the engine and the screens use. Every method that changes data is
/// durable when it returns `Ok`.
pub trait Store {
    /// A fresh id for a consultation (unique in this database, never 0).
    fn new_id(&self) -> Result<u64, StoreError>;

    fn officer(&self, name: &str) -> Result<Option<Officer>, StoreError>;
    /// The officer last saved here (the first start's answers), so the screen opens on them.
    fn workstation_officer(&self) -> Result<Option<Officer>, StoreError>;
    /// This database's workstation id: random, made when the database was created (or at
    /// its migration to schema 3), never 0. With it every local id is unique in the bank.
    fn workstation_id(&self) -> Result<u64, StoreError>;
    fn save_officer(&self, officer: &Officer) -> Result<(), StoreError>;

    /// Stores a new client under a fresh id (the input id is ignored) and indexes it.
    fn add_client(&self, client: Client) -> Result<Client, StoreError>;
    /// Many new clients in one transaction and one sync (demo data, restore).
    fn add_clients(&self, clients: Vec<Client>) -> Result<Vec<Client>, StoreError>;
    /// Replaces an existing client's fields and search entries.
    fn update_client(&self, client: &Client) -> Result<(), StoreError>;
    /// Erases a client's personal fields (names, phone; the birth date is cut to January 1st
    /// of its year) and search entries. Consultations refer to clients by id only, so the
    /// anonymous figures stay. `None` if there is no such client.
    fn forget_client(&self, id: u64) -> Result<Option<Client>, StoreError>;
    fn client(&self, id: u64) -> Result<Option<Client>, StoreError>;
    /// Clients in id order.
    fn clients(&self) -> Records<'_, Client>;
    /// Up to `limit` clients matching `query`:
    ///
    /// - with a letter in it: the first word is a prefix of the surname, further words are
    ///   prefixes of the first name and the patronymic; case-insensitive, `ё` = `е`; ordered
    ///   by surname;
    /// - otherwise its digits are a prefix of the phone number, either as stored (`7916…`) or
    ///   without the country code (`916…`); a leading `8` (the Russian trunk prefix) also
    ///   matches as `7`.
    fn search_clients(&self, query: &str, limit: usize) -> Result<Vec<Client>, StoreError>;

    fn holdings(&self, client_id: u64) -> Result<BTreeSet<String>, StoreError>;
    /// Records a product the client already holds (say, from before Sufler).
    fn add_holding(&self, client_id: u64, product: &str) -> Result<(), StoreError>;
    /// Takes back a product marked as held by mistake (one not sold here: a sale is undone
    /// by a cancellation instead).
    fn remove_holding(&self, client_id: u64, product: &str) -> Result<(), StoreError>;
    /// Many holdings `(client id, product)` in one transaction and one sync, with one
    /// event-log entry (demo data, restore). Every client must exist.
    fn add_holdings(&self, holdings: &[(u64, String)]) -> Result<(), StoreError>;
    /// Holdings, and the latest decline date of each product over the client's consultations
    /// (an offer's decline is dated by its outcome time, the main product's by the finish).
    fn history(&self, client_id: u64) -> Result<ClientHistory, StoreError>;

    /// Stores a consultation (new or changed) with one event-log entry, in one transaction
    /// that also moves the aggregate counters, the indexes, the rotation counters and — once
    /// it is finished — the client's holdings. Durable when it returns `Ok`.
    fn save(&self, c: &Consultation, kind: EventKind, detail: &str) -> Result<(), StoreError>;
    /// Many consultations in one transaction and one sync, with one event-log entry.
    fn save_all(
        &self,
        cs: &[Consultation],
        kind: EventKind,
        detail: &str,
    ) -> Result<(), StoreError>;
    /// Stores new consultations under fresh ids (the input ids are ignored) in one
    /// transaction and one sync, with one event-log entry; returns the ids in input order.
    /// Like [`Store::save_all`] with the same counters and indexes, but as the ids are new
    /// there is no older version to look up and take out, which makes bulk loads (demo data,
    /// restore) much faster.
    fn add_consultations(
        &self,
        cs: Vec<Consultation>,
        kind: EventKind,
        detail: &str,
    ) -> Result<Vec<u64>, StoreError>;
    fn consultation(&self, id: u64) -> Result<Option<Consultation>, StoreError>;
    /// The officer's latest unfinished consultation, exactly as last saved.
    fn unfinished(&self, officer: &str) -> Result<Option<Consultation>, StoreError>;
    /// The client's consultations, oldest first.
    fn consultations_of_client(&self, client_id: u64) -> Result<Vec<Consultation>, StoreError>;
    /// Consultations that started in `from .. to` (half-open), oldest first.
    fn consultations_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Records<'_, Consultation>;

    /// The aggregate counters of one month.
    fn tallies(&self, month: Month) -> Result<BTreeMap<TallyKey, Tally>, StoreError>;
    /// The aggregate counters of the months `from ..= to`.
    fn tallies_between(
        &self,
        from: Month,
        to: Month,
    ) -> Result<BTreeMap<TallyKey, Tally>, StoreError>;
    /// This officer's accepted count per product in a month (the main product's sale counts).
    fn plan_sold(&self, officer: &str, month: Month) -> Result<BTreeMap<String, u64>, StoreError>;
    /// How many offers this officer has made of each product with each technique.
    fn rotation(&self, officer: &str) -> Result<BTreeMap<(String, Technique), u64>, StoreError>;
    /// The officer's open call backs, earliest first.
    fn follow_ups(&self, officer: &str) -> Result<Vec<FollowUp>, StoreError> {
        self.follow_ups_from(officer, NaiveDate::MIN)
    }
    /// The officer's open call backs due on or after `from`, earliest first: a range scan.
    fn follow_ups_from(&self, officer: &str, from: NaiveDate) -> Result<Vec<FollowUp>, StoreError>;
    /// The officer's open call backs due on or before `until`, earliest first: at most
    /// `limit`, and how many are due in all.
    fn call_backs_due(
        &self,
        officer: &str,
        until: NaiveDate,
        limit: usize,
    ) -> Result<(Vec<FollowUp>, usize), StoreError>;
    /// The client's open call backs (any officer's), in the order they were opened.
    fn open_call_backs(&self, client_id: u64) -> Result<Vec<OpenCallBack>, StoreError>;
    /// Stores a call's outcome under a fresh id (the input id is ignored) with one event-log
    /// entry, in one transaction that closes the call back (an answer, a stop) or moves it to
    /// `next`, moves the counters of the month of the call and, for a sale, the client's
    /// holdings. [`StoreError::CallBackClosed`] if the call back is not open any more.
    fn save_contact(&self, contact: Contact) -> Result<Contact, StoreError>;
    /// Many contacts under fresh ids (the input ids are ignored), applied in the given order
    /// in batches of one transaction and one sync each (demo data). Unlike
    /// [`Store::save_contact`], one whose call back is no longer open is stored all the same
    /// (a later consultation may have closed it). Returns how many were stored.
    fn add_contacts(&self, contacts: Vec<Contact>) -> Result<usize, StoreError>;
    /// The client's contacts, oldest first.
    fn contacts_of_client(&self, client_id: u64) -> Result<Vec<Contact>, StoreError>;
    /// Contacts made in `from .. to` (half-open), oldest first.
    fn contacts_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Records<'_, Contact>;
    /// Records a sale the client cancelled in its cooling-off period, under a fresh id (the
    /// input id is ignored), with one event-log entry, in one transaction that takes the
    /// product off the client's holdings and the sale off the counters of its month.
    /// [`StoreError::InvalidCancellation`] if the sale is cancelled already.
    fn save_cancellation(&self, c: Cancellation) -> Result<Cancellation, StoreError>;
    /// The client's cancellations, in the order they were recorded.
    fn cancellations_of_client(&self, client_id: u64) -> Result<Vec<Cancellation>, StoreError>;
    /// Every cancellation, by client.
    fn cancellations(&self) -> Records<'_, Cancellation>;
    /// Every unfinished consultation of the officer, the latest first.
    fn unfinished_all(&self, officer: &str) -> Result<Vec<Consultation>, StoreError>;
    /// The id of the client's latest consultation (the last to start), if any.
    fn latest_consultation_id(&self, client_id: u64) -> Result<Option<u64>, StoreError>;
    /// The event log, oldest first, with each entry's sequence number.
    fn events(&self) -> Records<'_, (u64, Event)>;

    /// Where the data lives (the database directory), for messages and merged reports.
    fn location(&self) -> String;
    /// Recomputes the counters and indexes from the records and lists every difference.
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.verify_with(&mut |_, _| {})
    }
    /// [`Store::verify`], calling `progress(records done, records in all)` as it goes.
    fn verify_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<VerifyReport, StoreError>;

    /// The last catalogue that passed the checks here, if any was ever kept.
    fn last_good_catalog(&self) -> Result<Option<CatalogCopy>, StoreError>;
    /// Keeps the files of a catalogue that just passed the checks as the last good one;
    /// the copy now kept (the earlier one, date and all, when the files are the same).
    /// Durable when it returns `Ok`.
    fn keep_good_catalog(
        &self,
        dir: &str,
        files: Vec<(String, String)>,
        at: NaiveDateTime,
    ) -> Result<CatalogCopy, StoreError>;
    /// Up to [`SAME_CLIENTS_LIMIT`] stored clients that are the same person as `client`
    /// (DESIGN §4): the same phone (by its digits; a 10-digit Russian number matches its
    /// 11-digit form), or the same surname, first name and patronymic (case-insensitive,
    /// `ё` = `е`) and birth date — phone matches first. Never `client` itself (its id), so
    /// an edit checks against the others. Read from the search index: no scan of clients.
    fn same_clients(&self, client: &Client) -> Result<Vec<Client>, StoreError>;

    /// Declares the catalogue in use: consultations saved from now on that ran on it store
    /// its phrase texts with their version (once per version), and a month's first
    /// consultation stores its plan targets. Cheap when the version is already declared.
    fn use_catalog(&self, catalog: &crate::catalog::Catalog);
    /// The texts kept for the catalogue version with this content hash.
    fn version_texts(&self, hash: &str)
        -> Result<Option<crate::catalog::VersionTexts>, StoreError>;
    /// The plan targets stored with a month (none: no consultation saved with a declared
    /// catalogue in it, e.g. a schema-1 database).
    fn month_plan(&self, month: Month) -> Result<Option<MonthPlan>, StoreError>;
}

/// How many clients [`Store::same_clients`] returns at most.
pub const SAME_CLIENTS_LIMIT: usize = 20;

/// The database directory: `explicit`, else `$SUFLER_DB`, else the platform's data directory
/// for sufler (`directories`: on Linux `$XDG_DATA_HOME/sufler`, else
/// `~/.local/share/sufler`), else `.sufler` when there is no home at all.
pub fn default_path(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("SUFLER_DB").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    match crate::platform_dirs::project() {
        Some(dirs) => dirs.data_dir().to_path_buf(),
        None => PathBuf::from(".sufler"),
    }
}

/// `sufler verify`: every mismatch on stdout, then a summary line; exit 1 on any mismatch or
/// if the database cannot be opened (the reason on stderr).
/// `sufler compact`: the database rewritten compactly in its place (see
/// [`SledStore::compact`]); refused while another process has it open. Prints the size
/// before and after.
pub fn run_compact(db: Option<&Path>) -> ExitCode {
    let path = default_path(db);
    // Opened first as every command opens it: missing, in use, of a newer schema or
    // waiting for a migration are said (and done) here.
    match SledStore::open_existing(&path) {
        Ok(store) => drop(store),
        Err(e) => {
            eprintln!("sufler: {}", open_failure(&e, &path));
            return ExitCode::FAILURE;
        }
    }
    let before = dir_bytes(&path);
    let result = crate::progress::with_progress("compacting", |progress| {
        SledStore::compact(&path, progress)
    });
    if let Err(e) = result {
        eprintln!("sufler: {}", open_failure(&e, &path));
        return ExitCode::FAILURE;
    }
    let mb = |b: u64| b as f64 / 1_048_576.0;
    println!(
        "compact: {} {:.1} MB → {:.1} MB",
        path.display(),
        mb(before),
        mb(dir_bytes(&path))
    );
    ExitCode::SUCCESS
}

/// The bytes of the files directly in `dir` (sled keeps no subdirectories).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub fn run_verify(db: Option<&Path>) -> ExitCode {
    let path = default_path(db);
    let store = match SledStore::open_existing(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sufler: {}", open_failure(&e, &path));
            return ExitCode::FAILURE;
        }
    };
    let report = crate::progress::with_progress("verify", |progress| store.verify_with(progress));
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sufler: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    for m in &report.mismatches {
        let _ = writeln!(out, "{m}");
    }
    let _ = writeln!(out, "{}", report.summary());
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
