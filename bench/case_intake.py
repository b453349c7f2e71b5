"""Benchmark: case intake, requests per second, against a bare insert in the same run.

Usage: .venv/bin/python bench/case_intake.py [--requests 200] [--rounds 5] [--pg URL]

The database: SQLite by default (a fresh file in a temporary folder, with the site's own WAL
settings); PostgreSQL when DATABASE_URL names a PostgreSQL server (as for case_search.py) or
--pg is given: a fresh database sizhi_bench_intake_<pid> on that server, dropped at the end.

With DEBUG off and the production settings, through Django's test client (the whole
middleware stack, one request at a time, no network), it measures:

1. the ceiling: a bare view that inserts one row (an audit row) and answers 201, mounted on a
   bench-only URLconf in front of the site's;
2. the resident's web form: POST /appeal/new/ (the real view: form, submit_case, the receipt
   in the session, a redirect);
3. the API: POST /api/v1/cases with a token (JSON schema, token, idempotency key, submit_case).

Every request carries a fresh idempotency key and its own phone number (and, for the web
form, its own client address), so neither the double submit check nor the repeat rule
short-circuits it, and the per-phone and per-address counts stay as small as on a real day.
The intake rate limits (per phone, per address) and the API's per-token limit are lifted for
the run through their settings, which the output says. Tasks are queued in the database as in
production. Rounds of the three alternate; each rate is the median over the rounds, with its
ratio to the ceiling. Not a test: nothing is asserted beyond each answer's status.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
        path("bench/insert/", insert_one),
        path("", include("sizhi.config.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    call_command("migrate", verbosity=0)


def build_places() -> dict[str, Any]:
    """A county, one township, village and group, a category tree, and an app's token."""
    from sizhi.accounts import actions as account_actions
    from sizhi.accounts.models import User
    from sizhi.cases.models import Category
    from sizhi.orgs.models import Region

    county = Region.objects.create(code="520327", name="凤冈县", level="county", kind="county")
    township = Region.objects.create(
        code="520327101", name="进化镇", level="township", kind="town", parent=county
    )
    village = Region.objects.create(
        code="520327101201", name="临江村", level="village", kind="village", parent=township
    )
    group = Region.objects.create(
        code="520327101201001", name="临江村一组", level="group", kind="group", parent=village
    )
    root = Category.objects.create(code="01", name="基础设施", owner_level="village")
    leaf = Category.objects.create(code="0101", name="路灯", parent=root, owner_level="village")
    app = User.objects.create_user("13900000009", name="便民应用")
    issued = account_actions.create_api_token(
        owner=app,
        name="bench",
        scopes=["cases:write"],
        kind="integration",
        actor=None,
    )
    return {"group": group.code, "category": leaf.pk, "secret": issued.secret}


class Phones:
    """A new resident each time: their own phone, and their own address."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return f"137{self.next:08d}"

    def address(self) -> str:
        n = self.next
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def requests_for(places: dict[str, Any]) -> dict[str, Callable[[Any], int]]:
    import json

    phone = Phones()
    auth = {"Authorization": f"Bearer {places['secret']}"}

    def ceiling(client: Any) -> int:
        return int(client.post("/bench/insert/").status_code)

    def web_form(client: Any) -> int:
        number = phone()
        response = client.post(
            "/appeal/new/",
            {
                "region_code": places["group"],
                "kind": "complaint",
                "category": str(places["category"]),
                "title": "路灯坏了",
                "description": f"村口路灯不亮（{number}）。",
                "contact_name": "张三",
                "contact_phone": number,
                "idempotency_key": uuid.uuid4().hex,
            },
            REMOTE_ADDR=phone.address(),
        )
        return int(response.status_code)

    def api(client: Any) -> int:
        number = phone()
        body = {
            "kind": "complaint",
            "category_id": places["category"],
            "title": "路灯坏了",
            "description": f"村口路灯不亮（{number}）。",
            "region_code": places["group"],
            "contact_name": "张三",
            "contact_phone": number,
        }
        response = client.post(
            "/api/v1/cases",
            json.dumps(body),
            content_type="application/json",
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        return int(response.status_code)

    return {
        "ceiling: bare view, one INSERT": ceiling,
        "web form: POST /appeal/new/": web_form,
        "API: POST /api/v1/cases": api,
    }


EXPECTED = {
    "ceiling: bare view, one INSERT": 201,
    "web form: POST /appeal/new/": 302,
    "API: POST /api/v1/cases": 201,
}


def measure(places: dict[str, Any], per_round: int, rounds: int) -> dict[str, list[float]]:
    from django.test import Client

    calls = requests_for(places)
    clients = {label: Client() for label in calls}
    for label, call in calls.items():  # warm up: imports, templates, connections, caches
        for _ in range(20):
            status = call(clients[label])
            if status != EXPECTED[label]:
                raise RuntimeError(f"{label}: status {status}, expected {EXPECTED[label]}")
    rates: dict[str, list[float]] = {label: [] for label in calls}
    for number in range(rounds):
        for label, call in calls.items():
            client = clients[label]
            started = time.perf_counter()
            for _ in range(per_round):
                status = call(client)
                if status != EXPECTED[label]:
                    raise RuntimeError(f"{label}: status {status}, expected {EXPECTED[label]}")
            rates[label].append(per_round / (time.perf_counter() - started))
        say(f"round {number + 1}/{rounds} done")
    return rates


def report(label: str, rates: dict[str, list[float]], per_round: int, rounds: int) -> None:
    from django.db import connection

    from sizhi.cases.models import Case

    ceiling = statistics.median(next(iter(rates.values())))
    print()
    print(f"{label} ({connection.vendor}): {rounds} rounds of {per_round} requests per path")
    print("rate limits lifted for the run: " + ", ".join(f"{k}={v}" for k, v in LIFTED.items()))
    header = f"{'path':<34} {'req/s':>8} {'ms/req':>8} {'× ceiling':>10}"
    print(header)
    print("-" * len(header))
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<34} {rate:>8.1f} {1000 / rate:>8.2f} {rate / ceiling:>10.3f}")
    print(f"cases filed: {Case.objects.count():,}", flush=True)


def run(label: str, database_url: str, per_round: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sizhi-intake-bench-") as var_dir:
        set_up(database_url, var_dir)
        from django.db import connections

        try:
            places = build_places()
            rates = measure(places, per_round, rounds)
            report(label, rates, per_round, rounds)
        finally:
            connections.close_all()


def main() -> None:
    args = parse_args()
    server = pg_server(args.pg)
    if not server:
        run("SQLite", "", args.requests, args.rounds)
        return
    import psycopg

    name = f"sizhi_bench_intake_{os.getpid()}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    say(f"database {name} on {urlsplit(server).hostname}")
    try:
        run("PostgreSQL", f"{server}/{name}", args.requests, args.rounds)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        say(f"database {name} dropped")


if __name__ == "__main__":
    main()
