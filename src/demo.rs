//! `sufler demo`: a deterministic synthetic history for demonstrations and benchmarks
//! (DESIGN §6, §9).
//!
//! Branches, officers, clients with Russian names, initial holdings, then consultations spread
//! over the months before `until`. Every consultation is played through the real engine
//! ([`crate::consultation`]) with a context built exactly as the officer's screen builds it —
//! the client's holdings and declines, this officer's plan figures this month and phrase
//! rotation, all as they stand at that moment of the history — so candidates, cooldowns,
//! eligibility, rotation, the disclosure gate and the offer cap hold for every record.
//!
//! Same options, same catalogue → the same records (clients, holdings, consultations and
//! their ids). The randomness is a SplitMix64 seeded from `seed`; nothing reads the clock,
//! except the store's event-log timestamps.
//!
//! The history is generated on the calling thread while a second thread writes finished
//! batches through [`Store::add_clients`], [`Store::add_holdings`] and [`Store::save_all`],
//! so counters and indexes are maintained exactly as for the officer's own saves.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use thiserror::Error;

use crate::catalog::{Catalog, Technique};
use crate::consultation::{
    in_days, next_working_day, CallOutcome, Client, ClientHistory, Consultation, Contact, Context,
    EngineError, Month, Outcome, Prompt,
};
use crate::store::{EventKind, Officer, Store, StoreError};

/// Consultations per `save_all` transaction.
pub const CONSULTATION_BATCH: usize = 10_000;
/// Clients per `add_clients` transaction.
pub const CLIENT_BATCH: usize = 20_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub clients: u64,
    pub consultations: u64,
    /// The history covers this many months before `until`.
    pub months: u32,
    pub seed: u64,
    /// The last day of the history.
    pub until: NaiveDate,
}

/// One generated officer, with how closely they keep the formula.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOfficer {
    pub name: String,
    pub branch: String,
    /// Keeps the formula: makes nearly every catch and create offer the screen prompts.
    pub follows_formula: bool,
    /// The chance of making a prompted catch offer.
    pub catch_propensity: f64,
    /// The chance of making a prompted create offer.
    pub create_propensity: f64,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub consultations: u64,
    pub clients: u64,
    pub holdings: u64,
    pub offers: u64,
    pub unfinished: u64,
    /// Calls made on call backs before `until` (see [`make_calls`]).
    pub calls: u64,
    pub officers: Vec<DemoOfficer>,
    pub branches: usize,
    pub months: u32,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

