//! The call screen (DESIGN §4, call backs): the client and the phone, the product with its
//! pitch and disclosures, what the client said before; `y` `n` `t` record the answer as a
//! contact of its own, `d` = not reached (the next working day), `x` = stop calling.
//!
//! A check-in after a sale (the product's `follow_up_days`) is the same screen with other
//! words: what to ask (is it working, any questions), `y` = reached, `d` and `x` as above;
//! there is nothing to accept or decline.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::call_date::{pick, CallDateAnswer, CallDateAsk};
use super::common::format_phone;
use super::common::{self, Hint, BOLD, DIM, HEAD, OK, WARN};
use super::keys;
use super::text::Lang;
use super::{Action, App, CallData, Effect, Env, Status, Step};
use crate::catalog::placeholder::{fill, Fill};
use crate::catalog::Catalog;
use crate::consultation::{is_check_in, next_working_day, CallOutcome, Contact};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallScreen {
    pub data: CallData,
    /// Disclosure lines ticked as said (a "yes" needs them all).
    pub confirmed: BTreeSet<u32>,
    /// `t`: asking for the next day.
    pub asking: Option<CallDateAsk>,
    /// `x`: asking before the call back is stopped.
    pub confirm_stop: bool,
    /// A contact is being stored: keys wait.
    pub saving: bool,
    /// A check-in after a sale, not a call back on a "thinking".
    pub check_in: bool,
}

impl CallScreen {
    pub fn new(data: CallData) -> CallScreen {
        CallScreen {
            check_in: is_check_in(&data.origin, &data.product),
            data,
            confirmed: BTreeSet::new(),
            asking: None,
            confirm_stop: false,
            saving: false,
        }
    }

    fn disclosures(&self, catalog: &Catalog) -> usize {
        catalog
            .product(&self.data.product)
            .map_or(0, |p| p.disclosure.len())
    }

    fn contact(&self, env: &Env<'_>, officer: (&str, &str), outcome: CallOutcome) -> Contact {
        let next = match outcome {
            CallOutcome::NotReached => Some(next_working_day(env.today)),
            _ => None,
        };
        Contact {
            id: 0,
            at: env.now,
            officer: officer.0.to_string(),
            branch: officer.1.to_string(),
            client_id: self.data.client.id,
            product: self.data.product.clone(),
            consultation: self.data.origin.id,
            outcome,
            next,
            disclosures_confirmed: if outcome == CallOutcome::Accepted {
                self.confirmed.clone()
            } else {
                BTreeSet::new()
            },
            check_in: self.check_in,
        }
    }

    fn save(&mut self, contact: Contact) -> Step {
        self.saving = true;
        Step {
            effects: vec![Effect::SaveContact(contact)],
            status: Some(Status::Saving),
            ..Step::default()
        }
    }

    pub(crate) fn on_key(
        &mut self,
        env: &Env<'_>,
        officer: (&str, &str),
        key: KeyEvent,
        act: Option<Action>,
    ) -> Step {
        if self.saving {
            return Step::default();
        }
        let lang = env.lang;
        if let Some(ask) = &mut self.asking {
            return match ask.on_key(lang, env.today, key) {
                None => Step::default(),
                Some(CallDateAnswer::Cancel) => {
                    self.asking = None;
                    Step::default()
                }
                Some(CallDateAnswer::Date(d)) => {
                    self.asking = None;
                    let mut k = self.contact(env, officer, CallOutcome::Thinking);
                    k.next = Some(d);
                    self.save(k)
                }
                Some(CallDateAnswer::NoCall) => {
                    self.asking = None;
                    let k = self.contact(env, officer, CallOutcome::Stopped);
                    self.save(k)
                }
            };
        }
        if self.confirm_stop {
            return match keys::answer(act, Some(Action::Note)) {
                Some(true) => {
                    self.confirm_stop = false;
                    let k = self.contact(env, officer, CallOutcome::Stopped);
                    self.save(k)
                }
                Some(false) => {
                    self.confirm_stop = false;
                    Step::default()
                }
                None => Step::default(),
            };
        }
        if key.code == KeyCode::Char('d') || key.code == KeyCode::Char('в') {
            let k = self.contact(env, officer, CallOutcome::NotReached);
            return self.save(k);
        }
        if self.check_in {
            return match act {
                Some(Action::Accept) => {
                    let k = self.contact(env, officer, CallOutcome::Reached);
                    self.save(k)
                }
                Some(Action::Note) => {
                    self.confirm_stop = true;
                    Step::default()
                }
                Some(Action::Back) => super::go_home(),
                _ => Step::hint(pick(
                    lang,
                    "звонок после продажи: y дозвонились · d не дозвонились · x больше не звонить",
                    "check-in call: y reached · d not reached · x stop calling",
                )),
            };
        }
        match act {
            Some(Action::Pick(n)) => {
                let i = u32::from(n) - 1;
                if (i as usize) < self.disclosures(env.catalog) {
                    if !self.confirmed.remove(&i) {
                        self.confirmed.insert(i);
                    }
                    Step::default()
                } else {
                    Step::hint(pick(
                        lang,
                        "нет оговорки с таким номером",
                        "no disclosure with that number",
                    ))
                }
            }
            Some(Action::Accept) => {
                let total = self.disclosures(env.catalog);
                let missing = total - self.confirmed.len().min(total);
                if missing > 0 {
                    return Step::hint(super::text::disclosures_missing(lang, missing));
                }
                let k = self.contact(env, officer, CallOutcome::Accepted);
                self.save(k)
            }
            Some(Action::Decline) => {
                let k = self.contact(env, officer, CallOutcome::Declined);
                self.save(k)
            }
            Some(Action::Thinking) => {
                let name = common::product_name(env.catalog, &self.data.product).to_string();
                self.asking = Some(CallDateAsk::new(&name, false));
                Step::default()
            }
            Some(Action::Note) => {
                self.confirm_stop = true;
                Step::default()
            }
            Some(Action::Back) => super::go_home(),
            None => Step::hint(pick(
                lang,
                "y согласен · n отказ · t думает · d не дозвонились · x больше не звонить",
                "y yes · n no · t thinking · d not reached · x stop calling",
            )),
            Some(_) => Step::default(),
        }
    }

