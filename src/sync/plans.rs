//! Plans from the centre (DESIGN §10): `sufler plan import FILE.csv` reads a file of
//! `month,branch,officer,product,target` rows (officer empty: every officer of the branch)
//! and replaces the months it names on the server, all or nothing; `sufler plan show` prints
//! what is in force; a workstation pulls the rows of its branches.

use std::collections::{BTreeMap, BTreeSet};

use super::{Server, SyncError};
use crate::consultation::Month;
use crate::lang::Lang;
use crate::store::CentralPlanRow;

/// The columns of a plan file, in order.
pub const COLUMNS: [&str; 5] = ["month", "branch", "officer", "product", "target"];

fn sql_error(server: &Server) -> impl Fn(postgres::Error) -> SyncError + '_ {
    move |e| SyncError::Refused {
        server: server.masked().to_string(),
        reason: server.reason(&e),
    }
}

/// `YYYY-MM`, nothing else.
pub fn parse_month(text: &str) -> Option<Month> {
    let (y, m) = text.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m): (u32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((1..=12).contains(&m) && y > 0).then_some(Month(y * 100 + m))
}

/// Every row of a plan file, or every problem in it as `FILE:LINE: what is wrong` (all of
/// them, in line order). `file` is how the messages name the file.
/// The products a plan may name: the ids of the catalogue the file is checked against, and
/// how messages name that catalogue.
pub struct KnownProducts {
    pub ids: BTreeSet<String>,
    pub from: String,
}

