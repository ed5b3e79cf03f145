//! Statistics and exports for managers (DESIGN §7): `sufler stats` and `sufler export`.
//!
//! [`figures`] computes the figures of a period from one or more stores: whole calendar months
//! come from the aggregate counters (no scan, whatever the history's size), the days of a
//! partial month and the groupings the counters cannot answer (`branch`, `gaps`) from a
//! time-range scan of the records. [`table`] lays the figures out as typed tables, which
//! [`write`] renders as a terminal table, CSV, JSON or XLSX; [`detail`] writes one row per
//! offer.

pub mod csv_out;
pub mod detail;
pub mod figures;
pub mod gaps;
pub mod period;
pub mod plans;
pub mod table;
pub mod variants;
pub mod write;

#[cfg(test)]
mod tests_versions;

use std::path::PathBuf;

use thiserror::Error;

use crate::catalog::suggest::did_you_mean;
use crate::store::StoreError;

pub use figures::{compute, compute_only, Counts, Figures, PlanFigure, Report, Source};
pub use period::Period;
pub use variants::{VariantPair, VariantRow};

/// `--officer NAME` / `--branch NAME`: the figures of one officer's or one branch's
/// consultations only (both: that officer in that branch). The plan follows: the targets
/// of the officer-months that remain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Only {
    pub officer: Option<String>,
    pub branch: Option<String>,
}

impl Only {
    pub fn everything(&self) -> bool {
        self.officer.is_none() && self.branch.is_none()
    }

    /// Whether a record of `officer` fits, its branch aside.
    pub fn officer_fits(&self, officer: &str) -> bool {
        self.officer.as_deref().is_none_or(|o| o == officer)
    }

    /// Whether a record of `officer` in `branch` fits.
    pub fn fits(&self, officer: &str, branch: &str) -> bool {
        self.officer_fits(officer) && self.branch.as_deref().is_none_or(|b| b == branch)
    }
}

/// Everything that can stop a report. Each is one line for stderr.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("invalid month `{0}`: expected YYYY-MM, e.g. 2024-05")]
    BadMonth(String),
    #[error("invalid date `{0}`: expected YYYY-MM-DD, e.g. 2024-05-31")]
    BadDate(String),
    #[error("the period is inverted: --from {from} is after --to {to}")]
    Inverted { from: String, to: String },
    #[error("unknown grouping `{name}`{suggestion} (groupings: {})", Grouping::NAMES.join(", "))]
    UnknownGrouping { name: String, suggestion: String },
    #[error("unknown format `{name}`{suggestion} (formats: csv, json, xlsx)")]
    UnknownFormat { name: String, suggestion: String },
    #[error("the database {} is given twice", .0.display())]
    DuplicateDb(PathBuf),
    #[error("{0}")]
    Usage(&'static str),
    #[error("xlsx is a binary file: give -o FILE or redirect the output")]
    XlsxToTerminal,
    #[error("the detail has {rows} rows, more than an xlsx sheet holds ({max}); export it as CSV")]
    TooManyRows { rows: u64, max: u64 },
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error("cannot build the xlsx file: {0}")]
    Xlsx(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}

/// A `--by` grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grouping {
    Officer,
    Branch,
    Product,
    Technique,
    Variant,
    Gaps,
}

impl Grouping {
    pub const ALL: [Grouping; 6] = [
        Grouping::Officer,
        Grouping::Branch,
        Grouping::Product,
        Grouping::Technique,
        Grouping::Variant,
        Grouping::Gaps,
    ];
    pub const NAMES: [&'static str; 6] = [
        "officer",
        "branch",
        "product",
        "technique",
        "variant",
        "gaps",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Groupings read from the records rather than the counters: the counters hold neither
    /// the branch nor the notes, nor a variant's script and catalogue version.
    pub fn needs_scan(self) -> bool {
        matches!(self, Grouping::Branch | Grouping::Gaps | Grouping::Variant)
    }

    /// `--by` values (already split at commas): trimmed, case-folded, duplicates dropped,
    /// order kept.
    pub fn parse_list(values: &[String]) -> Result<Vec<Grouping>, ReportError> {
        let mut out = Vec::new();
        for raw in values.iter().flat_map(|v| v.split(',')) {
            let name = raw.trim().to_lowercase();
            if name.is_empty() {
                continue;
            }
            let g = Self::ALL
                .into_iter()
                .find(|g| g.as_str() == name)
                .ok_or_else(|| ReportError::UnknownGrouping {
                    suggestion: did_you_mean(&name, Self::NAMES),
                    name: raw.trim().to_string(),
                })?;
            if !out.contains(&g) {
                out.push(g);
            }
        }
        Ok(out)
    }
}

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub fn parse(name: &str) -> Result<Format, ReportError> {
        match name.trim().to_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(ReportError::UnknownFormat {
                suggestion: did_you_mean(name, ["csv", "json", "xlsx"]),
                name: name.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupings_parse_with_suggestions() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Grouping::parse_list(&v(&["officer", " Product", "officer", ""])).unwrap(),
            vec![Grouping::Officer, Grouping::Product]
        );
        assert_eq!(
            Grouping::parse_list(&v(&["branch,gaps"])).unwrap(),
            vec![Grouping::Branch, Grouping::Gaps]
        );
        let e = Grouping::parse_list(&v(&["oficer"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "unknown grouping `oficer`; did you mean `officer`? (groupings: officer, branch, product, technique, variant, gaps)"
        );
        assert!(Format::parse("xslx")
            .unwrap_err()
            .to_string()
            .contains("did you mean `xlsx`"));
    }
}
