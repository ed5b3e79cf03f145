//! `sufler server init` against a real PostgreSQL (tests/common/pg.rs): the schema made from
//! the migrations, a second run doing nothing, a newer schema refused, client names only
//! when accepted, TLS when the URL asks for it, and the password in no output.

#[path = "common/pg.rs"]
mod pg;

use assert_cmd::Command;
use pg::Pg;

fn sufler() -> Command {
    let mut c = Command::cargo_bin("sufler").expect("the sufler binary");
    // The messages these tests read are the English ones.
    c.env_remove("SUFLER_SERVER")
        .env_remove("SUFLER_DB")
        .args(["--lang", "en"]);
    c
}

struct Run {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("run sufler");
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_no_password(r: &Run) {
    assert!(
        !r.stdout.contains(pg::PASSWORD) && !r.stderr.contains(pg::PASSWORD),
        "the password is printed:\n{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn init_makes_the_schema_and_twice_does_nothing() {
    let pg = Pg::shared();
    let url = pg.new_database("init_twice");
    let first = run(sufler().args(["server", "init", "--server", &url]));
    assert!(first.ok, "{}{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains(
            "now holds schema version 2, created (0001_central_store, 0002_from_the_centre)"
        ),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("postgres:***@127.0.0.1"),
        "{}",
        first.stdout
    );
    assert!(first
        .stdout
        .contains("client names and phones stay on the workstations"));
    assert_no_password(&first);
    let tables = pg.psql(
        "init_twice",
        "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class \
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') \
           AND NOT relispartition",
    );
    for t in [
        "cancellations",
        "catalogue_versions",
        "clients",
        "consultations",
        "contacts",
        "counter_months",
        "counters",
        "events",
        "holdings",
        "month_plans",
        "offers",
        "central_plans",
        "published_catalogues",
        "officers",
        "schema_migrations",
        "server_settings",
        "workstations",
    ] {
        assert!(
            tables.split(',').any(|x| x == t),
            "no table {t} in {tables}"
        );
    }
    // Every primary key of the records starts with workstation_id (Citus distributes by it);
    // what the centre sends every workstation (plans, published catalogues) is not keyed by
    // one: reference tables.
    let keys = pg.psql(
        "init_twice",
        "SELECT c.relname || ':' || a.attname FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0] \
         WHERE i.indisprimary AND c.relnamespace = 'public'::regnamespace AND NOT c.relispartition \
           AND c.relname NOT IN ('schema_migrations', 'server_settings', 'central_plans', 'published_catalogues') ORDER BY 1",
    );
    for line in keys.lines() {
        assert!(line.ends_with(":workstation_id"), "{line}");
    }
    assert_eq!(keys.lines().count(), 13, "{keys}");
    let partitioned = pg.psql(
        "init_twice",
        "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_partitioned_table p \
         JOIN pg_class c ON c.oid = p.partrelid",
    );
    assert_eq!(partitioned, "consultations,contacts,counters,events,offers");

    // Again, from SUFLER_SERVER: nothing to do, nothing changed.
    let second = run(sufler().args(["server", "init"]).env("SUFLER_SERVER", &url));
    assert!(second.ok, "{}", second.stderr);
    assert!(
        second
            .stdout
            .contains("is at schema version 2 already; nothing to do"),
        "{}",
        second.stdout
    );
    assert_no_password(&second);
    assert_eq!(
        pg.psql("init_twice", "SELECT count(*) FROM schema_migrations"),
        "2"
    );
}

#[test]
fn a_newer_server_schema_is_refused_with_one_line() {
    let pg = Pg::shared();
    let url = pg.new_database("init_newer");
    assert!(run(sufler().args(["server", "init", "--server", &url])).ok);
    pg.psql(
        "init_newer",
        "INSERT INTO schema_migrations (version, name) VALUES (3, '0003_from_the_future')",
    );
    let r = run(sufler().args(["server", "init", "--server", &url]));
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("has schema version 3, newer than this sufler knows (2): use a newer sufler"),
        "{}",
        r.stderr
    );
    assert_no_password(&r);
    // sync refuses it too, before touching anything.
    let db = tempfile::tempdir().unwrap();
    let dbp = db.path().join("db");
    sufler_demo(&dbp, 20);
    let s = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&dbp));
    assert_eq!(s.code, Some(1));
    assert!(
        s.stderr.contains("newer than this sufler knows"),
        "{}",
        s.stderr
    );
    assert_eq!(
        pg.psql("init_newer", "SELECT count(*) FROM workstations"),
        "0"
    );
}

fn sufler_demo(db: &std::path::Path, consultations: u32) {
    let r = run(sufler()
        .args([
            "demo",
            "--consultations",
            &consultations.to_string(),
            "--months",
            "1",
        ])
        .args(["--until", "2026-11-30", "--seed", "3"])
        .arg("--db")
        .arg(db));
    assert!(r.ok, "{}", r.stderr);
}

#[test]
fn sync_before_init_says_what_to_run() {
    let pg = Pg::shared();
    let url = pg.new_database("not_initialised");
    let db = tempfile::tempdir().unwrap();
    let dbp = db.path().join("db");
    sufler_demo(&dbp, 10);
    let r = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&dbp));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("run `sufler server init` first"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    assert_no_password(&r);
}

