"""Benchmark: case search and a handler's queue page over N cases on PostgreSQL.

Usage: .venv/bin/python bench/case_search.py [--cases 1000000] [--pg postgres://...:5432]
       [--repeat 30] [--seed N]

Creates its own database (sizhi_bench_<pid>) on the server of --pg (default: the server of
DATABASE_URL, else postgres://postgres@127.0.0.1:5432), migrates it, builds the Fenggang region
tree (14 townships, their villages and 2,169 groups) with a service centre per village, an
office per township and a few county departments, and loads N cases with COPY: Chinese titles,
descriptions and replies from a small vocabulary, ``search_text`` filled the way the actions
fill it, states, units and times spread over three years. Then it measures, with DEBUG off:

- ceilings: a bare ``SELECT 1`` and a case fetched by primary key;
- searches (``sizhi.cases.search.search_cases`` over ``queries.queue_for``, first page of 50
  through ``queries.after``): county-wide and township-wide, with a filter, common and rare
  words, no match, and the second page;
- a handler's queue page (``queue_for`` + ``after``): first page, with a state filter, and the
  second page.

For each it prints the number of queries (for a user fetched afresh, so the grant look-ups are
included, and warm), the rows, the median and 95th percentile latency, and the median as a ratio
to each ceiling. It prints the PostgreSQL plans of the main queries. The database is dropped at
the end, also after a failure. Not a test: nothing is asserted.
"""

import argparse
import datetime as dt
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = (
    "路灯", "自来水", "道路", "垃圾", "噪音", "低保", "医保", "养老金", "危房", "土地流转",
    "排水沟", "桥梁", "网络信号", "村道", "饮水", "学校", "占道经营", "污水", "补贴", "停电",
)  # fmt: skip
PROBLEMS = (
    "不亮", "坏了", "停水三天", "坑洼不平", "无人清运", "扰民严重", "审批太慢", "没有到账",
    "需要维修", "堵塞", "破损", "信号很差", "长期未处理",
)  # fmt: skip
DETAILS = (
    "希望尽快处理。", "已经反映多次。", "影响群众出行。", "老人小孩很不方便。",
    "请相关部门核实。", "晚上出行很危险。", "下雨天更严重。", "涉及十几户群众。",
)  # fmt: skip
REPLIES = (
    "已安排维修，现已恢复正常。", "已协调相关部门解决。", "经核实，已按政策办理。",
    "已现场查看并整改完毕。", "已向群众解释相关政策。",
)  # fmt: skip
# (state, share of cases, replied, closed)
STATES = (
    ("closed", 0.85, True, True),
    ("in_progress", 0.05, False, False),
    ("assigned", 0.03, False, False),
    ("replied", 0.03, True, False),
    ("received", 0.02, False, False),
    ("followed_up", 0.02, True, False),
)
YEARS = 3
PAGE_FIELDS = ("category", "handling_unit")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pg", default="")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20140729)
    return parser.parse_args()


def server_url(explicit: str) -> str:
    if explicit:
        return explicit.rstrip("/")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return "postgres://postgres@127.0.0.1:5432"


def say(text: str) -> None:
    print(f"== {text}", flush=True)


class Timer:
    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> "Timer":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        say(f"{self.label}: {time.perf_counter() - self.started:.1f} s")


# ---------------------------------------------------------------------------------------------
# Reference data


