//! The client form: a new client (from the search, `+`) or an edit (from the card, `e`).
//! Every field is validated as the engine says; saving asks the run loop, which refuses a
//! client that is already stored (the same phone, or name + birth date) and answers with it
//! ([`super::Msg::SameClients`]): the form then offers to open that card instead. Esc with
//! anything typed asks before discarding it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::format_phone;
use super::common::{self, BAD, BOLD, DIM, HEAD, SEL, WARN};
use super::keys::{self, action};
use super::text::{self, Lang};
use super::{App, Effect, Env, Step};
use crate::consultation::names::{same_person, SameAs};
use crate::consultation::{Client, ClientError, Field, NewClient};

/// The form's text fields, in order; the consent to calls follows them (focus
/// [`CONSENT`]).
pub const FIELDS: [Field; 6] = [
    Field::LastName,
    Field::FirstName,
    Field::Patronymic,
    Field::Phone,
    Field::BirthDate,
    Field::Segment,
];

/// The focus index of the «Согласие на звонки» row, after the text fields.
pub const CONSENT: usize = FIELDS.len();
/// Label column width: the longest label («Согласие на звонки») fits.
const LABEL_WIDTH: usize = 18;

/// A question over the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormQuestion {
    /// Esc with something typed: discard it?
    Discard,
    /// The store has this client already (the first is offered): open its card?
    Same(Vec<Client>),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientForm {
    pub fields: NewClient,
    /// Index into [`FIELDS`], or [`CONSENT`].
    pub focus: usize,
    /// Set by the first Enter: from then on each field's problem is shown beside it.
    pub checked: bool,
    pub saving: bool,
    /// «Согласие на звонки», default no.
    pub calls_consent: bool,
    /// The client being edited; `None` for a new client.
    pub editing: Option<u64>,
    /// The fields and consent as the form opened (Esc asks only when they changed).
    pub initial: (NewClient, bool),
    pub question: Option<FormQuestion>,
}

/// What a key on the form asks of the screen that holds it.
#[derive(Debug, Default)]
pub(crate) struct FormStep {
    pub step: Step,
    /// Close the form.
    pub close: bool,
}

impl From<Step> for FormStep {
    fn from(step: Step) -> FormStep {
        FormStep { step, close: false }
    }
}

