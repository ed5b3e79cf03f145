//! A `--catalog` or `--db` path that cannot be used gets one clear line naming the path and
//! what is wrong, and exit 1, from every command that uses it (issue #12, point 4) — not
//! «File exists (os error 17)», «Permission denied» or "the catalogue has 2 errors".
//!
//! The officer's screen, preview, stats and export speak the interface language (`--lang`,
//! Russian by default); check, demo, verify, backup, restore and forget speak English
//! throughout, and so do their messages here.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

/// `sufler ARGS` in `cwd` with no catalogue or database of this machine around; as the user
/// `nobody` when `nobody` is given (the test runs as root).
fn sufler_in(cwd: &Path, args: &[&str], as_user: Option<&str>) -> Outcome {
    let bin = assert_cmd::cargo::cargo_bin("sufler");
    let mut cmd = match as_user {
        Some(user) => {
            let mut c = StdCommand::new("setpriv");
            c.args([
                &format!("--reuid={user}"),
                "--regid=nogroup",
                "--clear-groups",
                "--",
            ]);
            c.arg(&bin);
            c
        }
        None => StdCommand::new(&bin),
    };
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("HOME", cwd)
        .env("XDG_CONFIG_HOME", cwd.join("config"))
        .env("XDG_DATA_HOME", cwd.join("data"))
        .env("LANG", "C.UTF-8")
        .stdin(std::process::Stdio::null());
    let out = Command::from_std(cmd).output().expect("run sufler");
    Outcome {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn sufler(cwd: &Path, args: &[&str]) -> Outcome {
    sufler_in(cwd, args, None)
}

/// Exit 1 and exactly one line on stderr, `sufler: ` and then `message`.
fn assert_one_line(out: &Outcome, what: &str, message: &str) {
    assert_eq!(out.code, Some(1), "{what}: {}", out.stderr);
    assert_eq!(
        out.stderr,
        format!("sufler: {message}\n"),
        "{what}: one line naming the path"
    );
}

fn tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a tempdir");
    // Open to every user, for the runs as `nobody`.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod the tempdir");
    dir
}

/// Every command that reads the catalogue, with the language its messages are in.
fn catalogue_commands() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (vec![], "ru"),
        (vec!["--lang", "en"], "en"),
        (vec!["check"], "en"),
        (vec!["preview", "deposit"], "ru"),
        (vec!["stats"], "ru"),
        (vec!["stats", "--lang", "en"], "en"),
        (vec!["export", "--format", "csv"], "ru"),
        (vec!["demo", "--clients", "3", "--consultations", "3"], "en"),
    ]
}

#[test]
fn a_catalogue_directory_that_does_not_exist_says_so() {
    let dir = tempdir();
    let missing = dir.path().join("нет-такого");
    let missing_s = missing.display().to_string();
    for (args, lang) in catalogue_commands() {
        let db = dir.path().join(format!("db-{}", args.join("-")));
        let mut all = args.clone();
        all.extend(["--catalog", &missing_s, "--db", db.to_str().unwrap()]);
        let out = sufler(dir.path(), &all);
        let message = match lang {
            "ru" => format!("нет такого каталога: {missing_s}"),
            _ => format!("no such directory: {missing_s}"),
        };
        assert_one_line(&out, &format!("sufler {args:?}"), &message);
    }
}

#[test]
fn a_catalogue_path_that_is_a_file_says_so() {
    let dir = tempdir();
    let file = dir.path().join("products.toml");
    std::fs::write(&file, "").unwrap();
    let file_s = file.display().to_string();
    for (args, lang) in catalogue_commands() {
        let db = dir.path().join(format!("db-{}", args.join("-")));
        let mut all = args.clone();
        all.extend(["--catalog", &file_s, "--db", db.to_str().unwrap()]);
        let out = sufler(dir.path(), &all);
        let message = match lang {
            "ru" => format!(
                "{file_s} — это файл, а не каталог (каталог — это папка с products.toml и scripts/)"
            ),
            _ => format!(
                "{file_s} is a file, not a directory (a catalogue is a directory with products.toml and scripts/)"
            ),
        };
        assert_one_line(&out, &format!("sufler {args:?}"), &message);
    }
}

#[test]
fn a_broken_catalogue_names_the_command_that_shows_its_errors() {
    let dir = tempdir();
    let cat = dir.path().join("мой каталог");
    std::fs::create_dir(&cat).unwrap();
    std::fs::write(cat.join("products.toml"), "[[product]]\nid = \"Bad Id\"\n").unwrap();
    let out = sufler(
        dir.path(),
        &["stats", "--lang", "en", "--catalog", cat.to_str().unwrap()],
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "see them with: sufler check --catalog '{}'",
            cat.display()
        )),
        "{}",
        out.stderr
    );
}

