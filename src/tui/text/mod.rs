//! Every interface string, in Russian (the default) and English. Script content — phrases,
//! product and stage names — is shown as the trainer wrote it and never passes through here.

use crate::consultation::{ClientError, EngineError, Field, Month, Outcome};

pub use crate::lang::Lang;

mod en;
mod ru;

pub use en::EN;
pub use ru::RU;

/// The fixed strings of one language.
#[derive(Debug)]
pub struct T {
    pub app_name: &'static str,
    pub loading: &'static str,
    pub saving: &'static str,
    pub rehearsal_banner: &'static str,
    pub required: &'static str,
    pub resumed: &'static str,
    pub yes: &'static str,
    pub no: &'static str,

    // keys (footer labels)
    pub key_next_field: &'static str,
    pub key_field: &'static str,
    pub key_save: &'static str,
    pub key_cancel: &'static str,
    pub key_quit: &'static str,
    pub key_find: &'static str,
    pub key_new_client: &'static str,
    pub key_select: &'static str,
    pub key_open: &'static str,
    pub key_open_card: &'static str,
    pub key_help: &'static str,
    pub key_all_keys: &'static str,
    pub key_back: &'static str,
    pub key_scroll: &'static str,
    pub key_start_consultation: &'static str,
    pub key_begin: &'static str,
    pub key_pick: &'static str,
    pub key_yes: &'static str,
    pub key_no: &'static str,
    pub key_thinking: &'static str,
    pub key_variant: &'static str,
    pub key_next_create: &'static str,
    pub key_stage: &'static str,
    pub key_objections: &'static str,
    pub key_note: &'static str,
    pub key_not_receptive: &'static str,
    pub key_finish: &'static str,
    pub key_unpick: &'static str,
    pub key_confirm_line: &'static str,
    pub key_yes_agrees: &'static str,
    pub key_close: &'static str,
    pub key_answer: &'static str,
    pub any_key: &'static str,
    pub key_any_home: &'static str,
    pub key_any_quit: &'static str,

    // first start
    pub first_title: &'static str,
    pub first_welcome: &'static str,
    pub first_intro: &'static str,
    pub first_name: &'static str,
    pub first_name_hint: &'static str,
    pub first_branch: &'static str,
    pub first_branch_hint: &'static str,
    pub first_missing: &'static str,

    // home
    pub home_title: &'static str,
    pub home_keys_hint: &'static str,
    pub home_unfinished: &'static str,
    pub home_started: &'static str,
    pub home_resume: &'static str,
    pub home_today: &'static str,
    pub home_in_progress: &'static str,
    pub home_follow_ups: &'static str,
    pub home_no_follow_ups: &'static str,
    pub home_no_plan: &'static str,

    // find
    pub find_title: &'static str,
    pub find_prompt: &'static str,
    pub find_hint: &'static str,
    pub find_results: &'static str,
    pub find_none: &'static str,
    pub find_searching: &'static str,
    pub new_client_title: &'static str,
    pub new_client_intro: &'static str,
    pub client_added: &'static str,
    pub hint_optional: &'static str,
    pub hint_phone: &'static str,
    pub hint_birth: &'static str,
    pub hint_segment: &'static str,

    // client card
    pub client_title: &'static str,
    pub client_holds: &'static str,
    pub client_holds_none: &'static str,
    pub client_cooldown: &'static str,
    pub client_until: &'static str,
    pub client_no_consultations: &'static str,
    pub client_no_offers: &'static str,
    pub formula: &'static str,

    // choose
    pub choose_title: &'static str,
    pub choose_for: &'static str,
    pub choose_question: &'static str,
    pub choose_catch: &'static str,
    pub choose_none: &'static str,

