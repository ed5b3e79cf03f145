//! End-to-end tests of the officer's screen (issue #4): the real binary in a pseudo-terminal,
//! driven by key presses, its screen read through a terminal emulator, and the database
//! checked after the process has exited.
//!
//! Every wait is for text on the screen (the acknowledgement of each stored action), never a
//! fixed sleep. The interface strings come from `sufler::tui::text`, so the same helpers
//! drive the Russian and the English interface.

mod common;

use chrono::Datelike;
use common::pty::{key, Sandbox, Tui, BRANCH, OFFICER};
use sufler::consultation::{Client, Consultation, Outcome, Technique};
use sufler::store::{SledStore, Store};
use sufler::tui::text::{self, Lang, T};

// The bundled catalogue's names, as the screen shows them.
const DEPOSIT: &str = "Вклад «Доходный»";
const CREDIT_CARD: &str = "Кредитная карта «Свобода»";
const CONSUMER_LOAN: &str = "Кредит наличными «Простой»";
const DEBIT_CARD: &str = "Дебетовая карта «Плюс»";
const MOBILE_BANK: &str = "Мобильный и интернет-банк";
const SMS_ALERTS: &str = "СМС-уведомления об операциях";
const CARD_INSURANCE: &str = "Защита карты от мошенничества";
const LOAN_INSURANCE: &str = "Программа финансовой защиты заёмщика";
const SAVINGS: &str = "Накопительный счёт «Копилка»";
const NPF: &str = "Пенсионная программа НПФ";
const IIS: &str = "Индивидуальный инвестиционный счёт (ИИС)";
const LIFE: &str = "Накопительное страхование жизни";
const HOME_INSURANCE: &str = "Страхование квартиры «Дом под защитой»";

// The bundled scripts' stages (the same five in every script).
const STAGES: [&str; 5] = [
    "Приветствие",
    "Выявление потребностей",
    PRESENTATION,
    OBJECTIONS,
    CLOSING,
];
const PRESENTATION: &str = "Презентация";
const OBJECTIONS: &str = "Работа с возражениями";
const CLOSING: &str = "Завершение сделки";

/// A stage's number as the stage list shows it.
fn stage_number(title: &str) -> usize {
    STAGES.iter().position(|s| *s == title).map_or(0, |i| i + 1)
}

/// A client to type into the new-client form.
struct NewClient {
    last: &'static str,
    first: &'static str,
    patronymic: &'static str,
    phone: &'static str,
    birth: &'static str,
}

impl NewClient {
    fn full_name(&self) -> String {
        format!("{} {} {}", self.last, self.first, self.patronymic)
    }
}

const IVANOV: NewClient = NewClient {
    last: "Иванов",
    first: "Иван",
    patronymic: "Петрович",
    phone: "+7 916 123-45-67",
    birth: "15.03.1980",
};

const SIDOROVA: NewClient = NewClient {
    last: "Сидорова",
    first: "Мария",
    patronymic: "Алексеевна",
    phone: "8 (903) 555-12-34",
    birth: "02.11.1975",
};

/// Keys of the contract, on the QWERTY layout or in the same place on the Russian one.
struct Keys {
    yes: &'static str,
    no: &'static str,
    thinking: &'static str,
    next_create: &'static str,
    finish: &'static str,
    quit: &'static str,
}

const QWERTY: Keys = Keys {
    yes: "y",
    no: "n",
    thinking: "t",
    next_create: "c",
    finish: "f",
    quit: "q",
};

const RUSSIAN_LAYOUT: Keys = Keys {
    yes: "н",
    no: "т",
    thinking: "е",
    next_create: "с",
    finish: "а",
    quit: "й",
};

/// The officer at the keyboard: the program plus the language and layout they use.
struct Officer {
    tui: Tui,
    lang: Lang,
    keys: &'static Keys,
}

impl Officer {
    fn en(tui: Tui) -> Officer {
        Officer {
            tui,
            lang: Lang::En,
            keys: &QWERTY,
        }
    }

