//! The report as typed tables, the one layout every writer renders: the terminal table
//! (headers in the chosen language), CSV and JSON (stable English column keys), XLSX (typed
//! cells, headers in the chosen language).

use std::borrow::Cow;

use super::figures::{CallFigure, Counts, Figures, Group, PlanFigure, Report};
use super::Grouping;
use crate::lang::Lang;

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A catalogue thing: machines (the plain CSV, JSON) get its `id`, people (the terminal,
    /// XLSX, the `--excel` CSV) its `name`.
    Named {
        id: String,
        name: String,
    },
    Int(u64),
    /// A share (0.724), shown as a percentage; `None` when the denominator is 0.
    Ratio(Option<f64>),
    /// A plain number shown with `digits` decimals.
    Num(Option<f64>, usize),
    /// A yes/no; the terminal shows `label` when it is true.
    Flag(bool, Label),
    /// A fixed word of the report (a technique, an outcome, a formula slot): machines get its
    /// `id` (`catch`, `declined`), people its label in their language.
    Term {
        id: &'static str,
        label: Label,
    },
    /// A 0-based index that people count from 1, as the screen does (a phrase variant):
    /// machines get the index, people the index + 1.
    Ordinal(u64),
}

/// A text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub ru: &'static str,
    pub en: &'static str,
}

impl Label {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

/// A fixed word of the reports as a cell: a technique, an answer or a formula slot by its
/// stable id, with the words people read; any other text stays as it is.
pub fn term(id: &str) -> Cell {
    let (id, label) = match id {
        "main" => ("main", l("основной продукт", "main product")),
        "catch" => ("catch", l("лови момент", "catch the moment")),
        "create" => ("create", l("создай момент", "create the moment")),
        "upsell" => ("upsell", l("улучшение", "upsell")),
        "downsell" => ("downsell", l("запасной вариант", "downsell")),
        "accepted" => ("accepted", l("согласие", "accepted")),
        "declined" => ("declined", l("отказ", "declined")),
        "thinking" => ("thinking", l("думает", "thinking")),
        other => return Cell::Text(other.to_string()),
    };
    Cell::Term { id, label }
}

pub(super) const fn l(ru: &'static str, en: &'static str) -> Label {
    Label { ru, en }
}

/// A column: its stable key (CSV header, JSON field) and its human header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub header: Label,
}

pub(super) const fn col(key: &'static str, ru: &'static str, en: &'static str) -> Column {
    Column {
        key,
        header: l(ru, en),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Stable name: the JSON key, the CSV `table` column.
    pub name: &'static str,
    pub title: Label,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table with the columns `first` (those it has) moved to the front in that order,
    /// the others after them as they were: an order for people where machines keep theirs.
    pub fn with_first(&self, first: &[&str]) -> Table {
        let mut order: Vec<usize> = first
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c.key == *k))
            .collect();
        let rest: Vec<usize> = (0..self.columns.len())
            .filter(|i| !order.contains(i))
            .collect();
        order.extend(rest);
        Table {
            name: self.name,
            title: self.title,
            columns: order.iter().map(|&i| self.columns[i]).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| order.iter().filter_map(|&i| r.get(i).cloned()).collect())
                .collect(),
        }
    }

    /// How people read the table (the terminal, XLSX): the gaps' remark first.
    pub fn for_people(&self) -> Cow<'_, Table> {
        match self.name {
            "gaps" => Cow::Owned(self.with_first(&["note", "count", "product"])),
            _ => Cow::Borrowed(self),
        }
    }

    /// The value of column `key` in row `row`.
    pub fn get(&self, row: usize, key: &str) -> Option<&Cell> {
        let i = self.columns.iter().position(|c| c.key == key)?;
        self.rows.get(row)?.get(i)
    }
}

pub(super) const fn label(ru: &'static str, en: &'static str) -> Label {
    l(ru, en)
}

pub(super) const fn column(key: &'static str, ru: &'static str, en: &'static str) -> Column {
    col(key, ru, en)
}

pub const TOO_FEW: Label = l(
    "мало предложений для сравнения (< 50)",
    "too few offers to compare (under 50)",
);
const PRORATED: Label = l("пропорц. дням", "prorated");
const FROM_CATALOG: Label = l("из каталога", "from catalogue");

