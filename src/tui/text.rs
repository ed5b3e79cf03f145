//! Every interface string, in Russian (the default) and English. Script content — phrases,
//! product and stage names — is shown as the trainer wrote it and never passes through here.

use crate::consultation::{ClientError, EngineError, Field, Month, Outcome};

pub use crate::lang::Lang;

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
    pub main_sold: &'static str,
    pub main_declined: &'static str,
    pub main_thinking: &'static str,
    pub main_open: &'static str,
    pub formula_met: &'static str,
    pub sum_formula_met: &'static str,
    pub sum_formula_not_met: &'static str,
    pub catch_lower: &'static str,
    pub create_lower: &'static str,
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
    pub catch_word: &'static str,
    pub create_word: &'static str,
    pub main_missing: &'static str,
    pub finish_anyway: &'static str,
}

pub const RU: T = T {
    app_name: "Суфлёр",
    loading: "Загрузка…",
    saving: "сохраняю…",
    rehearsal_banner: "РЕПЕТИЦИЯ — ничего не записывается",
    required: "обязательное поле",
    resumed: "Консультация продолжена с того места, где остановились",
    yes: "да",
    no: "нет",

    key_next_field: "следующее поле",
    key_field: "поле",
    key_save: "сохранить",
    key_cancel: "отмена",
    key_quit: "выход",
    key_find: "найти клиента",
    key_new_client: "новый клиент",
    key_select: "выбрать",
    key_open: "открыть",
    key_open_card: "карточка клиента",
    key_help: "клавиши",
    key_all_keys: "справка",
    key_back: "назад",
    key_scroll: "прокрутка",
    key_start_consultation: "начать консультацию",
    key_begin: "начать",
    key_pick: "выбор",
    key_yes: "да",
    key_no: "нет",
    key_thinking: "думает",
    key_variant: "другая фраза",
    key_next_create: "другой продукт",
    key_stage: "этап",
    key_objections: "возражения",
    key_note: "вне сценария",
    key_not_receptive: "не настроен",
    key_finish: "завершить",
    key_unpick: "снять выбор",
    key_confirm_line: "отметить оговорку",
    key_yes_agrees: "клиент согласен",
    key_close: "закрыть",
    key_answer: "ответ клиента",
    any_key: "любая клавиша",
    key_any_home: "на главный экран",
    key_any_quit: "закончить репетицию",

    first_title: "Первый запуск",
    first_welcome: "Добро пожаловать в «Суфлёр»!",
    first_intro: "Представьтесь, пожалуйста: имя и отделение нужны, чтобы вести ваш план и подставлять ваше имя в приветствие.",
    first_name: "Ваше имя",
    first_name_hint: "как представляетесь клиенту, например: Мария Иванова",
    first_branch: "Отделение",
    first_branch_hint: "например: Отделение № 5, Тверская",
    first_missing: "Заполните имя и отделение",

    home_title: "Главная",
    home_keys_hint: "Нажмите ? — список всех клавиш",
    home_unfinished: "Не завершены",
    home_started: "начата",
    home_resume: "продолжить",
    home_today: "Сегодня",
    home_in_progress: "идёт",
    home_follow_ups: "Перезвонить сегодня",
    home_no_follow_ups: "Никто не ждёт звонка",
    home_no_plan: "В каталоге нет плановых продуктов",

    find_title: "Поиск клиента",
    find_prompt: "Найти",
    find_hint: "Начните вводить фамилию или цифры телефона — список обновляется сразу",
    find_results: "Клиенты",
    find_none: "Никого не нашлось. Enter или + — завести нового клиента",
    find_searching: "Ищу…",
    new_client_title: "Новый клиент",
    new_client_intro: "Заполните данные клиента; Enter — сохранить, Esc — назад к поиску.",
    client_added: "Клиент добавлен",
    hint_optional: "если есть",
    hint_phone: "например: +7 916 123-45-67",
    hint_birth: "ДД.ММ.ГГГГ",
    hint_segment: "необязательно: массовый, премиальный…",

    client_title: "Карточка клиента",
    client_holds: "Продукты клиента",
    client_holds_none: "пока нет",
    client_cooldown: "Не предлагать (недавний отказ)",
    client_until: "до",
    client_no_consultations: "Консультаций ещё не было. Enter — начать первую.",
    client_no_offers: "доп. предложений не было",
    formula: "формула",

    choose_title: "Основной продукт",
    choose_for: "Клиент:",
    choose_question: "С каким продуктом пришёл клиент?",
    choose_catch: "лови момент",
    choose_none: "В каталоге нет сценариев",

    consultation_title: "Консультация",
    main: "Основной",
    main_cap: "Основной продукт",
    main_lower: "основной продукт",
    main_paren: "основной",
    catch: "Лови момент",
    create: "Создай момент",
    create_short: "создай момент",
    catch_tag: "лови момент",
    create_tag: "создай момент",
    main_sold: "оформлен",
    main_declined: "отказ",
    main_thinking: "думает",
    main_open: "ждёт ответа",
    formula_met: "формула ✓",
    sum_formula_met: "выполнена",
    sum_formula_not_met: "не выполнена",
    catch_lower: "лови",
    create_lower: "создай",
    key_yes_no_thinking: "да / нет / думает",
    formula_cap: "Формула",
    not_receptive_short: "клиент не настроен",
    holds_short: "продуктов:",
    stages: "Этапы",
    say: "Говорите",
    no_lines: "На этом этапе сценарий не предлагает фраз.",
    prompts_title: "Подсказки",
    prompts_pick_title: "Подсказки",
    picked_title: "Выбрано",
    answer_goes_to: "запишется для:",
    no_prompts_stage: "На этом этапе дополнительных предложений нет — ведите разговор по сценарию.",
    no_prompts_not_receptive: "Клиент не настроен на дополнительные предложения — на этой встрече только основной продукт.",
    no_phrase: "Фразы нет — расскажите о продукте своими словами.",
    why: "Почему",
    offered_title: "Уже предложено",
    offer_now_title: "Предложить сейчас",
    out_accepted: "согласие",
    out_declined: "отказ",
    out_thinking: "думает",
    out_none: "без ответа",
    call_back: "перезвонить",
    disclosed_short: "оговорки:",
    notes_title: "Заметки «не по сценарию»",
    disclosure_title: "Перед согласием — обязательные оговорки",
    disclosure_intro: "Произнесите каждую оговорку и отметьте её: цифра — эта строка, Enter — следующая.",
    disclosure_ready: "Все оговорки сказаны. y — записать согласие клиента.",
    disclosure_first: "Сначала произнесите обязательные оговорки и отметьте их",
    disclosure_all_done: "Все оговорки отмечены — y, чтобы записать согласие",
    disclosure_keys: "Цифра или Enter — отметить оговорку; y — согласие; Esc — назад",
    objections_title: "Ответы на возражения",
    note_title: "Не по сценарию: что сказал клиент",
    wait_saving: "Подождите: предыдущее действие ещё сохраняется",
    pick_first: "Сначала выберите подсказку цифрой",
    one_variant: "У этой подсказки одна фраза",
    no_create_here: "На этом этапе нет «Создай момент»",
    one_create: "Других продуктов для «Создай момент» нет",
    last_stage: "Это последний этап",
    first_stage: "Это первый этап",
    already_not_receptive: "Клиент уже отмечен как не настроенный на предложения",
    consultation_enter_hint: "Цифра — выбрать подсказку; y / n / t — ответ клиента",
    finish_first: "Сначала завершите консультацию (f)",
    done_not_receptive: "Записано: клиент не настроен на дополнительные предложения",
    done_note: "Заметка записана",
    done_finished: "Консультация завершена и сохранена",
    confirm_not_receptive_title: "Клиент не настроен?",
    confirm_not_receptive: "Дополнительные предложения на этой встрече прекратятся, это будет записано. Основной продукт можно оформить как обычно.",
    confirm_finish_title: "Завершить консультацию?",
    confirm_finish: "Ответ по основному продукту не записан. Всё равно завершить?",
    confirm_quit_title: "Выйти из «Суфлёра»?",
    confirm_quit: "Незавершённое сохранено — при следующем запуске его можно будет продолжить.",
    confirm_leave_title: "Прервать консультацию?",
    confirm_leave: "Вернуться на главный экран? Консультация сохранена, её можно продолжить оттуда.",
    confirm_end_rehearsal: "Закончить репетицию? Ничего не записывается.",

    summary_title: "Итог консультации",
    products_sold: "Продуктов оформлено",
    sum_accepted: "Оформлено",
    sum_thinking: "Думает",
    sum_declined: "Отказ",
    sum_no_answer: "Без ответа",
    sum_no_offers: "Дополнительных предложений не было.",

    help_title: "Клавиши",
    help_layout: "Буквы работают и в русской раскладке: й = q, н = y, т = n, е = t, м = v …",
    help_close: "Любая клавиша — закрыть",

    key_edit: "изменить",
    key_holdings: "продукты клиента",
    key_mark: "отметить",
    edit_client_title: "Изменить данные клиента",
    edit_client_intro: "Исправьте данные; Enter — сохранить, Esc — назад к карточке.",
    consent_label: "Согласие на звонки",
    consent_hint: "пробел — изменить",
    client_updated: "Данные клиента сохранены",
    discard_title: "Не сохранять введённое?",
    discard_question: "Введённые данные клиента не сохранятся. Закрыть форму?",
    same_title: "Такой клиент уже есть",
    same_phone: "совпадает телефон",
    same_name: "совпадают ФИО и дата рождения",
    same_open: "открыть его карточку",
    same_back: "назад к форме",
    same_note: "Второй записи не будет: один клиент — одна карточка.",
    holdings_title: "Что у клиента уже есть",
    holdings_intro: "Отметьте продукты, которые у клиента уже есть — у нас или в другом банке: их не будут предлагать.",
    holding_ask_title: "Отметить продукт?",
    help_card_title: "Клавиши карточки клиента",
    key_lines: "строки этапа",
    main_not_recorded: "не записан",
    key_receptive_again: "снова настроен",
    done_receptive_again: "Отметка «клиент не настроен» снята: доп. предложения снова возможны",
    confirm_change_title: "Изменить ответ?",
    no_candidates: "нет кандидатов",
    no_candidates_short: "нет",
    catch_word: "Лови",
    create_word: "Создай",
    main_missing: "Ответ по основному продукту не записан.",
    finish_anyway: "Всё равно завершить?",
};

