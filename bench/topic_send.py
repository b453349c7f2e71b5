"""Benchmark: send a county topic to all 2,169 group councils of Fenggang in one operation.

Usage: .venv/bin/python bench/topic_send.py [--repeat 5]

The database is SQLite in a temporary directory, or, when DATABASE_URL names a PostgreSQL
server (as for bench/case_search.py), a database created on that server for the run
(sizhi_bench_topic_<pid>) and dropped at the end, also after a failure. With DEBUG off it
migrates, builds the county's region tree and its 2,169 group councils (the demo's org writer,
without people), a county administrator and a topic, then measures:

- ``sizhi.deliberation.actions.send_topic`` to every council (one bulk operation creating a
  motion and its two events, "create" and "propose", per council), each run inside a
  transaction rolled back afterwards; first without its after-commit work, then with it: the
  event listeners (``SIZHI_EVENT_LISTENERS``, the webhooks app) told of the 4,338 events as one
  batch, run inside the same transaction before the roll-back, once with no webhook
  subscription and once with one integration key subscribed to every motion event (4,338
  deliveries recorded and as many task rows enqueued); with the listener's number of queries;
- the ceilings, measured the same way in the same run: a bare ``bulk_create`` of 2,169 Motion
  rows without events, and of the same motions plus their 4,338 MotionEvent rows;
- ``sizhi.deliberation.queries.topic_progress`` over the sent topic, with its number of queries
  (for a user fetched afresh, so the grant look-up is counted, and warm) — a fixed small number
  whatever the number of councils.

It prints the median seconds of each and the ratios. Not a test: nothing is asserted.
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
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def say(text: str) -> None:
    print(f"== {text}", flush=True)


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    from django.db import transaction

    def run() -> Any:
        with transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        return result

    return run


def announced(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` followed by what it left for after commit (the listeners, then the tasks they
    enqueue), run at once as a commit would run them; inside ``rolled_back`` all of it is
    undone afterwards."""
    from django.test import TestCase

    def run() -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return fn()

    return run


def subscribe_everything(admin: Any) -> None:
    """One integration key of the county administrator, subscribed to every motion event."""
    from sizhi.accounts.actions import create_api_token
    from sizhi.webhooks.actions import create_subscription

    issued = create_api_token(
        owner=admin, name="政务外网平台", scopes=["motions:read"], kind="integration",
        actor=None,
    )  # fmt: skip
    create_subscription(
        name="议事推送", url="https://hooks.example.cn/sizhi", token=issued.token, actor=None,
        events=["motion"],
    )  # fmt: skip


def listener_cost(send: Callable[[], Any]) -> tuple[int, int, int]:
    """(queries of the listeners over the batch, not counting the enqueues after it;
    deliveries recorded; task rows enqueued) of one sending, rolled back."""
    from django.db import connection, transaction
    from django.test import TestCase
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from sizhi.webhooks.models import Delivery

    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks() as listeners:
            send()
        with (
            CaptureQueriesContext(connection) as queries,
            TestCase.captureOnCommitCallbacks() as enqueues,
        ):
            for listener in listeners:
                listener()
        for enqueue in enqueues:
            enqueue()
        counts = (len(queries), Delivery.objects.count(), DBTaskResult.objects.count())
        transaction.set_rollback(True)
    return counts


def build() -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from sizhi.accounts.models import User
    from sizhi.deliberation.actions import create_topic
    from sizhi.demo import orgwriter
    from sizhi.demo.fenggang import COUNTY_CODE, TOWNSHIPS
    from sizhi.demo.plan import township_places
    from sizhi.orgs.models import Region, RoleGrant, Unit, UnitKind

    index = orgwriter.OrgIndex()
    places = orgwriter.write_regions(index, [t.code for t in TOWNSHIPS])
    orgwriter.write_units(index, places)
    for township in TOWNSHIPS:
        orgwriter.write_group_units(index, township_places(township), set())
    admin = User.objects.create_user("13900009999", None, name="县级管理员")
    RoleGrant.objects.create(
        user=admin,
        role="county_admin",
        region=Region.objects.get(code=COUNTY_CODE),
        region_code=COUNTY_CODE,
    )
    now = timezone.now()
    topic = create_topic(
        region_code=COUNTY_CODE,
        title="移风易俗·红白喜事简办",
        body="请各组议事会商议本组红白喜事简办的标准，纳入村规民约。",
        area="customs",
        actor=admin,
        due_on=(now + dt.timedelta(days=60)).date(),
        now=now,
    )
    councils = list(
        Unit.objects.filter(kind=UnitKind.COUNCIL)
        .order_by("region_code")
        .values_list("pk", "region_id", "region_code")
    )
    return {"admin_id": admin.pk, "topic_id": topic.pk, "councils": councils, "now": now}


