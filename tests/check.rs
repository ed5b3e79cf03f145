//! `sufler check` on good and bad catalogues: one fixture per error and per lint, each
//! asserting the exit code and the `file:line` the trainer is sent to.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary copy of the bundled catalogue that a test breaks in one place.
struct Catalogue {
    dir: tempfile::TempDir,
}

impl Catalogue {
    fn bundled() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(root.join("products.toml"), dir.path().join("products.toml")).unwrap();
        std::fs::create_dir(dir.path().join("scripts")).unwrap();
        for entry in std::fs::read_dir(root.join("scripts")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(
                entry.path(),
                dir.path().join("scripts").join(entry.file_name()),
            )
            .unwrap();
        }
        Catalogue { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Replaces the `nth` (0-based) occurrence of `from` with `to`.
    fn replace_nth(&self, rel: &str, from: &str, to: &str, nth: usize) -> &Self {
        let text = self.read(rel);
        let (at, _) = text
            .match_indices(from)
            .nth(nth)
            .unwrap_or_else(|| panic!("{from:?} #{nth} not in {rel}"));
        let edited = format!("{}{}{}", &text[..at], to, &text[at + from.len()..]);
        self.write(rel, &edited);
        self
    }

    fn replace(&self, rel: &str, from: &str, to: &str) -> &Self {
        self.replace_nth(rel, from, to, 0)
    }

    /// 1-based line of the first occurrence of `needle` in the file as it is now.
    fn line_of(&self, rel: &str, needle: &str) -> usize {
        let text = self.read(rel);
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {rel}"));
        text[..at].matches('\n').count() + 1
    }

    fn check(&self, extra: &[&str]) -> Outcome {
        let out = Command::cargo_bin("sufler")
            .unwrap()
            .arg("check")
            .arg("--catalog")
            .arg(self.dir.path())
            .args(extra)
            .output()
            .unwrap();
        Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Asserts exit code 1 and an error at `file:line` whose message contains `message`.
    fn error_at(&self, file: &str, line: usize, message: &str) {
        self.diagnostic("error", file, line, message);
        assert_eq!(self.code, Some(1), "exit code; stderr:\n{}", self.stderr);
    }

    fn warning_at(&self, file: &str, line: usize, message: &str) {
        self.diagnostic("warning", file, line, message);
    }

    fn diagnostic(&self, kind: &str, file: &str, line: usize, message: &str) {
        let prefix = format!("{file}:{line}:");
        let found = self.stderr.lines().any(|l| {
            l.starts_with(&prefix) && l.contains(&format!(": {kind}: ")) && l.contains(message)
        });
        assert!(
            found,
            "expected `{prefix}… {kind}: …{message}…` in:\n{}",
            self.stderr
        );
    }
}

// ---- clean catalogues -----------------------------------------------------------------

#[test]
fn bundled_catalogue_checks_clean() {
    let out = Catalogue::bundled().check(&["--deny-warnings"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert!(out.stdout.contains("ok — "), "{}", out.stdout);
    assert!(out.stdout.contains("3 main"), "{}", out.stdout);
    assert!(
        out.stdout.contains("3 upsells, 3 downsells"),
        "{}",
        out.stdout
    );
}

#[test]
fn built_in_copy_checks_clean_when_no_catalogue_is_around() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .current_dir(empty.path())
        .env("XDG_CONFIG_HOME", empty.path())
        .args(["check", "--deny-warnings"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("built-in catalogue: ok"));
}

#[test]
fn current_directory_and_xdg_config_are_found() {
    let c = Catalogue::bundled();
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .current_dir(c.dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(".: ok"));

    // With no catalogue in the current directory, $XDG_CONFIG_HOME/sufler/ is used: here a
    // broken one, so the failure shows which copy was checked.
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("sufler/scripts")).unwrap();
    std::fs::write(
        config.path().join("sufler/products.toml"),
        "[[product]]\nid = \"x\"\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .current_dir(elsewhere.path())
        .env("XDG_CONFIG_HOME", config.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("products.toml:1:1: error: [[product]]: missing field `name`"));
}

#[test]
fn a_new_main_product_written_only_in_toml_checks_clean() {
    let c = Catalogue::bundled();
    let mut products = c.read("products.toml");
    products.push_str(
        r#"
[[product]]
id = "mortgage"
name = "Ипотека «Свой дом»"
family = "loans"
params = { rate = "от 6% годовых по семейной программе" }
price = 6000000

[[link]]
main = "mortgage"
cross = "loan_insurance"
category = "necessary"
why = "защита заёмщика снижает ставку и бережёт семью"

[[link]]
main = "mortgage"
cross = "debit_card"
category = "complementary"
why = "платежи по ипотеке удобно списывать с карты"

[[product]]
id = "mortgage_plus"
name = "Ипотека «Свой дом Плюс»"
family = "loans"
params = { rate = "на 0,5 п.п. ниже при первом взносе от 30%" }
price = 7000000

[[upsell]]
main = "mortgage"
better = "mortgage_plus"
why = "при первом взносе от 30% ставка ниже на весь срок"

[[downsell]]
main = "mortgage"
fallback = "consumer_loan"
why = "если ипотеку не одобрили на нужную сумму, ремонт можно оплатить кредитом наличными"
say = ["Если сейчас ипотека не подходит, ремонт можно начать с кредита {product.name}: решение {product.decision}."]
"#,
    );
    c.write("products.toml", &products);
    c.write(
        "scripts/mortgage.toml",
        r#"main = "mortgage"
title = "Консультация по ипотеке"

[[stage]]
id = "greeting"
title = "Приветствие"
say = ["Здравствуйте, {client}! Давайте подберём ипотеку под вашу семью."]

[[stage]]
id = "presentation"
title = "Презентация"
say = ["{main.name}: ставка {main.rate}."]

  [[stage.moment]]
  technique = "catch"
  product = "loan_insurance"
  cue = "когда говорите о ставке"
  say = ["С программой защиты ставка ниже, а семья защищена: {product.cover}.", "Защита заёмщика снижает ставку и закрывает риски: {product.cover}."]

  [[stage.moment]]
  technique = "catch"
  product = "debit_card"
  say = ["Ежемесячный платёж удобно списывать с карты: {product.name}, обслуживание {product.fee}.", "Платёж спишется с карты сам, а за покупки вернётся кешбэк {product.cashback}."]

  [[stage.moment]]
  technique = "upsell"
  product = "mortgage_plus"
  cue = "когда клиент называет первый взнос"
  say = ["При первом взносе от 30% подойдёт {product.name}: ставка {product.rate}.", "{product.name} снижает ставку {product.rate}, а платёж — на весь срок."]

[[stage]]
id = "closing"
title = "Завершение"
create = true
say = ["Подготовлю документы, {client}."]
"#,
    );
    let out = c.check(&["--deny-warnings"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("4 main"), "{}", out.stdout);
    assert!(
        out.stdout.contains("4 upsells, 4 downsells"),
        "{}",
        out.stdout
    );
}

// ---- errors ---------------------------------------------------------------------------

#[test]
fn toml_syntax_error_is_located() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/deposit.toml",
        "title = \"Презентация\"",
        "title = \"Презентация",
    );
    let line = c.line_of("scripts/deposit.toml", "title = \"Презентация");
    c.check(&[])
        .error_at("scripts/deposit.toml", line, "TOML syntax");
}

#[test]
fn every_problem_is_reported_at_once() {
    let c = Catalogue::bundled();
    c.replace("scripts/deposit.toml", "{client}", "{clinet}");
    c.replace(
        "scripts/credit_card.toml",
        "title = \"Приветствие\"",
        "title = \"Приветствие",
    );
    c.replace(
        "products.toml",
        "category = \"popular\"",
        "category = \"populr\"",
    );
    let out = c.check(&[]);
    assert_eq!(out.code, Some(1));
    for file in [
        "scripts/deposit.toml",
        "scripts/credit_card.toml",
        "products.toml",
    ] {
        assert!(
            out.stderr.contains(&format!("{file}:")),
            "{file} missing:\n{}",
            out.stderr
        );
    }
    assert!(out.stderr.contains("3 errors"), "{}", out.stderr);
}

#[test]
fn missing_products_file() {
    let c = Catalogue::bundled();
    std::fs::remove_file(c.path("products.toml")).unwrap();
    let out = c.check(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("products.toml: error: cannot read")
            && out.stderr.contains("no such file"),
        "{}",
        out.stderr
    );
}

#[test]
fn unreadable_scripts_directory() {
    let c = Catalogue::bundled();
    std::fs::remove_dir_all(c.path("scripts")).unwrap();
    // A file where the directory should be cannot be listed, even by root.
    c.write("scripts", "not a directory");
    let out = c.check(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("scripts/: error: cannot read the scripts directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn file_that_is_not_utf8() {
    let c = Catalogue::bundled();
    std::fs::write(c.path("scripts/deposit.toml"), b"main = \"deposit\xff\"\n").unwrap();
    let out = c.check(&[]);
    assert_eq!(out.code, Some(1));
    assert!(out
        .stderr
        .contains("scripts/deposit.toml: error: the file is not UTF-8"));
}

#[test]
fn duplicate_product_id() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "id = \"sms_alerts\"",
        "id = \"mobile_bank\"",
    );
    let line = c.line_of("products.toml", "id = \"mobile_bank\"\nname = \"СМС");
    let first = c.line_of("products.toml", "id = \"mobile_bank\"");
    c.check(&[]).error_at(
        "products.toml",
        line,
        &format!("duplicate product id `mobile_bank` (first defined on line {first})"),
    );
}

#[test]
fn duplicate_stage_id() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/credit_card.toml",
        "id = \"objections\"",
        "id = \"needs\"",
    );
    let line = c.line_of(
        "scripts/credit_card.toml",
        "id = \"needs\"\ntitle = \"Работа",
    );
    c.check(&[]).error_at(
        "scripts/credit_card.toml",
        line,
        "duplicate stage id `needs`",
    );
}

#[test]
fn misspelt_product_in_a_link_gets_did_you_mean() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "cross = \"loan_insurance\"",
        "cross = \"loan_insurence\"",
    );
    let line = c.line_of("products.toml", "loan_insurence");
    c.check(&[]).error_at(
        "products.toml",
        line,
        "unknown product `loan_insurence`; did you mean `loan_insurance`?",
    );
}