    // consultation
    pub consultation_title: &'static str,
    pub main: &'static str,
    pub main_cap: &'static str,
    pub main_lower: &'static str,
    pub main_paren: &'static str,
    pub catch: &'static str,
    pub create: &'static str,
    pub create_short: &'static str,
    pub catch_tag: &'static str,
    pub create_tag: &'static str,
    pub upsell_tag: &'static str,
    pub downsell_tag: &'static str,
    /// The header's main slot when the fallback was taken instead.
    pub main_fallback: &'static str,
    pub main_sold: &'static str,
    pub main_declined: &'static str,
    pub main_thinking: &'static str,
    pub main_open: &'static str,
    pub formula_met: &'static str,
    pub sum_formula_met: &'static str,
    pub sum_formula_not_met: &'static str,
    pub catch_lower: &'static str,
    pub create_lower: &'static str,
    pub upsell_lower: &'static str,
    pub downsell_lower: &'static str,
    pub key_yes_no_thinking: &'static str,
    pub formula_cap: &'static str,
    pub not_receptive_short: &'static str,
    pub holds_short: &'static str,
    pub stages: &'static str,
    pub say: &'static str,
    pub no_lines: &'static str,
    pub prompts_title: &'static str,
    pub prompts_pick_title: &'static str,
    pub picked_title: &'static str,
    pub answer_goes_to: &'static str,
    pub no_prompts_stage: &'static str,
    pub no_prompts_not_receptive: &'static str,
    pub no_phrase: &'static str,
    pub why: &'static str,
    pub offered_title: &'static str,
    pub offer_now_title: &'static str,
    pub out_accepted: &'static str,
    pub out_declined: &'static str,
    pub out_thinking: &'static str,
    pub out_none: &'static str,
    pub call_back: &'static str,
    /// Before the day of a check-in call after a sale, on the summary.
    pub check_in_on: &'static str,
    pub disclosed_short: &'static str,
    pub notes_title: &'static str,
    pub disclosure_title: &'static str,
    pub disclosure_intro: &'static str,
    pub disclosure_ready: &'static str,
    pub disclosure_first: &'static str,
    pub disclosure_all_done: &'static str,
    pub disclosure_keys: &'static str,
    pub objections_title: &'static str,
    pub note_title: &'static str,
    pub wait_saving: &'static str,
    pub pick_first: &'static str,
    pub one_variant: &'static str,
    pub no_create_here: &'static str,
    pub one_create: &'static str,
    pub last_stage: &'static str,
    pub first_stage: &'static str,
    pub already_not_receptive: &'static str,
    pub consultation_enter_hint: &'static str,
    pub finish_first: &'static str,
    pub done_not_receptive: &'static str,
    pub done_note: &'static str,
    pub done_finished: &'static str,
    pub confirm_not_receptive_title: &'static str,
    pub confirm_not_receptive: &'static str,
    pub confirm_finish_title: &'static str,
    pub confirm_finish: &'static str,
    pub confirm_quit_title: &'static str,
    pub confirm_quit: &'static str,
    pub confirm_leave_title: &'static str,
    pub confirm_leave: &'static str,
    pub confirm_end_rehearsal: &'static str,

    // summary
    pub summary_title: &'static str,
    pub products_sold: &'static str,
    pub sum_accepted: &'static str,
    pub sum_thinking: &'static str,
    pub sum_declined: &'static str,
    pub sum_no_answer: &'static str,
    pub sum_no_offers: &'static str,

    // help
    pub help_title: &'static str,
    pub help_layout: &'static str,
    pub help_close: &'static str,
    // client card: edit, holdings, duplicates (issue 12)
    pub key_edit: &'static str,
    pub key_holdings: &'static str,
    pub key_mark: &'static str,
    pub edit_client_title: &'static str,
    pub edit_client_intro: &'static str,
    pub consent_label: &'static str,
    pub consent_hint: &'static str,
    pub client_updated: &'static str,
    pub discard_title: &'static str,
    pub discard_question: &'static str,
    pub same_title: &'static str,
    pub same_phone: &'static str,
    pub same_name: &'static str,
    pub same_open: &'static str,
    pub same_back: &'static str,
    pub same_note: &'static str,
    pub holdings_title: &'static str,
    pub holdings_intro: &'static str,
    pub holding_ask_title: &'static str,
    pub help_card_title: &'static str,