    /// The stored contact came back: say what was recorded, on which product, and go home.
    pub(crate) fn on_saved(
        &mut self,
        catalog: &Catalog,
        lang: Lang,
        result: Result<Contact, String>,
    ) -> Step {
        self.saving = false;
        match result {
            Ok(k) => {
                let name = common::product_name(catalog, &k.product);
                let mut step = super::go_home();
                step.status = Some(Status::Info(done_text(lang, name, &k)));
                step
            }
            Err(e) => Step::error(super::text::not_saved(lang, &e)),
        }
    }

    pub(crate) fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let lang = app.lang;
        let d = &self.data;
        let disclosures = self.disclosures(&app.catalog);
        // The keys that exist: «1–4» for four disclosures, «1» for one.
        let disclosure_keys = match disclosures {
            1 => "1".to_string(),
            n => format!("1–{}", n.min(9)),
        };
        let mut hints: Vec<Hint<'_>> = if self.asking.is_some() {
            vec![
                ("↑↓", pick(lang, "выбрать", "choose")),
                ("Enter", pick(lang, "сохранить", "save")),
                ("Esc", pick(lang, "отмена", "cancel")),
            ]
        } else if self.confirm_stop {
            vec![
                ("y", pick(lang, "да", "yes")),
                ("n", pick(lang, "нет", "no")),
            ]
        } else if self.check_in {
            vec![
                ("y", pick(lang, "дозвонились", "reached")),
                ("d", pick(lang, "не дозвонились", "not reached")),
                ("x", pick(lang, "не звонить", "stop calling")),
            ]
        } else {
            vec![
                ("y", pick(lang, "согласен", "yes")),
                ("n", pick(lang, "отказ", "no")),
                ("t", pick(lang, "думает", "thinking")),
                ("d", pick(lang, "не дозвонились", "not reached")),
                ("x", pick(lang, "не звонить", "stop calling")),
            ]
        };
        if self.asking.is_none() && !self.confirm_stop {
            if disclosures > 0 && !self.check_in {
                hints.push((&disclosure_keys, pick(lang, "оговорка", "disclosure")));
            }
            hints.push(("Esc", pick(lang, "назад", "back")));
        }
        let [top, body, footer, status] =
            common::frame_areas(app, area, common::footer_height(&hints, area.width));
        let title = if self.check_in {
            pick(lang, "Звонок после продажи", "Check-in call")
        } else {
            pick(lang, "Звонок клиенту", "Call back")
        };
        common::render_top(app, title, top, buf);
        common::render_footer(&hints, footer, buf);
        common::render_status(app, status, buf);
        let body = common::pad(body);
        let width = body.width;
        let product = app.catalog.product(&d.product);
        let product_name = common::product_name(&app.catalog, &d.product).to_string();

        let mut head = vec![
            Line::from(vec![
                Span::styled(d.client.full_name(), BOLD),
                Span::styled("  ☎ ", DIM),
                Span::styled(format_phone(&d.client.phone), HEAD),
            ]),
            Line::from(vec![
                Span::styled(format!("{}: ", pick(lang, "Продукт", "Product")), DIM),
                Span::styled(product_name.clone(), BOLD),
            ]),
        ];
        head.push(Line::from(vec![
            Span::styled(format!("{}: ", pick(lang, "Ранее", "Before")), DIM),
            Span::raw(earlier(app, d, self.check_in)),
        ]));
        for k in &d.contacts {
            head.push(Line::from(vec![
                Span::raw("       "),
                Span::styled(
                    format!(
                        "{} {} — {}",
                        common::short_date(lang, k.at.date()),
                        pick(lang, "звонок", "call"),
                        outcome_text(lang, k.outcome)
                    ),
                    DIM,
                ),
            ]));
        }
        let head_rows = common::lines_height(&head, width);

        let mut say: Vec<Line<'static>> = Vec::new();
        if let (Some(p), Some(main)) = (product, app.catalog.product(&d.origin.main)) {
            let polite = d.client.polite();
            let with = Fill {
                client: &polite,
                client_first: &d.client.first_name,
                client_last: &d.client.last_name,
                officer: &app.officer,
                product: p,
                main,
            };
            let lines = if self.check_in {
                check_in_lines(lang)
            } else {
                what_to_say(&app.catalog, d)
            };
            if !lines.is_empty() {
                say.push(Line::styled(pick(lang, "Что сказать", "What to say"), HEAD));
                for line in lines {
                    say.push(Line::raw(format!("• {}", fill(line, &with))));
                }
            }
            if let Some(why) = why_linked(&app.catalog, d) {
                say.push(Line::from(vec![
                    Span::styled(format!("{}: ", pick(lang, "Почему", "Why")), DIM),
                    Span::raw(fill(why, &with)),
                ]));
            }
            if !p.disclosure.is_empty() && !self.check_in {
                say.push(Line::raw(""));
                say.push(Line::styled(
                    pick(
                        lang,
                        "Оговорки — до согласия отметьте каждую (1–9)",
                        "Disclosures: tick each before a yes (1–9)",
                    ),
                    WARN,
                ));
                for (i, line) in p.disclosure.iter().enumerate() {
                    let ticked = self.confirmed.contains(&(i as u32));
                    say.push(Line::from(vec![
                        Span::styled(
                            format!("{} {} ", i + 1, if ticked { "[✓]" } else { "[ ]" }),
                            if ticked { OK } else { BOLD },
                        ),
                        Span::raw(fill(line, &with)),
                    ]));
                }
            }
        }
        let [head_area, _, say_area] = Layout::vertical([
            Constraint::Length(head_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        Paragraph::new(head)
            .wrap(Wrap { trim: false })
            .render(head_area, buf);
        let total = common::lines_height(&say, width);
        if total > say_area.height && say_area.height > 0 {
            // What does not fit is marked, never silently cut.
            let shown = Rect {
                height: say_area.height - 1,
                ..say_area
            };
            Paragraph::new(say)
                .wrap(Wrap { trim: false })
                .render(shown, buf);
            Paragraph::new(Line::styled(pick(lang, "▼ ещё", "▼ more"), DIM)).render(
                Rect::new(say_area.x, say_area.bottom() - 1, say_area.width, 1),
                buf,
            );
        } else {
            Paragraph::new(say)
                .wrap(Wrap { trim: false })
                .render(say_area, buf);
        }
        if let Some(ask) = &self.asking {
            ask.render(lang, app.today, area, buf);
        }
        if self.confirm_stop {
            common::render_question(
                lang,
                pick(lang, "Больше не звонить?", "Stop calling?"),
                pick(
                    lang,
                    "Звонок уйдёт из списка «Перезвонить».",
                    "The call back leaves the list.",
                ),
                area,
                buf,
            );
        }
    }
}

/// The product's pitch; for the main product, its script's presentation; else the phrase the
/// client heard in the consultation (its moment in the script, the variant shown then) and why
/// it goes with the main product.
fn what_to_say<'c>(catalog: &'c Catalog, d: &CallData) -> Vec<&'c str> {
    let Some(p) = catalog.product(&d.product) else {
        return Vec::new();
    };
    if !p.pitch.is_empty() {
        return p.pitch.iter().map(String::as_str).collect();
    }
    if d.product == d.origin.main {
        let presentation = catalog.script(&d.origin.main).and_then(|s| {
            s.stages
                .iter()
                .find(|st| st.id == crate::consultation::PRESENTATION_STAGE)
                .or_else(|| s.stages.iter().find(|st| !st.say.is_empty()))
        });
        return presentation
            .map(|st| st.say.iter().map(String::as_str).collect())
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let variant = d
        .origin
        .offers
        .iter()
        .find(|o| o.product == d.product)
        .map_or(0, |o| o.variant as usize);
    let said = catalog.script(&d.origin.main).and_then(|s| {
        s.stages
            .iter()
            .flat_map(|st| &st.moments)
            .find(|m| m.product == d.product)
            .and_then(|m| m.say.get(variant).or_else(|| m.say.first()))
    });
    // An upsell or a downsell of the main product: its phrase, in the variant shown then.
    let tier = || {
        catalog
            .upsell_phrases(&d.origin.main, &d.product)
            .or_else(|| catalog.downsell_phrases(&d.origin.main, &d.product))
            .and_then(|(_, say)| say.get(variant).or_else(|| say.first()))
    };
    let link = link_of(catalog, d);
    if let Some(line) = said
        .or_else(tier)
        .or_else(|| link.and_then(|l| l.say.first()))
    {
        out.push(line.as_str());
    }
    out
}