    fn tx(&self) -> &'static T {
        text::t(self.lang)
    }

    fn send(&mut self, keys: &str) {
        self.tui.send(keys);
    }

    fn press(&mut self, keys: &str, ack: &str) {
        self.tui.press(keys, ack);
    }

    fn wait_for(&self, text: &str) {
        self.tui.wait_for(text);
    }

    /// The home screen with its figures loaded.
    fn wait_home(&self) {
        let tx = self.tx();
        self.tui.wait_for_all(&[
            &format!("{} · {}", tx.app_name, tx.home_title),
            &format!("{OFFICER} · {BRANCH}"),
            tx.home_today,
        ]);
    }

    /// From home: `+`, the form filled field by field, Enter; ends on the new client's card.
    fn add_client(&mut self, c: &NewClient) {
        let tx = self.tx();
        self.press("+", tx.new_client_intro);
        self.type_form(c, true);
    }

    /// Types the form's fields (the surname too unless the search already filled it in) and
    /// saves it.
    fn type_form(&mut self, c: &NewClient, with_surname: bool) {
        let tx = self.tx();
        if with_surname {
            self.send(c.last);
            self.send(key::TAB);
        }
        for field in [c.first, c.patronymic, c.phone, c.birth] {
            self.send(field);
            self.send(key::TAB);
        }
        // Wait for the last field typed before saving: the form checks what it holds.
        self.wait_for(c.birth);
        self.send(key::ENTER);
        self.tui.wait_for_all(&[
            tx.client_added,
            &format!("{} · {}", tx.app_name, tx.client_title),
        ]);
        self.wait_for(&c.full_name());
    }

    /// From home: `/`, the surname typed, the client's card opened.
    fn find_client(&mut self, c: &NewClient) {
        let tx = self.tx();
        self.press("/", tx.find_hint);
        self.send(c.last);
        self.wait_for(&format!("▶ {}", c.full_name()));
        self.send(key::ENTER);
        self.wait_for(&format!("{} · {}", tx.app_name, tx.client_title));
        self.wait_for(&c.full_name());
    }

    /// From the client's card: Enter, the main product by its number, Enter; ends on the
    /// consultation's first stage.
    fn begin(&mut self, main: &str) {
        let tx = self.tx();
        self.press(key::ENTER, tx.choose_question);
        let n = self.tui.number_of(main);
        self.press(&n.to_string(), &format!("▶ {n} {main}"));
        self.send(key::ENTER);
        self.wait_for_header(main, &format!("{} · {}", tx.main, tx.main_open));
        self.tui.wait_gone(tx.saving);
    }

    /// The consultation header: the main product and something of the formula line.
    fn wait_for_header(&self, main: &str, formula: &str) {
        self.tui.wait_for_all(&[&format!("· {main}"), formula]);
    }

    /// `→` stage by stage until `title` is the current one, waiting for each move to be
    /// acknowledged (stored).
    fn next_stage_to(&mut self, title: &str) {
        // Waited for, not read at once: the frame may still be arriving.
        let current = std::cell::Cell::new(None);
        self.tui
            .wait_until("the current stage marked on the screen", |screen| {
                let text = screen.contents();
                current.set(
                    STAGES
                        .iter()
                        .position(|s| text.contains(&format!("▶  {} {s}", stage_number(s)))),
                );
                current.get().is_some()
            });
        let current = current.get().unwrap_or_default();
        let target = STAGES
            .iter()
            .position(|s| *s == title)
            .unwrap_or_else(|| panic!("{title:?} is not a stage of the bundled scripts"));
        assert!(target > current, "{title:?} is not ahead");
        for stage in &STAGES[current + 1..=target] {
            self.send(key::RIGHT);
            self.wait_for(&text::done_stage(self.lang, stage));
        }
        self.wait_for(&format!("▶  {} {title}", stage_number(title)));
    }

    /// Picks `product`'s prompt or offer by the number shown beside it.
    fn pick(&mut self, product: &str) {
        let n = self.tui.number_of(product);
        let picked = format!("{} {n} · y n t → {product}", self.tx().picked_title);
        self.press(&n.to_string(), &picked);
    }

    fn outcome_key(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Accepted => self.keys.yes,
            Outcome::Declined => self.keys.no,
            Outcome::Thinking => self.keys.thinking,
        }
    }

    /// Offers `product` (its prompt picked) and records the client's answer.
    fn offer(&mut self, product: &str, outcome: Outcome) {
        self.pick(product);
        let key = self.outcome_key(outcome);
        self.answer(
            key,
            outcome,
            &text::done_outcome(self.lang, product, outcome),
        );
    }

    /// The key of an answer, then — for "thinking" — the day of the call back asked in a
    /// popup (Enter: in three days); waits for `done`.
    fn answer(&mut self, key: &str, outcome: Outcome, done: &str) {
        if outcome == Outcome::Thinking {
            self.press(key, text::call_day_title(self.lang));
            self.press(key::ENTER, done);
        } else {
            self.press(key, done);
        }
    }

    /// Offers a product with disclosure lines and records the client's agreement: `y` opens
    /// the checklist, each line is ticked (by its digit or Enter), then `y` again.
    fn accept_with_disclosures(&mut self, product: &str, lines: usize) {
        let tx = self.tx();
        self.pick(product);
        let yes = self.keys.yes;
        self.press(yes, tx.disclosure_first);
        self.wait_for(tx.disclosure_title);
        for i in 1..=lines {
            if i % 2 == 1 {
                self.send(&i.to_string());
            } else {
                self.send(key::ENTER);
            }
            self.wait_for(&format!("[✓] {i} "));
        }
        self.wait_for(tx.disclosure_ready);
        self.press(
            yes,
            &text::done_outcome(self.lang, product, Outcome::Accepted),
        );
    }

    /// `y`/`n`/`t` with nothing picked (an answer clears the pick): the main product.
    fn main_outcome(&mut self, main: &str, outcome: Outcome) {
        let tx = self.tx();
        // The pane's title names the main product, or calls it so when the name is long.
        let full = format!("→ {main} ({})", tx.main_paren);
        let short = format!("→ {}", tx.main_lower);
        self.tui.wait_until("y n t → the main product", |screen| {
            let text = screen.contents();
            text.contains(&full) || text.contains(&short)
        });
        let key = self.outcome_key(outcome);
        let named = text::main_named(self.lang, main);
        self.answer(
            key,
            outcome,
            &text::done_outcome(self.lang, &named, outcome),
        );
    }

    /// `f` (saying yes when it asks first: the formula not met); ends on the summary.
    fn finish(&mut self) {
        let tx = self.tx();
        let finish = self.keys.finish;
        self.send(finish);
        self.tui
            .wait_until("the summary or the finish question", |screen| {
                let text = screen.contents();
                text.contains(tx.done_finished) || text.contains(tx.confirm_finish_title)
            });
        if self.tui.screen().contains(tx.confirm_finish_title) {
            let yes = self.keys.yes;
            self.press(yes, tx.done_finished);
        }
        self.wait_for(&format!("{} · {}", tx.app_name, tx.summary_title));
    }

    /// On the summary: the formula met, and the number of products sold.
    fn assert_summary_met(&self, catch: usize, create: usize, sold: usize) {
        let tx = self.tx();
        self.tui.wait_for_all(&[
            &format!(
                "{}: {} ({} {catch}/2, {} {create}/1)",
                tx.formula_cap, tx.sum_formula_met, tx.catch, tx.create
            ),
            &format!("{}: ✓ {}", tx.main_cap, tx.main_sold),
            &format!("{}: {sold}", tx.products_sold),
        ]);
    }

    /// `q` from home: the program exits 0.
    fn quit_from_home(&mut self) {
        let quit = self.keys.quit;
        self.send(quit);
        let status = self.tui.wait_exit();
        assert!(status.success(), "sufler exited with {status:?}");
    }
}

/// The database after the program exited.
fn open_store(sandbox: &Sandbox) -> SledStore {
    SledStore::open_existing(&sandbox.db()).expect("open the database the TUI wrote")
}

