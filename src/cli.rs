//! The command line (DESIGN §6).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::{self, CatalogLocation};
use crate::store;
use crate::tui;

#[derive(Debug, Parser)]
#[command(
    name = "sufler",
    version,
    about = "Суфлёр: подсказки продаж для сотрудника банка — «лови момент», «создай момент», формула 2+1",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The database directory (default: $SUFLER_DB, else $XDG_DATA_HOME/sufler)
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Vec<PathBuf>,
    /// The catalogue directory with products.toml and scripts/
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// The officer's name (skips the first-start question)
    #[arg(long, global = true, value_name = "NAME")]
    pub officer: Option<String>,
    /// The officer's branch
    #[arg(long, global = true, value_name = "NAME")]
    pub branch: Option<String>,
    /// Interface language
    #[arg(long, global = true, value_enum, default_value_t = Lang::Ru)]
    pub lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Ru,
    En,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check products.toml and scripts/: every error and warning at once
    Check {
        /// Treat warnings as errors (exit 1)
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Rehearse a script on the consultation screen with a demo client; records nothing
    Preview {
        /// A main product id or a script file
        #[arg(value_name = "SCRIPT_OR_MAIN_ID")]
        script: String,
    },
    /// Plan vs fact, formula compliance and conversion
    Stats(PeriodArgs),
    /// Export statistics to CSV, JSON or XLSX
    Export(ExportArgs),
    /// Generate a synthetic history for demonstrations and benchmarks
    Demo(DemoArgs),
    /// Check aggregates and indexes against the records
    Verify,
    /// Write a portable dump (JSON Lines) of the whole database
    Backup {
        /// The dump file (written beside it first, then renamed; mode 0600)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Load a dump into a new, empty database (--db NEW_PATH), then verify it
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Erase a client's personal fields, keeping the anonymous figures
    Forget {
        /// The client's id
        #[arg(value_name = "CLIENT")]
        client: String,
    },
}

#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// A calendar month, YYYY-MM (default: the current month)
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"])]
    pub month: Option<String>,
    /// First day of the period, YYYY-MM-DD
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// Groupings, comma-separated: officer, branch, product, technique, variant, gaps
    #[arg(long, value_name = "GROUPS", value_delimiter = ',')]
    pub by: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// `;`-separated UTF-8 CSV with a BOM, as Russian Excel opens it
    #[arg(long)]
    pub excel: bool,
    /// One row per offer
    #[arg(long)]
    pub detail: bool,
    /// Include client names (the file then holds personal data)
    #[arg(long)]
    pub with_clients: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 2000)]
    pub clients: u64,
    #[arg(long, default_value_t = 5000)]
    pub consultations: u64,
    #[arg(long, default_value_t = 6)]
    pub months: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Parses the arguments and runs the command; the process exit code.
pub fn run() -> ExitCode {
    // Every file Sufler writes may hold client data (the database, backups, exports): none
    // is readable by other users, whatever the login's umask.
    // SAFETY: umask only swaps the process's file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    let db = cli.global.db.first().map(|p| p.as_path());
    match cli.command {
        Some(Command::Check { deny_warnings }) => check(&cli.global, deny_warnings),
        Some(Command::Preview { script }) => preview(&cli.global, &script),
        Some(Command::Stats(_)) => not_yet("stats"),
        Some(Command::Export(_)) => not_yet("export"),
        Some(Command::Demo(_)) => not_yet("demo"),
        Some(Command::Verify) => store::run_verify(cli.global.db.first().map(|p| p.as_path())),
        Some(Command::Backup { output }) => store::commands::run_backup(db, &output),
        Some(Command::Restore { file }) => store::commands::run_restore(db, &file),
        Some(Command::Forget { client }) => store::commands::run_forget(db, &client),
        None => officer_screen(&cli.global),
    }
}

impl From<Lang> for tui::Lang {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Ru => tui::Lang::Ru,
            Lang::En => tui::Lang::En,
        }
    }
}

