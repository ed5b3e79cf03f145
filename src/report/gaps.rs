//! The *gaps* table (DESIGN §7): the "not in the script" notes officers typed, most frequent
//! first. Identical remarks — the same words once trimmed, with runs of spaces as one and
//! letters case-folded — count together whatever the stage, and the row lists the stages
//! they were typed at; they stay apart per product, as a remark about a deposit and the same
//! words about a card are two things to fix. Stages and products are named as the catalogue
//! names them (a stage by its title in the scripts); machine formats keep the ids, under the
//! same keys as before (`stage` then lists the ids, `needs, presentation`).

use std::collections::{BTreeMap, HashMap};

use super::table::{col, l, Cell, Table};
use crate::catalog::Catalog;
use crate::consultation::Note;

/// A stage a remark was typed at, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapStage {
    pub id: String,
    /// Its title in the scripts, else its id.
    pub title: String,
    pub count: u64,
}

/// One remark: every note with the same product and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapFigure {
    pub product: Option<String>,
    /// The product's name in the catalogue, else its id; empty without a product.
    pub product_name: String,
    /// The spelling typed most often (the first in order of text on a tie).
    pub text: String,
    pub count: u64,
    /// The most frequent stage first.
    pub stages: Vec<GapStage>,
}

#[derive(Debug, Default)]
struct Acc {
    count: u64,
    spellings: BTreeMap<String, u64>,
    stages: BTreeMap<String, u64>,
}

/// The notes of the period, gathered.
#[derive(Debug, Default)]
pub struct Gaps {
    by_remark: HashMap<(Option<String>, String), Acc>,
}

/// The words that make two remarks the same: trimmed, one space between words, lower case.
pub fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Gaps {
    pub fn add(&mut self, n: &Note) {
        let key = fold(&n.text);
        if key.is_empty() {
            return;
        }
        let acc = self.by_remark.entry((n.product.clone(), key)).or_default();
        acc.count += 1;
        let spelling = n.text.split_whitespace().collect::<Vec<_>>().join(" ");
        *acc.spellings.entry(spelling).or_default() += 1;
        *acc.stages.entry(n.stage.clone()).or_default() += 1;
    }

    /// The rows: the most frequent remark first; on a tie, by product in catalogue order,
    /// then by text.
    pub fn finish(self, catalog: &Catalog) -> Vec<GapFigure> {
        let product_order = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| catalog.products.iter().position(|p| &p.id == id))
                .unwrap_or(usize::MAX)
        };
        let stage_order = |id: &str| {
            catalog
                .scripts
                .iter()
                .flat_map(|s| s.stages.iter())
                .position(|s| s.id == id)
                .unwrap_or(usize::MAX)
        };
        let title = |id: &str| {
            catalog
                .scripts
                .iter()
                .flat_map(|s| s.stages.iter())
                .find(|s| s.id == id)
                .map_or_else(|| id.to_string(), |s| s.title.clone())
        };
        let mut rows: Vec<GapFigure> = self
            .by_remark
            .into_iter()
            .map(|((product, _), acc)| {
                let text = acc
                    .spellings
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(s, _)| s.clone())
                    .unwrap_or_default();
                let mut stages: Vec<GapStage> = acc
                    .stages
                    .into_iter()
                    .map(|(id, count)| GapStage {
                        title: title(&id),
                        id,
                        count,
                    })
                    .collect();
                stages.sort_by(|a, b| {
                    (std::cmp::Reverse(a.count), stage_order(&a.id), &a.id).cmp(&(
                        std::cmp::Reverse(b.count),
                        stage_order(&b.id),
                        &b.id,
                    ))
                });
                let product_name = match &product {
                    Some(id) => catalog
                        .product(id)
                        .map_or_else(|| id.clone(), |p| p.name.clone()),
                    None => String::new(),
                };
                GapFigure {
                    product,
                    product_name,
                    text,
                    count: acc.count,
                    stages,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.count),
                product_order(&a.product),
                &a.product,
                fold(&a.text),
            )
                .cmp(&(
                    std::cmp::Reverse(b.count),
                    product_order(&b.product),
                    &b.product,
                    fold(&b.text),
                ))
        });
        rows
    }
}