fn stored_client(store: &SledStore, c: &NewClient) -> Client {
    let found = store
        .search_clients(&format!("{} {}", c.last, c.first), 10)
        .expect("search clients");
    assert_eq!(found.len(), 1, "one client {}: {found:?}", c.full_name());
    found.into_iter().next().expect("one client")
}

fn consultations(store: &SledStore, c: &NewClient) -> Vec<Consultation> {
    let client = stored_client(store, c);
    store
        .consultations_of_client(client.id)
        .expect("the client's consultations")
}

/// The offer of `product`, which must be there.
fn offer<'a>(c: &'a Consultation, product: &str) -> &'a sufler::consultation::Offer {
    c.offers
        .iter()
        .find(|o| o.product == product)
        .unwrap_or_else(|| panic!("an offer of {product} in {c:#?}"))
}

/// A finished consultation meeting the formula: main accepted, 2 catch offers and 1 create.
fn assert_formula_met(c: &Consultation, main: &str) {
    assert_eq!(c.main, main);
    assert_eq!(c.officer, OFFICER);
    assert_eq!(c.branch, BRANCH);
    assert_eq!(c.main_outcome, Some(Outcome::Accepted), "{c:#?}");
    assert!(c.finished_at.is_some(), "finished: {c:#?}");
    let catch = c
        .offers
        .iter()
        .filter(|o| o.technique == Technique::Catch)
        .count();
    let create = c
        .offers
        .iter()
        .filter(|o| o.technique == Technique::Create)
        .count();
    assert_eq!((catch, create), (2, 1), "offers: {:#?}", c.offers);
    assert!(
        c.offers.iter().all(|o| o.outcome.is_some()),
        "every offer answered: {:#?}",
        c.offers
    );
}

// ─────────────────────────── 1. a full consultation per main product ───────────────────────────

#[test]
fn full_consultation_deposit() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);

    o.next_stage_to(PRESENTATION);
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.offer(SAVINGS, Outcome::Declined);
    o.wait_for("Catch 2/2 ✓1");

    // "Not in the script" about the picked product (an answer clears the pick: picked
    // again): letters type, they are not keys here.
    o.pick(SAVINGS);
    o.press("x", &format!("{} · {SAVINGS}", o.tx().note_title));
    o.send("Спросил про ипотеку; q y n f");
    o.wait_for("ипотеку; q y n f");
    o.press(key::ENTER, o.tx().done_note);

    o.next_stage_to(CLOSING);
    // The create candidate is the plan product furthest from its plan: the pension fund.
    o.accept_with_disclosures(NPF, 4);
    o.wait_for("Create 1/1 ✓1");
    o.main_outcome(DEPOSIT, Outcome::Accepted);
    o.wait_for_header(DEPOSIT, "formula ✓");

    o.finish();
    o.assert_summary_met(2, 1, 3);
    o.send(key::ENTER);
    o.wait_home();
    // Today's list shows the consultation with the formula met.
    o.wait_for("Иванов И. П. · formula ✓");
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &IVANOV);
    assert_eq!(cs.len(), 1, "{cs:#?}");
    let c = &cs[0];
    assert_formula_met(c, "deposit");
    assert_eq!(offer(c, "debit_card").outcome, Some(Outcome::Accepted));
    assert_eq!(offer(c, "savings_account").outcome, Some(Outcome::Declined));
    let npf = offer(c, "npf");
    assert_eq!(npf.technique, Technique::Create);
    assert_eq!(npf.outcome, Some(Outcome::Accepted));
    assert_eq!(npf.disclosures_confirmed.len(), 4, "{npf:#?}");
    assert_eq!(npf.stage, "closing");
    assert_eq!(offer(c, "debit_card").stage, "presentation");
    assert_eq!(c.notes.len(), 1, "{:#?}", c.notes);
    assert_eq!(c.notes[0].text, "Спросил про ипотеку; q y n f");
    assert_eq!(c.notes[0].product.as_deref(), Some("savings_account"));
    assert_eq!(c.notes[0].stage, "presentation");
}

#[test]
fn full_consultation_credit_card() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.add_client(&SIDOROVA);
    o.begin(CREDIT_CARD);

    o.next_stage_to(PRESENTATION);
    o.offer(MOBILE_BANK, Outcome::Accepted);
    // "Thinking" needs no disclosures: it goes to the call-back list.
    o.offer(CARD_INSURANCE, Outcome::Thinking);
    o.wait_for("Catch 2/2 ✓1");

    o.next_stage_to(CLOSING);
    o.wait_for(NPF);
    // `c`: the next create-the-moment candidate, the investment account.
    let c = o.keys.next_create;
    o.send(c);
    o.tui.wait_for(IIS);
    o.tui.wait_gone(NPF);
    o.accept_with_disclosures(IIS, 4);
    o.main_outcome(CREDIT_CARD, Outcome::Accepted);

    o.finish();
    o.assert_summary_met(2, 1, 3);
    o.send(key::ENTER);
    o.wait_home();
    // The thinking offer waits for a call back in three working days, not today.
    o.tui.assert_absent(CARD_INSURANCE);
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &SIDOROVA);
    assert_eq!(cs.len(), 1, "{cs:#?}");
    let c = &cs[0];
    assert_formula_met(c, "credit_card");
    assert_eq!(offer(c, "mobile_bank").outcome, Some(Outcome::Accepted));
    assert_eq!(offer(c, "card_insurance").outcome, Some(Outcome::Thinking));
    let iis = offer(c, "iis");
    assert_eq!(iis.technique, Technique::Create);
    assert_eq!(iis.outcome, Some(Outcome::Accepted));
    assert_eq!(iis.disclosures_confirmed.len(), 4);
    assert_eq!(c.create_skip, 1);
    let calls = store.follow_ups(OFFICER).expect("follow-ups");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].product, "card_insurance");
    // Three working days on: this test runs on any day of the week.
    let due = (0..3).fold(c.started_at.date(), |d, _| {
        sufler::consultation::next_working_day(d)
    });
    assert_eq!(calls[0].date, due);
}