fn figure_columns() -> Vec<Column> {
    vec![
        col("consultations", "Консультаций", "Consultations"),
        col("main_sold", "Осн. продано", "Main sold"),
        col("catch_offered", "Лови: предл.", "Catch offered"),
        col("catch_accepted", "Лови: принято", "Catch accepted"),
        col("catch_conversion", "Лови: конв.", "Catch conv."),
        col("create_offered", "Создай: предл.", "Create offered"),
        col("create_accepted", "Создай: принято", "Create accepted"),
        col("create_conversion", "Создай: конв.", "Create conv."),
        col("conversion", "Конверсия", "Conversion"),
        col("compliance", "Выполнение формулы", "Formula compliance"),
        col(
            "products_per_client",
            "Продуктов на клиента",
            "Products per client",
        ),
        col("cancelled", "Отменено клиентом", "Cancelled"),
        // Added with upsell and downsell, after the others: apart from the formula.
        col("main_upgraded", "Осн. в лучшей версии", "Main upgraded"),
        col("main_saved", "Запасной вместо осн.", "Fallback instead"),
        col("check_ins", "Звонков после продажи", "Check-in calls"),
        col(
            "check_ins_reached",
            "Дозвонились после продажи",
            "Check-ins reached",
        ),
    ]
}

fn figure_cells(f: &Figures) -> Vec<Cell> {
    vec![
        Cell::Int(f.consultations),
        Cell::Int(f.main_sold()),
        Cell::Int(f.catch.offered),
        Cell::Int(f.catch.accepted),
        Cell::Ratio(f.catch.conversion()),
        Cell::Int(f.create.offered),
        Cell::Int(f.create.accepted),
        Cell::Ratio(f.create.conversion()),
        Cell::Ratio(f.conversion()),
        Cell::Ratio(f.compliance()),
        Cell::Num(f.products_per_client(), 2),
        Cell::Int(f.cancelled),
        Cell::Int(f.upsell.accepted),
        Cell::Int(f.downsell.accepted),
        Cell::Int(f.check_ins.offered),
        Cell::Int(f.check_ins.accepted),
    ]
}

fn plan_columns() -> Vec<Column> {
    vec![
        col("sold", "Продано", "Sold"),
        col("target", "Цель", "Target"),
        col("fulfilment", "Выполнение", "Fulfilment"),
        col("prorated", "Пропорц.", "Prorated"),
        col(
            "plan_from_catalog",
            "План из каталога",
            "Plan from catalogue",
        ),
    ]
}

fn plan_cells(p: &PlanFigure) -> Vec<Cell> {
    vec![
        Cell::Int(p.sold),
        Cell::Num(Some(p.target), 1),
        Cell::Ratio(p.fulfilment()),
        Cell::Flag(p.prorated, PRORATED),
        Cell::Flag(p.from_catalog, FROM_CATALOG),
    ]
}

fn counts_columns() -> Vec<Column> {
    vec![
        col("offered", "Предложено", "Offered"),
        col("accepted", "Принято", "Accepted"),
        col("declined", "Отказ", "Declined"),
        col("thinking", "Думает", "Thinking"),
        col("conversion", "Конверсия", "Conversion"),
    ]
}

fn counts_cells(c: &Counts) -> Vec<Cell> {
    vec![
        Cell::Int(c.offered),
        Cell::Int(c.accepted),
        Cell::Int(c.declined),
        Cell::Int(c.thinking),
        Cell::Ratio(c.conversion()),
    ]
}

fn group_tables(
    name: &'static str,
    plan_name: &'static str,
    title: Label,
    plan_title: Label,
    key: Column,
    groups: &[Group],
) -> [Table; 2] {
    let mut columns = vec![key];
    columns.extend(figure_columns());
    let figures = Table {
        name,
        title,
        columns,
        rows: groups
            .iter()
            .map(|g| {
                let mut row = vec![Cell::Text(g.key.clone())];
                row.extend(figure_cells(&g.figures));
                row
            })
            .collect(),
    };
    let mut columns = vec![key, col("product", "Продукт", "Product")];
    columns.extend(plan_columns());
    let plan = Table {
        name: plan_name,
        title: plan_title,
        columns,
        rows: groups
            .iter()
            .flat_map(|g| {
                g.plan.iter().map(|p| {
                    let mut row = vec![Cell::Text(g.key.clone()), Cell::Text(p.product.clone())];
                    row.extend(plan_cells(p));
                    row
                })
            })
            .collect(),
    };
    [figures, plan]
}