#[test]
fn misspelt_product_in_a_moment_and_an_objection() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/deposit.toml",
        "product = \"savings_account\"",
        "product = \"savings_acount\"",
    );
    c.replace(
        "scripts/consumer_loan.toml",
        "product = \"life_insurance\"",
        "product = \"life_insurence\"",
    );
    let out = c.check(&[]);
    let l1 = c.line_of("scripts/deposit.toml", "savings_acount");
    let l2 = c.line_of("scripts/consumer_loan.toml", "life_insurence");
    out.error_at(
        "scripts/deposit.toml",
        l1,
        "did you mean `savings_account`?",
    );
    out.error_at(
        "scripts/consumer_loan.toml",
        l2,
        "did you mean `life_insurance`?",
    );
}

#[test]
fn script_for_a_product_not_in_the_catalogue() {
    let c = Catalogue::bundled();
    c.write(
        "scripts/mortgage.toml",
        "main = \"mortgage\"\ntitle = \"Ипотека\"\n\n[[stage]]\nid = \"closing\"\ntitle = \"Завершение\"\ncreate = true\n",
    );
    c.check(&[]).error_at(
        "scripts/mortgage.toml",
        1,
        "script for product `mortgage`, which is not in products.toml",
    );
}

#[test]
fn empty_phrase() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/deposit.toml",
        "\"Присаживайтесь, пожалуйста. Консультация займёт около пятнадцати минут, договор подготовлю здесь же.\"",
        "\"  \"",
    );
    let line = c.line_of("scripts/deposit.toml", "\"  \"");
    c.check(&[])
        .error_at("scripts/deposit.toml", line, "empty phrase");
}