def build_places(rng: random.Random) -> dict[str, Any]:
    from sizhi.accounts.models import User
    from sizhi.cases.models import Category
    from sizhi.demo.fenggang import COUNTY_CODE, TOWNSHIPS, group_names, village_codes
    from sizhi.orgs.models import Region, RoleGrant, Unit, UnitKind

    county = Region.objects.create(code=COUNTY_CODE, name="凤冈县", level="county", kind="county")
    townships = Region.objects.bulk_create(
        Region(code=t.code, name=t.name, level="township", kind=t.kind, parent=county)
        for t in TOWNSHIPS
    )
    villages, groups = [], []
    for township, region in zip(TOWNSHIPS, townships, strict=True):
        for code, village in zip(village_codes(township), township.villages, strict=True):
            kind = "community" if village.is_community else "village"
            villages.append(
                Region(code=code, name=village.name, level="village", kind=kind, parent=region)
            )
    villages = Region.objects.bulk_create(villages)
    by_code = {v.code: v for v in villages}
    for township in TOWNSHIPS:
        for index, code in enumerate(village_codes(township)):
            for number, name in enumerate(group_names(township, index), start=1):
                groups.append(
                    Region(
                        code=f"{code}{number:03d}",
                        name=f"{by_code[code].name}{name}",
                        level="group",
                        kind="group",
                        parent=by_code[code],
                    )
                )
    groups = Region.objects.bulk_create(groups, batch_size=1000)

    def unit(region: Any, kind: str, name: str) -> Unit:
        return Unit(name=name, kind=kind, region=region, region_code=region.code)

    office = Unit.objects.create(
        name="凤冈县四直为民创建办",
        kind=UnitKind.COUNTY_OFFICE,
        region=county,
        region_code=county.code,
    )
    departments = Unit.objects.bulk_create(
        unit(county, UnitKind.COUNTY_DEPARTMENT, f"凤冈县{name}")
        for name in ("水务局", "交通运输局", "民政局", "人社局", "住建局")
    )
    township_offices = Unit.objects.bulk_create(
        unit(t, UnitKind.TOWNSHIP_OFFICE, f"{t.name}党政办") for t in townships
    )
    centres = Unit.objects.bulk_create(
        unit(v, UnitKind.SERVICE_CENTRE, f"{v.name}便民服务中心") for v in villages
    )
    roots = Category.objects.bulk_create(
        Category(code=f"{n:02d}", name=name, owner_level="village")
        for n, name in enumerate(("基础设施", "民生保障", "环境卫生", "其他"), start=1)
    )
    leaves = Category.objects.bulk_create(
        Category(
            code=f"{root.code}{n:02d}",
            name=f"{root.name}{n}",
            parent=root,
            owner_level=("village", "township", "county")[n - 1],
        )
        for root in roots
        for n in (1, 2, 3)
    )
    supervisor = User.objects.create_user("13900000001", name="督查员")
    cadre = User.objects.create_user("13900000002", name="乡镇干部")
    handler = User.objects.create_user("13900000003", name="承办人")
    home_centre = next(c for c in centres if c.region_code == "520327101201")
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user=supervisor, role="supervisor", region=county, region_code=county.code),
            RoleGrant(user=cadre, role="cadre", region=townships[1], region_code=townships[1].code),
            RoleGrant(
                user=handler, role="handler", unit=home_centre, region_code=home_centre.region_code
            ),
        ]
    )
    centre_of = {c.region_code: c for c in centres}
    office_of = {o.region_code: o for o in township_offices}
    return {
        "groups": [(g.pk, g.code, g.name) for g in groups],
        "centre_of": {code: c.pk for code, c in centre_of.items()},
        "office_of": {code: o.pk for code, o in office_of.items()},
        "departments": [d.pk for d in departments],
        "office": office.pk,
        "leaves": [c.pk for c in leaves],
        "users": {"supervisor": supervisor.pk, "cadre": cadre.pk, "handler": handler.pk},
        "home_centre": home_centre.pk,
        "village_names": sorted({v.name for v in villages}),
    }


# ---------------------------------------------------------------------------------------------
# Cases


