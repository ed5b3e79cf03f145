#!/usr/bin/env python3
"""`sufler stats --by officer,product` over the whole history against SQLite's GROUP BY
over the same rows (DESIGN §9: Sufler must take at most half of SQLite's time).

Steps, all in one run:
  1. build the release binary (cargo build --release) unless --binary is given;
  2. make a history with `sufler demo --consultations N` (default 1 000 000), or take an
     existing database with --db;
  3. export it with `sufler export --detail --format csv` over the whole history;
  4. load the CSV into an SQLite file (python's sqlite3 module; no index, as a manager's
     ad-hoc load would be);
  5. time `sufler stats --by officer,product` (the whole process: start, open, compute,
     print) against the SQL that computes the same figures (totals, plan, and both
     groupings: consultations, main sold, offers and accepted by technique, formula
     compliance, cross-sells accepted, plan sales and officer-months), each the median of
     --runs runs after one warm-up run;
  6. check both saw the same consultations, and print both times and the ratio.

Usage: python3 bench/stats_vs_sqlite.py [--consultations N] [--db PATH] [--runs 3] [--keep DIR]
"""

import argparse
import csv
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FROM, TO = "2000-01-01", "2099-12-31"
FORMULA_CATCH, FORMULA_CREATE = 2, 1

# The same figures `sufler stats --by officer,product` prints, as SQL over the detail rows.
PER_CONSULTATION = """
    WITH c AS (
        SELECT consultation_id, officer, main, main_outcome,
               SUM(technique = 'catch') AS catch_made,
               SUM(technique = 'create') AS create_made,
               SUM(technique <> '' AND outcome = 'accepted') AS cross_accepted
        FROM offers GROUP BY consultation_id
    )
"""
QUERIES = {
    "total": PER_CONSULTATION + f"""
        SELECT COUNT(*), SUM(main_outcome = 'accepted'),
               SUM(catch_made >= {FORMULA_CATCH} AND create_made >= {FORMULA_CREATE}),
               SUM(cross_accepted)
        FROM c""",
    "total offers": """
        SELECT technique, COUNT(*), SUM(outcome = 'accepted'), SUM(outcome = 'declined'),
               SUM(outcome = 'thinking')
        FROM offers WHERE technique <> '' GROUP BY technique""",
    "officer": PER_CONSULTATION + f"""
        SELECT officer, COUNT(*), SUM(main_outcome = 'accepted'),
               SUM(catch_made >= {FORMULA_CATCH} AND create_made >= {FORMULA_CREATE}),
               SUM(cross_accepted)
        FROM c GROUP BY officer""",
    "officer offers": """
        SELECT officer, technique, COUNT(*), SUM(outcome = 'accepted')
        FROM offers WHERE technique <> '' GROUP BY officer, technique""",
    "officer plan sold": """
        SELECT officer, product, COUNT(*) FROM offers
        WHERE outcome = 'accepted' GROUP BY officer, product""",
    "officer main sold": PER_CONSULTATION + """
        SELECT officer, main, COUNT(*) FROM c
        WHERE main_outcome = 'accepted' GROUP BY officer, main""",
    "officer months": """
        SELECT officer, substr(started_at, 1, 7) AS month, COUNT(DISTINCT consultation_id)
        FROM offers GROUP BY officer, month""",
    "product": PER_CONSULTATION + f"""
        SELECT main, COUNT(*), SUM(main_outcome = 'accepted'),
               SUM(catch_made >= {FORMULA_CATCH} AND create_made >= {FORMULA_CREATE}),
               SUM(cross_accepted)
        FROM c GROUP BY main""",
    "product offers": """
        SELECT product, technique, COUNT(*), SUM(outcome = 'accepted')
        FROM offers WHERE technique <> '' GROUP BY product, technique""",
}


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}")
    return r


