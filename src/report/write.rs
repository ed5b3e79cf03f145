//! Writers: the terminal report, CSV, JSON and XLSX, and the output itself (stdout, or a
//! file replaced atomically).

use std::fs::OpenOptions;
use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Chart, ChartType, Format as XFormat, Workbook, Worksheet};
use serde_json::{json, Map, Value};

use super::figures::Report;
use super::table::{render, render_vertical, Cell, Label, Table};
use super::ReportError;
use crate::lang::Lang;

/// The version of the JSON shape (README, "JSON shape"); bumped only on incompatible change.
pub const JSON_VERSION: u64 = 1;

/// `sufler stats`: the whole report as text.
pub fn stats_text(r: &Report, tables: &[Table], lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let mut out = String::new();
    // A month is named and its dates follow; a range is its dates alone.
    let sep = if ru { "—" } else { "to" };
    let dates = format!("{} {sep} {}", r.period.from, r.period.to);
    let period = match r.period.month {
        Some(m) => format!("{m} ({dates})"),
        None => dates,
    };
    out.push_str(&if ru {
        format!(
            "Период: {period}\nФормула: основной продукт + {} «лови момент» + {} «создай момент»\n",
            r.formula.catch, r.formula.create
        )
    } else {
        format!(
            "Period: {period}\nFormula: main product + {} catch the moment + {} create the moment\n",
            r.formula.catch, r.formula.create
        )
    });
    for (ru_name, en_name, value) in [
        ("Сотрудник", "Officer", &r.only.officer),
        ("Отделение", "Branch", &r.only.branch),
    ] {
        if let Some(v) = value {
            let name = if ru { ru_name } else { en_name };
            out.push_str(&format!("{name}: {v}\n"));
        }
    }
    if !r.plan_from_catalog.is_empty() {
        let months = super::plans::Plans::runs(&r.plan_from_catalog);
        out.push_str(&if ru {
            format!("План: за {months} в базе нет сохранённого плана, цели взяты из текущего каталога\n")
        } else {
            format!("Plan: no plan stored for {months}; the targets are today's catalogue's\n")
        });
    }
    if r.total.consultations == 0 {
        out.push_str(if ru {
            "Консультаций за период нет.\n"
        } else {
            "No consultations in the period.\n"
        });
    }
    let (days, of) = r.period.plan_days(r.today);
    for t in tables {
        out.push('\n');
        let mut title = t.title.get(lang).to_string();
        if t.name.ends_with("plan") && r.prorated() {
            title.push_str(&if ru {
                format!(" (цель пропорциональна дням: {days} из {of})")
            } else {
                format!(" (target prorated: {days} of {of} days)")
            });
        }
        if t.name == "summary" {
            // The period is in the heading already.
            let mut t = t.clone();
            t.columns.drain(..2);
            for row in &mut t.rows {
                row.drain(..2);
            }
            out.push_str(&render_vertical(&t, lang, &title));
        } else if t.rows.is_empty() {
            out.push_str(&format!(
                "{title}\n  {}\n",
                if ru { "нет данных" } else { "no data" }
            ));
        } else {
            out.push_str(&render(&t.for_people(), lang, &title));
        }
    }
    out
}

pub use super::csv_out::{CsvStyle, CsvWriter};

/// The figure columns added with upsell, downsell and check-ins (schema 3).
const LATE_KEYS: [&str; 4] = [
    "main_upgraded",
    "main_saved",
    "check_ins",
    "check_ins_reached",
];

/// All tables as one CSV table: the first column `table` names the table a row belongs to,
/// the other columns are the union of the tables' columns in order of first appearance,
/// empty where a table has no such column. In the Russian `--excel` CSV the headers are the
/// columns' Russian headers and `table` holds the table's title.
pub fn csv(tables: &[Table], style: CsvStyle, w: &mut dyn Write) -> io::Result<()> {
    let mut keys: Vec<&str> = vec!["table"];
    let mut labels: Vec<Option<Label>> = vec![Some(Label {
        ru: "Таблица",
        en: "Table",
    })];
    // Columns added in a later release go after all the others, so that a reader of the
    // earlier file finds every column where it was.
    for late in [false, true] {
        for t in tables {
            for c in &t.columns {
                if LATE_KEYS.contains(&c.key) == late && !keys.contains(&c.key) {
                    keys.push(c.key);
                    labels.push(Some(c.header));
                }
            }
        }
    }
    let mut w = style.writer(w)?;
    let header: Vec<String> = keys
        .iter()
        .zip(&labels)
        .map(|(k, l)| style.header(k, *l))
        .collect();
    w.record(&header)?;
    for t in tables {
        let name = if style.for_people() {
            t.title.ru
        } else {
            t.name
        };
        let at: Vec<Option<usize>> = keys
            .iter()
            .map(|k| t.columns.iter().position(|c| c.key == *k))
            .collect();
        for r in &t.rows {
            let fields: Vec<String> = at
                .iter()
                .enumerate()
                .map(|(i, pos)| match pos {
                    _ if i == 0 => name.to_string(),
                    Some(p) => style.cell(&r[*p]),
                    None => String::new(),
                })
                .collect();
            w.record(&fields)?;
        }
    }
    w.finish()
}