    // consultation: stable numbers, undo, confirmations, 80×24 (issue 12)
    pub key_lines: &'static str,
    pub main_not_recorded: &'static str,
    pub key_receptive_again: &'static str,
    pub done_receptive_again: &'static str,
    pub confirm_change_title: &'static str,
    pub no_candidates: &'static str,
    pub no_candidates_short: &'static str,
    /// Why a slot is short when candidates are left but `max_extra_offers` is used up.
    pub offer_cap: &'static str,
    pub offer_cap_short: &'static str,
    pub catch_word: &'static str,
    pub create_word: &'static str,
    pub main_missing: &'static str,
    pub finish_anyway: &'static str,
}

pub fn t(lang: Lang) -> &'static T {
    match lang {
        Lang::Ru => &RU,
        Lang::En => &EN,
    }
}

/// Russian plural: 1 консультация, 2 консультации, 5 консультаций.
pub fn plural_ru<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (m10, m100) = (n % 10, n % 100);
    if m10 == 1 && m100 != 11 {
        one
    } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
        few
    } else {
        many
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

pub fn not_saved(lang: Lang, why: &str) -> String {
    match lang {
        Lang::Ru => format!("Не сохранено: {why}"),
        Lang::En => format!("Not saved: {why}"),
    }
}

pub fn too_small(lang: Lang, w: u16, h: u16) -> String {
    match lang {
        Lang::Ru => format!(
            "Окно слишком маленькое ({w}×{h}). Увеличьте его хотя бы до 80×24 или уменьшите шрифт."
        ),
        Lang::En => format!(
            "The window is too small ({w}×{h}). Make it at least 80×24 or use a smaller font."
        ),
    }
}

pub fn today_summary(lang: Lang, total: usize, met: usize) -> String {
    match lang {
        Lang::Ru if total == 0 => "Консультаций сегодня ещё не было".to_string(),
        Lang::Ru => format!(
            "{total} {} · формула: {met} из {total}",
            plural_ru(count(total), "консультация", "консультации", "консультаций")
        ),
        Lang::En if total == 0 => "No consultations yet today".to_string(),
        Lang::En => format!(
            "{total} consultation{} · formula: {met} of {total}",
            if total == 1 { "" } else { "s" }
        ),
    }
}

/// When more call backs wait than are listed.
pub fn follow_ups_first(lang: Lang, listed: usize) -> String {
    match lang {
        Lang::Ru => format!("первые {listed}"),
        Lang::En => format!("first {listed}"),
    }
}

pub fn plan_title(lang: Lang, month: Month) -> String {
    const RU_MONTHS: [&str; 12] = [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ];
    const EN_MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let i = usize::try_from(month.month().clamp(1, 12) - 1).unwrap_or(0);
    match lang {
        Lang::Ru => format!("План на {}: продано / цель", RU_MONTHS[i]),
        Lang::En => format!("Plan for {}: sold / target", EN_MONTHS[i]),
    }
}

pub fn field_label(lang: Lang, field: Field) -> &'static str {
    match (lang, field) {
        (Lang::Ru, Field::LastName) => "Фамилия",
        (Lang::Ru, Field::FirstName) => "Имя",
        (Lang::Ru, Field::Patronymic) => "Отчество",
        (Lang::Ru, Field::Phone) => "Телефон",
        (Lang::Ru, Field::BirthDate) => "Дата рождения",
        (Lang::Ru, Field::Segment) => "Сегмент",
        (Lang::En, Field::LastName) => "Surname",
        (Lang::En, Field::FirstName) => "First name",
        (Lang::En, Field::Patronymic) => "Patronymic",
        (Lang::En, Field::Phone) => "Phone",
        (Lang::En, Field::BirthDate) => "Birth date",
        (Lang::En, Field::Segment) => "Segment",
    }
}

