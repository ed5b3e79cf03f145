//! Writing a dump: the header, the records section by section, the trailer with the
//! counts and the hash; the file beside its target first, then renamed.

use super::*;

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
        let last_client = || -> Result<u64, StoreError> {
            match t.clients.last()? {
                Some((k, _)) => keys::u64_at(&k).ok_or_else(|| StoreError::Corrupt {
                    tree: CLIENTS,
                    key: hex(&k),
                    reason: "not an 8-byte id".into(),
                }),
                None => Ok(0),
            }
        };
        let next_id = [
            last_client()?,
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
            workstation: Some(self.workstation),
            counts: Counts {
                officers,
                clients: t.clients.len()?,
                holdings: t.holdings.len()?,
                consultations: t.consultations.len()?,
                contacts: t.contacts.len()?,
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

pub(super) fn parent_dir(path: &Path) -> &Path {
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
