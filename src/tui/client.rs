//! The client's card: products held, past consultations with their offers and outcomes,
//! declines still in cooldown. Enter → choose the main product; `e` edits the client (the
//! client form, prefilled); `h` marks products the client already holds.

use chrono::Days;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::call_date::pick;
use super::cancel::{CancelPick, CancelStep};
use super::common::{self, Hint, BOLD, DIM, HEAD, OK, SEL, WARN};
use super::form::{is_text, ClientForm};
use super::text::{self, Lang};
use super::{Action, App, Effect, Env, Route, Status, Step};
use crate::catalog::Catalog;
use crate::consultation::{
    cancellable, in_cooldown, Cancellation, Client, ClientHistory, Consultation, Contact,
    OpenCallBack,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientScreen {
    pub client: Client,
    pub history: ClientHistory,
    /// Oldest first, as the store gives them; shown newest first.
    pub consultations: Vec<Consultation>,
    /// How many consultations are scrolled past.
    pub scroll: usize,
    /// `e`: the client form, prefilled.
    pub form: Option<ClientForm>,
    /// `h`: the catalogue's products, the held ones marked.
    pub holdings: Option<HoldingsList>,
    /// The client's open call backs (any officer's), filled in after the card loads.
    pub call_backs: Vec<OpenCallBack>,
    /// The client's calls and cancelled sales, filled in after the card loads.
    pub contacts: Vec<Contact>,
    pub cancellations: Vec<Cancellation>,
    /// `z`: choosing the sale the client cancelled.
    pub cancel: Option<CancelPick>,
}

/// `h` on the card: the catalogue's products in catalogue order; Enter or Space on one not
/// held yet asks, then records it as held (a holding cannot be removed here).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HoldingsList {
    /// Index into the catalogue's products.
    pub selected: usize,
    /// The product id asked about («отметить?»).
    pub asking: Option<String>,
    /// Waiting for [`super::Msg::HoldingAdded`].
    pub saving: bool,
}

impl ClientScreen {
    pub fn new(
        client: Client,
        history: ClientHistory,
        consultations: Vec<Consultation>,
    ) -> ClientScreen {
        ClientScreen {
            client,
            history,
            consultations,
            scroll: 0,
            form: None,
            holdings: None,
            call_backs: Vec::new(),
            contacts: Vec::new(),
            cancellations: Vec::new(),
            cancel: None,
        }
    }

