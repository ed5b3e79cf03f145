//! A working day at the officer's screen (issue #12, "Tests and evidence"; DESIGN §4): the
//! real binary in an 80×24 pseudo-terminal, on the bundled catalogue, in Russian, over two
//! days set with `SUFLER_TODAY`.
//!
//! Day 1 (Tuesday 01.12.2026): client A consults about a deposit and will think about the
//! debit card (called back tomorrow); A typed again in lower case is refused as a duplicate;
//! client B is edited, has a product entered as held, and is not prompted for it; the
//! consultations of B and of client C are left unfinished, and home lists both.
//! Day 2: home lists A's call back with the phone, the call records a yes, and one of the
//! unfinished consultations is resumed and finished. After the process exits the database
//! passes `sufler verify`, `sufler stats` shows the call, and the store holds what was done.
//!
//! Every wait is for text on the screen, never a fixed sleep; a failed wait prints the
//! screen.

// Not every shared helper is used here.
#[allow(dead_code)]
mod common;

use std::process::Command;

use common::pty::{key, Sandbox, Tui, BRANCH, OFFICER};
use sufler::consultation::{CallOutcome, Client, Outcome};
use sufler::store::{SledStore, Store};
use sufler::tui::text::{self, Lang, T};

/// Keys the shared ones do not name.
const UP: &str = "\x1b[A";
const DOWN: &str = "\x1b[B";
const BACKSPACE: &str = "\x7f";

const DAY_1: &str = "2026-12-01";
const DAY_2: &str = "2026-12-02";

// The bundled catalogue's names, as the screen shows them.
const DEPOSIT: &str = "Вклад «Доходный»";
const CREDIT_CARD: &str = "Кредитная карта «Свобода»";
const DEBIT_CARD: &str = "Дебетовая карта «Плюс»";
const MOBILE_BANK: &str = "Мобильный и интернет-банк";
const SAVINGS: &str = "Накопительный счёт «Копилка»";

/// The stages of the bundled scripts, in order.
const STAGES: [&str; 5] = [
    "Приветствие",
    "Выявление потребностей",
    "Презентация",
    "Работа с возражениями",
    "Завершение сделки",
];
const PRESENTATION: &str = "Презентация";

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

/// A: the deposit, thinking about the debit card; consents to calls.
const SMIRNOVA: NewClient = NewClient {
    last: "Смирнова",
    first: "Ольга",
    patronymic: "Ивановна",
    phone: "+7 916 123-45-67",
    birth: "05.05.1980",
};

/// B: edited (the phone), holds a debit card.
const KUZNETSOV: NewClient = NewClient {
    last: "Кузнецов",
    first: "Пётр",
    patronymic: "Николаевич",
    phone: "8 903 555-12-34",
    birth: "12.07.1990",
};
const KUZNETSOV_NEW_PHONE: &str = "+7 903 777-00-11";

/// C: a credit card consultation left unfinished, finished the next day.
const ORLOVA: NewClient = NewClient {
    last: "Орлова",
    first: "Анна",
    patronymic: "Сергеевна",
    phone: "+7 926 111-22-33",
    birth: "01.01.1970",
};

/// The officer at the keyboard, in Russian, on the QWERTY layout.
struct Officer {
    tui: Tui,
}

impl Officer {
    /// The screen at 80×24 on `day`.
    fn start(sandbox: &Sandbox, day: &str) -> Officer {
        let tui = Tui::spawn_env(
            sandbox,
            &sandbox.args(&[]),
            80,
            24,
            &[("SUFLER_TODAY", day)],
        );
        Officer { tui }
    }

    fn tx(&self) -> &'static T {
        text::t(Lang::Ru)
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

    fn wait_for_all(&self, texts: &[&str]) {
        self.tui.wait_for_all(texts);
    }

    /// The home screen on `date` (as the header shows it, `дд.мм.гггг`).
    fn wait_home(&self, date: &str) {
        let tx = self.tx();
        self.wait_for_all(&[
            &format!("{} · {}", tx.app_name, tx.home_title),
            &format!("{OFFICER} · {BRANCH} · {date}"),
        ]);
    }

    /// The client card of `c`.
    fn wait_card(&self, c: &NewClient) {
        let tx = self.tx();
        self.wait_for_all(&[
            &format!("{} · {}", tx.app_name, tx.client_title),
            &c.full_name(),
        ]);
    }

