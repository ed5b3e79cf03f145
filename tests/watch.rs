//! Watching the trainer's files (issue 18): `sufler check --watch` checks again on every save,
//! and `sufler preview` shows a phrase as soon as its file is saved and checks, keeping the
//! previous version on screen while the files fail.
//!
//! Every wait is for text (in the output, or on the screen), with a timeout, never a fixed
//! sleep; but one: a second to see that nothing is checked again when nothing is saved.

#[allow(dead_code)]
mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pty::{Sandbox, Tui};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A copy of the bundled catalogue in `dir`.
fn copy_catalogue(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("scripts")).expect("scripts/");
    std::fs::copy(root.join("products.toml"), dir.join("products.toml")).expect("products.toml");
    for entry in std::fs::read_dir(root.join("scripts")).expect("bundled scripts") {
        let entry = entry.expect("a bundled script");
        std::fs::copy(entry.path(), dir.join("scripts").join(entry.file_name()))
            .expect("copy a script");
    }
}

/// Saves `text` as an editor does: a temp file beside, renamed over the old one.
fn save(path: &Path, text: &str) {
    let temp = path.with_extension("toml.tmp~");
    std::fs::write(&temp, text).expect("write the temp file");
    std::fs::rename(&temp, path).expect("rename over the file");
}

/// A running `sufler` whose stdout and stderr are gathered as they come.
struct Running {
    child: Child,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
}

impl Running {
    fn start(args: &[&str], cwd: &Path) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sufler"))
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .env("HOME", cwd.join("home"))
            .env("XDG_CONFIG_HOME", cwd.join("config"))
            .env("XDG_DATA_HOME", cwd.join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sufler");
        let gather = |mut from: Box<dyn std::io::Read + Send>| {
            let text = Arc::new(Mutex::new(String::new()));
            let into = Arc::clone(&text);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut t) = into.lock() {
                        t.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
            text
        };
        let out = gather(Box::new(child.stdout.take().expect("stdout")));
        let err = gather(Box::new(child.stderr.take().expect("stderr")));
        Running { child, out, err }
    }

