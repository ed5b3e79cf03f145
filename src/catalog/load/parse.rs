//! The first pass: TOML syntax, then each table deserialized on its own, recovering like a
//! compiler so that one bad entry does not hide the others.

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::recover::{
    first_line, header_span, insert_placeholder, missing_field, remove_at, with_meant_keys,
};
use super::*;
use crate::catalog::suggest::{closest, did_you_mean};

impl Checker {
    fn parse_doc<'i>(&mut self, source: &'i Source) -> Option<Spanned<DeTable<'i>>> {
        self.texts.insert(source.path.clone(), source.text.clone());
        let (doc, errors) = DeTable::parse_recoverable(&source.text);
        if errors.is_empty() {
            return Some(doc);
        }
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.error(
                Code::TomlSyntax,
                &source.path,
                span,
                format!("TOML syntax: {}", first_line(e.message())),
            );
        }
        None
    }

    /// Reports every key of `table` not in `known`, with a suggestion; returns the keys the
    /// suggestions name (a misspelt `nmae` names `name`), whose absence is then not reported
    /// again as a missing field.
    fn unknown_keys(
        &mut self,
        file: &str,
        table: &DeTable<'_>,
        known: &[&str],
        what: &str,
    ) -> Vec<String> {
        let mut meant = Vec::new();
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let hint = did_you_mean(name, known.iter().copied());
                if let Some(k) = closest(name, known.iter().copied()) {
                    meant.push(k.to_string());
                }
                let expected = if hint.is_empty() {
                    format!(" (expected one of: {})", known.join(", "))
                } else {
                    hint
                };
                self.error(
                    Code::UnknownKey,
                    file,
                    key.span(),
                    format!("unknown key `{name}` in {what}{expected}"),
                );
            }
        }
        meant
    }

    /// Deserializes one table on its own, reporting unknown keys, missing fields and types.
    ///
    /// Recovers like a compiler: an unknown key is reported and left out; a value of the wrong
    /// type is reported and left out (an optional field then takes its default); a missing
    /// required field is reported (unless a misspelt key already named it) and stands in as a
    /// placeholder with an empty span, which the later checks pass over in silence. So the
    /// table still exists (a product's id stays known) and one typo is one error.
    fn table<T: DeserializeOwned>(
        &mut self,
        file: &str,
        value: &Spanned<DeValue<'_>>,
        known: &[&str],
        skip: &[&str],
        what: &str,
    ) -> Option<T> {
        let Some(table) = value.get_ref().as_table() else {
            self.error(
                Code::WrongType,
                file,
                value.span(),
                format!(
                    "{what} must be a table, found {}",
                    value.get_ref().type_str()
                ),
            );
            return None;
        };
        let mut quiet = self.unknown_keys(file, table, known, what);
        let kept = with_meant_keys(table, known, skip);
        let mut value = Spanned::new(value.span(), DeValue::Table(kept));
        // Each round fixes one problem; a table has only so many keys.
        for _ in 0..=known.len() + 8 {
            let e = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(t) => return Some(t),
                Err(e) => e,
            };
            let message = first_line(e.message()).to_string();
            if let Some(field) = missing_field(&message) {
                if !quiet.iter().any(|q| q == field) {
                    let span = header_span(
                        self.texts.get(file).map(String::as_str),
                        e.span().unwrap_or(value.span()),
                    );
                    self.error(Code::MissingField, file, span, format!("{what}: {message}"));
                }
                let field = field.to_string();
                if !insert_placeholder(&mut value, &field) {
                    return None;
                }
                quiet.push(field);
                continue;
            }
            let span = e.span().unwrap_or(value.span());
            self.error(
                Code::WrongType,
                file,
                span.clone(),
                format!("{what}: {message}"),
            );
            match remove_at(&mut value, &span) {
                // A required field's wrong value: its absence is not a second problem.
                Some(Some(key)) => quiet.push(key),
                Some(None) => {}
                None => return None,
            }
        }
        None
    }

    /// Elements of an array of tables (`[[product]]` …), each parsed on its own.
    fn array<T: DeserializeOwned>(
        &mut self,
        file: &str,
        doc: &DeTable<'_>,
        key: &str,
        known: &[&str],
        skip: &[&str],
        what: &str,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let Some(value) = doc.get(key) else {
            return out;
        };
        let Some(items) = value.get_ref().as_array() else {
            self.error(
                Code::WrongType,
                file,
                value.span(),
                format!("`{key}` must be an array of tables: write [[{key}]]"),
            );
            return out;
        };
        for item in items.iter() {
            if let Some(t) = self.table::<T>(file, item, known, skip, what) {
                out.push(t);
            }
        }
        out
    }

    pub(super) fn parse_products(&mut self, source: &Source) -> Option<RawCatalog> {
        let file = source.path.as_str();
        let doc = self.parse_doc(source)?;
        let doc = doc.get_ref();
        self.unknown_keys(file, doc, PRODUCTS_TOP_KEYS, "products.toml");
        let doc = &with_meant_keys(doc, PRODUCTS_TOP_KEYS, &[]);
        let version = match doc.get("version") {
            Some(v) => {
                match v.get_ref().as_str() {
                    Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    Some(_) => {
                        self.error(Code::EmptyText, file, v.span(), "`version` is empty: write a label such as \"2026-12\" or remove the line");
                        None
                    }
                    None => {
                        self.error(
                            Code::WrongType,
                            file,
                            v.span(),
                            format!(
                                "`version` must be a string such as \"2026-12\", found {}",
                                v.get_ref().type_str()
                            ),
                        );
                        None
                    }
                }
            }
            None => None,
        };
        let formula = match doc.get("formula") {
            Some(v) => self
                .table::<RawFormula>(file, v, FORMULA_KEYS, &[], "[formula]")
                .unwrap_or_default(),
            None => RawFormula::default(),
        };
        let policy = match doc.get("policy") {
            Some(v) => self
                .table::<RawPolicy>(file, v, POLICY_KEYS, &[], "[policy]")
                .unwrap_or_default(),
            None => RawPolicy::default(),
        };
        let products =
            self.array::<RawProduct>(file, doc, "product", PRODUCT_KEYS, &[], "[[product]]");
        let links = self.array::<RawLink>(file, doc, "link", LINK_KEYS, &[], "[[link]]");
        let upsells = self.array::<RawUpsell>(file, doc, "upsell", UPSELL_KEYS, &[], "[[upsell]]");
        let downsells =
            self.array::<RawDownsell>(file, doc, "downsell", DOWNSELL_KEYS, &[], "[[downsell]]");
        Some(RawCatalog {
            version,
            formula,
            policy,
            products,
            links,
            upsells,
            downsells,
        })
    }

    pub(super) fn parse_script(&mut self, source: &Source) -> Option<RawScript> {
        let file = source.path.as_str();
        let doc = self.parse_doc(source)?;
        let doc = doc.get_ref();
        self.unknown_keys(file, doc, SCRIPT_TOP_KEYS, "a script");
        let doc = &with_meant_keys(doc, SCRIPT_TOP_KEYS, &[]);
        let text_field = |this: &mut Self, key: &str| -> Option<Text> {
            match doc.get(key) {
                Some(v) => match v.get_ref().as_str() {
                    Some(s) => Some(Spanned::new(v.span(), s.to_string())),
                    None => {
                        this.error(
                            Code::WrongType,
                            file,
                            v.span(),
                            format!("`{key}` must be a string, found {}", v.get_ref().type_str()),
                        );
                        None
                    }
                },
                None => {
                    this.error(
                        Code::MissingField,
                        file,
                        0..0,
                        format!("the script has no `{key}` key"),
                    );
                    None
                }
            }
        };
        let main = text_field(self, "main");
        let title = text_field(self, "title")
            .or_else(|| main.clone().map(|m| Spanned::new(m.span(), m.into_inner())));
        let mut stages = Vec::new();
        if let Some(value) = doc.get("stage") {
            match value.get_ref().as_array() {
                Some(items) => {
                    for item in items.iter() {
                        let stage = self.table::<RawStage>(
                            file,
                            item,
                            STAGE_KEYS,
                            &["moment"],
                            "[[stage]]",
                        );
                        let mut moments = Vec::new();
                        if let Some(moment_value) =
                            item.get_ref().as_table().and_then(|t| t.get("moment"))
                        {
                            match moment_value.get_ref().as_array() {
                                Some(ms) => {
                                    for m in ms.iter() {
                                        if let Some(m) = self.table::<RawMoment>(
                                            file,
                                            m,
                                            MOMENT_KEYS,
                                            &[],
                                            "[[stage.moment]]",
                                        ) {
                                            moments.push(m);
                                        }
                                    }
                                }
                                None => self.error(
                                    Code::WrongType,
                                    file,
                                    moment_value.span(),
                                    "`moment` must be an array of tables: write [[stage.moment]]",
                                ),
                            }
                        }
                        if let Some(stage) = stage {
                            stages.push((stage, moments));
                        }
                    }
                }
                None => self.error(
                    Code::WrongType,
                    file,
                    value.span(),
                    "`stage` must be an array of tables: write [[stage]]",
                ),
            }
        }
        let objections = self.array::<RawObjection>(
            file,
            doc,
            "objection",
            OBJECTION_KEYS,
            &[],
            "[[objection]]",
        );
        Some(RawScript {
            file: file.to_string(),
            main: main?,
            title: title.unwrap_or_else(|| Spanned::new(0..0, String::new())),
            stages,
            objections,
        })
    }
}
