//! `sufler stats` and `sufler export` through the real binary, on databases filled through the
//! store API and the repository's catalogue.

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use predicates::prelude::*;
use serde_json::Value;
use sufler::consultation::{Client, Consultation, Note, Offer, Outcome, Technique};
use sufler::store::{EventKind, SledStore, Store, META_SCHEMA_KEY, SCHEMA_VERSION};

fn at(m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, m, d)
        .and_then(|x| x.and_hms_opt(h, 15, 0))
        .expect("date")
}

fn offer(product: &str, technique: Technique, variant: u32, outcome: Option<Outcome>) -> Offer {
    Offer {
        product: product.into(),
        technique,
        slot: None,
        stage: "presentation".into(),
        variant,
        made_at: at(3, 1, 10),
        outcome,
        outcome_at: None,
        disclosures_confirmed: Default::default(),
        follow_up: None,
        check_in: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn consultation(
    id: u64,
    started_at: NaiveDateTime,
    officer: &str,
    branch: &str,
    client_id: u64,
    main: &str,
    main_outcome: Option<Outcome>,
    offers: Vec<Offer>,
) -> Consultation {
    Consultation {
        id,
        started_at,
        officer: officer.into(),
        branch: branch.into(),
        client_id,
        main: main.into(),
        stage: 0,
        main_outcome,
        offers,
        notes: Vec::new(),
        not_receptive: false,
        create_skip: 0,
        finished_at: Some(started_at),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    }
}

/// March 2024: four consultations, two officers in two branches, eight offers.
/// Totals: 4 consultations, 3 main sold, catch 5 offered / 3 accepted, create 3 / 2,
/// compliance 2/4, products per client (3 + 5) / 4 = 2; npf 1 sold of 2 × 20.
fn fill(dir: &Path) {
    use Outcome::{Accepted as A, Declined as D, Thinking as T};
    use Technique::{Catch, Create};
    let store = SledStore::open(dir).expect("open");
    // The plan in force is stored with each month, as the officer's screen does.
    let catalog = sufler::catalog::load_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .catalog
        .expect("the catalogue");
    store.use_catalog(&catalog);
    let clients = store
        .add_clients(vec![
            Client {
                id: 0,
                last_name: "Иванова".into(),
                first_name: "Мария".into(),
                patronymic: "Петровна".into(),
                phone: "79161234567".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 5, 17).expect("date"),
                segment: "mass".into(),
                calls_consent: false,
            },
            Client {
                id: 0,
                last_name: "Петров".into(),
                first_name: "Пётр".into(),
                patronymic: String::new(),
                phone: "79031112233".into(),
                birth_date: NaiveDate::from_ymd_opt(1975, 1, 2).expect("date"),
                segment: "mass".into(),
                calls_consent: false,
            },
        ])
        .expect("clients");
    let (c1, c2) = (clients[0].id, clients[1].id);
    let mut first = consultation(
        1,
        at(3, 4, 10),
        "Анна",
        "Тверская",
        c1,
        "deposit",
        Some(A),
        vec![
            offer("debit_card", Catch, 0, Some(A)),
            offer("mobile_bank", Catch, 1, Some(D)),
            offer("npf", Create, 0, Some(A)),
        ],
    );
    // The first consultation ran on the catalogue's version (the others on none, as schema 1).
    first.catalog = catalog.version_id();
    first.notes.push(Note {
        stage: "presentation".into(),
        product: Some("debit_card".into()),
        text: "уже есть карта, \"зарплатная\"".into(),
        at: at(3, 4, 10),
    });
    let history = vec![
        first,
        consultation(
            2,
            at(3, 5, 11),
            "Анна",
            "Тверская",
            c2,
            "credit_card",
            Some(D),
            vec![
                offer("sms_alerts", Catch, 0, Some(T)),
                offer("npf", Create, 1, Some(D)),
            ],
        ),
        consultation(
            3,
            at(3, 12, 12),
            "Борис",
            "Арбат",
            c1,
            "deposit",
            Some(A),
            vec![
                offer("debit_card", Catch, 0, Some(A)),
                offer("savings_account", Catch, 0, Some(A)),
                offer("iis", Create, 0, Some(A)),
            ],
        ),
        consultation(
            4,
            at(3, 20, 9),
            "Борис",
            "Арбат",
            c2,
            "consumer_loan",
            Some(A),
            Vec::new(),
        ),
    ];
    store
        .save_all(&history, EventKind::Imported, "test")
        .expect("save");
}

/// How the detail names the version of the catalogue the tests run on.
fn version_name() -> String {
    sufler::catalog::load_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .catalog
        .and_then(|c| c.version_id())
        .expect("a version")
        .name()
}

fn filled() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path());
    dir
}

