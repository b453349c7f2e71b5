"""The frame the request benchmarks share (case_intake.py, open311_post.py): a fresh database
(SQLite in a temporary folder, or a PostgreSQL database made for the run and dropped after),
production settings with the intake rate limits lifted, a bare one-INSERT view as the ceiling
in front of the site's URLs, alternating rounds through Django's test client, and the report
of each path's median rate and its ratio to the ceiling.

A benchmark gives ``main`` its name, a builder of its data, and a function that turns that data
into the requests to time (label → call(client) → status), with the status each must answer.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Filled once Django is set up: the ceiling's view in front of the site's URLs.
urlpatterns: list[Any] = []
LIFTED = {
    "SIZHI_INTAKE_PER_PHONE_PER_HOUR": "1000000000",
    "SIZHI_INTAKE_PER_IP_PER_HOUR": "1000000000",
    "SIZHI_API_REQUESTS_PER_MINUTE": "0",  # 0: no limit
}
CEILING = "ceiling: bare view, one INSERT"
CEILING_URL = "/bench/insert/"

Calls = dict[str, Callable[[Any], int]]


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=200, help="requests per round and path")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default="", help="a PostgreSQL server, e.g. postgres://...:5432")
    return parser.parse_args()


def pg_server(explicit: str) -> str:
    if explicit:
        return explicit.rstrip("/")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return ""


def say(text: str) -> None:
    print(f"== {text}", flush=True)


def set_up(database_url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sizhi.config.settings",
        SIZHI_DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        SIZHI_VAR_DIR=var_dir,
        ALLOWED_HOSTS="testserver",
        **LIFTED,
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    (Path(var_dir) / "static").mkdir(parents=True, exist_ok=True)
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpRequest, HttpResponse
    from django.urls import clear_url_caches, include, path

    django.setup()
    from sizhi.core.models import AuditLog

    def insert_one(request: HttpRequest) -> HttpResponse:
        AuditLog.objects.create(action="bench.insert")
        return HttpResponse(status=201)

    urlpatterns[:] = [
        path(CEILING_URL.strip("/") + "/", insert_one),
        path("", include("sizhi.config.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    call_command("migrate", verbosity=0)


def ceiling(client: Any) -> int:
    return int(client.post(CEILING_URL).status_code)


def measure(
    calls: Calls, expected: Mapping[str, int], per_round: int, rounds: int
) -> dict[str, list[float]]:
    from django.test import Client

    clients = {label: Client() for label in calls}

    def once(label: str) -> None:
        status = calls[label](clients[label])
        if status != expected[label]:
            raise RuntimeError(f"{label}: status {status}, expected {expected[label]}")

    for label in calls:  # warm up: imports, templates, connections, caches
        for _ in range(20):
            once(label)
    rates: dict[str, list[float]] = {label: [] for label in calls}
    for number in range(rounds):
        for label in calls:
            started = time.perf_counter()
            for _ in range(per_round):
                once(label)
            rates[label].append(per_round / (time.perf_counter() - started))
        say(f"round {number + 1}/{rounds} done")
    return rates


def report(label: str, rates: dict[str, list[float]], per_round: int, rounds: int) -> None:
    from django.db import connection

    from sizhi.cases.models import Case

    top = statistics.median(rates[CEILING])
    width = max(len(name) for name in rates) + 2
    print()
    print(f"{label} ({connection.vendor}): {rounds} rounds of {per_round} requests per path")
    print("rate limits lifted for the run: " + ", ".join(f"{k}={v}" for k, v in LIFTED.items()))
    header = f"{'path':<{width}} {'req/s':>8} {'ms/req':>8} {'× ceiling':>10}"
    print(header)
    print("-" * len(header))
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<{width}} {rate:>8.1f} {1000 / rate:>8.2f} {rate / top:>10.3f}")
    print(f"cases filed: {Case.objects.count():,}", flush=True)


def main(
    name: str,
    description: str,
    build: Callable[[], Any],
    requests_for: Callable[[Any], Calls],
    expected: Mapping[str, int],
) -> None:
    """Run the benchmark ``name`` on SQLite, or on PostgreSQL when a server is given."""
    args = parse_args(description)

    def run(label: str, database_url: str) -> None:
        with tempfile.TemporaryDirectory(prefix=f"sizhi-{name}-bench-") as var_dir:
            set_up(database_url, var_dir)
            from django.db import connections

            try:
                calls = {CEILING: ceiling, **requests_for(build())}
                rates = measure(calls, {CEILING: 201, **expected}, args.requests, args.rounds)
                report(label, rates, args.requests, args.rounds)
            finally:
                connections.close_all()

    server = pg_server(args.pg)
    if not server:
        run("SQLite", "")
        return
    import psycopg

    database = f"sizhi_bench_{name}_{os.getpid()}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{database}"')
    say(f"database {database} on {urlsplit(server).hostname}")
    try:
        run("PostgreSQL", f"{server}/{database}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        say(f"database {database} dropped")