/// The engine's short English message for a form field, in the interface language.
pub fn client_message(lang: Lang, message: &'static str) -> &'static str {
    if lang == Lang::En {
        return message;
    }
    match message {
        "required" => "обязательное поле",
        "letters, hyphen, space or apostrophe only" => "только буквы, дефис, пробел или апостроф",
        "must contain letters" => "нужны буквы",
        "too long" => "слишком длинно",
        "digits only" => "только цифры",
        "must have 10 to 15 digits" => "нужно от 10 до 15 цифр",
        "use YYYY-MM-DD or DD.MM.YYYY" => "формат ДД.ММ.ГГГГ",
        "no such date" => "такой даты нет",
        "in the future" => "дата в будущем",
        "client must be at least 14" => "клиенту должно быть не меньше 14 лет",
        "implausible: over 120 years" => "больше 120 лет — проверьте дату",
        "invalid characters" => "недопустимые символы",
        other => other,
    }
}

pub fn field_problem(lang: Lang, e: &ClientError) -> String {
    format!(
        "{}: {}",
        field_label(lang, e.field),
        client_message(lang, e.message)
    )
}

pub fn age(lang: Lang, years: u32) -> String {
    match lang {
        Lang::Ru => format!(
            "{years} {}",
            plural_ru(u64::from(years), "год", "года", "лет")
        ),
        Lang::En => format!("{years} y.o."),
    }
}

pub fn consultations_title(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!("Консультации ({n})"),
        Lang::En => format!("Consultations ({n})"),
    }
}

pub fn no_item(lang: Lang, n: u8) -> String {
    match lang {
        Lang::Ru => format!("Под номером {n} ничего нет"),
        Lang::En => format!("Nothing under number {n}"),
    }
}

/// Above the stage's lines once the client took the fallback instead of the main product.
pub fn fallback_note(lang: Lang, fallback: &str) -> String {
    match lang {
        Lang::Ru => format!(
            "Клиент взял запасной вариант — {fallback}. Строки этапа ниже — об основном продукте, от которого он отказался."
        ),
        Lang::En => format!(
            "The client took the fallback, {fallback}. The stage's lines below are about the main product they turned down."
        ),
    }
}

/// An answer key after a number with nothing under it: nothing is recorded.
pub fn missed_answer(lang: Lang, n: u8) -> String {
    match lang {
        Lang::Ru => format!(
            "Номера {n} нет — ответ не записан: выберите номер или Esc (тогда y — основной)"
        ),
        Lang::En => {
            format!("No number {n}: nothing recorded. Pick a number, or Esc (then y is the main)")
        }
    }
}

pub fn no_objections(lang: Lang, product: &str) -> String {
    match lang {
        Lang::Ru => format!("В сценарии нет ответов на возражения о продукте «{product}»"),
        Lang::En => format!("The script has no answers to objections about {product}"),
    }
}

pub fn done_stage(lang: Lang, title: &str) -> String {
    match lang {
        Lang::Ru => format!("Этап: {title}"),
        Lang::En => format!("Stage: {title}"),
    }
}

pub fn outcome_word(lang: Lang, outcome: Outcome) -> &'static str {
    let tx = t(lang);
    match outcome {
        Outcome::Accepted => tx.out_accepted,
        Outcome::Declined => tx.out_declined,
        Outcome::Thinking => tx.out_thinking,
    }
}

pub fn done_outcome(lang: Lang, product: &str, outcome: Outcome) -> String {
    let word = outcome_word(lang, outcome);
    match lang {
        Lang::Ru => format!("Записано: {product} — {word}"),
        Lang::En => format!("Recorded: {product} — {word}"),
    }
}

pub fn disclosures_missing(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!("Ещё не отмечено оговорок: {n} — согласие пока не записать"),
        Lang::En => format!(
            "{n} disclosure{} not ticked — the agreement cannot be recorded yet",
            if n == 1 { "" } else { "s" }
        ),
    }
}

pub fn plan_left(lang: Lang, remaining: i64) -> String {
    match lang {
        Lang::Ru if remaining > 0 => format!("до плана {remaining}"),
        Lang::Ru => "план выполнен".to_string(),
        Lang::En if remaining > 0 => format!("{remaining} to plan"),
        Lang::En => "plan met".to_string(),
    }
}

