//! The officer's screen, as The Elm Architecture: one model ([`App`]), messages in
//! ([`Msg`]: key presses and the results of effects), effects out ([`Effect`]: what the run
//! loop must do against the store), and views that are pure functions of the model.
//!
//! Nothing here touches the terminal or the database. The run loop reads events, feeds them
//! to [`App::update`], performs the returned effects and feeds their results back as
//! messages, then draws `&App` as a widget.
//!
//! **Durability.** An officer's action on a consultation computes the new record from a
//! clone and returns [`Effect::Save`]; the screen keeps showing the old record with a
//! "saving…" mark until [`Msg::Saved`] brings the stored record back. Only then is the action
//! shown as done. In rehearsal (`sufler preview`) actions apply at once and nothing is saved.

pub mod keys;
pub mod run;
pub mod text;

mod call;
mod call_date;
mod cancel;
mod catalog_notice;
pub mod centre;
mod choose;
mod client;
mod common;
mod consultation;
mod find;
mod first_start;
mod form;
mod help;
mod home;
mod rehearsal;
mod summary;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_call;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use ratatui::Frame;

use crate::catalog::Catalog;
use crate::consultation::{
    Cancellation, Client, ClientHistory, Consultation, Contact, EngineError, OpenCallBack,
    Technique,
};
use crate::store::EventKind;

pub use call::CallScreen;
pub use call_date::{CallDateAnswer, CallDateAsk};
pub use choose::ChooseScreen;
pub use client::ClientScreen;
pub use consultation::{ConsultationScreen, Mode, Pending};
pub use find::FindScreen;
pub use first_start::FirstStartScreen;
pub use form::{ClientForm, FormQuestion};
pub use home::HomeScreen;
pub use keys::{action, Action};
pub use summary::SummaryScreen;
pub use text::Lang;

/// The smallest terminal the screens are laid out for; below it only a message is drawn.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width the consultation puts the stage list and the prompts side by side.
pub const WIDE: u16 = 120;
/// How many search results to ask for.
pub const SEARCH_LIMIT: usize = 50;

/// What the home screen shows; the run loop fills it from the store ([`Effect::LoadHome`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeData {
    /// This officer's consultations started today, oldest first.
    pub today: Vec<TodayConsultation>,
    /// This officer's accepted count per product this month (`Store::plan_sold`); the
    /// targets come from the catalogue's `plan_per_month`.
    pub plan_sold: BTreeMap<String, u64>,
    /// The call backs due today or before, earliest first (at most
    /// [`run::CALL_BACK_LIMIT`]).
    pub follow_ups: Vec<FollowUpItem>,
    /// How many call backs are due in all (more than listed when the limit cut the list).
    pub follow_ups_due: usize,
    /// Every unfinished consultation of the officer, the latest first.
    pub unfinished: Vec<Unfinished>,
    /// The catalogue's files fail the checks (at start or since): what is in use instead.
    pub catalog: Option<crate::catalog::CatalogNotice>,
    /// The published catalogue fails the checks here and is not used: home's words for it.
    pub centre: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodayConsultation {
    pub consultation: Consultation,
    pub client_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpItem {
    /// When the call is due.
    pub date: NaiveDate,
    pub client_id: u64,
    pub client_name: String,
    /// Digits as stored (`79161234567`).
    pub phone: String,
    /// Product id.
    pub product: String,
    /// The consultation whose "thinking" opened the call back.
    pub consultation: u64,
    /// A check-in after a sale rather than a call back on a "thinking".
    pub check_in: bool,
}

/// What the call screen needs ([`Effect::LoadCall`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallData {
    pub client: Client,
    pub product: String,
    /// The consultation whose "thinking" opened the call back.
    pub origin: Consultation,
    /// When the call was due.
    pub due: NaiveDate,
    /// Earlier calls on this call back, oldest first.
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub consultation_id: u64,
    pub client_name: String,
    /// Main product id.
    pub main: String,
    pub started_at: NaiveDateTime,
}