#[test]
fn unknown_placeholder_points_inside_the_string() {
    let c = Catalogue::bundled();
    c.replace("scripts/deposit.toml", "{main.rate}", "{main.rte}");
    let line = c.line_of("scripts/deposit.toml", "{main.rte}");
    let out = c.check(&[]);
    out.error_at(
        "scripts/deposit.toml",
        line,
        "unknown placeholder `{main.rte}`; did you mean `main.rate`?",
    );
    let text = c.read("scripts/deposit.toml");
    let line_text = text.lines().nth(line - 1).unwrap();
    let col = line_text[..line_text.find("{main.rte}").unwrap()]
        .chars()
        .count()
        + 1;
    assert!(out
        .stderr
        .contains(&format!("scripts/deposit.toml:{line}:{col}:")));
}

#[test]
fn unknown_key_is_an_error_with_suggestion() {
    let c = Catalogue::bundled();
    c.replace("products.toml", "family = \"remote\"", "famly = \"remote\"");
    let line = c.line_of("products.toml", "famly");
    c.check(&[]).error_at(
        "products.toml",
        line,
        "unknown key `famly` in [[product]]; did you mean `family`?",
    );
}

#[test]
fn unknown_category_and_technique() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "category = \"priority\"",
        "category = \"urgent\"",
    );
    c.replace(
        "scripts/credit_card.toml",
        "technique = \"catch\"",
        "technique = \"cacth\"",
    );
    let out = c.check(&[]);
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "urgent"),
        "unknown link category `urgent`",
    );
    out.error_at(
        "scripts/credit_card.toml",
        c.line_of("scripts/credit_card.toml", "cacth"),
        "unknown technique `cacth`; did you mean `catch`?",
    );
}

