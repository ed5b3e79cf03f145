//! The raw, spanned shapes of the trainer's files: what the loader deserialises each table
//! into, and (through `schemars`) the JSON Schema that editors use. Every field's doc comment
//! is its description in the schema, Russian first, then English.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::model::LinkCategory;

pub(crate) type Text = Spanned<String>;

/// Формула продаж на одну консультацию / The sales formula for one consultation.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Formula")]
pub(crate) struct RawFormula {
    /// Кросс-продаж техникой «Лови момент» за консультацию (по умолчанию 2) / Cross-sells by "catch the moment" per consultation (default 2).
    pub catch: Option<u32>,
    /// Кросс-продаж техникой «Создай момент» за консультацию (по умолчанию 1) / Cross-sells by "create the moment" per consultation (default 1).
    pub create: Option<u32>,
}

/// Правила предложений / Offer policy.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Policy")]
pub(crate) struct RawPolicy {
    /// Сколько дней не предлагать клиенту продукт, от которого он отказался (по умолчанию 30) / Days a declined product is not proposed to that client again (default 30).
    pub decline_cooldown_days: Option<u32>,
    /// Не больше стольких дополнительных предложений за встречу (по умолчанию 3) / At most this many extra offers in one meeting (default 3).
    #[schemars(with = "Option<u32>")]
    pub max_extra_offers: Option<Spanned<u32>>,
}

/// Возраст клиента, с которым продукт можно предлагать (включительно) / The client's age range (inclusive) in which the product may be offered.
#[derive(Deserialize, Clone, Copy, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Eligible")]
pub(crate) struct RawEligible {
    /// Наименьший возраст, лет / The lowest age, in years.
    pub min_age: Option<u32>,
    /// Наибольший возраст, лет / The highest age, in years.
    pub max_age: Option<u32>,
}

/// Значение параметра: текст или число / A parameter's value: text or a number.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ParamValue {
    Text(String),
    Integer(i64),
    Float(f64),
}

/// Продукт каталога / A product of the catalogue.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Product")]
pub(crate) struct RawProduct {
    /// Идентификатор: a-z, 0-9 и _, уникальный / The id: a-z, 0-9 and _, unique.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9_]+$"))]
    pub id: Text,
    /// Название, как его видит сотрудник / The name, as the officer sees it.
    #[schemars(with = "String")]
    pub name: Text,
    /// Семейство для группировки (insurance, pension, investments, cards, deposits…) / The family used for grouping (insurance, pension, investments, cards, deposits…).
    #[serde(default)]
    pub family: String,
    /// Параметры для подстановок {product.<параметр>} и {main.<параметр>} / Parameters for the {product.<param>} and {main.<param>} placeholders.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ParamValue>")]
    pub params: BTreeMap<String, Spanned<ParamValue>>,
    /// План продаж на сотрудника в календарный месяц; делает продукт плановым / The target per officer per calendar month; makes it a plan product.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub plan_per_month: Option<Spanned<u32>>,
    /// Возрастные ограничения / Age limits.
    #[schemars(with = "Option<RawEligible>")]
    pub eligible: Option<Spanned<RawEligible>>,
    /// Вопросы «Создай момент», открывающие тему продукта после любого основного / "Create the moment" openers (questions) usable after any main product.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub create: Vec<Text>,
    /// Короткая презентация продукта / Short presentation lines.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub pitch: Vec<Text>,
    /// Что обязательно сказать до согласия клиента: добровольность, период охлаждения… / What must be said before the client agrees: voluntary, cooling-off period…
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub disclosure: Vec<Text>,
    /// Цена в рублях: сколько клиент платит в год или типичная сумма; сравнивается только проверками апсейла и кросс-продаж / The price in roubles: what the client pays per year or the typical amount; compared only by the upsell and cross-sell lints.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub price: Option<Spanned<f64>>,
    /// Через сколько дней после оформления позвонить клиенту, согласному на звонки (не меньше 1) / Days after an acceptance to the check-in call, for clients who consented to calls (at least 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub follow_up_days: Option<Spanned<u32>>,
}

/// Строка матрицы кросс-продаж / One row of the cross-sell matrix.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Link")]
pub(crate) struct RawLink {
    /// Основной продукт (id) / The main product (id).
    #[schemars(with = "String")]
    pub main: Text,
    /// Дополнительный продукт (id) / The cross-sell product (id).
    #[schemars(with = "String")]
    pub cross: Text,
    /// Категория связи / The link's category.
    #[schemars(with = "LinkCategory")]
    pub category: Text,
    /// Почему продукты идут вместе / Why the products go together.
    #[schemars(with = "String")]
    pub why: Text,
    /// Фразы «Лови момент» прямо в матрице, если в сценарии их нет / Catch phrases kept in the matrix, used when no script moment has one.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub say: Vec<Text>,
}

/// Апсейл: лучшая версия основного продукта, предлагается на презентации / An upsell: a better version of the main product, offered in the presentation.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Upsell")]
pub(crate) struct RawUpsell {
    /// Основной продукт (id) / The main product (id).
    #[schemars(with = "String")]
    pub main: Text,
    /// Лучшая версия основного продукта (id) / The better version of the main product (id).
    #[schemars(with = "String")]
    pub better: Text,
    /// Чем лучшая версия выгоднее клиенту / Why the better version serves the client better.
    #[schemars(with = "String")]
    pub why: Text,
    /// Фразы апсейла прямо в строке, если в сценарии нет момента upsell / Upsell phrases kept in the row, used when the script has no upsell moment.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub say: Vec<Text>,
}