/// Everything that comes into [`App::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press (only `KeyEventKind::Press` is acted on).
    Key(KeyEvent),
    /// The terminal was resized: nothing to change, the next frame is laid out anew.
    Resize,
    /// The clock: offers and notes are stamped with `now`, ages and cooldowns use its date.
    Tick(NaiveDateTime),
    /// The live sender's status changed (the footer shows it).
    SyncStatus(crate::sync::live::LiveStatus),
    /// Answer to [`Effect::SaveOfficer`].
    OfficerSaved(Result<(), String>),
    /// Answer to [`Effect::LoadHome`].
    Home(HomeData),
    /// Answer to [`Effect::Search`]: `query` is the one the search was made for.
    SearchResults { query: String, clients: Vec<Client> },
    /// Answer to [`Effect::AddClient`]: the stored client (with its id) or why not.
    ClientAdded(Result<Client, String>),
    /// Answer to [`Effect::LoadClientCard`]: the client's consultations oldest first.
    ClientCard {
        client: Client,
        history: ClientHistory,
        consultations: Vec<Consultation>,
    },
    /// Answer to [`Effect::Prepare`]: what a new consultation needs.
    Prepared {
        client: Client,
        main: String,
        history: ClientHistory,
        plan_sold: BTreeMap<String, u64>,
        rotation: BTreeMap<(String, Technique), u64>,
        consultation_id: u64,
    },
    /// Answer to [`Effect::Resume`].
    Resumed {
        client: Client,
        history: ClientHistory,
        plan_sold: BTreeMap<String, u64>,
        rotation: BTreeMap<(String, Technique), u64>,
        /// Boxed: the largest message otherwise.
        consultation: Box<Consultation>,
    },
    /// Answer to [`Effect::Save`]: the consultation as stored, or why it was not.
    Saved(Result<Consultation, String>),
    /// Any other effect failed (loading, searching, preparing): shown plainly.
    Failed(String),
    /// Answer to [`Effect::LoadCardCallBacks`].
    CardCallBacks {
        client_id: u64,
        open: Vec<OpenCallBack>,
        contacts: Vec<Contact>,
        cancellations: Vec<Cancellation>,
    },
    /// Answer to [`Effect::SaveCancellation`].
    CancellationSaved(Result<Cancellation, String>),
    /// Answer to [`Effect::RemoveHolding`].
    HoldingRemoved {
        client_id: u64,
        product: String,
        result: Result<(), String>,
    },
    /// Answer to [`Effect::LoadCall`].
    Call(Box<CallData>),
    /// Answer to [`Effect::SaveContact`]: the stored contact, or why it was not stored.
    ContactSaved(Result<Contact, String>),
    /// Answer to [`Effect::AddClient`] or [`Effect::UpdateClient`] when the client is stored
    /// already (`Store::same_clients`): nothing was written.
    SameClients(Vec<Client>),
    /// Answer to [`Effect::UpdateClient`]: the client as stored, or why not.
    ClientUpdated(Result<Client, String>),
    /// Answer to [`Effect::AddHolding`].
    HoldingAdded {
        client_id: u64,
        product: String,
        result: Result<(), String>,
    },
}

/// What the run loop must do; each says which [`Msg`] it answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store the officer (first start) → [`Msg::OfficerSaved`].
    SaveOfficer { name: String, branch: String },
    /// Gather the home screen's figures → [`Msg::Home`] (or [`Msg::Failed`]).
    LoadHome,
    /// Find clients by surname prefix or phone digits, up to [`SEARCH_LIMIT`] →
    /// [`Msg::SearchResults`] (or [`Msg::Failed`]).
    Search(String),
    /// Store a new client (validated, id 0) → [`Msg::ClientAdded`], or
    /// [`Msg::SameClients`] when the same person is stored already (nothing is written).
    AddClient(Client),
    /// The client, their history and consultations → [`Msg::ClientCard`] (or [`Msg::Failed`]).
    LoadClientCard(u64),
    /// A fresh consultation id and the client's context → [`Msg::Prepared`] (or
    /// [`Msg::Failed`]).
    Prepare { client_id: u64, main: String },
    /// Load an unfinished consultation and its context → [`Msg::Resumed`] (or
    /// [`Msg::Failed`]).
    Resume { consultation_id: u64 },
    /// Store the consultation durably with one event-log entry → [`Msg::Saved`].
    Save {
        consultation: Consultation,
        event: EventKind,
        detail: String,
    },
    /// Leave the program (an open consultation stays stored and is offered next time).
    Quit,
    /// The call back of `consultation` on `product`, with its client → [`Msg::Call`] (or
    /// [`Msg::Failed`]).
    LoadCall { consultation: u64, product: String },
    /// The client's open call backs, contacts and cancellations, for the card →
    /// [`Msg::CardCallBacks`].
    LoadCardCallBacks(u64),
    /// Store a cancelled sale → [`Msg::CancellationSaved`].
    SaveCancellation(Cancellation),
    /// Unmark a product marked as held by mistake → [`Msg::HoldingRemoved`].
    RemoveHolding { client_id: u64, product: String },
    /// Store a call's outcome durably → [`Msg::ContactSaved`].
    SaveContact(Contact),
    /// Store an edited client (validated) → [`Msg::ClientUpdated`], or [`Msg::SameClients`]
    /// when another stored client is the same person (nothing is written).
    UpdateClient(Client),
    /// Record a product the client already holds → [`Msg::HoldingAdded`].
    AddHolding { client_id: u64, product: String },
}