fn json_cell(c: &Cell) -> Value {
    match c {
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Named { id, .. } => Value::String(id.clone()),
        Cell::Int(n) => Value::from(*n),
        Cell::Ratio(v) | Cell::Num(v, _) => v
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Cell::Flag(b, _) => Value::Bool(*b),
        Cell::Term { id, .. } => Value::String(id.to_string()),
        Cell::Ordinal(n) => Value::from(*n),
    }
}

/// The JSON document (shape documented in README).
pub fn json(r: &Report, tables: &[Table]) -> Value {
    let (days, of) = r.period.plan_days(r.today);
    let mut t = Map::new();
    for table in tables {
        let rows: Vec<Value> = table
            .rows
            .iter()
            .map(|row| {
                let obj: Map<String, Value> = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.key.to_string(), json_cell(v)))
                    .collect();
                Value::Object(obj)
            })
            .collect();
        t.insert(table.name.to_string(), Value::Array(rows));
    }
    let mut v = json!({
        "format": "sufler-report",
        "version": JSON_VERSION,
        "period": {
            "from": r.period.from.to_string(),
            "to": r.period.to.to_string(),
            "month": r.period.month.map(|m| m.to_string()),
            "prorated": r.prorated(),
            "plan_days": days,
            "month_days": of,
        },
        "formula": { "catch": r.formula.catch, "create": r.formula.create },
        "groupings": r.groupings.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "tables": t,
    });
    if let (Some(o), false) = (v.as_object_mut(), r.only.everything()) {
        o.insert("only".to_string(), only_json(&r.only));
    }
    v
}

/// `{"officer": …, "branch": …}`: what `--officer` / `--branch` kept.
pub(super) fn only_json(only: &super::Only) -> Value {
    json!({ "officer": only.officer, "branch": only.branch })
}

/// Typed cell formats of a workbook.
///
/// Ratios are numbers with a percent format (`0.0%`), not text: Excel shows them as «30,6%»
/// under Russian settings and can still sort, sum, average and chart them. Yes/no is text
/// («да»/«нет», "yes"/"no"), never a boolean cell, which Russian Excel shows as ИСТИНА/ЛОЖЬ.
pub struct XlsxFormats {
    pub header: XFormat,
    pub percent: XFormat,
    pub decimals: [XFormat; 3],
    /// The texts of yes and no.
    pub yes_no: [&'static str; 2],
    /// The language of the words in cells ([`Cell::Term`]).
    pub lang: Lang,
}

impl XlsxFormats {
    /// Russian yes/no.
    pub fn new() -> XlsxFormats {
        Self::for_lang(Lang::Ru)
    }

    pub fn for_lang(lang: Lang) -> XlsxFormats {
        XlsxFormats {
            lang,
            yes_no: match lang {
                Lang::Ru => ["да", "нет"],
                Lang::En => ["yes", "no"],
            },
            header: XFormat::new().set_bold(),
            percent: XFormat::new().set_num_format("0.0%"),
            decimals: [
                XFormat::new().set_num_format("0"),
                XFormat::new().set_num_format("0.0"),
                XFormat::new().set_num_format("0.00"),
            ],
        }
    }
}

impl Default for XlsxFormats {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes one typed cell (nothing for a missing ratio).
pub fn xlsx_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    c: &Cell,
    f: &XlsxFormats,
) -> Result<(), ReportError> {
    match c {
        Cell::Text(s) | Cell::Named { name: s, .. } => {
            ws.write_string(row, col, s)?;
        }
        Cell::Int(n) => {
            ws.write_number(row, col, *n as f64)?;
        }
        Cell::Ratio(Some(v)) => {
            ws.write_number_with_format(row, col, *v, &f.percent)?;
        }
        Cell::Num(Some(v), d) => {
            ws.write_number_with_format(row, col, *v, &f.decimals[(*d).min(2)])?;
        }
        Cell::Ratio(None) | Cell::Num(None, _) => {}
        Cell::Flag(b, _) => {
            ws.write_string(row, col, f.yes_no[usize::from(!*b)])?;
        }
        Cell::Term { label, .. } => {
            ws.write_string(row, col, label.get(f.lang))?;
        }
        Cell::Ordinal(n) => {
            ws.write_number(row, col, (*n + 1) as f64)?;
        }
    }
    Ok(())
}

/// A sheet name Excel accepts for a table's title: at most 31 characters, none of `[]:*?/\\`,
/// and unique in the workbook (Excel compares them case-insensitively), so a long English
/// title («Cancelled in the cooling-off period») is shortened rather than failing the export.
fn sheet_name(title: &str, used: &mut Vec<String>) -> String {
    const MAX: usize = 31;
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" {n}")
        };
        let room = MAX - suffix.chars().count();
        let mut name: String = clean.chars().take(room).collect();
        name = name.trim_end().to_string();
        name.push_str(&suffix);
        if !used.iter().any(|u| u.to_lowercase() == name.to_lowercase()) {
            used.push(name.clone());
            return name;
        }
        n += 1;
    }
}