/// Даунсейл: запасной продукт, когда клиент отказался от основного / A downsell: a fallback offered when the client declines the main product.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Downsell")]
pub(crate) struct RawDownsell {
    /// Основной продукт (id) / The main product (id).
    #[schemars(with = "String")]
    pub main: Text,
    /// Запасной продукт (id), предлагаемый после отказа / The fallback product (id) offered after a decline.
    #[schemars(with = "String")]
    pub fallback: Text,
    /// Почему запасной продукт подходит клиенту / Why the fallback suits the client.
    #[schemars(with = "String")]
    pub why: Text,
    /// Фразы даунсейла прямо в строке, если в сценарии нет момента downsell / Downsell phrases kept in the row, used when the script has no downsell moment.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub say: Vec<Text>,
}

/// Техника момента: catch — «Лови момент», create — «Создай момент», upsell — лучшая версия основного продукта, downsell — запасной продукт после отказа от основного / The moment's technique: catch, create, upsell (a better version of the main product) or downsell (a fallback after the main product is declined).
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase", rename = "Technique")]
#[allow(dead_code)]
pub(crate) enum MomentTechnique {
    Catch,
    Create,
    Upsell,
    Downsell,
}

/// Этап сценария / A stage of the script.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StageKeys")]
pub(crate) struct RawStage {
    /// Идентификатор этапа: a-z, 0-9 и _ / The stage id: a-z, 0-9 and _.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9_]+$"))]
    pub id: Text,
    /// Название этапа / The stage's title.
    #[schemars(with = "String")]
    pub title: Text,
    /// Что сказать на этапе (варианты) / What to say at this stage (variants).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub say: Vec<Text>,
    /// Здесь Суфлёр предлагает плановый продукт с наибольшим отставанием от плана / Here Sufler proposes the plan product with the largest plan gap.
    #[serde(default)]
    pub create: bool,
}

/// Момент этапа: предложение дополнительного продукта / A moment of the stage: an extra product's offer.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Moment")]
pub(crate) struct RawMoment {
    /// Техника / The technique.
    #[schemars(with = "MomentTechnique")]
    pub technique: Text,
    /// Предлагаемый продукт (id); для upsell — лучшая версия, для downsell — запасной продукт / The product offered (id); for upsell the better version, for downsell the fallback.
    #[schemars(with = "String")]
    pub product: Text,
    /// Когда это сказать, мелким шрифтом / When to say it, shown small.
    #[schemars(with = "Option<String>")]
    pub cue: Option<Text>,
    /// Варианты фразы: чередуются, конверсия каждого считается / Phrase variants: rotated, each one's conversion is counted.
    #[schemars(with = "Vec<String>")]
    pub say: Vec<Text>,
}

/// Возражение клиента и ответы на него / A client's objection and the answers to it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Objection")]
pub(crate) struct RawObjection {
    /// Продукт (id): дополнительный или основной / The product (id): a cross-sell or the main one.
    #[schemars(with = "String")]
    pub product: Text,
    /// Что говорит клиент / What the client says.
    #[schemars(with = "String")]
    pub client: Text,
    /// Варианты ответа / Answer variants.
    #[schemars(with = "Vec<String>")]
    pub answer: Vec<Text>,
}

// ---- whole files, for the schema only --------------------------------------------------
// The loader reads the top level and `[[stage.moment]]` table by table (so one bad entry
// does not hide the others); these describe the same keys, and a test keeps the loader's key
// lists equal to them.

/// Каталог «Суфлёра»: продукты, матрица кросс-продаж, формула и правила (products.toml) / Sufler's catalogue: products, the cross-sell matrix, the formula and the policy (products.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ProductsFile {
    /// Метка версии каталога, например "2026-12"; хранится с каждой консультацией / The catalogue's version label, such as "2026-12"; stored with every consultation.
    version: Option<String>,
    /// Формула продаж / The sales formula.
    formula: Option<RawFormula>,
    /// Правила предложений / Offer policy.
    policy: Option<RawPolicy>,
    /// Продукты, в порядке файла / Products, in file order.
    #[schemars(default)]
    product: Vec<RawProduct>,
    /// Матрица кросс-продаж / The cross-sell matrix.
    #[schemars(default)]
    link: Vec<RawLink>,
    /// Апсейл: лучшие версии основных продуктов / Upsells: better versions of the main products.
    #[schemars(default)]
    upsell: Vec<RawUpsell>,
    /// Даунсейл: запасные продукты после отказа от основного / Downsells: fallbacks after the main product is declined.
    #[schemars(default)]
    downsell: Vec<RawDownsell>,
}

/// Сценарий консультации по основному продукту (scripts/<main>.toml) / A consultation script for one main product (scripts/<main>.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ScriptFile {
    /// Основной продукт (id) сценария / The script's main product (id).
    main: String,
    /// Название сценария / The script's title.
    title: String,
    /// Этапы по порядку / Stages, in order.
    #[schemars(default)]
    stage: Vec<StageTable>,
    /// Возражения и ответы / Objections and answers.
    #[schemars(default)]
    objection: Vec<RawObjection>,
}

/// Этап сценария с его моментами / A stage of the script with its moments.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
#[schemars(rename = "Stage")]
pub(crate) struct StageTable {
    #[schemars(flatten)]
    stage: RawStage,
    /// Моменты этапа: предложения дополнительных продуктов / The stage's moments: extra products' offers.
    #[schemars(default)]
    moment: Vec<RawMoment>,
}
