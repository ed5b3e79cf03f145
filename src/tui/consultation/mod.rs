//! The consultation: the client's polite address, the main product and the formula always in
//! view; the stages with progress; the current stage's lines; its prompts numbered 1–9 and
//! the offers already made; one key per outcome.
//!
//! Every change goes through [`ConsultationScreen::commit`]: it computes the new record from
//! a clone and asks for [`Effect::Save`]; the screen shows the change only once
//! [`super::Msg::Saved`] brings the stored record back (rehearsal applies it at once).

mod header;
mod input;
mod numbers;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::call_date::{pick, CallDateAnswer, CallDateAsk};
use super::common;
use super::keys;
use super::summary::SummaryScreen;
use super::text::{self, Lang};
use super::{go_home, Action, Effect, Env, EventKind, Screen, Status, Step};
use crate::catalog::placeholder::{fill, Fill};
use crate::catalog::Catalog;
use crate::consultation::{
    Client, ClientHistory, Consultation, Context, EngineError, Offer, Outcome, Prompt,
    PromptOrigin, Reach, Technique,
};
pub use numbers::Numbers;

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
    /// `y`/`n`/`t` on an answer already recorded: change it? (`product` `None`: the main one.)
    ConfirmChange {
        product: Option<String>,
        from: Outcome,
        to: Outcome,
    },
    /// `t`: did the client agree to be called, and when? (`product` `None`: the main one.)
    CallDay {
        product: Option<String>,
        ask: CallDateAsk,
    },
}

/// What to do once the change asked for is stored (nothing if it is not).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AfterSave {
    /// An answer was recorded: the pick is done with.
    pub unpick: bool,
    /// `c` showed another create candidate: it takes this one's number.
    pub release: Option<String>,
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
    /// Stable prompt numbers.
    pub numbers: Numbers,
    /// Rows scrolled in the stage's lines (PgUp/PgDn).
    pub lines_scroll: u16,
    pub after_save: AfterSave,
    /// The call-back day just chosen in [`Mode::CallDay`] (inner `None`: no call), taken by
    /// the "thinking" it was asked for.
    pub call_day: Option<Option<NaiveDate>>,
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

/// An item with its number on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbered {
    pub number: usize,
    pub item: Item,
}