def case_rows(n: int, places: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    from sizhi.core.text import search_terms

    terms = {}

    def words(text: str) -> list[str]:
        if text not in terms:
            terms[text] = search_terms(text)
        return terms[text]

    now = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=365 * YEARS).total_seconds()
    weights = [share for _s, share, _r, _c in STATES]
    counters: dict[int, Iterator[int]] = {}
    groups, leaves = places["groups"], places["leaves"]
    for index in range(n):
        group_id, code, place = groups[rng.randrange(len(groups))]
        subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
        detail, more = rng.sample(DETAILS, 2)
        title = f"{subject}{problem}"
        description = f"{place}的{subject}{problem}，{detail}{more}"
        # Spread over three years, oldest first, so ids rise with time as in real use.
        received = now - dt.timedelta(seconds=span * (1 - (index + rng.random()) / n))
        state, _share, replied, closed = rng.choices(STATES, weights)[0]
        share = rng.random()
        if state == "received":
            unit = None
        elif share < 0.6:
            unit = places["centre_of"][code[:12]]
        elif share < 0.9:
            unit = places["office_of"][code[:9]]
        else:
            unit = rng.choice(places["departments"])
        reply = rng.choice(REPLIES) if replied else ""
        seen = dict.fromkeys(
            [*words(title), *words(place), *words(subject + problem), *words(detail), *words(more)]
            + (words(reply) if reply else [])
        )
        year = received.year
        number = next(counters.setdefault(year, itertools.count(1)))
        replied_at = received + dt.timedelta(hours=rng.randint(2, 200)) if replied else None
        closed_at = replied_at + dt.timedelta(hours=rng.randint(1, 48)) if closed else None
        rating = rng.choice((5, 5, 5, 4, 4, 3, 2)) if closed else None
        yield {
            "number": f"520327-{year}-{number:06d}",
            "county_code": "520327",
            "kind": rng.choice(("complaint", "help", "consultation", "suggestion")),
            "channel": rng.choice(("hotline", "hotline", "web", "mailbox", "visit")),
            "category_id": rng.choice(leaves),
            "urgency": "normal" if rng.random() < 0.9 else "urgent",
            "title": title,
            "description": description,
            "region_id": group_id,
            "region_code": code,
            "contact_name": "张三",
            "contact_phone": f"13{rng.randrange(10**9):09d}",
            "state": state,
            "receiving_unit_id": unit,
            "handling_unit_id": unit,
            "transfer_count": 1 if rng.random() < 0.05 else 0,
            "reopen_count": 1 if closed and rng.random() < 0.04 else 0,
            "received_at": received,
            "assigned_at": received + dt.timedelta(minutes=30) if unit else None,
            "replied_at": replied_at,
            "closed_at": closed_at,
            "first_contact_at": replied_at,
            "reply": reply,
            "satisfaction": rating,
            "is_solved": (rating or 0) >= 3 if closed else None,
            "search_text": " ".join(seen),
            "created_at": received,
            "updated_at": closed_at or replied_at or received,
        }