/// In Russian (the default), with the Russian keyboard layout for the letter keys, and the
/// client found by the search and added from it.
#[test]
fn full_consultation_consumer_loan_in_russian() {
    let sandbox = Sandbox::new();
    let mut o = Officer {
        tui: sandbox.spawn(&[]),
        lang: Lang::Ru,
        keys: &RUSSIAN_LAYOUT,
    };
    let tx = o.tx();
    o.wait_home();
    // `.` is where `/` is on the Russian layout.
    o.press(".", tx.find_hint);
    o.send(&IVANOV.last.to_lowercase());
    o.wait_for(tx.find_none);
    // Nobody found: Enter opens the new-client form with the surname filled in.
    o.press(key::ENTER, tx.new_client_intro);
    o.wait_for(IVANOV.last);
    o.type_form(&IVANOV, false);
    o.begin(CONSUMER_LOAN);

    o.next_stage_to(PRESENTATION);
    o.accept_with_disclosures(LOAN_INSURANCE, 3);
    o.offer(SMS_ALERTS, Outcome::Declined);
    o.wait_for("Лови момент 2/2 ✓1");

    o.next_stage_to(CLOSING);
    o.wait_for(NPF);
    let c = o.keys.next_create;
    o.send(c);
    o.wait_for(IIS);
    o.send(c);
    o.wait_for(HOME_INSURANCE);
    o.send(c);
    o.wait_for(LIFE);
    o.accept_with_disclosures(LIFE, 4);
    o.main_outcome(CONSUMER_LOAN, Outcome::Accepted);
    o.wait_for_header(CONSUMER_LOAN, tx.formula_met);

    o.finish();
    o.assert_summary_met(2, 1, 3);
    o.send(key::ENTER);
    o.wait_home();
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &IVANOV);
    assert_eq!(cs.len(), 1, "{cs:#?}");
    let c = &cs[0];
    assert_formula_met(c, "consumer_loan");
    let ins = offer(c, "loan_insurance");
    assert_eq!(ins.outcome, Some(Outcome::Accepted));
    assert_eq!(ins.disclosures_confirmed.len(), 3);
    assert_eq!(offer(c, "sms_alerts").outcome, Some(Outcome::Declined));
    let life = offer(c, "life_insurance");
    assert_eq!(life.technique, Technique::Create);
    assert_eq!(life.outcome, Some(Outcome::Accepted));
    assert_eq!(life.disclosures_confirmed.len(), 4);
    let client = stored_client(&store, &IVANOV);
    assert_eq!(client.phone, "79161234567");
    assert_eq!(client.birth_date.year(), 1980);
}

// ─────────────────────────── 2. the decline cooldown ───────────────────────────

#[test]
fn declined_product_is_not_offered_again_within_the_cooldown() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);
    o.next_stage_to(PRESENTATION);
    o.offer(MOBILE_BANK, Outcome::Declined);
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.main_outcome(DEPOSIT, Outcome::Accepted);
    o.finish();
    o.send(key::ENTER);
    o.wait_home();

    // The same client again: the card shows the decline and until when it holds.
    o.find_client(&IVANOV);
    o.tui
        .wait_until("the cooldown line on the client's card", |s| {
            s.contents().lines().any(|l| {
                l.contains(tx.client_cooldown)
                    && l.contains(MOBILE_BANK)
                    && l.contains(tx.client_until)
            })
        });
    // The credit card links the mobile bank too: it is not among the candidates now.
    o.begin(CREDIT_CARD);
    o.next_stage_to(PRESENTATION);
    // The stage's two catch moments, the premium card's upsell, and in the mobile bank's
    // place another product the credit card links (the extra card, first in the matrix).
    o.tui.wait_for_all(&[
        SMS_ALERTS,
        CARD_INSURANCE,
        "Дополнительная карта для близких",
    ]);
    o.tui.assert_absent(MOBILE_BANK);
    o.wait_for(&format!("{} 1–4 · y n t", tx.prompts_pick_title));

    // Leave with the consultation open: `q` asks first.
    o.press("q", tx.confirm_quit_title);
    o.send("y");
    let status = o.tui.wait_exit();
    assert!(status.success(), "{status:?}");

    let store = open_store(&sandbox);
    let cs = consultations(&store, &IVANOV);
    assert_eq!(cs.len(), 2, "{cs:#?}");
    assert_eq!(
        offer(&cs[0], "mobile_bank").outcome,
        Some(Outcome::Declined)
    );
    assert!(cs[1].offers.is_empty(), "{:#?}", cs[1]);
    assert!(cs[1].finished_at.is_none());
    let history = store.history(cs[0].client_id).expect("history");
    assert!(
        history.declined_on.contains_key("mobile_bank"),
        "{history:?}"
    );
}

// ─────────────────────────── 3. the disclosure gate ───────────────────────────

#[test]
fn accepting_needs_every_disclosure_confirmed() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    let tx = o.tx();
    o.wait_home();
    o.add_client(&SIDOROVA);
    o.begin(CONSUMER_LOAN);
    o.next_stage_to(PRESENTATION);

    o.pick(LOAN_INSURANCE);
    o.press("y", tx.disclosure_first);
    o.tui.wait_for_all(&[
        tx.disclosure_title,
        "[ ] 1 ",
        "[ ] 2 ",
        "[ ] 3 ",
        &text::disclosures_missing(Lang::En, 3),
    ]);
    // `y` with nothing ticked is refused, and nothing is recorded.
    o.press(
        "y",
        &format!("✗ {}", text::disclosures_missing(Lang::En, 3)),
    );
    o.tui.wait_for("Catch 0/2");
    // One line ticked by its digit: still refused.
    o.press("1", "[✓] 1 ");
    o.press(
        "y",
        &format!("✗ {}", text::disclosures_missing(Lang::En, 2)),
    );
    // A digit toggles: ticking line 1 again unticks it.
    o.press("1", "[ ] 1 ");
    o.press(
        "y",
        &format!("✗ {}", text::disclosures_missing(Lang::En, 3)),
    );
    // Enter ticks the next unticked line, in order.
    o.press(key::ENTER, "[✓] 1 ");
    o.press(key::ENTER, "[✓] 2 ");
    o.press(
        "y",
        &format!("✗ {}", text::disclosures_missing(Lang::En, 1)),
    );
    o.tui.wait_for("Catch 0/2");
    o.press("3", "[✓] 3 ");
    o.wait_for(tx.disclosure_ready);
    o.press(
        "y",
        &text::done_outcome(Lang::En, LOAN_INSURANCE, Outcome::Accepted),
    );
    o.tui.wait_for("Catch 1/2 ✓1");
    o.tui
        .wait_for(&format!("1  ✓ {LOAN_INSURANCE} — {}", tx.out_accepted));

    o.press("q", tx.confirm_quit_title);
    o.send("y");
    assert!(o.tui.wait_exit().success());

    let store = open_store(&sandbox);
    let cs = consultations(&store, &SIDOROVA);
    assert_eq!(cs.len(), 1);
    let ins = offer(&cs[0], "loan_insurance");
    assert_eq!(ins.outcome, Some(Outcome::Accepted));
    assert_eq!(
        ins.disclosures_confirmed
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(cs[0].offers.len(), 1, "the refusals recorded nothing");
}

