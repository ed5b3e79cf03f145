//! Drives the real `sufler` binary in a pseudo-terminal, the way an officer's terminal does.
//!
//! The child's output is read on a thread and fed to a [`vt100::Parser`], so the tests look at
//! the screen the officer would see. Nothing here sleeps to let the program "settle": every
//! check polls the screen until what it waits for is there (or a generous timeout passes, and
//! then it panics with the whole screen and what was awaited).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize, SlavePty};

/// How long any wait may take before the test fails. CI machines are slow, and every
/// officer action is a transaction plus an `fdatasync`.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(15);

/// Keys as the terminal sends them.
pub mod key {
    pub const ENTER: &str = "\r";
    pub const ESC: &str = "\x1b";
    pub const TAB: &str = "\t";
    pub const RIGHT: &str = "\x1b[C";
}

/// The officer given on the command line of every test.
pub const OFFICER: &str = "Петрова Анна";
pub const BRANCH: &str = "Центральный";

/// A test's private world: the database and the XDG directories, all in one tempdir.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("sufler-e2e-")
            .tempdir()
            .expect("create a tempdir for the test");
        for sub in ["config", "data", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create a sandbox directory");
        }
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The database directory given with `--db`.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    /// `--db … --officer … --branch …` plus `extra`: the arguments of every screen test.
    pub fn args(&self, extra: &[&str]) -> Vec<String> {
        let db = self.db();
        let mut args: Vec<String> = vec![
            "--db".into(),
            db.to_str().expect("a UTF-8 tempdir path").into(),
            "--officer".into(),
            OFFICER.into(),
            "--branch".into(),
            BRANCH.into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// `sufler --db … --officer … --branch …` plus `extra`, in a 120×40 terminal.
    pub fn spawn(&self, extra: &[&str]) -> Tui {
        Tui::spawn(self, &self.args(extra), 120, 40)
    }
}

/// What the reader thread shares with the test.
struct Shared {
    parser: vt100::Parser,
    /// Every byte the program wrote, for checks on the raw escape sequences.
    raw: Vec<u8>,
}

/// The running program in its pseudo-terminal.
pub struct Tui {
    shared: Arc<Mutex<Shared>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    /// Kept open so that the terminal's settings (raw mode or not) can be read after the
    /// program exits: the kernel resets them when the last handle on the slave side closes.
    _slave: Box<dyn SlavePty + Send>,
    args: Vec<String>,
    exited: Option<portable_pty::ExitStatus>,
}

impl Tui {
    /// Starts the binary with `args` in a `cols`×`rows` terminal, with an environment of its
    /// own: nothing from this machine's configuration or data leaks in.
    pub fn spawn(sandbox: &Sandbox, args: &[String], cols: u16, rows: u16) -> Tui {
        Tui::spawn_env(sandbox, args, cols, rows, &[])
    }

    /// [`Tui::spawn`] with `env` added to the cleared environment, e.g.
    /// `&[("SUFLER_TODAY", "2026-12-01")]` to play a given day.
    pub fn spawn_env(
        sandbox: &Sandbox,
        args: &[String],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sufler"));
        cmd.args(args);
        cmd.env_clear();
        let root = sandbox.path();
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("HOME", root.join("home"));
        cmd.env("XDG_CONFIG_HOME", root.join("config"));
        cmd.env("XDG_DATA_HOME", root.join("data"));
        for (name, value) in env {
            cmd.env(name, value);
        }
        // No products.toml here: the catalogue built into the binary is used.
        cmd.cwd(root);
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("start sufler in the pseudo-terminal");
        let mut reader = pair
            .master
            .try_clone_reader()
            .expect("a reader on the pseudo-terminal");
        let writer = pair
            .master
            .take_writer()
            .expect("a writer on the pseudo-terminal");
        let shared = Arc::new(Mutex::new(Shared {
            parser: vt100::Parser::new(rows, cols, 0),
            raw: Vec::new(),
        }));
        let feed = Arc::clone(&shared);
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut s = feed.lock().unwrap_or_else(|e| e.into_inner());
                        s.parser.process(&buf[..n]);
                        s.raw.extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Tui {
            shared,
            writer,
            child,
            master: pair.master,
            _slave: pair.slave,
            args: args.to_vec(),
            exited: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.lock().parser.screen().contents()
    }

    /// Looks at the vt100 screen (modes, cursor) under the lock.
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.lock().parser.screen())
    }

    /// Every byte the program has written so far.
    pub fn raw(&self) -> Vec<u8> {
        self.lock().raw.clone()
    }

    /// Sends keys (text, or the escape sequences in [`key`]).
    pub fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .and_then(|()| self.writer.flush())
            .unwrap_or_else(|e| panic!("send {keys:?} to sufler: {e}"));
        if keys == key::ESC {
            // A lone ESC is the Esc key only if nothing follows it in the same read; give the
            // program a moment to read it alone before the next key.
            thread::sleep(Duration::from_millis(60));
        }
    }

    /// Sends a key, then waits for `text` (usually the acknowledgement of what it did).
    pub fn press(&mut self, keys: &str, text: &str) {
        self.send(keys);
        self.wait_for(text);
    }

    fn fail(&self, what: &str) -> ! {
        let screen = self.screen();
        let (rows, cols) = self.with_screen(|s| s.size());
        let framed: String = screen
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{i:>2}│{l}\n"))
            .collect();
        panic!(
            "\n{what}\n(sufler {})\n── screen {cols}×{rows} ──\n{framed}── end of screen ──\n",
            self.args.join(" ")
        );
    }

    /// Polls the screen until `check` holds; panics with the screen and `what` otherwise.
    pub fn wait_until(&self, what: &str, check: impl Fn(&vt100::Screen) -> bool) {
        let start = Instant::now();
        loop {
            if self.with_screen(&check) {
                return;
            }
            if start.elapsed() > TIMEOUT {
                self.fail(&format!("waited {TIMEOUT:?} for: {what}"));
            }
            thread::sleep(POLL);
        }
    }

    /// Waits until `text` is on the screen.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?} on the screen"), |s| {
            s.contents().contains(text)
        });
    }

    /// Waits until every one of `texts` is on the screen at once.
    pub fn wait_for_all(&self, texts: &[&str]) {
        self.wait_until(&format!("all of {texts:?} on the screen"), |s| {
            let c = s.contents();
            texts.iter().all(|t| c.contains(t))
        });
    }

    /// Waits until `text` is no longer on the screen.
    pub fn wait_gone(&self, text: &str) {
        self.wait_until(&format!("{text:?} gone from the screen"), |s| {
            !s.contents().contains(text)
        });
    }

    /// Asserts that `text` is not on the screen now.
    pub fn assert_absent(&self, text: &str) {
        if self.screen().contains(text) {
            self.fail(&format!("{text:?} should not be on the screen"));
        }
    }

    /// The number `1`–`9` the screen shows before `product` (a prompt to say now or an offer
    /// already made on the consultation, a main product on the choice), e.g.
    /// ` 2  Мобильный и интернет-банк` → `'2'`; waits for it to be there.
    pub fn number_of(&self, product: &str) -> char {
        let start = Instant::now();
        loop {
            if let Some(n) = number_before(&self.screen(), product) {
                return n;
            }
            if start.elapsed() > TIMEOUT {
                self.fail(&format!(
                    "waited {TIMEOUT:?} for: a number beside {product:?}"
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// Waits for the program to exit and returns its status.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        if let Some(status) = &self.exited {
            return status.clone();
        }
        let start = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.exited = Some(status.clone());
                    return status;
                }
                Ok(None) => {}
                Err(e) => panic!("wait for sufler: {e}"),
            }
            if start.elapsed() > TIMEOUT {
                self.fail(&format!("waited {TIMEOUT:?} for: sufler to exit"));
            }
            thread::sleep(POLL);
        }
    }

    /// SIGKILL: no handler runs, nothing is flushed or restored.
    pub fn kill9(&mut self) {
        // Not `Child::kill`: portable-pty's sends SIGHUP first and SIGKILL only later.
        sigkill(self.child.process_id()).expect("SIGKILL sufler");
        self.wait_exit();
    }

    /// SIGTERM, as a service manager or `kill` sends it: the program's handler runs.
    pub fn terminate(&mut self) {
        send_signal(self.child.process_id(), libc::SIGTERM).expect("SIGTERM sufler");
    }

    /// Resizes the emulator and the terminal; the kernel tells the program (SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        // The emulator first: whatever the program draws after it learns the size must land
        // on a screen of that size.
        self.lock().parser.screen_mut().set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pseudo-terminal");
    }

    /// Whether the terminal is in canonical ("cooked") mode with echo: not raw.
    pub fn cooked(&self) -> bool {
        let fd = self
            .master
            .as_raw_fd()
            .expect("the pseudo-terminal's descriptor");
        // SAFETY: `termios` is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }
}