def secondary_indexes(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relname = 'cases_case'
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"""
    )
    return list(cursor.fetchall())


def load_cases(n: int, places: dict[str, Any], rng: random.Random) -> None:
    from django.db import connection

    from sizhi.cases.models import Case

    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        value = field.get_default()
        defaults[field.attname] = (
            json.dumps(value) if field.get_internal_type() == "JSONField" else value
        )
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        indexes = secondary_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        try:
            cursor.execute("SET session_replication_role = replica")  # no FK trigger per row
        except Exception as exc:  # not a superuser: keep the checks
            say(f"foreign keys stay checked during COPY ({exc})")
        with Timer(f"COPY {n:,} cases"):
            raw = cursor.cursor
            with raw.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
                for row in case_rows(n, places, rng):
                    copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])
        cursor.execute("SET session_replication_role = DEFAULT")
        for name, definition in indexes:
            with Timer(f"index {name}"):
                cursor.execute(definition)
        with Timer("ANALYZE"):
            cursor.execute("ANALYZE cases_case")
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('cases_case')),"
            " pg_size_pretty(pg_relation_size('cases_case_search_idx'))"
        )
        table, search_index = cursor.fetchone()
        say(f"cases_case with indexes: {table}; search index: {search_index}")


# ---------------------------------------------------------------------------------------------
# Measuring


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    for _ in range(3):
        result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(len(times) * 0.95))]
    return statistics.median(times), p95, result


def count_queries(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def explain(label: str, queryset: Any) -> None:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        lines = [row[0] for row in cursor.fetchall()]
    print(f"-- plan: {label}")
    for line in lines:
        print(f"   {line}")


def measure(places: dict[str, Any], repeat: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from sizhi.accounts.models import User
    from sizhi.cases import queries
    from sizhi.cases.models import Case
    from sizhi.cases.search import search_cases

    now = timezone.now()

    def fresh(role: str) -> Any:
        return User.objects.get(pk=places["users"][role])

    users = {role: fresh(role) for role in places["users"]}
    leaf = places["leaves"][0]
    first_id = Case.objects.order_by("id").values_list("id", flat=True)[0]
    last_id = Case.objects.order_by("-id").values_list("id", flat=True)[0]

    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def by_pk() -> Any:
        return Case.objects.get(pk=rng.randint(first_id, last_id))  # COPY gave them in a row

    def search(role: str, text: str, **filters: Any) -> Callable[[], list[Any]]:
        def run(user: Any = None) -> list[Any]:
            who = user or users[role]
            cases = queries.queue_for(who, queries.QueueFilters(**filters), now)
            return queries.after(search_cases(cases, text), None)

        return run

    def second_page(role: str, text: str, **filters: Any) -> Callable[[], list[Any]]:
        first = search(role, text, **filters)()
        cursor = (first[-1].received_at, first[-1].pk) if first else None

        def run(user: Any = None) -> list[Any]:
            who = user or users[role]
            cases = queries.queue_for(who, queries.QueueFilters(**filters), now)
            return queries.after(search_cases(cases, text), cursor)

        return run

    def queue(**filters: Any) -> Callable[[], list[Any]]:
        def run(user: Any = None) -> list[Any]:
            cases = queries.queue_for(
                user or users["handler"], queries.QueueFilters(**filters), now
            )
            return queries.after(cases, None)

        return run

    def queue_second(**filters: Any) -> Callable[[], list[Any]]:
        first = queue(**filters)()
        cursor = (first[-1].received_at, first[-1].pk)

        def run(user: Any = None) -> list[Any]:
            cases = queries.queue_for(
                user or users["handler"], queries.QueueFilters(**filters), now
            )
            return queries.after(cases, cursor)

        return run

    closed, sv = {"state": "closed"}, "supervisor"
    cases_to_measure: list[tuple[str, str, Callable[..., list[Any]]]] = [
        ("search county 路灯, closed", sv, search(sv, "路灯", **closed)),
        ("search county 路灯, closed, page 2", sv, second_page(sv, "路灯", **closed)),
        ("search county 饮水 停水, category", sv, search(sv, "饮水 停水", category_id=leaf)),
        ("search county rare 临江 危房", sv, search(sv, "临江 危房")),
        ("search county no match 火星", sv, search(sv, "火星")),
        ("search township 自來水 (trad.), closed", "cadre", search("cadre", "自來水", **closed)),
        ("queue handler, page 1", "handler", queue()),
        ("queue handler, in progress", "handler", queue(state="in_progress")),
        ("queue handler, page 2", "handler", queue_second()),
    ]  # fmt: skip
    ceilings = {
        "SELECT 1": timed(select_one, repeat * 10)[0],
        "pk lookup": timed(by_pk, repeat * 10)[0],
    }
    print()
    print(
        f"ceilings (median of {repeat * 10}): SELECT 1 {ceilings['SELECT 1']:.3f} ms, "
        f"pk lookup {ceilings['pk lookup']:.3f} ms"
    )
    header = (
        f"{'query':<40} {'queries cold/warm':>17} {'rows':>5} {'median ms':>10} {'p95 ms':>8} "
        f"{'×SELECT 1':>10} {'×pk':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, role, fn in cases_to_measure:
        user = fresh(role)  # its grants not loaded yet
        cold = count_queries(lambda fn=fn, user=user: fn(user))
        fn()
        warm = count_queries(fn)
        median, p95, rows = timed(fn, repeat)
        print(
            f"{label:<40} {f'{cold}/{warm}':>17} {len(rows):>5} {median:>10.2f} {p95:>8.2f} "
            f"{median / ceilings['SELECT 1']:>10.1f} {median / ceilings['pk lookup']:>8.1f}",
            flush=True,
        )
    print()
    supervisor = users["supervisor"]
    explain(
        "search county 路灯, state closed",
        search_cases(
            queries.queue_for(supervisor, queries.QueueFilters(state="closed"), now), "路灯"
        )[: queries.PAGE_SIZE],
    )
    explain(
        "search county rare 临江 危房",
        search_cases(queries.queue_for(supervisor, queries.QueueFilters(), now), "临江 危房")[
            : queries.PAGE_SIZE
        ],
    )
    explain(
        "queue handler, page 1",
        queries.queue_for(users["handler"], queries.QueueFilters(), now)[: queries.PAGE_SIZE],
    )


# ---------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    import psycopg

    server = server_url(args.pg)
    name = f"sizhi_bench_{os.getpid()}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    say(f"database {name} on {urlsplit(server).hostname}")
    try:
        os.environ.update(
            DATABASE_URL=f"{server}/{name}",
            DJANGO_SETTINGS_MODULE="sizhi.config.settings",
            SIZHI_DEBUG="0",
            SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        )
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        try:
            with Timer("migrate"):
                call_command("migrate", verbosity=0)
            rng = random.Random(args.seed)
            with Timer("regions, units, categories, users"):
                places = build_places(rng)
            load_cases(args.cases, places, rng)
            measure(places, args.repeat, rng)
        finally:
            connections.close_all()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        say(f"database {name} dropped")


if __name__ == "__main__":
    main()