pub const EN: T = T {
    app_name: "Sufler",
    loading: "Loading…",
    saving: "saving…",
    rehearsal_banner: "REHEARSAL — nothing is recorded",
    required: "required",
    resumed: "Consultation resumed where it was left",
    yes: "yes",
    no: "no",

    key_next_field: "next field",
    key_field: "field",
    key_save: "save",
    key_cancel: "cancel",
    key_quit: "quit",
    key_find: "find client",
    key_new_client: "new client",
    key_select: "select",
    key_open: "open",
    key_open_card: "client card",
    key_help: "keys",
    key_all_keys: "help",
    key_back: "back",
    key_scroll: "scroll",
    key_start_consultation: "start consultation",
    key_begin: "start",
    key_pick: "pick",
    key_yes: "yes",
    key_no: "no",
    key_thinking: "thinking",
    key_variant: "other phrase",
    key_next_create: "other product",
    key_stage: "stage",
    key_objections: "objections",
    key_note: "not in script",
    key_not_receptive: "not receptive",
    key_finish: "finish",
    key_unpick: "unpick",
    key_confirm_line: "tick a line",
    key_yes_agrees: "client agrees",
    key_close: "close",
    key_answer: "client's answer",
    any_key: "any key",
    key_any_home: "home screen",
    key_any_quit: "end the rehearsal",

    first_title: "First start",
    first_welcome: "Welcome to Sufler!",
    first_intro: "Please introduce yourself: your name and branch keep your plan and fill your name into the greeting.",
    first_name: "Your name",
    first_name_hint: "as you introduce yourself, e.g. Maria Ivanova",
    first_branch: "Branch",
    first_branch_hint: "e.g. Branch 5, Tverskaya",
    first_missing: "Fill in your name and branch",

    home_title: "Home",
    home_keys_hint: "Press ? for every key",
    home_unfinished: "Unfinished",
    home_started: "started",
    home_resume: "resume",
    home_today: "Today",
    home_in_progress: "in progress",
    home_follow_ups: "Call back today",
    home_no_follow_ups: "Nobody is waiting for a call",
    home_no_plan: "The catalogue has no plan products",

    find_title: "Find a client",
    find_prompt: "Find",
    find_hint: "Type a surname or phone digits — the list updates as you type",
    find_results: "Clients",
    find_none: "Nobody found. Enter or + to add a new client",
    find_searching: "Searching…",
    new_client_title: "New client",
    new_client_intro: "Fill in the client's details; Enter to save, Esc back to the search.",
    client_added: "Client added",
    hint_optional: "if any",
    hint_phone: "e.g. +7 916 123-45-67",
    hint_birth: "DD.MM.YYYY",
    hint_segment: "optional: mass, premium…",

    client_title: "Client card",
    client_holds: "Holds",
    client_holds_none: "nothing yet",
    client_cooldown: "Do not offer (declined recently)",
    client_until: "until",
    client_no_consultations: "No consultations yet. Enter to start the first one.",
    client_no_offers: "no extra offers",
    formula: "formula",

    choose_title: "Main product",
    choose_for: "Client:",
    choose_question: "Which product did the client come for?",
    choose_catch: "catch the moment",
    choose_none: "The catalogue has no scripts",

    consultation_title: "Consultation",
    main: "Main",
    main_cap: "Main product",
    main_lower: "main product",
    main_paren: "main",
    catch: "Catch",
    create: "Create",
    create_short: "create the moment",
    catch_tag: "catch the moment",
    create_tag: "create the moment",
    main_sold: "sold",
    main_declined: "declined",
    main_thinking: "thinking",
    main_open: "no answer yet",
    formula_met: "formula ✓",
    sum_formula_met: "met",
    sum_formula_not_met: "not met",
    catch_lower: "catch",
    create_lower: "create",
    key_yes_no_thinking: "yes / no / thinking",
    formula_cap: "Formula",
    not_receptive_short: "client not receptive",
    holds_short: "products:",
    stages: "Stages",
    say: "Say",
    no_lines: "The script has no lines for this stage.",
    prompts_title: "Prompts",
    prompts_pick_title: "Prompts",
    picked_title: "Picked",
    answer_goes_to: "records for:",
    no_prompts_stage: "No extra offers on this stage — follow the script.",
    no_prompts_not_receptive: "The client is not receptive to extra offers — only the main product in this meeting.",
    no_phrase: "No phrase — present the product in your own words.",
    why: "Why",
    offered_title: "Already offered",
    offer_now_title: "Offer now",
    out_accepted: "accepted",
    out_declined: "declined",
    out_thinking: "thinking",
    out_none: "no answer",
    call_back: "call back",
    disclosed_short: "disclosures:",
    notes_title: "Not-in-the-script notes",
    disclosure_title: "Before the client agrees — required disclosures",
    disclosure_intro: "Say each disclosure and tick it: a digit ticks that line, Enter the next one.",
    disclosure_ready: "Every disclosure said. y records the client's agreement.",
    disclosure_first: "First say the required disclosures and tick them",
    disclosure_all_done: "Every disclosure is ticked — y to record the agreement",
    disclosure_keys: "A digit or Enter ticks a disclosure; y agrees; Esc goes back",
    objections_title: "Answers to objections",
    note_title: "Not in the script: what the client said",
    wait_saving: "Wait: the previous action is still being saved",
    pick_first: "Pick a prompt by its number first",
    one_variant: "This prompt has one phrase",
    no_create_here: "No create-the-moment prompt on this stage",
    one_create: "No other product to create the moment for",
    last_stage: "This is the last stage",
    first_stage: "This is the first stage",
    already_not_receptive: "The client is already marked not receptive",
    consultation_enter_hint: "A digit picks a prompt; y / n / t record the client's answer",
    finish_first: "Finish the consultation first (f)",
    done_not_receptive: "Recorded: the client is not receptive to extra offers",
    done_note: "Note recorded",
    done_finished: "Consultation finished and saved",
    confirm_not_receptive_title: "Client not receptive?",
    confirm_not_receptive: "Extra offers stop for this meeting, and that is recorded. The main product can still be sold.",
    confirm_finish_title: "Finish the consultation?",
    confirm_finish: "The main product's answer is not recorded. Finish anyway?",
    confirm_quit_title: "Quit Sufler?",
    confirm_quit: "Everything unfinished is saved — you can resume it at the next start.",
    confirm_leave_title: "Leave the consultation?",
    confirm_leave: "Back to the home screen? The consultation is saved and can be resumed from there.",
    confirm_end_rehearsal: "End the rehearsal? Nothing is recorded.",

    summary_title: "Consultation summary",
    products_sold: "Products sold",
    sum_accepted: "Sold",
    sum_thinking: "Thinking",
    sum_declined: "Declined",
    sum_no_answer: "No answer",
    sum_no_offers: "No extra offers were made.",

    help_title: "Keys",
    help_layout: "Letters work on the Russian layout too: й = q, н = y, т = n, е = t, м = v …",
    help_close: "Any key closes this",

    key_edit: "edit",
    key_holdings: "products held",
    key_mark: "mark",
    edit_client_title: "Edit client",
    edit_client_intro: "Correct the details; Enter saves, Esc goes back to the card.",
    consent_label: "Consents to calls",
    consent_hint: "space toggles",
    client_updated: "Client details saved",
    discard_title: "Discard what was typed?",
    discard_question: "The client details typed here will not be saved. Close the form?",
    same_title: "This client already exists",
    same_phone: "the same phone",
    same_name: "the same name and birth date",
    same_open: "open their card",
    same_back: "back to the form",
    same_note: "No second record: one client, one card.",
    holdings_title: "What the client already holds",
    holdings_intro: "Mark the products the client already holds, with us or another bank: they will not be offered.",
    holding_ask_title: "Mark the product?",
    help_card_title: "Keys of the client card",
    key_lines: "stage lines",
    main_not_recorded: "not recorded",
    key_receptive_again: "receptive again",
    done_receptive_again: "Undone: the client is no longer marked not receptive; extra offers are possible again",
    confirm_change_title: "Change the answer?",
    no_candidates: "no candidates",
    no_candidates_short: "none",
    catch_word: "Catch",
    create_word: "Create",
    main_missing: "The main product's answer is not recorded.",
    finish_anyway: "Finish anyway?",
};

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

