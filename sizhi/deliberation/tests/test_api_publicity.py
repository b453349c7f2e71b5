"""Contract tests of the publicity reads: a motion's publications with their objections and its
progress reports (photos' names, not the files), with their query counts; and the refusals
shared by the four publicity endpoints (401, 403, 404), which change nothing."""

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, Publication
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    fresh_rate_counters,
    motion,
    snapshot,
    token,
)
from sizhi.deliberation.tests.publicitydata import (  # noqa: F401 - the fixtures
    HOUSEHOLDS,
    OBJECTIONS,
    PNG,
    RESOLUTION,
    TOWNSHIP_B,
    clock_fixture,
    file_one,
    other_resident_fixture,
    paths,
    published_fixture,
)

pytestmark = pytest.mark.django_db


# -- GET /motions/{id}/publications ----------------------------------------------------------------


def test_the_publications_show_their_dates_and_objections(
    published: Motion, bodies: Any, resident: Any
) -> None:
    objection = file_one(published, resident)
    publication = Publication.objects.get()
    response = get(paths(published)["publications"], token(resident))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": publication.pk,
            "kind": "resolution",
            "text": RESOLUTION,
            "published_at": "2026-11-02T01:00:00Z",
            "visible_until": "2026-11-07T01:00:00Z",
            "objections_until": "2026-11-07T01:00:00Z",
            "households_notified": HOUSEHOLDS,
            "objections_open": True,
            "objections": [
                {
                    "id": objection.pk,
                    "publication_id": publication.pk,
                    "text": "摊派标准不公平",
                    "filed_at": "2026-11-02T01:00:00Z",
                    "answer_due_at": "2026-11-07T01:00:00Z",
                    "answer": "",
                    "answered_at": None,
                    "overdue": False,
                    "mine": True,
                }
            ],
        }
    ]
    seen_by_convener = get(paths(published)["publications"], token(bodies.convener_user)).json()
    assert seen_by_convener[0]["objections"][0]["mine"] is False


def test_a_motion_without_publications_lists_none(bodies: Any, convener: Any) -> None:
    target = motion(bodies.council_a1, state="appraising")
    response = get(paths(target)["publications"], token(convener))
    assert (response.status_code, response.json()) == (200, [])


def test_the_result_comes_after_the_resolution_and_takes_the_objections_filed_to_it(
    published: Motion, bodies: Any, resident: Any, clock: Any
) -> None:
    convener = bodies.convener_user
    file_one(published, resident, "先修一段")
    actions.start_implementation(motion_id=published.pk, actor=convener)
    clock.shift(dt.timedelta(days=10))
    actions.publish_result(motion_id=published.pk, text="便道已修缮完成。", actor=convener)
    secret = token(resident)
    filed = post(paths(published)["objections"], {"text": "还有一段没修"}, secret)
    assert filed.status_code == 201, filed.content
    body = get(paths(published)["publications"], secret).json()
    assert [(p["kind"], p["text"], p["objections_open"]) for p in body] == [
        ("resolution", RESOLUTION, False),
        ("result", "便道已修缮完成。", True),
    ]
    assert [[o["text"] for o in p["objections"]] for p in body] == [["先修一段"], ["还有一段没修"]]
    # The resolution's objection is still unanswered past its due time.
    assert body[0]["objections"][0]["overdue"] is True
    assert body[1]["published_at"] == "2026-11-12T01:00:00Z"


def test_the_publications_run_the_same_queries_for_1_and_10_objections(
    published: Motion, resident: Any, django_assert_num_queries: Any
) -> None:
    secret = token(resident)
    path = paths(published)["publications"]
    get(path, secret)  # the token's first use is noted once
    file_one(published, resident)
    # The token with its owner, the owner's grants, the motion, publications, objections.
    with django_assert_num_queries(5):
        assert len(get(path, secret).json()[0]["objections"]) == 1
    for n in range(9):
        file_one(published, resident, f"异议{n}")
    with django_assert_num_queries(5):
        assert len(get(path, secret).json()[0]["objections"]) == 10


# -- GET /motions/{id}/progress --------------------------------------------------------------------


def _report(target: Motion, actor: Any, text: str, photos: int = 0, **fields: Any) -> Any:
    return actions.report_progress(
        motion_id=target.pk,
        text=text,
        photos=[
            SimpleUploadedFile(f"road{n}.png", PNG, content_type="image/png") for n in range(photos)
        ],
        actor=actor,
        **fields,
    )


def test_the_progress_reports_show_their_photos_names_not_the_files(
    clock: Any, bodies: Any, resident: Any
) -> None:
    target = motion(bodies.council_a1, state="implementing")
    convener = bodies.convener_user
    first = _report(
        target, convener, "完成一半", 2, percent_done=50, money_spent_yuan="12000",
        reported_on=dt.date(2026, 11, 1),
    )  # fmt: skip
    second = _report(target, convener, "已完工", percent_done=100)
    photos = list(first.photos.order_by("id"))
    response = get(paths(target)["progress"], token(resident))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": first.pk,
            "reported_on": "2026-11-01",
            "text": "完成一半",
            "money_spent_yuan": "12000.00",
            "percent_done": 50,
            "created_at": "2026-11-02T01:00:00Z",
            "photos": [
                {"id": photos[0].pk, "name": "road0.png", "content_type": "image/png", "size": 72},
                {"id": photos[1].pk, "name": "road1.png", "content_type": "image/png", "size": 72},
            ],
        },
        {
            "id": second.pk,
            "reported_on": "2026-11-02",
            "text": "已完工",
            "money_spent_yuan": None,
            "percent_done": 100,
            "created_at": "2026-11-02T01:00:00Z",
            "photos": [],
        },
    ]
    assert b"PNG" not in response.content