// ─────────────────────────── 4. SIGKILL and resumption ───────────────────────────

#[test]
fn killed_mid_consultation_resumes_where_it_was() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);
    o.next_stage_to(PRESENTATION);
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.offer(MOBILE_BANK, Outcome::Declined);
    // The catch slots are full; the client thinks about the better deposit.
    o.offer(DEPOSIT_MAX, Outcome::Thinking);
    o.tui.kill9();

    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.tui
        .wait_for_all(&[tx.home_unfinished, &format!("Иванов И. П. · {DEPOSIT}")]);
    o.press(key::ENTER, tx.resumed);
    o.wait_for_header(DEPOSIT, "Catch 2/2 ✓1");
    o.tui.wait_for_all(&[
        &format!("▶  3 {PRESENTATION}"),
        &format!("1  ✓ {DEBIT_CARD} — {}", tx.out_accepted),
        &format!("2  ✗ {MOBILE_BANK} — {}", tx.out_declined),
        &format!("… {DEPOSIT_MAX} — {}", tx.out_thinking),
    ]);
    // It goes on from there: the next stage, the main product's answer, finish.
    o.next_stage_to(OBJECTIONS);
    o.main_outcome(DEPOSIT, Outcome::Declined);
    o.finish();
    o.send(key::ENTER);
    o.wait_home();
    o.tui.assert_absent(tx.home_unfinished);
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &IVANOV);
    assert_eq!(
        cs.len(),
        1,
        "the resumed consultation, not a new one: {cs:#?}"
    );
    let c = &cs[0];
    assert_eq!(c.offers.len(), 3);
    assert_eq!(offer(c, "debit_card").outcome, Some(Outcome::Accepted));
    assert_eq!(offer(c, "mobile_bank").outcome, Some(Outcome::Declined));
    assert_eq!(offer(c, "deposit_max").outcome, Some(Outcome::Thinking));
    assert_eq!(c.main_outcome, Some(Outcome::Declined));
    assert!(c.finished_at.is_some());
    assert!(store.unfinished(OFFICER).expect("unfinished").is_none());
}

// ─────────────────────────── 5. the database lock ───────────────────────────

#[test]
fn second_instance_gets_the_lock_message_and_exits_1() {
    let sandbox = Sandbox::new();
    let mut first = Officer::en(sandbox.spawn(&["--lang", "en"]));
    first.wait_home();

    let mut second = sandbox.spawn(&["--lang", "en"]);
    second.wait_for("is in use by another sufler process");
    let status = second.wait_exit();
    assert_eq!(status.exit_code(), 1, "{status:?}");
    let raw = String::from_utf8_lossy(&second.raw()).into_owned();
    let db = sandbox.db();
    let message = format!(
        "sufler: the database {} is in use by another sufler process",
        db.display()
    );
    assert!(raw.contains(&message), "{message:?} in {raw:?}");
    // A plain error: it never switched to the full screen nor to raw mode.
    assert!(
        !raw.contains("\x1b[?1049h"),
        "entered the alternate screen: {raw:?}"
    );
    second.with_screen(|s| assert!(!s.alternate_screen()));
    assert!(second.cooked(), "the terminal was left in raw mode");

    // The first one is unharmed.
    first.send("/");
    first.wait_for(first.tx().find_hint);
    first.send(key::ESC);
    first.wait_home();
    first.quit_from_home();
}

// ─────────────────────────── 6. quitting restores the terminal ───────────────────────────

#[test]
fn quitting_leaves_the_terminal_in_normal_mode() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    let tx = o.tx();
    o.wait_home();
    // The cursor is hidden at the end of each frame: it may arrive just after the frame's
    // text, so it is waited for, not read at once.
    o.tui.wait_until(
        "full-screen mode with the cursor hidden while running",
        |s| s.alternate_screen() && s.hide_cursor(),
    );
    assert!(!o.tui.cooked(), "raw mode while running");

    // From an open consultation `q` asks first; `n` stays.
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);
    o.press("q", tx.confirm_quit_title);
    o.press("n", &format!("→ {DEPOSIT} ({})", tx.main_paren));
    o.tui.wait_gone(tx.confirm_quit_title);
    o.press("q", tx.confirm_quit_title);
    o.send("y");
    let status = o.tui.wait_exit();
    assert!(status.success(), "{status:?}");

    o.tui.wait_until(
        "the primary screen with a visible cursor after the exit",
        |s| !s.alternate_screen() && !s.hide_cursor(),
    );
    assert!(o.tui.cooked(), "raw mode left on after the exit");
    // Nothing printed on the way out: the shell's screen is as it was (empty here).
    let after = o.tui.screen();
    assert!(after.trim().is_empty(), "output after the exit: {after:?}");
    let raw = o.tui.raw();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(64)..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "the output ends by leaving the alternate screen: {tail:?}"
    );
}

