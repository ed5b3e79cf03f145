//! Pieces every screen uses: the top bar, the footer of keys, the status line, text inputs,
//! popups, and a word-wrap height estimate for sharing rows between panes.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::text::{self, Lang};
use super::{App, Status};
use crate::catalog::Catalog;
use crate::consultation::{MainStatus, Outcome};

pub(crate) const HEAD: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
pub(crate) const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
pub(crate) const DIM: Style = Style::new().fg(Color::DarkGray);
pub(crate) const CUE: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::ITALIC);
pub(crate) const KEY: Style = Style::new().fg(Color::Black).bg(Color::Gray);
pub(crate) const OK: Style = Style::new().fg(Color::Green);
pub(crate) const BAD: Style = Style::new().fg(Color::Red);
pub(crate) const WARN: Style = Style::new().fg(Color::Yellow);
pub(crate) const SEL: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Cyan)
    .add_modifier(Modifier::BOLD);
pub(crate) const BANNER: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
pub(crate) const CARET: Style = Style::new().add_modifier(Modifier::REVERSED);

/// A key and what it does, for footers.
pub(crate) type Hint<'a> = (&'a str, &'a str);

/// Top bar, body, footer, status line.
pub(crate) fn frame_areas(app: &App, area: Rect, footer: u16) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(footer),
        Constraint::Length(status_height(app, area.width)),
    ])
    .areas(area)
}

/// "Суфлёр · title" on the left, the officer, branch and date on the right; the rehearsal
/// banner when rehearsing.
pub(crate) fn render_top(app: &App, title: &str, area: Rect, buf: &mut Buffer) {
    let tx = text::t(app.lang);
    if app.rehearsal {
        Paragraph::new(Line::from(vec![
            Span::raw(" "),
            Span::raw(tx.rehearsal_banner),
        ]))
        .style(BANNER)
        .render(area, buf);
        return;
    }
    let left = Line::from(vec![
        Span::styled(format!(" {} ", tx.app_name), HEAD),
        Span::styled("· ", DIM),
        Span::styled(title.to_string(), BOLD),
    ]);
    // The officer, branch and date give way (branch first) so the title never runs into
    // them: at least two spaces between.
    let room = usize::from(area.width).saturating_sub(left.width() + 2);
    let day = date(app.lang, app.today);
    let officer = (!app.officer.is_empty()).then_some(app.officer.as_str());
    let branch = (!app.branch.is_empty()).then_some(app.branch.as_str());
    let right_text = [
        vec![officer, branch, Some(day.as_str())],
        vec![officer, Some(day.as_str())],
        vec![Some(day.as_str())],
    ]
    .into_iter()
    .map(|parts| {
        let parts: Vec<&str> = parts.into_iter().flatten().collect();
        format!("{} ", parts.join(" · "))
    })
    .find(|t| Span::raw(t.as_str()).width() <= room)
    .unwrap_or_default();
    let right = Line::from(Span::styled(right_text, DIM));
    let right_width = u16::try_from(right.width()).unwrap_or(u16::MAX);
    let [l, r] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)]).areas(area);
    Paragraph::new(left).render(l, buf);
    Paragraph::new(right).render(r, buf);
}

fn hint_spans(key: &str, what: &str) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!(" {key} "), KEY),
        Span::raw(format!(" {what}")),
    ]
}

/// The keys on one line (for popups).
pub(crate) fn hints_line(hints: &[Hint<'_>]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.extend(hint_spans(key, what));
    }
    Line::from(spans)
}

/// The keys laid out in rows of `width`; a key and its label are never split.
pub(crate) fn hint_rows(hints: &[Hint<'_>], width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for (key, what) in hints {
        let spans = hint_spans(key, what);
        let w: usize = spans.iter().map(Span::width).sum();
        if used > 0 && used + 2 + w > width {
            rows.push(Line::from(std::mem::take(&mut row)));
            used = 0;
        }
        if used > 0 {
            row.push(Span::raw("  "));
            used += 2;
        }
        row.extend(spans);
        used += w;
    }
    if !row.is_empty() {
        rows.push(Line::from(row));
    }
    rows
}

