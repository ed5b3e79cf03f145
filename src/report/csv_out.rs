//! CSV through the `csv` crate: RFC 4180 (`,`, CRLF, fields quoted when they hold the
//! separator, a quote or a line break) for machines, and the `;` dialect with a BOM that
//! Russian Excel opens by a double click (`--excel`).
//!
//! The plain CSV keeps the stable snake_case keys and raw numbers. The Russian `--excel` CSV
//! is for people: Russian headers, ratios as «30,6 %», yes/no as «да»/«нет», numbers with
//! their decimals and a decimal comma. Any column a table or the detail adds is written the
//! same way: a header label when it has one, else its key.

use std::borrow::Cow;
use std::io::{self, Write};

use super::table::{display, number, Cell, Label};
use crate::lang::Lang;

/// CSV flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    /// `;`, a BOM and decimal commas, as Excel with Russian regional settings opens by a
    /// double click; text that Excel would run as a formula gets a leading `'`.
    pub excel: bool,
    /// The report's language: with `excel`, Russian gives Russian headers and values a
    /// person reads (English keeps the keys and raw numbers, as before).
    pub lang: Lang,
}

impl CsvStyle {
    /// RFC 4180 for machines.
    pub const PLAIN: CsvStyle = CsvStyle {
        excel: false,
        lang: Lang::En,
    };

    /// The Russian `--excel` CSV: headers and values for a person.
    pub fn for_people(self) -> bool {
        self.excel && self.lang == Lang::Ru
    }

    fn delimiter(self) -> u8 {
        if self.excel {
            b';'
        } else {
            b','
        }
    }

    /// Text that Excel would run as a formula gets a leading `'` in the Excel dialect.
    pub fn defuse(self, s: &str) -> Cow<'_, str> {
        if self.excel && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            Cow::Owned(format!("'{s}"))
        } else {
            Cow::Borrowed(s)
        }
    }

    /// A float as written: shortest round-trip form, with a comma for Excel.
    pub fn float(self, v: f64) -> String {
        let s = v.to_string();
        if self.excel {
            s.replace('.', ",")
        } else {
            s
        }
    }

    /// A cell's text, before quoting.
    pub fn cell(self, c: &Cell) -> String {
        let people = self.for_people();
        match c {
            Cell::Text(s) => self.defuse(s).into_owned(),
            Cell::Named { id, name } => {
                self.defuse(if self.excel { name } else { id }).into_owned()
            }
            Cell::Int(n) => n.to_string(),
            Cell::Ratio(Some(_)) if people => display(c, Lang::Ru),
            Cell::Num(Some(v), d) if people => number(*v, *d, Lang::Ru),
            Cell::Ratio(Some(v)) | Cell::Num(Some(v), _) => self.float(*v),
            Cell::Ratio(None) | Cell::Num(None, _) => String::new(),
            Cell::Flag(b, _) if people => if *b { "да" } else { "нет" }.to_string(),
            Cell::Flag(b, _) => b.to_string(),
            Cell::Term { label, .. } if people => label.ru.to_string(),
            Cell::Term { id, .. } => id.to_string(),
            Cell::Ordinal(n) if people => (n + 1).to_string(),
            Cell::Ordinal(n) => n.to_string(),
        }
    }

    /// A column's header: its Russian label for people, else its key.
    pub fn header(self, key: &str, label: Option<Label>) -> String {
        match label {
            Some(l) if self.for_people() => l.ru.to_string(),
            _ => key.to_string(),
        }
    }

    /// A writer on `w`, the BOM written for Excel.
    pub fn writer(self, w: &mut dyn Write) -> io::Result<CsvWriter<'_>> {
        if self.excel {
            w.write_all("\u{feff}".as_bytes())?;
        }
        let inner = csv::WriterBuilder::new()
            .delimiter(self.delimiter())
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .has_headers(false)
            .flexible(false)
            .from_writer(w);
        Ok(CsvWriter { style: self, inner })
    }
}

