//! Data safety (issue #6): backup and restore through the real binary, damaged dumps, a full
//! disk, a kill during backup, file modes, forget, and the recovery message.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use sufler::consultation::{
    Client, Consultation, Month, Note, Offer, Outcome, Technique, VariantBump,
};
use sufler::store::{
    check_dump, daily_backup, daily_backup_dir, EventKind, Officer, SledStore, Store,
};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, min, 0))
        .expect("valid test date")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn client(last: &str, first: &str, phone: &str) -> Client {
    Client {
        id: 0,
        last_name: last.into(),
        first_name: first.into(),
        patronymic: "Петрович".into(),
        phone: phone.into(),
        birth_date: day(1980, 5, 17),
        segment: "mass".into(),
        calls_consent: false,
    }
}

fn offer(product: &str, technique: Technique, made_at: NaiveDateTime, o: Option<Outcome>) -> Offer {
    Offer {
        product: product.into(),
        technique,
        slot: None,
        stage: "presentation".into(),
        variant: 1,
        made_at,
        outcome: o,
        outcome_at: o.map(|_| made_at),
        disclosures_confirmed: [0, 2].into_iter().collect(),
        follow_up: (o == Some(Outcome::Thinking)).then(|| made_at.date() + chrono::Days::new(3)),
        check_in: None,
    }
}

/// A database with some of everything: two officers (the workstation's sorting first),
/// clients (one to be forgotten by the tests), a holding from before Sufler, finished and
/// unfinished consultations with offers, notes and variant bumps, over two sessions (sled's
/// id generator jumps on reopen).
fn populate(dir: &Path, consultations: usize) -> Vec<Client> {
    let mut clients = Vec::new();
    for session in 0..2u64 {
        let store = SledStore::open(dir).expect("open");
        store
            .save_officer(&Officer {
                name: "Борис".into(),
                branch: "Арбат".into(),
            })
            .expect("officer");
        store
            .save_officer(&Officer {
                name: "Анна".into(),
                branch: "Тверская".into(),
            })
            .expect("officer");
        let added = store
            .add_clients(
                (0..20)
                    .map(|i| {
                        client(
                            &format!("Клиентов{session}x{i}"),
                            "Иван",
                            &format!("7916{session}{i:06}"),
                        )
                    })
                    .collect(),
            )
            .expect("clients");
        store.add_holding(added[0].id, "mortgage").expect("holding");
        let mut batch = Vec::new();
        for n in 0..consultations {
            let cl = &added[n % added.len()];
            let start = at(2024, 3 + (n % 3) as u32, 1 + (n % 27) as u32, 10, 0)
                + chrono::Duration::minutes(n as i64 + 1000 * session as i64);
            let finished = n % 5 != 4;
            let outcomes = [
                Some(Outcome::Accepted),
                Some(Outcome::Declined),
                Some(Outcome::Thinking),
                None,
            ];
            batch.push(Consultation {
                id: store.new_id().expect("id"),
                started_at: start,
                officer: if n % 2 == 0 { "Анна" } else { "Борис" }.into(),
                branch: "Тверская".into(),
                client_id: cl.id,
                main: ["deposit", "credit_card", "consumer_loan"][n % 3].into(),
                stage: n % 4,
                main_outcome: outcomes[n % 3],
                offers: vec![
                    offer("debit_card", Technique::Catch, start, outcomes[n % 4]),
                    offer("npf", Technique::Create, start, outcomes[(n + 1) % 4]),
                ],
                notes: vec![Note {
                    stage: "needs".into(),
                    product: Some("npf".into()),
                    text: format!("заметка «{n}» \"в кавычках\"\n\tи\u{0007}"),
                    at: start,
                }],
                not_receptive: n % 7 == 0,
                create_skip: (n % 3) as u32,
                finished_at: finished.then(|| start + chrono::Duration::minutes(20)),
                variant_bumps: vec![VariantBump {
                    product: "debit_card".into(),
                    technique: Technique::Catch,
                    bumps: 2,
                }],
                main_follow_up: None,
                catalog: None,
                main_check_in: None,
            });
        }
        // In the order they happened, as the screen saves them: the open call backs depend
        // on it (a later answer of the same product closes one), and restore rebuilds them
        // in that order.
        batch.sort_by_key(|c| c.started_at);
        // One consultation saved alone, one batch through save_all.
        if let Some(first) = batch.first() {
            store
                .save(first, EventKind::Started, "deposit")
                .expect("save");
        }
        store
            .save_all(&batch, EventKind::Imported, "test")
            .expect("save_all");
        clients.extend(added);
    }
    clients
}

