//! `sufler sync` against a real PostgreSQL (tests/common/pg.rs): after every kind of
//! interruption — a batch sent twice, a crash between the server's commit and the
//! watermark, SIGKILL of `sufler sync` at random moments, PostgreSQL stopped in the middle
//! and restarted — a full sync leaves the server holding exactly the workstation's records:
//! the same rows, the same bytes, nothing lost, nothing doubled.

#[path = "common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use chrono::NaiveDateTime;
use pg::Pg;
use sufler::consultation::{Month, Outcome};
use sufler::store::{codec, EventKind, Outbox, SledStore, Store, StoreError};
use sufler::sync::{Server, SyncError, SyncOptions};

fn sufler() -> std::process::Command {
    let mut c = std::process::Command::cargo_bin("sufler").expect("the sufler binary");
    // The messages these tests read are the English ones.
    c.env_remove("SUFLER_SERVER")
        .env_remove("SUFLER_DB")
        .args(["--lang", "en"]);
    c
}

fn demo(db: &Path, consultations: u32, seed: u32) {
    let out = sufler()
        .args([
            "demo",
            "--consultations",
            &consultations.to_string(),
            "--months",
            "2",
        ])
        .args(["--until", "2026-11-30", "--seed", &seed.to_string()])
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn init(url: &str) {
    let out = sufler()
        .args(["server", "init", "--server", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn sync_cli(db: &Path, url: &str, batch: u32) -> Out {
    let out = sufler()
        .args(["sync", "--server", url, "--batch", &batch.to_string()])
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    let o = Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !o.stdout.contains(pg::PASSWORD) && !o.stderr.contains(pg::PASSWORD),
        "the password is printed: {}{}",
        o.stdout,
        o.stderr
    );
    o
}

type CounterRow = (i32, String, String, String, i64, Vec<i64>);

/// Everything of one workstation, as comparable rows.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    consultations: Vec<(i32, i64, Vec<u8>)>,
    offers: i64,
    clients: Vec<(i64, i32, String, bool)>,
    holdings: Vec<(i64, String)>,
    contacts: Vec<(i64, Vec<u8>)>,
    cancellations: Vec<(i64, Vec<u8>)>,
    events: Vec<(i64, String)>,
    counters: Vec<CounterRow>,
}

fn local(db: &Path) -> (Snapshot, i64) {
    let s = SledStore::open_existing(db).unwrap();
    let (lo, hi) = (NaiveDateTime::MIN, NaiveDateTime::MAX);
    let mut consultations = Vec::new();
    let mut offers = 0;
    for c in s.consultations_between(lo, hi) {
        let c = c.unwrap();
        offers += c.offers.len() as i64;
        consultations.push((
            Month::of(c.started_at.date()).0 as i32,
            c.id as i64,
            codec::encode_consultation(&c).unwrap(),
        ));
    }
    consultations.sort();
    let mut clients = Vec::new();
    let mut holdings = Vec::new();
    for c in s.clients() {
        let c = c.unwrap();
        use chrono::Datelike as _;
        clients.push((
            c.id as i64,
            c.birth_date.year(),
            c.segment.clone(),
            c.calls_consent,
        ));
        for h in s.holdings(c.id).unwrap() {
            holdings.push((c.id as i64, h));
        }
    }
    clients.sort();
    holdings.sort();
    let mut contacts: Vec<_> = s
        .contacts_between(lo, hi)
        .map(|k| {
            let k = k.unwrap();
            (k.id as i64, codec::encode_contact(&k).unwrap())
        })
        .collect();
    contacts.sort();
    let mut cancellations: Vec<_> = s
        .cancellations()
        .map(|x| {
            let x = x.unwrap();
            (x.id as i64, codec::encode(&x).unwrap())
        })
        .collect();
    cancellations.sort();
    let mut events: Vec<_> = s
        .events_after(None)
        .map(|e| {
            let (seq, e) = e.unwrap();
            (seq as i64, e.kind.as_str().to_string())
        })
        .collect();
    events.sort();
    let mut counters: Vec<CounterRow> = s
        .tallies_between(Month(0), Month(u32::MAX))
        .unwrap()
        .into_iter()
        .map(|(k, t)| {
            (
                k.month.0 as i32,
                k.officer,
                k.product,
                sufler::store::keys::kind_str(k.kind).to_string(),
                k.variant as i64,
                [
                    t.offered,
                    t.accepted,
                    t.declined,
                    t.thinking,
                    t.consultations,
                    t.main_sold,
                ]
                .map(|n| n as i64)
                .to_vec(),
            )
        })
        .collect();
    counters.sort();
    let ws = s.workstation_id().unwrap() as i64;
    (
        Snapshot {
            consultations,
            offers,
            clients,
            holdings,
            contacts,
            cancellations,
            events,
            counters,
        },
        ws,
    )
}

fn server(url: &str, ws: i64) -> Snapshot {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let q = |c: &mut postgres::Client, sql: &str| c.query(sql, &[&ws]).unwrap();
    let consultations = q(
        &mut c,
        "SELECT month, consultation_id, record FROM consultations WHERE workstation_id = $1 ORDER BY 1, 2",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let offers = q(
        &mut c,
        "SELECT count(*) FROM offers WHERE workstation_id = $1",
    )[0]
    .get(0);
    let clients = q(
        &mut c,
        "SELECT client_id, birth_year, segment, calls_consent FROM clients WHERE workstation_id = $1 ORDER BY 1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect();
    let mut holdings: Vec<(i64, String)> = q(
        &mut c,
        "SELECT client_id, product FROM holdings WHERE workstation_id = $1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    holdings.sort();
    let contacts = q(
        &mut c,
        "SELECT contact_id, record FROM contacts WHERE workstation_id = $1 ORDER BY 1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let cancellations = q(
        &mut c,
        "SELECT cancellation_id, record FROM cancellations WHERE workstation_id = $1 ORDER BY 1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let events = q(
        &mut c,
        "SELECT seq, kind FROM events WHERE workstation_id = $1 ORDER BY 1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut counters: Vec<CounterRow> = q(
        &mut c,
        "SELECT month, officer, product, kind, variant, \
           ARRAY[offered, accepted, declined, thinking, consultations, main_sold] \
         FROM counters WHERE workstation_id = $1",
    )
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
    .collect();
    counters.sort();
    Snapshot {
        consultations,
        offers,
        clients,
        holdings,
        contacts,
        cancellations,
        events,
        counters,
    }
}

/// The server holds exactly the workstation: every table, row for row, byte for byte.
fn assert_same(db: &Path, url: &str) {
    let (local, ws) = local(db);
    let remote = server(url, ws);
    assert!(!local.consultations.is_empty());
    // Field by field first, for a readable failure.
    assert_eq!(
        local.consultations.len(),
        remote.consultations.len(),
        "consultations"
    );
    assert_eq!(local.offers, remote.offers, "offers");
    assert_eq!(local.clients, remote.clients, "clients");
    assert_eq!(local.holdings, remote.holdings, "holdings");
    assert_eq!(local.contacts, remote.contacts, "contacts");
    assert_eq!(local.cancellations, remote.cancellations, "cancellations");
    assert_eq!(local.events, remote.events, "events");
    assert_eq!(local.counters, remote.counters, "counters");
    assert!(local == remote, "the consultations' records differ");
}

/// Changes through the store, as the officer's screen makes them: `n` consultations with
/// an offer's answer turned (the counters move), a client edited, holdings added and taken
/// back. Each is an acknowledged action with its event.
fn change(db: &Path, n: usize) {
    let s = SledStore::open_existing(db).unwrap();
    let all: Vec<_> = s
        .consultations_between(NaiveDateTime::MIN, NaiveDateTime::MAX)
        .map(|c| c.unwrap())
        .filter(|c| c.finished_at.is_some() && !c.offers.is_empty())
        .take(n)
        .collect();
    for mut c in all {
        let o = &mut c.offers[0];
        o.outcome = Some(match o.outcome {
            Some(Outcome::Accepted) => Outcome::Declined,
            _ => Outcome::Accepted,
        });
        o.follow_up = None;
        o.check_in = None;
        s.save(&c, EventKind::Outcome, "changed by the test")
            .unwrap();
    }
    let mut client = s.clients().next().unwrap().unwrap();
    client.segment = format!("{}+", client.segment);
    s.update_client(&client).unwrap();
    s.add_holding(client.id, "test_product").unwrap();
    let other = s.clients().nth(1).unwrap().unwrap();
    s.add_holding(other.id, "gone_soon").unwrap();
    s.remove_holding(other.id, "gone_soon").unwrap();
}

fn sync_lib(db: &Path, url: &str, batch: usize) -> Result<sufler::sync::SyncReport, SyncError> {
    let s = SledStore::open_existing(db).unwrap();
    let server = Server::parse(url).unwrap();
    sufler::sync::sync(&s, &s, &server, SyncOptions::batches_of(batch), &mut |_| {})
}

fn watermark(db: &Path) -> Option<u64> {
    SledStore::open_existing(db).unwrap().sent_up_to().unwrap()
}

fn fresh(name: &str, consultations: u32, seed: u32) -> (tempfile::TempDir, PathBuf, String) {
    let pg = Pg::shared();
    let url = pg.new_database(name);
    init(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db, consultations, seed);
    (dir, db, url)
}

#[test]
fn the_first_sync_sends_everything_and_the_next_nothing() {
    let (_dir, db, url) = fresh("first_sync", 400, 1);
    let r = sync_cli(&db, &url, 64);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("sync: sent "), "{}", r.stdout);
    assert!(r.stdout.contains("(the whole history)"), "{}", r.stdout);
    assert!(r.stdout.contains("postgres:***@"), "{}", r.stdout);
    // The second line says what was pulled: nothing from the centre yet.
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l
                == "sync: received the centre's plan: 0 rows (unchanged); no published catalogue"),
        "{}",
        r.stdout
    );
    assert_same(&db, &url);
    let (_, ws) = local(&db);
    let last = SledStore::open_existing(&db)
        .unwrap()
        .last_event_seq()
        .unwrap();
    assert_eq!(watermark(&db), Some(last));
    let pg = Pg::shared();
    assert_eq!(
        pg.psql(
            "first_sync",
            &format!("SELECT synced_seq FROM workstations WHERE workstation_id = {ws}")
        ),
        last.to_string()
    );
    let again = sync_cli(&db, &url, 64);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(
        again.stdout.starts_with("sync: nothing new since event"),
        "{}",
        again.stdout
    );
    assert_same(&db, &url);
}

#[test]
fn changes_are_sent_and_a_batch_sent_twice_changes_nothing() {
    let (_dir, db, url) = fresh("twice", 300, 2);
    let first = sync_lib(&db, &url, 100).unwrap();
    assert!(first.full && first.changed > 0);
    let before = watermark(&db).unwrap();
    change(&db, 25);
    let r = sync_lib(&db, &url, 10).unwrap();
    assert!(!r.full, "only what changed is sent");
    assert_eq!(r.consultations, 25);
    // 25 consultations and the client edited; holdings and counters are not counted.
    assert_eq!(r.changed, 25 + 1, "{r:?}");
    assert_same(&db, &url);
    // The same batches once more, as after a crash before the watermark moved.
    SledStore::open_existing(&db)
        .unwrap()
        .set_sent_up_to(before)
        .unwrap();
    let again = sync_lib(&db, &url, 10).unwrap();
    assert_eq!(again.consultations, 25);
    assert_eq!(again.changed, 0, "{again:?}");
    assert_same(&db, &url);
    // Everything once more (the demo's bulk load is after 0).
    SledStore::open_existing(&db)
        .unwrap()
        .set_sent_up_to(0)
        .unwrap();
    let all = sync_lib(&db, &url, 50).unwrap();
    assert!(all.full);
    assert_eq!(all.changed, 0, "{all:?}");
    assert_same(&db, &url);
}

/// A store whose watermark cannot be written: the process "dies" right after the server
/// committed.
struct CrashBeforeWatermark<'a>(&'a SledStore);

impl Outbox for CrashBeforeWatermark<'_> {
    fn sent_up_to(&self) -> Result<Option<u64>, StoreError> {
        self.0.sent_up_to()
    }
    fn set_sent_up_to(&self, _: u64) -> Result<(), StoreError> {
        Err(StoreError::Encode(
            "simulated crash before the watermark".into(),
        ))
    }
    fn events_after(
        &self,
        seq: Option<u64>,
    ) -> sufler::store::Records<'_, (u64, sufler::store::Event)> {
        self.0.events_after(seq)
    }
    fn last_event_seq(&self) -> Result<u64, StoreError> {
        self.0.last_event_seq()
    }
}