/// Records written through the `csv` crate; [`CsvWriter::finish`] flushes.
pub struct CsvWriter<'w> {
    style: CsvStyle,
    inner: csv::Writer<&'w mut dyn Write>,
}

impl CsvWriter<'_> {
    pub fn style(&self) -> CsvStyle {
        self.style
    }

    /// One record of ready texts (quoted as needed).
    pub fn record<S: AsRef<str>>(&mut self, fields: &[S]) -> io::Result<()> {
        self.inner
            .write_record(fields.iter().map(|f| f.as_ref().as_bytes()))
            .map_err(io::Error::from)
    }

    /// One record of typed cells.
    pub fn cells(&mut self, cells: &[Cell]) -> io::Result<()> {
        let style = self.style;
        let fields: Vec<String> = cells.iter().map(|c| style.cell(c)).collect();
        self.record(&fields)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(style: CsvStyle, rows: &[&[&str]]) -> String {
        let mut buf = Vec::new();
        let mut w = style.writer(&mut buf).unwrap();
        for r in rows {
            w.record(r).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_asks_and_read_back() {
        let rows: &[&[&str]] = &[
            &["a,b", "say \"hi\"", "two\nlines", "=1+1", "plain", ""],
            &["x;y", "cr\r", " lead", "", "ё", "@"],
        ];
        let plain = written(CsvStyle::PLAIN, rows);
        // The bytes the hand-written writer gave.
        assert_eq!(
            plain,
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",=1+1,plain,\r\nx;y,\"cr\r\", lead,,ё,@\r\n"
        );
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(plain.as_bytes());
        let back: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        let want: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(back, want);
    }

    #[test]
    fn the_excel_dialect_has_a_bom_semicolons_and_defused_formulas() {
        let excel = CsvStyle {
            excel: true,
            lang: Lang::En,
        };
        let defused = excel.defuse("=HYPERLINK(\"x\")").into_owned();
        let text = written(excel, &[&["a,b", "a;b", &defused]]);
        assert_eq!(text, "\u{feff}a,b;\"a;b\";\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        let body = text.trim_start_matches('\u{feff}');
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(b';')
            .from_reader(body.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[2], "'=HYPERLINK(\"x\")");
        assert_eq!(excel.float(0.125), "0,125");
        assert_eq!(CsvStyle::PLAIN.float(0.5), "0.5");
    }

    #[test]
    fn the_russian_excel_csv_writes_percentages_and_yes_no() {
        let ru = CsvStyle {
            excel: true,
            lang: Lang::Ru,
        };
        let flag = Label { ru: "x", en: "x" };
        assert_eq!(ru.cell(&Cell::Ratio(Some(0.30613034229356023))), "30,6 %");
        assert_eq!(ru.cell(&Cell::Ratio(None)), "");
        assert_eq!(ru.cell(&Cell::Flag(false, flag)), "нет");
        assert_eq!(ru.cell(&Cell::Flag(true, flag)), "да");
        assert_eq!(ru.cell(&Cell::Num(Some(2.5333), 2)), "2,53");
        let named = Cell::Named {
            id: "npf".into(),
            name: "НПФ".into(),
        };
        assert_eq!(ru.cell(&named), "НПФ");
        assert_eq!(CsvStyle::PLAIN.cell(&named), "npf");
        // English Excel and the plain CSV as before.
        let en = CsvStyle {
            excel: true,
            lang: Lang::En,
        };
        assert_eq!(en.cell(&Cell::Ratio(Some(0.25))), "0,25");
        assert_eq!(en.cell(&Cell::Flag(false, flag)), "false");
        assert_eq!(CsvStyle::PLAIN.cell(&Cell::Ratio(Some(0.25))), "0.25");
        assert_eq!(
            ru.header(
                "sold",
                Some(Label {
                    ru: "Продано",
                    en: "Sold"
                })
            ),
            "Продано"
        );
        assert_eq!(
            CsvStyle::PLAIN.header(
                "sold",
                Some(Label {
                    ru: "Продано",
                    en: "Sold"
                })
            ),
            "sold"
        );
    }
}