pub fn variant_of(lang: Lang, shown: u32, count: usize) -> String {
    match lang {
        Lang::Ru => format!("фраза {shown} из {count} (v — другая)"),
        Lang::En => format!("phrase {shown} of {count} (v — another)"),
    }
}

pub fn create_of(lang: Lang, shown: usize, count: usize) -> String {
    match lang {
        Lang::Ru => format!("продукт {shown} из {count} (c — другой)"),
        Lang::En => format!("product {shown} of {count} (c — another)"),
    }
}

pub fn disclosure_note(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!(
            "перед согласием — {n} {} (y покажет)",
            plural_ru(count(n), "оговорка", "оговорки", "оговорок")
        ),
        Lang::En => format!(
            "{n} disclosure{} before agreeing (y shows them)",
            if n == 1 { "" } else { "s" }
        ),
    }
}

pub fn no_prompts_cap(lang: Lang, max: u32) -> String {
    match lang {
        Lang::Ru => format!(
            "Сделано {max} доп. {} — это предел для одной встречи: больше — уже шум.",
            plural_ru(u64::from(max), "предложение", "предложения", "предложений")
        ),
        Lang::En => format!("{max} extra offers made — the limit for one meeting: more is noise."),
    }
}

/// A prompt's or an offer's technique as its tag reads («лови момент»…).
pub fn technique_tag(lang: Lang, technique: crate::catalog::Technique) -> &'static str {
    let tx = t(lang);
    match technique {
        crate::catalog::Technique::Catch => tx.catch_tag,
        crate::catalog::Technique::Create => tx.create_tag,
        crate::catalog::Technique::Upsell => tx.upsell_tag,
        crate::catalog::Technique::Downsell => tx.downsell_tag,
    }
}

pub fn technique_lower(lang: Lang, technique: crate::catalog::Technique) -> &'static str {
    let tx = t(lang);
    match technique {
        crate::catalog::Technique::Catch => tx.catch_lower,
        crate::catalog::Technique::Create => tx.create_lower,
        crate::catalog::Technique::Upsell => tx.upsell_lower,
        crate::catalog::Technique::Downsell => tx.downsell_lower,
    }
}

/// An engine refusal in the officer's words, products by their names.
pub fn engine_error(lang: Lang, e: &EngineError, catalog: &crate::catalog::Catalog) -> String {
    let e = &named(e, catalog);
    if lang == Lang::En {
        return match e {
            EngineError::AlreadyOffered(p) => format!("{p} was already offered in this meeting"),
            EngineError::MainProduct(p) => format!("{p} is the main product"),
            EngineError::NoSuchOffer(p) => format!("{p} has not been offered yet"),
            EngineError::NotATier { product, technique } => match technique {
                crate::catalog::Technique::Downsell => {
                    format!("{product} is not a fallback of the main product")
                }
                _ => format!("{product} is not a better version of the main product"),
            },
            EngineError::TierClosed { product, technique } => match technique {
                crate::catalog::Technique::Downsell => format!(
                    "{product} is offered only once the client has declined the main product"
                ),
                _ => format!("{product} cannot be offered now: the main product is decided"),
            },
            EngineError::MainTaken(p) => {
                format!("{p} was accepted in place of the main product: change that answer first")
            }
            other => other.to_string(),
        };
    }
    match e {
        EngineError::UnknownProduct(p) => format!("неизвестный продукт «{p}»"),
        EngineError::NoScript(p) => format!("для продукта «{p}» нет сценария"),
        EngineError::EmptyScript(p) => format!("в сценарии «{p}» нет этапов"),
        EngineError::StageOutOfRange { index, count } => {
            format!("нет этапа {index}: в сценарии их {count}")
        }
        EngineError::UnknownStage(s) => format!("неизвестный этап «{s}»"),
        EngineError::Finished => "консультация уже завершена".to_string(),
        EngineError::NotReceptive => {
            "клиент не настроен на предложения — больше не предлагаем".to_string()
        }
        EngineError::OfferCap { max } => {
            format!("предел доп. предложений на встречу ({max}) достигнут")
        }
        EngineError::AlreadyOffered(p) => format!("«{p}» уже предлагали на этой встрече"),
        EngineError::MainProduct(p) => format!("«{p}» — основной продукт"),
        EngineError::NoSuchOffer(p) => format!("«{p}» ещё не предлагали"),
        EngineError::DisclosureOutOfRange { index, count, .. } => {
            format!("нет оговорки {index}: их {count}")
        }
        EngineError::DisclosuresMissing { missing, .. } => disclosures_missing(lang, *missing),
        EngineError::EmptyNote => "заметка пустая".to_string(),
        EngineError::CallBackDate => "день звонка — после сегодняшнего".to_string(),
        EngineError::NotATier { product, technique } => match technique {
            crate::catalog::Technique::Downsell => {
                format!("«{product}» — не запасной вариант основного продукта")
            }
            _ => format!("«{product}» — не улучшенная версия основного продукта"),
        },
        EngineError::TierClosed { product, technique } => match technique {
            crate::catalog::Technique::Downsell => format!(
                "«{product}» предлагают, только когда клиент отказался от основного продукта"
            ),
            _ => format!("«{product}» сейчас не предложить: основной продукт уже решён"),
        },
        EngineError::MainTaken(p) => {
            format!("вместо основного продукта принят «{p}» — сначала измените ответ на него")
        }
    }
}

