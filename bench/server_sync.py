#!/usr/bin/env python3
"""The bank-wide store (DESIGN §9, §10): the first `sufler sync` of a big workstation, and
`sufler stats --server` over several workstations against a plain GROUP BY over the central
offers table in psql. Whole processes, timed from outside, in one run:

  1. build the release binary (cargo build --release) unless --binary is given;
  2. start a throwaway PostgreSQL from the machine's binaries (/usr/lib/postgresql/*/bin;
     as root they run as `postgres`), default settings but shared_buffers=256MB, fsync on,
     on a free port of 127.0.0.1, and `sufler server init` it;
  3. make --workstations demo databases: the first with --first consultations (default
     1 000 000, one client per five), the others with --consultations each, every one
     6 months to 2026-11-30 with its own seed;
  4. `sufler sync` each, timing every one (each is a first, whole-history sync);
  5. time `sufler stats --server URL --month 2026-11` and `stats --server --by officer,product`
     over the six months (both read the per-month counters) against psql running
     SELECT … FROM offers … GROUP BY officer, product, technique for the same month and the
     same six months, each the median of --runs runs after one warm-up run (and, with
     --also BINARY, another sufler's stats the same way, side by side);
  6. check the server's report counts the consultations the table holds, and print it all.

Usage: python3 bench/server_sync.py [--workstations 10] [--first 1000000]
                                    [--consultations 100000] [--runs 3] [--keep DIR]
                                    [--drop-databases] [--overlap] [--reuse DIR [--add]]
                                    [--binary SUFLER] [--also OTHER_SUFLER]

For 10 workstations x 1M consultations: `--consultations 1000000 --drop-databases --overlap
--keep DIR` (each demo deleted once synced, so the disk holds the server and at most two
demos; the next demo built while the last one syncs, so those syncs run on a loaded machine),
then `--reuse DIR --binary NEW --also OLD` times the figures again over the same server,
building nothing, two binaries side by side (`--add` first makes the workstations a run cut
short did not).
"""

import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "bench-Pw-4471"
MONTH, FROM, TO = "2026-11", "2026-06-01", "2026-11-30"

GROUP_BY = """
    SELECT officer, product, technique, count(*),
           count(*) FILTER (WHERE outcome = 'accepted'),
           count(*) FILTER (WHERE outcome = 'declined'),
           count(*) FILTER (WHERE outcome = 'thinking')
    FROM offers WHERE month BETWEEN {m1} AND {m2}
    GROUP BY officer, product, technique"""


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr or ''}")
    return r


def timed(f, runs):
    f()  # warm-up: the page cache and PostgreSQL's buffers hold the tables afterwards
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin: "
                 "apt-get install postgresql")
    return os.path.dirname(found[-1])


