//! "Thinking": did the client agree to be called, and on which day? A small popup shared by
//! the consultation and the call screen: ↑↓ pick 1 or 3 working days on (3 is the default:
//! Enter at once) or a week, or no call; digits type another date (`дд.мм` or `дд.мм.гггг`).

use chrono::{Datelike, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::common::{self, BOLD, DIM, KEY, SEL, WARN};
use super::text::Lang;
use crate::consultation::{call_back_day, CALL_BACK_CHOICES, DEFAULT_CALL_BACK_DAYS};

/// What the officer answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDateAnswer {
    /// Call on this day.
    Date(NaiveDate),
    /// The client does not want a call.
    NoCall,
    /// Esc: nothing is recorded.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDateAsk {
    /// The product the answer is about (its name, for the title).
    pub product_name: String,
    /// Among [`CALL_BACK_CHOICES`], then "no call" when allowed.
    pub selected: usize,
    /// A date being typed.
    pub typed: String,
    /// Whether "no call" is a choice (in a consultation; on a call, stopping is `x`).
    pub allow_no_call: bool,
    /// Why the typed date was refused.
    pub error: Option<String>,
}

impl CallDateAsk {
    pub fn new(product_name: &str, allow_no_call: bool) -> CallDateAsk {
        CallDateAsk {
            product_name: product_name.to_string(),
            selected: CALL_BACK_CHOICES
                .iter()
                .position(|d| *d == DEFAULT_CALL_BACK_DAYS)
                .unwrap_or(0),
            typed: String::new(),
            allow_no_call,
            error: None,
        }
    }

    fn choices(&self) -> usize {
        CALL_BACK_CHOICES.len() + usize::from(self.allow_no_call)
    }

    /// A key while the popup is open; `Some` once the officer has answered.
    pub fn on_key(
        &mut self,
        lang: Lang,
        today: NaiveDate,
        key: KeyEvent,
    ) -> Option<CallDateAnswer> {
        match key.code {
            KeyCode::Esc => Some(CallDateAnswer::Cancel),
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                None
            }
            KeyCode::Down => {
                if self.selected + 1 < self.choices() {
                    self.selected += 1;
                }
                None
            }
            KeyCode::Backspace => {
                self.typed.pop();
                self.error = None;
                None
            }
            KeyCode::Char(c) if c.is_ascii_digit() || c == '.' || c == ',' || c == '/' => {
                if self.typed.chars().count() < 10 {
                    self.typed.push(if c.is_ascii_digit() { c } else { '.' });
                }
                self.error = None;
                None
            }
            KeyCode::Enter => {
                if !self.typed.is_empty() {
                    return match parse_day(&self.typed, today) {
                        Some(d) if d > today => Some(CallDateAnswer::Date(d)),
                        Some(_) => {
                            self.error = Some(
                                pick(
                                    lang,
                                    "звонок — не раньше завтрашнего дня",
                                    "a call is for tomorrow or later",
                                )
                                .to_string(),
                            );
                            None
                        }
                        None => {
                            self.error = Some(
                                pick(
                                    lang,
                                    "нет такой даты: дд.мм или дд.мм.гггг",
                                    "no such date: dd.mm or dd.mm.yyyy",
                                )
                                .to_string(),
                            );
                            None
                        }
                    };
                }
                Some(match CALL_BACK_CHOICES.get(self.selected) {
                    Some(days) => CallDateAnswer::Date(call_back_day(today, *days)),
                    None => CallDateAnswer::NoCall,
                })
            }
            _ => None,
        }
    }

    pub fn render(&self, lang: Lang, today: NaiveDate, area: Rect, buf: &mut Buffer) {
        let inner = common::popup(area, 52, 9 + u16::from(self.allow_no_call), buf);
        Clear.render(inner, buf);
        let block = common::boxed(super::text::call_day_title(lang));
        let body = block.inner(inner);
        block.render(inner, buf);
        let mut lines = vec![
            Line::styled(
                common::fit(&self.product_name, usize::from(body.width)),
                BOLD,
            ),
            Line::raw(""),
        ];
        for (i, days) in CALL_BACK_CHOICES.iter().enumerate() {
            let day = call_back_day(today, *days);
            let picked = self.typed.is_empty() && i == self.selected;
            lines.push(Line::from(vec![
                Span::styled(if picked { "▶ " } else { "  " }, KEY),
                Span::styled(
                    format!("{} {}", weekday(lang, day), common::short_date(lang, day)),
                    if picked { SEL } else { BOLD },
                ),
            ]));
        }
        if self.allow_no_call {
            let picked = self.typed.is_empty() && self.selected == CALL_BACK_CHOICES.len();
            lines.push(Line::from(vec![
                Span::styled(if picked { "▶ " } else { "  " }, KEY),
                Span::styled(
                    pick(
                        lang,
                        "клиент не хочет звонка",
                        "the client does not want a call",
                    ),
                    if picked { SEL } else { BOLD },
                ),
            ]));
        }
        let mut typed = vec![Span::styled(
            format!("{}: ", pick(lang, "или дата", "or a date")),
            DIM,
        )];
        typed.extend(common::input_spans(&self.typed, !self.typed.is_empty()));
        lines.push(Line::from(typed));
        match &self.error {
            Some(e) => lines.push(Line::styled(e.clone(), WARN)),
            None => lines.push(Line::styled(
                pick(
                    lang,
                    "↑↓ выбор · Enter сохранить · Esc отмена",
                    "↑↓ choose · Enter save · Esc cancel",
                ),
                DIM,
            )),
        }
        Paragraph::new(lines).render(body, buf);
    }
}