    /// Types the new-client form's fields, one Tab after each (the segment is left empty).
    fn type_fields(&mut self, fields: [&str; 5]) {
        for field in fields {
            self.send(field);
            self.send(key::TAB);
        }
        self.wait_for(fields[4]);
    }

    /// From home: `+`, the form filled in (with the consent to calls ticked when asked),
    /// Enter; ends on the new client's card.
    fn add_client(&mut self, c: &NewClient, consent: bool) {
        let tx = self.tx();
        self.press("+", tx.new_client_intro);
        self.type_fields([c.last, c.first, c.patronymic, c.phone, c.birth]);
        if consent {
            // Past the segment: the consent row, default no; Space ticks it.
            self.send(key::TAB);
            self.press(" ", "[x] да");
        }
        self.send(key::ENTER);
        self.wait_for(tx.client_added);
        self.wait_card(c);
    }

    /// From the client's card: Enter, the main product by its number, Enter; ends on the
    /// consultation's first stage.
    fn begin(&mut self, main: &str) {
        let tx = self.tx();
        self.press(key::ENTER, tx.choose_question);
        let n = self.tui.number_of(main);
        self.press(&n.to_string(), &format!("▶ {n} {main}"));
        self.send(key::ENTER);
        self.wait_for_all(&[
            &format!("· {main}"),
            &format!("{} · {}", tx.main, tx.main_open),
        ]);
        self.tui.wait_gone(tx.saving);
    }

    /// `→` stage by stage from the first to `title`, each move acknowledged (stored).
    fn go_to_stage(&mut self, title: &str) {
        let target = STAGES
            .iter()
            .position(|s| *s == title)
            .unwrap_or_else(|| panic!("{title:?} is not a stage of the bundled scripts"));
        // At 80 columns the stage line shortens the titles; the count at its end says
        // which is current.
        let count = |n: usize| format!("{n}/{}", STAGES.len());
        self.wait_for(&count(1));
        for stage in &STAGES[1..=target] {
            self.send(key::RIGHT);
            self.wait_for(&text::done_stage(Lang::Ru, stage));
        }
        self.wait_for_all(&[&count(target + 1), &format!("Говорите · {title}")]);
    }

    /// Picks `product`'s prompt by the number shown beside it.
    fn pick(&mut self, product: &str) {
        let n = self.tui.number_of(product);
        let picked = format!("{} {n} · y n t → {product}", self.tx().picked_title);
        self.press(&n.to_string(), &picked);
    }

    /// `y` with nothing picked: the main product accepted.
    fn accept_main(&mut self, main: &str) {
        let tx = self.tx();
        let full = format!("→ {main} ({})", tx.main_paren);
        let short = format!("→ {}", tx.main_lower);
        self.tui.wait_until("y n t → the main product", |screen| {
            let text = screen.contents();
            text.contains(&full) || text.contains(&short)
        });
        let named = text::main_named(Lang::Ru, main);
        self.press(
            "y",
            &text::done_outcome(Lang::Ru, &named, Outcome::Accepted),
        );
        self.wait_for(&format!("{} ✓ {}", tx.main, tx.main_sold));
    }

    /// `f`, answering `y` when it asks (the formula not met); the summary, then Enter home.
    fn finish(&mut self, summary: &[&str], date: &str) {
        let tx = self.tx();
        self.send("f");
        self.tui
            .wait_until("the summary or the finish question", |screen| {
                let text = screen.contents();
                text.contains(tx.done_finished) || text.contains(tx.confirm_finish_title)
            });
        if self.tui.screen().contains(tx.confirm_finish_title) {
            self.press("y", tx.done_finished);
        }
        self.wait_for(&format!("{} · {}", tx.app_name, tx.summary_title));
        self.wait_for_all(summary);
        self.send(key::ENTER);
        self.wait_home(date);
    }

    /// Esc in a consultation with nothing picked: the question to leave, `y`; ends on home.
    fn leave_unfinished(&mut self, date: &str) {
        let tx = self.tx();
        self.press(key::ESC, tx.confirm_leave_title);
        self.send("y");
        self.wait_home(date);
    }

    /// `q` on home with consultations unfinished: it asks, `y`; the program exits 0.
    fn quit_confirmed(&mut self) {
        let tx = self.tx();
        self.press("q", tx.confirm_quit_title);
        self.send("y");
        let status = self.tui.wait_exit();
        assert!(status.success(), "sufler exited with {status:?}");
    }
}