fn sufler(db: &Path) -> Command {
    let mut c = Command::cargo_bin("sufler").expect("binary");
    c.arg("--catalog")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--db")
        .arg(db);
    c
}

fn stdout(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a command that must fail with one line on stderr containing `message`.
fn fails(cmd: &mut Command, message: &str) {
    let out = cmd.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("sufler: ") && err.contains(message),
        "{err}"
    );
}

#[test]
fn stats_table_in_russian_and_english() {
    let db = filled();
    let out = String::from_utf8(stdout(sufler(db.path()).args([
        "stats",
        "--month",
        "2024-03",
        "--by",
        "officer,branch,gaps",
    ])))
    .expect("utf-8");
    assert!(
        out.starts_with("Период: 2024-03 (2024-03-01 — 2024-03-31)\n"),
        "{out}"
    );
    assert!(
        out.contains("основной продукт + 2 «лови момент» + 1 «создай момент»"),
        "{out}"
    );
    // A range is named by its dates, once.
    let range = String::from_utf8(stdout(sufler(db.path()).args([
        "stats",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-20",
    ])))
    .expect("utf-8");
    assert!(
        range.starts_with("Период: 2024-03-01 — 2024-03-20\n"),
        "{range}"
    );
    let line = |label: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{label}  ")))
            .unwrap_or_else(|| panic!("no `{label}` in\n{out}"))
            .split_whitespace()
            .skip(label.split_whitespace().count())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("Консультаций"), "4");
    assert_eq!(line("Осн. продано"), "3");
    assert_eq!(line("Лови: конв."), "60,0 %");
    assert_eq!(line("Выполнение формулы"), "50,0 %");
    assert_eq!(line("Продуктов на клиента"), "2,00");
    assert_eq!(line("Конверсия"), "62,5 %");
    // Plan: npf 1 of 2 officers × 20, not prorated (a past month).
    assert!(
        line("npf").starts_with("Пенсионная программа НПФ 1 40,0"),
        "{out}"
    );
    assert_eq!(
        line("npf").split(' ').rev().take(3).collect::<Vec<_>>(),
        ["%", "2,5", "40,0"]
    );
    assert!(!out.contains("пропорц"), "{out}");
    assert!(out.contains("Сотрудники\nСотрудник  Консультаций"), "{out}");
    assert!(out.contains("\nАнна  "), "{out}");
    assert!(out.contains("Отделения\nОтделение"), "{out}");
    assert!(out.contains("Арбат"), "{out}");
    assert!(out.contains("уже есть карта, \"зарплатная\""), "{out}");

    let en = String::from_utf8(stdout(sufler(db.path()).args([
        "--lang", "en", "stats", "--month", "2024-03", "--by", "variant",
    ])))
    .expect("utf-8");
    assert!(
        en.lines()
            .any(|l| l.trim_start().starts_with("Formula compliance ") && l.ends_with(" 50.0%")),
        "{en}"
    );
    assert!(en.contains("Phrase variants"), "{en}");
    assert!(en.contains("too few offers to compare (under 50)"), "{en}");
}

#[test]
fn bad_input_is_one_line_and_exit_1() {
    let db = filled();
    fails(
        sufler(db.path()).args(["stats", "--month", "2024-03", "--by", "officer,prodcut"]),
        "unknown grouping `prodcut`; did you mean `product`?",
    );
    fails(
        sufler(db.path()).args(["stats", "--from", "2024-03-10", "--to", "2024-03-01"]),
        "the period is inverted: --from 2024-03-10 is after --to 2024-03-01",
    );
    fails(
        sufler(db.path()).args(["stats", "--month", "2024-13"]),
        "invalid month `2024-13`",
    );
    fails(
        sufler(db.path()).args(["stats", "--from", "2024-3-1", "--to", "2024-03-05"]),
        "invalid date `2024-3-1`",
    );
    fails(
        sufler(db.path()).args(["export", "--format", "xslx"]),
        "unknown format `xslx`; did you mean `xlsx`?",
    );
    fails(
        sufler(&db.path().join("missing")).args(["stats", "--month", "2024-03"]),
        "there is no database at",
    );
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("no-such-dir/report.csv");
    fails(
        sufler(db.path())
            .args(["export", "--format", "csv", "--month", "2024-03", "-o"])
            .arg(&target),
        "cannot write",
    );
    // Nothing is left behind by a failing export with -o.
    let file = out.path().join("report.xlsx");
    fails(
        sufler(db.path())
            .args(["export", "--format", "xlsx", "--month", "2024-13", "-o"])
            .arg(&file),
        "invalid month `2024-13`",
    );
    fails(
        sufler(db.path())
            .args([
                "export", "--format", "csv", "--detail", "--by", "officer", "--month", "2024-03",
                "-o",
            ])
            .arg(&file),
        "--by does not apply",
    );
    fails(
        sufler(db.path())
            .args(["export", "--format", "csv", "--with-clients", "-o"])
            .arg(&file),
        "--with-clients applies to --detail only",
    );
    assert_eq!(std::fs::read_dir(out.path()).expect("dir").count(), 0);

    // A database from a newer schema.
    raw_sled::with_raw_sled(db.path(), |raw| {
        raw.open_tree("meta")
            .expect("meta")
            .insert(META_SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes())
            .expect("write");
    });
    fails(
        sufler(db.path()).args(["stats", "--month", "2024-03"]),
        &format!("has schema version {}", SCHEMA_VERSION + 1),
    );
}