    fn out(&self) -> String {
        self.out.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn err(&self) -> String {
        self.err.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until `check` holds of (stdout, stderr).
    fn wait_until(&self, what: &str, check: impl Fn(&str, &str) -> bool) {
        let start = Instant::now();
        while !check(&self.out(), &self.err()) {
            assert!(
                start.elapsed() < TIMEOUT,
                "{what} never came:\n--- stdout\n{}\n--- stderr\n{}",
                self.out(),
                self.err()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill only sends a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill {sig}");
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for sufler") {
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("sufler did not stop:\n{}\n{}", self.out(), self.err());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count(text: &str, what: &str) -> usize {
    text.matches(what).count()
}

/// Check, break a file, see the error, fix it, see it clean again; a new script with an
/// error is seen too, and so is its removal. Ctrl-C (SIGINT) ends it with exit 0.
#[test]
fn check_watch_checks_again_on_every_save_until_ctrl_c() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    let catalog = sandbox.path().join("catalog");
    copy_catalogue(&catalog);
    let catalog_arg = catalog.to_str().expect("utf-8 path");
    let mut run = Running::start(
        &["check", "--watch", "--catalog", catalog_arg],
        sandbox.path(),
    );

    run.wait_until("the first clean check", |out, _| {
        out.contains("── clean") && out.contains(": ok — ")
    });
    assert!(
        run.out().contains("sufler check"),
        "no header:\n{}",
        run.out()
    );
    // Nothing saved, nothing checked again: the check's own reading of the files is no
    // change. (The one fixed wait here: an absence has no text to wait for.)
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        count(&run.out(), "— watching, Ctrl-C stops"),
        1,
        "checked again with no save:\n{}",
        run.out()
    );

    // One save may come as more than one burst of events (a create, then a write): wait for
    // one more run with the awaited verdict than before, never for an exact number of runs.
    let after = |run: &Running, verdict: &'static str| {
        let before = count(&run.out(), verdict);
        move |out: &str, _: &str| count(out, verdict) > before
    };

    let products = catalog.join("products.toml");
    let good = std::fs::read_to_string(&products).expect("products.toml");
    let failing = after(&run, "── failing");
    save(
        &products,
        &good.replacen("id = \"deposit\"", "id = \"Bad Id\"", 1),
    );
    run.wait_until("the error", |out, err| {
        failing(out, err) && err.contains("products.toml:") && err.contains("error")
    });

    let clean = after(&run, "── clean");
    save(&products, &good);
    run.wait_until("clean again", clean);

    // A new file counts, and so does its removal.
    let extra = catalog.join("scripts/extra.toml");
    let failing = after(&run, "── failing");
    std::fs::write(&extra, "main = \"nothing_here\"\n").expect("a new script");
    run.wait_until("the new script's error", failing);
    let clean = after(&run, "── clean");
    std::fs::remove_file(&extra).expect("remove the script");
    run.wait_until("clean once the script is gone", clean);
    // Every run has its time-stamped header.
    let out = run.out();
    assert_eq!(
        count(&out, "— watching, Ctrl-C stops"),
        count(&out, "── clean") + count(&out, "── failing"),
        "{out}"
    );

    run.signal(libc::SIGINT);
    let status = run.wait_exit();
    assert!(status.success(), "exit after Ctrl-C: {status:?}");
}

#[test]
fn check_watch_stops_on_sigterm_and_refuses_the_built_in_catalogue() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    copy_catalogue(sandbox.path());
    // The catalogue of the current directory.
    let mut run = Running::start(&["check", "--watch"], sandbox.path());
    run.wait_until("the first check", |out, _| out.contains("── clean"));
    run.signal(libc::SIGTERM);
    assert!(run.wait_exit().success());

    // Nowhere to watch: the built-in catalogue never changes.
    let empty = tempfile::tempdir().expect("tempdir");
    let mut run = Running::start(&["check", "--watch"], empty.path());
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(1));
    run.wait_until("the reason", |_, err| {
        err.contains("--watch needs a catalogue directory")
    });
}

// ─────────────────────────── preview ───────────────────────────

/// The deposit's greeting as the bundled script has it, and as the trainer rewrites it.
const GREETING_FROM: &str = "Здравствуйте, {client}!";
const GREETING_TO: &str = "Добрый день, {client}!";

fn preview(sandbox: &Sandbox, catalog: &Path) -> Tui {
    let args = vec![
        "preview".to_string(),
        "deposit".to_string(),
        "--catalog".to_string(),
        catalog.display().to_string(),
    ];
    Tui::spawn(sandbox, &args, 160, 40)
}

fn catalog_in(sandbox: &Sandbox) -> PathBuf {
    let catalog = sandbox.path().join("catalog");
    copy_catalogue(&catalog);
    catalog
}

/// A trainer rehearsing the deposit script edits the greeting: the new text is on screen as
/// soon as the file is saved. A save that fails check keeps the previous text and the status
/// line says so, with the number of errors and the command that shows them; fixing it takes
/// the fixed text into use and the notice goes.
#[test]
fn preview_shows_a_saved_phrase_and_keeps_the_last_good_one_while_the_files_fail() {
    let sandbox = Sandbox::new();
    let catalog = catalog_in(&sandbox);
    let script = catalog.join("scripts/deposit.toml");
    let original = std::fs::read_to_string(&script).expect("deposit.toml");
    assert!(
        original.contains(GREETING_FROM),
        "the bundled greeting moved"
    );
    let mut tui = preview(&sandbox, &catalog);
    tui.wait_for("Здравствуйте, Анна Сергеевна!");

    let edited = original.replacen(GREETING_FROM, GREETING_TO, 1);
    save(&script, &edited);
    tui.wait_for("Добрый день, Анна Сергеевна!");
    tui.assert_absent("Здравствуйте, Анна Сергеевна!");

    // Broken: an unknown placeholder in the very phrase on screen.
    let broken = edited.replacen(GREETING_TO, "Привет, {clent}!", 1);
    save(&script, &broken);
    tui.wait_for("1 ошибка");
    let screen = tui.screen();
    assert!(
        screen.contains("Добрый день, Анна Сергеевна!"),
        "the last good text left the screen:\n{screen}"
    );
    assert!(screen.contains("прежняя версия"), "{screen}");
    assert!(screen.contains("sufler check --catalog"), "{screen}");
    assert!(!screen.contains("Привет, "), "{screen}");

    // A key press does not hide that the files fail.
    tui.send("?");
    tui.send("?");
    tui.wait_for("1 ошибка");

    save(&script, &original);
    tui.wait_for("Здравствуйте, Анна Сергеевна!");
    tui.wait_gone("1 ошибка");
    tui.send("\x03");
    assert!(tui.wait_exit().success());
}