#[test]
fn a_working_day_and_the_call_back_on_the_next() {
    let sandbox = Sandbox::new();
    let mut o = Officer::start(&sandbox, DAY_1);
    let tx = o.tx();

    // ───── Day 1, Tuesday 01.12.2026 ─────
    o.wait_home("01.12.2026");
    o.wait_for(tx.home_no_follow_ups);

    // 1. Client A: a deposit; the debit card "thinking", to be called tomorrow (↑ = the next working day).
    o.add_client(&SMIRNOVA, true);
    o.wait_for("Согласие на звонки: да");
    o.begin(DEPOSIT);
    o.go_to_stage(PRESENTATION);
    o.pick(DEBIT_CARD);
    o.press("t", text::call_day_title(Lang::Ru));
    o.wait_for_all(&["  ср 02.12", "▶ пт 04.12", "  вт 08.12"]);
    o.press(UP, "▶ ср 02.12");
    o.send(key::ENTER);
    o.wait_for(&format!(
        "{}, перезвонить 02.12",
        text::done_outcome(Lang::Ru, DEBIT_CARD, Outcome::Thinking)
    ));
    o.wait_for(&format!("{DEBIT_CARD} — думает, перезвонить 02.12"));
    o.accept_main(DEPOSIT);
    o.finish(
        &[
            &format!(
                "{SMIRNOVA_NAME} · {DEPOSIT}",
                SMIRNOVA_NAME = SMIRNOVA.full_name()
            ),
            &format!("{}: ✓ {}", tx.main_cap, tx.main_sold),
            &format!("{DEBIT_CARD} · лови момент · перезвонить 02.12.2026"),
        ],
        "01.12.2026",
    );
    o.wait_for("Смирнова О. И. · формула ✗");

    // 2. A again, in lower case with another phone and the same birth date: refused, and
    // Enter opens the existing card.
    o.press("+", tx.new_client_intro);
    o.type_fields([
        "смирнова",
        "ольга",
        "ивановна",
        "+7 916 000-00-01",
        SMIRNOVA.birth,
    ]);
    o.send(key::ENTER);
    o.wait_for_all(&[
        tx.same_title,
        &SMIRNOVA.full_name(),
        &format!("{} · {}", SMIRNOVA.phone, SMIRNOVA.birth),
        tx.same_name,
    ]);
    o.send(key::ENTER);
    o.tui.wait_gone(tx.same_title);
    o.wait_card(&SMIRNOVA);
    o.wait_for_all(&[
        &format!("{} · {} (46 лет)", SMIRNOVA.phone, SMIRNOVA.birth),
        &format!("{}: {DEPOSIT}", tx.client_holds),
        &format!("Перезвонить: 02.12 {DEBIT_CARD}"),
        "Консультации (1)",
    ]);
    o.press(key::ESC, tx.find_hint);
    o.send(key::ESC);
    o.wait_home("01.12.2026");

    // 3. Client B: the phone edited on the card, the debit card entered as held, and a
    // deposit consultation that does not prompt it.
    o.add_client(&KUZNETSOV, false);
    o.wait_for("+7 903 555-12-34");
    o.press("e", tx.edit_client_title);
    o.wait_for("+7 903 555-12-34");
    // Surname, name, patronymic: Tab to the phone, erase it, type the new one.
    for _ in 0..3 {
        o.send(key::TAB);
    }
    o.send(&BACKSPACE.repeat("+7 903 555-12-34".chars().count()));
    o.send(KUZNETSOV_NEW_PHONE);
    o.wait_for(&format!("Телефон             {KUZNETSOV_NEW_PHONE}"));
    o.send(key::ENTER);
    o.wait_for(tx.client_updated);
    o.wait_card(&KUZNETSOV);
    o.wait_for(&format!("{KUZNETSOV_NEW_PHONE} · {}", KUZNETSOV.birth));
    o.tui.assert_absent("555-12-34");

    o.press("h", tx.holdings_title);
    o.hold(DEBIT_CARD);
    o.press(key::ESC, &format!("{}: {DEBIT_CARD}", tx.client_holds));
    o.wait_card(&KUZNETSOV);

    o.begin(DEPOSIT);
    o.wait_for("продуктов: 1");
    o.go_to_stage(PRESENTATION);
    // The presentation's catch moments are the debit card, the app and the savings account:
    // the card is held, so two are left, another product the deposit links takes the card's
    // place further down, and the deposit's upsell is fourth.
    o.wait_for_all(&["Подсказки 1–4", MOBILE_BANK, SAVINGS]);
    o.tui.assert_absent(DEBIT_CARD);

    // 4. B's consultation left unfinished; C's too: home lists both.
    o.leave_unfinished("01.12.2026");
    o.wait_for(&format!("{} (1)", tx.home_unfinished));
    o.add_client(&ORLOVA, false);
    o.begin(CREDIT_CARD);
    o.leave_unfinished("01.12.2026");
    o.wait_for_all(&[
        &format!("{} (2)", tx.home_unfinished),
        &format!("Орлова А. С. · {CREDIT_CARD}"),
        &format!("Кузнецов П. Н. · {DEPOSIT}"),
        "3 консультации",
    ]);

    // 5. Quit: it asks, because consultations are unfinished.
    o.quit_confirmed();

    // ───── Day 2, Wednesday 02.12.2026 ─────
    let mut o = Officer::start(&sandbox, DAY_2);
    o.wait_home("02.12.2026");
    o.wait_for_all(&[
        &format!("{} (1)", tx.home_follow_ups),
        &format!("02.12 Смирнова О. И. ☎ {}", SMIRNOVA.phone),
        DEBIT_CARD,
        &format!("{} (2)", tx.home_unfinished),
        "▶ 01.12 ",
    ]);
    // The two unfinished consultations come first, then the call back.
    o.send(DOWN);
    o.send(DOWN);
    o.wait_for("▶ 02.12 Смирнова О. И.");
    o.press(key::ENTER, "Суфлёр · Звонок клиенту");
    o.wait_for_all(&[
        &format!("{}  ☎ {}", SMIRNOVA.full_name(), SMIRNOVA.phone),
        &format!("Продукт: {DEBIT_CARD}"),
        &format!("Ранее: 01.12 консультация ({DEPOSIT}) — думает"),
    ]);
    // The debit card has no disclosures: `y` records the yes at once.
    o.send("y");
    o.wait_home("02.12.2026");
    o.wait_for_all(&[
        &format!("Записано: {DEBIT_CARD} — согласие"),
        tx.home_no_follow_ups,
    ]);
    o.tui.assert_absent(&format!("{} (1)", tx.home_follow_ups));
    o.tui.assert_absent("☎");

    // C's consultation, the first unfinished one, resumed from home and finished. The
    // cursor stayed where the call was, now the last row; ↑ twice brings it to the first.
    o.wait_for("▶ 01.12 ");
    o.wait_for(&format!("· Орлова А. С. · {CREDIT_CARD}"));
    o.send(UP);
    o.send(UP);
    o.tui
        .wait_until("the cursor on Орлова's consultation", |s| {
            s.contents()
                .lines()
                .any(|l| l.contains('▶') && l.contains("Орлова А. С."))
        });
    let first_is_orlova = o
        .tui
        .screen()
        .lines()
        .any(|l| l.contains('▶') && l.contains("Орлова А. С."));
    assert!(first_is_orlova, "{}", o.tui.screen());
    o.send(key::ENTER);
    o.wait_for(&format!("{} {}, ", ORLOVA.first, ORLOVA.patronymic));
    o.wait_for(&format!("· {CREDIT_CARD}"));
    o.accept_main(CREDIT_CARD);
    o.finish(
        &[
            &format!("{} · {CREDIT_CARD}", ORLOVA.full_name()),
            &format!("{}: ✓ {}", tx.main_cap, tx.main_sold),
        ],
        "02.12.2026",
    );
    o.wait_for_all(&[
        &format!("{} (1)", tx.home_unfinished),
        &format!("Кузнецов П. Н. · {DEPOSIT}"),
    ]);
    o.tui.assert_absent("Орлова");
    o.quit_confirmed();

    // ───── After the day ─────
    let db = sandbox.db();
    let db = db.to_str().expect("a UTF-8 tempdir path");
    let verify = cli(&sandbox, &["verify", "--db", db]);
    assert!(verify.status.success(), "verify: {verify:?}");
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(out.contains("ok"), "verify: {out}");

    let stats = cli(&sandbox, &["stats", "--db", db, "--month", "2026-12"]);
    assert!(stats.status.success(), "stats: {stats:?}");
    let out = String::from_utf8_lossy(&stats.stdout).into_owned();
    assert_call_backs_table(&out);

    let store = SledStore::open(&sandbox.db()).expect("open the database the screen wrote");
    assert_eq!(store.clients().count(), 3, "A, B and C, no duplicate of A");
    let a = stored_client(&store, &SMIRNOVA);
    assert_eq!(
        a.phone, "79161234567",
        "the duplicate attempt changed nothing"
    );
    assert!(a.calls_consent, "A consented to calls");
    let b = stored_client(&store, &KUZNETSOV);
    assert_eq!(b.phone, "79037770011", "B's new phone is stored");
    let held = store.holdings(b.id).expect("B's holdings");
    assert!(
        held.contains("debit_card"),
        "B holds the debit card: {held:?}"
    );

    let contacts = store.contacts_of_client(a.id).expect("A's contacts");
    assert_eq!(contacts.len(), 1, "{contacts:#?}");
    assert_eq!(contacts[0].outcome, CallOutcome::Accepted, "{contacts:#?}");
    assert_eq!(contacts[0].product, "debit_card");
    assert_eq!(contacts[0].at.date().to_string(), DAY_2);
    assert!(
        store
            .open_call_backs(a.id)
            .expect("A's call backs")
            .is_empty(),
        "A's call back is answered"
    );
    assert!(
        store
            .holdings(a.id)
            .expect("A's holdings")
            .contains("debit_card"),
        "A holds the card she agreed to on the call"
    );

    let c = stored_client(&store, &ORLOVA);
    let cs = store
        .consultations_of_client(c.id)
        .expect("C's consultations");
    assert_eq!(cs.len(), 1, "{cs:#?}");
    assert!(cs[0].finished_at.is_some(), "C's consultation is finished");
    assert_eq!(cs[0].main_outcome, Some(Outcome::Accepted));
    let bs = store
        .consultations_of_client(b.id)
        .expect("B's consultations");
    assert_eq!(bs.len(), 1, "{bs:#?}");
    assert!(
        bs[0].finished_at.is_none(),
        "B's consultation is still open"
    );
    assert!(
        bs[0].offers.iter().all(|o| o.product != "debit_card"),
        "the held card was not offered: {:#?}",
        bs[0].offers
    );
}

