//! The officer's screen against DESIGN §9: one frame at 200×60 ≤ 2 ms; the first frame on a
//! database of 1M consultations ≤ 100 ms; resident memory ≤ 100 MB on that database.
//!
//! Run: `cargo bench --bench tui_frame` (frame render only), or with a demo database for the
//! first frame and memory:
//!
//! ```sh
//! target/release/sufler demo --consultations 1000000 --clients 1000000 --db /tmp/demo1m1m
//! SUFLER_BENCH_DB=/tmp/demo1m1m cargo bench --bench tui_frame
//! ```
//!
//! The first frame is timed as the binary makes it, minus the terminal: load the catalogue,
//! open the database, load the home screen through the real effect loop, draw it. With a
//! database it also times client search on that database's clients.

use std::time::{Duration, Instant};

use chrono::{Local, NaiveDateTime};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use sufler::catalog::{self, CatalogLocation};
use sufler::store::{SledStore, Store};
use sufler::tui::{self, run::Runtime, App, Msg, Start};

fn main() {
    // The first frame goes first, so that the memory figure is the database's alone.
    if let Some(db) = std::env::var_os("SUFLER_BENCH_DB") {
        first_frame(std::path::Path::new(&db));
        client_search(std::path::Path::new(&db));
    } else {
        println!(
            "first frame: skipped (set SUFLER_BENCH_DB to a demo database of 1M consultations)"
        );
    }
    render();
}

fn bundled() -> catalog::Catalog {
    catalog::load(&CatalogLocation::Bundled)
        .catalog
        .expect("the bundled catalogue loads")
}

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

/// An officer with consultations in the database, so that the home screen has figures.
fn busy_officer(store: &SledStore) -> String {
    if let Ok(Some(o)) = store.workstation_officer() {
        return o.name;
    }
    let to = now();
    let mut days = 1;
    while days <= 4096 {
        let from = to - chrono::Duration::days(days);
        if let Some(Ok(c)) = store.consultations_between(from, to).next() {
            return c.officer;
        }
        days *= 2;
    }
    panic!("the database has no consultation to find an officer by");
}

fn first_frame(db: &std::path::Path) {
    let officer = {
        let store = SledStore::open_existing(db).expect("open the bench database");
        busy_officer(&store)
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let catalog = bundled();
        let store = SledStore::open_existing(db).expect("open the bench database");
        let (mut app, effects) = App::new(Start {
            lang: tui::Lang::Ru,
            catalog,
            now: now(),
            officer: Some(officer.clone()),
            branch: None,
        });
        let mut runtime = Runtime {
            store: Some(&store),
            catalog: None,
            centre: None,
        };
        assert!(!runtime.drain(&mut app, effects));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        terminal
            .draw(|frame| frame.render_widget(&app, frame.area()))
            .expect("draw");
        times.push(started.elapsed());
        drop(store);
    }
    println!(
        "first frame, {} (officer {officer}): {}",
        db.display(),
        times
            .iter()
            .map(|t| format!("{:.1} ms", ms(*t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("resident memory after the first frames: {}", memory());
}

/// The find screen's query as the officer types it, on the database's own clients: first 50
/// matches (DESIGN §9: ≤ 2 ms among 1M clients).
fn client_search(db: &std::path::Path) {
    let store = SledStore::open_existing(db).expect("open the bench database");
    let clients = store.clients().count();
    let sample: Vec<_> = store
        .clients()
        .step_by((clients / 20).max(1))
        .filter_map(Result::ok)
        .collect();
    // Surname prefixes of 1 to 4 letters, surname + first name (a filter that skips many),
    // and phone prefixes of 2 to 7 digits, as each keystroke would ask.
    let mut queries: Vec<(&str, String)> = Vec::new();
    for c in &sample {
        let letters: Vec<char> = c.last_name.chars().collect();
        for n in 1..=letters.len().min(4) {
            queries.push(("surname prefix", letters[..n].iter().collect()));
        }
        queries.push((
            "surname and first name",
            format!("{} {}", c.last_name, c.first_name),
        ));
        for n in [2, 4, 7] {
            queries.push(("phone digits", c.phone.chars().take(n).collect()));
        }
    }
    let mut times: Vec<(&str, Duration)> = Vec::new();
    let mut found = 0usize;
    for _ in 0..20 {
        for (kind, q) in &queries {
            let started = Instant::now();
            let hits = store.search_clients(q, 50).expect("search");
            times.push((kind, started.elapsed()));
            found += hits.len();
        }
    }
    let searches = times.len();
    let summary = |times: &mut Vec<Duration>| {
        times.sort();
        let pick = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        format!(
            "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            ms(pick(0.5)),
            ms(pick(0.99)),
            ms(pick(1.0))
        )
    };
    println!(
        "client search among {clients} clients, first 50 ({searches} searches, {:.1} matches each): {}",
        found as f64 / searches as f64,
        summary(&mut times.iter().map(|(_, t)| *t).collect())
    );
    for kind in ["surname prefix", "surname and first name", "phone digits"] {
        let mut of_kind: Vec<Duration> = times
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| *t)
            .collect();
        println!("  {kind}: {}", summary(&mut of_kind));
    }
}

fn render() {
    let catalog = bundled();
    let mains: Vec<String> = catalog.main_products().map(|p| p.id.clone()).collect();
    let mut times = Vec::new();
    for main in &mains {
        let mut app = App::rehearsal(
            tui::Lang::Ru,
            catalog.clone(),
            "Мария Иванова",
            tui::demo_client(),
            main,
            now(),
        )
        .expect("rehearsal");
        // The presentation stage: the stage's lines and every catch moment on screen.
        for _ in 0..2 {
            app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
        }
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
        for i in 0..600 {
            // A changing clock, as on screen, so that no frame is a no-op diff.
            app.update(Msg::Tick(now() + chrono::Duration::seconds(i)));
            let started = Instant::now();
            terminal
                .draw(|frame| frame.render_widget(&app, frame.area()))
                .expect("draw");
            times.push(started.elapsed());
        }
    }
    times.sort();
    let pick = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "frame at 200x60 (consultation, presentation stage, {} mains, {} frames): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        mains.len(),
        times.len(),
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(pick(1.0))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// VmRSS and VmHWM (the peak) of this process.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}
