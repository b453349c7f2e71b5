"""Benchmark: Open311 POST requests, requests per second, against a bare insert in the same run.

Usage: .venv/bin/python bench/open311_post.py [--requests 200] [--rounds 5] [--pg URL]

The database: SQLite by default (a fresh file in a temporary folder, with the site's own WAL
settings); PostgreSQL when DATABASE_URL names a PostgreSQL server or --pg is given: a fresh
database sizhi_bench_open311_<pid> on that server, dropped at the end.

With DEBUG off and the production settings, through Django's test client (the whole
middleware stack, one request at a time, no network), it measures:

1. the ceiling: a bare view that inserts one row (an audit row) and answers 201, mounted on a
   bench-only URLconf in front of the site's;
2. POST /open311/v2/requests.json: a form-encoded service request with an integration key, a
   place by address_id, a required singlevaluelist attribute, a contact and a media_url
   (key check, form and attribute checks, submit_case, the answer);
3. the same as XML (POST /open311/v2/requests.xml);
4. GET /open311/v2/requests/{id}.json of a published case (the read path, three queries).

Every POST carries its own phone number, so neither the double submit check nor the repeat
rule short-circuits it. The intake rate limits and the per-key request limit are lifted for
the run through their settings, which the output says. Tasks are queued in the database as in
production. Rounds of the paths alternate; each rate is the median over the rounds, with its
ratio to the ceiling. Not a test: nothing is asserted beyond each answer's status.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

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
POST_JSON = "POST /open311/v2/requests.json"
POST_XML = "POST /open311/v2/requests.xml"
GET_ONE = "GET /open311/v2/requests/{id}.json"
EXPECTED = {CEILING: 201, POST_JSON: 200, POST_XML: 200, GET_ONE: 200}


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
    """A county, one township, village and group, the 路灯 category with its default
    attributes, an integration key, and one published case to read."""
    from sizhi.accounts import actions as account_actions
    from sizhi.accounts.models import User
    from sizhi.cases.models import Category
    from sizhi.cases.open311.defaults import load_default_attributes
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
    root = Category.objects.create(code="01", name="基础设施与住房", owner_level="township")
    Category.objects.create(code="0101", name="路灯照明", parent=root, owner_level="village")
    load_default_attributes()
    app = User.objects.create_user("13900000009", name="便民应用")
    issued = account_actions.create_api_token(
        owner=app, name="bench", scopes=["cases:write"], kind="integration", actor=None
    )
    return {"group": group.code, "secret": issued.secret}


class Phones:
    """A new resident each time: their own phone."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return f"137{self.next:08d}"


def requests_for(places: dict[str, Any]) -> dict[str, Callable[[Any], int]]:
    phone = Phones()
    form = "application/x-www-form-urlencoded"

    def body() -> str:
        number = phone()
        return urlencode(
            {
                "api_key": places["secret"],
                "jurisdiction_id": "520327",
                "service_code": "0101",
                "address_id": places["group"],
                "attribute[LIGHT_FAULT]": "off",
                "description": f"村口路灯不亮（{number}）。",
                "first_name": "三",
                "last_name": "张",
                "phone": number,
                "media_url": "https://img.example.com/a.jpg",
            }
        )

    def ceiling(client: Any) -> int:
        return int(client.post("/bench/insert/").status_code)

    def post_json(client: Any) -> int:
        return int(client.post("/open311/v2/requests.json", body(), content_type=form).status_code)

    def post_xml(client: Any) -> int:
        return int(client.post("/open311/v2/requests.xml", body(), content_type=form).status_code)

    from django.test import Client

    [answer] = Client().post("/open311/v2/requests.json", body(), content_type=form).json()
    one = f"/open311/v2/requests/{answer['service_request_id']}.json"

    def get_one(client: Any) -> int:
        return int(client.get(one).status_code)

    return {CEILING: ceiling, POST_JSON: post_json, POST_XML: post_xml, GET_ONE: get_one}


def measure(places: dict[str, Any], per_round: int, rounds: int) -> dict[str, list[float]]:
    from django.test import Client

    calls = requests_for(places)
    clients = {label: Client() for label in calls}
    for label, call in calls.items():  # warm up: imports, connections, caches
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

    ceiling = statistics.median(rates[CEILING])
    print()
    print(f"{label} ({connection.vendor}): {rounds} rounds of {per_round} requests per path")
    print("rate limits lifted for the run: " + ", ".join(f"{k}={v}" for k, v in LIFTED.items()))
    header = f"{'path':<38} {'req/s':>8} {'ms/req':>8} {'× ceiling':>10}"
    print(header)
    print("-" * len(header))
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<38} {rate:>8.1f} {1000 / rate:>8.2f} {rate / ceiling:>10.3f}")
    print(f"cases filed: {Case.objects.count():,}", flush=True)


def run(label: str, database_url: str, per_round: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sizhi-open311-bench-") as var_dir:
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

    name = f"sizhi_bench_open311_{os.getpid()}"
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