pub(crate) fn is_text(key: &KeyEvent) -> Option<char> {
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

impl ClientForm {
    /// A new-client form with these fields already in (from the search).
    pub fn new(fields: NewClient, focus: usize) -> ClientForm {
        ClientForm {
            initial: (fields.clone(), false),
            fields,
            focus,
            ..ClientForm::default()
        }
    }

    /// The edit form of a stored client, prefilled as the card shows it.
    pub fn edit(lang: Lang, c: &Client) -> ClientForm {
        let fields = NewClient {
            last_name: c.last_name.clone(),
            first_name: c.first_name.clone(),
            patronymic: c.patronymic.clone(),
            phone: format_phone(&c.phone),
            birth_date: common::date(lang, c.birth_date),
            segment: c.segment.clone(),
        };
        ClientForm {
            initial: (fields.clone(), c.calls_consent),
            fields,
            calls_consent: c.calls_consent,
            editing: Some(c.id),
            ..ClientForm::default()
        }
    }

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

    /// The text field with the keyboard, `None` on the consent row.
    pub fn focused(&self) -> Option<Field> {
        FIELDS.get(self.focus).copied()
    }

    /// Something was typed or changed since the form opened.
    pub fn changed(&self) -> bool {
        (&self.fields, self.calls_consent) != (&self.initial.0, self.initial.1)
    }

    /// The problems to show now (after the first Enter).
    pub(crate) fn problems(&self, env: &Env<'_>) -> Vec<ClientError> {
        if self.checked {
            self.fields.problems(env.today)
        } else {
            Vec::new()
        }
    }

    /// The run loop found the client stored already: ask to open it.
    pub(crate) fn on_same(&mut self, found: Vec<Client>) -> Step {
        self.saving = false;
        if !found.is_empty() {
            self.question = Some(FormQuestion::Same(found));
        }
        Step::default()
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent) -> FormStep {
        if self.saving {
            return FormStep::default();
        }
        if let Some(q) = &self.question {
            let Some(yes) = keys::answer(action(key), None) else {
                return FormStep::default();
            };
            return match (q, yes) {
                (FormQuestion::Discard, true) => FormStep {
                    close: true,
                    ..FormStep::default()
                },
                (FormQuestion::Same(found), true) => match found.first() {
                    Some(c) => FormStep {
                        step: Step::effect(Effect::LoadClientCard(c.id)),
                        close: true,
                    },
                    None => FormStep::default(),
                },
                (_, false) => {
                    self.question = None;
                    FormStep::default()
                }
            };
        }
        let total = FIELDS.len() + 1;
        if let Some(c) = is_text(&key) {
            match self.focused() {
                Some(field) => self.value_mut(field).push(c),
                None => match keys::qwerty(c) {
                    ' ' => self.calls_consent = !self.calls_consent,
                    'y' => self.calls_consent = true,
                    'n' => self.calls_consent = false,
                    _ => {}
                },
            }
            return FormStep::default();
        }
        match key.code {
            KeyCode::Backspace => {
                if let Some(field) = self.focused() {
                    self.value_mut(field).pop();
                }
            }
            KeyCode::Left | KeyCode::Right if self.focused().is_none() => {
                self.calls_consent = !self.calls_consent;
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % total,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + total - 1) % total,
            KeyCode::Esc => {
                if self.changed() {
                    self.question = Some(FormQuestion::Discard);
                } else {
                    return FormStep {
                        close: true,
                        ..FormStep::default()
                    };
                }
            }
            KeyCode::Enter => return self.save(env).into(),
            _ => {}
        }
        FormStep::default()
    }

    fn save(&mut self, env: &Env<'_>) -> Step {
        self.checked = true;
        match self.fields.validate(env.today) {
            Ok(valid) => {
                let mut client = valid.into_client(self.editing.unwrap_or(0));
                client.calls_consent = self.calls_consent;
                self.saving = true;
                Step::effect(match self.editing {
                    Some(_) => Effect::UpdateClient(client),
                    None => Effect::AddClient(client),
                })
            }
            Err(e) => {
                if let Some(i) = FIELDS.iter().position(|f| *f == e.field) {
                    self.focus = i;
                }
                Step::error(text::field_problem(env.lang, &e))
            }
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let env = app.env();
        let problems = self.problems(&env);
        let intro = if self.editing.is_some() {
            tx.edit_client_intro
        } else {
            tx.new_client_intro
        };
        let mut lines = vec![Line::raw(""), Line::styled(intro, DIM), Line::raw("")];
        let label_style = |focused: bool, bad: bool| {
            if focused {
                SEL
            } else if bad {
                BAD.add_modifier(Modifier::BOLD)
            } else {
                BOLD
            }
        };
        for (i, field) in FIELDS.iter().enumerate() {
            let focused = i == self.focus;
            let label = text::field_label(app.lang, *field);
            let problem = problems.iter().find(|p| p.field == *field);
            let mut spans = vec![
                Span::styled(
                    format!(" {label:<LABEL_WIDTH$} "),
                    label_style(focused, problem.is_some()),
                ),
                Span::raw(" "),
            ];
            spans.extend(common::input_spans(self.value(*field), focused));
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
        let focused = self.focus == CONSENT;
        let (mark, word) = if self.calls_consent {
            ("[x]", tx.yes)
        } else {
            ("[ ]", tx.no)
        };
        let mut spans = vec![
            Span::styled(
                format!(" {:<LABEL_WIDTH$} ", tx.consent_label),
                label_style(focused, false),
            ),
            Span::raw(" "),
            Span::styled(format!("{mark} {word}"), if focused { HEAD } else { BOLD }),
        ];
        spans.push(Span::styled(format!("  {}", tx.consent_hint), DIM));
        lines.push(Line::from(spans));
        if self.saving {
            lines.push(Line::raw(""));
            lines.push(Line::styled(tx.saving, DIM));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
        match &self.question {
            Some(FormQuestion::Discard) => {
                common::render_question(app.lang, tx.discard_title, tx.discard_question, area, buf)
            }
            Some(FormQuestion::Same(found)) => self.render_same(app, found, area, buf),
            None => {}
        }
    }

    /// The duplicate prompt: the stored client, why it is the same, and the two ways on.
    fn render_same(&self, app: &App, found: &[Client], area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let Some(c) = found.first() else {
            return;
        };
        let typed = self
            .fields
            .validate(app.today)
            .map(|v| v.into_client(self.editing.unwrap_or(0)));
        let why = match typed.as_ref().ok().and_then(|t| same_person(t, c)) {
            Some(SameAs::Phone) => tx.same_phone,
            Some(SameAs::NameAndBirth) => tx.same_name,
            None => "",
        };
        let mut lines = vec![
            Line::styled(c.full_name(), HEAD),
            Line::raw(format!(
                "{} · {}",
                format_phone(&c.phone),
                common::date(app.lang, c.birth_date)
            )),
        ];
        if !why.is_empty() {
            lines.push(Line::styled(format!("({why})"), WARN));
        }
        if found.len() > 1 {
            lines.push(Line::styled(
                text::same_more(app.lang, found.len() - 1),
                DIM,
            ));
        }
        lines.push(Line::raw(""));
        let width = area.width.saturating_sub(4).min(64);
        for row in common::wrap(tx.same_note, width.saturating_sub(4)) {
            lines.push(Line::styled(row, DIM));
        }
        lines.push(Line::raw(""));
        lines.push(common::hints_line(&[
            ("Enter/y", tx.same_open),
            ("Esc/n", tx.same_back),
        ]));
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let rect = common::popup(area, width, height, buf);
        let block = common::boxed(tx.same_title);
        let inner = common::pad(block.inner(rect));
        block.render(rect, buf);
        Paragraph::new(lines).render(inner, buf);
    }
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
