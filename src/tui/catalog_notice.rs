//! Home's notice while the catalogue's files fail `sufler check` (at start or since): what is
//! in use instead, and the exact command that shows the errors, on a line of its own so the
//! officer can read it out to the trainer or copy it. Home calls [`height`] for its layout
//! and [`render`] into the rows it got.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::common::{self, WARN};
use super::text::{self, Lang};
use super::HomeData;

fn rows(lang: Lang, data: &HomeData, width: u16) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    // A published catalogue that fails the checks here (the centre's word), then the files'.
    if let Some(centre) = &data.centre {
        lines.extend(
            common::wrap(centre, width)
                .into_iter()
                .map(|row| Line::styled(row, WARN.add_modifier(Modifier::BOLD))),
        );
    }
    let Some(notice) = &data.catalog else {
        return lines;
    };
    let (sentence, command) = text::catalog_notice(lang, notice);
    lines.extend(
        common::wrap(&sentence, width)
            .into_iter()
            .map(|row| Line::styled(row, WARN.add_modifier(Modifier::BOLD))),
    );
    lines.extend(
        common::wrap(&command, width)
            .into_iter()
            .map(|row| Line::styled(row, WARN)),
    );
    lines
}

/// The rows the notice takes at `width` (0 when the catalogue is fine), with one blank row
/// under it.
pub(crate) fn height(lang: Lang, data: &HomeData, width: u16) -> u16 {
    match u16::try_from(rows(lang, data, width).len()).unwrap_or(u16::MAX) {
        0 => 0,
        n => n.saturating_add(1),
    }
}

pub(crate) fn render(lang: Lang, data: &HomeData, area: Rect, buf: &mut Buffer) {
    Paragraph::new(rows(lang, data, area.width)).render(area, buf);
}