#[test]
fn missing_field_and_wrong_type() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "name = \"СМС-уведомления об операциях\"\n",
        "",
    );
    c.replace(
        "products.toml",
        "plan_per_month = 20",
        "plan_per_month = \"двадцать\"",
    );
    let out = c.check(&[]);
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "id = \"sms_alerts\"") - 1,
        "missing field `name`",
    );
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "двадцать"),
        "`plan_per_month` must be a whole number (no quotes), not string",
    );
}

// ---- lints ----------------------------------------------------------------------------

#[test]
fn lint_catch_moments_cover_fewer_than_the_formula() {
    let c = Catalogue::bundled();
    // The deposit script has catch moments for its five linked products.
    c.replace("products.toml", "catch = 2", "catch = 6");
    c.replace(
        "products.toml",
        "max_extra_offers = 3",
        "max_extra_offers = 7",
    );
    let out = c.check(&[]);
    assert_eq!(out.code, Some(0), "warnings only:\n{}", out.stderr);
    let line = c.line_of("scripts/deposit.toml", "main = ");
    out.warning_at("scripts/deposit.toml", line, "fewer than formula.catch = 6");
}

#[test]
fn lint_no_create_moment_anywhere() {
    let c = Catalogue::bundled();
    c.replace("scripts/credit_card.toml", "create = true\n", "");
    c.replace(
        "scripts/credit_card.toml",
        "technique = \"create\"",
        "technique = \"catch\"",
    );
    let out = c.check(&[]);
    out.warning_at(
        "scripts/credit_card.toml",
        c.line_of("scripts/credit_card.toml", "main = "),
        "no stage has a create moment",
    );
}

#[test]
fn lint_more_extra_offers_than_the_policy() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "max_extra_offers = 3",
        "max_extra_offers = 2",
    );
    let out = c.check(&[]);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "max_extra_offers = 2"),
        "the formula can never be met",
    );
    out.warning_at(
        "scripts/deposit.toml",
        c.line_of("scripts/deposit.toml", "id = \"presentation\""),
        "more than max_extra_offers = 2",
    );
    assert_eq!(out.code, Some(0));
    assert_eq!(c.check(&["--deny-warnings"]).code, Some(1));
}