/// Why the product goes with the main one (the matrix's `why`), when the catalogue says.
fn why_linked<'c>(catalog: &'c Catalog, d: &CallData) -> Option<&'c str> {
    link_of(catalog, d)
        .filter(|l| !l.why.is_empty())
        .map(|l| l.why.as_str())
}

/// The matrix row joining the call's product to the main product it was offered with.
fn link_of<'c>(catalog: &'c Catalog, d: &CallData) -> Option<&'c crate::catalog::Link> {
    catalog
        .links
        .iter()
        .find(|l| l.main == d.origin.main && l.cross == d.product)
}

/// What to ask on a check-in after a sale.
fn check_in_lines(lang: Lang) -> Vec<&'static str> {
    match lang {
        Lang::Ru => vec![
            "{client}, добрый день! Это {officer}, мы встречались в отделении. Звоню по поводу того, что вы оформили: {product.name}. Всё ли получилось?",
            "Всё ли работает, как договаривались? Остались ли вопросы — по условиям, приложению, платежам?",
            "Если появится новая задача — накопить, застраховать, оформить карту близким — я на связи.",
        ],
        Lang::En => vec![
            "{client}, good afternoon! This is {officer}, we met at the branch. I am calling about what you took out with us: {product.name}. Did everything go well?",
            "Is everything working as agreed? Any questions about the terms, the app or payments?",
            "If something new comes up (saving, insurance, a card for your family), I am here to help.",
        ],
    }
}