/// `дд.мм` (this year, or the next when that day has passed) or `дд.мм.гггг`.
pub fn parse_day(typed: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts: Vec<&str> = typed.split('.').filter(|p| !p.is_empty()).collect();
    let day: u32 = parts.first()?.parse().ok()?;
    let month: u32 = parts.get(1)?.parse().ok()?;
    match parts.get(2) {
        Some(y) => {
            let mut year: i32 = y.parse().ok()?;
            if y.len() == 2 {
                year += 2000;
            }
            NaiveDate::from_ymd_opt(year, month, day)
        }
        None => {
            // This year's day; past by more than half a year, the coming one (10.01 typed in
            // December). A day passed recently stays in the past and is refused.
            let this = NaiveDate::from_ymd_opt(today.year(), month, day)?;
            if (today - this).num_days() > 183 {
                NaiveDate::from_ymd_opt(today.year() + 1, month, day)
            } else {
                Some(this)
            }
        }
    }
}

/// The Russian or the English text.
pub(crate) fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

fn weekday(lang: Lang, d: NaiveDate) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Ru => ["пн", "вт", "ср", "чт", "пт", "сб", "вс"][i],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn enter_at_once_is_three_working_days_on() {
        let mut a = CallDateAsk::new("Карта", true);
        // Wednesday: Thursday, Friday, then Monday — not Saturday the 5th.
        let today = day(2026, 12, 2);
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Enter)),
            Some(CallDateAnswer::Date(day(2026, 12, 7)))
        );
    }

    #[test]
    fn arrows_pick_one_seven_or_no_call() {
        let today = day(2026, 12, 2);
        let mut a = CallDateAsk::new("Карта", true);
        a.on_key(Lang::Ru, today, key(KeyCode::Up));
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Enter)),
            Some(CallDateAnswer::Date(day(2026, 12, 3)))
        );
        let mut a = CallDateAsk::new("Карта", true);
        for _ in 0..5 {
            a.on_key(Lang::Ru, today, key(KeyCode::Down));
        }
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Enter)),
            Some(CallDateAnswer::NoCall)
        );
        // On a call there is no "no call": the last choice is +7.
        let mut a = CallDateAsk::new("Карта", false);
        for _ in 0..5 {
            a.on_key(Lang::Ru, today, key(KeyCode::Down));
        }
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Enter)),
            Some(CallDateAnswer::Date(day(2026, 12, 9)))
        );
    }

    #[test]
    fn a_typed_date_must_be_real_and_after_today() {
        let today = day(2026, 12, 2);
        let mut a = CallDateAsk::new("Карта", true);
        for c in "15.12".chars() {
            a.on_key(Lang::Ru, today, key(KeyCode::Char(c)));
        }
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Enter)),
            Some(CallDateAnswer::Date(day(2026, 12, 15)))
        );
        let mut a = CallDateAsk::new("Карта", true);
        for c in "31.02".chars() {
            a.on_key(Lang::Ru, today, key(KeyCode::Char(c)));
        }
        assert_eq!(a.on_key(Lang::Ru, today, key(KeyCode::Enter)), None);
        assert!(a.error.is_some());
        // 30.11 has just passed: it stays this year's (and is refused as past); January
        // typed in December is the coming one.
        assert_eq!(parse_day("30.11", today), Some(day(2026, 11, 30)));
        assert_eq!(parse_day("10.01", today), Some(day(2027, 1, 10)));
        let mut past = CallDateAsk::new("Карта", true);
        for c in "30.11".chars() {
            past.on_key(Lang::Ru, today, key(KeyCode::Char(c)));
        }
        assert_eq!(past.on_key(Lang::Ru, today, key(KeyCode::Enter)), None);
        assert!(past
            .error
            .as_deref()
            .is_some_and(|e| e.contains("не раньше завтрашнего")));
        assert_eq!(parse_day("02.12.2026", today), Some(today));
        assert_eq!(parse_day("abc", today), None);
        assert_eq!(
            a.on_key(Lang::Ru, today, key(KeyCode::Esc)),
            Some(CallDateAnswer::Cancel)
        );
    }

    /// The refusal of a day that is not after today fits the popup whole, even at 80×24.
    #[test]
    fn a_past_day_is_refused_in_words_that_fit() {
        let today = day(2026, 12, 2);
        for (lang, said) in [
            (Lang::Ru, "звонок — не раньше завтрашнего дня"),
            (Lang::En, "a call is for tomorrow or later"),
        ] {
            let mut a = CallDateAsk::new("Дебетовая карта «Плюс»", true);
            for c in "02.12".chars() {
                a.on_key(lang, today, key(KeyCode::Char(c)));
            }
            assert_eq!(a.on_key(lang, today, key(KeyCode::Enter)), None, "today");
            let area = Rect::new(0, 0, 80, 24);
            let mut buf = Buffer::empty(area);
            a.render(lang, today, area, &mut buf);
            let text: String = (0..area.height)
                .map(|y| {
                    (0..area.width)
                        .map(|x| buf[(x, y)].symbol().to_string())
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(text.contains(said), "{text}");
        }
    }
}
