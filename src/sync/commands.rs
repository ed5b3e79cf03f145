//! `sufler server init` and `sufler sync`: what they print and their exit codes. Like
//! `backup` and `verify`, these are the bank IT's commands and speak English throughout.
//! The server is always named masked (no password).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{Server, SyncError, SyncOptions};
use crate::progress::Progress;
use crate::store::{self, SledStore};

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

/// `sufler server init --server URL [--accept-client-names]`.
pub fn run_init(server: Option<&str>, accept_client_names: bool) -> ExitCode {
    let server = match Server::from_arg_or_env(server) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let report = match super::init(&server, accept_client_names) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    if report.applied.is_empty() {
        let _ = writeln!(
            out,
            "server init: {} is at schema version {} already; nothing to do",
            server.masked(),
            report.to
        );
    } else {
        let _ = writeln!(
            out,
            "server init: {} migrated from schema version {} to {} ({})",
            server.masked(),
            report.from,
            report.to,
            report.applied.join(", ")
        );
    }
    let names = if report.client_names_turned_on {
        "client names and phones are accepted from now on"
    } else if report.client_names {
        "client names and phones are accepted"
    } else {
        "client names and phones stay on the workstations (--accept-client-names to accept them)"
    };
    let _ = writeln!(out, "server init: {names}");
    ExitCode::SUCCESS
}

/// `sufler sync [--db PATH] --server URL`: one summary line on stdout; exit 1 with one line
/// on stderr when the server cannot be reached or refuses (the watermark then stays where
/// the last committed batch left it).
pub fn run_sync(db: Option<&Path>, server: Option<&str>, opts: SyncOptions) -> ExitCode {
    let server = match Server::from_arg_or_env(server) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let path = store::default_path(db);
    let store = match SledStore::open_existing(&path) {
        Ok(s) => s,
        Err(e) => return fail(&store::open_failure(&e, &path)),
    };
    let started = std::time::Instant::now();
    let mut bar = Progress::stderr();
    let result = super::sync(&store, &store, &server, opts, &mut |done| {
        bar.count("sync", done, "records")
    });
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(SyncError::Store(e)) => {
            let message = store::open_failure(&e, &path);
            store.abandon();
            return fail(&message);
        }
        Err(e) => return fail(&e.to_string()),
    };
    let secs = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    if report.records() == 0 && report.events == 0 {
        let _ = writeln!(
            out,
            "sync: nothing new since event {} → {}",
            report.up_to,
            server.masked()
        );
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(
        out,
        "sync: sent {} consultations, {} clients, {} contacts, {} cancellations, {} officers, {} events, the counters of {} months{} in {} transactions, {:.1} s; {} records new or changed on the server; the log is on the server up to event {} → {}",
        report.consultations,
        report.clients,
        report.contacts,
        report.cancellations,
        report.officers,
        report.events,
        report.months,
        if report.full { " (the whole history)" } else { "" },
        report.transactions,
        secs,
        report.changed,
        report.up_to,
        server.masked()
    );
    ExitCode::SUCCESS
}
