//! The run loop: the only place that touches the terminal and the store. It feeds key
//! presses to [`App::update`], performs the effects it returns and feeds their results back.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use ratatui::crossterm::event::{self, Event};
use signal_hook::consts::{SIGHUP, SIGTERM};

use super::{
    App, Effect, FollowUpItem, HomeData, Msg, TodayConsultation, Unfinished, SEARCH_LIMIT,
};
use crate::catalog::changes::Changes;
use crate::catalog::{CatalogLocation, CatalogWatch, Reload};
use crate::consultation::{Client, Month};
use crate::store::catalog_start::keep;
use crate::store::{Officer, Store, StoreError};

fn client_name(store: &dyn Store, id: u64) -> String {
    match store.client(id) {
        Ok(Some(c)) => c.full_name(),
        _ => format!("#{id}"),
    }
}

/// The home screen's figures for an officer at a moment.
pub fn home_data(
    store: &dyn Store,
    officer: &str,
    now: NaiveDateTime,
) -> Result<HomeData, StoreError> {
    let today = now.date();
    let start = today.and_hms_opt(0, 0, 0).unwrap_or(now);
    let mut consultations = Vec::new();
    for c in store.consultations_between(start, start + chrono::Duration::days(1)) {
        let c = c?;
        if c.officer == officer {
            let client_name = client_name(store, c.client_id);
            consultations.push(TodayConsultation {
                consultation: c,
                client_name,
            });
        }
    }
    let (due, follow_ups_due) = store.call_backs_due(officer, today, CALL_BACK_LIMIT)?;
    let mut follow_ups = Vec::with_capacity(due.len());
    for f in due {
        let client = store.client(f.client_id)?;
        let check_in = store
            .consultation(f.consultation)?
            .is_some_and(|c| crate::consultation::is_check_in(&c, &f.product));
        // A check-in needs the client's consent: withdrawn since the sale, it is not shown.
        if check_in && !client.as_ref().is_some_and(|c| c.calls_consent) {
            continue;
        }
        follow_ups.push(FollowUpItem {
            date: f.date,
            client_id: f.client_id,
            client_name: client
                .as_ref()
                .map_or_else(|| format!("#{}", f.client_id), |c| c.full_name()),
            phone: client.map(|c| c.phone).unwrap_or_default(),
            product: f.product,
            consultation: f.consultation,
            check_in,
        });
    }
    let mut unfinished = Vec::new();
    for c in store.unfinished_all(officer)? {
        unfinished.push(Unfinished {
            consultation_id: c.id,
            client_name: client_name(store, c.client_id),
            main: c.main.clone(),
            started_at: c.started_at,
        });
    }
    Ok(HomeData {
        today: consultations,
        plan_sold: store.plan_sold(officer, Month::of(today))?,
        follow_ups,
        follow_ups_due,
        unfinished,
        catalog: None,
        centre: None,
    })
}

/// How many due call backs home reads and lists, the earliest: more than a day's work, and
/// each costs a client read at the first frame. The title says how many are due in all.
pub const CALL_BACK_LIMIT: usize = 100;

