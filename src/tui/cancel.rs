//! `z` on the client card: a sale the client cancelled in its cooling-off period. The card's
//! recent sales are listed (↑↓, Enter), then the day of the cancellation (today unless typed
//! otherwise), then it is stored.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::call_date::pick;
use super::common::{self, BOLD, DIM, KEY, SEL, WARN};
use super::text::Lang;
use super::Env;
use crate::catalog::Catalog;
use crate::consultation::{Cancellation, Sale, CANCEL_WINDOW_DAYS};

/// What the officer did in the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelStep {
    /// Still choosing or typing.
    Open,
    Closed,
    /// Store this cancellation.
    Save(Cancellation),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelPick {
    /// The sales that can be cancelled, newest first.
    pub sales: Vec<Sale>,
    pub selected: usize,
    /// After Enter on a sale: the day being typed (`дд.мм.гггг`).
    pub date: Option<String>,
    pub error: Option<String>,
    /// Waiting for the store.
    pub saving: bool,
}

impl CancelPick {
    pub fn new(sales: Vec<Sale>) -> CancelPick {
        CancelPick {
            sales,
            selected: 0,
            date: None,
            error: None,
            saving: false,
        }
    }

    pub(crate) fn on_key(
        &mut self,
        env: &Env<'_>,
        client_id: u64,
        officer: &str,
        key: KeyEvent,
    ) -> CancelStep {
        if self.saving {
            return CancelStep::Open;
        }
        let lang = env.lang;
        if let Some(typed) = &mut self.date {
            match key.code {
                KeyCode::Esc => {
                    self.date = None;
                    self.error = None;
                }
                KeyCode::Backspace => {
                    typed.pop();
                    self.error = None;
                }
                KeyCode::Char(c) if (c.is_ascii_digit() || c == '.') && typed.len() < 10 => {
                    typed.push(c);
                    self.error = None;
                }
                KeyCode::Enter => {
                    let Some(day) = NaiveDate::parse_from_str(typed.trim(), "%d.%m.%Y").ok() else {
                        self.error = Some(
                            pick(
                                lang,
                                "нет такой даты: дд.мм.гггг",
                                "no such date: dd.mm.yyyy",
                            )
                            .to_string(),
                        );
                        return CancelStep::Open;
                    };
                    let Some(sale) = self.sales.get(self.selected).cloned() else {
                        return CancelStep::Closed;
                    };
                    let c = Cancellation {
                        id: 0,
                        client_id,
                        sale,
                        cancelled_on: day,
                        recorded_at: env.now,
                        recorded_by: officer.to_string(),
                    };
                    if let Err(e) = c.check(env.today) {
                        self.error = Some(match lang {
                            Lang::Ru => match e {
                                crate::consultation::CancelError::BeforeSale => {
                                    "отмена не может быть раньше продажи".to_string()
                                }
                                crate::consultation::CancelError::InFuture => {
                                    "этот день ещё не наступил".to_string()
                                }
                                crate::consultation::CancelError::TooLate => {
                                    format!("прошло больше {CANCEL_WINDOW_DAYS} дней после продажи")
                                }
                            },
                            Lang::En => e.to_string(),
                        });
                        return CancelStep::Open;
                    }
                    self.saving = true;
                    return CancelStep::Save(c);
                }
                _ => {}
            }
            return CancelStep::Open;
        }
        match key.code {
            KeyCode::Esc => CancelStep::Closed,
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                CancelStep::Open
            }
            KeyCode::Down => {
                if self.selected + 1 < self.sales.len() {
                    self.selected += 1;
                }
                CancelStep::Open
            }
            KeyCode::Enter => {
                self.date = Some(env.today.format("%d.%m.%Y").to_string());
                CancelStep::Open
            }
            _ => CancelStep::Open,
        }
    }

    /// Whether a day is being typed (digits are text, not keys).
    pub fn typing(&self) -> bool {
        self.date.is_some()
    }

    pub fn render(&self, lang: Lang, catalog: &Catalog, area: Rect, buf: &mut Buffer) {
        let rows = u16::try_from(self.sales.len().min(8)).unwrap_or(8);
        let inner = common::popup(area, 70, rows + 5 + u16::from(self.date.is_some()), buf);
        Clear.render(inner, buf);
        let block = common::boxed(pick(
            lang,
            "Клиент отменил продажу (период охлаждения)",
            "The client cancelled a sale (cooling-off period)",
        ));
        let body = block.inner(inner);
        block.render(inner, buf);
        let width = usize::from(body.width);
        let mut lines = vec![Line::styled(
            pick(
                lang,
                "Какую продажу отменил клиент?",
                "Which sale did the client cancel?",
            ),
            BOLD,
        )];
        let first = self.selected.saturating_sub(7);
        for (i, s) in self.sales.iter().enumerate().skip(first).take(8) {
            let picked = i == self.selected;
            let how = if s.by_call {
                pick(lang, "по звонку", "on a call")
            } else if s.technique.is_none() {
                pick(lang, "основной", "main")
            } else {
                ""
            };
            let label = format!(
                "{} {}{}",
                common::short_date(lang, s.at.date()),
                common::product_name(catalog, &s.product),
                if how.is_empty() {
                    String::new()
                } else {
                    format!(" · {how}")
                }
            );
            lines.push(Line::from(vec![
                Span::styled(if picked { "▶ " } else { "  " }, KEY),
                Span::styled(
                    common::fit(&label, width.saturating_sub(2)),
                    if picked { SEL } else { BOLD },
                ),
            ]));
        }
        lines.push(Line::raw(""));
        match &self.date {
            Some(typed) => {
                let mut l = vec![Span::styled(
                    format!("{}: ", pick(lang, "Дата отмены", "Cancelled on")),
                    BOLD,
                )];
                l.extend(common::input_spans(typed, true));
                lines.push(Line::from(l));
                lines.push(match &self.error {
                    Some(e) => Line::styled(e.clone(), WARN),
                    None => Line::styled(
                        pick(
                            lang,
                            "Enter — записать, Esc — назад к списку",
                            "Enter record, Esc back to the list",
                        ),
                        DIM,
                    ),
                });
            }
            None => lines.push(Line::styled(
                pick(
                    lang,
                    "↑↓ выбор · Enter дальше · Esc отмена",
                    "↑↓ choose · Enter next · Esc cancel",
                ),
                DIM,
            )),
        }
        Paragraph::new(lines).render(body, buf);
    }
}
