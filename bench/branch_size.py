#!/usr/bin/env python3
"""Sufler at a real branch's size, measured as a user meets it (DESIGN §9, issue #15).

One run, whole processes, side by side:
  1. the history: `sufler demo --consultations N --clients M --seed S` (ending today), timed
     with /usr/bin/time -v (wall clock, peak RSS); built once into --data DIR and reused;
  2. a fresh copy of it (cp -a), so every figure is "straight after the demo";
  3. the first frame of the officer's screen: the real binary started in a detached tmux
     session, the pane polled until the home screen's text is there; then the process's
     resident memory on home (/proc/PID/status VmRSS, VmHWM);
  4. the detail export of the whole history loaded into an SQLite table (sqlite3 .import, no
     index: a manager's ad-hoc load);
  5. `sufler stats` against the sqlite3 command answering the same question, in turn, A B A B,
     for: this month's report, a past month's, officer × product over the whole history;
     medians and the ratio of each pair.

Usage:
  python3 bench/branch_size.py [--consultations 1000000] [--clients 200000] [--seed 1]
      [--data DIR] [--db DIR] [--binary PATH] [--runs 5] [--work DIR] [--tmux-prefix NAME]
--db measures an existing database (a copy of it) instead of the demo's.
"""

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMULA_CATCH, FORMULA_CREATE = 2, 1
WHOLE = ("2000-01-01", "2099-12-31")
HOME_TEXT = "найти клиента"  # the key hint on the home screen (Russian, the default)


def die(msg):
    sys.exit(f"branch_size: {msg}")


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        die(f"failed ({r.returncode}): {' '.join(map(str, cmd))}")
    return r