    /// `Esc` on the card itself is handled by the app (back to the search as it was); on
    /// the form or the product list it is theirs.
    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent, act: Option<Action>) -> Step {
        if let Some(form) = &mut self.form {
            let out = form.on_key(env, key);
            if out.close {
                self.form = None;
            }
            return out.step;
        }
        if self.holdings.is_some() {
            return self.on_holdings_key(env, key, act);
        }
        if let Some(pick) = &mut self.cancel {
            return match pick.on_key(env, self.client.id, env.officer, key) {
                CancelStep::Open => Step::default(),
                CancelStep::Closed => {
                    self.cancel = None;
                    Step::default()
                }
                CancelStep::Save(c) => Step {
                    effects: vec![Effect::SaveCancellation(c)],
                    status: Some(Status::Saving),
                    ..Step::default()
                },
            };
        }
        // `e` and `h` are the card's own letters (in either layout, like every key).
        match is_text(&key).map(super::keys::qwerty) {
            Some('e') => {
                self.form = Some(ClientForm::edit(env.lang, &self.client));
                return Step::default();
            }
            Some('h') => {
                self.holdings = Some(HoldingsList::default());
                return Step::default();
            }
            Some('z') => {
                let sales = cancellable(
                    &self.consultations,
                    &self.contacts,
                    &self.cancellations,
                    env.today,
                );
                if sales.is_empty() {
                    return Step::hint(pick(
                        env.lang,
                        "Нет продаж за последние 30 дней, которые можно отменить",
                        "No sale of the last 30 days to cancel",
                    ));
                }
                self.cancel = Some(CancelPick::new(sales));
                return Step::default();
            }
            _ => {}
        }
        match act {
            // A consultation left open is resumed first: the card never shows one «идёт»
            // without a way to it.
            Some(Action::Choose) => match self.unfinished() {
                Some(id) => Step::effect(Effect::Resume {
                    consultation_id: id,
                }),
                None => Step::route(Route::Choose),
            },
            Some(Action::Find) => Step::route(Route::Find { form: false }),
            Some(Action::NewClient) => Step::route(Route::Find { form: true }),
            Some(Action::Quit) => Step::effect(Effect::Quit),
            Some(Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                Step::default()
            }
            Some(Action::Down) => {
                if self.scroll + 1 < self.consultations.len() {
                    self.scroll += 1;
                }
                Step::default()
            }
            _ => Step::default(),
        }
    }

    fn on_holdings_key(&mut self, env: &Env<'_>, key: KeyEvent, act: Option<Action>) -> Step {
        let selected_sold_here = self
            .holdings
            .as_ref()
            .and_then(|l| env.catalog.products.get(l.selected))
            .is_some_and(|p| self.sold_here(&p.id));
        let Some(list) = &mut self.holdings else {
            return Step::default();
        };
        if list.saving {
            return Step::default();
        }
        let products = &env.catalog.products;
        if let Some(product) = list.asking.clone() {
            return match super::keys::answer(act, None) {
                Some(true) => {
                    list.asking = None;
                    list.saving = true;
                    if self.history.holdings.contains(&product) {
                        Step::effect(Effect::RemoveHolding {
                            client_id: self.client.id,
                            product,
                        })
                    } else {
                        Step::effect(Effect::AddHolding {
                            client_id: self.client.id,
                            product,
                        })
                    }
                }
                Some(false) => {
                    list.asking = None;
                    Step::default()
                }
                None => Step::default(),
            };
        }
        let toggle = is_text(&key) == Some(' ') || act == Some(Action::Choose);
        if toggle {
            let Some(p) = products.get(list.selected) else {
                return Step::default();
            };
            // A product sold here is undone by a cancellation (`z`), not unmarked.
            if self.history.holdings.contains(&p.id) && selected_sold_here {
                return Step::hint(pick(
                    env.lang,
                    "Продано здесь — если клиент отказался, запишите отмену (z)",
                    "Sold here: if the client cancelled, record it (z)",
                ));
            }
            list.asking = Some(p.id.clone());
            return Step::default();
        }
        match act {
            Some(Action::Up) => list.selected = list.selected.saturating_sub(1),
            Some(Action::Down) if list.selected + 1 < products.len() => list.selected += 1,
            Some(Action::Back) => self.holdings = None,
            Some(Action::Quit) => return Step::effect(Effect::Quit),
            _ => {}
        }
        Step::default()
    }

    /// The edit would make this client the same as another stored one: the form asks to
    /// open that one.
    pub(crate) fn on_same(&mut self, found: Vec<Client>) -> Step {
        match &mut self.form {
            Some(form) => form.on_same(found),
            None => Step::default(),
        }
    }

    pub(crate) fn on_updated(&mut self, lang: Lang, result: Result<Client, String>) -> Step {
        match result {
            Ok(client) => {
                self.client = client;
                self.form = None;
                Step {
                    status: Some(Status::Info(text::t(lang).client_updated.to_string())),
                    ..Step::default()
                }
            }
            Err(e) => {
                if let Some(form) = &mut self.form {
                    form.saving = false;
                }
                Step::error(text::not_saved(lang, &e))
            }
        }
    }

    pub(crate) fn on_holding_added(
        &mut self,
        catalog: &Catalog,
        lang: Lang,
        product: String,
        result: Result<(), String>,
    ) -> Step {
        if let Some(list) = &mut self.holdings {
            list.saving = false;
        }
        match result {
            Ok(()) => {
                let done = text::holding_added(lang, common::product_name(catalog, &product));
                // The next consultation reads the holdings from the store; the card and the
                // choice of the main product read them from here.
                self.history.holdings.insert(product);
                Step {
                    status: Some(Status::Info(done)),
                    ..Step::default()
                }
            }
            Err(e) => Step::error(text::not_saved(lang, &e)),
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let hints: Vec<Hint<'_>> = if self.form.is_some() {
            vec![
                ("Tab ↑↓", tx.key_field),
                ("Enter", tx.key_save),
                ("Esc", tx.key_cancel),
                ("F1", tx.key_help),
            ]
        } else if self.cancel.is_some() {
            vec![
                ("↑↓", tx.key_select),
                ("Enter", pick(app.lang, "дальше", "next")),
                ("Esc", tx.key_back),
            ]
        } else if self.holdings.is_some() {
            vec![
                ("↑↓", tx.key_select),
                (
                    if app.lang == Lang::Ru {
                        "Enter/Пробел"
                    } else {
                        "Enter/Space"
                    },
                    tx.key_mark,
                ),
                ("Esc", tx.key_back),
                ("?", tx.key_help),
            ]
        } else {
            vec![
                (
                    "Enter",
                    if self.unfinished().is_some() {
                        super::call_date::pick(
                            app.lang,
                            "продолжить консультацию",
                            "resume the consultation",
                        )
                    } else {
                        tx.key_start_consultation
                    },
                ),
                ("e", tx.key_edit),
                ("h", tx.key_holdings),
                ("z", pick(app.lang, "отмена продажи", "sale cancelled")),
                ("↑↓", tx.key_scroll),
                ("Esc", tx.key_back),
                ("?", tx.key_help),
                ("q", tx.key_quit),
            ]
        };
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        let title = if self.form.is_some() {
            tx.edit_client_title
        } else {
            tx.client_title
        };
        common::render_top(app, title, top, buf);
        let body = Rect {
            x: body.x + 1,
            width: body.width.saturating_sub(2),
            ..body
        };
        if let Some(form) = &self.form {
            form.render(app, body, buf);
            common::render_footer(&hints, footer, buf);
            common::render_status(app, status, buf);
            return;
        }
        if let Some(list) = &self.holdings {
            self.render_holdings(app, list, body, buf);
            common::render_footer(&hints, footer, buf);
            common::render_status(app, status, buf);
            return;
        }
        let facts = self.facts(app);
        let facts_height = common::lines_height(&facts, body.width).min(body.height / 2);
        let [head, list] = Layout::vertical([
            Constraint::Length(facts_height.saturating_add(1)),
            Constraint::Min(0),
        ])
        .areas(body);
        Paragraph::new(facts)
            .wrap(Wrap { trim: true })
            .render(head, buf);
        self.render_history(app, list, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
        if let Some(p) = &self.cancel {
            p.render(app.lang, &app.catalog, area, buf);
        }
    }

    /// The cancellation came back from the store: the product is no longer held.
    pub(crate) fn on_cancelled(
        &mut self,
        catalog: &Catalog,
        lang: Lang,
        result: Result<Cancellation, String>,
    ) -> Step {
        match result {
            Ok(c) => {
                self.cancel = None;
                self.history.holdings.remove(&c.sale.product);
                let done = format!(
                    "{} {} ({})",
                    pick(lang, "Записана отмена:", "Cancellation recorded:"),
                    common::product_name(catalog, &c.sale.product),
                    common::date(lang, c.cancelled_on)
                );
                self.cancellations.push(c);
                Step {
                    status: Some(Status::Info(done)),
                    ..Step::default()
                }
            }
            Err(e) => {
                if let Some(p) = &mut self.cancel {
                    p.saving = false;
                }
                Step::error(text::not_saved(lang, &e))
            }
        }
    }

    /// Whether the product was sold to the client here (in a consultation or on a call).
    fn sold_here(&self, product: &str) -> bool {
        self.consultations
            .iter()
            .filter(|c| c.is_finished())
            .any(|c| {
                (c.main == product
                    && c.main_outcome == Some(crate::consultation::Outcome::Accepted))
                    || c.offers.iter().any(|o| {
                        o.product == product
                            && o.outcome == Some(crate::consultation::Outcome::Accepted)
                    })
            })
            || self.contacts.iter().any(|k| {
                k.product == product && k.outcome == crate::consultation::CallOutcome::Accepted
            })
    }

    pub(crate) fn on_holding_removed(
        &mut self,
        catalog: &Catalog,
        lang: Lang,
        product: String,
        result: Result<(), String>,
    ) -> Step {
        if let Some(list) = &mut self.holdings {
            list.saving = false;
        }
        match result {
            Ok(()) => {
                let done = format!(
                    "{} {}",
                    pick(lang, "Отметка снята:", "Unmarked:"),
                    common::product_name(catalog, &product)
                );
                self.history.holdings.remove(&product);
                Step {
                    status: Some(Status::Info(done)),
                    ..Step::default()
                }
            }
            Err(e) => Step::error(text::not_saved(lang, &e)),
        }
    }

    /// The client's latest consultation left unfinished, if any.
    pub(crate) fn unfinished(&self) -> Option<u64> {
        self.consultations
            .iter()
            .rev()
            .find(|c| !c.is_finished())
            .map(|c| c.id)
    }

    fn facts(&self, app: &App) -> Vec<Line<'static>> {
        let tx = text::t(app.lang);
        let c = &self.client;
        let mut lines = vec![
            Line::raw(""),
            Line::styled(c.full_name(), HEAD),
            Line::from(vec![Span::styled(
                format!(
                    "{} · {} ({}) · {}",
                    common::format_phone(&c.phone),
                    common::date(app.lang, c.birth_date),
                    text::age(app.lang, c.age_on(app.today)),
                    if c.segment.is_empty() {
                        "—"
                    } else {
                        c.segment.as_str()
                    }
                ),
                DIM,
            )]),
            Line::from(vec![
                Span::styled(format!("{}: ", tx.consent_label), BOLD),
                if c.calls_consent {
                    Span::styled(tx.yes, OK)
                } else {
                    Span::styled(tx.no, DIM)
                },
            ]),
            Line::raw(""),
        ];
        // What the officer acts on first; the holdings, the longest, come after.
        if !self.call_backs.is_empty() {
            let mut due: Vec<&OpenCallBack> = self.call_backs.iter().collect();
            due.sort_by_key(|cb| cb.due);
            let calls: Vec<String> = due
                .into_iter()
                .map(|cb| {
                    format!(
                        "{} {}",
                        common::short_date(app.lang, cb.due),
                        common::product_name(&app.catalog, &cb.product)
                    )
                })
                .collect();
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{}: ",
                        super::call_date::pick(app.lang, "Перезвонить", "Call back")
                    ),
                    BOLD,
                ),
                Span::styled(calls.join(", "), WARN),
            ]));
        }
        let held: Vec<String> = self
            .history
            .holdings
            .iter()
            .map(|p| common::product_name(&app.catalog, p).to_string())
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", tx.client_holds), BOLD),
            if held.is_empty() {
                Span::styled(tx.client_holds_none, DIM)
            } else {
                Span::styled(held.join(", "), OK)
            },
        ]));
        let cooldown = app.catalog.policy.decline_cooldown_days;
        let blocked: Vec<String> = self
            .history
            .declined_on
            .iter()
            .filter(|(p, _)| in_cooldown(&self.history, p, app.today, cooldown))
            .map(|(p, d)| {
                let until = d
                    .checked_add_days(Days::new(u64::from(cooldown)))
                    .unwrap_or(*d);
                format!(
                    "{} ({} {})",
                    common::product_name(&app.catalog, p),
                    tx.client_until,
                    common::date(app.lang, until)
                )
            })
            .collect();
        if !blocked.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", tx.client_cooldown), BOLD),
                Span::styled(blocked.join(", "), WARN),
            ]));
        }
        lines
    }

    fn render_history(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let block = common::titled(&text::consultations_title(
            app.lang,
            self.consultations.len(),
        ));
        let inner = block.inner(area);
        block.render(area, buf);
        if self.consultations.is_empty() {
            Paragraph::new(Line::styled(tx.client_no_consultations, DIM))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }
        let formula = &app.catalog.formula;
        let rows = usize::from(inner.height);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut shown = 0usize;
        let after = self.consultations.len().saturating_sub(self.scroll);
        for c in self.consultations.iter().rev().skip(self.scroll) {
            let p = c.progress(formula);
            let mut block = Vec::with_capacity(c.offers.len() + 1);
            block.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{} {}  ",
                        common::date(app.lang, c.started_at.date()),
                        common::time(c.started_at)
                    ),
                    DIM,
                ),
                common::list_main_mark(p.main),
                Span::raw(" "),
                Span::styled(common::main_result(&app.catalog, c, p.main), BOLD),
                Span::styled(
                    format!(" · {} {}", tx.formula, if p.met() { "✓" } else { "✗" }),
                    if p.met() { OK } else { DIM },
                ),
                Span::styled(
                    if c.is_finished() {
                        String::new()
                    } else {
                        format!(" · {}", tx.home_in_progress)
                    },
                    WARN,
                ),
            ]));
            for o in &c.offers {
                let cancelled = self.cancellations.iter().find(|x| {
                    !x.sale.by_call && x.sale.consultation == c.id && x.sale.product == o.product
                });
                let mut line = vec![
                    Span::raw("      "),
                    common::outcome_mark(o.outcome),
                    Span::raw(format!(
                        " {}",
                        common::product_name(&app.catalog, &o.product)
                    )),
                    Span::styled(
                        format!(
                            " · {}",
                            text::technique_lower(app.lang, o.counted_technique())
                        ),
                        DIM,
                    ),
                ];
                if let Some(x) = cancelled {
                    line.push(Span::styled(
                        format!(
                            " · {} {}",
                            pick(app.lang, "отменено", "cancelled"),
                            common::short_date(app.lang, x.cancelled_on)
                        ),
                        WARN,
                    ));
                }
                block.push(Line::from(line));
            }
            if c.offers.is_empty() {
                block.push(Line::styled(format!("      {}", tx.client_no_offers), DIM));
            }
            // The last row is kept for «ещё N» while more follow.
            let left = after - shown - 1;
            let room = if left > 0 {
                rows.saturating_sub(1)
            } else {
                rows
            };
            if lines.len() + block.len() > room {
                if lines.is_empty() {
                    // One consultation taller than the pane: its first rows.
                    block.truncate(room);
                    lines.extend(block);
                    shown += 1;
                }
                break;
            }
            lines.extend(block);
            shown += 1;
        }
        let hidden = after - shown;
        if hidden > 0 {
            lines.truncate(rows.saturating_sub(1));
            lines.push(Line::styled(text::more_below(app.lang, hidden), DIM));
        }
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_holdings(&self, app: &App, list: &HoldingsList, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let c = &self.client;
        let mut head = vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(c.full_name(), HEAD),
                Span::styled(format!(" · {}", common::format_phone(&c.phone)), DIM),
            ]),
        ];
        head.extend(
            common::wrap(tx.holdings_intro, area.width)
                .into_iter()
                .map(|row| Line::styled(row, DIM)),
        );
        let head_height = u16::try_from(head.len() + 1).unwrap_or(u16::MAX);
        let [top, rest] =
            Layout::vertical([Constraint::Length(head_height), Constraint::Min(0)]).areas(area);
        Paragraph::new(head).render(top, buf);
        let block = common::titled(tx.holdings_title);
        let inner = block.inner(rest);
        block.render(rest, buf);
        let products = &app.catalog.products;
        let rows = usize::from(inner.height);
        let first = (list.selected + 1).saturating_sub(rows.saturating_sub(1).max(1));
        let fits = products.len() <= rows;
        let room = if fits { rows } else { rows.saturating_sub(1) };
        let first = if fits { 0 } else { first };
        let mut lines = Vec::new();
        for (i, p) in products.iter().enumerate().skip(first).take(room) {
            let selected = i == list.selected;
            let held = self.history.holdings.contains(&p.id);
            lines.push(Line::from(vec![
                Span::styled(if selected { "▶ " } else { "  " }, HEAD),
                if held {
                    Span::styled("[✓] ", OK)
                } else {
                    Span::styled("[ ] ", DIM)
                },
                Span::styled(p.name.clone(), if selected { SEL } else { BOLD }),
            ]));
        }
        let below = products.len().saturating_sub(first + room);
        if below > 0 {
            lines.push(Line::styled(text::more_below(app.lang, below), DIM));
        }
        Paragraph::new(lines).render(inner, buf);
        if list.saving {
            Paragraph::new(Line::styled(tx.saving, DIM)).render(top, buf);
        }
        if let Some(id) = &list.asking {
            let name = common::product_name(&app.catalog, id);
            let (title, question) = if self.history.holdings.contains(id) {
                (
                    pick(app.lang, "Снять отметку?", "Unmark the product?"),
                    match app.lang {
                        Lang::Ru => format!("Снять отметку, что у клиента есть: {name}? Его снова смогут предлагать."),
                        Lang::En => format!("Unmark {name} as held? It can be offered again."),
                    },
                )
            } else {
                (tx.holding_ask_title, text::holding_question(app.lang, name))
            };
            common::render_question(app.lang, title, &question, area, buf);
        }
    }
}