pub(crate) fn footer_height(hints: &[Hint<'_>], width: u16) -> u16 {
    u16::try_from(hint_rows(hints, width).len())
        .unwrap_or(3)
        .clamp(1, 3)
}

pub(crate) fn render_footer(hints: &[Hint<'_>], area: Rect, buf: &mut Buffer) {
    Paragraph::new(hint_rows(hints, area.width)).render(area, buf);
}

/// The status line: the last message, or "saving…".
fn status_line(app: &App, width: u16) -> Line<'static> {
    let tx = text::t(app.lang);
    let trouble = |s: &String| {
        Line::from(vec![
            Span::styled(" ! ", WARN),
            Span::styled(
                keep_command(s, usize::from(width).saturating_sub(3)),
                WARN.add_modifier(Modifier::BOLD),
            ),
        ])
    };
    match (&app.status, &app.catalog_trouble) {
        // While the files saved fail check, that stays said over the passing messages.
        (None | Some(Status::Info(_) | Status::Hint(_)), Some(t)) => trouble(t),
        (None, None) => Line::default(),
        (Some(Status::Info(s)), _) => {
            Line::from(vec![Span::styled(" ✓ ", OK), Span::raw(s.clone())])
        }
        (Some(Status::Hint(s)), _) => {
            Line::from(vec![Span::styled(" › ", HEAD), Span::raw(s.clone())])
        }
        (Some(Status::Error(s)), _) => Line::from(vec![
            Span::styled(" ✗ ", BAD),
            Span::styled(s.clone(), BAD.add_modifier(Modifier::BOLD)),
        ]),
        (Some(Status::Saving), _) => {
            Line::from(vec![Span::styled(format!(" … {}", tx.saving), WARN)])
        }
    }
}

/// The live sender's words at the right of the status row («синхронизировано 12:31»), with
/// the columns they take, when a server is set.
fn sync_words(app: &App) -> Option<(String, u16)> {
    let sync = app.sync.as_ref()?;
    let words = super::centre::footer(app.lang, sync);
    let width = u16::try_from(Span::raw(words.as_str()).width() + 1).unwrap_or(u16::MAX);
    Some((words, width))
}

/// The columns the message has: the row less the sender's words when both fit beside
/// each other at all (the message keeps the room it needs first).
fn message_width(app: &App, width: u16) -> (u16, Option<(String, u16)>) {
    match sync_words(app) {
        Some((words, w)) if w.saturating_add(20) <= width => (width - w, Some((words, w))),
        _ => (width, None),
    }
}

/// Rows the status takes: two when its message is longer than the row, so that what to do
/// next (often at the end of the message) is never cut away.
pub(crate) fn status_height(app: &App, width: u16) -> u16 {
    let (room, _) = message_width(app, width);
    if status_line(app, width).width() > usize::from(room) {
        2
    } else {
        1
    }
}

pub(crate) fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let line = status_line(app, area.width);
    let (room, sync) = message_width(app, area.width);
    let text = Rect {
        width: room,
        ..area
    };
    match line.spans.as_slice() {
        // Wrapped, the second row starts under the text, after the mark.
        [mark, message] if area.height > 1 => Paragraph::new(wrap_indented(
            &message.content,
            room,
            mark.clone(),
            message.style,
        ))
        .render(text, buf),
        _ => Paragraph::new(line).render(text, buf),
    }
    if let (Some((words, w)), Some(app_sync)) = (sync, app.sync.as_ref()) {
        let style = if app_sync.offline { WARN } else { DIM };
        Paragraph::new(Line::styled(words, style)).render(
            Rect {
                x: area.x + area.width - w,
                y: area.y + area.height.saturating_sub(1),
                width: w,
                height: 1,
            },
            buf,
        );
    }
}

/// A notice that ends with the command to run (`sufler check --catalog DIR`), made to fit
/// `width` by cutting the sentence, never the command: a cut command would check another
/// catalogue and say it is fine.
pub(crate) fn keep_command(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let Some(at) = text.rfind("sufler ") else {
        return fit(text, width);
    };
    let (sentence, command) = text.split_at(at);
    let room = width.saturating_sub(Span::raw(command).width() + 1);
    if room < 8 {
        return fit(command, width);
    }
    format!("{} {command}", fit(sentence.trim_end(), room))
}

/// A text field's value with a caret at its end when focused.
pub(crate) fn input_spans(value: &str, focused: bool) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(value.to_string())];
    if focused {
        spans.push(Span::styled(" ", CARET));
    }
    spans
}

