//! `?` (or F1 in a text field): every key, over the current screen. Any key closes it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::{self, DIM, KEY};
use super::text;
use super::App;

pub(crate) fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let tx = text::t(app.lang);
    // The client card lists its own keys (the consultation's would not fit at 80×24).
    let (title, keys) = match &app.screen {
        super::Screen::Client(_) => (tx.help_card_title, text::help_card_keys(app.lang)),
        _ => (tx.help_title, text::help_keys(app.lang)),
    };
    let key_w = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let mut lines: Vec<Line<'static>> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<w$}", w = key_w - 1), KEY),
                Span::raw("  "),
                Span::raw(what.to_string()),
            ])
        })
        .collect();
    lines.push(Line::styled(format!(" {}", tx.help_layout), DIM));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = common::popup(area, 78, height, buf);
    let block = common::boxed(title)
        .title_bottom(Line::styled(format!(" {} ", tx.help_close), DIM).right_aligned());
    let inner = block.inner(rect);
    block.render(rect, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
