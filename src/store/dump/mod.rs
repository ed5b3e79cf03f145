//! `backup` and `restore`: a portable dump of the whole database in JSON Lines.
//!
//! # Format (version 1)
//!
//! UTF-8, one JSON value per line, every line ending in `\n`:
//!
//! 1. the header: `{"format":"sufler-backup","version":1,"schema":3,"next_id":N,"workstation":W,"counts":{…}}`
//!    — `schema` is the database schema ([`SCHEMA_VERSION`]) the records are of; `next_id`
//!    is above every id in the dump (clients, consultations, contacts, cancellations and event sequence
//!    numbers share sled's id generator), so a restored database never hands one out again;
//!    `counts` has the number of records of each kind (`officers`, `clients`, `holdings`,
//!    `consultations`, `contacts`, `cancellations`, `events`);
//! 2. the records, by kind in this order, each kind in the database's key order:
//!    `{"officer":{"name","branch","workstation"}}` (`workstation` marks the officer the
//!    screen opens on), `{"client":{…}}`, `{"holding":{"client","product"}}`,
//!    `{"consultation":{…}}` (with its offers and notes), `{"contact":{…}}` (a call on a
//!    call back, or its stop: [`Contact`], by time of the call then id),
//!    `{"cancellation":{…}}` (a sale the client cancelled in its cooling-off period:
//!    [`Cancellation`], by client then id; see [`cancellations`]), `{"event":{"seq",…}}`;
//! 3. the trailer: `{"end":{"sha256":"…"}}`, the SHA-256 of every byte before it, in hex —
//!    `head -n -1 FILE | sha256sum` checks it by hand.
//!
//! Derived data (aggregate counters, search and client indexes, open call backs and the
//! officers' lists of them by day, rotation counters) is not in the dump: `restore` rebuilds
//! it through the store's own save paths, so it is whatever this version of Sufler derives
//! from the records. The open call backs come from replaying the consultations, then the
//! contacts, in time order (see [`contacts`]): as the screen made them when every
//! consultation was saved in the order it happened. A dump holds no timestamp of its own,
//! so the same database always gives the same bytes.
//!
//! ## Versions
//!
//! The format is still version 1; what changed with the database schema is told by
//! `schema`, and this build restores both:
//!
//! - schema 1 (before call backs of their own): no contacts — no `contacts` in `counts`, no
//!   contact line (one is refused) — and consultations without `main_follow_up`: a main
//!   product answered "thinking" is called back three days after the start, as the schema-2
//!   migration reads a schema-1 record;
//! - schema 2: contact lines. The first schema-2 build wrote no contacts and no `contacts`
//!   count; a missing count is 0.
//! - schema 3: the header's `workstation` (the database's workstation id, which the restored
//!   database keeps; a backup without it gets a new one) and each offer's formula `slot`.
//!   Any other unknown or missing header field is refused.
//!
//! # Consistency
//!
//! sled has no snapshot across trees. A dump is still taken at one point in time because
//! nothing else can write meanwhile: opening the database takes sled's exclusive lock (a
//! running officer's screen makes `backup` fail with "in use"), and the daily backup runs in
//! the screen's own process before the screen starts.

use std::collections::HashSet;
use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::codec::{decode, decode_client, decode_consultation, encode, schema_1_main_follow_up};
use super::keys::{self, hex};
use super::lists::ID_BLOCKS;
use super::sled_store::{SledStore, SCHEMA_NO_CALL_BACKS, SCHEMA_VERSION, WORKSTATION_OFFICER_KEY};
use super::sync::sync_dir;
use super::trees::*;
use super::{Event, EventKind, Officer, Store, StoreError, VerifyReport, META_NEXT_ID_KEY};
use crate::consultation::{Cancellation, Client, Consultation, Contact};
use contacts::ContactLine;

mod cancellations;
mod contacts;
mod daily;
mod past;
mod read;
mod restore;
mod write;

pub use daily::*;
pub use read::*;
pub use restore::*;
pub use write::*;

/// The `format` of a dump's header line.
pub const DUMP_FORMAT: &str = "sufler-backup";
/// The dump format version this build writes and reads.
pub const DUMP_VERSION: u32 = 1;

/// No line of a dump written by Sufler comes near this; a longer one is refused rather than
/// read into memory.
const MAX_LINE: u64 = 16 * 1024 * 1024;

/// Records per transaction while restoring: large enough to be quick, small enough that a
/// transaction's write set stays modest.
const BATCH: usize = 2000;

