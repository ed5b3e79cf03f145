//! The command line (DESIGN §6).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::{self, CatalogLocation};
use crate::demo;
use crate::progress::with_progress;
use crate::report;
use crate::store;
use crate::tui;

pub use crate::lang::Lang;

mod screens;
use screens::{officer_screen, preview};

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
    /// The officer's screen syncs with the bank-wide store in the background: postgresql://USER:PASSWORD@HOST:PORT/DB (default: $SUFLER_SERVER)
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
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
    /// The officer's name (skips the first-start question); with stats and export, only this officer's figures
    #[arg(long, global = true, value_name = "NAME")]
    pub officer: Option<String>,
    /// The officer's branch; with stats and export, only this branch's figures
    #[arg(long, global = true, value_name = "NAME")]
    pub branch: Option<String>,
    /// Interface language
    #[arg(long, global = true, value_enum, default_value_t = Lang::Ru)]
    pub lang: Lang,
}

/// How `sufler check` writes its diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check products.toml and scripts/: every error and warning at once
    Check {
        /// Treat warnings as errors (exit 1)
        #[arg(long)]
        deny_warnings: bool,
        /// Check again whenever a catalogue file is saved, added or removed, until Ctrl-C
        #[arg(long)]
        watch: bool,
        /// text (file:line:column: …) or json (one object per line, on stdout)
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
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
    /// Rewrite the database compactly: after months of use its files hold free space that every start pays for (not while the screen has it open)
    Compact,
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
    /// Print the JSON Schema of products.toml or scripts/*.toml, for editors (taplo)
    Schema {
        /// Which file the schema describes
        #[arg(long = "for", value_enum, default_value_t = SchemaFor::Products)]
        target: SchemaFor,
    },
    /// Print a shell completion script: bash, zsh or fish
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff), e.g. `sufler man > sufler.1`; with --dir, write it
    /// and one page per command (sufler-check.1 …) into a directory
    Man {
        /// Write sufler.1 and a page per command into this existing directory
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The bank-wide store on PostgreSQL
    Server {
        #[command(subcommand)]
        command: ServerCommand,
    },
    /// Push this workstation's records to the bank-wide store (PostgreSQL); pull the centre's plans and the published catalogue
    Sync(SyncArgs),
    /// The bank's plans on the bank-wide store: import a CSV file, show a month
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Make a catalogue that passes `check --deny-warnings` the bank's current version (--catalog DIR)
    Publish {
        /// postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=require] (default: $SUFLER_SERVER); never printed with its password
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Import month,branch,officer,product,target rows (officer empty: every officer of the branch); the months in the file are replaced, all or nothing
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
        /// postgresql://USER:PASSWORD@HOST:PORT/DB (default: $SUFLER_SERVER)
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// Print the plan rows in force in a month
    Show {
        /// postgresql://USER:PASSWORD@HOST:PORT/DB (default: $SUFLER_SERVER)
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// The month, YYYY-MM
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Create or migrate the central schema; again, it does nothing
    Init {
        /// postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=require] (default: $SUFLER_SERVER); never printed with its password
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Accept client names and phones from the workstations (by default they never leave them)
        #[arg(long)]
        accept_client_names: bool,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=require] (default: $SUFLER_SERVER); never printed with its password
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Records per transaction
    #[arg(long, value_name = "N", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub batch: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFor {
    /// products.toml
    Products,
    /// scripts/*.toml
    Script,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
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
    /// The bank's figures from the bank-wide store (PostgreSQL) instead of --db: every synced workstation
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// csv, json or xlsx
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// The file to write (default: stdout); written whole or not at all
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
    /// How many clients (default: one per five consultations, as in a branch's history)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub clients: Option<u64>,
    /// How many consultations (officers are added to hold 15 to 30 each per working day)
    #[arg(long, default_value_t = 30_000)]
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
    install_panic_hook();
    // Every file Sufler writes may hold client data (the database, backups, exports): none
    // is readable by other users, whatever the login's umask.
    // SAFETY: umask only swaps the process's file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    let db = cli.global.db.first().map(|p| p.as_path());
    match cli.command {
        Some(Command::Check {
            deny_warnings,
            watch: false,
            format,
        }) => check(&cli.global, deny_warnings, format),
        Some(Command::Check {
            deny_warnings,
            watch: true,
            ..
        }) => check_watch(&cli.global, deny_warnings),
        Some(Command::Preview { script }) => preview(&cli.global, &script),
        Some(Command::Stats(p)) => done(stats(&cli.global, &p)),
        Some(Command::Export(a)) => done(export(&cli.global, &a)),
        Some(Command::Demo(args)) => demo(&cli.global, &args),
        Some(Command::Verify) => store::run_verify(cli.global.db.first().map(|p| p.as_path())),
        Some(Command::Compact) => store::run_compact(cli.global.db.first().map(|p| p.as_path())),
        Some(Command::Backup { output }) => store::commands::run_backup(db, &output),
        Some(Command::Restore { file }) => store::commands::run_restore(db, &file),
        Some(Command::Forget { client }) => store::commands::run_forget(db, &client),
        Some(Command::Schema { target }) => schema(target),
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Man { dir }) => man(dir.as_deref()),
        Some(Command::Server {
            command:
                ServerCommand::Init {
                    server,
                    accept_client_names,
                },
        }) => {
            crate::sync::commands::run_init(server.as_deref(), accept_client_names, cli.global.lang)
        }
        Some(Command::Sync(args)) => crate::sync::commands::run_sync(
            db,
            args.server.as_deref(),
            crate::sync::SyncOptions::batches_of(args.batch as usize),
            cli.global.lang,
        ),
        Some(Command::Plan {
            command: PlanCommand::Import { file, server },
        }) => crate::sync::centre_commands::run_plan_import(
            &file,
            server.as_deref(),
            cli.global.catalog.as_deref(),
            cli.global.lang,
        ),
        Some(Command::Plan {
            command: PlanCommand::Show { server, month },
        }) => {
            crate::sync::centre_commands::run_plan_show(server.as_deref(), &month, cli.global.lang)
        }
        Some(Command::Publish { server }) => crate::sync::centre_commands::run_publish(
            cli.global.catalog.as_deref(),
            server.as_deref(),
            cli.global.lang,
        ),
        None => officer_screen(&cli.global, cli.server.as_deref()),
    }
}

/// A panic is a bug: say so plainly and where the data is, after ratatui's hook (installed
/// later, so it runs first) has restored the terminal.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!(
            "sufler: internal error — please report it with the text below. \
             Every action shown as done on screen was saved before it was shown."
        );
        default(info);
    }));
}