/// The workbook: one sheet per table (summary, plan, then each grouping and its plan), headers
/// in `lang`, typed cells, and a plan-vs-fact column chart on the plan sheet.
pub fn xlsx(tables: &[Table], lang: Lang) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let f = XlsxFormats::for_lang(lang);
    let mut used = Vec::new();
    for t in tables {
        let t = t.for_people();
        let name = sheet_name(t.title.get(lang), &mut used);
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        for (i, c) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, c.header.get(lang), &f.header)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (i, c) in row.iter().enumerate() {
                xlsx_cell(ws, r as u32 + 1, i as u16, c, &f)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
        if t.name == "plan" && !t.rows.is_empty() {
            let last = t.rows.len() as u32;
            let col = |key: &str| {
                t.columns
                    .iter()
                    .position(|c| c.key == key)
                    .map(|i| i as u16)
            };
            if let (Some(p), Some(sold), Some(target)) =
                (col("product"), col("sold"), col("target"))
            {
                let mut chart = Chart::new(ChartType::Column);
                let fact: Label = Label {
                    ru: "Факт",
                    en: "Sold",
                };
                let goal: Label = Label {
                    ru: "Цель",
                    en: "Target",
                };
                chart
                    .add_series()
                    .set_name(fact.get(lang))
                    .set_categories((name.as_str(), 1, p, last, p))
                    .set_values((name.as_str(), 1, sold, last, sold));
                chart
                    .add_series()
                    .set_name(goal.get(lang))
                    .set_categories((name.as_str(), 1, p, last, p))
                    .set_values((name.as_str(), 1, target, last, target));
                chart.title().set_name(match lang {
                    Lang::Ru => "План и факт",
                    Lang::En => "Plan vs fact",
                });
                ws.insert_chart(last + 2, 0, &chart)?;
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The reader of stdout has gone, also when the csv writer wrapped the error.
fn broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<csv::Error>())
            .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
}

/// Where the output goes: stdout, or `path` written through a temporary file in the same
/// directory and renamed, so the file is whole or absent. `private` files (with client
/// names) are created 0600. `binary` output is refused on a terminal.
pub fn deliver(
    path: Option<&Path>,
    private: bool,
    binary: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let Some(path) = path else {
        let stdout = io::stdout();
        if binary && stdout.is_terminal() {
            return Err(ReportError::XlsxToTerminal);
        }
        let mut w = BufWriter::new(stdout.lock());
        return match write(&mut w).and_then(|()| w.flush().map_err(ReportError::Output)) {
            // `… | head` is not a failure.
            Err(ReportError::Output(e)) if broken_pipe(&e) => Ok(()),
            other => other,
        };
    };
    let fail = |source: io::Error| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    let name = path.file_name().ok_or_else(|| {
        fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if private { 0o600 } else { 0o666 })
        .open(&tmp)
        .map_err(fail)?;
    let guard = RemoveOnDrop(Some(tmp.clone()));
    let mut w = BufWriter::new(file);
    let result = write(&mut w).and_then(|()| {
        let file = w
            .into_inner()
            .map_err(|e| ReportError::Output(e.into_error()))?;
        file.sync_all().map_err(ReportError::Output)?;
        Ok(())
    });
    match result {
        Err(ReportError::Output(e)) => return Err(fail(e)),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    std::fs::rename(&tmp, path).map_err(fail)?;
    guard.disarm();
    Ok(())
}

/// Removes a temporary file unless the work succeeded.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Maps an I/O error of the output stream.
pub fn out(e: io::Error) -> ReportError {
    ReportError::Output(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel_and_stay_unique() {
        let mut used = Vec::new();
        let long = sheet_name("Cancelled in the cooling-off period", &mut used);
        assert_eq!(long, "Cancelled in the cooling-off pe");
        assert_eq!(
            sheet_name("Cancelled in the cooling-off period", &mut used),
            "Cancelled in the cooling-off 2"
        );
        assert_eq!(sheet_name("План: факт/цель", &mut used), "План  факт цель");
        assert!(used.iter().all(|n| n.chars().count() <= 31));
    }

    #[test]
    fn a_failed_write_leaves_neither_the_file_nor_a_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let e = deliver(Some(&path), false, false, |w| {
            w.write_all(b"half a report").map_err(out)?;
            Err(ReportError::Usage("test"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "test");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // An existing file is kept as it was.
        std::fs::write(&path, "old").unwrap();
        let _ = deliver(Some(&path), false, false, |_| {
            Err(ReportError::Usage("test"))
        });
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        deliver(Some(&path), false, false, |w| {
            w.write_all(b"new").map_err(out)
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }
}
