//! After `f`: what was sold, declined, left to think over, and the formula. Any key → home.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::{self, Hint, BAD, BOLD, DIM, HEAD, OK, WARN};
use super::text;
use super::App;
use crate::consultation::{Client, Consultation, MainStatus, Outcome};

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryScreen {
    pub client: Client,
    pub consultation: Consultation,
}

impl SummaryScreen {
    pub fn new(client: Client, consultation: Consultation) -> SummaryScreen {
        SummaryScreen {
            client,
            consultation,
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let any_key = if app.rehearsal {
            tx.key_any_quit
        } else {
            tx.key_any_home
        };
        let hints: [Hint<'_>; 1] = [(tx.any_key, any_key)];
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        common::render_top(app, tx.summary_title, top, buf);
        let body = Rect {
            x: body.x + 2,
            width: body.width.saturating_sub(4),
            ..body
        };
        Paragraph::new(self.lines(app, body.width))
            .wrap(Wrap { trim: false })
            .render(body, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
    }

    fn lines(&self, app: &App, width: u16) -> Vec<Line<'static>> {
        let tx = text::t(app.lang);
        let c = &self.consultation;
        let catalog = &app.catalog;
        let p = c.progress(&catalog.formula);
        let mut out = vec![Line::raw("")];
        let who = Span::styled(self.client.full_name(), HEAD);
        let what = Span::styled(common::product_name(catalog, &c.main).to_string(), BOLD);
        let one_row = Line::from(vec![who.clone(), Span::styled(" · ", DIM), what.clone()]);
        // The client and the product on one row when they fit, else one row each.
        if one_row.width() <= usize::from(width) {
            out.push(one_row);
        } else {
            out.push(Line::from(who));
            out.push(Line::from(what));
        }
        out.extend([
            Line::styled(
                format!(
                    "{} {}–{}",
                    common::date(app.lang, c.started_at.date()),
                    common::time(c.started_at),
                    c.finished_at.map(common::time).unwrap_or_default()
                ),
                DIM,
            ),
            Line::raw(""),
        ]);
        let (formula_text, formula_style) = if p.met() {
            (tx.sum_formula_met, OK.add_modifier(Modifier::BOLD))
        } else {
            (tx.sum_formula_not_met, WARN.add_modifier(Modifier::BOLD))
        };
        out.push(Line::from(vec![
            Span::styled(format!("{}: ", tx.formula_cap), BOLD),
            Span::styled(formula_text, formula_style),
            Span::styled(
                format!(
                    " ({} {}/{}, {} {}/{})",
                    tx.catch,
                    p.catch_offered,
                    p.catch_target,
                    tx.create,
                    p.create_offered,
                    p.create_target
                ),
                DIM,
            ),
        ]));
        let taken = c
            .main_sold_as()
            .map(|o| common::product_name(catalog, &o.product))
            .unwrap_or_default();
        let (main_text, main_style) = match p.main {
            MainStatus::Sold => (tx.main_sold.to_string(), OK),
            MainStatus::Upgraded => (format!("{}: {taken}", tx.main_sold), OK),
            MainStatus::Fallback => (format!("{}: {taken}", tx.main_fallback), OK),
            MainStatus::Declined => (tx.main_declined.to_string(), BAD),
            MainStatus::Thinking => (tx.main_thinking.to_string(), WARN),
            // Finished without an answer: nothing was recorded, not "waiting".
            MainStatus::Open => (tx.main_not_recorded.to_string(), WARN),
        };
        let mut main_line = vec![Span::styled(format!("{}: ", tx.main_cap), BOLD)];
        if p.main != MainStatus::Open {
            main_line.push(common::main_mark(p.main));
            main_line.push(Span::raw(" "));
        }
        main_line.push(Span::styled(main_text.to_string(), main_style));
        if let Some(d) = c.main_check_in {
            main_line.push(check_in_span(app, d));
        }
        if let (MainStatus::Thinking, Some(d)) = (p.main, c.main_follow_up) {
            main_line.push(Span::styled(
                format!(" · {} {}", tx.call_back, common::date(app.lang, d)),
                WARN,
            ));
        }
        out.push(Line::from(main_line));
        // The main product sold in its better version is one product, not two.
        let sold = usize::from(c.main_outcome == Some(Outcome::Accepted))
            + c.offers
                .iter()
                .filter(|o| o.outcome == Some(Outcome::Accepted))
                .filter(|o| o.technique != crate::catalog::Technique::Upsell)
                .count();
        out.push(Line::from(vec![
            Span::styled(format!("{}: ", tx.products_sold), BOLD),
            Span::styled(sold.to_string(), if sold >= 3 { OK } else { BOLD }),
        ]));
        out.push(Line::raw(""));

        for (outcome, title, style) in [
            (Some(Outcome::Accepted), tx.sum_accepted, OK),
            (Some(Outcome::Thinking), tx.sum_thinking, WARN),
            (Some(Outcome::Declined), tx.sum_declined, BAD),
            (None, tx.sum_no_answer, DIM),
        ] {
            let offers: Vec<_> = c.offers.iter().filter(|o| o.outcome == outcome).collect();
            if offers.is_empty() {
                continue;
            }
            out.push(Line::styled(
                title.to_string(),
                style.add_modifier(Modifier::BOLD),
            ));
            for o in offers {
                let mut spans = vec![
                    Span::raw("  "),
                    common::outcome_mark(o.outcome),
                    Span::raw(format!(" {}", common::product_name(catalog, &o.product))),
                    Span::styled(
                        format!(
                            " · {}",
                            text::technique_tag(app.lang, o.counted_technique())
                        ),
                        DIM,
                    ),
                ];
                if let Some(d) = o.check_in {
                    spans.push(check_in_span(app, d));
                }
                if let Some(d) = o.follow_up {
                    spans.push(Span::styled(
                        format!(" · {} {}", tx.call_back, common::date(app.lang, d)),
                        WARN,
                    ));
                }
                out.push(Line::from(spans));
            }
            out.push(Line::raw(""));
        }
        if c.offers.is_empty() {
            out.push(Line::styled(tx.sum_no_offers, DIM));
            out.push(Line::raw(""));
        }
        if c.not_receptive {
            out.push(Line::styled(tx.no_prompts_not_receptive, WARN));
        }
        if !c.notes.is_empty() {
            out.push(Line::styled(
                format!("{}: {}", tx.notes_title, c.notes.len()),
                BOLD,
            ));
            for n in &c.notes {
                out.push(Line::styled(format!("  «{}»", n.text), DIM));
            }
        }
        out
    }
}

/// « · звонок после продажи 10.12»: the check-in the sale put on the officer's list.
fn check_in_span(app: &App, day: chrono::NaiveDate) -> Span<'static> {
    Span::styled(
        format!(
            " · {} {}",
            text::t(app.lang).check_in_on,
            common::date(app.lang, day)
        ),
        DIM,
    )
}
