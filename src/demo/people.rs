//! The cast: officers and branches, and clients with Russian names.

use super::*;

// ───────────────────────────── names ─────────────────────────────

pub(super) const MALE_FIRST: &[&str] = &[
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

pub(super) const FEMALE_FIRST: &[&str] = &[
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
pub(super) const PATRONYMICS: &[(&str, &str)] = &[
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
pub(super) const SURNAMES: &[&str] = &[
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
pub(super) fn feminine(surname: &str) -> String {
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

pub(super) const SEGMENTS: &[&str] = &[
    "массовый",
    "массовый",
    "массовый",
    "зарплатный",
    "премиальный",
];
pub(super) const PENSION_SEGMENT: &str = "пенсионный";

pub(super) const BRANCHES: &[&str] = &[
    "Отделение «Тверское»",
    "Отделение «Невское»",
    "Отделение «Академическое»",
];

/// Officers per branch, written out (name, surname) so the demo cast reads naturally.
pub(super) const OFFICER_NAMES: &[&str] = &[
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
pub(super) const NOTES: &[&str] = &[
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

pub(super) struct Staff {
    pub(super) name: String,
    pub(super) branch: String,
    pub(super) follows: bool,
    pub(super) catch_p: f64,
    pub(super) create_p: f64,
    /// How well their phrasing lands, multiplies acceptance.
    pub(super) skill: f64,
    /// Pushes the voluntary products (insurance, pension): more of them accepted, and many
    /// cancelled in the cooling-off period.
    pub(super) pushy: bool,
    /// Their share of the branch's meetings, relative to the others: 0.7 ..= 1.3.
    pub(super) pace: f64,
    pub(super) rotation: BTreeMap<(String, Technique), u64>,
    pub(super) plan_sold: BTreeMap<String, u64>,
    pub(super) month: Month,
}

/// Consultations an officer holds on an average working day (branches see 15 to 30).
pub(super) const MEETINGS_PER_DAY: f64 = 22.0;

/// Officers a branch has: 3 to 5.
const BRANCH_SIZE: (usize, usize) = (3, 5);

/// How many officers carry `consultations` over `working_days` at [`MEETINGS_PER_DAY`]
/// each: at least two, so that one who keeps the formula can be compared with one who does not.
pub(super) fn officers_for(consultations: u64, working_days: usize) -> usize {
    let per_day = consultations as f64 / working_days.max(1) as f64;
    ((per_day / MEETINGS_PER_DAY).round() as usize).max(2)
}

/// Branch `i`: the named ones first, then numbered offices.
fn branch_name(i: usize) -> String {
    match BRANCHES.get(i) {
        Some(name) => (*name).to_string(),
        None => format!("Дополнительный офис №{}", i + 1),
    }
}

/// `count` distinct officer names: the written-out roster first (shuffled by the seed), then
/// names composed from the client name tables.
fn officer_names(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut names: Vec<String> = OFFICER_NAMES.iter().map(|n| n.to_string()).collect();
    // A seeded shuffle, so different seeds give different rosters.
    for i in (1..names.len()).rev() {
        names.swap(i, rng.index(i + 1));
    }
    let mut seen: std::collections::BTreeSet<String> = names.iter().cloned().collect();
    let mut attempt = 0u64;
    while names.len() < count {
        attempt += 1;
        let surname = *rng.pick(SURNAMES);
        let name = if rng.chance(0.6) {
            format!("{} {}", rng.pick(FEMALE_FIRST), feminine(surname))
        } else {
            format!("{} {}", rng.pick(MALE_FIRST), surname)
        };
        // The tables hold thousands of pairs; past that, a number keeps names apart.
        let name = if attempt > 50 * count as u64 {
            format!("{name} {attempt}")
        } else {
            name
        };
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    names.truncate(count);
    names
}

/// The officers, branch by branch (3 to 5 each). The first of each branch keeps the formula;
/// one officer in four branches pushes the voluntary products hard, and many of those sales
/// come back in the cooling-off period. Each officer works at their own pace
/// ([`Staff::pace`]).
pub(super) fn cast(seed: u64, officers: usize) -> Vec<Staff> {
    let mut rng = Rng::of(seed, 1, 0);
    let names = officer_names(&mut rng, officers);
    let mut names = names.into_iter();
    let mut out = Vec::new();
    let mut branch = 0;
    while out.len() < officers {
        let size = BRANCH_SIZE.0 + rng.index(BRANCH_SIZE.1 - BRANCH_SIZE.0 + 1);
        let size = size.min(officers - out.len());
        for i in 0..size {
            let Some(name) = names.next() else { break };
            let follows = i == 0;
            let pushy = i == 1 && branch % 4 == 0;
            let (catch_p, create_p, skill) = if follows {
                (
                    0.93 + 0.06 * rng.unit(),
                    0.92 + 0.07 * rng.unit(),
                    2.7 + 0.4 * rng.unit(),
                )
            } else if pushy {
                (0.75 + 0.1 * rng.unit(), 0.65 + 0.1 * rng.unit(), 1.1)
            } else {
                let p = 0.3 + 0.35 * rng.unit();
                (p, p * (0.4 + 0.3 * rng.unit()), 0.8 + 0.2 * rng.unit())
            };
            out.push(Staff {
                name,
                branch: branch_name(branch),
                follows,
                pushy,
                catch_p,
                create_p,
                skill,
                pace: 0.7 + 0.6 * rng.unit(),
                rotation: BTreeMap::new(),
                plan_sold: BTreeMap::new(),
                month: Month(0),
            });
        }
        branch += 1;
    }
    out
}

/// Client `index` of a run: the same index gives the same person (the id is the store's).
pub(super) fn client_at(seed: u64, index: u64, born_from: NaiveDate, born_span: u64) -> Client {
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