/// Ctrl-C leaves at once from anywhere, and restores the terminal just the same; the
/// consultation stays stored for resumption.
#[test]
fn ctrl_c_mid_consultation_restores_the_terminal() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(CONSUMER_LOAN);
    o.next_stage_to(PRESENTATION);
    o.offer(DEBIT_CARD, Outcome::Declined);
    o.send("\x03");
    let status = o.tui.wait_exit();
    assert!(status.success(), "{status:?}");
    o.tui.wait_until(
        "the primary screen with a visible cursor after Ctrl-C",
        |s| !s.alternate_screen() && !s.hide_cursor(),
    );
    assert!(o.tui.cooked(), "raw mode left on after Ctrl-C");

    let store = open_store(&sandbox);
    let open = store
        .unfinished(OFFICER)
        .expect("unfinished")
        .expect("the consultation is kept for resumption");
    assert_eq!(open.main, "consumer_loan");
    assert_eq!(offer(&open, "debit_card").outcome, Some(Outcome::Declined));
}

#[test]
fn sigterm_mid_consultation_restores_the_terminal_and_keeps_the_consultation() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);
    o.next_stage_to(PRESENTATION);
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.tui.terminate();
    let status = o.tui.wait_exit();
    assert_eq!(status.exit_code(), 1, "{status:?}");
    o.tui.wait_until(
        "the primary screen with a visible cursor after SIGTERM",
        |s| !s.alternate_screen() && !s.hide_cursor(),
    );
    assert!(o.tui.cooked(), "raw mode left on after SIGTERM");
    o.tui
        .wait_for("stopped by signal 15; every action shown as done was saved");

    let store = open_store(&sandbox);
    let open = store
        .unfinished(OFFICER)
        .expect("unfinished")
        .expect("the consultation is kept for resumption");
    assert_eq!(offer(&open, "debit_card").outcome, Some(Outcome::Accepted));
}

// ─────────────────────────── 7. resizing ───────────────────────────

#[test]
fn a_small_window_asks_for_a_larger_one_and_recovers() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);

    o.tui.resize(60, 20);
    o.wait_for(&text::too_small(Lang::En, 60, 20)[..40]);
    o.tui.resize(120, 40);
    o.wait_for_header(DEPOSIT, "Catch 0/2");
    o.tui.assert_absent("too small");
    // Still working: a stage move is stored and acknowledged.
    o.next_stage_to(PRESENTATION);
    // The smallest size laid out: the narrow consultation, stages as one line.
    o.tui.resize(80, 24);
    o.wait_for(" 3/5");
    o.tui.wait_gone(&format!("{} ─", o.tx().stages));
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.tui.resize(120, 40);
    o.press("q", o.tx().confirm_quit_title);
    o.send("y");
    assert!(o.tui.wait_exit().success());
}

/// A key pressed as the window changes size is not lost: the officer drags the window and
/// types at once. (crossterm's default epoll source dropped the key when the resize signal
/// and the key became ready in the same wait; the `use-dev-tty` source polls level-triggered.)
#[test]
fn a_key_pressed_while_resizing_is_not_lost() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    o.wait_home();
    let help = format!("{} ─", o.tx().help_title);
    for round in 0..40u16 {
        let (cols, rows) = if round % 2 == 0 { (120, 40) } else { (100, 30) };
        o.tui.resize(cols, rows);
        o.send("?");
        o.wait_for(&help);
        o.tui.resize(cols - 10, rows - 4);
        o.send("?");
        o.tui.wait_gone(&help);
    }
    o.send("q");
    assert!(o.tui.wait_exit().success());
}

// ─────────────────────────── long commands ───────────────────────────

/// Runs `sufler ARGS` in a terminal to its end, waits until `result` is on the screen and
/// `gone` is not; everything it wrote, raw.
fn run_on_a_terminal(sandbox: &Sandbox, args: &[&str], result: &str, gone: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut tui = Tui::spawn(sandbox, &args, 120, 40);
    assert!(
        tui.wait_exit().success(),
        "sufler {args:?}:\n{}",
        tui.screen()
    );
    tui.wait_for(result);
    for text in gone {
        tui.wait_gone(text);
    }
    String::from_utf8_lossy(&tui.raw()).into_owned()
}

/// On a terminal the long commands (demo, verify, backup, restore with its verify, a detail
/// export) show a progress line, and erase it when done: the result line stands alone.
#[test]
fn long_commands_show_progress_on_a_terminal_and_erase_it() {
    let sandbox = Sandbox::new();
    let db = sandbox.db();
    let db = db.to_str().expect("utf-8 path");
    let steps: [(&str, Vec<&str>, &[&str], &str); 5] = [
        (
            "demo",
            vec![
                "demo",
                "--db",
                db,
                "--consultations",
                "5000",
                "--clients",
                "500",
            ],
            &["demo ["],
            "demo: 5000 consultations",
        ),
        (
            "verify",
            vec!["verify", "--db", db],
            &["verify [", "100.0 %"],
            "verified 5000 consultations",
        ),
        (
            "backup",
            vec!["backup", "--db", db, "-o", "all.jsonl"],
            &["backup ["],
            "backup written to all.jsonl",
        ),
        (
            "restore",
            vec!["restore", "all.jsonl", "--db", "again"],
            &["restore [", "verify ["],
            "restored all.jsonl",
        ),
        (
            "export",
            vec![
                "export",
                "--db",
                db,
                "--detail",
                "--format",
                "csv",
                "--from",
                "2000-01-01",
                "--to",
                "2100-12-31",
                "-o",
                "offers.csv",
            ],
            &["export: 4 096 rows…"],
            "",
        ),
    ];
    for (name, args, shown, result) in steps {
        // The result stays; the progress line is erased.
        let raw = run_on_a_terminal(&sandbox, &args, result, shown);
        for text in shown {
            assert!(raw.contains(text), "{name}: {text:?} never shown:\n{raw}");
        }
    }
    assert!(sandbox.path().join("offers.csv").is_file());
}

// ─────────────────────────── no terminal ───────────────────────────

