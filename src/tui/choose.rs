//! Choose the main product the client came for; Enter opens the consultation.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::common::{self, Hint, BOLD, DIM, HEAD, OK, SEL};
use super::text;
use super::{Action, App, Effect, Env, Route, Step};
use crate::consultation::Client;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChooseScreen {
    /// The client whose main product is chosen (Esc goes back to the card, which the app
    /// keeps).
    pub client: Client,
    pub selected: usize,
    /// Enter was pressed; waiting for [`super::Msg::Prepared`].
    pub preparing: bool,
}

impl ChooseScreen {
    pub fn new(client: Client) -> ChooseScreen {
        ChooseScreen {
            client,
            selected: 0,
            preparing: false,
        }
    }

    pub(crate) fn on_key(&mut self, env: &Env<'_>, act: Option<Action>) -> Step {
        let mains: Vec<&str> = env.catalog.main_products().map(|p| p.id.as_str()).collect();
        if self.preparing {
            return Step::default();
        }
        match act {
            Some(Action::Up | Action::PrevStage) => {
                self.selected = self.selected.saturating_sub(1);
                Step::default()
            }
            Some(Action::Down | Action::NextStage) => {
                if self.selected + 1 < mains.len() {
                    self.selected += 1;
                }
                Step::default()
            }
            Some(Action::Pick(n)) => {
                let i = usize::from(n).saturating_sub(1);
                if i < mains.len() {
                    self.selected = i;
                }
                Step::default()
            }
            Some(Action::Choose) => match mains.get(self.selected) {
                Some(main) => {
                    self.preparing = true;
                    Step::effect(Effect::Prepare {
                        client_id: self.client.id,
                        main: main.to_string(),
                    })
                }
                None => Step::error(text::t(env.lang).choose_none),
            },
            Some(Action::Back) => Step::route(Route::BackToCard),
            Some(Action::Quit) => Step::effect(Effect::Quit),
            _ => Step::default(),
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        let hints: [Hint<'_>; 5] = [
            ("↑↓ 1–9", tx.key_select),
            ("Enter", tx.key_begin),
            ("Esc", tx.key_back),
            ("?", tx.key_help),
            ("q", tx.key_quit),
        ];
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        common::render_top(app, tx.choose_title, top, buf);
        let body = Rect {
            x: body.x + 1,
            width: body.width.saturating_sub(2),
            ..body
        };
        let mut lines = vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(format!("{} ", tx.choose_for), DIM),
                Span::styled(self.client.full_name(), HEAD),
            ]),
            Line::styled(tx.choose_question, BOLD),
            Line::raw(""),
        ];
        for (i, p) in app.catalog.main_products().enumerate() {
            let selected = i == self.selected;
            let links: Vec<&str> = app
                .catalog
                .links_of(&p.id)
                .map(|l| common::product_name(&app.catalog, &l.cross))
                .collect();
            lines.push(Line::from(vec![
                Span::styled(if selected { " ▶ " } else { "   " }, HEAD),
                Span::styled(format!("{} ", i + 1), DIM),
                Span::styled(p.name.clone(), if selected { SEL } else { BOLD }),
            ]));
            let title = app
                .catalog
                .script(&p.id)
                .map(|s| s.title.clone())
                .unwrap_or_default();
            lines.push(Line::styled(format!("     {title}"), DIM));
            if !links.is_empty() {
                lines.extend(common::wrap_indented(
                    &links.join(", "),
                    body.width,
                    Span::styled(format!("     {}: ", tx.choose_catch), DIM),
                    OK,
                ));
            }
            lines.push(Line::raw(""));
        }
        if self.preparing {
            lines.push(Line::styled(tx.loading, DIM));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(body, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
    }
}