/// Where the catalogue is (DESIGN §6), a directory made absolute so that the commands named
/// in messages work from anywhere; a `--catalog` that is not a directory is refused.
fn locate_catalog(global: &GlobalArgs, lang: Lang) -> Result<CatalogLocation, String> {
    let location = catalog::locate(global.catalog.as_deref());
    catalog::check_dir(&location).map_err(|p| tui::text::catalog_dir_problem(lang, &p))?;
    Ok(match location {
        CatalogLocation::Dir(dir) => CatalogLocation::Dir(std::path::absolute(&dir).unwrap_or(dir)),
        CatalogLocation::Bundled => CatalogLocation::Bundled,
    })
}

/// The catalogue in use and where it came from, or the reason there is none (its errors are
/// `sufler check`'s, and the message names the command that shows them). For the commands
/// other than the officer's screen, which starts on the last good copy instead.
fn usable_catalog(
    global: &GlobalArgs,
    lang: Lang,
) -> Result<(catalog::Catalog, CatalogLocation), String> {
    let location = locate_catalog(global, lang)?;
    let report = catalog::load(&location);
    let errors = report.errors();
    match (report.catalog, &location) {
        (Some(c), _) => Ok((c, location)),
        (None, CatalogLocation::Dir(dir)) => {
            Err(tui::text::catalog_has_errors(lang, dir, errors.max(1)))
        }
        (None, CatalogLocation::Bundled) => Err(format!(
            "the catalogue built into sufler has {errors} error(s): this build is broken"
        )),
    }
}