/// Performs one effect against the store; the message that answers it, if any. `Quit` is
/// the run loop's own business and answers nothing.
pub fn perform(store: &dyn Store, app: &App, effect: Effect) -> Option<Msg> {
    let failed = |e: StoreError| Msg::Failed(e.to_string());
    let month = Month::of(app.today);
    Some(match effect {
        Effect::Quit => return None,
        Effect::SaveOfficer { name, branch } => Msg::OfficerSaved(
            store
                .save_officer(&Officer { name, branch })
                .map_err(|e| e.to_string()),
        ),
        Effect::LoadHome => match home_data(store, &app.officer, app.now) {
            Ok(data) => Msg::Home(data),
            Err(e) => failed(e),
        },
        Effect::Search(query) => match store.search_clients(&query, SEARCH_LIMIT) {
            Ok(clients) => Msg::SearchResults { query, clients },
            Err(e) => failed(e),
        },
        // One client, one record: the same person stored already is answered, not added.
        Effect::AddClient(client) => match store.same_clients(&client) {
            Ok(found) if !found.is_empty() => Msg::SameClients(found),
            Ok(_) => Msg::ClientAdded(store.add_client(client).map_err(|e| e.to_string())),
            Err(e) => Msg::ClientAdded(Err(e.to_string())),
        },
        Effect::LoadClientCard(id) => {
            let load = || -> Result<Option<Msg>, StoreError> {
                let Some(client) = store.client(id)? else {
                    return Ok(None);
                };
                Ok(Some(Msg::ClientCard {
                    history: store.history(id)?,
                    consultations: store.consultations_of_client(id)?,
                    client,
                }))
            };
            match load() {
                Ok(Some(msg)) => msg,
                Ok(None) => failed(StoreError::UnknownClient(id)),
                Err(e) => failed(e),
            }
        }
        Effect::Prepare { client_id, main } => {
            let load = || -> Result<Msg, StoreError> {
                let client: Client = store
                    .client(client_id)?
                    .ok_or(StoreError::UnknownClient(client_id))?;
                Ok(Msg::Prepared {
                    history: store.history(client_id)?,
                    plan_sold: store.plan_sold(&app.officer, month)?,
                    rotation: store.rotation(&app.officer)?,
                    consultation_id: store.new_id()?,
                    client,
                    main,
                })
            };
            load().unwrap_or_else(failed)
        }
        Effect::Resume { consultation_id } => {
            let load = || -> Result<Msg, StoreError> {
                let Some(consultation) = store.consultation(consultation_id)? else {
                    return Err(StoreError::UnknownClient(consultation_id));
                };
                let client = store
                    .client(consultation.client_id)?
                    .ok_or(StoreError::UnknownClient(consultation.client_id))?;
                Ok(Msg::Resumed {
                    history: store.history(client.id)?,
                    plan_sold: store.plan_sold(&app.officer, month)?,
                    rotation: store.rotation(&app.officer)?,
                    client,
                    consultation: Box::new(consultation),
                })
            };
            load().unwrap_or_else(failed)
        }
        Effect::LoadCall {
            consultation,
            product,
        } => {
            let load = || -> Result<Msg, StoreError> {
                let origin = store
                    .consultation(consultation)?
                    .ok_or(StoreError::UnknownClient(consultation))?;
                let client = store
                    .client(origin.client_id)?
                    .ok_or(StoreError::UnknownClient(origin.client_id))?;
                let open = store.open_call_backs(client.id)?;
                let Some(cb) = open
                    .into_iter()
                    .find(|cb| cb.consultation == consultation && cb.product == product)
                else {
                    return Err(StoreError::CallBackClosed {
                        consultation,
                        product,
                    });
                };
                let contacts = store
                    .contacts_of_client(client.id)?
                    .into_iter()
                    .filter(|k| k.consultation == consultation && k.product == product)
                    .collect();
                Ok(Msg::Call(Box::new(super::CallData {
                    client,
                    product,
                    origin,
                    due: cb.due,
                    contacts,
                })))
            };
            load().unwrap_or_else(failed)
        }
        Effect::LoadCardCallBacks(client_id) => {
            let load = || -> Result<Msg, StoreError> {
                // As on home: no check-in for a client who withdrew the consent to calls.
                let consent = store.client(client_id)?.is_some_and(|c| c.calls_consent);
                let mut open = Vec::new();
                for cb in store.open_call_backs(client_id)? {
                    let check_in = store
                        .consultation(cb.consultation)?
                        .is_some_and(|c| crate::consultation::is_check_in(&c, &cb.product));
                    if consent || !check_in {
                        open.push(cb);
                    }
                }
                Ok(Msg::CardCallBacks {
                    client_id,
                    open,
                    contacts: store.contacts_of_client(client_id)?,
                    cancellations: store.cancellations_of_client(client_id)?,
                })
            };
            load().unwrap_or_else(failed)
        }
        Effect::SaveCancellation(c) => {
            Msg::CancellationSaved(store.save_cancellation(c).map_err(|e| e.to_string()))
        }
        Effect::SaveContact(contact) => {
            Msg::ContactSaved(store.save_contact(contact).map_err(|e| e.to_string()))
        }
        Effect::Save {
            consultation,
            event,
            detail,
        } => Msg::Saved({
            // A consultation in progress keeps the catalogue it began with: the app's.
            store.use_catalog(&app.catalog);
            store
                .save(&consultation, event, &detail)
                .map(|()| consultation)
                .map_err(|e| e.to_string())
        }),
        Effect::UpdateClient(client) => match store.same_clients(&client) {
            Ok(found) if !found.is_empty() => Msg::SameClients(found),
            Ok(_) => Msg::ClientUpdated(
                store
                    .update_client(&client)
                    .map(|()| client)
                    .map_err(|e| e.to_string()),
            ),
            Err(e) => Msg::ClientUpdated(Err(e.to_string())),
        },
        Effect::RemoveHolding { client_id, product } => Msg::HoldingRemoved {
            result: store
                .remove_holding(client_id, &product)
                .map_err(|e| e.to_string()),
            client_id,
            product,
        },
        Effect::AddHolding { client_id, product } => Msg::HoldingAdded {
            result: store
                .add_holding(client_id, &product)
                .map_err(|e| e.to_string()),
            client_id,
            product,
        },
    })
}