/// Every table of the report, in output order: `summary`, `plan`, then per grouping.
pub fn tables(r: &Report) -> Vec<Table> {
    let mut summary_cols = vec![col("from", "С", "From"), col("to", "По", "To")];
    summary_cols.extend(figure_columns());
    let mut summary_row = vec![
        Cell::Text(r.period.from.to_string()),
        Cell::Text(r.period.to.to_string()),
    ];
    summary_row.extend(figure_cells(&r.total));
    let mut out = vec![Table {
        name: "summary",
        title: l("Итого", "Summary"),
        columns: summary_cols,
        rows: vec![summary_row],
    }];
    let mut plan_cols = vec![
        col("product", "Продукт", "Product"),
        col("name", "Название", "Name"),
    ];
    plan_cols.extend(plan_columns());
    out.push(Table {
        name: "plan",
        title: l("План", "Plan"),
        columns: plan_cols,
        rows: r
            .plan
            .iter()
            .map(|p| {
                let mut row = vec![Cell::Text(p.product.clone()), Cell::Text(p.name.clone())];
                row.extend(plan_cells(p));
                row
            })
            .collect(),
    });
    out.push(calls_table(r));
    out.push(cancellations_table(r));
    for g in &r.groupings {
        match g {
            Grouping::Officer => out.extend(group_tables(
                "officer",
                "officer_plan",
                l("Сотрудники", "Officers"),
                l("План по сотрудникам", "Plan by officer"),
                col("officer", "Сотрудник", "Officer"),
                &r.officer,
            )),
            Grouping::Branch => out.extend(group_tables(
                "branch",
                "branch_plan",
                l("Отделения", "Branches"),
                l("План по отделениям", "Plan by branch"),
                col("branch", "Отделение", "Branch"),
                &r.branch,
            )),
            Grouping::Product => {
                let mut columns = vec![col("product", "Продукт", "Product")];
                columns.extend(figure_columns());
                columns.extend(plan_columns());
                out.push(Table {
                    name: "product",
                    title: l("Продукты", "Products"),
                    columns,
                    rows: r
                        .product
                        .iter()
                        .map(|g| {
                            let mut row = vec![Cell::Text(g.key.clone())];
                            row.extend(figure_cells(&g.figures));
                            match g.plan.first() {
                                Some(p) => row.extend(plan_cells(p)),
                                None => row.extend([
                                    Cell::Num(None, 0),
                                    Cell::Num(None, 1),
                                    Cell::Ratio(None),
                                    Cell::Flag(false, PRORATED),
                                    Cell::Flag(false, FROM_CATALOG),
                                ]),
                            }
                            row
                        })
                        .collect(),
                });
            }
            Grouping::Technique => {
                let mut columns = vec![col("technique", "Техника", "Technique")];
                columns.extend(counts_columns());
                out.push(Table {
                    name: "technique",
                    title: l("Техники", "Techniques"),
                    columns,
                    rows: r
                        .techniques()
                        .iter()
                        .map(|(t, c)| {
                            let mut row = vec![term(t)];
                            row.extend(counts_cells(c));
                            row
                        })
                        .collect(),
                });
            }
            Grouping::Variant => out.extend(super::variants::tables(r)),
            Grouping::Gaps => out.push(super::gaps::table(&r.gaps)),
        }
    }
    out
}

/// Call backs by product (DESIGN §7, *call backs*): calls made, answered, their answers,
/// and the share of answers that were a yes.
fn calls_table(r: &Report) -> Table {
    let row = |f: &CallFigure| {
        let c = &f.counts;
        let answered = c.accepted + c.declined + c.thinking;
        vec![
            Cell::Text(f.product.clone()),
            Cell::Text(f.name.clone()),
            Cell::Int(c.offered),
            Cell::Int(answered),
            Cell::Int(c.accepted),
            Cell::Int(c.declined),
            Cell::Int(c.thinking),
            Cell::Int(c.offered - answered.min(c.offered)),
            Cell::Ratio(super::figures::ratio(c.accepted, answered)),
        ]
    };
    let rows: Vec<Vec<Cell>> = r.calls.iter().map(row).collect();
    Table {
        name: "call_backs",
        title: l("Перезвоны", "Call backs"),
        columns: vec![
            col("product", "Продукт", "Product"),
            col("name", "Название", "Name"),
            col("calls", "Звонков", "Calls"),
            col("answered", "Ответили", "Answered"),
            col("accepted", "Согласие", "Accepted"),
            col("declined", "Отказ", "Declined"),
            col("thinking", "Думает", "Thinking"),
            col("not_reached", "Не дозвонились", "Not reached"),
            col("conversion", "Конверсия", "Conversion"),
        ],
        rows,
    }
}