#[test]
fn the_password_is_in_no_message() {
    let pg = Pg::shared();
    let url = pg.new_database("masked");
    // A wrong password: refused by the server, the wrong one masked as well.
    let wrong = url.replace(pg::PASSWORD, "Wr0ng-Pa55");
    let r = run(sufler().args(["server", "init", "--server", &wrong]));
    assert_eq!(r.code, Some(1));
    assert!(!r.stderr.contains("Wr0ng-Pa55"), "{}", r.stderr);
    assert!(r.stderr.contains("postgres:***@127.0.0.1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("password authentication failed"),
        "{}",
        r.stderr
    );
    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = format!("postgresql://postgres:{}@127.0.0.1:{port}/x", pg::PASSWORD);
    let r = run(sufler().args(["server", "init", "--server", &nowhere]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .starts_with("sufler: cannot reach the server postgresql://postgres:***@"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert_no_password(&r);
    // A malformed URL.
    let bad = format!(
        "postgresql://postgres:{}@127.0.0.1:notaport/x",
        pg::PASSWORD
    );
    let r = run(sufler().args(["server", "init", "--server", &bad]));
    assert_eq!(r.code, Some(1));
    assert_no_password(&r);
    // No server at all.
    let r = run(sufler().args(["server", "init"]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("use --server URL or set SUFLER_SERVER"),
        "{}",
        r.stderr
    );
    // --help shows no value of SUFLER_SERVER.
    let r = run(sufler().args(["sync", "--help"]).env("SUFLER_SERVER", &url));
    assert!(r.ok);
    assert_no_password(&r);
}

#[test]
fn client_names_are_accepted_only_when_the_server_says_so() {
    let pg = Pg::shared();
    let url = pg.new_database("names");
    assert!(run(sufler().args(["server", "init", "--server", &url])).ok);
    let db = tempfile::tempdir().unwrap();
    let dbp = db.path().join("db");
    sufler_demo(&dbp, 30);
    let r = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&dbp));
    assert!(r.ok, "{}", r.stderr);
    assert_no_password(&r);
    let sql = "SELECT count(*), count(last_name), count(phone), count(birth_date) FROM clients";
    let counts = pg.psql("names", sql);
    let clients: u32 = counts.split('|').next().unwrap().parse().unwrap();
    assert!(clients > 0);
    assert_eq!(counts, format!("{clients}|0|0|0"));

    let r = run(sufler().args(["server", "init", "--accept-client-names", "--server", &url]));
    assert!(r.ok);
    assert!(r.stdout.contains("accepted from now on"), "{}", r.stdout);
    // The clients come again only when they change; a database never synced sends them all.
    let db2 = tempfile::tempdir().unwrap();
    let dbp2 = db2.path().join("db");
    sufler_demo(&dbp2, 30);
    let r = run(sufler()
        .args(["sync", "--server", &url])
        .arg("--db")
        .arg(&dbp2));
    assert!(r.ok, "{}", r.stderr);
    let named = pg.psql(
        "names",
        "SELECT count(*) FROM clients WHERE last_name IS NOT NULL AND phone IS NOT NULL",
    );
    assert_eq!(named, clients.to_string());
}

#[test]
fn tls_is_used_when_the_url_asks_for_it() {
    let pg = Pg::start();
    // A self-signed certificate; the server then offers TLS.
    let dir = pg.dir().join("data");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-newkey", "rsa:2048", "-keyout"])
        .arg(dir.join("server.key"))
        .arg("-out")
        .arg(dir.join("server.crt"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    std::process::Command::new("chown")
        .arg("postgres:postgres")
        .arg(dir.join("server.key"))
        .arg(dir.join("server.crt"))
        .status()
        .ok();
    std::process::Command::new("chmod")
        .arg("600")
        .arg(dir.join("server.key"))
        .status()
        .unwrap();
    let url = pg.new_database("tls");
    // Without ssl on the server, sslmode=require cannot connect.
    let r = run(sufler().args([
        "server",
        "init",
        "--server",
        &format!("{url}?sslmode=require"),
    ]));
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("cannot reach the server"), "{}", r.stderr);
    assert_no_password(&r);

    // TLS on, and TCP without it refused: a connection that works is encrypted.
    let hba = dir.join("pg_hba.conf");
    let rules = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("hostnossl all all 127.0.0.1/32 reject\n{rules}"),
    )
    .unwrap();
    pg.psql("postgres", "ALTER SYSTEM SET ssl = on");
    pg.psql("postgres", "SELECT pg_reload_conf()");
    let r = run(sufler().args([
        "server",
        "init",
        "--server",
        &format!("{url}?sslmode=disable"),
    ]));
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let r = run(sufler().args([
        "server",
        "init",
        "--server",
        &format!("{url}?sslmode=require"),
    ]));
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("?sslmode=require"), "{}", r.stdout);
    assert_no_password(&r);
    // verify-full against a self-signed certificate it does not trust: refused.
    let r = run(sufler().args([
        "server",
        "init",
        "--server",
        &format!("{url}?sslmode=verify-full"),
    ]));
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("cannot reach the server"), "{}", r.stderr);
    // Trusting that certificate (it names localhost): accepted.
    let trusted = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        url.replace("127.0.0.1", "localhost"),
        dir.join("server.crt").display()
    );
    let r = run(sufler().args(["server", "init", "--server", &trusted]));
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
}