fn sufler() -> StdCommand {
    StdCommand::new(env!("CARGO_BIN_EXE_sufler"))
}

/// Runs the binary to its end; a hang (a minute) fails the test instead of blocking it.
fn run(cmd: &mut StdCommand) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sufler");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sufler hangs: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn backup(db: &Path, out: &Path) -> Output {
    run(sufler()
        .arg("backup")
        .arg("-o")
        .arg(out)
        .arg("--db")
        .arg(db))
}

fn restore(file: &Path, db: &Path) -> Output {
    run(sufler().arg("restore").arg(file).arg("--db").arg(db))
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
}

/// Everything the store gives back, for comparing two databases.
#[derive(Debug, PartialEq)]
struct Snapshot {
    workstation: Option<Officer>,
    officers: Vec<Option<Officer>>,
    clients: Vec<Client>,
    holdings: Vec<Vec<String>>,
    consultations: Vec<Consultation>,
    tallies: String,
    follow_ups: String,
    rotation: String,
    plan_sold: String,
    unfinished: Vec<Option<Consultation>>,
    events: Vec<String>,
}

fn snapshot(db: &Path) -> Snapshot {
    let store = SledStore::open_existing(db).expect("open");
    let clients: Vec<Client> = store.clients().map(|c| c.expect("client")).collect();
    let names = ["Анна", "Борис"];
    Snapshot {
        workstation: store.workstation_officer().expect("ws"),
        officers: names.iter().map(|n| store.officer(n).expect("o")).collect(),
        holdings: clients
            .iter()
            .map(|c| store.holdings(c.id).expect("h").into_iter().collect())
            .collect(),
        consultations: store
            .consultations_between(at(2000, 1, 1, 0, 0), at(2100, 1, 1, 0, 0))
            .map(|c| c.expect("c"))
            .collect(),
        tallies: format!(
            "{:?}",
            store
                .tallies_between(Month(200001), Month(210001))
                .expect("t")
        ),
        follow_ups: format!(
            "{:?}",
            names
                .iter()
                .map(|n| store.follow_ups(n).expect("f"))
                .collect::<Vec<_>>()
        ),
        rotation: format!(
            "{:?}",
            names
                .iter()
                .map(|n| store.rotation(n).expect("r"))
                .collect::<Vec<_>>()
        ),
        plan_sold: format!(
            "{:?}",
            names
                .iter()
                .map(|n| store.plan_sold(n, Month(202404)).expect("p"))
                .collect::<Vec<_>>()
        ),
        unfinished: names
            .iter()
            .map(|n| store.unfinished(n).expect("u"))
            .collect(),
        events: store
            .events()
            .map(|e| format!("{:?}", e.expect("e")))
            .collect(),
        clients,
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

/// Every file under `dir` is 0600 and every directory 0700.
fn assert_private_tree(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            assert_private_tree(&p);
        } else {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

fn no_leftovers(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".restoring-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn backup_restore_backup_is_byte_identical_and_gives_the_same_database() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let clients = populate(&db, 60);
    {
        let store = SledStore::open(&db).expect("open");
        store.forget_client(clients[3].id).expect("forget");
    }
    let first = tmp.path().join("first.jsonl");
    let out = backup(&db, &first);
    assert_ok(&out, "backup");
    assert!(
        text(&out.stdout).contains("2 officers, 40 clients"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "no progress when piped: {}",
        text(&out.stderr)
    );

    let restored = tmp.path().join("restored");
    let out = restore(&first, &restored);
    assert_ok(&out, "restore");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("verified 120 consultations, 40 clients: ok"),
        "{stdout}"
    );

    let second = tmp.path().join("second.jsonl");
    assert_ok(&backup(&restored, &second), "second backup");
    let (a, b) = (
        std::fs::read(&first).expect("r"),
        std::fs::read(&second).expect("r"),
    );
    assert!(a == b, "the dumps differ");
    assert_eq!(snapshot(&db), snapshot(&restored));

    // The trailer is the SHA-256 of everything before it, checkable by hand.
    let body_end = a[..a.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("lines")
        + 1;
    let digest: String = Sha256::digest(&a[..body_end])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(text(&a[body_end..]).contains(&digest));

    // Fresh ids in the restored database never repeat a restored one, after a reopen too.
    let max_id = {
        let store = SledStore::open_existing(&restored).expect("open");
        let ids = store.clients().map(|c| c.expect("c").id);
        let events = store.events().map(|e| e.expect("e").0);
        ids.chain(events).max().expect("some")
    };
    for _ in 0..2 {
        let store = SledStore::open_existing(&restored).expect("open");
        let before = store.events().count();
        let c = store
            .add_client(client("Новый", "Клиент", "79990000000"))
            .expect("add");
        assert!(c.id > max_id, "{} <= {max_id}", c.id);
        let events: Vec<u64> = store.events().map(|e| e.expect("e").0).collect();
        assert_eq!(events.len(), before + 1, "no event overwritten");
        assert!(events.last().is_some_and(|&s| s > max_id));
    }
    no_leftovers(tmp.path());
}

#[test]
fn restore_refuses_a_non_empty_target_and_accepts_an_empty_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 3);
    let dump = tmp.path().join("d.jsonl");
    assert_ok(&backup(&db, &dump), "backup");

    let out = restore(&dump, &db);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{} is not empty", db.display())),
        "{err}"
    );

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    assert_ok(&restore(&dump, &empty), "restore into an empty directory");
    assert!(empty.join("db").is_file());
}

/// Writes `lines` (each without its `\n`) with a correct trailer, as a tampering tool would.
fn with_fresh_trailer(lines: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    for l in lines {
        body.extend_from_slice(l.as_bytes());
        body.push(b'\n');
    }
    let digest: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    body.extend_from_slice(format!("{{\"end\":{{\"sha256\":\"{digest}\"}}}}\n").as_bytes());
    body
}

#[test]
fn damaged_dumps_are_refused_with_a_located_message_and_nothing_is_made() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 5);
    let good_path = tmp.path().join("good.jsonl");
    assert_ok(&backup(&db, &good_path), "backup");
    let good = std::fs::read_to_string(&good_path).expect("read");
    let lines: Vec<&str> = good.lines().collect();
    let n = lines.len();
    let body = &lines[..n - 1];

    let mut cases: Vec<(&str, Vec<u8>, String)> = Vec::new();
    cases.push((
        "cut in the middle of a line",
        good.as_bytes()[..good.len() / 2].to_vec(),
        "truncated".into(),
    ));
    cases.push((
        "cut at a line end, no trailer",
        (body.join("\n") + "\n").into_bytes(),
        format!(":{}: the file ends without its trailer", n),
    ));
    cases.push(("empty", Vec::new(), ":1: the file is empty".into()));
    let mut swapped: Vec<&str> = lines.clone();
    swapped.swap(3, n - 3);
    cases.push((
        "two lines swapped",
        (swapped.join("\n") + "\n").into_bytes(),
        ":5: a client record after the events".into(),
    ));
    let mut same_kind: Vec<&str> = lines.clone();
    same_kind.swap(4, 5);
    cases.push((
        "two clients swapped",
        (same_kind.join("\n") + "\n").into_bytes(),
        ":6: this client is out of order".into(),
    ));
    let trailer = lines[n - 1];
    // One hex digit of the checksum changed in place (not the first equal character of the
    // line, which may be a letter of "sha256").
    let flipped = format!(
        "{}{}{}",
        &trailer[..20],
        if &trailer[20..21] == "0" { "1" } else { "0" },
        &trailer[21..]
    );
    let mut altered_sum: Vec<&str> = lines.clone();
    altered_sum[n - 1] = &flipped;
    cases.push((
        "checksum altered",
        (altered_sum.join("\n") + "\n").into_bytes(),
        format!(":{n}: checksum mismatch"),
    ));
    let renamed = lines[4].replace("Клиентов", "Клиентоу");
    let mut altered: Vec<&str> = lines.clone();
    altered[4] = &renamed;
    cases.push((
        "a record altered",
        (altered.join("\n") + "\n").into_bytes(),
        format!(":{n}: checksum mismatch"),
    ));
    let header = lines[0].replace("\"clients\":40", "\"clients\":41");
    assert_ne!(header, lines[0]);
    let mut recount: Vec<&str> = body.to_vec();
    recount[0] = &header;
    cases.push((
        "a count altered, checksum recomputed",
        with_fresh_trailer(&recount),
        format!(":{n}: the header announces"),
    ));
    let mut dropped: Vec<&str> = body.to_vec();
    dropped.remove(10);
    cases.push((
        "a record removed, checksum recomputed",
        with_fresh_trailer(&dropped),
        format!(":{}: the header announces", n - 1),
    ));
    let mut twice: Vec<&str> = body.to_vec();
    twice.insert(10, body[10]);
    cases.push((
        "a record repeated, checksum recomputed",
        with_fresh_trailer(&twice),
        ":12: this client is out of order or repeated".into(),
    ));
    let bad_json = lines[6].replacen("{\"client\":{", "{\"client\":{,", 1);
    let mut broken: Vec<&str> = body.to_vec();
    broken[6] = &bad_json;
    cases.push((
        "broken JSON, checksum recomputed",
        with_fresh_trailer(&broken),
        ":7: column 12: not a backup record".into(),
    ));
    let extra = good.clone() + "{}\n";
    cases.push((
        "data after the trailer",
        extra.into_bytes(),
        format!(":{}: data after the trailer", n + 1),
    ));
    cases.push((
        "not a backup",
        b"id,name\n1,x\n".to_vec(),
        ":1: column 1: not a sufler backup".into(),
    ));

    for (what, bytes, expected) in cases {
        let file = tmp.path().join("bad.jsonl");
        std::fs::write(&file, &bytes).expect("write");
        let target = tmp.path().join("target");
        let out = restore(&file, &target);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(&format!("{}", file.display())) && err.contains(&expected),
            "{what}: expected `{expected}` in: {err}"
        );
        assert!(err.contains("nothing was created"), "{what}: {err}");
        assert!(!target.exists(), "{what}: a target was made");
        assert!(!err.contains("panicked"), "{what}: {err}");
        no_leftovers(tmp.path());
    }
}

