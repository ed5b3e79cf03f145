//! Find a client as you type (surname prefix or phone digits), or add a new one with `+`.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::{self, Hint, BOLD, DIM, HEAD, SEL};
use super::form::{is_text, ClientForm};
use super::text;
use super::{go_home, App, Effect, Env, Route, Step};
use crate::consultation::names::capitalise_name;
use crate::consultation::{Client, ClientHistory, NewClient};

#[cfg(test)]
pub(crate) use super::form::FIELDS;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindScreen {
    pub query: String,
    pub results: Vec<Client>,
    pub selected: usize,
    /// A search was answered for the current query.
    pub searched: bool,
    /// `+`: the new-client form.
    pub form: Option<ClientForm>,
}

impl FindScreen {
    pub fn with_form() -> FindScreen {
        FindScreen {
            form: Some(ClientForm::default()),
            ..FindScreen::default()
        }
    }

    pub(crate) fn set_results(&mut self, query: &str, clients: Vec<Client>) {
        if query != self.query.trim() {
            return; // an answer to an older keystroke
        }
        self.results = clients;
        self.selected = 0;
        self.searched = true;
    }

    fn search(&mut self) -> Step {
        let q = self.query.trim().to_string();
        self.selected = 0;
        self.searched = false;
        if q.is_empty() {
            self.results.clear();
            return Step::default();
        }
        Step::effect(Effect::Search(q))
    }

    /// The form starts with what was typed in the search: a surname or a phone.
    fn open_form(&mut self) {
        let mut fields = NewClient::default();
        let mut focus = 0;
        let q = self.query.trim();
        if q.chars().any(char::is_alphabetic) {
            let mut words = q.split_whitespace().map(capitalise_name);
            fields.last_name = words.next().unwrap_or_default();
            fields.first_name = words.next().unwrap_or_default();
            fields.patronymic = words.next().unwrap_or_default();
            focus = 1;
        } else if !q.is_empty() {
            fields.phone = q.to_string();
        }
        self.form = Some(ClientForm::new(fields, focus));
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent) -> Step {
        if let Some(form) = &mut self.form {
            let out = form.on_key(env, key);
            if out.close {
                self.form = None;
            }
            return out.step;
        }
        if let Some(c) = is_text(&key) {
            if c == '+' {
                self.open_form();
                return Step::default();
            }
            self.query.push(c);
            return self.search();
        }
        match key.code {
            KeyCode::Backspace => {
                self.query.pop();
                self.search()
            }
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                Step::default()
            }
            KeyCode::Down | KeyCode::Tab => {
                if self.selected + 1 < self.results.len() {
                    self.selected += 1;
                }
                Step::default()
            }
            KeyCode::Enter => match self.results.get(self.selected) {
                Some(c) => Step::effect(Effect::LoadClientCard(c.id)),
                None if !self.query.trim().is_empty() && self.searched => {
                    self.open_form();
                    Step::default()
                }
                None => Step::default(),
            },
            KeyCode::Esc => go_home(),
            _ => Step::default(),
        }
    }

    pub(crate) fn on_added(&mut self, env: &Env<'_>, result: Result<Client, String>) -> Step {
        if let Some(form) = &mut self.form {
            form.saving = false;
        }
        match result {
            Ok(client) => {
                let mut step = Step::route(Route::Card {
                    client,
                    history: ClientHistory::default(),
                    consultations: Vec::new(),
                });
                step.status = Some(super::Status::Info(
                    text::t(env.lang).client_added.to_string(),
                ));
                self.form = None;
                step
            }
            Err(e) => Step::error(text::not_saved(env.lang, &e)),
        }
    }

    /// The client to add is stored already: the form asks to open it.
    pub(crate) fn on_same(&mut self, found: Vec<Client>) -> Step {
        match &mut self.form {
            Some(form) => form.on_same(found),
            None => Step::default(),
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
        } else {
            vec![
                ("↑↓", tx.key_select),
                ("Enter", tx.key_open_card),
                ("+", tx.key_new_client),
                ("Esc", tx.key_back),
                ("F1", tx.key_help),
            ]
        };
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        let title = if self.form.is_some() {
            tx.new_client_title
        } else {
            tx.find_title
        };
        common::render_top(app, title, top, buf);
        let body = Rect {
            x: body.x + 1,
            width: body.width.saturating_sub(2),
            ..body
        };
        match &self.form {
            Some(form) => form.render(app, body, buf),
            None => self.render_search(app, body, buf),
        }
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
    }

    fn render_search(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let [_, input, hint, _, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        let mut spans = vec![
            Span::styled(format!(" {} ", tx.find_prompt), SEL),
            Span::raw(" "),
        ];
        spans.extend(common::input_spans(&self.query, true));
        Paragraph::new(Line::from(spans)).render(input, buf);
        Paragraph::new(Line::styled(tx.find_hint, DIM)).render(hint, buf);

        let block = common::titled(tx.find_results);
        let inner = block.inner(list);
        block.render(list, buf);
        if self.query.trim().is_empty() {
            return;
        }
        if self.results.is_empty() {
            let msg = if self.searched {
                tx.find_none
            } else {
                tx.find_searching
            };
            Paragraph::new(Line::styled(msg, DIM))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }
        let rows = usize::from(inner.height);
        let first = (self.selected + 1).saturating_sub(rows);
        let mut lines = Vec::new();
        for (i, c) in self.results.iter().enumerate().skip(first).take(rows) {
            let selected = i == self.selected;
            let marker = if selected { "▶ " } else { "  " };
            let name_style = if selected { SEL } else { BOLD };
            lines.push(Line::from(vec![
                Span::styled(marker, HEAD),
                Span::styled(c.full_name(), name_style),
                Span::styled(
                    {
                        // No dangling «·» when the segment is empty.
                        let mut facts = vec![
                            common::format_phone(&c.phone),
                            common::date(app.lang, c.birth_date),
                        ];
                        if !c.segment.is_empty() {
                            facts.push(c.segment.clone());
                        }
                        format!("  {}", facts.join(" · "))
                    },
                    DIM,
                ),
            ]));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