/// Everything that can go wrong with a dump.
#[derive(Debug, Error)]
pub enum DumpError {
    /// A located problem in a dump: `FILE:LINE: what is wrong`.
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: u64,
        message: String,
    },
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "{} is not empty: restore writes only into a new or empty directory",
        .0.display()
    )]
    NotEmpty(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for DumpError {
    fn from(e: sled::Error) -> Self {
        DumpError::Store(StoreError::Sled(e))
    }
}

/// The number of records of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub officers: u64,
    pub clients: u64,
    pub holdings: u64,
    pub consultations: u64,
    /// Absent from a dump written before contacts were (schema 1, or the first schema-2
    /// release): none.
    #[serde(default)]
    pub contacts: u64,
    /// Absent from a dump written before cancellations were: none.
    #[serde(default)]
    pub cancellations: u64,
    pub events: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        [
            self.officers,
            self.clients,
            self.holdings,
            self.consultations,
            self.contacts,
            self.cancellations,
            self.events,
        ]
        .iter()
        .fold(0u64, |a, b| a.saturating_add(*b))
    }

    fn of(&mut self, s: Section) -> &mut u64 {
        match s {
            Section::Officer => &mut self.officers,
            Section::Client => &mut self.clients,
            Section::Holding => &mut self.holdings,
            Section::Consultation => &mut self.consultations,
            Section::Contact => &mut self.contacts,
            Section::Cancellation => &mut self.cancellations,
            Section::Event => &mut self.events,
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} officers, {} clients, {} holdings, {} consultations, {} contacts, {} cancellations, {} events",
            self.officers,
            self.clients,
            self.holdings,
            self.consultations,
            self.contacts,
            self.cancellations,
            self.events
        )
    }
}

/// The first line of a dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub schema: u32,
    pub next_id: u64,
    /// The database's workstation id (schema 3): a restored database keeps it, so its
    /// records stay the same records in the bank's store. Older backups have none, and the
    /// restored database gets a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workstation: Option<u64>,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficerLine {
    name: String,
    branch: String,
    workstation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldingLine {
    client: u64,
    product: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventLine {
    seq: u64,
    at: NaiveDateTime,
    officer: String,
    consultation: Option<u64>,
    client: Option<u64>,
    kind: EventKind,
    detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    sha256: String,
}

/// A line after the header, as read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    CatalogVersion(past::VersionLine),
    MonthPlan(past::PlanLine),
    Officer(OfficerLine),
    Client(Client),
    Holding(HoldingLine),
    Consultation(Consultation),
    Contact(ContactLine),
    Cancellation(cancellations::CancellationLine),
    Event(EventLine),
    End(Trailer),
}

/// A line after the header, as written (borrowing, so a dump copies nothing).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum RecordRef<'a> {
    CatalogVersion(&'a past::VersionLine),
    MonthPlan(&'a past::PlanLine),
    Officer(&'a OfficerLine),
    Client(&'a Client),
    Holding(&'a HoldingLine),
    Consultation(&'a Consultation),
    Contact(&'a Contact),
    Cancellation(&'a Cancellation),
    Event(&'a EventLine),
    End(&'a Trailer),
}

/// The kinds of record, in dump order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Officer,
    Client,
    Holding,
    Consultation,
    Contact,
    Cancellation,
    Event,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Officer => "officer",
            Section::Client => "client",
            Section::Holding => "holding",
            Section::Consultation => "consultation",
            Section::Contact => "contact",
            Section::Cancellation => "cancellation",
            Section::Event => "event",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Section::Officer => "officers",
            Section::Client => "clients",
            Section::Holding => "holdings",
            Section::Consultation => "consultations",
            Section::Contact => "contacts",
            Section::Cancellation => "cancellations",
            Section::Event => "events",
        }
    }
}

/// One record read from a dump, checked.
#[derive(Debug)]
enum Item {
    /// Not a counted section: stored as it is read.
    Past(past::Past),
    Officer(OfficerLine),
    Client(Client),
    Holding(HoldingLine),
    Consultation(Consultation),
    Contact(Contact),
    Cancellation(Cancellation),
    Event(u64, Event),
}

impl Item {
    fn section(&self) -> Section {
        match self {
            // Read before every section and stored at once ([`Loader::push`]).
            Item::Past(_) | Item::Officer(_) => Section::Officer,
            Item::Client(_) => Section::Client,
            Item::Holding(_) => Section::Holding,
            Item::Consultation(_) => Section::Consultation,
            Item::Contact(_) => Section::Contact,
            Item::Cancellation(_) => Section::Cancellation,
            Item::Event(..) => Section::Event,
        }
    }
}