/// A bordered box of at most `width`×`height` centred in `area`, cleared.
pub(crate) fn popup(area: Rect, width: u16, height: u16, buf: &mut Buffer) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let x = area.x + (area.width - w) / 2;
    let y = area.y + (area.height - h) / 2;
    let rect = Rect::new(x, y, w, h);
    Clear.render(rect, buf);
    rect
}

pub(crate) fn titled(title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(DIM)
        .title(Span::styled(format!(" {title} "), HEAD))
}

/// One column of padding on each side.
pub(crate) fn pad(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1).min(area.right()),
        width: area.width.saturating_sub(2),
        ..area
    }
}

/// A yes/no question in a box over the middle of `area`.
pub(crate) fn render_question(
    lang: Lang,
    title: &str,
    question: &str,
    area: Rect,
    buf: &mut Buffer,
) {
    let tx = text::t(lang);
    let width = area.width.saturating_sub(4).min(64);
    // A line break in `question` starts a new row (e.g. «отказ → согласие?» kept whole).
    let body: Vec<String> = question
        .split('\n')
        .flat_map(|p| wrap(p, width.saturating_sub(4)))
        .collect();
    let height = u16::try_from(body.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let rect = popup(area, width, height, buf);
    let block = boxed(title);
    let inner = pad(block.inner(rect));
    block.render(rect, buf);
    let mut lines: Vec<Line<'static>> = body.into_iter().map(Line::raw).collect();
    lines.push(Line::raw(""));
    lines.push(hints_line(&[("y", tx.yes), ("n", tx.no)]));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}

pub(crate) fn boxed(title: &str) -> Block<'static> {
    Block::bordered()
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(format!(" {title} "), HEAD))
}

pub(crate) fn render_too_small(lang: Lang, area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    let msg = text::too_small(lang, area.width, area.height);
    let height = wrapped_height(&msg, area.width).min(area.height);
    let y = area.y + (area.height - height) / 2;
    Paragraph::new(msg)
        .wrap(Wrap { trim: true })
        .alignment(ratatui::layout::Alignment::Center)
        .style(WARN)
        .render(Rect::new(area.x, y, area.width, height), buf);
}

/// The words of `text`, keeping digit groups together: «10 000 рублей» breaks after «000».
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let group = word.chars().take_while(char::is_ascii_digit).count() == 3
            && !word.chars().nth(3).is_some_and(|c| c.is_ascii_digit());
        match out.last_mut() {
            Some(prev) if group && prev.ends_with(|c: char| c.is_ascii_digit()) => {
                prev.push(' ');
                prev.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// `text` wrapped at word boundaries into rows of at most `width` columns (a word longer
/// than a row is broken). Pre-wrapping lets the consultation screen indent wrapped phrases.
pub(crate) fn wrap(text: &str, width: u16) -> Vec<String> {
    let width = usize::from(width.max(1));
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    let mut used = 0usize;
    for word in words(text) {
        let word = word.as_str();
        let w = Span::raw(word).width();
        if used > 0 && used + 1 + w <= width {
            row.push(' ');
            row.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        if w <= width {
            row.push_str(word);
            used = w;
            continue;
        }
        // Break a long word by characters.
        for c in word.chars() {
            let cw = Span::raw(c.to_string()).width();
            if used + cw > width && used > 0 {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(c);
            used += cw;
        }
    }
    if used > 0 || rows.is_empty() {
        rows.push(row);
    }
    rows
}

/// `text` wrapped with a hanging indent: the first row starts with `first`, the rest with
/// as many spaces.
pub(crate) fn wrap_indented(
    text: &str,
    width: u16,
    first: Span<'static>,
    style: Style,
) -> Vec<Line<'static>> {
    let indent = u16::try_from(first.width()).unwrap_or(0);
    let rows = wrap(text, width.saturating_sub(indent).max(1));
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let lead = if i == 0 {
                first.clone()
            } else {
                Span::raw(" ".repeat(usize::from(indent)))
            };
            Line::from(vec![lead, Span::styled(row, style)])
        })
        .collect()
}

/// How many rows `text` takes wrapped at word boundaries in `width` columns.
pub(crate) fn wrapped_height(text: &str, width: u16) -> u16 {
    if width == 0 {
        return 0;
    }
    u16::try_from(wrap(text, width).len()).unwrap_or(u16::MAX)
}

pub(crate) fn line_text(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

pub(crate) fn lines_height(lines: &[Line<'_>], width: u16) -> u16 {
    lines
        .iter()
        .map(|l| wrapped_height(&line_text(l), width))
        .fold(0u16, u16::saturating_add)
}

pub(crate) fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Ru => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

pub(crate) fn short_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Ru => d.format("%d.%m").to_string(),
        Lang::En => d.format("%d %b").to_string(),
    }
}

pub(crate) fn time(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// `text` cut to `width` columns with an ellipsis when it does not fit.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// "Фамилия Имя Отчество" shortened to "Фамилия И. О.".
pub(crate) fn short_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let mut out = words.next().unwrap_or("").to_string();
    for w in words {
        if let Some(c) = w.chars().next() {
            out.push(' ');
            out.push(c);
            out.push('.');
        }
    }
    out
}

/// A product's name from the catalogue, else its id.
pub(crate) fn product_name<'a>(catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog.product(id).map_or(id, |p| p.name.as_str())
}

