//! The command line (DESIGN §6).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::{self, CatalogLocation};
use crate::demo;
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
    /// Write a portable dump (JSON Lines)
    Backup {
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Load a dump into a new, empty database
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Erase a client's personal fields, keeping the anonymous figures
    Forget {
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
    /// How many clients
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub clients: u64,
    /// How many consultations
    #[arg(long, default_value_t = 5000)]
    pub consultations: u64,
    /// How many months of history, ending on --until
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub months: u32,
    /// The seed: the same seed, options and catalogue give the same records
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The last day of the history, YYYY-MM-DD (default: today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<chrono::NaiveDate>,
}

/// Parses the arguments and runs the command; the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check { deny_warnings }) => check(&cli.global, deny_warnings),
        Some(Command::Preview { script }) => preview(&cli.global, &script),
        Some(Command::Stats(_)) => not_yet("stats"),
        Some(Command::Export(_)) => not_yet("export"),
        Some(Command::Demo(args)) => demo(&cli.global, &args),
        Some(Command::Verify) => store::run_verify(cli.global.db.first().map(|p| p.as_path())),
        Some(Command::Backup { .. }) => not_yet("backup"),
        Some(Command::Restore { .. }) => not_yet("restore"),
        Some(Command::Forget { .. }) => not_yet("forget"),
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
        Err(e) => return fail(&e.to_string()),
    };
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

/// `sufler demo`: a synthetic history into a new or empty database. A progress bar on
/// stderr when it is a terminal; one summary line on stdout.
fn demo(global: &GlobalArgs, args: &DemoArgs) -> ExitCode {
    let catalog = match usable_catalog(global) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let path = store::default_path(global.db.first().map(|p| p.as_path()));
    let started = std::time::Instant::now();
    let opts = demo::DemoOptions {
        clients: args.clients,
        consultations: args.consultations,
        months: args.months,
        seed: args.seed,
        until: args.until.unwrap_or_else(|| now().date()),
    };
    let store = match store::SledStore::open(&path) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let mut bar = ProgressBar::new(std::io::stderr().is_terminal());
    let result = demo::generate(&store, &catalog, &opts, &mut |done, total| {
        bar.show(done, total)
    });
    bar.clear();
    let summary = match result {
        Ok(s) => s,
        Err(demo::DemoError::NotEmpty(what)) => {
            return fail(&format!(
                "the database {} already holds {what}: demo data is never mixed with real records; give a new --db PATH",
                path.display()
            ))
        }
        Err(e) => return fail(&format!("demo into {}: {e}", path.display())),
    };
    println!(
        "demo: {} consultations, {} clients, {} officers in {} branches, {} months ({} to {}) in {:.1} s → {}",
        summary.consultations,
        summary.clients,
        summary.officers.len(),
        summary.branches,
        summary.months,
        summary.from,
        summary.until,
        started.elapsed().as_secs_f64(),
        path.display()
    );
    ExitCode::SUCCESS
}

/// A one-line progress bar on stderr, drawn only on a terminal and only when it changes.
struct ProgressBar {
    on: bool,
    shown: Option<u64>,
}

impl ProgressBar {
    const WIDTH: u64 = 30;

    fn new(on: bool) -> Self {
        ProgressBar { on, shown: None }
    }

    fn show(&mut self, done: u64, total: u64) {
        if !self.on || total == 0 {
            return;
        }
        let per_mille = done.min(total) * 1000 / total;
        if self.shown == Some(per_mille) {
            return;
        }
        self.shown = Some(per_mille);
        let filled = (per_mille * Self::WIDTH / 1000) as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:>5.1}% {done}/{total}",
            "#".repeat(filled),
            "-".repeat(Self::WIDTH as usize - filled),
            per_mille as f64 / 10.0
        );
        let _ = err.flush();
    }

    fn clear(&mut self) {
        if self.on && self.shown.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(80));
            let _ = err.flush();
        }
    }
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