pub fn parse_csv(
    file: &str,
    text: &str,
    lang: Lang,
    known: Option<&KnownProducts>,
) -> Result<Vec<CentralPlanRow>, Vec<String>> {
    let ru = lang == Lang::Ru;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut first_line: BTreeMap<(Month, String, String, String), u64> = BTreeMap::new();
    let mut header_seen = false;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(if ru {
                    format!("{file}:{line}: строка не читается как CSV: {e}")
                } else {
                    format!("{file}:{line}: not readable as CSV: {e}")
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let names: Vec<String> = record.iter().map(str::to_lowercase).collect();
            if names != COLUMNS {
                problems.push(if ru {
                    format!(
                        "{file}:{line}: первая строка — заголовок month,branch,officer,product,target, а здесь «{}»",
                        record.iter().collect::<Vec<_>>().join(",")
                    )
                } else {
                    format!(
                        "{file}:{line}: the first line must be the header month,branch,officer,product,target, not `{}`",
                        record.iter().collect::<Vec<_>>().join(",")
                    )
                });
                // A file without the header may still be all rows: read on, to report them.
                if parse_month(record.get(0).unwrap_or_default()).is_none() {
                    continue;
                }
            } else {
                continue;
            }
        }
        let mut wrong = Vec::new();
        if record.len() != COLUMNS.len() {
            problems.push(if ru {
                format!(
                    "{file}:{line}: {} полей, а нужно 5 (month,branch,officer,product,target)",
                    record.len()
                )
            } else {
                format!(
                    "{file}:{line}: {} fields, expected 5 (month,branch,officer,product,target)",
                    record.len()
                )
            });
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or_default();
        let month = parse_month(field(0));
        if month.is_none() {
            wrong.push(if ru {
                format!("month «{}» — не месяц ГГГГ-ММ", field(0))
            } else {
                format!("month `{}` is not a month YYYY-MM", field(0))
            });
        }
        if field(1).is_empty() {
            wrong.push(if ru {
                "branch пуст".to_string()
            } else {
                "branch is empty".to_string()
            });
        }
        let product = field(3);
        let product_ok = !product.is_empty()
            && product
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !product_ok {
            wrong.push(if ru {
                format!("product «{product}» — не id продукта из products.toml (только a-z, 0-9 и _)")
            } else {
                format!("product `{product}` is not a product id of products.toml (only a-z, 0-9 and _)")
            });
        } else if let Some(k) = known.filter(|k| !k.ids.contains(product)) {
            // A plan nobody can meet: the id must be one the officers are offered.
            let near = crate::catalog::suggest::closest(product, k.ids.iter().map(String::as_str));
            wrong.push(match (ru, near) {
                (true, Some(n)) => format!(
                    "product «{product}» — такого продукта нет ({}); может быть, «{n}»?",
                    k.from
                ),
                (true, None) => format!("product «{product}» — такого продукта нет ({})", k.from),
                (false, Some(n)) => format!(
                    "product `{product}` is not in {}; did you mean `{n}`?",
                    k.from
                ),
                (false, None) => format!("product `{product}` is not in {}", k.from),
            });
        }
        let target = field(4).parse::<u32>().ok();
        if target.is_none() {
            wrong.push(if ru {
                format!("target «{}» — не целое число от 0", field(4))
            } else {
                format!("target `{}` is not a whole number from 0", field(4))
            });
        }
        if !wrong.is_empty() {
            problems.push(format!("{file}:{line}: {}", wrong.join("; ")));
            continue;
        }
        let (Some(month), Some(target)) = (month, target) else {
            continue;
        };
        let row = CentralPlanRow {
            month,
            branch: field(1).to_string(),
            officer: field(2).to_string(),
            product: product.to_string(),
            target,
        };
        let key = (
            month,
            row.branch.clone(),
            row.officer.clone(),
            row.product.clone(),
        );
        if let Some(first) = first_line.get(&key) {
            problems.push(if ru {
                format!("{file}:{line}: второй план на тот же месяц, отделение, сотрудника и продукт (первый — в строке {first})")
            } else {
                format!("{file}:{line}: a second target for the same month, branch, officer and product (the first is on line {first})")
            });
            continue;
        }
        first_line.insert(key, line);
        rows.push(row);
    }
    if problems.is_empty() && rows.is_empty() {
        problems.push(if ru {
            format!("{file}: в файле нет строк плана")
        } else {
            format!("{file}: the file holds no plan rows")
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The months replaced.
    pub months: Vec<Month>,
    pub rows: usize,
    /// The rows of those months there were before.
    pub replaced: u64,
}

/// Replaces the months of `rows` on the server with them, in one transaction.
pub fn import(server: &Server, rows: &[CentralPlanRow]) -> Result<ImportReport, SyncError> {
    let mut client = server.connect()?;
    super::schema::check_current(&mut client, server)?;
    let err = sql_error(server);
    let months: BTreeSet<Month> = rows.iter().map(|r| r.month).collect();
    let month_list: Vec<i32> = months.iter().map(|m| m.0 as i32).collect();
    let mut tx = client.transaction().map_err(&err)?;
    let replaced = tx
        .execute(
            "DELETE FROM central_plans WHERE month = ANY($1)",
            &[&month_list],
        )
        .map_err(&err)?;
    let m: Vec<i32> = rows.iter().map(|r| r.month.0 as i32).collect();
    let b: Vec<&str> = rows.iter().map(|r| r.branch.as_str()).collect();
    let o: Vec<&str> = rows.iter().map(|r| r.officer.as_str()).collect();
    let p: Vec<&str> = rows.iter().map(|r| r.product.as_str()).collect();
    let t: Vec<i64> = rows.iter().map(|r| i64::from(r.target)).collect();
    tx.execute(
        "INSERT INTO central_plans (month, branch, officer, product, target)
         SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::bigint[]::integer[])",
        &[&m, &b, &o, &p, &t],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    Ok(ImportReport {
        months: months.into_iter().collect(),
        rows: rows.len(),
        replaced,
    })
}

fn read_rows(
    client: &mut postgres::Client,
    server: &Server,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<CentralPlanRow>, SyncError> {
    let found = client.query(sql, params).map_err(sql_error(server))?;
    Ok(found
        .iter()
        .map(|r| CentralPlanRow {
            month: Month(u32::try_from(r.get::<_, i32>(0)).unwrap_or(0)),
            branch: r.get(1),
            officer: r.get(2),
            product: r.get(3),
            target: u32::try_from(r.get::<_, i32>(4)).unwrap_or(0),
        })
        .collect())
}

/// The rows in force in `month`, by branch, officer (branch-wide first) and product.
pub fn show(server: &Server, month: Month) -> Result<Vec<CentralPlanRow>, SyncError> {
    let mut client = server.connect()?;
    super::schema::check_current(&mut client, server)?;
    read_rows(
        &mut client,
        server,
        "SELECT month, branch, officer, product, target FROM central_plans
          WHERE month = $1 ORDER BY branch, officer, product",
        &[&(month.0 as i32)],
    )
}

/// Every row of `branches`, for a workstation to keep (on an open connection).
pub fn pull(
    client: &mut postgres::Client,
    server: &Server,
    branches: &[String],
) -> Result<Vec<CentralPlanRow>, SyncError> {
    read_rows(
        client,
        server,
        "SELECT month, branch, officer, product, target FROM central_plans
          WHERE branch = ANY($1) ORDER BY month, branch, officer, product",
        &[&branches],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_gives_its_rows() {
        let rows = parse_csv(
            "plan.csv",
            "month,branch,officer,product,target\n2026-12,Центральное,,card,20\n2026-12,Центральное,Орлова Анна,card,35\n",
            Lang::En,
            None,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].officer, "Орлова Анна");
        assert_eq!(rows[1].target, 35);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let problems = parse_csv(
            "plan.csv",
            "month,branch,officer,product,target\n2026-13,Центральное,,card,20\n2026-12,,,card,20\n2026-12,Центральное,,card,двадцать\n2026-12,Центральное,,card,5\n",
            Lang::En,
            None,
        )
        .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("plan.csv:2: month `2026-13`"));
        assert!(problems[1].starts_with("plan.csv:3: branch is empty"));
        assert!(problems[2].starts_with("plan.csv:4: target `двадцать`"));
    }

    #[test]
    fn a_second_target_for_the_same_key_and_a_missing_header_are_problems() {
        let problems = parse_csv(
            "p.csv",
            "2026-12,Ц,,card,20\n2026-12,Ц,,card,21\n",
            Lang::En,
            None,
        )
        .unwrap_err();
        assert!(problems[0].starts_with("p.csv:1: the first line must be the header"));
        assert!(
            problems[1].starts_with("p.csv:2: a second target"),
            "{problems:?}"
        );
    }

    /// A product the catalogue does not offer is named with its line and the nearest id.
    #[test]
    fn a_product_the_catalogue_does_not_offer_is_a_problem() {
        let known = KnownProducts {
            ids: ["npf", "iis"].map(String::from).into(),
            from: "bundled".into(),
        };
        let problems = parse_csv(
            "plan.csv",
            "month,branch,officer,product,target\n2026-12,Ц,,npf,20\n2026-12,Ц,,nfp,12\n",
            Lang::Ru,
            Some(&known),
        )
        .unwrap_err();
        assert_eq!(
            problems,
            ["plan.csv:3: product «nfp» — такого продукта нет (bundled); может быть, «npf»?"]
        );
    }
}
