//! Diagnostics for the trainer, in the `file:line:column: error|warning: message` form that
//! editors and terminals understand, with the offending line shown under it.

use std::fmt::Write as _;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the catalogue directory, e.g. `scripts/deposit.toml`.
    pub file: String,
    /// Byte range in the file, when the problem has a place.
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// One file's text, kept so that diagnostics can show their line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Line and column, when the diagnostic has a place and its source is known.
    pub fn position(&self, sources: &[Source]) -> Option<(usize, usize)> {
        let span = self.span.as_ref()?;
        let source = sources.iter().find(|s| s.path == self.file)?;
        Some(line_col(&source.text, span.start))
    }

    /// Renders the diagnostic: the located message line, then the source line with a marker.
    pub fn render(&self, sources: &[Source]) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = String::new();
        let source = sources.iter().find(|s| s.path == self.file);
        match (&self.span, source) {
            (Some(span), Some(source)) => {
                let (line, col) = line_col(&source.text, span.start);
                let _ = writeln!(out, "{}:{line}:{col}: {kind}: {}", self.file, self.message);
                let text = source.text.lines().nth(line - 1).unwrap_or("");
                let gutter = line.to_string().len();
                let _ = writeln!(out, "{:>gutter$} | {text}", line);
                let line_chars = text.chars().count();
                let start = (col - 1).min(line_chars);
                let end_offset = floor_char_boundary(&source.text, span.end.min(source.text.len()));
                let (end_line, end_col) = line_col(&source.text, end_offset);
                let width = if end_line == line && end_col > col {
                    end_col - col
                } else {
                    line_chars.saturating_sub(start).max(1)
                };
                let _ = writeln!(
                    out,
                    "{:>gutter$} | {}{}",
                    "",
                    " ".repeat(start),
                    "^".repeat(width.max(1))
                );
            }
            _ => {
                let _ = writeln!(out, "{}: {kind}: {}", self.file, self.message);
            }
        }
        out
    }
}

/// Counts of errors and warnings.
pub fn tally(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "a = 1\nимя = \"x\"\n";
        let offset = text.find('"').unwrap();
        assert_eq!(line_col(text, offset), (2, 7));
    }

    #[test]
    fn renders_location_line_and_marker() {
        let sources = vec![Source {
            path: "products.toml".into(),
            text: "[[link]]\ncross = \"debit_crad\"\n".into(),
        }];
        let start = sources[0].text.find("\"debit").unwrap();
        let d = Diagnostic {
            severity: Severity::Error,
            file: "products.toml".into(),
            span: Some(start..start + 12),
            message: "unknown product `debit_crad`".into(),
        };
        assert_eq!(
            d.render(&sources),
            "products.toml:2:9: error: unknown product `debit_crad`\n2 | cross = \"debit_crad\"\n  |         ^^^^^^^^^^^^\n"
        );
    }
}
