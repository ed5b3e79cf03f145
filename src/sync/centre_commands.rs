//! `sufler plan import`, `sufler plan show`, `sufler publish`, and the line `sync` prints
//! about what it pulled: what they print and their exit codes, in the user's language.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::plans::KnownProducts;
use super::publish::Published;
use super::pull::Pulled;
use super::Server;
use crate::catalog::{self, CatalogLocation};
use crate::lang::Lang;

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

fn server_or_fail(server: Option<&str>, lang: Lang) -> Result<Server, ExitCode> {
    Server::from_arg_or_env(server).map_err(|e| fail(&e.message(lang)))
}

/// `sufler plan import FILE.csv --server URL`: every bad row on stderr and nothing imported,
/// or the months replaced on one line.
/// The products a plan may name: the bank's published catalogue when there is one (what
/// the workstations run), else the catalogue this command finds (`--catalog`, the current
/// directory, the configuration directory, the built-in one).
fn known_products(
    server: &Server,
    catalog_dir: Option<&Path>,
    lang: Lang,
) -> Result<Result<KnownProducts, String>, super::SyncError> {
    let ru = lang == Lang::Ru;
    let mut client = server.connect()?;
    super::schema::check_current(&mut client, server)?;
    let (report, from) = match super::publish::current(&mut client, server)? {
        Some(p) => {
            let sources = p
                .files
                .iter()
                .map(|(path, text)| catalog::Source {
                    path: path.clone(),
                    text: text.clone(),
                })
                .collect();
            let from = if ru {
                format!("опубликованный каталог {}", p.name())
            } else {
                format!("the published catalogue {}", p.name())
            };
            (catalog::load_sources(sources), from)
        }
        None => {
            let location = catalog::locate(catalog_dir);
            let from = match (&location, ru) {
                (CatalogLocation::Bundled, true) => "встроенный каталог sufler".to_string(),
                (CatalogLocation::Bundled, false) => "the built-in catalogue".to_string(),
                (CatalogLocation::Dir(d), true) if d.as_os_str() == "." => {
                    "каталог в текущей папке".to_string()
                }
                (CatalogLocation::Dir(d), false) if d.as_os_str() == "." => {
                    "the catalogue in the current directory".to_string()
                }
                (CatalogLocation::Dir(d), true) => format!("каталог {}", d.display()),
                (CatalogLocation::Dir(d), false) => format!("the catalogue {}", d.display()),
            };
            (catalog::load(&location), from)
        }
    };
    Ok(match report.catalog {
        Some(c) => Ok(KnownProducts {
            ids: c.products.iter().map(|p| p.id.clone()).collect(),
            from,
        }),
        None => Err(from),
    })
}

pub fn run_plan_import(
    file: &Path,
    server: Option<&str>,
    catalog_dir: Option<&Path>,
    lang: Lang,
) -> ExitCode {
    let ru = lang == Lang::Ru;
    let server = match server_or_fail(server, lang) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            return fail(&if ru {
                format!("не удалось прочитать {}: {e}", file.display())
            } else {
                format!("cannot read {}: {e}", file.display())
            })
        }
    };
    let known = match known_products(&server, catalog_dir, lang) {
        Ok(Ok(k)) => k,
        Ok(Err(from)) => {
            let check = match catalog_dir {
                Some(d) => format!("sufler check --catalog {}", d.display()),
                None => "sufler check".to_string(),
            };
            return fail(&if ru {
                format!("plan import: {from} не загружается — проверьте: {check}")
            } else {
                format!(
                    "plan import: the catalogue {from} does not load; check it with sufler check"
                )
            });
        }
        Err(e) => return fail(&e.message(lang)),
    };
    let name = file.display().to_string();
    let rows = match super::plans::parse_csv(&name, &text, lang, Some(&known)) {
        Ok(rows) => rows,
        Err(problems) => {
            let mut err = std::io::stderr().lock();
            for p in &problems {
                let _ = writeln!(err, "{p}");
            }
            let n = problems.len();
            return fail(&if ru {
                format!("plan import: ошибок в {name}: {n}; ничего не импортировано")
            } else {
                format!(
                    "plan import: {n} {} in {name}; nothing imported",
                    if n == 1 { "problem" } else { "problems" }
                )
            });
        }
    };
    let report = match super::plans::import(&server, &rows) {
        Ok(r) => r,
        Err(e) => return fail(&e.message(lang)),
    };
    let months = report
        .months
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{}",
        if ru {
            format!(
                "plan import: строк плана: {} за {months} (прежних строк этих месяцев заменено: {}) → {}",
                report.rows,
                report.replaced,
                server.masked()
            )
        } else {
            format!(
                "plan import: {} rows for {months} ({} earlier rows of those months replaced) → {}",
                report.rows,
                report.replaced,
                server.masked()
            )
        }
    );
    ExitCode::SUCCESS
}

/// `sufler plan show --server URL --month YYYY-MM`: the rows in force, one per line.
pub fn run_plan_show(server: Option<&str>, month: &str, lang: Lang) -> ExitCode {
    let ru = lang == Lang::Ru;
    let Some(m) = super::plans::parse_month(month) else {
        return fail(&if ru {
            format!("--month «{month}» — не месяц ГГГГ-ММ")
        } else {
            format!("--month `{month}` is not a month YYYY-MM")
        });
    };
    let server = match server_or_fail(server, lang) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rows = match super::plans::show(&server, m) {
        Ok(r) => r,
        Err(e) => return fail(&e.message(lang)),
    };
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if ru {
                format!("plan show: на {m} центр планов не задал (действует plan_per_month из products.toml)")
            } else {
                format!("plan show: the centre sets no plan for {m} (products.toml's plan_per_month applies)")
            }
        );
        return ExitCode::SUCCESS;
    }
    let every = if ru {
        "(все сотрудники)"
    } else {
        "(every officer)"
    };
    let header = if ru {
        ["месяц", "отделение", "сотрудник", "продукт", "план"]
    } else {
        ["month", "branch", "officer", "product", "target"]
    };
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.month.to_string(),
                r.branch.clone(),
                if r.officer.is_empty() {
                    every.to_string()
                } else {
                    r.officer.clone()
                },
                r.product.clone(),
                r.target.to_string(),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |c: &[String]| {
        let mut s = String::new();
        for (i, cell) in c.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 4 {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&head));
    for c in &cells {
        let _ = writeln!(out, "{}", line(c));
    }
    ExitCode::SUCCESS
}