/// What the run loop works with besides the app.
pub struct Runtime<'a> {
    /// `None` in a rehearsal, which records nothing.
    pub store: Option<&'a dyn Store>,
    /// The catalogue's files, looked at again when the home screen loads and when a new
    /// consultation starts (in a rehearsal: as soon as they are saved); `None` when nothing
    /// is to be reloaded.
    pub catalog: Option<CatalogWatch>,
    /// What the centre sends and the live sender, with a server set; `None` without one.
    pub centre: Option<super::centre::Centre<'a>>,
}

/// How the screen ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The officer quit.
    Quit,
    /// SIGTERM: the terminal was restored; every acknowledged action was already
    /// durable.
    Signal(i32),
}

impl Runtime<'_> {
    /// Takes a changed catalogue into use, and keeps it as the last good copy, or notes its
    /// errors, before the home screen or a new consultation needs it. A consultation in
    /// progress keeps the catalogue it began with, because these effects are only asked for
    /// outside one.
    fn refresh_catalog(&mut self, app: &mut App) {
        if let Some(watch) = &mut self.catalog {
            if let Reload::Loaded { catalog, sources } = watch.reload() {
                if let Some(centre) = &mut self.centre {
                    centre.files_loaded(&catalog);
                }
                app.set_catalog(*catalog);
                if let (Some(store), CatalogLocation::Dir(dir)) = (self.store, watch.location()) {
                    if let Some(saved_at) = keep(store, dir, &sources, app.now) {
                        watch.kept(saved_at);
                    }
                }
            }
        }
    }

    /// A rehearsal's notifications of saves to its catalogue's files; `None` for the
    /// officer's screen (it looks at its files between consultations), for the built-in
    /// catalogue, or when the system will not watch (the stamps are looked at instead).
    fn rehearsal_changes(&self) -> Option<Changes> {
        if self.store.is_some() {
            return None;
        }
        match self.catalog.as_ref()?.location() {
            CatalogLocation::Dir(dir) => Changes::watch(dir).ok(),
            CatalogLocation::Bundled => None,
        }
    }

    /// In a rehearsal, takes the files as saved into use when they check, or says that the
    /// previous version stays when they do not.
    fn follow_saves(&mut self, app: &mut App, changes: &mut Option<Changes>, looked: &mut Instant) {
        if self.store.is_some() {
            return;
        }
        let Some(watch) = &mut self.catalog else {
            return;
        };
        let due = match changes {
            Some(changes) => changes.changed(),
            None => looked.elapsed() >= STAMPS_POLL,
        };
        if !due {
            return;
        }
        *looked = Instant::now();
        match watch.reload() {
            Reload::Unchanged => {}
            Reload::Loaded { catalog, .. } => app.rehearse_with(*catalog, now()),
            Reload::Failed(errors) => {
                if let CatalogLocation::Dir(dir) = watch.location() {
                    app.rehearse_failed(dir, errors);
                }
            }
        }
    }

    fn perform(&mut self, app: &mut App, effect: Effect) -> Option<Msg> {
        let store = self.store?;
        if matches!(effect, Effect::LoadHome | Effect::Prepare { .. }) {
            self.refresh_catalog(app);
            if let Some(centre) = &mut self.centre {
                centre.refresh(app, &mut self.catalog);
            }
        }
        let mut msg = perform(store, app, effect)?;
        if let (Msg::Home(data), Some(watch)) = (&mut msg, &self.catalog) {
            data.catalog = watch.notice();
        }
        if let Some(centre) = &self.centre {
            if let Msg::Home(data) = &mut msg {
                data.centre = centre.notice();
            }
            // Whatever the effect wrote is in the outbox now: the sender ships it (a read
            // leaves nothing to send, and the sender finds nothing).
            centre.kick();
        }
        Some(msg)
    }

    /// Applies effects until none is left; `true` when the app asked to quit. Public so that
    /// benchmarks and tests can drive the real effect loop without a terminal.
    pub fn drain(&mut self, app: &mut App, mut effects: Vec<Effect>) -> bool {
        while !effects.is_empty() {
            let mut next = Vec::new();
            for effect in effects {
                if effect == Effect::Quit {
                    return true;
                }
                if let Some(msg) = self.perform(app, effect) {
                    next.extend(app.update(msg));
                }
            }
            effects = next;
        }
        false
    }
}

