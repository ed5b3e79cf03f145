//! `sufler backup`, `restore` and `forget`, and the daily backup at the screen's start.
//! Kept here rather than in `cli` so the command line only dispatches.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;

use crate::progress::{with_progress, Progress};

use super::{daily_backup, default_path, open_failure, restore, write_backup, SledStore, Store};

/// The environment variable that turns on automatic daily backups: how many to keep.
pub const DAILY_BACKUPS_ENV: &str = "SUFLER_DAILY_BACKUPS";

fn fail(message: &str) -> ExitCode {
    eprintln!("sufler: {message}");
    ExitCode::FAILURE
}

fn open(db: Option<&Path>) -> Result<SledStore, ExitCode> {
    let path = default_path(db);
    SledStore::open_existing(&path).map_err(|e| fail(&open_failure(&e, &path)))
}

/// `sufler backup -o FILE [--db PATH]`.
pub fn run_backup(db: Option<&Path>, output: &Path) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match with_progress("backup", |progress| write_backup(&store, output, progress)) {
        Ok(counts) => {
            println!("backup written to {}: {counts}", output.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!(
            "backup failed, {} was not written: {e}",
            output.display()
        )),
    }
}

/// `sufler restore FILE --db NEW_PATH`: load, then report `verify`.
pub fn run_restore(db: Option<&Path>, file: &Path) -> ExitCode {
    let target = default_path(db);
    if let Err(e) = super::db_path::check_new_dir(&target) {
        return fail(&e.to_string());
    }
    let mut bar = Progress::stderr();
    let restored = restore(file, &target, &mut |step, done, total| {
        bar.show(step, done, total)
    });
    bar.finish();
    match restored {
        Ok(report) => {
            println!(
                "restored {} into {}: {}",
                file.display(),
                target.display(),
                report.counts
            );
            for m in &report.verify.mismatches {
                println!("{m}");
            }
            println!("{}", report.verify.summary());
            if report.verify.is_ok() {
                ExitCode::SUCCESS
            } else {
                fail(&format!(
                    "the restored database {} does not pass verify (see above)",
                    target.display()
                ))
            }
        }
        Err(e) => fail(&format!(
            "restore failed, nothing was created at {}: {e}",
            target.display()
        )),
    }
}

/// `sufler forget CLIENT [--db PATH]`.
pub fn run_forget(db: Option<&Path>, client: &str) -> ExitCode {
    let Ok(id) = client.trim().parse::<u64>() else {
        return fail(&format!(
            "`{client}` is not a client id (the number shown on the client's card)"
        ));
    };
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match store.forget_client(id) {
        Ok(Some(_)) => {
            println!(
                "client {id} forgotten in {}: names and phone erased, birth date cut to the \
                 year; consultations and figures kept",
                store.path().display()
            );
            println!(
                "backups made before now still hold the client's data: replace or delete them \
                 (automatic ones are in {})",
                super::daily_backup_dir(store.path()).display()
            );
            ExitCode::SUCCESS
        }
        Ok(None) => fail(&format!(
            "there is no client {id} in {}",
            store.path().display()
        )),
        Err(e) => {
            // A failed write (a full disk): sled's close would wait for it forever.
            store.abandon();
            fail(&e.to_string())
        }
    }
}

/// The daily backup when the officer's screen starts, if `SUFLER_DAILY_BACKUPS` asks for
/// one; a warning for the officer when it fails (work goes on).
pub fn daily_backup_at_start(store: &SledStore, today: NaiveDate) -> Option<String> {
    let value = std::env::var(DAILY_BACKUPS_ENV).ok()?;
    let keep = match value.trim().parse::<usize>() {
        Ok(n) => n,
        Err(_) => {
            return Some(format!(
            "{DAILY_BACKUPS_ENV}={value} is not a number of backups to keep; no daily backup made"
        ))
        }
    };
    match daily_backup(store, keep, today) {
        Ok(_) => None,
        Err(e) => Some(format!("the daily backup failed: {e}")),
    }
}