fn largest_file(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            if p.is_dir() {
                largest_file(&p)
            } else {
                std::fs::metadata(&p).map_or(0, |m| m.len())
            }
        })
        .max()
        .unwrap_or(0)
}

/// Runs the binary with its file size limit at `limit` bytes and SIGXFSZ ignored, so that
/// writes past it fail with EFBIG as on a full disk.
fn with_fsize_limit(cmd: &mut StdCommand, limit: u64) -> &mut StdCommand {
    // SAFETY: between fork and exec only async-signal-safe calls (setrlimit, signal).
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        })
    }
}

#[test]
fn a_full_disk_fails_cleanly_and_leaves_the_database_readable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 10);
    {
        // Notes of control characters: 1 byte each in the database, 6 (`\u0001`) in the
        // dump, so the dump outgrows every database file and a size limit between the two
        // lets the database work while the dump cannot be written.
        let store = SledStore::open(&db).expect("open");
        let mut cs = Vec::new();
        for c in store.consultations_between(at(2000, 1, 1, 0, 0), at(2100, 1, 1, 0, 0)) {
            let mut c = c.expect("c");
            c.notes[0].text = "\u{1}".repeat(20_000);
            cs.push(c);
        }
        store.save_all(&cs, EventKind::Edited, "fat").expect("save");
    }
    let full = tmp.path().join("full.jsonl");
    assert_ok(&backup(&db, &full), "backup");
    let size = std::fs::metadata(&full).expect("m").len();
    let biggest = largest_file(&db);
    assert!(size > biggest * 2, "dump {size}, database file {biggest}");
    let limit = biggest + (size - biggest) / 2;

    // Backup: the dump hits the limit.
    let out_file = tmp.path().join("b.jsonl");
    let out = run(with_fsize_limit(
        sufler()
            .arg("backup")
            .arg("-o")
            .arg(&out_file)
            .arg("--db")
            .arg(&db),
        limit,
    ));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("backup failed") && err.contains("too large"),
        "{err}"
    );
    assert!(!out_file.exists());
    no_leftovers(tmp.path());
    let out = run(sufler().arg("verify").arg("--db").arg(&db));
    assert_ok(&out, "verify after the failed backup");

    // Restore: the new database hits the limit.
    let target = tmp.path().join("t");
    let out = run(with_fsize_limit(
        sufler().arg("restore").arg(&full).arg("--db").arg(&target),
        64 * 1024,
    ));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("restore failed, nothing was created"), "{err}");
    assert!(!target.exists());
    no_leftovers(tmp.path());

    // A change to the database itself: refused or done, never damaging.
    let out = run(with_fsize_limit(
        sufler().args(["forget", "1"]).arg("--db").arg(&db),
        4096,
    ));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    let out = run(sufler().arg("verify").arg("--db").arg(&db));
    assert_ok(&out, "verify after a write on a full disk");
    let again = tmp.path().join("again.jsonl");
    assert_ok(&backup(&db, &again), "backup after a full disk");
}

