//! The consultation: the client's polite address, the main product and the formula always in
//! view; the stages with progress; the current stage's lines; its prompts numbered 1–9 and
//! the offers already made; one key per outcome.
//!
//! Every change goes through [`ConsultationScreen::commit`]: it computes the new record from
//! a clone and asks for [`Effect::Save`]; the screen shows the change only once
//! [`super::Msg::Saved`] brings the stored record back (rehearsal applies it at once).

use std::collections::{BTreeMap, BTreeSet};

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::common::{self, pad, Hint, BAD, BOLD, CUE, DIM, HEAD, KEY, OK, SEL, WARN};
use super::keys;
use super::summary::SummaryScreen;
use super::text::{self, Lang};
use super::{go_home, Action, App, Effect, Env, SaveEvent, Screen, Status, Step, WIDE};
use crate::catalog::placeholder::{fill, Fill};
use crate::catalog::Catalog;
use crate::consultation::{
    Client, ClientHistory, Consultation, Context, EngineError, MainStatus, Offer, Outcome, Prompt,
    PromptOrigin, Technique,
};

/// A change asked for and not yet stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The record as it will be once stored.
    pub next: Consultation,
    /// What to say when it is stored (empty: nothing).
    pub done: String,
}

/// What the keys do right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// The disclosure lines of a product must be confirmed before `y` is accepted.
    Disclosure {
        product: String,
    },
    /// The script's answers to objections about a product.
    Objections {
        product: String,
    },
    /// "Not in the script": a one-line note being typed.
    Note {
        text: String,
    },
    ConfirmNotReceptive,
    /// `f` with the main product's outcome not recorded.
    ConfirmFinish,
    /// `q` (quit the program) or `Esc` (back to home).
    ConfirmLeave {
        quit: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationScreen {
    pub client: Client,
    pub history: ClientHistory,
    pub plan_sold: BTreeMap<String, u64>,
    pub rotation: BTreeMap<(String, Technique), u64>,
    /// The record as last stored: what the screen shows.
    pub consultation: Consultation,
    pub pending: Option<Pending>,
    /// The picked prompt or offer, by product id.
    pub picked: Option<String>,
    pub mode: Mode,
    /// Disclosure lines ticked per product, stored with the next outcome of that offer.
    pub said: BTreeMap<String, BTreeSet<u32>>,
    /// Rows scrolled in the prompts pane.
    pub scroll: u16,
}

/// One numbered entry: a prompt to say now, or an offer already made.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Prompt(Prompt),
    Made(Offer),
}

impl Item {
    pub fn product(&self) -> &str {
        match self {
            Item::Prompt(p) => &p.product,
            Item::Made(o) => &o.product,
        }
    }
}

fn technique_name(lang: Lang, t: Technique) -> &'static str {
    let tx = text::t(lang);
    match t {
        Technique::Catch => tx.catch_tag,
        Technique::Create => tx.create_tag,
    }
}

impl ConsultationScreen {
    pub fn new(
        client: Client,
        history: ClientHistory,
        plan_sold: BTreeMap<String, u64>,
        rotation: BTreeMap<(String, Technique), u64>,
        consultation: Consultation,
    ) -> ConsultationScreen {
        ConsultationScreen {
            client,
            history,
            plan_sold,
            rotation,
            consultation,
            pending: None,
            picked: None,
            mode: Mode::Normal,
            said: BTreeMap::new(),
            scroll: 0,
        }
    }

