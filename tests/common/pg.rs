//! A throwaway PostgreSQL cluster for the tests of the bank-wide store, made from the
//! machine's own PostgreSQL binaries (Debian: `/usr/lib/postgresql/*/bin`): `initdb` into a
//! temporary directory, `pg_ctl start` on a free port of 127.0.0.1 with its unix socket in
//! that directory, stopped (`pg_ctl stop -m immediate`) when dropped. As root the binaries
//! run as the `postgres` user (`runuser -u postgres --`), which owns the directory.
//!
//! Nothing is skipped: with no PostgreSQL binaries the tests fail, naming what to install.
//! A watchdog shell per cluster stops it when the test process goes away without dropping
//! it (a shared cluster lives in a `static`, which is never dropped; a SIGKILL).
//!
//! The superuser is `postgres` with the password [`PASSWORD`], asked on TCP
//! (scram-sha-256): the tests check that it never appears in Sufler's output.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The superuser's password on every throwaway cluster.
pub const PASSWORD: &str = "Pw-9f3K2zq";

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    watchdog: Option<std::process::Child>,
}

/// The directory of `initdb` and `pg_ctl`: `$SUFLER_PG_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin`, else wherever `pg_config --bindir` says.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SUFLER_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return bin;
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return dir;
        }
    }
    panic!(
        "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: \
         install Debian's `postgresql` package (apt-get install postgresql) or set SUFLER_PG_BIN"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free TCP port on 127.0.0.1")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Pg {
    /// The cluster shared by every test of this test binary (started at first use).
    pub fn shared() -> &'static Pg {
        static SHARED: OnceLock<Pg> = OnceLock::new();
        SHARED.get_or_init(Pg::start)
    }

    /// A cluster of one's own (for a test that stops and restarts it).
    pub fn start() -> Pg {
        let bin = bin_dir();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("sufler-pg-")
            .tempdir()
            .expect("a temporary directory");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod the cluster directory");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("write the password file");
        if as_postgres {
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(chown.success(), "chown of {} failed", dir.path().display());
        }
        let mut pg = Pg {
            dir,
            bin,
            port: 0,
            as_postgres,
            watchdog: None,
        };
        let data = pg.data();
        let out = pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("a UTF-8 path"),
                "-U",
                "postgres",
                "--pwfile",
                pwfile.to_str().expect("a UTF-8 path"),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // A free port can be taken by someone else before the server binds it: try again.
        let mut last = String::new();
        for _ in 0..5 {
            pg.port = free_port();
            match pg.try_start() {
                Ok(()) => {
                    pg.watchdog = Some(pg.spawn_watchdog());
                    return pg;
                }
                Err(e) => last = e,
            }
        }
        panic!("PostgreSQL would not start:\n{last}");
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs one of the PostgreSQL binaries, as `postgres` when we are root.
    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }

    fn try_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=60 -c shared_buffers=32MB",
            self.port,
            self.dir.path().display()
        );
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().expect("a UTF-8 path"),
                "-l",
                self.log().to_str().expect("a UTF-8 path"),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "{}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.log()).unwrap_or_default()
        ))
    }

    /// Starts the server again after [`Pg::stop_immediate`], on the same port.
    pub fn restart(&self) {
        if let Err(e) = self.try_start() {
            panic!("PostgreSQL would not start again:\n{e}");
        }
    }

    /// `pg_ctl stop -m immediate`: the server goes at once, as on a crash.
    pub fn stop_immediate(&self) {
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().expect("a UTF-8 path"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A shell that waits for this process to end, then stops the cluster.
    fn spawn_watchdog(&self) -> std::process::Child {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = format!(
            "{} -D '{}' -m immediate stop",
            pg_ctl.display(),
            self.data().display()
        );
        let stop = if self.as_postgres {
            format!("runuser -u postgres -- {stop}")
        } else {
            stop
        };
        let script = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{}'",
            std::process::id(),
            self.dir.path().display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the cluster's watchdog")
    }

    /// The URL of `database` over TCP, with the superuser's password in it.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://postgres:{PASSWORD}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Runs SQL through `psql` on the unix socket (as `postgres`): its output, unaligned and
    /// without headers, `|`-separated. Panics on an SQL error.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let exe = self.bin.join("psql");
        let exe = if exe.is_file() {
            exe
        } else {
            PathBuf::from("psql")
        };
        let host = self.dir.path().to_str().expect("a UTF-8 path").to_string();
        let port = self.port.to_string();
        let args = [
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ];
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// A new, empty database on this cluster; its URL.
    pub fn new_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(name)
    }

    /// Waits until the server accepts connections again (after a restart).
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("PostgreSQL did not come back on port {}", self.port);
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}