#[derive(Debug, Error)]
pub enum DemoError {
    /// Demo data must never mix with real records.
    #[error("the database already holds {0}; demo data is never mixed with real records")]
    NotEmpty(&'static str),
    #[error("{0}")]
    Options(String),
    #[error("the catalogue has no main product (no script)")]
    NoMainProduct,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the engine refused a generated step: {0}")]
    Engine(#[from] EngineError),
    #[error("the writer thread stopped unexpectedly")]
    Writer,
}

// ───────────────────────────── randomness ─────────────────────────────

/// SplitMix64: small, fast, and the same sequence on every platform.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for `(seed, stream, index)`.
    fn of(seed: u64, stream: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let a = r.next_u64();
        Rng(a ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// A stable hash of a string (FNV-1a), for per-product traits that do not depend on order.
fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ───────────────────────────── names ─────────────────────────────

const MALE_FIRST: &[&str] = &[
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Валерий",
    "Виктор",
    "Владимир",
    "Геннадий",
    "Георгий",
    "Григорий",
    "Денис",
    "Дмитрий",
    "Евгений",
    "Егор",
    "Иван",
    "Игорь",
    "Илья",
    "Кирилл",
    "Константин",
    "Максим",
    "Михаил",
    "Никита",
    "Николай",
    "Олег",
    "Павел",
    "Роман",
    "Сергей",
    "Станислав",
    "Тимур",
    "Фёдор",
    "Юрий",
    "Ярослав",
];

const FEMALE_FIRST: &[&str] = &[
    "Александра",
    "Алина",
    "Алла",
    "Анастасия",
    "Анна",
    "Валентина",
    "Вера",
    "Вероника",
    "Виктория",
    "Галина",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Зоя",
    "Ирина",
    "Ксения",
    "Лариса",
    "Людмила",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Татьяна",
    "Юлия",
];

/// Patronymics from the father's name: (son's form, daughter's form).
const PATRONYMICS: &[(&str, &str)] = &[
    ("Александрович", "Александровна"),
    ("Алексеевич", "Алексеевна"),
    ("Анатольевич", "Анатольевна"),
    ("Андреевич", "Андреевна"),
    ("Борисович", "Борисовна"),
    ("Валерьевич", "Валерьевна"),
    ("Васильевич", "Васильевна"),
    ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"),
    ("Геннадьевич", "Геннадьевна"),
    ("Григорьевич", "Григорьевна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"),
    ("Ильич", "Ильинична"),
    ("Константинович", "Константиновна"),
    ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"),
    ("Петрович", "Петровна"),
    ("Романович", "Романовна"),
    ("Сергеевич", "Сергеевна"),
    ("Фёдорович", "Фёдоровна"),
    ("Юрьевич", "Юрьевна"),
];

/// Surnames in the masculine form; [`feminine`] gives the other.
const SURNAMES: &[&str] = &[
    "Абрамов",
    "Алексеев",
    "Белов",
    "Богданов",
    "Борисов",
    "Васильев",
    "Виноградов",
    "Волков",
    "Воробьёв",
    "Гаврилов",
    "Голубев",
    "Гончаренко",
    "Григорьев",
    "Дмитриев",
    "Егоров",
    "Жуков",
    "Зайцев",
    "Захаров",
    "Иванов",
    "Ильин",
    "Казаков",
    "Карпов",
    "Киселёв",
    "Ковалевский",
    "Козлов",
    "Кондратьев",
    "Королёв",
    "Кравченко",
    "Крылов",
    "Кузнецов",
    "Куликов",
    "Лебедев",
    "Макаров",
    "Медведев",
    "Миронов",
    "Морозов",
    "Никитин",
    "Новиков",
    "Орлов",
    "Павлов",
    "Петров",
    "Поляков",
    "Попов",
    "Романов",
    "Савельев",
    "Семёнов",
    "Смирнов",
    "Соколов",
    "Соловьёв",
    "Станиславский",
    "Степанов",
    "Тарасов",
    "Титов",
    "Федоров",
    "Фролов",
    "Шевченко",
    "Шубин",
    "Щербаков",
    "Яковлев",
];

/// The feminine form of a masculine surname: Иванов → Иванова, Ковалевский → Ковалевская;
/// surnames that do not change (Кравченко) stay as they are.
fn feminine(surname: &str) -> String {
    if let Some(stem) = surname
        .strip_suffix("ский")
        .or_else(|| surname.strip_suffix("цкий"))
    {
        let tail = if surname.ends_with("цкий") {
            "цкая"
        } else {
            "ская"
        };
        return format!("{stem}{tail}");
    }
    if ["ов", "ев", "ёв", "ин", "ын"]
        .iter()
        .any(|e| surname.ends_with(e))
    {
        return format!("{surname}а");
    }
    surname.to_string()
}

const SEGMENTS: &[&str] = &[
    "массовый",
    "массовый",
    "массовый",
    "зарплатный",
    "премиальный",
];
const PENSION_SEGMENT: &str = "пенсионный";

const BRANCHES: &[&str] = &[
    "Отделение «Тверское»",
    "Отделение «Невское»",
    "Отделение «Академическое»",
];

/// Officers per branch, written out (name, surname) so the demo cast reads naturally.
const OFFICER_NAMES: &[&str] = &[
    "Ольга Кузнецова",
    "Игорь Лебедев",
    "Марина Соколова",
    "Денис Орлов",
    "Екатерина Белова",
    "Анна Морозова",
    "Павел Захаров",
    "Светлана Егорова",
    "Роман Ильин",
    "Наталья Фролова",
    "Татьяна Волкова",
    "Алексей Миронов",
    "Юлия Крылова",
    "Кирилл Павлов",
    "Вера Титова",
];

/// "Not in the script": what clients say that scripts do not foresee.
const NOTES: &[&str] = &[
    "Спросил, можно ли всё оформить онлайн без визита",
    "Уже есть карта другого банка с кешбэком на АЗС",
    "Хочет посоветоваться с супругой",
    "Сравнивает с предложением другого банка, просит ставку выше",
    "Спросил, застрахованы ли деньги АСВ",
    "Просит прислать условия на электронную почту",
    "Торопится, попросил рассказать покороче",
    "Интересуется льготами для пенсионеров",
    "Спросил про перевод по номеру телефона без комиссии",
    "Боится мошенников, просит отключить переводы",
    "Хочет оформить продукт на взрослого сына",
    "Спросил, можно ли досрочно снять часть суммы",
    "Жалуется на очередь в отделении",
    "Спросил про валютные вклады",
];

// ───────────────────────────── the cast ─────────────────────────────

struct Staff {
    name: String,
    branch: String,
    follows: bool,
    catch_p: f64,
    create_p: f64,
    /// How well their phrasing lands, multiplies acceptance.
    skill: f64,
    rotation: BTreeMap<(String, Technique), u64>,
    plan_sold: BTreeMap<String, u64>,
    month: Month,
}

fn cast(seed: u64) -> Vec<Staff> {
    let mut rng = Rng::of(seed, 1, 0);
    let mut names: Vec<&str> = OFFICER_NAMES.to_vec();
    // A seeded shuffle, so different seeds give different rosters.
    for i in (1..names.len()).rev() {
        names.swap(i, rng.index(i + 1));
    }
    let mut names = names.into_iter();
    let mut out = Vec::new();
    for branch in BRANCHES {
        let count = 3 + rng.index(3);
        for i in 0..count {
            let Some(name) = names.next() else { break };
            // The first officer of each branch is the one who keeps the formula.
            let follows = i == 0;
            let (catch_p, create_p, skill) = if follows {
                (
                    0.9 + 0.08 * rng.unit(),
                    0.88 + 0.1 * rng.unit(),
                    1.05 + 0.1 * rng.unit(),
                )
            } else {
                let p = 0.3 + 0.35 * rng.unit();
                (p, p * (0.4 + 0.3 * rng.unit()), 0.8 + 0.2 * rng.unit())
            };
            out.push(Staff {
                name: name.to_string(),
                branch: branch.to_string(),
                follows,
                catch_p,
                create_p,
                skill,
                rotation: BTreeMap::new(),
                plan_sold: BTreeMap::new(),
                month: Month(0),
            });
        }
    }
    out
}

/// Client `index` of a run: the same index gives the same person (the id is the store's).
fn client_at(seed: u64, index: u64, born_from: NaiveDate, born_span: u64) -> Client {
    let mut rng = Rng::of(seed, 2, index);
    let female = rng.chance(0.55);
    let surname = *rng.pick(SURNAMES);
    let (first, last, patronymic) = if female {
        (
            *rng.pick(FEMALE_FIRST),
            feminine(surname),
            rng.pick(PATRONYMICS).1,
        )
    } else {
        (
            *rng.pick(MALE_FIRST),
            surname.to_string(),
            rng.pick(PATRONYMICS).0,
        )
    };
    let birth_date = born_from
        .checked_add_days(Days::new(rng.below(born_span)))
        .unwrap_or(born_from);
    // A bijection of the index modulo 10⁹ (the multiplier is coprime with 10): phones are
    // unique among up to a billion clients yet look random.
    let offset = Rng::of(seed, 3, 0).below(1_000_000_000);
    let number = (index.wrapping_mul(387_420_489).wrapping_add(offset)) % 1_000_000_000;
    let segment = if born_span > 0 && rng.chance(0.5) && birth_date.year() < 1966 {
        PENSION_SEGMENT
    } else {
        *rng.pick(SEGMENTS)
    };
    // About three clients in five agree to be called (drawn last: the rest stays as it was).
    let calls_consent = rng.chance(0.6);
    Client {
        id: 0,
        last_name: last,
        first_name: first.to_string(),
        patronymic: patronymic.to_string(),
        phone: format!("79{number:09}"),
        birth_date,
        segment: segment.to_string(),
        calls_consent,
    }
}

/// What the generator remembers of a client between meetings (product indices).
#[derive(Default, Clone)]
struct Memory {
    holds: Vec<u16>,
    declined: Vec<(u16, NaiveDate)>,
}

impl Memory {
    fn history(&self, products: &[String]) -> ClientHistory {
        ClientHistory {
            holdings: self
                .holds
                .iter()
                .map(|&i| products[usize::from(i)].clone())
                .collect(),
            declined_on: self
                .declined
                .iter()
                .map(|&(i, d)| (products[usize::from(i)].clone(), d))
                .collect(),
        }
    }

    fn hold(&mut self, p: u16) {
        if !self.holds.contains(&p) {
            self.holds.push(p);
        }
    }

    fn decline(&mut self, p: u16, day: NaiveDate) {
        match self.declined.iter_mut().find(|(q, _)| *q == p) {
            Some((_, d)) => *d = (*d).max(day),
            None => self.declined.push((p, day)),
        }
    }

    /// Takes a stored consultation in, as the store's `history` will see it next time:
    /// holdings only from finished ones, declines from all.
    fn record(&mut self, c: &Consultation, index_of: &dyn Fn(&str) -> Option<u16>) {
        let finished = c.finished_at.is_some();
        let main_day = c.finished_at.unwrap_or(c.started_at).date();
        let main = c.main_outcome.map(|o| (c.main.as_str(), o, main_day));
        let extras = c.offers.iter().filter_map(|o| {
            o.outcome.map(|outcome| {
                (
                    o.product.as_str(),
                    outcome,
                    o.outcome_at.unwrap_or(o.made_at).date(),
                )
            })
        });
        for (product, outcome, day) in main.into_iter().chain(extras) {
            let Some(p) = index_of(product) else { continue };
            match outcome {
                Outcome::Accepted if finished => self.hold(p),
                Outcome::Declined => self.decline(p, day),
                _ => {}
            }
        }
    }
}

// ───────────────────────────── behaviour ─────────────────────────────

/// How much better or worse each phrase variant converts, by its index: the second variant
/// is the clearly better one, so `stats --by variant` has something to show.
const VARIANT_EFFECT: &[f64] = &[1.0, 1.45, 0.8, 1.15, 0.9, 1.05];

fn variant_effect(variant: u32) -> f64 {
    VARIANT_EFFECT[variant as usize % VARIANT_EFFECT.len()]
}

/// A product's own appeal, stable across runs and catalogue order: 0.7 ..= 1.3.
fn product_appeal(id: &str) -> f64 {
    0.7 + (hash_str(id) % 601) as f64 / 1000.0
}

struct Plan<'a> {
    catalog: &'a Catalog,
    /// The trainer's phrase edit halfway through the history: consultations from then on
    /// run on this version.
    edit: Option<(NaiveDateTime, &'a Catalog)>,
    products: Vec<String>,
    mains: Vec<(&'a str, u64)>,
    main_weight: u64,
    born_from: NaiveDate,
    born_span: u64,
}

impl<'a> Plan<'a> {
    /// The catalogue in force at `at`.
    fn catalog_at(&self, at: NaiveDateTime) -> &'a Catalog {
        match self.edit {
            Some((from, edited)) if at >= from => edited,
            _ => self.catalog,
        }
    }

    fn index_of(&self, id: &str) -> Option<u16> {
        self.products
            .iter()
            .position(|p| p == id)
            .and_then(|i| u16::try_from(i).ok())
    }

    fn pick_main(&self, rng: &mut Rng) -> &str {
        let mut x = rng.below(self.main_weight);
        for (id, w) in &self.mains {
            if x < *w {
                return id;
            }
            x -= w;
        }
        self.mains[0].0
    }
}

/// Minutes as a duration.
fn minutes(n: u64) -> TimeDelta {
    TimeDelta::minutes(i64::try_from(n).unwrap_or(0))
}

/// Plays one meeting through the engine. `stop_at` leaves it unfinished on that stage.
#[allow(clippy::too_many_arguments)]
fn meeting(
    plan: &Plan<'_>,
    rng: &mut Rng,
    staff: &Staff,
    client: &Client,
    history: &ClientHistory,
    openness: f64,
    started_at: NaiveDateTime,
    stop_at: Option<usize>,
) -> Result<Consultation, DemoError> {
    let catalog = plan.catalog_at(started_at);
    let main = plan.pick_main(rng);
    let mut c = Consultation::start(
        0,
        started_at,
        &staff.name,
        &staff.branch,
        client.id,
        main,
        catalog,
    )?;
    let ctx = Context {
        catalog,
        client,
        history,
        today: started_at.date(),
        plan_sold: &staff.plan_sold,
        rotation: &staff.rotation,
    };
    let stages = c.script(catalog)?.stages.len();
    let mut clock = started_at;
    let closed_off = rng.chance(0.04);
    let note_on = rng.chance(0.07).then(|| rng.index(stages));
    let mut considered: Vec<String> = Vec::new();
    for stage in 0..stages {
        if stop_at == Some(stage) {
            c.goto_stage(stage, catalog)?;
            return Ok(c);
        }
        c.goto_stage(stage, catalog)?;
        clock += minutes(rng.between(1, 5));
        let last = stage + 1 == stages;
        if last && c.main_outcome.is_none() {
            let r = rng.unit();
            let outcome = if r < 0.72 {
                Outcome::Accepted
            } else if r < 0.82 {
                Outcome::Thinking
            } else {
                Outcome::Declined
            };
            c.set_main_outcome(outcome)?;
            if outcome == Outcome::Thinking {
                let main = c.main.clone();
                let day = clock.date().checked_add_days(Days::new(rng.between(1, 7)));
                c.set_call_back(&main, day)?;
            }
        }
        if note_on == Some(stage) {
            let about = c.offers.last().map(|o| o.product.clone());
            let note = NOTES[rng.index(NOTES.len())];
            c.add_note(note, about.as_deref(), clock, catalog)?;
        }
        if c.not_receptive {
            continue;
        }
        let prompts = c.prompts(&ctx);
        if closed_off && !prompts.is_empty() {
            c.mark_not_receptive()?;
            continue;
        }
        // Now and then the officer looks at the next create candidate (`c`).
        if prompts
            .iter()
            .any(|p| p.plan.is_some_and(|pl| pl.count > 1))
            && rng.chance(0.08)
        {
            c.cycle_create()?;
        }
        considered.clear();
        loop {
            let prompts = c.prompts(&ctx);
            let Some(prompt) = prompts
                .into_iter()
                .find(|p| !considered.contains(&p.product))
            else {
                break;
            };
            considered.push(prompt.product.clone());
            let p = match prompt.technique {
                Technique::Catch => staff.catch_p,
                Technique::Create => staff.create_p,
            };
            if !rng.chance(p) {
                continue;
            }
            let prompt = if prompt.variants.len() > 1 && rng.chance(0.05) {
                // The officer prefers another wording (`v`); the engine moves the variant.
                c.next_variant(&prompt.product, prompt.technique)?;
                match c
                    .prompts(&ctx)
                    .into_iter()
                    .find(|q| q.product == prompt.product)
                {
                    Some(q) => q,
                    None => prompt,
                }
            } else {
                prompt
            };
            clock += minutes(rng.between(1, 3));
            c.offer_prompt(&prompt, clock, catalog)?;
            decide(&mut c, &prompt, plan, rng, staff, openness, &mut clock)?;
            if c.not_receptive {
                break;
            }
        }
    }
    clock += minutes(rng.between(1, 4));
    c.finish(clock)?;
    Ok(c)
}

/// The client's answer to an offer just made, with the disclosures said before it.
fn decide(
    c: &mut Consultation,
    prompt: &Prompt,
    plan: &Plan<'_>,
    rng: &mut Rng,
    staff: &Staff,
    openness: f64,
    clock: &mut NaiveDateTime,
) -> Result<(), DemoError> {
    let catalog = plan.catalog;
    let base = match prompt.technique {
        Technique::Catch => 0.36,
        Technique::Create => 0.16,
    };
    let guarded = !prompt.disclosures.is_empty();
    let accept = (base
        * product_appeal(&prompt.product)
        * variant_effect(prompt.variant)
        * staff.skill
        * openness
        * if guarded { 0.85 } else { 1.0 })
    .min(0.95);
    let r = rng.unit();
    let outcome = if r < accept {
        Outcome::Accepted
    } else if r < accept + 0.12 {
        Outcome::Thinking
    } else {
        Outcome::Declined
    };
    // Disclosures are all said before an accept (the engine refuses it otherwise); before
    // other answers the officer may have said some of them.
    let lines = prompt.disclosures.len() as u32;
    let said = match outcome {
        Outcome::Accepted => lines,
        _ if rng.chance(0.5) => lines,
        _ => rng.below(u64::from(lines) + 1) as u32,
    };
    for i in 0..said {
        c.confirm_disclosure(&prompt.product, i, catalog)?;
    }
    *clock += minutes(rng.between(1, 4));
    let follow_up = (outcome == Outcome::Thinking)
        .then(|| clock.date().checked_add_days(Days::new(rng.between(1, 7))))
        .flatten();
    c.set_outcome(&prompt.product, outcome, *clock, follow_up, catalog)?;
    if outcome == Outcome::Declined && rng.chance(0.12 * (1.3 - openness.min(1.3))) {
        c.mark_not_receptive()?;
    }
    Ok(())
}

// ───────────────────────────── the run ─────────────────────────────

/// The first day of the history: `months` calendar months before `until`, plus one day.
pub fn first_day(until: NaiveDate, months: u32) -> NaiveDate {
    until
        .checked_sub_months(Months::new(months))
        .and_then(|d| d.succ_opt())
        .unwrap_or(until)
}

/// Branch working days (Monday to Saturday) in `from ..= until`.
fn working_days(from: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= until)
        .filter(|d| d.weekday() != Weekday::Sun)
        .collect()
}

enum Batch {
    Clients(Vec<Client>),
    Holdings(Vec<(usize, String)>),
    ClientsDone,
    Consultations(Vec<Consultation>, String),
}

/// Generates the history into an empty store. `progress(done, total)` counts records
/// (clients, then consultations) as they are written.
pub fn generate<S: Store + Sync + ?Sized>(
    store: &S,
    catalog: &Catalog,
    opts: &DemoOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoSummary, DemoError> {
    if opts.months == 0 || opts.months > 600 {
        return Err(DemoError::Options(format!(
            "--months must be 1 to 600, not {}",
            opts.months
        )));
    }
    if opts.clients == 0 && opts.consultations > 0 {
        return Err(DemoError::Options(
            "consultations need at least one client (--clients)".into(),
        ));
    }
    // The consultations record the catalogue's version; its texts and plan go with them.
    store.use_catalog(catalog);
    if store.clients().next().is_some() {
        return Err(DemoError::NotEmpty("clients"));
    }
    if store
        .consultations_between(NaiveDateTime::MIN, NaiveDateTime::MAX)
        .next()
        .is_some()
    {
        return Err(DemoError::NotEmpty("consultations"));
    }
    let mains: Vec<(&str, u64)> = catalog
        .main_products()
        .enumerate()
        // The first main products are the busier ones: 5, 4, 3… shares.
        .map(|(i, p)| (p.id.as_str(), 5u64.saturating_sub(i as u64).max(1)))
        .collect();
    if mains.is_empty() {
        return Err(DemoError::NoMainProduct);
    }
    let from = first_day(opts.until, opts.months);
    // Ages 18 to 80 over the whole history.
    let born_from = opts
        .until
        .checked_sub_months(Months::new(80 * 12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(opts.until);
    let born_to = from
        .checked_sub_months(Months::new(18 * 12))
        .unwrap_or(from);
    let born_span = u64::try_from((born_to - born_from).num_days().max(0)).unwrap_or(0) + 1;
    let edited = catalog.with_demo_edit();
    if let Some(e) = &edited {
        store.use_catalog(e);
    }
    let halfway = from + TimeDelta::days((opts.until - from).num_days() / 2);
    let plan = Plan {
        catalog,
        edit: edited
            .as_ref()
            .and_then(|e| Some((halfway.and_hms_opt(0, 0, 0)?, e))),
        products: catalog.products.iter().map(|p| p.id.clone()).collect(),
        main_weight: mains.iter().map(|(_, w)| w).sum(),
        mains,
        born_from,
        born_span,
    };
    let mut staff = cast(opts.seed);
    for s in &staff {
        store.save_officer(&Officer {
            name: s.name.clone(),
            branch: s.branch.clone(),
        })?;
    }

    let total = opts.clients + opts.consultations;
    let written = AtomicU64::new(0);
    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    let (ids_tx, ids_rx) = mpsc::channel::<Vec<u64>>();

    let result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> Result<(), StoreError> {
            let rx = rx;
            let mut ids: Vec<u64> = Vec::new();
            for batch in rx {
                match batch {
                    Batch::Clients(cs) => {
                        let n = cs.len() as u64;
                        ids.extend(store.add_clients(cs)?.iter().map(|c| c.id));
                        written.fetch_add(n, Ordering::Relaxed);
                    }
                    Batch::Holdings(hs) => {
                        // Sent after the clients they belong to: indices become ids here.
                        let hs: Vec<(u64, String)> = hs
                            .into_iter()
                            .filter_map(|(i, p)| ids.get(i).map(|&id| (id, p)))
                            .collect();
                        store.add_holdings(&hs)?;
                    }
                    Batch::ClientsDone => {
                        if ids_tx.send(std::mem::take(&mut ids)).is_err() {
                            return Ok(());
                        }
                    }
                    Batch::Consultations(cs, detail) => {
                        // Ids are taken by the store on this one writing thread, so the
                        // run gives the same ids every time.
                        let n = cs.len() as u64;
                        store.add_consultations(cs, EventKind::Imported, &detail)?;
                        written.fetch_add(n, Ordering::Relaxed);
                    }
                }
            }
            Ok(())
        });

        let produced = produce(
            &plan, opts, &mut staff, &tx, &ids_rx, &written, total, progress,
        );
        drop(tx);
        let wrote = writer.join().map_err(|_| DemoError::Writer)?;
        wrote?;
        produced
    });
    let (holdings, offers, unfinished) = result?;
    let calls = make_calls(store, catalog, &staff, opts)?;
    progress(total, total);
    Ok(DemoSummary {
        consultations: opts.consultations,
        clients: opts.clients,
        holdings,
        offers,
        unfinished,
        calls,
        officers: staff
            .iter()
            .map(|s| DemoOfficer {
                name: s.name.clone(),
                branch: s.branch.clone(),
                follows_formula: s.follows,
                catch_propensity: s.catch_p,
                create_propensity: s.create_p,
            })
            .collect(),
        branches: BRANCHES.len(),
        months: opts.months,
        from,
        until: opts.until,
    })
}

/// The calls the officers made on their call backs due before `until` (those due on `until`
/// itself are left for that day), after the client's last consultation: each call back from
/// its day on, not reached a quarter of the
/// time (tried again the next working day), else a yes, a no, or "still thinking" (called
/// again a few days later), until it is answered or `until` comes. Stored in time order.
fn make_calls<S: Store + ?Sized>(
    store: &S,
    catalog: &Catalog,
    staff: &[Staff],
    opts: &DemoOptions,
) -> Result<u64, DemoError> {
    let mut contacts = Vec::new();
    for s in staff {
        let (due, _) = store.call_backs_due(
            &s.name,
            opts.until.pred_opt().unwrap_or(opts.until),
            usize::MAX,
        )?;
        for f in due {
            // The history was played without these calls: a call is made only after the
            // client's last consultation, so no later meeting offers what a call sold.
            let last_visit = match store.latest_consultation_id(f.client_id)? {
                Some(id) => store.consultation(id)?.map(|c| c.started_at.date()),
                None => None,
            };
            let mut rng = Rng::of(opts.seed, 7, f.consultation ^ hash_str(&f.product));
            let mut day = f
                .date
                .max(last_visit.and_then(|d| d.succ_opt()).unwrap_or(f.date));
            while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                day = next_working_day(day);
            }
            while day < opts.until {
                let at = day
                    .and_hms_opt(rng.between(10, 17) as u32, rng.below(60) as u32, 0)
                    .unwrap_or_default();
                let r = rng.unit();
                let (outcome, next) = if r < 0.25 {
                    (CallOutcome::NotReached, Some(next_working_day(day)))
                } else if r < 0.47 {
                    (CallOutcome::Accepted, None)
                } else if r < 0.82 {
                    (CallOutcome::Declined, None)
                } else {
                    let later = next_working_day(in_days(day, rng.between(1, 6)));
                    (CallOutcome::Thinking, Some(later))
                };
                let disclosures = match (outcome, catalog.product(&f.product)) {
                    (CallOutcome::Accepted, Some(p)) => (0..p.disclosure.len() as u32).collect(),
                    _ => Default::default(),
                };
                contacts.push(Contact {
                    id: 0,
                    at,
                    officer: s.name.clone(),
                    branch: s.branch.clone(),
                    client_id: f.client_id,
                    product: f.product.clone(),
                    consultation: f.consultation,
                    outcome,
                    next,
                    disclosures_confirmed: disclosures,
                });
                match next {
                    Some(n) => day = n,
                    None => break,
                }
            }
        }
    }
    contacts.sort_by_key(|k| (k.at, k.consultation));
    Ok(store.add_contacts(contacts)? as u64)
}

/// The generating side of [`generate`]: (holdings, offers, unfinished).
#[allow(clippy::too_many_arguments)]
fn produce(
    plan: &Plan<'_>,
    opts: &DemoOptions,
    staff: &mut [Staff],
    tx: &mpsc::SyncSender<Batch>,
    ids_rx: &mpsc::Receiver<Vec<u64>>,
    written: &AtomicU64,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(u64, u64, u64), DemoError> {
    let send = |b: Batch| tx.send(b).map_err(|_| DemoError::Writer);
    let seed = opts.seed;
    let n_clients =
        usize::try_from(opts.clients).map_err(|_| DemoError::Options("too many clients".into()))?;

    // Clients, and what they already hold from before Sufler.
    let mut memory: Vec<Memory> = vec![Memory::default(); n_clients];
    let mut holdings: Vec<(usize, String)> = Vec::new();
    let mut n_holdings = 0u64;
    let held_before: Vec<(u16, f64)> = plan
        .catalog
        .products
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let share = if p.is_plan() {
                0.02
            } else if !p.disclosure.is_empty() {
                0.04
            } else {
                0.05 + (hash_str(&p.id) % 20) as f64 / 100.0
            };
            u16::try_from(i).ok().map(|i| (i, share))
        })
        .collect();
    let mut batch = Vec::with_capacity(CLIENT_BATCH.min(n_clients));
    for (index, remembered) in memory.iter_mut().enumerate() {
        let client = client_at(seed, index as u64, plan.born_from, plan.born_span);
        let mut rng = Rng::of(seed, 4, index as u64);
        for &(p, share) in &held_before {
            if rng.chance(share) {
                remembered.hold(p);
                holdings.push((index, plan.products[usize::from(p)].clone()));
            }
        }
        batch.push(client);
        if batch.len() == CLIENT_BATCH || index + 1 == n_clients {
            n_holdings += holdings.len() as u64;
            send(Batch::Clients(std::mem::take(&mut batch)))?;
            send(Batch::Holdings(std::mem::take(&mut holdings)))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    send(Batch::ClientsDone)?;
    let ids = ids_rx.recv().map_err(|_| DemoError::Writer)?;
    progress(written.load(Ordering::Relaxed), total);

    // Each client's openness to extra offers: 0.45 ..= 1.25.
    let openness = |index: usize| 0.45 + 0.8 * Rng::of(seed, 5, index as u64).unit();

    let n = opts.consultations;
    let days = working_days(first_day(opts.until, opts.months), opts.until);
    let day_count = days.len() as u64;
    let opening = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let now = crate::clock::now();
    const WORKDAY_SECONDS: u64 = 11 * 3600;

    // Who sees whom, decided up front so each officer's last meeting is known: some of those
    // are left unfinished, as if the officer was interrupted at the end of the history.
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_DE30);
    let who: Vec<u8> = (0..n).map(|_| rng.index(staff.len()) as u8).collect();
    let mut last_of = vec![None; staff.len()];
    for (k, &o) in who.iter().enumerate() {
        last_of[usize::from(o)] = Some(k);
    }
    let mut leave_open: Vec<usize> = Vec::new();
    for (o, last) in last_of.iter().enumerate() {
        if let Some(k) = *last {
            if o == 0 || rng.chance(0.4) {
                leave_open.push(k);
            }
        }
    }

    let regulars = (n_clients / 20).max(1);
    let mut offers = 0u64;
    let mut unfinished = 0u64;
    let mut batch: Vec<Consultation> = Vec::with_capacity(CONSULTATION_BATCH);
    let mut batch_from = 0u64;
    for k in 0..n {
        let ku = k as usize;
        let mut rng = Rng::of(seed, 6, k);
        // Spread evenly over the working days, 9:00 to 20:00, in order.
        let pos = u128::from(k) * u128::from(day_count);
        let day = days[(pos / u128::from(n)) as usize];
        // A history ending today ends now: that day's meetings are squeezed in before the
        // present moment, so nothing on screen lies in the future.
        let (from, seconds) = if day == now.date() {
            // Before opening time, the day so far.
            let from = if now > day.and_time(opening) {
                day.and_time(opening)
            } else {
                day.and_time(NaiveTime::MIN)
            };
            let secs = u64::try_from((now - from).num_seconds().max(0)).unwrap_or(0);
            (from, secs.min(WORKDAY_SECONDS))
        } else {
            (day.and_time(opening), WORKDAY_SECONDS)
        };
        let within = (pos % u128::from(n)) * u128::from(seconds) / u128::from(n);
        let started_at = from + TimeDelta::seconds(i64::try_from(within).unwrap_or(0));
        let s = &mut staff[usize::from(who[ku])];
        let month = Month::of(day);
        if s.month != month {
            s.month = month;
            s.plan_sold.clear();
        }
        // A quarter of the meetings are with regular clients.
        let ci = if rng.chance(0.25) {
            rng.index(regulars)
        } else {
            rng.index(n_clients)
        };
        let mut client = client_at(seed, ci as u64, plan.born_from, plan.born_span);
        client.id = ids[ci];
        let history = memory[ci].history(&plan.products);
        let stop_at = leave_open.contains(&ku).then(|| 1 + rng.index(3));
        let c = meeting(
            plan,
            &mut rng,
            s,
            &client,
            &history,
            openness(ci),
            started_at,
            stop_at,
        )?;
        // The officer's figures and the client's memory move on, as the store's would.
        for o in &c.offers {
            *s.rotation
                .entry((o.product.clone(), o.technique))
                .or_default() += 1;
            if o.outcome == Some(Outcome::Accepted) {
                *s.plan_sold.entry(o.product.clone()).or_default() += 1;
            }
        }
        if c.main_outcome == Some(Outcome::Accepted) {
            *s.plan_sold.entry(c.main.clone()).or_default() += 1;
        }
        memory[ci].record(&c, &|id| plan.index_of(id));
        offers += c.offers.len() as u64;
        unfinished += u64::from(!c.is_finished());
        batch.push(c);
        if batch.len() == CONSULTATION_BATCH || k + 1 == n {
            let detail = format!(
                "demo seed {seed}: consultations {} to {}",
                batch_from + 1,
                k + 1
            );
            batch_from = k + 1;
            send(Batch::Consultations(std::mem::take(&mut batch), detail))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    Ok((n_holdings, offers, unfinished))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feminine_surnames() {
        assert_eq!(feminine("Иванов"), "Иванова");
        assert_eq!(feminine("Ильин"), "Ильина");
        assert_eq!(feminine("Ковалевский"), "Ковалевская");
        assert_eq!(feminine("Кравченко"), "Кравченко");
    }

    #[test]
    fn rng_is_stable_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
            let u = a.unit();
            assert_eq!(u, b.unit());
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn the_history_ends_on_until() {
        let until = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap_or_default();
        assert_eq!(
            first_day(until, 1),
            NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default()
        );
        let days = working_days(first_day(until, 1), until);
        assert_eq!(days.last(), Some(&until));
        assert!(days.iter().all(|d| d.weekday() != Weekday::Sun));
    }

    #[test]
    fn clients_are_adults_with_unique_phones() {
        let until = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
        let from = first_day(until, 6);
        let born_from = until - Months::new(960) + Days::new(1);
        let born_to = from - Months::new(216);
        let span = (born_to - born_from).num_days() as u64 + 1;
        let mut phones = std::collections::HashSet::new();
        for i in 0..2000 {
            let c = client_at(3, i, born_from, span);
            assert!(c.age_on(from) >= 18, "{c:?}");
            assert!(c.age_on(until) <= 80, "{c:?}");
            assert_eq!(c.phone.len(), 11);
            assert!(phones.insert(c.phone.clone()));
        }
    }
}