impl Numbered {
    pub fn product(&self) -> &str {
        self.item.product()
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
            numbers: Numbers::default(),
            lines_scroll: 0,
            after_save: AfterSave::default(),
            call_day: None,
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

    /// The offers made so far, then the prompts of the current stage, unnumbered.
    fn raw_items(&self, env: &Env<'_>) -> Vec<Item> {
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

    /// What `1`–`9` pick from: the offers made, then the prompts of the current stage, each
    /// group in number order. A number stays with its product while the consultation is on
    /// screen (see [`numbers`]): an answer moves a prompt among the offers, not its number.
    pub(crate) fn items(&self, env: &Env<'_>) -> Vec<Numbered> {
        let raw = self.raw_items(env);
        let ids: Vec<&str> = raw.iter().map(Item::product).collect();
        let numbers = self.numbers.resolve(&ids);
        let mut out: Vec<Numbered> = raw
            .iter()
            .map(|item| Numbered {
                number: numbers.number_of(item.product()).unwrap_or(usize::MAX),
                item: item.clone(),
            })
            .collect();
        // The fallback after a declined main product is the most urgent prompt: first among
        // those to say now, whatever its number.
        out.sort_by_key(|n| {
            let downsell = matches!(&n.item, Item::Prompt(p) if p.technique == Technique::Downsell);
            (matches!(n.item, Item::Prompt(_)), !downsell, n.number)
        });
        out
    }

    /// Every product on screen keeps the number it is shown with.
    fn fix_numbers(&mut self, env: &Env<'_>) {
        let raw = self.raw_items(env);
        let ids: Vec<&str> = raw.iter().map(Item::product).collect();
        self.numbers.fix(&ids);
    }

    /// Rows the stage's lines take at the narrowest width (the most they can scroll by).
    fn lines_rows(&self, env: &Env<'_>) -> u16 {
        let width = super::MIN_WIDTH.saturating_sub(4);
        let rows: usize = self
            .consultation
            .stage_lines(env.catalog, &self.client)
            .iter()
            .map(|l| common::wrap(l, width.saturating_sub(2)).len())
            .sum();
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    /// How far the formula can get for this client.
    pub(crate) fn reach(&self, env: &Env<'_>) -> Reach {
        self.consultation.reach(&self.context(env.catalog, env))
    }

    /// The picked item, if it is still on screen.
    pub(crate) fn picked_item(&self, env: &Env<'_>) -> Option<Item> {
        let id = self.picked.as_deref()?;
        self.raw_items(env).into_iter().find(|i| i.product() == id)
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

    /// `y`/`n`/`t`: the picked prompt's offer and outcome in one change, or the picked
    /// offer's new outcome, or — nothing picked — the main product's outcome.
    fn record(&mut self, env: &Env<'_>, outcome: Outcome, in_disclosure: bool) -> Step {
        let tx = text::t(env.lang);
        if self.pending.is_some() {
            return Step::hint(tx.wait_saving);
        }
        let product = if in_disclosure {
            match &self.mode {
                Mode::Disclosure { product } => product.clone(),
                _ => {
                    self.mode = Mode::Normal;
                    return Step::default();
                }
            }
        } else {
            match self.picked_item(env) {
                Some(item) => item.product().to_string(),
                None => return self.answer(env, None, outcome, false),
            }
        };
        self.answer(env, Some(product), outcome, in_disclosure)
    }

    /// "Thinking" needs the day of the call back first: asked in [`Mode::CallDay`], then taken
    /// from there. Other answers need none.
    fn ask_call_day(&mut self, product: Option<&str>, outcome: Outcome, name: &str) -> CallDay {
        if outcome != Outcome::Thinking {
            return CallDay::Ready(None);
        }
        match self.call_day.take() {
            Some(day) => CallDay::Ready(Some(day)),
            None => {
                self.mode = Mode::CallDay {
                    product: product.map(str::to_string),
                    ask: CallDateAsk::new(name, true),
                };
                CallDay::Asking
            }
        }
    }

    /// A product's name for the status line; `None` is the main product, named as such.
    fn named(&self, env: &Env<'_>, product: Option<&str>) -> String {
        match product {
            Some(p) => common::product_name(env.catalog, p).to_string(),
            None => text::main_named(
                env.lang,
                common::product_name(env.catalog, &self.consultation.main),
            ),
        }
    }

    /// Records `outcome` for `product` (`None`: the main product). An answer already
    /// recorded is changed only once `confirmed` (the officer said yes to the question).
    fn answer(
        &mut self,
        env: &Env<'_>,
        product: Option<String>,
        outcome: Outcome,
        confirmed: bool,
    ) -> Step {
        let tx = text::t(env.lang);
        let name = self.named(env, product.as_deref());
        let Some(product) = product else {
            let old = self.consultation.main_outcome;
            // "Thinking" again: a new day for the call back, asked as the first time was.
            let again = old == Some(Outcome::Thinking) && outcome == Outcome::Thinking;
            if old == Some(outcome) && !again {
                return Step::hint(text::already_recorded(env.lang, &name, outcome));
            }
            // Refused at once, not after a question: an accepted upsell or downsell stands in
            // for the main product until its own answer is changed.
            if let Err(e) = self.consultation.clone().set_main_outcome(outcome) {
                return Step::error(text::engine_error(env.lang, &e, env.catalog));
            }
            if let (Some(from), false, false) = (old, confirmed, again) {
                self.mode = Mode::ConfirmChange {
                    product: None,
                    from,
                    to: outcome,
                };
                return Step::default();
            }
            let CallDay::Ready(day) = self.ask_call_day(None, outcome, &name) else {
                return Step::default();
            };
            let mut next = self.consultation.clone();
            let main = next.main.clone();
            let set = next.set_main_outcome(outcome).and_then(|()| match day {
                Some(day) => next.set_call_back(&main, day),
                None => Ok(()),
            });
            if let Err(e) = set {
                return Step::error(text::engine_error(env.lang, &e, env.catalog));
            }
            self.after_save.unpick = true;
            return self.commit(
                env,
                next,
                EventKind::MainOutcome,
                outcome.as_str().to_string(),
                with_call_day(env.lang, done_text(env.lang, &name, old, outcome), day),
            );
        };
        let Some(item) = self
            .raw_items(env)
            .into_iter()
            .find(|i| i.product() == product)
        else {
            self.mode = Mode::Normal;
            return Step::default();
        };
        let old = match &item {
            Item::Made(o) => o.outcome,
            Item::Prompt(_) => None,
        };
        let again = old == Some(Outcome::Thinking) && outcome == Outcome::Thinking;
        if old == Some(outcome) && !again {
            self.mode = Mode::Normal;
            return Step::hint(text::already_recorded(env.lang, &name, outcome));
        }
        if let (Some(from), false, false) = (old, confirmed, again) {
            self.mode = Mode::ConfirmChange {
                product: Some(product),
                from,
                to: outcome,
            };
            return Step::default();
        }
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
                if matches!(self.mode, Mode::Disclosure { .. }) {
                    return Step::error(text::disclosures_missing(env.lang, missing));
                }
                self.mode = Mode::Disclosure { product };
                return Step::hint(tx.disclosure_first);
            }
        }
        let CallDay::Ready(day) = self.ask_call_day(Some(&product), outcome, &name) else {
            return Step::default();
        };
        let next = self.with_outcome(env, &item, outcome).and_then(|mut next| {
            if let Some(day) = day {
                next.set_call_back(&product, day)?;
            }
            Ok(next)
        });
        match next {
            Ok(next) => {
                self.mode = Mode::Normal;
                self.after_save.unpick = true;
                self.commit(
                    env,
                    next,
                    EventKind::Outcome,
                    format!("{product} {}", outcome.as_str()),
                    with_call_day(env.lang, done_text(env.lang, &name, old, outcome), day),
                )
            }
            Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
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
                EventKind::Variant,
                p.product.clone(),
                String::new(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
        }
    }

    fn next_create(&mut self, env: &Env<'_>) -> Step {
        let tx = text::t(env.lang);
        if self.pending.is_some() {
            return Step::hint(tx.wait_saving);
        }
        let plan = self.raw_items(env).into_iter().find_map(|i| match i {
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
        self.after_save.release = Some(p.product.clone());
        let mut next = self.consultation.clone();
        match next.cycle_create() {
            Ok(()) => self.commit(
                env,
                next,
                EventKind::CreateCycled,
                p.product.clone(),
                String::new(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
        }
    }

    fn finish(&mut self, env: &Env<'_>) -> Step {
        let mut next = self.consultation.clone();
        match next.finish_meeting(env.now, env.catalog, &self.client) {
            Ok(()) => self.commit(
                env,
                next,
                EventKind::Finished,
                String::new(),
                text::t(env.lang).done_finished.to_string(),
            ),
            Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
        }
    }

    /// Asks for the change to be stored; rehearsal applies it at once.
    fn commit(
        &mut self,
        env: &Env<'_>,
        next: Consultation,
        event: EventKind,
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
            ..Step::default()
        }
    }

    /// The record is stored: show it.
    fn stored(&mut self, c: Consultation) -> Step {
        if c.stage != self.consultation.stage {
            self.picked = None;
            self.scroll = 0;
            self.lines_scroll = 0;
        }
        let after = std::mem::take(&mut self.after_save);
        if after.unpick {
            self.picked = None;
        }
        if let Some(p) = after.release {
            self.numbers.release(&p);
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
            Err(e) => {
                self.after_save = AfterSave::default();
                Step::error(text::not_saved(lang, &e))
            }
        }
    }

    /// What `f` asks before finishing, if anything: the main product's answer missing, the
    /// formula not met (and why, when there are no candidates left).
    pub(crate) fn finish_question(&self, env: &Env<'_>) -> Option<String> {
        let tx = text::t(env.lang);
        let c = &self.consultation;
        let p = c.progress(&env.catalog.formula);
        let (catch, create) = p.slots(self.reach(env));
        let mut parts = Vec::new();
        for (slot, technique) in [(catch, Technique::Catch), (create, Technique::Create)] {
            if slot.offered < slot.target {
                parts.push(text::slot_missing(
                    env.lang,
                    technique,
                    slot.offered,
                    slot.target,
                    slot.short() && slot.done(),
                ));
            }
        }
        let main_missing = c.main_outcome.is_none();
        if !main_missing && parts.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        if main_missing {
            out.push(tx.main_missing.to_string());
        }
        if !parts.is_empty() {
            out.push(text::formula_missing(env.lang, &parts));
        }
        out.push(tx.finish_anyway.to_string());
        Some(out.join(" "))
    }
}

/// The status line after an answer: the product it went to, and the change if it was one.
/// Whether an answer can be recorded now or waits for the day of the call back.
enum CallDay {
    /// The popup is open.
    Asking,
    /// `None` for answers other than "thinking"; `Some(None)`: thinking, no call.
    Ready(Option<Option<NaiveDate>>),
}

/// The status after "thinking": the day of the call back, or that there is none.
fn with_call_day(lang: Lang, done: String, day: Option<Option<NaiveDate>>) -> String {
    match day {
        Some(Some(d)) => format!(
            "{done}, {} {}",
            text::t(lang).call_back,
            common::short_date(lang, d)
        ),
        Some(None) => format!("{done}, {}", pick(lang, "без звонка", "no call")),
        None => done,
    }
}

fn done_text(lang: Lang, name: &str, old: Option<Outcome>, outcome: Outcome) -> String {
    match old {
        Some(from) if from != outcome => text::done_changed(lang, name, from, outcome),
        _ => text::done_outcome(lang, name, outcome),
    }
}