#[test]
fn lint_create_opener_is_not_a_question() {
    let c = Catalogue::bundled();
    let products = c.read("products.toml");
    let opener_start = products.find("create = [\n").unwrap() + "create = [\n".len();
    let line_end = opener_start + products[opener_start..].find("?\",").unwrap();
    let mut edited = products.clone();
    edited.replace_range(line_end..line_end + 1, ".");
    c.write("products.toml", &edited);
    let line = edited[..line_end].matches('\n').count() + 1;
    let out = c.check(&[]);
    out.warning_at("products.toml", line, "should be a question");
    assert_eq!(out.code, Some(0));
}

#[test]
fn lint_blunt_purchase_question() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/consumer_loan.toml",
        "say = [\n    \"",
        "say = [\n    \"Не хотите ли оформить ещё и это? ",
    );
    let line = c.line_of("scripts/consumer_loan.toml", "Не хотите ли");
    c.check(&[]).warning_at(
        "scripts/consumer_loan.toml",
        line,
        "asks bluntly for a yes/no purchase",
    );
}

#[test]
fn lint_linked_product_without_catch_phrase() {
    let c = Catalogue::bundled();
    // Link sms_alerts to the deposit too: the deposit script has no phrase for it.
    let mut products = c.read("products.toml");
    products.push_str(
        "\n[[link]]\nmain = \"deposit\"\ncross = \"sms_alerts\"\ncategory = \"complementary\"\nwhy = \"уведомления о начислении процентов\"\n",
    );
    c.write("products.toml", &products);
    let line = products.lines().count() - 2;
    c.check(&[]).warning_at(
        "products.toml",
        line,
        "`sms_alerts` is linked to `deposit` but has no catch phrase anywhere",
    );
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/consumer_loan.toml",
        "say = [\n    \"",
        "say = [\n    \"Будем оформлять? ",
    );
    assert_eq!(c.check(&[]).code, Some(0));
    let out = c.check(&["--deny-warnings"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("(warnings denied)"));
}

// ---- upsell, downsell, prices, promises ------------------------------------------------

impl Outcome {
    fn errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect()
    }

    fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(": warning: "))
            .collect()
    }

    /// Exactly one diagnostic in all, an error at `file:line` saying `message`.
    fn only_error_at(&self, file: &str, line: usize, message: &str) {
        self.error_at(file, line, message);
        assert_eq!(self.errors().len(), 1, "one error:\n{}", self.stderr);
        assert_eq!(self.warnings().len(), 0, "no warning:\n{}", self.stderr);
    }
}

#[test]
fn one_misspelt_product_key_is_one_error_and_the_product_stays_known() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "name = \"Вклад «Доходный»\"",
        "nmae = \"Вклад «Доходный»\"",
    );
    let out = c.check(&[]);
    out.only_error_at(
        "products.toml",
        c.line_of("products.toml", "nmae"),
        "unknown key `nmae` in [[product]]; did you mean `name`?",
    );
    assert!(out.stderr.contains("1 error, 0 warnings"), "{}", out.stderr);
    // Even the id itself misspelt: the value is read as the id meant.
    let c = Catalogue::bundled();
    c.replace("products.toml", "id = \"deposit\"", "iid = \"deposit\"");
    c.check(&[]).only_error_at(
        "products.toml",
        c.line_of("products.toml", "iid"),
        "did you mean `id`?",
    );
}