def measure(places: dict[str, Any], repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sizhi.accounts.models import User
    from sizhi.deliberation.actions import send_topic
    from sizhi.deliberation.actions.topics import STEPS
    from sizhi.deliberation.models import Motion, MotionEvent
    from sizhi.deliberation.queries import topic_progress

    councils, now, topic_id = places["councils"], places["now"], places["topic_id"]
    admin = User.objects.get(pk=places["admin_id"])
    say(f"{len(councils):,} group councils")

    def motions() -> list[Motion]:
        return [
            Motion(
                region_id=region,
                region_code=code,
                council_id=pk,
                deciding_body_id=pk,
                topic_id=topic_id,
                title="移风易俗·红白喜事简办",
                body="请各组议事会商议。",
                area="customs",
                origin="county_topic",
                state="proposed",
                proposer=admin,
                created_at=now,
                updated_at=now,
                proposed_at=now,
            )
            for pk, region, code in councils
        ]

    def bare() -> int:
        return len(Motion.objects.bulk_create(motions(), batch_size=1000))

    def with_events() -> int:
        rows = Motion.objects.bulk_create(motions(), batch_size=1000)
        MotionEvent.objects.bulk_create(
            [
                MotionEvent(
                    motion_id=m.pk,
                    region_code=m.region_code,
                    at=now,
                    actor=admin,
                    transition=transition,
                    from_state=source,
                    to_state=target,
                    data={"topic": topic_id},
                )
                for m in rows
                for transition, source, target in STEPS
            ],
            batch_size=1000,
        )
        return len(rows)

    def send() -> int:
        return send_topic(topic_id=topic_id, actor=admin, now=now)

    created = rolled_back(send)()
    say(f"send_topic creates {created:,} motions")
    ceiling = median_seconds(rolled_back(bare), repeat)
    ceiling_events = median_seconds(rolled_back(with_events), repeat)
    sent = median_seconds(rolled_back(send), repeat)
    quiet = median_seconds(rolled_back(announced(send)), repeat)
    quiet_cost = listener_cost(send)
    subscribe_everything(admin)
    heard = median_seconds(rolled_back(announced(send)), repeat)
    heard_cost = listener_cost(send)
    print()
    print(f"{'operation':<52} {'median s':>9} {'× bare':>8} {'× +events':>10}")
    print("-" * 82)
    for label, seconds in (
        ("bulk_create motions (ceiling)", ceiling),
        ("bulk_create motions + events (ceiling)", ceiling_events),
        ("send_topic, listeners not run", sent),
        ("send_topic + listeners, no subscription", quiet),
        ("send_topic + listeners, one subscription", heard),
    ):
        print(
            f"{label:<52} {seconds:>9.3f} {seconds / ceiling:>8.2f} "
            f"{seconds / ceiling_events:>10.2f}",
            flush=True,
        )
    print()
    for label, (queries, deliveries, tasks) in (
        ("no subscription", quiet_cost),
        ("one subscription", heard_cost),
    ):
        print(
            f"listeners over the batch, {label}: {queries} queries, "
            f"{deliveries:,} deliveries recorded, {tasks:,} tasks enqueued"
        )
    send()  # keep one sending for the progress query
    fresh = User.objects.get(pk=admin.pk)
    with CaptureQueriesContext(connection) as cold:
        progress = topic_progress(fresh, topic_id)
    with CaptureQueriesContext(connection) as warm:
        topic_progress(fresh, topic_id)
    seconds = median_seconds(lambda: topic_progress(fresh, topic_id), repeat * 4)
    print()
    print(
        f"topic_progress over {progress.total:,} motions in {len(progress.by_township)} "
        f"townships: {len(cold)} queries cold, {len(warm)} warm; median {seconds * 1000:.1f} ms"
    )


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return ""


def run(repeat: int) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection, connections

    django.setup()
    try:
        say(f"database: {connection.vendor}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        say(f"migrate: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        places = build()
        say(f"regions, units, topic: {time.perf_counter() - started:.1f} s")
        measure(places, repeat)
    finally:
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sizhi.config.settings",
        SIZHI_DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    server = server_url()
    if not server:
        with tempfile.TemporaryDirectory(prefix="sizhi-topic-bench-") as var_dir:
            os.environ.pop("DATABASE_URL", None)
            os.environ["SIZHI_VAR_DIR"] = var_dir
            run(args.repeat)
        return
    import psycopg

    name = f"sizhi_bench_topic_{os.getpid()}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    say(f"database {name} on {urlsplit(server).hostname}")
    try:
        os.environ["DATABASE_URL"] = f"{server}/{name}"
        run(args.repeat)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        say(f"database {name} dropped")


if __name__ == "__main__":
    main()