/// The status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Something was done (stored).
    Info(String),
    /// Guidance: what a key needs, what to do next.
    Hint(String),
    Error(String),
    Saving,
}

/// The screen shown, with its own state.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    FirstStart(FirstStartScreen),
    Home(HomeScreen),
    Find(FindScreen),
    Client(Box<ClientScreen>),
    Choose(ChooseScreen),
    Consultation(Box<ConsultationScreen>),
    Summary(SummaryScreen),
    Call(Box<CallScreen>),
}

/// How the app is opened.
#[derive(Debug, Clone)]
pub struct Start {
    pub lang: Lang,
    pub catalog: Catalog,
    pub now: NaiveDateTime,
    /// Known officer (from `--officer` or the store); `None` asks on the first start.
    pub officer: Option<String>,
    pub branch: Option<String>,
}

/// The one model of the officer's screen.
#[derive(Debug, Clone)]
pub struct App {
    pub lang: Lang,
    pub officer: String,
    pub branch: String,
    /// The catalogue in use.
    pub catalog: Catalog,
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub screen: Screen,
    pub status: Option<Status>,
    /// The `?` overlay listing every key.
    pub help: bool,
    /// `sufler preview`: actions apply directly and nothing is recorded.
    pub rehearsal: bool,
    /// `sufler preview`: why the files as saved are not on screen (they fail check), kept
    /// in the status line until a save that checks.
    pub catalog_trouble: Option<String>,
    /// The search as it was, restored when the officer goes back to it.
    last_find: Option<FindScreen>,
    /// The client card on screen was opened from the search (Esc goes back there), not from
    /// home.
    card_from_find: bool,
    /// The card the choice of the main product on screen was opened from (Esc goes back to
    /// it as it was).
    card_behind: Option<Box<ClientScreen>>,
    /// The last frame was too small to show the screen (it asked for a larger window): keys
    /// do nothing but quit until it is larger, so nothing is recorded blind.
    pub too_small: bool,
    /// Home's cursor when home was left, so that back from a call it is where it was.
    home_selected: usize,
    /// The live sender's status for the footer, with a server set.
    pub sync: Option<crate::sync::live::LiveStatus>,
}

/// Below 80×24 the screen asks for a larger window instead of drawing itself.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// What the handlers of one screen may read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang,
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub rehearsal: bool,
    /// The officer at the screen (who records what is done).
    pub officer: &'a str,
}

/// Where a screen asks the app to go, for a screen of another module: the app builds that
/// screen ([`App::resolve`]), so a screen module knows only its own state and messages.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // made and moved once per key or message
pub(crate) enum Route {
    /// The search, empty, or its form for a new client.
    Find { form: bool },
    /// A client's card, freshly opened.
    Card {
        client: Client,
        history: ClientHistory,
        consultations: Vec<Consultation>,
    },
    /// The choice of the main product for the card on screen; the app keeps the card.
    Choose,
    /// Back from the choice to the card it was opened from, as it was.
    BackToCard,
}

/// What a screen's handler asks of the app.
#[derive(Debug, Default)]
pub(crate) struct Step {
    pub effects: Vec<Effect>,
    pub goto: Option<Screen>,
    /// Another module's screen to go to; resolved by the app, and wins over `goto`.
    pub route: Option<Route>,
    pub status: Option<Status>,
}

