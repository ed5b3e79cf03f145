//! `export --detail`: one row per offer (DESIGN §7), streamed from the records.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use rust_xlsxwriter::Workbook;
use serde_json::{Map, Value};

use super::period::Period;
use super::table::{term, Cell, Label};
use super::write::{out, xlsx_cell, CsvStyle, XlsxFormats, JSON_VERSION};
use super::{Only, ReportError};
use crate::consultation::{Consultation, Outcome};
use crate::lang::Lang;
use crate::progress::Progress;
use crate::store::Store;

/// The columns, exactly as DESIGN §7 names them.
pub const COLUMNS: [&str; 12] = [
    "consultation_id",
    "started_at",
    "officer",
    "branch",
    "client_id",
    "main",
    "main_outcome",
    "product",
    "technique",
    "stage",
    "variant",
    "outcome",
];

/// Added when several databases are merged: which one the row comes from, as client and
/// consultation ids are numbered per database.
pub const DATABASE_COLUMN: &str = "database";

/// Added with `--with-clients`.
pub const CLIENT_COLUMNS: [&str; 2] = ["client_name", "client_phone"];

/// Added in the second release, after every other column (so none of those moves): the
/// catalogue version the consultation ran on (label and short hash, as the variant table
/// names it), empty for a consultation recorded before versions were.
pub const CATALOG_VERSION_COLUMN: &str = "catalog_version";

/// Added in the third release, last: the formula slot an offer filled (`catch`, `create` by
/// the product's relation to the main one; `main` for an upsell or downsell), empty on the
/// row of a consultation without offers. The `technique` column says how it was opened.
pub const SLOT_COLUMN: &str = "slot";

/// A column's header for people (the Russian `--excel` CSV, XLSX); a column without one is
/// headed by its key.
pub fn label(key: &str) -> Option<Label> {
    let (ru, en) = match key {
        "consultation_id" => ("Консультация", "Consultation"),
        "started_at" => ("Начало", "Started at"),
        "officer" => ("Сотрудник", "Officer"),
        "branch" => ("Отделение", "Branch"),
        "client_id" => ("Клиент", "Client"),
        "main" => ("Основной продукт", "Main product"),
        "main_outcome" => ("Итог основного", "Main outcome"),
        "product" => ("Продукт", "Product"),
        "technique" => ("Техника", "Technique"),
        "stage" => ("Этап", "Stage"),
        "variant" => ("Вариант", "Variant"),
        "outcome" => ("Итог", "Outcome"),
        "catalog_version" => ("Версия каталога", "Catalogue version"),
        "slot" => ("Слот формулы", "Formula slot"),
        "database" => ("База", "Database"),
        "client_name" => ("ФИО клиента", "Client name"),
        "client_phone" => ("Телефон клиента", "Client phone"),
        _ => return None,
    };
    Some(Label { ru, en })
}

/// Whether long exports report their progress on stderr (set by the command line when stderr
/// is a terminal; quiet when piped, and in the library's own use).
static PROGRESS: AtomicBool = AtomicBool::new(false);

pub fn show_progress(on: bool) {
    PROGRESS.store(on, Ordering::Relaxed);
}

/// Rows an xlsx sheet holds under its header.
pub const XLSX_MAX_ROWS: u64 = 1_048_575;

fn outcome(o: Option<Outcome>) -> Cell {
    o.map_or(Cell::Text(String::new()), |o| term(o.as_str()))
}

/// The rows of one consultation: one per offer; a consultation without offers gives one row
/// with the offer columns empty, so its main product's outcome is not lost.
fn rows(
    c: &Consultation,
    database: Option<&str>,
    client: Option<&(String, String)>,
) -> Vec<Vec<Cell>> {
    let head = [
        Cell::Int(c.id),
        Cell::Text(c.started_at.format("%Y-%m-%dT%H:%M:%S").to_string()),
        Cell::Text(c.officer.clone()),
        Cell::Text(c.branch.clone()),
        Cell::Int(c.client_id),
        Cell::Text(c.main.clone()),
        outcome(c.main_outcome),
    ];
    let tail = |row: &mut Vec<Cell>, slot: &str| {
        if let Some(database) = database {
            row.push(Cell::Text(database.to_string()));
        }
        if let Some((name, phone)) = client {
            row.push(Cell::Text(name.clone()));
            row.push(Cell::Text(phone.clone()));
        }
        row.push(Cell::Text(
            c.catalog.as_ref().map(|v| v.name()).unwrap_or_default(),
        ));
        row.push(term(slot));
    };
    if c.offers.is_empty() {
        let mut row = head.to_vec();
        row.extend([
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Num(None, 0),
            Cell::Text(String::new()),
        ]);
        tail(&mut row, "");
        return vec![row];
    }
    c.offers
        .iter()
        .map(|o| {
            let mut row = head.to_vec();
            row.extend([
                Cell::Text(o.product.clone()),
                term(o.technique.as_str()),
                Cell::Text(o.stage.clone()),
                Cell::Ordinal(u64::from(o.variant)),
                outcome(o.outcome),
            ]);
            tail(&mut row, o.counts_as().as_str());
            row
        })
        .collect()
}