/// Sales the clients cancelled in their cooling-off period, per officer, product and phrase
/// variant, with their share of those sales: an officer whose sales come back shows here.
fn cancellations_table(r: &Report) -> Table {
    Table {
        name: "cancellations",
        title: l(
            "Отмены в период охлаждения",
            "Cancelled in the cooling-off period",
        ),
        columns: vec![
            col("officer", "Сотрудник", "Officer"),
            col("product", "Продукт", "Product"),
            col("name", "Название", "Name"),
            col("variant", "Вариант", "Variant"),
            col("cancelled", "Отменено", "Cancelled"),
            col("sold", "Продано", "Sold"),
            col("share", "Доля отмен", "Share cancelled"),
        ],
        rows: r
            .cancellations
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.officer.clone()),
                    Cell::Text(c.product.clone()),
                    Cell::Text(c.name.clone()),
                    Cell::Int(u64::from(c.variant) + 1),
                    Cell::Int(c.cancelled),
                    Cell::Int(c.sold),
                    Cell::Ratio(c.share()),
                ]
            })
            .collect(),
    }
}

/// A number with `digits` decimals, with a decimal comma in Russian.
pub fn number(v: f64, digits: usize, lang: Lang) -> String {
    let s = format!("{v:.digits$}");
    match lang {
        Lang::Ru => s.replace('.', ","),
        Lang::En => s,
    }
}

/// How the terminal shows a cell.
pub fn display(cell: &Cell, lang: Lang) -> String {
    match cell {
        Cell::Text(s) if s.is_empty() => "—".into(),
        Cell::Text(s) => s.clone(),
        Cell::Named { name, .. } if name.is_empty() => "—".into(),
        Cell::Named { name, .. } => name.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Ratio(Some(v)) => match lang {
            Lang::Ru => format!("{} %", number(v * 100.0, 1, lang)),
            Lang::En => format!("{}%", number(v * 100.0, 1, lang)),
        },
        Cell::Num(Some(v), d) => number(*v, *d, lang),
        Cell::Ratio(None) | Cell::Num(None, _) => "—".into(),
        Cell::Flag(true, label) => label.get(lang).into(),
        Cell::Flag(false, _) => String::new(),
        Cell::Term { label, .. } => label.get(lang).into(),
        Cell::Ordinal(n) => (n + 1).to_string(),
    }
}

fn right_aligned(cell: &Cell) -> bool {
    !matches!(
        cell,
        Cell::Text(_) | Cell::Named { .. } | Cell::Flag(..) | Cell::Term { .. }
    )
}

/// A table as aligned text: a title line, a header line, rows. Widths count characters, so
/// Cyrillic lines up.
pub fn render(t: &Table, lang: Lang, title: &str) -> String {
    let header: Vec<String> = t
        .columns
        .iter()
        .map(|c| c.header.get(lang).to_string())
        .collect();
    let body: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(|c| display(c, lang)).collect())
        .collect();
    // The prorated flag's column only speaks when it has something to say.
    let shown: Vec<usize> = (0..t.columns.len())
        .filter(|&i| t.columns[i].key != "prorated" || body.iter().any(|r| !r[i].is_empty()))
        .collect();
    let width = |i: usize| {
        body.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..t.columns.len()).map(width).collect();
    let right: Vec<bool> = (0..t.columns.len())
        .map(|i| t.rows.iter().any(|r| right_aligned(&r[i])))
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (n, &i) in shown.iter().enumerate() {
            let pad = widths[i].saturating_sub(cells[i].chars().count());
            if n > 0 {
                s.push_str("  ");
            }
            if right[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(&cells[i]);
            } else {
                s.push_str(&cells[i]);
                if n + 1 < shown.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!("{title}\n");
    out.push_str(&line(&header));
    out.push('\n');
    for r in &body {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// A one-row table as "header: value" lines.
pub fn render_vertical(t: &Table, lang: Lang, title: &str) -> String {
    let mut out = format!("{title}\n");
    let width = t
        .columns
        .iter()
        .map(|c| c.header.get(lang).chars().count())
        .max()
        .unwrap_or(0);
    if let Some(row) = t.rows.first() {
        for (c, cell) in t.columns.iter().zip(row) {
            let h = c.header.get(lang);
            let pad = width - h.chars().count();
            out.push_str(&format!(
                "  {h}{}  {}\n",
                " ".repeat(pad),
                display(cell, lang)
            ));
        }
    }
    out
}