/// sled's threads release the file lock shortly after the handle is dropped.
/// Records read back with the `csv` crate's reader (RFC 4180; `;` for the Excel dialect).
fn parse_csv(text: &str, sep: char) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(u8::try_from(sep).expect("an ASCII separator"))
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

const ALL: &str = "officer,branch,product,technique,variant,gaps";

#[test]
fn csv_parsed_back_equals_the_json() {
    let db = filled();
    let args = ["export", "--month", "2024-03", "--by", ALL, "--format"];
    let csv = String::from_utf8(stdout(sufler(db.path()).args(args).arg("csv"))).expect("utf-8");
    let json: Value =
        serde_json::from_slice(&stdout(sufler(db.path()).args(args).arg("json"))).expect("json");
    assert_eq!(json["format"], "sufler-report");
    assert_eq!(json["version"], 1);
    assert_eq!(json["period"]["month"], "2024-03");
    assert_eq!(json["tables"]["summary"][0]["consultations"], 4);
    assert_eq!(json["tables"]["summary"][0]["compliance"], 0.5);
    assert_eq!(json["tables"]["summary"][0]["products_per_client"], 2.0);

    let rows = parse_csv(&csv, ',');
    let header = &rows[0];
    assert_eq!(header[0], "table");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows[1..] {
        assert_eq!(row.len(), header.len());
        let table = &row[0];
        let i = seen.entry(table.clone()).or_default();
        let obj = json["tables"][table][*i]
            .as_object()
            .unwrap_or_else(|| panic!("no row {i} of {table} in the JSON"));
        *i += 1;
        for (key, field) in header.iter().zip(row).skip(1) {
            match obj.get(key) {
                None => assert_eq!(field, "", "{table}.{key}"),
                Some(Value::Null) => assert_eq!(field, "", "{table}.{key}"),
                Some(Value::String(s)) => assert_eq!(field, s, "{table}.{key}"),
                Some(Value::Bool(b)) => assert_eq!(field, &b.to_string(), "{table}.{key}"),
                Some(Value::Number(n)) => assert_eq!(
                    field.parse::<f64>().expect("a number"),
                    n.as_f64().expect("f64"),
                    "{table}.{key}"
                ),
                Some(other) => panic!("unexpected {other}"),
            }
        }
    }
    for (table, rows) in json["tables"].as_object().expect("tables") {
        assert_eq!(
            seen.get(table).copied().unwrap_or(0),
            rows.as_array().expect("rows").len(),
            "{table}"
        );
    }
    assert_eq!(seen["officer"], 2);
    assert_eq!(seen["officer_plan"], 8, "two officers × four plan products");

    // `--lang en --excel` as before: BOM, `;`, keys, raw numbers with decimal commas.
    let excel = stdout(sufler(db.path()).args([
        "--lang", "en", "export", "--month", "2024-03", "--format", "csv", "--excel",
    ]));
    let text = String::from_utf8(excel).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let rows = parse_csv(text, ';');
    assert_eq!(rows[0][..3], ["table", "from", "to"]);
    let col = rows[0]
        .iter()
        .position(|h| h == "compliance")
        .expect("column");
    assert_eq!(rows[1][col], "0,5");
    let prorated = rows[0]
        .iter()
        .position(|h| h == "prorated")
        .expect("column");
    assert_eq!(rows[2][0], "plan");
    assert_eq!(rows[2][prorated], "false");
}

