//! The first start: the officer's name and branch (skipped when given by flags).

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::{self, Hint, BAD, BOLD, DIM, SEL};
use super::text::{self, Lang};
use super::{App, Effect, Env, Step};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirstStartScreen {
    pub name: String,
    pub branch: String,
    /// 0 = name, 1 = branch.
    pub focus: usize,
    /// Asked to save with a field empty.
    pub missing: bool,
    pub saving: bool,
}

impl FirstStartScreen {
    pub fn new(branch: &str) -> FirstStartScreen {
        FirstStartScreen {
            branch: branch.to_string(),
            ..FirstStartScreen::default()
        }
    }

    fn field(&mut self) -> &mut String {
        if self.focus == 0 {
            &mut self.name
        } else {
            &mut self.branch
        }
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent) -> Step {
        if self.saving {
            return Step::default();
        }
        match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                self.field().push(c);
                Step::default()
            }
            KeyCode::Backspace => {
                self.field().pop();
                Step::default()
            }
            KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
                self.focus = 1 - self.focus.min(1);
                Step::default()
            }
            KeyCode::Enter => {
                let (name, branch) = (self.name.trim(), self.branch.trim());
                if self.focus == 0 && branch.is_empty() && !name.is_empty() {
                    self.focus = 1;
                    return Step::default();
                }
                if name.is_empty() || branch.is_empty() {
                    self.missing = true;
                    self.focus = usize::from(!name.is_empty());
                    return Step::error(text::t(env.lang).first_missing);
                }
                self.saving = true;
                Step::effect(Effect::SaveOfficer {
                    name: name.to_string(),
                    branch: branch.to_string(),
                })
            }
            KeyCode::Esc => Step::effect(Effect::Quit),
            _ => Step::default(),
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let hints: [Hint<'_>; 3] = [
            ("Tab", tx.key_next_field),
            ("Enter", tx.key_save),
            ("Esc", tx.key_quit),
        ];
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        common::render_top(app, tx.first_title, top, buf);
        self.render_form(app.lang, body, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
    }

    fn render_form(&self, lang: Lang, area: Rect, buf: &mut Buffer) {
        let tx = text::t(lang);
        let width = area.width.min(72);
        let inner = Rect::new(
            area.x + (area.width - width) / 2,
            area.y,
            width,
            area.height,
        );
        let [_, intro, _, form] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        Paragraph::new(vec![
            Line::styled(tx.first_welcome, BOLD),
            Line::raw(tx.first_intro),
        ])
        .wrap(Wrap { trim: true })
        .render(intro, buf);

        let mut lines = Vec::new();
        for (i, (label, value, hint)) in [
            (tx.first_name, &self.name, tx.first_name_hint),
            (tx.first_branch, &self.branch, tx.first_branch_hint),
        ]
        .into_iter()
        .enumerate()
        {
            let focused = i == self.focus;
            let mut spans = vec![Span::styled(
                format!(" {label:<18}"),
                if focused { SEL } else { BOLD },
            )];
            spans.push(Span::raw(" "));
            spans.extend(common::input_spans(value, focused));
            lines.push(Line::from(spans));
            let empty = value.trim().is_empty();
            lines.push(if self.missing && empty {
                Line::styled(format!("{:20}{}", "", tx.required), BAD)
            } else {
                Line::styled(format!("{:20}{hint}", ""), DIM)
            });
            lines.push(Line::raw(""));
        }
        if self.saving {
            lines.push(Line::styled(tx.saving, DIM));
        }
        Paragraph::new(lines).render(form, buf);
    }
}