/// A database that cannot be opened, in the interface language where it is about the path.
fn db_failure(lang: Lang, e: &store::StoreError, path: &std::path::Path) -> String {
    tui::text::db_problem(lang, e).unwrap_or_else(|| store::open_failure(e, path))
}

fn now() -> chrono::NaiveDateTime {
    crate::clock::now()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

/// `sufler demo`: a synthetic history into a new or empty database. A progress bar on
/// stderr when it is a terminal; one summary line on stdout.
fn demo(global: &GlobalArgs, args: &DemoArgs) -> ExitCode {
    // demo speaks English throughout, whatever --lang.
    let catalog = match usable_catalog(global, Lang::En) {
        Ok((c, _)) => c,
        Err(e) => return fail(&e),
    };
    let path = store::default_path(global.db.first().map(|p| p.as_path()));
    let started = std::time::Instant::now();
    let opts = demo::DemoOptions {
        clients: args
            .clients
            .unwrap_or_else(|| demo::default_clients(args.consultations)),
        consultations: args.consultations,
        months: args.months,
        seed: args.seed,
        until: args.until.unwrap_or_else(|| now().date()),
    };
    let store = match store::SledStore::open_for_bulk(&path) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    // Nothing of a demo is worth keeping until all of it is written: one sync at the end
    // instead of one per batch and per cancellation.
    store.defer_sync();
    let result = with_progress("demo", |progress| {
        let summary = demo::generate(&store, &catalog, &opts, progress)?;
        store.sync_now()?;
        Ok::<_, demo::DemoError>(summary)
    });
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
    // A bulk load leaves most of sled's file garbage, which every later start would pay
    // for: the demo ends with a compact copy (its time is the demo's, not the officer's).
    drop(store);
    if let Err(e) = with_progress("compacting", |progress| {
        store::SledStore::compact(&path, progress)
    }) {
        return fail(&format!("demo into {}: {e}", path.display()));
    }
    let n = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    println!(
        "demo: {}, {}, {} on call backs, {}, {} in {}, {} ({} to {}) in {:.1} s → {}",
        n(summary.consultations, "consultation", "consultations"),
        n(summary.clients, "client", "clients"),
        n(summary.calls, "call", "calls"),
        n(summary.cancellations, "cancellation", "cancellations"),
        n(summary.officers.len() as u64, "officer", "officers"),
        n(summary.branches as u64, "branch", "branches"),
        n(summary.months as u64, "month", "months"),
        summary.from,
        summary.until,
        started.elapsed().as_secs_f64(),
        path.display()
    );
    ExitCode::SUCCESS
}

/// `sufler check`: every diagnostic, then a one-line summary.
fn check(global: &GlobalArgs, deny_warnings: bool, format: CheckFormat) -> ExitCode {
    let location = catalog::locate(global.catalog.as_deref());
    // check speaks English throughout, whatever --lang; it never opens a database.
    if let Err(p) = catalog::check_dir(&location) {
        return fail(&tui::text::catalog_dir_problem(Lang::En, &p));
    }
    let report = catalog::load(&location);
    let mut err = std::io::stderr().lock();
    let (errors, warnings) = (report.errors(), report.warnings());
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    if format == CheckFormat::Json {
        // Only the objects on stdout, one per line, so a pipe can read them as they come.
        let mut out = std::io::stdout().lock();
        for d in &report.diagnostics {
            let _ = writeln!(out, "{}", d.to_json(&report.sources));
        }
        return if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    for d in &report.diagnostics {
        let _ = write!(err, "{}", d.render(&report.sources));
    }
    let where_ = match &location {
        CatalogLocation::Dir(dir) => dir.display().to_string(),
        CatalogLocation::Bundled => "built-in catalogue".to_string(),
    };
    if report.diagnostics.is_empty() {
        if let Some(c) = &report.catalog {
            let n = |count: usize, one: &str, many: &str| {
                format!("{count} {}", plural(count, one, many))
            };
            println!(
                "{where_}: ok — {} ({} main, {} plan), {}, {}, {}, {}",
                n(c.products.len(), "product", "products"),
                c.main_products().count(),
                c.plan_products().count(),
                n(c.links.len(), "link", "links"),
                n(c.upsells.len(), "upsell", "upsells"),
                n(c.downsells.len(), "downsell", "downsells"),
                n(c.scripts.len(), "script", "scripts"),
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

/// `sufler schema`: the JSON Schema on stdout.
fn schema(target: SchemaFor) -> ExitCode {
    let target = match target {
        SchemaFor::Products => catalog::schema::Target::Products,
        SchemaFor::Script => catalog::schema::Target::Script,
    };
    print_out(catalog::schema::render(target).as_bytes())
}

/// `sufler completions SHELL`: the completion script on stdout.
fn completions(shell: CompletionShell) -> ExitCode {
    use clap::CommandFactory as _;
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sufler", &mut out);
    print_out(&out)
}

/// `sufler man`: the manual page (roff) on stdout; with `--dir`, it and the page of each
/// command (which the main page names: `sufler-check(1)` …) written into the directory.
fn man(dir: Option<&std::path::Path>) -> ExitCode {
    use clap::CommandFactory as _;
    if let Some(dir) = dir {
        return match write_man_pages(dir) {
            Ok(names) => {
                println!(
                    "{} manual pages written to {}: {}",
                    names.len(),
                    dir.display(),
                    names.join(", ")
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        };
    }
    let mut out = Vec::new();
    if let Err(e) =
        clap_mangen::Man::new(Cli::command().disable_help_subcommand(true)).render(&mut out)
    {
        return fail(&format!("cannot render the manual page: {e}"));
    }
    print_out(&out)
}

/// Every page rendered into a fresh directory inside `dir` first, then each renamed into
/// place, so a failure leaves no half-written page. The names written, sorted.
fn write_man_pages(dir: &std::path::Path) -> Result<Vec<String>, String> {
    use clap::CommandFactory as _;
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a directory: create it first (mkdir -p {})",
            dir.display(),
            dir.display()
        ));
    }
    let staging = dir.join(format!(".sufler-man-{}", std::process::id()));
    std::fs::create_dir(&staging)
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    // Each page's footer names sufler and its version, not the bare command.
    let source = format!("sufler {}", env!("CARGO_PKG_VERSION"));
    let commands = root.get_subcommands().filter(|c| !c.is_hide_set()).cloned();
    let moved = std::iter::once(root.clone())
        .chain(commands)
        .try_for_each(|cmd| {
            clap_mangen::Man::new(cmd)
                .source(source.clone())
                .generate_to(&staging)
                .map(drop)
        })
        .map_err(|e| format!("cannot render the manual pages: {e}"))
        .and_then(|()| {
            let mut names = Vec::new();
            let entries = std::fs::read_dir(&staging)
                .map_err(|e| format!("cannot read {}: {e}", staging.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("cannot read {}: {e}", staging.display()))?;
                let name = entry.file_name();
                let target = dir.join(&name);
                std::fs::rename(entry.path(), &target)
                    .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
                names.push(name.to_string_lossy().into_owned());
            }
            names.sort();
            Ok(names)
        });
    // The staging directory is empty unless something failed; either way it goes.
    let _ = std::fs::remove_dir_all(&staging);
    moved
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn print_out(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot write to stdout: {e}")),
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn done(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// The report's inputs, checked before any database is opened.
struct ReportInput {
    period: report::Period,
    groupings: Vec<report::Grouping>,
    today: chrono::NaiveDate,
}

fn report_input(p: &PeriodArgs) -> Result<ReportInput, String> {
    let today = now().date();
    let period = report::Period::parse(
        p.month.as_deref(),
        p.from.as_deref(),
        p.to.as_deref(),
        today,
    )
    .map_err(|e| e.to_string())?;
    let groupings = report::Grouping::parse_list(&p.by).map_err(|e| e.to_string())?;
    Ok(ReportInput {
        period,
        groupings,
        today,
    })
}

/// Every `--db` (default: the usual one), each once, opened as existing databases; or, with
/// `--server`, every workstation of the bank-wide store.
fn report_stores(
    global: &GlobalArgs,
    server: Option<&str>,
) -> Result<Vec<Box<dyn store::Store>>, String> {
    if let Some(url) = server {
        if !global.db.is_empty() {
            return Err(match global.lang {
                Lang::Ru => "--server и --db — два источника цифр: укажите что-то одно",
                Lang::En => "--server and --db are two sources of figures: give one of them",
            }
            .to_string());
        }
        let lang = global.lang;
        let server = crate::sync::Server::parse(url).map_err(|e| e.message(lang))?;
        let stores = crate::sync::central::workstations(&server).map_err(|e| e.message(lang))?;
        return Ok(stores
            .into_iter()
            .map(|s| Box::new(s) as Box<dyn store::Store>)
            .collect());
    }
    let paths = if global.db.is_empty() {
        vec![store::default_path(None)]
    } else {
        global.db.clone()
    };
    let mut seen = Vec::new();
    let mut stores: Vec<Box<dyn store::Store>> = Vec::new();
    for p in paths {
        let canonical = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.contains(&canonical) {
            return Err(report::ReportError::DuplicateDb(p).to_string());
        }
        seen.push(canonical);
        stores.push(Box::new(store::SledStore::open_existing(&p).map_err(
            |e| tui::text::db_problem(global.lang, &e).unwrap_or(e.to_string()),
        )?));
    }
    Ok(stores)
}

fn as_dyn(stores: &[Box<dyn store::Store>]) -> Vec<&dyn store::Store> {
    stores.iter().map(|s| s.as_ref()).collect()
}

/// `--officer` / `--branch` as the report's filter.
fn only(global: &GlobalArgs) -> report::Only {
    report::Only {
        officer: global.officer.clone(),
        branch: global.branch.clone(),
    }
}

/// `sufler stats`: the report as a table on stdout.
fn stats(global: &GlobalArgs, p: &PeriodArgs) -> Result<(), String> {
    let input = report_input(p)?;
    let (catalog, _) = usable_catalog(global, global.lang)?;
    let stores = report_stores(global, p.server.as_deref())?;
    let r = report::compute_only(
        &as_dyn(&stores),
        &catalog,
        input.period,
        &input.groupings,
        input.today,
        report::Source::Auto,
        &only(global),
    )
    .map_err(|e| e.to_string())?;
    let tables = report::table::tables(&r);
    let text = report::write::stats_text(&r, &tables, global.lang);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write: {e}")),
        _ => Ok(()),
    }
}

/// `sufler export`: the report, or with `--detail` every offer, as CSV, JSON or XLSX.
fn export(global: &GlobalArgs, a: &ExportArgs) -> Result<(), String> {
    use report::write::{deliver, CsvStyle};
    use report::{detail, Format, ReportError};
    let input = report_input(&a.period)?;
    let format = Format::parse(&a.format).map_err(|e| e.to_string())?;
    if a.excel && format != Format::Csv {
        return Err("--excel applies to --format csv only".into());
    }
    if a.with_clients && !a.detail {
        return Err(
            "--with-clients applies to --detail only: the summary holds no client data".into(),
        );
    }
    if a.detail && !input.groupings.is_empty() {
        return Err("--detail writes one row per offer; --by does not apply to it".into());
    }
    let lang = global.lang;
    let style = CsvStyle {
        excel: a.excel,
        lang,
    };
    // A --catalog that is not there is a mistake even where the catalogue is not needed.
    locate_catalog(global, lang)?;
    let stores = report_stores(global, a.period.server.as_deref())?;
    let stores = as_dyn(&stores);
    let only = only(global);
    let output = a.output.as_deref();
    let result = if a.detail {
        use std::io::IsTerminal as _;
        detail::show_progress(std::io::stderr().is_terminal());
        let period = input.period;
        deliver(output, a.with_clients, format == Format::Xlsx, |w| {
            match format {
                Format::Csv => detail::csv(&stores, period, &only, a.with_clients, style, w)?,
                Format::Json => detail::json(&stores, period, &only, a.with_clients, w)?,
                Format::Xlsx => {
                    let bytes = detail::xlsx(&stores, period, &only, a.with_clients, lang)?;
                    w.write_all(&bytes).map_err(ReportError::Output)?;
                    0
                }
            };
            Ok(())
        })
    } else {
        let (catalog, _) = usable_catalog(global, global.lang)?;
        let r = report::compute_only(
            &stores,
            &catalog,
            input.period,
            &input.groupings,
            input.today,
            report::Source::Auto,
            &only,
        )
        .map_err(|e| e.to_string())?;
        let tables = report::table::tables(&r);
        deliver(output, false, format == Format::Xlsx, |w| match format {
            Format::Csv => report::write::csv(&tables, style, w).map_err(ReportError::Output),
            Format::Json => {
                let doc = report::write::json(&r, &tables);
                serde_json::to_writer_pretty(&mut *w, &doc)
                    .map_err(|e| ReportError::Output(e.into()))?;
                w.write_all(b"\n").map_err(ReportError::Output)
            }
            Format::Xlsx => {
                let bytes = report::write::xlsx(&tables, lang)?;
                w.write_all(&bytes).map_err(ReportError::Output)
            }
        })
    };
    result.map_err(|e| e.to_string())
}

/// `sufler check --watch`: the check, then again after every change of the catalogue files,
/// each run on a cleared screen under a time-stamped header, until Ctrl-C (exit 0).
fn check_watch(global: &GlobalArgs, deny_warnings: bool) -> ExitCode {
    use std::io::IsTerminal as _;
    let location = catalog::locate(global.catalog.as_deref());
    if let Err(p) = catalog::check_dir(&location) {
        return fail(&tui::text::catalog_dir_problem(Lang::En, &p));
    }
    let CatalogLocation::Dir(dir) = &location else {
        return fail(
            "--watch needs a catalogue directory (the one built into sufler never changes): \
             give --catalog DIR or run it where products.toml is",
        );
    };
    let clear = std::io::stdout().is_terminal();
    let watched = catalog::changes::until_stopped(dir, || {
        let mut out = std::io::stdout().lock();
        if clear {
            // The whole screen and its scroll-back, then home: each run reads from the top.
            let _ = write!(out, "\x1b[H\x1b[2J\x1b[3J");
        }
        let _ = writeln!(
            out,
            "── {} sufler check {} — watching, Ctrl-C stops",
            now().format("%H:%M:%S"),
            dir.display()
        );
        let _ = out.flush();
        drop(out);
        let verdict = if check(global, deny_warnings, CheckFormat::Text) == ExitCode::SUCCESS {
            "clean"
        } else {
            "failing"
        };
        // A closed stdout (the pipe's reader gone) is no reason to panic.
        let _ = writeln!(std::io::stdout(), "── {verdict}; waiting for the next save");
    });
    match watched {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