#[test]
fn a_crash_between_the_commit_and_the_watermark_loses_and_doubles_nothing() {
    let (_dir, db, url) = fresh("crash_watermark", 300, 3);
    let server = Server::parse(&url).unwrap();
    {
        let s = SledStore::open_existing(&db).unwrap();
        let e = sufler::sync::sync(
            &s,
            &CrashBeforeWatermark(&s),
            &server,
            SyncOptions::batches_of(40),
            &mut |_| {},
        );
        assert!(e.is_err());
        assert_eq!(s.sent_up_to().unwrap(), None, "the watermark did not move");
    }
    // Everything is on the server already; the next sync sends it again, changing nothing.
    assert_same(&db, &url);
    let r = sync_lib(&db, &url, 40).unwrap();
    assert_eq!(r.changed, 0, "{r:?}");
    assert_same(&db, &url);
    // After changes: the increments committed in one stretch, then the crash.
    change(&db, 30);
    let crash = |batch: usize| {
        let s = SledStore::open_existing(&db).unwrap();
        let before = s.sent_up_to().unwrap();
        let e = sufler::sync::sync(
            &s,
            &CrashBeforeWatermark(&s),
            &server,
            SyncOptions::batches_of(batch),
            &mut |_| {},
        );
        assert!(e.is_err());
        assert_eq!(
            s.sent_up_to().unwrap(),
            before,
            "the watermark did not move"
        );
    };
    crash(10_000);
    let r = sync_lib(&db, &url, 10_000).unwrap();
    assert_eq!(r.consultations, 30);
    assert_eq!(r.changed, 0, "{r:?}");
    assert_same(&db, &url);
    // Small stretches: the crash after the first; the rest comes with the next sync.
    change(&db, 30);
    crash(7);
    let r = sync_lib(&db, &url, 7).unwrap();
    assert!(r.changed > 0);
    assert_same(&db, &url);
}