/// Without a terminal (a service, a pipe, `ssh host sufler` without `-t`) the officer's screen
/// fails like any other error: `sufler: …` on stderr, exit 1, nothing on stdout.
#[test]
fn without_a_terminal_the_screen_fails_cleanly() {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let sandbox = Sandbox::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sufler"));
    cmd.arg("--db")
        .arg(sandbox.db())
        .args(["--officer", OFFICER, "--lang", "en"])
        .env_clear()
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe; it detaches the child from this process's
    // controlling terminal, so it cannot reach one through /dev/tty either.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("run sufler without a terminal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("sufler: "), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
}

#[test]
fn adding_a_duplicate_is_refused_and_the_existing_card_opens() {
    let sandbox = Sandbox::new();
    let db = sandbox.db();
    let args: Vec<String> = [
        "--db",
        db.to_str().expect("a UTF-8 tempdir path"),
        "--officer",
        OFFICER,
        "--branch",
        BRANCH,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // 80×24: the declared minimum.
    let mut o = Officer {
        tui: Tui::spawn(&sandbox, &args, 80, 24),
        lang: Lang::Ru,
        keys: &QWERTY,
    };
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.press(key::ESC, tx.find_hint);
    o.send(key::ESC);
    o.wait_home();
    // The same person typed in lower case with another phone: the same name and birth date.
    o.press("+", tx.new_client_intro);
    for field in [
        "иванов",
        "иван",
        "петрович",
        "+7 916 000-00-01",
        IVANOV.birth,
    ] {
        o.send(field);
        o.send(key::TAB);
    }
    o.wait_for(IVANOV.birth);
    o.send(key::ENTER);
    o.tui.wait_for_all(&[
        tx.same_title,
        "Иванов Иван Петрович",
        "+7 916 123-45-67 · 15.03.1980",
        tx.same_name,
    ]);
    // Esc: back to the form as typed; Enter again asks again; then Enter opens the card.
    o.send(key::ESC);
    o.tui.wait_gone(tx.same_title);
    o.wait_for("иванов");
    o.send(key::ENTER);
    o.wait_for(tx.same_title);
    o.send(key::ENTER);
    o.tui.wait_for_all(&[
        &format!("{} · {}", tx.app_name, tx.client_title),
        &IVANOV.full_name(),
        "+7 916 123-45-67",
    ]);
    o.send("q");
    let status = o.tui.wait_exit();
    assert!(status.success(), "sufler exited with {status:?}");

    let store = open_store(&sandbox);
    assert_eq!(store.clients().count(), 1, "no second record");
    let c = stored_client(&store, &IVANOV);
    assert_eq!(c.phone, "79161234567", "the existing client is unchanged");
}

// ─────────────────────────── issue 12: answers land where the officer meant ───────────────────────────

#[test]
fn after_an_answer_one_t_goes_to_prompt_one_not_the_main_product() {
    // The bug: after an answer the prompts renumbered and the pick stayed on, so `1 т` (т is
    // `n` on the Russian layout) recorded the *main product* as declined, and `1 y` turned a
    // recorded decline into an agreement without a word.
    let sandbox = Sandbox::new();
    let mut o = Officer {
        tui: sandbox.spawn(&[]),
        lang: Lang::Ru,
        keys: &RUSSIAN_LAYOUT,
    };
    let tx = o.tx();
    o.wait_home();
    o.add_client(&SIDOROVA);
    o.begin(DEPOSIT);
    o.next_stage_to(PRESENTATION);
    let card = o.tui.number_of(DEBIT_CARD);
    let app = o.tui.number_of(MOBILE_BANK);
    assert_eq!((card, app), ('1', '2'));
    // Prompt 2 first: it joins the offers and keeps its number; 1 is still the card.
    o.offer(MOBILE_BANK, Outcome::Accepted);
    assert_eq!(o.tui.number_of(MOBILE_BANK), '2');
    assert_eq!(o.tui.number_of(DEBIT_CARD), '1');
    o.wait_for(&format!("→ {DEPOSIT} ({})", tx.main_paren));
    o.press(
        "1",
        &format!("{} 1 · y n t → {DEBIT_CARD}", tx.picked_title),
    );
    o.press(
        "т",
        &text::done_outcome(Lang::Ru, DEBIT_CARD, Outcome::Declined),
    );
    o.wait_for(&format!("{} · {}", tx.main, tx.main_open));
    // `1 н` on the recorded decline asks first; `т` (no) keeps it.
    o.press(
        "1",
        &format!("{} 1 · y n t → {DEBIT_CARD}", tx.picked_title),
    );
    o.press("н", tx.confirm_change_title);
    o.wait_for(&format!("{} → {}", tx.out_declined, tx.out_accepted));
    o.press(
        "т",
        &text::already_recorded(Lang::Ru, DEBIT_CARD, Outcome::Declined),
    );
    o.finish();
    o.send(key::ENTER);
    o.wait_home();
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &SIDOROVA);
    assert_eq!(cs.len(), 1, "{cs:#?}");
    let c = &cs[0];
    assert_eq!(
        c.main_outcome, None,
        "the main product was never answered: {c:#?}"
    );
    assert_eq!(offer(c, "debit_card").outcome, Some(Outcome::Declined));
    assert_eq!(offer(c, "mobile_bank").outcome, Some(Outcome::Accepted));
}

const DEPOSIT_MAX: &str = "Вклад «Максимум»";
const DEBIT_OVERDRAFT: &str = "Дебетовая карта «Плюс» с овердрафтом";