/// Calls `each` with every row of the period, database by database, oldest first.
pub fn for_each(
    stores: &[&dyn Store],
    period: Period,
    only: &Only,
    with_clients: bool,
    mut each: impl FnMut(&[Cell]) -> Result<(), ReportError>,
) -> Result<u64, ReportError> {
    let mut n: u64 = 0;
    let mut bar = if PROGRESS.load(Ordering::Relaxed) {
        Progress::stderr()
    } else {
        Progress::hidden()
    };
    for s in stores {
        let database = (stores.len() > 1).then(|| s.location());
        // Client ids are per database.
        let mut clients: HashMap<u64, (String, String)> = HashMap::new();
        for c in s.consultations_between(period.start(), period.end()) {
            let c = c?;
            if !only.fits(&c.officer, &c.branch) {
                continue;
            }
            let client = if with_clients {
                let found = match clients.entry(c.client_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(
                        s.client(c.client_id)?
                            .map(|k| (k.full_name(), k.phone))
                            .unwrap_or_default(),
                    ),
                };
                Some(&*found)
            } else {
                None
            };
            for row in rows(&c, database.as_deref(), client) {
                each(&row)?;
                n += 1;
                if n.is_multiple_of(4096) {
                    bar.count("export", n, "rows");
                }
            }
        }
    }
    Ok(n)
}

fn header(stores: &[&dyn Store], with_clients: bool) -> Vec<&'static str> {
    let mut h = COLUMNS.to_vec();
    if stores.len() > 1 {
        h.push(DATABASE_COLUMN);
    }
    if with_clients {
        h.extend(CLIENT_COLUMNS);
    }
    h.push(CATALOG_VERSION_COLUMN);
    h.push(SLOT_COLUMN);
    h
}

pub fn csv(
    stores: &[&dyn Store],
    period: Period,
    only: &Only,
    with_clients: bool,
    style: CsvStyle,
    w: &mut dyn Write,
) -> Result<u64, ReportError> {
    let mut w = style.writer(w).map_err(out)?;
    let head: Vec<String> = header(stores, with_clients)
        .iter()
        .map(|k| style.header(k, label(k)))
        .collect();
    w.record(&head).map_err(out)?;
    let n = for_each(stores, period, only, with_clients, |row| {
        w.cells(row).map_err(out)
    })?;
    w.finish().map_err(out)?;
    Ok(n)
}

/// `{"format": "sufler-detail", "version": 1, "period": {…}, "columns": […], "rows": [{…}, …]}`,
/// streamed.
pub fn json(
    stores: &[&dyn Store],
    period: Period,
    only: &Only,
    with_clients: bool,
    w: &mut dyn Write,
) -> Result<u64, ReportError> {
    let keys = header(stores, with_clients);
    let mut head = serde_json::json!({
        "format": "sufler-detail",
        "version": JSON_VERSION,
        "period": { "from": period.from.to_string(), "to": period.to.to_string() },
        "columns": keys,
    });
    if let (Some(o), false) = (head.as_object_mut(), only.everything()) {
        o.insert("only".to_string(), super::write::only_json(only));
    }
    let head = serde_json::to_string(&head).map_err(|e| out(e.into()))?;
    // Open the object's last field by hand, so rows stream without being held in memory.
    let open = head.strip_suffix('}').unwrap_or(&head);
    write!(w, "{open},\"rows\":[").map_err(out)?;
    let mut first = true;
    let n = for_each(stores, period, only, with_clients, |row| {
        let obj: Map<String, Value> = keys
            .iter()
            .zip(row)
            .map(|(k, c)| {
                let v = match c {
                    Cell::Text(s) | Cell::Named { id: s, .. } => Value::String(s.clone()),
                    Cell::Term { id, .. } => Value::String(id.to_string()),
                    Cell::Int(n) | Cell::Ordinal(n) => Value::from(*n),
                    _ => Value::Null,
                };
                (k.to_string(), v)
            })
            .collect();
        if !first {
            w.write_all(b",").map_err(out)?;
        }
        first = false;
        w.write_all(b"\n").map_err(out)?;
        serde_json::to_writer(&mut *w, &obj).map_err(|e| out(e.into()))
    })?;
    w.write_all(b"\n]}\n").map_err(out)?;
    Ok(n)
}

pub fn xlsx(
    stores: &[&dyn Store],
    period: Period,
    only: &Only,
    with_clients: bool,
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let f = XlsxFormats::for_lang(lang);
    let ws = wb.add_worksheet();
    ws.set_name(match lang {
        Lang::Ru => "Предложения",
        Lang::En => "Offers",
    })?;
    for (i, k) in header(stores, with_clients).iter().enumerate() {
        // English keeps the keys, as before.
        let h = match (lang, label(k)) {
            (Lang::Ru, Some(l)) => l.ru,
            _ => *k,
        };
        ws.write_string_with_format(0, i as u16, h, &f.header)?;
    }
    let mut r: u64 = 0;
    let rows = for_each(stores, period, only, with_clients, |row| {
        r += 1;
        if r > XLSX_MAX_ROWS {
            return Ok(());
        }
        for (i, c) in row.iter().enumerate() {
            xlsx_cell(ws, r as u32, i as u16, c, &f)?;
        }
        Ok(())
    })?;
    if rows > XLSX_MAX_ROWS {
        return Err(ReportError::TooManyRows {
            rows,
            max: XLSX_MAX_ROWS,
        });
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}