#[test]
fn a_kill_during_backup_leaves_no_half_file_under_the_final_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 1500);
    let reference = tmp.path().join("ref.jsonl");
    let started = Instant::now();
    assert_ok(&backup(&db, &reference), "backup");
    let full = started.elapsed();
    let expected = std::fs::read(&reference).expect("read");
    let out = tmp.path().join("killed.jsonl");
    for round in 0..8u32 {
        let _ = std::fs::remove_file(&out);
        let mut child = sufler()
            .arg("backup")
            .arg("-o")
            .arg(&out)
            .arg("--db")
            .arg(&db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(full * round / 8);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if out.exists() {
            assert_eq!(
                std::fs::read(&out).expect("read"),
                expected,
                "round {round}"
            );
        }
        // Temporary files of killed runs may stay (named `.NAME.tmp-PID`); never the name.
        for entry in std::fs::read_dir(tmp.path()).expect("dir") {
            let name = entry.expect("e").file_name().to_string_lossy().into_owned();
            if name.contains(".tmp-") {
                assert!(name.starts_with(".killed.jsonl.tmp-"), "{name}");
                std::fs::remove_file(tmp.path().join(&name)).expect("rm");
            }
        }
    }
    assert_ok(&run(sufler().arg("verify").arg("--db").arg(&db)), "verify");
}