/// #14: the deposit sold in its better version through the presentation's upsell prompt.
#[test]
fn a_deposit_sold_in_its_better_version_through_the_upsell() {
    let sandbox = Sandbox::new();
    let mut o = Officer {
        tui: sandbox.spawn(&[]),
        lang: Lang::Ru,
        keys: &RUSSIAN_LAYOUT,
    };
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(DEPOSIT);
    o.next_stage_to(PRESENTATION);
    // Numbered with the catch prompts, tagged as an upgrade, with its cue.
    o.tui.wait_for_all(&[DEPOSIT_MAX, tx.upsell_tag]);
    o.offer(DEBIT_CARD, Outcome::Accepted);
    o.offer(DEPOSIT_MAX, Outcome::Accepted);
    // The header's main slot says what was sold.
    o.wait_for(&format!("✓ {}: {DEPOSIT_MAX}", tx.main_sold));
    o.wait_for("Лови момент 1/2 ✓1");
    o.finish();
    o.wait_for(&format!(
        "{}: ✓ {}: {DEPOSIT_MAX}",
        tx.main_cap, tx.main_sold
    ));
    // One product for the main slot, one catch: two, not three.
    o.wait_for(&format!("{}: 2", tx.products_sold));
    o.send(key::ENTER);
    o.wait_home();
    o.quit_from_home();

    let store = open_store(&sandbox);
    let cs = consultations(&store, &IVANOV);
    assert_eq!(cs.len(), 1, "{cs:#?}");
    let c = &cs[0];
    // The record keeps both ids: the main product, and the better version it was sold as.
    assert_eq!(c.main, "deposit");
    assert_eq!(c.main_outcome, Some(Outcome::Accepted));
    let up = offer(c, "deposit_max");
    assert_eq!(up.technique, Technique::Upsell);
    assert_eq!(up.outcome, Some(Outcome::Accepted));
    let client = stored_client(&store, &IVANOV);
    let held = store.holdings(client.id).expect("holdings");
    assert!(
        held.contains("deposit_max") && !held.contains("deposit"),
        "{held:?}"
    );
}

/// #14: a credit card declined, then the client saved by the downsell; the main product
/// cannot then be marked sold by mistake.
#[test]
fn a_credit_card_declined_then_saved_by_the_downsell() {
    let sandbox = Sandbox::new();
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en"]));
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin(CREDIT_CARD);
    // Declined on the very first stage: the fallback shows at once.
    o.main_outcome(CREDIT_CARD, Outcome::Declined);
    o.tui.wait_for_all(&[DEBIT_OVERDRAFT, tx.downsell_tag]);
    o.offer(DEBIT_OVERDRAFT, Outcome::Accepted);
    o.wait_for(&format!("✓ {}: {DEBIT_OVERDRAFT}", tx.main_fallback));
    // `y` with nothing picked is the main product: refused at once, said, nothing changed.
    o.send(o.keys.yes);
    o.wait_for("accepted in place of the main product");
    o.tui.assert_absent(tx.confirm_change_title);
    o.finish();
    o.wait_for(&format!(
        "{}: ✓ {}: {DEBIT_OVERDRAFT}",
        tx.main_cap, tx.main_fallback
    ));
    o.send(key::ENTER);
    o.wait_home();
    o.quit_from_home();

    let store = open_store(&sandbox);
    let c = &consultations(&store, &IVANOV)[0];
    assert_eq!(c.main_outcome, Some(Outcome::Declined));
    let down = offer(c, "debit_overdraft");
    assert_eq!(down.technique, Technique::Downsell);
    assert_eq!(down.outcome, Some(Outcome::Accepted));
    assert_eq!(down.stage, "greeting");
}

/// #14: a catalogue written only in TOML (tests/fixtures/mortgage: a mortgage with an upsell
/// and a downsell) runs in the screen with no code change.
#[test]
fn a_mortgage_catalogue_written_only_in_toml_runs_its_upsell_and_downsell() {
    let sandbox = Sandbox::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mortgage");
    let dir = dir.to_str().expect("a UTF-8 path");
    let mut o = Officer::en(sandbox.spawn(&["--lang", "en", "--catalog", dir]));
    let tx = o.tx();
    o.wait_home();
    o.add_client(&IVANOV);
    o.begin("Ипотека «Новоселье»");
    o.press(key::RIGHT, &text::done_stage(o.lang, "Презентация"));
    o.tui.wait_for_all(&[
        "Ипотека «Новоселье Плюс»",
        tx.upsell_tag,
        "Страхование квартиры",
    ]);
    o.main_outcome("Ипотека «Новоселье»", Outcome::Declined);
    // Declined: the better version goes, the fallback comes.
    o.tui.wait_for("Ипотека на вторичное жильё");
    o.tui.wait_gone("Ипотека «Новоселье Плюс»");
    o.offer("Ипотека на вторичное жильё", Outcome::Accepted);
    o.wait_for(&format!(
        "✓ {}: Ипотека на вторичное жильё",
        tx.main_fallback
    ));
    o.finish();
    o.send(key::ENTER);
    o.wait_home();
    o.quit_from_home();

    let store = open_store(&sandbox);
    let c = &consultations(&store, &IVANOV)[0];
    assert_eq!(c.main, "mortgage");
    assert_eq!(c.main_outcome, Some(Outcome::Declined));
    let down = offer(c, "mortgage_secondary");
    assert_eq!(
        (down.technique, down.outcome),
        (Technique::Downsell, Some(Outcome::Accepted))
    );
    assert_eq!(
        c.catalog.as_ref().and_then(|v| v.label.as_deref()),
        Some("ипотека-1"),
        "the consultation records the catalogue it ran on"
    );
}

/// `--officer NAME` without `--branch` on a database that knows the officer keeps their
/// branch: the header shows it and the stored officer keeps it (the tester's F2: new records
/// were saved with no branch, and the branch report counted the officer twice).
#[test]
fn officer_alone_keeps_the_branch_the_database_knows() {
    let sandbox = Sandbox::new();
    {
        let store = SledStore::open(&sandbox.db()).expect("create the database");
        store
            .save_officer(&sufler::store::Officer {
                name: OFFICER.into(),
                branch: BRANCH.into(),
            })
            .expect("save officer");
    }
    let args: Vec<String> = [
        "--db",
        sandbox.db().to_str().expect("a UTF-8 path"),
        "--officer",
        OFFICER,
        "--lang",
        "en",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut o = Officer::en(Tui::spawn(&sandbox, &args, 120, 40));
    o.wait_home();
    o.tui.wait_for(BRANCH);
    o.tui.send("q");
    let status = o.tui.wait_exit();
    assert!(status.success(), "{status:?}");
    let store = open_store(&sandbox);
    let stored = store.officer(OFFICER).expect("read").expect("the officer");
    assert_eq!(stored.branch, BRANCH);
}