/// `sufler publish --catalog DIR --server URL`: refused with `check`'s diagnostics unless the
/// catalogue passes `check --deny-warnings`.
pub fn run_publish(dir: Option<&Path>, server: Option<&str>, lang: Lang) -> ExitCode {
    let ru = lang == Lang::Ru;
    let location = catalog::locate(dir);
    let CatalogLocation::Dir(dir) = &location else {
        return fail(if ru {
            "publish: укажите каталог тренера: --catalog DIR (каталог, встроенный в sufler, не публикуется)"
        } else {
            "publish: give the trainer's catalogue with --catalog DIR (the one built into sufler is not published)"
        });
    };
    match catalog::check_dir(&location) {
        Err(catalog::DirProblem::Missing(p)) => {
            return fail(&format!("publish: {}: no such directory", p.display()))
        }
        Err(catalog::DirProblem::NotADirectory(p)) => {
            return fail(&format!("publish: {}: not a directory", p.display()))
        }
        Ok(()) => {}
    }
    let report = catalog::load(&location);
    let (errors, warnings) = (report.errors(), report.warnings());
    let catalogue = match report.catalog {
        Some(c) if errors == 0 && warnings == 0 => c,
        _ => {
            let mut err = std::io::stderr().lock();
            for d in &report.diagnostics {
                let _ = write!(err, "{}", d.render(&report.sources));
            }
            return fail(&if ru {
                format!(
                    "publish: {}: ошибок: {errors}, предупреждений: {warnings} — не опубликовано (нужно, чтобы прошла `sufler check --deny-warnings --catalog {}`)",
                    dir.display(),
                    dir.display()
                )
            } else {
                format!(
                    "publish: {}: {errors} errors, {warnings} warnings — not published (it must pass `sufler check --deny-warnings --catalog {}`)",
                    dir.display(),
                    dir.display()
                )
            });
        }
    };
    let Some(version) = catalogue.version_id() else {
        return fail("publish: the catalogue has no content hash: this build is broken");
    };
    let server = match server_or_fail(server, lang) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let files: Vec<(String, String)> = report
        .sources
        .iter()
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    let name = version.name();
    match super::publish::publish(&server, &version.hash, version.label.as_deref(), &files) {
        Ok(Published::New(id)) => println!(
            "{}",
            if ru {
                format!(
                    "publish: «{name}» — теперь текущая версия банка (публикация {id}; файлов: {}); рабочие места возьмут её при запуске и синхронизации → {}",
                    files.len(),
                    server.masked()
                )
            } else {
                format!(
                    "publish: `{name}` is now the bank's current version (publication {id}, {} files); workstations take it at start and at sync → {}",
                    files.len(),
                    server.masked()
                )
            }
        ),
        Ok(Published::AlreadyCurrent(id)) => println!(
            "{}",
            if ru {
                format!(
                    "publish: «{name}» уже текущая версия (публикация {id}); делать нечего → {}",
                    server.masked()
                )
            } else {
                format!(
                    "publish: `{name}` is the current version already (publication {id}); nothing to do → {}",
                    server.masked()
                )
            }
        ),
        Err(e) => return fail(&e.message(lang)),
    }
    ExitCode::SUCCESS
}

/// What a pull received, on one line.
pub fn pulled_line(p: &Pulled, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let plans = match (ru, p.plans_changed) {
        (true, true) => format!("план центра: строк: {} (изменился)", p.plan_rows),
        (true, false) => format!("план центра: строк: {} (без изменений)", p.plan_rows),
        (false, true) => format!("the centre's plan: {} rows (changed)", p.plan_rows),
        (false, false) => format!("the centre's plan: {} rows (unchanged)", p.plan_rows),
    };
    let restated = if p.restated.is_empty() {
        String::new()
    } else {
        let months = p
            .restated
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if ru {
            format!(", план месяцев {months} теперь центральный")
        } else {
            format!(", the stored plan of {months} is now the centre's")
        }
    };
    let catalogue = match (&p.catalogue, p.catalogue_changed, ru) {
        (None, _, true) => "опубликованного каталога нет".to_string(),
        (None, _, false) => "no published catalogue".to_string(),
        (Some(c), _, true) if p.catalogue_refused => format!(
            "каталог «{}» не проходит проверку этой версией sufler и не используется (нужен более новый sufler)",
            c.name()
        ),
        (Some(c), _, false) if p.catalogue_refused => format!(
            "the catalogue `{}` fails this sufler's checks and is not used (a newer sufler is needed)",
            c.name()
        ),
        (Some(c), true, true) => format!("каталог «{}» (новый)", c.name()),
        (Some(c), false, true) => format!("каталог «{}» (тот же)", c.name()),
        (Some(c), true, false) => format!("the catalogue `{}` (new)", c.name()),
        (Some(c), false, false) => format!("the catalogue `{}` (the same)", c.name()),
    };
    if ru {
        format!("sync: получено — {plans}{restated}; {catalogue}")
    } else {
        format!("sync: received {plans}{restated}; {catalogue}")
    }
}
