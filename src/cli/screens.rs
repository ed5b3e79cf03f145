//! The full-screen commands: the officer's screen (`sufler`, with the centre's plans, the
//! published catalogue and live sync when a server is set) and `sufler preview`.

use std::process::ExitCode;

use super::{db_failure, fail, locate_catalog, now, usable_catalog, GlobalArgs, Lang};
use crate::catalog;
use crate::progress::with_progress;
use crate::store;
use crate::tui;

/// `sufler`: the officer's screen. Problems opening the catalogue or the database (another
/// sufler holding it, say) are reported before the screen switches to full-screen mode.
pub(super) fn officer_screen(global: &GlobalArgs, server: Option<&str>) -> ExitCode {
    let lang = global.lang;
    let location = match locate_catalog(global, lang) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    // A server that cannot be used is said before the screen, and the screen works without.
    let server = match crate::sync::Server::from_arg_or_env(server) {
        Ok(s) => Some(s),
        Err(crate::sync::SyncError::NoServer) => None,
        Err(e) => {
            eprintln!("sufler: {}", e.message(lang));
            None
        }
    };
    let path = store::default_path(global.db.first().map(|p| p.as_path()));
    // Shared with the live sender's thread.
    let store = match store::SledStore::open(&path) {
        Ok(s) => std::sync::Arc::new(s),
        Err(e) => return fail(&db_failure(lang, &e, &path)),
    };
    if let Some(warning) = store::commands::daily_backup_at_start(&store, now().date()) {
        eprintln!("sufler: {warning}");
    }
    // Files that fail the checks do not stop the screen: it starts on the last good copy
    // (or the built-in catalogue) and home says so.
    let (mut catalog, watch) = match store::catalog_start::at_start(&*store, location, now()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let mut watch = Some(watch);
    // The bank's published catalogue, as last pulled, unless `--catalog` overrides it.
    let (mut published_in_use, mut notice) = (None, None);
    if global.catalog.is_none() {
        let (in_use, refused) = tui::centre::published(&store, lang);
        if let Some((c, id)) = in_use {
            catalog = c;
            watch = None;
            published_in_use = Some(id);
        }
        notice = refused;
    }
    let known = match &global.officer {
        // `--officer` alone keeps the branch this database knows for them: their records
        // never lose it (nor the branch report count them twice).
        Some(name) => {
            let stored = match store::Store::officer(&*store, name.trim()) {
                Ok(o) => o.map(|o| o.branch),
                Err(e) => return fail(&e.to_string()),
            };
            Some(store::Officer {
                name: name.clone(),
                branch: global.branch.clone().or(stored).unwrap_or_default(),
            })
        }
        None => match store::Store::workstation_officer(&*store) {
            Ok(o) => o,
            Err(e) => return fail(&e.to_string()),
        },
    };
    let live = server.map(|server| {
        let context = crate::sync::live::PullContext {
            branch: known.as_ref().map(|o| o.branch.clone()),
            names: catalog
                .products
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
        };
        std::sync::Arc::new(crate::sync::live::Live::start(
            std::sync::Arc::clone(&store),
            server,
            context,
            now,
        ))
    });
    let centre = tui::centre::Centre::new(
        &store,
        live.clone(),
        global.catalog.is_some(),
        catalog.clone(),
        published_in_use,
        notice,
    );
    let officer_name = known.as_ref().map_or("", |o| o.name.as_str());
    let branch_name = known.as_ref().map_or("", |o| o.branch.as_str());
    let catalog = centre.overlay(
        &catalog,
        officer_name,
        branch_name,
        crate::consultation::Month::of(now().date()),
    );
    let (app, mut effects) = tui::App::new(tui::Start {
        lang,
        catalog,
        now: now(),
        officer: known.as_ref().map(|o| o.name.clone()),
        branch: known.as_ref().map(|o| o.branch.clone()),
    });
    if let (Some(o), Some(_)) = (&known, &global.officer) {
        effects.insert(
            0,
            tui::Effect::SaveOfficer {
                name: o.name.clone(),
                branch: o.branch.clone(),
            },
        );
    }
    let runtime = tui::run::Runtime {
        store: Some(&*store),
        catalog: watch,
        centre: Some(centre),
    };
    let ended = tui::run::run(runtime, app, effects);
    // A send in flight gets a second at most; what did not go waits in the outbox.
    if let Some(live) = &live {
        live.stop(std::time::Duration::from_secs(1));
    }
    drop(live);
    if matches!(ended, Ok(tui::run::Ended::Quit)) {
        // Still shared with a sender that did not stop: left for the next quit.
        if let Ok(store) = std::sync::Arc::try_unwrap(store) {
            compact_at_quit(lang, store);
        }
    }
    screen_ended(ended)
}

/// After the officer quits: when the saves since the last compaction have left sled's file
/// much larger than its live data, the database is rewritten compactly now, with a progress
/// line, so that the next day's starts do not pay for the garbage (issue #15). Cut short (the
/// window closed), the database stays as it was; a failure is said and changes nothing.
fn compact_at_quit(lang: Lang, store: store::SledStore) {
    match store.wants_compaction() {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            eprintln!("sufler: {e}");
            return;
        }
    }
    let path = store.path().to_path_buf();
    drop(store);
    eprintln!("{}", tui::text::compacting_at_quit(lang));
    if let Err(e) = with_progress("compacting", |progress| {
        store::SledStore::compact(&path, progress)
    }) {
        eprintln!("sufler: {}", db_failure(lang, &e, &path));
    }
}

/// `sufler preview MAIN`: the consultation screen over a demo client; records nothing.
pub(super) fn preview(global: &GlobalArgs, script: &str) -> ExitCode {
    let (catalog, location) = match usable_catalog(global, global.lang) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    // A script file name is accepted as well as the main product's id.
    let main = std::path::Path::new(script)
        .file_stem()
        .map_or(script.to_string(), |s| s.to_string_lossy().into_owned());
    if catalog.script(&main).is_none() {
        let mains: Vec<&str> = catalog.main_products().map(|p| p.id.as_str()).collect();
        return fail(&format!(
            "there is no script for `{main}`{}; main products: {}",
            catalog::suggest::did_you_mean(&main, mains.iter().copied()),
            mains.join(", ")
        ));
    }
    let officer = global
        .officer
        .clone()
        .unwrap_or_else(|| "Тренер".to_string());
    let app = match tui::App::rehearsal(
        global.lang,
        catalog,
        &officer,
        tui::demo_client(),
        &main,
        now(),
    ) {
        Ok(app) => app,
        Err(e) => return fail(&e.to_string()),
    };
    // The trainer's saves are shown as they come (a rehearsal records nothing, so the
    // catalogue may change under it): see `tui::run::Runtime::follow_saves`.
    let runtime = tui::run::Runtime {
        store: None,
        catalog: Some(catalog::CatalogWatch::new(location)),
        centre: None,
    };
    screen_ended(tui::run::run(runtime, app, Vec::new()))
}

/// The exit of a full-screen session, once the terminal is back to normal.
fn screen_ended(result: std::io::Result<tui::run::Ended>) -> ExitCode {
    match result {
        Ok(tui::run::Ended::Quit) => ExitCode::SUCCESS,
        Ok(tui::run::Ended::Signal(sig)) => fail(&format!(
            "stopped by signal {sig}; every action shown as done was saved"
        )),
        Err(e) => fail(&format!("the terminal failed: {e}")),
    }
}