/// A small deterministic generator (the seed is printed on failure).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn sigkill_of_sync_at_random_moments_loses_and_doubles_nothing() {
    let (_dir, db, url) = fresh("sigkill", 1500, 4);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("sigkill rounds: seed {seed}");
    let mut rng = Lcg(seed);
    let mut killed = 0;
    for round in 0..20 {
        // Every third round, the officer works in between.
        if round % 3 == 2 {
            change(&db, 15);
        }
        let mut child = sufler()
            .args(["sync", "--server", &url, "--batch", "25", "--db"])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.below(400)));
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed += 1;
        }
    }
    assert!(
        killed >= 5,
        "only {killed} of 20 syncs were killed mid-way (seed {seed})"
    );
    let r = sync_cli(&db, &url, 25);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_same(&db, &url);
}

/// Polls until `sql` on the database gives a number above `above`.
fn wait_for(pg: &Pg, db: &str, sql: &str, above: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let n: i64 = pg.psql(db, sql).parse().unwrap_or(0);
        if n > above {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out waiting for {sql}");
}

#[test]
fn postgres_stopped_mid_sync_then_restarted_loses_and_doubles_nothing() {
    let pg = Pg::start();
    let url = pg.new_database("restart");
    init(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db, 6000, 5);

    // The first, whole-history sync, cut by an immediate shutdown.
    let child = sufler()
        .args(["sync", "--server", &url, "--batch", "20", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&pg, "restart", "SELECT count(*) FROM consultations", 0);
    pg.stop_immediate();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the sync was not cut: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("sufler: cannot reach the server postgresql://postgres:***@")
            || stderr.starts_with("sufler: the server postgresql://postgres:***@"),
        "{stderr}"
    );
    assert!(!stderr.contains(pg::PASSWORD));
    assert_eq!(watermark(&db), None, "the watermark did not move");
    pg.restart();
    pg.wait_ready();
    let r = sync_cli(&db, &url, 500);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_same(&db, &url);

    // Increments, cut the same way after some of their batches committed.
    change(&db, 400);
    let (_, ws) = local(&db);
    let synced: i64 = pg
        .psql(
            "restart",
            &format!("SELECT synced_seq FROM workstations WHERE workstation_id = {ws}"),
        )
        .parse()
        .unwrap();
    let child = sufler()
        .args(["sync", "--server", &url, "--batch", "3", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        &pg,
        "restart",
        &format!("SELECT synced_seq FROM workstations WHERE workstation_id = {ws}"),
        synced,
    );
    pg.stop_immediate();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mark = watermark(&db).unwrap();
    assert!(
        mark > synced as u64,
        "the committed stretches moved the watermark"
    );
    pg.restart();
    pg.wait_ready();
    let r = sync_cli(&db, &url, 3);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_same(&db, &url);
}

#[test]
fn an_unreachable_server_is_one_line_in_the_users_language_and_the_outbox_waits() {
    let (_dir, db, url) = fresh("unreachable", 200, 7);
    assert_eq!(sync_cli(&db, &url, 100).code, Some(0));
    change(&db, 5);
    let before = watermark(&db);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = format!("postgresql://postgres:{}@127.0.0.1:{port}/x", pg::PASSWORD);
    for (lang, start) in [
        (
            "ru",
            "sufler: нет связи с сервером postgresql://postgres:***@127.0.0.1:",
        ),
        (
            "en",
            "sufler: cannot reach the server postgresql://postgres:***@127.0.0.1:",
        ),
    ] {
        let mut c = std::process::Command::cargo_bin("sufler").unwrap();
        let out = c
            .env_remove("SUFLER_SERVER")
            .env_remove("SUFLER_DB")
            .args(["--lang", lang, "sync", "--server", &nowhere, "--db"])
            .arg(&db)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(start), "{stderr}");
        assert!(!stderr.contains(pg::PASSWORD), "{stderr}");
        assert_eq!(watermark(&db), before, "the outbox was touched");
    }
    // What waited goes with the next sync that reaches the server.
    let r = sync_cli(&db, &url, 100);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("sync: sent "), "{}", r.stdout);
    assert_same(&db, &url);
}