#[test]
fn every_file_written_is_owner_only_whatever_the_umask() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let clients = populate(&db, 5);
    // A database made with a lax umask is tightened when sufler opens it.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(db.join("db"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let lax = |cmd: &mut StdCommand| -> Output {
        // SAFETY: umask is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0o022);
                Ok(())
            });
        }
        run(cmd)
    };
    let dump = tmp.path().join("d.jsonl");
    assert_ok(
        &lax(sufler()
            .arg("backup")
            .arg("-o")
            .arg(&dump)
            .arg("--db")
            .arg(&db)),
        "backup",
    );
    assert_eq!(mode(&dump), 0o600);
    assert_private_tree(&db);
    let target = tmp.path().join("deep/new/restored");
    assert_ok(
        &lax(sufler().arg("restore").arg(&dump).arg("--db").arg(&target)),
        "restore",
    );
    assert_private_tree(&target);
    assert_eq!(mode(&tmp.path().join("deep")), 0o700);
    assert_ok(
        &lax(sufler()
            .arg("forget")
            .arg(clients[0].id.to_string())
            .arg("--db")
            .arg(&target)),
        "forget",
    );
    assert_private_tree(&target);

    // Daily backups: a private directory beside the database, private files, the last N.
    let store = SledStore::open_existing(&db).expect("open");
    let dir = daily_backup_dir(&db);
    assert_eq!(
        dir,
        tmp.path()
            .join("db-backups")
            .canonicalize()
            .unwrap_or(dir.clone())
    );
    for d in 1..=4 {
        let made = daily_backup(&store, 2, day(2024, 6, d)).expect("daily");
        assert!(made.is_some());
        assert_eq!(
            daily_backup(&store, 2, day(2024, 6, d)).expect("again"),
            None
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["sufler-2024-06-03.jsonl", "sufler-2024-06-04.jsonl"]
    );
    assert_private_tree(&dir);
    assert_eq!(daily_backup(&store, 0, day(2024, 6, 9)).expect("off"), None);
}

