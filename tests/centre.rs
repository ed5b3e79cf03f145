//! From the centre to the branch (DESIGN §10) against a real PostgreSQL (tests/common/pg.rs):
//! `plan import` of a good file and of a file with bad rows, a branch-wide row and an
//! officer's row, a re-import replacing its month, `plan show`; `publish` refusing a
//! catalogue with an error and storing a good one; `sync` pulling both into the database.

#[path = "common/pg.rs"]
mod pg;

use std::path::Path;

use assert_cmd::cargo::CommandCargoExt as _;
use pg::Pg;
use sufler::consultation::Month;
use sufler::store::{Officer, SledStore, Store};

fn sufler() -> std::process::Command {
    let mut c = std::process::Command::cargo_bin("sufler").expect("the sufler binary");
    c.env_remove("SUFLER_SERVER")
        .env_remove("SUFLER_DB")
        .args(["--lang", "en"]);
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut std::process::Command) -> Out {
    let out = cmd.output().expect("run sufler");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn server(name: &str) -> String {
    let url = Pg::shared().new_database(name);
    let r = run(sufler().args(["server", "init", "--server", &url]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    url
}

fn import(url: &str, file: &Path) -> Out {
    run(sufler()
        .args(["plan", "import"])
        .arg(file)
        .args(["--server", url]))
}

const GOOD: &str = "month,branch,officer,product,target
2026-12,Центральное,,npf,20
2026-12,Центральное,Орлова Анна Сергеевна,npf,35
2026-12,Центральное,,deposit,7
2026-12,Северное,,npf,50
";

#[test]
fn a_good_file_is_imported_and_shown_and_the_officer_row_wins_at_the_workstation() {
    let url = server("plan_good");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plan.csv");
    std::fs::write(&file, GOOD).unwrap();
    let r = import(&url, &file);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "plan import: 4 rows for 2026-12 (0 earlier rows of those months replaced)"
        ),
        "{}",
        r.stdout
    );
    let show = run(sufler().args(["plan", "show", "--server", &url, "--month", "2026-12"]));
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    let lines: Vec<&str> = show.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", show.stdout);
    assert!(lines[0].starts_with("month"));
    assert!(lines[1].contains("Северное") && lines[1].contains("(every officer)"));
    assert!(lines[4].contains("Орлова Анна Сергеевна") && lines[4].ends_with("35"));

    // A workstation of the branch pulls its branch's rows; the officer's own row wins for her.
    let db = tmp.path().join("db");
    {
        let store = SledStore::open(&db).unwrap();
        store
            .save_officer(&Officer {
                name: "Орлова Анна Сергеевна".into(),
                branch: "Центральное".into(),
            })
            .unwrap();
    }
    let s = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&db));
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert!(
        s.stdout
            .contains("sync: received the centre's plan: 3 rows (changed); no published catalogue"),
        "{}",
        s.stdout
    );
    let store = SledStore::open(&db).unwrap();
    let plans = store.central_plans().unwrap().expect("pulled");
    let hers = plans.targets(Month(202612), "Центральное", "Орлова Анна Сергеевна");
    assert_eq!(hers.get("npf"), Some(&35));
    assert_eq!(hers.get("deposit"), Some(&7));
    let others = plans.targets(Month(202612), "Центральное", "Петров Иван");
    assert_eq!(others.get("npf"), Some(&20));
    drop(store);

    // A re-import of the month replaces it whole.
    std::fs::write(
        &file,
        "month,branch,officer,product,target\n2026-12,Центральное,,npf,25\n",
    )
    .unwrap();
    let r = import(&url, &file);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("(4 earlier rows"), "{}", r.stdout);
    let show = run(sufler().args(["plan", "show", "--server", &url, "--month", "2026-12"]));
    assert_eq!(show.stdout.lines().count(), 2, "{}", show.stdout);
}

#[test]
fn a_file_with_four_bad_rows_names_each_and_imports_nothing() {
    let url = server("plan_bad");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plan.csv");
    std::fs::write(
        &file,
        "month,branch,officer,product,target
2026-12,Центральное,,npf,20
2026-13,Центральное,,npf,20
2026-12,Центральное,,deposit,-3
2026-12,,,npf,5
2026-12,Северное,,npf,50
2026-12,Северное,,nfp,5
",
    )
    .unwrap();
    let r = import(&url, &file);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let name = file.display().to_string();
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!("{name}:3: month `2026-13`")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{name}:4: target `-3`")),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!("{name}:5: branch is empty")),
        "{}",
        lines[2]
    );
    // An id the catalogue does not have: a plan no officer could be offered.
    assert!(
        lines[3].starts_with(&format!("{name}:7: product `nfp` is not in ")),
        "{}",
        lines[3]
    );
    assert!(lines[3].ends_with("did you mean `npf`?"), "{}", lines[3]);
    assert!(lines[4].contains("4 problems") && lines[4].contains("nothing imported"));
    let pg = Pg::shared();
    assert_eq!(
        pg.psql("plan_bad", "SELECT count(*) FROM central_plans"),
        "0"
    );
}

