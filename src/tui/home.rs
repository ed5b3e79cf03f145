//! Home: today's consultations and formula compliance, this month's plan, follow-ups due,
//! the unfinished consultation to resume, and a word when the catalogue has errors.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph, Widget, Wrap};

use super::catalog_notice;
use super::common::{self, Hint, BOLD, DIM, HEAD, OK, SEL, WARN};
use super::find::FindScreen;
use super::keys;
use super::text;
use super::{Action, App, Effect, Env, HomeData, Screen, Step};
use crate::consultation::Month;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeScreen {
    /// `None` until [`super::Msg::Home`] arrives.
    pub data: Option<HomeData>,
    /// Among the unfinished consultation (first, when there is one) and the follow-ups.
    pub selected: usize,
    /// `q` with an unfinished consultation kept: asking before quitting (DESIGN §4).
    pub confirm_quit: bool,
}

/// Something Enter acts on.
enum Target {
    Resume(u64),
    Client(u64),
}

impl HomeScreen {
    pub(crate) fn set_data(&mut self, data: HomeData) {
        self.data = Some(data);
        self.selected = self.selected.min(self.targets().len().saturating_sub(1));
    }

    fn targets(&self) -> Vec<Target> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        d.unfinished
            .iter()
            .map(|u| Target::Resume(u.consultation_id))
            .chain(d.follow_ups.iter().map(|f| Target::Client(f.client_id)))
            .collect()
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, act: Option<Action>) -> Step {
        let tx = text::t(env.lang);
        let count = self.targets().len();
        if self.confirm_quit {
            return match keys::answer(act, Some(Action::Quit)) {
                Some(yes) => {
                    self.confirm_quit = false;
                    if yes {
                        Step::effect(Effect::Quit)
                    } else {
                        Step::default()
                    }
                }
                None => Step::default(),
            };
        }
        match act {
            Some(Action::Quit) => {
                if self.data.as_ref().is_some_and(|d| d.unfinished.is_some()) {
                    self.confirm_quit = true;
                    Step::default()
                } else {
                    Step::effect(Effect::Quit)
                }
            }
            Some(Action::Find) => Step::goto(Screen::Find(FindScreen::default())),
            Some(Action::NewClient) => Step::goto(Screen::Find(FindScreen::with_form())),
            Some(Action::Up | Action::PrevStage) => {
                self.selected = self.selected.saturating_sub(1);
                Step::default()
            }
            Some(Action::Down | Action::NextStage) => {
                if self.selected + 1 < count {
                    self.selected += 1;
                }
                Step::default()
            }
            Some(Action::Choose) => match self.targets().get(self.selected) {
                Some(Target::Resume(id)) => Step::effect(Effect::Resume {
                    consultation_id: *id,
                }),
                Some(Target::Client(id)) => Step::effect(Effect::LoadClientCard(*id)),
                None => Step::goto(Screen::Find(FindScreen::default())),
            },
            Some(_) | None => {
                if act.is_none() {
                    Step::hint(tx.home_keys_hint)
                } else {
                    Step::default()
                }
            }
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let mut hints: Vec<Hint<'_>> = vec![("/", tx.key_find), ("+", tx.key_new_client)];
        if !self.targets().is_empty() {
            hints.push(("↑↓", tx.key_select));
            hints.push(("Enter", tx.key_open));
        }
        hints.push(("?", tx.key_help));
        hints.push(("q", tx.key_quit));
        let [top, body, footer, status] =
            common::frame_areas(area, common::footer_height(&hints, area.width));
        common::render_top(app, tx.home_title, top, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);

        let Some(data) = &self.data else {
            Paragraph::new(Line::styled(tx.loading, DIM))
                .alignment(Alignment::Center)
                .render(body.centered_vertically(Constraint::Length(1)), buf);
            return;
        };
        let body = Rect {
            x: body.x + 1,
            width: body.width.saturating_sub(2),
            ..body
        };
        let warn_rows = catalog_notice::height(app.lang, data, body.width);
        let resume_rows = if data.unfinished.is_some() { 3 } else { 0 };
        let [warn, resume, _, columns] = Layout::vertical([
            Constraint::Length(warn_rows),
            Constraint::Length(resume_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        catalog_notice::render(app.lang, data, warn, buf);
        self.render_resume(app, data, resume, buf);
        let [left, _, right] = Layout::horizontal([
            Constraint::Percentage(50),
            Constraint::Length(2),
            Constraint::Min(0),
        ])
        .areas(columns);
        let today_rows = u16::try_from(data.today.len().min(8) * 2 + 2).unwrap_or(u16::MAX);
        let [today, follow] =
            Layout::vertical([Constraint::Max(today_rows), Constraint::Min(0)]).areas(left);
        render_today(app, data, today, buf);
        self.render_follow_ups(app, data, follow, buf);
        render_plan(app, data, right, buf);
        if self.confirm_quit {
            common::render_question(app.lang, tx.confirm_quit_title, tx.confirm_quit, area, buf);
        }
    }

    fn render_resume(&self, app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
        let Some(u) = &data.unfinished else {
            return;
        };
        let tx = text::t(app.lang);
        let selected = self.selected == 0;
        let style = if selected { SEL } else { BOLD };
        let lines = vec![
            Line::from(vec![
                Span::styled(format!(" ▶ {} ", tx.home_unfinished), style),
                Span::raw(" "),
                Span::styled(u.client_name.clone(), BOLD),
            ]),
            Line::from(vec![
                Span::raw("   "),
                Span::raw(common::product_name(&app.catalog, &u.main).to_string()),
                Span::styled(
                    format!(
                        " · {} {}",
                        tx.home_started,
                        if u.started_at.date() == app.today {
                            common::time(u.started_at)
                        } else {
                            format!(
                                "{} {}",
                                common::date(app.lang, u.started_at.date()),
                                common::time(u.started_at)
                            )
                        }
                    ),
                    DIM,
                ),
                Span::styled(format!(" — Enter: {}", tx.home_resume), WARN),
            ]),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }

    fn render_follow_ups(&self, app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let title = if data.follow_ups_truncated {
            format!(
                "{} · {}",
                tx.home_follow_ups,
                text::follow_ups_first(app.lang, data.follow_ups.len())
            )
        } else {
            tx.home_follow_ups.to_string()
        };
        let block = common::titled(&title);
        let inner = block.inner(area);
        block.render(area, buf);
        if data.follow_ups.is_empty() {
            Paragraph::new(Line::styled(tx.home_no_follow_ups, DIM)).render(inner, buf);
            return;
        }
        let offset = usize::from(data.unfinished.is_some());
        let per_page = usize::from(inner.height / 2).max(1);
        // Keep the selected follow-up in view.
        let sel = self.selected.checked_sub(offset);
        let first = sel.map_or(0, |s| (s + 1).saturating_sub(per_page));
        let mut lines = Vec::new();
        for (i, f) in data
            .follow_ups
            .iter()
            .enumerate()
            .skip(first)
            .take(per_page)
        {
            let due = f.date <= app.today;
            let selected = sel == Some(i);
            let date_style = if due {
                WARN.add_modifier(Modifier::BOLD)
            } else {
                DIM
            };
            lines.push(Line::from(vec![
                Span::styled(if selected { "▶ " } else { "  " }, HEAD),
                Span::styled(
                    format!("{} ", common::short_date(app.lang, f.date)),
                    date_style,
                ),
                Span::styled(
                    common::short_name(&f.client_name),
                    if selected { SEL } else { BOLD },
                ),
            ]));
            lines.push(Line::from(vec![
                Span::raw("        "),
                Span::raw(common::fit(
                    common::product_name(&app.catalog, &f.product),
                    usize::from(inner.width.saturating_sub(8)),
                )),
            ]));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

fn render_today(app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
    let tx = text::t(app.lang);
    let block = common::titled(tx.home_today);
    let inner = block.inner(area);
    block.render(area, buf);
    let formula = &app.catalog.formula;
    let total = data.today.len();
    let met = data
        .today
        .iter()
        .filter(|t| t.consultation.progress(formula).met())
        .count();
    let mut lines = vec![Line::from(vec![Span::styled(
        text::today_summary(app.lang, total, met),
        if total > 0 && met == total { OK } else { BOLD },
    )])];
    for t in data.today.iter().rev() {
        let c = &t.consultation;
        let p = c.progress(formula);
        let mut first = vec![
            Span::styled(format!("{} ", common::time(c.started_at)), DIM),
            Span::styled(common::short_name(&t.client_name), BOLD),
        ];
        if c.is_finished() {
            first.push(Span::styled(
                format!(" · {} {}", tx.formula, if p.met() { "✓" } else { "✗" }),
                if p.met() { OK } else { DIM },
            ));
        } else {
            first.push(Span::styled(format!(" · {}", tx.home_in_progress), WARN));
        }
        lines.push(Line::from(first));
        let mut second = vec![
            Span::raw("      "),
            common::main_mark(p.main),
            Span::raw(" "),
            Span::raw(common::product_name(&app.catalog, &c.main).to_string()),
        ];
        let counts = Span::styled(
            format!(
                " · {} {}/{} · {} {}/{}",
                tx.catch_lower,
                p.catch_offered,
                p.catch_target,
                tx.create_lower,
                p.create_offered,
                p.create_target
            ),
            DIM,
        );
        // The counts only when they fit whole.
        if Line::from(second.clone()).width() + counts.width() <= usize::from(inner.width) {
            second.push(counts);
        }
        lines.push(Line::from(second));
    }
    Paragraph::new(lines).render(inner, buf);
}

fn render_plan(app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
    let tx = text::t(app.lang);
    let month = Month::of(app.today);
    let block = common::titled(&text::plan_title(app.lang, month));
    let inner = block.inner(area);
    block.render(area, buf);
    let plans: Vec<_> = app.catalog.plan_products().collect();
    if plans.is_empty() {
        Paragraph::new(Line::styled(tx.home_no_plan, DIM)).render(inner, buf);
        return;
    }
    let mut y = inner.y;
    for p in plans {
        if y.saturating_add(2) > inner.bottom() {
            break;
        }
        let target = u64::from(p.plan_per_month.unwrap_or(0));
        let sold = data.plan_sold.get(&p.id).copied().unwrap_or(0);
        let ratio = if target == 0 {
            1.0
        } else {
            (sold as f64 / target as f64).clamp(0.0, 1.0)
        };
        Paragraph::new(Line::styled(
            common::fit(&p.name, usize::from(inner.width)),
            BOLD,
        ))
        .render(Rect::new(inner.x, y, inner.width, 1), buf);
        LineGauge::default()
            .ratio(ratio)
            .label(Span::styled(
                format!("{sold:>3} / {target:<3}"),
                if sold >= target { OK } else { BOLD },
            ))
            .filled_symbol(symbols::line::THICK_HORIZONTAL)
            .unfilled_symbol(symbols::line::HORIZONTAL)
            .filled_style(if sold >= target { OK } else { WARN })
            .unfilled_style(DIM)
            .render(Rect::new(inner.x, y.saturating_add(1), inner.width, 1), buf);
        y = y.saturating_add(3);
    }
}
