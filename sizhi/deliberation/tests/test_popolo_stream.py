"""How the Popolo export is produced: a fixed number of queries per chunk whatever the rows,
the ``export_popolo`` command, the reader's language, and the read snapshot that every query
of an export shares (begun and ended outside any test transaction)."""

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.deliberation import actions
from sizhi.deliberation.popolo import SECTIONS, export_for
from sizhi.deliberation.popolo_write import iter_popolo_bytes
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.tests.test_popolo import (
    GROUP_A1,
    TOWNSHIP_A,
    Township,
    _ballot,
    _seat,
    build_township,
    export,
)
from sizhi.deliberation.tests.test_popolo_checks import reference_errors, schema_errors


@pytest.fixture
def township(bodies: Any, resident: Any, tree: Any) -> Township:
    return build_township(bodies, resident, tree)


def _queries(code: str, **options: Any) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(connection) as queries:
        document = export(AnonymousUser(), code, **options)
    return len(queries.captured_queries), document


def _more(bodies: Any) -> None:
    """More of every kind of row: members, a member's motion decided by roll call."""
    members = bodies.council_members + [_seat(bodies.council_a1) for _ in range(3)]
    motion = actions.create_motion(
        council_id=bodies.council_a1.pk,
        title="修缮水池",
        body="修缮水池。",
        area="customs",
        actor=bodies.member_user,
    )
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    actions.start_review(motion_id=motion.pk, actor=bodies.convener_user, note="意见已充分")
    _ballot(bodies.branch_a1, motion, "review", bodies.convener_user, 3, (2, 1, 0))
    votes = dict.fromkeys(members, "yes")
    _ballot(bodies.council_a1, motion, "vote", bodies.convener_user, len(members), votes)


@pytest.mark.django_db
def test_an_export_runs_a_fixed_number_of_queries_per_chunk(township, bodies):
    before, small = _queries(TOWNSHIP_A)
    _more(bodies)
    after, large = _queries(TOWNSHIP_A)
    assert [len(large[s]) > len(small[s]) for s in ("persons", "motions", "vote_events")] == [
        True
    ] * 3
    assert after == before <= 14
    # In chunks of two rows: at most three queries a chunk (motions: rows, rules, proposers).
    chunked, document = _queries(TOWNSHIP_A, chunk_size=2)
    assert chunked > after
    assert chunked <= 2 + sum(3 * (len(document[s]) // 2 + 1) for s in SECTIONS)
    assert document == large


@pytest.mark.django_db
def test_the_command_writes_the_public_export_or_with_private_motions(township, tmp_path):
    target = tmp_path / "a1.json"
    call_command("export_popolo", GROUP_A1, "-o", str(target))
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written == export(AnonymousUser(), GROUP_A1)
    assert list(tmp_path.iterdir()) == [target]
    out = StringIO()
    call_command("export_popolo", GROUP_A1, "--private", stdout=out)
    private = json.loads(out.getvalue())
    assert f"motion/{township.motions['private'].pk}" in {m["id"] for m in private["motions"]}
    assert schema_errors(private) == []
    assert reference_errors(private) == []


@pytest.mark.django_db
def test_the_command_refuses_bad_and_unknown_codes(tree):
    with pytest.raises(CommandError, match="区划代码格式不正确"):
        call_command("export_popolo", "52032710120")
    with pytest.raises(CommandError, match="520327101201009"):
        call_command("export_popolo", "520327101201009")


@pytest.mark.django_db
def test_the_export_speaks_the_readers_language(township, client):
    response = client.get(f"/popolo/{GROUP_A1}.json", HTTP_ACCEPT_LANGUAGE="en")
    document = json.loads(b"".join(response.streaming_content))
    motions = {m["id"]: m for m in document["motions"]}
    # Undecided: the deciding body's rule in the reader's language. Decided: the rule the
    # deciding vote applied, also in the reader's language.
    undecided = motions[f"motion/{township.motions['appraising'].pk}"]["requirement"]
    assert undecided.startswith("present: more than one half of those expected")
    decided = motions[f"motion/{township.motions['closed'].pk}"]["requirement"]
    assert decided.startswith("present: more than one half of those expected; yes votes: ")
    labels = {m["role"]: m["label"] for m in document["memberships"]}
    assert labels["convener"] == "Convener"


def _idle() -> bool:
    """No transaction is open on the connection."""
    if connection.connection is None:
        return True
    if connection.vendor == "sqlite":
        return not connection.connection.in_transaction
    return connection.connection.info.transaction_status == 0  # psycopg: IDLE


@pytest.mark.django_db(transaction=True)
def test_an_export_outside_a_transaction_reads_one_snapshot_and_ends_it(bodies, tmp_path):
    MotionFactory.create(council=bodies.council_a1, title="安装路灯")
    assert not connection.in_atomic_block
    target = tmp_path / "a1.json"
    call_command("export_popolo", GROUP_A1, "-o", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [m["text"].split("\n")[0] for m in document["motions"]] == ["安装路灯"]
    assert _idle()
    # A reader who goes away after the first piece: closing the stream ends the snapshot.
    stream = iter_popolo_bytes(export_for(AnonymousUser(), GROUP_A1))
    assert next(stream) == b"{"
    next(stream)
    assert not _idle()
    stream.close()
    assert _idle()
