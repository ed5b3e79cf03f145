//! The version of a catalogue (DESIGN §5): the trainer's `version` label and a hash of the
//! files' content, recorded with every consultation; and the phrase texts of a version, kept
//! in the database once per version so a report can always show what was said.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::diag::Source;
use super::model::{Catalog, Product, Technique};

/// The catalogue a consultation ran on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CatalogVersion {
    /// The `version` label of products.toml, if the trainer wrote one.
    pub label: Option<String>,
    /// SHA-256 (hex) of the files' content.
    pub hash: String,
}

impl CatalogVersion {
    /// How reports name a version: the label with the first 8 hex digits of the hash
    /// (`2026-12 (3f2a9c1b)`), or those digits alone. Two edits under one label stay apart.
    pub fn name(&self) -> String {
        let short: String = self.hash.chars().take(8).collect();
        match &self.label {
            Some(label) => format!("{label} ({short})"),
            None => short,
        }
    }
}

/// The phrase variants of one script moment: what the screen rotates through for `product`
/// offered with `technique` in the script of `main`, in the order of the files (variant 1 is
/// the first). Texts as written, placeholders unfilled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhraseSet {
    pub main: String,
    pub product: String,
    pub technique: Technique,
    pub say: Vec<String>,
}

/// A catalogue version as the database keeps it, once per version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionTexts {
    pub label: Option<String>,
    /// When the first consultation on this version was saved (its start).
    pub first_used: NaiveDateTime,
    pub phrases: Vec<PhraseSet>,
}

impl VersionTexts {
    /// The text of variant `index` (0-based, as stored in an offer).
    pub fn text(
        &self,
        main: &str,
        product: &str,
        technique: Technique,
        index: u32,
    ) -> Option<&str> {
        self.phrases
            .iter()
            .find(|p| p.main == main && p.product == product && p.technique == technique)
            .and_then(|p| p.say.get(usize::try_from(index).ok()?))
            .map(String::as_str)
    }
}