def timed_process(cmd, stdin_file=None):
    """Wall seconds and peak RSS (MB) of one whole process; its output is discarded."""
    stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    try:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    finally:
        if stdin_file:
            stdin.close()
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        die(f"failed ({p.returncode}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def side_by_side(a, b, runs):
    """A and B in turn after one warm-up each; medians of wall and RSS, ratio per pair."""
    timed_process(*a)
    timed_process(*b)
    ta, tb, ra, rb, ratios = [], [], [], [], []
    for _ in range(runs):
        wa, ma = timed_process(*a)
        wb, mb = timed_process(*b)
        ta.append(wa)
        tb.append(wb)
        ra.append(ma)
        rb.append(mb)
        ratios.append(wa / wb)
    return {
        "a": statistics.median(ta), "b": statistics.median(tb),
        "a_rss": statistics.median(ra), "b_rss": statistics.median(rb),
        "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
    }


def month_after(m):
    y, mm = map(int, m.split("-"))
    return f"{y + mm // 12}-{mm % 12 + 1:02d}"


def per_consultation(where):
    return f"""
    WITH c AS (
        SELECT consultation_id, officer, main, main_outcome,
               SUM(technique = 'catch') AS catch_made,
               SUM(technique = 'create') AS create_made,
               SUM(technique <> '' AND outcome = 'accepted') AS cross_accepted
        FROM offers {where} GROUP BY consultation_id
    )"""


def month_sql(month):
    """What `sufler stats --month M` prints: the summary, the techniques and plan sales."""
    where = f"WHERE started_at >= '{month}-01' AND started_at < '{month_after(month)}-01'"
    return f"""
{per_consultation(where)}
SELECT COUNT(*), SUM(main_outcome = 'accepted'),
       SUM(catch_made >= {FORMULA_CATCH} AND create_made >= {FORMULA_CREATE}),
       SUM(cross_accepted) FROM c;
SELECT technique, COUNT(*), SUM(outcome = 'accepted'), SUM(outcome = 'declined'),
       SUM(outcome = 'thinking')
FROM offers {where} AND technique <> '' GROUP BY technique;
SELECT product, COUNT(*) FROM offers {where} AND outcome = 'accepted' GROUP BY product;
"""


def officer_product_sql():
    """What `sufler stats --by officer,product` over the whole history prints."""
    pc = per_consultation("")
    compliant = f"SUM(catch_made >= {FORMULA_CATCH} AND create_made >= {FORMULA_CREATE})"
    return f"""
{pc} SELECT COUNT(*), SUM(main_outcome = 'accepted'), {compliant}, SUM(cross_accepted) FROM c;
SELECT technique, COUNT(*), SUM(outcome = 'accepted'), SUM(outcome = 'declined'),
       SUM(outcome = 'thinking') FROM offers WHERE technique <> '' GROUP BY technique;
{pc} SELECT officer, COUNT(*), SUM(main_outcome = 'accepted'), {compliant}, SUM(cross_accepted)
FROM c GROUP BY officer;
SELECT officer, technique, COUNT(*), SUM(outcome = 'accepted') FROM offers
WHERE technique <> '' GROUP BY officer, technique;
SELECT officer, product, COUNT(*) FROM offers WHERE outcome = 'accepted'
GROUP BY officer, product;
{pc} SELECT officer, main, COUNT(*) FROM c WHERE main_outcome = 'accepted' GROUP BY officer, main;
SELECT officer, substr(started_at, 1, 7) AS month, COUNT(DISTINCT consultation_id)
FROM offers GROUP BY officer, month;
{pc} SELECT main, COUNT(*), SUM(main_outcome = 'accepted'), {compliant}, SUM(cross_accepted)
FROM c GROUP BY main;
SELECT product, technique, COUNT(*), SUM(outcome = 'accepted') FROM offers
WHERE technique <> '' GROUP BY product, technique;
"""


def build_history(binary, data, a):
    """`sufler demo` into data/db once; its wall time and peak RSS kept in data/demo.txt."""
    db = os.path.join(data, "db")
    note = os.path.join(data, "demo.txt")
    if os.path.exists(note) and os.path.isdir(db):
        with open(note, encoding="utf-8") as f:
            return f.read().strip() + " (built earlier)"
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    cmd = [binary, "--catalog", ROOT, "--db", db, "demo", "--consultations",
           str(a.consultations), "--clients", str(a.clients), "--seed", str(a.seed)]
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        die(f"demo failed: {r.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    h, m, s = (float(x or 0) for x in wall.groups())
    line = (f"sufler demo --consultations {a.consultations} --clients {a.clients} "
            f"--seed {a.seed}: {h * 3600 + m * 60 + s:.1f} s, peak RSS "
            f"{int(rss.group(1)) / 1024:.0f} MB")
    with open(note, "w", encoding="utf-8") as f:
        f.write(line + "\n")
    return line


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


def first_frame(binary, db, session):
    """Milliseconds from launching the screen in tmux until home is drawn; its memory."""
    subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
    cmd = f"exec {binary} --catalog {ROOT} --db {db}"
    t = time.perf_counter()
    run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd])
    shown = None
    while time.perf_counter() - t < 30:
        pane = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                              stdout=subprocess.PIPE, text=True).stdout
        if HOME_TEXT in pane:
            shown = time.perf_counter() - t
            break
        time.sleep(0.002)
    pid = subprocess.run(["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    mem = {}
    if shown is not None and pid:
        time.sleep(1.0)  # on home, settled
        try:
            mem = proc_status(pid)
        except OSError:
            pass
    subprocess.run(["tmux", "send-keys", "-t", session, "q"], stderr=subprocess.DEVNULL)
    for _ in range(200):
        if not os.path.exists(f"/proc/{pid}"):
            break
        time.sleep(0.01)
    subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
    if shown is None:
        die(f"the home screen (`{HOME_TEXT}`) did not appear in 30 s: {pane[-500:]}")
    return shown * 1000, mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--consultations", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "sufler-branch-size"),
                    help="where the demo's history is built once and kept")
    ap.add_argument("--db", help="measure a copy of this database instead of the demo's")
    ap.add_argument("--binary", help="the sufler binary (default: build target/release/sufler)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--frames", type=int, default=3, help="launches of the screen")
    ap.add_argument("--work", help="work in this directory and keep it")
    ap.add_argument("--tmux-prefix", default="sufler-bench")
    a = ap.parse_args()

    binary = os.path.abspath(a.binary or os.path.join(ROOT, "target", "release", "sufler"))
    if not a.binary:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    machine = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", machine)
    print(f"machine: {model.group(1).strip() if model else '?'}, {os.cpu_count()} cores")

    if a.db:
        source, demo_line = a.db, f"database {a.db}"
    else:
        demo_line = build_history(binary, a.data, a)
        source = os.path.join(a.data, "db")
    print(demo_line)

    work = a.work or tempfile.mkdtemp(prefix="sufler-branch-size-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "db")
    try:
        shutil.rmtree(db, ignore_errors=True)
        run(["cp", "-a", source, db])
        # On disk like the demo left it (it syncs its files): otherwise the first open's
        # fsync writes the whole copy out and the first figure measures the disk.
        run(["sync", "-f", db])
        run(["sync"] + [os.path.join(db, f) for f in os.listdir(db)
                        if os.path.isfile(os.path.join(db, f))])
        size = run(["du", "-sm", db], stdout=subprocess.PIPE, text=True).stdout.split()[0]
        print(f"database directory: {size} MB")

        session = f"{a.tmux_prefix}-frame"
        frames = [first_frame(binary, db, session) for _ in range(a.frames)]
        print("first frame of the screen, in tmux (launch → home drawn): " +
              ", ".join(f"{ms:.0f} ms" for ms, _ in frames) +
              " (the first is the first open after the copy)")
        for i, (_, mem) in enumerate(frames):
            print(f"  memory on home, launch {i + 1}: VmRSS {mem.get('VmRSS', 0):.0f} MB, "
                  f"VmHWM {mem.get('VmHWM', 0):.0f} MB")

        today = datetime.date.today()
        this_month = today.strftime("%Y-%m")
        past = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        past = (past - datetime.timedelta(days=1)).strftime("%Y-%m")

        detail = os.path.join(work, "offers.csv")
        t = time.perf_counter()
        run([binary, "--catalog", ROOT, "--db", db, "export", "--detail", "--format", "csv",
             "--from", WHOLE[0], "--to", WHOLE[1], "-o", detail])
        print(f"export --detail csv of the whole history: {time.perf_counter() - t:.1f} s, "
              f"{os.path.getsize(detail) / 1e6:.0f} MB")
        lite = os.path.join(work, "offers.sqlite")
        if os.path.exists(lite):
            os.remove(lite)
        schema = """CREATE TABLE offers (consultation_id INTEGER, started_at TEXT,
            officer TEXT, branch TEXT, client_id INTEGER, main TEXT, main_outcome TEXT,
            product TEXT, technique TEXT, stage TEXT, variant INTEGER, outcome TEXT,
            catalog_version TEXT, slot TEXT);"""
        with open(detail, encoding="utf-8") as f:
            columns = f.readline().strip().split(",")
        if len(columns) != 14:
            die(f"the detail export has {len(columns)} columns, the table 14: {columns}")
        t = time.perf_counter()
        run(["sqlite3", lite], input=f"{schema}\n.mode csv\n.import --skip 1 {detail} offers\n",
            text=True)
        rows = run(["sqlite3", lite, "SELECT COUNT(*) FROM offers"], stdout=subprocess.PIPE,
                   text=True).stdout.strip()
        version = run(["sqlite3", "--version"], stdout=subprocess.PIPE,
                      text=True).stdout.split()[0]
        print(f"loaded {rows} rows into sqlite3 {version} in {time.perf_counter() - t:.1f} s")

        questions = [
            (f"this month ({this_month})", ["stats", "--month", this_month], month_sql(this_month)),
            (f"a past month ({past})", ["stats", "--month", past], month_sql(past)),
            ("officer × product, whole history",
             ["stats", "--by", "officer,product", "--from", WHOLE[0], "--to", WHOLE[1]],
             officer_product_sql()),
        ]
        print(f"sufler stats vs sqlite3, whole processes, median of {a.runs} in turn:")
        for name, args, sql in questions:
            sql_file = os.path.join(work, "q.sql")
            with open(sql_file, "w", encoding="utf-8") as f:
                f.write(sql)
            r = side_by_side(([binary, "--catalog", ROOT, "--db", db] + args,),
                             (["sqlite3", lite], sql_file), a.runs)
            print(f"  {name}: sufler {r['a'] * 1000:.0f} ms ({r['a_rss']:.0f} MB), "
                  f"sqlite3 {r['b'] * 1000:.0f} ms ({r['b_rss']:.0f} MB), ratio "
                  f"{r['ratio']:.2f} ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}), target ≤ 0.5")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