/// The error with its product ids replaced by the products' names.
fn named(e: &EngineError, catalog: &crate::catalog::Catalog) -> EngineError {
    let n = |id: &String| {
        catalog
            .product(id)
            .map_or_else(|| id.clone(), |p| p.name.clone())
    };
    match e {
        EngineError::AlreadyOffered(p) => EngineError::AlreadyOffered(n(p)),
        EngineError::MainProduct(p) => EngineError::MainProduct(n(p)),
        EngineError::NoSuchOffer(p) => EngineError::NoSuchOffer(n(p)),
        EngineError::MainTaken(p) => EngineError::MainTaken(n(p)),
        EngineError::NotATier { product, technique } => EngineError::NotATier {
            product: n(product),
            technique: *technique,
        },
        EngineError::TierClosed { product, technique } => EngineError::TierClosed {
            product: n(product),
            technique: *technique,
        },
        other => other.clone(),
    }
}

/// Every key, for the `?` overlay.
pub fn help_keys(lang: Lang) -> Vec<(&'static str, &'static str)> {
    match lang {
        Lang::Ru => vec![
            ("/", "найти клиента"),
            ("+", "новый клиент"),
            ("Enter", "выбрать, открыть, продолжить"),
            ("Esc", "назад (в консультации — снять выбор, потом выйти)"),
            ("← → Tab", "предыдущий / следующий этап"),
            (
                "↑↓ PgUp PgDn",
                "выбор в списке, прокрутка; PgUp PgDn — строки этапа",
            ),
            (
                "1–9",
                "выбрать подсказку, повторно — снять; номер за ней закреплён",
            ),
            ("y", "клиент согласен (без выбора — на основной продукт)"),
            ("n", "клиент отказался"),
            ("t", "клиент думает — спросить, когда перезвонить"),
            ("v", "другая фраза выбранной подсказки"),
            ("c", "другой продукт для «Создай момент»"),
            ("o", "ответы на возражения по выбранному продукту"),
            ("x", "не по сценарию: записать, что сказал клиент"),
            ("r", "не настроен: стоп доп. предложениям; ещё раз — отмена"),
            ("f", "завершить консультацию и показать итог"),
            ("?  F1", "эта справка"),
            ("q", "выход (в консультации — с вопросом)"),
            ("Ctrl-C", "немедленный выход, консультация сохранена"),
        ],
        Lang::En => vec![
            ("/", "find a client"),
            ("+", "new client"),
            ("Enter", "choose, open, resume"),
            ("Esc", "back (in a consultation: unpick, then leave)"),
            ("← → Tab", "previous / next stage"),
            (
                "↑↓ PgUp PgDn",
                "move in a list, scroll; PgUp PgDn: the stage's lines",
            ),
            ("1–9", "pick a prompt (again to unpick); its number stays"),
            ("y", "client agrees (nothing picked: the main product)"),
            ("n", "client declines"),
            ("t", "client is thinking — ask when to call back"),
            ("v", "another phrase for the picked prompt"),
            ("c", "another product to create the moment"),
            ("o", "answers to objections about the picked product"),
            ("x", "not in the script: note what the client said"),
            (
                "r",
                "client not receptive — stop extra offers; again to undo",
            ),
            ("f", "finish the consultation and show the summary"),
            ("?  F1", "this help"),
            ("q", "quit (asks first during a consultation)"),
            ("Ctrl-C", "quit at once; the consultation stays saved"),
        ],
    }
}