/// "02.12 консультация (Вклад «Доходный») — думает" (or «оформлен» for a check-in).
fn earlier(app: &App, d: &CallData, check_in: bool) -> String {
    let lang = app.lang;
    let c = &d.origin;
    let when = c
        .offers
        .iter()
        .find(|o| o.product == d.product)
        .and_then(|o| o.outcome_at)
        .unwrap_or(c.started_at);
    let thinking = if check_in {
        super::text::t(lang).main_sold
    } else {
        super::text::t(lang).out_thinking
    };
    format!(
        "{} {} ({}) — {}",
        common::short_date(lang, when.date()),
        pick(lang, "консультация", "consultation"),
        // The main product as the client took it: its better version or the fallback.
        common::product_name(
            &app.catalog,
            c.main_sold_as()
                .map_or(c.main.as_str(), |o| o.product.as_str())
        ),
        thinking
    )
}

fn outcome_text(lang: Lang, o: CallOutcome) -> &'static str {
    match o {
        CallOutcome::Accepted => pick(lang, "согласие", "accepted"),
        CallOutcome::Declined => pick(lang, "отказ", "declined"),
        CallOutcome::Thinking => pick(lang, "думает", "thinking"),
        CallOutcome::NotReached => pick(lang, "не дозвонились", "not reached"),
        CallOutcome::Stopped => pick(lang, "звонки прекращены", "calls stopped"),
        CallOutcome::Reached => pick(lang, "дозвонились", "reached"),
    }
}

/// The status line after a call was stored: what went to which product (the status line
/// adds its own ✓).
fn done_text(lang: Lang, product: &str, k: &Contact) -> String {
    let what = outcome_text(lang, k.outcome);
    let done = format!(
        "{} {product} — {what}",
        pick(lang, "Записано:", "Recorded:")
    );
    match k.next {
        Some(next) => format!(
            "{done}, {} {}",
            pick(lang, "звонок", "call"),
            common::short_date(lang, next)
        ),
        None => done,
    }
}
