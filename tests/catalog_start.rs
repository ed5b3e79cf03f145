//! The catalogue at the officer's screen's start (issue #12, point 4; DESIGN §4): files that
//! fail `sufler check` do not stop the screen. The real binary in an 80×24 pseudo-terminal:
//! it starts on the last good copy kept in the database (or, with none ever kept, on the
//! built-in catalogue), home says so with the exact command that shows the errors, and a
//! consultation can be started.

#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};

use common::pty::{key, Sandbox, Tui, BRANCH, OFFICER};
use sufler::tui::text::{self, Lang};

/// The bundled deposit's name, and the name it has in the trainer's copy, so that the screen
/// shows which catalogue it runs on.
const BUILT_IN_DEPOSIT: &str = "Вклад «Доходный»";
const TRAINERS_DEPOSIT: &str = "Вклад «Доходный плюс»";

/// The trainer's catalogue: the bundled files, the deposit renamed.
fn write_catalogue(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("scripts")).expect("create scripts/");
    let mut files = vec![PathBuf::from("products.toml")];
    for entry in std::fs::read_dir(root.join("scripts")).expect("the bundled scripts") {
        let name = entry.expect("a script").file_name();
        files.push(Path::new("scripts").join(name));
    }
    for rel in files {
        let text = std::fs::read_to_string(root.join(&rel)).expect("a bundled file");
        std::fs::write(
            dir.join(&rel),
            text.replace(BUILT_IN_DEPOSIT, TRAINERS_DEPOSIT),
        )
        .expect("write the copy");
    }
}

/// The trainer's typo: a link to a product id that does not exist.
fn break_one_id(dir: &Path) {
    let path = dir.join("products.toml");
    let text = std::fs::read_to_string(&path).expect("products.toml");
    let broken = text.replacen("cross = \"sms_alerts\"", "cross = \"sms_alert\"", 1);
    assert_ne!(broken, text, "the bundled link to sms_alerts moved");
    std::fs::write(&path, broken).expect("write products.toml");
}

/// `sufler --db … --officer … --branch … --catalog DIR` in an 80×24 terminal.
fn spawn(sandbox: &Sandbox, catalogue: &Path) -> Tui {
    let args: Vec<String> = [
        "--db",
        sandbox.db().to_str().expect("a UTF-8 path"),
        "--officer",
        OFFICER,
        "--branch",
        BRANCH,
        "--catalog",
        catalogue.to_str().expect("a UTF-8 path"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    Tui::spawn(sandbox, &args, 80, 24)
}

fn wait_home(tui: &Tui) {
    let tx = text::t(Lang::Ru);
    tui.wait_for_all(&[
        &format!("{} · {}", tx.app_name, tx.home_title),
        tx.home_today,
    ]);
}

/// The screen's text with its rows joined and runs of spaces squeezed, so that a sentence
/// wrapped over rows reads as one.
fn flowing(screen: &str) -> String {
    screen.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn wait_for_sentence(tui: &Tui, sentence: &str) {
    let want = flowing(sentence);
    tui.wait_until(&format!("{sentence:?}, wrapped or not"), |s| {
        flowing(&s.contents()).contains(&want)
    });
}

/// How many errors `sufler check` finds in `dir`, from its summary line.
fn check_errors(dir: &Path) -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sufler"))
        .arg("check")
        .arg("--catalog")
        .arg(dir)
        .output()
        .expect("run sufler check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the broken catalogue fails check"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stderr.lines().last().unwrap_or_default();
    summary
        .rsplit(": ")
        .next()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no error count in {stderr}"))
}

/// The command home names, run as the officer would type it: it must show the errors.
fn run_named_command(tui: &Tui) {
    let screen = tui.screen();
    let line = screen
        .lines()
        .find_map(|l| l.trim().strip_prefix("Подробно: "))
        .unwrap_or_else(|| panic!("no «Подробно:» line on\n{screen}"));
    let command = line
        .strip_prefix("sufler ")
        .unwrap_or_else(|| panic!("not a sufler command: {line}"));
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("\"$SUFLER\" {command}"))
        .env("SUFLER", env!("CARGO_BIN_EXE_sufler"))
        .current_dir("/")
        .output()
        .expect("run the command home names");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{line}: {stderr}");
    assert!(
        stderr.contains("products.toml:") && stderr.contains("sms_alert"),
        "{line} shows the typo: {stderr}"
    );
}

/// From home: a new client, then a consultation about `main`; ends on its first stage.
fn start_consultation(tui: &mut Tui, main: &str) {
    let tx = text::t(Lang::Ru);
    tui.press("+", tx.new_client_intro);
    for field in [
        "Иванов",
        "Иван",
        "Петрович",
        "+7 916 123-45-67",
        "15.03.1980",
    ] {
        tui.send(field);
        tui.send(key::TAB);
    }
    tui.wait_for("15.03.1980");
    tui.send(key::ENTER);
    tui.wait_for_all(&[tx.client_added, "Иванов Иван Петрович"]);
    tui.press(key::ENTER, tx.choose_question);
    let n = tui.number_of(main);
    tui.press(&n.to_string(), &format!("▶ {n} {main}"));
    tui.send(key::ENTER);
    tui.wait_for_all(&[
        &format!("· {main}"),
        &format!("{} · {}", tx.main, tx.main_open),
    ]);
    tui.wait_gone(tx.saving);
}

#[test]
fn broken_files_start_on_the_last_good_copy_and_home_says_so() {
    let sandbox = Sandbox::new();
    let cat = sandbox.path().join("каталог");
    write_catalogue(&cat);

    // A good day: the files pass, the screen keeps them; home has no notice.
    let mut tui = spawn(&sandbox, &cat);
    wait_home(&tui);
    tui.assert_absent("Подробно:");
    tui.send("q");
    assert!(tui.wait_exit().success());

    // The trainer's typo; the next morning the screen still starts.
    break_one_id(&cat);
    let errors = check_errors(&cat);
    let mut tui = spawn(&sandbox, &cat);
    wait_home(&tui);
    let n = u64::try_from(errors).unwrap_or(u64::MAX);
    wait_for_sentence(
        &tui,
        &format!(
            "Каталог в {} содержит {errors} {} — работаем на последней исправной версии от",
            cat.display(),
            text::plural_ru(n, "ошибку", "ошибки", "ошибок")
        ),
    );
    tui.wait_for(&format!(
        "Подробно: sufler check --catalog {}",
        cat.display()
    ));
    run_named_command(&tui);

    // The consultation runs on the trainer's last good copy, not the built-in one.
    start_consultation(&mut tui, TRAINERS_DEPOSIT);
    tui.terminate();
}

#[test]
fn with_no_good_copy_ever_seen_the_built_in_catalogue_is_used_and_home_says_so() {
    let sandbox = Sandbox::new();
    let cat = sandbox.path().join("cat");
    write_catalogue(&cat);
    break_one_id(&cat);
    let mut tui = spawn(&sandbox, &cat);
    wait_home(&tui);
    wait_for_sentence(
        &tui,
        &format!(
            "Каталог в {} содержит {} — работаем на встроенном каталоге: исправной версии в этой базе ещё не было.",
            cat.display(),
            match check_errors(&cat) {
                1 => "1 ошибку".to_string(),
                n => format!("{n} ошибки"),
            }
        ),
    );
    tui.wait_for(&format!(
        "Подробно: sufler check --catalog {}",
        cat.display()
    ));
    start_consultation(&mut tui, BUILT_IN_DEPOSIT);
    tui.terminate();
}
