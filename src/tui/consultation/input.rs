//! The consultation screen's keys: the normal mode, the note being typed, the disclosures
//! being confirmed.

use super::*;

impl ConsultationScreen {
    pub(crate) fn on_key(&mut self, env: &Env<'_>, key: KeyEvent, act: Option<Action>) -> Step {
        // The numbers the officer sees are the numbers the keys mean.
        self.fix_numbers(env);
        if !matches!(self.mode, Mode::Note { .. }) {
            // The stage's lines scroll whatever else is open.
            match act {
                Some(Action::LinesUp) => {
                    self.lines_scroll = self.lines_scroll.saturating_sub(1);
                    return Step::default();
                }
                Some(Action::LinesDown) => {
                    let max = self.lines_rows(env).saturating_sub(1);
                    self.lines_scroll = self.lines_scroll.saturating_add(1).min(max);
                    return Step::default();
                }
                _ => {}
            }
        }
        match self.mode.clone() {
            Mode::Note { text } => self.on_note_key(env, key, text),
            Mode::CallDay { product, mut ask } => match ask.on_key(env.lang, env.today, key) {
                None => {
                    self.mode = Mode::CallDay { product, ask };
                    Step::default()
                }
                Some(CallDateAnswer::Cancel) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                Some(answer) => {
                    self.mode = Mode::Normal;
                    self.call_day = Some(match answer {
                        CallDateAnswer::Date(d) => Some(d),
                        _ => None,
                    });
                    self.answer(env, product, Outcome::Thinking, true)
                }
            },
            Mode::ConfirmNotReceptive => match keys::answer(act, None) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    let mut next = self.consultation.clone();
                    match next.mark_not_receptive() {
                        Ok(()) => self.commit(
                            env,
                            next,
                            EventKind::NotReceptive,
                            String::new(),
                            text::t(env.lang).done_not_receptive.to_string(),
                        ),
                        Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
                    }
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::ConfirmFinish => match keys::answer(act, Some(Action::Finish)) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    self.finish(env)
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::ConfirmLeave { quit } => match keys::answer(act, Some(Action::Quit)) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    if quit || env.rehearsal {
                        Step::effect(Effect::Quit)
                    } else {
                        go_home()
                    }
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                None => Step::default(),
            },
            Mode::ConfirmChange { product, from, to } => match keys::answer(act, None) {
                Some(true) => {
                    self.mode = Mode::Normal;
                    self.answer(env, product, to, true)
                }
                Some(false) => {
                    self.mode = Mode::Normal;
                    let name = self.named(env, product.as_deref());
                    Step::hint(text::already_recorded(env.lang, &name, from))
                }
                None => Step::default(),
            },
            Mode::Disclosure { product } => self.on_disclosure_key(env, act, &product),
            Mode::Objections { .. } => match act {
                Some(Action::Back | Action::Objections) => {
                    self.mode = Mode::Normal;
                    Step::default()
                }
                Some(Action::Up) => {
                    self.scroll = self.scroll.saturating_sub(1);
                    Step::default()
                }
                Some(Action::Down) => {
                    self.scroll = self.scroll.saturating_add(1);
                    Step::default()
                }
                other => {
                    self.mode = Mode::Normal;
                    self.scroll = 0;
                    self.on_normal_key(env, other)
                }
            },
            Mode::Normal => self.on_normal_key(env, act),
        }
    }

    fn on_normal_key(&mut self, env: &Env<'_>, act: Option<Action>) -> Step {
        let tx = text::t(env.lang);
        let Some(act) = act else {
            return Step::default();
        };
        if self.consultation.is_finished() {
            return match act {
                Action::Quit => Step::effect(Effect::Quit),
                _ => go_home(),
            };
        }
        // A missed number holds only until the next key (a wrong number again sets it anew).
        let missed = self.missed.take();
        match act {
            Action::Quit => {
                self.mode = Mode::ConfirmLeave { quit: true };
                Step::default()
            }
            Action::Back => {
                if self.picked.take().is_some() || missed.is_some() {
                    return Step::default();
                }
                self.mode = Mode::ConfirmLeave { quit: false };
                Step::default()
            }
            Action::Pick(n) => {
                let items = self.items(env);
                match items.iter().find(|i| i.number == usize::from(n)) {
                    Some(item) => {
                        let id = item.product().to_string();
                        if self.picked.as_deref() == Some(id.as_str()) {
                            self.picked = None;
                        } else {
                            self.picked = Some(id);
                        }
                        self.scroll = 0;
                        Step::default()
                    }
                    None => {
                        // The officer meant some prompt: the next answer must not fall to the
                        // main product by default.
                        self.picked = None;
                        self.missed = Some(n);
                        Step::hint(text::no_item(env.lang, n))
                    }
                }
            }
            Action::Accept | Action::Decline | Action::Thinking if missed.is_some() => {
                self.missed = missed;
                Step::hint(text::missed_answer(env.lang, missed.unwrap_or_default()))
            }
            Action::Accept => self.record(env, Outcome::Accepted, false),
            Action::Decline => self.record(env, Outcome::Declined, false),
            Action::Thinking => self.record(env, Outcome::Thinking, false),
            Action::NextVariant => self.next_variant(env),
            Action::NextCreate => self.next_create(env),
            Action::Objections => {
                let product = self.subject(env);
                let list = self
                    .consultation
                    .objections(&product, env.catalog, &self.client);
                if list.is_empty() {
                    return Step::hint(text::no_objections(
                        env.lang,
                        common::product_name(env.catalog, &product),
                    ));
                }
                self.scroll = 0;
                self.mode = Mode::Objections { product };
                Step::default()
            }
            Action::Note => {
                self.mode = Mode::Note {
                    text: String::new(),
                };
                Step::default()
            }
            Action::NotReceptive => {
                if self.pending.is_some() {
                    return Step::hint(tx.wait_saving);
                }
                if self.consultation.not_receptive {
                    // `r` again undoes the mark.
                    let mut next = self.consultation.clone();
                    return match next.unmark_not_receptive() {
                        Ok(()) => self.commit(
                            env,
                            next,
                            EventKind::NotReceptive,
                            "undone".to_string(),
                            tx.done_receptive_again.to_string(),
                        ),
                        Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
                    };
                }
                self.mode = Mode::ConfirmNotReceptive;
                Step::default()
            }
            Action::Finish => {
                if self.pending.is_some() {
                    return Step::hint(tx.wait_saving);
                }
                if self.finish_question(env).is_some() {
                    self.mode = Mode::ConfirmFinish;
                    return Step::default();
                }
                self.finish(env)
            }
            Action::PrevStage | Action::NextStage => {
                let mut next = self.consultation.clone();
                let moved = if act == Action::NextStage {
                    next.next_stage(env.catalog)
                } else {
                    next.prev_stage(env.catalog)
                };
                if let Err(e) = moved {
                    return Step::error(text::engine_error(env.lang, &e, env.catalog));
                }
                if next.stage == self.consultation.stage {
                    return Step::hint(if act == Action::NextStage {
                        tx.last_stage
                    } else {
                        tx.first_stage
                    });
                }
                let stage = next.current_stage(env.catalog).map(|s| s.title.clone());
                let id = next
                    .current_stage(env.catalog)
                    .map(|s| s.id.clone())
                    .unwrap_or_default();
                self.commit(
                    env,
                    next,
                    EventKind::Stage,
                    id,
                    text::done_stage(env.lang, stage.as_deref().unwrap_or("")),
                )
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                Step::default()
            }
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1);
                Step::default()
            }
            Action::LinesUp | Action::LinesDown => Step::default(),
            Action::Choose => Step::hint(tx.consultation_enter_hint),
            Action::Find | Action::NewClient => Step::hint(tx.finish_first),
            Action::Help | Action::Interrupt => Step::default(),
        }
    }

    fn on_note_key(&mut self, env: &Env<'_>, key: KeyEvent, mut note: String) -> Step {
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                Step::default()
            }
            KeyCode::Enter => {
                if note.trim().is_empty() {
                    self.mode = Mode::Normal;
                    return Step::default();
                }
                let product = self.subject(env);
                let mut next = self.consultation.clone();
                match next.add_note(&note, Some(&product), env.now, env.catalog) {
                    Ok(()) => {
                        self.mode = Mode::Normal;
                        self.commit(
                            env,
                            next,
                            EventKind::Note,
                            note.trim().to_string(),
                            text::t(env.lang).done_note.to_string(),
                        )
                    }
                    Err(e) => Step::error(text::engine_error(env.lang, &e, env.catalog)),
                }
            }
            KeyCode::Backspace => {
                note.pop();
                self.mode = Mode::Note { text: note };
                Step::default()
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                if note.chars().count() < 200 {
                    note.push(c);
                }
                self.mode = Mode::Note { text: note };
                Step::default()
            }
            _ => Step::default(),
        }
    }

    fn on_disclosure_key(&mut self, env: &Env<'_>, act: Option<Action>, product: &str) -> Step {
        let tx = text::t(env.lang);
        let count = u32::try_from(self.disclosures(env.catalog, product).len()).unwrap_or(0);
        match act {
            Some(Action::Pick(n)) => {
                let index = u32::from(n).saturating_sub(1);
                if index >= count {
                    return Step::hint(text::no_item(env.lang, n));
                }
                let stored = self
                    .consultation
                    .offer_of(product)
                    .is_some_and(|o| o.disclosures_confirmed.contains(&index));
                if !stored {
                    let ticked = self.said.entry(product.to_string()).or_default();
                    if !ticked.remove(&index) {
                        ticked.insert(index);
                    }
                }
                Step::default()
            }
            Some(Action::Choose) => match self.unconfirmed(env.catalog, product).first() {
                Some(&i) => {
                    self.said.entry(product.to_string()).or_default().insert(i);
                    Step::default()
                }
                None => Step::hint(tx.disclosure_all_done),
            },
            Some(Action::Accept) => self.record(env, Outcome::Accepted, true),
            Some(Action::Decline) => self.record(env, Outcome::Declined, true),
            Some(Action::Thinking) => self.record(env, Outcome::Thinking, true),
            Some(Action::Back) => {
                self.mode = Mode::Normal;
                Step::default()
            }
            Some(Action::Quit) => {
                self.mode = Mode::ConfirmLeave { quit: true };
                Step::default()
            }
            _ => Step::hint(tx.disclosure_keys),
        }
    }
}
