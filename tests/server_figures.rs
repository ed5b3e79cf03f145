//! The bank's figures from the bank-wide store: three demo workstations synced into a real
//! PostgreSQL (tests/common/pg.rs), then `stats --server` and `export --server` — every
//! format, every `--by`, `--detail`, whole months and a period cut inside months — give
//! byte for byte what `export --db A --db B --db C` gives over the same databases. No output
//! of any command shows the server's password.

#[path = "common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use assert_cmd::cargo::CommandCargoExt as _;
use pg::Pg;

fn sufler() -> std::process::Command {
    let mut c = std::process::Command::cargo_bin("sufler").expect("the sufler binary");
    c.env_remove("SUFLER_SERVER")
        .env_remove("SUFLER_DB")
        // The plans and «today» of the reports are those of one fixed day.
        .env("SUFLER_TODAY", "2026-12-03");
    c
}

struct Out {
    ok: bool,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(cmd: &mut std::process::Command) -> Out {
    let out = cmd.output().expect("run sufler");
    let o = Out {
        ok: out.status.success(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        !text.contains(pg::PASSWORD) && !o.stderr.contains(pg::PASSWORD),
        "the password is printed:\n{text}{}",
        o.stderr
    );
    o
}

/// Three workstations of different sizes and seeds, demo histories of two months, each
/// synced into one server; made once for every test of this file.
struct Bank {
    _dir: tempfile::TempDir,
    dbs: Vec<PathBuf>,
    url: String,
    /// A copy of the server whose counters of workstation a's 2026-11 lack the formula
    /// rows (as a database written before they existed sends them).
    short_url: String,
    one_at_a_time: Mutex<()>,
}

fn bank() -> &'static Bank {
    static BANK: OnceLock<Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        let pg = Pg::shared();
        let url = pg.new_database("figures");
        let r = run(sufler().args(["server", "init", "--server", &url]));
        assert!(r.ok, "{}", r.stderr);
        let dir = tempfile::tempdir().unwrap();
        let mut dbs = Vec::new();
        for (name, consultations, seed) in [("a", 9000, 11), ("b", 700, 12), ("c", 500, 13)] {
            let db = dir.path().join(name);
            let r = run(sufler()
                .args(["demo", "--consultations", &consultations.to_string()])
                .args(["--months", "2", "--until", "2026-11-30"])
                .args(["--seed", &seed.to_string()])
                .arg("--db")
                .arg(&db));
            assert!(r.ok, "{}", r.stderr);
            let r = run(sufler()
                .args(["sync", "--server", &url])
                .arg("--db")
                .arg(&db));
            assert!(r.ok, "{}", r.stderr);
            dbs.push(db);
        }
        pg.psql("postgres", "CREATE DATABASE figures_short TEMPLATE figures");
        pg.psql(
            "figures_short",
            "DELETE FROM counters WHERE kind = 'formula' AND month = 202611 AND workstation_id = \
               (SELECT workstation_id FROM workstations WHERE location LIKE '%/a')",
        );
        Bank {
            _dir: dir,
            dbs,
            url,
            short_url: pg.url("figures_short"),
            one_at_a_time: Mutex::new(()),
        }
    })
}

/// The same command over the three databases and over the server: both succeed and give
/// the same bytes (files written with -o compared too).
fn same(args: &[&str]) {
    same_on(&bank().url, args)
}

/// [`same`] against the server at `url`.
fn same_on(url: &str, args: &[&str]) {
    let b = bank();
    let out = tempfile::tempdir().unwrap();
    let (local_file, server_file) = (out.path().join("local"), out.path().join("server"));
    let with_output = args.contains(&"-o");
    let mut local = sufler();
    for db in &b.dbs {
        local.arg("--db").arg(db);
    }
    let mut server = sufler();
    for a in args {
        if *a == "-o" {
            local.arg("-o").arg(&local_file);
            server.arg("-o").arg(&server_file);
        } else {
            local.arg(a);
            server.arg(a);
        }
    }
    server.args(["--server", url]);
    let (l, s) = {
        // sled lets one process at a time open a database.
        let _one = b.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
        (run(&mut local), run(&mut server))
    };
    assert!(l.ok, "{args:?} over the databases: {}", l.stderr);
    assert!(s.ok, "{args:?} over the server: {}", s.stderr);
    assert!(
        !l.stdout.is_empty() || with_output,
        "{args:?}: nothing written"
    );
    assert!(
        l.stdout == s.stdout,
        "{args:?}: the server's output differs:\n{}",
        first_difference(&l.stdout, &s.stdout)
    );
    if with_output {
        let (l, s) = (xlsx_parts(&local_file), xlsx_parts(&server_file));
        assert!(l.len() > 3, "{args:?}: an empty workbook");
        assert!(l == s, "{args:?}: the server's workbook differs");
    }
}