/// The plain CSV's header: the stable snake_case keys, whatever the language.
#[test]
fn the_plain_csv_keeps_its_keys() {
    let db = filled();
    let keys = "table,from,to,consultations,main_sold,catch_offered,catch_accepted,\
catch_conversion,create_offered,create_accepted,create_conversion,conversion,compliance,\
products_per_client,cancelled,product,name,sold,target,fulfilment,prorated,plan_from_catalog,\
calls,answered,accepted,declined,thinking,not_reached,officer,variant,share,technique,offered,\
main,catalog_version,text,wilson_low,wilson_high,too_few_offers,variant_a,variant_b,offered_a,\
offered_b,conversion_a,conversion_b,needed,more_a,more_b,decided,winner,stage,note,count,\
main_upgraded,main_saved,check_ins,check_ins_reached";
    for lang in ["ru", "en"] {
        let csv = stdout(sufler(db.path()).args([
            "--lang",
            lang,
            "export",
            "--month",
            "2024-03",
            "--by",
            "officer,technique,variant,gaps",
            "--format",
            "csv",
        ]));
        let text = String::from_utf8(csv).expect("utf-8");
        assert!(!text.starts_with('\u{feff}'));
        let rows = parse_csv(&text, ',');
        assert_eq!(rows[0].join(","), keys, "{lang}");
        let at = |k: &str| rows[0].iter().position(|h| h == k).expect(k);
        let gap = rows.iter().find(|r| r[0] == "gaps").expect("a gaps row");
        assert_eq!(gap[at("note")], "уже есть карта, \"зарплатная\"");
        assert_eq!(gap[at("product")], "debit_card");
        assert_eq!(gap[at("stage")], "presentation");
        let plan = rows.iter().find(|r| r[0] == "plan").expect("a plan row");
        assert_eq!(plan[at("fulfilment")], "0.025");
        assert_eq!(plan[at("prorated")], "false");
    }
}