/// The bundled catalogue written out as a trainer's directory, labelled `label`.
fn catalogue(dir: &Path, label: &str) {
    for source in sufler::catalog::bundled_sources() {
        let path = dir.join(&source.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = source.text.clone();
        if source.path == "products.toml" {
            text = relabel(&text, label);
        }
        std::fs::write(path, text).unwrap();
    }
}

fn relabel(text: &str, label: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in text.lines() {
        if !done && line.starts_with("version") {
            out.push_str(&format!("version = \"{label}\"\n"));
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if done {
        out
    } else {
        format!("version = \"{label}\"\n{out}")
    }
}

#[test]
fn publish_refuses_a_catalogue_with_an_error_and_a_good_one_reaches_the_workstation() {
    let url = server("publish");
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad");
    catalogue(&bad, "2026-12-плохой");
    let products = bad.join("products.toml");
    let text = std::fs::read_to_string(&products).unwrap();
    std::fs::write(&products, format!("{text}\n[[product]]\nid = \"Bad Id\"\n")).unwrap();
    let r = run(sufler()
        .arg("--catalog")
        .arg(&bad)
        .args(["publish", "--server", &url]));
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("products.toml:"), "{}", r.stderr);
    assert!(r.stderr.contains("not published"), "{}", r.stderr);
    let pg = Pg::shared();
    assert_eq!(
        pg.psql("publish", "SELECT count(*) FROM published_catalogues"),
        "0"
    );

    let good = tmp.path().join("good");
    catalogue(&good, "2026-12-центр");
    let r = run(sufler()
        .arg("--catalog")
        .arg(&good)
        .args(["publish", "--server", &url]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.starts_with("publish: `2026-12-центр (")
            && r.stdout
                .contains("is now the bank's current version (publication 1"),
        "{}",
        r.stdout
    );
    let again = run(sufler()
        .arg("--catalog")
        .arg(&good)
        .args(["publish", "--server", &url]));
    assert!(
        again.stdout.contains("is the current version already"),
        "{}",
        again.stdout
    );

    let db = tmp.path().join("db");
    drop(SledStore::open(&db).unwrap());
    let s = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&db));
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert!(
        s.stdout.contains("the catalogue `2026-12-центр (") && s.stdout.contains("(new)"),
        "{}",
        s.stdout
    );
    let store = SledStore::open(&db).unwrap();
    let kept = store.published_catalogue().unwrap().expect("kept");
    assert_eq!(kept.label.as_deref(), Some("2026-12-центр"));
    assert!(kept.files.iter().any(|(p, _)| p == "products.toml"));
    drop(store);
    let s = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&db));
    assert!(s.stdout.contains("(the same)"), "{}", s.stdout);

    // A later publication this build cannot read (a newer sufler's format, put there by
    // hand): kept aside, the good copy stays the one in use.
    let files = serde_json::to_string(&[(
        "products.toml",
        "format = 2\n[[product]]\nid = \"Bad Id\"\n",
    )])
    .unwrap();
    pg.psql(
        "publish",
        &format!("INSERT INTO published_catalogues (hash, label, files) VALUES ('9a9a', '2027-01', '{files}')"),
    );
    let s = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&db));
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert!(
        s.stdout
            .contains("the catalogue `2027-01 (9a9a)` fails this sufler's checks and is not used"),
        "{}",
        s.stdout
    );
    let store = SledStore::open(&db).unwrap();
    assert_eq!(
        store.published_catalogue().unwrap().and_then(|p| p.label),
        Some("2026-12-центр".to_string())
    );
    assert_eq!(store.refused_catalogue().unwrap().map(|p| p.id), Some(2));
}

#[test]
fn a_month_stored_before_the_centres_plan_takes_it_here_and_on_the_server() {
    let url = server("plan_restate");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let demo = run(sufler()
        .args([
            "demo",
            "--consultations",
            "120",
            "--months",
            "2",
            "--seed",
            "7",
        ])
        .args(["--until", "2026-11-30", "--db"])
        .arg(&db));
    assert_eq!(demo.code, Some(0), "{}", demo.stderr);
    let officer = SledStore::open(&db)
        .unwrap()
        .workstation_officer()
        .unwrap()
        .expect("the demo's last officer");
    let sync = || {
        run(sufler()
            .args(["sync", "--server", &url])
            .arg("--db")
            .arg(&db))
    };
    let s = sync();
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    let pg = Pg::shared();
    let npf = "SELECT t->>'per_month' FROM month_plans, jsonb_array_elements(plan->'targets') t \
               WHERE month = 202611 AND t->>'product' = 'npf'";
    assert_eq!(
        pg.psql("plan_restate", npf),
        "20",
        "products.toml's plan, as stored"
    );

    let file = tmp.path().join("plan.csv");
    std::fs::write(
        &file,
        format!(
            "month,branch,officer,product,target\n2026-11,{},{},npf,33\n",
            officer.branch, officer.name
        ),
    )
    .unwrap();
    assert_eq!(import(&url, &file).code, Some(0));
    let s = sync();
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert!(
        s.stdout
            .contains("the stored plan of 2026-11 is now the centre's"),
        "{}",
        s.stdout
    );
    let store = SledStore::open(&db).unwrap();
    let plan = store.month_plan(Month(202611)).unwrap().expect("stored");
    assert!(plan
        .targets
        .iter()
        .any(|t| t.product == "npf" && t.per_month == 33));
    drop(store);
    assert_eq!(pg.psql("plan_restate", npf), "33", "and on the server");
    // Once restated, a sync again restates nothing.
    assert!(!sync().stdout.contains("is now the centre's"));
}