#[test]
fn one_misspelt_key_in_a_row_stage_or_moment_is_one_error() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "products.toml",
            "cross = \"debit_card\"",
            "crss = \"debit_card\"",
            "crss",
        ),
        (
            "products.toml",
            "category = \"popular\"",
            "catgory = \"popular\"",
            "catgory",
        ),
        (
            "products.toml",
            "better = \"deposit_max\"",
            "beter = \"deposit_max\"",
            "beter",
        ),
        (
            "products.toml",
            "fallback = \"debit_overdraft\"",
            "falback = \"debit_overdraft\"",
            "falback",
        ),
        (
            "scripts/deposit.toml",
            "title = \"Презентация\"",
            "tilte = \"Презентация\"",
            "tilte",
        ),
        (
            "scripts/deposit.toml",
            "technique = \"catch\"",
            "techniqe = \"catch\"",
            "techniqe",
        ),
        (
            "scripts/deposit.toml",
            "technique = \"upsell\"",
            "tecnique = \"upsell\"",
            "tecnique",
        ),
        ("scripts/credit_card.toml", "client = ", "clent = ", "clent"),
        (
            "scripts/deposit.toml",
            "main = \"deposit\"",
            "mian = \"deposit\"",
            "mian",
        ),
        (
            "products.toml",
            "[[product]]\nid = \"credit_card\"",
            "[[prodcut]]\nid = \"credit_card\"",
            "prodcut",
        ),
    ];
    for &(file, from, to, key) in cases {
        let c = Catalogue::bundled();
        c.replace(file, from, to);
        c.check(&[])
            .only_error_at(file, c.line_of(file, key), &format!("unknown key `{key}`"));
    }
}

#[test]
fn a_wrong_type_is_one_error_at_the_value() {
    for (from, to, needle) in [
        ("price = 2388", "price = \"много\"", "много"),
        (
            "follow_up_days = 10",
            "follow_up_days = \"десять\"",
            "десять",
        ),
        ("name = \"Вклад «Доходный»\"", "name = 5", "name = 5"),
        ("rate = \"11% годовых\"", "rate = [11]", "rate = [11]"),
    ] {
        let c = Catalogue::bundled();
        c.replace("products.toml", from, to);
        let out = c.check(&[]);
        let line = c.line_of("products.toml", needle);
        out.only_error_at("products.toml", line, "[[product]]");
    }
    let c = Catalogue::bundled();
    c.replace("products.toml", "price = 2388", "price = \"много\"");
    c.check(&[]).error_at(
        "products.toml",
        c.line_of("products.toml", "много"),
        "`price` must be a number (no quotes), not string \"много\"",
    );
}

#[test]
fn bad_price_and_follow_up_values() {
    let c = Catalogue::bundled();
    c.replace("products.toml", "price = 2388", "price = -5");
    c.replace("products.toml", "follow_up_days = 10", "follow_up_days = 0");
    let out = c.check(&[]);
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "price = -5"),
        "price must be a number of roubles, 0 or more",
    );
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "follow_up_days = 0"),
        "follow_up_days must be at least 1",
    );
}

#[test]
fn unknown_products_in_upsell_downsell_rows_and_moments() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "better = \"deposit_max\"",
        "better = \"deposit_mx\"",
    );
    c.replace(
        "products.toml",
        "main = \"credit_card\"\nfallback",
        "main = \"credit_crad\"\nfallback",
    );
    c.replace(
        "scripts/consumer_loan.toml",
        "product = \"secured_loan\"",
        "product = \"secured_lon\"",
    );
    let out = c.check(&[]);
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "deposit_mx"),
        "unknown product `deposit_mx`; did you mean `deposit_max`?",
    );
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "credit_crad"),
        "unknown product `credit_crad`; did you mean `credit_card`?",
    );
    out.error_at(
        "scripts/consumer_loan.toml",
        c.line_of("scripts/consumer_loan.toml", "secured_lon"),
        "unknown product `secured_lon`; did you mean `secured_loan`?",
    );
    assert_eq!(out.errors().len(), 3, "{}", out.stderr);
}