impl Officer {
    /// On the holdings screen: ↓ to `product`, Space, `y` to the question.
    fn hold(&mut self, product: &str) {
        let tx = self.tx();
        // The list starts on its first row; the product is some rows below it.
        let screen = self.tui.screen();
        let rows: Vec<&str> = screen.lines().collect();
        let first = rows
            .iter()
            .position(|l| l.contains("▶ [ ]"))
            .unwrap_or_else(|| panic!("the selection on the holdings list:\n{screen}"));
        let at = rows
            .iter()
            .position(|l| l.contains(product))
            .unwrap_or_else(|| panic!("{product} on the holdings list:\n{screen}"));
        for _ in first..at {
            self.send(DOWN);
        }
        self.wait_for(&format!("▶ [ ] {product}"));
        self.press(" ", tx.holding_ask_title);
        self.press("y", &text::holding_added(Lang::Ru, product));
        self.wait_for(&format!("▶ [✓] {product}"));
    }
}

/// `sufler …` run to its end, with the environment cleared as for the screen.
fn cli(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sufler"))
        .args(args)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .current_dir(sandbox.path())
        .output()
        .expect("run sufler")
}

/// The stats' call-backs table: one call, answered yes.
fn assert_call_backs_table(out: &str) {
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Перезвоны"))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert!(!table.is_empty(), "no call-backs table in:\n{out}");
    assert!(
        !table.iter().any(|l| l.contains("нет данных")),
        "the call-backs table is empty:\n{out}"
    );
    // The title, the header, and one row per product called about.
    assert_eq!(table.len(), 3, "one product called about:\n{out}");
    let header: Vec<&str> = table[1].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "Продукт",
            "Название",
            "Звонков",
            "Ответили",
            "Согласие",
            "Отказ",
            "Думает",
            "Не",
            "дозвонились",
            "Конверсия"
        ],
        "the header:\n{out}"
    );
    let row: Vec<&str> = table[2].split_whitespace().collect();
    assert_eq!(
        row,
        [
            "debit_card",
            "Дебетовая",
            "карта",
            "«Плюс»",
            "1",
            "1",
            "1",
            "0",
            "0",
            "0",
            "100,0",
            "%"
        ],
        "one call, answered yes:\n{out}"
    );
}

fn stored_client(store: &SledStore, c: &NewClient) -> Client {
    let found = store
        .search_clients(&format!("{} {}", c.last, c.first), 10)
        .expect("search clients");
    assert_eq!(found.len(), 1, "one client {}: {found:?}", c.full_name());
    found.into_iter().next().expect("one client")
}