/// The catalogue in use, or the reason there is none (its errors are `sufler check`'s).
fn usable_catalog(global: &GlobalArgs) -> Result<catalog::Catalog, String> {
    let location = catalog::locate(global.catalog.as_deref());
    let report = catalog::load(&location);
    let errors = report.errors();
    report.catalog.ok_or_else(|| {
        format!("the catalogue in {location} has {errors} error(s); run `sufler check` to see them")
    })
}

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// `sufler`: the officer's screen. Problems opening the catalogue or the database (another
/// sufler holding it, say) are reported before the screen switches to full-screen mode.
fn officer_screen(global: &GlobalArgs) -> ExitCode {
    let catalog = match usable_catalog(global) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let path = store::default_path(global.db.first().map(|p| p.as_path()));
    let store = match store::SledStore::open(&path) {
        Ok(s) => s,
        Err(e) => return fail(&store::open_failure(&e, &path)),
    };
    if let Some(warning) = store::commands::daily_backup_at_start(&store, now().date()) {
        eprintln!("sufler: {warning}");
    }
    let known = match &global.officer {
        Some(name) => Some(store::Officer {
            name: name.clone(),
            branch: global.branch.clone().unwrap_or_default(),
        }),
        None => match store::Store::workstation_officer(&store) {
            Ok(o) => o,
            Err(e) => return fail(&e.to_string()),
        },
    };
    let (app, mut effects) = tui::App::new(tui::Start {
        lang: global.lang.into(),
        catalog,
        now: now(),
        officer: known.as_ref().map(|o| o.name.clone()),
        branch: known.as_ref().map(|o| o.branch.clone()),
    });
    if let (Some(o), Some(_)) = (&known, &global.officer) {
        effects.insert(
            0,
            tui::Effect::SaveOfficer {
                name: o.name.clone(),
                branch: o.branch.clone(),
            },
        );
    }
    match tui::run::run(Some(&store), app, effects) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("the terminal failed: {e}")),
    }
}

/// `sufler preview MAIN`: the consultation screen over a demo client; records nothing.
fn preview(global: &GlobalArgs, script: &str) -> ExitCode {
    let catalog = match usable_catalog(global) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    // A script file name is accepted as well as the main product's id.
    let main = std::path::Path::new(script)
        .file_stem()
        .map_or(script.to_string(), |s| s.to_string_lossy().into_owned());
    if catalog.script(&main).is_none() {
        let mains: Vec<&str> = catalog.main_products().map(|p| p.id.as_str()).collect();
        return fail(&format!(
            "there is no script for `{main}`{}; main products: {}",
            catalog::suggest::did_you_mean(&main, mains.iter().copied()),
            mains.join(", ")
        ));
    }
    let officer = global
        .officer
        .clone()
        .unwrap_or_else(|| "Тренер".to_string());
    let app = match tui::App::rehearsal(
        global.lang.into(),
        catalog,
        &officer,
        tui::demo_client(),
        &main,
        now(),
    ) {
        Ok(app) => app,
        Err(e) => return fail(&e.to_string()),
    };
    match tui::run::run(None, app, Vec::new()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("the terminal failed: {e}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

fn not_yet(what: &str) -> ExitCode {
    eprintln!("sufler: {what} is not yet available in this version");
    ExitCode::FAILURE
}

/// `sufler check`: every diagnostic, then a one-line summary.
fn check(global: &GlobalArgs, deny_warnings: bool) -> ExitCode {
    let location = catalog::locate(global.catalog.as_deref());
    let report = catalog::load(&location);
    let mut err = std::io::stderr().lock();
    for d in &report.diagnostics {
        let _ = write!(err, "{}", d.render(&report.sources));
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    let where_ = match &location {
        CatalogLocation::Dir(dir) => dir.display().to_string(),
        CatalogLocation::Bundled => "built-in catalogue".to_string(),
    };
    if report.diagnostics.is_empty() {
        if let Some(c) = &report.catalog {
            println!(
                "{where_}: ok — {} products ({} main, {} plan), {} links, {} scripts",
                c.products.len(),
                c.main_products().count(),
                c.plan_products().count(),
                c.links.len(),
                c.scripts.len()
            );
        }
    } else {
        let _ = writeln!(
            err,
            "{where_}: {errors} {}, {warnings} {}{}",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
            if deny_warnings && warnings > 0 {
                " (warnings denied)"
            } else {
                ""
            }
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}
