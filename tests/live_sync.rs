//! Live sync in the officer's screen (DESIGN §10, issue #17), end to end: the real binary in a
//! pseudo-terminal with `--server`, against a PostgreSQL cluster of the test's own.
//!
//! Before the day the centre imports a plan (a branch-wide target and the officer's own for
//! the pension programme, the investment account's taken off) and publishes a catalogue
//! with the deposit renamed. At the screen: home's gauges follow the centre's plan, the
//! published deposit is offered and the consultation records the published version; each
//! new client is on the server within 5 s; PostgreSQL stopped, the footer says how much
//! waits and that there is no connection while the officer goes on adding clients;
//! restarted, everything arrives, once.

#[allow(dead_code)]
mod common;
#[path = "common/pg.rs"]
mod pg;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use common::pty::{key, Sandbox, Tui, BRANCH, OFFICER};
use pg::Pg;
use sufler::store::{Outbox, SledStore, Store};
use sufler::tui::text::{self, Lang};

const DAY: &str = "2026-12-01";
const PUBLISHED_DEPOSIT: &str = "Вклад «Доходный центр»";
const LABEL: &str = "2026-12-центр";

fn sufler(args: &[&str]) -> std::process::Output {
    std::process::Command::cargo_bin("sufler")
        .expect("the sufler binary")
        .env_remove("SUFLER_SERVER")
        .env_remove("SUFLER_DB")
        .args(["--lang", "en"])
        .args(args)
        .output()
        .expect("run sufler")
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bundled catalogue as a trainer's directory, the deposit renamed and relabelled.
fn published_catalogue(dir: &Path) {
    for source in sufler::catalog::bundled_sources() {
        let path = dir.join(&source.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let mut text = source.text.replace("Вклад «Доходный»", PUBLISHED_DEPOSIT);
        if source.path == "products.toml" {
            // Whatever the bundled label is: the published one is ours.
            text = text
                .lines()
                .map(|l| {
                    if l.starts_with("version = ") {
                        format!("version = \"{LABEL}\"")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        std::fs::write(path, text).expect("write");
    }
}

fn count(pg: &Pg, sql: &str) -> u64 {
    pg.psql("live", sql).trim().parse().expect("a count")
}

/// Waits at most `limit` for `sql` to count `want`; how long it took.
fn arrives(pg: &Pg, sql: &str, want: u64, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let n = count(pg, sql);
        if n == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "`{sql}` is {n}, not {want}, after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The count in the footer's `ждёт отправки: N · нет связи`.
fn waiting(tui: &Tui) -> u64 {
    let screen = tui.screen();
    let at = screen
        .find("ждёт отправки: ")
        .expect("the footer counts what waits");
    screen[at + "ждёт отправки: ".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a count")
}

struct Officer {
    tui: Tui,
}

impl Officer {
    fn wait_home(&self) {
        let tx = text::t(Lang::Ru);
        self.tui.wait_for_all(&[
            &format!("{} · {}", tx.app_name, tx.home_title),
            &format!("{OFFICER} · {BRANCH} · 01.12.2026"),
        ]);
    }

    /// From home: a new client, saved; back on home.
    fn add_client(&mut self, last: &str, phone: &str) {
        let tx = text::t(Lang::Ru);
        self.tui.press("+", tx.new_client_intro);
        for field in [last, "Ольга", "Ивановна", phone, "05.05.1980"] {
            self.tui.send(field);
            self.tui.send(key::TAB);
        }
        self.tui.wait_for("05.05.1980");
        self.tui.send(key::ENTER);
        self.tui.wait_for(tx.client_added);
        self.home();
    }

    /// Esc until home.
    fn home(&mut self) {
        let tx = text::t(Lang::Ru);
        let title = format!("{} · {}", tx.app_name, tx.home_title);
        for _ in 0..3 {
            if self.tui.screen().contains(&title) {
                break;
            }
            self.tui.send(key::ESC);
            std::thread::sleep(Duration::from_millis(200));
        }
        self.wait_home();
    }
}

#[test]
fn actions_reach_the_server_the_screen_works_on_offline_and_everything_arrives_once() {
    let pg = Pg::start();
    let url = pg.new_database("live");
    ok(&sufler(&["server", "init", "--server", &url]));
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.csv");
    std::fs::write(
        &plan,
        format!(
            "month,branch,officer,product,target\n2026-12,{BRANCH},,npf,25\n2026-12,{BRANCH},{OFFICER},npf,40\n2026-12,{BRANCH},,iis,0\n2026-12,Северный,,npf,99\n"
        ),
    )
    .expect("write the plan");
    ok(&sufler(&[
        "plan",
        "import",
        plan.to_str().expect("utf-8"),
        "--server",
        &url,
    ]));
    let cat = tmp.path().join("published");
    published_catalogue(&cat);
    ok(&sufler(&[
        "--catalog",
        cat.to_str().expect("utf-8"),
        "publish",
        "--server",
        &url,
    ]));

    let sandbox = Sandbox::new();
    let tui = Tui::spawn_env(
        &sandbox,
        &sandbox.args(&["--server", &url]),
        120,
        40,
        &[("SUFLER_TODAY", DAY)],
    );
    let mut o = Officer { tui };
    o.wait_home();
    o.tui.wait_for("синхронизировано ");

    // The first client: on the server within 5 s; home, drawn again, has the centre's plan.
    o.add_client("Смирнова", "+7 916 123-45-67");
    let took = arrives(
        &pg,
        "SELECT count(*) FROM clients",
        1,
        Duration::from_secs(5),
    );
    eprintln!("the first client reached the server in {took:?}");
    o.tui.wait_for("Пенсионная программа НПФ");
    o.tui.wait_for("  0 / 40");
    o.tui
        .assert_absent("Индивидуальный инвестиционный счёт (ИИС)");
    o.tui.wait_for("синхронизировано ");

    // A consultation on the published catalogue: its deposit is offered.
    let tx = text::t(Lang::Ru);
    o.tui.press("/", "");
    o.tui.send("Смирнова");
    o.tui.wait_for("Смирнова Ольга Ивановна");
    o.tui.send(key::ENTER);
    o.tui.wait_for(tx.client_title);
    o.tui.press(key::ENTER, tx.choose_question);
    o.tui.wait_for(PUBLISHED_DEPOSIT);
    let n = o.tui.number_of(PUBLISHED_DEPOSIT);
    o.tui
        .press(&n.to_string(), &format!("▶ {n} {PUBLISHED_DEPOSIT}"));
    o.tui.send(key::ENTER);
    o.tui.wait_for(&format!("· {PUBLISHED_DEPOSIT}"));
    o.tui.wait_gone(tx.saving);
    o.tui.press(key::ESC, tx.confirm_leave_title);
    o.tui.send("y");
    o.home();
    arrives(
        &pg,
        "SELECT count(*) FROM consultations",
        1,
        Duration::from_secs(5),
    );

    // The server goes; the officer goes on, and the footer says what waits.
    pg.stop_immediate();
    o.add_client("Кузнецова", "+7 903 555-12-34");
    o.tui.wait_for("· нет связи");
    let waiting = waiting(&o.tui);
    assert!(waiting >= 1, "the new client waits");
    o.add_client("Орлова", "+7 926 111-22-33");
    // One more event waits, and the footer counts it.
    o.tui
        .wait_for(&format!("ждёт отправки: {} · нет связи", waiting + 1));

    // Back: everything arrives, and the footer says so.
    pg.restart();
    o.tui.wait_for("синхронизировано ");
    o.tui.assert_absent("нет связи");
    arrives(
        &pg,
        "SELECT count(*) FROM clients",
        3,
        Duration::from_secs(5),
    );

    o.tui.press("q", tx.confirm_quit_title);
    o.tui.send("y");
    let status = o.tui.wait_exit();
    assert!(status.success(), "sufler exited with {status:?}");

    let store = SledStore::open_existing(&sandbox.db()).expect("open");
    let last = store.last_event_seq().expect("last");
    assert_eq!(store.sent_up_to().expect("watermark"), Some(last));
    let local_events = store.events_after(None).count() as u64;
    assert_eq!(
        count(&pg, "SELECT count(*) FROM events"),
        local_events,
        "each event once"
    );
    assert_eq!(count(&pg, "SELECT count(*) FROM clients"), 3);
    let c = store
        .consultations_between(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
        )
        .next()
        .expect("one consultation")
        .expect("readable");
    assert_eq!(
        c.catalog.as_ref().and_then(|v| v.label.as_deref()),
        Some(LABEL),
        "the consultation records the published version"
    );
    // The month's stored plan is the centre's for this officer.
    let plan = store
        .month_plan(sufler::consultation::Month(202612))
        .expect("read")
        .expect("stored");
    let npf = plan
        .targets
        .iter()
        .find(|t| t.product == "npf")
        .expect("npf");
    assert_eq!(npf.per_month, 40);
    assert!(plan.targets.iter().all(|t| t.product != "iis"));
}