def test_the_progress_runs_the_same_queries_for_1_and_8_reports(
    bodies: Any, convener: Any, django_assert_num_queries: Any
) -> None:
    target = motion(bodies.council_a1, state="implementing")
    secret = token(convener)
    path = paths(target)["progress"]
    get(path, secret)  # the token's first use is noted once
    _report(target, bodies.convener_user, "进展", 1)
    # The token with its owner, the owner's grants, the motion, reports, photos.
    with django_assert_num_queries(5):
        assert len(get(path, secret).json()) == 1
    for n in range(7):
        _report(target, bodies.convener_user, f"进展{n}", 2)
    with django_assert_num_queries(5):
        assert len(get(path, secret).json()) == 8


# -- Refusals shared by the four -------------------------------------------------------------------


def test_without_a_token_nothing_is_read_or_done(published: Motion, resident: Any) -> None:
    objection = file_one(published, resident)
    urls = paths(published)
    before = snapshot()
    for response in (
        get(urls["publications"]),
        get(urls["progress"]),
        post(urls["objections"], {"text": "异议"}),
        post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "答复"}),
    ):
        assert error_of(response)[:2] == (401, "not_authenticated")
    assert snapshot() == before


def test_without_the_scope_nothing_is_read_or_done(
    published: Motion, bodies: Any, resident: Any
) -> None:
    objection = file_one(published, resident)
    urls = paths(published)
    reader = token(bodies.convener_user, scopes=("motions:read",))
    cases_only = token(bodies.convener_user, scopes=("cases:read", "cases:write"))
    before = snapshot()
    for response in (
        get(urls["publications"], cases_only),
        get(urls["progress"], cases_only),
        post(urls["objections"], {"text": "异议"}, reader),
        post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "答复"}, reader),
    ):
        assert error_of(response)[:2] == (403, "insufficient_scope")
    assert snapshot() == before


def test_a_township_token_reaches_nothing_of_another_township(
    published: Motion, resident: Any, county_admin: Any, tree: Any
) -> None:
    objection = file_one(published, resident)
    urls = paths(published)
    secret = token(county_admin, region_code=TOWNSHIP_B)
    before = snapshot()
    for response in (
        get(urls["publications"], secret),
        get(urls["progress"], secret),
        post(urls["objections"], {"text": "异议"}, secret),
        post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "答复"}, secret),
    ):
        assert error_of(response)[:2] == (404, "not_found")
    assert snapshot() == before
    # The same owner's token for township A reads them.
    inside = token(county_admin, region_code=tree.township_a.code)
    assert get(urls["publications"], inside).status_code == 200
    assert get(urls["progress"], inside).status_code == 200


def test_a_user_who_cannot_see_the_motion_gets_404(
    clock: Any, bodies: Any, resident: Any, other_resident: Any
) -> None:
    # A private motion of group A1 hides from its residents; a public one from other groups.
    private = motion(bodies.council_a1, state="resolved", resolution=RESOLUTION, is_public=False)
    actions.publish_resolution(motion_id=private.pk, actor=bodies.convener_user)
    objection = file_one(private, bodies.member_user)
    public = motion(bodies.council_a1, state="implementing")
    own, other = token(resident), token(other_resident)
    before = snapshot()
    for secret, target in ((own, private), (other, public)):
        urls = paths(target)
        for response in (
            get(urls["publications"], secret),
            get(urls["progress"], secret),
            post(urls["objections"], {"text": "异议"}, secret),
        ):
            assert error_of(response)[:2] == (404, "not_found")
    answer = post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "答复"}, own)
    assert error_of(answer)[:2] == (404, "not_found")
    assert snapshot() == before


def test_a_missing_motion_is_404(county_admin: Any) -> None:
    secret = token(county_admin)
    missing = Motion(pk=999999)
    urls = paths(missing)
    for response in (
        get(urls["publications"], secret),
        get(urls["progress"], secret),
        post(urls["objections"], {"text": "异议"}, secret),
    ):
        assert error_of(response)[:2] == (404, "not_found")


# -- The document ----------------------------------------------------------------------------------


def test_the_document_describes_the_publicity_operations_with_their_errors() -> None:
    schema = json.loads(Client().get("/api/openapi.json").content)
    operations = {
        ("/api/v1/motions/{motion_id}/publications", "get"): "200",
        ("/api/v1/motions/{motion_id}/progress", "get"): "200",
        ("/api/v1/motions/{motion_id}/objections", "post"): "201",
        ("/api/v1/objections/{objection_id}/answer", "post"): "200",
    }
    for (path, method), success in operations.items():
        operation = schema["paths"][path][method]
        expected = {success, "400", "401", "403", "404", "429"}
        if method == "post":
            expected |= {"409", "413", "415", "422"}
            assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
        assert expected <= set(operation["responses"]), (path, method)