/// What a manager pastes: the Russian `--excel` CSV, read back as Excel would split it.
#[test]
fn the_russian_excel_csv_is_for_a_manager() {
    let db = filled();
    let bytes = stdout(sufler(db.path()).args([
        "export",
        "--month",
        "2024-03",
        "--by",
        "officer,variant,gaps",
        "--format",
        "csv",
        "--excel",
    ]));
    let text = String::from_utf8(bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let rows = parse_csv(text, ';');
    let header = &rows[0];
    assert_eq!(header[..4], ["Таблица", "С", "По", "Консультаций"]);
    assert!(
        header.iter().all(|h| !h.contains('_')),
        "no snake_case key: {header:?}"
    );
    let at = |h: &str| header.iter().position(|x| x == h).expect(h);
    let summary = &rows[1];
    assert_eq!(summary[0], "Итого");
    assert_eq!(summary[at("Выполнение формулы")], "50,0 %");
    assert_eq!(summary[at("Конверсия")], "62,5 %");
    assert_eq!(summary[at("Продуктов на клиента")], "2,00");
    let plan = rows.iter().find(|r| r[0] == "План").expect("the plan");
    assert_eq!(plan[at("Цель")], "40,0");
    assert_eq!(plan[at("Выполнение")], "2,5 %");
    assert_eq!(plan[at("Пропорц.")], "нет");
    let variant = rows
        .iter()
        .find(|r| r[0] == "Варианты фраз")
        .expect("a variant row");
    assert_eq!(variant[at("Примечание")], "да");
    let gap = rows
        .iter()
        .find(|r| r[0] == "Не по сценарию")
        .expect("a gaps row");
    assert_eq!(
        gap[at("Что сказал клиент")],
        "уже есть карта, \"зарплатная\""
    );
    assert_eq!(gap[at("Продукт")], "Дебетовая карта «Плюс»");
    assert_eq!(gap[at("Этапы")], "Презентация");
    // The detail too has Russian headers, and the words a manager reads: techniques, answers
    // and slots in Russian, phrase variants counted from 1 as on the screen; the plain CSV
    // keeps the ids and the 0-based index for machines.
    let detail = stdout(sufler(db.path()).args([
        "export", "--month", "2024-03", "--detail", "--format", "csv", "--excel",
    ]));
    let detail = String::from_utf8(detail).expect("utf-8");
    let detail = parse_csv(detail.strip_prefix('\u{feff}').expect("a BOM"), ';');
    assert_eq!(detail[0][..3], ["Консультация", "Начало", "Сотрудник"]);
    assert_eq!(detail[1][0], "1");
    let plain = String::from_utf8(stdout(sufler(db.path()).args([
        "export", "--month", "2024-03", "--detail", "--format", "csv",
    ])))
    .expect("utf-8");
    let plain = parse_csv(&plain, ',');
    let col = |rows: &[Vec<String>], h: &str| rows[0].iter().position(|x| x == h).expect(h);
    let (tech, var, out) = (
        col(&detail, "Техника"),
        col(&detail, "Вариант"),
        col(&detail, "Итог"),
    );
    let (p_tech, p_var, p_out) = (
        col(&plain, "technique"),
        col(&plain, "variant"),
        col(&plain, "outcome"),
    );
    assert_eq!(detail.len(), plain.len());
    let mut seen = 0;
    for (people, machine) in detail[1..].iter().zip(&plain[1..]) {
        let Ok(index) = machine[p_var].parse::<u32>() else {
            continue;
        };
        seen += 1;
        assert_eq!(
            people[var],
            (index + 1).to_string(),
            "{people:?} / {machine:?}"
        );
        let word = match machine[p_tech].as_str() {
            "catch" => "лови момент",
            "create" => "создай момент",
            "upsell" => "улучшение",
            "downsell" => "запасной вариант",
            other => panic!("technique {other}"),
        };
        assert_eq!(people[tech], word);
        let answer = match machine[p_out].as_str() {
            "accepted" => "согласие",
            "declined" => "отказ",
            "thinking" => "думает",
            "" => "",
            other => panic!("outcome {other}"),
        };
        assert_eq!(people[out], answer);
    }
    assert!(seen > 0, "offers in the detail");
    for row in &rows[1..] {
        assert_eq!(row.len(), header.len());
        for field in row {
            assert!(field != "true" && field != "false", "{row:?}");
            assert!(
                !(field.starts_with("0,") && field.len() > 6),
                "a raw fraction: {row:?}"
            );
        }
    }
}

/// A month without consultations: the report with its plan, exit 0, in every format.
#[test]
fn an_empty_period_is_an_empty_report_with_its_plan() {
    let db = filled();
    let text = String::from_utf8(stdout(sufler(db.path()).args([
        "stats",
        "--month",
        "2024-05",
        "--by",
        "officer,gaps",
    ])))
    .expect("utf-8");
    assert!(text.contains("Консультаций за период нет."), "{text}");
    assert!(text.contains("План\n"), "{text}");
    assert!(text.contains("npf"), "{text}");
    let en = String::from_utf8(stdout(
        sufler(db.path()).args(["--lang", "en", "stats", "--month", "2024-05"]),
    ))
    .expect("utf-8");
    assert!(en.contains("No consultations in the period."), "{en}");
    // The default is the current month, which this history does not reach.
    stdout(sufler(db.path()).args(["stats"]));
    let json: Value = serde_json::from_slice(&stdout(
        sufler(db.path()).args(["export", "--month", "2024-05", "--format", "json"]),
    ))
    .expect("json");
    assert_eq!(json["tables"]["summary"][0]["consultations"], 0);
    assert_eq!(json["tables"]["summary"][0]["conversion"], Value::Null);
    assert!(!json["tables"]["plan"].as_array().expect("plan").is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("май.xlsx");
    sufler(db.path())
        .args(["export", "--month", "2024-05", "--format", "xlsx", "-o"])
        .arg(&file)
        .assert()
        .success();
    let mut wb: Xlsx<_> = open_workbook(&file).expect("xlsx");
    let plan = wb.worksheet_range("План").expect("sheet");
    assert_eq!(cell(&plan, "Продано", 1), Data::Float(0.0));
    // The detail is its header alone.
    let rows = parse_csv(
        &String::from_utf8(stdout(sufler(db.path()).args([
            "export", "--month", "2024-05", "--detail", "--format", "csv",
        ])))
        .expect("utf-8"),
        ',',
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "consultation_id");
}

fn cell(range: &calamine::Range<Data>, header: &str, row: usize) -> Data {
    let rows: Vec<&[Data]> = range.rows().collect();
    let col = rows[0]
        .iter()
        .position(|d| matches!(d, Data::String(s) if s == header))
        .unwrap_or_else(|| panic!("no column {header}"));
    rows[row][col].clone()
}

#[test]
fn xlsx_has_sheets_numbers_and_a_chart() {
    let db = filled();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("март.xlsx");
    sufler(db.path())
        .args([
            "export",
            "--month",
            "2024-03",
            "--by",
            "officer,variant",
            "--format",
            "xlsx",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let mut wb: Xlsx<_> = open_workbook(&file).expect("xlsx");
    assert_eq!(
        wb.sheet_names(),
        [
            "Итого",
            "План",
            "Перезвоны",
            "Отмены в период охлаждения",
            "Сотрудники",
            "План по сотрудникам",
            "Варианты фраз",
            "Сравнение фраз"
        ]
    );
    let summary = wb.worksheet_range("Итого").expect("sheet");
    assert_eq!(cell(&summary, "Консультаций", 1), Data::Float(4.0));
    assert_eq!(cell(&summary, "Выполнение формулы", 1), Data::Float(0.5));
    let plan = wb.worksheet_range("План").expect("sheet");
    assert_eq!(cell(&plan, "Продукт", 1), Data::String("npf".into()));
    assert_eq!(cell(&plan, "Цель", 1), Data::Float(40.0));
    assert_eq!(cell(&plan, "Выполнение", 1), Data::Float(0.025));
    let officers = wb.worksheet_range("Сотрудники").expect("sheet");
    assert_eq!(cell(&officers, "Сотрудник", 1), Data::String("Анна".into()));
    assert_eq!(cell(&officers, "Консультаций", 2), Data::Float(2.0));
    let variants = wb.worksheet_range("Варианты фраз").expect("sheet");
    assert_eq!(cell(&variants, "Примечание", 1), Data::String("да".into()));
    // No boolean cell anywhere (Russian Excel shows ИСТИНА/ЛОЖЬ); ratios are numbers.
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        assert!(
            range
                .used_cells()
                .all(|(_, _, d)| !matches!(d, Data::Bool(_))),
            "{name}"
        );
    }
    assert_eq!(cell(&plan, "Пропорц.", 1), Data::String("нет".into()));

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).expect("open")).expect("zip");
    let mut chart = String::new();
    zip.by_name("xl/charts/chart1.xml")
        .expect("a chart part")
        .read_to_string(&mut chart)
        .expect("read");
    assert!(chart.contains("<c:barChart>"), "{chart}");
    // The workbook's number format for ratios is a percentage.
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .expect("styles")
        .read_to_string(&mut styles)
        .expect("read");
    assert!(styles.contains("0.0%"), "{styles}");

    // Gaps by name; English keeps its headers and has no boolean cell either.
    let gaps = dir.path().join("gaps.xlsx");
    sufler(db.path())
        .args([
            "export", "--month", "2024-03", "--by", "gaps", "--format", "xlsx", "-o",
        ])
        .arg(&gaps)
        .assert()
        .success();
    let mut wb: Xlsx<_> = open_workbook(&gaps).expect("xlsx");
    let sheet = wb.worksheet_range("Не по сценарию").expect("sheet");
    assert_eq!(
        cell(&sheet, "Продукт", 1),
        Data::String("Дебетовая карта «Плюс»".into())
    );
    assert_eq!(cell(&sheet, "Этапы", 1), Data::String("Презентация".into()));
    assert_eq!(cell(&sheet, "Раз", 1), Data::Float(1.0));
    std::fs::remove_file(&gaps).expect("remove");
    let en = stdout(sufler(db.path()).args([
        "--lang", "en", "export", "--month", "2024-03", "--by", "variant", "--format", "xlsx",
    ]));
    let mut wb = Xlsx::new(std::io::Cursor::new(en)).expect("xlsx");
    let plan = wb.worksheet_range("Plan").expect("sheet");
    assert_eq!(cell(&plan, "Fulfilment", 1), Data::Float(0.025));
    assert_eq!(cell(&plan, "Prorated", 1), Data::String("no".into()));
    let variants = wb.worksheet_range("Phrase variants").expect("sheet");
    assert_eq!(cell(&variants, "Note", 1), Data::String("yes".into()));

    // To a pipe it goes to stdout.
    let bytes =
        stdout(sufler(db.path()).args(["export", "--month", "2024-03", "--format", "xlsx"]));
    assert!(bytes.starts_with(b"PK"));
    // Nothing but the file itself in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

fn detail(db: &Path, extra: &[&str]) -> Vec<Vec<String>> {
    detail_of(&[db], extra)
}

/// `export --detail` of March 2024 as CSV over the databases `dbs`, parsed.
fn detail_of(dbs: &[&Path], extra: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = sufler(dbs[0]);
    for db in &dbs[1..] {
        cmd.arg("--db").arg(db);
    }
    cmd.args([
        "export", "--month", "2024-03", "--detail", "--format", "csv",
    ])
    .args(extra);
    parse_csv(&String::from_utf8(stdout(&mut cmd)).expect("utf-8"), ',')
}

#[test]
fn detail_rows_and_client_names_only_on_request() {
    let db = filled();
    let rows = detail(db.path(), &[]);
    assert_eq!(
        rows[0],
        [
            "consultation_id",
            "started_at",
            "officer",
            "branch",
            "client_id",
            "main",
            "main_outcome",
            "product",
            "technique",
            "stage",
            "variant",
            "outcome",
            "catalog_version",
            "slot"
        ]
    );
    // Eight offers, and one row for the consultation without any.
    assert_eq!(rows.len(), 1 + 9);
    assert_eq!(
        rows[1],
        [
            "1",
            "2024-03-04T10:15:00",
            "Анна",
            "Тверская",
            &rows[1][4],
            "deposit",
            "accepted",
            "debit_card",
            "catch",
            "presentation",
            "0",
            "accepted",
            &version_name(),
            "catch"
        ]
    );
    assert_eq!(&rows[9][5..8], ["consumer_loan", "accepted", ""]);
    let all = rows.concat().join(" ");
    assert!(!all.contains("Иванова") && !all.contains("7916"), "{all}");

    let with = detail(db.path(), &["--with-clients"]);
    assert_eq!(
        &with[0][12..],
        ["client_name", "client_phone", "catalog_version", "slot"]
    );
    assert_eq!(
        &with[1][12..],
        [
            "Иванова Мария Петровна",
            "79161234567",
            &version_name(),
            "catch"
        ]
    );

    // A file with names is the owner's only.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("offers.csv");
    sufler(db.path())
        .args([
            "export",
            "--month",
            "2024-03",
            "--detail",
            "--with-clients",
            "--format",
            "csv",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    let mode = std::fs::metadata(&file).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // JSON detail carries the same columns.
    let json: Value = serde_json::from_slice(&stdout(sufler(db.path()).args([
        "export", "--month", "2024-03", "--detail", "--format", "json",
    ])))
    .expect("json");
    assert_eq!(json["format"], "sufler-detail");
    assert_eq!(json["rows"].as_array().expect("rows").len(), 9);
    assert_eq!(json["rows"][0]["variant"], 0);
    assert_eq!(json["rows"][8]["variant"], Value::Null);
    fails(
        sufler(db.path()).args(["export", "--detail", "--by", "officer", "--format", "csv"]),
        "--by does not apply",
    );
}

#[test]
fn several_databases_add_up() {
    let (a, b) = (filled(), filled());
    let summary = |dbs: &[PathBuf]| -> Value {
        let mut cmd = Command::cargo_bin("sufler").expect("binary");
        cmd.arg("--catalog").arg(env!("CARGO_MANIFEST_DIR"));
        for d in dbs {
            cmd.arg("--db").arg(d);
        }
        cmd.args([
            "export", "--month", "2024-03", "--format", "json", "--by", "officer",
        ]);
        let v: Value = serde_json::from_slice(&stdout(&mut cmd)).expect("json");
        v["tables"].clone()
    };
    let one = summary(&[a.path().into()]);
    let two = summary(&[a.path().into(), b.path().into()]);
    for key in [
        "consultations",
        "main_sold",
        "catch_offered",
        "create_accepted",
    ] {
        assert_eq!(
            two["summary"][0][key].as_u64().expect(key),
            2 * one["summary"][0][key].as_u64().expect(key),
            "{key}"
        );
    }
    assert_eq!(
        two["summary"][0]["compliance"],
        one["summary"][0]["compliance"]
    );
    assert_eq!(two["plan"][0]["sold"], 2);
    assert_eq!(two["officer"][0]["consultations"], 4);
    assert_eq!(two["officer"][0]["officer"], "Анна");

    let mut cmd = Command::cargo_bin("sufler").expect("binary");
    cmd.arg("--db")
        .arg(a.path())
        .arg("--db")
        .arg(a.path().join("."))
        .args(["stats", "--month", "2024-03"]);
    fails(&mut cmd, "is given twice");
}

/// Client and consultation ids are numbered per database: a merged detail export says which
/// database each row comes from, so that a manager can tell two officers' consultation 1
/// apart. A single database's export keeps exactly the DESIGN §7 columns.
#[test]
fn a_merged_detail_export_names_each_rows_database() {
    let (a, b) = (filled(), filled());
    let rows = detail_of(&[a.path(), b.path()], &["--with-clients"]);
    assert_eq!(
        &rows[0][11..],
        [
            "outcome",
            "database",
            "client_name",
            "client_phone",
            "catalog_version",
            "slot"
        ]
    );
    assert_eq!(rows.len(), 1 + 2 * 9);
    let (from_a, from_b) = rows[1..].split_at(9);
    let a_path = a.path().display().to_string();
    let b_path = b.path().display().to_string();
    assert!(from_a.iter().all(|r| r[12] == a_path), "{from_a:?}");
    assert!(from_b.iter().all(|r| r[12] == b_path), "{from_b:?}");
    // The same consultation ids in both; told apart by the database.
    assert_eq!(from_a[0][0], from_b[0][0]);
    assert_eq!(
        &from_a[0][13..],
        [
            "Иванова Мария Петровна",
            "79161234567",
            &version_name(),
            "catch"
        ]
    );
    assert_eq!(
        detail(a.path(), &[])[0][12..],
        ["catalog_version", "slot"],
        "one database: no database column, the catalogue version and the slot last"
    );
    assert_eq!(detail(a.path(), &[])[0].len(), 14);
}

#[test]
fn the_store_still_verifies_with_formula_counters() {
    let db = filled();
    let store = SledStore::open(db.path()).expect("open");
    assert!(store.verify().expect("verify").is_ok());
    drop(store);
    raw_sled::wait_unlocked(db.path());
    Command::cargo_bin("sufler")
        .expect("binary")
        .args(["verify", "--db"])
        .arg(db.path())
        .assert()
        .success()
        .stdout(predicate::str::ends_with(": ok\n"));
}

/// A varied generated history (three months, several officers and branches, every outcome,
/// notes): the counters and a scan of the records give the same report, month by month and
/// over ranges that cut months.
#[test]
fn counters_and_records_agree_on_a_generated_history() {
    use sufler::report::{compute, Grouping, Period, Source};
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut rnd = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let outcomes = [
        Some(Outcome::Accepted),
        Some(Outcome::Declined),
        Some(Outcome::Thinking),
        None,
    ];
    let products = [
        "debit_card",
        "mobile_bank",
        "sms_alerts",
        "npf",
        "iis",
        "life_insurance",
    ];
    let mut history = Vec::new();
    for i in 0..1500u64 {
        let started_at = at(
            3 + (i * 3 / 1500) as u32,
            1 + rnd(28) as u32,
            9 + rnd(9) as u32,
        );
        let officer = ["Анна", "Борис", "Вера", "Глеб", "Дина"][rnd(5) as usize];
        let mut offers = Vec::new();
        for _ in 0..rnd(5) {
            let technique = if rnd(3) == 0 {
                Technique::Create
            } else {
                Technique::Catch
            };
            offers.push(offer(
                products[rnd(6) as usize],
                technique,
                rnd(3) as u32,
                outcomes[rnd(4) as usize],
            ));
        }
        let mut c = consultation(
            i + 1,
            started_at,
            officer,
            ["Тверская", "Арбат"][rnd(2) as usize],
            rnd(300),
            ["deposit", "credit_card", "consumer_loan", "npf"][rnd(4) as usize],
            outcomes[rnd(4) as usize],
            offers,
        );
        if rnd(10) == 0 {
            c.notes.push(Note {
                stage: ["needs", "closing"][rnd(2) as usize].into(),
                product: (rnd(2) == 0).then(|| "npf".to_string()),
                text: ["дорого", "подумаю", "спрошу жену"][rnd(3) as usize].into(),
                at: started_at,
            });
        }
        history.push(c);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(dir.path()).expect("open");
    store
        .save_all(&history, EventKind::Imported, "test")
        .expect("save");
    let catalog = sufler::catalog::load_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .catalog
        .expect("catalogue");
    let today = NaiveDate::from_ymd_opt(2024, 5, 20).expect("date");
    let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).expect("date");
    let periods = [
        Period::month(sufler::consultation::Month(202403)).expect("month"),
        Period::month(sufler::consultation::Month(202404)).expect("month"),
        Period::month(sufler::consultation::Month(202405)).expect("month"),
        Period::range(d(3, 10), d(5, 3)).expect("range"),
        Period::range(d(3, 1), d(5, 31)).expect("range"),
    ];
    let stores: [&dyn Store; 1] = [&store];
    for p in periods {
        let auto =
            compute(&stores, &catalog, p, &Grouping::ALL, today, Source::Auto).expect("auto");
        let scan =
            compute(&stores, &catalog, p, &Grouping::ALL, today, Source::Scan).expect("scan");
        assert_eq!(auto, scan, "{}", p.label());
        assert!(auto.total.consultations > 0);
    }
}
