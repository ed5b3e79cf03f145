//! Diagnostics for the trainer, in the `file:line:column: error|warning: message` form that
//! editors and terminals understand, with the offending line shown under it.

use std::fmt::Write as _;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A stable code per kind of problem, for editors and a bank's CI (`check --format json`).
/// Codes are never reused or renumbered; the README lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    UnknownProduct,
    DuplicateProduct,
    DuplicateStage,
    DuplicateLink,
    DuplicateScript,
    UnknownPlaceholder,
    UnclosedBrace,
    EmptyText,
    TomlSyntax,
    UnknownKey,
    WrongType,
    MissingField,
    UnknownCategory,
    UnknownTechnique,
    ScriptWithoutProduct,
    BadId,
    FileUnreadable,
    BadValue,
    SelfOffer,
    NoPhrase,
    NoStage,
    DuplicateUpsell,
    DuplicateDownsell,
    FormulaOverPolicy,
    PlanWithoutOpener,
    ScriptFileName,
    UnusedLink,
    CatchNotLinked,
    TooManyOffers,
    NoCreateMoment,
    CatchUncovered,
    NoCatchPhrase,
    NotAQuestion,
    BluntQuestion,
    UpsellOverPrice,
    CatchDearerThanMain,
    NoTierPhrase,
    FalsePromise,
    NoDisclosure,
    TierWithoutRow,
}

impl Code {
    pub const ALL: [Code; 40] = [
        Code::UnknownProduct,
        Code::DuplicateProduct,
        Code::DuplicateStage,
        Code::DuplicateLink,
        Code::DuplicateScript,
        Code::UnknownPlaceholder,
        Code::UnclosedBrace,
        Code::EmptyText,
        Code::TomlSyntax,
        Code::UnknownKey,
        Code::WrongType,
        Code::MissingField,
        Code::UnknownCategory,
        Code::UnknownTechnique,
        Code::ScriptWithoutProduct,
        Code::BadId,
        Code::FileUnreadable,
        Code::BadValue,
        Code::SelfOffer,
        Code::NoPhrase,
        Code::NoStage,
        Code::DuplicateUpsell,
        Code::DuplicateDownsell,
        Code::FormulaOverPolicy,
        Code::PlanWithoutOpener,
        Code::ScriptFileName,
        Code::UnusedLink,
        Code::CatchNotLinked,
        Code::TooManyOffers,
        Code::NoCreateMoment,
        Code::CatchUncovered,
        Code::NoCatchPhrase,
        Code::NotAQuestion,
        Code::BluntQuestion,
        Code::UpsellOverPrice,
        Code::CatchDearerThanMain,
        Code::NoTierPhrase,
        Code::FalsePromise,
        Code::NoDisclosure,
        Code::TierWithoutRow,
    ];

