//! Find a client as you type (surname prefix or phone digits), or add a new one with `+`.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::client::ClientScreen;
use super::common::{self, Hint, BAD, BOLD, DIM, HEAD, SEL};
use super::text::{self, Lang};
use super::{go_home, App, Effect, Env, Screen, Step};
use crate::consultation::{Client, ClientError, ClientHistory, Field, NewClient};

/// The new-client form's fields, in order.
pub const FIELDS: [Field; 6] = [
    Field::LastName,
    Field::FirstName,
    Field::Patronymic,
    Field::Phone,
    Field::BirthDate,
    Field::Segment,
];

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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientForm {
    pub fields: NewClient,
    /// Index into [`FIELDS`].
    pub focus: usize,
    /// Set by the first Enter: from then on each field's problem is shown beside it.
    pub checked: bool,
    pub saving: bool,
}

impl ClientForm {
    fn value_mut(&mut self, field: Field) -> &mut String {
        let f = &mut self.fields;
        match field {
            Field::LastName => &mut f.last_name,
            Field::FirstName => &mut f.first_name,
            Field::Patronymic => &mut f.patronymic,
            Field::Phone => &mut f.phone,
            Field::BirthDate => &mut f.birth_date,
            Field::Segment => &mut f.segment,
        }
    }

    pub fn value(&self, field: Field) -> &str {
        let f = &self.fields;
        match field {
            Field::LastName => &f.last_name,
            Field::FirstName => &f.first_name,
            Field::Patronymic => &f.patronymic,
            Field::Phone => &f.phone,
            Field::BirthDate => &f.birth_date,
            Field::Segment => &f.segment,
        }
    }

    fn focused(&self) -> Field {
        FIELDS[self.focus.min(FIELDS.len() - 1)]
    }

    /// The problems to show now (after the first Enter).
    pub(crate) fn problems(&self, env: &Env<'_>) -> Vec<ClientError> {
        if self.checked {
            self.fields.problems(env.today)
        } else {
            Vec::new()
        }
    }
}

fn is_text(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
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
        let mut form = ClientForm::default();
        let q = self.query.trim();
        if q.chars().any(char::is_alphabetic) {
            let mut words = q.split_whitespace().map(capitalise);
            form.fields.last_name = words.next().unwrap_or_default();
            form.fields.first_name = words.next().unwrap_or_default();
            form.fields.patronymic = words.next().unwrap_or_default();
            form.focus = 1;
        } else if !q.is_empty() {
            form.fields.phone = q.to_string();
        }
        self.form = Some(form);
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent) -> Step {
        if let Some(form) = &mut self.form {
            return on_form_key(form, env, key).unwrap_or_else(|| {
                self.form = None;
                Step::default()
            });
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
                let mut step = Step::goto(Screen::Client(ClientScreen::new(
                    client,
                    ClientHistory::default(),
                    Vec::new(),
                )));
                step.status = Some(super::Status::Info(
                    text::t(env.lang).client_added.to_string(),
                ));
                self.form = None;
                step
            }
            Err(e) => Step::error(text::not_saved(env.lang, &e)),
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
            common::frame_areas(area, common::footer_height(&hints, area.width));
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
            Some(form) => render_form(form, app, body, buf),
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
                    format!(
                        "  {} · {} · {}",
                        format_phone(&c.phone),
                        common::date(app.lang, c.birth_date),
                        c.segment
                    ),
                    DIM,
                ),
            ]));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

/// `None` = close the form.
fn on_form_key(form: &mut ClientForm, env: &Env<'_>, key: KeyEvent) -> Option<Step> {
    if form.saving {
        return Some(Step::default());
    }
    if let Some(c) = is_text(&key) {
        form.value_mut(form.focused()).push(c);
        return Some(Step::default());
    }
    match key.code {
        KeyCode::Backspace => {
            form.value_mut(form.focused()).pop();
        }
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % FIELDS.len(),
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = (form.focus + FIELDS.len() - 1) % FIELDS.len();
        }
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            form.checked = true;
            return Some(match form.fields.validate(env.today) {
                Ok(valid) => {
                    form.saving = true;
                    Step::effect(Effect::AddClient(valid))
                }
                Err(e) => {
                    if let Some(i) = FIELDS.iter().position(|f| *f == e.field) {
                        form.focus = i;
                    }
                    Step::error(text::field_problem(env.lang, &e))
                }
            });
        }
        _ => {}
    }
    Some(Step::default())
}

fn render_form(form: &ClientForm, app: &App, area: Rect, buf: &mut Buffer) {
    let tx = text::t(app.lang);
    let env = app.env();
    let problems = form.problems(&env);
    let mut lines = vec![
        Line::raw(""),
        Line::styled(tx.new_client_intro, DIM),
        Line::raw(""),
    ];
    for (i, field) in FIELDS.iter().enumerate() {
        let focused = i == form.focus;
        let label = text::field_label(app.lang, *field);
        let problem = problems.iter().find(|p| p.field == *field);
        let label_style = if focused {
            SEL
        } else if problem.is_some() {
            BAD.add_modifier(Modifier::BOLD)
        } else {
            BOLD
        };
        let mut spans = vec![
            Span::styled(format!(" {label:<16} "), label_style),
            Span::raw(" "),
        ];
        spans.extend(common::input_spans(form.value(*field), focused));
        match problem {
            Some(p) => spans.push(Span::styled(
                format!("  ✗ {}", text::client_message(app.lang, p.message)),
                BAD,
            )),
            None => {
                if let Some(h) = field_hint(app.lang, *field) {
                    spans.push(Span::styled(format!("  {h}"), DIM));
                }
            }
        }
        lines.push(Line::from(spans));
        lines.push(Line::raw(""));
    }
    if form.saving {
        lines.push(Line::styled(tx.saving, DIM));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn field_hint(lang: Lang, field: Field) -> Option<&'static str> {
    let tx = text::t(lang);
    match field {
        Field::Patronymic => Some(tx.hint_optional),
        Field::Phone => Some(tx.hint_phone),
        Field::BirthDate => Some(tx.hint_birth),
        Field::Segment => Some(tx.hint_segment),
        Field::LastName | Field::FirstName => None,
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `79161234567` → `+7 916 123-45-67`; other lengths as stored.
pub(crate) fn format_phone(digits: &str) -> String {
    let d: Vec<char> = digits.chars().collect();
    if d.len() == 11 && d.iter().all(char::is_ascii_digit) {
        let s = |a: usize, b: usize| d[a..b].iter().collect::<String>();
        format!(
            "+{} {} {}-{}-{}",
            s(0, 1),
            s(1, 4),
            s(4, 7),
            s(7, 9),
            s(9, 11)
        )
    } else {
        digits.to_string()
    }
}