#[test]
fn duplicate_and_self_rows() {
    let c = Catalogue::bundled();
    let mut products = c.read("products.toml");
    products.push_str(
        r#"
[[upsell]]
main = "deposit"
better = "deposit_max"
why = "ещё раз"

[[downsell]]
main = "credit_card"
fallback = "debit_overdraft"
why = "ещё раз"

[[upsell]]
main = "consumer_loan"
better = "consumer_loan"
why = "сам себе"
"#,
    );
    c.write("products.toml", &products);
    let out = c.check(&[]);
    let text = c.read("products.toml");
    let line_of_nth = |needle: &str, nth: usize| {
        let (at, _) = text.match_indices(needle).nth(nth).unwrap();
        text[..at].matches('\n').count() + 1
    };
    out.error_at(
        "products.toml",
        line_of_nth("better = \"deposit_max\"", 1),
        "duplicate upsell deposit → deposit_max (first on line",
    );
    out.error_at(
        "products.toml",
        line_of_nth("fallback = \"debit_overdraft\"", 1),
        "duplicate downsell credit_card → debit_overdraft",
    );
    out.error_at(
        "products.toml",
        c.line_of("products.toml", "better = \"consumer_loan\""),
        "`consumer_loan` cannot be its own upsell",
    );
    let json = c.check(&["--format", "json"]).stdout;
    assert!(
        json.contains("\"E022\"") && json.contains("\"E023\""),
        "{json}"
    );
}

#[test]
fn placeholders_in_a_rows_say_are_checked() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "why = \"при сумме от 500 000 рублей ставка выше на 1 п.п., выплата процентов та же\"",
        "why = \"при сумме от 500 000 рублей ставка выше\"\nsay = [\"{product.rat} по вкладу {main.name}\"]",
    );
    c.check(&[]).error_at(
        "products.toml",
        c.line_of("products.toml", "{product.rat}"),
        "unknown placeholder `{product.rat}`; did you mean `product.rate`?",
    );
}

#[test]
fn lint_upsell_dearer_than_a_quarter_above_the_main() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "price = 500000   # сумма",
        "price = 500001   # сумма",
    );
    let out = c.check(&[]);
    assert_eq!(out.code, Some(0), "warnings only:\n{}", out.stderr);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "better = \"deposit_max\""),
        "upsell `deposit_max` (500001 ₽) costs more than 1.25 × the price of `deposit` (400000 ₽",
    );
    assert_eq!(out.warnings().len(), 1, "{}", out.stderr);
    assert!(c.check(&["--format", "json"]).stdout.contains("\"W012\""));
    // No price on either side, or a zero price: nothing to compare.
    let c = Catalogue::bundled();
    c.replace("products.toml", "price = 400000", "price = 0");
    c.replace(
        "products.toml",
        "price = 500000   # сумма",
        "price = 9000000   # сумма",
    );
    assert_eq!(c.check(&["--deny-warnings"]).code, Some(0));
}

#[test]
fn lint_catch_product_dearer_than_its_main() {
    let c = Catalogue::bundled();
    c.replace("products.toml", "price = 990", "price = 2500");
    let out = c.check(&[]);
    assert_eq!(out.code, Some(0), "warnings only:\n{}", out.stderr);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "cross = \"card_insurance\""),
        "catch product `card_insurance` (2500 ₽) is dearer than its main product `credit_card` (2388 ₽)",
    );
    assert_eq!(out.warnings().len(), 1, "{}", out.stderr);
}

#[test]
fn lint_upsell_and_downsell_with_no_phrase() {
    let c = Catalogue::bundled();
    c.replace(
        "scripts/deposit.toml",
        "technique = \"upsell\"",
        "technique = \"catch\"",
    );
    c.replace(
        "scripts/credit_card.toml",
        "technique = \"downsell\"",
        "technique = \"catch\"",
    );
    let out = c.check(&[]);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "better = \"deposit_max\""),
        "upsell deposit → deposit_max has no phrase anywhere",
    );
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "fallback = \"debit_overdraft\""),
        "downsell credit_card → debit_overdraft has no phrase anywhere",
    );
    // A row's own `say` is a phrase.
    let c = Catalogue::bundled();
    c.replace(
        "scripts/deposit.toml",
        "technique = \"upsell\"",
        "technique = \"catch\"",
    );
    c.replace(
        "products.toml",
        "better = \"deposit_max\"",
        "better = \"deposit_max\"\nsay = [\"{product.name}: ставка {product.rate} от {product.min_sum}.\"]",
    );
    let out = c.check(&[]);
    assert!(
        !out.stderr.contains("has no phrase anywhere"),
        "{}",
        out.stderr
    );
}