/// The first line that differs, with a few lines before it, from both sides.
fn first_difference(local: &[u8], server: &[u8]) -> String {
    let (l, s) = (
        String::from_utf8_lossy(local),
        String::from_utf8_lossy(server),
    );
    let (l, s): (Vec<&str>, Vec<&str>) = (l.lines().collect(), s.lines().collect());
    let at = (0..l.len().max(s.len()))
        .find(|&i| l.get(i) != s.get(i))
        .unwrap_or(0);
    let from = at.saturating_sub(6);
    let show = |v: &[&str]| v[from.min(v.len())..(at + 3).min(v.len())].join("\n");
    format!(
        "at line {}\n--- databases\n{}\n--- server\n{}",
        at + 1,
        show(&l),
        show(&s)
    )
}

/// Every part of a workbook but its creation time (docProps/core.xml), by name.
fn xlsx_parts(p: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read as _;
    let file = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut zip = zip::ZipArchive::new(file).expect("an xlsx file");
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().expect("a part name").to_string();
        if name == "docProps/core.xml" {
            continue;
        }
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        parts.push((name, bytes));
    }
    parts.sort();
    parts
}

const GROUPINGS: &[&str] = &[
    "officer",
    "branch",
    "product",
    "technique",
    "variant",
    "gaps",
    "officer,branch,product,technique,variant,gaps",
];

#[test]
fn the_json_report_of_a_whole_month_is_the_merged_local_one_for_every_grouping() {
    same(&["export", "--month", "2026-11", "--format", "json"]);
    for by in GROUPINGS {
        same(&[
            "export", "--month", "2026-11", "--format", "json", "--by", by,
        ]);
    }
    // Not an empty report that would be equal by accident.
    let b = bank();
    let r = run(sufler()
        .args(["export", "--month", "2026-11", "--format", "json"])
        .args(["--server", &b.url]));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let consultations = &v["tables"]["summary"][0]["consultations"];
    assert!(consultations.as_u64().is_some_and(|n| n > 500), "{v}");
}

/// Several whole months of every workstation from the counters; a workstation-month whose
/// counters lack the formula rows (as a database written before they existed sends them)
/// is read from its records instead, and the figures are the same.
#[test]
fn whole_months_and_a_month_without_formula_rows_are_the_merged_local_ones() {
    for by in ["officer,product", "officer,product,technique,variant"] {
        same(&[
            "export",
            "--from",
            "2026-09-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
            "--by",
            by,
        ]);
    }
    same(&["stats", "--from", "2026-09-01", "--to", "2026-11-30"]);
    let b = bank();
    let pg = Pg::shared();
    assert_eq!(
        pg.psql(
            "figures_short",
            "SELECT count(*) FILTER (WHERE kind = 'formula' AND month = 202611), \
               count(*) FILTER (WHERE kind = 'formula' AND month = 202610) > 0 FROM counters c \
             JOIN workstations w USING (workstation_id) WHERE w.location LIKE '%/a'",
        ),
        "0|t"
    );
    for by in ["", "officer,product"] {
        let mut args = vec![
            "export",
            "--from",
            "2026-09-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
        ];
        if !by.is_empty() {
            args.extend(["--by", by]);
        }
        same_on(&b.short_url, &args);
    }
    same_on(&b.short_url, &["stats", "--month", "2026-11"]);
    same_on(
        &b.short_url,
        &[
            "stats",
            "--from",
            "2026-09-01",
            "--to",
            "2026-11-30",
            "--by",
            "officer",
        ],
    );
}

#[test]
fn a_period_cut_inside_months_is_the_same_too() {
    for by in ["", "officer,product", "branch,gaps"] {
        let mut args = vec![
            "export",
            "--from",
            "2026-10-07",
            "--to",
            "2026-11-19",
            "--format",
            "json",
        ];
        if !by.is_empty() {
            args.extend(["--by", by]);
        }
        same(&args);
    }
}

#[test]
fn stats_csv_and_xlsx_are_the_same() {
    same(&["stats", "--month", "2026-11"]);
    same(&["stats", "--month", "2026-10", "--by", "branch,officer"]);
    same(&[
        "--lang", "en", "stats", "--month", "2026-11", "--by", "gaps",
    ]);
    same(&[
        "export", "--month", "2026-11", "--format", "csv", "--by", "product",
    ]);
    same(&[
        "export", "--month", "2026-11", "--format", "csv", "--excel", "--by", "officer",
    ]);
    same(&[
        "export", "--month", "2026-11", "--format", "xlsx", "--by", "branch", "-o",
    ]);
}

