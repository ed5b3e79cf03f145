//! `sufler server init` and `sufler sync`: what they print and their exit codes, in the
//! user's language (`--lang`; the reasons PostgreSQL gives stay as they come). The server
//! is always named masked (no password).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{Server, SyncError, SyncOptions};
use crate::lang::Lang;
use crate::progress::Progress;
use crate::store::{self, SledStore};

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

/// `sufler server init --server URL [--accept-client-names]`.
pub fn run_init(server: Option<&str>, accept_client_names: bool, lang: Lang) -> ExitCode {
    let server = match Server::from_arg_or_env(server) {
        Ok(s) => s,
        Err(e) => return fail(&e.message(lang)),
    };
    let report = match super::init(&server, accept_client_names) {
        Ok(r) => r,
        Err(e) => return fail(&e.message(lang)),
    };
    let ru = lang == Lang::Ru;
    let mut out = std::io::stdout().lock();
    if report.from == 0 && !report.applied.is_empty() {
        // A server that held nothing of Sufler's: created, not migrated from "version 0".
        let _ = if ru {
            writeln!(
                out,
                "server init: на {} создана схема версии {} ({})",
                server.masked(),
                report.to,
                report.applied.join(", ")
            )
        } else {
            writeln!(
                out,
                "server init: {} now holds schema version {}, created ({})",
                server.masked(),
                report.to,
                report.applied.join(", ")
            )
        };
    } else if report.applied.is_empty() && ru {
        let _ = writeln!(
            out,
            "server init: {} уже на схеме версии {}; делать нечего",
            server.masked(),
            report.to
        );
    } else if ru {
        let _ = writeln!(
            out,
            "server init: {} обновлён со схемы версии {} до {} ({})",
            server.masked(),
            report.from,
            report.to,
            report.applied.join(", ")
        );
    } else if report.applied.is_empty() {
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
    let names = match (report.client_names_turned_on, report.client_names, ru) {
        (true, _, false) => "client names and phones are accepted from now on",
        (true, _, true) => "имена и телефоны клиентов принимаются с этого момента",
        (false, true, false) => "client names and phones are accepted",
        (false, true, true) => "имена и телефоны клиентов принимаются",
        (false, false, false) => {
            "client names and phones stay on the workstations (--accept-client-names to accept them)"
        }
        (false, false, true) => {
            "имена и телефоны клиентов остаются на рабочих местах (--accept-client-names, чтобы принимать их)"
        }
    };
    let _ = writeln!(out, "server init: {names}");
    ExitCode::SUCCESS
}

/// `sufler sync [--db PATH] --server URL`: one summary line on stdout; exit 1 with one line
/// on stderr when the server cannot be reached or refuses (the watermark then stays where
/// the last committed batch left it).
pub fn run_sync(
    db: Option<&Path>,
    server: Option<&str>,
    opts: SyncOptions,
    lang: Lang,
) -> ExitCode {
    let server = match Server::from_arg_or_env(server) {
        Ok(s) => s,
        Err(e) => return fail(&e.message(lang)),
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
        Err(e) => return fail(&e.message(lang)),
    };
    let secs = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", sent_line(&report, secs, &server, lang));
    // Then what the centre has for this workstation: its plans and the published catalogue.
    let pulled = super::pull::pull(
        &store,
        &server,
        None,
        &std::collections::BTreeMap::new(),
        crate::clock::now(),
    );
    match pulled {
        Ok(p) => {
            let _ = writeln!(out, "{}", super::centre_commands::pulled_line(&p, lang));
            ExitCode::SUCCESS
        }
        Err(SyncError::Store(e)) => fail(&store::open_failure(&e, &path)),
        Err(e) => fail(&e.message(lang)),
    }
}

/// What `sync` sent, on one line.
fn sent_line(report: &super::SyncReport, secs: f64, server: &Server, lang: Lang) -> String {
    let r = report;
    let masked = server.masked();
    if r.records() == 0 && r.events == 0 {
        return match lang {
            Lang::En => format!("sync: nothing new since event {} → {masked}", r.up_to),
            Lang::Ru => format!("sync: с события {} нового нет → {masked}", r.up_to),
        };
    }
    match lang {
        Lang::En => format!(
            "sync: sent {} consultations, {} clients, {} contacts, {} cancellations, {} officers, {} events, the counters of {} months{} in {} transactions, {secs:.1} s; {} records new or changed on the server; the log is on the server up to event {} → {masked}",
            r.consultations,
            r.clients,
            r.contacts,
            r.cancellations,
            r.officers,
            r.events,
            r.months,
            if r.full { " (the whole history)" } else { "" },
            r.transactions,
            r.changed,
            r.up_to,
        ),
        // Counts after a colon: no plural forms to agree.
        Lang::Ru => format!(
            "sync: отправлено{} — консультаций: {}, клиентов: {}, контактов: {}, отмен: {}, сотрудников: {}, событий: {}, счётчики месяцев: {}; транзакций: {}, {secs:.1} с; новых или изменённых записей на сервере: {}; журнал на сервере до события {} → {masked}",
            if r.full { " (вся история)" } else { "" },
            r.consultations,
            r.clients,
            r.contacts,
            r.cancellations,
            r.officers,
            r.events,
            r.months,
            r.transactions,
            r.changed,
            r.up_to,
        ),
    }
}