/// SHA-256 over the files, sorted by path: each path and text, separated by NUL bytes.
pub fn content_hash(sources: &[Source]) -> String {
    let mut sorted: Vec<&Source> = sources.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut h = Sha256::new();
    for s in sorted {
        h.update(s.path.as_bytes());
        h.update([0]);
        h.update(s.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What the engine shows for a create offer of a product without a script phrase.
fn create_lines(product: &Product) -> &[String] {
    if product.create.is_empty() {
        &product.pitch
    } else {
        &product.create
    }
}

impl Catalog {
    /// The version consultations started on this catalogue record; `None` for a catalogue
    /// built in code (no files, no hash).
    pub fn version_id(&self) -> Option<CatalogVersion> {
        (!self.hash.is_empty()).then(|| CatalogVersion {
            label: self.version.clone(),
            hash: self.hash.clone(),
        })
    }

    /// The phrase variants of every script moment, as the engine picks them: a catch offer
    /// says the script's moment phrases, else the matrix row's; a create offer the script's
    /// moment phrases, else the product's create questions (its pitch when it has none) —
    /// for the products of the script's create moments and every plan product; an upsell or
    /// downsell its script moment's phrases, else its row's.
    pub fn phrase_sets(&self) -> Vec<PhraseSet> {
        let mut out: Vec<PhraseSet> = Vec::new();
        let mut push = |main: &str, product: &str, technique: Technique, say: &[String]| {
            let seen = out
                .iter()
                .any(|p| p.main == main && p.product == product && p.technique == technique);
            if !seen && !say.is_empty() {
                out.push(PhraseSet {
                    main: main.to_string(),
                    product: product.to_string(),
                    technique,
                    say: say.to_vec(),
                });
            }
        };
        for script in &self.scripts {
            let main = script.main.as_str();
            let moments = script.stages.iter().flat_map(|s| s.moments.iter());
            for m in moments.clone().filter(|m| m.technique == Technique::Catch) {
                if let Some((_, say)) = self.catch_phrases(main, &m.product) {
                    push(main, &m.product, Technique::Catch, say);
                }
            }
            for l in self.links_of(main) {
                if let Some((_, say)) = self.catch_phrases(main, &l.cross) {
                    push(main, &l.cross, Technique::Catch, say);
                }
            }
            for m in moments.filter(|m| m.technique == Technique::Create) {
                if !m.say.is_empty() {
                    push(main, &m.product, Technique::Create, &m.say);
                } else if let Some(p) = self.product(&m.product) {
                    push(main, &p.id, Technique::Create, create_lines(p));
                }
            }
            for p in self.plan_products() {
                push(main, &p.id, Technique::Create, create_lines(p));
            }
            for u in self.upsells_of(main) {
                if let Some((_, say)) = self.upsell_phrases(main, &u.better) {
                    push(main, &u.better, Technique::Upsell, say);
                }
            }
            for d in self.downsells_of(main) {
                if let Some((_, say)) = self.downsell_phrases(main, &d.fallback) {
                    push(main, &d.fallback, Technique::Downsell, say);
                }
            }
        }
        out
    }

    /// The same catalogue with one phrase reworded, as a trainer's edit would leave it (for
    /// the demo's history): the second phrase of the first catch moment that has two, a new
    /// label (`…-правка`) and a hash of its own. `None` when no moment has two phrases.
    pub fn with_demo_edit(&self) -> Option<Catalog> {
        let mut edited = self.clone();
        let moment = edited
            .scripts
            .iter_mut()
            .flat_map(|s| s.stages.iter_mut())
            .flat_map(|s| s.moments.iter_mut())
            .find(|m| m.technique == Technique::Catch && m.say.len() >= 2)?;
        let old = moment.say[1].trim_end().to_string();
        moment.say[1] = format!("{old} Оформим прямо сейчас, это займёт пару минут?");
        edited.version = Some(format!(
            "{}-правка",
            self.version.as_deref().unwrap_or("demo")
        ));
        let mut h = Sha256::new();
        h.update(self.hash.as_bytes());
        h.update([0]);
        h.update(moment.say[1].as_bytes());
        edited.hash = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(edited)
    }

    /// The texts the database keeps for this version, first used at `at`.
    pub fn version_texts(&self, at: NaiveDateTime) -> VersionTexts {
        VersionTexts {
            label: self.version.clone(),
            first_used: at,
            phrases: self.phrase_sets(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{bundled_sources, load_sources};

    #[test]
    fn the_label_and_the_hash_come_from_the_files() {
        let mut sources = bundled_sources();
        let a = load_sources(sources.clone()).catalog.unwrap();
        assert_eq!(a.hash.len(), 64);
        assert_eq!(a.version_id().unwrap().hash, a.hash);
        let products = sources
            .iter_mut()
            .find(|s| s.path == "products.toml")
            .unwrap();
        products.text = products
            .text
            .replacen("version = \"2026-12\"", "version = \"2027-01\"", 1);
        let b = load_sources(sources).catalog.unwrap();
        assert_eq!(a.version.as_deref(), Some("2026-12"));
        assert_eq!(b.version.as_deref(), Some("2027-01"));
        assert_ne!(a.hash, b.hash);
        assert!(b.version_id().unwrap().name().starts_with("2027-01 ("));
        // A catalogue built in code records no version.
        assert_eq!(Catalog::default().version_id(), None);
    }

    #[test]
    fn a_version_that_is_not_a_string_is_an_error() {
        let mut sources = bundled_sources();
        let products = sources
            .iter_mut()
            .find(|s| s.path == "products.toml")
            .unwrap();
        products.text = products
            .text
            .replacen("version = \"2026-12\"", "version = 2026", 1);
        let r = load_sources(sources);
        assert!(r.catalog.is_none());
        assert!(r
            .diagnostics
            .iter()
            .any(|d| d.message.contains("`version`")));
    }

    #[test]
    fn phrase_sets_follow_the_engine() {
        let c = load_sources(bundled_sources()).catalog.unwrap();
        let sets = c.phrase_sets();
        assert!(!sets.is_empty());
        for s in &sets {
            if s.technique == Technique::Catch {
                let (_, say) = c.catch_phrases(&s.main, &s.product).unwrap();
                assert_eq!(say, s.say.as_slice());
            }
        }
    }
}