impl Step {
    pub fn effect(effect: Effect) -> Step {
        Step {
            effects: vec![effect],
            ..Step::default()
        }
    }
    pub fn goto(screen: Screen) -> Step {
        Step {
            goto: Some(screen),
            ..Step::default()
        }
    }
    pub fn route(route: Route) -> Step {
        Step {
            route: Some(route),
            ..Step::default()
        }
    }
    pub fn hint(text: impl Into<String>) -> Step {
        Step {
            status: Some(Status::Hint(text.into())),
            ..Step::default()
        }
    }
    pub fn error(text: impl Into<String>) -> Step {
        Step {
            status: Some(Status::Error(text.into())),
            ..Step::default()
        }
    }
    pub fn with(mut self, effect: Effect) -> Step {
        self.effects.push(effect);
        self
    }
}

/// The home screen, loading, with the effect that loads it.
pub(crate) fn go_home() -> Step {
    Step::goto(Screen::Home(HomeScreen::default())).with(Effect::LoadHome)
}

/// A fixed demo client for rehearsals and screenshots.
pub fn demo_client() -> Client {
    Client {
        id: 0,
        last_name: "Смирнова".to_string(),
        first_name: "Анна".to_string(),
        patronymic: "Сергеевна".to_string(),
        phone: "79161234567".to_string(),
        birth_date: NaiveDate::from_ymd_opt(1985, 4, 12).unwrap_or_default(),
        segment: "массовый".to_string(),
        calls_consent: false,
    }
}