#[test]
fn lint_upsell_moment_without_a_row() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "[[upsell]]\nmain = \"deposit\"\nbetter = \"deposit_max\"",
        "[[upsell]]\nmain = \"consumer_loan\"\nbetter = \"deposit_max\"",
    );
    let out = c.check(&[]);
    out.warning_at(
        "scripts/deposit.toml",
        c.line_of("scripts/deposit.toml", "product = \"deposit_max\""),
        "upsell moment for `deposit_max`, but products.toml has no [[upsell]] row with main = \"deposit\"",
    );
}

#[test]
fn lint_promises_an_insurance_pension_or_investment_product_cannot_keep() {
    let c = Catalogue::bundled();
    c.replace(
        "products.toml",
        "\"Пенсионная программа позволяет откладывать",
        "\"Это надёжно, как вклад, и программа позволяет откладывать",
    );
    c.replace(
        "scripts/deposit.toml",
        "\"Риск действительно есть, доходность не гарантирована.",
        "\"Здесь вы получите гарантированного дохода больше.",
    );
    c.replace(
        "scripts/consumer_loan.toml",
        "\"Программа покрывает понятные риски:",
        "\"Без рисков для семьи, деньги застрахован государством:",
    );
    let out = c.check(&[]);
    assert_eq!(out.code, Some(0), "warnings only:\n{}", out.stderr);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "как вклад"),
        "`npf` is a product of the family `pension`, which cannot promise «как вклад»",
    );
    out.warning_at(
        "scripts/deposit.toml",
        c.line_of("scripts/deposit.toml", "гарантированного дохода"),
        "`iis` is a product of the family `investments`, which cannot promise «гарантированный доход»",
    );
    out.warning_at(
        "scripts/consumer_loan.toml",
        c.line_of("scripts/consumer_loan.toml", "Без рисков"),
        "which cannot promise «без риска»",
    );
    // The place is the promise itself, inside the string.
    let json = c.check(&["--format", "json"]).stdout;
    let npf = json
        .lines()
        .find(|l| l.contains("\"W015\"") && l.contains("как вклад"))
        .unwrap();
    let text = c.read("products.toml");
    let at = text.find("как вклад").unwrap();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let column = text[start..at].chars().count() + 1;
    assert!(npf.contains(&format!("\"column\":{column},")), "{npf}");
    // A deposit may say that deposits are insured by the state.
    assert!(
        !out.stderr.contains("`deposit` is a product"),
        "{}",
        out.stderr
    );
}

#[test]
fn lint_insurance_without_a_disclosure() {
    let c = Catalogue::bundled();
    let text = c.read("products.toml");
    let start = text.find("disclosure = [\n  \"Защита карты").unwrap();
    let end = start + text[start..].find("]\n").unwrap() + 2;
    c.write(
        "products.toml",
        &format!("{}{}", &text[..start], &text[end..]),
    );
    let out = c.check(&[]);
    assert_eq!(out.code, Some(0), "warnings only:\n{}", out.stderr);
    out.warning_at(
        "products.toml",
        c.line_of("products.toml", "id = \"card_insurance\""),
        "`card_insurance` is a product of the family `insurance` but has no `disclosure`",
    );
    assert_eq!(c.check(&["--deny-warnings"]).code, Some(1));
}

/// #14: a catalogue of its own, written only in TOML — a mortgage with an upsell and a
/// downsell (tests/fixtures/mortgage, also run in the screen by tests/e2e.rs) — is clean.
#[test]
fn a_mortgage_catalogue_with_an_upsell_and_a_downsell_checks_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mortgage");
    let out = Command::cargo_bin("sufler")
        .unwrap()
        .args(["check", "--deny-warnings", "--catalog"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 upsells, 1 downsells") || stdout.contains("1 upsell, 1 downsell"),
        "{stdout}"
    );
}