/// The stages of a row: ids for machines (`needs, presentation`), titles for people, with
/// how often at each when there are several («Презентация (30), Возражения (15)»).
fn stages_cell(stages: &[GapStage]) -> Cell {
    let id = stages
        .iter()
        .map(|s| s.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let name = if stages.len() == 1 {
        stages[0].title.clone()
    } else {
        stages
            .iter()
            .map(|s| format!("{} ({})", s.title, s.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Cell::Named { id, name }
}

/// The table, its columns in the order and under the keys they always had (machines read
/// the plain CSV and JSON by them).
pub fn table(gaps: &[GapFigure]) -> Table {
    Table {
        name: "gaps",
        title: l("Не по сценарию", "Not in the script"),
        columns: vec![
            col("stage", "Этапы", "Stages"),
            col("product", "Продукт", "Product"),
            col("note", "Что сказал клиент", "What the client said"),
            col("count", "Раз", "Times"),
        ],
        rows: gaps
            .iter()
            .map(|g| {
                vec![
                    stages_cell(&g.stages),
                    Cell::Named {
                        id: g.product.clone().unwrap_or_default(),
                        name: g.product_name.clone(),
                    },
                    Cell::Text(g.text.clone()),
                    Cell::Int(g.count),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Script, Stage};
    use chrono::NaiveDate;

    fn note(stage: &str, product: Option<&str>, text: &str) -> Note {
        Note {
            stage: stage.into(),
            product: product.map(Into::into),
            text: text.into(),
            at: NaiveDate::from_ymd_opt(2024, 3, 1)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .unwrap(),
        }
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        let mut p = crate::catalog::Product {
            id: "debit_card".into(),
            name: "Дебетовая карта".into(),
            family: String::new(),
            params: Default::default(),
            plan_per_month: None,
            eligible: Default::default(),
            create: Vec::new(),
            pitch: Vec::new(),
            disclosure: Vec::new(),
        };
        c.products.push(p.clone());
        p.id = "deposit".into();
        p.name = "Вклад".into();
        c.products.insert(0, p);
        let stage = |id: &str, title: &str| Stage {
            id: id.into(),
            title: title.into(),
            say: Vec::new(),
            create: false,
            moments: Vec::new(),
        };
        c.scripts.push(Script {
            main: "deposit".into(),
            title: "Вклад".into(),
            stages: vec![
                stage("greeting", "Приветствие"),
                stage("needs", "Выявление потребностей"),
                stage("presentation", "Презентация"),
            ],
            objections: Vec::new(),
        });
        c
    }

    #[test]
    fn identical_remarks_count_together_across_stages_most_frequent_first() {
        let mut g = Gaps::default();
        for n in [
            note("needs", Some("deposit"), "спросил про ипотеку"),
            note(
                "presentation",
                Some("debit_card"),
                "Уже есть карта  другого банка",
            ),
            note(
                "needs",
                Some("debit_card"),
                " уже есть карта другого банка ",
            ),
            note(
                "presentation",
                Some("debit_card"),
                "уже есть карта другого банка",
            ),
            note("greeting", None, "торопится"),
            // The same words about another product are another remark.
            note(
                "presentation",
                Some("deposit"),
                "уже есть карта другого банка",
            ),
            note("closing", Some("deposit"), "спросил про ипотеку"),
            note("needs", Some("deposit"), "   "),
        ] {
            g.add(&n);
        }
        let rows = g.finish(&catalog());
        type Stages<'a> = Vec<(&'a str, &'a str, u64)>;
        let summary: Vec<(&str, u64, Option<&str>, Stages)> = rows
            .iter()
            .map(|r| {
                (
                    r.text.as_str(),
                    r.count,
                    r.product.as_deref(),
                    r.stages
                        .iter()
                        .map(|s| (s.id.as_str(), s.title.as_str(), s.count))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "уже есть карта другого банка",
                    3,
                    Some("debit_card"),
                    vec![
                        ("presentation", "Презентация", 2),
                        ("needs", "Выявление потребностей", 1)
                    ]
                ),
                (
                    "спросил про ипотеку",
                    2,
                    Some("deposit"),
                    // A stage no script has is shown by its id, after the known ones.
                    vec![
                        ("needs", "Выявление потребностей", 1),
                        ("closing", "closing", 1)
                    ]
                ),
                (
                    "уже есть карта другого банка",
                    1,
                    Some("deposit"),
                    vec![("presentation", "Презентация", 1)]
                ),
                ("торопится", 1, None, vec![("greeting", "Приветствие", 1)]),
            ]
        );
        assert_eq!(rows[0].product_name, "Дебетовая карта");
        assert_eq!(rows[3].product_name, "");

        let t = table(&rows);
        assert_eq!(
            t.rows[0],
            vec![
                Cell::Named {
                    id: "presentation, needs".into(),
                    name: "Презентация (2), Выявление потребностей (1)".into()
                },
                Cell::Named {
                    id: "debit_card".into(),
                    name: "Дебетовая карта".into()
                },
                Cell::Text("уже есть карта другого банка".into()),
                Cell::Int(3),
            ]
        );
        // People read the remark first; machines keep the keys' order.
        let people = t.for_people();
        let keys: Vec<&str> = people.columns.iter().map(|c| c.key).collect();
        assert_eq!(keys, ["note", "count", "product", "stage"]);
        assert_eq!(people.rows[0][1], Cell::Int(3));
        assert_eq!(people.rows[0][3], t.rows[0][0]);
        assert_eq!(
            t.rows[2][0],
            Cell::Named {
                id: "presentation".into(),
                name: "Презентация".into()
            }
        );
    }
}