/// The digit just before `name` on some line of `screen`, past an outcome mark if any.
fn number_before(screen: &str, name: &str) -> Option<char> {
    for line in screen.lines() {
        let mut from = 0;
        while let Some(at) = line[from..].find(name) {
            let before = line[..from + at].trim_end();
            // An offer already made has its outcome mark between the number and the name.
            let before = before
                .strip_suffix(['✓', '✗', '…', '·'])
                .map_or(before, str::trim_end);
            let mut tail = before.chars().rev();
            if let Some(d) = tail.next().filter(|c| ('1'..='9').contains(c)) {
                if tail.next().is_none_or(char::is_whitespace) {
                    return Some(d);
                }
            }
            from += at + name.len();
        }
    }
    None
}

fn sigkill(pid: Option<u32>) -> std::io::Result<()> {
    send_signal(pid, libc::SIGKILL)
}

fn send_signal(pid: Option<u32>, signal: libc::c_int) -> std::io::Result<()> {
    let pid = pid
        .and_then(|p| libc::pid_t::try_from(p).ok())
        .ok_or_else(|| std::io::Error::other("no process id"))?;
    // SAFETY: a plain system call on our own child's pid.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.exited.is_none() {
            if let Ok(None) = self.child.try_wait() {
                if sigkill(self.child.process_id()).is_ok() {
                    let _ = self.child.wait();
                }
            }
        }
    }
}
