//! Checks of single values: ids, references to products, and the phrases the officer says
//! (placeholders, blunt questions, promises a product cannot keep).

use std::ops::Range;

use super::*;
use crate::catalog::placeholder::{self, Scope, Token};
use crate::catalog::promise;
use crate::catalog::suggest::did_you_mean;

impl Checker {
    pub(super) fn check_id(&mut self, file: &str, id: &Text, what: &str) {
        if is_placeholder(id) {
            return;
        }
        let s = id.get_ref();
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            self.error(
                Code::BadId,
                file,
                id.span(),
                format!("{what} `{s}` may use only a-z, 0-9 and _"),
            );
        }
    }

    /// A reference to a product id; `false` (with an error) when it does not exist.
    pub(super) fn reference(&mut self, file: &str, id: &Text, ids: &[String]) -> bool {
        if is_placeholder(id) {
            return false;
        }
        let s = id.get_ref();
        if ids.iter().any(|i| i == s) {
            return true;
        }
        let hint = did_you_mean(s, ids.iter().map(String::as_str));
        self.error(
            Code::UnknownProduct,
            file,
            id.span(),
            format!("unknown product `{s}`{hint}"),
        );
        false
    }

    pub(super) fn non_empty(&mut self, file: &str, text: &Text, what: &str) -> bool {
        if is_placeholder(text) {
            return false;
        }
        if text.get_ref().trim().is_empty() {
            self.error(Code::EmptyText, file, text.span(), format!("empty {what}"));
            return false;
        }
        true
    }

    /// A phrase the officer will say: not empty, placeholders known, not a blunt question.
    pub(super) fn phrase(&mut self, file: &str, text: &Text, scope: &Scope<'_>, what: &str) {
        if !self.non_empty(file, text, what) {
            return;
        }
        let value = text.get_ref();
        for token in placeholder::tokens(value) {
            match token {
                Token::Placeholder(p) => {
                    if let Some(msg) = placeholder::problem(p.name, scope) {
                        let span = self.inner_span(file, text, p.range.clone());
                        self.error(Code::UnknownPlaceholder, file, span, msg);
                    }
                }
                Token::Unclosed(at) => {
                    let span = self.inner_span(file, text, at..at + 1);
                    self.error(
                        Code::UnclosedBrace,
                        file,
                        span,
                        "unclosed `{` (write `{{` for a literal brace)",
                    );
                }
                Token::Text(_) => {}
            }
        }
        if let Some(pattern) = blunt_pattern(value) {
            self.warn(Code::BluntQuestion,
                file,
                text.span(),
                format!("this {what} asks bluntly for a yes/no purchase (\u{ab}{pattern}\u{bb}): state the benefit instead"),
            );
        }
    }

    /// A phrase of a product of the families `insurance`, `pension` or `investments` that
    /// promises what such a product cannot keep (see promise.rs).
    pub(super) fn promise(&mut self, file: &str, text: &Text, product: Option<&Product>) {
        let Some(product) = product else { return };
        if !promise::is_checked_family(&product.family) || is_placeholder(text) {
            return;
        }
        if let Some((range, name)) = promise::find(text.get_ref()) {
            let span = self.inner_span(file, text, range);
            self.warn(
                Code::FalsePromise,
                file,
                span,
                format!(
                    "`{}` is a product of the family `{}`, which cannot promise \u{ab}{name}\u{bb}: it is not a deposit; say what the contract gives, without guarantees",
                    product.id, product.family
                ),
            );
        }
    }

    pub(super) fn lint_question(&mut self, file: &str, text: &Text, what: &str) {
        let value = text.get_ref().trim_end();
        if !value.is_empty() && !value.ends_with('?') {
            self.warn(Code::NotAQuestion,
                file,
                text.span(),
                format!("a {what} should be a question (end with `?`): it opens the topic, it does not announce it"),
            );
        }
    }

    /// The span of a part of a string value, when the source writes it without escapes;
    /// otherwise the whole string.
    fn inner_span(&self, file: &str, text: &Text, inner: Range<usize>) -> Range<usize> {
        let span = text.span();
        let Some(source) = self.texts.get(file) else {
            return span;
        };
        let Some(raw) = source.get(span.clone()) else {
            return span;
        };
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        let value = text.get_ref();
        let body_start = span.start + quote;
        if source.get(body_start..body_start + value.len()) == Some(value.as_str()) {
            body_start + inner.start..body_start + inner.end
        } else {
            span
        }
    }
}

/// Phrases that ask for a purchase as a yes/no question, the opposite of catch-the-moment.
const BLUNT: &[&str] = &[
    "не хотите ли",
    "не желаете ли",
    "хотите оформить",
    "желаете оформить",
    "будем оформлять",
    "будете оформлять",
    "оформляем?",
    "давайте оформим?",
    "хотите купить",
    "хотите подключить",
    "будете брать",
];

fn blunt_pattern(text: &str) -> Option<&'static str> {
    let folded = text.to_lowercase().replace('ё', "е");
    BLUNT.iter().copied().find(|p| folded.contains(p))
}