def timed(f, runs):
    f()  # warm-up: the page cache holds both databases afterwards
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--consultations", type=int, default=1_000_000)
    ap.add_argument("--db", help="an existing sufler database (skips `sufler demo`)")
    ap.add_argument("--binary", help="the sufler binary (default: build target/release/sufler)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="work in this directory and keep it")
    a = ap.parse_args()

    binary = a.binary or os.path.join(ROOT, "target", "release", "sufler")
    if not a.binary:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = a.keep or tempfile.mkdtemp(prefix="sufler-vs-sqlite-")
    os.makedirs(work, exist_ok=True)
    sufler = [binary, "--catalog", ROOT]
    try:
        db = a.db or os.path.join(work, "sufler-db")
        if not a.db:
            if os.path.exists(db):
                shutil.rmtree(db)
            t = time.perf_counter()
            r = subprocess.run(sufler + ["--db", db, "demo", "--consultations", str(a.consultations)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"`sufler demo` failed: {r.stderr.strip()}\n"
                         "(give an existing database with --db, e.g. one kept by "
                         "`SUFLER_BENCH_DB=DIR cargo bench --bench report`)")
            print(f"sufler demo --consultations {a.consultations}: {time.perf_counter() - t:.1f} s")
        period = ["--from", FROM, "--to", TO]

        detail = os.path.join(work, "offers.csv")
        t = time.perf_counter()
        run(sufler + ["--db", db, "export", "--detail", "--format", "csv", "-o", detail] + period)
        print(f"export --detail csv: {time.perf_counter() - t:.1f} s, "
              f"{os.path.getsize(detail) / 1e6:.0f} MB")

        lite = os.path.join(work, "offers.sqlite")
        if os.path.exists(lite):
            os.remove(lite)
        con = sqlite3.connect(lite)
        con.execute("""CREATE TABLE offers (
            consultation_id INTEGER, started_at TEXT, officer TEXT, branch TEXT,
            client_id INTEGER, main TEXT, main_outcome TEXT, product TEXT, technique TEXT,
            stage TEXT, variant INTEGER, outcome TEXT)""")
        t = time.perf_counter()
        with open(detail, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            header = next(rows)
            assert header[:12] == ["consultation_id", "started_at", "officer", "branch",
                                   "client_id", "main", "main_outcome", "product",
                                   "technique", "stage", "variant", "outcome"], header
            con.executemany("INSERT INTO offers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.commit()
        n_rows = con.execute("SELECT COUNT(*) FROM offers").fetchone()[0]
        print(f"loaded {n_rows} rows into SQLite {sqlite3.sqlite_version} "
              f"in {time.perf_counter() - t:.1f} s")

        results = {}
        each = {}

        def sql():
            for name, q in QUERIES.items():
                t = time.perf_counter()
                results[name] = con.execute(q).fetchall()
                each[name] = time.perf_counter() - t

        def stats():
            run(sufler + ["--db", db, "stats", "--by", "officer,product"] + period,
                stdout=subprocess.DEVNULL)

        t_sql = timed(sql, a.runs)
        t_sufler = timed(stats, a.runs)

        # The same rows: the consultations, main sales and compliant consultations agree.
        out = run(sufler + ["--db", db, "export", "--format", "json"] + period,
                  stdout=subprocess.PIPE).stdout
        summary = json.loads(out)["tables"]["summary"][0]
        consultations, main_sold, compliant, _ = results["total"][0]
        assert consultations == summary["consultations"], (consultations, summary)
        assert main_sold == summary["main_sold"], (main_sold, summary)
        assert abs(compliant / consultations - summary["compliance"]) < 1e-12

        print(f"rows: {n_rows} offers of {consultations} consultations")
        print(f"sufler stats --by officer,product (whole history): {t_sufler * 1000:.0f} ms")
        print(f"SQLite, the same figures ({len(QUERIES)} GROUP BY queries): {t_sql * 1000:.0f} ms")
        print(f"ratio: {t_sufler / t_sql:.3f} (target <= 0.5)")
        print("SQLite per query (last run): " +
              ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in each.items()))
        con.close()
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