impl App {
    /// Opens the app: the home screen (with [`Effect::LoadHome`]) when the officer is
    /// known, else the first-start questions.
    pub fn new(start: Start) -> (App, Vec<Effect>) {
        let Start {
            lang,
            catalog,
            now,
            officer,
            branch,
        } = start;
        let officer = officer
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty());
        let branch = branch.unwrap_or_default().trim().to_string();
        let (screen, effects, officer) = match officer {
            Some(name) => (
                Screen::Home(HomeScreen::default()),
                vec![Effect::LoadHome],
                name,
            ),
            None => (
                Screen::FirstStart(FirstStartScreen::new(&branch)),
                Vec::new(),
                String::new(),
            ),
        };
        let app = App {
            lang,
            officer,
            branch,
            catalog,
            today: now.date(),
            now,
            screen,
            status: None,
            help: false,
            rehearsal: false,
            catalog_trouble: None,
            last_find: None,
            card_from_find: false,
            card_behind: None,
            too_small: false,
            home_selected: 0,
            sync: None,
        };
        (app, effects)
    }

    /// `sufler preview`: the consultation screen for `main` with `client`, in rehearsal.
    pub fn rehearsal(
        lang: Lang,
        catalog: Catalog,
        officer: &str,
        client: Client,
        main: &str,
        now: NaiveDateTime,
    ) -> Result<App, EngineError> {
        let consultation = Consultation::start(0, now, officer, "", client.id, main, &catalog)?;
        let screen = ConsultationScreen::new(
            client,
            ClientHistory::default(),
            BTreeMap::new(),
            BTreeMap::new(),
            consultation,
        );
        Ok(App {
            lang,
            officer: officer.to_string(),
            branch: String::new(),
            catalog,
            today: now.date(),
            now,
            screen: Screen::Consultation(Box::new(screen)),
            status: None,
            help: false,
            rehearsal: true,
            catalog_trouble: None,
            last_find: None,
            card_from_find: false,
            card_behind: None,
            too_small: false,
            home_selected: 0,
            sync: None,
        })
    }

    pub(crate) fn env(&self) -> Env<'_> {
        Env {
            catalog: &self.catalog,
            lang: self.lang,
            today: self.today,
            now: self.now,
            rehearsal: self.rehearsal,
            officer: &self.officer,
        }
    }

    /// Replaces the catalogue in use (say, after the trainer fixed the files).
    pub fn set_catalog(&mut self, catalog: Catalog) {
        self.catalog = catalog;
    }

    /// Whether an unfinished consultation is on screen.
    pub fn in_consultation(&self) -> bool {
        matches!(&self.screen, Screen::Consultation(s) if !s.consultation.is_finished())
    }

    /// Whether a text field has the keyboard now (letters type, they are not actions).
    pub fn typing(&self) -> bool {
        match &self.screen {
            Screen::FirstStart(_) | Screen::Find(_) => true,
            Screen::Client(s) => s.form.is_some() || s.cancel.as_ref().is_some_and(|c| c.typing()),
            Screen::Consultation(s) => matches!(s.mode, Mode::Note { .. } | Mode::CallDay { .. }),
            Screen::Call(s) => s.asking.is_some(),
            _ => false,
        }
    }

    /// The one state transition: a message in, the effects to perform out.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let step = match msg {
            Msg::Key(key) => {
                if key.kind != KeyEventKind::Press {
                    return Vec::new();
                }
                self.on_key(key)
            }
            Msg::Resize => Step::default(),
            Msg::SyncStatus(status) => {
                self.sync = Some(status);
                Step::default()
            }
            Msg::Tick(now) => {
                self.now = now;
                self.today = now.date();
                Step::default()
            }
            Msg::OfficerSaved(result) => self.on_officer_saved(result),
            Msg::Home(data) => {
                if let Screen::Home(h) = &mut self.screen {
                    h.set_data(data);
                }
                Step::default()
            }
            Msg::SearchResults { query, clients } => {
                if let Screen::Find(f) = &mut self.screen {
                    f.set_results(&query, clients);
                }
                Step::default()
            }
            Msg::ClientAdded(result) => {
                let env = Env {
                    catalog: &self.catalog,
                    lang: self.lang,
                    today: self.today,
                    now: self.now,
                    rehearsal: self.rehearsal,
                    officer: &self.officer,
                };
                match &mut self.screen {
                    Screen::Find(f) => f.on_added(&env, result),
                    _ => match result {
                        Ok(_) => Step::default(),
                        Err(e) => Step::error(text::not_saved(self.lang, &e)),
                    },
                }
            }
            Msg::ClientCard { .. } | Msg::Prepared { .. } | Msg::Resumed { .. }
                if self.in_consultation() =>
            {
                // An open consultation is never replaced by a late answer.
                Step::default()
            }
            Msg::ClientCard {
                client,
                history,
                consultations,
            } => {
                let id = client.id;
                Step::route(Route::Card {
                    client,
                    history,
                    consultations,
                })
                .with(Effect::LoadCardCallBacks(id))
            }
            Msg::CardCallBacks {
                client_id,
                open,
                contacts,
                cancellations,
            } => {
                if let Screen::Client(s) = &mut self.screen {
                    if s.client.id == client_id {
                        s.call_backs = open;
                        s.contacts = contacts;
                        s.cancellations = cancellations;
                    }
                }
                Step::default()
            }
            Msg::CancellationSaved(result) => {
                if self.status == Some(Status::Saving) {
                    self.status = None;
                }
                match &mut self.screen {
                    Screen::Client(s) => s.on_cancelled(&self.catalog, self.lang, result),
                    _ => Step::default(),
                }
            }
            Msg::Call(data) => Step::goto(Screen::Call(Box::new(CallScreen::new(*data)))),
            Msg::ContactSaved(result) => {
                if self.status == Some(Status::Saving) {
                    self.status = None;
                }
                match &mut self.screen {
                    Screen::Call(s) => s.on_saved(&self.catalog, self.lang, result),
                    _ => match result {
                        Ok(_) => Step::default(),
                        Err(e) => Step::error(text::not_saved(self.lang, &e)),
                    },
                }
            }
            Msg::Prepared {
                client,
                main,
                history,
                plan_sold,
                rotation,
                consultation_id,
            } => self.on_prepared(client, &main, history, plan_sold, rotation, consultation_id),
            Msg::Resumed {
                client,
                history,
                plan_sold,
                rotation,
                consultation,
            } => {
                if consultation.is_finished() {
                    go_home()
                } else {
                    let s = ConsultationScreen::new(
                        client,
                        history,
                        plan_sold,
                        rotation,
                        *consultation,
                    );
                    let mut step = Step::goto(Screen::Consultation(Box::new(s)));
                    step.status = Some(Status::Info(text::t(self.lang).resumed.to_string()));
                    step
                }
            }
            Msg::Saved(result) => self.on_saved(result),
            Msg::Failed(e) => {
                if let Screen::Choose(c) = &mut self.screen {
                    c.preparing = false;
                }
                Step::error(e)
            }
            Msg::SameClients(found) => match &mut self.screen {
                Screen::Find(f) => f.on_same(found),
                Screen::Client(c) => c.on_same(found),
                _ => Step::default(),
            },
            Msg::ClientUpdated(result) => match &mut self.screen {
                Screen::Client(c) => c.on_updated(self.lang, result),
                _ => match result {
                    Ok(_) => Step::default(),
                    Err(e) => Step::error(text::not_saved(self.lang, &e)),
                },
            },
            Msg::HoldingRemoved {
                client_id,
                product,
                result,
            } => match &mut self.screen {
                Screen::Client(c) if c.client.id == client_id => {
                    c.on_holding_removed(&self.catalog, self.lang, product, result)
                }
                _ => match result {
                    Ok(()) => Step::default(),
                    Err(e) => Step::error(text::not_saved(self.lang, &e)),
                },
            },
            Msg::HoldingAdded {
                client_id,
                product,
                result,
            } => match &mut self.screen {
                Screen::Client(c) if c.client.id == client_id => {
                    c.on_holding_added(&self.catalog, self.lang, product, result)
                }
                _ => match result {
                    Ok(()) => Step::default(),
                    Err(e) => Step::error(text::not_saved(self.lang, &e)),
                },
            },
        };
        self.apply(step)
    }

    fn apply(&mut self, step: Step) -> Vec<Effect> {
        if let Some(status) = step.status {
            self.status = Some(status);
        }
        let goto = match step.route {
            Some(route) => self.resolve(route),
            None => step.goto,
        };
        if let Some(screen) = goto {
            if matches!(screen, Screen::Client(_)) && !matches!(self.screen, Screen::Client(_)) {
                // Esc on the card goes back to where it was opened from.
                self.card_from_find = matches!(self.screen, Screen::Find(_));
            }
            if let Screen::Find(f) = &self.screen {
                if !matches!(screen, Screen::Find(_)) {
                    self.last_find = Some(f.clone());
                }
            }
            // Working down the call-back list: back on home, the cursor is where it was.
            let mut screen = screen;
            if let Screen::Home(old) = &self.screen {
                self.home_selected = old.selected;
            }
            if let Screen::Home(h) = &mut screen {
                h.selected = self.home_selected;
            }
            self.screen = screen;
            if !matches!(self.screen, Screen::Choose(_)) {
                self.card_behind = None;
            }
        }
        step.effects
    }

    /// The screen a route leads to; `None` stays where it is (the choice asked for off a
    /// card, or back to a card that is not kept).
    fn resolve(&mut self, route: Route) -> Option<Screen> {
        match route {
            Route::Find { form: false } => Some(Screen::Find(FindScreen::default())),
            Route::Find { form: true } => Some(Screen::Find(FindScreen::with_form())),
            Route::Card {
                client,
                history,
                consultations,
            } => Some(Screen::Client(Box::new(ClientScreen::new(
                client,
                history,
                consultations,
            )))),
            Route::Choose => {
                let Screen::Client(card) = &self.screen else {
                    return None;
                };
                self.card_behind = Some(card.clone());
                Some(Screen::Choose(ChooseScreen::new(card.client.clone())))
            }
            Route::BackToCard => self.card_behind.take().map(Screen::Client),
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Step {
        let act = action(key);
        if act == Some(Action::Interrupt) {
            return Step::effect(Effect::Quit);
        }
        if self.too_small {
            return Step::default();
        }
        if self.help {
            self.help = false;
            return Step::default();
        }
        let typing = self.typing();
        if key.code == KeyCode::F(1) || (!typing && act == Some(Action::Help)) {
            self.help = true;
            return Step::default();
        }
        // A key clears the previous message; the handler may set a new one. "Saving…"
        // stays until the answer comes back.
        if self.status != Some(Status::Saving) {
            self.status = None;
        }
        let env = Env {
            catalog: &self.catalog,
            lang: self.lang,
            today: self.today,
            now: self.now,
            rehearsal: self.rehearsal,
            officer: &self.officer,
        };
        match &mut self.screen {
            Screen::FirstStart(s) => s.on_key(&env, key),
            Screen::Home(s) => s.on_key(&env, key, act),
            Screen::Find(s) => s.on_key(&env, key),
            Screen::Client(s) => {
                // Esc on the card's form or list is theirs; on the card itself it goes back.
                let own_esc = s.form.is_some() || s.holdings.is_some() || s.cancel.is_some();
                let step = s.on_key(&env, key, act);
                if !own_esc
                    && step.goto.is_none()
                    && step.route.is_none()
                    && act == Some(Action::Back)
                {
                    // Back where the card was opened from: the search as it was, or home.
                    if !self.card_from_find {
                        return go_home();
                    }
                    let find = self.last_find.take().unwrap_or_default();
                    return Step::goto(Screen::Find(find));
                }
                step
            }
            Screen::Choose(s) => s.on_key(&env, act),
            Screen::Consultation(s) => s.on_key(&env, key, act),
            Screen::Call(s) => s.on_key(&env, (&self.officer, &self.branch), key, act),
            Screen::Summary(_) => {
                if self.rehearsal {
                    Step::effect(Effect::Quit)
                } else {
                    go_home()
                }
            }
        }
    }

    fn on_officer_saved(&mut self, result: Result<(), String>) -> Step {
        let Screen::FirstStart(s) = &mut self.screen else {
            return Step::default();
        };
        s.saving = false;
        match result {
            Ok(()) => {
                self.officer = s.name.trim().to_string();
                self.branch = s.branch.trim().to_string();
                go_home()
            }
            Err(e) => Step::error(text::not_saved(self.lang, &e)),
        }
    }

    fn on_prepared(
        &mut self,
        client: Client,
        main: &str,
        history: ClientHistory,
        plan_sold: BTreeMap<String, u64>,
        rotation: BTreeMap<(String, Technique), u64>,
        id: u64,
    ) -> Step {
        let started = Consultation::start(
            id,
            self.now,
            &self.officer,
            &self.branch,
            client.id,
            main,
            &self.catalog,
        );
        let consultation = match started {
            Ok(c) => c,
            Err(e) => {
                if let Screen::Choose(c) = &mut self.screen {
                    c.preparing = false;
                }
                return Step::error(text::engine_error(self.lang, &e, &self.catalog));
            }
        };
        let mut s = ConsultationScreen::new(client, history, plan_sold, rotation, consultation);
        let step = if self.rehearsal {
            Step::default()
        } else {
            s.pending = Some(Pending {
                next: s.consultation.clone(),
                done: String::new(),
            });
            Step {
                status: Some(Status::Saving),
                effects: vec![Effect::Save {
                    consultation: s.consultation.clone(),
                    event: EventKind::Started,
                    detail: main.to_string(),
                }],
                ..Step::default()
            }
        };
        Step {
            goto: Some(Screen::Consultation(Box::new(s))),
            ..step
        }
    }

    fn on_saved(&mut self, result: Result<Consultation, String>) -> Step {
        let lang = self.lang;
        let Screen::Consultation(s) = &mut self.screen else {
            // Nothing on screen waits for it; an error still deserves a word.
            return match result {
                Ok(_) => {
                    if self.status == Some(Status::Saving) {
                        self.status = None;
                    }
                    Step::default()
                }
                Err(e) => Step::error(text::not_saved(lang, &e)),
            };
        };
        if self.status == Some(Status::Saving) {
            self.status = None;
        }
        s.on_saved(&self.catalog, lang, result)
    }
}

/// The whole frame: a pure function of the model.
impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if too_small(area) {
            common::render_too_small(self.lang, area, buf);
            return;
        }
        match &self.screen {
            Screen::FirstStart(s) => s.render(self, area, buf),
            Screen::Home(s) => s.render(self, area, buf),
            Screen::Find(s) => s.render(self, area, buf),
            Screen::Client(s) => s.render(self, area, buf),
            Screen::Choose(s) => s.render(self, area, buf),
            Screen::Consultation(s) => s.render(self, area, buf),
            Screen::Summary(s) => s.render(self, area, buf),
            Screen::Call(s) => s.render(self, area, buf),
        }
        if self.help {
            help::render(self, area, buf);
        }
    }
}

/// Draws the app into a frame (the run loop's `terminal.draw(|f| tui::view(&app, f))`).
pub fn view(app: &App, frame: &mut Frame) {
    frame.render_widget(app, frame.area());
}
