//! Reading a dump line by line: every line checked (its section, its order, ids seen once,
//! the references to earlier lines), the trailer's counts and hash.

use super::*;

/// Reads and checks a dump line by line: JSON shape, kind order, key order, no duplicates,
/// ids below the header's `next_id`, a contact's client and consultation earlier in the dump,
/// the counts, and the checksum at the trailer.
pub(super) struct DumpReader<R> {
    pub(super) inner: R,
    pub(super) file: String,
    /// The number of the last line read (1-based).
    pub(super) line: u64,
    pub(super) buf: Vec<u8>,
    pub(super) hasher: Sha256,
    pub(super) header: Header,
    pub(super) section: Option<Section>,
    pub(super) last_key: Vec<u8>,
    pub(super) consultation_ids: HashSet<u64>,
    /// The client ids read so far, ascending (the clients are in key order): a contact's
    /// client must be among them.
    pub(super) client_ids: Vec<u64>,
    pub(super) contact_ids: HashSet<u64>,
    pub(super) cancellation_ids: HashSet<u64>,
    pub(super) workstation_line: Option<u64>,
    pub(super) counts: Counts,
    pub(super) done: bool,
}

impl<R: BufRead> DumpReader<R> {
    pub(super) fn invalid(&self, message: impl Into<String>) -> DumpError {
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

    pub(super) fn new(inner: R, file: &str) -> Result<Self, DumpError> {
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
                workstation: None,
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
        if !(SCHEMA_NO_CALL_BACKS..=SCHEMA_VERSION).contains(&header.schema) {
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

    pub(super) fn below_next_id(&self, what: &str, id: u64) -> Result<(), DumpError> {
        if id >= self.header.next_id {
            Err(self.invalid(format!(
                "{what} {id} is not below the header's next_id {}",
                self.header.next_id
            )))
        } else {
            Ok(())
        }
    }

    pub(super) fn name_ok(&self, what: &'static str, value: &str) -> Result<(), DumpError> {
        keys::check_name(what, value).map_err(|e| self.invalid(e.to_string()))
    }

    /// The next record, or `None` after the trailer (checked, with nothing after it).
    pub(super) fn next(&mut self) -> Result<Option<Item>, DumpError> {
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
    pub(super) fn past(&mut self, p: past::Past) -> Result<Option<Item>, DumpError> {
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

    pub(super) fn end(&mut self, trailer: &Trailer) -> Result<(), DumpError> {
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