#[test]
fn forget_erases_the_person_keeps_the_figures_and_the_backup_holds_no_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let clients = populate(&db, 30);
    let victim = &clients[5];
    let before = snapshot(&db);

    let out = run(sufler().args(["forget", "999999999"]).arg("--db").arg(&db));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("there is no client 999999999 in"),
        "{}",
        text(&out.stderr)
    );
    let out = run(sufler().args(["forget", "Иванов"]).arg("--db").arg(&db));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("`Иванов` is not a client id"));

    let out = run(sufler()
        .arg("forget")
        .arg(victim.id.to_string())
        .arg("--db")
        .arg(&db));
    assert_ok(&out, "forget");
    assert!(text(&out.stdout).contains(&format!("client {} forgotten", victim.id)));

    let after = snapshot(&db);
    assert_eq!(before.consultations, after.consultations);
    assert_eq!(before.tallies, after.tallies);
    let gone = after
        .clients
        .iter()
        .find(|c| c.id == victim.id)
        .expect("the record stays");
    assert!(gone.last_name.is_empty() && gone.first_name.is_empty() && gone.phone.is_empty());
    let store = SledStore::open_existing(&db).expect("open");
    let logged = store
        .events()
        .map(|e| e.expect("e").1)
        .any(|e| e.kind == EventKind::ClientForgotten && e.client == Some(victim.id));
    assert!(logged, "the forget is in the event log");
    assert!(store
        .search_clients(&victim.last_name, 10)
        .expect("s")
        .is_empty());
    drop(store);

    let dump = tmp.path().join("d.jsonl");
    assert_ok(&backup(&db, &dump), "backup");
    let dumped = std::fs::read_to_string(&dump).expect("read");
    assert!(
        !dumped.contains(&victim.last_name),
        "the surname is in the backup"
    );
    assert!(
        !dumped.contains(&victim.phone),
        "the phone is in the backup"
    );
    assert!(dumped.contains(&clients[6].last_name), "others are kept");
}

#[test]
fn a_damaged_database_names_its_path_and_points_to_restore() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 20);
    let store = SledStore::open_existing(&db).expect("open");
    let daily = daily_backup(&store, 3, day(2024, 6, 1))
        .expect("daily")
        .expect("made");
    drop(store);
    // Overwrite the data file with noise.
    let len = std::fs::metadata(db.join("db")).expect("m").len() as usize;
    let mut x: u32 = 12345;
    let noise: Vec<u8> = (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    std::fs::write(db.join("db"), noise).expect("damage");
    let started = Instant::now();
    let out = run(sufler()
        .arg("backup")
        .arg("-o")
        .arg(tmp.path().join("x.jsonl"))
        .arg("--db")
        .arg(&db));
    assert!(started.elapsed() < Duration::from_secs(20));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(
        err.contains("looks damaged") && err.contains("sufler restore"),
        "{err}"
    );
    assert!(err.contains(&daily.display().to_string()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // And the way back works.
    let back = tmp.path().join("back");
    assert_ok(&restore(&daily, &back), "restore from the daily backup");
}

#[test]
fn check_dump_reads_what_backup_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    populate(&db, 4);
    let dump = tmp.path().join("d.jsonl");
    assert_ok(&backup(&db, &dump), "backup");
    let bytes = std::fs::read(&dump).expect("read");
    let header = check_dump(&bytes[..], "d.jsonl").expect("valid");
    assert_eq!(header.counts.consultations, 8);
    assert_eq!(header.counts.officers, 2);
    let per_kind: BTreeMap<String, usize> =
        text(&bytes)
            .lines()
            .skip(1)
            .fold(BTreeMap::new(), |mut m, l| {
                let kind = l[2..].split('"').next().unwrap_or("").to_string();
                *m.entry(kind).or_default() += 1;
                m
            });
    assert_eq!(per_kind.get("end"), Some(&1));
    assert_eq!(
        per_kind.get("holding"),
        Some(&header.counts.holdings.try_into().unwrap_or(0))
    );
}