// The catalogue's notice and the messages about --catalog and --db paths live in their own
// file, reached as `text::…` like every other string.
mod paths;
pub use paths::*;
/// Below a list cut to fit: how many entries are not shown.
pub fn more_below(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!("▼ ещё {n} (↑↓ — прокрутка)"),
        Lang::En => format!("▼ {n} more (↑↓ scrolls)"),
    }
}

/// Under the existing client shown by the duplicate prompt: how many more match.
pub fn same_more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!("и ещё {n} похожих"),
        Lang::En => format!("and {n} more alike"),
    }
}

pub fn holding_question(lang: Lang, product: &str) -> String {
    match lang {
        Lang::Ru => format!(
            "Записать, что у клиента уже есть: {product}? Предлагать этот продукт больше не будут; снять отметку можно здесь же."
        ),
        Lang::En => format!(
            "Record that the client already holds {product}? It will not be offered again; it can be unmarked here."
        ),
    }
}

pub fn holding_added(lang: Lang, product: &str) -> String {
    match lang {
        Lang::Ru => format!("Отмечено, что у клиента уже есть: {product}"),
        Lang::En => format!("Marked: the client already holds {product}"),
    }
}

/// The keys of the client card, for the `?` overlay there.
pub fn help_card_keys(lang: Lang) -> Vec<(&'static str, &'static str)> {
    match lang {
        Lang::Ru => vec![
            ("Enter", "начать консультацию с этим клиентом"),
            ("e", "изменить данные клиента (та же форма, что у нового)"),
            (
                "h",
                "продукты, которые у клиента уже есть (у нас или в другом банке)",
            ),
            ("z", "клиент отменил продажу в период охлаждения (с датой)"),
            ("↑ ↓", "прокрутка консультаций, выбор в списке"),
            ("Пробел", "в списке продуктов — отметить"),
            ("Esc", "назад (из формы — с вопросом, если что-то введено)"),
            ("/", "найти клиента"),
            ("+", "новый клиент"),
            ("?  F1", "эта справка"),
            ("q", "выход"),
            ("Ctrl-C", "немедленный выход"),
        ],
        Lang::En => vec![
            ("Enter", "start a consultation with this client"),
            ("e", "edit the client (the same form as a new one)"),
            (
                "h",
                "products the client already holds (with us or elsewhere)",
            ),
            (
                "z",
                "the client cancelled a sale in its cooling-off period (with the date)",
            ),
            ("↑ ↓", "scroll the consultations, move in a list"),
            ("Space", "in the product list: mark"),
            ("Esc", "back (from the form: asks if anything was typed)"),
            ("/", "find a client"),
            ("+", "new client"),
            ("?  F1", "this help"),
            ("q", "quit"),
            ("Ctrl-C", "quit at once"),
        ],
    }
}

/// The yes/no question before an answer already recorded is changed.
pub fn confirm_change(lang: Lang, product: &str, from: Outcome, to: Outcome) -> String {
    let (from, to) = (outcome_word(lang, from), outcome_word(lang, to));
    match lang {
        Lang::Ru => format!("Изменить ответ по продукту {product}:\n{from} → {to}?"),
        Lang::En => format!("Change the answer for {product}:\n{from} → {to}?"),
    }
}