pub fn technique_lower(lang: Lang, technique: crate::catalog::Technique) -> &'static str {
    let tx = t(lang);
    match technique {
        crate::catalog::Technique::Catch => tx.catch_lower,
        crate::catalog::Technique::Create => tx.create_lower,
    }
}

pub fn engine_error(lang: Lang, e: &EngineError) -> String {
    if lang == Lang::En {
        return e.to_string();
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
#[path = "text_paths.rs"]
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
pub fn slot_short(lang: Lang, target: u32, long: bool) -> String {
    match (lang, long) {
        (Lang::Ru, true) => format!("(из {target}: больше нет кандидатов)"),
        (Lang::Ru, false) => format!("(из {target}, больше нет)"),
        (Lang::En, true) => format!("(of {target}: no more candidates)"),
        (Lang::En, false) => format!("(of {target}, no more)"),
    }
}

/// One slot in the finish question: «ловим 1/2» (with why, when it cannot be met).
pub fn slot_missing(
    lang: Lang,
    technique: crate::catalog::Technique,
    offered: u32,
    target: u32,
    short: bool,
) -> String {
    let tx = t(lang);
    let label = match (lang, technique) {
        (Lang::Ru, crate::catalog::Technique::Catch) => "ловим",
        (Lang::Ru, crate::catalog::Technique::Create) => "создаём",
        (Lang::En, crate::catalog::Technique::Catch) => "catch",
        (Lang::En, crate::catalog::Technique::Create) => "create",
    };
    if short {
        format!("{label} {offered}/{target} ({})", tx.no_candidates)
    } else {
        format!("{label} {offered}/{target}")
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
