//! `backup` and `restore`: a portable dump of the whole database in JSON Lines.
//!
//! # Format (version 1)
//!
//! UTF-8, one JSON value per line, every line ending in `\n`:
//!
//! 1. the header: `{"format":"sufler-backup","version":1,"schema":2,"next_id":N,"counts":{…}}`
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
//!   count; a missing count is 0. Any other unknown or missing header field is refused.
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
mod past;

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

// ---------------------------------------------------------------------------------------
// Writing

/// Hashes everything written through it.
struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn write_line<W: Write>(w: &mut W, record: &RecordRef<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *w, record).map_err(io::Error::from)?;
    w.write_all(b"\n")
}

impl SledStore {
    /// The number of records of each kind and the id floor, for the header.
    fn dump_header(&self) -> Result<Header, StoreError> {
        let t = &self.t;
        let mut officers = 0u64;
        for item in t.officers.iter().keys() {
            // The workstation entry is a pointer, carried by the officer's own line.
            if item?.first() != Some(&0) {
                officers += 1;
            }
        }
        let last_consultation_id = |tree: &sled::Tree| -> Result<u64, StoreError> {
            match tree.last()? {
                Some((k, list)) => {
                    ID_BLOCKS.check(&k, &list)?;
                    Ok(ID_BLOCKS
                        .records(&list)
                        .last()
                        .and_then(keys::u64_at)
                        .unwrap_or(0))
                }
                None => Ok(0),
            }
        };
        let last_id = |tree: &sled::Tree, what: &'static str| -> Result<u64, StoreError> {
            match tree.last()? {
                Some((k, _)) => keys::u64_at(&k).ok_or_else(|| StoreError::Corrupt {
                    tree: what,
                    key: hex(&k),
                    reason: "not an 8-byte id".into(),
                }),
                None => Ok(0),
            }
        };
        let next_id = [
            last_id(&t.clients, CLIENTS)?,
            last_consultation_id(&t.id_blocks)?,
            self.last_contact_id()?,
            self.last_cancellation_id()?,
            last_id(&t.events, EVENTS)?,
        ]
        .into_iter()
        .map(|id| id.saturating_add(1))
        .chain(std::iter::once(self.next_id_floor))
        .max()
        .unwrap_or(0);
        Ok(Header {
            format: DUMP_FORMAT.to_string(),
            version: DUMP_VERSION,
            schema: SCHEMA_VERSION,
            next_id,
            counts: Counts {
                officers,
                clients: t.clients.len() as u64,
                holdings: t.holdings.len() as u64,
                consultations: t.consultations.len() as u64,
                contacts: t.contacts.len() as u64,
                cancellations: t.cancellations.len() as u64,
                events: t.events.len() as u64,
            },
        })
    }

    /// Writes the whole database as a dump to `out` (named `path` in messages).
    /// `progress(done, total)` is called every few hundred records.
    pub fn dump<W: Write>(
        &self,
        out: W,
        path: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Counts, W), DumpError> {
        let header = self.dump_header()?;
        let total = header.counts.total();
        let werr = |source: io::Error| DumpError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut w = HashWriter {
            inner: out,
            hasher: Sha256::new(),
        };
        serde_json::to_writer(&mut w, &header)
            .map_err(io::Error::from)
            .map_err(werr)?;
        w.write_all(b"\n").map_err(werr)?;
        past::each_line(self, |line| write_line(&mut w, line))?.map_err(werr)?;

        let mut done = 0u64;
        let mut written = Counts::default();
        let mut step =
            |w: &mut HashWriter<W>, s: Section, record: RecordRef<'_>| -> Result<(), DumpError> {
                write_line(w, &record).map_err(werr)?;
                *written.of(s) += 1;
                done += 1;
                if done.is_multiple_of(512) {
                    progress(done, total);
                }
                Ok(())
            };
        let t = &self.t;

        let workstation = t.officers.get(WORKSTATION_OFFICER_KEY)?;
        for item in t.officers.iter() {
            let (k, v) = item?;
            if k.first() == Some(&0) {
                continue;
            }
            let o: Officer = decode(OFFICERS, &k, &v)?;
            let line = OfficerLine {
                workstation: workstation.as_deref() == Some(o.name.as_bytes()),
                name: o.name,
                branch: o.branch,
            };
            step(&mut w, Section::Officer, RecordRef::Officer(&line))?;
        }
        for item in t.clients.iter() {
            let (k, v) = item?;
            let c: Client = decode_client(CLIENTS, &k, &v)?;
            step(&mut w, Section::Client, RecordRef::Client(&c))?;
        }
        for item in t.holdings.iter().keys() {
            let k = item?;
            let corrupt = || StoreError::Corrupt {
                tree: HOLDINGS,
                key: hex(&k),
                reason: "not a client id and a UTF-8 product id".into(),
            };
            let client = keys::u64_at(&k).ok_or_else(corrupt)?;
            let product = std::str::from_utf8(&k[8..]).map_err(|_| corrupt())?;
            let line = HoldingLine {
                client,
                product: product.to_string(),
            };
            step(&mut w, Section::Holding, RecordRef::Holding(&line))?;
        }
        for item in t.consultations.iter() {
            let (k, v) = item?;
            let c: Consultation = decode_consultation(CONSULTATIONS, &k, &v)?;
            step(&mut w, Section::Consultation, RecordRef::Consultation(&c))?;
        }
        for item in t.contacts.iter() {
            let (k, v) = item?;
            let c = contacts::dumped(&k, &v)?;
            step(&mut w, Section::Contact, RecordRef::Contact(&c))?;
        }
        for item in t.cancellations.iter() {
            let (k, v) = item?;
            let c = cancellations::dumped(&k, &v)?;
            step(&mut w, Section::Cancellation, RecordRef::Cancellation(&c))?;
        }
        for item in t.events.iter() {
            let (k, v) = item?;
            let seq =
                keys::u64_at(&k)
                    .filter(|_| k.len() == 8)
                    .ok_or_else(|| StoreError::Corrupt {
                        tree: EVENTS,
                        key: hex(&k),
                        reason: "not a sequence number".into(),
                    })?;
            let e: Event = decode(EVENTS, &k, &v)?;
            let line = EventLine {
                seq,
                at: e.at,
                officer: e.officer,
                consultation: e.consultation,
                client: e.client,
                kind: e.kind,
                detail: e.detail,
            };
            step(&mut w, Section::Event, RecordRef::Event(&line))?;
        }
        // Nothing writes meanwhile (the lock), so the counts cannot differ; if they did, the
        // header would lie and the dump must not be kept.
        if written != header.counts {
            return Err(StoreError::Corrupt {
                tree: META,
                key: String::new(),
                reason: format!(
                    "the database changed during the backup ({} counted, {written} written)",
                    header.counts
                ),
            }
            .into());
        }
        let sha256 = hex(&w.hasher.clone().finalize());
        write_line(&mut w, &RecordRef::End(&Trailer { sha256 })).map_err(werr)?;
        w.flush().map_err(werr)?;
        progress(total, total);
        Ok((written, w.inner))
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `sufler backup -o FILE`: the dump goes to a temporary file beside `output` (mode 0600),
/// is synced, renamed over `output`, and the directory is synced. A failure or a kill leaves
/// `output` as it was; a failure also removes the temporary file.
pub fn write_backup(
    store: &SledStore,
    output: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Counts, DumpError> {
    let werr = |path: &Path, source: io::Error| DumpError::Write {
        path: path.to_path_buf(),
        source,
    };
    let Some(name) = output.file_name() else {
        return Err(werr(
            output,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        ));
    };
    if output.is_dir() {
        return Err(werr(
            output,
            io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
        ));
    }
    let dir = parent_dir(output);
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| werr(&tmp, e))?;
    let result = (|| {
        let (counts, out) = store.dump(BufWriter::new(file), output, progress)?;
        let file = out.into_inner().map_err(|e| werr(output, e.into_error()))?;
        file.sync_all().map_err(|e| werr(output, e))?;
        drop(file);
        std::fs::rename(&tmp, output).map_err(|e| werr(output, e))?;
        sync_dir(dir).map_err(|e| werr(dir, e))?;
        Ok(counts)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads and checks a dump line by line: JSON shape, kind order, key order, no duplicates,
/// ids below the header's `next_id`, a contact's client and consultation earlier in the dump,
/// the counts, and the checksum at the trailer.
struct DumpReader<R> {
    inner: R,
    file: String,
    /// The number of the last line read (1-based).
    line: u64,
    buf: Vec<u8>,
    hasher: Sha256,
    header: Header,
    section: Option<Section>,
    last_key: Vec<u8>,
    consultation_ids: HashSet<u64>,
    /// The client ids read so far, ascending (the clients are in key order): a contact's
    /// client must be among them.
    client_ids: Vec<u64>,
    contact_ids: HashSet<u64>,
    cancellation_ids: HashSet<u64>,
    workstation_line: Option<u64>,
    counts: Counts,
    done: bool,
}

impl<R: BufRead> DumpReader<R> {
    fn invalid(&self, message: impl Into<String>) -> DumpError {
        DumpError::Invalid {
            file: self.file.clone(),
            line: self.line,
            message: message.into(),
        }
    }

    /// The next line into `self.buf` without its `\n`; `false` at the end of the input.
    fn read_line(&mut self) -> Result<bool, DumpError> {
        self.buf.clear();
        let n = (&mut self.inner)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| DumpError::Read {
                path: PathBuf::from(&self.file),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buf.last() != Some(&b'\n') {
            return Err(if n as u64 > MAX_LINE {
                self.invalid(format!("the line is longer than {MAX_LINE} bytes"))
            } else {
                self.invalid("the line has no end: the file is truncated")
            });
        }
        self.buf.pop();
        Ok(true)
    }

    fn json_error(&self, what: &str, e: serde_json::Error) -> DumpError {
        // serde_json says "… at line 1 column N"; the line is ours, the column is its.
        let text = e.to_string();
        let text = match text.rfind(" at line ") {
            Some(i) => &text[..i],
            None => &text,
        };
        self.invalid(format!("column {}: {what}: {text}", e.column()))
    }

    fn new(inner: R, file: &str) -> Result<Self, DumpError> {
        let mut r = DumpReader {
            inner,
            file: file.to_string(),
            line: 0,
            buf: Vec::new(),
            hasher: Sha256::new(),
            header: Header {
                format: String::new(),
                version: 0,
                schema: 0,
                next_id: 0,
                counts: Counts::default(),
            },
            section: None,
            last_key: Vec::new(),
            consultation_ids: HashSet::new(),
            client_ids: Vec::new(),
            contact_ids: HashSet::new(),
            cancellation_ids: HashSet::new(),
            workstation_line: None,
            counts: Counts::default(),
            done: false,
        };
        if !r.read_line()? {
            r.line = 1;
            return Err(r.invalid("the file is empty, not a sufler backup"));
        }
        // Only the shape is asked of the first line here, so that a file of another format
        // gets "not a sufler backup" rather than a missing field.
        let value: serde_json::Value = serde_json::from_slice(&r.buf)
            .map_err(|e| r.json_error("not a sufler backup (the first line is not JSON)", e))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(DUMP_FORMAT) {
            return Err(r.invalid(format!(
                "not a sufler backup (the first line has no \"format\":\"{DUMP_FORMAT}\")"
            )));
        }
        let header: Header = serde_json::from_value(value)
            .map_err(|e| r.invalid(format!("the header line: {e}")))?;
        if header.version != DUMP_VERSION {
            return Err(r.invalid(format!(
                "backup format version {}, this sufler reads version {DUMP_VERSION}",
                header.version
            )));
        }
        if header.schema != SCHEMA_VERSION && header.schema != SCHEMA_NO_CALL_BACKS {
            return Err(r.invalid(format!(
                "the backup is of database schema {}, this sufler restores schemas {SCHEMA_NO_CALL_BACKS} to {SCHEMA_VERSION}",
                header.schema
            )));
        }
        r.header = header;
        r.hash_line();
        Ok(r)
    }

    fn hash_line(&mut self) {
        self.hasher.update(&self.buf);
        self.hasher.update(b"\n");
    }

    fn below_next_id(&self, what: &str, id: u64) -> Result<(), DumpError> {
        if id >= self.header.next_id {
            Err(self.invalid(format!(
                "{what} {id} is not below the header's next_id {}",
                self.header.next_id
            )))
        } else {
            Ok(())
        }
    }

    fn name_ok(&self, what: &'static str, value: &str) -> Result<(), DumpError> {
        keys::check_name(what, value).map_err(|e| self.invalid(e.to_string()))
    }

    /// The next record, or `None` after the trailer (checked, with nothing after it).
    fn next(&mut self) -> Result<Option<Item>, DumpError> {
        if self.done {
            return Ok(None);
        }
        if !self.read_line()? {
            self.line += 1;
            return Err(self
                .invalid("the file ends without its trailer line ({\"end\":…}): it is truncated"));
        }
        let record: Record = serde_json::from_slice(&self.buf)
            .map_err(|e| self.json_error("not a backup record", e))?;
        let (item, key) = match record {
            Record::End(trailer) => {
                self.end(&trailer)?;
                return Ok(None);
            }
            Record::CatalogVersion(v) => return self.past(past::Past::Version(v)),
            Record::MonthPlan(p) => return self.past(past::Past::Plan(p)),
            Record::Officer(o) => {
                self.name_ok("officer name", &o.name)?;
                if o.workstation {
                    if let Some(first) = self.workstation_line {
                        return Err(self.invalid(format!(
                            "a second workstation officer (the first is on line {first})"
                        )));
                    }
                    self.workstation_line = Some(self.line);
                }
                let key = o.name.as_bytes().to_vec();
                (Item::Officer(o), key)
            }
            Record::Client(c) => {
                if c.id == 0 {
                    return Err(self.invalid("client id 0 is not a valid id"));
                }
                self.below_next_id("client id", c.id)?;
                // Out of order, the line is refused below and the reading ends: the list
                // stays ascending.
                self.client_ids.push(c.id);
                let key = c.id.to_be_bytes().to_vec();
                (Item::Client(c), key)
            }
            Record::Holding(h) => {
                if h.product.is_empty() {
                    return Err(self.invalid("a holding without a product"));
                }
                let key = keys::holding_key(h.client, &h.product);
                (Item::Holding(h), key)
            }
            Record::Consultation(mut c) => {
                if self.header.schema == SCHEMA_NO_CALL_BACKS {
                    // As the schema-2 migration reads a schema-1 record.
                    c.main_follow_up = schema_1_main_follow_up(c.main_outcome, c.started_at);
                }
                self.name_ok("officer name", &c.officer)?;
                self.name_ok("product id", &c.main)?;
                for o in &c.offers {
                    self.name_ok("product id", &o.product)?;
                }
                self.below_next_id("consultation id", c.id)?;
                if !self.consultation_ids.insert(c.id) {
                    return Err(self.invalid(format!("consultation {} appears twice", c.id)));
                }
                let key = keys::consultation_key(c.started_at, c.id).to_vec();
                (Item::Consultation(c), key)
            }
            Record::Contact(k) => self.contact(k)?,
            Record::Cancellation(c) => self.cancellation(c)?,
            Record::Event(e) => {
                self.below_next_id("event sequence number", e.seq)?;
                let key = e.seq.to_be_bytes().to_vec();
                let event = Event {
                    at: e.at,
                    officer: e.officer,
                    consultation: e.consultation,
                    client: e.client,
                    kind: e.kind,
                    detail: e.detail,
                };
                (Item::Event(e.seq, event), key)
            }
        };
        let s = item.section();
        match self.section {
            Some(prev) if s < prev => {
                return Err(self.invalid(format!(
                    "a {} record after the {} records: the lines are out of order",
                    s.name(),
                    prev.plural()
                )))
            }
            Some(prev) if s == prev && key <= self.last_key => {
                return Err(self.invalid(format!(
                    "this {} is out of order or repeated (the {} must be in key order)",
                    s.name(),
                    s.plural()
                )))
            }
            _ => {}
        }
        self.section = Some(s);
        self.last_key = key;
        let announced = *self.header.counts.of(s);
        let n = self.counts.of(s);
        *n += 1;
        if *n > announced {
            return Err(self.invalid(format!(
                "the header announces {announced} {}, this is one more",
                s.plural()
            )));
        }
        self.hash_line();
        Ok(Some(item))
    }

    /// A catalogue version or a month's plan: before every counted record, in key order.
    fn past(&mut self, p: past::Past) -> Result<Option<Item>, DumpError> {
        if let Some(s) = self.section {
            return Err(self.invalid(format!(
                "a catalogue version or month plan after the {} records: the lines are out of order",
                s.plural()
            )));
        }
        let (kind, key) = p.key();
        let mut key = key;
        key.insert(0, kind);
        if !self.last_key.is_empty() && key <= self.last_key {
            return Err(
                self.invalid("this catalogue version or month plan is out of order or repeated")
            );
        }
        self.last_key = key;
        self.hash_line();
        Ok(Some(Item::Past(p)))
    }

    fn end(&mut self, trailer: &Trailer) -> Result<(), DumpError> {
        let actual = hex(&self.hasher.clone().finalize());
        if !trailer.sha256.eq_ignore_ascii_case(&actual) {
            return Err(self.invalid(format!(
                "checksum mismatch: the trailer says sha256 {}, the lines before it hash to {actual}: the file was changed or damaged",
                trailer.sha256
            )));
        }
        if self.counts != self.header.counts {
            return Err(self.invalid(format!(
                "the header announces {}, the dump holds {}",
                self.header.counts, self.counts
            )));
        }
        if self.read_line()? {
            return Err(self.invalid("data after the trailer line"));
        }
        self.done = true;
        Ok(())
    }
}

/// Reads a whole dump and checks every line of it, writing nothing; its header. `file` names
/// the input in messages. This is what `restore` runs before it creates anything.
pub fn check_dump<R: BufRead>(input: R, file: &str) -> Result<Header, DumpError> {
    let mut r = DumpReader::new(input, file)?;
    while r.next()?.is_some() {}
    Ok(r.header)
}

/// What `restore` did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub counts: Counts,
    /// `verify` of the restored database.
    pub verify: VerifyReport,
}

/// `sufler restore FILE --db TARGET`. The whole dump is checked first; then it is loaded
/// into a new database in a temporary directory beside `target`, which is renamed to
/// `target` only once complete, synced and verified. On any failure the temporary
/// directory is removed and `target` is untouched; a killed restore leaves only the
/// temporary `.NAME.restoring-PID` directory, never a half-made `target`.
/// `progress(step, done, total)` names the step: `restore` while loading, then `verify`.
pub fn restore(
    file: &Path,
    target: &Path,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<RestoreReport, DumpError> {
    let rerr = |source| DumpError::Read {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(DumpError::NotEmpty(target.to_path_buf()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if target.exists() => {
            return Err(if target.is_dir() {
                DumpError::Read {
                    path: target.to_path_buf(),
                    source: e,
                }
            } else {
                DumpError::NotEmpty(target.to_path_buf())
            })
        }
        Err(_) => {}
    }
    let name = file.display().to_string();
    let header = check_dump(BufReader::new(File::open(file).map_err(rerr)?), &name)?;

    let Some(target_name) = target.file_name() else {
        return Err(DumpError::Write {
            path: target.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a directory name"),
        });
    };
    let parent = parent_dir(target);
    let tmp = parent.join(format!(
        ".{}.restoring-{}",
        target_name.to_string_lossy(),
        std::process::id()
    ));
    if tmp.exists() {
        // Left by an earlier restore killed with this same process id.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let result = load(&tmp, file, &name, &header, progress).and_then(|verify| {
        let werr = |path: &Path, source| DumpError::Write {
            path: path.to_path_buf(),
            source,
        };
        // `rename` replaces an empty directory atomically; the target is never half-made.
        std::fs::rename(&tmp, target).map_err(|e| werr(target, e))?;
        sync_dir(parent).map_err(|e| werr(parent, e))?;
        Ok(RestoreReport {
            counts: header.counts,
            verify,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// The second pass: every record into a fresh database at `dir`, then `verify`.
fn load(
    dir: &Path,
    file: &Path,
    name: &str,
    header: &Header,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<VerifyReport, DumpError> {
    let input = File::open(file).map_err(|source| DumpError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let mut reader = DumpReader::new(BufReader::new(input), name)?;
    if reader.header != *header {
        return Err(reader.invalid("the file changed while it was being restored"));
    }
    let mut store = SledStore::open(dir)?;
    store.next_id_floor = header.next_id;
    let result = (|| {
        store
            .db
            .open_tree(META)?
            .insert(META_NEXT_ID_KEY, &header.next_id.to_be_bytes())?;
        let total = header.counts.total();
        let mut loader = Loader::default();
        let mut done = 0u64;
        // The pass re-checks every line, so a file changed since the first pass is caught
        // at the latest by its checksum, before the directory is renamed into place.
        while let Some(item) = reader.next()? {
            loader.push(&store, item)?;
            done += 1;
            if done.is_multiple_of(512) {
                progress("restore", done, total);
            }
        }
        loader.finish(&store)?;
        progress("restore", total, total);
        store.durable()?;
        Ok(store.verify_with(&mut |done, total| progress("verify", done, total))?)
    })();
    match result {
        Ok(report) => {
            drop(store);
            Ok(report)
        }
        Err(e) => {
            // After a failed write (a full disk) sled's own close would hang; the caller
            // removes the directory and the process ends soon after.
            store.abandon();
            Err(e)
        }
    }
}

/// Buffers records of the current kind and writes them in batches through the store's own
/// save paths, which rebuild the indexes and counters.
#[derive(Default)]
struct Loader {
    section: Option<Section>,
    officers: Vec<OfficerLine>,
    clients: Vec<Client>,
    holdings: Vec<HoldingLine>,
    /// Every holding line of the dump: a product cancelled and bought again (or marked held
    /// again) is held in the dump, and must stay held after its cancellation is replayed.
    held: HashSet<Vec<u8>>,
    consultations: Vec<Consultation>,
    contacts: Vec<Contact>,
    cancellations: Vec<Cancellation>,
    events: Vec<(u64, Event)>,
    events_cleared: bool,
}

impl Loader {
    fn push(&mut self, store: &SledStore, item: Item) -> Result<(), DumpError> {
        if let Item::Past(p) = &item {
            p.store(store)?;
            return Ok(());
        }
        let s = item.section();
        if self.section != Some(s) {
            self.flush(store)?;
            self.section = Some(s);
        }
        let full = match item {
            Item::Past(_) => false,
            Item::Officer(o) => {
                self.officers.push(o);
                false
            }
            Item::Client(c) => {
                self.clients.push(c);
                self.clients.len() >= BATCH
            }
            Item::Holding(h) => {
                self.holdings.push(h);
                self.holdings.len() >= BATCH
            }
            Item::Consultation(c) => {
                self.consultations.push(c);
                self.consultations.len() >= BATCH
            }
            Item::Contact(k) => {
                self.contacts.push(k);
                self.contacts.len() >= BATCH
            }
            Item::Cancellation(c) => {
                self.cancellations.push(c);
                self.cancellations.len() >= BATCH
            }
            Item::Event(seq, e) => {
                self.events.push((seq, e));
                self.events.len() >= BATCH
            }
        };
        if full {
            self.flush(store)?;
        }
        Ok(())
    }

    fn flush(&mut self, store: &SledStore) -> Result<(), DumpError> {
        if !self.officers.is_empty() {
            // The workstation officer last: `save_officer` points the workstation at the
            // officer it saves.
            let officers = std::mem::take(&mut self.officers);
            let (ws, others): (Vec<_>, Vec<_>) = officers.into_iter().partition(|o| o.workstation);
            for o in others.iter().chain(ws.iter()) {
                store.save_officer(&Officer {
                    name: o.name.clone(),
                    branch: o.branch.clone(),
                })?;
            }
            if ws.is_empty() {
                store.t.officers.remove(WORKSTATION_OFFICER_KEY)?;
            }
        }
        if !self.clients.is_empty() {
            let clients = std::mem::take(&mut self.clients);
            // Ids are kept, so this is `add_clients` without its fresh ids.
            let event = SledStore::event("", None, None, EventKind::Imported, "restore")?;
            store.write_clients(&clients, &[], &event)?;
        }
        if !self.holdings.is_empty() {
            // Holdings are records of their own (a product held from before Sufler).
            let mut batch = sled::Batch::default();
            for h in std::mem::take(&mut self.holdings) {
                let k = keys::holding_key(h.client, &h.product);
                batch.insert(k.as_slice(), &[] as &[u8]);
                self.held.insert(k);
            }
            store
                .t
                .holdings
                .apply_batch(batch)
                .map_err(StoreError::from)?;
            store.durable()?;
        }
        if !self.consultations.is_empty() {
            let cs = std::mem::take(&mut self.consultations);
            store.save_all(&cs, EventKind::Imported, "restore")?;
        }
        if !self.contacts.is_empty() {
            // After every consultation, as `contacts` explains.
            store.restore_contacts(&std::mem::take(&mut self.contacts))?;
        }
        if !self.cancellations.is_empty() {
            // After the consultations, which gave the holdings back: each takes its sale's
            // away again, and off the counters, as when it was recorded.
            let cs = std::mem::take(&mut self.cancellations);
            let event = SledStore::event("", None, None, EventKind::Imported, "restore")?;
            store.write_cancellations(&cs, &event)?;
            // The replay took each cancelled product off its client; the dump says which
            // are held again.
            let mut again = sled::Batch::default();
            for c in &cs {
                let k = keys::holding_key(c.client_id, &c.sale.product);
                if self.held.contains(&k) {
                    again.insert(k, &[] as &[u8]);
                }
            }
            store
                .t
                .holdings
                .apply_batch(again)
                .map_err(StoreError::from)?;
            store.durable()?;
        }
        if !self.events.is_empty() || self.section == Some(Section::Event) {
            self.clear_events(store)?;
            let mut batch = sled::Batch::default();
            for (seq, e) in std::mem::take(&mut self.events) {
                batch.insert(&seq.to_be_bytes(), encode(&e)?);
            }
            store
                .t
                .events
                .apply_batch(batch)
                .map_err(StoreError::from)?;
            store.durable()?;
        }
        Ok(())
    }

    /// The save paths above logged entries of their own; the log must be the dump's.
    fn clear_events(&mut self, store: &SledStore) -> Result<(), DumpError> {
        if !self.events_cleared {
            store.t.events.clear().map_err(StoreError::from)?;
            self.events_cleared = true;
        }
        Ok(())
    }

    fn finish(&mut self, store: &SledStore) -> Result<(), DumpError> {
        self.flush(store)?;
        self.clear_events(store)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Daily backups

/// Where automatic daily backups of the database at `db` go: a sibling directory,
/// `<db>-backups` (so `~/.local/share/sufler-backups/` by default), which survives the loss
/// of the database directory itself.
pub fn daily_backup_dir(db: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let name = abs.file_name().map_or_else(
        || "sufler".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    parent_dir(&abs).join(format!("{name}-backups"))
}

fn is_daily_name(name: &str) -> bool {
    name.strip_prefix("sufler-")
        .and_then(|rest| rest.strip_suffix(".jsonl"))
        .is_some_and(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok())
}

/// The daily backup: if `keep > 0` and there is no backup of `today` yet, writes
/// `sufler-YYYY-MM-DD.jsonl` into [`daily_backup_dir`] (0700; the file 0600) and removes the
/// oldest beyond `keep`. The new file's path, or `None` when there was nothing to do.
pub fn daily_backup(
    store: &SledStore,
    keep: usize,
    today: NaiveDate,
) -> Result<Option<PathBuf>, DumpError> {
    if keep == 0 {
        return Ok(None);
    }
    let dir = daily_backup_dir(store.path());
    let werr = |source| DumpError::Write {
        path: dir.clone(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(werr)?;
    std::fs::set_permissions(&dir, Permissions::from_mode(0o700)).map_err(werr)?;
    let file = dir.join(format!("sufler-{}.jsonl", today.format("%Y-%m-%d")));
    if file.exists() {
        return Ok(None);
    }
    write_backup(store, &file, &mut |_, _| {})?;
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(werr)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_daily_name(n))
        .collect();
    // ISO dates sort as text.
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for old in &names[..excess] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    if excess > 0 {
        let _ = sync_dir(&dir);
    }
    Ok(Some(file))
}

/// The newest daily backup of the database at `db`, if any (for the recovery message).
pub fn latest_daily_backup(db: &Path) -> Option<PathBuf> {
    let dir = daily_backup_dir(db);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_daily_name(n))
        .collect();
    names.sort();
    names.pop().map(|n| dir.join(n))
}
