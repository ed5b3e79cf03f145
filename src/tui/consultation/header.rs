//! The consultation's header: who the client is and the main product (never cut: the
//! client's name gives way first), the formula (saying when it cannot be met for this
//! client), and on a narrow screen the stages in one row.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::super::common::{self, BAD, BOLD, DIM, HEAD, OK, SEL, WARN};
use super::super::text;
use super::super::{App, Env, WIDE};
use super::ConsultationScreen;
use crate::consultation::{MainStatus, Slot};

/// How much the formula row says, from the most to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    ShortNote,
    ShortLabels,
    Tight,
    Bare,
}

impl ConsultationScreen {
    pub(super) fn render_header(&self, app: &App, env: &Env<'_>, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let [who, formula, stages] = Layout::vertical([Constraint::Length(1); 3]).areas(area);
        Paragraph::new(self.who_line(app, who.width)).render(who, buf);

        let mut right = Vec::new();
        if self.pending.is_some() {
            right.push(Span::styled(format!("… {} ", tx.saving), WARN));
        }
        let right_line = Line::from(right);
        let rw = u16::try_from(right_line.width()).unwrap_or(0);
        let [l, r] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(rw)]).areas(formula);
        Paragraph::new(self.formula_line(app, env, l.width)).render(l, buf);
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

    /// « Анна Сергеевна Смирнова, 39 лет · Вклад «Доходный»»: the main product's name is
    /// never cut; the client's last name, then first name give way, with «…».
    pub(super) fn who_line(&self, app: &App, width: u16) -> Line<'static> {
        let tx = text::t(app.lang);
        let width = usize::from(width);
        let main = common::product_name(&app.catalog, &self.consultation.main).to_string();
        let main_w = Span::raw(main.as_str()).width();
        let polite = self.client.polite();
        let age = text::age(app.lang, self.client.age_on(app.today));
        let mut rest = String::new();
        if !self.client.last_name.is_empty() {
            rest.push(' ');
            rest.push_str(&self.client.last_name);
        }
        rest.push_str(&format!(", {age}"));
        if !self.history.holdings.is_empty() {
            rest.push_str(&format!(
                ", {} {}",
                tx.holds_short,
                self.history.holdings.len()
            ));
        }
        let sep = " · ";
        let mut spans = vec![Span::raw(" ")];
        // What is left for the client once the product and the separator are in.
        let room = width.saturating_sub(1 + main_w + Span::raw(sep).width());
        let pw = Span::raw(polite.as_str()).width();
        let rw = Span::raw(rest.as_str()).width();
        if room >= 4 {
            if pw + rw <= room {
                spans.push(Span::styled(polite, HEAD));
                spans.push(Span::styled(rest, DIM));
            } else if pw < room {
                spans.push(Span::styled(polite, HEAD));
                let cut = common::fit(&rest, room - pw);
                let cut = if cut.trim() == "…" {
                    "…".to_string()
                } else {
                    cut
                };
                spans.push(Span::styled(cut, DIM));
            } else {
                spans.push(Span::styled(common::fit(&polite, room), HEAD));
            }
            spans.push(Span::styled(sep, DIM));
        }
        let main = if main_w + 1 > width {
            common::fit(&main, width.saturating_sub(1))
        } else {
            main
        };
        spans.push(Span::styled(main, BOLD));
        Line::from(spans)
    }

    /// « Основной · ждёт ответа │ Лови момент 1/2 ✓1 │ Создай момент 0/1»: as much as fits.
    pub(super) fn formula_line(&self, app: &App, env: &Env<'_>, width: u16) -> Line<'static> {
        let mut line = Line::default();
        for detail in [
            Detail::Full,
            Detail::ShortNote,
            Detail::ShortLabels,
            Detail::Tight,
            Detail::Bare,
        ] {
            line = self.formula_at(app, env, detail);
            if line.width() <= usize::from(width) {
                break;
            }
        }
        line
    }

    fn formula_at(&self, app: &App, env: &Env<'_>, detail: Detail) -> Line<'static> {
        let tx = text::t(app.lang);
        let c = &self.consultation;
        let p = c.progress(&app.catalog.formula);
        let (catch, create) = p.slots(self.reach(env));
        // Sold in its better version, or the fallback taken: the header names that product.
        let taken = c
            .main_sold_as()
            .and_then(|o| app.catalog.product(&o.product))
            .map(|p| p.name.as_str())
            .unwrap_or_default();
        // Where the name does not fit, the word alone still says what happened.
        let named = |word: &str| {
            if matches!(detail, Detail::Tight | Detail::Bare) || taken.is_empty() {
                word.to_string()
            } else {
                format!("{word}: {taken}")
            }
        };
        let (main_text, main_style) = match p.main {
            MainStatus::Sold => (tx.main_sold.to_string(), OK),
            MainStatus::Upgraded => (named(tx.main_sold), OK),
            MainStatus::Fallback => (named(tx.main_fallback), OK),
            MainStatus::Declined => (tx.main_declined.to_string(), BAD),
            MainStatus::Thinking => (tx.main_thinking.to_string(), WARN),
            MainStatus::Open => (tx.main_open.to_string(), DIM),
        };
        let mut spans = vec![
            Span::raw(format!(" {} ", tx.main)),
            common::main_mark(p.main),
        ];
        if detail != Detail::Bare {
            spans.push(Span::styled(format!(" {main_text}"), main_style));
        }
        let long_labels = matches!(detail, Detail::Full | Detail::ShortNote);
        for (slot, long, short) in [
            (catch, tx.catch, tx.catch_word),
            (create, tx.create, tx.create_word),
        ] {
            spans.push(Span::styled(" │ ", DIM));
            let label = if long_labels { long } else { short };
            // Once the client is not receptive the candidates no longer matter.
            spans.extend(slot_spans(
                app,
                label,
                slot,
                slot.short() && !c.not_receptive,
                detail,
            ));
        }
        if p.met() {
            spans.push(Span::styled(format!(" │ {}", tx.formula_met), OK));
        }
        if c.not_receptive {
            spans.push(Span::styled(format!(" │ {}", tx.not_receptive_short), WARN));
        }
        Line::from(spans)
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
}

/// «Лови момент 1/2 ✓1», or when the client has fewer candidates than the formula asks,
/// «Лови момент 0/1 (из 2: больше нет кандидатов)» and «Создай момент: нет кандидатов».
fn slot_spans(
    app: &App,
    label: &str,
    slot: Slot,
    short: bool,
    detail: Detail,
) -> Vec<Span<'static>> {
    let long_note = detail == Detail::Full;
    let tx = text::t(app.lang);
    let reached = if short { slot.reachable } else { slot.target };
    let style = if slot.offered >= reached {
        OK.add_modifier(Modifier::BOLD)
    } else {
        BOLD
    };
    if short && slot.reachable == 0 {
        let why = if matches!(
            detail,
            Detail::Full | Detail::ShortNote | Detail::ShortLabels
        ) {
            tx.no_candidates
        } else {
            tx.no_candidates_short
        };
        return vec![
            Span::raw(format!("{label}: ")),
            Span::styled(why.to_string(), WARN),
        ];
    }
    let mut out = vec![
        Span::raw(format!("{label} ")),
        Span::styled(format!("{}/{reached}", slot.offered), style),
    ];
    // Accepted apart from offered, compactly, so the line fits 80 columns.
    if slot.accepted > 0 {
        out.push(Span::styled(format!(" ✓{}", slot.accepted), OK));
    }
    if short {
        out.push(Span::styled(
            format!(" {}", text::slot_short(app.lang, slot.target, long_note)),
            WARN,
        ));
    }
    out
}