/// ✓ ✗ … for an outcome.
pub(crate) fn outcome_mark(outcome: Option<Outcome>) -> Span<'static> {
    match outcome {
        Some(Outcome::Accepted) => Span::styled("✓", OK),
        Some(Outcome::Declined) => Span::styled("✗", BAD),
        Some(Outcome::Thinking) => Span::styled("…", WARN),
        None => Span::styled("·", DIM),
    }
}

/// The main product's result in a list (home, the client card): the mark and what was
/// actually sold — the better version, or the main product declined and the fallback taken.
pub(crate) fn main_result(
    catalog: &Catalog,
    c: &crate::consultation::Consultation,
    status: MainStatus,
) -> String {
    let main = product_name(catalog, &c.main);
    let taken = c.main_sold_as().map(|o| product_name(catalog, &o.product));
    match (status, taken) {
        (MainStatus::Upgraded, Some(better)) => better.to_string(),
        (MainStatus::Fallback, Some(fallback)) => format!("{main} ✗ → ✓ {fallback}"),
        _ => main.to_string(),
    }
}

/// The mark of the main product's result; a fallback taken instead is marked as the declined
/// main product it is (the list names the fallback after it, see [`main_result`]).
pub(crate) fn list_main_mark(status: MainStatus) -> Span<'static> {
    match status {
        MainStatus::Fallback => main_mark(MainStatus::Declined),
        other => main_mark(other),
    }
}

pub(crate) fn main_mark(status: MainStatus) -> Span<'static> {
    match status {
        MainStatus::Sold | MainStatus::Upgraded | MainStatus::Fallback => {
            Span::styled("✓", OK.add_modifier(Modifier::BOLD))
        }
        MainStatus::Declined => Span::styled("✗", BAD.add_modifier(Modifier::BOLD)),
        MainStatus::Thinking => Span::styled("…", WARN.add_modifier(Modifier::BOLD)),
        MainStatus::Open => Span::styled("·", DIM),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_estimate() {
        assert_eq!(wrapped_height("", 10), 1);
        assert_eq!(wrapped_height("один два три", 8), 2);
        assert_eq!(wrapped_height("один два три", 20), 1);
        assert_eq!(wrapped_height("abcdefghij", 4), 3);
        assert_eq!(wrapped_height("anything", 0), 0);
        assert_eq!(wrap("от 10 000 рублей", 6), vec!["от", "10 000", "рублей"]);
        assert_eq!(wrap("в 2025 году", 20), vec!["в 2025 году"]);
    }
}

#[cfg(test)]
mod keep_command_tests {
    use super::keep_command;

    #[test]
    fn the_command_survives_a_narrow_status_line() {
        let text = "в файлах каталога 1 ошибка — на экране прежняя версия; подробно: sufler check --catalog /tmp/tester-work/cat";
        let out = keep_command(text, 77);
        assert!(
            out.ends_with("sufler check --catalog /tmp/tester-work/cat"),
            "{out}"
        );
        assert!(out.starts_with("в файлах каталога"), "{out}");
        assert!(
            ratatui::text::Span::raw(out.as_str()).width() <= 77,
            "{out}"
        );
        assert_eq!(
            keep_command("коротко: sufler check", 77),
            "коротко: sufler check"
        );
    }
}