    /// The code and its name, e.g. `("E001", "unknown-product")`.
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            Code::UnknownProduct => ("E001", "unknown-product"),
            Code::DuplicateProduct => ("E002", "duplicate-product"),
            Code::DuplicateStage => ("E003", "duplicate-stage"),
            Code::DuplicateLink => ("E004", "duplicate-link"),
            Code::DuplicateScript => ("E005", "duplicate-script"),
            Code::UnknownPlaceholder => ("E006", "unknown-placeholder"),
            Code::UnclosedBrace => ("E007", "unclosed-brace"),
            Code::EmptyText => ("E008", "empty-text"),
            Code::TomlSyntax => ("E009", "toml-syntax"),
            Code::UnknownKey => ("E010", "unknown-key"),
            Code::WrongType => ("E011", "wrong-type"),
            Code::MissingField => ("E012", "missing-field"),
            Code::UnknownCategory => ("E013", "unknown-category"),
            Code::UnknownTechnique => ("E014", "unknown-technique"),
            Code::ScriptWithoutProduct => ("E015", "script-without-product"),
            Code::BadId => ("E016", "bad-id"),
            Code::FileUnreadable => ("E017", "file-unreadable"),
            Code::BadValue => ("E018", "bad-value"),
            Code::SelfOffer => ("E019", "self-offer"),
            Code::NoPhrase => ("E020", "no-phrase"),
            Code::NoStage => ("E021", "no-stage"),
            Code::DuplicateUpsell => ("E022", "duplicate-upsell"),
            Code::DuplicateDownsell => ("E023", "duplicate-downsell"),
            Code::FormulaOverPolicy => ("W001", "formula-over-policy"),
            Code::PlanWithoutOpener => ("W002", "plan-without-opener"),
            Code::ScriptFileName => ("W003", "script-file-name"),
            Code::UnusedLink => ("W004", "unused-link"),
            Code::CatchNotLinked => ("W005", "catch-not-linked"),
            Code::TooManyOffers => ("W006", "too-many-offers"),
            Code::NoCreateMoment => ("W007", "no-create-moment"),
            Code::CatchUncovered => ("W008", "catch-uncovered"),
            Code::NoCatchPhrase => ("W009", "no-catch-phrase"),
            Code::NotAQuestion => ("W010", "not-a-question"),
            Code::BluntQuestion => ("W011", "blunt-question"),
            Code::UpsellOverPrice => ("W012", "upsell-over-price"),
            Code::CatchDearerThanMain => ("W013", "catch-dearer-than-main"),
            Code::NoTierPhrase => ("W014", "no-tier-phrase"),
            Code::FalsePromise => ("W015", "false-promise"),
            Code::NoDisclosure => ("W016", "no-disclosure"),
            Code::TierWithoutRow => ("W017", "tier-without-row"),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.parts().0
    }

    pub fn name(self) -> &'static str {
        self.parts().1
    }

    /// `E…` codes are errors, `W…` codes warnings.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('E') {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// Path relative to the catalogue directory, e.g. `scripts/deposit.toml`.
    pub file: String,
    /// Byte range in the file, when the problem has a place.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// The replacement a "did you mean" offers, when there is one.
    pub suggestion: Option<String>,
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
    /// A diagnostic of `code`'s severity; the suggestion is taken from the message's
    /// "did you mean" tail (see `suggest::did_you_mean`), the one place that writes it.
    pub fn new(code: Code, file: &str, span: Option<Range<usize>>, message: String) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            file: file.to_string(),
            span,
            suggestion: super::suggest::suggestion_in(&message).map(str::to_string),
            message,
        }
    }

    /// One line of JSON: file, line, column, end {line, column}, severity, code, message,
    /// suggestion. Positions are 1-based (columns in characters), null for a whole file.
    pub fn to_json(&self, sources: &[Source]) -> String {
        let source = sources.iter().find(|s| s.path == self.file);
        let (start, end) = match (&self.span, source) {
            (Some(span), Some(source)) => {
                let start = line_col(&source.text, span.start);
                let end = line_col(&source.text, span.end.max(span.start));
                (Some(start), Some(end))
            }
            _ => (None, None),
        };
        let value = serde_json::json!({
            "file": self.file,
            "line": start.map(|p| p.0),
            "column": start.map(|p| p.1),
            "end": end.map(|p| serde_json::json!({"line": p.0, "column": p.1})),
            "severity": match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            "code": self.code.as_str(),
            "message": self.message,
            "suggestion": self.suggestion,
        });
        value.to_string()
    }

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
    fn codes_are_unique_and_severity_follows_the_letter() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(seen.insert(code.name()), "{} twice", code.name());
        }
        assert_eq!(Code::UnknownProduct.severity(), Severity::Error);
        assert_eq!(Code::BluntQuestion.severity(), Severity::Warning);
    }

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
        let d = Diagnostic::new(
            Code::UnknownProduct,
            "products.toml",
            Some(start..start + 12),
            "unknown product `debit_crad`; did you mean `debit_card`?".into(),
        );
        assert_eq!(d.suggestion.as_deref(), Some("debit_card"));
        let json: serde_json::Value = serde_json::from_str(&d.to_json(&sources)).unwrap();
        assert_eq!(json["line"], 2);
        assert_eq!(json["column"], 9);
        assert_eq!(json["end"]["column"], 21);
        assert_eq!(json["code"], "E001");
        assert_eq!(
            d.render(&sources),
            "products.toml:2:9: error: unknown product `debit_crad`; did you mean `debit_card`?\n2 | cross = \"debit_crad\"\n  |         ^^^^^^^^^^^^\n"
        );
    }
}
