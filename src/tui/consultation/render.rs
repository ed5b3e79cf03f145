//! The consultation screen's view: a pure function of [`ConsultationScreen`] and the app.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::common::{self, pad, Hint, BAD, BOLD, CUE, DIM, HEAD, KEY, OK, SEL, WARN};
use super::super::text::{self, Lang};
use super::super::{App, Env, WIDE};
use super::{ConsultationScreen, Item, Mode, Numbered};
use crate::consultation::{Offer, Outcome, Prompt, Technique};

/// The prompts pane's last column, kept for its scroll arrows.
const ARROW_COLUMN: u16 = 1;

fn technique_name(lang: Lang, t: Technique) -> &'static str {
    text::technique_tag(lang, t)
}

impl ConsultationScreen {
    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let env = app.env();
        let items = self.items(&env);
        let picks = pick_label(&items);
        let note_rows = if matches!(self.mode, Mode::Note { .. }) {
            3
        } else {
            0
        };
        // The client and the formula head the screen; in rehearsal, the banner above them.
        let layout = |hints: &[Hint<'_>]| -> [Rect; 6] {
            Layout::vertical([
                Constraint::Length(u16::from(app.rehearsal)),
                Constraint::Length(3),
                Constraint::Min(0),
                Constraint::Length(note_rows),
                Constraint::Length(common::footer_height(hints, area.width)),
                Constraint::Length(common::status_height(app, area.width)),
            ])
            .areas(area)
        };
        let mut hints = self.hints(&env, &items, &picks, false);
        let mut areas = layout(&hints);
        if self.lines_cut(app, &items, areas[2]) {
            // The stage's lines do not fit: the footer says how to scroll them.
            hints = self.hints(&env, &items, &picks, true);
            areas = layout(&hints);
        }
        let [top, header, body, note, footer, status] = areas;
        if app.rehearsal {
            common::render_top(app, "", top, buf);
        }
        self.render_header(app, &env, header, buf);
        if area.width >= WIDE {
            self.render_wide(app, &env, &items, body, buf);
        } else {
            self.render_narrow(app, &env, &items, body, buf);
        }
        self.render_note(app, &env, note, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
        self.render_confirm(app, &env, area, buf);
    }

