//! Home: today's consultations and formula compliance, this month's plan, follow-ups due,
//! the unfinished consultation to resume, and a word when the catalogue has errors.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph, Widget};

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::catalog_notice;
use super::common::{self, Hint, BOLD, DIM, HEAD, OK, SEL, WARN};
use super::keys;
use super::text::{self, Lang};
use super::{Action, App, Effect, Env, HomeData, Route, Step, TodayConsultation};
use crate::consultation::Month;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeScreen {
    /// `None` until [`super::Msg::Home`] arrives.
    pub data: Option<HomeData>,
    /// Among the unfinished consultations (first) and the call backs.
    pub selected: usize,
    /// `q` with an unfinished consultation kept: asking before quitting (DESIGN §4).
    pub confirm_quit: bool,
    /// Today's consultations scrolled past (PgUp / PgDn), the latest first.
    pub today_scroll: usize,
}

/// Something Enter acts on.
enum Target {
    Resume(u64),
    Call { consultation: u64, product: String },
}

impl HomeScreen {
    pub(crate) fn set_data(&mut self, data: HomeData) {
        self.data = Some(data);
        self.selected = self.selected.min(self.targets().len().saturating_sub(1));
        self.today_scroll = 0;
    }

    fn targets(&self) -> Vec<Target> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        d.unfinished
            .iter()
            .map(|u| Target::Resume(u.consultation_id))
            .chain(d.follow_ups.iter().map(|f| Target::Call {
                consultation: f.consultation,
                product: f.product.clone(),
            }))
            .collect()
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent, act: Option<Action>) -> Step {
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
        match key.code {
            KeyCode::PageDown => {
                let today = self.data.as_ref().map_or(0, |d| d.today.len());
                self.today_scroll = (self.today_scroll + 4).min(today.saturating_sub(1));
                return Step::default();
            }
            KeyCode::PageUp => {
                self.today_scroll = self.today_scroll.saturating_sub(4);
                return Step::default();
            }
            _ => {}
        }
        match act {
            Some(Action::Quit) => {
                if self.data.as_ref().is_some_and(|d| !d.unfinished.is_empty()) {
                    self.confirm_quit = true;
                    Step::default()
                } else {
                    Step::effect(Effect::Quit)
                }
            }
            Some(Action::Find) => Step::route(Route::Find { form: false }),
            Some(Action::NewClient) => Step::route(Route::Find { form: true }),
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
            Some(Action::Choose) => match self.targets().into_iter().nth(self.selected) {
                Some(Target::Resume(id)) => Step::effect(Effect::Resume {
                    consultation_id: id,
                }),
                Some(Target::Call {
                    consultation,
                    product,
                }) => Step::effect(Effect::LoadCall {
                    consultation,
                    product,
                }),
                None => Step::route(Route::Find { form: false }),
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
        if self.confirm_quit {
            // The question is open: only its answers apply.
            hints = vec![("y", tx.yes), ("n", tx.no)];
        }
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
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
        let resume_rows = match data.unfinished.len() {
            0 => 0,
            n => (n.min(UNFINISHED_ROWS) + 2) as u16,
        };
        let [warn, resume, columns] = Layout::vertical([
            Constraint::Length(warn_rows),
            Constraint::Length(resume_rows),
            Constraint::Min(0),
        ])
        .areas(body);
        catalog_notice::render(app.lang, data, warn, buf);
        self.render_resume(app, data, resume, buf);
        let [left, _, right] = Layout::horizontal([
            Constraint::Percentage(55),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(columns);
        // Each list gets what it needs when both fit; otherwise the call backs keep what they
        // need up to half the column and today's list the rest.
        let need = |rows: usize| u16::try_from(rows * 2 + 3).unwrap_or(u16::MAX);
        let (today_need, calls_need) = (need(data.today.len()), need(data.follow_ups.len()));
        let height = left.height;
        let today_rows = if today_need.saturating_add(calls_need) <= height {
            today_need
        } else {
            height
                .saturating_sub(calls_need.min(height / 2))
                .min(today_need)
                .max(4)
        };
        let [today, follow] =
            Layout::vertical([Constraint::Length(today_rows), Constraint::Min(0)]).areas(left);
        self.render_today(app, data, today, buf);
        self.render_follow_ups(app, data, follow, buf);
        render_plan(app, data, right, buf);
        if self.confirm_quit {
            common::render_question(app.lang, tx.confirm_quit_title, tx.confirm_quit, area, buf);
        }
    }

    fn render_resume(&self, app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
        if data.unfinished.is_empty() || area.height == 0 {
            return;
        }
        let tx = text::t(app.lang);
        let n = data.unfinished.len();
        let mut lines = vec![Line::styled(
            format!("{} ({n}) — Enter: {}", tx.home_unfinished, tx.home_resume),
            WARN.add_modifier(Modifier::BOLD),
        )];
        let first = window_start(self.selected.min(n), n, UNFINISHED_ROWS);
        let width = usize::from(area.width);
        for (i, u) in data
            .unfinished
            .iter()
            .enumerate()
            .skip(first)
            .take(UNFINISHED_ROWS)
        {
            let selected = self.selected == i;
            let started = if u.started_at.date() == app.today {
                common::time(u.started_at)
            } else {
                format!(
                    "{} {}",
                    common::short_date(app.lang, u.started_at.date()),
                    common::time(u.started_at)
                )
            };
            let head = format!("{} {started} · ", if selected { "▶" } else { " " });
            let name = common::short_name(&u.client_name);
            let room = width.saturating_sub(head.chars().count() + name.chars().count() + 3);
            lines.push(Line::from(vec![
                Span::styled(head, if selected { HEAD } else { DIM }),
                Span::styled(name, if selected { SEL } else { BOLD }),
                Span::styled(" · ", DIM),
                Span::raw(common::fit(
                    common::product_name(&app.catalog, &u.main),
                    room,
                )),
            ]));
        }
        let hidden = n.saturating_sub(UNFINISHED_ROWS);
        if hidden > 0 {
            lines.push(Line::styled(format!("  {}", more(app.lang, hidden)), DIM));
        }
        Paragraph::new(lines).render(area, buf);
    }

    fn render_follow_ups(&self, app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let due = data.follow_ups_due;
        let title = if due == 0 {
            tx.home_follow_ups.to_string()
        } else {
            format!("{} ({due})", tx.home_follow_ups)
        };
        let block = common::titled(&title);
        let inner = block.inner(area);
        block.render(area, buf);
        if data.follow_ups.is_empty() {
            Paragraph::new(Line::styled(tx.home_no_follow_ups, DIM)).render(inner, buf);
            return;
        }
        let offset = data.unfinished.len();
        let listed = data.follow_ups.len();
        // Two rows each; the last row says how many are not on screen.
        let rows = usize::from(inner.height);
        let fits_all = listed * 2 <= rows && listed == due;
        let per_page = if fits_all {
            listed
        } else {
            (rows.saturating_sub(1) / 2).max(1)
        };
        let sel = self.selected.checked_sub(offset).filter(|s| *s < listed);
        let first = window_start(sel.unwrap_or(0), listed, per_page);
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        for (i, f) in data
            .follow_ups
            .iter()
            .enumerate()
            .skip(first)
            .take(per_page)
        {
            let selected = sel == Some(i);
            let overdue = f.date < app.today;
            let date = format!("{} ", common::short_date(app.lang, f.date));
            let phone = format!(" ☎ {}", common::format_phone(&f.phone));
            let name_room = width.saturating_sub(2 + date.chars().count() + phone.chars().count());
            lines.push(Line::from(vec![
                Span::styled(if selected { "▶ " } else { "  " }, HEAD),
                Span::styled(
                    date,
                    if overdue {
                        WARN.add_modifier(Modifier::BOLD)
                    } else {
                        BOLD
                    },
                ),
                Span::styled(
                    common::fit(&common::short_name(&f.client_name), name_room),
                    if selected { SEL } else { BOLD },
                ),
                Span::styled(phone, DIM),
            ]));
            // A check-in after a sale says so: there is nothing to sell on that call.
            let product = common::product_name(&app.catalog, &f.product);
            // First, so that a long product name does not cut it off.
            let product = if f.check_in {
                format!(
                    "{} · {product}",
                    match app.lang {
                        text::Lang::Ru => "после продажи",
                        text::Lang::En => "check-in",
                    }
                )
            } else {
                product.to_string()
            };
            lines.push(Line::from(vec![
                Span::raw("        "),
                Span::raw(common::fit(&product, width.saturating_sub(8))),
            ]));
        }
        let hidden = due.saturating_sub(per_page.min(listed - first.min(listed)));
        if hidden > 0 {
            lines.push(Line::styled(
                format!("  {} · ↑↓", more(app.lang, hidden)),
                DIM,
            ));
        }
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_today(&self, app: &App, data: &HomeData, area: Rect, buf: &mut Buffer) {
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
        // Two rows a consultation after the summary; the last row says what is not shown.
        let rows = usize::from(inner.height).saturating_sub(1);
        let fits_all = total * 2 <= rows;
        let per_page = if fits_all {
            total
        } else {
            (rows.saturating_sub(1) / 2).max(1)
        };
        let first = self.today_scroll.min(total.saturating_sub(1));
        for t in data.today.iter().rev().skip(first).take(per_page) {
            today_lines(app, t, inner.width, &mut lines);
        }
        if !fits_all {
            let shown = per_page.min(total - first);
            let hidden = total - shown;
            lines.push(Line::styled(
                format!("  {} · PgUp/PgDn", more(app.lang, hidden)),
                DIM,
            ));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

/// How many unfinished consultations home lists at once.
const UNFINISHED_ROWS: usize = 3;

/// The first of `per_page` rows to show so that `selected` is on screen.
fn window_start(selected: usize, len: usize, per_page: usize) -> usize {
    if len <= per_page {
        0
    } else {
        (selected + 1).saturating_sub(per_page).min(len - per_page)
    }
}

/// «ещё 24» / "24 more".
fn more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!("ещё {n}"),
        Lang::En => format!("{n} more"),
    }
}

/// One of today's consultations: time, client and formula; then the main product and the
/// counts when they fit.
fn today_lines(app: &App, t: &TodayConsultation, width: u16, lines: &mut Vec<Line<'static>>) {
    let tx = text::t(app.lang);
    let c = &t.consultation;
    let p = c.progress(&app.catalog.formula);
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
        common::list_main_mark(p.main),
        Span::raw(" "),
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
    let name = common::main_result(&app.catalog, c, p.main);
    let name = name.as_str();
    let used = Line::from(second.clone()).width();
    let room = usize::from(width).saturating_sub(used);
    // The counts only when they fit whole beside the product's whole name.
    if name.chars().count() + counts.width() <= room {
        second.push(Span::raw(name.to_string()));
        second.push(counts);
    } else {
        second.push(Span::raw(common::fit(name, room)));
    }
    lines.push(Line::from(second));
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