pub fn already_recorded(lang: Lang, product: &str, outcome: Outcome) -> String {
    let word = outcome_word(lang, outcome);
    match lang {
        Lang::Ru => format!("Уже записано: {product} — {word}"),
        Lang::En => format!("Already recorded: {product} — {word}"),
    }
}

pub fn done_changed(lang: Lang, product: &str, from: Outcome, to: Outcome) -> String {
    let (from, to) = (outcome_word(lang, from), outcome_word(lang, to));
    match lang {
        Lang::Ru => format!("Изменено: {product} — {from} → {to}"),
        Lang::En => format!("Changed: {product} — {from} → {to}"),
    }
}

/// The main product named as such in a status line.
pub fn main_named(lang: Lang, product: &str) -> String {
    format!("{product} ({})", t(lang).main_paren)
}

/// After a slot's count when fewer candidates are left than the formula asks.
pub fn slot_short(lang: Lang, target: u32, long: bool, capped: bool) -> String {
    if capped {
        let tx = t(lang);
        return match (lang, long) {
            (Lang::Ru, true) => format!("(из {target}: {})", tx.offer_cap),
            (Lang::Ru, false) => format!("(из {target}, {})", tx.offer_cap_short),
            (Lang::En, true) => format!("(of {target}: {})", tx.offer_cap),
            (Lang::En, false) => format!("(of {target}, {})", tx.offer_cap_short),
        };
    }
    match (lang, long) {
        (Lang::Ru, true) => format!("(из {target}: больше нет кандидатов)"),
        (Lang::Ru, false) => format!("(из {target}, больше нет)"),
        (Lang::En, true) => format!("(of {target}: no more candidates)"),
        (Lang::En, false) => format!("(of {target}, no more)"),
    }
}

/// One slot in the finish question: «лови момент 1/2» (with why, when it cannot be met).
pub fn slot_missing(
    lang: Lang,
    technique: crate::catalog::Technique,
    offered: u32,
    target: u32,
    // `Some(capped)` when the slot cannot be met: for want of candidates, or of room.
    short: Option<bool>,
) -> String {
    let tx = t(lang);
    let label = match (lang, technique) {
        (Lang::Ru, crate::catalog::Technique::Catch) => "лови момент",
        (Lang::Ru, crate::catalog::Technique::Create) => "создай момент",
        (Lang::En, crate::catalog::Technique::Catch) => "catch",
        (Lang::En, crate::catalog::Technique::Create) => "create",
        (Lang::Ru, crate::catalog::Technique::Upsell) => "улучшаем",
        (Lang::Ru, crate::catalog::Technique::Downsell) => "запасной",
        (Lang::En, crate::catalog::Technique::Upsell) => "upsell",
        (Lang::En, crate::catalog::Technique::Downsell) => "downsell",
    };
    match short {
        Some(false) => format!("{label} {offered}/{target} ({})", tx.no_candidates),
        Some(true) => format!("{label} {offered}/{target} ({})", tx.offer_cap),
        None => format!("{label} {offered}/{target}"),
    }
}

pub fn formula_missing(lang: Lang, parts: &[String]) -> String {
    match lang {
        Lang::Ru => format!("Формула не выполнена: {}.", parts.join(", ")),
        Lang::En => format!("The formula is not met: {}.", parts.join(", ")),
    }
}

/// The last row of the stage's lines when they do not fit.
pub fn more_lines(lang: Lang, below: usize) -> String {
    match lang {
        Lang::Ru if below > 0 => format!("▼ ещё {below} · PgDn"),
        Lang::En if below > 0 => format!("▼ {below} more · PgDn"),
        _ => "▲ PgUp".to_string(),
    }
}

/// The title of the popup that asks the day of a call back after "thinking".
pub fn call_day_title(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Клиент думает: когда перезвонить?",
        Lang::En => "Thinking: when to call back?",
    }
}
