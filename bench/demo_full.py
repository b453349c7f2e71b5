"""Benchmark: build the full Fenggang demo on a fresh SQLite file and a fresh PostgreSQL database.

Usage: .venv/bin/python bench/demo_full.py [--pg postgres://postgres@127.0.0.1:5432]
       [--seed N] [--skip-sqlite] [--skip-pg]

For each database: migrate (not timed), run ``manage.py demo --quiet`` (timed, wall clock of
the whole command), then ``manage.py demo --counts``. Prints the time as a ratio to the
300-second ceiling the demo must stay well under, and the counts. The PostgreSQL database is
created for the run and dropped afterwards; when the server cannot be reached the PostgreSQL
part is skipped with a loud message.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
CEILING_SECONDS = 300.0


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SIZHI_VAR_DIR"}}
    # Production-like settings: DEBUG off (no query logging), a throwaway key.
    env.update(
        SIZHI_DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        DJANGO_SETTINGS_MODULE="sizhi.config.settings",
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_one(label: str, env: dict[str, str], seed: int) -> float:
    print(f"== {label}: migrate", flush=True)
    _manage(env, "migrate", "--verbosity", "0")
    print(f"== {label}: demo (full profile, seed {seed})", flush=True)
    started = time.perf_counter()
    _manage(env, "demo", "--quiet", "--seed", str(seed))
    elapsed = time.perf_counter() - started
    print(f"== {label}: counts")
    print(_manage(env, "demo", "--counts"))
    print(
        f"== {label}: demo took {elapsed:.1f} s = {elapsed / CEILING_SECONDS:.3f} "
        f"of the {CEILING_SECONDS:.0f} s ceiling",
        flush=True,
    )
    return elapsed


def bench_sqlite(seed: int) -> float:
    with tempfile.TemporaryDirectory(prefix="sizhi-demo-bench-") as var_dir:
        return run_one("SQLite", _env(SIZHI_VAR_DIR=var_dir), seed)


def bench_postgres(server: str, seed: int) -> float | None:
    try:
        import psycopg
    except ImportError:
        print("!!! PostgreSQL SKIPPED: psycopg is not installed", flush=True)
        return None
    name = f"sizhi_demo_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print("!" * 72)
        print(f"!!! PostgreSQL SKIPPED: cannot reach {server}: {exc}".strip())
        print("!" * 72, flush=True)
        return None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return run_one("PostgreSQL", _env(DATABASE_URL=f"{server}/{name}"), seed)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=20140729)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    results: dict[str, float | None] = {}
    if not args.skip_sqlite:
        results["SQLite"] = bench_sqlite(args.seed)
    if not args.skip_pg:
        results["PostgreSQL"] = bench_postgres(args.pg, args.seed)
    print("== summary (full profile; ratio to the 300 s ceiling, lower is better)")
    for label, elapsed in results.items():
        if elapsed is None:
            print(f"{label:<12} skipped")
        else:
            print(f"{label:<12} {elapsed:7.1f} s  ratio {elapsed / CEILING_SECONDS:.3f}")


if __name__ == "__main__":
    main()