    fn stage_lines(&self, app: &App, width: u16) -> Vec<Line<'static>> {
        let lines = self.consultation.stage_lines(&app.catalog, &self.client);
        let mut out = Vec::new();
        // The script goes on about the main product the client turned down: say so above it.
        let p = self.consultation.progress(&app.catalog.formula);
        if p.main == crate::consultation::MainStatus::Fallback {
            let fallback = self
                .consultation
                .main_sold_as()
                .map(|o| common::product_name(&app.catalog, &o.product).to_string())
                .unwrap_or_default();
            out.extend(common::wrap_indented(
                &text::fallback_note(app.lang, &fallback),
                width,
                Span::raw(""),
                WARN,
            ));
        }
        if lines.is_empty() {
            out.push(Line::styled(text::t(app.lang).no_lines, DIM));
        }
        for l in lines {
            out.extend(common::wrap_indented(
                &l,
                width,
                Span::styled("• ", DIM),
                Style::new(),
            ));
        }
        out
    }

    fn stage_title(&self, app: &App) -> String {
        let tx = text::t(app.lang);
        match self.consultation.current_stage(&app.catalog) {
            Some(s) => format!("{} · {}", tx.say, s.title),
            None => tx.say.to_string(),
        }
    }

    /// Narrow screens: the stage's lines above the prompts, the rows shared between them.
    fn narrow_split(
        &self,
        app: &App,
        items: &[Numbered],
        area: Rect,
    ) -> (Rect, Rect, Vec<Line<'static>>, Pane) {
        let inner_w = area.width.saturating_sub(2);
        let lines = self.stage_lines(app, inner_w);
        let right = self.right_pane(app, items, inner_w.saturating_sub(ARROW_COLUMN));
        let need_lines = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(1);
        let need_right = u16::try_from(right.lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(1);
        let h = area.height;
        // A picked prompt (or a disclosure or objection list) is what the officer is about
        // to say: it gets the room, the stage's lines keep at least three rows and the one
        // that says there is more.
        let focused =
            self.picked.is_some() || !matches!(self.mode, Mode::Normal | Mode::Note { .. });
        let floor = if focused { 5 } else { h * 2 / 5 };
        let lines_h = if need_lines.saturating_add(need_right) <= h {
            need_lines
        } else {
            need_lines.min(h.saturating_sub(need_right).max(floor))
        };
        let [top, bottom] =
            Layout::vertical([Constraint::Length(lines_h), Constraint::Min(0)]).areas(area);
        (top, bottom, lines, right)
    }

    /// Wide screens: the stage list and the stage's lines on the left, the prompts right.
    fn wide_split(&self, app: &App, area: Rect) -> [Rect; 3] {
        let [left, _, right] = Layout::horizontal([
            Constraint::Percentage(45),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        let stages_h = u16::try_from(self.stage_list(app).len() + 1).unwrap_or(u16::MAX);
        let [list, lines_area] =
            Layout::vertical([Constraint::Length(stages_h), Constraint::Min(0)]).areas(left);
        [list, lines_area, right]
    }

    /// Whether the stage's lines are cut in `body`.
    fn lines_cut(&self, app: &App, items: &[Numbered], body: Rect) -> bool {
        let (area, lines) = if body.width >= WIDE {
            let [_, lines_area, _] = self.wide_split(app, body);
            let inner = pad(common::titled("").inner(lines_area));
            (inner, self.stage_lines(app, inner.width))
        } else {
            let (top, _, lines, _) = self.narrow_split(app, items, body);
            (pad(common::titled("").inner(top)), lines)
        };
        lines.len() > usize::from(area.height)
    }

    /// The stage's lines from the officer's scroll position; when they do not fit, the last
    /// row says how many are left below («▼ ещё 2 · PgDn»).
    fn render_lines(&self, app: &App, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
        let total = lines.len();
        let height = usize::from(area.height);
        if total <= height {
            Paragraph::new(lines).render(area, buf);
            return;
        }
        let rows = height.saturating_sub(1);
        let scroll = usize::from(self.lines_scroll).min(total - rows);
        let shown: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(rows).collect();
        let text_area = Rect {
            height: u16::try_from(rows).unwrap_or(0),
            ..area
        };
        Paragraph::new(shown).render(text_area, buf);
        let marker = Rect {
            y: area.y.saturating_add(text_area.height),
            height: 1,
            ..area
        }
        .intersection(area);
        Paragraph::new(
            Line::styled(text::more_lines(app.lang, total - scroll - rows), WARN).right_aligned(),
        )
        .render(marker, buf);
    }

    fn render_narrow(
        &self,
        app: &App,
        env: &Env<'_>,
        items: &[Numbered],
        area: Rect,
        buf: &mut Buffer,
    ) {
        let (top, bottom, lines, right) = self.narrow_split(app, items, area);
        let block = common::titled(&self.stage_title(app));
        let inner = pad(block.inner(top));
        block.render(top, buf);
        self.render_lines(app, lines, inner, buf);
        let block = common::titled(&self.right_title(app, env, items, bottom.width));
        let inner = pad(block.inner(bottom));
        block.render(bottom, buf);
        self.render_right(right, inner, buf);
    }

    fn render_wide(
        &self,
        app: &App,
        env: &Env<'_>,
        items: &[Numbered],
        area: Rect,
        buf: &mut Buffer,
    ) {
        let tx = text::t(app.lang);
        let [list, lines_area, right] = self.wide_split(app, area);
        let block = common::titled(tx.stages);
        let inner = pad(block.inner(list));
        block.render(list, buf);
        Paragraph::new(self.stage_list(app)).render(inner, buf);
        let block = common::titled(&self.stage_title(app));
        let inner = pad(block.inner(lines_area));
        block.render(lines_area, buf);
        self.render_lines(app, self.stage_lines(app, inner.width), inner, buf);
        // Right: the prompts.
        let block = common::titled(&self.right_title(app, env, items, right.width));
        let inner = pad(block.inner(right));
        block.render(right, buf);
        let content = self.right_pane(app, items, inner.width.saturating_sub(ARROW_COLUMN));
        self.render_right(content, inner, buf);
    }

    fn stage_list(&self, app: &App) -> Vec<Line<'static>> {
        let Ok(script) = self.consultation.script(&app.catalog) else {
            return Vec::new();
        };
        let current = self.consultation.stage;
        script
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let offers = self
                    .consultation
                    .offers
                    .iter()
                    .filter(|o| o.stage == s.id)
                    .count();
                let marker = if i == current {
                    "▶ "
                } else if i < current {
                    "✓ "
                } else {
                    "  "
                };
                let style = if i == current {
                    SEL
                } else if i < current {
                    Style::new()
                } else {
                    DIM
                };
                let mut spans = vec![
                    Span::styled(marker, if i == current { HEAD } else { DIM }),
                    Span::styled(format!(" {} {} ", i + 1, s.title), style),
                ];
                if offers > 0 {
                    spans.push(Span::styled(format!(" +{offers}"), OK));
                }
                if s.create {
                    spans.push(Span::styled(
                        format!(" · {}", text::t(app.lang).create_short),
                        DIM,
                    ));
                }
                Line::from(spans)
            })
            .collect()
    }

    /// The prompts pane's title says what `y`/`n`/`t` will record right now.
    /// The title, shortened to fit `width`: a long main product is called «основной продукт».
    fn right_title(&self, app: &App, env: &Env<'_>, items: &[Numbered], width: u16) -> String {
        let title = self.right_title_full(app, env, items);
        // The title is drawn as « title » after one column of border.
        let room = usize::from(width).saturating_sub(4);
        if Span::raw(title.as_str()).width() <= room {
            return title;
        }
        let tx = text::t(app.lang);
        let short = match self.mode {
            Mode::Disclosure { .. } | Mode::Objections { .. } => title,
            _ if self.picked_item(env).is_some() => title,
            _ if items.is_empty() => format!("{} · y n t → {}", tx.prompts_title, tx.main_lower),
            _ => format!(
                "{} {} · y n t → {}",
                tx.prompts_pick_title,
                pick_label(items),
                tx.main_lower
            ),
        };
        common::fit(&short, room)
    }

    fn right_title_full(&self, app: &App, env: &Env<'_>, items: &[Numbered]) -> String {
        let tx = text::t(app.lang);
        // The main product as it is sold: its better version once the upsell is taken.
        let main = self.consultation.main_as_sold(&app.catalog).map_or_else(
            || common::product_name(&app.catalog, &self.consultation.main).to_string(),
            |p| p.name.clone(),
        );
        match &self.mode {
            Mode::Disclosure { .. } => tx.disclosure_title.to_string(),
            Mode::Objections { .. } => tx.objections_title.to_string(),
            _ => match self.picked_item(env) {
                Some(i) => format!(
                    "{} {} · y n t → {}",
                    tx.picked_title,
                    items
                        .iter()
                        .find(|x| x.product() == i.product())
                        .map_or(0, |n| n.number),
                    common::product_name(&app.catalog, i.product())
                ),
                None if items.is_empty() => format!(
                    "{} · y n t → {} ({})",
                    tx.prompts_title, main, tx.main_paren
                ),
                None => format!(
                    "{} {} · y n t → {} ({})",
                    tx.prompts_pick_title,
                    pick_label(items),
                    main,
                    tx.main_paren
                ),
            },
        }
    }

    fn render_right(&self, content: Pane, area: Rect, buf: &mut Buffer) {
        let total = u16::try_from(content.lines.len()).unwrap_or(u16::MAX);
        let max_scroll = total.saturating_sub(area.height);
        // Bring the picked prompt into view, then apply the officer's own scrolling.
        let base = content.focus.map_or(0, |(start, end)| {
            let start = u16::try_from(start).unwrap_or(u16::MAX);
            let end = u16::try_from(end).unwrap_or(u16::MAX);
            end.saturating_sub(area.height).min(start)
        });
        let scroll = base.saturating_add(self.scroll).min(max_scroll);
        Paragraph::new(content.lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .render(area, buf);
        // The arrows sit in the column the text is never wrapped into: a phrase the officer
        // reads aloud never loses a word under them.
        let column = area.right().saturating_sub(ARROW_COLUMN);
        if scroll < max_scroll && area.height > 0 {
            let more = Rect::new(column, area.bottom().saturating_sub(1), ARROW_COLUMN, 1)
                .intersection(area);
            Paragraph::new(Span::styled("↓", KEY)).render(more, buf);
        }
        if scroll > 0 && area.height > 1 {
            let less = Rect::new(column, area.y, ARROW_COLUMN, 1).intersection(area);
            Paragraph::new(Span::styled("↑", KEY)).render(less, buf);
        }
    }

    /// The prompts pane's content, pre-wrapped to `width`.
    fn right_pane(&self, app: &App, items: &[Numbered], width: u16) -> Pane {
        match &self.mode {
            Mode::Disclosure { product } => {
                return Pane {
                    lines: self.disclosure_pane(app, product, width),
                    focus: None,
                }
            }
            Mode::Objections { product } => {
                return Pane {
                    lines: self.objections_pane(app, product, width),
                    focus: None,
                }
            }
            _ => {}
        }
        let mut focus = None;
        let tx = text::t(app.lang);
        let c = &self.consultation;
        let mut out = Vec::new();
        if !c.offers.is_empty() {
            out.push(Line::styled(tx.offered_title, HEAD));
            for n in items {
                if let Item::Made(o) = &n.item {
                    self.offer_line(app, n.number, o, &mut out);
                }
            }
            out.push(Line::raw(""));
        }
        let prompts: Vec<(usize, &Prompt)> = items
            .iter()
            .filter_map(|n| match &n.item {
                Item::Prompt(p) => Some((n.number, p)),
                Item::Made(_) => None,
            })
            .collect();
        if prompts.is_empty() {
            let why = if c.not_receptive {
                tx.no_prompts_not_receptive.to_string()
            } else if c.room(&app.catalog.policy) == 0 {
                text::no_prompts_cap(app.lang, app.catalog.policy.max_extra_offers)
            } else {
                tx.no_prompts_stage.to_string()
            };
            out.extend(common::wrap_indented(&why, width, Span::raw(""), DIM));
        } else if !c.offers.is_empty() {
            out.push(Line::styled(tx.offer_now_title, HEAD));
        }
        for (number, p) in prompts {
            let is_picked = self.picked.as_deref() == Some(p.product.as_str());
            let start = out.len();
            self.prompt_lines(app, number, p, is_picked, width, &mut out);
            if is_picked {
                focus = Some((start, out.len()));
            }
            out.push(Line::raw(""));
        }
        if !c.notes.is_empty() {
            out.push(Line::raw(""));
            out.push(Line::styled(
                format!("{}: {}", tx.notes_title, c.notes.len()),
                DIM,
            ));
        }
        while out.last().is_some_and(|l| l.width() == 0) {
            out.pop();
        }
        Pane { lines: out, focus }
    }

    fn offer_line(&self, app: &App, number: usize, o: &Offer, out: &mut Vec<Line<'static>>) {
        let tx = text::t(app.lang);
        let is_picked = self.picked.as_deref() == Some(o.product.as_str());
        let (label, style) = match o.outcome {
            Some(Outcome::Accepted) => (tx.out_accepted.to_string(), OK),
            Some(Outcome::Declined) => (tx.out_declined.to_string(), BAD),
            Some(Outcome::Thinking) => (
                match o.follow_up {
                    Some(d) => format!(
                        "{}, {} {}",
                        tx.out_thinking,
                        tx.call_back,
                        common::short_date(app.lang, d)
                    ),
                    None => tx.out_thinking.to_string(),
                },
                WARN,
            ),
            None => (tx.out_none.to_string(), DIM),
        };
        let mut spans = vec![
            Span::styled(format!(" {number} "), if is_picked { SEL } else { KEY }),
            Span::raw(" "),
            common::outcome_mark(o.outcome),
            Span::raw(" "),
            Span::styled(
                common::product_name(&app.catalog, &o.product).to_string(),
                if is_picked { BOLD } else { Style::new() },
            ),
            Span::styled(" — ", DIM),
            Span::styled(label, style),
            Span::styled(
                format!(" · {}", technique_name(app.lang, o.counted_technique())),
                DIM,
            ),
        ];
        if !o.disclosures_confirmed.is_empty() {
            spans.push(Span::styled(
                format!(
                    " · {} {}",
                    tx.disclosed_short,
                    o.disclosures_confirmed.len()
                ),
                DIM,
            ));
        }
        out.push(Line::from(spans));
    }

    fn prompt_lines(
        &self,
        app: &App,
        number: usize,
        p: &Prompt,
        picked: bool,
        width: u16,
        out: &mut Vec<Line<'static>>,
    ) {
        let tx = text::t(app.lang);
        let number = Span::styled(format!(" {number} "), if picked { SEL } else { KEY });
        let lead = u16::try_from(number.width() + 1).unwrap_or(4);
        let mut head = common::wrap_indented(
            &p.product_name,
            width,
            Span::raw(" ".repeat(usize::from(lead))),
            if picked { HEAD } else { BOLD },
        );
        if let Some(first) = head.first_mut() {
            // The lead of spaces gives way to the number.
            if let Some(lead) = first.spans.first_mut() {
                *lead = number;
                first.spans.insert(1, Span::raw(" "));
            }
        }
        out.extend(head);
        let indent = "    ";
        // When and how: the technique, the plan gap, the cue.
        // Labelled by the slot it fills: a question about a linked product is a catch.
        let slot = self
            .consultation
            .slot_of(&p.product, p.technique, &app.catalog);
        let mut when = technique_name(
            app.lang,
            crate::consultation::slot_technique(slot, p.technique),
        )
        .to_string();
        if let Some(plan) = p.plan {
            when.push_str(" · ");
            when.push_str(&text::plan_left(app.lang, plan.remaining));
        }
        if let Some(cue) = &p.cue {
            when.push_str(" — ");
            when.push_str(cue);
        }
        out.extend(common::wrap_indented(&when, width, Span::raw(indent), CUE));
        let phrase_style = if picked { BOLD } else { Style::new() };
        if p.phrase.is_empty() {
            out.extend(common::wrap_indented(
                tx.no_phrase,
                width,
                Span::raw(indent),
                DIM,
            ));
        } else {
            out.extend(common::wrap_indented(
                &format!("«{}»", p.phrase),
                width,
                Span::raw(indent),
                phrase_style,
            ));
        }
        if !picked {
            return;
        }
        if p.technique == Technique::Create {
            for line in &p.pitch {
                out.extend(common::wrap_indented(
                    line,
                    width,
                    Span::styled(format!("{indent}› "), DIM),
                    Style::new(),
                ));
            }
        }
        if let Some(why) = &p.why {
            out.extend(common::wrap_indented(
                &format!("{}: {why}", tx.why),
                width,
                Span::raw(indent),
                DIM,
            ));
        }
        let mut extras = Vec::new();
        if p.variants.len() > 1 {
            extras.push(text::variant_of(app.lang, p.variant + 1, p.variants.len()));
        }
        if let Some(plan) = p.plan {
            if plan.count > 1 {
                extras.push(text::create_of(app.lang, plan.index + 1, plan.count));
            }
        }
        if !p.disclosures.is_empty() {
            extras.push(text::disclosure_note(app.lang, p.disclosures.len()));
        }
        if !extras.is_empty() {
            out.extend(common::wrap_indented(
                &extras.join(" · "),
                width,
                Span::raw(indent),
                WARN,
            ));
        }
    }

    fn disclosure_pane(&self, app: &App, product: &str, width: u16) -> Vec<Line<'static>> {
        let tx = text::t(app.lang);
        let mut out = vec![Line::styled(
            common::product_name(&app.catalog, product).to_string(),
            HEAD,
        )];
        out.extend(common::wrap_indented(
            tx.disclosure_intro,
            width,
            Span::raw(""),
            WARN,
        ));
        out.push(Line::raw(""));
        let lines = self.disclosures(&app.catalog, product);
        for (i, l) in lines.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let done = self.confirmed(product, index);
            let lead = Span::styled(
                format!("{} {} ", if done { "[✓]" } else { "[ ]" }, i + 1),
                if done {
                    OK
                } else {
                    WARN.add_modifier(Modifier::BOLD)
                },
            );
            out.extend(common::wrap_indented(
                l,
                width,
                lead,
                if done { DIM } else { BOLD },
            ));
        }
        out.push(Line::raw(""));
        let missing = self.unconfirmed(&app.catalog, product).len();
        let status = if missing == 0 {
            Line::styled(
                tx.disclosure_ready.to_string(),
                OK.add_modifier(Modifier::BOLD),
            )
        } else {
            Line::styled(text::disclosures_missing(app.lang, missing), WARN)
        };
        out.push(status);
        out
    }

    fn objections_pane(&self, app: &App, product: &str, width: u16) -> Vec<Line<'static>> {
        let mut out = vec![Line::styled(
            common::product_name(&app.catalog, product).to_string(),
            HEAD,
        )];
        for o in self
            .consultation
            .objections(product, &app.catalog, &self.client)
        {
            out.push(Line::raw(""));
            out.extend(common::wrap_indented(
                &format!("«{}»", o.client),
                width,
                Span::styled("— ", BOLD),
                BOLD,
            ));
            for a in &o.answer {
                out.extend(common::wrap_indented(
                    a,
                    width,
                    Span::styled("  › ", DIM),
                    Style::new(),
                ));
            }
        }
        out
    }

    fn render_note(&self, app: &App, env: &Env<'_>, area: Rect, buf: &mut Buffer) {
        let Mode::Note { text: note } = &self.mode else {
            return;
        };
        let tx = text::t(app.lang);
        let product = self.subject(env);
        let title = format!(
            "{} · {}",
            tx.note_title,
            common::product_name(&app.catalog, &product)
        );
        let block = common::boxed(&title);
        let inner = block.inner(area);
        block.render(area, buf);
        // Keep the end of a long note (and the caret) in view.
        let width = usize::from(inner.width.saturating_sub(1));
        let chars: Vec<char> = note.chars().collect();
        let shown: String = chars[chars.len().saturating_sub(width)..].iter().collect();
        Paragraph::new(Line::from(common::input_spans(&shown, true))).render(inner, buf);
    }

    fn render_confirm(&self, app: &App, env: &Env<'_>, area: Rect, buf: &mut Buffer) {
        let tx = text::t(app.lang);
        if let Mode::CallDay { ask, .. } = &self.mode {
            ask.render(app.lang, app.today, area, buf);
            return;
        }
        let (title, question) = match &self.mode {
            Mode::ConfirmNotReceptive => (
                tx.confirm_not_receptive_title,
                tx.confirm_not_receptive.to_string(),
            ),
            Mode::ConfirmFinish => (
                tx.confirm_finish_title,
                self.finish_question(env)
                    .unwrap_or_else(|| tx.confirm_finish.to_string()),
            ),
            Mode::ConfirmLeave { quit } => {
                let (title, q) = if app.rehearsal {
                    (tx.confirm_leave_title, tx.confirm_end_rehearsal)
                } else if *quit {
                    (tx.confirm_quit_title, tx.confirm_quit)
                } else {
                    (tx.confirm_leave_title, tx.confirm_leave)
                };
                (title, q.to_string())
            }
            Mode::ConfirmChange { product, from, to } => (
                tx.confirm_change_title,
                text::confirm_change(app.lang, &self.named(env, product.as_deref()), *from, *to),
            ),
            _ => return,
        };
        common::render_question(app.lang, title, &question, area, buf);
    }

    fn hints<'a>(
        &self,
        env: &Env<'_>,
        items: &[Numbered],
        picks: &'a str,
        lines_cut: bool,
    ) -> Vec<Hint<'a>> {
        let tx = text::t(env.lang);
        match &self.mode {
            Mode::Note { .. } => vec![("Enter", tx.key_save), ("Esc", tx.key_cancel)],
            Mode::CallDay { .. } => vec![
                ("↑↓", tx.key_select),
                ("Enter", tx.key_save),
                ("Esc", tx.key_cancel),
            ],
            Mode::Disclosure { product } => vec![
                (
                    pick_range_enter(self.disclosures(env.catalog, product).len()),
                    tx.key_confirm_line,
                ),
                ("y", tx.key_yes_agrees),
                ("n", tx.key_no),
                ("t", tx.key_thinking),
                ("Esc", tx.key_back),
            ],
            Mode::Objections { .. } => vec![
                ("↑↓", tx.key_scroll),
                ("Esc o", tx.key_close),
                ("y n t", tx.key_answer),
            ],
            Mode::ConfirmNotReceptive
            | Mode::ConfirmFinish
            | Mode::ConfirmLeave { .. }
            | Mode::ConfirmChange { .. } => {
                vec![("y", tx.yes), ("n", tx.no)]
            }
            Mode::Normal => {
                let mut h: Vec<Hint<'a>> = Vec::new();
                if !items.is_empty() {
                    h.push((picks, tx.key_pick));
                }
                h.push(("y n t", tx.key_yes_no_thinking));
                if let Some(Item::Prompt(p)) = self.picked_item(env) {
                    if p.variants.len() > 1 {
                        h.push(("v", tx.key_variant));
                    }
                }
                if items.iter().any(
                    |n| matches!(&n.item, Item::Prompt(p) if p.plan.is_some_and(|c| c.count > 1)),
                ) {
                    h.push(("c", tx.key_next_create));
                }
                h.push(("←→", tx.key_stage));
                if lines_cut {
                    h.push(("PgUp PgDn", tx.key_lines));
                }
                h.push(("o", tx.key_objections));
                h.push(("x", tx.key_note));
                h.push((
                    "r",
                    if self.consultation.not_receptive {
                        tx.key_receptive_again
                    } else {
                        tx.key_not_receptive
                    },
                ));
                h.push(("f", tx.key_finish));
                if self.picked.is_some() {
                    h.push(("Esc", tx.key_unpick));
                }
                h.push(("?", tx.key_all_keys));
                h
            }
        }
    }
}

/// The prompts pane's rows, and the rows of the picked prompt to keep in view.
struct Pane {
    lines: Vec<Line<'static>>,
    focus: Option<(usize, usize)>,
}

fn pick_range_enter(n: usize) -> &'static str {
    const RANGES: [&str; 9] = [
        "1 Enter",
        "1–2 Enter",
        "1–3 Enter",
        "1–4 Enter",
        "1–5 Enter",
        "1–6 Enter",
        "1–7 Enter",
        "1–8 Enter",
        "1–9 Enter",
    ];
    RANGES[n.clamp(1, 9) - 1]
}

/// The numbers on screen for the footer and the pane's title: «1–3», or «1 3 4» when the
/// numbers are not consecutive (a product keeps its number when others leave).
fn pick_label(items: &[Numbered]) -> String {
    let mut numbers: Vec<usize> = items.iter().map(|n| n.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    match (numbers.first(), numbers.last()) {
        (Some(first), Some(last)) if first == last => first.to_string(),
        (Some(first), Some(last)) if last - first + 1 == numbers.len() => {
            format!("{first}–{last}")
        }
        _ => numbers
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" "),
    }
}