#[test]
fn the_detail_is_the_same_row_for_row() {
    same(&[
        "export", "--month", "2026-11", "--format", "csv", "--detail",
    ]);
    // A century: only the months the workstations have are read.
    same(&[
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "csv",
        "--detail",
    ]);
    same(&[
        "export",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--format",
        "json",
        "--detail",
    ]);
}

#[test]
fn client_names_do_not_leave_the_workstations_by_default() {
    let b = bank();
    let pg = Pg::shared();
    let counts = pg.psql(
        "figures",
        "SELECT count(*) > 0, count(last_name) + count(first_name) + count(phone) + count(birth_date) FROM clients",
    );
    assert_eq!(counts, "t|0");
    // Not in the stored records either: a name the demo gave a client is nowhere on the server.
    let r = {
        let _one = b.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
        run(sufler()
            .args(["export", "--month", "2026-11", "--format", "csv"])
            .args(["--detail", "--with-clients"])
            .arg("--db")
            .arg(&b.dbs[0]))
    };
    assert!(r.ok, "{}", r.stderr);
    let mut rows = csv::Reader::from_reader(r.stdout.as_slice());
    let name_at = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "client_name")
        .expect("a client_name column");
    let row = rows.records().next().expect("a row").unwrap();
    let (name, phone) = (row.get(name_at).unwrap(), row.get(name_at + 1).unwrap());
    assert!(name.contains(' ') && phone.len() > 6, "{row:?}");
    for text in [name, phone] {
        let found = pg.psql(
            "figures",
            &format!(
                "SELECT (SELECT count(*) FROM consultations WHERE position(convert_to('{text}', 'UTF8') in record) > 0) \
                   + (SELECT count(*) FROM contacts WHERE position(convert_to('{text}', 'UTF8') in record) > 0) \
                   + (SELECT count(*) FROM cancellations WHERE position(convert_to('{text}', 'UTF8') in record) > 0) \
                   + (SELECT count(*) FROM events WHERE detail LIKE '%{text}%')"
            ),
        );
        assert_eq!(found, "0", "{text} is on the server");
    }
    // From the server, --with-clients has no names to give.
    let r = run(sufler()
        .args([
            "export",
            "--month",
            "2026-11",
            "--format",
            "csv",
            "--detail",
            "--with-clients",
        ])
        .args(["--server", &b.url]));
    assert!(r.ok, "{}", r.stderr);
    assert!(!String::from_utf8(r.stdout).unwrap().contains(name));
}

#[test]
fn server_and_db_together_are_refused_and_a_wrong_password_is_masked() {
    let b = bank();
    let r = run(sufler()
        .arg("--db")
        .arg(&b.dbs[0])
        .args(["stats", "--month", "2026-11", "--server", &b.url]));
    assert!(!r.ok);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let wrong = b.url.replace(pg::PASSWORD, "Wr0ng-Pa55");
    let r = run(sufler().args([
        "export", "--month", "2026-11", "--format", "json", "--server", &wrong,
    ]));
    assert!(!r.ok);
    assert!(!r.stderr.contains("Wr0ng-Pa55"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn one_officer_and_one_branch_are_the_same_too() {
    let b = bank();
    let pg = Pg::shared();
    // The branch of the fewest consultations (workstation a has two), and one of its officers.
    let found = pg.psql(
        "figures",
        "SELECT min(officer), branch FROM consultations GROUP BY branch ORDER BY count(*) LIMIT 1",
    );
    let (officer, branch) = found.split_once('|').expect("an officer and a branch");
    for filter in [["--officer", officer], ["--branch", branch]] {
        same(&[filter[0], filter[1], "stats", "--month", "2026-11"]);
        same(&[
            filter[0],
            filter[1],
            "export",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--by",
            "officer,product,variant",
        ]);
        same(&[
            filter[0],
            filter[1],
            "export",
            "--from",
            "2026-10-07",
            "--to",
            "2026-11-19",
            "--format",
            "csv",
            "--detail",
        ]);
    }
    // The filter is named and the figures are a part of the bank's.
    let r = run(sufler()
        .args([
            "--branch", branch, "export", "--month", "2026-11", "--format", "json",
        ])
        .args(["--server", &b.url]));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["only"]["branch"], branch);
    let all = run(sufler()
        .args(["export", "--month", "2026-11", "--format", "json"])
        .args(["--server", &b.url]));
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let n = |v: &serde_json::Value| v["tables"]["summary"][0]["consultations"].as_u64().unwrap();
    assert!(n(&v) > 0 && n(&v) < n(&all), "{} of {}", n(&v), n(&all));
}