fn now() -> NaiveDateTime {
    crate::clock::now()
}

/// How often the loop looks for a termination signal while no key comes.
const SIGNAL_POLL: Duration = Duration::from_millis(200);
/// How often a rehearsal looks at its files' stamps when the system gives no notifications.
const STAMPS_POLL: Duration = Duration::from_secs(1);
/// How often the clock on screen moves on while no key comes.
const TICK: Duration = Duration::from_secs(30);

/// Runs the officer's screen until the officer quits or a termination signal arrives. The
/// terminal is restored on every way out: quit, signal, error, or panic (ratatui's hook,
/// which runs before the hook `main` installed).
pub fn run(mut runtime: Runtime<'_>, mut app: App, effects: Vec<Effect>) -> std::io::Result<Ended> {
    use std::io::IsTerminal;
    // Without a terminal the screen cannot work; say so instead of writing escape codes into
    // a pipe or failing half way into raw mode.
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(std::io::Error::other(
            "standard input and output must be a terminal (for figures without one: sufler stats)",
        ));
    }
    // Registered before the terminal changes so that a signal at any moment is seen. SIGTERM
    // sets a flag the loop checks, so the terminal is restored; a second SIGTERM ends the
    // process at once, for when the loop cannot get there. SIGHUP means the terminal is gone:
    // there is nothing to restore, and crossterm's `poll` would spin on the dead tty, so the
    // process ends at once. Ending anywhere loses nothing: each action shown as done is on
    // disk already.
    let signal = Arc::new(AtomicUsize::new(0));
    let term_seen = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(
        SIGTERM,
        128 + SIGTERM,
        Arc::clone(&term_seen),
    )?;
    signal_hook::flag::register(SIGTERM, Arc::clone(&term_seen))?;
    signal_hook::flag::register_usize(SIGTERM, Arc::clone(&signal), SIGTERM as usize)?;
    // SAFETY: the action only calls `_exit`, which is async-signal-safe.
    unsafe {
        signal_hook::low_level::register(SIGHUP, || signal_hook::low_level::exit(128 + SIGHUP))?;
    }
    let received = || match signal.load(Ordering::Relaxed) {
        0 => None,
        sig => Some(Ended::Signal(sig as i32)),
    };
    let mut terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(e) => {
            ratatui::restore();
            return Err(e);
        }
    };
    let result = (|| -> std::io::Result<Ended> {
        if runtime.drain(&mut app, effects) {
            return Ok(Ended::Quit);
        }
        let mut last_tick = Instant::now();
        let mut changes = runtime.rehearsal_changes();
        let mut looked = Instant::now();
        loop {
            if let Some(ended) = received() {
                return Ok(ended);
            }
            runtime.follow_saves(&mut app, &mut changes, &mut looked);
            if let Some(status) = runtime.centre.as_ref().and_then(|c| c.status()) {
                if app.sync != Some(status) {
                    app.update(Msg::SyncStatus(status));
                }
            }
            // What a pull brought shows on home at once (elsewhere: when home is next loaded).
            let news = runtime.centre.as_ref().is_some_and(|c| c.has_news());
            if news
                && matches!(app.screen, super::Screen::Home(_))
                && runtime.drain(&mut app, vec![Effect::LoadHome])
            {
                return Ok(Ended::Quit);
            }
            let drawn = terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
            // Keys act on what the officer sees: nothing while the window is too small.
            app.too_small = super::too_small(drawn.area);
            if !event::poll(SIGNAL_POLL)? {
                if last_tick.elapsed() >= TICK {
                    last_tick = Instant::now();
                    let effects = app.update(Msg::Tick(now()));
                    if runtime.drain(&mut app, effects) {
                        return Ok(Ended::Quit);
                    }
                }
                continue;
            }
            let msg = match event::read()? {
                Event::Key(key) => Msg::Key(key),
                Event::Resize(_, _) => Msg::Resize,
                _ => continue,
            };
            last_tick = Instant::now();
            let mut effects = app.update(Msg::Tick(now()));
            effects.extend(app.update(msg));
            if runtime.drain(&mut app, effects) {
                return Ok(Ended::Quit);
            }
        }
    })();
    ratatui::restore();
    result
}
