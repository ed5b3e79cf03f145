//! The client's card: products held, past consultations with their offers and outcomes,
//! declines still in cooldown. Enter → choose the main product.

use chrono::Days;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::choose::ChooseScreen;
use super::common::{self, Hint, BOLD, DIM, HEAD, OK, WARN};
use super::find::{format_phone, FindScreen};
use super::text;
use super::{Action, App, Effect, Env, Screen, Step};
use crate::consultation::{in_cooldown, Client, ClientHistory, Consultation};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientScreen {
    pub client: Client,
    pub history: ClientHistory,
    /// Oldest first, as the store gives them; shown newest first.
    pub consultations: Vec<Consultation>,
    /// How many consultations are scrolled past.
    pub scroll: usize,
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
        }
    }

    /// `Esc` is handled by the app (back to the search as it was).
    pub(crate) fn on_key(&mut self, _env: &Env<'_>, act: Option<Action>) -> Step {
        match act {
            Some(Action::Choose) => Step::goto(Screen::Choose(ChooseScreen::new(self.clone()))),
            Some(Action::Find) => Step::goto(Screen::Find(FindScreen::default())),
            Some(Action::NewClient) => Step::goto(Screen::Find(FindScreen::with_form())),
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

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let hints: [Hint<'_>; 5] = [
            ("Enter", tx.key_start_consultation),
            ("↑↓", tx.key_scroll),
            ("Esc", tx.key_back),
            ("?", tx.key_help),
            ("q", tx.key_quit),
        ];
        let [top, body, footer, status] =
            common::frame_areas(area, common::footer_height(&hints, area.width));
        common::render_top(app, tx.client_title, top, buf);
        let body = Rect {
            x: body.x + 1,
            width: body.width.saturating_sub(2),
            ..body
        };
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
                    format_phone(&c.phone),
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
            Line::raw(""),
        ];
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
        let mut lines = Vec::new();
        for c in self.consultations.iter().rev().skip(self.scroll) {
            let p = c.progress(formula);
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{} {}  ",
                        common::date(app.lang, c.started_at.date()),
                        common::time(c.started_at)
                    ),
                    DIM,
                ),
                common::main_mark(p.main),
                Span::raw(" "),
                Span::styled(
                    common::product_name(&app.catalog, &c.main).to_string(),
                    BOLD,
                ),
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
                lines.push(Line::from(vec![
                    Span::raw("      "),
                    common::outcome_mark(o.outcome),
                    Span::raw(format!(
                        " {}",
                        common::product_name(&app.catalog, &o.product)
                    )),
                    Span::styled(
                        format!(" · {}", text::technique_lower(app.lang, o.technique)),
                        DIM,
                    ),
                ]));
            }
            if c.offers.is_empty() {
                lines.push(Line::styled(format!("      {}", tx.client_no_offers), DIM));
            }
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}