    fn context<'a>(&'a self, catalog: &'a Catalog, env: &Env<'_>) -> Context<'a> {
        Context {
            catalog,
            client: &self.client,
            history: &self.history,
            today: env.today,
            plan_sold: &self.plan_sold,
            rotation: &self.rotation,
        }
    }

    /// The offers made so far, then the prompts of the current stage: `1`–`9` pick among
    /// them. Offers first keeps a prompt's number when it is offered in order (the offered
    /// prompt leaves the prompts and joins the offers at the same place).
    pub(crate) fn items(&self, env: &Env<'_>) -> Vec<Item> {
        let ctx = self.context(env.catalog, env);
        self.consultation
            .offers
            .iter()
            .cloned()
            .map(Item::Made)
            .chain(
                self.consultation
                    .prompts(&ctx)
                    .into_iter()
                    .map(Item::Prompt),
            )
            .collect()
    }

    /// The picked item, if it is still on screen.
    pub(crate) fn picked_item(&self, env: &Env<'_>) -> Option<Item> {
        let id = self.picked.as_deref()?;
        self.items(env).into_iter().find(|i| i.product() == id)
    }

    /// The product `o` and `x` are about: the picked one, else the main one.
    fn subject(&self, env: &Env<'_>) -> String {
        self.picked_item(env)
            .map(|i| i.product().to_string())
            .unwrap_or_else(|| self.consultation.main.clone())
    }

    fn filler_lines(&self, catalog: &Catalog, product: &str, lines: &[String]) -> Vec<String> {
        let (Some(p), Some(main)) = (
            catalog.product(product),
            catalog.product(&self.consultation.main),
        ) else {
            return lines.to_vec();
        };
        let polite = self.client.polite();
        let with = Fill {
            client: &polite,
            client_first: &self.client.first_name,
            client_last: &self.client.last_name,
            officer: &self.consultation.officer,
            product: p,
            main,
        };
        lines.iter().map(|t| fill(t, &with)).collect()
    }

    /// A product's disclosure lines, filled.
    pub fn disclosures(&self, catalog: &Catalog, product: &str) -> Vec<String> {
        let raw = catalog
            .product(product)
            .map(|p| p.disclosure.clone())
            .unwrap_or_default();
        self.filler_lines(catalog, product, &raw)
    }

    /// Disclosure lines of `product` neither stored as confirmed nor ticked now.
    pub fn unconfirmed(&self, catalog: &Catalog, product: &str) -> Vec<u32> {
        let ticked = self.said.get(product);
        self.consultation
            .missing_disclosures(product, catalog)
            .into_iter()
            .filter(|i| !ticked.is_some_and(|t| t.contains(i)))
            .collect()
    }

    fn confirmed(&self, product: &str, index: u32) -> bool {
        self.said.get(product).is_some_and(|t| t.contains(&index))
            || self
                .consultation
                .offer_of(product)
                .is_some_and(|o| o.disclosures_confirmed.contains(&index))
    }

    // ───────────────────────────── update ─────────────────────────────

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent, act: Option<Action>) -> Step {
        match self.mode.clone() {
            Mode::Note { text } => self.on_note_key(env, key, text),
            Mode::ConfirmNotReceptive => match keys::answer(act, None) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    let mut next = self.consultation.clone();
                    match next.mark_not_receptive() {
                        Ok(()) => self.commit(
                            env,
                            next,
                            SaveEvent::NotReceptive,
                            String::new(),
                            text::t(env.lang).done_not_receptive.to_string(),
                        ),
                        Err(e) => Step::error(text::engine_error(env.lang, &e)),
                    }
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::ConfirmFinish => match keys::answer(act, Some(Action::Finish)) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    self.finish(env)
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::ConfirmLeave { quit } => match keys::answer(act, Some(Action::Quit)) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    if quit || env.rehearsal {
                        Step::effect(Effect::Quit)
                    } else {
                        go_home()
                    }
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::Disclosure { product } => self.on_disclosure_key(env, act, &product),
            Mode::Objections { .. } => match act {
                Some(Action::Back | Action::Objections) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                Some(Action::Up) => {
                    self.scroll = self.scroll.saturating_sub(1);
                    Step::default()
                }
                Some(Action::Down) => {
                    self.scroll = self.scroll.saturating_add(1);
                    Step::default()
                }
                other => {
                    self.mode = Mode::Normal;
                    self.scroll = 0;
                    self.on_normal_key(env, other)
                }
            },
            Mode::Normal => self.on_normal_key(env, act),
        }
    }

    fn on_normal_key(&mut self, env: &Env<'_>, act: Option<Action>) -> Step {
        let tx = text::t(env.lang);
        let Some(act) = act else {
            return Step::default();
        };
        if self.consultation.is_finished() {
            return match act {
                Action::Quit => Step::effect(Effect::Quit),
                _ => go_home(),
            };
        }
        match act {
            Action::Quit => {
                self.mode = Mode::ConfirmLeave { quit: true };
                Step::default()
            }
            Action::Back => {
                if self.picked.take().is_some() {
                    return Step::default();
                }
                self.mode = Mode::ConfirmLeave { quit: false };
                Step::default()
            }
            Action::Pick(n) => {
                let items = self.items(env);
                match items.get(usize::from(n).saturating_sub(1)) {
                    Some(item) => {
                        let id = item.product().to_string();
                        if self.picked.as_deref() == Some(id.as_str()) {
                            self.picked = None;
                        } else {
                            self.picked = Some(id);
                        }
                        self.scroll = 0;
                        Step::default()
                    }
                    None => Step::hint(text::no_item(env.lang, n)),
                }
            }
            Action::Accept => self.record(env, Outcome::Accepted, false),
            Action::Decline => self.record(env, Outcome::Declined, false),
            Action::Thinking => self.record(env, Outcome::Thinking, false),
            Action::NextVariant => self.next_variant(env),
            Action::NextCreate => self.next_create(env),
            Action::Objections => {
                let product = self.subject(env);
                let list = self
                    .consultation
                    .objections(&product, env.catalog, &self.client);
                if list.is_empty() {
                    return Step::hint(text::no_objections(
                        env.lang,
                        common::product_name(env.catalog, &product),
                    ));
                }
                self.scroll = 0;
                self.mode = Mode::Objections { product };
                Step::default()
            }
            Action::Note => {
                self.mode = Mode::Note {
                    text: String::new(),
                };
                Step::default()
            }
            Action::NotReceptive => {
                if self.consultation.not_receptive {
                    return Step::hint(tx.already_not_receptive);
                }
                if self.pending.is_some() {
                    return Step::hint(tx.wait_saving);
                }
                self.mode = Mode::ConfirmNotReceptive;
                Step::default()
            }
            Action::Finish => {
                if self.pending.is_some() {
                    return Step::hint(tx.wait_saving);
                }
                if self.consultation.main_outcome.is_none() {
                    self.mode = Mode::ConfirmFinish;
                    return Step::default();
                }
                self.finish(env)
            }
            Action::PrevStage | Action::NextStage => {
                let mut next = self.consultation.clone();
                let moved = if act == Action::NextStage {
                    next.next_stage(env.catalog)
                } else {
                    next.prev_stage(env.catalog)
                };
                if let Err(e) = moved {
                    return Step::error(text::engine_error(env.lang, &e));
                }
                if next.stage == self.consultation.stage {
                    return Step::hint(if act == Action::NextStage {
                        tx.last_stage
                    } else {
                        tx.first_stage
                    });
                }
                let stage = next.current_stage(env.catalog).map(|s| s.title.clone());
                let id = next
                    .current_stage(env.catalog)
                    .map(|s| s.id.clone())
                    .unwrap_or_default();
                self.commit(
                    env,
                    next,
                    SaveEvent::Stage,
                    id,
                    text::done_stage(env.lang, stage.as_deref().unwrap_or("")),
                )
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                Step::default()
            }
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1);
                Step::default()
            }
            Action::Choose => Step::hint(tx.consultation_enter_hint),
            Action::Find | Action::NewClient => Step::hint(tx.finish_first),
            Action::Help | Action::Interrupt => Step::default(),
        }
    }

    fn on_note_key(&mut self, env: &Env<'_>, key: KeyEvent, mut note: String) -> Step {
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                Step::default()
            }
            KeyCode::Enter => {
                if note.trim().is_empty() {
                    self.mode = Mode::Normal;
                    return Step::default();
                }
                let product = self.subject(env);
                let mut next = self.consultation.clone();
                match next.add_note(&note, Some(&product), env.now, env.catalog) {
                    Ok(()) => {
                        self.mode = Mode::Normal;
                        self.commit(
                            env,
                            next,
                            SaveEvent::Note,
                            note.trim().to_string(),
                            text::t(env.lang).done_note.to_string(),
                        )
                    }
                    Err(e) => Step::error(text::engine_error(env.lang, &e)),
                }
            }
            KeyCode::Backspace => {
                note.pop();
                self.mode = Mode::Note { text: note };
                Step::default()
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                if note.chars().count() < 200 {
                    note.push(c);
                }
                self.mode = Mode::Note { text: note };
                Step::default()
            }
            _ => Step::default(),
        }
    }

    fn on_disclosure_key(&mut self, env: &Env<'_>, act: Option<Action>, product: &str) -> Step {
        let tx = text::t(env.lang);
        let count = u32::try_from(self.disclosures(env.catalog, product).len()).unwrap_or(0);
        match act {
            Some(Action::Pick(n)) => {
                let index = u32::from(n).saturating_sub(1);
                if index >= count {
                    return Step::hint(text::no_item(env.lang, n));
                }
                let stored = self
                    .consultation
                    .offer_of(product)
                    .is_some_and(|o| o.disclosures_confirmed.contains(&index));
                if !stored {
                    let ticked = self.said.entry(product.to_string()).or_default();
                    if !ticked.remove(&index) {
                        ticked.insert(index);
                    }
                }
                Step::default()
            }
            Some(Action::Choose) => match self.unconfirmed(env.catalog, product).first() {
                Some(&i) => {
                    self.said.entry(product.to_string()).or_default().insert(i);
                    Step::default()
                }
                None => Step::hint(tx.disclosure_all_done),
            },
            Some(Action::Accept) => self.record(env, Outcome::Accepted, true),
            Some(Action::Decline) => self.record(env, Outcome::Declined, true),
            Some(Action::Thinking) => self.record(env, Outcome::Thinking, true),
            Some(Action::Back) => {
                self.mode = Mode::Normal;
                Step::default()
            }
            Some(Action::Quit) => {
                self.mode = Mode::ConfirmLeave { quit: true };
                Step::default()
            }
            _ => Step::hint(tx.disclosure_keys),
        }
    }

    /// `y`/`n`/`t`: the picked prompt's offer and outcome in one change, or the picked
    /// offer's new outcome, or — nothing picked — the main product's outcome.
    fn record(&mut self, env: &Env<'_>, outcome: Outcome, in_disclosure: bool) -> Step {
        let tx = text::t(env.lang);
        if self.pending.is_some() {
            return Step::hint(tx.wait_saving);
        }
        let item = if in_disclosure {
            match &self.mode {
                Mode::Disclosure { product } => {
                    let product = product.clone();
                    self.items(env).into_iter().find(|i| i.product() == product)
                }
                _ => None,
            }
        } else {
            self.picked_item(env)
        };
        let Some(item) = item else {
            if in_disclosure {
                self.mode = Mode::Normal;
                return Step::default();
            }
            let mut next = self.consultation.clone();
            if let Err(e) = next.set_main_outcome(outcome) {
                return Step::error(text::engine_error(env.lang, &e));
            }
            let main = common::product_name(env.catalog, &self.consultation.main).to_string();
            return self.commit(
                env,
                next,
                SaveEvent::MainOutcome,
                outcome.as_str().to_string(),
                text::done_outcome(env.lang, &main, outcome),
            );
        };
        let product = item.product().to_string();
        if outcome == Outcome::Accepted {
            let count = self.disclosures(env.catalog, &product).len();
            let missing = if matches!(item, Item::Prompt(_)) {
                (0..u32::try_from(count).unwrap_or(0))
                    .filter(|i| !self.confirmed(&product, *i))
                    .count()
            } else {
                self.unconfirmed(env.catalog, &product).len()
            };
            if missing > 0 {
                if in_disclosure {
                    return Step::error(text::disclosures_missing(env.lang, missing));
                }
                self.mode = Mode::Disclosure { product };
                return Step::hint(tx.disclosure_first);
            }
        }
        match self.with_outcome(env, &item, outcome) {
            Ok(next) => {
                self.mode = Mode::Normal;
                let name = common::product_name(env.catalog, &product).to_string();
                self.commit(
                    env,
                    next,
                    SaveEvent::Outcome,
                    format!("{product} {}", outcome.as_str()),
                    text::done_outcome(env.lang, &name, outcome),
                )
            }
            Err(e) => Step::error(text::engine_error(env.lang, &e)),
        }
    }

    fn with_outcome(
        &self,
        env: &Env<'_>,
        item: &Item,
        outcome: Outcome,
    ) -> Result<Consultation, EngineError> {
        let mut next = self.consultation.clone();
        let product = item.product();
        if let Item::Prompt(p) = item {
            next.offer_prompt(p, env.now, env.catalog)?;
        }
        if let Some(ticked) = self.said.get(product) {
            for &i in ticked {
                next.confirm_disclosure(product, i, env.catalog)?;
            }
        }
        next.set_outcome(product, outcome, env.now, None, env.catalog)?;
        Ok(next)
    }

    fn next_variant(&mut self, env: &Env<'_>) -> Step {
        let tx = text::t(env.lang);
        if self.pending.is_some() {
            return Step::hint(tx.wait_saving);
        }
        let Some(Item::Prompt(p)) = self.picked_item(env) else {
            return Step::hint(tx.pick_first);
        };
        if p.variants.len() < 2 {
            return Step::hint(tx.one_variant);
        }
        let mut next = self.consultation.clone();
        match next.next_variant(&p.product, p.technique) {
            Ok(()) => self.commit(
                env,
                next,
                SaveEvent::Variant,
                p.product.clone(),
                String::new(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e)),
        }
    }

    fn next_create(&mut self, env: &Env<'_>) -> Step {
        let tx = text::t(env.lang);
        if self.pending.is_some() {
            return Step::hint(tx.wait_saving);
        }
        let plan = self.items(env).into_iter().find_map(|i| match i {
            Item::Prompt(p) if p.origin == PromptOrigin::Plan => Some(p),
            _ => None,
        });
        let Some(p) = plan else {
            return Step::hint(tx.no_create_here);
        };
        if p.plan.is_none_or(|c| c.count < 2) {
            return Step::hint(tx.one_create);
        }
        if self.picked.as_deref() == Some(p.product.as_str()) {
            self.picked = None;
        }
        let mut next = self.consultation.clone();
        match next.cycle_create() {
            Ok(()) => self.commit(
                env,
                next,
                SaveEvent::CreateCycled,
                p.product.clone(),
                String::new(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e)),
        }
    }

    fn finish(&mut self, env: &Env<'_>) -> Step {
        let mut next = self.consultation.clone();
        match next.finish(env.now) {
            Ok(()) => self.commit(
                env,
                next,
                SaveEvent::Finished,
                String::new(),
                text::t(env.lang).done_finished.to_string(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e)),
        }
    }

    /// Asks for the change to be stored; rehearsal applies it at once.
    fn commit(
        &mut self,
        env: &Env<'_>,
        next: Consultation,
        event: SaveEvent,
        detail: String,
        done: String,
    ) -> Step {
        if env.rehearsal {
            let mut step = self.stored(next);
            if !done.is_empty() {
                step.status = Some(Status::Info(done));
            }
            return step;
        }
        self.pending = Some(Pending {
            next: next.clone(),
            done,
        });
        Step {
            effects: vec![Effect::Save {
                consultation: next,
                event,
                detail,
            }],
            status: Some(Status::Saving),
            goto: None,
        }
    }

    /// The record is stored: show it.
    fn stored(&mut self, c: Consultation) -> Step {
        if c.stage != self.consultation.stage {
            self.picked = None;
            self.scroll = 0;
        }
        for o in &c.offers {
            if o.outcome.is_some() {
                self.said.remove(&o.product);
            }
        }
        self.consultation = c;
        if self.consultation.is_finished() {
            return Step::goto(Screen::Summary(SummaryScreen::new(
                self.client.clone(),
                self.consultation.clone(),
            )));
        }
        Step::default()
    }

    pub(crate) fn on_saved(
        &mut self,
        _catalog: &Catalog,
        lang: Lang,
        result: Result<Consultation, String>,
    ) -> Step {
        let Some(pending) = self.pending.take() else {
            return match result {
                Ok(_) => Step::default(),
                Err(e) => Step::error(text::not_saved(lang, &e)),
            };
        };
        match result {
            Ok(c) if c.id == self.consultation.id => {
                let mut step = self.stored(c);
                if !pending.done.is_empty() {
                    step.status = Some(Status::Info(pending.done));
                }
                step
            }
            Ok(_) => Step::default(),
            Err(e) => Step::error(text::not_saved(lang, &e)),
        }
    }

    // ───────────────────────────── view ─────────────────────────────

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let env = app.env();
        let items = self.items(&env);
        let hints = self.hints(&env, &items);
        let note_rows = if matches!(self.mode, Mode::Note { .. }) {
            3
        } else {
            0
        };
        // The client and the formula head the screen; in rehearsal, the banner above them.
        let [top, header, body, note, footer, status] = Layout::vertical([
            Constraint::Length(u16::from(app.rehearsal)),
            Constraint::Length(3),
            Constraint::Min(0),
            Constraint::Length(note_rows),
            Constraint::Length(common::footer_height(&hints, area.width)),
            Constraint::Length(1),
        ])
        .areas(area);
        if app.rehearsal {
            common::render_top(app, "", top, buf);
        }
        self.render_header(app, header, buf);
        if area.width >= WIDE {
            self.render_wide(app, &env, &items, body, buf);
        } else {
            self.render_narrow(app, &env, &items, body, buf);
        }
        self.render_note(app, &env, note, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
        self.render_confirm(app, area, buf);
    }

    fn render_header(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let c = &self.consultation;
        let [who, formula, stages] = Layout::vertical([Constraint::Length(1); 3]).areas(area);
        let age = text::age(app.lang, self.client.age_on(app.today));
        let who_line = Line::from(vec![
            Span::raw(" "),
            Span::styled(self.client.polite(), HEAD),
            Span::styled(format!("  {}, {age}", self.client.last_name), DIM),
            Span::styled(
                if self.history.holdings.is_empty() {
                    String::new()
                } else {
                    format!(", {} {}", tx.holds_short, self.history.holdings.len())
                },
                DIM,
            ),
            Span::styled("  ·  ", DIM),
            Span::styled(
                common::product_name(&app.catalog, &c.main).to_string(),
                BOLD,
            ),
        ]);
        Paragraph::new(who_line).render(who, buf);

        let p = c.progress(&app.catalog.formula);
        let (main_text, main_style) = match p.main {
            MainStatus::Sold => (tx.main_sold, OK),
            MainStatus::Declined => (tx.main_declined, BAD),
            MainStatus::Thinking => (tx.main_thinking, WARN),
            MainStatus::Open => (tx.main_open, DIM),
        };
        let part = |label: &str, done: u32, target: u32, accepted: u32| -> Vec<Span<'static>> {
            let style = if done >= target {
                OK.add_modifier(Modifier::BOLD)
            } else {
                BOLD
            };
            vec![
                Span::styled(" │ ", DIM),
                Span::raw(format!("{label} ")),
                Span::styled(format!("{done}/{target}"), style),
                // Accepted apart from offered, compactly, so the line fits 80 columns.
                Span::styled(
                    if accepted > 0 {
                        format!(" ✓{accepted}")
                    } else {
                        String::new()
                    },
                    OK,
                ),
            ]
        };
        let mut spans = vec![
            Span::raw(format!(" {} ", tx.main)),
            common::main_mark(p.main),
            Span::styled(format!(" {main_text}"), main_style),
        ];
        spans.extend(part(
            tx.catch,
            p.catch_offered,
            p.catch_target,
            p.catch_accepted,
        ));
        spans.extend(part(
            tx.create,
            p.create_offered,
            p.create_target,
            p.create_accepted,
        ));
        if p.met() {
            spans.push(Span::styled(format!(" │ {}", tx.formula_met), OK));
        }
        if c.not_receptive {
            spans.push(Span::styled(
                format!("  │  {}", tx.not_receptive_short),
                WARN,
            ));
        }
        let mut right = Vec::new();
        if self.pending.is_some() {
            right.push(Span::styled(format!("… {} ", tx.saving), WARN));
        }
        let right_line = Line::from(right);
        let rw = u16::try_from(right_line.width()).unwrap_or(0);
        let [l, r] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(rw)]).areas(formula);
        Paragraph::new(Line::from(spans)).render(l, buf);
        Paragraph::new(right_line).render(r, buf);

        if area.width < WIDE {
            Paragraph::new(self.stage_strip(app, stages.width)).render(stages, buf);
        } else {
            Block::default()
                .borders(ratatui::widgets::Borders::BOTTOM)
                .border_style(DIM)
                .render(stages, buf);
        }
    }

    /// One row: the stages in order, the current one highlighted; shortened to fit.
    fn stage_strip(&self, app: &App, width: u16) -> Line<'static> {
        let Ok(script) = self.consultation.script(&app.catalog) else {
            return Line::default();
        };
        let current = self.consultation.stage;
        let n = script.stages.len();
        let full: Vec<String> = script.stages.iter().map(|s| s.title.clone()).collect();
        let short: Vec<String> = script
            .stages
            .iter()
            .map(|s| s.title.split_whitespace().next().unwrap_or("").to_string())
            .collect();
        let build = |titles: &[String], only_current: bool| -> Line<'static> {
            let mut spans = vec![Span::raw(" ")];
            for (i, t) in titles.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" › ", DIM));
                }
                let label = if only_current && i != current {
                    format!("{}", i + 1)
                } else {
                    format!("{} {t}", i + 1)
                };
                let style = if i == current {
                    SEL
                } else if i < current {
                    Style::new()
                } else {
                    DIM
                };
                spans.push(Span::styled(
                    if i == current {
                        format!(" {label} ")
                    } else {
                        label
                    },
                    style,
                ));
            }
            spans.push(Span::styled(format!("   {}/{n}", current + 1), DIM));
            Line::from(spans)
        };
        for (titles, only) in [(&full, false), (&short, false), (&full, true)] {
            let line = build(titles, only);
            if line.width() <= usize::from(width) {
                return line;
            }
        }
        build(&short, true)
    }

    fn stage_lines(&self, app: &App, width: u16) -> Vec<Line<'static>> {
        let lines = self.consultation.stage_lines(&app.catalog, &self.client);
        let mut out = Vec::new();
        if lines.is_empty() {
            out.push(Line::styled(text::t(app.lang).no_lines, DIM));
        }
        for l in lines {
            out.extend(common::wrap_indented(
                &l,
                width,
                Span::styled("• ", DIM),
                Style::new(),
            ));
        }
        out
    }

    fn stage_title(&self, app: &App) -> String {
        let tx = text::t(app.lang);
        match self.consultation.current_stage(&app.catalog) {
            Some(s) => format!("{} · {}", tx.say, s.title),
            None => tx.say.to_string(),
        }
    }

    fn render_narrow(
        &self,
        app: &App,
        env: &Env<'_>,
        items: &[Item],
        area: Rect,
        buf: &mut Buffer,
    ) {
        let inner_w = area.width.saturating_sub(2);
        let lines = self.stage_lines(app, inner_w);
        let right = self.right_pane(app, items, inner_w);
        let need_lines = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(1);
        let need_right = u16::try_from(right.lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(1);
        let h = area.height;
        // A picked prompt (or a disclosure or objection list) is what the officer is about
        // to say: it gets the room, the stage's lines keep at least a few rows.
        let focused =
            self.picked.is_some() || !matches!(self.mode, Mode::Normal | Mode::Note { .. });
        let floor = if focused { 4 } else { h * 2 / 5 };
        let lines_h = if need_lines.saturating_add(need_right) <= h {
            need_lines
        } else {
            need_lines.min(h.saturating_sub(need_right).max(floor))
        };
        let [top, bottom] =
            Layout::vertical([Constraint::Length(lines_h), Constraint::Min(0)]).areas(area);
        let block = common::titled(&self.stage_title(app));
        let inner = pad(block.inner(top));
        block.render(top, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
        let block = common::titled(&self.right_title(app, env, items));
        let inner = pad(block.inner(bottom));
        block.render(bottom, buf);
        self.render_right(right, inner, buf);
    }

    fn render_wide(&self, app: &App, env: &Env<'_>, items: &[Item], area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let [left, _, right] = Layout::horizontal([
            Constraint::Percentage(45),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        // Left: the stage list, then the current stage's lines.
        let stages = self.stage_list(app);
        let stages_h = u16::try_from(stages.len() + 1).unwrap_or(u16::MAX);
        let [list, lines_area] =
            Layout::vertical([Constraint::Length(stages_h), Constraint::Min(0)]).areas(left);
        let block = common::titled(tx.stages);
        let inner = pad(block.inner(list));
        block.render(list, buf);
        Paragraph::new(stages).render(inner, buf);
        let block = common::titled(&self.stage_title(app));
        let inner = pad(block.inner(lines_area));
        block.render(lines_area, buf);
        Paragraph::new(self.stage_lines(app, inner.width))
            .wrap(Wrap { trim: false })
            .render(inner, buf);
        // Right: the prompts.
        let block = common::titled(&self.right_title(app, env, items));
        let inner = pad(block.inner(right));
        block.render(right, buf);
        let content = self.right_pane(app, items, inner.width);
        self.render_right(content, inner, buf);
    }

    fn stage_list(&self, app: &App) -> Vec<Line<'static>> {
        let Ok(script) = self.consultation.script(&app.catalog) else {
            return Vec::new();
        };
        let current = self.consultation.stage;
        script
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let offers = self
                    .consultation
                    .offers
                    .iter()
                    .filter(|o| o.stage == s.id)
                    .count();
                let marker = if i == current {
                    "▶ "
                } else if i < current {
                    "✓ "
                } else {
                    "  "
                };
                let style = if i == current {
                    SEL
                } else if i < current {
                    Style::new()
                } else {
                    DIM
                };
                let mut spans = vec![
                    Span::styled(marker, if i == current { HEAD } else { DIM }),
                    Span::styled(format!(" {} {} ", i + 1, s.title), style),
                ];
                if offers > 0 {
                    spans.push(Span::styled(format!(" +{offers}"), OK));
                }
                if s.create {
                    spans.push(Span::styled(
                        format!(" · {}", text::t(app.lang).create_short),
                        DIM,
                    ));
                }
                Line::from(spans)
            })
            .collect()
    }

    /// The prompts pane's title says what `y`/`n`/`t` will record right now.
    fn right_title(&self, app: &App, env: &Env<'_>, items: &[Item]) -> String {
        let tx = text::t(app.lang);
        match &self.mode {
            Mode::Disclosure { .. } => tx.disclosure_title.to_string(),
            Mode::Objections { .. } => tx.objections_title.to_string(),
            _ => {
                let target = match self.picked_item(env) {
                    Some(i) => format!(
                        "{} {} · y n t → {}",
                        tx.picked_title,
                        items
                            .iter()
                            .position(|x| x.product() == i.product())
                            .map_or(0, |n| n + 1),
                        common::product_name(&app.catalog, i.product())
                    ),
                    None => format!(
                        "{}{} · y n t → {} ({})",
                        if items.is_empty() {
                            tx.prompts_title
                        } else {
                            tx.prompts_pick_title
                        },
                        if items.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", pick_range(items.len()))
                        },
                        common::product_name(&app.catalog, &self.consultation.main),
                        tx.main_paren
                    ),
                };
                target
            }
        }
    }

    fn render_right(&self, content: Pane, area: Rect, buf: &mut Buffer) {
        let total = u16::try_from(content.lines.len()).unwrap_or(u16::MAX);
        let max_scroll = total.saturating_sub(area.height);
        // Bring the picked prompt into view, then apply the officer's own scrolling.
        let base = content.focus.map_or(0, |(start, end)| {
            let start = u16::try_from(start).unwrap_or(u16::MAX);
            let end = u16::try_from(end).unwrap_or(u16::MAX);
            end.saturating_sub(area.height).min(start)
        });
        let scroll = base.saturating_add(self.scroll).min(max_scroll);
        Paragraph::new(content.lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .render(area, buf);
        if scroll < max_scroll && area.height > 0 {
            let more = Rect::new(
                area.right().saturating_sub(3),
                area.bottom().saturating_sub(1),
                3,
                1,
            )
            .intersection(area);
            Paragraph::new(Span::styled(" ↓ ", KEY)).render(more, buf);
        }
        if scroll > 0 && area.height > 1 {
            let less = Rect::new(area.right().saturating_sub(3), area.y, 3, 1).intersection(area);
            Paragraph::new(Span::styled(" ↑ ", KEY)).render(less, buf);
        }
    }

    /// The prompts pane's content, pre-wrapped to `width`.
    fn right_pane(&self, app: &App, items: &[Item], width: u16) -> Pane {
        match &self.mode {
            Mode::Disclosure { product } => {
                return Pane {
                    lines: self.disclosure_pane(app, product, width),
                    focus: None,
                }
            }
            Mode::Objections { product } => {
                return Pane {
                    lines: self.objections_pane(app, product, width),
                    focus: None,
                }
            }
            _ => {}
        }
        let mut focus = None;
        let tx = text::t(app.lang);
        let c = &self.consultation;
        let mut out = Vec::new();
        if !c.offers.is_empty() {
            out.push(Line::styled(tx.offered_title, HEAD));
            for (i, o) in c.offers.iter().enumerate() {
                self.offer_line(app, i + 1, o, &mut out);
            }
            out.push(Line::raw(""));
        }
        let prompts: Vec<&Prompt> = items
            .iter()
            .filter_map(|i| match i {
                Item::Prompt(p) => Some(p),
                Item::Made(_) => None,
            })
            .collect();
        if prompts.is_empty() {
            let why = if c.not_receptive {
                tx.no_prompts_not_receptive.to_string()
            } else if c.room(&app.catalog.policy) == 0 {
                text::no_prompts_cap(app.lang, app.catalog.policy.max_extra_offers)
            } else {
                tx.no_prompts_stage.to_string()
            };
            out.extend(common::wrap_indented(&why, width, Span::raw(""), DIM));
        } else if !c.offers.is_empty() {
            out.push(Line::styled(tx.offer_now_title, HEAD));
        }
        let offset = c.offers.len();
        for (i, p) in prompts.iter().enumerate() {
            let is_picked = self.picked.as_deref() == Some(p.product.as_str());
            let start = out.len();
            self.prompt_lines(app, offset + i + 1, p, is_picked, width, &mut out);
            if is_picked {
                focus = Some((start, out.len()));
            }
            out.push(Line::raw(""));
        }
        if !c.notes.is_empty() {
            out.push(Line::raw(""));
            out.push(Line::styled(
                format!("{}: {}", tx.notes_title, c.notes.len()),
                DIM,
            ));
        }
        while out.last().is_some_and(|l| l.width() == 0) {
            out.pop();
        }
        Pane { lines: out, focus }
    }

    fn offer_line(&self, app: &App, number: usize, o: &Offer, out: &mut Vec<Line<'static>>) {
        let tx = text::t(app.lang);
        let is_picked = self.picked.as_deref() == Some(o.product.as_str());
        let (label, style) = match o.outcome {
            Some(Outcome::Accepted) => (tx.out_accepted.to_string(), OK),
            Some(Outcome::Declined) => (tx.out_declined.to_string(), BAD),
            Some(Outcome::Thinking) => (
                match o.follow_up {
                    Some(d) => format!(
                        "{}, {} {}",
                        tx.out_thinking,
                        tx.call_back,
                        common::short_date(app.lang, d)
                    ),
                    None => tx.out_thinking.to_string(),
                },
                WARN,
            ),
            None => (tx.out_none.to_string(), DIM),
        };
        let mut spans = vec![
            Span::styled(format!(" {number} "), if is_picked { SEL } else { KEY }),
            Span::raw(" "),
            common::outcome_mark(o.outcome),
            Span::raw(" "),
            Span::styled(
                common::product_name(&app.catalog, &o.product).to_string(),
                if is_picked { BOLD } else { Style::new() },
            ),
            Span::styled(" — ", DIM),
            Span::styled(label, style),
            Span::styled(format!(" · {}", technique_name(app.lang, o.technique)), DIM),
        ];
        if !o.disclosures_confirmed.is_empty() {
            spans.push(Span::styled(
                format!(
                    " · {} {}",
                    tx.disclosed_short,
                    o.disclosures_confirmed.len()
                ),
                DIM,
            ));
        }
        out.push(Line::from(spans));
    }

    fn prompt_lines(
        &self,
        app: &App,
        number: usize,
        p: &Prompt,
        picked: bool,
        width: u16,
        out: &mut Vec<Line<'static>>,
    ) {
        let tx = text::t(app.lang);
        let number = Span::styled(format!(" {number} "), if picked { SEL } else { KEY });
        let lead = u16::try_from(number.width() + 1).unwrap_or(4);
        let mut head = common::wrap_indented(
            &p.product_name,
            width,
            Span::raw(" ".repeat(usize::from(lead))),
            if picked { HEAD } else { BOLD },
        );
        if let Some(first) = head.first_mut() {
            // The lead of spaces gives way to the number.
            if let Some(lead) = first.spans.first_mut() {
                *lead = number;
                first.spans.insert(1, Span::raw(" "));
            }
        }
        out.extend(head);
        let indent = "    ";
        // When and how: the technique, the plan gap, the cue.
        let mut when = technique_name(app.lang, p.technique).to_string();
        if let Some(plan) = p.plan {
            when.push_str(" · ");
            when.push_str(&text::plan_left(app.lang, plan.remaining));
        }
        if let Some(cue) = &p.cue {
            when.push_str(" — ");
            when.push_str(cue);
        }
        out.extend(common::wrap_indented(&when, width, Span::raw(indent), CUE));
        let phrase_style = if picked { BOLD } else { Style::new() };
        if p.phrase.is_empty() {
            out.extend(common::wrap_indented(
                tx.no_phrase,
                width,
                Span::raw(indent),
                DIM,
            ));
        } else {
            out.extend(common::wrap_indented(
                &format!("«{}»", p.phrase),
                width,
                Span::raw(indent),
                phrase_style,
            ));
        }
        if !picked {
            return;
        }
        if p.technique == Technique::Create {
            for line in &p.pitch {
                out.extend(common::wrap_indented(
                    line,
                    width,
                    Span::styled(format!("{indent}› "), DIM),
                    Style::new(),
                ));
            }
        }
        if let Some(why) = &p.why {
            out.extend(common::wrap_indented(
                &format!("{}: {why}", tx.why),
                width,
                Span::raw(indent),
                DIM,
            ));
        }
        let mut extras = Vec::new();
        if p.variants.len() > 1 {
            extras.push(text::variant_of(app.lang, p.variant + 1, p.variants.len()));
        }
        if let Some(plan) = p.plan {
            if plan.count > 1 {
                extras.push(text::create_of(app.lang, plan.index + 1, plan.count));
            }
        }
        if !p.disclosures.is_empty() {
            extras.push(text::disclosure_note(app.lang, p.disclosures.len()));
        }
        if !extras.is_empty() {
            out.extend(common::wrap_indented(
                &extras.join(" · "),
                width,
                Span::raw(indent),
                WARN,
            ));
        }
    }

    fn disclosure_pane(&self, app: &App, product: &str, width: u16) -> Vec<Line<'static>> {
        let tx = text::t(app.lang);
        let mut out = vec![Line::styled(
            common::product_name(&app.catalog, product).to_string(),
            HEAD,
        )];
        out.extend(common::wrap_indented(
            tx.disclosure_intro,
            width,
            Span::raw(""),
            WARN,
        ));
        out.push(Line::raw(""));
        let lines = self.disclosures(&app.catalog, product);
        for (i, l) in lines.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let done = self.confirmed(product, index);
            let lead = Span::styled(
                format!("{} {} ", if done { "[✓]" } else { "[ ]" }, i + 1),
                if done {
                    OK
                } else {
                    WARN.add_modifier(Modifier::BOLD)
                },
            );
            out.extend(common::wrap_indented(
                l,
                width,
                lead,
                if done { DIM } else { BOLD },
            ));
        }
        out.push(Line::raw(""));
        let missing = self.unconfirmed(&app.catalog, product).len();
        let status = if missing == 0 {
            Line::styled(
                tx.disclosure_ready.to_string(),
                OK.add_modifier(Modifier::BOLD),
            )
        } else {
            Line::styled(text::disclosures_missing(app.lang, missing), WARN)
        };
        out.push(status);
        out
    }

    fn objections_pane(&self, app: &App, product: &str, width: u16) -> Vec<Line<'static>> {
        let mut out = vec![Line::styled(
            common::product_name(&app.catalog, product).to_string(),
            HEAD,
        )];
        for o in self
            .consultation
            .objections(product, &app.catalog, &self.client)
        {
            out.push(Line::raw(""));
            out.extend(common::wrap_indented(
                &format!("«{}»", o.client),
                width,
                Span::styled("— ", BOLD),
                BOLD,
            ));
            for a in &o.answer {
                out.extend(common::wrap_indented(
                    a,
                    width,
                    Span::styled("  › ", DIM),
                    Style::new(),
                ));
            }
        }
        out
    }

    fn render_note(&self, app: &App, env: &Env<'_>, area: Rect, buf: &mut Buffer) {
        let Mode::Note { text: note } = &self.mode else {
            return;
        };
        let tx = text::t(app.lang);
        let product = self.subject(env);
        let title = format!(
            "{} · {}",
            tx.note_title,
            common::product_name(&app.catalog, &product)
        );
        let block = common::boxed(&title);
        let inner = block.inner(area);
        block.render(area, buf);
        // Keep the end of a long note (and the caret) in view.
        let width = usize::from(inner.width.saturating_sub(1));
        let chars: Vec<char> = note.chars().collect();
        let shown: String = chars[chars.len().saturating_sub(width)..].iter().collect();
        Paragraph::new(Line::from(common::input_spans(&shown, true))).render(inner, buf);
    }

    fn render_confirm(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let (title, question) = match &self.mode {
            Mode::ConfirmNotReceptive => (tx.confirm_not_receptive_title, tx.confirm_not_receptive),
            Mode::ConfirmFinish => (tx.confirm_finish_title, tx.confirm_finish),
            Mode::ConfirmLeave { quit } => {
                if app.rehearsal {
                    (tx.confirm_leave_title, tx.confirm_end_rehearsal)
                } else if *quit {
                    (tx.confirm_quit_title, tx.confirm_quit)
                } else {
                    (tx.confirm_leave_title, tx.confirm_leave)
                }
            }
            _ => return,
        };
        common::render_question(app.lang, title, question, area, buf);
    }

    fn hints(&self, env: &Env<'_>, items: &[Item]) -> Vec<Hint<'static>> {
        let tx = text::t(env.lang);
        match &self.mode {
            Mode::Note { .. } => vec![("Enter", tx.key_save), ("Esc", tx.key_cancel)],
            Mode::Disclosure { product } => vec![
                (
                    pick_range_enter(self.disclosures(env.catalog, product).len()),
                    tx.key_confirm_line,
                ),
                ("y", tx.key_yes_agrees),
                ("n", tx.key_no),
                ("t", tx.key_thinking),
                ("Esc", tx.key_back),
            ],
            Mode::Objections { .. } => vec![
                ("↑↓", tx.key_scroll),
                ("Esc o", tx.key_close),
                ("y n t", tx.key_answer),
            ],
            Mode::ConfirmNotReceptive | Mode::ConfirmFinish | Mode::ConfirmLeave { .. } => {
                vec![("y", tx.yes), ("n", tx.no)]
            }
            Mode::Normal => {
                let mut h: Vec<Hint<'static>> = Vec::new();
                if !items.is_empty() {
                    h.push((pick_range(items.len()), tx.key_pick));
                }
                h.push(("y n t", tx.key_yes_no_thinking));
                if let Some(Item::Prompt(p)) = self.picked_item(env) {
                    if p.variants.len() > 1 {
                        h.push(("v", tx.key_variant));
                    }
                }
                if items
                    .iter()
                    .any(|i| matches!(i, Item::Prompt(p) if p.plan.is_some_and(|c| c.count > 1)))
                {
                    h.push(("c", tx.key_next_create));
                }
                h.push(("←→", tx.key_stage));
                h.push(("o", tx.key_objections));
                h.push(("x", tx.key_note));
                if !self.consultation.not_receptive {
                    h.push(("r", tx.key_not_receptive));
                }
                h.push(("f", tx.key_finish));
                if self.picked.is_some() {
                    h.push(("Esc", tx.key_unpick));
                }
                h.push(("?", tx.key_all_keys));
                h
            }
        }
    }
}

/// The prompts pane's rows, and the rows of the picked prompt to keep in view.
struct Pane {
    lines: Vec<Line<'static>>,
    focus: Option<(usize, usize)>,
}

fn pick_range_enter(n: usize) -> &'static str {
    const RANGES: [&str; 9] = [
        "1 Enter",
        "1–2 Enter",
        "1–3 Enter",
        "1–4 Enter",
        "1–5 Enter",
        "1–6 Enter",
        "1–7 Enter",
        "1–8 Enter",
        "1–9 Enter",
    ];
    RANGES[n.clamp(1, 9) - 1]
}

fn pick_range(n: usize) -> &'static str {
    const RANGES: [&str; 9] = ["1", "1–2", "1–3", "1–4", "1–5", "1–6", "1–7", "1–8", "1–9"];
    RANGES[n.clamp(1, 9) - 1]
}