/// Every command that opens a database, with the language its messages are in.
fn database_commands(spare: &Path) -> Vec<(Vec<String>, &'static str)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let dump = spare.join("dump.jsonl").display().to_string();
    vec![
        (s(&[]), "ru"),
        (s(&["--lang", "en"]), "en"),
        (s(&["stats"]), "ru"),
        (s(&["stats", "--lang", "en"]), "en"),
        (s(&["export", "--format", "csv"]), "ru"),
        (s(&["export", "--format", "csv", "--detail"]), "ru"),
        (s(&["verify"]), "en"),
        (s(&["backup", "-o", &dump]), "en"),
        (s(&["restore", &dump]), "en"),
        (s(&["demo", "--clients", "3", "--consultations", "3"]), "en"),
        (s(&["forget", "1"]), "en"),
    ]
}

#[test]
fn a_database_path_that_is_a_file_says_so_for_every_command() {
    let dir = tempdir();
    let file = dir.path().join("sufler.db");
    std::fs::write(&file, "not a database").unwrap();
    let file_s = file.display().to_string();
    for (args, lang) in database_commands(dir.path()) {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["--db", &file_s]);
        let out = sufler(dir.path(), &all);
        let message = match lang {
            "ru" => format!("база данных {file_s} — это файл, а должна быть папка"),
            _ => format!("the database path {file_s} is a file, not a directory"),
        };
        assert_one_line(&out, &format!("sufler {args:?}"), &message);
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "not a database",
        "the file is left as it was"
    );
    // `check` never opens a database (it is the trainer's tool, and must work while the
    // officer's screen holds the database): its --db is not looked at.
    let out = sufler(dir.path(), &["check", "--db", &file_s]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

/// A directory the user cannot write: a database made by root, used by `nobody`. The test
/// runs as root here, and root writes anywhere, so the commands run under `setpriv` as
/// `nobody`; run as another user, the directory is made read-only instead.
#[test]
fn a_database_directory_the_user_cannot_write_says_so_for_every_command() {
    let dir = tempdir();
    let db = dir.path().join("db");
    let out = sufler(
        dir.path(),
        &[
            "demo",
            "--clients",
            "5",
            "--consultations",
            "10",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let root = unsafe { libc::geteuid() } == 0;
    let user = if root {
        let probe = StdCommand::new("setpriv")
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--",
                "true",
            ])
            .status();
        if !matches!(probe, Ok(s) if s.success()) {
            eprintln!(
                "SKIPPED: running as root and `setpriv --reuid=nobody` is not available, \
                 so there is no user the permission check applies to"
            );
            return;
        }
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o755)).unwrap();
        Some("nobody")
    } else {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o555)).unwrap();
        None
    };
    let db_s = db.display().to_string();
    let spare = tempdir();
    for (args, lang) in database_commands(spare.path()) {
        if args.first().map(String::as_str) == Some("restore") {
            continue;
        }
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["--db", &db_s]);
        let out = sufler_in(dir.path(), &all, user);
        let message = match lang {
            "ru" => format!("нельзя записывать в папку базы данных {db_s}: нет прав"),
            _ => format!("cannot write to the database directory {db_s}: permission denied"),
        };
        assert_one_line(&out, &format!("sufler {args:?}"), &message);
    }
    // A directory the user cannot even enter (root's 0700): not "there is no database".
    if root {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o700)).unwrap();
        for args in [vec!["stats", "--lang", "en"], vec!["verify"]] {
            let mut all = args.clone();
            all.extend(["--db", &db_s]);
            let out = sufler_in(dir.path(), &all, user);
            assert_one_line(
                &out,
                &format!("sufler {args:?} on a 0700 directory"),
                &format!("cannot write to the database directory {db_s}: permission denied"),
            );
        }
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // A new database in a directory the user cannot write.
    let new = db.join("new");
    let new_s = new.display().to_string();
    let out = sufler_in(dir.path(), &["--db", &new_s], user);
    assert_one_line(
        &out,
        "the screen",
        &format!("не удаётся создать папку базы данных {new_s}: нет прав"),
    );
    let out = sufler_in(dir.path(), &["restore", "/dev/null", "--db", &new_s], user);
    assert_one_line(
        &out,
        "restore",
        &format!("cannot create the database directory {new_s}: permission denied"),
    );
    if !root {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