class Cluster:
    def __init__(self, work, reuse=False):
        self.bin = pg_bin()
        self.dir = os.path.join(work, "pg")
        self.root = os.geteuid() == 0
        if reuse:
            self.start()
            return
        os.makedirs(self.dir, mode=0o700)
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD)
        if self.root:
            run(["chown", "-R", "postgres:postgres", self.dir])
        self.tool("initdb", "-D", self.data(), "-U", "postgres", "--pwfile", pw,
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--locale=C")
        self.start()
        self.tool("psql", "-h", self.dir, "-p", str(self.port), "-U", "postgres", "-q",
                  "-c", "CREATE DATABASE bank")

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                "-c shared_buffers=256MB")
        self.tool("pg_ctl", "-D", self.data(), "-l", os.path.join(self.dir, "log"),
                  "-o", opts, "-w", "start")
        self.url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/bank"

    def data(self):
        return os.path.join(self.dir, "data")

    def tool(self, name, *args, capture=False):
        cmd = [os.path.join(self.bin, name), *args]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return run(cmd, cwd=self.dir, stdin=subprocess.DEVNULL, text=True,
                   stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                   stderr=subprocess.PIPE)

    def psql(self, sql):
        """psql as a client would run it: over TCP, with the password."""
        return run([os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                    "-U", "postgres", "-d", "bank", "-At", "-c", sql],
                   env={**os.environ, "PGPASSWORD": PASSWORD}, text=True,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout

    def stop(self):
        self.tool("pg_ctl", "-D", self.data(), "-m", "fast", "stop")


def demo(a, i, work, sufler, env):
    """Start the demo of workstation i; returns (process, db, consultations, start time)."""
    n = a.first if i == 0 else a.consultations
    db = os.path.join(work, f"ws{i:02}")
    p = subprocess.Popen(sufler + ["--db", db, "demo", "--consultations", str(n), "--clients",
                                   str(max(1, n // 5)), "--months", "6", "--until", TO,
                                   "--seed", str(i + 1)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return p, db, n, time.perf_counter()


def finished(job):
    p, db, n, t = job
    _, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f"demo of {db} failed ({p.returncode}): {err}")
    return db, n, time.perf_counter() - t


def build(a, work, sufler, env, pg, start=0):
    """The server: init, then every workstation's demo from `start` on made and synced."""
    if start == 0:
        run(sufler + ["server", "init", "--server", pg.url], env=env, stdout=subprocess.DEVNULL)
    total = 0
    job = demo(a, start, work, sufler, env)
    for i in range(start, a.workstations):
        db, n, made = finished(job)
        total += n
        # The first workstation's sync always runs alone: it is the first-sync figure.
        overlap = a.overlap and 0 < i < a.workstations - 1
        job = demo(a, i + 1, work, sufler, env) if overlap else None
        t = time.perf_counter()
        r = run(sufler + ["--db", db, "sync", "--server", pg.url], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        took = time.perf_counter() - t
        loaded = " (while the next demo was built)" if job else ""
        print(f"workstation {i + 1}: demo of {n} consultations {made:.1f} s; "
              f"first sync {took:.1f} s{loaded}: {r.stdout.strip()}", flush=True)
        if a.drop_databases:
            shutil.rmtree(db)
        if job is None and i + 1 < a.workstations:
            job = demo(a, i + 1, work, sufler, env)
    print(f"made {a.workstations} workstations, {total} consultations")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workstations", type=int, default=10)
    ap.add_argument("--first", type=int, default=1_000_000,
                    help="consultations of the first workstation (its sync is the first-sync figure)")
    ap.add_argument("--consultations", type=int, default=100_000,
                    help="consultations of each other workstation")
    ap.add_argument("--binary", help="the sufler binary (default: build target/release/sufler)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="work in this directory and keep it")
    ap.add_argument("--drop-databases", action="store_true",
                    help="delete each workstation's database once it is synced (disk)")
    ap.add_argument("--overlap", action="store_true",
                    help="build the next demo while the last one syncs (syncs then run loaded)")
    ap.add_argument("--reuse", metavar="DIR",
                    help="time the figures over the server a --keep DIR run left, building nothing")
    ap.add_argument("--also", metavar="BINARY",
                    help="time this other sufler's stats --server too, in the same run")
    ap.add_argument("--add", action="store_true",
                    help="with --reuse: make and sync the workstations up to --workstations "
                         "that the server does not have yet")
    a = ap.parse_args()

    binary = a.binary or os.path.join(ROOT, "target", "release", "sufler")
    if not a.binary:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = a.reuse or a.keep or tempfile.mkdtemp(prefix="sufler-server-bench-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    sufler = [binary, "--catalog", ROOT, "--lang", "en"]
    env = {k: v for k, v in os.environ.items() if k not in ("SUFLER_SERVER", "SUFLER_DB")}
    env["SUFLER_TODAY"] = "2026-12-03"
    pg = Cluster(work, reuse=bool(a.reuse))
    try:
        if not a.reuse:
            build(a, work, sufler, env, pg)
        elif a.add:
            # A build cut short (the disk filled up): the workstations it had not made yet.
            have = int(pg.psql("SELECT count(*) FROM workstations").strip())
            if have < a.workstations:
                build(a, work, sufler, env, pg, start=have)
        rows = pg.psql("SELECT (SELECT count(*) FROM consultations), (SELECT count(*) FROM offers), "
                       "pg_size_pretty(pg_database_size('bank'))").strip()
        print(f"server: {rows.replace('|', ' consultations, ', 1).replace('|', ' offers, ')}")

        def sufler_stats(args, exe=binary):
            return lambda: run([exe] + sufler[1:] + ["stats", "--server", pg.url] + args,
                               env=env, stdout=subprocess.DEVNULL)

        def group_by(m1, m2):
            sql = GROUP_BY.format(m1=m1, m2=m2)
            return lambda: pg.psql(sql)

        m = int(MONTH.replace("-", ""))
        m1 = int(FROM[:7].replace("-", ""))
        stats_args = {
            f"month {MONTH}": ["--month", MONTH],
            f"{FROM} to {TO} --by officer,product":
                ["--from", FROM, "--to", TO, "--by", "officer,product"],
        }
        for (name, args), sql in zip(stats_args.items(), [group_by(m, m), group_by(m1, m)]):
            stats = sufler_stats(args)
            s = timed(stats, a.runs)
            q = timed(sql, a.runs)
            print(f"{name}: sufler stats --server {s * 1000:.0f} ms, psql GROUP BY over offers "
                  f"{q * 1000:.0f} ms: ratio {s / q:.3f}", flush=True)
            if a.also:
                args = stats_args[name]
                o = timed(sufler_stats(args, a.also), a.runs)
                print(f"{name}: {a.also} stats --server {o * 1000:.0f} ms: ratio {o / q:.3f}",
                      flush=True)

        report = json.loads(run(sufler + ["export", "--server", pg.url, "--month", MONTH,
                                          "--format", "json"], env=env,
                                stdout=subprocess.PIPE, text=True).stdout)
        counted = report["tables"]["summary"][0]["consultations"]
        in_table = int(pg.psql(f"SELECT count(*) FROM consultations WHERE month = {m}").strip())
        print(f"check: the server's report counts {counted} consultations in {MONTH}, "
              f"the table holds {in_table}")
        if counted != in_table:
            sys.exit("the report and the table disagree")
    finally:
        pg.stop()
        if not (a.keep or a.reuse):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
